//! Arrival history: imports from CSV, and series for forecasting.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::arrivals::ArrivalBucket;
use crate::domain::audit::Outcome;
use crate::domain::policy::Permission;
use crate::domain::sanitize::valid_id;
use crate::store::arrivals::BucketSource;
use crate::store::{self, Store, StoreError, audit as log};

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub buckets: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// Writes imported buckets for `window` in one transaction with their audit entry: all or
/// nothing, and importing the same file again changes nothing.
pub fn import(
    store: &mut Store,
    actor: &Actor,
    window: &str,
    step_s: u32,
    buckets: &[(DateTime<Utc>, f64)],
    file: &str,
) -> Result<ImportSummary, ServiceError> {
    if !valid_id(window) {
        return Err(ServiceError::Invalid(format!("--window '{window}' is not a valid window id")));
    }
    let object = format!("window:{window}");
    let role = audit::authorize(store, actor, Permission::ImportArrivals, &object)?;
    let rows: Vec<ArrivalBucket> = buckets
        .iter()
        .map(|(start, n)| ArrivalBucket {
            service_point_id: window.to_owned(),
            step_s,
            start: *start,
            arrivals: n.round().clamp(0.0, f64::from(u32::MAX)) as u32,
            served: None,
            mean_wait_s: None,
        })
        .collect();
    store
        .write(|tx| {
            let (from, to) = match (rows.first(), rows.last()) {
                (Some(a), Some(b)) => (a.start, b.start + chrono::Duration::seconds(i64::from(step_s))),
                _ => return Ok(ImportSummary { buckets: 0, new: 0, changed: 0, unchanged: 0 }),
            };
            let before: std::collections::HashMap<DateTime<Utc>, u32> =
                store::arrivals::series(tx, window, step_s, from, to)?.into_iter().map(|b| (b.start, b.arrivals)).collect();
            let mut summary = ImportSummary { buckets: rows.len(), new: 0, changed: 0, unchanged: 0 };
            for r in &rows {
                match before.get(&r.start) {
                    None => summary.new += 1,
                    Some(n) if *n == r.arrivals => summary.unchanged += 1,
                    Some(_) => summary.changed += 1,
                }
            }
            let changed: Vec<ArrivalBucket> = rows.iter().filter(|r| before.get(&r.start) != Some(&r.arrivals)).cloned().collect();
            store::arrivals::upsert(tx, &changed, BucketSource::Import)?;
            let details = serde_json::json!({
                "file": file, "step_s": step_s, "buckets": summary.buckets, "new": summary.new, "changed": summary.changed
            })
            .to_string();
            log::append(tx, entry(actor, &role, Permission::ImportArrivals, &object, Outcome::Allowed, details))?;
            Ok::<_, StoreError>(summary)
        })
        .map_err(ServiceError::from)
}

/// A window's arrivals as a regular series of `step_s` from `from` to `to` (exclusive); buckets
/// the store does not hold are missing (`NaN`).
pub fn series(
    store: &Store,
    window: &str,
    step_s: u32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<f64>, ServiceError> {
    let step = i64::from(step_s.max(1));
    let n = usize::try_from(((to - from).num_seconds() / step).max(0)).unwrap_or(0);
    let mut values = vec![f64::NAN; n];
    for b in store::arrivals::series(store.conn(), window, step_s, from, to)? {
        let i = (b.start - from).num_seconds() / step;
        if let Some(v) = usize::try_from(i).ok().and_then(|i| values.get_mut(i)) {
            *v = f64::from(b.arrivals);
        }
    }
    Ok(values)
}
