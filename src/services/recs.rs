//! carrel's own recommenders over the site's loans: what the backtest that chooses one for the
//! site reads and records (the ingest's `engine.recs` job), and the patron desk's fallback, which
//! uses the model chosen.
//!
//! The loans read are pseudonymous (who borrowed what, by pseudonym). The choice is recorded
//! with an audit entry in the same transaction, naming how many loans it was made from; the
//! fallback's reads are logged when its recommendations are served (`desk::serve`).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::ServiceError;
use super::desk::DeskRecommendation;
use crate::domain::audit::{NewEntry, Outcome};
use crate::domain::recs::{
    BacktestReport, Ease, InteractionLog, Interactions, ItemKnn, ModelKind, Popularity, Reason,
    Recommendation, Recommender,
};
use crate::store::local_recs::LocalChoice;
use crate::store::{self, Store, StoreError, audit as log};

/// The action of the audit entry that records a choice.
pub const CHOOSE_ACTION: &str = "recs.choose";

/// How many loans are linked to patrons and the newest one's id: the engine backtests again
/// only when this moves.
pub fn loans_mark(store: &Store) -> Result<(u64, i64), ServiceError> {
    Ok(store::activity::linked_loans_mark(store.conn())?)
}

/// The linked loans as a timed log (pseudonym, item, loan time), for the backtest.
pub fn loan_log(store: &Store) -> Result<InteractionLog, ServiceError> {
    Ok(InteractionLog::from_timed(store::activity::linked_loan_events(store.conn())?))
}

/// Records the model `report` chose from `loans` linked loans, as carrel's engine, with its
/// audit entry in the same transaction.
pub fn record_choice(
    store: &mut Store,
    report: &BacktestReport,
    loans: u64,
    now: DateTime<Utc>,
) -> Result<LocalChoice, ServiceError> {
    let ndcg = |m: ModelKind| report.score(m).map_or(0.0, |s| s.ndcg);
    let choice = LocalChoice {
        model: report.chosen.key().to_owned(),
        ndcg: ndcg(report.chosen),
        popularity_ndcg: ndcg(ModelKind::Popularity),
        users_evaluated: report.users_evaluated as u64,
        loans,
        computed: now,
    };
    let details = serde_json::json!({
        "model": choice.model,
        "ndcg": report.models.iter().map(|s| (s.model.key(), s.ndcg)).collect::<std::collections::BTreeMap<_, _>>(),
        "users_evaluated": choice.users_evaluated,
        "loans": loans,
    })
    .to_string();
    store.write(|tx| {
        store::local_recs::set(tx, &choice)?;
        log::append(
            tx,
            NewEntry {
                at: now,
                actor: super::alerts::ENGINE.into(),
                role: "system".into(),
                action: CHOOSE_ACTION.into(),
                object: "loans".into(),
                purpose: String::new(),
                outcome: Outcome::Allowed,
                details: details.clone(),
                impersonator: None,
            },
        )?;
        Ok::<_, StoreError>(())
    })?;
    Ok(choice)
}

/// The model the desk's fallback uses: the one on record, and whether a backtest chose it
/// (item-based CF until one has).
pub fn chosen(store: &Store) -> Result<(ModelKind, Option<LocalChoice>), ServiceError> {
    let choice = store::local_recs::get(store.conn())?;
    // A model this carrel does not know (written by a newer one, or by hand) is not used.
    let model = choice.as_ref().and_then(|c| ModelKind::from_key(&c.model));
    Ok((model.unwrap_or(ModelKind::ItemKnn), choice.filter(|_| model.is_some())))
}

/// What the desk's fallback served and which model it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Local {
    pub model: ModelKind,
    /// The backtest's choice on record, when the model is the one it chose.
    pub choice: Option<LocalChoice>,
    pub items: Vec<DeskRecommendation>,
}

/// A model fitted on the loans of one digest, kept between lookups: EASE^R's inverse takes up
/// to a second on a large site, and the loans change far less often than patrons are looked
/// up.
struct Fitted {
    model: ModelKind,
    data: u64,
    recommender: Arc<dyn Recommender<String> + Send + Sync>,
    popularity: Arc<Popularity<String>>,
}

static FITTED: Mutex<Option<Fitted>> = Mutex::new(None);

type Models = (Arc<dyn Recommender<String> + Send + Sync>, Arc<Popularity<String>>);

/// The `model` fitted on `data`, from the cache when it holds that model on the same data.
fn fitted(model: ModelKind, data: &Interactions<String>) -> Models {
    let digest = data.fingerprint();
    // A poisoned lock only means a fit panicked; the slot is then refilled.
    let mut slot = FITTED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(f) = slot.as_ref().filter(|f| f.model == model && f.data == digest) {
        return (f.recommender.clone(), f.popularity.clone());
    }
    let popularity = Arc::new(Popularity::fit(data));
    let recommender: Arc<dyn Recommender<String> + Send + Sync> = match model {
        ModelKind::ItemKnn => Arc::new(ItemKnn::fit(data, Default::default())),
        ModelKind::Ease => Arc::new(Ease::fit(data, Default::default())),
        ModelKind::Popularity => popularity.clone(),
    };
    *slot = Some(Fitted {
        model,
        data: digest,
        recommender: recommender.clone(),
        popularity: popularity.clone(),
    });
    (recommender, popularity)
}

/// Recommendations for `pseudonym` from the site's chosen local model over the linked loans,
/// topped up from the most borrowed items when the model has fewer than `k`. Reads
/// pseudonymous loans only; serving them is [`super::desk::serve`]'s to log.
pub fn local_recommendations(
    store: &Store,
    pseudonym: &str,
    k: usize,
) -> Result<Local, ServiceError> {
    let (model, choice) = chosen(store)?;
    let conn = store.conn();
    let data = Interactions::from_pairs(store::activity::linked_loans(conn)?);
    let mine = store::activity::patron_items(conn, pseudonym)?;
    let (recommender, popularity) = fitted(model, &data);
    let mut recs: Vec<Recommendation<String>> = recommender.recommend(&mine, k);
    if recs.len() < k {
        let have: Vec<String> =
            recs.iter().map(|r| r.item.clone()).chain(mine.iter().cloned()).collect();
        recs.extend(popularity.recommend(&have, k - recs.len()));
    }
    let mut ids: Vec<String> = recs.iter().map(|r| r.item.clone()).collect();
    ids.extend(recs.iter().filter_map(|r| match &r.reason {
        Reason::SimilarTo(i) => Some(i.clone()),
        Reason::Popular => None,
    }));
    let titles = store::activity::titles(conn, &ids)?;
    let title = |id: &String| titles.get(id).cloned().unwrap_or_else(|| id.clone());
    let items = recs
        .into_iter()
        .map(|r| DeskRecommendation {
            title: title(&r.item),
            score: r.score,
            reasons: match &r.reason {
                Reason::SimilarTo(i) => vec![format!("similar_to_loans: {}", title(i))],
                Reason::Popular => vec!["popular".into()],
            },
            item_id: r.item,
        })
        .collect();
    Ok(Local { model, choice, items })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::activity::{Loan, write_loan};

    /// ann a b c, bob a b, cat b c d, dan a d, one loan a day.
    fn store() -> Store {
        let mut s = Store::open_in_memory().unwrap();
        let t0 = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        let rows = crate::domain::recs::EXAMPLE_LOANS;
        s.write(|tx| {
            for (n, (p, i)) in rows.iter().enumerate() {
                let loaned = t0 + chrono::Duration::days(n as i64);
                let l =
                    Loan { pseudonym: (*p).into(), item_id: (*i).into(), loaned, returned: None };
                write_loan(tx, &l)?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
        s
    }

    fn choose(s: &Store, model: &str) {
        let c = LocalChoice {
            model: model.into(),
            ndcg: 0.5,
            popularity_ndcg: 0.1,
            users_evaluated: 4,
            loans: 10,
            computed: Utc::now(),
        };
        store::local_recs::set(s.conn(), &c).unwrap();
    }

    #[test]
    fn the_fallback_serves_the_model_on_record_and_item_based_cf_before_one_is() {
        let s = store();
        // bob has a and b: item-based CF gives c first (ann had a, b and c), like one of his.
        let before = local_recommendations(&s, "bob", 2).unwrap();
        assert_eq!((before.model, before.choice.is_none()), (ModelKind::ItemKnn, true));
        assert!(before.items[0].reasons[0].starts_with("similar_to_loans"), "{before:?}");

        // Popularity on record: every item is there for being borrowed most, none for bob's.
        choose(&s, "popularity");
        let popular = local_recommendations(&s, "bob", 2).unwrap();
        assert_eq!(popular.model, ModelKind::Popularity);
        assert_eq!(popular.choice.as_ref().map(|c| c.model.as_str()), Some("popularity"));
        assert!(popular.items.iter().all(|r| r.reasons == ["popular"]), "{popular:?}");
        assert_eq!(popular.items.len(), 2);

        choose(&s, "ease");
        let ease = local_recommendations(&s, "bob", 2).unwrap();
        assert_eq!((ease.model, ease.choice.is_some()), (ModelKind::Ease, true));

        // A model this carrel does not know is not used: item-based CF, said to be unchosen.
        choose(&s, "deep-magic");
        let unknown = local_recommendations(&s, "bob", 2).unwrap();
        assert_eq!((unknown.model, unknown.choice), (ModelKind::ItemKnn, None));
        assert_eq!(unknown.items, before.items);
    }

    #[test]
    fn a_model_is_fitted_again_when_the_loans_change() {
        let mut s = store();
        choose(&s, "popularity");
        let first = local_recommendations(&s, "ann", 1).unwrap();
        assert_eq!(first.items[0].item_id, "d", "the one item ann has not had");
        // Three more patrons borrow e: now e is the most borrowed item ann has not had.
        let t = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        s.write(|tx| {
            for p in ["eve", "fay", "gus"] {
                let l =
                    Loan { pseudonym: p.into(), item_id: "e".into(), loaned: t, returned: None };
                write_loan(tx, &l)?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
        let second = local_recommendations(&s, "ann", 1).unwrap();
        assert_eq!(second.items[0].item_id, "e", "{second:?}");
    }

    #[test]
    fn a_choice_is_recorded_with_its_audit_entry() {
        let mut s = store();
        let log = loan_log(&s).unwrap();
        assert_eq!((log.events.len(), log.users.len(), log.items.len()), (10, 4, 4));
        let report =
            crate::domain::recs::backtest(&log, &crate::domain::recs::BacktestOptions::default())
                .unwrap();
        let now = crate::store::from_ms(1_790_000_000_000);
        let c = record_choice(&mut s, &report, 10, now).unwrap();
        assert_eq!(c.model, report.chosen.key());
        assert_eq!(store::local_recs::get(s.conn()).unwrap(), Some(c));
        let mut actions = Vec::new();
        log::for_each(s.conn(), |e| actions.push(e.entry.action.clone())).unwrap();
        assert_eq!(actions.last().map(String::as_str), Some(CHOOSE_ACTION));
        assert_eq!(loans_mark(&s).unwrap().0, 10);
    }
}
