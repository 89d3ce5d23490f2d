//! When a feed's data counts as stale.
//!
//! Each API has a staleness limit; a feed fetched less often than that (the layout hourly,
//! the catalogue daily) is stale only after missing two of its own rounds. Both the console
//! and `carrel status` judge freshness here, so they always agree.

use std::collections::BTreeMap;

use chrono::Duration;

/// Staleness limits, in seconds, by feed name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Staleness {
    /// The limit of each known feed.
    pub limits: BTreeMap<String, i64>,
    /// The limit of any other `sensor.*` feed.
    pub sensor: i64,
    /// The limit of any other `recs.*` feed.
    pub recs: i64,
}

impl Staleness {
    /// Limits from each API's limit and each feed's refresh interval (seconds).
    pub fn new(sensor: i64, recs: i64, refresh: &[(&str, i64)]) -> Staleness {
        let limits = refresh
            .iter()
            .map(|(feed, every)| {
                let api = if feed.starts_with("recs.") { recs } else { sensor };
                ((*feed).to_owned(), api.max(2 * every))
            })
            .collect();
        Staleness { limits, sensor, recs }
    }

    pub fn limit(&self, feed: &str) -> Duration {
        let s = self.limits.get(feed).copied().unwrap_or(if feed.starts_with("recs.") {
            self.recs
        } else {
            self.sensor
        });
        Duration::seconds(s)
    }

    /// Whether data `age` old is stale for `feed`; `None` (never fetched) always is.
    pub fn is_stale(&self, feed: &str, age: Option<Duration>) -> bool {
        age.is_none_or(|a| a > self.limit(feed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_feeds_get_two_rounds() {
        let s = Staleness::new(60, 1800, &[("sensor.seats", 5), ("sensor.layout", 3600)]);
        assert_eq!(s.limit("sensor.seats"), Duration::seconds(60));
        assert_eq!(s.limit("sensor.layout"), Duration::seconds(7200));
        assert_eq!(s.limit("recs.other"), Duration::seconds(1800));
        assert!(!s.is_stale("sensor.layout", Some(Duration::minutes(61))));
        assert!(s.is_stale("sensor.seats", Some(Duration::minutes(2))));
        assert!(s.is_stale("sensor.seats", None));
    }
}
