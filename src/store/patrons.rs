//! The patron directory: one row per pseudonym, its card number, name and email encrypted
//! (the store sees only sealed bytes; `domain::crypto` seals and opens them).

use super::db::{Connection, OptionalExtension, Row, params};
use chrono::{DateTime, Utc};

use super::StoreResult;
use super::{from_ms, to_ms};
use crate::domain::patron::PatronState;

/// A directory row as stored: the sealed fields are opaque bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatronRow {
    pub pseudonym: String,
    pub card_enc: Option<Vec<u8>>,
    pub name_enc: Option<Vec<u8>>,
    pub email_enc: Option<Vec<u8>>,
    pub category: String,
    pub joined: DateTime<Utc>,
    pub last_active: DateTime<Utc>,
    pub state: PatronState,
    pub state_since: DateTime<Utc>,
}

const SELECT: &str = "SELECT pseudonym, card_enc, name_enc, email_enc, category, joined_ms, \
                      last_active_ms, state, state_since_ms FROM patrons";

fn row(r: &Row<'_>) -> super::db::Result<PatronRow> {
    let state: String = r.get(7)?;
    Ok(PatronRow {
        pseudonym: r.get(0)?,
        card_enc: r.get(1)?,
        name_enc: r.get(2)?,
        email_enc: r.get(3)?,
        category: r.get(4)?,
        joined: from_ms(r.get(5)?),
        last_active: from_ms(r.get(6)?),
        state: PatronState::parse(&state).map_err(|e| super::bad_column(7, e))?,
        state_since: from_ms(r.get(8)?),
    })
}

/// The patron named by `pseudonym`, if the directory holds them.
pub fn get(conn: &Connection, pseudonym: &str) -> StoreResult<Option<PatronRow>> {
    conn.prepare_cached(&format!("{SELECT} WHERE pseudonym = ?1"))?
        .query_row([pseudonym], row)
        .optional()
}

/// Whether the directory holds `pseudonym`.
pub fn exists(conn: &Connection, pseudonym: &str) -> StoreResult<bool> {
    conn.prepare_cached("SELECT 1 FROM patrons WHERE pseudonym = ?1")?
        .query_row([pseudonym], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
}

/// Adds a patron, or replaces every field of one already there.
pub fn upsert(conn: &Connection, p: &PatronRow) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO patrons(pseudonym, card_enc, name_enc, email_enc, category, joined_ms,
                             last_active_ms, state, state_since_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(pseudonym) DO UPDATE SET
             card_enc = excluded.card_enc, name_enc = excluded.name_enc,
             email_enc = excluded.email_enc, category = excluded.category,
             joined_ms = excluded.joined_ms, last_active_ms = excluded.last_active_ms,
             state = excluded.state, state_since_ms = excluded.state_since_ms",
    )?
    .execute(params![
        p.pseudonym,
        p.card_enc,
        p.name_enc,
        p.email_enc,
        p.category,
        to_ms(p.joined),
        to_ms(p.last_active),
        p.state.as_str(),
        to_ms(p.state_since)
    ])?;
    Ok(())
}

/// Sets a patron's last activity to the latest of joining, a loan or return, a search and a
/// visit. Returns whether the patron exists.
pub fn refresh_last_active(conn: &Connection, pseudonym: &str) -> StoreResult<bool> {
    let g = conn.greatest();
    let n = conn
        .prepare_cached(&format!(
            "UPDATE patrons SET last_active_ms = {g}(
                 joined_ms,
                 coalesce((SELECT max({g}(loaned_ms, coalesce(returned_ms, loaned_ms)))
                           FROM loans WHERE pseudonym = ?1), joined_ms),
                 coalesce((SELECT max(at_ms) FROM searches WHERE pseudonym = ?1), joined_ms),
                 coalesce((SELECT max(at_ms) FROM visits WHERE pseudonym = ?1), joined_ms))
             WHERE pseudonym = ?1",
        ))?
        .execute([pseudonym])?;
    Ok(n > 0)
}

/// Number of patrons in the directory.
pub fn count(conn: &Connection) -> StoreResult<u64> {
    conn.query_row("SELECT count(*) FROM patrons", (), |r| r.get::<_, i64>(0))
        .map(|n| u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn at(ms: i64) -> DateTime<Utc> {
        from_ms(ms)
    }

    #[test]
    fn rows_round_trip_and_last_activity_follows_the_activity_tables() {
        let mut s = Store::open_in_memory().unwrap();
        let p = PatronRow {
            pseudonym: "p1".into(),
            card_enc: Some(vec![1, 2, 3]),
            name_enc: Some(vec![4, 5]),
            email_enc: None,
            category: "adult".into(),
            joined: at(1_000),
            last_active: at(1_000),
            state: PatronState::Active,
            state_since: at(1_000),
        };
        s.write(|tx| upsert(tx, &p)).unwrap();
        assert_eq!(get(s.conn(), "p1").unwrap(), Some(p.clone()));
        assert_eq!(get(s.conn(), "p2").unwrap(), None);
        assert!(exists(s.conn(), "p1").unwrap());
        assert_eq!(count(s.conn()).unwrap(), 1);
        s.write(|tx| {
            tx.execute_batch(
                "INSERT INTO loans(pseudonym, item_id, loaned_ms, returned_ms) VALUES ('p1', 'b', 2000, 9000);
                 INSERT INTO visits(pseudonym, at_ms) VALUES ('p1', 5000);",
            )?;
            refresh_last_active(tx, "p1")
        })
        .unwrap();
        assert_eq!(get(s.conn(), "p1").unwrap().unwrap().last_active, at(9_000));
        assert!(!s.write(|tx| refresh_last_active(tx, "nobody")).unwrap());
    }
}
