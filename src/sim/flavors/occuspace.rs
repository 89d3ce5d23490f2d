//! The Occuspace flavour: the simulated library's zones as Occuspace locations, counted, under
//! `/occuspace/v1/…` and `/occuspace/v2/…`.
//!
//! - **Locations**: the building is location [`BUILDING`] (its capacity every seat); each zone
//!   is location [`ZONE_BASE`] + its number in the building, child of the building, named as
//!   the zone, its capacity the zone's seats, its status `active` ([`zones`] gives the mapping
//!   to tests; `carrel sim` prints the rule).
//! - **v2** `GET /v2/locations?limit=&cursor=` (`limit` 1 to 500, default 100): the locations,
//!   building first, `{data, pagination: {prev_cursor, next_cursor, has_more}}`; cursors are
//!   opaque. Errors are RFC 7807 problems with a `request_id`.
//! - **v1** `GET /v1/location/{id}/now`: `{message: "OK", data: {name, count, percentage,
//!   timestamp, isActive, childCounts}}`, the count being the zone's seats taken now (occupied
//!   or away: someone or their belongings are there), the percentage that share of its seats,
//!   the timestamp the simulated time. The building's count is the sum, with each zone in its
//!   `childCounts`. A location not in the building is refused with 401, as Occuspace refuses a
//!   location the token may not see; an unknown path is Express's HTML 404.
//!
//! Every answer needs the bearer token [`token`] of the simulator's seed (401 otherwise), and
//! carries the simulated time in its `Date` header.
//!
//! May use: server, library, the sim's models, domain, axum, serde_json.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, DATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::sim::calendar::{Secs, utc};
use crate::sim::faults::Api;
use crate::sim::library::Library;
use crate::sim::server::{Reply, Shared, answer_unchecked, params};

/// The building's location id.
pub const BUILDING: u64 = 100;
/// Zone `n` is location `ZONE_BASE + n`.
pub const ZONE_BASE: u64 = 1000;
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 500;

/// The bearer token the flavour of the simulator of `seed` accepts.
pub fn token(seed: u64) -> String {
    format!("occ-sim-{seed:016x}")
}

/// Every zone location of the simulated library of `seats` seats: its id and the zone id it
/// is. A configuration's `[feeds.occuspace.zones]` is this list.
pub fn zones(seats: u32) -> Vec<(u64, String)> {
    crate::sim::building::Building::new(seats)
        .zones
        .iter()
        .enumerate()
        .map(|(z, zone)| (ZONE_BASE + z as u64, zone.id.clone()))
        .collect()
}

/// The Occuspace routes.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/occuspace/v2/locations", get(locations))
        .route("/occuspace/v1/location/{id}/now", get(now))
        .route("/occuspace/v1/{*rest}", get(express_404))
        .route("/occuspace/v2/{*rest}", get(missing))
}

/// `reply` with the simulated time `now` as its `Date`.
fn dated(mut reply: Reply, now: Secs) -> Reply {
    let text = utc(now).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    if let Ok(v) = HeaderValue::from_str(&text) {
        reply.headers.push((DATE, v));
    }
    reply
}

/// A v1 error: `{message}`.
fn v1_error(status: StatusCode, message: impl Into<String>) -> Reply {
    let mut reply = Reply::ok(&json!({"message": message.into()}));
    reply.status = status;
    reply
}

/// A v2 error: an RFC 7807 problem.
fn problem(status: StatusCode, detail: impl Into<String>, instance: &str, seed: u64) -> Reply {
    let mut reply = Reply::ok(&json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail.into(),
        "instance": instance,
        "request_id": format!("req-{seed:08x}-{}", status.as_u16()),
    }));
    reply.status = status;
    reply.headers.push((CONTENT_TYPE, HeaderValue::from_static("application/problem+json")));
    reply
}

/// Whether the request carries the flavour's token.
fn authorised(s: &Shared, headers: &HeaderMap) -> bool {
    let want = token(s.seed);
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| given.len() == want.len() && given.as_bytes() == want.as_bytes())
}

/// A zone's seats taken now, and its seats.
fn taken(l: &Library, z: usize) -> (usize, usize) {
    let Some(zone) = l.building.zones.get(z) else { return (0, 0) };
    let count =
        zone.seats.clone().filter_map(|i| l.seats.report(i)).filter(|r| r.state.is_taken()).count();
    (count, zone.seats.len())
}

/// The v2 record of every location, building first.
fn all_locations(l: &Library) -> Vec<Value> {
    let b = &l.building;
    let start = l.calendar().date_of(l.time()) - chrono::Duration::days(28);
    let mut out = vec![json!({
        "location_id": BUILDING,
        "name": "Library",
        "status": "active",
        "parent_id": Value::Null,
        "capacity": b.zones.iter().map(|z| z.seats.len()).sum::<usize>(),
        "start_date": start.format("%Y-%m-%d").to_string(),
    })];
    out.extend(b.zones.iter().enumerate().map(|(z, zone)| {
        json!({
            "location_id": ZONE_BASE + z as u64,
            "name": zone.name,
            "status": "active",
            "parent_id": BUILDING,
            "capacity": zone.seats.len(),
            "start_date": start.format("%Y-%m-%d").to_string(),
        })
    }));
    out
}

/// A cursor for the page beginning at `offset`.
fn cursor(offset: usize) -> String {
    format!("cur_{:x}", (offset as u64) ^ 0x5a5a)
}

/// The offset a cursor stands for.
fn offset(cursor: &str) -> Option<usize> {
    let n = u64::from_str_radix(cursor.strip_prefix("cur_")?, 16).ok()?;
    usize::try_from(n ^ 0x5a5a).ok()
}

async fn locations(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    answer_unchecked(&s, Api::Sensor, |s| {
        let instance = uri.path().to_owned();
        let reply = if !authorised(s, &headers) {
            problem(StatusCode::UNAUTHORIZED, "a valid bearer token is required", &instance, s.seed)
        } else {
            match params(q) {
                Err(_) => problem(StatusCode::BAD_REQUEST, "unreadable query", &instance, s.seed),
                Ok(q) => s.with_library(|l| page(l, &q, &instance, s.seed)),
            }
        };
        dated(reply, s.with_library(|l| l.time()))
    })
    .await
}

/// One page of v2 locations as `q` asks for it.
fn page(l: &Library, q: &HashMap<String, String>, instance: &str, seed: u64) -> Reply {
    let limit = match q.get("limit").map(|v| v.trim().parse::<usize>()) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return problem(
                StatusCode::BAD_REQUEST,
                format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
                instance,
                seed,
            );
        }
    };
    let from = match q.get("cursor") {
        None => 0,
        Some(c) => match offset(c) {
            Some(n) => n,
            None => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "the cursor is not one of ours",
                    instance,
                    seed,
                );
            }
        },
    };
    let all = all_locations(l);
    let has_more = from.saturating_add(limit) < all.len();
    let data: Vec<Value> = all.into_iter().skip(from).take(limit).collect();
    Reply::ok(&json!({
        "data": data,
        "pagination": {
            "prev_cursor": (from > 0).then(|| cursor(from.saturating_sub(limit))),
            "next_cursor": has_more.then(|| cursor(from + limit)),
            "has_more": has_more,
        },
    }))
}

/// The `now` record of zone `z` at `now`.
fn zone_now(l: &Library, z: usize, stamp: &str, id: bool) -> Option<Value> {
    let zone = l.building.zones.get(z)?;
    let (count, seats) = taken(l, z);
    let share =
        if seats == 0 { 0.0 } else { (count as f64 / seats as f64 * 10_000.0).round() / 10_000.0 };
    let mut v = json!({
        "name": zone.name,
        "count": count,
        "percentage": share,
        "timestamp": stamp,
        "isActive": true,
    });
    if id && let Value::Object(map) = &mut v {
        map.insert("id".into(), json!(ZONE_BASE + z as u64));
    }
    Some(v)
}

async fn now(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    answer_unchecked(&s, Api::Sensor, |s| {
        if !authorised(s, &headers) {
            return v1_error(
                StatusCode::UNAUTHORIZED,
                "Unauthorized: a valid bearer token is required",
            );
        }
        let Ok(Path(id)) = id else {
            return v1_error(StatusCode::BAD_REQUEST, "unreadable location id");
        };
        s.with_library(|l| {
            let stamp = utc(l.time()).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let zones = l.building.zones.len();
            let reply = match id.trim().parse::<u64>() {
                Ok(BUILDING) => {
                    let children: Vec<Value> =
                        (0..zones).filter_map(|z| zone_now(l, z, &stamp, true)).collect();
                    let (count, seats) =
                        (0..zones).map(|z| taken(l, z)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
                    let share = if seats == 0 {
                        0.0
                    } else {
                        (count as f64 / seats as f64 * 10_000.0).round() / 10_000.0
                    };
                    Reply::ok(&json!({
                        "message": "OK",
                        "data": {
                            "name": "Library",
                            "count": count,
                            "percentage": share,
                            "timestamp": stamp,
                            "isActive": true,
                            "childCounts": children,
                        },
                    }))
                }
                Ok(n) => match n
                    .checked_sub(ZONE_BASE)
                    .and_then(|z| usize::try_from(z).ok())
                    .and_then(|z| zone_now(l, z, &stamp, false))
                {
                    Some(mut data) => {
                        if let Value::Object(map) = &mut data {
                            map.insert("childCounts".into(), json!([]));
                        }
                        Reply::ok(&json!({"message": "OK", "data": data}))
                    }
                    None => v1_error(
                        StatusCode::UNAUTHORIZED,
                        format!("Location {n} is not accessible with this token"),
                    ),
                },
                Err(_) => v1_error(StatusCode::BAD_REQUEST, format!("'{id}' is not a location id")),
            };
            dated(reply, l.time())
        })
    })
    .await
}

/// What Express answers for a path it has no route for.
async fn express_404(State(s): State<Arc<Shared>>, uri: Uri) -> Response {
    let path = uri.path().to_owned();
    answer_unchecked(&s, Api::Sensor, |_| {
        let escaped = path.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let body = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET {escaped}</pre>\n</body>\n</html>\n"
        );
        Reply {
            status: StatusCode::NOT_FOUND,
            body: body.into_bytes(),
            headers: vec![(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))],
        }
    })
    .await
}

async fn missing(State(s): State<Arc<Shared>>, uri: Uri) -> Response {
    let path = uri.path().to_owned();
    answer_unchecked(&s, Api::Sensor, |s| {
        problem(StatusCode::NOT_FOUND, format!("no endpoint at {path}"), &path, s.seed)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_opaque_and_read_back() {
        for n in [0, 1, 100, 4321] {
            assert_eq!(offset(&cursor(n)), Some(n));
        }
        assert_eq!(offset("100"), None);
        assert_eq!(offset("cur_zz"), None);
        assert_ne!(cursor(100), "100");
    }

    #[test]
    fn every_zone_is_a_location() {
        let z = zones(600);
        assert_eq!(z[0], (ZONE_BASE, "F0-Z1".to_owned()));
        assert!(z.windows(2).all(|w| w[1].0 == w[0].0 + 1));
        assert_ne!(token(1), token(2));
    }
}
