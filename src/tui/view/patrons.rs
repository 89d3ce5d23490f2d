//! The Patrons tab: the patron looked up at the desk — their card, their consent per purpose,
//! the interest profile as bars split by source, and the recommendations with where they came
//! from. Stacked on a narrow terminal; the profile and the recommendations side by side on a
//! wide one. Consent, flags and the local fallback are shown by glyph and word, never by colour
//! alone; everything read from the directory or the APIs is cleaned before it is drawn.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::safe;
use crate::domain::interest::{Source, SubjectInterest};
use crate::domain::patron::PatronState;
use crate::domain::policy::{POLICY, Permission};
use crate::domain::sanitize::clean_text;
use crate::engine::desk::Served;
use crate::services::consent::CurrentConsent;
use crate::services::desk::Gate;
use crate::tui::keymap::Action;
use crate::tui::state::{PatronRecs, PatronShown, State};
use crate::tui::update::patrons::{IDLE_CLEAR, may};
use crate::tui::widgets::wrap::wrap_spans;

/// From this width the profile and the recommendations sit side by side.
const WIDE: u16 = 120;

/// The glyph of each source in a profile bar, so the split reads without colour.
fn source_glyph(s: Source) -> &'static str {
    match s {
        Source::Loans => "█",
        Source::Searches => "▓",
        Source::Visits => "▒",
    }
}

fn source_name(s: Source) -> &'static str {
    match s {
        Source::Loans => "loans",
        Source::Searches => "searches",
        Source::Visits => "visits",
    }
}

/// `n loans`, `1 search`: a count of a source's events.
fn events(n: u64, s: Source) -> String {
    let (one, many) = match s {
        Source::Loans => ("loan", "loans"),
        Source::Searches => ("search", "searches"),
        Source::Visits => ("visit", "visits"),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// At most `n` characters of `s`.
fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// `items` joined with " · " into lines of at most `width` characters; an item too long for a
/// line is cut.
fn flow(items: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![];
    let mut line = String::new();
    for item in items {
        let item = cut(item, width.saturating_sub(1));
        let need = line.chars().count() + 3 + item.chars().count();
        if !line.is_empty() && need > width {
            lines.push(std::mem::take(&mut line));
        }
        if line.is_empty() {
            line = format!(" {item}");
        } else {
            line = format!("{line} · {item}");
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    if !may(state) {
        let roles: Vec<&str> = POLICY
            .iter()
            .find(|(p, _, _)| *p == Permission::LookupPatron)
            .map(|(_, _, r)| r.iter().map(|r| r.as_str()).collect())
            .unwrap_or_default();
        let text = format!(" Patrons are looked up by staff with the {} role.", roles.join(" or "));
        frame.render_widget(Paragraph::new(Line::styled(text, t.dim)), area);
        return;
    }
    if let Some(why) = &state.patrons.unavailable {
        let lines = vec![
            Line::styled(format!(" ⚠ {}", clean_text(why, 400)), t.warn),
            Line::styled(" The other tabs work as ever.", t.dim),
        ];
        // The reason names a path, which may be long: it wraps rather than being cut.
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
        return;
    }
    let Some(shown) = &state.patrons.shown else {
        draw_empty(frame, area, state);
        return;
    };
    if state.patrons.full {
        draw_page(frame, area, state, shown);
        return;
    }
    let card = card_lines(state, shown, area.width as usize);
    let card_h = (card.len() as u16).min(area.height);
    let [card_area, body] = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Length(card_h), Constraint::Min(0)])
        .areas(area);
    frame.render_widget(Paragraph::new(card), card_area);
    if body.width >= WIDE {
        let [left, right] = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(body);
        draw_profile(frame, left, state, shown);
        draw_recs(frame, right, state, shown);
        return;
    }
    // Stacked: the recommendations keep at least half of what is left, or all they need.
    let profile_need =
        profile_lines(state, shown, body.width as usize, usize::MAX).len() as u16 + 1;
    let recs_need =
        recs_lines(state, shown, body.width as usize, usize::MAX, false).len() as u16 + 1;
    let recs_min = recs_need.min(body.height / 2);
    let profile_h = profile_need.min(body.height.saturating_sub(recs_min));
    let [profile_area, recs_area] = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Length(profile_h), Constraint::Min(0)])
        .areas(body);
    draw_profile(frame, profile_area, state, shown);
    draw_recs(frame, recs_area, state, shown);
}

/// The patron's whole page, for the full view: the card, the profile with every subject, and
/// every recommendation with its reasons whole.
fn page_lines(state: &State, shown: &PatronShown, width: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let rule = |title: String| {
        let rest = width.saturating_sub(title.chars().count());
        Line::from(vec![Span::styled(title, t.title), Span::styled("─".repeat(rest), t.dim)])
    };
    let mut lines = card_lines(state, shown, width);
    lines.push(rule(profile_title(state)));
    lines.extend(profile_lines(state, shown, width, usize::MAX));
    lines.push(rule(" Recommendations ".into()));
    lines.extend(recs_lines(state, shown, width, usize::MAX, true));
    lines
}

/// The rows the whole page is shown in: the tab's.
pub fn page_rows(state: &State) -> usize {
    let size = Rect::new(0, 0, state.size.0, state.size.1);
    crate::tui::layout::frame(size).content.height as usize
}

/// How far the whole page scrolls: to where its last line is on the last row above the line
/// that says where the page is.
pub fn scroll_limit(state: &State) -> usize {
    let Some(shown) = &state.patrons.shown else { return 0 };
    let n = page_lines(state, shown, state.size.0 as usize).len();
    let rows = page_rows(state);
    if n <= rows { 0 } else { n - rows.saturating_sub(1) }
}

fn draw_page(frame: &mut Frame<'_>, area: Rect, state: &State, shown: &PatronShown) {
    let t = &state.theme;
    let lines = page_lines(state, shown, area.width as usize);
    let rows = area.height as usize;
    if lines.len() <= rows {
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let n = lines.len();
    let room = rows.saturating_sub(1);
    let first = state.patrons.scroll.min(n - room);
    let mut shown_lines: Vec<Line<'static>> = lines.into_iter().skip(first).take(room).collect();
    let key = |a: Action| state.keymap.key_label(a);
    shown_lines.push(Line::from(vec![
        Span::styled(format!(" lines {}–{} of {n} ", first + 1, first + room), t.title),
        Span::styled(
            format!(
                " {}{} {} {} scroll · {} back",
                key(Action::Up),
                key(Action::Down),
                key(Action::PageUp),
                key(Action::PageDown),
                key(Action::Back)
            ),
            t.dim,
        ),
    ]));
    frame.render_widget(Paragraph::new(shown_lines), area);
}

fn draw_empty(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let width = area.width as usize;
    let key = state.keymap.key_label(Action::LookUp);
    let mut lines = wrap_spans(
        vec![
            Span::styled(" No patron on screen. ", t.base),
            Span::styled(key, t.key),
            Span::styled(" looks one up by card number, saying why:", t.base),
            Span::styled(
                " circulation, account, or a data request by its number. Every lookup is \
                 logged with its purpose; the profile and the recommendations need the \
                 patron's consent to each.",
                t.dim,
            ),
        ],
        width,
        1,
    );
    lines.extend(wrap_spans(
        vec![Span::styled(
            format!(
                " A patron is cleared after {} minutes without a key, or at once with {}.",
                IDLE_CLEAR.num_minutes(),
                state.keymap.key_label(Action::ClearPatron)
            ),
            t.dim,
        )],
        width,
        1,
    ));
    if let Some(card) = &state.patrons.demo_card {
        lines.push(Line::raw(""));
        lines.extend(wrap_spans(
            vec![
                Span::styled(" This is a demo database: try card ", t.base),
                Span::styled(grouped(&safe(card)), t.key),
                Span::styled(
                    ", a made-up patron who consents to profiling and recommendations.",
                    t.base,
                ),
            ],
            width,
            1,
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// A card number in groups of four, as printed on cards: `2900 0001 5341`. The lookup takes
/// it typed either way.
fn grouped(card: &str) -> String {
    let chars: Vec<char> = card.chars().collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

fn day(t: DateTime<Utc>, state: &State) -> String {
    t.with_timezone(&state.tz).format("%Y-%m-%d").to_string()
}

/// A consent as glyph and words: `✓ granted since 2026-11-02`.
fn consent_text(c: &CurrentConsent, state: &State) -> String {
    let (mark, word) = match c.granted {
        Some(true) => ("✓", "granted"),
        Some(false) => ("✗", "withdrawn"),
        None => ("○", "never given"),
    };
    let since = c.since.map_or(String::new(), |at| format!(" since {}", day(at, state)));
    format!("{} {mark} {word}{since}", c.purpose.as_str())
}

fn card_lines(state: &State, shown: &PatronShown, width: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let p = &shown.lookup.patron;
    let name = if p.name.is_empty() { "(name removed)".to_owned() } else { safe(&p.name) };
    let card = if p.card.is_empty() { "—".to_owned() } else { safe(&p.card) };
    let at = shown.at.with_timezone(&state.tz).format("%H:%M");
    let head = format!(" {name}  card {card}");
    let note = format!("  looked up for {} at {at}", safe(&shown.purpose));
    let mut first = vec![Span::styled(cut(&head, width), t.title)];
    if head.chars().count() + note.chars().count() <= width {
        first.push(Span::styled(note, t.dim));
    }
    let mut lines = vec![Line::from(first)];
    let state_word = match p.state {
        PatronState::Active => "active".to_owned(),
        s => format!("⚠ {}", s.as_str()),
    };
    let mut facts = vec![
        safe(&p.category),
        state_word,
        format!("joined {}", day(p.joined, state)),
        format!("last active {}", day(p.last_active, state)),
        format!("{} loan{} out", p.loans_out, if p.loans_out == 1 { "" } else { "s" }),
    ];
    if let Some(e) = &p.email {
        facts.push(safe(e));
    }
    let style = |l: &str| if l.contains('⚠') { t.warn } else { t.base };
    lines.extend(flow(&facts, width).into_iter().map(|l| Line::styled(l.clone(), style(&l))));
    let consent: Vec<String> = p
        .consent
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let text = consent_text(c, state);
            if i == 0 { format!("consent: {text}") } else { text }
        })
        .collect();
    lines.extend(flow(&consent, width).into_iter().map(|l| Line::styled(l, t.base)));
    lines
}

fn section<'a>(title: String, state: &State) -> Block<'a> {
    Block::default()
        .borders(Borders::TOP)
        .border_style(state.theme.dim)
        .title(Span::styled(title, state.theme.title))
}

fn draw_profile(frame: &mut Frame<'_>, area: Rect, state: &State, shown: &PatronShown) {
    let block = section(profile_title(state), state);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = profile_lines(state, shown, inner.width as usize, inner.height as usize);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn profile_title(state: &State) -> String {
    format!(" Interest profile · half-life {} days ", state.patrons.basis.half_life_days)
}

/// The profile's lines for `rows` rows at most: the basis it is computed on, then one bar per
/// subject, as many as fit, with a line saying how many did not.
fn profile_lines(
    state: &State,
    shown: &PatronShown,
    width: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    let t = &state.theme;
    let l = &shown.lookup;
    let mut lines = vec![];
    let flagged = match &l.profile_gate {
        Gate::Refused { reason } => {
            let text = format!(" ⊘ withheld — {}", safe(reason));
            return wrap_spans(vec![Span::styled(text, t.warn)], width, 3);
        }
        Gate::Flagged => true,
        Gate::Allowed => false,
    };
    if flagged {
        lines.extend(wrap_spans(
            vec![Span::styled(
                " ⚑ FLAGGED — no consent to profiling; shown under the permissive mode, for review",
                t.warn,
            )],
            width,
            3,
        ));
    }
    let b = state.patrons.basis;
    let mut basis = vec![Span::styled(" weights", t.dim)];
    for (s, w) in [
        (Source::Loans, b.weights.loans),
        (Source::Searches, b.weights.searches),
        (Source::Visits, b.weights.visits),
    ] {
        basis.push(Span::styled(format!(" {}", source_glyph(s)), t.bar_fill));
        basis.push(Span::styled(format!(" {} {w:.2}", source_name(s)), t.dim));
    }
    // The score and share columns named above them, when the weights leave room.
    let used: usize = basis.iter().map(Span::width).sum();
    let (name_w, bar_w) = bar_geometry(width);
    let column = name_w + 2 + bar_w;
    let header = format!(" {:>6} {:>12}", "score", "share %");
    if !l.profile.is_empty() && used < column && column + header.chars().count() <= width {
        basis.push(Span::raw(" ".repeat(column - used)));
        basis.push(Span::styled(header, t.dim));
    }
    lines.push(Line::from(basis));
    let unmapped: Vec<String> = Source::ALL
        .iter()
        .zip(l.unmapped)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| events(n, *s))
        .collect();
    if l.profile.is_empty() {
        lines.push(Line::styled(
            if unmapped.is_empty() {
                " nothing to go on yet: no loans, searches or visits".to_owned()
            } else {
                format!(" nothing to go on yet: {} in no known subject", unmapped.join(", "))
            },
            t.dim,
        ));
        return lines;
    }
    let room = rows.saturating_sub(lines.len());
    let fit = if l.profile.len() > room { room.saturating_sub(1) } else { l.profile.len() };
    let top = l.profile.first().map_or(1.0, |s| s.score.max(f64::MIN_POSITIVE));
    for s in l.profile.iter().take(fit) {
        lines.push(bar_line(state, s, top, width));
    }
    let left = l.profile.len() - fit;
    if left > 0 && lines.len() < rows {
        lines.push(Line::styled(
            format!(
                " + {left} more subject{} · {} shows all",
                if left == 1 { "" } else { "s" },
                state.keymap.key_label(Action::Select)
            ),
            t.dim,
        ));
    }
    if !unmapped.is_empty() && lines.len() < rows {
        lines.push(Line::styled(format!(" in no subject: {}", unmapped.join(", ")), t.dim));
    }
    lines
}

/// The width of a bar's tail: the score and the three shares.
const TAIL: usize = 20;

/// The widths of a profile line's subject name and bar at `width`.
fn bar_geometry(width: usize) -> (usize, usize) {
    let name_w = (width / 5).clamp(8, 18);
    (name_w, width.saturating_sub(name_w + 2 + TAIL).min(48))
}

/// `filled` cells shared out by `shares`; what rounding leaves over goes to the largest.
fn split(filled: usize, shares: [f64; 3]) -> [usize; 3] {
    let mut cells = [0usize; 3];
    let mut given = 0;
    for (i, share) in shares.iter().enumerate() {
        let n = (share.clamp(0.0, 1.0) * filled as f64).round() as usize;
        cells[i] = n.min(filled - given);
        given += cells[i];
    }
    let largest = (0..3).max_by(|a, b| shares[*a].total_cmp(&shares[*b])).unwrap_or(0);
    cells[largest] += filled - given;
    cells
}

/// One subject: its name, a bar as long as its score against the top subject's, split into
/// each source's part, the score, and each source's share in per cent.
fn bar_line(state: &State, s: &SubjectInterest, top: f64, width: usize) -> Line<'static> {
    let t = &state.theme;
    let (name_w, bar_w) = bar_geometry(width);
    let shares: Vec<f64> = Source::ALL.iter().map(|src| s.share(*src)).collect();
    let tail = format!(
        " {:>6.2} {:>3.0}/{:>3.0}/{:>3.0}%",
        s.score,
        shares[0] * 100.0,
        shares[1] * 100.0,
        shares[2] * 100.0
    );
    let filled = ((s.score / top).clamp(0.0, 1.0) * bar_w as f64).round() as usize;
    let cells = split(filled, [shares[0], shares[1], shares[2]]);
    let mut spans =
        vec![Span::styled(format!(" {:<w$} ", cut(&safe(&s.subject), name_w), w = name_w), t.base)];
    for (i, src) in Source::ALL.iter().enumerate() {
        spans.push(Span::styled(source_glyph(*src).repeat(cells[i]), t.bar_fill));
    }
    spans.push(Span::styled("·".repeat(bar_w.saturating_sub(filled)), t.bar_empty));
    spans.push(Span::styled(tail, t.base));
    Line::from(spans)
}

fn draw_recs(frame: &mut Frame<'_>, area: Rect, state: &State, shown: &PatronShown) {
    let block = section(" Recommendations ".into(), state);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = recs_lines(state, shown, inner.width as usize, inner.height as usize, false);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Where the recommendations came from: the API and its model, or the local fallback, marked
/// by glyph, word and the warning style. Wrapped, never cut: the reason matters.
fn provenance(state: &State, served: &Served, flagged: bool, width: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let p = &served.provenance;
    let mut lines = match &served.fallback_reason {
        Some(why) => {
            let text = format!(" ⚠ LOCAL FALLBACK — {}", safe(why));
            let mut lines = wrap_spans(vec![Span::styled(text, t.warn)], width, 1);
            lines.extend(wrap_spans(
                vec![Span::styled(
                    format!(" from {} over {}", safe(&p.model_version), safe(&p.training_mode)),
                    t.dim,
                )],
                width,
                1,
            ));
            lines
        }
        None => wrap_spans(
            vec![Span::styled(
                format!(
                    " from the recommendation API · model {} ({})",
                    safe(&p.model_version),
                    safe(&p.training_mode)
                ),
                t.base,
            )],
            width,
            1,
        ),
    };
    if flagged {
        lines.extend(wrap_spans(
            vec![Span::styled(
                " ⚑ FLAGGED — no consent to recommendations; shown under the permissive mode",
                t.warn,
            )],
            width,
            3,
        ));
    }
    lines
}

/// The recommendations' lines for `rows` rows at most. Each is its title and its reasons; in
/// the list beside the profile the reasons keep up to a third of the line and are cut, with a
/// `…`; on the `whole` page a title wraps and reasons that do not fit beside it go under it.
fn recs_lines(
    state: &State,
    shown: &PatronShown,
    width: usize,
    rows: usize,
    whole: bool,
) -> Vec<Line<'static>> {
    let t = &state.theme;
    let (served, flagged) = match &shown.recs {
        PatronRecs::Asking => {
            return wrap_spans(
                vec![Span::styled(
                    format!(
                        " asking the recommendation API… (up to {} s, then carrel's own model)",
                        crate::engine::desk::RECS_WAIT.as_secs()
                    ),
                    t.dim,
                )],
                width,
                1,
            );
        }
        PatronRecs::Withheld(reason) => {
            return wrap_spans(
                vec![Span::styled(format!(" ⊘ withheld — {}", safe(reason)), t.warn)],
                width,
                3,
            );
        }
        PatronRecs::Failed(e) => {
            return wrap_spans(
                vec![Span::styled(format!(" ✗ not served: {}", safe(e)), t.bad)],
                width,
                3,
            );
        }
        PatronRecs::Shown { served, flagged } => (served, *flagged),
    };
    let mut lines = provenance(state, served, flagged, width);
    if served.items.is_empty() {
        lines.push(Line::styled(" nothing to recommend yet", t.dim));
    }
    let room = rows.saturating_sub(lines.len());
    let n = served.items.len();
    let fit = if n > room { room.saturating_sub(1) } else { n };
    for (i, r) in served.items.iter().take(fit).enumerate() {
        let head = format!(" {:>2}. ", i + 1);
        let reasons: Vec<String> = r.reasons.iter().map(|x| safe(x).replace('_', " ")).collect();
        let reasons = reasons.join(", ");
        let room = width.saturating_sub(head.chars().count());
        let title = safe(&r.title);
        if whole {
            let beside = head.chars().count() + title.chars().count() + 2 + reasons.chars().count();
            let mut spans = vec![Span::styled(head.clone(), t.dim), Span::styled(title, t.base)];
            if !reasons.is_empty() && beside <= width {
                spans.push(Span::styled(format!("  {reasons}"), t.dim));
                lines.extend(wrap_spans(spans, width, head.chars().count()));
            } else {
                lines.extend(wrap_spans(spans, width, head.chars().count()));
                if !reasons.is_empty() {
                    let indent = head.chars().count() + 2;
                    let text = format!("{}{reasons}", " ".repeat(indent));
                    lines.extend(wrap_spans(vec![Span::styled(text, t.dim)], width, indent));
                }
            }
            continue;
        }
        // The title first; the reasons keep up to a third of the line beside it.
        let kept = if reasons.is_empty() { 0 } else { (reasons.chars().count() + 2).min(room / 3) };
        let title = cut(&title, room.saturating_sub(kept));
        let rest = room.saturating_sub(title.chars().count() + 2);
        let mut spans = vec![Span::styled(head, t.dim), Span::styled(title, t.base)];
        if !reasons.is_empty() && rest > 0 {
            let shown = if reasons.chars().count() > rest {
                format!("{}…", cut(&reasons, rest.saturating_sub(1)))
            } else {
                reasons
            };
            spans.push(Span::styled(format!("  {shown}"), t.dim));
        }
        lines.push(Line::from(spans));
    }
    if n > fit && lines.len() < rows {
        lines.push(Line::styled(
            format!(" + {} more · {} shows all", n - fit, state.keymap.key_label(Action::Select)),
            t.dim,
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_is_shared_out_whole_by_source() {
        assert_eq!(split(10, [0.5, 0.36, 0.14]), [5, 4, 1]);
        assert_eq!(split(42, [0.26, 0.74, 0.004]), [11, 31, 0], "a sliver of a share gets no cell");
        assert_eq!(split(3, [1.0 / 3.0; 3]).iter().sum::<usize>(), 3);
        assert_eq!(split(0, [0.0, 0.0, 0.0]), [0, 0, 0]);
        assert_eq!(split(5, [0.5, 0.5, 0.5]).iter().sum::<usize>(), 5, "never more than filled");
    }

    #[test]
    fn lines_flow_and_wrap_within_the_width() {
        let items = ["student".to_owned(), "active".to_owned(), "joined 2021-07-02".to_owned()];
        assert_eq!(flow(&items, 80), vec![" student · active · joined 2021-07-02"]);
        assert_eq!(flow(&items, 20), vec![" student · active", " joined 2021-07-02"]);
        assert_eq!(events(1, Source::Searches), "1 search");
        assert_eq!(events(126, Source::Visits), "126 visits");
    }
}
