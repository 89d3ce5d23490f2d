//! Occuspace's answers as carrel reads them: the fields carrel uses, and no others.
//!
//! Shapes (from the public documentation named in `tests/fixtures/vendors/occuspace/README.md`):
//! - v1 `GET /v1/location/{id}/now` → [`Envelope`] `{message, data}` whose `data` is a [`Now`]
//!   (`name`, `count`, `percentage`, `timestamp`, `isActive`; `childCounts` is not read);
//! - v2 `GET /v2/locations?limit=&cursor=` → a [`LocationsPage`] of [`Location`]s with its
//!   [`Pagination`] (`next_cursor`, `has_more`); errors are RFC 7807 problems, which
//!   `feeds::http` reads.
//!
//! Undeclared fields (a location's `parent_id` and `start_date`, the counts of sub-locations)
//! are dropped while parsing. A record that fails a check goes to the quarantine re-serialised
//! from these types, or as its declared scalar fields when it does not parse
//! (`feeds::records`).
//!
//! May use: serde, serde_json, feeds::records.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub use crate::feeds::records::{object, record, rejection};

/// Every v1 answer: a message ("OK", or what is unusual about the answer) and the data.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    /// "OK", or what is unusual about the answer.
    pub message: Option<String>,
    /// The answer itself; absent or null when there is none.
    pub data: Option<Box<RawValue>>,
}

/// A location's count now (v1).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Now {
    /// The location's name.
    pub name: Option<String>,
    /// People estimated in it now.
    pub count: Option<f64>,
    /// The count as a share of the capacity, 0 to 1.
    pub percentage: Option<f64>,
    /// When the count was estimated: an RFC 3339 time, or seconds since 1970.
    pub timestamp: Option<serde_json::Value>,
    /// Whether the location's sensors are counting.
    pub is_active: Option<bool>,
}

/// Fields of [`Now`], for a record that does not parse.
pub const NOW_FIELDS: &[&str] = &["name", "count", "percentage", "timestamp", "isActive"];

/// One page of v2 locations.
#[derive(Debug, Deserialize)]
pub struct LocationsPage {
    /// The locations of this page, read one by one.
    #[serde(default)]
    pub data: Vec<Box<RawValue>>,
    /// Where the next page is.
    pub pagination: Option<Pagination>,
}

/// v2 cursor pagination.
#[derive(Debug, Default, Deserialize)]
pub struct Pagination {
    /// The cursor of the next page, when there is one.
    pub next_cursor: Option<String>,
    /// Whether more pages follow.
    #[serde(default)]
    pub has_more: bool,
}

/// Just the id of a v2 location, read first so only mapped locations are read in full.
#[derive(Debug, Deserialize)]
pub struct LocationId {
    /// The location id.
    pub location_id: u64,
}

/// A v2 location: its status and capacity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Location {
    /// The location id.
    pub location_id: u64,
    /// Its name.
    pub name: Option<String>,
    /// `active`, `inactive`, `setup`, `review` or `calibration`.
    pub status: Option<String>,
    /// How many people it holds (its sub-locations included).
    pub capacity: Option<u64>,
}

/// Fields of [`Location`], for a record that does not parse.
pub const LOCATION_FIELDS: &[&str] = &["location_id", "name", "status", "capacity"];
