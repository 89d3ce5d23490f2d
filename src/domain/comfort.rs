//! Comfort of a zone: temperature, CO2, light and noise against the library's limits.
//!
//! The seed asks for environmental control that responds within 2 minutes; a reading out of
//! range is marked here, and the rules engine raises an alert when it stays out of range.
//! Pure; the limits come from the configuration.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::layout::ZoneKind;

/// One comfort reading of a zone. A measure is `None` where the source does not measure it:
/// carrel's own API gives all four, a SensorThings server only the quantities it has sensors
/// for (often temperature and CO2 alone).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Comfort {
    pub temperature_c: Option<f64>,
    pub co2_ppm: Option<f64>,
    pub light_lux: Option<f64>,
    pub noise_db: Option<f64>,
}

impl Comfort {
    /// Each measure with its value, in a fixed order.
    pub fn measures(&self) -> [(Measure, Option<f64>); 4] {
        [
            (Measure::Temperature, self.temperature_c),
            (Measure::Co2, self.co2_ppm),
            (Measure::Light, self.light_lux),
            (Measure::Noise, self.noise_db),
        ]
    }

    /// The value of `measure`, if measured.
    pub fn get(&self, measure: Measure) -> Option<f64> {
        match measure {
            Measure::Temperature => self.temperature_c,
            Measure::Co2 => self.co2_ppm,
            Measure::Light => self.light_lux,
            Measure::Noise => self.noise_db,
        }
    }

    /// Sets `measure` to `value`.
    pub fn set(&mut self, measure: Measure, value: f64) {
        let slot = match measure {
            Measure::Temperature => &mut self.temperature_c,
            Measure::Co2 => &mut self.co2_ppm,
            Measure::Light => &mut self.light_lux,
            Measure::Noise => &mut self.noise_db,
        };
        *slot = Some(value);
    }
}

/// A zone's reading at a moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneSample {
    pub zone_id: String,
    pub at: DateTime<Utc>,
    pub comfort: Comfort,
}

/// The quantity a comfort limit is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Temperature,
    Co2,
    Light,
    Noise,
}

impl Measure {
    /// Every measure, in the order readings list them.
    pub const ALL: [Measure; 4] =
        [Measure::Temperature, Measure::Co2, Measure::Light, Measure::Noise];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Temperature => "temperature",
            Measure::Co2 => "co2",
            Measure::Light => "light",
            Measure::Noise => "noise",
        }
    }
}

/// A reading outside its comfortable range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OutOfRange {
    pub measure: Measure,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// Comfortable ranges. Noise limits depend on the zone's kind: a silent room tolerates less
/// than a group-study area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComfortLimits {
    pub temperature_c: [f64; 2],
    pub co2_ppm_max: f64,
    pub light_lux: [f64; 2],
    pub noise_db_max_silent: f64,
    pub noise_db_max_quiet: f64,
    pub noise_db_max_computer: f64,
    pub noise_db_max_group: f64,
}

impl Default for ComfortLimits {
    /// Ranges in line with common guidance for reading rooms: 19–25 °C, CO2 under 1000 ppm,
    /// 300–1000 lux at the desk, and noise by zone kind.
    fn default() -> Self {
        Self {
            temperature_c: [19.0, 25.0],
            co2_ppm_max: 1000.0,
            light_lux: [300.0, 1000.0],
            noise_db_max_silent: 40.0,
            noise_db_max_quiet: 50.0,
            noise_db_max_computer: 55.0,
            noise_db_max_group: 65.0,
        }
    }
}

impl ComfortLimits {
    pub fn noise_max(&self, kind: ZoneKind) -> f64 {
        match kind {
            ZoneKind::Silent => self.noise_db_max_silent,
            ZoneKind::Quiet => self.noise_db_max_quiet,
            ZoneKind::Computer => self.noise_db_max_computer,
            ZoneKind::Group => self.noise_db_max_group,
        }
    }

    /// The comfortable range of `measure` in a zone of `kind`.
    pub fn range(&self, measure: Measure, kind: ZoneKind) -> (f64, f64) {
        match measure {
            Measure::Temperature => (self.temperature_c[0], self.temperature_c[1]),
            Measure::Co2 => (0.0, self.co2_ppm_max),
            Measure::Light => (self.light_lux[0], self.light_lux[1]),
            Measure::Noise => (0.0, self.noise_max(kind)),
        }
    }

    /// The measures of `reading` that are outside their range in a zone of `kind` (a measure
    /// the reading lacks is never out of range).
    pub fn assess(&self, reading: &Comfort, kind: ZoneKind) -> Vec<OutOfRange> {
        reading
            .measures()
            .into_iter()
            .filter_map(|(measure, v)| {
                let value = v?;
                let (low, high) = self.range(measure, kind);
                (value < low || value > high).then_some(OutOfRange { measure, value, low, high })
            })
            .collect()
    }

    /// Checks the limits make sense: each low below its high, all finite.
    pub fn validate(&self) -> Result<(), String> {
        let pairs = [("temperature_c", self.temperature_c), ("light_lux", self.light_lux)];
        for (name, [lo, hi]) in pairs {
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(format!(
                    "{name} must be [low, high] with low < high, got [{lo}, {hi}]"
                ));
            }
        }
        let maxima = [
            ("co2_ppm_max", self.co2_ppm_max),
            ("noise_db_max_silent", self.noise_db_max_silent),
            ("noise_db_max_quiet", self.noise_db_max_quiet),
            ("noise_db_max_computer", self.noise_db_max_computer),
            ("noise_db_max_group", self.noise_db_max_group),
        ];
        for (name, v) in maxima {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{name} must be a positive number, got {v}"));
            }
        }
        Ok(())
    }
}

/// The physically plausible range of `measure`, and its field name in readings.
pub fn plausible_range(measure: Measure) -> (&'static str, f64, f64) {
    match measure {
        Measure::Temperature => ("temperature_c", -30.0, 60.0),
        Measure::Co2 => ("co2_ppm", 200.0, 10_000.0),
        Measure::Light => ("light_lux", 0.0, 200_000.0),
        Measure::Noise => ("noise_db", 0.0, 140.0),
    }
}

/// Physically plausible ranges; a sensor reading outside them is a faulty record, quarantined
/// rather than stored. A reading must hold at least one measure.
pub fn plausible(reading: &Comfort) -> Result<(), String> {
    let mut any = false;
    for (measure, v) in reading.measures() {
        let Some(v) = v else { continue };
        any = true;
        let (name, lo, hi) = plausible_range(measure);
        if !v.is_finite() || v < lo || v > hi {
            return Err(format!("{name} {v} outside plausible range {lo}..={hi}"));
        }
    }
    if any { Ok(()) } else { Err("no measure at all".into()) }
}

/// A zone's latest reading with what the zone is, for judging it against the limits.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneComfort {
    pub zone_id: String,
    pub zone_name: String,
    pub floor_id: String,
    pub kind: ZoneKind,
    pub latest: Option<ZoneSample>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: Comfort = Comfort {
        temperature_c: Some(21.5),
        co2_ppm: Some(650.0),
        light_lux: Some(500.0),
        noise_db: Some(35.0),
    };

    #[test]
    fn a_comfortable_reading_has_no_marks() {
        assert!(ComfortLimits::default().assess(&GOOD, ZoneKind::Silent).is_empty());
    }

    #[test]
    fn noise_limit_depends_on_zone_kind() {
        let loud = Comfort { noise_db: Some(58.0), ..GOOD };
        let limits = ComfortLimits::default();
        let marks = limits.assess(&loud, ZoneKind::Quiet);
        assert_eq!(marks.len(), 1);
        assert_eq!(marks[0].measure, Measure::Noise);
        assert!(limits.assess(&loud, ZoneKind::Group).is_empty());
    }

    #[test]
    fn every_measure_can_be_out_of_range() {
        let bad = Comfort {
            temperature_c: Some(28.0),
            co2_ppm: Some(1400.0),
            light_lux: Some(120.0),
            noise_db: Some(70.0),
        };
        let marks = ComfortLimits::default().assess(&bad, ZoneKind::Group);
        assert_eq!(marks.len(), 4);
    }

    #[test]
    fn implausible_readings_are_rejected() {
        assert!(plausible(&GOOD).is_ok());
        assert!(plausible(&Comfort { temperature_c: Some(f64::NAN), ..GOOD }).is_err());
        assert!(plausible(&Comfort { co2_ppm: Some(-5.0), ..GOOD }).is_err());
        assert!(plausible(&Comfort { noise_db: Some(400.0), ..GOOD }).is_err());
        assert!(plausible(&Comfort::default()).unwrap_err().contains("no measure"));
    }

    #[test]
    fn a_measure_not_taken_is_never_out_of_range() {
        let partial = Comfort { co2_ppm: Some(1400.0), ..Comfort::default() };
        assert!(plausible(&partial).is_ok());
        let marks = ComfortLimits::default().assess(&partial, ZoneKind::Quiet);
        assert_eq!(marks.iter().map(|m| m.measure).collect::<Vec<_>>(), [Measure::Co2]);
    }

    #[test]
    fn limits_validate() {
        assert!(ComfortLimits::default().validate().is_ok());
        let bad = ComfortLimits { temperature_c: [25.0, 19.0], ..Default::default() };
        assert!(bad.validate().unwrap_err().contains("temperature_c"));
    }
}
