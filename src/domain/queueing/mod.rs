//! Queueing at service windows: how long patrons wait, how many windows a slot needs, and how a
//! fixed budget of window-slots is best spread over a day.
//!
//! Role: the arithmetic behind the console's wait estimates, its "open another window" advice
//! and the study of static against forecast-driven staffing. [`erlang`] holds the M/M/c
//! formulas, [`staffing`] the fewest windows meeting a target in one slot, [`plan`] a day's
//! plan of shifts within the opening hours, and [`allocation`] the spreading of a budget of
//! window-slots over a day.
//!
//! May use: std and serde. Pure: no I/O, no clock, no randomness; callers bring forecasts in.
//!
//! Contract: waits and probabilities are finite numbers, probabilities within [0, 1]; a line
//! that grows without bound is reported as [`Waiting::Overloaded`], never as an infinite or NaN
//! wait. A [`Queue`]'s arrivals are per hour, a [`Slot`]'s are the count in the slot; times are
//! in seconds. Everything is deterministic.

pub mod allocation;
pub mod erlang;
pub mod plan;
pub mod staffing;

pub use allocation::{Allocation, Slot, TotalWaiting, allocate, allocate_services, total_waiting};
pub use erlang::{Queue, Waiting, erlang_b, erlang_c};
pub use plan::{PlannedSlot, SlotForecast, day_plan};
pub use staffing::{Outlook, Recommendation, ServiceTarget, WhatIf, per_hour, recommend};

#[cfg(test)]
mod props;
