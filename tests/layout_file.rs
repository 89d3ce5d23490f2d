//! The layout file through the real binary: `carrel import layout` maps seat ids onto the floor
//! plan, placing seats without a position in their zone's grid, and is logged; every kind of
//! bad file is refused with exit status 2, a message naming the file, line and column, and
//! nothing written; `carrel layout export` writes what `import layout` reads, so the layout
//! survives the round trip.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

fn carrel(home: &Path, args: &[&str]) -> Output {
    common::carrel_in(home).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let f = dir.join(name);
    std::fs::write(&f, text).unwrap();
    f
}

/// A layout of two floors: a silent room with a place for every seat, and a group zone whose
/// second seat has none.
const LAYOUT: &str = "seat_id,floor,zone,x,y,label,power,accessible,zone_kind,zone_name,floor_name,floor_level\n\
lc-101,F1,F1-N,3,2,1N-101,yes,no,silent,North room,First floor,1\n\
lc-102,F1,F1-N,4,2,1N-102,no,yes,,,,\n\
lc-201,F0,F0-G,0,0,G-1,,,group,Group tables,Ground floor,0\n\
lc-202,F0,F0-G,,,G-2,,,,,,\n";

/// A home with a database made by `carrel init` (whose runner is its sysadmin), holding
/// [`LAYOUT`].
fn setup() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("lib.db");
    let o = carrel(home.path(), &["init", "--db", db.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = import(home.path(), &db, &write(home.path(), "layout.csv", LAYOUT));
    assert!(o.status.success(), "{}", stderr(&o));
    (home, db)
}

fn import(home: &Path, db: &Path, file: &Path) -> Output {
    carrel(home, &["import", "layout", file.to_str().unwrap(), "--db", db.to_str().unwrap()])
}

fn export(home: &Path, db: &Path) -> String {
    let o = carrel(home, &["layout", "export", "--db", db.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

/// Rows of the layout tables and the audit log.
fn counts(db: &Path) -> Vec<i64> {
    let c = rusqlite::Connection::open(db).unwrap();
    ["floors", "zones", "seats", "audit_log"]
        .iter()
        .map(|t| c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)).unwrap())
        .collect()
}

/// Imports `text` into the database of [`setup`] and checks it is refused: exit status 2, every
/// `expected` problem in the message, each line of which names the file, and nothing written.
fn refused(name: &str, text: impl AsRef<[u8]>, expected: &[&str]) -> String {
    let (home, db) = setup();
    let f = write(home.path(), name, text);
    refused_file(home.path(), &db, &f, expected)
}

fn refused_file(home: &Path, db: &Path, f: &Path, expected: &[&str]) -> String {
    let (before, layout) = (counts(db), export(home, db));
    let o = import(home, db, f);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let prefix = format!("{}: ", f.display());
    for e in expected {
        assert!(err.contains(&format!("{prefix}{e}")), "no {prefix}{e:?} in {err}");
    }
    assert!(err.trim_end().ends_with("nothing was imported"), "{err}");
    assert_eq!(counts(db), before, "nothing written, not even an audit entry");
    assert_eq!(export(home, db), layout);
    err
}

#[test]
fn a_layout_file_is_imported_and_logged() {
    let (home, db) = setup();
    let o = carrel(home.path(), &["seats", "--json", "--db", db.to_str().unwrap()]);
    let seats: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let seats = seats["seats"].as_array().unwrap();
    let by_id = |id: &str| seats.iter().find(|s| s["id"] == id).unwrap().clone();
    let s = by_id("lc-101");
    assert_eq!((s["floor_id"].as_str(), s["zone_kind"].as_str()), (Some("F1"), Some("silent")));
    assert_eq!(
        (s["x"].as_u64(), s["y"].as_u64(), s["label"].as_str()),
        (Some(3), Some(2), Some("1N-101"))
    );
    assert_eq!((s["power"].as_bool(), s["accessible"].as_bool()), (Some(true), Some(false)));
    let s = by_id("lc-102");
    assert_eq!((s["power"].as_bool(), s["accessible"].as_bool()), (Some(false), Some(true)));
    // The audit entry of the import, with its counts.
    let c = rusqlite::Connection::open(&db).unwrap();
    let (action, object, outcome, details): (String, String, String, String) = c
        .query_row(
            "SELECT action, object, outcome, details FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (action.as_str(), object.as_str(), outcome.as_str()),
        ("layout.import", "layout", "allowed")
    );
    let details: serde_json::Value = serde_json::from_str(&details).unwrap();
    assert_eq!(
        details,
        serde_json::json!({ "file": home.path().join("layout.csv").display().to_string(),
            "rows": 4, "new": 4, "changed": 0, "unchanged": 0, "placed": 1,
            "floors_new": 2, "zones_new": 2 })
    );
    // The same file again changes nothing, and says so.
    let f = home.path().join("layout.csv");
    let o = import(home.path(), &db, &f);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        format!("imported 4 seats from {}: 0 new, 0 changed, 4 unchanged", f.display())
    );
    let o = carrel(
        home.path(),
        &["import", "layout", f.to_str().unwrap(), "--json", "--db", db.to_str().unwrap()],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["kind"], "layout");
    assert_eq!(json["summary"]["unchanged"], 4);
}

#[test]
fn seats_without_a_place_go_to_their_zones_grid() {
    let (home, db) = setup();
    // lc-202 had no place: under its zone's only seat, at its column.
    assert!(export(home.path(), &db).contains("lc-202,F0,F0-G,0,1,G-2,no,no,group,"));
    // Twelve new seats in a zone new to the floor, and one more in F1-N: the new zone starts
    // two rows under the floor's lowest seat, ten seats a row; F1-N's grid under its seats.
    let mut text = String::from("seat_id,floor,zone,x,y\n");
    for i in 1..=12 {
        text.push_str(&format!("q-{i:02},F0,F0-Q,,\n"));
    }
    text.push_str("n-1,F1,F1-N,,\n");
    let o = import(home.path(), &db, &write(home.path(), "grid.csv", &text));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .contains("13 new, 0 changed, 0 unchanged; 13 seats placed in a grid; 1 new zone"),
        "{}",
        stdout(&o)
    );
    let out = export(home.path(), &db);
    for row in [
        "q-01,F0,F0-Q,0,3,q-01,no,no,quiet,F0-Q,Ground floor,0",
        "q-10,F0,F0-Q,9,3,",
        "q-11,F0,F0-Q,0,4,",
        "q-12,F0,F0-Q,1,4,",
        "n-1,F1,F1-N,3,3,n-1,no,no,silent,North room,First floor,1",
    ] {
        assert!(out.contains(row), "no {row:?} in\n{out}");
    }
    // Imported again, every seat keeps the cell it was given.
    let o = import(home.path(), &db, &home.path().join("grid.csv"));
    assert!(stdout(&o).contains("0 new, 0 changed, 13 unchanged"), "{}", stdout(&o));
    assert_eq!(export(home.path(), &db), out);
}

#[test]
fn export_then_import_gives_the_same_layout() {
    let (home, db) = setup();
    let out = home.path().join("exported.csv");
    let o = carrel(
        home.path(),
        &["layout", "export", "--out", out.to_str().unwrap(), "--db", db.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("layout of 4 seats written to"), "{}", stderr(&o));
    let exported = std::fs::read_to_string(&out).unwrap();
    assert_eq!(exported, export(home.path(), &db));
    // Into a fresh database: the same layout, names, kinds and levels included.
    let fresh = home.path().join("fresh.db");
    let o = carrel(home.path(), &["init", "--db", fresh.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = import(home.path(), &fresh, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("4 new, 0 changed, 0 unchanged; 2 new floors; 2 new zones"),
        "{}",
        stdout(&o)
    );
    assert_eq!(export(home.path(), &fresh), exported);
    // Into the database it came from: nothing changes.
    let o = import(home.path(), &db, &out);
    assert!(stdout(&o).contains("0 new, 0 changed, 4 unchanged"), "{}", stdout(&o));
    // An existing file is replaced only with --force.
    let o = carrel(
        home.path(),
        &["layout", "export", "--out", out.to_str().unwrap(), "--db", db.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("exists; give --force to replace it"), "{}", stderr(&o));
    let o = carrel(
        home.path(),
        &[
            "layout",
            "export",
            "--out",
            out.to_str().unwrap(),
            "--force",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_read() {
    let (home, db) = setup();
    let text =
        "\u{FEFF}seat_id,floor,zone,x,y,label\r\nw-1,F0,F0-G,5,0,W1\r\nw-2,F0,F0-G,6,0,W2\r\n";
    let o = import(home.path(), &db, &write(home.path(), "windows.csv", text));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = export(home.path(), &db);
    assert!(out.contains("w-2,F0,F0-G,6,0,W2,no,no,group,"), "{out}");
    // And a problem in such a file is named on its own line.
    refused_file(
        home.path(),
        &db,
        &write(
            home.path(),
            "crlf.csv",
            "\u{FEFF}seat_id,floor,zone,x,y\r\nw-3,F0,F0-G,7,0\r\nw-4,F0,F0-G,-8,0\r\n",
        ),
        &["line 3: column 'x': the coordinate -8 is negative"],
    );
}

#[test]
fn a_file_larger_than_the_limit_is_refused_by_its_size() {
    let (home, db) = setup();
    let big = home.path().join("big.csv");
    std::fs::File::create(&big).unwrap().set_len((1 << 30) + 1).unwrap();
    refused_file(home.path(), &db, &big, &["larger than 1 GiB, the limit for a CSV file"]);
}

#[test]
fn a_line_without_end_is_refused_at_the_line_cap() {
    refused(
        "long.csv",
        format!("seat_id,floor,zone,x,y,label\ns1,F0,F0-G,9,9,{}\n", "a".repeat(70_000)),
        &["line 2 is longer than 65536 bytes"],
    );
}

#[test]
fn dev_zero_is_not_a_regular_file() {
    let (home, db) = setup();
    refused_file(home.path(), &db, Path::new("/dev/zero"), &["not a regular file"]);
}

#[test]
fn a_coordinate_of_1e300_is_refused() {
    refused(
        "huge.csv",
        "seat_id,floor,zone,x,y\ns1,F0,F0-G,1e300,1\ns2,F0,F0-G,2,18446744073709551616\n",
        &[
            "line 2: column 'x': '1e300' is not a whole number (digits only, 0 to 10000)",
            "line 3: column 'y': 18446744073709551616 is beyond 10000, the edge of the floor plan",
        ],
    );
}

#[test]
fn a_negative_coordinate_is_refused() {
    refused(
        "negative.csv",
        "seat_id,floor,zone,x,y\ns1,F0,F0-G,-1,1\n",
        &["line 2: column 'x': the coordinate -1 is negative"],
    );
}

#[test]
fn a_coordinate_beyond_the_plan_is_refused() {
    refused(
        "beyond.csv",
        "seat_id,floor,zone,x,y\ns1,F0,F0-G,10000,10000\ns2,F0,F0-G,3,10001\n",
        &["line 3: column 'y': 10001 is beyond 10000, the edge of the floor plan"],
    );
}

#[test]
fn a_seat_id_given_twice_is_refused() {
    refused(
        "twice.csv",
        "seat_id,floor,zone,x,y\ns1,F0,F0-G,5,5\ns1,F0,F0-G,6,6\n",
        &["line 3: column 'seat_id': seat s1 is already on line 2"],
    );
}

#[test]
fn two_seats_on_one_cell_of_a_floor_are_refused() {
    // In the file.
    refused(
        "cell.csv",
        "seat_id,floor,zone,x,y\ns1,F0,F0-G,5,5\ns2,F0,F0-X,5,5\n",
        &[
            "line 3: columns 'x', 'y': seat s2 would stand at (5, 5) on floor F0, where line 2 puts seat s1",
        ],
    );
    // Against a seat the database holds and the file does not name.
    refused(
        "taken.csv",
        "seat_id,floor,zone,x,y\ns1,F1,F1-N,3,2\n",
        &[
            "line 2: columns 'x', 'y': seat s1 would stand at (3, 2) on floor F1, the cell of seat lc-101, which the file does not name",
        ],
    );
}

#[test]
fn a_zone_stays_on_its_floor() {
    refused(
        "moved.csv",
        "seat_id,floor,zone,x,y\ns1,F0,F0-G,8,8\ns2,F1,F0-G,8,8\n",
        &["line 3: column 'floor': zone F0-G is on floor F0 (line 2)"],
    );
    refused(
        "moved-db.csv",
        "seat_id,floor,zone,x,y\ns1,F1,F0-G,8,8\n",
        &[
            "line 2: column 'floor': zone F0-G is on floor F0 in the layout; a layout file does not move a zone to another floor",
        ],
    );
}

#[test]
fn an_unknown_boolean_is_refused() {
    refused(
        "flags.csv",
        "seat_id,floor,zone,x,y,power,accessible\ns1,F0,F0-G,5,5,maybe,\ns2,F0,F0-G,6,5,,Y\n",
        &[
            "line 2: column 'power': 'maybe' is not yes, no, true, false, 1 or 0 (or empty)",
            "line 3: column 'accessible': 'Y' is not yes, no, true, false, 1 or 0 (or empty)",
        ],
    );
}

#[test]
fn control_characters_are_refused() {
    let err = refused(
        "control.csv",
        "seat_id,floor,zone,x,y,label,zone_name\ns1,F0,F0-G,5,5,\"A\u{1b}[31m\",\ns2,F0,F0-G,6,5,,\"North\u{202e}\"\n",
        &[
            "line 2: column 'label': holds control characters",
            "line 3: column 'zone_name': holds control characters",
        ],
    );
    assert!(!err.contains('\u{1b}') && !err.contains('\u{202e}'), "{err}");
}

#[test]
fn an_unknown_zone_kind_and_a_half_position_are_refused() {
    refused(
        "kinds.csv",
        "seat_id,floor,zone,x,y,zone_kind\ns1,F0,F0-L,5,5,lounge\ns2,F0,F0-G,6,,\n",
        &[
            "line 2: column 'zone_kind': 'lounge' is not a zone kind (one of: quiet, group, computer, silent)",
            "line 3: column 'y': empty, but 'x' is given",
        ],
    );
}

#[test]
fn a_bad_header_is_refused() {
    refused(
        "header.csv",
        "seat_id,floor,zone,x,y,colour\ns1,F0,F0-G,5,5,red\n",
        &["line 1: column 'colour' of the header is not one this file may have"],
    );
    refused("empty.csv", "", &["the file is empty"]);
}

#[test]
fn someone_who_may_not_import_is_denied_and_logged() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("demo.db");
    let o = carrel(home.path(), &["init", "--demo", "--db", db.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let f = write(home.path(), "layout.csv", LAYOUT);
    let before = counts(&db);
    let o = carrel(
        home.path(),
        &["--as", "dana", "import", "layout", f.to_str().unwrap(), "--db", db.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("dana may not import a layout file (needs the sysadmin role)"),
        "{}",
        stderr(&o)
    );
    let mut expected = before;
    expected[3] += 1;
    assert_eq!(counts(&db), expected, "only the denial is written");
    let c = rusqlite::Connection::open(&db).unwrap();
    let (action, outcome): (String, String) = c
        .query_row("SELECT action, outcome FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((action.as_str(), outcome.as_str()), ("layout.import", "denied"));
    // Anyone may read the layout back, as anyone may list the seats.
    let o =
        carrel(home.path(), &["--as", "dana", "layout", "export", "--db", db.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}
