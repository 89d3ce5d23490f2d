//! Selecting what a command names (a seat, a window, an alert, a request, a review item) the
//! way the console's keys would, so the action that follows acts on it.

use crossterm::event::KeyCode;

use super::render::{self};
use super::session::Session;
use crate::domain::policy::Permission;
use crate::tui::keymap::Action;
use crate::tui::state::{Focus, GovRow, GovSelection, GovView, Overlay, Tab};
use crate::tui::update::{alerts, governance, queues, seats};

impl Session {
    pub(super) fn select_seat(&mut self, id: &str) -> bool {
        let Some((fi, si)) = render::find_seat(&self.state, id) else {
            self.say1(format!("no seat {id}"));
            return false;
        };
        self.state.filter = Default::default();
        let Some(snap) = &self.state.seats.snapshot else { return false };
        let cell = &snap.floors[fi].seats[si];
        let pos = (cell.x, cell.y);
        let ghost_at = snap.ghosts.iter().position(|g| g.floor == fi && g.seat == si);
        match ghost_at {
            Some(i) => {
                self.state.seats.focus = Focus::Ghosts;
                self.state.seats.ghost_sel = i;
            }
            None => {
                self.state.seats.focus = Focus::Map;
                self.state.seats.floor = fi;
                self.state.seats.cursor = pos;
            }
        }
        seats::clamp(&mut self.state);
        true
    }

    pub(super) fn select_window(&mut self, id: &str) -> bool {
        self.state.filter = Default::default();
        let at = queues::windows(&self.state).iter().position(|w| {
            w.point.id.eq_ignore_ascii_case(id) || w.point.name.eq_ignore_ascii_case(id)
        });
        match at {
            Some(i) => {
                self.state.queues.sel = i;
                true
            }
            None => {
                let ids: Vec<String> =
                    queues::windows(&self.state).iter().map(|w| w.point.id.clone()).collect();
                self.say1(if ids.is_empty() {
                    format!("no window {id}: no windows are known yet (nothing from the sensors)")
                } else {
                    format!("no window {id}; the windows are {}", ids.join(", "))
                });
                false
            }
        }
    }

    pub(super) fn select_alert_words(&mut self, words: &[String]) -> bool {
        match words {
            [] => true,
            [w] => self.number(w, "alert").is_some_and(|id| self.select_alert(id)),
            _ => {
                self.say1("say the alert's number, then note and the note");
                false
            }
        }
    }

    pub(super) fn select_alert(&mut self, id: u64) -> bool {
        self.state.filter = Default::default();
        match alerts::visible(&self.state).iter().position(|a| a.id == id) {
            Some(i) => {
                self.state.alerts.sel = i;
                true
            }
            None => {
                let shown = self
                    .state
                    .alerts
                    .state_filter
                    .map_or("active".to_owned(), |s| s.as_str().to_owned());
                self.say1(format!(
                    "alert {id} is not among the {shown} alerts; alerts STATE lists others"
                ));
                false
            }
        }
    }

    pub(super) fn alert_states(&mut self, want: Option<crate::domain::alerts::AlertState>) {
        // The states cycle as the key cycles them; five presses come back round.
        for _ in 0..5 {
            if self.state.alerts.state_filter == want {
                break;
            }
            self.act(Action::AlertStates);
        }
    }

    pub(super) fn select_request_words(&mut self, words: &[String]) -> bool {
        match words {
            [] => true,
            [w] => self.number(w, "request").is_some_and(|id| {
                self.governance_view(GovView::Requests) && self.select_row(GovRow::Request(id))
            }),
            _ => {
                self.say1("say the request's number, then reason and the reason");
                false
            }
        }
    }

    /// Goes to a Governance view, if the viewer has it.
    pub(super) fn governance_view(&mut self, view: GovView) -> bool {
        if !self.may_see(Permission::ViewRequests) {
            return false;
        }
        if !view.offered_to(&self.state.viewer) {
            let p = match view {
                GovView::Review => Permission::ReviewAccess,
                _ => Permission::VoteRequest,
            };
            return self.may_see(p);
        }
        self.go(Tab::Governance);
        for _ in 0..GovView::ALL.len() {
            if self.state.governance.view == view {
                break;
            }
            self.act(Action::GovernanceView);
        }
        self.state.governance.zoom = false;
        true
    }

    pub(super) fn select_row(&mut self, row: GovRow) -> bool {
        self.state.filter = Default::default();
        let view = self.state.governance.view;
        match governance::rows(&self.state, view).iter().position(|r| *r == row) {
            Some(pos) => {
                self.state.governance.sel[view.index()] = GovSelection { row: Some(row), pos };
                true
            }
            None => {
                self.say1(match row {
                    GovRow::Request(id) => format!("no request {id}"),
                    GovRow::Review(id) => format!("no review item {id} among yours"),
                    GovRow::Ledger(_) => "no such line".to_owned(),
                });
                false
            }
        }
    }

    /// Selects the item `id` names on the current tab, for `select ID`.
    pub(super) fn select_here(&mut self, id: &str) -> bool {
        match self.state.tab {
            Tab::Seats => self.select_seat(id),
            Tab::Queues => self.select_window(id),
            Tab::Alerts => self.number(id, "alert").is_some_and(|n| self.select_alert(n)),
            Tab::Governance => {
                let Some(n) = self.number(id, "request or review item") else { return false };
                let row = if self.state.governance.view == GovView::Review {
                    GovRow::Review(n)
                } else {
                    GovRow::Request(n)
                };
                self.select_row(row)
            }
            Tab::Patrons | Tab::System => {
                self.say1("nothing here is selected by number");
                false
            }
        }
    }

    /// The purpose in the lookup box: circulation, account, or request N.
    pub(super) fn lookup_purpose(&mut self, words: &str) -> bool {
        let mut it = words.split_whitespace();
        let want = it.next().unwrap_or("").to_lowercase();
        let number = it.next();
        let Some(Overlay::Lookup(b)) = &self.state.overlay else { return false };
        let known = crate::tui::lookup::LookupPurpose::ALL.iter().any(|p| p.as_str() == want);
        if !known {
            self.say1(format!("'{want}' is not a purpose: circulation, account or request N"));
            return false;
        }
        let focus_purpose = b.focus != crate::tui::lookup::LookupField::Purpose;
        if focus_purpose {
            self.press(KeyCode::Tab);
        }
        for _ in 0..crate::tui::lookup::LookupPurpose::ALL.len() {
            match &self.state.overlay {
                Some(Overlay::Lookup(b)) if b.purpose.as_str() != want => {
                    self.press(KeyCode::Right)
                }
                _ => break,
            }
        }
        if let Some(n) = number {
            self.type_text(n);
        }
        // Back to the card, which is typed next.
        self.press(KeyCode::Tab);
        true
    }
}
