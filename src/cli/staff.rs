//! `carrel staff`: the staff directory and the permission policy.

use super::table::{Align, Table};
use super::{CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::domain::policy::{self, Permission};
use crate::domain::staff::{Party, Role};
use crate::services::staff;

#[derive(Debug, clap::Subcommand)]
pub enum StaffCommand {
    /// List staff and their roles
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add a staff member (by operating-system login), or rename one
    Add {
        login: String,
        /// The name shown in the console
        #[arg(long)]
        name: String,
    },
    /// Grant a role: desk, sysadmin, committee (with --party) or auditor
    Grant {
        login: String,
        #[arg(value_parser = parse_role)]
        role: Role,
        /// For committee: user_committee, library or supplier
        #[arg(long, value_parser = parse_party)]
        party: Option<Party>,
    },
    /// Revoke a role
    Revoke {
        login: String,
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Print the permission policy: which roles may do what
    Policy {
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
        StaffCommand::Policy { .. } => Ok(()),
    }
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
    Ok(())
}

fn mark(b: bool) -> String {
    if b { "yes".into() } else { "-".into() }
}
