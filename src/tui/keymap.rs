//! Key bindings as data: every action the console can take, its description, where it
//! applies, and the keys bound to it.
//!
//! One table, [`TABLE`], says for every action its name, default keys, description, key-bar
//! label, where it applies, the permission it needs and what it takes; `[ui.keys]` in the
//! configuration replaces the keys of any action. The help overlay, the key bar and the command
//! palette all read it, so they always show what the keys really do, overrides included.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use crate::domain::policy::Permission;

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

/// One action: what it is called, its default keys, what it does, where it applies, who may
/// use it and what it takes. The one table the keymap, the `?` help, the `:` palette and the
/// key bar read; a new action is one entry here (and its arm in `update`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub action: Action,
    /// The name in `[ui.keys]` and the palette.
    pub name: &'static str,
    /// The default keys (see [`Key::parse`] for how they are written).
    pub keys: &'static [&'static str],
    /// What it does, as the help and the palette say it.
    pub description: &'static str,
    /// A short label for the key bar.
    pub short: &'static str,
    pub scope: Scope,
    /// The permission it needs, for actions that change or reveal something guarded; the
    /// services check it again whatever the console shows.
    pub needs: Option<Permission>,
    /// What it takes in the plain console, in words (`[ID] [note TEXT]`): without an id it acts
    /// on what is selected, as its key does; empty for actions that take nothing.
    pub args: &'static str,
    /// Shorter words the plain console takes for it besides its name (`open`, `ack`).
    pub words: &'static [&'static str],
}

/// Every action, in the order of [`Action`].
pub const TABLE: &[Entry] = &[
    Entry {
        action: Action::Quit,
        name: "quit",
        keys: &["q", "ctrl-c"],
        description: "quit carrel",
        short: "quit",
        scope: Scope::Global,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::Help,
        name: "help",
        keys: &["?", "f1"],
        description: "show the commands and their keys",
        short: "help",
        scope: Scope::Global,
        needs: None,
        args: "[ACTION]",
        words: &[],
    },
    Entry {
        action: Action::Palette,
        name: "palette",
        keys: &[":"],
        description: "run an action by name",
        short: "commands",
        scope: Scope::Global,
        needs: None,
        args: "[TEXT]",
        words: &[],
    },
    Entry {
        action: Action::Filter,
        name: "filter",
        keys: &["/"],
        description: "filter the list",
        short: "filter",
        scope: Scope::Global,
        needs: None,
        args: "[TEXT]",
        words: &[],
    },
    Entry {
        action: Action::Refresh,
        name: "refresh",
        keys: &["ctrl-r"],
        description: "reload from the database now",
        short: "reload",
        scope: Scope::Global,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::NextTab,
        name: "next_tab",
        keys: &["tab"],
        description: "next tab",
        short: "next tab",
        scope: Scope::Global,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::PrevTab,
        name: "prev_tab",
        keys: &["backtab"],
        description: "previous tab",
        short: "prev tab",
        scope: Scope::Global,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::TabSeats,
        name: "tab_seats",
        keys: &["1"],
        description: "go to Seats",
        short: "seats",
        scope: Scope::Global,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::TabQueues,
        name: "tab_queues",
        keys: &["2"],
        description: "go to Queues",
        short: "queues",
        scope: Scope::Global,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::TabAlerts,
        name: "tab_alerts",
        keys: &["3"],
        description: "go to Alerts",
        short: "alerts",
        scope: Scope::Global,
        needs: Some(Permission::ViewAlerts),
        args: "",
        words: &[],
    },
    Entry {
        action: Action::TabGovernance,
        name: "tab_governance",
        keys: &["4"],
        description: "go to Governance",
        short: "governance",
        scope: Scope::Global,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::TabPatrons,
        name: "tab_patrons",
        keys: &["5"],
        description: "go to Patrons",
        short: "patrons",
        scope: Scope::Global,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::TabSystem,
        name: "tab_system",
        keys: &["6"],
        description: "go to System",
        short: "system",
        scope: Scope::Global,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::Up,
        name: "up",
        keys: &["up", "k"],
        description: "move up",
        short: "move",
        scope: Scope::Navigation,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::Down,
        name: "down",
        keys: &["down", "j"],
        description: "move down",
        short: "move",
        scope: Scope::Navigation,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::Left,
        name: "left",
        keys: &["left", "h"],
        description: "move left",
        short: "move",
        scope: Scope::Navigation,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::Right,
        name: "right",
        keys: &["right", "l"],
        description: "move right",
        short: "move",
        scope: Scope::Navigation,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::PageUp,
        name: "page_up",
        keys: &["pgup"],
        description: "page up",
        short: "page",
        scope: Scope::Navigation,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::PageDown,
        name: "page_down",
        keys: &["pgdn"],
        description: "page down",
        short: "page",
        scope: Scope::Navigation,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::Top,
        name: "top",
        keys: &["home"],
        description: "go to the first",
        short: "first",
        scope: Scope::Navigation,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::Bottom,
        name: "bottom",
        keys: &["end"],
        description: "go to the last",
        short: "last",
        scope: Scope::Navigation,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::Select,
        name: "select",
        keys: &["enter"],
        description: "open the details",
        short: "details",
        scope: Scope::Navigation,
        needs: None,
        args: "[ID]",
        words: &["show"],
    },
    Entry {
        action: Action::Back,
        name: "back",
        keys: &["esc"],
        description: "close, cancel, clear the filter",
        short: "back",
        scope: Scope::Global,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::PrevFloor,
        name: "prev_floor",
        keys: &["<", ","],
        description: "previous floor",
        short: "floor",
        scope: Scope::Seats,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::NextFloor,
        name: "next_floor",
        keys: &[">", "."],
        description: "next floor",
        short: "floor",
        scope: Scope::Seats,
        needs: None,
        args: "",
        words: &[],
    },
    Entry {
        action: Action::ToggleFocus,
        name: "toggle_focus",
        keys: &["g"],
        description: "switch between map and ghost seats",
        short: "ghosts/map",
        scope: Scope::Seats,
        needs: None,
        args: "",
        words: &["focus"],
    },
    Entry {
        action: Action::Find,
        name: "find",
        keys: &["f"],
        description: "find a free seat",
        short: "find seat",
        scope: Scope::Seats,
        needs: None,
        args: "[KIND] [power] [accessible]",
        words: &[],
    },
    Entry {
        action: Action::NextMatch,
        name: "next_match",
        keys: &["n"],
        description: "next free seat found",
        short: "next found",
        scope: Scope::Seats,
        needs: None,
        args: "",
        words: &["next"],
    },
    Entry {
        action: Action::Release,
        name: "release",
        keys: &["r"],
        description: "release a ghost seat",
        short: "release",
        scope: Scope::Seats,
        needs: Some(Permission::ReleaseSeat),
        args: "[SEAT]",
        words: &[],
    },
    Entry {
        action: Action::OpenWindow,
        name: "open_window",
        keys: &["o"],
        description: "open the selected window",
        short: "open",
        scope: Scope::Queues,
        needs: Some(Permission::ChangeWindow),
        args: "[WINDOW] [staff LOGIN]",
        words: &["open"],
    },
    Entry {
        action: Action::CloseWindow,
        name: "close_window",
        keys: &["c"],
        description: "close the selected window",
        short: "close",
        scope: Scope::Queues,
        needs: Some(Permission::ChangeWindow),
        args: "[WINDOW]",
        words: &["close"],
    },
    Entry {
        action: Action::AssignStaff,
        name: "assign_staff",
        keys: &["a"],
        description: "put someone at the selected window",
        short: "assign",
        scope: Scope::Queues,
        needs: Some(Permission::ChangeWindow),
        args: "[WINDOW] [LOGIN]",
        words: &["assign"],
    },
    Entry {
        action: Action::Undo,
        name: "undo",
        keys: &["u"],
        description: "undo your last window change",
        short: "undo",
        scope: Scope::Queues,
        needs: Some(Permission::ChangeWindow),
        args: "",
        words: &[],
    },
    Entry {
        action: Action::Acknowledge,
        name: "acknowledge",
        keys: &["a"],
        description: "acknowledge the selected alert",
        short: "ack",
        scope: Scope::Alerts,
        needs: Some(Permission::HandleAlerts),
        args: "[ID] [note TEXT]",
        words: &["ack"],
    },
    Entry {
        action: Action::Resolve,
        name: "resolve",
        keys: &["x"],
        description: "resolve the selected alert, with a note",
        short: "resolve",
        scope: Scope::Alerts,
        needs: Some(Permission::HandleAlerts),
        args: "[ID] note TEXT",
        words: &[],
    },
    Entry {
        action: Action::Escalate,
        name: "escalate",
        keys: &["e"],
        description: "escalate the selected alert to the committee",
        short: "escalate",
        scope: Scope::Alerts,
        needs: Some(Permission::HandleAlerts),
        args: "[ID] [note TEXT]",
        words: &[],
    },
    Entry {
        action: Action::AlertStates,
        name: "alert_states",
        keys: &["s"],
        description: "show active, open, acknowledged, escalated or resolved alerts",
        short: "states",
        scope: Scope::Alerts,
        needs: Some(Permission::ViewAlerts),
        args: "[STATE]",
        words: &[],
    },
    Entry {
        action: Action::GovernanceView,
        name: "governance_view",
        keys: &["v"],
        description: "switch the Governance view",
        short: "view",
        scope: Scope::Governance,
        needs: None,
        args: "[VIEW]",
        words: &["view"],
    },
    Entry {
        action: Action::Approve,
        name: "approve",
        keys: &["a"],
        description: "approve the selected request",
        short: "approve",
        scope: Scope::Governance,
        needs: Some(Permission::VoteRequest),
        args: "[ID] [reason TEXT]",
        words: &[],
    },
    Entry {
        action: Action::Deny,
        name: "deny",
        keys: &["d"],
        description: "deny the request, with a reason",
        short: "deny",
        scope: Scope::Governance,
        needs: Some(Permission::VoteRequest),
        args: "[ID] reason TEXT",
        words: &[],
    },
    Entry {
        action: Action::NewRequest,
        name: "new_request",
        keys: &["n"],
        description: "file a new data request",
        short: "new request",
        scope: Scope::Governance,
        needs: Some(Permission::FileRequest),
        args: "",
        words: &["file"],
    },
    Entry {
        action: Action::Withdraw,
        name: "withdraw",
        keys: &["w"],
        description: "withdraw your selected request",
        short: "withdraw",
        scope: Scope::Governance,
        needs: Some(Permission::FileRequest),
        args: "[ID]",
        words: &[],
    },
    Entry {
        action: Action::Justified,
        name: "justified",
        keys: &["y"],
        description: "mark the review item justified",
        short: "justified",
        scope: Scope::Governance,
        needs: Some(Permission::ReviewAccess),
        args: "[ID] [note TEXT]",
        words: &[],
    },
    Entry {
        action: Action::Unjustified,
        name: "unjustified",
        keys: &["x"],
        description: "mark the review item unjustified",
        short: "unjustified",
        scope: Scope::Governance,
        needs: Some(Permission::ReviewAccess),
        args: "[ID] [note TEXT]",
        words: &[],
    },
    Entry {
        action: Action::LookUp,
        name: "look_up",
        keys: &["l"],
        description: "look up a patron by card number",
        short: "look up",
        scope: Scope::Patrons,
        needs: Some(Permission::LookupPatron),
        args: "[CARD] [for PURPOSE]",
        words: &["lookup"],
    },
    Entry {
        action: Action::LookUpAgain,
        name: "look_up_again",
        keys: &["L"],
        description: "look the same patron up again",
        short: "look up again",
        scope: Scope::Patrons,
        needs: Some(Permission::LookupPatron),
        args: "",
        words: &["again"],
    },
    Entry {
        action: Action::ClearPatron,
        name: "clear_patron",
        keys: &["c"],
        description: "clear the patron from the screen",
        short: "clear",
        scope: Scope::Patrons,
        needs: Some(Permission::LookupPatron),
        args: "",
        words: &["clear"],
    },
];

impl Action {
    /// Every action, in the table's order.
    pub const ALL: [Action; TABLE.len()] = {
        let mut all = [Action::Quit; TABLE.len()];
        let mut i = 0;
        while i < TABLE.len() {
            all[i] = TABLE[i].action;
            i += 1;
        }
        all
    };

    /// The action's entry in [`TABLE`] (the table follows the enum's order, which a test
    /// holds).
    pub fn entry(self) -> &'static Entry {
        &TABLE[self as usize]
    }

    /// The name used in `[ui.keys]` and the palette.
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// What the action does, as the help overlay and the palette say it.
    pub fn description(self) -> &'static str {
        self.entry().description
    }

    /// A short label for the key bar.
    pub fn short(self) -> &'static str {
        self.entry().short
    }

    pub fn scope(self) -> Scope {
        self.entry().scope
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

impl Keymap {
    /// The embedded defaults.
    pub fn defaults() -> Keymap {
        // The table is checked by a test; a broken one is a build defect.
        Self::with_overrides(&BTreeMap::new()).unwrap_or_else(|e| {
            let e: Vec<String> = e.iter().map(KeyProblem::to_string).collect();
            panic!("the action table's keys: {}", e.join("; "))
        })
    }

    /// The defaults with the keys of some actions replaced, or every problem with the
    /// replacements: an unknown action, a key that is not a key, a key on two actions.
    pub fn with_overrides(
        overrides: &BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, Vec<KeyProblem>> {
        let problem = |action: &str, message: String| KeyProblem { action: action.into(), message };
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
            let defaults: Vec<String> =
                action.entry().keys.iter().map(|k| (*k).to_owned()).collect();
            let (keys, custom) = match overrides.get(action.name()) {
                Some(k) => (k.as_slice(), true),
                None => (defaults.as_slice(), false),
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
    fn the_table_follows_the_enum_and_names_each_action_once() {
        for (i, e) in TABLE.iter().enumerate() {
            assert_eq!(e.action as usize, i, "{} is out of place", e.name);
            assert!(!e.keys.is_empty() && !e.description.is_empty() && !e.short.is_empty());
            assert_eq!(Action::from_name(e.name), Some(e.action));
        }
        assert_eq!(Action::ALL.len(), TABLE.len());
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
