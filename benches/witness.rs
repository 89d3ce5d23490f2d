//! A witness's cost per cosignature against the floor of what it must do, in one run.
//!
//! A witness answers `add-checkpoint` by parsing the request, checking the log's signature and
//! the consistency proof, cosigning, and saving its state durably before it answers (written
//! whole to a temporary file, fsync, rename, fsync of the directory). The floor is that durable
//! save alone: the same bytes written the same way. Each of 200 requests extends the last by
//! 1,000 leaves, with its RFC 6962 consistency proof; seven rounds alternate the two, and the
//! medians per request are reported with their ratio.
//! Run: `cargo bench --bench witness`.
#![allow(clippy::unwrap_used)] // A benchmark that cannot set up should stop loudly.

use std::io::Write;
use std::time::{Duration, Instant};

use carrel::domain::checkpoint::Checkpoint;
use carrel::domain::merkle::{self, Hash};
use carrel::domain::note::{Alg, Signer};
use carrel::witness::Witness;

const REQUESTS: usize = 200;
const STEP: usize = 1000;
const RUNS: usize = 7;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let log = Signer::from_seed("carrel/bench", Alg::Ed25519, [1; 32]).unwrap();
    let leaves: Vec<Hash> =
        (0..REQUESTS * STEP).map(|i| merkle::leaf_hash(&i.to_be_bytes())).collect();
    // The requests: old size, proof, new checkpoint; computed once, outside the timing.
    let bodies: Vec<Vec<u8>> = (1..=REQUESTS)
        .map(|k| {
            let (old, new) = ((k - 1) * STEP, k * STEP);
            let proof = merkle::consistency_proof(&leaves[..new], old);
            let cp = Checkpoint::new(
                log.name(),
                new as u64,
                merkle::root(&leaves[..new]),
                chrono::Utc::now(),
            );
            carrel::witness::request::body(old as u64, &proof, &cp.sign(&log).to_note_string())
                .into_bytes()
        })
        .collect();
    let mut witness_runs = Vec::new();
    let mut floor_runs = Vec::new();
    for round in 0..=RUNS {
        let dir = tempfile::tempdir().unwrap();
        let w = Witness::open(
            Signer::from_seed("w.example/bench", Alg::Cosignature, [2; 32]).unwrap(),
            vec![log.vkey()],
            &dir.path().join("state.json"),
        )
        .unwrap();
        let t = Instant::now();
        for b in &bodies {
            let r = w.add_checkpoint(b, 1_800_000_000);
            assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        }
        let per_witness = t.elapsed() / REQUESTS as u32;
        let state = std::fs::read(dir.path().join("state.json")).unwrap();
        let t = Instant::now();
        for _ in 0..REQUESTS {
            durable_write(dir.path(), &state);
        }
        let per_floor = t.elapsed() / REQUESTS as u32;
        if round > 0 {
            witness_runs.push(per_witness);
            floor_runs.push(per_floor);
        }
    }
    let (w, f) = (median(witness_runs), median(floor_runs));
    println!(
        "witness: {REQUESTS} add-checkpoint requests of {STEP} new leaves each, medians of {RUNS} rounds"
    );
    println!(
        "  add-checkpoint (check, cosign, save): {:>8.3} ms per request",
        w.as_secs_f64() * 1e3
    );
    println!(
        "  durable save alone (the floor):       {:>8.3} ms per request",
        f.as_secs_f64() * 1e3
    );
    println!("  ratio: {:.2}", w.as_secs_f64() / f.as_secs_f64());
}

/// Writes `bytes` as the witness saves its state: a temporary file, fsync, rename, fsync of the
/// directory.
fn durable_write(dir: &std::path::Path, bytes: &[u8]) {
    let tmp = dir.join("floor.tmp");
    let mut f = std::fs::File::create(&tmp).unwrap();
    f.write_all(bytes).unwrap();
    f.sync_all().unwrap();
    std::fs::rename(&tmp, dir.join("floor.json")).unwrap();
    std::fs::File::open(dir).unwrap().sync_all().unwrap();
}
