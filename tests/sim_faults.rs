//! Each fault profile of the simulator, produced as specified, against the real server.

use std::time::{Duration, Instant};

use carrel::domain::api::{
    ApiError, EnvironmentResponse, LayoutResponse, SeatStatus, SeatsPage, ServicePointsResponse,
};
use carrel::sim::{FaultPlan, SimConfig, SimHandle, start};
use chrono::DateTime;
use serde_json::Value;

async fn sim(seed: u64, faults: &str) -> SimHandle {
    let config = SimConfig {
        speed: 0.0,
        start: DateTime::parse_from_rfc3339("2026-11-18T11:00:00Z")
            .expect("an RFC 3339 time")
            .to_utc(),
        faults: faults.parse().expect("a fault plan"),
        ..SimConfig::new(seed)
    };
    let loopback = "127.0.0.1:0".parse().expect("a socket address");
    start(config, loopback).await.expect("the simulator starts")
}

async fn get(s: &SimHandle, path: &str) -> (u16, Vec<u8>) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", s.base_url()))
        .send()
        .await
        .expect("the simulator answers");
    (r.status().as_u16(), r.bytes().await.expect("a body").to_vec())
}

fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok()
}

#[tokio::test]
async fn errors_hit_about_forty_percent_with_api_error_bodies() {
    let s = sim(1, "errors").await;
    let mut failed = 0;
    for _ in 0..60 {
        let (status, body) = get(&s, "/v1/environment").await;
        if status >= 500 {
            failed += 1;
            assert!([500, 502, 503].contains(&status));
            serde_json::from_slice::<ApiError>(&body).unwrap();
        } else {
            serde_json::from_slice::<EnvironmentResponse>(&body).unwrap();
        }
    }
    assert!((12..=36).contains(&failed), "{failed} of 60 failed");
    // Targeted at one API, the other is spared.
    s.set_faults("recs:errors".parse().unwrap());
    for _ in 0..20 {
        assert_eq!(get(&s, "/v1/environment").await.0, 200);
    }
    let mut recs_failed = 0;
    for _ in 0..20 {
        if get(&s, "/v1/model").await.0 >= 500 {
            recs_failed += 1;
        }
    }
    assert!(recs_failed > 0);
    s.set_faults(FaultPlan::none());
    assert_eq!(get(&s, "/v1/model").await.0, 200);
    s.shutdown().await;
}

#[tokio::test]
async fn fault_decisions_repeat_for_a_seed() {
    let outcomes = |s: SimHandle| async move {
        let mut seen = Vec::new();
        for _ in 0..30 {
            let (status, body) = get(&s, "/v1/service-points").await;
            seen.push((status, is_json(&body), body.len()));
        }
        s.shutdown().await;
        seen
    };
    let a = outcomes(sim(2, "errors,malformed,truncated").await).await;
    let b = outcomes(sim(2, "errors,malformed,truncated").await).await;
    assert_eq!(a, b);
    assert!(a.iter().any(|o| o.0 == 200 && o.1));
    assert!(a.iter().any(|o| !o.1));
}

#[tokio::test]
async fn malformed_and_truncated_bodies() {
    let s = sim(3, "none").await;
    let (_, whole) = get(&s, "/v1/layout").await;
    for (plan, path) in [("malformed", "/v1/service-points"), ("truncated", "/v1/layout")] {
        s.set_faults(plan.parse().unwrap());
        let mut broken = 0;
        for _ in 0..40 {
            let (status, body) = get(&s, path).await;
            assert_eq!(status, 200, "{plan}");
            if is_json(&body) {
                continue;
            }
            broken += 1;
            if plan == "truncated" {
                assert!(body.len() < whole.len());
                assert_eq!(body[..], whole[..body.len()], "a cut, not a change");
            }
        }
        assert!((4..=22).contains(&broken), "{plan}: {broken} of 40");
    }
    s.shutdown().await;
}

#[tokio::test]
async fn hostile_strings_carry_escapes() {
    let s = sim(4, "hostile").await;
    let (status, body) = get(&s, "/v1/layout").await;
    assert_eq!(status, 200);
    let layout: LayoutResponse = serde_json::from_slice(&body).unwrap();
    let names: Vec<&str> = layout
        .floors
        .iter()
        .flat_map(|f| &f.zones)
        .flat_map(|z| z.seats.iter().map(|s| s.label.as_str()).chain([z.name.as_str()]))
        .collect();
    let with = |pred: &dyn Fn(&str) -> bool| names.iter().filter(|n| pred(n)).count();
    assert!(with(&|n| n.contains('\u{1b}')) > 10);
    assert!(with(&|n| n.contains('\u{202e}')) > 0);
    assert!(with(&|n| n.chars().count() > 1000) > 0);
    assert!(with(&|n| n.contains('\u{200d}')) > 0);
    assert!(with(&|n| !n.chars().any(char::is_control)) > 10, "some stay clean");
    let points: ServicePointsResponse =
        serde_json::from_slice(&get(&s, "/v1/service-points").await.1).unwrap();
    assert!(points.staff_on_duty.iter().any(|l| l.chars().any(char::is_control)));
    s.shutdown().await;
}

#[tokio::test]
async fn bad_records_spoil_some_records_only() {
    let s = sim(5, "bad-records").await;
    let (status, body) = get(&s, "/v1/seats").await;
    assert_eq!(status, 200);
    let page: SeatsPage<Value> = serde_json::from_slice(&body).unwrap();
    let bad = page
        .seats
        .iter()
        .filter(|r| serde_json::from_value::<SeatStatus>((*r).clone()).is_err())
        .count();
    assert!((20..=120).contains(&bad), "{bad} of 600 bad");
    let env: EnvironmentResponse<Value> =
        serde_json::from_slice(&get(&s, "/v1/environment").await.1).unwrap();
    // Every zone still has a record, valid or not.
    assert_eq!(env.readings.len(), 12);
    s.shutdown().await;
}

#[tokio::test]
async fn latency_and_hangs_do_not_stall_the_simulator() {
    let s = sim(6, "latency").await;
    let t = Instant::now();
    assert_eq!(get(&s, "/v1/model").await.0, 200);
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(200) && took < Duration::from_millis(3500), "{took:?}");

    s.set_faults("sensor:timeout".parse().unwrap());
    let impatient =
        reqwest::Client::builder().timeout(Duration::from_millis(1500)).build().unwrap();
    let (mut hung, mut answered) = (0, 0);
    for _ in 0..12 {
        match impatient.get(format!("{}/v1/service-points", s.base_url())).send().await {
            Ok(r) => {
                assert_eq!(r.status().as_u16(), 200);
                answered += 1;
            }
            Err(e) => {
                assert!(e.is_timeout());
                hung += 1;
                // While that request hangs, the other API answers at once.
                let t = Instant::now();
                assert_eq!(get(&s, "/v1/model").await.0, 200);
                assert!(t.elapsed() < Duration::from_secs(1));
            }
        }
    }
    assert!(hung > 0 && answered > hung, "{hung} hung, {answered} answered");
    s.shutdown().await;
}

#[tokio::test]
async fn oversized_bodies_are_streamed_and_harmless() {
    let s = sim(7, "recs:oversized").await;
    let client = reqwest::Client::new();
    let mut huge = 0;
    for _ in 0..12 {
        let mut r = client.get(format!("{}/v1/catalog", s.base_url())).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let mut total = 0usize;
        let mut head = Vec::new();
        while let Some(chunk) = r.chunk().await.unwrap() {
            if head.len() < 16 {
                head.extend_from_slice(&chunk[..chunk.len().min(16)]);
            }
            total += chunk.len();
        }
        if total >= 64 << 20 {
            huge += 1;
            assert!(head.starts_with(b"{\"padding\":["));
        } else {
            assert!(total < 1 << 20);
        }
        let t = Instant::now();
        assert_eq!(get(&s, "/v1/environment").await.0, 200);
        assert!(t.elapsed() < Duration::from_secs(1));
    }
    assert!((1..=9).contains(&huge), "{huge} of 12 oversized");
    s.shutdown().await;
}

#[tokio::test]
async fn chaos_mixes_the_faults() {
    let s = sim(8, "chaos").await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..60 {
        let (client, url) = (client.clone(), format!("{}/v1/seats", s.base_url()));
        tasks.spawn(async move {
            match client.get(url).send().await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    match r.bytes().await {
                        Ok(b) => (status, serde_json::from_slice::<SeatsPage<Value>>(&b).is_ok()),
                        Err(_) => (status, false),
                    }
                }
                Err(_) => (0, false),
            }
        });
    }
    let outcomes = tasks.join_all().await;
    let clean = outcomes.iter().filter(|o| **o == (200, true)).count();
    assert!((20..60).contains(&clean), "{clean} of 60 clean");
    s.shutdown().await;
}
