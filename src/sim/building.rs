//! The simulated building: floors, zones of every kind, and seats laid out on each floor's
//! grid.
//!
//! Seats are split evenly over the floors (three floors for the default 600 seats, one more per
//! 1,500 seats beyond 4,500) and over zones of about 50–60 seats. A zone is a block of desks:
//! rows of eight seats with an aisle down the middle and an aisle row between desk rows (group
//! tables face each other in pairs of rows). Blocks stand side by side, six to a band, so no
//! two seats of a floor share a grid cell. Seats at the ends of a row have power (every
//! computer seat has); the two front-row seats beside the aisle are accessible.
//!
//! Ids: floors `F1`, zones `F1-Z2`, seats `F1-Z2-S014`; labels as printed on the desk: `1N-014`.
//! A seat's id, label and place follow from its zone and its number in the zone, so they are
//! worked out when asked for rather than kept: twenty thousand seats would otherwise hold
//! forty thousand small strings, an index of twenty thousand more and a table of places.
//!
//! May use: domain. Pure.

use std::collections::HashMap;
use std::ops::Range;

use crate::domain::api::{FloorDto, SeatDto, ZoneDto};
use crate::domain::layout::ZoneKind;

/// Seats per desk row of a zone block.
const ROW_SEATS: u32 = 8;
/// Zone blocks per band across a floor.
const BLOCKS_PER_BAND: usize = 6;

#[derive(Debug, Clone, PartialEq)]
pub struct Floor {
    pub id: String,
    pub name: String,
    pub level: i32,
    pub zones: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub id: String,
    pub name: String,
    pub kind: ZoneKind,
    pub floor: usize,
    pub seats: Range<usize>,
    /// What the zone's desk labels start with after the level, e.g. `N` in `1N-014`.
    abbr: String,
    /// Grid cell of the block's first seat.
    origin: (u32, u32),
}

/// Where a seat stands ([`Building::place`]); its id and label come from
/// [`Building::seat_id`] and [`Building::seat_label`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    pub x: u32,
    pub y: u32,
    pub power: bool,
    pub accessible: bool,
    pub zone: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    pub floors: Vec<Floor>,
    /// Zones in seat order: each zone's seats follow the previous zone's.
    pub zones: Vec<Zone>,
    /// Zone index by zone id.
    zone_index: HashMap<String, usize>,
}

const COMPASS: [(&str, &str); 9] = [
    ("North", "N"),
    ("East", "E"),
    ("South", "S"),
    ("West", "W"),
    ("Central", "C"),
    ("North-east", "NE"),
    ("South-east", "SE"),
    ("South-west", "SW"),
    ("North-west", "NW"),
];

const FLOOR_NAMES: [&str; 10] = [
    "Ground floor",
    "First floor",
    "Second floor",
    "Third floor",
    "Fourth floor",
    "Fifth floor",
    "Sixth floor",
    "Seventh floor",
    "Eighth floor",
    "Ninth floor",
];

fn zone_kinds(level: i32, floors: usize) -> [ZoneKind; 4] {
    use ZoneKind::{Computer, Group, Quiet, Silent};
    match (floors, level) {
        (1, _) => [Group, Computer, Quiet, Silent],
        (_, 0) => [Group, Computer, Quiet, Group],
        (_, 1) => [Quiet, Computer, Quiet, Silent],
        _ => [Silent, Quiet, Silent, Quiet],
    }
}

fn kind_noun(kind: ZoneKind) -> &'static str {
    match kind {
        ZoneKind::Quiet => "reading room",
        ZoneKind::Silent => "silent room",
        ZoneKind::Computer => "computer lab",
        ZoneKind::Group => "group study",
    }
}

fn split(total: u32, parts: u32) -> impl Iterator<Item = u32> {
    let parts = parts.max(1);
    (0..parts).map(move |i| total / parts + u32::from(i < total % parts))
}

impl Building {
    /// A building with exactly `seats` seats.
    pub fn new(seats: u32) -> Self {
        let floor_count = if seats < 200 { 1 } else { seats.div_ceil(1500).max(3) };
        let mut b = Building { floors: Vec::new(), zones: Vec::new(), zone_index: HashMap::new() };
        for (f, floor_seats) in split(seats, floor_count).enumerate() {
            b.add_floor(f, floor_seats, floor_count as usize);
        }
        b.zone_index = b.zones.iter().enumerate().map(|(i, z)| (z.id.clone(), i)).collect();
        b
    }

    fn add_floor(&mut self, f: usize, floor_seats: u32, floor_count: usize) {
        let level = f as i32;
        let floor_id = format!("F{level}");
        let zone_count = floor_seats.div_ceil(60).max((floor_seats / 5).min(4)).max(1);
        let sizes: Vec<u32> = split(floor_seats, zone_count).collect();
        let band_height = sizes.iter().map(|&n| 2 * n.div_ceil(ROW_SEATS)).max().unwrap_or(0) + 3;
        let first_zone = self.zones.len();
        for (j, &size) in sizes.iter().enumerate() {
            let kind = zone_kinds(level, floor_count)[j % 4];
            let (name, abbr) = match COMPASS.get(j) {
                Some((where_, abbr)) => (format!("{where_} {}", kind_noun(kind)), abbr.to_string()),
                None => {
                    let noun = kind_noun(kind);
                    let mut cap = noun.to_owned();
                    if let Some(first) = cap.get_mut(0..1) {
                        first.make_ascii_uppercase();
                    }
                    (format!("{cap} {}", j + 1), format!("Z{}", j + 1))
                }
            };
            let zone_id = format!("{floor_id}-Z{}", j + 1);
            let origin_x = (j % BLOCKS_PER_BAND) as u32 * (ROW_SEATS + 1 + 3) + 1;
            let origin_y = (j / BLOCKS_PER_BAND) as u32 * band_height + 1;
            let first_seat = self.seat_count();
            self.zones.push(Zone {
                id: zone_id,
                name,
                kind,
                floor: f,
                seats: first_seat..first_seat + size as usize,
                abbr,
                origin: (origin_x, origin_y),
            });
        }
        self.floors.push(Floor {
            id: floor_id,
            name: FLOOR_NAMES.get(f).map_or_else(|| format!("Floor {level}"), |n| (*n).to_owned()),
            level,
            zones: first_zone..self.zones.len(),
        });
    }

    /// How many seats the building has.
    pub fn seat_count(&self) -> usize {
        self.zones.last().map_or(0, |z| z.seats.end)
    }

    /// The index of seat `i`'s zone.
    pub fn zone_of(&self, i: usize) -> Option<usize> {
        let z = self.zones.partition_point(|zone| zone.seats.end <= i);
        self.zones.get(z).filter(|zone| zone.seats.contains(&i)).map(|_| z)
    }

    /// The zone kind of every seat, in seat order.
    pub fn seat_kinds(&self) -> Vec<ZoneKind> {
        self.zones.iter().flat_map(|z| std::iter::repeat_n(z.kind, z.seats.len())).collect()
    }

    /// Where seat `i` stands: its zone's block is rows of eight with an aisle down the middle,
    /// and a free row between desk rows (group tables face each other in pairs of rows).
    pub fn place(&self, i: usize) -> Option<Place> {
        let zone = self.zone_of(i)?;
        let z = self.zones.get(zone)?;
        let n = u32::try_from(i - z.seats.start).ok()?;
        let (row, col) = (n / ROW_SEATS, n % ROW_SEATS);
        let y_off = match z.kind {
            ZoneKind::Group => row + row / 2,
            _ => 2 * row,
        };
        Some(Place {
            x: z.origin.0 + col + u32::from(col >= ROW_SEATS / 2),
            y: z.origin.1 + y_off,
            power: z.kind == ZoneKind::Computer || col == 0 || col == ROW_SEATS - 1,
            accessible: row == 0 && (col == 3 || col == 4),
            zone,
        })
    }

    /// Seat `i`'s zone and its number in the zone, from 1.
    fn zone_and_number(&self, i: usize) -> Option<(&Zone, usize)> {
        let zone = self.zones.get(self.zone_of(i)?)?;
        Some((zone, i - zone.seats.start + 1))
    }

    /// The id of seat `i`, e.g. `F1-Z2-S014`.
    pub fn seat_id(&self, i: usize) -> Option<String> {
        let (zone, n) = self.zone_and_number(i)?;
        Some(format!("{}-S{n:03}", zone.id))
    }

    /// The label of seat `i` as printed on the desk, e.g. `1N-014`.
    pub fn seat_label(&self, i: usize) -> Option<String> {
        let (zone, n) = self.zone_and_number(i)?;
        let level = self.floors.get(zone.floor)?.level;
        Some(format!("{level}{}-{n:03}", zone.abbr))
    }

    /// The index of the seat with id `id`: only the exact form [`Building::seat_id`] writes.
    pub fn seat_index(&self, id: &str) -> Option<usize> {
        let (zone_id, number) = id.rsplit_once("-S")?;
        let zone = self.zones.get(*self.zone_index.get(zone_id)?)?;
        let n: usize = number.parse().ok()?;
        let i = zone.seats.start.checked_add(n.checked_sub(1)?)?;
        (zone.seats.contains(&i) && format!("{n:03}") == number).then_some(i)
    }

    /// The floors as `GET /v1/layout` lists them, each made when it is asked for.
    pub fn floors(&self) -> impl Iterator<Item = FloorDto> + '_ {
        self.floors.iter().map(|f| FloorDto {
            id: f.id.clone(),
            name: f.name.clone(),
            level: f.level,
            zones: self.zones[f.zones.clone()]
                .iter()
                .map(|z| ZoneDto {
                    id: z.id.clone(),
                    name: z.name.clone(),
                    kind: z.kind,
                    seats: z
                        .seats
                        .clone()
                        .filter_map(|i| Some((i, self.place(i)?)))
                        .map(|(i, s)| SeatDto {
                            id: self.seat_id(i).unwrap_or_default(),
                            label: self.seat_label(i).unwrap_or_default(),
                            x: s.x,
                            y: s.y,
                            power: s.power,
                            accessible: s.accessible,
                        })
                        .collect(),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::sanitize::valid_id;

    fn check(b: &Building, seats: usize) {
        assert_eq!(b.seat_count(), seats);
        let places: Vec<Place> = (0..seats).filter_map(|i| b.place(i)).collect();
        assert_eq!(places.len(), seats);
        assert_eq!(b.place(seats), None);
        let ids: HashSet<String> = (0..seats).filter_map(|i| b.seat_id(i)).collect();
        assert_eq!(ids.len(), seats, "seat ids are unique");
        assert!(ids.iter().all(|id| valid_id(id)));
        let cells: HashSet<(usize, u32, u32)> =
            places.iter().map(|s| (b.zones[s.zone].floor, s.x, s.y)).collect();
        assert_eq!(cells.len(), seats, "no two seats of a floor share a cell");
        let labels: HashSet<String> = (0..seats).filter_map(|i| b.seat_label(i)).collect();
        assert_eq!(labels.len(), seats, "labels are unique");
        let kinds: HashSet<ZoneKind> = b.zones.iter().map(|z| z.kind).collect();
        assert_eq!(kinds.len(), 4, "every kind of zone");
        assert!(places.iter().any(|s| s.power) && places.iter().any(|s| !s.power));
        assert!(places.iter().any(|s| s.accessible));
        let kinds = b.seat_kinds();
        assert!(places.iter().zip(&kinds).all(|(s, k)| b.zones[s.zone].kind == *k));
        assert!(places.iter().enumerate().all(|(i, s)| b.zones[s.zone].seats.contains(&i)));
        for i in 0..seats {
            assert_eq!(b.seat_id(i).and_then(|id| b.seat_index(&id)), Some(i));
        }
        assert_eq!(b.seat_id(seats), None);
    }

    #[test]
    fn default_building_has_600_seats_on_three_floors() {
        let b = Building::new(600);
        check(&b, 600);
        assert_eq!(b.floors.len(), 3);
        assert_eq!(b.floors[0].name, "Ground floor");
        assert_eq!(b.seat_id(0).unwrap(), "F0-Z1-S001");
        assert_eq!(b.zones[4].name, "North reading room");
        assert_eq!(b.seat_label(b.zones[4].seats.start).unwrap(), "1N-001");
        assert_eq!(b.seat_label(b.zones[4].seats.start + 13).unwrap(), "1N-014");
    }

    #[test]
    fn only_exact_seat_ids_are_found() {
        let b = Building::new(600);
        assert_eq!(b.seat_index("F1-Z1-S014"), Some(b.zones[4].seats.start + 13));
        for stranger in
            ["F1-Z1-S14", "F1-Z1-S0014", "F1-Z1-S000", "F1-Z1-S999", "F1-Z1-S+14", "F9-Z1-S001", ""]
        {
            assert_eq!(b.seat_index(stranger), None, "{stranger}");
        }
    }

    #[test]
    fn small_and_large_buildings() {
        check(&Building::new(20), 20);
        check(&Building::new(20_000), 20_000);
        assert!(Building::new(20_000).floors.len() > 3);
    }

    #[test]
    fn layout_lists_every_seat_once() {
        let b = Building::new(600);
        let floors: Vec<FloorDto> = b.floors().collect();
        let n: usize = floors.iter().flat_map(|f| &f.zones).map(|z| z.seats.len()).sum();
        assert_eq!(n, 600);
    }
}
