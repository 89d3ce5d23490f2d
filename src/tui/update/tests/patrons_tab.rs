//! The Patrons tab's behaviour: the lookup box, the lookup and then the recommendations as
//! effects, consent gates, the fallback, clearing by key and by time, refusals, and answers
//! that arrive after the patron was cleared.

use chrono::Duration;

use super::*;
use crate::services::desk::Gate;
use crate::tui::fixtures::{PATRON_CARD, api_recommendations, fallback_recommendations};
use crate::tui::lookup::{CardText, LookupField, LookupPurpose};
use crate::tui::state::PatronRecs;

fn on_patrons() -> State {
    let mut s = fixtures::state((100, 30), desk());
    assert!(press(&mut s, [key('5')]).is_empty(), "the tab reads nothing by itself");
    assert_eq!(s.tab, Tab::Patrons);
    s
}

fn typed(s: &mut State, text: &str) -> Vec<Effect> {
    press(s, text.chars().map(key))
}

/// Looks the fixture patron up through the box and answers with `lookup`; returns the effects
/// of the answer.
fn looked_up(s: &mut State, lookup: crate::services::desk::Lookup) -> Vec<Effect> {
    press(s, [key('l')]);
    typed(s, PATRON_CARD);
    let effects = press(s, [code(KeyCode::Enter)]);
    let [Effect::LookUp { seq, .. }] = effects.as_slice() else { panic!("{effects:?}") };
    let seq = *seq;
    press(s, [Msg::LookedUp { seq, purpose: "circulation".into(), result: Ok(Box::new(lookup)) }])
}

#[test]
fn l_opens_the_box_esc_cancels_and_enter_looks_up_with_card_and_purpose() {
    let mut s = on_patrons();
    assert!(press(&mut s, [key('l')]).is_empty());
    assert!(matches!(&s.overlay, Some(Overlay::Lookup(b)) if b.focus == LookupField::Card));
    typed(&mut s, "2900");
    assert!(press(&mut s, [code(KeyCode::Esc)]).is_empty());
    assert!(s.overlay.is_none() && s.busy.is_none(), "esc cancels without looking up");

    press(&mut s, [key('/')]);
    assert!(
        matches!(&s.overlay, Some(Overlay::Lookup(b)) if b.card.is_empty()),
        "/ opens a new, empty box too: there is no list to filter"
    );
    assert!(!s.filter.editing);
    typed(&mut s, PATRON_CARD);
    let effects = press(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(
        effects,
        vec![Effect::LookUp {
            seq: 1,
            card: CardText::new(PATRON_CARD),
            purpose: "circulation".into()
        }]
    );
    assert!(
        matches!(&s.overlay, Some(Overlay::Lookup(b)) if b.waiting),
        "the box waits for the answer"
    );
    let busy = s.busy.clone().unwrap();
    assert_eq!(busy, "looking up card …5341 for circulation");
    assert!(!format!("{effects:?}").contains(PATRON_CARD), "the card stays out of logs");
}

#[test]
fn the_purpose_is_picked_from_the_list_or_a_request_by_number() {
    let mut s = on_patrons();
    press(&mut s, [key('l')]);
    typed(&mut s, PATRON_CARD);
    press(&mut s, [code(KeyCode::Tab), code(KeyCode::Right)]);
    assert!(matches!(&s.overlay, Some(Overlay::Lookup(b)) if b.purpose == LookupPurpose::Account));
    press(&mut s, [key(' ')]);
    // A request needs its number before enter takes it.
    assert!(press(&mut s, [code(KeyCode::Enter)]).is_empty());
    assert!(
        matches!(&s.overlay, Some(Overlay::Lookup(b)) if b.problem.is_some()),
        "the box stays open and says what is missing"
    );
    typed(&mut s, "12");
    let effects = press(&mut s, [code(KeyCode::Enter)]);
    assert!(
        matches!(&effects[..], [Effect::LookUp { purpose, .. }] if purpose == "request:12"),
        "{effects:?}"
    );
    // An empty card goes back to its line.
    press(
        &mut s,
        [Msg::LookedUp { seq: 1, purpose: "request:12".into(), result: Err("x".into()) }],
    );
    press(&mut s, [code(KeyCode::Esc), key('l'), code(KeyCode::Enter)]);
    assert!(
        matches!(&s.overlay, Some(Overlay::Lookup(b)) if b.focus == LookupField::Card && b.problem.is_some())
    );
}

#[test]
fn a_lookup_with_consent_shows_at_once_and_fetches_recommendations_as_its_own_effect() {
    let mut s = on_patrons();
    let lookup = fixtures::patron_lookup(true);
    let pseudonym = lookup.pseudonym.clone();
    let effects = looked_up(&mut s, lookup);
    assert_eq!(effects, vec![Effect::Recommend { seq: 1, pseudonym }]);
    assert!(s.busy.is_none(), "the console is free while the API is asked");
    let shown = s.patrons.shown.as_ref().unwrap();
    assert_eq!(shown.recs, PatronRecs::Asking);
    assert_eq!(shown.lookup.profile.len(), 6, "the profile shows before the recommendations");
    assert_eq!(shown.purpose, "circulation");

    let served = Box::new(api_recommendations());
    press(&mut s, [Msg::Recommended { seq: 1, result: Ok((served.clone(), Gate::Allowed)) }]);
    let recs = &s.patrons.shown.as_ref().unwrap().recs;
    assert_eq!(recs, &PatronRecs::Shown { served, flagged: false });
}

#[test]
fn withheld_for_consent_nothing_is_fetched_and_the_refusal_is_logged() {
    let mut s = on_patrons();
    let lookup = fixtures::patron_lookup(false);
    let pseudonym = lookup.pseudonym.clone();
    let effects = looked_up(&mut s, lookup);
    assert_eq!(effects, vec![Effect::RecordWithheld { pseudonym }], "no Recommend effect");
    let shown = s.patrons.shown.as_ref().unwrap();
    assert_eq!(
        shown.recs,
        PatronRecs::Withheld("the patron withdrew consent to recommendations".into())
    );
    assert!(shown.lookup.profile.is_empty());
}

#[test]
fn the_fallback_keeps_its_reason_and_a_refusal_at_serving_withholds_them() {
    let mut s = on_patrons();
    looked_up(&mut s, fixtures::patron_lookup(true));
    let served = Box::new(fallback_recommendations());
    press(&mut s, [Msg::Recommended { seq: 1, result: Ok((served, Gate::Flagged)) }]);
    match &s.patrons.shown.as_ref().unwrap().recs {
        PatronRecs::Shown { served, flagged } => {
            assert!(served.is_fallback() && *flagged);
            assert!(served.fallback_reason.as_deref().unwrap().contains("503"));
        }
        other => panic!("{other:?}"),
    }

    // Consent withdrawn between the lookup and the serving: the service refuses, nothing shows.
    press(&mut s, [Msg::LookedUp { seq: 1, purpose: "x".into(), result: Err("y".into()) }]);
    looked_up(&mut s, fixtures::patron_lookup(true));
    let refused = Gate::Refused { reason: "the patron withdrew consent to recommendations".into() };
    let served = Box::new(api_recommendations());
    press(&mut s, [Msg::Recommended { seq: 2, result: Ok((served, refused)) }]);
    assert!(matches!(
        &s.patrons.shown.as_ref().unwrap().recs,
        PatronRecs::Withheld(r) if r.contains("withdrew")
    ));
}

#[test]
fn c_clears_the_patron_and_late_answers_are_dropped() {
    let mut s = on_patrons();
    looked_up(&mut s, fixtures::patron_lookup(true));
    assert!(press(&mut s, [key('c')]).is_empty());
    assert!(s.patrons.shown.is_none());
    assert_eq!(s.toast.as_ref().unwrap().text, "patron cleared from the screen");
    let served = Box::new(api_recommendations());
    press(&mut s, [Msg::Recommended { seq: 1, result: Ok((served, Gate::Allowed)) }]);
    assert!(s.patrons.shown.is_none(), "recommendations for a cleared patron do not bring it back");

    // Given up while the lookup itself was under way: only esc is taken while the box waits,
    // and the answer is dropped when it comes.
    press(&mut s, [key('l')]);
    typed(&mut s, PATRON_CARD);
    let effects = press(&mut s, [code(KeyCode::Enter)]);
    let [Effect::LookUp { seq, .. }] = effects.as_slice() else { panic!("{effects:?}") };
    let seq = *seq;
    press(&mut s, [key('c')]);
    assert!(matches!(&s.overlay, Some(Overlay::Lookup(b)) if b.waiting), "c is not typed");
    press(&mut s, [code(KeyCode::Esc)]);
    assert!(s.overlay.is_none() && s.busy.is_some(), "the read goes on until it is answered");
    assert!(press(&mut s, [key('l')]).is_empty() && s.overlay.is_none(), "one lookup at a time");
    let result = Ok(Box::new(fixtures::patron_lookup(true)));
    let effects = press(&mut s, [Msg::LookedUp { seq, purpose: "circulation".into(), result }]);
    assert!(effects.is_empty() && s.patrons.shown.is_none() && s.busy.is_none());
}

#[test]
fn the_patron_goes_after_five_minutes_without_a_key() {
    let mut s = on_patrons();
    looked_up(&mut s, fixtures::patron_lookup(true));
    let t0 = s.wall;
    press(&mut s, [Msg::Tick(t0 + Duration::minutes(4))]);
    assert!(s.patrons.shown.is_some());
    press(&mut s, [Msg::Tick(t0 + Duration::minutes(4)), key('1')]);
    press(&mut s, [Msg::Tick(t0 + Duration::minutes(8))]);
    assert!(s.patrons.shown.is_some(), "a key four minutes in starts the wait again");
    press(&mut s, [Msg::Tick(t0 + Duration::minutes(9))]);
    assert!(s.patrons.shown.is_none(), "cleared whichever tab is shown");
    assert!(s.toast.as_ref().unwrap().text.contains("after 5 minutes without a key"));

    // A card half typed into the box goes too.
    press(&mut s, [key('5'), key('l')]);
    typed(&mut s, "2900");
    let later = s.wall + Duration::minutes(6);
    press(&mut s, [Msg::Tick(later)]);
    assert!(s.overlay.is_none());
}

#[test]
fn shift_l_looks_the_same_patron_up_again_and_ctrl_r_and_data_changes_do_not() {
    let mut s = on_patrons();
    assert!(press(&mut s, [key('L')]).is_empty(), "no patron to look up again");
    assert_eq!(s.toast.as_ref().unwrap().text, "no patron on screen to look up again");
    looked_up(&mut s, fixtures::patron_lookup(true));
    assert!(press(&mut s, [Msg::DataChanged]).iter().all(|e| !matches!(e, Effect::LookUp { .. })));
    // ctrl-r reloads, as on every tab; here there is nothing to reload, and it says so.
    let ctrl_r = Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert!(press(&mut s, [ctrl_r]).is_empty());
    assert!(s.patrons.shown.is_some());
    let told = &s.toast.as_ref().unwrap().text;
    assert!(told.contains("nothing to reload") && told.contains("L looks the patron up again"));
    let shift_l = Msg::Key(KeyEvent::new(KeyCode::Char('L'), KeyModifiers::SHIFT));
    let effects = press(&mut s, [shift_l]);
    assert_eq!(
        effects,
        vec![Effect::LookUp {
            seq: 2,
            card: CardText::new(PATRON_CARD),
            purpose: "circulation".into()
        }]
    );
    assert!(s.patrons.shown.is_none(), "the old answer goes while the new one is read");
    assert!(s.overlay.is_none(), "no box: the same card and purpose");
}

#[test]
fn an_unknown_card_is_answered_in_the_box_and_the_patron_on_screen_stays() {
    let mut s = on_patrons();
    looked_up(&mut s, fixtures::patron_lookup(true));
    let before = s.patrons.shown.clone();
    press(&mut s, [key('l')]);
    typed(&mut s, "2900 0000 0000");
    let effects = press(&mut s, [code(KeyCode::Enter)]);
    let [Effect::LookUp { seq, .. }] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(s.patrons.shown, before, "the patron stays while the new card is read");
    let result = Err("no patron with that card".into());
    press(&mut s, [Msg::LookedUp { seq: *seq, purpose: "circulation".into(), result }]);
    let Some(Overlay::Lookup(b)) = &s.overlay else {
        panic!("the box stays open: {:?}", s.overlay)
    };
    assert_eq!(b.card.expose(), "2900 0000 0000", "with the card as typed");
    assert_eq!(b.problem.as_deref(), Some("no patron with that card"));
    assert!(!b.waiting && b.focus == LookupField::Card);
    assert_eq!(s.patrons.shown, before, "and the patron that was on screen");
    assert!(s.busy.is_none() && s.toast.is_none());

    // Corrected in the box, the next lookup replaces the patron and closes it.
    press(&mut s, [code(KeyCode::Backspace)]);
    typed(&mut s, "1");
    assert!(matches!(&s.overlay, Some(Overlay::Lookup(b)) if b.problem.is_none()));
    let effects = press(&mut s, [code(KeyCode::Enter)]);
    let [Effect::LookUp { seq, card, .. }] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(card.expose(), "2900 0000 0001");
    let mut other = fixtures::patron_lookup(false);
    other.patron.name = "Someone Else".into();
    let result = Ok(Box::new(other));
    press(&mut s, [Msg::LookedUp { seq: *seq, purpose: "circulation".into(), result }]);
    assert!(s.overlay.is_none());
    assert_eq!(s.patrons.shown.as_ref().unwrap().lookup.patron.name, "Someone Else");
}

#[test]
fn others_are_refused_and_the_attempt_logged() {
    for viewer in [fixtures::auditor(), stranger()] {
        let mut s = fixtures::state((100, 30), viewer);
        press(&mut s, [key('5')]);
        let effects = press(&mut s, [key('l')]);
        assert_eq!(
            effects,
            vec![Effect::Refused {
                permission: crate::domain::policy::Permission::LookupPatron,
                object: "patrons".into()
            }]
        );
        assert!(s.overlay.is_none());
    }
}

#[test]
fn without_the_key_file_the_box_does_not_open_and_says_why() {
    let mut s = on_patrons();
    s.patrons.unavailable = Some("patron lookup is unavailable: no key file".into());
    assert!(press(&mut s, [key('l')]).is_empty());
    assert!(s.overlay.is_none());
    assert!(s.toast.as_ref().unwrap().text.contains("no key file"));
}

#[test]
fn l_looks_up_on_the_patrons_tab_and_moves_right_elsewhere() {
    let mut s = on_patrons();
    assert!(!applies(&s, crate::tui::keymap::Action::Right));
    press(&mut s, [key('1')]);
    let before = s.seats.cursor;
    press(&mut s, [key('l')]);
    assert!(s.overlay.is_none());
    assert_ne!(s.seats.cursor, before, "l still moves the map cursor on the Seats tab");
}

#[test]
fn enter_shows_the_whole_page_which_scrolls_within_itself_and_esc_goes_back() {
    let mut s = on_patrons();
    s.size = (80, 24);
    assert!(press(&mut s, [code(KeyCode::Enter)]).is_empty());
    assert!(!s.patrons.full, "no patron, no page");
    looked_up(&mut s, fixtures::patron_lookup(true));
    let served = Box::new(api_recommendations());
    press(&mut s, [Msg::Recommended { seq: 1, result: Ok((served, Gate::Allowed)) }]);
    press(&mut s, [key('j')]);
    assert!(!s.patrons.full && s.patrons.scroll == 0, "the summary does not scroll");

    press(&mut s, [code(KeyCode::Enter)]);
    assert!(s.patrons.full);
    let limit = crate::tui::view::patron_scroll_limit(&s);
    assert!(limit > 0, "the whole page is longer than 80x24");
    press(&mut s, [key('j'), code(KeyCode::Down)]);
    assert_eq!(s.patrons.scroll, 2);
    press(&mut s, [key('k')]);
    assert_eq!(s.patrons.scroll, 1);
    press(&mut s, [code(KeyCode::End)]);
    assert_eq!(s.patrons.scroll, limit);
    press(&mut s, [code(KeyCode::PageDown), key('j')]);
    assert_eq!(s.patrons.scroll, limit, "no further than the end");
    press(&mut s, [code(KeyCode::Home)]);
    assert_eq!(s.patrons.scroll, 0);
    press(&mut s, [key('l')]);
    assert!(matches!(s.overlay, Some(Overlay::Lookup(_))), "l still looks up, not right");
    press(&mut s, [code(KeyCode::Esc), code(KeyCode::Esc)]);
    assert!(!s.patrons.full && s.overlay.is_none(), "esc closes the box, then the page");

    // A new patron starts on the summary, at the top.
    press(&mut s, [code(KeyCode::Enter), code(KeyCode::End)]);
    looked_up(&mut s, fixtures::patron_lookup(false));
    assert!(!s.patrons.full && s.patrons.scroll == 0);
}
