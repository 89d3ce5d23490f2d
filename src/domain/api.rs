//! Wire types of the two remote APIs: the sensor API and the recommendation API.
//!
//! The contract is `assets/api/openapi.yaml`; the simulator serialises these types and the
//! feed clients deserialise them, so both sides follow the one definition. Clients ignore
//! fields they do not know (an API may grow); the contract test checks that the simulator sends
//! exactly these fields. Envelopes are generic over their record type: the simulator fills them
//! with typed records, while a client parses records as `serde_json::Value` first and then one
//! by one, so that one bad record is quarantined and the rest of the page is kept.
//!
//! May use: serde, chrono. No I/O.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::layout::{SeatState, SensorHealth, ZoneKind};

/// `GET /v1/layout`: floors, their zones and their seats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayoutResponse<F = FloorDto> {
    pub generated_at: DateTime<Utc>,
    pub floors: Vec<F>,
}

/// One floor of the building.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FloorDto<Z = ZoneDto> {
    pub id: String,
    pub name: String,
    /// Storey number as the library counts it (0 = ground floor).
    pub level: i32,
    pub zones: Vec<Z>,
}

/// A zone of a floor: a set of seats of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneDto<S = SeatDto> {
    pub id: String,
    pub name: String,
    pub kind: ZoneKind,
    pub seats: Vec<S>,
}

/// A seat and where it stands on its floor's grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatDto {
    pub id: String,
    pub label: String,
    /// Grid column on the floor plan, 0-based.
    pub x: u32,
    /// Grid row on the floor plan, 0-based.
    pub y: u32,
    /// The seat has a power socket.
    pub power: bool,
    /// The seat is wheelchair accessible.
    pub accessible: bool,
}

/// `GET /v1/seats[?since=CURSOR]`: the state of every seat, or only those that changed since
/// the cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatsPage<R = SeatStatus> {
    pub generated_at: DateTime<Utc>,
    /// Pass back as `since` to receive only later changes.
    pub cursor: String,
    /// True when the page holds every seat (no cursor given, or the cursor was not usable).
    pub full: bool,
    pub seats: Vec<R>,
}

/// A seat's current state as the sensors see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatStatus {
    pub id: String,
    pub state: SeatState,
    /// When the seat entered this state.
    pub since: DateTime<Utc>,
    pub sensor: SensorHealth,
}

/// `GET /v1/environment`: the latest comfort readings of every zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentResponse<R = ZoneReading> {
    pub generated_at: DateTime<Utc>,
    pub readings: Vec<R>,
}

/// One zone's comfort reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneReading {
    pub zone_id: String,
    pub at: DateTime<Utc>,
    pub temperature_c: f64,
    pub co2_ppm: f64,
    pub light_lux: f64,
    pub noise_db: f64,
}

/// `GET /v1/service-points`: every service window and the staff on duty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicePointsResponse<R = ServicePointDto> {
    pub generated_at: DateTime<Utc>,
    /// Staff logins on duty now; windows can be staffed only from these.
    pub staff_on_duty: Vec<String>,
    pub service_points: Vec<R>,
}

/// A service window (circulation desk, enquiries, returns...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicePointDto {
    pub id: String,
    pub name: String,
    /// The service this window gives; windows of one service share their queue.
    pub service: String,
    pub open: bool,
    pub staff: Option<String>,
    pub queue_length: u32,
    pub oldest_waiting_since: Option<DateTime<Utc>>,
    pub served_today: u32,
    pub mean_service_s: f64,
}

/// Body of `POST /v1/service-points/{id}`. Absent fields are left as they are; `"staff": null`
/// takes the staff member off the window. `open` is a boolean when present: `"open": null` is
/// refused (serde would otherwise read it as absent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicePointChange {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present_bool")]
    pub open: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_or_null"
    )]
    pub staff: Option<Option<String>>,
}

/// `GET /v1/arrivals?from=&to=&step=`: arrivals per window per time bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrivalsResponse<R = ArrivalBucketDto> {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub step_s: u32,
    pub buckets: Vec<R>,
}

/// Arrivals at one window in one bucket `[start, start + step_s)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrivalBucketDto {
    pub service_point_id: String,
    pub start: DateTime<Utc>,
    pub arrivals: u32,
    pub served: u32,
    /// Mean wait of those served in the bucket; absent when nobody was served.
    pub mean_wait_s: Option<f64>,
}

/// `GET /v1/recommendations/{pseudonym}?k=N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecommendationsResponse<R = RecommendationDto> {
    pub pseudonym: String,
    pub model_version: String,
    pub generated_at: DateTime<Utc>,
    pub items: Vec<R>,
}

/// One recommended item with the reasons the model gives for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecommendationDto {
    pub item_id: String,
    pub title: String,
    pub score: f64,
    /// Reason codes, e.g. `similar_to_loans`, `subject_interest`, `recent_search`, `popular`.
    pub reasons: Vec<String>,
}

/// `GET /v1/model`: provenance of the recommendation model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub version: String,
    pub trained_at: DateTime<Utc>,
    /// How the model was trained, e.g. `federated` or `central`.
    pub training_mode: String,
    /// Number of sites that took part in training.
    pub sites: u32,
    /// Offline metrics by name, e.g. `precision_at_10`.
    pub metrics: std::collections::BTreeMap<String, f64>,
}

/// `GET /v1/catalog[?since=CURSOR&limit=N]`: catalogue items, paged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogPage<R = CatalogItemDto> {
    pub generated_at: DateTime<Utc>,
    pub cursor: String,
    /// True when more items follow the cursor.
    pub more: bool,
    pub items: Vec<R>,
}

/// A catalogue item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogItemDto {
    pub id: String,
    pub title: String,
    pub subject: String,
    pub year: i32,
}

/// The body of every non-2xx answer of both APIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ApiErrorBody,
}

/// What went wrong, as a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self { error: ApiErrorBody { code: code.to_owned(), message: message.into() } }
    }
}

/// A boolean that may be absent (`None`, through `#[serde(default)]`) but never `null`.
fn present_bool<'de, D>(deserializer: D) -> Result<Option<bool>, D::Error>
where
    D: Deserializer<'de>,
{
    bool::deserialize(deserializer).map(Some)
}

/// Distinguishes an absent field (outer `None`) from an explicit `null` (`Some(None)`).
fn present_or_null<'de, D>(deserializer: D) -> Result<Option<Option<String>>, D::Error>
where
    D: Deserializer<'de>,
{
    Option::<String>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_point_change_tells_absent_from_null() {
        let absent: ServicePointChange = serde_json::from_str(r#"{"open":true}"#).unwrap();
        assert_eq!(absent.staff, None);
        let null: ServicePointChange = serde_json::from_str(r#"{"staff":null}"#).unwrap();
        assert_eq!(null.staff, Some(None));
        let named: ServicePointChange = serde_json::from_str(r#"{"staff":"ana"}"#).unwrap();
        assert_eq!(named.staff, Some(Some("ana".into())));
        assert!(serde_json::from_str::<ServicePointChange>(r#"{"stafff":"ana"}"#).is_err());
    }

    #[test]
    fn service_point_change_refuses_a_null_open() {
        let absent: ServicePointChange = serde_json::from_str(r#"{"staff":"ana"}"#).unwrap();
        assert_eq!(absent.open, None);
        let closed: ServicePointChange = serde_json::from_str(r#"{"open":false}"#).unwrap();
        assert_eq!(closed.open, Some(false));
        let null = serde_json::from_str::<ServicePointChange>(r#"{"open":null}"#).unwrap_err();
        assert!(null.is_data(), "a type error, answered with 422: {null}");
        assert!(null.to_string().contains("expected a boolean"), "{null}");
    }

    #[test]
    fn service_point_change_serialises_null_staff() {
        let take_off = ServicePointChange { open: None, staff: Some(None) };
        assert_eq!(serde_json::to_string(&take_off).unwrap(), r#"{"staff":null}"#);
    }
}
