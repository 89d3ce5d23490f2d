//! How a simulated library is set up: seed, speed of time, size, faults, start time, time zone,
//! tokens, the site key for pseudonyms, and the vendor flavours served beside the own API.
//!
//! May use: chrono, chrono-tz, faults, flavors (their settings).

use std::net::SocketAddr;

use chrono::{DateTime, SubsecRound, Utc};

use super::faults::FaultPlan;
use super::flavors::Flavor;
use super::flavors::libcal::LibCalSim;

/// The fewest seats a simulated library may have.
pub const MIN_SEATS: u32 = 20;
/// The most seats a simulated library may have.
/// Seats in the simulated library unless told otherwise (`--seats`).
pub const DEFAULT_SEATS: u32 = 600;
pub const MAX_SEATS: u32 = 20_000;
/// The fastest simulated time may run: one real second is about eleven simulated days.
pub const MAX_SPEED: f64 = 1_000_000.0;

/// The settings of one simulated library.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Everything random in the library follows from the seed.
    pub seed: u64,
    /// Simulated seconds per real second: 0 freezes time, 60 makes a real second a simulated
    /// minute.
    pub speed: f64,
    /// Total seats, from 20 to 20,000.
    pub seats: u32,
    pub faults: FaultPlan,
    /// Simulated time at startup.
    pub start: DateTime<Utc>,
    /// The library's local time zone; opening hours are local.
    pub timezone: chrono_tz::Tz,
    /// When set, the sensor API requires `Authorization: Bearer <token>`.
    pub sensor_token: Option<String>,
    /// When set, the recommendation API requires `Authorization: Bearer <token>`.
    pub recs_token: Option<String>,
    /// Key for patron pseudonyms (HMAC-SHA256 of the card number).
    pub site_key: Vec<u8>,
    /// Vendor dialects served beside carrel's own API (which is always served).
    pub flavors: Vec<Flavor>,
    /// The LibCal flavour's credentials, token lifetime and no-show time.
    pub libcal: LibCalSim,
    /// The Qmatic flavour's basic-authentication login.
    pub qmatic_user: String,
    /// The Qmatic flavour's basic-authentication password.
    pub qmatic_password: String,
}

impl SimConfig {
    /// A library of 600 seats in UTC, running in real time from now (to the second), with no
    /// faults, no tokens, a site key derived from the seed, and no vendor flavour (LibCal's
    /// settings ready for when it is switched on: [`LibCalSim::for_seed`]).
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            speed: 1.0,
            seats: DEFAULT_SEATS,
            faults: FaultPlan::none(),
            start: Utc::now().trunc_subsecs(0),
            timezone: chrono_tz::UTC,
            sensor_token: None,
            recs_token: None,
            site_key: site_key_for(seed),
            flavors: Vec::new(),
            libcal: LibCalSim::for_seed(seed),
            qmatic_user: DEFAULT_QMATIC_USER.to_owned(),
            qmatic_password: DEFAULT_QMATIC_PASSWORD.to_owned(),
        }
    }

    /// Checks the settings are usable.
    pub fn validate(&self) -> Result<(), SimError> {
        if !(MIN_SEATS..=MAX_SEATS).contains(&self.seats) {
            return Err(SimError::Config(format!(
                "seats must be between {MIN_SEATS} and {MAX_SEATS}, got {}",
                self.seats
            )));
        }
        if !(self.speed.is_finite() && (0.0..=MAX_SPEED).contains(&self.speed)) {
            return Err(SimError::Config(format!(
                "speed must be between 0 and {MAX_SPEED} simulated seconds per second, got {}",
                self.speed
            )));
        }
        if self.site_key.is_empty() {
            return Err(SimError::Config("the site key must not be empty".to_owned()));
        }
        for (api, token) in [("sensor", &self.sensor_token), ("recs", &self.recs_token)] {
            if token.as_deref().is_some_and(|t| t.is_empty() || t.contains(char::is_whitespace)) {
                return Err(SimError::Config(format!(
                    "the {api} token must be non-empty and without spaces"
                )));
            }
        }
        self.libcal.validate().map_err(SimError::Config)?;
        if self.qmatic_user.is_empty()
            || self.qmatic_user.contains(':')
            || self.qmatic_password.is_empty()
            || format!("{}{}", self.qmatic_user, self.qmatic_password).chars().any(char::is_control)
        {
            return Err(SimError::Config(
                "the Qmatic login must be non-empty without ':', the password non-empty, \
                 neither with control characters"
                    .to_owned(),
            ));
        }
        Ok(())
    }
}

/// The Qmatic flavour's login unless told otherwise (`CARREL_QMATIC_USER`).
pub const DEFAULT_QMATIC_USER: &str = "carrel";
/// The Qmatic flavour's password unless told otherwise (`CARREL_QMATIC_PASSWORD`).
pub const DEFAULT_QMATIC_PASSWORD: &str = "carrel-sim";

/// The site key [`SimConfig::new`] uses for `seed`; the demo database uses the same.
pub fn site_key_for(seed: u64) -> Vec<u8> {
    format!("carrel-sim-site-key-{seed:016x}").into_bytes()
}

/// Why a simulated library could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid simulator setting: {0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the simulated library failed to warm up: {0}")]
    Warmup(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_sensible_and_checked() {
        let c = SimConfig::new(3);
        assert_eq!((c.seats, c.speed), (600, 1.0));
        assert_eq!(c.start.timestamp_subsec_nanos(), 0);
        assert_eq!(c.site_key, SimConfig::new(3).site_key);
        assert_ne!(c.site_key, SimConfig::new(4).site_key);
        assert!(c.validate().is_ok());
        let too_many = SimConfig { seats: 20_001, ..c.clone() };
        assert!(too_many.validate().unwrap_err().to_string().contains("20001"));
        let backwards = SimConfig { speed: -1.0, ..c.clone() };
        assert!(backwards.validate().is_err());
        let spaced = SimConfig { sensor_token: Some("a b".into()), ..c.clone() };
        assert!(spaced.validate().is_err());
        let colon = SimConfig { qmatic_user: "a:b".into(), ..c.clone() };
        assert!(colon.validate().unwrap_err().to_string().contains("Qmatic login"));
        let empty = SimConfig { qmatic_password: String::new(), ..c };
        assert!(empty.validate().is_err());
    }
}
