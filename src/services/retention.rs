//! Retention: what is past its period, and the purge that anonymises, locks and deletes it.
//! A purge is planned and carried out in one transaction, with its audit entry; without
//! confirmation it is only the plan.

use chrono::{DateTime, Utc};

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::alerts::AlertState;
use crate::domain::audit::Outcome;
use crate::domain::policy::Permission;
use crate::domain::retention::{DataKind, PurgeBatch, PurgePlan, RetentionPolicy};
use crate::domain::rules::{RetentionFact, Rule};
use crate::store::{self, Store, StoreError, audit as log};

/// Everything due at `now`, kind by kind, each kind's steps latest first (a row due for
/// deletion is not also listed for anonymising).
pub fn plan_in(
    conn: &crate::store::Conn,
    policy: &RetentionPolicy,
    now: DateTime<Utc>,
) -> crate::store::StoreResult<PurgePlan> {
    let mut batches = Vec::new();
    for kind in DataKind::ALL {
        let mut later: Option<DateTime<Utc>> = None;
        for (step, period) in policy.order(kind) {
            let cutoff = period.cutoff(now);
            let rows = store::retention::due(conn, kind, step, cutoff, later)?;
            later = Some(cutoff);
            if rows.is_empty() {
                continue;
            }
            let first = rows.iter().map(|r| r.1).min().map(|t| t + period.duration());
            let last = rows.iter().map(|r| r.1).max().map(|t| t + period.duration());
            batches.push(PurgeBatch {
                kind,
                step,
                period,
                rows: rows.into_iter().map(|r| r.0).collect(),
                first_due: first,
                last_due: last,
            });
        }
    }
    Ok(PurgePlan { now, batches })
}

/// The plan, for a dry run. Needs the purge permission: it lists what would be erased.
pub fn plan(
    store: &mut Store,
    actor: &Actor,
    policy: &RetentionPolicy,
    now: DateTime<Utc>,
) -> Result<PurgePlan, ServiceError> {
    audit::authorize(store, actor, Permission::PurgeData, "retention")?;
    Ok(plan_in(store.conn(), policy, now)?)
}

/// Plans and carries out the purge in one transaction with its audit entry; returns what was
/// done, which is the plan a dry run at the same moment lists.
pub fn purge(
    store: &mut Store,
    actor: &Actor,
    policy: &RetentionPolicy,
    now: DateTime<Utc>,
) -> Result<PurgePlan, ServiceError> {
    let role = audit::authorize(store, actor, Permission::PurgeData, "retention")?;
    store
        .write(|tx| {
            let plan = plan_in(tx, policy, now)?;
            for b in &plan.batches {
                let n = store::retention::apply(tx, b.kind, b.step, &b.rows, now)?;
                if n != b.rows.len() {
                    return Err(StoreError::Invalid(format!(
                        "{} {}: {n} rows changed where {} were planned",
                        b.step.as_str(),
                        b.kind.as_str(),
                        b.rows.len()
                    )));
                }
            }
            let counts: Vec<serde_json::Value> = plan
                .batches
                .iter()
                .map(
                    |b| serde_json::json!({ "kind": b.kind, "step": b.step, "rows": b.rows.len() }),
                )
                .collect();
            let resolved = settle_alerts(tx, actor, &plan, now)?;
            let details =
                serde_json::json!({ "changed": counts, "resolved_alerts": resolved }).to_string();
            log::append(
                tx,
                entry(actor, &role, Permission::PurgeData, "retention", Outcome::Allowed, details),
            )?;
            Ok::<_, StoreError>(plan)
        })
        .map_err(ServiceError::from)
}

/// After a purge nothing is past retention at `now`, so every active past-retention alert has
/// been dealt with: the rules engine resolves it with a note saying by whom and what changed.
/// An escalated one is the committee's to close, so it only gets the note. Returns the ids
/// resolved.
fn settle_alerts(
    tx: &crate::store::Conn,
    actor: &Actor,
    plan: &PurgePlan,
    now: DateTime<Utc>,
) -> Result<Vec<u64>, StoreError> {
    let done: Vec<String> = plan
        .batches
        .iter()
        .map(|b| format!("{} {} {}", b.rows.len(), b.kind.as_str(), b.step.as_str()))
        .collect();
    let what = if done.is_empty() { "nothing left to change".to_owned() } else { done.join(", ") };
    let note = format!("dealt with by the purge {} ran ({what})", actor.login);
    let mut resolved = Vec::new();
    for a in store::alerts::active(tx)? {
        if a.rule != Rule::PastRetention {
            continue;
        }
        let action = if a.state == AlertState::Escalated {
            "noted"
        } else {
            store::alerts::set_state(tx, a.id, AlertState::Resolved, now)?;
            resolved.push(a.id);
            "resolve"
        };
        store::alerts::add_event(
            tx,
            &crate::domain::alerts::AlertEvent {
                alert_id: a.id,
                at: now,
                actor: super::alerts::ENGINE.to_owned(),
                action: action.to_owned(),
                note: note.clone(),
            },
        )?;
    }
    Ok(resolved)
}

/// What the past-retention rule looks at: each batch a purge would carry out now.
pub fn facts(plan: &PurgePlan) -> Vec<RetentionFact> {
    plan.batches
        .iter()
        .filter_map(|b| {
            Some(RetentionFact {
                kind: b.kind.as_str().to_owned(),
                step: b.step.as_str().to_owned(),
                rows: b.rows.len() as u64,
                first_due: b.first_due?,
                last_due: b.last_due?,
            })
        })
        .collect()
}
