//! The source seam: where each of the library's sensor feeds comes from, and who carries out
//! the two actions.
//!
//! A [`SensorSource`] is one place carrel reads the library from: today carrel's own sensor
//! API ([`SensorSource::Carrel`]); each vendor adapter (LibCal, Occuspace, Qmatic Orchestra,
//! OGC SensorThings) is another variant. A source gives some of the [`Capability`]s — five
//! feeds (layout, seat states, comfort readings, service windows, arrivals) and two actions
//! (change a window, release a seat) — and says which ([`SensorSource::gives`]). Each hands on
//! the validated updates of `feeds::validate` the store already takes. Asked for something it
//! does not give, a source answers [`FetchError::NotGiven`], naming itself and what was asked.
//!
//! [`Sources`] is built once from the configuration ([`Sources::from_config`]) and used by the
//! ingest, the console and the commands that talk to an API. It holds every configured sensor
//! source and the recommendation API's client, and it is the one place their HTTP clients are
//! made. **Which source serves what**, capability by capability:
//!
//! 1. the first configured vendor source that gives it, vendors taken in the fixed order LibCal,
//!    Occuspace, Qmatic, SensorThings;
//! 2. else carrel's own sensor API, when it is configured: it gives everything, and so fills
//!    what the vendors lack;
//! 3. else nothing: the ingest does not run that feed, and the action is refused with
//!    [`FetchError::NoSource`].
//!
//! Vendors go first because a site that configures one means it to be the source of what it
//! gives; carrel's own API is the fallback, not a rival. One source serves each capability:
//! answers of two sources are never merged, since two reports of the same seat could disagree
//! with nothing to settle which is right. The order of vendors is fixed, not the order of the
//! configuration file, so the same configuration always means the same thing.
//!
//! Each feed keeps its own schedule, backoff, freshness and quarantine in the engine, as ever;
//! the System tab and `carrel status` label each feed with the source that serves it, so each
//! source's health can be read off its feeds.
//!
//! Adding a source: a variant holding its client; one arm in each method of [`SensorSource`]
//! (the adapter's call, or `Err(self.not_given(…))` for what it does not give, matching
//! [`SensorSource::gives`]); and its construction in [`Sources::from_config`], in its place in
//! the order above.
//!
//! May use: config, domain, the feeds' clients and validation.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Utc};
use reqwest::Url;
use serde::Serialize;

use super::http::{ApiClient, FetchError};
use super::libcal::LibCalClient;
use super::occuspace::OccuspaceClient;
use super::qmatic::QmaticClient;
use super::recs::RecsClient;
use super::sensor::SensorClient;
use super::sensorthings::SensorThingsClient;
use super::validate::{
    ArrivalsUpdate, EnvironmentUpdate, LayoutUpdate, OccupancyUpdate, SeatsUpdate,
    ServicePointsUpdate,
};
use crate::config::{Config, Endpoint, QmaticEndpoint};
use crate::domain::api::{SeatStatus, ServicePointChange};
use crate::domain::service_point::ServicePoint;

/// Something a sensor source may give carrel: one of the five feeds, or one of the two actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Floors, zones and seats.
    Layout,
    /// Each seat's state.
    Seats,
    /// Comfort readings per zone.
    Environment,
    /// Service windows: open or closed, staff, queue.
    ServicePoints,
    /// Arrivals, served and waits per window per time bucket.
    Arrivals,
    /// Head counts of zones counted rather than seated.
    Occupancy,
    /// The action: open, close or (re)staff a window.
    ChangeWindow,
    /// The action: release a ghost seat.
    ReleaseSeat,
}

impl Capability {
    /// Every capability, feeds first.
    pub const ALL: [Capability; 8] = [
        Capability::Layout,
        Capability::Seats,
        Capability::Environment,
        Capability::ServicePoints,
        Capability::Arrivals,
        Capability::Occupancy,
        Capability::ChangeWindow,
        Capability::ReleaseSeat,
    ];

    /// What it is, in words that follow "gives" or "no source gives".
    pub fn describe(self) -> &'static str {
        match self {
            Capability::Layout => "the layout",
            Capability::Seats => "seat states",
            Capability::Environment => "comfort readings",
            Capability::ServicePoints => "service windows",
            Capability::Arrivals => "arrivals",
            Capability::Occupancy => "head counts",
            Capability::ChangeWindow => "window changes",
            Capability::ReleaseSeat => "seat releases",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// One configured source of the library's sensor data.
#[derive(Debug, Clone)]
pub enum SensorSource {
    /// carrel's own sensor API (`assets/api/openapi.yaml`): everything but head counts (it
    /// reports seats, not people in a room).
    Carrel(SensorClient),
    /// Springshare LibCal: the layout (without positions), seat states from bookings, head
    /// counts of rooms booked whole, and releases of no-show seats.
    LibCal(LibCalClient),
    /// An Occuspace account (`feeds::occuspace`): head counts only.
    Occuspace(OccuspaceClient),
    /// An OGC SensorThings service (`feeds::sensorthings`): comfort readings only.
    SensorThings(SensorThingsClient),
    /// Qmatic Orchestra (`feeds::qmatic`): service windows, arrivals and window changes.
    Qmatic(QmaticClient),
}

/// What Qmatic Orchestra gives.
const QMATIC_GIVES: [Capability; 3] =
    [Capability::ServicePoints, Capability::Arrivals, Capability::ChangeWindow];

impl SensorSource {
    /// The source's name in `carrel status`, the System tab and messages.
    pub fn name(&self) -> &'static str {
        match self {
            SensorSource::Carrel(_) => "carrel",
            SensorSource::LibCal(_) => "libcal",
            SensorSource::Occuspace(_) => "occuspace",
            SensorSource::SensorThings(_) => "sensorthings",
            SensorSource::Qmatic(_) => "qmatic",
        }
    }

    /// Where the source is, for the System tab (callers redact it before showing it).
    pub fn url(&self) -> &Url {
        match self {
            SensorSource::Carrel(c) => c.api().base(),
            SensorSource::LibCal(c) => c.base(),
            SensorSource::Occuspace(c) => c.api().base(),
            SensorSource::SensorThings(c) => c.api().base(),
            SensorSource::Qmatic(c) => c.api().base(),
        }
    }

    /// Whether the source gives `what`. Its methods for anything else answer
    /// [`FetchError::NotGiven`].
    pub fn gives(&self, what: Capability) -> bool {
        match self {
            SensorSource::Carrel(_) => what != Capability::Occupancy,
            SensorSource::LibCal(_) => matches!(
                what,
                Capability::Layout
                    | Capability::Seats
                    | Capability::Occupancy
                    | Capability::ReleaseSeat
            ),
            SensorSource::Occuspace(_) => what == Capability::Occupancy,
            SensorSource::SensorThings(_) => what == Capability::Environment,
            SensorSource::Qmatic(_) => QMATIC_GIVES.contains(&what),
        }
    }

    /// The error of asking this source for `what`, which it does not give.
    pub fn not_given(&self, what: Capability) -> FetchError {
        FetchError::NotGiven { name: self.name(), what }
    }

    /// Floors, zones and seats.
    pub async fn layout(&self) -> Result<LayoutUpdate, FetchError> {
        match self {
            SensorSource::Carrel(c) => c.layout().await,
            SensorSource::LibCal(c) => c.layout(c.server_now().await?).await,
            SensorSource::SensorThings(_) => Err(self.not_given(Capability::Layout)),
            SensorSource::Occuspace(_) => Err(self.not_given(Capability::Layout)),
            SensorSource::Qmatic(_) => Err(self.not_given(Capability::Layout)),
        }
    }

    /// Seat states changed since `cursor`, or all of them without one, checked against the
    /// `known` seats.
    pub async fn seats(
        &self,
        cursor: Option<&str>,
        known: &HashSet<String>,
    ) -> Result<SeatsUpdate, FetchError> {
        match self {
            SensorSource::Carrel(c) => c.seats(cursor, known).await,
            // Always a full report: LibCal has no change cursor.
            SensorSource::LibCal(c) => c.seats(c.server_now().await?, known).await,
            SensorSource::SensorThings(_) => Err(self.not_given(Capability::Seats)),
            SensorSource::Occuspace(_) => Err(self.not_given(Capability::Seats)),
            SensorSource::Qmatic(_) => Err(self.not_given(Capability::Seats)),
        }
    }

    /// Comfort readings of the `known_zones`.
    pub async fn environment(
        &self,
        known_zones: &HashSet<String>,
    ) -> Result<EnvironmentUpdate, FetchError> {
        match self {
            SensorSource::Carrel(c) => c.environment(known_zones).await,
            SensorSource::LibCal(_) => Err(self.not_given(Capability::Environment)),
            SensorSource::SensorThings(c) => c.environment(known_zones).await,
            SensorSource::Occuspace(_) => Err(self.not_given(Capability::Environment)),
            SensorSource::Qmatic(_) => Err(self.not_given(Capability::Environment)),
        }
    }

    /// Every service window and the staff on duty.
    pub async fn service_points(&self) -> Result<ServicePointsUpdate, FetchError> {
        match self {
            SensorSource::Carrel(c) => c.service_points().await,
            SensorSource::LibCal(_) => Err(self.not_given(Capability::ServicePoints)),
            SensorSource::SensorThings(_) => Err(self.not_given(Capability::ServicePoints)),
            SensorSource::Occuspace(_) => Err(self.not_given(Capability::ServicePoints)),
            SensorSource::Qmatic(c) => c.service_points().await,
        }
    }

    /// Arrivals per known window per `step_s` bucket over `[from, to)`.
    pub async fn arrivals(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        step_s: u32,
        known_windows: &HashSet<String>,
    ) -> Result<ArrivalsUpdate, FetchError> {
        match self {
            SensorSource::Carrel(c) => c.arrivals(from, to, step_s, known_windows).await,
            SensorSource::Qmatic(c) => c.arrivals(from, to, step_s, known_windows).await,
            SensorSource::LibCal(_) => Err(self.not_given(Capability::Arrivals)),
            SensorSource::SensorThings(_) => Err(self.not_given(Capability::Arrivals)),
            SensorSource::Occuspace(_) => Err(self.not_given(Capability::Arrivals)),
        }
    }

    /// Head counts of the zones the source counts people in.
    /// `known_zones` are the layout's zones: a source that maps its own places to zones
    /// rejects a place mapped to a zone not among them, naming the place.
    pub async fn occupancy(
        &self,
        known_zones: &HashSet<String>,
    ) -> Result<OccupancyUpdate, FetchError> {
        match self {
            SensorSource::Carrel(_) => Err(self.not_given(Capability::Occupancy)),
            SensorSource::LibCal(c) => c.occupancy(c.server_now().await?).await,
            SensorSource::SensorThings(_) => Err(self.not_given(Capability::Occupancy)),
            SensorSource::Occuspace(c) => c.occupancy(known_zones).await,
            SensorSource::Qmatic(_) => Err(self.not_given(Capability::Occupancy)),
        }
    }

    /// Opens, closes or (re)staffs a window; returns the window as the source now reports it.
    pub async fn change_service_point(
        &self,
        id: &str,
        change: &ServicePointChange,
        now: DateTime<Utc>,
    ) -> Result<ServicePoint, FetchError> {
        match self {
            SensorSource::Carrel(c) => c.change_service_point(id, change, now).await,
            SensorSource::LibCal(_) => Err(self.not_given(Capability::ChangeWindow)),
            SensorSource::SensorThings(_) => Err(self.not_given(Capability::ChangeWindow)),
            SensorSource::Occuspace(_) => Err(self.not_given(Capability::ChangeWindow)),
            SensorSource::Qmatic(c) => c.change_service_point(id, change).await,
        }
    }

    /// Releases a ghost seat; returns its new state.
    pub async fn release_seat(
        &self,
        id: &str,
        known: &HashSet<String>,
    ) -> Result<SeatStatus, FetchError> {
        match self {
            SensorSource::Carrel(c) => c.release_seat(id, known).await,
            SensorSource::LibCal(c) => c.release_seat(id, c.server_now().await?).await,
            SensorSource::SensorThings(_) => Err(self.not_given(Capability::ReleaseSeat)),
            SensorSource::Occuspace(_) => Err(self.not_given(Capability::ReleaseSeat)),
            SensorSource::Qmatic(_) => Err(self.not_given(Capability::ReleaseSeat)),
        }
    }
}

/// Every configured source: the sensor sources in the order that decides which serves what
/// (see the module's rule), and the recommendation API.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    sensor: Vec<SensorSource>,
    recs: Option<RecsClient>,
}

impl Sources {
    /// The sources the configuration names, each with its HTTP client. Only the building of a
    /// client can fail (the TLS setup), which says something is wrong with the machine.
    pub fn from_config(cfg: &Config) -> Result<Sources, FetchError> {
        let own = Sources::own_apis(cfg.sensor.as_ref(), cfg.recs.as_ref())?;
        let mut vendors = Vec::new();
        // In the module's order: LibCal, Occuspace, Qmatic, SensorThings.
        if let Some(libcal) = &cfg.libcal {
            vendors.push(SensorSource::LibCal(LibCalClient::new(libcal, cfg.timezone)?));
        }
        if let Some(occuspace) = &cfg.occuspace {
            vendors.push(SensorSource::Occuspace(OccuspaceClient::new(occuspace)?));
        }
        if let Some(q) = &cfg.qmatic {
            vendors.push(Sources::qmatic(q, cfg.timezone)?);
        }
        if let Some(st) = &cfg.sensorthings {
            vendors.push(SensorSource::SensorThings(SensorThingsClient::new(st)?));
        }
        Ok(own.with_vendors(vendors))
    }

    /// The Qmatic Orchestra source of `[feeds.qmatic]`, reading local times in `tz`.
    pub fn qmatic(q: &QmaticEndpoint, tz: chrono_tz::Tz) -> Result<SensorSource, FetchError> {
        let api = ApiClient::new(&q.endpoint)?.with_basic_auth(&q.user, q.password.clone());
        Ok(SensorSource::Qmatic(QmaticClient::new(api, q.branch_id, tz)))
    }

    /// These sources with the vendor `sources` (already in the module's order) put before
    /// carrel's own API.
    pub fn with_vendors(mut self, vendors: Vec<SensorSource>) -> Sources {
        let own = std::mem::take(&mut self.sensor);
        self.sensor = vendors.into_iter().chain(own).collect();
        self
    }

    /// carrel's own sensor API and recommendation API at these endpoints, either or both
    /// absent, and no vendor source.
    pub fn own_apis(
        sensor: Option<&Endpoint>,
        recs: Option<&Endpoint>,
    ) -> Result<Sources, FetchError> {
        let mut sensor_sources = Vec::new();
        if let Some(endpoint) = sensor {
            sensor_sources.push(SensorSource::Carrel(SensorClient::new(ApiClient::new(endpoint)?)));
        }
        let recs = recs.map(ApiClient::new).transpose()?.map(RecsClient::new);
        Ok(Sources { sensor: sensor_sources, recs })
    }

    /// Whether no source at all is configured: nothing to ingest from.
    pub fn is_empty(&self) -> bool {
        self.sensor.is_empty() && self.recs.is_none()
    }

    /// The configured sensor sources, in the order that decides which serves what.
    pub fn sensor(&self) -> &[SensorSource] {
        &self.sensor
    }

    /// The recommendation API's client, when it is configured.
    pub fn recs(&self) -> Option<&RecsClient> {
        self.recs.as_ref()
    }

    /// The source that serves `what`, by the module's rule, or [`FetchError::NoSource`].
    pub fn serving(&self, what: Capability) -> Result<&SensorSource, FetchError> {
        self.sensor.iter().find(|s| s.gives(what)).ok_or(FetchError::NoSource { what })
    }

    /// The name of the source that serves `what`, if one does.
    pub fn source_of(&self, what: Capability) -> Option<&'static str> {
        self.serving(what).ok().map(SensorSource::name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn endpoint(url: &str) -> Endpoint {
        Endpoint {
            url: url.parse().unwrap(),
            token: None,
            token_origin: None,
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            max_body_bytes: 1 << 20,
        }
    }

    #[test]
    fn carrels_own_api_serves_everything_but_head_counts_when_no_vendor_does() {
        let sources = Sources::own_apis(Some(&endpoint("http://127.0.0.1:9/")), None).unwrap();
        assert!(!sources.is_empty());
        assert_eq!(
            sources.serving(Capability::Occupancy).unwrap_err(),
            FetchError::NoSource { what: Capability::Occupancy }
        );
        for what in Capability::ALL.into_iter().filter(|c| *c != Capability::Occupancy) {
            let source = sources.serving(what).unwrap();
            assert_eq!(source.name(), "carrel", "{what}");
            assert_eq!(sources.source_of(what), Some("carrel"));
        }
        assert_eq!(sources.sensor()[0].url().as_str(), "http://127.0.0.1:9/");
        assert!(sources.recs().is_none());
    }

    #[test]
    fn without_a_sensor_source_nothing_is_served_and_the_refusal_says_what() {
        let recs_only = Sources::own_apis(None, Some(&endpoint("http://127.0.0.1:9/"))).unwrap();
        assert!(!recs_only.is_empty() && recs_only.recs().is_some());
        for what in Capability::ALL {
            assert_eq!(recs_only.serving(what).unwrap_err(), FetchError::NoSource { what });
            assert_eq!(recs_only.source_of(what), None);
        }
        let e = recs_only.serving(Capability::ReleaseSeat).unwrap_err();
        assert_eq!(e.to_string(), "no configured source gives seat releases");
        assert!(Sources::own_apis(None, None).unwrap().is_empty());
    }

    #[test]
    fn qmatic_serves_windows_arrivals_and_window_changes_before_carrels_own_api() {
        let q = QmaticEndpoint {
            endpoint: endpoint("http://127.0.0.1:9/qmatic/"),
            user: "carrel".into(),
            password: crate::config::Secret::new("pw"),
            password_origin: "test".into(),
            branch_id: 1,
        };
        let sources = Sources::own_apis(Some(&endpoint("http://127.0.0.1:9/")), None)
            .unwrap()
            .with_vendors(vec![Sources::qmatic(&q, chrono_tz::UTC).unwrap()]);
        let names: Vec<&str> = sources.sensor().iter().map(SensorSource::name).collect();
        assert_eq!(names, ["qmatic", "carrel"]);
        for what in Capability::ALL {
            let want = match what {
                Capability::ServicePoints | Capability::Arrivals | Capability::ChangeWindow => {
                    Some("qmatic")
                }
                // Neither counts people.
                Capability::Occupancy => None,
                _ => Some("carrel"),
            };
            assert_eq!(sources.source_of(what), want, "{what}");
        }
        assert_eq!(sources.sensor()[0].url().as_str(), "http://127.0.0.1:9/qmatic/");
        // Alone, Qmatic leaves the other feeds and seat releases unserved.
        let alone =
            Sources::default().with_vendors(vec![Sources::qmatic(&q, chrono_tz::UTC).unwrap()]);
        assert_eq!(alone.source_of(Capability::Seats), None);
        assert_eq!(alone.source_of(Capability::ChangeWindow), Some("qmatic"));
    }

    #[test]
    fn a_sensorthings_service_serves_the_comfort_readings_and_carrel_the_rest() {
        let st = crate::config::SensorThingsSettings {
            url: "https://frost.example/v1.1".parse().unwrap(),
            token: None,
            token_origin: None,
            datastreams: vec![],
            max_age: Duration::from_secs(900),
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            max_body_bytes: 1 << 20,
        };
        let vendor = SensorSource::SensorThings(SensorThingsClient::new(&st).unwrap());
        let mut sources = Sources::own_apis(Some(&endpoint("http://127.0.0.1:9/")), None).unwrap();
        sources.sensor.insert(0, vendor.clone());
        for what in Capability::ALL {
            let want = match what {
                Capability::Environment => Some("sensorthings"),
                Capability::Occupancy => None,
                _ => Some("carrel"),
            };
            assert_eq!(sources.source_of(what), want, "{what}");
            assert_eq!(vendor.gives(what), what == Capability::Environment, "{what}");
        }
        assert_eq!(vendor.url().as_str(), "https://frost.example/v1.1/");
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let e = rt.block_on(vendor.layout()).unwrap_err();
        assert_eq!(e.to_string(), "source 'sensorthings' does not give the layout");
        let e = rt.block_on(vendor.release_seat("S1", &HashSet::new())).unwrap_err();
        assert_eq!(e, vendor.not_given(Capability::ReleaseSeat));
        // Alone, it serves nothing else: no layout, so the other feeds do not run.
        let alone = Sources { sensor: vec![vendor], recs: None };
        assert_eq!(
            alone.serving(Capability::Layout).unwrap_err(),
            FetchError::NoSource { what: Capability::Layout }
        );
    }

    #[test]
    fn an_occuspace_account_serves_the_head_counts_only() {
        let settings = crate::config::OccuspaceSettings {
            url: "https://api.occuspace.example".parse().unwrap(),
            token: crate::config::Secret::new("t"),
            token_origin: "test".into(),
            zones: vec![(1560, "F0-Z1".into())],
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            max_body_bytes: 1 << 20,
        };
        let vendor = SensorSource::Occuspace(OccuspaceClient::new(&settings).unwrap());
        let mut sources = Sources::own_apis(Some(&endpoint("http://127.0.0.1:9/")), None).unwrap();
        sources.sensor.insert(0, vendor.clone());
        for what in Capability::ALL {
            let want = if what == Capability::Occupancy { "occuspace" } else { "carrel" };
            assert_eq!(sources.source_of(what), Some(want), "{what}");
        }
        assert_eq!(vendor.url().as_str(), "https://api.occuspace.example/");
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let e = rt.block_on(vendor.environment(&HashSet::new())).unwrap_err();
        assert_eq!(e.to_string(), "source 'occuspace' does not give comfort readings");
    }

    #[test]
    fn a_source_asked_for_what_it_does_not_give_names_itself_and_the_feed() {
        let sources = Sources::own_apis(Some(&endpoint("http://127.0.0.1:9/")), None).unwrap();
        let carrel = &sources.sensor()[0];
        let e = carrel.not_given(Capability::Environment);
        assert_eq!(e, FetchError::NotGiven { name: "carrel", what: Capability::Environment });
        assert_eq!(e.to_string(), "source 'carrel' does not give comfort readings");
    }

    #[test]
    fn a_vendor_serves_what_it_gives_and_carrels_own_api_the_rest() {
        let libcal = crate::config::LibCalSettings {
            url: "http://127.0.0.1:9/libcal".parse().unwrap(),
            client_id: "id".into(),
            client_secret: crate::config::Secret::new("secret"),
            secret_origin: "test".into(),
            location_ids: vec![1],
            no_show_after_min: 15,
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            max_body_bytes: 1 << 20,
        };
        let mut sources = Sources::own_apis(Some(&endpoint("http://127.0.0.1:9/")), None).unwrap();
        let client = LibCalClient::new(&libcal, chrono_tz::UTC).unwrap();
        sources.sensor.insert(0, SensorSource::LibCal(client));
        for what in Capability::ALL {
            let expected = match what {
                Capability::Layout
                | Capability::Seats
                | Capability::Occupancy
                | Capability::ReleaseSeat => "libcal",
                _ => "carrel",
            };
            assert_eq!(sources.source_of(what), Some(expected), "{what}");
        }
        let e = sources.sensor()[0].not_given(Capability::ServicePoints);
        assert_eq!(e.to_string(), "source 'libcal' does not give service windows");
    }
}
