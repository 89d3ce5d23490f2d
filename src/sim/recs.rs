//! The simulated recommendation service: its patrons, its model card and what it recommends.
//!
//! Patrons are named to it only by pseudonym (HMAC-SHA256 of the card number under the site
//! key). Four in five patrons consent to recommendations; the others are answered 451. A
//! patron's list is ranked from four sources, each giving its reason code: items like their
//! loans (`similar_to_loans`), items in their subjects (`subject_interest`), items in a subject
//! they searched lately (`recent_search`) and the most borrowed items (`popular`).
//!
//! May use: catalogue, random, domain. Pure.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::domain::api::{ModelInfo, RecommendationDto};
use crate::domain::pseudonym::pseudonym;

use super::catalogue::{Item, SUBJECTS, catalogue};
use super::random::{Purpose, Stream};

/// How many patrons the simulated library has.
pub const PATRONS: usize = 240;
/// The longest list the API gives.
pub const MAX_K: usize = 50;
/// The model version the service reports.
pub const MODEL_VERSION: &str = "recs-2026.11.1";

/// A patron of the simulated library. The demo database is seeded with the same patrons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPatron {
    /// Library card number, digits only.
    pub card: String,
    pub name: String,
    pub consents_to_recommendations: bool,
    /// Subjects the patron borrows in, most borrowed first.
    pub interests: Vec<String>,
}

const GIVEN: [&str; 32] = [
    "Ana", "Ben", "Chiara", "Dmitri", "Elif", "Farah", "Gabriel", "Hana", "Ines", "Jonas", "Kwame",
    "Lucía", "Mei", "Nikhil", "Olga", "Pablo", "Qiu", "Rosa", "Sami", "Tomasz", "Uma", "Viktor",
    "Wen", "Ximena", "Yusuf", "Zofia", "Amara", "Bruno", "Carmen", "Daniel", "Emma", "Felix",
];
const FAMILY: [&str; 32] = [
    "García",
    "Okafor",
    "Rossi",
    "Ivanova",
    "Yılmaz",
    "Haddad",
    "Silva",
    "Tanaka",
    "Moreau",
    "Becker",
    "Mensah",
    "López",
    "Chen",
    "Patel",
    "Novak",
    "Fernández",
    "Wang",
    "Costa",
    "Nieminen",
    "Kowalski",
    "Rao",
    "Petrov",
    "Liu",
    "Herrera",
    "Demir",
    "Nowak",
    "Eze",
    "Santos",
    "Ruiz",
    "Schmidt",
    "Johansson",
    "Müller",
];

/// The patrons of `seed`, in card order.
pub fn patrons(seed: u64) -> Vec<SimPatron> {
    let mut rng = Stream::new(seed, Purpose::Patrons, &[]);
    (0..PATRONS)
        .map(|i| {
            let given = GIVEN[rng.below(GIVEN.len())];
            let family = FAMILY[rng.below(FAMILY.len())];
            let consents = rng.chance(0.8);
            let mut interests: Vec<String> = Vec::new();
            let wanted = 2 + rng.below(2);
            while interests.len() < wanted {
                let s = SUBJECTS[rng.below(SUBJECTS.len())].to_owned();
                if !interests.contains(&s) {
                    interests.push(s);
                }
            }
            SimPatron {
                card: format!("2900{:04}{:04}", i + 1, rng.below(10_000)),
                name: format!("{given} {family}"),
                consents_to_recommendations: consents,
                interests,
            }
        })
        .collect()
}

/// Who a pseudonym names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Unknown,
    NoConsent,
    Patron(usize),
}

/// The recommendation service's data: patrons by pseudonym and the catalogue.
#[derive(Debug, Clone)]
pub struct Recommender {
    seed: u64,
    patrons: Vec<SimPatron>,
    by_pseudonym: HashMap<String, usize>,
    pub items: Vec<Item>,
    popular: Vec<usize>,
}

impl Recommender {
    pub fn new(seed: u64, site_key: &[u8]) -> Self {
        let patrons = patrons(seed);
        let by_pseudonym =
            patrons.iter().enumerate().map(|(i, p)| (pseudonym(site_key, &p.card), i)).collect();
        let items = catalogue(seed);
        let mut popular: Vec<usize> = (0..items.len()).collect();
        popular.sort_by(|&a, &b| items[b].popularity.total_cmp(&items[a].popularity));
        popular.truncate(100);
        Self { seed, patrons, by_pseudonym, items, popular }
    }

    pub fn lookup(&self, pseudonym: &str) -> Lookup {
        match self.by_pseudonym.get(pseudonym) {
            None => Lookup::Unknown,
            Some(&i) if !self.patrons[i].consents_to_recommendations => Lookup::NoConsent,
            Some(&i) => Lookup::Patron(i),
        }
    }

    /// The top `k` items for patron `p` (k at most [`MAX_K`]), best first. The list for a
    /// smaller `k` is the head of the list for a larger one.
    pub fn recommend(&self, p: usize, k: usize) -> Vec<RecommendationDto> {
        let Some(patron) = self.patrons.get(p) else {
            return Vec::new();
        };
        let mut rng = Stream::new(self.seed, Purpose::Recommendations, &[p as u64]);
        let subject_of = |name: &str| SUBJECTS.iter().position(|s| *s == name);
        let interests: Vec<usize> = patron.interests.iter().filter_map(|s| subject_of(s)).collect();
        let in_subject = |s: usize| -> Vec<usize> {
            (0..self.items.len()).filter(|&i| self.items[i].subject == s).collect()
        };
        let mut loans: Vec<usize> = Vec::new();
        for _ in 0..4 {
            if let Some(&s) = rng.pick(&interests)
                && let Some(&item) = rng.pick(&in_subject(s))
            {
                loans.push(item);
            }
        }
        let like_loans: Vec<usize> = (0..self.items.len())
            .filter(|&i| {
                loans.iter().any(|&l| {
                    l != i
                        && self.items[l].subject == self.items[i].subject
                        && self.items[l].topic == self.items[i].topic
                })
            })
            .collect();
        let interest_pool: Vec<usize> = interests.iter().flat_map(|&s| in_subject(s)).collect();
        let searched = in_subject(rng.below(SUBJECTS.len()));
        let sources: [(&str, &[usize], f64); 4] = [
            ("similar_to_loans", &like_loans, 0.35),
            ("subject_interest", &interest_pool, 0.30),
            ("recent_search", &searched, 0.20),
            ("popular", &self.popular, 0.15),
        ];
        let mut out: Vec<RecommendationDto> = Vec::new();
        let mut score = 0.97;
        let mut tries = 0;
        while out.len() < k.min(MAX_K) && tries < 2000 {
            tries += 1;
            let mut u = rng.unit();
            let (reason, pool, _) = sources
                .iter()
                .find(|(_, _, w)| {
                    u -= w;
                    u < 0.0
                })
                .copied()
                .unwrap_or(sources[3]);
            let Some(&i) = rng.pick(pool) else {
                continue;
            };
            let item = &self.items[i];
            if out.iter().any(|r| r.item_id == item.dto.id) {
                continue;
            }
            let mut reasons = vec![reason.to_owned()];
            if reason != "subject_interest" && interests.contains(&item.subject) {
                reasons.push("subject_interest".to_owned());
            }
            out.push(RecommendationDto {
                item_id: item.dto.id.clone(),
                title: item.dto.title.clone(),
                score: (score * 1000.0_f64).round() / 1000.0,
                reasons,
            });
            score = (score - rng.between(0.004, 0.03)).max(0.05);
        }
        out
    }

    /// The model card: federated training across six sites, trained three days before `now`.
    pub fn model_info(&self, now: DateTime<Utc>) -> ModelInfo {
        let trained = (now - Duration::days(3))
            .date_naive()
            .and_time(NaiveTime::from_hms_opt(2, 0, 0).unwrap_or(NaiveTime::MIN))
            .and_utc();
        let metrics = BTreeMap::from([
            ("precision_at_10".to_owned(), 0.312),
            ("recall_at_10".to_owned(), 0.187),
            ("ndcg_at_10".to_owned(), 0.405),
            ("catalogue_coverage".to_owned(), 0.64),
            ("interest_accuracy".to_owned(), 0.914),
        ]);
        ModelInfo {
            version: MODEL_VERSION.to_owned(),
            trained_at: trained,
            training_mode: "federated".to_owned(),
            sites: 6,
            metrics,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patrons_are_deterministic_with_unique_cards() {
        let a = patrons(7);
        assert_eq!(a, patrons(7));
        assert_ne!(a, patrons(8));
        let mut cards: Vec<&str> = a.iter().map(|p| p.card.as_str()).collect();
        cards.sort_unstable();
        cards.dedup();
        assert_eq!(cards.len(), PATRONS);
        let consenting = a.iter().filter(|p| p.consents_to_recommendations).count();
        assert!(consenting > PATRONS / 2 && consenting < PATRONS);
    }

    #[test]
    fn recommendations_are_ranked_reasoned_and_prefix_stable() {
        let key = b"site";
        let r = Recommender::new(7, key);
        let p = patrons(7).into_iter().position(|p| p.consents_to_recommendations).unwrap();
        let card = patrons(7)[p].card.clone();
        assert_eq!(r.lookup(&pseudonym(key, &card)), Lookup::Patron(p));
        assert_eq!(r.lookup(&"0".repeat(64)), Lookup::Unknown);
        let ten = r.recommend(p, 10);
        let fifty = r.recommend(p, 50);
        assert_eq!(ten.len(), 10);
        assert_eq!(fifty.len(), 50);
        assert_eq!(ten[..], fifty[..10]);
        assert!(fifty.windows(2).all(|w| w[0].score >= w[1].score));
        let reasons: std::collections::HashSet<&str> =
            fifty.iter().flat_map(|r| r.reasons.iter().map(String::as_str)).collect();
        assert!(reasons.len() >= 3, "{reasons:?}");
    }
}
