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
    p.wait_for("their keys", WAIT);
    p.send("\x1b");
    p.wait_gone("their keys", WAIT);
    p.send("1");
    p.wait_for("Ghost seats", WAIT);

    p.release_first_ghost(WAIT);

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

/// A patron of `seed`'s simulated library, with or without consent to recommendations.
fn sim_patron(seed: u64, consents: bool) -> carrel::sim::SimPatron {
    carrel::sim::patrons(seed)
        .into_iter()
        .find(|p| p.consents_to_recommendations == consents)
        .unwrap()
}

/// Looks `card` up from the Patrons tab. The demo seeds its patrons beside the start-up, so a
/// lookup in the first moments may not find them yet: the box then says so, and it is tried
/// again.
fn look_up(p: &mut Pty, card: &str) -> String {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        p.send("l");
        p.wait_for("Look up a patron", WAIT);
        p.send(card);
        p.send("\r");
        let start = std::time::Instant::now();
        loop {
            let screen = p.screen();
            if screen.contains("looked up for circulation") && !screen.contains("Look up a patron")
            {
                return screen;
            }
            if screen.contains("no patron with that card") || start.elapsed() > WAIT {
                p.send("\x1b");
                p.wait_gone("Look up a patron", WAIT);
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(std::time::Instant::now() < deadline, "the lookup never found {card}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The desk looks up a patron who consents: the card, the profile and the API's
/// recommendations; `c` clears them; a patron who withdrew consent shows neither.
#[test]
fn patrons_tab_looks_up_shows_the_api_recommendations_and_clears() {
    let home = tempfile::tempdir().unwrap();
    let args =
        ["--as", "dana", "demo", "--seed", "2", "--speed", "0", "--start", "2026-11-18T11:00:00Z"];
    let mut p = Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &args, 100, 30, home.path(), &[]);
    p.wait_for("Ghost seats", WAIT);
    p.send("5");
    p.wait_for("No patron on screen", WAIT);

    // The tab suggests a card of the demo's own patrons, one who consents, once it is seeded;
    // it is looked up as printed, in groups of four.
    let patron = sim_patron(2, true);
    let grouped: Vec<String> =
        patron.card.chars().collect::<Vec<_>>().chunks(4).map(|c| c.iter().collect()).collect();
    let grouped = grouped.join(" ");
    p.wait_for(&format!("demo database: try card {grouped}"), WAIT);
    let screen = look_up(&mut p, &grouped);
    assert!(screen.contains(&format!("{}  card {}", patron.name, patron.card)), "{screen}");
    assert!(screen.contains("consent: profiling ✓ granted"), "{screen}");
    p.wait_for("Interest profile · half-life 90 days", WAIT);
    // The training mode comes with the model card, which the feeds may not have read yet.
    p.wait_for("from the recommendation API · model recs-2026.11.1 (", WAIT);
    p.wait_for("  1. ", WAIT);

    // A card the directory does not hold: the box stays with the card and the answer, and
    // the patron stays on screen.
    p.send("l");
    p.wait_for("Look up a patron", WAIT);
    p.send("2900 0000 0000\r");
    let screen = p.wait_for("! no patron with that card", WAIT);
    assert!(screen.contains("2900 0000 0000▏"), "{screen}");
    assert!(screen.contains(&patron.name), "{screen}");
    p.send("\x1b");
    p.wait_gone("Look up a patron", WAIT);

    // The whole page: enter, then scroll to its end; esc goes back.
    p.send("\r");
    p.wait_for("esc back", WAIT);
    p.send("\x1b");
    p.wait_gone("esc back", WAIT);
    p.send("c");
    p.wait_for("patron cleared from the screen", WAIT);
    p.wait_for("No patron on screen", WAIT);
    assert!(!p.screen().contains(&patron.name));

    let refuser = sim_patron(2, false);
    look_up(&mut p, &refuser.card);
    p.wait_for("⊘ withheld — the patron withdrew consent to profiling", WAIT);
    p.wait_for("⊘ withheld — the patron withdrew consent to recommendations", WAIT);
    p.send("q");
    assert!(p.wait_exit(WAIT));
    assert!(p.cooked());
}

/// Kills the simulator when the test ends, however it ends.
struct Sim(std::process::Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// With the recommendation API answering errors, the desk sees recommendations from carrel's
/// own model, marked as the local fallback with the API's failure. The demo has no fault
/// injection of its own, so this runs the console on a demo database against `carrel sim
/// --faults recs:errors` (40% of its answers are 5xx): the patron is looked up again (`L`)
/// until an answer has failed.
#[test]
fn patrons_tab_marks_the_local_fallback_when_the_recommendation_api_fails() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let db = home.path().join("c.db");
    let (config, db) = (config.to_str().unwrap(), db.to_str().unwrap());
    let carrel = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_carrel"));
        c.env_clear()
            .env("HOME", home.path())
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("CARREL_CONFIG", config);
        c
    };
    // `init --demo` seeds the patrons of seed 1 under the site key the simulator of seed 1 uses.
    let init = carrel().args(["init", "--demo", "--db", db]).output().unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let mut sim = Sim(carrel()
        .args(["sim", "--listen", "127.0.0.1:0", "--speed", "0", "--seed", "1"])
        .args(["--faults", "recs:errors", "--start", "2026-11-18T11:00:00Z"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap());
    let mut line = String::new();
    BufReader::new(sim.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect(&line).to_owned();

    let env = [("CARREL_CONFIG", config), ("CARREL_RECS_URL", url.as_str())];
    let args = ["--db", db, "--as", "dana"];
    let mut p = Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &args, 100, 30, home.path(), &env);
    p.wait_for("5 Patrons", WAIT);
    // The console's ingest backtests the local recommenders on the demo's loans first thing;
    // the fallback then uses the one it chose.
    let chosen = {
        let conn = rusqlite::Connection::open(db).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let model: Option<String> =
                conn.query_row("SELECT model FROM recs_choice", [], |r| r.get(0)).ok();
            if let Some(m) = model {
                break carrel::domain::recs::ModelKind::from_key(&m).unwrap();
            }
            assert!(std::time::Instant::now() < deadline, "no recommender was chosen");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    p.send("5");
    p.wait_for("No patron on screen", WAIT);
    let patron = sim_patron(1, true);
    look_up(&mut p, &patron.card);
    let mut tries = 0;
    let screen = loop {
        let deadline = std::time::Instant::now() + WAIT;
        let screen = loop {
            let s = p.screen();
            if s.contains("LOCAL FALLBACK") || s.contains("from the recommendation API") {
                break s;
            }
            assert!(std::time::Instant::now() < deadline, "no recommendations came:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        };
        if screen.contains("LOCAL FALLBACK") {
            break screen;
        }
        tries += 1;
        assert!(tries < 40, "the API never failed in {tries} tries");
        p.send("L"); // look the patron up again
        p.wait_gone("from the recommendation API", WAIT);
    };
    assert!(screen.contains("⚠ LOCAL FALLBACK — the recommendation API: HTTP 5"), "{screen}");
    let provenance =
        format!("from carrel {} over local loans, chosen by backtest", chosen.spoken());
    assert!(screen.contains(&provenance), "{provenance}:\n{screen}");
    assert!(screen.contains("  1. "), "{screen}");
    p.send("q");
    assert!(p.wait_exit(WAIT));
    assert!(p.cooked());
}
