//! The layout file (`carrel import layout`, `carrel layout export`): one row per seat, mapping a
//! source's seat ids onto the floor plan.
//!
//! Columns, by name in a header line (any order, any case): `seat_id`, `floor`, `zone`, `x`,
//! `y` in every file; `label`, `power`, `accessible`, `zone_kind`, `zone_name`, `floor_name`
//! and `floor_level` when wanted. An optional column may be absent or a cell of it empty: the
//! seat, zone or floor keeps what the store holds for it, or takes the default when it is new
//! (see `services::layout`). `x` and `y` are given together or left empty together; a seat
//! without them goes to its zone's grid (`domain::seat_grid`).
//!
//! The rules are those of [`super::csv_file`]: every row is checked, every problem is reported
//! with its line and column (at most [`super::csv_file::MAX_LISTED`], then "…and N more"), and a
//! file with any problem yields nothing, so an import is all or nothing. Across rows: a seat id
//! appears once; two seats never share a cell of a floor; a zone is on one floor; the zone and
//! floor columns repeated on each row agree where they are given.
//!
//! These files hold no patron data, so messages quote bad values (cleaned and shortened).
//!
//! Pure: parses bytes already read, writes text. May use: csv.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use super::csv_file::{self, CsvErrors, Problems, ShowHeader, locate};
use super::layout::{Floor, MAX_COORD, Seat, Zone, ZoneKind};
use super::sanitize::{MAX_TEXT_CHARS, clean_text, is_unsafe_char, valid_id};

/// The columns every layout file has.
pub const REQUIRED: [&str; 5] = ["seat_id", "floor", "zone", "x", "y"];

/// The columns a layout file may have besides.
pub const OPTIONAL: [&str; 7] =
    ["label", "power", "accessible", "zone_kind", "zone_name", "floor_name", "floor_level"];

/// Every column, in the order `carrel layout export` writes them.
pub const COLUMNS: [&str; 12] = [
    "seat_id",
    "floor",
    "zone",
    "x",
    "y",
    "label",
    "power",
    "accessible",
    "zone_kind",
    "zone_name",
    "floor_name",
    "floor_level",
];

/// Storeys a floor may be numbered with (0 is the ground floor).
pub const FLOOR_LEVELS: RangeInclusive<i32> = -99..=999;

/// One seat as a row gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutRow {
    pub line: u64,
    pub seat_id: String,
    pub floor_id: String,
    pub zone_id: String,
    /// `None`: `x` and `y` left empty; the seat keeps its cell if the store has it in this zone,
    /// else it goes to the zone's grid.
    pub position: Option<(u32, u32)>,
    /// `None` (here and below): not given; a known seat keeps its own, a new one the default.
    pub label: Option<String>,
    pub power: Option<bool>,
    pub accessible: Option<bool>,
}

/// A floor the file names, with what its rows say of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloorEntry {
    pub id: String,
    /// The first line naming it.
    pub line: u64,
    pub name: Option<String>,
    pub level: Option<i32>,
}

/// A zone the file names, with what its rows say of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneEntry {
    pub id: String,
    pub floor_id: String,
    /// The first line naming it.
    pub line: u64,
    pub kind: Option<ZoneKind>,
    pub name: Option<String>,
}

/// A layout file, checked: its seats in file order, and its floors and zones in the order they
/// first appear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayoutFile {
    pub seats: Vec<LayoutRow>,
    pub floors: Vec<FloorEntry>,
    pub zones: Vec<ZoneEntry>,
}

/// A value quoted in a message: cleaned of control characters and cut short.
fn quoted(s: &str) -> String {
    format!("'{}'", clean_text(s, 40))
}

/// One data row with its columns located.
struct Row<'a> {
    record: &'a csv::StringRecord,
    columns: &'a HashMap<&'static str, usize>,
}

impl Row<'_> {
    /// The trimmed cell of `column`, `None` when the column is absent or the cell empty.
    fn get(&self, column: &str) -> Option<&str> {
        let cell = self.columns.get(column).map(|&i| self.record.get(i).unwrap_or("").trim());
        cell.filter(|c| !c.is_empty())
    }

    fn id(&self, column: &str) -> Result<String, String> {
        match self.get(column) {
            None => Err(format!("column '{column}': empty")),
            Some(v) if valid_id(v) => Ok(v.to_owned()),
            Some(v) => Err(format!(
                "column '{column}': {} is not an id (letters, digits and . _ - :, at most 64)",
                quoted(v)
            )),
        }
    }

    fn coordinate(&self, column: &str) -> Result<Option<u32>, String> {
        self.get(column)
            .map(|v| coordinate(v).map_err(|e| format!("column '{column}': {e}")))
            .transpose()
    }

    fn position(&self) -> Result<Option<(u32, u32)>, String> {
        match (self.coordinate("x")?, self.coordinate("y")?) {
            (Some(x), Some(y)) => Ok(Some((x, y))),
            (None, None) => Ok(None),
            (Some(_), None) => Err(half_position("y", "x")),
            (None, Some(_)) => Err(half_position("x", "y")),
        }
    }

    fn text(&self, column: &str) -> Result<Option<String>, String> {
        let Some(v) = self.get(column) else { return Ok(None) };
        if v.chars().any(is_unsafe_char) {
            return Err(format!("column '{column}': holds control characters"));
        }
        if v.chars().count() > MAX_TEXT_CHARS {
            return Err(format!("column '{column}': longer than {MAX_TEXT_CHARS} characters"));
        }
        Ok(Some(v.to_owned()))
    }

    fn flag(&self, column: &str) -> Result<Option<bool>, String> {
        let Some(v) = self.get(column) else { return Ok(None) };
        match v.to_ascii_lowercase().as_str() {
            "yes" | "true" | "1" => Ok(Some(true)),
            "no" | "false" | "0" => Ok(Some(false)),
            _ => Err(format!(
                "column '{column}': {} is not yes, no, true, false, 1 or 0 (or empty)",
                quoted(v)
            )),
        }
    }

    fn kind(&self) -> Result<Option<ZoneKind>, String> {
        self.get("zone_kind")
            .map(|v| {
                v.to_ascii_lowercase().parse::<ZoneKind>().map_err(|e| {
                    format!(
                        "column 'zone_kind': {} is not a zone kind (one of: {})",
                        quoted(v),
                        e.expected
                    )
                })
            })
            .transpose()
    }

    fn level(&self) -> Result<Option<i32>, String> {
        let Some(v) = self.get("floor_level") else { return Ok(None) };
        let digits = v.strip_prefix('-').unwrap_or(v);
        let n =
            (!digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| v.parse::<i32>().ok())
                .flatten()
                .filter(|n| FLOOR_LEVELS.contains(n));
        n.map(Some).ok_or_else(|| {
            format!(
                "column 'floor_level': {} is not a whole number from {} to {}",
                quoted(v),
                FLOOR_LEVELS.start(),
                FLOOR_LEVELS.end()
            )
        })
    }
}

fn half_position(empty: &str, given: &str) -> String {
    format!(
        "column '{empty}': empty, but '{given}' is given (give both, or leave both empty for a \
         place in the zone's grid)"
    )
}

/// A coordinate as files write it: digits only, from 0 to [`MAX_COORD`].
pub fn coordinate(raw: &str) -> Result<u32, String> {
    let s = raw.trim();
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if s.strip_prefix('-').is_some_and(digits) {
        return Err(format!("the coordinate {} is negative", clean_text(s, 40)));
    }
    if !digits(s) {
        return Err(format!("{} is not a whole number (digits only, 0 to {MAX_COORD})", quoted(s)));
    }
    let significant = s.trim_start_matches('0');
    match (significant.len() <= 5).then(|| significant.parse::<u32>().ok()).flatten() {
        _ if significant.is_empty() => Ok(0),
        Some(n) if n <= MAX_COORD => Ok(n),
        _ => {
            Err(format!("{} is beyond {MAX_COORD}, the edge of the floor plan", clean_text(s, 40)))
        }
    }
}

/// What the rows read so far say of the floors and zones, to check each row against.
#[derive(Default)]
struct Seen {
    seats: HashMap<String, u64>,
    cells: HashMap<(String, u32, u32), (u64, String)>,
    floors: HashMap<String, usize>,
    zones: HashMap<String, usize>,
    /// The line that gave each zone its kind and name, each floor its name and level.
    said: HashMap<(&'static str, String), u64>,
}

/// Reads and checks the whole file.
pub fn parse(bytes: &[u8], delimiter: u8) -> Result<LayoutFile, CsvErrors> {
    let bytes = csv_file::without_bom(bytes);
    let (mut reader, headers) = csv_file::open(bytes, delimiter)?;
    let columns = locate(&headers, &REQUIRED, &OPTIONAL, delimiter, ShowHeader::Cells)?;
    let mut lines = csv_file::LineIndex::new(bytes);
    let mut out = LayoutFile::default();
    let mut problems = Problems::default();
    let mut seen = Seen::default();
    let mut rows = 0;
    for record in reader.records() {
        rows += 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_of(p.byte()));
                problems.add(format!("line {line}: {}", csv_problem(&e)));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.line_of(p.byte()));
        let row = Row { record: &record, columns: &columns };
        if let Err(e) = read_row(&row, line, &mut out, &mut seen) {
            problems.add(format!("line {line}: {e}"));
        }
    }
    if problems.is_empty() && out.seats.is_empty() {
        problems.add("the file has a header but no rows".into());
    }
    if !problems.is_empty() {
        return Err(problems.into_errors(rows));
    }
    Ok(out)
}

/// What the csv reader found wrong with a row, without its own position (which names the
/// line wrongly in files with CRLF line ends, see [`csv_file::LineIndex`]).
fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "{len} field{} where the header has {expected_len}",
            if *len == 1 { "" } else { "s" }
        ),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

/// Checks one row on its own and against the rows before it, and adds it to `out`.
fn read_row(row: &Row<'_>, line: u64, out: &mut LayoutFile, seen: &mut Seen) -> Result<(), String> {
    let seat_id = row.id("seat_id")?;
    let floor_id = row.id("floor")?;
    let zone_id = row.id("zone")?;
    let position = row.position()?;
    let label = row.text("label")?;
    let power = row.flag("power")?;
    let accessible = row.flag("accessible")?;
    let kind = row.kind()?;
    let zone_name = row.text("zone_name")?;
    let floor_name = row.text("floor_name")?;
    let level = row.level()?;

    if let Some(first) = seen.seats.get(&seat_id) {
        return Err(format!("column 'seat_id': seat {seat_id} is already on line {first}"));
    }
    if let Some(&z) = seen.zones.get(&zone_id) {
        let zone = &out.zones[z];
        if zone.floor_id != floor_id {
            return Err(format!(
                "column 'floor': zone {zone_id} is on floor {} (line {})",
                zone.floor_id, zone.line
            ));
        }
    }
    if let Some((x, y)) = position
        && let Some((first, other)) = seen.cells.get(&(floor_id.clone(), x, y))
    {
        return Err(format!(
            "columns 'x', 'y': seat {seat_id} would stand at ({x}, {y}) on floor {floor_id}, \
             where line {first} puts seat {other}"
        ));
    }
    let f = *seen.floors.entry(floor_id.clone()).or_insert_with(|| {
        out.floors.push(FloorEntry { id: floor_id.clone(), line, name: None, level: None });
        out.floors.len() - 1
    });
    let z = *seen.zones.entry(zone_id.clone()).or_insert_with(|| {
        out.zones.push(ZoneEntry {
            id: zone_id.clone(),
            floor_id: floor_id.clone(),
            line,
            kind: None,
            name: None,
        });
        out.zones.len() - 1
    });
    let what = |column: &'static str, of: &str| (column, of.to_owned());
    agree(&mut out.floors[f].name, floor_name, what("floor_name", &floor_id), line, seen)?;
    agree(&mut out.floors[f].level, level, what("floor_level", &floor_id), line, seen)?;
    agree(&mut out.zones[z].kind, kind, what("zone_kind", &zone_id), line, seen)?;
    agree(&mut out.zones[z].name, zone_name, what("zone_name", &zone_id), line, seen)?;

    seen.seats.insert(seat_id.clone(), line);
    if let Some((x, y)) = position {
        seen.cells.insert((floor_id.clone(), x, y), (line, seat_id.clone()));
    }
    out.seats.push(LayoutRow {
        line,
        seat_id,
        floor_id,
        zone_id,
        position,
        label,
        power,
        accessible,
    });
    Ok(())
}

/// Takes `given` as the value of a zone's or floor's column (`what`: the column and the zone or
/// floor) when none was given before; refuses it when an earlier line gave another.
fn agree<T: PartialEq + std::fmt::Display>(
    held: &mut Option<T>,
    given: Option<T>,
    what: (&'static str, String),
    line: u64,
    seen: &mut Seen,
) -> Result<(), String> {
    let Some(given) = given else { return Ok(()) };
    match held {
        Some(h) if *h != given => {
            let first = seen.said.get(&what).copied().unwrap_or(0);
            let (column, of) = what;
            Err(format!(
                "column '{column}': {}, but line {first} gives {of} {}",
                quoted(&given.to_string()),
                quoted(&h.to_string())
            ))
        }
        Some(_) => Ok(()),
        None => {
            *held = Some(given);
            seen.said.insert(what, line);
            Ok(())
        }
    }
}

/// The layout as a layout file, with a header of every column ([`COLUMNS`]): one row per seat
/// in the order given, with its zone's kind and name and its floor's name and level. A seat of
/// a zone or floor not given has those cells empty. Reading it back gives the same layout.
pub fn write(floors: &[Floor], zones: &[Zone], seats: &[Seat]) -> String {
    let floors: HashMap<&str, &Floor> = floors.iter().map(|f| (f.id.as_str(), f)).collect();
    let zones: HashMap<&str, &Zone> = zones.iter().map(|z| (z.id.as_str(), z)).collect();
    let mut out = COLUMNS.join(",");
    out.push('\n');
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    for s in seats {
        let zone = zones.get(s.zone_id.as_str());
        let floor = zone.and_then(|z| floors.get(z.floor_id.as_str()));
        let cells = [
            s.id.clone(),
            zone.map(|z| z.floor_id.clone()).unwrap_or_default(),
            s.zone_id.clone(),
            s.x.to_string(),
            s.y.to_string(),
            s.label.clone(),
            yes_no(s.power).to_owned(),
            yes_no(s.accessible).to_owned(),
            zone.map(|z| z.kind.to_string()).unwrap_or_default(),
            zone.map(|z| z.name.clone()).unwrap_or_default(),
            floor.map(|f| f.name.clone()).unwrap_or_default(),
            floor.map(|f| f.level.to_string()).unwrap_or_default(),
        ];
        let row: Vec<String> = cells.iter().map(|c| field(c)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// One cell as RFC 4180 writes it: quoted, with quotes doubled, when it holds a comma, a quote
/// or a line break.
fn field(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::csv_file::MAX_LISTED;

    fn parse_str(text: &str) -> Result<LayoutFile, CsvErrors> {
        parse(text.as_bytes(), b',')
    }

    fn problems(text: &str) -> String {
        parse_str(text).unwrap_err().to_string()
    }

    #[test]
    fn a_full_file_reads_with_floors_and_zones_in_order() {
        let file = parse_str(
            "seat_id,floor,zone,x,y,label,power,accessible,zone_kind,zone_name,floor_name,floor_level\n\
             lc-101,F1,F1-Z1,3,4,1N-101,yes,no,silent,North room,First,1\n\
             lc-102,F1,F1-Z1,,,,TRUE,1,,,,\n\
             lc-201,F0,F0-Z1,0,0,,0,false,group,,Ground,0\n",
        )
        .unwrap();
        assert_eq!(file.seats.len(), 3);
        let a = &file.seats[0];
        assert_eq!((a.line, a.seat_id.as_str(), a.floor_id.as_str()), (2, "lc-101", "F1"));
        assert_eq!((a.position, a.label.as_deref()), (Some((3, 4)), Some("1N-101")));
        assert_eq!((a.power, a.accessible), (Some(true), Some(false)));
        let b = &file.seats[1];
        assert_eq!((b.position, b.label.clone()), (None, None));
        assert_eq!((b.power, b.accessible), (Some(true), Some(true)));
        let c = &file.seats[2];
        assert_eq!((c.power, c.accessible), (Some(false), Some(false)));
        let floors: Vec<_> = file.floors.iter().map(|f| (f.id.as_str(), f.level)).collect();
        assert_eq!(floors, [("F1", Some(1)), ("F0", Some(0))]);
        assert_eq!(file.floors[0].name.as_deref(), Some("First"));
        let zones: Vec<_> = file.zones.iter().map(|z| (z.id.as_str(), z.kind)).collect();
        assert_eq!(zones, [("F1-Z1", Some(ZoneKind::Silent)), ("F0-Z1", Some(ZoneKind::Group))]);
        assert_eq!(file.zones[0].name.as_deref(), Some("North room"));
        assert_eq!(file.zones[1].name, None);
    }

    #[test]
    fn only_the_five_columns_are_needed_in_any_order_and_case() {
        let file = parse_str("Zone,SEAT_ID,y,x,floor\nZ,s1,2,1,F\nZ,s2,,,F\n").unwrap();
        assert_eq!(file.seats[0].position, Some((1, 2)));
        assert_eq!(file.seats[1].position, None);
        assert_eq!(file.seats[0].label, None);
        assert_eq!(file.zones[0].kind, None);
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_are_read() {
        let file = parse(
            "\u{FEFF}seat_id,floor,zone,x,y,label\r\ns1,F,Z,1,1,A\r\ns2,F,Z,2,1,B\r\n".as_bytes(),
            b',',
        )
        .unwrap();
        assert_eq!(file.seats.len(), 2);
        assert_eq!(file.seats[1].label.as_deref(), Some("B"), "no \\r left on the last cell");
        assert_eq!(file.seats[1].line, 3);
        // Problems name their lines rightly with CRLF too (the csv crate's own count is one off).
        let e = problems(
            "\u{FEFF}seat_id,floor,zone,x,y\r\n\r\ns1,F,Z,1,1\r\n\"s\r\n2\",F,Z,-1,1\r\ns3,F,Z\r\n",
        );
        assert_eq!(
            e,
            "line 4: column 'seat_id': 's 2' is not an id (letters, digits and . _ - :, at most 64)\n\
             line 6: 3 fields where the header has 5"
        );
    }

    #[test]
    fn coordinates_are_whole_numbers_on_the_plan() {
        for (raw, n) in [("0", 0), ("007", 7), (" 12 ", 12), ("10000", 10_000)] {
            assert_eq!(coordinate(raw), Ok(n), "{raw}");
        }
        for raw in ["1e300", "1.5", "12.0", "+3", "0x10", "inf", "NaN", "1 2", ""] {
            let e = coordinate(raw).unwrap_err();
            assert!(e.contains("is not a whole number (digits only, 0 to 10000)"), "{raw}: {e}");
        }
        assert_eq!(coordinate("-1").unwrap_err(), "the coordinate -1 is negative");
        for raw in ["10001", "18446744073709551616", "4294967296"] {
            let e = coordinate(raw).unwrap_err();
            assert!(e.ends_with("is beyond 10000, the edge of the floor plan"), "{raw}: {e}");
        }
    }

    #[test]
    fn bad_cells_are_named_by_line_and_column() {
        let text = problems(
            "seat_id,floor,zone,x,y,label,power,accessible,zone_kind,floor_level\n\
             s 1,F,Z,1,1,,,,,\n\
             s2,F,,1,2,,,,,\n\
             s3,F,Z,1e300,3,,,,,\n\
             s4,F,Z,-1,4,,,,,\n\
             s5,F,Z,1,10001,,,,,\n\
             s6,F,Z,1,,,,,,\n\
             s7,F,Z,1,7,,maybe,,,\n\
             s8,F,Z,1,8,,,2,,\n\
             s9,F,Z,1,9,\"A\u{1b}[31m\",,,,\n\
             s10,F,Z,1,10,,,,lounge,\n\
             s11,F,Z,1,11,,,,,1e3\n",
        );
        for expected in [
            "line 2: column 'seat_id': 's 1' is not an id",
            "line 3: column 'zone': empty",
            "line 4: column 'x': '1e300' is not a whole number (digits only, 0 to 10000)",
            "line 5: column 'x': the coordinate -1 is negative",
            "line 6: column 'y': 10001 is beyond 10000",
            "line 7: column 'y': empty, but 'x' is given",
            "line 8: column 'power': 'maybe' is not yes, no, true, false, 1 or 0",
            "line 9: column 'accessible': '2' is not yes, no",
            "line 10: column 'label': holds control characters",
            "line 11: column 'zone_kind': 'lounge' is not a zone kind (one of: quiet, group, \
             computer, silent)",
            "line 12: column 'floor_level': '1e3' is not a whole number from -99 to 999",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert_eq!(text.lines().count(), 11, "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }

    #[test]
    fn rows_are_checked_against_each_other() {
        let text = problems(
            "seat_id,floor,zone,x,y,zone_kind,zone_name,floor_name,floor_level\n\
             s1,F0,Z1,1,1,quiet,North,Ground,0\n\
             s1,F0,Z1,2,1,,,,\n\
             s2,F0,Z1,1,1,,,,\n\
             s3,F1,Z1,5,5,,,,\n\
             s4,F0,Z1,3,1,silent,,,\n\
             s5,F0,Z1,4,1,,South,,\n\
             s6,F0,Z2,5,1,,,Level 0,\n\
             s7,F0,Z2,6,1,,,,2\n\
             s8,F1,Z9,1,1,,,,\n",
        );
        for expected in [
            "line 3: column 'seat_id': seat s1 is already on line 2",
            "line 4: columns 'x', 'y': seat s2 would stand at (1, 1) on floor F0, where line 2 \
             puts seat s1",
            "line 5: column 'floor': zone Z1 is on floor F0 (line 2)",
            "line 6: column 'zone_kind': 'silent', but line 2 gives Z1 'quiet'",
            "line 7: column 'zone_name': 'South', but line 2 gives Z1 'North'",
            "line 8: column 'floor_name': 'Level 0', but line 2 gives F0 'Ground'",
            "line 9: column 'floor_level': '2', but line 2 gives F0 '0'",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert_eq!(text.lines().count(), 7, "the same cell on another floor is fine:\n{text}");
    }

    #[test]
    fn headers_and_empty_files_are_checked() {
        let e = problems("seat_id,floor,zone,x\ns1,F,Z,1\n");
        assert!(e.starts_with("line 1: no column 'y' in the header (columns: 'seat_id'"), "{e}");
        let e = problems("seat_id,floor,zone,x,y,colour\ns1,F,Z,1,1,red\n");
        assert!(e.contains("line 1: column 'colour' of the header is not one this file may have"));
        let e = problems("seat_id;floor;zone;x;y\ns1;F;Z;1;1\n");
        assert!(e.ends_with("try --delimiter ';'"), "{e}");
        let e = problems("seat_id,floor,zone,x,y,x\ns1,F,Z,1,1,1\n");
        assert_eq!(e, "line 1: column 'x' appears twice in the header");
        assert!(problems("").contains("the file is empty"));
        assert!(problems("seat_id,floor,zone,x,y\n").contains("no rows"));
        let e = problems("seat_id,floor,zone,x,y\ns1,F,Z,1\n");
        assert!(e.starts_with("line 2: "), "{e}");
        let tabbed = parse(b"seat_id\tfloor\tzone\tx\ty\ns1\tF\tZ\t1\t1\n", b'\t').unwrap();
        assert_eq!(tabbed.seats.len(), 1);
    }

    #[test]
    fn a_written_layout_reads_back_the_same() {
        let floors = [Floor { id: "F0".into(), name: "Ground, east".into(), level: -1 }];
        let zones = [Zone {
            id: "F0-Z1".into(),
            floor_id: "F0".into(),
            name: "The \"quiet\" room".into(),
            kind: ZoneKind::Computer,
        }];
        let seats = [
            Seat {
                id: "s1".into(),
                zone_id: "F0-Z1".into(),
                label: "A,1".into(),
                x: 10_000,
                y: 0,
                power: true,
                accessible: false,
            },
            Seat {
                id: "s2".into(),
                zone_id: "F0-Z1".into(),
                label: "A2".into(),
                x: 3,
                y: 4,
                power: false,
                accessible: true,
            },
        ];
        let text = write(&floors, &zones, &seats);
        assert!(text.starts_with(&format!("{}\n", COLUMNS.join(","))), "{text}");
        assert!(
            text.contains("s1,F0,F0-Z1,10000,0,\"A,1\",yes,no,computer,\"The \"\"quiet\"\" room\"")
        );
        let back = parse(text.as_bytes(), b',').unwrap();
        assert_eq!(back.seats.len(), 2);
        for (row, seat) in back.seats.iter().zip(&seats) {
            assert_eq!(row.seat_id, seat.id);
            assert_eq!(row.zone_id, seat.zone_id);
            assert_eq!(row.floor_id, "F0");
            assert_eq!(row.position, Some((seat.x, seat.y)));
            assert_eq!(row.label.as_deref(), Some(seat.label.as_str()));
            assert_eq!((row.power, row.accessible), (Some(seat.power), Some(seat.accessible)));
        }
        let f = &back.floors[0];
        assert_eq!((f.name.as_deref(), f.level), (Some("Ground, east"), Some(-1)));
        let z = &back.zones[0];
        assert_eq!(
            (z.name.as_deref(), z.kind),
            (Some("The \"quiet\" room"), Some(ZoneKind::Computer))
        );
        assert_eq!(write(&floors, &zones, &[]), format!("{}\n", COLUMNS.join(",")));
    }

    #[test]
    fn long_lists_of_problems_are_cut() {
        let mut text = String::from("seat_id,floor,zone,x,y\n");
        for i in 0..30 {
            text.push_str(&format!("s{i},F,Z,-{i},0\n"));
        }
        let e = parse_str(&text).unwrap_err();
        assert_eq!(e.problems.len(), MAX_LISTED);
        assert!(e.to_string().ends_with("…and 10 more"), "{e}");
        assert_eq!(e.rows, 30);
    }
}
