//! Read access no longer implies write access: another operating-system login that may only
//! read the database file gets the public view from the read-only commands and the console,
//! and what it tries to change is refused without touching the file. Run as root (as CI is),
//! the commands run as `nobody`; run as anyone else the test says so and checks nothing.
#![allow(clippy::unwrap_used)]

#[path = "common/pty.rs"]
mod pty;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

const NOBODY: u32 = 65534;

fn running_as_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn open_to_all(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn carrel(home: &Path, db: &Path, uid: Option<u32>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_carrel"));
    cmd.args(args)
        .args(["--db", db.to_str().unwrap()])
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"));
    if let Some(uid) = uid {
        cmd.uid(uid).gid(uid);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout)
}

fn entries(db: &Path) -> i64 {
    // Like carrel, leave the -wal and -shm files in place when closing; a plain SQLite
    // connection closing last removes them, and a reader cannot open the file without them
    // until a carrel that may write has opened it again (README, "Threat model").
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).unwrap();
    conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_login_that_may_only_read_the_file_gets_the_public_view() {
    if !running_as_root() {
        eprintln!("skipped: switching to another login needs root (CI runs as root)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    open_to_all(dir.path(), 0o755);
    let owner = dir.path().join("owner");
    let other = dir.path().join("other");
    std::fs::create_dir_all(&owner).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    open_to_all(&other, 0o777);
    let db = dir.path().join("lib.db");
    let o = carrel(&owner, &db, None, &["init", "--demo"]);
    assert!(o.status.success(), "{}", text(&o));
    // The owner lets others read it, as a library would with a group.
    open_to_all(&db, 0o644);
    // Any write by the owner afterwards gives the -wal and -shm files the database's mode.
    let o = carrel(&owner, &db, None, &["--as", "sam", "audit", "note", "opened to readers"]);
    assert!(o.status.success(), "{}", text(&o));
    for suffix in ["-wal", "-shm"] {
        let side = dir.path().join(format!("lib.db{suffix}"));
        let mode = std::fs::metadata(&side).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{suffix} follows the database's mode");
    }
    let before = entries(&db);

    for args in
        [&["status"][..], &["status", "--json"], &["seats"], &["queues"], &["staff", "policy"]]
    {
        let o = carrel(&other, &db, Some(NOBODY), args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
    }
    let o = carrel(&other, &db, Some(NOBODY), &["audit", "note", "hello"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("read-only for you"), "{}", text(&o));
    let o = carrel(&other, &db, Some(NOBODY), &["requests", "list"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(entries(&db), before, "nothing the reader did was written");

    // The console, in a terminal: the public view, and a clean exit.
    let setpriv = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let mut args: Vec<&str> = setpriv.to_vec();
    let bin = env!("CARGO_BIN_EXE_carrel");
    let db_arg = db.to_str().unwrap();
    args.extend([bin, "--db", db_arg]);
    let mut p = pty::Pty::spawn("setpriv", &args, 100, 30, &other, &[]);
    let wait = Duration::from_secs(20);
    p.wait_for("READ-ONLY", wait);
    p.send("6");
    p.wait_for("Audit log", wait);
    p.send("q");
    assert!(p.wait_exit(wait), "the console exits cleanly");
    assert_eq!(entries(&db), before);

    // Another SQLite program closing the database last removes the -wal and -shm files: the
    // reader is told why it cannot read, and what makes it work again.
    rusqlite::Connection::open(&db).unwrap().execute_batch("SELECT 1").unwrap();
    assert!(!dir.path().join("lib.db-wal").exists());
    let o = carrel(&other, &db, Some(NOBODY), &["status"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("run any carrel command on it once"), "{}", text(&o));
    let o = carrel(&owner, &db, None, &["status"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = carrel(&other, &db, Some(NOBODY), &["status"]);
    assert!(o.status.success(), "{}", text(&o));
}
