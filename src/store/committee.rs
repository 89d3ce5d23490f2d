//! Proposed changes to committee seats and their votes.

use super::db::{Connection, OptionalExtension, Row, params};
use chrono::{DateTime, Utc};

use super::StoreResult;
use super::layout::parse_column;
use super::{bad_column as bad, from_ms, to_ms};
use crate::domain::committee::{SeatChange, SeatChangeKind};
use crate::domain::quorum::{RequestState, Vote};
use crate::domain::staff::Party;

const COLUMNS: &str =
    "id, proposer, login, change, party, state, created_ms, expires_ms, decided_ms";

fn change(row: &Row<'_>) -> super::db::Result<SeatChange> {
    let kind: String = row.get(3)?;
    let party: String = row.get(4)?;
    let state: String = row.get(5)?;
    Ok(SeatChange {
        id: row.get::<_, i64>(0)?.max(0).unsigned_abs(),
        proposer: row.get(1)?,
        login: row.get(2)?,
        change: SeatChangeKind::parse(&kind)
            .ok_or_else(|| bad(3, format!("unknown seat change '{kind}'")))?,
        party: parse_column::<Party>(&party, 4)?,
        state: RequestState::parse(&state)
            .ok_or_else(|| bad(5, format!("unknown state '{state}'")))?,
        created: from_ms(row.get(6)?),
        expires: from_ms(row.get(7)?),
        decided: row.get::<_, Option<i64>>(8)?.map(from_ms),
        votes: Vec::new(),
    })
}

/// Records a proposal, waiting for votes; returns its id.
pub fn insert(
    conn: &Connection,
    proposer: &str,
    login: &str,
    kind: SeatChangeKind,
    party: Party,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> StoreResult<u64> {
    conn.prepare_cached(
        "INSERT INTO seat_changes(proposer, login, change, party, state, created_ms, expires_ms)
         VALUES (?1, ?2, ?3, ?4, 'submitted', ?5, ?6)",
    )?
    .execute(params![
        proposer,
        login,
        kind.as_str(),
        party.as_str(),
        to_ms(now),
        to_ms(expires)
    ])?;
    Ok(conn.last_insert_rowid().max(0).unsigned_abs())
}

fn votes_of(conn: &Connection, id: u64) -> StoreResult<Vec<Vote>> {
    conn.prepare_cached(
        "SELECT voter, party, approve, reason, at_ms FROM seat_votes WHERE change_id = ?1 ORDER BY at_ms, voter",
    )?
    .query_map([i64::try_from(id).unwrap_or(i64::MAX)], |r| super::governance::vote(r, 0))?
    .collect::<super::db::Result<_>>()
}

/// One change with its votes.
pub fn get(conn: &Connection, id: u64) -> StoreResult<Option<SeatChange>> {
    let found = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM seat_changes WHERE id = ?1"))?
        .query_row([i64::try_from(id).unwrap_or(i64::MAX)], change)
        .optional()?;
    found
        .map(|mut c| {
            c.votes = votes_of(conn, c.id)?;
            Ok(c)
        })
        .transpose()
}

/// Every change, newest first, with its votes.
pub fn list(conn: &Connection) -> StoreResult<Vec<SeatChange>> {
    let mut out: Vec<SeatChange> = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM seat_changes ORDER BY id DESC"))?
        .query_map((), change)?
        .collect::<super::db::Result<_>>()?;
    for c in &mut out {
        c.votes = votes_of(conn, c.id)?;
    }
    Ok(out)
}

pub fn add_vote(conn: &Connection, id: u64, v: &Vote) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO seat_votes(change_id, voter, party, approve, reason, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        i64::try_from(id).unwrap_or(i64::MAX),
        v.voter,
        v.party.map(Party::as_str),
        v.approve,
        v.reason,
        to_ms(v.at)
    ])?;
    Ok(())
}

pub fn set_state(
    conn: &Connection,
    id: u64,
    state: RequestState,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached("UPDATE seat_changes SET state = ?2, decided_ms = ?3 WHERE id = ?1")?
        .execute(params![i64::try_from(id).unwrap_or(i64::MAX), state.as_str(), to_ms(now)])?;
    Ok(())
}
