//! Seat-state ingest on PostgreSQL: the store's batch path against a bare `postgres`-crate
//! prepared-insert loop writing the same rows into the same schema, both in one transaction on a
//! fresh database with the layout loaded. The server comes from `CARREL_BENCH_PG`, the URL of a
//! superuser on a `postgres` database where the bench may CREATE and DROP databases, e.g.
//! `CARREL_BENCH_PG='postgresql://postgres@/postgres?host=/tmp/pg&port=54329' cargo bench --bench
//! pg_ingest`; without it the bench says so and does nothing. The ratio of the two medians goes
//! in docs/PERFORMANCE.md.

#![allow(clippy::unwrap_used)] // A benchmark that cannot set up should stop loudly.

mod common;

use std::hint::black_box;
use std::sync::mpsc;
use std::time::Duration;

use carrel::domain::layout::Seat;
use carrel::store::db::to_postgres;
use carrel::store::pg::PgTarget;
use carrel::store::seats::{INSERT_EVENT_SQL, append_events};
use carrel::store::{Store, layout, to_ms};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// Every database the bench makes starts with this, so leftovers of a stopped run are found.
const PREFIX: &str = "carrel_bench_";

/// The database each fresh one is copied from: the schema made by the store, the layout loaded.
const TEMPLATE: &str = "carrel_bench_template";

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let query = path.split_once('?').map_or("", |(_, q)| q);
    let query = if query.is_empty() { String::new() } else { format!("?{query}") };
    format!("{scheme}://{authority}/{name}{query}")
}

/// The superuser's session on the `postgres` database, which makes and drops the databases.
struct Server {
    url: String,
    admin: postgres::Client,
    made: u32,
    /// The fresh databases made and not dropped yet.
    live: Vec<String>,
}

impl Server {
    fn connect(url: String) -> Server {
        let admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let mut server = Server { url, admin, made: 0, live: Vec::new() };
        server.drop_leftovers();
        server
    }

    fn drop_database(&mut self, name: &str) {
        self.admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    }

    /// Databases a stopped run of this bench left behind.
    fn drop_leftovers(&mut self) {
        let names: Vec<String> = self
            .admin
            .query(
                "SELECT datname FROM pg_database WHERE datname LIKE $1",
                &[&format!("{PREFIX}%")],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        for name in names {
            self.drop_database(&name);
        }
    }

    /// Makes the template: carrel's schema made by the store, the layout loaded through it.
    fn make_template(&mut self, seats: &[Seat]) {
        self.admin.batch_execute(&format!("CREATE DATABASE {TEMPLATE}")).unwrap();
        let target = PgTarget::parse(&with_database(&self.url, TEMPLATE), None, None).unwrap();
        let mut store =
            Store::create_server(&target, &carrel::services::database::SYSTEM_ACTORS).unwrap();
        let (floors, zones) = common::floors_and_zones();
        store
            .write(|tx| {
                layout::apply(tx, &floors, &zones, seats, true, layout::Positions::Given, 0)
            })
            .unwrap();
    }

    /// A fresh database with the layout loaded (a copy of the template), and its URL. The
    /// databases of earlier iterations are dropped first: their sessions have ended by now.
    fn fresh(&mut self) -> String {
        for name in std::mem::take(&mut self.live) {
            self.drop_database(&name);
        }
        self.made += 1;
        let name = format!("{PREFIX}{}_{}", std::process::id(), self.made);
        self.admin.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}")).unwrap();
        self.live.push(name.clone());
        with_database(&self.url, &name)
    }
}

/// The bare loop's client on a thread of its own, every call handed to it and its answer awaited
/// as the store's session thread does (`PgWorker::call` in src/store/db.rs: a boxed job, a new
/// answer channel per call): what that hop costs, apart from the rest of the store.
struct Hop {
    jobs: mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce(&mut postgres::Client) + Send>;

impl Hop {
    fn connect(url: String) -> Hop {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            while let Ok(job) = queue.recv() {
                job(&mut client);
            }
        });
        let hop = Hop { jobs };
        hop.call(|_| ()); // connected
        hop
    }

    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> T + Send + 'static,
    ) -> T {
        let (answer, answered) = mpsc::channel();
        self.jobs
            .send(Box::new(move |c: &mut postgres::Client| {
                let _ = answer.send(f(c));
            }))
            .unwrap();
        answered.recv().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.drop_leftovers();
    }
}

fn bench(c: &mut Criterion) {
    let Ok(url) = std::env::var("CARREL_BENCH_PG") else {
        println!(
            "pg_ingest: CARREL_BENCH_PG is not set (a superuser's URL on a `postgres` database); nothing measured"
        );
        return;
    };
    let seats = common::seats();
    let events = common::events(&seats);
    let mut server = Server::connect(url);
    server.make_template(&seats);
    let server = std::cell::RefCell::new(server);
    let insert = to_postgres(INSERT_EVENT_SQL);
    let mut group = c.benchmark_group("pg_ingest");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10).measurement_time(Duration::from_secs(90));

    group.bench_function("store_batch_path", |b| {
        b.iter_batched(
            || {
                let url = server.borrow_mut().fresh();
                Store::open_server(&PgTarget::parse(&url, None, None).unwrap()).unwrap()
            },
            |mut store| {
                store.write(|tx| append_events(tx, black_box(&events))).unwrap();
                store
            },
            BatchSize::PerIteration,
        )
    });

    group.bench_function("bare_postgres_loop", |b| {
        b.iter_batched(
            || postgres::Client::connect(&server.borrow_mut().fresh(), postgres::NoTls).unwrap(),
            |mut client| {
                let mut tx = client.transaction().unwrap();
                let stmt = tx.prepare(&insert).unwrap();
                for e in black_box(&events) {
                    tx.execute(
                        &stmt,
                        &[
                            &e.seat_id,
                            &e.state.as_str(),
                            &to_ms(e.since),
                            &e.sensor.as_str(),
                            &to_ms(e.observed),
                        ],
                    )
                    .unwrap();
                }
                tx.commit().unwrap();
                client
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("bare_loop_via_thread", |b| {
        b.iter_batched(
            || Hop::connect(server.borrow_mut().fresh()),
            |hop| {
                hop.call(|c| c.batch_execute("BEGIN").unwrap());
                let sql = insert.clone();
                let stmt = hop.call(move |c| c.prepare(&sql).unwrap());
                for e in black_box(&events) {
                    let (stmt, seat, state, since, sensor, observed) = (
                        stmt.clone(),
                        e.seat_id.clone(),
                        e.state.as_str(),
                        to_ms(e.since),
                        e.sensor.as_str(),
                        to_ms(e.observed),
                    );
                    hop.call(move |c| {
                        c.execute(&stmt, &[&seat, &state, &since, &sensor, &observed]).unwrap()
                    });
                }
                hop.call(|c| c.batch_execute("COMMIT").unwrap());
                hop
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
