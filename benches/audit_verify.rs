//! `audit verify` throughput against `sha256sum` hashing the same leaf bytes, in one run.
//!
//! Builds a log of 200,000 entries in a database file, writes the entries' canonical bytes
//! (the leaf data) to a file, then times seven runs of each after a warm-up: verification
//! (read every entry, re-encode it, hash it as a leaf, check the stored leaf, build the tree)
//! and `sha256sum` over the leaf file. Prints the medians and the ratio of throughputs.
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
    let bytes = std::fs::metadata(&leaf_file).unwrap().len();

    let verify_once = || {
        let store = Store::open(&db, StoreOptions::default()).unwrap();
        let t = Instant::now();
        let v = audit::verify(store.conn(), &[], &[]).unwrap();
        let d = t.elapsed();
        assert!(v.ok && v.size == ENTRIES, "{v:?}");
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
}
