//! Fault injection: what the simulated APIs do wrong, on purpose, so that the console's feeds
//! can be tested against slow, failing, malformed and hostile servers.
//!
//! A [`FaultPlan`] is written as a comma-separated list of profiles, each optionally prefixed
//! with `sensor:` or `recs:` to target one API (no prefix: both), e.g. `latency`,
//! `errors,hostile`, `recs:errors`, `sensor:timeout,recs:malformed`. Profiles and their rates:
//!
//! | profile | effect |
//! | --- | --- |
//! | `none` | nothing |
//! | `latency` | every response is delayed 0.2–3 s |
//! | `errors` | 40% of responses are 500, 502 or 503 with an `ApiError` body |
//! | `timeout` | 30% of requests hang for 120 s before answering |
//! | `malformed` | 30% of bodies are not JSON |
//! | `truncated` | 30% of bodies stop part-way (the HTTP response itself is sound) |
//! | `oversized` | 30% of bodies are at least 64 MiB, streamed lazily |
//! | `hostile` | half the records carry terminal escapes, bidi overrides, huge, wide, combining and zero-width text |
//! | `bad-records` | 10% of the records of every list are individually invalid |
//! | `chaos` | all of the above at lower rates (20%, 10%, 2%, 5%, 5%, 2%, 10%, 5%) |
//!
//! Decisions come from a stream keyed by the seed, the API and the request's number, so the
//! same requests in the same order meet the same faults.
//!
//! May use: random, axum, tokio, serde_json, domain.

mod deliver;
mod records;

pub use deliver::deliver;

use std::fmt;
use std::str::FromStr;

/// One of the two simulated APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    Sensor,
    Recs,
}

impl Api {
    pub fn as_str(self) -> &'static str {
        match self {
            Api::Sensor => "sensor",
            Api::Recs => "recs",
        }
    }
}

/// A fault profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    Latency,
    Errors,
    Timeout,
    Malformed,
    Truncated,
    Oversized,
    Hostile,
    BadRecords,
    Chaos,
}

impl Fault {
    pub const ALL: [Fault; 9] = [
        Fault::Latency,
        Fault::Errors,
        Fault::Timeout,
        Fault::Malformed,
        Fault::Truncated,
        Fault::Oversized,
        Fault::Hostile,
        Fault::BadRecords,
        Fault::Chaos,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Latency => "latency",
            Fault::Errors => "errors",
            Fault::Timeout => "timeout",
            Fault::Malformed => "malformed",
            Fault::Truncated => "truncated",
            Fault::Oversized => "oversized",
            Fault::Hostile => "hostile",
            Fault::BadRecords => "bad-records",
            Fault::Chaos => "chaos",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Which faults each API shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultPlan {
    sensor: u16,
    recs: u16,
}

/// Why a fault plan could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultPlanError {
    #[error("unknown fault profile '{given}' in '{plan}'; valid profiles: {valid}")]
    UnknownProfile { given: String, plan: String, valid: String },
    #[error("unknown API '{given}' in '{plan}'; valid APIs: sensor, recs")]
    UnknownApi { given: String, plan: String },
    #[error("empty fault profile in '{plan}'; valid profiles: {valid}")]
    Empty { plan: String, valid: String },
}

fn valid_profiles() -> String {
    std::iter::once("none")
        .chain(Fault::ALL.iter().map(|f| f.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl FaultPlan {
    /// Every profile name, `none` first.
    pub const PROFILES: [&'static str; 10] = [
        "none",
        "latency",
        "errors",
        "timeout",
        "malformed",
        "truncated",
        "oversized",
        "hostile",
        "bad-records",
        "chaos",
    ];

    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn is_none(&self) -> bool {
        self.sensor == 0 && self.recs == 0
    }

    /// The plan with `fault` added for `api`, or for both APIs when `api` is `None`.
    pub fn with(mut self, api: Option<Api>, fault: Fault) -> Self {
        if api != Some(Api::Recs) {
            self.sensor |= fault.bit();
        }
        if api != Some(Api::Sensor) {
            self.recs |= fault.bit();
        }
        self
    }

    /// Whether `api` shows `fault` (named in the plan, not implied by `chaos`).
    pub fn has(&self, api: Api, fault: Fault) -> bool {
        self.bits(api) & fault.bit() != 0
    }

    fn bits(&self, api: Api) -> u16 {
        match api {
            Api::Sensor => self.sensor,
            Api::Recs => self.recs,
        }
    }

    /// The chance of each fault for one response of `api`.
    pub fn rates(&self, api: Api) -> Rates {
        let on = |f: Fault, full: f64, chaos: f64| {
            if self.has(api, f) {
                full
            } else if self.has(api, Fault::Chaos) {
                chaos
            } else {
                0.0
            }
        };
        Rates {
            latency: on(Fault::Latency, 1.0, 0.2),
            errors: on(Fault::Errors, 0.4, 0.1),
            timeout: on(Fault::Timeout, 0.3, 0.02),
            malformed: on(Fault::Malformed, 0.3, 0.05),
            truncated: on(Fault::Truncated, 0.3, 0.05),
            oversized: on(Fault::Oversized, 0.3, 0.02),
            hostile: on(Fault::Hostile, 0.5, 0.1),
            bad_records: on(Fault::BadRecords, 0.1, 0.05),
        }
    }
}

/// The chance of each fault for one response (or, for the last two, for one record).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rates {
    pub latency: f64,
    pub errors: f64,
    pub timeout: f64,
    pub malformed: f64,
    pub truncated: f64,
    pub oversized: f64,
    pub hostile: f64,
    pub bad_records: f64,
}

impl FromStr for FaultPlan {
    type Err = FaultPlanError;

    fn from_str(plan: &str) -> Result<Self, Self::Err> {
        let mut out = FaultPlan::none();
        for part in plan.split(',') {
            let part = part.trim();
            let (api, name) = match part.split_once(':') {
                Some(("sensor", name)) => (Some(Api::Sensor), name.trim()),
                Some(("recs", name)) => (Some(Api::Recs), name.trim()),
                Some((given, _)) => {
                    return Err(FaultPlanError::UnknownApi {
                        given: given.to_owned(),
                        plan: plan.to_owned(),
                    });
                }
                None => (None, part),
            };
            if name.is_empty() {
                return Err(FaultPlanError::Empty {
                    plan: plan.to_owned(),
                    valid: valid_profiles(),
                });
            }
            if name == "none" {
                continue;
            }
            let fault = Fault::ALL.into_iter().find(|f| f.as_str() == name).ok_or_else(|| {
                FaultPlanError::UnknownProfile {
                    given: name.to_owned(),
                    plan: plan.to_owned(),
                    valid: valid_profiles(),
                }
            })?;
            out = out.with(api, fault);
        }
        Ok(out)
    }
}

impl fmt::Display for FaultPlan {
    /// The plan in the form [`FromStr`] reads: `none`, `errors,hostile`, or per API when the
    /// two differ, e.g. `sensor:timeout,recs:malformed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for fault in Fault::ALL {
            match (self.has(Api::Sensor, fault), self.has(Api::Recs, fault)) {
                (true, true) => parts.push(fault.as_str().to_owned()),
                (true, false) => parts.push(format!("sensor:{}", fault.as_str())),
                (false, true) => parts.push(format!("recs:{}", fault.as_str())),
                (false, false) => {}
            }
        }
        if parts.is_empty() { f.write_str("none") } else { f.write_str(&parts.join(",")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_parse_and_print_back() {
        for text in [
            "none",
            "latency",
            "errors,hostile",
            "recs:errors",
            "sensor:timeout,recs:malformed",
            "bad-records,chaos",
        ] {
            let plan: FaultPlan = text.parse().unwrap();
            assert_eq!(plan.to_string(), text);
            assert_eq!(plan.to_string().parse::<FaultPlan>().unwrap(), plan);
        }
        let plan: FaultPlan = " sensor:errors , recs:errors ".parse().unwrap();
        assert_eq!(plan.to_string(), "errors");
        assert!(FaultPlan::none().is_none());
        assert!("none".parse::<FaultPlan>().unwrap().is_none());
        assert_eq!(FaultPlan::PROFILES.len(), Fault::ALL.len() + 1);
    }

    #[test]
    fn bad_plans_name_the_culprit_and_the_choices() {
        let err = "latency,erors".parse::<FaultPlan>().unwrap_err().to_string();
        assert!(err.contains("'erors'"), "{err}");
        assert!(err.contains("bad-records"), "{err}");
        let err = "db:errors".parse::<FaultPlan>().unwrap_err().to_string();
        assert!(err.contains("'db'") && err.contains("sensor, recs"), "{err}");
        assert!("".parse::<FaultPlan>().is_err());
        assert!("recs:".parse::<FaultPlan>().is_err());
    }

    #[test]
    fn rates_follow_the_profiles() {
        let plan: FaultPlan = "recs:errors,chaos".parse().unwrap();
        assert_eq!(plan.rates(Api::Recs).errors, 0.4);
        assert_eq!(plan.rates(Api::Sensor).errors, 0.1);
        assert_eq!(plan.rates(Api::Sensor).timeout, 0.02);
        assert_eq!(FaultPlan::none().rates(Api::Sensor), Rates::default());
    }
}
