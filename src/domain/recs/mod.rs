//! The local recommender: two collaborative-filtering models over implicit interactions (loans),
//! the fallback when the remote recommendation API is down, with a popularity baseline and an
//! offline evaluation that compares the three and chooses one.
//!
//! Role: from `(user, item)` pairs — who borrowed what, nothing else — build models that rank
//! items for one patron from that patron's own items, each recommendation carrying its reason
//! (the patron's item that contributed most, or "popular"). [`backtest`] measures every model by
//! time-ordered leave-last-out on any interaction log and chooses the one with the highest
//! nDCG@10.
//!
//! May use: std, serde, chrono, chrono-tz, csv and thiserror. No I/O, no clock, no randomness,
//! no threads: the same pairs give the same model and the same lists, bit for bit.
//!
//! Contract:
//! - A user's items are a set: a pair seen twice counts once, and the order pairs come in does
//!   not change the model.
//! - [`Recommender::recommend`] never returns an item the user already has, nor an item it
//!   has never seen, and returns at most `k` items ranked by score, ties by item key.
//! - The two collaborative models recommend only items with a positive score, so they may return
//!   fewer than `k` (none for a user without known items); the caller tops the list up from
//!   [`Popularity`] when it needs `k`.
//! - Memory is bounded by the input and each model's cap, never the whole item–item matrix: the
//!   item-based model keeps at most [`ItemKnnParams::neighbours`] neighbours per item; EASE^R
//!   keeps a dense matrix over at most [`EaseParams::max_items`] items, the most borrowed.
//!
//! The item-based model (`item_knn.rs`) is the cosine-based item-based top-N recommender of
//! Deshpande and Karypis (ACM TOIS 22(1), 2004) with both of their normalisations; its one
//! parameter, the neighbours kept per item, has the default of widely used libraries, not one
//! tuned on any data set (see [`ItemKnnParams`]). EASE^R (`ease.rs`) is Steck's closed-form
//! linear item–item model (WWW 2019), its λ from the range Steck reports, chosen on a validation
//! split that never sees the backtest's held-out items (see [`EaseParams`]).

mod backtest;
mod ease;
mod interactions;
mod item_knn;
mod log_csv;
mod metrics;
mod popularity;

use serde::{Deserialize, Serialize};

pub use backtest::{
    BacktestOptions, BacktestReport, ModelKind, ModelScore, Order, RecsError, backtest,
};
pub use ease::{Ease, EaseParams};
pub use interactions::Interactions;
pub use item_knn::{ItemKnn, ItemKnnParams};
pub use log_csv::{Event, InteractionLog, LogOptions, parse_log};
pub use metrics::{Tally, head_items, hit_rank, ndcg_at, precision_at, recall_at};
pub use popularity::Popularity;

/// Why an item is recommended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "item")]
pub enum Reason<I> {
    /// Similar to this item of the user's, the one that contributed most to the score (the
    /// recommendation API's reason code `similar_to_loans`).
    SimilarTo(I),
    /// Among the most borrowed items (reason code `popular`).
    Popular,
}

impl<I> Reason<I> {
    /// The recommendation API's reason code for this reason.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::SimilarTo(_) => "similar_to_loans",
            Reason::Popular => "popular",
        }
    }
}

/// One recommended item, its score (comparable only within one model's list) and its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation<I> {
    pub item: I,
    pub score: f64,
    pub reason: Reason<I>,
}

/// A model that recommends items for one user from the user's own items.
pub trait Recommender<I> {
    /// Up to `k` items the user does not have, best first. Items of `user_items` the model has
    /// never seen are ignored; duplicates count once.
    fn recommend(&self, user_items: &[I], k: usize) -> Vec<Recommendation<I>>;
}

/// Four patrons and four items, the example the models' tests (and the desk's fallback's) work
/// by hand: ann a b c, bob a b, cat b c d, dan a d.
#[cfg(test)]
pub(crate) const EXAMPLE_LOANS: [(&str, &str); 10] = [
    ("ann", "a"),
    ("ann", "b"),
    ("ann", "c"),
    ("bob", "a"),
    ("bob", "b"),
    ("cat", "b"),
    ("cat", "c"),
    ("cat", "d"),
    ("dan", "a"),
    ("dan", "d"),
];

/// [`EXAMPLE_LOANS`] as the models take them.
#[cfg(test)]
fn example_loans() -> Interactions<&'static str> {
    Interactions::from_pairs(EXAMPLE_LOANS)
}
