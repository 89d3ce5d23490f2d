//! `audit verify` throughput against `sha256sum` hashing the same leaf bytes, in one run.
//!
//! Builds a log of 200,000 entries in a database file, writes the entries' canonical bytes
//! (the leaf data) to a file, then times seven runs of each after a warm-up: verification
//! (read every entry, re-encode it, hash it as a leaf, check the stored leaf, build the tree)
//! and `sha256sum` over the leaf file. Prints the medians and the ratio of throughputs.
//!
//! Then the log's checkpoints: the database gets a log key and a signed checkpoint every 1,000
//! entries (200 in all, each keeping the leaves it added), and the same verification runs
//! through `services::audit::check_log`, which checks every checkpoint's signature against the
//! log's key, rebuilds the leaves they kept and checks the log against each; its median is
//! reported against the bare verification's of the same run. Last, the time to sign one more
//! checkpoint at 200,000 entries (the log first checks it still extends the latest one).
//! Run: `cargo bench --bench audit_verify`.
#![allow(clippy::unwrap_used)] // A benchmark that cannot set up should stop loudly.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use carrel::domain::audit::{Entry, NewEntry, Outcome};
use carrel::store::{Store, StoreOptions, audit};
use chrono::Utc;

const ENTRIES: u64 = 200_000;
const RUNS: usize = 7;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let mut store = Store::create(&db, false, "bench", StoreOptions::default()).unwrap();
    let leaf_file = dir.path().join("leaves.bin");
    let mut leaves = std::io::BufWriter::new(std::fs::File::create(&leaf_file).unwrap());
    let start = Utc::now();
    let mut seq = 0u64;
    while seq < ENTRIES {
        let batch: Vec<Entry> = store
            .write(|tx| {
                (0..10_000)
                    .map(|i| {
                        audit::append(
                            tx,
                            NewEntry {
                                at: start + chrono::Duration::milliseconds((seq + i) as i64),
                                actor: format!("staff{}", (seq + i) % 40),
                                role: "desk".into(),
                                action: "patron.read".into(),
                                object: format!("patron:{:064x}", (seq + i) * 7919),
                                purpose: "recommendations at the desk".into(),
                                outcome: Outcome::Allowed,
                                details: format!(
                                    "{{\"fields\":[\"name\",\"loans\"],\"n\":{}}}",
                                    seq + i
                                ),
                                impersonator: None,
                            },
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        for e in &batch {
            leaves.write_all(&e.canonical()).unwrap();
        }
        seq += 10_000;
    }
    leaves.flush().unwrap();
    drop(leaves);
    drop(store);
    let checkpointed = dir.path().join("checkpointed.db");
    std::fs::copy(&db, &checkpointed).unwrap();
    let bytes = std::fs::metadata(&leaf_file).unwrap().len();

    let verify_once = || {
        let store = Store::open(&db, StoreOptions::default()).unwrap();
        let t = Instant::now();
        let v = audit::verify(store.conn(), &[], &[]).unwrap();
        let d = t.elapsed();
        // The creation entry, then the entries written here.
        assert!(v.ok && v.size == ENTRIES + 1, "{v:?}");
        d
    };
    let sha_once = || {
        let t = Instant::now();
        let out = Command::new("sha256sum").arg(&leaf_file).output().unwrap();
        let d = t.elapsed();
        assert!(out.status.success());
        d
    };
    verify_once();
    sha_once();
    let mut v = Vec::new();
    let mut s = Vec::new();
    for _ in 0..RUNS {
        v.push(verify_once());
        s.push(sha_once());
    }
    let (v, s) = (median(v), median(s));
    let mb = bytes as f64 / 1e6;
    println!("audit_verify: {ENTRIES} entries, {mb:.1} MB of leaf data, medians of {RUNS} runs");
    println!(
        "  carrel audit verify: {:>8.1} ms  {:>7.1} MB/s  {:>9.0} entries/s",
        v.as_secs_f64() * 1e3,
        mb / v.as_secs_f64(),
        ENTRIES as f64 / v.as_secs_f64()
    );
    println!(
        "  sha256sum:           {:>8.1} ms  {:>7.1} MB/s",
        s.as_secs_f64() * 1e3,
        mb / s.as_secs_f64()
    );
    println!(
        "  ratio (verify throughput / sha256sum throughput): {:.2}",
        s.as_secs_f64() / v.as_secs_f64()
    );
    checkpoints(&checkpointed, v);
}

/// Verification with 200 stored checkpoints against the bare verification's median `bare`,
/// and the time to sign one more checkpoint.
fn checkpoints(db: &std::path::Path, bare: Duration) {
    use carrel::services::audit as service;
    let mut store = Store::open(db, StoreOptions::default()).unwrap();
    let key = carrel::domain::log_key::LogKeySeed([5; 32]).signer("bench");
    let actor = carrel::services::identity::Actor {
        login: "bench".into(),
        staff: None,
        impersonator: None,
    };
    service::create_key(&mut store, &actor, &key.vkey()).unwrap();
    // Checkpoints as if one had been signed every 1,000 entries: the log is rebuilt from an
    // empty copy, signing as it grows.
    let rows: Vec<Entry> =
        (0..ENTRIES).map(|s| audit::entry(store.conn(), s).unwrap().unwrap()).collect();
    drop(store);
    std::fs::remove_file(db).unwrap();
    let mut store = Store::create(db, false, "bench", StoreOptions::default()).unwrap();
    service::create_key(&mut store, &actor, &key.vkey()).unwrap();
    for chunk in rows.chunks(1000) {
        store
            .write(|tx| {
                for e in chunk {
                    audit::append(tx, e.entry.clone())?;
                }
                Ok::<_, carrel::store::StoreError>(())
            })
            .unwrap();
        service::latest_or_new_checkpoint(&mut store, &key).unwrap();
    }
    let n = audit::checkpoints(store.conn()).unwrap().len();
    let once = || {
        let t = Instant::now();
        let (v, _) = service::check_log(&store, None).unwrap();
        let d = t.elapsed();
        assert!(v.ok && v.anchors_checked.len() == n, "{v:?}");
        d
    };
    once();
    let mut c = Vec::new();
    for _ in 0..RUNS {
        c.push(once());
    }
    let c = median(c);
    println!(
        "  with {n} checkpoints: {:>8.1} ms  ratio to the bare verification: {:.2}",
        c.as_secs_f64() * 1e3,
        c.as_secs_f64() / bare.as_secs_f64()
    );
    let mut s = Vec::new();
    for (i, row) in rows.iter().take(RUNS).enumerate() {
        store
            .write(|tx| {
                let mut e = row.entry.clone();
                e.details = format!("one more {i}");
                audit::append(tx, e)
            })
            .unwrap();
        let t = Instant::now();
        service::latest_or_new_checkpoint(&mut store, &key).unwrap();
        s.push(t.elapsed());
    }
    println!(
        "  signing one more checkpoint at {} entries: {:>6.1} ms (median of {RUNS})",
        ENTRIES,
        median(s).as_secs_f64() * 1e3
    );
}
