//! Top-k metrics for leave-one-out evaluation, where each user has exactly one relevant item
//! (the one held out), and the catalogue-wide measures of what a model recommends at all.
//!
//! - precision@k = hits / k (a list shorter than k still counts k slots);
//! - recall@k = 1 for a hit, else 0 (one relevant item: recall is the hit rate);
//! - nDCG@k with binary relevance = 1 / log2(rank + 1) for a hit at 1-based `rank`, else 0 (the
//!   ideal list has the one relevant item first, so the ideal DCG is 1);
//! - coverage = distinct items recommended to anyone / items in the catalogue;
//! - long-tail share = of all recommendation slots filled, the share holding an item outside the
//!   head, the head being the most popular items that together make up a given share (20%) of
//!   the interactions.

use super::backtest::{ModelKind, ModelScore};

/// The 1-based rank of `relevant` among the first `k` of `list`.
pub fn hit_rank<I: PartialEq>(list: &[I], relevant: &I, k: usize) -> Option<usize> {
    list.iter().take(k).position(|i| i == relevant).map(|p| p + 1)
}

/// Hits among the first `k`, over `k`.
pub fn precision_at<I: PartialEq>(list: &[I], relevant: &I, k: usize) -> f64 {
    match hit_rank(list, relevant, k) {
        Some(_) => 1.0 / k as f64,
        None => 0.0,
    }
}

/// 1 when the one relevant item is among the first `k`, else 0.
pub fn recall_at<I: PartialEq>(list: &[I], relevant: &I, k: usize) -> f64 {
    if hit_rank(list, relevant, k).is_some() { 1.0 } else { 0.0 }
}

/// Normalised discounted cumulative gain of the one relevant item at its rank.
pub fn ndcg_at<I: PartialEq>(list: &[I], relevant: &I, k: usize) -> f64 {
    hit_rank(list, relevant, k).map_or(0.0, |rank| 1.0 / (rank as f64 + 1.0).log2())
}

/// Which items are in the head: the fewest most popular items (by `counts`, ties by index) whose
/// counts add up to at least `share` of all counts.
pub fn head_items(counts: &[u32], share: f64) -> Vec<bool> {
    let total: u64 = counts.iter().map(|c| u64::from(*c)).sum();
    let mut head = vec![false; counts.len()];
    let target = share * total as f64;
    if total == 0 || target <= 0.0 {
        return head;
    }
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|a, b| counts[*b].cmp(&counts[*a]).then(a.cmp(b)));
    let mut sum = 0u64;
    for i in order {
        head[i] = true;
        sum += u64::from(counts[i]);
        if sum as f64 >= target {
            break;
        }
    }
    head
}

/// Sums of a model's metrics over the users evaluated so far. Items are indices into a
/// catalogue of `is_head.len()` items.
#[derive(Debug, Clone)]
pub struct Tally {
    k: usize,
    users: usize,
    precision: f64,
    recall: f64,
    ndcg: f64,
    slots: usize,
    tail_slots: usize,
    recommended: Vec<bool>,
}

impl Tally {
    pub fn new(k: usize, catalogue: usize) -> Self {
        Tally {
            k,
            users: 0,
            precision: 0.0,
            recall: 0.0,
            ndcg: 0.0,
            slots: 0,
            tail_slots: 0,
            recommended: vec![false; catalogue],
        }
    }

    /// Adds one user's list (only its first `k` count) and held-out item.
    pub fn add(&mut self, list: &[u32], held_out: u32, is_head: &[bool]) {
        let list = &list[..list.len().min(self.k)];
        self.users += 1;
        self.precision += precision_at(list, &held_out, self.k);
        self.recall += recall_at(list, &held_out, self.k);
        self.ndcg += ndcg_at(list, &held_out, self.k);
        for i in list {
            self.slots += 1;
            if !is_head.get(*i as usize).copied().unwrap_or(false) {
                self.tail_slots += 1;
            }
            if let Some(seen) = self.recommended.get_mut(*i as usize) {
                *seen = true;
            }
        }
    }

    /// The means over the users added, and the catalogue-wide measures.
    pub fn finish(&self, model: ModelKind) -> ModelScore {
        let mean = |sum: f64| if self.users == 0 { 0.0 } else { sum / self.users as f64 };
        let distinct = self.recommended.iter().filter(|r| **r).count();
        ModelScore {
            model,
            precision: mean(self.precision),
            recall: mean(self.recall),
            ndcg: mean(self.ndcg),
            coverage: if self.recommended.is_empty() {
                0.0
            } else {
                distinct as f64 / self.recommended.len() as f64
            },
            long_tail_share: if self.slots == 0 {
                0.0
            } else {
                self.tail_slots as f64 / self.slots as f64
            },
            users_evaluated: self.users,
            items_recommended: distinct,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn ndcg_of_one_relevant_item() {
        let list = [7, 3, 9, 4];
        assert_eq!(ndcg_at(&list, &7, 10), 1.0);
        assert!(close(ndcg_at(&list, &9, 10), 1.0 / 4f64.log2()));
        assert!(close(ndcg_at(&list, &9, 10), 0.5));
        assert!(close(ndcg_at(&list, &3, 10), 1.0 / 3f64.log2()));
        assert_eq!(ndcg_at(&list, &5, 10), 0.0);
        assert_eq!(ndcg_at(&list, &4, 3), 0.0, "a hit past k is a miss");
        assert_eq!(hit_rank(&list, &4, 10), Some(4));
    }

    #[test]
    fn precision_counts_k_slots_and_recall_is_the_hit_rate() {
        let list = [1, 2, 3];
        assert!(close(precision_at(&list, &2, 10), 0.1));
        assert_eq!(precision_at(&list, &8, 10), 0.0);
        assert_eq!(recall_at(&list, &3, 10), 1.0);
        assert_eq!(recall_at(&list, &3, 2), 0.0);
    }

    #[test]
    fn the_head_is_the_fewest_popular_items_reaching_the_share() {
        // 20 interactions: 20% is 4, and item 2 alone has 10.
        assert_eq!(head_items(&[1, 3, 10, 5, 1], 0.2), [false, false, true, false, false]);
        // 5 interactions, 40% = 2: two items of one each, the first two by index.
        assert_eq!(head_items(&[1; 5], 0.4), [true, true, false, false, false]);
        // Half of 12 = 6: 4 + 3 reaches it.
        assert_eq!(head_items(&[4, 1, 3, 2, 2], 0.5), [true, false, true, false, false]);
        assert_eq!(head_items(&[0, 0], 0.2), [false, false]);
        assert_eq!(head_items(&[3, 1], 0.0), [false, false]);
    }

    #[test]
    fn a_tally_means_over_users_and_measures_the_catalogue() {
        // Catalogue of 10 items; items 0 and 1 are the head.
        let mut head = vec![false; 10];
        head[0] = true;
        head[1] = true;
        let mut t = Tally::new(3, 10);
        t.add(&[0, 5, 6, 9], 0, &head); // hit at 1; only the first 3 count: 0, 5, 6
        t.add(&[1, 5, 2], 2, &head); // hit at 3
        t.add(&[0, 1], 7, &head); // miss, a short list
        t.add(&[], 4, &head); // nothing recommended: a miss
        let s = t.finish(ModelKind::ItemKnn);
        assert_eq!(s.users_evaluated, 4);
        assert!(close(s.ndcg, (1.0 + 0.5) / 4.0), "{s:?}");
        assert!(close(s.recall, 0.5), "{s:?}");
        assert!(close(s.precision, (1.0 / 3.0 + 1.0 / 3.0) / 4.0), "{s:?}");
        // Distinct items recommended: 0, 1, 2, 5, 6 of 10.
        assert_eq!(s.items_recommended, 5);
        assert!(close(s.coverage, 0.5), "{s:?}");
        // Slots: 0 5 6 | 1 5 2 | 0 1 = 8, of which 0, 1, 0, 1 are head: 4 of 8 in the tail.
        assert!(close(s.long_tail_share, 0.5), "{s:?}");
    }
}
