//! Times for human output, in the library's time zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// `HH:MM:SS` when `t` is today in `tz`, else `YYYY-MM-DD HH:MM`.
pub fn clock(t: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> String {
    let local = t.with_timezone(&tz);
    if local.date_naive() == now.with_timezone(&tz).date_naive() {
        local.format("%H:%M:%S").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

pub use crate::domain::units::short_age as age;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn clock_shows_the_date_only_for_other_days() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 4, 0, 0).unwrap();
        assert_eq!(clock(now - Duration::minutes(5), now, tz), "11:55:00");
        assert_eq!(clock(now - Duration::days(1), now, tz), "2026-11-20 12:00");
    }
}
