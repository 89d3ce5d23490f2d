//! The whole library: a fresh start, the night, actions at fixed times, history, cursors.

use chrono::{DateTime, Utc};

use super::*;
use crate::domain::api::SeatsPage;

fn config(start: &str) -> SimConfig {
    SimConfig {
        start: DateTime::parse_from_rfc3339(start).unwrap().with_timezone(&Utc),
        ..SimConfig::new(11)
    }
}

fn away_for(page: &SeatsPage, now: Secs, at_least_s: Secs) -> usize {
    page.seats
        .iter()
        .filter(|s| s.state == SeatState::Away && now - s.since.timestamp() >= at_least_s)
        .count()
}

#[test]
fn a_fresh_library_at_eleven_is_busy_and_has_ghosts() {
    let lib = Library::new(&config("2026-11-18T11:00:00Z"));
    let page = lib.seats_page(None);
    assert!(page.full);
    assert_eq!(page.seats.len(), 600);
    let taken = page.seats.iter().filter(|s| s.state.is_taken()).count();
    assert!(taken > 400, "{taken} taken");
    assert!(away_for(&page, lib.now(), 30 * 60) >= 1);
    let points = lib.service_points();
    assert_eq!(points.service_points.len(), 7);
    assert!(points.service_points.iter().filter(|p| p.open).count() >= 5);
    assert!(points.staff_on_duty.len() > 6);
    assert_eq!(lib.environment().readings.len(), lib.building.zones.len());
}

#[test]
fn the_night_is_empty_and_the_windows_closed() {
    let lib = Library::new(&config("2026-11-18T23:30:00Z"));
    let page = lib.seats_page(None);
    assert!(page.seats.iter().all(|s| !s.state.is_taken()));
    let points = lib.service_points();
    assert!(points.service_points.iter().all(|p| !p.open && p.staff.is_none()));
    assert!(points.staff_on_duty.is_empty());
}

#[test]
fn the_same_actions_at_the_same_times_give_the_same_library() {
    let start = config("2026-11-18T09:00:00Z");
    let mut one = Library::new(&start);
    let mut many = Library::new(&start);
    let t0 = one.now();
    let act = |lib: &mut Library| {
        let away = lib
            .seats_page(None)
            .seats
            .into_iter()
            .find(|s| s.state == SeatState::Away)
            .map(|s| s.id);
        if let Some(id) = away {
            lib.release(&id).unwrap();
        }
        lib.change_service_point("circ-1", ServicePointChange { open: Some(false), staff: None })
            .unwrap();
    };
    one.advance_to(t0 + 3 * 3600);
    act(&mut one);
    one.advance_to(t0 + 6 * 3600);
    let mut t = t0;
    for (target, acting) in [(t0 + 3 * 3600, true), (t0 + 6 * 3600, false)] {
        while t < target {
            t = (t + 41).min(target);
            many.advance_to(t);
        }
        if acting {
            act(&mut many);
        }
    }
    assert_eq!(one.seats_page(None), many.seats_page(None));
    assert_eq!(one.service_points(), many.service_points());
    assert_eq!(one.environment(), many.environment());
    let (from, to) = (t0 - 7 * 86_400, t0 + 6 * 3600);
    assert_eq!(one.arrivals_response(from, to, 900), many.arrivals_response(from, to, 900));
}

#[test]
fn history_covers_eight_weeks_and_stops_at_now() {
    let lib = Library::new(&config("2026-11-18T11:00:00Z"));
    let now = lib.now();
    let from = now - 56 * 86_400;
    let day = lib.arrivals_response(from, now + 86_400, 86_400);
    let first = day.buckets.first().unwrap().start.timestamp();
    assert!(first <= from, "history starts {first}, wanted {from}");
    assert!(day.buckets.iter().all(|b| b.start.timestamp() < now));
    for id in ["circ-1", "enq-1", "ret-1"] {
        let total: u32 =
            day.buckets.iter().filter(|b| b.service_point_id == id).map(|b| b.arrivals).sum();
        assert!(total > 56 * 10, "{id}: {total}");
    }
    // Every window has a bucket for every step.
    let quarter = lib.arrivals_response(now - 86_400, now, 900);
    assert_eq!(quarter.buckets.len(), 96 * 7);
    assert!(quarter.buckets.iter().any(|b| b.mean_wait_s.is_some()));
}

#[test]
fn cursors_give_changes_and_strangers_get_everything() {
    let mut lib = Library::new(&config("2026-11-18T10:00:00Z"));
    let first = lib.seats_page(None);
    lib.advance_to(lib.now() + 120);
    let changes = lib.seats_page(Some(&first.cursor));
    assert!(!changes.full);
    assert!(!changes.seats.is_empty() && changes.seats.len() < 600);
    let again = lib.seats_page(Some(&changes.cursor));
    assert!(!again.full && again.seats.is_empty());
    for stranger in ["", "nonsense", "00000000.1", &format!("{}9", changes.cursor)] {
        let page = lib.seats_page(Some(stranger));
        assert!(page.full, "{stranger}");
        assert_eq!(page.seats.len(), 600);
    }
}

#[test]
fn listings_write_the_same_json_as_the_whole_records() {
    use crate::sim::body::list_body;
    use serde_json::Value;

    fn same<E: serde::Serialize, I: IntoIterator<Item: serde::Serialize>>(
        listing: Listing<E, I>,
        whole: impl serde::Serialize,
    ) {
        let written = list_body(&listing.envelope, listing.records).unwrap();
        let read: Value = serde_json::from_slice(&written).unwrap();
        assert_eq!(read, serde_json::to_value(whole).unwrap());
    }
    let mut lib = Library::new(&config("2026-11-18T15:00:00Z"));
    let cursor = lib.seats_page(None).cursor;
    lib.advance_to(lib.now() + 600);
    let now = lib.now();
    same(lib.seats(None), lib.seats_page(None));
    same(lib.seats(Some(&cursor)), lib.seats_page(Some(&cursor)));
    same(lib.arrivals(now - 86_400, now, 900), lib.arrivals_response(now - 86_400, now, 900));
    let floors: Vec<FloorDto> = lib.building.floors().collect();
    same(lib.layout(), LayoutResponse { generated_at: utc(now), floors });
}
