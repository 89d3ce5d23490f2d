//! Quantities written for people: counts of things, sizes in bytes, ages and durations. The
//! console and the headless commands print them the same way.

use std::fmt;

use chrono::Duration;

/// A count with its noun: `1 alert`, `0 alerts`, `3 entries` (`count(n, "entry", "entries")`).
pub fn count<N>(n: N, one: &str, many: &str) -> String
where
    N: fmt::Display + PartialEq + From<u8> + Copy,
{
    let noun = if n == N::from(1) { one } else { many };
    format!("{n} {noun}")
}

/// How long ago, for a sentence: `just now` under a minute, else `12m ago`, `3h05m ago`.
pub fn ago(d: Duration) -> String {
    if d < Duration::minutes(1) { "just now".into() } else { format!("{} ago", short_age(d)) }
}

/// A duration for a sentence, to the second under an hour: `45 s`, `9 min`, `9 min 5 s`,
/// `1 h`, `1 h 5 min`.
pub fn spoken_duration(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
    match (h, m, sec) {
        (0, 0, sec) => format!("{sec} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, sec) => format!("{m} min {sec} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// `512 B`, `2.3 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// A short age: `45s`, `12m`, `3h05m`, `2d04h`.
pub fn short_age(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A duration to the second, as long as it needs: `45s`, `2m30s`, `31m`, `2h00m30s`.
pub fn to_the_second(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, 0) => format!("{h}h{m:02}m"),
        (h, m, s) => format!("{h}h{m:02}m{s:02}s"),
    }
}

/// How far another clock is from ours (`offset_ms` = theirs − ours), when it matters — a
/// minute or more: `3m ahead of`, `1h05m behind`. Below a minute the offset is network delay
/// and the one-second resolution of the other clock, not a clock to correct.
pub fn clock_skew(offset_ms: i64) -> Option<String> {
    let d = Duration::milliseconds(offset_ms.abs());
    (d >= Duration::minutes(1))
        .then(|| format!("{} {}", short_age(d), if offset_ms > 0 { "ahead of" } else { "behind" }))
}

/// A wait for people: `45s`, `7m12s`, `1h05m`.
pub fn wait(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "—".into();
    }
    let s = seconds.round().max(0.0) as i64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ages_read_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(2_400_000), "2.3 MiB");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(short_age(Duration::seconds(45)), "45s");
        assert_eq!(short_age(Duration::seconds(12 * 60 + 5)), "12m");
        assert_eq!(short_age(Duration::seconds(3 * 3600 + 5 * 60)), "3h05m");
        assert_eq!(short_age(Duration::seconds(2 * 86_400 + 4 * 3600)), "2d04h");
        assert_eq!(short_age(Duration::seconds(-5)), "0s");
        assert_eq!(to_the_second(Duration::seconds(45)), "45s");
        assert_eq!(to_the_second(Duration::seconds(150)), "2m30s");
        assert_eq!(to_the_second(Duration::seconds(1830)), "30m30s");
        assert_eq!(to_the_second(Duration::seconds(1860)), "31m");
        assert_eq!(to_the_second(Duration::seconds(7230)), "2h00m30s");
        assert_eq!(to_the_second(Duration::seconds(7200)), "2h00m");
        assert_eq!(clock_skew(-1_200), None);
        assert_eq!(clock_skew(59_999), None);
        assert_eq!(clock_skew(180_000).as_deref(), Some("3m ahead of"));
        assert_eq!(clock_skew(-3_900_000).as_deref(), Some("1h05m behind"));
        assert_eq!(wait(44.6), "45s");
        assert_eq!(wait(432.0), "7m12s");
        assert_eq!(wait(3900.0), "1h05m");
        assert_eq!(wait(f64::NAN), "—");
    }

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(count(1_usize, "alert", "alerts"), "1 alert");
        assert_eq!(count(0_u64, "alert", "alerts"), "0 alerts");
        assert_eq!(count(3_i64, "entry", "entries"), "3 entries");
    }

    #[test]
    fn ages_and_durations_read_as_words() {
        assert_eq!(ago(Duration::seconds(0)), "just now");
        assert_eq!(ago(Duration::seconds(59)), "just now");
        assert_eq!(ago(Duration::seconds(-30)), "just now");
        assert_eq!(ago(Duration::minutes(12)), "12m ago");
        assert_eq!(spoken_duration(Duration::seconds(45)), "45 s");
        assert_eq!(spoken_duration(Duration::seconds(540)), "9 min");
        assert_eq!(spoken_duration(Duration::seconds(545)), "9 min 5 s");
        assert_eq!(spoken_duration(Duration::seconds(3600)), "1 h");
        assert_eq!(spoken_duration(Duration::seconds(3900 + 7)), "1 h 5 min");
    }
}
