//! Counts over time from a CSV file (arrivals at a desk, trips, loans): parsed and checked row
//! by row, every problem reported with its line number, nothing accepted from a file with any
//! problem. A count is a whole number from 0 to [`MAX_COUNT`]; times are read by
//! [`csv_file::parse_time`], within its years.
//!
//! These files hold no patron data, so messages quote bad values (shortened) and header cells.
//!
//! Pure: parses bytes already read. May use: csv, chrono, chrono-tz.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::csv_file::{self, CsvErrors, Problems, ShowHeader, TimeError, missing_columns};

/// The most one row may count: far above any desk's arrivals in a slot, far below what a
/// mistyped or crafted number (`1e300`) would store.
pub const MAX_COUNT: u32 = 100_000;

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

fn shorten(s: &str) -> String {
    crate::domain::sanitize::clean_text(s, 40)
}

/// A time's problem with the cell quoted, which these files allow.
fn time_problem(raw: &str, e: TimeError) -> String {
    match e {
        TimeError::Unreadable => format!(
            "cannot read '{}' as a time (e.g. 2026-11-21 09:15, 2026-11-21T09:15:00Z)",
            shorten(raw)
        ),
        TimeError::Skipped(tz) => {
            format!("{} does not exist in {tz} (the clocks went forward)", shorten(raw.trim()))
        }
        TimeError::Year(_) => e.to_string(),
    }
}

/// A count as files write it: digits, or digits and a point followed by zeros only (`12.0`, as
/// spreadsheets and data frames write whole numbers); no sign, no exponent, no fraction.
pub fn parse_count(raw: &str) -> Result<u32, String> {
    let s = raw.trim();
    let not_whole =
        || format!("'{}' is not a whole number (digits only, 0 to {MAX_COUNT})", shorten(s));
    let whole = match s.split_once('.') {
        Some((w, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => w,
        Some(_) => return Err(not_whole()),
        None => s,
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if whole.strip_prefix('-').is_some_and(digits) {
        return Err(format!("the count {} is negative", shorten(s)));
    }
    if !digits(whole) {
        return Err(not_whole());
    }
    let significant = whole.trim_start_matches('0');
    let n = if significant.len() > 6 { None } else { significant.parse::<u32>().ok() };
    match n {
        _ if significant.is_empty() => Ok(0),
        Some(n) if n <= MAX_COUNT => Ok(n),
        _ => Err(format!(
            "the count {} is more than {MAX_COUNT}, the most one row may hold",
            shorten(s)
        )),
    }
}

/// Reads and checks the whole file. Errors list every problem found (up to
/// [`csv_file::MAX_LISTED`]) with its line; on any problem nothing is returned, so an import
/// is all or nothing.
pub fn parse(bytes: &[u8], opts: &CsvOptions) -> Result<Vec<Count>, CsvErrors> {
    let bytes = csv_file::without_bom(bytes);
    let (mut reader, headers) = csv_file::open(bytes, opts.delimiter)?;
    // Lines counted from the bytes: the csv crate miscounts them in CRLF files.
    let mut lines = csv_file::LineIndex::new(bytes);
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(ti), Some(ci)) = (find(&opts.time_col), find(&opts.count_col)) else {
        let missing: Vec<String> = [&opts.time_col, &opts.count_col]
            .into_iter()
            .filter(|c| find(c).is_none())
            .map(|c| shorten(c))
            .collect();
        let missing: Vec<&str> = missing.iter().map(String::as_str).collect();
        return Err(csv_file::one(missing_columns(
            &missing,
            &headers,
            opts.delimiter,
            ShowHeader::Cells,
        )));
    };
    let mut out = Vec::new();
    let mut problems = Problems::default();
    let mut rows = 0;
    let mut seen: HashMap<DateTime<Utc>, u64> = HashMap::new();
    for record in reader.records() {
        rows += 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_of(p.byte()));
                problems.add(format!("line {line}: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.line_of(p.byte()));
        let (Some(t), Some(c)) = (record.get(ti), record.get(ci)) else {
            problems.add(format!("line {line}: the row has too few fields"));
            continue;
        };
        let at = match csv_file::parse_time(t, opts.tz) {
            Ok(at) => at,
            Err(e) => {
                problems.add(format!(
                    "line {line}: column '{}': {}",
                    opts.time_col,
                    time_problem(t, e)
                ));
                continue;
            }
        };
        let count = match parse_count(c) {
            Ok(n) => f64::from(n),
            Err(e) => {
                problems.add(format!("line {line}: column '{}': {e}", opts.count_col));
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
    if problems.is_empty() && out.is_empty() {
        problems.add("the file has a header but no rows".into());
    }
    if !problems.is_empty() {
        return Err(problems.into_errors(rows));
    }
    out.sort_by_key(|c| c.at);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::csv_file::MAX_LISTED;

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
        assert!(text.contains("line 5: column 'count': 'many' is not a whole number"), "{text}");
        assert!(
            text.contains("line 6: time 2026-11-21 09:00 appears again (first on line 2)"),
            "{text}"
        );
    }

    /// The csv crate counts lines wrongly in CRLF files (rust-csv#395); these are counted
    /// from the bytes.
    #[test]
    fn lines_are_named_right_in_a_file_with_crlf_line_ends_and_a_bom() {
        let lf: &[u8] = b"ts,count\n2026-11-21 09:00,3\n2026-11-21 09:15,1\nyesterday,4\n";
        let crlf: Vec<u8> = [
            b"\xEF\xBB\xBF".as_slice(),
            &String::from_utf8_lossy(lf).replace('\n', "\r\n").into_bytes(),
        ]
        .concat();
        for csv in [lf, crlf.as_slice()] {
            let text = parse(csv, &opts()).unwrap_err().to_string();
            assert!(text.contains("line 4: column 'ts'"), "{text}");
        }
    }

    #[test]
    fn counts_are_whole_numbers_up_to_the_cap() {
        for (raw, n) in
            [("0", 0), ("12", 12), (" 7 ", 7), ("12.0", 12), ("007", 7), ("100000", 100_000)]
        {
            assert_eq!(parse_count(raw), Ok(n), "{raw}");
        }
        for raw in ["1e300", "1.5", "12.", ".0", "+3", "", "1e3", "0x10", "inf", "NaN", "1 2"] {
            let e = parse_count(raw).unwrap_err();
            assert!(e.contains("is not a whole number (digits only, 0 to 100000)"), "{raw}: {e}");
        }
        for raw in ["100001", "18446744073709551616", "4294967296"] {
            let e = parse_count(raw).unwrap_err();
            assert!(e.ends_with("is more than 100000, the most one row may hold"), "{raw}: {e}");
        }
        assert_eq!(parse_count("-1").unwrap_err(), "the count -1 is negative");
        let csv = b"ts,count\n2026-11-21 09:00,1e300\n2026-11-21 09:15,18446744073709551616\n\
                    2026-11-21 09:30,1.5\n+10000-01-01 00:00,1\n";
        let text = parse(csv, &opts()).unwrap_err().to_string();
        assert!(text.contains("line 2: column 'count': '1e300' is not a whole number"), "{text}");
        assert!(
            text.contains("line 3: column 'count': the count 18446744073709551616 is more"),
            "{text}"
        );
        assert!(text.contains("line 4: column 'count': '1.5' is not a whole number"), "{text}");
        assert!(text.contains("line 5: column 'ts': year 10000 is outside 1900–2199"), "{text}");
    }

    #[test]
    fn an_open_quote_at_the_end_is_refused() {
        let e =
            parse(b"ts,count\n2026-11-21 09:00,3\n\"2026-11-21 09:15,4\n", &opts()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3: a quoted field is not closed before the end of the file"
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
