//! `carrel purge`: patron data past its retention period. A dry run unless `--confirm`: it
//! lists what would change; confirmed, it changes exactly that, in one transaction, audited.

use chrono::Utc;

use super::{CliError, CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::domain::retention::PurgePlan;
use crate::services::retention;

#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    /// Carry the purge out; without this, only list what it would change
    #[arg(long)]
    pub confirm: bool,
    /// Print the plan (or what was done) as JSON, every row listed
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &PurgeArgs, cfg: &Config) -> CliResult {
    let policy = cfg
        .settings
        .retention
        .policy()
        .map_err(|(t, k, m)| CliError::BadInput(format!("[{t}] {k}: {m}")))?;
    let mut store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    let now = Utc::now();
    let plan = if args.confirm {
        retention::purge(&mut store, &who, &policy, now)?
    } else {
        retention::plan(&mut store, &who, &policy, now)?
    };
    if args.json {
        return print_json(&serde_json::json!({ "confirmed": args.confirm, "plan": plan }));
    }
    print_plan(&plan, args.confirm, cfg);
    Ok(())
}

fn print_plan(plan: &PurgePlan, confirmed: bool, cfg: &Config) {
    if plan.batches.is_empty() {
        println!("nothing is past its retention period");
        return;
    }
    for b in &plan.batches {
        let due = |t: Option<chrono::DateTime<Utc>>| {
            t.map_or_else(String::new, |t| {
                t.with_timezone(&cfg.timezone).format("%Y-%m-%d").to_string()
            })
        };
        let verb =
            if confirmed { b.step.done().to_owned() } else { format!("would {}", b.step.as_str()) };
        println!(
            "{verb} {} {} (older than {}; fell due {} to {})",
            b.rows.len(),
            b.kind.as_str(),
            b.period,
            due(b.first_due),
            due(b.last_due)
        );
    }
    if confirmed {
        println!(
            "{} changed; the purge is in the audit log",
            crate::domain::units::count(plan.total(), "row", "rows")
        );
    } else {
        println!(
            "dry run: nothing changed. Run `carrel purge --confirm` to do this; `--json` lists every row"
        );
    }
}
