//! The Seats tab's behaviour: floors, the map cursor, the ghost list, finding a free seat,
//! and the release flow (select, confirm, send).

use ratatui::layout::Rect;

use super::{Effect, toast};
use crate::domain::layout::{SeatState, SensorHealth};
use crate::domain::staff::Role;
use crate::tui::keymap::Action;
use crate::tui::layout;
use crate::tui::model::{FloorView, GhostRef, SeatCell, SeatsSnapshot};
use crate::tui::state::{Focus, Overlay, Pending, State, ToastKind};

/// The ghost seats the list shows, after the filter.
pub fn visible_ghosts(state: &State) -> Vec<GhostRef> {
    let Some(snap) = &state.seats.snapshot else { return vec![] };
    snap.ghosts
        .iter()
        .copied()
        .filter(|g| {
            let Some(seat) = snap.seat(*g) else { return false };
            let floor = &snap.floors[g.floor];
            let zone = floor.zones.get(seat.zone).map(|z| z.name.as_str()).unwrap_or("");
            state.filter.matches(&format!("{} {} {} {}", seat.label, seat.id, zone, floor.name))
        })
        .collect()
}

/// The rows of the floor line: a second one says which free seats were found, while they are.
pub fn floor_rows(state: &State) -> u16 {
    if state.seats.matches.is_empty() { 1 } else { 2 }
}

/// How the current floor fits the map area at the current terminal size.
pub fn current_fit(state: &State) -> layout::Fit {
    let content = layout::frame(Rect::new(0, 0, state.size.0, state.size.1)).content;
    let areas = layout::seats(content, floor_rows(state));
    match current_floor(state) {
        Some(f) => layout::fit(f.width(), f.height(), areas.map.width, areas.map.height),
        None => layout::Fit { k: 1, columns: 1 },
    }
}

pub fn current_floor(state: &State) -> Option<&FloorView> {
    state.seats.snapshot.as_ref().and_then(|s| s.floors.get(state.seats.floor))
}

/// The seat the map cursor is on: at normal zoom the seat at that position; zoomed out, the
/// most pressing seat of the block the cursor covers (a ghost first).
pub fn seat_at_cursor(state: &State) -> Option<(usize, &SeatCell)> {
    let floor = current_floor(state)?;
    let fit = current_fit(state);
    let (cx, cy) = state.seats.cursor;
    if fit.k == 1 {
        return floor.at.get(&(cx, cy)).map(|&i| (i, &floor.seats[i]));
    }
    let k = fit.k;
    let block = |s: &SeatCell| s.x >= cx && s.x < cx + k && s.y >= cy && s.y < cy + k;
    let rank = |s: &SeatCell| match (s.ghost, s.state) {
        (true, _) => 0,
        (_, Some(SeatState::Away)) => 1,
        (_, Some(SeatState::Free)) => 2,
        _ => 3,
    };
    floor.seats.iter().enumerate().filter(|(_, s)| block(s)).min_by_key(|(_, s)| rank(s))
}

/// Keeps the floor, cursor, ghost selection and found seats valid after data or size changed.
pub fn clamp(state: &mut State) {
    let floors = state.seats.snapshot.as_ref().map_or(0, |s| s.floors.len());
    if state.seats.floor >= floors {
        state.seats.floor = floors.saturating_sub(1);
    }
    if let Some(f) = current_floor(state) {
        let (min, max) = (f.min, f.max);
        let k = current_fit(state).k;
        let snap = |v: u32, lo: u32, hi: u32| lo + ((v.clamp(lo, hi) - lo) / k) * k;
        state.seats.cursor =
            (snap(state.seats.cursor.0, min.0, max.0), snap(state.seats.cursor.1, min.1, max.1));
    }
    let ghosts = visible_ghosts(state).len();
    if state.seats.ghost_sel >= ghosts {
        state.seats.ghost_sel = ghosts.saturating_sub(1);
    }
    let valid = |s: &SeatsSnapshot, (f, i): (usize, usize)| {
        s.floors.get(f).is_some_and(|fl| i < fl.seats.len())
    };
    if let Some(s) = &state.seats.snapshot
        && !state.seats.matches.iter().all(|m| valid(s, *m))
    {
        state.seats.matches.clear();
    }
}

pub fn run(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::PrevFloor | Action::NextFloor => {
            let n = state.seats.snapshot.as_ref().map_or(0, |s| s.floors.len());
            if n > 0 {
                state.seats.floor = if action == Action::NextFloor {
                    (state.seats.floor + 1) % n
                } else {
                    (state.seats.floor + n - 1) % n
                };
                if let Some(f) = current_floor(state) {
                    state.seats.cursor = f.min;
                }
                clamp(state);
            }
            vec![]
        }
        Action::ToggleFocus => {
            state.seats.focus = match state.seats.focus {
                Focus::Map => Focus::Ghosts,
                Focus::Ghosts => Focus::Map,
            };
            vec![]
        }
        // Back from the ghost list to the map; on the map, the found seats go.
        Action::Back => {
            if state.seats.focus == Focus::Ghosts {
                state.seats.focus = Focus::Map;
            } else if !state.seats.matches.is_empty() {
                state.seats.matches.clear();
                state.seats.match_pos = 0;
                clamp(state);
            }
            vec![]
        }
        Action::Up | Action::Down | Action::Left | Action::Right => {
            match state.seats.focus {
                Focus::Map => move_cursor(state, action),
                Focus::Ghosts => move_ghost(
                    state,
                    if action == Action::Up || action == Action::Left { -1 } else { 1 },
                ),
            }
            vec![]
        }
        Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
            let page = 5_i64;
            let delta = match action {
                Action::PageUp => -page,
                Action::PageDown => page,
                Action::Top => i64::MIN / 2,
                _ => i64::MAX / 2,
            };
            match state.seats.focus {
                Focus::Ghosts => move_ghost(state, delta),
                Focus::Map => {
                    if let Some(f) = current_floor(state) {
                        let (min, max) = (f.min, f.max);
                        state.seats.cursor.1 = if delta < 0 { min.1 } else { max.1 };
                        clamp(state);
                    }
                }
            }
            vec![]
        }
        Action::Select => {
            let Some(seat) = selected_seat(state) else {
                toast(state, "no seat here".into(), ToastKind::Info);
                return vec![];
            };
            let id = seat.id.clone();
            state.overlay = Some(Overlay::SeatDetail { seat_id: id.clone(), history: None });
            vec![Effect::LoadHistory(id)]
        }
        Action::Find => {
            state.overlay = Some(Overlay::Find);
            vec![]
        }
        Action::NextMatch => {
            if state.seats.matches.is_empty() {
                toast(state, "nothing found yet: press find first".into(), ToastKind::Info);
            } else {
                state.seats.match_pos = (state.seats.match_pos + 1) % state.seats.matches.len();
                jump_to_match(state);
            }
            vec![]
        }
        Action::Release => request_release(state),
        _ => vec![],
    }
}

/// The seat keys act on: the selected ghost in the list, or the seat under the map cursor.
pub fn selected_seat(state: &State) -> Option<&SeatCell> {
    match state.seats.focus {
        Focus::Ghosts => {
            let g = *visible_ghosts(state).get(state.seats.ghost_sel)?;
            state.seats.snapshot.as_ref()?.seat(g)
        }
        Focus::Map => seat_at_cursor(state).map(|(_, s)| s),
    }
}

fn move_cursor(state: &mut State, action: Action) {
    let k = current_fit(state).k;
    let Some(f) = current_floor(state) else { return };
    let (min, max) = (f.min, f.max);
    let (x, y) = state.seats.cursor;
    state.seats.cursor = match action {
        Action::Up => (x, y.saturating_sub(k).max(min.1)),
        Action::Down => (x, (y + k).min(max.1)),
        Action::Left => (x.saturating_sub(k).max(min.0), y),
        _ => ((x + k).min(max.0), y),
    };
    clamp(state);
}

fn move_ghost(state: &mut State, delta: i64) {
    let n = visible_ghosts(state).len() as i64;
    if n == 0 {
        return;
    }
    state.seats.ghost_sel = (state.seats.ghost_sel as i64 + delta).clamp(0, n - 1) as usize;
}

/// Runs the search of the find form and jumps to the first free seat found.
pub fn find(state: &mut State) {
    let Some(snap) = &state.seats.snapshot else { return };
    let c = state.seats.find;
    let n = snap.floors.len();
    let mut found = vec![];
    for step in 0..n {
        let fi = (state.seats.floor + step) % n;
        let floor = &snap.floors[fi];
        for (si, s) in floor.seats.iter().enumerate() {
            let kind_ok =
                c.kind.is_none_or(|k| floor.zones.get(s.zone).is_some_and(|z| z.kind == k));
            if s.state == Some(SeatState::Free)
                && s.sensor != Some(SensorHealth::Offline)
                && kind_ok
                && (!c.power || s.power)
                && (!c.accessible || s.accessible)
            {
                found.push((fi, si));
            }
        }
    }
    state.seats.matches = found;
    state.seats.match_pos = 0;
    if state.seats.matches.is_empty() {
        toast(state, format!("no free seat: {}", c.describe()), ToastKind::Info);
    } else {
        let n = state.seats.matches.len();
        let next = state.keymap.key_label(Action::NextMatch);
        toast(
            state,
            format!(
                "{n} free seat{}: {} ({next}: next)",
                if n == 1 { "" } else { "s" },
                c.describe()
            ),
            ToastKind::Info,
        );
        jump_to_match(state);
    }
}

fn jump_to_match(state: &mut State) {
    let Some(&(fi, si)) = state.seats.matches.get(state.seats.match_pos) else { return };
    let Some(seat) =
        state.seats.snapshot.as_ref().and_then(|s| s.floors.get(fi)).and_then(|f| f.seats.get(si))
    else {
        return;
    };
    let pos = (seat.x, seat.y);
    state.seats.floor = fi;
    state.seats.focus = Focus::Map;
    state.seats.cursor = pos;
    clamp(state);
    state.redraw = true;
}

/// Starts the release flow for the selected seat: checks it can be released and by whom, then
/// asks for confirmation.
fn request_release(state: &mut State) -> Vec<Effect> {
    if state.viewer.read_only() || !state.viewer.has(Role::Desk) {
        let why = if state.viewer.read_only() {
            "read-only view"
        } else {
            "your roles do not include desk"
        };
        toast(state, format!("cannot release seats: {why}"), ToastKind::Error);
        let object =
            selected_seat(state).map(|s| format!("seat:{}", s.id)).unwrap_or_else(|| "seat".into());
        return vec![Effect::Refused {
            permission: crate::domain::policy::Permission::ReleaseSeat,
            object,
        }];
    }
    if state.busy.is_some() {
        toast(state, "wait: the last action is still under way".into(), ToastKind::Info);
        return vec![];
    }
    let Some(seat) = selected_seat(state) else {
        toast(state, "no seat selected".into(), ToastKind::Info);
        return vec![];
    };
    if seat.state != Some(SeatState::Away) {
        let state_name = seat.state.map_or("without data", SeatState::as_str);
        let text = format!(
            "{} is {state_name}: only a seat whose patron is away can be released",
            seat.label
        );
        toast(state, text, ToastKind::Info);
        return vec![];
    }
    let pending = Pending::Release {
        seat_id: seat.id.clone(),
        label: seat.label.clone(),
        away_since: seat.since,
        ghost: seat.ghost,
    };
    state.overlay = Some(Overlay::Confirm(pending));
    vec![]
}
