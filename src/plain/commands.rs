//! The plain console's commands: each selects what it names as the keys would and runs its
//! action through the console's `update`, or reads a tab aloud.

use crossterm::event::KeyCode;

use super::announce::Level;
use super::command::{self, Command};
use super::render::{self, Listing};
use super::session::{Session, View, tab_action};
use crate::domain::policy::Permission;
use crate::tui::keymap::{Action, Scope};
use crate::tui::state::{GovRow, GovView, Overlay, Tab};
use crate::tui::update::{alerts, governance, seats};

impl Session {
    pub(super) fn command(&mut self, cmd: Command) {
        let view = match cmd {
            Command::Nothing => return,
            Command::Seats(q) => {
                self.go(Tab::Seats);
                View::Seats(q)
            }
            Command::Ghosts => {
                self.go(Tab::Seats);
                View::Ghosts
            }
            Command::Seat(id) => {
                self.go(Tab::Seats);
                if !self.select_seat(&id) {
                    return;
                }
                self.act(Action::Select);
                View::Seat(id)
            }
            Command::Queues => {
                self.go(Tab::Queues);
                View::Queues
            }
            Command::Alerts(states) => {
                if !self.may_see(Permission::ViewAlerts) {
                    return;
                }
                self.go(Tab::Alerts);
                if let Some(states) = states {
                    self.alert_states(states);
                }
                View::Alerts
            }
            Command::Alert(id) => {
                if !self.may_see(Permission::ViewAlerts) {
                    return;
                }
                self.go(Tab::Alerts);
                if !self.select_alert(id) {
                    return;
                }
                let load = alerts::load(&self.state);
                self.pending.push(load);
                View::Alert
            }
            Command::Governance(view) => {
                if !self.governance_view(view) {
                    return;
                }
                View::Governance(view)
            }
            Command::Request(id) => {
                if !self.governance_view(GovView::Requests) || !self.select_row(GovRow::Request(id))
                {
                    return;
                }
                View::Request(id)
            }
            Command::ReviewItem(id) => {
                if !self.governance_view(GovView::Review) || !self.select_row(GovRow::Review(id)) {
                    return;
                }
                View::Review(id)
            }
            Command::Patron => {
                if !self.may_see(Permission::LookupPatron) {
                    return;
                }
                self.go(Tab::Patrons);
                View::Patron
            }
            Command::System => {
                self.go(Tab::System);
                View::System
            }
            Command::Status => {
                self.say1(render::health(&self.state));
                return;
            }
            Command::WhoAmI => {
                let refused = command::help(&self.state.viewer, false)
                    .items
                    .last()
                    .filter(|l| l.starts_with("Not for"))
                    .cloned();
                let mut lines = vec![format!("You are {}.", command::who(&self.state.viewer))];
                lines.extend(refused);
                self.say(&lines);
                return;
            }
            Command::Tab(tab) => {
                self.state.overlay = None;
                self.act(tab_action(tab));
                View::Tab
            }
            Command::Announce(level) => {
                if let Some(l) = level {
                    self.announcer.level = l;
                }
                let l = self.announcer.level;
                self.say1(match l {
                    Level::All => "announcing every change".to_owned(),
                    Level::Important => "announcing important changes only".to_owned(),
                    Level::Off => {
                        "announcing nothing; changes can still be read with changes".to_owned()
                    }
                });
                return;
            }
            Command::Changes => {
                let tz = self.state.tz;
                let items: Vec<String> = self
                    .announcer
                    .said()
                    .rev()
                    .map(|(at, l)| format!("{}, {l}", at.with_timezone(&tz).format("%H:%M:%S")))
                    .collect();
                let title = if items.is_empty() {
                    "nothing announced yet".to_owned()
                } else {
                    format!("{} lines announced lately, newest first", items.len())
                };
                self.list(Listing { title, items });
                return;
            }
            Command::More => {
                self.say1("nothing more to say: more follows a list");
                return;
            }
            Command::Help(None) => {
                self.list(command::help(&self.state.viewer, false));
                return;
            }
            Command::Help(Some(w)) if w == "all" => {
                self.list(command::help(&self.state.viewer, true));
                return;
            }
            Command::Help(Some(w)) => {
                match command::help_on(&self.state.viewer, &w) {
                    Ok(lines) => self.say(&lines),
                    Err(e) => self.say1(e),
                }
                return;
            }
            Command::Act(action, args) => match self.action(action, &args) {
                Some(v) => v,
                None => return,
            },
        };
        self.wait_for(view);
    }

    /// An action of the table with its words. `None` when it was refused here, said already.
    pub(super) fn action(&mut self, action: Action, args: &[String]) -> Option<View> {
        let takes_nothing = action.entry().args.is_empty();
        if takes_nothing && !args.is_empty() {
            self.say1(format!("{} takes nothing after it", action.name()));
            return None;
        }
        // An action the viewer's roles do not allow goes straight to the console, which
        // refuses it in its own words and logs the attempt, before anything is looked up.
        let tab = match action.scope() {
            Scope::Seats => Some(Tab::Seats),
            Scope::Queues => Some(Tab::Queues),
            Scope::Governance => Some(Tab::Governance),
            Scope::Patrons => Some(Tab::Patrons),
            Scope::Global | Scope::Navigation | Scope::Alerts => None,
        };
        if let (Some(tab), Some(p)) = (tab, action.entry().needs)
            && !self.state.viewer.may(p)
        {
            self.go(tab);
            self.act(action);
            return Some(View::Nothing);
        }
        Some(match action {
            Action::Quit => {
                self.act(Action::Quit);
                View::Nothing
            }
            Action::Help => {
                self.command(Command::Help(args.first().map(|w| w.to_lowercase())));
                return None;
            }
            Action::Palette => {
                let query = args.join(" ").to_lowercase();
                let viewer = &self.state.viewer;
                let items: Vec<String> = crate::tui::keymap::TABLE
                    .iter()
                    .filter(|e| e.needs.is_none_or(|p| viewer.may(p)))
                    .filter(|e| {
                        query.is_empty()
                            || e.name.contains(&query)
                            || e.description.contains(&query)
                            || e.words.iter().any(|w| w.contains(&query))
                    })
                    .map(|e| {
                        let a =
                            if e.args.is_empty() { String::new() } else { format!(" {}", e.args) };
                        format!("{}{a}: {}", e.name, e.description)
                    })
                    .collect();
                let title = format!("{} actions match '{}'", items.len(), query);
                self.list(Listing { title, items });
                return None;
            }
            Action::Filter => {
                let text = args.join(" ");
                if text.is_empty() {
                    self.act(Action::Back);
                } else {
                    self.state.filter.text.clear();
                    self.act(Action::Filter);
                    if self.state.filter.editing {
                        self.type_text(&text);
                        self.press(KeyCode::Enter);
                    }
                }
                View::Tab
            }
            Action::Refresh => {
                self.act(action);
                View::Tab
            }
            Action::NextTab
            | Action::PrevTab
            | Action::TabSeats
            | Action::TabQueues
            | Action::TabAlerts
            | Action::TabGovernance
            | Action::TabPatrons
            | Action::TabSystem => {
                self.state.overlay = None;
                self.act(action);
                View::Tab
            }
            Action::Up
            | Action::Down
            | Action::Left
            | Action::Right
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
            | Action::PrevFloor
            | Action::NextFloor
            | Action::ToggleFocus
            | Action::NextMatch
            | Action::Back => {
                if action.scope() == crate::tui::keymap::Scope::Seats {
                    self.go(Tab::Seats);
                }
                self.act(action);
                View::Selected
            }
            Action::Select => {
                if let Some(id) = args.first()
                    && !self.select_here(id)
                {
                    return None;
                }
                self.act(Action::Select);
                match self.state.tab {
                    Tab::Seats => seats::selected_seat(&self.state)
                        .map_or(View::Selected, |s| View::Seat(s.id.clone())),
                    Tab::Alerts => View::Alert,
                    Tab::Governance => match governance::selected(&self.state) {
                        Some(GovRow::Request(id)) => View::Request(id),
                        Some(GovRow::Review(id)) => View::Review(id),
                        _ => View::Selected,
                    },
                    Tab::Patrons => View::Patron,
                    Tab::Queues | Tab::System => View::Selected,
                }
            }
            Action::Find => {
                self.go(Tab::Seats);
                let mut find = crate::tui::state::FindCriteria::default();
                for w in args.iter().map(|w| w.to_lowercase()) {
                    match w.as_str() {
                        "power" => find.power = true,
                        "accessible" => find.accessible = true,
                        "any" => find.kind = None,
                        k => match command::zone_kind(k) {
                            Some(k) => find.kind = Some(k),
                            None => {
                                self.say1(format!(
                                    "find: '{k}' is not a kind of zone (quiet, group, computer, silent), power or accessible"
                                ));
                                return None;
                            }
                        },
                    }
                }
                self.act(Action::Find);
                if matches!(self.state.overlay, Some(Overlay::Find)) {
                    self.state.seats.find = find;
                    // The console's word of what was found names its key for the next
                    // seat; the list that follows says it all.
                    self.hushed = true;
                    self.press(KeyCode::Enter);
                    self.hushed = false;
                }
                View::Found
            }
            Action::Release => {
                self.go(Tab::Seats);
                if let Some(id) = args.first()
                    && !self.select_seat(id)
                {
                    return None;
                }
                self.act(Action::Release);
                View::Nothing
            }
            Action::OpenWindow | Action::CloseWindow | Action::AssignStaff => {
                return self.window(action, args);
            }
            Action::Undo => {
                self.go(Tab::Queues);
                self.act(Action::Undo);
                View::Nothing
            }
            Action::Acknowledge | Action::Resolve | Action::Escalate => {
                if !self.may_see(Permission::HandleAlerts) {
                    return None;
                }
                self.go(Tab::Alerts);
                let (id, note) = command::split_at(args, "note");
                if !self.select_alert_words(id) {
                    return None;
                }
                self.act(action);
                if let (Some(note), Some(Overlay::AlertNote { .. })) = (note, &self.state.overlay) {
                    self.type_text(&note);
                    self.press(KeyCode::Enter);
                }
                View::Nothing
            }
            Action::AlertStates => {
                if !self.may_see(Permission::ViewAlerts) {
                    return None;
                }
                self.go(Tab::Alerts);
                match args.first() {
                    Some(w) => match command::alert_state(w) {
                        Ok(states) => self.alert_states(states),
                        Err(e) => {
                            self.say1(e);
                            return None;
                        }
                    },
                    None => self.act(Action::AlertStates),
                }
                View::Alerts
            }
            Action::GovernanceView => {
                let view = match args.first() {
                    Some(w) => match command::gov_view(w) {
                        Ok(v) => v,
                        Err(e) => {
                            self.say1(e);
                            return None;
                        }
                    },
                    None => {
                        self.go(Tab::Governance);
                        self.act(Action::GovernanceView);
                        self.state.governance.view
                    }
                };
                if !self.governance_view(view) {
                    return None;
                }
                View::Governance(view)
            }
            Action::Approve | Action::Deny => {
                self.go(Tab::Governance);
                let (id, reason) = command::split_at(args, "reason");
                if !self.select_request_words(id) {
                    return None;
                }
                self.act(action);
                if let Some(Overlay::Vote(_)) = &self.state.overlay {
                    if let Some(r) = &reason {
                        self.type_text(r);
                    }
                    // An approval may go without a reason; a denial asks for one.
                    if reason.is_some() || action == Action::Approve {
                        self.press(KeyCode::Enter);
                    }
                }
                View::Nothing
            }
            Action::NewRequest => {
                self.go(Tab::Governance);
                self.act(Action::NewRequest);
                View::Nothing
            }
            Action::Withdraw => {
                self.go(Tab::Governance);
                if !self.select_request_words(args) {
                    return None;
                }
                self.act(Action::Withdraw);
                View::Nothing
            }
            Action::Justified | Action::Unjustified => {
                self.go(Tab::Governance);
                let (id, note) = command::split_at(args, "note");
                if let Some(w) = id.first() {
                    let id = self.number(w, "review item")?;
                    if !self.governance_view(GovView::Review)
                        || !self.select_row(GovRow::Review(id))
                    {
                        return None;
                    }
                }
                self.act(action);
                if let (Some(note), Some(Overlay::Verdict(_))) = (note, &self.state.overlay) {
                    self.type_text(&note);
                    self.press(KeyCode::Enter);
                }
                View::Nothing
            }
            Action::LookUp => {
                self.go(Tab::Patrons);
                let (card, purpose) = command::split_at(args, "for");
                self.act(Action::LookUp);
                if !matches!(self.state.overlay, Some(Overlay::Lookup(_))) {
                    return Some(View::Nothing);
                }
                if let Some(p) = purpose
                    && !self.lookup_purpose(&p)
                {
                    self.state.overlay = None;
                    return None;
                }
                if !card.is_empty() {
                    self.type_text(&card.join(" "));
                    self.press(KeyCode::Enter);
                    return Some(View::Patron);
                }
                View::Nothing
            }
            Action::LookUpAgain | Action::ClearPatron => {
                self.go(Tab::Patrons);
                self.act(action);
                View::Patron
            }
        })
    }

    /// Open, close or staff a window: `open W3 staff lea`, `close W3`, `assign W3 lea`.
    pub(super) fn window(&mut self, action: Action, args: &[String]) -> Option<View> {
        self.go(Tab::Queues);
        let (window, staff) = match action {
            Action::AssignStaff => {
                (args.first().map(std::slice::from_ref).unwrap_or(&[]), args.get(1).cloned())
            }
            _ => command::split_at(args, "staff"),
        };
        if let Some(w) = window.first()
            && !self.select_window(w)
        {
            return None;
        }
        let staff = staff.filter(|s| !s.is_empty());
        // Opening with someone named goes through the staff picker, opening as it picks.
        let run = if action == Action::OpenWindow && staff.is_some() {
            Action::AssignStaff
        } else {
            action
        };
        self.act(run);
        if let Some(Overlay::PickStaff { open, .. }) = &mut self.state.overlay {
            if action == Action::OpenWindow {
                *open = true;
            }
            if let Some(login) = staff {
                self.pick(&login);
            }
        }
        Some(View::Nothing)
    }

    /// Picks `answer` (a login, or its number in the list) in the staff picker.
    pub(super) fn pick(&mut self, answer: &str) {
        let Some(Overlay::PickStaff { options, selected, .. }) = &mut self.state.overlay else {
            return;
        };
        let at = answer
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .filter(|i| *i < options.len())
            .or_else(|| options.iter().position(|o| o.eq_ignore_ascii_case(answer)));
        match at {
            Some(i) => {
                *selected = i;
                self.press(KeyCode::Enter);
            }
            None => {
                let free = options.join(", ");
                self.say1(format!("{answer} is not free to staff a window; free now: {free}"));
            }
        }
    }

    pub(super) fn number(&self, word: &str, what: &str) -> Option<u64> {
        match word.trim_start_matches('#').parse() {
            Ok(n) => Some(n),
            Err(_) => {
                self.say1(format!("'{word}' is not a {what} number"));
                None
            }
        }
    }

    /// Says why the viewer may not see or do `p`, as the console words it, unless they may.
    pub(super) fn may_see(&mut self, p: Permission) -> bool {
        if self.state.viewer.may(p) {
            return true;
        }
        let why = governance::who_may(&self.state, p);
        self.say1(format!("cannot {}: {why}", p.description()));
        false
    }
}
