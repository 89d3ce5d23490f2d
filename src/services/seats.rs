//! Seat actions: releasing a ghost seat. The sensor API makes the change; this records it.

use chrono::Utc;

use super::ServiceError;
use super::identity::Actor;
use crate::domain::api::SeatStatus;
use crate::domain::layout::SeatState;
use crate::domain::staff::Role;
use crate::store::seats::SeatEvent;
use crate::store::{self, Store};

/// Checks that `actor` may release `seat_id` and that the seat is away (belongings, nobody
/// there). Returns the seat's label.
pub fn check_release(store: &Store, actor: &Actor, seat_id: &str) -> Result<String, ServiceError> {
    if !actor.has(Role::Desk) {
        return Err(ServiceError::Denied(format!(
            "{} may not release seats (needs the desk role)",
            actor.login
        )));
    }
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
    Ok(seat.label)
}

/// Records a release the sensor API confirmed: the seat's new state and who released it.
pub fn record_release(
    store: &mut Store,
    actor: &Actor,
    confirmed: &SeatStatus,
) -> Result<(), ServiceError> {
    let event = SeatEvent {
        seat_id: confirmed.id.clone(),
        state: confirmed.state,
        since: confirmed.since,
        sensor: confirmed.sensor,
        observed: Utc::now(),
    };
    tracing::info!(seat = %confirmed.id, actor = %actor.login, "seat released");
    store.write(|tx| store::seats::append_events(tx, std::slice::from_ref(&event)))?;
    Ok(())
}
