//! The plain session: reads a line, carries it out on the console's own state and effects,
//! waits for what it started to finish, then says the answer and asks for the next line.
//!
//! A command selects what it names (a seat, a window, an alert, a request) the way the keys
//! would, then runs the action through `update::run`; a box or a confirmation the action opens
//! becomes a question, answered by typing into it as keys would. So refusals, confirmations,
//! the services' checks and the audit entries are those of the full-screen console.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::time::{Instant, MissedTickBehavior};

use super::announce::{self, Announcer, Kind, Level};
use super::command::{self, Command};
use super::input::{self, Completions, Input, Screen};
use super::render::{self, Listing, SeatQuery};
use super::text::speak;
use crate::domain::policy::Permission;
use crate::tui::Console;
use crate::tui::keymap::Action;
use crate::tui::msg::{Effect, Msg};
use crate::tui::runtime::{Executor, Feeds, first_loads, signals};
use crate::tui::state::{
    Focus, GovRow, GovSelection, GovView, Overlay, Pending, State, Tab, Toast,
};
use crate::tui::update::{self, alerts, governance, queues, seats, update};

/// Items said at a time; `more` (or an empty line) says the next ones.
const PAGE: usize = 10;
/// How long an answer waits for what its command started before it says so.
const SLOW: Duration = Duration::from_secs(8);
/// How long before the answer is given with what there is.
const GIVE_UP: Duration = Duration::from_secs(30);

/// How a plain session ended, for the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// `quit`, the end of the input, ctrl-c, a signal.
    Quit,
    /// A line longer than the session reads: bad input.
    TooLong,
}

/// What to say once a command's effects are done.
#[derive(Debug, Clone, PartialEq)]
enum View {
    /// Nothing more than what the command said (its toasts, its question).
    Nothing,
    Tab,
    Seats(SeatQuery),
    Ghosts,
    Found,
    Seat(String),
    Queues,
    Alerts,
    Alert,
    Governance(GovView),
    Request(u64),
    Review(u64),
    Patron,
    System,
    Selected,
}

struct Waiting {
    view: View,
    since: Instant,
    told: bool,
}

struct Session {
    state: State,
    exec: Executor,
    pending: Vec<Effect>,
    screen: Arc<Mutex<Screen>>,
    completions: Arc<Mutex<Completions>>,
    announcer: Announcer,
    /// The list being said, and how far.
    pager: Option<(Listing, usize)>,
    waiting: Option<Waiting>,
    /// Lines typed while an answer was awaited, taken in order after it.
    ahead: VecDeque<String>,
    last_toast: Option<Toast>,
    /// A request this console's own vote decided: its decision is not announced again.
    own_decision: Option<u64>,
    /// The input ended: the session ends once the lines before the end are answered.
    input_ended: bool,
    ended: Option<Ended>,
}

/// Runs the plain console to the end.
pub async fn run(console: Console, level: Level) -> std::io::Result<Ended> {
    let Console { mut state, db, loader, sources, actor, ingest, desk } = console;
    // No screen to fit: a size the seat map never needs to zoom out for, so the seat a
    // command names is the seat the map cursor selects.
    state.size = (1000, 500);
    let raw = use_raw();
    let _raw_mode = if raw { Some(RawMode::enter()?) } else { None };
    let screen = Arc::new(Mutex::new(Screen::new(Box::new(std::io::stdout()), raw)));
    let completions = Arc::new(Mutex::new(Completions::default()));
    let mut inputs = input::start(raw, Arc::clone(&screen), Arc::clone(&completions));

    let mut feeds = Feeds::start(ingest);
    let (exec, mut rx) = Executor::new(db, loader, sources, actor, desk);
    let mut s = Session {
        pending: first_loads(&state),
        state,
        exec,
        screen,
        completions,
        announcer: Announcer::new(level),
        pager: None,
        waiting: None,
        ahead: VecDeque::new(),
        last_toast: None,
        own_decision: None,
        input_ended: false,
        ended: None,
    };
    s.pending.extend(s.everything());
    s.greet();
    s.wait_for(View::Nothing);

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut poll = tokio::time::interval(Duration::from_secs(1));
    poll.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let (mut term_sig, mut hup_sig) = signals();
    loop {
        for effect in std::mem::take(&mut s.pending) {
            match effect {
                Effect::Quit => s.state.quit = true,
                e => s.exec.execute(e),
            }
        }
        if s.state.quit || s.ended.is_some() || s.broken() {
            break;
        }
        if s.waiting.is_some() && !s.exec.busy() && rx.is_empty() {
            s.answer();
            continue;
        }
        if s.waiting.is_none() && s.prompt_needed() {
            if let Some(line) = s.ahead.pop_front() {
                s.line(&line);
                continue;
            }
            if s.input_ended {
                break;
            }
            s.prompt();
        }
        tokio::select! {
            got = inputs.recv(), if !s.input_ended => match got {
                Some(Input::Line(line)) => {
                    s.screen().prompt = None;
                    if s.waiting.is_some() {
                        s.ahead.push_back(line);
                    } else {
                        s.line(&line);
                    }
                }
                Some(Input::TooLong) => {
                    s.say(&[format!(
                        "carrel: a line of input is longer than {} bytes; stopping",
                        input::MAX_LINE
                    )]);
                    s.ended = Some(Ended::TooLong);
                }
                // Lines typed (or piped) ahead are still carried out; then the session ends.
                Some(Input::End) | None => s.input_ended = true,
                Some(Input::Interrupt) => s.state.quit = true,
            },
            Some(msg) = rx.recv() => {
                s.exec.received(&msg, &mut s.pending);
                s.apply(msg);
            }
            _ = tick.tick() => {
                s.apply(Msg::Tick(Utc::now()));
                s.announce();
                s.slow();
            }
            _ = poll.tick() => {
                for msg in s.exec.look_for_changes().await {
                    s.apply(msg);
                }
            }
            () = feeds.wrote() => s.apply(Msg::DataChanged),
            _ = term_sig.recv() => s.state.quit = true,
            _ = hup_sig.recv() => s.state.quit = true,
        }
    }
    feeds.stop().await;
    let ended = s.ended.take().unwrap_or(Ended::Quit);
    if ended == Ended::Quit && !s.broken() {
        s.say(&["bye".to_owned()]);
    }
    Ok(ended)
}

/// Keys one by one (for completion) on a terminal that is not dumb; the terminal's own line
/// editing elsewhere.
fn use_raw() -> bool {
    use std::io::IsTerminal;
    let term = std::env::var("TERM").unwrap_or_default();
    std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && !term.is_empty()
        && term != "dumb"
}

/// Raw mode for as long as it lives: only the terminal's line discipline changes; nothing is
/// written to the terminal for it.
struct RawMode;

impl RawMode {
    fn enter() -> std::io::Result<RawMode> {
        crossterm::terminal::enable_raw_mode()?;
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn tab_action(tab: Tab) -> Action {
    match tab {
        Tab::Seats => Action::TabSeats,
        Tab::Queues => Action::TabQueues,
        Tab::Alerts => Action::TabAlerts,
        Tab::Governance => Action::TabGovernance,
        Tab::Patrons => Action::TabPatrons,
        Tab::System => Action::TabSystem,
    }
}

impl Session {
    fn screen(&self) -> std::sync::MutexGuard<'_, Screen> {
        self.screen.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn broken(&self) -> bool {
        self.screen().broken
    }

    /// Says lines, made safe to say.
    fn say(&self, lines: &[String]) {
        let lines: Vec<String> = lines.iter().map(|l| speak(l)).collect();
        self.screen().lines(&lines);
    }

    fn say1(&self, line: impl Into<String>) {
        self.say(&[line.into()]);
    }

    fn greet(&self) {
        let who = command::who(&self.state.viewer);
        self.say(&[
            format!("carrel, {}. Plain console for {who}.", self.state.library),
            "Type help for the commands, quit to leave. Lists are numbered; more says the next page."
                .to_owned(),
        ]);
    }

    /// Everything the session announces changes of, beside what the console loads itself:
    /// seats, windows, alerts and requests, whichever tab is current.
    fn everything(&self) -> Vec<Effect> {
        let mut out = vec![Effect::LoadSeats, Effect::LoadQueues];
        if self.state.viewer.sees_alerts() {
            out.push(alerts::load(&self.state));
        }
        if governance::sees(&self.state) {
            out.push(Effect::LoadGovernance);
        }
        out
    }

    /// A message through `update`, then what it changed is queued to be announced and a new
    /// status message is said.
    fn apply(&mut self, msg: Msg) {
        let compare = matches!(
            msg,
            Msg::SeatsLoaded(..)
                | Msg::QueuesLoaded(..)
                | Msg::SystemLoaded(..)
                | Msg::AlertsLoaded(..)
                | Msg::GovernanceLoaded(..)
                | Msg::DatabaseReachable(..)
        );
        if let Msg::Voted { id, result: Ok(Some(_)), .. } = &msg {
            self.own_decision = Some(*id);
        }
        let changed = matches!(msg, Msg::DataChanged);
        let before = compare.then(|| self.state.clone());
        let effects = update(&mut self.state, msg);
        self.pending.extend(effects);
        if changed {
            let more = self.everything();
            self.pending.extend(more);
        }
        if let Some(before) = before {
            let mut changes = announce::changes(&before, &self.state);
            if let Some(id) = self.own_decision {
                let item = format!("request {id}");
                let n = changes.len();
                changes.retain(|c| !(c.kind == Kind::Decided && c.item == item));
                if changes.len() != n {
                    self.own_decision = None;
                }
            }
            self.announcer.push(changes);
        }
        self.toast();
    }

    /// A status message the console set is said once.
    fn toast(&mut self) {
        if self.state.toast != self.last_toast {
            self.last_toast = self.state.toast.clone();
            if let Some(t) = &self.state.toast {
                self.say1(t.text.clone());
            }
        }
    }

    fn announce(&mut self) {
        // A line being typed is not interrupted: what changed is said after it.
        if self.screen().typing() {
            return;
        }
        let lines = self.announcer.due(self.state.wall);
        self.say(&lines);
    }

    /// Runs an action as its key would.
    fn act(&mut self, action: Action) {
        let effects = update::run(&mut self.state, action);
        self.pending.extend(effects);
        self.toast();
    }

    fn press(&mut self, code: KeyCode) {
        self.apply(key(code));
    }

    /// Types `text` into the box that is open, as keys would.
    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    fn go(&mut self, tab: Tab) {
        if self.state.tab != tab {
            self.state.overlay = None;
            self.act(tab_action(tab));
        }
    }

    fn wait_for(&mut self, view: View) {
        self.waiting = Some(Waiting { view, since: Instant::now(), told: false });
    }

    /// Says so when an answer is slow, and gives it with what there is after a while.
    fn slow(&mut self) {
        let Some(w) = &mut self.waiting else { return };
        let waited = w.since.elapsed();
        if waited >= GIVE_UP {
            self.answer();
        } else if waited >= SLOW && !w.told {
            w.told = true;
            let what = self.state.busy.clone().unwrap_or_else(|| "reading the database".into());
            self.say1(format!("still waiting: {what}"));
        }
    }

    /// Whether the prompt (or a question) should be written: none is on screen.
    fn prompt_needed(&self) -> bool {
        self.screen().prompt.is_none()
    }

    /// The question the open box or confirmation asks, or the prompt.
    fn prompt(&mut self) {
        self.refresh_completions();
        let q = self.question();
        let text = speak(&q.unwrap_or_else(|| "carrel> ".to_owned()));
        self.screen().ask(&text);
    }

    /// What the command started is done: say the answer.
    fn answer(&mut self) {
        let Some(w) = self.waiting.take() else { return };
        self.show(w.view);
        // Details and the find form are read, not answered: close them.
        if matches!(
            self.state.overlay,
            Some(
                Overlay::SeatDetail { .. }
                    | Overlay::Find
                    | Overlay::Help { .. }
                    | Overlay::Palette { .. }
            )
        ) {
            self.state.overlay = None;
        }
        if let Some(Overlay::PickStaff { options, .. }) = &self.state.overlay {
            let items: Vec<String> = options
                .iter()
                .enumerate()
                .map(|(i, o)| format!("{} of {}: {o}", i + 1, options.len()))
                .collect();
            self.say(&items);
        }
        let announced = self.announcer.due(self.state.wall);
        self.say(&announced);
    }

    fn refresh_completions(&mut self) {
        let mut words: Vec<String> = vec![];
        if let Some(s) = &self.state.seats.snapshot {
            for f in &s.floors {
                words.extend(f.seats.iter().map(|c| c.label.clone()));
            }
        }
        for w in queues::windows(&self.state) {
            words.push(w.point.id.clone());
        }
        words.extend(queues::free_staff(&self.state));
        if let Some(list) = &self.state.alerts.list {
            words.extend(list.iter().map(|a| a.id.to_string()));
        }
        if let Some(g) = &self.state.governance.snapshot {
            words.extend(g.requests.iter().map(|r| r.id.to_string()));
        }
        words.extend(
            ["zone", "in", "free", "occupied", "away", "reserved", "power", "accessible", "note"]
                .map(String::from),
        );
        words.extend(
            ["reason", "staff", "for", "circulation", "account", "request"].map(String::from),
        );
        words.extend(crate::domain::layout::ZoneKind::ALL.map(|k| k.as_str().to_owned()));
        words.extend(Tab::ALL.map(|t| t.title().to_lowercase()));
        words.extend(Level::WORDS.map(String::from));
        let commands = command::names_for(&self.state.viewer);
        let mut c = self.completions.lock().unwrap_or_else(|p| p.into_inner());
        c.commands = commands;
        c.words = words;
    }

    /// A line the user typed.
    fn line(&mut self, line: &str) {
        self.state.patrons.last_key = self.state.wall;
        let text = line.trim().to_owned();
        if self.pager.is_some() && (text.is_empty() || text.eq_ignore_ascii_case("more")) {
            self.page();
            return;
        }
        if self.state.overlay.is_some() {
            self.reply(&text);
            return;
        }
        self.pager = None;
        match command::parse(&text) {
            Ok(cmd) => self.command(cmd),
            Err(e) => self.say1(e),
        }
    }

    fn command(&mut self, cmd: Command) {
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
    fn action(&mut self, action: Action, args: &[String]) -> Option<View> {
        let takes_nothing = action.entry().args.is_empty();
        if takes_nothing && !args.is_empty() {
            self.say1(format!("{} takes nothing after it", action.name()));
            return None;
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
                    self.press(KeyCode::Enter);
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
    fn window(&mut self, action: Action, args: &[String]) -> Option<View> {
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
    fn pick(&mut self, answer: &str) {
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

    fn number(&self, word: &str, what: &str) -> Option<u64> {
        match word.trim_start_matches('#').parse() {
            Ok(n) => Some(n),
            Err(_) => {
                self.say1(format!("'{word}' is not a {what} number"));
                None
            }
        }
    }

    /// Says why the viewer may not see or do `p`, as the console words it, unless they may.
    fn may_see(&mut self, p: Permission) -> bool {
        if self.state.viewer.may(p) {
            return true;
        }
        let why = governance::who_may(&self.state, p);
        self.say1(format!("cannot {}: {why}", p.description()));
        false
    }

    fn select_seat(&mut self, id: &str) -> bool {
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

    fn select_window(&mut self, id: &str) -> bool {
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
                self.say1(format!("no window {id}; the windows are {}", ids.join(", ")));
                false
            }
        }
    }

    fn select_alert_words(&mut self, words: &[String]) -> bool {
        match words {
            [] => true,
            [w] => self.number(w, "alert").is_some_and(|id| self.select_alert(id)),
            _ => {
                self.say1("say the alert's number, then note and the note");
                false
            }
        }
    }

    fn select_alert(&mut self, id: u64) -> bool {
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

    fn alert_states(&mut self, want: Option<crate::domain::alerts::AlertState>) {
        // The states cycle as the key cycles them; five presses come back round.
        for _ in 0..5 {
            if self.state.alerts.state_filter == want {
                break;
            }
            self.act(Action::AlertStates);
        }
    }

    fn select_request_words(&mut self, words: &[String]) -> bool {
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
    fn governance_view(&mut self, view: GovView) -> bool {
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

    fn select_row(&mut self, row: GovRow) -> bool {
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
    fn select_here(&mut self, id: &str) -> bool {
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
    fn lookup_purpose(&mut self, words: &str) -> bool {
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

    /// The question the open box asks, if one is open.
    fn question(&self) -> Option<String> {
        let tz = self.state.tz;
        Some(match self.state.overlay.as_ref()? {
            Overlay::Confirm(Pending::Release { label, away_since, ghost, .. }) => {
                let since = away_since
                    .map(|t| format!(", away since {}", t.with_timezone(&tz).format("%H:%M")))
                    .unwrap_or_default();
                let ghost = if *ghost { ", a ghost seat" } else { "" };
                format!("Release seat {label}{ghost}{since}? yes or no: ")
            }
            Overlay::Confirm(Pending::Window { summary, warning, .. }) => {
                let warning = warning.as_ref().map(|w| format!("{w} ")).unwrap_or_default();
                format!("{warning}{}? yes or no: ", capital(summary))
            }
            Overlay::Confirm(Pending::Withdraw { id, title }) => {
                format!("Withdraw request {id}, {title}? yes or no: ")
            }
            Overlay::PickStaff { name, .. } => {
                format!("Who staffs {name}? Their number or login, or cancel: ")
            }
            Overlay::AlertNote { id, action, .. } => {
                let need = if *action == crate::domain::alerts::AlertAction::Resolve {
                    "say what was done"
                } else {
                    "enter for none"
                };
                format!("Note to {} alert {id} ({need}), or cancel: ", action.as_str())
            }
            Overlay::Vote(b) => {
                let problem = b.problem.as_ref().map(|p| format!("{p}. ")).unwrap_or_default();
                let how = if b.approve { "approving" } else { "denying" };
                format!("{problem}Reason for {how} request {}, or cancel: ", b.id)
            }
            Overlay::Verdict(b) => {
                let problem = b.problem.as_ref().map(|p| format!("{p}. ")).unwrap_or_default();
                format!(
                    "{problem}Note on review item {} ({}), or cancel: ",
                    b.id,
                    b.verdict.as_str()
                )
            }
            Overlay::FileRequest(form) => {
                let problem = form.problem.as_ref().map(|p| format!("{p}. ")).unwrap_or_default();
                let f = form.focus;
                let now = form.shown(f);
                let now = if now.is_empty() { String::new() } else { format!(", now {now}") };
                let takes = if f.is_choice() {
                    format!("one of {}", choices(form, f).join(", "))
                } else {
                    f.hint()
                };
                format!("{problem}New request, {} ({takes}{now}), or cancel: ", f.label())
            }
            Overlay::Lookup(b) if !b.waiting => {
                let problem = b.problem.as_ref().map(|p| format!("{p}. ")).unwrap_or_default();
                match b.focus {
                    crate::tui::lookup::LookupField::Card => {
                        format!("{problem}Card number, for {}, or cancel: ", b.purpose_text())
                    }
                    crate::tui::lookup::LookupField::Purpose => {
                        format!("{problem}Purpose: circulation, account or request N, or cancel: ")
                    }
                }
            }
            _ => return None,
        })
    }

    /// An answer to the open box's question.
    fn reply(&mut self, text: &str) {
        if text.eq_ignore_ascii_case("cancel") {
            self.press(KeyCode::Esc);
            self.state.overlay = None;
            self.say1("cancelled");
            return;
        }
        let Some(overlay) = self.state.overlay.clone() else { return };
        let view = match overlay {
            Overlay::Confirm(_) => match text.to_lowercase().as_str() {
                "yes" | "y" => {
                    self.press(KeyCode::Char('y'));
                    View::Nothing
                }
                "no" | "n" => {
                    self.press(KeyCode::Esc);
                    self.say1("not done");
                    return;
                }
                _ => {
                    self.say1("answer yes or no");
                    return;
                }
            },
            Overlay::PickStaff { .. } => {
                self.pick(text);
                View::Nothing
            }
            Overlay::AlertNote { .. } | Overlay::Vote(_) | Overlay::Verdict(_) => {
                self.type_text(text);
                self.press(KeyCode::Enter);
                View::Nothing
            }
            Overlay::FileRequest(form) => {
                let f = form.focus;
                if f.is_choice() {
                    if !self.choose(f, text) {
                        return;
                    }
                } else if !text.is_empty() || form.shown(f).is_empty() {
                    // What was there is replaced by the answer; an empty answer keeps it.
                    for _ in 0..form.shown(f).chars().count() {
                        self.press(KeyCode::Backspace);
                    }
                    self.type_text(text);
                }
                let last =
                    matches!(&self.state.overlay, Some(Overlay::FileRequest(f)) if f.on_last());
                if last {
                    self.apply(Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
                } else {
                    self.press(KeyCode::Tab);
                }
                View::Nothing
            }
            Overlay::Lookup(b) => {
                if b.focus == crate::tui::lookup::LookupField::Purpose {
                    if !self.lookup_purpose(text) {
                        return;
                    }
                    View::Nothing
                } else {
                    self.type_text(text);
                    self.press(KeyCode::Enter);
                    View::Patron
                }
            }
            _ => {
                self.state.overlay = None;
                return;
            }
        };
        self.wait_for(view);
    }

    /// Picks `answer` in a choice field of the request form, as the arrow keys would.
    fn choose(&mut self, f: crate::tui::form::Field, answer: &str) -> bool {
        // `public_task` and `public-task` are the same choice; an empty answer keeps it.
        let plain = |s: &str| s.trim().to_lowercase().replace('_', "-");
        let want = plain(answer);
        for _ in 0..12 {
            match &self.state.overlay {
                Some(Overlay::FileRequest(form))
                    if !want.is_empty() && plain(&form.shown(f)) != want =>
                {
                    self.press(KeyCode::Right)
                }
                Some(Overlay::FileRequest(_)) => return true,
                _ => return false,
            }
        }
        if let Some(Overlay::FileRequest(form)) = &self.state.overlay {
            let options = choices(form, f).join(", ");
            self.say1(format!("'{answer}' is not one of {options}"));
        }
        false
    }

    /// Says a list: its title, then its first page.
    fn list(&mut self, listing: Listing) {
        self.say1(listing.title.clone());
        self.pager = Some((listing, 0));
        self.page();
    }

    fn page(&mut self) {
        let Some((listing, from)) = self.pager.take() else { return };
        let n = listing.items.len();
        let to = (from + PAGE).min(n);
        let lines: Vec<String> = listing.items[from..to]
            .iter()
            .enumerate()
            .map(|(i, item)| format!("{} of {n}: {item}", from + i + 1))
            .collect();
        self.say(&lines);
        if to < n {
            self.say1(format!("{} more: enter or more says them", n - to));
            self.pager = Some((listing, to));
        }
    }

    /// Says what a command's effects brought.
    fn show(&mut self, view: View) {
        let state = &self.state;
        let view = if view == View::Tab {
            match state.tab {
                Tab::Seats => View::Seats(SeatQuery::default()),
                Tab::Queues => View::Queues,
                Tab::Alerts if !state.viewer.sees_alerts() => {
                    let why = governance::who_may(state, Permission::ViewAlerts);
                    self.say1(format!(
                        "Alerts: cannot {}: {why}",
                        Permission::ViewAlerts.description()
                    ));
                    return;
                }
                Tab::Alerts => View::Alerts,
                Tab::Governance => View::Governance(state.governance.view),
                Tab::Patrons => View::Patron,
                Tab::System => View::System,
            }
        } else {
            view
        };
        match view {
            View::Nothing | View::Tab => {}
            View::Seats(q) if q == SeatQuery::default() => {
                self.list(render::seats_overview(&self.state))
            }
            View::Seats(q) => self.list(render::seat_list(&self.state, &q)),
            View::Ghosts => self.list(render::ghosts(&self.state)),
            View::Found => self.list(render::found(&self.state)),
            View::Seat(id) => match render::seat(&self.state, &id) {
                Some(lines) => self.say(&lines),
                None => self.say1(format!("no seat {id}")),
            },
            View::Queues => self.list(render::queues(&self.state)),
            View::Alerts => self.list(render::alerts(&self.state)),
            View::Alert => match render::alert(&self.state) {
                Some(lines) => self.say(&lines),
                None => self.say1("no alert selected"),
            },
            View::Governance(v) => self.list(render::governance(&self.state, v)),
            View::Request(id) => match render::request(&self.state, id) {
                Some(lines) => self.say(&lines),
                None => self.say1(format!("no request {id}")),
            },
            View::Review(id) => match render::review_item(&self.state, id) {
                Some(lines) => self.say(&lines),
                None => self.say1(format!("no review item {id}")),
            },
            View::Patron => {
                let lines = render::patron(&self.state);
                self.say(&lines)
            }
            View::System => {
                let lines = render::system(&self.state);
                self.say(&lines)
            }
            View::Selected => match render::selected(&self.state) {
                Some(line) => self.say1(line),
                None => self.say1("nothing selected"),
            },
        }
    }
}

/// The choices of a choice field, in the order the arrow keys give them.
fn choices(form: &crate::tui::form::RequestForm, f: crate::tui::form::Field) -> Vec<String> {
    let mut form = form.clone();
    form.focus = f;
    let mut out: Vec<String> = vec![];
    for _ in 0..12 {
        let shown = form.shown(f);
        if out.contains(&shown) {
            break;
        }
        out.push(shown);
        form.cycle(true);
    }
    out
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
