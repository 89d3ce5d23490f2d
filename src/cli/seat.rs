//! `carrel seat show|release`: one seat, headless.

use chrono::Duration;
use serde::Serialize;

use super::time::{age, clock};
use super::{CliError, CliResult, open_store, print_json};
use crate::config::Config;
use crate::domain::layout::SeatEvent;
use crate::engine::SharedStore;
use crate::engine::actions::{self, ActionError};
use crate::feeds::Sources;
use crate::services::reads;

#[derive(Debug, clap::Subcommand)]
pub enum SeatCommand {
    /// Show one seat: where it is, its state, its recent history
    Show {
        /// Seat id (see `carrel seats`)
        id: String,
        /// How many history entries to show
        #[arg(long, value_name = "N", default_value_t = 10)]
        history: usize,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Release a seat whose patron is away (needs the desk role); the source that serves seat
    /// releases (see `carrel status`) makes the change and carrel records it
    Release {
        /// Seat id
        id: String,
        /// Do it: without --yes nothing is sent
        #[arg(long)]
        yes: bool,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Serialize)]
struct SeatJson {
    #[serde(flatten)]
    seat: crate::domain::layout::SeatView,
    ghost: bool,
    history: Vec<HistoryJson>,
}

#[derive(Debug, Serialize)]
struct HistoryJson {
    state: &'static str,
    since: chrono::DateTime<chrono::Utc>,
    sensor: &'static str,
    observed: chrono::DateTime<chrono::Utc>,
}

impl From<&SeatEvent> for HistoryJson {
    fn from(e: &SeatEvent) -> Self {
        Self {
            state: e.state.as_str(),
            since: e.since,
            sensor: e.sensor.as_str(),
            observed: e.observed,
        }
    }
}

pub fn run(command: &SeatCommand, cfg: &Config) -> CliResult {
    match command {
        SeatCommand::Show { id, history, json } => show(cfg, id, *history, *json),
        SeatCommand::Release { id, yes, json } => release(cfg, id, *yes, *json),
    }
}

fn show(cfg: &Config, id: &str, n: usize, json: bool) -> CliResult {
    let store = open_store(cfg)?;
    let seat = reads::seats(&store, &Default::default())?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| CliError::BadInput(format!("no seat '{id}' (see `carrel seats`)")))?;
    let now = reads::sensor_now(&store)?;
    let ghost =
        seat.is_ghost(now, Duration::minutes(i64::from(cfg.settings.seats.ghost_after_min)));
    let history = reads::seat_history(&store, id, n)?;
    if json {
        return print_json(&SeatJson {
            seat,
            ghost,
            history: history.iter().map(HistoryJson::from).collect(),
        });
    }
    println!("seat      {} ({})", seat.label, seat.id);
    println!(
        "where     floor {}, zone {} ({}), at ({}, {})",
        seat.floor_id, seat.zone_id, seat.zone_kind, seat.x, seat.y
    );
    println!(
        "offers    {}",
        match (seat.power, seat.accessible) {
            (true, true) => "power socket, wheelchair accessible",
            (true, false) => "power socket",
            (false, true) => "wheelchair accessible",
            (false, false) => "nothing special",
        }
    );
    match (seat.state, seat.since) {
        (Some(s), Some(since)) => println!(
            "state     {s}{} for {} (sensor {})",
            if ghost { " (ghost)" } else { "" },
            age(now - since),
            seat.sensor.map_or("unknown", |h| h.as_str())
        ),
        _ => println!("state     no report yet"),
    }
    for e in &history {
        println!("history   {}  {}", clock(e.since, now, cfg.timezone), e.state);
    }
    Ok(())
}

fn release(cfg: &Config, id: &str, yes: bool, json: bool) -> CliResult {
    let store = open_store(cfg)?;
    let actor = super::actor(cfg, &store)?;
    if !yes {
        return Err(CliError::BadInput(format!(
            "releasing seat {id} frees it for others: add --yes to do it"
        )));
    }
    let sources = Sources::from_config(cfg).map_err(|e| CliError::Failed(e.to_string()))?;
    let runtime = super::runtime()?;
    let db = SharedStore::new(store);
    let result = runtime.block_on(actions::release_seat(&db, &sources, &actor, id));
    match result {
        Ok(label) => {
            if json {
                print_json(
                    &serde_json::json!({ "seat": id, "label": label, "released": true, "by": actor.login }),
                )
            } else {
                println!("released {label} ({id})");
                Ok(())
            }
        }
        Err(ActionError::Service(e)) => Err(e.into()),
        Err(e @ ActionError::NoSource(_)) => Err(CliError::BadInput(e.to_string())),
        Err(e) => Err(CliError::Failed(e.to_string())),
    }
}
