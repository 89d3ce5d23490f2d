//! `carrel db`: moving a site between SQLite and PostgreSQL.

use std::path::PathBuf;

use super::{CliError, CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::services::database;
use crate::store::{Location, pg};

#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Copy the whole database to a new one (a SQLite file or postgres://…), the audit log
    /// byte for byte: the same root on both sides, so kept checkpoints still verify
    Copy {
        /// The database to copy: a file or postgres://… (default: the configured database)
        #[arg(long, value_name = "FILE|URL")]
        from: Option<String>,
        /// Where to make the copy; refused if it exists
        #[arg(long, value_name = "FILE|URL")]
        to: String,
        /// Print JSON: {to, rows: [[table, count]], entries, root}
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: &DbCommand, cfg: &Config) -> CliResult {
    match command {
        DbCommand::Copy { from, to, json } => {
            let mut from_cfg = cfg.clone();
            if let Some(from) = from {
                from_cfg.database = location(cfg, from)?;
                from_cfg.db_path = PathBuf::from(from_cfg.database.shown());
            }
            let to = location(cfg, to)?;
            let mut store = open_store(&from_cfg)?;
            let who = actor(&from_cfg, &store)?;
            let report = database::copy(&mut store, &who, &to)?;
            if *json {
                return print_json(&report);
            }
            let rows: u64 = report.rows.iter().map(|(_, n)| n).sum();
            println!(
                "copied {} to {}: {rows} rows in {} tables; audit log {} entries, root {} on both sides",
                from_cfg.database.shown(),
                report.to,
                report.rows.len(),
                report.entries,
                report.root
            );
            Ok(())
        }
    }
}

/// A file path or a PostgreSQL URL, with the configured password and CA files.
fn location(cfg: &Config, given: &str) -> CliResult<Location> {
    if !pg::is_url(given) {
        return Ok(Location::File(PathBuf::from(given)));
    }
    let d = &cfg.settings.database;
    pg::PgTarget::parse(given, d.password_file.as_deref(), d.ca_file.as_deref())
        .map(Location::Server)
        .map_err(CliError::BadInput)
}
