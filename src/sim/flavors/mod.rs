//! The simulated library in vendors' dialects. Each flavour serves the same library through
//! one vendor's API shapes, mounted under its own prefix on the simulator's one port
//! (`/libcal/1.1/…`, `/occuspace/v1/…`, `/qmatic/rest/…`, `/sensorthings/v1.1/…`), beside
//! carrel's own API, which is always served. A flavour is switched on by
//! [`SimConfig::flavors`](super::SimConfig) (`carrel sim --flavor libcal`). Flavour routes
//! answer through the same door as the sensor API, so `--faults` apply to them alike; they
//! check their own vendor's credentials instead of the sensor token.
//!
//! Adding a flavour: a module here with `pub(crate) fn router() -> Router<Arc<Shared>>`, a
//! variant of [`Flavor`], and its arm in [`router`].
//!
//! May use: server, library, the sim's models, domain, axum.

pub mod libcal;
pub mod occuspace;
pub mod qmatic;
pub mod sensorthings;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use axum::Router;

use super::server::Shared;

/// A vendor dialect the simulator can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flavor {
    /// Springshare LibCal: seats, bookings with check-in, utilisation, OAuth tokens.
    LibCal,
    /// Occuspace: zones as locations, counted (v1 now, v2 locations).
    Occuspace,
    /// Qmatic Orchestra: service points, queues and visits, sessions that open and close
    /// windows (HTTP basic authentication).
    Qmatic,
    /// OGC SensorThings API 1.1: Things, Datastreams and Observations of the comfort sensors.
    SensorThings,
}

impl Flavor {
    /// Every flavour the simulator speaks.
    pub const ALL: [Flavor; 4] =
        [Flavor::LibCal, Flavor::Occuspace, Flavor::Qmatic, Flavor::SensorThings];

    /// The flavour's name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::LibCal => "libcal",
            Flavor::Occuspace => "occuspace",
            Flavor::Qmatic => "qmatic",
            Flavor::SensorThings => "sensorthings",
        }
    }

    /// Where its routes are mounted.
    pub fn prefix(self) -> &'static str {
        match self {
            Flavor::LibCal => "/libcal",
            Flavor::Occuspace => "/occuspace",
            Flavor::Qmatic => "/qmatic",
            Flavor::SensorThings => "/sensorthings",
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A flavour name the simulator does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown flavour '{given}'; the simulator speaks: {}", known())]
pub struct UnknownFlavor {
    /// The name given.
    pub given: String,
}

fn known() -> String {
    Flavor::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
}

impl FromStr for Flavor {
    type Err = UnknownFlavor;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Flavor::ALL
            .iter()
            .copied()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownFlavor { given: s.trim().to_owned() })
    }
}

/// A comma-separated list of flavours (`libcal,sensorthings`), in the order given, each once; empty (or
/// `none`) for carrel's own API alone.
pub fn parse_flavors(s: &str) -> Result<Vec<Flavor>, UnknownFlavor> {
    let mut out = Vec::new();
    for word in s.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        if word.eq_ignore_ascii_case("none") {
            continue;
        }
        let f: Flavor = word.parse()?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    Ok(out)
}

/// The routes of `flavors`, to merge into the simulator's router.
pub(crate) fn router(flavors: &[Flavor]) -> Router<Arc<Shared>> {
    flavors.iter().fold(Router::new(), |r, f| match f {
        Flavor::LibCal => r.merge(libcal::router()),
        Flavor::Occuspace => r.merge(occuspace::router()),
        Flavor::Qmatic => r.merge(qmatic::router()),
        Flavor::SensorThings => r.merge(sensorthings::router()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavour_lists_parse_and_unknown_names_are_named() {
        assert_eq!(parse_flavors("libcal").unwrap(), [Flavor::LibCal]);
        assert_eq!(parse_flavors(" LibCal , libcal,").unwrap(), [Flavor::LibCal]);
        assert!(parse_flavors("").unwrap().is_empty());
        assert!(parse_flavors("none").unwrap().is_empty());
        assert_eq!(parse_flavors("qmatic,libcal").unwrap(), [Flavor::Qmatic, Flavor::LibCal]);
        assert_eq!(
            parse_flavors("sensorthings,occuspace").unwrap(),
            [Flavor::SensorThings, Flavor::Occuspace]
        );
        let e = parse_flavors("libcal,orchestra").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown flavour 'orchestra'; the simulator speaks: libcal, occuspace, qmatic, sensorthings"
        );
    }
}
