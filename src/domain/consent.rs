//! Consent: what a patron agreed to, how the library enforces it, and the history of changes.
//!
//! A patron's consent to a purpose is the latest change recorded for it; no change recorded
//! means no consent. How much that matters is the library's consent mode, named after Koha's
//! `PrivacyPolicyConsent`: `disabled` (consent is not tracked or checked), `permissive` (reads
//! for a consent purpose go ahead without consent but are flagged) or `enforced` (refused
//! without consent).
//!
//! Pure. May use: chrono, serde.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a patron may consent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurpose {
    /// An interest profile built from loans, searches and visits.
    Profiling,
    /// Recommendations from the recommendation service.
    Recommendations,
}

impl ConsentPurpose {
    pub const ALL: [ConsentPurpose; 2] =
        [ConsentPurpose::Profiling, ConsentPurpose::Recommendations];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentPurpose::Profiling => "profiling",
            ConsentPurpose::Recommendations => "recommendations",
        }
    }

    pub fn parse(s: &str) -> Result<ConsentPurpose, String> {
        ConsentPurpose::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim())
            .ok_or_else(|| format!("unknown consent purpose '{s}' (profiling or recommendations)"))
    }
}

impl fmt::Display for ConsentPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the library treats consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMode {
    /// Consent is not tracked or checked.
    Disabled,
    /// Reads for a consent purpose go ahead without consent, flagged for review.
    Permissive,
    /// Reads for a consent purpose are refused without consent.
    #[default]
    Enforced,
}

impl ConsentMode {
    pub const ALL: [ConsentMode; 3] =
        [ConsentMode::Disabled, ConsentMode::Permissive, ConsentMode::Enforced];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentMode::Disabled => "disabled",
            ConsentMode::Permissive => "permissive",
            ConsentMode::Enforced => "enforced",
        }
    }

    pub fn parse(s: &str) -> Result<ConsentMode, String> {
        ConsentMode::ALL.into_iter().find(|m| m.as_str() == s.trim()).ok_or_else(|| {
            format!("'{s}' is not a consent mode (disabled, permissive or enforced)")
        })
    }

    /// What the mode means, in a few words.
    pub fn meaning(self) -> &'static str {
        match self {
            ConsentMode::Disabled => "consent is not checked",
            ConsentMode::Permissive => "reads without consent are allowed but flagged",
            ConsentMode::Enforced => "reads without consent are refused",
        }
    }
}

impl fmt::Display for ConsentMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a read for a consent purpose may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentDecision {
    Allowed,
    /// Allowed without consent, and to be flagged for review.
    Flagged,
    Refused,
}

/// Whether a read for a purpose may go ahead under `mode`, given the patron's current consent
/// to it (`None`: never recorded, which counts as not given).
pub fn decide(mode: ConsentMode, granted: Option<bool>) -> ConsentDecision {
    match (mode, granted) {
        (ConsentMode::Disabled, _) | (_, Some(true)) => ConsentDecision::Allowed,
        (ConsentMode::Permissive, _) => ConsentDecision::Flagged,
        (ConsentMode::Enforced, _) => ConsentDecision::Refused,
    }
}

/// Where a consent change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentSource {
    /// Recorded at the desk (`carrel consent grant|withdraw`).
    Desk,
    /// A column of an imported patron file.
    Import,
    /// Seeded into a demo database.
    Demo,
}

impl ConsentSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentSource::Desk => "desk",
            ConsentSource::Import => "import",
            ConsentSource::Demo => "demo",
        }
    }

    pub fn parse(s: &str) -> Result<ConsentSource, String> {
        [ConsentSource::Desk, ConsentSource::Import, ConsentSource::Demo]
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("unknown consent source '{s}'"))
    }
}

impl fmt::Display for ConsentSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recorded change of a patron's consent to a purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentChange {
    pub pseudonym: String,
    pub purpose: ConsentPurpose,
    pub granted: bool,
    pub at: DateTime<Utc>,
    /// The login that recorded it.
    pub by: String,
    pub source: ConsentSource,
    pub note: String,
}

/// The current consent to `purpose` in a history ordered oldest first: the latest change.
pub fn current(history: &[ConsentChange], purpose: ConsentPurpose) -> Option<&ConsentChange> {
    history.iter().rev().find(|c| c.purpose == purpose)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in ConsentPurpose::ALL {
            assert_eq!(ConsentPurpose::parse(p.as_str()), Ok(p));
        }
        for m in ConsentMode::ALL {
            assert_eq!(ConsentMode::parse(m.as_str()), Ok(m));
        }
        assert!(ConsentPurpose::parse("marketing").unwrap_err().contains("marketing"));
        assert!(ConsentMode::parse("strict").is_err());
        assert_eq!(ConsentMode::default(), ConsentMode::Enforced);
    }

    #[test]
    fn the_mode_decides_reads_without_consent() {
        use ConsentDecision::*;
        for mode in ConsentMode::ALL {
            assert_eq!(decide(mode, Some(true)), Allowed, "{mode}");
        }
        assert_eq!(decide(ConsentMode::Disabled, None), Allowed);
        assert_eq!(decide(ConsentMode::Permissive, Some(false)), Flagged);
        assert_eq!(decide(ConsentMode::Permissive, None), Flagged);
        assert_eq!(decide(ConsentMode::Enforced, Some(false)), Refused);
        assert_eq!(decide(ConsentMode::Enforced, None), Refused);
    }

    #[test]
    fn the_latest_change_is_the_current_consent() {
        let change = |purpose, granted, minute: i64| ConsentChange {
            pseudonym: "p".into(),
            purpose,
            granted,
            at: DateTime::from_timestamp(minute * 60, 0).unwrap(),
            by: "dana".into(),
            source: ConsentSource::Desk,
            note: String::new(),
        };
        let h = vec![
            change(ConsentPurpose::Recommendations, true, 1),
            change(ConsentPurpose::Profiling, true, 2),
            change(ConsentPurpose::Recommendations, false, 3),
        ];
        assert!(!current(&h, ConsentPurpose::Recommendations).unwrap().granted);
        assert!(current(&h, ConsentPurpose::Profiling).unwrap().granted);
        assert!(current(&h[..1], ConsentPurpose::Profiling).is_none());
    }
}
