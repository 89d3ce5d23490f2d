//! Floors, zones and seats: the layout reported by the sensor API, another source, or a
//! layout file.

use std::collections::{HashMap, HashSet};

use super::db::{Connection, params};

use super::{StoreError, StoreResult};
use crate::domain::layout::{Floor, Seat, Zone};
use crate::domain::seat_grid::{FloorCells, ZoneGrid};

/// What a layout update changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayoutChange {
    pub seats_upserted: usize,
    pub seats_retired: usize,
    /// Seats placed in their zone's grid because their source gave no position.
    pub seats_placed: usize,
}

/// Whether the seats of a layout come with their place on the floor plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Positions {
    /// Each seat's zone, `x` and `y` are where it is.
    Given,
    /// The source knows no seat positions (`LayoutUpdate::without_positions`): a seat the
    /// store knows keeps its zone and cell, and only its label, power and accessibility are
    /// updated; a new seat goes to the next free cell of its zone's grid
    /// (`domain::seat_grid`), its `x` and `y` ignored. A complete layout does not retire a
    /// zone a listed seat is kept in, nor that zone's floor, though it does not list them.
    Unknown,
}

/// Writes a layout: every floor, zone and seat given is inserted or updated (and un-retired).
/// When `complete` is true the layout is the whole building, and seats, zones and floors not in
/// it are retired (kept for their history, hidden from views). A layout with rejected records
/// is not complete: a seat is never retired because its record was bad.
///
/// With [`Positions::Unknown`], a known seat keeps its zone and cell; one that was retired
/// keeps them too unless an active seat has taken the cell since, in which case it goes to its
/// zone's grid as a new seat does. New seats are placed zone by zone, zones in the order their
/// first new seat comes, seats in the order given.
pub fn apply(
    conn: &Connection,
    floors: &[Floor],
    zones: &[Zone],
    seats: &[Seat],
    complete: bool,
    positions: Positions,
    now_ms: i64,
) -> StoreResult<LayoutChange> {
    let mut floor_stmt = conn.prepare_cached(
        "INSERT INTO floors(id, name, level) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, level = excluded.level, retired_ms = NULL",
    )?;
    for f in floors {
        floor_stmt.execute(params![f.id, f.name, f.level])?;
    }
    let mut zone_stmt = conn.prepare_cached(
        "INSERT INTO zones(id, floor_id, name, kind) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET floor_id = excluded.floor_id, name = excluded.name,
             kind = excluded.kind, retired_ms = NULL",
    )?;
    for z in zones {
        zone_stmt.execute(params![z.id, z.floor_id, z.name, z.kind.as_str()])?;
    }
    let (placed, seats_placed) = match positions {
        Positions::Given => (std::borrow::Cow::Borrowed(seats), 0),
        Positions::Unknown => {
            let (placed, n) = place_without_positions(conn, seats)?;
            (std::borrow::Cow::Owned(placed), n)
        }
    };
    let mut seat_stmt = conn.prepare_cached(
        "INSERT INTO seats(id, zone_id, label, x, y, power, accessible) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET zone_id = excluded.zone_id, label = excluded.label,
             x = excluded.x, y = excluded.y, power = excluded.power,
             accessible = excluded.accessible, retired_ms = NULL",
    )?;
    for s in placed.iter() {
        seat_stmt.execute(params![s.id, s.zone_id, s.label, s.x, s.y, s.power, s.accessible])?;
    }
    let mut change = LayoutChange { seats_upserted: seats.len(), seats_retired: 0, seats_placed };
    if complete {
        change.seats_retired = retire_missing(conn, "seats", seats.iter().map(|s| &s.id), now_ms)?;
        // A seat kept in a zone the layout does not list (without positions, a known seat
        // keeps the zone the store holds) keeps that zone and its floor in use.
        let mut keep_zones: HashSet<&String> = zones.iter().map(|z| &z.id).collect();
        let mut keep_floors: HashSet<String> = floors.iter().map(|f| f.id.clone()).collect();
        let unlisted: HashSet<&String> =
            placed.iter().map(|s| &s.zone_id).filter(|z| !keep_zones.contains(z)).collect();
        if !unlisted.is_empty() {
            let held = known_zones(conn)?;
            keep_floors
                .extend(unlisted.iter().filter_map(|z| held.get(*z)).map(|z| z.floor_id.clone()));
            keep_zones.extend(unlisted);
        }
        retire_missing(conn, "zones", keep_zones.into_iter(), now_ms)?;
        retire_missing(conn, "floors", keep_floors.iter(), now_ms)?;
    }
    Ok(change)
}

/// The seats of a layout without positions, each with its zone and cell: a known seat's own
/// (see [`Positions::Unknown`]), a new seat's from its zone's grid. Also how many were placed.
fn place_without_positions(conn: &Connection, seats: &[Seat]) -> StoreResult<(Vec<Seat>, usize)> {
    let known: HashMap<String, KnownSeat> =
        known_seats(conn)?.into_iter().map(|k| (k.seat.id.clone(), k)).collect();
    let zones = known_zones(conn)?;
    let mut floors: HashMap<String, FloorCells> = HashMap::new();
    let mut zone_cells: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
    for k in known.values().filter(|k| !k.retired) {
        floors.entry(k.floor_id.clone()).or_default().take((k.seat.x, k.seat.y));
        zone_cells.entry(k.seat.zone_id.clone()).or_default().push((k.seat.x, k.seat.y));
    }
    let mut out: Vec<Seat> = Vec::with_capacity(seats.len());
    // Seats to place, by index into `out`, zone by zone in the order zones first come.
    let mut waiting: Vec<(String, Vec<usize>)> = Vec::new();
    for s in seats {
        let mut seat = s.clone();
        let zone = match known.get(&s.id) {
            Some(k) => {
                seat.zone_id = k.seat.zone_id.clone();
                let cell = (k.seat.x, k.seat.y);
                let floor = floors.entry(k.floor_id.clone()).or_default();
                if !k.retired || floor.take(cell) {
                    (seat.x, seat.y) = cell;
                    out.push(seat);
                    continue;
                }
                k.seat.zone_id.clone()
            }
            None => s.zone_id.clone(),
        };
        out.push(seat);
        match waiting.iter_mut().find(|(z, _)| *z == zone) {
            Some((_, list)) => list.push(out.len() - 1),
            None => waiting.push((zone, vec![out.len() - 1])),
        }
    }
    let mut placed = 0;
    for (zone_id, list) in waiting {
        let floor_id = zones.get(&zone_id).map(|z| z.floor_id.clone()).ok_or_else(|| {
            StoreError::Invalid(format!(
                "seat {}: zone {zone_id} is not in the layout",
                out[list[0]].id
            ))
        })?;
        let floor = floors.entry(floor_id.clone()).or_default();
        let mut grid =
            ZoneGrid::new(zone_cells.get(&zone_id).into_iter().flatten().copied(), floor);
        for i in list {
            let (x, y) = grid.place(floor).ok_or_else(|| {
                StoreError::Invalid(format!(
                    "seat {}: floor {floor_id} has no free cell left for it",
                    out[i].id
                ))
            })?;
            (out[i].x, out[i].y) = (x, y);
            placed += 1;
        }
    }
    Ok((out, placed))
}

/// A seat the store holds, active or retired, with its floor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownSeat {
    pub seat: Seat,
    pub floor_id: String,
    pub retired: bool,
}

/// Every seat the store holds, retired ones included, ordered by id.
pub fn known_seats(conn: &Connection) -> StoreResult<Vec<KnownSeat>> {
    conn.prepare_cached(
        "SELECT s.id, s.zone_id, s.label, s.x, s.y, s.power, s.accessible, z.floor_id,
                s.retired_ms IS NOT NULL
         FROM seats s JOIN zones z ON z.id = s.zone_id ORDER BY s.id",
    )?
    .query_map((), |r| {
        Ok(KnownSeat {
            seat: Seat {
                id: r.get(0)?,
                zone_id: r.get(1)?,
                label: r.get(2)?,
                x: r.get(3)?,
                y: r.get(4)?,
                power: r.get(5)?,
                accessible: r.get(6)?,
            },
            floor_id: r.get(7)?,
            retired: r.get(8)?,
        })
    })?
    .collect::<super::db::Result<_>>()
}

/// Every floor the store holds, retired ones included, by id.
pub fn known_floors(conn: &Connection) -> StoreResult<HashMap<String, Floor>> {
    conn.prepare_cached("SELECT id, name, level FROM floors")?
        .query_map((), |r| {
            let f = Floor { id: r.get(0)?, name: r.get(1)?, level: r.get(2)? };
            Ok((f.id.clone(), f))
        })?
        .collect::<super::db::Result<_>>()
}

/// Every zone the store holds, retired ones included, by id.
pub fn known_zones(conn: &Connection) -> StoreResult<HashMap<String, Zone>> {
    conn.prepare_cached("SELECT id, floor_id, name, kind FROM zones")?
        .query_map((), |r| {
            let kind: String = r.get(3)?;
            let z = Zone {
                id: r.get(0)?,
                floor_id: r.get(1)?,
                name: r.get(2)?,
                kind: parse_column(&kind, 3)?,
            };
            Ok((z.id.clone(), z))
        })?
        .collect::<super::db::Result<_>>()
}

fn retire_missing<'a>(
    conn: &Connection,
    table: &str,
    keep: impl Iterator<Item = &'a String>,
    now_ms: i64,
) -> StoreResult<usize> {
    let keep: HashSet<&String> = keep.collect();
    let active: Vec<String> = conn
        .prepare(&format!("SELECT id FROM {table} WHERE retired_ms IS NULL"))?
        .query_map((), |r| r.get(0))?
        .collect::<super::db::Result<_>>()?;
    let mut retire = conn.prepare(&format!("UPDATE {table} SET retired_ms = ?2 WHERE id = ?1"))?;
    let mut n = 0;
    for id in active.iter().filter(|id| !keep.contains(id)) {
        n += retire.execute(params![id, now_ms])?;
    }
    Ok(n)
}

pub fn floors(conn: &Connection) -> StoreResult<Vec<Floor>> {
    conn.prepare_cached(
        "SELECT id, name, level FROM floors WHERE retired_ms IS NULL ORDER BY level, id",
    )?
    .query_map((), |r| Ok(Floor { id: r.get(0)?, name: r.get(1)?, level: r.get(2)? }))?
    .collect::<super::db::Result<_>>()
}

pub fn zones(conn: &Connection) -> StoreResult<Vec<Zone>> {
    conn.prepare_cached(
        "SELECT z.id, z.floor_id, z.name, z.kind FROM zones z JOIN floors f ON f.id = z.floor_id
         WHERE z.retired_ms IS NULL ORDER BY f.level, z.id",
    )?
    .query_map((), |r| {
        let kind: String = r.get(3)?;
        Ok(Zone {
            id: r.get(0)?,
            floor_id: r.get(1)?,
            name: r.get(2)?,
            kind: parse_column(&kind, 3)?,
        })
    })?
    .collect::<super::db::Result<_>>()
}

/// Ids of every active seat, zone and floor, for validating feed records against.
pub fn active_ids(conn: &Connection, table: &str) -> StoreResult<HashSet<String>> {
    let sql = match table {
        "seats" => "SELECT id FROM seats WHERE retired_ms IS NULL",
        "zones" => "SELECT id FROM zones WHERE retired_ms IS NULL",
        _ => "SELECT id FROM floors WHERE retired_ms IS NULL",
    };
    conn.prepare_cached(sql)?.query_map((), |r| r.get(0))?.collect::<super::db::Result<_>>()
}

/// Parses a text column into a domain enum, reporting a conversion error for that column.
pub(crate) fn parse_column<T>(s: &str, col: usize) -> super::db::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| super::bad_column(col, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::layout::ZoneKind;
    use crate::store::Store;

    fn floor(id: &str, level: i32) -> Floor {
        Floor { id: id.into(), name: format!("Floor {id}"), level }
    }

    fn zone(id: &str, floor_id: &str) -> Zone {
        Zone { id: id.into(), floor_id: floor_id.into(), name: id.into(), kind: ZoneKind::Quiet }
    }

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

    /// Floor F0 with zone Z1 (S1 at (2, 3), S2 at (3, 3)) and zone Z2 (S3 at (0, 0)).
    fn seeded() -> Store {
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|tx| {
                apply(
                    tx,
                    &[floor("F0", 0)],
                    &[zone("Z1", "F0"), zone("Z2", "F0")],
                    &[seat("S1", "Z1", 2, 3), seat("S2", "Z1", 3, 3), seat("S3", "Z2", 0, 0)],
                    true,
                    Positions::Given,
                    0,
                )
            })
            .unwrap();
        store
    }

    fn stored(store: &Store) -> HashMap<String, KnownSeat> {
        known_seats(store.conn()).unwrap().into_iter().map(|k| (k.seat.id.clone(), k)).collect()
    }

    #[test]
    fn given_positions_are_written_as_given() {
        let mut store = seeded();
        let moved = Seat { label: "moved".into(), ..seat("S1", "Z2", 7, 8) };
        let change = store
            .write(|tx| {
                apply(tx, &[], &[], std::slice::from_ref(&moved), false, Positions::Given, 1)
            })
            .unwrap();
        assert_eq!((change.seats_upserted, change.seats_placed), (1, 0));
        assert_eq!(stored(&store)["S1"].seat, moved);
    }

    #[test]
    fn without_positions_a_known_seat_keeps_its_zone_and_cell_and_new_seats_join_the_grid() {
        let mut store = seeded();
        // The source puts S1 in Z2 at (99, 99) with a new label and power: only the label and
        // power are taken. N1 and N2 are new in Z1, N3 new in a zone new to the store.
        let s1 = Seat { label: "1N-001".into(), power: true, ..seat("S1", "Z2", 99, 99) };
        let update = [s1, seat("N1", "Z1", 0, 0), seat("N3", "Z3", 0, 0), seat("N2", "Z1", 0, 0)];
        let change = store
            .write(|tx| apply(tx, &[], &[zone("Z3", "F0")], &update, false, Positions::Unknown, 1))
            .unwrap();
        assert_eq!((change.seats_upserted, change.seats_placed), (4, 3));
        let seats = stored(&store);
        let s1 = &seats["S1"].seat;
        assert_eq!((s1.zone_id.as_str(), s1.x, s1.y), ("Z1", 2, 3), "zone and cell kept");
        assert_eq!((s1.label.as_str(), s1.power), ("1N-001", true), "the rest updated");
        // Z1's grid starts under its seats at its leftmost column: (2, 4), then (3, 4).
        let cell = |id: &str| (seats[id].seat.zone_id.clone(), seats[id].seat.x, seats[id].seat.y);
        assert_eq!(cell("N1"), ("Z1".into(), 2, 4));
        assert_eq!(cell("N2"), ("Z1".into(), 3, 4));
        // Z3 had no seat: two rows under the floor's lowest seat, once Z1's are placed.
        assert_eq!(cell("N3"), ("Z3".into(), 0, 6));
        // The same update again changes no place.
        let again = store
            .write(|tx| apply(tx, &[], &[zone("Z3", "F0")], &update, false, Positions::Unknown, 2))
            .unwrap();
        assert_eq!(again.seats_placed, 0);
        assert_eq!(stored(&store), seats);
    }

    #[test]
    fn without_positions_a_retired_seat_whose_cell_was_taken_goes_to_the_grid() {
        let mut store = seeded();
        // A complete layout without S2 retires it; S4 then takes its cell (3, 3).
        store
            .write(|tx| {
                apply(
                    tx,
                    &[floor("F0", 0)],
                    &[zone("Z1", "F0"), zone("Z2", "F0")],
                    &[seat("S1", "Z1", 2, 3), seat("S3", "Z2", 0, 0), seat("S4", "Z2", 3, 3)],
                    true,
                    Positions::Given,
                    1,
                )
            })
            .unwrap();
        assert!(stored(&store)["S2"].retired);
        let change = store
            .write(|tx| {
                apply(tx, &[], &[], &[seat("S2", "Z2", 0, 0)], false, Positions::Unknown, 2)
            })
            .unwrap();
        assert_eq!(change.seats_placed, 1);
        let s2 = &stored(&store)["S2"];
        assert!(!s2.retired);
        assert_eq!((s2.seat.zone_id.as_str(), s2.seat.x, s2.seat.y), ("Z1", 2, 4));
    }

    #[test]
    fn without_positions_a_complete_layout_keeps_the_zones_its_seats_are_kept_in() {
        let mut store = seeded();
        // The source calls the building one zone of its own, Z9 on F9, and lists S1 and S3:
        // they stay in Z1 and Z2, which stay in use with their floor; S2 is retired.
        let floors = [floor("F9", 9)];
        let zones = [zone("Z9", "F9")];
        let update = [seat("S1", "Z9", 0, 0), seat("S3", "Z9", 0, 0)];
        let change = store
            .write(|tx| apply(tx, &floors, &zones, &update, true, Positions::Unknown, 1))
            .unwrap();
        assert_eq!(change.seats_retired, 1);
        let active: Vec<String> = zones_of(&store);
        assert_eq!(active, ["Z1", "Z2", "Z9"]);
        let floors: Vec<String> =
            super::floors(store.conn()).unwrap().into_iter().map(|f| f.id).collect();
        assert_eq!(floors, ["F0", "F9"]);
    }

    fn zones_of(store: &Store) -> Vec<String> {
        let mut ids: Vec<String> = zones(store.conn()).unwrap().into_iter().map(|z| z.id).collect();
        ids.sort();
        ids
    }

    #[test]
    fn without_positions_a_new_seat_in_an_unknown_zone_is_refused() {
        let mut store = seeded();
        let e = store
            .write(|tx| {
                apply(tx, &[], &[], &[seat("N1", "Z9", 0, 0)], false, Positions::Unknown, 1)
            })
            .unwrap_err();
        assert_eq!(e.to_string(), "seat N1: zone Z9 is not in the layout");
        assert!(!stored(&store).contains_key("N1"), "nothing written");
    }
}
