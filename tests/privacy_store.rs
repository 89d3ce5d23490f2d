//! The patron directory through the real binary on real database files: no name, card number
//! or email in the bytes of the database or its write-ahead log; a key file that is missing,
//! readable by others or another database's refused with nothing written; a sealed value moved
//! to another row refused by name; bad CSV files refused whole, and good ones imported once.
//! The same on PostgreSQL, where "the bytes of the database" are the server's table files and
//! its write-ahead log.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use carrel::domain::crypto::Keys;
use common::backend::{
    as_owner, db_arg, new_database, on_postgres, owner_blobs, owner_i64, owner_text,
    server_with_logins, sql_blob,
};

fn carrel(home: &Path, args: &[&str]) -> Output {
    common::carrel_in(home).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Names, cards (as printed, and as digits) and emails that appear nowhere else.
const SECRETS: [&str; 10] = [
    "Zebulon",
    "Quartermaine",
    "Xanthippe Oddbody",
    "7391 8264 5502",
    "739182645502",
    "7391-8264-5503",
    "739182645503",
    "zebulon.q@plinth-example.org",
    "plinth-example",
    "Oddbody",
];

const DIRECTORY: &str = "card,name,email,category,joined,consent_recommendations,consent_profiling\n\
7391 8264 5502,Zebulon Quartermaine,zebulon.q@plinth-example.org,student,2024-09-01,yes,no\n\
7391-8264-5503,Xanthippe Oddbody,,adult,,no,\n";

/// A home with a database made by `carrel init` and the directory file beside it.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("lib.db");
    new_database(&db);
    let o = carrel(home.path(), &["init", "--db", &db_arg(&db)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = home.path().join("patrons.csv");
    std::fs::write(&csv, DIRECTORY).unwrap();
    (home, db, csv)
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

fn key_path(home: &Path) -> PathBuf {
    key_dir(home).join("patron.key")
}

fn keys(home: &Path) -> Keys {
    Keys::from_file_text(&std::fs::read_to_string(key_path(home)).unwrap()).unwrap()
}

fn wal(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn assert_no_secrets(what: &str, bytes: &[u8]) {
    for s in SECRETS {
        assert!(!contains(bytes, s), "{what} holds {s:?}");
    }
}

/// Rows in every patron table and the audit log.
fn counts(db: &Path) -> Vec<i64> {
    ["patrons", "loans", "searches", "visits", "consent_changes", "audit_log"]
        .iter()
        .map(|t| owner_i64(db, &format!("SELECT count(*) FROM {t}")))
        .collect()
}

fn import(home: &Path, db: &Path, kind: &str, file: &Path) -> Output {
    carrel(home, &["import", kind, file.to_str().unwrap(), "--db", &db_arg(db)])
}

#[test]
fn neither_the_database_nor_its_write_ahead_log_holds_a_name_card_or_email() {
    let (home, db, csv) = setup();
    if on_postgres() {
        let pg = server_with_logins();
        let since = pg.wal_position();
        let o = import(home.path(), &db, "patrons", &csv);
        assert!(o.status.success(), "{}", stderr(&o));
        let zebulon = keys(home.path()).pseudonym("7391 8264 5502");
        let files = pg.stored_files(&db_arg(&db), &since);
        let mut seen = false;
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            seen |= contains(&bytes, &zebulon);
            assert_no_secrets(&f.display().to_string(), &bytes);
        }
        assert!(seen, "the server's files hold the new rows (and so mean something)");
        return;
    }
    // A reader holds a snapshot from before the import open, so the importer's checkpoint
    // at close cannot fold the write-ahead log in: its bytes are read as they were written.
    let reader = rusqlite::Connection::open(&db).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader.query_row("SELECT count(*) FROM meta", [], |r| r.get(0)).unwrap();
    let o = import(home.path(), &db, "patrons", &csv);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 new"), "{}", stdout(&o));
    let log = std::fs::read(wal(&db)).unwrap();
    let zebulon = keys(home.path()).pseudonym("7391 8264 5502");
    assert!(contains(&log, &zebulon), "the log holds the new rows (and so means something)");
    assert_no_secrets("the write-ahead log", &log);
    assert_no_secrets("the database", &std::fs::read(&db).unwrap());

    // After a checkpoint, and after another process opened and closed the database.
    reader.execute_batch("COMMIT; PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    drop(reader);
    let again = import(home.path(), &db, "patrons", &csv);
    assert!(stdout(&again).contains("0 new, 0 changed, 2 unchanged"), "{}", stdout(&again));
    let bytes = std::fs::read(&db).unwrap();
    assert!(contains(&bytes, &zebulon));
    assert_no_secrets("the database after a checkpoint", &bytes);
    if let Ok(log) = std::fs::read(wal(&db)) {
        assert_no_secrets("the write-ahead log after reopening", &log);
    }
}

#[test]
fn the_key_file_is_private_and_refused_when_missing_exposed_or_foreign() {
    use std::os::unix::fs::PermissionsExt;
    let (home, db, csv) = setup();
    let key = key_path(home.path());
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(text.contains("KEEP THIS FILE SECRET") && text.contains("format = \"carrel-keys/1\""));
    assert!(import(home.path(), &db, "patrons", &csv).status.success());
    let before = counts(&db);
    let bytes = std::fs::read(&db).unwrap();
    let refused = |what: &str, expected: &[&str]| {
        for args in [
            vec!["import", "patrons", csv.to_str().unwrap()],
            vec!["consent", "show", "7391 8264 5502"],
        ] {
            let mut args = args.clone();
            let db_arg = db_arg(&db);
            args.extend(["--db", &db_arg]);
            let o = carrel(home.path(), &args);
            assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
            for e in expected {
                assert!(stderr(&o).contains(e), "{what}: no {e:?} in {}", stderr(&o));
            }
            assert_eq!(counts(&db), before, "{what}: something was written");
            assert!(std::fs::read(&db).unwrap() == bytes, "{what}: the file changed");
        }
    };

    let aside = home.path().join("backup.key");
    std::fs::rename(&key, &aside).unwrap();
    let shown = key.display().to_string();
    refused("missing", &[&shown, "cannot be read or written", "restore it from your backup"]);
    std::fs::rename(&aside, &key).unwrap();

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    refused("mode 0644", &[&shown, &format!("chmod 600 {shown}")]);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Another database, with its own key file named in a configuration file.
    let other_db = home.path().join("other.db");
    new_database(&other_db);
    let cfg = home.path().join("other.toml");
    std::fs::write(&cfg, "[privacy]\nkey_file = \"other.key\"\n").unwrap();
    let o = carrel(
        home.path(),
        &["--config", cfg.to_str().unwrap(), "init", "--db", &db_arg(&other_db)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let other_key = home.path().join("other.key");
    assert_ne!(
        keys(home.path()),
        Keys::from_file_text(&std::fs::read_to_string(&other_key).unwrap()).unwrap()
    );
    let own_id = keys(home.path()).directory_key_id();
    std::fs::copy(&other_key, &key).unwrap();
    let other_id = keys(home.path()).directory_key_id();
    let message = format!(
        "key file {shown} does not belong to this database (key id {other_id}, database expects {own_id})"
    );
    refused("another database's key file", &[&message]);

    // The right key file again: all is well.
    std::fs::write(&key, &text).unwrap();
    let o = import(home.path(), &db, "patrons", &csv);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_database_from_before_patron_keys_gets_its_key_file_from_init() {
    let (home, db, _) = setup();
    let key = key_path(home.path());
    std::fs::remove_file(&key).unwrap();
    as_owner(&db, "DELETE FROM meta WHERE key IN ('patron_key_id', 'pseudonym_key_id')");
    let o = carrel(home.path(), &["consent", "show", "29000001", "--db", &db_arg(&db)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("has no patron keys yet"), "{}", stderr(&o));
    let o = carrel(home.path(), &["init", "--db", &db_arg(&db)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("now has patron keys"), "{}", stdout(&o));
    assert!(key.exists());
    let o = carrel(home.path(), &["init", "--db", &db_arg(&db)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
}

#[test]
fn a_sealed_name_moved_to_another_patron_is_refused_by_name() {
    let (home, db, csv) = setup();
    assert!(import(home.path(), &db, "patrons", &csv).status.success());
    let k = keys(home.path());
    let (a, b) = (k.pseudonym("739182645502"), k.pseudonym("739182645503"));
    // Pseudonyms are hex: safe to write into the statements.
    let get = |p: &str| -> Vec<u8> {
        owner_blobs(&db, &format!("SELECT name_enc FROM patrons WHERE pseudonym = '{p}'")).remove(0)
    };
    let (na, nb) = (get(&a), get(&b));
    let set = |p: &str, name: &[u8]| {
        let name = sql_blob(name);
        as_owner(&db, &format!("UPDATE patrons SET name_enc = {name} WHERE pseudonym = '{p}'"));
    };
    set(&a, &nb);
    set(&b, &na);
    let before = counts(&db);
    let o = import(home.path(), &db, "patrons", &csv);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("cannot decrypt name of patron {a}")), "{}", stderr(&o));
    assert!(!stderr(&o).contains("Xanthippe") && !stderr(&o).contains("Zebulon"));
    assert_eq!(counts(&db), before);
}

#[test]
fn bad_files_import_nothing_and_good_ones_import_once() {
    let (home, db, csv) = setup();
    assert!(import(home.path(), &db, "patrons", &csv).status.success());
    let goods: [(&str, &str, &str); 3] = [
        (
            "loans",
            "card,item,loaned,returned\n7391 8264 5502,bib-00001,2026-01-05 10:00,2026-01-20 12:00\n739182645503,bib-00002,2026-02-01 09:30,\n",
            "2 new",
        ),
        ("searches", "card,at,query\n739182645502,2026-01-05 10:05,data protection\n", "1 new"),
        (
            "visits",
            "card,at,zone\n739182645502,2026-01-05 09:55,F0-Z1\n739182645503,2026-02-01 09:20,\n",
            "2 new",
        ),
    ];
    for (kind, text, expected) in goods {
        let f = home.path().join(format!("{kind}.csv"));
        std::fs::write(&f, text).unwrap();
        let o = import(home.path(), &db, kind, &f);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        assert!(stdout(&o).contains(expected), "{kind}: {}", stdout(&o));
        let again = import(home.path(), &db, kind, &f);
        assert!(stdout(&again).contains("0 new, 0 changed"), "{kind}: {}", stdout(&again));
    }
    let pseudonym = keys(home.path()).pseudonym("739182645502");
    let last_active = owner_i64(
        &db,
        &format!("SELECT last_active_ms FROM patrons WHERE pseudonym = '{pseudonym}'"),
    );
    assert_eq!(
        last_active,
        chrono::DateTime::parse_from_rfc3339("2026-01-20T12:00:00Z").unwrap().timestamp_millis(),
        "last activity is the latest loan, return, search or visit"
    );

    let mut before = counts(&db);
    let cases: [(&str, &str, &str, &str); 9] = [
        (
            "patrons",
            "missing-column.csv",
            "card,email\n29000009,a@b.org\n",
            "line 1: the first line does not name the column name",
        ),
        (
            "loans",
            "bad-time.csv",
            "card,item,loaned\n739182645502,bib-1,2026-01-05 10:00\n739182645502,bib-2,Tuesday\n",
            "line 3: column 'loaned': not a time",
        ),
        (
            "visits",
            "unknown-card.csv",
            "card,at\n739182645502,2026-03-01 10:00\n29009999,2026-03-01 11:00\n",
            "1 row names a card that is not in the directory",
        ),
        (
            "searches",
            "duplicate.csv",
            "card,at,query\n739182645502,2026-03-01 10:00,law\n739182645502,2026-03-01 10:05,art\n7391 8264 5502,2026-03-01 10:00,law\n",
            "line 4: the same search as line 2",
        ),
        (
            "patrons",
            "duplicate-card.csv",
            "card,name\n29000011,Ann\n2900-0011,Ann again\n",
            "line 3: the same card as line 2",
        ),
        ("loans", "empty.csv", "", "the file is empty"),
        ("visits", "header-only.csv", "card,at\n", "the file has a header but no rows"),
        (
            "searches",
            "semicolons.csv",
            "card;at;query\n739182645502;2026-03-01 10:00;law\n",
            "try --delimiter ';'",
        ),
        (
            "patrons",
            "unknown-column.csv",
            "card,name,emial\n29000012,Bo,bo@x.org\n",
            "column 3 of the header is not one this file may have",
        ),
    ];
    for (kind, name, text, expected) in cases {
        let f = home.path().join(name);
        std::fs::write(&f, text).unwrap();
        let o = import(home.path(), &db, kind, &f);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let prefix = format!("carrel: {}: ", f.display());
        assert!(stderr(&o).starts_with(&prefix), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains("nothing was imported"), "{name}: {}", stderr(&o));
        let after = counts(&db);
        assert_eq!(after[..5], before[..5], "{name} changed the patron tables");
        assert_eq!(after[5], before[5] + 1, "{name}: the refusal is one audit entry");
        before = after;
    }
    // The right delimiter reads the same file.
    let f = home.path().join("semicolons.csv");
    let o = carrel(
        home.path(),
        &["import", "searches", f.to_str().unwrap(), "--delimiter", ";", "--db", &db_arg(&db)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn init_takes_the_pseudonym_key_shared_with_the_recommendation_service() {
    let home = tempfile::tempdir().unwrap();
    let site = home.path().join("site.key");
    std::fs::write(&site, "00112233445566778899aabbccddeeff0011\nsecond line ignored\n").unwrap();
    let db = home.path().join("lib.db");
    new_database(&db);
    let o =
        carrel(home.path(), &["init", "--site-key", site.to_str().unwrap(), "--db", &db_arg(&db)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shared = hex::decode("00112233445566778899aabbccddeeff0011").unwrap();
    assert_eq!(
        keys(home.path()).pseudonym("2900 0001"),
        carrel::domain::pseudonym::pseudonym(&shared, "29000001"),
        "patrons get the pseudonyms the recommendation service knows"
    );
    std::fs::write(&site, "too short\n").unwrap();
    let b = home.path().join("b.db");
    new_database(&b);
    let o =
        carrel(home.path(), &["init", "--site-key", site.to_str().unwrap(), "--db", &db_arg(&b)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at least 16"), "{}", stderr(&o));
    if on_postgres() {
        let made = owner_i64(&b, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
        assert_eq!(made, 0, "no schema made");
    } else {
        assert!(!b.exists());
    }
}

/// Every key file under `home`, by the id of the database it belongs to.
fn key_files(home: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(home.join("state/carrel/databases"))
        .unwrap()
        .map(|e| {
            let dir = e.unwrap().path();
            let id = dir.file_name().unwrap().to_string_lossy().into_owned();
            (id, std::fs::read_to_string(dir.join("patron.key")).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn database_id(db: &Path) -> String {
    owner_text(db, "SELECT value FROM meta WHERE key = 'database_id'")
}

#[test]
fn each_database_has_its_own_keys_and_a_real_one_never_gets_the_demos() {
    if on_postgres() {
        return; // demos are SQLite files; one key file per server database is tested above
    }
    let home = tempfile::tempdir().unwrap();
    let dbs = ["first-demo.db", "real.db", "second-demo.db"].map(|n| home.path().join(n));
    for (db, demo) in dbs.iter().zip([true, false, true]) {
        let mut args = vec!["init", "--db", db.to_str().unwrap()];
        if demo {
            args.push("--demo");
        }
        let o = carrel(home.path(), &args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let files = key_files(home.path());
    assert_eq!(files.len(), 3, "three databases, three key files");
    let simulator_key = hex::encode(carrel::sim::site_key_for(1));
    let real_id = database_id(&dbs[1]);
    for (id, text) in &files {
        let keys = Keys::from_file_text(text).unwrap();
        if *id == real_id {
            assert!(!text.contains(&simulator_key), "the real database has the simulator's key");
        } else {
            assert!(text.contains(&simulator_key), "a demo names patrons as the simulator does");
        }
        assert_eq!(
            files.iter().filter(|(_, t)| Keys::from_file_text(t).unwrap() == keys).count(),
            1
        );
    }
    // Each works with its own keys: an import on the real one, a lookup on each demo.
    let csv = home.path().join("patrons.csv");
    std::fs::write(&csv, DIRECTORY).unwrap();
    let o = carrel(
        home.path(),
        &["import", "patrons", csv.to_str().unwrap(), "--db", dbs[1].to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let card = carrel::sim::patrons(1)[0].card.clone();
    for db in [&dbs[0], &dbs[2]] {
        let o = carrel(
            home.path(),
            &["--as", "dana", "consent", "show", &card, "--db", db.to_str().unwrap()],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }

    // One key file named for two databases: the second is refused, with nothing made.
    let config = home.path().join("shared-key.toml");
    let shared = home.path().join("shared.key");
    std::fs::write(&config, format!("[privacy]\nkey_file = \"{}\"\n", shared.display())).unwrap();
    let first = home.path().join("a.db");
    let second = home.path().join("b.db");
    for (db, ok) in [(&first, true), (&second, false)] {
        let o = carrel(
            home.path(),
            &["init", "--db", db.to_str().unwrap(), "--config", config.to_str().unwrap()],
        );
        assert_eq!(o.status.success(), ok, "{}", stderr(&o));
    }
    assert!(!second.exists());
    let o = carrel(
        home.path(),
        &["init", "--db", second.to_str().unwrap(), "--config", config.to_str().unwrap()],
    );
    assert!(stderr(&o).contains("belongs to one database"), "{}", stderr(&o));
}

#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
