//! The body of an `add-checkpoint` request (c2sp.org/tlog-witness): an `old <size>` line, up
//! to 63 consistency proof lines of one base64 hash each, a blank line, then the checkpoint as
//! a signed note. Reading it and writing it, both pure; the refusals are one line each, meant
//! to be sent back as a 400's body.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::domain::checkpoint::SignedCheckpoint;
use crate::domain::merkle::Hash;
use crate::domain::sanitize::clean_text;

/// The most consistency proof lines a client may send (a proof between trees of up to 2^63
/// leaves needs no more).
pub const MAX_PROOF_LINES: usize = 63;

/// A request read and checked for form; nothing in it is verified yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The size of the tree the client believes the witness last cosigned.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The checkpoint with its signature lines.
    pub checkpoint: SignedCheckpoint,
}

/// The request body for `old`, `proof` and a checkpoint note (text, blank line, signatures).
pub fn body(old: u64, proof: &[Hash], checkpoint_note: &str) -> String {
    let mut body = format!("old {old}\n");
    for hash in proof {
        body.push_str(&B64.encode(hash));
        body.push('\n');
    }
    body.push('\n');
    body.push_str(checkpoint_note);
    body
}

/// Reads a request body, or says in one line what is wrong with it.
pub fn parse(body: &[u8]) -> Result<Submission, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8 text".to_owned())?;
    let (first, mut rest) =
        text.split_once('\n').ok_or_else(|| "the body has no 'old <size>' line".to_owned())?;
    let old = first
        .strip_prefix("old ")
        .and_then(|n| n.parse::<u64>().ok().filter(|v| v.to_string() == n))
        .ok_or_else(|| format!("line 1: expected 'old <size>', got '{}'", quote(first)))?;
    let mut proof = Vec::new();
    loop {
        let (line, after) = rest.split_once('\n').ok_or_else(|| {
            "no blank line between the consistency proof and the checkpoint".to_owned()
        })?;
        rest = after;
        if line.is_empty() {
            break;
        }
        if proof.len() == MAX_PROOF_LINES {
            return Err(format!("more than {MAX_PROOF_LINES} consistency proof lines"));
        }
        let hash = B64.decode(line).ok().and_then(|b| Hash::try_from(b).ok()).ok_or_else(|| {
            format!("line {}: '{}' is not a base64 SHA-256 hash", proof.len() + 2, quote(line))
        })?;
        proof.push(hash);
    }
    let checkpoint =
        SignedCheckpoint::parse(rest).map_err(|e| format!("the checkpoint: {}", quote(&e)))?;
    Ok(Submission { old, proof, checkpoint })
}

/// Untrusted text as it may appear in a one-line answer.
fn quote(s: &str) -> String {
    clean_text(s, 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkpoint::Checkpoint;
    use crate::domain::note::{Alg, Signer};
    use chrono::TimeZone;

    fn note() -> String {
        let log = Signer::from_seed("example.org/log", Alg::Ed25519, [1; 32]).unwrap();
        let at = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 15, 4, 5).unwrap();
        Checkpoint::new("example.org/log", 5, [9; 32], at).sign(&log).to_note_string()
    }

    #[test]
    fn a_body_round_trips() {
        let proof = [[1; 32], [2; 32]];
        let sent = body(3, &proof, &note());
        assert!(sent.starts_with("old 3\nAQEB"), "{sent}");
        let got = parse(sent.as_bytes()).unwrap();
        assert_eq!((got.old, got.proof.as_slice()), (3, &proof[..]));
        assert_eq!(got.checkpoint.to_note_string(), note());
        let none = parse(body(0, &[], &note()).as_bytes()).unwrap();
        assert_eq!((none.old, none.proof.len()), (0, 0));
    }

    #[test]
    fn malformed_bodies_are_refused_with_the_reason() {
        let hash = B64.encode([7u8; 32]);
        let many = format!("old 1\n{}\n{}", format!("{hash}\n").repeat(64), note());
        let cases = [
            (b"\xff\xfe".to_vec(), "not UTF-8"),
            (b"".to_vec(), "no 'old <size>' line"),
            (format!("old 01\n\n{}", note()).into_bytes(), "line 1: expected 'old <size>'"),
            (format!("old  1\n\n{}", note()).into_bytes(), "line 1"),
            (format!("new 1\n\n{}", note()).into_bytes(), "line 1"),
            (format!("old -1\n\n{}", note()).into_bytes(), "line 1"),
            (format!("old 1\n{hash}\nAAAA\n\n{}", note()).into_bytes(), "line 3: 'AAAA'"),
            (format!("old 1\n{hash}\r\n\n{}", note()).into_bytes(), "line 2"),
            (format!("old 1\n{hash}\n").into_bytes(), "no blank line"),
            (many.into_bytes(), "more than 63"),
            (b"old 0\n\nexample.org/log\n5\n".to_vec(), "the checkpoint"),
            (format!("old 0\n\n{}", note().replace("\n5\n", "\n05\n")).into_bytes(), "line 2"),
        ];
        for (sent, want) in cases {
            let e = parse(&sent).unwrap_err();
            assert!(e.contains(want), "{:?}: {e}", String::from_utf8_lossy(&sent));
            assert!(!e.contains('\n'), "one line: {e:?}");
        }
        let exactly = format!("old 1\n{}\n{}", format!("{hash}\n").repeat(63), note());
        assert_eq!(parse(exactly.as_bytes()).unwrap().proof.len(), 63);
    }
}
