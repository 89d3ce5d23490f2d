//! The library's calendar laid over a series: the local day, slot of day and weekday of every
//! bucket, and the bucket at a given local day and slot.
//!
//! May use: chrono and chrono-tz. Depends only on the start, step and length of a series, never
//! on its values, so it may cover buckets past the forecast origin.
//!
//! Contract: the slot of a bucket is its local time since local midnight divided by the step.
//! Days are numbered from the local date of the first bucket. A slot skipped when clocks go
//! forward has no bucket; a slot repeated when clocks go back maps to its first bucket.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use chrono_tz::Tz;

use super::{ForecastError, check_step, steps_per_day};

/// Local day and slot of every bucket of a series (and of its forecast horizon).
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    steps_per_day: usize,
    day: Vec<u32>,
    slot: Vec<u32>,
    /// Weekday of day 0, Monday = 0.
    first_weekday: u32,
    /// `grid[day · steps_per_day + slot]` is the bucket index plus one, or 0 for no bucket.
    grid: Vec<u32>,
    /// First bucket and one past the last bucket of each local day.
    day_span: Vec<(usize, usize)>,
}

impl Calendar {
    /// Lays the calendar of `tz` over `len` buckets of `step_s` seconds from `start`.
    pub(crate) fn new(
        start: DateTime<Utc>,
        step_s: u32,
        len: usize,
        tz: Tz,
    ) -> Result<Calendar, ForecastError> {
        check_step(step_s)?;
        if u32::try_from(len).is_err() {
            return Err(ForecastError::OutOfRange);
        }
        let spd = steps_per_day(step_s);
        let step = Duration::seconds(i64::from(step_s));
        let first_local = start.with_timezone(&tz).date_naive();
        let first_ce = first_local.num_days_from_ce();
        let mut day = Vec::with_capacity(len);
        let mut slot = Vec::with_capacity(len);
        let mut t = start;
        for _ in 0..len {
            let local = t.with_timezone(&tz);
            let d = local.date_naive().num_days_from_ce() - first_ce;
            // A zone whose clocks go back across midnight may put a bucket on the day before the
            // first; such a bucket joins day 0.
            day.push(u32::try_from(d).unwrap_or(0));
            slot.push((local.time().num_seconds_from_midnight() / step_s).min(spd as u32 - 1));
            t = t.checked_add_signed(step).ok_or(ForecastError::OutOfRange)?;
        }
        let days = day.iter().max().map_or(0, |&d| d as usize + 1);
        let mut grid = vec![0u32; days * spd];
        let mut day_span = vec![(usize::MAX, 0usize); days];
        for (i, (&d, &s)) in day.iter().zip(&slot).enumerate() {
            let cell = &mut grid[d as usize * spd + s as usize];
            if *cell == 0 {
                *cell = i as u32 + 1;
            }
            let span = &mut day_span[d as usize];
            span.0 = span.0.min(i);
            span.1 = span.1.max(i + 1);
        }
        for span in &mut day_span {
            if span.0 == usize::MAX {
                *span = (0, 0);
            }
        }
        let first_weekday = first_local.weekday().num_days_from_monday();
        Ok(Calendar { steps_per_day: spd, day, slot, first_weekday, grid, day_span })
    }

    /// The number of buckets covered.
    pub(crate) fn len(&self) -> usize {
        self.day.len()
    }

    /// Buckets per day.
    pub(crate) fn steps_per_day(&self) -> usize {
        self.steps_per_day
    }

    /// Buckets per week.
    pub(crate) fn steps_per_week(&self) -> usize {
        7 * self.steps_per_day
    }

    /// The number of local days covered.
    pub(crate) fn days(&self) -> usize {
        self.day_span.len()
    }

    /// The local day of bucket `i`.
    pub(crate) fn day(&self, i: usize) -> usize {
        self.day[i] as usize
    }

    /// The slot of day of bucket `i`.
    pub(crate) fn slot(&self, i: usize) -> usize {
        self.slot[i] as usize
    }

    /// The weekday of bucket `i`, Monday = 0.
    pub(crate) fn weekday(&self, i: usize) -> usize {
        self.weekday_of_day(self.day(i))
    }

    /// The weekday of local day `d`, Monday = 0.
    pub(crate) fn weekday_of_day(&self, d: usize) -> usize {
        (self.first_weekday as usize + d) % 7
    }

    /// The bucket at local day `day` and `slot`, if the series has one there.
    pub(crate) fn at(&self, day: usize, slot: usize) -> Option<usize> {
        if day >= self.days() || slot >= self.steps_per_day {
            return None;
        }
        match self.grid[day * self.steps_per_day + slot] {
            0 => None,
            i => Some(i as usize - 1),
        }
    }

    /// The buckets of local day `d` as a half-open range of indices.
    pub(crate) fn day_span(&self, d: usize) -> (usize, usize) {
        self.day_span.get(d).copied().unwrap_or((0, 0))
    }

    /// The smallest number of weeks `k ≥ 1` such that the slot of `target`, `k` weeks earlier,
    /// comes before the slot of `origin` in local time.
    pub(crate) fn first_week_back(&self, origin: usize, target: usize) -> usize {
        let (od, os) = (self.day(origin), self.slot(origin));
        let (td, ts) = (self.day(target), self.slot(target));
        let mut k = 1;
        while td >= 7 * k && (td - 7 * k, ts) >= (od, os) {
            k += 1;
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn slots_follow_local_time_across_daylight_saving() {
        // Europe/Berlin went to summer time on Sunday 2024-03-31 at 02:00 local (01:00 UTC).
        let tz: Tz = chrono_tz::Europe::Berlin;
        let start = Utc.with_ymd_and_hms(2024, 3, 24, 23, 0, 0).unwrap(); // Mon 00:00 local
        let cal = Calendar::new(start, 3600, 24 * 14, tz).unwrap();
        assert_eq!(cal.weekday(0), 0);
        assert_eq!((cal.day(0), cal.slot(0)), (0, 0));
        // Monday 09:00 local is 08:00 UTC before the change and 07:00 UTC after it.
        let before = cal.at(0, 9).unwrap();
        let after = cal.at(7, 9).unwrap();
        assert_eq!(after - before, 7 * 24 - 1);
        // Sunday 02:00 local did not exist.
        assert_eq!(cal.at(6, 2), None);
        assert_eq!(cal.day_span(6).1 - cal.day_span(6).0, 23);
        assert_eq!(cal.first_week_back(after, after), 1);
    }

    #[test]
    fn the_repeated_hour_maps_to_its_first_bucket() {
        // Clocks went back on Sunday 2024-10-27 at 03:00 local in Berlin.
        let tz: Tz = chrono_tz::Europe::Berlin;
        let start = Utc.with_ymd_and_hms(2024, 10, 26, 22, 0, 0).unwrap(); // Sun 00:00 local
        let cal = Calendar::new(start, 3600, 25, tz).unwrap();
        assert_eq!(cal.at(0, 2), Some(2));
        assert_eq!(cal.slot(3), 2);
        assert_eq!(cal.day_span(0), (0, 25));
    }

    #[test]
    fn weeks_back_skip_what_lies_past_the_origin() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let cal = Calendar::new(start, 3600, 24 * 30, chrono_tz::UTC).unwrap();
        let origin = 24 * 21 + 10;
        assert_eq!(cal.first_week_back(origin, origin), 1);
        assert_eq!(cal.first_week_back(origin, origin + 24 * 7 - 1), 1);
        assert_eq!(cal.first_week_back(origin, origin + 24 * 7), 2);
    }
}
