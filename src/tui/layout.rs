//! Where things go on screen, as pure functions of the terminal size, shared by the views (to
//! draw) and by `update` (to move the map cursor by what one cell shows).

use ratatui::layout::Rect;

/// Below this size the console shows a "terminal too small" message instead of a layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The frame: tab bar on top, the tab's content, the status line and the key bar below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameAreas {
    pub tabs: Rect,
    pub content: Rect,
    pub status: Rect,
    pub keys: Rect,
}

pub fn frame(area: Rect) -> FrameAreas {
    let h = area.height;
    let row = |y: u16, height: u16| Rect { x: area.x, y: area.y + y, width: area.width, height };
    FrameAreas {
        tabs: row(0, 1.min(h)),
        content: row(1.min(h), h.saturating_sub(3)),
        status: row(h.saturating_sub(2), 1.min(h.saturating_sub(1))),
        keys: row(h.saturating_sub(1), 1.min(h)),
    }
}

/// The Seats tab: floor line, zones beside the map, the legend, the ghost list. The floor
/// line takes `floor_rows` rows (two while found seats are shown: the second says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatsAreas {
    pub floor_line: Rect,
    pub zones: Rect,
    pub map: Rect,
    pub legend: Rect,
    pub ghosts: Rect,
}

pub fn seats(content: Rect, floor_rows: u16) -> SeatsAreas {
    let (x, y, w, h) = (content.x, content.y, content.width, content.height);
    let floor_h = h.min(floor_rows);
    let rest = h - floor_h;
    let ghosts_h = (h.saturating_sub(1) / 4).clamp(3, 12).min(rest);
    let legend_h = (rest - ghosts_h).min(1);
    let middle_h = rest - ghosts_h - legend_h;
    // At least what a zone's comfort line takes ("  22.0°C 1250ppm! 500lx 38dB").
    let zones_w = (w * 2 / 5).clamp(28, 64).min(w);
    let map_x = x + (zones_w + 1).min(w);
    let middle_y = y + floor_h;
    SeatsAreas {
        floor_line: Rect { x, y, width: w, height: floor_h },
        zones: Rect { x, y: middle_y, width: zones_w, height: middle_h },
        map: Rect { x: map_x, y: middle_y, width: w - (map_x - x), height: middle_h },
        legend: Rect { x, y: middle_y + middle_h, width: w, height: legend_h },
        ghosts: Rect { x, y: middle_y + middle_h + legend_h, width: w, height: ghosts_h },
    }
}

/// How a floor's grid maps onto screen cells: each screen cell shows a `k`×`k` block of grid
/// positions (1 at normal zoom), `columns` screen columns wide (2 when there is room, which
/// keeps the map's proportions closer to the floor's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fit {
    pub k: u32,
    pub columns: u16,
}

pub fn fit(grid_w: u32, grid_h: u32, area_w: u16, area_h: u16) -> Fit {
    let (aw, ah) = (u32::from(area_w.max(1)), u32::from(area_h.max(1)));
    if grid_w * 2 <= aw && grid_h <= ah {
        return Fit { k: 1, columns: 2 };
    }
    let k = grid_w.div_ceil(aw).max(grid_h.div_ceil(ah)).max(1);
    Fit { k, columns: 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_fills_the_screen() {
        let f = frame(Rect::new(0, 0, 80, 24));
        assert_eq!(
            (f.tabs.y, f.content.y, f.content.height, f.status.y, f.keys.y),
            (0, 1, 21, 22, 23)
        );
        let s = seats(f.content, 1);
        assert_eq!(s.floor_line.y, 1);
        assert_eq!(s.ghosts.bottom(), f.content.bottom());
        assert_eq!(s.zones.width + 1 + s.map.width, 80);
        assert!(s.map.height >= 12);
    }

    #[test]
    fn a_floor_that_fits_is_drawn_one_seat_per_cell() {
        assert_eq!(fit(46, 14, 47, 14), Fit { k: 1, columns: 1 });
        assert_eq!(fit(46, 14, 120, 40), Fit { k: 1, columns: 2 });
        assert_eq!(fit(200, 70, 47, 14), Fit { k: 5, columns: 1 });
    }

    #[test]
    fn tiny_areas_do_not_underflow() {
        for (w, h) in [(0, 0), (1, 1), (5, 2), (60, 3)] {
            let f = frame(Rect::new(0, 0, w, h));
            let s = seats(f.content, 1);
            for r in [s.floor_line, s.zones, s.map, s.legend, s.ghosts] {
                assert!(r.right() <= w && r.bottom() <= h, "{r:?} outside {w}x{h}");
            }
        }
    }
}
