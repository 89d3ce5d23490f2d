//! The LibCal flavour: the simulated library as Springshare LibCal's API shows it, under
//! `/libcal/1.1/`.
//!
//! - **Locations**: one per floor, `lid` 100 + the floor's number in the building (100, 101,
//!   …), named as the floor. **Zones**: one per zone, id 1000 + its number, named as the zone.
//! - **Seats** (`/space/seats/{lid}`, `pageIndex` from 0, `pageSize` up to 100): the seats of
//!   every zone but group study, id 10000 + the seat's number, named by its label, with the
//!   power and access the own layout gives. Group study zones are rooms booked as a whole
//!   (tables of eight), so their seats are not LibCal seats.
//! - **Bookings** (`/space/bookings`, `page` from 1, `limit` up to 500), made from the seats'
//!   states now: occupied → checked in, from `since`; reserved → not checked in, from `since`;
//!   away for `no_show_after_min` or more → not checked in, from `since` (a no-show); away for
//!   less (a patron on a break) → checked in, from `since`; free and out of service → no
//!   booking. Each ends at closing, has a local time with its offset, and carries a made-up
//!   first and last name, e-mail, account and check-in code, as LibCal's do, so tests can look
//!   for them where they must never be.
//! - **Utilisation** (`/space/utilization/{lid}`): a seated zone is one space with seats, its
//!   occupancy the checked-in bookings; a group study zone is rooms of eight booked as a
//!   whole, their occupancy the seats taken (occupied or away).
//! - **Tokens** (`/oauth/token`): client credentials checked against [`LibCalSim`]; a token
//!   lasts `token_ttl` of real time, then gets 401, as does any call without a valid one.
//! - **Cancel** (`/space/cancel/{bookId}`): cancelling a booking whose seat is away releases
//!   the seat; any other is declined in LibCal's words.
//!
//! Errors: 401 as OAuth bearer errors (`invalid_token`, `invalid_client`), others as RFC 7807
//! problem details (`application/problem+json`).
//!
//! May use: server, library, the sim's models, domain, axum, serde_json.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{NaiveDate, TimeZone};
use serde_json::{Value, json};

use crate::domain::layout::{SeatState, ZoneKind};
use crate::sim::calendar::Secs;
use crate::sim::faults::Api;
use crate::sim::library::Library;
use crate::sim::random::{Purpose, key};
use crate::sim::server::{Reply, Shared, answer_unchecked, params};

/// The first location id; floor `n` is location `LID_BASE + n`.
pub const LID_BASE: u64 = 100;
/// Zone `n` is LibCal zone `ZONE_BASE + n`.
pub const ZONE_BASE: u64 = 1000;
/// Seat `n` is LibCal seat `SEAT_BASE + n`.
pub const SEAT_BASE: u64 = 10_000;
/// A seated zone is LibCal space `SPACE_BASE + n`; a group room, `ROOM_BASE + its first seat`.
const SPACE_BASE: u64 = 2000;
const ROOM_BASE: u64 = 100_000;
/// Seats of one group study room.
const ROOM_SEATS: usize = 8;
const MAX_LIMIT: usize = 500;
const MAX_PAGE_SIZE: usize = 100;

/// The LibCal location ids of the simulated library of `seats` seats: one per floor.
pub fn location_ids(seats: u32) -> Vec<u64> {
    let floors = crate::sim::building::Building::new(seats).floors.len();
    (0..floors as u64).map(|n| LID_BASE + n).collect()
}

/// The LibCal zone id of each of the simulated library's zones (by its id in carrel's own API):
/// what a site fed by LibCal maps another source's zones to.
pub fn zone_ids(seats: u32) -> Vec<(String, u64)> {
    let building = crate::sim::building::Building::new(seats);
    building.zones.iter().enumerate().map(|(n, z)| (z.id.clone(), ZONE_BASE + n as u64)).collect()
}

/// How the LibCal flavour is set up.
#[derive(Debug, Clone, PartialEq)]
pub struct LibCalSim {
    /// The client id the token endpoint accepts.
    pub client_id: String,
    /// The client secret the token endpoint accepts.
    pub client_secret: String,
    /// How long a token is good for, in real time.
    pub token_ttl: Duration,
    /// How long after its start a booking not checked in is a no-show.
    pub no_show_after_min: u32,
}

impl LibCalSim {
    /// The settings of the simulator of `seed`: client id `carrel-sim`, a secret made from the
    /// seed, tokens good for an hour, no-shows after 15 minutes.
    pub fn for_seed(seed: u64) -> Self {
        Self {
            client_id: "carrel-sim".into(),
            client_secret: format!("carrel-sim-libcal-{seed:016x}"),
            token_ttl: Duration::from_secs(3600),
            no_show_after_min: 15,
        }
    }

    /// Checks the settings are usable.
    pub fn validate(&self) -> Result<(), String> {
        for (what, v) in [("client id", &self.client_id), ("client secret", &self.client_secret)] {
            if v.is_empty() || v.contains(char::is_whitespace) {
                return Err(format!("the LibCal {what} must be non-empty and without spaces"));
            }
        }
        if self.token_ttl < Duration::from_secs(1) || self.token_ttl > Duration::from_secs(86_400) {
            return Err("the LibCal token lifetime must be between 1 s and a day".into());
        }
        if !(1..=1440).contains(&self.no_show_after_min) {
            return Err("the LibCal no-show time must be between 1 and 1440 minutes".into());
        }
        Ok(())
    }
}

/// The tokens handed out, each with when it expires.
#[derive(Debug)]
pub(crate) struct Tokens {
    settings: LibCalSim,
    live: Mutex<HashMap<String, Instant>>,
    issued: AtomicU64,
}

impl Tokens {
    /// No token handed out yet; tokens are checked against `settings`.
    pub fn new(settings: LibCalSim) -> Self {
        Self { settings, live: Mutex::new(HashMap::new()), issued: AtomicU64::new(0) }
    }

    /// A new token good for the configured time.
    fn issue(&self, seed: u64) -> String {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        let salt = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let token = format!(
            "lc{:016x}{:016x}",
            key(seed, Purpose::LibCal, &[n, salt]),
            key(seed, Purpose::LibCal, &[salt, n])
        );
        let now = Instant::now();
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        live.retain(|_, expires| *expires > now);
        live.insert(token.clone(), now + self.settings.token_ttl);
        token
    }

    fn valid(&self, token: &str) -> bool {
        let live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        live.get(token).is_some_and(|expires| *expires > Instant::now())
    }

    /// Every token expires now (as after a restart of the vendor's service).
    pub fn expire_all(&self) {
        self.live.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// How many tokens were handed out.
    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::Relaxed)
    }
}

/// The LibCal routes.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/libcal/1.1/oauth/token", post(token))
        .route("/libcal/1.1/space/locations", get(locations))
        .route("/libcal/1.1/space/seats/{lid}", get(seats))
        .route("/libcal/1.1/space/bookings", get(bookings))
        .route("/libcal/1.1/space/utilization/{lid}", get(utilization))
        .route("/libcal/1.1/space/cancel/{ids}", post(cancel))
}

/// An OAuth 2.0 error (RFC 6749 §5.2, RFC 6750 §3).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Reply {
    let mut reply = Reply::ok(&json!({"error": error, "error_description": description}));
    reply.status = status;
    if status == StatusCode::UNAUTHORIZED
        && let Ok(v) = HeaderValue::from_str(&format!("Bearer error=\"{error}\""))
    {
        reply.headers.push((WWW_AUTHENTICATE, v));
    }
    reply
}

/// An RFC 7807 problem.
fn problem(status: StatusCode, detail: impl Into<String>) -> Reply {
    let title = status.canonical_reason().unwrap_or("Error");
    let mut reply = Reply::ok(&json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
        "detail": detail.into(),
    }));
    reply.status = status;
    reply.headers.push((CONTENT_TYPE, HeaderValue::from_static("application/problem+json")));
    reply
}

fn authorised(s: &Shared, headers: &HeaderMap) -> Result<(), Reply> {
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(t) if s.libcal.valid(t) => Ok(()),
        Some(_) => Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The access token is unknown or has expired",
        )),
        None => Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "A bearer token is required",
        )),
    }
}

/// Compares two secrets in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn token(State(s): State<Arc<Shared>>, body: Result<Bytes, BytesRejection>) -> Response {
    answer_unchecked(&s, Api::Sensor, |s| {
        let Ok(body) = body else {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "unreadable body");
        };
        let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
        let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
        if field("grant_type") != "client_credentials" {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only client_credentials is supported",
            );
        }
        let set = &s.libcal.settings;
        if !(same(field("client_id"), &set.client_id)
            && same(field("client_secret"), &set.client_secret))
        {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed",
            );
        }
        let token = s.libcal.issue(s.seed);
        Reply::ok(&json!({
            "access_token": token,
            "expires_in": set.token_ttl.as_secs(),
            "token_type": "Bearer",
            "scope": "sp_r sp_w",
        }))
    })
    .await
}

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

/// A number from the query, or `default` when absent.
fn number(q: &HashMap<String, String>, name: &str, default: usize) -> Result<usize, Reply> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| {
            problem(StatusCode::BAD_REQUEST, format!("'{name}' must be a whole number, got '{v}'"))
        }),
    }
}

/// The floor of location `lid`, or a 404.
fn floor_of(l: &Library, lid: &str) -> Result<usize, Reply> {
    lid.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_sub(LID_BASE))
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n < l.building.floors.len())
        .ok_or_else(|| problem(StatusCode::NOT_FOUND, format!("No location {lid}")))
}

fn local_time(l: &Library, t: Secs) -> String {
    let tz = l.calendar().tz();
    tz.timestamp_opt(t, 0).single().map(|t| t.to_rfc3339()).unwrap_or_default()
}

async fn locations(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    answer_unchecked(&s, Api::Sensor, |s| {
        if let Err(r) = authorised(s, &headers) {
            return r;
        }
        s.with_library(|l| {
            let list: Vec<Value> = l
                .building
                .floors
                .iter()
                .enumerate()
                .map(|(n, f)| json!({"lid": LID_BASE + n as u64, "name": f.name, "public": 1}))
                .collect();
            Reply::ok(&list)
        })
    })
    .await
}

/// The seats of floor `floor` that LibCal books one by one (all but group study), in order.
fn seat_indices(l: &Library, floor: usize) -> Vec<usize> {
    let Some(f) = l.building.floors.get(floor) else { return Vec::new() };
    l.building.zones[f.zones.clone()]
        .iter()
        .filter(|z| z.kind != ZoneKind::Group)
        .flat_map(|z| z.seats.clone())
        .collect()
}

async fn seats(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    lid: Result<Path<String>, PathRejection>,
    q: Params,
) -> Response {
    answer_unchecked(&s, Api::Sensor, |s| {
        if let Err(r) = authorised(s, &headers) {
            return r;
        }
        let (Ok(Path(lid)), Ok(q)) = (lid, params(q)) else {
            return problem(StatusCode::BAD_REQUEST, "unreadable location or query");
        };
        let (index, size) = match (number(&q, "pageIndex", 0), number(&q, "pageSize", 20)) {
            (Ok(i), Ok(s)) => (i, s.clamp(1, MAX_PAGE_SIZE)),
            (Err(r), _) | (_, Err(r)) => return r,
        };
        s.with_library(|l| {
            let floor = match floor_of(l, &lid) {
                Ok(f) => f,
                Err(r) => return r,
            };
            let b = &l.building;
            let page: Vec<Value> = seat_indices(l, floor)
                .into_iter()
                .skip(index.saturating_mul(size))
                .take(size)
                .filter_map(|i| {
                    let place = b.place(i)?;
                    let zone = b.zones.get(place.zone)?;
                    Some(json!({
                        "id": SEAT_BASE + i as u64,
                        "name": b.seat_label(i)?,
                        "description": "",
                        "isAccessible": place.accessible,
                        "isPowered": place.power,
                        "image": "",
                        "status": true,
                        "zone": {"id": ZONE_BASE + place.zone as u64, "name": zone.name},
                    }))
                })
                .collect();
            Reply::ok(&page)
        })
    })
    .await
}

/// What a booking says of its patron now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckIn {
    In,
    NotYet,
}

/// The booking of seat `i` now, if its state makes one: whether checked in, and its start.
fn booking_of(l: &Library, i: usize, no_show: Secs) -> Option<(CheckIn, Secs)> {
    let r = l.seats.report(i)?;
    let now = l.time();
    match r.state {
        SeatState::Occupied => Some((CheckIn::In, r.since)),
        SeatState::Reserved => Some((CheckIn::NotYet, r.since)),
        SeatState::Away if now - r.since >= no_show => Some((CheckIn::NotYet, r.since)),
        SeatState::Away => Some((CheckIn::In, r.since)),
        SeatState::Free | SeatState::OutOfService => None,
    }
}

const FIRST: [&str; 8] =
    ["Ysolde", "Brannoc", "Quenby", "Tamsin", "Orrin", "Liesl", "Caspian", "Wrenna"];
const LAST: [&str; 8] = [
    "Marchbanks",
    "Oakhollow",
    "Fenwright",
    "Skelding",
    "Thistlewood",
    "Quarrie",
    "Halloway",
    "Pennick",
];

/// Every current booking of the floors given (all when `None`), in seat order.
fn current_bookings(l: &Library, floor: Option<usize>, seed: u64, no_show: Secs) -> Vec<Value> {
    let cal = l.calendar();
    let now = l.time();
    let closing = cal.closing(cal.date_of(now));
    let floors: Vec<usize> = match floor {
        Some(f) => vec![f],
        None => (0..l.building.floors.len()).collect(),
    };
    let b = &l.building;
    floors
        .into_iter()
        .flat_map(|f| seat_indices(l, f).into_iter().map(move |i| (f, i)))
        .filter_map(|(f, i)| {
            let (check_in, from) = booking_of(l, i, no_show)?;
            if closing <= now.max(from) {
                return None;
            }
            let place = b.place(i)?;
            let zone = b.zones.get(place.zone)?;
            let k = key(seed, Purpose::LibCal, &[i as u64, from as u64]);
            let (first, last) = (FIRST[(k % 8) as usize], LAST[((k >> 3) % 8) as usize]);
            let n = (k >> 6) % 10_000_000;
            Some(json!({
                "bookId": format!("cs_{:010x}", k >> 24),
                "eid": SPACE_BASE + place.zone as u64,
                "cid": 300 + zone.kind as u64,
                "lid": LID_BASE + f as u64,
                "seat_id": SEAT_BASE + i as u64,
                "seat_name": b.seat_label(i)?,
                "location_name": b.floors.get(f)?.name,
                "category_name": zone.kind.as_str(),
                "item_name": zone.name,
                "fromDate": local_time(l, from),
                "toDate": local_time(l, closing),
                "created": local_time(l, from - 3600),
                "firstName": first,
                "lastName": last,
                "email": format!("{}.{}.{n}@patrons.libcal.example", first.to_lowercase(), last.to_lowercase()),
                "account": format!("acct{n:07}"),
                "status": "Confirmed",
                "check_in_code": format!("CK{:06X}", (k >> 40) & 0xFF_FFFF),
                "check_in_status": match check_in {
                    CheckIn::In => "Checked In",
                    CheckIn::NotYet => "Not Checked In",
                },
                "cancelled": Value::Null,
            }))
        })
        .collect()
}

/// Whether bookings of `date` for `days` more days include today.
fn covers_today(l: &Library, q: &HashMap<String, String>) -> Result<bool, Reply> {
    let cal = l.calendar();
    let today = cal.date_of(l.time());
    let date = match q.get("date") {
        None => today,
        Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
            problem(StatusCode::BAD_REQUEST, format!("'date' must be YYYY-MM-DD, got '{d}'"))
        })?,
    };
    let days = number(q, "days", 0)?;
    if days > 365 {
        return Err(problem(StatusCode::BAD_REQUEST, "'days' must be between 0 and 365"));
    }
    let last = date + chrono::Duration::days(days as i64);
    Ok(date <= today && today <= last)
}

async fn bookings(State(s): State<Arc<Shared>>, headers: HeaderMap, q: Params) -> Response {
    answer_unchecked(&s, Api::Sensor, |s| {
        if let Err(r) = authorised(s, &headers) {
            return r;
        }
        let Ok(q) = params(q) else {
            return problem(StatusCode::BAD_REQUEST, "unreadable query string");
        };
        let (limit, page) = match (number(&q, "limit", 20), number(&q, "page", 1)) {
            (Ok(l), Ok(p)) => (l.clamp(1, MAX_LIMIT), p.max(1)),
            (Err(r), _) | (_, Err(r)) => return r,
        };
        let no_show = i64::from(s.libcal.settings.no_show_after_min) * 60;
        s.with_library(|l| {
            let floor = match q.get("lid") {
                Some(lid) => match floor_of(l, lid) {
                    Ok(f) => Some(f),
                    Err(r) => return r,
                },
                None => None,
            };
            match covers_today(l, &q) {
                Ok(true) => {}
                Ok(false) => return Reply::ok(&Vec::<Value>::new()),
                Err(r) => return r,
            }
            let all = current_bookings(l, floor, s.seed, no_show);
            let page: Vec<&Value> = all.iter().skip((page - 1) * limit).take(limit).collect();
            Reply::ok(&page)
        })
    })
    .await
}

async fn utilization(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    lid: Result<Path<String>, PathRejection>,
) -> Response {
    answer_unchecked(&s, Api::Sensor, |s| {
        if let Err(r) = authorised(s, &headers) {
            return r;
        }
        let Ok(Path(lid)) = lid else {
            return problem(StatusCode::BAD_REQUEST, "unreadable location");
        };
        let no_show = i64::from(s.libcal.settings.no_show_after_min) * 60;
        s.with_library(|l| {
            let floor = match floor_of(l, &lid) {
                Ok(f) => f,
                Err(r) => return r,
            };
            let b = &l.building;
            let range = b.floors[floor].zones.clone();
            let zones: Vec<Value> = range
                .map(|z| {
                    let zone = &b.zones[z];
                    let spaces: Vec<Value> = if zone.kind == ZoneKind::Group {
                        let seats: Vec<usize> = zone.seats.clone().collect();
                        seats
                            .chunks(ROOM_SEATS)
                            .enumerate()
                            .map(|(n, room)| {
                                let taken = room
                                    .iter()
                                    .filter_map(|i| l.seats.report(*i))
                                    .filter(|r| r.state.is_taken())
                                    .count();
                                json!({
                                    "id": ROOM_BASE + room[0] as u64,
                                    "name": format!("{} room {}", zone.name, n + 1),
                                    "bookableAsWhole": true,
                                    "currentOccupancy": taken,
                                    "currentCapacity": room.len(),
                                    "maxCapacity": room.len(),
                                })
                            })
                            .collect()
                    } else {
                        let checked_in = zone
                            .seats
                            .clone()
                            .filter(|i| {
                                matches!(booking_of(l, *i, no_show), Some((CheckIn::In, _)))
                            })
                            .count();
                        vec![json!({
                            "id": SPACE_BASE + z as u64,
                            "name": zone.name,
                            "bookableAsWhole": false,
                            "currentOccupancy": checked_in,
                            "currentCapacity": zone.seats.len(),
                            "maxCapacity": zone.seats.len(),
                        })]
                    };
                    json!({"id": ZONE_BASE + z as u64, "name": zone.name, "spaces": spaces})
                })
                .collect();
            Reply::ok(&json!({"lid": LID_BASE + floor as u64, "zones": zones}))
        })
    })
    .await
}

async fn cancel(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    ids: Result<Path<String>, PathRejection>,
) -> Response {
    answer_unchecked(&s, Api::Sensor, |s| {
        if let Err(r) = authorised(s, &headers) {
            return r;
        }
        let Ok(Path(ids)) = ids else {
            return problem(StatusCode::BAD_REQUEST, "unreadable booking ids");
        };
        let no_show = i64::from(s.libcal.settings.no_show_after_min) * 60;
        s.with_library(|l| {
            let answers: Vec<Value> = ids
                .split(',')
                .map(|id| {
                    let seat = current_bookings(l, None, s.seed, no_show)
                        .iter()
                        .find(|b| b["bookId"] == id)
                        .and_then(|b| b["seat_id"].as_u64())
                        .and_then(|n| n.checked_sub(SEAT_BASE))
                        .and_then(|n| usize::try_from(n).ok());
                    let Some(i) = seat else {
                        return json!({"booking_id": id, "cancelled": false, "error": "Booking not found"});
                    };
                    let sim_id = l.building.seat_id(i).unwrap_or_default();
                    match l.release(&sim_id) {
                        Ok(_) => json!({"booking_id": id, "cancelled": true}),
                        Err(e) => json!({
                            "booking_id": id,
                            "cancelled": false,
                            "error": format!("The simulator cancels only bookings whose seat is away: {e}"),
                        }),
                    }
                })
                .collect();
            Reply::ok(&answers)
        })
    })
    .await
}
