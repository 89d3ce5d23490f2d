//! The Patrons tab's behaviour: the lookup box (card and purpose), the lookup itself, then
//! the recommendations as an effect of their own, so the card and profile show at once while
//! the recommendation API is asked; clearing the patron on request, and after a while with no
//! key pressed.
//!
//! The desk service decides everything that matters: whether the viewer may look up, whether
//! the card is known, what the patron consented to. The console asks, shows the answers, and
//! names a typed card only by its last four characters.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Effect, toast};
use crate::domain::policy::Permission;
use crate::engine::desk::Served;
use crate::services::desk::{Gate, Lookup};
use crate::tui::keymap::Action;
use crate::tui::lookup::{CardText, LookupBox, LookupField};
use crate::tui::state::{Overlay, PatronRecs, PatronShown, State, ToastKind};

/// How long a patron stays on screen with no key pressed. The desk's screen faces the public
/// and is left unattended between patrons: five minutes outlasts a conversation at the desk
/// with its pauses, and keeps a patron's card and profile from waiting for whoever comes next.
pub const IDLE_CLEAR: Duration = Duration::minutes(5);

/// Whether the viewer may look patrons up at all.
pub fn may(state: &State) -> bool {
    state.viewer.may(Permission::LookupPatron)
}

pub fn run(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::LookUp => open(state),
        Action::LookUpAgain => again(state),
        Action::Select if state.patrons.shown.is_some() => {
            state.patrons.full = true;
            state.patrons.scroll = 0;
            vec![]
        }
        Action::Back => {
            state.patrons.full = false;
            state.patrons.scroll = 0;
            vec![]
        }
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom
            if state.patrons.full =>
        {
            scroll(state, action);
            vec![]
        }
        Action::ClearPatron => {
            let was_shown = state.patrons.shown.is_some();
            // Also drops a lookup under way: its answer will not be shown.
            clear(state);
            if was_shown {
                toast(state, "patron cleared from the screen".into(), ToastKind::Info);
            }
            vec![]
        }
        _ => vec![],
    }
}

fn open(state: &mut State) -> Vec<Effect> {
    if !may(state) {
        return super::governance::refuse(state, Permission::LookupPatron, "patrons".into());
    }
    if let Some(why) = state.patrons.unavailable.clone() {
        toast(state, why, ToastKind::Error);
        return vec![];
    }
    if state.busy.is_some() {
        toast(state, "wait: the last action is still under way".into(), ToastKind::Info);
        return vec![];
    }
    state.overlay = Some(Overlay::Lookup(LookupBox::default()));
    vec![]
}

/// Scrolls the patron's whole page, within it.
fn scroll(state: &mut State, action: Action) {
    let limit = crate::tui::view::patron_scroll_limit(state);
    let page = crate::tui::view::patron_page_rows(state).saturating_sub(1).max(1);
    let at = state.patrons.scroll;
    state.patrons.scroll = match action {
        Action::Up => at.saturating_sub(1),
        Action::Down => at + 1,
        Action::PageUp => at.saturating_sub(page),
        Action::PageDown => at + page,
        Action::Top => 0,
        _ => limit,
    }
    .min(limit);
}

/// On a demo database, until a card to suggest is found: the effect that looks for one.
pub fn find_demo_card(state: &State) -> Option<Effect> {
    let p = &state.patrons;
    (p.demo && p.demo_card.is_none() && p.unavailable.is_none() && may(state))
        .then_some(Effect::FindDemoCard)
}

/// Keys in the lookup box: typing fills the focused line, Tab (or ↑↓) moves between the card
/// and the purpose, space or ←/→ picks the purpose, Enter looks up, Esc cancels. While the
/// lookup is under way only Esc does anything: it closes the box and drops the answer.
pub fn box_key(state: &mut State, mut b: LookupBox, event: KeyEvent) -> Vec<Effect> {
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    if b.waiting {
        if event.code == KeyCode::Esc {
            // The read goes ahead (and is logged); its answer is not shown.
            state.patrons.seq += 1;
        } else {
            state.overlay = Some(Overlay::Lookup(b));
        }
        return vec![];
    }
    match event.code {
        KeyCode::Esc => return vec![],
        KeyCode::Enter => return submit(state, b),
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => b.step(),
        KeyCode::Left | KeyCode::Right if b.focus == LookupField::Purpose => {
            b.cycle(event.code == KeyCode::Right)
        }
        KeyCode::Backspace => b.backspace(),
        KeyCode::Char(c) if !ctrl && !c.is_control() => b.type_char(c),
        _ => {}
    }
    state.overlay = Some(Overlay::Lookup(b));
    vec![]
}

/// Enter in the box: the lookup starts and the box waits for its answer. The patron on
/// screen stays until another is found: a card the directory does not hold is answered in
/// the box, with the card as typed, and takes nothing off the screen.
fn submit(state: &mut State, mut b: LookupBox) -> Vec<Effect> {
    match b.build() {
        Ok((card, purpose)) => {
            b.problem = None;
            b.waiting = true;
            state.overlay = Some(Overlay::Lookup(b));
            look_up(state, card, purpose)
        }
        Err((field, problem)) => {
            b.focus = field;
            b.problem = Some(problem);
            state.overlay = Some(Overlay::Lookup(b));
            vec![]
        }
    }
}

/// Starts a lookup; its answer replaces the patron on screen.
fn look_up(state: &mut State, card: CardText, purpose: String) -> Vec<Effect> {
    state.patrons.seq += 1;
    state.busy = Some(format!("looking up card {} for {purpose}", card.masked()));
    state.redraw = true;
    vec![Effect::LookUp { seq: state.patrons.seq, card, purpose }]
}

/// Looks the patron on screen up again, for the same purpose: consent changed since the last
/// lookup shows now. Another audited read, so only on request.
pub fn again(state: &mut State) -> Vec<Effect> {
    let Some(shown) = &state.patrons.shown else {
        toast(state, "no patron on screen to look up again".into(), ToastKind::Info);
        return vec![];
    };
    if state.busy.is_some() {
        toast(state, "wait: the last action is still under way".into(), ToastKind::Info);
        return vec![];
    }
    let (card, purpose) = (CardText::new(shown.lookup.patron.card.clone()), shown.purpose.clone());
    // The patron goes while they are read again, so a lookup that fails never leaves what
    // was read before looking like the answer (consent may have been withdrawn meanwhile).
    state.patrons.shown = None;
    state.patrons.full = false;
    look_up(state, card, purpose)
}

/// The lookup came back. With consent to recommendations they are fetched next; without it
/// they are withheld and the refusal logged, and nothing is fetched.
pub fn looked_up(
    state: &mut State,
    seq: u64,
    purpose: String,
    result: Result<Box<Lookup>, String>,
) -> Vec<Effect> {
    // One lookup runs at a time (the busy mark holds others back), so this is its answer.
    state.busy = None;
    state.redraw = true;
    if seq != state.patrons.seq {
        // Cleared while it was read.
        return vec![];
    }
    let waiting_box = match &mut state.overlay {
        Some(Overlay::Lookup(b)) if b.waiting => Some(b),
        _ => None,
    };
    let lookup = match result {
        Ok(l) => *l,
        Err(e) => {
            // In the box, beside the card as typed, when the lookup came from it.
            match waiting_box {
                Some(b) => {
                    b.waiting = false;
                    b.focus = LookupField::Card;
                    b.problem = Some(e);
                }
                None => toast(state, e, ToastKind::Error),
            }
            return vec![];
        }
    };
    if waiting_box.is_some() {
        state.overlay = None;
    }
    let pseudonym = lookup.pseudonym.clone();
    let (recs, next) = match &lookup.recommendations_gate {
        Gate::Refused { reason } => {
            (PatronRecs::Withheld(reason.clone()), Effect::RecordWithheld { pseudonym })
        }
        Gate::Allowed | Gate::Flagged => (PatronRecs::Asking, Effect::Recommend { seq, pseudonym }),
    };
    state.patrons.shown = Some(Box::new(PatronShown { lookup, purpose, at: state.wall, recs }));
    state.patrons.full = false;
    state.patrons.scroll = 0;
    vec![next]
}

/// The recommendations came back, served under the gate that applied when they were.
pub fn recommended(
    state: &mut State,
    seq: u64,
    result: Result<(Box<Served>, Gate), String>,
) -> Vec<Effect> {
    let current = seq == state.patrons.seq;
    let Some(shown) = state.patrons.shown.as_mut().filter(|_| current) else { return vec![] };
    shown.recs = match result {
        Ok((_, Gate::Refused { reason })) => PatronRecs::Withheld(reason),
        Ok((served, gate)) => PatronRecs::Shown { served, flagged: gate == Gate::Flagged },
        Err(e) => PatronRecs::Failed(e),
    };
    state.redraw = true;
    vec![]
}

/// Takes the patron off the screen; answers still on their way are dropped.
pub fn clear(state: &mut State) {
    state.patrons.seq += 1;
    state.patrons.shown = None;
    state.patrons.full = false;
    state.patrons.scroll = 0;
    state.redraw = true;
}

/// Once a second: after [`IDLE_CLEAR`] without a key, the patron (and a half-typed card) goes.
pub fn idle(state: &mut State) {
    if state.wall - state.patrons.last_key < IDLE_CLEAR {
        return;
    }
    let typing = matches!(state.overlay, Some(Overlay::Lookup(_)));
    if state.patrons.shown.is_none() && !typing {
        return;
    }
    if typing {
        state.overlay = None;
    }
    clear(state);
    toast(
        state,
        format!(
            "patron cleared from the screen after {} minutes without a key",
            IDLE_CLEAR.num_minutes()
        ),
        ToastKind::Info,
    );
}
