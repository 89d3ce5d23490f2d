//! The one door to the data: every state change and every read of patron-linked data goes
//! through here, with the caller's permission checked and an audit entry written in the same
//! transaction. Reads of operational data (seats, windows, feed health) pass through here too,
//! so the CLI and the TUI never hold SQL of their own.
//!
//! May use: domain, store.

pub mod alerts;
pub mod arrivals;
pub mod audit;
pub mod catalog;
pub mod committee;
pub mod consent;
pub mod database;
pub mod desk;
pub mod identity;
pub mod keys;
pub mod layout;
pub mod log_key;
pub mod patrons;
pub mod queues;
pub mod reads;
pub mod recs;
pub mod requests;
pub mod retention;
pub mod review;
pub mod seats;
pub mod staff;
pub mod transparency;
pub mod windows;

/// Why a service call was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    NotFound(String),
    /// The actor may not do this.
    #[error("{0}")]
    Denied(String),
    /// The object is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    /// What was given is not valid (a malformed checkpoint, a bad role).
    #[error("{0}")]
    Invalid(String),
    /// A sealed patron field would not open: altered, moved, or sealed under another key.
    #[error(transparent)]
    Decrypt(#[from] crate::domain::crypto::DecryptError),
}
