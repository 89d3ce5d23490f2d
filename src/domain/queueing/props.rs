//! Property tests over the whole module: monotonicity in the number of windows, bounds on
//! probabilities, overload as a state, and the invariants of staffing and allocation.

use super::*;
use proptest::prelude::*;

/// Relative slack for comparing two floating-point evaluations that are equal in exact maths.
const SLACK: f64 = 1e-12;

fn queue() -> impl Strategy<Value = Queue> {
    (0.0..2_000.0_f64, 1.0..1_800.0_f64, 0u32..80)
        .prop_map(|(arrivals_per_hour, aht_s, servers)| Queue { arrivals_per_hour, aht_s, servers })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn one_more_window_never_raises_the_wait_nor_lowers_the_service_level(
        q in queue(),
        within_s in 0.0..900.0_f64,
    ) {
        let more = Queue { servers: q.servers + 1, ..q };
        match (q.waiting(), more.waiting()) {
            (Waiting::Stable { mean_wait_s: now, p_wait: p_now, .. },
             Waiting::Stable { mean_wait_s: then, p_wait: p_then, .. }) => {
                prop_assert!(then <= now * (1.0 + SLACK), "{now} → {then}");
                prop_assert!(p_then <= p_now * (1.0 + SLACK), "{p_now} → {p_then}");
            }
            (Waiting::Stable { .. }, Waiting::Overloaded { .. }) => {
                prop_assert!(false, "a window more overloaded a stable queue: {q:?}");
            }
            _ => {}
        }
        match (q.service_level(within_s), more.service_level(within_s)) {
            (Some(now), Some(then)) => prop_assert!(then >= now - SLACK, "{now} → {then}"),
            (Some(_), None) => prop_assert!(false, "a window more lost the service level"),
            _ => {}
        }
    }

    #[test]
    fn service_level_is_a_share(q in queue(), within_s in -100.0..10_000.0_f64) {
        if let Some(sl) = q.service_level(within_s) {
            prop_assert!((0.0..=1.0).contains(&sl), "{sl}");
        }
    }

    #[test]
    fn p_wait_is_a_probability(servers in 0u32..500, share in 0.0..1.5_f64) {
        let load = share * f64::from(servers);
        if let Some(p) = erlang_c(servers, load) {
            prop_assert!((0.0..=1.0).contains(&p), "{p}");
        }
        let b = erlang_b(servers, load);
        prop_assert!((0.0..=1.0).contains(&b), "{b}");
    }

    #[test]
    fn waits_are_finite_and_non_negative(q in queue()) {
        if let Waiting::Stable { p_wait, mean_wait_s, occupancy } = q.waiting() {
            prop_assert!((0.0..=1.0).contains(&p_wait));
            prop_assert!(mean_wait_s.is_finite() && mean_wait_s >= 0.0);
            prop_assert!((0.0..1.0).contains(&occupancy));
        }
    }

    #[test]
    fn overload_is_reported_exactly_when_load_reaches_the_windows(
        q in queue(),
        extra in 0.0..50.0_f64,
    ) {
        let load = q.offered_load();
        let overloaded = load > 0.0 && load >= f64::from(q.servers);
        prop_assert_eq!(q.waiting().is_overloaded(), overloaded);
        prop_assert_eq!(q.service_level(60.0).is_none(), overloaded);
        let beyond = f64::from(q.servers) + extra;
        if beyond > 0.0 {
            prop_assert_eq!(erlang_c(q.servers, beyond), None);
        }
    }
}

fn target() -> impl Strategy<Value = ServiceTarget> {
    (0.0..900.0_f64, 0.0..=1.0_f64, 0.3..=1.0_f64).prop_map(|(within_s, share, max_occupancy)| {
        ServiceTarget { within_s, share, max_occupancy }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn a_recommendation_is_the_fewest_that_meet_the_target_within_the_staff(
        q in queue(),
        t in target(),
        staff in 0u32..120,
    ) {
        let r = recommend(q.arrivals_per_hour, q.aht_s, &t, staff);
        let at = |servers| Queue { servers, ..q };
        prop_assert!(r.windows <= staff);
        prop_assert_eq!(r.meets_target, t.is_met_by(&at(r.windows)));
        prop_assert_eq!(r.expected, at(r.windows).waiting());
        if r.meets_target {
            if let Some(fewer) = r.windows.checked_sub(1) {
                prop_assert!(!t.is_met_by(&at(fewer)), "{fewer} windows would do");
            }
        } else {
            prop_assert_eq!(r.windows, staff);
        }
    }

    #[test]
    fn more_arrivals_never_need_fewer_windows(
        q in queue(),
        more in 0.0..500.0_f64,
        t in target(),
    ) {
        let now = recommend(q.arrivals_per_hour, q.aht_s, &t, 200);
        let busier = recommend(q.arrivals_per_hour + more, q.aht_s, &t, 200);
        prop_assert!(busier.windows >= now.windows, "{} → {}", now.windows, busier.windows);
    }
}

fn slots(max_len: usize, max_span: u32) -> impl Strategy<Value = Vec<Slot>> {
    prop::collection::vec(
        (0.0..60.0_f64, 0u32..3, 0..=max_span).prop_map(|(arrivals, min_windows, span)| Slot {
            arrivals,
            min_windows,
            max_windows: min_windows + span,
        }),
        0..max_len,
    )
}

/// Every way to give each slot between its minimum and maximum windows, `budget` in all.
fn every_allocation(slots: &[Slot], budget: u32) -> Vec<Vec<u32>> {
    let Some((first, rest)) = slots.split_first() else {
        return if budget == 0 { vec![Vec::new()] } else { Vec::new() };
    };
    let mut all = Vec::new();
    for w in first.min_windows..=first.max_windows.min(budget) {
        for mut tail in every_allocation(rest, budget - w) {
            tail.insert(0, w);
            all.push(tail);
        }
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn an_allocation_spends_the_budget_within_the_bounds(
        day in slots(24, 12),
        aht_s in 30.0..600.0_f64,
        budget in 0u32..200,
    ) {
        let a = allocate(&day, aht_s, 900, budget);
        let low: u64 = day.iter().map(|s| u64::from(s.min_windows)).sum();
        let high: u64 = day.iter().map(|s| u64::from(s.max_windows)).sum();
        prop_assert_eq!(a.window_slots(), u64::from(budget).clamp(low, high));
        for (w, s) in a.windows.iter().zip(&day) {
            prop_assert!((s.min_windows..=s.max_windows).contains(w));
        }
        let rescored = total_waiting(day.iter().map(|s| s.arrivals).zip(a.windows.clone()), aht_s, 900);
        prop_assert_eq!(&a.total, &rescored);
    }

    /// No slot is left overloaded that its maximum could make stable while another slot holds
    /// a window it could give up and stay stable.
    #[test]
    fn no_slot_overloaded_while_another_could_spare_a_window(
        day in slots(24, 12),
        aht_s in 30.0..600.0_f64,
        budget in 0u32..200,
    ) {
        let a = allocate(&day, aht_s, 900, budget);
        let at = |i: usize, servers: u32| {
            Queue { arrivals_per_hour: per_hour(day[i].arrivals, 900), aht_s, servers }
        };
        for &i in &a.total.overloaded_slots {
            if at(i, day[i].max_windows).waiting().is_overloaded() {
                continue; // beyond rescue within its bounds
            }
            for (j, &w) in a.windows.iter().enumerate() {
                let spare = j != i && w > day[j].min_windows && !at(j, w - 1).waiting().is_overloaded();
                prop_assert!(!spare, "slot {i} overloaded while slot {j} could spare one: {:?}", a.windows);
            }
        }
    }

    /// On small days an exhaustive search finds no allocation with fewer overloaded slots, nor,
    /// when none need be overloaded, with less total waiting.
    #[test]
    fn an_allocation_is_optimal_on_small_days(
        day in slots(4, 6),
        aht_s in 30.0..600.0_f64,
        extra in 0u32..12,
    ) {
        let low: u32 = day.iter().map(|s| s.min_windows).sum();
        let budget = low + extra;
        let a = allocate(&day, aht_s, 900, budget);
        let score = |windows: &[u32]| {
            total_waiting(day.iter().map(|s| s.arrivals).zip(windows.iter().copied()), aht_s, 900)
        };
        for other in every_allocation(&day, budget) {
            let o = score(&other);
            prop_assert!(a.total.overloaded_slots.len() <= o.overloaded_slots.len(), "{other:?}");
            if o.overloaded_slots.is_empty() {
                prop_assert!(a.total.wait_s <= o.wait_s * (1.0 + 1e-9) + 1e-9,
                    "{:?} waits {} but {other:?} waits {}", a.windows, a.total.wait_s, o.wait_s);
            }
        }
    }
}
