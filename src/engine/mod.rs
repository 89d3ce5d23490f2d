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

/// The one async runtime carrel runs its work on — the console, `sync`, `demo`, `sim` and the
/// commands that ask an API — built the same way everywhere: two worker threads (the console's
/// loop, the ingest and the API calls are mostly waiting) and at most four threads for the
/// store's blocking work, with timers and I/O on.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .enable_all()
        .build()
}
