//! What the user types in the plain console, read into a [`Command`]; and `help`, from the
//! same action table as the full console's keys, `?` help and `:` palette.
//!
//! A command is an action's name from [`TABLE`] (or one of its `words`) with what it takes
//! in words, or one of the plain console's own [`WORDS`] that read a tab aloud (`seats`,
//! `ghosts`, `queues`, ...). Pure: text in, a command or the problem with it out.

use crate::domain::layout::{SeatState, ZoneKind};
use crate::domain::policy::Permission;
use crate::tui::keymap::{Action, Entry, Scope, TABLE};
use crate::tui::state::{GovView, Tab, Viewer};

use super::announce::Level;
use super::render::{Listing, SeatQuery};

/// A word of the plain console's own: what it reads aloud.
#[derive(Debug, Clone, Copy)]
pub struct Word {
    pub name: &'static str,
    pub args: &'static str,
    pub description: &'static str,
    /// The tab it reads from, for grouping the help; `None` for the session's own.
    pub tab: Option<Tab>,
    pub needs: Option<Permission>,
}

/// The plain console's own words, beside the actions of [`TABLE`].
pub const WORDS: &[Word] = &[
    Word {
        name: "seats",
        args: "[zone KIND] [in PLACE] [free|occupied|away|reserved] [power] [accessible]",
        description: "each zone's seats, or the seats that match",
        tab: Some(Tab::Seats),
        needs: None,
    },
    Word {
        name: "ghosts",
        args: "",
        description: "the ghost seats, longest away first",
        tab: Some(Tab::Seats),
        needs: None,
    },
    Word {
        name: "seat",
        args: "SEAT",
        description: "one seat and its recent history",
        tab: Some(Tab::Seats),
        needs: None,
    },
    Word {
        name: "queues",
        args: "",
        description: "the service windows, their queues and the forecast",
        tab: Some(Tab::Queues),
        needs: None,
    },
    Word {
        name: "alerts",
        args: "[active|open|acknowledged|escalated|resolved]",
        description: "the privacy-risk alerts",
        tab: Some(Tab::Alerts),
        needs: Some(Permission::ViewAlerts),
    },
    Word {
        name: "alert",
        args: "ID",
        description: "one alert whole: evidence, history, notes",
        tab: Some(Tab::Alerts),
        needs: Some(Permission::ViewAlerts),
    },
    Word {
        name: "mine",
        args: "",
        description: "the requests waiting for your vote and the review items assigned to you",
        tab: Some(Tab::Governance),
        needs: Some(Permission::ViewRequests),
    },
    Word {
        name: "requests",
        args: "",
        description: "the data requests and their votes",
        tab: Some(Tab::Governance),
        needs: Some(Permission::ViewRequests),
    },
    Word {
        name: "request",
        args: "ID",
        description: "one data request whole",
        tab: Some(Tab::Governance),
        needs: Some(Permission::ViewRequests),
    },
    Word {
        name: "review",
        args: "[ID]",
        description: "the audit review queue, or one item of it",
        tab: Some(Tab::Governance),
        needs: Some(Permission::ReviewAccess),
    },
    Word {
        name: "ledger",
        args: "",
        description: "the epsilon ledger: privacy budget spent per dataset and month",
        tab: Some(Tab::Governance),
        needs: Some(Permission::ViewRequests),
    },
    Word {
        name: "patron",
        args: "",
        description: "the patron looked up, whole",
        tab: Some(Tab::Patrons),
        needs: Some(Permission::LookupPatron),
    },
    Word {
        name: "system",
        args: "",
        description: "feeds, sources, witnesses and the database",
        tab: Some(Tab::System),
        needs: None,
    },
    Word {
        name: "status",
        args: "",
        description: "the data's age and the APIs' health, in one line",
        tab: None,
        needs: None,
    },
    Word {
        name: "whoami",
        args: "",
        description: "who you are here and what your roles allow",
        tab: None,
        needs: None,
    },
    Word {
        name: "tab",
        args: "NAME",
        description: "go to a tab: seats, queues, alerts, governance, patrons or system",
        tab: None,
        needs: None,
    },
    Word {
        name: "announce",
        args: "[all|important|off]",
        description: "how much is said unasked, or what it is now",
        tab: None,
        needs: None,
    },
    Word {
        name: "changes",
        args: "",
        description: "what was announced lately, with when",
        tab: None,
        needs: None,
    },
    Word {
        name: "more",
        args: "",
        description: "the next page of the last list (an empty line does too)",
        tab: None,
        needs: None,
    },
];

/// A line, read.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// An action of the table, with the words after it.
    Act(Action, Vec<String>),
    Seats(SeatQuery),
    Ghosts,
    Seat(String),
    Queues,
    Alerts(Option<Option<crate::domain::alerts::AlertState>>),
    Alert(u64),
    Governance(GovView),
    Request(u64),
    ReviewItem(u64),
    Patron,
    System,
    Status,
    WhoAmI,
    Tab(Tab),
    Announce(Option<Level>),
    Changes,
    More,
    Help(Option<String>),
    Nothing,
}

/// Reads one line. An unknown word is told with the nearest known one.
pub fn parse(line: &str) -> Result<Command, String> {
    let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    let Some((first, rest)) = words.split_first() else { return Ok(Command::Nothing) };
    let first = first.to_lowercase();
    let one_id = |what: &str| -> Result<u64, String> {
        match rest {
            [id] => id
                .trim_start_matches('#')
                .parse()
                .map_err(|_| format!("{first}: '{id}' is not a {what} number")),
            [] => Err(format!("{first}: which {what}? say {first} and its number")),
            _ => Err(format!("{first} takes one {what} number")),
        }
    };
    let none = |c: Command| -> Result<Command, String> {
        if rest.is_empty() { Ok(c) } else { Err(format!("{first} takes nothing after it")) }
    };
    Ok(match first.as_str() {
        "seats" => Command::Seats(seat_query(rest)?),
        "ghosts" => none(Command::Ghosts)?,
        "seat" => match rest {
            [id] => Command::Seat(id.clone()),
            [] => return Err("seat: which seat? say seat and its number, e.g. seat 1N-014".into()),
            _ => return Err("seat takes one seat".into()),
        },
        "queues" => none(Command::Queues)?,
        "alerts" => match rest {
            [] => Command::Alerts(None),
            [s] => Command::Alerts(Some(alert_state(s)?)),
            _ => return Err("alerts takes at most one state".into()),
        },
        "alert" => Command::Alert(one_id("alert")?),
        "mine" => none(Command::Governance(GovView::Mine))?,
        "requests" => none(Command::Governance(GovView::Requests))?,
        "ledger" => none(Command::Governance(GovView::Ledger))?,
        "request" => Command::Request(one_id("request")?),
        "review" if rest.is_empty() => Command::Governance(GovView::Review),
        "review" => Command::ReviewItem(one_id("review item")?),
        "patron" => none(Command::Patron)?,
        "system" => none(Command::System)?,
        "status" => none(Command::Status)?,
        "whoami" => none(Command::WhoAmI)?,
        "tab" => match rest {
            [t] => Command::Tab(tab(t)?),
            _ => return Err(format!("tab: which one? {}", tab_names().join(", "))),
        },
        "announce" => match rest {
            [] => Command::Announce(None),
            [l] => Command::Announce(Some(Level::parse(&l.to_lowercase())?)),
            _ => return Err("announce takes one of all, important, off".into()),
        },
        "changes" => none(Command::Changes)?,
        "more" => none(Command::More)?,
        "help" | "?" => match rest {
            [] => Command::Help(None),
            [w] => Command::Help(Some(w.to_lowercase())),
            _ => return Err("help takes one command".into()),
        },
        name => match action_named(name) {
            Some(a) => Command::Act(a, rest.to_vec()),
            None => return Err(unknown(name)),
        },
    })
}

/// The action called `name` or one of its words.
pub fn action_named(name: &str) -> Option<Action> {
    TABLE.iter().find(|e| e.name == name || e.words.contains(&name)).map(|e| e.action)
}

/// Every command name, actions and words, for suggestions.
pub fn names() -> Vec<String> {
    names_where(|_| true)
}

/// The command names `viewer` may use, for completion.
pub fn names_for(viewer: &Viewer) -> Vec<String> {
    names_where(|needs| needs.is_none_or(|p| viewer.may(p)))
}

fn names_where(allowed: impl Fn(Option<Permission>) -> bool) -> Vec<String> {
    let mut all: Vec<String> =
        WORDS.iter().filter(|w| allowed(w.needs)).map(|w| w.name.to_owned()).collect();
    for e in TABLE.iter().filter(|e| allowed(e.needs)) {
        all.push(e.name.to_owned());
        all.extend(e.words.iter().map(|w| (*w).to_owned()));
    }
    all.push("help".into());
    all
}

fn unknown(name: &str) -> String {
    let names = names();
    let hint = crate::config::nearest_name(name, &names)
        .map(|n| format!("; did you mean {n}?"))
        .unwrap_or_default();
    format!("no command '{name}'{hint} (help lists the commands)")
}

fn tab_names() -> Vec<String> {
    Tab::ALL.iter().map(|t| t.title().to_lowercase()).collect()
}

pub fn tab(word: &str) -> Result<Tab, String> {
    let w = word.to_lowercase();
    Tab::ALL
        .into_iter()
        .find(|t| t.title().to_lowercase() == w || t.number().to_string() == w)
        .ok_or_else(|| format!("no tab '{word}'; the tabs are {}", tab_names().join(", ")))
}

/// A state of alerts to list: `None` for the active ones.
pub fn alert_state(word: &str) -> Result<Option<crate::domain::alerts::AlertState>, String> {
    use crate::domain::alerts::AlertState;
    let w = word.to_lowercase();
    if w == "active" || w == "all" {
        return Ok(None);
    }
    [AlertState::Open, AlertState::Acknowledged, AlertState::Escalated, AlertState::Resolved]
        .into_iter()
        .find(|s| s.as_str() == w)
        .map(Some)
        .ok_or_else(|| {
            format!(
                "'{word}' is not a state of alerts: active, open, acknowledged, escalated, resolved"
            )
        })
}

/// A governance view by its word.
pub fn gov_view(word: &str) -> Result<GovView, String> {
    match word.to_lowercase().as_str() {
        "mine" | "queue" => Ok(GovView::Mine),
        "requests" => Ok(GovView::Requests),
        "review" => Ok(GovView::Review),
        "ledger" => Ok(GovView::Ledger),
        _ => Err(format!("'{word}' is not a view: mine, requests, review or ledger")),
    }
}

fn seat_state(word: &str) -> Option<SeatState> {
    match word {
        "free" => Some(SeatState::Free),
        "occupied" | "taken" => Some(SeatState::Occupied),
        "away" => Some(SeatState::Away),
        "reserved" => Some(SeatState::Reserved),
        "out_of_service" => Some(SeatState::OutOfService),
        _ => None,
    }
}

pub fn zone_kind(word: &str) -> Option<ZoneKind> {
    ZoneKind::ALL.into_iter().find(|k| k.as_str() == word)
}

/// `seats` and what narrows it: `zone KIND` (or the kind alone), `in PLACE`, a state,
/// `power`, `accessible`.
fn seat_query(words: &[String]) -> Result<SeatQuery, String> {
    let mut q = SeatQuery::default();
    let mut it = words.iter().map(|w| w.to_lowercase());
    while let Some(w) = it.next() {
        match w.as_str() {
            "zone" => {
                let k =
                    it.next().ok_or("seats zone: which kind? quiet, group, computer or silent")?;
                q.kind = Some(zone_kind(&k).ok_or_else(|| {
                    format!("'{k}' is not a kind of zone: quiet, group, computer or silent")
                })?);
            }
            "in" => {
                let rest: Vec<String> = it.by_ref().collect();
                if rest.is_empty() {
                    return Err("seats in: which zone or floor?".into());
                }
                q.place = Some(rest.join(" "));
            }
            "power" => q.power = true,
            "accessible" => q.accessible = true,
            other => match (zone_kind(other), seat_state(other)) {
                (Some(k), _) => q.kind = Some(k),
                (_, Some(s)) => q.state = Some(s),
                _ => {
                    return Err(format!(
                        "seats: '{other}' is not a kind of zone, a state, power, accessible, zone KIND or in PLACE"
                    ));
                }
            },
        }
    }
    Ok(q)
}

/// The words after an action, split at a keyword (`note`, `reason`, `staff`, `for`): what
/// comes before it and the text after it.
pub fn split_at<'a>(words: &'a [String], keyword: &str) -> (&'a [String], Option<String>) {
    match words.iter().position(|w| w.eq_ignore_ascii_case(keyword)) {
        Some(i) => (&words[..i], Some(words[i + 1..].join(" "))),
        None => (words, None),
    }
}

/// What a viewer's help says: every command the viewer's roles allow, by tab, each as its
/// name, what it takes and what it does; then the names of those it does not allow.
/// `everything` lists those too, marked.
pub fn help(viewer: &Viewer, everything: bool) -> Listing {
    let allowed = |needs: Option<Permission>| needs.is_none_or(|p| viewer.may(p));
    let mut items = vec![];
    let mut refused = vec![];
    let line = |name: &str, args: &str, description: &str, ok: bool| {
        let args = if args.is_empty() { String::new() } else { format!(" {args}") };
        let mark = if ok { "" } else { " (not for your roles)" };
        format!("{name}{args}: {description}{mark}")
    };
    let groups: [(&str, Option<Tab>, &[Scope]); 8] = [
        ("Anywhere", None, &[Scope::Global]),
        ("In any list", None, &[Scope::Navigation]),
        ("Seats", Some(Tab::Seats), &[Scope::Seats]),
        ("Queues", Some(Tab::Queues), &[Scope::Queues]),
        ("Alerts", Some(Tab::Alerts), &[Scope::Alerts]),
        ("Governance", Some(Tab::Governance), &[Scope::Governance]),
        ("Patrons", Some(Tab::Patrons), &[Scope::Patrons]),
        ("System", Some(Tab::System), &[]),
    ];
    for (title, tab, scopes) in groups {
        let mut group = vec![];
        if tab.is_none() && scopes == [Scope::Global] {
            for w in WORDS.iter().filter(|w| w.tab.is_none()) {
                group.push(line(w.name, w.args, w.description, true));
            }
        }
        for w in WORDS.iter().filter(|w| tab.is_some() && w.tab == tab) {
            let ok = allowed(w.needs);
            if ok || everything {
                group.push(line(w.name, w.args, w.description, ok));
            } else {
                refused.push(w.name);
            }
        }
        if scopes == [Scope::Navigation] {
            let names: Vec<&str> =
                TABLE.iter().filter(|e| e.scope == Scope::Navigation).map(|e| e.name).collect();
            group.push(format!(
                "{}: move through the list shown, as the keys do; each says what is selected",
                names.join(", ")
            ));
        } else {
            for e in TABLE.iter().filter(|e| scopes.contains(&e.scope)) {
                let ok = allowed(e.needs);
                if ok || everything {
                    group.push(entry_line(e, ok));
                } else {
                    refused.push(e.name);
                }
            }
        }
        if let Some((first, rest)) = group.split_first() {
            items.push(format!("{title}. {first}"));
            items.extend(rest.iter().cloned());
        }
    }
    if !refused.is_empty() {
        items.push(format!("Not for your roles: {}. help all lists them too", refused.join(", ")));
    }
    Listing {
        title: format!(
            "Commands for {}, by tab. help and a command says more; a command without a number acts on what is selected",
            who(viewer)
        ),
        items,
    }
}

fn entry_line(e: &Entry, ok: bool) -> String {
    let args = if e.args.is_empty() { String::new() } else { format!(" {}", e.args) };
    let words =
        if e.words.is_empty() { String::new() } else { format!(" (or {})", e.words.join(", ")) };
    let mark = if ok { "" } else { " (not for your roles)" };
    format!("{}{args}{words}: {}{mark}", e.name, e.description)
}

/// What `help WORD` says of one command.
pub fn help_on(viewer: &Viewer, word: &str) -> Result<Vec<String>, String> {
    let may = |needs: Option<Permission>| match needs {
        None => "Anyone may use it.".to_owned(),
        Some(p) if viewer.may(p) => format!("You may: it needs permission to {}.", p.description()),
        Some(p) => format!(
            "Not for your roles: it needs permission to {}, which {} lacks.",
            p.description(),
            who(viewer)
        ),
    };
    if let Some(w) = WORDS.iter().find(|w| w.name == word) {
        let args = if w.args.is_empty() { String::new() } else { format!(" {}", w.args) };
        return Ok(vec![format!("{}{args}: {}.", w.name, w.description), may(w.needs)]);
    }
    let Some(action) = action_named(word) else { return Err(unknown(word)) };
    let e = action.entry();
    let mut lines = vec![entry_line(e, true) + ".", may(e.needs)];
    if !e.args.is_empty() {
        lines.push(
            "Without a number it acts on what is selected; a question asks for what is missing."
                .into(),
        );
    }
    lines.push(format!("In the full-screen console: key {}.", e.keys.join(" or ")));
    Ok(lines)
}

/// "dana (Dana Desk), desk" or "root, a read-only view".
pub fn who(viewer: &Viewer) -> String {
    match &viewer.display_name {
        None => format!("{}, a read-only view", viewer.login),
        Some(name) => {
            let mut roles: Vec<String> = viewer
                .grants
                .iter()
                .map(|g| match g.party {
                    Some(p) => format!("{} for the {}", g.role.as_str(), p.label()),
                    None => g.role.as_str().to_owned(),
                })
                .collect();
            roles.dedup();
            let roles = if roles.is_empty() { "no roles".into() } else { roles.join(", ") };
            // The demo names you "root (you)": the login is not said twice.
            let name = name
                .strip_prefix(viewer.login.as_str())
                .map_or(format!(" ({name})"), |rest| rest.to_owned());
            format!("{}{name}, {roles}", viewer.login)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn the_issues_commands_read() {
        assert_eq!(
            parse("seats zone quiet free power").unwrap(),
            Command::Seats(SeatQuery {
                kind: Some(ZoneKind::Quiet),
                state: Some(SeatState::Free),
                power: true,
                ..Default::default()
            })
        );
        assert_eq!(parse("ghosts").unwrap(), Command::Ghosts);
        assert_eq!(parse("seat 1N-014").unwrap(), Command::Seat("1N-014".into()));
        assert_eq!(
            parse("release 1N-014").unwrap(),
            Command::Act(Action::Release, words("1N-014"))
        );
        assert_eq!(
            parse("open W3 staff lea").unwrap(),
            Command::Act(Action::OpenWindow, words("W3 staff lea"))
        );
        assert_eq!(parse("close W3").unwrap(), Command::Act(Action::CloseWindow, words("W3")));
        assert_eq!(parse("undo").unwrap(), Command::Act(Action::Undo, vec![]));
        assert_eq!(
            parse("ack 12 note called the patron").unwrap(),
            Command::Act(Action::Acknowledge, words("12 note called the patron"))
        );
        assert_eq!(parse("approve 4").unwrap(), Command::Act(Action::Approve, words("4")));
        assert_eq!(
            parse("lookup 12345 for circulation").unwrap(),
            Command::Act(Action::LookUp, words("12345 for circulation"))
        );
        assert_eq!(parse("tab governance").unwrap(), Command::Tab(Tab::Governance));
        assert_eq!(parse("help release").unwrap(), Command::Help(Some("release".into())));
        assert_eq!(parse("requests").unwrap(), Command::Governance(GovView::Requests));
        assert_eq!(parse("review").unwrap(), Command::Governance(GovView::Review));
        assert_eq!(parse("quit").unwrap(), Command::Act(Action::Quit, vec![]));
        assert_eq!(parse("   ").unwrap(), Command::Nothing);
    }

    #[test]
    fn mistakes_are_told_with_the_nearest_command() {
        assert_eq!(
            parse("relase 1N-014").unwrap_err(),
            "no command 'relase'; did you mean release? (help lists the commands)"
        );
        assert!(parse("seats zone loud").unwrap_err().contains("'loud' is not a kind of zone"));
        assert!(parse("request four").unwrap_err().contains("'four' is not a request number"));
        assert!(parse("tab nowhere").unwrap_err().contains("the tabs are seats, queues"));
        assert!(parse("announce loud").unwrap_err().contains("all, important, off"));
    }

    #[test]
    fn text_after_a_keyword_is_kept_whole() {
        let w = words("4 reason not the minimum necessary");
        assert_eq!(split_at(&w, "reason"), (&w[..1], Some("not the minimum necessary".into())));
        assert_eq!(split_at(&w[..1], "reason"), (&w[..1], None));
    }

    /// Help for a viewer, every page.
    fn help_text(viewer: &Viewer) -> String {
        let l = help(viewer, false);
        format!("{}\n{}", l.title, l.items.join("\n"))
    }

    #[test]
    fn every_action_is_in_the_help_of_a_role_that_may_use_it() {
        let viewers = [fixtures::desk(), fixtures::committee(), fixtures::auditor()];
        for e in TABLE {
            let viewer = viewers
                .iter()
                .find(|v| e.needs.is_none_or(|p| v.may(p)))
                .unwrap_or_else(|| panic!("no fixture viewer may {}", e.name));
            let text = help_text(viewer);
            let listed = text.lines().any(|l| {
                l.split([' ', ':', ',', '.']).any(|w| w == e.name) && !l.starts_with("Not for")
            });
            assert!(listed, "{} is not in the help of {}:\n{text}", e.name, viewer.login);
        }
        for w in WORDS {
            let viewer = viewers.iter().find(|v| w.needs.is_none_or(|p| v.may(p))).unwrap();
            let text = help_text(viewer);
            let listed = text.lines().any(|l| {
                let l = l.split_once(". ").filter(|(g, _)| !g.contains(' ')).map_or(l, |(_, r)| r);
                l.starts_with(&format!("{} ", w.name)) || l.starts_with(&format!("{}:", w.name))
            });
            assert!(listed, "{} is not in the help of {}:\n{text}", w.name, viewer.login);
        }
    }

    #[test]
    fn help_says_what_the_roles_do_not_allow() {
        let desk = help(&fixtures::desk(), false);
        let refused = desk.items.last().unwrap();
        assert!(refused.starts_with("Not for your roles: "), "{refused}");
        assert!(refused.contains("approve") && refused.contains("deny"), "{refused}");
        assert!(!desk.items[..desk.items.len() - 1].iter().any(|l| l.starts_with("approve")));
        let all = help(&fixtures::desk(), true);
        assert!(
            all.items
                .iter()
                .any(|l| l.starts_with("approve") && l.ends_with("(not for your roles)"))
        );
        let on = help_on(&fixtures::desk(), "approve").unwrap();
        assert!(on[1].starts_with("Not for your roles"), "{on:?}");
        let on = help_on(&fixtures::desk(), "release").unwrap();
        assert_eq!(on[0], "release [SEAT]: release a ghost seat.");
        assert!(on[1].starts_with("You may"), "{on:?}");
        assert!(help_on(&fixtures::desk(), "relase").is_err());
    }
}
