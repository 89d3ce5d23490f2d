//! The real binary in a pseudo-terminal: `carrel demo`, switch tabs, open help, release a
//! ghost seat, quit, and find the terminal as it was.
#![allow(clippy::unwrap_used)]

#[path = "common/pty.rs"]
mod pty;

use std::time::Duration;

use pty::Pty;

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn demo_tabs_help_release_and_quit_restore_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let args = ["demo", "--seed", "3", "--speed", "0", "--start", "2026-11-18T11:00:00Z"];
    let mut p = Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &args, 100, 30, home.path(), &[]);
    p.wait_for("Ghost seats", WAIT);
    p.wait_for("sensors ok", WAIT);
    let screen = p.wait_for("◌", WAIT);
    assert!(screen.contains("taken"), "{screen}");

    p.send("6");
    p.wait_for("Database", WAIT);
    p.wait_for("sensor.seats", WAIT);
    p.send("?");
    p.wait_for("show the keys", WAIT);
    p.send("\x1b");
    p.wait_gone("show the keys", WAIT);
    p.send("1");
    p.wait_for("Ghost seats", WAIT);

    // Focus the ghost list; the first row is the seat to release.
    p.send("g");
    let screen = p.wait_for("▸ Ghost seats", WAIT);
    let first = screen
        .lines()
        .skip_while(|l| !l.contains("▸ Ghost seats"))
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .to_owned();
    p.send("r");
    p.wait_for("Release seat", WAIT);
    p.send("y");
    p.wait_for(&format!("released {first}"), WAIT);

    p.send("q");
    assert!(p.wait_exit(WAIT), "carrel should exit cleanly");
    let out = String::from_utf8_lossy(&p.bytes()).into_owned();
    let entered = out.rfind("\u{1b}[?1049h").expect("entered the alternate screen");
    let left = out.rfind("\u{1b}[?1049l").expect("left the alternate screen");
    assert!(left > entered, "the alternate screen was left after it was entered");
    let shown = out.rfind("\u{1b}[?25h").expect("cursor shown again");
    assert!(shown > entered);
    assert!(p.cooked(), "raw mode is off after quitting");
}

#[test]
fn sigterm_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let args = ["demo", "--seed", "4", "--speed", "0", "--start", "2026-11-18T11:00:00Z"];
    let mut p = Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &args, 80, 24, home.path(), &[]);
    p.wait_for("Ghost seats", WAIT);
    let pid = p.pid().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(p.wait_exit(WAIT));
    let out = String::from_utf8_lossy(&p.bytes()).into_owned();
    assert!(out.rfind("\u{1b}[?1049l") > out.rfind("\u{1b}[?1049h"));
    assert!(p.cooked());
}

/// On the Queues tab, put someone else at a window: pick them, confirm, and the window shows
/// them once the simulator has confirmed the change.
#[test]
fn queues_tab_reassigns_a_window_and_the_simulator_confirms() {
    let home = tempfile::tempdir().unwrap();
    let args = ["demo", "--seed", "4", "--speed", "0", "--start", "2026-11-18T11:00:00Z"];
    let mut p = Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &args, 100, 30, home.path(), &[]);
    p.wait_for("Ghost seats", WAIT);
    p.send("2");
    let screen = p.wait_for("circulation", WAIT);
    let row = screen.lines().find(|l| l.contains("circ-1")).unwrap().to_owned();
    assert!(row.contains("open"), "{row}");
    p.send("a");
    let picker = p.wait_for("Staff on duty", WAIT);
    let who = picker
        .lines()
        .skip_while(|l| !l.contains("with:"))
        .nth(1)
        .and_then(|l| l.split('│').nth(1))
        .and_then(|inside| inside.split_whitespace().next())
        .unwrap()
        .to_owned();
    p.send("\r");
    p.wait_for(&format!("put {who} at Circulation desk 1?"), WAIT);
    p.send("y");
    p.wait_for("Circulation desk 1: done", WAIT);
    // The tab reloads after the change; the row shows the new staff once it has.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let screen = p.screen();
        let row = screen.lines().find(|l| l.contains("circ-1")).unwrap_or_default().to_owned();
        if row.contains(&who) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the window shows {who} after the change: {row}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    p.send("q");
    assert!(p.wait_exit(WAIT));
}

#[test]
fn alerts_tab_acknowledges_an_alert() {
    let home = tempfile::tempdir().unwrap();
    let args =
        ["--as", "ada", "demo", "--seed", "5", "--speed", "0", "--start", "2026-11-18T11:00:00Z"];
    let mut p = Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &args, 100, 30, home.path(), &[]);
    p.wait_for("Ghost seats", WAIT);
    // The demo's seeded history holds loans past their retention period: the rules raise it.
    p.wait_for("3 Alerts (", WAIT);
    p.send("3");
    p.wait_for(" active alert", WAIT);
    let screen = p.wait_for("evidence", WAIT);
    let row = screen.lines().find(|l| l.starts_with('▸')).unwrap().to_owned();
    let id = row.split('#').nth(1).and_then(|s| s.split_whitespace().next()).unwrap().to_owned();
    assert!(row.contains("open"), "{row}");
    p.send("a");
    p.wait_for(&format!("Acknowledge alert {id}"), WAIT);
    p.send("purge booked for tonight\r");
    p.wait_for(&format!("alert {id} is now acknowledged"), WAIT);
    let screen = p.screen();
    let row = screen.lines().find(|l| l.contains(&format!("#{id} "))).unwrap();
    assert!(row.contains("acknowledged"), "{row}");
    p.wait_for("purge booked for tonight", WAIT);
    p.send("q");
    assert!(p.wait_exit(WAIT));
}

/// Four consoles on one demo database: the desk files a data request from the Governance tab's
/// form, a member of each committee party approves it from their own console, and the first
/// console shows it approved without a restart.
#[test]
fn governance_request_filed_in_one_console_is_approved_from_three_others() {
    let home = tempfile::tempdir().unwrap();
    // An empty configuration: no APIs to poll, and no user configuration read.
    let config = home.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let db = home.path().join("c.db");
    let (config, db) = (config.to_str().unwrap(), db.to_str().unwrap());
    let init = std::process::Command::new(env!("CARGO_BIN_EXE_carrel"))
        .args(["init", "--demo", "--db", db])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("CARREL_CONFIG", config)
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let env = [("CARREL_CONFIG", config)];
    let open = |who: &str| {
        let args = ["--db", db, "--as", who];
        let p = Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &args, 100, 30, home.path(), &env);
        p.wait_for("4 Governance", WAIT);
        p
    };

    let mut desk = open("dana");
    desk.send("4");
    // The demo database starts with three requests; this one is the fourth.
    desk.wait_for("#3 submitted", WAIT);
    desk.send("n");
    desk.wait_for("File a data request", WAIT);
    desk.send("Visits per zone by hour\tHeating plan for the reading rooms\tvisits\tzone, hour");
    desk.wait_for("zone, hour▏", WAIT);
    desk.send("\x13"); // ctrl-s files it
    desk.wait_for("filed request 4", WAIT);
    desk.wait_for("#4 submitted", WAIT);

    for who in ["uma", "leo", "sue"] {
        let mut member = open(who);
        member.send("4");
        member.wait_for("Waiting for your vote", WAIT);
        member.wait_for("#4 submitted", WAIT);
        member.send("a");
        member.wait_for("Approve request #4", WAIT);
        member.send("\r");
        member.wait_for("request 4: your approval", WAIT);
        member.send("q");
        assert!(member.wait_exit(WAIT), "{who}'s console should exit cleanly");
    }

    // Another console's change shows within a few seconds, without a restart.
    let screen = desk.wait_for("#4 approved", Duration::from_secs(5));
    assert!(screen.contains("✓ approved by sue"), "{screen}");
    desk.send("q");
    assert!(desk.wait_exit(WAIT));
    assert!(desk.cooked());
}
