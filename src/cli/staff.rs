//! `carrel staff`: the staff directory and the permission policy.

use chrono::Utc;

use super::table::{Align, Table};
use super::{CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::domain::committee::SeatChangeKind;
use crate::domain::policy::{self, Permission};
use crate::domain::quorum::{Needed, RequestState};
use crate::domain::staff::{Party, Role};
use crate::services::committee::{self, SeatChangeView, SeatVoteOutcome};
use crate::services::staff;

#[derive(Debug, clap::Subcommand)]
pub enum StaffCommand {
    /// List staff and their roles
    List {
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Add a staff member (by operating-system login; on PostgreSQL by database login, which
    /// is granted carrel_staff), or rename one
    Add {
        /// The staff member's login: operating-system login, or database login on PostgreSQL
        login: String,
        /// The name shown in the console
        #[arg(long)]
        name: String,
    },
    /// Grant a role: desk, sysadmin or auditor at once; a committee seat (with --party) is
    /// proposed, and takes effect when the committee approves it
    Grant {
        /// The staff member's login
        login: String,
        /// desk, sysadmin, committee or auditor
        #[arg(value_parser = parse_role)]
        role: Role,
        /// For committee: user_committee, library or supplier
        #[arg(long, value_parser = parse_party)]
        party: Option<Party>,
    },
    /// Revoke a role; the end of a committee seat is proposed, as its start
    Revoke {
        /// The staff member's login
        login: String,
        /// desk, sysadmin, committee or auditor
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Proposed changes to committee seats, with whose approval each waits for
    Changes {
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Approve a proposed change to a committee seat (for your party; or accept your own
    /// founding seat)
    Approve {
        /// The change's number, from `carrel staff changes`
        id: u64,
        /// Why (optional)
        #[arg(long, value_name = "TEXT", default_value = "")]
        reason: String,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Deny a proposed change to a committee seat, with a reason
    Deny {
        /// The change's number, from `carrel staff changes`
        id: u64,
        /// Why (required)
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Print the permission policy: which roles may do what
    Policy {
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse().map_err(|e: crate::domain::layout::UnknownName| e.to_string())
}

fn parse_party(s: &str) -> Result<Party, String> {
    s.parse().map_err(|e: crate::domain::layout::UnknownName| e.to_string())
}

pub fn run(command: &StaffCommand, cfg: &Config) -> CliResult {
    if let StaffCommand::Policy { json } = command {
        return print_policy(*json);
    }
    let mut store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    match command {
        StaffCommand::List { json } => {
            let list = staff::list(&mut store, &who)?;
            if *json {
                return print_json(&list);
            }
            let mut t = Table::new(&[
                ("LOGIN", Align::Left),
                ("NAME", Align::Left),
                ("ROLES", Align::Left),
            ]);
            for s in list {
                let roles: Vec<String> = s
                    .grants
                    .iter()
                    .map(|g| g.party.map_or(g.role.to_string(), |p| format!("{}:{p}", g.role)))
                    .collect();
                t.row(vec![s.login, s.display_name, roles.join(", ")]);
            }
            print!("{}", t.render());
            Ok(())
        }
        StaffCommand::Add { login, name } => {
            staff::add(&mut store, &who, login, name)?;
            println!("added {login}");
            Ok(())
        }
        StaffCommand::Grant { login, role: Role::Committee, party } => {
            let days = cfg.settings.governance.request_open_days;
            let c = committee::propose(
                &mut store,
                &who,
                login,
                SeatChangeKind::Grant,
                *party,
                days,
                Utc::now(),
            )?;
            print_proposed(&c);
            Ok(())
        }
        StaffCommand::Revoke { login, role: Role::Committee } => {
            let days = cfg.settings.governance.request_open_days;
            let c = committee::propose(
                &mut store,
                &who,
                login,
                SeatChangeKind::Revoke,
                None,
                days,
                Utc::now(),
            )?;
            print_proposed(&c);
            Ok(())
        }
        StaffCommand::Grant { login, role, party } => {
            staff::grant(&mut store, &who, login, *role, *party)?;
            println!("granted {role} to {login}");
            Ok(())
        }
        StaffCommand::Revoke { login, role } => {
            staff::revoke(&mut store, &who, login, *role)?;
            println!("revoked {role} from {login}");
            Ok(())
        }
        StaffCommand::Changes { json } => {
            let changes = committee::list(&mut store, &who, Utc::now())?;
            if *json {
                return print_json(&changes);
            }
            print_changes(&changes, cfg);
            Ok(())
        }
        StaffCommand::Approve { id, reason, json } => {
            let out = committee::vote(&mut store, &who, *id, true, reason, Utc::now())?;
            print_vote(&out, *json)
        }
        StaffCommand::Deny { id, reason, json } => {
            let out = committee::vote(&mut store, &who, *id, false, reason, Utc::now())?;
            print_vote(&out, *json)
        }
        StaffCommand::Policy { .. } => Ok(()),
    }
}

fn waiting(c: &SeatChangeView) -> String {
    c.waiting_for
        .iter()
        .map(|n| match n {
            Needed::Party(p) => format!("a member of the {}", p.label()),
            Needed::Person(login) => format!("{login} to accept it"),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

fn print_proposed(c: &SeatChangeView) {
    println!(
        "proposed seat change #{}: {}; it takes effect when {} approves it (`carrel staff approve {}`)",
        c.change.id,
        c.change.describe(),
        waiting(c),
        c.change.id
    );
}

fn print_changes(changes: &[SeatChangeView], cfg: &Config) {
    let mut t = Table::new(&[
        ("#", Align::Right),
        ("CHANGE", Align::Left),
        ("BY", Align::Left),
        ("STATE", Align::Left),
        ("VOTES", Align::Left),
        ("WAITING FOR", Align::Left),
        ("PROPOSED", Align::Left),
    ]);
    for c in changes {
        let ch = &c.change;
        let votes: Vec<String> = ch
            .votes
            .iter()
            .map(|v| format!("{} {}", if v.approve { "✓" } else { "✗" }, v.voter))
            .collect();
        t.row(vec![
            ch.id.to_string(),
            ch.describe(),
            ch.proposer.clone(),
            ch.state.as_str().to_owned(),
            votes.join(", "),
            waiting(c),
            ch.created.with_timezone(&cfg.timezone).format("%Y-%m-%d %H:%M").to_string(),
        ]);
    }
    if changes.is_empty() {
        println!("no changes to committee seats have been proposed");
    } else {
        print!("{}", t.render());
    }
}

fn print_vote(out: &SeatVoteOutcome, json: bool) -> CliResult {
    if json {
        return print_json(out);
    }
    let c = &out.change;
    match out.decided {
        Some(RequestState::Approved) => println!(
            "seat change #{} approved and in effect: {}{}",
            c.change.id,
            c.change.describe(),
            out.alert.map(|a| format!(" (alert {a} tells the committee)")).unwrap_or_default()
        ),
        Some(state) => println!("seat change #{} is {}", c.change.id, state.as_str()),
        None => println!(
            "vote recorded on seat change #{}; still waiting for {}",
            c.change.id,
            waiting(c)
        ),
    }
    Ok(())
}

fn print_policy(json: bool) -> CliResult {
    if json {
        let rows: Vec<serde_json::Value> = policy::POLICY
            .iter()
            .map(|(p, public, roles)| {
                serde_json::json!({ "permission": p, "action": p.action(), "public": public, "roles": roles })
            })
            .collect();
        return print_json(&serde_json::json!({ "policy": rows, "conflicts": policy::CONFLICTS }));
    }
    let mut headers = vec![("PERMISSION", Align::Left), ("public", Align::Left)];
    for r in Role::ALL {
        headers.push((r.as_str(), Align::Left));
    }
    let mut t = Table::new(&headers);
    for p in Permission::ALL {
        let (_, public, roles) =
            policy::POLICY.iter().find(|(q, _, _)| *q == p).copied().unwrap_or((p, false, &[]));
        let mut row = vec![p.description().to_owned(), mark(public)];
        row.extend(Role::ALL.iter().map(|r| mark(roles.contains(r))));
        t.row(row);
    }
    print!("{}", t.render());
    for (a, b) in policy::CONFLICTS {
        println!("separation of duties: no one holds both {a} and {b}");
    }
    println!("a committee member sits for exactly one party; nobody approves their own request");
    println!(
        "a committee seat is granted or revoked only when a member of that party other than the proposer approves it (a vacant party: a member of each other party; the founding committee: the person themselves); every change raises an alert only the committee resolves"
    );
    Ok(())
}

fn mark(b: bool) -> String {
    if b { "yes".into() } else { "-".into() }
}
