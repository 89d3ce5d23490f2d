//! Service windows (circulation desk, enquiries, returns) as the console sees them.
//!
//! Pure types; queueing maths lives beside them when forecasting lands.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A service window with its latest reported state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicePoint {
    pub id: String,
    pub name: String,
    /// The service given here; windows of one service share one queue of patrons.
    pub service: String,
    pub open: bool,
    pub staff: Option<String>,
    pub queue_length: u32,
    pub oldest_waiting_since: Option<DateTime<Utc>>,
    pub served_today: u32,
    pub mean_service_s: f64,
    /// When the sensor API last reported this window.
    pub updated_at: DateTime<Utc>,
}

impl ServicePoint {
    /// How long the patron at the head of the queue has waited, in whole seconds.
    pub fn oldest_wait_s(&self, now: DateTime<Utc>) -> Option<i64> {
        self.oldest_waiting_since.map(|t| (now - t).num_seconds().max(0))
    }
}
