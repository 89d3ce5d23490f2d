//! Checkpoints of the audit log as c2sp.org/tlog-checkpoint writes them: a signed note whose
//! text is the log's origin, its size, the base64 of its RFC 6962 root, and one extension
//! line, `time <RFC 3339, UTC, seconds>`, the moment the log signed it. The time is in the
//! signed text so what a reader sees is what was signed, to the second; witnesses cosign it
//! with the rest but vouch only for the first three lines (c2sp.org/tlog-cosignature), so
//! their cosignatures' own times are the independent ones.
//!
//! Pure; no I/O.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, SecondsFormat, Utc};

use super::merkle::Hash;
use super::note::{Note, NoteError, Signer, Vkey};

/// A tree head: origin, size, root, and the time it was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// From the `time` extension line; `None` in a checkpoint without one (another log's).
    pub time: Option<DateTime<Utc>>,
    /// Extension lines other than `time`, kept as they are so the text round-trips.
    pub other: Vec<String>,
}

/// The prefix of the time extension line.
const TIME: &str = "time ";

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash, time: DateTime<Utc>) -> Checkpoint {
        Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            time: Some(trunc_seconds(time)),
            other: Vec::new(),
        }
    }

    /// The note text.
    pub fn text(&self) -> String {
        let mut t = format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root));
        if let Some(time) = self.time {
            t.push_str(TIME);
            t.push_str(&time.to_rfc3339_opts(SecondsFormat::Secs, true));
            t.push('\n');
        }
        for l in &self.other {
            t.push_str(l);
            t.push('\n');
        }
        t
    }

    /// Reads a note's text. A size with a leading zero, a root that is not 32 bytes of
    /// base64, an empty extension line: each is refused with the line it is on. A `time` line
    /// in carrel's form (RFC 3339, UTC, to the second) is the time; any other extension line is
    /// kept as it is.
    pub fn parse_text(text: &str) -> Result<Checkpoint, String> {
        let lines: Vec<&str> = text.strip_suffix('\n').unwrap_or(text).split('\n').collect();
        if lines.len() < 3 {
            return Err("a checkpoint has at least three lines: origin, size, root".into());
        }
        let origin = lines[0];
        if origin.is_empty() {
            return Err("line 1: the origin is empty".into());
        }
        let size_line = lines[1];
        let size: u64 = size_line
            .parse()
            .ok()
            .filter(|n: &u64| n.to_string() == size_line)
            .ok_or_else(|| format!("line 2: '{size_line}' is not a tree size"))?;
        let root: Hash = B64
            .decode(lines[2])
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("line 3: '{}' is not a base64 SHA-256 hash", lines[2]))?;
        let mut time = None;
        let mut other = Vec::new();
        for (i, l) in lines.iter().enumerate().skip(3) {
            if l.is_empty() {
                return Err(format!("line {}: an extension line is empty", i + 1));
            }
            // carrel's own time line, read; any other extension line (another log's `time`
            // in its own form included) is opaque, as c2sp.org/tlog-checkpoint says, and kept.
            let own = l
                .strip_prefix(TIME)
                .filter(|_| time.is_none())
                .and_then(|t| {
                    DateTime::parse_from_rfc3339(t).ok().map(|d| (t, d.with_timezone(&Utc)))
                })
                .filter(|(t, d)| d.to_rfc3339_opts(SecondsFormat::Secs, true) == *t);
            match own {
                Some((_, d)) => time = Some(d),
                None => other.push((*l).to_owned()),
            }
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root, time, other })
    }

    /// Signs this checkpoint with the log's key.
    pub fn sign(&self, log_key: &Signer) -> SignedCheckpoint {
        let mut note = Note { text: self.text(), sigs: Vec::new() };
        note.sign(log_key, 0);
        SignedCheckpoint { checkpoint: self.clone(), note }
    }
}

fn trunc_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// A checkpoint and its note (the log's signature and any cosignatures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: Note,
}

impl SignedCheckpoint {
    /// Reads a signed checkpoint (the note's text and signatures are both checked for form;
    /// no signature is verified here).
    pub fn parse(s: &str) -> Result<SignedCheckpoint, String> {
        let note = Note::parse(s).map_err(|e: NoteError| e.to_string())?;
        let checkpoint = Checkpoint::parse_text(&note.text)?;
        Ok(SignedCheckpoint { checkpoint, note })
    }

    /// Checks the log's signature: present and valid. The origin must be the key's name
    /// (c2sp.org/tlog-checkpoint: the log's key name matches the origin).
    pub fn verify(&self, log_key: &Vkey) -> Result<(), String> {
        if self.checkpoint.origin != log_key.name() {
            return Err(format!(
                "its origin '{}' is not the log's ({})",
                self.checkpoint.origin,
                log_key.name()
            ));
        }
        self.note.verify_by(log_key).map(|_| ())
    }

    /// Each witness's cosignature on this checkpoint: its time, or why it does not count.
    /// Lines by keys not in `witnesses` are ignored, as the note format requires.
    pub fn cosignatures<'a>(
        &'a self,
        witnesses: &'a [Vkey],
    ) -> impl Iterator<Item = (&'a Vkey, Result<u64, String>)> + 'a {
        witnesses.iter().map(move |w| {
            let r = self.note.verify_by(w).and_then(|t| {
                t.ok_or_else(|| format!("{} signed it, but not as a cosignature", w.name()))
            });
            (w, r)
        })
    }

    pub fn to_note_string(&self) -> String {
        self.note.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::note::Alg;
    use chrono::TimeZone;

    fn log_key() -> Signer {
        Signer::from_seed("carrel/0123abcd", Alg::Ed25519, [1; 32]).unwrap()
    }

    fn cp() -> Checkpoint {
        let at = Utc.with_ymd_and_hms(2026, 12, 3, 15, 4, 5).unwrap()
            + chrono::Duration::nanoseconds(987_654_321);
        Checkpoint::new("carrel/0123abcd", 42, [7; 32], at)
    }

    #[test]
    fn the_text_is_origin_size_root_and_time_to_the_second() {
        assert_eq!(
            cp().text(),
            "carrel/0123abcd\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\ntime 2026-12-03T15:04:05Z\n"
        );
        assert_eq!(Checkpoint::parse_text(&cp().text()).unwrap(), cp());
    }

    #[test]
    fn a_signed_checkpoint_round_trips_and_verifies_only_under_its_key() {
        let signed = cp().sign(&log_key());
        let again = SignedCheckpoint::parse(&signed.to_note_string()).unwrap();
        assert_eq!(again, signed);
        assert_eq!(again.verify(&log_key().vkey()), Ok(()));
        let other = Signer::from_seed("carrel/0123abcd", Alg::Ed25519, [2; 32]).unwrap();
        assert!(again.verify(&other.vkey()).unwrap_err().contains("not signed by"));
    }

    #[test]
    fn changing_any_digit_of_the_time_breaks_the_signature() {
        let text = cp().sign(&log_key()).to_note_string();
        let at = text.find("time ").unwrap() + 5;
        for i in at..at + 20 {
            let c = text.as_bytes()[i];
            if !c.is_ascii_digit() {
                continue;
            }
            let mut changed = text.clone().into_bytes();
            changed[i] = if c == b'9' { b'0' } else { c + 1 };
            let changed = String::from_utf8(changed).unwrap();
            let r = SignedCheckpoint::parse(&changed).and_then(|s| s.verify(&log_key().vkey()));
            assert!(r.is_err(), "digit {i} changed: {changed}");
        }
    }

    #[test]
    fn bad_lines_are_named() {
        for (text, want) in [
            ("o\n042\nAAAA\n", "line 2"),
            ("o\n4\nAAAA\n", "line 3"),
            ("o\n4\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\nx\n", "line 4"),
            ("o\n4\n", "three lines"),
        ] {
            let e = Checkpoint::parse_text(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn another_logs_time_line_is_an_opaque_extension() {
        let root = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
        for line in ["time 1679315147", "time 2026-12-03T15:04:05.1Z"] {
            let text = format!("o\n4\n{root}\n{line}\n");
            let cp = Checkpoint::parse_text(&text).unwrap();
            assert_eq!((cp.time, cp.other.clone()), (None, vec![line.to_owned()]));
            assert_eq!(cp.text(), text, "kept as it was");
        }
    }

    #[test]
    fn cosignatures_count_only_from_known_witnesses() {
        let mut signed = cp().sign(&log_key());
        let w1 = Signer::from_seed("w1.example", Alg::Cosignature, [3; 32]).unwrap();
        let w2 = Signer::from_seed("w2.example", Alg::Cosignature, [4; 32]).unwrap();
        signed.note.sign(&w1, 1_800_000_000);
        let known = [w1.vkey(), w2.vkey()];
        let got: Vec<_> = signed.cosignatures(&known).map(|(w, r)| (w.name(), r.is_ok())).collect();
        assert_eq!(got, [("w1.example", true), ("w2.example", false)]);
    }
}
