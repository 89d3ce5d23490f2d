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

#[cfg(test)]
mod tests {
    use super::*;

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
