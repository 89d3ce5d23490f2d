//! Patron data from CSV files: the directory (`card,name[,email][,category][,joined]
//! [,consent_recommendations][,consent_profiling]`), loans (`card,item,loaned[,returned]`),
//! searches (`card,at,query`) and visits (`card,at[,zone]`).
//!
//! The rules are those of [`super::csv_file`]: every row is checked, every problem is reported
//! with its line (at most [`super::csv_file::MAX_LISTED`], then "…and N more"), and a file with
//! any problem yields nothing, so an import is all or nothing. A column the form does not know
//! is a problem too: a misspelt `emial` would otherwise be dropped without a word.
//!
//! No message quotes a cell — not a card, a name, a date, nor a header cell, since a file
//! without its header has a patron where the header should be. A line and a column name or
//! position find the cell.
//!
//! Pure: parses bytes already read. May use: csv, chrono, chrono-tz.

use std::collections::HashMap;
use std::hash::Hash;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::csv_file::{self, CsvErrors, Problems, ShowHeader, check_year, locate, parse_time};
use super::pseudonym::normalise_card;
use super::sanitize::{is_unsafe_char, valid_id};

/// Shortest and longest card number, in letters and digits.
pub const CARD_LEN: std::ops::RangeInclusive<usize> = 4..=20;
/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest email address, in bytes.
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest category, in characters.
pub const MAX_CATEGORY_LEN: usize = 32;
/// Longest search query, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// The category of a patron whose row names none.
pub const DEFAULT_CATEGORY: &str = "adult";

/// How to read a file.
#[derive(Debug, Clone, Copy)]
pub struct PatronCsvOptions {
    pub delimiter: u8,
    /// Times and dates without an offset are in this zone.
    pub tz: Tz,
}

/// One patron of the directory as a file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatronRecord {
    pub line: u64,
    /// Normalised: letters and digits, upper-cased.
    pub card: String,
    pub name: String,
    /// `None`: the file has no email column (a known patron keeps theirs); `Some(None)`: the
    /// patron has no email.
    pub email: Option<Option<String>>,
    /// `None`: no column or an empty cell (a known patron keeps theirs, a new one is
    /// [`DEFAULT_CATEGORY`]).
    pub category: Option<String>,
    /// Midnight of the joining date in the file's zone; `None`: not given.
    pub joined: Option<DateTime<Utc>>,
    /// `None`: no consent recorded in this file.
    pub consent_recommendations: Option<bool>,
    pub consent_profiling: Option<bool>,
}

/// One loan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanRecord {
    pub line: u64,
    pub card: String,
    pub item_id: String,
    pub loaned: DateTime<Utc>,
    /// `None`: still out.
    pub returned: Option<DateTime<Utc>>,
}

/// One catalogue search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRecord {
    pub line: u64,
    pub card: String,
    pub at: DateTime<Utc>,
    pub query: String,
}

/// One visit to the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRecord {
    pub line: u64,
    pub card: String,
    pub at: DateTime<Utc>,
    pub zone_id: Option<String>,
}

/// A data row with its columns located.
struct Row<'a> {
    record: &'a csv::StringRecord,
    columns: &'a HashMap<&'static str, usize>,
    tz: Tz,
    /// The record's line in the file.
    line: u64,
}

impl Row<'_> {
    /// The trimmed cell of `column`; `None` when the file has no such column.
    fn get(&self, column: &str) -> Option<&str> {
        self.columns.get(column).map(|&i| self.record.get(i).unwrap_or("").trim())
    }

    /// The cell of a column every file of the form has.
    fn required(&self, column: &str) -> Result<&str, String> {
        match self.get(column) {
            Some("") | None => Err(format!("column '{column}': empty")),
            Some(v) => Ok(v),
        }
    }

    fn card(&self) -> Result<String, String> {
        card(self.required("card")?)
    }

    fn time(&self, column: &str) -> Result<DateTime<Utc>, String> {
        parse_time(self.required(column)?, self.tz).map_err(|e| format!("column '{column}': {e}"))
    }

    fn optional_time(&self, column: &str) -> Result<Option<DateTime<Utc>>, String> {
        match self.get(column) {
            None | Some("") => Ok(None),
            Some(_) => self.time(column).map(Some),
        }
    }
}

/// A card number as printed (spaces and dashes allowed) to its normalised form.
fn card(raw: &str) -> Result<String, String> {
    let normal = normalise_card(raw);
    let printable = raw.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
    if !printable || !CARD_LEN.contains(&normal.len()) {
        return Err(format!(
            "column 'card': not a card number ({} to {} letters or digits; spaces and dashes are ignored)",
            CARD_LEN.start(),
            CARD_LEN.end()
        ));
    }
    Ok(normal)
}

/// Reads the header and then every row through `parse`, which returns the row's value and
/// the key under which a second equal row is a duplicate. `what` names a row in messages.
fn read<T, K: Eq + Hash>(
    bytes: &[u8],
    opts: &PatronCsvOptions,
    required: &[&'static str],
    optional: &[&'static str],
    what: &str,
    mut parse: impl FnMut(&Row<'_>) -> Result<(T, K), String>,
) -> Result<Vec<T>, CsvErrors> {
    let bytes = csv_file::without_bom(bytes);
    let (mut reader, headers) = csv_file::open(bytes, opts.delimiter)?;
    let columns = locate(&headers, required, optional, opts.delimiter, ShowHeader::Count)?;
    // Lines counted from the bytes: the csv crate miscounts them in CRLF files.
    let mut lines = csv_file::LineIndex::new(bytes);
    let mut out = Vec::new();
    let mut problems = Problems::default();
    let mut rows = 0;
    let mut seen: HashMap<K, u64> = HashMap::new();
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
        let row = Row { record: &record, columns: &columns, tz: opts.tz, line };
        match parse(&row) {
            Ok((value, key)) => {
                if let Some(first) = seen.insert(key, line) {
                    problems.add(format!("line {line}: the same {what} as line {first}"));
                    continue;
                }
                out.push(value);
            }
            Err(e) => problems.add(format!("line {line}: {e}")),
        }
    }
    if problems.is_empty() && out.is_empty() {
        problems.add("the file has a header but no rows".into());
    }
    if !problems.is_empty() {
        return Err(problems.into_errors(rows));
    }
    Ok(out)
}

/// The patron directory.
pub fn parse_patrons(
    bytes: &[u8],
    opts: &PatronCsvOptions,
) -> Result<Vec<PatronRecord>, CsvErrors> {
    read(
        bytes,
        opts,
        &["card", "name"],
        &["email", "category", "joined", "consent_recommendations", "consent_profiling"],
        "card",
        |row| {
            let card = row.card()?;
            let name = name(row.required("name")?)?;
            let email = row.get("email").map(email).transpose()?;
            let category = match row.get("category") {
                None | Some("") => None,
                Some(c) => Some(category(c)?),
            };
            let joined = match row.get("joined") {
                None | Some("") => None,
                Some(d) => Some(date(d, opts.tz).map_err(|e| format!("column 'joined': {e}"))?),
            };
            let consent_recommendations = consent(row, "consent_recommendations")?;
            let consent_profiling = consent(row, "consent_profiling")?;
            let record = PatronRecord {
                line: row.line,
                card: card.clone(),
                name,
                email,
                category,
                joined,
                consent_recommendations,
                consent_profiling,
            };
            Ok((record, card))
        },
    )
}

/// Loans of catalogue items.
pub fn parse_loans(bytes: &[u8], opts: &PatronCsvOptions) -> Result<Vec<LoanRecord>, CsvErrors> {
    read(bytes, opts, &["card", "item", "loaned"], &["returned"], "loan", |row| {
        let card = row.card()?;
        let item_id = row.required("item")?;
        if !valid_id(item_id) {
            return Err("column 'item': not an item id (letters, digits, . _ - :)".into());
        }
        let loaned = row.time("loaned")?;
        let returned = row.optional_time("returned")?;
        if returned.is_some_and(|r| r < loaned) {
            return Err("column 'returned': before the loan".into());
        }
        let key = (card.clone(), item_id.to_owned(), loaned);
        let line = row.line;
        Ok((LoanRecord { line, card, item_id: item_id.to_owned(), loaned, returned }, key))
    })
}

/// Catalogue searches.
pub fn parse_searches(
    bytes: &[u8],
    opts: &PatronCsvOptions,
) -> Result<Vec<SearchRecord>, CsvErrors> {
    read(bytes, opts, &["card", "at", "query"], &[], "search", |row| {
        let card = row.card()?;
        let at = row.time("at")?;
        let query = row.required("query")?;
        if query.chars().any(is_unsafe_char) {
            return Err("column 'query': holds control characters".into());
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(format!("column 'query': longer than {MAX_QUERY_CHARS} characters"));
        }
        let key = (card.clone(), at, query.to_owned());
        let line = row.line;
        Ok((SearchRecord { line, card, at, query: query.to_owned() }, key))
    })
}

/// Visits to the library, with the zone when known.
pub fn parse_visits(bytes: &[u8], opts: &PatronCsvOptions) -> Result<Vec<VisitRecord>, CsvErrors> {
    read(bytes, opts, &["card", "at"], &["zone"], "visit", |row| {
        let card = row.card()?;
        let at = row.time("at")?;
        let zone_id = match row.get("zone") {
            None | Some("") => None,
            Some(z) if valid_id(z) => Some(z.to_owned()),
            Some(_) => {
                return Err("column 'zone': not a zone id (letters, digits, . _ - :)".into());
            }
        };
        let key = (card.clone(), at);
        let line = row.line;
        Ok((VisitRecord { line, card, at, zone_id }, key))
    })
}

fn name(s: &str) -> Result<String, String> {
    if s.chars().any(is_unsafe_char) {
        return Err("column 'name': holds control characters".into());
    }
    if s.chars().count() > MAX_NAME_CHARS {
        return Err(format!("column 'name': longer than {MAX_NAME_CHARS} characters"));
    }
    Ok(s.to_owned())
}

fn email(s: &str) -> Result<Option<String>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    let ok = s.len() <= MAX_EMAIL_LEN
        && !s.chars().any(|c| c.is_whitespace() || is_unsafe_char(c))
        && s.matches('@').count() == 1
        && s.split('@').all(|part| !part.is_empty());
    if ok {
        Ok(Some(s.to_owned()))
    } else {
        Err("column 'email': not an email address (one @, no spaces)".into())
    }
}

fn category(s: &str) -> Result<String, String> {
    let ok =
        s.len() <= MAX_CATEGORY_LEN && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!(
            "column 'category': not a category (letters, digits and -, at most \
             {MAX_CATEGORY_LEN}, e.g. adult, student)"
        ))
    }
}

/// A `YYYY-MM-DD` date, its year in [`csv_file::YEARS`], to its midnight in `tz`.
fn date(s: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let d =
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| "not a date YYYY-MM-DD".to_owned())?;
    check_year(d.year()).map_err(|e| e.to_string())?;
    // Midnight does not exist on a few days in a few zones; the first hour that does is used.
    (0..3)
        .find_map(|h| d.and_hms_opt(h, 0, 0).and_then(|t| tz.from_local_datetime(&t).earliest()))
        .map(|t| t.to_utc())
        .ok_or_else(|| format!("the date has no midnight in {tz}"))
}

fn consent(row: &Row<'_>, column: &str) -> Result<Option<bool>, String> {
    match row.get(column).map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(_) => Err(format!("column '{column}': not yes, no or empty")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::csv_file::MAX_LISTED;

    fn opts() -> PatronCsvOptions {
        PatronCsvOptions { delimiter: b',', tz: "Europe/London".parse().unwrap() }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_full_directory_reads_with_defaults_for_what_is_missing() {
        let csv = "card,name,email,category,joined,consent_recommendations,consent_profiling\n\
                   2900 0001,Ana García,ana@example.org,Student,2024-07-01,yes,no\n\
                   2900-0002,Ben Okafor,,,,,\n";
        let rows = parse_patrons(csv.as_bytes(), &opts()).unwrap();
        assert_eq!(rows.len(), 2);
        let a = &rows[0];
        assert_eq!((a.line, a.card.as_str(), a.name.as_str()), (2, "29000001", "Ana García"));
        assert_eq!(a.email, Some(Some("ana@example.org".into())));
        assert_eq!(a.category.as_deref(), Some("student"));
        assert_eq!(a.joined, Some(utc("2024-06-30T23:00:00Z")), "midnight in London, summer");
        assert_eq!((a.consent_recommendations, a.consent_profiling), (Some(true), Some(false)));
        let b = &rows[1];
        assert_eq!((b.email.clone(), b.category.clone(), b.joined), (Some(None), None, None));
        assert_eq!((b.consent_recommendations, b.consent_profiling), (None, None));
        let bare = parse_patrons(b"card,name\n29000003,Chiara Rossi\n", &opts()).unwrap();
        assert_eq!(bare[0].email, None, "no email column: keep what is known");
    }

    #[test]
    fn bad_patron_rows_are_named_by_line_without_quoting_cards_or_names() {
        let csv = "card,name,email,category,joined,consent_recommendations\n\
                   29X,Ana,,,,\n\
                   29000002,,,,,\n\
                   29000003,Chiara,not-an-email,,,\n\
                   29000004,Dmitri,,adult!,,\n\
                   29000005,Elif,,,2024-13-01,\n\
                   29000006,Farah,,,,maybe\n\
                   29000007,Gabriel\u{1b}[31m,,,,\n\
                   2900 0008,Hana,,,,\n\
                   29000008,Hana again,,,,\n";
        let e = parse_patrons(csv.as_bytes(), &opts()).unwrap_err();
        let text = e.to_string();
        for expected in [
            "line 2: column 'card': not a card number",
            "line 3: column 'name': empty",
            "line 4: column 'email': not an email address",
            "line 5: column 'category': not a category",
            "line 6: column 'joined': not a date YYYY-MM-DD",
            "line 7: column 'consent_recommendations': not yes, no or empty",
            "line 8: column 'name': holds control characters",
            "line 10: the same card as line 9",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert_eq!(e.problems.len(), 8, "{text}");
        for value in ["29X", "29000008", "not-an-email", "adult!", "2024-13-01", "maybe", "Gabriel"]
        {
            assert!(!text.contains(value), "{value:?} quoted in:\n{text}");
        }
    }

    #[test]
    fn joining_dates_outside_the_years_are_refused() {
        let csv = "card,name,joined\n29000001,Ana,-1-01-01\n29000002,Ben,0000-01-01\n\
                   29000003,Cy,+10000-01-01\n29000004,Di,1899-12-31\n29000005,Ed,1900-01-01\n\
                   29000006,Flo,2199-12-31\n";
        let e = parse_patrons(csv.as_bytes(), &opts()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: column 'joined': year -1 is outside 1900–2199\n\
             line 3: column 'joined': year 0 is outside 1900–2199\n\
             line 4: column 'joined': year 10000 is outside 1900–2199\n\
             line 5: column 'joined': year 1899 is outside 1900–2199"
        );
        assert_eq!(e.rows, 6);
        let e = parse_visits(b"card,at\n29000001,+10000-01-01T00:00:00\n", &opts()).unwrap_err();
        assert_eq!(e.to_string(), "line 2: column 'at': year 10000 is outside 1900–2199");
    }

    #[test]
    fn a_file_without_its_header_is_refused_without_a_cell() {
        let e = parse_patrons(
            b"12345678,Alice Secret,alice.secret@example.org\n12345679,Bob,\n",
            &opts(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: the first line does not name the columns card, name (found 3 columns; is \
             the header missing, or is the delimiter not ','?)"
        );
        let e = parse_loans(b"card,item,loaned,Alice\n1,2,3,4\n", &opts()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: column 4 of the header is not one this file may have (card, item, loaned, \
             returned)"
        );
        let e = parse_visits(b"card,at\n29000001,\"2026-01-05 10:00\n", &opts()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: a quoted field is not closed before the end of the file"
        );
    }

    #[test]
    fn loans_searches_and_visits_read_times_in_the_zone() {
        let loans = parse_loans(
            b"card,item,loaned,returned\n29000001,bib-00001,2026-01-05 10:00,2026-01-20 12:00\n29000001,bib-00002,2026-02-01T09:00:00Z,\n",
            &opts(),
        )
        .unwrap();
        assert_eq!(loans[0].loaned, utc("2026-01-05T10:00:00Z"));
        assert_eq!(loans[0].returned, Some(utc("2026-01-20T12:00:00Z")));
        assert_eq!(loans[1].returned, None);
        let searches =
            parse_searches(b"card,at,query\n29000001,2026-07-01 10:00,data protection\n", &opts())
                .unwrap();
        assert_eq!(searches[0].at, utc("2026-07-01T09:00:00Z"));
        assert_eq!(searches[0].query, "data protection");
        let visits = parse_visits(
            b"card,at,zone\n29000001,2026-07-01 10:00,F1-Z2\n29000001,2026-07-02 10:00,\n",
            &opts(),
        )
        .unwrap();
        assert_eq!(visits[0].zone_id.as_deref(), Some("F1-Z2"));
        assert_eq!(visits[1].zone_id, None);
        let no_zone = parse_visits(b"card,at\n29000001,2026-07-01 10:00\n", &opts()).unwrap();
        assert_eq!(no_zone[0].zone_id, None);
    }

    /// The csv crate counts lines wrongly in CRLF files (rust-csv#395); these are counted
    /// from the bytes.
    #[test]
    fn lines_are_named_right_in_a_file_with_crlf_line_ends() {
        let lf = "card,item,loaned\n29000001,bib-1,2026-01-05 10:00\n29000001,bib-2,2026-01-05 10:00\n29000001,bib-3,yesterday\n";
        for csv in [lf.to_owned(), lf.replace('\n', "\r\n")] {
            let e = parse_loans(csv.as_bytes(), &opts()).unwrap_err().to_string();
            assert!(e.contains("line 4: column 'loaned'"), "{e}");
        }
        let ok = parse_loans(
            lf.replace('\n', "\r\n").replace("yesterday", "2026-01-06 10:00").as_bytes(),
            &opts(),
        )
        .unwrap();
        assert_eq!(ok.iter().map(|l| l.line).collect::<Vec<_>>(), [2, 3, 4]);
    }

    #[test]
    fn bad_activity_rows_are_named_by_line() {
        let e = parse_loans(
            b"card,item,loaned,returned\n29000001,bib 1,2026-01-05 10:00,\n29000001,bib-1,yesterday,\n29000001,bib-2,2026-01-05 10:00,2026-01-04 10:00\n29000001,bib-3,2026-01-05 10:00,\n29000001,bib-3,2026-01-05 10:00,2026-01-06 10:00\n",
            &opts(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 2: column 'item': not an item id"), "{e}");
        assert!(e.contains("line 3: column 'loaned': not a time"), "{e}");
        assert!(!e.contains("bib 1") && !e.contains("yesterday"), "{e}");
        assert!(e.contains("line 4: column 'returned': before the loan"), "{e}");
        assert!(e.contains("line 6: the same loan as line 5"), "{e}");
        let long = "q".repeat(MAX_QUERY_CHARS + 1);
        let e = parse_searches(
            format!(
                "card,at,query\n29000001,2026-01-05 10:00,{long}\n29000001,2026-01-05 10:00,\n"
            )
            .as_bytes(),
            &opts(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 2: column 'query': longer than 500"), "{e}");
        assert!(e.contains("line 3: column 'query': empty"), "{e}");
        let e = parse_visits(
            b"card,at\n29000001,2026-01-05 10:00\n29000001,2026-01-05 10:00\n",
            &opts(),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "line 3: the same visit as line 2");
    }

    #[test]
    fn headers_are_checked_whole() {
        let e = parse_loans(b"card,item\n29000001,bib-1\n", &opts()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: the first line does not name the column loaned (found 2 columns; is the \
             header missing, or is the delimiter not ','?)"
        );
        let e = parse_patrons(b"card;name\n29000001;Ana\n", &opts()).unwrap_err();
        assert!(e.to_string().contains("does not name the columns card, name (found 1 column;"));
        assert!(e.to_string().ends_with("try --delimiter ';'"), "{e}");
        let e = parse_searches(b"when\n1\n", &opts()).unwrap_err();
        assert!(e.to_string().contains("does not name the columns card, at, query"), "{e}");
        let e = parse_patrons(b"card,name,emial\n29000001,Ana,a@b\n", &opts()).unwrap_err();
        assert!(e.to_string().contains("column 3 of the header is not one"), "{e}");
        assert!(!e.to_string().contains("emial"), "{e}");
        let e = parse_patrons(b"card,name,card\n29000001,Ana,1\n", &opts()).unwrap_err();
        assert!(e.to_string().contains("'card' appears twice"), "{e}");
        let tabbed = PatronCsvOptions { delimiter: b'\t', ..opts() };
        assert_eq!(parse_patrons(b"Card\tName\n29000001\tAna\n", &tabbed).unwrap().len(), 1);
        let bom = parse_patrons(b"\xEF\xBB\xBFcard,name\n29000001,Ana\n", &opts()).unwrap();
        assert_eq!(bom[0].card, "29000001");
    }

    #[test]
    fn empty_files_headers_alone_and_long_lists() {
        assert!(parse_visits(b"", &opts()).unwrap_err().to_string().contains("empty"));
        assert!(parse_visits(b"card,at\n", &opts()).unwrap_err().to_string().contains("no rows"));
        let mut csv = String::from("card,at\n");
        for i in 0..30 {
            csv.push_str(&format!("2900{i:04},never\n"));
        }
        let e = parse_visits(csv.as_bytes(), &opts()).unwrap_err();
        assert_eq!(e.problems.len(), MAX_LISTED);
        assert!(e.to_string().ends_with("…and 10 more"), "{e}");
    }
}
