//! Rendering the console with ratatui's test backend: snapshots of each tab at 80×24 and
//! 200×60, every size from 1×1 to 300×100 without a panic, and hostile strings from the API
//! that neither break the layout nor reach the terminal raw.
#![allow(clippy::unwrap_used)]

use carrel::tui::fixtures::{self, desk, stranger};
use carrel::tui::lookup::{CardText, LookupBox, LookupField, LookupPurpose};
use carrel::tui::state::{
    GovRow, GovSelection, GovView, Overlay, PatronRecs, Pending, State, Tab, VoteBox,
};
use carrel::tui::view;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

fn render(state: &State, w: u16, h: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| view::draw(f, state)).unwrap();
    terminal.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn at(size: (u16, u16), tab: Tab) -> State {
    let mut s = fixtures::state(size, desk());
    s.tab = tab;
    s
}

/// With the database unreachable before the System tab was ever read, the tab says so, not
/// that it is reading; the status line says since when.
#[test]
fn the_system_tab_says_when_the_database_is_unreachable() {
    let mut s = at((80, 24), Tab::System);
    s.system.snapshot = None;
    s.database_down = Some(s.wall - chrono::Duration::seconds(90));
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("the database is unreachable (since"), "{screen}");
    assert!(!screen.contains("reading the database"), "{screen}");
    assert!(screen.contains("database unreachable since"), "{screen}");
}

#[test]
fn seats_80x24() {
    insta::assert_snapshot!(text(&render(&at((80, 24), Tab::Seats), 80, 24)));
}

#[test]
fn seats_200x60() {
    insta::assert_snapshot!(text(&render(&at((200, 60), Tab::Seats), 200, 60)));
}

#[test]
fn queues_80x24() {
    insta::assert_snapshot!(text(&render(&at((80, 24), Tab::Queues), 80, 24)));
}

#[test]
fn queues_200x60() {
    insta::assert_snapshot!(text(&render(&at((200, 60), Tab::Queues), 200, 60)));
}

fn alerts_at(size: (u16, u16)) -> State {
    let mut s = fixtures::state(size, fixtures::auditor());
    s.tab = Tab::Alerts;
    s
}

/// Free seats found: which, and what was asked for, on a line of their own, read whole.
#[test]
fn seats_found_80x24() {
    let mut s = at((80, 24), Tab::Seats);
    s.seats.find.next_kind();
    s.seats.find.power = true;
    carrel::tui::update::seats::find(&mut s);
    assert!(!s.seats.matches.is_empty());
    let screen = text(&render(&s, 80, 24));
    let found =
        format!("found 1/{}: quiet zone, power  n next · esc clears", s.seats.matches.len());
    assert!(screen.contains(&found), "{screen}");
    insta::assert_snapshot!(screen);
    // Esc takes the found seats away, and the line with them.
    carrel::tui::update::update(
        &mut s,
        carrel::tui::msg::Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Esc,
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    assert!(!text(&render(&s, 80, 24)).contains("found 1/"));
}

/// A fresh database on a console with no sensor API: the Seats and Queues tabs say how to give
/// it one, or to try the demo.
#[test]
fn seats_without_a_sensor_api_80x24() {
    let mut s = at((80, 24), Tab::Seats);
    s.seats.snapshot = Some(fixtures::seats_snapshot(0, 0, false));
    s.queues.overview.as_mut().unwrap().services.clear();
    s.health.sensor = carrel::tui::model::ApiHealth::Off;
    s.config_file = Some("/home/dana/.config/carrel/config.toml".into());
    let screen = text(&render(&s, 80, 24));
    for want in ["no floors in the layout yet", "[feeds.sensor]", "carrel demo", "config.toml"] {
        assert!(screen.contains(want), "{want:?} missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
    s.tab = Tab::Queues;
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("no service windows yet: this console has no sensor API"), "{screen}");
    assert!(screen.contains("CARREL_SENSOR_URL"), "{screen}");
    // With an API that has not answered yet, it says that instead.
    s.health.sensor = carrel::tui::model::ApiHealth::Waiting;
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("waiting for the sensor API's first answer"), "{screen}");
    assert!(!screen.contains("[feeds.sensor]"), "{screen}");
}

fn window_confirm(summary: &str, undo: bool, warning: Option<&str>) -> State {
    let mut s = at((80, 24), Tab::Queues);
    s.overlay = Some(Overlay::Confirm(Pending::Window {
        window: "enq-1".into(),
        change: carrel::domain::api::ServicePointChange { open: Some(false), staff: None },
        summary: summary.into(),
        undo,
        warning: warning.map(Into::into),
    }));
    s
}

/// Closing the only open window of a service says so, whole, in the confirmation.
#[test]
fn queues_close_only_window_80x24() {
    let warning =
        "Enquiries desk 1 is the only open window of enquiries: closing it closes the service.";
    let screen =
        text(&render(&window_confirm("close Enquiries desk 1", false, Some(warning)), 80, 24));
    assert!(screen.contains("it closes the service."), "{screen}");
    insta::assert_snapshot!(screen);
}

/// The undo confirmation is read whole at 80×24.
#[test]
fn queues_undo_confirm_80x24() {
    let summary = "undo: put chloe at Circulation desk 4 and open it again as before";
    let screen = text(&render(&window_confirm(summary, true, None), 80, 24));
    assert!(screen.contains("before your last change."), "{screen}");
    assert!(screen.contains("│before?"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn alerts_80x24() {
    insta::assert_snapshot!(text(&render(&alerts_at((80, 24)), 80, 24)));
}

#[test]
fn alerts_200x60() {
    insta::assert_snapshot!(text(&render(&alerts_at((200, 60)), 200, 60)));
}

/// Enter fills the tab with the selected alert's detail; its whole evidence list (as many
/// entries as an alert keeps) is read by scrolling to the end at 80×24 and 60×16, and esc goes
/// back to the list.
#[test]
fn an_alerts_whole_detail_scrolls_into_view() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let press = |s: &mut State, code: KeyCode| {
        carrel::tui::update::update(
            s,
            carrel::tui::msg::Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
    };
    for size in [(80, 24), (60, 16)] {
        let mut s = alerts_at(size);
        let d = s.alerts.detail.as_mut().unwrap();
        let first = d.evidence[0].clone();
        d.evidence = (0..carrel::domain::alerts::MAX_EVIDENCE as u64)
            .map(|i| {
                let mut e = first.clone();
                e.seq = 5000 + i;
                e
            })
            .collect();
        let last = format!("#{} ", 5000 + carrel::domain::alerts::MAX_EVIDENCE as u64 - 1);
        let title = format!("#{} ", s.alerts.detail.as_ref().unwrap().alert.id);
        let screen = |s: &State| text(&render(s, size.0, size.1));
        assert!(!screen(&s).contains(&last), "the list and detail together cannot hold it all");
        press(&mut s, KeyCode::Enter);
        assert!(screen(&s).contains(&title), "{}", screen(&s));
        press(&mut s, KeyCode::End);
        let end = screen(&s);
        assert!(end.contains(&last), "{end}");
        assert!(end.lines().last().unwrap().contains("back"), "{end}");
        for _ in 0..30 {
            press(&mut s, KeyCode::Down);
        }
        assert_eq!(screen(&s), end, "scrolling stops at the end");
        press(&mut s, KeyCode::Home);
        assert!(screen(&s).contains(&title));
        press(&mut s, KeyCode::Esc);
        assert!(!s.alerts.zoom);
        assert!(screen(&s).contains("active alerts"), "{}", screen(&s));
    }
}

#[test]
fn alerts_are_not_shown_to_the_desk() {
    let screen = text(&render(&at((80, 24), Tab::Alerts), 80, 24));
    assert!(screen.contains("shown to sysadmins, committee members and auditors"), "{screen}");
    assert!(!screen.contains("sam read"), "{screen}");
    let keys = screen.lines().last().unwrap();
    assert!(!keys.contains("ack") && !keys.contains("resolve"), "no keys it cannot use: {keys}");
}

#[test]
fn the_alert_note_box_shows_what_is_typed() {
    let mut s = alerts_at((80, 24));
    s.overlay = Some(Overlay::AlertNote {
        id: 6,
        action: carrel::domain::alerts::AlertAction::Resolve,
        note: "spoke to sam".into(),
    });
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("Resolve alert 6"), "{screen}");
    assert!(screen.contains("spoke to sam▏"), "{screen}");
}

fn governance_at(size: (u16, u16), view: GovView) -> State {
    let mut s = fixtures::state(size, fixtures::committee());
    s.tab = Tab::Governance;
    s.governance.view = view;
    s
}

#[test]
fn governance_80x24() {
    insta::assert_snapshot!(text(&render(&governance_at((80, 24), GovView::Mine), 80, 24)));
}

#[test]
fn governance_200x60() {
    insta::assert_snapshot!(text(&render(&governance_at((200, 60), GovView::Mine), 200, 60)));
}

#[test]
fn governance_requests_80x24() {
    let mut s = governance_at((80, 24), GovView::Requests);
    // The denied request: each party's vote, the deny with its reason.
    s.governance.sel[GovView::Requests.index()] =
        GovSelection { row: Some(GovRow::Request(3)), pos: 0 };
    insta::assert_snapshot!(text(&render(&s, 80, 24)));
}

#[test]
fn governance_requests_200x60_for_the_desk() {
    let mut s = fixtures::state((200, 60), desk());
    s.tab = Tab::Governance;
    let screen = text(&render(&s, 200, 60));
    assert!(screen.contains("▸Requests 7"), "the desk starts on the list:\n{screen}");
    assert!(!screen.contains("My queue") && !screen.contains("Review"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn governance_review_80x24() {
    insta::assert_snapshot!(text(&render(&governance_at((80, 24), GovView::Review), 80, 24)));
}

#[test]
fn governance_ledger_80x24() {
    insta::assert_snapshot!(text(&render(&governance_at((80, 24), GovView::Ledger), 80, 24)));
}

#[test]
fn governance_detail_fills_the_tab_on_enter() {
    let mut s = governance_at((80, 24), GovView::Requests);
    s.governance.sel[GovView::Requests.index()] =
        GovSelection { row: Some(GovRow::Request(6)), pos: 0 };
    s.governance.zoom = true;
    let screen = text(&render(&s, 80, 24));
    for want in [
        "#6 Loan counts by subject",
        "library        ✓ approved by leo: counts only",
        "user committee ○ waiting for you",
        "supplier       ○ waiting",
        "aggregate, ε 0.5 asked",
        "loans, visits",
        "subject, loaned_at",
        "90 days",
        "public-task",
        "decide by 02 Dec 09:00",
        "nothing more is kept",
    ] {
        assert!(screen.contains(want), "{want:?} missing:\n{screen}");
    }
}

#[test]
fn governance_is_explained_to_a_stranger() {
    let mut s = fixtures::state((80, 24), stranger());
    s.tab = Tab::Governance;
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("Data requests are shown to desk staff, sysadmins,"), "{screen}");
    assert!(!screen.contains("Loan counts"), "{screen}");
}

#[test]
fn governance_form_80x24() {
    let mut s = governance_at((80, 24), GovView::Requests);
    let mut form = carrel::tui::form::RequestForm {
        title: "Loan counts by subject".into(),
        purpose: "Collection planning".into(),
        kinds: "loans".into(),
        retention: "0".into(),
        ..Default::default()
    };
    form.focus = carrel::tui::form::Field::Retention;
    form.problem = Some("retention: 0 days is out of range 1..=3650 days".into());
    s.overlay = Some(Overlay::FileRequest(Box::new(form)));
    insta::assert_snapshot!(text(&render(&s, 80, 24)));
}

#[test]
fn governance_deny_box_80x24() {
    let mut s = governance_at((80, 24), GovView::Mine);
    s.overlay = Some(Overlay::Vote(VoteBox {
        id: 6,
        title: "Loan counts by subject for the acquisitions plan".into(),
        approve: false,
        reason: String::new(),
        problem: Some("a deny needs a reason".into()),
    }));
    insta::assert_snapshot!(text(&render(&s, 80, 24)));
}

#[test]
fn hostile_request_text_is_cleaned() {
    let mut s = governance_at((200, 60), GovView::Requests);
    let snap = s.governance.snapshot.as_mut().unwrap();
    snap.requests[0].title = "\u{1b}]0;pwned\u{7}EVIL\u{202e}title".into();
    snap.requests[0].purpose = format!("\u{1b}[2J{}", "long ".repeat(500));
    snap.requests[0].requester = "\u{9b}31mx".into();
    s.governance.sel[GovView::Requests.index()] =
        GovSelection { row: Some(GovRow::Request(7)), pos: 0 };
    let buf = render(&s, 200, 60);
    for y in 0..60 {
        for x in 0..200 {
            let sym = buf[(x, y)].symbol();
            assert!(
                !sym.chars().any(carrel::domain::sanitize::is_unsafe_char),
                "{sym:?} at {x},{y}"
            );
        }
    }
    let screen = text(&buf);
    assert!(screen.contains("0;pwnedEVILtitle"), "{screen}");
}

fn patrons_at(size: (u16, u16), consent: bool, recs: PatronRecs) -> State {
    let mut s = at(size, Tab::Patrons);
    s.patrons.shown = Some(Box::new(fixtures::patron_shown(consent, recs)));
    s
}

fn api_recs() -> PatronRecs {
    PatronRecs::Shown { served: Box::new(fixtures::api_recommendations()), flagged: false }
}

fn fallback_recs() -> PatronRecs {
    PatronRecs::Shown { served: Box::new(fixtures::fallback_recommendations()), flagged: false }
}

fn withheld_recs() -> PatronRecs {
    PatronRecs::Withheld("the patron withdrew consent to recommendations".into())
}

#[test]
fn patrons_with_api_recommendations_80x24() {
    let screen = text(&render(&patrons_at((80, 24), true, api_recs()), 80, 24));
    assert!(screen.contains("from the recommendation API · model recs-2026.11.1 (federated)"));
    insta::assert_snapshot!(screen);
}

#[test]
fn patrons_with_api_recommendations_200x60() {
    let screen = text(&render(&patrons_at((200, 60), true, api_recs()), 200, 60));
    for want in [
        "Chiara Wang  card 290000015341",
        "consent: profiling ✓ granted since",
        "half-life 90 d",
        "█ loans 0.35",
        "▓ searches 0.41",
        "▒ visits 0.24",
        "Medicine",
        "10. On Liberty",
    ] {
        assert!(screen.contains(want), "{want:?} missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn patrons_local_fallback_80x24() {
    let screen = text(&render(&patrons_at((80, 24), true, fallback_recs()), 80, 24));
    assert!(screen.contains("⚠ LOCAL FALLBACK — the recommendation API: the server answered"));
    insta::assert_snapshot!(screen);
}

#[test]
fn patrons_local_fallback_200x60() {
    insta::assert_snapshot!(text(&render(&patrons_at((200, 60), true, fallback_recs()), 200, 60)));
}

/// The fallback is marked by the warning style as well as by its glyph and word.
#[test]
fn the_local_fallback_is_drawn_in_the_warning_style() {
    let s = patrons_at((80, 24), true, fallback_recs());
    let buf = render(&s, 80, 24);
    let screen = text(&buf);
    let y = screen.lines().position(|l| l.contains("LOCAL FALLBACK")).unwrap() as u16;
    let x = screen.lines().nth(y as usize).unwrap().chars().position(|c| c == 'L').unwrap() as u16;
    assert_eq!(buf[(x, y)].style().add_modifier, s.theme.warn.add_modifier);
}

#[test]
fn patrons_withheld_for_consent_80x24() {
    let screen = text(&render(&patrons_at((80, 24), false, withheld_recs()), 80, 24));
    assert!(screen.contains("⊘ withheld — the patron withdrew consent to profiling"), "{screen}");
    assert!(screen.contains("⊘ withheld — the patron withdrew consent to recommendations"));
    assert!(screen.contains("recommendations ✗ withdrawn since"), "{screen}");
    assert!(!screen.contains("Law"), "no subject of the profile shows:\n{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn patrons_withheld_for_consent_200x60() {
    insta::assert_snapshot!(text(&render(&patrons_at((200, 60), false, withheld_recs()), 200, 60)));
}

#[test]
fn patrons_asking_then_flagged() {
    let screen = text(&render(&patrons_at((80, 24), true, PatronRecs::Asking), 80, 24));
    assert!(screen.contains("asking the recommendation API…"), "{screen}");
    let mut s = patrons_at((80, 24), true, PatronRecs::Asking);
    if let Some(shown) = s.patrons.shown.as_mut() {
        shown.lookup.profile_gate = carrel::services::desk::Gate::Flagged;
        shown.recs =
            PatronRecs::Shown { served: Box::new(fixtures::api_recommendations()), flagged: true };
    }
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("⚑ FLAGGED — no consent to profiling"), "{screen}");
    assert!(screen.contains("⚑ FLAGGED — no consent to recommendations"), "{screen}");
}

#[test]
fn patrons_lookup_box_80x24() {
    let mut s = at((80, 24), Tab::Patrons);
    s.overlay = Some(Overlay::Lookup(LookupBox {
        card: CardText::new("29000001"),
        purpose: LookupPurpose::Request,
        request: String::new(),
        focus: LookupField::Purpose,
        problem: Some("type the number of the data request the lookup is for".into()),
        waiting: false,
    }));
    insta::assert_snapshot!(text(&render(&s, 80, 24)));
}

/// A card the directory does not hold: the box stays open over the patron already on screen,
/// with the card as typed and the service's answer.
#[test]
fn patrons_unknown_card_80x24() {
    let mut s = patrons_at((80, 24), true, api_recs());
    s.overlay = Some(Overlay::Lookup(LookupBox {
        card: CardText::new("2900 0000 0000"),
        purpose: LookupPurpose::Circulation,
        request: String::new(),
        focus: LookupField::Card,
        problem: Some("no patron with that card".into()),
        waiting: false,
    }));
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("2900 0000 0000▏"), "{screen}");
    assert!(screen.contains("! no patron with that card"), "{screen}");
    assert!(screen.contains("Chiara Wang  card 290000015341"), "{screen}");
    insta::assert_snapshot!(screen);
    // While it is read, the box says so and only esc is offered.
    if let Some(Overlay::Lookup(b)) = s.overlay.as_mut() {
        b.problem = None;
        b.waiting = true;
    }
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("looking up card …0000…"), "{screen}");
    assert!(screen.lines().last().unwrap().contains("esc stop waiting"), "{screen}");
}

/// Enter on a line of the ε ledger changes nothing on screen, and the key bar does not offer it.
#[test]
fn enter_on_the_ledger_leaves_the_list() {
    use carrel::tui::msg::Msg;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut s = governance_at((80, 24), GovView::Ledger);
    let before = text(&render(&s, 80, 24));
    assert!(!before.lines().last().unwrap().contains("enter"), "{before}");
    carrel::tui::update::update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert_eq!(text(&render(&s, 80, 24)), before);
}

/// The patron's whole page, from the top and scrolled to its end: every subject, every
/// recommendation, every reason whole.
#[test]
fn patrons_whole_page_80x24() {
    let mut s = patrons_at((80, 24), true, api_recs());
    s.patrons.full = true;
    let top = text(&render(&s, 80, 24));
    assert!(top.contains("lines 1–20 of"), "{top}");
    s.patrons.scroll = carrel::tui::view::patron_scroll_limit(&s);
    let end = text(&render(&s, 80, 24));
    assert!(end.contains("10. On Liberty"), "{end}");
    assert!(!end.contains("more ·"), "nothing is left out:\n{end}");
    insta::assert_snapshot!(format!("{top}\n{end}"));
}

#[test]
fn patrons_empty_and_for_others() {
    let screen = text(&render(&at((80, 24), Tab::Patrons), 80, 24));
    assert!(screen.contains("No patron on screen. l looks one up"), "{screen}");
    assert!(screen.contains("cleared after 5 minutes without a key"), "{screen}");
    assert!(!screen.contains("demo"), "{screen}");
    // On a demo database, once a card of its made-up patrons is found, it is suggested.
    let mut s = at((60, 16), Tab::Patrons);
    s.patrons.demo_card = Some("290000015341".into());
    let screen = text(&render(&s, 60, 16));
    assert!(screen.contains("demo database: try card 2900 0001 5341"), "{screen}");
    let mut s = fixtures::state((80, 24), fixtures::auditor());
    s.tab = Tab::Patrons;
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("Patrons are looked up by staff with the desk role."), "{screen}");
    let mut s = at((80, 24), Tab::Patrons);
    s.patrons.unavailable = Some(format!(
        "patron lookup is unavailable: key file /home/dana/{}/patron.key: not found",
        "state/".repeat(12)
    ));
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("⚠ patron lookup is unavailable: key file"), "{screen}");
    assert!(screen.contains("patron.key: not found"), "wrapped, not cut:\n{screen}");
}

#[test]
fn hostile_patron_text_is_cleaned() {
    let mut s = patrons_at((200, 60), true, fallback_recs());
    if let Some(shown) = s.patrons.shown.as_mut() {
        let p = &mut shown.lookup.patron;
        p.name = "\u{1b}]0;pwned\u{7}Eve\u{202e}lyn".into();
        p.email = Some(format!("\u{9b}31m{}", "x".repeat(400)));
        shown.lookup.profile[0].subject = "\u{1b}[2JLaw".into();
        if let PatronRecs::Shown { served, .. } = &mut shown.recs {
            served.items[0].title = format!("\u{1b}[31m{}", "long title ".repeat(50));
            served.items[0].reasons = vec!["\u{7}similar\u{202e}".into()];
            served.fallback_reason = Some("\u{1b}]8;;http://evil\u{7}down".into());
        }
    }
    for (w, h) in [(200, 60), (80, 24)] {
        s.size = (w, h);
        let buf = render(&s, w, h);
        for y in 0..h {
            for x in 0..w {
                let sym = buf[(x, y)].symbol();
                assert!(
                    !sym.chars().any(carrel::domain::sanitize::is_unsafe_char),
                    "{sym:?} at {x},{y}"
                );
            }
        }
        let screen = text(&buf);
        assert!(screen.contains("0;pwnedEvelyn"), "{screen}");
        assert!(screen.lines().nth(h as usize - 2).unwrap().contains("dana"), "{screen}");
    }
}

#[test]
fn system_80x24() {
    insta::assert_snapshot!(text(&render(&at((80, 24), Tab::System), 80, 24)));
}

#[test]
fn system_200x60() {
    insta::assert_snapshot!(text(&render(&at((200, 60), Tab::System), 200, 60)));
}

fn system_at(size: (u16, u16), feed: &str) -> State {
    let mut s = fixtures::state(size, desk());
    s.tab = Tab::System;
    let feeds = &s.system.snapshot.as_ref().unwrap().status.feeds;
    s.system.sel = feeds.iter().position(|f| f.feed == feed).unwrap();
    s
}

/// The failing feed selected: its long error is shown whole under the table, wrapped.
#[test]
fn system_80x24_long_error() {
    let screen = text(&render(&system_at((80, 24), "sensor.environment"), 80, 24));
    insta::assert_snapshot!(screen);
    let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("retry after 11:30"), "{screen}");
    assert!(flat.contains("The last 3 attempts failed"), "{screen}");
}

/// A feed that failed forty minutes ago and has succeeded since: FAILS 0, and the error is
/// shown as past, with its age, never as current.
#[test]
fn system_80x24_past_error() {
    let screen = text(&render(&system_at((80, 24), "sensor.seats"), 80, 24));
    insta::assert_snapshot!(screen);
    let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Earlier error at 10:20:00 (40m ago), before the last success"),
        "{flat}"
    );
    let row = screen.lines().find(|l| l.starts_with("sensor.seats")).unwrap();
    assert!(!row.contains("timed out"), "{row}");
}

/// At 80×24 and 60×16 the column headers are whole, and every feed can be brought on screen.
#[test]
fn system_headers_are_whole_and_every_feed_is_reachable() {
    for (w, h) in [(80, 24), (60, 16)] {
        let names: Vec<String> =
            fixtures::system_snapshot().status.feeds.iter().map(|f| f.feed.clone()).collect();
        for name in &names {
            let screen = text(&render(&system_at((w, h), name), w, h));
            let header = screen.lines().find(|l| l.starts_with("FEED")).expect(&screen);
            for word in header.split_whitespace() {
                let position = word.split_once('/').is_some_and(|(a, b)| {
                    a.parse::<usize>().is_ok() && b.parse::<usize>() == Ok(names.len())
                });
                assert!(
                    position
                        || [
                            "FEED", "SOURCE", "FRESH", "LAST", "OK", "FAILS", "STORED", "QUARANT.",
                            "ERROR"
                        ]
                        .contains(&word),
                    "cut header {word:?} at {w}x{h}:\n{screen}"
                );
            }
            assert!(
                screen.lines().any(|l| l.starts_with(&format!("{name} "))),
                "{name} not on screen at {w}x{h}:\n{screen}"
            );
        }
    }
}

/// The sensor clock is mentioned only when it is a minute or more away, ahead or behind.
/// At 60×16 the table scrolls to the selected feed and says where it is.
#[test]
fn system_60x16_scrolls_to_the_selection() {
    let screen = text(&render(&system_at((60, 16), "sensor.seats"), 60, 16));
    insta::assert_snapshot!(screen);
    assert!(screen.contains("FEED 8/9"), "{screen}");
}

#[test]
fn system_shows_clock_skew_only_when_it_matters() {
    let with_offset = |ms: i64| {
        let mut s = system_at((80, 24), "sensor.seats");
        let snap = s.system.snapshot.as_mut().unwrap();
        for f in &mut snap.status.feeds {
            f.server_offset_ms = Some(ms);
        }
        text(&render(&s, 80, 24))
    };
    assert!(!with_offset(-1_200).contains("clock"));
    assert!(!with_offset(59_000).contains("clock"));
    assert!(with_offset(180_000).contains("the sensor API's clock is 3m ahead of ours"));
    assert!(with_offset(-300_000).contains("the sensor API's clock is 5m behind ours"));
}

#[test]
fn read_only_view_shows_its_badge() {
    let s = fixtures::state((80, 24), stranger());
    let screen = text(&render(&s, 80, 24));
    assert!(screen.lines().nth(22).unwrap().contains("READ-ONLY"), "{screen}");
}

#[test]
fn confirm_and_help_overlays() {
    let mut s = at((80, 24), Tab::Seats);
    s.overlay = Some(Overlay::Confirm(Pending::Release {
        seat_id: "F0-S0007".into(),
        label: "0-007".into(),
        away_since: Some(fixtures::now() - chrono::Duration::minutes(95)),
        ghost: true,
    }));
    insta::assert_snapshot!("confirm_80x24", text(&render(&s, 80, 24)));
    s.overlay = Some(Overlay::Help { scroll: 0 });
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("quit carrel") && screen.contains("Keys"), "{screen}");
}

/// The help lists every action, and says which the viewer's roles do not allow: the desk
/// may release seats but not vote on requests; a committee member the other way round.
#[test]
fn the_help_says_which_actions_are_not_for_your_roles() {
    // The action's line and the next, where a long one wraps; the box's borders dropped.
    let line_of = |screen: &str, what: &str| {
        let lines: Vec<&str> = screen.lines().collect();
        let i = lines.iter().position(|l| l.contains(what));
        let i = i.unwrap_or_else(|| panic!("{what}: {screen}"));
        let next = lines.get(i + 1).copied().unwrap_or_default();
        let next = if next.contains("  ") && !next.contains(" tab") { next } else { "" };
        format!("{} {}", lines[i], next)
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut s = at((200, 120), Tab::Seats);
    s.overlay = Some(Overlay::Help { scroll: 0 });
    let desk = text(&render(&s, 200, 120));
    assert!(!line_of(&desk, "release a ghost seat").contains("not for your roles"), "{desk}");
    assert!(
        line_of(&desk, "approve the selected request").contains("not for your roles"),
        "{desk}"
    );
    let mut s = fixtures::state((200, 120), fixtures::committee());
    s.overlay = Some(Overlay::Help { scroll: 0 });
    let committee = text(&render(&s, 200, 120));
    assert!(line_of(&committee, "release a ghost seat").contains("not for your roles"));
    assert!(!line_of(&committee, "approve the selected request").contains("not for your roles"));
}

#[test]
fn too_small_says_so() {
    let s = at((40, 10), Tab::Seats);
    let screen = text(&render(&s, 40, 10));
    assert!(screen.contains("terminal too small: need 60×16"), "{screen}");
}

fn every_state(w: u16, h: u16) -> Vec<State> {
    let mut out = vec![];
    for tab in Tab::ALL {
        for overlay in [
            None,
            Some(Overlay::Help { scroll: 3 }),
            Some(Overlay::Palette { query: "re".into(), selected: 1 }),
            Some(Overlay::Find),
            Some(Overlay::SeatDetail { seat_id: "F0-S0003".into(), history: Some(vec![]) }),
            Some(Overlay::PickStaff {
                window: "circ-4".into(),
                name: "Circulation desk 4".into(),
                options: vec!["kai".into(), "lea".into()],
                selected: 1,
                open: true,
            }),
            Some(Overlay::AlertNote {
                id: 6,
                action: carrel::domain::alerts::AlertAction::Escalate,
                note: "x".repeat(300),
            }),
        ] {
            let mut s = fixtures::state((w, h), fixtures::auditor());
            s.tab = tab;
            s.overlay = overlay;
            out.push(s);
        }
    }
    for view in GovView::ALL {
        for zoom in [false, true] {
            for overlay in [
                None,
                Some(Overlay::FileRequest(Box::default())),
                Some(Overlay::Vote(VoteBox {
                    id: 6,
                    title: "x".repeat(300),
                    approve: false,
                    reason: "y".repeat(300),
                    problem: Some("a deny needs a reason".into()),
                })),
                Some(Overlay::Verdict(carrel::tui::state::VerdictBox {
                    id: 12,
                    verdict: carrel::domain::governance::Verdict::Unjustified,
                    note: String::new(),
                    problem: Some("an unjustified verdict needs a note saying why".into()),
                })),
                Some(Overlay::Confirm(Pending::Withdraw { id: 7, title: "z".repeat(200) })),
            ] {
                let mut s = governance_at((w, h), view);
                s.governance.zoom = zoom;
                s.overlay = overlay;
                out.push(s);
            }
        }
    }
    for recs in [PatronRecs::Asking, api_recs(), fallback_recs(), withheld_recs()] {
        for overlay in [
            None,
            Some(Overlay::Lookup(LookupBox::default())),
            Some(Overlay::Lookup(LookupBox {
                card: CardText::new("9".repeat(24)),
                purpose: LookupPurpose::Request,
                request: "123456789".into(),
                focus: LookupField::Purpose,
                problem: Some("x".repeat(300)),
                waiting: false,
            })),
        ] {
            for consent in [true, false] {
                let mut s = patrons_at((w, h), consent, recs.clone());
                s.overlay = overlay.clone();
                out.push(s);
            }
        }
    }
    let mut empty = at((w, h), Tab::Seats);
    empty.seats.snapshot = None;
    out.push(empty);
    let mut unread = governance_at((w, h), GovView::Mine);
    unread.governance.snapshot = None;
    out.push(unread);
    out
}

#[test]
fn every_tab_renders_at_the_edges_of_the_size_range() {
    for (w, h) in [(1, 1), (1, 100), (300, 1), (59, 15), (60, 16), (61, 17), (300, 100), (2, 3)] {
        for s in every_state(w, h) {
            render(&s, w, h);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_tab_renders_at_any_size(w in 1u16..=300, h in 1u16..=100) {
        for s in every_state(w, h) {
            render(&s, w, h);
        }
    }
}

/// Escape sequences, bidi overrides, very long and wide names from the API: the layout keeps
/// its shape and nothing raw reaches the terminal.
#[test]
fn hostile_strings_neither_break_the_layout_nor_reach_the_terminal() {
    for (w, h) in [(80, 24), (200, 60), (61, 17)] {
        let mut s = at((w, h), Tab::Seats);
        s.seats.snapshot = Some(fixtures::seats_snapshot(2, 120, true));
        s.seats.focus = carrel::tui::state::Focus::Ghosts;
        let buf = render(&s, w, h);
        for y in 0..h {
            for x in 0..w {
                let sym = buf[(x, y)].symbol();
                assert!(
                    !sym.chars().any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                    "{sym:?} at {x},{y}"
                );
            }
        }
        let screen = text(&buf);
        let lines: Vec<&str> = screen.lines().collect();
        assert!(lines[0].starts_with(" carrel "), "tab bar intact at {w}x{h}:\n{screen}");
        assert!(
            lines[h as usize - 2].contains("sensors"),
            "status line intact at {w}x{h}:\n{screen}"
        );
        assert!(screen.contains("Ghost seats"), "ghost list intact at {w}x{h}:\n{screen}");

        // What the real backend writes holds no OSC, no C1 CSI and no bidi override.
        let mut out = Vec::new();
        {
            let mut t = Terminal::new(ratatui::backend::CrosstermBackend::new(&mut out)).unwrap();
            let mut frame_buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, w, h));
            frame_buf.merge(&buf);
            t.resize(ratatui::layout::Rect::new(0, 0, w, h)).ok();
            t.draw(|f| view::draw(f, &s)).ok();
        }
        let bytes = String::from_utf8_lossy(&out);
        assert!(!bytes.contains("\u{1b}]"), "an OSC sequence reached the terminal");
        assert!(
            !bytes.contains('\u{9b}') && !bytes.contains('\u{202e}') && !bytes.contains('\u{7}')
        );
        // The hostile label arrives as plain text, its escapes removed.
        assert!(bytes.contains("[2J31mEVIL"), "the cleaned label should be drawn");
    }
}
