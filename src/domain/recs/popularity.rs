//! The popularity baseline: every user gets the items most users had, less their own. The
//! yardstick any personalised model must beat, and what a patron without loans is shown.

use std::hash::Hash;

use super::interactions::{Catalogue, Interactions};
use super::{Reason, Recommendation, Recommender};

/// Items ranked by how many distinct users had them; ties in key order.
#[derive(Debug, Clone)]
pub struct Popularity<I> {
    catalogue: Catalogue<I>,
    /// Item indices, most popular first.
    ranked: Vec<u32>,
    counts: Vec<u32>,
}

impl<I: Clone + Ord + Hash> Popularity<I> {
    /// Counts each item's users.
    pub fn fit(data: &Interactions<I>) -> Self {
        let counts = data.item_counts();
        let mut ranked: Vec<u32> = (0..counts.len() as u32).collect();
        ranked.sort_by(|a, b| counts[*b as usize].cmp(&counts[*a as usize]).then(a.cmp(b)));
        Popularity { catalogue: data.catalogue().clone(), ranked, counts }
    }
}

impl<I: Clone + Ord + Hash> Recommender<I> for Popularity<I> {
    /// Scores are the number of users who had the item.
    fn recommend(&self, user_items: &[I], k: usize) -> Vec<Recommendation<I>> {
        let owned = self.catalogue.indices(user_items);
        self.ranked
            .iter()
            .filter(|i| owned.binary_search(i).is_err())
            .take(k)
            .map(|i| Recommendation {
                item: self.catalogue.key(*i).clone(),
                score: f64::from(self.counts[*i as usize]),
                reason: Reason::Popular,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_users_first_ties_by_key_own_items_left_out() {
        // a: 3 users, b: 2 (one of them twice), c: 2, d: 1.
        let data = Interactions::from_pairs([
            (1, "d"),
            (1, "a"),
            (2, "a"),
            (3, "a"),
            (2, "c"),
            (3, "c"),
            (1, "b"),
            (1, "b"),
            (2, "b"),
        ]);
        let m = Popularity::fit(&data);
        fn items(recs: Vec<Recommendation<&'static str>>) -> Vec<&'static str> {
            recs.into_iter().map(|r| r.item).collect()
        }
        assert_eq!(items(m.recommend(&[], 10)), ["a", "b", "c", "d"]);
        assert_eq!(items(m.recommend(&["b", "zzz"], 2)), ["a", "c"]);
        let top = m.recommend(&[], 1);
        assert_eq!(top[0].score, 3.0);
        assert_eq!(top[0].reason, Reason::Popular);
        assert_eq!(top[0].reason.code(), "popular");
    }
}
