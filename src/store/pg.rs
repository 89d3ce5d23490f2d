//! The PostgreSQL side of the store: where to connect and how (password, TLS), the schema
//! and the roles `carrel init` makes, and what only PostgreSQL has (the login the server
//! authenticated, LISTEN/NOTIFY).
//!
//! Who may do what on the server:
//! - the **owner** (the role that ran `carrel init`) owns every table; it bypasses row-level
//!   security, so its credentials can rewrite history. Keep them off the desks.
//! - **`carrel_staff`** (a group role, no login) is what `carrel staff add LOGIN` grants each
//!   staff member's own login role. It may read every table and write the working tables,
//!   but may not UPDATE, DELETE or TRUNCATE the audit log (grants, and a trigger for everyone
//!   but the owner), may add audit entries, votes and consent changes only in its own name
//!   (row-level security on `session_user`), and may change staff grants only while it
//!   holds a sysadmin or committee grant.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use super::{StoreError, StoreResult};

/// The schema: the same tables as SQLite's latest migration.
pub const SCHEMA: &str = include_str!("postgres_schema.sql");

/// The group role every staff login is granted.
pub const STAFF_ROLE: &str = "carrel_staff";

/// The schema version of the first carrel that ran on PostgreSQL: a server database is made
/// whole at the latest version ([`SCHEMA`]), and one made by an older carrel is brought up
/// from this version by [`UPGRADES`].
pub const FIRST_SERVER_VERSION: usize = 7;

/// The upgrades of a server database, each in the session's schema: `UPGRADES[i]` takes it
/// from version `FIRST_SERVER_VERSION + i` to the next, as SQLite's migration of that number
/// does, and grants the staff role what [`privileges_sql`] grants on anything it makes. Only
/// the owner may run them (`Store::open_server`).
pub const UPGRADES: &[&str] = &[
    // 7 → 8: comfort readings may lack a measure; head counts per zone.
    r#"
ALTER TABLE environment_samples
    ALTER COLUMN temperature_c DROP NOT NULL,
    ALTER COLUMN co2_ppm DROP NOT NULL,
    ALTER COLUMN light_lux DROP NOT NULL,
    ALTER COLUMN noise_db DROP NOT NULL,
    ADD CONSTRAINT environment_samples_some_measure CHECK (temperature_c IS NOT NULL
        OR co2_ppm IS NOT NULL OR light_lux IS NOT NULL OR noise_db IS NOT NULL);
CREATE TABLE zone_occupancy (
    zone_id  TEXT PRIMARY KEY REFERENCES zones(id),
    people   BIGINT NOT NULL CHECK (people >= 0),
    capacity BIGINT CHECK (capacity >= 0),
    at_ms    BIGINT NOT NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE ON zone_occupancy TO carrel_staff;
"#,
    // 8 → 9: checkpoints as signed notes with their leaves; witnesses' cosignatures.
    r#"
ALTER TABLE audit_checkpoints ADD COLUMN note TEXT;
ALTER TABLE audit_checkpoints ADD COLUMN leaves BYTEA;
CREATE TABLE audit_cosignatures (
    checkpoint_id BIGINT NOT NULL REFERENCES audit_checkpoints(id),
    witness       TEXT NOT NULL,
    line          TEXT NOT NULL,
    at_ms         BIGINT NOT NULL,
    PRIMARY KEY (checkpoint_id, witness)
);
CREATE TABLE audit_witnesses (
    name          TEXT PRIMARY KEY,
    cosigned_size BIGINT,
    cosigned_ms   BIGINT,
    attempt_ms    BIGINT NOT NULL,
    error         TEXT,
    refused_ms    BIGINT,
    refusal       TEXT
);
GRANT SELECT, INSERT ON audit_cosignatures TO carrel_staff;
GRANT SELECT, INSERT, UPDATE, DELETE ON audit_witnesses TO carrel_staff;
-- Checkpoints and cosignatures are kept, never changed: only the owner may.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints FROM carrel_staff;
"#,
    // 9 → 10: the local recommender the site's loans chose.
    r#"
CREATE TABLE recs_choice (
    id              BIGINT PRIMARY KEY CHECK (id = 1),
    model           TEXT NOT NULL,
    ndcg            DOUBLE PRECISION NOT NULL,
    popularity_ndcg DOUBLE PRECISION NOT NULL,
    users_evaluated BIGINT NOT NULL,
    loans           BIGINT NOT NULL,
    computed_ms     BIGINT NOT NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE ON recs_choice TO carrel_staff;
"#,
];

/// The channel every write transaction notifies, so other consoles read again.
pub const CHANNEL: &str = "carrel_changes";

/// Whether `s` names a PostgreSQL database rather than a SQLite file.
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// A PostgreSQL database to connect to, checked before any connection is tried.
#[derive(Clone)]
pub struct PgTarget {
    config: postgres::Config,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// The URL as given (it holds no password: those are refused in URLs).
    shown: String,
}

impl std::fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// How the connection is protected, from the URL's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SslMode {
    Disable,
    /// `require`, `verify-ca` and `verify-full` all check the server's certificate against
    /// the CA file and its name: carrel never sends a password down a channel it has not
    /// checked.
    Verify,
}

impl PgTarget {
    /// Reads `url` (`postgres://` or `postgresql://`), the password from `password_file`, or
    /// else from `PGPASSFILE` / `~/.pgpass` as libpq would, and the CA file for TLS from
    /// `ca_file` or the URL's `sslrootcert`. Every refusal names the problem.
    pub fn parse(
        url: &str,
        password_file: Option<&Path>,
        ca_file: Option<&Path>,
    ) -> Result<PgTarget, String> {
        let (base, sslmode, root) = split_tls_options(url)?;
        let mut config = postgres::Config::from_str(&base)
            .map_err(|e| format!("database URL {}: {e}", redact(url)))?;
        if config.get_password().is_some() {
            return Err(format!(
                "database URL {}: holds a password; put it in [database] password_file or PGPASSFILE instead, where the process list and shell history cannot see it",
                redact(url)
            ));
        }
        if config.get_user().is_none() {
            // As libpq does: the operating-system login.
            let me = uzers::get_current_username()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| format!("database URL {}: names no user", redact(url)))?;
            config.user(&me);
        }
        if config.get_dbname().is_none() {
            return Err(format!("database URL {}: names no database", redact(url)));
        }
        if let Some(file) = password_file {
            config.password(read_password_file(file)?);
        } else if let Some(p) = pgpass_password(&config) {
            config.password(p);
        }
        let tls = match sslmode {
            SslMode::Disable => None,
            SslMode::Verify => {
                let ca = ca_file.map(Path::to_path_buf).or(root).ok_or_else(|| {
                    format!(
                        "database URL {}: sslmode asks for TLS, which needs a CA file to check the server against ([database] ca_file or sslrootcert=)",
                        redact(url)
                    )
                })?;
                config.ssl_mode(postgres::config::SslMode::Require);
                Some(Arc::new(tls_config(&ca)?))
            }
        };
        config.application_name("carrel");
        config.connect_timeout(std::time::Duration::from_secs(5));
        // A server gone without a word (a cable pulled, a failover) is noticed within
        // seconds rather than when the kernel gives up on the socket.
        config.keepalives_idle(std::time::Duration::from_secs(10));
        config.keepalives_interval(std::time::Duration::from_secs(5));
        config.keepalives_retries(3);
        config.tcp_user_timeout(std::time::Duration::from_secs(30));
        Ok(PgTarget { config, tls, shown: redact(url) })
    }

    /// The URL, for messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// A new session.
    pub fn connect(&self) -> StoreResult<postgres::Client> {
        let client = match &self.tls {
            None => self.config.connect(postgres::NoTls),
            Some(tls) => {
                self.config.connect(tokio_postgres_rustls::MakeRustlsConnect::new((**tls).clone()))
            }
        };
        client.map_err(|e| StoreError::Unreachable {
            target: self.shown.clone(),
            reason: super::postgres_message(&e),
        })
    }
}

/// Takes `sslmode` and `sslrootcert` out of the URL (the client library knows neither
/// `verify-full` nor CA files; carrel does that part).
fn split_tls_options(url: &str) -> Result<(String, SslMode, Option<PathBuf>), String> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut mode = SslMode::Disable;
    let mut root = None;
    let mut kept = vec![];
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "sslmode" => {
                mode = match v {
                    "disable" => SslMode::Disable,
                    "require" | "verify-ca" | "verify-full" => SslMode::Verify,
                    other => {
                        return Err(format!(
                            "database URL {}: sslmode={other} is not one of disable, require, verify-ca, verify-full",
                            redact(url)
                        ));
                    }
                }
            }
            "sslrootcert" => root = Some(PathBuf::from(percent_decode(v))),
            _ => kept.push(pair),
        }
    }
    let base = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    Ok((base, mode, root))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(h);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The URL with any `user:password@` reduced to `user@`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// The first line of a password file, which must be the owner's alone.
fn read_password_file(file: &Path) -> Result<String, String> {
    let text = crate::input::read_to_string(file, &crate::input::SECRET)
        .map_err(|e| format!("[database] password_file: {e}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(file)
            && m.permissions().mode() & 0o077 != 0
        {
            return Err(format!(
                "[database] password_file {}: readable by others (mode {:o}); chmod 600 it",
                file.display(),
                m.permissions().mode() & 0o777
            ));
        }
    }
    let line = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if line.is_empty() {
        return Err(format!("[database] password_file {}: empty", file.display()));
    }
    Ok(line.to_owned())
}

/// The password libpq would find for this connection in `PGPASSFILE` or `~/.pgpass`
/// (`host:port:database:user:password`, `*` matching anything, `\` escaping).
fn pgpass_password(config: &postgres::Config) -> Option<String> {
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass")))?;
    let text = crate::input::read_to_string(&file, &crate::input::SECRET).ok()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432).to_string();
    let wanted = [
        host.as_str(),
        port.as_str(),
        config.get_dbname().unwrap_or(""),
        config.get_user().unwrap_or(""),
    ];
    text.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let fields = pgpass_fields(line);
        (fields.len() == 5 && fields[..4].iter().zip(wanted).all(|(f, w)| f == "*" || f == w))
            .then(|| fields[4].clone())
    })
}

fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    fields.last_mut().expect("one field at least").push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().expect("one field at least").push(c),
        }
    }
    fields
}

fn tls_config(ca: &Path) -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca)
        .map_err(|e| format!("CA file {}: {e}", ca.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("CA file {}: {e}", ca.display()))?;
    if certs.is_empty() {
        return Err(format!("CA file {}: holds no certificate", ca.display()));
    }
    for cert in certs {
        roots.add(cert).map_err(|e| format!("CA file {}: {e}", ca.display()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Roles, grants, row-level security and the audit log's guard, run once by `carrel init`
/// as the owner in `schema` (the session's current schema: `public`, or a branch's own in a
/// consortium, docs/SCALE.md). `system` lists the actors carrel's own engine writes as.
pub fn privileges_sql(schema: &str, system: &[&str]) -> String {
    let system = system.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    let schema = quote_ident(schema);
    format!(
        r#"
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{STAFF_ROLE}') THEN
    CREATE ROLE {STAFF_ROLE} NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another database on this server made it at the same moment
END $$;
GRANT USAGE ON SCHEMA {schema} TO {STAFF_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {STAFF_ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {STAFF_ROLE};
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {STAFF_ROLE};
REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints, audit_cosignatures FROM {STAFF_ROLE};
REVOKE UPDATE, DELETE, TRUNCATE ON request_votes, seat_votes, consent_changes FROM {STAFF_ROLE};
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON meta FROM {STAFF_ROLE};

-- The audit log is append-only for everyone but its owner.
CREATE FUNCTION carrel_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF session_user <> (SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log' AND schemaname = TG_TABLE_SCHEMA) THEN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = '42501';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION carrel_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION carrel_audit_append_only();

-- Whether the session's login holds a staff grant; reads past row-level security.
CREATE FUNCTION carrel_holds(wanted text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = {schema} AS $$
  SELECT EXISTS (SELECT 1 FROM staff_roles r JOIN staff s ON s.login = r.login
                 WHERE r.login = session_user AND r.role = wanted AND s.active = 1)
$$;

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_read ON audit_log FOR SELECT USING (true);
CREATE POLICY audit_own ON audit_log FOR INSERT
  WITH CHECK (actor = session_user OR actor IN ({system}));

ALTER TABLE request_votes ENABLE ROW LEVEL SECURITY;
CREATE POLICY votes_read ON request_votes FOR SELECT USING (true);
CREATE POLICY votes_own ON request_votes FOR INSERT WITH CHECK (voter = session_user);

ALTER TABLE seat_votes ENABLE ROW LEVEL SECURITY;
CREATE POLICY seat_votes_read ON seat_votes FOR SELECT USING (true);
CREATE POLICY seat_votes_own ON seat_votes FOR INSERT WITH CHECK (voter = session_user);

ALTER TABLE consent_changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY consent_read ON consent_changes FOR SELECT USING (true);
CREATE POLICY consent_own ON consent_changes FOR INSERT WITH CHECK ("by" = session_user);

ALTER TABLE staff ENABLE ROW LEVEL SECURITY;
CREATE POLICY staff_read ON staff FOR SELECT USING (true);
CREATE POLICY staff_managed ON staff FOR ALL
  USING (carrel_holds('sysadmin') OR carrel_holds('committee'))
  WITH CHECK (carrel_holds('sysadmin') OR carrel_holds('committee'));

ALTER TABLE staff_roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY staff_roles_read ON staff_roles FOR SELECT USING (true);
CREATE POLICY staff_roles_managed ON staff_roles FOR ALL
  USING (carrel_holds('sysadmin') OR carrel_holds('committee'))
  WITH CHECK (carrel_holds('sysadmin') OR carrel_holds('committee'));
"#
    )
}

/// Quotes a role name for SQL.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_a_server_upgrade_for_every_migration_since_the_first_server_version() {
        let latest = crate::store::migrations::latest_version();
        assert_eq!(UPGRADES.len(), latest - FIRST_SERVER_VERSION);
    }

    #[test]
    fn passwords_in_urls_are_refused_and_never_echoed() {
        let e =
            PgTarget::parse("postgres://desk:s3cret@db.example/carrel", None, None).unwrap_err();
        assert!(e.contains("password_file"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn tls_needs_a_ca_and_unknown_modes_are_named() {
        let e = PgTarget::parse("postgres://desk@db/carrel?sslmode=verify-full", None, None)
            .unwrap_err();
        assert!(e.contains("CA file"), "{e}");
        let e = PgTarget::parse("postgres://desk@db/carrel?sslmode=allow", None, None).unwrap_err();
        assert!(e.contains("sslmode=allow"), "{e}");
    }

    #[test]
    fn pgpass_lines_match_with_wildcards_and_escapes() {
        assert_eq!(
            pgpass_fields(r"db:*:carrel:desk:pa\:ss"),
            ["db", "*", "carrel", "desk", "pa:ss"]
        );
        assert_eq!(redact("postgres://a:b@h:5/d?x=1"), "postgres://a@h:5/d?x=1");
        assert_eq!(redact("postgres://h/d"), "postgres://h/d");
    }
}
