//! The Governance tab's behaviour: views, votes with reasons, the filing form, review
//! verdicts, refusals, and a selection that stays on its request across reloads.

use super::*;
use crate::domain::governance::{LegalBasis, Scope, Verdict};
use crate::domain::policy::Permission;
use crate::tui::form::Field;
use crate::tui::state::{GovRow, GovView, VerdictBox, VoteBox};

fn on_governance(viewer: crate::tui::state::Viewer) -> State {
    let mut s = fixtures::state((100, 30), viewer);
    assert_eq!(press(&mut s, [key('4')]), vec![Effect::LoadGovernance]);
    s
}

fn typed(s: &mut State, text: &str) -> Vec<Effect> {
    press(s, text.chars().map(key))
}

fn select(s: &mut State, view: GovView, row: GovRow) {
    s.governance.view = view;
    s.governance.sel[view.index()].row = Some(row);
    governance::clamp(s);
    assert_eq!(governance::selected(s), Some(row));
}

#[test]
fn v_cycles_through_the_views_the_viewer_has() {
    let mut s = on_governance(fixtures::committee());
    assert_eq!(s.governance.view, GovView::Mine, "a committee member starts on the queue");
    let mut seen = vec![];
    for _ in 0..4 {
        assert!(press(&mut s, [key('v')]).is_empty());
        seen.push(s.governance.view);
    }
    assert_eq!(seen, [GovView::Requests, GovView::Review, GovView::Ledger, GovView::Mine]);

    let mut s = on_governance(desk());
    assert_eq!(s.governance.view, GovView::Requests, "the desk neither votes nor reviews");
    press(&mut s, [key('v')]);
    assert_eq!(s.governance.view, GovView::Ledger);
    press(&mut s, [key('v')]);
    assert_eq!(s.governance.view, GovView::Requests);
}

#[test]
fn the_tab_reloads_on_changes_and_on_the_minute_and_the_badge_everywhere() {
    let mut s = on_governance(fixtures::committee());
    assert_eq!(
        press(&mut s, [Msg::DataChanged]),
        vec![Effect::LoadGovernance, Effect::CountAlerts]
    );
    let t0 = fixtures::now();
    assert!(press(&mut s, [Msg::Tick(t0 + chrono::Duration::seconds(30))]).is_empty());
    assert_eq!(
        press(&mut s, [Msg::Tick(t0 + chrono::Duration::seconds(61))]),
        vec![Effect::LoadGovernance],
        "requests expire with the clock alone"
    );
    press(&mut s, [key('1')]);
    let effects = press(&mut s, [Msg::DataChanged]);
    assert!(effects.contains(&Effect::LoadGovernance), "for the badge: {effects:?}");
    let mut s = fixtures::state((100, 30), stranger());
    assert!(press(&mut s, [key('4')]).is_empty(), "nothing is read for a stranger");
    assert!(press(&mut s, [Msg::DataChanged]).is_empty());
}

#[test]
fn approving_opens_the_box_esc_cancels_and_enter_sends_the_vote() {
    let mut s = on_governance(fixtures::committee());
    assert_eq!(governance::selected(&s), Some(GovRow::Request(6)));
    assert!(press(&mut s, [key('a')]).is_empty());
    assert!(matches!(&s.overlay, Some(Overlay::Vote(VoteBox { id: 6, approve: true, .. }))));
    assert!(press(&mut s, [code(KeyCode::Esc)]).is_empty());
    assert!(s.overlay.is_none() && s.busy.is_none());

    press(&mut s, [key('a')]);
    typed(&mut s, "fine by us");
    let effects = press(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(effects, vec![Effect::Vote { id: 6, approve: true, reason: "fine by us".into() }]);
    assert!(s.overlay.is_none());
    assert!(s.busy.is_some());
    assert!(press(&mut s, [key('a')]).is_empty(), "one action at a time");
    assert!(s.overlay.is_none());

    let refusal = "request 6: uma has already voted on this request".to_owned();
    let back = press(&mut s, [Msg::Voted { id: 6, approve: true, result: Err(refusal.clone()) }]);
    assert_eq!(back, vec![Effect::LoadGovernance]);
    assert!(s.busy.is_none());
    let toast = s.toast.clone().unwrap();
    assert_eq!((toast.text, toast.kind), (refusal, ToastKind::Error), "the service's words");

    press(
        &mut s,
        [Msg::Voted {
            id: 6,
            approve: true,
            result: Ok(Some(crate::domain::quorum::RequestState::Approved)),
        }],
    );
    assert!(s.toast.as_ref().unwrap().text.contains("decided it: approved"));
}

#[test]
fn a_deny_without_a_reason_is_refused_in_the_box() {
    let mut s = on_governance(fixtures::committee());
    press(&mut s, [key('d')]);
    assert!(press(&mut s, [code(KeyCode::Enter)]).is_empty(), "nothing is sent");
    let Some(Overlay::Vote(b)) = &s.overlay else { panic!("{:?}", s.overlay) };
    assert_eq!(b.problem.as_deref(), Some("a deny needs a reason"));
    typed(&mut s, "  ");
    assert!(press(&mut s, [code(KeyCode::Enter)]).is_empty(), "blanks are no reason");
    typed(&mut s, "not minimum necessary");
    let effects = press(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(
        effects,
        vec![Effect::Vote { id: 6, approve: false, reason: "not minimum necessary".into() }]
    );
}

#[test]
fn those_who_may_not_vote_are_refused_and_the_attempt_logged() {
    let mut s = on_governance(desk());
    select(&mut s, GovView::Requests, GovRow::Request(7));
    let effects = press(&mut s, [key('a')]);
    assert_eq!(
        effects,
        vec![Effect::Refused { permission: Permission::VoteRequest, object: "request:7".into() }]
    );
    assert!(s.overlay.is_none());
    let toast = s.toast.clone().unwrap();
    assert_eq!(toast.kind, ToastKind::Error);
    assert!(toast.text.contains("needs the committee role"), "{}", toast.text);
    assert!(matches!(&press(&mut s, [key('y')])[..], [Effect::Refused { .. }]));

    let mut s = fixtures::state((100, 30), stranger());
    press(&mut s, [key('4')]);
    for k in ['a', 'd', 'n', 'w', 'y', 'x'] {
        let effects = press(&mut s, [key(k)]);
        assert!(matches!(&effects[..], [Effect::Refused { .. }]), "{k}: {effects:?}");
        assert!(s.overlay.is_none());
    }
}

#[test]
fn the_form_shows_the_first_problem_and_files_once_it_is_right() {
    let mut s = on_governance(desk());
    assert!(press(&mut s, [key('n')]).is_empty());
    assert!(matches!(s.overlay, Some(Overlay::FileRequest(_))));
    typed(&mut s, "Loan counts");
    press(&mut s, [code(KeyCode::Tab)]);
    typed(&mut s, "Collection planning");
    press(&mut s, [code(KeyCode::Tab)]);
    typed(&mut s, "loans");
    // Straight to the last field and enter: the missing fields are named.
    press(&mut s, (0..6).map(|_| code(KeyCode::Tab)));
    let Some(Overlay::FileRequest(f)) = &s.overlay else { panic!() };
    assert_eq!(f.focus, Field::Expiry);
    assert!(press(&mut s, [code(KeyCode::Enter)]).is_empty());
    let Some(Overlay::FileRequest(f)) = &s.overlay else { panic!("the form stays") };
    assert_eq!(f.focus, Field::Fields, "the focus goes to the field at fault");
    assert!(f.problem.as_deref().unwrap().starts_with("fields: name the fields"));
    typed(&mut s, "subject");
    // Row-level: the ε field is skipped and none is asked.
    press(&mut s, [code(KeyCode::Tab), key(' '), code(KeyCode::Tab)]);
    let Some(Overlay::FileRequest(f)) = &s.overlay else { panic!() };
    assert_eq!(f.focus, Field::Retention);
    press(&mut s, [code(KeyCode::Tab), code(KeyCode::Right), code(KeyCode::Tab)]);
    let effects = press(&mut s, [code(KeyCode::Enter)]);
    let [Effect::FileRequest(r)] = &effects[..] else { panic!("{effects:?}") };
    assert_eq!((r.title.as_str(), r.scope, r.epsilon), ("Loan counts", Scope::RowLevel, None));
    assert_eq!(r.legal_basis, LegalBasis::LegitimateInterests);
    assert_eq!(r.expires, fixtures::now() + chrono::Duration::days(14));
    assert!(s.overlay.is_none() && s.busy.is_some());

    // The service refuses: the form comes back with its words; a success selects the request.
    press(&mut s, [Msg::Filed(Err("dana may not file a data request".into()))]);
    let Some(Overlay::FileRequest(f)) = &s.overlay else { panic!("{:?}", s.overlay) };
    assert_eq!(f.title, "Loan counts");
    assert_eq!(f.problem.as_deref(), Some("dana may not file a data request"));
    press(&mut s, [key_ctrl('s')]);
    assert_eq!(press(&mut s, [Msg::Filed(Ok(8))]), vec![Effect::LoadGovernance]);
    assert_eq!(s.governance.sel[GovView::Requests.index()].row, Some(GovRow::Request(8)));
    assert!(s.toast.as_ref().unwrap().text.starts_with("filed request 8"));
}

fn key_ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

#[test]
fn review_items_are_marked_and_unjustified_needs_a_note() {
    let mut s = on_governance(fixtures::committee());
    press(&mut s, [key('v'), key('v')]);
    assert_eq!(s.governance.view, GovView::Review);
    assert_eq!(governance::selected(&s), Some(GovRow::Review(12)));
    press(&mut s, [key('y')]);
    assert!(matches!(
        &s.overlay,
        Some(Overlay::Verdict(VerdictBox { id: 12, verdict: Verdict::Justified, .. }))
    ));
    assert_eq!(
        press(&mut s, [code(KeyCode::Enter)]),
        vec![Effect::MarkReview { id: 12, verdict: Verdict::Justified, note: String::new() }]
    );
    press(&mut s, [Msg::Marked { id: 12, verdict: Verdict::Justified, result: Ok(None) }]);

    press(&mut s, [key('j'), key('x')]);
    assert!(press(&mut s, [code(KeyCode::Enter)]).is_empty());
    let Some(Overlay::Verdict(b)) = &s.overlay else { panic!("{:?}", s.overlay) };
    assert_eq!(b.id, 13);
    assert!(b.problem.as_deref().unwrap().contains("needs a note"));
    typed(&mut s, "no loan that day");
    assert_eq!(
        press(&mut s, [code(KeyCode::Enter)]),
        vec![Effect::MarkReview {
            id: 13,
            verdict: Verdict::Unjustified,
            note: "no loan that day".into()
        }]
    );
    let back =
        press(&mut s, [Msg::Marked { id: 13, verdict: Verdict::Unjustified, result: Ok(Some(9)) }]);
    assert_eq!(back, vec![Effect::LoadGovernance, Effect::CountAlerts]);
    assert!(s.toast.as_ref().unwrap().text.contains("alert 9 raised"));

    // On a request row the verdict keys do nothing but say so.
    select(&mut s, GovView::Requests, GovRow::Request(6));
    assert!(press(&mut s, [key('y')]).is_empty());
    assert!(s.overlay.is_none());
}

#[test]
fn withdrawing_asks_first() {
    let mut s = on_governance(fixtures::committee());
    select(&mut s, GovView::Requests, GovRow::Request(7));
    assert!(press(&mut s, [key('w')]).is_empty());
    assert!(matches!(&s.overlay, Some(Overlay::Confirm(Pending::Withdraw { id: 7, .. }))));
    assert!(press(&mut s, [key('n')]).is_empty());
    press(&mut s, [key('w')]);
    assert_eq!(press(&mut s, [key('y')]), vec![Effect::Withdraw { id: 7 }]);
    press(&mut s, [Msg::Withdrawn { id: 7, result: Ok(()) }]);
    assert_eq!(s.toast.as_ref().unwrap().text, "request 7 withdrawn");
}

#[test]
fn the_selection_stays_on_its_request_when_a_reload_shifts_the_list() {
    let mut s = on_governance(fixtures::committee());
    select(&mut s, GovView::Requests, GovRow::Request(5));
    let mut snap = s.governance.snapshot.clone().unwrap();
    let mut newer = snap.requests[0].clone();
    newer.id = 8;
    snap.requests.insert(0, newer);
    press(&mut s, [Msg::GovernanceLoaded(Ok(Box::new(snap.clone())))]);
    assert_eq!(governance::selected(&s), Some(GovRow::Request(5)), "not whatever is third");
    press(&mut s, [key('a')]);
    assert!(matches!(&s.overlay, Some(Overlay::Vote(VoteBox { id: 5, .. }))));
    press(&mut s, [code(KeyCode::Esc)]);
    // Voted on elsewhere: it leaves my queue and the next one is selected.
    s.governance.view = GovView::Mine;
    assert_eq!(governance::selected(&s), Some(GovRow::Request(6)));
    snap.waiting.retain(|id| *id != 6);
    press(&mut s, [Msg::GovernanceLoaded(Ok(Box::new(snap)))]);
    assert_eq!(governance::selected(&s), Some(GovRow::Request(5)));
    assert_eq!(s.governance.my_count(), Some(3));
}

#[test]
fn enter_shows_the_whole_detail_and_esc_goes_back() {
    let mut s = on_governance(fixtures::committee());
    press(&mut s, [code(KeyCode::Enter)]);
    assert!(s.governance.zoom);
    press(&mut s, [code(KeyCode::Esc)]);
    assert!(!s.governance.zoom);
    press(&mut s, [key('/'), key('z'), key('z'), code(KeyCode::Enter)]);
    assert_eq!(governance::selected(&s), None);
    press(&mut s, [code(KeyCode::Enter)]);
    assert!(!s.governance.zoom, "nothing to show");
}

#[test]
fn enter_fills_the_tab_with_a_detail_where_there_is_one() {
    let mut s = on_governance(fixtures::committee());
    select(&mut s, GovView::Requests, GovRow::Request(6));
    press(&mut s, [code(KeyCode::Enter)]);
    assert!(s.governance.zoom, "a request's detail fills the tab");
    press(&mut s, [code(KeyCode::Esc)]);
    assert!(!s.governance.zoom);
    select(&mut s, GovView::Review, GovRow::Review(12));
    press(&mut s, [code(KeyCode::Enter)]);
    assert!(s.governance.zoom, "so does a review item's");
    press(&mut s, [code(KeyCode::Esc)]);

    // A line of the ε ledger has no more to it than the line: enter leaves the list be.
    select(&mut s, GovView::Ledger, GovRow::Ledger(1));
    assert!(press(&mut s, [code(KeyCode::Enter)]).is_empty());
    assert!(!s.governance.zoom, "no empty full-screen detail");
}
