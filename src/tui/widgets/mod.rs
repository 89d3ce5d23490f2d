//! Widgets of the console: the seat map, the occupancy bar, and text wrapped to a width.

pub mod bar;
pub mod seat_map;
pub mod wrap;
