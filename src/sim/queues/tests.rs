//! The queue model: schedules, roster, chunking, shared arrivals, manual changes.

use chrono::NaiveDate;

use super::*;
use crate::sim::calendar::Slot;

fn wednesday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()
}

fn live(seed: u64) -> QueueModel {
    QueueModel::new(
        seed,
        chrono_tz::UTC,
        standard_services(),
        wednesday(),
        Some(Roster::standard()),
    )
}

fn at(h: u32, m: u32) -> Secs {
    Calendar::new(chrono_tz::UTC).at(wednesday(), h * 60 + m)
}

#[test]
fn windows_open_by_the_schedule_with_distinct_staff() {
    let mut m = live(1);
    m.advance_to(at(11, 5), &StandardSchedule);
    let open: Vec<&WindowState> = m.windows().iter().filter(|w| w.open).collect();
    assert_eq!(open.len(), 6, "11:00 on a weekday: 4 + 1 + 1");
    let mut staff: Vec<&str> = open.iter().filter_map(|w| w.staff.as_deref()).collect();
    staff.sort_unstable();
    staff.dedup();
    assert_eq!(staff.len(), 6);
    assert!(m.staff_on_duty().len() > 6);
    assert!(m.windows().iter().map(|w| w.served_today).sum::<u32>() > 50);
    // After closing every window is closed and nobody waits.
    m.advance_to(at(22, 0), &StandardSchedule);
    assert!(m.windows().iter().all(|w| !w.open && w.queue_length() == 0));
    assert!(m.staff_on_duty().is_empty());
}

#[test]
fn the_state_does_not_depend_on_how_time_was_cut() {
    let mut one = live(9);
    let mut many = live(9);
    one.advance_to(at(16, 0), &StandardSchedule);
    let mut t = many.now();
    while t < at(16, 0) {
        t = (t + 97).min(at(16, 0));
        many.advance_to(t, &StandardSchedule);
    }
    assert!(one == many, "chunked advance differs");
}

#[test]
fn arrivals_do_not_depend_on_the_schedule() {
    let lean = |s: usize, slot: Slot| StandardSchedule.open_windows(s, slot).min(1);
    let a = simulate(5, chrono_tz::UTC, wednesday(), 3, &StandardSchedule);
    let b = simulate(5, chrono_tz::UTC, wednesday(), 3, &lean);
    for (x, y) in a.services.iter().zip(&b.services) {
        assert!(!x.arrivals.is_empty());
        assert_eq!(x.arrivals, y.arrivals, "{}", x.service);
    }
    assert!(b.staff_hours() < a.staff_hours());
    assert!(b.mean_wait_s() > a.mean_wait_s());
    assert!(b.wait_quantile_s(0.9) >= b.mean_wait_s());
}

#[test]
fn equal_staff_hours_can_give_different_waits() {
    // The standard weekday schedule thins circulation over lunch, when arrivals peak. Moving
    // one window from the evening to lunch keeps staff-hours equal and shortens waits.
    let shifted = |s: usize, slot: Slot| {
        let base = StandardSchedule.open_windows(s, slot);
        match (s, slot.hour()) {
            (0, 12 | 13) => base + 1,
            (0, 19 | 20) => base - 1,
            _ => base,
        }
    };
    let a = simulate(3, chrono_tz::UTC, wednesday(), 2, &StandardSchedule);
    let b = simulate(3, chrono_tz::UTC, wednesday(), 2, &shifted);
    assert!((a.staff_hours() - b.staff_hours()).abs() < 1e-6);
    assert!(b.services[0].mean_wait_s() < a.services[0].mean_wait_s());
}

#[test]
fn queues_grow_when_windows_close() {
    let mut open = live(2);
    let mut closed = live(2);
    open.advance_to(at(10, 30), &StandardSchedule);
    closed.advance_to(at(10, 30), &StandardSchedule);
    for id in ["circ-1", "circ-2", "circ-3"] {
        let w = closed.window_index(id).unwrap();
        closed.change_window(w, Some(false), None).unwrap();
    }
    open.advance_to(at(10, 59), &StandardSchedule);
    closed.advance_to(at(10, 59), &StandardSchedule);
    let circ_queue = |m: &QueueModel| -> u32 {
        m.windows().iter().filter(|w| w.spec.service == 0).map(WindowState::queue_length).sum()
    };
    assert!(
        circ_queue(&closed) > circ_queue(&open) + 5,
        "closed {} vs open {}",
        circ_queue(&closed),
        circ_queue(&open)
    );
    // The override holds until the schedule changes at 11:00, which asks for 4 windows.
    closed.advance_to(at(11, 0), &StandardSchedule);
    let circ_open = closed.windows().iter().filter(|w| w.spec.service == 0 && w.open).count();
    assert_eq!(circ_open, 4);
}

#[test]
fn manual_changes_follow_the_rules() {
    let mut m = live(4);
    // 12:15 on a weekday: three circulation windows open, seven staff on duty.
    m.advance_to(at(12, 15), &StandardSchedule);
    let circ4 = m.window_index("circ-4").unwrap();
    let circ1 = m.window_index("circ-1").unwrap();
    assert!(!m.windows()[circ4].open);
    assert_eq!(m.change_window(circ4, Some(true), None), Err(WindowChangeError::NeedsStaff));
    assert_eq!(
        m.change_window(circ4, Some(true), Some(Some("fay".into()))),
        Err(WindowChangeError::NotOnDuty("fay".into()))
    );
    let busy = m.windows()[circ1].staff.clone().unwrap();
    assert!(matches!(
        m.change_window(circ4, Some(true), Some(Some(busy))),
        Err(WindowChangeError::StaffBusy { .. })
    ));
    let free = m
        .staff_on_duty()
        .into_iter()
        .find(|s| !m.windows().iter().any(|w| w.staff.as_ref() == Some(s)))
        .unwrap();
    m.change_window(circ4, Some(true), Some(Some(free.clone()))).unwrap();
    assert!(m.windows()[circ4].open);
    assert_eq!(m.windows()[circ4].staff.as_ref(), Some(&free));
    assert_eq!(m.change_window(circ4, None, Some(None)), Err(WindowChangeError::NeedsStaff));
    m.change_window(circ4, Some(false), None).unwrap();
    assert!(!m.windows()[circ4].open);
    assert_eq!(m.windows()[circ4].staff, None);
}

#[test]
fn roster_covers_the_standard_schedule() {
    let roster = Roster::standard();
    for weekday in [wednesday(), NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()] {
        for slot in Slot::open_slots(weekday) {
            let wanted: u32 = (0..3).map(|s| StandardSchedule.open_windows(s, slot)).sum();
            let staff = roster.on_duty(slot.start_minute()).len() as u32;
            assert!(wanted <= staff, "{slot:?}: {wanted} windows, {staff} staff");
        }
    }
}

#[test]
fn days_simulated_again_match_what_the_model_saw() {
    // Nine days in Madrid across the end of summer time (25 October), staff closing two
    // windows on the fourth day, then a live model that starts on the last day.
    let tz = chrono_tz::Europe::Madrid;
    let cal = Calendar::new(tz);
    let first = NaiveDate::from_ymd_opt(2026, 10, 20).unwrap();
    let touched = first + chrono::Days::new(3);
    let last = first + chrono::Days::new(9);
    let origin = cal.midnight(first);
    let now = cal.at(last, 15 * 60 + 7);
    let model = |day: NaiveDate| {
        QueueModel::new(8, tz, standard_services(), day, Some(Roster::standard()))
            .recording_history(origin)
    };
    let mut reference = model(first).keeping_every_day();
    let mut kept = model(first);
    for m in [&mut reference, &mut kept] {
        m.advance_to(cal.at(touched, 11 * 60 + 20), &StandardSchedule);
        for id in ["circ-1", "circ-2"] {
            let w = m.window_index(id).unwrap();
            m.change_window(w, Some(false), None).unwrap();
        }
        m.advance_to(now, &StandardSchedule);
    }
    let mut fresh = model(last);
    fresh.advance_to(now, &StandardSchedule);

    let history = kept.history().unwrap();
    assert!(history.day(touched).is_some() && history.day(first).is_none());
    let buckets = |m: &QueueModel, from: Secs, to: Secs, step: Secs| {
        m.arrival_buckets(from, to, step, &StandardSchedule)
    };
    for step in [60, 420, 900, 3600, 86_400] {
        let all = buckets(&reference, origin - 86_400, now + 86_400, step);
        assert!(all.iter().map(|b| b.arrivals).sum::<u32>() > 9 * 1000);
        assert_eq!(all, buckets(&kept, origin - 86_400, now + 86_400, step), "step {step}");
        // The fresh model never saw the change, so it agrees on every other day (compared in
        // buckets that do not straddle local midnight).
        if 86_400 % step != 0 || step == 86_400 {
            continue;
        }
        let (before, after) = (cal.midnight(touched), cal.next_midnight(touched));
        assert_eq!(
            buckets(&reference, origin, before, step),
            buckets(&fresh, origin, before, step)
        );
        assert_eq!(buckets(&reference, after, now, step), buckets(&fresh, after, now, step));
        assert_ne!(buckets(&reference, before, after, step), buckets(&fresh, before, after, step));
    }
}
