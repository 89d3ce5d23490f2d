//! The PostgreSQL test harness itself (tests/common/pg.rs): a fresh database answers over the
//! unix socket, and the server takes new connections after a restart.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{PoisonError, RwLock};

/// The restart test holds this for writing, the others for reading, so no query of theirs
/// meets the restart.
static SERVER: RwLock<()> = RwLock::new(());

/// Connects to `url` and asks for `SELECT 1`.
fn select_one(url: &str) -> i32 {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client.query_one("SELECT 1", &[]).unwrap().get(0)
}

#[test]
fn a_fresh_database_answers_over_the_socket() {
    let Some(pg) = common::pg::server() else { return };
    let _shared = SERVER.read().unwrap_or_else(PoisonError::into_inner);
    let url = pg.fresh_database();
    assert_eq!(select_one(&url), 1);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let over_socket: bool =
        client.query_one("SELECT inet_server_addr() IS NULL", &[]).unwrap().get(0);
    assert!(over_socket, "{url} connected over TCP, not the unix socket");
}

#[test]
fn a_new_connection_succeeds_after_a_restart() {
    let Some(pg) = common::pg::server() else { return };
    let _alone = SERVER.write().unwrap_or_else(PoisonError::into_inner);
    let url = pg.fresh_database();
    let mut before = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    pg.restart();
    assert!(before.query_one("SELECT 1", &[]).is_err(), "the restart cut open connections");
    assert_eq!(select_one(&url), 1);
}
