//! Seat-state ingest: the store's batch path against a bare rusqlite prepared-insert loop
//! writing the same rows into the same schema, both in one transaction on a fresh database
//! file with the same pragmas. Run: `cargo bench --bench seat_ingest`. The ratio of the two
//! medians goes in docs/PERFORMANCE.md.

#![allow(clippy::unwrap_used)] // A benchmark that cannot set up should stop loudly.

use std::hint::black_box;
use std::time::Duration;

use carrel::domain::layout::{Floor, Seat, SeatState, SensorHealth, Zone, ZoneKind};
use carrel::store::seats::{INSERT_EVENT_SQL, SeatEvent, append_events};
use carrel::store::{Store, StoreOptions, layout, to_ms};
use chrono::{TimeZone, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const SEATS: usize = 20_000;

fn seats() -> Vec<Seat> {
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

fn events(seats: &[Seat]) -> Vec<SeatEvent> {
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

/// A fresh database file with the layout loaded, so foreign keys resolve in both paths.
fn fresh(dir: &tempfile::TempDir, n: &mut u32, seats: &[Seat]) -> std::path::PathBuf {
    *n += 1;
    let path = dir.path().join(format!("bench-{n}.db"));
    let mut store = Store::create(&path, false, "bench", StoreOptions::default()).unwrap();
    let floors = [Floor { id: "F0".into(), name: "Ground".into(), level: 0 }];
    let zones: Vec<Zone> = (0..8)
        .map(|z| Zone {
            id: format!("F0-Z{z}"),
            floor_id: "F0".into(),
            name: format!("Z{z}"),
            kind: ZoneKind::Quiet,
        })
        .collect();
    store.write(|tx| layout::apply(tx, &floors, &zones, seats, true, 0)).unwrap();
    path
}

fn bench(c: &mut Criterion) {
    let seats = seats();
    let events = events(&seats);
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    let mut group = c.benchmark_group("seat_ingest");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(20).measurement_time(Duration::from_secs(20));

    group.bench_function("store_batch_path", |b| {
        b.iter_batched(
            || Store::open(&fresh(&dir, &mut n, &seats), StoreOptions::default()).unwrap(),
            |mut store| {
                store.write(|tx| append_events(tx, black_box(&events))).unwrap();
                store
            },
            BatchSize::PerIteration,
        )
    });

    group.bench_function("bare_rusqlite_loop", |b| {
        b.iter_batched(
            || {
                let conn = rusqlite::Connection::open(fresh(&dir, &mut n, &seats)).unwrap();
                conn.pragma_update(None, "journal_mode", "WAL").unwrap();
                conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
                conn.pragma_update(None, "foreign_keys", true).unwrap();
                conn
            },
            |mut conn| {
                let tx = conn.transaction().unwrap();
                {
                    let mut stmt = tx.prepare(INSERT_EVENT_SQL).unwrap();
                    for e in black_box(&events) {
                        stmt.execute(rusqlite::params![
                            e.seat_id,
                            e.state.as_str(),
                            to_ms(e.since),
                            e.sensor.as_str(),
                            to_ms(e.observed)
                        ])
                        .unwrap();
                    }
                }
                tx.commit().unwrap();
                conn
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
