//! The client of carrel's own sensor API: layout, seat states, comfort readings, service
//! windows, arrivals, and the two actions (change a window, release a seat). The rest of carrel
//! reaches it as one source among others, `source::SensorSource::Carrel`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::http::{ApiClient, FetchError};
use super::validate::{
    self, ArrivalsUpdate, EnvironmentUpdate, LayoutUpdate, SeatsUpdate, ServicePointsUpdate,
};
use crate::domain::api::{SeatStatus, ServicePointChange};
use crate::domain::service_point::ServicePoint;

/// A client of carrel's own sensor API.
#[derive(Debug, Clone)]
pub struct SensorClient {
    api: ApiClient,
}

impl SensorClient {
    /// The sensor API reached through `api`.
    pub fn new(api: ApiClient) -> Self {
        Self { api }
    }

    /// The HTTP client underneath.
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// Floors, zones and seats.
    pub async fn layout(&self) -> Result<LayoutUpdate, FetchError> {
        validate::layout(&self.api.get("v1/layout", &[]).await?)
    }

    /// Seat states changed since `cursor`, or all of them without one.
    pub async fn seats(
        &self,
        cursor: Option<&str>,
        known: &HashSet<String>,
    ) -> Result<SeatsUpdate, FetchError> {
        let query: Vec<(&str, String)> =
            cursor.map(|c| vec![("since", c.to_owned())]).unwrap_or_default();
        validate::seats(&self.api.get("v1/seats", &query).await?, known)
    }

    /// Comfort readings of the known zones.
    pub async fn environment(
        &self,
        known_zones: &HashSet<String>,
    ) -> Result<EnvironmentUpdate, FetchError> {
        validate::environment(&self.api.get("v1/environment", &[]).await?, known_zones)
    }

    /// Every service window and the staff on duty.
    pub async fn service_points(&self) -> Result<ServicePointsUpdate, FetchError> {
        validate::service_points(&self.api.get("v1/service-points", &[]).await?)
    }

    /// Arrivals per known window per `step_s` bucket over `[from, to)`.
    pub async fn arrivals(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        step_s: u32,
        known_windows: &HashSet<String>,
    ) -> Result<ArrivalsUpdate, FetchError> {
        let query =
            [("from", from.to_rfc3339()), ("to", to.to_rfc3339()), ("step", step_s.to_string())];
        validate::arrivals(&self.api.get("v1/arrivals", &query).await?, known_windows, step_s)
    }

    /// Opens, closes or (re)staffs a window; returns the window as the API now reports it.
    pub async fn change_service_point(
        &self,
        id: &str,
        change: &ServicePointChange,
        now: DateTime<Utc>,
    ) -> Result<ServicePoint, FetchError> {
        let body = self.api.post(&format!("v1/service-points/{id}"), change).await?;
        validate::service_point(&body, now)
    }

    /// Releases a ghost seat; returns its new state, checked as a record of a seats page is.
    pub async fn release_seat(
        &self,
        id: &str,
        known: &HashSet<String>,
    ) -> Result<SeatStatus, FetchError> {
        let body = self.api.post(&format!("v1/seats/{id}/release"), &serde_json::json!({})).await?;
        validate::seat_status(&body, known, Utc::now())
    }
}
