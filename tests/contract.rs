//! The contract between the simulator, the wire types and `assets/api/openapi.yaml`:
//!
//! - every body the simulator sends parses into the `domain::api` types and serialises back to
//!   exactly the same JSON, so it sends no field the types lack;
//! - the OpenAPI file lists exactly the (method, path) pairs the simulator serves;
//! - every schema in the file has exactly the properties the types serialise, and the enums the
//!   same values.

use std::collections::{BTreeMap, BTreeSet};

use carrel::domain::api::{
    ApiError, ArrivalsResponse, CatalogPage, EnvironmentResponse, LayoutResponse, ModelInfo,
    RecommendationsResponse, SeatStatus, SeatsPage, ServicePointChange, ServicePointDto,
    ServicePointsResponse,
};
use carrel::domain::layout::{SeatState, SensorHealth, ZoneKind};
use carrel::domain::pseudonym::pseudonym;
use carrel::sim::{ROUTES, SimConfig, SimHandle, patrons, start};
use chrono::DateTime;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const OPENAPI: &str = include_str!("../assets/api/openapi.yaml");

async fn send(sim: &SimHandle, method: &str, path: &str, body: &str) -> (u16, Vec<u8>) {
    let url = format!("{}{path}", sim.base_url());
    let client = reqwest::Client::new();
    let request = match method {
        "POST" => client.post(url).header("content-type", "application/json").body(body.to_owned()),
        _ => client.get(url),
    };
    let r = request.send().await.expect("the simulator answers");
    (r.status().as_u16(), r.bytes().await.expect("a body").to_vec())
}

/// Parses `body` as `T` and checks that `T` serialises back to the very same JSON.
fn round_trip<T: DeserializeOwned + Serialize>(what: &str, body: &[u8]) -> Value {
    let raw: Value = serde_json::from_slice(body).expect("a JSON body");
    let typed: T = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{what} does not parse as its type: {e}"));
    let again = serde_json::to_value(&typed).expect("serialisable");
    assert_eq!(raw, again, "{what} carries fields its type lacks, or differs");
    raw
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// Bodies of every endpoint, by schema name, from a live simulator.
async fn samples() -> BTreeMap<&'static str, Value> {
    // 12:15 on a weekday: a busy library, circ-4 closed and staff free to open it.
    let config = SimConfig {
        speed: 0.0,
        start: DateTime::parse_from_rfc3339("2026-11-18T12:15:00Z")
            .expect("an RFC 3339 time")
            .to_utc(),
        ..SimConfig::new(21)
    };
    let key = config.site_key.clone();
    let sim = start(config, "127.0.0.1:0".parse().expect("an address"))
        .await
        .expect("the simulator starts");
    let mut s = BTreeMap::new();
    let get = |path: &'static str| send(&sim, "GET", path, "");

    let layout = round_trip::<LayoutResponse>("layout", &get("/v1/layout").await.1);
    let floor = layout["floors"][0].clone();
    s.insert("ZoneDto", floor["zones"][0].clone());
    s.insert("SeatDto", floor["zones"][0]["seats"][0].clone());
    s.insert("FloorDto", floor);
    s.insert("LayoutResponse", layout);

    let seats = round_trip::<SeatsPage>("seats", &get("/v1/seats").await.1);
    let cursor = seats["cursor"].as_str().expect("a cursor").to_owned();
    let (_, changes) = send(&sim, "GET", &format!("/v1/seats?since={cursor}"), "").await;
    round_trip::<SeatsPage>("seat changes", &changes);
    let away = seats["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .find(|r| r["state"] == "away")
        .expect("an away seat")["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let (status, released) = send(&sim, "POST", &format!("/v1/seats/{away}/release"), "").await;
    assert_eq!(status, 200);
    s.insert("SeatStatus", round_trip::<SeatStatus>("release", &released));
    s.insert("SeatsPage", seats);

    let env = round_trip::<EnvironmentResponse>("environment", &get("/v1/environment").await.1);
    s.insert("ZoneReading", env["readings"][0].clone());
    s.insert("EnvironmentResponse", env);

    let points =
        round_trip::<ServicePointsResponse>("service points", &get("/v1/service-points").await.1);
    let staffed: BTreeSet<&str> = points["service_points"]
        .as_array()
        .expect("windows")
        .iter()
        .filter_map(|p| p["staff"].as_str())
        .collect();
    let free = points["staff_on_duty"]
        .as_array()
        .expect("staff")
        .iter()
        .filter_map(Value::as_str)
        .find(|l| !staffed.contains(l))
        .expect("someone free")
        .to_owned();
    let change = json!({"open": true, "staff": free}).to_string();
    let (status, changed) = send(&sim, "POST", "/v1/service-points/circ-4", &change).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&changed));
    s.insert("ServicePointDto", round_trip::<ServicePointDto>("change", &changed));
    s.insert("ServicePointsResponse", points);
    let both = ServicePointChange { open: Some(true), staff: Some(Some("ana".into())) };
    s.insert("ServicePointChange", serde_json::to_value(both).expect("serialisable"));

    let arrivals = round_trip::<ArrivalsResponse>(
        "arrivals",
        &get("/v1/arrivals?from=2026-11-17T08:00:00Z&to=2026-11-17T12:00:00Z&step=900").await.1,
    );
    let served = arrivals["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .find(|b| b["mean_wait_s"].is_number())
        .expect("a bucket with service")
        .clone();
    s.insert("ArrivalBucketDto", served);
    s.insert("ArrivalsResponse", arrivals);

    let patron = patrons(21)
        .into_iter()
        .find(|p| p.consents_to_recommendations)
        .expect("a consenting patron");
    let path = format!("/v1/recommendations/{}?k=3", pseudonym(&key, &patron.card));
    let (status, recs) = send(&sim, "GET", &path, "").await;
    assert_eq!(status, 200);
    let recs = round_trip::<RecommendationsResponse>("recommendations", &recs);
    s.insert("RecommendationDto", recs["items"][0].clone());
    s.insert("RecommendationsResponse", recs);

    s.insert("ModelInfo", round_trip::<ModelInfo>("model", &get("/v1/model").await.1));
    let catalog = round_trip::<CatalogPage>("catalog", &get("/v1/catalog?limit=5").await.1);
    let (_, next) = send(
        &sim,
        "GET",
        &format!("/v1/catalog?since={}", catalog["cursor"].as_str().expect("a cursor")),
        "",
    )
    .await;
    round_trip::<CatalogPage>("next catalog page", &next);
    s.insert("CatalogItemDto", catalog["items"][0].clone());
    s.insert("CatalogPage", catalog);

    let (status, missing) = get("/v1/seats/F0-Z1-S001").await;
    assert_eq!(status, 404);
    let error = round_trip::<ApiError>("error", &missing);
    s.insert("ApiErrorBody", error["error"].clone());
    s.insert("ApiError", error);

    sim.shutdown().await;
    s
}

fn openapi() -> Value {
    serde_yaml_ng::from_str(OPENAPI).expect("openapi.yaml is YAML")
}

#[tokio::test]
async fn bodies_match_the_types_and_the_schemas() {
    let samples = samples().await;
    let spec = openapi();
    let schemas = spec["components"]["schemas"].as_object().expect("components/schemas");
    let enums: BTreeMap<&str, Vec<&str>> = BTreeMap::from([
        ("ZoneKind", ZoneKind::ALL.iter().map(|k| k.as_str()).collect()),
        ("SeatState", SeatState::ALL.iter().map(|k| k.as_str()).collect()),
        (
            "SensorHealth",
            [SensorHealth::Ok, SensorHealth::Degraded, SensorHealth::Offline]
                .iter()
                .map(|k| k.as_str())
                .collect(),
        ),
    ]);
    let named: BTreeSet<&str> = samples.keys().chain(enums.keys()).copied().collect();
    let listed: BTreeSet<&str> = schemas.keys().map(String::as_str).collect();
    assert_eq!(named, listed, "every schema is checked, every type has a schema");

    for (name, sample) in &samples {
        let schema = &schemas[*name];
        let properties = keys(&schema["properties"]);
        assert_eq!(properties, keys(sample), "properties of {name}");
        if *name != "ServicePointChange" {
            let required: BTreeSet<String> = schema["required"]
                .as_array()
                .unwrap_or_else(|| panic!("{name} lists its required properties"))
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            assert_eq!(required, properties, "{name}: every property is always sent");
        }
    }
    for (name, values) in enums {
        let listed: Vec<&str> = schemas[name]["enum"]
            .as_array()
            .expect("an enum")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(listed, values, "values of {name}");
    }
}

#[tokio::test]
async fn the_file_lists_exactly_the_routes_served() {
    let spec = openapi();
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let served: BTreeSet<(String, String)> =
        ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    assert_eq!(documented, served);

    // And each listed route is really served: neither an unknown path nor a wrong method.
    let sim = start(
        SimConfig { speed: 0.0, ..SimConfig::new(1) },
        "127.0.0.1:0".parse().expect("an address"),
    )
    .await
    .expect("the simulator starts");
    for (method, path) in ROUTES {
        let concrete = path.replace("{id}", "x").replace("{pseudonym}", &"0".repeat(64));
        let (status, body) = send(&sim, method, &concrete, "{}").await;
        let code =
            serde_json::from_slice::<ApiError>(&body).map(|e| e.error.code).unwrap_or_default();
        assert!(status != 405 && code != "unknown_path", "{method} {path}: {status} {code}");
    }
    sim.shutdown().await;
}
