//! Refused CSV files through the real binary: a refused patron import is in the audit log with
//! counts only and says nothing a guesser could use (which lines name unknown cards, what a
//! cell held); values that cannot be true (counts of 1e300, joining dates in year 10000) and a
//! quoted field left open at the end are refused with their line; a key file that is not a
//! regular file is called that. Nothing but the refusal's audit entry is written.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn command(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_carrel"));
    c.args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"));
    c
}

fn carrel(home: &Path, args: &[&str]) -> Output {
    command(home, args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const DIRECTORY: &str = "card,name,email\n\
7391 8264 5502,Zebulon Quartermaine,zebulon.q@plinth-example.org\n\
7391-8264-5503,Xanthippe Oddbody,\n";

/// A home with a database made by `carrel init` (whose runner is its sysadmin) holding the
/// two patrons of [`DIRECTORY`].
fn setup() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("lib.db");
    let o = carrel(home.path(), &["init", "--db", db.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = import(home.path(), &db, "patrons", &write(home.path(), "patrons.csv", DIRECTORY));
    assert!(o.status.success(), "{}", stderr(&o));
    (home, db)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let f = dir.join(name);
    std::fs::write(&f, text).unwrap();
    f
}

fn import(home: &Path, db: &Path, kind: &str, file: &Path) -> Output {
    carrel(home, &["import", kind, file.to_str().unwrap(), "--db", db.to_str().unwrap()])
}

/// Rows in every patron table, the arrivals and the audit log.
fn counts(db: &Path) -> Vec<i64> {
    let c = rusqlite::Connection::open(db).unwrap();
    ["patrons", "loans", "searches", "visits", "consent_changes", "arrival_buckets", "audit_log"]
        .iter()
        .map(|t| c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)).unwrap())
        .collect()
}

/// The last audit entry: action, object, outcome and details.
fn last_entry(db: &Path) -> (String, String, String, serde_json::Value) {
    let c = rusqlite::Connection::open(db).unwrap();
    let (action, object, outcome, details): (String, String, String, String) = c
        .query_row(
            "SELECT action, object, outcome, details FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    (action, object, outcome, serde_json::from_str(&details).unwrap_or_default())
}

/// Card numbers (as written and as digits) and names that must appear in no message and no
/// audit entry.
const SECRETS: [&str; 8] = [
    "7391 8264 5502",
    "739182645502",
    "29009999",
    "29008888",
    "2900-7777",
    "29007777",
    "Zebulon",
    "Alice Secret",
];

fn assert_no_secrets(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} holds {s:?}:\n{text}");
    }
}

#[test]
fn a_refused_import_is_logged_with_counts_only_and_names_no_card_or_line() {
    let (home, db) = setup();
    // Three rows of guessed cards among one known: the file is refused whole, and the
    // message does not say which rows, nor which cards.
    let guesses = write(
        home.path(),
        "guesses.csv",
        "card,at\n29009999,2026-03-01 10:00\n7391 8264 5502,2026-03-01 11:00\n\
         29008888,2026-03-01 12:00\n2900-7777,2026-03-01 13:00\n",
    );
    let before = counts(&db);
    let o = import(home.path(), &db, "visits", &guesses);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "3 rows name a card that is not in the directory (lines are not named, so that an \
             import cannot test card numbers); import the patrons first"
        ),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(!err.contains("line "), "no line is named: {err}");
    assert_no_secrets("the message", &err);
    let mut expected = before;
    expected[6] += 1;
    assert_eq!(counts(&db), expected, "only the refusal's audit entry is written");
    let (action, object, outcome, details) = last_entry(&db);
    assert_eq!(
        (action.as_str(), object.as_str(), outcome.as_str()),
        ("patrons.import", "visits", "failed")
    );
    assert_eq!(
        details,
        serde_json::json!({
            "file": guesses.display().to_string(), "rows": 4, "problems": 3,
            "unknown_cards": 3, "refused": true
        })
    );

    // Every other kind of refusal is logged the same way, with its counts.
    let cases: [(&str, &str, &str, serde_json::Value); 5] = [
        (
            "loans",
            "bad-time.csv",
            "card,item,loaned\n739182645502,bib-1,2026-01-05 10:00\n29009999,bib-2,Tuesday\n",
            serde_json::json!({ "rows": 2, "problems": 1, "unknown_cards": 0 }),
        ),
        (
            "searches",
            "duplicate.csv",
            "card,at,query\n739182645502,2026-03-01 10:00,law\n7391 8264 5502,2026-03-01 10:00,law\n",
            serde_json::json!({ "rows": 2, "problems": 1, "unknown_cards": 0 }),
        ),
        (
            "patrons",
            "no-header.csv",
            "29007777,Alice Secret\n29008888,Bob\n",
            serde_json::json!({ "rows": 0, "problems": 1, "unknown_cards": 0 }),
        ),
        (
            "patrons",
            "bad-rows.csv",
            "card,name,joined\n29007777,Alice Secret,yesterday\n29X,Bob,\n29008888,Cy,2024-01-01\n",
            serde_json::json!({ "rows": 3, "problems": 2, "unknown_cards": 0 }),
        ),
        (
            "visits",
            "empty.csv",
            "",
            serde_json::json!({ "rows": 0, "problems": 1, "unknown_cards": 0 }),
        ),
    ];
    for (kind, name, text, want) in cases {
        let f = write(home.path(), name, text);
        let before = counts(&db);
        let o = import(home.path(), &db, kind, &f);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert_no_secrets(name, &stderr(&o));
        let mut expected = before;
        expected[6] += 1;
        assert_eq!(counts(&db), expected, "{name}: only the refusal's audit entry is written");
        let (action, object, outcome, details) = last_entry(&db);
        assert_eq!(
            (action.as_str(), object.as_str(), outcome.as_str()),
            ("patrons.import", kind, "failed")
        );
        let mut want = want;
        want["file"] = f.display().to_string().into();
        want["refused"] = true.into();
        assert_eq!(details, want, "{name}");
        assert_no_secrets(name, &details.to_string());
    }

    // A path that is not a regular file is refused, and logged, too.
    let o = carrel(
        home.path(),
        &["import", "loans", home.path().to_str().unwrap(), "--db", db.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("{}: not a regular file", home.path().display())));
    let (_, object, outcome, details) = last_entry(&db);
    assert_eq!((object.as_str(), outcome.as_str()), ("loans", "failed"));
    assert_eq!(details["problems"], 1);
}

#[test]
fn an_import_by_someone_who_may_not_import_is_denied_whatever_the_file() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("demo.db");
    let o = carrel(home.path(), &["init", "--demo", "--db", db.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let f = write(home.path(), "guesses.csv", "card,at\n29009999,2026-03-01 10:00\n");
    for file in [f.to_str().unwrap(), "/dev/zero"] {
        let before = counts(&db);
        let o = carrel(
            home.path(),
            &["--as", "dana", "import", "visits", file, "--db", db.to_str().unwrap()],
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("dana may not import"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("directory"), "nothing about the cards: {}", stderr(&o));
        let mut expected = before;
        expected[6] += 1;
        assert_eq!(counts(&db), expected);
        let (action, object, outcome, _) = last_entry(&db);
        assert_eq!(
            (action.as_str(), object.as_str(), outcome.as_str()),
            ("patrons.import", "visits", "denied")
        );
    }
}

#[test]
fn a_patron_file_without_its_header_quotes_no_cell() {
    let (home, db) = setup();
    let f = write(
        home.path(),
        "headerless.csv",
        "12345678,Alice Secret,alice.secret@example.org\n12345679,Bob Private,\n",
    );
    let o = import(home.path(), &db, "patrons", &f);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "line 1: the first line does not name the columns card, name (found 3 columns; is \
             the header missing, or is the delimiter not ','?)"
        ),
        "{err}"
    );
    for cell in ["12345678", "Alice", "Secret", "alice.secret", "example.org", "Bob"] {
        assert!(!err.contains(cell), "{cell:?} in {err}");
    }
    // Nor does a bad cell of a file with its header: the line and the column find it.
    let f = write(
        home.path(),
        "bad-cells.csv",
        "card,name,category,joined,consent_profiling\n12345678,Alice Secret,a!b,,\n\
         12345679,Alice Secret,,2024-13-45,\n12345670,Alice Secret,,,perhaps\n",
    );
    let err = stderr(&import(home.path(), &db, "patrons", &f));
    for expected in [
        "line 2: column 'category': not a category",
        "line 3: column 'joined': not a date YYYY-MM-DD",
        "line 4: column 'consent_profiling': not yes, no or empty",
    ] {
        assert!(err.contains(expected), "no {expected:?} in {err}");
    }
    for cell in ["12345678", "Alice", "a!b", "2024-13-45", "perhaps"] {
        assert!(!err.contains(cell), "{cell:?} in {err}");
    }
}

#[test]
fn joining_dates_outside_1900_to_2199_are_refused_with_their_line() {
    let (home, db) = setup();
    let before = counts(&db);
    let f = write(
        home.path(),
        "years.csv",
        "card,name,joined\n29000101,Ann,-1-01-01\n29000102,Ben,0000-01-01\n\
         29000103,Cy,+10000-01-01\n29000104,Di,2024-05-01\n",
    );
    let o = import(home.path(), &db, "patrons", &f);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    for expected in [
        "line 2: column 'joined': year -1 is outside 1900–2199",
        "line 3: column 'joined': year 0 is outside 1900–2199",
        "line 4: column 'joined': year 10000 is outside 1900–2199",
    ] {
        assert!(err.contains(expected), "no {expected:?} in {err}");
    }
    assert!(!err.contains("line 5"), "{err}");
    let after = counts(&db);
    assert_eq!(after[..6], before[..6], "no patron stored");
}

#[test]
fn counts_that_cannot_be_true_are_refused_with_their_line() {
    let (home, db) = setup();
    let before = counts(&db);
    let f = write(
        home.path(),
        "arrivals.csv",
        "timestamp,count\n2026-11-16 10:00,3\n2026-11-16 10:15,1e300\n\
         2026-11-16 10:30,18446744073709551616\n2026-11-16 10:45,-1\n2026-11-16 11:00,1.5\n\
         2026-11-16 11:15,100001\n2026-11-16 11:30,12.0\n+10000-01-01 00:00,1\n",
    );
    let o = carrel(
        home.path(),
        &[
            "import",
            "arrivals",
            f.to_str().unwrap(),
            "--window",
            "W1",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    for expected in [
        "line 3: column 'count': '1e300' is not a whole number (digits only, 0 to 100000)",
        "line 4: column 'count': the count 18446744073709551616 is more than 100000",
        "line 5: column 'count': the count -1 is negative",
        "line 6: column 'count': '1.5' is not a whole number",
        "line 7: column 'count': the count 100001 is more than 100000",
        "line 9: column 'timestamp': year 10000 is outside 1900–2199",
    ] {
        assert!(err.contains(expected), "no {expected:?} in {err}");
    }
    assert!(!err.contains("line 2:") && !err.contains("line 8:"), "{err}");
    assert_eq!(counts(&db), before, "nothing stored");
    // The same rules hold for the backtest, which reads the same form.
    let o = carrel(home.path(), &["forecast", "backtest", "--csv", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("'1e300' is not a whole number"), "{}", stderr(&o));
}

#[test]
fn a_quoted_field_left_open_at_the_end_is_refused_with_its_line() {
    let (home, db) = setup();
    let before = counts(&db);
    let f = write(home.path(), "open.csv", "card,name\n29000201,Ann\n29000202,\"Ben\n");
    let o = import(home.path(), &db, "patrons", &f);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let expected = "line 3: a quoted field is not closed before the end of the file";
    assert!(stderr(&o).contains(expected), "{}", stderr(&o));
    assert_eq!(counts(&db)[..6], before[..6], "nothing imported");

    let f =
        write(home.path(), "open-counts.csv", "ts,count\n2026-11-16 10:00,3\n\"2026-11-16 10:15,4");
    let o = carrel(
        home.path(),
        &["forecast", "backtest", "--csv", f.to_str().unwrap(), "--time-col", "ts"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(expected), "{}", stderr(&o));

    let f = write(home.path(), "open-log.csv", "user,item\n1,a\n2,\"b\n");
    let o = carrel(
        home.path(),
        &[
            "recs",
            "backtest",
            "--interactions",
            f.to_str().unwrap(),
            "--user-col",
            "user",
            "--item-col",
            "item",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(expected), "{}", stderr(&o));
}

#[test]
fn standard_input_is_a_file_for_the_csv_commands() {
    let (home, db) = setup();
    let mut child =
        command(home.path(), &["import", "searches", "-", "--db", db.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"card,at,query\n739182645502,2026-01-05 10:05,data protection\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("imported 1 search from -: 1 new"), "{}", stdout(&o));
}

#[test]
fn a_key_file_that_is_not_a_regular_file_is_called_that() {
    let (home, db) = setup();
    let cfg = write(home.path(), "devnull.toml", "[privacy]\nkey_file = \"/dev/null\"\n");
    for args in [vec!["consent", "show", "739182645502"], vec!["import", "patrons", "-"]] {
        let mut args = args.clone();
        args.extend(["--config", cfg.to_str().unwrap(), "--db", db.to_str().unwrap()]);
        let o = carrel(home.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("key file /dev/null: not a regular file"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("chmod"), "{}", stderr(&o));
    }
}
