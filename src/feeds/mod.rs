//! Clients of the remote APIs (carrel's sensor and recommendation APIs; the vendor adapters
//! LibCal, Occuspace, Qmatic Orchestra and OGC SensorThings, a module each with its own wire
//! types): HTTP with timeouts and a size cap, payload validation record by record, and retry
//! timing. `source` is the seam the rest of carrel reads
//! sensor data through: which configured source serves which feed.
//!
//! Feeds fetch and validate; they never write the store (the engine does, in batches). Every
//! string a feed hands on has been cleaned of control characters.
//!
//! May use: reqwest, tokio, domain, config (for endpoints).

pub mod backoff;
pub mod http;
pub mod libcal;
pub mod occuspace;
pub mod qmatic;
pub mod records;
pub mod recs;
pub mod sensor;
pub mod sensorthings;
pub mod source;
pub mod validate;

pub use http::{ApiClient, FetchError};
pub use source::{Capability, SensorSource, Sources};
