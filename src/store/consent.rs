//! The consent registry: every grant and withdrawal, appended, never changed. A patron's
//! current consent to a purpose is the latest change for it.

use rusqlite::{Connection, Row, params};

use super::{from_ms, to_ms};
pub use crate::domain::consent::ConsentChange;
use crate::domain::consent::{ConsentPurpose, ConsentSource};

const SELECT: &str =
    "SELECT pseudonym, purpose, granted, at_ms, \"by\", source, note FROM consent_changes";

fn conversion(i: usize, e: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
}

fn row(r: &Row<'_>) -> rusqlite::Result<ConsentChange> {
    let purpose: String = r.get(1)?;
    let source: String = r.get(5)?;
    Ok(ConsentChange {
        pseudonym: r.get(0)?,
        purpose: ConsentPurpose::parse(&purpose).map_err(|e| conversion(1, e))?,
        granted: r.get(2)?,
        at: from_ms(r.get(3)?),
        by: r.get(4)?,
        source: ConsentSource::parse(&source).map_err(|e| conversion(5, e))?,
        note: r.get(6)?,
    })
}

/// Appends a change.
pub fn append(conn: &Connection, c: &ConsentChange) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO consent_changes(pseudonym, purpose, granted, at_ms, \"by\", source, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        c.pseudonym,
        c.purpose.as_str(),
        c.granted,
        to_ms(c.at),
        c.by,
        c.source.as_str(),
        c.note
    ])?;
    Ok(())
}

/// Every change of every patron, oldest first (ties in the order they were recorded).
pub fn history(conn: &Connection) -> rusqlite::Result<Vec<ConsentChange>> {
    conn.prepare_cached(&format!("{SELECT} ORDER BY at_ms, id"))?.query_map([], row)?.collect()
}

/// One patron's changes, oldest first.
pub fn for_patron(conn: &Connection, pseudonym: &str) -> rusqlite::Result<Vec<ConsentChange>> {
    conn.prepare_cached(&format!("{SELECT} WHERE pseudonym = ?1 ORDER BY at_ms, id"))?
        .query_map([pseudonym], row)?
        .collect()
}

/// A patron's current consent to `purpose`: the latest change, if any.
pub fn current(
    conn: &Connection,
    pseudonym: &str,
    purpose: ConsentPurpose,
) -> rusqlite::Result<Option<ConsentChange>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(&format!(
        "{SELECT} WHERE pseudonym = ?1 AND purpose = ?2 ORDER BY at_ms DESC, id DESC LIMIT 1"
    ))?
    .query_row(params![pseudonym, purpose.as_str()], row)
    .optional()
}

/// Number of changes recorded.
pub fn count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT count(*) FROM consent_changes", [], |r| r.get::<_, i64>(0))
        .map(|n| u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn history_is_ordered_and_the_latest_change_is_current() {
        let mut s = Store::open_in_memory().unwrap();
        let change = |who: &str, purpose, granted, ms| ConsentChange {
            pseudonym: who.into(),
            purpose,
            granted,
            at: from_ms(ms),
            by: "dana".into(),
            source: ConsentSource::Desk,
            note: "at the desk".into(),
        };
        let rec = ConsentPurpose::Recommendations;
        let changes = [
            change("p1", rec, true, 2_000),
            change("p2", rec, true, 1_000),
            change("p1", rec, false, 3_000),
            change("p1", ConsentPurpose::Profiling, true, 3_000),
        ];
        s.write(|tx| changes.iter().try_for_each(|c| append(tx, c))).unwrap();
        let all = history(s.conn()).unwrap();
        assert_eq!(all.len(), 4);
        assert!(all.windows(2).all(|w| w[0].at <= w[1].at));
        assert_eq!(all[0], changes[1]);
        assert_eq!(
            for_patron(s.conn(), "p1").unwrap(),
            vec![changes[0].clone(), changes[2].clone(), changes[3].clone()]
        );
        assert!(!current(s.conn(), "p1", rec).unwrap().unwrap().granted);
        assert_eq!(current(s.conn(), "p3", rec).unwrap(), None);
        assert_eq!(count(s.conn()).unwrap(), 4);
    }
}
