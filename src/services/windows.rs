//! Service-window actions: open, close, staff or unstaff a window. The sensor API makes the
//! change; this checks who may and records the change, its assignment history and its audit
//! entry in one transaction.

use chrono::Utc;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::api::ServicePointChange;
use crate::domain::audit::Outcome;
use crate::domain::policy::Permission;
use crate::domain::service_point::ServicePoint;
use crate::store::service_points::{self as points, ChangeSource};
use crate::store::{Store, StoreError, audit as log};

fn describe(change: &ServicePointChange) -> serde_json::Value {
    serde_json::json!({ "open": change.open, "staff": change.staff })
}

/// Checks that `actor` may change `window` (a denial is logged) and that the window exists.
/// Returns the permitting role and the window as last reported.
pub fn check_change(
    store: &mut Store,
    actor: &Actor,
    window: &str,
    change: &ServicePointChange,
) -> Result<(String, ServicePoint), ServiceError> {
    let role =
        audit::authorize(store, actor, Permission::ChangeWindow, &format!("window:{window}"))?;
    if change.open.is_none() && change.staff.is_none() {
        return Err(ServiceError::Invalid("nothing to change: say open, close or staff".into()));
    }
    let current =
        points::list(store.conn())?.into_iter().find(|p| p.id == window).ok_or_else(|| {
            ServiceError::NotFound(format!("no window '{window}' (see `carrel queues`)"))
        })?;
    Ok((role, current))
}

/// Records a change the sensor API confirmed.
pub fn record_change(
    store: &mut Store,
    actor: &Actor,
    role: &str,
    before: &ServicePoint,
    change: &ServicePointChange,
    after: &ServicePoint,
) -> Result<(), ServiceError> {
    let object = format!("window:{}", after.id);
    store.write(|tx| {
        points::update_one(tx, after)?;
        points::record_assignment(
            tx,
            &after.id,
            after.open,
            after.staff.as_deref(),
            Utc::now(),
            ChangeSource::Console,
            Some(&actor.login),
        )?;
        let details = serde_json::json!({
            "asked": describe(change),
            "before": { "open": before.open, "staff": before.staff },
            "after": { "open": after.open, "staff": after.staff },
        })
        .to_string();
        log::append(
            tx,
            entry(actor, role, Permission::ChangeWindow, &object, Outcome::Allowed, details),
        )?;
        Ok::<_, StoreError>(())
    })?;
    Ok(())
}

/// Records a permitted change the sensor API did not carry out.
pub fn record_failure(
    store: &mut Store,
    actor: &Actor,
    role: &str,
    window: &str,
    change: &ServicePointChange,
    why: &str,
) -> Result<(), ServiceError> {
    let details = serde_json::json!({ "asked": describe(change), "error": why }).to_string();
    let e = entry(
        actor,
        role,
        Permission::ChangeWindow,
        &format!("window:{window}"),
        Outcome::Failed,
        details,
    );
    store.write(|tx| log::append(tx, e.clone()))?;
    Ok(())
}
