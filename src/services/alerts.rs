//! Privacy-risk alerts: running the rules over the audit log and the store, folding what they
//! find into alerts, and what staff do with alerts (acknowledge, resolve, escalate), each
//! role-checked and audited with the change.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::alerts::AlertEvent;
use crate::domain::alerts::{self, Alert, AlertAction, AlertState, Fold};
use crate::domain::audit::{Entry, NewEntry, Outcome};
use crate::domain::comfort::ComfortLimits;
use crate::domain::policy::Permission;
use crate::domain::retention::RetentionPolicy;
use crate::domain::rules::ConsentMode;
use crate::domain::rules::{
    BulkParams, ConsentBook, Finding, RuleContext, Rules, VerificationFact, ZoneComfort,
};
use crate::domain::staff::Role;
use crate::store::{self, Store, StoreError, audit as log};

/// The login recorded for what the rules engine does.
pub const ENGINE: &str = "carrel-rules";

/// The settings the rules run with, from the configuration.
#[derive(Debug, Clone)]
pub struct RulesSettings {
    pub tz: Tz,
    pub working_hours: (NaiveTime, NaiveTime),
    pub approved_purposes: Vec<String>,
    pub bulk: BulkParams,
    pub consent_mode: ConsentMode,
    pub comfort_limits: ComfortLimits,
    pub comfort_response_s: i64,
    pub retention: RetentionPolicy,
    /// The witnesses in `[audit] witnesses`, by name: only these are judged.
    pub witnesses: Vec<String>,
    pub witness_silent_after_s: i64,
}

/// What one run of the rules did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub entries: u64,
    pub findings: usize,
    pub raised: Vec<u64>,
    pub updated: Vec<u64>,
}

/// How far back comfort readings are judged: spells older than this were judged before.
const COMFORT_LOOKBACK_H: i64 = 24;

/// Everything the rules read besides the log itself.
pub fn context(
    store: &Store,
    settings: &RulesSettings,
    now: DateTime<Utc>,
) -> Result<RuleContext, ServiceError> {
    let conn = store.conn();
    let mut consent = ConsentBook::new();
    for c in store::consent::history(conn)? {
        consent.record(&c.pseudonym, c.purpose.as_str(), c.at, c.granted);
    }
    let plan = super::retention::plan_in(conn, &settings.retention, now)?;
    let (v, _) = audit::check_log(store, None)?;
    let verification = Some(VerificationFact {
        at: now,
        size: v.size,
        first_bad: v.first_bad,
        problem: (!v.problems.is_empty()).then(|| v.problems.join("; ")),
        impersonated: v.impersonated,
        impersonated_count: v.impersonated_count,
        impersonation: v.impersonation,
    });
    let names: std::collections::HashMap<String, String> =
        store::layout::zones(conn)?.into_iter().map(|z| (z.id, z.name)).collect();
    let comfort =
        store::environment::history_since(conn, now - Duration::hours(COMFORT_LOOKBACK_H))?
            .into_iter()
            .map(|(zone_id, kind, samples)| {
                let zone_name = names.get(&zone_id).cloned().unwrap_or_default();
                ZoneComfort { zone_id, zone_name, kind, samples }
            })
            .collect();
    Ok(RuleContext {
        now,
        tz: settings.tz,
        working_hours: settings.working_hours,
        consent_mode: settings.consent_mode,
        consent,
        approved_purposes: settings.approved_purposes.clone(),
        approved_requests: approved_requests(store)?,
        bulk: settings.bulk,
        retention: super::retention::facts(&plan),
        verification,
        comfort,
        unlogged: store::audit::unlogged_writes(conn)?,
        witnesses: audit::witnesses(store, &settings.witnesses)?,
        log_size: v.size,
        witness_silent_after_s: settings.witness_silent_after_s,
        comfort_limits: settings.comfort_limits.clone(),
        comfort_response_s: settings.comfort_response_s,
    })
}

/// Data requests the committee approved, by id as exports and `request:ID` purposes name them.
fn approved_requests(store: &Store) -> Result<HashSet<String>, ServiceError> {
    Ok(super::requests::approved_ids(store)?.into_iter().map(|id| id.to_string()).collect())
}

/// Runs every rule over the whole log and the store, and folds what they find into alerts.
pub fn check(
    store: &mut Store,
    settings: &RulesSettings,
    now: DateTime<Utc>,
) -> Result<CheckReport, ServiceError> {
    let ctx = context(store, settings, now)?;
    let mut rules = Rules::new(&ctx);
    let entries = log::for_each(store.conn(), |e| rules.observe(e))?;
    let findings = rules.finish();
    let (raised, updated) = apply(store, &findings, now)?;
    Ok(CheckReport { entries, findings: findings.len(), raised, updated })
}

/// Runs the rules on demand for `actor` (role-checked; the run is audited).
pub fn check_now(
    store: &mut Store,
    actor: &Actor,
    settings: &RulesSettings,
    now: DateTime<Utc>,
) -> Result<CheckReport, ServiceError> {
    let role = audit::authorize(store, actor, Permission::CheckRules, "alerts")?;
    let report = check(store, settings, now)?;
    let details = serde_json::json!({
        "entries": report.entries, "raised": report.raised.len(), "updated": report.updated.len()
    })
    .to_string();
    audit::record(
        store,
        &entry(actor, &role, Permission::CheckRules, "alerts", Outcome::Allowed, details),
    )?;
    Ok(report)
}

/// Folds findings into alerts in one transaction, with one audit entry for the run when
/// anything changed. Returns the ids raised and grown.
pub fn apply(
    store: &mut Store,
    findings: &[Finding],
    now: DateTime<Utc>,
) -> Result<(Vec<u64>, Vec<u64>), ServiceError> {
    store
        .write(|tx| {
            let mut raised = Vec::new();
            let mut updated = Vec::new();
            for f in findings {
                let earlier = store::alerts::of_key(tx, f.rule, &f.key)?;
                match alerts::fold(&earlier, f) {
                    Fold::Skip => {}
                    Fold::Raise(new) => {
                        let id = store::alerts::insert(tx, &new, now)?;
                        store::alerts::add_event(
                            tx,
                            &event(id, now, ENGINE, "raised", &new.summary),
                        )?;
                        raised.push(id);
                    }
                    Fold::Update { id, last_seen, count, evidence, summary } => {
                        store::alerts::grow(tx, id, last_seen, count, &evidence, &summary, now)?;
                        updated.push(id);
                    }
                }
            }
            if !raised.is_empty() || !updated.is_empty() {
                let details =
                    serde_json::json!({ "raised": raised, "updated": updated }).to_string();
                log::append(
                    tx,
                    NewEntry {
                        at: now,
                        actor: ENGINE.into(),
                        role: "system".into(),
                        action: "alerts.raise".into(),
                        object: "alerts".into(),
                        purpose: String::new(),
                        outcome: Outcome::Allowed,
                        details,
                        impersonator: None,
                    },
                )?;
            }
            Ok::<_, StoreError>((raised, updated))
        })
        .map_err(ServiceError::from)
}

fn event(id: u64, at: DateTime<Utc>, actor: &str, action: &str, note: &str) -> AlertEvent {
    AlertEvent {
        alert_id: id,
        at,
        actor: actor.to_owned(),
        action: action.to_owned(),
        note: note.to_owned(),
    }
}

/// Alerts, most severe and then most recent first; `state` None lists the active ones.
pub fn list(
    store: &mut Store,
    actor: &Actor,
    state: Option<AlertState>,
) -> Result<Vec<Alert>, ServiceError> {
    audit::authorize(store, actor, Permission::ViewAlerts, "alerts")?;
    list_unchecked(store, state)
}

/// The list, for a caller that has already checked the viewer may see it.
pub fn list_unchecked(
    store: &Store,
    state: Option<AlertState>,
) -> Result<Vec<Alert>, ServiceError> {
    let mut out = match state {
        None => store::alerts::active(store.conn())?,
        Some(s) => store::alerts::list(store.conn(), Some(s), 10_000)?,
    };
    sort(&mut out);
    Ok(out)
}

/// Most severe first, then the most recently seen.
pub fn sort(alerts: &mut [Alert]) {
    alerts.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then(b.last_seen.cmp(&a.last_seen)).then(b.id.cmp(&a.id))
    });
}

/// Active alerts by state, for the tab badge and `carrel status`.
pub fn open_count(store: &Store) -> Result<u64, ServiceError> {
    Ok(store::alerts::counts(store.conn())?
        .into_iter()
        .filter(|(s, _)| s.is_active())
        .map(|(_, n)| n)
        .sum())
}

/// One alert with its history and its evidence entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertDetail {
    pub alert: Alert,
    pub events: Vec<AlertEvent>,
    pub evidence: Vec<Entry>,
}

pub fn detail(store: &mut Store, actor: &Actor, id: u64) -> Result<AlertDetail, ServiceError> {
    audit::authorize(store, actor, Permission::ViewAlerts, &format!("alert:{id}"))?;
    detail_unchecked(store, id)
}

pub fn detail_unchecked(store: &Store, id: u64) -> Result<AlertDetail, ServiceError> {
    let conn = store.conn();
    let alert = store::alerts::get(conn, id)?
        .ok_or_else(|| ServiceError::NotFound(format!("no alert {id}")))?;
    let events = store::alerts::events(conn, id)?;
    let evidence = log::entries_by_seq(conn, &alert.evidence)?;
    Ok(AlertDetail { alert, events, evidence })
}

/// Acknowledges, resolves or escalates alert `id` with `note`: role-checked, the lifecycle
/// checked, the change, its event and its audit entry in one transaction.
pub fn act(
    store: &mut Store,
    actor: &Actor,
    id: u64,
    action: AlertAction,
    note: &str,
    now: DateTime<Utc>,
) -> Result<Alert, ServiceError> {
    let object = format!("alert:{id}");
    let role = audit::authorize(store, actor, Permission::HandleAlerts, &object)?;
    let note = crate::domain::sanitize::clean_text(note, 500);
    if action == AlertAction::Resolve && note.trim().is_empty() {
        return Err(ServiceError::Invalid(
            "resolving an alert needs a note saying what was done".into(),
        ));
    }
    let current = store::alerts::get(store.conn(), id)?
        .ok_or_else(|| ServiceError::NotFound(format!("no alert {id}")))?;
    if current.state == AlertState::Escalated && !actor.has(Role::Committee) {
        let refused =
            entry(actor, &role, Permission::HandleAlerts, &object, Outcome::Denied, String::new());
        store.write(|tx| log::append(tx, refused.clone()))?;
        return Err(ServiceError::Denied(format!(
            "{} may not {} alert {id}: it is escalated, so it is the committee's",
            actor.login,
            action.as_str()
        )));
    }
    let next = action
        .apply(current.state)
        .map_err(|e| ServiceError::Conflict(format!("alert {id}: {e}")))?;
    let details = serde_json::json!({
        "action": action.as_str(), "from": current.state, "to": next, "note": note
    })
    .to_string();
    store.write(|tx| {
        store::alerts::set_state(tx, id, next, now)?;
        store::alerts::add_event(tx, &event(id, now, &actor.login, action.as_str(), &note))?;
        log::append(
            tx,
            entry(
                actor,
                &role,
                Permission::HandleAlerts,
                &object,
                Outcome::Allowed,
                details.clone(),
            ),
        )?;
        Ok::<_, StoreError>(())
    })?;
    Ok(Alert { state: next, updated: now, ..current })
}
