//! Overlays: help (generated from the active keymap), the command palette, a confirmation,
//! a seat's details with its recent history, the find form, the Governance tab's vote,
//! verdict and filing boxes, and the Patrons tab's lookup box.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{age_minutes, safe};
use crate::tui::keymap::Scope;
use crate::tui::state::{Overlay, Pending, State};
use crate::tui::update::overlays::palette_items;
use crate::tui::widgets::wrap::wrap_spans;

/// A box of at most `w`×`h` centred in `area`.
fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn boxed<'a>(title: &'a str, state: &State) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.title)
        .title(Span::styled(format!(" {title} "), state.theme.title))
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, overlay: &Overlay) {
    match overlay {
        Overlay::Help { scroll } => help(frame, area, state, *scroll),
        Overlay::Palette { query, selected } => palette(frame, area, state, query, *selected),
        Overlay::Confirm(p) => confirm(frame, area, state, p),
        Overlay::SeatDetail { seat_id, history } => {
            detail(frame, area, state, seat_id, history.as_deref())
        }
        Overlay::Find => find(frame, area, state),
        Overlay::AlertNote { id, action, note } => {
            alert_note(frame, area, state, *id, *action, note)
        }
        Overlay::PickStaff { name, options, selected, open, .. } => {
            pick_staff(frame, area, state, name, options, *selected, *open)
        }
        Overlay::Vote(b) => vote(frame, area, state, b),
        Overlay::Verdict(b) => verdict(frame, area, state, b),
        Overlay::FileRequest(f) => request_form(frame, area, state, f),
        Overlay::Lookup(b) => lookup_box(frame, area, state, b),
    }
}

/// The end of a long text stays in view as it is typed.
fn tail(text: &str, width: usize) -> String {
    let chars: Vec<char> = safe_long(text).chars().collect();
    chars[chars.len().saturating_sub(width.saturating_sub(1))..].iter().collect()
}

/// Typed text, cleaned like text from the store but not cut short.
fn safe_long(text: &str) -> String {
    crate::domain::sanitize::clean_text(text, 2000)
}

/// A box with a one-line text input.
struct TextBox<'a> {
    title: &'a str,
    /// What the box is about and what to type.
    heading: Vec<Line<'a>>,
    text: &'a str,
    /// Why enter did not take it.
    problem: Option<&'a str>,
    /// What enter does.
    enter: &'a str,
}

fn text_box(frame: &mut Frame<'_>, area: Rect, state: &State, b: TextBox<'_>) {
    let t = &state.theme;
    let TextBox { title, heading, text, problem, enter } = b;
    let r = centred(area, 66, heading.len() as u16 + 5);
    let width = r.width.saturating_sub(2) as usize;
    let mut lines = heading;
    lines.push(Line::from(vec![Span::styled(format!("{}▏", tail(text, width)), t.key)]));
    lines.push(match problem {
        Some(p) => Line::styled(format!("! {}", safe(p)), t.bad),
        None => Line::raw(""),
    });
    lines.push(Line::from(vec![
        Span::styled("enter", t.key),
        Span::styled(format!(" {enter}   "), t.base),
        Span::styled("esc", t.key),
        Span::styled(" cancel", t.base),
    ]));
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(boxed(title, state)), r);
}

fn vote(frame: &mut Frame<'_>, area: Rect, state: &State, b: &crate::tui::state::VoteBox) {
    let t = &state.theme;
    let (title, verb) = if b.approve { ("Approve", "approve") } else { ("Deny", "deny") };
    let party = state.viewer.party().map_or("no".into(), |p| p.as_str().replace('_', " "));
    let heading = vec![
        Line::styled(format!("{title} request #{} for the {party} party", b.id), t.title),
        Line::styled(safe(&b.title), t.base),
        Line::styled(
            if b.approve { "Reason (optional):" } else { "Why? (a deny needs a reason)" },
            t.dim,
        ),
    ];
    let problem = b.problem.as_deref();
    let b = TextBox { title, heading, text: &b.reason, problem, enter: verb };
    text_box(frame, area, state, b);
}

fn verdict(frame: &mut Frame<'_>, area: Rect, state: &State, b: &crate::tui::state::VerdictBox) {
    use crate::domain::governance::Verdict;
    let t = &state.theme;
    let (title, what) = match b.verdict {
        Verdict::Justified => ("Justified", "Note (optional):"),
        Verdict::Unjustified => {
            ("Unjustified", "Why was it unjustified? (required; this raises an alert)")
        }
    };
    let heading = vec![
        Line::styled(format!("Mark review item r{} {}", b.id, b.verdict.as_str()), t.title),
        Line::styled(what, t.dim),
    ];
    let problem = b.problem.as_deref();
    text_box(frame, area, state, TextBox { title, heading, text: &b.note, problem, enter: "mark" });
}

fn request_form(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    f: &crate::tui::form::RequestForm,
) {
    use crate::tui::form::Field;
    let t = &state.theme;
    // A long problem wraps onto more lines; the rest is cut to fit.
    let problem = f.problem.as_deref().map(|p| format!(" ! {}", safe(p)));
    let inner_w = area.width.min(76).saturating_sub(2).max(1) as usize;
    let problem_h = problem.as_ref().map_or(1, |p| p.chars().count().div_ceil(inner_w)) as u16;
    // The keys are on the key bar too: where the box is short of room, they go first.
    let need = Field::ALL.len() as u16 + 4 + problem_h;
    let keys_line = need <= area.height;
    let r = centred(area, 76, need - u16::from(!keys_line));
    let label_w = 14;
    let width = (r.width as usize).saturating_sub(2 + label_w + 1);
    let mut lines = Vec::new();
    for field in Field::ALL {
        let focused = field == f.focus;
        let label = Span::styled(
            format!("{}{:<w$}", if focused { "▸" } else { " " }, field.label(), w = label_w - 1),
            if focused { t.title } else { t.dim },
        );
        let value = if !f.asks(field) {
            Span::styled("none: a row-level request spends no ε", t.dim)
        } else if field.is_choice() {
            let v = f.shown(field);
            Span::styled(
                if focused { format!("◂ {v} ▸") } else { v },
                if focused { t.key } else { t.base },
            )
        } else {
            let unit = match field {
                Field::Retention | Field::Expiry => " days",
                _ => "",
            };
            let v = f.shown(field);
            if focused {
                Span::styled(
                    format!("{}▏{unit}", tail(&v, width.saturating_sub(unit.len()))),
                    t.key,
                )
            } else {
                let v: String =
                    safe_long(&v).chars().take(width.saturating_sub(unit.len())).collect();
                Span::styled(format!("{v}{unit}"), t.base)
            }
        };
        lines.push(Line::from(vec![label, Span::raw(" "), value]));
    }
    lines.push(Line::styled(format!(" {}", f.focus.hint()), t.dim));
    lines.push(match problem {
        Some(p) => Line::styled(p, t.bad),
        None => Line::raw(""),
    });
    let submit = if f.on_last() { "enter" } else { "ctrl-s" };
    lines.extend(keys_line.then(|| {
        Line::from(vec![
            Span::styled(" tab", t.key),
            Span::styled(" next   ", t.base),
            Span::styled("shift-tab", t.key),
            Span::styled(" back   ", t.base),
            Span::styled(submit, t.key),
            Span::styled(" file it   ", t.base),
            Span::styled("esc", t.key),
            Span::styled(" cancel", t.base),
        ])
    }));
    frame.render_widget(Clear, r);
    let form = Paragraph::new(lines).wrap(Wrap { trim: false });
    frame.render_widget(form.block(boxed("File a data request", state)), r);
}

/// The lookup box: the card number as typed (the desk sees what it types; it goes nowhere
/// else whole), and the purpose picked from the list.
fn lookup_box(frame: &mut Frame<'_>, area: Rect, state: &State, b: &crate::tui::lookup::LookupBox) {
    use crate::tui::lookup::{LookupField, LookupPurpose};
    let t = &state.theme;
    let width = area.width.min(62).saturating_sub(2) as usize;
    let label = |l: &str, focused: bool| {
        Span::styled(
            format!("{}{l:<9}", if focused { "▸" } else { " " }),
            if focused { t.title } else { t.dim },
        )
    };
    let on_card = b.focus == LookupField::Card;
    let card = if on_card {
        Span::styled(format!("{}▏", tail(b.card.expose(), width.saturating_sub(10))), t.key)
    } else {
        Span::styled(safe(b.card.expose()), t.base)
    };
    let mut purposes = vec![label("purpose", !on_card)];
    for p in LookupPurpose::ALL {
        let chosen = p == b.purpose;
        let text = match p {
            LookupPurpose::Request if chosen => {
                let cursor = if on_card { "" } else { "▏" };
                format!("request:{}{cursor}", safe(&b.request))
            }
            LookupPurpose::Request => "request:ID".to_owned(),
            p => p.as_str().to_owned(),
        };
        let style = match (chosen, on_card) {
            (true, false) => t.key,
            (true, true) => t.title,
            (false, _) => t.dim,
        };
        purposes.push(Span::styled(if chosen { format!("({text})") } else { text }, style));
        purposes.push(Span::raw(" "));
    }
    let hint = if b.waiting {
        Line::styled(format!(" looking up card {}…", b.card.masked()), t.warn)
    } else if on_card {
        Line::styled(" letters and digits, as on the card", t.dim)
    } else {
        Line::styled(" space or ←/→ chooses; digits give a request's number", t.dim)
    };
    let mut lines = vec![
        Line::styled("Look a patron up. The lookup is logged with its purpose.", t.base),
        Line::raw(""),
        Line::from(vec![label("card", on_card), card]),
        Line::from(purposes),
        hint,
    ];
    // The service's answer may be long: it wraps, and the box grows to hold it.
    match &b.problem {
        Some(p) => lines.extend(wrap_spans(
            vec![Span::styled(format!("! {}", safe_long(p)), t.bad)],
            width,
            2,
        )),
        None => lines.push(Line::raw("")),
    }
    lines.push(Line::from(vec![
        Span::styled("enter", t.key),
        Span::styled(" look up   ", t.base),
        Span::styled("tab", t.key),
        Span::styled(" card/purpose   ", t.base),
        Span::styled("esc", t.key),
        Span::styled(" cancel", t.base),
    ]));
    let r = centred(area, 62, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(boxed("Look up a patron", state)), r);
}

fn help(frame: &mut Frame<'_>, area: Rect, state: &State, scroll: u16) {
    let r = centred(area, 78, area.height);
    let lines = help_lines(state, r.width.saturating_sub(2) as usize);
    let scroll = scroll.min(help_scroll_limit(state));
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(boxed("Keys", state)).scroll((scroll, 0)), r);
}

/// How far the keys scroll: until the last line is on the box's last row.
pub fn help_scroll_limit(state: &State) -> u16 {
    let size = Rect::new(0, 0, state.size.0, state.size.1);
    let area = crate::tui::layout::frame(size).content;
    let r = centred(area, 78, area.height);
    let n = help_lines(state, r.width.saturating_sub(2) as usize).len();
    u16::try_from(n).unwrap_or(u16::MAX).saturating_sub(r.height.saturating_sub(2))
}

fn help_lines(state: &State, inner: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut lines = Vec::new();
    for (scope, title) in [
        (Scope::Global, "Everywhere"),
        (Scope::Navigation, "Lists and map"),
        (Scope::Seats, "Seats tab"),
        (Scope::Queues, "Queues tab"),
        (Scope::Alerts, "Alerts tab"),
        (Scope::Governance, "Governance tab"),
        (Scope::Patrons, "Patrons tab"),
    ] {
        lines.push(Line::styled(title, t.title));
        for b in state.keymap.bindings().iter().filter(|b| b.action.scope() == scope) {
            let keys = b.keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            // The action's name (for [ui.keys]) in a column after the description where it
            // fits; a line too long for the box wraps under the description.
            let pad = if inner >= 18 + 37 + 15 { 36 } else { 0 };
            let mut spans = vec![
                Span::styled(format!("  {keys:<16}"), t.key),
                Span::styled(format!("{:<pad$}  ", b.action.description()), t.base),
                Span::styled(b.action.name(), t.dim),
            ];
            if b.custom {
                spans.push(Span::styled("  (yours)", t.warn));
            }
            // What the viewer's roles do not allow is said, not hidden: the key still answers,
            // with the refusal.
            if let Some(p) = b.action.entry().needs
                && !state.viewer.may(p)
            {
                spans.push(Span::styled("  (not for your roles)", t.dim));
            }
            lines.extend(wrap_spans(spans, inner, 18));
        }
    }
    lines.extend(wrap_spans(
        vec![Span::styled(
            "Map: ○ free ● occupied ◐ away ◌ ghost ◇ reserved × out of service ? no data; \
             dimmed: the seat's sensor is offline, its last state is shown.",
            t.dim,
        )],
        inner,
        5,
    ));
    lines
}

fn palette(frame: &mut Frame<'_>, area: Rect, state: &State, query: &str, selected: usize) {
    let t = &state.theme;
    let items = palette_items(state, query);
    let r = centred(area, 60, 14);
    let mut lines = vec![Line::from(vec![
        Span::styled(": ", t.key),
        Span::styled(safe(query), t.base),
        Span::styled("▏", t.key),
    ])];
    let rows = r.height.saturating_sub(3) as usize;
    let start = selected.saturating_sub(rows.saturating_sub(1));
    for (i, a) in items.iter().enumerate().skip(start).take(rows) {
        let style = if i == selected { t.selected } else { t.base };
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<36}", a.description()), style),
            Span::styled(format!(" {}", state.keymap.key_label(*a)), t.key),
        ]));
    }
    if items.is_empty() {
        lines.push(Line::styled(" no action matches", t.dim));
    }
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(boxed("Run an action", state)), r);
}

fn pick_staff(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    name: &str,
    options: &[String],
    selected: usize,
    open: bool,
) {
    let t = &state.theme;
    let verb = if open { "Open" } else { "Staff" };
    let mut lines = vec![Line::styled(format!("{verb} {} with:", safe(name)), t.base)];
    for (i, o) in options.iter().enumerate() {
        let style = if i == selected { t.selected } else { t.base };
        lines.push(Line::styled(format!("  {}", safe(o)), style));
    }
    let r = centred(area, 40, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(boxed("Staff on duty", state)), r);
}

fn alert_note(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    id: u64,
    action: crate::domain::alerts::AlertAction,
    note: &str,
) {
    use crate::domain::alerts::AlertAction;
    let t = &state.theme;
    let (title, what) = match action {
        AlertAction::Acknowledge => ("Acknowledge", "You are looking into it. Note (optional):"),
        AlertAction::Resolve => ("Resolve", "What was done? (a note is required)"),
        AlertAction::Escalate => ("Escalate", "Hand it to the governance committee. Why?"),
    };
    let r = centred(area, 64, 6);
    let width = r.width.saturating_sub(4) as usize;
    // The end of a long note stays in view as it is typed.
    let shown: String = {
        let chars: Vec<char> = safe(note).chars().collect();
        chars[chars.len().saturating_sub(width.saturating_sub(1))..].iter().collect()
    };
    let lines = vec![
        Line::styled(format!("{title} alert {id}"), t.title),
        Line::styled(what, t.dim),
        Line::from(vec![Span::styled(format!("{shown}▏"), t.key)]),
        Line::from(vec![
            Span::styled("enter", t.key),
            Span::styled(" do it   ", t.base),
            Span::styled("esc", t.key),
            Span::styled(" cancel", t.base),
        ]),
    ];
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(boxed(title, state)), r);
}

/// A confirmation: what will be done, what else it does, and y or n. Every line wraps within
/// the box, which grows to hold them.
fn confirm(frame: &mut Frame<'_>, area: Rect, state: &State, pending: &Pending) {
    let t = &state.theme;
    let (lines, answers, width): (Vec<Vec<Span<'static>>>, _, u16) = match pending {
        Pending::Withdraw { id, title } => (
            vec![
                vec![Span::styled(format!("Withdraw request #{id}?"), t.title)],
                vec![Span::styled(safe(title), t.base)],
                vec![Span::styled("It takes no more votes; this cannot be undone.", t.dim)],
            ],
            (" withdraw   ", " keep"),
            60,
        ),
        Pending::Window { summary, undo, warning, .. } => {
            let mut lines = vec![
                vec![Span::styled(format!("{}?", safe(summary)), t.title)],
                vec![Span::styled(
                    if *undo {
                        "This puts the window back as it was before your last change."
                    } else {
                        "The queue changes at once."
                    },
                    t.dim,
                )],
            ];
            if let Some(w) = warning {
                lines.push(vec![Span::styled(safe(w), t.warn)]);
            }
            (lines, (" do it   ", " cancel"), 64)
        }
        Pending::Release { label, away_since, ghost, .. } => {
            let away = away_since
                .map(|s| age_minutes((state.now() - s).num_minutes()))
                .unwrap_or_else(|| "?".into());
            let mut lines = vec![
                vec![
                    Span::styled("Release seat ", t.base),
                    Span::styled(safe(label), t.title),
                    Span::styled("?", t.base),
                ],
                vec![Span::styled(
                    format!("Away for {away}; the seat becomes free for others."),
                    t.dim,
                )],
            ];
            if !ghost {
                lines.push(vec![Span::styled(
                    format!("Not yet a ghost seat (limit {} min).", state.ghost_after_min),
                    t.warn,
                )]);
            }
            (lines, (" release   ", " keep"), 52)
        }
    };
    let inner = width.min(area.width).saturating_sub(2) as usize;
    let mut wrapped: Vec<Line<'static>> =
        lines.into_iter().flat_map(|spans| wrap_spans(spans, inner, 0)).collect();
    wrapped.push(Line::from(vec![
        Span::styled("y", t.key),
        Span::styled(answers.0, t.base),
        Span::styled("n", t.key),
        Span::styled(answers.1, t.base),
    ]));
    let r = centred(area, width, wrapped.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(wrapped).block(boxed("Confirm", state)), r);
}

fn detail(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    seat_id: &str,
    history: Option<&[crate::domain::layout::SeatEvent]>,
) {
    let t = &state.theme;
    let seat = state.seats.snapshot.as_ref().and_then(|s| {
        s.floors
            .iter()
            .flat_map(|f| f.seats.iter().map(move |x| (f, x)))
            .find(|(_, x)| x.id == seat_id)
    });
    let mut lines = Vec::new();
    if let Some((floor, s)) = seat {
        let zone = floor.zones.get(s.zone);
        lines.push(Line::from(vec![
            Span::styled(safe(&s.label), t.title),
            Span::styled(format!("  {}", safe(&s.id)), t.dim),
        ]));
        lines.push(Line::styled(
            format!(
                "{} · {} ({})",
                safe(&floor.name),
                zone.map(|z| safe(&z.name)).unwrap_or_default(),
                zone.map(|z| z.kind.as_str()).unwrap_or("")
            ),
            t.base,
        ));
        let extras = [(s.power, "power socket"), (s.accessible, "wheelchair accessible")];
        let extras: Vec<&str> = extras.iter().filter(|(b, _)| *b).map(|(_, l)| *l).collect();
        lines.push(Line::styled(
            if extras.is_empty() { "no socket, not step-free".into() } else { extras.join(", ") },
            t.dim,
        ));
        let state_line = match (s.state, s.since) {
            (Some(st), Some(since)) => format!(
                "now {}{} for {}; sensor {}",
                st,
                if s.ghost { " (ghost)" } else { "" },
                age_minutes((state.now() - since).num_minutes()),
                s.sensor.map_or("unknown", |h| h.as_str())
            ),
            _ => "no report yet".into(),
        };
        lines.push(Line::styled(state_line, t.base));
    } else {
        lines.push(Line::styled(
            format!("seat {} is no longer in the layout", safe(seat_id)),
            t.warn,
        ));
    }
    lines.push(Line::styled("Recent history", t.title));
    match history {
        None => lines.push(Line::styled("  loading…", t.dim)),
        Some([]) => lines.push(Line::styled("  none stored", t.dim)),
        Some(events) => {
            for e in events {
                let at = e.since.with_timezone(&state.tz).format("%a %H:%M");
                lines.push(Line::from(vec![
                    Span::styled(format!("  {at}  "), t.dim),
                    Span::styled(format!("{:<15}", e.state.as_str()), t.base),
                    Span::styled(format!("sensor {}", e.sensor.as_str()), t.dim),
                ]));
            }
        }
    }
    let r = centred(area, 56, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(boxed("Seat", state)), r);
}

fn find(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let c = state.seats.find;
    let tick = |b: bool| if b { "[x]" } else { "[ ]" };
    let lines = vec![
        Line::styled("Find a free seat (working sensor)", t.base),
        Line::from(vec![
            Span::styled("k ", t.key),
            Span::styled(format!("zone kind: {}", c.kind.map_or("any", |k| k.as_str())), t.base),
        ]),
        Line::from(vec![
            Span::styled("p ", t.key),
            Span::styled(format!("{} power socket", tick(c.power)), t.base),
        ]),
        Line::from(vec![
            Span::styled("a ", t.key),
            Span::styled(format!("{} wheelchair accessible", tick(c.accessible)), t.base),
        ]),
        Line::from(vec![
            Span::styled("enter", t.key),
            Span::styled(" find   ", t.base),
            Span::styled("esc", t.key),
            Span::styled(" close", t.base),
        ]),
    ];
    let r = centred(area, 44, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(boxed("Find", state)), r);
}
