//! Where a seat without a position goes on the floor plan: the seat grid of its zone.
//!
//! Some sources know a library's seats but not where they stand (LibCal, or a row of a layout
//! file with `x` and `y` left empty). The console still draws every seat on its floor, so such
//! a seat is given a cell by one rule, the same for `carrel import layout` and for the store's
//! handling of a layout without positions:
//! - A zone's grid starts under the seats the zone already has: at the column of its leftmost
//!   seat, on the row after its lowest one. A zone with no seat placed yet starts at column 0,
//!   two rows under the lowest seat of its floor (one empty row between zones), or at row 0 on
//!   an empty floor.
//! - The grid is [`GRID_COLUMNS`] seats wide, filled row by row, left to right; a cell that any
//!   seat of the floor holds is skipped.
//! - When the grid runs past the last row of the plan ([`MAX_COORD`]), the remaining seats take
//!   the first free cells of the whole floor, row by row, so a seat always finds a cell while
//!   the floor has one.
//! - Seats are placed in the order the caller gives them. Callers give each zone's seats
//!   together, zones in the order they first appear, so the outcome follows from the input
//!   alone.
//!
//! Pure. May use: std, domain::layout.

use std::collections::HashSet;

use super::layout::MAX_COORD;

/// How many seats wide a zone's grid is.
pub const GRID_COLUMNS: u32 = 10;

/// The cells of one floor that hold a seat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FloorCells {
    taken: HashSet<(u32, u32)>,
    lowest: Option<u32>,
}

impl FloorCells {
    /// Marks `cell` as holding a seat; false when it already held one.
    pub fn take(&mut self, cell: (u32, u32)) -> bool {
        self.lowest = Some(self.lowest.map_or(cell.1, |y| y.max(cell.1)));
        self.taken.insert(cell)
    }

    /// Whether a seat holds `cell`.
    pub fn is_taken(&self, cell: (u32, u32)) -> bool {
        self.taken.contains(&cell)
    }

    /// The lowest row (largest `y`) holding a seat; `None` on an empty floor.
    pub fn lowest_row(&self) -> Option<u32> {
        self.lowest
    }
}

/// The grid of one zone, and how far it has been filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneGrid {
    /// The grid's top-left cell.
    origin: (u32, u32),
    /// The index of the next cell to try: first the grid's own cells, then the whole floor's.
    next: u64,
}

/// Cells in one row of the whole floor plan.
const PLAN_WIDTH: u64 = MAX_COORD as u64 + 1;

impl ZoneGrid {
    /// The grid of a zone whose seats already placed stand at `zone_cells`, on a floor whose
    /// taken cells are `floor`.
    pub fn new(zone_cells: impl IntoIterator<Item = (u32, u32)>, floor: &FloorCells) -> Self {
        let bounds = zone_cells.into_iter().fold(None, |b: Option<(u32, u32)>, (x, y)| {
            Some(b.map_or((x, y), |(left, low)| (left.min(x), low.max(y))))
        });
        let (x, y) = match bounds {
            Some((left, low)) => (left, low.saturating_add(1)),
            None => (0, floor.lowest_row().map_or(0, |low| low.saturating_add(2))),
        };
        // A zone at the right edge of the plan still gets a grid of full width.
        ZoneGrid { origin: (x.min(MAX_COORD + 1 - GRID_COLUMNS), y), next: 0 }
    }

    /// The grid's top-left cell.
    pub fn origin(&self) -> (u32, u32) {
        self.origin
    }

    /// Places the next seat: the next cell of the grid that is free on `floor`, which is then
    /// marked taken. `None` only when every cell of the floor plan is taken.
    pub fn place(&mut self, floor: &mut FloorCells) -> Option<(u32, u32)> {
        let own_rows = u64::from((MAX_COORD + 1).saturating_sub(self.origin.1));
        let own = own_rows * u64::from(GRID_COLUMNS);
        let total = own + PLAN_WIDTH * PLAN_WIDTH;
        while self.next < total {
            let i = self.next;
            self.next += 1;
            let cell = if i < own {
                let (col, row) = (i % u64::from(GRID_COLUMNS), i / u64::from(GRID_COLUMNS));
                (self.origin.0 + col as u32, self.origin.1 + row as u32)
            } else {
                let j = i - own;
                ((j % PLAN_WIDTH) as u32, (j / PLAN_WIDTH) as u32)
            };
            if floor.take(cell) {
                return Some(cell);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floor(cells: &[(u32, u32)]) -> FloorCells {
        let mut f = FloorCells::default();
        for c in cells {
            f.take(*c);
        }
        f
    }

    #[test]
    fn an_empty_floor_fills_from_the_corner_ten_to_a_row() {
        let mut f = FloorCells::default();
        let mut g = ZoneGrid::new([], &f);
        let cells: Vec<_> = (0..12).map(|_| g.place(&mut f).unwrap()).collect();
        assert_eq!(cells[0], (0, 0));
        assert_eq!(cells[9], (9, 0));
        assert_eq!(cells[10], (0, 1));
        assert_eq!(cells[11], (1, 1));
        assert_eq!(f.lowest_row(), Some(1));
    }

    #[test]
    fn a_zone_with_seats_grows_under_them_and_skips_taken_cells() {
        // The zone holds (4,2) and (6,3); another zone's seat holds (5,4).
        let mut f = floor(&[(4, 2), (6, 3), (5, 4)]);
        let mut g = ZoneGrid::new([(4, 2), (6, 3)], &f);
        assert_eq!(g.origin(), (4, 4));
        assert_eq!(g.place(&mut f), Some((4, 4)));
        assert_eq!(g.place(&mut f), Some((6, 4)), "(5, 4) is taken");
        assert!(f.is_taken((6, 4)));
    }

    #[test]
    fn a_new_zone_starts_two_rows_under_its_floor() {
        let mut f = floor(&[(3, 0), (8, 5)]);
        let mut g = ZoneGrid::new([], &f);
        assert_eq!(g.origin(), (0, 7));
        assert_eq!(g.place(&mut f), Some((0, 7)));
        // The next new zone starts under this one.
        let g2 = ZoneGrid::new([], &f);
        assert_eq!(g2.origin(), (0, 9));
    }

    #[test]
    fn at_the_edges_of_the_plan_seats_still_find_a_cell() {
        // A zone at the right edge gets a grid of full width.
        let f = floor(&[(MAX_COORD, 0)]);
        let g = ZoneGrid::new([(MAX_COORD, 0)], &f);
        assert_eq!(g.origin(), (MAX_COORD + 1 - GRID_COLUMNS, 1));
        // A zone on the last row has no rows of its own left: the floor's first free cells.
        let mut f = floor(&[(0, 0), (2, MAX_COORD)]);
        let mut g = ZoneGrid::new([(2, MAX_COORD)], &f);
        assert_eq!(g.place(&mut f), Some((1, 0)));
        assert_eq!(g.place(&mut f), Some((2, 0)));
        // The same for a new zone on a floor whose lowest seat is on the last row.
        let mut f = floor(&[(5, MAX_COORD)]);
        let mut g = ZoneGrid::new([], &f);
        assert_eq!(g.place(&mut f), Some((0, 0)));
    }

    #[test]
    fn the_grid_ends_on_the_last_row_and_goes_on_across_the_floor() {
        let mut f = floor(&[(0, MAX_COORD - 1)]);
        let mut g = ZoneGrid::new([(0, MAX_COORD - 1)], &f);
        let mut placed: Vec<_> = (0..GRID_COLUMNS).map(|_| g.place(&mut f).unwrap()).collect();
        assert!(placed.iter().all(|c| c.1 == MAX_COORD), "{placed:?}");
        placed.push(g.place(&mut f).unwrap());
        assert_eq!(placed.last(), Some(&(0, 0)));
    }
}
