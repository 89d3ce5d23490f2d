//! `[feeds.occuspace]`: an Occuspace account as a source of head counts per zone.
//!
//! The section is off until `url` (the API base, e.g. `https://api.occuspace.io`) is set; with
//! it, `token_file` and at least one entry of `zones` are required. `zones` maps an Occuspace
//! location id to the carrel zone it counts (`[feeds.occuspace.zones]`, `1560 = "F0-Z1"`); a
//! zone is counted by one location at most, since two counts of one zone would have nothing to
//! choose between them. The token file is read with the checks of a LibCal client secret (one
//! word, the file its owner's alone): Occuspace tokens are long-lived and read every location
//! of the account.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;
use serde::{Deserialize, Serialize};

use super::error::{ConfigError, find_key_line, placed};
use super::{Secret, relative_to};
use crate::domain::sanitize::{clean_text, valid_id};

/// The table the zones are written in.
const ZONES: &str = "feeds.occuspace.zones";

/// The most locations one account may map.
pub const MAX_LOCATIONS: usize = 1000;

/// The `[feeds.occuspace]` table as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OccuspaceFeed {
    /// The API base, e.g. `https://api.occuspace.io`; v1 and v2 live under it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The file holding the bearer token Occuspace issued (its owner's alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    /// How long to wait for a connection, in milliseconds.
    pub connect_timeout_ms: u64,
    /// How long a whole request may take, body included, in milliseconds.
    pub timeout_ms: u64,
    /// Larger answers are refused.
    pub max_body_bytes: u64,
    /// Occuspace location id → the carrel zone it counts.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub zones: BTreeMap<String, String>,
}

impl Default for OccuspaceFeed {
    fn default() -> Self {
        Self {
            url: None,
            token_file: None,
            connect_timeout_ms: 3000,
            timeout_ms: 10_000,
            max_body_bytes: 4 * 1024 * 1024,
            zones: BTreeMap::new(),
        }
    }
}

impl OccuspaceFeed {
    /// Range checks of the keys that need no file: (key, message) of each bad one. The zones are
    /// checked by [`settings`], which can place each on its line.
    pub fn validate(&self) -> Vec<(&'static str, String)> {
        let mut bad = Vec::new();
        let range = |key: &'static str, v: u64, lo: u64, hi: u64| {
            (v < lo || v > hi).then(|| (key, format!("{v} is out of range {lo}..={hi}")))
        };
        bad.extend(range("connect_timeout_ms", self.connect_timeout_ms, 100, 120_000));
        bad.extend(range("timeout_ms", self.timeout_ms, 100, 600_000));
        bad.extend(range("max_body_bytes", self.max_body_bytes, 1024, 1 << 30));
        if self.zones.len() > MAX_LOCATIONS {
            bad.push(("zones", format!("{} locations; at most {MAX_LOCATIONS}", self.zones.len())));
        }
        if self.url.is_some() {
            if self.token_file.is_none() {
                bad.push(("token_file", "is required when url is set".into()));
            }
            if self.zones.is_empty() {
                bad.push(("zones", "at least one is required when url is set".into()));
            }
        } else if self.token_file.is_some() || !self.zones.is_empty() {
            bad.push(("url", "is missing: the other keys of [feeds.occuspace] need it".into()));
        }
        bad
    }
}

/// An Occuspace account as the adapter reaches it.
#[derive(Debug, Clone)]
pub struct OccuspaceSettings {
    /// The API base.
    pub url: Url,
    /// The bearer token (`Debug` shows `<redacted>`).
    pub token: Secret,
    /// The file the token came from, for `config check`.
    pub token_origin: String,
    /// Each location read and the zone it counts, in the order of their ids.
    pub zones: Vec<(u64, String)>,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long a whole request may take, body included.
    pub timeout: Duration,
    /// Larger answers are refused.
    pub max_body_bytes: u64,
}

/// The line of location `id`'s entry under `[feeds.occuspace.zones]`.
fn zone_line(src: &str, id: &str) -> Option<usize> {
    find_key_line(src, ZONES, id)
}

/// The zones of `feed`, each checked, or a problem for each bad one, placed on its line.
fn zones(
    feed: &OccuspaceFeed,
    file: Option<&PathBuf>,
    src: &str,
) -> Result<Vec<(u64, String)>, Vec<ConfigError>> {
    let mut problems = Vec::new();
    let mut out: Vec<(u64, String)> = Vec::new();
    let mut taken: HashMap<&str, &str> = HashMap::new();
    for (id, zone) in &feed.zones {
        let text = |msg: String| format!("[{ZONES}] {}: {msg}", clean_text(id, 64));
        let bad = |msg: String| match file {
            Some(f) => ConfigError::in_file(f, zone_line(src, id), text(msg)),
            None => ConfigError::at("defaults", text(msg)),
        };
        let Some(n) = id.trim().parse::<u64>().ok().filter(|n| *n > 0) else {
            problems.push(bad("not an Occuspace location id (a whole number above 0)".into()));
            continue;
        };
        if !valid_id(zone) {
            problems.push(bad(format!(
                "zone '{}' is not a zone id (such as F0-Z1)",
                clean_text(zone, 64)
            )));
            continue;
        }
        if let Some(other) = taken.insert(zone.as_str(), id.as_str()) {
            problems.push(bad(format!(
                "zone {zone} is already counted by location {other}; one location per zone"
            )));
            continue;
        }
        if out.iter().any(|(o, _)| *o == n) {
            problems.push(bad(format!("location {n} is listed twice")));
            continue;
        }
        out.push((n, zone.clone()));
    }
    out.sort();
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// The settings of `[feeds.occuspace]` when its url is set, the token read from its file;
/// `file` and `src` are the configuration file and its text, for placing errors. Every bad
/// zone entry is a problem of its own. The range checks of [`OccuspaceFeed::validate`] have
/// been reported already; a section they refused gives `None` here without more problems.
pub fn settings(
    feed: &OccuspaceFeed,
    file: Option<&PathBuf>,
    src: &str,
) -> Result<Option<OccuspaceSettings>, Vec<ConfigError>> {
    let zones = zones(feed, file, src)?;
    let Some(raw) = feed.url.as_deref() else { return Ok(None) };
    if !feed.validate().is_empty() {
        return Ok(None);
    }
    let Some(token_file) = &feed.token_file else { return Ok(None) };
    let bad = |msg: String| vec![placed(file, src, "feeds.occuspace", "url", &msg)];
    let url = Url::parse(raw).map_err(|e| bad(format!("'{raw}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!("'{raw}': only http and https URLs are supported")));
    }
    if url.host_str().is_none() {
        return Err(bad(format!("'{raw}': the URL has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("a user or password in the URL is not sent; use token_file".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(format!("'{raw}': the API base takes no query or fragment")));
    }
    let path = relative_to(file.map(PathBuf::as_path), token_file);
    let token = super::private_secret_file(&path, "token file").map_err(|e| vec![e])?;
    Ok(Some(OccuspaceSettings {
        url,
        token,
        token_origin: path.display().to_string(),
        zones,
        connect_timeout: Duration::from_millis(feed.connect_timeout_ms),
        timeout: Duration::from_millis(feed.timeout_ms),
        max_body_bytes: feed.max_body_bytes,
    }))
}
