//! The ingest lease: one ingesting process per database.
//!
//! A single row names the holder and when its lease expires. A process takes the lease when
//! nobody holds it or the holder let it expire (it died or hung), and renews it while it
//! ingests. Everything happens in one immediate transaction, so two processes racing for the
//! lease cannot both win.

use super::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Duration, Utc};

use super::StoreResult;
use super::{from_ms, to_ms};

pub use crate::domain::freshness::Lease;

pub use crate::domain::freshness::Claim;

/// Takes or renews the lease for `holder` until `now + ttl`, unless another holder's lease is
/// still alive. Call inside a write transaction.
pub fn claim(
    conn: &Connection,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> StoreResult<Claim> {
    let expires = now + ttl;
    match current(conn)? {
        Some(l) if l.holder != holder && l.is_alive(now) => Ok(Claim::HeldBy(l)),
        Some(l) if l.holder == holder => {
            conn.execute(
                "UPDATE ingest_lease SET renewed_ms = ?1, expires_ms = ?2 WHERE id = 1",
                params![to_ms(now), to_ms(expires)],
            )?;
            Ok(Claim::Held(Lease { renewed: now, expires, ..l }))
        }
        _ => {
            conn.execute(
                "INSERT INTO ingest_lease(id, holder, acquired_ms, renewed_ms, expires_ms)
                 VALUES (1, ?1, ?2, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET holder = excluded.holder,
                     acquired_ms = excluded.acquired_ms, renewed_ms = excluded.renewed_ms,
                     expires_ms = excluded.expires_ms",
                params![holder, to_ms(now), to_ms(expires)],
            )?;
            Ok(Claim::Held(Lease {
                holder: holder.to_owned(),
                acquired: now,
                renewed: now,
                expires,
            }))
        }
    }
}

/// Gives the lease up if `holder` has it, so another process can take over at once.
pub fn release(conn: &Connection, holder: &str) -> StoreResult<bool> {
    Ok(conn.execute("DELETE FROM ingest_lease WHERE id = 1 AND holder = ?1", [holder])? > 0)
}

pub fn current(conn: &Connection) -> StoreResult<Option<Lease>> {
    conn.prepare_cached(
        "SELECT holder, acquired_ms, renewed_ms, expires_ms FROM ingest_lease WHERE id = 1",
    )?
    .query_row((), |r| {
        Ok(Lease {
            holder: r.get(0)?,
            acquired: from_ms(r.get(1)?),
            renewed: from_ms(r.get(2)?),
            expires: from_ms(r.get(3)?),
        })
    })
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use chrono::TimeZone;

    #[test]
    fn one_holder_at_a_time_and_takeover_after_expiry() {
        let mut store = Store::open_in_memory().unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
        let ttl = Duration::seconds(15);
        let a = store.write(|tx| claim(tx, "a", t0, ttl)).unwrap();
        assert!(matches!(a, Claim::Held(_)));
        let b = store.write(|tx| claim(tx, "b", t0 + Duration::seconds(5), ttl)).unwrap();
        assert!(matches!(b, Claim::HeldBy(ref l) if l.holder == "a"));
        let renewed = store.write(|tx| claim(tx, "a", t0 + Duration::seconds(10), ttl)).unwrap();
        assert!(
            matches!(renewed, Claim::Held(ref l) if l.acquired == t0 && l.expires == t0 + Duration::seconds(25))
        );
        let b = store.write(|tx| claim(tx, "b", t0 + Duration::seconds(24), ttl)).unwrap();
        assert!(matches!(b, Claim::HeldBy(_)));
        let b = store.write(|tx| claim(tx, "b", t0 + Duration::seconds(25), ttl)).unwrap();
        assert!(matches!(b, Claim::Held(ref l) if l.holder == "b"));
        assert!(!store.write(|tx| release(tx, "a")).unwrap());
        assert!(store.write(|tx| release(tx, "b")).unwrap());
        assert_eq!(current(store.conn()).unwrap(), None);
    }
}
