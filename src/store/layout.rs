//! Floors, zones and seats: the layout reported by the sensor API.

use std::collections::HashSet;

use super::db::{Connection, params};

use super::StoreResult;
use crate::domain::layout::{Floor, Seat, Zone};

/// What a layout update changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayoutChange {
    pub seats_upserted: usize,
    pub seats_retired: usize,
}

/// Writes a layout: every floor, zone and seat given is inserted or updated (and un-retired).
/// When `complete` is true the layout is the whole building, and seats, zones and floors not in
/// it are retired (kept for their history, hidden from views). A layout with rejected records
/// is not complete: a seat is never retired because its record was bad.
pub fn apply(
    conn: &Connection,
    floors: &[Floor],
    zones: &[Zone],
    seats: &[Seat],
    complete: bool,
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
    let mut seat_stmt = conn.prepare_cached(
        "INSERT INTO seats(id, zone_id, label, x, y, power, accessible) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET zone_id = excluded.zone_id, label = excluded.label,
             x = excluded.x, y = excluded.y, power = excluded.power,
             accessible = excluded.accessible, retired_ms = NULL",
    )?;
    for s in seats {
        seat_stmt.execute(params![s.id, s.zone_id, s.label, s.x, s.y, s.power, s.accessible])?;
    }
    let mut change = LayoutChange { seats_upserted: seats.len(), seats_retired: 0 };
    if complete {
        change.seats_retired = retire_missing(conn, "seats", seats.iter().map(|s| &s.id), now_ms)?;
        retire_missing(conn, "zones", zones.iter().map(|z| &z.id), now_ms)?;
        retire_missing(conn, "floors", floors.iter().map(|f| &f.id), now_ms)?;
    }
    Ok(change)
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
