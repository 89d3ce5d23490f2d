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
