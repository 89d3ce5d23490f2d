//! The audit review queue: each library day a random sample of that day's patron-data
//! accesses, plus every audit entry that is evidence of an alert, assigned in turn to the
//! reviewers (committee members and auditors), never to the person who made the access. A
//! reviewer marks each justified or unjustified; unjustified raises an alert.
//!
//! The sample is drawn from the operating system's random source when the day is over, so no
//! one can know beforehand which of their accesses will be looked at. Each day is sampled once:
//! the day's row and its items are written in one immediate transaction, and a second process
//! arriving at the same day finds it taken.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rand::seq::index;
use serde::Serialize;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::alerts::AlertEvent;
use crate::domain::alerts::NewAlert;
use crate::domain::audit::{Entry, NewEntry, Outcome};
use crate::domain::governance::Verdict;
use crate::domain::policy::Permission;
use crate::domain::rules::Rule;
use crate::domain::sanitize::clean_text;
use crate::domain::staff::Role;
pub use crate::store::governance::{ReviewItem, ReviewSource};
use crate::store::{self, Store, StoreError, audit as log};

/// The login recorded for the sampler.
pub const SAMPLER: &str = "carrel-review";

/// How the queue is filled, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct ReviewSettings {
    pub tz: Tz,
    pub per_day: u32,
    pub lookback_days: u32,
}

/// What one filling did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Filled {
    pub days: Vec<String>,
    pub sampled: u64,
    pub evidence: u64,
}

/// Reviewers in a stable order: active committee members and auditors.
fn reviewers(store: &Store) -> Result<Vec<String>, ServiceError> {
    let mut out: Vec<String> = store::staff::list(store.conn())?
        .into_iter()
        .filter(|s| s.active && (s.has_role(Role::Committee) || s.has_role(Role::Auditor)))
        .map(|s| s.login)
        .collect();
    out.sort();
    Ok(out)
}

/// The next reviewer in turn after `turn` who is not `actor`.
fn assign(reviewers: &[String], turn: &mut usize, actor: &str) -> Option<String> {
    for _ in 0..reviewers.len() {
        let r = &reviewers[*turn % reviewers.len()];
        *turn += 1;
        if r != actor {
            return Some(r.clone());
        }
    }
    None
}

fn day_bounds(tz: Tz, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let at = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map_or_else(|| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(), |t| t.to_utc())
    };
    (at(day), at(day + Duration::days(1)))
}

/// Samples every finished library day not yet sampled (back to `lookback_days`), and queues
/// the evidence of every alert not yet queued. Safe to run from several processes at once.
pub fn fill(
    store: &mut Store,
    settings: ReviewSettings,
    now: DateTime<Utc>,
) -> Result<Filled, ServiceError> {
    let reviewers = reviewers(store)?;
    let today = now.with_timezone(&settings.tz).date_naive();
    let earliest = today - Duration::days(i64::from(settings.lookback_days));
    let mut day = match store::governance::last_sampled_day(store.conn())? {
        Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map(|d| d + Duration::days(1))
            .unwrap_or(earliest)
            .max(earliest),
        None => earliest,
    };
    let mut filled = Filled::default();
    let mut turn = 0usize;
    while day < today {
        let label = day.format("%Y-%m-%d").to_string();
        let (from, to) = day_bounds(settings.tz, day);
        let per_day = settings.per_day as usize;
        let n = store.write(|tx| {
            let accesses = store::governance::accesses_between(tx, from, to)?;
            let k = per_day.min(accesses.len());
            let mut picked: Vec<usize> =
                index::sample(&mut rand::rngs::OsRng, accesses.len(), k).into_vec();
            picked.sort_unstable();
            if !store::governance::mark_day_sampled(
                tx,
                &label,
                accesses.len() as u64,
                k as u64,
                now,
            )? {
                return Ok::<_, StoreError>(None);
            }
            let mut added = 0;
            for i in picked {
                let (seq, ref who) = accesses[i];
                let assignee = assign(&reviewers, &mut turn, who);
                if store::governance::add_review_item(
                    tx,
                    seq,
                    ReviewSource::Sample,
                    None,
                    Some(&label),
                    assignee.as_deref(),
                    now,
                )? {
                    added += 1;
                }
            }
            log::append(
                tx,
                system_entry(
                    now,
                    "review.sample",
                    &format!("day:{label}"),
                    &serde_json::json!({ "accesses": accesses.len(), "sampled": added }),
                ),
            )?;
            Ok(Some(added))
        })?;
        if let Some(n) = n {
            filled.days.push(label);
            filled.sampled += n;
        }
        day += Duration::days(1);
    }
    filled.evidence = queue_evidence(store, &reviewers, &mut turn, now)?;
    Ok(filled)
}

fn system_entry(
    now: DateTime<Utc>,
    action: &str,
    object: &str,
    details: &serde_json::Value,
) -> NewEntry {
    NewEntry {
        at: now,
        actor: SAMPLER.into(),
        role: "system".into(),
        action: action.into(),
        object: object.into(),
        purpose: String::new(),
        outcome: Outcome::Allowed,
        details: details.to_string(),
        impersonator: None,
    }
}

fn queue_evidence(
    store: &mut Store,
    reviewers: &[String],
    turn: &mut usize,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let alerts = store::alerts::list(store.conn(), None, 100_000)?;
    let queued = store::governance::queued_seqs(store.conn())?;
    let wanted: Vec<(u64, u64)> = alerts
        .iter()
        .filter(|a| a.rule != Rule::UnjustifiedAccess)
        .flat_map(|a| a.evidence.iter().map(move |s| (a.id, *s)))
        .filter(|(_, s)| !queued.contains(s))
        .collect();
    if wanted.is_empty() {
        return Ok(0);
    }
    let added = store.write(|tx| {
        let mut added = 0u64;
        for &(alert, seq) in &wanted {
            let who = store::governance::entry_actor(tx, seq)?.unwrap_or_default();
            let assignee = assign(reviewers, turn, &who);
            if store::governance::add_review_item(
                tx,
                seq,
                ReviewSource::Alert,
                Some(alert),
                None,
                assignee.as_deref(),
                now,
            )? {
                added += 1;
            }
        }
        if added > 0 {
            log::append(
                tx,
                system_entry(
                    now,
                    "review.queue",
                    "alerts",
                    &serde_json::json!({ "evidence": added }),
                ),
            )?;
        }
        Ok::<_, StoreError>(added)
    })?;
    Ok(added)
}

/// A queued item with the audit entry it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewCase {
    pub item: ReviewItem,
    pub entry: Option<Entry>,
}

/// The review queue as a reviewer sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReviewQueue {
    /// Open items assigned to the viewer, oldest first.
    pub mine: Vec<ReviewCase>,
    /// All open items.
    pub open: u64,
    /// The latest verdicts.
    pub recent: Vec<ReviewCase>,
}

fn cases(store: &Store, items: Vec<ReviewItem>) -> Result<Vec<ReviewCase>, ServiceError> {
    let seqs: Vec<u64> = items.iter().map(|i| i.seq).collect();
    let entries = log::entries_by_seq(store.conn(), &seqs)?;
    Ok(items
        .into_iter()
        .map(|item| {
            let entry = entries.iter().find(|e| e.seq == item.seq).cloned();
            ReviewCase { item, entry }
        })
        .collect())
}

/// The queue for `actor` (role-checked; reading it is not audited, since it is the audit
/// log's own content shown to those who may read the log).
pub fn queue(store: &mut Store, actor: &Actor) -> Result<ReviewQueue, ServiceError> {
    audit::authorize(store, actor, Permission::ReviewAccess, "review")?;
    queue_unchecked(store, &actor.login, 20)
}

pub fn queue_unchecked(
    store: &Store,
    login: &str,
    recent: usize,
) -> Result<ReviewQueue, ServiceError> {
    let conn = store.conn();
    let open = store::governance::open_review_items(conn, None)?;
    let mine: Vec<ReviewItem> =
        open.iter().filter(|i| i.assignee.as_deref() == Some(login)).cloned().collect();
    Ok(ReviewQueue {
        open: open.len() as u64,
        mine: cases(store, mine)?,
        recent: cases(store, store::governance::reviewed_items(conn, recent)?)?,
    })
}

/// The next item for `actor`: the oldest assigned to them, else the oldest unassigned one or
/// one assigned to someone no longer reviewing, never one about their own access.
pub fn next(store: &mut Store, actor: &Actor) -> Result<Option<ReviewCase>, ServiceError> {
    audit::authorize(store, actor, Permission::ReviewAccess, "review")?;
    let reviewers = reviewers(store)?;
    let open = store::governance::open_review_items(store.conn(), None)?;
    let mine = open.iter().find(|i| i.assignee.as_deref() == Some(&actor.login)).cloned();
    let pick = match mine {
        Some(i) => Some(i),
        None => {
            let mut found = None;
            for i in open {
                let orphan = i.assignee.as_ref().is_none_or(|a| !reviewers.contains(a));
                let own = store::governance::entry_actor(store.conn(), i.seq)?.as_deref()
                    == Some(actor.login.as_str());
                if orphan && !own {
                    found = Some(i);
                    break;
                }
            }
            found
        }
    };
    Ok(match pick {
        Some(i) => cases(store, vec![i])?.pop(),
        None => None,
    })
}

/// `actor` gives `verdict` on item `id`. An unjustified verdict needs a note and raises an
/// alert in the same transaction; no one judges their own access, and an item is judged once.
pub fn mark(
    store: &mut Store,
    actor: &Actor,
    id: u64,
    verdict: Verdict,
    note: &str,
    now: DateTime<Utc>,
) -> Result<ReviewCase, ServiceError> {
    let object = format!("review:{id}");
    let role = audit::authorize(store, actor, Permission::ReviewAccess, &object)?;
    let note = clean_text(note, 500);
    if verdict == Verdict::Unjustified && note.trim().is_empty() {
        return Err(ServiceError::Invalid("an unjustified verdict needs a note saying why".into()));
    }
    let outcome = store.write(|tx| {
        let Some(item) = store::governance::review_item_by_id(tx, id)? else {
            return Ok(Err(ServiceError::NotFound(format!("no review item {id}"))));
        };
        let entry_of = log::entry(tx, item.seq)?;
        let refusal = if let Some(v) = item.verdict {
            Some(ServiceError::Conflict(format!(
                "review item {id} was already marked {} by {}",
                v.as_str(),
                item.reviewer.as_deref().unwrap_or("someone")
            )))
        } else if entry_of.as_ref().is_some_and(|e| e.entry.actor == actor.login) {
            Some(ServiceError::Denied(format!(
                "{} may not review item {id}: it is their own access",
                actor.login
            )))
        } else {
            None
        };
        if let Some(e) = refusal {
            let details = serde_json::json!({ "refused": e.to_string() }).to_string();
            log::append(
                tx,
                entry(actor, &role, Permission::ReviewAccess, &object, Outcome::Denied, details),
            )?;
            return Ok(Err(e));
        }
        let raised = match (verdict, &entry_of) {
            (Verdict::Unjustified, Some(e)) => {
                let n = &e.entry;
                let summary = clean_text(
                    &format!(
                        "{} judged {}'s {} of {} at {} unjustified: {note}",
                        actor.login,
                        n.actor,
                        n.action,
                        n.object,
                        n.at.format("%Y-%m-%d %H:%M UTC")
                    ),
                    300,
                );
                let alert = NewAlert {
                    rule: Rule::UnjustifiedAccess,
                    key: format!("review:{id}"),
                    severity: Rule::UnjustifiedAccess.severity(),
                    first_seen: n.at,
                    last_seen: n.at,
                    count: 1,
                    evidence: vec![e.seq],
                    summary: summary.clone(),
                };
                let aid = store::alerts::insert(tx, &alert, now)?;
                store::alerts::add_event(
                    tx,
                    &AlertEvent {
                        alert_id: aid,
                        at: now,
                        actor: actor.login.clone(),
                        action: "raised".into(),
                        note: summary,
                    },
                )?;
                Some(aid)
            }
            _ => None,
        };
        store::governance::set_verdict(tx, id, verdict, &actor.login, &note, raised, now)?;
        let details = serde_json::json!({
            "seq": item.seq, "verdict": verdict, "note": note, "alert": raised,
        })
        .to_string();
        log::append(
            tx,
            entry(actor, &role, Permission::ReviewAccess, &object, Outcome::Allowed, details),
        )?;
        Ok::<_, StoreError>(Ok(()))
    })?;
    outcome?;
    let item = store::governance::review_item_by_id(store.conn(), id)?
        .ok_or_else(|| ServiceError::NotFound(format!("no review item {id}")))?;
    Ok(cases(store, vec![item])?.pop().expect("one item in, one case out"))
}
