//! A day's staffing plan for one service: for each slot, the windows the forecast needs, shaped
//! into shifts a rota can fill, within the opening hours and the windows there are.
//!
//! Three rules turn the slot-by-slot need of [`super::recommend`] into a plan:
//! - a closed slot (outside the opening hours) gets no window and needs none;
//! - a window once opened stays open at least `min_shift` slots, and a window is not closed for
//!   a gap shorter than that when it is needed again (morphological closing of the need), so a
//!   need of 2/1/2/1 every quarter-hour plans 2 throughout;
//! - the plan never has more windows than there are; where the need is higher, the slot says so
//!   (`needed` above `windows`) instead of lowering the need.
//!
//! Pure; times are only carried through.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Queue;
use super::staffing::{ServiceTarget, per_hour, recommend};

/// The forecast for one slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlotForecast {
    pub start: DateTime<Utc>,
    /// Arrivals expected in the slot, and the 80% range.
    pub arrivals: f64,
    pub lower: f64,
    pub upper: f64,
    /// Whether the desks are open during the slot.
    pub open: bool,
}

/// One slot of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlannedSlot {
    pub start: DateTime<Utc>,
    pub arrivals: f64,
    pub lower: f64,
    pub upper: f64,
    pub open: bool,
    /// Windows the shifts need in this slot (0 when closed), whether or not there are so many.
    pub needed: u32,
    /// Windows planned: `needed`, at most the windows there are.
    pub windows: u32,
    /// Whether the planned windows meet the target in this slot.
    pub meets_target: bool,
}

impl PlannedSlot {
    /// Windows the need is above what can be staffed.
    pub fn short_by(&self) -> u32 {
        self.needed.saturating_sub(self.windows)
    }
}

/// More windows than any service desk has: the need is searched up to this.
const MOST_WINDOWS: u32 = 64;

/// The plan for `slots` (in time order, each `slot_s` long) of a service whose patrons take
/// `aht_s` seconds each, with `capacity` windows, shifts at least `min_shift` slots long.
pub fn day_plan(
    slots: &[SlotForecast],
    aht_s: f64,
    target: &ServiceTarget,
    slot_s: u32,
    capacity: u32,
    min_shift: usize,
) -> Vec<PlannedSlot> {
    let raw: Vec<u32> = slots
        .iter()
        .map(|s| {
            if s.open {
                recommend(per_hour(s.arrivals.max(0.0), slot_s), aht_s, target, MOST_WINDOWS)
                    .windows
            } else {
                0
            }
        })
        .collect();
    let needed = shifts(&raw, &slots.iter().map(|s| s.open).collect::<Vec<_>>(), min_shift);
    slots
        .iter()
        .zip(needed)
        .map(|(s, needed)| {
            let windows = needed.min(capacity);
            let queue = Queue {
                arrivals_per_hour: per_hour(s.arrivals.max(0.0), slot_s),
                aht_s,
                servers: windows,
            };
            PlannedSlot {
                start: s.start,
                arrivals: s.arrivals,
                lower: s.lower,
                upper: s.upper,
                open: s.open,
                needed,
                windows,
                meets_target: !s.open || s.arrivals <= 0.0 || target.is_met_by(&queue),
            }
        })
        .collect()
}

/// The need shaped into shifts of at least `min_shift` slots: each rise is held for
/// `min_shift` slots, then dips shorter than `min_shift` between higher levels are filled.
/// Closed slots stay at 0 and cut shifts.
fn shifts(need: &[u32], open: &[bool], min_shift: usize) -> Vec<u32> {
    let l = min_shift.max(1);
    let n = need.len();
    // Hold: the most needed over the last `l` open slots.
    let held: Vec<u32> = (0..n)
        .map(|i| {
            if !open[i] {
                return 0;
            }
            let mut m = 0;
            for j in (0..=i).rev().take(l) {
                if !open[j] {
                    break;
                }
                m = m.max(need[j]);
            }
            m
        })
        .collect();
    // Fill: a slot between a higher level less than `l` slots before and one less than `l`
    // slots after rises to the lower of the two.
    (0..n)
        .map(|i| {
            if !open[i] {
                return 0;
            }
            let before = (0..i).rev().take(l - 1).take_while(|&j| open[j]).map(|j| held[j]).max();
            let after = (i + 1..n).take(l - 1).take_while(|&j| open[j]).map(|j| held[j]).max();
            match (before, after) {
                (Some(b), Some(a)) => held[i].max(b.min(a)),
                _ => held[i],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn target() -> ServiceTarget {
        ServiceTarget { within_s: 300.0, share: 0.8, max_occupancy: 0.85 }
    }

    fn day(arrivals: &[f64], open_from: usize, open_to: usize) -> Vec<SlotForecast> {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap();
        arrivals
            .iter()
            .enumerate()
            .map(|(i, a)| SlotForecast {
                start: t0 + Duration::minutes(15 * i as i64),
                arrivals: *a,
                lower: *a,
                upper: *a,
                open: (open_from..open_to).contains(&i),
            })
            .collect()
    }

    #[test]
    fn no_window_after_closing_however_the_forecast_trails_off() {
        let slots = day(&[0.4, 6.0, 6.0, 0.3, 0.2], 1, 3);
        let plan = day_plan(&slots, 180.0, &target(), 900, 4, 1);
        let windows: Vec<u32> = plan.iter().map(|p| p.windows).collect();
        assert_eq!(windows[0], 0, "before opening");
        assert!(windows[1] >= 1 && windows[2] >= 1);
        assert_eq!(&windows[3..], &[0, 0], "after closing");
    }

    #[test]
    fn a_need_that_flips_every_slot_is_planned_as_one_shift() {
        assert_eq!(
            shifts(&[2, 1, 2, 1, 2, 1, 1, 1, 1, 1], &[true; 10], 4),
            vec![2, 2, 2, 2, 2, 2, 2, 2, 1, 1]
        );
        assert_eq!(shifts(&[2, 1, 2, 1], &[true; 4], 1), vec![2, 1, 2, 1], "no shaping at 1");
        // A closed slot cuts the shift.
        assert_eq!(shifts(&[2, 2, 0, 1], &[true, true, false, true], 4), vec![2, 2, 0, 1]);
    }

    #[test]
    fn every_rise_lasts_the_shortest_shift_and_no_need_is_lowered() {
        let need = [0, 3, 0, 0, 0, 0, 1, 4, 1, 0, 0, 0, 0, 0];
        let l = 4;
        let s = shifts(&need, &[true; 14], l);
        assert!(s.iter().zip(&need).all(|(p, n)| p >= n), "{s:?}");
        for i in 1..s.len() {
            if s[i] > s[i - 1] {
                assert!(s[i..(i + l).min(s.len())].iter().all(|v| *v >= s[i]), "{s:?}");
            }
        }
    }

    #[test]
    fn a_need_above_the_windows_there_are_is_said_not_hidden() {
        let slots = day(&[40.0], 0, 1);
        let plan = day_plan(&slots, 180.0, &target(), 900, 2, 1);
        assert_eq!(plan[0].windows, 2);
        assert!(plan[0].needed > 2);
        assert_eq!(plan[0].short_by(), plan[0].needed - 2);
        assert!(!plan[0].meets_target);
    }
}
