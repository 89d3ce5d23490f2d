//! Keys while an overlay is open: help, the command palette, a confirmation, seat details,
//! the find form, the Governance tab's vote, verdict and filing boxes, and the Patrons tab's
//! lookup box. Overlay keys are fixed and written in the overlay itself.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use super::{Effect, applies, run, seats};
use crate::tui::keymap::Action;
use crate::tui::state::{Overlay, Pending, State};

/// The actions the palette offers for `query`, best match first.
pub fn palette_items(state: &State, query: &str) -> Vec<Action> {
    let candidates: Vec<(Action, String)> = Action::ALL
        .into_iter()
        .filter(|a| *a != Action::Palette && applies(state, *a))
        .map(|a| (a, format!("{} {}", a.description(), a.name())))
        .collect();
    if query.trim().is_empty() {
        return candidates.into_iter().map(|(a, _)| a).collect();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let texts: Vec<&str> = candidates.iter().map(|(_, t)| t.as_str()).collect();
    let ranked = pattern.match_list(texts, &mut matcher);
    ranked
        .into_iter()
        .filter_map(|(text, _)| candidates.iter().find(|(_, t)| t == text).map(|(a, _)| *a))
        .collect()
}

pub fn on_key(state: &mut State, event: KeyEvent) -> Vec<Effect> {
    let Some(overlay) = state.overlay.take() else { return vec![] };
    state.redraw = true;
    let ctrl_c =
        event.code == KeyCode::Char('c') && event.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl_c {
        return run(state, Action::Quit);
    }
    match overlay {
        Overlay::Help { scroll } => {
            state.overlay = match event.code {
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') | KeyCode::Enter => None,
                KeyCode::Down | KeyCode::Char('j') => {
                    Some(Overlay::Help { scroll: scroll.saturating_add(1) })
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    Some(Overlay::Help { scroll: scroll.saturating_sub(1) })
                }
                KeyCode::PageDown => Some(Overlay::Help { scroll: scroll.saturating_add(10) }),
                KeyCode::PageUp => Some(Overlay::Help { scroll: scroll.saturating_sub(10) }),
                KeyCode::Home => Some(Overlay::Help { scroll: 0 }),
                KeyCode::End => Some(Overlay::Help { scroll: u16::MAX }),
                _ => Some(Overlay::Help { scroll }),
            };
            // Never past the last line, so the way back up starts at once.
            let limit = crate::tui::view::overlays::help_scroll_limit(state);
            if let Some(Overlay::Help { scroll }) = &mut state.overlay {
                *scroll = (*scroll).min(limit);
            }
            vec![]
        }
        Overlay::Palette { mut query, mut selected } => match event.code {
            KeyCode::Esc => vec![],
            KeyCode::Enter => {
                let items = palette_items(state, &query);
                match items.get(selected) {
                    Some(action) => run(state, *action),
                    None => vec![],
                }
            }
            KeyCode::Up => {
                selected = selected.saturating_sub(1);
                state.overlay = Some(Overlay::Palette { query, selected });
                vec![]
            }
            KeyCode::Down => {
                let n = palette_items(state, &query).len();
                selected = (selected + 1).min(n.saturating_sub(1));
                state.overlay = Some(Overlay::Palette { query, selected });
                vec![]
            }
            KeyCode::Backspace => {
                query.pop();
                state.overlay = Some(Overlay::Palette { query, selected: 0 });
                vec![]
            }
            KeyCode::Char(c) if !c.is_control() && query.chars().count() < 64 => {
                query.push(c);
                state.overlay = Some(Overlay::Palette { query, selected: 0 });
                vec![]
            }
            _ => {
                state.overlay = Some(Overlay::Palette { query, selected });
                vec![]
            }
        },
        Overlay::Confirm(pending) => match event.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => match pending {
                Pending::Release { seat_id, label, .. } => {
                    state.busy = Some(format!("releasing {label}"));
                    vec![Effect::Release { seat_id, label }]
                }
                Pending::Window { window, change, undo, .. } => {
                    super::queues::confirmed(state, window, change, undo)
                }
                Pending::Withdraw { id, .. } => super::governance::confirmed_withdraw(state, id),
            },
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => vec![],
            _ => {
                state.overlay = Some(Overlay::Confirm(pending));
                vec![]
            }
        },
        Overlay::SeatDetail { seat_id, history } => {
            if !matches!(event.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
                state.overlay = Some(Overlay::SeatDetail { seat_id, history });
            }
            vec![]
        }
        Overlay::PickStaff { window, name, options, mut selected, open } => {
            match event.code {
                KeyCode::Esc => {}
                KeyCode::Up => {
                    selected = selected.saturating_sub(1);
                    state.overlay =
                        Some(Overlay::PickStaff { window, name, options, selected, open });
                }
                KeyCode::Down => {
                    selected = (selected + 1).min(options.len().saturating_sub(1));
                    state.overlay =
                        Some(Overlay::PickStaff { window, name, options, selected, open });
                }
                KeyCode::Enter => {
                    if let Some(login) = options.get(selected) {
                        let change = crate::domain::api::ServicePointChange {
                            open: open.then_some(true),
                            staff: Some(Some(login.clone())),
                        };
                        let summary = super::queues::describe(&name, &change);
                        let confirm = super::queues::pending(state, window, change, summary, false);
                        state.overlay = Some(Overlay::Confirm(confirm));
                    }
                }
                _ => {
                    state.overlay =
                        Some(Overlay::PickStaff { window, name, options, selected, open })
                }
            }
            vec![]
        }
        Overlay::AlertNote { id, action, mut note } => match event.code {
            KeyCode::Esc => vec![],
            KeyCode::Enter => super::alerts::submit(state, id, action, note),
            KeyCode::Backspace => {
                note.pop();
                state.overlay = Some(Overlay::AlertNote { id, action, note });
                vec![]
            }
            KeyCode::Char(c)
                if !c.is_control()
                    && !event.modifiers.contains(KeyModifiers::CONTROL)
                    && note.chars().count() < 200 =>
            {
                note.push(c);
                state.overlay = Some(Overlay::AlertNote { id, action, note });
                vec![]
            }
            _ => {
                state.overlay = Some(Overlay::AlertNote { id, action, note });
                vec![]
            }
        },
        Overlay::Vote(mut b) => match event.code {
            KeyCode::Esc => vec![],
            KeyCode::Enter => super::governance::submit_vote(state, b),
            _ => {
                if super::governance::edit_line(&mut b.reason, &event) {
                    b.problem = None;
                }
                state.overlay = Some(Overlay::Vote(b));
                vec![]
            }
        },
        Overlay::Verdict(mut b) => match event.code {
            KeyCode::Esc => vec![],
            KeyCode::Enter => super::governance::submit_verdict(state, b),
            _ => {
                if super::governance::edit_line(&mut b.note, &event) {
                    b.problem = None;
                }
                state.overlay = Some(Overlay::Verdict(b));
                vec![]
            }
        },
        Overlay::FileRequest(form) => super::governance::form_key(state, form, event),
        Overlay::Lookup(b) => super::patrons::box_key(state, b, event),
        Overlay::Find => {
            match event.code {
                KeyCode::Esc => {}
                KeyCode::Enter => seats::find(state),
                KeyCode::Char('k') => {
                    state.seats.find.next_kind();
                    state.overlay = Some(Overlay::Find);
                }
                KeyCode::Char('p') => {
                    state.seats.find.power = !state.seats.find.power;
                    state.overlay = Some(Overlay::Find);
                }
                KeyCode::Char('a') => {
                    state.seats.find.accessible = !state.seats.find.accessible;
                    state.overlay = Some(Overlay::Find);
                }
                _ => state.overlay = Some(Overlay::Find),
            }
            vec![]
        }
    }
}
