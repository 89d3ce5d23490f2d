//! carrel: a terminal operations console for smart libraries.
//!
//! The binary (`main.rs`) only parses arguments and hands over to [`cli::run`]; everything else
//! lives in this library so tests and benchmarks can reach it. Data flows one way (remote APIs
//! → `feeds` → `store`) and actions come back through one door (`services`). See
//! `../shared/DESIGN.md` for the architecture.

pub mod cli;
pub mod config;
pub mod domain;
pub mod engine;
pub mod feeds;
pub mod input;
pub mod plain;
pub mod services;
pub mod sim;
pub mod store;
pub mod tui;
pub mod witness;
