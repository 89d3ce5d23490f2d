//! Widgets of the console: the seat map and the occupancy bar.

pub mod bar;
pub mod seat_map;
