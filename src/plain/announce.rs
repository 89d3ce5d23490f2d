//! Changes the plain console says without being asked: each one line, grouped ("2 seats
//! became ghosts: 1N-014, 2S-003"), at most one group of lines every few seconds, and only
//! those the user wants (`announce all|important|off`).
//!
//! Pure: the session hands over the state as it was before a message and as it is after it,
//! and says what [`Announcer::due`] returns when it is time.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Duration, Utc};

use crate::domain::alerts::{Alert, AlertState};
use crate::domain::quorum::RequestState;
use crate::domain::rules::Severity;
use crate::tui::model::{ApiHealth, GovernanceSnapshot};
use crate::tui::state::{Health, State};

/// How much the plain console says unasked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Off,
    /// Ghost seats, high and critical alerts, votes and decisions on requests, what waits for
    /// the user, a database or API going away or coming back.
    Important,
    /// Also seats no longer ghosts, window changes, every new alert and alert change, new
    /// requests.
    All,
}

impl Level {
    pub const WORDS: [&'static str; 3] = ["all", "important", "off"];

    pub fn parse(s: &str) -> Result<Level, String> {
        match s {
            "all" => Ok(Level::All),
            "important" => Ok(Level::Important),
            "off" => Ok(Level::Off),
            other => Err(format!("'{other}' is not one of all, important, off")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Important => "important",
            Level::All => "all",
        }
    }
}

/// What kind of change, for grouping: changes of one kind said together are one line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Database,
    Api,
    NewGhost,
    GhostGone,
    Window,
    NewAlert(Severity),
    AlertChanged,
    Vote,
    Decided,
    Waiting,
    NewRequest,
    ReviewAssigned,
}

/// One change, said on its own or with others of its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: Kind,
    pub important: bool,
    /// The line said when it is alone; `item` when grouped.
    pub line: String,
    pub item: String,
}

impl Change {
    fn new(kind: Kind, important: bool, line: String, item: String) -> Change {
        Change { kind, important, line, item }
    }
}

/// Least time between two announcements.
pub const GAP: Duration = Duration::seconds(3);
/// Lines kept for `changes`.
const KEPT: usize = 50;
/// Items named in one grouped line; more are counted.
const NAMED: usize = 8;

pub struct Announcer {
    pub level: Level,
    queue: Vec<Change>,
    last: Option<DateTime<Utc>>,
    /// What was said, newest last, with when.
    said: VecDeque<(DateTime<Utc>, String)>,
}

impl Announcer {
    pub fn new(level: Level) -> Announcer {
        Announcer { level, queue: vec![], last: None, said: VecDeque::new() }
    }

    pub fn push(&mut self, changes: Vec<Change>) {
        let level = self.level;
        self.queue.extend(changes.into_iter().filter(|c| match level {
            Level::Off => false,
            Level::Important => c.important,
            Level::All => true,
        }));
    }

    /// The lines to say now, if any are waiting and the last were said long enough ago.
    pub fn due(&mut self, now: DateTime<Utc>) -> Vec<String> {
        if self.queue.is_empty() || self.last.is_some_and(|t| now - t < GAP) {
            return vec![];
        }
        self.last = Some(now);
        let lines = group(std::mem::take(&mut self.queue));
        for l in &lines {
            if self.said.len() == KEPT {
                self.said.pop_front();
            }
            self.said.push_back((now, l.clone()));
        }
        lines
    }

    /// Everything said lately, oldest first.
    pub fn said(&self) -> impl DoubleEndedIterator<Item = &(DateTime<Utc>, String)> {
        self.said.iter()
    }
}

/// Changes of a kind as one line each: a change alone as its own line, several as their
/// count and items. Kinds keep their order (the most pressing first).
pub fn group(changes: Vec<Change>) -> Vec<String> {
    let mut by_kind: BTreeMap<Kind, Vec<Change>> = BTreeMap::new();
    for c in changes {
        by_kind.entry(c.kind.clone()).or_default().push(c);
    }
    by_kind
        .into_iter()
        .map(|(kind, cs)| {
            if cs.len() == 1 {
                return cs[0].line.clone();
            }
            let n = cs.len();
            let mut items: Vec<String> = cs.iter().take(NAMED).map(|c| c.item.clone()).collect();
            if n > NAMED {
                items.push(format!("and {} more", n - NAMED));
            }
            format!("{}: {}", plural(&kind, n), items.join(", "))
        })
        .collect()
}

fn plural(kind: &Kind, n: usize) -> String {
    match kind {
        Kind::Database => format!("{n} database changes"),
        Kind::Api => format!("{n} API changes"),
        Kind::NewGhost => format!("{n} seats became ghosts"),
        Kind::GhostGone => format!("{n} seats are no longer ghosts"),
        Kind::Window => format!("{n} windows changed"),
        Kind::NewAlert(s) => format!("{n} new {} alerts", s.as_str()),
        Kind::AlertChanged => format!("{n} alerts changed"),
        Kind::Vote => format!("{n} votes"),
        Kind::Decided => format!("{n} requests decided"),
        Kind::Waiting => format!("{n} requests wait for your vote"),
        Kind::NewRequest => format!("{n} new requests"),
        Kind::ReviewAssigned => format!("{n} review items assigned to you"),
    }
}

/// What announcements compare, taken from the state before and after a message: the ghost
/// seats, the windows, the alerts shown, the governance snapshot, the APIs' health and whether
/// the database answers. Not the whole state: its seat map is large, and loads come every few
/// seconds.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    database_down: bool,
    health: Health,
    /// The ghost seats' labels, once some seat's state has been reported (the first states a
    /// fetch brings are not changes).
    ghosts: Option<Vec<String>>,
    windows: Option<Vec<crate::domain::service_point::ServicePoint>>,
    /// The alerts shown, with the states they were chosen by.
    alerts: Option<(Option<AlertState>, Vec<Alert>)>,
    governance: Option<GovernanceSnapshot>,
}

impl Seen {
    pub fn of(state: &State) -> Seen {
        let ghosts =
            state.seats.snapshot.as_ref().filter(|s| s.total.total > s.total.unknown).map(|s| {
                s.ghosts.iter().filter_map(|g| s.seat(*g)).map(|c| c.label.clone()).collect()
            });
        let windows = state.queues.overview.as_ref().map(|o| {
            o.services.iter().flat_map(|s| s.windows.iter()).map(|w| w.point.clone()).collect()
        });
        Seen {
            database_down: state.database_down.is_some(),
            health: state.health,
            ghosts,
            windows,
            alerts: state.alerts.list.clone().map(|l| (state.alerts.state_filter, l)),
            governance: state.governance.snapshot.clone(),
        }
    }
}

/// What changed between two states, as far as `me` should hear of it. The first data of a kind
/// is not a change: there was nothing to compare it with.
pub fn changes(before: &Seen, after: &Seen, me: &str) -> Vec<Change> {
    let mut out = vec![];
    database(before.database_down, after.database_down, &mut out);
    health(&before.health, &after.health, &mut out);
    if let (Some(b), Some(a)) = (&before.ghosts, &after.ghosts) {
        seats(b, a, &mut out);
    }
    if let (Some(b), Some(a)) = (&before.windows, &after.windows) {
        windows(b, a, &mut out);
    }
    // Only lists of the same states compare: a change of the shown states is not news.
    if let (Some((fb, b)), Some((fa, a))) = (&before.alerts, &after.alerts)
        && fb == fa
    {
        alerts(b, a, &mut out);
    }
    if let (Some(b), Some(a)) = (&before.governance, &after.governance) {
        governance(b, a, me, &mut out);
    }
    out
}

fn database(was_down: bool, is_down: bool, out: &mut Vec<Change>) {
    let line = match (was_down, is_down) {
        (false, true) => "the database is not answering; what is shown may be out of date",
        (true, false) => "the database answers again",
        _ => return,
    };
    out.push(Change::new(Kind::Database, true, line.to_owned(), line.to_owned()));
}

fn health(before: &Health, after: &Health, out: &mut Vec<Change>) {
    for (name, b, a) in [
        ("sensor API", before.sensor, after.sensor),
        ("recommendation API", before.recs, after.recs),
    ] {
        let bad = |h: ApiHealth| matches!(h, ApiHealth::Stale { .. } | ApiHealth::Down);
        let line = match (bad(b), bad(a), a) {
            (false, true, ApiHealth::Stale { minutes }) => format!(
                "{name}: no new data for {minutes} minute{}; showing what it last sent",
                if minutes == 1 { "" } else { "s" }
            ),
            (false, true, _) => format!("{name}: not answering"),
            (true, false, ApiHealth::Ok) => format!("{name}: answering again"),
            _ => continue,
        };
        out.push(Change::new(Kind::Api, true, line.clone(), line));
    }
}

fn seats(before: &[String], after: &[String], out: &mut Vec<Change>) {
    for label in after.iter().filter(|l| !before.contains(l)) {
        out.push(Change::new(
            Kind::NewGhost,
            true,
            format!("{label} became a ghost seat"),
            label.clone(),
        ));
    }
    for label in before.iter().filter(|l| !after.contains(l)) {
        out.push(Change::new(
            Kind::GhostGone,
            false,
            format!("{label} is no longer a ghost seat"),
            label.clone(),
        ));
    }
}

fn windows(
    b: &[crate::domain::service_point::ServicePoint],
    after: &[crate::domain::service_point::ServicePoint],
    out: &mut Vec<Change>,
) {
    for w in after {
        let Some(old) = b.iter().find(|o| o.id == w.id) else { continue };
        let staff = w.staff.as_deref().map(|s| format!(" with {s}")).unwrap_or_default();
        let line = if old.open != w.open {
            if w.open {
                format!("{} {} opened{staff}", w.id, w.name)
            } else {
                format!("{} {} closed", w.id, w.name)
            }
        } else if old.staff != w.staff {
            match &w.staff {
                Some(s) => format!("{} {}: {s} is at the window", w.id, w.name),
                None => format!("{} {}: nobody is at the window", w.id, w.name),
            }
        } else {
            continue;
        };
        out.push(Change::new(Kind::Window, false, line.clone(), line));
    }
}

fn alerts(before: &[Alert], after: &[Alert], out: &mut Vec<Change>) {
    for a in after {
        match before.iter().find(|b| b.id == a.id) {
            None if a.state == AlertState::Open || a.state == AlertState::Escalated => {
                let severity = a.severity.as_str();
                let line = format!("new {severity} alert {}: {}", a.id, a.summary);
                let important = a.severity >= Severity::High;
                out.push(Change::new(
                    Kind::NewAlert(a.severity),
                    important,
                    line,
                    format!("alert {}: {}", a.id, a.summary),
                ));
            }
            Some(b) if b.state != a.state => {
                let line = format!("alert {} is {} now", a.id, a.state.as_str());
                out.push(Change::new(Kind::AlertChanged, false, line.clone(), line));
            }
            _ => {}
        }
    }
}

fn governance(
    before: &GovernanceSnapshot,
    after: &GovernanceSnapshot,
    me: &str,
    out: &mut Vec<Change>,
) {
    for r in &after.requests {
        let Some(old) = before.requests.iter().find(|b| b.id == r.id) else {
            let line = format!("new request {} by {}: {}", r.id, r.requester, r.title);
            out.push(Change::new(Kind::NewRequest, false, line, format!("request {}", r.id)));
            continue;
        };
        for v in r.votes.iter().filter(|v| v.voter != me && !old.votes.contains(v)) {
            let party = v.party.map(|p| format!(" for the {}", p.label())).unwrap_or_default();
            let how = if v.approve { "approved" } else { "denied" };
            let line = format!("request {}: {}{party} {how} it", r.id, v.voter);
            out.push(Change::new(Kind::Vote, true, line.clone(), line));
        }
        if old.state != r.state && r.state != RequestState::Submitted {
            let line = format!("request {} {}", r.id, r.state.as_str());
            out.push(Change::new(Kind::Decided, true, line, format!("request {}", r.id)));
        }
    }
    for id in after.waiting.iter().filter(|id| !before.waiting.contains(id)) {
        let title = after.requests.iter().find(|r| r.id == *id).map_or("", |r| r.title.as_str());
        let line = format!("request {id} waits for your vote: {title}");
        out.push(Change::new(Kind::Waiting, true, line, format!("request {id}")));
    }
    let mine = |s: &GovernanceSnapshot| -> Vec<u64> {
        s.review.iter().flat_map(|q| q.mine.iter()).map(|c| c.item.id).collect()
    };
    let old = mine(before);
    for id in mine(after).into_iter().filter(|id| !old.contains(id)) {
        let line = format!("review item {id} is assigned to you");
        out.push(Change::new(Kind::ReviewAssigned, true, line, format!("item {id}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    fn t(s: i64) -> DateTime<Utc> {
        fixtures::now() + Duration::seconds(s)
    }

    /// What `after.viewer` hears of the change from `before` to `after`.
    fn said(before: &State, after: &State) -> Vec<Change> {
        changes(&Seen::of(before), &Seen::of(after), &after.viewer.login)
    }

    fn ghost(label: &str) -> Change {
        Change::new(Kind::NewGhost, true, format!("{label} became a ghost seat"), label.into())
    }

    #[test]
    fn changes_of_a_kind_are_one_line_and_kinds_keep_their_order() {
        let lines = group(vec![
            Change::new(Kind::Decided, true, "request 7 approved".into(), "request 7".into()),
            ghost("1N-014"),
            ghost("2S-003"),
        ]);
        assert_eq!(lines, ["2 seats became ghosts: 1N-014, 2S-003", "request 7 approved"]);
        let many: Vec<Change> = (0..11).map(|i| ghost(&format!("S{i}"))).collect();
        let line = &group(many)[0];
        assert!(line.starts_with("11 seats became ghosts: S0, S1"), "{line}");
        assert!(line.ends_with("S7, and 3 more"), "{line}");
    }

    #[test]
    fn announcements_wait_for_the_gap_and_follow_the_level() {
        let mut a = Announcer::new(Level::Important);
        a.push(vec![ghost("A")]);
        assert_eq!(a.due(t(0)), ["A became a ghost seat"]);
        a.push(vec![ghost("B")]);
        assert!(a.due(t(1)).is_empty(), "too soon after the last");
        a.push(vec![ghost("C")]);
        assert_eq!(a.due(t(3)), ["2 seats became ghosts: B, C"]);
        a.push(vec![Change::new(Kind::Window, false, "W3 closed".into(), "W3 closed".into())]);
        assert!(a.due(t(10)).is_empty(), "a window change is not important");
        a.level = Level::Off;
        a.push(vec![ghost("D")]);
        assert!(a.due(t(20)).is_empty());
        assert_eq!(a.said().count(), 2);
    }

    #[test]
    fn another_members_vote_and_the_decision_are_announced_not_ones_own() {
        let viewer = fixtures::committee();
        let mut before = fixtures::state((80, 24), viewer.clone());
        before.governance.snapshot = Some(fixtures::governance(&viewer));
        let mut after = before.clone();
        let snap = after.governance.snapshot.as_mut().unwrap();
        let r = snap.requests.iter_mut().find(|r| r.state == RequestState::Submitted).unwrap();
        let id = r.id;
        let vote = |voter: &str, approve| crate::domain::quorum::Vote {
            voter: voter.into(),
            party: Some(crate::domain::staff::Party::Supplier),
            approve,
            reason: String::new(),
            at: fixtures::now(),
        };
        r.votes.push(vote("sue", true));
        r.votes.push(vote(&viewer.login, true));
        r.state = RequestState::Approved;
        let lines = group(said(&before, &after));
        assert!(
            lines.contains(&format!("request {id}: sue for the supplier approved it")),
            "{lines:?}"
        );
        assert!(lines.contains(&format!("request {id} approved")), "{lines:?}");
        assert!(!lines.iter().any(|l| l.contains(&viewer.login)), "{lines:?}");
    }

    #[test]
    fn new_ghosts_and_a_missing_database_are_announced_the_first_data_is_not() {
        let mut before = fixtures::state((80, 24), fixtures::desk());
        before.seats.snapshot = None;
        let mut after = before.clone();
        after.seats.snapshot = Some(fixtures::seats_snapshot(1, 40, false));
        assert!(said(&before, &after).is_empty(), "nothing to compare the first data with");
        before.seats.snapshot = after.seats.snapshot.clone();
        let snap = before.seats.snapshot.as_mut().unwrap();
        let gone = snap.ghosts.remove(0);
        let label = snap.seat(gone).unwrap().label.clone();
        after.database_down = Some(fixtures::now());
        let lines = group(said(&before, &after));
        assert_eq!(
            lines,
            [
                "the database is not answering; what is shown may be out of date".to_owned(),
                format!("{label} became a ghost seat")
            ]
        );
    }
}
