//! The command line: clap definitions and one file per headless command group.
//!
//! Every command that prints data takes `--json` for a stable, documented shape (README:
//! "JSON output"). Exit status: 0 success, 1 failure while working, 2 bad input (flags, config,
//! paths, files), 3 `carrel status` found a feed stale or failing. Errors go to stderr as one line naming the problem and the place.
//!
//! May use: config, services, engine, sim, witness; never SQL.

mod alerts;
mod audit;
mod config_cmd;
mod consent;
mod console;
mod db;
mod demo;
mod error;
mod forecast;
mod import;
/// `carrel init`, and the demo's seeding (which tests also use on PostgreSQL, where there are no demos).
pub mod init;
mod layout;
mod logging;
mod man;
mod out_file;
mod patron;
mod patron_import;
pub mod pipe;
mod purge;
mod reads;
mod recs;
mod requests;
mod review;
mod seat;
mod sim;
mod staff;
mod staffing;
mod status;
mod sync;
mod table;
mod time;
mod window;
mod witness;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

pub use error::{CliError, CliResult};
pub use man::page as man_page;

use crate::config::{self, Config, Overrides};

/// carrel — a terminal operations console for smart libraries.
#[derive(Debug, Parser)]
#[command(name = "carrel", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Environment: CARREL_CONFIG, CARREL_DB, CARREL_SENSOR_URL, CARREL_RECS_URL, \
CARREL_SENSOR_TOKEN, CARREL_RECS_TOKEN (tokens are never accepted as flags).\n\
Exit status: 0 success, 1 failure, 2 bad input, 3 `status` found a feed stale or failing."
)]
pub struct Cli {
    /// Configuration file [default: ~/.config/carrel/config.toml; env: CARREL_CONFIG]
    #[arg(long, global = true, value_name = "FILE", help_heading = "Global options")]
    pub config: Option<PathBuf>,
    /// Database file [default: ~/.local/share/carrel/carrel.db; env: CARREL_DB]
    #[arg(long, global = true, value_name = "PATH", help_heading = "Global options")]
    pub db: Option<PathBuf>,
    /// Base URL of the sensor API [env: CARREL_SENSOR_URL]
    #[arg(long, global = true, value_name = "URL", help_heading = "Global options")]
    pub sensor_url: Option<String>,
    /// Base URL of the recommendation API [env: CARREL_RECS_URL]
    #[arg(long, global = true, value_name = "URL", help_heading = "Global options")]
    pub recs_url: Option<String>,
    /// Act as this staff member instead of your own login (demo databases only)
    #[arg(long = "as", global = true, value_name = "NAME", help_heading = "Global options")]
    pub act_as: Option<String>,
    /// The console as plain lines, for screen readers and dumb terminals: a prompt, numbered
    /// lists, changes announced, no cursor movement or colour (also `[ui] mode = "plain"`, and
    /// always when TERM=dumb)
    #[arg(long)]
    pub plain: bool,
    /// Without a command, carrel opens the console on the configured database
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the console on a fresh demo database with the built-in simulator: nothing to set up
    Demo(demo::DemoArgs),
    /// Create the database (mode 0600); --demo seeds staff of every role
    Init(init::InitArgs),
    /// Fetch the remote APIs into the database (honours the ingest lease)
    Sync(sync::SyncArgs),
    /// List seats with their current state
    Seats(reads::SeatsArgs),
    /// Show or release one seat
    Seat {
        #[command(subcommand)]
        command: seat::SeatCommand,
    },
    /// Open, close or staff a service window
    Window {
        #[command(subcommand)]
        command: window::WindowCommand,
    },
    /// List service windows with their queues
    Queues(reads::JsonArgs),
    /// Feed freshness and failures, the source of each feed, quarantine counts, database size
    /// and schema; exit status 3 when a feed is stale or failing
    #[command(after_help = status::AFTER_HELP)]
    Status(status::StatusArgs),
    /// The tamper-evident audit log: verify, prove, checkpoint, key, log, note
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Forecast arrivals per window, or compare the models on a CSV (`forecast backtest`)
    Forecast(forecast::ForecastArgs),
    /// The local recommender: `recs backtest` evaluates it against popularity on a CSV
    Recs {
        #[command(subcommand)]
        command: recs::RecsCommand,
    },
    /// Windows needed per slot of a day, and the static-against-forecast staffing study
    Staffing {
        #[command(subcommand)]
        command: staffing::StaffingCommand,
    },
    /// Import history and the layout from CSV files (checked row by row; all or nothing)
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// The layout file: export the floors, zones and seats in the form `import layout` reads
    Layout {
        #[command(subcommand)]
        command: layout::LayoutCommand,
    },
    /// A patron's consent to profiling and recommendations: show, grant, withdraw
    Consent {
        #[command(subcommand)]
        command: consent::ConsentCommand,
    },
    /// Staff and roles (sysadmin), and the permission policy
    Staff {
        #[command(subcommand)]
        command: staff::StaffCommand,
    },
    /// Run the simulated library: both APIs on loopback, until interrupted
    Sim(sim::SimArgs),
    /// Move a site: copy the whole database between SQLite and PostgreSQL
    Db {
        #[command(subcommand)]
        command: db::DbCommand,
    },
    /// Check a configuration file and print the effective configuration
    Config {
        #[command(subcommand)]
        command: config_cmd::ConfigCommand,
    },
    /// Privacy-risk alerts: list, show, ack, resolve, escalate, check
    Alerts(alerts::AlertsArgs),
    /// Anonymise and delete patron data past its retention period (a dry run unless --confirm)
    Purge(purge::PurgeArgs),
    /// The patron desk: look a patron up with a stated purpose (profile and recommendations with consent)
    Patron {
        #[command(subcommand)]
        command: patron::PatronCommand,
    },
    /// Data requests to the governance committee: list, show, file, submit, approve, deny, withdraw
    Requests {
        #[command(subcommand)]
        command: requests::RequestsCommand,
    },
    /// The audit review queue: next item, mark justified or unjustified
    Review {
        #[command(subcommand)]
        command: review::ReviewCommand,
    },
    /// Transparency reports with discrete Laplace noise, and the ε ledger
    Report {
        #[command(subcommand)]
        command: review::ReportCommand,
    },
    /// A witness for the audit log: cosign its checkpoints that extend those cosigned before
    /// (c2sp.org/tlog-witness); new-key, key, serve
    Witness {
        #[command(subcommand)]
        command: witness::WitnessCommand,
    },
    /// Print shell completions
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff)
    #[command(hide = true)]
    Man,
}

/// Parses the command line, runs the command, and turns its result into an exit status.
/// A print to a closed pipe ends the command quietly with status 0 (see [`pipe`]).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("carrel: {e}");
            ExitCode::from(e.exit_code())
        }
        Err(payload) if pipe::is_closed_stdout(payload.as_ref()) => ExitCode::SUCCESS,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

pub fn run(cli: Cli) -> CliResult {
    if let Some(name) = &cli.act_as {
        check_act_as(name, cli.command.as_ref(), &cli)?;
    }
    let overrides = Overrides {
        config: cli.config.clone(),
        db: cli.db.clone(),
        sensor_url: cli.sensor_url.clone(),
        recs_url: cli.recs_url.clone(),
        act_as: cli.act_as.clone(),
    };
    let Some(command) = cli.command else {
        let cfg = load_config(&overrides)?;
        return console::open(&cfg, cli.plain);
    };
    let command = match command {
        Command::Demo(mut args) if cli.plain => {
            args.plain = true;
            Command::Demo(args)
        }
        _ if cli.plain => {
            return Err(CliError::BadInput(
                "--plain: only the console takes it (`carrel --plain`, `carrel demo --plain`); every other command prints plain lines already".into(),
            ));
        }
        command => command,
    };
    match command {
        Command::Config { command } => config_cmd::run(command, overrides),
        Command::Completions { shell } => {
            // Written with `print!` so a closed pipe ends quietly like every other command's
            // output (clap_complete would panic with its own message).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "carrel", &mut script);
            print!("{}", String::from_utf8_lossy(&script));
            Ok(())
        }
        Command::Man => {
            print!("{}", man::page()?);
            Ok(())
        }
        command => {
            let cfg = load_config(&overrides)?;
            dispatch(command, &cfg)
        }
    }
}

fn dispatch(command: Command, cfg: &Config) -> CliResult {
    match command {
        Command::Demo(args) => demo::run(&args, cfg),
        Command::Init(args) => init::run(&args, cfg),
        Command::Sync(args) => sync::run(&args, cfg),
        Command::Seats(args) => reads::seats(&args, cfg),
        Command::Seat { command } => seat::run(&command, cfg),
        Command::Queues(args) => reads::queues(&args, cfg),
        Command::Window { command } => window::run(&command, cfg),
        Command::Status(args) => status::run(&args, cfg),
        Command::Sim(args) => sim::run(&args, cfg),
        Command::Witness { command } => witness::run(&command, cfg),
        Command::Db { command } => db::run(&command, cfg),
        Command::Audit { command } => audit::run(&command, cfg),
        Command::Import { command } => import::run(&command, cfg),
        Command::Layout { command } => layout::run(&command, cfg),
        Command::Consent { command } => consent::run(&command, cfg),
        Command::Forecast(args) => forecast::run(&args, cfg),
        Command::Recs { command } => recs::run(&command, cfg),
        Command::Staffing { command } => staffing::run(&command, cfg),
        Command::Staff { command } => staff::run(&command, cfg),
        Command::Alerts(args) => alerts::run(&args, cfg),
        Command::Purge(args) => purge::run(&args, cfg),
        Command::Patron { command } => patron::run(&command, cfg),
        Command::Requests { command } => requests::run(&command, cfg),
        Command::Review { command } => review::run_review(&command, cfg),
        Command::Report { command } => review::run_report(&command, cfg),
        Command::Config { .. } | Command::Completions { .. } | Command::Man => Ok(()),
    }
}

/// What a command does with the configured database, as far as `--as` goes.
enum DatabaseUse {
    /// It acts on the configured database: `--as` only where that is a demo database.
    Configured,
    /// It makes its own demo database (`carrel demo`): `--as` picks the demo login.
    OwnDemo,
    /// It reads no database (or creates one): `--as` means nothing and is refused.
    None,
}

fn database_use(command: Option<&Command>) -> DatabaseUse {
    match command {
        Some(Command::Demo(_)) => DatabaseUse::OwnDemo,
        Some(
            Command::Init(_)
            | Command::Sim(_)
            | Command::Witness { .. }
            | Command::Config { .. }
            | Command::Completions { .. }
            | Command::Man
            | Command::Recs { .. }
            | Command::Staffing { command: staffing::StaffingCommand::Simulate { .. } },
        ) => DatabaseUse::None,
        Some(Command::Forecast(f)) if f.command.is_some() => DatabaseUse::None,
        _ => DatabaseUse::Configured,
    }
}

/// Refuses `--as` (exit status 2) before the command does anything, unless the command acts on
/// a database created as a demo database. One check for every command, so a new command
/// cannot forget it.
fn check_act_as(name: &str, command: Option<&Command>, cli: &Cli) -> CliResult {
    let refuse = |why: String| Err(CliError::BadInput(format!("--as {name}: {why}")));
    match database_use(command) {
        DatabaseUse::OwnDemo => Ok(()),
        DatabaseUse::None => {
            refuse("this command acts on no database; --as applies only on demo databases".into())
        }
        DatabaseUse::Configured => {
            let overrides = Overrides {
                config: cli.config.clone(),
                db: cli.db.clone(),
                sensor_url: None,
                recs_url: None,
                act_as: None,
            };
            let cfg = load_config(&overrides)?;
            let store = open_store(&cfg)?;
            if store.is_demo()? {
                Ok(())
            } else {
                refuse(format!(
                    "impersonation is accepted only on demo databases (made with `carrel init --demo`); {} is not one",
                    store.path().display()
                ))
            }
        }
    }
}

/// Who is acting: the operating-system login, or `--as NAME` on a demo database (the entries
/// then name both). Elsewhere `--as` is refused: impersonation would defeat the audit log.
pub(crate) fn actor(
    cfg: &Config,
    store: &crate::store::Store,
) -> CliResult<crate::services::identity::Actor> {
    use crate::services::identity;
    match &cfg.act_as {
        Some(name) if !store.is_demo()? => Err(CliError::BadInput(format!(
            "--as {name}: impersonation is accepted only on demo databases (made with `carrel init --demo`); {} is not one",
            store.path().display()
        ))),
        Some(name) => Ok(identity::acting_as(store, name)?),
        None => Ok(identity::actor(store, &identity::login(store)?)?),
    }
}

/// The configuration, checked as `carrel config check` checks it — the console's `[ui.keys]`
/// included, so no command accepts a file that check refuses — or its first problem, saying
/// how many more there are.
fn load_config(overrides: &Overrides) -> CliResult<Config> {
    config::check(overrides, &config_cmd::key_problems).map_err(|problems| {
        let more = config::more_problems(problems.len());
        match problems.first() {
            Some(first) => CliError::BadInput(format!("{first}{more}")),
            None => CliError::BadInput("the configuration is refused".into()),
        }
    })
}

/// The service level the configuration aims at.
pub(crate) fn queue_target(cfg: &Config) -> crate::domain::queueing::ServiceTarget {
    let q = &cfg.settings.queues;
    crate::domain::queueing::ServiceTarget {
        within_s: f64::from(q.target_within_s),
        share: q.target_share,
        max_occupancy: q.max_occupancy,
    }
}

/// Opens the configured database for reading and acting.
/// The async runtime ([`crate::engine::runtime`]), or why it could not start.
pub(crate) fn runtime() -> CliResult<tokio::runtime::Runtime> {
    crate::engine::runtime()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))
}

pub(crate) fn open_store(cfg: &Config) -> CliResult<crate::store::Store> {
    let options = crate::store::StoreOptions {
        busy_timeout: std::time::Duration::from_millis(cfg.settings.database.busy_timeout_ms),
    };
    Ok(crate::store::Store::open_at(&cfg.database, options)?)
}

/// The patron keys of the database in `store`, from the configured key file; refused when the
/// file is missing, readable by others, malformed or another database's.
pub(crate) fn load_keys(
    cfg: &Config,
    store: &crate::store::Store,
) -> CliResult<crate::domain::crypto::Keys> {
    let id = store.database_id()?;
    Ok(crate::services::keys::load(store, &cfg.key_file(id.as_deref()))?)
}

/// Writes JSON to stdout, pretty-printed, with a final newline.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> CliResult {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Failed(e.to_string()))?;
    // A reader that stopped early (`| head`) is handled with every other print (see `pipe`).
    println!("{text}");
    Ok(())
}
