//! `[feeds.libcal]`: a Springshare LibCal site as a source of seats and bookings.
//!
//! The section is off until `url` is set; with it, `client_id`, `client_secret_file` and at
//! least one of `location_ids` are required. The client secret is read from its file like a
//! token file (first word, no whitespace inside), and the file must be its owner's alone: a
//! secret others can read is refused, not merely warned about, because it mints tokens that
//! can cancel patrons' bookings.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;
use serde::{Deserialize, Serialize};

use super::error::{self, ConfigError};
use super::{Secret, relative_to};

/// The `[feeds.libcal]` table as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LibCalFeed {
    /// The site's base URL, e.g. `https://yourlibrary.libcal.com`; the API is under `1.1/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The client id of the API application made in LibCal's admin pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The file holding the application's client secret (its owner's alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_file: Option<PathBuf>,
    /// The LibCal locations (`lid`) whose seats carrel shows, one floor each, in this order.
    pub location_ids: Vec<u64>,
    /// A booking not checked in this many minutes after it began is a no-show.
    pub no_show_after_min: u32,
    /// How long to wait for a connection, in milliseconds.
    pub connect_timeout_ms: u64,
    /// How long a whole request may take, body included, in milliseconds.
    pub timeout_ms: u64,
    /// Larger answers are refused.
    pub max_body_bytes: u64,
}

impl Default for LibCalFeed {
    fn default() -> Self {
        Self {
            url: None,
            client_id: None,
            client_secret_file: None,
            location_ids: Vec::new(),
            no_show_after_min: 15,
            connect_timeout_ms: 3000,
            timeout_ms: 10_000,
            max_body_bytes: 16 * 1024 * 1024,
        }
    }
}

/// The most locations one site may list.
pub const MAX_LOCATIONS: usize = 100;

impl LibCalFeed {
    /// Range checks of the values that need no file: (key, message) of each bad one.
    pub fn validate(&self) -> Vec<(&'static str, String)> {
        let mut bad = Vec::new();
        let range = |key: &'static str, v: u64, lo: u64, hi: u64| {
            (v < lo || v > hi).then(|| (key, format!("{v} is out of range {lo}..={hi}")))
        };
        bad.extend(range("no_show_after_min", u64::from(self.no_show_after_min), 1, 24 * 60));
        bad.extend(range("connect_timeout_ms", self.connect_timeout_ms, 100, 120_000));
        bad.extend(range("timeout_ms", self.timeout_ms, 100, 600_000));
        bad.extend(range("max_body_bytes", self.max_body_bytes, 1024, 1 << 30));
        if self.location_ids.len() > MAX_LOCATIONS {
            bad.push((
                "location_ids",
                format!("{} locations; at most {MAX_LOCATIONS}", self.location_ids.len()),
            ));
        }
        if let Some(zero) = self.location_ids.iter().find(|l| **l == 0) {
            bad.push(("location_ids", format!("{zero} is not a LibCal location id")));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = self.location_ids.iter().find(|l| !seen.insert(**l)) {
            bad.push(("location_ids", format!("location {twice} is listed twice")));
        }
        if let Some(id) = &self.client_id
            && (id.is_empty() || id.len() > 256 || id.chars().any(|c| c.is_control() || c == ' '))
        {
            bad.push(("client_id", "must be one word of at most 256 characters".into()));
        }
        let set = |key: &'static str, is_set: bool| (!is_set).then_some(key);
        if self.url.is_some() {
            for key in [
                set("client_id", self.client_id.is_some()),
                set("client_secret_file", self.client_secret_file.is_some()),
                set("location_ids", !self.location_ids.is_empty()),
            ]
            .into_iter()
            .flatten()
            {
                bad.push((key, "is required when url is set".into()));
            }
        } else if self.client_id.is_some()
            || self.client_secret_file.is_some()
            || !self.location_ids.is_empty()
        {
            bad.push(("url", "is missing: the other keys of [feeds.libcal] need it".into()));
        }
        bad
    }
}

/// A LibCal site as the adapter reaches it.
#[derive(Debug, Clone)]
pub struct LibCalSettings {
    /// The site's base URL.
    pub url: Url,
    /// The API application's client id.
    pub client_id: String,
    /// Never printed (`Debug` shows `<redacted>`).
    pub client_secret: Secret,
    /// The file the secret came from, for `config check`.
    pub secret_origin: String,
    /// The locations shown, one floor each, in this order.
    pub location_ids: Vec<u64>,
    /// A booking not checked in this many minutes after it began is a no-show.
    pub no_show_after_min: u32,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long a whole request may take, body included.
    pub timeout: Duration,
    /// Larger answers are refused.
    pub max_body_bytes: u64,
}

/// The settings of `[feeds.libcal]` when its url is set, the secret read from its file;
/// `file` and `src` are the configuration file and its text, for placing errors. The range
/// checks of [`LibCalFeed::validate`] have been reported already; a section they refused
/// gives `None` here without more problems.
pub fn settings(
    feed: &LibCalFeed,
    file: Option<&PathBuf>,
    src: &str,
) -> Result<Option<LibCalSettings>, ConfigError> {
    let Some(raw) = feed.url.as_deref() else { return Ok(None) };
    if !feed.validate().is_empty() {
        return Ok(None);
    }
    let (Some(client_id), Some(secret_file)) = (&feed.client_id, &feed.client_secret_file) else {
        return Ok(None);
    };
    let bad = |msg: String| error::placed(file, src, "feeds.libcal", "url", &msg);
    let url = Url::parse(raw).map_err(|e| bad(format!("'{raw}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!("'{raw}': only http and https URLs are supported")));
    }
    if url.host_str().is_none() {
        return Err(bad(format!("'{raw}': the URL has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("a user or password in the URL is not used by LibCal; remove it".into()));
    }
    let path = relative_to(file.map(PathBuf::as_path), secret_file);
    let secret = read_secret(&path)?;
    Ok(Some(LibCalSettings {
        url,
        client_id: client_id.clone(),
        client_secret: secret,
        secret_origin: path.display().to_string(),
        location_ids: feed.location_ids.clone(),
        no_show_after_min: feed.no_show_after_min,
        connect_timeout: Duration::from_millis(feed.connect_timeout_ms),
        timeout: Duration::from_millis(feed.timeout_ms),
        max_body_bytes: feed.max_body_bytes,
    }))
}

/// The client secret in `path`: the checks of a token file, and the file its owner's alone.
fn read_secret(path: &Path) -> Result<Secret, ConfigError> {
    super::private_secret_file(path, "client secret file")
}
