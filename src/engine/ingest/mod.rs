//! Ingest: polls the remote APIs and writes what they report into the store.
//!
//! Each sensor feed is fetched from the source that serves it (`feeds::source`: the first
//! configured vendor that gives it, else carrel's own sensor API); a feed no source serves does
//! not run. One process per database ingests: it holds the ingest lease and renews it every
//! third of its time to live; another process waits and takes over once the lease expires (the
//! holder died) or is released (the holder quit). Each feed has its own schedule; a failing feed is
//! retried with exponential backoff and jitter while the others go on. Each fetch is written
//! in one transaction: the good records, the quarantined ones with their reasons, and the
//! feed's sync state. After a successful write the change counter is bumped so a console can
//! redraw.

mod local_recs;
mod recs;
mod rules;
mod sensor;
mod witnesses;

pub use witnesses::{WitnessTarget, Witnessing};

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::Utc;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng as StdRng;
use serde::Serialize;
use tokio::sync::watch;
use tokio::time::Instant;

use super::SharedStore;
use crate::config::Config;
use crate::feeds::backoff::Backoff;
use crate::feeds::validate::Rejection;
use crate::feeds::{Capability, FetchError, Sources};
use crate::store::lease::{self, Claim, Lease};
use crate::store::{self, StoreError, feeds as feed_state, quarantine};

/// The feeds, by the name used in the store's sync state and in `carrel status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Feed {
    Layout,
    ServicePoints,
    Seats,
    Environment,
    Arrivals,
    /// Head counts of zones counted rather than seated (a vendor's; carrel's own API has none).
    Occupancy,
    /// Not a remote feed: forecasts computed from the arrivals, on their own schedule.
    Forecasts,
    Model,
    Catalog,
    /// Not a remote feed: the privacy rules over the audit log and the store.
    Rules,
    /// Not a remote feed: the local recommenders backtested on the linked loans, the best
    /// recorded for the desk's fallback.
    LocalRecs,
    /// Not a remote feed: checkpoints of the audit log submitted to its witnesses.
    Witnesses,
}

impl Feed {
    pub const ALL: [Feed; 12] = [
        Feed::Layout,
        Feed::ServicePoints,
        Feed::Seats,
        Feed::Environment,
        Feed::Arrivals,
        Feed::Occupancy,
        Feed::Forecasts,
        Feed::Model,
        Feed::Catalog,
        Feed::Rules,
        Feed::LocalRecs,
        Feed::Witnesses,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Feed::Layout => "sensor.layout",
            Feed::ServicePoints => "sensor.service_points",
            Feed::Seats => "sensor.seats",
            Feed::Environment => "sensor.environment",
            Feed::Arrivals => "sensor.arrivals",
            Feed::Occupancy => "sensor.occupancy",
            Feed::Forecasts => "engine.forecasts",
            Feed::Model => "recs.model",
            Feed::Catalog => "recs.catalog",
            Feed::Rules => "engine.rules",
            Feed::LocalRecs => "engine.recs",
            Feed::Witnesses => "audit.witnesses",
        }
    }

    pub fn is_sensor(self) -> bool {
        !matches!(
            self,
            Feed::Model | Feed::Catalog | Feed::Rules | Feed::LocalRecs | Feed::Witnesses
        )
    }

    /// What a source must give for this feed to run, for the sensor feeds; the forecasts are
    /// made from the arrivals.
    pub fn capability(self) -> Option<Capability> {
        match self {
            Feed::Layout => Some(Capability::Layout),
            Feed::ServicePoints => Some(Capability::ServicePoints),
            Feed::Seats => Some(Capability::Seats),
            Feed::Environment => Some(Capability::Environment),
            Feed::Occupancy => Some(Capability::Occupancy),
            Feed::Arrivals | Feed::Forecasts => Some(Capability::Arrivals),
            Feed::Model | Feed::Catalog | Feed::Rules | Feed::LocalRecs | Feed::Witnesses => None,
        }
    }

    /// The source this feed is fetched from under `sources`: the sensor source that serves
    /// it, `recs` for the recommendation API's feeds; `None` for the engine's own jobs and for
    /// a feed nothing serves.
    pub fn source(self, sources: &Sources) -> Option<&'static str> {
        match self {
            Feed::Forecasts | Feed::Rules | Feed::LocalRecs | Feed::Witnesses => None,
            Feed::Model | Feed::Catalog => sources.recs().map(|_| "recs"),
            f => f.capability().and_then(|c| sources.source_of(c)),
        }
    }
}

/// The feeds an ingest runs, in dependency order: each sensor feed a source serves (and the
/// forecasts, when one serves the arrivals), the recommendation feeds with a recommendation
/// API, the privacy rules when they are on.
fn enabled(sources: &Sources, rules: bool, witnesses: bool) -> Vec<Feed> {
    Feed::ALL
        .into_iter()
        .filter(|f| match f {
            Feed::Rules => rules,
            Feed::Witnesses => witnesses,
            Feed::LocalRecs => true,
            Feed::Model | Feed::Catalog => sources.recs().is_some(),
            f => f.capability().is_some_and(|c| sources.serving(c).is_ok()),
        })
        .collect()
}

/// The feeds an ingest under `cfg` with `sources` would run, whether or not one runs now:
/// `carrel status` lists those that never ran as "never". Without a source nothing ingests
/// (`carrel sync` refuses, the console starts no ingest), so not even the privacy rules run.
pub fn configured_feeds(cfg: &Config, sources: &Sources) -> Vec<Feed> {
    if sources.is_empty() {
        return vec![];
    }
    enabled(
        sources,
        crate::engine::rules::settings(cfg).is_ok(),
        Witnessing::from_config(cfg).is_some(),
    )
}

/// Each feed `configured_feeds` lists that comes from a source, by name, with the name of
/// that source (`carrel`, a vendor's, `recs`): what `carrel status` and the System tab show.
pub fn feed_sources(cfg: &Config, sources: &Sources) -> Vec<(&'static str, &'static str)> {
    configured_feeds(cfg, sources)
        .into_iter()
        .filter_map(|f| f.source(sources).map(|s| (f.name(), s)))
        .collect()
}

/// Schedules and limits of the ingest, from the configuration.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub every: HashMap<Feed, Duration>,
    pub arrivals_history_days: u32,
    pub arrivals_step_s: u32,
    pub lease_ttl: Duration,
    pub backoff_max: Duration,
    pub forecast: crate::engine::forecasts::Plan,
    /// The privacy rules' settings; `None` turns the rules off.
    pub rules: Option<crate::services::alerts::RulesSettings>,
    /// How the audit review queue is filled after each rules run; `None` leaves it alone.
    pub review: Option<crate::services::review::ReviewSettings>,
    /// The audit log's witnesses; `None` when none is configured.
    pub witnessing: Option<Witnessing>,
}

impl IngestOptions {
    pub fn from_config(cfg: &Config) -> Self {
        let s = &cfg.settings.feeds.sensor;
        let r = &cfg.settings.feeds.recs;
        let every = HashMap::from([
            (Feed::Layout, Duration::from_secs(s.layout_refresh_s)),
            (Feed::ServicePoints, Duration::from_secs(s.refresh_s)),
            (Feed::Seats, Duration::from_secs(s.refresh_s)),
            (Feed::Environment, Duration::from_secs(s.environment_refresh_s)),
            // Head counts change as seats do.
            (Feed::Occupancy, Duration::from_secs(s.refresh_s)),
            (Feed::Arrivals, Duration::from_secs(s.arrivals_refresh_s)),
            (Feed::Forecasts, Duration::from_secs(cfg.settings.queues.forecast_every_s)),
            (Feed::Model, Duration::from_secs(r.refresh_s)),
            (Feed::Catalog, Duration::from_secs(r.catalog_refresh_s)),
            (Feed::Rules, Duration::from_secs(cfg.settings.alerts.every_s)),
            (Feed::LocalRecs, Duration::from_secs(cfg.settings.patrons.local_model_every_s)),
            (Feed::Witnesses, Duration::from_secs(cfg.settings.audit.checkpoint_every_s)),
        ]);
        Self {
            every,
            arrivals_history_days: s.arrivals_history_days,
            arrivals_step_s: s.arrivals_step_s,
            lease_ttl: Duration::from_secs(cfg.settings.ingest.lease_ttl_s),
            backoff_max: Duration::from_secs(cfg.settings.ingest.backoff_max_s),
            forecast: crate::engine::forecasts::Plan {
                step_s: s.arrivals_step_s,
                history_weeks: cfg.settings.queues.history_weeks,
                horizon: chrono::Duration::days(1),
                tz: cfg.timezone,
            },
            rules: crate::engine::rules::settings(cfg).ok(),
            review: Some(crate::engine::rules::review_settings(cfg)),
            witnessing: Witnessing::from_config(cfg),
        }
    }
}

/// What one fetch of one feed did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedOutcome {
    pub feed: &'static str,
    /// The source the feed was fetched from (`Feed::source`); `None` for the engine's jobs.
    pub source: Option<&'static str>,
    pub stored: u64,
    pub quarantined: u64,
    /// Why the fetch failed, if it did.
    pub error: Option<String>,
    /// Why the feed was not fetched, if it was not.
    pub skipped: Option<String>,
}

impl FeedOutcome {
    fn ok(feed: Feed, stored: u64, quarantined: u64) -> Self {
        Self { feed: feed.name(), source: None, stored, quarantined, error: None, skipped: None }
    }
    fn failed(feed: Feed, e: &str) -> Self {
        Self {
            feed: feed.name(),
            source: None,
            stored: 0,
            quarantined: 0,
            error: Some(e.to_owned()),
            skipped: None,
        }
    }
    fn skipped(feed: Feed, why: &str) -> Self {
        Self {
            feed: feed.name(),
            source: None,
            stored: 0,
            quarantined: 0,
            error: None,
            skipped: Some(why.to_owned()),
        }
    }
}

/// What a following ingest reports as it goes, for a terminal to show (`carrel sync
/// --follow`); the log has the same and more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestEvent {
    /// Another process holds the ingest lease, until `expires` unless it renews it: this one
    /// waits. Sent when waiting starts and when the holder changes.
    Waiting { holder: String, expires: chrono::DateTime<Utc> },
    /// This process holds the lease and ingests; `from` names the holder it waited for, if any.
    Leading { from: Option<String> },
    /// One fetch's outcome.
    Fetched(FeedOutcome),
}

type Events = Option<tokio::sync::mpsc::UnboundedSender<IngestEvent>>;

fn report(events: &Events, event: IngestEvent) {
    if let Some(tx) = events {
        // The receiver is gone only when nobody listens any more: nothing to tell.
        let _ = tx.send(event);
    }
}

/// Why an ingest step could not run.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Fetch(#[from] FetchError),
}

/// What the ingest keeps in memory between fetches: the current seat states (so only changes
/// are written) and the ids records are checked against.
#[derive(Debug, Default)]
pub(super) struct Known {
    pub seats: HashMap<String, crate::store::seats::StateMark>,
    pub seat_ids: HashSet<String>,
    pub zone_ids: HashSet<String>,
    pub window_ids: HashSet<String>,
}

/// The ingest of one database.
#[derive(Debug)]
pub struct Ingest {
    db: SharedStore,
    sources: Sources,
    opts: IngestOptions,
    holder: String,
    known: Option<Known>,
    changes: watch::Sender<u64>,
    /// Set when a seats page names seats the layout does not know.
    layout_wanted: bool,
    /// The arrivals the last forecasts were made from (bucket count and latest start), so
    /// forecasting again over the same history is skipped.
    forecast_input: Option<(u64, Option<chrono::DateTime<Utc>>)>,
    /// The linked loans the last local model choice was made from (count and newest id).
    local_recs_input: Option<(u64, i64)>,
    /// Where [`Ingest::follow`] reports the lease and each fetch, if anywhere.
    events: Events,
}

impl Ingest {
    /// The ingest of `db` from `sources`, on the schedules of `opts`.
    pub fn new(db: SharedStore, sources: Sources, opts: IngestOptions) -> Self {
        Self {
            db,
            sources,
            opts,
            holder: holder_id(),
            known: None,
            layout_wanted: false,
            forecast_input: None,
            local_recs_input: None,
            changes: watch::Sender::new(0),
            events: None,
        }
    }

    /// This process's name in the lease: host, process id and start time.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Reports the lease and each fetch of [`Ingest::follow`] to `events` from now on; `None`
    /// stops reporting (and so ends a receiver waiting for more).
    pub fn report_to(&mut self, events: Events) {
        self.events = events;
    }

    /// A counter bumped after every write; subscribe to redraw when data changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// The feeds this ingest runs, in the order it runs them.
    pub fn feeds(&self) -> Vec<Feed> {
        enabled(&self.sources, self.opts.rules.is_some(), self.opts.witnessing.is_some())
    }

    /// Takes or renews the ingest lease.
    pub async fn claim_lease(&self) -> Result<Claim, StoreError> {
        let holder = self.holder.clone();
        let ttl = chrono::Duration::from_std(self.opts.lease_ttl)
            .unwrap_or(chrono::Duration::seconds(15));
        self.db.run(move |s| s.write(|tx| lease::claim(tx, &holder, Utc::now(), ttl))).await
    }

    /// Gives the lease up so another process can take over at once.
    pub async fn release_lease(&self) -> Result<bool, StoreError> {
        let holder = self.holder.clone();
        self.db.run(move |s| s.write(|tx| lease::release(tx, &holder))).await
    }

    /// Fetches every enabled feed once, in dependency order (layout before seats, windows
    /// before arrivals). The caller must hold the lease.
    pub async fn sync_once(&mut self) -> Vec<FeedOutcome> {
        let mut out = Vec::new();
        for feed in self.feeds() {
            out.push(self.fetch(feed).await);
        }
        out
    }

    /// Fetches one feed and stores the result. Never fails: a failure is recorded in the
    /// feed's sync state and returned as the outcome.
    pub async fn fetch(&mut self, feed: Feed) -> FeedOutcome {
        if let Err(e) = self.load_known().await {
            return FeedOutcome::failed(feed, &e.to_string());
        }
        let result = match feed {
            Feed::Layout => self.layout().await,
            Feed::ServicePoints => self.service_points().await,
            Feed::Seats => self.seats().await,
            Feed::Environment => self.environment().await,
            Feed::Arrivals => self.arrivals().await,
            Feed::Occupancy => self.occupancy().await,
            Feed::Forecasts => self.forecasts().await,
            Feed::Model => self.model().await,
            Feed::Catalog => self.catalog().await,
            Feed::Rules => self.rules().await,
            Feed::LocalRecs => self.local_recs().await,
            Feed::Witnesses => self.witnesses().await,
        };
        let source = feed.source(&self.sources);
        match result {
            Ok(outcome) => {
                if outcome.skipped.is_none() {
                    self.changes.send_modify(|n| *n = n.wrapping_add(1));
                }
                FeedOutcome { source, ..outcome }
            }
            Err(e) => {
                let message = e.to_string();
                tracing::warn!(feed = feed.name(), source, error = %message, "feed failed");
                let m = message.clone();
                let name = feed.name();
                let recorded = self
                    .db
                    .run(move |s| {
                        s.write(|tx| feed_state::record_failure(tx, name, Utc::now(), &m))
                    })
                    .await;
                if let Err(e) = recorded {
                    tracing::error!(feed = name, error = %e, "cannot record feed failure");
                }
                FeedOutcome { source, ..FeedOutcome::failed(feed, &message) }
            }
        }
    }

    async fn load_known(&mut self) -> Result<(), IngestError> {
        if self.known.is_some() {
            return Ok(());
        }
        let known = self
            .db
            .run(|s| -> crate::store::StoreResult<Known> {
                let c = s.conn();
                Ok(Known {
                    seats: store::seats::latest_states(c)?,
                    seat_ids: store::layout::active_ids(c, "seats")?,
                    zone_ids: store::layout::active_ids(c, "zones")?,
                    window_ids: store::service_points::list(c)?.into_iter().map(|p| p.id).collect(),
                })
            })
            .await?;
        self.known = Some(known);
        Ok(())
    }

    fn known(&mut self) -> &mut Known {
        self.known.get_or_insert_with(Known::default)
    }

    /// Runs the feeds on their schedules until `shutdown` turns true, holding the lease while
    /// ingesting and waiting for it otherwise. The lease is renewed by a heartbeat of its own,
    /// so a slow fetch or a long forecast never lets it lapse; the heartbeat releases it on the
    /// way out.
    pub async fn follow(&mut self, mut shutdown: watch::Receiver<bool>) {
        let mut rng = StdRng::from_entropy();
        let feeds = self.feeds();
        let mut due: HashMap<Feed, Instant> = feeds.iter().map(|f| (*f, Instant::now())).collect();
        let mut backoff: HashMap<Feed, Backoff> = feeds
            .iter()
            .map(|f| {
                (
                    *f,
                    Backoff::new(
                        self.interval(*f).min(Duration::from_secs(5)),
                        self.opts.backoff_max,
                    ),
                )
            })
            .collect();
        let (lead_tx, mut lead) = watch::channel(false);
        let heartbeat = tokio::spawn(heartbeat(
            self.db.clone(),
            self.holder.clone(),
            self.opts.lease_ttl,
            lead_tx,
            shutdown.clone(),
            self.events.clone(),
        ));
        let mut leading = false;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let now_leading = *lead.borrow_and_update();
            if now_leading && !leading {
                // Another process may have written meanwhile: reload what we know.
                self.known = None;
                for d in due.values_mut() {
                    *d = Instant::now();
                }
            }
            leading = now_leading;
            if leading {
                if std::mem::take(&mut self.layout_wanted) {
                    due.insert(Feed::Layout, Instant::now());
                }
                for feed in &feeds {
                    if *shutdown.borrow() || !*lead.borrow() {
                        break;
                    }
                    if due[feed] > Instant::now() {
                        continue;
                    }
                    let outcome = self.fetch(*feed).await;
                    report(&self.events, IngestEvent::Fetched(outcome.clone()));
                    let wait = if outcome.error.is_some() {
                        backoff
                            .get_mut(feed)
                            .map(|b| b.failed(&mut rng))
                            .unwrap_or(self.interval(*feed))
                    } else {
                        if let Some(b) = backoff.get_mut(feed) {
                            b.succeeded();
                        }
                        self.interval(*feed)
                    };
                    due.insert(*feed, Instant::now() + wait);
                }
            }
            let wake = if leading { due.values().min().copied() } else { None };
            tokio::select! {
                _ = async {
                    match wake {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending().await,
                    }
                } => {}
                _ = lead.changed() => {}
                _ = shutdown.changed() => {}
            }
        }
        let _ = heartbeat.await;
    }

    fn interval(&self, feed: Feed) -> Duration {
        self.opts.every.get(&feed).copied().unwrap_or(Duration::from_secs(60))
    }

    /// Writes a fetch's rejected records and its sync state in the caller's transaction.
    fn record(
        tx: &crate::store::Conn,
        feed: Feed,
        rejected: &[Rejection],
        success: &feed_state::Success<'_>,
    ) -> crate::store::StoreResult<()> {
        let now = Utc::now();
        for r in rejected {
            quarantine::add(tx, feed.name(), now, &r.reason, &r.record)?;
        }
        feed_state::record_success(tx, feed.name(), now, success)
    }
}

/// Claims and renews the lease every third of its time to live, telling the ingest whether it
/// leads and reporting each change to `events`; gives the lease up when `shutdown` turns true.
async fn heartbeat(
    db: SharedStore,
    holder: String,
    ttl: Duration,
    lead: watch::Sender<bool>,
    mut shutdown: watch::Receiver<bool>,
    events: Events,
) {
    let chrono_ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(15));
    // The holder this process last saw while waiting, if it waits.
    let mut waited_for: Option<String> = None;
    loop {
        let h = holder.clone();
        let claimed =
            db.run(move |s| s.write(|tx| lease::claim(tx, &h, Utc::now(), chrono_ttl))).await;
        match claimed {
            Ok(Claim::Held(_)) => {
                if !*lead.borrow() {
                    tracing::info!(holder = %holder, from = ?waited_for, "took the ingest lease");
                    report(&events, IngestEvent::Leading { from: waited_for.take() });
                }
                let _ = lead.send(true);
            }
            Ok(Claim::HeldBy(other)) => {
                if *lead.borrow() {
                    tracing::warn!(holder = %other.holder, "lost the ingest lease");
                }
                if *lead.borrow() || waited_for.as_deref() != Some(other.holder.as_str()) {
                    tracing::info!(holder = %other.holder, "waiting for the ingest lease");
                    report(
                        &events,
                        IngestEvent::Waiting {
                            holder: other.holder.clone(),
                            expires: other.expires,
                        },
                    );
                }
                waited_for = Some(other.holder);
                let _ = lead.send(false);
            }
            Err(e) => tracing::error!(error = %e, "cannot claim the ingest lease"),
        }
        tokio::select! {
            _ = tokio::time::sleep(ttl / 3) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
    if *lead.borrow() {
        let h = holder.clone();
        let released = db.run(move |s| s.write(|tx| lease::release(tx, &h))).await;
        if let Err(e) = released {
            tracing::error!(error = %e, "cannot release the ingest lease");
        }
    }
}

/// The current lease, for display.
pub fn current_lease(store: &store::Store) -> crate::store::StoreResult<Option<Lease>> {
    lease::current(store.conn())
}

fn holder_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| crate::domain::sanitize::clean_text(&h, 64))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}:{}", std::process::id(), Utc::now().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> crate::config::Endpoint {
        crate::config::Endpoint {
            url: "http://127.0.0.1:9/".parse().unwrap(),
            token: None,
            token_origin: None,
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            max_body_bytes: 1 << 20,
        }
    }

    /// A feed runs when a source serves it, and is labelled with that source.
    #[test]
    fn each_feed_runs_when_a_source_serves_it_and_names_that_source() {
        let ep = endpoint();
        let both = Sources::own_apis(Some(&ep), Some(&ep)).unwrap();
        // carrel's own API counts seats, not people: no head counts from it.
        let all_but_rules: Vec<Feed> = Feed::ALL
            .into_iter()
            .filter(|f| ![Feed::Rules, Feed::Occupancy, Feed::Witnesses].contains(f))
            .collect();
        assert_eq!(enabled(&both, false, false), all_but_rules);
        assert!(enabled(&both, false, true).contains(&Feed::Witnesses));
        assert_eq!(Feed::Occupancy.source(&both), None);
        assert_eq!(Feed::Seats.source(&both), Some("carrel"));
        assert_eq!(Feed::Arrivals.source(&both), Some("carrel"));
        assert_eq!(Feed::Model.source(&both), Some("recs"));
        assert_eq!(Feed::Forecasts.source(&both), None, "the engine's own job");
        assert_eq!(Feed::Rules.source(&both), None);

        // No sensor source: no sensor feed, nor the forecasts made from the arrivals.
        let recs_only = Sources::own_apis(None, Some(&ep)).unwrap();
        assert_eq!(
            enabled(&recs_only, true, false),
            [Feed::Model, Feed::Catalog, Feed::Rules, Feed::LocalRecs]
        );
        assert_eq!(Feed::LocalRecs.source(&recs_only), None, "the engine's own job");
        assert_eq!(Feed::Seats.source(&recs_only), None);
        let sensor_only = Sources::own_apis(Some(&ep), None).unwrap();
        assert!(!enabled(&sensor_only, false, false).contains(&Feed::Model));
        assert_eq!(Feed::Catalog.source(&sensor_only), None);
    }

    /// `carrel status` and the console judge each feed against the schedule the ingest keeps.
    #[test]
    fn staleness_knows_every_feed_at_the_ingests_interval() {
        let root = std::path::Path::new("/nonexistent/carrel-test");
        let dirs = crate::config::Dirs {
            config: root.join("cfg"),
            data: root.join("data"),
            state: root.join("state"),
        };
        let cfg = crate::config::load_with(&crate::config::Overrides::default(), &|_| None, &dirs)
            .unwrap();
        let opts = IngestOptions::from_config(&cfg);
        let staleness = cfg.staleness();
        for feed in Feed::ALL {
            let every = opts.every[&feed].as_secs();
            assert_eq!(
                staleness.every(feed.name()).map(|d| d.num_seconds()),
                Some(i64::try_from(every).unwrap()),
                "{}",
                feed.name()
            );
        }
    }
}
