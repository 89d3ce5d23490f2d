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

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let Some(o) = &state.queues.overview else {
        frame.render_widget(Paragraph::new(Line::styled("reading the queues…", t.dim)), area);
        return;
    };
    if o.services.is_empty() {
        let text = "no service windows yet: the sensor feed has not reported any";
        frame.render_widget(Paragraph::new(Line::styled(text, t.dim)), area);
        return;
    }
    let mut lines: Vec<Line<'_>> = Vec::new();
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
            lines.push(Line::from(vec![
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
            ]));
        }
    }
    let target = &o.target;
    lines.push(Line::styled(
        format!(
            " target: {:.0}% served within {}, windows at most {:.0}% busy",
            target.share * 100.0,
            age_minutes((target.within_s / 60.0).round() as i64),
            target.max_occupancy * 100.0
        ),
        t.dim,
    ));
    let header = format!(
        " {:<8} {:<22} {:<7} {:<8} {:>5} {:>9} {:>6}",
        "WINDOW", "NAME", "STATE", "STAFF", "QUEUE", "WAIT NOW", "SERVED"
    );
    lines.push(Line::styled(header, t.title));
    let shown = windows(state);
    let mut row = 0usize;
    for s in &o.services {
        lines.push(service_line(s, state));
        for w in s.windows.iter().filter(|w| shown.iter().any(|x| x.point.id == w.point.id)) {
            let p = &w.point;
            let selected = row == state.queues.sel;
            row += 1;
            let style = if selected { t.selected } else { t.base };
            let name: String = safe(&p.name).chars().take(22).collect();
            let staff: String = p
                .staff
                .as_deref()
                .map(safe)
                .unwrap_or_else(|| "-".into())
                .chars()
                .take(8)
                .collect();
            let state_word = if p.open { "open" } else { "closed" };
            lines.push(Line::from(vec![
                Span::styled(if selected { "▸" } else { " " }, t.key),
                Span::styled(
                    format!(
                        "{:<8} {:<22} {:<7} {:<8} {:>5} {:>9} {:>6}",
                        safe(&p.id),
                        name,
                        state_word,
                        staff,
                        p.queue_length,
                        w.wait_now_s.map_or("-".into(), |x| minutes(Some(x))),
                        p.served_today
                    ),
                    if p.open { style } else { style.patch(t.dim) },
                ),
            ]));
        }
        lines.extend(forecast_lines(&s.slots, s.open, state));
    }
    if lines.len() > area.height as usize {
        // Keep the selected window in view.
        let skip = lines.len() - area.height as usize;
        lines.drain(..skip.min(lines.len()));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn service_line<'a>(s: &ServiceQueue, state: &'a State) -> Line<'a> {
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
    Line::from(spans)
}

/// Two rows: forecast arrivals per slot as a sparkline with the interval's range, and the
/// windows recommended per slot (marked where they exceed those open).
fn forecast_lines<'a>(slots: &[SlotPlan], open: u32, state: &'a State) -> Vec<Line<'a>> {
    let t = &state.theme;
    if slots.is_empty() {
        return vec![Line::styled("   no forecast yet (it needs a few weeks of arrivals)", t.dim)];
    }
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
    let peak = slots.iter().max_by(|a, b| a.arrivals.total_cmp(&b.arrivals));
    if let Some(p) = peak {
        let at = p.start.with_timezone(&state.tz).format("%H:%M");
        let step_min = slots.get(1).map_or(15, |n| (n.start - slots[0].start).num_minutes());
        arrivals.push(Span::styled(
            format!(
                "  per {step_min} min from {}; peak {:.0} ({:.0}–{:.0}) at {at}",
                slots[0].start.with_timezone(&state.tz).format("%H:%M"),
                p.arrivals,
                p.lower,
                p.upper
            ),
            t.dim,
        ));
    }
    needed.push(Span::styled(format!("  needed; {open} open now"), t.dim));
    vec![Line::from(arrivals), Line::from(needed)]
}
