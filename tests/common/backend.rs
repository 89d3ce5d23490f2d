//! One set of services-level tests, run on both backends.
//!
//! A test makes its database with [`create_store`] and opens it again with [`open_store`],
//! naming it by a path as it always has. On SQLite that path is the database file. When the
//! test process runs with `CARREL_TEST_BACKEND=postgres`, each path instead names a fresh
//! database on the throwaway PostgreSQL cluster ([`super::pg`]): the file at the path holds
//! that database's URL, so other processes of the test (its children, the carrel binary
//! through [`db_arg`]) find the same database.
//!
//! Each suite has one test that runs the whole binary again on PostgreSQL
//! ([`rerun_on_postgres`]), so `cargo test` covers both.

use std::path::Path;

use carrel::store::{Location, Store, StoreOptions, pg::PgTarget};

const BACKEND_VAR: &str = "CARREL_TEST_BACKEND";

/// Whether this test process keeps its databases on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(BACKEND_VAR).is_ok_and(|v| v == "postgres")
}

/// A new database named by `path`: the SQLite file, or a fresh PostgreSQL database whose URL
/// is written to `path`. On PostgreSQL the creator is the server's login for the session and
/// no database is a demo (demos are SQLite's), so `demo` and `creator` apply to SQLite only.
pub fn create_store(path: &Path, demo: bool, creator: &str) -> Store {
    if !on_postgres() {
        return Store::create(path, demo, creator, StoreOptions::default()).unwrap();
    }
    let server = super::pg::server().expect("CARREL_TEST_BACKEND=postgres without a server");
    let url = server.fresh_database();
    std::fs::write(path, &url).unwrap();
    let system = [carrel::services::alerts::ENGINE, carrel::services::review::SAMPLER];
    Store::create_server(&target(&url), &system).unwrap()
}

/// A database for one test that no other process opens: in memory on SQLite, a fresh
/// database on PostgreSQL.
pub fn scratch_store() -> Store {
    if !on_postgres() {
        return Store::open_in_memory().unwrap();
    }
    let server = super::pg::server().expect("CARREL_TEST_BACKEND=postgres without a server");
    let system = [carrel::services::alerts::ENGINE, carrel::services::review::SAMPLER];
    Store::create_server(&target(&server.fresh_database()), &system).unwrap()
}

/// The database [`create_store`] made for `path`, opened again.
pub fn open_store(path: &Path) -> Store {
    Store::open_at(&location(path), StoreOptions::default()).unwrap()
}

/// Where the database named by `path` is.
pub fn location(path: &Path) -> Location {
    if on_postgres() {
        Location::Server(target(&std::fs::read_to_string(path).unwrap()))
    } else {
        Location::File(path.to_owned())
    }
}

/// What to give the carrel binary's `--db` for the database named by `path`.
pub fn db_arg(path: &Path) -> String {
    if on_postgres() {
        std::fs::read_to_string(path).unwrap()
    } else {
        path.to_str().unwrap().to_owned()
    }
}

fn target(url: &str) -> PgTarget {
    PgTarget::parse(url, None, None).unwrap()
}

/// Runs every other test of this binary again with its databases on PostgreSQL, and fails
/// with their output when any fails. Without PostgreSQL binaries it says so in one line and
/// passes (unless `CARREL_REQUIRE_POSTGRES=1`, see [`super::pg::server`]).
pub fn rerun_on_postgres(this_test: &str) {
    if on_postgres() || super::pg::server().is_none() {
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--skip", this_test, "--test-threads=2"])
        .env(BACKEND_VAR, "postgres")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "on PostgreSQL:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("test result: ok"), "on PostgreSQL, no tests ran:\n{stdout}");
}
