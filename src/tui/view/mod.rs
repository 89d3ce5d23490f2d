//! Drawing: `draw(frame, &State)` reads the state and writes nothing else. The frame is a tab
//! bar, the current tab, a status line and a key bar listing the keys that apply now;
//! overlays (help, palette, confirm, details, find, the tabs' boxes) draw on top.

pub(crate) mod alerts;
mod governance;
pub(crate) mod overlays;
mod patrons;
mod queues;
mod seats;
mod system;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::keymap::Action;
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use super::model::ApiHealth;
use super::state::{Focus, Overlay, State, Tab, ToastKind};
use crate::domain::sanitize::clean_text;
use crate::tui::widgets::wrap::wrap_spans;

/// How far the patron's whole page scrolls at the current size (`update` keeps to it).
pub fn patron_scroll_limit(state: &State) -> usize {
    patrons::scroll_limit(state)
}

/// The rows the patron's whole page is shown in.
pub fn patron_page_rows(state: &State) -> usize {
    patrons::page_rows(state)
}

/// Text from data, made safe to draw: no control characters, bounded length.
pub(crate) fn safe(s: &str) -> String {
    clean_text(s, 120)
}

pub fn draw(frame: &mut Frame<'_>, state: &State) {
    let area = frame.area();
    if layout::too_small(area) {
        draw_too_small(frame, area, state);
        return;
    }
    let areas = layout::frame(area);
    draw_tabs(frame, areas.tabs, state);
    match state.tab {
        Tab::Seats => seats::draw(frame, areas.content, state),
        Tab::Queues => queues::draw(frame, areas.content, state),
        Tab::Alerts => alerts::draw(frame, areas.content, state),
        Tab::Governance => governance::draw(frame, areas.content, state),
        Tab::Patrons => patrons::draw(frame, areas.content, state),
        Tab::System => system::draw(frame, areas.content, state),
    }
    draw_status(frame, areas.status, state);
    draw_keys(frame, areas.keys, state);
    if let Some(overlay) = &state.overlay {
        overlays::draw(frame, areas.content, state, overlay);
    }
}

fn draw_too_small(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let text = format!(
        "terminal too small: need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}",
        area.width, area.height
    );
    let lines: Vec<Line<'_>> =
        wrap(&text, area.width.max(1) as usize).into_iter().map(Line::from).collect();
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).style(state.theme.warn), area);
}

/// What a tab fed by the sensor API says when it has nothing from it: why, and what to do,
/// in lines of `width`. A console without a sensor API names the setting that gives it one,
/// and the demo.
pub(crate) fn no_sensor_data(state: &State, what: &str, width: u16) -> Vec<Line<'static>> {
    let t = &state.theme;
    let (first, style, more): (String, _, Vec<String>) = match state.health.sensor {
        ApiHealth::Off => {
            let file = state
                .config_file
                .as_deref()
                .map_or_else(|| "the configuration file".to_owned(), safe);
            (
                format!("{what}: this console has no sensor API to read."),
                t.warn,
                vec![
                    format!(
                        "Give it one with url under [feeds.sensor] in {file} (or \
                         CARREL_SENSOR_URL, or --sensor-url) and start carrel again; `carrel \
                         config check` prints the configuration in effect."
                    ),
                    "Or try `carrel demo`: a simulated library on a demo database of its own."
                        .to_owned(),
                ],
            )
        }
        ApiHealth::Waiting => {
            (format!("{what}: waiting for the sensor API's first answer…"), t.dim, vec![])
        }
        ApiHealth::Down => (
            format!("{what}: the sensor API does not answer (the System tab says why)."),
            t.warn,
            vec![],
        ),
        ApiHealth::Ok | ApiHealth::Stale { .. } => {
            (format!("{what}: the sensor API has not reported any."), t.dim, vec![])
        }
    };
    let width = width as usize;
    let mut lines = wrap_spans(vec![Span::styled(format!(" {first}"), style)], width, 1);
    for text in more {
        lines.push(Line::raw(""));
        lines.extend(wrap_spans(vec![Span::styled(format!(" {text}"), t.base)], width, 1));
    }
    lines
}

/// Splits `text` into lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width.max(1)).map(|c| c.iter().collect()).collect()
}

fn draw_tabs(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let badge = |tab: Tab| -> Option<Span<'static>> {
        match tab {
            Tab::Alerts => state
                .alerts
                .active
                .filter(|n| *n > 0)
                .map(|n| Span::styled(format!("({n})"), t.badge_alert)),
            Tab::Governance => state
                .governance
                .my_count()
                .filter(|n| *n > 0 && super::update::governance::sees(state))
                .map(|n| Span::styled(format!("({n})"), t.badge)),
            _ => None,
        }
    };
    // Every tab's title when they fit, then without the gaps between tabs, otherwise only the
    // current tab's beside the others' numbers; the library's name takes the room left, if it
    // fits whole.
    let tabs = |titled: bool, gap: bool| -> Vec<Span<'static>> {
        let mut spans = vec![];
        for tab in Tab::ALL {
            let style = if tab == state.tab { t.tab_active } else { t.tab };
            let text = if titled || tab == state.tab {
                format!(" {} {} ", tab.number(), tab.title())
            } else {
                format!(" {} ", tab.number())
            };
            if gap {
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled(text, style));
            spans.extend(badge(tab));
        }
        spans
    };
    let width = |spans: &[Span<'_>]| spans.iter().map(Span::width).sum::<usize>();
    let brand = Span::styled(" carrel ", t.title);
    let fits = |spans: &[Span<'_>]| brand.width() + width(spans) <= area.width as usize;
    let mut tab_spans = tabs(true, true);
    if !fits(&tab_spans) {
        tab_spans = tabs(true, false);
    }
    if !fits(&tab_spans) {
        tab_spans = tabs(false, true);
    }
    let room = (area.width as usize).saturating_sub(brand.width() + width(&tab_spans));
    let mut spans = vec![brand];
    let library = Span::styled(format!("{} ", safe(&state.library)), t.dim);
    if library.width() <= room {
        spans.push(library);
    }
    spans.extend(tab_spans);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn health_span(name: &str, h: ApiHealth, state: &State) -> Span<'static> {
    let t = &state.theme;
    match h {
        ApiHealth::Off => Span::styled(format!("{name} off"), t.dim),
        ApiHealth::Waiting => Span::styled(format!("{name} waiting"), t.dim),
        ApiHealth::Ok => Span::styled(format!("{name} ok"), t.ok),
        ApiHealth::Stale { minutes } => {
            Span::styled(format!("{name} STALE {}", age_minutes(minutes)), t.bad)
        }
        ApiHealth::Down => Span::styled(format!("{name} DOWN"), t.bad),
    }
}

/// `4m`, `2h05m`, `3d`.
pub(crate) fn age_minutes(minutes: i64) -> String {
    match minutes {
        ..60 => format!("{}m", minutes.max(0)),
        60..1440 => format!("{}h{:02}m", minutes / 60, minutes % 60),
        _ => format!("{}d", minutes / 1440),
    }
}

/// A day and time in the library's zone, `03 Dec 10:52`, with the year when it is not this
/// year's (`03 Dec 2025 10:52`), so a range across a new year reads in order.
pub(crate) fn day_time(t: chrono::DateTime<chrono::Utc>, state: &State) -> String {
    use chrono::Datelike;
    let local = t.with_timezone(&state.tz);
    if local.year() == state.now().with_timezone(&state.tz).year() {
        local.format("%d %b %H:%M").to_string()
    } else {
        local.format("%d %b %Y %H:%M").to_string()
    }
}

fn draw_status(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let v = &state.viewer;
    let width = |spans: &[Span<'_>]| spans.iter().map(Span::width).sum::<usize>();
    let mut who = vec![Span::styled(format!(" {} ", safe(&v.login)), t.title)];
    if v.read_only() {
        who.push(Span::styled(" READ-ONLY ", t.badge_alert));
        who.push(Span::raw(" "));
    }
    let badges = |party: bool| {
        let mut roles = vec![];
        for g in &v.grants {
            let label = match g.party {
                Some(p) if party => format!("{}:{}", g.role, p),
                _ => g.role.to_string(),
            };
            roles.push(Span::styled(format!("[{label}]"), t.badge));
            roles.push(Span::raw(" "));
        }
        roles
    };
    let mut roles = badges(true);
    let message = if let Some(since) = state.database_down {
        let at = since.with_timezone(&state.tz).format("%H:%M:%S");
        let age = crate::domain::units::ago(state.wall - since);
        Some(Span::styled(format!("database unreachable since {at} ({age}) "), t.bad))
    } else if let Some(busy) = &state.busy {
        Some(Span::styled(format!("{}… ", safe(busy)), t.warn))
    } else {
        state.toast.as_ref().map(|toast| {
            let style = if toast.kind == ToastKind::Error { t.bad } else { t.ok };
            Span::styled(safe(&toast.text), style)
        })
    };
    let now = state.now().with_timezone(&state.tz);
    let mut right = vec![
        health_span("sensors", state.health.sensor, state),
        Span::styled(" · ", t.dim),
        health_span("recs", state.health.recs, state),
        Span::styled(" · ", t.dim),
        Span::styled(format!("{} ", now.format("%a %H:%M")), t.base),
    ];
    // The roles fit beside the feeds' health and the clock, without the committee party (the
    // Governance tab names it) when they must.
    if width(&who) + width(&roles) + width(&right) + 1 > area.width as usize {
        roles = badges(false);
    }
    // A message says what just happened and goes after a few seconds: when it does not fit,
    // the role badges make room for it, then the feeds' health and the clock.
    if let Some(m) = &message {
        let room = area.width as usize;
        let need = |roles: &[Span<'_>], right: &[Span<'_>]| {
            width(&who) + width(roles) + m.width() + width(right) + 1
        };
        if need(&roles, &right) > room {
            roles.clear();
        }
        if need(&roles, &right) > room {
            right.clear();
        }
    }
    let right_w = width(&right);
    let right_area = Rect {
        x: area.right().saturating_sub(right_w as u16),
        width: (right_w as u16).min(area.width),
        ..area
    };
    let left_area = Rect { width: area.width.saturating_sub(right_area.width + 1), ..area };
    let mut left = who;
    left.extend(roles);
    left.extend(message);
    frame.render_widget(Paragraph::new(Line::from(left)), left_area);
    frame.render_widget(Paragraph::new(Line::from(right)), right_area);
}

/// The actions worth listing in the key bar now, most useful first.
fn key_bar_actions(state: &State) -> Vec<Action> {
    if state.filter.editing {
        return vec![];
    }
    let mut out = match state.tab {
        // Nothing to move through or act on before the layout has come.
        Tab::Seats if super::update::seats::current_floor(state).is_none() => vec![],
        Tab::Seats => match state.seats.focus {
            Focus::Map => {
                vec![
                    Action::NextFloor,
                    Action::Find,
                    Action::NextMatch,
                    Action::ToggleFocus,
                    Action::Select,
                    Action::Release,
                ]
            }
            Focus::Ghosts => vec![
                Action::ToggleFocus,
                Action::Select,
                Action::Release,
                Action::Filter,
                Action::NextFloor,
            ],
        },
        Tab::Queues if state.queues.overview.as_ref().is_none_or(|o| o.services.is_empty()) => {
            vec![]
        }
        Tab::Queues => vec![
            Action::Down,
            Action::OpenWindow,
            Action::CloseWindow,
            Action::AssignStaff,
            Action::Undo,
            Action::Filter,
        ],
        Tab::Alerts if !state.viewer.sees_alerts() => vec![],
        Tab::Alerts if state.alerts.zoom => {
            vec![Action::Down, Action::Back, Action::Acknowledge, Action::Resolve, Action::Escalate]
        }
        Tab::Alerts => vec![
            Action::Down,
            Action::Select,
            Action::Acknowledge,
            Action::Resolve,
            Action::Escalate,
            Action::AlertStates,
            Action::Filter,
        ],
        Tab::Governance => governance_keys(state),
        Tab::Patrons if !super::update::patrons::may(state) => vec![],
        Tab::Patrons if state.patrons.full => vec![
            Action::Down,
            Action::Back,
            Action::LookUp,
            Action::ClearPatron,
            Action::LookUpAgain,
        ],
        Tab::Patrons if state.patrons.shown.is_some() => {
            vec![Action::LookUp, Action::ClearPatron, Action::LookUpAgain, Action::Select]
        }
        Tab::Patrons => vec![Action::LookUp],
        Tab::System => vec![Action::Down, Action::Filter, Action::Refresh],
    };
    out.extend([Action::NextTab, Action::Palette]);
    out
}

/// The Governance tab's keys: voting and verdicts only for those who may give them, and only
/// on a row they apply to.
fn governance_keys(state: &State) -> Vec<Action> {
    use super::state::GovRow;
    use super::update::governance as gov;
    use crate::domain::policy::Permission;
    use crate::domain::quorum::RequestState;
    if !gov::sees(state) {
        return vec![];
    }
    let v = &state.viewer;
    let mut out = vec![Action::GovernanceView];
    let row = gov::selected(state);
    match row {
        Some(GovRow::Request(id)) => {
            if let Some(r) = gov::request(state, id) {
                if v.may(Permission::VoteRequest) && r.state == RequestState::Submitted {
                    out.extend([Action::Approve, Action::Deny]);
                }
                if v.may(Permission::FileRequest) && r.requester == v.login && !r.state.is_final() {
                    out.push(Action::Withdraw);
                }
            }
        }
        Some(GovRow::Review(id)) => {
            let open = gov::review_case(state, id).is_some_and(|c| c.item.verdict.is_none());
            if open && v.may(Permission::ReviewAccess) {
                out.extend([Action::Justified, Action::Unjustified]);
            }
        }
        _ => {}
    }
    if state.governance.zoom {
        out.push(Action::Back);
    } else if matches!(row, Some(GovRow::Request(_) | GovRow::Review(_))) {
        out.push(Action::Select);
    }
    if v.may(Permission::FileRequest) {
        out.push(Action::NewRequest);
    }
    out.extend([Action::Down, Action::Filter]);
    out
}

fn draw_keys(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let mut spans = vec![Span::raw(" ")];
    let hint = |spans: &mut Vec<Span<'static>>, key: String, what: &str| {
        spans.push(Span::styled(key, t.key));
        spans.push(Span::styled(format!(" {what}  "), t.dim));
    };
    match &state.overlay {
        Some(Overlay::Confirm(_)) => {
            hint(&mut spans, "y".into(), "confirm");
            hint(&mut spans, "n".into(), "cancel");
        }
        Some(Overlay::AlertNote { .. }) => {
            hint(&mut spans, "type".into(), "the note");
            hint(&mut spans, "enter".into(), "do it");
            hint(&mut spans, "esc".into(), "cancel");
        }
        Some(Overlay::Vote(b)) => {
            hint(
                &mut spans,
                "type".into(),
                if b.approve { "a reason (optional)" } else { "the reason" },
            );
            hint(&mut spans, "enter".into(), "vote");
            hint(&mut spans, "esc".into(), "cancel");
        }
        Some(Overlay::Verdict(_)) => {
            hint(&mut spans, "type".into(), "the note");
            hint(&mut spans, "enter".into(), "mark");
            hint(&mut spans, "esc".into(), "cancel");
        }
        Some(Overlay::FileRequest(f)) => {
            hint(&mut spans, "tab".into(), "next field");
            hint(&mut spans, "shift-tab".into(), "back");
            if f.focus.is_choice() {
                hint(&mut spans, "space ←→".into(), "choose");
            }
            hint(&mut spans, if f.on_last() { "enter" } else { "ctrl-s" }.into(), "file it");
            hint(&mut spans, "esc".into(), "cancel");
        }
        Some(Overlay::Lookup(b)) if b.waiting => {
            hint(&mut spans, "esc".into(), "stop waiting (the lookup is still logged)");
        }
        Some(Overlay::Lookup(b)) => {
            use crate::tui::lookup::LookupField;
            match b.focus {
                LookupField::Card => hint(&mut spans, "type".into(), "the card number"),
                LookupField::Purpose => hint(&mut spans, "space ←→".into(), "purpose"),
            }
            hint(&mut spans, "tab".into(), "card/purpose");
            hint(&mut spans, "enter".into(), "look up");
            hint(&mut spans, "esc".into(), "cancel");
        }
        Some(Overlay::PickStaff { .. }) => {
            hint(&mut spans, "↑↓".into(), "choose");
            hint(&mut spans, "enter".into(), "pick");
            hint(&mut spans, "esc".into(), "cancel");
        }
        Some(Overlay::Palette { .. }) => {
            hint(&mut spans, "type".into(), "to search");
            hint(&mut spans, "↑↓".into(), "choose");
            hint(&mut spans, "enter".into(), "run");
            hint(&mut spans, "esc".into(), "close");
        }
        Some(Overlay::Find) => {
            hint(&mut spans, "k".into(), "zone kind");
            hint(&mut spans, "p".into(), "power");
            hint(&mut spans, "a".into(), "accessible");
            hint(&mut spans, "enter".into(), "find");
            hint(&mut spans, "esc".into(), "close");
        }
        Some(Overlay::Help { .. } | Overlay::SeatDetail { .. }) => {
            hint(&mut spans, "↑↓".into(), "scroll");
            hint(&mut spans, "esc".into(), "close");
        }
        None if state.filter.editing => {
            spans.push(Span::styled(format!("/{}", safe(&state.filter.text)), t.key));
            spans.push(Span::styled("▏", t.key));
            spans.push(Span::styled("   enter keep  esc clear", t.dim));
        }
        None => {
            if !state.filter.text.is_empty() {
                spans.push(Span::styled(format!("filter: {}  ", safe(&state.filter.text)), t.warn));
            }
            // Help and quit always show; the rest as far as they fit, most useful first.
            let item = |a: Action| {
                let short = match (state.tab, a) {
                    // The patron's page has no rows to move between; it scrolls.
                    (Tab::Patrons, Action::Down) => "scroll",
                    (Tab::Patrons, Action::Select) => "whole page",
                    _ => a.short(),
                };
                (state.keymap.key_label(a), short)
            };
            let tail = [item(Action::Help), item(Action::Quit)];
            let width = |(k, w): &(String, &str)| k.chars().count() + w.chars().count() + 3;
            let mut room = (area.width as usize).saturating_sub(
                spans.iter().map(Span::width).sum::<usize>()
                    + tail.iter().map(width).sum::<usize>(),
            );
            for a in key_bar_actions(state) {
                let it = item(a);
                if width(&it) > room {
                    break;
                }
                room -= width(&it);
                hint(&mut spans, it.0, it.1);
            }
            for (k, what) in tail {
                hint(&mut spans, k, what);
            }
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(Style::default()), area);
}
