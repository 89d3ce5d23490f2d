//! A simulated library serving both remote APIs (sensor and recommendation) on one port, for
//! the demo and the tests.
//!
//! The library is believable and deterministic: 08:00–22:00 local opening hours with a morning
//! ramp, a lunch dip and an evening tail; quieter weekends; exam weeks that fill the seats and
//! lengthen the queues; seats that go away and come back, ghost seats, reservations, broken
//! seats and sensor dropouts; service desks with Poisson arrivals, join-the-shortest-queue and
//! a staffing schedule; comfort readings that drift out of range now and then; a catalogue and
//! a recommendation model. Everything follows from the seed, the start time and the actions
//! staff take; the state at a simulated time does not depend on when requests came in.
//!
//! Vendor flavours serve the same library in a vendor's dialect beside the own API
//! ([`flavors`]: LibCal, Occuspace, SensorThings). Faults can be switched on to test the clients ([`FaultPlan`]). The queue model also runs
//! offline, without HTTP, to compare staffing schedules ([`queues::simulate`]).
//!
//! May use: axum, tokio, domain. Not store, feeds or services.
//!
//! ```no_run
//! # async fn demo() -> Result<(), carrel::sim::SimError> {
//! use carrel::sim::{SimConfig, start};
//! let sim = start(SimConfig::new(42), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("sensor and recommendation APIs at {}", sim.base_url());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod activity;
mod body;
mod building;
pub mod calendar;
mod catalogue;
mod config;
mod demand;
mod environment;
pub mod faults;
pub mod flavors;
mod library;
pub mod queues;
mod random;
mod recs;
mod recs_api;
mod seats;
mod sensor_api;
mod server;
pub mod study;

pub use activity::{Activity, activity};
pub use calendar::opening_hours;
pub use config::{
    DEFAULT_QMATIC_PASSWORD, DEFAULT_QMATIC_USER, DEFAULT_SEATS, MAX_SEATS, MAX_SPEED, MIN_SEATS,
    SimConfig, SimError, site_key_for,
};
pub use faults::{Api, Fault, FaultPlan, FaultPlanError};
pub use flavors::libcal::LibCalSim;
pub use flavors::{Flavor, UnknownFlavor, parse_flavors};
pub use recs::{SimPatron, patrons};
pub use server::{ROUTES, SimHandle, start};

/// The simulated library's catalogue of `seed`, as the recommendation API serves it.
pub fn catalogue(seed: u64) -> Vec<catalogue::Item> {
    catalogue::catalogue(seed)
}

/// The subject whose shelves each zone of the simulated building of `seats` seats holds, for
/// the visits part of the interest profile: the catalogue's subjects in turn, zone by zone.
pub fn zone_subjects(seats: u32) -> std::collections::BTreeMap<String, String> {
    building::Building::new(seats)
        .zones
        .iter()
        .zip(catalogue::SUBJECTS.iter().cycle())
        .map(|(z, s)| (z.id.clone(), (*s).to_owned()))
        .collect()
}
