//! The LibCal adapter: Springshare LibCal's Seat Booking module as a source of the layout,
//! seat states and head counts, and of the release of a no-show seat.
//!
//! - **Authentication**: OAuth 2.0 client credentials. `POST {url}/1.1/oauth/token` with the
//!   client id and secret gives a bearer token, kept and renewed before it expires (a tenth of
//!   its life early, at most a minute). An answer of 401 to any call throws the token away,
//!   fetches a new one and tries once more; a second 401 is the error. The client secret and
//!   the tokens never appear in an error, a log line or `Debug` output: an error text that
//!   echoes one has it replaced by `<redacted>`.
//! - **Layout** ([`LibCalClient::layout`]): the configured locations, their seats
//!   (`/1.1/space/seats/{lid}`, paged) and zones (`/1.1/space/utilization/{lid}`), without
//!   positions.
//! - **Seat states** ([`LibCalClient::seats`]): today's bookings of every configured location
//!   (`/1.1/space/bookings`, 500 a page until a short page), read at a given time; a full
//!   update each time.
//! - **Head counts** ([`LibCalClient::occupancy`]): utilisation of the rooms booked as a whole.
//! - **Release** ([`LibCalClient::release_seat`]): LibCal's API cancels a booking
//!   (`POST /1.1/space/cancel/{bookId}`), so a no-show seat is released by cancelling its
//!   no-show booking; a seat that is not a no-show is refused with a sentence saying why.
//!
//! What the bookings mean is decided in [`map`] (its header has the table of states); the
//! wire types are in [`wire`]. The personal fields of a booking are never declared there, so
//! they never get past the parser.
//!
//! May use: feeds::http, feeds::validate, domain, config (for its settings), tokio.

pub mod map;
pub mod wire;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::value::RawValue;
use tokio::sync::Mutex;

use super::http::{ApiClient, FetchError};
use super::validate::{LayoutUpdate, OccupancyUpdate, SeatsUpdate};
use crate::config::{Endpoint, LibCalSettings, Secret};
use crate::domain::api::SeatStatus;
use crate::domain::layout::{SeatState, SensorHealth};
use crate::domain::sanitize::{clean_text, valid_id};
use map::{LocationRecords, Rules};
use wire::{CancelAnswer, Location, TokenAnswer, Utilization};

/// Bookings asked for per page (LibCal's most).
pub const BOOKINGS_PER_PAGE: usize = 500;
/// Seats asked for per page.
pub const SEATS_PER_PAGE: usize = 100;
/// The most pages read of one list: 100,000 bookings or 20,000 seats of one location.
pub const MAX_PAGES: usize = 200;
/// A token's life when the token endpoint does not say.
const DEFAULT_TOKEN_LIFE: StdDuration = StdDuration::from_secs(3600);
/// The longest a token is renewed before it expires.
const MAX_EARLY: StdDuration = StdDuration::from_secs(60);

/// A bearer token and until when it is used.
#[derive(Debug, Clone)]
struct Token {
    value: Secret,
    renew_at: Instant,
}

/// When a token obtained at `obtained` and good for `life` is renewed: a tenth of its life
/// before it expires, at most [`MAX_EARLY`] before.
fn renew_at(obtained: Instant, life: StdDuration) -> Instant {
    obtained + life - (life / 10).min(MAX_EARLY)
}

/// A LibCal site, as the configuration names it.
#[derive(Clone)]
pub struct LibCalClient {
    api: ApiClient,
    client_id: String,
    secret: Secret,
    locations: Vec<u64>,
    no_show_after: Duration,
    timezone: Tz,
    token: Arc<Mutex<Option<Token>>>,
}

impl std::fmt::Debug for LibCalClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibCalClient")
            .field("url", &self.api.base().as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("locations", &self.locations)
            .field("no_show_after", &self.no_show_after)
            .field("timezone", &self.timezone)
            .finish_non_exhaustive()
    }
}

/// Which page parameters a list takes.
#[derive(Debug, Clone, Copy)]
enum Paging {
    /// `page` from 1 and `limit` (bookings).
    Page { limit: usize },
    /// `pageIndex` from 0 and `pageSize` (seats).
    Index { size: usize },
}

impl Paging {
    fn size(self) -> usize {
        match self {
            Paging::Page { limit } => limit,
            Paging::Index { size } => size,
        }
    }

    fn query(self, n: usize) -> [(&'static str, String); 2] {
        match self {
            Paging::Page { limit } => [("limit", limit.to_string()), ("page", (n + 1).to_string())],
            Paging::Index { size } => {
                [("pageSize", size.to_string()), ("pageIndex", n.to_string())]
            }
        }
    }
}

impl LibCalClient {
    /// The site's base URL (the API is under `1.1/` of it).
    pub fn base(&self) -> &reqwest::Url {
        self.api.base()
    }

    /// Now by LibCal's clock (`ApiClient::server_now`): what "today" and a booking's no-show
    /// time are measured against. Before the first answer of this client, it asks for its
    /// token first, so the clock is LibCal's from the first call on.
    pub async fn server_now(&self) -> Result<DateTime<Utc>, FetchError> {
        if self.token.lock().await.is_none() {
            self.token().await?;
        }
        Ok(self.api.server_now())
    }

    /// A client for the site in `settings`; `timezone` is the library's, for what "today"
    /// means to LibCal.
    pub fn new(settings: &LibCalSettings, timezone: Tz) -> Result<Self, FetchError> {
        // The API lives under `1.1/` of the base URL, whatever path the base has.
        let mut base = settings.url.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let api = ApiClient::new(&Endpoint {
            url: base,
            token: None,
            token_origin: None,
            connect_timeout: settings.connect_timeout,
            timeout: settings.timeout,
            max_body_bytes: settings.max_body_bytes,
        })?;
        Ok(Self {
            api,
            client_id: settings.client_id.clone(),
            secret: settings.client_secret.clone(),
            locations: settings.location_ids.clone(),
            no_show_after: Duration::minutes(i64::from(settings.no_show_after_min)),
            timezone,
            token: Arc::new(Mutex::new(None)),
        })
    }

    /// The configured location ids, in order: the floors of the layout.
    pub fn locations(&self) -> &[u64] {
        &self.locations
    }

    /// A token good for now: the one kept, or a new one.
    async fn token(&self) -> Result<Secret, FetchError> {
        let mut kept = self.token.lock().await;
        if let Some(t) = kept.as_ref()
            && Instant::now() < t.renew_at
        {
            return Ok(t.value.clone());
        }
        let obtained = Instant::now();
        let fields = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose()),
        ];
        let body = self
            .api
            .post_form("1.1/oauth/token", &fields)
            .await
            .map_err(|e| self.scrub(prefixed("token request", e), &[]))?;
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|e| {
            // serde quotes what it could not read, and that may be the token: say only where.
            FetchError::Malformed(format!(
                "token request: the answer is not a token (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if answer.token_type.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("bearer")) {
            return Err(FetchError::Malformed(format!(
                "token request: a {:?} token, not a bearer token",
                clean_text(answer.token_type.as_deref().unwrap_or(""), 20)
            )));
        }
        let value = answer.access_token.trim();
        if value.is_empty()
            || value.len() > 4096
            || value.chars().any(|c| c.is_control() || c == ' ')
        {
            return Err(FetchError::Malformed(
                "token request: the token is empty or not one word".into(),
            ));
        }
        let life = answer.expires_in.map(StdDuration::from_secs).unwrap_or(DEFAULT_TOKEN_LIFE);
        let token = Token { value: Secret::new(value), renew_at: renew_at(obtained, life) };
        tracing::debug!("LibCal: new token, good for {} s", life.as_secs());
        *kept = Some(token.clone());
        Ok(token.value)
    }

    /// Forgets `used` if it is still the token kept (another task may have renewed it).
    async fn forget(&self, used: &Secret) {
        let mut kept = self.token.lock().await;
        if kept.as_ref().is_some_and(|t| &t.value == used) {
            *kept = None;
        }
    }

    /// `GET path?query` with a good token; on a 401, once more with a new one.
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Vec<u8>, FetchError> {
        let token = self.token().await?;
        match self.api.get_with_token(path, query, &token).await {
            Err(e) if e.status() == Some(401) => {
                self.forget(&token).await;
                let fresh = self.token().await?;
                self.api
                    .get_with_token(path, query, &fresh)
                    .await
                    .map_err(|e| self.scrub(refused_twice(e), &[&token, &fresh]))
            }
            other => other.map_err(|e| self.scrub(e, &[&token])),
        }
    }

    /// `POST path` (no body) with a good token; on a 401, once more with a new one.
    async fn post(&self, path: &str) -> Result<Vec<u8>, FetchError> {
        let token = self.token().await?;
        match self.api.post_with_token(path, &token).await {
            Err(e) if e.status() == Some(401) => {
                self.forget(&token).await;
                let fresh = self.token().await?;
                self.api
                    .post_with_token(path, &fresh)
                    .await
                    .map_err(|e| self.scrub(refused_twice(e), &[&token, &fresh]))
            }
            other => other.map_err(|e| self.scrub(e, &[&token])),
        }
    }

    /// `e` with the client secret and `tokens` replaced by `<redacted>` wherever a server
    /// echoed them.
    fn scrub(&self, e: FetchError, tokens: &[&Secret]) -> FetchError {
        let needles: Vec<&str> = std::iter::once(&self.secret)
            .chain(tokens.iter().copied())
            .map(Secret::expose)
            .filter(|s| !s.is_empty())
            .collect();
        let clean = |s: String| needles.iter().fold(s, |s, n| s.replace(n, "<redacted>"));
        match e {
            FetchError::Status { status, code, message } => {
                FetchError::Status { status, code: code.map(clean), message: clean(message) }
            }
            FetchError::Connect(m) => FetchError::Connect(clean(m)),
            FetchError::Malformed(m) => FetchError::Malformed(clean(m)),
            FetchError::Other(m) => FetchError::Other(clean(m)),
            other => other,
        }
    }

    /// Every record of a paged list: pages until one is shorter than asked for.
    async fn pages(
        &self,
        path: &str,
        query: &[(&str, String)],
        paging: Paging,
        what: &str,
    ) -> Result<Vec<Box<RawValue>>, FetchError> {
        let mut all = Vec::new();
        let mut previous: Option<Vec<String>> = None;
        for n in 0..MAX_PAGES {
            let mut q = query.to_vec();
            q.extend(paging.query(n));
            let page = wire::list(&self.get(path, &q).await?, what)?;
            let len = page.len();
            let texts: Vec<String> = page.iter().map(|r| r.get().to_owned()).collect();
            if len > 0 && previous.as_ref() == Some(&texts) {
                return Err(FetchError::Malformed(format!(
                    "{what}: page {} repeats the page before it; the server does not page",
                    n + 1
                )));
            }
            all.extend(page);
            if len < paging.size() {
                return Ok(all);
            }
            previous = Some(texts);
        }
        Err(FetchError::Malformed(format!(
            "{what}: more than {MAX_PAGES} pages of {} records",
            paging.size()
        )))
    }

    /// The names of the configured locations, in their order; a location LibCal does not list
    /// is an error naming it.
    async fn location_names(&self) -> Result<Vec<(u64, String)>, FetchError> {
        let records = wire::list(&self.get("1.1/space/locations", &[]).await?, "locations")?;
        let listed: Vec<Location> = records
            .iter()
            .filter_map(|r| wire::record::<Location>(r, "location", wire::LOCATION_FIELDS).ok())
            .collect();
        self.locations
            .iter()
            .map(|lid| match listed.iter().find(|l| l.lid == *lid) {
                Some(l) => Ok((*lid, l.name.clone())),
                None => Err(FetchError::Other(format!(
                    "LibCal lists no location {lid} ([feeds.libcal] location_ids); it lists {}",
                    if listed.is_empty() {
                        "none".to_owned()
                    } else {
                        listed.iter().map(|l| l.lid.to_string()).collect::<Vec<_>>().join(", ")
                    }
                ))),
            })
            .collect()
    }

    /// The zones of one location's utilisation answer.
    async fn utilization(&self, lid: u64) -> Result<Vec<Box<RawValue>>, FetchError> {
        let body = self.get(&format!("1.1/space/utilization/{lid}"), &[]).await?;
        Ok(wire::object::<Utilization>(&body, "utilization")?.zones)
    }

    /// Floors (one per location), zones and seats, without positions, at `now`.
    pub async fn layout(&self, now: DateTime<Utc>) -> Result<LayoutUpdate, FetchError> {
        let mut locations = Vec::new();
        for (lid, name) in self.location_names().await? {
            let seats = self
                .pages(
                    &format!("1.1/space/seats/{lid}"),
                    &[],
                    Paging::Index { size: SEATS_PER_PAGE },
                    "seats",
                )
                .await?;
            let zones = self.utilization(lid).await?;
            locations.push(LocationRecords { lid, name, seats, zones });
        }
        Ok(map::layout(&locations, now))
    }

    /// The library's day at `now`: its date as LibCal writes it, and its local midnight.
    fn day(&self, now: DateTime<Utc>) -> (String, DateTime<Utc>) {
        let date = now.with_timezone(&self.timezone).date_naive();
        // In a zone whose clocks skip midnight (a daylight-saving change at 00:00), the day
        // begins at the first wall-clock half hour that exists; no gap is longer than three.
        let midnight = (0..=6)
            .find_map(|half_hours| {
                let wall = date.and_time(NaiveTime::MIN) + Duration::minutes(30 * half_hours);
                self.timezone.from_local_datetime(&wall).earliest()
            })
            .map_or(now, |t| t.to_utc().min(now));
        (date.format("%Y-%m-%d").to_string(), midnight)
    }

    /// Today's bookings of every configured location.
    async fn bookings(&self, date: &str) -> Result<Vec<Box<RawValue>>, FetchError> {
        let mut all = Vec::new();
        for lid in &self.locations {
            let query = [
                ("lid", lid.to_string()),
                ("date", date.to_owned()),
                ("days", "1".to_owned()),
                ("checkInStatus", "1".to_owned()),
                ("formAnswers", "0".to_owned()),
            ];
            let paging = Paging::Page { limit: BOOKINGS_PER_PAGE };
            all.extend(self.pages("1.1/space/bookings", &query, paging, "bookings").await?);
        }
        Ok(all)
    }

    fn rules(&self, day_start: DateTime<Utc>) -> Rules {
        Rules { no_show_after: self.no_show_after, day_start }
    }

    /// The state of every seat in `known` at `now`, from today's bookings: a full update (see
    /// [`map`] for the table). A booking of a seat not in `known` is rejected as naming an
    /// unknown seat, which tells the ingest to fetch the layout again.
    pub async fn seats(
        &self,
        now: DateTime<Utc>,
        known: &HashSet<String>,
    ) -> Result<SeatsUpdate, FetchError> {
        let (date, midnight) = self.day(now);
        let bookings = self.bookings(&date).await?;
        Ok(map::seats(&bookings, known, now, &self.rules(midnight)))
    }

    /// Head counts of the rooms booked as a whole, per zone, at `now`.
    pub async fn occupancy(&self, now: DateTime<Utc>) -> Result<OccupancyUpdate, FetchError> {
        let mut zones = Vec::new();
        for lid in &self.locations {
            zones.extend(self.utilization(*lid).await?);
        }
        Ok(map::occupancy(&zones, now))
    }

    /// Releases a no-show seat by cancelling its no-show booking; returns the seat as free
    /// from `now`. A seat with someone checked in, a reservation still in its grace time, or
    /// no booking at all is refused with a sentence saying so; so is a cancellation LibCal
    /// declines.
    pub async fn release_seat(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<SeatStatus, FetchError> {
        let (date, midnight) = self.day(now);
        let bookings = self.bookings(&date).await?;
        let shown = clean_text(id, 40);
        let Some(book_id) = map::no_show_booking(&bookings, id, now, &self.rules(midnight)) else {
            return Err(FetchError::Other(format!(
                "seat {shown} has no booking past its no-show time ({} min without check-in); \
                 LibCal releases a seat only by cancelling such a booking",
                self.no_show_after.num_minutes()
            )));
        };
        if !valid_id(&book_id) {
            return Err(FetchError::Other(format!(
                "seat {shown}: its booking id {:?} cannot be sent back to LibCal",
                clean_text(&book_id, 40)
            )));
        }
        let body = self.post(&format!("1.1/space/cancel/{book_id}")).await?;
        let answers: Vec<CancelAnswer> = wire::object(&body, "cancel")?;
        match answers.iter().find(|a| a.booking_id == book_id) {
            Some(a) if a.cancelled => Ok(SeatStatus {
                id: id.to_owned(),
                state: SeatState::Free,
                since: now,
                sensor: SensorHealth::Ok,
            }),
            Some(a) => Err(FetchError::Other(format!(
                "LibCal did not cancel booking {book_id} of seat {shown}: {}",
                clean_text(a.error.as_deref().unwrap_or("no reason given"), 200)
            ))),
            None => Err(FetchError::Malformed(format!(
                "cancel: the answer does not mention booking {book_id}"
            ))),
        }
    }
}

/// `e` with `what` before its message.
fn prefixed(what: &str, e: FetchError) -> FetchError {
    match e {
        FetchError::Status { status, code, message } => {
            FetchError::Status { status, code, message: format!("{what}: {message}") }
        }
        FetchError::Connect(m) => FetchError::Connect(format!("{what}: {m}")),
        FetchError::Malformed(m) => FetchError::Malformed(format!("{what}: {m}")),
        FetchError::Other(m) => FetchError::Other(format!("{what}: {m}")),
        other => other,
    }
}

/// The error of a call refused even with a new token.
fn refused_twice(e: FetchError) -> FetchError {
    match e {
        FetchError::Status { status: 401, code, message } => FetchError::Status {
            status: 401,
            code,
            message: format!("refused even with a new token: {message}"),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_a_tenth_early_and_at_most_a_minute() {
        let t0 = Instant::now();
        assert_eq!(renew_at(t0, StdDuration::from_secs(3600)), t0 + StdDuration::from_secs(3540));
        assert_eq!(renew_at(t0, StdDuration::from_secs(100)), t0 + StdDuration::from_secs(90));
        assert_eq!(renew_at(t0, StdDuration::from_secs(0)), t0);
    }

    fn client(timezone: Tz) -> LibCalClient {
        let settings = LibCalSettings {
            url: "https://lib.libcal.example".parse().unwrap(),
            client_id: "1".into(),
            client_secret: Secret::new("s"),
            secret_origin: "test".into(),
            location_ids: vec![1],
            no_show_after_min: 15,
            connect_timeout: StdDuration::from_secs(1),
            timeout: StdDuration::from_secs(1),
            max_body_bytes: 1024,
        };
        LibCalClient::new(&settings, timezone).unwrap()
    }

    #[test]
    fn the_library_s_day_begins_at_its_first_local_instant() {
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().to_utc();
        let ny = client(chrono_tz::America::New_York);
        assert_eq!(
            ny.day(at("2026-11-02T03:00:00Z")),
            ("2026-11-01".to_owned(), at("2026-11-01T04:00:00Z"))
        );
        // Santiago moved its clocks from 00:00 to 01:00 on 6 September 2026.
        let scl = client(chrono_tz::America::Santiago);
        assert_eq!(
            scl.day(at("2026-09-06T12:00:00Z")),
            ("2026-09-06".to_owned(), at("2026-09-06T04:00:00Z"))
        );
    }

    #[test]
    fn pages_are_asked_for_in_each_dialect() {
        let q = Paging::Page { limit: 500 }.query(0);
        assert_eq!(q, [("limit", "500".to_owned()), ("page", "1".to_owned())]);
        let q = Paging::Index { size: 100 }.query(2);
        assert_eq!(q, [("pageSize", "100".to_owned()), ("pageIndex", "2".to_owned())]);
    }
}
