//! What the plain console says of the Governance tab: each view's rows (my queue, the data
//! requests, the review queue, the epsilon ledger), one request whole and one review item whole.
//!
//! May use: what `render` may; its shared lines.

use super::{Listing, clock, filtered};
use crate::domain::governance::{DataRequest, LedgerLine, ReviewSource, Scope};
use crate::domain::policy::Permission;
use crate::domain::quorum::RequestState;
use crate::domain::staff::Party;
use crate::domain::units::{ago_words, count, minutes_words};
use crate::services::review::ReviewCase;
use crate::tui::state::{GovRow, GovView, State};
use crate::tui::update::governance as gov;

/// A view's name, with the ledger's in words.
fn view_name(v: GovView) -> &'static str {
    match v {
        GovView::Ledger => "Epsilon ledger",
        v => v.title(),
    }
}

fn scope_word(r: &DataRequest) -> &'static str {
    match r.scope {
        Scope::RowLevel => "row-level",
        Scope::Aggregate => "aggregate",
    }
}

/// Whether request `r` waits for the viewer's own vote as party `p`.
fn waits_for_me(state: &State, r: &DataRequest, p: Party) -> bool {
    state.governance.snapshot.as_ref().is_some_and(|s| s.waiting.contains(&r.id))
        && state.viewer.party() == Some(p)
}

/// One request: `request 6, submitted, aggregate, by dana, filed 2 hours ago, votes: user
/// committee waiting for you, library approved, supplier not yet, Loan counts by subject`.
fn request_line(state: &State, r: &DataRequest) -> String {
    let votes: Vec<String> = Party::ALL
        .into_iter()
        .map(|p| {
            let word = match r.votes.iter().find(|v| v.party == Some(p)) {
                Some(v) if v.approve => "approved",
                Some(_) => "denied",
                None if r.state == RequestState::Submitted && waits_for_me(state, r, p) => {
                    "waiting for you"
                }
                None if r.state == RequestState::Submitted => "not yet",
                None => "did not vote",
            };
            format!("{} {word}", p.label())
        })
        .collect();
    format!(
        "request {}, {}, {}, by {}, filed {}, votes: {}, {}",
        r.id,
        r.state.as_str(),
        scope_word(r),
        r.requester,
        ago_words(state.wall - r.created),
        votes.join(", "),
        r.title
    )
}

/// One review item: `review item 12, open, sample, dana, patron.read, patron:..., for
/// circulation, 17 Nov 15:42`.
fn case_line(state: &State, c: &ReviewCase) -> String {
    let i = &c.item;
    let verdict = i.verdict.map_or("open", |v| v.as_str());
    let source = match (i.source, i.alert_id) {
        (ReviewSource::Alert, Some(a)) => format!("from alert {a}"),
        (s, _) => s.as_str().to_owned(),
    };
    let about = match &c.entry {
        Some(e) => {
            let n = &e.entry;
            let purpose =
                if n.purpose.is_empty() { String::new() } else { format!(", for {}", n.purpose) };
            format!("{}, {}, {}{purpose}, {}", n.actor, n.action, n.object, clock(n.at, state))
        }
        None => format!("audit entry {} is not in the log", i.seq),
    };
    format!("review item {}, {verdict}, {source}, {about}", i.id)
}

/// One line of the ledger: `loans 2026-10, epsilon 2 spent of 2, 100 percent, budget used up`.
fn ledger_line(l: &LedgerLine) -> String {
    let share = if l.budget.0 == 0 { 1.0 } else { l.spent.0 as f64 / l.budget.0 as f64 };
    let full = if l.spent.0 >= l.budget.0 { ", budget used up" } else { "" };
    format!(
        "{} {}, epsilon {} spent of {}, {:.0} percent{full}",
        l.dataset,
        l.month,
        l.spent,
        l.budget,
        share * 100.0
    )
}

/// The line of a Governance row.
pub(super) fn gov_row_line(state: &State, row: GovRow) -> Option<String> {
    match row {
        GovRow::Request(id) => gov::request(state, id).map(|r| request_line(state, r)),
        GovRow::Review(id) => gov::review_case(state, id).map(|c| case_line(state, c)),
        GovRow::Ledger(i) => state.governance.snapshot.as_ref()?.ledger.get(i).map(ledger_line),
    }
}

/// Governance tab, one view: my queue (requests waiting for my vote, review items assigned to
/// me), all requests, the review queue, or the epsilon ledger; the items are the view's rows
/// after the filter (the review queue's recent verdicts after them).
pub fn governance(state: &State, view: GovView) -> Listing {
    if !gov::sees(state) {
        return Listing::empty(
            "Governance: data requests are shown to desk staff, sysadmins, committee members \
             and auditors.",
        );
    }
    let Some(snap) = &state.governance.snapshot else {
        return Listing::empty("Governance: reading the data requests");
    };
    if !view.offered_to(&state.viewer) {
        let yours: Vec<&str> = gov::views(state).into_iter().map(view_name).collect();
        return Listing::empty(format!(
            "{} is not among your views, which are: {}",
            view_name(view),
            yours.join(", ")
        ));
    }
    let rows = gov::rows(state, view);
    let mut items: Vec<String> = rows.iter().filter_map(|r| gov_row_line(state, *r)).collect();
    let filtering = !state.filter.text.is_empty();
    let title = match view {
        GovView::Mine => {
            let requests = rows.iter().filter(|r| matches!(r, GovRow::Request(_))).count();
            let cases = rows.len() - requests;
            let mut facts = vec![];
            if state.viewer.may(Permission::VoteRequest) {
                let party =
                    state.viewer.party().map_or(String::new(), |p| format!(" as {}", p.label()));
                facts.push(match (requests, filtering) {
                    (0, true) => "no waiting request matches the filter".to_owned(),
                    (0, false) => "no request waits for your party's vote".to_owned(),
                    (n, _) => {
                        format!("{} waiting for your vote{party}", count(n, "request", "requests"))
                    }
                });
            }
            if snap.review.is_some() {
                facts.push(match (cases, filtering) {
                    (0, true) => "no review item matches the filter".to_owned(),
                    (0, false) => "no review item is assigned to you".to_owned(),
                    (n, _) => {
                        format!("{} assigned to you", count(n, "review item", "review items"))
                    }
                });
            }
            format!("My queue: {}", facts.join(", "))
        }
        GovView::Requests => match (rows.len(), filtering) {
            (0, true) => "No request matches the filter".to_owned(),
            (0, false) => "No data request has been filed yet".to_owned(),
            (n, _) => format!("{}, newest first", count(n, "data request", "data requests")),
        },
        GovView::Review => {
            let (mine, open) = snap.review.as_ref().map_or((0, 0), |q| (q.mine.len(), q.open));
            let mut title = format!("Review: {mine} assigned to you, {open} open in all");
            if rows.is_empty() {
                title.push_str(if filtering {
                    ", no review item matches the filter"
                } else {
                    ", nothing to review: no open item is assigned to you"
                });
            }
            if let Some(q) = &snap.review {
                items.extend(
                    q.recent.iter().map(|c| format!("recent verdict: {}", case_line(state, c))),
                );
            }
            title
        }
        GovView::Ledger => {
            let mut title = format!(
                "Epsilon ledger: epsilon spent per dataset and month of data, budget {} each",
                snap.budget
            );
            if snap.ledger.is_empty() {
                title.push_str(", no transparency report has spent epsilon yet");
            }
            title
        }
    };
    let title = if filtering && !rows.is_empty() { filtered(state, title) } else { title };
    Listing { title, items }
}

/// One request whole: its state and deadline, every party's vote with its reason, the scope,
/// the data and fields asked for, retention, legal basis and purpose. `None` for an unknown id.
pub fn request(state: &State, id: u64) -> Option<Vec<String>> {
    let r = gov::request(state, id)?;
    let when = match r.state {
        RequestState::Submitted => format!(
            "decide by {}, {} left",
            clock(r.expires, state),
            minutes_words((r.expires - state.wall).num_minutes())
        ),
        RequestState::Expired => format!("expired {} undecided", clock(r.expires, state)),
        RequestState::Draft => "a draft: not yet submitted for votes".to_owned(),
        RequestState::Approved | RequestState::Denied | RequestState::Withdrawn => {
            r.decided.map_or_else(
                || r.state.as_str().to_owned(),
                |d| format!("{} {}", r.state.as_str(), clock(d, state)),
            )
        }
    };
    let mut lines = vec![
        format!("request {}: {}", r.id, r.title),
        format!(
            "{}, filed by {} {}, {when}",
            r.state.as_str(),
            r.requester,
            ago_words(state.wall - r.created)
        ),
        "votes:".to_owned(),
    ];
    for p in Party::ALL {
        let text = match r.votes.iter().find(|v| v.party == Some(p)) {
            Some(v) if v.approve && v.reason.is_empty() => format!("approved by {}", v.voter),
            Some(v) if v.approve => format!("approved by {}: {}", v.voter, v.reason),
            Some(v) => format!("denied by {}: {}", v.voter, v.reason),
            None if r.state == RequestState::Submitted && waits_for_me(state, r, p) => {
                "waiting for you".to_owned()
            }
            None if r.state == RequestState::Submitted => "waiting".to_owned(),
            None => "did not vote".to_owned(),
        };
        lines.push(format!("{}: {text}", p.label()));
    }
    lines.push(match (r.scope, r.epsilon) {
        (Scope::Aggregate, Some(e)) => format!("scope: aggregate, epsilon {e} asked"),
        (Scope::Aggregate, None) => "scope: aggregate".to_owned(),
        (Scope::RowLevel, _) => "scope: row-level (each patron's rows)".to_owned(),
    });
    let kinds: Vec<&str> = r.kinds.iter().map(|k| k.as_str()).collect();
    lines.push(format!("data: {}", kinds.join(", ")));
    lines.push(format!("fields: {}", r.fields.join(", ")));
    lines.push(format!("retention: {}", count(r.retention_days, "day", "days")));
    lines.push(format!("legal basis: {}", r.legal_basis.as_str().replace('-', " ")));
    lines.push(format!("purpose: {}", r.purpose));
    Some(lines)
}

/// One review item whole: where it comes from, who it is assigned to, the audit entry it is
/// about, and its verdict. `None` for an unknown id.
pub fn review_item(state: &State, id: u64) -> Option<Vec<String>> {
    let c = gov::review_case(state, id)?;
    let i = &c.item;
    let from = match (i.source, &i.day) {
        (ReviewSource::Sample, Some(day)) => format!("sampled from {day}"),
        (ReviewSource::Sample, None) => "sampled".to_owned(),
        (ReviewSource::Alert, _) => i
            .alert_id
            .map_or("evidence of an alert".to_owned(), |a| format!("evidence of alert {a}")),
    };
    let mut lines = vec![
        format!("review item {}, {from}", i.id),
        format!(
            "assigned to {}, queued {}",
            i.assignee.as_deref().unwrap_or("nobody"),
            clock(i.added, state)
        ),
    ];
    match &c.entry {
        Some(e) => {
            let n = &e.entry;
            lines.push(format!("audit entry {}:", e.seq));
            lines.push(format!("when: {}", clock(n.at, state)));
            lines.push(format!("who: {} ({})", n.actor, n.role));
            lines.push(format!("did: {}, {}", n.action, n.outcome.as_str()));
            lines.push(format!("object: {}", n.object));
            let purpose = if n.purpose.is_empty() { "none stated" } else { n.purpose.as_str() };
            lines.push(format!("purpose: {purpose}"));
        }
        None => lines.push(format!("audit entry {} is not in the log", i.seq)),
    }
    lines.push(match i.verdict {
        Some(v) => {
            let at = i.reviewed.map_or(String::new(), |t| format!(" {}", clock(t, state)));
            let note = i
                .note
                .as_deref()
                .filter(|n| !n.is_empty())
                .map_or(String::new(), |n| format!(": {n}"));
            let raised = i.raised.map_or(String::new(), |a| format!(", raised alert {a}"));
            format!(
                "{} by {}{at}{note}{raised}",
                v.as_str(),
                i.reviewer.as_deref().unwrap_or("someone"),
            )
        }
        None => "no verdict yet: justified, or unjustified with a note (which raises an alert)"
            .to_owned(),
    });
    Some(lines)
}

#[cfg(test)]
mod tests {

    use super::*;

    use crate::plain::render::tests::{has, state};
    use crate::tui::fixtures::{committee, desk, stranger};

    #[test]
    fn governance_views_list_their_rows_in_words() {
        let s = state(committee());
        let mine = governance(&s, GovView::Mine);
        assert_eq!(
            mine.title,
            "My queue: 2 requests waiting for your vote as user committee, 2 review items \
             assigned to you"
        );
        assert_eq!(
            mine.items[0],
            "request 6, submitted, aggregate, by dana, filed 2 hours ago, votes: user committee \
             waiting for you, library approved, supplier not yet, Loan counts by subject for the \
             acquisitions plan"
        );
        assert!(mine.items[2].starts_with("review item 12, open, sample, dana, patron.read, "));
        let all = governance(&s, GovView::Requests);
        assert_eq!(all.title, "7 data requests, newest first");
        assert_eq!(
            all.items[4],
            "request 3, denied, row-level, by dana, filed 3 days ago, votes: user committee \
             approved, library did not vote, supplier denied, Search histories for \
             recommendation tuning"
        );
        let review = governance(&s, GovView::Review);
        assert_eq!(review.title, "Review: 2 assigned to you, 5 open in all");
        assert!(review.items[3].starts_with("recent verdict: review item 8, unjustified, "));
        let ledger = governance(&s, GovView::Ledger);
        assert_eq!(
            ledger.title,
            "Epsilon ledger: epsilon spent per dataset and month of data, budget 2 each"
        );
        assert_eq!(
            ledger.items[1],
            "loans 2026-10, epsilon 2 spent of 2, 100 percent, budget used up"
        );
    }

    #[test]
    fn governance_says_what_a_viewer_has_not_and_what_is_not_there() {
        let d = state(desk());
        assert_eq!(
            governance(&d, GovView::Review),
            Listing::empty("Review is not among your views, which are: Requests, Epsilon ledger")
        );
        assert!(
            governance(&state(stranger()), GovView::Requests)
                .title
                .starts_with("Governance: data requests are shown to desk staff")
        );
        let mut c = state(committee());
        c.filter.text = "zzz".into();
        assert_eq!(
            governance(&c, GovView::Mine),
            Listing::empty(
                "My queue: no waiting request matches the filter, no review item matches the filter"
            )
        );
        c.filter.text.clear();
        if let Some(snap) = c.governance.snapshot.as_mut() {
            snap.ledger.clear();
            snap.requests.clear();
        }
        assert_eq!(
            governance(&c, GovView::Requests),
            Listing::empty("No data request has been filed yet")
        );
        assert!(
            governance(&c, GovView::Ledger)
                .title
                .ends_with(", no transparency report has spent epsilon yet")
        );
    }

    #[test]
    fn a_request_and_a_review_item_are_said_whole() {
        let s = state(committee());
        let r = request(&s, 6).unwrap_or_default();
        assert_eq!(
            r[1..6],
            [
                "submitted, filed by dana 2 hours ago, decide by 02 Dec 09:00, 13 days left",
                "votes:",
                "user committee: waiting for you",
                "library: approved by leo: counts only: minimum necessary",
                "supplier: waiting",
            ]
        );
        assert!(has(&r, "scope: aggregate, epsilon 0.5 asked"));
        assert!(has(&r, "legal basis: public task"));
        let denied = request(&s, 3).unwrap_or_default();
        assert_eq!(denied[1], "denied, filed by dana 3 days ago, denied 16 Nov 23:00");
        assert!(has(
            &denied,
            "supplier: denied by sue: not minimum necessary: the federated model needs no raw \
             searches"
        ));
        assert_eq!(request(&s, 99), None);
        let item = review_item(&s, 8).unwrap_or_default();
        assert_eq!(item[0], "review item 8, sampled from 2026-11-17");
        assert_eq!(
            item[item.len() - 1],
            "unjustified by leo 09:30: no loan or hold that day, raised alert 9"
        );
        assert!(has(&review_item(&s, 13).unwrap_or_default(), "purpose: none stated"));
        assert_eq!(review_item(&s, 99), None);
    }
}
