//! The two seasonal baselines: seasonal-naive and the weekday × slot profile.
//!
//! May use: the calendar and a [`Past`]. Contract: both read only what lies before the origin.
//! Seasonal-naive is the count at the same local slot one week before (or the latest whole
//! number of weeks before the origin, for horizons past a week), stepping further back over
//! missing counts. The profile is the median of the same weekday and slot over the last
//! `weeks` whole days before the origin, ignoring days that were closed (every count zero or
//! none at all) and missing counts, so that a holiday or an outage does not pull it down.

use super::history::Past;

/// The seasonal-naive forecast for bucket `target`; 0 when no earlier week has a count.
pub(crate) fn seasonal_naive(past: &Past<'_>, target: usize, max_weeks: usize) -> f64 {
    let cal = past.calendar();
    let (day, slot) = (cal.day(target), cal.slot(target));
    let first = cal.first_week_back(past.origin(), target);
    (first..first + max_weeks.max(1))
        .take_while(|&k| 7 * k <= day)
        .filter_map(|k| cal.at(day - 7 * k, slot))
        .map(|i| past.get(i))
        .find(|v| !v.is_nan())
        .unwrap_or(0.0)
}

/// The counts at the same weekday and slot as `target` on the last `weeks` whole days before
/// the origin that were open; `None` when no such day has been seen yet.
fn profile_values(past: &Past<'_>, target: usize, weeks: usize) -> Option<Vec<f64>> {
    let cal = past.calendar();
    let (day, slot) = (cal.day(target), cal.slot(target));
    let mut k = cal.first_week_back(past.origin(), target);
    let (mut seen, mut values) = (0, Vec::with_capacity(weeks));
    while seen < weeks && 7 * k <= day {
        let d = day - 7 * k;
        k += 1;
        let Some(closed) = past.day_closed(d) else { continue };
        seen += 1;
        if closed {
            continue;
        }
        if let Some(v) = cal.at(d, slot).map(|i| past.get(i)).filter(|v| !v.is_nan()) {
            values.push(v);
        }
    }
    (seen > 0).then_some(values)
}

/// The seasonal-profile forecast for bucket `target`: 0 if every recent such day was closed,
/// `None` if there is no whole day of the same weekday before the origin yet.
pub(crate) fn seasonal_profile(past: &Past<'_>, target: usize, weeks: usize) -> Option<f64> {
    profile_values(past, target, weeks).map(|mut v| median(&mut v).unwrap_or(0.0))
}

/// The median of `values`, averaging the middle two of an even count.
pub(crate) fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 { values[n / 2] } else { 0.5 * (values[n / 2 - 1] + values[n / 2]) })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::super::calendar::Calendar;
    use super::super::history::History;
    use super::*;

    fn hourly(values: &[f64]) -> Calendar {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(); // a Monday
        Calendar::new(start, 3600, values.len() + 48, chrono_tz::UTC).unwrap()
    }

    #[test]
    fn the_profile_ignores_closed_days_and_gaps() {
        // Five weeks where each day's 10:00 count is 10 + week, except a closed Monday in week 3
        // and a gap on the Monday of week 4.
        let mut values = vec![1.0; 24 * 35];
        for w in 0..5 {
            for d in 0..7 {
                values[(w * 7 + d) * 24 + 10] = 10.0 + w as f64;
            }
        }
        (0..24).for_each(|h| values[(2 * 7) * 24 + h] = 0.0);
        values[(3 * 7) * 24 + 10] = f64::NAN;
        let cal = hourly(&values);
        let history = History::new(&cal, &values);
        let origin = 24 * 35;
        let past = history.before(origin);
        let monday_10 = origin + 10;
        // Weeks 4, 1 and 0 remain of the last five Mondays.
        assert_eq!(seasonal_profile(&past, monday_10, 5), Some(11.0));
        // Seasonal-naive takes last week's count.
        assert_eq!(seasonal_naive(&past, monday_10, 5), 14.0);
        // With the last week's Monday closed, the naive model simply repeats the zero.
        let past = history.before(24 * 15);
        assert_eq!(seasonal_naive(&past, 24 * 21 + 10, 5), 0.0);
        assert_eq!(seasonal_profile(&past, 24 * 21 + 10, 5), Some(10.5));
    }

    #[test]
    fn a_day_straddling_the_origin_is_not_used() {
        let mut values = vec![3.0; 24 * 14];
        (24 * 7..24 * 8).for_each(|i| values[i] = 5.0);
        let cal = hourly(&values);
        let history = History::new(&cal, &values);
        // From Monday 12:00 of week 1, next Monday's 09:00 is forecast from this Monday's 09:00
        // by the naive model, but the profile waits for whole days and takes the week before.
        let origin = 24 * 7 + 12;
        let past = history.before(origin);
        let target = origin + 24 * 7 - 3;
        assert_eq!(seasonal_naive(&past, target, 3), 5.0);
        assert_eq!(seasonal_profile(&past, target, 1), Some(3.0));
        assert_eq!(seasonal_profile(&history.before(10), 10, 3), None);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}
