//! The sections of `config.toml`, their defaults and their range checks.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::comfort::ComfortLimits;

/// The whole file. Every section and key is optional; unknown keys are errors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileConfig {
    pub library: LibrarySection,
    pub database: DatabaseSection,
    pub feeds: FeedsSection,
    pub ingest: IngestSection,
    pub seats: SeatsSection,
    pub comfort: ComfortLimits,
    pub logging: LoggingSection,
    pub ui: UiSection,
    pub queues: QueuesSection,
    pub privacy: PrivacySection,
    pub alerts: super::privacy::AlertsSection,
    pub retention: super::privacy::RetentionSection,
    pub governance: super::privacy::GovernanceSection,
    pub patrons: super::privacy::PatronsSection,
    pub audit: super::audit::AuditSection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LibrarySection {
    /// Shown in the console's title.
    pub name: String,
    /// IANA time zone in which times are shown and opening hours are read.
    pub timezone: String,
    /// When the service desks are open, `HH:MM-HH:MM` in library time: staffing plans put no
    /// window outside them.
    pub opening_hours: String,
}

impl Default for LibrarySection {
    fn default() -> Self {
        Self { name: "Library".into(), timezone: "UTC".into(), opening_hours: "08:00-22:00".into() }
    }
}

impl LibrarySection {
    /// The opening hours as (opening, closing) in library time.
    pub fn hours(&self) -> Result<(chrono::NaiveTime, chrono::NaiveTime), String> {
        parse_hours(&self.opening_hours)
    }
}

/// `HH:MM-HH:MM` within one day, the start before the end.
pub fn parse_hours(text: &str) -> Result<(chrono::NaiveTime, chrono::NaiveTime), String> {
    let bad = || format!("'{text}' is not HH:MM-HH:MM (e.g. 07:00-22:00)");
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let t = |s: &str| chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| bad());
    let (start, end) = (t(a)?, t(b)?);
    if start >= end {
        return Err(format!("'{text}': the start must come before the end on the same day"));
    }
    Ok((start, end))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// A PostgreSQL database (`postgres://…`), instead of a SQLite file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The PostgreSQL password, on the file's first line (else `PGPASSFILE` or `~/.pgpass`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// The CA certificates (PEM) the PostgreSQL server's certificate is checked against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    pub busy_timeout_ms: u64,
}

impl Default for DatabaseSection {
    fn default() -> Self {
        Self { path: None, url: None, password_file: None, ca_file: None, busy_timeout_ms: 5000 }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedsSection {
    pub sensor: SensorFeed,
    pub recs: RecsFeed,
    /// A LibCal site (see `config/libcal.rs`).
    pub libcal: super::libcal::LibCalFeed,
    /// An Occuspace account (see `config/occuspace.rs`).
    pub occuspace: super::occuspace::OccuspaceFeed,
    /// Qmatic Orchestra: service windows, queues and arrivals, and window changes.
    #[serde(skip_serializing_if = "QmaticFeed::is_unset")]
    pub qmatic: QmaticFeed,
    /// An OGC SensorThings service (see `config/sensorthings.rs`).
    pub sensorthings: super::sensorthings::SensorThingsFeed,
}

/// `[feeds.qmatic]`: a Qmatic Orchestra server (`feeds::qmatic`). Off without a URL; with one,
/// `user`, `password_file` and `branch_id` are required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QmaticFeed {
    /// Orchestra's base URL, under which its `rest/` paths live (e.g. `https://q.example/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The Orchestra login carrel signs in as (HTTP basic authentication).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The file holding that login's password, on its first line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// The Orchestra branch that is this library.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch_id: Option<u32>,
    /// How long a connection may take, in milliseconds.
    pub connect_timeout_ms: u64,
    /// How long a whole request may take, body included, in milliseconds.
    pub timeout_ms: u64,
    /// Larger answers are refused.
    pub max_body_bytes: u64,
}

impl Default for QmaticFeed {
    fn default() -> Self {
        Self {
            url: None,
            user: None,
            password_file: None,
            branch_id: None,
            connect_timeout_ms: 3000,
            timeout_ms: 10_000,
            max_body_bytes: 16 * 1024 * 1024,
        }
    }
}

impl QmaticFeed {
    /// Whether the section is absent (all defaults): then it is not shown by `config check`.
    pub fn is_unset(&self) -> bool {
        *self == QmaticFeed::default()
    }

    /// The client's timeouts and size cap.
    pub fn http(&self) -> HttpSettings {
        HttpSettings {
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            timeout: Duration::from_millis(self.timeout_ms),
            max_body_bytes: self.max_body_bytes,
        }
    }
}

/// Timeouts and size cap of one API's client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpSettings {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_body_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SensorFeed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    /// Seats and service windows are polled this often.
    pub refresh_s: u64,
    pub environment_refresh_s: u64,
    pub layout_refresh_s: u64,
    pub arrivals_refresh_s: u64,
    /// How far back arrivals are fetched when the database has none yet.
    pub arrivals_history_days: u32,
    /// Bucket width of the arrivals fetched, in seconds.
    pub arrivals_step_s: u32,
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
    pub max_body_bytes: u64,
    /// The least time without a success before a feed of this API is stale; a feed fetched
    /// less often gets twice its interval and 30 s (`domain::freshness`).
    pub stale_after_s: u64,
}

impl Default for SensorFeed {
    fn default() -> Self {
        Self {
            url: None,
            token_file: None,
            refresh_s: 5,
            environment_refresh_s: 60,
            layout_refresh_s: 3600,
            arrivals_refresh_s: 300,
            arrivals_history_days: 56,
            arrivals_step_s: 900,
            connect_timeout_ms: 3000,
            timeout_ms: 10_000,
            max_body_bytes: 16 * 1024 * 1024,
            stale_after_s: 60,
        }
    }
}

impl SensorFeed {
    pub fn http(&self) -> HttpSettings {
        HttpSettings {
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            timeout: Duration::from_millis(self.timeout_ms),
            max_body_bytes: self.max_body_bytes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecsFeed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    /// The model's provenance is polled this often.
    pub refresh_s: u64,
    pub catalog_refresh_s: u64,
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
    pub max_body_bytes: u64,
    pub stale_after_s: u64,
}

impl Default for RecsFeed {
    fn default() -> Self {
        Self {
            url: None,
            token_file: None,
            refresh_s: 600,
            catalog_refresh_s: 3600,
            connect_timeout_ms: 3000,
            timeout_ms: 5000,
            max_body_bytes: 16 * 1024 * 1024,
            stale_after_s: 1800,
        }
    }
}

impl RecsFeed {
    pub fn http(&self) -> HttpSettings {
        HttpSettings {
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            timeout: Duration::from_millis(self.timeout_ms),
            max_body_bytes: self.max_body_bytes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestSection {
    /// A lease not renewed for this long is free for another process to take.
    pub lease_ttl_s: u64,
    /// Longest wait between retries of a failing feed.
    pub backoff_max_s: u64,
    /// Seat-state history older than this is pruned (the latest state of each seat is kept).
    pub seat_history_days: u32,
}

impl Default for IngestSection {
    fn default() -> Self {
        Self { lease_ttl_s: 15, backoff_max_s: 300, seat_history_days: 90 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeatsSection {
    /// A seat away (belongings, nobody there) for this long is a ghost seat.
    pub ghost_after_min: u32,
}

impl Default for SeatsSection {
    fn default() -> Self {
        Self { ghost_after_min: 30 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingSection {
    /// error, warn, info, debug or trace.
    pub level: String,
    /// Where the log file (and keys) go; default: the platform's state directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
}

impl Default for LoggingSection {
    fn default() -> Self {
        Self { level: "info".into(), dir: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueuesSection {
    /// The service level aimed at: `target_share` of patrons served within `target_within_s`.
    pub target_within_s: u32,
    pub target_share: f64,
    /// Windows should not be busier than this share of the time.
    pub max_occupancy: f64,
    /// How far ahead the Queues tab and `carrel forecast` look, in hours.
    pub horizon_h: u32,
    /// How often the forecasts are refreshed, in seconds.
    pub forecast_every_s: u64,
    /// How much arrival history forecasting uses, in weeks.
    pub history_weeks: u32,
    /// The shortest stretch a staffing plan opens a window for (and the shortest gap it closes
    /// one for), in minutes: a plan that flips every quarter-hour cannot be staffed.
    pub min_shift_min: u32,
}

impl Default for QueuesSection {
    fn default() -> Self {
        Self {
            target_within_s: 300,
            target_share: 0.8,
            max_occupancy: 0.85,
            horizon_h: 4,
            forecast_every_s: 900,
            history_weeks: 8,
            min_shift_min: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacySection {
    /// The patron key file; default: `patron.key` in the database's own key directory,
    /// `databases/<database id>/` in the state directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_file: Option<PathBuf>,
    /// disabled, permissive or enforced (see `domain::consent::ConsentMode`).
    pub consent_mode: String,
}

impl Default for PrivacySection {
    fn default() -> Self {
        Self { key_file: None, consent_mode: "enforced".into() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiSection {
    /// full (the full-screen console) or plain (lines for screen readers and dumb terminals;
    /// also `--plain`, and always when `TERM=dumb`).
    pub mode: String,
    /// What the plain console says unasked: all, important or off (`announce` changes it).
    pub announce: String,
    /// auto, dark, light, 16 or mono. `NO_COLOR` always wins.
    pub theme: String,
    /// Key overrides: action = [keys]; the actions are `tui::keymap::TABLE`'s.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
}

impl Default for UiSection {
    fn default() -> Self {
        Self {
            mode: "full".into(),
            announce: "important".into(),
            theme: "auto".into(),
            keys: Default::default(),
        }
    }
}

type Invalid = (&'static str, &'static str, String);

fn range(table: &'static str, key: &'static str, v: u64, lo: u64, hi: u64) -> Result<(), Invalid> {
    if v < lo || v > hi {
        return Err((table, key, format!("{v} is out of range {lo}..={hi}")));
    }
    Ok(())
}

impl FileConfig {
    /// Range checks after parsing: (table, key, message) of every bad value, so `config check`
    /// can name them all; each section's own checks (alerts, retention, governance, patrons)
    /// give their first.
    pub fn validate(&self) -> Vec<Invalid> {
        const DAY: u64 = 86_400;
        const GIB: u64 = 1 << 30;
        let mut bad = Vec::new();
        bad.extend(
            range("database", "busy_timeout_ms", self.database.busy_timeout_ms, 10, 600_000).err(),
        );
        let s = &self.feeds.sensor;
        let t = "feeds.sensor";
        bad.extend(range(t, "refresh_s", s.refresh_s, 1, DAY).err());
        bad.extend(range(t, "environment_refresh_s", s.environment_refresh_s, 1, DAY).err());
        bad.extend(range(t, "layout_refresh_s", s.layout_refresh_s, 10, 7 * DAY).err());
        bad.extend(range(t, "arrivals_refresh_s", s.arrivals_refresh_s, 10, DAY).err());
        bad.extend(
            range(t, "arrivals_history_days", u64::from(s.arrivals_history_days), 1, 730).err(),
        );
        bad.extend(range(t, "arrivals_step_s", u64::from(s.arrivals_step_s), 60, DAY).err());
        if !s.arrivals_step_s.is_multiple_of(60) {
            bad.push((
                t,
                "arrivals_step_s",
                format!("{} is not a whole number of minutes", s.arrivals_step_s),
            ));
        }
        bad.extend(range(t, "connect_timeout_ms", s.connect_timeout_ms, 100, 120_000).err());
        bad.extend(range(t, "timeout_ms", s.timeout_ms, 100, 600_000).err());
        bad.extend(range(t, "max_body_bytes", s.max_body_bytes, 1024, GIB).err());
        bad.extend(range(t, "stale_after_s", s.stale_after_s, 1, 7 * DAY).err());
        let r = &self.feeds.recs;
        let t = "feeds.recs";
        bad.extend(range(t, "refresh_s", r.refresh_s, 1, 7 * DAY).err());
        bad.extend(range(t, "catalog_refresh_s", r.catalog_refresh_s, 10, 7 * DAY).err());
        bad.extend(range(t, "connect_timeout_ms", r.connect_timeout_ms, 100, 120_000).err());
        bad.extend(range(t, "timeout_ms", r.timeout_ms, 100, 600_000).err());
        bad.extend(range(t, "max_body_bytes", r.max_body_bytes, 1024, GIB).err());
        bad.extend(range(t, "stale_after_s", r.stale_after_s, 1, 30 * DAY).err());
        bad.extend(self.feeds.libcal.validate().into_iter().map(|(k, m)| ("feeds.libcal", k, m)));
        bad.extend(
            self.feeds.occuspace.validate().into_iter().map(|(k, m)| ("feeds.occuspace", k, m)),
        );
        bad.extend(
            self.feeds
                .sensorthings
                .validate()
                .into_iter()
                .map(|(k, m)| ("feeds.sensorthings", k, m)),
        );
        let q = &self.feeds.qmatic;
        let t = "feeds.qmatic";
        bad.extend(range(t, "connect_timeout_ms", q.connect_timeout_ms, 100, 120_000).err());
        bad.extend(range(t, "timeout_ms", q.timeout_ms, 100, 600_000).err());
        bad.extend(range(t, "max_body_bytes", q.max_body_bytes, 1024, GIB).err());
        bad.extend(qmatic_keys(q));
        bad.extend(range("ingest", "lease_ttl_s", self.ingest.lease_ttl_s, 2, 3600).err());
        bad.extend(range("ingest", "backoff_max_s", self.ingest.backoff_max_s, 1, DAY).err());
        bad.extend(
            range("ingest", "seat_history_days", u64::from(self.ingest.seat_history_days), 1, 3650)
                .err(),
        );
        bad.extend(
            range("seats", "ghost_after_min", u64::from(self.seats.ghost_after_min), 1, 24 * 60)
                .err(),
        );
        bad.extend(
            self.comfort
                .validate()
                .map_err(|m| {
                    let key = m.split_whitespace().next().unwrap_or("comfort");
                    let key: &'static str =
                        COMFORT_KEYS.iter().find(|k| **k == key).copied().unwrap_or("comfort");
                    ("comfort", key, m)
                })
                .err(),
        );
        bad.extend(self.library.hours().map_err(|m| ("library", "opening_hours", m)).err());
        bad.extend(self.audit.validate().into_iter().map(|(k, m)| ("audit", k, m)));
        let q = &self.queues;
        bad.extend(range("queues", "target_within_s", u64::from(q.target_within_s), 1, 7200).err());
        bad.extend(range("queues", "min_shift_min", u64::from(q.min_shift_min), 0, 24 * 60).err());
        if !(q.target_share > 0.0 && q.target_share < 1.0) {
            bad.push((
                "queues",
                "target_share",
                format!("{} is not a share strictly between 0 and 1", q.target_share),
            ));
        }
        if !(q.max_occupancy > 0.0 && q.max_occupancy <= 1.0) {
            bad.push((
                "queues",
                "max_occupancy",
                format!("{} is not a share in (0, 1]", q.max_occupancy),
            ));
        }
        bad.extend(range("queues", "horizon_h", u64::from(q.horizon_h), 1, 48).err());
        bad.extend(range("queues", "forecast_every_s", q.forecast_every_s, 60, DAY).err());
        bad.extend(range("queues", "history_weeks", u64::from(q.history_weeks), 2, 104).err());
        bad.extend(self.alerts.validate().err());
        bad.extend(self.retention.policy().err());
        bad.extend(self.governance.validate().err());
        bad.extend(self.patrons.validate().err());
        if !["auto", "dark", "light", "16", "mono"].contains(&self.ui.theme.as_str()) {
            bad.push((
                "ui",
                "theme",
                format!("'{}' is not one of auto, dark, light, 16, mono", self.ui.theme),
            ));
        }
        if !["full", "plain"].contains(&self.ui.mode.as_str()) {
            bad.push(("ui", "mode", format!("'{}' is not one of full, plain", self.ui.mode)));
        }
        if let Err(m) = crate::plain::Level::parse(&self.ui.announce) {
            bad.push(("ui", "announce", m));
        }
        if let Err(m) = crate::domain::consent::ConsentMode::parse(&self.privacy.consent_mode) {
            bad.push(("privacy", "consent_mode", m));
        }
        if !["error", "warn", "info", "debug", "trace"].contains(&self.logging.level.as_str()) {
            bad.push((
                "logging",
                "level",
                format!("'{}' is not one of error, warn, info, debug, trace", self.logging.level),
            ));
        }
        bad
    }
}

const COMFORT_KEYS: [&str; 7] = [
    "temperature_c",
    "co2_ppm_max",
    "light_lux",
    "noise_db_max_silent",
    "noise_db_max_quiet",
    "noise_db_max_computer",
    "noise_db_max_group",
];

/// The keys `[feeds.qmatic]` needs once it is on (has a URL), and the form of the login.
fn qmatic_keys(q: &QmaticFeed) -> Vec<Invalid> {
    let t = "feeds.qmatic";
    let mut bad = Vec::new();
    let set =
        q.url.is_some() || q.user.is_some() || q.password_file.is_some() || q.branch_id.is_some();
    if !set {
        return bad;
    }
    let needs = [
        ("url", q.url.is_none(), "Orchestra's base URL"),
        ("user", q.user.is_none(), "the Orchestra login carrel signs in as"),
        ("password_file", q.password_file.is_none(), "the file holding that login's password"),
        ("branch_id", q.branch_id.is_none(), "the Orchestra branch that is this library"),
    ];
    for (key, missing, what) in needs {
        if missing {
            bad.push((t, key, format!("[feeds.qmatic] needs '{key}' ({what})")));
        }
    }
    if let Some(user) = &q.user
        && (user.is_empty() || user.contains(':') || user.chars().any(char::is_control))
    {
        bad.push((
            t,
            "user",
            "must be a non-empty login without ':' or control characters".to_owned(),
        ));
    }
    bad
}
