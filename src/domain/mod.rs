//! Pure types and rules of the library: seats, zones, comfort, service windows, the wire types
//! of the remote APIs, pseudonyms, and text sanitising.
//!
//! May use: std, serde, chrono, small math and hashing crates. No I/O, no async, no terminal.
//! Everything here is tested with plain values.

pub mod api;
pub mod arrivals;
pub mod audit;
pub mod comfort;
pub mod counts_csv;
pub mod forecast;
pub mod freshness;
pub mod layout;
pub mod merkle;
pub mod policy;
pub mod pseudonym;
pub mod queueing;
pub mod rules;
pub mod sanitize;
pub mod service_point;
pub mod staff;
pub mod units;
