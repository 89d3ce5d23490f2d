//! Handlers of the sensor API: layout, seats, environment, service points, arrivals, and the
//! two actions (release a seat, change a window).
//!
//! Each handler checks its arguments, has the library (caught up with the clock) write its
//! typed wire records into a body, and hands that to [`answer`]. Status codes follow the
//! OpenAPI file: 400 for unreadable arguments, 404 for an unknown seat or window, 409 for an
//! action the library's state refuses, 422 for a body that is JSON but not a
//! `ServicePointChange`.
//!
//! May use: server, library, domain, axum.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::DateTime;

use super::calendar::Secs;
use super::faults::Api;
use super::library::{ChangeError, ReleaseError};
use super::server::{Reply, Shared, answer, params};
use crate::domain::api::ServicePointChange;

/// The most time steps one arrivals request may span.
pub const MAX_ARRIVAL_STEPS: i64 = 20_000;

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

pub(crate) async fn layout(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    answer(&s, Api::Sensor, &headers, |s| s.with_library(|l| Reply::listing(l.layout()))).await
}

pub(crate) async fn seats(State(s): State<Arc<Shared>>, headers: HeaderMap, q: Params) -> Response {
    answer(&s, Api::Sensor, &headers, |s| match params(q) {
        Ok(q) => s.with_library(|l| Reply::listing(l.seats(q.get("since").map(String::as_str)))),
        Err(reply) => reply,
    })
    .await
}

pub(crate) async fn environment(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    answer(&s, Api::Sensor, &headers, |s| Reply::ok(&s.with_library(|l| l.environment()))).await
}

pub(crate) async fn service_points(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    answer(&s, Api::Sensor, &headers, |s| Reply::ok(&s.with_library(|l| l.service_points()))).await
}

pub(crate) async fn arrivals(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Params,
) -> Response {
    answer(&s, Api::Sensor, &headers, |s| match params(q).and_then(|q| arrival_range(&q)) {
        Ok((from, to, step)) => s.with_library(|l| Reply::listing(l.arrivals(from, to, step))),
        Err(reply) => reply,
    })
    .await
}

/// Reads and checks `from`, `to` (RFC 3339) and `step` (seconds; default 900).
fn arrival_range(q: &HashMap<String, String>) -> Result<(Secs, Secs, Secs), Reply> {
    let time = |name: &str| -> Result<Secs, Reply> {
        let text = q
            .get(name)
            .ok_or_else(|| Reply::bad_request(format!("'{name}' is required (RFC 3339 time)")))?;
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp())
            .map_err(|e| Reply::bad_request(format!("'{name}' is not an RFC 3339 time: {e}")))
    };
    let (from, to) = (time("from")?, time("to")?);
    let step: Secs = match q.get("step") {
        None => 900,
        Some(text) => text.parse().map_err(|_| {
            Reply::bad_request(format!("'step' must be whole seconds, got '{text}'"))
        })?,
    };
    if !(60..=86_400).contains(&step) || step % 60 != 0 {
        return Err(Reply::bad_request(format!(
            "'step' must be a multiple of 60 between 60 and 86400 seconds, got {step}"
        )));
    }
    // `from` equal to `to` is the empty range: the contract allows it, and it has no buckets.
    if from > to {
        return Err(Reply::bad_request("'from' must not be after 'to'"));
    }
    let first = from - from.rem_euclid(step);
    let steps = (to - first + step - 1) / step;
    if steps > MAX_ARRIVAL_STEPS {
        return Err(Reply::bad_request(format!(
            "{steps} steps asked for; at most {MAX_ARRIVAL_STEPS} per request"
        )));
    }
    Ok((from, to, step))
}

pub(crate) async fn release(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    answer(&s, Api::Sensor, &headers, |s| {
        let Ok(Path(id)) = id else {
            return Reply::bad_request("unreadable seat id");
        };
        match s.with_library(|l| l.release(&id)) {
            Ok(status) => Reply::ok(&status),
            Err(e @ ReleaseError::Unknown(_)) => {
                Reply::error(StatusCode::NOT_FOUND, "unknown_seat", e.to_string())
            }
            Err(e @ ReleaseError::NotAway { .. }) => {
                Reply::error(StatusCode::CONFLICT, "not_away", e.to_string())
            }
        }
    })
    .await
}

pub(crate) async fn change_service_point(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    answer(&s, Api::Sensor, &headers, |s| {
        let Ok(Path(id)) = id else {
            return Reply::bad_request("unreadable service point id");
        };
        let body = match body {
            Ok(body) => body,
            Err(e) => {
                return Reply::error(e.status(), "bad_request", format!("unreadable body: {e}"));
            }
        };
        let change: ServicePointChange = match serde_json::from_slice(&body) {
            Ok(change) => change,
            Err(e) if e.is_data() => {
                return Reply::error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_change",
                    format!("not a service point change: {e}"),
                );
            }
            Err(e) => return Reply::bad_request(format!("the body is not JSON: {e}")),
        };
        match s.with_library(|l| l.change_service_point(&id, change)) {
            Ok(point) => Reply::ok(&point),
            Err(e @ ChangeError::Unknown(_)) => {
                Reply::error(StatusCode::NOT_FOUND, "unknown_service_point", e.to_string())
            }
            Err(e @ ChangeError::Refused(_)) => {
                Reply::error(StatusCode::CONFLICT, "conflict", e.to_string())
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    }

    #[test]
    fn arrival_ranges_are_checked() {
        let ok = q(&[("from", "2026-11-01T00:00:00Z"), ("to", "2026-11-02T00:00:00Z")]);
        assert_eq!(arrival_range(&ok).unwrap().2, 900);
        let empty = q(&[("from", "2026-11-01T00:07:00Z"), ("to", "2026-11-01T00:07:00Z")]);
        let (from, to, _) = arrival_range(&empty).unwrap();
        assert_eq!(from, to);
        let bad = [
            q(&[("to", "2026-11-02T00:00:00Z")]),
            q(&[("from", "yesterday"), ("to", "2026-11-02T00:00:00Z")]),
            q(&[("from", "2026-11-02T00:00:00Z"), ("to", "2026-11-01T00:00:00Z")]),
            q(&[("from", "2026-11-01T00:00:00Z"), ("to", "2026-11-02T00:00:00Z"), ("step", "90")]),
            q(&[("from", "2026-11-01T00:00:00Z"), ("to", "2026-11-02T00:00:00Z"), ("step", "0")]),
            q(&[("from", "2025-11-01T00:00:00Z"), ("to", "2026-11-02T00:00:00Z"), ("step", "60")]),
        ];
        for b in bad {
            let reply = arrival_range(&b).unwrap_err();
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{b:?}");
        }
    }
}
