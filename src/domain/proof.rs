//! A proof that an entry was logged, checkable with no database: the entry, its RFC 6962
//! inclusion proof, and the signed checkpoint (with the witnesses' cosignatures) it is
//! included in. `carrel audit prove N --json` writes one; `carrel audit check-proof FILE`
//! checks it.
//!
//! Pure; no I/O.

use serde::{Deserialize, Serialize};

use super::audit::Entry;
use super::checkpoint::SignedCheckpoint;
use super::merkle::{self, Hash};
use super::note::Vkey;

pub const PROOF_FORMAT: &str = "carrel-proof/1";

/// An entry, its inclusion proof in the latest checkpoint that holds it, and that checkpoint
/// with every cosignature kept for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofBundle {
    /// `carrel-proof/1`.
    pub format: String,
    pub entry: Entry,
    pub index: u64,
    pub tree_size: u64,
    /// Hex of the entry's leaf hash.
    pub leaf: String,
    /// Hex of the checkpoint's root.
    pub root: String,
    /// The inclusion proof, leaf to root, hex.
    pub path: Vec<String>,
    /// The signed checkpoint, as a C2SP note with its cosignatures.
    pub checkpoint: String,
    /// The log's verifier key for that checkpoint, as the log named it (check it against
    /// the one the library publishes).
    pub log_key: String,
    /// The proof checked out with the independent verifier when it was made.
    pub verified: bool,
}

/// What checking a proof found: each step in a sentence, and whether all held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofCheck {
    pub ok: bool,
    pub steps: Vec<(bool, String)>,
}

/// Checks `b`: the entry's leaf, its inclusion in the checkpoint's tree, the checkpoint's
/// signature by `log_key` (the bundle's own key when none is given, which is said), and at
/// least `needed` valid cosignatures from `witnesses`.
pub fn check(
    b: &ProofBundle,
    log_key: Option<&Vkey>,
    witnesses: &[Vkey],
    needed: usize,
) -> ProofCheck {
    let mut steps = Vec::new();
    let mut step = |ok: bool, what: String| {
        steps.push((ok, what));
        ok
    };
    if b.format != PROOF_FORMAT {
        step(false, format!("unknown format '{}' (expected {PROOF_FORMAT})", b.format));
        return finish(steps);
    }
    let leaf = b.entry.leaf();
    let seq_ok = b.entry.seq == b.index;
    step(
        seq_ok && hex::encode(leaf) == b.leaf,
        if seq_ok {
            format!("entry {}: its leaf hash is {}", b.index, hex::encode(leaf))
        } else {
            format!(
                "the entry says it is entry {}, the proof is for entry {}",
                b.entry.seq, b.index
            )
        },
    );
    let signed = match SignedCheckpoint::parse(&b.checkpoint) {
        Ok(s) => s,
        Err(why) => {
            step(false, format!("the checkpoint is not a signed checkpoint: {why}"));
            return finish(steps);
        }
    };
    let c = &signed.checkpoint;
    let path: Option<Vec<Hash>> =
        b.path.iter().map(|h| hex::decode(h).ok().and_then(|v| v.try_into().ok())).collect();
    let included = c.size == b.tree_size
        && path.is_some_and(|p| merkle::verify_inclusion(b.index, c.size, &leaf, &p, &c.root));
    step(
        included,
        if included {
            format!("entry {} is in the tree of {} entries the checkpoint signs", b.index, c.size)
        } else {
            format!(
                "the inclusion proof does not lead from entry {} to the checkpoint's root (size {})",
                b.index, c.size
            )
        },
    );
    let bundled = Vkey::parse(&b.log_key);
    let (key, trusted) = match (log_key, &bundled) {
        (Some(k), _) => (Some(k.clone()), true),
        (None, Ok(k)) => (Some(k.clone()), false),
        (None, Err(e)) => {
            step(false, format!("the proof's log key is not a verifier key: {e}"));
            (None, false)
        }
    };
    if let Some(key) = key {
        match signed.verify(&key) {
            Ok(()) => step(
                true,
                if trusted {
                    format!("the checkpoint is signed by the log key {key}")
                } else {
                    format!(
                        "the checkpoint is signed by the key the proof names, {key}: compare it with the key the library publishes, or pass --log-key"
                    )
                },
            ),
            Err(why) => step(false, format!("the checkpoint's signature: {why}")),
        };
    }
    if !witnesses.is_empty() || needed > 0 {
        let mut valid = 0;
        let mut each = Vec::new();
        for (w, r) in signed.cosignatures(witnesses) {
            match r {
                Ok(t) => {
                    valid += 1;
                    let at = chrono::DateTime::from_timestamp(i64::try_from(t).unwrap_or(0), 0)
                        .map(|d| d.to_rfc3339())
                        .unwrap_or_default();
                    each.push(format!("{} cosigned at {at}", w.name()));
                }
                Err(why) => each.push(format!("{}: {why}", w.name())),
            }
        }
        step(
            valid >= needed,
            format!(
                "{valid} of {} witnesses cosigned the checkpoint ({} needed): {}",
                witnesses.len(),
                needed,
                each.join("; ")
            ),
        );
    }
    finish(steps)
}

fn finish(steps: Vec<(bool, String)>) -> ProofCheck {
    ProofCheck { ok: steps.iter().all(|(ok, _)| *ok), steps }
}
