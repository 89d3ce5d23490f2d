//! The System tab's behaviour: moving through the feeds list.

use super::Effect;
use crate::tui::keymap::Action;
use crate::tui::state::State;

/// Rows of the feeds list after the filter.
pub fn visible_feeds(state: &State) -> Vec<usize> {
    let Some(s) = &state.system.snapshot else { return vec![] };
    s.status
        .feeds
        .iter()
        .enumerate()
        .filter(|(_, f)| state.filter.matches(&f.feed))
        .map(|(i, _)| i)
        .collect()
}

pub fn clamp(state: &mut State) {
    let n = visible_feeds(state).len();
    if state.system.sel >= n {
        state.system.sel = n.saturating_sub(1);
    }
}

pub fn run(state: &mut State, action: Action) -> Vec<Effect> {
    let n = visible_feeds(state).len();
    if n == 0 {
        return vec![];
    }
    let sel = state.system.sel;
    state.system.sel = match action {
        Action::Up | Action::Left => sel.saturating_sub(1),
        Action::Down | Action::Right => (sel + 1).min(n - 1),
        Action::PageUp | Action::Top => 0,
        Action::PageDown | Action::Bottom => n - 1,
        _ => sel,
    };
    vec![]
}
