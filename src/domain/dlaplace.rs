//! Discrete Laplace noise for transparency reports, sampled exactly with integer arithmetic
//! (Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy", 2020,
//! algorithms 1 and 2), so no floating-point rounding can leak the true count. For a count
//! (sensitivity 1) and privacy loss ε = num/den, the noise Y has P(Y = y) ∝ exp(−ε·|y|).
//!
//! Pure: the caller brings the random source.

use rand::Rng;

/// ε as a fraction `num/den`, both positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epsilon {
    pub num: u64,
    pub den: u64,
}

impl Epsilon {
    /// ε from a decimal with at most three places (`0.5`, `1`, `0.125`); 0.001 ≤ ε ≤ 10.
    pub fn parse(s: &str) -> Result<Epsilon, String> {
        let bad = || format!("'{s}' is not an ε between 0.001 and 10 with at most three decimals");
        let (whole, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
        if frac.len() > 3 || whole.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        let digits = |t: &str| t.is_empty() || t.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(frac) {
            return Err(bad());
        }
        let w: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
        let f: u64 =
            if frac.is_empty() { 0 } else { format!("{frac:0<3}").parse().map_err(|_| bad())? };
        let num = w.checked_mul(1000).and_then(|x| x.checked_add(f)).ok_or_else(bad)?;
        if !(1..=10_000).contains(&num) {
            return Err(bad());
        }
        let g = gcd(num, 1000);
        Ok(Epsilon { num: num / g, den: 1000 / g })
    }

    pub fn value(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The noise's scale b = 1/ε, as reports state it.
    pub fn scale(self) -> f64 {
        self.den as f64 / self.num as f64
    }

    /// The noise's variance 2q/(1−q)² with q = e^(−ε).
    pub fn variance(self) -> f64 {
        let q = (-self.value()).exp();
        2.0 * q / ((1.0 - q) * (1.0 - q))
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// True with probability num/den.
fn bernoulli<R: Rng + ?Sized>(rng: &mut R, num: u64, den: u64) -> bool {
    rng.gen_range(0..den) < num
}

/// True with probability exp(−num/den), exactly.
fn bernoulli_exp<R: Rng + ?Sized>(rng: &mut R, num: u64, den: u64) -> bool {
    if num <= den {
        // Count how many Bernoulli(γ/k) in a row come up true; odd counts are heads.
        let mut k = 1u64;
        while bernoulli(rng, num, den.saturating_mul(k)) {
            k += 1;
        }
        return k % 2 == 1;
    }
    for _ in 0..num / den {
        if !bernoulli_exp(rng, 1, 1) {
            return false;
        }
    }
    bernoulli_exp(rng, num % den, den)
}

/// One draw of discrete Laplace noise for privacy loss `eps` (scale 1/ε).
pub fn sample<R: Rng + ?Sized>(rng: &mut R, eps: Epsilon) -> i64 {
    // Scale t/s with s = num, t = den.
    let (s, t) = (eps.num, eps.den);
    loop {
        let u = rng.gen_range(0..t);
        if !bernoulli_exp(rng, u, t) {
            continue;
        }
        let mut v = 0u64;
        while bernoulli_exp(rng, 1, 1) {
            v += 1;
        }
        let x = u + t * v;
        let y = (x / s) as i64;
        let negative = bernoulli(rng, 1, 2);
        if negative && y == 0 {
            continue;
        }
        return if negative { -y } else { y };
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn epsilon_reads_decimals_exactly() {
        assert_eq!(Epsilon::parse("0.5"), Ok(Epsilon { num: 1, den: 2 }));
        assert_eq!(Epsilon::parse("1"), Ok(Epsilon { num: 1, den: 1 }));
        assert_eq!(Epsilon::parse("0.125"), Ok(Epsilon { num: 1, den: 8 }));
        assert_eq!(Epsilon::parse(".25"), Ok(Epsilon { num: 1, den: 4 }));
        for bad in ["0", "0.0001", "11", "-1", "1e-3", "", ".", "0.5.1", "NaN"] {
            assert!(Epsilon::parse(bad).is_err(), "{bad}");
        }
    }

    /// Over many draws with a fixed seed the empirical mean and variance match the
    /// distribution's (0 and 2q/(1−q)²) within a few standard errors, and the shape is
    /// symmetric with P(0) = (1−q)/(1+q).
    #[test]
    fn draws_match_the_theory() {
        for (eps, n) in [("0.5", 200_000), ("1", 200_000), ("0.1", 100_000)] {
            let e = Epsilon::parse(eps).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(20261121);
            let draws: Vec<i64> = (0..n).map(|_| sample(&mut rng, e)).collect();
            let nf = n as f64;
            let mean = draws.iter().sum::<i64>() as f64 / nf;
            let var = draws.iter().map(|&d| (d as f64 - mean).powi(2)).sum::<f64>() / (nf - 1.0);
            let theory = e.variance();
            let se_mean = (theory / nf).sqrt();
            assert!(mean.abs() < 5.0 * se_mean, "ε {eps}: mean {mean} (se {se_mean})");
            // The variance of the sample variance needs the fourth moment; 3% is well over five
            // standard errors at these sizes.
            assert!((var / theory - 1.0).abs() < 0.03, "ε {eps}: variance {var} against {theory}");
            let q = (-e.value()).exp();
            let p0 = draws.iter().filter(|&&d| d == 0).count() as f64 / nf;
            let want = (1.0 - q) / (1.0 + q);
            assert!(
                (p0 - want).abs() < 5.0 * (want * (1.0 - want) / nf).sqrt(),
                "ε {eps}: P(0) {p0} against {want}"
            );
            let pos = draws.iter().filter(|&&d| d > 0).count() as f64;
            let neg = draws.iter().filter(|&&d| d < 0).count() as f64;
            assert!(
                (pos - neg).abs() < 5.0 * (pos + neg).sqrt(),
                "ε {eps}: {pos} positive, {neg} negative"
            );
        }
    }

    #[test]
    fn bernoulli_exp_is_exact_at_its_edges() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!((0..1000).all(|_| bernoulli_exp(&mut rng, 0, 7)), "exp(0) = 1");
        let n = 100_000;
        let hits = (0..n).filter(|_| bernoulli_exp(&mut rng, 5, 2)).count() as f64 / n as f64;
        let want = (-2.5f64).exp();
        assert!(
            (hits - want).abs() < 5.0 * (want * (1.0 - want) / n as f64).sqrt(),
            "{hits} against {want}"
        );
    }
}
