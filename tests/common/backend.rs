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
    let url = server_with_logins().fresh_database();
    std::fs::write(path, &url).unwrap();
    Store::create_server(&target(&url), &carrel::services::database::SYSTEM_ACTORS).unwrap()
}

/// A database for one test that no other process opens: in memory on SQLite, a fresh
/// database on PostgreSQL.
pub fn scratch_store() -> Store {
    if !on_postgres() {
        return Store::open_in_memory().unwrap();
    }
    Store::create_server(
        &target(&server_with_logins().fresh_database()),
        &carrel::services::database::SYSTEM_ACTORS,
    )
    .unwrap()
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

/// The carrel binary's arguments to act on the database named by `path` as `who`: on SQLite
/// `--db PATH --as WHO` (the database is a demo), on PostgreSQL `--db URL` with `who` as the
/// login the server authenticates (`--as` is refused there).
pub fn db_args_as(path: &Path, who: &str) -> Vec<String> {
    if on_postgres() {
        let url = std::fs::read_to_string(path).unwrap();
        let (scheme, rest) = url.split_once("://").unwrap();
        let rest = rest.split_once('@').map_or(rest, |(_, host)| host);
        vec!["--db".into(), format!("{scheme}://{who}@{rest}")]
    } else {
        vec!["--db".into(), path.to_str().unwrap().into(), "--as".into(), who.into()]
    }
}

/// Runs `sql` on the database named by `path` around carrel, as its owner would with
/// sqlite3 or psql in hand.
pub fn as_owner(path: &Path, sql: &str) {
    if on_postgres() {
        let url = std::fs::read_to_string(path).unwrap();
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client.batch_execute(sql).unwrap();
    } else {
        rusqlite::Connection::open(path).unwrap().execute_batch(sql).unwrap();
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

/// The staff logins the suites add: on PostgreSQL a staff member is a login role of the
/// server, so these exist (once per test process) before any test adds them.
const LOGINS: &[&str] = &[
    "sam",
    "dana",
    "ada",
    "rita",
    "uma",
    "leo",
    "sue",
    "x1",
    "x2",
    "x3",
    "target",
    "root",
    "test",
    "user_committee1",
    "user_committee2",
    "user_committee3",
    "library1",
    "library2",
    "library3",
    "supplier1",
    "supplier2",
    "supplier3",
    "admin",
    "sitting",
    "stranger",
];

/// `LOGINS`, and the logins the policy suite makes per role and per pair of roles.
fn all_logins() -> Vec<String> {
    let roles = ["desk", "sysadmin", "committee", "auditor"];
    let mut all: Vec<String> = LOGINS.iter().map(|l| (*l).to_owned()).collect();
    for a in roles {
        all.push(format!("as-{a}"));
        for b in roles {
            all.push(format!("sod-{a}-{b}"));
        }
    }
    all
}

/// The throwaway cluster with the suites' logins made (see `LOGINS`).
pub fn server_with_logins() -> &'static super::pg::PgServer {
    static MADE: std::sync::Once = std::sync::Once::new();
    let server = super::pg::server().expect("CARREL_TEST_BACKEND=postgres without a server");
    MADE.call_once(|| {
        let sql: String = all_logins()
            .iter()
            .map(|l| {
                format!(
                    "DO $$ BEGIN CREATE ROLE \"{l}\" LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
                )
            })
            .collect();
        server.admin(&sql);
    });
    server
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

/// A library on a fresh server database made by the superuser (its owner): sam the
/// sysadmin, dana at the desk, ada the auditor, and one committee member per party (uma, leo,
/// sue), each signing in as its own login. The owner's URL and the store.
pub fn pg_library() -> Option<(&'static super::pg::PgServer, String, Store)> {
    use carrel::domain::staff::{Party, Role};
    use carrel::services::{identity, staff};
    super::pg::server()?;
    let pg = server_with_logins();
    let url = pg.fresh_database();
    let mut store =
        Store::create_server(&target(&url), &carrel::services::database::SYSTEM_ACTORS).unwrap();
    staff::bootstrap(&mut store, "sam", "Sam", Role::Sysadmin, None).unwrap();
    let sam = identity::actor(&store, "sam").unwrap();
    for (login, role) in [("dana", Role::Desk), ("ada", Role::Auditor)] {
        staff::add(&mut store, &sam, login, login).unwrap();
        staff::grant(&mut store, &sam, login, role, None).unwrap();
    }
    for (login, party) in
        [("uma", Party::UserCommittee), ("leo", Party::Library), ("sue", Party::Supplier)]
    {
        staff::bootstrap(&mut store, login, login, Role::Committee, Some(party)).unwrap();
    }
    Some((pg, url, store))
}

/// A row-level request for visits by zone, a week to decide.
pub fn row_level_request() -> carrel::domain::governance::NewRequest {
    use carrel::domain::governance::{DataKind, LegalBasis, NewRequest, Scope};
    NewRequest {
        title: "Visits by zone".into(),
        purpose: "Space planning".into(),
        kinds: vec![DataKind::Visits],
        fields: vec!["zone".into()],
        scope: Scope::RowLevel,
        retention_days: 30,
        legal_basis: LegalBasis::PublicTask,
        expires: chrono::Utc::now() + chrono::Duration::days(7),
        epsilon: None,
    }
}

/// Names an empty database by `path` for `carrel init --db` to make its schema in: nothing to
/// do on SQLite (init makes the file), a fresh PostgreSQL database whose URL is written to
/// `path` (init then runs as its owner, the server's superuser).
pub fn new_database(path: &Path) {
    if on_postgres() {
        std::fs::write(path, server_with_logins().fresh_database()).unwrap();
    }
}

/// A copy of the database named by `from`, as it is now, named by `to`: the file with its
/// write-ahead log folded in, or a PostgreSQL database made from it as a template (nothing may
/// be connected to it, so only between runs of the binary).
pub fn copy_database(from: &Path, to: &Path) {
    if !on_postgres() {
        let conn = rusqlite::Connection::open(from).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
        drop(conn);
        std::fs::copy(from, to).unwrap();
        return;
    }
    let url = std::fs::read_to_string(from).unwrap();
    std::fs::write(to, server_with_logins().copy_database(&url)).unwrap();
}

/// The one value `sql` reads from the database named by `path`, as its owner.
pub fn owner_i64(path: &Path, sql: &str) -> i64 {
    if on_postgres() {
        pg_owner(path).query_one(sql, &[]).unwrap().get(0)
    } else {
        rusqlite::Connection::open(path).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// The one text value `sql` reads from the database named by `path`, as its owner.
pub fn owner_text(path: &Path, sql: &str) -> String {
    if on_postgres() {
        pg_owner(path).query_one(sql, &[]).unwrap().get(0)
    } else {
        rusqlite::Connection::open(path).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// The first column of every row `sql` reads, as text.
pub fn owner_texts(path: &Path, sql: &str) -> Vec<String> {
    if on_postgres() {
        pg_owner(path).query(sql, &[]).unwrap().iter().map(|r| r.get(0)).collect()
    } else {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }
}

/// The first column of every row `sql` reads, as bytes (a BLOB or BYTEA column).
pub fn owner_blobs(path: &Path, sql: &str) -> Vec<Vec<u8>> {
    if on_postgres() {
        pg_owner(path).query(sql, &[]).unwrap().iter().map(|r| r.get(0)).collect()
    } else {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }
}

/// A text value as an SQL literal both backends read the same way.
pub fn sql_text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Bytes as an SQL literal: `X'…'` on SQLite, `'\x…'::bytea` on PostgreSQL.
pub fn sql_blob(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if on_postgres() { format!("'\\x{hex}'::bytea") } else { format!("X'{hex}'") }
}

fn pg_owner(path: &Path) -> postgres::Client {
    let url = std::fs::read_to_string(path).unwrap();
    postgres::Client::connect(&url, postgres::NoTls).unwrap()
}

/// A database named by `db` with what `carrel init --demo` gives, for the carrel binary run
/// with `home` as its home (`HOME` and the XDG directories under it). On SQLite that is `init
/// --demo`; on PostgreSQL, where there are no demos, `carrel init` by the owner and then the
/// demo's catalogue, staff (each the server login of that name) and patrons (sealed with the
/// keys init wrote under `home`, imported by sam signed in as sam, so no entry is made in
/// another's name). The demo's requests are left out there: they are made and voted by
/// several members, who would each need a session of their own.
pub fn demo_database(home: &Path, db: &Path) {
    use carrel::cli::init::{DEMO_SEED, seed_demo_catalog, seed_demo_patrons, seed_demo_staff};
    new_database(db);
    // The demo's pseudonym key is the simulated recommendation service's, as `--demo` gives.
    let site_key = home.join("demo-site.key");
    std::fs::write(&site_key, hex::encode(carrel::sim::site_key_for(DEMO_SEED))).unwrap();
    let demo: &[&str] =
        if on_postgres() { &["--site-key", site_key.to_str().unwrap()] } else { &["--demo"] };
    let o =
        super::carrel_in(home).arg("init").args(demo).args(["--db", &db_arg(db)]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    if !on_postgres() {
        return;
    }
    let mut store = open_store(db);
    let id = store.database_id().unwrap().unwrap();
    let key_file = home.join(format!("state/carrel/databases/{id}/patron.key"));
    let keys = carrel::services::keys::load(&store, &key_file).unwrap();
    seed_demo_catalog(&mut store, DEMO_SEED, carrel::sim::DEFAULT_SEATS).unwrap();
    seed_demo_staff(&mut store).unwrap();
    drop(store);
    let url = std::fs::read_to_string(db).unwrap();
    let as_sam = server_with_logins().url_as(&url, carrel::cli::init::DEMO_IMPORTER);
    let mut store =
        Store::open_at(&Location::Server(target(&as_sam)), StoreOptions::default()).unwrap();
    seed_demo_patrons(&mut store, &keys, DEMO_SEED, chrono::Utc::now()).unwrap();
}
