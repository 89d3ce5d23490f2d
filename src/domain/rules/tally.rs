//! The running state shared by the rules: capped evidence, a finding being counted, and the
//! interned actor names.
//!
//! Everything here has a fixed size per finding or per actor, whatever the number of entries.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use super::{Finding, MAX_EVIDENCE, Rule};

/// The first and the last half of [`MAX_EVIDENCE`] sequence numbers pushed, in the order pushed.
#[derive(Debug, Clone, Default)]
pub(super) struct Evidence {
    head: Vec<u64>,
    tail: VecDeque<u64>,
}

const HALF: usize = MAX_EVIDENCE / 2;

impl Evidence {
    pub(super) fn push(&mut self, seq: u64) {
        if self.head.len() < HALF {
            if self.head.capacity() == 0 {
                self.head.reserve_exact(HALF);
            }
            self.head.push(seq);
            return;
        }
        if self.tail.len() == HALF {
            self.tail.pop_front();
        } else if self.tail.capacity() == 0 {
            self.tail.reserve_exact(HALF);
        }
        self.tail.push_back(seq);
    }

    /// Appends `other`'s evidence as if its entries had been pushed after this one's. Exact when
    /// both are capped lists of consecutive runs: the first and last of the whole are kept.
    pub(super) fn append(&mut self, other: &Evidence) {
        for &seq in other.head.iter().chain(other.tail.iter()) {
            self.push(seq);
        }
    }

    /// Forgets the numbers, keeping the room for reuse.
    pub(super) fn clear(&mut self) {
        self.head.clear();
        self.tail.clear();
    }

    /// The kept numbers, ascending and without repeats even if they were pushed out of order.
    pub(super) fn into_vec(self) -> Vec<u64> {
        let mut all = self.head;
        all.extend(self.tail);
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// A finding being counted: occurrences, first and last time, evidence.
#[derive(Debug, Clone)]
pub(super) struct Tally {
    pub(super) count: u64,
    pub(super) first_seen: DateTime<Utc>,
    pub(super) last_seen: DateTime<Utc>,
    pub(super) evidence: Evidence,
}

impl Tally {
    pub(super) fn new(at: DateTime<Utc>) -> Self {
        Self { count: 0, first_seen: at, last_seen: at, evidence: Evidence::default() }
    }

    /// Starts again from nothing at `at`, keeping the evidence's room.
    pub(super) fn restart(&mut self, at: DateTime<Utc>) {
        self.count = 0;
        self.first_seen = at;
        self.last_seen = at;
        self.evidence.clear();
    }

    /// Counts one entry. Times may step back a little between processes, so first and last
    /// are the least and greatest seen rather than the first and last pushed.
    pub(super) fn note(&mut self, seq: u64, at: DateTime<Utc>) {
        self.count += 1;
        self.first_seen = self.first_seen.min(at);
        self.last_seen = self.last_seen.max(at);
        self.evidence.push(seq);
    }

    /// Adds another tally of later entries of the same subject.
    pub(super) fn absorb(&mut self, other: &Tally) {
        self.count += other.count;
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
        self.evidence.append(&other.evidence);
    }

    pub(super) fn into_finding(self, rule: Rule, key: String, summary: String) -> Finding {
        Finding {
            rule,
            key,
            severity: rule.severity(),
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            count: self.count,
            evidence: self.evidence.into_vec(),
            summary,
        }
    }
}

/// Counts an entry into the tally at `slot`, starting one if there is none.
pub(super) fn note_in(slot: &mut Option<Tally>, seq: u64, at: DateTime<Utc>) {
    slot.get_or_insert_with(|| Tally::new(at)).note(seq, at);
}

/// Actor logins as small numbers, so per-actor state lives in vectors and an entry's login is
/// looked up by `&str` and copied only the first time it is seen.
#[derive(Debug, Default)]
pub(super) struct Actors {
    ids: HashMap<String, usize>,
    names: Vec<String>,
}

impl Actors {
    pub(super) fn intern(&mut self, login: &str) -> usize {
        if let Some(&id) = self.ids.get(login) {
            return id;
        }
        let id = self.names.len();
        self.names.push(login.to_owned());
        self.ids.insert(login.to_owned(), id);
        id
    }

    pub(super) fn name(&self, id: usize) -> &str {
        &self.names[id]
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.names.len()
    }
}

/// One optional value per actor, grown as actors appear.
#[derive(Debug)]
pub(super) struct PerActor<T>(Vec<Option<T>>);

impl<T> Default for PerActor<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> PerActor<T> {
    pub(super) fn slot(&mut self, actor: usize) -> &mut Option<T> {
        if actor >= self.0.len() {
            self.0.resize_with(actor + 1, || None);
        }
        &mut self.0[actor]
    }

    #[cfg(test)]
    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter().flatten()
    }

    /// The values with their actor ids, in id order.
    pub(super) fn into_entries(self) -> impl Iterator<Item = (usize, T)> {
        self.0.into_iter().enumerate().filter_map(|(id, v)| v.map(|v| (id, v)))
    }
}
