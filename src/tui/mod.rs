//! The console: a terminal UI over the store, for front-desk librarians, sysadmins over SSH
//! and committee members.
//!
//! `State`, `Msg` and `update` are pure (tests drive them without a terminal); the runtime
//! carries out `Effect`s and feeds their results back; views read `&State` only. Keys are data
//! (`keymap`), colours and glyphs come from `theme`, and geometry shared by views and `update`
//! lives in `layout`.
//!
//! May use: ratatui, crossterm, services, engine; never SQL.

pub mod fixtures;
pub mod form;
pub mod keymap;
pub mod layout;
pub mod load;
pub mod lookup;
pub mod model;
pub mod msg;
pub mod runtime;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;
pub mod widgets;

pub use runtime::{Console, run};
