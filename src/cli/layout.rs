//! `carrel import layout` and `carrel layout export`: the layout file in and out. The file's
//! form is `domain::layout_csv`'s; what an import changes and how seats without a position are
//! placed is `services::layout`'s.

use std::path::{Path, PathBuf};

use super::import::parse_delimiter;
use super::out_file::OutFile;
use super::{CliError, CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::domain::layout_csv;
use crate::domain::units::count;
use crate::input;
use crate::services::ServiceError;
use crate::services::layout::{self, ImportSummary};

#[derive(Debug, clap::Args)]
pub struct LayoutFileArgs {
    /// The CSV file, or - for standard input
    pub file: PathBuf,
    /// Field delimiter: one character, or `tab`
    #[arg(long, value_name = "D", default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum LayoutCommand {
    /// Write the layout as a layout file, the form `carrel import layout` reads (to standard
    /// output, or to FILE)
    Export {
        /// Write it to FILE instead of standard output (never through a symbolic link)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE if it exists
        #[arg(long, requires = "out")]
        force: bool,
    },
}

/// Each problem on its own line, prefixed with the file, and the promise that nothing changed.
fn bad_file(path: &Path, problems: &str) -> CliError {
    let lines: Vec<String> = problems.lines().map(|l| format!("{}: {l}", path.display())).collect();
    CliError::BadInput(format!("{}\nnothing was imported", lines.join("\n")))
}

/// `carrel import layout FILE`: the file is read and checked whole before the store is touched,
/// then checked against the store and written in one transaction with its audit entry.
pub fn import(args: &LayoutFileArgs, cfg: &Config) -> CliResult {
    let mut store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    let bytes = input::read(&args.file, &input::CSV)
        .map_err(|e| CliError::BadInput(format!("{e}\nnothing was imported")))?;
    let file = layout_csv::parse(&bytes, args.delimiter)
        .map_err(|e| bad_file(&args.file, &e.to_string()))?;
    let name = args.file.display().to_string();
    let summary = layout::import(&mut store, &who, &file, &name).map_err(|e| match e {
        ServiceError::Invalid(problems) => bad_file(&args.file, &problems),
        other => other.into(),
    })?;
    if args.json {
        return print_json(
            &serde_json::json!({ "kind": "layout", "file": name, "summary": summary }),
        );
    }
    println!("{}", summary_line(&name, &summary));
    Ok(())
}

/// "imported 12 seats from FILE: 10 new (3 placed in a grid), 1 changed, 1 unchanged; 1 new
/// floor, 2 new zones".
fn summary_line(file: &str, s: &ImportSummary) -> String {
    let mut line = format!(
        "imported {} from {file}: {} new, {} changed, {} unchanged",
        count(s.rows, "seat", "seats"),
        s.new,
        s.changed,
        s.unchanged
    );
    if s.placed > 0 {
        line.push_str(&format!("; {} placed in a grid", count(s.placed, "seat", "seats")));
    }
    if s.floors_new > 0 {
        line.push_str(&format!("; {}", count(s.floors_new, "new floor", "new floors")));
    }
    if s.zones_new > 0 {
        line.push_str(&format!("; {}", count(s.zones_new, "new zone", "new zones")));
    }
    line
}

/// `carrel layout export`: the layout as it stands, in the form `import layout` reads. A read
/// of operational data like `carrel seats`: no role needed, nothing logged.
pub fn run(command: &LayoutCommand, cfg: &Config) -> CliResult {
    match command {
        LayoutCommand::Export { out, force } => {
            // The file is checked before the database is opened, so a refused path costs
            // nothing and writes nothing.
            let target =
                out.as_deref().map(|p| OutFile::prepare(p, *force, "layout")).transpose()?;
            let store = open_store(cfg)?;
            let now = layout::current(&store)?;
            let text = layout_csv::write(&now.floors, &now.zones, &now.seats);
            match target {
                Some(file) => {
                    let path = file.write(&text)?;
                    eprintln!(
                        "layout of {} written to {}",
                        count(now.seats.len(), "seat", "seats"),
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}
