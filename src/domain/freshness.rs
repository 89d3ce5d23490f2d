//! When a feed's data counts as stale, and when a feed needs someone's attention.
//!
//! The rule, in one place so that `carrel status`, its exit status and the console always
//! agree: a feed is **stale** when its last success is older than twice its own refresh
//! interval plus a margin of [`MARGIN_S`] seconds — one late or missed round is normal, two
//! are not — and never sooner than its API's `stale_after_s` (`[feeds.sensor]`,
//! `[feeds.recs]`), so a feed polled every few seconds does not go stale at the first slow
//! answer. The engine's own jobs (`engine.forecasts`, `engine.rules`) have no API and so no such
//! floor. A feed that never succeeded is stale. A feed is **failing** when its latest attempt
//! failed. A feed needs attention when it is stale or failing.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Seconds added to two rounds before a feed counts as stale: time for the round itself (a
/// fetch may take up to its request timeout, 10 s by default; a forecast of many windows takes
/// a few seconds) and for the scheduler's jitter.
pub const MARGIN_S: i64 = 30;

/// The refresh interval of each feed and the staleness floor of each API.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Staleness {
    /// The refresh interval of each known feed, in seconds.
    every: BTreeMap<String, i64>,
    /// The floor of every `sensor.*` feed (`[feeds.sensor] stale_after_s`), in seconds.
    sensor: i64,
    /// The floor of every `recs.*` feed (`[feeds.recs] stale_after_s`), in seconds.
    recs: i64,
}

/// What the rule says about one feed at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedHealth {
    /// Time since the last success; `None` if the feed never succeeded.
    pub age: Option<Duration>,
    pub stale: bool,
    pub failing: bool,
}

impl FeedHealth {
    /// Whether the feed is stale or failing: what makes `carrel status` exit with status 3.
    pub fn needs_attention(&self) -> bool {
        self.stale || self.failing
    }
}

impl Staleness {
    /// Limits from each API's floor and each feed's refresh interval (seconds).
    pub fn new(sensor: i64, recs: i64, every: &[(&str, i64)]) -> Staleness {
        let every = every.iter().map(|(feed, s)| ((*feed).to_owned(), *s)).collect();
        Staleness { every, sensor, recs }
    }

    /// How often `feed` is refreshed, if it is a feed this configuration knows.
    pub fn every(&self, feed: &str) -> Option<Duration> {
        self.every.get(feed).map(|s| Duration::seconds(*s))
    }

    /// How long `feed` may go without a success before it is stale.
    pub fn limit(&self, feed: &str) -> Duration {
        let floor = match feed.split('.').next() {
            Some("recs") => self.recs,
            Some("engine") => 0,
            _ => self.sensor,
        };
        let s = match self.every.get(feed) {
            Some(every) => floor.max(every.saturating_mul(2).saturating_add(MARGIN_S)),
            // A feed this configuration does not know (written by another version of carrel):
            // its API's floor, and a minute for an engine job.
            None if floor == 0 => 60,
            None => floor,
        };
        Duration::seconds(s)
    }

    /// Whether data `age` old is stale for `feed`; `None` (never fetched) always is.
    pub fn is_stale(&self, feed: &str, age: Option<Duration>) -> bool {
        age.is_none_or(|a| a > self.limit(feed))
    }

    /// The rule applied to a feed that last succeeded at `last_success` and has failed
    /// `failures` times in a row since.
    pub fn judge(
        &self,
        feed: &str,
        last_success: Option<DateTime<Utc>>,
        failures: u32,
        now: DateTime<Utc>,
    ) -> FeedHealth {
        let age = last_success.map(|t| (now - t).max(Duration::zero()));
        FeedHealth { age, stale: self.is_stale(feed, age), failing: failures > 0 }
    }
}

/// What is known about one feed (e.g. `sensor.seats`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeedState {
    pub feed: String,
    pub cursor: Option<String>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    /// The API's clock minus ours at the last success, in milliseconds.
    pub server_offset_ms: Option<i64>,
    pub records_ok: u64,
    pub records_quarantined: u64,
}

impl FeedState {
    /// Time since the last success, or `None` if the feed never succeeded.
    pub fn age(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.last_success.map(|t| (now - t).max(Duration::zero()))
    }
}

/// The lease as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lease {
    pub holder: String,
    pub acquired: DateTime<Utc>,
    pub renewed: DateTime<Utc>,
    pub expires: DateTime<Utc>,
}

impl Lease {
    pub fn is_alive(&self, now: DateTime<Utc>) -> bool {
        self.expires > now
    }
}

/// What came of asking for the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// We hold it now (newly taken or renewed).
    Held(Lease),
    /// Someone else holds a live lease.
    HeldBy(Lease),
}

/// A rejected record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub id: i64,
    pub feed: String,
    pub received: DateTime<Utc>,
    pub reason: String,
    pub record: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Staleness {
        Staleness::new(
            60,
            1800,
            &[
                ("sensor.seats", 5),
                ("sensor.environment", 60),
                ("sensor.layout", 3600),
                ("engine.forecasts", 900),
                ("engine.rules", 60),
                ("recs.model", 600),
            ],
        )
    }

    #[test]
    fn each_feed_is_judged_against_its_own_schedule() {
        let s = defaults();
        // Two rounds and the margin, or the API's floor when that is longer.
        assert_eq!(s.limit("sensor.seats"), Duration::seconds(60));
        assert_eq!(s.limit("sensor.environment"), Duration::seconds(150));
        assert_eq!(s.limit("sensor.layout"), Duration::seconds(7230));
        assert_eq!(s.limit("recs.model"), Duration::seconds(1800));
        // The engine's jobs have no API floor.
        assert_eq!(s.limit("engine.forecasts"), Duration::seconds(1830));
        assert_eq!(s.limit("engine.rules"), Duration::seconds(150));
        // Feeds this configuration does not know.
        assert_eq!(s.limit("recs.other"), Duration::seconds(1800));
        assert_eq!(s.limit("sensor.other"), Duration::seconds(60));
        assert_eq!(s.limit("engine.other"), Duration::seconds(60));
    }

    #[test]
    fn forecasts_refreshed_every_fifteen_minutes_stay_fresh_between_rounds() {
        let s = defaults();
        for minutes in [1, 5, 14, 16, 30] {
            assert!(
                !s.is_stale("engine.forecasts", Some(Duration::minutes(minutes))),
                "{minutes}m"
            );
        }
        assert!(s.is_stale("engine.forecasts", Some(Duration::minutes(31))));
        assert!(!s.is_stale("sensor.layout", Some(Duration::minutes(61))));
        assert!(s.is_stale("sensor.seats", Some(Duration::minutes(2))));
        assert!(s.is_stale("sensor.seats", None));
    }

    #[test]
    fn a_feed_needs_attention_when_stale_or_failing() {
        let s = defaults();
        let now = DateTime::parse_from_rfc3339("2026-11-18T11:00:00Z").unwrap().to_utc();
        let fresh = s.judge("sensor.seats", Some(now - Duration::seconds(3)), 0, now);
        assert_eq!(fresh.age, Some(Duration::seconds(3)));
        assert!(!fresh.needs_attention());
        let failing = s.judge("sensor.seats", Some(now - Duration::seconds(3)), 1, now);
        assert!(failing.failing && !failing.stale && failing.needs_attention());
        let stale = s.judge("sensor.seats", Some(now - Duration::minutes(5)), 0, now);
        assert!(stale.stale && stale.needs_attention());
        let never = s.judge("recs.model", None, 0, now);
        assert!(never.age.is_none() && never.stale);
        // A success stamped a little in our future (another host's clock) is not negative.
        let ahead = s.judge("sensor.seats", Some(now + Duration::seconds(2)), 0, now);
        assert_eq!(ahead.age, Some(Duration::zero()));
    }
}
