//! Seat-state ingest: the store's batch path against a bare rusqlite prepared-insert loop
//! writing the same rows into the same schema, both in one transaction on a fresh database
//! file with the same pragmas. Run: `cargo bench --bench seat_ingest`. The ratio of the two
//! medians goes in docs/PERFORMANCE.md.

#![allow(clippy::unwrap_used)] // A benchmark that cannot set up should stop loudly.

mod common;

use std::hint::black_box;
use std::time::Duration;

use carrel::domain::layout::Seat;
use carrel::store::seats::{INSERT_EVENT_SQL, append_events};
use carrel::store::{Store, StoreOptions, layout, to_ms};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// A fresh database file with the layout loaded, so foreign keys resolve in both paths.
fn fresh(dir: &tempfile::TempDir, n: &mut u32, seats: &[Seat]) -> std::path::PathBuf {
    *n += 1;
    let path = dir.path().join(format!("bench-{n}.db"));
    let mut store = Store::create(&path, false, "bench", StoreOptions::default()).unwrap();
    let (floors, zones) = common::floors_and_zones();
    store
        .write(|tx| layout::apply(tx, &floors, &zones, seats, true, layout::Positions::Given, 0))
        .unwrap();
    path
}

fn bench(c: &mut Criterion) {
    let seats = common::seats();
    let events = common::events(&seats);
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
