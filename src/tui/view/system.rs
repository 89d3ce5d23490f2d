//! The System tab: the database, the ingest lease, each API and each feed's health, and the
//! latest quarantined records.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{age_minutes, safe};
use crate::domain::units::human_bytes;
use crate::store::feeds::FeedState;
use crate::tui::model::SystemSnapshot;
use crate::tui::state::State;
use crate::tui::update::system::visible_feeds;

fn clock(t: DateTime<Utc>, state: &State) -> String {
    t.with_timezone(&state.tz).format("%H:%M:%S").to_string()
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let Some(s) = &state.system.snapshot else {
        frame.render_widget(Paragraph::new(Line::styled("reading the database…", t.dim)), area);
        return;
    };
    let now = state.wall;
    let db = &s.status.database;
    let mut head = vec![Line::from(vec![
        Span::styled(" Database  ", t.title),
        Span::styled(safe(&db.path), t.base),
        Span::styled(
            format!("  {}  schema v{}", human_bytes(db.size_bytes), db.schema_version),
            t.dim,
        ),
        Span::styled(if db.demo { "  demo" } else { "" }, t.warn),
    ])];
    let lease = match &s.status.lease {
        Some(l) if l.is_alive(now) => {
            let who = if s.own_holder.as_deref() == Some(l.holder.as_str()) {
                " (this console)"
            } else {
                ""
            };
            Line::from(vec![
                Span::styled(" Ingest    ", t.title),
                Span::styled(format!("{}{who}", safe(&l.holder)), t.base),
                Span::styled(format!("  lease until {}", clock(l.expires, state)), t.dim),
            ])
        }
        Some(l) => Line::from(vec![
            Span::styled(" Ingest    ", t.title),
            Span::styled("nobody ingests", t.bad),
            Span::styled(
                format!(
                    "  ({} let the lease expire at {})",
                    safe(&l.holder),
                    clock(l.expires, state)
                ),
                t.dim,
            ),
        ]),
        None => Line::from(vec![
            Span::styled(" Ingest    ", t.title),
            Span::styled("nobody holds the lease", t.warn),
        ]),
    };
    head.push(lease);
    for (name, url) in [("Sensor API", &s.sensor_url), ("Recs API  ", &s.recs_url)] {
        head.push(Line::from(vec![
            Span::styled(format!(" {name}"), t.title),
            Span::styled(
                format!(
                    "  {}",
                    url.as_deref().map(safe).unwrap_or_else(|| "not configured".into())
                ),
                t.base,
            ),
        ]));
    }
    head.push(audit_line(state, s));
    let offset =
        s.status.feeds.iter().find(|f| f.feed == "sensor.seats").and_then(|f| f.server_offset_ms);
    if let Some(ms) = offset.filter(|ms| ms.abs() >= 1000) {
        head.push(Line::styled(
            format!(
                " Sensor clock is {} {} ours; times shown follow it",
                age_minutes(ms.abs() / 60_000),
                if ms > 0 { "ahead of" } else { "behind" }
            ),
            t.dim,
        ));
    }
    let head_h = (head.len() as u16 + 1).min(area.height);
    frame.render_widget(Paragraph::new(head), Rect { height: head_h, ..area });

    let quarantine_h = (s.recent_quarantine.len().max(1) as u16 + 1)
        .min(6)
        .min(area.height.saturating_sub(head_h + 3));
    let table_area = Rect {
        y: area.y + head_h,
        height: area.height.saturating_sub(head_h + quarantine_h),
        ..area
    };
    draw_feeds(frame, table_area, state, s);
    let q_area = Rect { y: table_area.bottom(), height: quarantine_h, ..area };
    draw_quarantine(frame, q_area, state, s);
}

fn audit_line<'a>(state: &'a State, s: &SystemSnapshot) -> Line<'a> {
    let t = &state.theme;
    let a = &s.status.audit;
    let mut spans = vec![
        Span::styled(" Audit log ", t.title),
        Span::styled(crate::domain::units::count(a.size, "entry", "entries"), t.base),
        Span::styled(
            format!(
                "  root {}…{}",
                &a.root[..8.min(a.root.len())],
                &a.root[a.root.len().saturating_sub(4)..]
            ),
            t.dim,
        ),
    ];
    match &a.last_checkpoint {
        Some(cp) => spans.push(Span::styled(
            format!("  checkpoint at {} ({})", cp.size, clock(cp.time, state)),
            t.dim,
        )),
        None => spans.push(Span::styled("  no checkpoint yet", t.warn)),
    }
    match &a.last_verification {
        Some(v) if v.ok => {
            spans.push(Span::styled(format!("  verified {} ok", clock(v.at, state)), t.ok))
        }
        Some(v) => spans.push(Span::styled(
            format!(
                "  VERIFY FAILED {}{}",
                clock(v.at, state),
                v.first_bad.map(|b| format!(" at entry {b}")).unwrap_or_default()
            ),
            t.bad,
        )),
        None => spans.push(Span::styled("  never verified", t.warn)),
    }
    Line::from(spans)
}

fn freshness(f: &FeedState, s: &SystemSnapshot, now: DateTime<Utc>) -> (String, bool) {
    let stale = s.staleness.is_stale(&f.feed, f.age(now));
    match f.age(now) {
        None => ("never".into(), true),
        Some(a) if stale => (format!("STALE {}", age_minutes(a.num_minutes())), true),
        Some(a) if a.num_seconds() < 60 => ("ok".into(), false),
        Some(a) => (format!("ok {}", age_minutes(a.num_minutes())), false),
    }
}

fn draw_feeds(frame: &mut Frame<'_>, area: Rect, state: &State, s: &SystemSnapshot) {
    let t = &state.theme;
    let now = state.wall;
    let header =
        Row::new(["FEED", "FRESH", "LAST SUCCESS", "FAILS", "STORED", "QUARANT.", "LAST ERROR"])
            .style(t.title);
    let rows: Vec<Row<'_>> = visible_feeds(state)
        .into_iter()
        .enumerate()
        .filter_map(|(i, fi)| s.status.feeds.get(fi).map(|f| (i, f)))
        .map(|(i, f)| {
            let (fresh, bad) = freshness(f, s, now);
            let q = s.status.quarantined.get(&f.feed).copied().unwrap_or(0);
            let error = match (&f.last_error, f.last_error_at) {
                (Some(e), Some(at)) => format!("{} ({})", safe(e), clock(at, state)),
                _ => "-".into(),
            };
            let row = Row::new(vec![
                Cell::from(safe(&f.feed)),
                Cell::from(fresh).style(if bad { t.bad } else { t.ok }),
                Cell::from(f.last_success.map(|x| clock(x, state)).unwrap_or_else(|| "-".into())),
                Cell::from(f.consecutive_failures.to_string())
                    .style(if f.consecutive_failures > 0 { t.warn } else { t.base }),
                Cell::from(f.records_ok.to_string()),
                Cell::from(q.to_string()).style(if q > 0 { t.warn } else { t.base }),
                Cell::from(error),
            ]);
            if i == state.system.sel { row.style(t.selected) } else { row }
        })
        .collect();
    let widths = [
        Constraint::Length(22),
        Constraint::Length(10),
        Constraint::Length(12),
        Constraint::Length(5),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Fill(1),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
}

fn draw_quarantine(frame: &mut Frame<'_>, area: Rect, state: &State, s: &SystemSnapshot) {
    if area.height == 0 {
        return;
    }
    let t = &state.theme;
    let mut lines = vec![Line::styled(" Latest quarantined records", t.title)];
    for r in &s.recent_quarantine {
        lines.push(Line::from(vec![
            Span::styled(format!(" {} ", clock(r.received, state)), t.dim),
            Span::styled(format!("{:<22}", safe(&r.feed)), t.base),
            Span::styled(safe(&r.reason), t.warn),
        ]));
    }
    if s.recent_quarantine.is_empty() {
        lines.push(Line::styled(" none", t.dim));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
