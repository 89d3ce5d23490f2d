//! What the plain console says of the System tab (the database, the ingest lease, the sources,
//! the audit log and its witnesses, every feed, the latest quarantined records) and of the
//! status line (the database, the action under way, the APIs' health, a read-only view).
//!
//! May use: what `render` may; its shared lines.

use chrono::{DateTime, Duration, Utc};

use super::{clock, filtered};
use crate::domain::units::{
    ago_words, clock_skew, count, duration_words, human_bytes, minutes_words,
};
use crate::tui::model::{ApiHealth, SystemSnapshot};
use crate::tui::state::State;
use crate::tui::update;

/// One feed: its health, its current error, where it comes from, its schedule and counts.
pub(super) fn feed_line(
    state: &State,
    s: &SystemSnapshot,
    f: &crate::domain::freshness::FeedState,
) -> String {
    let now = state.wall;
    let h = s.staleness.judge(&f.feed, f.last_success, f.consecutive_failures, now);
    let mut parts = vec![f.feed.clone()];
    parts.push(match h.age {
        None => "never succeeded".to_owned(),
        Some(a) if h.stale => format!("stale, last success {}", ago_words(a)),
        Some(a) if a < Duration::minutes(1) => "ok".to_owned(),
        Some(a) => format!("ok, last success {}", ago_words(a)),
    });
    let error = f.last_error.as_deref().zip(f.last_error_at);
    if let Some((e, at)) = error {
        let when = format!("{}, {}", clock(at, state), ago_words(now - at));
        match f.consecutive_failures {
            0 => {}
            1 => parts.push(format!("the last attempt failed, at {when}: {e}")),
            n => parts.push(format!("the last {n} attempts failed, the latest at {when}: {e}")),
        }
    }
    if let Some((_, source)) = s.feed_sources.iter().find(|(feed, _)| *feed == f.feed) {
        parts.push(format!("from {source}"));
    }
    let limit = duration_words(s.staleness.limit(&f.feed));
    parts.push(match s.staleness.every(&f.feed) {
        Some(every) => format!("every {}, stale after {limit}", duration_words(every)),
        None => format!("stale after {limit}"),
    });
    let q = s.status.quarantined.get(&f.feed).copied().unwrap_or(0);
    parts.push(format!("{} stored, {q} quarantined", f.records_ok));
    if let (Some((e, at)), 0) = (error, f.consecutive_failures) {
        parts.push(format!(
            "earlier error at {}, {}, before the last success: {e}",
            clock(at, state),
            ago_words(now - at)
        ));
    }
    parts.join(", ")
}

/// A witness of the audit log: what went wrong first (a refusal, a failure), then what it last
/// cosigned; the facts of `WitnessFact::describe_parts`, with ages in words.
fn witness_line(w: &crate::domain::rules::WitnessFact, now: DateTime<Utc>) -> String {
    let mut parts = vec![format!("Witness {}", w.name)];
    if let (Some(at), Some(r)) = (w.refused_at, &w.refusal) {
        parts.push(format!("REFUSED {}: {r}", ago_words(now - at)));
    }
    if let Some(e) = &w.error {
        parts.push(format!("failing: {e}"));
    }
    parts.push(match (w.cosigned_size, w.cosigned_at) {
        (Some(n), Some(at)) => {
            format!("cosigned {} {}", count(n, "entry", "entries"), ago_words(now - at))
        }
        _ if w.attempt_at.is_none() => "not asked yet".to_owned(),
        _ => "never cosigned".to_owned(),
    });
    parts.join(", ")
}

/// The audit log: its size, root, last checkpoint and last verification.
fn audit_line(state: &State, s: &SystemSnapshot) -> String {
    let a = &s.status.audit;
    let root: String = a.root.chars().take(8).collect();
    let mut parts = vec![
        format!("Audit log: {}", count(a.size, "entry", "entries")),
        format!("root begins {root}"),
    ];
    parts.push(match &a.last_checkpoint {
        Some(cp) => format!("checkpoint at {} entries, {}", cp.size, clock(cp.time, state)),
        None => "no checkpoint yet".to_owned(),
    });
    parts.push(match &a.last_verification {
        Some(v) if v.ok => format!("verified {} ok", clock(v.at, state)),
        Some(v) => format!(
            "VERIFY FAILED {}{}",
            clock(v.at, state),
            v.first_bad.map(|b| format!(" at entry {b}")).unwrap_or_default()
        ),
        None => "never verified".to_owned(),
    });
    parts.join(", ")
}

/// System tab whole: the database, the ingest lease, the sources and the recommendation API,
/// the audit log and its witnesses, the sensor API's clock when it is off, every feed (after
/// the filter) with its freshness and failures, and the latest quarantined records.
pub fn system(state: &State) -> Vec<String> {
    let Some(s) = &state.system.snapshot else {
        return vec![match state.database_down {
            Some(since) => format!(
                "The database is unreachable (since {}); this tab fills in when it answers again.",
                clock(since, state)
            ),
            None => "System: reading the database".to_owned(),
        }];
    };
    let now = state.wall;
    let db = &s.status.database;
    let mut lines = vec![format!(
        "Database: {}, {}, schema version {}{}",
        db.path,
        human_bytes(db.size_bytes),
        db.schema_version,
        if db.demo { ", a demo database" } else { "" }
    )];
    lines.push(match &s.status.lease {
        Some(l) if l.is_alive(now) => {
            let who = if s.own_holder.as_deref() == Some(l.holder.as_str()) {
                " (this console)"
            } else {
                ""
            };
            format!("Ingest: {}{who}, lease until {}", l.holder, clock(l.expires, state))
        }
        Some(l) => format!(
            "Ingest: nobody ingests ({} let the lease expire at {})",
            l.holder,
            clock(l.expires, state)
        ),
        None => "Ingest: nobody holds the lease".to_owned(),
    });
    let sources: Vec<String> =
        s.sources.iter().map(|(name, url)| format!("{name} {url}")).collect();
    lines.push(if sources.is_empty() {
        "Sources: none configured".to_owned()
    } else {
        format!("Sources: {}", sources.join(", "))
    });
    lines
        .push(format!("Recommendation API: {}", s.recs_url.as_deref().unwrap_or("not configured")));
    lines.push(audit_line(state, s));
    lines.extend(s.status.audit.witnesses.iter().map(|w| witness_line(w, state.now())));
    // The sensor API's clock matters from a minute off ours (`units::clock_skew`'s rule):
    // times on screen follow it.
    let offset =
        s.status.feeds.iter().find(|f| f.feed == "sensor.seats").and_then(|f| f.server_offset_ms);
    if let Some(ms) = offset.filter(|ms| clock_skew(*ms).is_some()) {
        lines.push(format!(
            "Clock: the sensor API's clock is {} {} ours; times shown follow it",
            duration_words(Duration::milliseconds(ms.abs())),
            if ms > 0 { "ahead of" } else { "behind" }
        ));
    }
    let feeds = update::system::visible_feeds(state);
    if feeds.is_empty() {
        lines.push(if s.status.feeds.is_empty() {
            "No feed has run yet: the console runs them while it holds the ingest lease.".to_owned()
        } else {
            format!("No feed matches the filter {}", state.filter.text)
        });
    } else {
        lines.push(filtered(state, count(feeds.len(), "feed", "feeds")));
    }
    lines.extend(
        feeds.iter().filter_map(|i| s.status.feeds.get(*i)).map(|f| feed_line(state, s, f)),
    );
    if s.recent_quarantine.is_empty() {
        lines.push("Latest quarantined records: none".to_owned());
    } else {
        lines.push("Latest quarantined records:".to_owned());
        lines.extend(
            s.recent_quarantine
                .iter()
                .map(|r| format!("{}, {}, {}", clock(r.received, state), r.feed, r.reason)),
        );
    }
    lines
}

// ---- The status line ----

/// An API's health in words: `sensor API ok`, `sensor API stale, no new data for 4 minutes`.
fn api_health(name: &str, h: ApiHealth) -> String {
    match h {
        ApiHealth::Off => format!("{name} off"),
        ApiHealth::Waiting => format!("{name} waiting for its first answer"),
        ApiHealth::Ok => format!("{name} ok"),
        ApiHealth::Stale { minutes } => {
            format!("{name} stale, no new data for {}", minutes_words(minutes))
        }
        ApiHealth::Down => format!("{name} down"),
    }
}

/// The status line in words: the database when it does not answer, the action under way, the
/// sensor and recommendation APIs' health, and a read-only view.
pub fn health(state: &State) -> String {
    let mut parts = vec![];
    if let Some(since) = state.database_down {
        parts.push(format!(
            "database unreachable since {}, {}",
            clock(since, state),
            ago_words(state.wall - since)
        ));
    }
    if let Some(busy) = &state.busy {
        parts.push(format!("{busy}, under way"));
    }
    parts.push(api_health("sensor API", state.health.sensor));
    parts.push(api_health("recommendation API", state.health.recs));
    if state.viewer.read_only() {
        parts.push("read-only view".to_owned());
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    use crate::plain::render::tests::{has, state};
    use crate::tui::fixtures::{self, desk, stranger};

    #[test]
    fn the_system_tab_says_each_feed_failures_first() {
        let mut s = state(desk());
        let lines = system(&s);
        assert_eq!(lines[0], "Database: /var/lib/carrel/carrel.db, 2.3 MiB, schema version 1");
        assert!(has(
            &lines,
            "Witness supplier.example/witness, failing: unreachable: connection refused, \
             cosigned 1100 entries 3 hours ago"
        ));
        assert!(has(&lines, "9 feeds"));
        let env = lines.iter().find(|l| l.starts_with("sensor.environment")).cloned();
        assert!(env.unwrap_or_default().starts_with(
            "sensor.environment, stale, last success 6 minutes ago, the last 3 attempts failed, \
             the latest at 10:59, just now: HTTP 503"
        ));
        assert!(has(
            &lines,
            "sensor.seats, ok, from carrel, every 5 seconds, stale after 1 minute, 600 stored, 0 \
             quarantined, earlier error at 10:20, 40 minutes ago, before the last success: timed \
             out"
        ));
        assert!(!lines.iter().any(|l| l.starts_with("Clock:")), "1.2 s off is no skew");
        if let Some(snap) = s.system.snapshot.as_mut() {
            for f in &mut snap.status.feeds {
                f.server_offset_ms = Some(180_000);
            }
        }
        assert!(has(
            &system(&s),
            "Clock: the sensor API's clock is 3 minutes ahead of ours; times shown follow it"
        ));
        s.filter.text = "recs".into();
        let lines = system(&s);
        assert!(has(&lines, "2 feeds, filter: recs"));
        assert_eq!(lines.iter().filter(|l| l.starts_with("recs.")).count(), 2);
        s.system.snapshot = None;
        s.database_down = Some(fixtures::now() - Duration::minutes(5));
        assert_eq!(
            system(&s),
            ["The database is unreachable (since 10:55); this tab fills in when it answers again."]
        );
    }

    #[test]
    fn the_status_line_is_said_in_words_most_important_first() {
        let mut s = state(desk());
        assert_eq!(health(&s), "sensor API ok, recommendation API off");
        s.database_down = Some(fixtures::now() - Duration::minutes(8));
        s.busy = Some("releasing 0-007".into());
        s.health.sensor = ApiHealth::Stale { minutes: 4 };
        s.health.recs = ApiHealth::Down;
        assert_eq!(
            health(&s),
            "database unreachable since 10:52, 8 minutes ago, releasing 0-007, under way, sensor \
             API stale, no new data for 4 minutes, recommendation API down"
        );
        assert_eq!(
            health(&state(stranger())),
            "sensor API ok, recommendation API off, read-only view"
        );
    }
}
