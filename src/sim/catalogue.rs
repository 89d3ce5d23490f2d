//! The simulated catalogue: about two thousand items with titles from word lists, library
//! subjects and publication years, for `GET /v1/catalog` and for recommendations.
//!
//! May use: random, domain. Pure.

use crate::domain::api::CatalogItemDto;

use super::random::{Purpose, Stream};

/// Number of items in the catalogue.
pub const ITEMS: usize = 2000;

/// The library's subjects, as the catalogue names them.
pub const SUBJECTS: [&str; 12] = [
    "Computer science",
    "History",
    "Literature",
    "Law",
    "Medicine",
    "Economics",
    "Mathematics",
    "Philosophy",
    "Psychology",
    "Education",
    "Engineering",
    "Art",
];

pub(super) const TOPICS: [[&str; 8]; 12] = [
    [
        "Distributed Systems",
        "Compilers",
        "Machine Learning",
        "Databases",
        "Operating Systems",
        "Algorithms",
        "Computer Networks",
        "Cryptography",
    ],
    [
        "the Hanseatic League",
        "Medieval Iberia",
        "the Industrial Revolution",
        "the Silk Road",
        "Ancient Rome",
        "the Cold War",
        "Colonial Africa",
        "the Ming Dynasty",
    ],
    [
        "the Victorian Novel",
        "Modernist Poetry",
        "Latin American Fiction",
        "Shakespeare",
        "the Short Story",
        "Russian Literature",
        "Literary Theory",
        "Drama",
    ],
    [
        "Contract Law",
        "Constitutional Law",
        "Criminal Justice",
        "Human Rights",
        "European Union Law",
        "Intellectual Property",
        "Data Protection",
        "International Law",
    ],
    [
        "Anatomy",
        "Epidemiology",
        "Pharmacology",
        "Public Health",
        "Neuroscience",
        "Immunology",
        "Paediatrics",
        "Clinical Reasoning",
    ],
    [
        "Macroeconomics",
        "Behavioural Economics",
        "Development Economics",
        "Econometrics",
        "Public Finance",
        "Labour Markets",
        "Economic History",
        "Game Theory",
    ],
    [
        "Linear Algebra",
        "Number Theory",
        "Topology",
        "Probability",
        "Real Analysis",
        "Combinatorics",
        "Statistics",
        "Differential Equations",
    ],
    [
        "Ethics",
        "Epistemology",
        "Logic",
        "the Philosophy of Mind",
        "Political Philosophy",
        "Aesthetics",
        "Phenomenology",
        "the Philosophy of Science",
    ],
    [
        "Cognitive Psychology",
        "Developmental Psychology",
        "Social Psychology",
        "Memory",
        "Attention",
        "Personality",
        "Learning",
        "Motivation",
    ],
    [
        "Curriculum Design",
        "Literacy",
        "Assessment",
        "Inclusive Education",
        "Higher Education",
        "Educational Technology",
        "Pedagogy",
        "Lifelong Learning",
    ],
    [
        "Structural Engineering",
        "Thermodynamics",
        "Control Systems",
        "Signal Processing",
        "Materials Science",
        "Fluid Mechanics",
        "Robotics",
        "Electrical Circuits",
    ],
    [
        "Renaissance Painting",
        "Modern Architecture",
        "Photography",
        "Sculpture",
        "Graphic Design",
        "Art Criticism",
        "Film",
        "Textile Arts",
    ],
];

const TEMPLATES: [&str; 12] = [
    "An Introduction to {}",
    "{} in Practice",
    "Foundations of {}",
    "{}: A Modern Approach",
    "Readings in {}",
    "A Short History of {}",
    "Advanced {}",
    "{} and Society",
    "Handbook of {}",
    "Essays on {}",
    "{}: Theory and Method",
    "Understanding {}",
];

/// One catalogue item and where it sits for recommending.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub dto: CatalogItemDto,
    pub subject: usize,
    pub topic: usize,
    /// Loans per year, skewed: a few items are very popular.
    pub popularity: f64,
}

/// The catalogue of `seed`, in id order.
pub fn catalogue(seed: u64) -> Vec<Item> {
    let mut rng = Stream::new(seed, Purpose::Catalogue, &[]);
    (0..ITEMS)
        .map(|i| {
            let subject = rng.below(SUBJECTS.len());
            let topic = rng.below(8);
            let template = TEMPLATES[rng.below(TEMPLATES.len())];
            let mut title = template.replacen("{}", TOPICS[subject][topic], 1);
            if let Some(first) = title.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            if rng.chance(0.15) {
                let edition = ["2nd", "3rd", "4th", "5th"][rng.below(4)];
                title.push_str(&format!(" ({edition} edition)"));
            }
            let age = rng.exp(12.0).min(75.0) as i32;
            Item {
                dto: CatalogItemDto {
                    id: format!("bib-{:05}", i + 1),
                    title,
                    subject: SUBJECTS[subject].to_owned(),
                    year: 2026 - age,
                },
                subject,
                topic,
                popularity: 200.0 / (1.0 + rng.exp(8.0)).powf(1.5),
            }
        })
        .collect()
}

/// A page of at most `limit` items after the cursor `since` (`i<N>`: items from index N). An
/// unknown cursor starts from the first item. Returns the items, the next cursor and whether
/// more follow.
pub fn page<'a>(
    items: &'a [Item],
    since: Option<&str>,
    limit: usize,
) -> (&'a [Item], String, bool) {
    let start = since
        .and_then(|c| c.strip_prefix('i'))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n <= items.len())
        .unwrap_or(0);
    let end = start.saturating_add(limit).min(items.len());
    (&items[start..end], format!("i{end}"), end < items.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_deterministic_and_pages_cover_it_once() {
        let items = catalogue(1);
        assert_eq!(items, catalogue(1));
        assert_eq!(items.len(), ITEMS);
        assert!(items.iter().all(|i| (1951..=2026).contains(&i.dto.year)));
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let (page, next, more) = page(&items, cursor.as_deref(), 500);
            seen.extend(page.iter().map(|i| i.dto.id.clone()));
            cursor = Some(next);
            if !more {
                break;
            }
        }
        assert_eq!(seen.len(), ITEMS);
        seen.dedup();
        assert_eq!(seen.len(), ITEMS);
        let (first, _, _) = page(&items, Some("nonsense"), 3);
        assert_eq!(first[0].dto.id, "bib-00001");
    }
}
