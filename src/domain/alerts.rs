//! Privacy-risk alerts: their lifecycle, and how a rule's finding folds into the alerts already
//! raised so that one problem is one alert however often the rules run.
//!
//! Lifecycle: open → acknowledged → resolved, or escalated to the governance committee from
//! open or acknowledged, and resolved from there by the committee. A resolved alert stays
//! resolved; what the rules find after it is a new alert.
//!
//! Pure. May use: rules (for `Rule`, `Severity`, `Finding`), chrono, serde.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Evidence entries kept per alert, as per finding: the first and last halves of this many.
pub use super::rules::MAX_EVIDENCE;
use super::rules::{Finding, Rule, Severity};

/// Where an alert is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Open,
    Acknowledged,
    Escalated,
    Resolved,
}

impl AlertState {
    pub const ALL: [AlertState; 4] =
        [AlertState::Open, AlertState::Acknowledged, AlertState::Escalated, AlertState::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Escalated => "escalated",
            AlertState::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<AlertState> {
        match s {
            "ack" => Some(AlertState::Acknowledged),
            _ => AlertState::ALL.into_iter().find(|a| a.as_str() == s),
        }
    }

    /// Still needs someone: anything but resolved.
    pub fn is_active(self) -> bool {
        self != AlertState::Resolved
    }
}

/// What a person does to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertAction {
    Acknowledge,
    Resolve,
    Escalate,
}

impl AlertAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertAction::Acknowledge => "acknowledge",
            AlertAction::Resolve => "resolve",
            AlertAction::Escalate => "escalate",
        }
    }

    /// The state the action leads to from `from`, or why it cannot be done.
    pub fn apply(self, from: AlertState) -> Result<AlertState, String> {
        use AlertState::*;
        match (self, from) {
            (AlertAction::Acknowledge, Open) => Ok(Acknowledged),
            (AlertAction::Escalate, Open | Acknowledged) => Ok(Escalated),
            (AlertAction::Resolve, Open | Acknowledged | Escalated) => Ok(Resolved),
            (_, Resolved) => Err("the alert is already resolved".into()),
            (AlertAction::Acknowledge, Acknowledged) => {
                Err("the alert is already acknowledged".into())
            }
            (AlertAction::Acknowledge, Escalated) => {
                Err("the alert is with the committee; it can only be resolved now".into())
            }
            (AlertAction::Escalate, Escalated) => Err("the alert is already escalated".into()),
        }
    }
}

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub id: u64,
    pub rule: Rule,
    /// What the alert is about within its rule ("actor:alice", "kind:loans:delete").
    pub key: String,
    pub severity: Severity,
    pub state: AlertState,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Occurrences folded into this alert.
    pub count: u64,
    /// Audit entry numbers, ascending; at most [`MAX_EVIDENCE`].
    pub evidence: Vec<u64>,
    pub summary: String,
    /// When carrel raised it, and when it last changed.
    pub raised: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// A new alert's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub rule: Rule,
    pub key: String,
    pub severity: Severity,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub count: u64,
    pub evidence: Vec<u64>,
    pub summary: String,
}

/// What to do with a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fold {
    /// Nothing new.
    Skip,
    Raise(NewAlert),
    /// The active alert `id` grows.
    Update {
        id: u64,
        last_seen: DateTime<Utc>,
        count: u64,
        evidence: Vec<u64>,
        summary: String,
    },
}

/// Whether a rule's findings count audit entries over the whole log (so a later run's count
/// includes what earlier alerts already reported) rather than describing a present condition.
pub fn counts_entries(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::AccessWithoutConsent
            | Rule::BulkAccess
            | Rule::OffHoursAccess
            | Rule::ExportWithoutRequest
            | Rule::RecsAfterWithdrawal
    )
}

/// Merges two ascending evidence lists and keeps the first and last halves of
/// [`MAX_EVIDENCE`].
pub fn merge_evidence(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut all: Vec<u64> = a.iter().chain(b).copied().collect();
    all.sort_unstable();
    all.dedup();
    if all.len() > MAX_EVIDENCE {
        let half = MAX_EVIDENCE / 2;
        let tail = all.split_off(all.len() - half);
        all.truncate(half);
        all.extend(tail);
    }
    all
}

/// How `finding` folds into the alerts of its rule and key: `earlier` are those alerts, oldest
/// first. An active alert grows; after a resolved one, only what happened since is new.
pub fn fold(earlier: &[Alert], finding: &Finding) -> Fold {
    let Some(latest) = earlier.last() else {
        return Fold::Raise(new_alert(finding, finding.count, finding.evidence.clone()));
    };
    // For rules counting log entries, the finding covers the whole log: what earlier alerts
    // reported is subtracted.
    let reported: u64 = if counts_entries(finding.rule) {
        earlier
            .iter()
            .filter(|a| a.id != latest.id || !latest.state.is_active())
            .map(|a| a.count)
            .sum()
    } else {
        0
    };
    let count = finding.count.saturating_sub(reported);
    if latest.state.is_active() {
        let evidence = merge_evidence(&latest.evidence, &finding.evidence);
        if finding.last_seen <= latest.last_seen
            && count == latest.count
            && evidence == latest.evidence
        {
            return Fold::Skip;
        }
        return Fold::Update {
            id: latest.id,
            last_seen: finding.last_seen.max(latest.last_seen),
            count,
            evidence,
            summary: finding.summary.clone(),
        };
    }
    if finding.last_seen <= latest.last_seen || count == 0 {
        return Fold::Skip;
    }
    let after = latest.evidence.last().copied().unwrap_or(0);
    let evidence: Vec<u64> = finding.evidence.iter().copied().filter(|&e| e > after).collect();
    let mut raised = new_alert(finding, count, evidence);
    if counts_entries(finding.rule) {
        // Only what happened after the resolved alert.
        raised.first_seen = latest.last_seen.max(finding.first_seen);
    }
    Fold::Raise(raised)
}

fn new_alert(f: &Finding, count: u64, evidence: Vec<u64>) -> NewAlert {
    NewAlert {
        rule: f.rule,
        key: f.key.clone(),
        severity: f.severity,
        first_seen: f.first_seen,
        last_seen: f.last_seen,
        count,
        evidence,
        summary: f.summary.clone(),
    }
}

/// What an alert is about, for people: its key (`zone:F0-Z1:co2:1763463600000`, which the
/// rules use to tell one alert from another and must not change) with its parts spaced and a
/// time in milliseconds shown as a local time: `zone F0-Z1 · co2 · 2026-11-18 11:00`.
pub fn subject(key: &str, tz: chrono_tz::Tz) -> String {
    let part = |p: &str| -> String {
        let time = (p.len() >= 12 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<i64>().ok().and_then(DateTime::from_timestamp_millis))
            .flatten();
        match time {
            Some(t) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            None => p.to_owned(),
        }
    };
    let mut parts = key.split(':').map(part);
    let head = parts.next().unwrap_or_default();
    let rest: Vec<String> = parts.collect();
    if rest.is_empty() { head } else { format!("{head} {}", rest.join(" · ")) }
}

/// Something that happened to an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertEvent {
    pub alert_id: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// raised, updated, acknowledge, resolve, escalate.
    pub action: String,
    pub note: String,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn subjects_show_times_not_milliseconds() {
        let tz: chrono_tz::Tz = "Europe/London".parse().unwrap();
        assert_eq!(
            subject("zone:F0-Z1:co2:1763463600000", tz),
            "zone F0-Z1 · co2 · 2025-11-18 11:00"
        );
        assert_eq!(subject("actor:sam", tz), "actor sam");
        assert_eq!(subject("audit", tz), "audit");
        assert_eq!(subject("kind:visits:anonymise", tz), "kind visits · anonymise");
    }

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap() + chrono::Duration::minutes(min)
    }

    fn finding(rule: Rule, count: u64, evidence: Vec<u64>, last: i64) -> Finding {
        Finding {
            rule,
            key: "actor:alice".into(),
            severity: rule.severity(),
            first_seen: t(0),
            last_seen: t(last),
            count,
            evidence,
            summary: format!("{count} times"),
        }
    }

    fn stored(id: u64, n: &NewAlert, state: AlertState) -> Alert {
        Alert {
            id,
            rule: n.rule,
            key: n.key.clone(),
            severity: n.severity,
            state,
            first_seen: n.first_seen,
            last_seen: n.last_seen,
            count: n.count,
            evidence: n.evidence.clone(),
            summary: n.summary.clone(),
            raised: n.last_seen,
            updated: n.last_seen,
        }
    }

    fn raised(f: Fold) -> NewAlert {
        match f {
            Fold::Raise(n) => n,
            other => panic!("expected a new alert, got {other:?}"),
        }
    }

    #[test]
    fn the_lifecycle_allows_only_its_steps() {
        use AlertAction::*;
        use AlertState::*;
        assert_eq!(Acknowledge.apply(Open), Ok(Acknowledged));
        assert_eq!(Escalate.apply(Acknowledged), Ok(Escalated));
        assert_eq!(Resolve.apply(Escalated), Ok(Resolved));
        assert_eq!(Resolve.apply(Open), Ok(Resolved));
        assert!(Acknowledge.apply(Resolved).unwrap_err().contains("already resolved"));
        assert!(Acknowledge.apply(Escalated).is_err());
        assert!(Escalate.apply(Escalated).is_err());
        assert!(Resolve.apply(Resolved).is_err());
        for s in AlertState::ALL {
            assert_eq!(AlertState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn the_same_finding_again_changes_nothing() {
        let f = finding(Rule::OffHoursAccess, 2, vec![3, 7], 10);
        let first = raised(fold(&[], &f));
        assert_eq!((first.count, first.evidence.clone()), (2, vec![3, 7]));
        let open = stored(1, &first, AlertState::Open);
        assert_eq!(fold(std::slice::from_ref(&open), &f), Fold::Skip);
    }

    #[test]
    fn more_of_the_same_grows_the_active_alert() {
        let open = stored(
            1,
            &raised(fold(&[], &finding(Rule::OffHoursAccess, 2, vec![3, 7], 10))),
            AlertState::Acknowledged,
        );
        match fold(&[open], &finding(Rule::OffHoursAccess, 3, vec![3, 7, 12], 20)) {
            Fold::Update { id, last_seen, count, evidence, .. } => {
                assert_eq!((id, last_seen, count, evidence), (1, t(20), 3, vec![3, 7, 12]));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn after_a_resolved_alert_only_what_is_new_is_raised() {
        let old = stored(
            1,
            &raised(fold(&[], &finding(Rule::OffHoursAccess, 2, vec![3, 7], 10))),
            AlertState::Resolved,
        );
        assert_eq!(
            fold(std::slice::from_ref(&old), &finding(Rule::OffHoursAccess, 2, vec![3, 7], 10)),
            Fold::Skip
        );
        let again = raised(fold(
            std::slice::from_ref(&old),
            &finding(Rule::OffHoursAccess, 5, vec![3, 7, 30, 31, 32], 40),
        ));
        assert_eq!((again.count, again.evidence, again.first_seen), (3, vec![30, 31, 32], t(10)));
    }

    #[test]
    fn present_conditions_raise_again_only_when_they_move_on() {
        let f = Finding {
            key: "kind:loans:delete".into(),
            ..finding(Rule::PastRetention, 40, vec![], 10)
        };
        let old = stored(1, &raised(fold(&[], &f)), AlertState::Resolved);
        assert_eq!(fold(std::slice::from_ref(&old), &f), Fold::Skip);
        let later = Finding { last_seen: t(60), count: 12, ..f };
        assert_eq!(raised(fold(&[old], &later)).count, 12);
    }

    #[test]
    fn evidence_keeps_its_ends() {
        let a: Vec<u64> = (1..=40).collect();
        let b: Vec<u64> = (30..=100).collect();
        let m = merge_evidence(&a, &b);
        assert_eq!(m.len(), MAX_EVIDENCE);
        assert_eq!(&m[..3], &[1, 2, 3]);
        assert_eq!(m.last(), Some(&100));
        assert!(m.windows(2).all(|w| w[0] < w[1]));
    }
}
