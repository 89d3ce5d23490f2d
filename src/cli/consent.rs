//! `carrel consent`: a patron's consent to profiling and recommendations, shown with its
//! history, granted or withdrawn at the desk. The patron is named by card number (`-` reads it
//! from standard input, out of the shell's history); only its pseudonym is stored or logged.

use super::table::{Align, Table};
use super::{CliError, CliResult, actor, load_keys, open_store, print_json};
use crate::config::Config;
use crate::domain::consent::ConsentPurpose;
use crate::services::consent;

#[derive(Debug, clap::Subcommand)]
pub enum ConsentCommand {
    /// A patron's consent now and every change before (desk, committee, auditor)
    Show {
        /// The patron's card number, or - to read it from standard input
        card: String,
        /// profiling or recommendations [default: both]
        #[arg(long, value_name = "P", value_parser = ConsentPurpose::parse)]
        purpose: Option<ConsentPurpose>,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Record that the patron consents to a purpose (desk)
    Grant(ChangeArgs),
    /// Record that the patron withdraws consent to a purpose, effective at once (desk)
    Withdraw(ChangeArgs),
}

#[derive(Debug, clap::Args)]
pub struct ChangeArgs {
    /// The patron's card number, or - to read it from standard input
    pub card: String,
    /// profiling or recommendations
    #[arg(long, value_name = "P", value_parser = ConsentPurpose::parse)]
    pub purpose: ConsentPurpose,
    /// Why or how, kept with the change (not with the audit entry)
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub note: String,
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

/// Longest line read from standard input for a card: far more than any card, far less than
/// a line without end.
const MAX_CARD_LINE: usize = 1024;

/// The card from the argument, or from the first line of standard input for `-`.
fn card(arg: &str) -> CliResult<String> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let line = crate::input::stdin_line(MAX_CARD_LINE).map_err(|e| {
        CliError::BadInput(format!("cannot read the card from standard input: {}", e.problem))
    })?;
    Ok(line.trim().to_owned())
}

pub fn run(command: &ConsentCommand, cfg: &Config) -> CliResult {
    let mut store = open_store(cfg)?;
    let keys = load_keys(cfg, &store)?;
    let who = actor(cfg, &store)?;
    let tz = cfg.timezone;
    let time = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    match command {
        ConsentCommand::Show { card: c, purpose, json } => {
            let view = consent::show(&mut store, &who, &keys, &card(c)?, *purpose)?;
            let mode = cfg.consent_mode();
            if *json {
                return print_json(&serde_json::json!({
                    "pseudonym": view.pseudonym, "mode": mode, "current": view.current,
                    "history": view.history,
                }));
            }
            println!("patron {}", view.pseudonym);
            println!("consent mode: {mode} ({})", mode.meaning());
            for c in &view.current {
                let state = match (c.granted, c.since) {
                    (Some(true), Some(t)) => format!("granted since {}", time(t)),
                    (Some(false), Some(t)) => format!("withdrawn since {}", time(t)),
                    _ => "never recorded (counts as not given)".to_owned(),
                };
                println!("  {:<16} {state}", c.purpose.as_str());
            }
            if view.history.is_empty() {
                println!("no changes recorded");
                return Ok(());
            }
            let mut t = Table::new(&[
                ("TIME", Align::Left),
                ("PURPOSE", Align::Left),
                ("CHANGE", Align::Left),
                ("BY", Align::Left),
                ("SOURCE", Align::Left),
                ("NOTE", Align::Left),
            ]);
            for h in &view.history {
                t.row(vec![
                    time(h.at),
                    h.purpose.to_string(),
                    if h.granted { "granted" } else { "withdrawn" }.to_owned(),
                    h.by.clone(),
                    h.source.to_string(),
                    h.note.clone(),
                ]);
            }
            println!("history:");
            print!("{}", t.render());
            Ok(())
        }
        ConsentCommand::Grant(args) | ConsentCommand::Withdraw(args) => {
            let granted = matches!(command, ConsentCommand::Grant(_));
            let change = consent::change(
                &mut store,
                &who,
                &keys,
                &card(&args.card)?,
                args.purpose,
                granted,
                &args.note,
            )?;
            if args.json {
                return print_json(&change);
            }
            println!(
                "consent to {} {} for patron {} at {}",
                change.purpose,
                if granted { "granted" } else { "withdrawn" },
                change.pseudonym,
                time(change.at)
            );
            Ok(())
        }
    }
}
