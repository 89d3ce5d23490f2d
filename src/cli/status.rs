//! `carrel status`: the database, the ingest lease and every feed's health, for a person at an
//! 80-column terminal and for monitoring.
//!
//! Each feed is judged by `domain::freshness` against its own schedule. The exit status says
//! whether any feed needs attention: 0 when every feed is fresh, 3 when one is stale or failing
//! (1 and 2 keep their meaning for every command). Listed are the feeds that have run — judged
//! whatever this process's configuration says, since the database, not the configuration of
//! whoever asks, records what ingests into it — and the feeds this configuration runs that never
//! ran, as "never" (stale). A database no feed has run into, under a configuration with no
//! API, has nothing to judge and exits 0.
//!
//! Each feed is labelled with the source that serves it under this configuration
//! (`feeds::source`), and the actions with theirs: which source is asked is the configuration's
//! choice, so it is read from the configuration, not from the database.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use super::table::{Align, Table};
use super::time::{age, clock};
use super::{CliError, CliResult, open_store, print_json};
use crate::config::Config;
use crate::domain::freshness::FeedState;
use crate::domain::freshness::{FeedHealth, Staleness};
use crate::domain::units::{clock_skew, human_bytes, to_the_second as span};
use crate::domain::wrap::{upper_first, wrap};
use crate::feeds::{Capability, Sources};
use crate::services::reads::{self, SystemStatus};

/// The help after the options: what the exit status means and what counts as stale.
pub const AFTER_HELP: &str = "\
Exit status: 0 when every feed is fresh; 3 when a feed is stale or failing (its latest attempt \
failed); 1 and 2 as for every command. A feed is stale when its last success is older than \
twice its refresh interval plus 30 seconds, and never sooner than its API's stale_after_s. \
Feeds that have run are judged whatever this configuration says; a feed this configuration \
runs that never ran is listed as \"never\" and is stale. A database with no feed run and no \
API configured exits 0.";

/// Notes are broken to fit this many columns, as the table does.
const WIDTH: usize = 80;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Print JSON (shape documented in the README); the exit status is the same
    #[arg(long)]
    pub json: bool,
}

/// One feed in `carrel status --json`.
#[derive(Debug, Serialize)]
struct FeedJson<'a> {
    #[serde(flatten)]
    state: &'a FeedState,
    age_s: Option<i64>,
    stale: bool,
    /// The latest attempt failed.
    failing: bool,
    /// How often the feed runs under this configuration; `null` for a feed it does not know.
    every_s: Option<i64>,
    /// How long the feed may go without a success before it is stale.
    stale_after_s: i64,
    /// This configuration runs the feed.
    configured: bool,
    /// The source the feed comes from under this configuration (`carrel`, a vendor's, `recs`);
    /// `null` for the engine's jobs and for a feed this configuration does not run.
    source: Option<&'static str>,
    quarantined_total: u64,
}

pub fn run(args: &StatusArgs, cfg: &Config) -> CliResult {
    let store = open_store(cfg)?;
    let sources = Sources::from_config(cfg).map_err(|e| CliError::Failed(e.to_string()))?;
    let configured: Vec<&str> = crate::engine::ingest::configured_feeds(cfg, &sources)
        .into_iter()
        .map(|f| f.name())
        .collect();
    let feed_sources = crate::engine::ingest::feed_sources(cfg, &sources);
    let source_of = |feed: &str| feed_sources.iter().find(|(f, _)| *f == feed).map(|(_, s)| *s);
    // Which source serves each feed and action, by capability.
    let serving: BTreeMap<Capability, &str> =
        Capability::ALL.into_iter().filter_map(|c| Some((c, sources.source_of(c)?))).collect();
    let witnesses: Vec<String> =
        cfg.settings.audit.witnesses.iter().map(|w| w.name.clone()).collect();
    let st: SystemStatus = reads::system_status(&store, &configured, &witnesses)?;
    let now = Utc::now();
    let staleness = cfg.staleness();
    let judged: Vec<(&FeedState, FeedHealth)> = st
        .feeds
        .iter()
        .map(|f| (f, staleness.judge(&f.feed, f.last_success, f.consecutive_failures, now)))
        .collect();
    let attention: Vec<&str> =
        judged.iter().filter(|(_, h)| h.needs_attention()).map(|(f, _)| f.feed.as_str()).collect();
    if args.json {
        let feeds: Vec<FeedJson<'_>> = judged
            .iter()
            .map(|(f, h)| FeedJson {
                state: f,
                age_s: h.age.map(|a| a.num_seconds()),
                stale: h.stale,
                failing: h.failing,
                every_s: staleness.every(&f.feed).map(|d| d.num_seconds()),
                stale_after_s: staleness.limit(&f.feed).num_seconds(),
                configured: configured.contains(&f.feed.as_str()),
                source: source_of(&f.feed),
                quarantined_total: st.quarantined.get(&f.feed).copied().unwrap_or(0),
            })
            .collect();
        print_json(&serde_json::json!({
            "database": st.database,
            "lease": st.lease.as_ref().map(|l| serde_json::json!({
                "holder": l.holder, "acquired": l.acquired, "renewed": l.renewed, "expires": l.expires,
                "alive": l.is_alive(now),
            })),
            "sources": serving,
            "feeds": feeds,
            "quarantined": st.quarantined,
            "audit": audit_json(&st.audit, now),
            "healthy": attention.is_empty(),
            "attention": attention,
        }))?;
    } else {
        print!("{}", human(&st, &judged, &serving, &staleness, now, cfg));
    }
    if attention.is_empty() {
        return Ok(());
    }
    let why: Vec<String> = judged
        .iter()
        .filter(|(_, h)| h.needs_attention())
        .map(|(f, h)| format!("{} ({})", f.feed, problem(h)))
        .collect();
    Err(CliError::Unhealthy(format!(
        "{} of {} feeds need attention: {}",
        attention.len(),
        judged.len(),
        why.join(", ")
    )))
}

/// The audit log in `status --json`: size, key, latest checkpoint, and each witness with the
/// age of its latest cosignature.
fn audit_json(a: &crate::services::audit::AuditSummary, now: DateTime<Utc>) -> serde_json::Value {
    let age = |t: Option<DateTime<Utc>>| t.map(|t| (now - t).num_seconds());
    serde_json::json!({
        "size": a.size,
        "root": a.root,
        "log_key": a.log_key,
        "last_checkpoint": a.last_checkpoint,
        "last_verification": a.last_verification,
        "witnesses": a.witnesses.iter().map(|w| serde_json::json!({
            "name": w.name,
            "cosigned_size": w.cosigned_size,
            "cosigned_at": w.cosigned_at,
            "cosigned_age_s": age(w.cosigned_at),
            "attempt_at": w.attempt_at,
            "error": w.error,
            "refused_at": w.refused_at,
            "refusal": w.refusal,
        })).collect::<Vec<_>>(),
    })
}

/// What is wrong with a feed, in a word or two.
fn problem(h: &FeedHealth) -> &'static str {
    match (h.age.is_some(), h.stale, h.failing) {
        (false, _, true) => "never succeeded, failing",
        (false, _, false) => "never ran",
        (true, true, true) => "stale, failing",
        (true, true, false) => "stale",
        (true, false, _) => "failing",
    }
}

fn human(
    st: &SystemStatus,
    judged: &[(&FeedState, FeedHealth)],
    serving: &BTreeMap<Capability, &str>,
    staleness: &Staleness,
    now: DateTime<Utc>,
    cfg: &Config,
) -> String {
    let tz = cfg.timezone;
    let db = &st.database;
    let mut out = format!(
        "database  {}  {}  schema v{}{}\n",
        db.path,
        human_bytes(db.size_bytes),
        db.schema_version,
        if db.demo { "  (demo)" } else { "" }
    );
    out.push_str(&match &st.lease {
        Some(l) if l.is_alive(now) => {
            format!("ingest    {} (lease until {})\n", l.holder, clock(l.expires, now, tz))
        }
        Some(l) => format!(
            "ingest    nobody (the lease of {} expired {})\n",
            l.holder,
            crate::domain::units::ago(now - l.expires)
        ),
        None => "ingest    nobody holds the lease\n".into(),
    });
    out.push_str(&sources_line(serving));
    for w in &st.audit.witnesses {
        out.push_str(&format!("witness   {}\n", w.describe(now)));
    }
    let offset =
        st.feeds.iter().find(|f| f.feed == "sensor.seats").and_then(|f| f.server_offset_ms);
    if let Some(skew) = offset.and_then(clock_skew) {
        out.push_str(&format!(
            "clock     the sensor API's clock is {skew} ours; seat ages follow it\n"
        ));
    }
    if judged.is_empty() {
        out.push_str("feeds     none configured and none has run; nothing to judge\n");
        return out;
    }
    let mut t = Table::new(&[
        ("FEED", Align::Left),
        ("FRESHNESS", Align::Left),
        ("LAST SUCCESS", Align::Left),
        ("FAILS", Align::Right),
        ("STORED", Align::Right),
        ("QUARANT.", Align::Right),
    ]);
    for (f, h) in judged {
        let fresh = match h.age {
            None => "never".to_owned(),
            Some(a) if h.stale => format!("STALE {}", age(a)),
            Some(a) => format!("ok {}", age(a)),
        };
        t.row(vec![
            f.feed.clone(),
            fresh,
            f.last_success.map(|t| when(t, now, cfg)).unwrap_or_else(|| "-".into()),
            f.consecutive_failures.to_string(),
            f.records_ok.to_string(),
            st.quarantined.get(&f.feed).copied().unwrap_or(0).to_string(),
        ]);
    }
    out.push_str(&t.render());
    let notes: Vec<String> =
        judged.iter().filter_map(|(f, h)| note(f, h, staleness, now, cfg)).collect();
    if !notes.is_empty() {
        out.push('\n');
        for n in notes {
            out.push_str(&n);
        }
    }
    let never = judged.iter().filter(|(_, h)| h.age.is_none() && !h.failing).count();
    if never > 0 {
        out.push_str(&paragraph(&format!(
            "{} never ran: no ingest has run them yet (`carrel sync --follow` or the console \
             runs the feeds).",
            if never == 1 { "1 feed".to_owned() } else { format!("{never} feeds") }
        )));
    }
    if judged.iter().all(|(_, h)| !h.needs_attention()) {
        out.push_str(&format!("all {} feeds fresh\n", judged.len()));
    }
    out
}

/// Which source serves which feeds and actions — each source with what it serves, in the
/// order of the first thing each serves — broken to [`WIDTH`] columns:
/// `sources   carrel: the layout, seat states, …`.
fn sources_line(serving: &BTreeMap<Capability, &str>) -> String {
    let mut by_source: Vec<(&str, Vec<&str>)> = vec![];
    for (what, source) in serving {
        match by_source.iter_mut().find(|(s, _)| s == source) {
            Some((_, list)) => list.push(what.describe()),
            None => by_source.push((source, vec![what.describe()])),
        }
    }
    let text = if by_source.is_empty() {
        "no sensor source configured".to_owned()
    } else {
        by_source
            .iter()
            .map(|(source, list)| format!("{source}: {}", list.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut out = String::new();
    for (i, line) in wrap(&text, WIDTH - 10).into_iter().enumerate() {
        out.push_str(if i == 0 { "sources   " } else { "          " });
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// What a person should know about a feed beyond its row, broken to [`WIDTH`] columns: why it
/// is stale, its current error in full, or an error from before its last success, marked as
/// past. `None` for a healthy feed with no error on record.
fn note(
    f: &FeedState,
    h: &FeedHealth,
    staleness: &Staleness,
    now: DateTime<Utc>,
    cfg: &Config,
) -> Option<String> {
    let schedule = match staleness.every(&f.feed) {
        Some(every) => format!(
            "it runs every {} and is stale after {}",
            span(every),
            span(staleness.limit(&f.feed))
        ),
        None => format!(
            "this configuration does not run it; stale after {}",
            span(staleness.limit(&f.feed))
        ),
    };
    let mut parts = vec![];
    match h.age {
        // Said once for all of them, after the notes.
        None if !h.failing => return None,
        None => parts.push(format!("never succeeded; {schedule}.")),
        Some(a) if h.stale => parts.push(format!("STALE, no success for {}; {schedule}.", span(a))),
        Some(_) => {}
    }
    if let (Some(e), Some(at)) = (&f.last_error, f.last_error_at) {
        let at = format!("{} ({} ago)", when(at, now, cfg), age(now - at));
        let failed = match f.consecutive_failures {
            0 => format!("ok; an earlier error at {at}, before the last success: {e}"),
            1 => format!("the last attempt failed, at {at}: {e}"),
            n => format!("the last {n} attempts failed, the latest at {at}: {e}"),
        };
        parts.push(if parts.is_empty() { failed } else { upper_first(&failed) });
    }
    if parts.is_empty() {
        return None;
    }
    Some(paragraph(&crate::domain::sanitize::clean_text(
        &format!("{}: {}", f.feed, parts.join(" ")),
        1000,
    )))
}

/// `text` broken to [`WIDTH`] columns, lines after the first indented.
fn paragraph(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in wrap(text, WIDTH - 2).into_iter().enumerate() {
        out.push_str(if i == 0 { "" } else { "  " });
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A time in at most 11 columns, so the table fits 80: `10:59:58` today, `11-20 12:00` this
/// year, the date before that.
fn when(t: DateTime<Utc>, now: DateTime<Utc>, cfg: &Config) -> String {
    let local = t.with_timezone(&cfg.timezone);
    let today = now.with_timezone(&cfg.timezone);
    if local.date_naive() == today.date_naive() {
        local.format("%H:%M:%S").to_string()
    } else if local.year() == today.year() {
        local.format("%m-%d %H:%M").to_string()
    } else {
        local.format("%Y-%m-%d").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn the_sources_line_says_who_serves_what_within_80_columns() {
        let all: BTreeMap<Capability, &str> = Capability::ALL
            .into_iter()
            .filter(|c| *c != Capability::Occupancy)
            .map(|c| (c, "carrel"))
            .collect();
        let line = sources_line(&all);
        assert_eq!(
            line,
            "sources   carrel: the layout, seat states, comfort readings, service windows,\n          arrivals, window changes, seat releases\n"
        );
        assert!(line.lines().all(|l| l.width() <= WIDTH), "{line}");
        assert_eq!(sources_line(&BTreeMap::new()), "sources   no sensor source configured\n");
        // Sources are named as given; a vendor beside carrel's own API (names made up here,
        // since today carrel's own is the only kind).
        let split: BTreeMap<Capability, &str> = [
            (Capability::Layout, "vendor"),
            (Capability::Seats, "vendor"),
            (Capability::Environment, "carrel"),
            (Capability::ReleaseSeat, "vendor"),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            sources_line(&split),
            "sources   vendor: the layout, seat states, seat releases; carrel: comfort\n          \
             readings\n"
        );
    }

    #[test]
    fn problems_are_named() {
        let h = |age: Option<i64>, stale, failing| FeedHealth {
            age: age.map(Duration::seconds),
            stale,
            failing,
        };
        assert_eq!(problem(&h(None, true, false)), "never ran");
        assert_eq!(problem(&h(None, true, true)), "never succeeded, failing");
        assert_eq!(problem(&h(Some(900), true, false)), "stale");
        assert_eq!(problem(&h(Some(3), false, true)), "failing");
        assert_eq!(problem(&h(Some(900), true, true)), "stale, failing");
    }
}
