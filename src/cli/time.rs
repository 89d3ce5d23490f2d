//! Times for human output, in the library's time zone.

use chrono::{DateTime, Duration, Utc};
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

/// A short age: `45s`, `12m`, `3h05m`, `2d04h`.
pub fn age(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages_are_short() {
        assert_eq!(age(Duration::seconds(45)), "45s");
        assert_eq!(age(Duration::seconds(12 * 60 + 5)), "12m");
        assert_eq!(age(Duration::seconds(3 * 3600 + 5 * 60)), "3h05m");
        assert_eq!(age(Duration::seconds(2 * 86_400 + 4 * 3600)), "2d04h");
        assert_eq!(age(Duration::seconds(-5)), "0s");
    }

    #[test]
    fn clock_shows_the_date_only_for_other_days() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 4, 0, 0).unwrap();
        assert_eq!(clock(now - Duration::minutes(5), now, tz), "11:55:00");
        assert_eq!(clock(now - Duration::days(1), now, tz), "2026-11-20 12:00");
    }
}
