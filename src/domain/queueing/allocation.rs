//! Spreading a fixed budget of window-slots over the slots of a day so that patrons wait least.
//!
//! Role: the forecast-driven side of the study comparing a static rota with forecast-driven
//! staffing at equal staff-hours; [`total_waiting`] scores either side the same way.
//!
//! May use: std, serde and the rest of [`super`]. Pure arithmetic, no I/O.
//!
//! Contract: [`allocate`] gives every slot between its minimum and maximum windows, and the
//! windows sum to the budget whenever the bounds allow (else to the nearest bound sum). It adds
//! one window-slot at a time where it helps most, in this order:
//! 1. an overloaded slot that its maximum can make stable, fewest missing windows first (so as
//!    few slots as possible are left overloaded);
//! 2. an overloaded slot that stays overloaded even at its maximum, largest excess load first:
//!    the steady-state model sees no gain there, but each window slows the growth of its line;
//! 3. a stable slot, largest cut in expected waiting (arrivals × mean wait) first;
//! 4. anywhere with room, earliest slot first (the budget outlasts every gain).
//!
//! Ties go to the earliest slot, so the result is deterministic. Because the M/M/c mean wait is
//! decreasing and convex in the number of windows (Dyer & Proll, 1977), step 3 on its own is
//! the exact minimum of total waiting over the stable slots, not just a heuristic.

use std::cmp::Reverse;

use serde::{Deserialize, Serialize};

use super::erlang::{Queue, Waiting, non_negative};
use super::staffing::per_hour;

/// One slot's forecast demand and the windows it may have.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// Patrons forecast to arrive during the slot (not per hour).
    pub arrivals: f64,
    /// Windows that must be open in this slot (e.g. one during opening hours).
    pub min_windows: u32,
    /// Windows that can be open in this slot (physical windows, staff who could be rostered);
    /// a maximum below the minimum counts as the minimum.
    pub max_windows: u32,
}

/// The expected waiting of a whole plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalWaiting {
    /// Σ arrivals × mean wait over the stable slots, in patron-seconds.
    pub wait_s: f64,
    /// Slots, by index, whose windows cannot keep up; their waiting is not in `wait_s`.
    pub overloaded_slots: Vec<usize>,
}

/// Windows per slot and what they are expected to achieve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    /// Open windows per slot, in the order of the slots given.
    pub windows: Vec<u32>,
    pub total: TotalWaiting,
}

impl Allocation {
    /// The window-slots used, Σ windows.
    pub fn window_slots(&self) -> u64 {
        self.windows.iter().map(|&w| u64::from(w)).sum()
    }
}

/// The queue of a slot of `slot_s` seconds with `arrivals` in it and `windows` open.
fn slot_queue(arrivals: f64, aht_s: f64, slot_s: u32, windows: u32) -> Queue {
    Queue { arrivals_per_hour: per_hour(non_negative(arrivals), slot_s), aht_s, servers: windows }
}

/// The expected waiting of `(arrivals in the slot, open windows)` per slot, for slots of
/// `slot_s` seconds and a mean handling time of `aht_s` seconds.
pub fn total_waiting(
    plan: impl IntoIterator<Item = (f64, u32)>,
    aht_s: f64,
    slot_s: u32,
) -> TotalWaiting {
    let mut total = TotalWaiting { wait_s: 0.0, overloaded_slots: Vec::new() };
    for (index, (arrivals, windows)) in plan.into_iter().enumerate() {
        match slot_queue(arrivals, aht_s, slot_s, windows).waiting() {
            Waiting::Stable { mean_wait_s, .. } => {
                total.wait_s += non_negative(arrivals) * mean_wait_s
            }
            Waiting::Overloaded { .. } => total.overloaded_slots.push(index),
        }
    }
    total
}

/// How much a slot gains from one window more, ordered from least to most: the derived order
/// compares the variant first (declaration order), then its value.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
enum Claim {
    /// The model sees no gain.
    Idle,
    /// Stable: the expected waiting it cuts, in patron-seconds.
    Cut(f64),
    /// Overloaded even at its maximum: the excess load A − c in erlangs.
    Hopeless(f64),
    /// Overloaded, but stable at its maximum: windows still missing, fewer ranking higher.
    Rescue(Reverse<u64>),
}

/// The claim of a slot with `windows` open on one window more, or `None` when it is full.
fn claim(slot: &Slot, aht_s: f64, slot_s: u32, windows: u32) -> Option<Claim> {
    let max = slot.max_windows.max(slot.min_windows);
    if windows >= max {
        return None;
    }
    let queue = slot_queue(slot.arrivals, aht_s, slot_s, windows);
    let more = Queue { servers: windows + 1, ..queue };
    Some(match (queue.waiting(), more.waiting()) {
        (Waiting::Stable { mean_wait_s: now, .. }, Waiting::Stable { mean_wait_s: then, .. }) => {
            let cut = non_negative(slot.arrivals) * (now - then);
            if cut > 0.0 { Claim::Cut(cut) } else { Claim::Idle }
        }
        (Waiting::Overloaded { offered_load, .. }, _) => {
            let at_max = Queue { servers: max, ..queue };
            if at_max.waiting().is_overloaded() {
                Claim::Hopeless(offered_load - f64::from(windows))
            } else {
                // The smallest stable count is ⌊A⌋ + 1; the cast saturates.
                let needed = offered_load.floor() as u64 + 1;
                Claim::Rescue(Reverse(needed.saturating_sub(u64::from(windows))))
            }
        }
        // A stable queue stays stable with a window more; nothing to gain if not.
        (Waiting::Stable { .. }, Waiting::Overloaded { .. }) => Claim::Idle,
    })
}

/// Windows per slot summing to `budget` window-slots (or as close as the slots' bounds allow)
/// that leave as few slots overloaded as possible and then minimise Σ arrivals × mean wait.
///
/// `slots` are consecutive slots of `slot_s` seconds of one service whose patrons take `aht_s`
/// seconds on average; the order of preference is in the module header.
pub fn allocate(slots: &[Slot], aht_s: f64, slot_s: u32, budget: u32) -> Allocation {
    let windows = spread(slots, &|_| aht_s, slot_s, u64::from(budget));
    let total =
        total_waiting(slots.iter().map(|s| s.arrivals).zip(windows.iter().copied()), aht_s, slot_s);
    Allocation { windows, total }
}

/// Like [`allocate`] over several services at once, each with its own handling time: one
/// budget of window-slots is shared, so staff go to whichever service and slot needs them
/// most (as a library moves staff between desks). Returns the windows per slot of each group.
pub fn allocate_services(groups: &[(&[Slot], f64)], slot_s: u32, budget: u64) -> Vec<Vec<u32>> {
    let flat: Vec<Slot> = groups.iter().flat_map(|(slots, _)| slots.iter().copied()).collect();
    let ahts: Vec<f64> =
        groups.iter().flat_map(|(slots, aht)| std::iter::repeat_n(*aht, slots.len())).collect();
    let windows = spread(&flat, &|i| ahts[i], slot_s, budget);
    let mut out = Vec::with_capacity(groups.len());
    let mut rest = windows.as_slice();
    for (slots, _) in groups {
        let (mine, after) = rest.split_at(slots.len());
        out.push(mine.to_vec());
        rest = after;
    }
    out
}

/// The greedy allocation itself, with the handling time of slot `i` given by `aht(i)`.
fn spread(slots: &[Slot], aht: &dyn Fn(usize) -> f64, slot_s: u32, budget: u64) -> Vec<u32> {
    let mut windows: Vec<u32> = slots.iter().map(|s| s.min_windows).collect();
    let mut used: u64 = windows.iter().map(|&w| u64::from(w)).sum();
    let mut claims: Vec<Option<Claim>> = slots
        .iter()
        .zip(&windows)
        .enumerate()
        .map(|(i, (s, &w))| claim(s, aht(i), slot_s, w))
        .collect();
    while used < budget {
        let mut best: Option<(usize, Claim)> = None;
        for (index, c) in claims.iter().enumerate() {
            if let Some(c) = *c
                && best.is_none_or(|(_, b)| c > b)
            {
                best = Some((index, c));
            }
        }
        let Some((index, claim_now)) = best else {
            break; // every slot is at its maximum
        };
        if claim_now == Claim::Idle {
            // Nothing left gains anything, and filling one window at a time earliest first
            // would fill each slot in turn: do that in one go.
            for (w, s) in windows.iter_mut().zip(slots) {
                let room = s.max_windows.max(s.min_windows) - *w;
                // What is left of the budget is capped by the room, which fits in a u32.
                let add = room.min(u32::try_from(budget - used).unwrap_or(u32::MAX));
                *w += add;
                used += u64::from(add);
            }
            break;
        }
        windows[index] += 1;
        used += 1;
        claims[index] = claim(&slots[index], aht(index), slot_s, windows[index]);
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    const AHT_S: f64 = 180.0;
    const SLOT_S: u32 = 900;

    fn slot(arrivals: f64) -> Slot {
        Slot { arrivals, min_windows: 1, max_windows: 20 }
    }

    /// Eight hours of 15-minute slots: 10 arrivals a slot (A = 2) rising to 60 at midday
    /// (A = 12), 670 patrons in all.
    fn peaked_day() -> Vec<Slot> {
        [
            10, 10, 10, 10, 10, 10, 10, 10, 11, 12, 15, 20, 28, 38, 49, 57, 60, 57, 49, 38, 28, 20,
            15, 12, 11, 10, 10, 10, 10, 10, 10, 10,
        ]
        .into_iter()
        .map(|a| slot(f64::from(a)))
        .collect()
    }

    fn flat(slots: &[Slot], windows: u32) -> TotalWaiting {
        total_waiting(slots.iter().map(|s| (s.arrivals, windows)), AHT_S, SLOT_S)
    }

    #[test]
    fn total_waiting_is_arrivals_times_mean_wait() {
        // The DESIGN check value: 50 in 15 minutes at 180 s is A = 10; 14 windows wait 7.836 s.
        let t = total_waiting([(50.0, 14), (0.0, 0), (50.0, 10)], AHT_S, SLOT_S);
        assert!((t.wait_s - 50.0 * 7.835937).abs() < 1e-4, "{}", t.wait_s);
        assert_eq!(t.overloaded_slots, vec![2]);
    }

    /// At 13 windows all day (416 window-slots) every slot is stable but the midday A = 12
    /// before 13 windows waits long: 16,275 patron-seconds in all (24 s a patron). The same 416
    /// spread by forecast (10 in the quiet hours, 20 at the peak) bring it to 73.
    #[test]
    fn beats_a_flat_rota_on_a_peaked_day() {
        let day = peaked_day();
        let a = allocate(&day, AHT_S, SLOT_S, 13 * 32);
        assert_eq!(a.window_slots(), 13 * 32);
        let static_rota = flat(&day, 13);
        assert!(static_rota.overloaded_slots.is_empty());
        assert!(a.total.overloaded_slots.is_empty());
        assert!((static_rota.wait_s - 16_274.83).abs() < 0.01, "{}", static_rota.wait_s);
        assert!((a.total.wait_s - 73.44).abs() < 0.01, "{}", a.total.wait_s);
        // The peak gets more than the flat 13, the quiet morning fewer.
        assert!(a.windows[16] > 13 && a.windows[0] < 13, "{:?}", a.windows);
    }

    /// At 10 windows all day the three midday slots (A = 11.4, 12, 11.4) are overloaded; the
    /// same 320 window-slots by forecast leave none overloaded, 197 patron-seconds in all.
    #[test]
    fn rescues_the_peak_a_flat_rota_overloads() {
        let day = peaked_day();
        let static_rota = flat(&day, 10);
        assert_eq!(static_rota.overloaded_slots, vec![15, 16, 17]);
        let a = allocate(&day, AHT_S, SLOT_S, 10 * 32);
        assert_eq!(a.window_slots(), 10 * 32);
        assert!(a.total.overloaded_slots.is_empty(), "{:?}", a.windows);
        assert!((a.total.wait_s - 197.47).abs() < 0.01, "{}", a.total.wait_s);
    }

    /// A = 2.5 needs 3 windows and A = 5.5 needs 6: the nearer rescue comes first, and both
    /// come before a stable slot's gain however large.
    #[test]
    fn overloaded_slots_first_nearest_rescue_first() {
        let slots = [
            Slot { arrivals: 12.5, min_windows: 0, max_windows: 10 },
            Slot { arrivals: 27.5, min_windows: 0, max_windows: 10 },
            Slot { arrivals: 49.0, min_windows: 10, max_windows: 20 },
        ];
        let a = allocate(&slots, AHT_S, SLOT_S, 13);
        assert_eq!(a.windows, vec![3, 0, 10]);
        assert_eq!(a.total.overloaded_slots, vec![1]);
        assert_eq!(allocate(&slots, AHT_S, SLOT_S, 19).windows, vec![3, 6, 10]);
    }

    /// A slot that stays overloaded at its maximum still takes windows before stable slots,
    /// but only after every slot that can be rescued is.
    #[test]
    fn hopeless_slots_after_rescues_before_gains() {
        let slots = [
            Slot { arrivals: 49.0, min_windows: 10, max_windows: 20 },
            Slot { arrivals: 60.0, min_windows: 0, max_windows: 4 },
            Slot { arrivals: 12.5, min_windows: 0, max_windows: 10 },
        ];
        assert_eq!(allocate(&slots, AHT_S, SLOT_S, 13).windows, vec![10, 0, 3]);
        assert_eq!(allocate(&slots, AHT_S, SLOT_S, 17).windows, vec![10, 4, 3]);
        assert_eq!(allocate(&slots, AHT_S, SLOT_S, 18).windows, vec![11, 4, 3]);
    }

    #[test]
    fn bounds_win_over_the_budget() {
        let slots = [
            Slot { arrivals: 5.0, min_windows: 2, max_windows: 3 },
            Slot { arrivals: 5.0, min_windows: 4, max_windows: 1 },
        ];
        assert_eq!(allocate(&slots, AHT_S, SLOT_S, 0).windows, vec![2, 4]);
        assert_eq!(allocate(&slots, AHT_S, SLOT_S, 100).windows, vec![3, 4]);
        assert_eq!(allocate(&[], AHT_S, SLOT_S, 5).windows, Vec::<u32>::new());
    }

    #[test]
    fn ties_go_to_the_earliest_slot_and_spare_windows_fill_in_order() {
        let twins = [slot(20.0), slot(20.0)];
        assert_eq!(allocate(&twins, AHT_S, SLOT_S, 9).windows, vec![5, 4]);
        let quiet = [
            Slot { arrivals: 0.0, min_windows: 0, max_windows: 2 },
            Slot { arrivals: 0.0, min_windows: 0, max_windows: 2 },
        ];
        assert_eq!(allocate(&quiet, AHT_S, SLOT_S, 3).windows, vec![2, 1]);
    }

    #[test]
    fn a_shared_budget_goes_to_the_service_that_needs_it() {
        // Two services over the same eight slots: a busy one (long errands) and a quiet one.
        let busy: Vec<Slot> =
            (0..8).map(|_| Slot { arrivals: 30.0, min_windows: 1, max_windows: 8 }).collect();
        let quiet: Vec<Slot> =
            (0..8).map(|_| Slot { arrivals: 2.0, min_windows: 1, max_windows: 8 }).collect();
        let out = allocate_services(&[(&busy, 300.0), (&quiet, 120.0)], SLOT_S, 60);
        let sum: u32 = out.iter().flatten().sum();
        assert_eq!(sum, 60);
        let (b, q): (u32, u32) = (out[0].iter().sum(), out[1].iter().sum());
        assert!(b > 3 * q, "busy {b}, quiet {q}");
        // One group alone matches `allocate`.
        let alone = allocate_services(&[(&busy, 300.0)], SLOT_S, 40);
        assert_eq!(alone[0], allocate(&busy, 300.0, SLOT_S, 40).windows);
    }
}
