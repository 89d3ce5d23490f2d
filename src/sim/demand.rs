//! How busy the simulated library is at a given local time: the rate at which patrons arrive
//! at each desk.
//!
//! A day has a morning ramp from opening at 08:00, a lunch peak at the desks (patrons come by
//! between classes), an afternoon plateau and an evening tail to closing at 22:00. Weekends
//! are quieter; exam weeks (see [`is_exam_day`](super::calendar::is_exam_day)) lengthen the
//! queues.
//!
//! May use: calendar. Pure.

use super::calendar::{CLOSES_MIN, DayKind, OPENS_MIN};

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

    const WEEKDAY: DayKind = DayKind {
        weekend: false,
        exam: false,
    };

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
