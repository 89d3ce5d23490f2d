//! Vendor dialects of the simulated library: the same library served through a vendor's API
//! shapes under a prefix on the same port, beside carrel's own APIs. Each flavour is a module
//! with `pub(crate) fn router() -> Router<Arc<Shared>>`; [`merged`] adds those switched on.
//!
//! May use: axum, server, library, domain.

pub mod qmatic;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use axum::Router;

use super::server::Shared;

/// A vendor dialect the simulator can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// Qmatic Orchestra under `/qmatic/rest/…` (HTTP basic authentication).
    Qmatic,
}

impl Flavor {
    /// Every flavour, in the order `--flavor` lists them.
    pub const ALL: [Flavor; 1] = [Flavor::Qmatic];

    /// The flavour's name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Qmatic => "qmatic",
        }
    }

    /// A comma-separated list of flavours, e.g. `qmatic`; repeated names count once.
    pub fn parse_list(text: &str) -> Result<Vec<Flavor>, String> {
        let mut out = Vec::new();
        for name in text.split(',').map(str::trim) {
            let f: Flavor = name.parse()?;
            if !out.contains(&f) {
                out.push(f);
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Flavor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Flavor::ALL.into_iter().find(|f| f.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = Flavor::ALL.iter().map(|f| f.as_str()).collect();
            format!("unknown flavour '{}' (known: {})", s.escape_debug(), known.join(", "))
        })
    }
}

/// `own` with the routes of each flavour in `flavors`.
pub(crate) fn merged(own: Router<Arc<Shared>>, flavors: &[Flavor]) -> Router<Arc<Shared>> {
    flavors.iter().fold(own, |app, f| match f {
        Flavor::Qmatic => app.merge(qmatic::router()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavour_lists_are_read_and_unknown_names_named() {
        assert_eq!(Flavor::parse_list("qmatic").unwrap(), [Flavor::Qmatic]);
        assert_eq!(Flavor::parse_list("qmatic, qmatic").unwrap(), [Flavor::Qmatic]);
        let e = Flavor::parse_list("qmatic,orchestra").unwrap_err();
        assert_eq!(e, "unknown flavour 'orchestra' (known: qmatic)");
        assert!(Flavor::parse_list("").unwrap_err().contains("unknown flavour ''"));
    }
}
