//! Data requests and their votes, the audit review queue, and the ε ledger.

use std::collections::BTreeMap;

use super::db::{Connection, OptionalExtension, Row, params};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreResult;
use super::{bad_column as bad, from_ms, to_ms};
use crate::domain::governance::{
    DataKind, DataRequest, LedgerLine, LegalBasis, MilliEps, NewRequest, Scope, Verdict,
};
use crate::domain::quorum::{RequestState, Vote};
use crate::domain::staff::Party;

const REQUEST_COLUMNS: &str = "id, requester, title, purpose, kinds, fields, scope, retention_days, legal_basis, epsilon_milli, state, created_ms, submitted_ms, decided_ms, expires_ms";

/// A request row as stored (its state not yet read against the clock), without votes.
fn request(row: &Row<'_>) -> super::db::Result<DataRequest> {
    let kinds: String = row.get(4)?;
    let fields: String = row.get(5)?;
    let scope: String = row.get(6)?;
    let basis: String = row.get(8)?;
    let state: String = row.get(10)?;
    let kinds = kinds
        .split(',')
        .filter(|k| !k.is_empty())
        .map(|k| DataKind::parse(k).ok_or_else(|| bad(4, format!("unknown data kind '{k}'"))))
        .collect::<super::db::Result<Vec<_>>>()?;
    Ok(DataRequest {
        id: row.get::<_, i64>(0)? as u64,
        requester: row.get(1)?,
        title: row.get(2)?,
        purpose: row.get(3)?,
        kinds,
        fields: fields.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect(),
        scope: Scope::parse(&scope).ok_or_else(|| bad(6, format!("unknown scope '{scope}'")))?,
        retention_days: row.get(7)?,
        legal_basis: LegalBasis::parse(&basis)
            .ok_or_else(|| bad(8, format!("unknown legal basis '{basis}'")))?,
        epsilon: row.get::<_, Option<i64>>(9)?.map(|m| MilliEps(m as u64)),
        state: RequestState::parse(&state)
            .ok_or_else(|| bad(10, format!("unknown state '{state}'")))?,
        created: from_ms(row.get(11)?),
        submitted: row.get::<_, Option<i64>>(12)?.map(from_ms),
        decided: row.get::<_, Option<i64>>(13)?.map(from_ms),
        expires: from_ms(row.get(14)?),
        votes: Vec::new(),
    })
}

/// Files a request in `state` (draft or submitted); returns its id.
pub fn insert_request(
    conn: &Connection,
    requester: &str,
    r: &NewRequest,
    state: RequestState,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let kinds: Vec<&str> = r.kinds.iter().map(|k| k.as_str()).collect();
    conn.prepare_cached(
        "INSERT INTO data_requests(requester, title, purpose, kinds, fields, scope, retention_days,
             legal_basis, epsilon_milli, state, created_ms, submitted_ms, expires_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        requester,
        r.title,
        r.purpose,
        kinds.join(","),
        r.fields.join(","),
        r.scope.as_str(),
        r.retention_days,
        r.legal_basis.as_str(),
        r.epsilon.map(|e| e.0 as i64),
        state.as_str(),
        to_ms(now),
        (state == RequestState::Submitted).then(|| to_ms(now)),
        to_ms(r.expires),
    ])?;
    Ok(conn.last_insert_rowid() as u64)
}

/// A vote from the columns voter, party (NULL for a vote as oneself), approve, reason, at_ms
/// starting at `first`.
pub(super) fn vote(row: &Row<'_>, first: usize) -> super::db::Result<Vote> {
    let party: Option<String> = row.get(first + 1)?;
    Ok(Vote {
        voter: row.get(first)?,
        party: party.map(|p| super::layout::parse_column::<Party>(&p, first + 1)).transpose()?,
        approve: row.get::<_, i64>(first + 2)? == 1,
        reason: row.get(first + 3)?,
        at: from_ms(row.get(first + 4)?),
    })
}

fn votes_of(conn: &Connection, id: u64) -> StoreResult<Vec<Vote>> {
    let mut stmt = conn.prepare_cached(
        "SELECT voter, party, approve, reason, at_ms FROM request_votes
         WHERE request_id = ?1 ORDER BY at_ms, voter",
    )?;
    stmt.query_map([id as i64], |row| vote(row, 0))?.collect::<super::db::Result<_>>()
}

/// One request with its votes, its state as stored.
pub fn get_request(conn: &Connection, id: u64) -> StoreResult<Option<DataRequest>> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM data_requests WHERE id = ?1");
    let Some(mut r) = conn.prepare_cached(&sql)?.query_row([id as i64], request).optional()? else {
        return Ok(None);
    };
    r.votes = votes_of(conn, id)?;
    Ok(Some(r))
}

/// Every request with its votes, newest first, states as stored.
pub fn list_requests(conn: &Connection) -> StoreResult<Vec<DataRequest>> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM data_requests ORDER BY id DESC");
    let mut out: Vec<DataRequest> =
        conn.prepare_cached(&sql)?.query_map((), request)?.collect::<super::db::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT request_id, voter, party, approve, reason, at_ms FROM request_votes
         ORDER BY at_ms, voter",
    )?;
    let mut by_request: BTreeMap<u64, Vec<Vote>> = BTreeMap::new();
    let rows = stmt.query_map((), |row| Ok((row.get::<_, i64>(0)? as u64, vote(row, 1)?)))?;
    for row in rows {
        let (id, v) = row?;
        by_request.entry(id).or_default().push(v);
    }
    for r in &mut out {
        r.votes = by_request.remove(&r.id).unwrap_or_default();
    }
    Ok(out)
}

/// Moves a request to `state`: submitting stamps `submitted_ms`, any final state `decided_ms`.
pub fn set_state(
    conn: &Connection,
    id: u64,
    state: RequestState,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let (submitted, decided) = match state {
        RequestState::Submitted => (Some(to_ms(now)), None),
        s if s.is_final() => (None, Some(to_ms(now))),
        _ => (None, None),
    };
    conn.prepare_cached(
        "UPDATE data_requests SET state = ?2,
             submitted_ms = COALESCE(?3, submitted_ms), decided_ms = COALESCE(?4, decided_ms)
         WHERE id = ?1",
    )?
    .execute(params![id as i64, state.as_str(), submitted, decided])?;
    Ok(())
}

pub fn add_vote(conn: &Connection, id: u64, v: &Vote) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO request_votes(request_id, voter, party, approve, reason, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        id as i64,
        v.voter,
        v.party.map(Party::as_str),
        v.approve,
        v.reason,
        to_ms(v.at)
    ])?;
    Ok(())
}

/// Ids of approved requests.
pub fn approved_ids(conn: &Connection) -> StoreResult<Vec<u64>> {
    conn.prepare_cached("SELECT id FROM data_requests WHERE state = 'approved'")?
        .query_map((), |r| Ok(r.get::<_, i64>(0)? as u64))?
        .collect::<super::db::Result<_>>()
}

// --- the audit review queue ---

pub use crate::domain::governance::ReviewSource;

/// One audit entry to review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    pub id: u64,
    pub seq: u64,
    pub source: ReviewSource,
    pub alert_id: Option<u64>,
    /// The library-local day it was sampled from.
    pub day: Option<String>,
    pub assignee: Option<String>,
    pub added: DateTime<Utc>,
    pub verdict: Option<Verdict>,
    pub reviewer: Option<String>,
    pub note: Option<String>,
    pub reviewed: Option<DateTime<Utc>>,
    /// The alert an unjustified verdict raised.
    pub raised: Option<u64>,
}

const REVIEW_COLUMNS: &str = "id, seq, source, alert_id, day, assignee, added_ms, verdict, reviewer, note, reviewed_ms, raised";

fn review_item(row: &Row<'_>) -> super::db::Result<ReviewItem> {
    let source: String = row.get(2)?;
    let verdict: Option<String> = row.get(7)?;
    Ok(ReviewItem {
        id: row.get::<_, i64>(0)? as u64,
        seq: row.get::<_, i64>(1)? as u64,
        source: if source == "alert" { ReviewSource::Alert } else { ReviewSource::Sample },
        alert_id: row.get::<_, Option<i64>>(3)?.map(|v| v as u64),
        day: row.get(4)?,
        assignee: row.get(5)?,
        added: from_ms(row.get(6)?),
        verdict: match verdict {
            None => None,
            Some(v) => {
                Some(Verdict::parse(&v).ok_or_else(|| bad(7, format!("unknown verdict '{v}'")))?)
            }
        },
        reviewer: row.get(8)?,
        note: row.get(9)?,
        reviewed: row.get::<_, Option<i64>>(10)?.map(from_ms),
        raised: row.get::<_, Option<i64>>(11)?.map(|v| v as u64),
    })
}

/// Adds an item unless its entry is already queued; returns whether it was added.
#[allow(clippy::too_many_arguments)]
pub fn add_review_item(
    conn: &Connection,
    seq: u64,
    source: ReviewSource,
    alert_id: Option<u64>,
    day: Option<&str>,
    assignee: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO review_items(seq, source, alert_id, day, assignee, added_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            seq as i64,
            source.as_str(),
            alert_id.map(|v| v as i64),
            day,
            assignee,
            to_ms(now)
        ])?;
    Ok(n == 1)
}

pub fn review_item_by_id(conn: &Connection, id: u64) -> StoreResult<Option<ReviewItem>> {
    let sql = format!("SELECT {REVIEW_COLUMNS} FROM review_items WHERE id = ?1");
    conn.prepare_cached(&sql)?.query_row([id as i64], review_item).optional()
}

/// Items not yet reviewed (all, or those assigned to `assignee`), oldest first.
pub fn open_review_items(
    conn: &Connection,
    assignee: Option<&str>,
) -> StoreResult<Vec<ReviewItem>> {
    let sql = format!(
        "SELECT {REVIEW_COLUMNS} FROM review_items
         WHERE verdict IS NULL AND (CAST(?1 AS TEXT) IS NULL OR assignee = ?1) ORDER BY id"
    );
    conn.prepare_cached(&sql)?.query_map([assignee], review_item)?.collect::<super::db::Result<_>>()
}

/// The latest `limit` reviewed items, newest first.
pub fn reviewed_items(conn: &Connection, limit: usize) -> StoreResult<Vec<ReviewItem>> {
    let sql = format!(
        "SELECT {REVIEW_COLUMNS} FROM review_items WHERE verdict IS NOT NULL
         ORDER BY reviewed_ms DESC, id DESC LIMIT ?1"
    );
    conn.prepare_cached(&sql)?
        .query_map([limit as i64], review_item)?
        .collect::<super::db::Result<_>>()
}

/// Records a verdict on an item that has none; returns whether it did.
pub fn set_verdict(
    conn: &Connection,
    id: u64,
    verdict: Verdict,
    reviewer: &str,
    note: &str,
    raised: Option<u64>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE review_items SET verdict = ?2, reviewer = ?3, note = ?4, reviewed_ms = ?5,
                 raised = ?6
             WHERE id = ?1 AND verdict IS NULL",
        )?
        .execute(params![
            id as i64,
            verdict.as_str(),
            reviewer,
            note,
            to_ms(now),
            raised.map(|v| v as i64)
        ])?;
    Ok(n == 1)
}

/// The audit entries already in the queue, reviewed or not.
pub fn queued_seqs(conn: &Connection) -> StoreResult<std::collections::HashSet<u64>> {
    conn.prepare_cached("SELECT seq FROM review_items")?
        .query_map((), |r| Ok(r.get::<_, i64>(0)? as u64))?
        .collect::<super::db::Result<_>>()
}

/// The latest sampled day, `YYYY-MM-DD`.
pub fn last_sampled_day(conn: &Connection) -> StoreResult<Option<String>> {
    conn.query_row("SELECT MAX(day) FROM review_days", (), |r| r.get(0))
}

/// Marks `day` sampled; false when another process did it first.
pub fn mark_day_sampled(
    conn: &Connection,
    day: &str,
    accesses: u64,
    sampled: u64,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO review_days(day, accesses, sampled, sampled_ms)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )?
        .execute(params![day, accesses as i64, sampled as i64, to_ms(now)])?;
    Ok(n == 1)
}

/// Allowed patron-data accesses between two instants: (seq, actor), in order.
pub fn accesses_between(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<(u64, String)>> {
    conn.prepare_cached(
        "SELECT seq, actor FROM audit_log
         WHERE at_ms >= ?1 AND at_ms < ?2 AND outcome = 'allowed' AND object LIKE 'patron:%'
         ORDER BY seq",
    )?
    .query_map([to_ms(from), to_ms(to)], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))?
    .collect::<super::db::Result<_>>()
}

/// The actor of audit entry `seq`.
pub fn entry_actor(conn: &Connection, seq: u64) -> StoreResult<Option<String>> {
    conn.prepare_cached("SELECT actor FROM audit_log WHERE seq = ?1")?
        .query_row([seq as i64], |r| r.get(0))
        .optional()
}

// --- the ε ledger ---

/// What has been spent per (dataset, month).
pub fn spent(conn: &Connection) -> StoreResult<BTreeMap<(String, String), MilliEps>> {
    let mut stmt = conn.prepare_cached(
        "SELECT dataset, month, SUM(epsilon_milli) FROM epsilon_ledger GROUP BY dataset, month",
    )?;
    let rows = stmt.query_map((), |r| {
        Ok(((r.get::<_, String>(0)?, r.get::<_, String>(1)?), MilliEps(r.get::<_, i64>(2)? as u64)))
    })?;
    rows.collect::<super::db::Result<_>>()
}

/// What reports under request `id` have spent, counted once per report (the largest spend of
/// any one cell, since one report spends the same ε on every cell it touches).
pub fn spent_by_request(conn: &Connection, id: u64) -> StoreResult<MilliEps> {
    let v: Option<i64> = conn.query_row(
        "SELECT SUM(e) FROM (SELECT MAX(epsilon_milli) AS e FROM epsilon_ledger
             WHERE request_id = ?1 GROUP BY at_ms, actor, period) AS reports",
        [id as i64],
        |r| r.get(0),
    )?;
    Ok(MilliEps(v.unwrap_or(0) as u64))
}

/// Records one report's spending of `eps` on each cell.
pub fn spend(
    conn: &Connection,
    cells: &[(String, String)],
    eps: MilliEps,
    actor: &str,
    request: Option<u64>,
    period: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO epsilon_ledger(dataset, month, epsilon_milli, at_ms, actor, request_id, period)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (dataset, month) in cells {
        stmt.execute(params![
            dataset,
            month,
            eps.0 as i64,
            to_ms(now),
            actor,
            request.map(|v| v as i64),
            period
        ])?;
    }
    Ok(())
}

/// The ledger by dataset and month, against `budget`.
pub fn ledger(conn: &Connection, budget: MilliEps) -> StoreResult<Vec<LedgerLine>> {
    Ok(spent(conn)?
        .into_iter()
        .map(|((dataset, month), spent)| LedgerLine { dataset, month, spent, budget })
        .collect())
}

// --- counts for transparency reports ---

/// Counts per category over [from, to): every category of `domain` appears, with zero when it
/// has no rows, so which categories are listed reveals nothing.
fn counts(
    conn: &Connection,
    domain_sql: &str,
    count_sql: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<BTreeMap<String, u64>> {
    let mut out: BTreeMap<String, u64> = conn
        .prepare(domain_sql)?
        .query_map((), |r| r.get::<_, String>(0))?
        .map(|k| k.map(|k| (k, 0)))
        .collect::<super::db::Result<_>>()?;
    let mut stmt = conn.prepare(count_sql)?;
    let rows = stmt.query_map([to_ms(from), to_ms(to)], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    })?;
    for row in rows {
        let (k, n) = row?;
        *out.entry(k).or_insert(0) += n;
    }
    Ok(out)
}

/// Loans made in [from, to) per catalogue subject ("unknown" for items not in the catalogue).
pub fn loans_by_subject(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<BTreeMap<String, u64>> {
    counts(
        conn,
        "SELECT DISTINCT subject FROM catalog_items UNION SELECT 'unknown'",
        "SELECT COALESCE(c.subject, 'unknown'), COUNT(*) FROM loans l
             LEFT JOIN catalog_items c ON c.id = l.item_id
         WHERE l.loaned_ms >= ?1 AND l.loaned_ms < ?2 GROUP BY 1",
        from,
        to,
    )
}

/// Visits in [from, to) per zone ("unknown" when the zone was not recorded).
pub fn visits_by_zone(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<BTreeMap<String, u64>> {
    counts(
        conn,
        "SELECT id FROM zones UNION SELECT 'unknown'",
        "SELECT COALESCE(zone_id, 'unknown'), COUNT(*) FROM visits
         WHERE at_ms >= ?1 AND at_ms < ?2 GROUP BY 1",
        from,
        to,
    )
}

/// Arrivals in [from, to) per service, from each window's finest buckets.
pub fn arrivals_by_service(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<BTreeMap<String, u64>> {
    counts(
        conn,
        "SELECT DISTINCT service FROM service_points UNION SELECT 'unknown'",
        "SELECT COALESCE(p.service, 'unknown'), SUM(b.arrivals) FROM arrival_buckets b
             LEFT JOIN service_points p ON p.id = b.service_point_id
         WHERE b.start_ms >= ?1 AND b.start_ms < ?2
           AND b.step_s = (SELECT MIN(step_s) FROM arrival_buckets m
                           WHERE m.service_point_id = b.service_point_id)
         GROUP BY 1",
        from,
        to,
    )
}
