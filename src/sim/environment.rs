//! Comfort readings of a zone: temperature, CO2, light and noise.
//!
//! A reading is a pure function of the seed, the zone, the minute, whether the library is open
//! and how full the zone is. While open: temperature 20.8 °C plus up to 1.6 °C from bodies and
//! 0.6 °C of afternoon warmth; CO2 430 ppm plus up to 520 ppm at full occupancy; light 480 lux
//! plus daylight; noise by zone kind (silent 28 dB … group 46 dB) plus up to 8–14 dB from
//! occupancy. Each zone has its own small offsets and minute-to-minute jitter. Now and then
//! (12% of a zone's three-hour blocks) something drifts for 20–90 minutes: the heating runs
//! hot or cold (±4.5 °C), ventilation falters (+700 ppm CO2), lamps fail (−70% light) or a
//! crowd gathers (+16 dB), rising and falling so that it is out of range for a while.
//! Closed, the building cools, airs out, goes dark (security lighting) and quiet.
//!
//! May use: calendar, random, domain. Pure.

use crate::domain::layout::ZoneKind;

use super::calendar::{CLOSES_MIN, OPENS_MIN, Secs};
use super::random::{Purpose, unit_at};

/// The four measures of one reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measures {
    pub temperature_c: f64,
    pub co2_ppm: f64,
    pub light_lux: f64,
    pub noise_db: f64,
}

const BLOCK_S: Secs = 3 * 3600;
const P_EPISODE: f64 = 0.12;

/// How far (0–1) a drift episode of `measure` is developed at `t` in zone `zone`, if any.
fn episode(seed: u64, zone: u64, t: Secs) -> Option<(u64, f64, f64)> {
    let block = t.div_euclid(BLOCK_S) as u64;
    let u = |k: u64| unit_at(seed, Purpose::Environment, &[zone, block, k]);
    if u(0) >= P_EPISODE {
        return None;
    }
    let measure = (u(1) * 4.0) as u64;
    let duration = (20.0 + 70.0 * u(3)) * 60.0;
    let start = (block as f64) * BLOCK_S as f64 + u(2) * (BLOCK_S as f64 - duration);
    let x = (t as f64 - start) / duration;
    if !(0.0..=1.0).contains(&x) {
        return None;
    }
    let triangle = 1.0 - (2.0 * x - 1.0).abs();
    let sign = if u(4) < 0.5 { -1.0 } else { 1.0 };
    Some((measure, (2.5 * triangle).min(1.0), sign))
}

/// `x` rounded to `decimals` decimal places.
fn round(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

/// The reading of zone `zone` (of `kind`, with `taken` share of its seats taken) at `t`,
/// `minute` minutes after local midnight.
pub fn reading(
    seed: u64,
    zone: usize,
    kind: ZoneKind,
    t: Secs,
    minute: u32,
    taken: f64,
) -> Measures {
    let z = zone as u64;
    let offset = |k: u64| unit_at(seed, Purpose::Environment, &[z, u64::MAX, k]) - 0.5;
    let minute_index = t.div_euclid(60) as u64;
    let jitter = |k: u64| unit_at(seed, Purpose::Environment, &[z, minute_index, 10 + k]) - 0.5;
    let open = (OPENS_MIN..CLOSES_MIN).contains(&minute);
    let occ = taken.clamp(0.0, 1.0);
    let hour = f64::from(minute) / 60.0;
    let mut m = if open {
        let warmth = (std::f64::consts::PI * (hour - 8.0) / 14.0).sin().max(0.0);
        let daylight = (std::f64::consts::PI * (hour - 7.0) / 12.0).sin().max(0.0);
        let (base, per_occupant) = match kind {
            ZoneKind::Silent => (28.0, 8.0),
            ZoneKind::Quiet => (35.0, 10.0),
            ZoneKind::Computer => (40.0, 10.0),
            ZoneKind::Group => (46.0, 14.0),
        };
        Measures {
            temperature_c: 20.8 + 1.6 * occ + 0.6 * warmth + 1.6 * offset(0) + 0.3 * jitter(0),
            co2_ppm: 430.0 + 520.0 * occ + 120.0 * offset(1) + 40.0 * jitter(1),
            light_lux: 480.0 + 220.0 * daylight + 120.0 * offset(2) + 30.0 * jitter(2),
            noise_db: base + per_occupant * occ + 2.0 * offset(3) + 4.0 * jitter(3),
        }
    } else {
        Measures {
            temperature_c: 18.5 + 1.6 * offset(0) + 0.2 * jitter(0),
            co2_ppm: 420.0 + 20.0 * jitter(1),
            light_lux: 20.0 + 4.0 * jitter(2),
            noise_db: 24.0 + 2.0 * jitter(3),
        }
    };
    if open && let Some((measure, level, sign)) = episode(seed, z, t) {
        match measure {
            0 => m.temperature_c += sign * 4.5 * level,
            1 => m.co2_ppm += 700.0 * level,
            2 => m.light_lux *= 1.0 - 0.7 * level,
            _ => m.noise_db += 16.0 * level,
        }
    }
    Measures {
        temperature_c: round(m.temperature_c, 1),
        co2_ppm: round(m.co2_ppm, 0),
        light_lux: round(m.light_lux, 0),
        noise_db: round(m.noise_db, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::comfort::{Comfort, ComfortLimits};

    #[test]
    fn readings_are_mostly_comfortable_and_sometimes_not() {
        let limits = ComfortLimits::default();
        let (mut total, mut out) = (0, 0);
        let day0: Secs = 1_795_000_000 - 1_795_000_000 % 86_400;
        for zone in 0..12 {
            let kind = ZoneKind::ALL[zone % 4];
            for minute in (OPENS_MIN..CLOSES_MIN).step_by(5) {
                for day in 0..7 {
                    let t = day0 + day * 86_400 + i64::from(minute) * 60;
                    let m = reading(1, zone, kind, t, minute, 0.7);
                    let c = Comfort {
                        temperature_c: Some(m.temperature_c),
                        co2_ppm: Some(m.co2_ppm),
                        light_lux: Some(m.light_lux),
                        noise_db: Some(m.noise_db),
                    };
                    total += 1;
                    if !limits.assess(&c, kind).is_empty() {
                        out += 1;
                    }
                }
            }
        }
        let share = f64::from(out) / f64::from(total);
        assert!(share > 0.005 && share < 0.15, "out of range {share}");
    }

    #[test]
    fn co2_and_noise_rise_with_occupancy() {
        let t = 1_795_000_000 - 1_795_000_000 % 86_400 + 10 * 3600;
        let empty = reading(2, 0, ZoneKind::Group, t, 600, 0.0);
        let full = reading(2, 0, ZoneKind::Group, t, 600, 1.0);
        assert!(full.co2_ppm > empty.co2_ppm + 400.0);
        assert!(full.noise_db > empty.noise_db + 10.0);
        assert_eq!(reading(2, 0, ZoneKind::Group, t, 600, 1.0), full);
    }
}
