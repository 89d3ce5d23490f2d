//! Deterministic randomness for the simulator: counter-based hashing and small per-stream
//! generators.
//!
//! Every random choice is drawn from a stream named by a key such as (seed, purpose, seat,
//! day). Two streams never share state, so what one part of the model draws cannot shift what
//! another part sees: the arrivals at a desk do not depend on the staffing schedule, and a seat's
//! day does not depend on how many other seats were simulated before it. The generator is
//! SplitMix64 (Steele, Lea and Flood, 2014), small enough to keep one per seat.
//!
//! May use: std, rand_core traits. Contract: the same key gives the same sequence on every
//! platform and in every release of this module; changing the mixing changes every simulation.

use rand::RngCore;

/// What a stream is for; part of every stream's key so that purposes never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    SeatDay = 1,
    SensorDay = 2,
    OutOfService = 3,
    Arrivals = 4,
    ServiceWork = 5,
    Environment = 6,
    FaultDecision = 7,
    FaultRecords = 8,
    Patrons = 9,
    Catalogue = 10,
    Recommendations = 11,
    Activity = 12,
    LibCal = 13,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a bijective mix of 64 bits.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Folds the parts of a key into one well-mixed 64-bit value.
pub fn key(seed: u64, purpose: Purpose, parts: &[u64]) -> u64 {
    let mut h = mix(seed ^ GOLDEN);
    h = mix(h ^ (purpose as u64).wrapping_mul(GOLDEN));
    for &p in parts {
        h = mix(h.wrapping_add(GOLDEN) ^ p);
    }
    h
}

/// A number in [0, 1) that depends only on the key: for decisions that need no sequence.
pub fn unit_at(seed: u64, purpose: Purpose, parts: &[u64]) -> f64 {
    to_unit(key(seed, purpose, parts))
}

fn to_unit(x: u64) -> f64 {
    // The top 53 bits fill an f64 mantissa exactly.
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A SplitMix64 generator: one independent stream of random numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    state: u64,
}

impl Stream {
    /// The stream named by `seed`, `purpose` and `parts`.
    pub fn new(seed: u64, purpose: Purpose, parts: &[u64]) -> Self {
        Self { state: key(seed, purpose, parts) }
    }

    fn step(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        to_unit(self.step())
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A number in [lo, hi).
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// An index in [0, n); 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Multiply-shift keeps the bias below 2^-32 for any n a simulation uses.
        ((u128::from(self.step()) * n as u128) >> 64) as usize
    }

    /// An exponentially distributed number with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        // 1 - unit() is in (0, 1], so the logarithm is finite.
        -mean * (1.0 - self.unit()).ln()
    }

    /// One element of a non-empty slice, uniformly.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { items.get(self.below(items.len())) }
    }
}

impl RngCore for Stream {
    fn next_u32(&mut self) -> u32 {
        (self.step() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.step()
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.step().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_keyed() {
        let mut a = Stream::new(7, Purpose::SeatDay, &[3, 20_000]);
        let mut b = Stream::new(7, Purpose::SeatDay, &[3, 20_000]);
        let mut c = Stream::new(7, Purpose::SeatDay, &[4, 20_000]);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..5).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        assert_ne!(key(7, Purpose::SeatDay, &[1]), key(7, Purpose::SensorDay, &[1]));
    }

    #[test]
    fn draws_have_the_right_ranges_and_means() {
        let mut s = Stream::new(1, Purpose::Arrivals, &[]);
        let n = 20_000;
        let mut sum_exp = 0.0;
        let mut hits = 0;
        for _ in 0..n {
            let u = s.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(s.below(6) < 6);
            sum_exp += s.exp(2.0);
            if s.chance(0.3) {
                hits += 1;
            }
        }
        let mean = sum_exp / f64::from(n);
        assert!((mean - 2.0).abs() < 0.1, "mean of exp(2) was {mean}");
        let share = f64::from(hits) / f64::from(n);
        assert!((share - 0.3).abs() < 0.02, "chance(0.3) hit {share}");
        assert_eq!(s.below(0), 0);
        assert!(s.pick::<u8>(&[]).is_none());
    }
}
