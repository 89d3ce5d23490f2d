//! Quantities written for people: counts of things, sizes in bytes, ages and durations. The
//! console and the headless commands print them the same way. Ages, durations and waits come
//! short (`12m`, `2h05m`) for a screen and in words (`12 minutes`, `about 1 hour`, the
//! `*_words` functions) for the plain console, which a screen reader reads aloud.

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

// ---- In words ----
//
// The short forms above (`12m`, `2h05m`) are what a screen reader spells out as metres and
// letters, so the plain console says these instead. Each says hours from where its short form
// does (60 minutes, or 3,600 s as `wait` rounds them), and the ages say days from where
// `short_age` and the console's `age_minutes` do (1,440 minutes).

/// Minutes in words: `1 minute`, `59 minutes`, `1 hour`, `2 hours 5 minutes`, `3 days`, with
/// the breakpoints of [`short_age`] (hours from 60 minutes, days from 1,440); past a day in
/// whole days. Negative minutes are `0 minutes`.
pub fn minutes_words(minutes: i64) -> String {
    let m = minutes.max(0);
    match m {
        ..60 => count(m, "minute", "minutes"),
        60..1440 => {
            let hours = count(m / 60, "hour", "hours");
            match m % 60 {
                0 => hours,
                rest => format!("{hours} {}", count(rest, "minute", "minutes")),
            }
        }
        _ => count(m / 1440, "day", "days"),
    }
}

/// A duration to the second in words, for schedules: `5 seconds`, `2 minutes 30 seconds`,
/// `2 hours`. Under an hour it is exact, as [`to_the_second`]; from an hour on it is
/// [`minutes_words`], to the minute.
pub fn duration_words(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match (s / 60, s % 60) {
        (0, sec) => count(sec, "second", "seconds"),
        (m, sec) if m < 60 && sec > 0 => {
            format!("{} {}", minutes_words(m), count(sec, "second", "seconds"))
        }
        (m, _) => minutes_words(m),
    }
}

/// How long ago in words, as [`ago`] says it: `just now` under a minute, else `12 minutes ago`,
/// `1 hour 5 minutes ago`, `2 days ago`.
pub fn ago_words(d: Duration) -> String {
    if d < Duration::minutes(1) {
        "just now".to_owned()
    } else {
        format!("{} ago", minutes_words(d.num_minutes()))
    }
}

/// An expected wait in words, to the nearest minute: `under a minute`, `about 6 minutes`,
/// `about 1 hour 5 minutes`; `unknown` when it is not a number, where [`wait`] says `—`. It
/// goes from seconds to minutes and from minutes to hours at the same whole second as [`wait`]
/// (60 s and 3,600 s, rounded alike), so a wait of 59m59s is `about 59 minutes`, not an hour.
pub fn wait_words(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "unknown".to_owned();
    }
    let minutes = (seconds / 60.0).round() as i64;
    match seconds.round() {
        s if s < 60.0 => "under a minute".to_owned(),
        s if s < 3600.0 => format!("about {}", minutes_words(minutes.min(59))),
        _ => format!("about {}", minutes_words(minutes)),
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

    #[test]
    fn minutes_ages_durations_and_waits_in_words() {
        for (m, words) in [
            (-3, "0 minutes"),
            (1, "1 minute"),
            (59, "59 minutes"),
            (60, "1 hour"),
            (95, "1 hour 35 minutes"),
            (1440, "1 day"),
            (3000, "2 days"),
        ] {
            assert_eq!(minutes_words(m), words);
        }
        assert_eq!(duration_words(Duration::seconds(5)), "5 seconds");
        assert_eq!(duration_words(Duration::seconds(150)), "2 minutes 30 seconds");
        assert_eq!(duration_words(Duration::seconds(7230)), "2 hours");
        assert_eq!(ago_words(Duration::seconds(30)), "just now");
        assert_eq!(ago_words(Duration::minutes(12)), "12 minutes ago");
        assert_eq!(wait_words(30.0), "under a minute");
        assert_eq!(wait_words(842.0), "about 14 minutes");
        assert_eq!(wait_words(f64::NAN), "unknown");
    }

    /// Either side of each breakpoint of the short forms, the short form and the word form.
    #[test]
    fn word_forms_change_unit_where_the_short_forms_do() {
        for (minutes, short, words) in [
            (59, "59m", "59 minutes"),
            (60, "1h00m", "1 hour"),
            (1439, "23h59m", "23 hours 59 minutes"),
            (1440, "1d00h", "1 day"),
        ] {
            assert_eq!(short_age(Duration::minutes(minutes)), short);
            assert_eq!(minutes_words(minutes), words);
        }
        for (seconds, short, words) in [
            (59, "just now", "just now"),
            (60, "1m ago", "1 minute ago"),
            (3599, "59m ago", "59 minutes ago"),
            (3600, "1h00m ago", "1 hour ago"),
            (86_399, "23h59m ago", "23 hours 59 minutes ago"),
            (86_400, "1d00h ago", "1 day ago"),
        ] {
            assert_eq!(ago(Duration::seconds(seconds)), short);
            assert_eq!(ago_words(Duration::seconds(seconds)), words);
        }
        for (seconds, short, words) in [
            (59, "59s", "59 seconds"),
            (60, "1m", "1 minute"),
            (3599, "59m59s", "59 minutes 59 seconds"),
            (3600, "1h00m", "1 hour"),
            (3630, "1h00m30s", "1 hour"),
        ] {
            assert_eq!(to_the_second(Duration::seconds(seconds)), short);
            assert_eq!(duration_words(Duration::seconds(seconds)), words);
        }
        for (seconds, short, words) in [
            (59.4, "59s", "under a minute"),
            (59.5, "1m00s", "about 1 minute"),
            (3599.4, "59m59s", "about 59 minutes"),
            (3599.5, "1h00m", "about 1 hour"),
        ] {
            assert_eq!(wait(seconds), short);
            assert_eq!(wait_words(seconds), words, "{seconds} s");
        }
    }
}
