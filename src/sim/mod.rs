//! A simulated library for the demo and the tests.
//!
//! So far: the service-desk queue model, which runs offline to compare staffing schedules
//! ([`queues::simulate`]), with the calendar and seeded random streams it stands on.
//!
//! May use: axum, tokio, domain. Not store, feeds or services.

pub mod calendar;
mod demand;
pub mod queues;
mod random;

pub use calendar::opening_hours;
