//! The OGC SensorThings adapter: a SensorThings API 1.1 service (FROST-Server and others) as
//! the source of the comfort readings, and of nothing else.
//!
//! For each datastream the configuration maps to a zone and a quantity
//! (`[feeds.sensorthings] datastreams`):
//! - its unit is read once (`GET {root}/Datastreams({id})`) and checked against the quantity
//!   ([`map::conversion`]; °F and K become °C), then read again every [`UNIT_RECHECK`], so a
//!   datastream fixed or changed on the server is seen without a restart;
//! - its latest observation is fetched
//!   (`GET {root}/Datastreams({id})/Observations?$orderby=phenomenonTime desc&$top=1`); a
//!   server that answers with an empty page and an `@iot.nextLink` is followed, up to
//!   [`MAX_PAGES`] pages, and only to links within the service root.
//!
//! [`map`] composes the observations into one sample per zone. Datastreams are fetched
//! [`CONCURRENT`] at a time. The report time, against which observations are judged fresh, is
//! the service's own clock (`ApiClient::server_now`, from the `Date` header of its answers),
//! else this machine's: a server in another time than carrel's (a simulator, a clock gone
//! wrong) is judged by the time it keeps.
//!
//! What fails a whole fetch, and what only one datastream: a datastream the server does not
//! know or refuses to show (400, 404, 410), a wrong unit, a zone not in the layout, paging that
//! never reaches an observation and an observation that cannot be read are that datastream's
//! rejection, and the other zones keep their readings. No connection, a timeout, a refused
//! token (401, 403), a server error, an answer that is not SensorThings JSON and a next link
//! that leaves the service fail the fetch, which the ingest retries with backoff: they say the
//! service, not one sensor, is in trouble.
//!
//! May use: feeds::http, feeds::validate, domain, config (for its settings), futures.

pub mod map;
pub mod wire;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use futures_util::future::join_all;

use super::http::{ApiClient, FetchError};
use super::validate::{EnvironmentUpdate, Rejection};
use crate::config::{DatastreamTarget, Endpoint, SensorThingsSettings};
use map::{Conversion, Fetched};

/// How long a datastream's unit, once read, is trusted before it is read again.
pub const UNIT_RECHECK: StdDuration = StdDuration::from_secs(3600);
/// Most pages followed for one datastream's latest observation.
pub const MAX_PAGES: usize = 5;
/// Datastreams fetched at once.
pub const CONCURRENT: usize = 4;

/// A datastream's unit as last read: when, and its conversion or why it is refused.
type UnitCheck = (Instant, Result<Conversion, String>);

/// A SensorThings service, as the configuration names it.
#[derive(Debug, Clone)]
pub struct SensorThingsClient {
    api: ApiClient,
    datastreams: Vec<DatastreamTarget>,
    max_age: Duration,
    units: Arc<Mutex<HashMap<String, UnitCheck>>>,
}

/// What reading one datastream came to.
enum Read {
    /// Its observations.
    Fetched(Fetched),
    /// A rejection of the datastream.
    Refused(Rejection),
}

/// Whether an error of a request about one datastream concerns that datastream alone.
fn about_one(e: &FetchError) -> bool {
    matches!(e.status(), Some(400 | 404 | 410))
}

/// The path of datastream `id`: ids of digits are numbers in OData, others quoted text.
fn entity(id: &str) -> String {
    if id.bytes().all(|b| b.is_ascii_digit()) {
        format!("Datastreams({id})")
    } else {
        format!("Datastreams('{id}')")
    }
}

impl SensorThingsClient {
    /// A client for the service in `settings`.
    pub fn new(settings: &SensorThingsSettings) -> Result<Self, FetchError> {
        // Entities live under the service root, whatever path it has.
        let mut base = settings.url.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let api = ApiClient::new(&Endpoint {
            url: base,
            token: settings.token.clone(),
            token_origin: settings.token_origin.clone(),
            connect_timeout: settings.connect_timeout,
            timeout: settings.timeout,
            max_body_bytes: settings.max_body_bytes,
        })?;
        Ok(Self {
            api,
            datastreams: settings.datastreams.clone(),
            max_age: Duration::from_std(settings.max_age).unwrap_or(Duration::minutes(15)),
            units: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// The HTTP client underneath.
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// The configured datastreams.
    pub fn datastreams(&self) -> &[DatastreamTarget] {
        &self.datastreams
    }

    /// The comfort readings of the zones in `known_zones`, one sample per zone from its
    /// datastreams' latest observations.
    pub async fn environment(
        &self,
        known_zones: &HashSet<String>,
    ) -> Result<EnvironmentUpdate, FetchError> {
        let mut rejected = Vec::new();
        let mut wanted = Vec::new();
        for t in &self.datastreams {
            if known_zones.contains(&t.zone) {
                wanted.push(t);
            } else {
                rejected.push(map::unknown_zone(t));
            }
        }
        // A few at a time, in chunks: a stream with a closure here would make the ingest's
        // future lose `Send` (the higher-ranked lifetime problem of async closures).
        let mut reads: Vec<Result<Read, FetchError>> = Vec::with_capacity(wanted.len());
        for chunk in wanted.chunks(CONCURRENT) {
            let batch: Vec<_> = chunk.iter().map(|t| self.read(t)).collect();
            reads.extend(join_all(batch).await);
        }
        let mut fetched = Vec::new();
        for read in reads {
            match read? {
                Read::Fetched(f) => fetched.push(f),
                Read::Refused(r) => rejected.push(r),
            }
        }
        Ok(map::environment(&fetched, rejected, self.api.server_now(), self.max_age))
    }

    /// Datastream `t`'s unit and latest observations, or its rejection.
    async fn read(&self, t: &DatastreamTarget) -> Result<Read, FetchError> {
        let conversion = match self.unit(t).await? {
            Ok(c) => c,
            Err(reason) => return Ok(Read::Refused(map::refused(t, &reason))),
        };
        let query = [("$orderby", "phenomenonTime desc".to_owned()), ("$top", "1".to_owned())];
        let mut answer = self.api.get(&format!("{}/Observations", entity(&t.id)), &query).await;
        let mut links = HashSet::new();
        for _ in 0..MAX_PAGES {
            let body = match answer {
                Ok(a) => a,
                Err(e) if about_one(&e) => {
                    return Ok(Read::Refused(map::refused(t, &e.to_string())));
                }
                Err(e) => return Err(e),
            };
            let page: wire::Page =
                wire::object(&body, &format!("datastream {} observations", t.id))?;
            let next = match page.next_link {
                Some(link) if page.value.is_empty() => link,
                _ => {
                    let f = Fetched { target: t.clone(), conversion, observations: page.value };
                    return Ok(Read::Fetched(f));
                }
            };
            if !links.insert(next.clone()) {
                return Ok(Read::Refused(map::refused(
                    t,
                    "the server's next link leads back to a page already read",
                )));
            }
            answer = self.api.get_link(&next).await;
        }
        Ok(Read::Refused(map::refused(
            t,
            &format!("{MAX_PAGES} pages of observations held none; the server pages oddly"),
        )))
    }

    /// Datastream `t`'s conversion, or why its unit is refused: as read within the last
    /// [`UNIT_RECHECK`], else read now. A failure to read it that concerns the datastream alone
    /// is a refusal (and is not remembered); others fail the fetch.
    async fn unit(&self, t: &DatastreamTarget) -> Result<Result<Conversion, String>, FetchError> {
        let kept = self.units.lock().unwrap_or_else(PoisonError::into_inner).get(&t.id).cloned();
        if let Some((read_at, check)) = kept
            && read_at.elapsed() < UNIT_RECHECK
        {
            return Ok(check);
        }
        let body = match self.api.get(&entity(&t.id), &[]).await {
            Ok(body) => body,
            Err(e) if about_one(&e) => return Ok(Err(e.to_string())),
            Err(e) => return Err(e),
        };
        let d: wire::Datastream = wire::object(&body, &format!("datastream {}", t.id))?;
        let check = map::conversion(t.measure, d.unit_of_measurement.as_ref());
        self.units
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(t.id.clone(), (Instant::now(), check.clone()));
        Ok(check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datastream_ids_are_numbers_or_quoted_text() {
        assert_eq!(entity("42"), "Datastreams(42)");
        assert_eq!(entity("th-17.co2"), "Datastreams('th-17.co2')");
        assert_eq!(entity("9a"), "Datastreams('9a')");
    }

    #[test]
    fn only_errors_about_one_datastream_stay_with_it() {
        let status = |status| FetchError::Status { status, code: None, message: "x".into() };
        for s in [400, 404, 410] {
            assert!(about_one(&status(s)), "{s}");
        }
        for s in [401, 403, 429, 500, 503] {
            assert!(!about_one(&status(s)), "{s}");
        }
        assert!(!about_one(&FetchError::Timeout));
    }
}
