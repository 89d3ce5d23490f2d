//! Erlang B and Erlang C: the waiting of patrons before `c` windows serving one line (M/M/c).
//!
//! Role: turn an arrival rate, a mean handling time and a number of open windows into the
//! probability of waiting, the mean wait, the occupancy and the service level.
//!
//! May use: std and serde only. Pure arithmetic, no I/O.
//!
//! Contract: every number that comes out is finite and, for probabilities, within [0, 1]. A
//! queue that grows without bound (offered load A ≥ c, including arrivals before no window) is
//! [`Waiting::Overloaded`], never an infinite or NaN wait. Negative or NaN rates and times count
//! as zero, so a queue with no arrivals (or no handling time) has no wait. The probability of
//! waiting comes from the Erlang B recursion, which needs no factorials and stays accurate for
//! thousands of windows; its cost grows linearly with the number of windows.

use serde::{Deserialize, Serialize};

/// Seconds in an hour, for turning hourly arrival rates into rates per second.
const HOUR_S: f64 = 3600.0;

/// One line of patrons before `servers` open windows of one service: arrivals at random
/// (Poisson) at `arrivals_per_hour`, handling times exponential with mean `aht_s` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    /// Patrons joining the line per hour.
    pub arrivals_per_hour: f64,
    /// The mean handling time of one patron at a window, in seconds.
    pub aht_s: f64,
    /// Windows open and serving this line.
    pub servers: u32,
}

/// What patrons joining a queue can expect in the long run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Waiting {
    /// The windows keep up; the line stays finite on average.
    Stable {
        /// The probability that a patron has to wait at all, C(c, A).
        p_wait: f64,
        /// The mean wait before service over all patrons, in seconds.
        mean_wait_s: f64,
        /// The share of time a window is busy, A / c.
        occupancy: f64,
    },
    /// Work arrives at least as fast as the windows can do it (A ≥ c), so the line grows for
    /// as long as this lasts and no steady wait exists.
    Overloaded {
        /// The offered load A in erlangs: the windows that would be busy all the time.
        offered_load: f64,
        servers: u32,
    },
}

impl Waiting {
    /// The mean wait in seconds, or `None` when overloaded.
    pub fn mean_wait_s(&self) -> Option<f64> {
        match *self {
            Waiting::Stable { mean_wait_s, .. } => Some(mean_wait_s),
            Waiting::Overloaded { .. } => None,
        }
    }

    /// Whether the line grows without bound.
    pub fn is_overloaded(&self) -> bool {
        matches!(self, Waiting::Overloaded { .. })
    }
}

/// `x` where it is a positive number, zero otherwise (including NaN).
pub(super) fn non_negative(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

impl Queue {
    /// The offered load A = λ·AHT in erlangs, λ in arrivals per second.
    ///
    /// No arrivals (or no handling time) is no load, even against an infinite other factor.
    pub fn offered_load(&self) -> f64 {
        let rate = non_negative(self.arrivals_per_hour) / HOUR_S;
        let aht = non_negative(self.aht_s);
        if rate == 0.0 || aht == 0.0 { 0.0 } else { rate * aht }
    }

    /// The probability of waiting, the mean wait and the occupancy, or overload.
    pub fn waiting(&self) -> Waiting {
        let load = self.offered_load();
        let servers = self.servers;
        let overloaded = Waiting::Overloaded { offered_load: load, servers };
        let Some(p_wait) = erlang_c(servers, load) else {
            return overloaded;
        };
        let c = f64::from(servers);
        let occupancy = if servers == 0 { 0.0 } else { load / c };
        // p_wait > 0 only with load > 0, hence a finite positive AHT and c > A.
        let mean_wait_s = if p_wait == 0.0 { 0.0 } else { p_wait * self.aht_s / (c - load) };
        if !mean_wait_s.is_finite() {
            // A load a hair below c with a huge AHT: a wait too long to represent is, for every
            // purpose a console has, a line that does not clear.
            return overloaded;
        }
        Waiting::Stable { p_wait, mean_wait_s, occupancy }
    }

    /// The service level SL(t) = 1 − C·e^{−(c−A)t/AHT}: the share of patrons whose wait is at
    /// most `within_s` seconds, or `None` when overloaded. A negative or NaN `within_s` counts
    /// as zero, where the service level is the share served at once, 1 − C.
    pub fn service_level(&self, within_s: f64) -> Option<f64> {
        let p_wait = match self.waiting() {
            Waiting::Overloaded { .. } => return None,
            Waiting::Stable { p_wait, .. } => p_wait,
        };
        if p_wait == 0.0 {
            return Some(1.0);
        }
        let spare = f64::from(self.servers) - self.offered_load();
        let decay = (-spare * non_negative(within_s) / self.aht_s).exp();
        Some((1.0 - p_wait * decay).clamp(0.0, 1.0))
    }
}

/// Erlang B: the share of patrons who would find all `servers` windows busy if there were no
/// line to join, by the recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)).
///
/// Every step stays within [0, 1], so the recursion neither overflows nor loses precision the
/// way A^c / c! does. It stops early once B has underflowed to zero.
pub fn erlang_b(servers: u32, offered_load: f64) -> f64 {
    let load = non_negative(offered_load);
    if load.is_infinite() {
        return 1.0;
    }
    let mut b = 1.0;
    for k in 1..=servers {
        let ab = load * b;
        b = ab / (f64::from(k) + ab);
        if b == 0.0 {
            break;
        }
    }
    b
}

/// Erlang C: the probability that a patron has to wait, C(c, A) = c·B / (c − A·(1 − B)) with
/// B = [`erlang_b`]`(c, A)`; `None` when overloaded (A ≥ c with A > 0). No load, no wait.
pub fn erlang_c(servers: u32, offered_load: f64) -> Option<f64> {
    let load = non_negative(offered_load);
    if load == 0.0 {
        return Some(0.0);
    }
    let c = f64::from(servers);
    if load >= c {
        return None;
    }
    let b = erlang_b(servers, load);
    // c − A·(1 − B) > c − A > 0, so the division is safe.
    Some((c * b / (c - load * (1.0 - b))).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() <= tol, "got {got}, want {want} ± {tol}");
    }

    /// 200 arrivals an hour handled in 180 s on average: A = 200/3600 × 180 = 10 erlangs.
    const CHECK: Queue = Queue { arrivals_per_hour: 200.0, aht_s: 180.0, servers: 14 };

    /// DESIGN.md's check values: A = 10, c = 14 → P(wait) = 0.1741319, SL(20 s) = 0.8883500,
    /// mean wait 7.836 s. All three hold with one AHT, 180 s.
    #[test]
    fn design_check_values() {
        close(CHECK.offered_load(), 10.0, 1e-12);
        close(erlang_c(14, 10.0).unwrap(), 0.1741319, 5e-8);
        let Waiting::Stable { p_wait, mean_wait_s, occupancy } = CHECK.waiting() else {
            panic!("A = 10 before 14 windows is stable");
        };
        close(p_wait, 0.1741319, 5e-8);
        close(mean_wait_s, 7.836, 5e-4);
        close(occupancy, 10.0 / 14.0, 1e-12);
        close(CHECK.service_level(20.0).unwrap(), 0.8883500, 5e-8);
    }

    /// The service level's exponent is (c − A)·t / AHT, so SL(20 s) pins AHT: solving
    /// 1 − C·e^{−4·20/AHT} = 0.8883500 for AHT gives 180 s, and the mean wait C·AHT/(c − A)
    /// then comes to 7.836 s; a different AHT would miss both.
    #[test]
    fn the_check_values_pin_aht_at_180_s() {
        let c = 0.1741319_f64;
        let aht = (14.0 - 10.0) * 20.0 / -((1.0 - 0.8883500) / c).ln();
        close(aht, 180.0, 0.01);
        close(c * aht / 4.0, 7.836, 5e-4);
        let slower = Queue { arrivals_per_hour: 150.0, aht_s: 240.0, servers: 14 };
        close(slower.offered_load(), 10.0, 1e-12);
        assert!((slower.service_level(20.0).unwrap() - 0.8883500).abs() > 1e-2);
    }

    /// Small cases by hand: B(1, 1) = 1/2, B(2, 1) = 1/5; C(3, 2) = 4/9; one window at A = 1/2
    /// is M/M/1, where C = ρ and the mean wait is ρ/(1 − ρ) handling times.
    #[test]
    fn small_cases_by_hand() {
        close(erlang_b(1, 1.0), 0.5, 1e-15);
        close(erlang_b(2, 1.0), 0.2, 1e-15);
        close(erlang_b(0, 3.0), 1.0, 0.0);
        close(erlang_c(3, 2.0).unwrap(), 4.0 / 9.0, 1e-15);
        let mm1 = Queue { arrivals_per_hour: 6.0, aht_s: 300.0, servers: 1 };
        close(erlang_c(1, mm1.offered_load()).unwrap(), 0.5, 1e-15);
        close(mm1.waiting().mean_wait_s().unwrap(), 300.0, 1e-9);
        // M/M/1: P(W > t) = ρ·e^{−(1−ρ)t/AHT}.
        close(mm1.service_level(600.0).unwrap(), 1.0 - 0.5 * (-1.0_f64).exp(), 1e-15);
    }

    /// Erlang C summed in log space, term by term, as an independent check on the recursion.
    fn erlang_c_by_log_terms(c: u32, a: f64) -> f64 {
        let mut log_terms = Vec::new();
        let mut log_fact = 0.0;
        for k in 0..c {
            if k > 0 {
                log_fact += f64::from(k).ln();
            }
            log_terms.push(f64::from(k) * a.ln() - log_fact);
        }
        let log_last = f64::from(c) * a.ln() - (log_fact + f64::from(c).ln())
            + (f64::from(c) / (f64::from(c) - a)).ln();
        let top = log_terms.iter().copied().fold(log_last, f64::max);
        let sum: f64 = log_terms.iter().map(|t| (t - top).exp()).sum::<f64>();
        let last = (log_last - top).exp();
        last / (sum + last)
    }

    #[test]
    fn stays_accurate_for_thousands_of_windows() {
        for (c, a) in
            [(14, 10.0), (120, 100.0), (1_000, 950.0), (5_000, 4_990.0), (10_000, 9_000.0)]
        {
            let p = erlang_c(c, a).unwrap();
            let reference = erlang_c_by_log_terms(c, a);
            assert!((0.0..=1.0).contains(&p));
            assert!(
                (p - reference).abs() <= 1e-9 * reference.max(1e-300),
                "c={c}: {p} vs {reference}"
            );
        }
        // Far more windows than load: nobody waits, and the recursion stops early.
        assert_eq!(erlang_c(u32::MAX, 2.0), Some(0.0));
    }

    #[test]
    fn overload_is_a_state_not_a_number() {
        assert_eq!(erlang_c(14, 14.0), None);
        assert_eq!(erlang_c(0, 0.1), None);
        let at_capacity = Queue { arrivals_per_hour: 280.0, aht_s: 180.0, servers: 14 };
        assert!(at_capacity.waiting().is_overloaded());
        assert_eq!(at_capacity.service_level(20.0), None);
        let no_window = Queue { arrivals_per_hour: 1.0, aht_s: 60.0, servers: 0 };
        let Waiting::Overloaded { offered_load, servers } = no_window.waiting() else {
            panic!("arrivals before no window overload");
        };
        close(offered_load, 1.0 / 60.0, 1e-15);
        assert_eq!(servers, 0);
        let endless = Queue { aht_s: f64::INFINITY, ..CHECK };
        assert!(endless.waiting().is_overloaded());
        // A hair below capacity with an enormous AHT: the mean wait would overflow to infinity.
        let aht_s = 14.0 * 3600.0 * (1.0 - 4e-16) * 1e300;
        let nearly = Queue { arrivals_per_hour: 1e-300, aht_s, servers: 14 };
        assert!(nearly.offered_load() < 14.0);
        assert!(nearly.waiting().is_overloaded());
        assert_eq!(nearly.service_level(20.0), None);
    }

    #[test]
    fn no_arrivals_no_wait() {
        for servers in [0, 1, 14] {
            for arrivals_per_hour in [0.0, -5.0, f64::NAN] {
                let q = Queue { arrivals_per_hour, aht_s: 180.0, servers };
                assert_eq!(q.offered_load(), 0.0);
                assert_eq!(
                    q.waiting(),
                    Waiting::Stable { p_wait: 0.0, mean_wait_s: 0.0, occupancy: 0.0 }
                );
                assert_eq!(q.service_level(0.0), Some(1.0));
            }
        }
        let instant = Queue { aht_s: 0.0, ..CHECK };
        assert_eq!(instant.waiting().mean_wait_s(), Some(0.0));
        let never = Queue { arrivals_per_hour: 0.0, aht_s: f64::INFINITY, servers: 0 };
        assert_eq!(never.offered_load(), 0.0);
    }

    #[test]
    fn service_level_at_the_edges_of_time() {
        let p = erlang_c(14, 10.0).unwrap();
        close(CHECK.service_level(0.0).unwrap(), 1.0 - p, 1e-15);
        close(CHECK.service_level(-3.0).unwrap(), 1.0 - p, 1e-15);
        close(CHECK.service_level(f64::NAN).unwrap(), 1.0 - p, 1e-15);
        assert_eq!(CHECK.service_level(f64::INFINITY), Some(1.0));
    }
}
