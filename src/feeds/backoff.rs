//! When to try a failing feed again: exponential backoff with full jitter, capped.
//!
//! After the n-th failure in a row the next attempt waits a random time in
//! `[base·2ⁿ⁻¹ / 2, base·2ⁿ⁻¹]`, capped at `max`; jitter keeps consoles that lost the same API
//! at the same moment from hammering it in step when it comes back.

use std::time::Duration;

use rand::Rng;

/// Retry timing of one feed.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Self {
        Self { base, max: max.max(base), failures: 0 }
    }

    /// Consecutive failures so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// Records a failure and returns how long to wait before the next attempt.
    pub fn failed(&mut self, rng: &mut impl Rng) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let ceiling = self.ceiling();
        let low = ceiling / 2;
        let span = ceiling.saturating_sub(low).as_millis() as u64;
        low + Duration::from_millis(if span == 0 { 0 } else { rng.gen_range(0..=span) })
    }

    /// The longest wait after the current number of failures.
    pub fn ceiling(&self) -> Duration {
        let exp = self.failures.saturating_sub(1).min(30);
        self.base.saturating_mul(1u32 << exp).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn waits_grow_then_cap_and_reset_on_success() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let mut last_ceiling = Duration::ZERO;
        for n in 1..=10 {
            let wait = b.failed(&mut rng);
            let ceiling = b.ceiling();
            assert!(wait <= ceiling && wait >= ceiling / 2, "failure {n}: {wait:?} vs {ceiling:?}");
            assert!(ceiling >= last_ceiling);
            last_ceiling = ceiling;
        }
        assert_eq!(b.ceiling(), Duration::from_secs(60));
        assert_eq!(b.failures(), 10);
        b.succeeded();
        assert_eq!(b.failures(), 0);
        b.failed(&mut rng);
        assert_eq!(b.ceiling(), Duration::from_secs(1));
    }
}
