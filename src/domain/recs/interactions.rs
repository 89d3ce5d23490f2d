//! Implicit interactions as sets: which users had which items, every item mapped to a dense
//! index in the order of its key, every user's items sorted and distinct. Both models are built
//! from this.

use std::collections::HashMap;
use std::hash::Hash;

/// The items seen, each with a dense index: their position in key order, so that breaking ties
/// by index breaks them by key.
#[derive(Debug, Clone)]
pub(crate) struct Catalogue<I> {
    items: Vec<I>,
    index: HashMap<I, u32>,
}

impl<I: Clone + Ord + Hash> Catalogue<I> {
    /// The dense index of an item, if it was seen.
    pub(crate) fn index_of(&self, item: &I) -> Option<u32> {
        self.index.get(item).copied()
    }

    /// The indices of the known items among `items`, sorted and distinct.
    pub(crate) fn indices(&self, items: &[I]) -> Vec<u32> {
        let mut out: Vec<u32> = items.iter().filter_map(|i| self.index_of(i)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl<I> Catalogue<I> {
    pub(crate) fn items(&self) -> &[I] {
        &self.items
    }

    /// The key of index `i`, which came from this catalogue.
    pub(crate) fn key(&self, i: u32) -> &I {
        &self.items[i as usize]
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

/// Users' item sets over a catalogue of the items seen. Users are anonymous and ordered by their
/// sets.
#[derive(Debug, Clone)]
pub struct Interactions<I> {
    catalogue: Catalogue<I>,
    /// User `u`'s items are `user_items[user_start[u]..user_start[u + 1]]`, sorted, distinct.
    user_start: Vec<usize>,
    user_items: Vec<u32>,
}

impl<I: Clone + Ord + Hash> Interactions<I> {
    /// Groups the pairs by user; a pair seen twice counts once. Users are anonymous here: only
    /// their sets matter, so the order of the pairs changes nothing.
    pub fn from_pairs<U: Eq + Hash>(pairs: impl IntoIterator<Item = (U, I)>) -> Self {
        let mut users: HashMap<U, u32> = HashMap::new();
        let mut first_seen: HashMap<I, u32> = HashMap::new();
        let mut keys: Vec<I> = Vec::new();
        let mut rows: Vec<(u32, u32)> = Vec::new();
        for (user, item) in pairs {
            let next = users.len() as u32;
            let u = *users.entry(user).or_insert(next);
            let i = match first_seen.get(&item) {
                Some(i) => *i,
                None => {
                    let i = keys.len() as u32;
                    first_seen.insert(item.clone(), i);
                    keys.push(item);
                    i
                }
            };
            rows.push((u, i));
        }
        // Renumber the items in key order.
        let mut items = keys.clone();
        items.sort();
        let index: HashMap<I, u32> =
            items.iter().enumerate().map(|(i, k)| (k.clone(), i as u32)).collect();
        let renumber: Vec<u32> = keys.iter().map(|k| index[k]).collect();

        for row in &mut rows {
            row.1 = renumber[row.1 as usize];
        }
        rows.sort_unstable();
        rows.dedup();
        let mut user_start = vec![0usize; users.len() + 1];
        for (u, _) in &rows {
            user_start[*u as usize + 1] += 1;
        }
        for u in 0..users.len() {
            user_start[u + 1] += user_start[u];
        }
        let items_of: Vec<u32> = rows.into_iter().map(|(_, i)| i).collect();
        // Users in the order of their item sets, not of the pairs, so that sums over users run
        // in the same order whatever order the pairs came in.
        let mut order: Vec<usize> = (0..users.len()).collect();
        order.sort_by(|a, b| {
            items_of[user_start[*a]..user_start[*a + 1]]
                .cmp(&items_of[user_start[*b]..user_start[*b + 1]])
        });
        let mut sorted_start = Vec::with_capacity(users.len() + 1);
        sorted_start.push(0);
        let mut user_items = Vec::with_capacity(items_of.len());
        for u in order {
            user_items.extend_from_slice(&items_of[user_start[u]..user_start[u + 1]]);
            sorted_start.push(user_items.len());
        }
        Interactions { catalogue: Catalogue { items, index }, user_start: sorted_start, user_items }
    }

    /// The dense index of an item, if it was seen.
    pub fn index_of(&self, item: &I) -> Option<u32> {
        self.catalogue.index_of(item)
    }

    /// A 64-bit digest of the item sets (the items and, per user in their fixed order, the
    /// user's items): equal data, equal digest, whatever order the pairs came in. A model fitted
    /// once can be kept for as long as its data's digest stays the same.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::Hasher;
        // SipHash with fixed keys: the same in every process.
        let mut h = std::hash::DefaultHasher::new();
        self.catalogue.items().hash(&mut h);
        self.user_start.hash(&mut h);
        self.user_items.hash(&mut h);
        h.finish()
    }
}

impl<I> Interactions<I> {
    /// The items seen, in key order (their index is their position).
    pub fn items(&self) -> &[I] {
        self.catalogue.items()
    }

    pub(crate) fn catalogue(&self) -> &Catalogue<I> {
        &self.catalogue
    }

    /// How many users have at least one item.
    pub fn users(&self) -> usize {
        self.user_start.len() - 1
    }

    /// Distinct (user, item) pairs.
    pub fn pairs(&self) -> usize {
        self.user_items.len()
    }

    /// User `u`'s items, by index, sorted.
    pub(crate) fn user(&self, u: usize) -> &[u32] {
        &self.user_items[self.user_start[u]..self.user_start[u + 1]]
    }

    /// How many distinct users had each item.
    pub fn item_counts(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.catalogue.len()];
        for i in &self.user_items {
            counts[*i as usize] += 1;
        }
        counts
    }

    /// The users of each item, transposed from the users' sets: `(start, users)` in the same
    /// layout as the users' items.
    pub(crate) fn item_users(&self) -> (Vec<usize>, Vec<u32>) {
        let counts = self.item_counts();
        let mut start = vec![0usize; self.catalogue.len() + 1];
        for (i, c) in counts.iter().enumerate() {
            start[i + 1] = start[i] + *c as usize;
        }
        let mut fill = start.clone();
        let mut users = vec![0u32; self.user_items.len()];
        for u in 0..self.users() {
            for i in self.user(u) {
                users[fill[*i as usize]] = u as u32;
                fill[*i as usize] += 1;
            }
        }
        (start, users)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_indexed_in_key_order_and_sets_are_distinct() {
        let m = Interactions::from_pairs([("bob", "b"), ("ann", "c"), ("ann", "a"), ("ann", "c")]);
        assert_eq!(m.items(), ["a", "b", "c"]);
        assert_eq!(m.users(), 2);
        assert_eq!(m.pairs(), 3);
        // Users in the order of their sets: ann's {a, c} before bob's {b}.
        assert_eq!(m.user(0), [0, 2]);
        assert_eq!(m.user(1), [1]);
        assert_eq!(m.item_counts(), [1, 1, 1]);
        assert_eq!(m.index_of(&"b"), Some(1));
        assert_eq!(m.index_of(&"z"), None);
        assert_eq!(m.catalogue().indices(&["c", "z", "a", "c"]), [0, 2]);
    }

    #[test]
    fn the_fingerprint_follows_the_sets_not_the_order_or_the_names_of_users() {
        let a = Interactions::from_pairs([("ann", "x"), ("bob", "y"), ("ann", "y")]);
        let b = Interactions::from_pairs([("p2", "y"), ("p1", "y"), ("p1", "x"), ("p1", "x")]);
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = Interactions::from_pairs([("ann", "x"), ("bob", "x"), ("ann", "y")]);
        assert_ne!(a.fingerprint(), c.fingerprint());
        let d = Interactions::from_pairs([("ann", "x"), ("bob", "y"), ("ann", "z")]);
        assert_ne!(a.fingerprint(), d.fingerprint());
    }

    #[test]
    fn the_transpose_lists_each_items_users() {
        let m = Interactions::from_pairs([(1, 'x'), (2, 'x'), (2, 'y'), (3, 'y'), (3, 'x')]);
        let (start, users) = m.item_users();
        assert_eq!(start, [0, 3, 5]);
        assert_eq!(&users[0..3], [0, 1, 2]);
        assert_eq!(&users[3..5], [1, 2]);
    }
}
