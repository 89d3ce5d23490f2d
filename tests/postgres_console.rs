//! Two consoles on one PostgreSQL database, signed in to the server as two different logins:
//! a committee member's vote decides a request, and the desk's console shows it decided
//! within two seconds (LISTEN/NOTIFY), without a restart.
#![allow(clippy::unwrap_used)]

mod common;

#[path = "common/pty.rs"]
mod pty;

use std::time::Duration;

use carrel::services::{identity, requests};
use chrono::Utc;
use pty::Pty;

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn a_vote_in_one_console_shows_in_another_within_two_seconds() {
    let Some((pg, url, mut store)) = common::backend::pg_library() else { return };
    let dana = identity::actor(&store, "dana").unwrap();
    let request = common::backend::row_level_request();
    let id = requests::file(&mut store, &dana, &request, false, Utc::now()).unwrap().id;
    for who in ["leo", "sue"] {
        let member = identity::actor(&store, who).unwrap();
        requests::vote(&mut store, &member, id, true, "", Utc::now()).unwrap();
    }
    drop(store);

    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let env = [("CARREL_CONFIG", config.to_str().unwrap())];
    let open = |who: &str| {
        let db = pg.url_as(&url, who);
        let p =
            Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &["--db", &db], 100, 30, home.path(), &env);
        p.wait_for("4 Governance", WAIT);
        p
    };
    let mut desk = open("dana");
    desk.send("4");
    desk.wait_for(&format!("#{id} submitted"), WAIT);

    let mut uma = open("uma");
    uma.send("4");
    uma.wait_for("Waiting for your vote", WAIT);
    uma.send("a");
    uma.wait_for(&format!("Approve request #{id}"), WAIT);
    uma.send("\r");
    uma.wait_for(&format!("request {id}: your approval"), WAIT);

    let screen = desk.wait_for(&format!("#{id} approved"), Duration::from_secs(2));
    assert!(screen.contains("dana"), "the desk's console names its login: {screen}");
    for mut p in [uma, desk] {
        p.send("q");
        assert!(p.wait_exit(WAIT));
        assert!(p.cooked());
    }
}
