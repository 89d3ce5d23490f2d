//! Counts over time from a CSV file (arrivals at a desk, trips, loans): parsed and checked row
//! by row, every problem reported with its line number, nothing accepted from a file with any
//! problem.
//!
//! Pure: parses bytes already read. May use: csv, chrono, chrono-tz.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How to read the file.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    pub time_col: String,
    pub count_col: String,
    pub delimiter: u8,
    /// Times without an offset are in this zone.
    pub tz: Tz,
}

/// One row: a time and a count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Count {
    pub at: DateTime<Utc>,
    pub count: f64,
    pub line: u64,
}

/// Everything wrong with a file; `Display` lists the problems, at most [`MAX_LISTED`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvErrors {
    pub problems: Vec<String>,
    /// Problems beyond those listed.
    pub more: usize,
}

/// Problems listed before "and N more".
pub const MAX_LISTED: usize = 20;

impl std::fmt::Display for CsvErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        if self.more > 0 {
            write!(f, "\n…and {} more", self.more)?;
        }
        Ok(())
    }
}

impl std::error::Error for CsvErrors {}

/// Problems found so far: those listed, and how many more.
pub(crate) struct Problems(pub(crate) Vec<String>, pub(crate) usize);

impl Problems {
    pub(crate) fn add(&mut self, p: String) {
        if self.0.len() < MAX_LISTED {
            self.0.push(p);
        } else {
            self.1 += 1;
        }
    }
}

pub(crate) fn one(p: String) -> CsvErrors {
    CsvErrors { problems: vec![p], more: 0 }
}

/// Parses a time: RFC 3339 with an offset, or a local date and time (`2026-11-21 09:15[:00]`,
/// `2026-11-21T09:15[:00]`) in `tz`, or Unix seconds.
pub fn parse_time(s: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.to_utc());
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            return match tz.from_local_datetime(&naive) {
                chrono::LocalResult::Single(t) => Ok(t.to_utc()),
                // The hour repeated when clocks go back: take the first.
                chrono::LocalResult::Ambiguous(first, _) => Ok(first.to_utc()),
                chrono::LocalResult::None => {
                    Err(format!("{s} does not exist in {tz} (the clocks went forward)"))
                }
            };
        }
    }
    if !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().map_err(|_| format!("'{s}' is not a time"))?;
        return Utc.timestamp_opt(secs, 0).single().ok_or_else(|| format!("'{s}' is not a time"));
    }
    Err(format!(
        "cannot read '{}' as a time (e.g. 2026-11-21 09:15, 2026-11-21T09:15:00Z)",
        shorten(s)
    ))
}

pub(crate) fn shorten(s: &str) -> String {
    crate::domain::sanitize::clean_text(s, 40)
}

/// The message for a header without the columns `named`: the columns it has (`found`,
/// already quoted) and, when the header reads as one column, the delimiter it seems to use.
pub(crate) fn missing_columns(
    named: &str,
    found: &str,
    headers: &csv::StringRecord,
    delimiter: u8,
) -> String {
    let mut msg = format!("line 1: no column {named} in the header (columns: {found})");
    if headers.len() == 1
        && let Some(d) = guess_delimiter(&headers[0], delimiter)
    {
        let shown = if d == '\t' { "\\t".to_owned() } else { d.to_string() };
        msg.push_str(&format!(
            "; the header looks delimited by '{shown}': try --delimiter '{shown}'"
        ));
    }
    msg
}

/// The likely delimiter, when the header reads as one column under the given one.
pub(crate) fn guess_delimiter(header: &str, given: u8) -> Option<char> {
    [',', ';', '\t', '|'].into_iter().find(|c| *c as u32 != u32::from(given) && header.contains(*c))
}

/// Reads and checks the whole file. Errors list every problem found (up to [`MAX_LISTED`])
/// with its line; on any problem nothing is returned, so an import is all or nothing.
pub fn parse(bytes: &[u8], opts: &CsvOptions) -> Result<Vec<Count>, CsvErrors> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(one("the file is empty: expected a header line and rows".into()));
    }
    let mut reader =
        csv::ReaderBuilder::new().delimiter(opts.delimiter).has_headers(true).from_reader(bytes);
    let headers =
        reader.headers().map_err(|e| one(format!("line 1: cannot read the header: {e}")))?.clone();
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(ti), Some(ci)) = (find(&opts.time_col), find(&opts.count_col)) else {
        let missing: Vec<&str> = [&opts.time_col, &opts.count_col]
            .into_iter()
            .filter(|c| find(c).is_none())
            .map(String::as_str)
            .collect();
        let cols: Vec<String> = headers.iter().map(|h| format!("'{}'", shorten(h))).collect();
        let named = missing.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(" or ");
        return Err(one(missing_columns(&named, &cols.join(", "), &headers, opts.delimiter)));
    };
    let mut out = Vec::new();
    let mut problems = Problems(Vec::new(), 0);
    let mut seen: HashMap<DateTime<Utc>, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.add(format!("line {line}: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let (Some(t), Some(c)) = (record.get(ti), record.get(ci)) else {
            problems.add(format!("line {line}: the row has too few fields"));
            continue;
        };
        let at = match parse_time(t, opts.tz) {
            Ok(at) => at,
            Err(e) => {
                problems.add(format!("line {line}: column '{}': {e}", opts.time_col));
                continue;
            }
        };
        let count = match c.trim().parse::<f64>() {
            Ok(v) if !v.is_finite() => {
                problems.add(format!(
                    "line {line}: column '{}': '{}' is not a number",
                    opts.count_col,
                    shorten(c)
                ));
                continue;
            }
            Ok(v) if v < 0.0 => {
                problems.add(format!(
                    "line {line}: column '{}': the count {v} is negative",
                    opts.count_col
                ));
                continue;
            }
            Ok(v) => v,
            Err(_) => {
                problems.add(format!(
                    "line {line}: column '{}': '{}' is not a number",
                    opts.count_col,
                    shorten(c)
                ));
                continue;
            }
        };
        if let Some(first) = seen.insert(at, line) {
            problems.add(format!(
                "line {line}: time {} appears again (first on line {first})",
                t.trim()
            ));
            continue;
        }
        out.push(Count { at, count, line });
    }
    if problems.0.is_empty() && out.is_empty() {
        problems.add("the file has a header but no rows".into());
    }
    if !problems.0.is_empty() {
        return Err(CsvErrors { problems: problems.0, more: problems.1 });
    }
    out.sort_by_key(|c| c.at);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> CsvOptions {
        CsvOptions {
            time_col: "ts".into(),
            count_col: "count".into(),
            delimiter: b',',
            tz: chrono_tz::UTC,
        }
    }

    #[test]
    fn reads_times_in_several_forms() {
        let csv = b"ts,count\n2026-11-21 09:00:00,3\n2026-11-21T09:15,4\n2026-11-21T09:30:00Z,5\n1795260600,1\n";
        let rows = parse(csv, &opts()).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].count, 3.0);
        assert_eq!(
            rows[2].at,
            DateTime::parse_from_rfc3339("2026-11-21T09:30:00Z").unwrap().to_utc()
        );
    }

    #[test]
    fn local_times_follow_the_zone() {
        let o = CsvOptions { tz: "Europe/London".parse().unwrap(), ..opts() };
        let rows = parse(b"ts,count\n2026-07-01 09:00,1\n", &o).unwrap();
        assert_eq!(
            rows[0].at,
            DateTime::parse_from_rfc3339("2026-07-01T08:00:00Z").unwrap().to_utc()
        );
        let gap = parse(b"ts,count\n2026-03-29 01:30,1\n", &o).unwrap_err();
        assert!(gap.to_string().contains("does not exist in Europe/London"), "{gap}");
    }

    #[test]
    fn every_bad_row_is_named_with_its_line() {
        let csv = b"ts,count\n2026-11-21 09:00,3\nyesterday,4\n2026-11-21 09:30,-2\n2026-11-21 09:45,many\n2026-11-21 09:00,1\n";
        let e = parse(csv, &opts()).unwrap_err();
        let text = e.to_string();
        assert_eq!(e.problems.len(), 4, "{text}");
        assert!(text.contains("line 3: column 'ts': cannot read 'yesterday' as a time"), "{text}");
        assert!(text.contains("line 4: column 'count': the count -2 is negative"), "{text}");
        assert!(text.contains("line 5: column 'count': 'many' is not a number"), "{text}");
        assert!(
            text.contains("line 6: time 2026-11-21 09:00 appears again (first on line 2)"),
            "{text}"
        );
    }

    #[test]
    fn a_missing_column_and_a_wrong_delimiter_say_so() {
        let e = parse(b"time,n\n2026-11-21 09:00,3\n", &opts()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: no column 'ts' or 'count' in the header (columns: 'time', 'n')"
        );
        let e = parse(b"ts;count\n2026-11-21 09:00;3\n", &opts()).unwrap_err();
        assert!(e.to_string().ends_with("try --delimiter ';'"), "{e}");
    }

    #[test]
    fn empty_files_and_headers_alone_are_refused() {
        assert!(parse(b"", &opts()).unwrap_err().to_string().contains("empty"));
        assert!(parse(b"ts,count\n", &opts()).unwrap_err().to_string().contains("no rows"));
    }

    #[test]
    fn long_lists_are_cut() {
        let mut csv = String::from("ts,count\n");
        for i in 0..50 {
            csv.push_str(&format!("bad{i},1\n"));
        }
        let e = parse(csv.as_bytes(), &opts()).unwrap_err();
        assert_eq!(e.problems.len(), MAX_LISTED);
        assert_eq!(e.more, 30);
        assert!(e.to_string().ends_with("…and 30 more"));
    }
}
