//! The privacy rules over 1,000,000 audit entries: time and peak memory.
//!
//! Builds a log of a million entries in a database file (forty staff over thirty days: patron
//! reads for the desk's purposes, recommendations served, consent changes, some off-hours
//! reads and one bulk day), then runs itself again on that file so the peak memory measured
//! is the rules' alone. The child times, over five runs after a warm-up: reading the whole log
//! and doing nothing with it (the baseline), the rules over the log, and the whole check as
//! the engine runs it (audit verification, retention and comfort facts, the rules, folding
//! into alerts). Prints medians, ratios to the baseline, and the child's peak RSS.
//! Run: `cargo bench --bench rules` (about a minute, most of it building the log).
#![allow(clippy::unwrap_used)] // A benchmark that cannot set up should stop loudly.

use std::time::{Duration, Instant};

use carrel::domain::audit::{NewEntry, Outcome};
use carrel::domain::rules::{BulkParams, ConsentMode, Rules};
use carrel::services::alerts::{self, RulesSettings};
use carrel::store::{Store, StoreOptions, audit};
use chrono::{NaiveTime, TimeZone, Utc};

const ENTRIES: u64 = 1_000_000;
const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn entry(i: u64) -> NewEntry {
    let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let day = i * 30 / ENTRIES;
    // Within the day, spread over 08:00–20:00; one read in 2,000 at 23:xx.
    let in_day = (i * 7919) % 43_200;
    let mut at = start
        + chrono::Duration::days(day as i64)
        + chrono::Duration::seconds(28_800 + in_day as i64);
    if i.is_multiple_of(2000) {
        at = start
            + chrono::Duration::days(day as i64)
            + chrono::Duration::seconds(82_800 + (i % 3000) as i64);
    }
    // Staff member 7 reads ten times as much on day 25.
    let actor = if day == 25 && i.is_multiple_of(4) { 7 } else { i % 40 };
    let patron = format!("patron:{:064x}", (i * 104_729) % 50_000);
    let (action, purpose) = match i % 50 {
        0 => ("recs.serve", "recommendations"),
        1 => ("consent.change", "recommendations"),
        _ => ("patron.read", "circulation"),
    };
    NewEntry {
        at,
        actor: format!("staff{actor:02}"),
        role: "desk".into(),
        action: action.into(),
        object: patron,
        purpose: purpose.into(),
        outcome: Outcome::Allowed,
        details: String::new(),
        impersonator: None,
    }
}

fn build(path: &std::path::Path) {
    let mut store = Store::create(path, false, "bench", StoreOptions::default()).unwrap();
    let mut seq = 0u64;
    while seq < ENTRIES {
        store
            .write(|tx| {
                for i in seq..(seq + 20_000).min(ENTRIES) {
                    audit::append(tx, entry(i))?;
                }
                Ok::<_, carrel::store::StoreError>(())
            })
            .unwrap();
        seq += 20_000;
    }
}

fn settings() -> RulesSettings {
    RulesSettings {
        tz: chrono_tz::UTC,
        working_hours: (
            NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
        ),
        approved_purposes: vec!["circulation".into(), "account".into()],
        bulk: BulkParams { baseline_days: 28, factor: 5.0, min_reads: 50 },
        consent_mode: ConsentMode::Permissive,
        comfort_limits: Default::default(),
        comfort_response_s: 120,
        retention: carrel::config::RetentionSection::default().policy().unwrap(),
        witnesses: Vec::new(),
        witness_silent_after_s: 3600,
    }
}

/// Peak resident set size of this process, from /proc.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn measure(path: &std::path::Path) {
    let mut store = Store::open(path, StoreOptions::default()).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let s = settings();
    let rss_open = peak_rss_mb();
    // Warm-up: the first check raises the alerts; later ones fold into them.
    let first = alerts::check(&mut store, &s, now).unwrap();
    let (mut bare, mut rules, mut check) = (vec![], vec![], vec![]);
    let mut findings = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let mut n = 0u64;
        audit::for_each(store.conn(), |e| n += e.seq & 1).unwrap();
        std::hint::black_box(n);
        bare.push(t.elapsed());

        let ctx = alerts::context(&store, &s, now).unwrap();
        let t = Instant::now();
        let mut r = Rules::new(&ctx);
        audit::for_each(store.conn(), |e| r.observe(e)).unwrap();
        findings = r.finish().len();
        rules.push(t.elapsed());

        let t = Instant::now();
        alerts::check(&mut store, &s, now).unwrap();
        check.push(t.elapsed());
    }
    let (b, r, c) = (median(bare), median(rules), median(check));
    println!("entries:                     {}", first.entries);
    println!(
        "findings:                    {findings} ({} alerts raised on the first run)",
        first.raised.len()
    );
    println!("read the log, nothing else:  {:>8.1} ms", b.as_secs_f64() * 1e3);
    println!(
        "rules over the log:          {:>8.1} ms  ({:.2}x the bare read)",
        r.as_secs_f64() * 1e3,
        r.as_secs_f64() / b.as_secs_f64()
    );
    println!(
        "whole check (verify + facts + rules + fold): {:>8.1} ms  ({:.2}x)",
        c.as_secs_f64() * 1e3,
        c.as_secs_f64() / b.as_secs_f64()
    );
    println!("peak RSS: {:.1} MB (after opening the database: {rss_open:.1} MB)", peak_rss_mb());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        measure(std::path::Path::new(&args[i + 1]));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rules.db");
    let t = Instant::now();
    build(&db);
    println!("built {ENTRIES} entries in {:.1} s", t.elapsed().as_secs_f64());
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--measure", db.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
}
