//! What the plain console says of the Alerts tab: the list of alerts, most severe first, and the
//! selected alert whole with its history and evidence; neither to a viewer who may not see them.
//!
//! May use: what `render` may; its shared lines.

use super::{Listing, clock, filtered};
use crate::domain::units::count;
use crate::tui::state::State;
use crate::tui::update;

/// A rule's name in words: `bulk access`.
fn rule_words(r: crate::domain::rules::Rule) -> String {
    r.as_str().replace('-', " ")
}

/// What an alert is about, as `alerts::subject` says it, with commas between the parts.
fn subject(key: &str, state: &State) -> String {
    let mut parts = key.split(':').map(|p| crate::domain::alerts::subject(p, state.tz));
    let head = parts.next().unwrap_or_default();
    let rest: Vec<String> = parts.collect();
    if rest.is_empty() { head } else { format!("{head} {}", rest.join(", ")) }
}

/// One alert: `alert 6, high, bulk access, acknowledged, 10:48, sam read 412 patron records`.
pub(super) fn alert_line(a: &crate::domain::alerts::Alert, state: &State) -> String {
    format!(
        "alert {}, {}, {}, {}, {}, {}",
        a.id,
        a.severity,
        rule_words(a.rule),
        a.state.as_str(),
        clock(a.last_seen, state),
        a.summary
    )
}

const ALERTS_HIDDEN: &str =
    "Alerts: privacy-risk alerts are shown to sysadmins, committee members and auditors.";

/// Alerts tab: the title counts the alerts listed and the most severe; the items are the list's
/// alerts, most severe and most recent first, after the filter.
pub fn alerts(state: &State) -> Listing {
    use crate::domain::rules::Severity;
    if !state.viewer.sees_alerts() {
        return Listing::empty(ALERTS_HIDDEN);
    }
    if state.alerts.list.is_none() {
        return Listing::empty("Alerts: reading the alerts");
    }
    let shown = update::alerts::visible(state);
    let which = state.alerts.state_filter.map_or("active", |s| s.as_str());
    let title = if shown.is_empty() {
        if state.filter.text.is_empty() {
            format!("No {which} alerts: the privacy rules found nothing")
        } else {
            format!("No alert matches the filter {}", state.filter.text)
        }
    } else {
        let mut facts =
            vec![count(shown.len(), &format!("{which} alert"), &format!("{which} alerts"))];
        for severity in [Severity::Critical, Severity::High] {
            let n = shown.iter().filter(|a| a.severity == severity).count();
            if n > 0 {
                facts.push(format!("{n} {severity}"));
            }
        }
        filtered(state, facts.join(", "))
    };
    Listing { title, items: shown.into_iter().map(|a| alert_line(a, state)).collect() }
}

/// The selected alert's detail, whole: what and how severe, its history and its evidence.
pub fn alert(state: &State) -> Option<Vec<String>> {
    if !state.viewer.sees_alerts() {
        return None;
    }
    let d = state.alerts.detail.as_ref()?;
    let a = &d.alert;
    let mut lines = vec![
        format!("alert {}: {}", a.id, a.rule.title()),
        format!(
            "{}, {}, rule {}, {}",
            a.severity,
            a.state.as_str(),
            rule_words(a.rule),
            count(a.count, "occurrence", "occurrences")
        ),
        a.summary.clone(),
        format!(
            "about {}, seen from {} to {}",
            subject(&a.key, state),
            clock(a.first_seen, state),
            clock(a.last_seen, state)
        ),
    ];
    if !d.events.is_empty() {
        lines.push(format!("history, {}:", count(d.events.len(), "event", "events")));
        for e in &d.events {
            let note = if e.note.is_empty() { String::new() } else { format!(": {}", e.note) };
            lines.push(format!("{}, {} {}{note}", clock(e.at, state), e.actor, e.action));
        }
    }
    let mut evidence =
        format!("evidence: {}", count(d.evidence.len(), "audit entry", "audit entries"));
    if a.evidence.is_empty() {
        evidence.push_str(", a condition of the store, not of the log");
    }
    lines.push(evidence);
    for e in &d.evidence {
        let n = &e.entry;
        let purpose =
            if n.purpose.is_empty() { String::new() } else { format!(", for {}", n.purpose) };
        lines.push(format!(
            "entry {}, {}, {}, {}, {}{purpose}",
            e.seq,
            clock(n.at, state),
            n.actor,
            n.action,
            n.object
        ));
    }
    Some(lines)
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::domain::alerts::AlertState;

    use crate::plain::render::tests::{has, state};
    use crate::tui::fixtures::{auditor, desk};

    #[test]
    fn alerts_list_the_most_severe_first_and_only_for_those_who_may_see_them() {
        let mut s = state(auditor());
        let l = alerts(&s);
        assert_eq!(l.title, "5 active alerts, 1 critical, 1 high");
        assert_eq!(
            l.items[0],
            "alert 7, critical, audit verify failed, open, 10:57, the audit log does not \
             verify: entry 1204 differs from its leaf"
        );
        s.filter.text = "kai".into();
        let l = alerts(&s);
        assert_eq!(l.title, "1 active alert, filter: kai");
        assert!(l.items[0].starts_with("alert 5, medium, off hours access, open, 01:00, kai"));
        s.filter.text = "nobody".into();
        assert_eq!(alerts(&s), Listing::empty("No alert matches the filter nobody"));
        s.filter.text.clear();
        s.alerts.list = Some(vec![]);
        s.alerts.state_filter = Some(AlertState::Resolved);
        assert_eq!(
            alerts(&s),
            Listing::empty("No resolved alerts: the privacy rules found nothing")
        );
        let d = state(desk());
        assert_eq!(alerts(&d), Listing::empty(ALERTS_HIDDEN));
        assert_eq!(alert(&d), None);
    }

    #[test]
    fn an_alert_is_said_whole() {
        let s = state(auditor());
        let lines = alert(&s).unwrap_or_default();
        assert_eq!(
            lines[..4],
            [
                "alert 6: Patron records accessed far above the staff member's own baseline",
                "high, acknowledged, rule bulk access, 412 occurrences",
                "sam read 412 patron records on 2026-11-18 (baseline 9.5/day)",
                "about actor sam, seen from 10:18 to 10:48",
            ]
        );
        assert!(has(&lines, "10:40, ines acknowledge: asked sam's team lead"));
        assert!(has(&lines, "evidence: 3 audit entries"));
        assert!(lines[lines.len() - 1].starts_with("entry 1102, 10:12, sam, patron.read, patron:"));
        let about = subject("zone:F1-quiet:co2:1795000000000", &s);
        assert!(about.starts_with("zone F1-quiet, co2, 2026-"), "{about}");
    }
}
