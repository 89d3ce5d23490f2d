//! `carrel init`: create the database and its patron key file; on a database made before
//! patron keys existed, make its key file.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{CliError, CliResult};
use crate::config::Config;
use crate::domain::consent::ConsentSource;
use crate::domain::crypto::Keys;
use crate::domain::patron_csv::{LoanRecord, PatronRecord, SearchRecord, VisitRecord};
use crate::domain::staff::{Party, Role};
use crate::services::{audit, identity, keys, log_key, patrons, staff};
use crate::sim;
use crate::store::{self, Store, StoreError, StoreOptions};

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Mark the database as a demo database and seed it with staff of every role, and with the
    /// simulated library's patrons (seed 1) and two years of their loans, searches and visits
    #[arg(long)]
    pub demo: bool,
    /// The pseudonym key shared with the recommendation service: the first line of FILE, as
    /// hex or as its bytes, at least 16 [default: a random key]
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    pub site_key: Option<PathBuf>,
}

/// The simulator seed whose patrons `carrel init --demo` seeds (the simulator's default).
pub const DEMO_SEED: u64 = 1;

/// Cards of the demo patrons of `seed` worth trying at the desk: the first few who consent to
/// recommendations (and so to profiling), so a lookup shows everything the tab can show. The
/// console suggests the first of them its database holds.
pub fn demo_cards(seed: u64) -> Vec<String> {
    sim::patrons(seed)
        .into_iter()
        .filter(|p| p.consents_to_recommendations)
        .take(5)
        .map(|p| p.card)
        .collect()
}

/// The demo staff member who imports the demo's patrons (a sysadmin, as for a real import).
pub const DEMO_IMPORTER: &str = "sam";

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
    let site_key = match &args.site_key {
        Some(file) => Some(keys::read_site_key(file)?),
        None if args.demo => Some(sim::site_key_for(DEMO_SEED)),
        None => None,
    };
    if let crate::store::Location::Server(target) = &cfg.database {
        return init_server(args, cfg, target, site_key);
    }
    if path.exists() {
        if args.demo {
            return Err(StoreError::AlreadyExists(path.clone()).into());
        }
        return add_keys(cfg, site_key);
    }
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
    // A key file someone named is checked before anything is made; the default one is the
    // new database's own, named by its id, so it cannot exist yet.
    if let Some(named) = &cfg.settings.privacy.key_file {
        keys::check_unused(named)?;
    }
    let keys = keys::generate(site_key);
    let options = StoreOptions {
        busy_timeout: std::time::Duration::from_millis(cfg.settings.database.busy_timeout_ms),
    };
    let log_seed = log_key::generate();
    let mut store = Store::create_with_log_key(
        path,
        args.demo,
        &identity::os_login(),
        options,
        Some(&log_seed),
    )?;
    let key_path = cfg.key_file(store.database_id()?.as_deref());
    let installed = install_keys(cfg, &mut store, &key_path, &keys).and_then(|()| {
        write_log_key(&key_path, &store, &log_seed, cfg.settings.privacy.key_file.is_none())
    });
    if let Err(e) = installed {
        drop(store);
        store::remove_database_files(path);
        return Err(e);
    }
    let login = identity::os_login();
    if args.demo {
        seed_demo_catalog(&mut store, DEMO_SEED, sim::DEFAULT_SEATS)?;
        seed_demo_staff(&mut store)?;
        seed_demo_requests(&mut store, Utc::now())?;
        seed_demo_patrons(&mut store, &keys, DEMO_SEED, Utc::now())?;
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
            format!(
                "; staff: {}; {} patrons",
                DEMO_STAFF.iter().map(|s| s.0).collect::<Vec<_>>().join(", "),
                sim::patrons(DEMO_SEED).len()
            )
        } else {
            format!("; {login} is its first sysadmin")
        }
    );
    print_key_file(&key_path);
    print_log_key_file(&log_key::path_beside(&key_path));
    Ok(())
}

/// `carrel init --db postgres://…`: the schema, the `carrel_staff` role and its grants, made
/// by the role that connects, which becomes the owner and, by its login, the first
/// sysadmin. An existing carrel database gets its key file, as for SQLite.
fn init_server(
    args: &InitArgs,
    cfg: &Config,
    target: &crate::store::pg::PgTarget,
    site_key: Option<Vec<u8>>,
) -> CliResult {
    if args.demo {
        return Err(CliError::BadInput(format!(
            "{}: demo databases are SQLite files (`carrel demo`, or `carrel init --demo --db FILE`); a PostgreSQL database is always a real one",
            target.shown()
        )));
    }
    let log_seed = log_key::generate();
    let mut store = match Store::create_server_with_log_key(
        target,
        &crate::services::database::SYSTEM_ACTORS,
        Some(&log_seed),
    ) {
        Err(StoreError::AlreadyExists(_)) => return add_keys(cfg, site_key),
        other => other?,
    };
    let key_path = cfg.key_file(store.database_id()?.as_deref());
    if let Some(named) = &cfg.settings.privacy.key_file {
        keys::check_unused(named)?;
    }
    install_keys(cfg, &mut store, &key_path, &keys::generate(site_key))?;
    write_log_key(&key_path, &store, &log_seed, cfg.settings.privacy.key_file.is_none())?;
    let login = identity::login(&store)?;
    staff::bootstrap(&mut store, &login, &login, Role::Sysadmin, None)?;
    println!(
        "created database {} (schema v{}); {login}, who made it, owns it and is its first sysadmin; staff logins get the role {}",
        target.shown(),
        store.schema_version()?,
        crate::store::pg::STAFF_ROLE
    );
    print_key_file(&key_path);
    print_log_key_file(&log_key::path_beside(&key_path));
    Ok(())
}

/// Writes the database's new key file and records its keys in the database. A key file is
/// never shared: one that exists already is refused, whoever's it is.
fn install_keys(cfg: &Config, store: &mut Store, key_path: &Path, keys: &Keys) -> CliResult {
    // The default state directory is ours to make; a directory someone named is not.
    keys::write_new(key_path, keys, cfg.settings.privacy.key_file.is_none())?;
    keys::record(store, keys)?;
    Ok(())
}

fn print_key_file(key_path: &Path) {
    println!(
        "patron keys: {} (mode 0600), this database's own. Keep it secret, and back it up apart from the database: without it patron data cannot be read or written",
        key_path.display()
    );
}

/// `carrel init` on an existing database: makes its patron key file and its log key if it
/// has none yet (a database made before carrel kept them).
fn add_keys(cfg: &Config, site_key: Option<Vec<u8>>) -> CliResult {
    let mut store = super::open_store(cfg)?;
    let patron_keys = keys::is_set_up(&store)?;
    let log_keyed = crate::store::audit::log_keys(store.conn())?.current().is_some();
    if patron_keys && log_keyed {
        return Err(StoreError::AlreadyExists(cfg.db_path.clone()).into());
    }
    let key_path = cfg.key_file(store.database_id()?.as_deref());
    if !patron_keys {
        keys::check_unused(&key_path)?;
        install_keys(cfg, &mut store, &key_path, &keys::generate(site_key))?;
        println!("database {} now has patron keys", cfg.db_path.display());
        print_key_file(&key_path);
    }
    if !log_keyed {
        let who = super::actor(cfg, &store)?;
        let path = log_key::path_beside(&key_path);
        keys::check_unused(&path)?;
        let id = store.database_id()?.unwrap_or_else(|| "0".repeat(32));
        let key = log_key::generate().signer(&id);
        log_key::write_new(&path, &key, cfg.settings.privacy.key_file.is_none())?;
        if let Err(e) = audit::create_key(&mut store, &who, &key.vkey()) {
            let _ = std::fs::remove_file(&path);
            return Err(e.into());
        }
        println!("the audit log of {} now has its key {}", cfg.db_path.display(), key.vkey());
        print_log_key_file(&path);
    }
    Ok(())
}

/// Writes the new database's log key beside its patron key file; the creation entry already
/// names it.
pub fn write_log_key(
    patron_key_file: &Path,
    store: &Store,
    seed: &crate::domain::log_key::LogKeySeed,
    make_parent: bool,
) -> CliResult {
    let id = store.database_id()?.unwrap_or_default();
    let path = log_key::path_beside(patron_key_file);
    log_key::write_new(&path, &seed.signer(&id), make_parent)?;
    Ok(())
}

fn print_log_key_file(path: &Path) {
    println!(
        "log key: {} (mode 0600), signs this database's checkpoints. Keep it secret and back it up: it is never made again",
        path.display()
    );
}

/// Seeds a demo database with the simulated library's catalogue of `seed` and the subjects of
/// the zones of its building of `seats` seats, so profiles and recommendations name subjects
/// and titles before any feed has run.
pub fn seed_demo_catalog(store: &mut Store, seed: u64, seats: u32) -> CliResult {
    let items: Vec<_> = sim::catalogue(seed).into_iter().map(|i| i.dto).collect();
    crate::services::catalog::seed(
        store,
        &identity::os_login(),
        &items,
        &sim::zone_subjects(seats),
    )?;
    Ok(())
}

/// Seeds the demo staff, each one logged as a bootstrap of the directory.
pub fn seed_demo_staff(store: &mut Store) -> CliResult {
    for (login, name, role, party) in DEMO_STAFF {
        staff::bootstrap(store, login, name, *role, *party)?;
    }
    Ok(())
}

/// Seeds a demo database with the simulated library's patrons of `seed` (whose pseudonyms the
/// simulated recommendation service knows when `keys` hold its site key) and their activity
/// over the two years before `until`: imported by the demo sysadmin through the same services
/// as a file, so the import is audited, and consent recorded as from source `demo`.
pub fn seed_demo_patrons(
    store: &mut Store,
    keys: &Keys,
    seed: u64,
    until: DateTime<Utc>,
) -> CliResult {
    let importer = identity::acting_as(store, DEMO_IMPORTER)?;
    let activity = sim::activity(seed, until);
    let people = sim::patrons(seed);
    let line = |i: usize| i as u64 + 2;
    let directory: Vec<PatronRecord> = people
        .iter()
        .zip(&activity.members)
        .enumerate()
        .map(|(i, (p, m))| PatronRecord {
            line: line(i),
            card: p.card.clone(),
            name: p.name.clone(),
            email: Some(m.email.clone()),
            category: Some(m.category.to_owned()),
            joined: Some(m.joined),
            consent_recommendations: Some(p.consents_to_recommendations),
            consent_profiling: Some(p.consents_to_recommendations),
        })
        .collect();
    let loans: Vec<LoanRecord> = (activity.loans.into_iter().enumerate())
        .map(|(i, l)| LoanRecord {
            line: line(i),
            card: l.card,
            item_id: l.item_id,
            loaned: l.loaned,
            returned: l.returned,
        })
        .collect();
    let searches: Vec<SearchRecord> = (activity.searches.into_iter().enumerate())
        .map(|(i, s)| SearchRecord { line: line(i), card: s.card, at: s.at, query: s.query })
        .collect();
    let visits: Vec<VisitRecord> = (activity.visits.into_iter().enumerate())
        .map(|(i, v)| VisitRecord { line: line(i), card: v.card, at: v.at, zone_id: v.zone_id })
        .collect();
    let source = ConsentSource::Demo;
    let file = format!("simulated library, seed {seed}");
    patrons::import_patrons(store, &importer, keys, &directory, &file, source)?;
    patrons::import_loans(store, &importer, keys, &loans, &file, source)?;
    patrons::import_searches(store, &importer, keys, &searches, &file, source)?;
    patrons::import_visits(store, &importer, keys, &visits, &file, source)?;
    Ok(())
}

/// Seeds a demo database with three data requests, filed and voted on by the demo staff
/// through the services (so each step is audited): one waiting for the supplier's vote, one
/// approved, one denied.
pub fn seed_demo_requests(store: &mut Store, now: DateTime<Utc>) -> CliResult {
    use crate::domain::governance::{DataKind, LegalBasis, MilliEps, NewRequest, Scope};
    use crate::services::requests;
    let as_of = |login: &str, store: &Store| identity::acting_as(store, login);
    let request =
        |title: &str, purpose: &str, kinds: &[DataKind], fields: &[&str], eps: Option<u64>| {
            NewRequest {
                title: title.into(),
                purpose: purpose.into(),
                kinds: kinds.to_vec(),
                fields: fields.iter().map(|f| (*f).to_owned()).collect(),
                scope: if eps.is_some() { Scope::Aggregate } else { Scope::RowLevel },
                retention_days: 90,
                legal_basis: LegalBasis::PublicTask,
                expires: now + chrono::Duration::days(14),
                epsilon: eps.map(MilliEps),
            }
        };
    // (requester, request, votes as (voter, approve, reason))
    type Seed<'a> = (&'a str, NewRequest, &'a [(&'a str, bool, &'a str)]);
    let seeds: [Seed<'_>; 3] = [
        (
            "ada",
            request(
                "Visits per zone by hour",
                "Decide the opening hours of the second floor",
                &[DataKind::Visits],
                &["zone", "hour"],
                Some(1000),
            ),
            &[("uma", true, ""), ("leo", true, "needed for the hours review"), ("sue", true, "")],
        ),
        (
            "sam",
            request(
                "Search logs to tune the catalogue search",
                "Find queries that return nothing",
                &[DataKind::Searches],
                &["query", "at", "pseudonym"],
                None,
            ),
            &[(
                "leo",
                false,
                "row-level logs with pseudonyms are not the minimum necessary; ask for counts of zero-result queries",
            )],
        ),
        (
            "dana",
            request(
                "Loans per subject for collection planning",
                "Plan next year's acquisitions by subject",
                &[DataKind::Loans],
                &["subject", "loaned_at"],
                Some(500),
            ),
            &[("uma", true, ""), ("leo", true, "")],
        ),
    ];
    for (requester, new, cast) in seeds {
        let who = as_of(requester, store)?;
        let id = requests::file(store, &who, &new, false, now)?.id;
        for (voter, approve, reason) in cast {
            let who = as_of(voter, store)?;
            requests::vote(store, &who, id, *approve, reason, now)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README names the card to try on the demo's Patrons tab; it must be the one the
    /// console suggests for the default seed, or the README has gone stale.
    #[test]
    fn the_readme_names_the_card_the_demo_suggests() {
        let card = demo_cards(DEMO_SEED).into_iter().next().unwrap_or_default();
        let grouped: Vec<String> =
            card.chars().collect::<Vec<_>>().chunks(4).map(|c| c.iter().collect()).collect();
        let grouped = grouped.join(" ");
        let readme = include_str!("../../README.md");
        assert!(readme.contains(&format!("`{grouped}`")), "the README should name card {grouped}");
        let patron = sim::patrons(DEMO_SEED).into_iter().find(|p| p.card == card);
        assert!(patron.is_some_and(|p| p.consents_to_recommendations));
    }
}
