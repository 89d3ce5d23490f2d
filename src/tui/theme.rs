//! Colours and glyphs. Every state has a glyph as well as a colour, so the console reads the
//! same on a 16-colour terminal, with `NO_COLOR`, and to colour-blind staff.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::layout::SeatState;

/// Which palette to draw with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeName {
    Dark,
    Light,
    /// The 16 ANSI colours only, for `TERM=xterm` and similar.
    Basic,
    /// No colour at all (`NO_COLOR`): bold, reverse and underline carry the meaning.
    Mono,
}

impl ThemeName {
    /// Picks the theme from the configured name and the environment: `NO_COLOR` wins; `auto`
    /// uses the dark palette on terminals that announce 256 colours or true colour, and the
    /// 16 basic colours otherwise.
    pub fn resolve(
        configured: &str,
        no_color: bool,
        term: Option<&str>,
        colorterm: Option<&str>,
    ) -> ThemeName {
        if no_color {
            return ThemeName::Mono;
        }
        match configured {
            "dark" => ThemeName::Dark,
            "light" => ThemeName::Light,
            "16" | "basic" => ThemeName::Basic,
            "mono" => ThemeName::Mono,
            _ => {
                let rich = colorterm
                    .is_some_and(|c| c.contains("truecolor") || c.contains("24bit"))
                    || term.is_some_and(|t| t.contains("256color") || t.contains("direct"));
                if rich { ThemeName::Dark } else { ThemeName::Basic }
            }
        }
    }
}

/// The styles views use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: ThemeName,
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub bad: Style,
    pub badge: Style,
    pub badge_alert: Style,
    pub key: Style,
    pub bar_fill: Style,
    pub bar_empty: Style,
    pub cursor: Style,
    seat_styles: [Style; 7],
}

/// Glyph and label of a seat as the map shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatMark {
    Free,
    Occupied,
    Away,
    /// Away for longer than the ghost limit.
    Ghost,
    Reserved,
    OutOfService,
    /// No report yet.
    Unknown,
}

impl SeatMark {
    pub const ALL: [SeatMark; 7] = [
        SeatMark::Free,
        SeatMark::Occupied,
        SeatMark::Away,
        SeatMark::Ghost,
        SeatMark::Reserved,
        SeatMark::OutOfService,
        SeatMark::Unknown,
    ];

    pub fn of(state: Option<SeatState>, ghost: bool) -> SeatMark {
        match state {
            _ if ghost => SeatMark::Ghost,
            Some(SeatState::Free) => SeatMark::Free,
            Some(SeatState::Occupied) => SeatMark::Occupied,
            Some(SeatState::Away) => SeatMark::Away,
            Some(SeatState::Reserved) => SeatMark::Reserved,
            Some(SeatState::OutOfService) => SeatMark::OutOfService,
            None => SeatMark::Unknown,
        }
    }

    pub fn glyph(self) -> char {
        match self {
            SeatMark::Free => '○',
            SeatMark::Occupied => '●',
            SeatMark::Away => '◐',
            SeatMark::Ghost => '◌',
            SeatMark::Reserved => '◇',
            SeatMark::OutOfService => '×',
            SeatMark::Unknown => '?',
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SeatMark::Free => "free",
            SeatMark::Occupied => "occupied",
            SeatMark::Away => "away",
            SeatMark::Ghost => "ghost",
            SeatMark::Reserved => "reserved",
            SeatMark::OutOfService => "out of service",
            SeatMark::Unknown => "no data",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl Theme {
    pub fn new(name: ThemeName) -> Theme {
        let plain = Style::default();
        let bold = Style::default().add_modifier(Modifier::BOLD);
        match name {
            ThemeName::Mono => Theme {
                name,
                base: plain,
                dim: plain.add_modifier(Modifier::DIM),
                title: bold,
                tab: plain,
                tab_active: bold.add_modifier(Modifier::REVERSED),
                selected: plain.add_modifier(Modifier::REVERSED),
                ok: plain,
                warn: bold,
                bad: bold.add_modifier(Modifier::UNDERLINED),
                badge: plain.add_modifier(Modifier::REVERSED),
                badge_alert: bold.add_modifier(Modifier::REVERSED),
                key: bold,
                bar_fill: plain,
                bar_empty: plain.add_modifier(Modifier::DIM),
                cursor: plain.add_modifier(Modifier::REVERSED),
                seat_styles: [
                    plain,
                    bold,
                    plain,
                    bold.add_modifier(Modifier::UNDERLINED),
                    plain,
                    plain.add_modifier(Modifier::DIM),
                    plain.add_modifier(Modifier::DIM),
                ],
            },
            _ => {
                let (
                    fg,
                    dim,
                    accent,
                    ok,
                    warn,
                    bad,
                    sel_bg,
                    free,
                    occupied,
                    away,
                    ghost,
                    reserved,
                    oos,
                ) = match name {
                    ThemeName::Dark => (
                        Color::Indexed(252),
                        Color::Indexed(244),
                        Color::Indexed(75),
                        Color::Indexed(114),
                        Color::Indexed(214),
                        Color::Indexed(203),
                        Color::Indexed(238),
                        Color::Indexed(114),
                        Color::Indexed(75),
                        Color::Indexed(180),
                        Color::Indexed(203),
                        Color::Indexed(141),
                        Color::Indexed(244),
                    ),
                    ThemeName::Light => (
                        Color::Indexed(235),
                        Color::Indexed(243),
                        Color::Indexed(25),
                        Color::Indexed(28),
                        Color::Indexed(130),
                        Color::Indexed(160),
                        Color::Indexed(252),
                        Color::Indexed(28),
                        Color::Indexed(25),
                        Color::Indexed(94),
                        Color::Indexed(160),
                        Color::Indexed(91),
                        Color::Indexed(243),
                    ),
                    _ => (
                        Color::Reset,
                        Color::DarkGray,
                        Color::Cyan,
                        Color::Green,
                        Color::Yellow,
                        Color::Red,
                        Color::DarkGray,
                        Color::Green,
                        Color::Blue,
                        Color::Yellow,
                        Color::Red,
                        Color::Magenta,
                        Color::DarkGray,
                    ),
                };
                let base = Style::default().fg(fg);
                Theme {
                    name,
                    base,
                    dim: Style::default().fg(dim),
                    title: Style::default().fg(accent).add_modifier(Modifier::BOLD),
                    tab: Style::default().fg(dim),
                    tab_active: Style::default()
                        .fg(accent)
                        .add_modifier(Modifier::BOLD | Modifier::REVERSED),
                    selected: Style::default().bg(sel_bg).add_modifier(Modifier::BOLD),
                    ok: Style::default().fg(ok),
                    warn: Style::default().fg(warn).add_modifier(Modifier::BOLD),
                    bad: Style::default().fg(bad).add_modifier(Modifier::BOLD),
                    badge: Style::default().fg(accent).add_modifier(Modifier::REVERSED),
                    badge_alert: Style::default()
                        .fg(bad)
                        .add_modifier(Modifier::REVERSED | Modifier::BOLD),
                    key: Style::default().fg(accent).add_modifier(Modifier::BOLD),
                    bar_fill: Style::default().fg(accent),
                    bar_empty: Style::default().fg(dim),
                    cursor: Style::default().add_modifier(Modifier::REVERSED),
                    seat_styles: [
                        Style::default().fg(free),
                        Style::default().fg(occupied),
                        Style::default().fg(away),
                        Style::default().fg(ghost).add_modifier(Modifier::BOLD),
                        Style::default().fg(reserved),
                        Style::default().fg(oos),
                        Style::default().fg(dim),
                    ],
                }
            }
        }
    }

    pub fn seat(&self, mark: SeatMark) -> Style {
        self.seat_styles[mark.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_and_auto_follows_the_terminal() {
        assert_eq!(ThemeName::resolve("dark", true, Some("xterm-256color"), None), ThemeName::Mono);
        assert_eq!(ThemeName::resolve("auto", false, Some("xterm"), None), ThemeName::Basic);
        assert_eq!(
            ThemeName::resolve("auto", false, Some("xterm-256color"), None),
            ThemeName::Dark
        );
        assert_eq!(
            ThemeName::resolve("auto", false, Some("xterm"), Some("truecolor")),
            ThemeName::Dark
        );
        assert_eq!(ThemeName::resolve("light", false, None, None), ThemeName::Light);
    }

    #[test]
    fn every_mark_has_its_own_glyph() {
        let glyphs: std::collections::HashSet<char> =
            SeatMark::ALL.iter().map(|m| m.glyph()).collect();
        assert_eq!(glyphs.len(), SeatMark::ALL.len());
    }

    #[test]
    fn mono_uses_no_colour() {
        let t = Theme::new(ThemeName::Mono);
        for m in SeatMark::ALL {
            assert_eq!(t.seat(m).fg, None);
        }
        assert_eq!(t.selected.bg, None);
    }
}
