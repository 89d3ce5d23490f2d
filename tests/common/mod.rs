//! Shared helpers for integration tests: a real simulator on an ephemeral loopback port, a
//! fresh database, and an ingest wired to both.
#![allow(dead_code, clippy::unwrap_used)]

pub mod backend;
pub mod pg;
pub mod procs;
pub mod tamper;

use std::collections::HashSet;
use std::time::Duration;

use carrel::config::Endpoint;
use carrel::domain::sanitize::is_unsafe_char;
use carrel::engine::SharedStore;
use carrel::engine::ingest::{Feed, Ingest, IngestOptions};
use carrel::feeds::Sources;
use carrel::sim::{self, FaultPlan, SimConfig, SimHandle};
use carrel::store::Store;
use carrel::store::db::Value;
use chrono::{DateTime, Utc};

/// The carrel binary with an environment of its own under `home`: configuration, data and
/// state directories there, nothing inherited from whoever runs the tests.
pub fn carrel_in(home: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_carrel"));
    c.env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"));
    c
}

/// A busy weekday morning, outside exam weeks.
pub fn busy_morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-18T11:00:00Z").unwrap().to_utc()
}

/// Starts a frozen simulator (speed 0) so answers do not change under the test.
pub async fn frozen_sim(seed: u64, faults: &str) -> SimHandle {
    let mut cfg = SimConfig::new(seed);
    cfg.speed = 0.0;
    cfg.start = busy_morning();
    cfg.faults = faults.parse::<FaultPlan>().unwrap();
    sim::start(cfg, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

pub fn endpoint(url: &str, timeout: Duration, max_body: u64) -> Endpoint {
    Endpoint {
        url: url.parse().unwrap(),
        token: None,
        token_origin: None,
        connect_timeout: timeout,
        timeout,
        max_body_bytes: max_body,
    }
}

pub fn options() -> IngestOptions {
    IngestOptions {
        every: Feed::ALL.into_iter().map(|f| (f, Duration::from_millis(200))).collect(),
        arrivals_history_days: 28,
        arrivals_step_s: 900,
        lease_ttl: Duration::from_secs(3),
        backoff_max: Duration::from_secs(1),
        forecast: carrel::engine::forecasts::Plan {
            step_s: 900,
            history_weeks: 8,
            horizon: chrono::Duration::days(1),
            tz: chrono_tz::UTC,
        },
        rules: None,
        review: None,
        witnessing: None,
    }
}

/// A fresh database file in `dir` and an ingest from the simulator at `url`.
pub fn ingest(
    dir: &tempfile::TempDir,
    url: &str,
    timeout: Duration,
    max_body: u64,
) -> (Ingest, SharedStore) {
    let path = dir.path().join("test.db");
    let store = backend::create_store(&path, false, "test");
    let db = SharedStore::new(store);
    let ep = endpoint(url, timeout, max_body);
    let sources = Sources::own_apis(Some(&ep), Some(&ep)).unwrap();
    (Ingest::new(db.clone(), sources, options()), db)
}

/// GETs a path from the simulator and parses the JSON.
pub async fn get_json(base: &str, path: &str) -> serde_json::Value {
    let body = reqwest::get(format!("{base}{path}")).await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// Every text value in every table, with where it was found.
pub fn all_text(store: &Store) -> Vec<(String, String)> {
    let conn = store.conn();
    let tables = carrel::store::copy::TABLES;
    let mut out = vec![];
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t}")).unwrap();
        let mut rows = stmt.query(()).unwrap();
        while let Some(row) = rows.next_row().unwrap() {
            for i in 0..row.column_count() {
                if let Ok(Value::Text(s)) = row.get(i) {
                    out.push((t.to_string(), s));
                }
            }
        }
    }
    out
}

/// Asserts that no stored string holds a control character or bidirectional override.
pub fn assert_no_control_bytes(store: &Store) {
    for (table, text) in all_text(store) {
        assert!(!text.chars().any(is_unsafe_char), "unsafe character in {table}: {text:?}");
    }
}

pub fn ids(values: &[serde_json::Value]) -> HashSet<String> {
    values.iter().filter_map(|v| v["id"].as_str().map(str::to_owned)).collect()
}

/// The personal fields (names, e-mails, accounts, check-in codes) on the simulator's LibCal
/// bookings of today, each at least four characters long: what must reach nothing carrel
/// keeps or shows. The simulator must speak the LibCal flavour.
pub async fn libcal_personal_fields(sim: &SimHandle, config: &SimConfig) -> HashSet<String> {
    let http = reqwest::Client::new();
    let json = |bytes: &[u8]| -> serde_json::Value { serde_json::from_slice(bytes).unwrap() };
    let base = format!("{}/libcal/1.1", sim.base_url());
    let token = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", config.libcal.client_id.as_str()),
            ("client_secret", config.libcal.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let bearer = json(&token)["access_token"].as_str().unwrap().to_owned();
    let mut personal = HashSet::new();
    for lid in sim::flavors::libcal::location_ids(config.seats) {
        let page = http
            .get(format!("{base}/space/bookings?lid={lid}&limit=500"))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        for b in json(&page).as_array().unwrap() {
            for field in ["firstName", "lastName", "email", "account", "check_in_code"] {
                if let Some(v) = b[field].as_str().filter(|v| v.len() >= 4) {
                    personal.insert(v.to_owned());
                }
            }
        }
    }
    personal
}

/// A site under `home` with `toml` as its configuration and `home/x.db` as its database, made
/// by `carrel init`; returns a runner of further commands on it.
pub fn configured_site(
    home: &std::path::Path,
    toml: &str,
) -> impl Fn(&[&str]) -> std::process::Output {
    let cfg = home.join("config.toml");
    std::fs::write(&cfg, toml).unwrap();
    let (home, db) = (home.to_owned(), home.join("x.db"));
    let run = move |args: &[&str]| {
        carrel_in(&home).arg("--config").arg(&cfg).arg("--db").arg(&db).args(args).output().unwrap()
    };
    let out = run(&["init"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    run
}

/// The outcome of feed `name` in a `carrel sync --json` answer.
pub fn synced_feed(synced: &serde_json::Value, name: &str) -> serde_json::Value {
    synced["feeds"].as_array().unwrap().iter().find(|f| f["feed"] == name).unwrap().clone()
}
