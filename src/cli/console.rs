//! Starting the console: `carrel` with no command opens it on the configured database, and
//! `carrel demo` on a fresh demo database with the simulator.

use chrono::{Duration, Utc};

use super::{CliError, CliResult};
use crate::config::Config;
use crate::domain::policy::Permission;
use crate::engine::SharedStore;
use crate::engine::ingest::{Ingest, IngestOptions};
use crate::feeds::Sources;
use crate::services::identity::Actor;
use crate::store::Store;
use crate::tui::keymap::Keymap;
use crate::tui::load::Loader;
use crate::tui::runtime::Desk;
use crate::tui::state::{ProfileBasis, State, Viewer};
use crate::tui::theme::{Theme, ThemeName};
use crate::tui::{self, Console};

/// Builds the console's pieces from the configuration and its `sources` (the ones `ingest`
/// fetches from, when this console runs the feeds).
pub fn console(
    cfg: &Config,
    store: Store,
    actor: Actor,
    sources: Sources,
    ingest: Option<Ingest>,
) -> CliResult<Console> {
    // The same validation as `carrel config check`, which lists every problem.
    let keymap = Keymap::with_overrides(&cfg.settings.ui.keys).map_err(|problems| {
        let more = crate::config::more_problems(problems.len());
        let first = problems.first().map(|p| (p.action.as_str(), p.message.as_str()));
        let (action, message) = first.unwrap_or(("", "refused"));
        let place = cfg.place("ui.keys", action);
        CliError::BadInput(format!("{place}: [ui.keys] {action}: {message}{more}"))
    })?;
    let env = |k: &str| std::env::var(k).ok();
    let no_color = env("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = ThemeName::resolve(
        &cfg.settings.ui.theme,
        no_color,
        env("TERM").as_deref(),
        env("COLORTERM").as_deref(),
    );
    let viewer = Viewer {
        login: actor.login.clone(),
        display_name: actor.staff.as_ref().map(|s| s.display_name.clone()),
        grants: actor.grants().to_vec(),
    };
    let mut state = State::new(
        viewer,
        cfg.settings.library.name.clone(),
        cfg.timezone,
        keymap,
        Theme::new(theme),
        Utc::now(),
    );
    state.ghost_after_min = cfg.settings.seats.ghost_after_min;
    // The file read, or the one carrel would read when there is none.
    state.config_file = cfg
        .file
        .clone()
        .or_else(|| crate::config::Dirs::standard().ok().map(|d| d.config.join("config.toml")))
        .map(|p| p.display().to_string());
    let loader = Loader {
        limits: cfg.settings.comfort.clone(),
        ghost_after: Duration::minutes(i64::from(cfg.settings.seats.ghost_after_min)),
        sources: sources
            .sensor()
            .iter()
            .map(|s| (s.name(), crate::config::redact_url(s.url().as_str())))
            .collect(),
        recs_url: cfg.recs.as_ref().map(|e| crate::config::redact_url(e.url.as_str())),
        staleness: cfg.staleness(),
        configured: crate::engine::ingest::configured_feeds(cfg, &sources)
            .into_iter()
            .map(|f| f.name())
            .collect(),
        witnesses: cfg.settings.audit.witnesses.iter().map(|w| w.name.clone()).collect(),
        feed_sources: crate::engine::ingest::feed_sources(cfg, &sources),
        own_holder: ingest.as_ref().map(|i| i.holder().to_owned()),
        target: super::queue_target(cfg),
        step_s: cfg.settings.feeds.sensor.arrivals_step_s,
        horizon: Duration::hours(i64::from(cfg.settings.queues.horizon_h)),
        // Checked when the configuration was loaded; the error is kept for a config built
        // some other way.
        budget: cfg.settings.governance.budget().map_err(|e| {
            CliError::BadInput(format!("{}: {e}", cfg.place("governance", "epsilon_budget")))
        })?,
    };
    let desk = desk(cfg, &store, &sources, &mut state)?;
    Ok(Console { state, db: SharedStore::new(store), loader, sources, actor, ingest, desk })
}

/// What the Patrons tab looks patrons up with. The key file is read once, and only for a
/// viewer who may look patrons up; when it cannot be read the tab says why and the rest of the
/// console works as ever.
fn desk(cfg: &Config, store: &Store, sources: &Sources, state: &mut State) -> CliResult<Desk> {
    let p = &cfg.settings.patrons;
    state.patrons.basis = ProfileBasis { weights: p.weights(), half_life_days: p.half_life_days };
    if !state.viewer.may(Permission::LookupPatron) {
        return Ok(Desk::unavailable("this console may not look patrons up"));
    }
    let keys = super::load_keys(cfg, store).map_err(|e| e.to_string());
    if let Err(e) = &keys {
        state.patrons.unavailable = Some(format!("patron lookup is unavailable: {e}"));
    }
    let recs = sources.recs().cloned();
    // A lasting demo database is made by `init --demo`, which seeds the patrons of its seed
    // (`carrel demo` sets the cards of its own seed).
    let demo_cards =
        if store.is_demo()? { super::init::demo_cards(super::init::DEMO_SEED) } else { vec![] };
    state.patrons.demo = !demo_cards.is_empty();
    Ok(Desk {
        keys,
        settings: super::patron::settings(cfg, store)?,
        recs,
        recommendations: p.recommendations,
        demo_cards,
    })
}

/// Which console a user gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Full,
    Plain,
}

impl Mode {
    /// Plain when asked for (`--plain`, `[ui] mode = "plain"`) or when the terminal cannot
    /// draw a screen (`TERM=dumb`); full otherwise.
    pub fn resolve(plain_flag: bool, cfg: &Config) -> Mode {
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        if plain_flag || dumb || cfg.settings.ui.mode == "plain" { Mode::Plain } else { Mode::Full }
    }
}

/// Runs the console to the end in `mode` on `runtime`.
pub fn run_on(
    runtime: &tokio::runtime::Runtime,
    console: Console,
    mode: Mode,
    cfg: &Config,
) -> CliResult {
    match mode {
        Mode::Full => runtime
            .block_on(tui::run(console))
            .map_err(|e| CliError::Failed(format!("terminal: {e}"))),
        Mode::Plain => {
            // Checked when the configuration was loaded.
            let level = crate::plain::Level::parse(&cfg.settings.ui.announce)
                .map_err(|e| CliError::BadInput(format!("{}: {e}", cfg.place("ui", "announce"))))?;
            match runtime.block_on(crate::plain::run(console, level)) {
                Ok(crate::plain::Ended::Quit) => Ok(()),
                Ok(crate::plain::Ended::TooLong) => Err(CliError::BadInput(format!(
                    "standard input: a line is longer than {} bytes",
                    crate::plain::input::MAX_LINE
                ))),
                Err(e) => Err(CliError::Failed(format!("terminal: {e}"))),
            }
        }
    }
}

/// `carrel` with no command: the console on the configured database, running the feeds when
/// it holds the ingest lease.
pub fn open(cfg: &Config, plain: bool) -> CliResult {
    let store = super::open_store(cfg)?;
    let _log = super::logging::init(cfg);
    let actor = super::actor(cfg, &store)?;
    let sources = Sources::from_config(cfg).map_err(|e| CliError::Failed(e.to_string()))?;
    let ingest = if sources.is_empty() {
        None
    } else {
        let feeds_store = super::open_store(cfg)?;
        Some(Ingest::new(
            SharedStore::new(feeds_store),
            sources.clone(),
            IngestOptions::from_config(cfg),
        ))
    };
    let console = console(cfg, store, actor, sources, ingest)?;
    run_on(&super::runtime()?, console, Mode::resolve(plain, cfg), cfg)
}
