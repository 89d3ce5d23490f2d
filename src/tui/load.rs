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
    pub sensor_url: Option<String>,
    pub recs_url: Option<String>,
    pub staleness: crate::domain::freshness::Staleness,
    /// The feeds the configuration runs, listed in the System tab even before they first run.
    pub configured: Vec<&'static str>,
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
        let sensor = ApiHealth::of(
            self.sensor_url.is_some(),
            feed("sensor.seats"),
            self.staleness.limit("sensor.seats"),
            now,
        );
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
            &reads::comfort(store)?,
            &self.limits,
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
        let status = reads::system_status(store, &self.configured)?;
        let (health, offset) = self.health(&status.feeds);
        let snapshot = SystemSnapshot {
            status,
            sensor_url: self.sensor_url.clone(),
            recs_url: self.recs_url.clone(),
            own_holder: self.own_holder.clone(),
            staleness: self.staleness.clone(),
            recent_quarantine: reads::recent_quarantine(store, 5)?,
        };
        Ok((snapshot, health, offset))
    }
}
