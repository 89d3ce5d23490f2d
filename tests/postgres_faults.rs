//! The PostgreSQL server restarting under load: writers see errors while it is down, never a
//! panic; the session opens again by itself; every write that said it was done is in the log,
//! none that failed is, and the log verifies. (Its own test binary: a restart cuts every
//! session of the cluster.)
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use carrel::domain::staff::Role;
use carrel::services::{audit, identity, staff};
use carrel::store::Store;
use carrel::store::pg::PgTarget;

#[test]
fn a_restart_under_load_loses_nothing_that_was_done_and_writes_nothing_half() {
    let Some(pg) = common::pg::server() else { return };
    pg.admin(
        "DO $$ BEGIN CREATE ROLE ada LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
    );
    let target = PgTarget::parse(&pg.fresh_database(), None, None).unwrap();
    let mut setup =
        Store::create_server(&target, &carrel::services::database::SYSTEM_ACTORS).unwrap();
    staff::bootstrap(&mut setup, "ada", "Ada", Role::Auditor, None).unwrap();
    drop(setup);

    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (target, stop) = (target.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut store = Store::open_server(&target).unwrap();
                let ada = identity::actor(&store, "ada").unwrap();
                let (mut done, mut failed) = (Vec::new(), 0u32);
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let text = format!("writer {w} note {i}");
                    match audit::note(&mut store, &ada, &text) {
                        Ok(_) => done.push(text),
                        Err(_) => {
                            failed += 1;
                            std::thread::sleep(Duration::from_millis(100));
                        }
                    }
                    i += 1;
                }
                (done, failed)
            })
        })
        .collect();

    std::thread::sleep(Duration::from_millis(500));
    pg.stop();
    std::thread::sleep(Duration::from_secs(2));
    pg.start();
    // Writers reconnect on their own (1 s backoff, doubling): give them time to write again.
    let back = Instant::now();
    std::thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::Relaxed);
    let results: Vec<_> = writers.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(back.elapsed() < Duration::from_secs(60));

    let mut store = Store::open_server(&target).unwrap();
    let ada = identity::actor(&store, "ada").unwrap();
    let verified = audit::verify(&mut store, &ada, None).unwrap();
    assert!(verified.ok, "{verified:?}");
    let notes: Vec<String> = carrel::store::audit::entries(
        store.conn(),
        &carrel::store::audit::EntryFilter {
            action: Some("audit.note".into()),
            limit: 1_000_000,
            ..Default::default()
        },
    )
    .unwrap()
    .into_iter()
    .map(|e| e.entry.details)
    .collect();
    let done: Vec<&String> = results.iter().flat_map(|(d, _)| d).collect();
    let failed: u32 = results.iter().map(|(_, f)| f).sum();
    assert!(failed > 0, "the outage was felt");
    assert_eq!(notes.len(), done.len(), "every note that was done, and no other, is logged");
    for text in done {
        assert!(notes.contains(text), "{text} said done but is not in the log");
    }
    // Each writer wrote again after the restart.
    for (w, (d, _)) in results.iter().enumerate() {
        assert!(d.len() > 5, "writer {w} wrote {} notes", d.len());
    }
}
