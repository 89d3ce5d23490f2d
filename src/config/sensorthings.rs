//! `[feeds.sensorthings]`: an OGC SensorThings API 1.1 service as a source of comfort readings.
//!
//! The section is off until `url` (the service root, e.g. `https://frost.example/v1.1`) is set;
//! with it, at least one datastream is required. `datastreams` maps a datastream's `@iot.id`
//! to the carrel zone it measures and the quantity it measures there (`temperature`, `co2`,
//! `light` or `noise`), either as inline tables under `[feeds.sensorthings.datastreams]`
//! (`42 = { zone = "F0-Z1", quantity = "co2" }`) or as one table per datastream
//! (`[feeds.sensorthings.datastreams.42]`). A zone has at most one datastream per quantity:
//! two sensors of one quantity in one zone would give two readings with nothing to choose
//! between them, so the configuration names the one to use.
//!
//! The optional `token_file` holds a bearer token, read with the checks of a LibCal client
//! secret (one word, the file its owner's alone). Datastream ids are carrel ids (letters,
//! digits, `.`, `_`, `-`, `:`; at most 64 bytes): ids of digits alone are sent as numbers
//! (`Datastreams(42)`), others as text (`Datastreams('th-17.co2')`).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;
use serde::{Deserialize, Serialize};

use super::error::{ConfigError, find_key_line, placed};
use super::{Secret, relative_to};
use crate::domain::comfort::Measure;
use crate::domain::sanitize::{clean_text, valid_id};

/// The table the datastreams are written in.
const DATASTREAMS: &str = "feeds.sensorthings.datastreams";

/// The most datastreams one service may map.
pub const MAX_DATASTREAMS: usize = 2000;

/// The `[feeds.sensorthings]` table as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SensorThingsFeed {
    /// The service root, e.g. `https://frost.example/v1.1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A file holding a bearer token (its owner's alone), for a service that asks for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    /// An observation older than this, before the service's time, is left out.
    pub max_age_s: u64,
    /// How long to wait for a connection, in milliseconds.
    pub connect_timeout_ms: u64,
    /// How long a whole request may take, body included, in milliseconds.
    pub timeout_ms: u64,
    /// Larger answers are refused.
    pub max_body_bytes: u64,
    /// Datastream id → the zone and quantity it measures.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub datastreams: BTreeMap<String, DatastreamEntry>,
}

impl Default for SensorThingsFeed {
    fn default() -> Self {
        Self {
            url: None,
            token_file: None,
            max_age_s: 900,
            connect_timeout_ms: 3000,
            timeout_ms: 10_000,
            max_body_bytes: 4 * 1024 * 1024,
            datastreams: BTreeMap::new(),
        }
    }
}

/// One datastream's entry as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatastreamEntry {
    /// The carrel zone the datastream measures.
    pub zone: String,
    /// What it measures: temperature, co2, light or noise.
    pub quantity: String,
}

impl SensorThingsFeed {
    /// Range checks of the keys that need no file: (key, message) of each bad one. The
    /// datastreams are checked by [`settings`], which can place each on its line.
    pub fn validate(&self) -> Vec<(&'static str, String)> {
        let mut bad = Vec::new();
        let range = |key: &'static str, v: u64, lo: u64, hi: u64| {
            (v < lo || v > hi).then(|| (key, format!("{v} is out of range {lo}..={hi}")))
        };
        bad.extend(range("max_age_s", self.max_age_s, 10, 7 * 86_400));
        bad.extend(range("connect_timeout_ms", self.connect_timeout_ms, 100, 120_000));
        bad.extend(range("timeout_ms", self.timeout_ms, 100, 600_000));
        bad.extend(range("max_body_bytes", self.max_body_bytes, 1024, 1 << 30));
        if self.datastreams.len() > MAX_DATASTREAMS {
            bad.push((
                "datastreams",
                format!("{} datastreams; at most {MAX_DATASTREAMS}", self.datastreams.len()),
            ));
        }
        if self.url.is_some() {
            if self.datastreams.is_empty() {
                bad.push(("datastreams", "at least one is required when url is set".into()));
            }
        } else if self.token_file.is_some() || !self.datastreams.is_empty() {
            bad.push(("url", "is missing: the other keys of [feeds.sensorthings] need it".into()));
        }
        bad
    }
}

/// One datastream as the adapter reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatastreamTarget {
    /// The datastream's `@iot.id`, as configured.
    pub id: String,
    /// The carrel zone it measures.
    pub zone: String,
    /// What it measures.
    pub measure: Measure,
}

/// A SensorThings service as the adapter reaches it.
#[derive(Debug, Clone)]
pub struct SensorThingsSettings {
    /// The service root.
    pub url: Url,
    /// The bearer token, if the service asks for one (`Debug` shows `<redacted>`).
    pub token: Option<Secret>,
    /// The file the token came from, for `config check`.
    pub token_origin: Option<String>,
    /// The datastreams read, in the order of their ids.
    pub datastreams: Vec<DatastreamTarget>,
    /// An observation older than this, before the service's time, is left out.
    pub max_age: Duration,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long a whole request may take, body included.
    pub timeout: Duration,
    /// Larger answers are refused.
    pub max_body_bytes: u64,
}

/// The line of datastream `id`'s entry: `id = {…}` under `[feeds.sensorthings.datastreams]`,
/// else the `zone` line of its own table `[feeds.sensorthings.datastreams.id]` (bare or
/// quoted), else that table's header.
fn datastream_line(src: &str, id: &str) -> Option<usize> {
    find_key_line(src, DATASTREAMS, id).or_else(|| {
        [format!("{DATASTREAMS}.{id}"), format!("{DATASTREAMS}.\"{id}\"")].iter().find_map(
            |table| {
                find_key_line(src, table, "zone").or_else(|| {
                    src.lines().position(|l| l.trim() == format!("[{table}]")).map(|i| i + 1)
                })
            },
        )
    })
}

/// The measure a quantity names.
fn measure(quantity: &str) -> Option<Measure> {
    Measure::ALL.into_iter().find(|m| m.as_str() == quantity)
}

/// The datastreams of `feed`, each checked, or a problem for each bad one, placed on its line.
fn datastreams(
    feed: &SensorThingsFeed,
    file: Option<&PathBuf>,
    src: &str,
) -> Result<Vec<DatastreamTarget>, Vec<ConfigError>> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut taken: HashMap<(&str, Measure), &str> = HashMap::new();
    for (id, entry) in &feed.datastreams {
        let shown = clean_text(id, 64);
        let bad = |msg: String| {
            let text = format!("[{DATASTREAMS}] {shown}: {msg}");
            match file {
                Some(f) => ConfigError::in_file(f, datastream_line(src, id), text),
                None => ConfigError::at("defaults", text),
            }
        };
        if !valid_id(id) {
            problems.push(bad(
                "not a datastream id carrel can send (letters, digits, '.', '_', '-', ':'; at \
                 most 64 bytes)"
                    .into(),
            ));
            continue;
        }
        if !valid_id(&entry.zone) {
            problems.push(bad(format!(
                "zone '{}' is not a zone id (such as F0-Z1)",
                clean_text(&entry.zone, 64)
            )));
            continue;
        }
        let Some(m) = measure(&entry.quantity) else {
            problems.push(bad(format!(
                "quantity '{}' is not one of temperature, co2, light, noise",
                clean_text(&entry.quantity, 40)
            )));
            continue;
        };
        if let Some(other) = taken.insert((entry.zone.as_str(), m), id.as_str()) {
            problems.push(bad(format!(
                "zone {} already has its {} from datastream {other}; one datastream per zone \
                 and quantity",
                entry.zone,
                m.as_str()
            )));
            continue;
        }
        out.push(DatastreamTarget { id: id.clone(), zone: entry.zone.clone(), measure: m });
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// The settings of `[feeds.sensorthings]` when its url is set, the token read from its file;
/// `file` and `src` are the configuration file and its text, for placing errors. Every bad
/// datastream is a problem of its own. The range checks of [`SensorThingsFeed::validate`] have
/// been reported already; a section they refused gives `None` here without more problems.
pub fn settings(
    feed: &SensorThingsFeed,
    file: Option<&PathBuf>,
    src: &str,
) -> Result<Option<SensorThingsSettings>, Vec<ConfigError>> {
    let datastreams = datastreams(feed, file, src)?;
    let Some(raw) = feed.url.as_deref() else { return Ok(None) };
    if !feed.validate().is_empty() {
        return Ok(None);
    }
    let bad = |msg: String| vec![placed(file, src, "feeds.sensorthings", "url", &msg)];
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
        return Err(bad(format!("'{raw}': the service root takes no query or fragment")));
    }
    let (token, token_origin) = match &feed.token_file {
        Some(path) => {
            let path = relative_to(file.map(PathBuf::as_path), path);
            let token = super::private_secret_file(&path, "token file").map_err(|e| vec![e])?;
            (Some(token), Some(path.display().to_string()))
        }
        None => (None, None),
    };
    Ok(Some(SensorThingsSettings {
        url,
        token,
        token_origin,
        datastreams,
        max_age: Duration::from_secs(feed.max_age_s),
        connect_timeout: Duration::from_millis(feed.connect_timeout_ms),
        timeout: Duration::from_millis(feed.timeout_ms),
        max_body_bytes: feed.max_body_bytes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datastream_is_found_on_its_line_in_either_form() {
        let src = "[feeds.sensorthings]\nurl = \"x\"\n\n[feeds.sensorthings.datastreams]\n\
                   42 = { zone = \"F0-Z1\", quantity = \"co2\" }\n\"th-1\" = { zone = \"F0\", \
                   quantity = \"light\" }\n\n[feeds.sensorthings.datastreams.7]\nzone = \"F1\"\n\
                   quantity = \"noise\"\n\n[feeds.sensorthings.datastreams.\"x:9\"]\n\
                   quantity = \"noise\"\n";
        assert_eq!(datastream_line(src, "42"), Some(5));
        assert_eq!(datastream_line(src, "th-1"), Some(6));
        assert_eq!(datastream_line(src, "7"), Some(9));
        assert_eq!(datastream_line(src, "x:9"), Some(12));
        assert_eq!(datastream_line(src, "8"), None);
    }
}
