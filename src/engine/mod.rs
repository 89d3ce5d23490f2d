//! Long-running work usable inside the TUI or headless: ingesting the remote APIs into the
//! store (under the ingest lease), and later forecasting, privacy rules and checkpoints.
//!
//! Store work runs on tokio's blocking pool through [`SharedStore`], so an engine task never
//! blocks the async runtime on SQLite.
//!
//! May use: tokio, feeds, services, store (through services for anything patron-linked).

pub mod actions;
pub mod desk;
pub mod forecasts;
pub mod ingest;
pub mod rules;
mod shared;

pub use shared::SharedStore;
