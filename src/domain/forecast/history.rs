//! The counts of a series as seen from a forecast origin: nothing at or after the origin.
//!
//! May use: the calendar. Contract: a [`Past`] answers every question (a count, a mean over a
//! range, whether a day was closed) from buckets before its origin only; a bucket at or after
//! the origin reads as missing, and a day that is not wholly before the origin has no verdict.
//! The models read counts only through a `Past`, which is what keeps them from peeking.

use super::calendar::Calendar;

/// Counts of a series with running sums, shared by all the origins of a backtest.
pub(crate) struct History<'a> {
    calendar: &'a Calendar,
    values: &'a [f64],
    /// `sum[i]` is the total of the observed counts before bucket `i`, `count[i]` their number.
    sum: Vec<f64>,
    count: Vec<u32>,
    /// Per local day: whether the library was closed (no count, or every count zero).
    closed: Vec<bool>,
}

impl<'a> History<'a> {
    /// Wraps the counts of the series, which may be shorter than the calendar.
    pub(crate) fn new(calendar: &'a Calendar, values: &'a [f64]) -> History<'a> {
        let values = &values[..values.len().min(calendar.len())];
        let mut sum = Vec::with_capacity(values.len() + 1);
        let mut count = Vec::with_capacity(values.len() + 1);
        let (mut s, mut c) = (0.0, 0u32);
        sum.push(s);
        count.push(c);
        for &v in values {
            if !v.is_nan() {
                s += v;
                c += 1;
            }
            sum.push(s);
            count.push(c);
        }
        let mut history =
            History { calendar, values, sum, count, closed: vec![true; calendar.days()] };
        for d in 0..calendar.days() {
            let (a, b) = calendar.day_span(d);
            let (total, n) = history.total(a, b);
            history.closed[d] = n == 0 || total <= 0.0;
        }
        history
    }

    /// The calendar of the series.
    pub(crate) fn calendar(&self) -> &'a Calendar {
        self.calendar
    }

    /// The number of buckets with a count or a gap, which is where the known series ends.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    /// The series as seen from bucket `origin`.
    pub(crate) fn before(&self, origin: usize) -> Past<'_> {
        Past { history: self, origin: origin.min(self.values.len()) }
    }

    fn total(&self, a: usize, b: usize) -> (f64, u32) {
        let b = b.min(self.values.len());
        if a >= b {
            return (0.0, 0);
        }
        (self.sum[b] - self.sum[a], self.count[b] - self.count[a])
    }
}

/// The series as seen from a forecast origin.
#[derive(Clone, Copy)]
pub(crate) struct Past<'h> {
    history: &'h History<'h>,
    origin: usize,
}

impl<'h> Past<'h> {
    /// The calendar of the series.
    pub(crate) fn calendar(&self) -> &'h Calendar {
        self.history.calendar
    }

    /// The first bucket that this view cannot see.
    pub(crate) fn origin(&self) -> usize {
        self.origin
    }

    /// The count of bucket `i`, or NaN if it is missing or not before the origin.
    pub(crate) fn get(&self, i: usize) -> f64 {
        if i < self.origin { self.history.values[i] } else { f64::NAN }
    }

    /// The mean of the observed counts in `[a, b)` cut at the origin, if there is any.
    pub(crate) fn mean(&self, a: usize, b: usize) -> Option<f64> {
        let (total, n) = self.history.total(a, b.min(self.origin));
        (n > 0).then(|| total / f64::from(n))
    }

    /// Whether local day `d` was closed; `None` unless the whole day lies before the origin.
    pub(crate) fn day_closed(&self, d: usize) -> Option<bool> {
        let (a, b) = self.history.calendar.day_span(d);
        (a < b && b <= self.origin).then(|| self.history.closed[d])
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn a_past_sees_nothing_from_its_origin_on() {
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let cal = Calendar::new(start, 3600, 72, chrono_tz::UTC).unwrap();
        let mut values = vec![1.0; 72];
        values[5] = f64::NAN;
        (24..48).for_each(|i| values[i] = 0.0);
        let history = History::new(&cal, &values);
        let past = history.before(30);
        assert_eq!(past.get(29), 0.0);
        assert!(past.get(30).is_nan());
        assert!(past.get(5).is_nan());
        assert_eq!(past.mean(0, 24), Some(1.0));
        assert_eq!(past.mean(30, 72), None);
        assert_eq!(past.day_closed(0), Some(false));
        assert_eq!(past.day_closed(1), None);
        assert_eq!(history.before(48).day_closed(1), Some(true));
    }
}
