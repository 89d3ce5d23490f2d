//! A site fed by LibCal, through the real binary: `carrel sync --once` against the simulator's
//! LibCal flavour (carrel's own API filling the rest), then `seats --json` and `status --json`
//! agree with what the simulator reports, and no booking's personal field reaches the database
//! file, its write-ahead log, the log file or any output.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/pty.rs"]
mod pty;

use std::collections::HashMap;
use std::path::Path;
use std::process::Output;

use carrel::domain::api::{LayoutResponse, SeatsPage};
use carrel::domain::layout::SeatState;
use carrel::sim::flavors::libcal::location_ids;
use carrel::sim::{Flavor, SimConfig, SimHandle};
use chrono::{Timelike, Utc};
use chrono_tz::Tz;
use serde_json::Value;

/// A time zone where the library is open now (10:00 to 19:59 local), so seats are taken.
fn open_now() -> Tz {
    let zones: [Tz; 5] = [
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::America::Los_Angeles,
        chrono_tz::Asia::Tokyo,
        chrono_tz::Australia::Sydney,
    ];
    let now = Utc::now();
    zones.into_iter().find(|tz| (10..20).contains(&now.with_timezone(tz).hour())).unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The simulator, frozen at this moment, speaking LibCal too; and a home whose configuration
/// names both.
fn site(runtime: &tokio::runtime::Runtime) -> (SimHandle, SimConfig, tempfile::TempDir) {
    let config = SimConfig {
        speed: 0.0,
        start: Utc::now(),
        timezone: open_now(),
        flavors: vec![Flavor::LibCal],
        ..SimConfig::new(33)
    };
    let sim = runtime
        .block_on(carrel::sim::start(config.clone(), "127.0.0.1:0".parse().unwrap()))
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let secret = home.path().join("libcal.secret");
    std::fs::write(&secret, format!("{}\n", config.libcal.client_secret)).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let toml = format!(
        "[library]\ntimezone = \"{tz}\"\n\n[database]\npath = \"{db}\"\n\n\
         [feeds.sensor]\nurl = \"{base}\"\n\n\
         [feeds.libcal]\nurl = \"{base}/libcal\"\nclient_id = \"{id}\"\n\
         client_secret_file = \"{secret}\"\nlocation_ids = {lids:?}\nno_show_after_min = {ns}\n\n\
         [logging]\nlevel = \"debug\"\n",
        tz = config.timezone.name(),
        db = home.path().join("site.db").display(),
        base = sim.base_url(),
        id = config.libcal.client_id,
        secret = secret.display(),
        lids = location_ids(config.seats),
        ns = config.libcal.no_show_after_min,
    );
    std::fs::write(home.path().join("carrel.toml"), toml).unwrap();
    (sim, config, home)
}

fn carrel(home: &Path, args: &[&str]) -> Output {
    common::carrel_in(home)
        .env("CARREL_CONFIG", home.join("carrel.toml"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn sync_from_libcal_then_the_reads_agree_with_the_simulator() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (sim, config, home) = site(&runtime);
    let h = home.path();
    ok(&carrel(h, &["init"]));
    ok(&carrel(h, &["sync", "--once", "--json"]));

    // Which source serves what.
    // (`status` exits 3 while a feed has never run, as the forecasts may not have yet.)
    let o = carrel(h, &["status", "--json"]);
    assert!(o.status.code() == Some(0) || o.status.code() == Some(3), "{o:?}");
    let status: Value = serde_json::from_slice(&o.stdout).unwrap();
    let sources = &status["sources"];
    for (what, source) in [
        ("layout", "libcal"),
        ("seats", "libcal"),
        ("occupancy", "libcal"),
        ("release_seat", "libcal"),
        ("service_points", "carrel"),
        ("arrivals", "carrel"),
        ("change_window", "carrel"),
    ] {
        assert_eq!(sources[what], source, "{what}: {sources}");
    }

    // Seats: every seat LibCal lists, in the state the simulator's seat of that label is in,
    // by LibCal's mapping (checked in: occupied; not checked in: reserved, then away).
    let own_layout: LayoutResponse = get(&runtime, &sim, "/v1/layout");
    let own_seats: SeatsPage = get(&runtime, &sim, "/v1/seats");
    let own_state: HashMap<&str, SeatState> =
        own_seats.seats.iter().map(|s| (s.id.as_str(), s.state)).collect();
    // LibCal names each seat by the simulator's label for it.
    let seated: HashMap<&str, &str> = own_layout
        .floors
        .iter()
        .flat_map(|f| &f.zones)
        .filter(|z| z.kind != carrel::domain::layout::ZoneKind::Group)
        .flat_map(|z| z.seats.iter().map(|s| (s.label.as_str(), s.id.as_str())))
        .collect();
    let seats: Value = serde_json::from_str(&ok(&carrel(h, &["seats", "--json"]))).unwrap();
    let listed = seats["seats"].as_array().unwrap();
    assert_eq!(listed.len(), seated.len(), "every seat LibCal books, no other");
    let mut by_state: HashMap<String, usize> = HashMap::new();
    for s in listed {
        let label = s["label"].as_str().unwrap();
        let own_id = seated.get(label).unwrap_or_else(|| panic!("{label} is not a bookable seat"));
        let state = s["state"].as_str().unwrap();
        let own = own_state[own_id];
        let fits = match own {
            SeatState::Occupied => state == "occupied",
            SeatState::Reserved => ["reserved", "away"].contains(&state),
            // Away a short while: still checked in; long: a no-show.
            SeatState::Away => ["occupied", "away"].contains(&state),
            SeatState::Free | SeatState::OutOfService => state == "free",
        };
        assert!(fits, "seat {label}: {state} through LibCal, {own} in the simulator");
        *by_state.entry(state.to_owned()).or_default() += 1;
    }
    assert!(by_state.get("occupied").copied().unwrap_or(0) > 0, "{by_state:?}");
    assert!(by_state.get("free").copied().unwrap_or(0) > 0, "{by_state:?}");

    // Head counts: the group study rooms, booked whole, counted rather than seated.
    let counts = seats["head_counts"].as_array().unwrap();
    let group_zones = own_layout
        .floors
        .iter()
        .flat_map(|f| &f.zones)
        .filter(|z| z.kind == carrel::domain::layout::ZoneKind::Group)
        .count();
    assert_eq!(counts.len(), group_zones, "{counts:?}");
    let taken_in_group: usize = own_layout
        .floors
        .iter()
        .flat_map(|f| &f.zones)
        .filter(|z| z.kind == carrel::domain::layout::ZoneKind::Group)
        .flat_map(|z| &z.seats)
        .filter(|s| own_state[s.id.as_str()].is_taken())
        .count();
    let counted: u64 = counts.iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert_eq!(counted as usize, taken_in_group);
    let text = ok(&carrel(h, &["seats"]));
    assert!(text.contains("(a head count; no seats)"), "{text}");
    assert!(config.flavors.contains(&Flavor::LibCal));
    runtime.block_on(sim.shutdown());
}

#[test]
fn a_booking_s_personal_fields_reach_neither_the_database_nor_the_log_nor_any_output() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (sim, config, home) = site(&runtime);
    let h = home.path();
    let personal = runtime.block_on(common::libcal_personal_fields(&sim, &config));
    assert!(personal.len() > 20, "the simulator's bookings carry personal fields");
    ok(&carrel(h, &["init"]));
    let mut output = Vec::new();
    for args in [
        &["sync", "--once", "--json"][..],
        &["seats", "--json"],
        &["seats"],
        &["status", "--json"],
        &["status"],
    ] {
        let o = carrel(h, args);
        output.extend_from_slice(&o.stdout);
        output.extend_from_slice(&o.stderr);
    }
    let mut stored = Vec::new();
    for name in ["site.db", "site.db-wal"] {
        if let Ok(bytes) = std::fs::read(h.join(name)) {
            stored.extend(bytes);
        }
    }
    let mut logged = Vec::new();
    for entry in walk(&h.join("state")) {
        logged.extend(std::fs::read(entry).unwrap());
    }
    // As text (lossily, byte for byte where it is ASCII), so a search is quick.
    let (stored, logged, output) = (
        String::from_utf8_lossy(&stored).into_owned(),
        String::from_utf8_lossy(&logged).into_owned(),
        String::from_utf8_lossy(&output).into_owned(),
    );
    assert!(!logged.is_empty(), "the sync wrote a log");
    assert!(contains(&stored, "libcal") || contains(&stored, "sensor.seats"), "the sync stored");
    for p in &personal {
        for (what, bytes) in [("the database", &stored), ("the log", &logged), ("output", &output)]
        {
            assert!(!contains(bytes, p), "{what} holds {p:?}");
        }
    }
    runtime.block_on(sim.shutdown());
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack.contains(needle)
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn get<T: serde::de::DeserializeOwned>(
    runtime: &tokio::runtime::Runtime,
    sim: &SimHandle,
    path: &str,
) -> T {
    let url = format!("{}{path}", sim.base_url());
    runtime.block_on(async {
        let body = reqwest::get(url).await.unwrap().bytes().await.unwrap();
        serde_json::from_slice(&body).unwrap()
    })
}

/// `carrel demo --flavor libcal,sensorthings` in a terminal: seats from LibCal's bookings on the
/// map, the group study rooms by head count, comfort readings from SensorThings mapped onto
/// LibCal's zones, and a no-show released by cancelling its booking.
#[test]
fn the_demo_fed_by_libcal_shows_seats_and_head_counts_and_releases_a_no_show() {
    let wait = std::time::Duration::from_secs(30);
    let home = tempfile::tempdir().unwrap();
    let args = [
        "demo",
        "--flavor",
        "libcal,sensorthings",
        "--seed",
        "3",
        "--speed",
        "0",
        "--start",
        "2026-11-18T11:00:00Z",
    ];
    let mut p = pty::Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &args, 100, 30, home.path(), &[]);
    p.wait_for("Ghost seats", wait);
    let screen = p.wait_for("people", wait);
    assert!(screen.contains("counted") && screen.contains("taken"), "{screen}");
    // Comfort readings come on their own, slower schedule (the demo's 15 s), after the layout.
    // Comfort readings come on their own, slower schedule (the demo's 15 s), after the layout.
    p.wait_for("°C", 2 * wait);
    p.send("6");
    let screen = p.wait_for("sensor.occupancy", wait);
    assert!(screen.contains("libcal"), "{screen}");
    p.send("1");
    p.wait_for("Ghost seats", wait);
    p.release_first_ghost(wait);
    p.send("q");
    assert!(p.wait_exit(wait), "carrel should exit cleanly");
}
