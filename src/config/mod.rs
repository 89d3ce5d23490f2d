//! Configuration: a TOML file, environment variables and flags, merged with precedence
//! flags > environment > file > defaults.
//!
//! The file denies unknown keys and every error names the file, the line and the key (see
//! `error.rs`). Tokens come from the environment or a token file, never from the command line,
//! and are never printed. `config.example.toml` documents every key; a test loads it.
//!
//! Files are read through [`crate::input`]: the configuration file up to 1 MiB, token files up
//! to 64 KiB, each a regular file.
//!
//! May use: serde, toml, directories, chrono-tz, reqwest's URL type, domain, input.

mod audit;
mod error;
mod libcal;
mod occuspace;
mod parse;
mod privacy;
mod sections;
mod sensorthings;

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use reqwest::Url;

use crate::input;

pub use audit::{AuditSection, WitnessEntry};
pub use error::{ConfigError, more_problems};
pub use libcal::{LibCalFeed, LibCalSettings};
pub use occuspace::{OccuspaceFeed, OccuspaceSettings};
pub use privacy::{AlertsSection, KindRetention, PatronRetention, RetentionSection};
pub use sensorthings::{DatastreamEntry, DatastreamTarget, SensorThingsFeed, SensorThingsSettings};

/// The name in `names` closest to `given`, if close enough to be a likely typo.
pub fn nearest_name<'a>(given: &str, names: &'a [String]) -> Option<&'a str> {
    error::nearest(given, names)
}
pub use sections::{
    DatabaseSection, FeedsSection, FileConfig, IngestSection, LibrarySection, LoggingSection,
    PrivacySection, QmaticFeed, QueuesSection, RecsFeed, SeatsSection, SensorFeed, UiSection,
};

/// Environment variables carrel reads.
pub const ENV_CONFIG: &str = "CARREL_CONFIG";
pub const ENV_DB: &str = "CARREL_DB";
pub const ENV_SENSOR_URL: &str = "CARREL_SENSOR_URL";
pub const ENV_RECS_URL: &str = "CARREL_RECS_URL";
pub const ENV_SENSOR_TOKEN: &str = "CARREL_SENSOR_TOKEN";
pub const ENV_RECS_TOKEN: &str = "CARREL_RECS_TOKEN";

/// Values given as command-line flags; they win over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub db: Option<PathBuf>,
    pub sensor_url: Option<String>,
    pub recs_url: Option<String>,
    /// `--as NAME`: act as another staff member (demo databases only).
    pub act_as: Option<String>,
}

/// A bearer token or a password. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A secret holding `value`: a token a feed obtained, or one read from a file.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A remote API as the feeds reach it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub url: Url,
    pub token: Option<Secret>,
    /// Where the token came from (an environment variable or a file), for `config check`.
    pub token_origin: Option<String>,
    pub connect_timeout: std::time::Duration,
    pub timeout: std::time::Duration,
    pub max_body_bytes: u64,
}

/// A Qmatic Orchestra server as its adapter reaches it (`[feeds.qmatic]`): HTTP basic
/// authentication as `user` with the password from `password_origin`, for one branch.
#[derive(Debug, Clone)]
pub struct QmaticEndpoint {
    /// URL, timeouts and size cap; no bearer token.
    pub endpoint: Endpoint,
    pub user: String,
    pub password: Secret,
    /// The password file, for `config check` and the permissions warning.
    pub password_origin: String,
    pub branch_id: u32,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The merged settings, with the database path filled in.
    pub settings: FileConfig,
    /// The file read, if any.
    pub file: Option<PathBuf>,
    /// The SQLite file; for a PostgreSQL database, its URL (for messages).
    pub db_path: PathBuf,
    /// Where the database is: the file above, or a PostgreSQL server.
    pub database: crate::store::Location,
    /// The database path is the default one (no flag, variable or file named it).
    pub db_path_is_default: bool,
    pub timezone: Tz,
    pub sensor: Option<Endpoint>,
    pub recs: Option<Endpoint>,
    /// A LibCal site (`[feeds.libcal]`), when its url is set.
    pub libcal: Option<LibCalSettings>,
    /// An Occuspace account (`[feeds.occuspace]`), when its url is set.
    pub occuspace: Option<OccuspaceSettings>,
    /// An OGC SensorThings service (`[feeds.sensorthings]`), when its url is set.
    pub sensorthings: Option<SensorThingsSettings>,
    /// Qmatic Orchestra, when `[feeds.qmatic]` is configured.
    pub qmatic: Option<QmaticEndpoint>,
    /// Logs and keys live here.
    pub state_dir: PathBuf,
    /// Settings that came from flags or the environment: (key, origin).
    pub origins: Vec<(String, String)>,
    /// `--as NAME`, accepted only on demo databases.
    pub act_as: Option<String>,
}

/// Standard places for carrel's files.
#[derive(Debug, Clone)]
pub struct Dirs {
    pub config: PathBuf,
    pub data: PathBuf,
    pub state: PathBuf,
}

impl Dirs {
    /// The platform's directories (XDG on Linux), or an error when there is no home directory.
    pub fn standard() -> Result<Dirs, ConfigError> {
        let d = directories::ProjectDirs::from("", "", "carrel").ok_or_else(|| {
            ConfigError::at(
                "environment",
                "cannot find a home directory; set CARREL_CONFIG and CARREL_DB",
            )
        })?;
        Ok(Dirs {
            config: d.config_dir().to_owned(),
            data: d.data_dir().to_owned(),
            state: d.state_dir().unwrap_or_else(|| d.data_local_dir()).to_owned(),
        })
    }
}

/// A problem in a section that another module owns and checks (`[ui.keys]` belongs to the
/// console's keymap): the table, the key and what is wrong.
pub type SectionProblem = (&'static str, String, String);

/// Checks of sections that other modules own, run by [`check`] beside carrel's own.
pub type SectionCheck<'a> = &'a dyn Fn(&FileConfig) -> Vec<SectionProblem>;

/// Loads the configuration with the real environment and standard directories.
pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
    let dirs = Dirs::standard()?;
    load_with(overrides, &|k| std::env::var(k).ok(), &dirs)
}

/// Loads the configuration; `env` looks up environment variables (tests pass their own). Of
/// several problems the first is returned, saying how many more `carrel config check` lists.
pub fn load_with(
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
    dirs: &Dirs,
) -> Result<Config, ConfigError> {
    check_with(overrides, env, dirs, &|_| Vec::new()).map_err(|problems| {
        let more = more_problems(problems.len());
        let mut first = problems.into_iter().next().unwrap_or_else(|| {
            ConfigError::at("configuration", "refused without a reason (a defect in carrel)")
        });
        first.message.push_str(&more);
        first
    })
}

/// Loads the configuration with the real environment, and every problem in it when it is
/// refused — the file's, the environment's and those `extra` finds — in the file's order.
pub fn check(overrides: &Overrides, extra: SectionCheck<'_>) -> Result<Config, Vec<ConfigError>> {
    let dirs = Dirs::standard().map_err(|e| vec![e])?;
    check_with(overrides, &|k| std::env::var(k).ok(), &dirs, extra)
}

/// [`check`] with the environment and directories given (tests pass their own).
pub fn check_with(
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
    dirs: &Dirs,
    extra: SectionCheck<'_>,
) -> Result<Config, Vec<ConfigError>> {
    let env = |k: &str| env(k).filter(|v| !v.is_empty());
    let mut origins = Vec::new();
    let mut problems = Vec::new();
    let (file, explicit) = match (&overrides.config, env(ENV_CONFIG)) {
        (Some(p), _) => (p.clone(), true),
        (None, Some(p)) => (PathBuf::from(p), true),
        (None, None) => (dirs.config.join("config.toml"), false),
    };
    let (settings, src, file) = match input::read_to_string(&file, &input::CONFIG) {
        Ok(src) => {
            let (settings, found) = parse::file_config(&file, &src);
            problems.extend(found);
            // Not TOML: nothing more can be said about it.
            let Some(settings) = settings else { return Err(problems) };
            (settings, src, Some(file))
        }
        Err(e) if e.is_not_found() && !explicit => (FileConfig::default(), String::new(), None),
        Err(e) => return Err(vec![ConfigError::in_file(&file, None, e.problem.to_string())]),
    };
    let mut settings = settings;

    // Database path: flag > env > file > default.
    let db_path_is_default =
        overrides.db.is_none() && env(ENV_DB).is_none() && settings.database.path.is_none();
    let db_path = if let Some(p) = &overrides.db {
        origins.push(("database.path".into(), "--db".into()));
        p.clone()
    } else if let Some(p) = env(ENV_DB) {
        origins.push(("database.path".into(), ENV_DB.into()));
        PathBuf::from(p)
    } else if let Some(p) = &settings.database.path {
        relative_to(file.as_deref(), p)
    } else {
        dirs.data.join("carrel.db")
    };
    for key in ["password_file", "ca_file"] {
        let slot = if key == "ca_file" {
            &mut settings.database.ca_file
        } else {
            &mut settings.database.password_file
        };
        if let Some(p) = slot.as_ref() {
            *slot = Some(relative_to(file.as_deref(), p));
        }
    }
    // A URL given by flag or variable wins over the file's path or url; in the file, one of
    // the two.
    let named = overrides.db.is_some() || env(ENV_DB).is_some();
    let url = if named {
        Some(db_path.to_string_lossy().into_owned()).filter(|u| crate::store::pg::is_url(u))
    } else {
        if settings.database.url.is_some() && settings.database.path.is_some() {
            problems.push(ConfigError::at(
                "[database]",
                "both path and url are set; a database is a SQLite file (path) or a PostgreSQL server (url), not both",
            ));
        }
        settings.database.url.clone()
    };
    let database = match url {
        Some(url) => {
            match crate::store::pg::PgTarget::parse(
                &url,
                settings.database.password_file.as_deref(),
                settings.database.ca_file.as_deref(),
            ) {
                Ok(t) => crate::store::Location::Server(t),
                Err(e) => {
                    problems.push(ConfigError::at("[database]", e));
                    crate::store::Location::File(db_path)
                }
            }
        }
        None => crate::store::Location::File(db_path),
    };
    let db_path = match &database {
        crate::store::Location::Server(t) => PathBuf::from(t.shown()),
        crate::store::Location::File(p) => p.clone(),
    };
    if matches!(database, crate::store::Location::File(_)) {
        settings.database.path = Some(db_path.clone());
    }
    if let Some(k) = &settings.privacy.key_file {
        settings.privacy.key_file = Some(relative_to(file.as_deref(), k));
    }

    for (key, flag, var, slot) in [
        ("feeds.sensor.url", &overrides.sensor_url, ENV_SENSOR_URL, &mut settings.feeds.sensor.url),
        ("feeds.recs.url", &overrides.recs_url, ENV_RECS_URL, &mut settings.feeds.recs.url),
    ] {
        if let Some(v) = flag {
            origins.push((
                key.into(),
                format!("--{}", var.trim_start_matches("CARREL_").to_lowercase().replace('_', "-")),
            ));
            *slot = Some(v.clone());
        } else if let Some(v) = env(var) {
            origins.push((key.into(), var.into()));
            *slot = Some(v);
        }
    }

    let f = file.as_ref();
    for (table, key, msg) in settings.validate() {
        problems.push(error::placed(f, &src, table, key, &msg));
    }
    for (table, key, msg) in extra(&settings) {
        problems.push(error::placed(f, &src, table, &key, &msg));
    }
    let timezone: Tz = settings.library.timezone.parse().unwrap_or_else(|_| {
        problems.push(error::placed(
            f,
            &src,
            "library",
            "timezone",
            &format!(
                "unknown time zone '{}' (use an IANA name such as Europe/London)",
                settings.library.timezone
            ),
        ));
        Tz::UTC
    });

    let sensor_token = kept(
        &mut problems,
        token(&env, ENV_SENSOR_TOKEN, settings.feeds.sensor.token_file.as_deref(), file.as_deref()),
    );
    let recs_token = kept(
        &mut problems,
        token(&env, ENV_RECS_TOKEN, settings.feeds.recs.token_file.as_deref(), file.as_deref()),
    );
    let origin_of = |key: &str| origins.iter().find(|(k, _)| k == key).map(|(_, o)| o.clone());
    let sensor = kept(
        &mut problems,
        endpoint(
            settings.feeds.sensor.url.as_deref(),
            origin_of("feeds.sensor.url").as_ref(),
            f,
            &src,
            "feeds.sensor",
            sensor_token,
            settings.feeds.sensor.http(),
        ),
    );
    let recs = kept(
        &mut problems,
        endpoint(
            settings.feeds.recs.url.as_deref(),
            origin_of("feeds.recs.url").as_ref(),
            f,
            &src,
            "feeds.recs",
            recs_token,
            settings.feeds.recs.http(),
        ),
    );
    let libcal = kept(&mut problems, libcal::settings(&settings.feeds.libcal, f, &src));
    let occuspace =
        occuspace::settings(&settings.feeds.occuspace, f, &src).unwrap_or_else(|mut found| {
            problems.append(&mut found);
            None
        });
    let sensorthings = sensorthings::settings(&settings.feeds.sensorthings, f, &src)
        .unwrap_or_else(|mut found| {
            problems.append(&mut found);
            None
        });
    let qmatic = kept(&mut problems, qmatic_endpoint(&settings.feeds.qmatic, f, &src));
    if !problems.is_empty() {
        // In the file's order; problems of other files and of the environment after them.
        let here = f.map(|f| f.display().to_string());
        problems.sort_by_key(|p| (Some(&p.place) != here.as_ref(), p.line.unwrap_or(usize::MAX)));
        return Err(problems);
    }
    let state_dir = match &settings.logging.dir {
        Some(d) => relative_to(file.as_deref(), d),
        None => dirs.state.clone(),
    };
    Ok(Config {
        act_as: overrides.act_as.clone(),
        settings,
        file,
        db_path,
        database,
        db_path_is_default,
        timezone,
        sensor,
        recs,
        libcal,
        occuspace,
        sensorthings,
        qmatic,
        state_dir,
        origins,
    })
}

/// The value of a step that may fail, its problem kept for the list.
fn kept<T>(problems: &mut Vec<ConfigError>, step: Result<Option<T>, ConfigError>) -> Option<T> {
    step.unwrap_or_else(|e| {
        problems.push(e);
        None
    })
}

/// Paths in the file are relative to the file's directory.
fn relative_to(file: Option<&Path>, p: &Path) -> PathBuf {
    match file.and_then(Path::parent) {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p.to_owned(),
    }
}

/// `[feeds.qmatic]` as its adapter needs it, when the section is on and complete (what is
/// missing was reported by the section's own checks). The password file is read as a token
/// file is: a regular file of at most 64 KiB; its first line, without the line ending, is the
/// password.
fn qmatic_endpoint(
    q: &sections::QmaticFeed,
    file: Option<&PathBuf>,
    src: &str,
) -> Result<Option<QmaticEndpoint>, ConfigError> {
    let (Some(url), Some(user), Some(password_file), Some(branch_id)) =
        (q.url.as_deref(), q.user.as_ref(), q.password_file.as_deref(), q.branch_id)
    else {
        return Ok(None);
    };
    let path = relative_to(file.map(PathBuf::as_path), password_file);
    let text = input::read_to_string(&path, &input::SECRET)
        .map_err(|e| ConfigError::in_file(&path, None, format!("password file: {}", e.problem)))?;
    let mut lines = text.lines();
    let password = lines.next().unwrap_or_default();
    if password.is_empty() {
        return Err(ConfigError::in_file(&path, None, "password file is empty"));
    }
    if password.chars().any(char::is_control) || lines.any(|l| !l.trim().is_empty()) {
        return Err(ConfigError::in_file(
            &path,
            None,
            "password file holds more than one line (or control characters)",
        ));
    }
    let Some(endpoint) = endpoint(Some(url), None, file, src, "feeds.qmatic", None, q.http())?
    else {
        return Ok(None);
    };
    Ok(Some(QmaticEndpoint {
        endpoint,
        user: user.clone(),
        password: Secret(password.to_owned()),
        password_origin: path.display().to_string(),
        branch_id,
    }))
}

fn token(
    env: &dyn Fn(&str) -> Option<String>,
    var: &str,
    token_file: Option<&Path>,
    config_file: Option<&Path>,
) -> Result<Option<(Secret, String)>, ConfigError> {
    if let Some(t) = env(var) {
        return Ok(Some((Secret(t.trim().to_owned()), var.to_owned())));
    }
    let Some(path) = token_file else { return Ok(None) };
    let path = relative_to(config_file, path);
    let secret = secret_file(&path, "token file")?;
    Ok(Some((secret, path.display().to_string())))
}

/// The one word in a token or secret file, `what` naming the file in messages ("token
/// file"): the file read through [`input`] (a regular file, at most 64 KiB), not empty, and
/// without whitespace inside the word.
fn secret_file(path: &Path, what: &str) -> Result<Secret, ConfigError> {
    let text = input::read_to_string(path, &input::SECRET)
        .map_err(|e| ConfigError::in_file(path, None, format!("{what}: {}", e.problem)))?;
    let t = text.trim();
    if t.is_empty() {
        return Err(ConfigError::in_file(path, None, format!("{what} is empty")));
    }
    if t.chars().any(|c| c.is_control() || c == ' ') {
        let noun = what.trim_end_matches(" file").rsplit(' ').next().unwrap_or(what);
        return Err(ConfigError::in_file(
            path,
            None,
            format!("{what} holds more than one {noun} (whitespace inside)"),
        ));
    }
    Ok(Secret(t.to_owned()))
}

/// [`secret_file`], and the file its owner's alone: a secret others can read is refused, not
/// merely warned about (a LibCal client secret, a SensorThings token).
fn private_secret_file(path: &Path, what: &str) -> Result<Secret, ConfigError> {
    let secret = secret_file(path, what)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            return Err(ConfigError::in_file(
                path,
                None,
                format!(
                    "{what} is readable by others (mode {:o}); chmod 600 it",
                    meta.permissions().mode() & 0o777
                ),
            ));
        }
    }
    Ok(secret)
}

fn endpoint(
    url: Option<&str>,
    origin: Option<&String>,
    file: Option<&PathBuf>,
    src: &str,
    table: &str,
    token: Option<(Secret, String)>,
    http: sections::HttpSettings,
) -> Result<Option<Endpoint>, ConfigError> {
    let Some(raw) = url else { return Ok(None) };
    let bad = |msg: String| match &origin {
        Some(o) => ConfigError::at(o.as_str(), msg),
        None => error::placed(file, src, table, "url", &msg),
    };
    let url = Url::parse(raw).map_err(|e| bad(format!("'{raw}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!("'{raw}': only http and https URLs are supported")));
    }
    if url.host_str().is_none() {
        return Err(bad(format!("'{raw}': the URL has no host")));
    }
    let (token, token_origin) = match token {
        Some((t, o)) => (Some(t), Some(o)),
        None => (None, None),
    };
    Ok(Some(Endpoint {
        url,
        token,
        token_origin,
        connect_timeout: http.connect_timeout,
        timeout: http.timeout,
        max_body_bytes: http.max_body_bytes,
    }))
}

/// Where a database's key files are: `[privacy] key_file` if named, else its own directory in
/// the state directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLocation {
    pub named: Option<PathBuf>,
    pub state_dir: PathBuf,
}

impl KeyLocation {
    pub fn database_key_dir(&self, database_id: Option<&str>) -> PathBuf {
        match database_id {
            Some(id) => self.state_dir.join("databases").join(id),
            None => self.state_dir.clone(),
        }
    }

    pub fn key_file(&self, database_id: Option<&str>) -> PathBuf {
        match &self.named {
            Some(p) => p.clone(),
            None => self.database_key_dir(database_id).join(crate::domain::crypto::KEY_FILE_NAME),
        }
    }
}

impl Config {
    /// Where the keys of the database with `database_id` live by default: its own directory in
    /// the state directory, `databases/<id>/`, so no two databases share a key. A database made
    /// before carrel recorded ids (`None`) keeps the state directory itself.
    pub fn database_key_dir(&self, database_id: Option<&str>) -> PathBuf {
        self.key_location().database_key_dir(database_id)
    }

    /// The patron key file of the database with `database_id`: `[privacy] key_file`, or
    /// `patron.key` in [`Config::database_key_dir`].
    pub fn key_file(&self, database_id: Option<&str>) -> PathBuf {
        self.key_location().key_file(database_id)
    }

    /// Where key files are, for a process that learns the database's id later (the ingest).
    pub fn key_location(&self) -> KeyLocation {
        KeyLocation {
            named: self.settings.privacy.key_file.clone(),
            state_dir: self.state_dir.clone(),
        }
    }

    /// How consent is enforced (`[privacy] consent_mode`, checked when the file was loaded).
    pub fn consent_mode(&self) -> crate::domain::consent::ConsentMode {
        crate::domain::consent::ConsentMode::parse(&self.settings.privacy.consent_mode)
            .unwrap_or_default()
    }

    /// When each feed's data counts as stale: each feed's refresh interval (the same as the
    /// ingest's schedule, `IngestOptions::from_config`) and each API's floor.
    pub fn staleness(&self) -> crate::domain::freshness::Staleness {
        let s = &self.settings.feeds.sensor;
        let r = &self.settings.feeds.recs;
        let secs = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        crate::domain::freshness::Staleness::new(
            secs(s.stale_after_s),
            secs(r.stale_after_s),
            &[
                ("sensor.layout", secs(s.layout_refresh_s)),
                ("sensor.seats", secs(s.refresh_s)),
                ("sensor.service_points", secs(s.refresh_s)),
                ("sensor.environment", secs(s.environment_refresh_s)),
                ("sensor.arrivals", secs(s.arrivals_refresh_s)),
                ("sensor.occupancy", secs(s.refresh_s)),
                ("engine.forecasts", secs(self.settings.queues.forecast_every_s)),
                ("recs.model", secs(r.refresh_s)),
                ("recs.catalog", secs(r.catalog_refresh_s)),
                ("engine.rules", secs(self.settings.alerts.every_s)),
                ("engine.recs", secs(self.settings.patrons.local_model_every_s)),
                ("audit.witnesses", secs(self.settings.audit.checkpoint_every_s)),
            ],
        )
    }

    /// Where `key` of `[table]` is set, as `FILE:LINE` (or the file, or "defaults"), for errors
    /// found after loading, such as a bad key binding.
    pub fn place(&self, table: &str, key: &str) -> String {
        match &self.file {
            Some(f) => {
                let src = input::read_to_string(f, &input::CONFIG).unwrap_or_default();
                match error::find_key_line(&src, table, key) {
                    Some(line) => format!("{}:{line}", f.display()),
                    None => f.display().to_string(),
                }
            }
            None => "defaults".into(),
        }
    }

    /// Settings that work but are unwise: a token or client secret sent over plain HTTP to
    /// another machine, a token file others can read.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(l) = &self.libcal
            && l.url.scheme() == "http"
            && !is_loopback(&l.url)
        {
            out.push(format!(
                "feeds.libcal: the client secret is sent over plain http to {}; use https",
                l.url
            ));
        }
        if let Some(o) = &self.occuspace
            && o.url.scheme() == "http"
            && !is_loopback(&o.url)
        {
            out.push(format!(
                "feeds.occuspace: the token is sent over plain http to {}; use https",
                o.url
            ));
        }
        if let Some(st) = &self.sensorthings
            && st.token.is_some()
            && st.url.scheme() == "http"
            && !is_loopback(&st.url)
        {
            out.push(format!(
                "feeds.sensorthings: the token is sent over plain http to {}; use https",
                st.url
            ));
        }
        for (name, ep) in [("feeds.sensor", &self.sensor), ("feeds.recs", &self.recs)] {
            let Some(ep) = ep else { continue };
            if ep.token.is_some() && ep.url.scheme() == "http" && !is_loopback(&ep.url) {
                out.push(format!(
                    "{name}: the token is sent over plain http to {}; use https",
                    redact_url(ep.url.as_str())
                ));
            }
            #[cfg(unix)]
            if let Some(origin) = &ep.token_origin
                && let Ok(meta) = std::fs::metadata(origin)
            {
                use std::os::unix::fs::PermissionsExt;
                if meta.permissions().mode() & 0o077 != 0 {
                    out.push(format!(
                        "{name}: token file {origin} is readable by others; chmod 600 it"
                    ));
                }
            }
        }
        if let Some(q) = &self.qmatic {
            let ep = &q.endpoint;
            let loopback =
                matches!(ep.url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]" | "::1"));
            if ep.url.scheme() == "http" && !loopback {
                out.push(format!(
                    "feeds.qmatic: the password is sent over plain http to {}; use https",
                    redact_url(ep.url.as_str())
                ));
            }
            #[cfg(unix)]
            if let Ok(meta) = std::fs::metadata(&q.password_origin) {
                use std::os::unix::fs::PermissionsExt;
                if meta.permissions().mode() & 0o077 != 0 {
                    out.push(format!(
                        "feeds.qmatic: password file {} is readable by others; chmod 600 it",
                        q.password_origin
                    ));
                }
            }
        }
        out
    }

    /// The effective configuration as TOML that carrel itself would accept, with a header
    /// saying where overridden values and secrets came from. Secrets are never printed.
    pub fn render(&self) -> String {
        let mut out = String::from("# carrel effective configuration\n");
        match &self.file {
            Some(f) => out.push_str(&format!("# file: {}\n", f.display())),
            None => out.push_str("# file: none (defaults)\n"),
        }
        for (key, origin) in &self.origins {
            out.push_str(&format!("# {key} from {origin}\n"));
        }
        for (name, ep) in [("feeds.sensor", &self.sensor), ("feeds.recs", &self.recs)] {
            let line = match ep.as_ref().and_then(|e| e.token_origin.as_ref()) {
                Some(o) => format!("# {name} token: <redacted> from {o}\n"),
                None => format!("# {name} token: none\n"),
            };
            out.push_str(&line);
        }
        if let Some(l) = &self.libcal {
            out.push_str(&format!(
                "# feeds.libcal client secret: <redacted> from {}\n",
                l.secret_origin
            ));
        }
        if let Some(o) = &self.occuspace {
            out.push_str(&format!("# feeds.occuspace token: <redacted> from {}\n", o.token_origin));
        }
        if let Some(st) = &self.sensorthings {
            let line = match &st.token_origin {
                Some(o) => format!("# feeds.sensorthings token: <redacted> from {o}\n"),
                None => "# feeds.sensorthings token: none\n".to_owned(),
            };
            out.push_str(&line);
        }
        if let Some(q) = &self.qmatic {
            out.push_str(&format!(
                "# feeds.qmatic password: <redacted> from {}\n",
                q.password_origin
            ));
        }
        out.push('\n');
        let mut shown = self.settings.clone();
        for url in [
            &mut shown.feeds.sensor.url,
            &mut shown.feeds.recs.url,
            &mut shown.feeds.libcal.url,
            &mut shown.feeds.occuspace.url,
            &mut shown.feeds.sensorthings.url,
            &mut shown.feeds.qmatic.url,
        ]
        .into_iter()
        .flatten()
        {
            *url = redact_url(url);
        }
        out.push_str(
            &toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot render: {e}\n")),
        );
        out
    }
}

/// Whether `url` names this machine.
fn is_loopback(url: &Url) -> bool {
    matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]" | "::1"))
}

/// A URL as it may be shown: a user name and password in it (`https://user:pw@host/`) are
/// replaced by `<redacted>`, so `config check`, the System tab and logs never print them.
pub fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_password(None);
            let _ = u.set_username("");
            let plain = u.to_string();
            let scheme = format!("{}://", u.scheme());
            match plain.strip_prefix(&scheme) {
                Some(rest) => format!("{scheme}<redacted>@{rest}"),
                None => plain,
            }
        }
        Ok(_) => url.to_owned(),
        // Not a URL: it cannot be parsed for userinfo, so keep only what precedes an `@`-free
        // tail.
        Err(_) => match url.rsplit_once('@') {
            Some((_, host)) => format!("<redacted>@{host}"),
            None => url.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests;
