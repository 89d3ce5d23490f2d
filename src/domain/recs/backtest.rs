//! Offline evaluation by time-ordered leave-last-out: each user's last interaction is held out,
//! every model is trained on what remains, each is asked for the user's top k, and the model with
//! the highest nDCG@k is chosen, as forecasting's backtest chooses the lowest error.
//!
//! Protocol, in full:
//! - A user's last interaction is the latest by time; among interactions at the same time, the
//!   one later in the file. Without a time column the file order is the order in time.
//! - The held-out item is that interaction's item. All of the user's interactions with it leave
//!   the training data (a re-borrowing of the same item would otherwise give it away), and the
//!   user's history is their other distinct items.
//! - Users with fewer than two distinct items are not evaluated (nothing would be left to
//!   recommend from); their interactions stay in the training data.
//! - One global training set: every interaction except the held-out ones. Other users'
//!   interactions later than a user's held-out one are in it — the common simplification, which
//!   lets every model see a little of the future alike; a per-user time cut would need a model
//!   per user.
//! - Metrics (see `metrics.rs`) are means over the users evaluated. Coverage is over every item
//!   in the log; the head for the long-tail share is computed from the training interactions.
//! - The chosen model has the highest mean nDCG@k. Equal scores go to the simpler model, in the
//!   fixed order of [`ModelKind::SIMPLEST_FIRST`]: popularity, then item-based CF, then EASE^R
//!   (the cheaper to build and the easier to explain, when it ranks as well).

use serde::{Deserialize, Serialize};

use super::Recommender;
use super::ease::{Ease, EaseParams};
use super::interactions::Interactions;
use super::item_knn::{ItemKnn, ItemKnnParams};
use super::log_csv::InteractionLog;
use super::metrics::{Tally, head_items};
use super::popularity::Popularity;

/// How the backtest runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BacktestOptions {
    /// The length of the lists scored (the k of precision@k).
    pub k: usize,
    pub item_knn: ItemKnnParams,
    pub ease: EaseParams,
    /// The share of interactions the head items make up (Pareto's 20%).
    pub head_share: f64,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        BacktestOptions {
            k: 10,
            item_knn: ItemKnnParams::default(),
            ease: EaseParams::default(),
            head_share: 0.2,
        }
    }
}

/// The models compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// [`ItemKnn`]: item-based collaborative filtering.
    ItemKnn,
    /// [`Ease`]: Steck's EASE^R over the most borrowed items.
    Ease,
    /// [`Popularity`]: the most popular items the user does not have.
    Popularity,
}

impl ModelKind {
    /// Every model, simplest first: the order that breaks a tie in the choice.
    pub const SIMPLEST_FIRST: [ModelKind; 3] =
        [ModelKind::Popularity, ModelKind::ItemKnn, ModelKind::Ease];

    /// The name shown in tables.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::ItemKnn => "item-based CF",
            ModelKind::Ease => "EASE^R",
            ModelKind::Popularity => "popularity",
        }
    }

    /// The name said where it may be read aloud (the desk's provenance): EASE^R's caret
    /// would be read out.
    pub fn spoken(self) -> &'static str {
        match self {
            ModelKind::Ease => "EASE",
            m => m.name(),
        }
    }

    /// The key the model is stored under (its JSON form).
    pub fn key(self) -> &'static str {
        match self {
            ModelKind::ItemKnn => "item-knn",
            ModelKind::Ease => "ease",
            ModelKind::Popularity => "popularity",
        }
    }

    /// The model stored under `key`, if any.
    pub fn from_key(key: &str) -> Option<ModelKind> {
        ModelKind::SIMPLEST_FIRST.into_iter().find(|m| m.key() == key)
    }
}

/// What order the interactions were taken to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// By the time column; equal times in file order.
    Time,
    /// By position in the file.
    File,
}

/// One model's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScore {
    pub model: ModelKind,
    /// Mean precision@k.
    pub precision: f64,
    /// Mean recall@k (the hit rate: one held-out item per user).
    pub recall: f64,
    /// Mean nDCG@k.
    pub ndcg: f64,
    /// Distinct items recommended to anyone, over all items in the log.
    pub coverage: f64,
    /// Share of the recommendation slots filled with items outside the head.
    pub long_tail_share: f64,
    pub users_evaluated: usize,
    /// Distinct items recommended to anyone.
    pub items_recommended: usize,
}

/// The outcome of a backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    pub k: usize,
    pub order: Order,
    /// Rows of the log.
    pub interactions: usize,
    pub users: usize,
    pub items: usize,
    pub users_evaluated: usize,
    /// Users with fewer than two distinct items.
    pub users_skipped: usize,
    /// Distinct (user, item) pairs the models were trained on.
    pub training_pairs: usize,
    /// Items in the head: the most popular items making up `head_share` of the training pairs.
    pub head_items: usize,
    pub head_share: f64,
    pub item_knn: ItemKnnParams,
    pub ease: EaseParams,
    /// The items EASE^R kept: those with at least `ease_min_users` users.
    pub ease_items: usize,
    pub ease_min_users: u32,
    /// Item-based CF, EASE^R, then popularity.
    pub models: Vec<ModelScore>,
    /// The model with the highest nDCG@k; equal scores go to the simpler model.
    pub chosen: ModelKind,
}

impl BacktestReport {
    /// The score of one model.
    pub fn score(&self, model: ModelKind) -> Option<&ModelScore> {
        self.models.iter().find(|s| s.model == model)
    }
}

/// Why a log cannot be backtested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecsError {
    #[error("the log has no interactions")]
    Empty,
    #[error(
        "no user has two or more distinct items, so leave-last-out has no one to evaluate \
         ({users} users)"
    )]
    NoUserToEvaluate { users: usize },
}

/// Each user's distinct items, and the item held out from each user evaluated.
struct Split {
    /// Distinct (user, item) pairs, sorted: user `u`'s are `pairs[start[u]..start[u + 1]]`.
    pairs: Vec<(u32, u32)>,
    start: Vec<usize>,
    /// The held-out item of each user; `None` for users with fewer than two distinct items.
    held_out: Vec<Option<u32>>,
}

fn split(log: &InteractionLog) -> Split {
    let n_users = log.users.len();
    // Each user's last event: the latest time, and on equal times the later row.
    let mut last: Vec<Option<usize>> = vec![None; n_users];
    for (p, e) in log.events.iter().enumerate() {
        let slot = &mut last[e.user as usize];
        if slot.is_none_or(|q| log.events[q].at <= e.at) {
            *slot = Some(p);
        }
    }
    let mut pairs: Vec<(u32, u32)> = log.events.iter().map(|e| (e.user, e.item)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut start = vec![0usize; n_users + 1];
    for (u, _) in &pairs {
        start[*u as usize + 1] += 1;
    }
    for u in 0..n_users {
        start[u + 1] += start[u];
    }
    let held_out = (0..n_users)
        .map(|u| {
            let distinct = start[u + 1] - start[u];
            last[u].filter(|_| distinct >= 2).map(|p| log.events[p].item)
        })
        .collect();
    Split { pairs, start, held_out }
}

/// The model with the highest nDCG; among equal ones, the first in
/// [`ModelKind::SIMPLEST_FIRST`].
fn choose(scores: &[ModelScore]) -> ModelKind {
    let mut chosen = ModelKind::SIMPLEST_FIRST[0];
    let mut best = f64::NEG_INFINITY;
    for kind in ModelKind::SIMPLEST_FIRST {
        if let Some(s) = scores.iter().find(|s| s.model == kind)
            && s.ndcg > best
        {
            (chosen, best) = (kind, s.ndcg);
        }
    }
    chosen
}

/// Runs the leave-last-out comparison of every model on `log` and chooses one.
pub fn backtest(log: &InteractionLog, opts: &BacktestOptions) -> Result<BacktestReport, RecsError> {
    if log.events.is_empty() {
        return Err(RecsError::Empty);
    }
    let n_users = log.users.len();
    let Split { pairs, start, held_out } = split(log);
    let users_evaluated = held_out.iter().filter(|h| h.is_some()).count();
    if users_evaluated == 0 {
        return Err(RecsError::NoUserToEvaluate { users: n_users });
    }

    let training: Vec<(u32, u32)> =
        pairs.iter().copied().filter(|(u, i)| held_out[*u as usize] != Some(*i)).collect();
    let data = Interactions::from_pairs(training.iter().copied());
    let item_knn = ItemKnn::fit(&data, opts.item_knn);
    let ease = Ease::fit(&data, opts.ease);
    let popularity = Popularity::fit(&data);

    let mut counts = vec![0u32; log.items.len()];
    for (_, i) in &training {
        counts[*i as usize] += 1;
    }
    let head = head_items(&counts, opts.head_share);

    let models: [(ModelKind, &dyn Recommender<u32>); 3] = [
        (ModelKind::ItemKnn, &item_knn),
        (ModelKind::Ease, &ease),
        (ModelKind::Popularity, &popularity),
    ];
    let mut tallies: Vec<Tally> =
        models.iter().map(|_| Tally::new(opts.k, log.items.len())).collect();
    let mut history = Vec::new();
    for (u, held) in held_out.iter().enumerate() {
        let Some(held) = *held else { continue };
        history.clear();
        history
            .extend(pairs[start[u]..start[u + 1]].iter().map(|(_, i)| *i).filter(|i| *i != held));
        for ((_, model), tally) in models.iter().zip(&mut tallies) {
            let list: Vec<u32> =
                model.recommend(&history, opts.k).into_iter().map(|r| r.item).collect();
            tally.add(&list, held, &head);
        }
    }
    let scores: Vec<ModelScore> =
        models.iter().zip(&tallies).map(|((kind, _), t)| t.finish(*kind)).collect();
    let chosen = choose(&scores);
    Ok(BacktestReport {
        k: opts.k,
        order: if log.timed { Order::Time } else { Order::File },
        interactions: log.events.len(),
        users: n_users,
        items: log.items.len(),
        users_evaluated,
        users_skipped: n_users - users_evaluated,
        training_pairs: training.len(),
        head_items: head.iter().filter(|h| **h).count(),
        head_share: opts.head_share,
        item_knn: opts.item_knn,
        ease: opts.ease,
        ease_items: ease.items(),
        ease_min_users: ease.min_users(),
        models: scores,
        chosen,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::recs::Event;

    fn log(rows: &[(u32, u32, Option<i64>)], users: usize, items: usize) -> InteractionLog {
        InteractionLog {
            users: (0..users).map(|u| format!("u{u}")).collect(),
            items: (0..items).map(|i| format!("i{i:02}")).collect(),
            events: rows
                .iter()
                .map(|(user, item, at)| Event {
                    user: *user,
                    item: *item,
                    at: at.map(|s| Utc.timestamp_opt(s, 0).unwrap()),
                })
                .collect(),
            timed: rows.iter().any(|r| r.2.is_some()),
        }
    }

    #[test]
    fn each_model_is_stored_under_its_own_key_and_said_without_a_caret() {
        for m in ModelKind::SIMPLEST_FIRST {
            assert_eq!(ModelKind::from_key(m.key()), Some(m));
            assert_eq!(serde_json::to_value(m).unwrap(), m.key());
            assert!(!m.spoken().contains('^'), "{}", m.spoken());
        }
        assert_eq!(ModelKind::from_key("EASE^R"), None);
    }

    #[test]
    fn the_last_interaction_by_time_is_held_out_ties_by_file_order() {
        // User 0's last by time is item 1 (t = 9), though item 2 comes later in the file; user
        // 1 has two items at t = 5, so the later row (item 3) is held out; user 2 has one item.
        let rows = [
            (0, 0, Some(1)),
            (0, 1, Some(9)),
            (0, 2, Some(3)),
            (1, 2, Some(5)),
            (1, 3, Some(5)),
            (2, 0, Some(1)),
            (3, 1, Some(2)),
            (3, 3, Some(2)),
            (3, 2, Some(1)),
        ];
        let log = log(&rows, 4, 4);
        assert_eq!(split(&log).held_out, [Some(1), Some(3), None, Some(3)]);
        let r = backtest(&log, &BacktestOptions::default()).unwrap();
        assert_eq!(r.order, Order::Time);
        assert_eq!((r.users, r.users_evaluated, r.users_skipped), (4, 3, 1));
        // 9 rows, 9 distinct pairs; held out: (0, 1), (1, 3), (3, 3).
        assert_eq!(r.training_pairs, 6);
    }

    #[test]
    fn a_user_who_repeats_the_held_out_item_loses_every_copy_of_it() {
        // User 0 had item 0 twice, the second time last; user 1 had item 0 twice only.
        let rows = [(0, 0, None), (0, 1, None), (0, 0, None), (1, 0, None), (1, 0, None)];
        let log = log(&rows, 2, 2);
        let split = split(&log);
        assert_eq!(split.held_out, [Some(0), None]);
        assert_eq!(split.pairs, [(0, 0), (0, 1), (1, 0)]);
        let r = backtest(&log, &BacktestOptions::default()).unwrap();
        assert_eq!(r.order, Order::File);
        assert_eq!((r.users_evaluated, r.users_skipped), (1, 1));
        // Training: (0, 1) and (1, 0).
        assert_eq!(r.training_pairs, 2);
    }

    #[test]
    fn nobody_to_evaluate_is_an_error() {
        let rows = [(0, 0, None), (1, 1, None), (1, 1, None)];
        assert_eq!(
            backtest(&log(&rows, 2, 2), &BacktestOptions::default()).unwrap_err(),
            RecsError::NoUserToEvaluate { users: 2 }
        );
    }

    /// Four clusters of five items that users borrow together, plus one item everybody has:
    /// the item-based model finds a user's held-out item in their cluster; popularity offers
    /// everyone the same few clusters.
    #[test]
    fn clustered_tastes_favour_the_item_based_model() {
        let mut rows = Vec::new();
        for u in 0..40u32 {
            let base = 1 + 5 * (u % 4);
            rows.push((u, 0, Some(0))); // everybody's
            // Each user has four of their cluster's five items, in an order that varies by user;
            // the last one is held out.
            let skip = (u / 4) % 5;
            for (t, k) in (0..5).filter(|k| *k != skip).enumerate() {
                rows.push((u, base + k, Some(1 + ((t as i64 + i64::from(u / 4)) % 4))));
            }
        }
        let r = backtest(&log(&rows, 40, 21), &BacktestOptions::default()).unwrap();
        let knn = r.score(ModelKind::ItemKnn).unwrap();
        let pop = r.score(ModelKind::Popularity).unwrap();
        assert_eq!((knn.users_evaluated, pop.users_evaluated), (40, 40));
        assert_eq!(knn.recall, 1.0, "{knn:?}");
        assert!(pop.recall < 0.75, "{pop:?}");
        assert!(knn.ndcg > pop.ndcg, "{r:?}");
        assert!(knn.coverage > pop.coverage, "{r:?}");
        // Every model is reported, and the choice is the best of them by nDCG.
        let order: Vec<ModelKind> = r.models.iter().map(|s| s.model).collect();
        assert_eq!(order, [ModelKind::ItemKnn, ModelKind::Ease, ModelKind::Popularity]);
        let ease = r.score(ModelKind::Ease).unwrap();
        assert!(ease.ndcg > pop.ndcg, "{r:?}");
        assert_eq!(r.score(r.chosen).unwrap().ndcg, knn.ndcg.max(ease.ndcg), "{r:?}");
        assert_ne!(r.chosen, ModelKind::Popularity);
        // All 21 items have at least one user, well under EASE^R's cap: all are kept.
        assert_eq!((r.ease_items, r.ease_min_users), (21, 1));
    }

    fn scored(model: ModelKind, ndcg: f64) -> ModelScore {
        ModelScore {
            model,
            precision: 0.0,
            recall: 0.0,
            ndcg,
            coverage: 0.0,
            long_tail_share: 0.0,
            users_evaluated: 1,
            items_recommended: 0,
        }
    }

    #[test]
    fn the_highest_ndcg_is_chosen_and_a_tie_goes_to_the_simpler_model() {
        use ModelKind::{Ease, ItemKnn, Popularity};
        let choice = |k: f64, e: f64, p: f64| {
            choose(&[scored(ItemKnn, k), scored(Ease, e), scored(Popularity, p)])
        };
        assert_eq!(choice(0.03, 0.04, 0.02), Ease);
        assert_eq!(choice(0.05, 0.04, 0.02), ItemKnn);
        assert_eq!(choice(0.01, 0.01, 0.02), Popularity);
        assert_eq!(choice(0.04, 0.04, 0.02), ItemKnn, "item-based CF is simpler than EASE^R");
        assert_eq!(choice(0.04, 0.04, 0.04), Popularity);
        assert_eq!(choice(0.0, 0.0, 0.0), Popularity);
    }
}
