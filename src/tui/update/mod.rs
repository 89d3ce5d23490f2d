//! `update(&mut State, Msg) -> Vec<Effect>`: the console's behaviour, pure. No I/O here; the
//! runtime carries out the effects and feeds their results back as messages. Tests drive it
//! with plain values, no terminal and no network.

pub mod alerts;
pub mod governance;
pub mod overlays;
pub mod patrons;
pub mod queues;
pub mod seats;
pub mod system;

use chrono::{DateTime, Duration, Timelike, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::{Action, Key, Scope};
use super::msg::{Effect, Msg};
use super::state::{Overlay, State, Tab, Toast, ToastKind};

/// How long a status message stays.
const TOAST_SECS: i64 = 5;

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            seats::clamp(state);
            state.redraw = true;
            vec![]
        }
        Msg::Tick(wall) => {
            let before = minute(state.now());
            state.wall = wall;
            let new_minute = minute(state.now()) != before;
            if new_minute {
                state.redraw = true;
            }
            if state.toast.as_ref().is_some_and(|t| t.until <= wall) {
                state.toast = None;
                state.redraw = true;
            }
            patrons::idle(state);
            // Requests expire with time alone, not with a change to the database.
            if new_minute && state.tab == Tab::Governance && governance::sees(state) {
                return vec![Effect::LoadGovernance];
            }
            vec![]
        }
        Msg::DataChanged => {
            let mut out = loads(state);
            if state.viewer.sees_alerts() && state.tab != Tab::Alerts {
                out.push(Effect::CountAlerts);
            }
            // The badge counts what waits for the viewer, whichever tab is shown.
            if governance::sees(state) && state.tab != Tab::Governance {
                out.push(Effect::LoadGovernance);
            }
            out
        }
        Msg::GovernanceLoaded(result) => governance::loaded(state, result),
        Msg::Voted { id, approve, result } => governance::voted(state, id, approve, result),
        Msg::Filed(result) => governance::filed(state, result),
        Msg::Withdrawn { id, result } => governance::withdrawn(state, id, result),
        Msg::Marked { id, verdict, result } => governance::marked(state, id, verdict, result),
        Msg::AlertsLoaded(snapshot) => {
            let s = *snapshot;
            if s.filter != state.alerts.state_filter {
                // An answer to an earlier choice of states.
                return vec![];
            }
            let before = state.alerts.clone();
            state.alerts.list = Some(s.list);
            state.alerts.active = Some(s.active);
            alerts::clamp(state);
            let wanted = alerts::selected_id(state);
            state.alerts.detail = s.detail.filter(|d| Some(d.alert.id) == wanted);
            if state.alerts != before {
                state.redraw = true;
            }
            if wanted.is_some() && state.alerts.detail.is_none() {
                return vec![alerts::load(state)];
            }
            vec![]
        }
        Msg::AlertCount(n) => {
            if state.alerts.active != Some(n) {
                state.alerts.active = Some(n);
                state.redraw = true;
            }
            vec![]
        }
        Msg::AlertActed { id, action, result } => alerts::acted(state, id, action, result),
        Msg::LookedUp { seq, purpose, result } => patrons::looked_up(state, seq, purpose, result),
        Msg::DemoCard(card) => {
            state.patrons.demo_card = Some(card);
            state.redraw = true;
            vec![]
        }
        Msg::Recommended { seq, result } => patrons::recommended(state, seq, result),
        Msg::SeatsLoaded(snapshot, health, offset) => {
            set_health(state, health, offset);
            if state.seats.snapshot.as_ref() != Some(&*snapshot) {
                state.seats.snapshot = Some(*snapshot);
                seats::clamp(state);
                state.redraw = true;
            }
            vec![]
        }
        Msg::QueuesLoaded(overview, health, offset) => {
            set_health(state, health, offset);
            if state.queues.overview.as_ref() != Some(&*overview) {
                state.queues.overview = Some(*overview);
                queues::clamp(state);
                state.redraw = true;
            }
            vec![]
        }
        Msg::WindowChanged { window, name, result, undo } => {
            queues::changed(state, window, name, result, undo)
        }
        Msg::SystemLoaded(snapshot, health, offset) => {
            set_health(state, health, offset);
            if state.system.snapshot.as_ref() != Some(&*snapshot) {
                state.system.snapshot = Some(*snapshot);
                system::clamp(state);
                state.redraw = true;
            }
            vec![]
        }
        Msg::HistoryLoaded { seat_id, history } => {
            if let Some(Overlay::SeatDetail { seat_id: open, history: h }) = &mut state.overlay
                && *open == seat_id
            {
                *h = Some(history);
                state.redraw = true;
            }
            vec![]
        }
        Msg::ReleaseDone { label, result } => {
            state.busy = None;
            match result {
                Ok(()) => toast(state, format!("released {label}"), ToastKind::Info),
                Err(e) => toast(state, format!("release of {label} failed: {e}"), ToastKind::Error),
            }
            vec![Effect::LoadSeats]
        }
        Msg::DatabaseReachable(false) => {
            if state.database_down.is_none() {
                state.database_down = Some(state.wall);
                state.redraw = true;
            }
            vec![]
        }
        Msg::DatabaseReachable(true) => match state.database_down.take() {
            Some(_) => {
                toast(state, "database reachable again".into(), ToastKind::Info);
                update(state, Msg::DataChanged)
            }
            None => vec![],
        },
        Msg::LoadFailed { error, .. } => {
            toast(state, format!("cannot read the database: {error}"), ToastKind::Error);
            vec![]
        }
        Msg::Terminate => {
            state.quit = true;
            vec![Effect::Quit]
        }
    }
}

fn minute(t: DateTime<Utc>) -> i64 {
    t.timestamp() - i64::from(t.second())
}

fn set_health(state: &mut State, health: super::state::Health, offset_ms: i64) {
    let before = minute(state.now());
    if state.health != health {
        state.health = health;
        state.redraw = true;
    }
    state.offset_ms = offset_ms;
    if minute(state.now()) != before {
        state.redraw = true;
    }
}

pub(crate) fn toast(state: &mut State, text: String, kind: ToastKind) {
    state.toast = Some(Toast { text, kind, until: state.wall + Duration::seconds(TOAST_SECS) });
    state.redraw = true;
}

/// What reloading the visible tab takes: nothing for a tab the viewer may not see. The
/// Patrons tab reads no patron by itself: each lookup is an audited read, made on request; on
/// a demo database it looks for a card to suggest until it has one.
fn loads(state: &State) -> Vec<Effect> {
    if state.tab == Tab::Alerts && !state.viewer.sees_alerts() {
        return vec![];
    }
    if state.tab == Tab::Governance && !governance::sees(state) {
        return vec![];
    }
    load(state).into_iter().collect()
}

fn load(state: &State) -> Option<Effect> {
    Some(match state.tab {
        Tab::Seats => Effect::LoadSeats,
        Tab::Queues => Effect::LoadQueues,
        Tab::Alerts => alerts::load(state),
        Tab::Governance => Effect::LoadGovernance,
        Tab::Patrons => return patrons::find_demo_card(state),
        Tab::System => Effect::LoadSystem,
    })
}

/// Whether an action can be used in the current context (outside overlays).
pub fn applies(state: &State, action: Action) -> bool {
    match action.scope() {
        Scope::Global => true,
        // The Patrons tab has no list to move through, only a patron's page to open and
        // scroll: its keys may be the sideways navigation keys.
        Scope::Navigation => state.tab != Tab::Patrons || !action.sideways(),
        Scope::Seats => state.tab == Tab::Seats,
        Scope::Queues => state.tab == Tab::Queues,
        Scope::Alerts => state.tab == Tab::Alerts,
        Scope::Governance => state.tab == Tab::Governance,
        Scope::Patrons => state.tab == Tab::Patrons,
    }
}

fn on_key(state: &mut State, event: KeyEvent) -> Vec<Effect> {
    state.patrons.last_key = state.wall;
    if state.overlay.is_some() {
        return overlays::on_key(state, event);
    }
    if state.filter.editing {
        return on_filter_key(state, event);
    }
    let key = Key::of(&event);
    match state.keymap.action_for(key, |a| applies(state, a)) {
        Some(action) => run(state, action),
        None => vec![],
    }
}

fn on_filter_key(state: &mut State, event: KeyEvent) -> Vec<Effect> {
    match event.code {
        KeyCode::Esc => {
            state.filter.text.clear();
            state.filter.editing = false;
        }
        KeyCode::Enter => state.filter.editing = false,
        KeyCode::Backspace => {
            state.filter.text.pop();
        }
        KeyCode::Char(c) if !event.modifiers.contains(KeyModifiers::CONTROL) && !c.is_control() => {
            if state.filter.text.chars().count() < 64 {
                state.filter.text.push(c);
            }
        }
        _ => return vec![],
    }
    clamp_lists(state);
    state.redraw = true;
    if state.tab == Tab::Alerts && state.viewer.sees_alerts() {
        return vec![alerts::load(state)];
    }
    vec![]
}

/// Carries out an action, from a key or from the command palette.
pub fn run(state: &mut State, action: Action) -> Vec<Effect> {
    state.redraw = true;
    match action {
        Action::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Action::Help => {
            state.overlay = Some(Overlay::Help { scroll: 0 });
            vec![]
        }
        Action::Palette => {
            state.overlay = Some(Overlay::Palette { query: String::new(), selected: 0 });
            vec![]
        }
        // The Patrons tab has no list to filter: `/` searches for a patron instead.
        Action::Filter if state.tab == Tab::Patrons => patrons::run(state, Action::LookUp),
        Action::Filter => {
            state.filter.editing = true;
            vec![]
        }
        // Each key means one thing everywhere: a reload reads what a tab shows, and the
        // Patrons tab shows nothing it could read unasked (a lookup is an audited read of its
        // own, with its own key). It says so rather than doing nothing.
        Action::Refresh if state.tab == Tab::Patrons => {
            let again = state.keymap.key_label(Action::LookUpAgain);
            toast(
                state,
                format!(
                    "nothing to reload: patrons are read only when looked up ({again} looks the patron up again)"
                ),
                ToastKind::Info,
            );
            vec![]
        }
        Action::Refresh => loads(state),
        Action::NextTab => switch(state, Tab::ALL[(state.tab.index() + 1) % Tab::ALL.len()]),
        Action::PrevTab => {
            switch(state, Tab::ALL[(state.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len()])
        }
        Action::TabSeats => switch(state, Tab::Seats),
        Action::TabQueues => switch(state, Tab::Queues),
        Action::TabAlerts => switch(state, Tab::Alerts),
        Action::TabGovernance => switch(state, Tab::Governance),
        Action::TabPatrons => switch(state, Tab::Patrons),
        Action::TabSystem => switch(state, Tab::System),
        Action::Back if !state.filter.text.is_empty() => {
            state.filter.text.clear();
            clamp_lists(state);
            vec![]
        }
        other => match state.tab {
            Tab::Seats => seats::run(state, other),
            Tab::Queues => queues::run(state, other),
            Tab::Alerts => alerts::run(state, other),
            Tab::Governance => governance::run(state, other),
            Tab::Patrons => patrons::run(state, other),
            Tab::System => system::run(state, other),
        },
    }
}

fn switch(state: &mut State, tab: Tab) -> Vec<Effect> {
    if state.tab == tab {
        return vec![];
    }
    state.tab = tab;
    state.filter = Default::default();
    clamp_lists(state);
    loads(state)
}

/// Keeps every list's selection in range after the filter changed.
fn clamp_lists(state: &mut State) {
    seats::clamp(state);
    queues::clamp(state);
    system::clamp(state);
    alerts::clamp(state);
    governance::clamp(state);
}

#[cfg(test)]
mod tests;
