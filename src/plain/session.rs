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
use super::command::{self};
use super::input::{self, Completions, Input, Screen};
use super::render::{self, Listing, SeatQuery};
use super::text::speak;
use crate::domain::policy::Permission;
use crate::tui::Console;
use crate::tui::keymap::Action;
use crate::tui::msg::{Effect, Msg};
use crate::tui::runtime::{Executor, Feeds, first_loads, signals};
use crate::tui::state::{GovView, Overlay, State, Tab, Toast};
use crate::tui::update::{self, alerts, governance, queues, update};

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
pub(super) enum View {
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

/// A list being said, and how far.
pub(super) struct Pager {
    listing: Listing,
    from: usize,
    numbered: bool,
}

pub(super) struct Waiting {
    pub(super) view: View,
    pub(super) since: Instant,
    pub(super) told: bool,
}

pub(super) struct Session {
    pub(super) state: State,
    pub(super) exec: Executor,
    pub(super) pending: Vec<Effect>,
    pub(super) screen: Arc<Mutex<Screen>>,
    pub(super) completions: Arc<Mutex<Completions>>,
    pub(super) announcer: Announcer,
    /// The list being said, and how far.
    pub(super) pager: Option<Pager>,
    pub(super) waiting: Option<Waiting>,
    /// Lines typed while an answer was awaited, taken in order after it.
    pub(super) ahead: VecDeque<String>,
    pub(super) last_toast: Option<Toast>,
    /// A request this console's own vote decided: its decision is not announced again.
    pub(super) own_decision: Option<u64>,
    /// Status messages are not said while set: the answer that follows says the same.
    pub(super) hushed: bool,
    /// The input ended: the session ends once the lines before the end are answered.
    pub(super) input_ended: bool,
    pub(super) ended: Option<Ended>,
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
        hushed: false,
        input_ended: false,
        ended: None,
    };
    let more = s.everything();
    add_loads(&mut s.pending, more);
    s.greet();
    s.wait_for(View::Nothing);

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut poll = tokio::time::interval(Duration::from_secs(1));
    poll.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let (mut term_sig, mut hup_sig) = signals();
    // Ctrl-c where the terminal edits lines (raw mode reads it as a key instead): leave as
    // `quit` does, letting the feeds go.
    let mut int_sig = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
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
                    {
                        let mut screen = s.screen();
                        screen.prompt = None;
                        screen.entered = false;
                    }
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
            _ = int_sig.recv() => s.state.quit = true,
        }
    }
    feeds.stop().await;
    let ended = s.ended.take().unwrap_or(Ended::Quit);
    if ended == Ended::Quit && !s.broken() {
        s.say(&["bye".to_owned()]);
    }
    Ok(ended)
}

/// Adds the loads `more` the console did not ask for already: a second request for a running
/// load would run it again when it ends. Loading the alerts counts them too.
fn add_loads(effects: &mut Vec<Effect>, more: Vec<Effect>) {
    for e in more {
        if !effects.contains(&e) {
            effects.push(e);
        }
    }
    if effects.iter().any(|e| matches!(e, Effect::LoadAlerts { .. })) {
        effects.retain(|e| *e != Effect::CountAlerts);
    }
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

pub(super) fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(super) fn tab_action(tab: Tab) -> Action {
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
    pub(super) fn screen(&self) -> std::sync::MutexGuard<'_, Screen> {
        self.screen.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn broken(&self) -> bool {
        self.screen().broken
    }

    /// Says lines, made safe to say.
    pub(super) fn say(&self, lines: &[String]) {
        let lines: Vec<String> = lines.iter().map(|l| speak(l)).collect();
        self.screen().lines(&lines);
    }

    pub(super) fn say1(&self, line: impl Into<String>) {
        self.say(&[line.into()]);
    }

    pub(super) fn greet(&self) {
        let who = command::who(&self.state.viewer);
        self.say(&[
            format!("carrel, {}. Plain console for {who}.", self.state.library),
            "Type help for the commands, quit to leave. Lists are numbered; more says the next page."
                .to_owned(),
        ]);
    }

    /// Everything the session announces changes of, beside what the console loads itself:
    /// seats, windows, alerts and requests, whichever tab is current.
    pub(super) fn everything(&self) -> Vec<Effect> {
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
    pub(super) fn apply(&mut self, msg: Msg) {
        // Only messages that bring data (or the database's coming and going) are compared; the
        // database answering, as it does every second, is not.
        let compare = match &msg {
            Msg::SeatsLoaded(..)
            | Msg::QueuesLoaded(..)
            | Msg::SystemLoaded(..)
            | Msg::AlertsLoaded(..)
            | Msg::GovernanceLoaded(..) => true,
            Msg::DatabaseReachable(up) => *up == self.state.database_down.is_some(),
            _ => false,
        };
        if let Msg::Voted { id, result: Ok(Some(_)), .. } = &msg {
            self.own_decision = Some(*id);
        }
        let changed = matches!(msg, Msg::DataChanged);
        let before = compare.then(|| announce::Seen::of(&self.state));
        let mut effects = update(&mut self.state, msg);
        if changed {
            let more = self.everything();
            add_loads(&mut effects, more);
        }
        self.pending.extend(effects);
        if let Some(before) = before {
            let after = announce::Seen::of(&self.state);
            let mut changes = announce::changes(&before, &after, &self.state.viewer.login);
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
    pub(super) fn toast(&mut self) {
        if self.state.toast != self.last_toast {
            self.last_toast = self.state.toast.clone();
            if self.hushed {
                return;
            }
            if let Some(t) = &self.state.toast {
                self.say1(t.text.clone());
            }
        }
    }

    pub(super) fn announce(&mut self) {
        // A line being typed is not interrupted: what changed is said after it.
        if self.screen().typing() {
            return;
        }
        let lines = self.announcer.due(self.state.wall);
        self.say(&lines);
    }

    /// Runs an action as its key would.
    pub(super) fn act(&mut self, action: Action) {
        let effects = update::run(&mut self.state, action);
        self.pending.extend(effects);
        self.toast();
    }

    pub(super) fn press(&mut self, code: KeyCode) {
        self.apply(key(code));
    }

    /// Types `text` into the box that is open, as keys would.
    pub(super) fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    pub(super) fn go(&mut self, tab: Tab) {
        if self.state.tab != tab {
            self.state.overlay = None;
            self.act(tab_action(tab));
        }
    }

    pub(super) fn wait_for(&mut self, view: View) {
        self.waiting = Some(Waiting { view, since: Instant::now(), told: false });
    }

    /// Says so when an answer is slow, and gives it with what there is after a while.
    pub(super) fn slow(&mut self) {
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
    pub(super) fn prompt_needed(&self) -> bool {
        self.screen().wants_prompt()
    }

    /// The question the open box or confirmation asks, or the prompt.
    pub(super) fn prompt(&mut self) {
        self.refresh_completions();
        let q = self.question();
        let text = speak(&q.unwrap_or_else(|| "carrel> ".to_owned()));
        self.screen().ask(&text);
    }

    /// What the command started is done: say the answer.
    pub(super) fn answer(&mut self) {
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

    pub(super) fn refresh_completions(&mut self) {
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
        // Seat labels and window ids come from the APIs: Tab writes them to the terminal, so
        // only what is safe to say, and whole words, are offered.
        let words: Vec<String> = words
            .iter()
            .filter(|w| !w.is_empty() && speak(w) == **w && !w.contains(' '))
            .cloned()
            .collect();
        let commands = command::names_for(&self.state.viewer);
        let mut c = self.completions.lock().unwrap_or_else(|p| p.into_inner());
        c.commands = commands;
        c.words = words;
    }

    /// A line the user typed.
    pub(super) fn line(&mut self, line: &str) {
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

    /// Says a list: its title, then its first page of numbered items.
    pub(super) fn list(&mut self, listing: Listing) {
        self.say1(listing.title.clone());
        self.pager = Some(Pager { listing, from: 0, numbered: true });
        self.page();
    }

    /// Says a page of lines, the first PAGE of them, the rest with `more`: a patron's page,
    /// a system report. Not numbered: they are one thing's parts, not a list to choose from.
    pub(super) fn lines(&mut self, lines: Vec<String>) {
        let mut lines = lines.into_iter();
        let Some(title) = lines.next() else { return };
        self.list_unnumbered(Listing { title, items: lines.collect() });
    }

    fn list_unnumbered(&mut self, listing: Listing) {
        self.say1(listing.title.clone());
        self.pager = Some(Pager { listing, from: 0, numbered: false });
        self.page();
    }

    pub(super) fn page(&mut self) {
        let Some(Pager { listing, from, numbered }) = self.pager.take() else { return };
        let n = listing.items.len();
        let to = (from + PAGE).min(n);
        let lines: Vec<String> =
            listing.items[from..to]
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    if numbered { format!("{} of {n}: {item}", from + i + 1) } else { item.clone() }
                })
                .collect();
        self.say(&lines);
        if to < n {
            self.say1(format!("{} more: enter or more says them", n - to));
            self.pager = Some(Pager { listing, from: to, numbered });
        }
    }

    /// Says what a command's effects brought.
    pub(super) fn show(&mut self, view: View) {
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
                Some(lines) => self.lines(lines),
                None => self.say1(format!("no seat {id}")),
            },
            View::Queues => self.list(render::queues(&self.state)),
            View::Alerts => self.list(render::alerts(&self.state)),
            View::Alert => match render::alert(&self.state) {
                Some(lines) => self.lines(lines),
                None => self.say1("no alert selected"),
            },
            View::Governance(v) => self.list(render::governance(&self.state, v)),
            View::Request(id) => match render::request(&self.state, id) {
                Some(lines) => self.lines(lines),
                None => self.say1(format!("no request {id}")),
            },
            View::Review(id) => match render::review_item(&self.state, id) {
                Some(lines) => self.lines(lines),
                None => self.say1(format!("no review item {id}")),
            },
            View::Patron => {
                let lines = render::patron(&self.state);
                self.lines(lines)
            }
            View::System => {
                let lines = render::system(&self.state);
                self.lines(lines)
            }
            View::Selected => match render::selected(&self.state) {
                Some(line) => self.say1(line),
                None => self.say1("nothing selected"),
            },
        }
    }
}
