//! `carrel forecast` (arrivals ahead per window, from the database's history) and
//! `carrel forecast backtest` (the models compared on any CSV of counts).

use std::path::PathBuf;

use chrono::{Duration, Utc};

use super::import::{CsvArgs, parse_step, read_counts};
use super::table::{Align, Table};
use super::{CliError, CliResult, open_store, print_json};
use crate::config::Config;
use crate::domain::arrivals::{bucketize, detect_step};
use crate::domain::forecast::{self, BacktestOptions, BacktestReport, ModelKind, Series};
use crate::engine::forecasts::{Plan, compute, history};
use crate::services::reads;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ForecastArgs {
    #[command(subcommand)]
    pub command: Option<ForecastCommand>,
    /// Only this window
    #[arg(long, value_name = "W")]
    pub window: Option<String>,
    /// How far ahead: 4h, 90m, 1d…
    #[arg(long, value_name = "H", default_value = "4h", value_parser = parse_horizon)]
    pub horizon: u32,
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum ForecastCommand {
    /// Compare the models on a CSV of counts over time by rolling-origin backtest: MAE and
    /// WAPE of seasonal-naive, the seasonal profile and gradient boosting
    Backtest(BacktestArgs),
}

#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// The CSV file, or - for standard input
    #[arg(long, value_name = "FILE")]
    pub csv: PathBuf,
    #[command(flatten)]
    pub columns: CsvArgs,
    /// Bucket width: 5m, 15m, 1h… [default: the file's own spacing]
    #[arg(long, value_name = "STEP", value_parser = parse_step)]
    pub step: Option<u32>,
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

/// `4h`, `90m`, `1d`: in seconds, up to two days.
fn parse_horizon(s: &str) -> Result<u32, String> {
    let secs = match s.strip_suffix('d') {
        Some(days) => days
            .parse::<u32>()
            .map(|d| d * 86_400)
            .map_err(|_| format!("'{s}' is not a horizon (e.g. 4h)"))?,
        None => parse_step(s)?,
    };
    if secs > 2 * 86_400 {
        return Err(format!("'{s}': at most two days ahead"));
    }
    Ok(secs)
}

pub fn run(args: &ForecastArgs, cfg: &Config) -> CliResult {
    match &args.command {
        Some(ForecastCommand::Backtest(b)) => backtest(b, cfg),
        None => ahead(args, cfg),
    }
}

/// Said instead of an empty table before the first sync.
pub(crate) const NO_WINDOWS: &str =
    "no service windows yet: `carrel sync` fetches them from the sensor API";

fn ahead(args: &ForecastArgs, cfg: &Config) -> CliResult {
    let store = open_store(cfg)?;
    let (windows, _) = reads::service_points(&store)?;
    let ids: Vec<String> = match &args.window {
        Some(w) if windows.iter().any(|x| &x.id == w) => vec![w.clone()],
        Some(w) => {
            return Err(CliError::BadInput(format!(
                "--window: no window '{w}' (see `carrel queues`)"
            )));
        }
        None => windows.iter().map(|w| w.id.clone()).collect(),
    };
    let plan = Plan {
        step_s: cfg.settings.feeds.sensor.arrivals_step_s,
        history_weeks: cfg.settings.queues.history_weeks,
        horizon: Duration::seconds(i64::from(args.horizon)),
        tz: cfg.timezone,
    };
    let now = reads::sensor_now(&store)?;
    let mut out = Vec::new();
    for id in ids {
        let series = history(&store, &id, &plan, now)?;
        match compute(&series, &plan) {
            Ok((report, fc)) => {
                out.push(serde_json::json!({ "window": id, "backtest": report, "forecast": fc }))
            }
            Err(e) => out.push(serde_json::json!({ "window": id, "error": e.to_string() })),
        }
    }
    if args.json {
        return print_json(
            &serde_json::json!({ "generated_at": Utc::now(), "sensor_time": now, "windows": out }),
        );
    }
    if out.is_empty() {
        println!("{NO_WINDOWS}");
    }
    for w in &out {
        let id = w["window"].as_str().unwrap_or("?");
        if let Some(e) = w["error"].as_str() {
            println!("{id}: no forecast: {e}");
            continue;
        }
        let report: BacktestReport = serde_json::from_value(w["backtest"].clone())
            .map_err(|e| CliError::Failed(e.to_string()))?;
        let fc: forecast::Forecast = serde_json::from_value(w["forecast"].clone())
            .map_err(|e| CliError::Failed(e.to_string()))?;
        let chosen = report.scores.iter().find(|s| s.model == report.chosen);
        let naive = report.scores.iter().find(|s| s.model == ModelKind::SeasonalNaive);
        println!(
            "{id}: {} (backtest MAE {:.2}, seasonal-naive {:.2})",
            report.chosen.name(),
            chosen.map_or(f64::NAN, |s| s.mae),
            naive.map_or(f64::NAN, |s| s.mae)
        );
        let mut t = Table::new(&[
            ("FROM", Align::Left),
            ("ARRIVALS", Align::Right),
            ("80% RANGE", Align::Right),
        ]);
        for i in 0..fc.mean.len() {
            let at = fc.start + Duration::seconds(i64::from(fc.step_s) * i as i64);
            t.row(vec![
                at.with_timezone(&cfg.timezone).format("%a %H:%M").to_string(),
                format!("{:.1}", fc.mean[i]),
                format!(
                    "{:.0}–{:.0}",
                    fc.lower.get(i).copied().unwrap_or(0.0),
                    fc.upper.get(i).copied().unwrap_or(0.0)
                ),
            ]);
        }
        print!("{}", t.render());
    }
    Ok(())
}

fn backtest(args: &BacktestArgs, cfg: &Config) -> CliResult {
    let counts = read_counts(&args.csv, &args.columns, cfg)?;
    let times: Vec<_> = counts.iter().map(|c| c.at).collect();
    let step = args.step.or_else(|| detect_step(&times)).unwrap_or(3600);
    if 86_400 % step != 0 {
        return Err(CliError::BadInput(format!("--step {step} s does not divide a day")));
    }
    let buckets = bucketize(counts.iter().map(|c| (c.at, c.count)), step);
    let (Some(first), Some(last)) = (buckets.first(), buckets.last()) else {
        return Err(CliError::BadInput(format!("{}: no rows", args.csv.display())));
    };
    let n = usize::try_from((last.0 - first.0).num_seconds() / i64::from(step) + 1).unwrap_or(0);
    let mut values = vec![f64::NAN; n];
    for (at, v) in &buckets {
        if let Some(slot) = usize::try_from((*at - first.0).num_seconds() / i64::from(step))
            .ok()
            .and_then(|i| values.get_mut(i))
        {
            *slot = *v;
        }
    }
    let tz = args.columns.tz.unwrap_or(cfg.timezone);
    let series = Series::new(first.0, step, values)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", args.csv.display())))?;
    let started = std::time::Instant::now();
    let report = forecast::backtest(&series, &BacktestOptions::for_step(step, tz))
        .map_err(|e| CliError::BadInput(format!("{}: {e}", args.csv.display())))?;
    let took = started.elapsed();
    if args.json {
        return print_json(&report);
    }
    let naive = report
        .scores
        .iter()
        .find(|s| s.model == ModelKind::SeasonalNaive)
        .map_or(f64::NAN, |s| s.mae);
    println!(
        "{}: {} rows in buckets of {} min; {} origins, {}-step horizon; {:.1} s",
        args.csv.display(),
        counts.len(),
        step / 60,
        report.origins,
        report.horizon_steps,
        took.as_secs_f64()
    );
    let mut t = Table::new(&[
        ("MODEL", Align::Left),
        ("MAE", Align::Right),
        ("WAPE", Align::Right),
        ("VS NAIVE", Align::Right),
        ("POINTS", Align::Right),
        ("", Align::Left),
    ]);
    for s in &report.scores {
        t.row(vec![
            s.model.name().into(),
            format!("{:.2}", s.mae),
            format!("{:.1}%", s.wape * 100.0),
            format!("{:+.1}%", (s.mae / naive - 1.0) * 100.0),
            s.points.to_string(),
            if s.model == report.chosen { "chosen".into() } else { String::new() },
        ]);
    }
    print!("{}", t.render());
    Ok(())
}
