//! What a demo database is seeded with besides its people: the simulated library's catalogue
//! (titles and subjects, for profiles and recommendations) and which subject each zone's
//! shelves hold (for the visits part of the interest profile), so that a database made with
//! `carrel init --demo` is complete before any feed has run. Neither names a patron; the
//! seeding is one transaction with its audit entry.
//!
//! May use: domain, store.

use std::collections::BTreeMap;

use chrono::Utc;

use super::ServiceError;
use crate::domain::api::CatalogItemDto;
use crate::domain::audit::{NewEntry, Outcome};
use crate::store::{self, Store, StoreError, audit as log, meta};

/// Stores `items` in the catalogue and `zone_subjects` as the database's own map, logged as
/// done by `by` (the login that made the demo).
pub fn seed(
    store: &mut Store,
    by: &str,
    items: &[CatalogItemDto],
    zone_subjects: &BTreeMap<String, String>,
) -> Result<(), ServiceError> {
    let map =
        serde_json::to_string(zone_subjects).map_err(|e| ServiceError::Invalid(e.to_string()))?;
    store.write(|tx| {
        store::catalog::upsert_items(tx, items)?;
        meta::set(tx, meta::ZONE_SUBJECTS, &map)?;
        log::append(
            tx,
            NewEntry {
                at: Utc::now(),
                actor: by.to_owned(),
                role: "-".into(),
                action: "catalog.seed".into(),
                object: "catalog".into(),
                purpose: String::new(),
                outcome: Outcome::Allowed,
                details: serde_json::json!({ "items": items.len(), "zones": zone_subjects.len() })
                    .to_string(),
                impersonator: None,
            },
        )?;
        Ok::<_, StoreError>(())
    })?;
    Ok(())
}

/// The zone subjects the database was seeded with (empty when none).
pub fn zone_subjects(store: &Store) -> Result<BTreeMap<String, String>, ServiceError> {
    Ok(meta::get(store.conn(), meta::ZONE_SUBJECTS)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}
