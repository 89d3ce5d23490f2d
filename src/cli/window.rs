//! `carrel window set`: open, close or (re)staff a service window, headless.

use super::{CliError, CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::domain::api::ServicePointChange;
use crate::engine::SharedStore;
use crate::engine::actions::{self, ActionError};
use crate::feeds::Sources;

#[derive(Debug, clap::Subcommand)]
pub enum WindowCommand {
    /// Open or close a window, or change who staffs it (desk role); the source that serves
    /// window changes (see `carrel status`) makes the change and carrel records it
    Set {
        /// Window id (see `carrel queues`)
        id: String,
        /// Open the window (it needs staff)
        #[arg(long, conflicts_with = "close")]
        open: bool,
        /// Close the window
        #[arg(long)]
        close: bool,
        /// Put this staff member (a login on duty) at the window
        #[arg(long, value_name = "LOGIN", conflicts_with = "no_staff")]
        staff: Option<String>,
        /// Take the staff member off the window
        #[arg(long)]
        no_staff: bool,
        /// Do it: without --yes nothing is sent
        #[arg(long)]
        yes: bool,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: &WindowCommand, cfg: &Config) -> CliResult {
    let WindowCommand::Set { id, open, close, staff, no_staff, yes, json } = command;
    let change = ServicePointChange {
        open: if *open {
            Some(true)
        } else if *close {
            Some(false)
        } else {
            None
        },
        staff: if *no_staff { Some(None) } else { staff.clone().map(Some) },
    };
    if change.open.is_none() && change.staff.is_none() {
        return Err(CliError::BadInput(
            "say what to change: --open, --close, --staff LOGIN or --no-staff".into(),
        ));
    }
    let store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    if !yes {
        return Err(CliError::BadInput(format!(
            "changing window {id} affects the queue at once: add --yes to do it"
        )));
    }
    let sources = Sources::from_config(cfg).map_err(|e| CliError::Failed(e.to_string()))?;
    let runtime = super::runtime()?;
    let db = SharedStore::new(store);
    match runtime.block_on(actions::change_window(&db, &sources, &who, id, &change)) {
        Ok(w) if *json => print_json(&w),
        Ok(w) => {
            println!(
                "{}: {}, staff {}",
                w.id,
                if w.open { "open" } else { "closed" },
                w.staff.as_deref().unwrap_or("none")
            );
            Ok(())
        }
        Err(ActionError::Service(e)) => Err(e.into()),
        Err(e @ ActionError::NoSource(_)) => Err(CliError::BadInput(e.to_string())),
        Err(e) => Err(CliError::Failed(e.to_string())),
    }
}
