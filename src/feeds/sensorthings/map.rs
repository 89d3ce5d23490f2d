//! From SensorThings records to carrel's comfort readings. Pure: the client fetches, these
//! functions decide what the answers mean, so every rule here is tested with plain values.
//!
//! **Units.** Each datastream's `unitOfMeasurement` must be a unit of the quantity it is
//! mapped to, recognised by its symbol, else its name, else the last part of its definition
//! URI (QUDT's `…/unit/DEG_C`), in any case:
//!
//! | quantity | accepted as is | converted |
//! | --- | --- | --- |
//! | temperature | °C, ℃, Cel, degC, C, degree Celsius, DEG_C | °F, ℉, \[degF\], degF, F, degree Fahrenheit, DEG_F: (v − 32) × 5/9; K, kelvin: v − 273.15 |
//! | co2 | ppm, \[ppm\], ppmv, parts per million, PPM | — |
//! | light | lx, lux, LUX | — |
//! | noise | dB, dB(A), dBA, dB\[A\], decibel, DeciB, DeciB_A | — |
//!
//! Any other unit, or none, refuses the datastream with a rejection naming the unit: carrel
//! does not guess what a number means.
//!
//! **Times.** `phenomenonTime` is an instant or an interval `start/end` (ISO 8601); of an
//! interval the end counts, when the measurement was complete. Every time must carry its UTC
//! offset (`Z`, `+01:00`), so a day when clocks change is read without guessing.
//!
//! **Readings.** Of the observations a datastream's answer holds, the newest counts (a server
//! that ignores `$orderby` or `$top` still gives the right one from its page). Its result must
//! be a number, or text that is one (`"21.4"`: some servers keep results as text), finite and
//! within the quantity's plausible range (`domain::comfort::plausible`) after conversion;
//! otherwise it is rejected. An observation after the report time (beyond five minutes of
//! clock skew) is rejected; one older than `max_age` before it is left out, not rejected: a
//! sensor that has stopped reporting is not a bad record, and the zone simply shows nothing
//! for that quantity. The observations of one zone make one [`ZoneSample`], holding the
//! quantities measured, at the time of its newest observation.
//!
//! May use: domain, feeds::validate, config (the datastream mapping), the adapter's wire types.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::wire::{self, OBSERVATION_FIELDS, Observation, Unit};
use crate::config::DatastreamTarget;
use crate::domain::comfort::{Comfort, Measure, ZoneSample, plausible};
use crate::domain::sanitize::clean_text;
use crate::feeds::validate::{EnvironmentUpdate, Rejection};

/// Clock skew tolerated between the sensors and the report time.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

/// How a datastream's results become the measure's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// Already in it.
    Same,
    /// Degrees Fahrenheit to degrees Celsius.
    FahrenheitToCelsius,
    /// Kelvin to degrees Celsius.
    KelvinToCelsius,
}

impl Conversion {
    /// `v` in the measure's unit.
    pub fn apply(self, v: f64) -> f64 {
        match self {
            Conversion::Same => v,
            Conversion::FahrenheitToCelsius => (v - 32.0) * 5.0 / 9.0,
            Conversion::KelvinToCelsius => v - 273.15,
        }
    }
}

/// The units of each measure, lower-cased, with their conversion.
fn units(measure: Measure) -> &'static [(&'static [&'static str], Conversion)] {
    match measure {
        Measure::Temperature => &[
            (
                &[
                    "°c",
                    "℃",
                    "cel",
                    "degc",
                    "c",
                    "deg c",
                    "degree celsius",
                    "degrees celsius",
                    "celsius",
                    "deg_c",
                ],
                Conversion::Same,
            ),
            (
                &[
                    "°f",
                    "℉",
                    "[degf]",
                    "degf",
                    "f",
                    "deg f",
                    "degree fahrenheit",
                    "degrees fahrenheit",
                    "fahrenheit",
                    "deg_f",
                ],
                Conversion::FahrenheitToCelsius,
            ),
            (&["k", "kelvin"], Conversion::KelvinToCelsius),
        ],
        Measure::Co2 => &[(
            &["ppm", "[ppm]", "ppmv", "parts per million", "parts-per-million"],
            Conversion::Same,
        )],
        Measure::Light => &[(&["lx", "lux"], Conversion::Same)],
        Measure::Noise => &[(
            &["db", "db(a)", "dba", "db[a]", "db a", "decibel", "decibels", "decib", "decib_a"],
            Conversion::Same,
        )],
    }
}

/// What a measure's units are called in a refusal.
fn unit_names(measure: Measure) -> &'static str {
    match measure {
        Measure::Temperature => "°C (Cel), °F or K",
        Measure::Co2 => "ppm",
        Measure::Light => "lx",
        Measure::Noise => "dB",
    }
}

/// The conversion of a datastream of `measure` whose unit is `unit`, or why it is refused.
pub fn conversion(measure: Measure, unit: Option<&Unit>) -> Result<Conversion, String> {
    let Some(unit) = unit else {
        return Err(format!(
            "no unitOfMeasurement; carrel reads {} only in {}",
            measure.as_str(),
            unit_names(measure)
        ));
    };
    fn given(s: &Option<String>) -> Option<&str> {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let tail =
        given(&unit.definition).and_then(|d| d.rsplit(['/', '#']).next()).filter(|t| !t.is_empty());
    for word in [given(&unit.symbol), given(&unit.name), tail].into_iter().flatten() {
        let word = word.to_lowercase();
        if let Some((_, c)) =
            units(measure).iter().find(|(names, _)| names.contains(&word.as_str()))
        {
            return Ok(*c);
        }
    }
    let shown = |s: &Option<String>| clean_text(s.as_deref().unwrap_or(""), 40);
    Err(format!(
        "unit {:?} ({:?}) is not a unit of {}; carrel reads {} only in {}",
        shown(&unit.symbol),
        shown(&unit.name),
        measure.as_str(),
        measure.as_str(),
        unit_names(measure)
    ))
}

/// An instant with its UTC offset.
fn instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim()).map(|t| t.to_utc()).map_err(|_| {
        format!(
            "{:?} is not a time with a UTC offset (2026-11-18T10:00:00+01:00)",
            clean_text(s, 60)
        )
    })
}

/// When an observation's `phenomenonTime` says it was made: the instant, or an interval's
/// end.
pub fn phenomenon_time(s: &str) -> Result<DateTime<Utc>, String> {
    match s.split_once('/') {
        None => instant(s),
        Some((start, end)) => {
            let (start, end) = (instant(start)?, instant(end)?);
            if end < start {
                return Err(format!("the interval ends ({end}) before it begins ({start})"));
            }
            Ok(end)
        }
    }
}

/// An observation's result as a number.
pub fn result(v: Option<&Value>) -> Result<f64, String> {
    let n = match v {
        None | Some(Value::Null) => return Err("no result".into()),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => {
            let t = s.trim();
            // Text that is a plain decimal number; Rust alone would also read "inf" and "NaN".
            let plain = !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
            match plain.then(|| t.parse::<f64>().ok()).flatten() {
                Some(x) => Some(x),
                None => return Err(format!("result {:?} is not a number", clean_text(s, 40))),
            }
        }
        Some(Value::Bool(_)) => return Err("result is true or false, not a number".into()),
        Some(Value::Array(_) | Value::Object(_)) => {
            return Err("result is a list or an object, not a number".into());
        }
    };
    n.filter(|x| x.is_finite()).ok_or_else(|| "result is not a finite number".into())
}

/// One datastream as fetched: what it is mapped to, how its results convert, and the
/// observations of its answer.
#[derive(Debug)]
pub struct Fetched {
    /// The datastream and the zone and quantity it is mapped to.
    pub target: DatastreamTarget,
    /// How its results become the quantity's unit.
    pub conversion: Conversion,
    /// The observations of its answer's page (usually one).
    pub observations: Vec<Box<RawValue>>,
}

/// The datastream and its mapping, as a rejected record of the datastream itself.
#[derive(Debug, Serialize)]
struct DatastreamRecord<'a> {
    datastream: &'a str,
    zone: &'a str,
    quantity: &'a str,
}

/// An observation as a rejected record: the datastream it came from, and its declared fields.
#[derive(Debug, Serialize)]
struct ObservationRecord<'a> {
    datastream: &'a str,
    observation: &'a Observation,
}

/// What a datastream's refusals name: its id, quantity and zone.
fn named(t: &DatastreamTarget) -> String {
    format!("datastream {} ({} of {})", t.id, t.measure.as_str(), t.zone)
}

/// The rejection of datastream `t` itself, for `reason` (an unknown zone, a wrong unit, an
/// error of the server about it).
pub fn refused(t: &DatastreamTarget, reason: &str) -> Rejection {
    let record =
        DatastreamRecord { datastream: &t.id, zone: &t.zone, quantity: t.measure.as_str() };
    wire::rejection(format!("{}: {}", named(t), clean_text(reason, 300)), &record)
}

/// The rejection of a datastream mapped to a zone the layout does not have.
pub fn unknown_zone(t: &DatastreamTarget) -> Rejection {
    refused(t, &format!("zone {} is not in the layout", t.zone))
}

/// The newest usable observation of `f` at report time `now`: its time and value in the
/// measure's unit; `None` when it has none or only old ones. Every observation that cannot be
/// read, and a newest one that is from the future or implausible, goes to `rejected`.
fn newest(
    f: &Fetched,
    now: DateTime<Utc>,
    max_age: Duration,
    rejected: &mut Vec<Rejection>,
) -> Option<(DateTime<Utc>, f64)> {
    let t = &f.target;
    let mut best: Option<(DateTime<Utc>, Observation)> = None;
    for raw in &f.observations {
        let what = format!("{}: observation", named(t));
        let o: Observation = match wire::record(raw, &what, OBSERVATION_FIELDS) {
            Ok(o) => o,
            Err(r) => {
                rejected.push(r);
                continue;
            }
        };
        let reject = |reason: String| {
            let record = ObservationRecord { datastream: &t.id, observation: &o };
            wire::rejection(format!("{what}: {reason}"), &record)
        };
        let at = match o.phenomenon_time.as_deref() {
            None => Err("no phenomenonTime".to_owned()),
            Some(s) => phenomenon_time(s).map_err(|e| format!("phenomenonTime: {e}")),
        };
        match at {
            Ok(at) if best.as_ref().is_none_or(|(b, _)| at > *b) => best = Some((at, o)),
            Ok(_) => {}
            Err(reason) => rejected.push(reject(reason)),
        }
    }
    let (at, o) = best?;
    let reject = |reason: String| {
        let record = ObservationRecord { datastream: &t.id, observation: &o };
        wire::rejection(format!("{}: observation: {reason}", named(t)), &record)
    };
    if at > now + CLOCK_SKEW {
        rejected.push(reject(format!("{at} is after the report time {now}")));
        return None;
    }
    if at < now - max_age {
        tracing::debug!("SensorThings: {} last observed at {at}; left out", named(t));
        return None;
    }
    let value = match result(o.result.as_ref()) {
        Ok(v) => f.conversion.apply(v),
        Err(reason) => {
            rejected.push(reject(reason));
            return None;
        }
    };
    let mut one = Comfort::default();
    one.set(t.measure, value);
    if let Err(reason) = plausible(&one) {
        rejected.push(reject(reason));
        return None;
    }
    Some((at, value))
}

/// The comfort readings of the `fetched` datastreams at report time `now`, one sample per
/// zone, with `rejected` (the datastreams refused before their observations were read) and
/// the rejections found here.
pub fn environment(
    fetched: &[Fetched],
    mut rejected: Vec<Rejection>,
    now: DateTime<Utc>,
    max_age: Duration,
) -> EnvironmentUpdate {
    let mut zones: BTreeMap<&str, (Comfort, DateTime<Utc>)> = BTreeMap::new();
    for f in fetched {
        let Some((at, value)) = newest(f, now, max_age, &mut rejected) else { continue };
        let slot = zones.entry(f.target.zone.as_str()).or_insert((Comfort::default(), at));
        slot.0.set(f.target.measure, value);
        slot.1 = slot.1.max(at);
    }
    let samples = zones
        .into_iter()
        .map(|(zone, (comfort, at))| ZoneSample { zone_id: zone.to_owned(), at, comfort })
        .collect();
    EnvironmentUpdate { generated_at: now, samples, rejected }
}

#[cfg(test)]
mod tests;
