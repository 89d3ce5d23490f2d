//! Pure types and rules of the library: seats, zones, comfort, service windows, the wire types
//! of the remote APIs, pseudonyms, patrons and consent, field encryption, and text sanitising.
//!
//! May use: std, serde, chrono, small math and hashing crates. No I/O, no async, no terminal.
//! Everything here is tested with plain values.

pub mod alerts;
pub mod api;
pub mod arrivals;
pub mod audit;
pub mod audit_bindings;
pub mod checkpoint;
pub mod comfort;
pub mod committee;
pub mod consent;
pub mod counts_csv;
pub mod crypto;
pub mod csv_file;
pub mod dlaplace;
pub mod forecast;
pub mod freshness;
pub mod governance;
pub mod interest;
pub mod layout;
pub mod layout_csv;
pub mod log_key;
pub mod merkle;
pub mod note;
pub mod patron;
pub mod patron_csv;
pub mod policy;
pub mod proof;
pub mod pseudonym;
pub mod queueing;
pub mod quorum;
pub mod recs;
pub mod retention;
pub mod rules;
pub mod sanitize;
pub mod seat_grid;
pub mod service_point;
pub mod staff;
pub mod units;
pub mod wrap;
