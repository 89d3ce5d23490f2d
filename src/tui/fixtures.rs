//! A small library in plain values, for tests of `update` and the views (and the render
//! benchmark): two floors, zones of each kind, seats in every state, ghosts, comfort readings
//! with one out of range.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::keymap::Keymap;
use super::model::{SeatsSnapshot, SystemSnapshot};
use super::state::{Health, State, Viewer};
use super::theme::{Theme, ThemeName};
use crate::domain::comfort::{Comfort, ComfortLimits, ZoneSample};
use crate::domain::layout::{Floor, SeatState, SeatView, SensorHealth, Zone, ZoneKind};
use crate::domain::staff::{Grant, Role};
use crate::services::reads::{DatabaseStatus, SystemStatus};
use crate::store::environment::ZoneComfort;
use crate::store::feeds::FeedState;
use crate::store::lease::Lease;

/// The fixed "now" of the fixtures: a Wednesday late morning.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 18, 11, 0, 0).single().unwrap_or_default()
}

/// A desk librarian.
pub fn desk() -> Viewer {
    Viewer {
        login: "dana".into(),
        display_name: Some("Dana Desk".into()),
        grants: vec![Grant { role: Role::Desk, party: None }],
    }
}

/// Someone carrel does not know.
pub fn stranger() -> Viewer {
    Viewer { login: "guest".into(), display_name: None, grants: vec![] }
}

/// `per_floor` seats on each of `floors` floors, in rows of 20 with an aisle every 5 seats.
pub fn seats_snapshot(floors: usize, per_floor: usize, hostile: bool) -> SeatsSnapshot {
    seats_snapshot_rows(floors, per_floor, 20, hostile)
}

/// Like [`seats_snapshot`] with rows of `row` seats (a big library has long rows).
pub fn seats_snapshot_rows(
    floors: usize,
    per_floor: usize,
    row: usize,
    hostile: bool,
) -> SeatsSnapshot {
    let kinds = ZoneKind::ALL;
    let floor_rows: Vec<Floor> = (0..floors)
        .map(|f| Floor { id: format!("F{f}"), name: format!("Floor {f}"), level: f as i32 })
        .collect();
    let mut zones = vec![];
    let mut seats = vec![];
    let mut comfort = vec![];
    for f in 0..floors {
        for (zi, kind) in kinds.iter().enumerate() {
            let name = if hostile && zi == 0 {
                format!("\u{1b}]0;pwned\u{7}閱覽室 Ｗｉｄｅ {}\u{202e}gnol", "x".repeat(300))
            } else {
                format!("{} room {f}{zi}", kind.as_str())
            };
            zones.push(Zone {
                id: format!("F{f}-Z{zi}"),
                floor_id: format!("F{f}"),
                name,
                kind: *kind,
            });
            let reading = Comfort {
                temperature_c: 21.0 + zi as f64,
                co2_ppm: if zi == 1 { 1250.0 } else { 650.0 },
                light_lux: 500.0,
                noise_db: 38.0,
            };
            comfort.push(ZoneComfort {
                zone_id: format!("F{f}-Z{zi}"),
                zone_name: String::new(),
                floor_id: format!("F{f}"),
                kind: *kind,
                latest: Some(ZoneSample {
                    zone_id: format!("F{f}-Z{zi}"),
                    at: now(),
                    comfort: reading,
                }),
            });
        }
        for i in 0..per_floor {
            let zi = (i / 5) % kinds.len();
            let state = match i % 11 {
                0..=2 => SeatState::Free,
                3..=6 => SeatState::Occupied,
                7..=8 => SeatState::Away,
                9 => SeatState::Reserved,
                _ => SeatState::OutOfService,
            };
            let away_for = if i % 22 == 7 { 95 } else { 10 };
            let label = if hostile && i == 7 {
                "\u{1b}[2J\u{9b}31mEVIL\u{1b}]8;;http://x/\u{7}".into()
            } else {
                format!("{f}-{i:03}")
            };
            seats.push(SeatView {
                id: format!("F{f}-S{i:04}"),
                label,
                floor_id: format!("F{f}"),
                zone_id: format!("F{f}-Z{zi}"),
                zone_kind: kinds[zi],
                x: (i % row + i % row / 5) as u32,
                y: (i / row * 2) as u32,
                power: i % 3 == 0,
                accessible: i % 7 == 0,
                state: Some(state),
                since: Some(
                    now() - Duration::minutes(if state == SeatState::Away { away_for } else { 40 }),
                ),
                sensor: Some(if i % 37 == 5 { SensorHealth::Offline } else { SensorHealth::Ok }),
            });
        }
    }
    SeatsSnapshot::build(
        &floor_rows,
        &zones,
        seats,
        &comfort,
        &ComfortLimits::default(),
        now(),
        Duration::minutes(30),
    )
}

pub fn system_snapshot() -> SystemSnapshot {
    let t = now();
    let feed = |name: &str, ok_s: i64, fails: u32, error: Option<&str>| FeedState {
        feed: name.into(),
        cursor: None,
        last_attempt: Some(t - Duration::seconds(2)),
        last_success: Some(t - Duration::seconds(ok_s)),
        last_error: error.map(str::to_owned),
        last_error_at: error.map(|_| t - Duration::seconds(2)),
        consecutive_failures: fails,
        server_offset_ms: Some(0),
        records_ok: 600,
        records_quarantined: u64::from(fails),
    };
    SystemSnapshot {
        status: SystemStatus {
            database: DatabaseStatus {
                path: "/var/lib/carrel/carrel.db".into(),
                size_bytes: 2_400_000,
                schema_version: 1,
                demo: false,
            },
            lease: Some(Lease {
                holder: "desk-3:4242:1".into(),
                acquired: t,
                renewed: t,
                expires: t + Duration::seconds(15),
            }),
            feeds: vec![
                feed("sensor.layout", 600, 0, None),
                feed("sensor.seats", 3, 0, None),
                feed("sensor.environment", 400, 3, Some("HTTP 503: sensor gateway overloaded")),
                feed("recs.model", 30, 0, None),
            ],
            quarantined: [("sensor.environment".to_owned(), 3)].into_iter().collect(),
            audit: crate::services::audit::AuditSummary {
                size: 1234,
                root: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328".into(),
                last_checkpoint: None,
                last_verification: Some(crate::store::audit::VerificationRecord {
                    at: t - Duration::minutes(30),
                    size: 1200,
                    root: "ab".repeat(32),
                    ok: true,
                    first_bad: None,
                    message: "ok".into(),
                }),
            },
        },
        sensor_url: Some("https://sensors.library.example/".into()),
        recs_url: None,
        own_holder: None,
        staleness: crate::domain::freshness::Staleness::new(
            60,
            1800,
            &[("sensor.layout", 3600), ("sensor.seats", 5)],
        ),
        recent_quarantine: vec![],
    }
}

/// A console state showing the fixtures, at `size`, in monochrome.
pub fn state(size: (u16, u16), viewer: Viewer) -> State {
    let mut s = State::new(
        viewer,
        "Central Library".into(),
        chrono_tz::UTC,
        Keymap::defaults(),
        Theme::new(ThemeName::Mono),
        now(),
    );
    s.size = size;
    s.seats.snapshot = Some(seats_snapshot(2, 120, false));
    s.system.snapshot = Some(system_snapshot());
    s.health = Health { sensor: super::model::ApiHealth::Ok, recs: super::model::ApiHealth::Off };
    s
}
