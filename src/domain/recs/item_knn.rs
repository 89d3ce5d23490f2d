//! Item-based collaborative filtering on implicit interactions, as Deshpande and Karypis publish
//! it ("Item-based top-N recommendation algorithms", ACM TOIS 22(1), 2004, the cosine-based
//! model with both of its normalisations).
//!
//! Each user's binary row is first scaled to unit length, so a user with n items lends each pair
//! of them a weight of 1/n: someone who borrows half the library says less about any two books
//! than someone who borrowed just those two. The similarity of items `i` and `j` is the cosine
//! of their columns in that matrix:
//!
//! ```text
//! s(i, j) = Σ_{u ∈ U(i) ∩ U(j)} 1/n(u)  /  √( Σ_{u ∈ U(i)} 1/n(u) · Σ_{u ∈ U(j)} 1/n(u) )
//! ```
//!
//! with `U(i)` the users who had `i` and `n(u)` the number of items of `u`. Each item keeps only
//! its [`ItemKnnParams::neighbours`] most similar items, and their similarities are scaled to sum
//! to one, so that an item with many weak neighbours weighs no more than one with a few strong
//! ones. A user's score for a candidate `c` is `Σ s(j, c)` over the user's items `j` that have
//! `c` among their neighbours; the reason is the `j` with the largest term.
//!
//! Building visits every pair of items a user shares, Σ over users of (items per user)², with one
//! accumulator per item of scratch; the model is `neighbours` entries of 8 bytes per item.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use super::interactions::{Catalogue, Interactions};
use super::{Reason, Recommendation, Recommender};

/// How the item-based model is built. The default of 20 neighbours per item is the default of
/// the item–item models of two widely used libraries, `implicit` (`CosineRecommender`, K = 20)
/// and LensKit (`ItemItem(20, feedback="implicit")`); it was not tuned on any data set of this
/// project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemKnnParams {
    /// Neighbours kept per item (the model's size: this many entries per item).
    pub neighbours: usize,
}

impl Default for ItemKnnParams {
    fn default() -> Self {
        ItemKnnParams { neighbours: 20 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Neighbour {
    item: u32,
    /// Stored in single precision: half the memory, and seven digits are plenty to rank by.
    similarity: f32,
}

/// Most similar first; equal similarities in index (key) order.
fn best_first(a: &Neighbour, b: &Neighbour) -> Ordering {
    b.similarity.total_cmp(&a.similarity).then(a.item.cmp(&b.item))
}

/// Keeps the `k` best of `list`, sorted best first.
fn keep_best(list: &mut Vec<Neighbour>, k: usize) {
    if list.len() > k && k > 0 {
        list.select_nth_unstable_by(k - 1, best_first);
    }
    list.truncate(k);
    list.sort_unstable_by(best_first);
}

/// The item-based model: each item's nearest neighbours.
#[derive(Debug, Clone)]
pub struct ItemKnn<I> {
    catalogue: Catalogue<I>,
    params: ItemKnnParams,
    /// Item `i`'s neighbours are `neighbours[start[i]..start[i + 1]]`, best first.
    start: Vec<usize>,
    neighbours: Vec<Neighbour>,
}

impl<I: Clone + Ord + Hash> ItemKnn<I> {
    /// Builds the model from the users' item sets.
    pub fn fit(data: &Interactions<I>, params: ItemKnnParams) -> Self {
        let n = data.items().len();
        let (user_start, users) = data.item_users();
        // Unit-length user rows: each of a user's pairs weighs 1/n(u).
        let weight: Vec<f64> = (0..data.users()).map(|u| 1.0 / data.user(u).len() as f64).collect();
        // The squared length of each item's column.
        let length: Vec<f64> = (0..n)
            .map(|i| {
                users[user_start[i]..user_start[i + 1]].iter().map(|u| weight[*u as usize]).sum()
            })
            .collect();

        let mut shared = vec![0.0f64; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut list: Vec<Neighbour> = Vec::new();
        let mut start = Vec::with_capacity(n + 1);
        start.push(0);
        let mut neighbours = Vec::with_capacity(n.saturating_mul(params.neighbours.min(64)));
        for i in 0..n {
            for u in &users[user_start[i]..user_start[i + 1]] {
                for &j in data.user(*u as usize) {
                    if j as usize == i {
                        continue;
                    }
                    let count = &mut shared[j as usize];
                    if *count == 0.0 {
                        touched.push(j);
                    }
                    *count += weight[*u as usize];
                }
            }
            list.clear();
            for &j in &touched {
                let both = shared[j as usize];
                let s = both / (length[i] * length[j as usize]).sqrt();
                list.push(Neighbour { item: j, similarity: s as f32 });
                shared[j as usize] = 0.0;
            }
            touched.clear();
            keep_best(&mut list, params.neighbours);
            let total: f32 = list.iter().map(|n| n.similarity).sum();
            if total > 0.0 {
                for n in &mut list {
                    n.similarity /= total;
                }
            }
            neighbours.extend_from_slice(&list);
            start.push(neighbours.len());
        }
        neighbours.shrink_to_fit();
        ItemKnn { catalogue: data.catalogue().clone(), params, start, neighbours }
    }

    /// The items most similar to `item`, best first, with their similarity scaled so that the
    /// list sums to one; empty for an item the model has not seen.
    pub fn similar(&self, item: &I) -> Vec<(I, f64)> {
        self.catalogue.index_of(item).map_or_else(Vec::new, |i| {
            self.of(i)
                .iter()
                .map(|n| (self.catalogue.key(n.item).clone(), f64::from(n.similarity)))
                .collect()
        })
    }
}

impl<I> ItemKnn<I> {
    /// The parameters the model was built with.
    pub fn params(&self) -> ItemKnnParams {
        self.params
    }

    /// How many items the model knows.
    pub fn items(&self) -> usize {
        self.catalogue.len()
    }

    fn of(&self, i: u32) -> &[Neighbour] {
        &self.neighbours[self.start[i as usize]..self.start[i as usize + 1]]
    }
}

/// A candidate's running score and the user's item that gave it the most.
struct Candidate {
    score: f64,
    because: u32,
    best: f32,
}

impl<I: Clone + Ord + Hash> Recommender<I> for ItemKnn<I> {
    fn recommend(&self, user_items: &[I], k: usize) -> Vec<Recommendation<I>> {
        let owned = self.catalogue.indices(user_items);
        let mut scores: HashMap<u32, Candidate> = HashMap::new();
        // The user's items in index order, each neighbour list best first: the sums are added
        // in the same order every time, and on equal terms the first item keeps the reason.
        for &j in &owned {
            for n in self.of(j) {
                if owned.binary_search(&n.item).is_ok() {
                    continue;
                }
                let c = scores.entry(n.item).or_insert(Candidate {
                    score: 0.0,
                    because: j,
                    best: n.similarity,
                });
                c.score += f64::from(n.similarity);
                if n.similarity > c.best {
                    c.best = n.similarity;
                    c.because = j;
                }
            }
        }
        let mut ranked: Vec<(u32, Candidate)> =
            scores.into_iter().filter(|(_, c)| c.score > 0.0).collect();
        let order = |a: &(u32, Candidate), b: &(u32, Candidate)| {
            b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0))
        };
        if ranked.len() > k && k > 0 {
            ranked.select_nth_unstable_by(k - 1, order);
        }
        ranked.truncate(k);
        ranked.sort_unstable_by(order);
        ranked
            .into_iter()
            .map(|(i, c)| Recommendation {
                item: self.catalogue.key(i).clone(),
                score: c.score,
                reason: Reason::SimilarTo(self.catalogue.key(c.because).clone()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four patrons, four items:
    ///
    /// ```text
    ///        a  b  c  d   items  weight 1/n
    /// ann    1  1  1  .   3      1/3
    /// bob    1  1  .  .   2      1/2
    /// cat    .  1  1  1   3      1/3
    /// dan    1  .  .  1   2      1/2
    /// ```
    ///
    /// Squared column lengths: a = 1/3 + 1/2 + 1/2 = 4/3, b = 1/3 + 1/2 + 1/3 = 7/6,
    /// c = 1/3 + 1/3 = 2/3, d = 1/3 + 1/2 = 5/6.
    fn loans() -> Interactions<&'static str> {
        super::super::example_loans()
    }

    // The cosines, by hand from the table.
    fn ab() -> f64 {
        (1.0 / 3.0 + 0.5) / (4.0 / 3.0 * 7.0 / 6.0f64).sqrt() // ann, bob: 0.668153
    }
    fn ac() -> f64 {
        (1.0 / 3.0) / (4.0 / 3.0 * 2.0 / 3.0f64).sqrt() // ann: 0.353553
    }
    fn ad() -> f64 {
        0.5 / (4.0 / 3.0 * 5.0 / 6.0f64).sqrt() // dan: 0.474342
    }
    fn bc() -> f64 {
        (2.0 / 3.0) / (7.0 / 6.0 * 2.0 / 3.0f64).sqrt() // ann, cat: 0.755929
    }
    fn bd() -> f64 {
        (1.0 / 3.0) / (7.0 / 6.0 * 5.0 / 6.0f64).sqrt() // cat: 0.338062
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    fn keys<T: Copy>(list: &[(T, f64)]) -> Vec<T> {
        list.iter().map(|(k, _)| *k).collect()
    }

    #[test]
    fn similarity_is_the_cosine_of_unit_length_user_rows_scaled_to_sum_to_one() {
        let m = ItemKnn::fit(&loans(), ItemKnnParams { neighbours: 10 });
        assert!(close(ab(), 0.668153) && close(ad(), 0.474342) && close(ac(), 0.353553));
        let a = m.similar(&"a");
        assert_eq!(keys(&a), ["b", "d", "c"]);
        let sum = ab() + ad() + ac();
        assert!(close(a[0].1, ab() / sum), "{a:?}");
        assert!(close(a[1].1, ad() / sum), "{a:?}");
        assert!(close(a[2].1, ac() / sum), "{a:?}");
        assert!(close(a.iter().map(|(_, s)| s).sum::<f64>(), 1.0));
        let b = m.similar(&"b");
        assert_eq!(keys(&b), ["c", "a", "d"]);
        assert!(close(b[0].1, bc() / (ab() + bc() + bd())), "{b:?}");
        assert!(m.similar(&"zzz").is_empty());
    }

    #[test]
    fn a_heavy_borrowers_pairs_count_for_less() {
        // hal borrowed x, y and eight more; lou borrowed only x and z. Counting users alike, y
        // and z would be equally similar to x; weighing each user by 1/n, z is much closer:
        // s(x, y) = 0.1 / √(0.6 · 0.1) = 0.408, s(x, z) = 0.5 / √(0.6 · 0.5) = 0.913.
        let mut pairs = vec![("hal", "x"), ("hal", "y"), ("lou", "x"), ("lou", "z")];
        let more = ["f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"];
        pairs.extend(more.iter().map(|f| ("hal", *f)));
        let m = ItemKnn::fit(&Interactions::from_pairs(pairs), ItemKnnParams { neighbours: 20 });
        let x = m.similar(&"x");
        assert_eq!(x[0].0, "z", "{x:?}");
        let ratio = x[0].1 / x.iter().find(|(k, _)| *k == "y").unwrap().1;
        assert!(close(ratio, (0.5 / 0.3f64.sqrt()) / (0.1 / 0.06f64.sqrt())), "{x:?}");
    }

    #[test]
    fn scores_sum_the_similarities_of_the_users_items() {
        let m = ItemKnn::fit(&loans(), ItemKnnParams { neighbours: 10 });
        // bob has a and b. a's row sums to ab + ad + ac, b's to ab + bc + bd.
        let (ra, rb) = (ab() + ad() + ac(), ab() + bc() + bd());
        // c: s(a,c) + s(b,c), mostly from b; d: s(a,d) + s(b,d), mostly from a.
        let c = ac() / ra + bc() / rb;
        let d = ad() / ra + bd() / rb;
        assert!(c > d);
        let recs = m.recommend(&["b", "a"], 10);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].item, "c");
        assert!(close(recs[0].score, c), "{recs:?} {c}");
        assert_eq!(recs[0].reason, Reason::SimilarTo("b"));
        assert_eq!(recs[1].item, "d");
        assert!(close(recs[1].score, d), "{recs:?} {d}");
        assert_eq!(recs[1].reason, Reason::SimilarTo("a"));
        assert_eq!(recs[1].reason.code(), "similar_to_loans");
        // The order of the user's items, duplicates and unknown items change nothing.
        assert_eq!(m.recommend(&["a", "b", "a", "zzz"], 10), recs);
        assert_eq!(m.recommend(&["a", "b"], 1), recs[..1]);
    }

    #[test]
    fn the_order_of_the_pairs_changes_nothing() {
        let mut pairs: Vec<(u32, u32)> =
            (0..300u32).map(|n| (n % 17, (n * 7 + n / 5) % 23)).collect();
        let forward =
            ItemKnn::fit(&Interactions::from_pairs(pairs.clone()), ItemKnnParams::default());
        pairs.reverse();
        pairs.rotate_left(101);
        let shuffled = ItemKnn::fit(&Interactions::from_pairs(pairs), ItemKnnParams::default());
        for item in 0..23 {
            assert_eq!(forward.similar(&item), shuffled.similar(&item), "item {item}");
        }
        assert_eq!(forward.recommend(&[1, 2, 3], 10), shuffled.recommend(&[3, 2, 1], 10));
    }

    #[test]
    fn equal_scores_are_ranked_by_key() {
        // p had q and r, s had q and t: r and t are equally close to q.
        let data = Interactions::from_pairs([("p", "q"), ("p", "r"), ("s", "q"), ("s", "t")]);
        let m = ItemKnn::fit(&data, ItemKnnParams::default());
        let recs = m.recommend(&["q"], 10);
        assert_eq!(recs.iter().map(|r| r.item).collect::<Vec<_>>(), ["r", "t"]);
        assert_eq!(recs[0].score, recs[1].score);
    }

    #[test]
    fn the_neighbour_cap_limits_what_each_item_contributes() {
        let m = ItemKnn::fit(&loans(), ItemKnnParams { neighbours: 1 });
        // a's nearest is b; d's is a (0.474 before c at 0.447 and b at 0.338); alone, each
        // takes the whole weight.
        assert_eq!(m.similar(&"a"), [("b", 1.0)]);
        assert_eq!(m.similar(&"d"), [("a", 1.0)]);
        // dan has a and d: a's one neighbour is b, d's is dan's own a; c is left out.
        let recs = m.recommend(&["a", "d"], 10);
        assert_eq!(recs.iter().map(|r| r.item).collect::<Vec<_>>(), ["b"]);
        assert_eq!(recs[0].reason, Reason::SimilarTo("a"));
    }

    #[test]
    fn a_user_with_nothing_known_gets_nothing() {
        let m = ItemKnn::fit(&loans(), ItemKnnParams::default());
        assert!(m.recommend(&[], 10).is_empty());
        assert!(m.recommend(&["zzz"], 10).is_empty());
        assert!(m.recommend(&["a"], 0).is_empty());
        // All of a's neighbours, none of a itself.
        let recs = m.recommend(&["a"], 10);
        assert_eq!(recs.len(), 3);
        assert!(recs.iter().all(|r| r.item != "a"));
    }
}
