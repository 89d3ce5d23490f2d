//! `carrel demo --flavor occuspace,sensorthings` in a pseudo-terminal: the console fed the way a
//! site running Occuspace and a SensorThings service would feed it shows the comfort readings
//! the service gives, and its System tab names each vendor as the source of its feed.
#![allow(clippy::unwrap_used)]

#[path = "common/pty.rs"]
mod pty;

use std::time::Duration;

use pty::Pty;

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn the_demo_fed_by_occuspace_and_sensorthings_shows_their_data_and_names_them() {
    let home = tempfile::tempdir().unwrap();
    let args = [
        "demo",
        "--seed",
        "6",
        "--speed",
        "0",
        "--start",
        "2026-11-18T11:00:00Z",
        "--flavor",
        "occuspace,sensorthings",
    ];
    let mut p = Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &args, 120, 40, home.path(), &[]);
    p.wait_for("Ghost seats", WAIT);
    // Comfort readings, which only the SensorThings flavour serves here.
    let screen = p.wait_for("°C", WAIT);
    assert!(screen.contains("ppm"), "{screen}");

    p.send("6");
    p.wait_for("Sources", WAIT);
    let screen = p.wait_for("sensor.occupancy", WAIT);
    assert!(screen.contains("occuspace"), "{screen}");
    assert!(screen.contains("sensorthings"), "{screen}");
    p.send("q");
    assert!(p.wait_exit(WAIT), "carrel should exit cleanly");
}
