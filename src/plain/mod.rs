//! The plain console: the whole console as a line-oriented session, for screen-reader users
//! and dumb terminals (`carrel --plain`, `[ui] mode = "plain"`, `TERM=dumb`).
//!
//! It runs on the full-screen console's own `State`, `update` and effects: a command selects
//! what it names and runs the action as a key would, so permissions, refusals, confirmations
//! and the audit log are the console's, not a second copy. What it prints is plain lines:
//! no cursor movement, no colour, no box drawing.
//!
//! May use: the console's state, update, keymap and runtime; never ratatui or SQL.

pub mod announce;
mod ask;
pub mod command;
mod commands;
pub mod input;
pub mod render;
mod select;
pub mod session;
pub mod text;

pub use announce::Level;
pub use session::{Ended, run};
