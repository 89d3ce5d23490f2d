//! The Governance tab: a line of views (my queue, requests, review, ε ledger), the current
//! view's list and the selected row's detail: beside the list on a wide terminal, under it on a
//! narrow one, or filling the tab after Enter. A request's state and each party's vote are
//! shown by glyph and word, never by colour alone.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{age_minutes, safe};
use crate::domain::governance::ReviewSource;
use crate::domain::governance::{DataRequest, Scope};
use crate::domain::quorum::RequestState;
use crate::domain::sanitize::clean_text;
use crate::domain::staff::Party;
use crate::services::review::ReviewCase;
use crate::tui::keymap::Action;
use crate::tui::model::GovernanceSnapshot;
use crate::tui::state::{GovRow, GovView, State};
use crate::tui::update::governance::{request, review_case, rows, sees, selected, views};
use crate::tui::widgets::bar::bar;

/// From this width the detail sits beside the list.
const WIDE: u16 = 140;

/// A glyph per request state, so the state never rests on colour alone.
pub fn state_mark(s: RequestState) -> &'static str {
    match s {
        RequestState::Draft => "✎",
        RequestState::Submitted => "○",
        RequestState::Approved => "✓",
        RequestState::Denied => "✗",
        RequestState::Expired => "⊘",
        RequestState::Withdrawn => "−",
    }
}

fn state_style(s: RequestState, state: &State) -> Style {
    let t = &state.theme;
    match s {
        RequestState::Approved => t.ok,
        RequestState::Denied => t.bad,
        RequestState::Submitted => t.warn,
        RequestState::Draft | RequestState::Expired | RequestState::Withdrawn => t.dim,
    }
}

fn party_name(p: Party) -> &'static str {
    match p {
        Party::UserCommittee => "user committee",
        Party::Library => "library",
        Party::Supplier => "supplier",
    }
}

fn scope_word(r: &DataRequest) -> &'static str {
    match r.scope {
        Scope::RowLevel => "row-level",
        Scope::Aggregate => "aggregate",
    }
}

fn clock(t: DateTime<Utc>, state: &State) -> String {
    super::day_time(t, state)
}

/// Requests are stamped with the wall clock of the console that filed them, so their ages are
/// measured against ours, not the sensors'.
fn ago(t: DateTime<Utc>, state: &State) -> String {
    age_minutes((state.wall - t).num_minutes())
}

/// At most `n` characters of `s`.
fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    if !sees(state) {
        let text =
            " Data requests are shown to desk staff, sysadmins, committee members and auditors.";
        frame.render_widget(Paragraph::new(Line::styled(text, t.dim)), area);
        return;
    }
    let Some(snap) = &state.governance.snapshot else {
        let text = " reading the data requests…";
        frame.render_widget(Paragraph::new(Line::styled(text, t.dim)), area);
        return;
    };
    let [head, body] = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Length(1), Constraint::Min(0)])
        .areas(area);
    draw_views(frame, head, state, snap);
    if state.governance.zoom {
        draw_detail(frame, body, state, false);
        return;
    }
    // The ledger has no detail; a list with nothing selected has none to show.
    if state.governance.view == GovView::Ledger || selected(state).is_none() {
        draw_list(frame, body, state, list_lines(state, snap, body.width));
        return;
    }
    if body.width >= WIDE {
        let [list_area, detail_area] = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(body);
        draw_list(frame, list_area, state, list_lines(state, snap, list_area.width));
        draw_detail(frame, detail_area, state, false);
    } else {
        let lines = list_lines(state, snap, body.width);
        let rows = (lines.len() as u16).clamp(4, body.height / 2);
        let [list_area, detail_area] = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Length(rows), Constraint::Min(0)])
            .areas(body);
        draw_list(frame, list_area, state, lines);
        draw_detail(frame, detail_area, state, true);
    }
}

/// The line of views, the current one marked.
fn draw_views(frame: &mut Frame<'_>, area: Rect, state: &State, snap: &GovernanceSnapshot) {
    let t = &state.theme;
    let mut spans = vec![Span::raw(" ")];
    for v in views(state) {
        let count = match v {
            GovView::Mine => {
                let n = snap.waiting.len() + snap.review.as_ref().map_or(0, |q| q.mine.len());
                format!(" {n}")
            }
            GovView::Requests => format!(" {}", snap.requests.len()),
            GovView::Review => snap
                .review
                .as_ref()
                .map_or(String::new(), |q| format!(" {}/{}", q.mine.len(), q.open)),
            GovView::Ledger => String::new(),
        };
        let current = v == state.governance.view;
        let (mark, style) = if current { ("▸", t.tab_active) } else { (" ", t.tab) };
        spans.push(Span::styled(format!("{mark}{}{count} ", v.title()), style));
        spans.push(Span::raw(" "));
    }
    // How to switch, where it fits (the key bar says it too).
    let hint = Span::styled(
        format!("({} next view)", state.keymap.key_label(Action::GovernanceView)),
        t.dim,
    );
    if spans.iter().map(Span::width).sum::<usize>() + hint.width() <= area.width as usize {
        spans.push(hint);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A list line and the row it selects, if it is one.
type ListLine = (Option<GovRow>, Line<'static>);

fn list_lines(state: &State, snap: &GovernanceSnapshot, width: u16) -> Vec<ListLine> {
    let t = &state.theme;
    let view = state.governance.view;
    let shown = rows(state, view);
    let chosen = selected(state);
    let width = width as usize;
    let head = |text: String| (None, Line::styled(text, t.title));
    let note = |text: &str| (None, Line::styled(format!(" {text}"), t.dim));
    let filtered = !state.filter.text.is_empty();
    let mut out: Vec<ListLine> = vec![];
    let row = |r: GovRow| -> Option<ListLine> {
        let line = match r {
            GovRow::Request(id) => {
                request_line(state, request(state, id)?, chosen == Some(r), width)
            }
            GovRow::Review(id) => {
                case_line(state, review_case(state, id)?, chosen == Some(r), width)
            }
            GovRow::Ledger(i) => ledger_line(state, snap, i, chosen == Some(r), width)?,
        };
        Some((Some(r), line))
    };
    match view {
        GovView::Mine => {
            let party =
                state.viewer.party().map_or(String::new(), |p| format!(" ({})", party_name(p)));
            let requests: Vec<GovRow> =
                shown.iter().copied().filter(|r| matches!(r, GovRow::Request(_))).collect();
            let cases: Vec<GovRow> =
                shown.iter().copied().filter(|r| matches!(r, GovRow::Review(_))).collect();
            if state.viewer.may(crate::domain::policy::Permission::VoteRequest) {
                out.push(head(format!(" Waiting for your vote{party}: {}", requests.len())));
                if requests.is_empty() {
                    out.push(note(if filtered {
                        "no waiting request matches the filter"
                    } else {
                        "no request waits for your party's vote"
                    }));
                }
                out.extend(requests.into_iter().filter_map(row));
            }
            if snap.review.is_some() {
                out.push(head(format!(" Review items assigned to you: {}", cases.len())));
                if cases.is_empty() {
                    out.push(note(if filtered {
                        "no review item matches the filter"
                    } else {
                        "none is assigned to you"
                    }));
                }
                out.extend(cases.into_iter().filter_map(row));
            }
        }
        GovView::Requests => {
            out.push(head(format!(
                " {} data request{}, newest first",
                shown.len(),
                if shown.len() == 1 { "" } else { "s" }
            )));
            if shown.is_empty() {
                out.push(note(if filtered {
                    "no request matches the filter"
                } else {
                    "no data request has been filed yet"
                }));
            }
            out.extend(shown.into_iter().filter_map(row));
        }
        GovView::Review => {
            let (mine, open) = snap.review.as_ref().map_or((0, 0), |q| (q.mine.len(), q.open));
            out.push(head(format!(" {mine} assigned to you · {open} open in all")));
            if shown.is_empty() {
                out.push(note(if filtered {
                    "no review item matches the filter"
                } else {
                    "nothing to review: no open item is assigned to you"
                }));
            }
            out.extend(shown.into_iter().filter_map(row));
            if let Some(q) = &snap.review
                && !q.recent.is_empty()
            {
                out.push(head(" Recent verdicts".into()));
                for c in &q.recent {
                    out.push((None, case_line(state, c, false, width)));
                }
            }
        }
        GovView::Ledger => {
            out.push(head(format!(
                " ε spent per dataset and month of data; budget {} each",
                snap.budget
            )));
            if snap.ledger.is_empty() {
                out.push(note("no transparency report has spent ε yet"));
            } else {
                out.push((
                    None,
                    Line::styled(
                        format!(
                            "  {:<10} {:<8} {:>6} {:>6}",
                            "dataset", "month", "spent", "budget"
                        ),
                        t.dim,
                    ),
                ));
            }
            out.extend(shown.into_iter().filter_map(row));
        }
    }
    out
}

fn draw_list(frame: &mut Frame<'_>, area: Rect, state: &State, lines: Vec<ListLine>) {
    let rows = area.height as usize;
    // Keep the selection in view.
    let chosen = selected(state);
    let at = lines.iter().position(|(r, _)| r.is_some() && *r == chosen).unwrap_or(0);
    let first = at.saturating_sub(rows.saturating_sub(1));
    let shown: Vec<Line<'_>> = lines.into_iter().skip(first).take(rows).map(|(_, l)| l).collect();
    frame.render_widget(Paragraph::new(shown), area);
}

fn request_line(state: &State, r: &DataRequest, selected: bool, width: usize) -> Line<'static> {
    let t = &state.theme;
    let base = if selected { t.selected } else { t.base };
    let head = format!(
        " {:>4} {:<9} {:<9} {:<8} {:>5} ",
        format!("#{}", r.id),
        r.state.as_str(),
        scope_word(r),
        cut(&safe(&r.requester), 8),
        ago(r.created, state)
    );
    let used = 2 + head.chars().count();
    Line::from(vec![
        Span::styled(if selected { "▸" } else { " " }, t.key),
        Span::styled(state_mark(r.state), state_style(r.state, state)),
        Span::styled(head, base),
        Span::styled(cut(&safe(&r.title), width.saturating_sub(used)), base),
    ])
}

fn source(c: &ReviewCase) -> String {
    match (c.item.source, c.item.alert_id) {
        (ReviewSource::Alert, Some(a)) => format!("alert #{a}"),
        (s, _) => s.as_str().to_owned(),
    }
}

fn case_line(state: &State, c: &ReviewCase, selected: bool, width: usize) -> Line<'static> {
    let t = &state.theme;
    let base = if selected { t.selected } else { t.base };
    let verdict = match c.item.verdict {
        Some(crate::domain::governance::Verdict::Justified) => "✓ ",
        Some(crate::domain::governance::Verdict::Unjustified) => "✗ ",
        None => "",
    };
    let about = match &c.entry {
        Some(e) => {
            let n = &e.entry;
            let purpose = if n.purpose.is_empty() {
                String::new()
            } else {
                format!(" for {}", safe(&n.purpose))
            };
            format!(
                "{} {} {} {}{purpose}",
                clock(n.at, state),
                safe(&n.actor),
                safe(&n.action),
                cut(&safe(&n.object), 24)
            )
        }
        None => format!("audit entry #{} (not found)", c.item.seq),
    };
    let text = format!(" r{:<4} {verdict}{:<9} {about}", c.item.id, source(c));
    Line::from(vec![
        Span::styled(if selected { "▸" } else { " " }, t.key),
        Span::styled(cut(&text, width.saturating_sub(1)), base),
    ])
}

fn ledger_line(
    state: &State,
    snap: &GovernanceSnapshot,
    i: usize,
    selected: bool,
    width: usize,
) -> Option<Line<'static>> {
    let t = &state.theme;
    let l = snap.ledger.get(i)?;
    let base = if selected { t.selected } else { t.base };
    let head = format!(
        " {:<10} {:<8} {:>6} {:>6}  ",
        cut(&safe(&l.dataset), 10),
        cut(&safe(&l.month), 8),
        l.spent.to_string(),
        l.budget.to_string()
    );
    let share = if l.budget.0 == 0 { 1.0 } else { l.spent.0 as f64 / l.budget.0 as f64 };
    let room = width.saturating_sub(head.chars().count() + 7).clamp(4, 40);
    let (fill, empty) = bar(share, room);
    let full = l.spent.0 >= l.budget.0;
    Some(Line::from(vec![
        Span::styled(if selected { "▸" } else { " " }, t.key),
        Span::styled(head, base),
        Span::styled(fill, if full { t.bad } else { t.bar_fill }),
        Span::styled(empty, t.bar_empty),
        Span::styled(format!(" {:>3.0}%", share * 100.0), if full { t.bad } else { base }),
    ]))
}

/// The selected row's detail; `compact` under a list, where it may not all fit.
fn draw_detail(frame: &mut Frame<'_>, area: Rect, state: &State, compact: bool) {
    let t = &state.theme;
    let hint = if state.governance.zoom {
        format!(" detail ({} back to the list) ", state.keymap.key_label(Action::Back))
    } else if compact {
        format!(" detail ({} full) ", state.keymap.key_label(Action::Select))
    } else {
        " detail ".to_owned()
    };
    let block = Block::default()
        .borders(Borders::TOP | Borders::LEFT)
        .border_style(t.dim)
        .title(Span::styled(hint, t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = match selected(state) {
        Some(GovRow::Request(id)) => request(state, id).map(|r| request_detail(state, r)),
        Some(GovRow::Review(id)) => review_case(state, id).map(|c| case_detail(state, c)),
        _ => None,
    };
    if let Some(lines) = lines {
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}

fn request_detail(state: &State, r: &DataRequest) -> Vec<Line<'static>> {
    let t = &state.theme;
    let label = |l: &str| Span::styled(format!("{l:<10}"), t.dim);
    let mut when = match r.state {
        RequestState::Submitted => {
            let left = (r.expires - state.wall).num_minutes();
            format!("decide by {} ({} left)", clock(r.expires, state), age_minutes(left))
        }
        RequestState::Expired => format!("expired {} undecided", clock(r.expires, state)),
        RequestState::Draft => "a draft: not yet submitted for votes".into(),
        RequestState::Approved | RequestState::Denied | RequestState::Withdrawn => {
            r.decided.map_or(String::new(), |d| format!("{} {}", r.state.as_str(), clock(d, state)))
        }
    };
    if when.is_empty() {
        when = r.state.as_str().to_owned();
    }
    let epsilon = match (r.scope, r.epsilon) {
        (Scope::Aggregate, Some(e)) => format!("aggregate, ε {e} asked"),
        (Scope::Aggregate, None) => "aggregate".into(),
        (Scope::RowLevel, _) => "row-level (each patron's rows)".into(),
    };
    let kinds: Vec<&str> = r.kinds.iter().map(|k| k.as_str()).collect();
    let fields: Vec<String> = r.fields.iter().map(|f| safe(f)).collect();
    let mut lines = vec![
        Line::styled(format!("#{} {}", r.id, safe(&r.title)), t.title),
        Line::from(vec![
            Span::styled(
                format!("{} {}", state_mark(r.state), r.state.as_str()),
                state_style(r.state, state),
            ),
            Span::styled(
                format!(
                    " · filed by {} {} · {when}",
                    safe(&r.requester),
                    crate::domain::units::ago(state.wall - r.created)
                ),
                t.base,
            ),
        ]),
        Line::styled("votes", t.title),
    ];
    let waiting_mine =
        state.governance.snapshot.as_ref().is_some_and(|s| s.waiting.contains(&r.id));
    for p in Party::ALL {
        let (mark, text, style) = match r.votes.iter().find(|v| v.party == Some(p)) {
            Some(v) if v.approve => {
                let why = if v.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", safe(&v.reason))
                };
                ("✓", format!("approved by {}{why}", safe(&v.voter)), t.ok)
            }
            Some(v) => ("✗", format!("denied by {}: {}", safe(&v.voter), safe(&v.reason)), t.bad),
            None if r.state == RequestState::Submitted => {
                let you = waiting_mine && state.viewer.party() == Some(p);
                ("○", if you { "waiting for you".into() } else { "waiting".into() }, t.warn)
            }
            None => ("·", "did not vote".into(), t.dim),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<15}", party_name(p)), t.base),
            Span::styled(format!("{mark} "), style),
            Span::styled(text, t.base),
        ]));
    }
    let row = |l: &str, v: String| Line::from(vec![label(l), Span::styled(v, t.base)]);
    lines.push(row("scope", epsilon));
    lines.push(row("data", kinds.join(", ")));
    lines.push(row("fields", fields.join(", ")));
    lines.push(row("retention", format!("{} days", r.retention_days)));
    lines.push(row("basis", r.legal_basis.as_str().to_owned()));
    // The purpose may be long; it is cleaned like every string from the store.
    lines.push(row("purpose", clean_text(&r.purpose, 2000)));
    lines
}

fn case_detail(state: &State, c: &ReviewCase) -> Vec<Line<'static>> {
    let t = &state.theme;
    let i = &c.item;
    let from = match (i.source, &i.day) {
        (ReviewSource::Sample, Some(day)) => format!("sampled from {}", safe(day)),
        (ReviewSource::Sample, None) => "sampled".into(),
        (ReviewSource::Alert, _) => {
            format!("evidence of alert #{}", i.alert_id.map_or("?".into(), |a| a.to_string()))
        }
    };
    let mut lines = vec![
        Line::styled(format!("review item r{} · {from}", i.id), t.title),
        Line::styled(
            format!(
                "assigned to {} · queued {}",
                i.assignee.as_deref().map_or("nobody".into(), safe),
                clock(i.added, state)
            ),
            t.dim,
        ),
    ];
    match &c.entry {
        Some(e) => {
            let n = &e.entry;
            lines.push(Line::styled(format!("audit entry #{}", e.seq), t.title));
            let row = |l: &str, v: String| {
                Line::from(vec![Span::styled(format!("  {l:<8}"), t.dim), Span::styled(v, t.base)])
            };
            lines.push(row("when", clock(n.at, state)));
            lines.push(row("who", format!("{} ({})", safe(&n.actor), safe(&n.role))));
            lines.push(row("did", format!("{} · {}", safe(&n.action), n.outcome.as_str())));
            lines.push(row("object", safe(&n.object)));
            lines.push(row(
                "purpose",
                if n.purpose.is_empty() { "none stated".into() } else { safe(&n.purpose) },
            ));
        }
        None => {
            lines.push(Line::styled(format!("audit entry #{} is not in the log", i.seq), t.bad))
        }
    }
    match i.verdict {
        Some(v) => {
            let note = i
                .note
                .as_deref()
                .filter(|n| !n.is_empty())
                .map_or(String::new(), |n| format!(": {}", safe(n)));
            let raised = i.raised.map_or(String::new(), |a| format!(" (alert #{a})"));
            lines.push(Line::styled(
                format!(
                    "{} by {}{}{note}{raised}",
                    v.as_str(),
                    i.reviewer.as_deref().map_or("?".into(), safe),
                    i.reviewed.map_or(String::new(), |at| format!(" {}", clock(at, state)))
                ),
                t.title,
            ));
        }
        None => lines.push(Line::styled(
            format!(
                "{} justified · {} unjustified (with a note; raises an alert)",
                state.keymap.key_label(Action::Justified),
                state.keymap.key_label(Action::Unjustified)
            ),
            t.dim,
        )),
    }
    lines
}
