//! `carrel status` on the real binary: each feed judged against its own schedule, the exit
//! status monitoring reads (0 fresh, 3 stale or failing), and output that fits 80 columns.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use carrel::store::feeds::{self, Success};
use carrel::store::{Store, StoreOptions};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

fn carrel(dir: &Path) -> Command {
    common::carrel_in(dir)
}

struct Db {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib.db");
        let out =
            carrel(dir.path()).args(["init", "--db", path.to_str().unwrap()]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Db { dir, path }
    }

    fn succeeded(&self, feed: &str, at: DateTime<Utc>) {
        let mut store = Store::open(&self.path, StoreOptions::default()).unwrap();
        let ok = Success { records_ok: 10, ..Default::default() };
        store.write(|tx| feeds::record_success(tx, feed, at, &ok)).unwrap();
    }

    fn failed(&self, feed: &str, at: DateTime<Utc>, error: &str) {
        let mut store = Store::open(&self.path, StoreOptions::default()).unwrap();
        store.write(|tx| feeds::record_failure(tx, feed, at, error)).unwrap();
    }

    fn status(&self, extra: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = carrel(self.dir.path());
        c.args(["status", "--db", self.path.to_str().unwrap()]).args(extra);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    /// `status --json` and its exit status.
    fn json(&self, env: &[(&str, &str)]) -> (Value, Option<i32>) {
        let out = self.status(&["--json"], env);
        (serde_json::from_slice(&out.stdout).unwrap(), out.status.code())
    }

    /// `status` as a person reads it, its complaint, and its exit status.
    fn text(&self) -> (String, String, Option<i32>) {
        let out = self.status(&[], &[]);
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
            out.status.code(),
        )
    }
}

fn feed<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["feeds"].as_array().unwrap().iter().find(|f| f["feed"] == name).unwrap()
}

/// The text with its lines joined, for phrases the 80-column output may break.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assert_fits_80(text: &str) {
    for line in text.lines() {
        assert!(line.width() <= 80, "wider than 80 columns: {line:?}\n{text}");
    }
}

#[test]
fn fresh_feeds_exit_0_and_a_stale_or_failing_one_exits_3() {
    let db = Db::new();
    let now = Utc::now();
    // Nothing configured, nothing run: nothing to judge.
    let (out, _, code) = db.text();
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("none configured and none has run"), "{out}");

    // Forecasts refreshed five minutes ago are fresh: they are made every 15 minutes.
    db.succeeded("sensor.seats", now - Duration::seconds(3));
    db.succeeded("sensor.layout", now - Duration::minutes(50));
    db.succeeded("engine.forecasts", now - Duration::minutes(5));
    let (st, code) = db.json(&[]);
    assert_eq!(code, Some(0), "{st}");
    assert_eq!(st["healthy"], true);
    let forecasts = feed(&st, "engine.forecasts");
    assert_eq!(forecasts["stale"], false, "{forecasts}");
    assert_eq!(forecasts["every_s"], 900);
    assert_eq!(forecasts["stale_after_s"], 2 * 900 + 30);
    let (out, err, code) = db.text();
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("all 3 feeds fresh"), "{out}");
    assert!(err.is_empty(), "{err}");

    // Forty minutes without new forecasts is two rounds missed.
    db.succeeded("engine.forecasts", now - Duration::minutes(40));
    let (st, code) = db.json(&[]);
    assert_eq!(code, Some(3), "{st}");
    assert_eq!(st["healthy"], false);
    assert_eq!(st["attention"], serde_json::json!(["engine.forecasts"]));
    let (out, err, code) = db.text();
    assert_eq!(code, Some(3));
    assert!(err.contains("1 of 3 feeds need attention: engine.forecasts (stale)"), "{err}");
    assert!(flat(&out).contains("engine.forecasts: STALE, no success for 40m"), "{out}");
    assert!(flat(&out).contains("it runs every 15m and is stale after 30m30s"), "{out}");

    // A failing feed needs attention before it goes stale; its error is shown whole.
    db.succeeded("engine.forecasts", now);
    let long = "HTTP 503: the sensor gateway is overloaded and asks clients to retry after \
                the maintenance window that ends at noon";
    db.failed("sensor.seats", now, long);
    let (st, code) = db.json(&[]);
    assert_eq!(code, Some(3));
    let seats = feed(&st, "sensor.seats");
    assert_eq!((seats["failing"].clone(), seats["stale"].clone()), (true.into(), false.into()));
    let (out, err, _) = db.text();
    assert!(err.contains("sensor.seats (failing)"), "{err}");
    assert!(flat(&out).contains("sensor.seats: the last attempt failed, at"), "{out}");
    assert!(flat(&out).contains("ends at noon"), "{out}");
    assert_fits_80(&out);

    // After a success the error is past: shown as earlier, with its age, and no longer current.
    db.succeeded("sensor.seats", Utc::now());
    let (out, err, code) = db.text();
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(flat(&out).contains("sensor.seats: ok; an earlier error at"), "{out}");
    assert!(flat(&out).contains("before the last success"), "{out}");
    assert_fits_80(&out);
}

#[test]
fn a_configured_feed_that_never_ran_is_stale() {
    let db = Db::new();
    // The sensor API is configured (status never calls it): its feeds and the engine's jobs
    // are expected, the recommendation feeds are not.
    let env = [("CARREL_SENSOR_URL", "http://127.0.0.1:9")];
    let (st, code) = db.json(&env);
    assert_eq!(code, Some(3), "{st}");
    let seats = feed(&st, "sensor.seats");
    assert_eq!(seats["configured"], true);
    assert_eq!(seats["stale"], true);
    assert_eq!(seats["last_success"], Value::Null);
    assert!(feed(&st, "engine.forecasts")["stale"] == true);
    assert!(st["feeds"].as_array().unwrap().iter().all(|f| f["feed"] != "recs.model"), "{st}");

    // Without the API nothing is expected, and nothing has run.
    let (st, code) = db.json(&[]);
    assert_eq!(code, Some(0), "{st}");
    assert_eq!(st["feeds"], serde_json::json!([]));
}

/// Each feed says which source it comes from under this configuration, and the document which
/// source serves each feed and action: carrel's own API for all of them when it is the only
/// sensor source, none when no source is configured.
#[test]
fn each_feed_names_its_source() {
    let db = Db::new();
    let env =
        [("CARREL_SENSOR_URL", "http://127.0.0.1:9"), ("CARREL_RECS_URL", "http://127.0.0.1:9")];
    let (st, _) = db.json(&env);
    for name in [
        "sensor.layout",
        "sensor.seats",
        "sensor.environment",
        "sensor.service_points",
        "sensor.arrivals",
    ] {
        assert_eq!(feed(&st, name)["source"], "carrel", "{name}: {st}");
    }
    assert_eq!(feed(&st, "recs.model")["source"], "recs", "{st}");
    assert_eq!(feed(&st, "recs.catalog")["source"], "recs", "{st}");
    assert_eq!(feed(&st, "engine.forecasts")["source"], Value::Null, "{st}");
    let all = [
        "layout",
        "seats",
        "environment",
        "service_points",
        "arrivals",
        "change_window",
        "release_seat",
    ];
    let serving: serde_json::Map<String, Value> =
        all.iter().map(|c| ((*c).to_owned(), Value::from("carrel"))).collect();
    assert_eq!(st["sources"], Value::Object(serving), "{st}");

    // A feed that ran under another configuration is listed without a source here.
    db.succeeded("sensor.seats", Utc::now());
    let (st, _) = db.json(&[("CARREL_RECS_URL", "http://127.0.0.1:9")]);
    assert_eq!(feed(&st, "sensor.seats")["source"], Value::Null, "{st}");
    assert_eq!(feed(&st, "sensor.seats")["configured"], false, "{st}");
    assert_eq!(st["sources"], serde_json::json!({}), "{st}");

    let out = db.status(&[], &env);
    let text = String::from_utf8(out.stdout).unwrap();
    let said = "sources carrel: the layout, seat states, comfort readings, service windows, \
                arrivals, window changes, seat releases";
    assert!(flat(&text).contains(said), "{text}");
    assert_fits_80(&text);
}
