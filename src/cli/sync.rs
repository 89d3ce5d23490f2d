//! `carrel sync`: fetch the remote APIs into the database, headless, under the ingest lease.
//! `--follow` tells its terminal when it waits for another holder of the lease, when it takes
//! over, and each feed failure as it happens (once, and when it recovers).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};

use super::table::{Align, Table};
use super::time::age;
use super::{CliError, CliResult, open_store, print_json};
use crate::config::Config;
use crate::domain::freshness::Claim;
use crate::domain::sanitize::clean_text;
use crate::engine::SharedStore;
use crate::engine::ingest::{FeedOutcome, Ingest, IngestEvent, IngestOptions};
use crate::feeds::Sources;

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Fetch every feed once and exit (the default)
    #[arg(long, conflicts_with = "follow")]
    pub once: bool,
    /// Keep fetching on each feed's schedule until interrupted (SIGINT, SIGTERM, SIGHUP); says
    /// on stderr when it waits for another process's ingest lease and when it takes over, and
    /// each feed failure once (and its recovery)
    #[arg(long)]
    pub follow: bool,
    /// Print the outcome as JSON (with --once)
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &SyncArgs, cfg: &Config) -> CliResult {
    let sources = Sources::from_config(cfg).map_err(|e| CliError::Failed(e.to_string()))?;
    if sources.is_empty() {
        return Err(CliError::BadInput(
            "no API to sync from: set CARREL_SENSOR_URL (or [feeds.sensor] url) and/or CARREL_RECS_URL".into(),
        ));
    }
    let store = open_store(cfg)?;
    // Logging starts once the input has been accepted, so bad input writes nothing at all.
    let _log = super::logging::init(cfg);
    let runtime = super::runtime()?;
    let db = SharedStore::new(store);
    let mut ingest = Ingest::new(db, sources, IngestOptions::from_config(cfg));
    runtime.block_on(async {
        if args.follow {
            follow(&mut ingest, cfg).await
        } else {
            once(&mut ingest, args.json).await
        }
    })
}

async fn once(ingest: &mut Ingest, json: bool) -> CliResult {
    match ingest.claim_lease().await? {
        Claim::HeldBy(lease) => {
            // Another process is ingesting into this database: that is the normal state when a
            // console or `sync --follow` runs, so it is not an error.
            let note = format!(
                "not syncing: process {} holds the ingest lease until {}",
                lease.holder,
                lease.expires.to_rfc3339()
            );
            if json {
                print_json(&serde_json::json!({ "skipped": note, "feeds": [] }))?;
            } else {
                eprintln!("carrel: {note}");
            }
            return Ok(());
        }
        Claim::Held(_) => {}
    }
    let outcomes = ingest.sync_once().await;
    if let Err(e) = ingest.release_lease().await {
        tracing::warn!(error = %e, "cannot release the ingest lease");
    }
    if json {
        print_json(&serde_json::json!({ "skipped": null, "feeds": outcomes }))?;
    } else {
        print!("{}", outcome_table(&outcomes).render());
    }
    let failed: Vec<&str> = outcomes.iter().filter(|o| o.error.is_some()).map(|o| o.feed).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Failed(format!("{} feed(s) failed: {}", failed.len(), failed.join(", "))))
    }
}

fn outcome_table(outcomes: &[FeedOutcome]) -> Table {
    let mut t = Table::new(&[
        ("FEED", Align::Left),
        ("SOURCE", Align::Left),
        ("STORED", Align::Right),
        ("QUARANTINED", Align::Right),
        ("RESULT", Align::Left),
    ]);
    for o in outcomes {
        let result = match (&o.error, &o.skipped) {
            (Some(e), _) => format!("failed: {e}"),
            (None, Some(s)) => format!("skipped: {s}"),
            (None, None) => "ok".into(),
        };
        t.row(vec![
            o.feed.into(),
            o.source.unwrap_or("-").into(),
            o.stored.to_string(),
            o.quarantined.to_string(),
            result,
        ]);
    }
    t
}

/// Follows the feeds until a signal, telling the terminal (stderr) what the lease does — waiting
/// for another holder, taking over — and each feed failure as it happens, one line each.
async fn follow(ingest: &mut Ingest, cfg: &Config) -> CliResult {
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        let _ = stop.send(true);
    });
    let (tx, mut rx) = mpsc::unbounded_channel();
    ingest.report_to(Some(tx));
    let me = ingest.holder().to_owned();
    let log = cfg.state_dir.join(super::logging::LOG_FILE);
    let tz = cfg.timezone;
    let printer = tokio::spawn(async move {
        let mut terminal = FollowLines::new(me, log, tz);
        while let Some(event) = rx.recv().await {
            let now = Utc::now();
            if let Some(line) = terminal.line(&event, now) {
                eprintln!("carrel: {} {line}", now.with_timezone(&tz).format("%H:%M:%S"));
            }
        }
    });
    ingest.follow(stopped).await;
    ingest.report_to(None);
    let _ = printer.await;
    Ok(())
}

/// What `sync --follow` says on its terminal: the lease as it changes, and each feed's failures
/// without flooding — a failure once when it starts, each different kind of failure once while
/// it lasts (a repeat of the same is not repeated), and the recovery. The log file has every
/// failure.
#[derive(Debug)]
struct FollowLines {
    me: String,
    log: std::path::PathBuf,
    tz: chrono_tz::Tz,
    /// Whether anything was said yet: the first line says where the log is.
    started: bool,
    /// Each failing feed: when its failures began, how many in a row, the kinds said.
    failing: HashMap<&'static str, Outage>,
}

#[derive(Debug)]
struct Outage {
    since: DateTime<Utc>,
    attempts: u32,
    kinds: HashSet<String>,
}

/// The kind of a failure: its message up to the first colon (`HTTP 503`, `timed out`,
/// `cannot connect`, `malformed answer`), so details that change from one attempt to the next
/// do not make a repeat look new.
fn kind(error: &str) -> String {
    error.split(':').next().unwrap_or(error).trim().to_owned()
}

impl FollowLines {
    fn new(me: String, log: std::path::PathBuf, tz: chrono_tz::Tz) -> Self {
        Self { me, log, tz, started: false, failing: HashMap::new() }
    }

    fn line(&mut self, event: &IngestEvent, now: DateTime<Utc>) -> Option<String> {
        match event {
            IngestEvent::Waiting { holder, expires } => {
                let first = !std::mem::replace(&mut self.started, true);
                Some(format!(
                    "waiting for the ingest lease: {holder} holds it (until {}, renewed while it \
                     runs); this process ({}) takes over when it quits or its lease runs out{}",
                    expires.with_timezone(&self.tz).format("%H:%M:%S"),
                    self.me,
                    if first { format!("; log in {}", self.log.display()) } else { String::new() }
                ))
            }
            IngestEvent::Leading { from } => {
                let first = !std::mem::replace(&mut self.started, true);
                let log =
                    if first { format!("; log in {}", self.log.display()) } else { String::new() };
                Some(match from {
                    Some(other) => format!(
                        "took over the ingest lease from {other}; syncing as {} until \
                         interrupted{log}",
                        self.me
                    ),
                    None => format!("syncing as {} until interrupted{log}", self.me),
                })
            }
            IngestEvent::Fetched(outcome) => self.fetched(outcome, now),
        }
    }

    fn fetched(&mut self, o: &FeedOutcome, now: DateTime<Utc>) -> Option<String> {
        let Some(error) = &o.error else {
            // A success (or a round with nothing to do) ends an outage.
            let outage = self.failing.remove(o.feed)?;
            let attempts = match outage.attempts {
                1 => "1 failed attempt".to_owned(),
                n => format!("{n} failed attempts"),
            };
            return Some(format!(
                "{} recovered after {attempts} in {}",
                o.feed,
                age(now - outage.since)
            ));
        };
        let error = clean_text(error, 300);
        match self.failing.get_mut(o.feed) {
            None => {
                self.failing.insert(
                    o.feed,
                    Outage { since: now, attempts: 1, kinds: HashSet::from([kind(&error)]) },
                );
                Some(format!(
                    "{} failed: {error}; retrying with backoff (repeats are not shown)",
                    o.feed
                ))
            }
            Some(outage) => {
                outage.attempts += 1;
                outage
                    .kinds
                    .insert(kind(&error))
                    .then(|| format!("{} still failing, now: {error}", o.feed))
            }
        }
    }
}

/// Resolves on SIGINT, SIGTERM or SIGHUP (a closed SSH session).
pub(crate) async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        // Without signal handlers the default actions still end the process.
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn outcome(feed: &'static str, error: Option<&str>) -> IngestEvent {
        IngestEvent::Fetched(FeedOutcome {
            feed,
            source: Some("carrel"),
            stored: 0,
            quarantined: 0,
            error: error.map(str::to_owned),
            skipped: None,
        })
    }

    #[test]
    fn a_failure_is_said_once_each_kind_and_at_recovery() {
        let mut t = FollowLines::new("me:1:2".into(), "/tmp/carrel.log".into(), chrono_tz::UTC);
        let t0 = DateTime::parse_from_rfc3339("2026-11-18T11:00:00Z").unwrap().to_utc();
        let at = |s: i64| t0 + Duration::seconds(s);
        let said = t.line(&outcome("sensor.seats", Some("HTTP 503: busy")), at(0)).unwrap();
        assert_eq!(
            said,
            "sensor.seats failed: HTTP 503: busy; retrying with backoff (repeats are not shown)"
        );
        // The same failure again, with other details, is not repeated; nor are other feeds' successes.
        assert_eq!(t.line(&outcome("sensor.seats", Some("HTTP 503: busy")), at(5)), None);
        assert_eq!(t.line(&outcome("sensor.seats", Some("HTTP 503: still busy")), at(9)), None);
        assert_eq!(t.line(&outcome("sensor.layout", None), at(10)), None);
        // Another kind of failure is news, once.
        let now = t.line(&outcome("sensor.seats", Some("timed out")), at(20)).unwrap();
        assert_eq!(now, "sensor.seats still failing, now: timed out");
        assert_eq!(t.line(&outcome("sensor.seats", Some("timed out")), at(30)), None);
        assert_eq!(t.line(&outcome("sensor.seats", Some("HTTP 503: busy")), at(40)), None);
        let back = t.line(&outcome("sensor.seats", None), at(150)).unwrap();
        assert_eq!(back, "sensor.seats recovered after 6 failed attempts in 2m");
        // A new outage starts over.
        assert!(t.line(&outcome("sensor.seats", Some("HTTP 503: busy")), at(200)).is_some());
    }

    #[test]
    fn the_lease_is_waited_for_then_taken_over() {
        let mut t = FollowLines::new("me:1:2".into(), "/tmp/carrel.log".into(), chrono_tz::UTC);
        let now = DateTime::parse_from_rfc3339("2026-11-18T11:00:00Z").unwrap().to_utc();
        let wait = IngestEvent::Waiting { holder: "other:9:9".into(), expires: now };
        let said = t.line(&wait, now).unwrap();
        assert!(
            said.starts_with("waiting for the ingest lease: other:9:9 holds it (until 11:00:00,"),
            "{said}"
        );
        assert!(said.contains("this process (me:1:2) takes over"), "{said}");
        assert!(said.ends_with("; log in /tmp/carrel.log"), "{said}");
        let took = t.line(&IngestEvent::Leading { from: Some("other:9:9".into()) }, now).unwrap();
        assert_eq!(
            took,
            "took over the ingest lease from other:9:9; syncing as me:1:2 until interrupted"
        );
        let mut fresh = FollowLines::new("me:1:2".into(), "/tmp/carrel.log".into(), chrono_tz::UTC);
        let said = fresh.line(&IngestEvent::Leading { from: None }, now).unwrap();
        assert_eq!(said, "syncing as me:1:2 until interrupted; log in /tmp/carrel.log");
    }
}
