//! From Occuspace's records to head counts. Pure: the client fetches, these functions decide
//! what the answers mean, so every rule here is tested with plain values.
//!
//! **Trust.** A mapped location's count is used only when v2 lists the location with status
//! `active` and v1 does not say `isActive: false`. Otherwise the count is not trusted and the
//! location is a rejection saying why:
//!
//! | v2 status | why its count is not trusted |
//! | --- | --- |
//! | `inactive` | its sensors are off or removed |
//! | `setup` | it is being installed |
//! | `review` | its installation is under review |
//! | `calibration` | its counts are being calibrated |
//! | not listed | the token does not reach it |
//!
//! **Counts.** `count` is an estimate and may have a fraction: it is rounded to whole people;
//! a negative, missing or non-finite count is rejected. The capacity is v2's `capacity`, else
//! `count ÷ percentage` when both are above zero, else unknown (a capacity of 0 is unknown).
//! The time is `timestamp`: an RFC 3339 time with its offset, or a number of seconds (or, above
//! 10¹¹, milliseconds) since 1970; without one, the report time. `validate::OccupancyUpdate`
//! then checks each zone once, counts within bounds and times not after the report's.
//!
//! May use: domain, feeds::validate, the adapter's wire types.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::Value;

use super::wire::{Location, Now};
use crate::domain::layout::ZoneOccupancy;
use crate::domain::sanitize::clean_text;

/// Whether the count of location `id` (as v2 lists it, if it does) may be used; its capacity
/// when it may.
pub fn trusted(id: u64, listed: Option<&Location>) -> Result<Option<u64>, String> {
    let Some(l) = listed else {
        return Err(format!(
            "location {id} is not among the locations Occuspace lists for this token"
        ));
    };
    let name = l.name.as_deref().map(|n| format!(" ({})", clean_text(n, 60))).unwrap_or_default();
    let why = match l.status.as_deref().map(str::trim) {
        Some("active") => return Ok(l.capacity),
        Some("inactive") => "is inactive: its sensors are off or removed".to_owned(),
        Some("setup") => "is being set up: its sensors are being installed".to_owned(),
        Some("review") => "is under review: its installation is being checked".to_owned(),
        Some("calibration") => "is in calibration: its counts are being tuned".to_owned(),
        Some(other) => format!("has status {:?}", clean_text(other, 30)),
        None => "has no status".to_owned(),
    };
    Err(format!("location {id}{name} {why}; its count is not trusted"))
}

/// When a count was made: `timestamp` as RFC 3339 with an offset, or seconds (milliseconds
/// above 10¹¹) since 1970.
pub fn timestamp(v: &Value) -> Result<DateTime<Utc>, String> {
    match v {
        Value::String(s) => {
            DateTime::parse_from_rfc3339(s.trim()).map(|t| t.to_utc()).map_err(|_| {
                format!(
                    "timestamp {:?} is not a time with a UTC offset (2026-11-18T10:04:00Z)",
                    clean_text(s, 40)
                )
            })
        }
        Value::Number(n) => {
            let secs = n.as_f64().filter(|x| x.is_finite() && *x >= 0.0);
            let at = secs.and_then(|x| {
                let ms = if x > 1e11 { x } else { x * 1000.0 };
                Utc.timestamp_millis_opt(ms as i64).single()
            });
            at.ok_or_else(|| format!("timestamp {n} is not a time"))
        }
        _ => Err("timestamp is neither a time nor a number".into()),
    }
}

/// The head count of zone `zone` from location `id`'s `now` answer, with v2's `capacity`, at
/// report time `report`.
pub fn count(
    id: u64,
    zone: &str,
    now: &Now,
    capacity: Option<u64>,
    report: DateTime<Utc>,
) -> Result<ZoneOccupancy, String> {
    if now.is_active == Some(false) {
        return Err(format!("location {id} reports isActive false: its count is not trusted"));
    }
    let c = match now.count {
        None => return Err(format!("location {id}: no count")),
        Some(c) if !c.is_finite() || c < 0.0 => {
            return Err(format!("location {id}: count {c} is not a number of people"));
        }
        Some(c) => c.round(),
    };
    let count = if c > f64::from(u32::MAX) { u32::MAX } else { c as u32 };
    let capacity = capacity
        .map(|cap| u32::try_from(cap).unwrap_or(u32::MAX))
        .or_else(|| {
            let p = now.percentage.filter(|p| p.is_finite() && *p > 0.0)?;
            (count > 0).then(|| (f64::from(count) / p).round().min(f64::from(u32::MAX)) as u32)
        })
        .filter(|cap| *cap > 0);
    let at = match &now.timestamp {
        None | Some(Value::Null) => report,
        Some(v) => timestamp(v).map_err(|e| format!("location {id}: {e}"))?,
    };
    Ok(ZoneOccupancy { zone_id: zone.to_owned(), count, capacity, at })
}

/// A location as a rejected record: its id, the zone it is mapped to, and what Occuspace said
/// of it, re-serialised from the wire types.
#[derive(Debug, Serialize)]
pub struct LocationRecord<'a> {
    /// The location id.
    pub location_id: u64,
    /// The carrel zone it is mapped to.
    pub zone: &'a str,
    /// What v2 lists of it, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<&'a Location>,
    /// What v1 said of its count now, if it was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<&'a Now>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(t: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t).unwrap().to_utc()
    }

    fn location(status: Option<&str>, capacity: Option<u64>) -> Location {
        Location {
            location_id: 1560,
            name: Some("Main \u{1b}[2Jfloor".into()),
            status: status.map(str::to_owned),
            capacity,
        }
    }

    fn now(count: Option<f64>, percentage: Option<f64>, is_active: Option<bool>) -> Now {
        Now { name: None, count, percentage, timestamp: None, is_active }
    }

    fn at_time(mut n: Now, timestamp: Option<Value>) -> Now {
        n.timestamp = timestamp;
        n
    }

    #[test]
    fn only_active_listed_locations_are_trusted_and_the_others_say_why() {
        assert_eq!(trusted(1560, Some(&location(Some("active"), Some(120)))), Ok(Some(120)));
        assert_eq!(trusted(1560, Some(&location(Some("active"), None))), Ok(None));
        let cases = [
            (Some("inactive"), "is inactive: its sensors are off or removed"),
            (Some("setup"), "is being set up: its sensors are being installed"),
            (Some("review"), "is under review: its installation is being checked"),
            (Some("calibration"), "is in calibration: its counts are being tuned"),
            (Some("paused\u{7}"), "has status \"paused\""),
            (None, "has no status"),
        ];
        for (status, why) in cases {
            assert_eq!(
                trusted(1560, Some(&location(status, Some(120)))),
                Err(format!("location 1560 (Main [2Jfloor) {why}; its count is not trusted")),
                "{status:?}"
            );
        }
        assert_eq!(
            trusted(77, None),
            Err("location 77 is not among the locations Occuspace lists for this token".into())
        );
    }

    #[test]
    fn counts_are_rounded_and_capacities_found_or_left_unknown() {
        let report = at("2026-11-18T10:05:00Z");
        let ts = json!("2026-11-18T05:04:00.000-05:00");
        let n = at_time(now(Some(37.4), Some(0.31), Some(true)), Some(ts));
        let o = count(1560, "F0-Z1", &n, Some(120), report).unwrap();
        assert_eq!(
            o,
            ZoneOccupancy {
                zone_id: "F0-Z1".into(),
                count: 37,
                capacity: Some(120),
                at: at("2026-11-18T10:04:00Z")
            }
        );
        // Without v2's capacity, the share gives it; without a timestamp, the report time counts.
        let o = count(1560, "F0-Z1", &now(Some(30.0), Some(0.25), None), None, report).unwrap();
        assert_eq!((o.capacity, o.at), (Some(120), report));
        let o = count(1560, "F0-Z1", &now(Some(0.0), Some(0.0), None), Some(0), report).unwrap();
        assert_eq!((o.count, o.capacity), (0, None));
        let secs = at_time(now(Some(1.0), None, None), Some(json!(1795500000)));
        let millis = at_time(now(Some(1.0), None, None), Some(json!(1795500000000_u64)));
        let secs = count(1, "Z", &secs, None, report).unwrap();
        let millis = count(1, "Z", &millis, None, report).unwrap();
        assert_eq!(secs.at, millis.at);
        assert_eq!(secs.at, at("2026-11-24T06:00:00Z"));
    }

    #[test]
    fn untrusted_or_unreadable_counts_are_refused_by_location() {
        let report = at("2026-11-18T10:05:00Z");
        let bad = [
            (
                now(Some(3.0), None, Some(false)),
                None,
                "location 9 reports isActive false: its count is not trusted",
            ),
            (now(None, Some(0.5), None), None, "location 9: no count"),
            (now(Some(-2.0), None, None), None, "location 9: count -2 is not a number of people"),
            (
                now(Some(2.0), None, None),
                Some(json!("18/11/2026 10:04")),
                "location 9: timestamp \"18/11/2026 10:04\" is not a time with a UTC offset (2026-11-18T10:04:00Z)",
            ),
            (
                now(Some(2.0), None, None),
                Some(json!("2026-11-18T10:04:00")),
                "location 9: timestamp \"2026-11-18T10:04:00\" is not a time with a UTC offset (2026-11-18T10:04:00Z)",
            ),
            (
                now(Some(2.0), None, None),
                Some(json!(true)),
                "location 9: timestamp is neither a time nor a number",
            ),
        ];
        for (n, ts, why) in bad {
            assert_eq!(count(9, "F0-Z1", &at_time(n, ts), None, report), Err(why.to_owned()));
        }
    }
}
