//! The Queues tab's behaviour: choosing a window, opening and closing it, putting someone at
//! it, and undoing this console's last change. Every change is confirmed first and carried out
//! by the sensor API through the services.

use super::{Effect, toast};
use crate::domain::api::ServicePointChange;
use crate::domain::policy::Permission;
use crate::domain::staff::Role;
use crate::services::queues::WindowNow;
use crate::tui::keymap::Action;
use crate::tui::state::{Overlay, Pending, State, ToastKind};

/// The windows the tab lists, across services in order, after the filter.
pub fn windows(state: &State) -> Vec<&WindowNow> {
    let Some(o) = &state.queues.overview else { return vec![] };
    o.services
        .iter()
        .flat_map(|s| s.windows.iter())
        .filter(|w| {
            let p = &w.point;
            state.filter.matches(&format!(
                "{} {} {} {}",
                p.id,
                p.name,
                p.service,
                p.staff.as_deref().unwrap_or("")
            ))
        })
        .collect()
}

pub fn clamp(state: &mut State) {
    let n = windows(state).len();
    if state.queues.sel >= n {
        state.queues.sel = n.saturating_sub(1);
    }
}

/// Staff on duty not at an open window.
pub fn free_staff(state: &State) -> Vec<String> {
    let Some(o) = &state.queues.overview else { return vec![] };
    let busy: Vec<&str> = o
        .services
        .iter()
        .flat_map(|s| s.windows.iter())
        .filter(|w| w.point.open)
        .filter_map(|w| w.point.staff.as_deref())
        .collect();
    o.staff_on_duty.iter().filter(|s| !busy.contains(&s.as_str())).cloned().collect()
}

fn selected(state: &State) -> Option<WindowNow> {
    windows(state).get(state.queues.sel).map(|w| (*w).clone())
}

pub fn run(state: &mut State, action: Action) -> Vec<Effect> {
    let n = windows(state).len();
    match action {
        Action::Up | Action::Left => state.queues.sel = state.queues.sel.saturating_sub(1),
        Action::Down | Action::Right => {
            state.queues.sel = (state.queues.sel + 1).min(n.saturating_sub(1))
        }
        Action::Top | Action::PageUp => state.queues.sel = 0,
        Action::Bottom | Action::PageDown => state.queues.sel = n.saturating_sub(1),
        Action::OpenWindow | Action::CloseWindow | Action::AssignStaff | Action::Undo => {
            return change(state, action);
        }
        _ => {}
    }
    vec![]
}

fn change(state: &mut State, action: Action) -> Vec<Effect> {
    let target = if action == Action::Undo {
        state.queues.undo.as_ref().map(|(id, _, _)| id.clone())
    } else {
        selected(state).map(|w| w.point.id)
    };
    if state.viewer.read_only() || !state.viewer.has(Role::Desk) {
        let why = if state.viewer.read_only() {
            "read-only view"
        } else {
            "your roles do not include desk"
        };
        toast(state, format!("cannot change windows: {why}"), ToastKind::Error);
        let object = target.map_or_else(|| "window".to_owned(), |id| format!("window:{id}"));
        return vec![Effect::Refused { permission: Permission::ChangeWindow, object }];
    }
    if state.busy.is_some() {
        toast(state, "wait: the last action is still under way".into(), ToastKind::Info);
        return vec![];
    }
    if action == Action::Undo {
        match state.queues.undo.clone() {
            Some((window, name, change)) => {
                let summary = format!("undo: {}", describe(&name, &change));
                state.overlay =
                    Some(Overlay::Confirm(pending(state, window, change, summary, true)));
            }
            None => toast(
                state,
                "nothing to undo: this console has not changed a window".into(),
                ToastKind::Info,
            ),
        }
        return vec![];
    }
    let Some(w) = selected(state) else {
        toast(state, "no window selected".into(), ToastKind::Info);
        return vec![];
    };
    let p = &w.point;
    match action {
        Action::OpenWindow if p.open => {
            toast(state, format!("{} is already open", p.name), ToastKind::Info)
        }
        Action::OpenWindow if p.staff.is_none() => pick_staff(state, &p.id, &p.name, true),
        Action::OpenWindow => {
            let change = ServicePointChange { open: Some(true), staff: None };
            let summary = describe(&p.name, &change);
            let confirm = pending(state, p.id.clone(), change, summary, false);
            state.overlay = Some(Overlay::Confirm(confirm));
        }
        Action::CloseWindow if !p.open => {
            toast(state, format!("{} is already closed", p.name), ToastKind::Info)
        }
        Action::CloseWindow => {
            let change = ServicePointChange { open: Some(false), staff: None };
            let summary = describe(&p.name, &change);
            let confirm = pending(state, p.id.clone(), change, summary, false);
            state.overlay = Some(Overlay::Confirm(confirm));
        }
        Action::AssignStaff => pick_staff(state, &p.id, &p.name, false),
        _ => {}
    }
    vec![]
}

fn pick_staff(state: &mut State, window: &str, name: &str, open: bool) {
    let options = free_staff(state);
    if options.is_empty() {
        toast(state, "nobody on duty is free to staff a window".into(), ToastKind::Info);
        return;
    }
    state.overlay = Some(Overlay::PickStaff {
        window: window.to_owned(),
        name: name.to_owned(),
        options,
        selected: 0,
        open,
    });
}

/// A window change waiting to be confirmed, with what else it does.
pub fn pending(
    state: &State,
    window: String,
    change: ServicePointChange,
    summary: String,
    undo: bool,
) -> Pending {
    let warning = closes_service(state, &window, &change);
    Pending::Window { window, change, summary, undo, warning }
}

/// When `change` closes the only open window of its service, says so: nobody is served there
/// until a window opens again. The whole service is counted, whatever the filter shows.
fn closes_service(state: &State, window: &str, change: &ServicePointChange) -> Option<String> {
    if change.open != Some(false) {
        return None;
    }
    let o = state.queues.overview.as_ref()?;
    let service = o.services.iter().find(|s| s.windows.iter().any(|w| w.point.id == window))?;
    let w = service.windows.iter().find(|w| w.point.id == window)?;
    let open = service.windows.iter().filter(|w| w.point.open).count();
    (w.point.open && open == 1).then(|| {
        format!(
            "{} is the only open window of {}: closing it closes the service.",
            w.point.name, service.service
        )
    })
}

/// A change in words: "open Circulation desk 4 with ana".
pub fn describe(name: &str, c: &ServicePointChange) -> String {
    let staff = match &c.staff {
        Some(Some(s)) => format!(" with {s}"),
        Some(None) => " without staff".into(),
        None => String::new(),
    };
    match c.open {
        Some(true) => format!("open {name}{staff}"),
        Some(false) => format!("close {name}"),
        None => match &c.staff {
            Some(Some(s)) => format!("put {s} at {name}"),
            _ => format!("take the staff off {name}"),
        },
    }
}

/// The change that would put `w` back as it is now.
pub fn restoring(w: &WindowNow) -> ServicePointChange {
    ServicePointChange { open: Some(w.point.open), staff: Some(w.point.staff.clone()) }
}

/// The answer to a window change: remember how to undo it, or say why it failed.
pub fn changed(
    state: &mut State,
    window: String,
    name: String,
    result: Result<ServicePointChange, String>,
    undo: bool,
) -> Vec<Effect> {
    state.busy = None;
    match result {
        Ok(restore) => {
            toast(state, format!("{}: done", name), ToastKind::Info);
            state.queues.undo = if undo { None } else { Some((window, name, restore)) };
        }
        Err(e) => toast(state, format!("{name}: {e}"), ToastKind::Error),
    }
    vec![Effect::LoadQueues]
}

/// The confirmed change as an effect, remembering how to put the window back.
pub fn confirmed(
    state: &mut State,
    window: String,
    change: ServicePointChange,
    undo: bool,
) -> Vec<Effect> {
    let name = windows(state)
        .iter()
        .find(|w| w.point.id == window)
        .map_or_else(|| window.clone(), |w| w.point.name.clone());
    state.busy = Some(describe(&name, &change));
    vec![Effect::ChangeWindow { window, name, change, undo }]
}
