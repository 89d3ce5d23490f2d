//! `carrel import`: bring history in from CSV files, checked row by row, all or nothing.
//! Arrivals are here; the patron directory and activity are in `patron_import.rs`, the layout
//! file in `layout.rs`.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use super::layout::{self, LayoutFileArgs};
use super::patron_import::{self, PatronFile, PatronFileArgs};
use super::{CliError, CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::domain::arrivals::{bucketize, detect_step};
use crate::domain::counts_csv::{self, CsvOptions};
use crate::input;
use crate::services::{arrivals, reads};

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Arrivals at a service window: a CSV of times and counts, summed into 15-minute buckets
    /// (or the file's own spacing when coarser)
    Arrivals(ArrivalsArgs),
    /// The patron directory: card,name[,email][,category][,joined][,consent_recommendations]
    /// [,consent_profiling]; names, cards and emails are stored encrypted (sysadmin)
    Patrons(PatronFileArgs),
    /// Loans: card,item,loaned[,returned]; every card must be in the directory (sysadmin)
    Loans(PatronFileArgs),
    /// Catalogue searches: card,at,query; every card must be in the directory (sysadmin)
    Searches(PatronFileArgs),
    /// Visits: card,at[,zone]; every card must be in the directory (sysadmin)
    Visits(PatronFileArgs),
    /// The layout: seat_id,floor,zone,x,y[,label][,power][,accessible] and optionally
    /// zone_kind, zone_name, floor_name, floor_level; maps a source's seat ids onto the floor
    /// plan, seats without x and y in a grid in their zone (sysadmin)
    Layout(LayoutFileArgs),
}

/// How a CSV of counts over time is read; shared with `carrel forecast backtest`.
#[derive(Debug, Clone, clap::Args)]
pub struct CsvArgs {
    /// Column holding the time (RFC 3339, `YYYY-MM-DD HH:MM[:SS]`, or Unix seconds)
    #[arg(long, value_name = "C", default_value = "timestamp")]
    pub time_col: String,
    /// Column holding the count
    #[arg(long, value_name = "C", default_value = "count")]
    pub count_col: String,
    /// Field delimiter: one character, or `tab`
    #[arg(long, value_name = "D", default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
    /// Time zone of times written without an offset [default: the library's]
    #[arg(long, value_name = "ZONE", value_parser = parse_tz)]
    pub tz: Option<Tz>,
}

#[derive(Debug, clap::Args)]
pub struct ArrivalsArgs {
    /// The CSV file, or - for standard input
    pub file: PathBuf,
    #[command(flatten)]
    pub csv: CsvArgs,
    /// The window the arrivals are for [default: the only window, if there is one]
    #[arg(long, value_name = "W")]
    pub window: Option<String>,
    /// Bucket width: 15m, 1h, 5m… [default: 15m, or the file's spacing when coarser]
    #[arg(long, value_name = "STEP", value_parser = parse_step)]
    pub step: Option<u32>,
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

pub(super) fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!("'{s}' is not one character (use tab for a tab)")),
    }
}

pub(super) fn parse_tz(s: &str) -> Result<Tz, String> {
    s.parse()
        .map_err(|_| format!("unknown time zone '{s}' (use an IANA name such as Europe/London)"))
}

/// `15m`, `1h`, `5m`, `90s`, `900` (seconds): a whole number of minutes, at most a day.
pub fn parse_step(s: &str) -> Result<u32, String> {
    let (num, unit) =
        s.trim().split_at(s.trim().find(|c: char| !c.is_ascii_digit()).unwrap_or(s.trim().len()));
    let n: u32 = num.parse().map_err(|_| format!("'{s}' is not a step (e.g. 15m, 1h)"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" | "min" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("'{s}' is not a step (e.g. 15m, 1h)")),
    };
    if secs == 0 || secs % 60 != 0 || secs > 86_400 {
        return Err(format!("'{s}': the step must be a whole number of minutes, at most a day"));
    }
    Ok(secs)
}

/// Reads and checks a CSV of counts (`-`: standard input), within the caps of
/// [`input::CSV`]; errors name the file and each bad line.
pub fn read_counts(path: &Path, args: &CsvArgs, cfg: &Config) -> CliResult<Vec<counts_csv::Count>> {
    let bytes = input::read(path, &input::CSV)?;
    let opts = CsvOptions {
        time_col: args.time_col.clone(),
        count_col: args.count_col.clone(),
        delimiter: args.delimiter,
        tz: args.tz.unwrap_or(cfg.timezone),
    };
    counts_csv::parse(&bytes, &opts).map_err(|e| {
        let lines: Vec<String> =
            e.to_string().lines().map(|l| format!("{}: {l}", path.display())).collect();
        CliError::BadInput(format!("{}\nnothing was imported", lines.join("\n")))
    })
}

pub fn run(command: &ImportCommand, cfg: &Config) -> CliResult {
    match command {
        ImportCommand::Arrivals(args) => arrivals_cmd(args, cfg),
        ImportCommand::Patrons(args) => patron_import::run(PatronFile::Patrons, args, cfg),
        ImportCommand::Loans(args) => patron_import::run(PatronFile::Loans, args, cfg),
        ImportCommand::Searches(args) => patron_import::run(PatronFile::Searches, args, cfg),
        ImportCommand::Visits(args) => patron_import::run(PatronFile::Visits, args, cfg),
        ImportCommand::Layout(args) => layout::import(args, cfg),
    }
}

fn arrivals_cmd(args: &ArrivalsArgs, cfg: &Config) -> CliResult {
    let mut store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    let counts = read_counts(&args.file, &args.csv, cfg)?;
    let window = match &args.window {
        Some(w) => w.clone(),
        None => {
            let (windows, _) = reads::service_points(&store)?;
            match windows.as_slice() {
                [only] => only.id.clone(),
                [] => {
                    return Err(CliError::BadInput(
                        "name the window with --window (no windows are known yet)".into(),
                    ));
                }
                many => {
                    let ids: Vec<&str> = many.iter().map(|w| w.id.as_str()).collect();
                    return Err(CliError::BadInput(format!(
                        "name the window with --window (known: {})",
                        ids.join(", ")
                    )));
                }
            }
        }
    };
    let times: Vec<_> = counts.iter().map(|c| c.at).collect();
    let step = args.step.unwrap_or_else(|| detect_step(&times).unwrap_or(900).max(900));
    let buckets = bucketize(counts.iter().map(|c| (c.at, c.count)), step);
    let summary = arrivals::import(
        &mut store,
        &who,
        &window,
        step,
        &buckets,
        &args.file.display().to_string(),
    )?;
    if args.json {
        return print_json(
            &serde_json::json!({ "window": window, "step_s": step, "rows": counts.len(), "summary": summary }),
        );
    }
    println!(
        "imported {} into {} of {} min for {window}: {} new, {} changed, {} unchanged",
        crate::domain::units::count(counts.len(), "row", "rows"),
        crate::domain::units::count(summary.buckets, "bucket", "buckets"),
        step / 60,
        summary.new,
        summary.changed,
        summary.unchanged
    );
    Ok(())
}
