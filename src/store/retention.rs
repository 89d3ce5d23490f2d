//! Rows due for a retention step, and the step itself: anonymising (unlinking analytics rows
//! from the patron's pseudonym; erasing a patron's encrypted card, name and email), locking a
//! patron, deleting.

use super::db::{Connection, params};
use chrono::{DateTime, Utc};

use super::StoreResult;
use super::{from_ms, to_ms};
use crate::domain::retention::{DataKind, PurgeStep};

/// The table, its row key and the time a row's age counts from.
fn shape(kind: DataKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        // A loan ages from its return; one still out is never due.
        DataKind::Loans => ("loans", "id", "returned_ms"),
        DataKind::Searches => ("searches", "id", "at_ms"),
        DataKind::Visits => ("visits", "id", "at_ms"),
        DataKind::Patrons => ("patrons", "pseudonym", "last_active_ms"),
    }
}

/// Rows of `kind` due for `step`: aged from before `older_than`, but not before `not_before`
/// (those are due for a later step), and not already through this step. In key order, with
/// their age-counting time.
pub fn due(
    conn: &Connection,
    kind: DataKind,
    step: PurgeStep,
    older_than: DateTime<Utc>,
    not_before: Option<DateTime<Utc>>,
) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
    let (table, key, time) = shape(kind);
    let pending = match (kind, step) {
        (_, PurgeStep::Delete) => "1 = 1",
        (DataKind::Patrons, PurgeStep::Anonymise) => "state != 'anonymised'",
        (DataKind::Patrons, PurgeStep::Lock) => "state = 'active'",
        (_, PurgeStep::Anonymise) => "pseudonym IS NOT NULL",
        (_, PurgeStep::Lock) => "0",
    };
    let sql = format!(
        "SELECT CAST({key} AS TEXT), {time} FROM {table}
         WHERE {time} IS NOT NULL AND {time} < ?1 AND (CAST(?2 AS BIGINT) IS NULL OR {time} >= ?2) AND {pending}
         ORDER BY {key}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.query_map(params![to_ms(older_than), not_before.map(to_ms)], |r| {
        Ok((r.get::<_, String>(0)?, from_ms(r.get(1)?)))
    })?
    .collect::<super::db::Result<_>>()
}

/// Carries out `step` on the rows `keys` of `kind`; returns how many changed.
pub fn apply(
    conn: &Connection,
    kind: DataKind,
    step: PurgeStep,
    keys: &[String],
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    let (table, key, _) = shape(kind);
    let now = to_ms(now);
    let mut n = 0;
    for k in keys {
        n += match (kind, step) {
            (DataKind::Patrons, PurgeStep::Delete) => {
                // The patron's remaining activity is unlinked and their consent history goes
                // with them.
                for t in ["loans", "searches", "visits"] {
                    conn.prepare_cached(&format!(
                        "UPDATE {t} SET pseudonym = NULL, anonymised_ms = ?2 WHERE pseudonym = ?1"
                    ))?
                    .execute(params![k, now])?;
                }
                conn.prepare_cached("DELETE FROM consent_changes WHERE pseudonym = ?1")?
                    .execute([k])?;
                conn.prepare_cached("DELETE FROM patrons WHERE pseudonym = ?1")?.execute([k])?
            }
            (DataKind::Patrons, PurgeStep::Anonymise) => conn
                .prepare_cached(
                    "UPDATE patrons SET card_enc = NULL, name_enc = NULL, email_enc = NULL,
                     state = 'anonymised', state_since_ms = ?2 WHERE pseudonym = ?1",
                )?
                .execute(params![k, now])?,
            (DataKind::Patrons, PurgeStep::Lock) => conn
                .prepare_cached(
                    "UPDATE patrons SET state = 'locked', state_since_ms = ?2
                     WHERE pseudonym = ?1 AND state = 'active'",
                )?
                .execute(params![k, now])?,
            (_, PurgeStep::Delete) => conn
                .prepare_cached(&format!("DELETE FROM {table} WHERE {key} = CAST(?1 AS INTEGER)"))?
                .execute([k])?,
            (_, PurgeStep::Anonymise) => conn
                .prepare_cached(&format!(
                    "UPDATE {table} SET pseudonym = NULL, anonymised_ms = ?2
                     WHERE {key} = CAST(?1 AS INTEGER) AND pseudonym IS NOT NULL"
                ))?
                .execute(params![k, now])?,
            (_, PurgeStep::Lock) => 0,
        };
    }
    Ok(n)
}
