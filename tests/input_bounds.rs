//! Every file a user names is read within bounds, through the real binary: `/dev/zero` given
//! to each command that takes a path, a fifo and a directory are refused as not regular files
//! before a byte is read; a 1 GB line streamed into standard input is refused after 64 KiB; an
//! oversized file by its size; a million-column header with a short message. The peak resident
//! memory of every child stays under 100 MB.
//!
//! One test function on purpose: `getrusage(RUSAGE_CHILDREN)` reports the largest child this
//! process has waited for, so with no other test in this binary, the maximum covers exactly
//! these children. Run with `--nocapture` to see the numbers.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};

/// The most any child may hold resident.
const MAX_RSS_MB: f64 = 100.0;

fn command(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_carrel"));
    c.args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// The largest resident set of any child waited for so far, in MB (Linux reports KiB).
fn peak_mb() -> f64 {
    getrusage(UsageWho::RUSAGE_CHILDREN).unwrap().max_rss() as f64 / 1024.0
}

/// Waits for `child`, killing it after a minute: a reader that hangs (on a fifo) or reads
/// without end must fail the test, not stall it.
fn finish(mut child: Child, what: &str) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            let o = child.wait_with_output().unwrap();
            panic!("{what}: still running after a minute (killed): {}", stderr(&o));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs one case, checks it is refused as bad input with `expected` in its message, and
/// prints the peak so far.
fn refused(home: &Path, what: &str, args: &[&str], expected: &str) -> Output {
    let o = finish(command(home, args).spawn().unwrap(), what);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{what}: {err}");
    assert!(err.contains(expected), "{what}: no {expected:?} in {err}");
    println!("{what:<48} peak so far {:6.1} MB   {}", peak_mb(), err.lines().next().unwrap_or(""));
    o
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let f = dir.join(name);
    std::fs::write(&f, text).unwrap();
    f
}

#[test]
fn every_named_file_is_read_within_bounds_and_memory_stays_flat() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let db = h.join("lib.db");
    let db = db.to_str().unwrap();
    let o = finish(command(h, &["init", "--db", db]).spawn().unwrap(), "init");
    assert!(o.status.success(), "{}", stderr(&o));
    println!("{:<48} peak so far {:6.1} MB", "carrel init", peak_mb());

    let zero = "/dev/zero";
    let not_regular = "/dev/zero: not a regular file";
    let csv_cases: [(&str, Vec<&str>); 9] = [
        ("import arrivals /dev/zero", vec!["import", "arrivals", zero, "--window", "W1"]),
        ("import layout /dev/zero", vec!["import", "layout", zero]),
        ("import patrons /dev/zero", vec!["import", "patrons", zero]),
        ("import loans /dev/zero", vec!["import", "loans", zero]),
        ("import searches /dev/zero", vec!["import", "searches", zero]),
        ("import visits /dev/zero", vec!["import", "visits", zero]),
        ("forecast backtest --csv /dev/zero", vec!["forecast", "backtest", "--csv", zero]),
        (
            "recs backtest --interactions /dev/zero",
            vec!["recs", "backtest", "--interactions", zero, "--user-col", "u", "--item-col", "i"],
        ),
        ("audit verify --checkpoint /dev/zero", vec!["audit", "verify", "--checkpoint", zero]),
    ];
    for (what, mut args) in csv_cases {
        args.extend(["--db", db]);
        refused(h, what, &args, not_regular);
    }
    let fresh = h.join("fresh.db");
    refused(
        h,
        "init --site-key /dev/zero",
        &["init", "--site-key", zero, "--db", fresh.to_str().unwrap()],
        "site key /dev/zero: not a regular file",
    );
    assert!(!fresh.exists(), "nothing made");
    refused(h, "--config /dev/zero", &["--config", zero, "status", "--db", db], not_regular);
    refused(h, "config check /dev/zero", &["config", "check", zero], not_regular);
    let token = write(
        h,
        "token.toml",
        "[feeds.sensor]\nurl = \"http://127.0.0.1:9\"\ntoken_file = \"/dev/zero\"\n",
    );
    refused(
        h,
        "token_file = /dev/zero",
        &["config", "check", token.to_str().unwrap()],
        "/dev/zero: token file: not a regular file",
    );
    let key = write(h, "key.toml", "[privacy]\nkey_file = \"/dev/zero\"\n");
    refused(
        h,
        "key_file = /dev/zero",
        &["--config", key.to_str().unwrap(), "consent", "show", "29000001", "--db", db],
        "key file /dev/zero: not a regular file",
    );

    // A fifo with no writer: opened without waiting, then refused.
    let fifo = h.join("fifo.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    refused(
        h,
        "import patrons FIFO",
        &["import", "patrons", fifo, "--db", db],
        "not a regular file",
    );
    refused(
        h,
        "forecast backtest --csv FIFO",
        &["forecast", "backtest", "--csv", fifo],
        "not a regular file",
    );
    refused(
        h,
        "import visits DIRECTORY",
        &["import", "visits", h.to_str().unwrap(), "--db", db],
        "not a regular file",
    );

    // Files too large for their kind are refused by their size, unread (sparse files).
    let big = h.join("big.csv");
    std::fs::File::create(&big).unwrap().set_len((1 << 30) + 1).unwrap();
    refused(
        h,
        "import patrons (1 GiB + 1 byte)",
        &["import", "patrons", big.to_str().unwrap(), "--db", db],
        "larger than 1 GiB, the limit for a CSV file",
    );
    let cp = h.join("checkpoint.json");
    std::fs::File::create(&cp).unwrap().set_len((64 << 10) + 1).unwrap();
    refused(
        h,
        "audit verify --checkpoint (64 KiB + 1 byte)",
        &["audit", "verify", "--checkpoint", cp.to_str().unwrap(), "--db", db],
        "larger than 64 KiB, the limit for a checkpoint",
    );

    // A million columns: refused at the line cap, in a short message.
    let wide = h.join("wide.csv");
    std::fs::write(&wide, format!("{}\n1\n", vec!["c"; 1_000_000].join(","))).unwrap();
    for (what, args) in [
        (
            "import patrons (a million columns)",
            vec!["import", "patrons", wide.to_str().unwrap(), "--db", db],
        ),
        (
            "forecast backtest (a million columns)",
            vec!["forecast", "backtest", "--csv", wide.to_str().unwrap()],
        ),
    ] {
        let o = refused(h, what, &args, "line 1 is longer than 65536 bytes");
        assert!(o.stderr.len() < 300, "{what}: {} bytes of message", o.stderr.len());
    }
    // 300 short columns fit in a line, and are refused by their number.
    let many = write(h, "many.csv", &format!("{}\n", vec!["c"; 300].join(",")));
    let o = refused(
        h,
        "forecast backtest (300 columns)",
        &["forecast", "backtest", "--csv", many.to_str().unwrap()],
        "line 1: more than 256 columns",
    );
    assert!(o.stderr.len() < 300, "{} bytes of message", o.stderr.len());

    // A 1 GB line through standard input: refused after 64 KiB, the writer told by EPIPE.
    for (what, args) in [
        ("import patrons - (1 GB line on stdin)", vec!["import", "patrons", "-", "--db", db]),
        (
            "recs backtest - (1 GB line on stdin)",
            vec!["recs", "backtest", "--interactions", "-", "--user-col", "u", "--item-col", "i"],
        ),
    ] {
        let mut child = command(h, &args).stdin(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let chunk = vec![b'a'; 1 << 20];
            let mut written = 0u64;
            for _ in 0..1024 {
                match stdin.write_all(&chunk) {
                    Ok(()) => written += chunk.len() as u64,
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
                    Err(e) => panic!("writing to the child: {e}"),
                }
            }
            written
        });
        let o = finish(child, what);
        let written = writer.join().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains("-: line 1 is longer than 65536 bytes"), "{what}: {err}");
        assert!(written < 1 << 30, "{what}: the child read the whole gigabyte");
        println!(
            "{what:<48} peak so far {:6.1} MB   {} MiB written before the pipe closed",
            peak_mb(),
            written >> 20
        );
    }

    let peak = peak_mb();
    println!("peak resident memory of any child: {peak:.1} MB (limit {MAX_RSS_MB} MB)");
    assert!(peak < MAX_RSS_MB, "a child held {peak:.1} MB");
}
