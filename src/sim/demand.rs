//! How busy the simulated library is at a given local time: the share of seats patrons want,
//! and the rate at which patrons arrive at each desk.
//!
//! Both follow the same day: a morning ramp from opening at 08:00, a lunch dip in the seats
//! (and a lunch peak at the desks, when patrons come by between classes), an afternoon plateau
//! and an evening tail to closing at 22:00. Weekends are quieter; exam weeks (see
//! [`is_exam_day`](super::calendar::is_exam_day)) fill the seats and lengthen the queues.
//!
//! May use: calendar, domain layout types. Pure.

use crate::domain::layout::ZoneKind;

use super::calendar::{CLOSES_MIN, DayKind, OPENS_MIN};

/// Weekday seat demand: (minutes after midnight, share of seats taken), linear in between.
const SEAT_CURVE: [(u32, f64); 14] = [
    (480, 0.08),
    (540, 0.50),
    (600, 0.78),
    (660, 0.88),
    (720, 0.90),
    (750, 0.72),
    (810, 0.72),
    (840, 0.85),
    (960, 0.88),
    (1050, 0.72),
    (1140, 0.52),
    (1230, 0.30),
    (1290, 0.12),
    (1320, 0.0),
];

/// The share of seats in a zone of `kind` that patrons want to hold at `minute` of a day of
/// kind `day`; 0 outside opening hours.
pub fn seat_demand(day: DayKind, kind: ZoneKind, minute: u32) -> f64 {
    if !(OPENS_MIN..CLOSES_MIN).contains(&minute) {
        return 0.0;
    }
    let base = interpolate(&SEAT_CURVE, minute);
    let kind_factor = match kind {
        ZoneKind::Quiet | ZoneKind::Silent => 1.0,
        ZoneKind::Computer => 0.9,
        ZoneKind::Group => 0.85,
    };
    let mut p = base * kind_factor;
    if day.weekend {
        p *= if day.exam { 0.9 } else { 0.6 };
    }
    if day.exam {
        p = p * 1.12 + 0.05;
    }
    p.clamp(0.0, 0.97)
}

fn interpolate(curve: &[(u32, f64)], minute: u32) -> f64 {
    let mut prev = curve.first().copied().unwrap_or((0, 0.0));
    for &(m, v) in curve {
        if minute <= m {
            if m == prev.0 {
                return v;
            }
            let w = f64::from(minute - prev.0) / f64::from(m - prev.0);
            return prev.1 + w * (v - prev.1);
        }
        prev = (m, v);
    }
    prev.1
}

/// Patrons per hour arriving at a service whose weekday profile is `hourly` (one figure per
/// opening hour, 08:00 first), at `minute` of a day of kind `day`. The figures are read at each
/// hour's middle and joined linearly; 0 outside opening hours.
pub fn arrivals_per_hour(hourly: &[f64; 14], day: DayKind, minute: u32) -> f64 {
    if !(OPENS_MIN..CLOSES_MIN).contains(&minute) {
        return 0.0;
    }
    let x = f64::from(minute - OPENS_MIN) / 60.0 - 0.5;
    let last = hourly.len() - 1;
    let base = if x <= 0.0 {
        hourly[0]
    } else {
        let i = (x.floor() as usize).min(last);
        let j = (i + 1).min(last);
        let w = x - i as f64;
        hourly[i] + w.min(1.0) * (hourly[j] - hourly[i])
    };
    let mut rate = base;
    if day.weekend {
        rate *= if day.exam { 0.8 } else { 0.55 };
    }
    if day.exam {
        rate *= 1.2;
    }
    rate
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEKDAY: DayKind = DayKind { weekend: false, exam: false };

    #[test]
    fn seats_ramp_dip_and_tail() {
        let at = |h: u32, m: u32| seat_demand(WEEKDAY, ZoneKind::Quiet, h * 60 + m);
        assert_eq!(at(7, 59), 0.0);
        assert!(at(8, 0) < 0.1);
        assert!(at(11, 0) > 0.8);
        assert!(at(13, 0) < at(11, 0), "lunch dip");
        assert!(at(21, 30) < 0.2);
        assert_eq!(at(22, 0), 0.0);
        let weekend = DayKind { weekend: true, exam: false };
        let exam = DayKind { weekend: false, exam: true };
        assert!(seat_demand(weekend, ZoneKind::Quiet, 660) < at(11, 0));
        assert!(seat_demand(exam, ZoneKind::Quiet, 660) > at(11, 0));
        assert!(seat_demand(exam, ZoneKind::Quiet, 660) <= 0.97);
    }

    #[test]
    fn arrivals_follow_the_hourly_profile() {
        let mut hourly = [10.0; 14];
        hourly[4] = 50.0; // 12:00–13:00
        assert_eq!(arrivals_per_hour(&hourly, WEEKDAY, 12 * 60 + 30), 50.0);
        assert_eq!(arrivals_per_hour(&hourly, WEEKDAY, 8 * 60), 10.0);
        let between = arrivals_per_hour(&hourly, WEEKDAY, 13 * 60);
        assert!((between - 30.0).abs() < 1e-9);
        assert_eq!(arrivals_per_hour(&hourly, WEEKDAY, 22 * 60), 0.0);
        assert_eq!(arrivals_per_hour(&hourly, WEEKDAY, 21 * 60 + 59), 10.0);
    }
}
