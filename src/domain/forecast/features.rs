//! The features of the boosted model for one target bucket seen from one origin.
//!
//! May use: the calendar, a [`History`] read through [`Past`] views, and the baselines.
//! Contract: every feature is known at the origin; counts come only through the origin's `Past`,
//! and the running sums below are cut at the origin. Counts are divided by the origin's scale
//! (the mean count of the last `profile_weeks` weeks) so that one model serves quiet and busy
//! periods and a series that grows over the years; the model's prediction is multiplied back.
//!
//! The features:
//! - calendar: slot of day, day of week, weekend, buckets ahead of the origin;
//! - the same local slot 1, 2 and 3 weeks before (the latest such weeks before the origin);
//! - the seasonal profile, which is also the base prediction the trees correct;
//! - week over week: the last 24 hours' mean over the mean of the same 24 hours a week earlier;
//! - the recent level: what arrived in the last 3 hours, 24 hours and 7 days over what the
//!   profile expected for those buckets, each alone and times the profile (trees split on
//!   values, so a level times the profile is given rather than left for them to multiply);
//! - the last count before the origin.
//!
//! "What the profile expected" for an earlier bucket is its profile as of the start of its own
//! day, which uses only whole days before it, so it is known at any later origin.

use super::baseline::{seasonal_naive, seasonal_profile};
use super::history::{History, Past};

/// The number of features in a row.
pub(crate) const FEATURES: usize = 16;

/// Ratios are kept within these bounds so that a near-empty reference does not dominate.
const RATIO_BOUNDS: (f64, f64) = (0.1, 10.0);

/// Hours of counts behind the current-anomaly feature.
const ANOMALY_HOURS: usize = 3;

/// A history with the running sums the level features need, built once per series.
pub(crate) struct Context<'h> {
    history: &'h History<'h>,
    profile_weeks: usize,
    /// Running sums over the buckets with both a count and a profile: `actual[i]` and
    /// `expected[i]` total those before bucket `i`.
    actual: Vec<f64>,
    expected: Vec<f64>,
}

impl<'h> Context<'h> {
    /// Computes every bucket's profile as of its day's start, and the running sums.
    pub(crate) fn new(history: &'h History<'h>, profile_weeks: usize) -> Context<'h> {
        let cal = history.calendar();
        let n = history.len();
        let (mut actual, mut expected) = (Vec::with_capacity(n + 1), Vec::with_capacity(n + 1));
        let (mut a, mut e) = (0.0, 0.0);
        actual.push(a);
        expected.push(e);
        for j in 0..n {
            let past = history.before(cal.day_span(cal.day(j)).0.min(j));
            let value = history.before(j + 1).get(j);
            if let (false, Some(p)) = (value.is_nan(), seasonal_profile(&past, j, profile_weeks)) {
                a += value;
                e += p;
            }
            actual.push(a);
            expected.push(e);
        }
        Context { history, profile_weeks, actual, expected }
    }

    /// The history behind the context.
    pub(crate) fn history(&self) -> &'h History<'h> {
        self.history
    }

    /// What the features need to know about an origin, measured from what it sees.
    pub(crate) fn origin(&self, origin: usize) -> Origin<'h> {
        let past = self.history.before(origin);
        let o = past.origin();
        let cal = past.calendar();
        let (spd, spw) = (cal.steps_per_day(), cal.steps_per_week());
        let scale = past
            .mean(o.saturating_sub(self.profile_weeks.max(1) * spw), o)
            .or_else(|| past.mean(0, o))
            .filter(|&s| s > 0.0)
            .unwrap_or(1.0);
        let smooth = 0.05 * scale;
        let ratio =
            |a: f64, b: f64| ((a + smooth) / (b + smooth)).clamp(RATIO_BOUNDS.0, RATIO_BOUNDS.1);
        let week_over_week = match (
            past.mean(o.saturating_sub(spd), o),
            (o >= spw + spd).then(|| past.mean(o - spw - spd, o - spw)).flatten(),
        ) {
            (Some(now), Some(before)) => ratio(now, before),
            _ => f64::NAN,
        };
        // Arrived over expected in `[o − len, o)`, per bucket so that the smoothing is per bucket.
        let level = |len: usize| {
            let a = o.saturating_sub(len);
            let (got, expected) =
                (self.actual[o] - self.actual[a], self.expected[o] - self.expected[a]);
            if expected <= 0.0 && got <= 0.0 {
                return f64::NAN;
            }
            let len = len.min(o).max(1) as f64;
            ratio(got / len, expected / len)
        };
        let anomaly_len = (ANOMALY_HOURS * spd / 24).max(1);
        Origin {
            past,
            scale,
            week_over_week,
            levels: [level(anomaly_len), level(spd), level(spw)],
            last: if o > 0 { past.get(o - 1) / scale } else { f64::NAN },
        }
    }
}

/// What the features need to know about an origin, computed once per origin.
#[derive(Clone, Copy)]
pub(crate) struct Origin<'h> {
    past: Past<'h>,
    /// The divisor of every count.
    pub(crate) scale: f64,
    week_over_week: f64,
    /// Arrived over expected in the last 3 hours, day and week.
    levels: [f64; 3],
    last: f64,
}

impl Origin<'_> {
    /// Fills `row` with the features of bucket `target` and returns the base prediction, both
    /// in units of the origin's scale.
    pub(crate) fn fill(
        &self,
        target: usize,
        profile_weeks: usize,
        row: &mut [f64; FEATURES],
    ) -> f64 {
        let past = &self.past;
        let cal = past.calendar();
        let (day, slot) = (cal.day(target), cal.slot(target));
        let weekday = cal.weekday(target);
        let first = cal.first_week_back(past.origin(), target);
        let lag = |k: usize| {
            (7 * k <= day)
                .then(|| cal.at(day - 7 * k, slot))
                .flatten()
                .map_or(f64::NAN, |i| past.get(i) / self.scale)
        };
        let profile = seasonal_profile(past, target, profile_weeks).map(|p| p / self.scale);
        let base =
            profile.unwrap_or_else(|| seasonal_naive(past, target, profile_weeks) / self.scale);
        let profile = profile.unwrap_or(f64::NAN);
        let [recent, day_level, week_level] = self.levels;
        *row = [
            slot as f64,
            weekday as f64,
            if weekday >= 5 { 1.0 } else { 0.0 },
            target.saturating_sub(past.origin()) as f64,
            lag(first),
            lag(first + 1),
            lag(first + 2),
            profile,
            self.week_over_week,
            recent,
            day_level,
            week_level,
            profile * recent,
            profile * day_level,
            profile * week_level,
            self.last,
        ];
        base
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::super::calendar::Calendar;
    use super::*;

    #[test]
    fn levels_see_a_doubling() {
        // Three weeks of a flat 10 per hour, then the last day (a Sunday) at 20.
        let mut values = vec![10.0; 24 * 21];
        (24 * 20..24 * 21).for_each(|i| values[i] = 20.0);
        values[24 * 14 + 5] = 30.0;
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let cal = Calendar::new(start, 3600, values.len() + 24, chrono_tz::UTC).unwrap();
        let history = History::new(&cal, &values);
        let context = Context::new(&history, 3);
        let origin = context.origin(values.len());
        assert!((origin.scale - values.iter().sum::<f64>() / values.len() as f64).abs() < 1e-9);
        let near = |x: f64, y: f64| (x - y).abs() < 0.1;
        assert!(near(origin.week_over_week, 2.0), "{}", origin.week_over_week);
        assert!(near(origin.levels[0], 2.0) && near(origin.levels[1], 2.0));
        assert!(near(origin.levels[2], 1.15), "{}", origin.levels[2]);
        let mut row = [0.0; FEATURES];
        let base = origin.fill(values.len() + 5, 3, &mut row);
        assert!((base * origin.scale - 10.0).abs() < 1e-9);
        assert_eq!(row[..4], [5.0, 0.0, 0.0, 5.0]);
        assert!((row[4] * origin.scale - 30.0).abs() < 1e-9);
        assert!((row[5] * origin.scale - 10.0).abs() < 1e-9);
    }
}
