//! The layout in the store and through the import service, on a real database (and again on
//! PostgreSQL): a layout without positions keeps known seats where they are and puts new ones
//! in their zone's grid; an import and its audit entry are one transaction, so a refused entry
//! leaves the layout as it was, and a file refused against the store writes neither.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use carrel::domain::audit::Outcome;
use carrel::domain::layout::{Floor, Seat, Zone, ZoneKind};
use carrel::domain::layout_csv;
use carrel::domain::staff::Role;
use carrel::services::identity::{self, Actor};
use carrel::services::{ServiceError, layout as layout_service};
use carrel::store::audit::EntryFilter;
use carrel::store::layout::{self, KnownSeat, Positions};
use carrel::store::{Store, audit};

fn seat(id: &str, zone_id: &str, x: u32, y: u32) -> Seat {
    Seat {
        id: id.into(),
        zone_id: zone_id.into(),
        label: id.into(),
        x,
        y,
        power: false,
        accessible: false,
    }
}

fn zone(id: &str, kind: ZoneKind) -> Zone {
    Zone { id: id.into(), floor_id: "F0".into(), name: id.into(), kind }
}

fn stored(store: &Store) -> HashMap<String, KnownSeat> {
    layout::known_seats(store.conn()).unwrap().into_iter().map(|k| (k.seat.id.clone(), k)).collect()
}

/// A database named by a file in a temporary directory, with sam its sysadmin.
fn library() -> (tempfile::TempDir, std::path::PathBuf, Store, Actor) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layout.db");
    let mut store = common::backend::create_store(&path, false, "test");
    carrel::services::staff::bootstrap(&mut store, "sam", "Sam", Role::Sysadmin, None).unwrap();
    let sam = identity::actor(&store, "sam").unwrap();
    (dir, path, store, sam)
}

fn file(text: &str) -> layout_csv::LayoutFile {
    layout_csv::parse(text.as_bytes(), b',').unwrap()
}

fn layout_imports(store: &Store) -> Vec<carrel::domain::audit::NewEntry> {
    let filter =
        EntryFilter { action: Some("layout.import".into()), limit: 100, ..Default::default() };
    audit::entries(store.conn(), &filter).unwrap().into_iter().map(|e| e.entry).collect()
}

#[test]
fn a_layout_without_positions_keeps_known_seats_and_places_new_ones() {
    let mut store = common::backend::scratch_store();
    let floors = [Floor { id: "F0".into(), name: "Ground".into(), level: 0 }];
    let zones = [zone("Z1", ZoneKind::Quiet), zone("Z2", ZoneKind::Group)];
    store
        .write(|tx| {
            let seats = [seat("S1", "Z1", 4, 2), seat("S2", "Z1", 5, 2), seat("S3", "Z2", 0, 0)];
            layout::apply(tx, &floors, &zones, &seats, true, Positions::Given, 0)
        })
        .unwrap();
    // A source without geometry (LibCal) reports S1 in Z2 at (0, 0), powered, and two new seats.
    let update = [
        Seat { power: true, label: "Desk 1".into(), ..seat("S1", "Z2", 0, 0) },
        seat("N1", "Z1", 0, 0),
        seat("N2", "Z1", 0, 0),
    ];
    let change = store
        .write(|tx| layout::apply(tx, &floors, &zones, &update, false, Positions::Unknown, 1))
        .unwrap();
    assert_eq!(change.seats_placed, 2);
    let seats = stored(&store);
    let s1 = &seats["S1"].seat;
    assert_eq!((s1.zone_id.as_str(), s1.x, s1.y), ("Z1", 4, 2), "zone and cell kept");
    assert_eq!((s1.label.as_str(), s1.power), ("Desk 1", true), "label and power updated");
    let cell = |id: &str| (seats[id].seat.zone_id.as_str(), seats[id].seat.x, seats[id].seat.y);
    assert_eq!(cell("N1"), ("Z1", 4, 3), "under Z1's seats, at its leftmost column");
    assert_eq!(cell("N2"), ("Z1", 5, 3));
    // With positions given, the same seat moves where it is told.
    store
        .write(|tx| {
            layout::apply(tx, &[], &[], &[seat("S1", "Z2", 9, 9)], false, Positions::Given, 2)
        })
        .unwrap();
    assert_eq!(stored(&store)["S1"].seat, seat("S1", "Z2", 9, 9));
}

#[test]
fn an_import_is_written_with_its_audit_entry_or_not_at_all() {
    let (_dir, path, mut store, sam) = library();
    let first = file(
        "seat_id,floor,zone,x,y,zone_kind\n\
         lc-1,F0,F0-A,2,2,silent\n\
         lc-2,F0,F0-A,,,\n",
    );
    let summary = layout_service::import(&mut store, &sam, &first, "first.csv").unwrap();
    assert_eq!((summary.new, summary.placed, summary.zones_new), (2, 1, 1));
    let entries = layout_imports(&store);
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(
        (e.actor.as_str(), e.object.as_str(), e.outcome),
        ("sam", "layout", Outcome::Allowed)
    );
    let details: serde_json::Value = serde_json::from_str(&e.details).unwrap();
    assert_eq!(details["file"], "first.csv");
    assert_eq!((details["new"].as_u64(), details["placed"].as_u64()), (Some(2), Some(1)));
    assert_eq!(stored(&store)["lc-2"].seat.x, 2, "placed under lc-1");

    // Refused against the store (lc-9 on lc-1's cell, which the file does not name): neither
    // the seats nor an entry.
    let clash = file("seat_id,floor,zone,x,y\nlc-8,F0,F0-A,7,7\nlc-9,F0,F0-A,2,2\n");
    let e = layout_service::import(&mut store, &sam, &clash, "clash.csv").unwrap_err();
    assert!(
        matches!(&e, ServiceError::Invalid(m) if m.starts_with("line 3: columns 'x', 'y'")),
        "{e}"
    );
    assert!(!stored(&store).contains_key("lc-8"));
    assert_eq!(layout_imports(&store).len(), 1);

    // The entry cannot be written (a trigger refuses it): the layout is not written either.
    drop(store);
    common::backend::as_owner(&path, REFUSE_AUDIT[usize::from(common::backend::on_postgres())]);
    let mut store = common::backend::open_store(&path);
    let more = file("seat_id,floor,zone,x,y\nlc-3,F1,F1-B,0,0\n");
    let e = layout_service::import(&mut store, &sam, &more, "more.csv").unwrap_err();
    assert!(e.to_string().contains("audit refused"), "{e}");
    assert!(!stored(&store).contains_key("lc-3"), "the seat went with the entry");
    assert!(!layout::known_floors(store.conn()).unwrap().contains_key("F1"));
}

#[test]
fn a_seat_without_a_place_keeps_its_cell_unless_another_seat_takes_it() {
    let (_dir, _path, mut store, sam) = library();
    let first = file("seat_id,floor,zone,x,y\na1,F0,Z,0,0\na2,F0,Z,1,0\n");
    layout_service::import(&mut store, &sam, &first, "first.csv").unwrap();
    // a2 is given no place and b1 takes its cell: a2 goes to Z's grid, under a1 and b1.
    let second = file("seat_id,floor,zone,x,y\na2,F0,Z,,\nb1,F0,Z,1,0\n");
    let s = layout_service::import(&mut store, &sam, &second, "second.csv").unwrap();
    assert_eq!((s.new, s.changed, s.unchanged, s.placed), (1, 1, 0, 1));
    let seats = stored(&store);
    let cell = |id: &str| (seats[id].seat.x, seats[id].seat.y);
    assert_eq!((cell("a1"), cell("b1"), cell("a2")), ((0, 0), (1, 0), (0, 1)));
    // Given no place again, a2 keeps the cell it now has.
    let s = layout_service::import(
        &mut store,
        &sam,
        &file("seat_id,floor,zone,x,y\na2,F0,Z,,\n"),
        "third.csv",
    )
    .unwrap();
    assert_eq!((s.unchanged, s.placed), (1, 0));
    assert_eq!(stored(&store)["a2"].seat.y, 1);
}

/// A trigger that refuses every new audit entry: SQLite's, then PostgreSQL's.
const REFUSE_AUDIT: [&str; 2] = [
    "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit refused'); END;",
    "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$; \
     CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
     FOR EACH ROW EXECUTE FUNCTION refuse_audit();",
];

/// Every test above, again with its databases on PostgreSQL.
#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
