//! `carrel review`: the audit review queue (next item, verdicts) and `carrel report`:
//! transparency reports and the ε ledger.

use chrono::Utc;

use super::{CliError, CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::domain::dlaplace::Epsilon;
use crate::domain::governance::{ReportPeriod, Verdict};
use crate::domain::sanitize::clean_text;
use crate::services::review::{self, ReviewCase};
use crate::services::transparency::{self, Report, ReportSettings};

#[derive(Debug, clap::Subcommand)]
pub enum ReviewCommand {
    /// The next audit entry for you to review (the day's sample is taken first when due)
    Next {
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Mark an item justified or unjustified (unjustified needs --note and raises an alert)
    Mark {
        /// The review item's number, from `carrel review next`
        id: u64,
        /// justified or unjustified
        #[arg(value_parser = parse_verdict)]
        verdict: Verdict,
        /// Why (required for unjustified)
        #[arg(long, value_name = "TEXT", default_value = "")]
        note: String,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Noisy counts per subject, zone and service for a period, charged to the ε ledger
    Transparency {
        /// YYYY-MM, YYYY-Qn or YYYY, in library time
        #[arg(long, value_name = "P", value_parser = ReportPeriod::parse)]
        period: ReportPeriod,
        /// The privacy loss to spend (0.001 to 10, at most three decimals)
        #[arg(long, value_name = "E", value_parser = Epsilon::parse)]
        epsilon: Epsilon,
        /// Run under this approved aggregate request (as its requester) instead of as a
        /// committee member
        #[arg(long, value_name = "ID")]
        request: Option<u64>,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// The ε ledger: what each dataset has spent per month of data, against the budget
    Ledger {
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
}

fn parse_verdict(s: &str) -> Result<Verdict, String> {
    Verdict::parse(s).ok_or_else(|| format!("'{s}' is not a verdict (justified, unjustified)"))
}

pub fn run_review(command: &ReviewCommand, cfg: &Config) -> CliResult {
    let mut store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    match command {
        ReviewCommand::Next { json } => {
            crate::services::audit::authorize(
                &mut store,
                &who,
                crate::domain::policy::Permission::ReviewAccess,
                "review",
            )?;
            review::fill(&mut store, crate::engine::rules::review_settings(cfg), Utc::now())?;
            let next = review::next(&mut store, &who)?;
            if *json {
                return print_json(&next);
            }
            match next {
                None => println!("nothing to review"),
                Some(c) => print_case(&c, cfg),
            }
            Ok(())
        }
        ReviewCommand::Mark { id, verdict, note, json } => {
            if *verdict == Verdict::Unjustified && note.trim().is_empty() {
                return Err(CliError::BadInput(format!(
                    "review mark {id} unjustified: --note is required (say why)"
                )));
            }
            let c = review::mark(&mut store, &who, *id, *verdict, note, Utc::now())?;
            if *json {
                return print_json(&c);
            }
            match c.item.raised {
                Some(a) => println!("item {id} marked {}; raised alert {a}", verdict.as_str()),
                None => println!("item {id} marked {}", verdict.as_str()),
            }
            Ok(())
        }
    }
}

fn print_case(c: &ReviewCase, cfg: &Config) {
    let i = &c.item;
    let source = match (i.source, i.alert_id, &i.day) {
        (review::ReviewSource::Alert, Some(a), _) => format!("evidence of alert {a}"),
        (_, _, Some(d)) => format!("sampled from {d}"),
        _ => "sampled".to_owned(),
    };
    println!("review item {} ({source})", i.id);
    if let Some(a) = &i.assignee {
        println!("  assigned to  {}", clean_text(a, 40));
    }
    match &c.entry {
        Some(e) => {
            let n = &e.entry;
            let at = n.at.with_timezone(&cfg.timezone).format("%Y-%m-%d %H:%M:%S");
            println!("  entry        #{} at {at}", e.seq);
            println!("  who          {} ({})", clean_text(&n.actor, 40), clean_text(&n.role, 20));
            println!("  did          {} {}", clean_text(&n.action, 40), clean_text(&n.object, 80));
            if !n.purpose.is_empty() {
                println!("  purpose      {}", clean_text(&n.purpose, 200));
            }
            if !n.details.is_empty() {
                println!("  details      {}", clean_text(&n.details, 300));
            }
        }
        None => println!("  entry        #{} (no longer in the log)", i.seq),
    }
    println!("\nmark it: carrel review mark {} justified | unjustified --note TEXT", i.id);
}

pub fn run_report(command: &ReportCommand, cfg: &Config) -> CliResult {
    let mut store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    let budget = cfg.settings.governance.budget().map_err(CliError::BadInput)?;
    match command {
        ReportCommand::Transparency { period, epsilon, request, json } => {
            let settings = ReportSettings { tz: cfg.timezone, budget };
            let report = transparency::transparency(
                &mut store,
                &who,
                settings,
                period,
                *epsilon,
                *request,
                Utc::now(),
                &mut rand::rngs::OsRng,
            )?;
            if *json {
                return print_json(&report);
            }
            print_report(&report);
            Ok(())
        }
        ReportCommand::Ledger { json } => {
            let lines = transparency::ledger(&mut store, &who, budget)?;
            if *json {
                return print_json(&lines);
            }
            if lines.is_empty() {
                println!("nothing spent; each dataset may spend ε {budget} per month of data");
                return Ok(());
            }
            println!("{:<10} {:<8} {:>8} {:>8}", "DATASET", "MONTH", "SPENT", "BUDGET");
            for l in lines {
                println!("{:<10} {:<8} {:>8} {:>8}", l.dataset, l.month, l.spent, l.budget);
            }
            Ok(())
        }
    }
}

fn print_report(r: &Report) {
    let last = r.period.end.pred_opt().unwrap_or(r.period.end);
    println!(
        "transparency report {} ({} to {}){}",
        r.period.label,
        r.period.start,
        last,
        r.request.map(|id| format!(" under request {id}")).unwrap_or_default()
    );
    println!(
        "noise: {} per count, ε = {}, scale b = 1/ε = {:.3}, variance {:.2}; sensitivity {} (one loan, visit or arrival changes one count by one); counts may be negative",
        r.noise.mechanism, r.noise.epsilon, r.noise.scale, r.noise.variance, r.noise.sensitivity
    );
    for t in &r.tables {
        println!("\n{} by {}:", t.dataset.as_str(), t.by);
        for c in &t.counts {
            let label = match &c.name {
                Some(name) => crate::domain::layout::zone_label(&c.key, name),
                None => c.key.clone(),
            };
            println!("  {:<36} {:>8}", clean_text(&label, 36), c.count);
        }
    }
    println!("\nε ledger after this report:");
    for l in &r.ledger {
        println!("  {:<10} {}  spent {} of {}", l.dataset, l.month, l.spent, l.budget);
    }
}
