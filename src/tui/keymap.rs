//! Key bindings as data: every action the console can take, its description, where it
//! applies, and the keys bound to it.
//!
//! The defaults are `assets/keymap.toml`, embedded at build time; `[ui.keys]` in the
//! configuration replaces the keys of any action. The help overlay, the key bar and the command
//! palette all read this one table, so they always show what the keys really do, overrides
//! included.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// Where an action applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere outside overlays.
    Global,
    /// In lists and the seat map: moving, selecting.
    Navigation,
    /// On the Seats tab.
    Seats,
    /// On the Queues tab.
    Queues,
    /// On the Alerts tab.
    Alerts,
    /// On the Governance tab.
    Governance,
    /// On the Patrons tab, which has no list or map, only a patron to read: it takes the
    /// navigation keys that scroll and open (up, down, pages, first, last, enter) but not left
    /// and right, so its keys may share a key with those (`l` looks up rather than moves
    /// right).
    Patrons,
}

impl Scope {
    /// Whether navigation action `a` works where this scope applies.
    fn navigates(self, a: Action) -> bool {
        self != Scope::Patrons || !a.sideways()
    }
}

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Palette,
    Filter,
    Refresh,
    NextTab,
    PrevTab,
    TabSeats,
    TabQueues,
    TabAlerts,
    TabGovernance,
    TabPatrons,
    TabSystem,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Select,
    Back,
    PrevFloor,
    NextFloor,
    ToggleFocus,
    Find,
    NextMatch,
    Release,
    OpenWindow,
    CloseWindow,
    AssignStaff,
    Undo,
    Acknowledge,
    Resolve,
    Escalate,
    AlertStates,
    GovernanceView,
    Approve,
    Deny,
    NewRequest,
    Withdraw,
    Justified,
    Unjustified,
    LookUp,
    LookUpAgain,
    ClearPatron,
}

impl Action {
    pub const ALL: [Action; 47] = [
        Action::Quit,
        Action::Help,
        Action::Palette,
        Action::Filter,
        Action::Refresh,
        Action::NextTab,
        Action::PrevTab,
        Action::TabSeats,
        Action::TabQueues,
        Action::TabAlerts,
        Action::TabGovernance,
        Action::TabPatrons,
        Action::TabSystem,
        Action::Up,
        Action::Down,
        Action::Left,
        Action::Right,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Select,
        Action::Back,
        Action::PrevFloor,
        Action::NextFloor,
        Action::ToggleFocus,
        Action::Find,
        Action::NextMatch,
        Action::Release,
        Action::OpenWindow,
        Action::CloseWindow,
        Action::AssignStaff,
        Action::Undo,
        Action::Acknowledge,
        Action::Resolve,
        Action::Escalate,
        Action::AlertStates,
        Action::GovernanceView,
        Action::Approve,
        Action::Deny,
        Action::NewRequest,
        Action::Withdraw,
        Action::Justified,
        Action::Unjustified,
        Action::LookUp,
        Action::LookUpAgain,
        Action::ClearPatron,
    ];

    /// The name used in `keymap.toml` and `[ui.keys]`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Palette => "palette",
            Action::Filter => "filter",
            Action::Refresh => "refresh",
            Action::NextTab => "next_tab",
            Action::PrevTab => "prev_tab",
            Action::TabSeats => "tab_seats",
            Action::TabQueues => "tab_queues",
            Action::TabAlerts => "tab_alerts",
            Action::TabGovernance => "tab_governance",
            Action::TabPatrons => "tab_patrons",
            Action::TabSystem => "tab_system",
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "left",
            Action::Right => "right",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Select => "select",
            Action::Back => "back",
            Action::PrevFloor => "prev_floor",
            Action::NextFloor => "next_floor",
            Action::ToggleFocus => "toggle_focus",
            Action::Find => "find",
            Action::NextMatch => "next_match",
            Action::Release => "release",
            Action::OpenWindow => "open_window",
            Action::CloseWindow => "close_window",
            Action::AssignStaff => "assign_staff",
            Action::Undo => "undo",
            Action::Acknowledge => "acknowledge",
            Action::Resolve => "resolve",
            Action::Escalate => "escalate",
            Action::AlertStates => "alert_states",
            Action::GovernanceView => "governance_view",
            Action::Approve => "approve",
            Action::Deny => "deny",
            Action::NewRequest => "new_request",
            Action::Withdraw => "withdraw",
            Action::Justified => "justified",
            Action::Unjustified => "unjustified",
            Action::LookUp => "look_up",
            Action::LookUpAgain => "look_up_again",
            Action::ClearPatron => "clear_patron",
        }
    }

    /// What the action does, as the help overlay and the palette say it.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "quit carrel",
            Action::Help => "show the keys",
            Action::Palette => "run an action by name",
            Action::Filter => "filter the list",
            Action::Refresh => "reload from the database now",
            Action::NextTab => "next tab",
            Action::PrevTab => "previous tab",
            Action::TabSeats => "go to Seats",
            Action::TabQueues => "go to Queues",
            Action::TabAlerts => "go to Alerts",
            Action::TabGovernance => "go to Governance",
            Action::TabPatrons => "go to Patrons",
            Action::TabSystem => "go to System",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::Left => "move left",
            Action::Right => "move right",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "go to the first",
            Action::Bottom => "go to the last",
            Action::Select => "open the details",
            Action::Back => "close, cancel, clear the filter",
            Action::PrevFloor => "previous floor",
            Action::NextFloor => "next floor",
            Action::ToggleFocus => "switch between map and ghost seats",
            Action::Find => "find a free seat",
            Action::NextMatch => "next free seat found",
            Action::Release => "release a ghost seat",
            Action::OpenWindow => "open the selected window",
            Action::CloseWindow => "close the selected window",
            Action::AssignStaff => "put someone at the selected window",
            Action::Undo => "undo your last window change",
            Action::Acknowledge => "acknowledge the selected alert",
            Action::Resolve => "resolve the selected alert, with a note",
            Action::Escalate => "escalate the selected alert to the committee",
            Action::AlertStates => "show active, open, acknowledged, escalated or resolved alerts",
            Action::GovernanceView => "switch the Governance view",
            Action::Approve => "approve the selected request",
            Action::Deny => "deny the request, with a reason",
            Action::NewRequest => "file a new data request",
            Action::Withdraw => "withdraw your selected request",
            Action::Justified => "mark the review item justified",
            Action::Unjustified => "mark the review item unjustified",
            Action::LookUp => "look up a patron by card number",
            Action::LookUpAgain => "look the same patron up again",
            Action::ClearPatron => "clear the patron from the screen",
        }
    }

    /// A short label for the key bar.
    pub fn short(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Palette => "commands",
            Action::Filter => "filter",
            Action::Refresh => "reload",
            Action::NextTab => "next tab",
            Action::PrevTab => "prev tab",
            Action::TabSeats => "seats",
            Action::TabQueues => "queues",
            Action::TabAlerts => "alerts",
            Action::TabGovernance => "governance",
            Action::TabPatrons => "patrons",
            Action::TabSystem => "system",
            Action::Up | Action::Down | Action::Left | Action::Right => "move",
            Action::PageUp | Action::PageDown => "page",
            Action::Top => "first",
            Action::Bottom => "last",
            Action::Select => "details",
            Action::Back => "back",
            Action::PrevFloor | Action::NextFloor => "floor",
            Action::ToggleFocus => "ghosts/map",
            Action::Find => "find seat",
            Action::NextMatch => "next found",
            Action::Release => "release",
            Action::OpenWindow => "open",
            Action::CloseWindow => "close",
            Action::AssignStaff => "assign",
            Action::Undo => "undo",
            Action::Acknowledge => "ack",
            Action::Resolve => "resolve",
            Action::Escalate => "escalate",
            Action::AlertStates => "states",
            Action::GovernanceView => "view",
            Action::Approve => "approve",
            Action::Deny => "deny",
            Action::NewRequest => "new request",
            Action::Withdraw => "withdraw",
            Action::Justified => "justified",
            Action::Unjustified => "unjustified",
            Action::LookUp => "look up",
            Action::LookUpAgain => "look up again",
            Action::ClearPatron => "clear",
        }
    }

    pub fn scope(self) -> Scope {
        match self {
            Action::Up
            | Action::Down
            | Action::Left
            | Action::Right
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
            | Action::Select => Scope::Navigation,
            Action::PrevFloor
            | Action::NextFloor
            | Action::ToggleFocus
            | Action::Find
            | Action::NextMatch
            | Action::Release => Scope::Seats,
            Action::OpenWindow | Action::CloseWindow | Action::AssignStaff | Action::Undo => {
                Scope::Queues
            }
            Action::Acknowledge | Action::Resolve | Action::Escalate | Action::AlertStates => {
                Scope::Alerts
            }
            Action::GovernanceView
            | Action::Approve
            | Action::Deny
            | Action::NewRequest
            | Action::Withdraw
            | Action::Justified
            | Action::Unjustified => Scope::Governance,
            Action::LookUp | Action::LookUpAgain | Action::ClearPatron => Scope::Patrons,
            _ => Scope::Global,
        }
    }

    /// Left or right: moves in a map or between items, where there are any side by side.
    pub fn sideways(self) -> bool {
        matches!(self, Action::Left | Action::Right)
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A key with its modifiers, as written in the keymap (`ctrl-c`, `G`, `pgdn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// The key of a terminal event. Shift is part of the character itself (`G`), so it is
    /// dropped for characters and for back-tab.
    pub fn of(event: &KeyEvent) -> Key {
        let mut mods =
            event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Key { code: event.code, mods }
    }

    pub fn parse(s: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            f if f.starts_with('f')
                && f.len() > 1
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            _ => {
                return Err(format!(
                    "'{s}' is not a key (try a character, enter, esc, tab, up, pgdn, f1, ctrl-x)"
                ));
            }
        };
        Ok(Key { code, mods })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Char(c) => write!(f, "{c}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One action's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<Key>,
    /// The keys came from the user's configuration.
    pub custom: bool,
}

/// What is wrong with one entry of `[ui.keys]`: the action as written there (so the file's
/// line can be found) and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProblem {
    pub action: String,
    pub message: String,
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.action, self.message)
    }
}

/// Every problem with the key overrides `[ui.keys]`, in the order of the actions. The one
/// validation of the keys: the console refuses to start on these, and `carrel config check`
/// lists them.
pub fn problems(overrides: &BTreeMap<String, Vec<String>>) -> Vec<KeyProblem> {
    Keymap::with_overrides(overrides).err().unwrap_or_default()
}

/// The active bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

const DEFAULTS: &str = include_str!("../../assets/keymap.toml");

impl Keymap {
    /// The embedded defaults.
    pub fn defaults() -> Keymap {
        // The embedded file is checked by a test; a broken one is a build defect.
        Self::with_overrides(&BTreeMap::new()).unwrap_or_else(|e| {
            let e: Vec<String> = e.iter().map(KeyProblem::to_string).collect();
            panic!("assets/keymap.toml: {}", e.join("; "))
        })
    }

    /// The defaults with the keys of some actions replaced, or every problem with the
    /// replacements: an unknown action, a key that is not a key, a key on two actions.
    pub fn with_overrides(
        overrides: &BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, Vec<KeyProblem>> {
        let problem = |action: &str, message: String| KeyProblem { action: action.into(), message };
        let defaults: BTreeMap<String, Vec<String>> = toml::from_str(DEFAULTS)
            .map_err(|e| vec![problem("default keymap", e.message().to_owned())])?;
        let mut problems = Vec::new();
        for name in overrides.keys() {
            if Action::from_name(name).is_none() {
                let names: Vec<String> = Action::ALL.iter().map(|a| a.name().to_owned()).collect();
                let hint = crate::config::nearest_name(name, &names)
                    .map(|n| format!("; did you mean '{n}'?"))
                    .unwrap_or_default();
                problems.push(problem(name, format!("no such action{hint}")));
            }
        }
        let mut bindings = Vec::new();
        for action in Action::ALL {
            let (keys, custom) = match overrides.get(action.name()) {
                Some(k) => (k.as_slice(), true),
                None => match defaults.get(action.name()) {
                    Some(k) => (k.as_slice(), false),
                    None => {
                        problems.push(problem(action.name(), "no default keys".into()));
                        (&[][..], false)
                    }
                },
            };
            let keys = keys
                .iter()
                .filter_map(|k| {
                    Key::parse(k).map_err(|e| problems.push(problem(action.name(), e))).ok()
                })
                .collect();
            bindings.push(Binding { action, keys, custom });
        }
        let map = Keymap { bindings };
        problems.extend(map.conflicts());
        if problems.is_empty() { Ok(map) } else { Err(problems) }
    }

    /// Two actions that can apply at the same time must not share a key. Navigation applies
    /// beside every tab's own actions, except the navigation a tab does not take. Each clash
    /// is told of the action the user bound (the defaults do not clash).
    fn conflicts(&self) -> Vec<KeyProblem> {
        let mut out = Vec::new();
        let beside_navigation = |a: Action, b: Action| match (a.scope(), b.scope()) {
            (Scope::Navigation, Scope::Navigation) => false,
            (Scope::Navigation, other) => other.navigates(a),
            (other, Scope::Navigation) => other.navigates(b),
            _ => false,
        };
        for (i, a) in self.bindings.iter().enumerate() {
            for b in &self.bindings[i + 1..] {
                let (sa, sb) = (a.action.scope(), b.action.scope());
                let overlap = sa == sb
                    || sa == Scope::Global
                    || sb == Scope::Global
                    || beside_navigation(a.action, b.action);
                if !overlap {
                    continue;
                }
                if let Some(k) = a.keys.iter().find(|k| b.keys.contains(k)) {
                    let (mine, other) = if b.custom || !a.custom { (b, a) } else { (a, b) };
                    out.push(KeyProblem {
                        action: mine.action.name().to_owned(),
                        message: format!("key '{k}' is also bound to '{}'", other.action),
                    });
                }
            }
        }
        out
    }

    /// The action bound to `key` among those for which `applies` holds.
    pub fn action_for(&self, key: Key, applies: impl Fn(Action) -> bool) -> Option<Action> {
        self.bindings.iter().find(|b| b.keys.contains(&key) && applies(b.action)).map(|b| b.action)
    }

    pub fn binding(&self, action: Action) -> Option<&Binding> {
        self.bindings.iter().find(|b| b.action == action)
    }

    /// The first key of an action, for the key bar and prompts.
    pub fn key_label(&self, action: Action) -> String {
        self.binding(action)
            .and_then(|b| b.keys.first())
            .map(Key::to_string)
            .unwrap_or_else(|| "unbound".into())
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> Key {
        Key::of(&KeyEvent::new(code, mods))
    }

    #[test]
    fn the_embedded_defaults_bind_every_action_without_conflict() {
        let map = Keymap::defaults();
        for a in Action::ALL {
            assert!(!map.binding(a).unwrap().keys.is_empty(), "{a} has no key");
        }
        assert_eq!(
            map.action_for(press(KeyCode::Char('q'), KeyModifiers::NONE), |_| true),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action_for(press(KeyCode::Char('c'), KeyModifiers::CONTROL), |_| true),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action_for(press(KeyCode::BackTab, KeyModifiers::SHIFT), |_| true),
            Some(Action::PrevTab)
        );
    }

    #[test]
    fn overrides_replace_keys_and_are_marked() {
        let o = BTreeMap::from([("release".to_owned(), vec!["R".to_owned()])]);
        let map = Keymap::with_overrides(&o).unwrap();
        let b = map.binding(Action::Release).unwrap();
        assert!(b.custom);
        assert_eq!(b.keys, vec![Key::parse("R").unwrap()]);
        assert_eq!(map.action_for(press(KeyCode::Char('r'), KeyModifiers::NONE), |_| true), None);
        assert_eq!(
            map.action_for(press(KeyCode::Char('R'), KeyModifiers::SHIFT), |_| true),
            Some(Action::Release)
        );
        assert!(!map.binding(Action::Quit).unwrap().custom);
    }

    #[test]
    fn bad_overrides_name_the_problem() {
        let unknown = BTreeMap::from([("relase".to_owned(), vec!["x".to_owned()])]);
        assert_eq!(told(&unknown), ["relase: no such action; did you mean 'release'?"]);
        let bad_key = BTreeMap::from([("quit".to_owned(), vec!["hyper-q".to_owned()])]);
        assert!(told(&bad_key)[0].starts_with("quit: 'hyper-q' is not a key"));
        let clash = BTreeMap::from([("release".to_owned(), vec!["q".to_owned()])]);
        assert_eq!(told(&clash), ["release: key 'q' is also bound to 'quit'"]);
    }

    /// The problems with `overrides`, as the console and `config check` tell them.
    fn told(overrides: &BTreeMap<String, Vec<String>>) -> Vec<String> {
        problems(overrides).iter().map(KeyProblem::to_string).collect()
    }

    #[test]
    fn every_problem_is_told_not_only_the_first() {
        let o = BTreeMap::from([
            ("relase".to_owned(), vec!["x".to_owned()]),
            ("quit".to_owned(), vec!["hyper-q".to_owned(), "Q".to_owned()]),
            ("release".to_owned(), vec!["?".to_owned()]),
            ("undo".to_owned(), vec!["f13".to_owned()]),
        ]);
        let told = told(&o);
        assert_eq!(told.len(), 4, "{told:?}");
        assert_eq!(told[0], "relase: no such action; did you mean 'release'?");
        assert!(told[1].starts_with("quit: 'hyper-q' is not a key"), "{told:?}");
        assert!(told[2].starts_with("undo: 'f13' is not a key"), "{told:?}");
        assert_eq!(told[3], "release: key '?' is also bound to 'help'");
        assert!(Keymap::with_overrides(&o).is_err());
    }

    #[test]
    fn the_patrons_tab_may_reuse_navigation_keys_but_no_other() {
        let map = Keymap::defaults();
        let l = press(KeyCode::Char('l'), KeyModifiers::NONE);
        let on = |scope: Scope| move |a: Action| a.scope() == scope || a.scope() == Scope::Global;
        assert_eq!(map.action_for(l, on(Scope::Patrons)), Some(Action::LookUp));
        assert_eq!(map.action_for(l, on(Scope::Navigation)), Some(Action::Right));
        let clash = BTreeMap::from([("clear_patron".to_owned(), vec!["l".to_owned()])]);
        assert_eq!(told(&clash), ["clear_patron: key 'l' is also bound to 'look_up'"]);
        let global = BTreeMap::from([("look_up".to_owned(), vec!["?".to_owned()])]);
        assert!(Keymap::with_overrides(&global).is_err());
        // The navigation the tab takes, to scroll a patron's page, is off limits too.
        let scroll = BTreeMap::from([("clear_patron".to_owned(), vec!["j".to_owned()])]);
        assert_eq!(told(&scroll), ["clear_patron: key 'j' is also bound to 'down'"]);
        // Elsewhere navigation keys stay off limits.
        let seats = BTreeMap::from([("release".to_owned(), vec!["l".to_owned()])]);
        assert_eq!(told(&seats), ["release: key 'l' is also bound to 'right'"]);
    }

    #[test]
    fn ctrl_r_reloads_on_every_tab_and_looking_up_again_has_its_own_key() {
        let map = Keymap::defaults();
        let ctrl_r = press(KeyCode::Char('r'), KeyModifiers::CONTROL);
        for scope in [Scope::Seats, Scope::Queues, Scope::Alerts, Scope::Governance, Scope::Patrons]
        {
            let here = |a: Action| a.scope() == scope || a.scope() == Scope::Global;
            assert_eq!(map.action_for(ctrl_r, here), Some(Action::Refresh), "{scope:?}");
        }
        let again = map.binding(Action::LookUpAgain).unwrap();
        assert_eq!(again.keys, vec![Key::parse("L").unwrap()]);
        assert!(!again.keys.contains(&ctrl_r));
    }

    #[test]
    fn keys_parse_and_print() {
        for s in ["q", "G", "ctrl-c", "alt-x", "enter", "pgdn", "f5", "space", "?"] {
            let k = Key::parse(s).unwrap();
            assert_eq!(Key::parse(s).unwrap(), k);
        }
        assert_eq!(Key::parse("ctrl-c").unwrap().to_string(), "ctrl-c");
        assert_eq!(Key::parse("up").unwrap().to_string(), "↑");
        assert!(Key::parse("f13").is_err());
        assert!(Key::parse("").is_err());
    }
}
