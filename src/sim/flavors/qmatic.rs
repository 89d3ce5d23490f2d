//! The Qmatic Orchestra flavour: the simulated library's desks through Orchestra's shapes under
//! `/qmatic/rest/…`, from the same state as the own API's service points.
//!
//! The library is branch 1. Each window is a service point numbered in the own API's order
//! (`circ-1` is 1, …), named as there. Each service is one queue and one work profile (numbered
//! in service order, named by the service's id); an open window has a session of its staff
//! with its service's profile. A simulated patron picks a window on arrival, which in
//! Orchestra's terms is waiting in that point's pool: so the pools hold every waiting patron
//! (`…/servicePoints/{p}/pool/visits`) and the queues report none waiting. A visit's id is a
//! hash of its service, arrival second and errand, stable while it waits; its times are the
//! seconds waited, with the branch clock in the library's zone (RFC 3339 with offset).
//!
//! Starting a session (`PUT …/servicePoints/{p}/users/{login}/`) opens the window with that
//! staff member, as the own API's change does, with the same refusals (409: not on duty,
//! already at another window). Ending it (`DELETE`, for the login whose session it is) closes
//! the window. Every request needs HTTP basic authentication with the configured login and
//! password (401 with `WWW-Authenticate: Basic` otherwise); errors are a status with a JSON
//! `{status, message}` body. Faults apply as to the sensor API.
//!
//! May use: server, library, queues, domain, axum.

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use base64::Engine;
use chrono::{SecondsFormat, TimeZone};
use serde_json::{Value, json};

use crate::domain::api::ServicePointChange;
use crate::sim::calendar::Secs;
use crate::sim::faults::Api;
use crate::sim::library::{ChangeError, Library};
use crate::sim::server::{Reply, Shared, answer_checked, same_secret};

/// The simulated library's branch id.
pub const BRANCH: i64 = 1;

/// The flavour's routes (with and without the trailing slash Orchestra's clients use).
pub(crate) fn router() -> Router<Arc<Shared>> {
    let mi = "/qmatic/rest/managementinformation/v2/branches/{b}";
    let sp = "/qmatic/rest/servicepoint/branches/{b}";
    let mut r = Router::new().route(&format!("{mi}/servicePoints"), get(service_points));
    for slash in ["", "/"] {
        r = r
            .route(&format!("{sp}/queues{slash}"), get(queues))
            .route(&format!("{sp}/workProfiles/{{w}}/queues{slash}"), get(profile_queues))
            .route(&format!("{sp}/queues/{{q}}/visits{slash}"), get(queue_visits))
            .route(&format!("{sp}/servicePoints/{{p}}/pool/visits{slash}"), get(pool_visits))
            .route(
                &format!("{sp}/servicePoints/{{p}}/users/{{login}}{slash}"),
                axum::routing::put(start_session).delete(end_session),
            );
    }
    r
}

fn plain(status: StatusCode, message: impl Into<String>) -> Reply {
    let body = json!({ "status": status.as_u16(), "message": message.into() });
    Reply { status, body: serde_json::to_vec(&body).unwrap_or_default(), headers: Vec::new() }
}

/// Checks HTTP basic authentication against the configured login and password.
fn authorised(s: &Shared, headers: &HeaderMap) -> Result<(), Reply> {
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok());
    let expected = format!("{}:{}", s.qmatic_user, s.qmatic_password);
    if given.is_some_and(|g| same_secret(g.as_bytes(), expected.as_bytes())) {
        return Ok(());
    }
    let mut reply = plain(StatusCode::UNAUTHORIZED, "authentication required");
    reply.headers.push((WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Orchestra\"")));
    Err(reply)
}

/// Answers `make` for branch `b` (404 for another), checked and faulted.
async fn branch_answer(
    s: &Shared,
    headers: &HeaderMap,
    b: i64,
    make: impl FnOnce(&Shared) -> Reply,
) -> Response {
    answer_checked(s, Api::Sensor, authorised(s, headers), |s| {
        if b == BRANCH { make(s) } else { plain(StatusCode::NOT_FOUND, format!("no branch {b}")) }
    })
    .await
}

fn ok(value: &Value) -> Reply {
    Reply::ok(value)
}

/// The branch clock now, in the library's zone with its offset.
fn clock(s: &Shared, now: Secs) -> String {
    s.timezone
        .timestamp_opt(now, 0)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, false))
        .unwrap_or_default()
}

/// A visit id: FNV-1a of the service, the arrival second and the errand, in 53 bits.
fn visit_id(service: usize, at: Secs, work: f64) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in (service as u64)
        .to_le_bytes()
        .into_iter()
        .chain(at.to_le_bytes())
        .chain(work.to_bits().to_le_bytes())
    {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h & ((1 << 53) - 1)) as i64
}

fn point_records(l: &Library) -> Vec<Value> {
    let desks = &l.desks;
    desks
        .windows()
        .iter()
        .enumerate()
        .map(|(i, w)| {
            json!({
                "id": i + 1,
                "name": w.spec.name,
                "status": if w.open { "OPEN" } else { "CLOSED" },
                "staffName": if w.open { w.staff.clone() } else { None },
                "workProfileId": if w.open { Some(w.spec.service + 1) } else { None },
            })
        })
        .collect()
}

fn queue_record(l: &Library, s: usize) -> Option<Value> {
    let service = l.desks.services().get(s)?;
    Some(json!({
        "id": s + 1,
        "name": service.id,
        "customersWaiting": 0,
        "waitingTime": 0,
        "queueType": "QUEUE",
    }))
}

async fn service_points(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    b: Result<Path<i64>, PathRejection>,
) -> Response {
    let b = b.map(|Path(b)| b).unwrap_or(-1);
    branch_answer(&s, &headers, b, |s| s.with_library(|l| ok(&Value::from(point_records(l))))).await
}

async fn queues(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    b: Result<Path<i64>, PathRejection>,
) -> Response {
    let b = b.map(|Path(b)| b).unwrap_or(-1);
    branch_answer(&s, &headers, b, |s| {
        s.with_library(|l| {
            let all: Vec<Value> =
                (0..l.desks.services().len()).filter_map(|i| queue_record(l, i)).collect();
            ok(&Value::from(all))
        })
    })
    .await
}

async fn profile_queues(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    p: Result<Path<(i64, i64)>, PathRejection>,
) -> Response {
    let (b, w) = p.map(|Path(p)| p).unwrap_or((-1, -1));
    branch_answer(&s, &headers, b, |s| {
        s.with_library(|l| {
            let found = usize::try_from(w - 1).ok().and_then(|i| queue_record(l, i));
            match found {
                Some(q) => ok(&json!([q])),
                None => plain(StatusCode::NOT_FOUND, format!("no work profile {w}")),
            }
        })
    })
    .await
}

async fn queue_visits(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    p: Result<Path<(i64, i64)>, PathRejection>,
) -> Response {
    let (b, q) = p.map(|Path(p)| p).unwrap_or((-1, -1));
    branch_answer(&s, &headers, b, |s| {
        s.with_library(|l| match usize::try_from(q - 1).ok().and_then(|i| queue_record(l, i)) {
            // Patrons wait in the points' pools, never in the queue itself.
            Some(_) => ok(&json!([])),
            None => plain(StatusCode::NOT_FOUND, format!("no queue {q}")),
        })
    })
    .await
}

async fn pool_visits(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    p: Result<Path<(i64, i64)>, PathRejection>,
) -> Response {
    let (b, point) = p.map(|Path(p)| p).unwrap_or((-1, -1));
    branch_answer(&s, &headers, b, |s| {
        s.with_library(|l| {
            let Some(w) = usize::try_from(point - 1).ok().and_then(|i| l.desks.windows().get(i))
            else {
                return plain(StatusCode::NOT_FOUND, format!("no service point {point}"));
            };
            let now = l.now();
            let visits: Vec<Value> = w
                .waiting()
                .map(|a| {
                    let waited = (now - a.at).max(0);
                    json!({
                        "id": visit_id(w.spec.service, a.at, a.work),
                        "waitingTime": waited,
                        "totalWaitingTime": waited,
                        "branchCurrentTime": clock(s, now),
                    })
                })
                .collect();
            ok(&Value::from(visits))
        })
    })
    .await
}

/// The window id of service point `point`, if there is one.
fn window_id(l: &Library, point: i64) -> Option<String> {
    let i = usize::try_from(point - 1).ok()?;
    l.desks.windows().get(i).map(|w| w.spec.id.clone())
}

fn change(l: &mut Library, point: i64, change: ServicePointChange) -> Reply {
    let Some(id) = window_id(l, point) else {
        return plain(StatusCode::NOT_FOUND, format!("no service point {point}"));
    };
    match l.change_service_point(&id, change) {
        Ok(_) => Reply { status: StatusCode::NO_CONTENT, body: Vec::new(), headers: Vec::new() },
        Err(e @ ChangeError::Unknown(_)) => plain(StatusCode::NOT_FOUND, e.to_string()),
        Err(e @ ChangeError::Refused(_)) => plain(StatusCode::CONFLICT, e.to_string()),
    }
}

async fn start_session(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    p: Result<Path<(i64, i64, String)>, PathRejection>,
) -> Response {
    let (b, point, login) = p.map(|Path(p)| p).unwrap_or((-1, -1, String::new()));
    branch_answer(&s, &headers, b, |s| {
        s.with_library(|l| {
            change(l, point, ServicePointChange { open: Some(true), staff: Some(Some(login)) })
        })
    })
    .await
}

async fn end_session(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    p: Result<Path<(i64, i64, String)>, PathRejection>,
) -> Response {
    let (b, point, login) = p.map(|Path(p)| p).unwrap_or((-1, -1, String::new()));
    branch_answer(&s, &headers, b, |s| {
        s.with_library(|l| {
            let session = usize::try_from(point - 1)
                .ok()
                .and_then(|i| l.desks.windows().get(i))
                .map(|w| w.open && w.staff.as_deref() == Some(login.as_str()));
            match session {
                None => plain(StatusCode::NOT_FOUND, format!("no service point {point}")),
                Some(false) => plain(
                    StatusCode::NOT_FOUND,
                    format!("'{login}' has no session at service point {point}"),
                ),
                Some(true) => {
                    change(l, point, ServicePointChange { open: Some(false), staff: Some(None) })
                }
            }
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visit_ids_are_stable_and_fit_a_json_number() {
        let a = visit_id(0, 1_795_000_000, 0.73);
        assert_eq!(a, visit_id(0, 1_795_000_000, 0.73));
        assert_ne!(a, visit_id(1, 1_795_000_000, 0.73));
        assert_ne!(a, visit_id(0, 1_795_000_001, 0.73));
        assert!((0..1 << 53).contains(&a));
    }
}
