//! The Governance tab's behaviour: switching between my queue, all requests, the review queue
//! and the ε ledger; moving through each; voting on a request with a reason; filing and
//! withdrawing requests; giving verdicts on review items.
//!
//! The console offers only what the policy lets the viewer do, and an attempt it refuses still
//! goes to the audit log. Everything else is decided by the services, which check the roles
//! and the quorum rules again; their refusals (own request, already voted, decided, expired,
//! wrong party) are shown as they word them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Effect, toast};
use crate::domain::governance::{DataRequest, Verdict};
use crate::domain::policy::{POLICY, Permission};
use crate::domain::quorum::RequestState;
use crate::services::review::ReviewCase;
use crate::tui::form::RequestForm;
use crate::tui::keymap::Action;
use crate::tui::state::{GovRow, GovView, Overlay, Pending, State, ToastKind, VerdictBox, VoteBox};

/// The longest reason or note typed; the services keep 500 characters.
const MAX_NOTE: usize = 500;

/// Whether the viewer may see the tab at all.
pub fn sees(state: &State) -> bool {
    state.viewer.may(Permission::ViewRequests)
}

/// The views this viewer has, in order.
pub fn views(state: &State) -> Vec<GovView> {
    GovView::ALL.into_iter().filter(|v| v.offered_to(&state.viewer)).collect()
}

pub fn request(state: &State, id: u64) -> Option<&DataRequest> {
    state.governance.snapshot.as_ref()?.requests.iter().find(|r| r.id == id)
}

/// A review item, from the viewer's open items or the recent verdicts.
pub fn review_case(state: &State, id: u64) -> Option<&ReviewCase> {
    let q = state.governance.snapshot.as_ref()?.review.as_ref()?;
    q.mine.iter().chain(q.recent.iter()).find(|c| c.item.id == id)
}

fn request_matches(state: &State, r: &DataRequest) -> bool {
    let kinds: Vec<&str> = r.kinds.iter().map(|k| k.as_str()).collect();
    state.filter.matches(&format!(
        "#{} {} {} {} {} {}",
        r.id,
        r.title,
        r.requester,
        r.state.as_str(),
        r.scope.as_str(),
        kinds.join(" ")
    ))
}

fn case_matches(state: &State, c: &ReviewCase) -> bool {
    let about = c.entry.as_ref().map_or(String::new(), |e| {
        format!("{} {} {} {}", e.entry.actor, e.entry.action, e.entry.object, e.entry.purpose)
    });
    state.filter.matches(&format!("r{} {} {about}", c.item.id, c.item.source.as_str()))
}

/// The rows `view` lists, after the `/` filter.
pub fn rows(state: &State, view: GovView) -> Vec<GovRow> {
    let Some(s) = &state.governance.snapshot else { return vec![] };
    let mine = || s.review.iter().flat_map(|q| q.mine.iter());
    match view {
        GovView::Mine => s
            .requests
            .iter()
            .filter(|r| s.waiting.contains(&r.id) && request_matches(state, r))
            .map(|r| GovRow::Request(r.id))
            .chain(mine().filter(|c| case_matches(state, c)).map(|c| GovRow::Review(c.item.id)))
            .collect(),
        GovView::Requests => s
            .requests
            .iter()
            .filter(|r| request_matches(state, r))
            .map(|r| GovRow::Request(r.id))
            .collect(),
        GovView::Review => {
            mine().filter(|c| case_matches(state, c)).map(|c| GovRow::Review(c.item.id)).collect()
        }
        GovView::Ledger => s
            .ledger
            .iter()
            .enumerate()
            .filter(|(_, l)| state.filter.matches(&format!("{} {}", l.dataset, l.month)))
            .map(|(i, _)| GovRow::Ledger(i))
            .collect(),
    }
}

/// The selected row of the current view.
pub fn selected(state: &State) -> Option<GovRow> {
    let sel = state.governance.sel[state.governance.view.index()];
    let rows = rows(state, state.governance.view);
    sel.row.filter(|r| rows.contains(r)).or_else(|| rows.get(sel.pos).copied())
}

/// Keeps each view's selection on the same request or item across reloads and filtering;
/// when it has gone, the row that took its place is selected.
pub fn clamp(state: &mut State) {
    for view in GovView::ALL {
        let rows = rows(state, view);
        let sel = &mut state.governance.sel[view.index()];
        match sel.row.and_then(|r| rows.iter().position(|x| *x == r)) {
            Some(pos) => sel.pos = pos,
            None => {
                sel.pos = sel.pos.min(rows.len().saturating_sub(1));
                sel.row = rows.get(sel.pos).copied();
            }
        }
    }
}

fn move_to(state: &mut State, pos: usize) {
    let rows = rows(state, state.governance.view);
    let sel = &mut state.governance.sel[state.governance.view.index()];
    sel.pos = pos.min(rows.len().saturating_sub(1));
    sel.row = rows.get(sel.pos).copied();
}

/// The snapshot came back.
pub fn loaded(
    state: &mut State,
    result: Result<Box<crate::tui::model::GovernanceSnapshot>, String>,
) -> Vec<Effect> {
    match result {
        Ok(s) => {
            if state.governance.snapshot.as_ref() != Some(&*s) {
                state.governance.snapshot = Some(*s);
                clamp(state);
                state.redraw = true;
            }
        }
        Err(e) => toast(state, format!("cannot read the data requests: {e}"), ToastKind::Error),
    }
    vec![]
}

pub fn run(state: &mut State, action: Action) -> Vec<Effect> {
    let pos = state.governance.sel[state.governance.view.index()].pos;
    match action {
        Action::Approve => return ask_vote(state, true),
        Action::Deny => return ask_vote(state, false),
        Action::NewRequest => return new_request(state),
        Action::Withdraw => return ask_withdraw(state),
        Action::Justified => return ask_verdict(state, Verdict::Justified),
        Action::Unjustified => return ask_verdict(state, Verdict::Unjustified),
        _ if !sees(state) => {}
        Action::Up | Action::Left => move_to(state, pos.saturating_sub(1)),
        Action::Down | Action::Right => move_to(state, pos + 1),
        Action::PageUp => move_to(state, pos.saturating_sub(10)),
        Action::PageDown => move_to(state, pos + 10),
        Action::Top => move_to(state, 0),
        Action::Bottom => move_to(state, usize::MAX),
        // A request or a review item has a detail to fill the tab with; a line of the ε
        // ledger is all there is to it, so enter does nothing there.
        Action::Select => {
            state.governance.zoom =
                matches!(selected(state), Some(GovRow::Request(_) | GovRow::Review(_)))
        }
        Action::Back => state.governance.zoom = false,
        Action::GovernanceView => {
            let views = views(state);
            let at = views.iter().position(|v| *v == state.governance.view);
            let next = at.map_or(0, |i| (i + 1) % views.len().max(1));
            if let Some(v) = views.get(next) {
                state.governance.view = *v;
            }
            state.governance.zoom = false;
        }
        _ => {}
    }
    vec![]
}

/// Who the policy lets do `p`, for a refusal.
pub(crate) fn who_may(state: &State, p: Permission) -> String {
    if state.viewer.read_only() {
        return "read-only view".into();
    }
    let roles: Vec<&str> = POLICY
        .iter()
        .find(|(q, _, _)| *q == p)
        .map(|(_, _, r)| r.iter().map(|r| r.as_str()).collect())
        .unwrap_or_default();
    format!("needs the {} role", roles.join(" or "))
}

/// Says no, and sends the attempt to the audit log.
pub(super) fn refuse(state: &mut State, p: Permission, object: String) -> Vec<Effect> {
    let why = who_may(state, p);
    toast(state, format!("cannot {}: {why}", p.description()), ToastKind::Error);
    vec![Effect::Refused { permission: p, object }]
}

fn selected_request(state: &State) -> Option<(u64, String)> {
    match selected(state) {
        Some(GovRow::Request(id)) => request(state, id).map(|r| (r.id, r.title.clone())),
        _ => None,
    }
}

fn busy(state: &mut State) -> bool {
    if state.busy.is_some() {
        toast(state, "wait: the last action is still under way".into(), ToastKind::Info);
        return true;
    }
    false
}

fn ask_vote(state: &mut State, approve: bool) -> Vec<Effect> {
    let chosen = selected_request(state);
    if !state.viewer.may(Permission::VoteRequest) {
        let object = chosen.map_or("requests".into(), |(id, _)| format!("request:{id}"));
        return refuse(state, Permission::VoteRequest, object);
    }
    let Some((id, title)) = chosen else {
        toast(state, "select a request to vote on".into(), ToastKind::Info);
        return vec![];
    };
    if !busy(state) {
        state.overlay = Some(Overlay::Vote(VoteBox {
            id,
            title,
            approve,
            reason: String::new(),
            problem: None,
        }));
    }
    vec![]
}

/// Enter in the vote box: a deny needs a reason; an approval may go without.
pub fn submit_vote(state: &mut State, mut b: VoteBox) -> Vec<Effect> {
    if !b.approve && b.reason.trim().is_empty() {
        b.problem = Some("a deny needs a reason".into());
        state.overlay = Some(Overlay::Vote(b));
        return vec![];
    }
    state.busy = Some(format!("voting on request {}", b.id));
    vec![Effect::Vote { id: b.id, approve: b.approve, reason: b.reason.trim().to_owned() }]
}

pub fn voted(
    state: &mut State,
    id: u64,
    approve: bool,
    result: Result<Option<RequestState>, String>,
) -> Vec<Effect> {
    state.busy = None;
    let verb = if approve { "approval" } else { "denial" };
    match result {
        Ok(Some(decided)) => toast(
            state,
            format!("request {id}: your {verb} decided it: {}", decided.as_str()),
            ToastKind::Info,
        ),
        Ok(None) => toast(
            state,
            format!("request {id}: your {verb} is recorded; the other parties have yet to vote"),
            ToastKind::Info,
        ),
        Err(e) => toast(state, e, ToastKind::Error),
    }
    vec![Effect::LoadGovernance]
}

fn new_request(state: &mut State) -> Vec<Effect> {
    if !state.viewer.may(Permission::FileRequest) {
        return refuse(state, Permission::FileRequest, "requests".into());
    }
    if !busy(state) {
        state.overlay = Some(Overlay::FileRequest(Box::default()));
    }
    vec![]
}

/// Keys in the form: Tab and Shift-Tab (or ↓ and ↑) move between fields, Enter moves on and
/// files from the last field, ctrl-s files from anywhere, Esc cancels.
pub fn form_key(state: &mut State, mut form: Box<RequestForm>, event: KeyEvent) -> Vec<Effect> {
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    match event.code {
        KeyCode::Esc => return vec![],
        KeyCode::Char('s') if ctrl => return submit_form(state, form),
        KeyCode::Enter if form.on_last() => return submit_form(state, form),
        KeyCode::Enter | KeyCode::Tab | KeyCode::Down => form.step(true),
        KeyCode::BackTab | KeyCode::Up => form.step(false),
        KeyCode::Left | KeyCode::Right => {
            form.cycle(event.code == KeyCode::Right);
            form.problem = None;
        }
        KeyCode::Backspace => {
            form.backspace();
            form.problem = None;
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => {
            form.type_char(c);
            form.problem = None;
        }
        _ => {}
    }
    state.overlay = Some(Overlay::FileRequest(form));
    vec![]
}

fn submit_form(state: &mut State, mut form: Box<RequestForm>) -> Vec<Effect> {
    match form.build(state.wall) {
        Ok(request) => {
            state.governance.sent_form = Some(form);
            state.busy = Some("filing the request".into());
            vec![Effect::FileRequest(Box::new(request))]
        }
        Err((field, problem)) => {
            form.focus = field;
            form.problem = Some(problem);
            state.overlay = Some(Overlay::FileRequest(form));
            vec![]
        }
    }
}

/// The service's answer to a filing: the new request is selected in the list; a refusal
/// brings the form back with the service's words in it.
pub fn filed(state: &mut State, result: Result<u64, String>) -> Vec<Effect> {
    state.busy = None;
    let form = state.governance.sent_form.take();
    match result {
        Ok(id) => {
            toast(
                state,
                format!("filed request {id}: it waits for the committee's votes"),
                ToastKind::Info,
            );
            let sel = &mut state.governance.sel[GovView::Requests.index()];
            sel.row = Some(GovRow::Request(id));
        }
        Err(e) => {
            if let Some(mut f) = form
                && state.overlay.is_none()
            {
                f.problem = Some(e.clone());
                state.overlay = Some(Overlay::FileRequest(f));
            }
            toast(state, format!("cannot file the request: {e}"), ToastKind::Error);
        }
    }
    vec![Effect::LoadGovernance]
}

fn ask_withdraw(state: &mut State) -> Vec<Effect> {
    let chosen = selected_request(state);
    if !state.viewer.may(Permission::FileRequest) {
        let object = chosen.map_or("requests".into(), |(id, _)| format!("request:{id}"));
        return refuse(state, Permission::FileRequest, object);
    }
    let Some((id, title)) = chosen else {
        toast(state, "select one of your requests to withdraw it".into(), ToastKind::Info);
        return vec![];
    };
    if !busy(state) {
        state.overlay = Some(Overlay::Confirm(Pending::Withdraw { id, title }));
    }
    vec![]
}

/// Yes in the withdraw confirmation.
pub fn confirmed_withdraw(state: &mut State, id: u64) -> Vec<Effect> {
    state.busy = Some(format!("withdrawing request {id}"));
    vec![Effect::Withdraw { id }]
}

pub fn withdrawn(state: &mut State, id: u64, result: Result<(), String>) -> Vec<Effect> {
    state.busy = None;
    match result {
        Ok(()) => toast(state, format!("request {id} withdrawn"), ToastKind::Info),
        Err(e) => toast(state, e, ToastKind::Error),
    }
    vec![Effect::LoadGovernance]
}

fn ask_verdict(state: &mut State, verdict: Verdict) -> Vec<Effect> {
    let chosen = match selected(state) {
        Some(GovRow::Review(id)) if sees(state) => Some(id),
        _ => None,
    };
    if !state.viewer.may(Permission::ReviewAccess) {
        let object = chosen.map_or("review".into(), |id| format!("review:{id}"));
        return refuse(state, Permission::ReviewAccess, object);
    }
    let Some(id) = chosen else {
        toast(state, "select a review item to give a verdict".into(), ToastKind::Info);
        return vec![];
    };
    if !busy(state) {
        state.overlay =
            Some(Overlay::Verdict(VerdictBox { id, verdict, note: String::new(), problem: None }));
    }
    vec![]
}

/// Enter in the verdict box: unjustified needs a note, since it raises an alert.
pub fn submit_verdict(state: &mut State, mut b: VerdictBox) -> Vec<Effect> {
    if b.verdict == Verdict::Unjustified && b.note.trim().is_empty() {
        b.problem = Some("an unjustified verdict needs a note saying why".into());
        state.overlay = Some(Overlay::Verdict(b));
        return vec![];
    }
    state.busy = Some(format!("marking review item {}", b.id));
    vec![Effect::MarkReview { id: b.id, verdict: b.verdict, note: b.note.trim().to_owned() }]
}

pub fn marked(
    state: &mut State,
    id: u64,
    verdict: Verdict,
    result: Result<Option<u64>, String>,
) -> Vec<Effect> {
    state.busy = None;
    let mut out = vec![Effect::LoadGovernance];
    match result {
        Ok(Some(alert)) => {
            toast(
                state,
                format!("review item {id}: {}; alert {alert} raised", verdict.as_str()),
                ToastKind::Info,
            );
            if state.viewer.sees_alerts() {
                out.push(Effect::CountAlerts);
            }
        }
        Ok(None) => {
            toast(state, format!("review item {id}: {}", verdict.as_str()), ToastKind::Info)
        }
        Err(e) => toast(state, e, ToastKind::Error),
    }
    out
}

/// A key in a one-line text box: typed characters and backspace change `text`. Returns
/// whether the key was one of those.
pub fn edit_line(text: &mut String, event: &KeyEvent) -> bool {
    match event.code {
        KeyCode::Backspace => {
            text.pop();
            true
        }
        KeyCode::Char(c)
            if !c.is_control()
                && !event.modifiers.contains(KeyModifiers::CONTROL)
                && text.chars().count() < MAX_NOTE =>
        {
            text.push(c);
            true
        }
        _ => false,
    }
}
