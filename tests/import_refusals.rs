//! Files given to the real binary that carrel refuses, and those it takes: a key file that is
//! not a regular file is called that (not "chmod 600 /dev/null"); `-` reads a CSV file from
//! standard input.
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
