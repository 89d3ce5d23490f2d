//! carrel's signed notes against an independent implementation, both ways: the `signed_note`
//! crate (Cloudflare's port of Go's golang.org/x/mod/sumdb/note, c2sp.org/signed-note) for
//! the log's Ed25519 signatures and keys, and, for witnesses' cosignatures (type 0x04), a
//! signer and verifier written below from c2sp.org/tlog-cosignature alone, plugged into
//! `signed_note` through its `Signer` and `Verifier` traits.
//!
//! Checkpoints come from a real database through the binary (`carrel audit checkpoint`,
//! `audit prove --json`), cosignatures from a real `carrel witness serve` process, and what
//! the independent side signs goes back through the binary (`audit verify --checkpoint`,
//! `audit check-proof`).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::rngs::OsRng;
use signed_note::{NoteError, StandardSigner, StandardVerifier, VerifierList};

use carrel::domain::note::{Alg, Note, Signer, Vkey};
use common::backend::{db_arg, new_database};

/// c2sp.org/tlog-cosignature's Ed25519 cosignatures (signature type 0x04), from the
/// specification's text alone: nothing here comes from carrel.
mod cosig {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as B64;
    use ed25519_dalek::{Signature, SignatureError, Signer as _, SigningKey, VerifyingKey};
    use sha2::{Digest, Sha256};

    /// The signature type byte of an Ed25519 cosignature.
    const TYPE: u8 = 0x04;

    /// `SHA-256(<name> || "\n" || 0x04 || 32-byte Ed25519 cosigner public key)[:4]`.
    pub fn key_id(name: &str, key: &VerifyingKey) -> u32 {
        let d = Sha256::new()
            .chain_update(name.as_bytes())
            .chain_update(b"\n")
            .chain_update([TYPE])
            .chain_update(key.as_bytes())
            .finalize();
        u32::from_be_bytes([d[0], d[1], d[2], d[3]])
    }

    /// `<key name>+hex(key ID)+base64(0x04 || public key)`.
    pub fn vkey(name: &str, key: &VerifyingKey) -> String {
        let mut raw = vec![TYPE];
        raw.extend_from_slice(key.as_bytes());
        format!("{name}+{:08x}+{}", key_id(name, key), B64.encode(raw))
    }

    /// The signed message: the header line, the timestamp line, then the whole note text.
    pub fn message(timestamp: u64, text: &[u8]) -> Vec<u8> {
        let mut m = format!("cosignature/v1\ntime {timestamp}\n").into_bytes();
        m.extend_from_slice(text);
        m
    }

    pub struct Verifier {
        name: String,
        id: u32,
        key: VerifyingKey,
    }

    impl Verifier {
        /// Reads a vkey of type 0x04 whose key ID is the one the specification computes.
        pub fn from_vkey(vkey: &str) -> Result<Verifier, String> {
            let mut parts = vkey.splitn(3, '+');
            let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(format!("{vkey}: not name+id+key"));
            };
            let raw = B64.decode(b64).map_err(|e| format!("{vkey}: {e}"))?;
            let (&t, key) = raw.split_first().ok_or("empty key")?;
            if t != TYPE {
                return Err(format!("{vkey}: signature type {t:#04x}, not 0x04"));
            }
            let key: [u8; 32] = key.try_into().map_err(|_| "not 32 bytes")?;
            let key = VerifyingKey::from_bytes(&key).map_err(|e| e.to_string())?;
            let want = key_id(name, &key);
            if id.len() != 8 || u32::from_str_radix(id, 16) != Ok(want) {
                return Err(format!("{vkey}: key ID {id}, the specification gives {want:08x}"));
            }
            Ok(Verifier { name: name.to_owned(), id: want, key })
        }

        /// The timestamp of `sig` (a `timestamped_signature`: u64 big-endian, then 64 bytes)
        /// when it is a valid cosignature of `text`.
        pub fn timestamp(&self, text: &[u8], sig: &[u8]) -> Option<u64> {
            if sig.len() != 8 + 64 {
                return None;
            }
            let timestamp = u64::from_be_bytes(sig[..8].try_into().ok()?);
            // "It MUST NOT exceed 2^63 - 1."
            if timestamp > i64::MAX as u64 {
                return None;
            }
            let signature = Signature::from_bytes(sig[8..].try_into().ok()?);
            use ed25519_dalek::Verifier as _;
            self.key.verify(&message(timestamp, text), &signature).ok()?;
            Some(timestamp)
        }
    }

    impl signed_note::Verifier for Verifier {
        fn name(&self) -> &str {
            &self.name
        }

        fn key_id(&self) -> u32 {
            self.id
        }

        fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
            self.timestamp(msg, sig).is_some()
        }
    }

    /// A cosigner that dates what it signs `timestamp`.
    pub struct Signer {
        pub name: String,
        pub key: SigningKey,
        pub timestamp: u64,
    }

    impl Signer {
        pub fn vkey(&self) -> String {
            vkey(&self.name, &self.key.verifying_key())
        }
    }

    impl signed_note::Signer for Signer {
        fn name(&self) -> &str {
            &self.name
        }

        fn key_id(&self) -> u32 {
            key_id(&self.name, &self.key.verifying_key())
        }

        fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, SignatureError> {
            let mut sig = self.timestamp.to_be_bytes().to_vec();
            sig.extend_from_slice(&self.key.sign(&message(self.timestamp, msg)).to_bytes());
            Ok(sig)
        }
    }
}

fn carrel(home: &Path, db: &Path, args: &[&str]) -> Output {
    common::carrel_in(home).args(args).args(["--db".to_owned(), db_arg(db)]).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A database made with `carrel init`, with a few notes in its audit log.
fn logged_db(home: &Path) -> PathBuf {
    let db = home.join("interop.db");
    new_database(&db);
    let o = carrel(home, &db, &["init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for i in 0..5 {
        let o = carrel(home, &db, &["audit", "note", &format!("interop note {i}")]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    db
}

/// The log's verifier key, as `carrel audit key` prints it.
fn log_vkey(home: &Path, db: &Path) -> String {
    let o = carrel(home, db, &["audit", "key"]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).trim().to_owned()
}

/// A checkpoint note as `carrel audit checkpoint --out` writes it.
fn carrel_checkpoint(home: &Path, db: &Path) -> String {
    let out = home.join("checkpoint.txt");
    let o = carrel(home, db, &["audit", "checkpoint", "--out", out.to_str().unwrap(), "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::read_to_string(out).unwrap()
}

/// The log key file of the one database made under `home`.
fn log_key_file(home: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(home.join("state/carrel/databases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 1, "one database's keys: {dirs:?}");
    dirs[0].join("audit-log.key")
}

/// `carrel audit verify --checkpoint` on `note`, written to a file.
fn verify_kept(home: &Path, db: &Path, note: &[u8]) -> Output {
    let kept = home.join("kept.txt");
    std::fs::write(&kept, note).unwrap();
    carrel(home, db, &["audit", "verify", "--checkpoint", kept.to_str().unwrap()])
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn signed_note_verifies_carrels_checkpoint_under_the_key_carrel_prints_and_nothing_else() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let vkey = log_vkey(home.path(), &db);
    let note = carrel_checkpoint(home.path(), &db);

    // The vkey is read (its key ID checked) by the independent implementation.
    let log = StandardVerifier::new(&vkey).unwrap();
    let parsed = signed_note::Note::from_bytes(note.as_bytes()).unwrap();
    let (verified, unverified) =
        parsed.verify(&VerifierList::new(vec![Box::new(log.clone())])).unwrap();
    assert_eq!(verified.len(), 1, "{note}");
    assert!(unverified.is_empty(), "{note}");
    let origin = vkey.split('+').next().unwrap();
    assert_eq!(verified[0].name(), origin);
    let text = std::str::from_utf8(parsed.text()).unwrap();
    assert!(text.starts_with(&format!("{origin}\n")), "the origin is the key's name: {text}");
    assert_eq!(parsed.to_bytes(), note.as_bytes(), "signed_note writes the note back as it was");

    // Another key under the log's name: its signature is unknown, so nothing verifies.
    let (_, other) = signed_note::generate_key(&mut OsRng, origin);
    let r =
        parsed.verify(&VerifierList::new(vec![Box::new(StandardVerifier::new(&other).unwrap())]));
    assert!(matches!(r, Err(NoteError::UnverifiedNote)), "{r:?}");

    // Any one byte of the text changed: the log's signature no longer verifies.
    for i in 0..text.len() {
        let mut changed = note.clone().into_bytes();
        if changed[i] == b'\n' {
            continue;
        }
        changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
        let r = signed_note::Note::from_bytes(&changed)
            .unwrap()
            .verify(&VerifierList::new(vec![Box::new(log.clone())]));
        assert!(
            matches!(&r, Err(NoteError::InvalidSignature { name, .. }) if name == origin),
            "byte {i} changed: {r:?}\n{}",
            String::from_utf8_lossy(&changed)
        );
    }
}

#[test]
fn carrel_reads_signed_note_keys_and_verifies_notes_it_signed() {
    let name = "interop.example/log";
    let (skey, vkey) = signed_note::generate_key(&mut OsRng, name);
    let key = Vkey::parse(&vkey).unwrap();
    assert_eq!(key.name(), name);
    assert_eq!(key.alg(), Alg::Ed25519);
    assert_eq!(key.to_string(), vkey, "carrel writes the vkey back as it was");
    let signer = Signer::parse(&skey).unwrap();
    assert_eq!(signer.vkey(), key);
    assert_eq!(signer.to_secret_string(), skey, "carrel writes the signer key back as it was");
    // The key ID in capitals (when it has a letter): read as a number by both, as Go does.
    let id = vkey.split('+').nth(1).unwrap();
    let upper = skey.replacen(&format!("+{id}+"), &format!("+{}+", id.to_uppercase()), 1);
    assert!(StandardSigner::new(&upper).is_ok(), "{upper}");
    assert_eq!(Signer::parse(&upper).unwrap().vkey(), key, "{upper}");

    // A text with an empty line in it, signed first by a key carrel does not know.
    let text = "interop.example/log\n7\n\nan empty line above is part of the text\n";
    let (stranger, _) = signed_note::generate_key(&mut OsRng, "stranger.example/k");
    let mut note = signed_note::Note::new(text.as_bytes(), &[]).unwrap();
    note.add_sigs(&[
        &StandardSigner::new(&stranger).unwrap(),
        &StandardSigner::new(&skey).unwrap(),
    ])
    .unwrap();
    let written = String::from_utf8(note.to_bytes()).unwrap();

    let parsed = Note::parse(&written).unwrap();
    assert_eq!(parsed.text, text);
    assert_eq!(parsed.sigs.len(), 2);
    assert_eq!(parsed.verify_by(&key), Ok(None), "the unknown key's line is ignored");
    assert_eq!(parsed.to_string(), written, "carrel writes the note back as it was");

    // Ed25519 is deterministic: carrel, with the key it read, signs the very same line.
    let mut mine = Note::new(text).unwrap();
    mine.sign(&signer, 0);
    assert_eq!(mine.sigs[0], parsed.sigs[1]);

    // Signed by another key under the same name, or changed after signing: refused.
    let (impostor, _) = signed_note::generate_key(&mut OsRng, name);
    let mut forged = signed_note::Note::new(text.as_bytes(), &[]).unwrap();
    forged.add_sigs(&[&StandardSigner::new(&impostor).unwrap()]).unwrap();
    let forged = Note::parse(std::str::from_utf8(&forged.to_bytes()).unwrap()).unwrap();
    let why = forged.verify_by(&key).unwrap_err();
    assert!(why.contains("not signed by"), "{why}");
    let changed = Note::parse(&written.replacen("\n7\n", "\n8\n", 1)).unwrap();
    let why = changed.verify_by(&key).unwrap_err();
    assert!(why.contains("does not match"), "{why}");
}

#[test]
fn audit_verify_accepts_checkpoints_signed_by_signed_note_with_the_log_key_file_only() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let key_file = std::fs::read_to_string(log_key_file(home.path())).unwrap();
    // The file ends in a newline, as key files do; the key is its one line.
    let log = StandardSigner::new(key_file.trim_end()).unwrap();
    let note = carrel_checkpoint(home.path(), &db);
    let text = signed_note::Note::from_bytes(note.as_bytes()).unwrap().text().to_vec();
    let text = String::from_utf8(text).unwrap();
    assert!(text.lines().nth(3).is_some_and(|l| l.starts_with("time ")), "{text}");
    let sign = |text: &str, signer: &StandardSigner| {
        let mut n = signed_note::Note::new(text.as_bytes(), &[]).unwrap();
        n.add_sigs(&[signer]).unwrap();
        n.to_bytes()
    };

    // carrel's own text, time line and all: the note is carrel's, to the byte.
    let resigned = sign(&text, &log);
    assert_eq!(resigned, note.as_bytes());
    let o = verify_kept(home.path(), &db, &resigned);
    assert!(o.status.success(), "{}{}", stderr(&o), stdout(&o));

    // A fresh text with no time line: the origin, the log's current size and root.
    let o = carrel(home.path(), &db, &["audit", "verify", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let now: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let size = now["size"].as_u64().unwrap();
    let root = B64.encode(hex::decode(now["root"].as_str().unwrap()).unwrap());
    let origin = text.lines().next().unwrap();
    let fresh = format!("{origin}\n{size}\n{root}\n");
    assert_ne!(fresh, text.lines().take(3).map(|l| format!("{l}\n")).collect::<String>());
    let o = verify_kept(home.path(), &db, &sign(&fresh, &log));
    assert!(o.status.success(), "{}{}", stderr(&o), stdout(&o));
    assert!(stdout(&o).contains(&format!("(size {size})")), "{}", stdout(&o));

    // The same texts signed by another key under the log's name: refused.
    let (impostor, _) = signed_note::generate_key(&mut OsRng, origin);
    let impostor = StandardSigner::new(&impostor).unwrap();
    for t in [&text, &fresh] {
        let o = verify_kept(home.path(), &db, &sign(t, &impostor));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("not signed by this log's key"), "{}", stderr(&o));
    }
}

/// Makes a witness key under `home` and serves it for the log `log_vkey`.
fn serve_witness(home: &Path, name: &str, log_vkey: &str) -> (Served, String) {
    let key = home.join("witness.key");
    let key = key.to_str().unwrap();
    let o = common::carrel_in(home).args(["witness", "new-key", name, "--key", key]).output();
    let o = o.unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = common::carrel_in(home).args(["witness", "key", "--key", key]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let vkey = stdout(&o).trim().to_owned();
    let state = home.join("witness-state.json");
    let (served, url, line) = common::procs::witness(home, log_vkey, Path::new(key), &state);
    assert!(line.starts_with(&format!("witness {name} listening on ")), "{line}");
    (Served { _process: served, url }, vkey)
}

/// A `carrel witness serve` process (killed when dropped) and its URL.
struct Served {
    _process: common::procs::Running,
    url: String,
}

#[test]
fn a_carrel_witness_cosignature_verifies_with_signed_note_and_a_verifier_from_the_spec() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let log = log_vkey(home.path(), &db);
    let note = carrel_checkpoint(home.path(), &db);
    let name = "witness.example/interop";
    let (served, witness_vkey) = serve_witness(home.path(), name, &log);
    let witness = cosig::Verifier::from_vkey(&witness_vkey).unwrap();

    // tlog-witness add-checkpoint: an old size of 0, no proof, a blank line, the checkpoint.
    let before = unix_now();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (status, lines) = rt.block_on(async {
        let answer = reqwest::Client::new()
            .post(format!("{}/add-checkpoint", served.url))
            .body(format!("old 0\n\n{note}"))
            .send()
            .await
            .unwrap();
        (answer.status(), answer.text().await.unwrap())
    });
    let after = unix_now();
    drop(served);
    assert_eq!(status, 200, "{lines}");
    assert!(lines.starts_with("\u{2014} ") && lines.ends_with('\n'), "{lines:?}");

    // The answer appended to the note: both signatures verify, and nothing else is there.
    let cosigned = format!("{note}{lines}");
    let parsed = signed_note::Note::from_bytes(cosigned.as_bytes()).unwrap();
    let both = VerifierList::new(vec![
        Box::new(StandardVerifier::new(&log).unwrap()),
        Box::new(cosig::Verifier::from_vkey(&witness_vkey).unwrap()),
    ]);
    let (verified, unverified) = parsed.verify(&both).unwrap();
    let names: Vec<&str> = verified.iter().map(|s| s.name()).collect();
    assert_eq!(names, [log.split('+').next().unwrap(), name]);
    assert!(unverified.is_empty(), "{unverified:?}");
    let t = witness.timestamp(parsed.text(), verified[1].signature()).unwrap();
    assert!(
        (before..=after).contains(&t),
        "dated when it was signed: {t} not in {before}..={after}"
    );

    // The cosignature covers its time and the text: either changed, it fails.
    let mut sig = verified[1].signature().to_vec();
    sig[7] ^= 1;
    assert_eq!(witness.timestamp(parsed.text(), &sig), None);
    let other_text = String::from_utf8(parsed.text().to_vec()).unwrap().replacen('\n', "x\n", 1);
    assert_eq!(witness.timestamp(other_text.as_bytes(), verified[1].signature()), None);
}

/// Adds `signer`'s line to the note in the proof bundle `bundle` with `signed_note`.
fn cosign_bundle(bundle: &serde_json::Value, signer: &cosig::Signer) -> serde_json::Value {
    let note = bundle["checkpoint"].as_str().unwrap();
    let mut n = signed_note::Note::from_bytes(note.as_bytes()).unwrap();
    n.add_sigs(&[signer]).unwrap();
    let mut b = bundle.clone();
    b["checkpoint"] = String::from_utf8(n.to_bytes()).unwrap().into();
    b
}

#[test]
fn audit_check_proof_counts_a_cosignature_made_from_the_spec() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let log = log_vkey(home.path(), &db);
    carrel_checkpoint(home.path(), &db);
    let o = carrel(home.path(), &db, &["audit", "prove", "3", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bundle: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();

    let witness = cosig::Signer {
        name: "witness.example/spec".into(),
        key: ed25519_dalek::SigningKey::from_bytes(&[0x5e; 32]),
        timestamp: unix_now(),
    };
    let wkey = witness.vkey();
    // carrel reads the vkey built from the spec as a cosignature key with the same ID.
    let read = Vkey::parse(&wkey).unwrap();
    assert_eq!(read.alg(), Alg::Cosignature);
    assert_eq!(read.to_string(), wkey);

    let check = |b: &serde_json::Value, wkey: &str| {
        let file = home.path().join("proof.json");
        std::fs::write(&file, serde_json::to_vec_pretty(b).unwrap()).unwrap();
        let args = [
            "audit",
            "check-proof",
            file.to_str().unwrap(),
            "--log-key",
            &log,
            "--witness",
            wkey,
            "--witness-policy",
            "1-of-1",
        ];
        common::carrel_in(home.path()).args(args).output().unwrap()
    };

    let o = check(&cosign_bundle(&bundle, &witness), &wkey);
    assert!(o.status.success(), "{}{}", stderr(&o), stdout(&o));
    assert!(stdout(&o).contains("1 of 1 witnesses cosigned"), "{}", stdout(&o));
    assert!(stdout(&o).contains("witness.example/spec cosigned at 20"), "{}", stdout(&o));

    // Without it, the policy is not met.
    let o = check(&bundle, &wkey);
    assert_eq!(o.status.code(), Some(1), "{}{}", stderr(&o), stdout(&o));
    assert!(stdout(&o).contains("0 of 1 witnesses cosigned"), "{}", stdout(&o));

    // Signed by another key under the witness's name: its line has another ID and does not
    // count.
    let impostor = cosig::Signer {
        key: ed25519_dalek::SigningKey::from_bytes(&[0x5f; 32]),
        name: witness.name.clone(),
        timestamp: witness.timestamp,
    };
    let o = check(&cosign_bundle(&bundle, &impostor), &wkey);
    assert_eq!(o.status.code(), Some(1), "{}{}", stderr(&o), stdout(&o));
}

#[test]
fn a_cosignature_dated_past_2_pow_63_minus_1_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let db = logged_db(home.path());
    let log = log_vkey(home.path(), &db);
    carrel_checkpoint(home.path(), &db);
    let o = carrel(home.path(), &db, &["audit", "prove", "0", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bundle: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let witness = |timestamp: u64| cosig::Signer {
        name: "witness.example/spec".into(),
        key: ed25519_dalek::SigningKey::from_bytes(&[0x5e; 32]),
        timestamp,
    };
    let wkey = witness(0).vkey();
    let check = |timestamp: u64| {
        let file = home.path().join("proof.json");
        let b = cosign_bundle(&bundle, &witness(timestamp));
        std::fs::write(&file, serde_json::to_vec(&b).unwrap()).unwrap();
        let args = ["audit", "check-proof", file.to_str().unwrap(), "--log-key", &log];
        let witness_args = ["--witness", &wkey, "--witness-policy", "1-of-1"];
        common::carrel_in(home.path()).args(args).args(witness_args).output().unwrap()
    };
    // tlog-cosignature: the timestamp "MUST NOT exceed 2^63 - 1".
    let o = check(i64::MAX as u64);
    assert!(o.status.success(), "{}{}", stderr(&o), stdout(&o));
    let o = check(1 << 63);
    assert_eq!(o.status.code(), Some(1), "{}{}", stderr(&o), stdout(&o));
    assert!(stdout(&o).contains("0 of 1 witnesses cosigned"), "{}", stdout(&o));
    assert!(stdout(&o).contains("past 2^63 - 1"), "{}", stdout(&o));
}
