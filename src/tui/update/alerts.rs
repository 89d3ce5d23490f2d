//! The Alerts tab's behaviour: moving through the alerts, choosing which states to list, and
//! acknowledging, resolving or escalating the selected alert with a note. The services check
//! the roles again and write the audit entry; the console only asks.

use super::{Effect, toast};
use crate::domain::alerts::{Alert, AlertAction, AlertState};
use crate::domain::policy::Permission;
use crate::tui::keymap::Action;
use crate::tui::state::{Overlay, State, ToastKind};

/// The alerts listed, after the `/` filter.
pub fn visible(state: &State) -> Vec<&Alert> {
    let Some(list) = &state.alerts.list else { return vec![] };
    list.iter()
        .filter(|a| {
            state.filter.matches(&format!(
                "{} {} {} {} {} #{}",
                a.rule.as_str(),
                a.severity.as_str(),
                a.state.as_str(),
                a.key,
                a.summary,
                a.id
            ))
        })
        .collect()
}

pub fn selected_id(state: &State) -> Option<u64> {
    visible(state).get(state.alerts.sel).map(|a| a.id)
}

pub fn clamp(state: &mut State) {
    let n = visible(state).len();
    if state.alerts.sel >= n {
        state.alerts.sel = n.saturating_sub(1);
    }
}

/// Reloads the list and the selected alert's detail.
pub fn load(state: &State) -> Effect {
    Effect::LoadAlerts { filter: state.alerts.state_filter, selected: selected_id(state) }
}

/// Which states are listed next: active → open → acknowledged → escalated → resolved → active.
fn next_filter(f: Option<AlertState>) -> Option<AlertState> {
    match f {
        None => Some(AlertState::Open),
        Some(AlertState::Open) => Some(AlertState::Acknowledged),
        Some(AlertState::Acknowledged) => Some(AlertState::Escalated),
        Some(AlertState::Escalated) => Some(AlertState::Resolved),
        Some(AlertState::Resolved) => None,
    }
}

pub fn run(state: &mut State, action: Action) -> Vec<Effect> {
    if !state.viewer.sees_alerts() {
        return vec![];
    }
    if state.alerts.zoom {
        return scroll_detail(state, action);
    }
    let n = visible(state).len();
    let before = state.alerts.sel;
    match action {
        Action::Up | Action::Left => state.alerts.sel = state.alerts.sel.saturating_sub(1),
        Action::Down | Action::Right => {
            state.alerts.sel = (state.alerts.sel + 1).min(n.saturating_sub(1))
        }
        Action::PageUp => state.alerts.sel = state.alerts.sel.saturating_sub(10),
        Action::PageDown => state.alerts.sel = (state.alerts.sel + 10).min(n.saturating_sub(1)),
        Action::Top => state.alerts.sel = 0,
        Action::Bottom => state.alerts.sel = n.saturating_sub(1),
        Action::AlertStates => {
            state.alerts.state_filter = next_filter(state.alerts.state_filter);
            state.alerts.sel = 0;
            state.alerts.list = None;
            state.alerts.detail = None;
            return vec![load(state)];
        }
        Action::Acknowledge => return ask(state, AlertAction::Acknowledge),
        Action::Resolve => return ask(state, AlertAction::Resolve),
        Action::Escalate => return ask(state, AlertAction::Escalate),
        Action::Select if n > 0 => {
            state.alerts.zoom = true;
            state.alerts.scroll = 0;
        }
        _ => {}
    }
    if state.alerts.sel != before {
        return vec![load(state)];
    }
    vec![]
}

/// The selected alert's detail, filling the tab: the vertical keys scroll it, `esc` goes back
/// to the list, and acting on the alert works as from the list. The view stops at the end.
fn scroll_detail(state: &mut State, action: Action) -> Vec<Effect> {
    let at = state.alerts.scroll;
    state.alerts.scroll = match action {
        Action::Up => at.saturating_sub(1),
        Action::Down => at.saturating_add(1),
        Action::PageUp => at.saturating_sub(10),
        Action::PageDown => at.saturating_add(10),
        Action::Top => 0,
        Action::Bottom => u16::MAX,
        Action::Back => {
            state.alerts.zoom = false;
            0
        }
        Action::Acknowledge => return ask(state, AlertAction::Acknowledge),
        Action::Resolve => return ask(state, AlertAction::Resolve),
        Action::Escalate => return ask(state, AlertAction::Escalate),
        _ => at,
    }
    .min(crate::tui::view::alerts::detail_scroll_limit(state));
    vec![]
}

/// Opens the note box for `action` on the selected alert, when it can be done.
fn ask(state: &mut State, action: AlertAction) -> Vec<Effect> {
    let Some(alert) = visible(state).get(state.alerts.sel).map(|a| (*a).clone()) else {
        toast(state, "no alert selected".into(), ToastKind::Info);
        return vec![];
    };
    if state.busy.is_some() {
        toast(state, "wait: the last action is still under way".into(), ToastKind::Info);
        return vec![];
    }
    if let Err(why) = action.apply(alert.state) {
        toast(state, format!("alert {}: {why}", alert.id), ToastKind::Info);
        return vec![];
    }
    if alert.state == AlertState::Escalated
        && !state.viewer.has(crate::domain::staff::Role::Committee)
    {
        toast(
            state,
            format!("alert {} is escalated: only the committee resolves it", alert.id),
            ToastKind::Error,
        );
        return vec![Effect::Refused {
            permission: Permission::HandleAlerts,
            object: format!("alert:{}", alert.id),
        }];
    }
    state.overlay = Some(Overlay::AlertNote { id: alert.id, action, note: String::new() });
    vec![]
}

/// Enter in the note box: resolving needs a note; the others may go without.
pub fn submit(state: &mut State, id: u64, action: AlertAction, note: String) -> Vec<Effect> {
    if action == AlertAction::Resolve && note.trim().is_empty() {
        state.overlay = Some(Overlay::AlertNote { id, action, note });
        toast(state, "say what was done before resolving".into(), ToastKind::Error);
        return vec![];
    }
    state.overlay = None;
    state.busy = Some(format!("{} alert {id}", action.as_str()));
    vec![Effect::ActOnAlert { id, action, note }]
}

/// The answer from the services.
pub fn acted(
    state: &mut State,
    id: u64,
    action: AlertAction,
    result: Result<AlertState, String>,
) -> Vec<Effect> {
    state.busy = None;
    match result {
        Ok(s) => toast(state, format!("alert {id} is now {}", s.as_str()), ToastKind::Info),
        Err(e) => {
            toast(state, format!("cannot {} alert {id}: {e}", action.as_str()), ToastKind::Error)
        }
    }
    vec![load(state), Effect::CountAlerts]
}
