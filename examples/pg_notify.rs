//! NOTIFY latency on PostgreSQL, as a console's session would see it: a client of its own
//! LISTENs on `carrel_changes` (a thread blocked on its socket, noting when each notification
//! arrives) while something else writes.
//!
//! ```sh
//! cargo run --release --example pg_notify -- URL notify 20   # a bare NOTIFY from a second session
//! cargo run --release --example pg_notify -- URL carrel 20   # `carrel --db URL audit note …`
//! ```
//! URL is the database's owner (or a superuser) on the carrel database. `notify` times from
//! just before the NOTIFY is sent (it commits on its own) to its arrival. `carrel` runs the
//! release binary (`CARREL_BIN`, default target/release/carrel) and times from the commit of
//! the note's transaction to the first notification after it; the commit time is the server's
//! `pg_xact_commit_timestamp`, so the server needs `track_commit_timestamp=on`. Samples are two
//! seconds apart, so idle consoles that reload on a notification have done so before the next.
#![allow(clippy::unwrap_used)] // A measurement that cannot run should stop loudly.

use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use postgres::fallible_iterator::FallibleIterator;

/// A notification as the listener saw it: its payload and when it arrived.
struct Arrival {
    payload: String,
    at: Instant,
    wall: SystemTime,
}

/// Starts the listening session on a thread of its own; returns once it listens.
fn listen(url: &str) -> mpsc::Receiver<Arrival> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client.batch_execute("LISTEN carrel_changes").unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut notifications = client.notifications();
        let mut arrivals = notifications.blocking_iter();
        while let Ok(Some(n)) = arrivals.next() {
            let arrival = Arrival {
                payload: n.payload().to_owned(),
                at: Instant::now(),
                wall: SystemTime::now(),
            };
            if tx.send(arrival).is_err() {
                break;
            }
        }
    });
    rx
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).expect("usage: pg_notify URL notify|carrel [SAMPLES]");
    let mode = args.get(2).map_or("notify", String::as_str);
    let samples: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let arrivals = listen(url);
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let bin = std::env::var("CARREL_BIN").unwrap_or_else(|_| "target/release/carrel".into());
    let mut latencies = Vec::new();
    for i in 0..samples {
        std::thread::sleep(Duration::from_secs(2));
        while arrivals.try_recv().is_ok() {} // whatever came in between
        let latency = match mode {
            "notify" => {
                let payload = format!("pg_notify {i}");
                let sent = Instant::now();
                client.batch_execute(&format!("NOTIFY carrel_changes, '{payload}'")).unwrap();
                let got = loop {
                    let a = arrivals.recv_timeout(Duration::from_secs(10)).unwrap();
                    if a.payload == payload {
                        break a;
                    }
                };
                got.at - sent
            }
            "carrel" => {
                let text = format!("pg_notify sample {i}");
                let mut child = std::process::Command::new(&bin)
                    .args(["--db", url, "audit", "note", &text])
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                assert!(child.wait().unwrap().success(), "{bin} audit note failed");
                // The note is the newest entry; its transaction's commit time, in seconds.
                let committed: f64 = client
                    .query_one(
                        "SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin))::float8
                         FROM audit_log ORDER BY seq DESC LIMIT 1",
                        &[],
                    )
                    .unwrap()
                    .get(0);
                let committed = UNIX_EPOCH + Duration::from_secs_f64(committed);
                // The first notification that arrived after that commit.
                let got = loop {
                    let a = arrivals.recv_timeout(Duration::from_secs(10)).unwrap();
                    if a.wall >= committed {
                        break a;
                    }
                };
                got.wall.duration_since(committed).unwrap()
            }
            other => panic!("unknown mode {other}: notify or carrel"),
        };
        println!("sample {i}: {:.3} ms", latency.as_secs_f64() * 1000.0);
        latencies.push(latency);
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let n = latencies.len();
    let median = (ms(latencies[(n - 1) / 2]) + ms(latencies[n / 2])) / 2.0;
    println!("{mode}: {n} samples, median {median:.3} ms, max {:.3} ms", ms(latencies[n - 1]));
}
