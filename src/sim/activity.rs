//! What the simulated library's patrons did over the two years before a time: when they
//! joined and in which category, loans of catalogue items in their subjects (a few a month,
//! back after one to six weeks, a few still out), catalogue searches for their subjects' topics,
//! and visits every few days. Demo databases are seeded with it.
//!
//! Each patron draws from their own stream, so one patron's history does not depend on
//! another's. About fifty thousand rows for the 240 patrons.
//!
//! May use: catalogue, recs, building, random. Pure.

use std::collections::HashSet;

use chrono::{DateTime, Duration, DurationRound, Utc};

use super::building::Building;
use super::catalogue::{SUBJECTS, TOPICS, catalogue};
use super::random::{Purpose, Stream};
use super::recs::patrons;

/// How far back the activity goes, in days (about 24 months).
pub const DAYS: i64 = 730;

/// A patron's membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub card: String,
    pub category: &'static str,
    pub joined: DateTime<Utc>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimLoan {
    pub card: String,
    pub item_id: String,
    pub loaned: DateTime<Utc>,
    /// `None`: still out at the end.
    pub returned: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimSearch {
    pub card: String,
    pub at: DateTime<Utc>,
    pub query: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimVisit {
    pub card: String,
    pub at: DateTime<Utc>,
    pub zone_id: Option<String>,
}

/// Everything the patrons of one seed did, each list in patron order and time order within a
/// patron; `members` is in the order of [`super::patrons`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Activity {
    pub members: Vec<Membership>,
    pub loans: Vec<SimLoan>,
    pub searches: Vec<SimSearch>,
    pub visits: Vec<SimVisit>,
}

/// The activity of `seed`'s patrons over the [`DAYS`] before `until`.
pub fn activity(seed: u64, until: DateTime<Utc>) -> Activity {
    let until = until.duration_trunc(Duration::minutes(1)).unwrap_or(until);
    let start = until - Duration::days(DAYS);
    let items = catalogue(seed);
    let by_subject: Vec<Vec<usize>> = (0..SUBJECTS.len())
        .map(|s| (0..items.len()).filter(|&i| items[i].subject == s).collect())
        .collect();
    let zones: Vec<String> = Building::new(600).zones.iter().map(|z| z.id.clone()).collect();
    let mut out = Activity::default();
    for (i, p) in patrons(seed).into_iter().enumerate() {
        let mut rng = Stream::new(seed, Purpose::Activity, &[i as u64]);
        let category = match rng.unit() {
            u if u < 0.45 => "student",
            u if u < 0.85 => "adult",
            u if u < 0.93 => "staff",
            _ => "child",
        };
        // Most joined before the window; some during it, and their history starts then.
        let joined_days_ago =
            if rng.chance(0.2) { rng.between(30.0, 700.0) } else { rng.between(731.0, 3650.0) };
        let joined = (until - Duration::minutes((joined_days_ago * 1440.0) as i64))
            .duration_trunc(Duration::days(1))
            .unwrap_or(start);
        let from = joined.max(start);
        let email = rng.chance(0.7).then(|| email_of(&p.name, i));
        out.members.push(Membership { card: p.card.clone(), category, joined, email });
        let level = rng.between(0.3, 1.7);
        let interests: Vec<usize> =
            p.interests.iter().filter_map(|s| SUBJECTS.iter().position(|x| x == s)).collect();
        // A time in the library's day (09:00 to 19:59 UTC) on day `d` after `from`.
        let at_day = |rng: &mut Stream, d: f64| {
            let day = (from + Duration::minutes((d * 1440.0) as i64))
                .duration_trunc(Duration::days(1))
                .unwrap_or(from);
            day + Duration::minutes(540 + rng.below(660) as i64)
        };
        let span_days = (until - from).num_days().max(1) as f64;
        let months = (span_days / 30.0).ceil() as usize;
        let mut seen_loans = HashSet::new();
        let mut seen_searches = HashSet::new();
        for m in 0..months {
            for _ in 0..(level * 2.0 + rng.unit()) as usize {
                let d = m as f64 * 30.0 + rng.between(0.0, 30.0);
                let at = at_day(&mut rng, d);
                let Some(&s) = rng.pick(&interests) else { continue };
                let Some(&item) = rng.pick(&by_subject[s]) else { continue };
                if at <= from || at >= until {
                    continue;
                }
                let back = at + Duration::days(7 + rng.below(36) as i64);
                let loan = SimLoan {
                    card: p.card.clone(),
                    item_id: items[item].dto.id.clone(),
                    loaned: at,
                    returned: (back < until).then_some(back),
                };
                if seen_loans.insert((item, at)) {
                    out.loans.push(loan);
                }
            }
            for _ in 0..(level * 1.5 + rng.unit()) as usize {
                let d = m as f64 * 30.0 + rng.between(0.0, 30.0);
                let at = at_day(&mut rng, d);
                // Mostly their own subjects, now and then something new.
                let subject = match rng.pick(&interests) {
                    Some(&s) if rng.chance(0.85) => s,
                    _ => rng.below(SUBJECTS.len()),
                };
                let topic = TOPICS[subject][rng.below(8)];
                let query = topic.strip_prefix("the ").unwrap_or(topic).to_lowercase();
                if at <= from || at >= until || !seen_searches.insert((at, subject, query.clone()))
                {
                    continue;
                }
                out.searches.push(SimSearch { card: p.card.clone(), at, query });
            }
        }
        let mut d = rng.exp(7.0 / level);
        let mut last: Option<DateTime<Utc>> = None;
        while d < span_days {
            let at = at_day(&mut rng, d);
            if at > from && at < until && last.is_none_or(|l| at > l) {
                let zone_id = rng.pick(&zones).cloned();
                out.visits.push(SimVisit { card: p.card.clone(), at, zone_id });
                last = Some(at);
            }
            d += 1.0 + rng.exp(7.0 / level - 1.0);
        }
    }
    out.loans.sort_by(|a, b| (&a.card, a.loaned).cmp(&(&b.card, b.loaned)));
    out.searches.sort_by(|a, b| (&a.card, a.at).cmp(&(&b.card, b.at)));
    out
}

/// A plausible address from a name: ASCII letters of given and family name.
fn email_of(name: &str, i: usize) -> String {
    let ascii = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                'á' | 'à' | 'ä' | 'â' => 'a',
                'é' | 'è' | 'ë' | 'ê' => 'e',
                'í' | 'ı' | 'ï' => 'i',
                'ó' | 'ö' | 'ô' => 'o',
                'ú' | 'ü' => 'u',
                'ñ' => 'n',
                c => c,
            })
            .filter(char::is_ascii_alphabetic)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let mut parts = name.split_whitespace();
    let given = ascii(parts.next().unwrap_or("patron"));
    let family = ascii(parts.next().unwrap_or(""));
    format!("{given}.{family}{}@example.org", i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn until() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-18T11:00:00Z").unwrap().to_utc()
    }

    #[test]
    fn activity_is_deterministic_sized_and_within_the_window() {
        let a = activity(1, until());
        assert_eq!(a, activity(1, until()));
        assert_eq!(a.members.len(), super::super::recs::PATRONS);
        let start = until() - Duration::days(DAYS);
        let total = a.loans.len() + a.searches.len() + a.visits.len();
        assert!((20_000..80_000).contains(&total), "{total} rows");
        assert!(a.loans.iter().all(|l| l.loaned > start && l.loaned < until()));
        assert!(a.loans.iter().all(|l| l.returned.is_none_or(|r| r > l.loaned && r < until())));
        let out = a.loans.iter().filter(|l| l.returned.is_none()).count();
        assert!(out > 0 && out < a.loans.len() / 10, "{out} still out");
        assert!(a.visits.iter().all(|v| v.at > start && v.at < until()));
        assert!(a.searches.iter().all(|s| !s.query.is_empty()));
        for m in &a.members {
            let first = a.visits.iter().find(|v| v.card == m.card);
            assert!(first.is_none_or(|v| v.at > m.joined), "activity before joining");
        }
        assert!(a.members.iter().any(|m| m.joined > start), "some joined in the window");
    }

    #[test]
    fn loans_are_in_the_patrons_subjects() {
        let items = catalogue(1);
        let a = activity(1, until());
        let people = patrons(1);
        for l in a.loans.iter().take(500) {
            let p = people.iter().find(|p| p.card == l.card).unwrap();
            let item = items.iter().find(|i| i.dto.id == l.item_id).unwrap();
            assert!(
                p.interests.contains(&item.dto.subject),
                "{} not in {:?}",
                item.dto.subject,
                p.interests
            );
        }
        assert_eq!(email_of("Lucía Yılmaz", 0), "lucia.yilmaz1@example.org");
    }
}
