//! The layout file: `carrel import layout` maps a source's seat ids onto floors, zones and the
//! floor plan (sysadmin, audited, all or nothing); `carrel layout export` reads the layout back
//! in the same form. The layout is not patron-linked, so the export is a read like `seats`.
//!
//! An import adds and updates; it never retires a seat, zone or floor the file leaves out. What
//! a row leaves empty, a known seat, zone or floor keeps, and a new one takes the default:
//! label = the seat's id, power and accessible = no, zone kind = [`DEFAULT_ZONE_KIND`], zone and
//! floor name = their id, floor level = one above the highest level known. A seat with `x` and
//! `y` empty keeps its cell when the store holds it in the same zone and no other seat takes
//! the cell; otherwise it goes to its zone's grid (`domain::seat_grid`), after every seat with a
//! place, zone by zone in the order the zones first appear, seats in file order. Checked against
//! the store, inside the import's transaction: a zone stays on its floor, and no seat lands on
//! the cell of a seat the file does not name.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::audit::Outcome;
use crate::domain::csv_file::Problems;
use crate::domain::layout::{Floor, Seat, Zone, ZoneKind};
use crate::domain::layout_csv::{LayoutFile, LayoutRow};
use crate::domain::policy::Permission;
use crate::domain::seat_grid::{FloorCells, ZoneGrid};
use crate::store::layout::{self as store_layout, KnownSeat, Positions};
use crate::store::seats::SeatFilter;
use crate::store::{self, Store, Tx, audit as log};

/// The kind of a zone the file creates without a `zone_kind`: quiet study, the commonest kind
/// of reading-room seat, and the one a librarian would assume of a zone named nothing else.
pub const DEFAULT_ZONE_KIND: ZoneKind = ZoneKind::Quiet;

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Seats in the file.
    pub rows: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Seats placed in their zone's grid (no `x` and `y`, and no cell of their own kept).
    pub placed: usize,
    pub floors_new: usize,
    pub zones_new: usize,
}

/// Writes the layout `file` (read from `name`) in one transaction with its audit entry. A file
/// at odds with the store — a zone on another floor, a seat on the cell of a seat the file does
/// not name — is refused whole (`Invalid`, one problem a line, each naming its line).
pub fn import(
    store: &mut Store,
    actor: &Actor,
    file: &LayoutFile,
    name: &str,
) -> Result<ImportSummary, ServiceError> {
    let role = audit::authorize(store, actor, Permission::ImportLayout, "layout")?;
    store.write(|tx| {
        let plan = plan(tx, file)?;
        store_layout::apply(
            tx,
            &plan.floors,
            &plan.zones,
            &plan.seats,
            false,
            Positions::Given,
            store::to_ms(chrono::Utc::now()),
        )?;
        let s = plan.summary;
        let details = serde_json::json!({
            "file": name, "rows": s.rows, "new": s.new, "changed": s.changed,
            "unchanged": s.unchanged, "placed": s.placed, "floors_new": s.floors_new,
            "zones_new": s.zones_new,
        });
        let e = entry(
            actor,
            &role,
            Permission::ImportLayout,
            "layout",
            Outcome::Allowed,
            details.to_string(),
        );
        log::append(tx, e)?;
        Ok(s)
    })
}

/// The floors, zones and seats an import writes, and what it changes.
struct Plan {
    floors: Vec<Floor>,
    zones: Vec<Zone>,
    seats: Vec<Seat>,
    summary: ImportSummary,
}

/// What the store holds of the layout, retired floors, zones and seats included.
struct Held {
    floors: HashMap<String, Floor>,
    zones: HashMap<String, Zone>,
    seats: HashMap<String, KnownSeat>,
}

fn plan(tx: &Tx<'_>, file: &LayoutFile) -> Result<Plan, ServiceError> {
    let held = Held {
        floors: store_layout::known_floors(tx)?,
        zones: store_layout::known_zones(tx)?,
        seats: store_layout::known_seats(tx)?.into_iter().map(|k| (k.seat.id.clone(), k)).collect(),
    };
    let mut problems = Problems::default();
    let mut summary = ImportSummary { rows: file.seats.len(), ..ImportSummary::default() };
    let floors = plan_floors(file, &held, &mut summary);
    let active_zones = store_layout::active_ids(tx, "zones")?;
    let zones = plan_zones(file, &held, &active_zones, &mut summary, &mut problems);
    let cells = place(file, &held, &mut summary, &mut problems);
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems.into_errors(0).to_string()));
    }
    let mut seats = Vec::with_capacity(file.seats.len());
    for (r, cell) in file.seats.iter().zip(cells) {
        let known = held.seats.get(&r.seat_id);
        let seat = resolve(r, known, cell.unwrap_or_default());
        match known {
            None => summary.new += 1,
            Some(k) if k.retired || k.seat != seat => summary.changed += 1,
            Some(_) => summary.unchanged += 1,
        }
        seats.push(seat);
    }
    Ok(Plan { floors, zones, seats, summary })
}

/// The file's floors: what the file gives, else what the store holds, else the defaults.
fn plan_floors(file: &LayoutFile, held: &Held, summary: &mut ImportSummary) -> Vec<Floor> {
    let given = file.floors.iter().filter_map(|f| f.level);
    let mut top = held.floors.values().map(|f| f.level).chain(given).max();
    let mut floors = Vec::with_capacity(file.floors.len());
    for f in &file.floors {
        let h = held.floors.get(&f.id);
        summary.floors_new += usize::from(h.is_none());
        let level = f.level.or(h.map(|h| h.level)).unwrap_or_else(|| {
            let next = top.map_or(0, |t| t + 1);
            top = Some(next);
            next
        });
        let name = f.name.clone().or(h.map(|h| h.name.clone())).unwrap_or_else(|| f.id.clone());
        floors.push(Floor { id: f.id.clone(), name, level });
    }
    floors
}

/// The file's zones, the same way; a zone in use stays on the floor the store has it on.
fn plan_zones(
    file: &LayoutFile,
    held: &Held,
    active: &HashSet<String>,
    summary: &mut ImportSummary,
    problems: &mut Problems,
) -> Vec<Zone> {
    let mut zones = Vec::with_capacity(file.zones.len());
    for z in &file.zones {
        let h = held.zones.get(&z.id);
        if let Some(h) = h.filter(|h| h.floor_id != z.floor_id && active.contains(&h.id)) {
            problems.add(format!(
                "line {}: column 'floor': zone {} is on floor {} in the layout; a layout file \
                 does not move a zone to another floor",
                z.line, z.id, h.floor_id
            ));
        }
        summary.zones_new += usize::from(h.is_none());
        zones.push(Zone {
            id: z.id.clone(),
            floor_id: z.floor_id.clone(),
            name: z.name.clone().or(h.map(|h| h.name.clone())).unwrap_or_else(|| z.id.clone()),
            kind: z.kind.or(h.map(|h| h.kind)).unwrap_or(DEFAULT_ZONE_KIND),
        });
    }
    zones
}

/// Each row's cell, in the order of the module's rule: the store's seats the file does not
/// name hold their cells; then the rows with a place take theirs (refused on a cell held so);
/// then known seats without one keep their own where free; then the rest fill their zones'
/// grids. `None` only where a problem was added.
fn place(
    file: &LayoutFile,
    held: &Held,
    summary: &mut ImportSummary,
    problems: &mut Problems,
) -> Vec<Option<(u32, u32)>> {
    let named: HashSet<&str> = file.seats.iter().map(|r| r.seat_id.as_str()).collect();
    let mut unnamed: HashMap<(&str, u32, u32), &str> = HashMap::new();
    let mut floors: HashMap<&str, FloorCells> = HashMap::new();
    let mut zones: HashMap<&str, Vec<(u32, u32)>> = HashMap::new();
    for k in held.seats.values().filter(|k| !k.retired && !named.contains(k.seat.id.as_str())) {
        let cell = (k.seat.x, k.seat.y);
        unnamed.insert((&k.floor_id, cell.0, cell.1), &k.seat.id);
        floors.entry(&k.floor_id).or_default().take(cell);
        zones.entry(&k.seat.zone_id).or_default().push(cell);
    }
    let mut cells: Vec<Option<(u32, u32)>> = vec![None; file.seats.len()];
    for (i, r) in file.seats.iter().enumerate() {
        let Some((x, y)) = r.position else { continue };
        if let Some(other) = unnamed.get(&(r.floor_id.as_str(), x, y)) {
            problems.add(format!(
                "line {}: columns 'x', 'y': seat {} would stand at ({x}, {y}) on floor {}, the \
                 cell of seat {other}, which the file does not name",
                r.line, r.seat_id, r.floor_id
            ));
            continue;
        }
        floors.entry(&r.floor_id).or_default().take((x, y));
        zones.entry(&r.zone_id).or_default().push((x, y));
        cells[i] = Some((x, y));
    }
    for (i, r) in file.seats.iter().enumerate().filter(|(_, r)| r.position.is_none()) {
        let Some(k) = held.seats.get(&r.seat_id).filter(|k| k.seat.zone_id == r.zone_id) else {
            continue;
        };
        let cell = (k.seat.x, k.seat.y);
        if floors.entry(&r.floor_id).or_default().take(cell) {
            zones.entry(&r.zone_id).or_default().push(cell);
            cells[i] = Some(cell);
        }
    }
    if !problems.is_empty() {
        return cells;
    }
    // The grid: zone by zone in the order zones first come among the seats still to place.
    let mut waiting: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, r) in file.seats.iter().enumerate().filter(|(i, _)| cells[*i].is_none()) {
        match waiting.iter_mut().find(|(z, _)| *z == r.zone_id) {
            Some((_, list)) => list.push(i),
            None => waiting.push((&r.zone_id, vec![i])),
        }
    }
    for (zone_id, list) in waiting {
        let floor_id = file.seats[list[0]].floor_id.as_str();
        let floor = floors.entry(floor_id).or_default();
        let mut grid = ZoneGrid::new(zones.get(zone_id).into_iter().flatten().copied(), floor);
        for i in list {
            cells[i] = grid.place(floor);
            match cells[i] {
                Some(_) => summary.placed += 1,
                None => problems.add(format!(
                    "line {}: floor {floor_id} has no free cell left for seat {}",
                    file.seats[i].line, file.seats[i].seat_id
                )),
            }
        }
    }
    cells
}

/// The seat a row makes: what it gives, else what the store holds, else the defaults.
fn resolve(r: &LayoutRow, held: Option<&KnownSeat>, (x, y): (u32, u32)) -> Seat {
    let held = held.map(|k| &k.seat);
    Seat {
        id: r.seat_id.clone(),
        zone_id: r.zone_id.clone(),
        label: r
            .label
            .clone()
            .or_else(|| held.map(|h| h.label.clone()))
            .unwrap_or_else(|| r.seat_id.clone()),
        x,
        y,
        power: r.power.or(held.map(|h| h.power)).unwrap_or(false),
        accessible: r.accessible.or(held.map(|h| h.accessible)).unwrap_or(false),
    }
}

/// The layout as it stands: active floors and zones, and every active seat ordered by floor
/// level, floor, zone and seat (the order `carrel layout export` writes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub floors: Vec<Floor>,
    pub zones: Vec<Zone>,
    pub seats: Vec<Seat>,
}

/// The layout as it stands, for `carrel layout export`.
pub fn current(store: &Store) -> Result<Layout, ServiceError> {
    let conn = store.conn();
    let seats = store::seats::current(conn, &SeatFilter::default())?
        .into_iter()
        .map(|v| Seat {
            id: v.id,
            zone_id: v.zone_id,
            label: v.label,
            x: v.x,
            y: v.y,
            power: v.power,
            accessible: v.accessible,
        })
        .collect();
    Ok(Layout { floors: store_layout::floors(conn)?, zones: store_layout::zones(conn)?, seats })
}
