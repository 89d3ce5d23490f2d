//! The consent registry: every grant and withdrawal, appended, never changed. A patron's
//! current consent to a purpose is the latest change for it.

use super::db::{Connection, Row, params};
use rand::RngCore;

use super::StoreResult;
use super::{from_ms, to_ms};
pub use crate::domain::consent::ConsentChange;
use crate::domain::consent::{ConsentPurpose, ConsentSource};
use crate::domain::crypto::{Keys, NONCE_LEN};

const SELECT: &str = "SELECT pseudonym, purpose, granted, at_ms, \"by\", source, note, note_enc, id FROM consent_changes";

/// The sealed note's column name in its associated data: bound to the change's purpose and
/// time as well as the patron, so a note moved to another change does not open.
fn note_column(purpose: ConsentPurpose, at_ms: i64) -> String {
    format!("consent_note:{}:{at_ms}", purpose.as_str())
}

fn seal_note(keys: &Keys, c: &ConsentChange) -> Option<Vec<u8>> {
    if c.note.is_empty() {
        return None;
    }
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    Some(keys.seal(&note_column(c.purpose, to_ms(c.at)), &c.pseudonym, &c.note, nonce))
}

fn conversion(i: usize, e: String) -> super::StoreError {
    super::bad_column(i, e)
}

fn row(r: &Row<'_>) -> super::db::Result<ConsentChange> {
    let purpose: String = r.get(1)?;
    let source: String = r.get(5)?;
    Ok(ConsentChange {
        pseudonym: r.get(0)?,
        purpose: ConsentPurpose::parse(&purpose).map_err(|e| conversion(1, e))?,
        granted: r.get(2)?,
        at: from_ms(r.get(3)?),
        by: r.get(4)?,
        source: ConsentSource::parse(&source).map_err(|e| conversion(5, e))?,
        // The note is sealed; `for_patron_with_notes` opens it.
        note: r.get(6)?,
    })
}

/// Appends a change, its note sealed under the directory key.
pub fn append(conn: &Connection, keys: &Keys, c: &ConsentChange) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO consent_changes(pseudonym, purpose, granted, at_ms, \"by\", source, note, note_enc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', ?7)",
    )?
    .execute(params![
        c.pseudonym,
        c.purpose.as_str(),
        c.granted,
        to_ms(c.at),
        c.by,
        c.source.as_str(),
        seal_note(keys, c)
    ])?;
    Ok(())
}

/// Seals the notes written in plain text before notes were sealed. Returns how many.
pub fn seal_plain_notes(conn: &Connection, keys: &Keys) -> StoreResult<usize> {
    let plain: Vec<(i64, ConsentChange)> = conn
        .prepare_cached(&format!("{SELECT} WHERE note != '' AND note_enc IS NULL"))?
        .query_map((), |r| Ok((r.get(8)?, row(r)?)))?
        .collect::<super::db::Result<_>>()?;
    for (id, c) in &plain {
        conn.prepare_cached("UPDATE consent_changes SET note = '', note_enc = ?2 WHERE id = ?1")?
            .execute(params![id, seal_note(keys, c)])?;
    }
    Ok(plain.len())
}

/// One patron's changes, oldest first, with their notes opened.
pub fn for_patron_with_notes(
    conn: &Connection,
    keys: &Keys,
    pseudonym: &str,
) -> StoreResult<Vec<ConsentChange>> {
    conn.prepare_cached(&format!("{SELECT} WHERE pseudonym = ?1 ORDER BY at_ms, id"))?
        .query_map([pseudonym], |r| {
            let mut c = row(r)?;
            if let Some(sealed) = r.get::<_, Option<Vec<u8>>>(7)? {
                c.note = keys
                    .open(&note_column(c.purpose, to_ms(c.at)), &c.pseudonym, &sealed)
                    .map_err(|e| conversion(7, e.to_string()))?;
            }
            Ok(c)
        })?
        .collect::<super::db::Result<_>>()
}

/// Every change of every patron, oldest first (ties in the order they were recorded).
pub fn history(conn: &Connection) -> StoreResult<Vec<ConsentChange>> {
    conn.prepare_cached(&format!("{SELECT} ORDER BY at_ms, id"))?
        .query_map((), row)?
        .collect::<super::db::Result<_>>()
}

/// One patron's changes, oldest first.
pub fn for_patron(conn: &Connection, pseudonym: &str) -> StoreResult<Vec<ConsentChange>> {
    conn.prepare_cached(&format!("{SELECT} WHERE pseudonym = ?1 ORDER BY at_ms, id"))?
        .query_map([pseudonym], row)?
        .collect::<super::db::Result<_>>()
}

/// A patron's current consent to `purpose`: the latest change, if any.
pub fn current(
    conn: &Connection,
    pseudonym: &str,
    purpose: ConsentPurpose,
) -> StoreResult<Option<ConsentChange>> {
    use super::db::OptionalExtension;
    conn.prepare_cached(&format!(
        "{SELECT} WHERE pseudonym = ?1 AND purpose = ?2 ORDER BY at_ms DESC, id DESC LIMIT 1"
    ))?
    .query_row(params![pseudonym, purpose.as_str()], row)
    .optional()
}

/// Number of changes recorded.
pub fn count(conn: &Connection) -> StoreResult<u64> {
    conn.query_row("SELECT count(*) FROM consent_changes", (), |r| r.get::<_, i64>(0))
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
        let keys = Keys::new([3u8; 32], b"consent test site key".to_vec()).unwrap();
        s.write(|tx| changes.iter().try_for_each(|c| append(tx, &keys, c))).unwrap();
        let all = history(s.conn()).unwrap();
        assert_eq!(all.len(), 4);
        assert!(all.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(all.iter().all(|c| c.note.is_empty()), "notes are stored sealed");
        assert_eq!(
            for_patron_with_notes(s.conn(), &keys, "p1").unwrap(),
            vec![changes[0].clone(), changes[2].clone(), changes[3].clone()]
        );
        let other = Keys::new([4u8; 32], b"consent test site key".to_vec()).unwrap();
        assert!(for_patron_with_notes(s.conn(), &other, "p1").is_err(), "another key opens none");
        assert!(!current(s.conn(), "p1", rec).unwrap().unwrap().granted);
        assert_eq!(current(s.conn(), "p3", rec).unwrap(), None);
        assert_eq!(count(s.conn()).unwrap(), 4);
    }

    #[test]
    fn notes_written_before_sealing_are_sealed_once() {
        let s = Store::open_in_memory().unwrap();
        let keys = Keys::new([3u8; 32], b"consent test site key".to_vec()).unwrap();
        s.conn()
            .execute_batch(
                "INSERT INTO consent_changes(pseudonym, purpose, granted, at_ms, \"by\", source, note)
                 VALUES ('p1', 'recommendations', 1, 1000, 'dana', 'desk', 'Alice phoned')",
            )
            .unwrap();
        assert_eq!(seal_plain_notes(s.conn(), &keys).unwrap(), 1);
        assert_eq!(seal_plain_notes(s.conn(), &keys).unwrap(), 0);
        let plain: String =
            s.conn().query_row("SELECT note FROM consent_changes", (), |r| r.get(0)).unwrap();
        assert_eq!(plain, "");
        assert_eq!(for_patron_with_notes(s.conn(), &keys, "p1").unwrap()[0].note, "Alice phoned");
    }
}
