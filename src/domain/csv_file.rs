//! What every CSV file carrel reads must be, whatever its form (counts over time, patron
//! files, interaction logs): not empty; a header of at most [`MAX_COLUMNS`] columns; no quoted
//! field still open at the end of the file; times and dates within [`YEARS`]. Problems are
//! collected into [`CsvErrors`] with their lines, at most [`MAX_LISTED`] of them listed.
//!
//! Nothing here quotes a cell in a message, not even a header cell: patron files and
//! interaction logs hold card numbers, names and patron ids, and a file without its header
//! has data where the header should be. A reader whose files hold no patron data (counts)
//! may add values to its own messages.
//!
//! Pure: works on bytes already read; the caller has bounded their size and line length.
//! May use: csv, chrono, chrono-tz.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Most columns a file may have.
pub const MAX_COLUMNS: usize = 256;

/// Years a time or date in a file may fall in: what a library's records can hold. A date of
/// year 10000 would never come due for retention.
pub const YEARS: RangeInclusive<i32> = 1900..=2199;

/// Problems listed before "and N more".
pub const MAX_LISTED: usize = 20;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Everything wrong with a file; `Display` lists the problems, at most [`MAX_LISTED`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvErrors {
    pub problems: Vec<String>,
    /// Problems beyond those listed.
    pub more: usize,
    /// Data rows read before the file was refused (0 when its header or its quoting was).
    pub rows: usize,
}

impl CsvErrors {
    /// How many problems were found, listed or not.
    pub fn count(&self) -> usize {
        self.problems.len() + self.more
    }
}

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
#[derive(Debug, Default)]
pub(crate) struct Problems {
    listed: Vec<String>,
    more: usize,
}

impl Problems {
    pub(crate) fn add(&mut self, p: String) {
        if self.listed.len() < MAX_LISTED {
            self.listed.push(p);
        } else {
            self.more += 1;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// The problems of a file refused after `rows` data rows.
    pub(crate) fn into_errors(self, rows: usize) -> CsvErrors {
        CsvErrors { problems: self.listed, more: self.more, rows }
    }
}

/// A file refused for one problem found before its rows were read.
pub(crate) fn one(p: String) -> CsvErrors {
    CsvErrors { problems: vec![p], more: 0, rows: 0 }
}

/// The rows of a file after its header, and the header: a byte-order mark is skipped; an empty
/// file, a quoted field never closed, an unreadable header and one of more than
/// [`MAX_COLUMNS`] columns are refused. Rows with more fields than the header are refused by
/// the reader as they come.
pub(crate) fn open(
    bytes: &[u8],
    delimiter: u8,
) -> Result<(csv::Reader<&[u8]>, csv::StringRecord), CsvErrors> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(one("the file is empty: expected a header line and rows".into()));
    }
    if let Some(line) = unclosed_quote(bytes, delimiter) {
        return Err(one(format!(
            "line {line}: a quoted field is not closed before the end of the file"
        )));
    }
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(true).from_reader(bytes);
    let headers =
        reader.headers().map_err(|e| one(format!("line 1: cannot read the header: {e}")))?.clone();
    if headers.len() > MAX_COLUMNS {
        return Err(one(format!("line 1: more than {MAX_COLUMNS} columns")));
    }
    Ok((reader, headers))
}

/// The line on which a quoted field opens that is still open at the end of `bytes`. The csv
/// crate reads such a field to the end of the file without a word; this reads the quoting as it
/// does (RFC 4180: a quote opens a field only at its start, and a doubled quote inside stands
/// for one).
pub(crate) fn unclosed_quote(bytes: &[u8], delimiter: u8) -> Option<u64> {
    #[derive(Clone, Copy)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        /// A quote inside a quoted field: its end, or the first of a doubled quote.
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let mut line = 1;
    let mut opened = 1;
    for &b in bytes {
        let field_end = b == delimiter || b == b'\n' || b == b'\r';
        state = match state {
            State::FieldStart if b == b'"' => {
                opened = line;
                State::Quoted
            }
            State::FieldStart | State::Unquoted if field_end => State::FieldStart,
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::QuoteInQuoted if field_end => State::FieldStart,
            State::QuoteInQuoted => State::Unquoted,
        };
        if b == b'\n' {
            line += 1;
        }
    }
    matches!(state, State::Quoted).then_some(opened)
}

/// The bytes of a file after its byte-order mark, if it has one: what [`open`] reads, and what
/// a [`LineIndex`] must count in.
pub(crate) fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// The line a record starts on, from its byte offset. The csv crate's own line count is wrong
/// for files with CRLF line ends (BurntSushi/rust-csv#395: it names the line before), and a
/// record's byte offset there points at the end of the previous line; a record never starts
/// with a line break, so those are skipped and the `\n` before the record counted.
pub(crate) struct LineIndex<'a> {
    bytes: &'a [u8],
    /// Where counting stopped, and the line there.
    at: usize,
    line: u64,
}

impl<'a> LineIndex<'a> {
    /// An index over `bytes`, as given to [`open`] after [`without_bom`].
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        LineIndex { bytes, at: 0, line: 1 }
    }

    /// The line of the record at `byte` (records are asked for in file order; an earlier one
    /// is counted again from the start).
    pub(crate) fn line_of(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start < self.at {
            (self.at, self.line) = (0, 1);
        }
        let newlines = self.bytes[self.at..start].iter().filter(|b| **b == b'\n').count();
        self.line += newlines as u64;
        self.at = start;
        self.line
    }
}

/// How a message about a header may show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShowHeader {
    /// Quote its cells (up to a few): the file holds no patron data.
    Cells,
    /// Count its columns only.
    Count,
}

/// Header cells quoted in a message before "and N more".
const HEADER_CELLS_SHOWN: usize = 8;

/// The message for a header without the columns `missing`, and, when the header reads as one
/// column, the delimiter it seems to use.
pub(crate) fn missing_columns(
    missing: &[&str],
    headers: &csv::StringRecord,
    delimiter: u8,
    show: ShowHeader,
) -> String {
    let mut msg = match show {
        ShowHeader::Cells => {
            let named = missing.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(" or ");
            let mut cells: Vec<String> = headers
                .iter()
                .take(HEADER_CELLS_SHOWN)
                .map(|h| format!("'{}'", crate::domain::sanitize::clean_text(h, 40)))
                .collect();
            if headers.len() > HEADER_CELLS_SHOWN {
                cells.push(format!("and {} more", headers.len() - HEADER_CELLS_SHOWN));
            }
            format!("line 1: no column {named} in the header (columns: {})", cells.join(", "))
        }
        ShowHeader::Count => format!(
            "line 1: the first line does not name the column{} {} (found {} column{}; is the \
             header missing, or is the delimiter not '{}'?)",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            headers.len(),
            if headers.len() == 1 { "" } else { "s" },
            shown(char::from(delimiter)),
        ),
    };
    if headers.len() == 1
        && let Some(d) = guess_delimiter(&headers[0], delimiter)
    {
        let d = shown(d);
        msg.push_str(&format!("; the first line looks delimited by '{d}': try --delimiter '{d}'"));
    }
    msg
}

/// Where each known column of a header is, by its name (trimmed, any case). A column named
/// twice, a required column missing and a column the form does not know are refused: an
/// unknown column quoted when `show` allows it, else by its position (a misspelt `emial`
/// would otherwise be dropped without a word).
pub(crate) fn locate(
    headers: &csv::StringRecord,
    required: &[&'static str],
    optional: &[&'static str],
    delimiter: u8,
    show: ShowHeader,
) -> Result<HashMap<&'static str, usize>, CsvErrors> {
    let known: Vec<&'static str> = required.iter().chain(optional).copied().collect();
    let mut columns = HashMap::new();
    let mut unknown = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let name = h.trim().to_ascii_lowercase();
        match known.iter().find(|k| **k == name) {
            Some(k) if columns.insert(*k, i).is_some() => {
                return Err(one(format!("line 1: column '{k}' appears twice in the header")));
            }
            Some(_) => {}
            None => unknown.push(match show {
                ShowHeader::Cells => format!("'{}'", crate::domain::sanitize::clean_text(h, 40)),
                ShowHeader::Count => (i + 1).to_string(),
            }),
        }
    }
    let missing: Vec<&str> =
        required.iter().filter(|c| !columns.contains_key(*c)).copied().collect();
    if !missing.is_empty() {
        return Err(one(missing_columns(&missing, headers, delimiter, show)));
    }
    if !unknown.is_empty() {
        let listed = unknown.len().min(HEADER_CELLS_SHOWN);
        let mut named = unknown[..listed].join(", ");
        if unknown.len() > listed {
            named.push_str(&format!(" and {} more", unknown.len() - listed));
        }
        return Err(one(format!(
            "line 1: column{} {named} of the header {} not one this file may have ({})",
            if unknown.len() == 1 { "" } else { "s" },
            if unknown.len() == 1 { "is" } else { "are" },
            known.join(", ")
        )));
    }
    Ok(columns)
}

fn shown(d: char) -> String {
    if d == '\t' { "\\t".to_owned() } else { d.to_string() }
}

/// The likely delimiter, when the header reads as one column under the given one.
fn guess_delimiter(header: &str, given: u8) -> Option<char> {
    [',', ';', '\t', '|'].into_iter().find(|c| *c as u32 != u32::from(given) && header.contains(*c))
}

/// Why a cell is not a time. `Display` does not repeat the cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// In none of the forms [`parse_time`] reads.
    Unreadable,
    /// A local time skipped when the clocks went forward in this zone.
    Skipped(Tz),
    /// A year outside [`YEARS`].
    Year(i32),
}

impl std::fmt::Display for TimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeError::Unreadable => {
                write!(f, "not a time (e.g. 2026-11-21 09:15, 2026-11-21T09:15:00Z)")
            }
            TimeError::Skipped(tz) => {
                write!(f, "this local time does not exist in {tz} (the clocks went forward)")
            }
            TimeError::Year(y) => {
                write!(f, "year {y} is outside {}–{}", YEARS.start(), YEARS.end())
            }
        }
    }
}

impl std::error::Error for TimeError {}

/// Refuses a year outside [`YEARS`].
pub fn check_year(year: i32) -> Result<(), TimeError> {
    if YEARS.contains(&year) { Ok(()) } else { Err(TimeError::Year(year)) }
}

/// Parses a time: RFC 3339 with an offset, or a local date and time (`2026-11-21 09:15[:00]`,
/// `2026-11-21T09:15[:00]`) in `tz`, or Unix seconds; its year as written must be in
/// [`YEARS`].
pub fn parse_time(s: &str, tz: Tz) -> Result<DateTime<Utc>, TimeError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        check_year(t.year())?;
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
            check_year(naive.year())?;
            return match tz.from_local_datetime(&naive) {
                chrono::LocalResult::Single(t) => Ok(t.to_utc()),
                // The hour repeated when clocks go back: take the first.
                chrono::LocalResult::Ambiguous(first, _) => Ok(first.to_utc()),
                chrono::LocalResult::None => Err(TimeError::Skipped(tz)),
            };
        }
    }
    if !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().map_err(|_| TimeError::Unreadable)?;
        let t = Utc.timestamp_opt(secs, 0).single().ok_or(TimeError::Unreadable)?;
        check_year(t.year())?;
        return Ok(t);
    }
    Err(TimeError::Unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_left_open_is_found_with_its_line() {
        assert_eq!(unclosed_quote(b"a,b\nc,\"d", b','), Some(2));
        assert_eq!(unclosed_quote(b"a,b\n\"c\nd\ne", b','), Some(2), "the line it opens on");
        assert_eq!(unclosed_quote(b"a;\"b", b';'), Some(1));
        for closed in [
            &b"a,\"b\"\n"[..],
            b"a,\"b\"\"c\"",
            b"a,\"b\nc\",d\n",
            b"a,b\"c\n",
            b"a, \"b\n",
            b"\"ab\"c,\"d\"",
        ] {
            assert_eq!(unclosed_quote(closed, b','), None, "{}", String::from_utf8_lossy(closed));
        }
        let e = open(b"card,name\n29000001,\"Ana\n", b',').unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: a quoted field is not closed before the end of the file"
        );
    }

    #[test]
    fn the_csv_crate_itself_takes_an_open_quote_to_the_end() {
        // Why `unclosed_quote` exists: without it this file reads as two good rows.
        let mut r = csv::Reader::from_reader(&b"a,b\n1,\"2\n3,4"[..]);
        let rows: Vec<_> = r.records().collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][1], "2\n3,4");
    }

    #[test]
    fn headers_are_capped_and_never_quoted_unless_allowed() {
        let wide = vec!["c"; MAX_COLUMNS + 1].join(",");
        let e = open(format!("{wide}\n").as_bytes(), b',').unwrap_err();
        assert_eq!(e.to_string(), format!("line 1: more than {MAX_COLUMNS} columns"));
        let (_, h) = open(b"12345678,Alice Secret,alice@example.org\n1,2,3\n", b',').unwrap();
        let m = missing_columns(&["card", "name"], &h, b',', ShowHeader::Count);
        assert_eq!(
            m,
            "line 1: the first line does not name the columns card, name (found 3 columns; is \
             the header missing, or is the delimiter not ','?)"
        );
        let (_, h) = open(b"card;name\n1;2\n", b',').unwrap();
        let m = missing_columns(&["card"], &h, b',', ShowHeader::Count);
        assert!(m.ends_with("try --delimiter ';'") && !m.contains("card;name"), "{m}");
        let many: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
        let (_, h) = open(format!("{}\n", many.join(",")).as_bytes(), b',').unwrap();
        let m = missing_columns(&["ts"], &h, b',', ShowHeader::Cells);
        assert!(m.ends_with("'c7', and 12 more)"), "{m}");
    }

    #[test]
    fn a_byte_order_mark_and_blank_files() {
        let (_, h) = open(b"\xEF\xBB\xBF\"card\",name\n1,2\n", b',').unwrap();
        assert_eq!(&h[0], "card");
        assert!(open(b" \n\n", b',').unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn times_outside_the_years_are_refused_in_every_form() {
        let utc = chrono_tz::UTC;
        assert!(parse_time("1900-01-01 00:00", utc).is_ok());
        assert!(parse_time("2199-12-31T23:59:59Z", utc).is_ok());
        assert_eq!(parse_time("1899-12-31 23:59", utc), Err(TimeError::Year(1899)));
        assert_eq!(parse_time("0000-01-01T00:00:00Z", utc), Err(TimeError::Year(0)));
        assert_eq!(parse_time("2200-01-01T00:00", utc), Err(TimeError::Year(2200)));
        assert_eq!(parse_time("99999999999", utc), Err(TimeError::Year(5138)));
        assert_eq!(TimeError::Year(10000).to_string(), "year 10000 is outside 1900–2199");
        let london: Tz = "Europe/London".parse().unwrap();
        assert_eq!(parse_time("2026-03-29 01:30", london), Err(TimeError::Skipped(london)));
        assert_eq!(parse_time("yesterday", utc), Err(TimeError::Unreadable));
        assert!(!TimeError::Unreadable.to_string().contains("yesterday"));
    }
}
