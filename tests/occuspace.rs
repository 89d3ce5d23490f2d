//! The Occuspace adapter against recorded answers (`tests/fixtures/vendors/occuspace/`, sources
//! in its README), served by a small Occuspace stand-in on a loopback port: the `{message,
//! data}` envelope, v2 cursor paging (and a server whose cursor repeats or goes missing),
//! statuses that make a count untrusted, members missing, times with offsets on a
//! daylight-saving day, hostile strings, and errors as RFC 7807 problems, `{message}` bodies and
//! Express's HTML; v2's list is kept between fetches.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use carrel::config::{OccuspaceSettings, Secret};
use carrel::domain::layout::ZoneOccupancy;
use carrel::domain::sanitize::is_unsafe_char;
use carrel::feeds::occuspace::OccuspaceClient;
use carrel::feeds::validate::OccupancyUpdate;
use chrono::{DateTime, Utc};

const TOKEN: &str = "occ-fixture-token-Rt5";

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vendors/occuspace");
    std::fs::read_to_string(path.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().to_utc()
}

/// An Occuspace stand-in: v2 pages by cursor, v1 counts by location, each a fixture.
struct Stand {
    /// The `Date` of every answer.
    date: DateTime<Utc>,
    /// Cursor (`""` for the first page) → (status, fixture).
    pages: HashMap<&'static str, (u16, &'static str)>,
    /// Location id → (status, fixture).
    counts: HashMap<u64, (u16, &'static str)>,
    /// Every request, as `path?query`.
    seen: Mutex<Vec<String>>,
}

fn reply(s: &Stand, status: u16, name: &str) -> Response {
    let kind = match name {
        n if n.ends_with(".html") => "text/html; charset=utf-8",
        "error_problem.json" => "application/problem+json",
        _ => "application/json",
    };
    let date = s.date.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    (
        StatusCode::from_u16(status).unwrap(),
        [(header::CONTENT_TYPE, kind.to_owned()), (header::DATE, date)],
        fixture(name),
    )
        .into_response()
}

fn authorised(h: &HeaderMap) -> bool {
    h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

async fn locations(
    State(s): State<Arc<Stand>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut pairs: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.sort();
    s.seen.lock().unwrap().push(format!("v2/locations?{}", pairs.join("&")));
    if !authorised(&h) {
        return reply(&s, 401, "error_problem.json");
    }
    let cursor = q.get("cursor").map(String::as_str).unwrap_or("");
    match s.pages.get(cursor) {
        Some((status, name)) => reply(&s, *status, name),
        None => reply(&s, 401, "error_problem.json"),
    }
}

async fn now(State(s): State<Arc<Stand>>, h: HeaderMap, Path(id): Path<u64>) -> Response {
    s.seen.lock().unwrap().push(format!("v1/location/{id}/now"));
    if !authorised(&h) {
        return reply(&s, 401, "error_v1_unauthorized.json");
    }
    match s.counts.get(&id) {
        Some((status, name)) => reply(&s, *status, name),
        None => reply(&s, 401, "error_v1_unauthorized.json"),
    }
}

async fn stand(
    date: &str,
    pages: &[(&'static str, u16, &'static str)],
    counts: &[(u64, u16, &'static str)],
) -> (Arc<Stand>, String) {
    let s = Arc::new(Stand {
        date: at(date),
        pages: pages.iter().map(|(c, st, f)| (*c, (*st, *f))).collect(),
        counts: counts.iter().map(|(id, st, f)| (*id, (*st, *f))).collect(),
        seen: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/api/v2/locations", get(locations))
        .route("/api/v1/location/{id}/now", get(now))
        .with_state(Arc::clone(&s));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (s, base)
}

fn client(base: &str, token: &str, zones: &[(u64, &str)]) -> OccuspaceClient {
    OccuspaceClient::new(&OccuspaceSettings {
        url: base.parse().unwrap(),
        token: Secret::new(token),
        token_origin: "test".into(),
        zones: zones.iter().map(|(id, z)| (*id, (*z).to_owned())).collect(),
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(10),
        max_body_bytes: 1 << 20,
    })
    .unwrap()
}

fn known(zones: &[(u64, &str)]) -> HashSet<String> {
    zones.iter().map(|(_, z)| (*z).to_owned()).collect()
}

fn reasons(u: &OccupancyUpdate) -> Vec<&str> {
    u.rejected.iter().map(|r| r.reason.as_str()).collect()
}

const PAGED: [(&str, u16, &str); 2] = [
    ("", 200, "locations_page1.json"),
    ("eyJsb2NhdGlvbl9pZCI6MTU2Mn0", 200, "locations_page2.json"),
];

#[tokio::test]
async fn active_locations_count_and_the_others_say_why_not() {
    let zones = [
        (1560, "F0-Z1"),
        (1561, "F0-Z2"),
        (1562, "F0-Z3"),
        (1563, "F1-Z1"),
        (1564, "F1-Z2"),
        (1565, "F1-Z3"),
        (1567, "F1-Z4"),
        (1568, "F1-Z5"),
        (9999, "F2-Z1"),
        (1500, "F9-Z9"),
    ];
    let (s, base) = stand(
        "2026-11-18T10:05:00Z",
        &PAGED,
        &[(1560, 200, "now_1560.json"), (1564, 200, "now_1564.json"), (1565, 200, "now_1565.json")],
    )
    .await;
    let mut layout = known(&zones);
    layout.remove("F9-Z9");
    let u = client(&base, TOKEN, &zones).occupancy(&layout).await.unwrap();
    // The report time is the server's clock (its Date), not this machine's.
    let ahead = u.generated_at - at("2026-11-18T10:05:00Z");
    assert!(ahead >= chrono::Duration::zero() && ahead < chrono::Duration::minutes(1), "{ahead}");
    assert_eq!(u.zones.len(), 2, "{:?}", u.zones);
    assert_eq!(
        u.zones[0],
        ZoneOccupancy {
            zone_id: "F0-Z1".into(),
            count: 37,
            capacity: Some(120),
            at: at("2026-11-18T10:04:00Z"),
        }
    );
    // No capacity in v2, no timestamp in v1: the share gives the one, the report time the other.
    assert_eq!(
        (u.zones[1].zone_id.as_str(), u.zones[1].count, u.zones[1].capacity),
        ("F1-Z2", 12, Some(48))
    );
    assert_eq!(u.zones[1].at, u.generated_at);
    assert_eq!(
        reasons(&u),
        [
            "v2 location: invalid type: string \"…\", expected u64 at line 1 column 22",
            "v2 location 1568: invalid type: string \"…\", expected u64 at line 1 column 96",
            "location 1561 (Periodicals) is inactive: its sensors are off or removed; its count is not trusted",
            "location 1562 (New Wing) is being set up: its sensors are being installed; its count is not trusted",
            "location 1563 (Group Study) is in calibration: its counts are being tuned; its count is not trusted",
            "location 1567 (Makerspace) is under review: its installation is being checked; its count is not trusted",
            "location 9999 is not among the locations Occuspace lists for this token",
            "location 1500 counts zone F9-Z9, which is not in the layout",
            "location 1565 reports isActive false: its count is not trusted",
        ]
    );
    assert_eq!(
        u.rejected[2].record,
        r#"{"location_id":1561,"zone":"F0-Z2","location":{"location_id":1561,"name":"Periodicals","status":"inactive","capacity":40}}"#
    );
    // Both pages were read with their cursor; only trusted locations were counted.
    let seen = s.seen.lock().unwrap().clone();
    assert_eq!(
        seen[..2],
        ["v2/locations?limit=100", "v2/locations?cursor=eyJsb2NhdGlvbl9pZCI6MTU2Mn0&limit=100"]
    );
    let asked: HashSet<&str> = seen[2..].iter().map(String::as_str).collect();
    assert_eq!(
        asked,
        ["v1/location/1560/now", "v1/location/1564/now", "v1/location/1565/now"].into()
    );
}

#[tokio::test]
async fn paging_stops_once_every_mapped_location_is_found_and_v2_is_kept_a_while() {
    let (s, base) = stand("2026-11-18T10:05:00Z", &PAGED, &[(1560, 200, "now_1560.json")]).await;
    let zones = [(1560, "F0-Z1")];
    let c = client(&base, TOKEN, &zones);
    for _ in 0..2 {
        let u = c.occupancy(&known(&zones)).await.unwrap();
        assert_eq!(u.zones.len(), 1);
    }
    let seen = s.seen.lock().unwrap().clone();
    assert_eq!(seen, ["v2/locations?limit=100", "v1/location/1560/now", "v1/location/1560/now"]);
}

#[tokio::test]
async fn times_are_read_with_their_offsets_on_a_daylight_saving_day() {
    // 1 November 2026 in New York: 01:30 -05:00 comes after 01:45 -04:00.
    let (_s, base) = stand(
        "2026-11-01T06:40:00Z",
        &[("", 200, "locations_dst.json")],
        &[
            (2001, 200, "now_dst_2001.json"),
            (2002, 200, "now_dst_2002.json"),
            (2003, 200, "now_hostile.json"),
            (2004, 404, "error_404.html"),
        ],
    )
    .await;
    let zones = [(2001, "E"), (2002, "W"), (2003, "N"), (2004, "S")];
    let u = client(&base, TOKEN, &zones).occupancy(&known(&zones)).await.unwrap();
    let got: Vec<(&str, u32, DateTime<Utc>)> =
        u.zones.iter().map(|z| (z.zone_id.as_str(), z.count, z.at)).collect();
    assert_eq!(got, [("E", 18, at("2026-11-01T05:45:00Z")), ("W", 9, at("2026-11-01T06:30:00Z"))]);
    // A hostile count is refused, and nothing of it can reach a terminal.
    assert_eq!(
        reasons(&u),
        [
            "location 2003: invalid type: string \"…\", expected f64 at line 1 column 54",
            "location 2004: HTTP 404: Not Found",
        ]
    );
    for r in &u.rejected {
        assert!(!r.reason.chars().any(is_unsafe_char), "{:?}", r.reason);
        assert!(!r.record.chars().any(|c| c.is_control()), "{:?}", r.record);
    }
}

#[tokio::test]
async fn errors_fail_the_fetch_or_stay_with_their_location() {
    // v2 refuses the token: an RFC 7807 problem, told in a sentence.
    let (_s, base) = stand("2026-11-18T10:05:00Z", &PAGED, &[]).await;
    let zones = [(1560, "F0-Z1")];
    let e = client(&base, "wrong", &zones).occupancy(&known(&zones)).await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.to_string(), "HTTP 401: Unauthorized: Invalid or missing bearer token");

    // v1 refuses one location, or has no data for it: that location's rejection.
    let (_s, base) = stand(
        "2026-11-18T10:05:00Z",
        &PAGED,
        &[(1560, 401, "error_v1_unauthorized.json"), (1564, 200, "now_null_data.json")],
    )
    .await;
    let zones = [(1560, "F0-Z1"), (1564, "F1-Z2")];
    let u = client(&base, TOKEN, &zones).occupancy(&known(&zones)).await.unwrap();
    assert!(u.zones.is_empty());
    assert_eq!(
        reasons(&u),
        [
            "v2 location: invalid type: string \"…\", expected u64 at line 1 column 22",
            "location 1560: HTTP 401: Requesting unpermitted data",
            "location 1564: no count in the answer (Location has no data for the requested time)",
        ]
    );

    // A server error on v1 fails the fetch.
    let (_s, base) =
        stand("2026-11-18T10:05:00Z", &PAGED, &[(1560, 500, "error_v1_500.json")]).await;
    let zones = [(1560, "F0-Z1")];
    let e = client(&base, TOKEN, &zones).occupancy(&known(&zones)).await.unwrap_err();
    assert_eq!(e.to_string(), "HTTP 500: Internal Server Error");

    // A server that does not page: a cursor that repeats, has_more without a cursor.
    let zones = [(7, "F0-Z1")];
    let (_s, base) = stand(
        "2026-11-18T10:05:00Z",
        &[("", 200, "locations_repeat.json"), ("c1", 200, "locations_repeat.json")],
        &[],
    )
    .await;
    let e = client(&base, TOKEN, &zones).occupancy(&known(&zones)).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "malformed answer: v2 locations: a next_cursor repeats; the server does not page"
    );
    let (_s, base) =
        stand("2026-11-18T10:05:00Z", &[("", 200, "locations_no_cursor.json")], &[]).await;
    let e = client(&base, TOKEN, &zones).occupancy(&known(&zones)).await.unwrap_err();
    assert_eq!(e.to_string(), "malformed answer: v2 locations: has_more without a next_cursor");
}
