//! What both seat-ingest benchmarks write: 20,000 seats in eight zones of one floor, and one
//! state event per seat. Shared by `seat_ingest` (SQLite) and `pg_ingest` (PostgreSQL).
#![allow(dead_code, clippy::unwrap_used)]

use carrel::domain::layout::{Floor, Seat, SeatState, SensorHealth, Zone, ZoneKind};
use carrel::store::seats::SeatEvent;
use chrono::{TimeZone, Utc};

pub const SEATS: usize = 20_000;

/// The floor and zones the seats sit in.
pub fn floors_and_zones() -> (Vec<Floor>, Vec<Zone>) {
    let floors = vec![Floor { id: "F0".into(), name: "Ground".into(), level: 0 }];
    let zones = (0..8)
        .map(|z| Zone {
            id: format!("F0-Z{z}"),
            floor_id: "F0".into(),
            name: format!("Z{z}"),
            kind: ZoneKind::Quiet,
        })
        .collect();
    (floors, zones)
}

pub fn seats() -> Vec<Seat> {
    (0..SEATS)
        .map(|i| Seat {
            id: format!("F0-Z{}-S{i:05}", i % 8),
            zone_id: format!("F0-Z{}", i % 8),
            label: format!("S{i}"),
            x: (i % 200) as u32,
            y: (i / 200) as u32,
            power: i % 3 == 0,
            accessible: i % 17 == 0,
        })
        .collect()
}

pub fn events(seats: &[Seat]) -> Vec<SeatEvent> {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
    let states = [SeatState::Occupied, SeatState::Away, SeatState::Free];
    seats
        .iter()
        .enumerate()
        .map(|(i, s)| SeatEvent {
            seat_id: s.id.clone(),
            state: states[i % 3],
            since: t0 + chrono::Duration::seconds(i as i64),
            sensor: SensorHealth::Ok,
            observed: t0 + chrono::Duration::seconds(i as i64 + 1),
        })
        .collect()
}
