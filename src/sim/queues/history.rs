//! Arrivals history: what each window saw, minute by minute, for `GET /v1/arrivals`.
//!
//! The queue model records every arrival (at the window the patron first joined) and every
//! start of service (with the patron's wait) into one tally per window per minute of the day;
//! a query sums the minutes of each bucket ([`Buckets`]).
//!
//! Only two kinds of day are kept: the day in progress, and finished days on which staff
//! changed a window. Every other day can be had again by simulating it on its own (see
//! [`QueueModel::arrival_buckets`](super::QueueModel::arrival_buckets)), so it is not kept:
//! nine weeks of six windows would otherwise hold 4.4 MiB of tallies, and a long-running
//! simulator would grow by 70 KiB a simulated day.
//!
//! May use: calendar. Pure.

use chrono::NaiveDate;

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

/// One local day's per-minute tallies of every window.
#[derive(Debug, Clone, PartialEq)]
pub struct DayTallies {
    pub date: NaiveDate,
    /// Minutes from the history's origin to the first minute of the day.
    first_minute: usize,
    /// Per window, per minute of the day; a window's list ends at its last tallied minute.
    windows: Vec<Vec<Tally>>,
}

/// The recorded part of the history since `origin`: the day in progress and the days that
/// cannot be simulated again.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    origin: Secs,
    windows: usize,
    today: Option<DayTallies>,
    /// Whether staff changed a window today.
    touched: bool,
    /// Finished days on which staff changed a window, oldest first.
    kept: Vec<DayTallies>,
    /// Keeps every finished day, as a reference for tests of the replay.
    keep_every_day: bool,
}

impl History {
    /// An empty history of `windows` windows starting at `origin` (rounded down to a minute).
    pub fn new(origin: Secs, windows: usize) -> Self {
        Self {
            origin: origin - origin.rem_euclid(60),
            windows,
            today: None,
            touched: false,
            kept: Vec::new(),
            keep_every_day: false,
        }
    }

    /// The first instant the history covers.
    pub fn origin(&self) -> Secs {
        self.origin
    }

    /// Keeps every finished day instead of only the touched ones.
    #[cfg(test)]
    pub fn keeping_every_day(mut self) -> Self {
        self.keep_every_day = true;
        self
    }

    fn minute_index(&self, t: Secs) -> Option<usize> {
        if t < self.origin {
            return None;
        }
        usize::try_from((t - self.origin) / 60).ok()
    }

    /// Starts recording `date`, whose first instant is `midnight`. The day before is kept if
    /// staff changed a window on it, and dropped otherwise.
    pub fn start_day(&mut self, date: NaiveDate, midnight: Secs) {
        if let Some(done) = self.today.take()
            && (self.touched || self.keep_every_day)
        {
            self.kept.push(done);
        }
        self.touched = false;
        self.today = Some(DayTallies {
            date,
            first_minute: self.minute_index(midnight).unwrap_or(0),
            windows: vec![Vec::new(); self.windows],
        });
    }

    /// Notes that staff changed a window today, so that the day is kept when it ends.
    pub fn touch(&mut self) {
        self.touched = true;
    }

    fn minute(&mut self, window: usize, t: Secs) -> Option<&mut Tally> {
        let i = self.minute_index(t)?;
        let day = self.today.as_mut()?;
        let i = i.checked_sub(day.first_minute)?;
        let tallies = day.windows.get_mut(window)?;
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

    /// The tallies of `date` if it was recorded and kept: the day in progress or a touched day.
    pub fn day(&self, date: NaiveDate) -> Option<&DayTallies> {
        self.today.iter().chain(&self.kept).find(|d| d.date == date)
    }

    /// The day in progress, if any.
    pub fn today(&self) -> Option<&DayTallies> {
        self.today.as_ref()
    }

    /// The day in progress, taken out of the history.
    pub fn take_today(&mut self) -> Option<DayTallies> {
        self.today.take()
    }
}

/// Totals per window for every bucket of `step` seconds (aligned to the Unix epoch) that
/// overlaps `[from, to)`, starts at or after the history's origin and starts before `until`,
/// summed from the days added to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Buckets {
    origin: Secs,
    step: Secs,
    /// Start of the first bucket.
    first: Secs,
    count: usize,
    windows: usize,
    /// Bucket after bucket, windows in model order within a bucket.
    tallies: Vec<BucketTally>,
}

impl Buckets {
    /// Empty buckets over `[from, to)` for a history of `windows` windows since `origin`.
    /// `step` must be a positive multiple of 60; with any other step, or an empty range, there
    /// are no buckets.
    pub fn new(
        origin: Secs,
        windows: usize,
        from: Secs,
        to: Secs,
        step: Secs,
        until: Secs,
    ) -> Self {
        let origin = origin - origin.rem_euclid(60);
        let mut first = from - from.rem_euclid(step.max(1));
        if first < origin && step > 0 {
            first += (origin - first + step - 1) / step * step;
        }
        let end = to.min(until);
        // An empty range (`from` equal to `to`) overlaps no bucket, even one that starts
        // before `from`.
        let count = if step > 0 && step % 60 == 0 && from < to && first < end {
            usize::try_from((end - first + step - 1) / step).unwrap_or(0)
        } else {
            0
        };
        let tallies = (0..count)
            .flat_map(|k| {
                let start = first + k as Secs * step;
                (0..windows).map(move |window| BucketTally {
                    window,
                    start,
                    arrivals: 0,
                    served: 0,
                    wait_s: 0,
                })
            })
            .collect();
        Self { origin, step, first, count, windows, tallies }
    }

    /// The time the buckets cover, `[start, end)`; `None` when there are no buckets.
    pub fn span(&self) -> Option<(Secs, Secs)> {
        (self.count > 0).then(|| (self.first, self.first + self.count as Secs * self.step))
    }

    /// Adds the minutes of `day` that fall in a bucket.
    pub fn add(&mut self, day: &DayTallies) {
        for (window, minutes) in day.windows.iter().enumerate().take(self.windows) {
            for (i, m) in minutes.iter().enumerate() {
                if *m == Tally::default() {
                    continue;
                }
                let at = self.origin + (day.first_minute + i) as Secs * 60;
                let k = (at - self.first).div_euclid(self.step);
                let Some(b) = usize::try_from(k)
                    .ok()
                    .filter(|&k| k < self.count)
                    .and_then(|k| self.tallies.get_mut(k * self.windows + window))
                else {
                    continue;
                };
                b.arrivals += u32::from(m.arrivals);
                b.served += u32::from(m.served);
                b.wait_s += u64::from(m.wait_s);
            }
        }
    }

    /// The buckets in time order, windows in model order within a bucket.
    pub fn into_tallies(self) -> Vec<BucketTally> {
        self.tallies
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_sum_minutes_and_stop_at_until() {
        let origin: Secs = 1_799_996_400; // a whole hour
        let date = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        let mut h = History::new(origin + 5, 2);
        assert_eq!(h.origin(), origin);
        h.start_day(date, origin);
        h.record_arrival(0, origin + 10);
        h.record_arrival(0, origin + 70);
        h.record_served(0, origin + 80, 30);
        h.record_arrival(1, origin + 3600 + 1);
        h.record_arrival(1, origin - 1); // before the origin: ignored
        let sum = |from, to, step, until| {
            let mut b = Buckets::new(h.origin(), 2, from, to, step, until);
            b.add(h.day(date).unwrap());
            b.into_tallies()
        };
        let b = sum(origin, origin + 7200, 3600, origin + 3601);
        assert_eq!(b.len(), 4);
        assert_eq!((b[0].window, b[0].arrivals, b[0].served, b[0].wait_s), (0, 2, 1, 30));
        assert_eq!((b[3].window, b[3].start, b[3].arrivals), (1, origin + 3600, 1));
        // A bucket starting before the origin is left out.
        assert_eq!(sum(origin - 60, origin, 60, origin + 60).len(), 0);
        assert_eq!(sum(origin - 1800, origin + 1800, 3600, origin + 3600)[0].start, origin);
        // The bucket containing `until` is returned, later ones are not.
        assert_eq!(sum(origin, origin + 7200, 3600, origin + 3600).len(), 2);
        // Steps that are not whole minutes give nothing.
        assert_eq!(sum(origin, origin + 7200, 90, origin + 7200).len(), 0);
    }

    #[test]
    fn only_touched_days_are_kept() {
        let origin: Secs = 1_799_971_200;
        let day = |n: u64| NaiveDate::from_ymd_opt(2027, 1, 15).unwrap() + chrono::Days::new(n);
        let mut h = History::new(origin, 1);
        for n in 0..4 {
            h.start_day(day(n), origin + n as Secs * 86_400);
            h.record_arrival(0, origin + n as Secs * 86_400 + 600);
            if n == 1 {
                h.touch();
            }
        }
        assert!(h.day(day(0)).is_none());
        assert!(h.day(day(1)).is_some());
        assert!(h.day(day(2)).is_none());
        assert_eq!(h.today().map(|d| d.date), Some(day(3)));
    }
}
