//! The Seats tab: the floor, its zones (occupancy and comfort), the seat map with a legend,
//! and the ghost seats waiting to be released.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{age_minutes, safe};
use crate::domain::comfort::Measure;
use crate::tui::layout;
use crate::tui::model::{FloorView, SeatsSnapshot, ZoneView};
use crate::tui::state::{Focus, State};
use crate::tui::theme::SeatMark;
use crate::tui::update::seats::{current_fit, floor_rows, visible_ghosts};
use crate::tui::widgets::bar::bar;
use crate::tui::widgets::seat_map::SeatMap;

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let Some(snap) = &state.seats.snapshot else {
        let text = "waiting for the first seat data from the sensor feed…";
        frame.render_widget(Paragraph::new(Line::styled(text, t.dim)), area);
        return;
    };
    let Some(floor) = snap.floors.get(state.seats.floor) else {
        let text = super::no_sensor_data(state, "no floors in the layout yet", area.width);
        frame.render_widget(Paragraph::new(text), area);
        return;
    };
    let a = layout::seats(area, floor_rows(state));
    draw_floor_line(frame, a.floor_line, state, snap, floor);
    draw_zones(frame, a.zones, state, floor);
    let sep: Vec<Line<'_>> = (0..a.map.height).map(|_| Line::styled("│", t.dim)).collect();
    frame.render_widget(
        Paragraph::new(sep),
        Rect { x: a.zones.right(), width: 1.min(area.width), ..a.zones },
    );
    let fit = current_fit(state);
    let found: Vec<usize> = state
        .seats
        .matches
        .iter()
        .filter(|(f, _)| *f == state.seats.floor)
        .map(|(_, s)| *s)
        .collect();
    let cursor = (state.seats.focus == Focus::Map).then_some(state.seats.cursor);
    if floor.seats.is_empty() && floor.zones.iter().any(ZoneView::counted_only) {
        let text =
            "no seat map: the zones of this floor are counted, not seated (head counts beside)";
        frame.render_widget(
            Paragraph::new(Line::styled(text, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
            a.map,
        );
    } else {
        let map_area = centred(a.map, floor, fit);
        frame.render_widget(SeatMap { floor, fit, cursor, found: &found, theme: t }, map_area);
    }
    draw_legend(frame, a.legend, state, fit.k);
    draw_ghosts(frame, a.ghosts, state, snap);
}

/// The map area shrunk to the drawn floor and centred, so small floors sit in the middle.
fn centred(area: Rect, floor: &FloorView, fit: layout::Fit) -> Rect {
    let w = (floor.width().div_ceil(fit.k) as u16).saturating_mul(fit.columns).min(area.width);
    let h = (floor.height().div_ceil(fit.k) as u16).min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The floor, its occupancy and ghosts; shortened to fit (the floor's id, then the share
/// taken, go first). While found seats are shown, a second line says which.
fn draw_floor_line(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    snap: &SeatsSnapshot,
    floor: &FloorView,
) {
    let t = &state.theme;
    let o = floor.occupancy;
    let taken = o.occupied + o.away;
    let floor_ghosts = snap.ghosts.iter().filter(|g| g.floor == state.seats.floor).count();
    let counted = floor.zones.iter().filter(|z| z.counted_only()).count();
    let line = |id: bool, share: bool| {
        let mut spans = vec![Span::styled(" ◀ ", t.key), Span::styled(safe(&floor.name), t.title)];
        if id {
            spans.push(Span::styled(format!(" ({})", safe(&floor.id)), t.dim));
        }
        spans.push(Span::styled(" ▶ ", t.key));
        spans.push(Span::styled(
            format!("{}/{}  ", state.seats.floor + 1, snap.floors.len()),
            t.dim,
        ));
        if o.total == 0 && counted > 0 {
            let people = floor.zones.iter().filter_map(|z| z.head_count.as_ref()).map(|h| h.count);
            spans.push(Span::styled(format!("{} people counted", people.sum::<u32>()), t.base));
            return Line::from(spans);
        }
        let share = if share { format!(" ({:.0}%)", o.ratio() * 100.0) } else { String::new() };
        spans.push(Span::styled(format!("{taken}/{} taken{share}", o.total), t.base));
        spans.push(Span::styled(format!("  {} free", o.free), t.ok));
        if floor_ghosts > 0 {
            spans.push(Span::styled(
                format!("  {floor_ghosts} ghost{}", if floor_ghosts == 1 { "" } else { "s" }),
                t.bad,
            ));
        }
        Line::from(spans)
    };
    let width = area.width as usize;
    let first = [line(true, true), line(false, true)]
        .into_iter()
        .find(|l| l.width() <= width)
        .unwrap_or_else(|| line(false, false));
    let mut lines = vec![first];
    if !state.seats.matches.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    " found {}/{}: {}",
                    state.seats.match_pos + 1,
                    state.seats.matches.len(),
                    state.seats.find.describe()
                ),
                t.ok,
            ),
            Span::styled(
                format!(
                    "  {} next · {} clears",
                    state.keymap.key_label(crate::tui::keymap::Action::NextMatch),
                    state.keymap.key_label(crate::tui::keymap::Action::Back)
                ),
                t.dim,
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn comfort_spans<'a>(z: &ZoneView, state: &'a State) -> Vec<Span<'a>> {
    let t = &state.theme;
    let Some((_, c)) = z.comfort else { return vec![Span::styled("  no comfort reading", t.dim)] };
    let bad = |m: Measure| z.out_of_range.iter().any(|o| o.measure == m);
    let item = |text: String, m: Measure| {
        if bad(m) {
            Span::styled(format!(" {text}!"), t.bad)
        } else {
            Span::styled(format!(" {text}"), t.dim)
        }
    };
    // A measure the zone's source does not take is left out, not shown as zero.
    let mut spans = vec![Span::raw(" ")];
    for (m, v) in c.measures() {
        let Some(v) = v else { continue };
        spans.push(item(
            match m {
                Measure::Temperature => format!("{v:.1}°C"),
                Measure::Co2 => format!("{v:.0}ppm"),
                Measure::Light => format!("{v:.0}lx"),
                Measure::Noise => format!("{v:.0}dB"),
            },
            m,
        ));
    }
    spans
}

/// Each zone's occupancy and comfort. On a narrow pane the bar takes a line of its own; when
/// the zones do not all fit that way the bar goes, so every zone keeps its count and comfort.
fn draw_zones(frame: &mut Frame<'_>, area: Rect, state: &State, floor: &FloorView) {
    let t = &state.theme;
    let w = area.width as usize;
    let wide = w >= 56;
    let bars = wide || floor.zones.len() * 3 <= area.height as usize;
    let mut lines = Vec::new();
    for z in &floor.zones {
        let o = z.occupancy;
        // A zone without seats is shown by its head count, when a source counts it.
        let (count, ratio, kind) = match &z.head_count {
            Some(h) if z.counted_only() => (
                match h.capacity {
                    Some(c) => format!("{}/{c} people", h.count),
                    None => format!("{} people", h.count),
                },
                h.ratio().unwrap_or(0.0).min(1.0),
                "counted",
            ),
            _ => (format!("{}/{}", o.occupied + o.away, o.total), o.ratio(), z.kind.as_str()),
        };
        if wide {
            // name kind bar count, then the comfort line.
            let bar_w = (w / 4).clamp(8, 16);
            let name_w = w.saturating_sub(bar_w + count.len() + kind.len() + 5);
            let name: String = safe(&z.name).chars().take(name_w).collect();
            let (fill, empty) = bar(ratio, bar_w);
            lines.push(Line::from(vec![
                Span::styled(format!(" {name:<name_w$} "), t.base),
                Span::styled(format!("{kind} "), t.dim),
                Span::styled(fill, t.bar_fill),
                Span::styled(empty, t.bar_empty),
                Span::styled(format!(" {count}"), t.base),
            ]));
        } else {
            // name and count, then bar and kind, then the comfort line.
            let name_w = w.saturating_sub(count.len() + 3);
            let name: String = safe(&z.name).chars().take(name_w).collect();
            lines.push(Line::from(vec![
                Span::styled(format!(" {name:<name_w$} "), t.base),
                Span::styled(count, t.base),
            ]));
            if !bars {
                lines.push(Line::from(comfort_spans(z, state)));
                continue;
            }
            let bar_w = w.saturating_sub(kind.len() + 3).min(24);
            let (fill, empty) = bar(ratio, bar_w);
            lines.push(Line::from(vec![
                Span::raw(" "),
                Span::styled(fill, t.bar_fill),
                Span::styled(empty, t.bar_empty),
                Span::styled(format!(" {kind}"), t.dim),
            ]));
        }
        lines.push(Line::from(comfort_spans(z, state)));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_legend(frame: &mut Frame<'_>, area: Rect, state: &State, k: u32) {
    let t = &state.theme;
    let mut spans = vec![Span::raw(" ")];
    if k > 1 {
        spans.push(Span::styled(format!("zoom 1:{k}  "), t.warn));
    }
    let narrow = area.width < 100;
    for m in SeatMark::ALL {
        let label = match m {
            SeatMark::OutOfService if narrow => "broken",
            SeatMark::Unknown if narrow => "no data",
            _ => m.label(),
        };
        spans.push(Span::styled(m.glyph().to_string(), t.seat(m)));
        spans.push(Span::styled(format!(" {label}  "), t.dim));
    }
    if !narrow {
        spans.push(Span::styled("dim: sensor offline", t.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn away_for(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    since.map(|s| age_minutes((now - s).num_minutes())).unwrap_or_else(|| "?".into())
}

fn draw_ghosts(frame: &mut Frame<'_>, area: Rect, state: &State, snap: &SeatsSnapshot) {
    let t = &state.theme;
    let ghosts = visible_ghosts(state);
    let focused = state.seats.focus == Focus::Ghosts;
    let title_style = if focused { t.title } else { t.base };
    let mut lines = vec![Line::from(vec![
        Span::styled(if focused { "▸ " } else { "  " }, t.key),
        Span::styled(format!("Ghost seats ({})", ghosts.len()), title_style),
        Span::styled(
            format!("  away for over {} min, belongings left", state.ghost_after_min),
            t.dim,
        ),
    ])];
    if ghosts.is_empty() {
        let text = if state.filter.text.is_empty() { "  none" } else { "  none match the filter" };
        lines.push(Line::styled(text, t.dim));
    }
    let rows = area.height.saturating_sub(1) as usize;
    let sel = state.seats.ghost_sel;
    let start = if sel >= rows { sel + 1 - rows } else { 0 };
    let now = state.now();
    // Label, zone and floor as wide as they are at 80 columns and more; narrower, the zone and
    // the floor give way so how long the seat has been away still shows.
    let (zone_w, floor_w) = match area.width {
        74.. => (24, 16),
        w => {
            let room = (w as usize).saturating_sub(4 + 16 + 1 + 1 + 1 + 11);
            (room * 3 / 5, room - room * 3 / 5)
        }
    };
    for (i, g) in ghosts.iter().enumerate().skip(start).take(rows) {
        let Some(seat) = snap.seat(*g) else { continue };
        let floor = &snap.floors[g.floor];
        let zone = floor.zones.get(seat.zone).map(|z| safe(&z.name)).unwrap_or_default();
        let style = if focused && i == sel { t.selected } else { t.base };
        let label: String = safe(&seat.label).chars().take(16).collect();
        let zone: String = zone.chars().take(zone_w).collect();
        let floor_name: String = safe(&floor.name).chars().take(floor_w).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", SeatMark::Ghost.glyph()), t.seat(SeatMark::Ghost)),
            Span::styled(
                format!(
                    "{label:<16} {zone:<zone_w$} {floor_name:<floor_w$} away {}",
                    away_for(seat.since, now)
                ),
                style,
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
