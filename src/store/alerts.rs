//! Privacy-risk alerts and their history of events (raised, grown, acknowledged, resolved,
//! escalated, with who and a note).

use super::db::{Connection, OptionalExtension, Row, params};
use chrono::{DateTime, Utc};

use super::StoreResult;
use super::{bad_column as bad, from_ms, to_ms};
use crate::domain::alerts::{Alert, AlertState, NewAlert};
use crate::domain::rules::{Rule, Severity};

pub use crate::domain::alerts::AlertEvent;

const COLUMNS: &str = "id, rule, key, severity, state, first_seen_ms, last_seen_ms, count, evidence, summary, raised_ms, updated_ms";

fn evidence_text(e: &[u64]) -> String {
    e.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

fn alert(row: &Row<'_>) -> super::db::Result<Alert> {
    let rule: String = row.get(1)?;
    let severity: String = row.get(3)?;
    let state: String = row.get(4)?;
    let evidence: String = row.get(8)?;
    Ok(Alert {
        id: row.get::<_, i64>(0)? as u64,
        rule: Rule::parse(&rule).ok_or_else(|| bad(1, format!("unknown rule '{rule}'")))?,
        key: row.get(2)?,
        severity: Severity::parse(&severity)
            .ok_or_else(|| bad(3, format!("unknown severity '{severity}'")))?,
        state: AlertState::parse(&state)
            .ok_or_else(|| bad(4, format!("unknown alert state '{state}'")))?,
        first_seen: from_ms(row.get(5)?),
        last_seen: from_ms(row.get(6)?),
        count: row.get::<_, i64>(7)? as u64,
        evidence: evidence.split(',').filter_map(|s| s.parse().ok()).collect(),
        summary: row.get(9)?,
        raised: from_ms(row.get(10)?),
        updated: from_ms(row.get(11)?),
    })
}

/// Adds an alert; returns its id.
pub fn insert(conn: &Connection, a: &NewAlert, now: DateTime<Utc>) -> StoreResult<u64> {
    conn.prepare_cached(
        "INSERT INTO alerts(rule, key, severity, state, first_seen_ms, last_seen_ms, count, evidence, summary, raised_ms, updated_ms)
         VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    )?
    .execute(params![
        a.rule.as_str(),
        a.key,
        a.severity.as_str(),
        to_ms(a.first_seen),
        to_ms(a.last_seen),
        a.count as i64,
        evidence_text(&a.evidence),
        a.summary,
        to_ms(now),
    ])?;
    Ok(conn.last_insert_rowid() as u64)
}

/// Grows an active alert with what the rules found since.
pub fn grow(
    conn: &Connection,
    id: u64,
    last_seen: DateTime<Utc>,
    count: u64,
    evidence: &[u64],
    summary: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE alerts SET last_seen_ms = ?2, count = ?3, evidence = ?4, summary = ?5, updated_ms = ?6 WHERE id = ?1",
    )?
    .execute(params![id as i64, to_ms(last_seen), count as i64, evidence_text(evidence), summary, to_ms(now)])?;
    Ok(())
}

pub fn set_state(
    conn: &Connection,
    id: u64,
    state: AlertState,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached("UPDATE alerts SET state = ?2, updated_ms = ?3 WHERE id = ?1")?
        .execute(params![id as i64, state.as_str(), to_ms(now)])?;
    Ok(())
}

pub fn add_event(conn: &Connection, e: &AlertEvent) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO alert_events(alert_id, at_ms, actor, action, note) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![e.alert_id as i64, to_ms(e.at), e.actor, e.action, e.note])?;
    Ok(())
}

pub fn get(conn: &Connection, id: u64) -> StoreResult<Option<Alert>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM alerts WHERE id = ?1"))?
        .query_row([id as i64], alert)
        .optional()
}

/// Alerts, newest first, optionally only those in `state`, at most `limit`.
pub fn list(conn: &Connection, state: Option<AlertState>, limit: usize) -> StoreResult<Vec<Alert>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM alerts WHERE CAST(?1 AS TEXT) IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2"
    ))?;
    stmt.query_map(params![state.map(AlertState::as_str), limit as i64], alert)?
        .collect::<super::db::Result<_>>()
}

/// Every alert not yet resolved, newest first.
pub fn active(conn: &Connection) -> StoreResult<Vec<Alert>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM alerts WHERE state != 'resolved' ORDER BY id DESC"
    ))?;
    stmt.query_map((), alert)?.collect::<super::db::Result<_>>()
}

/// The alerts of one rule and key, oldest first.
pub fn of_key(conn: &Connection, rule: Rule, key: &str) -> StoreResult<Vec<Alert>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM alerts WHERE rule = ?1 AND key = ?2 ORDER BY id"
    ))?;
    stmt.query_map(params![rule.as_str(), key], alert)?.collect::<super::db::Result<_>>()
}

/// How many alerts are in each state.
pub fn counts(conn: &Connection) -> StoreResult<Vec<(AlertState, u64)>> {
    let mut stmt = conn.prepare_cached("SELECT state, COUNT(*) FROM alerts GROUP BY state")?;
    let rows = stmt.query_map((), |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (s, n) = row?;
        if let Some(state) = AlertState::parse(&s) {
            out.push((state, n as u64));
        }
    }
    Ok(out)
}

pub fn events(conn: &Connection, alert_id: u64) -> StoreResult<Vec<AlertEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT alert_id, at_ms, actor, action, note FROM alert_events WHERE alert_id = ?1 ORDER BY id",
    )?;
    stmt.query_map([alert_id as i64], |r| {
        Ok(AlertEvent {
            alert_id: r.get::<_, i64>(0)? as u64,
            at: from_ms(r.get(1)?),
            actor: r.get(2)?,
            action: r.get(3)?,
            note: r.get(4)?,
        })
    })?
    .collect::<super::db::Result<_>>()
}
