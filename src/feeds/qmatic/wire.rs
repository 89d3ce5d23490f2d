//! Qmatic Orchestra's wire types: only the fields carrel reads. Personal fields of a visit
//! (its parameter map, customer ids, ticket number, appointment) are never declared, so serde
//! drops them where the answer is parsed and they reach nothing else.
//!
//! Shapes as public Orchestra clients read them (sources in the module above and in
//! `tests/fixtures/vendors/qmatic/README.md`): numbers of seconds for waits, camelCase names.
//! Every field but an `id` is optional: a missing one is taken as unknown, not as an error.
//!
//! May use: serde.

use serde::Deserialize;

/// A service point as `GET rest/managementinformation/v2/branches/{b}/servicePoints` lists it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePoint {
    /// Orchestra's number for the point, unique in the branch.
    pub id: i64,
    /// The point's display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `OPEN` or `CLOSED`.
    #[serde(default)]
    pub status: Option<String>,
    /// The login of the user whose session is open at the point.
    #[serde(default)]
    pub staff_name: Option<String>,
    /// The work profile of that session: which queues the point calls from.
    #[serde(default)]
    pub work_profile_id: Option<i64>,
}

/// A queue as `GET rest/servicepoint/branches/{b}/queues/` and
/// `…/workProfiles/{w}/queues/` list it (Orchestra's "tiny queue").
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Queue {
    /// Orchestra's number for the queue.
    pub id: i64,
    /// The queue's display name (usually its service's).
    #[serde(default)]
    pub name: Option<String>,
    /// Visits waiting in the queue now.
    #[serde(default)]
    pub customers_waiting: Option<u32>,
    /// How long the first of them has waited, in seconds.
    #[serde(default)]
    pub waiting_time: Option<u32>,
}

/// A waiting visit as a service point's pool (`…/servicePoints/{id}/pool/visits`) or a queue
/// (`…/queues/{id}/visits/`) lists it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Visit {
    /// Orchestra's number for the visit, stable while it lasts.
    pub id: i64,
    /// Seconds waited in the pool or queue it is in now.
    #[serde(default)]
    pub waiting_time: Option<u32>,
    /// Seconds since the visit was created (its ticket taken).
    #[serde(default)]
    pub total_waiting_time: Option<u32>,
    /// The branch's clock when the answer was made: RFC 3339 with an offset, or a local time
    /// without one (read in the library's time zone).
    #[serde(default)]
    pub branch_current_time: Option<String>,
}
