//! `carrel alerts`: list privacy-risk alerts, show one with its evidence, acknowledge, resolve
//! or escalate it, and run the rules now. `carrel purge`: retention, dry run unless confirmed.

use chrono::Utc;

use super::table::{Align, Table};
use super::time::clock;
use super::{CliError, CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::domain::alerts::{Alert, AlertAction, AlertState};
use crate::domain::sanitize::clean_text;
use crate::domain::units::{ago, count};
use crate::services::alerts;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AlertsArgs {
    #[command(subcommand)]
    pub command: Option<AlertsCommand>,
    /// Only alerts in this state: open, acknowledged, escalated, resolved [default: all but resolved]
    #[arg(long, value_name = "S", value_parser = parse_state)]
    pub state: Option<AlertState>,
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum AlertsCommand {
    /// One alert with its history and the audit entries that are its evidence
    Show {
        /// The alert's number, from `carrel alerts`
        id: u64,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge: someone is looking into it
    Ack(ActArgs),
    /// Resolve, saying what was done
    Resolve(ActArgs),
    /// Hand it to the governance committee
    Escalate(ActArgs),
    /// Run the privacy rules now over the whole audit log and the store
    Check {
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct ActArgs {
    /// The alert's number, from `carrel alerts`
    pub id: u64,
    /// Why, or what was done (required to resolve)
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub note: String,
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

fn parse_state(s: &str) -> Result<AlertState, String> {
    AlertState::parse(s)
        .ok_or_else(|| format!("'{s}' is not a state (open, acknowledged, escalated, resolved)"))
}

pub fn run(args: &AlertsArgs, cfg: &Config) -> CliResult {
    let mut store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    match &args.command {
        None => {
            let list = alerts::list(&mut store, &who, args.state)?;
            if args.json {
                return print_json(&list);
            }
            print_list(&list, args.state, cfg);
            Ok(())
        }
        Some(AlertsCommand::Show { id, json }) => {
            let d = alerts::detail(&mut store, &who, *id)?;
            if *json {
                return print_json(&d);
            }
            print_alert(&d.alert, cfg);
            println!("\nhistory:");
            for e in &d.events {
                let at = e.at.with_timezone(&cfg.timezone).format("%Y-%m-%d %H:%M");
                println!(
                    "  {at}  {:<12} {:<14} {}",
                    clean_text(&e.actor, 12),
                    e.action,
                    clean_text(&e.note, 200)
                );
            }
            if d.alert.evidence.is_empty() {
                println!("\nevidence: a condition of the store, not of the audit log");
            } else {
                println!(
                    "\nevidence ({} audit entries; the first and last 25 are kept):",
                    d.evidence.len()
                );
            }
            for e in &d.evidence {
                let n = &e.entry;
                let at = n.at.with_timezone(&cfg.timezone).format("%Y-%m-%d %H:%M:%S");
                println!(
                    "  #{:<7} {at}  {:<12} {:<14} {} {}",
                    e.seq,
                    clean_text(&n.actor, 12),
                    clean_text(&n.action, 14),
                    clean_text(&n.object, 80),
                    if n.purpose.is_empty() {
                        String::new()
                    } else {
                        format!("(purpose {})", clean_text(&n.purpose, 40))
                    }
                );
            }
            Ok(())
        }
        Some(AlertsCommand::Ack(a)) => act(&mut store, &who, a, AlertAction::Acknowledge),
        Some(AlertsCommand::Resolve(a)) => act(&mut store, &who, a, AlertAction::Resolve),
        Some(AlertsCommand::Escalate(a)) => act(&mut store, &who, a, AlertAction::Escalate),
        Some(AlertsCommand::Check { json }) => {
            let settings = crate::engine::rules::settings(cfg).map_err(CliError::BadInput)?;
            let report = alerts::check_now(&mut store, &who, &settings, Utc::now())?;
            if *json {
                return print_json(&report);
            }
            println!(
                "checked {}: {}, {}, {} grown",
                count(report.entries, "audit entry", "audit entries"),
                count(report.findings, "finding", "findings"),
                count(report.raised.len(), "new alert", "new alerts"),
                report.updated.len()
            );
            Ok(())
        }
    }
}

fn act(
    store: &mut crate::store::Store,
    who: &crate::services::identity::Actor,
    a: &ActArgs,
    action: AlertAction,
) -> CliResult {
    let alert = alerts::act(store, who, a.id, action, &a.note, Utc::now())?;
    if a.json {
        return print_json(&alert);
    }
    println!("alert {} is now {}", alert.id, alert.state.as_str());
    Ok(())
}

fn print_list(list: &[Alert], state: Option<AlertState>, cfg: &Config) {
    if list.is_empty() {
        let which = state.map_or("active".to_owned(), |s| s.as_str().to_owned());
        println!("no {which} alerts");
        return;
    }
    let now = Utc::now();
    use Align::{Left, Right};
    let mut t = Table::new(&[
        ("ID", Right),
        ("SEVERITY", Left),
        ("STATE", Left),
        ("RULE", Left),
        ("COUNT", Right),
        ("LAST SEEN", Left),
        ("SUMMARY", Left),
    ]);
    for a in list {
        t.row(vec![
            a.id.to_string(),
            a.severity.as_str().to_owned(),
            a.state.as_str().to_owned(),
            a.rule.as_str().to_owned(),
            a.count.to_string(),
            format!("{} ({})", clock(a.last_seen, now, cfg.timezone), ago(now - a.last_seen)),
            clean_text(&a.summary, 80),
        ]);
    }
    print!("{}", t.render());
}

fn print_alert(a: &Alert, cfg: &Config) {
    let at = |t: chrono::DateTime<Utc>| {
        t.with_timezone(&cfg.timezone).format("%Y-%m-%d %H:%M").to_string()
    };
    println!("alert {}: {} ({})", a.id, a.rule.title(), a.rule.as_str());
    println!("  severity   {}", a.severity.as_str());
    println!("  state      {}", a.state.as_str());
    println!(
        "  about      {}",
        clean_text(&crate::domain::alerts::subject(&a.key, cfg.timezone), 100)
    );
    println!("  summary    {}", clean_text(&a.summary, 300));
    let times = if a.count == 1 { "once".to_owned() } else { format!("{} times", a.count) };
    println!("  seen       {} to {} ({times})", at(a.first_seen), at(a.last_seen));
    println!("  raised     {}", at(a.raised));
}
