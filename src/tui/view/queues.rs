//! The Queues tab: per service its windows now (open, staff, queue, wait now), the forecast
//! arrivals of the next hours with their interval, the windows Erlang C recommends against
//! those open, and a "do now" line when they differ.

use chrono::Timelike;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{age_minutes, safe};
use crate::services::queues::{ServiceQueue, SlotPlan};
use crate::tui::state::State;
use crate::tui::update::queues::windows;
use crate::tui::widgets::wrap::wrap_spans;

const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

fn minutes(s: Option<f64>) -> String {
    s.map_or_else(|| "overloaded".into(), crate::domain::units::wait)
}

fn spark(v: f64, max: f64) -> char {
    if !(v.is_finite() && max > 0.0) {
        return ' ';
    }
    let i = ((v / max) * 7.0).round().clamp(0.0, 7.0) as usize;
    SPARK[i]
}

/// The table's columns at a width: the window's id only where the name fits beside it at
/// full length, and the name as wide as the rest leaves (at most 22).
#[derive(Debug, Clone, Copy)]
struct Columns {
    id: bool,
    name: usize,
}

/// Everything after the name: state, staff, queue, wait now, served, with their gaps.
const AFTER_NAME: usize = 1 + 7 + 1 + 8 + 1 + 5 + 1 + 9 + 1 + 6;

fn columns(width: u16) -> Columns {
    let width = width as usize;
    let without_id = width.saturating_sub(1 + AFTER_NAME);
    if without_id >= 22 + 9 {
        Columns { id: true, name: 22 }
    } else {
        Columns { id: false, name: without_id.clamp(8, 22) }
    }
}

fn row_text(c: Columns, id: &str, cells: [&str; 6]) -> String {
    let [name, state, staff, queue, wait, served] = cells;
    let id = if c.id { format!("{id:<8} ") } else { String::new() };
    format!("{id}{name:<w$} {state:<7} {staff:<8} {queue:>5} {wait:>9} {served:>6}", w = c.name)
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let Some(o) = &state.queues.overview else {
        frame.render_widget(Paragraph::new(Line::styled("reading the queues…", t.dim)), area);
        return;
    };
    if o.services.is_empty() {
        let text = super::no_sensor_data(state, "no service windows yet", area.width);
        frame.render_widget(Paragraph::new(text), area);
        return;
    }
    let width = area.width as usize;
    // What to do now and the target stay above the table; the table's header is kept in view
    // when the rows scroll.
    let mut top: Vec<Line<'static>> = Vec::new();
    for s in &o.services {
        if let Some(a) = &s.advice {
            let (what, then) = if a.action == "short" {
                (
                    format!(" {} needs a window more than it has", safe(&a.window_name)),
                    "with one more",
                )
            } else {
                (format!(" {} {}", a.action, safe(&a.window_name)), "→")
            };
            let spans = vec![
                Span::styled(" do now ", t.badge_alert),
                Span::styled(what, t.warn),
                Span::styled(
                    format!(
                        ": expected wait {} {then} {}",
                        minutes(a.wait_now_s),
                        minutes(a.wait_after_s)
                    ),
                    t.base,
                ),
            ];
            top.extend(wrap_spans(spans, width, 9));
        }
    }
    let target = &o.target;
    top.extend(wrap_spans(
        vec![Span::styled(
            format!(
                " target: {:.0}% served within {}, windows at most {:.0}% busy",
                target.share * 100.0,
                age_minutes((target.within_s / 60.0).round() as i64),
                target.max_occupancy * 100.0
            ),
            t.dim,
        )],
        width,
        9,
    ));
    let cols = columns(area.width);
    let header = Line::styled(
        format!(
            " {}",
            row_text(cols, "WINDOW", ["NAME", "STATE", "STAFF", "QUEUE", "WAIT NOW", "SERVED"])
        ),
        t.title,
    );
    let shown = windows(state);
    let mut body: Vec<Line<'static>> = Vec::new();
    // The selected window's line, and the last line of its service.
    let mut selected_at: Option<(usize, usize)> = None;
    let mut row = 0usize;
    for s in &o.services {
        let mut at = None;
        body.extend(wrap_spans(service_spans(s, state), width, 3));
        for w in s.windows.iter().filter(|w| shown.iter().any(|x| x.point.id == w.point.id)) {
            let p = &w.point;
            let selected = row == state.queues.sel;
            row += 1;
            if selected {
                at = Some(body.len());
            }
            let style = if selected { t.selected } else { t.base };
            let name: String = safe(&p.name).chars().take(cols.name).collect();
            let staff: String = p
                .staff
                .as_deref()
                .map(safe)
                .unwrap_or_else(|| "-".into())
                .chars()
                .take(8)
                .collect();
            let wait = w.wait_now_s.map_or("-".into(), |x| minutes(Some(x)));
            let (queue, served) = (p.queue_length.to_string(), p.served_today.to_string());
            let open = if p.open { "open" } else { "closed" };
            let cells = [name.as_str(), open, staff.as_str(), &queue, &wait, &served];
            body.push(Line::from(vec![
                Span::styled(if selected { "▸" } else { " " }, t.key),
                Span::styled(
                    row_text(cols, &safe(&p.id), cells),
                    if p.open { style } else { style.patch(t.dim) },
                ),
            ]));
        }
        body.extend(forecast_lines(&s.slots, s.open, state, width));
        if let Some(at) = at {
            selected_at = Some((at, body.len() - 1));
        }
    }
    let lines = scrolled(top, header, body, selected_at, area.height as usize);
    frame.render_widget(Paragraph::new(lines), area);
}

/// The lines that fit in `height` rows: from the top while the selected window shows there;
/// otherwise the header stays on the first row and the rows below it scroll so the selected
/// window shows, with as much of its service after it as fits.
fn scrolled(
    top: Vec<Line<'static>>,
    header: Line<'static>,
    body: Vec<Line<'static>>,
    selected: Option<(usize, usize)>,
    height: usize,
) -> Vec<Line<'static>> {
    let before = top.len() + 1;
    let mut lines = top;
    lines.push(header.clone());
    lines.extend(body);
    let Some((at, end)) = selected.map(|(a, e)| (a + before, e + before)) else {
        return lines;
    };
    if at < height || lines.len() <= height {
        return lines;
    }
    let rows = height.saturating_sub(1);
    let first = (end + 1).saturating_sub(rows).clamp(before, at);
    let mut out = vec![header];
    out.extend(lines.into_iter().skip(first).take(rows));
    out
}

fn service_spans(s: &ServiceQueue, state: &State) -> Vec<Span<'static>> {
    let t = &state.theme;
    let mut spans = vec![
        Span::styled(format!(" {} ", safe(&s.service)), t.title),
        Span::styled(
            format!("{}/{} open · handling {}", s.open, s.windows.len(), minutes(Some(s.aht_s))),
            t.dim,
        ),
    ];
    if let Some(now) = &s.now {
        let text = match now.expected.mean_wait_s() {
            Some(w) => format!(" · mean wait now {}", minutes(Some(w))),
            None => " · OVERLOADED now".into(),
        };
        spans.push(Span::styled(text, if now.expected.is_overloaded() { t.bad } else { t.base }));
    }
    spans
}

/// Two rows: forecast arrivals per slot as a sparkline with the interval's range, and the
/// windows recommended per slot (marked where they exceed those open); as many slots as fit
/// the width. The words after the sparklines go on a line of their own when they do not fit
/// beside them.
fn forecast_lines(
    slots: &[SlotPlan],
    open: u32,
    state: &State,
    width: usize,
) -> Vec<Line<'static>> {
    let t = &state.theme;
    if slots.is_empty() {
        return wrap_spans(
            vec![Span::styled("   no forecast yet (it needs a few weeks of arrivals)", t.dim)],
            width,
            3,
        );
    }
    const LABEL: usize = 12;
    // A slot takes a column, and an hour's first slot one more for the gap before it.
    let mut used = LABEL;
    let fit = slots
        .iter()
        .enumerate()
        .take_while(|(i, s)| {
            let gap = usize::from(*i > 0 && s.start.with_timezone(&state.tz).minute() == 0);
            used += 1 + gap;
            used <= width.max(LABEL + 1)
        })
        .count()
        .max(1);
    let slots = &slots[..fit.min(slots.len())];
    // Scaled to the busiest forecast slot, so the shape of the hours ahead shows; the
    // interval is given in words after it.
    let max = slots.iter().map(|s| s.arrivals).fold(0.0_f64, f64::max).max(1.0);
    let mut arrivals = vec![Span::styled("   arrivals ", t.dim)];
    let mut needed = vec![Span::styled("   windows  ", t.dim)];
    for (i, s) in slots.iter().enumerate() {
        let local = s.start.with_timezone(&state.tz);
        if i > 0 && local.minute() == 0 {
            arrivals.push(Span::raw(" "));
            needed.push(Span::raw(" "));
        }
        arrivals.push(Span::styled(spark(s.arrivals, max).to_string(), t.bar_fill));
        let style = if s.recommended > open {
            t.warn
        } else if s.recommended < open {
            t.dim
        } else {
            t.ok
        };
        let digit = if s.recommended > 9 {
            '+'
        } else {
            char::from_digit(s.recommended, 10).unwrap_or('?')
        };
        needed.push(Span::styled(digit.to_string(), style));
    }
    // Slots are never empty here, so there is a peak.
    let about = slots
        .iter()
        .max_by(|a, b| a.arrivals.total_cmp(&b.arrivals))
        .map(|p| {
            let at = p.start.with_timezone(&state.tz).format("%H:%M");
            let step_min = slots.get(1).map_or(15, |n| (n.start - slots[0].start).num_minutes());
            format!(
                "per {step_min} min from {}; peak {:.0} ({:.0}–{:.0}) at {at}",
                slots[0].start.with_timezone(&state.tz).format("%H:%M"),
                p.arrivals,
                p.lower,
                p.upper
            )
        })
        .unwrap_or_default();
    let mut below = vec![];
    let mut place = |spans: &mut Vec<Span<'static>>, label: &str, text: String| {
        let w: usize = spans.iter().map(Span::width).sum();
        if w + 2 + text.chars().count() <= width {
            spans.push(Span::styled(format!("  {text}"), t.dim));
        } else {
            let text = format!("   {label} {text}");
            below.extend(wrap_spans(vec![Span::styled(text, t.dim)], width, 5));
        }
    };
    place(&mut arrivals, "arrivals", about);
    place(&mut needed, "windows", format!("needed; {open} open now"));
    let mut lines = vec![Line::from(arrivals), Line::from(needed)];
    lines.extend(below);
    lines
}
