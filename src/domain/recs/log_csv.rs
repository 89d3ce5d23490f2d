//! An interaction log from a CSV file (loans, ratings, views): one row per interaction with a
//! user column, an item column and an optional time column, checked row by row by the rules of
//! [`csv_file`]. Every problem is reported with its line; a file with any problem gives nothing.
//! The user column may hold patron ids, so, as for patron files, no message quotes a cell or a
//! header cell (the columns named are those the caller asked for).
//!
//! Pure: parses bytes already read. Times are read as [`csv_file::parse_time`] reads them (RFC
//! 3339, local date and time in the given zone, or Unix seconds), within its years.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::csv_file::{self, CsvErrors, Problems, ShowHeader, missing_columns, one};
use crate::domain::sanitize::clean_text;

fn shorten(s: &str) -> String {
    clean_text(s, 40)
}

/// How to read the file.
#[derive(Debug, Clone)]
pub struct LogOptions {
    pub user_col: String,
    pub item_col: String,
    /// Without a time column, the order of the rows is the order in time.
    pub time_col: Option<String>,
    pub delimiter: u8,
    /// Times without an offset are in this zone.
    pub tz: Tz,
}

/// One interaction: indices into the log's users and items, and its time when the file has a
/// time column. Its position among the log's events is its position in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub user: u32,
    pub item: u32,
    pub at: Option<DateTime<Utc>>,
}

/// The interactions of a file, in file order, with users and items as dense indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionLog {
    /// User keys by index, in order of first appearance.
    pub users: Vec<String>,
    /// Item keys by index, sorted.
    pub items: Vec<String>,
    pub events: Vec<Event>,
    /// Whether the events carry times (the file had a time column).
    pub timed: bool,
}

/// Interns `key` into `index`/`keys`, returning its index.
fn intern(key: &str, index: &mut HashMap<String, u32>, keys: &mut Vec<String>) -> u32 {
    if let Some(i) = index.get(key) {
        return *i;
    }
    let i = keys.len() as u32;
    index.insert(key.to_owned(), i);
    keys.push(key.to_owned());
    i
}

/// Reads and checks the whole file. Errors list every problem found (up to
/// [`csv_file::MAX_LISTED`]) with its line; on any problem nothing is returned.
pub fn parse_log(bytes: &[u8], opts: &LogOptions) -> Result<InteractionLog, CsvErrors> {
    let (mut reader, headers) = csv_file::open(bytes, opts.delimiter)?;
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let wanted: Vec<&str> = [Some(opts.user_col.as_str()), Some(opts.item_col.as_str())]
        .into_iter()
        .chain([opts.time_col.as_deref()])
        .flatten()
        .collect();
    let missing: Vec<String> =
        wanted.iter().copied().filter(|c| find(c).is_none()).map(shorten).collect();
    if !missing.is_empty() {
        let missing: Vec<&str> = missing.iter().map(String::as_str).collect();
        return Err(one(missing_columns(&missing, &headers, opts.delimiter, ShowHeader::Count)));
    }
    let (Some(ui), Some(ii)) = (find(&opts.user_col), find(&opts.item_col)) else {
        return Err(one("line 1: the user or item column is missing".into()));
    };
    let ti = opts.time_col.as_deref().and_then(find);

    let mut user_index: HashMap<String, u32> = HashMap::new();
    let mut item_index: HashMap<String, u32> = HashMap::new();
    let mut users = Vec::new();
    let mut items = Vec::new();
    let mut events = Vec::new();
    let mut problems = Problems::default();
    let mut rows = 0;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => rows += 1,
            Ok(false) => break,
            Err(e) => {
                rows += 1;
                let line = e.position().map_or(0, |p| p.line());
                problems.add(format!("line {line}: {e}"));
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let (Some(user), Some(item)) = (record.get(ui), record.get(ii)) else {
            problems.add(format!("line {line}: the row has too few fields"));
            continue;
        };
        let (user, item) = (user.trim(), item.trim());
        let mut bad = false;
        for (value, col) in [(user, &opts.user_col), (item, &opts.item_col)] {
            if value.is_empty() {
                problems.add(format!("line {line}: column '{}' is empty", shorten(col)));
                bad = true;
            }
        }
        let at = match (ti, &opts.time_col) {
            (Some(ti), Some(col)) => {
                match record.get(ti).map(|t| csv_file::parse_time(t, opts.tz)) {
                    Some(Ok(at)) => Some(at),
                    Some(Err(e)) => {
                        problems.add(format!("line {line}: column '{}': {e}", shorten(col)));
                        bad = true;
                        None
                    }
                    None => {
                        problems.add(format!("line {line}: the row has too few fields"));
                        bad = true;
                        None
                    }
                }
            }
            _ => None,
        };
        if bad || !problems.is_empty() {
            // After the first problem only problems are collected: nothing will be returned.
            continue;
        }
        let user = intern(user, &mut user_index, &mut users);
        let item = intern(item, &mut item_index, &mut items);
        events.push(Event { user, item, at });
    }
    if problems.is_empty() && events.is_empty() {
        problems.add("the file has a header but no rows".into());
    }
    if !problems.is_empty() {
        return Err(problems.into_errors(rows));
    }
    drop(item_index);
    Ok(in_key_order(users, items, events, ti.is_some()))
}

/// The log with its items renumbered in key order, so that ties broken by index are broken by
/// key.
fn in_key_order(
    users: Vec<String>,
    mut items: Vec<String>,
    mut events: Vec<Event>,
    timed: bool,
) -> InteractionLog {
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    order.sort_by(|a, b| items[*a as usize].cmp(&items[*b as usize]));
    let mut renumber = vec![0u32; items.len()];
    for (new, old) in order.iter().enumerate() {
        renumber[*old as usize] = new as u32;
    }
    let items: Vec<String> =
        order.iter().map(|old| std::mem::take(&mut items[*old as usize])).collect();
    for e in &mut events {
        e.item = renumber[e.item as usize];
    }
    InteractionLog { users, items, events, timed }
}

impl InteractionLog {
    /// A timed log from `(user, item, time)` rows already checked (a database's loans), in
    /// the order given; equal times keep that order, as equal times in a file do.
    pub fn from_timed(rows: impl IntoIterator<Item = (String, String, DateTime<Utc>)>) -> Self {
        let mut user_index: HashMap<String, u32> = HashMap::new();
        let mut item_index: HashMap<String, u32> = HashMap::new();
        let (mut users, mut items, mut events) = (Vec::new(), Vec::new(), Vec::new());
        for (user, item, at) in rows {
            let user = intern(&user, &mut user_index, &mut users);
            let item = intern(&item, &mut item_index, &mut items);
            events.push(Event { user, item, at: Some(at) });
        }
        in_key_order(users, items, events, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(time: Option<&str>) -> LogOptions {
        LogOptions {
            user_col: "user".into(),
            item_col: "item".into(),
            time_col: time.map(str::to_owned),
            delimiter: b',',
            tz: chrono_tz::UTC,
        }
    }

    #[test]
    fn a_log_from_rows_is_the_log_of_the_same_file() {
        let csv = b"user,item,when\nann,b2,1260759144\nbob,a1,1260759200\nann,a1,1260759144\n";
        let from_file = parse_log(csv, &opts(Some("when"))).unwrap();
        let at = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let rows =
            [("ann", "b2", 1260759144), ("bob", "a1", 1260759200), ("ann", "a1", 1260759144)]
                .map(|(u, i, t)| (u.to_owned(), i.to_owned(), at(t)));
        assert_eq!(InteractionLog::from_timed(rows), from_file);
    }

    #[test]
    fn reads_users_items_and_times_in_several_forms() {
        let csv = b"user,item,when,title\nann,b2,1260759144,\"Dumbo, the film\"\nbob,a1,2026-11-21T09:30:00Z,x\nann,a1,2026-11-21 09:15,y\n";
        let log = parse_log(csv, &opts(Some("when"))).unwrap();
        assert_eq!(log.users, ["ann", "bob"]);
        assert_eq!(log.items, ["a1", "b2"], "items in key order");
        assert!(log.timed);
        assert_eq!(log.events.len(), 3);
        assert_eq!((log.events[0].user, log.events[0].item), (0, 1));
        assert_eq!((log.events[2].user, log.events[2].item), (0, 0));
        assert_eq!(log.events[0].at.unwrap().timestamp(), 1_260_759_144);
        assert_eq!(
            log.events[1].at,
            Some(DateTime::parse_from_rfc3339("2026-11-21T09:30:00Z").unwrap().to_utc())
        );
    }

    #[test]
    fn without_a_time_column_there_are_no_times() {
        let log =
            parse_log(b"item;user\nx;1\ny;2\n", &LogOptions { delimiter: b';', ..opts(None) })
                .unwrap();
        assert!(!log.timed);
        assert!(log.events.iter().all(|e| e.at.is_none()));
        assert_eq!(log.users, ["1", "2"]);
    }

    #[test]
    fn every_bad_row_is_named_with_its_line() {
        let csv = b"user,item,ts\nann,x,1260759144\nbob,y,yesterday\n,z,1260759145\ncat,w\n";
        let e = parse_log(csv, &opts(Some("ts"))).unwrap_err();
        let text = e.to_string();
        assert_eq!(e.problems.len(), 3, "{text}");
        assert!(text.contains("line 3: column 'ts': not a time"), "{text}");
        assert!(!text.contains("yesterday"), "{text}");
        assert!(text.contains("line 4: column 'user' is empty"), "{text}");
        assert!(text.contains("line 5: "), "{text}");
    }

    #[test]
    fn a_missing_column_and_a_wrong_delimiter_say_so() {
        let e = parse_log(b"user,thing\n1,2\n", &opts(Some("ts"))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: the first line does not name the columns item, ts (found 2 columns; is the \
             header missing, or is the delimiter not ','?)"
        );
        let e = parse_log(b"user;item\n1;2\n", &opts(None)).unwrap_err();
        assert!(e.to_string().ends_with("try --delimiter ';'"), "{e}");
    }

    #[test]
    fn years_open_quotes_and_wide_headers_are_refused() {
        let e = parse_log(b"user,item,ts\nann,x,+10000-01-01T00:00:00\n", &opts(Some("ts")))
            .unwrap_err();
        assert_eq!(e.to_string(), "line 2: column 'ts': year 10000 is outside 1900–2199");
        let e = parse_log(b"user,item\nann,x\nbob,\"y\n", &opts(None)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3: a quoted field is not closed before the end of the file"
        );
        let wide = format!("user,item,{}\n", vec!["x"; 300].join(","));
        let e = parse_log(wide.as_bytes(), &opts(None)).unwrap_err();
        assert_eq!(e.to_string(), "line 1: more than 256 columns");
    }

    #[test]
    fn empty_files_and_headers_alone_are_refused() {
        assert!(parse_log(b"  \n", &opts(None)).unwrap_err().to_string().contains("empty"));
        assert!(
            parse_log(b"user,item\n", &opts(None)).unwrap_err().to_string().contains("no rows")
        );
    }
}
