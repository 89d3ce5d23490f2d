//! The Occuspace adapter against the simulator's Occuspace flavour: the head counts it gives
//! are the seats taken per zone that the simulator's own API reports, with each zone's seats as
//! its capacity; v2 pages by cursor and refuses without the token; `carrel sync --once` with
//! `[feeds.occuspace]` beside `[feeds.sensor]` stores them, `carrel seats --json` shows them and
//! `carrel status` names occuspace as their source; faults reach the flavour's routes.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use carrel::config::{OccuspaceSettings, Secret};
use carrel::domain::api::{LayoutResponse, SeatsPage};
use carrel::feeds::occuspace::OccuspaceClient;
use carrel::sim::flavors::occuspace::{BUILDING, token, zones};
use carrel::sim::{Fault, FaultPlan, Flavor, SimConfig, SimHandle, start};
use serde_json::Value;

/// A frozen library on a busy weekday morning, speaking Occuspace too.
fn config() -> SimConfig {
    SimConfig {
        speed: 0.0,
        start: common::busy_morning(),
        flavors: vec![Flavor::Occuspace],
        ..SimConfig::new(44)
    }
}

async fn sim(config: SimConfig) -> SimHandle {
    start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

fn client(sim: &SimHandle, token: &str, zones: Vec<(u64, String)>) -> OccuspaceClient {
    OccuspaceClient::new(&OccuspaceSettings {
        url: format!("{}/occuspace", sim.base_url()).parse().unwrap(),
        token: Secret::new(token),
        token_origin: "test".into(),
        zones,
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(20),
        max_body_bytes: 4 << 20,
    })
    .unwrap()
}

async fn get(url: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap_or(Value::Null))
}

/// Each zone's seats taken and its seats, by the own API.
async fn taken(sim: &SimHandle) -> HashMap<String, (u32, u32)> {
    let base = sim.base_url();
    let layout: LayoutResponse =
        serde_json::from_value(get(&format!("{base}/v1/layout"), None).await.1).unwrap();
    let page: SeatsPage =
        serde_json::from_value(get(&format!("{base}/v1/seats"), None).await.1).unwrap();
    let state: HashMap<&str, bool> =
        page.seats.iter().map(|s| (s.id.as_str(), s.state.is_taken())).collect();
    layout
        .floors
        .iter()
        .flat_map(|f| f.zones.iter())
        .map(|z| {
            let n = z.seats.iter().filter(|s| state[s.id.as_str()]).count() as u32;
            (z.id.clone(), (n, z.seats.len() as u32))
        })
        .collect()
}

#[tokio::test]
async fn the_occuspace_flavour_counts_the_seats_the_own_api_reports_taken() {
    let config = config();
    let s = sim(config.clone()).await;
    let ours = taken(&s).await;
    let known: HashSet<String> = ours.keys().cloned().collect();
    let c = client(&s, &token(config.seed), zones(config.seats));
    let u = c.occupancy(&known).await.unwrap();
    assert!(u.rejected.is_empty(), "{:?}", u.rejected);
    assert_eq!(u.zones.len(), ours.len());
    let mut busy = 0;
    for z in &u.zones {
        let (count, seats) = ours[&z.zone_id];
        assert_eq!((z.count, z.capacity), (count, Some(seats)), "{}", z.zone_id);
        assert_eq!(z.at, s.now(), "the count's own time: the simulated now");
        busy += usize::from(count > 0);
    }
    assert!(busy > 0, "the morning has people in it");

    // A location of a zone the layout lacks is rejected by name; the rest still count.
    let (first_id, first_zone) = zones(config.seats)[0].clone();
    let mut fewer = known.clone();
    fewer.remove(&first_zone);
    let u = c.occupancy(&fewer).await.unwrap();
    assert_eq!(u.zones.len(), ours.len() - 1);
    assert_eq!(
        u.rejected.iter().map(|r| r.reason.as_str()).collect::<Vec<_>>(),
        [format!("location {first_id} counts zone {first_zone}, which is not in the layout")]
    );
    s.shutdown().await;
}

#[tokio::test]
async fn v2_pages_by_cursor_and_refuses_without_the_token() {
    let config = config();
    let s = sim(config.clone()).await;
    let base = format!("{}/occuspace", s.base_url());
    let bearer = token(config.seed);
    let mut url = format!("{base}/v2/locations?limit=5");
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let (status, page) = get(&url, Some(&bearer)).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        ids.extend(
            page["data"].as_array().unwrap().iter().map(|l| l["location_id"].as_u64().unwrap()),
        );
        let p = &page["pagination"];
        if p["has_more"] == false {
            assert!(p["next_cursor"].is_null(), "{p}");
            break;
        }
        url = format!("{base}/v2/locations?limit=5&cursor={}", p["next_cursor"].as_str().unwrap());
    }
    let zone_count = zones(config.seats).len();
    assert_eq!(ids.len(), zone_count + 1);
    assert_eq!(ids[0], BUILDING);
    assert_eq!(pages, (zone_count + 1).div_ceil(5));
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "no location twice");

    let (status, refused) = get(&format!("{base}/v2/locations"), None).await;
    assert_eq!(status, 401);
    assert_eq!(refused["title"], "Unauthorized");
    assert!(refused["request_id"].is_string(), "{refused}");
    let (status, bad) = get(&format!("{base}/v2/locations?cursor=nope"), Some(&bearer)).await;
    assert_eq!((status, bad["status"].as_u64()), (400, Some(400)));

    // The building's count is its zones' together.
    let (_, building) = get(&format!("{base}/v1/location/{BUILDING}/now"), Some(&bearer)).await;
    let children = building["data"]["childCounts"].as_array().unwrap();
    assert_eq!(children.len(), zone_count);
    let sum: u64 = children.iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert_eq!(building["data"]["count"].as_u64(), Some(sum));
    let (status, other) = get(&format!("{base}/v1/location/99999/now"), Some(&bearer)).await;
    assert_eq!(status, 401, "{other}");
    s.shutdown().await;
}

#[tokio::test]
async fn a_wrong_token_fails_the_fetch_and_faults_reach_the_flavour() {
    let config = config();
    let s = sim(config.clone()).await;
    let known: HashSet<String> = zones(config.seats).into_iter().map(|(_, z)| z).collect();
    let e = client(&s, "not-the-token", zones(config.seats)).occupancy(&known).await.unwrap_err();
    assert_eq!(e.to_string(), "HTTP 401: Unauthorized: a valid bearer token is required");

    let c = client(&s, &token(config.seed), zones(config.seats));
    s.set_faults(FaultPlan::none().with(None, Fault::Errors));
    let mut failed = 0;
    for _ in 0..10 {
        if let Err(e) = c.occupancy(&known).await {
            assert!(matches!(e.status(), Some(500 | 502 | 503)), "{e}");
            failed += 1;
        }
    }
    assert!(failed > 0, "no fetch failed");
    s.shutdown().await;
}

#[test]
fn sync_once_then_seats_and_status_show_the_flavour_s_head_counts() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = config();
    let s = rt.block_on(sim(config.clone()));
    let token_file = dir.path().join("occuspace.token");
    std::fs::write(&token_file, format!("{}\n", token(config.seed))).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut toml = format!(
        "[feeds.sensor]\nurl = \"{url}\"\n\n[feeds.occuspace]\nurl = \"{url}/occuspace\"\n\
         token_file = \"occuspace.token\"\n\n[feeds.occuspace.zones]\n",
        url = s.base_url()
    );
    for (id, zone) in zones(config.seats) {
        toml.push_str(&format!("{id} = \"{zone}\"\n"));
    }
    let run = common::configured_site(dir.path(), &toml);
    let out = run(&["sync", "--once", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let synced: Value = serde_json::from_slice(&out.stdout).unwrap();
    let feed = common::synced_feed(&synced, "sensor.occupancy");
    assert_eq!(feed["source"], "occuspace", "{synced}");
    assert!(feed["error"].is_null() && feed["quarantined"] == 0, "{feed}");

    let status: Value = serde_json::from_slice(&run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(status["sources"]["occupancy"], "occuspace", "{status}");
    assert_eq!(status["sources"]["seats"], "carrel", "{status}");

    let out = run(&["seats", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seats: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours = rt.block_on(taken(&s));
    let counts = seats["head_counts"].as_array().unwrap();
    assert_eq!(counts.len(), ours.len(), "{seats}");
    for h in counts {
        let (count, capacity) = ours[h["zone_id"].as_str().unwrap()];
        assert_eq!(
            (h["count"].as_u64(), h["capacity"].as_u64()),
            (Some(u64::from(count)), Some(u64::from(capacity))),
            "{h}"
        );
    }
    rt.block_on(s.shutdown());
}
