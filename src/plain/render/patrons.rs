//! What the plain console says of the Patrons tab: the patron shown, with consent, interest
//! profile and the reasons of each recommendation, or how to look one up and why it cannot be.
//!
//! May use: what `render` may; its shared lines.

use chrono::{DateTime, Utc};

use super::clock;
use crate::domain::policy::{POLICY, Permission};
use crate::domain::units::count;
use crate::services::desk::Gate;
use crate::tui::keymap::Action;
use crate::tui::state::{PatronRecs, State};
use crate::tui::update;

/// A date in the library's zone, `2026-11-17`, as the Patrons tab writes it.
fn day(t: DateTime<Utc>, state: &State) -> String {
    t.with_timezone(&state.tz).format("%Y-%m-%d").to_string()
}

/// What the Patrons tab says with nobody on screen: how to look one up, and the demo's card.
fn no_patron(state: &State) -> Vec<String> {
    let look_up = Action::LookUp.entry();
    let mut lines = vec![
        format!(
            "No patron on screen. {} {} looks one up by card number, saying why: circulation, \
             account, or a data request by its number.",
            look_up.name, look_up.args
        ),
        "Every lookup is logged with its purpose; the profile and the recommendations need \
         the patron's consent to each."
            .to_owned(),
        format!(
            "A patron is cleared after {} minutes without a key or a command, or at once with {}.",
            update::patrons::IDLE_CLEAR.num_minutes(),
            Action::ClearPatron.name()
        ),
    ];
    if let Some(card) = &state.patrons.demo_card {
        lines.push(format!(
            "This is a demo database: try card {card}, a made-up patron who consents to \
             profiling and recommendations."
        ));
    }
    lines
}

/// The interest profile: the consent gate, the basis it is computed on, each subject with its
/// score and each source's share.
fn profile(state: &State, l: &crate::services::desk::Lookup) -> Vec<String> {
    use crate::domain::interest::Source;
    let names =
        [(Source::Loans, "loans"), (Source::Searches, "searches"), (Source::Visits, "visits")];
    let mut lines = vec![];
    match &l.profile_gate {
        Gate::Refused { reason } => return vec![format!("interest profile withheld: {reason}")],
        Gate::Flagged => lines.push(
            "interest profile FLAGGED: no consent to profiling; shown under the permissive \
             mode, for review"
                .to_owned(),
        ),
        Gate::Allowed => {}
    }
    let b = state.patrons.basis;
    lines.push(format!(
        "interest profile, half-life {}, weights: loans {:.2}, searches {:.2}, visits {:.2}",
        count(b.half_life_days, "day", "days"),
        b.weights.loans,
        b.weights.searches,
        b.weights.visits
    ));
    let unmapped: Vec<String> = Source::ALL
        .iter()
        .zip(l.unmapped)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| match s {
            Source::Loans => count(n, "loan", "loans"),
            Source::Searches => count(n, "search", "searches"),
            Source::Visits => count(n, "visit", "visits"),
        })
        .collect();
    if l.profile.is_empty() {
        lines.push(if unmapped.is_empty() {
            "nothing to go on yet: no loans, searches or visits".to_owned()
        } else {
            format!("nothing to go on yet: {} in no known subject", unmapped.join(", "))
        });
        return lines;
    }
    for s in &l.profile {
        let shares: Vec<String> = names
            .iter()
            .filter(|(src, _)| s.share(*src) > 0.0)
            .map(|(src, name)| format!("{name} {:.0} percent", s.share(*src) * 100.0))
            .collect();
        lines.push(format!("subject {}, score {:.2}, {}", s.subject, s.score, shares.join(", ")));
    }
    if !unmapped.is_empty() {
        lines.push(format!("in no subject: {}", unmapped.join(", ")));
    }
    lines
}

/// The recommendations: where they came from (the API or the local fallback, and why), the
/// consent flag, and each with its reasons.
fn recommendations(shown: &crate::tui::state::PatronShown) -> Vec<String> {
    let (served, flagged) = match &shown.recs {
        PatronRecs::Asking => {
            return vec![format!(
                "recommendations: asking the recommendation API (up to {} seconds, then \
                 carrel's own model)",
                crate::engine::desk::RECS_WAIT.as_secs()
            )];
        }
        PatronRecs::Withheld(reason) => return vec![format!("recommendations withheld: {reason}")],
        PatronRecs::Failed(e) => return vec![format!("recommendations not served: {e}")],
        PatronRecs::Shown { served, flagged } => (served, *flagged),
    };
    let p = &served.provenance;
    let mut lines = vec![match &served.fallback_reason {
        Some(why) => format!(
            "recommendations from the LOCAL FALLBACK, {why}; from {} over {}",
            p.model_version, p.training_mode
        ),
        None => format!(
            "recommendations from the recommendation API, model {} ({})",
            p.model_version, p.training_mode
        ),
    }];
    if flagged {
        lines.push(
            "recommendations FLAGGED: no consent to recommendations; shown under the permissive \
             mode"
                .to_owned(),
        );
    }
    if served.items.is_empty() {
        lines.push("nothing to recommend yet".to_owned());
    }
    for (i, r) in served.items.iter().enumerate() {
        let reasons: Vec<String> = r.reasons.iter().map(|x| x.replace('_', " ")).collect();
        let why =
            if reasons.is_empty() { String::new() } else { format!(", {}", reasons.join(", ")) };
        lines.push(format!("recommendation {}: {}{why}", i + 1, r.title));
    }
    lines
}

/// Patrons tab: the patron shown — card, state, consent, profile and recommendations with their
/// reasons — or what the tab says when nobody is (why lookup is unavailable, how to look one
/// up, the demo's card).
pub fn patron(state: &State) -> Vec<String> {
    use crate::domain::patron::PatronState;
    if !update::patrons::may(state) {
        let roles: Vec<&str> = POLICY
            .iter()
            .find(|(p, _, _)| *p == Permission::LookupPatron)
            .map(|(_, _, r)| r.iter().map(|r| r.as_str()).collect())
            .unwrap_or_default();
        return vec![format!(
            "Patrons are looked up by staff with the {} role.",
            roles.join(" or ")
        )];
    }
    if let Some(why) = &state.patrons.unavailable {
        return vec![
            format!("Patron lookup is unavailable: {why}"),
            "The other tabs work as ever.".to_owned(),
        ];
    }
    let Some(shown) = &state.patrons.shown else { return no_patron(state) };
    let p = &shown.lookup.patron;
    let name = if p.name.is_empty() { "name removed" } else { p.name.as_str() };
    let card = if p.card.is_empty() { "none" } else { p.card.as_str() };
    let mut facts = vec![];
    if p.state != PatronState::Active {
        facts.push(format!("warning: {}", p.state.as_str()));
    }
    facts.push(p.category.clone());
    if p.state == PatronState::Active {
        facts.push("active".to_owned());
    }
    facts.push(format!("joined {}", day(p.joined, state)));
    facts.push(format!("last active {}", day(p.last_active, state)));
    facts.push(format!("{} out", count(p.loans_out, "loan", "loans")));
    if let Some(e) = &p.email {
        facts.push(e.clone());
    }
    let consent: Vec<String> = p
        .consent
        .iter()
        .map(|c| {
            let word = match c.granted {
                Some(true) => "granted",
                Some(false) => "withdrawn",
                None => "never given",
            };
            let since = c.since.map_or(String::new(), |at| format!(" since {}", day(at, state)));
            format!("{} {word}{since}", c.purpose.as_str())
        })
        .collect();
    let mut lines = vec![
        format!(
            "{name}, card {card}, looked up for {} at {}",
            shown.purpose,
            clock(shown.at, state)
        ),
        facts.join(", "),
        if consent.is_empty() {
            "consent: none recorded".to_owned()
        } else {
            format!("consent: {}", consent.join(", "))
        },
    ];
    lines.extend(profile(state, &shown.lookup));
    lines.extend(recommendations(shown));
    lines
}

#[cfg(test)]
mod tests {

    use super::*;

    use crate::plain::render::tests::{api_recs, has, shown, state};
    use crate::tui::fixtures::{self, PATRON_CARD, auditor, desk};

    #[test]
    fn the_patron_is_said_with_consent_profile_and_the_reasons_of_each_recommendation() {
        let mut s = state(desk());
        s.patrons.shown = shown(true, api_recs());
        let lines = patron(&s);
        assert_eq!(lines[0], "Chiara Wang, card 290000015341, looked up for circulation at 10:59");
        assert!(lines[2].starts_with("consent: profiling granted since "));
        assert!(has(
            &lines,
            "subject Law, score 2.25, loans 50 percent, searches 36 percent, visits 14 percent"
        ));
        assert!(has(&lines, "in no subject: 2 searches, 1 visit"));
        assert!(has(
            &lines,
            "recommendation 1: The Concept of Law, similar to loans, subject interest"
        ));
        let served = Box::new(fixtures::fallback_recommendations());
        s.patrons.shown = shown(true, PatronRecs::Shown { served, flagged: true });
        let lines = patron(&s);
        assert!(has(
            &lines,
            "recommendations from the LOCAL FALLBACK, the recommendation API: the server \
             answered 503 Service Unavailable; from carrel EASE over local loans, chosen by backtest"
        ));
        assert!(lines.iter().any(|l| l.starts_with("recommendations FLAGGED: no consent")));
        let why = "the patron withdrew consent to recommendations";
        s.patrons.shown = shown(false, PatronRecs::Withheld(why.into()));
        let lines = patron(&s);
        assert!(lines[2].starts_with("consent: profiling withdrawn since "));
        assert!(has(&lines, "interest profile withheld: the patron withdrew consent to profiling"));
        assert_eq!(lines[lines.len() - 1], format!("recommendations withheld: {why}"));
    }

    #[test]
    fn the_patrons_tab_says_how_to_look_up_or_why_it_cannot() {
        let mut s = state(desk());
        let lines = patron(&s);
        assert!(
            lines[0].starts_with("No patron on screen. look_up [CARD] [for PURPOSE] looks one up")
        );
        assert!(lines.iter().all(|l| !l.contains("try card")));
        s.patrons.demo_card = Some(PATRON_CARD.into());
        assert!(patron(&s)[3].contains("try card 290000015341"));
        s.patrons.unavailable = Some("no key file at /etc/carrel/keys".into());
        assert_eq!(
            patron(&s),
            [
                "Patron lookup is unavailable: no key file at /etc/carrel/keys",
                "The other tabs work as ever."
            ]
        );
        assert_eq!(
            patron(&state(auditor())),
            ["Patrons are looked up by staff with the desk role."]
        );
    }
}
