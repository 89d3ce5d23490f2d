//! The audit log against tampering, through the real binary on a real database file: change a
//! byte of any entry, delete one, swap two, cut the tail (caught by a kept checkpoint) — each
//! makes `carrel audit verify` fail naming the first bad entry; an untouched log passes. The
//! same tests run on PostgreSQL, tampering as the database's owner there (the one role the
//! append-only trigger lets rewrite the log).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use carrel::domain::merkle::Frontier;
use common::backend::{
    as_owner, copy_database, db_arg, db_args_as, demo_database, new_database, owner_blobs,
    owner_i64, owner_text, sql_blob, sql_text,
};

fn carrel(home: &Path, db: &Path, args: &[&str]) -> Output {
    carrel_with(home, &["--db".to_owned(), db_arg(db)], args)
}

/// The binary with `db_args` naming the database (and, on SQLite, who acts: see
/// `db_args_as`).
fn carrel_with(home: &Path, db_args: &[String], args: &[&str]) -> Output {
    common::carrel_in(home).args(args).args(db_args).output().unwrap()
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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A database whose log holds 22 entries: its creation, the bootstrap of its sysadmin and twenty
/// notes.
fn logged_db(home: &Path) -> PathBuf {
    let db = home.join("audit.db");
    new_database(&db);
    assert!(carrel(home, &db, &["init"]).status.success());
    for i in 0..20 {
        let o = carrel(home, &db, &["audit", "note", &format!("note number {i}")]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    db
}

fn copy(db: &Path, name: &str) -> PathBuf {
    let to = db.with_file_name(name);
    copy_database(db, &to);
    to
}

fn verify(home: &Path, db: &Path, extra: &[&str]) -> (bool, String) {
    let mut args = vec!["audit", "verify"];
    args.extend_from_slice(extra);
    let o = carrel(home, db, &args);
    (o.status.success(), stderr(&o) + &String::from_utf8_lossy(&o.stdout))
}

fn assert_fails_at(home: &Path, db: &Path, index: i64, extra: &[&str]) {
    let (ok, text) = verify(home, db, extra);
    assert!(!ok, "verification should fail: {text}");
    assert!(
        text.contains(&format!("failed at entry {index}")),
        "should name entry {index}: {text}"
    );
}

#[test]
fn an_untouched_log_verifies() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let (ok, text) = verify(home.path(), &db, &[]);
    assert!(ok, "{text}");
    assert!(text.contains("audit log ok: 22 entries"), "{text}");
}

#[test]
fn changing_one_byte_of_any_entry_is_caught_at_that_entry() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let columns = ["actor", "role", "action", "object", "purpose", "outcome", "details"];
    for seq in 0..21i64 {
        let column = columns[seq as usize % columns.len()];
        let copy = copy(&db, &format!("byte-{seq}.db"));
        // Flip the last byte of the value (or add one to an empty value).
        let value = owner_text(&copy, &format!("SELECT {column} FROM audit_log WHERE seq = {seq}"));
        let mut bytes = value.into_bytes();
        match bytes.last_mut() {
            Some(b) => *b ^= 0x01,
            None => bytes.push(b'x'),
        }
        let changed = String::from_utf8_lossy(&bytes).into_owned();
        // The outcome column only accepts its three words; change the time instead there.
        if column == "outcome" {
            as_owner(&copy, &format!("UPDATE audit_log SET at_ms = at_ms + 1 WHERE seq = {seq}"));
        } else {
            let changed = sql_text(&changed);
            as_owner(
                &copy,
                &format!("UPDATE audit_log SET {column} = {changed} WHERE seq = {seq}"),
            );
        }
        assert_fails_at(home.path(), &copy, seq, &[]);
    }
    // The stored leaf hash itself.
    let copy = copy(&db, "leaf.db");
    as_owner(&copy, &format!("UPDATE audit_log SET leaf = {} WHERE seq = 7", sql_blob(&[0; 32])));
    assert_fails_at(home.path(), &copy, 7, &[]);
}

#[test]
fn deleting_an_entry_is_caught() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    for seq in [0i64, 9, 20] {
        let copy = copy(&db, &format!("deleted-{seq}.db"));
        as_owner(&copy, &format!("DELETE FROM audit_log WHERE seq = {seq}"));
        assert_fails_at(home.path(), &copy, seq, &[]);
    }
}

#[test]
fn swapping_two_entries_is_caught_at_the_first() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let copy = copy(&db, "swapped.db");
    as_owner(
        &copy,
        "UPDATE audit_log SET seq = -1 WHERE seq = 4;
         UPDATE audit_log SET seq = 4 WHERE seq = 12;
         UPDATE audit_log SET seq = 12 WHERE seq = -1;",
    );
    assert_fails_at(home.path(), &copy, 4, &[]);
}

/// The tail cut and the tree's recorded edge and the local checkpoints rewritten to match: only
/// a checkpoint kept elsewhere shows it.
#[test]
fn cutting_the_tail_is_caught_by_a_kept_checkpoint() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let kept = home.path().join("kept-checkpoint.json");
    let o = carrel(home.path(), &db, &["audit", "checkpoint", "--out", kept.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (ok, text) = verify(home.path(), &db, &["--checkpoint", kept.to_str().unwrap()]);
    assert!(ok, "{text}");
    assert!(text.contains("extends the kept checkpoint (size 22)"), "{text}");

    let copy = copy(&db, "cut.db");
    as_owner(
        &copy,
        "DELETE FROM audit_log WHERE seq >= 15;
         DELETE FROM audit_checkpoints;
         DELETE FROM audit_verifications;",
    );
    let mut tree = Frontier::new();
    for l in owner_blobs(&copy, "SELECT leaf FROM audit_log ORDER BY seq") {
        tree.push(l.try_into().unwrap());
    }
    let frontier = sql_blob(&tree.to_bytes());
    as_owner(&copy, &format!("UPDATE audit_state SET frontier = {frontier} WHERE id = 1"));

    // Verifying appends its own entry, so look without a checkpoint on a second copy.
    let second = copy.with_file_name("cut-2.db");
    copy_database(&copy, &second);
    let (ok, text) = verify(home.path(), &second, &[]);
    assert!(ok, "a consistent cut is invisible without a kept checkpoint: {text}");
    assert_fails_at(home.path(), &copy, 15, &["--checkpoint", kept.to_str().unwrap()]);
}

#[test]
fn a_forged_checkpoint_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let kept = home.path().join("cp.json");
    assert!(
        carrel(home.path(), &db, &["audit", "checkpoint", "--out", kept.to_str().unwrap()])
            .status
            .success()
    );
    let text = std::fs::read_to_string(&kept).unwrap();
    let forged = text.replace("\"size\": 22", "\"size\": 21");
    std::fs::write(&kept, forged).unwrap();
    let o = carrel(home.path(), &db, &["audit", "verify", "--checkpoint", kept.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("the signature does not match its contents"), "{}", stderr(&o));
}

#[test]
fn proofs_and_the_key_are_printed() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let o = carrel(home.path(), &db, &["audit", "prove", "5", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(p["verified"], true);
    assert_eq!(p["index"], 5);
    let o = carrel(home.path(), &db, &["audit", "key"]);
    assert!(o.status.success());
    assert_eq!(String::from_utf8(o.stdout).unwrap().trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = key_dir(home.path()).join("audit-signing.key");
        assert_eq!(std::fs::metadata(key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let o = carrel(home.path(), &db, &["audit", "prove", "999"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no entry 999"));
}

fn log_size(db: &Path) -> i64 {
    owner_i64(db, "SELECT count(*) FROM audit_log")
}

fn checkpoints(db: &Path) -> i64 {
    owner_i64(db, "SELECT count(*) FROM audit_checkpoints")
}

#[test]
fn a_checkpoint_file_is_checked_before_anything_is_signed() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("cp.db");
    new_database(&db);
    assert!(carrel(home.path(), &db, &["init"]).status.success());
    let before = (log_size(&db), checkpoints(&db));

    let o = carrel(home.path(), &db, &["audit", "checkpoint", "--out", "/nonexistent/dir/cp.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));

    let target = home.path().join("elsewhere.json");
    std::fs::write(&target, "precious\n").unwrap();
    let link = home.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = carrel(home.path(), &db, &["audit", "checkpoint", "--out", link.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    let o = carrel(home.path(), &db, &["audit", "checkpoint", "--out", target.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
    assert_eq!((log_size(&db), checkpoints(&db)), before, "nothing signed, stored or logged");

    let o = carrel(
        home.path(),
        &db,
        &["audit", "checkpoint", "--out", target.to_str().unwrap(), "--force"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&target).unwrap().contains("\"size\""));
    assert_eq!(checkpoints(&db), before.1 + 1);
}

#[test]
fn only_someone_who_signs_checkpoints_makes_the_signing_key() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("demo.db");
    demo_database(home.path(), &db);
    let as_dana: Vec<String> = db_args_as(&db, "dana");
    let o = carrel_with(home.path(), &as_dana, &["audit", "key"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("may not sign a checkpoint"), "{}", stderr(&o));
    let id = owner_text(&db, "SELECT value FROM meta WHERE key = 'database_id'");
    let key = home.path().join(format!("state/carrel/databases/{id}/audit-signing.key"));
    assert!(!key.exists(), "no key was made for a desk login");
    let o = carrel_with(home.path(), &db_args_as(&db, "ada"), &["audit", "key"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(key.exists(), "the key is the database's own, beside its patron key");
}

#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
