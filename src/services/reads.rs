//! Reads of operational data: seats, service windows, feed and database health. None of this
//! is patron-linked.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::ServiceError;
use crate::domain::freshness::FeedState;
use crate::domain::freshness::Lease;
use crate::domain::layout::{Floor, SeatView, Zone};
use crate::domain::service_point::ServicePoint;
use crate::store::seats::SeatFilter;
use crate::store::{self, Store};

/// The feed whose clock offset stands for "now" at the sensors.
const CLOCK_FEED: &str = "sensor.seats";

/// Now as the sensor API sees it: our clock corrected by the offset measured at the last
/// successful fetch. Ages of seat states (ghost seats) are measured against this, so a
/// simulated library running faster than real time still reads right.
pub fn sensor_now(store: &Store) -> Result<DateTime<Utc>, ServiceError> {
    let offset =
        store::feeds::get(store.conn(), CLOCK_FEED)?.and_then(|f| f.server_offset_ms).unwrap_or(0);
    Ok(Utc::now() + Duration::milliseconds(offset))
}

pub fn seats(store: &Store, filter: &SeatFilter) -> Result<Vec<SeatView>, ServiceError> {
    Ok(store::seats::current(store.conn(), filter)?)
}

pub fn floors(store: &Store) -> Result<Vec<Floor>, ServiceError> {
    Ok(store::layout::floors(store.conn())?)
}

pub fn zones(store: &Store) -> Result<Vec<Zone>, ServiceError> {
    Ok(store::layout::zones(store.conn())?)
}

/// Every service window and the staff on duty.
pub fn service_points(store: &Store) -> Result<(Vec<ServicePoint>, Vec<String>), ServiceError> {
    Ok((
        store::service_points::list(store.conn())?,
        store::service_points::staff_on_duty(store.conn())?,
    ))
}

/// Ids of every seat in the layout.
pub fn seat_ids(store: &Store) -> Result<std::collections::HashSet<String>, ServiceError> {
    Ok(store::layout::active_ids(store.conn(), "seats")?)
}

/// Every active zone with its latest comfort reading.
pub fn comfort(store: &Store) -> Result<Vec<crate::domain::comfort::ZoneComfort>, ServiceError> {
    Ok(store::environment::latest(store.conn())?)
}

/// The latest head count of each zone a source counts people in.
pub fn head_counts(
    store: &Store,
) -> Result<Vec<crate::domain::layout::ZoneOccupancy>, ServiceError> {
    Ok(store::occupancy::latest(store.conn())?)
}

/// The sync state of every feed.
pub fn feeds(store: &Store) -> Result<Vec<FeedState>, ServiceError> {
    Ok(store::feeds::all(store.conn())?)
}

/// A seat's latest states, newest first.
pub fn seat_history(
    store: &Store,
    seat_id: &str,
    limit: usize,
) -> Result<Vec<crate::domain::layout::SeatEvent>, ServiceError> {
    Ok(store::seats::history(store.conn(), seat_id, limit)?)
}

/// The latest quarantined records, newest first.
pub fn recent_quarantine(
    store: &Store,
    limit: usize,
) -> Result<Vec<crate::domain::freshness::Rejected>, ServiceError> {
    Ok(store::quarantine::recent(store.conn(), limit)?)
}

/// SQLite's counter of commits by other connections: when it moves, another process or task
/// wrote, and whatever is on screen should be read again.
pub fn data_version(store: &Store) -> Result<i64, ServiceError> {
    Ok(store.data_version()?)
}

/// The health of the database and the feeds, for `carrel status` and the System tab.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemStatus {
    pub database: DatabaseStatus,
    pub lease: Option<Lease>,
    pub feeds: Vec<FeedState>,
    pub quarantined: BTreeMap<String, u64>,
    pub audit: super::audit::AuditSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatabaseStatus {
    pub path: String,
    pub size_bytes: u64,
    pub schema_version: usize,
    pub demo: bool,
    /// The database's id (its key files are named by it); `None` before carrel recorded one.
    pub id: Option<String>,
}

/// The health of the database and of every feed that has run or is `configured` to run; a
/// configured feed that never ran is listed with nothing recorded (never succeeded).
///
/// `witnesses` are the names in `[audit] witnesses`.
pub fn system_status(
    store: &Store,
    configured: &[&str],
    witnesses: &[String],
) -> Result<SystemStatus, ServiceError> {
    let c = store.conn();
    let mut feeds = store::feeds::all(c)?;
    for name in configured {
        if !feeds.iter().any(|f| f.feed == *name) {
            feeds.push(FeedState { feed: (*name).to_owned(), ..FeedState::default() });
        }
    }
    feeds.sort_by(|a, b| a.feed.cmp(&b.feed));
    Ok(SystemStatus {
        database: DatabaseStatus {
            path: store.path().display().to_string(),
            size_bytes: store.size_bytes(),
            schema_version: store.schema_version()?,
            demo: store.is_demo()?,
            id: store.database_id()?,
        },
        lease: store::lease::current(c)?,
        feeds,
        quarantined: store::quarantine::counts(c)?,
        audit: super::audit::summary(store, witnesses)?,
    })
}
