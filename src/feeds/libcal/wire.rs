//! LibCal's answers as carrel reads them: the fields carrel uses, and no others.
//!
//! A booking in LibCal carries the patron's first and last name, e-mail, account, check-in
//! code and form answers. None of them is declared here, so serde drops them while parsing:
//! they are never held in memory past the body, never stored, logged or shown. A record that
//! fails a check is handed to the quarantine re-serialised from these types
//! ([`rejection`]), or, when it does not parse at all, as its declared scalar fields only
//! ([`unparsed`]); the text of the body is never copied.
//!
//! Shapes (from the public documentation and client code named in
//! `tests/fixtures/vendors/libcal/README.md`):
//! - `POST /1.1/oauth/token` → [`TokenAnswer`];
//! - `GET /1.1/space/locations` → a list of [`Location`];
//! - `GET /1.1/space/seats/{lid}` → a list of [`Seat`], paged with `pageIndex` and `pageSize`;
//! - `GET /1.1/space/bookings` → a list of [`Booking`], paged with `page` and `limit`;
//! - `GET /1.1/space/utilization/{lid}` → [`Utilization`] of [`UtilizationZone`]s of
//!   [`UtilizationSpace`]s;
//! - `POST /1.1/space/cancel/{bookId}` → a list of [`CancelAnswer`].
//!
//! May use: serde, serde_json, feeds::validate.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::feeds::http::FetchError;
pub use crate::feeds::records::{object, record, rejection, unparsed};

/// The answer of the token endpoint. Not `Debug`: it holds the token in the clear, and is
/// turned into a [`Secret`](crate::config::Secret) at once.
#[derive(Deserialize)]
pub struct TokenAnswer {
    /// The bearer token.
    pub access_token: String,
    /// Seconds the token is good for; LibCal's are good for an hour.
    pub expires_in: Option<u64>,
    /// `Bearer`; anything else is refused.
    pub token_type: Option<String>,
}

/// A LibCal location (a building or library): carrel's floor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Location {
    /// The location id.
    pub lid: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
}

/// Fields of [`Location`], for [`unparsed`].
pub const LOCATION_FIELDS: &[&str] = &["lid", "name"];

/// A bookable seat of the Seat Booking module.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seat {
    /// The seat id.
    pub id: u64,
    /// Its name (carrel's label).
    #[serde(default)]
    pub name: String,
    /// Absent: not known to be accessible.
    pub is_accessible: Option<bool>,
    /// Absent: not known to have power.
    pub is_powered: Option<bool>,
    /// The zone the seat stands in, when the location has zones.
    pub zone: Option<ZoneRef>,
}

/// Fields of [`Seat`], for [`unparsed`].
pub const SEAT_FIELDS: &[&str] = &["id", "name", "isAccessible", "isPowered", "zone"];

/// A zone as a seat names it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZoneRef {
    /// The zone id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
}

/// A booking of a seat or a space. Times are local with an offset
/// (`2026-11-21T09:00:00-05:00`); they are parsed by the mapping, which tells a bad one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Booking {
    #[serde(rename = "bookId")]
    pub book_id: String,
    /// Absent or null for the booking of a whole space.
    pub seat_id: Option<u64>,
    #[serde(rename = "fromDate")]
    pub from_date: String,
    #[serde(rename = "toDate")]
    pub to_date: String,
    /// `Confirmed`, `Tentative`, `Cancelled by User`, … .
    pub status: Option<String>,
    /// Present with `checkInStatus=1`: `Checked In`, `Checked Out` or `Not Checked In`.
    pub check_in_status: Option<String>,
    /// When the booking was cancelled (a time), if it was.
    pub cancelled: Option<Value>,
}

/// Fields of [`Booking`], for [`unparsed`].
pub const BOOKING_FIELDS: &[&str] =
    &["bookId", "seat_id", "fromDate", "toDate", "status", "check_in_status", "cancelled"];

/// A location's utilisation: its zones, each with its spaces.
#[derive(Debug, Deserialize)]
pub struct Utilization {
    #[serde(default)]
    pub zones: Vec<Box<RawValue>>,
}

/// One zone of a utilisation answer; its spaces are checked one by one.
#[derive(Debug, Deserialize)]
pub struct UtilizationZone {
    /// The zone id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its spaces, read one by one.
    #[serde(default)]
    pub spaces: Vec<Box<RawValue>>,
}

/// Fields of [`UtilizationZone`], for [`unparsed`] (its spaces are left out).
pub const UTILIZATION_ZONE_FIELDS: &[&str] = &["id", "name"];

/// One space's occupancy now.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UtilizationSpace {
    /// The space id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// A room booked as a whole (no seats of its own); absent: it has seats.
    pub bookable_as_whole: Option<bool>,
    /// People in it now.
    pub current_occupancy: u32,
    /// How many it may hold now (a limit below its size, for one).
    pub current_capacity: Option<u32>,
    /// How many it holds at most.
    pub max_capacity: Option<u32>,
}

/// Fields of [`UtilizationSpace`], for [`unparsed`].
pub const SPACE_FIELDS: &[&str] =
    &["id", "name", "bookableAsWhole", "currentOccupancy", "currentCapacity", "maxCapacity"];

/// What LibCal says of one booking it was asked to cancel.
#[derive(Debug, Clone, Deserialize)]
pub struct CancelAnswer {
    /// The booking this answer is about.
    pub booking_id: String,
    /// Whether it is cancelled now.
    #[serde(default)]
    pub cancelled: bool,
    /// Why not, when it was not cancelled.
    pub error: Option<String>,
}

/// The records of an answer that is a JSON list; anything else is a failed fetch.
pub fn list(body: &[u8], what: &str) -> Result<Vec<Box<RawValue>>, FetchError> {
    serde_json::from_slice(body)
        .map_err(|e| FetchError::Malformed(format!("{what}: not a list of records: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn personal_fields_never_parse_and_never_reach_a_rejection() {
        let b = raw(
            r#"{"bookId":"cs_1","seat_id":"x7","firstName":"Jane","email":"jane@example.org",
                "fromDate":"x","toDate":"y","account":"jdoe","zone":{"email":"jane@example.org"}}"#,
        );
        let r = record::<Booking>(&b, "booking", BOOKING_FIELDS).unwrap_err();
        assert!(r.reason.contains("invalid type"), "{}", r.reason);
        assert!(!r.reason.contains("Jane"), "{}", r.reason);
        assert!(!r.record.contains("Jane") && !r.record.contains("jane"), "{}", r.record);
        assert!(!r.record.contains("jdoe"), "{}", r.record);
        assert!(r.record.contains(r#""bookId":"cs_1""#), "{}", r.record);

        let ok =
            raw(r#"{"bookId":"cs_2","seat_id":7,"fromDate":"a","toDate":"b","firstName":"Jane",
                "lastName":"Doe","email":"jane@example.org","check_in_code":"X1"}"#);
        let parsed = record::<Booking>(&ok, "booking", BOOKING_FIELDS).unwrap();
        let again = rejection("late", &parsed);
        assert!(!again.record.contains("Jane") && !again.record.contains("X1"), "{again:?}");
        assert!(!format!("{parsed:?}").contains("Jane"));
    }

    #[test]
    fn nested_values_and_non_objects_are_not_copied() {
        let s = raw(r#"{"id":"a","zone":{"id":1,"name":"x","account":"jdoe"},"extra":"secret"}"#);
        let r = record::<Seat>(&s, "seat", SEAT_FIELDS).unwrap_err();
        assert_eq!(r.record, r#"{"id":"a","zone":"…"}"#);
        let r = record::<Seat>(&raw(r#""Jane Doe""#), "seat", SEAT_FIELDS).unwrap_err();
        assert_eq!(r.record, "null");
        assert!(!r.reason.contains("Jane"), "{}", r.reason);
    }

    #[test]
    fn a_body_that_is_not_a_list_is_a_failed_fetch() {
        assert!(matches!(list(b"{\"a\":1}", "seats"), Err(FetchError::Malformed(_))));
        assert_eq!(list(b"[1, {\"a\":2}]", "seats").unwrap().len(), 2);
    }
}
