//! The audit log's key over time, as the log itself records it.
//!
//! Entry 0 (the creation entry) names the first key (`Creation::log_key`). A database made
//! before carrel kept one log key per database gets its key from one `audit.key.create` entry.
//! Each `audit.key.rotate` entry names the next key, with the old key's Ed25519 signature over
//! [`rotation_statement`], so only the holder of the old key can hand the log on. A key named
//! by entry `s` signs every checkpoint of a tree larger than `s` entries, until the next
//! rotation.
//!
//! Pure and streaming: entries arrive in order through [`LogKeys::observe`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use super::audit::{Entry, Outcome};
use super::note::{Alg, Signer, Vkey};

/// The action of the entry that gives a key to a log that had none.
pub const CREATE_ACTION: &str = "audit.key.create";

/// The action of the entry that hands the log from one key to the next.
pub const ROTATE_ACTION: &str = "audit.key.rotate";

/// The details of a key entry (create or rotate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyChange {
    /// The new key, as a verifier key.
    pub key: String,
    /// The key it replaces (rotation only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// Base64 of the old key's signature over [`rotation_statement`] (rotation only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// What the old key signs to hand the log to the new one.
pub fn rotation_statement(old: &str, new: &str) -> Vec<u8> {
    format!("carrel-log-key-rotation/1\nold {old}\nnew {new}\n").into_bytes()
}

/// 32 random bytes a new log key is made from, before the database (and so the key's name,
/// the log's origin) exists. Never printed.
#[derive(Clone)]
pub struct LogKeySeed(pub [u8; 32]);

impl std::fmt::Debug for LogKeySeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogKeySeed(..)")
    }
}

impl LogKeySeed {
    /// The log key of the database with `database_id`.
    pub fn signer(&self, database_id: &str) -> Signer {
        let origin = super::audit::log_origin(database_id);
        // The origin is `carrel/` and hex digits: always a valid key name.
        Signer::from_seed(&origin, Alg::Ed25519, self.0)
            .unwrap_or_else(|_| unreachable!("carrel/<hex> is a key name"))
    }
}

/// The keys the log has named so far.
#[derive(Debug, Clone, Default)]
pub struct LogKeys {
    /// (entry that named it, key), in log order.
    keys: Vec<(u64, Vkey)>,
    problems: Vec<String>,
}

impl LogKeys {
    pub fn new() -> LogKeys {
        LogKeys::default()
    }

    /// Takes the next entry of the log.
    pub fn observe(&mut self, e: &Entry) {
        if e.entry.outcome != Outcome::Allowed {
            return;
        }
        if let Some(creation) = e.creation() {
            if let Some(text) = creation.log_key {
                match log_vkey(&text) {
                    Ok(k) => self.keys.push((0, k)),
                    Err(why) => self.problems.push(format!("entry 0 names a log key that {why}")),
                }
            }
            return;
        }
        let action = e.entry.action.as_str();
        if action != CREATE_ACTION && action != ROTATE_ACTION {
            return;
        }
        let seq = e.seq;
        let change: KeyChange = match serde_json::from_str(&e.entry.details) {
            Ok(c) => c,
            Err(_) => {
                self.problems.push(format!("entry {seq} changes the log key but names none"));
                return;
            }
        };
        let new = match log_vkey(&change.key) {
            Ok(k) => k,
            Err(why) => {
                self.problems.push(format!("entry {seq} names a log key that {why}"));
                return;
            }
        };
        match (action, self.current()) {
            (CREATE_ACTION, None) => self.keys.push((seq, new)),
            (CREATE_ACTION, Some(_)) => self.problems.push(format!(
                "entry {seq} gives the log a key, but the log has one already: only a rotation signed by the old key may change it"
            )),
            (_, None) => self.problems.push(format!(
                "entry {seq} rotates the log key, but the log has no key to rotate"
            )),
            (_, Some(current)) => {
                if let Err(why) = check_rotation(current, &new, &change) {
                    self.problems.push(format!("entry {seq} rotates the log key, but {why}"));
                } else {
                    self.keys.push((seq, new));
                }
            }
        }
    }

    /// The key that signs checkpoints of a tree of `size` entries.
    pub fn at(&self, size: u64) -> Option<&Vkey> {
        self.keys.iter().rev().find(|(s, _)| *s < size).map(|(_, k)| k)
    }

    /// The key in force now.
    pub fn current(&self) -> Option<&Vkey> {
        self.keys.last().map(|(_, k)| k)
    }

    /// Every key the log has named, with the entry that named it.
    pub fn all(&self) -> &[(u64, Vkey)] {
        &self.keys
    }

    /// What was wrong with the key entries, in sentences.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

/// A log key: an Ed25519 note key (type 0x01).
pub fn log_vkey(text: &str) -> Result<Vkey, String> {
    let k = Vkey::parse(text).map_err(|e| format!("is not a verifier key ({e})"))?;
    if k.alg() != Alg::Ed25519 {
        return Err("is not an Ed25519 note key".into());
    }
    Ok(k)
}

fn check_rotation(current: &Vkey, new: &Vkey, change: &KeyChange) -> Result<(), String> {
    if change.old.as_deref() != Some(current.to_string().as_str()) {
        return Err(format!("its old key is not the log's key {current}"));
    }
    if new.name() != current.name() {
        return Err(format!(
            "the new key is named '{}', not the log's origin '{}'",
            new.name(),
            current.name()
        ));
    }
    let sig: [u8; 64] = change
        .signature
        .as_deref()
        .and_then(|s| B64.decode(s).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or("it carries no signature by the old key")?;
    current
        .key()
        .verify_strict(
            &rotation_statement(&current.to_string(), &new.to_string()),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .map_err(|_| "the old key did not sign it".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{CREATION_ACTION, Creation, NewEntry};
    use chrono::Utc;

    fn entry(seq: u64, action: &str, details: String) -> Entry {
        Entry {
            seq,
            entry: NewEntry {
                at: Utc::now(),
                actor: "sam".into(),
                role: "sysadmin".into(),
                action: action.into(),
                object: "audit".into(),
                purpose: String::new(),
                outcome: Outcome::Allowed,
                details,
                impersonator: None,
            },
        }
    }

    fn key(seed: u8) -> Signer {
        Signer::from_seed("carrel/ab12", Alg::Ed25519, [seed; 32]).unwrap()
    }

    fn creation(k: &Signer) -> Entry {
        let c = Creation {
            demo: false,
            database_id: "ab12".into(),
            log_key: Some(k.vkey().to_string()),
        };
        entry(0, CREATION_ACTION, serde_json::to_string(&c).unwrap())
    }

    fn rotation(seq: u64, old: &Signer, new: &Signer, signer: &Signer) -> Entry {
        let (o, n) = (old.vkey().to_string(), new.vkey().to_string());
        let sig = B64.encode(signer.sign_bytes(&rotation_statement(&o, &n)));
        let c = KeyChange { key: n, old: Some(o), signature: Some(sig) };
        entry(seq, ROTATE_ACTION, serde_json::to_string(&c).unwrap())
    }

    #[test]
    fn a_rotation_signed_by_the_old_key_hands_later_checkpoints_to_the_new_one() {
        let (a, b) = (key(1), key(2));
        let mut keys = LogKeys::new();
        keys.observe(&creation(&a));
        keys.observe(&rotation(5, &a, &b, &a));
        assert!(keys.problems().is_empty(), "{:?}", keys.problems());
        assert_eq!(keys.at(1), Some(&a.vkey()));
        assert_eq!(keys.at(5), Some(&a.vkey()), "a tree of 5 entries ends before the rotation");
        assert_eq!(keys.at(6), Some(&b.vkey()));
        assert_eq!(keys.current(), Some(&b.vkey()));
    }

    #[test]
    fn a_rotation_not_signed_by_the_old_key_is_refused() {
        let (a, b) = (key(1), key(2));
        let mut keys = LogKeys::new();
        keys.observe(&creation(&a));
        keys.observe(&rotation(5, &a, &b, &b));
        assert_eq!(keys.current(), Some(&a.vkey()));
        assert!(keys.problems()[0].contains("entry 5"), "{:?}", keys.problems());
        assert!(keys.problems()[0].contains("old key did not sign"), "{:?}", keys.problems());
    }

    #[test]
    fn a_second_create_is_refused_and_a_first_one_is_taken() {
        let (a, b) = (key(1), key(2));
        let create = |seq, k: &Signer| {
            let c = KeyChange { key: k.vkey().to_string(), old: None, signature: None };
            entry(seq, CREATE_ACTION, serde_json::to_string(&c).unwrap())
        };
        let mut keys = LogKeys::new();
        keys.observe(&entry(0, CREATION_ACTION, r#"{"demo":false,"database_id":"ab12"}"#.into()));
        assert_eq!(keys.current(), None);
        keys.observe(&create(3, &a));
        keys.observe(&create(4, &b));
        assert_eq!(keys.current(), Some(&a.vkey()));
        assert_eq!(keys.at(3), None);
        assert!(keys.problems()[0].contains("entry 4"), "{:?}", keys.problems());
    }
}
