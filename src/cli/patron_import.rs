//! `carrel import patrons|loans|searches|visits`: the patron directory and patron activity from
//! CSV files, checked row by row and imported whole or not at all. Card numbers become
//! pseudonyms on the way in; the directory's fields are encrypted with the key file's key. A
//! refused file — unreadable, a bad header, bad or repeated rows, unknown cards — is logged as
//! a failed import with counts only.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use super::import::{parse_delimiter, parse_tz};
use super::{CliError, CliResult, actor, load_keys, open_store, print_json};
use crate::config::Config;
use crate::domain::consent::ConsentSource;
use crate::domain::csv_file::CsvErrors;
use crate::domain::patron_csv::{self, PatronCsvOptions};
use crate::input;
use crate::services::ServiceError;
use crate::services::identity::Actor;
use crate::services::patrons::{self, ImportSummary, Refusal};
use crate::store::Store;

/// What kind of patron file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatronFile {
    Patrons,
    Loans,
    Searches,
    Visits,
}

impl PatronFile {
    fn name(self) -> &'static str {
        match self {
            PatronFile::Patrons => "patrons",
            PatronFile::Loans => "loans",
            PatronFile::Searches => "searches",
            PatronFile::Visits => "visits",
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct PatronFileArgs {
    /// The CSV file, or - for standard input
    pub file: PathBuf,
    /// Field delimiter: one character, or `tab`
    #[arg(long, value_name = "D", default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
    /// Time zone of times and dates written without an offset [default: the library's]
    #[arg(long, value_name = "ZONE", value_parser = parse_tz)]
    pub tz: Option<Tz>,
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

/// Each problem on its own line, prefixed with the file, and the promise that nothing changed.
fn bad_file(path: &Path, problems: &str) -> CliError {
    let lines: Vec<String> = problems.lines().map(|l| format!("{}: {l}", path.display())).collect();
    CliError::BadInput(format!("{}\nnothing was imported", lines.join("\n")))
}

/// A file refused before any row was written: logged as a failed import (or, for someone who
/// may not import, as a denial), then reported.
fn refused(
    store: &mut Store,
    who: &Actor,
    kind: PatronFile,
    file: &str,
    refusal: &Refusal,
    report: CliError,
) -> CliError {
    match patrons::refuse_import(store, who, kind.name(), file, refusal) {
        Ok(()) => report,
        Err(e) => e.into(),
    }
}

pub fn run(kind: PatronFile, args: &PatronFileArgs, cfg: &Config) -> CliResult {
    let mut store = open_store(cfg)?;
    let keys = load_keys(cfg, &store)?;
    let who = actor(cfg, &store)?;
    let file = args.file.display().to_string();
    let bytes = match input::read(&args.file, &input::CSV) {
        Ok(bytes) => bytes,
        Err(e) => {
            let refusal = Refusal { problems: 1, ..Refusal::default() };
            let report = CliError::BadInput(format!("{e}\nnothing was imported"));
            return Err(refused(&mut store, &who, kind, &file, &refusal, report));
        }
    };
    let opts = PatronCsvOptions { delimiter: args.delimiter, tz: args.tz.unwrap_or(cfg.timezone) };
    let mut parsed = |e: CsvErrors| {
        let refusal = Refusal { rows: e.rows, problems: e.count(), unknown_cards: 0 };
        let report = bad_file(&args.file, &e.to_string());
        refused(&mut store, &who, kind, &file, &refusal, report)
    };
    let source = ConsentSource::Import;
    let result = match kind {
        PatronFile::Patrons => {
            let rows = patron_csv::parse_patrons(&bytes, &opts).map_err(&mut parsed)?;
            patrons::import_patrons(&mut store, &who, &keys, &rows, &file, source)
        }
        PatronFile::Loans => {
            let rows = patron_csv::parse_loans(&bytes, &opts).map_err(&mut parsed)?;
            patrons::import_loans(&mut store, &who, &keys, &rows, &file, source)
        }
        PatronFile::Searches => {
            let rows = patron_csv::parse_searches(&bytes, &opts).map_err(&mut parsed)?;
            patrons::import_searches(&mut store, &who, &keys, &rows, &file, source)
        }
        PatronFile::Visits => {
            let rows = patron_csv::parse_visits(&bytes, &opts).map_err(&mut parsed)?;
            patrons::import_visits(&mut store, &who, &keys, &rows, &file, source)
        }
    };
    let summary = result.map_err(|e| match e {
        ServiceError::Invalid(problems) => bad_file(&args.file, &problems),
        other => other.into(),
    })?;
    report(kind, &file, &summary, args.json)
}

fn report(kind: PatronFile, file: &str, s: &ImportSummary, json: bool) -> CliResult {
    if json {
        return print_json(&serde_json::json!({ "kind": kind.name(), "file": file, "summary": s }));
    }
    let mut line = format!(
        "imported {} {} from {file}: {} new, {} changed, {} unchanged",
        s.rows,
        if s.rows == 1 { singular(kind) } else { kind.name() },
        s.new,
        s.changed,
        s.unchanged
    );
    if kind == PatronFile::Patrons {
        line.push_str(&format!("; {} consent changes recorded", s.consent_changes));
        if s.anonymised_kept > 0 {
            line.push_str(&format!("; {} anonymised patrons left anonymised", s.anonymised_kept));
        }
    }
    println!("{line}");
    Ok(())
}

fn singular(kind: PatronFile) -> &'static str {
    match kind {
        PatronFile::Patrons => "patron",
        PatronFile::Loans => "loan",
        PatronFile::Searches => "search",
        PatronFile::Visits => "visit",
    }
}
