//! The System tab: the database, the ingest lease, the sources and the recommendation API, each
//! feed's health and the source it comes from, the selected feed in detail, and the latest
//! quarantined records.
//!
//! Made to be read at 80×24 and at 60×16: column headers are never cut — a column that does not
//! fit is left out, widest-value-last — and the selected feed's detail, under the table, says
//! in full what a column could not (its schedule, counts and its error, wrapped). The feed table
//! keeps at least a few rows and scrolls to the selection (`FEED 6/9` then says where it is), so
//! every feed can be reached; the heading lines wrap at a separator; the quarantine list takes
//! what room is left.

use chrono::{DateTime, Duration, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use unicode_width::UnicodeWidthStr;

use super::{age_minutes, safe};
use crate::domain::freshness::FeedHealth;
use crate::domain::freshness::FeedState;
use crate::domain::sanitize::clean_text;
use crate::domain::units::{clock_skew, human_bytes, to_the_second};
use crate::domain::wrap::wrap;
use crate::tui::model::SystemSnapshot;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::update::system::visible_feeds;

/// Rows of the feed table kept on screen (with its header) before the heading lines give way.
const MIN_FEED_ROWS: usize = 4;
/// Lines of the selected feed's detail at most; the last is cut when the error is longer.
const MAX_DETAIL_LINES: usize = 8;
/// Characters of an error the detail shows (a table cell shows at most 120).
const MAX_ERROR_CHARS: usize = 400;
/// The error column is shown only with at least this much room; the detail has it in full.
const MIN_ERROR_WIDTH: usize = 24;
/// Where a heading line's value starts, and its continuation lines.
const INDENT: usize = 11;

fn clock(t: DateTime<Utc>, state: &State) -> String {
    t.with_timezone(&state.tz).format("%H:%M:%S").to_string()
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let Some(s) = &state.system.snapshot else {
        let text = match state.database_down {
            Some(since) => format!(
                "the database is unreachable (since {}); this tab fills in when it answers again",
                clock(since, state)
            ),
            None => "reading the database…".to_owned(),
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    };
    let width = usize::from(area.width);
    let rows: Vec<&FeedState> =
        visible_feeds(state).into_iter().filter_map(|i| s.status.feeds.get(i)).collect();
    let head = heading(state, s, width);
    let detail = detail(state, s, &rows, width);
    let quarantine = quarantine(state, s);

    // Room, in order: the feed table's first rows, the selected feed's detail, the heading,
    // the rest of the table, a blank line under the heading, the quarantine list.
    let avail = usize::from(area.height);
    let table_need = 1 + rows.len();
    let table_min = table_need.min(1 + MIN_FEED_ROWS).min(avail);
    let detail_h = detail.len().min(avail - table_min);
    let head_h = head.len().min(avail - table_min - detail_h);
    let mut rest = avail - head_h - detail_h;
    let table_h = table_need.min(rest);
    rest -= table_h;
    let gap = usize::from(rest > 0 && head_h > 0);
    rest -= gap;
    // The quarantine list, at the bottom, needs its title and a line.
    let quarantine_h = if rest >= 2 { quarantine.len().min(rest) } else { 0 };

    let mut y = area.y;
    let mut take = |h: usize| {
        let r = Rect { y, height: h as u16, ..area };
        y += h as u16;
        r
    };
    frame.render_widget(Paragraph::new(head), take(head_h));
    take(gap);
    draw_feeds(frame, take(table_h), state, s, &rows);
    frame.render_widget(Paragraph::new(detail), take(detail_h));
    if quarantine_h > 0 {
        let bottom = area.bottom() - quarantine_h as u16;
        let q_area = Rect { y: bottom, height: quarantine_h as u16, ..area };
        frame.render_widget(Paragraph::new(quarantine), q_area);
    }
}

/// Spans packed into lines of `width` columns: a span that does not fit starts a new line,
/// indented to the values, without its leading spaces.
fn pack<'a>(spans: Vec<Span<'a>>, width: usize) -> Vec<Line<'a>> {
    let mut lines: Vec<Vec<Span<'a>>> = vec![vec![]];
    let mut used = 0;
    for span in spans {
        let w = span.width();
        if used + w > width && used > INDENT {
            let text = span.content.trim_start().to_owned();
            used = INDENT + text.width();
            lines.push(vec![Span::raw(" ".repeat(INDENT)), Span::styled(text, span.style)]);
        } else {
            used += w;
            if let Some(line) = lines.last_mut() {
                line.push(span);
            }
        }
    }
    lines.into_iter().map(Line::from).collect()
}

fn heading<'a>(state: &'a State, s: &SystemSnapshot, width: usize) -> Vec<Line<'a>> {
    let t = &state.theme;
    let now = state.wall;
    let db = &s.status.database;
    let mut out = pack(
        vec![
            Span::styled(" Database  ", t.title),
            Span::styled(safe(&db.path), t.base),
            Span::styled(format!("  {}", human_bytes(db.size_bytes)), t.dim),
            Span::styled(format!("  schema v{}", db.schema_version), t.dim),
            Span::styled(if db.demo { "  demo" } else { "" }, t.warn),
        ],
        width,
    );
    let lease = match &s.status.lease {
        Some(l) if l.is_alive(now) => {
            let who = if s.own_holder.as_deref() == Some(l.holder.as_str()) {
                " (this console)"
            } else {
                ""
            };
            vec![
                Span::styled(" Ingest    ", t.title),
                Span::styled(format!("{}{who}", safe(&l.holder)), t.base),
                Span::styled(format!("  lease until {}", clock(l.expires, state)), t.dim),
            ]
        }
        Some(l) => vec![
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
        ],
        None => vec![
            Span::styled(" Ingest    ", t.title),
            Span::styled("nobody holds the lease", t.warn),
        ],
    };
    out.extend(pack(lease, width));
    // Each sensor source with where it is, in the order that decides which serves what; a
    // long list wraps between sources.
    let mut sources = vec![Span::styled(" Sources   ", t.title)];
    if s.sources.is_empty() {
        sources.push(Span::styled("none configured", t.base));
    }
    for (i, (name, url)) in s.sources.iter().enumerate() {
        let gap = if i == 0 { "" } else { "  " };
        sources.push(Span::styled(format!("{gap}{name} {}", safe(url)), t.base));
    }
    out.extend(pack(sources, width));
    out.extend(pack(
        vec![
            Span::styled(" Recs API  ", t.title),
            Span::styled(
                s.recs_url.as_deref().map(safe).unwrap_or_else(|| "not configured".into()),
                t.base,
            ),
        ],
        width,
    ));
    out.extend(pack(audit_spans(state, s), width));
    for w in &s.status.audit.witnesses {
        let troubled = w.error.is_some() || w.refusal.is_some();
        let style = if w.refusal.is_some() {
            t.bad
        } else if troubled || w.cosigned_at.is_none() {
            t.warn
        } else {
            t.base
        };
        let mut spans = vec![Span::styled(" Witness   ", t.title)];
        // `safe` trims; the gap before each part is kept.
        spans.extend(w.describe_parts(state.now()).into_iter().map(|p| {
            let gap = &p[..p.len() - p.trim_start().len()];
            Span::styled(format!("{gap}{}", safe(&p)), style)
        }));
        out.extend(pack(spans, width));
    }
    // The sensor API's clock matters when it is a minute or more from ours (a simulator
    // running fast, a clock not kept by NTP): times on screen follow it.
    let offset =
        s.status.feeds.iter().find(|f| f.feed == "sensor.seats").and_then(|f| f.server_offset_ms);
    if let Some(skew) = offset.and_then(clock_skew) {
        out.extend(pack(
            vec![
                Span::styled(" Clock     ", t.title),
                Span::styled(format!("the sensor API's clock is {skew} ours;"), t.warn),
                Span::styled(" times shown follow it", t.dim),
            ],
            width,
        ));
    }
    out
}

fn audit_spans<'a>(state: &'a State, s: &SystemSnapshot) -> Vec<Span<'a>> {
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
    spans
}

/// The source `feed` comes from under this configuration, if it comes from one.
fn source<'a>(s: &'a SystemSnapshot, feed: &str) -> Option<&'a str> {
    s.feed_sources.iter().find(|(f, _)| *f == feed).map(|(_, source)| *source)
}

fn health(f: &FeedState, s: &SystemSnapshot, now: DateTime<Utc>) -> FeedHealth {
    s.staleness.judge(&f.feed, f.last_success, f.consecutive_failures, now)
}

fn freshness(h: &FeedHealth) -> String {
    match h.age {
        None => "never".into(),
        Some(a) if h.stale => format!("STALE {}", age_minutes(a.num_minutes())),
        Some(a) if a.num_seconds() < 60 => "ok".into(),
        Some(a) => format!("ok {}", age_minutes(a.num_minutes())),
    }
}

/// One column of the feed table: its header, its cells, and how it aligns.
struct Column<'a> {
    header: &'static str,
    cells: Vec<Cell<'a>>,
    width: usize,
    right: bool,
}

impl<'a> Column<'a> {
    fn new(header: &'static str, cells: Vec<(String, Style)>, right: bool) -> Self {
        let width = cells.iter().map(|(c, _)| c.width()).chain([header.width()]).max().unwrap_or(0);
        let cells = cells
            .into_iter()
            .map(|(c, style)| {
                let pad = " ".repeat(width.saturating_sub(c.width()));
                Cell::from(if right { format!("{pad}{c}") } else { c }).style(style)
            })
            .collect();
        Column { header, cells, width, right }
    }
}

fn draw_feeds(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    s: &SystemSnapshot,
    rows: &[&FeedState],
) {
    if area.height == 0 {
        return;
    }
    let t = &state.theme;
    let now = state.wall;
    let judged: Vec<FeedHealth> = rows.iter().map(|f| health(f, s, now)).collect();
    let count = |n: u64, bad: Style| (n.to_string(), if n > 0 { bad } else { t.base });
    let mut columns = vec![
        Column::new("FEED", rows.iter().map(|f| (safe(&f.feed), t.base)).collect(), false),
        Column::new(
            "SOURCE",
            rows.iter()
                .map(|f| match source(s, &f.feed) {
                    Some(name) => (name.to_owned(), t.base),
                    None => ("-".to_owned(), t.dim),
                })
                .collect(),
            false,
        ),
        Column::new(
            "FRESH",
            judged.iter().map(|h| (freshness(h), if h.stale { t.bad } else { t.ok })).collect(),
            false,
        ),
        Column::new(
            "LAST OK",
            rows.iter()
                .map(|f| {
                    (f.last_success.map(|x| clock(x, state)).unwrap_or_else(|| "-".into()), t.base)
                })
                .collect(),
            false,
        ),
        Column::new(
            "FAILS",
            rows.iter().map(|f| count(u64::from(f.consecutive_failures), t.warn)).collect(),
            true,
        ),
        Column::new(
            "STORED",
            rows.iter().map(|f| (f.records_ok.to_string(), t.base)).collect(),
            true,
        ),
        Column::new(
            "QUARANT.",
            rows.iter()
                .map(|f| count(s.status.quarantined.get(&f.feed).copied().unwrap_or(0), t.warn))
                .collect(),
            true,
        ),
    ];
    // Leave out what does not fit, least needed first; the detail line says it instead.
    let fits = |cols: &[Column<'_>]| {
        cols.iter().map(|c| c.width).sum::<usize>() + cols.len().saturating_sub(1)
            <= usize::from(area.width)
    };
    for drop in ["STORED", "QUARANT.", "SOURCE", "LAST OK"] {
        if fits(&columns) {
            break;
        }
        columns.retain(|c| c.header != drop);
    }
    let used = columns.iter().map(|c| c.width + 1).sum::<usize>();
    let room = usize::from(area.width).saturating_sub(used);
    if room >= MIN_ERROR_WIDTH {
        // Only a current error: one from before the last success is past (the detail says so).
        let errors = rows
            .iter()
            .map(|f| match (&f.last_error, f.consecutive_failures) {
                (Some(e), 1..) => (safe(e), t.warn),
                _ => ("-".into(), t.dim),
            })
            .collect();
        let mut c = Column::new("LAST ERROR", errors, false);
        c.width = room;
        columns.push(c);
    }
    // When the table scrolls, the first header says where the selection is: `FEED 6/9`.
    let position = (rows.len() + 1 > usize::from(area.height))
        .then(|| {
            format!(
                "FEED {}/{}",
                state.system.sel.min(rows.len().saturating_sub(1)) + 1,
                rows.len()
            )
        })
        .filter(|p| p.width() <= columns[0].width);
    let header = Row::new(columns.iter().enumerate().map(|(i, c)| {
        let title = match (&position, i) {
            (Some(p), 0) => p.clone(),
            _ => c.header.to_owned(),
        };
        let pad = " ".repeat(c.width.saturating_sub(title.width()));
        Cell::from(if c.right { format!("{pad}{title}") } else { title })
    }))
    .style(t.title);
    let widths: Vec<Constraint> =
        columns.iter().map(|c| Constraint::Length(c.width as u16)).collect();
    let mut cells: Vec<std::vec::IntoIter<Cell<'_>>> =
        columns.into_iter().map(|c| c.cells.into_iter()).collect();
    let table_rows: Vec<Row<'_>> = (0..rows.len())
        .map(|i| {
            let row = Row::new(cells.iter_mut().filter_map(Iterator::next).collect::<Vec<_>>());
            if i == state.system.sel { row.style(t.selected) } else { row }
        })
        .collect();
    // The table scrolls so the selected feed is always on screen.
    let mut scroll = TableState::default().with_selected(Some(state.system.sel));
    frame.render_stateful_widget(
        Table::new(table_rows, widths).header(header).column_spacing(1),
        area,
        &mut scroll,
    );
}

/// The selected feed in full: its schedule and staleness limit, last success, counts, and its
/// error — current, or past with its age — wrapped to `width`.
fn detail<'a>(
    state: &'a State,
    s: &SystemSnapshot,
    rows: &[&FeedState],
    width: usize,
) -> Vec<Line<'a>> {
    let t = &state.theme;
    let now = state.wall;
    let Some(f) = rows.get(state.system.sel).or(rows.last()) else {
        let why = if s.status.feeds.is_empty() {
            " No feed has run yet: the console runs them while it holds the ingest lease."
        } else {
            " No feed matches the filter."
        };
        return vec![Line::styled(why, t.dim)];
    };
    let h = health(f, s, now);
    let mut facts = vec![];
    if let Some(name) = source(s, &f.feed) {
        facts.push(format!("from {name}"));
    }
    facts.push(match s.staleness.every(&f.feed) {
        Some(every) => format!(
            "every {}, stale after {}",
            to_the_second(every),
            to_the_second(s.staleness.limit(&f.feed))
        ),
        None => format!("stale after {}", to_the_second(s.staleness.limit(&f.feed))),
    });
    facts.push(match (f.last_success, h.age) {
        (Some(at), Some(a)) => format!("last success {} ({} ago)", clock(at, state), ago(a)),
        _ => "never succeeded".into(),
    });
    let q = s.status.quarantined.get(&f.feed).copied().unwrap_or(0);
    facts.push(format!("{} stored, {q} quarantined", f.records_ok));
    let name = safe(&f.feed);
    let mut lines: Vec<Line<'a>> = wrapped(&format!("{name} · {}", facts.join(" · ")), width)
        .into_iter()
        .map(|l| {
            // The feed's name stands out where it starts the first line.
            match l.strip_prefix(name.as_str()) {
                Some(rest) => Line::from(vec![
                    Span::raw(" "),
                    Span::styled(name.clone(), t.title),
                    Span::styled(rest.to_owned(), t.dim),
                ]),
                None => Line::from(vec![Span::raw(" "), Span::styled(l, t.dim)]),
            }
        })
        .collect();
    if let (Some(e), Some(at)) = (&f.last_error, f.last_error_at) {
        let when = format!("{} ({} ago)", clock(at, state), ago(now - at));
        let e = clean_text(e, MAX_ERROR_CHARS);
        let (text, style) = match f.consecutive_failures {
            0 => (format!("Earlier error at {when}, before the last success: {e}"), t.dim),
            1 => (format!("The last attempt failed, at {when}: {e}"), t.bad),
            n => (format!("The last {n} attempts failed, the latest at {when}: {e}"), t.bad),
        };
        lines.extend(
            wrapped(&text, width)
                .into_iter()
                .map(|l| Line::from(vec![Span::raw(" "), Span::styled(l, style)])),
        );
    }
    if lines.len() > MAX_DETAIL_LINES {
        lines.truncate(MAX_DETAIL_LINES);
        if let Some(last) = lines.last_mut() {
            last.spans.push(Span::styled("…", t.dim));
        }
    }
    lines
}

/// `text` wrapped to `width` less a margin of a column on each side.
fn wrapped(text: &str, width: usize) -> Vec<String> {
    wrap(text, width.saturating_sub(2).max(1))
}

fn ago(d: Duration) -> String {
    if d.num_seconds() < 60 {
        format!("{}s", d.num_seconds().max(0))
    } else {
        age_minutes(d.num_minutes())
    }
}

fn quarantine<'a>(state: &'a State, s: &SystemSnapshot) -> Vec<Line<'a>> {
    let t: &Theme = &state.theme;
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
    lines
}
