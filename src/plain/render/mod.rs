//! What the plain console says of each tab: short lines, most important first, lists as a
//! title and items the session numbers and pages ("3 of 12: ..."). Pure: `&State` in, text out.
//!
//! The lines are for a screen reader and a dumb terminal: facts separated by commas, no columns,
//! no colour, and only ASCII words for what is added here (no glyphs, bars, arrows or "ε"); text
//! from the data passes as it is, since the session strips control characters from all it
//! prints. Each tab says the facts of its full-screen view, in the view's words for states and
//! refusals. A list item names the id a user types to act on it, and the items of a list come in
//! the order of the tab's own list, so that an item's number is the row it selects.
//!
//! May use: the console's state and its `update` helpers (which rows a list shows), the views'
//! text helpers that return plain strings, the domain's units; never ratatui.
//!
//! One file per tab (`seats`, `queues`, `alerts`, `governance`, `patrons`, `system`, the last
//! with the status line); this one holds the [`Listing`] they return, the lines more than one
//! tab says (times of day, the words for a tab without sensor data, the filter), and
//! [`selected`], which says the selected row of whichever tab is current. Every function the
//! session calls is re-exported here, so callers name `render::seats_overview` and so on.

mod alerts;
mod governance;
mod patrons;
mod queues;
mod seats;
mod system;

use chrono::{DateTime, Utc};

pub use alerts::{alert, alerts};
pub use governance::{governance, request, review_item};
pub use patrons::patron;
pub use queues::queues;
pub use seats::{SeatQuery, find_seat, found, ghosts, seat, seat_list, seats_overview};
pub use system::{health, system};

use alerts::alert_line;
use governance::gov_row_line;
use queues::window_line;
use seats::seat_line;
use system::feed_line;

use crate::tui::model::ApiHealth;
use crate::tui::state::{State, Tab};
use crate::tui::update;
use crate::tui::update::governance as gov;
use crate::tui::view::day_time;

/// A list for the pager: the title says what it is and what matters most; the items are
/// numbered by the session ("3 of 12: ...") and paged with `more`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub title: String,
    pub items: Vec<String>,
}

impl Listing {
    /// A list with nothing in it, whose title says why.
    fn empty(title: impl Into<String>) -> Listing {
        Listing { title: title.into(), items: vec![] }
    }

    /// What a tab fed by the sensor API says when it has nothing from it: the first line is the
    /// title, the advice after it the items.
    fn no_sensor_data(state: &State, what: &str) -> Listing {
        let mut lines = no_sensor_data(state, what);
        let title = lines.remove(0);
        Listing { title, items: lines }
    }
}

// ---- Lines the tabs share ----

/// A time of day in the library's zone, `14:02`; on another day than today with the day, as
/// `view::day_time` writes it (`03 Dec 14:02`).
fn clock(t: DateTime<Utc>, state: &State) -> String {
    let local = t.with_timezone(&state.tz);
    if local.date_naive() == state.now().with_timezone(&state.tz).date_naive() {
        local.format("%H:%M").to_string()
    } else {
        day_time(t, state)
    }
}

/// What a tab fed by the sensor API says when it has nothing from it, in the words of
/// `view::no_sensor_data`: why, and what to do.
fn no_sensor_data(state: &State, what: &str) -> Vec<String> {
    match state.health.sensor {
        ApiHealth::Off => {
            let file =
                state.config_file.clone().unwrap_or_else(|| "the configuration file".to_owned());
            vec![
                format!("{what}: this console has no sensor API to read."),
                format!(
                    "Give it one with url under [feeds.sensor] in {file} (or CARREL_SENSOR_URL, \
                     or --sensor-url) and start carrel again; `carrel config check` prints the \
                     configuration in effect."
                ),
                "Or try `carrel demo`: a simulated library on a demo database of its own."
                    .to_owned(),
            ]
        }
        ApiHealth::Waiting => vec![format!("{what}: waiting for the sensor API's first answer.")],
        ApiHealth::Down => {
            vec![format!("{what}: the sensor API does not answer (the System tab says why).")]
        }
        ApiHealth::Ok | ApiHealth::Stale { .. } => {
            vec![format!("{what}: the sensor API has not reported any.")]
        }
    }
}

/// `title`, and the `/` filter when one narrows the list.
fn filtered(state: &State, title: String) -> String {
    if state.filter.text.is_empty() {
        title
    } else {
        format!("{title}, filter: {}", state.filter.text)
    }
}

// ---- The selection ----

/// The item the current tab's selection is on, as its list says it; `None` when nothing is
/// selected (or the tab has no list).
pub fn selected(state: &State) -> Option<String> {
    match state.tab {
        Tab::Seats => {
            let s = update::seats::selected_seat(state)?;
            let (fi, _) = find_seat(state, &s.id)?;
            let floor = state.seats.snapshot.as_ref()?.floors.get(fi)?;
            Some(seat_line(state, floor, s))
        }
        Tab::Queues => update::queues::windows(state).get(state.queues.sel).map(|w| window_line(w)),
        Tab::Alerts if state.viewer.sees_alerts() => {
            update::alerts::visible(state).get(state.alerts.sel).map(|a| alert_line(a, state))
        }
        Tab::Governance if gov::sees(state) => gov_row_line(state, gov::selected(state)?),
        Tab::System => {
            let s = state.system.snapshot.as_ref()?;
            let i = *update::system::visible_feeds(state).get(state.system.sel)?;
            Some(feed_line(state, s, s.status.feeds.get(i)?))
        }
        Tab::Alerts | Tab::Governance | Tab::Patrons => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::layout::{SeatEvent, SeatState, SensorHealth};
    use crate::tui::fixtures::{self, PATRON_CARD, auditor, committee, desk, stranger};
    use crate::tui::state::{Focus, GovView, Overlay, PatronRecs};

    // The fixtures the tabs' tests share.

    pub(super) fn state(viewer: crate::tui::state::Viewer) -> State {
        fixtures::state((80, 24), viewer)
    }

    pub(super) fn shown(
        consent: bool,
        recs: PatronRecs,
    ) -> Option<Box<crate::tui::state::PatronShown>> {
        Some(Box::new(fixtures::patron_shown(consent, recs)))
    }

    pub(super) fn api_recs() -> PatronRecs {
        PatronRecs::Shown { served: Box::new(fixtures::api_recommendations()), flagged: false }
    }

    pub(super) fn has(lines: &[String], line: &str) -> bool {
        lines.iter().any(|l| l == line)
    }

    #[test]
    fn the_selection_is_said_as_its_list_says_it() {
        let mut s = state(auditor());
        s.seats.focus = Focus::Ghosts;
        s.seats.ghost_sel = 1;
        assert_eq!(selected(&s), ghosts(&s).items.get(1).cloned());
        s.tab = Tab::Queues;
        s.queues.sel = 2;
        assert_eq!(selected(&s), queues(&s).items.get(2).cloned());
        s.tab = Tab::Alerts;
        assert_eq!(selected(&s), alerts(&s).items.get(1).cloned());
        s.tab = Tab::Governance;
        assert_eq!(selected(&s), governance(&s, s.governance.view).items.first().cloned());
        s.tab = Tab::System;
        s.system.sel = 5;
        assert!(selected(&s).unwrap_or_default().starts_with("sensor.environment, stale"));
        s.tab = Tab::Patrons;
        assert_eq!(selected(&s), None);
        let mut d = state(desk());
        d.tab = Tab::Alerts;
        assert_eq!(selected(&d), None, "the desk does not see alerts");
    }

    fn push(out: &mut Vec<String>, l: Listing) {
        out.push(l.title);
        out.extend(l.items);
    }

    /// Everything every function says of `s`.
    fn everything(s: &State) -> Vec<String> {
        let mut out = vec![];
        push(&mut out, seats_overview(s));
        let q = SeatQuery { place: Some("room".into()), power: true, ..Default::default() };
        push(&mut out, seat_list(s, &q));
        push(&mut out, seat_list(s, &SeatQuery::default()));
        push(&mut out, ghosts(s));
        push(&mut out, found(s));
        push(&mut out, queues(s));
        push(&mut out, alerts(s));
        for v in GovView::ALL {
            push(&mut out, governance(s, v));
        }
        for id in ["0-007", "F1-S0042", "0-008"] {
            out.extend(seat(s, id).unwrap_or_default());
        }
        for id in 0..15 {
            out.extend(request(s, id).unwrap_or_default());
            out.extend(review_item(s, id).unwrap_or_default());
        }
        out.extend(alert(s).unwrap_or_default());
        out.extend(patron(s));
        out.extend(system(s));
        out.push(health(s));
        for tab in Tab::ALL {
            let mut t = s.clone();
            t.tab = tab;
            out.extend(selected(&t));
        }
        out
    }

    /// The fixtures in many states: every viewer, a patron shown every way, a find and a seat's
    /// history, nothing read yet, every API health, the database down.
    fn every_state(hostile: bool) -> Vec<State> {
        let mut states = vec![];
        for viewer in [desk(), auditor(), committee(), stranger()] {
            let mut s = state(viewer);
            s.seats.snapshot = Some(fixtures::seats_snapshot(2, 120, hostile));
            states.push(s);
        }
        let at = fixtures::now() - Duration::minutes(30);
        let event = SeatEvent {
            seat_id: "F0-S0007".into(),
            state: SeatState::Away,
            since: at,
            sensor: SensorHealth::Degraded,
            observed: at,
        };
        let recs = [
            api_recs(),
            PatronRecs::Shown {
                served: Box::new(fixtures::fallback_recommendations()),
                flagged: true,
            },
            PatronRecs::Asking,
            PatronRecs::Withheld("no consent".into()),
            PatronRecs::Failed("the log could not be written".into()),
        ];
        for (i, r) in recs.into_iter().enumerate() {
            let mut s = states[0].clone();
            s.patrons.shown = shown(i % 2 == 0, r);
            s.overlay = Some(Overlay::SeatDetail {
                seat_id: "F0-S0007".into(),
                history: Some(vec![event.clone()]),
            });
            crate::tui::update::seats::find(&mut s);
            states.push(s);
        }
        let health = [
            ApiHealth::Off,
            ApiHealth::Waiting,
            ApiHealth::Ok,
            ApiHealth::Stale { minutes: 75 },
            ApiHealth::Down,
        ];
        for h in health {
            let mut s = State::new(
                committee(),
                "Central Library".into(),
                chrono_tz::UTC,
                crate::tui::keymap::Keymap::defaults(),
                crate::tui::theme::Theme::new(crate::tui::theme::ThemeName::Mono),
                fixtures::now(),
            );
            s.health = crate::tui::state::Health { sensor: h, recs: h };
            s.database_down = Some(fixtures::now() - Duration::days(2));
            s.busy = Some("releasing 0-007".into());
            s.patrons.demo_card = Some(PATRON_CARD.into());
            states.push(s.clone());
            s.seats.snapshot = Some(fixtures::seats_snapshot(0, 0, false));
            s.queues.overview = Some(crate::services::queues::QueueOverview {
                services: vec![],
                ..fixtures::queue_overview()
            });
            states.push(s);
        }
        states
    }

    /// What the brief forbids the plain console to add: box drawing and blocks, ellipses,
    /// arrows, middle dots, dashes, epsilon and ticks.
    fn forbidden(c: char) -> bool {
        ('\u{2500}'..='\u{259F}').contains(&c) || "…→←↑↓·—ε✓✗".contains(c)
    }

    #[test]
    fn everything_said_is_plain_words() {
        for s in every_state(false) {
            for line in everything(&s) {
                assert!(!line.chars().any(forbidden), "{line}");
                assert!(!line.chars().any(char::is_control), "{line:?}");
                // The only character beyond ASCII in the fixtures' data is the en dash of an
                // alert's summary ("07:00–22:00"); nothing this file adds is.
                assert!(line.chars().all(|c| c.is_ascii() || c == '–'), "{line}");
            }
        }
    }

    #[test]
    fn hostile_data_passes_as_it_is_and_nothing_else_is_added() {
        let from_data = ['\u{1b}', '\u{7}', '\u{9b}'];
        let mut passed = false;
        for s in every_state(true) {
            for line in everything(&s) {
                assert!(!line.chars().any(forbidden), "{line:?}");
                assert!(
                    line.chars().filter(|c| c.is_control()).all(|c| from_data.contains(&c)),
                    "{line:?}"
                );
                passed |= line.contains("\u{1b}[2J\u{9b}31mEVIL");
            }
        }
        assert!(passed, "the hostile label reaches the session, which strips it");
    }
}
