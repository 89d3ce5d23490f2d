//! Gradient-boosted regression trees with squared loss on histogram-binned features.
//!
//! May use: std and serde. Contract: training is deterministic (no sampling; ties between
//! splits go to the first feature and the lowest bin) and starts from a base prediction per
//! row, so the trees learn corrections to it. Each feature is cut into at most `max_bins`
//! quantile bins plus one bin for missing values; a missing value takes the left branch. Trees
//! grow depth-wise to `max_depth`, keep at least `min_leaf` rows in a leaf and shrink leaf
//! values by an L2 penalty and the learning rate. A child's histogram is the smaller child's
//! built from its rows, or the parent's minus its sibling's.

use serde::{Deserialize, Serialize};

/// Settings of the boosted model; the defaults are the usual ones of histogram boosting
/// libraries, not tuned to any series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoostParams {
    /// The number of trees.
    pub trees: usize,
    /// The share of each tree's correction that is applied.
    pub learning_rate: f64,
    /// The deepest a tree may grow; depth 5 allows 32 leaves.
    pub max_depth: usize,
    /// The fewest training rows a leaf may hold.
    pub min_leaf: usize,
    /// The L2 penalty on leaf values, in rows.
    pub l2: f64,
    /// Value bins per feature, at most 255.
    pub max_bins: usize,
    /// The most training rows; a longer window is sampled evenly.
    pub max_rows: usize,
    /// How many weeks before the cutoff the training targets are drawn from.
    pub train_weeks: usize,
}

impl Default for BoostParams {
    fn default() -> Self {
        BoostParams {
            trees: 100,
            learning_rate: 0.1,
            max_depth: 5,
            min_leaf: 20,
            l2: 1.0,
            max_bins: 255,
            max_rows: 20_000,
            train_weeks: 52,
        }
    }
}

/// A trained ensemble: the sum of its trees' outputs corrects the base prediction.
#[derive(Debug, Clone)]
pub(crate) struct Booster {
    trees: Vec<Tree>,
}

#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, Copy)]
enum Node {
    Leaf { value: f64 },
    Split { feature: usize, threshold: f64, left: usize, right: usize },
}

impl Tree {
    fn predict(&self, row: &[f64]) -> f64 {
        let mut at = 0;
        loop {
            match self.nodes.get(at) {
                Some(&Node::Split { feature, threshold, left, right }) => {
                    let v = row.get(feature).copied().unwrap_or(f64::NAN);
                    at = if v.is_nan() || v <= threshold { left } else { right };
                }
                Some(&Node::Leaf { value }) => return value,
                None => return 0.0,
            }
        }
    }
}

impl Booster {
    /// Trains on `rows` rows of `cols` features laid out row after row in `x`, with targets `y`
    /// and base predictions `base`. Returns `None` when there are too few rows for one split.
    pub(crate) fn fit(
        x: &[f64],
        cols: usize,
        y: &[f64],
        base: &[f64],
        params: &BoostParams,
    ) -> Option<Booster> {
        let rows = y.len();
        let min_leaf = params.min_leaf.max(1);
        if cols == 0 || rows < 2 * min_leaf || x.len() != rows * cols || base.len() != rows {
            return None;
        }
        let max_bins = params.max_bins.clamp(2, 255);
        let cuts: Vec<Vec<f64>> =
            (0..cols).map(|f| cuts_for((0..rows).map(|r| x[r * cols + f]), max_bins)).collect();
        let mut codes = vec![0u8; rows * cols];
        for (f, cut) in cuts.iter().enumerate() {
            for r in 0..rows {
                codes[f * rows + r] = code(cut, x[r * cols + f]);
            }
        }
        let mut offsets = Vec::with_capacity(cols + 1);
        offsets.push(0);
        for cut in &cuts {
            offsets.push(offsets[offsets.len() - 1] + cut.len() + 2);
        }
        let mut grower = Grower {
            codes: &codes,
            rows,
            cuts: &cuts,
            offsets: &offsets,
            grad: vec![0.0; rows],
            pred: base.to_vec(),
            min_leaf,
            max_depth: params.max_depth,
            l2: params.l2.max(0.0),
            learning_rate: params.learning_rate,
            scratch: Vec::with_capacity(rows),
        };
        let mut trees = Vec::with_capacity(params.trees);
        let mut order: Vec<u32> = Vec::with_capacity(rows);
        for _ in 0..params.trees {
            for ((g, p), t) in grower.grad.iter_mut().zip(&grower.pred).zip(y) {
                *g = p - t;
            }
            order.clear();
            order.extend(0..rows as u32);
            let hist = grower.histogram(&order);
            let mut nodes = Vec::new();
            grower.grow(&mut order, 0, hist, &mut nodes);
            trees.push(Tree { nodes });
        }
        Some(Booster { trees })
    }

    /// The correction to the base prediction for one row of features.
    pub(crate) fn predict(&self, row: &[f64]) -> f64 {
        self.trees.iter().map(|t| t.predict(row)).sum()
    }
}

/// Cut points of one feature: values up to `cuts[0]` fall in bin 1, values above `cuts[k-1]`
/// in bin `k + 1`, and bin 0 is for missing values. Cuts sit at quantiles of the finite values,
/// or at every distinct value but the largest when there are few.
fn cuts_for(values: impl Iterator<Item = f64>, max_bins: usize) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let mut distinct = sorted.clone();
    distinct.dedup();
    if distinct.len() <= max_bins {
        distinct.pop();
        return distinct;
    }
    let n = sorted.len();
    let mut cuts: Vec<f64> = (1..max_bins).map(|j| sorted[(j * n / max_bins).max(1) - 1]).collect();
    cuts.dedup();
    if cuts.last() == sorted.last() {
        cuts.pop();
    }
    cuts
}

fn code(cuts: &[f64], v: f64) -> u8 {
    if v.is_nan() {
        return 0;
    }
    // At most 254 cuts, so the code fits in a byte.
    (1 + cuts.partition_point(|&c| c < v)) as u8
}

/// Gradient sums and row counts per feature and bin.
type Histogram = Vec<[f64; 2]>;

struct Grower<'a> {
    codes: &'a [u8],
    rows: usize,
    cuts: &'a [Vec<f64>],
    offsets: &'a [usize],
    grad: Vec<f64>,
    pred: Vec<f64>,
    min_leaf: usize,
    max_depth: usize,
    l2: f64,
    learning_rate: f64,
    scratch: Vec<u32>,
}

struct Split {
    gain: f64,
    feature: usize,
    bin: usize,
}

impl Grower<'_> {
    fn histogram(&self, idx: &[u32]) -> Histogram {
        let mut hist = vec![[0.0; 2]; self.offsets[self.cuts.len()]];
        for f in 0..self.cuts.len() {
            let column = &self.codes[f * self.rows..(f + 1) * self.rows];
            let bins = &mut hist[self.offsets[f]..self.offsets[f + 1]];
            for &i in idx {
                let cell = &mut bins[column[i as usize] as usize];
                cell[0] += self.grad[i as usize];
                cell[1] += 1.0;
            }
        }
        hist
    }

    fn best_split(&self, hist: &Histogram, total: f64, n: f64) -> Option<Split> {
        let min_leaf = self.min_leaf as f64;
        let parent = total * total / (n + self.l2);
        let mut best: Option<Split> = None;
        for f in 0..self.cuts.len() {
            let bins = &hist[self.offsets[f]..self.offsets[f + 1]];
            let (mut gl, mut nl) = (0.0, 0.0);
            for (bin, cell) in bins[..bins.len() - 1].iter().enumerate() {
                gl += cell[0];
                nl += cell[1];
                let nr = n - nl;
                if nl < min_leaf {
                    continue;
                }
                if nr < min_leaf {
                    break;
                }
                let gr = total - gl;
                let gain = gl * gl / (nl + self.l2) + gr * gr / (nr + self.l2) - parent;
                if gain > best.as_ref().map_or(1e-12, |b| b.gain) {
                    best = Some(Split { gain, feature: f, bin });
                }
            }
        }
        best
    }

    /// Grows the subtree over the rows `idx` and returns the index of its root in `nodes`.
    fn grow(
        &mut self,
        idx: &mut [u32],
        depth: usize,
        hist: Histogram,
        nodes: &mut Vec<Node>,
    ) -> usize {
        let first = &hist[self.offsets[0]..self.offsets[1]];
        let total: f64 = first.iter().map(|c| c[0]).sum();
        let n = idx.len() as f64;
        let split = if depth < self.max_depth && idx.len() >= 2 * self.min_leaf {
            self.best_split(&hist, total, n)
        } else {
            None
        };
        let at = nodes.len();
        let Some(Split { feature, bin, .. }) = split else {
            let value = -self.learning_rate * total / (n + self.l2);
            for &i in idx.iter() {
                self.pred[i as usize] += value;
            }
            nodes.push(Node::Leaf { value });
            return at;
        };
        let threshold = if bin == 0 { f64::NEG_INFINITY } else { self.cuts[feature][bin - 1] };
        nodes.push(Node::Split { feature, threshold, left: 0, right: 0 });

        // A stable partition of the rows: bins up to `bin` to the left.
        let column = &self.codes[feature * self.rows..(feature + 1) * self.rows];
        self.scratch.clear();
        let mut left_len = 0;
        for k in 0..idx.len() {
            let i = idx[k];
            if usize::from(column[i as usize]) <= bin {
                idx[left_len] = i;
                left_len += 1;
            } else {
                self.scratch.push(i);
            }
        }
        idx[left_len..].copy_from_slice(&self.scratch);
        let (left_idx, right_idx) = idx.split_at_mut(left_len);

        let (left_hist, right_hist) = if left_idx.len() <= right_idx.len() {
            let small = self.histogram(left_idx);
            let large = subtract(hist, &small);
            (small, large)
        } else {
            let small = self.histogram(right_idx);
            let large = subtract(hist, &small);
            (large, small)
        };
        let left = self.grow(left_idx, depth + 1, left_hist, nodes);
        let right = self.grow(right_idx, depth + 1, right_hist, nodes);
        nodes[at] = Node::Split { feature, threshold, left, right };
        at
    }
}

fn subtract(mut parent: Histogram, child: &Histogram) -> Histogram {
    for (p, c) in parent.iter_mut().zip(child) {
        p[0] -= c[0];
        p[1] -= c[1];
    }
    parent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(trees: usize) -> BoostParams {
        BoostParams { trees, min_leaf: 5, ..BoostParams::default() }
    }

    #[test]
    fn a_step_function_is_learned() {
        let xs: Vec<f64> = (0..200).map(f64::from).collect();
        let y: Vec<f64> = xs.iter().map(|&x| if x < 80.0 { 1.0 } else { 5.0 }).collect();
        let booster = Booster::fit(&xs, 1, &y, &vec![0.0; 200], &params(100)).unwrap();
        assert!((booster.predict(&[10.0]) - 1.0).abs() < 0.01);
        assert!((booster.predict(&[150.0]) - 5.0).abs() < 0.01);
        assert!((booster.predict(&[1e6]) - 5.0).abs() < 0.01);
    }

    #[test]
    fn trees_correct_the_base_and_send_missing_values_left() {
        // Target = base + 2 where the feature is missing or small, base − 1 elsewhere.
        let x: Vec<f64> =
            (0..300).map(|i| if i % 3 == 0 { f64::NAN } else { f64::from(i % 50) }).collect();
        let base: Vec<f64> = (0..300).map(|i| f64::from(i % 7)).collect();
        let y: Vec<f64> = x
            .iter()
            .zip(&base)
            .map(|(&v, &b)| if v.is_nan() || v < 10.0 { b + 2.0 } else { b - 1.0 })
            .collect();
        let booster = Booster::fit(&x, 1, &y, &base, &params(200)).unwrap();
        assert!((booster.predict(&[f64::NAN]) - 2.0).abs() < 0.05);
        assert!((booster.predict(&[3.0]) - 2.0).abs() < 0.05);
        assert!((booster.predict(&[30.0]) + 1.0).abs() < 0.05);
    }

    #[test]
    fn training_is_deterministic() {
        let x: Vec<f64> = (0..2000).map(|i| f64::from((i * 7919) % 1000) / 10.0).collect();
        let y: Vec<f64> = x.iter().map(|v| (v / 10.0).sin() * 3.0).collect();
        let a = Booster::fit(&x, 2, &y[..1000], &[0.0; 1000], &params(30)).unwrap();
        let b = Booster::fit(&x, 2, &y[..1000], &[0.0; 1000], &params(30)).unwrap();
        for v in [0.5, 13.0, 77.7] {
            assert_eq!(a.predict(&[v, v]).to_bits(), b.predict(&[v, v]).to_bits());
        }
        assert!(Booster::fit(&x[..8], 1, &y[..8], &[0.0; 8], &params(3)).is_none());
    }

    #[test]
    fn bins_hold_quantiles_of_many_values() {
        let cuts = cuts_for((0..1000).map(f64::from), 10);
        assert_eq!(cuts.len(), 9);
        assert_eq!(cuts[0], 99.0);
        assert_eq!(code(&cuts, 99.0), 1);
        assert_eq!(code(&cuts, 99.5), 2);
        assert_eq!(code(&cuts, f64::NAN), 0);
        assert_eq!(cuts_for([1.0, 2.0, 2.0, 3.0].into_iter(), 10), vec![1.0, 2.0]);
    }
}
