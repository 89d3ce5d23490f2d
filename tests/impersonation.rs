//! `--as` is for demo databases only, and a writable row cannot make one: through the real
//! binary on a real database file, every command refuses `--as` with status 2; turning the
//! demo mark on with SQL is refused by `--as` and reported by `audit verify`; rewriting the
//! creation entry too is caught by a kept checkpoint; and entries made under `--as` while the
//! mark was forged, after it is put back, fail verification and raise a critical alert.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use carrel::cli::Cli;
use carrel::domain::audit::{Entry, NewEntry};
use carrel::domain::merkle::Frontier;
use clap::CommandFactory;

fn carrel(home: &Path, db: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_carrel"))
        .args(args)
        .args(["--db", db.to_str().unwrap()])
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that got past the check might run for ever (`sim`): never wait long.
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("carrel {args:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout)
}

fn real_db(home: &Path) -> PathBuf {
    let db = home.join("real.db");
    let o = carrel(home, &db, &["init"]);
    assert!(o.status.success(), "{}", text(&o));
    db
}

/// Every runnable command path (`["seat", "show"]`, `["queues"]`, …) but `demo`, which makes
/// its own demo database.
fn command_paths(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for sub in cmd.get_subcommands() {
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_owned());
        if path == ["demo"] || sub.get_name() == "help" {
            continue;
        }
        if !sub.is_subcommand_required_set() {
            out.push(path.clone());
        }
        command_paths(sub, &path, out);
    }
}

/// Values to try for an argument clap requires: its possible values, then common shapes.
fn candidates(arg: &clap::Arg) -> Vec<String> {
    let mut v: Vec<String> =
        arg.get_possible_values().iter().map(|p| p.get_name().to_owned()).collect();
    v.extend(
        [
            "1",
            "2026-11-01",
            "2026-10",
            "0.5",
            "loans",
            "subject",
            "public-task",
            "recommendations",
            "desk",
            "row_level",
            "justified",
            "x",
            // `witness serve`: an address, and a log's verifier key (c2sp.org/signed-note's).
            "127.0.0.1:0",
            "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        ]
        .map(str::to_owned),
    );
    v
}

/// The command line for `path` with every required argument given a value clap accepts.
fn runnable(path: &[String]) -> Vec<String> {
    let mut root = Cli::command();
    root.build();
    let mut cmd = &root;
    for name in path {
        cmd = cmd.find_subcommand(name).unwrap();
    }
    let mut args: Vec<String> = path.to_vec();
    let required: Vec<&clap::Arg> =
        cmd.get_arguments().filter(|a| a.is_required_set() && !a.is_global_set()).collect();
    for arg in required {
        let chosen = candidates(arg).into_iter().find(|value| {
            let mut trial = vec!["carrel".to_owned()];
            trial.extend(args.iter().cloned());
            match arg.get_long() {
                Some(long) => trial.extend([format!("--{long}"), value.clone()]),
                None => trial.push(value.clone()),
            }
            match Cli::command().try_get_matches_from(&trial) {
                Ok(_) => true,
                Err(e) => {
                    e.kind() != clap::error::ErrorKind::ValueValidation
                        && e.kind() != clap::error::ErrorKind::InvalidValue
                }
            }
        });
        let value = chosen.unwrap_or_else(|| panic!("no value for {:?} of {path:?}", arg.get_id()));
        match arg.get_long() {
            Some(long) => args.extend([format!("--{long}"), value]),
            None => args.push(value),
        }
    }
    args
}

#[test]
fn every_command_refuses_as_on_a_real_database_with_status_2() {
    let home = tempfile::tempdir().unwrap();
    let db = real_db(home.path());
    let entries = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get::<_, i64>(0)).unwrap()
    };
    let before = entries();
    let mut paths = Vec::new();
    command_paths(&Cli::command(), &[], &mut paths);
    assert!(paths.len() > 40, "the walk found only {paths:?}");
    let mut with_as: Vec<Vec<String>> = paths.iter().map(|p| runnable(p)).collect();
    with_as.push(Vec::new()); // the console itself
    for args in with_as {
        let mut full: Vec<&str> = vec!["--as", "uma"];
        full.extend(args.iter().map(String::as_str));
        let o = carrel(home.path(), &db, &full);
        assert_eq!(o.status.code(), Some(2), "carrel {full:?}: {}", text(&o));
        assert!(text(&o).contains("--as uma"), "carrel {full:?}: {}", text(&o));
    }
    assert_eq!(entries(), before, "a refused --as writes nothing");
    let o = carrel(home.path(), &db, &["audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o));
}

fn sql(db: &Path, statement: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(statement).unwrap();
}

/// Rewrites entry 0's details, recomputes its leaf hash and the tree's recorded right edge, and
/// drops the checkpoints kept in the database, as an attacker who knows the format would.
fn rewrite_creation(db: &Path, demo: bool) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute("DELETE FROM audit_checkpoints", []).unwrap();
    let details: String =
        conn.query_row("SELECT details FROM audit_log WHERE seq = 0", [], |r| r.get(0)).unwrap();
    let (from, to) = if demo { ("false", "true") } else { ("true", "false") };
    let forged = details.replace(&format!("\"demo\":{from}"), &format!("\"demo\":{to}"));
    assert_ne!(forged, details);
    conn.execute("UPDATE audit_log SET details = ?1 WHERE seq = 0", [forged]).unwrap();
    let mut tree = Frontier::new();
    let mut stmt = conn
        .prepare(
            "SELECT seq, at_ms, actor, role, action, object, purpose, outcome, details, impersonator FROM audit_log ORDER BY seq",
        )
        .unwrap();
    let entries: Vec<Entry> = stmt
        .query_map([], |r| {
            Ok(Entry {
                seq: r.get::<_, i64>(0)? as u64,
                entry: NewEntry {
                    at: chrono::DateTime::from_timestamp_millis(r.get(1)?).unwrap(),
                    actor: r.get(2)?,
                    role: r.get(3)?,
                    action: r.get(4)?,
                    object: r.get(5)?,
                    purpose: r.get(6)?,
                    outcome: r.get::<_, String>(7)?.parse().unwrap(),
                    details: r.get(8)?,
                    impersonator: r.get(9)?,
                },
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for e in &entries {
        let leaf = e.leaf();
        conn.execute(
            "UPDATE audit_log SET leaf = ?1 WHERE seq = ?2",
            rusqlite::params![leaf.as_slice(), e.seq as i64],
        )
        .unwrap();
        tree.push(leaf);
    }
    conn.execute("UPDATE audit_state SET frontier = ?1 WHERE id = 1", [tree.to_bytes()]).unwrap();
}

#[test]
fn a_demo_mark_set_with_sql_is_refused_caught_by_verify_and_by_a_kept_checkpoint() {
    let home = tempfile::tempdir().unwrap();
    let db = real_db(home.path());
    let o = carrel(home.path(), &db, &["staff", "add", "uma", "--name", "Uma"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = carrel(home.path(), &db, &["staff", "grant", "uma", "auditor"]);
    assert!(o.status.success(), "{}", text(&o));
    let kept = home.path().join("kept.json");
    let o = carrel(home.path(), &db, &["audit", "checkpoint", "--out", kept.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));

    // 1. The mark alone: --as is still refused, and verification names the forged mark.
    sql(&db, "UPDATE meta SET value = '1' WHERE key = 'demo'");
    let o = carrel(home.path(), &db, &["--as", "uma", "audit", "note", "as uma"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("accepted only on demo databases"), "{}", text(&o));
    let o = carrel(home.path(), &db, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("the mark was changed after it was made"), "{}", text(&o));

    // 2. The creation entry rewritten as well, its hashes recomputed: --as now works (whoever
    //    can write the file can change it), each such entry names the login that ran it, the
    //    log verifies on its own — and a kept checkpoint catches the rewrite at entry 0.
    rewrite_creation(&db, true);
    let o = carrel(home.path(), &db, &["--as", "uma", "audit", "note", "as uma"]);
    assert!(o.status.success(), "{}", text(&o));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (actor, by): (String, Option<String>) = conn
        .query_row(
            "SELECT actor, impersonator FROM audit_log WHERE action = 'audit.note'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(conn);
    assert_eq!(actor, "uma");
    assert_eq!(by.as_deref(), Some(carrel::services::identity::os_login().as_str()));
    let o = carrel(home.path(), &db, &["audit", "verify"]);
    assert!(o.status.success(), "a consistent rewrite verifies alone: {}", text(&o));
    let o = carrel(home.path(), &db, &["audit", "verify", "--checkpoint", kept.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("failed at entry 0"), "{}", text(&o));

    // 3. Everything put back but the entries made meanwhile: the kept checkpoint is extended
    //    again, yet verification fails on the --as entries and the rules raise a critical alert.
    rewrite_creation(&db, false);
    sql(&db, "UPDATE meta SET value = '0' WHERE key = 'demo'");
    let o = carrel(home.path(), &db, &["audit", "verify", "--checkpoint", kept.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("made under --as on a database that is not a demo"), "{}", text(&o));
    let o = carrel(home.path(), &db, &["alerts", "check"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = carrel(home.path(), &db, &["alerts", "--json"]);
    let alerts: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let found = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "impersonation-outside-demo")
        .unwrap_or_else(|| panic!("no impersonation alert in {alerts}"));
    assert_eq!(found["severity"], "critical");
    assert!(!found["evidence"].as_array().unwrap().is_empty());
}

#[test]
fn a_staff_role_granted_with_sql_is_caught_by_verify() {
    let home = tempfile::tempdir().unwrap();
    let db = real_db(home.path());
    let o = carrel(home.path(), &db, &["staff", "add", "eve", "--name", "Eve"]);
    assert!(o.status.success(), "{}", text(&o));
    sql(&db, "INSERT INTO staff_roles(login, role, party) VALUES ('eve', 'committee', 'library')");
    let o = carrel(home.path(), &db, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("gives eve the committee (library) role, which no audit entry granted"),
        "{}",
        text(&o)
    );
}
