//! Arrivals per window per time bucket, from the sensor API or imported from CSV.

use super::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Utc};

use super::StoreResult;
use super::{from_ms, to_ms};
use crate::domain::arrivals::ArrivalBucket;

/// Where a bucket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketSource {
    Sensor,
    Import,
}

impl BucketSource {
    pub fn as_str(self) -> &'static str {
        match self {
            BucketSource::Sensor => "sensor",
            BucketSource::Import => "import",
        }
    }
}

/// Inserts or replaces buckets (a later report of the same bucket supersedes an earlier,
/// partial one). Returns how many rows were written.
pub fn upsert(
    conn: &Connection,
    buckets: &[ArrivalBucket],
    source: BucketSource,
) -> StoreResult<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO arrival_buckets(service_point_id, step_s, start_ms, arrivals, served, mean_wait_s, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(service_point_id, step_s, start_ms) DO UPDATE SET
             arrivals = excluded.arrivals, served = excluded.served,
             mean_wait_s = excluded.mean_wait_s, source = excluded.source",
    )?;
    for b in buckets {
        stmt.execute(params![
            b.service_point_id,
            b.step_s,
            to_ms(b.start),
            b.arrivals,
            b.served,
            b.mean_wait_s,
            source.as_str()
        ])?;
    }
    Ok(buckets.len())
}

/// Start of the latest bucket of `step_s` from `source`, if any.
pub fn latest_start(
    conn: &Connection,
    step_s: u32,
    source: BucketSource,
) -> StoreResult<Option<DateTime<Utc>>> {
    conn.prepare_cached(
        "SELECT max(start_ms) FROM arrival_buckets WHERE step_s = ?1 AND source = ?2",
    )?
    .query_row(params![step_s, source.as_str()], |r| r.get::<_, Option<i64>>(0))
    .optional()
    .map(|v| v.flatten().map(from_ms))
}

/// Buckets of one window in `[from, to)`, oldest first.
pub fn series(
    conn: &Connection,
    service_point_id: &str,
    step_s: u32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<ArrivalBucket>> {
    conn.prepare_cached(
        "SELECT service_point_id, step_s, start_ms, arrivals, served, mean_wait_s FROM arrival_buckets
         WHERE service_point_id = ?1 AND step_s = ?2 AND start_ms >= ?3 AND start_ms < ?4
         ORDER BY start_ms",
    )?
    .query_map(params![service_point_id, step_s, to_ms(from), to_ms(to)], |r| {
        Ok(ArrivalBucket {
            service_point_id: r.get(0)?,
            step_s: r.get(1)?,
            start: from_ms(r.get(2)?),
            arrivals: r.get(3)?,
            served: r.get(4)?,
            mean_wait_s: r.get(5)?,
        })
    })?
    .collect::<super::db::Result<_>>()
}

/// How many buckets are stored.
pub fn count(conn: &Connection) -> StoreResult<u64> {
    conn.query_row("SELECT count(*) FROM arrival_buckets", (), |r| r.get::<_, i64>(0))
        .map(|n| n.unsigned_abs())
}
