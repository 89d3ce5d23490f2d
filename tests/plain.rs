//! The plain console in a pseudo-terminal, as a person would use it: the desk finds a seat,
//! releases a ghost, opens a window and looks a patron up; two committee members on one
//! database vote, each hearing the other's vote announced. Whatever the session wrote holds
//! no cursor movement, no erasing, no colour and no box drawing.
#![allow(clippy::unwrap_used)]

#[path = "common/pty.rs"]
mod pty;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use pty::Pty;

const WAIT: Duration = Duration::from_secs(30);
const BIN: &str = env!("CARGO_BIN_EXE_carrel");

/// The first field of item `n` of the list said after byte `at` ("3 of 12: 1N-014, ..." gives
/// "1N-014"), and where it ends.
fn item(p: &Pty, at: usize, n: usize) -> (String, usize) {
    let start = p.wait_text(&format!("\n{n} of "), at, WAIT);
    let end = p.wait_text("\n", start, WAIT);
    let line = p.text()[start..end].to_owned();
    let rest = line.split_once(": ").map_or("", |(_, r)| r);
    (rest.split(',').next().unwrap_or("").trim().to_owned(), end)
}

/// The items of the list said after byte `at`, up to the next prompt.
fn items(p: &Pty, at: usize) -> (Vec<String>, usize) {
    let end = p.wait_text("carrel> ", at, WAIT);
    let text = p.text()[at..end].to_owned();
    let lines = text
        .lines()
        .filter_map(|l| {
            l.split_once(" of ").and_then(|(_, r)| r.split_once(": ")).map(|(_, r)| r.to_owned())
        })
        .collect();
    (lines, end)
}

fn assert_plain(p: &Pty, who: &str) {
    if let Some(bad) = carrel::plain::text::forbidden(&p.bytes()) {
        panic!("{who}'s session wrote {bad}:\n{}", p.text());
    }
}

#[test]
fn the_desk_finds_releases_opens_a_window_and_looks_a_patron_up() {
    let home = tempfile::tempdir().unwrap();
    let args =
        ["demo", "--plain", "--seed", "3", "--speed", "0", "--start", "2026-11-18T11:00:00Z"];
    let mut p = Pty::spawn(BIN, &args, 80, 24, home.path(), &[]);
    let mut at = p.wait_text("Plain console for", 0, WAIT);
    at = p.wait_text("carrel> ", at, WAIT);

    p.send("help\r");
    at = p.wait_text("1 of ", at, WAIT);
    at = p.wait_text("more: enter or more says them", at, WAIT);
    p.send("help release\r");
    at = p.wait_text("release [SEAT]: release a ghost seat.", at, WAIT);
    at = p.wait_text("carrel> ", at, WAIT);
    p.send("help approve\r");
    at = p.wait_text("Not for your roles", at, WAIT);
    at = p.wait_text("carrel> ", at, WAIT);

    // Tab completes the command; the list of ghosts is numbered.
    p.send("gho\t");
    at = p.wait_text("ghosts ", at, WAIT);
    p.send("\r");
    let (ghost, after) = item(&p, at, 1);
    assert!(!ghost.is_empty(), "{}", p.text());
    at = p.wait_text("carrel> ", after, WAIT);

    p.send("find quiet\r");
    at = p.wait_text("free seat", at, WAIT);
    at = p.wait_text("carrel> ", at, WAIT);
    p.send("seats zone quiet free\r");
    let (free, after) = item(&p, at, 1);
    at = p.wait_text("carrel> ", after, WAIT);
    p.send(&format!("seat {free}\r"));
    at = p.wait_text(&free, at, WAIT);
    at = p.wait_text("carrel> ", at, WAIT);

    p.send(&format!("release {ghost}\r"));
    at = p.wait_text(&format!("Release seat {ghost}"), at, WAIT);
    p.send("yes\r");
    at = p.wait_text(&format!("released {ghost}"), at, WAIT);
    at = p.wait_text("carrel> ", at, WAIT);

    // A closed window, opened: with whoever is free when it has nobody at it.
    p.send("queues\r");
    let (windows, after) = items(&p, at);
    at = after;
    let closed = windows
        .iter()
        .find(|w| w.contains("closed"))
        .unwrap_or_else(|| panic!("no closed window in {windows:?}"));
    let id = closed.split(',').next().unwrap().trim().to_owned();
    p.send(&format!("open {id}\r"));
    let text_from = at;
    let question = p.wait_text("? ", text_from, WAIT);
    if p.text()[text_from..question].contains("Who staffs") {
        p.send("1\r");
        at = p.wait_text("yes or no", question, WAIT);
    } else {
        at = question;
    }
    p.send("yes\r");
    at = p.wait_text(": done", at, WAIT);
    at = p.wait_text("carrel> ", at, WAIT);

    // A made-up patron of the demo, looked up for circulation.
    let cards = carrel::cli::init::demo_cards(3);
    p.send(&format!("lookup {} for circulation\r", cards[0]));
    at = p.wait_text("circulation", at, WAIT);
    at = p.wait_text("carrel> ", at, WAIT);
    assert!(!p.text()[at.saturating_sub(2000)..].contains("cannot look"), "{}", p.text());

    p.send("quit\r");
    p.wait_text("bye", at, WAIT);
    assert!(p.wait_exit(WAIT), "carrel should exit cleanly");
    assert!(p.cooked(), "the terminal is back in line mode");
    assert_plain(&p, "the desk");
}

/// `carrel ARGS`, which must succeed: its output.
fn carrel(home: &Path, args: &[&str]) -> String {
    let out = carrel_with_input(home, args, std::process::Stdio::null());
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A demo database made with `carrel init --demo` in `home`: its path.
fn demo_database(home: &Path) -> String {
    let db = home.join("library.db").to_str().unwrap().to_owned();
    carrel(home, &["init", "--demo", "--db", &db]);
    db
}

/// The plain console as `login` on `db`, with `script` piped in.
fn plain_script(home: &Path, db: &str, login: &str, script: &str) -> std::process::Output {
    let file = home.join(format!("script-{login}.txt"));
    std::fs::write(&file, script).unwrap();
    carrel_with_input(
        home,
        &["--db", db, "--as", login, "--plain"],
        std::fs::File::open(&file).unwrap().into(),
    )
}

#[test]
fn committee_members_on_one_database_hear_each_others_votes() {
    let home = tempfile::tempdir().unwrap();
    let db = demo_database(home.path());
    let db = db.as_str();
    let filed = carrel(
        home.path(),
        &[
            "--db",
            db,
            "--as",
            "dana",
            "requests",
            "file",
            "--title",
            "Visits per hour",
            "--purpose",
            "opening hours",
            "--kinds",
            "visits",
            "--fields",
            "zone,hour",
            "--scope",
            "aggregate",
            "--epsilon",
            "0.5",
            "--retention-days",
            "30",
            "--legal-basis",
            "public-task",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&filed).unwrap();
    let id = v["id"].as_u64().unwrap();

    // Uma's terminal is dumb, so she gets the plain console without asking for it.
    let mut uma =
        Pty::spawn(BIN, &["--db", db, "--as", "uma"], 80, 24, home.path(), &[("TERM", "dumb")]);
    let mut leo =
        Pty::spawn(BIN, &["--db", db, "--as", "leo", "--plain"], 100, 30, home.path(), &[]);
    let mut u = uma.wait_text("carrel> ", 0, WAIT);
    let mut l = leo.wait_text("carrel> ", 0, WAIT);

    uma.send("mine\r");
    u = uma.wait_text(&format!("request {id}"), u, WAIT);
    uma.send(&format!("approve {id}\r"));
    u = uma.wait_text(&format!("request {id}"), u, WAIT);
    u = uma.wait_text("carrel> ", u, WAIT);
    l = leo.wait_text(&format!("request {id}: uma for the user committee approved it"), l, WAIT);

    leo.send(&format!("deny {id}\r"));
    l = leo.wait_text(&format!("Reason for denying request {id}"), l, WAIT);
    leo.send("cancel\r");
    l = leo.wait_text("cancelled", l, WAIT);
    leo.send(&format!("approve {id} reason fine by the library\r"));
    l = leo.wait_text("carrel> ", l, WAIT);
    u = uma.wait_text(&format!("request {id}: leo for the library approved it"), u, WAIT);

    // The supplier decides it from the command line; both consoles hear it.
    carrel(home.path(), &["--db", db, "--as", "sue", "requests", "approve", &id.to_string()]);
    u = uma.wait_text(&format!("request {id} approved"), u, WAIT);
    l = leo.wait_text(&format!("request {id} approved"), l, WAIT);

    for (p, at) in [(&mut uma, u), (&mut leo, l)] {
        p.send("quit\r");
        p.wait_text("bye", at, WAIT);
        assert!(p.wait_exit(WAIT));
    }
    assert_plain(&uma, "uma");
    assert_plain(&leo, "leo");
}

/// Runs `carrel ARGS` with `input` as standard input (a file), in `home`.
fn carrel_with_input(
    home: &Path,
    args: &[&str],
    input: std::process::Stdio,
) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .stdin(input)
        .output()
        .unwrap()
}

#[test]
fn piped_commands_are_all_answered_and_bad_input_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let db = demo_database(home.path());
    let db = db.as_str();

    // Lines piped in are carried out in order, before the end of the input ends the session.
    let script = "whoami\nrequests\nrequest 3\nrelase 3\napprove 3\n";
    let o = plain_script(home.path(), db, "dana", script);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("You are dana (Dana Desk), desk."), "{out}");
    assert!(out.contains("1 of 3: request 3, submitted"), "{out}");
    assert!(out.contains("no command 'relase'; did you mean release?"), "{out}");
    // The console's own refusal, and the attempt is in the audit log.
    assert!(out.contains("cannot vote on a data request: needs the committee role"), "{out}");
    let log = carrel(home.path(), &["--db", db, "--as", "ada", "audit", "log", "--json"]);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&log).unwrap();
    assert!(
        entries.iter().any(|e| e["action"] == "request.vote"
            && e["object"] == "request:3"
            && e["outcome"] == "denied"
            && e["actor"] == "dana"),
        "{log}"
    );
    assert!(carrel::plain::text::forbidden(&o.stdout).is_none());

    // Whoever is not on the staff list gets the read-only view, and the console's refusal.
    let o = carrel_with_input(
        home.path(),
        &["--db", db, "--plain"],
        std::fs::File::open(home.path().join("script-dana.txt")).unwrap().into(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(", a read-only view."), "{out}");
    assert!(out.contains("cannot vote on a data request: read-only view"), "{out}");

    // A line that never ends is bad input, said and refused, not read into memory.
    let o = carrel_with_input(
        home.path(),
        &["--db", db, "--as", "dana", "--plain"],
        std::fs::File::open("/dev/zero").unwrap().into(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("standard input: a line is longer than 4096 bytes"), "{err}");

    // --plain is the console's; other commands refuse it.
    let o = carrel_with_input(
        home.path(),
        &["--plain", "--db", db, "seats"],
        std::process::Stdio::null(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--plain: only the console takes it"));

    // A mode that is not one is a configuration error naming the file and the key.
    let cfg = home.path().join("bad.toml");
    std::fs::write(&cfg, "[ui]\nmode = \"quiet\"\nannounce = \"loud\"\n").unwrap();
    let o = carrel_with_input(
        home.path(),
        &["--config", cfg.to_str().unwrap(), "--db", db, "--plain"],
        std::process::Stdio::null(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml") && err.contains("'quiet' is not one of full, plain"), "{err}");
}

/// What `help` says, every page, to a demo login on `db`.
fn help_of(home: &Path, db: &str, login: &str) -> String {
    let o = plain_script(home, db, login, "help\nmore\nmore\nmore\nmore\nmore\nmore\n");
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn every_action_of_the_table_is_in_the_help_of_a_role_that_may_use_it() {
    use carrel::domain::staff::{Grant, Party, Role};
    use carrel::tui::keymap::TABLE;
    let home = tempfile::tempdir().unwrap();
    let db = demo_database(home.path());
    let db = db.as_str();
    let logins = [
        ("dana", Grant { role: Role::Desk, party: None }),
        ("sam", Grant { role: Role::Sysadmin, party: None }),
        ("uma", Grant { role: Role::Committee, party: Some(Party::UserCommittee) }),
        ("ada", Grant { role: Role::Auditor, party: None }),
    ];
    let helps: Vec<(&str, Grant, String)> =
        logins.iter().map(|(l, g)| (*l, *g, help_of(home.path(), db, l))).collect();
    for e in TABLE {
        let (login, _, help) = helps
            .iter()
            .find(|(_, g, _)| {
                e.needs.is_none_or(|p| carrel::domain::policy::permitting_role(&[*g], p).is_some())
            })
            .unwrap_or_else(|| panic!("no demo login may {}", e.name));
        // Listed as a command of its own, or among the moves of the list line; not among
        // those the roles do not allow.
        let listed = help.lines().filter(|l| !l.contains("Not for your roles")).any(|l| {
            let item = l.split_once(": ").map_or(l, |(_, rest)| rest);
            let item =
                item.split_once(". ").filter(|(g, _)| !g.contains(' ')).map_or(item, |(_, r)| r);
            item.starts_with(&format!("{} ", e.name))
                || item.starts_with(&format!("{}:", e.name))
                || (item.contains("move through the list")
                    && item.contains(&format!("{},", e.name)))
                || (item.contains("move through the list")
                    && item.contains(&format!("{}:", e.name)))
        });
        assert!(listed, "{} is not in {login}'s help:\n{help}", e.name);
    }
}
