//! Patron activity: loans, catalogue searches and visits, each named by pseudonym only (NULL
//! once retention has anonymised the row). Writing a row that is already there changes
//! nothing, so an import can be repeated.

use super::db::{Connection, params};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreResult;
use super::to_ms;

/// What writing one row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    New,
    Changed,
    Unchanged,
}

/// A loan of a catalogue item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loan {
    pub pseudonym: String,
    pub item_id: String,
    pub loaned: DateTime<Utc>,
    pub returned: Option<DateTime<Utc>>,
}

/// A catalogue search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub pseudonym: String,
    pub at: DateTime<Utc>,
    pub query: String,
}

/// A visit to the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub pseudonym: String,
    pub at: DateTime<Utc>,
    pub zone_id: Option<String>,
}

/// A loan, identified by patron, item and loan time. A return time given updates a loan
/// already there; a return time missing never clears one (a return does not un-happen, and an
/// older file simply predates it).
pub fn write_loan(conn: &Connection, l: &Loan) -> StoreResult<Written> {
    let returned = l.returned.map(to_ms);
    let added = conn
        .prepare_cached(
            "INSERT INTO loans(pseudonym, item_id, loaned_ms, returned_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(pseudonym, item_id, loaned_ms) DO NOTHING",
        )?
        .execute(params![l.pseudonym, l.item_id, to_ms(l.loaned), returned])?;
    if added > 0 {
        return Ok(Written::New);
    }
    let Some(returned) = returned else { return Ok(Written::Unchanged) };
    let changed = conn
        .prepare_cached(
            "UPDATE loans SET returned_ms = ?4
             WHERE pseudonym = ?1 AND item_id = ?2 AND loaned_ms = ?3 AND returned_ms IS DISTINCT FROM ?4",
        )?
        .execute(params![l.pseudonym, l.item_id, to_ms(l.loaned), returned])?;
    Ok(if changed > 0 { Written::Changed } else { Written::Unchanged })
}

/// A search, identified by patron, time and query.
pub fn write_search(conn: &Connection, s: &Search) -> StoreResult<Written> {
    let added = conn
        .prepare_cached(
            "INSERT INTO searches(pseudonym, at_ms, query) VALUES (?1, ?2, ?3)
             ON CONFLICT(pseudonym, at_ms, query) DO NOTHING",
        )?
        .execute(params![s.pseudonym, to_ms(s.at), s.query])?;
    Ok(if added > 0 { Written::New } else { Written::Unchanged })
}

/// A visit, identified by patron and time. A zone given updates a visit already there; a zone
/// missing never clears one.
pub fn write_visit(conn: &Connection, v: &Visit) -> StoreResult<Written> {
    let added = conn
        .prepare_cached(
            "INSERT INTO visits(pseudonym, at_ms, zone_id) VALUES (?1, ?2, ?3)
             ON CONFLICT(pseudonym, at_ms) DO NOTHING",
        )?
        .execute(params![v.pseudonym, to_ms(v.at), v.zone_id])?;
    if added > 0 {
        return Ok(Written::New);
    }
    let Some(zone) = &v.zone_id else { return Ok(Written::Unchanged) };
    let changed = conn
        .prepare_cached(
            "UPDATE visits SET zone_id = ?3 WHERE pseudonym = ?1 AND at_ms = ?2 AND zone_id IS DISTINCT FROM ?3",
        )?
        .execute(params![v.pseudonym, to_ms(v.at), zone])?;
    Ok(if changed > 0 { Written::Changed } else { Written::Unchanged })
}

/// How many rows each activity table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ActivityCounts {
    pub loans: u64,
    pub searches: u64,
    pub visits: u64,
}

pub fn counts(conn: &Connection) -> StoreResult<ActivityCounts> {
    let n = |table: &str| {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), (), |r| r.get::<_, i64>(0))
            .map(|n| u64::try_from(n).unwrap_or(0))
    };
    Ok(ActivityCounts { loans: n("loans")?, searches: n("searches")?, visits: n("visits")? })
}

/// A patron's loan as (catalogue subject if known, loaned at, returned at).
pub type PatronLoan = (Option<String>, DateTime<Utc>, Option<DateTime<Utc>>);

/// One patron's loans, oldest first.
pub fn patron_loans(conn: &Connection, pseudonym: &str) -> StoreResult<Vec<PatronLoan>> {
    conn.prepare_cached(
        "SELECT c.subject, l.loaned_ms, l.returned_ms FROM loans l
             LEFT JOIN catalog_items c ON c.id = l.item_id
         WHERE l.pseudonym = ?1 ORDER BY l.loaned_ms",
    )?
    .query_map([pseudonym], |r| {
        Ok((r.get(0)?, super::from_ms(r.get(1)?), r.get::<_, Option<i64>>(2)?.map(super::from_ms)))
    })?
    .collect::<super::db::Result<_>>()
}

/// One patron's searches as (query, at), oldest first.
pub fn patron_searches(
    conn: &Connection,
    pseudonym: &str,
) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
    conn.prepare_cached("SELECT query, at_ms FROM searches WHERE pseudonym = ?1 ORDER BY at_ms")?
        .query_map([pseudonym], |r| Ok((r.get(0)?, super::from_ms(r.get(1)?))))?
        .collect::<super::db::Result<_>>()
}

/// One patron's visits as (zone if recorded, at), oldest first.
pub fn patron_visits(
    conn: &Connection,
    pseudonym: &str,
) -> StoreResult<Vec<(Option<String>, DateTime<Utc>)>> {
    conn.prepare_cached("SELECT zone_id, at_ms FROM visits WHERE pseudonym = ?1 ORDER BY at_ms")?
        .query_map([pseudonym], |r| Ok((r.get(0)?, super::from_ms(r.get(1)?))))?
        .collect::<super::db::Result<_>>()
}

/// Catalogue titles with their subjects, for mapping searches to subjects.
pub fn catalogue_subjects(conn: &Connection) -> StoreResult<Vec<(String, String)>> {
    conn.prepare_cached("SELECT title, subject FROM catalog_items")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<super::db::Result<_>>()
}

/// Every loan still linked to a patron, as (pseudonym, item id): the local recommender's data.
pub fn linked_loans(conn: &Connection) -> StoreResult<Vec<(String, String)>> {
    conn.prepare_cached("SELECT pseudonym, item_id FROM loans WHERE pseudonym IS NOT NULL")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<super::db::Result<_>>()
}

/// Every loan still linked to a patron, as (pseudonym, item id, loan time), by loan time (equal
/// times by row): the local recommenders' backtest reads them as a timed log.
pub fn linked_loan_events(conn: &Connection) -> StoreResult<Vec<(String, String, DateTime<Utc>)>> {
    conn.prepare_cached(
        "SELECT pseudonym, item_id, loaned_ms FROM loans WHERE pseudonym IS NOT NULL
         ORDER BY loaned_ms, id",
    )?
    .query_map((), |r| Ok((r.get(0)?, r.get(1)?, super::from_ms(r.get(2)?))))?
    .collect::<super::db::Result<_>>()
}

/// How many loans are linked to a patron and the newest row's id: when neither moved, the
/// linked loans are taken to be as they were (a loan's patron and item never change; retention
/// only unlinks or deletes, which lowers the count).
pub fn linked_loans_mark(conn: &Connection) -> StoreResult<(u64, i64)> {
    conn.query_row(
        "SELECT count(*), coalesce(max(id), 0) FROM loans WHERE pseudonym IS NOT NULL",
        (),
        |r| Ok((r.get::<_, i64>(0)?.max(0).unsigned_abs(), r.get(1)?)),
    )
}

/// The items one patron has borrowed.
pub fn patron_items(conn: &Connection, pseudonym: &str) -> StoreResult<Vec<String>> {
    conn.prepare_cached("SELECT DISTINCT item_id FROM loans WHERE pseudonym = ?1")?
        .query_map([pseudonym], |r| r.get(0))?
        .collect::<super::db::Result<_>>()
}

/// The title of each catalogue item of `ids` the catalogue holds.
pub fn titles(
    conn: &Connection,
    ids: &[String],
) -> StoreResult<std::collections::HashMap<String, String>> {
    let mut stmt = conn.prepare_cached("SELECT title FROM catalog_items WHERE id = ?1")?;
    let mut out = std::collections::HashMap::new();
    for id in ids {
        if let Some(t) = super::db::OptionalExtension::optional(stmt.query_row([id], |r| r.get(0)))?
        {
            out.insert(id.clone(), t);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, from_ms};

    #[test]
    fn writing_again_changes_nothing_and_returns_and_zones_only_fill_in() {
        let mut s = Store::open_in_memory().unwrap();
        let loan = Loan {
            pseudonym: "p".into(),
            item_id: "bib-1".into(),
            loaned: from_ms(1_000),
            returned: None,
        };
        let returned = Loan { returned: Some(from_ms(5_000)), ..loan.clone() };
        let search = Search { pseudonym: "p".into(), at: from_ms(2_000), query: "law".into() };
        let visit = Visit { pseudonym: "p".into(), at: from_ms(3_000), zone_id: None };
        let zoned = Visit { zone_id: Some("F0-Z1".into()), ..visit.clone() };
        let results = s
            .write(|tx| {
                Ok::<_, crate::store::StoreError>(vec![
                    write_loan(tx, &loan)?,
                    write_loan(tx, &loan)?,
                    write_loan(tx, &returned)?,
                    write_loan(tx, &returned)?,
                    write_loan(tx, &loan)?,
                    write_search(tx, &search)?,
                    write_search(tx, &search)?,
                    write_visit(tx, &visit)?,
                    write_visit(tx, &zoned)?,
                    write_visit(tx, &visit)?,
                ])
            })
            .unwrap();
        use Written::*;
        assert_eq!(
            results,
            vec![
                New, Unchanged, Changed, Unchanged, Unchanged, New, Unchanged, New, Changed,
                Unchanged
            ]
        );
        assert_eq!(counts(s.conn()).unwrap(), ActivityCounts { loans: 1, searches: 1, visits: 1 });
    }
}
