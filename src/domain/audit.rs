//! Audit entries and their canonical encoding, and signed checkpoints of the log.
//!
//! Every state change and every read of patron-linked data is one entry. An entry's canonical
//! bytes are the leaf data of the Merkle tree, so the encoding is fixed and versioned:
//!
//! ```text
//! carrel-audit/1\n
//! seq:<len>:<index>\n  time:<len>:<RFC 3339, UTC, milliseconds>\n  actor:<len>:<login>\n
//! role:<len>:<role or ->\n  action:<len>:<action>\n  object:<len>:<object>\n
//! purpose:<len>:<text>\n  outcome:<len>:<allowed|denied|failed>\n  details:<len>:<text>\n
//! ```
//!
//! Each field is `name:byte-length:value` and a newline, in that order, so no value can be
//! mistaken for another whatever bytes it holds. A later format changes the first line.
//!
//! An entry made under `--as` (impersonation, demo databases only) is written in format 2:
//! the first line `carrel-audit/2`, the fields above, then `impersonator:<len>:<OS login>\n`,
//! the login that ran the process. Every other entry keeps format 1 byte for byte, so logs
//! written before format 2 existed verify unchanged.
//!
//! Pure; no I/O.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::layout::UnknownName;
use super::merkle::{Hash, leaf_hash};

/// The first line of the canonical encoding of an ordinary entry.
pub const FORMAT: &str = "carrel-audit/1";

/// The first line of the canonical encoding of an entry made under `--as`.
pub const FORMAT_IMPERSONATED: &str = "carrel-audit/2";

/// The action of a database's first entry, which records how it was created.
pub const CREATION_ACTION: &str = "database.create";

/// What came of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Permitted and done.
    Allowed,
    /// Refused by the policy.
    Denied,
    /// Permitted, but it did not happen (a remote API refused or failed).
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

impl FromStr for Outcome {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Outcome::Allowed, Outcome::Denied, Outcome::Failed]
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "outcome",
                given: s.to_owned(),
                expected: "allowed, denied, failed".into(),
            })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An entry before it has a place in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// The role that permitted the action, or `-`.
    pub role: String,
    /// What was attempted, e.g. `seat.release`.
    pub action: String,
    /// What it was done to, e.g. `seat:F1-Z2-S014`.
    pub object: String,
    /// Why, as the actor stated it (for reads of patron data).
    pub purpose: String,
    pub outcome: Outcome,
    /// More, as compact JSON or plain text.
    pub details: String,
    /// The operating-system login that ran the process, when it acted as `actor` with `--as`
    /// (demo databases only); `None` when the actor is who ran it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impersonator: Option<String>,
}

/// An entry in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its leaf index, from 0.
    pub seq: u64,
    #[serde(flatten)]
    pub entry: NewEntry,
}

impl Entry {
    /// The canonical bytes: the leaf data of the tree.
    pub fn canonical(&self) -> Vec<u8> {
        let e = &self.entry;
        let mut out = Vec::with_capacity(160 + e.details.len());
        let format = if e.impersonator.is_some() { FORMAT_IMPERSONATED } else { FORMAT };
        out.extend_from_slice(format.as_bytes());
        out.push(b'\n');
        let time = e.at.to_rfc3339_opts(SecondsFormat::Millis, true);
        let field = |out: &mut Vec<u8>, name: &str, value: &str| {
            out.extend_from_slice(name.as_bytes());
            out.push(b':');
            out.extend_from_slice(value.len().to_string().as_bytes());
            out.push(b':');
            out.extend_from_slice(value.as_bytes());
            out.push(b'\n');
        };
        for (name, value) in [
            ("seq", self.seq.to_string().as_str()),
            ("time", time.as_str()),
            ("actor", &e.actor),
            ("role", &e.role),
            ("action", &e.action),
            ("object", &e.object),
            ("purpose", &e.purpose),
            ("outcome", e.outcome.as_str()),
            ("details", &e.details),
        ] {
            field(&mut out, name, value);
        }
        if let Some(login) = &e.impersonator {
            field(&mut out, "impersonator", login);
        }
        out
    }

    /// What the first entry of a database says about its creation, if it is a creation entry.
    pub fn creation(&self) -> Option<Creation> {
        let e = &self.entry;
        if self.seq != 0 || e.action != CREATION_ACTION || e.outcome != Outcome::Allowed {
            return None;
        }
        serde_json::from_str(&e.details).ok()
    }

    pub fn leaf(&self) -> Hash {
        leaf_hash(&self.canonical())
    }
}

/// How a database was made, as its first audit entry records it: whether it is a demo
/// database (where `--as` is accepted) and its id. Fixed at creation; the store's own marks
/// are checked against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creation {
    pub demo: bool,
    /// 32 hex digits, random, naming this database (its key files are named by it).
    pub database_id: String,
    /// The verifier key of the log's key (c2sp.org/signed-note), which signs every
    /// checkpoint until a rotation entry names another. Absent in a database made before
    /// carrel kept one log key per database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_key: Option<String>,
}

/// The origin of the log of the database with `database_id`: the first line of its
/// checkpoints and the name of its key.
pub fn log_origin(database_id: &str) -> String {
    format!("carrel/{database_id}")
}

/// A verification, for the System tab and `carrel status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationRecord {
    pub at: DateTime<Utc>,
    pub size: u64,
    pub root: String,
    pub ok: bool,
    pub first_bad: Option<u64>,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(details: &str) -> Entry {
        Entry {
            seq: 7,
            entry: NewEntry {
                at: Utc.with_ymd_and_hms(2026, 11, 21, 14, 3, 7).unwrap()
                    + chrono::Duration::milliseconds(123),
                actor: "dana".into(),
                role: "desk".into(),
                action: "seat.release".into(),
                object: "seat:F1-Z2-S014".into(),
                purpose: String::new(),
                outcome: Outcome::Allowed,
                details: details.into(),
                impersonator: None,
            },
        }
    }

    #[test]
    fn the_canonical_encoding_is_exactly_as_documented() {
        let bytes = entry("{\"label\":\"1N-014\"}").canonical();
        let expected = "carrel-audit/1\nseq:1:7\ntime:24:2026-11-21T14:03:07.123Z\nactor:4:dana\nrole:4:desk\n\
            action:12:seat.release\nobject:15:seat:F1-Z2-S014\npurpose:0:\noutcome:7:allowed\n\
            details:18:{\"label\":\"1N-014\"}\n";
        assert_eq!(String::from_utf8(bytes).unwrap(), expected);
    }

    #[test]
    fn an_impersonated_entry_is_format_2_with_the_login_that_ran_it() {
        let mut e = entry("");
        let plain = e.canonical();
        e.entry.impersonator = Some("root".into());
        let text = String::from_utf8(e.canonical()).unwrap();
        assert!(text.starts_with("carrel-audit/2\nseq:1:7\n"), "{text}");
        assert!(text.ends_with("details:0:\nimpersonator:4:root\n"), "{text}");
        assert_ne!(leaf_hash(&plain), e.leaf());
    }

    #[test]
    fn only_a_first_allowed_creation_entry_says_how_the_database_was_made() {
        let mut e = entry(r#"{"demo":true,"database_id":"00ff"}"#);
        e.entry.action = CREATION_ACTION.into();
        assert_eq!(e.creation(), None, "not entry 0");
        e.seq = 0;
        assert_eq!(
            e.creation(),
            Some(Creation { demo: true, database_id: "00ff".into(), log_key: None })
        );
        e.entry.outcome = Outcome::Denied;
        assert_eq!(e.creation(), None);
    }

    #[test]
    fn values_cannot_smuggle_fields() {
        // A value holding a newline and a field name stays one field: lengths decide.
        let a = entry("x\noutcome:6:denied");
        let mut b = entry("x");
        b.entry.outcome = Outcome::Denied;
        assert_ne!(a.canonical(), b.canonical());
        assert_ne!(a.leaf(), b.leaf());
    }
}
