//! A throwaway PostgreSQL cluster for tests: one per test binary, started on first use in a
//! temporary directory under /tmp, and removed by a watchdog once the test process is gone,
//! however it ended.
//!
//! Tests begin with `let Some(pg) = common::pg::server() else { return };`: without PostgreSQL
//! binaries they pass without running, unless `CARREL_REQUIRE_POSTGRES=1` (as in CI) makes that
//! a failure. The harness talks to the server through its own `psql`, never through a client
//! library, so it works from async tests too.
//!
//! Every test in a binary shares the one server: each takes its own database with
//! [`PgServer::fresh_database`], and tests that stop or restart the server keep the other tests
//! of their binary away while they do.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// What is missing when the tests cannot have a server.
const MISSING: &str = "no PostgreSQL binaries (set PG_BINDIR or install postgresql)";

/// How many times the server is started on another port when the one picked was taken.
const PORT_ATTEMPTS: u32 = 5;

/// The server's settings, on every start: its socket in the temporary directory, its TCP
/// listener on loopback only, and durability off, which tests do not need.
const SETTINGS: &str = "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
                        -c full_page_writes=off -c max_connections=200";

/// A running PostgreSQL cluster whose superuser is `postgres`, trusted on the unix socket and
/// asked for a password (SCRAM) over TCP.
pub struct PgServer {
    /// The directory holding initdb, pg_ctl and psql.
    bindir: PathBuf,
    /// The temporary directory: the cluster in `data`, its log in `server.log`, and the socket.
    dir: PathBuf,
    /// The port of both the socket and the loopback TCP listener.
    port: u16,
    /// Whether the server's programs run as the `postgres` OS user, because this process is
    /// root and PostgreSQL refuses to run as root.
    as_postgres: bool,
}

/// This test binary's server, started on first use; `None` when there are no PostgreSQL
/// binaries and `CARREL_REQUIRE_POSTGRES` is not `1`.
///
/// The binaries are looked for in `$PG_BINDIR` when it is set, else in the newest
/// `/usr/lib/postgresql/*/bin` holding `initdb`, else beside `initdb` on the PATH.
pub fn server() -> Option<&'static PgServer> {
    static SERVER: OnceLock<Result<Option<PgServer>, String>> = OnceLock::new();
    let server = SERVER.get_or_init(|| match find_bindir() {
        Some(bindir) => PgServer::launch(bindir).map(Some),
        None if std::env::var_os("CARREL_REQUIRE_POSTGRES").is_some_and(|v| v == "1") => {
            Err(format!("CARREL_REQUIRE_POSTGRES=1 but {MISSING}"))
        }
        None => {
            // Straight to stderr: the test harness captures `eprintln!` from passing tests.
            let _ = writeln!(std::io::stderr(), "postgres tests skipped: {MISSING}");
            Ok(None)
        }
    });
    match server {
        Ok(server) => server.as_ref(),
        Err(why) => panic!("{why}"),
    }
}

/// The directory holding the PostgreSQL programs, as [`server`] describes.
fn find_bindir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BINDIR") {
        let dir = PathBuf::from(dir);
        return dir.join("initdb").is_file().then_some(dir);
    }
    newest_packaged_bindir().or_else(bindir_on_path)
}

/// The `bin` directory of the newest PostgreSQL installed the Debian way, under
/// `/usr/lib/postgresql/VERSION`.
fn newest_packaged_bindir() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version: Vec<u32> = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, bin)| bin)
}

/// The first directory on the PATH holding `initdb`.
fn bindir_on_path() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).find(|dir| dir.join("initdb").is_file())
}

/// A loopback port nobody was listening on a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("no free loopback port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("no free loopback port: {e}"))
}

/// What a program printed, for a panic message.
fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The name of the database `db` names: either a bare name or a URL from
/// [`PgServer::fresh_database`].
fn database_name(db: &str) -> &str {
    match db.split_once("://") {
        Some((_, rest)) => {
            let path = rest.split_once('/').map_or("", |(_, path)| path);
            path.split_once('?').map_or(path, |(name, _)| name)
        }
        None => db,
    }
}

impl PgServer {
    /// Makes the temporary directory, sets the watchdog on it, creates the cluster and starts
    /// it on a free port.
    fn launch(bindir: PathBuf) -> Result<PgServer, String> {
        let dir = tempfile::Builder::new()
            .prefix("carrel-pg-")
            .tempdir_in("/tmp")
            .map_err(|e| format!("cannot make the server's directory under /tmp: {e}"))?
            .keep();
        let mut server =
            PgServer { bindir, dir, port: 0, as_postgres: uzers::get_effective_uid() == 0 };
        server.watch()?;
        if server.as_postgres {
            let user = uzers::get_user_by_name("postgres").ok_or(
                "running as root, the server must run as the `postgres` OS user, and there is none",
            )?;
            std::os::unix::fs::chown(&server.dir, Some(user.uid()), Some(user.primary_group_id()))
                .map_err(|e| format!("cannot give {} to postgres: {e}", server.dir.display()))?;
        }
        let initdb = server
            .command("initdb")
            .args(["-U", "postgres", "-A", "trust", "--auth-local=trust"])
            .args(["--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync", "-D"])
            .arg(server.dir.join("data"))
            .output()
            .map_err(|e| format!("cannot run initdb: {e}"))?;
        if !initdb.status.success() {
            return Err(format!("initdb failed:\n{}", printed(&initdb)));
        }
        let mut attempt = 1;
        loop {
            server.port = free_port()?;
            // A fresh log per attempt, so a clash is read from this attempt alone.
            let _ = std::fs::remove_file(server.dir.join("server.log"));
            let started = server.pg_ctl("start").output();
            if started.as_ref().is_ok_and(|out| out.status.success()) {
                return Ok(server);
            }
            let log = server.log_tail();
            if attempt == PORT_ATTEMPTS || !log.contains("Address already in use") {
                let said = started.map_or_else(|e| e.to_string(), |out| printed(&out));
                return Err(format!("PostgreSQL did not start: {said}\nend of its log:\n{log}"));
            }
            attempt += 1;
        }
    }

    /// Spawns a detached watchdog that, once this test process is gone, stops the server at
    /// once and removes the temporary directory: the test harness has no teardown of its own,
    /// and a test may fail or panic anywhere.
    fn watch(&self) -> Result<(), String> {
        const SCRIPT: &str = r#"pid=$1 dir=$2
shift 2
while kill -0 "$pid" 2>/dev/null; do sleep 1; done
"$@" -D "$dir/data" -m immediate stop
rm -rf "$dir""#;
        let pg_ctl = self.command("pg_ctl");
        Command::new("setsid")
            .args(["sh", "-c", SCRIPT, "carrel-pg-watchdog"])
            .arg(std::process::id().to_string())
            .arg(&self.dir)
            .arg(pg_ctl.get_program())
            .args(pg_ctl.get_args())
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(drop)
            .map_err(|e| format!("cannot start the watchdog (setsid sh): {e}"))
    }

    /// One of the server's programs, run as the `postgres` OS user when this process is root,
    /// from the temporary directory (which that user can enter).
    fn command(&self, program: &str) -> Command {
        let path = self.bindir.join(program);
        let mut command = if self.as_postgres {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", "postgres", "--"]).arg(path);
            runuser
        } else {
            Command::new(path)
        };
        command.current_dir(&self.dir).stdin(Stdio::null());
        command
    }

    /// `pg_ctl ACTION`, waiting for it to finish; `start` and `restart` get the log file and
    /// the server's settings.
    fn pg_ctl(&self, action: &str) -> Command {
        let mut pg_ctl = self.command("pg_ctl");
        pg_ctl.arg(action).arg("-w").arg("-D").arg(self.dir.join("data"));
        if action != "stop" {
            pg_ctl.arg("-l").arg(self.dir.join("server.log")).arg("-o").arg(format!(
                "-k {} -p {} {SETTINGS}",
                self.dir.display(),
                self.port
            ));
        }
        pg_ctl
    }

    /// Runs `pg_ctl ACTION` with `args`, panicking with the end of the server log if it fails.
    fn control(&self, action: &str, args: &[&str]) {
        let output = self
            .pg_ctl(action)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run pg_ctl {action}: {e}"));
        assert!(
            output.status.success(),
            "pg_ctl {action} failed: {}\nend of the server log:\n{}",
            printed(&output),
            self.log_tail()
        );
    }

    /// The last lines of the server log.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// A URL for database `name` as login role `role`, over the unix socket.
    ///
    /// The host is empty and the socket directory is the `host` parameter: libpq reads
    /// `postgresql://ROLE@localhost/NAME?host=DIR` as the socket alone, but the `postgres` crate
    /// reads it as two hosts and tries TCP to localhost first.
    fn url(&self, name: &str, role: &str) -> String {
        format!("postgresql://{role}@/{name}?host={}&port={}", self.dir.display(), self.port)
    }

    /// Creates an empty database with a name of its own, owned by the superuser `postgres`, and
    /// returns its URL, connecting as `postgres` over the unix socket (no password):
    /// `postgresql://postgres@/NAME?host=SOCKET_DIR&port=PORT`. Both
    /// `postgres::Client::connect(url, postgres::NoTls)` and `psql` accept it.
    pub fn fresh_database(&self) -> String {
        static DATABASES: AtomicU32 = AtomicU32::new(0);
        let name =
            format!("carrel_{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::Relaxed));
        self.admin(&format!("CREATE DATABASE {name} OWNER postgres"));
        self.url(&name, "postgres")
    }

    /// A new database made from the one at `db_url` as a template (so nothing may be connected
    /// to that one), with a name of its own; its URL, as the superuser like `fresh_database`.
    pub fn copy_database(&self, db_url: &str) -> String {
        static COPIES: AtomicU32 = AtomicU32::new(0);
        let from = database_name(db_url);
        let name = format!("{from}_c{}", COPIES.fetch_add(1, Ordering::Relaxed));
        self.admin(&format!("CREATE DATABASE {name} TEMPLATE {from} OWNER postgres"));
        self.url(&name, "postgres")
    }

    /// The database of `db_url` (from [`PgServer::fresh_database`]) as login role `role`, over
    /// the unix socket, where every role is trusted without a password.
    pub fn url_as(&self, db_url: &str, role: &str) -> String {
        self.url(database_name(db_url), role)
    }

    /// Database `db` (its name, or a URL from [`PgServer::fresh_database`]) as login role
    /// `role` over TCP to 127.0.0.1, where the server asks for the role's password (SCRAM); the
    /// URL holds none, so the caller supplies it.
    pub fn tcp_url(&self, db: &str, role: &str) -> String {
        format!("postgresql://{role}@127.0.0.1:{}/{}", self.port, database_name(db))
    }

    /// Runs `sql` with the server's own `psql` client on the database at `url` (as the
    /// `postgres` OS user when this process is root), stopping at the first error and never
    /// asking for a password; tests use it to act as someone with psql in hand.
    pub fn psql(&self, url: &str, sql: &str) -> Output {
        self.command("psql")
            .args(["-X", "-w", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
            .output()
            .unwrap_or_else(|e| panic!("cannot run psql: {e}"))
    }

    /// Runs `sql` as the superuser on the `postgres` database, panicking with psql's error if
    /// it fails. Several statements run as one transaction, so `CREATE DATABASE` goes alone.
    pub fn admin(&self, sql: &str) {
        let output = self.psql(&self.url("postgres", "postgres"), sql);
        assert!(output.status.success(), "{sql}\nfailed: {}", printed(&output));
    }

    /// Where the server is writing its write-ahead log now (an LSN, for [`PgServer::stored_files`]).
    pub fn wal_position(&self) -> String {
        let mut c = postgres::Client::connect(&self.url("postgres", "postgres"), postgres::NoTls)
            .expect("connect as the superuser");
        c.query_one("SELECT pg_current_wal_lsn()::text", &[]).unwrap().get(0)
    }

    /// The files in which the server keeps what the database at `db_url` holds: its table and
    /// index files (after a checkpoint has written them out) and the write-ahead log segments
    /// written since `since` (from [`PgServer::wal_position`]).
    pub fn stored_files(&self, db_url: &str, since: &str) -> Vec<PathBuf> {
        let mut c = postgres::Client::connect(&self.url("postgres", "postgres"), postgres::NoTls)
            .expect("connect as the superuser");
        c.batch_execute("CHECKPOINT").unwrap();
        let row = c
            .query_one(
                "SELECT oid::text, pg_walfile_name($1::text::pg_lsn), \
                 pg_walfile_name(pg_current_wal_lsn()) FROM pg_database WHERE datname = $2",
                &[&since, &database_name(db_url)],
            )
            .unwrap();
        let (oid, first, last): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let data = self.dir.join("data");
        let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("base").join(oid))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        for e in std::fs::read_dir(data.join("pg_wal")).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.len() == 24 && name >= first && name <= last {
                files.push(data.join("pg_wal").join(name));
            }
        }
        files
    }

    /// Restarts the server (fast shutdown: open connections are cut), on the same port and with
    /// the same settings.
    pub fn restart(&self) {
        self.control("restart", &["-m", "fast"]);
    }

    /// Stops the server (fast shutdown) until [`PgServer::start`].
    pub fn stop(&self) {
        self.control("stop", &["-m", "fast"]);
    }

    /// Starts the server again after [`PgServer::stop`], on the same port.
    pub fn start(&self) {
        self.control("start", &[]);
    }
}
