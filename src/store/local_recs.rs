//! The local recommender a site's own loans chose by backtest: one row, replaced at each
//! choice.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreResult;
use super::db::{Connection, OptionalExtension, params};
use super::{from_ms, to_ms};

/// Which local model the desk's fallback uses, and how it scored in the backtest that chose it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalChoice {
    /// The model's key (`item-knn`, `ease`, `popularity`).
    pub model: String,
    /// Its nDCG@10.
    pub ndcg: f64,
    /// Popularity's nDCG@10 on the same backtest, for comparison.
    pub popularity_ndcg: f64,
    pub users_evaluated: u64,
    /// The linked loans the backtest ran on.
    pub loans: u64,
    pub computed: DateTime<Utc>,
}

/// Records the choice in place of the one before.
pub fn set(conn: &Connection, c: &LocalChoice) -> StoreResult<()> {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "INSERT INTO recs_choice(id, model, ndcg, popularity_ndcg, users_evaluated, loans, computed_ms)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET model = excluded.model, ndcg = excluded.ndcg,
           popularity_ndcg = excluded.popularity_ndcg, users_evaluated = excluded.users_evaluated,
           loans = excluded.loans, computed_ms = excluded.computed_ms",
    )?
    .execute(params![
        c.model,
        c.ndcg,
        c.popularity_ndcg,
        count(c.users_evaluated),
        count(c.loans),
        to_ms(c.computed)
    ])?;
    Ok(())
}

/// The choice on record, if a backtest has made one.
pub fn get(conn: &Connection) -> StoreResult<Option<LocalChoice>> {
    conn.query_row(
        "SELECT model, ndcg, popularity_ndcg, users_evaluated, loans, computed_ms
             FROM recs_choice WHERE id = 1",
        (),
        |r| {
            Ok(LocalChoice {
                model: r.get(0)?,
                ndcg: r.get(1)?,
                popularity_ndcg: r.get(2)?,
                users_evaluated: r.get::<_, i64>(3)?.max(0).unsigned_abs(),
                loans: r.get::<_, i64>(4)?.max(0).unsigned_abs(),
                computed: from_ms(r.get(5)?),
            })
        },
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_choice_replaces_the_one_before() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(get(s.conn()).unwrap(), None);
        let first = LocalChoice {
            model: "item-knn".into(),
            ndcg: 0.03,
            popularity_ndcg: 0.01,
            users_evaluated: 10,
            loans: 40,
            computed: from_ms(1_000),
        };
        set(s.conn(), &first).unwrap();
        assert_eq!(get(s.conn()).unwrap().as_ref(), Some(&first));
        let second = LocalChoice { model: "ease".into(), loans: 41, ..first };
        set(s.conn(), &second).unwrap();
        assert_eq!(get(s.conn()).unwrap(), Some(second));
    }
}
