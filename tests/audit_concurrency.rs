//! Eight processes appending 1,000 entries each to one database: exactly 8,000 entries, a log
//! that verifies, and no "database is locked" for anyone. The test runs itself as the eight
//! child processes (with `CARREL_APPEND_CHILD` set).
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use carrel::domain::staff::{Grant, Role, StaffMember};
use carrel::services::audit;
use carrel::services::identity::Actor;

const PROCESSES: usize = 8;
const EACH: usize = 1000;

fn auditor(n: &str) -> Actor {
    Actor {
        login: format!("auditor-{n}"),
        staff: Some(StaffMember {
            login: format!("auditor-{n}"),
            display_name: "Auditor".into(),
            active: true,
            grants: vec![Grant { role: Role::Auditor, party: None }],
        }),
        impersonator: None,
    }
}

#[test]
fn eight_processes_append_without_losing_or_locking() {
    if let Ok(db) = std::env::var("CARREL_APPEND_CHILD") {
        let n = std::env::var("CARREL_APPEND_N").unwrap();
        let mut store = common::backend::open_store(std::path::Path::new(&db));
        let who = auditor(&n);
        for i in 0..EACH {
            if let Err(e) = audit::note(&mut store, &who, &format!("{n}/{i}")) {
                eprintln!("child {n}: append {i} failed: {e}");
                std::process::exit(3);
            }
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("concurrent.db");
    drop(common::backend::create_store(&db, false, "test"));
    let exe = std::env::current_exe().unwrap();
    // Start all eight before waiting for any, so they really write at the same time.
    let running: Vec<_> = (0..PROCESSES)
        .map(|n| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "eight_processes_append_without_losing_or_locking",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("CARREL_APPEND_CHILD", &db)
                .env("CARREL_APPEND_N", n.to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let children: Vec<_> = running.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for (n, out) in children.iter().enumerate() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child {n} failed: {err}");
        assert!(!err.contains("locked"), "child {n} saw a lock error: {err}");
    }
    let store = common::backend::open_store(&db);
    let v = carrel::store::audit::verify(store.conn(), &[], &[]).unwrap();
    assert!(v.ok, "{v:?}");
    // Every append, after the creation entry.
    assert_eq!(v.size, (PROCESSES * EACH) as u64 + 1);
}

/// Every test above, again with its databases on PostgreSQL.
#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
