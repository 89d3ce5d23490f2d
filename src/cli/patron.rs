//! `carrel patron show CARD`: the desk's view of a patron — what the desk needs, the interest
//! profile with the patron's consent to profiling, and recommendations with their consent to
//! those: from the recommendation API when it answers in time, else from carrel's own model,
//! marked as such.

use chrono::Utc;
use serde::Serialize;

use super::{CliError, CliResult, actor, load_keys, open_store, print_json};
use crate::config::Config;
use crate::domain::interest::Source;
use crate::domain::sanitize::clean_text;
use crate::engine::desk::{self as engine, Served};
use crate::services::desk::{self, DeskSettings, Gate, Lookup, Provenance};

#[derive(Debug, clap::Subcommand)]
pub enum PatronCommand {
    /// Look a patron up by card, saying why (audited): profile and recommendations with consent
    Show {
        /// The patron's card number, as printed on the card
        card: String,
        /// Why you look them up: circulation, account, request:ID, …
        #[arg(long, default_value = "circulation")]
        purpose: String,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
}

/// The desk's settings from the configuration.
pub fn settings(cfg: &Config, store: &crate::store::Store) -> CliResult<DeskSettings> {
    let p = &cfg.settings.patrons;
    let zone_subjects = if p.zone_subjects.is_empty() {
        crate::services::catalog::zone_subjects(store)?
    } else {
        p.zone_subjects.clone()
    };
    Ok(DeskSettings {
        consent_mode: cfg.consent_mode(),
        weights: p.weights(),
        half_life: chrono::Duration::days(i64::from(p.half_life_days)),
        zone_subjects,
    })
}

#[derive(Debug, Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    lookup: &'a Lookup,
    recommendations: Option<&'a Served>,
}

/// Recommendations for `pseudonym`: the API's when it is configured and answers in time, else
/// the local model's.
fn fetch(cfg: &Config, store: &crate::store::Store, pseudonym: &str, k: u32) -> CliResult<Served> {
    let sources =
        crate::feeds::Sources::from_config(cfg).map_err(|e| CliError::Failed(e.to_string()))?;
    let runtime = super::runtime()?;
    let answer = runtime.block_on(engine::ask_api(sources.recs(), pseudonym, k, engine::RECS_WAIT));
    Ok(engine::served(store, pseudonym, k, answer)?)
}

pub fn run(command: &PatronCommand, cfg: &Config) -> CliResult {
    let PatronCommand::Show { card, purpose, json } = command;
    let mut store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    let keys = load_keys(cfg, &store)?;
    let desk_settings = settings(cfg, &store)?;
    let lookup = desk::lookup(&mut store, &who, &keys, card, purpose, &desk_settings, Utc::now())?;
    let served = if lookup.recommendations_gate.shows() {
        let s = fetch(cfg, &store, &lookup.pseudonym, cfg.settings.patrons.recommendations)?;
        let ids: Vec<String> = s.items.iter().map(|r| r.item_id.clone()).collect();
        let gate = desk::serve(
            &mut store,
            &who,
            &lookup.pseudonym,
            &ids,
            &s.provenance,
            cfg.consent_mode(),
        )?;
        gate.shows().then_some(s)
    } else {
        // Withheld for want of consent: logged as refused like any other attempt.
        let none = Provenance {
            source: "none".into(),
            model_version: String::new(),
            training_mode: String::new(),
        };
        desk::serve(&mut store, &who, &lookup.pseudonym, &[], &none, cfg.consent_mode())?;
        None
    };
    if *json {
        return print_json(&Shown { lookup: &lookup, recommendations: served.as_ref() });
    }
    print(&lookup, served.as_ref(), cfg);
    Ok(())
}

fn print(l: &Lookup, served: Option<&Served>, cfg: &Config) {
    let p = &l.patron;
    let day =
        |t: chrono::DateTime<Utc>| t.with_timezone(&cfg.timezone).format("%Y-%m-%d").to_string();
    println!("{} — card {}", clean_text(&p.name, 60), clean_text(&p.card, 20));
    println!("  category     {}", clean_text(&p.category, 30));
    println!("  state        {}", p.state.as_str());
    println!("  email        {}", p.email.as_deref().map_or("—".into(), |e| clean_text(e, 80)));
    println!("  joined       {}", day(p.joined));
    println!("  last active  {}", day(p.last_active));
    println!("  loans out    {}", p.loans_out);
    for c in &p.consent {
        let state = match c.granted {
            Some(true) => "granted",
            Some(false) => "withdrawn",
            None => "never given",
        };
        let since = c.since.map(|t| format!(" since {}", day(t))).unwrap_or_default();
        println!("  consent      {:<16} {state}{since}", c.purpose.as_str());
    }
    println!();
    match &l.profile_gate {
        Gate::Refused { reason } => println!("interest profile: withheld — {reason}"),
        g => {
            let flag = if *g == Gate::Flagged {
                " (no consent; shown under the permissive mode and flagged)"
            } else {
                ""
            };
            println!("interest profile{flag} — share of loans / searches / visits:");
            if l.profile.is_empty() {
                println!("  nothing to go on yet");
            }
            let top = l.profile.first().map_or(1.0, |s| s.score.max(f64::MIN_POSITIVE));
            for s in l.profile.iter().take(8) {
                let bar = "█".repeat(((s.score / top) * 20.0).round() as usize);
                println!(
                    "  {:<16} {:<20} {:>6.3}  {:>3.0}% / {:>3.0}% / {:>3.0}%",
                    clean_text(&s.subject, 16),
                    bar,
                    s.score,
                    100.0 * s.share(Source::Loans),
                    100.0 * s.share(Source::Searches),
                    100.0 * s.share(Source::Visits)
                );
            }
        }
    }
    println!();
    match (served, &l.recommendations_gate) {
        (None, Gate::Refused { reason }) => println!("recommendations: withheld — {reason}"),
        (None, _) => {
            println!("recommendations: withheld — consent changed while they were fetched")
        }
        (Some(s), _) => {
            match &s.fallback_reason {
                Some(why) => println!(
                    "recommendations: LOCAL FALLBACK ({}; {}) — {why}",
                    s.provenance.model_version, s.provenance.training_mode
                ),
                None => println!(
                    "recommendations: from the recommendation API, model {} ({})",
                    clean_text(&s.provenance.model_version, 40),
                    clean_text(&s.provenance.training_mode, 20)
                ),
            }
            for (i, r) in s.items.iter().enumerate() {
                println!(
                    "  {:>2}. {:<50} {}",
                    i + 1,
                    clean_text(&r.title, 50),
                    clean_text(&r.reasons.join(", "), 60)
                );
            }
        }
    }
}
