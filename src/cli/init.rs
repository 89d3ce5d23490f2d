//! `carrel init`: create the database.

use super::{CliError, CliResult};
use crate::config::Config;
use crate::domain::staff::{Party, Role};
use crate::services::{identity, staff};
use crate::store::{Store, StoreOptions};

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Mark the database as a demo database and seed it with staff of every role
    #[arg(long)]
    pub demo: bool,
}

/// Staff of a demo database: one per role and one per committee party.
pub const DEMO_STAFF: &[(&str, &str, Role, Option<Party>)] = &[
    ("dana", "Dana Desk", Role::Desk, None),
    ("sam", "Sam Sysadmin", Role::Sysadmin, None),
    ("uma", "Uma (user committee)", Role::Committee, Some(Party::UserCommittee)),
    ("leo", "Leo (library)", Role::Committee, Some(Party::Library)),
    ("sue", "Sue (supplier)", Role::Committee, Some(Party::Supplier)),
    ("ada", "Ada Auditor", Role::Auditor, None),
];

pub fn run(args: &InitArgs, cfg: &Config) -> CliResult {
    let path = &cfg.db_path;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.exists()
    {
        {
            // The standard data directory is ours to make; a directory someone named is not
            // (a typo should not grow a directory tree).
            if cfg.db_path_is_default {
                std::fs::create_dir_all(parent).map_err(|e| {
                    CliError::BadInput(format!("cannot create directory {}: {e}", parent.display()))
                })?;
            } else {
                return Err(CliError::BadInput(format!(
                    "database {}: directory {} does not exist",
                    path.display(),
                    parent.display()
                )));
            }
        }
    }
    let options = StoreOptions {
        busy_timeout: std::time::Duration::from_millis(cfg.settings.database.busy_timeout_ms),
    };
    let mut store = Store::create(path, args.demo, options)?;
    let login = identity::os_login();
    if args.demo {
        seed_demo_staff(&mut store)?;
    } else {
        // Someone must be able to manage staff: the person who made the database.
        staff::bootstrap(&mut store, &login, &login, Role::Sysadmin, None)?;
    }
    println!(
        "created {}database {} (schema v{}){}",
        if args.demo { "demo " } else { "" },
        path.display(),
        store.schema_version()?,
        if args.demo {
            format!("; staff: {}", DEMO_STAFF.iter().map(|s| s.0).collect::<Vec<_>>().join(", "))
        } else {
            format!("; {login} is its first sysadmin")
        }
    );
    Ok(())
}

/// Seeds the demo staff, each one logged as a bootstrap of the directory.
pub fn seed_demo_staff(store: &mut Store) -> CliResult {
    for (login, name, role, party) in DEMO_STAFF {
        staff::bootstrap(store, login, name, *role, *party)?;
    }
    Ok(())
}
