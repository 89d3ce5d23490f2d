//! Sync state of each feed: its cursor, when it last succeeded or failed and why, how many
//! failures in a row, and the offset between the API's clock and ours.

use super::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Utc};

use super::StoreResult;
use super::{from_ms, to_ms};

pub use crate::domain::freshness::FeedState;

/// A successful fetch of a feed.
#[derive(Debug, Clone, Default)]
pub struct Success<'a> {
    /// The new cursor; `None` keeps the stored one.
    pub cursor: Option<&'a str>,
    pub server_time: Option<DateTime<Utc>>,
    pub records_ok: u64,
    pub records_quarantined: u64,
}

pub fn record_success(
    conn: &Connection,
    feed: &str,
    now: DateTime<Utc>,
    s: &Success<'_>,
) -> StoreResult<()> {
    let offset = s.server_time.map(|t| (t - now).num_milliseconds());
    conn.prepare_cached(
        "INSERT INTO feed_state(feed, cursor, last_attempt_ms, last_success_ms, consecutive_failures,
                                server_offset_ms, records_ok, records_quarantined)
         VALUES (?1, ?2, ?3, ?3, 0, ?4, ?5, ?6)
         ON CONFLICT(feed) DO UPDATE SET
             cursor = coalesce(excluded.cursor, feed_state.cursor),
             last_attempt_ms = excluded.last_attempt_ms,
             last_success_ms = excluded.last_success_ms,
             consecutive_failures = 0,
             server_offset_ms = coalesce(excluded.server_offset_ms, feed_state.server_offset_ms),
             records_ok = feed_state.records_ok + excluded.records_ok,
             records_quarantined = feed_state.records_quarantined + excluded.records_quarantined",
    )?
    .execute(params![
        feed,
        s.cursor,
        to_ms(now),
        offset,
        i64::try_from(s.records_ok).unwrap_or(i64::MAX),
        i64::try_from(s.records_quarantined).unwrap_or(i64::MAX)
    ])?;
    Ok(())
}

pub fn record_failure(
    conn: &Connection,
    feed: &str,
    now: DateTime<Utc>,
    error: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO feed_state(feed, last_attempt_ms, last_error, last_error_ms, consecutive_failures)
         VALUES (?1, ?2, ?3, ?2, 1)
         ON CONFLICT(feed) DO UPDATE SET
             last_attempt_ms = excluded.last_attempt_ms,
             last_error = excluded.last_error,
             last_error_ms = excluded.last_error_ms,
             consecutive_failures = feed_state.consecutive_failures + 1",
    )?
    .execute(params![feed, to_ms(now), error])?;
    Ok(())
}

/// Forgets a feed's cursor, so the next fetch is a full one.
pub fn reset_cursor(conn: &Connection, feed: &str) -> StoreResult<()> {
    conn.execute("UPDATE feed_state SET cursor = NULL WHERE feed = ?1", [feed])?;
    Ok(())
}

pub fn get(conn: &Connection, feed: &str) -> StoreResult<Option<FeedState>> {
    conn.prepare_cached(&format!("{SELECT} WHERE feed = ?1"))?.query_row([feed], row).optional()
}

pub fn all(conn: &Connection) -> StoreResult<Vec<FeedState>> {
    conn.prepare_cached(&format!("{SELECT} ORDER BY feed"))?
        .query_map((), row)?
        .collect::<super::db::Result<_>>()
}

const SELECT: &str =
    "SELECT feed, cursor, last_attempt_ms, last_success_ms, last_error, last_error_ms,
        consecutive_failures, server_offset_ms, records_ok, records_quarantined FROM feed_state";

fn row(r: &super::db::Row<'_>) -> super::db::Result<FeedState> {
    Ok(FeedState {
        feed: r.get(0)?,
        cursor: r.get(1)?,
        last_attempt: r.get::<_, Option<i64>>(2)?.map(from_ms),
        last_success: r.get::<_, Option<i64>>(3)?.map(from_ms),
        last_error: r.get(4)?,
        last_error_at: r.get::<_, Option<i64>>(5)?.map(from_ms),
        consecutive_failures: r.get(6)?,
        server_offset_ms: r.get(7)?,
        records_ok: r.get::<_, i64>(8)?.max(0).unsigned_abs(),
        records_quarantined: r.get::<_, i64>(9)?.max(0).unsigned_abs(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use chrono::{Duration, TimeZone};

    #[test]
    fn failures_count_up_and_a_success_resets_them() {
        let mut store = Store::open_in_memory().unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
        store.write(|tx| record_failure(tx, "sensor.seats", t0, "timed out")).unwrap();
        store.write(|tx| record_failure(tx, "sensor.seats", t0, "HTTP 503")).unwrap();
        let s = get(store.conn(), "sensor.seats").unwrap().unwrap();
        assert_eq!(s.consecutive_failures, 2);
        assert_eq!(s.last_error.as_deref(), Some("HTTP 503"));
        assert_eq!(s.last_success, None);
        let ok = Success {
            cursor: Some("42"),
            server_time: Some(t0 + Duration::seconds(90)),
            records_ok: 10,
            records_quarantined: 2,
        };
        store.write(|tx| record_success(tx, "sensor.seats", t0, &ok)).unwrap();
        store
            .write(|tx| {
                record_success(
                    tx,
                    "sensor.seats",
                    t0,
                    &Success { records_ok: 1, ..Default::default() },
                )
            })
            .unwrap();
        let s = get(store.conn(), "sensor.seats").unwrap().unwrap();
        assert_eq!(s.consecutive_failures, 0);
        assert_eq!(s.cursor.as_deref(), Some("42"), "an absent cursor keeps the stored one");
        assert_eq!(s.server_offset_ms, Some(90_000));
        assert_eq!((s.records_ok, s.records_quarantined), (11, 2));
        assert_eq!(s.last_error.as_deref(), Some("HTTP 503"), "the last error stays visible");
        assert_eq!(s.age(t0 + Duration::seconds(5)), Some(Duration::seconds(5)));
    }
}
