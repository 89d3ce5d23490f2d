//! Arrivals history: what each window saw, minute by minute, for `GET /v1/arrivals`.
//!
//! The queue model records every arrival (at the window the patron first joined) and every
//! start of service (with the patron's wait) into one tally per window per minute; a query sums
//! the minutes of each bucket. Eight weeks of six windows take about 4 MiB.
//!
//! May use: calendar. Pure.

use super::super::calendar::Secs;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    arrivals: u16,
    served: u16,
    wait_s: u32,
}

/// One window's totals over one bucket `[start, start + step)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketTally {
    /// Index of the window in the model's window list.
    pub window: usize,
    pub start: Secs,
    pub arrivals: u32,
    pub served: u32,
    /// Sum of the waits of the patrons served, in seconds.
    pub wait_s: u64,
}

/// Per-minute tallies of every window since `origin`.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    origin: Secs,
    windows: Vec<Vec<Tally>>,
}

impl History {
    /// An empty history of `windows` windows starting at `origin` (rounded down to a minute).
    pub fn new(origin: Secs, windows: usize) -> Self {
        Self { origin: origin - origin.rem_euclid(60), windows: vec![Vec::new(); windows] }
    }

    /// The first instant the history covers.
    pub fn origin(&self) -> Secs {
        self.origin
    }

    fn minute(&mut self, window: usize, t: Secs) -> Option<&mut Tally> {
        if t < self.origin {
            return None;
        }
        let i = usize::try_from((t - self.origin) / 60).ok()?;
        let tallies = self.windows.get_mut(window)?;
        if tallies.len() <= i {
            tallies.resize(i + 1, Tally::default());
        }
        tallies.get_mut(i)
    }

    pub fn record_arrival(&mut self, window: usize, t: Secs) {
        if let Some(m) = self.minute(window, t) {
            m.arrivals = m.arrivals.saturating_add(1);
        }
    }

    pub fn record_served(&mut self, window: usize, t: Secs, wait_s: Secs) {
        if let Some(m) = self.minute(window, t) {
            m.served = m.served.saturating_add(1);
            m.wait_s = m.wait_s.saturating_add(u32::try_from(wait_s.max(0)).unwrap_or(u32::MAX));
        }
    }

    /// Totals per window for every bucket of `step` seconds (aligned to the Unix epoch) that
    /// overlaps `[from, to)`, starts at or after the origin and starts before `until`. Buckets
    /// come in time order, windows in model order within a bucket. `step` must be positive.
    pub fn buckets(&self, from: Secs, to: Secs, step: Secs, until: Secs) -> Vec<BucketTally> {
        let mut out = Vec::new();
        if step <= 0 {
            return out;
        }
        let mut start = from - from.rem_euclid(step);
        while start < to && start < until {
            if start >= self.origin {
                for (window, tallies) in self.windows.iter().enumerate() {
                    out.push(self.sum(window, tallies, start, step));
                }
            }
            start += step;
        }
        out
    }

    fn sum(&self, window: usize, tallies: &[Tally], start: Secs, step: Secs) -> BucketTally {
        let first = usize::try_from((start - self.origin) / 60).unwrap_or(usize::MAX);
        let count = usize::try_from(step / 60).unwrap_or(0);
        let mut b = BucketTally { window, start, arrivals: 0, served: 0, wait_s: 0 };
        for m in tallies.iter().skip(first).take(count) {
            b.arrivals += u32::from(m.arrivals);
            b.served += u32::from(m.served);
            b.wait_s += u64::from(m.wait_s);
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_sum_minutes_and_stop_at_until() {
        let origin: Secs = 1_799_996_400; // a whole hour
        let mut h = History::new(origin + 5, 2);
        assert_eq!(h.origin(), origin);
        h.record_arrival(0, origin + 10);
        h.record_arrival(0, origin + 70);
        h.record_served(0, origin + 80, 30);
        h.record_arrival(1, origin + 3600 + 1);
        h.record_arrival(1, origin - 1); // before the origin: ignored
        let b = h.buckets(origin, origin + 7200, 3600, origin + 3601);
        assert_eq!(b.len(), 4);
        assert_eq!((b[0].window, b[0].arrivals, b[0].served, b[0].wait_s), (0, 2, 1, 30));
        assert_eq!((b[3].window, b[3].start, b[3].arrivals), (1, origin + 3600, 1));
        // A bucket starting before the origin is left out.
        assert_eq!(h.buckets(origin - 60, origin, 60, origin + 60).len(), 0);
        // The bucket containing `until` is returned, later ones are not.
        assert_eq!(h.buckets(origin, origin + 7200, 3600, origin + 3600).len(), 2);
    }
}
