//! The audit log against tampering, through the real binary on a real database file: change a
//! byte of any entry, delete one, swap two, cut the tail (caught by a kept checkpoint), rewrite
//! from entry k consistently (caught by a stored checkpoint, at entry k) — each makes `carrel
//! audit verify` fail naming the first bad entry; an untouched log passes. The log's key and
//! checkpoints against forgery: a checkpoint signed by another key, a stored one with a bad
//! signature, a time changed in any digit, a log key deleted, replaced or left readable. The
//! same tests run on PostgreSQL, tampering as the database's owner there (the one role the
//! append-only trigger lets rewrite the log).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use carrel::domain::checkpoint::SignedCheckpoint;
use carrel::domain::merkle::Frontier;
use carrel::domain::note::{Alg, Signer, Vkey};
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
    let kept = home.path().join("kept-checkpoint.txt");
    let o = carrel(home.path(), &db, &["audit", "checkpoint", "--out", kept.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (ok, text) = verify(home.path(), &db, &["--checkpoint", kept.to_str().unwrap()]);
    assert!(ok, "{text}");
    assert!(text.contains("extends the kept checkpoint") && text.contains("(size 22)"), "{text}");

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

/// A checkpoint file a party kept, as `audit checkpoint` wrote it.
fn kept_checkpoint(home: &Path, db: &Path) -> (PathBuf, String) {
    let kept = home.join("cp.txt");
    let o = carrel(home, db, &["audit", "checkpoint", "--out", kept.to_str().unwrap(), "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&kept).unwrap();
    (kept, text)
}

fn verify_kept(home: &Path, db: &Path, kept: &Path, text: &str) -> Output {
    std::fs::write(kept, text).unwrap();
    carrel(home, db, &["audit", "verify", "--checkpoint", kept.to_str().unwrap()])
}

#[test]
fn a_forged_checkpoint_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let (kept, text) = kept_checkpoint(home.path(), &db);
    assert!(text.contains("\n22\n"), "{text}");
    let o = verify_kept(home.path(), &db, &kept, &text.replace("\n22\n", "\n21\n"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not signed by this log's key"), "{}", stderr(&o));
    assert!(stderr(&o).contains("cp.txt"), "the message names the file: {}", stderr(&o));
}

#[test]
fn a_checkpoint_signed_by_another_key_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let (kept, text) = kept_checkpoint(home.path(), &db);
    let genuine = SignedCheckpoint::parse(&text).unwrap();
    // The same checkpoint, signed by a fresh key under the log's own name.
    let other = Signer::from_seed(&genuine.checkpoint.origin, Alg::Ed25519, [42; 32]).unwrap();
    let forged = genuine.checkpoint.sign(&other).to_note_string();
    let o = verify_kept(home.path(), &db, &kept, &forged);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not signed by this log's key"), "{}", stderr(&o));
    // With the genuine signature beside the forged one, the note is still refused: a line
    // with the log key's name and id that does not verify spoils it.
    let mut both = genuine.clone();
    both.note.sigs.push(forged_line(&genuine, &other));
    let o = verify_kept(home.path(), &db, &kept, &both.to_note_string());
    assert!(o.status.success(), "an unknown key's line is ignored: {}", stderr(&o));
}

/// `other`'s signature line on `cp`'s text.
fn forged_line(cp: &SignedCheckpoint, other: &Signer) -> carrel::domain::note::SigLine {
    other.sign(&cp.note.text, 0)
}

#[test]
fn a_time_changed_in_any_digit_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let (kept, text) = kept_checkpoint(home.path(), &db);
    let line = text.lines().find(|l| l.starts_with("time ")).unwrap();
    let digits: Vec<usize> =
        line.char_indices().filter(|(_, c)| c.is_ascii_digit()).map(|(i, _)| i).collect();
    assert_eq!(digits.len(), 14, "a time to the second: {line}");
    for i in digits {
        let mut changed = line.as_bytes().to_vec();
        changed[i] = if changed[i] == b'0' { b'1' } else { b'0' };
        let changed = String::from_utf8(changed).unwrap();
        let o = verify_kept(home.path(), &db, &kept, &text.replace(line, &changed));
        assert_eq!(o.status.code(), Some(2), "{changed}: {}", stderr(&o));
        assert!(stderr(&o).contains("cp.txt"), "{}", stderr(&o));
    }
    // The stored checkpoint's time, changed in the database, fails verification naming it.
    let copy = copy(&db, "time.db");
    let note = owner_text(&copy, "SELECT note FROM audit_checkpoints");
    let changed = note.replace(line, &line.replace("time 2", "time 1"));
    as_owner(&copy, &format!("UPDATE audit_checkpoints SET note = {}", sql_text(&changed)));
    let (ok, out) = verify(home.path(), &copy, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("checkpoint #1 (size 22): its signature is not the log key's"), "{out}");
}

#[test]
fn a_stored_checkpoint_with_a_bad_signature_fails_verification() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    kept_checkpoint(home.path(), &db);
    let note = owner_text(&db, "SELECT note FROM audit_checkpoints");
    let genuine = SignedCheckpoint::parse(&note).unwrap();
    let mut bad = genuine.clone();
    bad.note.sigs[0].sig[0] ^= 1;
    let tampered = copy(&db, "bad-signature.db");
    as_owner(
        &tampered,
        &format!("UPDATE audit_checkpoints SET note = {}", sql_text(&bad.to_note_string())),
    );
    let (ok, out) = verify(home.path(), &tampered, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("checkpoint #1 (size 22): its signature is not the log key's"), "{out}");
    // One signed by another key, stored beside the genuine one, is reported too.
    let other = Signer::from_seed(&genuine.checkpoint.origin, Alg::Ed25519, [9; 32]).unwrap();
    let forged = genuine.checkpoint.sign(&other).to_note_string();
    let forged_row = copy(&db, "forged-row.db");
    as_owner(
        &forged_row,
        &format!(
            "INSERT INTO audit_checkpoints(size, root, at_ms, public_key, signature, origin, note) VALUES (22, 'x', 0, 'x', 'x', 'x', {})",
            sql_text(&forged)
        ),
    );
    let (ok, out) = verify(home.path(), &forged_row, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("checkpoint #2 (size 22): its signature is not the log key's"), "{out}");
}

#[test]
fn a_deleted_replaced_or_exposed_log_key_signs_nothing() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let key = key_dir(home.path()).join("audit-log.key");
    let genuine = std::fs::read_to_string(&key).unwrap();
    let sign = || carrel(home.path(), &db, &["audit", "checkpoint"]);
    let before = (log_size(&db), checkpoints(&db));

    std::fs::remove_file(&key).unwrap();
    let o = sign();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("log key {}: not found", key.display())),
        "{}",
        stderr(&o)
    );
    assert!(!key.exists(), "no key is made in its place");

    let other = Signer::from_seed("carrel/x", Alg::Ed25519, [3; 32]).unwrap();
    write_private(&key, &format!("{}\n", other.to_secret_string()));
    let o = sign();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not this log's key"), "{}", stderr(&o));

    std::fs::remove_file(&key).unwrap();
    write_private(&key, &genuine);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = sign();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("mode 644"), "{}", stderr(&o));
    assert_eq!((log_size(&db), checkpoints(&db)), before, "nothing signed, stored or logged");

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(sign().status.success());
}

fn write_private(path: &Path, text: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn a_consistent_rewrite_from_entry_k_is_reported_at_entry_k() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    // Checkpoints at several sizes, so the rewrite is after the first and before the last.
    kept_checkpoint(home.path(), &db);
    for i in 0..10 {
        assert!(
            carrel(home.path(), &db, &["audit", "note", &format!("later {i}")]).status.success()
        );
    }
    kept_checkpoint(home.path(), &db);
    for k in [3u64, 27] {
        let copy = copy(&db, &format!("rewritten-{k}.db"));
        common::tamper::rewrite_consistently(&copy, k);
        let second = copy.with_file_name(format!("rewritten-{k}-b.db"));
        copy_database(&copy, &second);
        let (ok, text) = verify(home.path(), &second, &[]);
        assert!(!ok, "entry {k}: {text}");
        assert_fails_at(home.path(), &copy, k as i64, &[]);
        assert!(text.contains(&format!("entry {k} was rewritten")), "{text}");
    }
}

#[test]
fn proofs_and_the_key_are_printed() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let o = carrel(home.path(), &db, &["audit", "prove", "5"]);
    assert_eq!(o.status.code(), Some(1), "no checkpoint holds it yet: {}", stderr(&o));
    assert!(stderr(&o).contains("in no checkpoint yet"), "{}", stderr(&o));
    kept_checkpoint(home.path(), &db);
    let o = carrel(home.path(), &db, &["audit", "prove", "5", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(p["verified"], true);
    assert_eq!(p["index"], 5);
    assert_eq!(p["tree_size"], 22);
    let o = carrel(home.path(), &db, &["audit", "key"]);
    assert!(o.status.success());
    let vkey = String::from_utf8(o.stdout).unwrap();
    let vkey = Vkey::parse(vkey.trim()).unwrap();
    assert_eq!(p["log_key"], vkey.to_string());
    assert!(vkey.name().starts_with("carrel/"), "{vkey}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = key_dir(home.path()).join("audit-log.key");
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
    assert!(std::fs::read_to_string(&target).unwrap().contains("\n\n\u{2014} carrel/"));
    assert_eq!(checkpoints(&db), before.1 + 1);
}

#[test]
fn the_log_key_is_made_with_the_database_and_anyone_may_print_its_verifier_key() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("demo.db");
    demo_database(home.path(), &db);
    let o = carrel_with(home.path(), &db_args_as(&db, "dana"), &["audit", "key"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = String::from_utf8(o.stdout).unwrap();
    let first = owner_text(&db, "SELECT details FROM audit_log WHERE seq = 0");
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    let named = first["log_key"].as_str().map(str::to_owned);
    // A database made by `carrel init` names its key in its first entry; one made without a
    // key (as the PostgreSQL tests' databases are, then given one by `init`) in a later one.
    let named = named.unwrap_or_else(|| {
        let d = owner_text(&db, "SELECT details FROM audit_log WHERE action = 'audit.key.create'");
        serde_json::from_str::<serde_json::Value>(&d).unwrap()["key"].as_str().unwrap().to_owned()
    });
    assert_eq!(printed.trim(), named);
    let id = owner_text(&db, "SELECT value FROM meta WHERE key = 'database_id'");
    let key = home.path().join(format!("state/carrel/databases/{id}/audit-log.key"));
    assert!(key.exists(), "the key is the database's own, beside its patron key");
}

#[test]
fn rotating_the_key_hands_the_log_on_and_old_checkpoints_still_hold() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    kept_checkpoint(home.path(), &db);
    let o = carrel(home.path(), &db, &["audit", "key", "rotate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let new = Vkey::parse(String::from_utf8(o.stdout).unwrap().trim()).unwrap();
    let o = carrel(home.path(), &db, &["audit", "key"]);
    assert_eq!(Vkey::parse(String::from_utf8(o.stdout).unwrap().trim()).unwrap(), new);
    let (kept, text) = kept_checkpoint(home.path(), &db);
    assert!(SignedCheckpoint::parse(&text).unwrap().verify(&new).is_ok());
    let (ok, out) = verify(home.path(), &db, &["--checkpoint", kept.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(
        out.contains("extends checkpoint #1") && out.contains("extends checkpoint #2"),
        "{out}"
    );
}

#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
