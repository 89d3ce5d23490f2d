//! `[audit]`: the witnesses the ingest submits checkpoints to, and how often.

use serde::{Deserialize, Serialize};

use crate::domain::note::{Alg, Vkey};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSection {
    /// How often the ingest signs a checkpoint (when the log has grown) and submits it to
    /// the witnesses.
    pub checkpoint_every_s: u64,
    /// A witness that has not cosigned for this long while the log grew raises an alert.
    pub witness_silent_after_s: u64,
    /// Each witness: `{ name, url, key }`, the key as `carrel witness key` prints it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<WitnessEntry>,
}

impl Default for AuditSection {
    fn default() -> Self {
        Self { checkpoint_every_s: 300, witness_silent_after_s: 3600, witnesses: Vec::new() }
    }
}

/// One witness of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessEntry {
    /// The witness's key name (the part of its key before the first `+`).
    pub name: String,
    /// Where it listens: `http://host:port` (its add-checkpoint endpoint is below it).
    pub url: String,
    /// Its verifier key (a cosignature key, type 0x04).
    pub key: String,
}

impl WitnessEntry {
    /// The witness's key, checked: a cosignature key whose name is `name`.
    pub fn vkey(&self) -> Result<Vkey, String> {
        let k = Vkey::parse(&self.key).map_err(|e| e.to_string())?;
        if k.alg() != Alg::Cosignature {
            return Err(format!(
                "'{}' is not a witness's cosignature key (type 0x04): `carrel witness key` prints one",
                self.key
            ));
        }
        if k.name() != self.name {
            return Err(format!("the key is named '{}', not '{}'", k.name(), self.name));
        }
        Ok(k)
    }
}

impl AuditSection {
    pub fn validate(&self) -> Vec<(&'static str, String)> {
        let mut bad = Vec::new();
        if !(1..=86_400).contains(&self.checkpoint_every_s) {
            bad.push((
                "checkpoint_every_s",
                format!("{} is outside 1 to 86400", self.checkpoint_every_s),
            ));
        }
        if !(1..=30 * 86_400).contains(&self.witness_silent_after_s) {
            bad.push((
                "witness_silent_after_s",
                format!("{} is outside 1 to 2592000", self.witness_silent_after_s),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, w) in self.witnesses.iter().enumerate() {
            let n = i + 1;
            if let Err(why) = w.vkey() {
                bad.push(("witnesses", format!("witness {n} ({}): {why}", w.name)));
            }
            match reqwest::Url::parse(&w.url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
                _ => bad.push((
                    "witnesses",
                    format!("witness {n} ({}): '{}' is not an http(s) URL", w.name, w.url),
                )),
            }
            if !names.insert(w.name.clone()) {
                bad.push(("witnesses", format!("witness {n}: '{}' is listed twice", w.name)));
            }
        }
        bad
    }

    /// The witnesses' keys (those that parse: the file was checked when loaded).
    pub fn witness_keys(&self) -> Vec<Vkey> {
        self.witnesses.iter().filter_map(|w| w.vkey().ok()).collect()
    }
}
