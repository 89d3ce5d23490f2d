//! `carrel sync`: fetch the remote APIs into the database, headless, under the ingest lease.

use tokio::sync::watch;

use super::table::{Align, Table};
use super::{CliError, CliResult, open_store, print_json};
use crate::config::Config;
use crate::engine::SharedStore;
use crate::engine::ingest::{FeedOutcome, Ingest};
use crate::store::lease::Claim;

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Fetch every feed once and exit (the default)
    #[arg(long, conflicts_with = "follow")]
    pub once: bool,
    /// Keep fetching on each feed's schedule until interrupted (SIGINT, SIGTERM, SIGHUP)
    #[arg(long)]
    pub follow: bool,
    /// Print the outcome as JSON (with --once)
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &SyncArgs, cfg: &Config) -> CliResult {
    if cfg.sensor.is_none() && cfg.recs.is_none() {
        return Err(CliError::BadInput(
            "no API to sync from: set CARREL_SENSOR_URL (or [feeds.sensor] url) and/or CARREL_RECS_URL".into(),
        ));
    }
    let store = open_store(cfg)?;
    // Logging starts once the input has been accepted, so bad input writes nothing at all.
    let _log = super::logging::init(cfg);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))?;
    let db = SharedStore::new(store);
    let mut ingest = Ingest::from_config(db, cfg).map_err(|e| CliError::Failed(e.to_string()))?;
    runtime.block_on(async {
        if args.follow { follow(&mut ingest).await } else { once(&mut ingest, args.json).await }
    })
}

async fn once(ingest: &mut Ingest, json: bool) -> CliResult {
    match ingest.claim_lease().await? {
        Claim::HeldBy(lease) => {
            // Another process is ingesting into this database: that is the normal state when a
            // console or `sync --follow` runs, so it is not an error.
            let note = format!(
                "not syncing: process {} holds the ingest lease until {}",
                lease.holder,
                lease.expires.to_rfc3339()
            );
            if json {
                print_json(&serde_json::json!({ "skipped": note, "feeds": [] }))?;
            } else {
                eprintln!("carrel: {note}");
            }
            return Ok(());
        }
        Claim::Held(_) => {}
    }
    let outcomes = ingest.sync_once().await;
    if let Err(e) = ingest.release_lease().await {
        tracing::warn!(error = %e, "cannot release the ingest lease");
    }
    if json {
        print_json(&serde_json::json!({ "skipped": null, "feeds": outcomes }))?;
    } else {
        print!("{}", outcome_table(&outcomes).render());
    }
    let failed: Vec<&str> = outcomes.iter().filter(|o| o.error.is_some()).map(|o| o.feed).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Failed(format!("{} feed(s) failed: {}", failed.len(), failed.join(", "))))
    }
}

fn outcome_table(outcomes: &[FeedOutcome]) -> Table {
    let mut t = Table::new(&[
        ("FEED", Align::Left),
        ("STORED", Align::Right),
        ("QUARANTINED", Align::Right),
        ("RESULT", Align::Left),
    ]);
    for o in outcomes {
        let result = match (&o.error, &o.skipped) {
            (Some(e), _) => format!("failed: {e}"),
            (None, Some(s)) => format!("skipped: {s}"),
            (None, None) => "ok".into(),
        };
        t.row(vec![o.feed.into(), o.stored.to_string(), o.quarantined.to_string(), result]);
    }
    t
}

async fn follow(ingest: &mut Ingest) -> CliResult {
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        let _ = stop.send(true);
    });
    eprintln!(
        "carrel: syncing as {} until interrupted; log in the state directory",
        ingest.holder()
    );
    ingest.follow(stopped).await;
    Ok(())
}

/// Resolves on SIGINT, SIGTERM or SIGHUP (a closed SSH session).
pub(crate) async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        // Without signal handlers the default actions still end the process.
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
}
