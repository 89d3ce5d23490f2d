//! The Alerts tab: privacy-risk alerts, most severe and most recent first, and the selected
//! alert's detail with its history and the audit entries that are its evidence. Beside the
//! list on a wide terminal, under it on a narrow one.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{age_minutes, safe};
use crate::domain::alerts::Alert;
use crate::domain::rules::Severity;
use crate::tui::state::State;
use crate::tui::update::alerts::visible;

/// A glyph per severity, so it never rests on colour alone.
fn mark(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "‼",
        Severity::High => "!",
        Severity::Medium => "•",
        Severity::Low => "·",
    }
}

fn severity_style(s: Severity, state: &State) -> Style {
    let t = &state.theme;
    match s {
        Severity::Critical | Severity::High => t.bad,
        Severity::Medium => t.warn,
        Severity::Low => t.dim,
    }
}

fn ago(t: DateTime<Utc>, state: &State) -> String {
    age_minutes((state.now() - t).num_minutes())
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    if !state.viewer.sees_alerts() {
        let text = " Privacy-risk alerts are shown to sysadmins, committee members and auditors.";
        let text = Paragraph::new(Line::styled(text, t.dim)).wrap(Wrap { trim: false });
        frame.render_widget(text, area);
        return;
    }
    let Some(_) = &state.alerts.list else {
        frame.render_widget(Paragraph::new(Line::styled(" reading the alerts…", t.dim)), area);
        return;
    };
    if state.alerts.zoom {
        draw_detail(frame, area, state);
        return;
    }
    let wide = area.width >= 140;
    let shown = visible(state);
    let [list_area, detail_area] = if wide {
        Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(area)
    } else {
        let rows = (shown.len() as u16 + 2).clamp(4, area.height / 2);
        Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Length(rows), Constraint::Min(0)])
            .areas(area)
    };
    draw_list(frame, list_area, state, &shown);
    draw_detail(frame, detail_area, state);
}

fn draw_list(frame: &mut Frame<'_>, area: Rect, state: &State, shown: &[&Alert]) {
    let t = &state.theme;
    let which = state.alerts.state_filter.map_or("active", |s| s.as_str());
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!(" {} {which} alert{}", shown.len(), if shown.len() == 1 { "" } else { "s" }),
            t.title,
        ),
        Span::styled(
            format!(
                "  ({} lists another state)",
                state.keymap.key_label(crate::tui::keymap::Action::AlertStates)
            ),
            t.dim,
        ),
    ])];
    if shown.is_empty() {
        let text = if state.filter.text.is_empty() {
            format!(" no {which} alerts: the privacy rules found nothing")
        } else {
            " no alert matches the filter".to_owned()
        };
        lines.push(Line::styled(text, t.dim));
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let rows = area.height.saturating_sub(1) as usize;
    // Keep the selection in view.
    let first = state.alerts.sel.saturating_sub(rows.saturating_sub(1));
    let width = area.width as usize;
    for (i, a) in shown.iter().enumerate().skip(first).take(rows) {
        let selected = i == state.alerts.sel;
        let base = if selected { t.selected } else { t.base };
        let head = format!(
            "{:>4} {:<8} {:<12} {:>5} ",
            format!("#{}", a.id),
            a.severity.as_str(),
            a.state.as_str(),
            ago(a.last_seen, state)
        );
        let used = 2 + head.chars().count();
        let summary: String = safe(&a.summary).chars().take(width.saturating_sub(used)).collect();
        lines.push(Line::from(vec![
            Span::styled(if selected { "▸" } else { " " }, t.key),
            Span::styled(mark(a.severity), severity_style(a.severity, state)),
            Span::styled(head, base),
            Span::styled(summary, base),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_detail(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let block = Block::default()
        .borders(Borders::TOP | Borders::LEFT)
        .border_style(t.dim)
        .title(Span::styled(" detail ", t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(d) = &state.alerts.detail else {
        if !visible(state).is_empty() {
            frame.render_widget(Paragraph::new(Line::styled("reading…", t.dim)), inner);
        }
        return;
    };
    let text = Paragraph::new(detail_lines(state, d)).wrap(Wrap { trim: false });
    if state.alerts.zoom {
        let total = u16::try_from(text.line_count(inner.width)).unwrap_or(u16::MAX);
        let top = state.alerts.scroll.min(total.saturating_sub(inner.height));
        frame.render_widget(text.scroll((top, 0)), inner);
    } else {
        frame.render_widget(text, inner);
    }
}

/// The block the zoomed detail is drawn in: the whole tab, less the detail's top and left
/// borders.
fn zoomed_inner(state: &State) -> Rect {
    let size = Rect::new(0, 0, state.size.0, state.size.1);
    let content = crate::tui::layout::frame(size).content;
    Block::default().borders(Borders::TOP | Borders::LEFT).inner(content)
}

/// How far the zoomed detail scrolls: until its last line is on the last row.
pub fn detail_scroll_limit(state: &State) -> u16 {
    let Some(d) = &state.alerts.detail else { return 0 };
    let inner = zoomed_inner(state);
    let text = Paragraph::new(detail_lines(state, d)).wrap(Wrap { trim: false });
    let total = u16::try_from(text.line_count(inner.width)).unwrap_or(u16::MAX);
    total.saturating_sub(inner.height)
}

fn detail_lines<'a>(
    state: &'a State,
    d: &'a crate::services::alerts::AlertDetail,
) -> Vec<Line<'a>> {
    let t = &state.theme;
    let a = &d.alert;
    let clock = |x: DateTime<Utc>| super::day_time(x, state);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("#{} ", a.id), t.title),
            Span::styled(a.rule.title(), t.title),
        ]),
        Line::from(vec![
            Span::styled(
                format!("{} {}", mark(a.severity), a.severity.as_str()),
                severity_style(a.severity, state),
            ),
            Span::styled(
                format!(" · {} · {} · {}×", a.state.as_str(), a.rule.as_str(), a.count),
                t.base,
            ),
        ]),
        Line::styled(safe(&a.summary), t.base),
        Line::styled(
            format!(
                "about {} · seen {} – {}",
                safe(&crate::domain::alerts::subject(&a.key, state.tz)),
                clock(a.first_seen),
                clock(a.last_seen)
            ),
            t.dim,
        ),
    ];
    if !d.events.is_empty() {
        lines.push(Line::styled("history", t.title));
        for e in &d.events {
            let note =
                if e.note.is_empty() { String::new() } else { format!(": {}", safe(&e.note)) };
            lines.push(Line::styled(
                format!(" {} {} {}{note}", clock(e.at), safe(&e.actor), e.action),
                t.base,
            ));
        }
    }
    lines.push(Line::styled(
        format!(
            "evidence: {} audit entr{}",
            d.evidence.len(),
            if d.evidence.len() == 1 { "y" } else { "ies" }
        ),
        t.title,
    ));
    for e in &d.evidence {
        let n = &e.entry;
        let object: String = safe(&n.object).chars().take(22).collect();
        let purpose =
            if n.purpose.is_empty() { String::new() } else { format!(" for {}", safe(&n.purpose)) };
        lines.push(Line::styled(
            format!(
                " #{} {} {} {} {object}{purpose}",
                e.seq,
                clock(n.at),
                safe(&n.actor),
                safe(&n.action)
            ),
            t.base,
        ));
    }
    if a.evidence.is_empty() {
        lines.push(Line::styled(" (a condition of the store, not of the log)", t.dim));
    }
    lines
}
