//! The SensorThings adapter against recorded answers (`tests/fixtures/vendors/sensorthings/`,
//! sources in its README), served by a small SensorThings stand-in on a loopback port: times
//! as instants and intervals with offsets, a daylight-saving day, members missing, results as
//! text, paging by `@iot.nextLink` (and a link that leaves the service), units wrong, missing
//! or in °F, hostile strings, and errors as RFC 7807 problems and FROST-Server messages.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use carrel::config::{DatastreamTarget, Secret, SensorThingsSettings};
use carrel::domain::comfort::{Comfort, Measure, ZoneSample};
use carrel::domain::sanitize::is_unsafe_char;
use carrel::feeds::FetchError;
use carrel::feeds::sensorthings::SensorThingsClient;
use carrel::feeds::validate::EnvironmentUpdate;
use chrono::{DateTime, Utc};

const TOKEN: &str = "sta-fixture-token-Qw3";

fn fixture(name: &str) -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vendors/sensorthings");
    std::fs::read_to_string(path.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().to_utc()
}

/// A SensorThings stand-in: each path answers with its fixtures, the `n`th for `$skip=n`.
struct Stand {
    /// The `Date` of every answer.
    date: DateTime<Utc>,
    /// Path (`Datastreams(42)/Observations`) → (status, fixture) by `$skip`.
    routes: HashMap<String, Vec<(u16, &'static str)>>,
    /// Every request, as `path?query` decoded.
    seen: Mutex<Vec<String>>,
    /// Where the service root is, for `{root}` in the fixtures.
    root: Mutex<String>,
}

async fn serve(
    State(s): State<Arc<Stand>>,
    headers: HeaderMap,
    Path(path): Path<String>,
    uri: Uri,
) -> Response {
    let query: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    let shown: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    s.seen.lock().unwrap().push(format!("{path}?{}", shown.join("&")));
    let date = s.date.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let reply = |status: u16, name: &str| {
        let kind = if name == "error_problem.json" {
            "application/problem+json"
        } else {
            "application/json"
        };
        let body = fixture(name).replace("{root}", &s.root.lock().unwrap());
        (
            StatusCode::from_u16(status).unwrap(),
            [(header::CONTENT_TYPE, kind.to_owned()), (header::DATE, date.clone())],
            body,
        )
            .into_response()
    };
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        return reply(401, "error_unauthorized.json");
    }
    let skip: usize =
        query.iter().find(|(k, _)| k == "$skip").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    match s.routes.get(&path).and_then(|pages| pages.get(skip)) {
        Some((status, name)) => reply(*status, name),
        None => reply(404, "error_frost.json"),
    }
}

/// A running stand-in and its root URL.
async fn stand(date: &str, routes: &[(&str, &[(u16, &'static str)])]) -> (Arc<Stand>, String) {
    let s = Arc::new(Stand {
        date: at(date),
        routes: routes.iter().map(|(p, pages)| ((*p).to_owned(), pages.to_vec())).collect(),
        seen: Mutex::new(Vec::new()),
        root: Mutex::new(String::new()),
    });
    let app = Router::new().route("/v1.1/{*path}", get(serve)).with_state(Arc::clone(&s));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let root = format!("http://{}/v1.1", listener.local_addr().unwrap());
    *s.root.lock().unwrap() = root.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (s, root)
}

fn target(id: &str, zone: &str, measure: Measure) -> DatastreamTarget {
    DatastreamTarget { id: id.into(), zone: zone.into(), measure }
}

fn client(
    root: &str,
    token: Option<&str>,
    datastreams: Vec<DatastreamTarget>,
) -> SensorThingsClient {
    SensorThingsClient::new(&SensorThingsSettings {
        url: root.parse().unwrap(),
        token: token.map(Secret::new),
        token_origin: None,
        datastreams,
        max_age: Duration::from_secs(900),
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(10),
        max_body_bytes: 1 << 20,
    })
    .unwrap()
}

fn zones(ids: &[&str]) -> HashSet<String> {
    ids.iter().map(|z| (*z).to_owned()).collect()
}

fn reasons(u: &EnvironmentUpdate) -> Vec<&str> {
    u.rejected.iter().map(|r| r.reason.as_str()).collect()
}

#[tokio::test]
async fn instants_and_intervals_with_offsets_make_each_zone_s_reading() {
    let (s, root) = stand(
        "2026-11-18T10:05:00Z",
        &[
            ("Datastreams(42)", &[(200, "datastream_temperature.json")]),
            ("Datastreams(42)/Observations", &[(200, "observations_instant.json")]),
            ("Datastreams('th-7.co2')", &[(200, "datastream_co2.json")]),
            ("Datastreams('th-7.co2')/Observations", &[(200, "observations_interval.json")]),
            ("Datastreams(43)", &[(200, "datastream_light.json")]),
            ("Datastreams(43)/Observations", &[(200, "observations_text_result.json")]),
            ("Datastreams(44)", &[(200, "datastream_noise.json")]),
            ("Datastreams(44)/Observations", &[(200, "observations_minimal.json")]),
            ("Datastreams(45)", &[(200, "datastream_fahrenheit.json")]),
            ("Datastreams(45)/Observations", &[(200, "observations_fahrenheit.json")]),
        ],
    )
    .await;
    let c = client(
        &root,
        Some(TOKEN),
        vec![
            target("42", "F0-Z1", Measure::Temperature),
            target("th-7.co2", "F0-Z1", Measure::Co2),
            target("43", "F0-Z1", Measure::Light),
            target("44", "F0-Z2", Measure::Noise),
            target("45", "F1-Z1", Measure::Temperature),
        ],
    );
    let known = zones(&["F0-Z1", "F0-Z2", "F1-Z1"]);
    let u = c.environment(&known).await.unwrap();
    assert!(u.rejected.is_empty(), "{:?}", u.rejected);
    // The report time is the server's clock (its Date), not this machine's.
    let ahead = u.generated_at - at("2026-11-18T10:05:00Z");
    assert!(ahead >= chrono::Duration::zero() && ahead < chrono::Duration::minutes(1), "{ahead}");
    let f0z1 = ZoneSample {
        zone_id: "F0-Z1".into(),
        // The newest of the zone's observations (11:02 +01:00, 05:00 -05:00, 10:03:30 Z).
        at: at("2026-11-18T10:03:30Z"),
        comfort: Comfort {
            temperature_c: Some(21.4),
            co2_ppm: Some(612.0),
            light_lux: Some(487.0),
            noise_db: None,
        },
    };
    let f0z2 = ZoneSample {
        zone_id: "F0-Z2".into(),
        at: at("2026-11-18T10:04:00Z"),
        comfort: Comfort { noise_db: Some(41.5), ..Comfort::default() },
    };
    assert_eq!(u.samples[..2], [f0z1, f0z2]);
    assert_eq!(u.samples[2].zone_id, "F1-Z1");
    assert!((u.samples[2].comfort.temperature_c.unwrap() - 21.5).abs() < 1e-9, "°F converted");

    // The latest observation is asked for; each unit is read once, not at every fetch.
    let again = c.environment(&known).await.unwrap();
    assert_eq!(again.samples, u.samples);
    let seen = s.seen.lock().unwrap().clone();
    assert!(
        seen.contains(
            &"Datastreams(42)/Observations?$orderby=phenomenonTime desc&$top=1".to_owned()
        ),
        "{seen:#?}"
    );
    assert!(
        seen.contains(
            &"Datastreams('th-7.co2')/Observations?$orderby=phenomenonTime desc&$top=1".to_owned()
        ),
        "{seen:#?}"
    );
    for id in ["42", "'th-7.co2'", "43", "44", "45"] {
        let units = seen.iter().filter(|r| **r == format!("Datastreams({id})?")).count();
        let observations = seen
            .iter()
            .filter(|r| r.starts_with(&format!("Datastreams({id})/Observations")))
            .count();
        assert_eq!((units, observations), (1, 2), "{id}: {seen:#?}");
    }
    // The next link of a page that held an observation is not followed.
    assert!(!seen.iter().any(|r| r.contains("$skip")), "{seen:#?}");
}

#[tokio::test]
async fn a_daylight_saving_day_is_read_by_instant() {
    // 1 November 2026 in New York: 01:15 -05:00 comes an hour after 01:15 -04:00, and after
    // 01:45 -04:00, though its wall clock is earlier. The server ignored $top and $orderby.
    let (_s, root) = stand(
        "2026-11-01T06:20:00Z",
        &[
            ("Datastreams(42)", &[(200, "datastream_temperature.json")]),
            ("Datastreams(42)/Observations", &[(200, "observations_dst.json")]),
        ],
    )
    .await;
    let c = client(&root, Some(TOKEN), vec![target("42", "F0-Z1", Measure::Temperature)]);
    let u = c.environment(&zones(&["F0-Z1"])).await.unwrap();
    assert!(u.rejected.is_empty(), "{:?}", u.rejected);
    assert_eq!(u.samples.len(), 1);
    assert_eq!(u.samples[0].at, at("2026-11-01T06:15:00Z"));
    assert_eq!(u.samples[0].comfort.temperature_c, Some(20.5));
}

#[tokio::test]
async fn an_empty_page_s_next_link_is_followed_within_the_service_only() {
    let (s, root) = stand(
        "2026-11-18T10:05:00Z",
        &[
            ("Datastreams(44)", &[(200, "datastream_noise.json")]),
            (
                "Datastreams(44)/Observations",
                &[(200, "observations_empty_next.json"), (200, "observations_page2.json")],
            ),
        ],
    )
    .await;
    let c = client(&root, Some(TOKEN), vec![target("44", "F0-Z2", Measure::Noise)]);
    let u = c.environment(&zones(&["F0-Z2"])).await.unwrap();
    assert!(u.rejected.is_empty(), "{:?}", u.rejected);
    assert_eq!(u.samples[0].comfort.noise_db, Some(39.0));
    assert_eq!(u.samples[0].at, at("2026-11-18T10:04:30Z"));
    let seen = s.seen.lock().unwrap().clone();
    assert_eq!(seen.last().unwrap(), "Datastreams(44)/Observations?$top=1&$skip=1", "{seen:#?}");

    // A next link to another host is not followed, and the token does not go there.
    let (_s, root) = stand(
        "2026-11-18T10:05:00Z",
        &[
            ("Datastreams(44)", &[(200, "datastream_noise.json")]),
            ("Datastreams(44)/Observations", &[(200, "observations_off_origin.json")]),
        ],
    )
    .await;
    let c = client(&root, Some(TOKEN), vec![target("44", "F0-Z2", Measure::Noise)]);
    let e = c.environment(&zones(&["F0-Z2"])).await.unwrap_err();
    assert!(matches!(e, FetchError::Malformed(_)), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("sensors.evil.example")
            && text.contains("leaves the API at http://127.0.0.1:"),
        "{text}"
    );

    // Pages that lead back to themselves are that datastream's rejection.
    let (_s, root) = stand(
        "2026-11-18T10:05:00Z",
        &[
            ("Datastreams(44)", &[(200, "datastream_noise.json")]),
            (
                "Datastreams(44)/Observations",
                &[(200, "observations_loop.json"), (200, "observations_loop.json")],
            ),
        ],
    )
    .await;
    let c = client(&root, Some(TOKEN), vec![target("44", "F0-Z2", Measure::Noise)]);
    let u = c.environment(&zones(&["F0-Z2"])).await.unwrap();
    assert!(u.samples.is_empty());
    assert_eq!(
        reasons(&u),
        [
            "datastream 44 (noise of F0-Z2): the server's next link leads back to a page already read"
        ]
    );
}

#[tokio::test]
async fn wrong_or_missing_units_refuse_their_datastream_by_name() {
    let (s, root) = stand(
        "2026-11-18T10:05:00Z",
        &[
            ("Datastreams(46)", &[(200, "datastream_humidity.json")]),
            ("Datastreams(47)", &[(200, "datastream_no_unit.json")]),
            ("Datastreams(48)", &[(200, "datastream_hostile.json")]),
            ("Datastreams(44)", &[(200, "datastream_noise.json")]),
            ("Datastreams(44)/Observations", &[(200, "observations_minimal.json")]),
        ],
    )
    .await;
    let c = client(
        &root,
        Some(TOKEN),
        vec![
            target("46", "F1-Z1", Measure::Co2),
            target("47", "F1-Z1", Measure::Light),
            target("48", "F1-Z1", Measure::Noise),
            target("44", "F0-Z2", Measure::Noise),
        ],
    );
    let u = c.environment(&zones(&["F0-Z2", "F1-Z1"])).await.unwrap();
    assert_eq!(u.samples.len(), 1, "the datastream with its unit right still reads");
    assert_eq!(
        reasons(&u),
        [
            "datastream 46 (co2 of F1-Z1): unit \"%\" (\"percent\") is not a unit of co2; carrel reads co2 only in ppm",
            "datastream 47 (light of F1-Z1): no unitOfMeasurement; carrel reads light only in lx",
            "datastream 48 (noise of F1-Z1): unit \"[2JdB31m\" (\"leb\") is not a unit of noise; carrel reads noise only in dB",
        ]
    );
    assert_eq!(u.rejected[0].record, r#"{"datastream":"46","zone":"F1-Z1","quantity":"co2"}"#);
    // A refused datastream's observations are not even asked for.
    let seen = s.seen.lock().unwrap().clone();
    assert!(!seen.iter().any(|r| r.starts_with("Datastreams(46)/")), "{seen:#?}");
}

#[tokio::test]
async fn hostile_and_bad_observations_are_rejected_and_never_reach_a_terminal() {
    let (_s, root) = stand(
        "2026-11-18T10:05:00Z",
        &[
            ("Datastreams(44)", &[(200, "datastream_noise.json")]),
            ("Datastreams(44)/Observations", &[(200, "observations_hostile.json")]),
            ("Datastreams('th-7.co2')", &[(200, "datastream_co2.json")]),
            ("Datastreams('th-7.co2')/Observations", &[(200, "observations_not_a_number.json")]),
            ("Datastreams(43)", &[(200, "datastream_co2.json")]),
            ("Datastreams(43)/Observations", &[(200, "observations_implausible.json")]),
            ("Datastreams(42)", &[(200, "datastream_temperature.json")]),
            ("Datastreams(42)/Observations", &[(200, "observations_old.json")]),
        ],
    )
    .await;
    let c = client(
        &root,
        Some(TOKEN),
        vec![
            target("44", "F0-Z2", Measure::Noise),
            target("th-7.co2", "F0-Z1", Measure::Co2),
            target("43", "F1-Z1", Measure::Co2),
            target("42", "F0-Z1", Measure::Temperature),
            target("9", "F9-Z9", Measure::Light),
        ],
    );
    let u = c.environment(&zones(&["F0-Z1", "F0-Z2", "F1-Z1"])).await.unwrap();
    // The old temperature is left out without a rejection: nothing reads.
    assert!(u.samples.is_empty(), "{:?}", u.samples);
    assert_eq!(
        reasons(&u),
        [
            "datastream 9 (light of F9-Z9): zone F9-Z9 is not in the layout",
            "datastream 44 (noise of F0-Z2): observation: result \"[2J21.5\" is not a number",
            "datastream th-7.co2 (co2 of F0-Z1): observation: result is a list or an object, not a number",
            "datastream 43 (co2 of F1-Z1): observation: co2_ppm 65000 outside plausible range 200..=10000",
        ]
    );
    for r in &u.rejected {
        assert!(!r.reason.chars().any(is_unsafe_char), "{:?}", r.reason);
        // Records are JSON: control characters in them are escapes, not the characters.
        assert!(!r.record.chars().any(|c| c.is_control()), "{:?}", r.record);
    }
    assert!(
        u.rejected[1].record.contains(r#""@iot.id":"\u001b]8;;http://evil.example/\u0007x""#),
        "{}",
        u.rejected[1].record
    );
}

#[tokio::test]
async fn server_errors_are_told_in_a_sentence_and_one_unknown_datastream_stays_its_own() {
    let (_s, root) = stand(
        "2026-11-18T10:05:00Z",
        &[
            ("Datastreams(42)", &[(200, "datastream_temperature.json")]),
            ("Datastreams(42)/Observations", &[(503, "error_problem.json")]),
            ("Datastreams(44)", &[(200, "datastream_noise.json")]),
            ("Datastreams(44)/Observations", &[(200, "observations_minimal.json")]),
        ],
    )
    .await;
    // An RFC 7807 problem from the service fails the whole fetch, in its words.
    let c = client(&root, Some(TOKEN), vec![target("42", "F0-Z1", Measure::Temperature)]);
    let e = c.environment(&zones(&["F0-Z1"])).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(
        e.to_string(),
        "HTTP 503: Service Unavailable: the observation store is being upgraded; retry after 10:30 UTC"
    );
    // A datastream the server does not know (FROST's 404) is a rejection; the others read.
    let c = client(
        &root,
        Some(TOKEN),
        vec![target("44", "F0-Z2", Measure::Noise), target("9999", "F0-Z1", Measure::Light)],
    );
    let u = c.environment(&zones(&["F0-Z1", "F0-Z2"])).await.unwrap();
    assert_eq!(u.samples.len(), 1);
    assert_eq!(reasons(&u), ["datastream 9999 (light of F0-Z1): HTTP 404: Nothing found."]);
    // Without the token the service's refusal fails the fetch.
    let c = client(&root, None, vec![target("44", "F0-Z2", Measure::Noise)]);
    let e = c.environment(&zones(&["F0-Z2"])).await.unwrap_err();
    assert_eq!(e.to_string(), "HTTP 401: Authentication required");
}
