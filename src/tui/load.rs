//! Reading what the tabs show, on the blocking pool, through `services`.

use chrono::{Duration, Timelike, Utc};

use super::model::{ApiHealth, SeatsSnapshot, SystemSnapshot};
use super::state::Health;
use crate::domain::comfort::ComfortLimits;
use crate::domain::freshness::FeedState;
use crate::services::{ServiceError, reads};
use crate::store::Store;

/// How many of the latest review verdicts the Governance tab lists.
const RECENT_VERDICTS: usize = 8;

/// What the loaders need to know from the configuration.
#[derive(Debug, Clone)]
pub struct Loader {
    pub limits: ComfortLimits,
    pub ghost_after: Duration,
    /// Each configured sensor source, by name, with its URL redacted, in the order that
    /// decides which serves what.
    pub sources: Vec<(&'static str, String)>,
    pub recs_url: Option<String>,
    pub staleness: crate::domain::freshness::Staleness,
    /// The feeds the configuration runs, listed in the System tab even before they first run.
    pub configured: Vec<&'static str>,
    /// The witnesses of the audit log, by name (`[audit] witnesses`).
    pub witnesses: Vec<String>,
    /// The source each configured feed comes from (`engine::ingest::feed_sources`).
    pub feed_sources: Vec<(&'static str, &'static str)>,
    /// This console's lease holder name when it runs the feeds.
    pub own_holder: Option<String>,
    pub target: crate::domain::queueing::ServiceTarget,
    /// Width of the arrival buckets forecast.
    pub step_s: u32,
    /// How far ahead the Queues tab looks.
    pub horizon: Duration,
    /// The ε budget per dataset and month, for the ledger.
    pub budget: crate::domain::governance::MilliEps,
}

impl Loader {
    fn health(&self, feeds: &[FeedState]) -> (Health, i64) {
        let now = Utc::now();
        let feed = |name: &str| feeds.iter().find(|f| f.feed == name);
        // The sensors are judged on the seat states, fetched often; where no source serves
        // those, on the first sensor feed one does serve, the hourly layout last.
        let main = self
            .feed_sources
            .iter()
            .map(|(f, _)| *f)
            .filter(|f| f.starts_with("sensor."))
            .min_by_key(|f| (*f != "sensor.seats", *f == "sensor.layout"))
            .unwrap_or("sensor.seats");
        let sensor =
            ApiHealth::of(!self.sources.is_empty(), feed(main), self.staleness.limit(main), now);
        let recs = ApiHealth::of(
            self.recs_url.is_some(),
            feed("recs.model"),
            self.staleness.limit("recs.model"),
            now,
        );
        let offset = feed("sensor.seats").and_then(|f| f.server_offset_ms).unwrap_or(0);
        (Health { sensor, recs }, offset)
    }

    pub fn seats(&self, store: &Store) -> Result<(SeatsSnapshot, Health, i64), ServiceError> {
        let feeds = reads::feeds(store)?;
        let (health, offset) = self.health(&feeds);
        // Whole minutes: seat ages and ghost marks move once a minute, so a reload within the
        // same minute over unchanged data gives an equal snapshot and draws nothing.
        let sensor_now = Utc::now() + Duration::milliseconds(offset);
        let sensor_now = sensor_now
            - Duration::seconds(i64::from(sensor_now.second()))
            - Duration::nanoseconds(i64::from(sensor_now.nanosecond()));
        let snapshot = SeatsSnapshot::build(
            &reads::floors(store)?,
            &reads::zones(store)?,
            reads::seats(store, &Default::default())?,
            super::model::ZoneReports {
                comfort: &reads::comfort(store)?,
                head_counts: &reads::head_counts(store)?,
                limits: &self.limits,
            },
            sensor_now,
            self.ghost_after,
        );
        Ok((snapshot, health, offset))
    }

    pub fn queues(
        &self,
        store: &Store,
    ) -> Result<(crate::services::queues::QueueOverview, Health, i64), ServiceError> {
        let feeds = reads::feeds(store)?;
        let (health, offset) = self.health(&feeds);
        // Whole minutes again, so an unchanged reload draws nothing.
        let now = Utc::now() + Duration::milliseconds(offset);
        let now = now
            - Duration::seconds(i64::from(now.second()))
            - Duration::nanoseconds(i64::from(now.nanosecond()));
        let overview =
            crate::services::queues::overview(store, self.target, self.step_s, self.horizon, now)?;
        Ok((overview, health, offset))
    }

    /// The alerts in `filter` (active when `None`), the detail of `selected` (or of the first
    /// listed), and the count of active alerts. The console asks only for a viewer the policy
    /// lets see them.
    pub fn alerts(
        &self,
        store: &Store,
        filter: Option<crate::domain::alerts::AlertState>,
        selected: Option<u64>,
    ) -> Result<super::msg::AlertsSnapshot, ServiceError> {
        let list = crate::services::alerts::list_unchecked(store, filter)?;
        let id =
            selected.filter(|id| list.iter().any(|a| a.id == *id)).or(list.first().map(|a| a.id));
        let detail = match id {
            Some(id) => Some(crate::services::alerts::detail_unchecked(store, id)?),
            None => None,
        };
        let active = crate::services::alerts::open_count(store)?;
        Ok(super::msg::AlertsSnapshot { filter, list, detail, active })
    }

    /// The Governance tab's snapshot as `actor` sees it: the review queue only for a reviewer.
    /// The console asks only for a viewer the policy lets see requests.
    pub fn governance(
        &self,
        store: &Store,
        actor: &crate::services::identity::Actor,
    ) -> Result<super::model::GovernanceSnapshot, ServiceError> {
        use crate::domain::policy::Permission;
        use crate::services::{audit, requests, review, transparency};
        let requests = requests::list_unchecked(store, None, Utc::now())?;
        let waiting = requests::waiting_for(&requests, actor);
        let review = match audit::permitted(actor, Permission::ReviewAccess) {
            Some(_) => Some(review::queue_unchecked(store, &actor.login, RECENT_VERDICTS)?),
            None => None,
        };
        let ledger = transparency::ledger_unchecked(store, self.budget)?;
        Ok(super::model::GovernanceSnapshot {
            requests,
            waiting,
            review,
            ledger,
            budget: self.budget,
        })
    }

    pub fn system(&self, store: &Store) -> Result<(SystemSnapshot, Health, i64), ServiceError> {
        let status = reads::system_status(store, &self.configured, &self.witnesses)?;
        let (health, offset) = self.health(&status.feeds);
        let snapshot = SystemSnapshot {
            status,
            sources: self.sources.clone(),
            feed_sources: self.feed_sources.clone(),
            recs_url: self.recs_url.clone(),
            own_holder: self.own_holder.clone(),
            staleness: self.staleness.clone(),
            recent_quarantine: reads::recent_quarantine(store, 5)?,
        };
        Ok((snapshot, health, offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loader(feed_sources: &[(&'static str, &'static str)]) -> Loader {
        Loader {
            limits: ComfortLimits::default(),
            ghost_after: Duration::minutes(30),
            sources: vec![("carrel", "http://127.0.0.1:9/".into())],
            recs_url: None,
            staleness: crate::domain::freshness::Staleness::new(
                60,
                1800,
                &[("sensor.seats", 5), ("sensor.layout", 3600), ("sensor.service_points", 5)],
            ),
            configured: feed_sources.iter().map(|(f, _)| *f).collect(),
            witnesses: Vec::new(),
            feed_sources: feed_sources.to_vec(),
            own_holder: None,
            target: crate::domain::queueing::ServiceTarget {
                within_s: 300.0,
                share: 0.8,
                max_occupancy: 0.85,
            },
            step_s: 900,
            horizon: Duration::hours(4),
            budget: crate::domain::governance::MilliEps(1000),
        }
    }

    fn fed(feed: &str, ago_s: i64) -> FeedState {
        FeedState {
            feed: feed.into(),
            last_success: Some(Utc::now() - Duration::seconds(ago_s)),
            ..FeedState::default()
        }
    }

    /// The status line's sensor health follows the seat states, or, where no source serves
    /// them, a sensor feed one does serve rather than waiting for seats forever.
    #[test]
    fn sensor_health_follows_a_feed_a_source_serves() {
        let feeds =
            [fed("sensor.seats", 600), fed("sensor.layout", 2), fed("sensor.service_points", 2)];
        let all = loader(&[
            ("sensor.layout", "carrel"),
            ("sensor.service_points", "carrel"),
            ("sensor.seats", "carrel"),
        ]);
        assert!(matches!(all.health(&feeds).0.sensor, ApiHealth::Stale { .. }));
        let no_seats = loader(&[("sensor.layout", "x"), ("sensor.service_points", "x")]);
        assert_eq!(no_seats.health(&feeds).0.sensor, ApiHealth::Ok);
        let layout_only = loader(&[("sensor.layout", "x")]);
        assert_eq!(layout_only.health(&[fed("sensor.layout", 2)]).0.sensor, ApiHealth::Ok);
    }
}
