//! The PostgreSQL server restarting under load: writers see errors while it is down, never a
//! panic; the session opens again by itself; every write that said it was done is in the log,
//! none that failed is, and the log verifies; the ingest following its feeds picks up where it
//! was. (Its own test binary, one test at a time: a restart cuts every session of the cluster.)
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use carrel::domain::staff::Role;
use carrel::services::{audit, identity, staff};
use carrel::store::Store;
use carrel::store::pg::PgTarget;

/// One restart at a time.
static RESTARTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_restart_under_load_loses_nothing_that_was_done_and_writes_nothing_half() {
    let Some(pg) = common::pg::server() else { return };
    let _one = RESTARTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
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
    let verified = audit::verify(&mut store, &ada, None, None).unwrap();
    assert!(verified.log.ok, "{verified:?}");
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

#[test]
fn the_ingest_keeps_its_place_across_a_restart() {
    use carrel::engine::SharedStore;
    use carrel::engine::ingest::Ingest;
    use carrel::feeds::Sources;

    let Some(pg) = common::pg::server() else { return };
    let _one = RESTARTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let target = PgTarget::parse(&pg.fresh_database(), None, None).unwrap();
    let store = Store::create_server(&target, &carrel::services::database::SYSTEM_ACTORS).unwrap();
    let runtime = carrel::engine::runtime().unwrap();
    runtime.block_on(async {
        let sim = common::frozen_sim(7, "none").await;
        let ep = common::endpoint(&sim.base_url(), Duration::from_secs(5), 16 << 20);
        let db = SharedStore::new(store);
        let sources = Sources::own_apis(Some(&ep), Some(&ep)).unwrap();
        let mut ingest = Ingest::new(db.clone(), sources, common::options());
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let following = tokio::spawn(async move { ingest.follow(stopped).await });
        let seats_ok = |db: SharedStore| async move {
            db.run(|s| {
                carrel::store::feeds::all(s.conn())
                    .ok()
                    .and_then(|all| all.into_iter().find(|f| f.feed == "sensor.seats"))
                    .and_then(|f| f.last_success)
            })
            .await
        };
        let until = |db: SharedStore, after: chrono::DateTime<chrono::Utc>| async move {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if seats_ok(db.clone()).await.is_some_and(|t| t > after) {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            false
        };
        let first = until(db.clone(), chrono::Utc::now() - chrono::Duration::hours(1)).await;
        let feeds = db.run(|s| carrel::store::feeds::all(s.conn())).await;
        let lease = db.run(|s| carrel::store::lease::current(s.conn())).await;
        assert!(first, "the seats feed never succeeded: {feeds:?} {lease:?}");

        tokio::task::spawn_blocking(move || {
            pg.stop();
            std::thread::sleep(Duration::from_secs(3));
            pg.start();
        })
        .await
        .unwrap();
        let restarted = chrono::Utc::now();
        assert!(
            until(db.clone(), restarted).await,
            "the seats feed succeeded again after the restart"
        );
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(10), following).await.unwrap().unwrap();

        let page = common::get_json(&sim.base_url(), "/v1/seats").await;
        let stored = db.run(|s| carrel::store::seats::latest_states(s.conn()).unwrap()).await;
        let live = page["seats"].as_array().unwrap();
        assert_eq!(stored.len(), live.len(), "every seat, once");
        sim.shutdown().await;
    });
}
