//! The consent registry and the demo's patrons through the real binary: grant, withdraw and
//! show with history at the desk, each in the audit log without a card or a name; refused to
//! a sysadmin; and demo patrons named by the pseudonyms the simulated recommendation service
//! uses. On both backends (on PostgreSQL each member signs in as the server login of that
//! name).
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use carrel::domain::pseudonym::pseudonym;
use common::backend::{db_args_as, demo_database, on_postgres, owner_i64, server_with_logins};

/// The binary acting on `db` as `who`.
fn command_as(home: &Path, db: &Path, who: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_carrel"));
    c.args(args)
        .args(db_args_as(db, who))
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"));
    c
}

fn carrel_as(home: &Path, db: &Path, who: &str, args: &[&str]) -> Output {
    command_as(home, db, who, args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The key directory of the one database made under `home` (keys are per database, named by
/// the database's id).
fn key_dir(home: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(home.join("state/carrel/databases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 1, "one database's keys: {dirs:?}");
    dirs[0].clone()
}

fn demo_db(home: &Path) -> std::path::PathBuf {
    let db = home.join("demo.db");
    demo_database(home, &db);
    db
}

#[test]
fn consent_round_trips_with_history_and_every_step_is_logged_without_card_or_name() {
    let home = tempfile::tempdir().unwrap();
    let db = demo_db(home.path());
    let patron =
        carrel::sim::patrons(1).into_iter().find(|p| p.consents_to_recommendations).unwrap();
    let spaced = format!("{} {}", &patron.card[..4], &patron.card[4..]);
    let p = pseudonym(&carrel::sim::site_key_for(1), &patron.card);

    let granted = json(&carrel_as(
        home.path(),
        &db,
        "dana",
        &[
            "consent",
            "withdraw",
            &spaced,
            "--purpose",
            "recommendations",
            "--note",
            "asked at the desk",
            "--json",
        ],
    ));
    assert_eq!(granted["pseudonym"], p.as_str());
    assert_eq!(granted["granted"], false);
    let o = carrel_as(
        home.path(),
        &db,
        "dana",
        &["consent", "grant", &patron.card, "--purpose", "profiling"],
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // The card from standard input keeps it out of the shell's history.
    let mut child = command_as(home.path(), &db, "uma", &["consent", "show", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{}", patron.card).unwrap();
    let view = json(&child.wait_with_output().unwrap());
    assert_eq!(view["pseudonym"], p.as_str());
    assert_eq!(view["mode"], "enforced");
    let current: Vec<(String, bool)> = view["current"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["purpose"].as_str().unwrap().to_owned(), c["granted"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        current,
        vec![("profiling".to_owned(), true), ("recommendations".to_owned(), false)],
        "the withdrawal is in force at once"
    );
    let history: Vec<(String, bool, String, String)> = view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["purpose"].as_str().unwrap().to_owned(),
                h["granted"].as_bool().unwrap(),
                h["by"].as_str().unwrap().to_owned(),
                h["source"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        history[history.len() - 2..],
        [
            ("recommendations".to_owned(), false, "dana".to_owned(), "desk".to_owned()),
            ("profiling".to_owned(), true, "dana".to_owned(), "desk".to_owned()),
        ]
    );
    assert!(history.iter().any(|h| h.3 == "demo"), "the demo's own consent is in the history");
    let text = carrel_as(home.path(), &db, "ada", &["consent", "show", &patron.card]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("recommendations  withdrawn since"), "{text}");
    assert!(text.contains("asked at the desk"), "{text}");

    // A sysadmin may not look, and the attempt is logged; an unknown card is named as such.
    let denied = carrel_as(home.path(), &db, "sam", &["consent", "show", &patron.card]);
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    let unknown = carrel_as(
        home.path(),
        &db,
        "dana",
        &["consent", "grant", "99990000", "--purpose", "profiling"],
    );
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
    assert!(stderr(&unknown).contains("no patron with that card"), "{}", stderr(&unknown));

    let log =
        json(&carrel_as(home.path(), &db, "ada", &["audit", "log", "--limit", "500", "--json"]));
    let entries = log.as_array().unwrap();
    let object = format!("patron:{p}");
    let of = |action: &str| -> Vec<&serde_json::Value> {
        entries.iter().filter(|e| e["action"] == action && e["object"] == object.as_str()).collect()
    };
    let changes = of("consent.change");
    assert_eq!(changes.len(), 2);
    assert_eq!(
        (changes[0]["purpose"].as_str(), changes[0]["details"].as_str()),
        (Some("recommendations"), Some(r#"{"granted":false}"#))
    );
    assert_eq!(
        (changes[1]["purpose"].as_str(), changes[1]["details"].as_str()),
        (Some("profiling"), Some(r#"{"granted":true}"#))
    );
    let views = of("consent.view");
    assert_eq!(
        views.iter().map(|e| e["outcome"].as_str().unwrap()).collect::<Vec<_>>(),
        ["allowed", "allowed", "denied"]
    );
    assert_eq!(views[0]["purpose"], "profiling,recommendations");
    assert!(
        entries.iter().any(|e| e["action"] == "consent.change" && e["outcome"] == "failed"),
        "the unknown card is logged"
    );
    let all = serde_json::to_string(&log).unwrap();
    let family = patron.name.split(' ').nth(1).unwrap();
    for secret in [patron.card.as_str(), spaced.as_str(), patron.name.as_str(), family] {
        assert!(!all.contains(secret), "the audit log holds {secret:?}");
    }
    let verify = carrel_as(home.path(), &db, "ada", &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
}

#[test]
fn the_demo_is_seeded_with_the_simulated_patrons_under_the_simulators_pseudonyms() {
    let home = tempfile::tempdir().unwrap();
    let db = demo_db(home.path());
    let key = key_dir(home.path()).join("patron.key");
    let keys = carrel::domain::crypto::Keys::from_file_text(&std::fs::read_to_string(key).unwrap())
        .unwrap();
    let count = |sql: &str| -> i64 { owner_i64(&db, sql) };
    assert_eq!(count("SELECT count(*) FROM patrons"), 240);
    for p in carrel::sim::patrons(1).iter().take(20) {
        let expected = pseudonym(&carrel::sim::site_key_for(1), &p.card);
        assert_eq!(keys.pseudonym(&p.card), expected);
        let consent = count(&format!(
            "SELECT CAST(granted AS BIGINT) FROM consent_changes \
             WHERE pseudonym = '{expected}' AND purpose = 'recommendations'"
        ));
        assert_eq!(consent == 1, p.consents_to_recommendations, "{}", p.card);
    }
    assert!(count("SELECT count(*) FROM loans") > 5_000);
    assert!(count("SELECT count(*) FROM searches") > 2_000);
    assert!(count("SELECT count(*) FROM visits") > 5_000);
    assert!(
        count("SELECT count(*) FROM loans WHERE returned_ms IS NULL") > 0,
        "some loans are out"
    );
    assert_eq!(count("SELECT count(*) FROM consent_changes WHERE source = 'demo'"), 480);
    assert_eq!(
        count("SELECT count(*) FROM audit_log WHERE action = 'patrons.import' AND actor = 'sam'"),
        4
    );
    assert_eq!(
        count("SELECT count(*) FROM patrons WHERE last_active_ms < joined_ms"),
        0,
        "last activity is never before joining"
    );
}

#[test]
fn a_consent_note_is_stored_sealed_and_shown_to_the_desk() {
    let home = tempfile::tempdir().unwrap();
    let db = demo_db(home.path());
    let patron = carrel::sim::patrons(1).into_iter().next().unwrap();
    let note = "Zebulon Quist phoned in, line one\nand line two";
    let since = on_postgres().then(|| server_with_logins().wal_position());
    let o = carrel_as(
        home.path(),
        &db,
        "dana",
        &["consent", "withdraw", &patron.card, "--purpose", "profiling", "--note", note],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let shown =
        json(&carrel_as(home.path(), &db, "dana", &["consent", "show", &patron.card, "--json"]));
    let history = shown["history"].as_array().unwrap();
    assert_eq!(
        history.last().unwrap()["note"],
        "Zebulon Quist phoned in, line one and line two",
        "the note reads back, its lines kept apart by a space"
    );
    let bytes = stored_bytes(&db, since.as_deref());
    assert!(!bytes.windows(7).any(|w| w == b"Zebulon"), "the note is stored in plain text");
}

/// Every byte the database is kept in: the file with its write-ahead log folded in, or on
/// PostgreSQL the server's table files and the write-ahead log written since `since`.
fn stored_bytes(db: &Path, since: Option<&str>) -> Vec<u8> {
    if let Some(since) = since {
        let url = std::fs::read_to_string(db).unwrap();
        let files = server_with_logins().stored_files(&url, since);
        return files.iter().flat_map(|f| std::fs::read(f).unwrap()).collect();
    }
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    drop(conn);
    std::fs::read(db).unwrap()
}

#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
