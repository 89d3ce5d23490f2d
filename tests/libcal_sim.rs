//! The LibCal adapter against the simulator's LibCal flavour: the layout, seat states and head
//! counts it gives agree with what the simulator's own API says of the same library (by the
//! mapping in `feeds::libcal::map`); the personal fields of the flavour's bookings go nowhere;
//! tokens expire and are renewed; a no-show is released; faults reach the flavour's routes;
//! `carrel sim --flavor` names a flavour it does not know.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use carrel::config::{LibCalSettings, Secret};
use carrel::domain::api::{LayoutResponse, SeatStatus, SeatsPage};
use carrel::domain::layout::{SeatState, ZoneKind};
use carrel::feeds::libcal::LibCalClient;
use carrel::sim::flavors::libcal::location_ids;
use carrel::sim::{Fault, FaultPlan, Flavor, SimConfig, SimHandle, start};
use chrono::{DateTime, Utc};
use chrono_tz::America::New_York;

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).expect("an RFC 3339 time").to_utc()
}

/// A frozen library in New York at 12:15 on a weekday, speaking LibCal too.
fn config() -> SimConfig {
    SimConfig {
        speed: 0.0,
        start: at("2026-11-18T17:15:00Z"),
        timezone: New_York,
        flavors: vec![Flavor::LibCal],
        ..SimConfig::new(21)
    }
}

async fn sim(config: SimConfig) -> SimHandle {
    start(config, "127.0.0.1:0".parse().expect("an address")).await.expect("the simulator starts")
}

fn client(sim: &SimHandle, config: &SimConfig) -> LibCalClient {
    let settings = LibCalSettings {
        url: format!("{}/libcal", sim.base_url()).parse().expect("a URL"),
        client_id: config.libcal.client_id.clone(),
        client_secret: Secret::new(config.libcal.client_secret.clone()),
        secret_origin: "test".into(),
        location_ids: location_ids(config.seats),
        no_show_after_min: config.libcal.no_show_after_min,
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(20),
        max_body_bytes: 16 << 20,
    };
    LibCalClient::new(&settings, config.timezone).expect("a client")
}

async fn own<T: serde::de::DeserializeOwned>(sim: &SimHandle, path: &str) -> T {
    let body = reqwest::get(format!("{}{path}", sim.base_url()))
        .await
        .expect("the simulator answers")
        .bytes()
        .await
        .expect("a body");
    serde_json::from_slice(&body).expect("the own API's shape")
}

/// The state the adapter should give a seat the own API reports as `s`, at `now`.
fn expected(s: &SeatStatus, now: DateTime<Utc>, no_show_min: i64) -> (SeatState, DateTime<Utc>) {
    let long = now - s.since >= chrono::Duration::minutes(no_show_min);
    match s.state {
        SeatState::Occupied => (SeatState::Occupied, s.since),
        SeatState::Reserved if long => (SeatState::Away, s.since),
        SeatState::Reserved => (SeatState::Reserved, s.since),
        SeatState::Away if long => (SeatState::Away, s.since),
        // A patron on a break is still checked in.
        SeatState::Away => (SeatState::Occupied, s.since),
        SeatState::Free | SeatState::OutOfService => (SeatState::Free, s.since),
    }
}

#[tokio::test]
async fn the_libcal_flavour_agrees_with_the_simulator_s_own_api() {
    let config = config();
    let s = sim(config.clone()).await;
    let c = client(&s, &config);
    let now = s.now();
    let layout: LayoutResponse = own(&s, "/v1/layout").await;
    let page: SeatsPage = own(&s, "/v1/seats").await;

    // Layout: one floor per floor, every zone by name, every seat but group study by label.
    let l = c.layout(now).await.expect("a layout");
    assert!(l.rejected.is_empty(), "{:?}", l.rejected);
    assert!(l.without_positions);
    assert_eq!(l.floors.len(), layout.floors.len());
    let mut own_seats = HashMap::new();
    let mut group_zones = Vec::new();
    for (n, (f, floor)) in l.floors.iter().zip(&layout.floors).enumerate() {
        assert_eq!((f.name.as_str(), f.level), (floor.name.as_str(), n as i32));
        let libcal: HashSet<&str> =
            l.zones.iter().filter(|z| z.floor_id == f.id).map(|z| z.name.as_str()).collect();
        let ours: HashSet<&str> = floor.zones.iter().map(|z| z.name.as_str()).collect();
        assert_eq!(libcal, ours, "zones of {}", floor.name);
        for z in &floor.zones {
            if z.kind == ZoneKind::Group {
                group_zones.push((f.id.clone(), z));
                continue;
            }
            for seat in &z.seats {
                own_seats.insert(seat.label.clone(), seat);
            }
        }
    }
    assert!(!group_zones.is_empty(), "the building has group study rooms");
    assert_eq!(l.seats.len(), own_seats.len());
    let mut by_label = HashMap::new();
    for seat in &l.seats {
        let o = own_seats.get(&seat.label).unwrap_or_else(|| panic!("{} is not ours", seat.label));
        assert_eq!((seat.power, seat.accessible), (o.power, o.accessible), "{}", seat.label);
        by_label.insert(seat.id.clone(), o.id.clone());
    }

    // Seat states, by the mapping.
    let known: HashSet<String> = l.seats.iter().map(|s| s.id.clone()).collect();
    let u = c.seats(now, &known).await.expect("seat states");
    assert!(u.rejected.is_empty(), "{:?}", u.rejected);
    assert_eq!(u.seats.len(), known.len());
    let own_state: HashMap<&str, &SeatStatus> =
        page.seats.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut seen = HashMap::new();
    for st in &u.seats {
        let own = own_state[by_label[&st.id].as_str()];
        let (state, since) = expected(own, now, i64::from(config.libcal.no_show_after_min));
        assert_eq!(st.state, state, "seat {} is {:?} in the own API", st.id, own);
        if state != SeatState::Free {
            assert_eq!(st.since, since, "seat {}", st.id);
        }
        *seen.entry(st.state).or_insert(0) += 1;
    }
    for state in [SeatState::Occupied, SeatState::Away, SeatState::Free] {
        assert!(seen.get(&state).copied().unwrap_or(0) > 0, "no {state} seat: {seen:?}");
    }

    // Head counts: each group study zone's rooms hold the seats taken there.
    let o = c.occupancy(now).await.expect("head counts");
    assert!(o.rejected.is_empty(), "{:?}", o.rejected);
    assert_eq!(o.zones.len(), group_zones.len());
    for (floor_id, z) in &group_zones {
        let libcal_zone = l
            .zones
            .iter()
            .find(|lz| &lz.floor_id == floor_id && lz.name == z.name)
            .expect("the zone in the LibCal layout");
        let count = o.zones.iter().find(|c| c.zone_id == libcal_zone.id).expect("a head count");
        let taken =
            z.seats.iter().filter(|seat| own_state[seat.id.as_str()].state.is_taken()).count();
        assert_eq!(count.count as usize, taken, "{}", z.name);
        assert_eq!(count.capacity, Some(z.seats.len() as u32), "{}", z.name);
    }
    s.shutdown().await;
}

#[tokio::test]
async fn the_flavour_s_personal_fields_reach_no_update() {
    let config = config();
    let s = sim(config.clone()).await;
    let personal = common::libcal_personal_fields(&s, &config).await;
    assert!(personal.len() > 20, "the flavour's bookings carry personal fields: {personal:?}");

    let c = client(&s, &config);
    let now = s.now();
    let l = c.layout(now).await.expect("a layout");
    let mut known: HashSet<String> = l.seats.iter().map(|s| s.id.clone()).collect();
    // Half the seats unknown: their bookings are rejected, and the rejections must be clean too.
    let dropped: Vec<String> = known.iter().take(known.len() / 2).cloned().collect();
    for d in &dropped {
        known.remove(d);
    }
    let u = c.seats(now, &known).await.expect("states");
    assert!(!u.rejected.is_empty());
    let text = format!("{u:?} {l:?} {c:?}");
    for p in &personal {
        assert!(!text.contains(p.as_str()), "{p} reached the adapter's output");
    }
    s.shutdown().await;
}

#[tokio::test]
async fn tokens_expire_and_are_renewed() {
    let mut config = config();
    config.libcal.token_ttl = Duration::from_secs(2);
    let s = sim(config.clone()).await;
    let c = client(&s, &config);
    let known: HashSet<String> = ["10050".to_owned()].into();
    c.occupancy(s.now()).await.expect("counts");
    assert_eq!(s.libcal_tokens_issued(), 1);
    // Past the token's renewal time (1.8 s into its 2 s of life): a new one, unasked.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    c.seats(s.now(), &known).await.expect("states");
    assert_eq!(s.libcal_tokens_issued(), 2);
    // The vendor forgets its tokens: 401, a new token, the call again.
    s.expire_libcal_tokens();
    c.seats(s.now(), &known).await.expect("states after a 401");
    assert_eq!(s.libcal_tokens_issued(), 3);

    // Wrong credentials are told as LibCal tells them.
    let wrong = SimConfig {
        libcal: carrel::sim::LibCalSim { client_secret: "not-it".into(), ..config.libcal.clone() },
        ..config.clone()
    };
    let e = client(&s, &wrong).occupancy(s.now()).await.unwrap_err();
    assert_eq!(e.to_string(), "HTTP 401: token request: Client authentication failed");
    s.shutdown().await;
}

#[tokio::test]
async fn a_no_show_is_released_through_libcal_and_the_library_frees_its_seat() {
    let config = config();
    let s = sim(config.clone()).await;
    let c = client(&s, &config);
    let now = s.now();
    let l = c.layout(now).await.expect("a layout");
    let known: HashSet<String> = l.seats.iter().map(|s| s.id.clone()).collect();
    let u = c.seats(now, &known).await.expect("states");
    let ghost = u.seats.iter().find(|s| s.state == SeatState::Away).expect("a no-show");
    let busy = u.seats.iter().find(|s| s.state == SeatState::Occupied).expect("a seated patron");
    let freed = c.release_seat(&ghost.id, now).await.expect("released");
    assert_eq!(freed.state, SeatState::Free);
    let after = c.seats(now, &known).await.expect("states");
    let again = after.seats.iter().find(|s| s.id == ghost.id).expect("the seat");
    assert_eq!(again.state, SeatState::Free);
    let e = c.release_seat(&busy.id, now).await.unwrap_err();
    assert!(e.to_string().contains("has no booking past its no-show time"), "{e}");
    s.shutdown().await;
}

#[tokio::test]
async fn faults_reach_the_flavour_s_routes() {
    let config = config();
    let s = sim(config.clone()).await;
    let c = client(&s, &config);
    s.set_faults(FaultPlan::none().with(None, Fault::Errors));
    let mut failed = 0;
    for _ in 0..20 {
        if let Err(e) = c.occupancy(s.now()).await {
            assert!(matches!(e.status(), Some(500 | 502 | 503)), "{e}");
            failed += 1;
        }
    }
    assert!(failed > 0, "no answer failed");
    s.shutdown().await;
}

#[test]
fn carrel_sim_names_a_flavour_it_does_not_speak() {
    let dir = tempfile::tempdir().expect("a directory");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_carrel"))
        .args(["sim", "--listen", "127.0.0.1:0", "--flavor", "libcal,affluences"])
        .env_clear()
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("cfg"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .output()
        .expect("run carrel");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown flavour 'affluences'; the simulator speaks: libcal"), "{err}");
}
