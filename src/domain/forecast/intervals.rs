//! Prediction intervals from the errors the chosen model made in the backtest.
//!
//! May use: std and serde. Contract: the backtest points are split into up to five bands of
//! forecast level (quintiles of the forecasts; a band is only made when it holds at least 100
//! points). In each band, the error relative to the level, `(actual − forecast) / (forecast + 1)`,
//! has its empirical lower and upper quantiles taken (10% and 90% by default). A new forecast
//! `m` in that band gets `[m + q_low·(m + 1), m + q_high·(m + 1)]`, clipped at zero and widened
//! if needed to contain `m`. Scaling by `m + 1` makes a band's width grow with the level inside
//! it (counts spread more when they are larger) while the `+ 1` keeps quiet slots from getting
//! a zero-width interval; banding by level lets the spread of quiet and busy slots differ.
//! The intervals are measured on the same points they are reported on, so their coverage there
//! is close to nominal by construction; on new data it is an estimate.

use serde::{Deserialize, Serialize};

/// The fewest backtest points a band is made from.
const MIN_BAND_POINTS: usize = 100;

/// The most bands.
const MAX_BANDS: usize = 5;

/// Relative error quantiles for forecasts from `from_level` up to the next band's level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalBand {
    pub from_level: f64,
    pub lower: f64,
    pub upper: f64,
    pub points: usize,
}

/// The interval model of one forecasting model, measured in its backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intervals {
    pub lower_quantile: f64,
    pub upper_quantile: f64,
    pub bands: Vec<IntervalBand>,
    /// The share of the backtest points inside their interval.
    pub coverage: f64,
}

impl Intervals {
    /// Measures the bands from `(forecast, actual)` pairs with an observed actual.
    pub(crate) fn fit(
        points: &[(f64, f64)],
        lower_quantile: f64,
        upper_quantile: f64,
    ) -> Intervals {
        let mut sorted: Vec<(f64, f64)> =
            points.iter().copied().filter(|(f, a)| f.is_finite() && a.is_finite()).collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n = sorted.len();
        let count = (n / MIN_BAND_POINTS).clamp(1, MAX_BANDS);
        // Band edges at quantiles of the forecast level; equal edges merge.
        let mut starts: Vec<usize> = vec![0];
        for b in 1..count {
            let at = b * n / count;
            let level = sorted[at].0;
            let at = sorted.partition_point(|p| p.0 < level);
            let enough = MIN_BAND_POINTS.min(n / count);
            if at >= starts[starts.len() - 1] + enough && n - at >= enough {
                starts.push(at);
            }
        }
        starts.push(n);
        let mut bands = Vec::new();
        for w in starts.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a >= b {
                continue;
            }
            let mut z: Vec<f64> =
                sorted[a..b].iter().map(|&(f, actual)| (actual - f) / (f + 1.0)).collect();
            z.sort_by(f64::total_cmp);
            bands.push(IntervalBand {
                from_level: if bands.is_empty() { 0.0 } else { sorted[a].0 },
                lower: quantile(&z, lower_quantile),
                upper: quantile(&z, upper_quantile),
                points: b - a,
            });
        }
        let mut intervals = Intervals { lower_quantile, upper_quantile, bands, coverage: 0.0 };
        let inside = sorted
            .iter()
            .filter(|&&(f, actual)| {
                let (lo, hi) = intervals.bounds(f);
                lo <= actual && actual <= hi
            })
            .count();
        intervals.coverage = if n == 0 { 0.0 } else { inside as f64 / n as f64 };
        intervals
    }

    /// The interval around a forecast of `mean`.
    pub fn bounds(&self, mean: f64) -> (f64, f64) {
        let Some(band) =
            self.bands.iter().rev().find(|b| b.from_level <= mean).or(self.bands.first())
        else {
            return (mean, mean);
        };
        let lower = (mean + band.lower * (mean + 1.0)).max(0.0).min(mean);
        let upper = (mean + band.upper * (mean + 1.0)).max(mean);
        (lower, upper)
    }
}

/// The `q` quantile of sorted values, interpolating linearly between order statistics.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let Some(&last) = sorted.last() else { return 0.0 };
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    match sorted.get(i + 1) {
        Some(&next) => sorted[i] + frac * (next - sorted[i]),
        None => last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let v = [0.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.0);
        assert_eq!(quantile(&v, 0.1), 0.4);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn busy_slots_get_wider_intervals_than_quiet_ones() {
        // Quiet forecasts of 2 miss by ±1; busy forecasts of 100 miss by ±20.
        let mut points = Vec::new();
        for i in 0..500 {
            let e = f64::from(i % 5) - 2.0;
            points.push((2.0, 2.0 + e / 2.0));
            points.push((100.0, 100.0 + 10.0 * e));
        }
        let iv = Intervals::fit(&points, 0.1, 0.9);
        assert!(iv.bands.len() >= 2);
        let (ql, qh) = iv.bounds(2.0);
        let (bl, bh) = iv.bounds(100.0);
        assert!(qh - ql < 3.0, "{ql}..{qh}");
        assert!(bh - bl > 20.0, "{bl}..{bh}");
        assert!(iv.coverage >= 0.8, "{}", iv.coverage);
        assert_eq!(iv.bounds(0.0).0, 0.0);
    }
}
