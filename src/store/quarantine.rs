//! Records a feed or an import rejected, with the reason, for a sysadmin to inspect.

use std::collections::BTreeMap;

use super::db::{Connection, params};
use chrono::{DateTime, Utc};

use super::StoreResult;
use super::{from_ms, to_ms};
use crate::domain::sanitize::clean_text;

/// Longest stored copy of a rejected record, in characters.
pub const MAX_RECORD_CHARS: usize = 2048;

pub use crate::domain::freshness::Rejected;

/// Quarantines a record. Both the reason and the record are sanitised and cut before storing,
/// so a hostile payload cannot reach a terminal through the quarantine either.
pub fn add(
    conn: &Connection,
    feed: &str,
    now: DateTime<Utc>,
    reason: &str,
    record: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO quarantine(feed, received_ms, reason, record) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        feed,
        to_ms(now),
        clean_text(reason, 500),
        clean_text(record, MAX_RECORD_CHARS)
    ])?;
    Ok(())
}

/// Quarantined records per feed.
pub fn counts(conn: &Connection) -> StoreResult<BTreeMap<String, u64>> {
    conn.prepare_cached("SELECT feed, count(*) FROM quarantine GROUP BY feed")?
        .query_map((), |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.unsigned_abs())))?
        .collect::<super::db::Result<_>>()
}

/// The latest `limit` rejected records, newest first.
pub fn recent(conn: &Connection, limit: usize) -> StoreResult<Vec<Rejected>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "SELECT id, feed, received_ms, reason, record FROM quarantine ORDER BY id DESC LIMIT ?1",
    )?
    .query_map([limit], |r| {
        Ok(Rejected {
            id: r.get(0)?,
            feed: r.get(1)?,
            received: from_ms(r.get(2)?),
            reason: r.get(3)?,
            record: r.get(4)?,
        })
    })?
    .collect::<super::db::Result<_>>()
}
