//! The simulator over HTTP: determinism, sizes, cursors, actions, auth and the recommendation
//! API, against the real server on a loopback port.

use std::time::{Duration, Instant};

use carrel::domain::api::{
    ApiError, ArrivalsResponse, LayoutResponse, RecommendationsResponse, SeatStatus, SeatsPage,
    ServicePointDto, ServicePointsResponse,
};
use carrel::domain::layout::SeatState;
use carrel::domain::pseudonym::pseudonym;
use carrel::sim::{SimConfig, SimHandle, patrons, start};
use chrono::{DateTime, Utc};

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).expect("an RFC 3339 time").to_utc()
}

/// A library frozen at a weekday time, so that answers do not move under the test.
fn frozen(seed: u64, t: &str) -> SimConfig {
    SimConfig { speed: 0.0, start: at(t), ..SimConfig::new(seed) }
}

async fn sim(config: SimConfig) -> SimHandle {
    let loopback = "127.0.0.1:0".parse().expect("a socket address");
    start(config, loopback).await.expect("the simulator starts")
}

async fn get(sim: &SimHandle, path: &str) -> (u16, Vec<u8>) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .send()
        .await
        .expect("the simulator answers");
    (r.status().as_u16(), r.bytes().await.expect("a body").to_vec())
}

async fn post(sim: &SimHandle, path: &str, body: &str) -> (u16, Vec<u8>) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("the simulator answers");
    (r.status().as_u16(), r.bytes().await.expect("a body").to_vec())
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> T {
    serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&body[..body.len().min(300)]))
    })
}

fn error_code(body: &[u8]) -> String {
    parse::<ApiError>(body).error.code
}

const PATHS: [&str; 7] = [
    "/v1/layout",
    "/v1/seats",
    "/v1/environment",
    "/v1/service-points",
    "/v1/arrivals?from=2026-11-11T00:00:00Z&to=2026-11-18T11:00:00Z&step=900",
    "/v1/model",
    "/v1/catalog?limit=50",
];

#[tokio::test]
async fn two_sims_with_the_same_seed_and_start_answer_identically() {
    let a = sim(frozen(5, "2026-11-18T11:00:00Z")).await;
    let b = sim(frozen(5, "2026-11-18T11:00:00Z")).await;
    let c = sim(frozen(6, "2026-11-18T11:00:00Z")).await;
    for path in PATHS {
        let (sa, ba) = get(&a, path).await;
        let (sb, bb) = get(&b, path).await;
        assert_eq!((sa, &ba), (sb, &bb), "{path}");
        assert_eq!(sa, 200, "{path}");
    }
    assert_ne!(get(&a, "/v1/seats").await, get(&c, "/v1/seats").await);
    for s in [a, b, c] {
        s.shutdown().await;
    }
}

#[tokio::test]
async fn seat_counts_ids_and_the_clock() {
    let s = sim(frozen(1, "2026-11-18T11:00:00Z")).await;
    let layout: LayoutResponse = parse(&get(&s, "/v1/layout").await.1);
    let seats: Vec<_> =
        layout.floors.iter().flat_map(|f| &f.zones).flat_map(|z| &z.seats).collect();
    assert_eq!(seats.len(), 600);
    assert_eq!(layout.floors.len(), 3);
    let page: SeatsPage = parse(&get(&s, "/v1/seats").await.1);
    assert_eq!(page.seats.len(), 600);
    assert_eq!(page.generated_at, at("2026-11-18T11:00:00Z"));
    assert_eq!(s.now(), at("2026-11-18T11:00:00Z"));
    assert!(s.base_url().starts_with("http://127.0.0.1:"));
    s.shutdown().await;

    let started = Instant::now();
    let big =
        sim(SimConfig { seats: 20_000, speed: 600.0, ..frozen(2, "2026-11-18T11:00:00Z") }).await;
    let (status, body) = get(&big, "/v1/seats").await;
    assert_eq!(status, 200);
    assert_eq!(parse::<SeatsPage>(&body).seats.len(), 20_000);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let page: SeatsPage = parse(&get(&big, "/v1/seats").await.1);
    assert!(page.generated_at >= at("2026-11-18T11:10:00Z"), "time runs at 600x");
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    big.shutdown().await;

    let none =
        start(SimConfig { seats: 19, ..SimConfig::new(1) }, "127.0.0.1:0".parse().unwrap()).await;
    assert!(none.is_err());
}

#[tokio::test]
async fn cursors_return_only_changes() {
    let s = sim(SimConfig { speed: 600.0, start: at("2026-11-18T10:00:00Z"), ..SimConfig::new(3) })
        .await;
    let full: SeatsPage = parse(&get(&s, "/v1/seats").await.1);
    assert!(full.full);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let changes: SeatsPage = parse(&get(&s, &format!("/v1/seats?since={}", full.cursor)).await.1);
    assert!(!changes.full);
    assert!(!changes.seats.is_empty() && changes.seats.len() < 600);
    for seat in &changes.seats {
        let before = full.seats.iter().find(|b| b.id == seat.id).unwrap();
        assert_ne!(before, seat, "{} is in the changes but did not change", seat.id);
    }
    let stranger: SeatsPage = parse(&get(&s, "/v1/seats?since=not-a-cursor").await.1);
    assert!(stranger.full && stranger.seats.len() == 600);
    s.shutdown().await;
}

#[tokio::test]
async fn releasing_seats() {
    let s = sim(frozen(4, "2026-11-18T11:00:00Z")).await;
    let page: SeatsPage = parse(&get(&s, "/v1/seats").await.1);
    let away = page.seats.iter().find(|x| x.state == SeatState::Away).unwrap();
    let occupied = page.seats.iter().find(|x| x.state == SeatState::Occupied).unwrap();
    let (status, body) = post(&s, &format!("/v1/seats/{}/release", away.id), "").await;
    assert_eq!(status, 200);
    let released: SeatStatus = parse(&body);
    assert_eq!((released.id.as_str(), released.state), (away.id.as_str(), SeatState::Free));
    let (status, body) = post(&s, &format!("/v1/seats/{}/release", away.id), "").await;
    assert_eq!((status, error_code(&body).as_str()), (409, "not_away"));
    let (status, _) = post(&s, &format!("/v1/seats/{}/release", occupied.id), "").await;
    assert_eq!(status, 409);
    let (status, body) = post(&s, "/v1/seats/F9-Z9-S999/release", "").await;
    assert_eq!((status, error_code(&body).as_str()), (404, "unknown_seat"));
    let after: SeatsPage = parse(&get(&s, &format!("/v1/seats?since={}", page.cursor)).await.1);
    assert_eq!(after.seats, vec![released]);
    s.shutdown().await;
}

#[tokio::test]
async fn changing_service_points() {
    // 12:15 on a weekday: circulation runs three of four windows, seven staff are on duty.
    let s = sim(frozen(5, "2026-11-18T12:15:00Z")).await;
    let points: ServicePointsResponse = parse(&get(&s, "/v1/service-points").await.1);
    let busy = points.service_points[0].staff.clone().unwrap();
    let free = points
        .staff_on_duty
        .iter()
        .find(|l| !points.service_points.iter().any(|p| p.staff.as_ref() == Some(l)))
        .unwrap()
        .clone();
    let cases = [
        ("circ-4", r#"{"open":true}"#, 409),
        ("circ-4", r#"{"open":true,"staff":"fay"}"#, 409),
        ("circ-4", &format!(r#"{{"open":true,"staff":"{busy}"}}"#), 409),
        ("circ-1", r#"{"staff":null}"#, 409),
        ("circ-4", r#"{"open":tru"#, 400),
        ("circ-4", "", 400),
        ("circ-4", r#"{"open":"yes"}"#, 422),
        // `open` is a boolean: absent leaves the window as it is, null is no value at all.
        ("circ-4", r#"{"open":null}"#, 422),
        ("circ-4", r#"{"open":null,"staff":"fay"}"#, 422),
        ("circ-4", r#"{"opened":true}"#, 422),
        ("circ-9", r#"{"open":true}"#, 404),
    ];
    for (id, body, want) in cases {
        let (status, answer) = post(&s, &format!("/v1/service-points/{id}"), body).await;
        assert_eq!(status, want, "{id} {body}: {}", String::from_utf8_lossy(&answer));
        parse::<ApiError>(&answer);
    }
    let body = format!(r#"{{"open":true,"staff":"{free}"}}"#);
    let (status, answer) = post(&s, "/v1/service-points/circ-4", &body).await;
    assert_eq!(status, 200);
    let opened: ServicePointDto = parse(&answer);
    assert!(opened.open);
    assert_eq!(opened.staff, Some(free));
    let (status, answer) = post(&s, "/v1/service-points/circ-1", r#"{"open":false}"#).await;
    assert_eq!(status, 200);
    let closed: ServicePointDto = parse(&answer);
    assert!(!closed.open && closed.staff.is_none() && closed.queue_length == 0);
    s.shutdown().await;
}

#[tokio::test]
async fn bearer_tokens_guard_each_api() {
    let s = sim(SimConfig {
        sensor_token: Some("sensor-secret".into()),
        recs_token: Some("recs-secret".into()),
        ..frozen(6, "2026-11-18T11:00:00Z")
    })
    .await;
    let client = reqwest::Client::new();
    let call = |path: &str, token: Option<&str>| {
        let mut req = client.get(format!("{}{path}", s.base_url()));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    for (path, good, bad) in [
        ("/v1/layout", "sensor-secret", "recs-secret"),
        ("/v1/model", "recs-secret", "sensor-secret"),
    ] {
        let none = call(path, None).await.unwrap();
        assert_eq!(none.status().as_u16(), 401, "{path}");
        assert!(none.headers().contains_key("www-authenticate"));
        assert_eq!(error_code(&none.bytes().await.unwrap()), "unauthorized");
        assert_eq!(call(path, Some(bad)).await.unwrap().status().as_u16(), 401);
        assert_eq!(call(path, Some(good)).await.unwrap().status().as_u16(), 200);
    }
    s.shutdown().await;
}

#[tokio::test]
async fn recommendations_respect_consent() {
    let config = frozen(7, "2026-11-18T11:00:00Z");
    let key = config.site_key.clone();
    let s = sim(config).await;
    let people = patrons(7);
    let yes = people.iter().find(|p| p.consents_to_recommendations).unwrap();
    let no = people.iter().find(|p| !p.consents_to_recommendations).unwrap();
    let (status, body) =
        get(&s, &format!("/v1/recommendations/{}?k=5", pseudonym(&key, &yes.card))).await;
    assert_eq!(status, 200);
    let recs: RecommendationsResponse = parse(&body);
    assert_eq!(recs.items.len(), 5);
    assert_eq!(recs.pseudonym, pseudonym(&key, &yes.card));
    let (status, body) =
        get(&s, &format!("/v1/recommendations/{}", pseudonym(&key, &yes.card))).await;
    assert_eq!((status, parse::<RecommendationsResponse>(&body).items.len()), (200, 10));
    let cases = [
        (pseudonym(&key, &no.card), "", 451),
        (pseudonym(b"another site", &yes.card), "", 404),
        ("not-a-pseudonym".to_owned(), "", 400),
        (pseudonym(&key, &yes.card).to_uppercase(), "", 400),
        (pseudonym(&key, &yes.card), "?k=0", 400),
        (pseudonym(&key, &yes.card), "?k=51", 400),
        (pseudonym(&key, &yes.card), "?k=ten", 400),
    ];
    for (who, query, want) in cases {
        let (status, body) = get(&s, &format!("/v1/recommendations/{who}{query}")).await;
        assert_eq!(status, want, "{who}{query}");
        parse::<ApiError>(&body);
    }
    s.shutdown().await;
}

#[tokio::test]
async fn arrivals_and_strange_requests() {
    let s = sim(frozen(8, "2026-11-18T11:00:00Z")).await;
    let eight_weeks = "/v1/arrivals?from=2026-09-23T00:00:00Z&to=2026-11-18T11:00:00Z&step=86400";
    let (status, body) = get(&s, eight_weeks).await;
    assert_eq!(status, 200);
    let days: ArrivalsResponse = parse(&body);
    assert_eq!(days.buckets.len(), 57 * 7);
    assert!(days.buckets.iter().all(|b| b.start < at("2026-11-18T11:00:00Z")));
    // `from` equal to `to` asks for the empty range [from, from): no bucket overlaps it, aligned
    // to a step or not. `from` after `to` is refused.
    for t in ["2026-11-17T10:00:00Z", "2026-11-17T10:07:00Z"] {
        let (status, body) = get(&s, &format!("/v1/arrivals?from={t}&to={t}&step=900")).await;
        assert_eq!(status, 200, "{t}: {}", String::from_utf8_lossy(&body));
        let none: ArrivalsResponse = parse(&body);
        assert_eq!((none.from, none.to, none.buckets.len()), (at(t), at(t), 0), "{t}");
    }
    let bad = [
        "/v1/arrivals",
        "/v1/arrivals?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&step=30",
        "/v1/arrivals?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&step=100000",
        "/v1/arrivals?from=2025-01-01T00:00:00Z&to=2026-11-02T00:00:00Z&step=60",
        "/v1/arrivals?from=2026-11-02T00:00:00Z&to=2026-11-01T23:59:59Z",
        "/v1/catalog?limit=0",
        "/v1/catalog?limit=2001",
    ];
    for path in bad {
        let (status, body) = get(&s, path).await;
        assert_eq!((status, error_code(&body).as_str()), (400, "bad_request"), "{path}");
    }
    let (status, body) = get(&s, "/v1/nothing-here").await;
    assert_eq!((status, error_code(&body).as_str()), (404, "unknown_path"));
    let (status, body) = post(&s, "/v1/layout", "{}").await;
    assert_eq!((status, error_code(&body).as_str()), (405, "method_not_allowed"));
    s.shutdown().await;
}
