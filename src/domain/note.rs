//! Signed notes, verifier keys and timestamped cosignatures, as C2SP specifies them
//! (c2sp.org/signed-note, c2sp.org/tlog-cosignature): the formats the audit log's checkpoints,
//! its key and its witnesses' cosignatures are written in, so tools that are not carrel can
//! check them.
//!
//! A note is text ending in a newline, a blank line, then signature lines
//! `— <key name> base64(key id ‖ signature)`. Two signature types are used:
//! - `0x01`, Ed25519 over the note text: the log's own signature on a checkpoint;
//! - `0x04`, a timestamped Ed25519 cosignature: 8 bytes of POSIX time (big-endian), then the
//!   Ed25519 signature over `cosignature/v1\ntime <t>\n` and the note text: a witness's.
//!
//! A key id is the first four bytes of SHA-256(name ‖ `\n` ‖ type ‖ public key). A verifier key
//! ("vkey") is `<name>+<hex id>+<base64(type ‖ public key)>`; a signer key file holds
//! `PRIVATE+KEY+<name>+<hex id>+<base64(type ‖ seed)>`, the form Go's note package reads.
//!
//! Pure; no I/O. Randomness comes from the caller.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Verifiers must accept at least 16 signatures; more than this many is refused as noise.
pub const MAX_SIGNATURES: usize = 64;

/// The largest note read: a checkpoint with its cosignatures is a few hundred bytes.
pub const MAX_NOTE_BYTES: usize = 64 << 10;

/// The latest time a cosignature may carry: its timestamp "MUST NOT exceed 2^63 - 1"
/// (c2sp.org/tlog-cosignature).
pub const MAX_COSIGNATURE_TIME: u64 = i64::MAX as u64;

/// The em dash and space that open a signature line.
const DASH: &str = "\u{2014} ";

/// The header of a cosigned message (c2sp.org/tlog-cosignature).
const COSIGNATURE_HEADER: &str = "cosignature/v1";

/// A signature type this module reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// `0x01`: Ed25519 over the note text.
    Ed25519,
    /// `0x04`: a timestamped Ed25519 checkpoint cosignature.
    Cosignature,
}

impl Alg {
    pub fn byte(self) -> u8 {
        match self {
            Alg::Ed25519 => 0x01,
            Alg::Cosignature => 0x04,
        }
    }

    fn from_byte(b: u8) -> Option<Alg> {
        match b {
            0x01 => Some(Alg::Ed25519),
            0x04 => Some(Alg::Cosignature),
            _ => None,
        }
    }

    /// Bytes after the key id in a signature line.
    fn signature_len(self) -> usize {
        match self {
            Alg::Ed25519 => 64,
            Alg::Cosignature => 8 + 64,
        }
    }
}

/// What is wrong with a note, a key or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("not a signed note: {0}")]
    Malformed(String),
    #[error("not a verifier key: {0}")]
    BadVkey(String),
    #[error("not a signer key: {0}")]
    BadSkey(String),
    #[error("not a key name: {0}")]
    BadName(String),
}

/// Whether `name` may name a key: non-empty, no Unicode space, no `+`.
pub fn is_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// SHA-256(name ‖ `\n` ‖ type ‖ key)[:4], as a big-endian integer.
pub fn key_id(name: &str, alg: Alg, key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([alg.byte()]);
    h.update(key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A public key that checks signatures of one type under one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vkey {
    name: String,
    alg: Alg,
    key: VerifyingKey,
}

impl Vkey {
    pub fn new(name: &str, alg: Alg, key: VerifyingKey) -> Result<Vkey, NoteError> {
        if !is_key_name(name) {
            return Err(NoteError::BadName(format!("'{name}' (empty, or holds a space or '+')")));
        }
        Ok(Vkey { name: name.to_owned(), alg, key })
    }

    /// Reads `<name>+<hex id>+<base64(type ‖ key)>`; the id must be the one the rest gives.
    pub fn parse(text: &str) -> Result<Vkey, NoteError> {
        let bad = |why: &str| NoteError::BadVkey(format!("'{}': {why}", shorten(text)));
        let text = text.trim();
        // Split from the left: a name holds no '+', but base64 may.
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected <name>+<hex key id>+<base64 key>"));
        };
        if !is_key_name(name) {
            return Err(bad("the key name is empty or holds a space or '+'"));
        }
        if id_hex.len() != 8 {
            return Err(bad("the key id is not 8 hex digits"));
        }
        let id = u32::from_str_radix(id_hex, 16).map_err(|_| bad("the key id is not hex"))?;
        let raw = B64.decode(b64).map_err(|_| bad("the key is not base64"))?;
        let (&t, key) = raw.split_first().ok_or_else(|| bad("the key is empty"))?;
        let alg = Alg::from_byte(t).ok_or_else(|| {
            bad(&format!("signature type 0x{t:02x} is not one carrel uses (0x01 or 0x04)"))
        })?;
        let key: [u8; 32] = key.try_into().map_err(|_| bad("an Ed25519 key is 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| bad("not an Ed25519 public key"))?;
        let vkey = Vkey { name: name.to_owned(), alg, key };
        if vkey.id() != id {
            return Err(bad("the key id does not match the name and key"));
        }
        Ok(vkey)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn alg(&self) -> Alg {
        self.alg
    }

    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    pub fn id(&self) -> u32 {
        key_id(&self.name, self.alg, self.key.as_bytes())
    }

    /// Checks `sig` (a line of this key's name and id) over `text`: `Ok(Some(t))` with a
    /// cosignature's time, `Ok(None)` for a plain signature; `Err` naming why not.
    pub fn verify(&self, text: &str, sig: &SigLine) -> Result<Option<u64>, String> {
        if !sig.is_by(self) {
            return Err(format!("the signature is not by {}", self.name));
        }
        let (time, raw) = match self.alg {
            Alg::Ed25519 => (None, sig.sig.as_slice()),
            Alg::Cosignature => {
                let (t, rest) = sig.sig.split_at(8.min(sig.sig.len()));
                let t: [u8; 8] = t.try_into().map_err(|_| "the cosignature is too short")?;
                let t = u64::from_be_bytes(t);
                if t > MAX_COSIGNATURE_TIME {
                    return Err(format!(
                        "the cosignature by {} is dated {t}, past 2^63 - 1, which \
                         c2sp.org/tlog-cosignature forbids",
                        self.name
                    ));
                }
                (Some(t), rest)
            }
        };
        let raw: [u8; 64] = raw
            .try_into()
            .map_err(|_| format!("a signature by {} has the wrong length", self.name))?;
        let message = match time {
            None => text.as_bytes().to_vec(),
            Some(t) => cosigned_message(text, t),
        };
        self.key
            .verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&raw))
            .map(|()| time)
            .map_err(|_| format!("the signature by {} does not match the note", self.name))
    }
}

impl fmt::Display for Vkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = vec![self.alg.byte()];
        raw.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.id(), B64.encode(raw))
    }
}

fn cosigned_message(text: &str, time: u64) -> Vec<u8> {
    format!("{COSIGNATURE_HEADER}\ntime {time}\n{text}").into_bytes()
}

fn shorten(s: &str) -> String {
    let s: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    s
}

/// A private key that signs notes of one type under one name.
#[derive(Clone)]
pub struct Signer {
    name: String,
    alg: Alg,
    key: SigningKey,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({})", self.vkey())
    }
}

impl Signer {
    /// A signer from 32 random bytes.
    pub fn from_seed(name: &str, alg: Alg, seed: [u8; 32]) -> Result<Signer, NoteError> {
        if !is_key_name(name) {
            return Err(NoteError::BadName(format!("'{name}' (empty, or holds a space or '+')")));
        }
        Ok(Signer { name: name.to_owned(), alg, key: SigningKey::from_bytes(&seed) })
    }

    /// Reads `PRIVATE+KEY+<name>+<hex id>+<base64(type ‖ seed)>` (Go's note package's form).
    pub fn parse(text: &str) -> Result<Signer, NoteError> {
        let bad = |why: &str| NoteError::BadSkey(why.to_owned());
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| bad("it does not start with PRIVATE+KEY+"))?;
        // Split from the left: a name holds no '+', but base64 may.
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected PRIVATE+KEY+<name>+<hex key id>+<base64 key>"));
        };
        let raw = B64.decode(b64).map_err(|_| bad("the key is not base64"))?;
        let (&t, seed) = raw.split_first().ok_or_else(|| bad("the key is empty"))?;
        let alg = Alg::from_byte(t)
            .ok_or_else(|| bad(&format!("signature type 0x{t:02x} is not one carrel uses")))?;
        let seed: [u8; 32] = seed.try_into().map_err(|_| bad("an Ed25519 seed is 32 bytes"))?;
        let signer = Signer::from_seed(name, alg, seed).map_err(|e| bad(&e.to_string()))?;
        // Compared as a number, as Go's note package and `Vkey::parse` do: hex digits of
        // either case.
        let id = u32::from_str_radix(id_hex, 16).ok().filter(|_| id_hex.len() == 8);
        if id != Some(signer.vkey().id()) {
            return Err(bad("the key id does not match the name and key"));
        }
        Ok(signer)
    }

    /// The file form: `PRIVATE+KEY+…`, one line.
    pub fn to_secret_string(&self) -> String {
        let mut raw = vec![self.alg.byte()];
        raw.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{:08x}+{}", self.name, self.vkey().id(), B64.encode(raw))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn vkey(&self) -> Vkey {
        Vkey { name: self.name.clone(), alg: self.alg, key: self.key.verifying_key() }
    }

    /// Signs `text` (a note's text, ending in a newline). A cosignature carries `time`, POSIX
    /// seconds; a plain signature ignores it.
    pub fn sign(&self, text: &str, time: u64) -> SigLine {
        let (message, prefix) = match self.alg {
            Alg::Ed25519 => (text.as_bytes().to_vec(), Vec::new()),
            Alg::Cosignature => (cosigned_message(text, time), time.to_be_bytes().to_vec()),
        };
        let mut sig = prefix;
        sig.extend_from_slice(&self.key.sign(&message).to_bytes());
        SigLine { name: self.name.clone(), id: self.vkey().id(), sig }
    }

    /// Signs any bytes with the bare Ed25519 key (for statements that are not notes, such as
    /// a key rotation).
    pub fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// One signature line: key name, key id and signature bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigLine {
    pub name: String,
    pub id: u32,
    pub sig: Vec<u8>,
}

impl SigLine {
    /// Reads `— <name> <base64>` (without or with its newline).
    pub fn parse(line: &str) -> Result<SigLine, NoteError> {
        let bad =
            |why: &str| NoteError::Malformed(format!("signature line '{}': {why}", shorten(line)));
        let line = line.strip_suffix('\n').unwrap_or(line);
        let rest = line.strip_prefix(DASH).ok_or_else(|| bad("it does not start with '— '"))?;
        let (name, b64) = rest.split_once(' ').ok_or_else(|| bad("no signature after the name"))?;
        if !is_key_name(name) {
            return Err(bad("the key name is empty or holds a space or '+'"));
        }
        let raw = B64.decode(b64).map_err(|_| bad("the signature is not base64"))?;
        if raw.len() < 5 {
            return Err(bad("the signature is shorter than a key id"));
        }
        let id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        Ok(SigLine { name: name.to_owned(), id, sig: raw[4..].to_vec() })
    }

    /// Whether this line claims to be by `key` (same name and id).
    pub fn is_by(&self, key: &Vkey) -> bool {
        self.name == key.name && self.id == key.id()
    }

    /// The line with its newline.
    pub fn line(&self) -> String {
        let mut raw = self.id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.sig);
        format!("{DASH}{} {}\n", self.name, B64.encode(raw))
    }

    /// A cosignature's time, when the line is long enough to hold one.
    pub fn cosigned_at(&self) -> Option<u64> {
        (self.sig.len() == Alg::Cosignature.signature_len())
            .then(|| self.sig[..8].try_into().ok().map(u64::from_be_bytes))
            .flatten()
    }
}

/// A note: its text (ending in a newline) and its signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub sigs: Vec<SigLine>,
}

impl Note {
    /// An unsigned note; `text` must be valid note text.
    pub fn new(text: &str) -> Result<Note, NoteError> {
        check_text(text)?;
        Ok(Note { text: text.to_owned(), sigs: Vec::new() })
    }

    /// Reads a whole signed note: text, blank line, one or more signature lines.
    pub fn parse(s: &str) -> Result<Note, NoteError> {
        if s.len() > MAX_NOTE_BYTES {
            return Err(NoteError::Malformed(format!("longer than {MAX_NOTE_BYTES} bytes")));
        }
        if s.chars().any(|c| c.is_control() && c != '\n') {
            return Err(NoteError::Malformed(
                "it holds a control character other than newline (a carriage return?)".into(),
            ));
        }
        if !s.ends_with('\n') {
            return Err(NoteError::Malformed("it does not end with a newline".into()));
        }
        // The text ends at the last blank line.
        let split = s
            .rfind("\n\n")
            .ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
        let text = &s[..=split];
        let sigs_part = &s[split + 2..];
        check_text(text)?;
        let sigs = sigs_part.lines().map(SigLine::parse).collect::<Result<Vec<_>, _>>()?;
        if sigs.is_empty() {
            return Err(NoteError::Malformed("it has no signature line".into()));
        }
        if sigs.len() > MAX_SIGNATURES {
            return Err(NoteError::Malformed(format!("more than {MAX_SIGNATURES} signatures")));
        }
        Ok(Note { text: text.to_owned(), sigs })
    }

    /// Adds a signature by `signer` (a cosignature dated `time`).
    pub fn sign(&mut self, signer: &Signer, time: u64) {
        let line = signer.sign(&self.text, time);
        self.sigs.retain(|s| !(s.name == line.name && s.id == line.id));
        self.sigs.push(line);
    }

    /// The lines claiming to be by `key`.
    pub fn by<'a>(&'a self, key: &'a Vkey) -> impl Iterator<Item = &'a SigLine> + 'a {
        self.sigs.iter().filter(move |s| s.is_by(key))
    }

    /// Checks the signature by `key`: none there, or one that does not verify, is an error
    /// naming the key. A cosignature's time is returned.
    pub fn verify_by(&self, key: &Vkey) -> Result<Option<u64>, String> {
        let mut lines = self.by(key);
        let Some(first) = lines.next() else {
            return Err(format!("it is not signed by {} ({:08x})", key.name(), key.id()));
        };
        let t = key.verify(&self.text, first)?;
        for other in lines {
            key.verify(&self.text, other)?;
        }
        Ok(t)
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for s in &self.sigs {
            f.write_str(&s.line())?;
        }
        Ok(())
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() || !text.ends_with('\n') {
        return Err(NoteError::Malformed("the text does not end with a newline".into()));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(NoteError::Malformed("the text holds a control character".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of c2sp.org/signed-note: its verifier key and signed note.
    const SPEC_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const SPEC_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    #[test]
    fn the_specifications_example_verifies() {
        let key = Vkey::parse(SPEC_VKEY).unwrap();
        assert_eq!(key.to_string(), SPEC_VKEY);
        let note = Note::parse(SPEC_NOTE).unwrap();
        assert_eq!(note.text, "This is an example message.\n");
        assert_eq!(note.verify_by(&key), Ok(None));
        assert_eq!(note.to_string(), SPEC_NOTE);
        let changed = Note { text: "This is an example message!\n".into(), ..note };
        assert!(changed.verify_by(&key).unwrap_err().contains("does not match"));
    }

    #[test]
    fn signer_keys_round_trip_and_sign_what_their_vkeys_verify() {
        let s = Signer::from_seed("carrel/ab12", Alg::Ed25519, [7; 32]).unwrap();
        let again = Signer::parse(&s.to_secret_string()).unwrap();
        assert_eq!(again.vkey(), s.vkey());
        assert_eq!(Vkey::parse(&s.vkey().to_string()).unwrap(), s.vkey());
        let mut note = Note::new("hello\n").unwrap();
        note.sign(&s, 0);
        let parsed = Note::parse(&note.to_string()).unwrap();
        assert_eq!(parsed.verify_by(&s.vkey()), Ok(None));
    }

    #[test]
    fn keys_whose_base64_holds_a_plus_are_read() {
        // Seeds until both the public and the private key's base64 hold a '+'.
        let signer = (0u8..=255)
            .map(|i| Signer::from_seed("w.example/w1", Alg::Cosignature, [i; 32]).unwrap())
            .find(|s| {
                s.vkey().to_string().split('+').count() > 3
                    && s.to_secret_string().split('+').count() > 5
            })
            .unwrap();
        assert_eq!(Vkey::parse(&signer.vkey().to_string()).unwrap(), signer.vkey());
        assert_eq!(Signer::parse(&signer.to_secret_string()).unwrap().vkey(), signer.vkey());
    }

    #[test]
    fn a_cosignature_carries_its_time_and_covers_it() {
        let w = Signer::from_seed("witness.example/w1", Alg::Cosignature, [9; 32]).unwrap();
        let mut note = Note::new("example.com/log\n3\nAAAA\n").unwrap();
        note.sign(&w, 1_679_315_147);
        assert_eq!(note.verify_by(&w.vkey()), Ok(Some(1_679_315_147)));
        assert_eq!(note.sigs[0].cosigned_at(), Some(1_679_315_147));
        let mut later = note.clone();
        later.sigs[0].sig[7] ^= 1;
        assert!(later.verify_by(&w.vkey()).is_err(), "the time is signed");
        // The same seed as a plain key has another id: a cosignature is not a plain signature.
        let plain = Signer::from_seed("witness.example/w1", Alg::Ed25519, [9; 32]).unwrap();
        assert_ne!(plain.vkey().id(), w.vkey().id());
        assert!(note.verify_by(&plain.vkey()).unwrap_err().contains("not signed by"));
    }

    #[test]
    fn a_cosignature_dated_past_2_pow_63_minus_1_is_refused_though_validly_signed() {
        let w = Signer::from_seed("witness.example/w1", Alg::Cosignature, [9; 32]).unwrap();
        let text = "example.com/log\n3\nAAAA\n";
        let last = w.sign(text, MAX_COSIGNATURE_TIME);
        assert_eq!(w.vkey().verify(text, &last), Ok(Some(MAX_COSIGNATURE_TIME)));
        for t in [MAX_COSIGNATURE_TIME + 1, u64::MAX] {
            let why = w.vkey().verify(text, &w.sign(text, t)).unwrap_err();
            assert!(why.contains("past 2^63 - 1"), "{t}: {why}");
        }
    }

    #[test]
    fn malformed_notes_and_keys_are_refused_with_a_reason() {
        for (bad, why) in [
            ("text\n", "no blank line"),
            ("text\n\n", "no signature"),
            ("text\r\n\n\u{2014} a AAAAAAA=\n", "control character"),
            ("text\n\n- a AAAAAAAA\n", "does not start with"),
            ("text\n\n\u{2014} a AAA=\n", "shorter than a key id"),
        ] {
            let e = Note::parse(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        let e =
            Vkey::parse("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
                .unwrap_err();
        assert!(e.to_string().contains("key id does not match"), "{e}");
        assert!(Vkey::parse("nonsense").is_err());
        assert!(Signer::parse("PRIVATE+KEY+a+00000000+AQ==").is_err());
    }

    #[test]
    fn a_signer_keys_id_is_read_in_either_case_as_its_vkeys_is() {
        let s = Signer::from_seed("example.com/log", Alg::Ed25519, [5; 32]).unwrap();
        let id = format!("{:08x}", s.vkey().id());
        assert!(id.bytes().any(|b| b.is_ascii_lowercase()), "{id} has a letter to change");
        let upper = s.to_secret_string().replace(&id, &id.to_uppercase());
        assert_eq!(Signer::parse(&upper).unwrap().vkey(), s.vkey());
        let vkey = s.vkey().to_string().replace(&id, &id.to_uppercase());
        assert_eq!(Vkey::parse(&vkey).unwrap(), s.vkey());
        let other = format!("{:08x}", s.vkey().id() ^ 1);
        assert!(Signer::parse(&s.to_secret_string().replace(&id, &other)).is_err());
        let short = s.to_secret_string().replace(&id, &id[1..]);
        assert!(Signer::parse(&short).is_err(), "{short}");
    }
}
