//! The SensorThings adapter against the simulator's SensorThings flavour: the comfort readings
//! it gives are those the simulator's own API reports, zone by zone; the flavour pages its
//! collections by `@iot.nextLink` and honours `$orderby` and `$top`; `carrel sync --once` with
//! `[feeds.sensorthings]` beside `[feeds.sensor]` stores the same readings and `carrel status`
//! names sensorthings as their source; faults reach the flavour's routes.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use carrel::config::{DatastreamTarget, SensorThingsSettings};
use carrel::domain::api::{EnvironmentResponse, LayoutResponse};
use carrel::domain::comfort::{Comfort, Measure};
use carrel::feeds::sensorthings::SensorThingsClient;
use carrel::sim::flavors::sensorthings::{HISTORY_MIN, ROOT, datastreams};
use carrel::sim::{Fault, FaultPlan, Flavor, SimConfig, SimHandle, start};
use carrel::store::{Store, StoreOptions};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use serde_json::Value;

/// A frozen library in Berlin at 12:10 local time on a weekday, speaking SensorThings too.
fn config() -> SimConfig {
    SimConfig {
        speed: 0.0,
        start: common::busy_morning() + chrono::Duration::minutes(10),
        timezone: Berlin,
        flavors: vec![Flavor::SensorThings],
        ..SimConfig::new(33)
    }
}

async fn sim(config: SimConfig) -> SimHandle {
    start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

/// The datastreams of every zone, but only temperature and CO2 for `partial`.
fn targets(config: &SimConfig, partial: &str) -> Vec<DatastreamTarget> {
    datastreams(config.seats)
        .into_iter()
        .filter(|(_, zone, m)| zone != partial || matches!(m, Measure::Temperature | Measure::Co2))
        .map(|(id, zone, measure)| DatastreamTarget { id: id.to_string(), zone, measure })
        .collect()
}

fn client(sim: &SimHandle, datastreams: Vec<DatastreamTarget>) -> SensorThingsClient {
    SensorThingsClient::new(&SensorThingsSettings {
        url: format!("{}{ROOT}", sim.base_url()).parse().unwrap(),
        token: None,
        token_origin: None,
        datastreams,
        max_age: Duration::from_secs(900),
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(20),
        max_body_bytes: 4 << 20,
    })
    .unwrap()
}

async fn get(url: &str) -> Value {
    let body = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&body).unwrap()
}

async fn own<T: serde::de::DeserializeOwned>(sim: &SimHandle, path: &str) -> T {
    serde_json::from_value(get(&format!("{}{path}", sim.base_url())).await).unwrap()
}

/// The own API's readings by zone, as `Comfort`s at their times.
fn by_zone(env: &EnvironmentResponse) -> HashMap<String, (DateTime<Utc>, Comfort)> {
    env.readings
        .iter()
        .map(|r| {
            let c = Comfort {
                temperature_c: Some(r.temperature_c),
                co2_ppm: Some(r.co2_ppm),
                light_lux: Some(r.light_lux),
                noise_db: Some(r.noise_db),
            };
            (r.zone_id.clone(), (r.at, c))
        })
        .collect()
}

#[tokio::test]
async fn the_sensorthings_flavour_agrees_with_the_simulator_s_own_api() {
    let config = config();
    let s = sim(config.clone()).await;
    let layout: LayoutResponse = own(&s, "/v1/layout").await;
    let env: EnvironmentResponse = own(&s, "/v1/environment").await;
    let zones: HashSet<String> =
        layout.floors.iter().flat_map(|f| f.zones.iter().map(|z| z.id.clone())).collect();
    let partial = layout.floors[1].zones[0].id.clone();
    let c = client(&s, targets(&config, &partial));

    let u = c.environment(&zones).await.unwrap();
    assert!(u.rejected.is_empty(), "{:?}", u.rejected);
    // The report time is the simulated clock, from the flavour's Date header.
    let ahead = u.generated_at - s.now();
    assert!(ahead >= chrono::Duration::zero() && ahead < chrono::Duration::minutes(1), "{ahead}");
    assert_eq!(u.samples.len(), zones.len());
    let ours = by_zone(&env);
    for sample in &u.samples {
        let (at, want) = ours[&sample.zone_id];
        assert_eq!(sample.at, at, "{}", sample.zone_id);
        if sample.zone_id == partial {
            let only = Comfort {
                temperature_c: want.temperature_c,
                co2_ppm: want.co2_ppm,
                ..Comfort::default()
            };
            assert_eq!(sample.comfort, only, "a zone with two sensors gives two measures");
        } else {
            assert_eq!(sample.comfort, want, "{}", sample.zone_id);
        }
    }

    // A datastream of a zone the layout lacks is rejected by name; the rest still read.
    let mut fewer = zones.clone();
    fewer.remove(&partial);
    let u = c.environment(&fewer).await.unwrap();
    assert_eq!(u.samples.len(), zones.len() - 1);
    assert_eq!(u.rejected.len(), 2);
    assert!(
        u.rejected[0].reason.ends_with(&format!("zone {partial} is not in the layout")),
        "{:?}",
        u.rejected
    );
    s.shutdown().await;
}

#[tokio::test]
async fn collections_page_by_next_link_and_honour_orderby_and_top() {
    let config = config();
    let s = sim(config.clone()).await;
    let root = format!("{}{ROOT}", s.base_url());
    let (first_id, zone, _) = datastreams(config.seats).into_iter().nth(1).unwrap();

    let mut url = format!("{root}/Datastreams({first_id})/Observations?$top=7&$count=true");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = get(&url).await;
        assert_eq!(page["@iot.count"], HISTORY_MIN);
        pages += 1;
        seen.extend(page["value"].as_array().unwrap().iter().cloned());
        match page["@iot.nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&root), "{next}");
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, (HISTORY_MIN as usize).div_ceil(7));
    assert_eq!(seen.len(), HISTORY_MIN as usize);
    let times: Vec<DateTime<Utc>> = seen
        .iter()
        .map(|o| {
            DateTime::parse_from_rfc3339(o["phenomenonTime"].as_str().unwrap()).unwrap().to_utc()
        })
        .collect();
    assert!(times.windows(2).all(|w| w[1] - w[0] == chrono::Duration::minutes(1)), "{times:?}");
    // Local times with Berlin's offset in November.
    assert!(seen[0]["phenomenonTime"].as_str().unwrap().ends_with("+01:00"), "{}", seen[0]);

    let newest = get(&format!(
        "{root}/Datastreams({first_id})/Observations?$orderby=phenomenonTime%20desc&$top=1"
    ))
    .await;
    let value = newest["value"].as_array().unwrap();
    assert_eq!(value.len(), 1);
    assert_eq!(value[0], seen[seen.len() - 1]);
    assert!(newest["@iot.nextLink"].as_str().unwrap().contains("$skip=1"), "{newest}");
    // The latest observation is the own API's reading of now.
    let env: EnvironmentResponse = own(&s, "/v1/environment").await;
    let reading = env.readings.iter().find(|r| r.zone_id == zone).unwrap();
    assert_eq!(value[0]["result"].as_f64(), Some(reading.co2_ppm));

    let ds = get(&format!("{root}/Datastreams?$top=10")).await;
    assert_eq!(ds["value"].as_array().unwrap().len(), 10);
    assert_eq!(ds["value"][1]["properties"]["quantity"], "co2");
    assert_eq!(ds["value"][1]["unitOfMeasurement"]["symbol"], "ppm");
    assert!(ds["@iot.nextLink"].as_str().unwrap().ends_with("$top=10&$skip=10"), "{ds}");
    let missing = get(&format!("{root}/Datastreams(999999)")).await;
    assert_eq!(missing["code"], 404);
    let refused = get(&format!("{root}/Datastreams?$filter=id%20eq%201")).await;
    assert_eq!(refused["code"], 400);
    s.shutdown().await;
}

#[tokio::test]
async fn faults_reach_the_flavour_s_routes() {
    let config = config();
    let s = sim(config.clone()).await;
    let c = client(&s, targets(&config, ""));
    let layout: LayoutResponse = own(&s, "/v1/layout").await;
    let zones: HashSet<String> =
        layout.floors.iter().flat_map(|f| f.zones.iter().map(|z| z.id.clone())).collect();
    s.set_faults(FaultPlan::none().with(None, Fault::Errors));
    let mut failed = 0;
    for _ in 0..10 {
        if let Err(e) = c.environment(&zones).await {
            assert!(matches!(e.status(), Some(500 | 502 | 503)), "{e}");
            failed += 1;
        }
    }
    assert!(failed > 0, "no fetch failed");
    s.shutdown().await;
}

#[test]
fn sync_once_stores_the_flavour_s_readings_and_status_names_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = config();
    let s = rt.block_on(sim(config.clone()));
    let mut toml = format!(
        "[feeds.sensor]\nurl = \"{url}\"\n\n[feeds.sensorthings]\nurl = \"{url}{ROOT}\"\n\n\
         [feeds.sensorthings.datastreams]\n",
        url = s.base_url()
    );
    for (id, zone, m) in datastreams(config.seats) {
        toml.push_str(&format!("{id} = {{ zone = \"{zone}\", quantity = \"{}\" }}\n", m.as_str()));
    }
    let run = common::configured_site(dir.path(), &toml);
    let out = run(&["sync", "--once", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let synced: Value = serde_json::from_slice(&out.stdout).unwrap();
    let env_feed = common::synced_feed(&synced, "sensor.environment");
    assert_eq!(env_feed["source"], "sensorthings", "{synced}");
    assert!(env_feed["error"].is_null(), "{env_feed}");

    let out = run(&["status", "--json"]);
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["sources"]["environment"], "sensorthings", "{status}");
    assert_eq!(status["sources"]["seats"], "carrel", "{status}");
    let feed = status["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["feed"] == "sensor.environment")
        .unwrap();
    assert_eq!(feed["source"], "sensorthings", "{feed}");
    assert_eq!(feed["quarantined_total"], 0, "{feed}");

    let env: EnvironmentResponse = rt.block_on(own(&s, "/v1/environment"));
    let ours = by_zone(&env);
    let store = Store::open(&dir.path().join("x.db"), StoreOptions::default()).unwrap();
    let stored = carrel::store::environment::latest(store.conn()).unwrap();
    assert_eq!(stored.len(), ours.len());
    for z in stored {
        let sample = z.latest.unwrap_or_else(|| panic!("no reading of {}", z.zone_id));
        assert_eq!((sample.at, sample.comfort), ours[&z.zone_id], "{}", z.zone_id);
    }
    rt.block_on(s.shutdown());
}
