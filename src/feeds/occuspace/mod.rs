//! The Occuspace adapter: an Occuspace account as the source of head counts per zone, and of
//! nothing else (it counts people in spaces; it knows no seats).
//!
//! Each fetch:
//! 1. reads the account's locations from v2 (`GET {url}/v2/locations?limit=100`, following
//!    `pagination.next_cursor` while `has_more`, at most [`MAX_PAGES`] pages, and no further
//!    once every mapped location is found) for each mapped location's status and capacity, and
//!    keeps them for [`LOCATIONS_RECHECK`]: statuses and capacities change seldom, counts often,
//!    and a location that stops counting in between says so itself (`isActive`);
//! 2. for each mapped location whose zone is in the layout and whose status is `active`, reads
//!    its count now from v1 (`GET {url}/v1/location/{id}/now`, `{message, data}`), [`CONCURRENT`]
//!    at a time;
//! 3. makes one head count per zone ([`map`]) at the report time, the service's clock
//!    (`ApiClient::server_now`, from the `Date` of its answers).
//!
//! A location mapped to a zone the layout lacks, one v2 does not list or lists in a status
//! other than `active`, one whose v1 answer says it is not active or cannot be read, and one v1
//! refuses on its own (400, 401, 403, 404: Occuspace answers 401 for a location the token may
//! not see) are each a rejection naming the location, and the other zones keep their counts.
//! No connection, a timeout, a refused token on v2, a server error and an answer that is not
//! Occuspace's JSON fail the fetch, which the ingest retries with backoff.
//!
//! May use: feeds::http, feeds::records, feeds::validate, domain, config (for its settings),
//! futures.

pub mod map;
pub mod wire;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::future::join_all;

use super::http::{ApiClient, FetchError};
use super::validate::{OccupancyUpdate, Rejection};
use crate::config::{Endpoint, OccuspaceSettings};
use map::LocationRecord;
use wire::{Envelope, Location, LocationId, LocationsPage, NOW_FIELDS, Now};

/// Locations asked for per v2 page.
pub const PAGE_SIZE: usize = 100;
/// Most v2 pages read in one fetch: 10,000 locations.
pub const MAX_PAGES: usize = 100;
/// Locations whose counts are read at once.
pub const CONCURRENT: usize = 4;
/// How long v2's list of locations, once read, is used before it is read again.
pub const LOCATIONS_RECHECK: Duration = Duration::from_secs(600);

/// The mapped locations v2 lists, by id (`None` for one whose record cannot be read), and a
/// rejection for each record that cannot be read.
type Listed = (HashMap<u64, Option<Location>>, Vec<Rejection>);

/// An Occuspace account, as the configuration names it.
#[derive(Debug, Clone)]
pub struct OccuspaceClient {
    api: ApiClient,
    zones: Vec<(u64, String)>,
    /// v2's list as last read, and when.
    listed: Arc<Mutex<Option<(Instant, Listed)>>>,
}

/// What reading one location's count came to.
enum Read {
    /// Its answer.
    Now(Now),
    /// A rejection of the location.
    Refused(Rejection),
}

/// Whether an error of v1 about one location concerns that location alone.
fn about_one(e: &FetchError) -> bool {
    matches!(e.status(), Some(400 | 401 | 403 | 404))
}

impl OccuspaceClient {
    /// A client for the account in `settings`.
    pub fn new(settings: &OccuspaceSettings) -> Result<Self, FetchError> {
        // v1 and v2 live under the base, whatever path it has.
        let mut base = settings.url.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let api = ApiClient::new(&Endpoint {
            url: base,
            token: Some(settings.token.clone()),
            token_origin: Some(settings.token_origin.clone()),
            connect_timeout: settings.connect_timeout,
            timeout: settings.timeout,
            max_body_bytes: settings.max_body_bytes,
        })?;
        Ok(Self { api, zones: settings.zones.clone(), listed: Arc::new(Mutex::new(None)) })
    }

    /// The HTTP client underneath.
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// The configured locations and the zones they count.
    pub fn zones(&self) -> &[(u64, String)] {
        &self.zones
    }

    /// The head count of each mapped zone in `known_zones`.
    pub async fn occupancy(
        &self,
        known_zones: &HashSet<String>,
    ) -> Result<OccupancyUpdate, FetchError> {
        let (listed, mut rejected) = self.listed().await?;
        let mut wanted = Vec::new();
        for (id, zone) in &self.zones {
            let location = match listed.get(id) {
                Some(None) => continue,
                Some(Some(l)) => Some(l),
                None => None,
            };
            let record = LocationRecord { location_id: *id, zone, location, now: None };
            if !known_zones.contains(zone) {
                let why = format!("location {id} counts zone {zone}, which is not in the layout");
                rejected.push(wire::rejection(why, &record));
                continue;
            }
            match map::trusted(*id, location) {
                Ok(capacity) => wanted.push((*id, zone.as_str(), capacity)),
                Err(why) => rejected.push(wire::rejection(why, &record)),
            }
        }
        // A few at a time, in chunks (a stream with a closure would cost the ingest's future its
        // `Send`).
        let mut reads = Vec::with_capacity(wanted.len());
        for chunk in wanted.chunks(CONCURRENT) {
            let batch: Vec<_> = chunk.iter().map(|(id, zone, _)| self.now(*id, zone)).collect();
            reads.extend(join_all(batch).await);
        }
        let mut counts = Vec::new();
        for ((id, zone, capacity), read) in wanted.iter().zip(reads) {
            match read? {
                Read::Now(now) => counts.push((*id, *zone, *capacity, now)),
                Read::Refused(r) => rejected.push(r),
            }
        }
        let mut update = OccupancyUpdate::new(self.api.server_now());
        update.rejected = rejected;
        for (id, zone, capacity, now) in counts {
            let record = LocationRecord {
                location_id: id,
                zone,
                location: listed.get(&id).and_then(Option::as_ref),
                now: Some(&now),
            };
            match map::count(id, zone, &now, capacity, update.generated_at) {
                Ok(count) => {
                    let text = serde_json::to_string(&record).unwrap_or_default();
                    update.push(count, &text);
                }
                Err(why) => update.rejected.push(wire::rejection(why, &record)),
            }
        }
        Ok(update)
    }

    /// v2's list as read within the last [`LOCATIONS_RECHECK`], else read now.
    async fn listed(&self) -> Result<Listed, FetchError> {
        let kept = self.listed.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some((read_at, listed)) = kept
            && read_at.elapsed() < LOCATIONS_RECHECK
        {
            return Ok(listed);
        }
        let listed = self.locations().await?;
        *self.listed.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now(), listed.clone()));
        Ok(listed)
    }

    /// The mapped locations v2 lists now.
    async fn locations(&self) -> Result<Listed, FetchError> {
        let mapped: HashSet<u64> = self.zones.iter().map(|(id, _)| *id).collect();
        let mut found = HashMap::new();
        let mut rejected = Vec::new();
        let mut cursor: Option<String> = None;
        let mut cursors = HashSet::new();
        for _ in 0..MAX_PAGES {
            let mut query = vec![("limit", PAGE_SIZE.to_string())];
            if let Some(c) = &cursor {
                query.push(("cursor", c.clone()));
            }
            let body = self.api.get("v2/locations", &query).await?;
            let page: LocationsPage = wire::object(&body, "v2 locations")?;
            for raw in &page.data {
                let Ok(LocationId { location_id }) = serde_json::from_str(raw.get()) else {
                    // Not a location of ours for certain; it is read in full to say why.
                    if let Err(r) =
                        wire::record::<Location>(raw, "v2 location", wire::LOCATION_FIELDS)
                    {
                        rejected.push(r);
                    }
                    continue;
                };
                if !mapped.contains(&location_id) {
                    continue;
                }
                let what = format!("v2 location {location_id}");
                match wire::record::<Location>(raw, &what, wire::LOCATION_FIELDS) {
                    Ok(l) => {
                        found.insert(location_id, Some(l));
                    }
                    Err(r) => {
                        // Listed, but unreadable: this rejection says so; no second one.
                        found.insert(location_id, None);
                        rejected.push(r);
                    }
                }
            }
            let pagination = page.pagination.unwrap_or_default();
            let next = match (pagination.has_more, pagination.next_cursor) {
                (true, Some(next)) if !next.is_empty() => next,
                (true, _) => {
                    return Err(FetchError::Malformed(
                        "v2 locations: has_more without a next_cursor".into(),
                    ));
                }
                (false, _) => return Ok((found, rejected)),
            };
            if found.len() == mapped.len() {
                return Ok((found, rejected));
            }
            if !cursors.insert(next.clone()) {
                return Err(FetchError::Malformed(
                    "v2 locations: a next_cursor repeats; the server does not page".into(),
                ));
            }
            cursor = Some(next);
        }
        Err(FetchError::Malformed(format!(
            "v2 locations: more than {MAX_PAGES} pages of {PAGE_SIZE} locations"
        )))
    }

    /// Location `id`'s count now, or its rejection.
    async fn now(&self, id: u64, zone: &str) -> Result<Read, FetchError> {
        let refused = |why: String| {
            let record = LocationRecord { location_id: id, zone, location: None, now: None };
            Read::Refused(wire::rejection(why, &record))
        };
        let body = match self.api.get(&format!("v1/location/{id}/now"), &[]).await {
            Ok(body) => body,
            Err(e) if about_one(&e) => return Ok(refused(format!("location {id}: {e}"))),
            Err(e) => return Err(e),
        };
        let envelope: Envelope = wire::object(&body, &format!("v1 location {id} now"))?;
        let Some(data) = envelope.data.filter(|d| d.get() != "null") else {
            let message = envelope.message.as_deref().unwrap_or("no message");
            return Ok(refused(format!(
                "location {id}: no count in the answer ({})",
                crate::domain::sanitize::clean_text(message, 120)
            )));
        };
        if let Some(m) = envelope.message.as_deref().filter(|m| !m.eq_ignore_ascii_case("ok")) {
            tracing::debug!(
                "Occuspace location {id}: {}",
                crate::domain::sanitize::clean_text(m, 200)
            );
        }
        match wire::record::<Now>(&data, &format!("location {id}"), NOW_FIELDS) {
            Ok(now) => Ok(Read::Now(now)),
            Err(r) => Ok(Read::Refused(r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_errors_about_one_location_stay_with_it() {
        let status = |status| FetchError::Status { status, code: None, message: "x".into() };
        for s in [400, 401, 403, 404] {
            assert!(about_one(&status(s)), "{s}");
        }
        for s in [429, 500, 502, 503] {
            assert!(!about_one(&status(s)), "{s}");
        }
        assert!(!about_one(&FetchError::Timeout));
        assert!(!about_one(&FetchError::Malformed("x".into())));
    }
}
