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
//! Pure; no I/O.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::layout::UnknownName;
use super::merkle::{Hash, leaf_hash};

/// The first line of the current canonical encoding.
pub const FORMAT: &str = "carrel-audit/1";

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
        out.extend_from_slice(FORMAT.as_bytes());
        out.push(b'\n');
        let time = e.at.to_rfc3339_opts(SecondsFormat::Millis, true);
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
            out.extend_from_slice(name.as_bytes());
            out.push(b':');
            out.extend_from_slice(value.len().to_string().as_bytes());
            out.push(b':');
            out.extend_from_slice(value.as_bytes());
            out.push(b'\n');
        }
        out
    }

    pub fn leaf(&self) -> Hash {
        leaf_hash(&self.canonical())
    }
}

/// A signed tree head: the log's size and root at a moment, signed with the installation's
/// ed25519 key, for a committee party to keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// `carrel-checkpoint/1`.
    pub format: String,
    /// Which log: the library's name.
    pub origin: String,
    pub size: u64,
    /// Hex of the tree's root hash.
    pub root: String,
    pub time: DateTime<Utc>,
    /// Hex of the signer's ed25519 public key.
    pub public_key: String,
    /// Hex of the ed25519 signature over [`Checkpoint::signed_message`].
    pub signature: String,
}

pub const CHECKPOINT_FORMAT: &str = "carrel-checkpoint/1";

impl Checkpoint {
    /// The bytes that are signed: format, origin, size, root and time, one per line.
    pub fn signed_message(origin: &str, size: u64, root: &str, time: DateTime<Utc>) -> Vec<u8> {
        format!(
            "{CHECKPOINT_FORMAT}\n{origin}\n{size}\n{root}\n{}\n",
            time.to_rfc3339_opts(SecondsFormat::Millis, true)
        )
        .into_bytes()
    }

    pub fn message(&self) -> Vec<u8> {
        Self::signed_message(&self.origin, self.size, &self.root, self.time)
    }
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
    fn values_cannot_smuggle_fields() {
        // A value holding a newline and a field name stays one field: lengths decide.
        let a = entry("x\noutcome:6:denied");
        let mut b = entry("x");
        b.entry.outcome = Outcome::Denied;
        assert_ne!(a.canonical(), b.canonical());
        assert_ne!(a.leaf(), b.leaf());
    }
}
