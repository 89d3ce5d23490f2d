//! Seat actions: releasing a ghost seat. The sensor API makes the change; this checks who may,
//! and records the change with its audit entry in one transaction.

use chrono::Utc;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::api::SeatStatus;
use crate::domain::audit::Outcome;
use crate::domain::layout::SeatEvent;
use crate::domain::layout::SeatState;
use crate::domain::policy::Permission;
use crate::store::{self, Store, StoreError, audit as log};

/// Checks that `actor` may release `seat_id` (a denial is logged) and that the seat is away
/// (belongings, nobody there). Returns the role that permits it and the seat's label.
pub fn check_release(
    store: &mut Store,
    actor: &Actor,
    seat_id: &str,
) -> Result<(String, String), ServiceError> {
    let role = audit::authorize(store, actor, Permission::ReleaseSeat, &format!("seat:{seat_id}"))?;
    let seats = store::seats::current(store.conn(), &Default::default())?;
    let seat = seats
        .into_iter()
        .find(|s| s.id == seat_id)
        .ok_or_else(|| ServiceError::NotFound(format!("no seat '{seat_id}'")))?;
    if seat.state != Some(SeatState::Away) {
        let now = seat.state.map_or("without data", SeatState::as_str);
        return Err(ServiceError::Conflict(format!(
            "seat {} is {now}; only an away seat can be released",
            seat.label
        )));
    }
    Ok((role, seat.label))
}

/// Records a release the sensor API confirmed: the seat's new state and its audit entry.
pub fn record_release(
    store: &mut Store,
    actor: &Actor,
    role: &str,
    confirmed: &SeatStatus,
) -> Result<(), ServiceError> {
    let event = SeatEvent {
        seat_id: confirmed.id.clone(),
        state: confirmed.state,
        since: confirmed.since,
        sensor: confirmed.sensor,
        observed: Utc::now(),
    };
    let object = format!("seat:{}", confirmed.id);
    store.write(|tx| {
        store::seats::append_events(tx, std::slice::from_ref(&event))?;
        let details = serde_json::json!({ "state": confirmed.state }).to_string();
        log::append(
            tx,
            entry(actor, role, Permission::ReleaseSeat, &object, Outcome::Allowed, details),
        )?;
        Ok::<_, StoreError>(())
    })?;
    Ok(())
}

/// Records a permitted release the sensor API did not carry out.
pub fn record_release_failure(
    store: &mut Store,
    actor: &Actor,
    role: &str,
    seat_id: &str,
    why: &str,
) -> Result<(), ServiceError> {
    let details = serde_json::json!({ "error": why }).to_string();
    let e = entry(
        actor,
        role,
        Permission::ReleaseSeat,
        &format!("seat:{seat_id}"),
        Outcome::Failed,
        details,
    );
    store.write(|tx| log::append(tx, e.clone()))?;
    Ok(())
}
