use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::tui::fixtures::{self, desk, stranger};
use crate::tui::state::{Focus, Pending};

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn press(state: &mut State, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| update(state, m)).collect()
}

#[test]
fn tabs_switch_and_load_what_they_show() {
    let mut s = fixtures::state((100, 30), desk());
    assert_eq!(press(&mut s, [key('6')]), vec![Effect::LoadSystem]);
    assert_eq!(s.tab, Tab::System);
    assert_eq!(press(&mut s, [code(KeyCode::Tab)]), vec![Effect::LoadSeats]);
    assert_eq!(s.tab, Tab::Seats);
    assert_eq!(press(&mut s, [code(KeyCode::Tab)]), vec![Effect::LoadQueues]);
    assert_eq!(press(&mut s, [key('2')]), vec![], "already there");
    assert_eq!(
        press(&mut s, [code(KeyCode::BackTab), code(KeyCode::BackTab)]),
        vec![Effect::LoadSeats, Effect::LoadSystem]
    );
    assert!(press(&mut s, [key('6')]).is_empty(), "already there");
    assert_eq!(
        press(&mut s, [Msg::DataChanged]),
        vec![Effect::LoadSystem, Effect::LoadGovernance],
        "a change reloads the visible tab, and what the Governance tab's badge counts"
    );
}

#[test]
fn floors_cycle_and_the_cursor_stays_on_the_floor() {
    let mut s = fixtures::state((100, 30), desk());
    press(&mut s, [key('>')]);
    assert_eq!(s.seats.floor, 1);
    press(&mut s, [key('>')]);
    assert_eq!(s.seats.floor, 0, "wraps around");
    press(&mut s, [key('<')]);
    assert_eq!(s.seats.floor, 1);
    let floor = seats::current_floor(&s).unwrap().clone();
    assert_eq!(s.seats.cursor, floor.min);
    for _ in 0..100 {
        press(&mut s, [key('l'), key('j')]);
    }
    assert_eq!(s.seats.cursor, floor.max, "the cursor stops at the floor's edge");
    press(&mut s, [code(KeyCode::Home)]);
    assert_eq!(s.seats.cursor.1, floor.min.1);
}

#[test]
fn enter_opens_the_seat_under_the_cursor_and_loads_its_history() {
    let mut s = fixtures::state((100, 30), desk());
    let floor = seats::current_floor(&s).unwrap().clone();
    s.seats.cursor = (floor.seats[3].x, floor.seats[3].y);
    let id = floor.seats[3].id.clone();
    assert_eq!(press(&mut s, [code(KeyCode::Enter)]), vec![Effect::LoadHistory(id.clone())]);
    assert!(
        matches!(&s.overlay, Some(Overlay::SeatDetail { seat_id, history: None }) if *seat_id == id)
    );
    press(&mut s, [Msg::HistoryLoaded { seat_id: id, history: vec![] }]);
    assert!(
        matches!(&s.overlay, Some(Overlay::SeatDetail { history: Some(h), .. }) if h.is_empty())
    );
    press(&mut s, [code(KeyCode::Esc)]);
    assert!(s.overlay.is_none());
}

#[test]
fn the_filter_narrows_the_ghost_list_and_esc_clears_it() {
    let mut s = fixtures::state((100, 30), desk());
    let all = seats::visible_ghosts(&s).len();
    assert!(all >= 4, "the fixtures have ghosts on both floors");
    press(&mut s, [key('/'), key('F'), key('l'), key('o'), key('o'), key('r'), key(' '), key('1')]);
    assert!(s.filter.editing);
    let narrowed = seats::visible_ghosts(&s);
    assert!(!narrowed.is_empty() && narrowed.len() < all);
    assert!(narrowed.iter().all(|g| g.floor == 1));
    press(&mut s, [code(KeyCode::Enter)]);
    assert!(!s.filter.editing);
    assert_eq!(s.filter.text, "Floor 1");
    let mut s = fixtures::state((100, 30), desk());
    press(&mut s, [key('/'), key('z'), key('z')]);
    assert_eq!(seats::visible_ghosts(&s).len(), 0);
    press(&mut s, [code(KeyCode::Esc)]);
    assert_eq!(s.filter.text, "");
    assert_eq!(seats::visible_ghosts(&s).len(), all);
}

#[test]
fn typing_q_into_the_filter_does_not_quit() {
    let mut s = fixtures::state((100, 30), desk());
    press(&mut s, [key('/'), key('q')]);
    assert!(!s.quit);
    assert_eq!(s.filter.text, "q");
    press(&mut s, [code(KeyCode::Enter), key('q')]);
    assert!(s.quit);
}

fn ghost_focus(s: &mut State) -> String {
    press(s, [key('g')]);
    assert_eq!(s.seats.focus, Focus::Ghosts);
    let g = seats::visible_ghosts(s)[0];
    s.seats.snapshot.as_ref().unwrap().seat(g).unwrap().id.clone()
}

#[test]
fn release_asks_first_and_sends_only_on_yes() {
    let mut s = fixtures::state((100, 30), desk());
    let id = ghost_focus(&mut s);
    assert!(press(&mut s, [key('r')]).is_empty(), "nothing is sent before confirming");
    assert!(
        matches!(&s.overlay, Some(Overlay::Confirm(Pending::Release { seat_id, ghost: true, .. })) if *seat_id == id)
    );
    let effects = press(&mut s, [key('y')]);
    assert!(matches!(&effects[..], [Effect::Release { seat_id, .. }] if *seat_id == id));
    assert!(s.busy.is_some());
    assert!(s.overlay.is_none());
    let after = press(&mut s, [Msg::ReleaseDone { label: "x".into(), result: Ok(()) }]);
    assert_eq!(after, vec![Effect::LoadSeats]);
    assert!(s.busy.is_none());
    assert!(s.toast.as_ref().unwrap().text.contains("released"));
}

#[test]
fn release_can_be_cancelled() {
    let mut s = fixtures::state((100, 30), desk());
    ghost_focus(&mut s);
    press(&mut s, [key('r')]);
    assert!(press(&mut s, [key('n')]).is_empty());
    assert!(s.overlay.is_none());
    press(&mut s, [key('r')]);
    assert!(press(&mut s, [code(KeyCode::Esc)]).is_empty());
    assert!(s.overlay.is_none() && s.busy.is_none());
}

#[test]
fn release_is_refused_when_read_only_or_without_the_desk_role() {
    for viewer in [stranger(), {
        let mut v = desk();
        v.grants = vec![crate::domain::staff::Grant {
            role: crate::domain::staff::Role::Sysadmin,
            party: None,
        }];
        v
    }] {
        let mut s = fixtures::state((100, 30), viewer);
        let id = ghost_focus(&mut s);
        let effects = press(&mut s, [key('r'), key('y')]);
        assert!(
            matches!(&effects[..], [Effect::Refused { object, .. }] if *object == format!("seat:{id}")),
            "only the refusal is sent, for the audit log: {effects:?}"
        );
        assert!(s.overlay.is_none());
        assert_eq!(s.toast.as_ref().unwrap().kind, ToastKind::Error);
    }
}

#[test]
fn a_seat_that_is_not_away_cannot_be_released() {
    let mut s = fixtures::state((100, 30), desk());
    let floor = seats::current_floor(&s).unwrap().clone();
    let free = floor
        .seats
        .iter()
        .find(|x| x.state == Some(crate::domain::layout::SeatState::Free))
        .unwrap();
    s.seats.cursor = (free.x, free.y);
    assert!(press(&mut s, [key('r')]).is_empty());
    assert!(s.overlay.is_none());
    assert!(s.toast.as_ref().unwrap().text.contains("only a seat whose patron is away"));
}

#[test]
fn find_jumps_to_a_matching_free_seat_and_n_moves_on() {
    let mut s = fixtures::state((100, 30), desk());
    press(&mut s, [key('f'), key('p'), key('a')]);
    assert_eq!(s.seats.find, FindCriteriaExt::power_accessible());
    press(&mut s, [code(KeyCode::Enter)]);
    assert!(s.overlay.is_none());
    assert!(!s.seats.matches.is_empty());
    let seat = seats::seat_at_cursor(&s).unwrap().1.clone();
    assert_eq!(seat.state, Some(crate::domain::layout::SeatState::Free));
    assert!(seat.power && seat.accessible);
    if s.seats.matches.len() > 1 {
        press(&mut s, [key('n')]);
        assert_eq!(s.seats.match_pos, 1);
        assert_ne!(seats::seat_at_cursor(&s).unwrap().1.id, seat.id);
    }
}

struct FindCriteriaExt;
impl FindCriteriaExt {
    fn power_accessible() -> crate::tui::state::FindCriteria {
        crate::tui::state::FindCriteria { kind: None, power: true, accessible: true }
    }
}

#[test]
fn the_palette_runs_an_action_by_fuzzy_name() {
    let mut s = fixtures::state((100, 30), desk());
    press(&mut s, [key(':'), key('s'), key('y'), key('s')]);
    let items = overlays::palette_items(&s, "sys");
    assert_eq!(items.first(), Some(&Action::TabSystem));
    assert_eq!(press(&mut s, [code(KeyCode::Enter)]), vec![Effect::LoadSystem]);
    assert_eq!(s.tab, Tab::System);
    assert!(s.overlay.is_none());
}

#[test]
fn help_opens_and_closes() {
    let mut s = fixtures::state((100, 30), desk());
    press(&mut s, [key('?')]);
    assert!(matches!(s.overlay, Some(Overlay::Help { .. })));
    press(&mut s, [code(KeyCode::Down)]);
    assert!(matches!(s.overlay, Some(Overlay::Help { scroll: 1 })));
    // End stops at the last line, and the way back up starts at once.
    let limit = crate::tui::view::overlays::help_scroll_limit(&s);
    assert!(limit > 10, "the keys are longer than a 30-row screen");
    press(&mut s, [code(KeyCode::End), code(KeyCode::Down), code(KeyCode::Down)]);
    assert!(matches!(s.overlay, Some(Overlay::Help { scroll }) if scroll == limit));
    press(&mut s, [code(KeyCode::Up)]);
    assert!(matches!(s.overlay, Some(Overlay::Help { scroll }) if scroll == limit - 1));
    press(&mut s, [code(KeyCode::Esc)]);
    assert!(s.overlay.is_none());
}

#[test]
fn an_unchanged_reload_does_not_redraw_and_the_clock_redraws_once_a_minute() {
    let mut s = fixtures::state((100, 30), desk());
    s.redraw = false;
    let snap = s.seats.snapshot.clone().unwrap();
    let health = s.health;
    press(&mut s, [Msg::SeatsLoaded(Box::new(snap), health, 0)]);
    assert!(!s.redraw, "same data, same health: nothing to draw");
    let t0 = fixtures::now();
    press(&mut s, [Msg::Tick(t0 + chrono::Duration::seconds(20))]);
    assert!(!s.redraw);
    press(&mut s, [Msg::Tick(t0 + chrono::Duration::seconds(61))]);
    assert!(s.redraw, "the minute changed");
}

#[test]
fn quit_and_terminate_end_the_console() {
    let mut s = fixtures::state((100, 30), desk());
    assert_eq!(press(&mut s, [key('q')]), vec![Effect::Quit]);
    let mut s = fixtures::state((100, 30), desk());
    assert_eq!(press(&mut s, [Msg::Terminate]), vec![Effect::Quit]);
    assert!(s.quit);
}

fn to_window(s: &mut State, id: &str) {
    press(s, [key('2')]);
    let i = queues::windows(s).iter().position(|w| w.point.id == id).unwrap();
    s.queues.sel = 0;
    for _ in 0..i {
        press(s, [key('j')]);
    }
    assert_eq!(queues::windows(s)[s.queues.sel].point.id, id);
}

#[test]
fn opening_a_closed_window_asks_who_then_confirms_then_sends() {
    let mut s = fixtures::state((100, 30), desk());
    to_window(&mut s, "circ-4");
    assert!(press(&mut s, [key('o')]).is_empty());
    let Some(Overlay::PickStaff { options, open: true, .. }) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(options, &vec!["kai".to_owned()], "only staff on duty and not at an open window");
    press(&mut s, [code(KeyCode::Enter)]);
    assert!(
        matches!(&s.overlay, Some(Overlay::Confirm(Pending::Window { summary, .. })) if summary == "open Circulation desk 4 with kai")
    );
    let effects = press(&mut s, [key('y')]);
    let expected = crate::domain::api::ServicePointChange {
        open: Some(true),
        staff: Some(Some("kai".into())),
    };
    assert!(
        matches!(&effects[..], [Effect::ChangeWindow { window, change, undo: false, .. }] if window == "circ-4" && *change == expected),
        "{effects:?}"
    );
    // The answer comes back with how the window was, so it can be undone.
    let was = crate::domain::api::ServicePointChange { open: Some(false), staff: Some(None) };
    let after = press(
        &mut s,
        [Msg::WindowChanged {
            window: "circ-4".into(),
            name: "Circulation desk 4".into(),
            result: Ok(was.clone()),
            undo: false,
        }],
    );
    assert_eq!(after, vec![Effect::LoadQueues]);
    assert_eq!(s.queues.undo, Some(("circ-4".into(), "Circulation desk 4".into(), was.clone())));
    press(&mut s, [key('u')]);
    let effects = press(&mut s, [key('y')]);
    assert!(
        matches!(&effects[..], [Effect::ChangeWindow { change, undo: true, .. }] if *change == was),
        "{effects:?}"
    );
    press(
        &mut s,
        [Msg::WindowChanged {
            window: "circ-4".into(),
            name: "Circulation desk 4".into(),
            result: Ok(expected),
            undo: true,
        }],
    );
    assert_eq!(s.queues.undo, None, "an undo is not itself undone");
}

#[test]
fn closing_the_only_open_window_of_a_service_says_it_closes_the_service() {
    let mut s = fixtures::state((100, 30), desk());
    to_window(&mut s, "enq-1");
    press(&mut s, [key('c')]);
    let Some(Overlay::Confirm(Pending::Window { warning, .. })) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(
        warning.as_deref(),
        Some(
            "Enquiries desk 1 is the only open window of enquiries: closing it closes the service."
        )
    );
    // Counted over the whole service, whatever the filter shows.
    press(&mut s, [key('n'), key('/'), key('r'), key('e'), key('t'), code(KeyCode::Enter)]);
    assert_eq!(queues::windows(&s).len(), 1);
    press(&mut s, [key('c')]);
    assert!(
        matches!(
            &s.overlay,
            Some(Overlay::Confirm(Pending::Window { warning: Some(w), .. })) if w.starts_with("Returns desk is the only open window of returns")
        ),
        "{:?} {:?}",
        s.overlay,
        s.toast
    );
    // An undo that would close the last open window says so too.
    press(&mut s, [key('n')]);
    s.queues.undo = Some((
        "ret-1".into(),
        "Returns desk".into(),
        crate::domain::api::ServicePointChange { open: Some(false), staff: None },
    ));
    press(&mut s, [key('u')]);
    assert!(matches!(
        &s.overlay,
        Some(Overlay::Confirm(Pending::Window { undo: true, warning: Some(_), .. }))
    ));
}

#[test]
fn closing_confirms_and_a_refusal_is_logged_not_sent() {
    let mut s = fixtures::state((100, 30), desk());
    to_window(&mut s, "circ-2");
    press(&mut s, [key('c')]);
    assert!(
        matches!(&s.overlay, Some(Overlay::Confirm(Pending::Window { summary, warning: None, .. })) if summary == "close Circulation desk 2"),
        "circulation keeps other windows open: {:?}",
        s.overlay
    );
    assert!(press(&mut s, [key('n')]).is_empty());
    let mut s = fixtures::state((100, 30), stranger());
    to_window(&mut s, "circ-2");
    let effects = press(&mut s, [key('c')]);
    assert!(
        matches!(&effects[..], [Effect::Refused { object, .. }] if object == "window:circ-2"),
        "{effects:?}"
    );
    assert!(s.overlay.is_none());
    let mut s = fixtures::state((100, 30), desk());
    press(&mut s, [key('2'), key('u')]);
    assert!(s.toast.as_ref().unwrap().text.contains("nothing to undo"));
}

mod alert_tab {
    use super::*;
    use crate::domain::alerts::{AlertAction, AlertState};

    fn on_alerts() -> State {
        let mut s = fixtures::state((100, 30), fixtures::auditor());
        s.tab = Tab::Alerts;
        s.alerts.sel = 0;
        s
    }

    #[test]
    fn moving_loads_the_selected_alerts_detail() {
        let mut s = on_alerts();
        assert_eq!(
            press(&mut s, [key('j')]),
            vec![Effect::LoadAlerts { filter: None, selected: Some(6) }]
        );
        assert_eq!(press(&mut s, [key('k'), key('k')]).len(), 1, "no move at the top, no load");
    }

    #[test]
    fn the_state_key_cycles_through_the_states() {
        let mut s = on_alerts();
        let mut seen = vec![];
        for _ in 0..5 {
            press(&mut s, [key('s')]);
            seen.push(s.alerts.state_filter);
        }
        assert_eq!(
            seen,
            [
                Some(AlertState::Open),
                Some(AlertState::Acknowledged),
                Some(AlertState::Escalated),
                Some(AlertState::Resolved),
                None
            ]
        );
    }

    #[test]
    fn acknowledging_asks_for_a_note_then_acts() {
        let mut s = on_alerts();
        assert!(press(&mut s, [key('a')]).is_empty());
        assert!(matches!(
            s.overlay,
            Some(Overlay::AlertNote { id: 7, action: AlertAction::Acknowledge, .. })
        ));
        let effects = press(&mut s, [key('o'), key('n'), code(KeyCode::Enter)]);
        assert_eq!(
            effects,
            vec![Effect::ActOnAlert { id: 7, action: AlertAction::Acknowledge, note: "on".into() }]
        );
        assert!(s.overlay.is_none());
        assert!(s.busy.is_some());
        let back = update(
            &mut s,
            Msg::AlertActed {
                id: 7,
                action: AlertAction::Acknowledge,
                result: Ok(AlertState::Acknowledged),
            },
        );
        assert!(back.contains(&Effect::CountAlerts));
        assert!(s.busy.is_none());
        assert!(s.toast.as_ref().is_some_and(|t| t.text.contains("now acknowledged")));
    }

    #[test]
    fn resolving_needs_a_note_and_esc_cancels() {
        let mut s = on_alerts();
        press(&mut s, [key('x')]);
        assert!(press(&mut s, [code(KeyCode::Enter)]).is_empty(), "no note, nothing done");
        assert!(matches!(s.overlay, Some(Overlay::AlertNote { .. })));
        assert!(press(&mut s, [code(KeyCode::Esc)]).is_empty());
        assert!(s.overlay.is_none());
    }

    #[test]
    fn steps_the_lifecycle_does_not_allow_are_not_offered() {
        let mut s = on_alerts();
        s.alerts.sel = 1; // acknowledged already
        assert!(press(&mut s, [key('a')]).is_empty());
        assert!(s.overlay.is_none());
        assert!(s.toast.as_ref().is_some_and(|t| t.text.contains("already acknowledged")));
        s.alerts.sel = 3; // escalated: the committee's
        let effects = press(&mut s, [key('x')]);
        assert!(matches!(effects.as_slice(), [Effect::Refused { .. }]), "{effects:?}");
    }

    #[test]
    fn the_desk_neither_loads_nor_acts_on_alerts() {
        let mut s = fixtures::state((100, 30), desk());
        assert!(press(&mut s, [key('3')]).is_empty());
        assert_eq!(s.tab, Tab::Alerts);
        assert!(press(&mut s, [key('a'), key('x'), key('e'), key('s')]).is_empty());
        assert!(s.overlay.is_none());
        assert_eq!(
            press(&mut s, [Msg::DataChanged]),
            vec![Effect::LoadGovernance],
            "no alert count for the desk, only the Governance tab's badge"
        );
    }
}

mod governance_tab;
mod patrons_tab;
