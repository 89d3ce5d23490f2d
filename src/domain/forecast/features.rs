//! The features of the boosted model for one target bucket seen from one origin.
//!
//! May use: the calendar, a [`Past`] and the baselines. Contract: every feature is known at the
//! origin; counts come only through the `Past`. Counts are divided by the origin's scale (the
//! mean count of the last weeks) so that one model serves a quiet and a busy period, and a
//! series that grows over the years; the model's prediction is multiplied back.
//!
//! The features:
//! - calendar: slot of day, day of week, weekend, buckets ahead of the origin;
//! - the same local slot 1, 2 and 3 weeks before (the latest such weeks before the origin);
//! - the seasonal profile, which is also the base prediction the trees correct;
//! - the recent level: the last 24 hours' mean over the mean of the same 24 hours a week
//!   earlier, alone and times the profile;
//! - the current anomaly: the last 3 hours' counts over their profile values, alone and times
//!   the profile, which matters for the first buckets of the horizon;
//! - the last count before the origin.

use super::baseline::{seasonal_naive, seasonal_profile};
use super::history::Past;

/// The number of features in a row.
pub(crate) const FEATURES: usize = 13;

/// Ratios are kept within these bounds so that a near-empty reference does not dominate.
const RATIO_BOUNDS: (f64, f64) = (0.1, 10.0);

/// Hours of counts behind the current-anomaly feature.
const ANOMALY_HOURS: u32 = 3;

/// Buckets sampled from those hours at most, to keep one-minute series cheap.
const ANOMALY_SAMPLES: usize = 12;

/// What the features need to know about an origin, computed once per origin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin {
    /// The divisor of every count.
    pub(crate) scale: f64,
    level_ratio: f64,
    anomaly_ratio: f64,
    last: f64,
}

impl Origin {
    /// Measures the scale, the recent level and the current anomaly from what `past` sees.
    pub(crate) fn new(past: &Past<'_>, profile_weeks: usize) -> Origin {
        let cal = past.calendar();
        let o = past.origin();
        let (spd, spw) = (cal.steps_per_day(), cal.steps_per_week());
        let scale = past
            .mean(o.saturating_sub(profile_weeks.max(1) * spw), o)
            .or_else(|| past.mean(0, o))
            .filter(|&s| s > 0.0)
            .unwrap_or(1.0);
        let smooth = 0.05 * scale;
        let ratio =
            |a: f64, b: f64| ((a + smooth) / (b + smooth)).clamp(RATIO_BOUNDS.0, RATIO_BOUNDS.1);

        let level_ratio = match (
            past.mean(o.saturating_sub(spd), o),
            (o >= spw + spd).then(|| past.mean(o - spw - spd, o - spw)).flatten(),
        ) {
            (Some(now), Some(before)) => ratio(now, before),
            _ => f64::NAN,
        };

        let span = (ANOMALY_HOURS as usize * 3600 / (86_400 / spd)).clamp(1, spd).min(o);
        let stride = span.div_ceil(ANOMALY_SAMPLES).max(1);
        let (mut actual, mut expected, mut n) = (0.0, 0.0, 0usize);
        for j in (o - span..o).rev().step_by(stride) {
            let a = past.get(j);
            if let (false, Some(p)) = (a.is_nan(), seasonal_profile(past, j, profile_weeks)) {
                actual += a;
                expected += p;
                n += 1;
            }
        }
        let anomaly_ratio =
            if n > 0 { ratio(actual / n as f64, expected / n as f64) } else { f64::NAN };

        let last = if o > 0 { past.get(o - 1) / scale } else { f64::NAN };
        Origin { scale, level_ratio, anomaly_ratio, last }
    }
}

/// Fills `row` with the features of bucket `target` and returns the base prediction, both in
/// units of the origin's scale.
pub(crate) fn fill(
    past: &Past<'_>,
    origin: &Origin,
    target: usize,
    profile_weeks: usize,
    row: &mut [f64; FEATURES],
) -> f64 {
    let cal = past.calendar();
    let (day, slot) = (cal.day(target), cal.slot(target));
    let weekday = cal.weekday(target);
    let first = cal.first_week_back(past.origin(), target);
    let lag = |k: usize| {
        (7 * k <= day)
            .then(|| cal.at(day - 7 * k, slot))
            .flatten()
            .map_or(f64::NAN, |i| past.get(i) / origin.scale)
    };
    let profile = seasonal_profile(past, target, profile_weeks).map(|p| p / origin.scale);
    let base =
        profile.unwrap_or_else(|| seasonal_naive(past, target, profile_weeks) / origin.scale);
    let profile = profile.unwrap_or(f64::NAN);

    *row = [
        slot as f64,
        weekday as f64,
        if weekday >= 5 { 1.0 } else { 0.0 },
        target.saturating_sub(past.origin()) as f64,
        lag(first),
        lag(first + 1),
        lag(first + 2),
        profile,
        origin.level_ratio,
        profile * origin.level_ratio,
        origin.anomaly_ratio,
        profile * origin.anomaly_ratio,
        origin.last,
    ];
    base
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::super::calendar::Calendar;
    use super::super::history::History;
    use super::*;

    #[test]
    fn level_and_anomaly_see_a_doubling() {
        // Three weeks of a flat 10 per hour, then the last day (a Sunday) at 20.
        let mut values = vec![10.0; 24 * 21];
        (24 * 20..24 * 21).for_each(|i| values[i] = 20.0);
        values[24 * 14 + 5] = 30.0;
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let cal = Calendar::new(start, 3600, values.len() + 24, chrono_tz::UTC).unwrap();
        let history = History::new(&cal, &values);
        let past = history.before(values.len());
        let origin = Origin::new(&past, 3);
        assert!((origin.scale - values.iter().sum::<f64>() / values.len() as f64).abs() < 1e-9);
        assert!((origin.level_ratio - 2.0).abs() < 0.1);
        assert!((origin.anomaly_ratio - 2.0).abs() < 0.1);
        let mut row = [0.0; FEATURES];
        let base = fill(&past, &origin, values.len() + 5, 3, &mut row);
        assert!((base * origin.scale - 10.0).abs() < 1e-9);
        assert_eq!(row[0], 5.0);
        assert_eq!(row[1], 0.0);
        assert_eq!(row[3], 5.0);
        assert!((row[4] * origin.scale - 30.0).abs() < 1e-9);
        assert!((row[5] * origin.scale - 10.0).abs() < 1e-9);
    }
}
