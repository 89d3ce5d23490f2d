//! The seat map: a floor's seats drawn at their grid positions, one cell per seat at normal
//! zoom; when the floor does not fit, each cell stands for a block of seats and shows the
//! block's most common state (a ghost seat in a block always shows, since it needs action).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::widgets::Widget;

use crate::domain::layout::SensorHealth;
use crate::tui::layout::Fit;
use crate::tui::model::FloorView;
use crate::tui::theme::{SeatMark, Theme};

pub struct SeatMap<'a> {
    pub floor: &'a FloorView,
    pub fit: Fit,
    /// The cursor's grid position, drawn reversed, when the map has focus.
    pub cursor: Option<(u32, u32)>,
    /// Found free seats to mark, by seat index.
    pub found: &'a [usize],
    pub theme: &'a Theme,
}

impl Widget for SeatMap<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Fit { k, columns } = self.fit;
        let cols = u32::from(area.width / columns.max(1));
        let rows = u32::from(area.height);
        if cols == 0 || rows == 0 {
            return;
        }
        let (min_x, min_y) = self.floor.min;
        let cell_of = |x: u32, y: u32| -> Option<usize> {
            let (cx, cy) = ((x - min_x) / k, (y - min_y) / k);
            (cx < cols && cy < rows).then(|| (cy * cols + cx) as usize)
        };
        // Per screen cell: how many seats of each mark, and whether any sensor is offline.
        let mut counts = vec![[0u16; 7]; (cols * rows) as usize];
        let mut offline = vec![false; counts.len()];
        for s in &self.floor.seats {
            let Some(i) = cell_of(s.x, s.y) else { continue };
            let mark = SeatMark::of(s.state, s.ghost);
            counts[i][mark as usize] = counts[i][mark as usize].saturating_add(1);
            offline[i] |= s.sensor == Some(SensorHealth::Offline);
        }
        for (i, c) in counts.iter().enumerate() {
            let total: u16 = c.iter().sum();
            if total == 0 {
                continue;
            }
            let mark = if c[SeatMark::Ghost as usize] > 0 {
                SeatMark::Ghost
            } else {
                let best = (0..7).max_by_key(|&m| (c[m], std::cmp::Reverse(m))).unwrap_or(0);
                SeatMark::ALL[best]
            };
            let mut style = self.theme.seat(mark);
            if offline[i] {
                style = style.add_modifier(Modifier::DIM | Modifier::ITALIC);
            }
            let (cx, cy) = (i as u32 % cols, i as u32 / cols);
            let x = area.x + (cx as u16) * columns;
            let y = area.y + cy as u16;
            if let Some(cell) = buf.cell_mut((x, y)) {
                cell.set_char(mark.glyph()).set_style(style);
            }
        }
        for &si in self.found {
            let Some(s) = self.floor.seats.get(si) else { continue };
            if let Some(i) = cell_of(s.x, s.y) {
                let (cx, cy) = (i as u32 % cols, i as u32 / cols);
                if let Some(cell) =
                    buf.cell_mut((area.x + (cx as u16) * columns, area.y + cy as u16))
                {
                    cell.set_style(
                        self.theme.ok.add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
                    );
                }
            }
        }
        if let Some((x, y)) = self.cursor
            && x >= min_x
            && y >= min_y
            && let Some(i) = cell_of(x, y)
        {
            let (cx, cy) = (i as u32 % cols, i as u32 / cols);
            let px = area.x + (cx as u16) * columns;
            if let Some(cell) = buf.cell_mut((px, area.y + cy as u16)) {
                if cell.symbol() == " " {
                    cell.set_char('·');
                }
                cell.set_style(self.theme.cursor);
            }
        }
    }
}
