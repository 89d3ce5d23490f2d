//! The witness's rules, one status at a time, on plain values and a state file in a temporary
//! directory.

use chrono::TimeZone;

use super::*;
use crate::domain::checkpoint::Checkpoint;
use crate::domain::merkle::{Hash, consistency_proof, leaf_hash, root};
use crate::domain::note::SigLine;

const ORIGIN: &str = "library.example/audit";
const NOW: u64 = 1_800_000_000;

fn log_key() -> Signer {
    Signer::from_seed(ORIGIN, Alg::Ed25519, [1; 32]).unwrap()
}

fn witness_key() -> Signer {
    Signer::from_seed("committee.example/w1", Alg::Cosignature, [2; 32]).unwrap()
}

fn leaves(n: u64, salt: &str) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(format!("{salt}{i}").as_bytes())).collect()
}

/// The note of a checkpoint of `leaves`, signed by `key`.
fn note(leaves: &[Hash], key: &Signer) -> String {
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 15, 4, 5).unwrap();
    Checkpoint::new(ORIGIN, leaves.len() as u64, root(leaves), at).sign(key).to_note_string()
}

/// A body proving `new` from its first `old` leaves.
fn body(old: u64, new: &[Hash]) -> Vec<u8> {
    let proof = consistency_proof(new, old as usize);
    request::body(old, &proof, &note(new, &log_key())).into_bytes()
}

struct Setup {
    dir: tempfile::TempDir,
    witness: Witness,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let witness =
            Witness::open(witness_key(), vec![log_key().vkey()], &dir.path().join("s.json"))
                .unwrap();
        Setup { dir, witness }
    }

    fn add(&self, body: &[u8]) -> Response {
        self.witness.add_checkpoint(body, NOW)
    }

    /// Submits and expects a cosignature; returns it.
    fn cosign(&self, body: &[u8]) -> SigLine {
        let r = self.add(body);
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        SigLine::parse(&r.body).unwrap()
    }
}

fn refused(r: &Response, status: StatusCode, why: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(r.body.contains(why), "{:?} does not say {why:?}", r.body);
    assert_eq!(r.body.matches('\n').count(), 1, "one line: {:?}", r.body);
    assert!(r.body.ends_with('\n'));
}

#[test]
fn a_first_checkpoint_and_its_extension_are_cosigned_and_kept() {
    let s = Setup::new();
    let first = leaves(12, "a");
    let line = s.cosign(&body(0, &first));
    let text = Note::parse(&note(&first, &log_key())).unwrap().text;
    assert_eq!(s.witness.vkey().verify(&text, &line), Ok(Some(NOW)), "a cosignature dated now");
    let kept = s.witness.latest(ORIGIN).unwrap();
    assert_eq!((kept.size, kept.root), (12, root(&first)));

    let mut more = first;
    more.extend(leaves(8, "b"));
    s.cosign(&body(12, &more));
    let kept = s.witness.latest(ORIGIN).unwrap();
    assert_eq!((kept.size, kept.root), (20, root(&more)));
    // What is kept is the log's line and the cosignature on the checkpoint's text.
    let note = SignedCheckpoint::parse(&kept.checkpoint).unwrap();
    assert_eq!(note.verify(&log_key().vkey()), Ok(()));
    assert_eq!(note.cosignatures(&[s.witness.vkey()]).next().unwrap().1, Ok(NOW));
    assert_eq!(note.note.sigs.len(), 2);

    // The same tree again is cosigned again; the state is on disk for the next start.
    s.cosign(&body(20, &more));
    let again =
        Witness::open(witness_key(), vec![log_key().vkey()], &s.dir.path().join("s.json")).unwrap();
    assert_eq!(again.latest(ORIGIN).unwrap().size, 20);
}

#[test]
fn a_body_of_the_wrong_form_is_400() {
    let s = Setup::new();
    refused(&s.add(b"old 0\n"), StatusCode::BAD_REQUEST, "no blank line");
    refused(&s.add(b"\xff"), StatusCode::BAD_REQUEST, "not UTF-8");
    let tree = leaves(3, "a");
    let bad_sig = note(&tree, &log_key()).replace("\u{2014} ", "- ");
    let sent = format!("old 0\n\n{bad_sig}");
    refused(&s.add(sent.as_bytes()), StatusCode::BAD_REQUEST, "the checkpoint");
    assert!(s.witness.latest(ORIGIN).is_none());
}

#[test]
fn an_unknown_origin_is_404() {
    let s = Setup::new();
    let other = Signer::from_seed("other.example/log", Alg::Ed25519, [1; 32]).unwrap();
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 15, 4, 5).unwrap();
    let tree = leaves(3, "a");
    let cp = Checkpoint::new("other.example/log", 3, root(&tree), at).sign(&other);
    let sent = request::body(0, &[], &cp.to_note_string());
    refused(&s.add(sent.as_bytes()), StatusCode::NOT_FOUND, "unknown log 'other.example/log'");
}

#[test]
fn a_checkpoint_without_a_good_signature_by_the_logs_key_is_403() {
    let s = Setup::new();
    let tree = leaves(3, "a");
    // Another key under the log's name: its line is not the trusted key's, so there is none.
    let impostor = Signer::from_seed(ORIGIN, Alg::Ed25519, [9; 32]).unwrap();
    let sent = request::body(0, &[], &note(&tree, &impostor));
    refused(&s.add(sent.as_bytes()), StatusCode::FORBIDDEN, "not signed by a key this witness");
    // The trusted key's name and id over a signature that does not verify.
    let mut forged = Note::parse(&note(&tree, &log_key())).unwrap();
    forged.sigs[0].sig[0] ^= 1;
    let sent = request::body(0, &[], &forged.to_string());
    refused(&s.add(sent.as_bytes()), StatusCode::FORBIDDEN, "does not match");
    // A good line beside a bad one by the same key is still refused.
    let good = Note::parse(&note(&tree, &log_key())).unwrap();
    forged.sigs.push(good.sigs[0].clone());
    let sent = request::body(0, &[], &forged.to_string());
    refused(&s.add(sent.as_bytes()), StatusCode::FORBIDDEN, "does not match");
    // Lines by keys the witness does not know are ignored.
    let mut extra = good;
    extra.sign(&impostor, 0);
    extra.sign(&Signer::from_seed("x.example", Alg::Cosignature, [5; 32]).unwrap(), 7);
    s.cosign(request::body(0, &[], &extra.to_string()).as_bytes());
    let kept = Note::parse(&s.witness.latest(ORIGIN).unwrap().checkpoint).unwrap();
    assert_eq!(kept.sigs.len(), 2, "only the log's line and the cosignature are kept");
}

#[test]
fn an_old_size_past_the_checkpoint_is_400() {
    let s = Setup::new();
    let tree = leaves(3, "a");
    let sent = request::body(4, &[], &note(&tree, &log_key()));
    refused(&s.add(sent.as_bytes()), StatusCode::BAD_REQUEST, "old size 4 is larger than");
}

#[test]
fn an_old_size_other_than_the_last_cosigned_is_409_with_that_size() {
    let s = Setup::new();
    let tree = leaves(20, "a");
    let r = s.add(&body(12, &tree));
    assert_eq!(
        (r.status, r.body.as_str(), r.content_type),
        (StatusCode::CONFLICT, "0\n", SIZE_CONTENT_TYPE)
    );
    s.cosign(&body(0, &tree[..12]));
    let r = s.add(&body(0, &tree));
    assert_eq!((r.status, r.body.as_str()), (StatusCode::CONFLICT, "12\n"));
    s.cosign(&body(12, &tree));
    // A late request for the smaller tree cannot roll the witness back.
    let r = s.add(&body(12, &tree[..15]));
    assert_eq!((r.status, r.body.as_str()), (StatusCode::CONFLICT, "20\n"));
    assert_eq!(s.witness.latest(ORIGIN).unwrap().size, 20);
}

#[test]
fn a_checkpoint_that_does_not_extend_the_last_cosigned_is_422() {
    let s = Setup::new();
    // Size 0 with a root other than the empty tree's.
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 15, 4, 5).unwrap();
    let zero = Checkpoint::new(ORIGIN, 0, [7; 32], at).sign(&log_key()).to_note_string();
    let r = s.add(request::body(0, &[], &zero).as_bytes());
    refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "size 0 must have the empty tree's root");
    // A proof from 0.
    let tree = leaves(12, "a");
    let sent = request::body(0, &[[1; 32]], &note(&tree, &log_key()));
    refused(&s.add(sent.as_bytes()), StatusCode::UNPROCESSABLE_ENTITY, "from old size 0");
    s.cosign(&body(0, &tree));
    // A fork: the same size with other leaves, and a larger tree that rewrote one.
    let fork = leaves(12, "f");
    let r = s.add(&body(12, &fork));
    refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "differs from the one cosigned at size 12");
    let mut larger = tree.clone();
    larger[3] = leaf_hash(b"rewritten");
    larger.extend(leaves(8, "b"));
    let r = s.add(&body(12, &larger));
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "consistency proof from 12 to 20 does not verify against the root cosigned at 12",
    );
    // A good tree with a proof cut short.
    let mut good = tree.clone();
    good.extend(leaves(8, "b"));
    let mut proof = consistency_proof(&good, 12);
    proof.pop();
    let sent = request::body(12, &proof, &note(&good, &log_key()));
    refused(&s.add(sent.as_bytes()), StatusCode::UNPROCESSABLE_ENTITY, "does not verify");
    // The same size with a proof.
    let sent = request::body(12, &[[1; 32]], &note(&tree, &log_key()));
    refused(&s.add(sent.as_bytes()), StatusCode::UNPROCESSABLE_ENTITY, "must be empty");
    assert_eq!(s.witness.latest(ORIGIN).unwrap().root, root(&tree), "nothing changed");
}

#[test]
fn nothing_is_cosigned_that_could_not_be_saved_or_dated() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("gone").join("s.json");
    let w = Witness::open(witness_key(), vec![log_key().vkey()], &state).unwrap();
    let tree = leaves(3, "a");
    let r = w.add_checkpoint(&body(0, &tree), NOW);
    refused(&r, StatusCode::INTERNAL_SERVER_ERROR, "cannot save its state");
    assert!(w.latest(ORIGIN).is_none(), "the state in memory is not ahead of the file");
    let s = Setup::new();
    let r = s.witness.add_checkpoint(&body(0, &tree), 0);
    refused(&r, StatusCode::INTERNAL_SERVER_ERROR, "clock");
}

#[test]
fn keys_of_the_wrong_kind_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.json");
    let e = Witness::open(log_key(), vec![log_key().vkey()], &state).unwrap_err();
    assert!(e.to_string().contains("cosignature key"), "{e}");
    let e = Witness::open(witness_key(), vec![witness_key().vkey()], &state).unwrap_err();
    assert!(e.to_string().contains("not a log's key"), "{e}");
}

#[test]
fn of_racing_submissions_from_one_size_exactly_one_is_cosigned() {
    let s = Setup::new();
    let tree = leaves(20, "a");
    s.cosign(&body(0, &tree[..12]));
    let answers: Vec<(u64, Response)> = std::thread::scope(|scope| {
        let racers: Vec<_> = (13..=20u64)
            .map(|n| {
                let (w, tree) = (&s.witness, &tree);
                scope.spawn(move || (n, w.add_checkpoint(&body(12, &tree[..n as usize]), NOW)))
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let won: Vec<u64> =
        answers.iter().filter(|(_, r)| r.status == StatusCode::OK).map(|(n, _)| *n).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    for (_, r) in answers.iter().filter(|(_, r)| r.status != StatusCode::OK) {
        assert_eq!((r.status, r.body.clone()), (StatusCode::CONFLICT, format!("{}\n", won[0])));
    }
    assert_eq!(s.witness.latest(ORIGIN).unwrap().size, won[0]);
}
