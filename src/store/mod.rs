//! The SQLite store: the only place with SQL.
//!
//! [`Store::create`] makes a new database file (mode 0600); [`Store::open`] opens an existing
//! one, refusing a missing file, a file that is not a carrel database and a schema newer than
//! this build, before anything is written. Both set the pragmas every connection needs (WAL,
//! busy timeout, foreign keys) and migrate an older schema forward. One file per aggregate
//! below holds that aggregate's queries; functions take a `&Connection` (a transaction derefs
//! to one) so callers decide the transaction boundaries.
//!
//! May use: rusqlite, rusqlite_migration, domain. No async, no network.

pub mod activity;
pub mod alerts;
pub mod arrivals;
pub mod audit;
pub mod catalog;
pub mod committee;
pub mod consent;
pub mod copy;
pub mod db;
pub mod environment;
pub mod feeds;
pub mod forecasts;
pub mod governance;
pub mod layout;
pub mod lease;
pub mod local_recs;
pub mod meta;
pub mod migrations;
pub mod occupancy;
pub mod patrons;
pub mod pg;
pub mod quarantine;
pub mod retention;
pub mod seats;
pub mod service_points;
pub mod staff;

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::OpenFlags;
use rusqlite::config::DbConfig;

pub use db::{Backend, Connection, Transaction};

use crate::domain::audit::{CREATION_ACTION, Creation, NewEntry, Outcome};
use crate::domain::log_key::LogKeySeed;

/// Marks a SQLite file as a carrel database (`PRAGMA application_id`, "CRL1").
pub const APPLICATION_ID: i32 = 0x4352_4C31;

/// The connection the store's functions read through, and the write transaction
/// [`Store::write`] hands its closure. Everything outside `store/` names these, never the
/// database library, so the backend is the store's business alone: today they are SQLite's,
/// and a second backend (PostgreSQL) changes them here, not in the services.
pub type Conn = db::Connection;
pub type Tx<'a> = db::Transaction<'a>;

/// What the store's functions give back: their value, or what went wrong in the database.
pub type StoreResult<T> = Result<T, StoreError>;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {}: no such file; create it with `carrel init --db {}`", .0.display(), .0.display())]
    Missing(PathBuf),
    #[error("database {}: already exists; nothing changed", .0.display())]
    AlreadyExists(PathBuf),
    #[error("database {}: cannot open: {source}", path.display())]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("database {}: cannot create: {source}", path.display())]
    Create { path: PathBuf, source: std::io::Error },
    #[error("database {}: not a carrel database (application id {found:#x})", path.display())]
    NotCarrel { path: PathBuf, found: i32 },
    #[error(
        "database {}: schema version {found} is newer than this carrel understands (up to {supported}); use a newer carrel",
        path.display()
    )]
    TooNew { path: PathBuf, found: usize, supported: usize },
    #[error("database {}: migration failed: {source}", path.display())]
    Migration { path: PathBuf, source: rusqlite_migration::Error },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database error: {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error("the database holds something carrel cannot read: {0}")]
    Corrupt(String),
    #[error("no such row")]
    NoRow,
    #[error("database {target}: unreachable: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    /// Errors caused by what the user pointed carrel at (a path, a file), as opposed to a
    /// failure while working: the CLI exits with status 2 for these.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            StoreError::Missing(_)
                | StoreError::AlreadyExists(_)
                | StoreError::Open { .. }
                | StoreError::Create { .. }
                | StoreError::NotCarrel { .. }
                | StoreError::TooNew { .. }
                | StoreError::Invalid(_)
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Tuning of a connection.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// How long a writer waits for another writer before giving up.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { busy_timeout: Duration::from_secs(5) }
    }
}

/// An open carrel database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// The file, or for PostgreSQL the URL (without password) it was opened by.
    path: PathBuf,
    /// Opened read-only: the file is not writable by whoever runs carrel.
    read_only: bool,
    /// PostgreSQL: how many change notifications this session has seen.
    notified: std::cell::Cell<i64>,
}

/// Where a database is: a SQLite file or a PostgreSQL server.
#[derive(Debug, Clone)]
pub enum Location {
    File(PathBuf),
    Server(pg::PgTarget),
}

impl Location {
    /// The file's path or the server's URL, for messages.
    pub fn shown(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Server(t) => t.shown().to_owned(),
        }
    }
}

impl Store {
    /// Opens the database at `location` (see [`Store::open`] and [`Store::open_server`]).
    pub fn open_at(location: &Location, options: StoreOptions) -> Result<Store> {
        match location {
            Location::File(p) => Self::open(p, options),
            Location::Server(t) => Self::open_server(t),
        }
    }

    /// Opens a carrel database on a PostgreSQL server, refusing one that is not carrel's or
    /// has a newer schema. The session listens for other sessions' changes.
    pub fn open_server(target: &pg::PgTarget) -> Result<Store> {
        let store = Store::connect_server(target)?;
        let has_schema: bool =
            store.conn.query_row("SELECT to_regclass('meta') IS NOT NULL", (), |r| r.get(0))?;
        if !has_schema {
            return Err(StoreError::Invalid(format!(
                "database {}: not a carrel database (no carrel schema); create it with `carrel init --db {}`",
                target.shown(),
                target.shown()
            )));
        }
        let application = store
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'application'", (), |r| {
                r.get::<_, String>(0)
            })
            .map_err(|e| match e {
                StoreError::Postgres(ref p)
                    if p.code() == Some(&::postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) =>
                {
                    let login = store.session_user().ok().flatten().unwrap_or_default();
                    StoreError::Invalid(format!(
                        "database {}: {login} may not read carrel's tables: not a staff login yet (a sysadmin adds it with `carrel staff add {login}`)",
                        target.shown()
                    ))
                }
                other => other,
            })?;
        if application != "carrel" {
            return Err(StoreError::Invalid(format!(
                "database {}: not a carrel database",
                target.shown()
            )));
        }
        let version = store.schema_version()?;
        if version > migrations::latest_version() {
            return Err(StoreError::TooNew {
                path: store.path.clone(),
                found: version,
                supported: migrations::latest_version(),
            });
        }
        if version < migrations::latest_version() {
            store.upgrade_server(version, target)?;
        }
        store.conn.listen(pg::CHANNEL)?;
        Ok(store)
    }

    /// Brings a server database made by an older carrel from `version` to the latest, in one
    /// transaction, when the session is its owner; any other login is told who must.
    fn upgrade_server(&self, version: usize, target: &pg::PgTarget) -> Result<()> {
        let latest = migrations::latest_version();
        let (owner, me): (String, String) = self.conn.query_row(
            "SELECT tableowner::text, session_user::text FROM pg_tables
             WHERE schemaname = current_schema() AND tablename = 'meta'",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let Some(steps) = version
            .checked_sub(pg::FIRST_SERVER_VERSION)
            .and_then(|from| pg::UPGRADES.get(from..latest - pg::FIRST_SERVER_VERSION))
        else {
            return Err(StoreError::Invalid(format!(
                "database {}: schema version {version} is older than any carrel on PostgreSQL made",
                target.shown()
            )));
        };
        if owner != me {
            return Err(StoreError::Invalid(format!(
                "database {}: schema version {version} must be upgraded to {latest} by its owner, {owner}: run any carrel command once as {owner}",
                target.shown()
            )));
        }
        let tx = self.conn.begin(true)?;
        for step in steps {
            tx.execute_batch(step)?;
        }
        meta::set(&tx, "schema_version", &latest.to_string())?;
        tx.commit()?;
        Ok(())
    }

    /// Makes carrel's schema, roles and grants in an empty PostgreSQL database, as the role
    /// that connects (it becomes the owner and, by its login, the first sysadmin). Refuses a
    /// database that already holds carrel's tables. `system` names the actors carrel's own
    /// engine writes audit entries as. Demo databases are SQLite's alone.
    pub fn create_server(target: &pg::PgTarget, system: &[&str]) -> Result<Store> {
        Self::create_server_with_log_key(target, system, None)
    }

    /// [`Store::create_server`], naming the log key made from `log_key` as
    /// [`Store::create_with_log_key`] does.
    pub fn create_server_with_log_key(
        target: &pg::PgTarget,
        system: &[&str],
        log_key: Option<&LogKeySeed>,
    ) -> Result<Store> {
        let store = Store::connect_server(target)?;
        store.refuse_existing_schema()?;
        let tx = store.conn.begin(true)?;
        tx.execute_batch(pg::SCHEMA)?;
        let schema: String = tx.query_row("SELECT current_schema()::text", (), |r| r.get(0))?;
        tx.execute_batch(&pg::privileges_sql(&schema, system))?;
        meta::set(&tx, "application", "carrel")?;
        meta::set(&tx, "schema_version", &migrations::latest_version().to_string())?;
        tx.commit()?;
        let creator = store.session_user()?.unwrap_or_default();
        store.record_creation(false, &creator, log_key)?;
        store.conn.listen(pg::CHANNEL)?;
        Ok(store)
    }

    /// A session on the server, before anything is checked or made.
    fn connect_server(target: &pg::PgTarget) -> Result<Store> {
        let connecting = target.clone();
        Ok(Store::on_server(Connection::postgres(move || connecting.connect())?, target))
    }

    /// Refuses a server database that already holds carrel's tables.
    fn refuse_existing_schema(&self) -> Result<()> {
        let exists: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'meta')",
            (),
            |r| r.get(0),
        )?;
        if exists { Err(StoreError::AlreadyExists(self.path.clone())) } else { Ok(()) }
    }

    /// A new SQLite file with the latest schema and no rows at all, not even the creation
    /// entry: what `copy` fills.
    fn create_schema_only(path: &Path, options: StoreOptions) -> Result<Store> {
        create_private_file(path)?;
        let made = (|| {
            let mut store = Self::connect(path, options, false)?;
            store.use_wal()?;
            store.sqlite().pragma_update(None, "application_id", APPLICATION_ID)?;
            store.migrate()?;
            Ok(store)
        })();
        if made.is_err() {
            remove_database_files(path);
        }
        made
    }

    fn on_server(conn: Connection, target: &pg::PgTarget) -> Store {
        Store {
            conn,
            path: PathBuf::from(target.shown()),
            read_only: false,
            notified: std::cell::Cell::new(0),
        }
    }

    /// The login the PostgreSQL server authenticated for this session (`None` on SQLite,
    /// where the operating system says who runs carrel).
    pub fn session_user(&self) -> Result<Option<String>> {
        match self.conn.backend() {
            Backend::Sqlite => Ok(None),
            Backend::Postgres => {
                Ok(Some(self.conn.query_row("SELECT session_user::text", (), |r| r.get(0))?))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.conn.backend()
    }

    /// The first audit entry and the marks in `meta`: when, whether a demo, the random id.
    fn record_creation(
        &self,
        demo: bool,
        creator: &str,
        log_key: Option<&LogKeySeed>,
    ) -> Result<()> {
        let tx = self.conn.begin(true)?;
        let now = Utc::now();
        let database_id = new_database_id();
        let log_key = log_key.map(|seed| seed.signer(&database_id).vkey().to_string());
        let creation = Creation { demo, database_id, log_key };
        meta::set(&tx, meta::CREATED_MS, &to_ms(now).to_string())?;
        meta::set(&tx, meta::DEMO, if demo { "1" } else { "0" })?;
        meta::set(&tx, meta::DATABASE_ID, &creation.database_id)?;
        audit::append(
            &tx,
            NewEntry {
                at: now,
                actor: creator.to_owned(),
                role: "-".into(),
                action: CREATION_ACTION.into(),
                object: "database".into(),
                purpose: String::new(),
                outcome: Outcome::Allowed,
                details: serde_json::to_string(&creation)
                    .map_err(|e| StoreError::Invalid(e.to_string()))?,
                impersonator: None,
            },
        )?;
        tx.commit()
    }

    /// Creates a new database at `path` (mode 0600) with the latest schema. Refuses to touch an
    /// existing file. The audit log's first entry records the creation: by `creator`, whether
    /// it is a demo database (see `meta::DEMO`) and its random id; both marks are also kept in
    /// `meta`, and verification checks them against that entry.
    pub fn create(path: &Path, demo: bool, creator: &str, options: StoreOptions) -> Result<Store> {
        Self::create_with_log_key(path, demo, creator, options, None)
    }

    /// [`Store::create`], naming in the creation entry the log key made from `log_key` (the
    /// caller writes the key's file once the database, and so its id, exists).
    pub fn create_with_log_key(
        path: &Path,
        demo: bool,
        creator: &str,
        options: StoreOptions,
        log_key: Option<&LogKeySeed>,
    ) -> Result<Store> {
        let store = Self::create_schema_only(path, options)?;
        if let Err(e) = store.record_creation(demo, creator, log_key) {
            // Nothing half-made stays behind.
            drop(store);
            remove_database_files(path);
            return Err(e);
        }
        Ok(store)
    }

    /// Opens an existing database, migrating an older schema forward. Nothing is created or
    /// written when the file is missing, foreign or too new.
    pub fn open(path: &Path, options: StoreOptions) -> Result<Store> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => {
                return Err(StoreError::Invalid(format!(
                    "database {}: not a regular file",
                    path.display()
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::Missing(path.to_owned()));
            }
            Err(e) => {
                return Err(StoreError::Invalid(format!("database {}: {e}", path.display())));
            }
        }
        let read_only = !writable(path);
        let opened = Self::connect(path, options, read_only).and_then(|store| {
            store.check_identity()?;
            Ok(store)
        });
        let mut store = match opened {
            Err(StoreError::Open { source, .. }) if read_only => {
                return Err(StoreError::Invalid(format!(
                    "database {}: read-only for you, and SQLite cannot read it without the -wal and -shm files beside it, which only a user who may write it can make ({source}); run any carrel command on it once as such a user",
                    path.display()
                )));
            }
            other => other?,
        };
        if read_only {
            let (found, latest) = (store.schema_version()?, migrations::latest_version());
            if found < latest {
                return Err(StoreError::Invalid(format!(
                    "database {}: schema version {found} must be upgraded to {latest}, which needs write access; run carrel once as a user who may write it",
                    path.display()
                )));
            }
            return Ok(store);
        }
        store.use_wal()?;
        store.migrate()?;
        store.share_sidecars();
        Ok(store)
    }

    /// An in-memory database with the latest schema, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        let conn = rusqlite::Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let conn = Connection::sqlite(conn);
        let mut store = Store {
            conn,
            path: PathBuf::from(":memory:"),
            read_only: false,
            notified: std::cell::Cell::new(0),
        };
        store.sqlite().pragma_update(None, "application_id", APPLICATION_ID)?;
        store.migrate()?;
        Ok(store)
    }

    fn connect(path: &Path, options: StoreOptions, read_only: bool) -> Result<Store> {
        let open_err = |source| StoreError::Open { path: path.to_owned(), source };
        let access = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        };
        let flags = access | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(open_err)?;
        conn.busy_timeout(options.busy_timeout).map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(open_err)?;
        if !read_only {
            // The last writer to close leaves the -wal and -shm files in place (emptied by the
            // checkpoint in `Drop`), so a user who may only read the database can still open
            // it: SQLite reads a WAL database read-only only when those files exist.
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
                .map_err(open_err)?;
        }
        Ok(Store {
            conn: Connection::sqlite(conn),
            path: path.to_owned(),
            read_only,
            notified: std::cell::Cell::new(0),
        })
    }

    /// The SQLite connection underneath; only the SQLite paths (pragmas, WAL, migrations)
    /// call this.
    fn sqlite(&self) -> &rusqlite::Connection {
        self.conn.as_sqlite().expect("a SQLite-only step ran on another backend")
    }

    /// Gives the -wal and -shm files the database file's permissions, so that whoever may
    /// read the database (a group, say, after `chmod 640`) may read them too. Best effort.
    fn share_sidecars(&self) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let Ok(meta) = std::fs::metadata(&self.path) else { return };
            let mode = meta.permissions().mode() & 0o777;
            for suffix in ["-wal", "-shm"] {
                let mut p = self.path.clone().into_os_string();
                p.push(suffix);
                let p = PathBuf::from(p);
                if let Ok(m) = std::fs::metadata(&p)
                    && m.permissions().mode() & 0o777 != mode
                {
                    let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode));
                }
            }
        }
    }

    /// Whether this store was opened read-only (the user may read the file but not write it).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Switches to write-ahead logging. This writes the file header, so it runs only after the
    /// file has been recognised as a carrel database this build understands.
    fn use_wal(&self) -> Result<()> {
        let open_err = |source| StoreError::Open { path: self.path.clone(), source };
        let mode: String = self
            .sqlite()
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %self.path.display(), mode, "could not switch to WAL");
        }
        self.sqlite().pragma_update(None, "synchronous", "NORMAL").map_err(open_err)?;
        Ok(())
    }

    fn check_identity(&self) -> Result<()> {
        let app_id: i32 = self
            .sqlite()
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|source| StoreError::Open { path: self.path.clone(), source })?;
        if app_id != APPLICATION_ID {
            return Err(StoreError::NotCarrel { path: self.path.clone(), found: app_id });
        }
        let version = self.schema_version()?;
        if version > migrations::latest_version() {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                supported: migrations::latest_version(),
            });
        }
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        let conn = self.conn.as_sqlite_mut().expect("SQLite migrations on another backend");
        migrations::migrations()
            .to_latest(conn)
            .map_err(|source| StoreError::Migration { path: self.path.clone(), source })
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<usize> {
        if self.backend() == Backend::Postgres {
            let v = meta::get(&self.conn, "schema_version")?.unwrap_or_default();
            return Ok(v.parse().unwrap_or(0));
        }
        let v: i64 = self.sqlite().query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok(usize::try_from(v).unwrap_or(0))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size of the database file and its write-ahead log, in bytes.
    pub fn size_bytes(&self) -> u64 {
        if self.backend() == Backend::Postgres {
            return self
                .conn
                .query_row("SELECT pg_database_size(current_database())", (), |r| r.get(0))
                .unwrap_or(0);
        }
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        size(&self.path) + size(Path::new(&wal))
    }

    /// Read access for queries outside a transaction.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one write transaction (taken immediately), committing when it returns `Ok`.
    /// When other writers keep the database busy past the busy timeout, the whole transaction
    /// is tried again a few times before the error reaches the caller, so a busy moment is a
    /// delay, not a "database is locked" message.
    pub fn write<T, E>(
        &mut self,
        mut f: impl FnMut(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut attempt = 0;
        loop {
            match self.try_write(&mut f) {
                Err(Attempt::Busy(e)) if attempt < BUSY_RETRIES => {
                    attempt += 1;
                    tracing::debug!(attempt, error = %e, "database busy; trying the transaction again");
                    std::thread::sleep(Duration::from_millis(20 * u64::from(attempt)));
                }
                Err(Attempt::Busy(e)) => return Err(E::from(e)),
                Err(Attempt::Failed(e)) => return Err(e),
                Ok(v) => return Ok(v),
            }
        }
    }

    fn try_write<T, E>(
        &mut self,
        f: &mut impl FnMut(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, Attempt<E>>
    where
        E: From<StoreError>,
    {
        if self.read_only {
            return Err(Attempt::Failed(E::from(StoreError::from(self.read_only_error()))));
        }
        let tx = self.conn.begin(true).map_err(Attempt::from_store)?;
        let value = f(&tx).map_err(Attempt::Failed)?;
        if self.conn.backend() == Backend::Postgres {
            // Delivered at commit, to every console listening.
            tx.execute_batch(&format!("NOTIFY {}", pg::CHANNEL)).map_err(Attempt::from_store)?;
        }
        tx.commit().map_err(Attempt::from_store)?;
        Ok(value)
    }

    /// Whether this database was created as a demo database: its mark says so and so does
    /// its audit log's creation entry, unaltered. A mark set later with sqlite3 does not make a
    /// demo (and `carrel audit verify` reports it).
    /// A PostgreSQL database is never a demo, whatever its marks say (a demo copied there
    /// keeps them): its logins come from the server.
    pub fn is_demo(&self) -> Result<bool> {
        if self.backend() == Backend::Postgres {
            return Ok(false);
        }
        let marked = meta::get(&self.conn, meta::DEMO)?.as_deref() == Some("1");
        Ok(marked && audit::creation(&self.conn)?.is_some_and(|c| c.demo))
    }

    /// A counter that moves when another connection commits: how a console learns that
    /// another process or task wrote, so what is on screen should be read again.
    /// On PostgreSQL it counts the notifications every write transaction sends
    /// (LISTEN/NOTIFY): looking costs no query, only a read of what the server pushed.
    pub fn data_version(&self) -> Result<i64> {
        if let Some(seen) = self.conn.with_postgres(|s| {
            use ::postgres::fallible_iterator::FallibleIterator;
            // `iter()` returns only what is already buffered; waiting a millisecond makes the
            // client read the socket, where the server's notifications wait.
            let seen = s
                .client
                .notifications()
                .timeout_iter(std::time::Duration::from_millis(1))
                .count()?;
            Ok((i64::try_from(seen).unwrap_or(i64::MAX), s.reconnects))
        }) {
            // A session opened again may have missed notifications: that counts as a change.
            let (seen, reconnects) = seen?;
            self.notified.set(self.notified.get().saturating_add(seen));
            return Ok(self.notified.get().saturating_add(reconnects));
        }
        Ok(self.sqlite().query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// The database's id, from its creation entry (`None` for a database made before carrel
    /// recorded one).
    pub fn database_id(&self) -> Result<Option<String>> {
        Ok(audit::creation(&self.conn)?.map(|c| c.database_id))
    }
}

impl Store {
    /// The error a write on a read-only store fails with.
    pub fn read_only_error(&self) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            Some(format!(
                "database {} is read-only for you: you may look, but nothing you do can be recorded",
                self.path.display()
            )),
        )
    }
}

impl Drop for Store {
    /// Copies the write-ahead log into the database file and empties it, so the file alone is
    /// whole (a backup of it misses nothing) while the -wal and -shm files stay for read-only
    /// users. Best effort, briefly: a busy database is left to the next checkpoint.
    fn drop(&mut self) {
        if self.read_only || self.path.as_os_str() == ":memory:" {
            return;
        }
        let Some(conn) = self.conn.as_sqlite() else { return };
        let _ = conn.busy_timeout(Duration::from_millis(100));
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
}

/// Whether whoever runs carrel may write `path`. Opening for writing changes nothing.
fn writable(path: &Path) -> bool {
    match OpenOptions::new().write(true).open(path) {
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        ),
    }
}

/// How many times a transaction is tried again when the database stays busy.
const BUSY_RETRIES: u32 = 10;

enum Attempt<E> {
    Busy(StoreError),
    Failed(E),
}

impl<E: From<StoreError>> Attempt<E> {
    fn from_store(e: StoreError) -> Self {
        if e.is_busy() { Attempt::Busy(e) } else { Attempt::Failed(E::from(e)) }
    }
}

impl StoreError {
    /// Another writer held the database too long (SQLite), or the server chose this
    /// transaction to fail so another could finish (PostgreSQL): trying again may succeed.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            StoreError::Postgres(e) => e.code().is_some_and(|c| {
                *c == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                    || *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
                    || *c == postgres::error::SqlState::LOCK_NOT_AVAILABLE
            }),
            _ => false,
        }
    }
}

/// A PostgreSQL error as its server said it, with the detail where there is one.
fn postgres_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => e.to_string(),
    }
}

/// 128 random bits in hex, from the operating system's random source.
fn new_database_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Creates `path` as an empty file readable only by its owner. Fails if it exists.
fn create_private_file(path: &Path) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(StoreError::AlreadyExists(path.to_owned()))
        }
        Err(source) => Err(StoreError::Create { path: path.to_owned(), source }),
    }
}

/// Removes a database file with its write-ahead log and shared-memory index, if there.
pub fn remove_database_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(Path::new(&p));
    }
}

pub(crate) use db::bad_column;

/// UTC time to the store's representation: milliseconds since the Unix epoch.
pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The store's millisecond timestamps back to UTC time. Out-of-range values (which only a
/// hand-edited file could hold) clamp to the epoch rather than fail a whole query.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_then_open_and_refuse_a_second_create() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let store = Store::create(&path, true, "test", StoreOptions::default()).unwrap();
        assert!(store.is_demo().unwrap());
        assert_eq!(store.schema_version().unwrap(), migrations::latest_version());
        drop(store);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let store = Store::open(&path, StoreOptions::default()).unwrap();
        assert!(store.is_demo().unwrap());
        let err = Store::create(&path, false, "test", StoreOptions::default()).unwrap_err();
        assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
    }

    #[test]
    fn open_refuses_missing_foreign_and_garbage_files_without_writing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.db");
        assert!(matches!(
            Store::open(&missing, StoreOptions::default()).unwrap_err(),
            StoreError::Missing(_)
        ));
        assert!(!missing.exists());

        let garbage = dir.path().join("garbage.db");
        std::fs::write(&garbage, b"this is not sqlite, just text that is long enough").unwrap();
        let before = std::fs::read(&garbage).unwrap();
        let err = Store::open(&garbage, StoreOptions::default()).unwrap_err();
        assert!(err.is_bad_input(), "{err}");
        assert_eq!(std::fs::read(&garbage).unwrap(), before);

        let foreign = dir.path().join("foreign.db");
        rusqlite::Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE t(x)").unwrap();
        let err = Store::open(&foreign, StoreOptions::default()).unwrap_err();
        assert!(matches!(err, StoreError::NotCarrel { .. }), "{err}");

        let err = Store::open(dir.path(), StoreOptions::default()).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn a_newer_schema_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        drop(Store::create(&path, false, "test", StoreOptions::default()).unwrap());
        let future = migrations::latest_version() + 3;
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", future as i64).unwrap();
        drop(conn);
        let err = Store::open(&path, StoreOptions::default()).unwrap_err();
        match &err {
            StoreError::TooNew { found, .. } => assert_eq!(*found, future),
            other => panic!("expected TooNew, got {other}"),
        }
        assert!(err.to_string().contains("newer than this carrel"));
        let conn = rusqlite::Connection::open(&path).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v as usize, future);
    }

    #[test]
    fn migrations_are_valid_and_run_from_every_earlier_version() {
        migrations::migrations().validate().unwrap();
        for from in 0..migrations::latest_version() {
            let mut conn = rusqlite::Connection::open_in_memory().unwrap();
            migrations::migrations().to_version(&mut conn, from).unwrap();
            migrations::migrations().to_latest(&mut conn).unwrap();
            let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).unwrap();
            assert_eq!(v as usize, migrations::latest_version(), "from version {from}");
        }
    }

    #[test]
    fn data_written_at_every_earlier_version_survives_the_migrations() {
        for from in 1..migrations::latest_version() {
            let mut conn = rusqlite::Connection::open_in_memory().unwrap();
            migrations::migrations().to_version(&mut conn, from).unwrap();
            // Version 1 holds the data plane; every later version keeps it.
            conn.execute_batch(
                "INSERT INTO floors(id, name, level) VALUES ('F0', 'Ground', 0);
                 INSERT INTO zones(id, floor_id, name, kind) VALUES ('Z', 'F0', 'North', 'quiet');
                 INSERT INTO seats(id, zone_id, label, x, y, power, accessible) VALUES ('S', 'Z', 'A1', 0, 0, 1, 0);
                 INSERT INTO staff(login, display_name, created_ms) VALUES ('dana', 'Dana', 0);
                 INSERT INTO staff_roles(login, role) VALUES ('dana', 'desk');",
            )
            .unwrap();
            migrations::migrations().to_latest(&mut conn).unwrap();
            let seats: i64 =
                conn.query_row("SELECT count(*) FROM seats", [], |r| r.get(0)).unwrap();
            let roles: i64 =
                conn.query_row("SELECT count(*) FROM staff_roles", [], |r| r.get(0)).unwrap();
            assert_eq!((seats, roles), (1, 1), "from version {from}");
        }
    }

    #[test]
    fn times_round_trip_through_milliseconds() {
        let t = Utc.with_ymd_and_hms(2026, 11, 21, 9, 30, 0).unwrap();
        assert_eq!(from_ms(to_ms(t)), t);
    }
}
