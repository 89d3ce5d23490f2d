//! The simulated library's calendar: local time, opening hours, quarter-hour slots, weekends
//! and exam weeks.
//!
//! Simulated time is whole seconds since the Unix epoch ([`Secs`]); the library lives in its
//! local time zone, so days, opening hours and slots are local and survive daylight-saving
//! changes (a wall-clock time that does not exist is moved forward to the next one that does).
//!
//! May use: chrono, chrono-tz. Pure.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// Simulated time: whole seconds since the Unix epoch.
pub type Secs = i64;

/// Length of a staffing and demand slot: a quarter of an hour.
pub const SLOT_S: Secs = 900;

/// Opening time, in minutes after local midnight.
pub const OPENS_MIN: u32 = 8 * 60;
/// Closing time, in minutes after local midnight.
pub const CLOSES_MIN: u32 = 22 * 60;

/// The library's opening hours, local time: 08:00 to 22:00 every day.
pub fn opening_hours() -> (NaiveTime, NaiveTime) {
    (
        NaiveTime::from_hms_opt(OPENS_MIN / 60, 0, 0).unwrap_or(NaiveTime::MIN),
        NaiveTime::from_hms_opt(CLOSES_MIN / 60, 0, 0).unwrap_or(NaiveTime::MIN),
    )
}

/// Whether `date` falls in an exam period. Exams are held in ISO weeks 2–3 (the January
/// session), 21–22 (late May) and 49–50 (December); those weeks raise seat demand and desk
/// arrivals, weekends included.
pub fn is_exam_day(date: NaiveDate) -> bool {
    matches!(date.iso_week().week(), 2 | 3 | 21 | 22 | 49 | 50)
}

/// What kind of day a date is, for demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayKind {
    pub weekend: bool,
    pub exam: bool,
}

impl DayKind {
    pub fn of(date: NaiveDate) -> Self {
        Self {
            weekend: matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
            exam: is_exam_day(date),
        }
    }
}

/// A quarter-hour of a local day: the unit in which staffing schedules are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot {
    pub date: NaiveDate,
    /// Quarter-hours since local midnight: 32 is 08:00–08:15, 87 is 21:45–22:00.
    pub index: u32,
}

impl Slot {
    /// Minutes after local midnight at which the slot starts.
    pub fn start_minute(self) -> u32 {
        self.index * 15
    }

    /// The hour of day (0–23) the slot lies in.
    pub fn hour(self) -> u32 {
        self.index / 4
    }

    pub fn weekday(self) -> Weekday {
        self.date.weekday()
    }

    pub fn day_kind(self) -> DayKind {
        DayKind::of(self.date)
    }

    /// The slots of a day during opening hours, in order.
    pub fn open_slots(date: NaiveDate) -> impl Iterator<Item = Slot> {
        (OPENS_MIN / 15..CLOSES_MIN / 15).map(move |index| Slot { date, index })
    }
}

/// Converts between simulated seconds and the library's local wall clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calendar {
    tz: Tz,
}

impl Calendar {
    pub fn new(tz: Tz) -> Self {
        Self { tz }
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The local date at `t`.
    pub fn date_of(&self, t: Secs) -> NaiveDate {
        self.tz.from_utc_datetime(&utc(t).naive_utc()).date_naive()
    }

    /// Minutes after local midnight (by the wall clock) at `t`.
    pub fn minute_of(&self, t: Secs) -> u32 {
        let local = self.tz.from_utc_datetime(&utc(t).naive_utc());
        let time = local.time();
        chrono::Timelike::hour(&time) * 60 + chrono::Timelike::minute(&time)
    }

    /// The instant at which the local wall clock shows `minute` minutes after midnight on
    /// `date`. A wall-clock time skipped by a daylight-saving change maps to the first instant
    /// after the gap.
    pub fn at(&self, date: NaiveDate, minute: u32) -> Secs {
        let base = date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minute));
        for shift in 0..=6 {
            let wall = base + Duration::minutes(30 * shift);
            if let Some(t) = self.tz.from_local_datetime(&wall).earliest() {
                return t.timestamp();
            }
        }
        // No zone has a gap longer than three hours; treat the wall clock as UTC if one does.
        base.and_utc().timestamp()
    }

    pub fn midnight(&self, date: NaiveDate) -> Secs {
        self.at(date, 0)
    }

    pub fn opening(&self, date: NaiveDate) -> Secs {
        self.at(date, OPENS_MIN)
    }

    pub fn closing(&self, date: NaiveDate) -> Secs {
        self.at(date, CLOSES_MIN)
    }

    /// Local midnight at the start of the day after `date`.
    pub fn next_midnight(&self, date: NaiveDate) -> Secs {
        self.midnight(date.succ_opt().unwrap_or(date))
    }

    /// Whether the library is open at `t`.
    pub fn is_open(&self, t: Secs) -> bool {
        let date = self.date_of(t);
        (self.opening(date)..self.closing(date)).contains(&t)
    }

    /// The slot containing `t`.
    pub fn slot_of(&self, t: Secs) -> Slot {
        Slot { date: self.date_of(t), index: self.minute_of(t) / 15 }
    }
}

/// Days since 1970-01-01 of a date: the day part of stream keys.
pub fn day_number(date: NaiveDate) -> u64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
    (date - epoch).num_days().max(0) as u64
}

/// A simulated time as a UTC date-time.
pub fn utc(t: Secs) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn opening_hours_are_local() {
        let cal = Calendar::new(chrono_tz::Europe::Madrid);
        let d = date(2026, 11, 18);
        // Madrid is UTC+1 in November.
        assert_eq!(utc(cal.opening(d)).to_rfc3339(), "2026-11-18T07:00:00+00:00");
        assert_eq!(utc(cal.closing(d)).to_rfc3339(), "2026-11-18T21:00:00+00:00");
        assert!(cal.is_open(cal.opening(d)));
        assert!(!cal.is_open(cal.closing(d)));
        assert_eq!(cal.minute_of(cal.opening(d) + 90), OPENS_MIN + 1);
        assert_eq!(cal.slot_of(cal.opening(d)).index, 32);
    }

    #[test]
    fn a_skipped_wall_clock_time_moves_past_the_gap() {
        let cal = Calendar::new(chrono_tz::Europe::Madrid);
        // 2026-03-29 02:00 does not exist in Madrid; clocks jump to 03:00 (01:00 UTC).
        let t = cal.at(date(2026, 3, 29), 2 * 60 + 30);
        assert_eq!(utc(t).to_rfc3339(), "2026-03-29T01:00:00+00:00");
        assert_eq!(cal.next_midnight(date(2026, 3, 28)), cal.midnight(date(2026, 3, 29)));
    }

    #[test]
    fn exam_weeks_and_weekends() {
        assert!(is_exam_day(date(2026, 1, 12)));
        assert!(!is_exam_day(date(2026, 11, 18)));
        assert!(is_exam_day(date(2026, 12, 2)));
        assert!(DayKind::of(date(2026, 11, 21)).weekend);
        assert!(!DayKind::of(date(2026, 11, 18)).weekend);
        assert_eq!(Slot::open_slots(date(2026, 11, 18)).count(), 56);
    }
}
