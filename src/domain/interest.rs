//! A patron's interest profile, as seed 003 builds it: for each subject,
//!
//! interest = Σ over sources of (context weight of the source × Σ over the source's events in
//! that subject of the time-decay coefficient of the event),
//!
//! where the sources are loans, searches and the spatial trajectory (visits), with weights
//! 0.35 / 0.41 / 0.24 by default, and the decay coefficient of an event `age` old is
//! 2^(−age / half-life): an event one half-life old counts half. Summing the decay over each
//! event is the seed's "behaviour frequency × time-decay coefficient" with the frequency
//! counted per event, so two loans on one day weigh twice one.
//!
//! Pure: events arrive already mapped to subjects; the time is a parameter.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Where an event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Loans,
    Searches,
    Visits,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Loans, Source::Searches, Source::Visits];

    fn index(self) -> usize {
        match self {
            Source::Loans => 0,
            Source::Searches => 1,
            Source::Visits => 2,
        }
    }
}

/// The context weight of each source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    pub loans: f64,
    pub searches: f64,
    pub visits: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { loans: 0.35, searches: 0.41, visits: 0.24 }
    }
}

impl Weights {
    fn of(&self, s: Source) -> f64 {
        match s {
            Source::Loans => self.loans,
            Source::Searches => self.searches,
            Source::Visits => self.visits,
        }
    }
}

/// One behaviour event in a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub source: Source,
    pub subject: String,
    pub at: DateTime<Utc>,
}

/// One subject of a profile, with what each source contributed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubjectInterest {
    pub subject: String,
    pub score: f64,
    /// Contributions of loans, searches and visits, in that order; they sum to `score`.
    pub by_source: [f64; 3],
    /// Events per source, undecayed.
    pub events: [u64; 3],
}

impl SubjectInterest {
    /// The share of `source` in this subject's score, 0 when the score is 0.
    pub fn share(&self, source: Source) -> f64 {
        if self.score > 0.0 { self.by_source[source.index()] / self.score } else { 0.0 }
    }
}

/// The decay coefficient of an event `age` old: 2^(−age/half_life); events in the future
/// (clock skew) count fully.
pub fn decay(age: Duration, half_life: Duration) -> f64 {
    let age = age.num_seconds().max(0) as f64;
    let h = half_life.num_seconds().max(1) as f64;
    (-(age / h) * std::f64::consts::LN_2).exp()
}

/// The profile at `now`, most interesting subject first (ties by name).
pub fn profile(
    events: &[Event],
    weights: Weights,
    half_life: Duration,
    now: DateTime<Utc>,
) -> Vec<SubjectInterest> {
    let mut by_subject: std::collections::BTreeMap<&str, ([f64; 3], [u64; 3])> =
        std::collections::BTreeMap::new();
    for e in events {
        let slot = by_subject.entry(e.subject.as_str()).or_insert(([0.0; 3], [0; 3]));
        let i = e.source.index();
        slot.0[i] += weights.of(e.source) * decay(now - e.at, half_life);
        slot.1[i] += 1;
    }
    let mut out: Vec<SubjectInterest> = by_subject
        .into_iter()
        .map(|(subject, (by_source, events))| SubjectInterest {
            subject: subject.to_owned(),
            score: by_source.iter().sum(),
            by_source,
            events,
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.subject.cmp(&b.subject)));
    out
}

/// The subject a catalogue search is about: the subject it names, else the subject most of
/// the catalogue titles containing it have (ties by name); `None` when nothing matches.
/// `catalogue` is (title, subject) pairs; comparison ignores case.
pub fn subject_of_query(query: &str, catalogue: &[(String, String)]) -> Option<String> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return None;
    }
    if let Some((_, s)) = catalogue.iter().find(|(_, s)| s.to_lowercase() == q) {
        return Some(s.clone());
    }
    let mut votes: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    for (title, subject) in catalogue {
        if title.to_lowercase().contains(&q) {
            *votes.entry(subject.as_str()).or_insert(0) += 1;
        }
    }
    // Most votes; among equals the first by name (the map is ordered, max_by keeps the last).
    votes.into_iter().rev().max_by_key(|(_, n)| *n).map(|(s, _)| s.to_owned())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(days_ago: i64) -> DateTime<Utc> {
        now() - Duration::days(days_ago)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
    }

    fn ev(source: Source, subject: &str, days_ago: i64) -> Event {
        Event { source, subject: subject.into(), at: at(days_ago) }
    }

    #[test]
    fn the_profile_matches_a_hand_computed_example() {
        // Half-life 30 days. History: a loan today (1.0) and one 30 days ago (0.5), a search
        // 60 days ago (0.25), a visit 30 days ago (0.5); art: two searches today (2.0).
        let events = [
            ev(Source::Loans, "history", 0),
            ev(Source::Loans, "history", 30),
            ev(Source::Searches, "history", 60),
            ev(Source::Visits, "history", 30),
            ev(Source::Searches, "art", 0),
            ev(Source::Searches, "art", 0),
        ];
        let p = profile(&events, Weights::default(), Duration::days(30), now());
        // history = 0.35 × 1.5 + 0.41 × 0.25 + 0.24 × 0.5 = 0.525 + 0.1025 + 0.12 = 0.7475
        // art     = 0.41 × 2.0 = 0.82
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].subject, "art");
        assert!((p[0].score - 0.82).abs() < 1e-12, "{}", p[0].score);
        assert_eq!(p[1].subject, "history");
        assert!((p[1].score - 0.7475).abs() < 1e-12, "{}", p[1].score);
        assert!((p[1].by_source[0] - 0.525).abs() < 1e-12);
        assert!((p[1].share(Source::Visits) - 0.12 / 0.7475).abs() < 1e-12);
        assert_eq!(p[1].events, [2, 1, 1]);
        assert_eq!(p[0].share(Source::Searches), 1.0);
    }

    #[test]
    fn a_search_is_about_the_subject_it_names_or_most_matching_titles_have() {
        let cat: Vec<(String, String)> = [
            ("A History of Rome", "history"),
            ("Rome in Art", "art"),
            ("Rome and Carthage", "history"),
            ("Painting Light", "art"),
        ]
        .iter()
        .map(|(t, s)| ((*t).to_owned(), (*s).to_owned()))
        .collect();
        assert_eq!(subject_of_query("rome", &cat).as_deref(), Some("history"));
        assert_eq!(subject_of_query("ART", &cat).as_deref(), Some("art"));
        assert_eq!(subject_of_query("light", &cat).as_deref(), Some("art"));
        assert_eq!(subject_of_query("carthage rome", &cat), None);
        assert_eq!(subject_of_query(" ", &cat), None);
        let tie: Vec<(String, String)> =
            vec![("x b".into(), "beta".into()), ("x a".into(), "alpha".into())];
        assert_eq!(subject_of_query("x", &tie).as_deref(), Some("alpha"));
    }

    #[test]
    fn decay_halves_every_half_life_and_future_events_count_fully() {
        let h = Duration::days(10);
        assert!((decay(Duration::days(10), h) - 0.5).abs() < 1e-12);
        assert!((decay(Duration::days(20), h) - 0.25).abs() < 1e-12);
        assert_eq!(decay(Duration::days(-3), h), 1.0);
        assert!(profile(&[], Weights::default(), h, now()).is_empty());
    }
}
