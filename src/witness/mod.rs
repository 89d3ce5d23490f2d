//! A transparency-log witness (c2sp.org/tlog-witness): a committee member runs one on their own
//! machine, the library's process submits each new checkpoint of the audit log to it, and it
//! cosigns the checkpoint only if it extends, append-only, the last one it cosigned. A log
//! that showed the witness one history and someone else another cannot get both cosigned.
//!
//! The protocol, `POST /add-checkpoint` ([`Witness::add_checkpoint`], in the specification's
//! order): the body is `old <size>`, the consistency proof (one base64 hash a line, at most
//! 63), a blank line and the checkpoint note. A body of the wrong form is 400; a checkpoint of
//! an origin the witness was not given a log key for is 404; one without a valid signature by
//! that key (or with a line of the key's name and id that does not verify) is 403; an old size
//! above the checkpoint's is 400; an old size other than the one last cosigned is 409 with
//! that size as the body (`text/x.tlog.size`), so the log can retry with the right proof; a
//! size-0 checkpoint without the empty tree's root, a proof with old size 0, a proof that does
//! not verify against the root last cosigned, or the same size with another root is 422.
//! Otherwise the checkpoint is saved as the log's latest and the answer is 200 with the
//! witness's cosignature line (`cosignature/v1`, Ed25519, signature type 0x04, dated now).
//! Every refusal's body is one line saying why. Checking and saving happen under one lock, so
//! two submissions racing cannot roll the witness back (the specification's race).
//!
//! The state file ([`state`]) keeps, per log origin, the size, root and note of the latest
//! checkpoint cosigned: `{"format":"carrel-witness-state/1","logs":{ORIGIN:{"size":N,
//! "root":"<base64>","checkpoint":"<note>"}}}`; the note holds the log's signature and the
//! witness's cosignature. [`server`] serves a [`Witness`] over HTTP; [`client`] is the log's
//! side, [`submit`].
//!
//! May use: domain (notes, checkpoints, the Merkle tree), input, the file system (the state
//! file), axum and tokio (the server), reqwest (the client), tracing.

pub mod client;
pub mod request;
pub mod server;
pub mod state;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use axum::http::StatusCode;

use crate::domain::checkpoint::SignedCheckpoint;
use crate::domain::merkle::{empty_root, verify_consistency};
use crate::domain::note::{Alg, MAX_NOTE_BYTES, Note, Signer, Vkey};

pub use client::{Refusal, submit};
pub use state::{Cosigned, StateError, StateLock, WitnessState};

/// The content type of a 409's body: the size the witness last cosigned.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// The content type of every other answer.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// The answer to a submission: status, body and its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: StatusCode,
    pub body: String,
    pub content_type: &'static str,
}

impl Response {
    fn text(status: StatusCode, body: String) -> Response {
        Response { status, body, content_type: TEXT_CONTENT_TYPE }
    }

    /// A refusal: `why` as one line.
    fn refuse(status: StatusCode, why: &str) -> Response {
        let line = crate::domain::sanitize::clean_text(why, 300);
        Response::text(status, format!("{line}\n"))
    }
}

/// Why a witness cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("{0}")]
    BadKey(String),
    #[error(transparent)]
    State(#[from] StateError),
}

/// A witness: its cosigning key, the logs it watches, and what it has cosigned.
#[derive(Debug)]
pub struct Witness {
    signer: Signer,
    /// The logs' keys; a log's origin is its key's name (several keys may share one).
    logs: Vec<Vkey>,
    state_path: PathBuf,
    state: Mutex<WitnessState>,
}

impl Witness {
    /// A witness cosigning with `signer` (a cosignature key) for the logs of `logs` (Ed25519
    /// note keys), remembering what it cosigned in the file at `state_path` (loaded now).
    pub fn open(
        signer: Signer,
        logs: Vec<Vkey>,
        state_path: &Path,
    ) -> Result<Witness, WitnessError> {
        let vkey = signer.vkey();
        if vkey.alg() != Alg::Cosignature {
            return Err(WitnessError::BadKey(format!(
                "{}: a witness signs with a cosignature key (type 0x04), not a log's key",
                vkey.name()
            )));
        }
        if let Some(k) = logs.iter().find(|k| k.alg() != Alg::Ed25519) {
            return Err(WitnessError::BadKey(format!(
                "{k}: a cosignature key, not a log's key (type 0x01)"
            )));
        }
        let state = WitnessState::load(state_path)?;
        Ok(Witness { signer, logs, state_path: state_path.to_owned(), state: Mutex::new(state) })
    }

    /// The witness's verifier key, which those who check cosignatures trust.
    pub fn vkey(&self) -> Vkey {
        self.signer.vkey()
    }

    /// The origins of the logs it watches, each once, in the order given.
    pub fn origins(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for k in &self.logs {
            if !out.contains(&k.name()) {
                out.push(k.name());
            }
        }
        out
    }

    /// The latest checkpoint cosigned for `origin`.
    pub fn latest(&self, origin: &str) -> Option<Cosigned> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).get(origin).cloned()
    }

    /// Answers an `add-checkpoint` request (see the module's header), cosigning at `now_unix`
    /// (POSIX seconds). Each refusal is logged, in one line.
    pub fn add_checkpoint(&self, body: &[u8], now_unix: u64) -> Response {
        let sub = match request::parse(body) {
            Ok(sub) => sub,
            Err(why) => return refused(StatusCode::BAD_REQUEST, &why, None),
        };
        let cp = &sub.checkpoint.checkpoint;
        let origin = Some(cp.origin.as_str());
        let keys: Vec<&Vkey> = self.logs.iter().filter(|k| k.name() == cp.origin).collect();
        if keys.is_empty() {
            let why = format!("unknown log '{}': this witness has no key for it", cp.origin);
            return refused(StatusCode::NOT_FOUND, &why, None);
        }
        let log_lines = match verified_lines(&sub.checkpoint.note, &keys) {
            Ok(lines) => lines,
            Err(why) => return refused(StatusCode::FORBIDDEN, &why, origin),
        };
        if sub.old > cp.size {
            let why =
                format!("old size {} is larger than the checkpoint's size {}", sub.old, cp.size);
            return refused(StatusCode::BAD_REQUEST, &why, origin);
        }
        if now_unix == 0 {
            // A cosignature must not be dated 0; a clock at the epoch is broken.
            let why = "the witness's clock reads 1970; it cosigns nothing until it is set";
            return refused(StatusCode::INTERNAL_SERVER_ERROR, why, origin);
        }
        // From here to the save, one submission at a time.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let latest = state.get(&cp.origin);
        let (size, root) = latest.map_or((0, empty_root()), |c| (c.size, c.root));
        if sub.old != size {
            let why = format!("old size {} is not {size}, the size last cosigned", sub.old);
            let mut r = refused(StatusCode::CONFLICT, &why, origin);
            r.body = format!("{size}\n");
            r.content_type = SIZE_CONTENT_TYPE;
            return r;
        }
        if let Err(why) = consistent(size, &root, &sub.checkpoint, &sub.proof) {
            return refused(StatusCode::UNPROCESSABLE_ENTITY, &why, origin);
        }
        let cosignature = self.signer.sign(&sub.checkpoint.note.text, now_unix);
        let mut kept = Note { text: sub.checkpoint.note.text.clone(), sigs: log_lines };
        kept.sigs.push(cosignature.clone());
        let kept = kept.to_string();
        if kept.len() > MAX_NOTE_BYTES {
            let why = format!("the checkpoint is too large to keep (over {MAX_NOTE_BYTES} bytes)");
            return refused(StatusCode::BAD_REQUEST, &why, origin);
        }
        let mut next = state.clone();
        next.set(&cp.origin, Cosigned { size: cp.size, root: cp.root, checkpoint: kept });
        if let Err(e) = next.save(&self.state_path) {
            // The cause is for the witness's log, not for the log's process.
            let r = Response::refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the witness cannot save its state; nothing was cosigned",
            );
            tracing::error!(origin = %cp.origin, "witness refused a checkpoint: {e}");
            return r;
        }
        *state = next;
        tracing::info!(origin = %cp.origin, size = cp.size, "witness cosigned a checkpoint");
        Response::text(StatusCode::OK, cosignature.line())
    }
}

/// A refusal, logged: at warning level for a 422, which may be evidence of a log showing
/// different histories (the specification suggests keeping it), at error level for the
/// witness's own failures.
fn refused(status: StatusCode, why: &str, origin: Option<&str>) -> Response {
    let r = Response::refuse(status, why);
    let (code, origin, why) = (status.as_u16(), origin.unwrap_or("-"), r.body.trim_end());
    match status {
        StatusCode::UNPROCESSABLE_ENTITY => {
            tracing::warn!(status = code, origin, "witness refused a checkpoint: {why}");
        }
        s if s.is_server_error() => {
            tracing::error!(status = code, origin, "witness refused a checkpoint: {why}");
        }
        _ => tracing::info!(status = code, origin, "witness refused a checkpoint: {why}"),
    }
    r
}

/// The lines of `note` by the log's `keys` when at least one is there and every one verifies;
/// otherwise why not. Lines by other keys are ignored, as the note format requires.
fn verified_lines(
    note: &Note,
    keys: &[&Vkey],
) -> Result<Vec<crate::domain::note::SigLine>, String> {
    let mut lines = Vec::new();
    for key in keys {
        for line in note.by(key) {
            key.verify(&note.text, line).map_err(|e| format!("{e} (key {:08x})", key.id()))?;
        }
        // One line per key is kept: more say nothing more.
        lines.extend(note.by(key).next().cloned());
    }
    if lines.is_empty() {
        let origin = keys.first().map(|k| k.name()).unwrap_or_default();
        return Err(format!(
            "the checkpoint is not signed by a key this witness trusts for {origin}"
        ));
    }
    Ok(lines)
}

/// Whether `new` extends the tree of `size` leaves and root `root` that the witness cosigned
/// last, by `proof`; otherwise why not, in one line.
fn consistent(
    size: u64,
    root: &crate::domain::merkle::Hash,
    new: &SignedCheckpoint,
    proof: &[crate::domain::merkle::Hash],
) -> Result<(), String> {
    let cp = &new.checkpoint;
    if cp.size == 0 && cp.root != empty_root() {
        return Err("a checkpoint of size 0 must have the empty tree's root".into());
    }
    if size == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err("from old size 0 the consistency proof must be empty".into())
        };
    }
    if size == cp.size {
        if cp.root != *root {
            return Err(format!("the root differs from the one cosigned at size {size}"));
        }
        if !proof.is_empty() {
            return Err(format!("a consistency proof from {size} to {size} must be empty"));
        }
        return Ok(());
    }
    if verify_consistency(size, cp.size, root, &cp.root, proof) {
        Ok(())
    } else {
        Err(format!(
            "consistency proof from {size} to {} does not verify against the root cosigned at {size}",
            cp.size
        ))
    }
}

#[cfg(test)]
mod tests;
