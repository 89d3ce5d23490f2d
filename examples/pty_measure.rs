//! Measures the console as a sysadmin's SSH link sees it: bytes written to the terminal per
//! minute by an idle console and by a live demo, and the peak resident memory of a big demo.
//!
//! ```sh
//! cargo build --release
//! cargo run --release --example pty_measure -- idle 180     # demo --speed 0, bytes per minute
//! cargo run --release --example pty_measure -- live 180     # demo --speed 1, bytes per minute
//! cargo run --release --example pty_measure -- rss 60       # demo --seats 20000 --speed 600
//! cargo run --release --example pty_measure -- start        # time from launch to the seat map
//! cargo run --release --example pty_measure -- plain-idle 180  # the plain console, --speed 0
//! cargo run --release --example pty_measure -- plain-live 180  # the plain console, --speed 1
//! ```
//! The first 10 seconds (start-up, first draw, backfill) are not counted in the byte rates.
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/pty.rs"]
mod pty;

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("idle");
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(120);
    let bin = std::env::var("CARREL_BIN").unwrap_or_else(|_| "target/release/carrel".into());
    let bin = std::fs::canonicalize(&bin)
        .unwrap_or_else(|e| panic!("{bin}: {e}; run `cargo build --release` first"));
    let bin = bin.to_str().unwrap();
    let home = tempfile::tempdir().unwrap();
    let start = "2026-11-18T10:30:00Z";
    let plain = mode.starts_with("plain-");
    let demo: Vec<&str> = match mode {
        "idle" => vec!["demo", "--seed", "1", "--speed", "0", "--start", start],
        "live" => vec!["demo", "--seed", "1", "--speed", "1", "--start", start],
        "plain-idle" => vec!["demo", "--plain", "--seed", "1", "--speed", "0", "--start", start],
        "plain-live" => vec!["demo", "--plain", "--seed", "1", "--speed", "1", "--start", start],
        "rss" => vec![
            "demo",
            "--seed",
            "1",
            "--seats",
            "20000",
            "--speed",
            "600",
            "--start",
            "2026-11-18T08:00:00Z",
        ],
        "start" => vec!["demo", "--seed", "1"],
        other => panic!("unknown mode {other}: idle, live, plain-idle, plain-live, rss or start"),
    };
    let launched = Instant::now();
    let extra: Vec<(String, String)> = std::env::var("MEASURE_ENV")
        .ok()
        .and_then(|e| e.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .into_iter()
        .collect();
    let env: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut p = pty::Pty::spawn(bin, &demo, 100, 30, home.path(), &env);
    p.wait_for(if plain { "carrel> " } else { "Ghost seats" }, Duration::from_secs(30));
    if mode == "start" {
        println!(
            "start: the seat map was on screen {:.0} ms after launch",
            launched.elapsed().as_secs_f64() * 1000.0
        );
        p.send("q");
        p.wait_exit(Duration::from_secs(10));
        return;
    }
    let warm = Duration::from_secs(10);
    std::thread::sleep(warm);
    let before = p.byte_count();
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    let bytes = p.byte_count() - before;
    let elapsed = t0.elapsed().as_secs_f64();
    // The plain console's lines said unasked: its announcements (and the prompts after them).
    let said = p.bytes()[before..].iter().filter(|b| **b == b'\n').count();
    match mode {
        "rss" => {
            let pid = p.pid().unwrap();
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
            let field = |name: &str| {
                status
                    .lines()
                    .find(|l| l.starts_with(name))
                    .map(|l| l.split_whitespace().nth(1).unwrap().to_owned())
                    .unwrap()
            };
            let hwm_kb: f64 = field("VmHWM:").parse().unwrap();
            let rss_kb: f64 = field("VmRSS:").parse().unwrap();
            let anon_kb: f64 = field("RssAnon:").parse().unwrap();
            let file_kb: f64 = field("RssFile:").parse().unwrap();
            let threads = field("Threads:");
            println!(
                "rss: demo --seats 20000 --speed 600 for {:.0} s (+10 s warm-up) = {:.1} simulated hours: peak RSS {:.1} MB, now {:.1} MB ({:.1} MB anonymous, {:.1} MB file-backed, {threads} threads)",
                elapsed,
                (elapsed + warm.as_secs_f64()) * 600.0 / 3600.0,
                hwm_kb / 1024.0,
                rss_kb / 1024.0,
                anon_kb / 1024.0,
                file_kb / 1024.0
            );
        }
        _ if plain => println!(
            "{mode}: {bytes} bytes, {said} lines in {elapsed:.0} s = {:.0} bytes and {:.1} lines per minute",
            bytes as f64 * 60.0 / elapsed,
            said as f64 * 60.0 / elapsed
        ),
        _ => println!(
            "{mode}: {bytes} bytes in {elapsed:.0} s = {:.0} bytes per minute",
            bytes as f64 * 60.0 / elapsed
        ),
    }
    p.send(if plain { "quit\r" } else { "q" });
    p.wait_exit(Duration::from_secs(10));
}
