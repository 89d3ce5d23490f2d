//! EASE^R, the "embarrassingly shallow autoencoder" of Steck (WWW 2019): a linear item–item
//! model learnt in closed form, bounded to the most borrowed items.
//!
//! With `X` the users × items matrix of loans (0 or 1) and `G = XᵀX` its Gram matrix (`G_ii` the
//! users of item `i`, `G_ij` the users who had both), the weights `B` minimise
//! `‖X − XB‖² + λ‖B‖²` with a zero diagonal, so that no item predicts itself. Steck's solution:
//!
//! ```text
//! P = (G + λI)⁻¹,    B_ij = −P_ij / P_jj  (i ≠ j),    B_jj = 0
//! ```
//!
//! A user's score for a candidate `j` is `Σ B_ij` over the user's items `i`; the reason is the `i`
//! with the largest term. Weights can be negative (an item that predicts another's absence), so
//! a score is not a similarity; only candidates with a positive score are recommended.
//!
//! The bound. `G` is dense, items × items: 20 GB in doubles for 50,000 titles, and inverting it
//! costs items³. The model keeps only the items with at least N users, N being the smallest
//! count that leaves at most [`EaseParams::max_items`] of them (2,000 by default: `G` and its
//! inverse take 64 MB while building, the weights 16 MB after; the inverse takes about a second
//! in a release build). Items outside the kept set are neither scored from nor recommended;
//! the caller tops a short list up from popularity, as for the item-based model.
//!
//! The inverse is taken through the Cholesky factor `G + λI = LLᵀ`: `L` in place, then each
//! column of `L⁻¹` by forward substitution, then `P = L⁻ᵀL⁻¹`, about ⅔·items³ multiply-adds.
//! `G + λI` is symmetric positive definite for any `λ > 0` (a Gram matrix plus a positive
//! diagonal), so every pivot is at least `λ`. With fewer users than kept items, the same `P`
//! comes from inverting the users' `XXᵀ + λI` instead (see [`precision`]): the demo's 240
//! patrons and 2,000 titles take a few milliseconds that way rather than a second. Every sum
//! runs in a fixed order: the same pairs give the same weights, bit for bit.

use std::hash::Hash;

use serde::{Deserialize, Serialize};

use super::interactions::{Catalogue, Interactions};
use super::{Reason, Recommendation, Recommender};

/// How EASE^R is built.
///
/// `lambda` is 200: Steck reports λ = 200 to 1,000 on his three data sets (MSD 200, ML-20M 500,
/// Netflix 1,000), and 200 scored the highest nDCG@10 of the grid 20, 50, 100, 200, 500, 1,000
/// on a validation split of MovieLens small (each user's second-to-last interaction held out,
/// the last one removed, so the backtest's own held-out items were never seen); see
/// docs/PERFORMANCE.md. `max_items` is 2,000: on that split, keeping 1,500 to 3,500 items moved
/// nDCG@10 by under two users' hits, and by 0.0004 from 2,000 up, while the cost grows with the
/// cube of the count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EaseParams {
    /// The L2 regularisation λ, added to the diagonal of the Gram matrix. Must be positive: a
    /// model built with λ ≤ 0 keeps no items and recommends nothing.
    pub lambda: f64,
    /// At most this many items are kept: those with the most users, cut at a user count.
    pub max_items: usize,
}

impl Default for EaseParams {
    fn default() -> Self {
        EaseParams { lambda: 200.0, max_items: 2_000 }
    }
}

/// The EASE^R model over the kept items.
#[derive(Debug, Clone)]
pub struct Ease<I> {
    catalogue: Catalogue<I>,
    params: EaseParams,
    /// The fewest users an item needs to be kept.
    min_users: u32,
    /// The catalogue index of each kept item, ascending (so kept order is key order).
    kept: Vec<u32>,
    /// The kept position of each catalogue item, if kept.
    position: Vec<Option<u32>>,
    /// `B` row-major over the kept items: row `i` holds item `i`'s weight towards each item.
    /// Single precision: half the memory, and seven digits are plenty to rank by.
    weights: Vec<f32>,
}

/// The smallest user count `n` such that at most `max_items` items have `n` users or more.
fn cut(counts: &[u32], max_items: usize) -> u32 {
    let mut sorted = counts.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    match sorted.get(max_items) {
        Some(c) => c + 1,
        None => 1,
    }
}

impl<I: Clone + Ord + Hash> Ease<I> {
    /// Builds the model from the users' item sets.
    pub fn fit(data: &Interactions<I>, params: EaseParams) -> Self {
        let counts = data.item_counts();
        let min_users = cut(&counts, params.max_items);
        let kept: Vec<u32> = if params.lambda > 0.0 {
            (0..counts.len() as u32).filter(|i| counts[*i as usize] >= min_users).collect()
        } else {
            Vec::new()
        };
        let mut position = vec![None; counts.len()];
        for (p, i) in kept.iter().enumerate() {
            position[*i as usize] = Some(p as u32);
        }
        let n = kept.len();
        let p = precision(data, &position, n, params.lambda);
        let mut weights = vec![0.0f32; n * n];
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    weights[i * n + j] = (-p[i * n + j] / p[j * n + j]) as f32;
                }
            }
        }
        Ease { catalogue: data.catalogue().clone(), params, min_users, kept, position, weights }
    }
}

impl<I> Ease<I> {
    /// The parameters the model was built with.
    pub fn params(&self) -> EaseParams {
        self.params
    }

    /// How many items the model scores and recommends (the kept set).
    pub fn items(&self) -> usize {
        self.kept.len()
    }

    /// The fewest users an item needed to be kept.
    pub fn min_users(&self) -> u32 {
        self.min_users
    }

    fn row(&self, i: usize) -> &[f32] {
        let n = self.kept.len();
        &self.weights[i * n..(i + 1) * n]
    }
}

/// Each user's kept items (ascending, as kept positions), one user at a time; users without
/// one are left out.
fn kept_rows<'a, I>(
    data: &'a Interactions<I>,
    position: &'a [Option<u32>],
) -> impl Iterator<Item = Vec<usize>> + 'a {
    (0..data.users())
        .map(|u| {
            data.user(u).iter().filter_map(|i| position[*i as usize]).map(|p| p as usize).collect()
        })
        .filter(|r: &Vec<usize>| !r.is_empty())
}

/// `P = (XᵀX + λI)⁻¹` over the `n` kept items, full and symmetric.
///
/// With fewer users than items (a small library, or the demo: 240 patrons, 2,000 titles) the
/// same matrix comes from the users' side, by the Woodbury identity:
///
/// ```text
/// (XᵀX + λI)⁻¹ = (I − Xᵀ(XXᵀ + λI)⁻¹X) / λ
/// ```
///
/// which inverts a users × users matrix and then adds, for each item, the rows of its users:
/// users³ + pairs·items work instead of items³. The two forms are equal in exact arithmetic
/// and agree to rounding (`both_forms_give_the_same_inverse`); which one runs depends only on
/// the counts, so the same pairs still give the same weights bit for bit.
fn precision<I>(
    data: &Interactions<I>,
    position: &[Option<u32>],
    n: usize,
    lambda: f64,
) -> Vec<f64> {
    let users = (0..data.users())
        .filter(|u| data.user(*u).iter().any(|i| position[*i as usize].is_some()))
        .count();
    if users < n {
        precision_by_users(&kept_rows(data, position).collect::<Vec<_>>(), n, lambda)
    } else {
        // The rows are not kept: a large library's would take more than the matrix.
        precision_by_items(kept_rows(data, position), n, lambda)
    }
}

/// `(XᵀX + λI)⁻¹` directly: items³.
fn precision_by_items<S: AsRef<[usize]>>(
    rows: impl IntoIterator<Item = S>,
    n: usize,
    lambda: f64,
) -> Vec<f64> {
    let mut g = gram(rows, n);
    for i in 0..n {
        g[i * n + i] += lambda;
    }
    inverse_spd(g, n)
}

/// `(I − Xᵀ(XXᵀ + λI)⁻¹X) / λ`: users³ + pairs·items.
fn precision_by_users(rows: &[Vec<usize>], n: usize, lambda: f64) -> Vec<f64> {
    let m = rows.len();
    // The users of each kept item, ascending.
    let mut users_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (u, r) in rows.iter().enumerate() {
        for &i in r {
            users_of[i].push(u);
        }
    }
    // K = XXᵀ + λI: K_uv counts the kept items users u and v share.
    let mut k = gram(&users_of, m);
    for u in 0..m {
        k[u * m + u] += lambda;
    }
    let k_inv = inverse_spd(k, m);
    // Row j of `c` is Σ over item j's users v of row v of K⁻¹: (K⁻¹X)ᵀ, items × users.
    let mut c = vec![0.0f64; n * m];
    for (j, users) in users_of.iter().enumerate() {
        let row = &mut c[j * m..(j + 1) * m];
        for &v in users {
            for (x, y) in row.iter_mut().zip(&k_inv[v * m..(v + 1) * m]) {
                *x += y;
            }
        }
    }
    // (XᵀK⁻¹X)_ij = Σ over item i's users u of c_ju; P = (I − XᵀK⁻¹X) / λ.
    let mut p = vec![0.0f64; n * n];
    for i in 0..n {
        for j in i..n {
            let row = &c[j * m..(j + 1) * m];
            let q: f64 = users_of[i].iter().map(|u| row[*u]).sum();
            let v = (if i == j { 1.0 } else { 0.0 } - q) / lambda;
            p[i * n + j] = v;
            p[j * n + i] = v;
        }
    }
    p
}

/// The lower triangle of `AᵀA` (row-major, `n` × `n`, the upper triangle zero) for the 0/1
/// matrix `A` whose rows are `sets`, each a sorted list of columns below `n`: each set adds one
/// to every pair of its columns, diagonal included. With users' item sets it is the items'
/// Gram matrix `XᵀX`; with items' user sets, the users' `XXᵀ`.
fn gram<S: AsRef<[usize]>>(sets: impl IntoIterator<Item = S>, n: usize) -> Vec<f64> {
    let mut g = vec![0.0f64; n * n];
    for mine in sets {
        let mine = mine.as_ref();
        for (x, &a) in mine.iter().enumerate() {
            let row = &mut g[a * n..(a + 1) * n];
            for &b in &mine[..=x] {
                row[b] += 1.0;
            }
        }
    }
    g
}

/// `Σ a_k·b_k` over the shorter length, in eight running sums added in a fixed order: the
/// compiler can keep them in vector registers (it may not reorder one running sum), and the
/// result is the same on every run.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut sums = [0.0f64; 8];
    let mut a8 = a.chunks_exact(8);
    let mut b8 = b.chunks_exact(8);
    for (x, y) in (&mut a8).zip(&mut b8) {
        for l in 0..8 {
            sums[l] += x[l] * y[l];
        }
    }
    let tail: f64 = a8.remainder().iter().zip(b8.remainder()).map(|(x, y)| x * y).sum();
    sums.iter().sum::<f64>() + tail
}

/// The inverse of the symmetric positive definite `n` × `n` matrix whose lower triangle is in
/// `a` (row-major; the upper triangle is not read), as a full symmetric matrix.
fn inverse_spd(mut a: Vec<f64>, n: usize) -> Vec<f64> {
    // Cholesky, row by row, in place: L_ij = (A_ij − Σ_{k<j} L_ik·L_jk) / L_jj.
    for i in 0..n {
        for j in 0..=i {
            let s = dot(&a[i * n..i * n + j], &a[j * n..j * n + j]);
            a[i * n + j] =
                if i == j { (a[i * n + i] - s).sqrt() } else { (a[i * n + j] - s) / a[j * n + j] };
        }
    }
    // Column j of L⁻¹ by forward substitution on L·y = e_j (y_i = 0 for i < j), kept as row j
    // of `z` = L⁻ᵀ, so that the products below read rows.
    let mut z = vec![0.0f64; n * n];
    let mut y = vec![0.0f64; n];
    for j in 0..n {
        y[j] = 1.0 / a[j * n + j];
        for i in j + 1..n {
            y[i] = -dot(&a[i * n + j..i * n + i], &y[j..i]) / a[i * n + i];
        }
        z[j * n + j..(j + 1) * n].copy_from_slice(&y[j..n]);
    }
    // P = L⁻ᵀL⁻¹: P_ij = Σ_{k ≥ max(i, j)} z_ik·z_jk. The factor is no longer needed, so `a`
    // takes the result.
    for i in 0..n {
        for j in i..n {
            let p = dot(&z[i * n + j..(i + 1) * n], &z[j * n + j..(j + 1) * n]);
            a[i * n + j] = p;
            a[j * n + i] = p;
        }
    }
    a
}

impl<I: Clone + Ord + Hash> Recommender<I> for Ease<I> {
    fn recommend(&self, user_items: &[I], k: usize) -> Vec<Recommendation<I>> {
        let n = self.kept.len();
        let mine: Vec<usize> = self
            .catalogue
            .indices(user_items)
            .iter()
            .filter_map(|i| self.position[*i as usize])
            .map(|p| p as usize)
            .collect();
        if mine.is_empty() || k == 0 {
            return Vec::new();
        }
        let mut score = vec![0.0f64; n];
        // The largest term of each candidate and the user's item it came from. The user's items
        // are added in kept (key) order, so on equal terms the first keeps the reason.
        let mut best = vec![(f32::NEG_INFINITY, mine[0]); n];
        for &i in &mine {
            for (j, w) in self.row(i).iter().enumerate() {
                score[j] += f64::from(*w);
                if *w > best[j].0 {
                    best[j] = (*w, i);
                }
            }
        }
        let mut ranked: Vec<usize> =
            (0..n).filter(|j| score[*j] > 0.0 && mine.binary_search(j).is_err()).collect();
        let order = |a: &usize, b: &usize| score[*b].total_cmp(&score[*a]).then(a.cmp(b));
        if ranked.len() > k {
            ranked.select_nth_unstable_by(k - 1, order);
            ranked.truncate(k);
        }
        ranked.sort_unstable_by(order);
        ranked
            .into_iter()
            .map(|j| Recommendation {
                item: self.catalogue.key(self.kept[j]).clone(),
                score: score[j],
                reason: Reason::SimilarTo(self.catalogue.key(self.kept[best[j].1]).clone()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    /// The weight from `from` to `to` in the model, both kept.
    fn weight<I: Clone + Ord + Hash>(m: &Ease<I>, from: &I, to: &I) -> f64 {
        let p = |x: &I| {
            let i = m.catalogue.index_of(x).expect("a known item");
            m.position[i as usize].expect("a kept item") as usize
        };
        f64::from(m.row(p(from))[p(to)])
    }

    #[test]
    fn the_inverse_of_a_small_spd_matrix() {
        // A = [[4, 2, 0], [2, 5, 1], [0, 1, 3]]: det = 4·14 − 2·6 = 44; the inverse is the
        // adjugate over 44. Only the lower triangle is given.
        let lower = vec![4.0, 0.0, 0.0, 2.0, 5.0, 0.0, 0.0, 1.0, 3.0];
        let p = inverse_spd(lower, 3);
        let expected = [14.0, -6.0, 2.0, -6.0, 12.0, -4.0, 2.0, -4.0, 16.0];
        for (got, want) in p.iter().zip(expected) {
            assert!((got - want / 44.0).abs() < 1e-12, "{p:?}");
        }
    }

    #[test]
    fn dot_adds_every_term_whatever_the_length() {
        for n in [0, 1, 7, 8, 9, 17, 40] {
            let a: Vec<f64> = (0..n).map(|k| k as f64).collect();
            let b = vec![2.0; n + 3];
            assert_eq!(dot(&a, &b), (n * n.saturating_sub(1)) as f64, "n = {n}");
        }
    }

    #[test]
    fn two_items_weigh_their_shared_users_over_the_predictors_users_plus_lambda() {
        // With two items the closed form is the ridge regression of one column on the other:
        // B_ab = G_ab / (G_aa + λ). a has 5 users, b 3, 3 of them shared; λ = 1.
        let pairs =
            [(1, 'a'), (1, 'b'), (2, 'a'), (2, 'b'), (3, 'a'), (3, 'b'), (4, 'a'), (5, 'a')];
        let m =
            Ease::fit(&Interactions::from_pairs(pairs), EaseParams { lambda: 1.0, max_items: 10 });
        assert!(close(weight(&m, &'a', &'b'), 3.0 / 6.0));
        assert!(close(weight(&m, &'b', &'a'), 3.0 / 4.0));
        assert_eq!(weight(&m, &'a', &'a'), 0.0, "no item predicts itself");
    }

    /// Four patrons, four items (the item-based model's example).
    fn loans() -> Interactions<&'static str> {
        super::super::example_loans()
    }

    #[test]
    fn weights_solve_the_regularised_regression_of_each_item_on_the_others() {
        // B = I − P·diag(1/P_jj) with P = (G + λI)⁻¹ gives (G + λI)·B = G + λI − diag(1/P_jj):
        // off the diagonal, Σ_k (G + λI)_ik·B_kj = G_ij, the normal equations of column j.
        let lambda = 2.0;
        let m = Ease::fit(&loans(), EaseParams { lambda, max_items: 10 });
        let items = ["a", "b", "c", "d"];
        // G by hand: users a 3, b 3, c 2, d 2; ab 2 (ann, bob), ac 1, ad 1, bc 2, bd 1, cd 1.
        let g = [
            [3.0, 2.0, 1.0, 1.0],
            [2.0, 3.0, 2.0, 1.0],
            [1.0, 2.0, 2.0, 1.0],
            [1.0, 1.0, 1.0, 2.0],
        ];
        for (i, row) in g.iter().enumerate() {
            for (j, to) in items.iter().enumerate().filter(|(j, _)| *j != i) {
                let lhs: f64 = row
                    .iter()
                    .zip(&items)
                    .enumerate()
                    .map(|(k, (gik, from))| {
                        let diagonal = if i == k { lambda } else { 0.0 };
                        (gik + diagonal) * weight(&m, from, to)
                    })
                    .sum();
                assert!((lhs - row[j]).abs() < 1e-5, "({i}, {j}): {lhs} against {}", row[j]);
            }
        }
    }

    #[test]
    fn scores_sum_the_weights_of_the_users_items_and_name_the_largest() {
        // Two shelves that no patron mixes, so B is the two-item closed form on each: a and b
        // shared by 3 of a's 4 users, c and d by both of their 2. With λ = 1, B_ab = 3/5 and
        // B_cd = 2/3.
        let mut pairs = vec![(1, "a"), (1, "b"), (2, "a"), (2, "b"), (3, "a"), (3, "b"), (4, "a")];
        pairs.extend([(5, "c"), (5, "d"), (6, "c"), (6, "d")]);
        let m =
            Ease::fit(&Interactions::from_pairs(pairs), EaseParams { lambda: 1.0, max_items: 10 });
        let recs = m.recommend(&["c", "a"], 10);
        assert_eq!(recs.iter().map(|r| r.item).collect::<Vec<_>>(), ["d", "b"]);
        assert!(close(recs[0].score, 2.0 / 3.0), "{recs:?}");
        assert_eq!(recs[0].reason, Reason::SimilarTo("c"));
        assert!(close(recs[1].score, 3.0 / 5.0), "{recs:?}");
        assert_eq!(recs[1].reason, Reason::SimilarTo("a"));
        assert_eq!(recs[1].reason.code(), "similar_to_loans");
        // Duplicates, order and unknown items change nothing; k cuts the list.
        assert_eq!(m.recommend(&["a", "zzz", "c", "a"], 10), recs);
        assert_eq!(m.recommend(&["a", "c"], 1), recs[..1]);
        assert!(m.recommend(&["a", "c"], 0).is_empty());
    }

    #[test]
    fn when_two_items_give_one_candidate_the_larger_term_is_the_reason() {
        let m = Ease::fit(&loans(), EaseParams { lambda: 2.0, max_items: 10 });
        let recs = m.recommend(&["a", "b"], 10);
        assert!(!recs.is_empty());
        for r in &recs {
            assert!(r.item != "a" && r.item != "b" && r.score > 0.0, "{recs:?}");
            let (wa, wb) = (weight(&m, &"a", &r.item), weight(&m, &"b", &r.item));
            assert!(close(r.score, wa + wb), "{r:?}");
            assert_eq!(r.reason, Reason::SimilarTo(if wa >= wb { "a" } else { "b" }), "{r:?}");
        }
    }

    #[test]
    fn only_items_with_enough_users_are_kept() {
        // a has 3 users, b and c 2, d 1. At most 3 items: N = 2 keeps a, b, c. At most 2: N = 3,
        // since b and c tie at the cut, keeps a alone.
        let pairs =
            [(1, "a"), (2, "a"), (3, "a"), (1, "b"), (2, "b"), (2, "c"), (3, "c"), (3, "d")];
        let data = Interactions::from_pairs(pairs);
        let three = Ease::fit(&data, EaseParams { lambda: 1.0, max_items: 3 });
        assert_eq!((three.items(), three.min_users()), (3, 2));
        let two = Ease::fit(&data, EaseParams { lambda: 1.0, max_items: 2 });
        assert_eq!((two.items(), two.min_users()), (1, 3));
        let all = Ease::fit(&data, EaseParams { lambda: 1.0, max_items: 4 });
        assert_eq!((all.items(), all.min_users()), (4, 1));
        // d is not kept: never recommended, and a user with only d gets nothing.
        assert!(three.recommend(&["c"], 10).iter().all(|r| r.item != "d"));
        assert!(three.recommend(&["d"], 10).is_empty());
        assert_eq!(two.weights, [0.0], "one item alone predicts nothing");
        assert!(two.recommend(&["a"], 10).is_empty());
    }

    #[test]
    fn a_lambda_that_is_not_positive_keeps_nothing() {
        for lambda in [0.0, -1.0, f64::NAN] {
            let m = Ease::fit(&loans(), EaseParams { lambda, max_items: 10 });
            assert_eq!(m.items(), 0);
            assert!(m.recommend(&["a"], 10).is_empty());
        }
    }

    #[test]
    fn both_forms_give_the_same_inverse() {
        // More items than users, and more users than items: each form on each, against the
        // other, and P·(G + λI) = I for the items' form.
        let wide: Vec<(u32, u32)> = (0..120u32).map(|n| (n % 9, (n * 7 + n / 4) % 31)).collect();
        let tall: Vec<(u32, u32)> = (0..400u32).map(|n| (n % 53, (n * 5 + n / 6) % 12)).collect();
        for (pairs, lambda) in [(wide, 2.0), (tall, 7.5)] {
            let data = Interactions::from_pairs(pairs);
            let n = data.items().len();
            let position: Vec<Option<u32>> = (0..n as u32).map(Some).collect();
            let sets: Vec<Vec<usize>> = kept_rows(&data, &position).collect();
            let by_items = precision_by_items(&sets, n, lambda);
            let by_users = precision_by_users(&sets, n, lambda);
            for (a, b) in by_items.iter().zip(&by_users) {
                assert!((a - b).abs() < 1e-12, "{a} against {b}");
            }
            let lower = gram(&sets, n);
            let g = |i: usize, j: usize| {
                let v = if i >= j { lower[i * n + j] } else { lower[j * n + i] };
                v + if i == j { lambda } else { 0.0 }
            };
            for i in 0..n {
                for j in 0..n {
                    let e: f64 = (0..n).map(|k| by_users[i * n + k] * g(k, j)).sum();
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!((e - want).abs() < 1e-9, "({i}, {j}): {e}");
                }
            }
        }
    }

    #[test]
    fn the_order_of_the_pairs_changes_nothing() {
        let mut pairs: Vec<(u32, u32)> =
            (0..300u32).map(|n| (n % 17, (n * 7 + n / 5) % 23)).collect();
        let params = EaseParams { lambda: 3.0, max_items: 20 };
        let forward = Ease::fit(&Interactions::from_pairs(pairs.clone()), params);
        pairs.reverse();
        pairs.rotate_left(101);
        let shuffled = Ease::fit(&Interactions::from_pairs(pairs), params);
        assert_eq!(forward.kept, shuffled.kept);
        assert_eq!(forward.weights, shuffled.weights, "bit for bit");
        assert_eq!(forward.recommend(&[1, 2, 3], 10), shuffled.recommend(&[3, 2, 1], 10));
    }
}
