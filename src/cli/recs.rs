//! `carrel recs`: the local recommenders. `recs backtest` compares them with popularity by
//! time-ordered leave-last-out on any CSV of interactions (user, item, optional time) and says
//! which it chooses; it needs no database.

use std::path::PathBuf;

use chrono_tz::Tz;

use super::import::{parse_delimiter, parse_tz};
use super::table::{Align, Table};
use super::{CliError, CliResult, print_json};
use crate::config::Config;
use crate::domain::recs::{self, BacktestOptions, LogOptions, ModelKind, Order};
use crate::input;

#[derive(Debug, clap::Subcommand)]
pub enum RecsCommand {
    /// Evaluate the local recommenders (item-based CF, EASE^R) against popularity by
    /// time-ordered leave-last-out on a CSV of interactions: precision@10, recall@10, nDCG@10,
    /// catalogue coverage and long-tail share; the model with the highest nDCG@10 is chosen
    Backtest(BacktestArgs),
}

#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// The CSV file: a header line, one row per interaction (a loan, a rating, a view); - for
    /// standard input
    #[arg(long, value_name = "FILE")]
    pub interactions: PathBuf,
    /// Column holding the user (patron)
    #[arg(long, value_name = "C")]
    pub user_col: String,
    /// Column holding the item
    #[arg(long, value_name = "C")]
    pub item_col: String,
    /// Column holding the time (RFC 3339, `YYYY-MM-DD HH:MM[:SS]`, or Unix seconds) [default:
    /// none; the file's order is the order in time]
    #[arg(long, value_name = "C")]
    pub time_col: Option<String>,
    /// Field delimiter: one character, or `tab`
    #[arg(long, value_name = "D", default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
    /// Time zone of times written without an offset [default: the library's]
    #[arg(long, value_name = "ZONE", value_parser = parse_tz)]
    pub tz: Option<Tz>,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(command: &RecsCommand, cfg: &Config) -> CliResult {
    match command {
        RecsCommand::Backtest(args) => backtest(args, cfg),
    }
}

fn backtest(args: &BacktestArgs, cfg: &Config) -> CliResult {
    let path = &args.interactions;
    let bytes = input::read(path, &input::CSV)?;
    let opts = LogOptions {
        user_col: args.user_col.clone(),
        item_col: args.item_col.clone(),
        time_col: args.time_col.clone(),
        delimiter: args.delimiter,
        tz: args.tz.unwrap_or(cfg.timezone),
    };
    let log = recs::parse_log(&bytes, &opts).map_err(|e| {
        let lines: Vec<String> =
            e.to_string().lines().map(|l| format!("{}: {l}", path.display())).collect();
        CliError::BadInput(lines.join("\n"))
    })?;
    drop(bytes);
    let started = std::time::Instant::now();
    let report = recs::backtest(&log, &BacktestOptions::default())
        .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?;
    let took = started.elapsed();
    if args.json {
        return print_json(&report);
    }
    let order = match report.order {
        Order::Time => format!("by '{}'", args.time_col.as_deref().unwrap_or("time")),
        Order::File => "by file order".to_owned(),
    };
    println!(
        "{}: {} interactions, {} users, {} items; last interaction of each user held out {order}; \
         {} users evaluated, {} with fewer than two items skipped; {:.1} s",
        path.display(),
        report.interactions,
        report.users,
        report.items,
        report.users_evaluated,
        report.users_skipped,
        took.as_secs_f64()
    );
    let k = report.k;
    let precision = format!("PRECISION@{k}");
    let recall = format!("RECALL@{k}");
    let ndcg = format!("NDCG@{k}");
    let mut t = Table::new(&[
        ("MODEL", Align::Left),
        (&precision, Align::Right),
        (&recall, Align::Right),
        (&ndcg, Align::Right),
        ("COVERAGE", Align::Right),
        ("LONG-TAIL SHARE", Align::Right),
        ("USERS EVALUATED", Align::Right),
    ]);
    for s in &report.models {
        t.row(vec![
            s.model.name().into(),
            format!("{:.4}", s.precision),
            format!("{:.4}", s.recall),
            format!("{:.4}", s.ndcg),
            format!("{:.2}%", s.coverage * 100.0),
            format!("{:.1}%", s.long_tail_share * 100.0),
            s.users_evaluated.to_string(),
        ]);
    }
    print!("{}", t.render());
    let simplest: Vec<&str> = ModelKind::SIMPLEST_FIRST.iter().map(|m| m.name()).collect();
    println!(
        "chosen: {} (the highest NDCG@{k}; on a tie the simpler model, in the order {})",
        report.chosen.name(),
        simplest.join(", ")
    );
    println!(
        "item-based CF: {} neighbours per item. EASE^R: lambda {}, over the {} items with at least \
         {} (at most {}). Head: the {} most popular items, holding {:.0}% of the training \
         interactions; the long-tail share is the share of recommendations outside it.",
        report.item_knn.neighbours,
        report.ease.lambda,
        report.ease_items,
        crate::domain::units::count(report.ease_min_users, "user", "users"),
        report.ease.max_items,
        report.head_items,
        report.head_share * 100.0
    );
    Ok(())
}
