//! Arrivals at service windows, counted in fixed-width time buckets.
//!
//! Pure types and bucket arithmetic; forecasting builds on these.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Arrivals at one window in `[start, start + step_s)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrivalBucket {
    pub service_point_id: String,
    pub step_s: u32,
    pub start: DateTime<Utc>,
    pub arrivals: u32,
    /// Patrons served in the bucket, when the source knows.
    pub served: Option<u32>,
    /// Mean wait of those served, in seconds, when the source knows.
    pub mean_wait_s: Option<f64>,
}

/// The start of the bucket of width `step_s` holding `t`, buckets being aligned to the Unix
/// epoch (so 15-minute buckets start at :00, :15, :30 and :45 in UTC).
pub fn bucket_start(t: DateTime<Utc>, step_s: u32) -> DateTime<Utc> {
    let step = i64::from(step_s.max(1));
    let secs = t.timestamp().div_euclid(step) * step;
    Utc.timestamp_opt(secs, 0).single().unwrap_or(t)
}

/// Whether `t` is the start of a bucket of width `step_s`.
pub fn is_aligned(t: DateTime<Utc>, step_s: u32) -> bool {
    t.timestamp_subsec_nanos() == 0 && t.timestamp().rem_euclid(i64::from(step_s.max(1))) == 0
}

/// The spacing of timestamped counts: the smallest gap between two of them, in whole
/// minutes (at least one minute), or `None` for fewer than two.
pub fn detect_step(times: &[DateTime<Utc>]) -> Option<u32> {
    let gap = times.windows(2).map(|w| (w[1] - w[0]).num_seconds()).filter(|g| *g > 0).min()?;
    let minutes = (gap / 60).max(1);
    u32::try_from(minutes * 60).ok()
}

/// Sums counts into buckets of `step_s` aligned to the epoch: (bucket start, total).
pub fn bucketize(
    counts: impl IntoIterator<Item = (DateTime<Utc>, f64)>,
    step_s: u32,
) -> Vec<(DateTime<Utc>, f64)> {
    let mut sums: std::collections::BTreeMap<DateTime<Utc>, f64> =
        std::collections::BTreeMap::new();
    for (at, n) in counts {
        *sums.entry(bucket_start(at, step_s)).or_default() += n;
    }
    sums.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_detected_and_counts_summed_into_buckets() {
        let t = |m: i64| {
            Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap() + chrono::Duration::minutes(m)
        };
        assert_eq!(detect_step(&[t(0), t(60), t(120)]), Some(3600));
        assert_eq!(detect_step(&[t(0), t(5), t(60)]), Some(300));
        assert_eq!(detect_step(&[t(0)]), None);
        let b = bucketize([(t(0), 1.0), (t(5), 2.0), (t(16), 4.0)], 900);
        assert_eq!(b, vec![(t(0), 3.0), (t(15), 4.0)]);
    }

    #[test]
    fn buckets_align_to_the_epoch() {
        let t = Utc.with_ymd_and_hms(2026, 11, 21, 10, 37, 12).unwrap();
        assert_eq!(bucket_start(t, 900), Utc.with_ymd_and_hms(2026, 11, 21, 10, 30, 0).unwrap());
        assert_eq!(bucket_start(t, 3600), Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap());
        assert!(is_aligned(bucket_start(t, 900), 900));
        assert!(!is_aligned(t, 900));
        let before_epoch = Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 0).unwrap();
        assert_eq!(
            bucket_start(before_epoch, 3600),
            Utc.with_ymd_and_hms(1969, 12, 31, 23, 0, 0).unwrap()
        );
    }
}
