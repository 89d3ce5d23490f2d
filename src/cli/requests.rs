//! `carrel requests`: data requests to the governance committee — list, show, file, submit,
//! approve, deny, withdraw.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::table::{Align, Table};
use super::time::age as short_age;
use super::{CliError, CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::domain::dlaplace::Epsilon;
use crate::domain::governance::{DataKind, DataRequest, LegalBasis, MilliEps, NewRequest, Scope};
use crate::domain::quorum::RequestState;
use crate::domain::sanitize::clean_text;
use crate::domain::staff::Party;
use crate::services::requests;

#[derive(Debug, clap::Subcommand)]
pub enum RequestsCommand {
    /// Requests, newest first
    List {
        /// Only requests in this state: draft, submitted, approved, denied, expired, withdrawn
        #[arg(long, value_name = "S", value_parser = parse_state)]
        state: Option<RequestState>,
        /// Only those waiting for your vote
        #[arg(long)]
        waiting: bool,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// One request with each party's vote
    Show {
        /// The request's number, from `carrel requests list`
        id: u64,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// File a request: submitted for the committee's votes at once unless --draft
    File(FileArgs),
    /// Submit your draft for votes
    Submit {
        /// The request's number, from `carrel requests list`
        id: u64,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Approve, for the committee party you sit for
    Approve(VoteArgs),
    /// Deny, for the committee party you sit for (a reason is required)
    Deny(VoteArgs),
    /// Withdraw your own request while it is a draft or waiting for votes
    Withdraw {
        /// The request's number, from `carrel requests list`
        id: u64,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct VoteArgs {
    /// The request's number, from `carrel requests list`
    pub id: u64,
    /// Why (required to deny)
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub reason: String,
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct FileArgs {
    /// A short title
    #[arg(long)]
    pub title: String,
    /// What the data is for
    #[arg(long)]
    pub purpose: String,
    /// Data kinds, comma-separated: patrons, loans, searches, visits, consent, arrivals
    #[arg(long, value_name = "KINDS", value_delimiter = ',', value_parser = parse_kind, required = true)]
    pub kinds: Vec<DataKind>,
    /// The fields wanted, comma-separated (minimum necessary)
    #[arg(long, value_name = "FIELDS", value_delimiter = ',', required = true)]
    pub fields: Vec<String>,
    /// row_level or aggregate
    #[arg(long, value_parser = parse_scope)]
    pub scope: Scope,
    /// For aggregates: the ε asked (0.001 to 10, at most three decimals)
    #[arg(long, value_name = "E", value_parser = Epsilon::parse)]
    pub epsilon: Option<Epsilon>,
    /// Days the result may be kept
    #[arg(long, value_name = "DAYS")]
    pub retention_days: u32,
    /// consent, contract, legal-obligation, vital-interests, public-task, legitimate-interests
    #[arg(long, value_parser = parse_basis)]
    pub legal_basis: LegalBasis,
    /// Last day the committee may decide it, YYYY-MM-DD in library time
    /// [default: [governance] request_open_days from today]
    #[arg(long, value_name = "DATE")]
    pub expires: Option<NaiveDate>,
    /// Keep it as a draft (submit later with `requests submit`)
    #[arg(long)]
    pub draft: bool,
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

fn parse_state(s: &str) -> Result<RequestState, String> {
    RequestState::parse(s).ok_or_else(|| {
        format!("'{s}' is not a state (draft, submitted, approved, denied, expired, withdrawn)")
    })
}

fn parse_kind(s: &str) -> Result<DataKind, String> {
    DataKind::parse(s.trim()).ok_or_else(|| {
        format!("'{s}' is not a data kind ({})", DataKind::ALL.map(DataKind::as_str).join(", "))
    })
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    Scope::parse(s).ok_or_else(|| format!("'{s}' is not a scope (row_level, aggregate)"))
}

fn parse_basis(s: &str) -> Result<LegalBasis, String> {
    LegalBasis::parse(s)
        .ok_or_else(|| format!("'{s}' is not a legal basis ({})", LegalBasis::names()))
}

/// The end of `day` in library time: the request expires when that day is over.
fn end_of_day(cfg: &Config, day: NaiveDate) -> DateTime<Utc> {
    let next = (day + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default();
    cfg.timezone
        .from_local_datetime(&next)
        .earliest()
        .map_or_else(|| next.and_utc(), |t| t.to_utc())
}

pub fn run(command: &RequestsCommand, cfg: &Config) -> CliResult {
    let mut store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    let now = Utc::now();
    match command {
        RequestsCommand::List { state, waiting, json } => {
            let mut list = requests::list(&mut store, &who, *state, now)?;
            if *waiting {
                let ids = requests::waiting_for(&list, &who);
                list.retain(|r| ids.contains(&r.id));
            }
            if *json {
                return print_json(&list);
            }
            print_list(&list, now);
            Ok(())
        }
        RequestsCommand::Show { id, json } => {
            let r = requests::show(&mut store, &who, *id, now)?;
            if *json {
                return print_json(&r);
            }
            print_request(&r, cfg);
            Ok(())
        }
        RequestsCommand::File(a) => {
            let today = now.with_timezone(&cfg.timezone).date_naive();
            let last_day = a.expires.unwrap_or(
                today + Duration::days(i64::from(cfg.settings.governance.request_open_days)),
            );
            let new = NewRequest {
                title: a.title.clone(),
                purpose: a.purpose.clone(),
                kinds: a.kinds.clone(),
                fields: a.fields.iter().map(|f| f.trim().to_owned()).collect(),
                scope: a.scope,
                retention_days: a.retention_days,
                legal_basis: a.legal_basis,
                expires: end_of_day(cfg, last_day),
                epsilon: a.epsilon.map(MilliEps::of),
            };
            let r = requests::file(&mut store, &who, &new, a.draft, now)?;
            if a.json {
                return print_json(&r);
            }
            println!(
                "request {} filed ({}); votes close {}",
                r.id,
                r.state.as_str(),
                r.expires.with_timezone(&cfg.timezone).format("%Y-%m-%d %H:%M")
            );
            Ok(())
        }
        RequestsCommand::Submit { id, json } => {
            let r = requests::submit(&mut store, &who, *id, now)?;
            done(&r, *json)
        }
        RequestsCommand::Withdraw { id, json } => {
            let r = requests::withdraw(&mut store, &who, *id, now)?;
            done(&r, *json)
        }
        RequestsCommand::Approve(v) => vote(&mut store, &who, v, true),
        RequestsCommand::Deny(v) => {
            if v.reason.trim().is_empty() {
                return Err(CliError::BadInput(format!(
                    "requests deny {}: --reason is required to deny",
                    v.id
                )));
            }
            vote(&mut store, &who, v, false)
        }
    }
}

fn done(r: &DataRequest, json: bool) -> CliResult {
    if json {
        return print_json(r);
    }
    println!("request {} is now {}", r.id, r.state.as_str());
    Ok(())
}

fn vote(
    store: &mut crate::store::Store,
    who: &crate::services::identity::Actor,
    v: &VoteArgs,
    approve: bool,
) -> CliResult {
    let out = requests::vote(store, who, v.id, approve, &v.reason, Utc::now())?;
    if v.json {
        return print_json(&out);
    }
    let verb = if approve { "approved" } else { "denied" };
    match out.decided {
        Some(s) => println!("you {verb} request {}; it is now {}", v.id, s.as_str()),
        None => println!(
            "you {verb} request {}; waiting for {}",
            v.id,
            out.request.waiting_for().iter().map(|p| p.label()).collect::<Vec<_>>().join(", ")
        ),
    }
    Ok(())
}

fn print_list(list: &[DataRequest], now: DateTime<Utc>) {
    if list.is_empty() {
        println!("no data requests");
        return;
    }
    use Align::{Left, Right};
    let mut t = Table::new(&[
        ("ID", Right),
        ("STATE", Left),
        ("SCOPE", Left),
        ("REQUESTER", Left),
        ("VOTES", Left),
        ("AGE", Right),
        ("TITLE", Left),
    ]);
    for r in list {
        t.row(vec![
            r.id.to_string(),
            r.state.as_str().to_owned(),
            r.scope.as_str().to_owned(),
            clean_text(&r.requester, 16),
            votes_cell(r),
            short_age(now - r.created),
            clean_text(&r.title, 60),
        ]);
    }
    print!("{}", t.render());
}

/// One mark per party: + approved, - denied, . waiting.
fn votes_cell(r: &DataRequest) -> String {
    Party::ALL
        .iter()
        .map(|p| {
            let vs: Vec<_> = r.votes.iter().filter(|v| v.party == Some(*p)).collect();
            if vs.iter().any(|v| !v.approve) {
                '-'
            } else if vs.is_empty() {
                '.'
            } else {
                '+'
            }
        })
        .collect()
}

fn print_request(r: &DataRequest, cfg: &Config) {
    let at = |t: DateTime<Utc>| t.with_timezone(&cfg.timezone).format("%Y-%m-%d %H:%M").to_string();
    println!("request {}: {}", r.id, clean_text(&r.title, 120));
    println!("  state        {}", r.state.as_str());
    println!("  requester    {}", clean_text(&r.requester, 40));
    println!("  purpose      {}", clean_text(&r.purpose, 400));
    println!(
        "  data         {}",
        r.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
    );
    println!("  fields       {}", clean_text(&r.fields.join(", "), 300));
    println!("  scope        {}", r.scope.as_str());
    if let Some(e) = r.epsilon {
        println!("  epsilon      {e}");
    }
    println!("  retention    {} days", r.retention_days);
    println!("  legal basis  {}", r.legal_basis.as_str());
    println!("  filed        {}", at(r.created));
    println!("  votes close  {}", at(r.expires));
    if let Some(d) = r.decided {
        println!("  decided      {}", at(d));
    }
    println!("\nvotes:");
    for p in Party::ALL {
        let vs: Vec<_> = r.votes.iter().filter(|v| v.party == Some(p)).collect();
        if vs.is_empty() {
            println!("  {:<15} waiting", p.label());
        }
        for v in vs {
            let verb = if v.approve { "approved" } else { "denied" };
            let reason = if v.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", clean_text(&v.reason, 300))
            };
            println!(
                "  {:<15} {verb} by {} at {}{reason}",
                p.label(),
                clean_text(&v.voter, 24),
                at(v.at)
            );
        }
    }
}
