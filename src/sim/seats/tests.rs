//! The seat model: a busy morning, every state over a day, chunking, cursors, releases, speed.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::*;
use crate::sim::building::Building;

fn kinds(b: &Building) -> Vec<ZoneKind> {
    b.seat_kinds()
}

fn cal() -> Calendar {
    Calendar::new(chrono_tz::UTC)
}

fn wednesday_at(h: u32, m: u32) -> Secs {
    cal().at(NaiveDate::from_ymd_opt(2026, 11, 18).unwrap(), h * 60 + m)
}

fn reports(model: &SeatModel, since: Option<u64>) -> Vec<SeatReport> {
    model.reports(since).collect()
}

fn count(model: &SeatModel, state: SeatState) -> usize {
    reports(model, None).iter().filter(|r| r.state == state).count()
}

#[test]
fn a_weekday_morning_is_busy_with_some_ghosts() {
    let b = Building::new(600);
    let m = SeatModel::new(1, cal(), kinds(&b), wednesday_at(11, 0));
    let taken = count(&m, SeatState::Occupied) + count(&m, SeatState::Away);
    assert!(taken > 400, "taken {taken}");
    let ghosts = m.ghosts(30 * 60);
    assert!(ghosts >= 1 && ghosts * 100 <= taken * 8, "{ghosts} ghosts of {taken}");
    assert!(count(&m, SeatState::Free) > 0);
}

#[test]
fn states_appear_over_a_day_and_the_night_is_empty() {
    let b = Building::new(600);
    let mut m = SeatModel::new(2, cal(), kinds(&b), wednesday_at(8, 0));
    let mut seen: HashMap<SeatState, usize> = HashMap::new();
    let mut sensors: HashMap<SensorHealth, usize> = HashMap::new();
    for step in 1..=28 {
        m.advance_to(wednesday_at(8, 0) + step * 1800);
        for r in reports(&m, None) {
            *seen.entry(r.state).or_default() += 1;
            *sensors.entry(r.sensor).or_default() += 1;
        }
    }
    for state in SeatState::ALL {
        assert!(seen.contains_key(&state), "{state} never seen");
    }
    assert!(sensors.contains_key(&SensorHealth::Offline));
    assert!(sensors.contains_key(&SensorHealth::Degraded));
    m.advance_to(wednesday_at(22, 0));
    assert!(
        reports(&m, None)
            .iter()
            .all(|r| matches!(r.state, SeatState::Free | SeatState::OutOfService)
                || r.sensor == SensorHealth::Offline)
    );
    m.advance_to(wednesday_at(23, 59));
    assert_eq!(count(&m, SeatState::Occupied) + count(&m, SeatState::Away), 0);
}

#[test]
fn the_state_does_not_depend_on_how_time_was_cut() {
    let b = Building::new(600);
    let start = wednesday_at(9, 30);
    let mut one = SeatModel::new(3, cal(), kinds(&b), start);
    let mut many = one.clone();
    one.advance_to(start + 36 * 3600);
    let mut t = start;
    while t < start + 36 * 3600 {
        t += 53;
        many.advance_to(t.min(start + 36 * 3600));
    }
    assert_eq!(reports(&one, None), reports(&many, None));
    assert_eq!(one.seq(), many.seq());
    // A model built straight at the later time agrees on every seat's state (not on `since`
    // of seats free since the day before, which it cannot know).
    let fresh = SeatModel::new(3, cal(), kinds(&b), start + 36 * 3600);
    let state = |m: &SeatModel| -> Vec<(SeatState, SensorHealth)> {
        reports(m, None).iter().map(|r| (r.state, r.sensor)).collect()
    };
    assert_eq!(state(&one), state(&fresh));
}

#[test]
fn changes_since_a_number_are_exactly_the_changed_seats() {
    let b = Building::new(600);
    let mut m = SeatModel::new(4, cal(), kinds(&b), wednesday_at(10, 0));
    for _ in 0..12 {
        let before = reports(&m, None);
        let seq = m.seq();
        m.advance_to(m.now() + 5 * 60);
        let changed: Vec<usize> = reports(&m, Some(seq)).iter().map(|r| r.index).collect();
        let differ: Vec<usize> =
            m.reports(None).zip(&before).filter(|(a, b)| a != *b).map(|(a, _)| a.index).collect();
        assert!(!changed.is_empty());
        assert_eq!(changed, differ);
    }
    assert!(reports(&m, Some(m.seq())).is_empty());
}

#[test]
fn only_away_seats_can_be_released() {
    let b = Building::new(600);
    let mut m = SeatModel::new(5, cal(), kinds(&b), wednesday_at(11, 0));
    let all = reports(&m, None);
    let away = all.iter().find(|r| r.state == SeatState::Away).unwrap();
    let occupied = all.iter().find(|r| r.state == SeatState::Occupied).unwrap();
    assert_eq!(m.release(occupied.index), Err(NotAway(SeatState::Occupied)));
    let seq = m.seq();
    let released = m.release(away.index).unwrap();
    assert_eq!(released.state, SeatState::Free);
    assert_eq!(released.since, m.now());
    assert_eq!(reports(&m, Some(seq)).len(), 1);
    assert_eq!(m.release(away.index), Err(NotAway(SeatState::Free)));
}

#[test]
fn twenty_thousand_seats_keep_up_at_600x() {
    let b = Building::new(20_000);
    let started = std::time::Instant::now();
    let mut m = SeatModel::new(6, cal(), kinds(&b), wednesday_at(11, 0));
    let warm = started.elapsed();
    let started = std::time::Instant::now();
    // One busy simulated hour is six real seconds at speed 600.
    m.advance_to(wednesday_at(12, 0));
    let hour = started.elapsed();
    assert!(hour.as_secs_f64() < 3.0, "one hour took {hour:?}");
    assert!(warm.as_secs_f64() < 10.0, "warm-up took {warm:?}");
}
