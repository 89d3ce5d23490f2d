//! Seat states: an append-only history per seat, whose latest row is the current state.
//!
//! The ingest path is [`append_events`]: one prepared statement, rows bound and stepped in the
//! caller's transaction, nothing else. Deciding which observations are changes is the feed's
//! job (it keeps the current states in memory), so the write path stays as cheap as a bare
//! insert loop; `benches/seat_ingest.rs` measures the two side by side.

use std::collections::HashMap;

use super::db::{Connection, params};

use super::StoreResult;
use super::layout::parse_column;
use super::{from_ms, to_ms};
use crate::domain::layout::{SeatState, SeatView, SensorHealth};
use chrono::{DateTime, Utc};

pub use crate::domain::layout::SeatEvent;

/// The SQL of the batch path, shared with the benchmark's bare loop so both insert the same
/// rows the same way.
pub const INSERT_EVENT_SQL: &str = "INSERT INTO seat_events(seat_id, state, since_ms, sensor, observed_ms) VALUES (?1, ?2, ?3, ?4, ?5)";

/// Appends seat events in the caller's transaction. Returns how many rows were written.
pub fn append_events(conn: &Connection, events: &[SeatEvent]) -> StoreResult<usize> {
    let mut stmt = conn.prepare_cached(INSERT_EVENT_SQL)?;
    for e in events {
        stmt.execute(params![
            e.seat_id,
            e.state.as_str(),
            to_ms(e.since),
            e.sensor.as_str(),
            to_ms(e.observed)
        ])?;
    }
    Ok(events.len())
}

/// A seat's state, since when, and how its sensor was doing.
pub type StateMark = (SeatState, DateTime<Utc>, SensorHealth);

/// The latest state mark of every seat that has one.
pub fn latest_states(conn: &Connection) -> StoreResult<HashMap<String, StateMark>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.seat_id, e.state, e.since_ms, e.sensor FROM seat_events e
         WHERE e.id IN (SELECT max(id) FROM seat_events GROUP BY seat_id)",
    )?;
    let rows = stmt.query_map((), |r| {
        let state: String = r.get(1)?;
        let sensor: String = r.get(3)?;
        Ok((
            r.get::<_, String>(0)?,
            (parse_column(&state, 1)?, from_ms(r.get(2)?), parse_column(&sensor, 3)?),
        ))
    })?;
    rows.collect::<super::db::Result<_>>()
}

/// Which seats to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeatFilter {
    pub floor: Option<String>,
    pub zone: Option<String>,
    pub state: Option<SeatState>,
}

/// Active seats with their current state, ordered by floor level, zone and seat id.
pub fn current(conn: &Connection, filter: &SeatFilter) -> StoreResult<Vec<SeatView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.label, z.floor_id, s.zone_id, z.kind, s.x, s.y, s.power, s.accessible,
                e.state, e.since_ms, e.sensor
         FROM seats s
         JOIN zones z ON z.id = s.zone_id
         JOIN floors f ON f.id = z.floor_id
         LEFT JOIN seat_events e ON e.id = (SELECT max(id) FROM seat_events WHERE seat_id = s.id)
         WHERE s.retired_ms IS NULL
           AND (CAST(?1 AS TEXT) IS NULL OR z.floor_id = ?1)
           AND (CAST(?2 AS TEXT) IS NULL OR s.zone_id = ?2)
           AND (CAST(?3 AS TEXT) IS NULL OR e.state = ?3)
         ORDER BY f.level, z.floor_id, s.zone_id, s.id",
    )?;
    let state = filter.state.map(SeatState::as_str);
    let rows = stmt.query_map(params![filter.floor, filter.zone, state], |r| {
        let kind: String = r.get(4)?;
        let state: Option<String> = r.get(9)?;
        let sensor: Option<String> = r.get(11)?;
        Ok(SeatView {
            id: r.get(0)?,
            label: r.get(1)?,
            floor_id: r.get(2)?,
            zone_id: r.get(3)?,
            zone_kind: parse_column(&kind, 4)?,
            x: r.get(5)?,
            y: r.get(6)?,
            power: r.get(7)?,
            accessible: r.get(8)?,
            state: state.as_deref().map(|s| parse_column(s, 9)).transpose()?,
            since: r.get::<_, Option<i64>>(10)?.map(from_ms),
            sensor: sensor.as_deref().map(|s| parse_column(s, 11)).transpose()?,
        })
    })?;
    rows.collect::<super::db::Result<_>>()
}

/// The most recent `limit` events of one seat, newest first.
pub fn history(conn: &Connection, seat_id: &str, limit: usize) -> StoreResult<Vec<SeatEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seat_id, state, since_ms, sensor, observed_ms FROM seat_events
         WHERE seat_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![seat_id, limit], |r| {
        let state: String = r.get(1)?;
        let sensor: String = r.get(3)?;
        Ok(SeatEvent {
            seat_id: r.get(0)?,
            state: parse_column(&state, 1)?,
            since: from_ms(r.get(2)?),
            sensor: parse_column(&sensor, 3)?,
            observed: from_ms(r.get(4)?),
        })
    })?;
    rows.collect::<super::db::Result<_>>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::layout::{Floor, Zone};
    use crate::domain::layout::{Seat, ZoneKind};
    use crate::store::Store;
    use crate::store::layout;
    use chrono::TimeZone;

    fn seed_layout(store: &mut Store) {
        store
            .write(|tx| {
                let floors = [
                    Floor { id: "F0".into(), name: "Ground".into(), level: 0 },
                    Floor { id: "F1".into(), name: "First".into(), level: 1 },
                ];
                let zones = [
                    Zone {
                        id: "F0-Z0".into(),
                        floor_id: "F0".into(),
                        name: "A".into(),
                        kind: ZoneKind::Quiet,
                    },
                    Zone {
                        id: "F1-Z0".into(),
                        floor_id: "F1".into(),
                        name: "B".into(),
                        kind: ZoneKind::Silent,
                    },
                ];
                let seats: Vec<Seat> = ["F0-Z0-S1", "F0-Z0-S2", "F1-Z0-S1"]
                    .iter()
                    .enumerate()
                    .map(|(i, id)| Seat {
                        id: (*id).into(),
                        zone_id: id[..5].into(),
                        label: format!("L{i}"),
                        x: i as u32,
                        y: 0,
                        power: i == 0,
                        accessible: false,
                    })
                    .collect();
                layout::apply(tx, &floors, &zones, &seats, true, layout::Positions::Given, 0)
            })
            .unwrap();
    }

    fn event(seat: &str, state: SeatState, minute: u32) -> SeatEvent {
        let t = Utc.with_ymd_and_hms(2026, 11, 21, 10, minute, 0).unwrap();
        SeatEvent { seat_id: seat.into(), state, since: t, sensor: SensorHealth::Ok, observed: t }
    }

    #[test]
    fn current_state_is_the_latest_event_and_filters_apply() {
        let mut store = Store::open_in_memory().unwrap();
        seed_layout(&mut store);
        store
            .write(|tx| {
                append_events(
                    tx,
                    &[
                        event("F0-Z0-S1", SeatState::Occupied, 1),
                        event("F0-Z0-S1", SeatState::Away, 2),
                        event("F1-Z0-S1", SeatState::Free, 3),
                    ],
                )
            })
            .unwrap();
        let all = current(store.conn(), &SeatFilter::default()).unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].id, "F0-Z0-S1");
        assert_eq!(all[0].state, Some(SeatState::Away));
        assert_eq!(all[1].state, None, "no event yet");
        let away = SeatFilter { state: Some(SeatState::Away), ..Default::default() };
        assert_eq!(current(store.conn(), &away).unwrap().len(), 1);
        let first = SeatFilter { floor: Some("F1".into()), ..Default::default() };
        let f1 = current(store.conn(), &first).unwrap();
        assert_eq!(f1.len(), 1);
        assert_eq!(f1[0].zone_kind, ZoneKind::Silent);
        let latest = latest_states(store.conn()).unwrap();
        assert_eq!(latest.len(), 2);
        assert_eq!(latest["F0-Z0-S1"].0, SeatState::Away);
        let hist = history(store.conn(), "F0-Z0-S1", 10).unwrap();
        assert_eq!(
            hist.iter().map(|e| e.state).collect::<Vec<_>>(),
            [SeatState::Away, SeatState::Occupied]
        );
    }

    #[test]
    fn a_clean_layout_retires_missing_seats_and_a_partial_one_does_not() {
        let mut store = Store::open_in_memory().unwrap();
        seed_layout(&mut store);
        let floors = [Floor { id: "F0".into(), name: "Ground".into(), level: 0 }];
        let zones = [Zone {
            id: "F0-Z0".into(),
            floor_id: "F0".into(),
            name: "A".into(),
            kind: ZoneKind::Quiet,
        }];
        let seats = [Seat {
            id: "F0-Z0-S1".into(),
            zone_id: "F0-Z0".into(),
            label: "L0".into(),
            x: 0,
            y: 0,
            power: true,
            accessible: false,
        }];
        let partial = store
            .write(|tx| {
                layout::apply(tx, &floors, &zones, &seats, false, layout::Positions::Given, 5)
            })
            .unwrap();
        assert_eq!(partial.seats_retired, 0);
        assert_eq!(current(store.conn(), &SeatFilter::default()).unwrap().len(), 3);
        let clean = store
            .write(|tx| {
                layout::apply(tx, &floors, &zones, &seats, true, layout::Positions::Given, 6)
            })
            .unwrap();
        assert_eq!(clean.seats_retired, 2);
        assert_eq!(current(store.conn(), &SeatFilter::default()).unwrap().len(), 1);
        assert_eq!(layout::floors(store.conn()).unwrap().len(), 1);
    }
}
