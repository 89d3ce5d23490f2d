//! The log's side of c2sp.org/tlog-witness: [`submit`] sends a checkpoint with its consistency
//! proof to a witness and returns the witness's signature lines, or a [`Refusal`] saying what
//! happened in terms the caller can act on (a 409 carries the size to prove from next).
//!
//! The lines are not verified here: the caller checks them against the witness's key, as it
//! must ignore lines by keys it does not know. Timeouts are the caller's, set on the
//! `reqwest::Client` it passes.
//!
//! May use: reqwest, domain.

use crate::domain::merkle::Hash;
use crate::domain::note::SigLine;
use crate::domain::sanitize::clean_text;

/// The largest answer read from a witness.
pub const MAX_ANSWER_BYTES: usize = 64 << 10;

/// How much of an unexpected answer is kept, in characters.
const SHOWN_CHARS: usize = 200;

/// Why a witness did not cosign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 409: the witness last cosigned a tree of `their_size` leaves; prove from there.
    #[error("the witness last cosigned size {their_size}")]
    Conflict { their_size: u64 },
    /// 422: the checkpoint does not extend what the witness cosigned (its line).
    #[error("inconsistent: {0}")]
    Inconsistent(String),
    /// 403: the witness does not accept the log's signature.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: the witness does not know the log.
    #[error("unknown log: {0}")]
    UnknownLog(String),
    /// 400 or 413: the request was malformed or too large.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// No answer: connection refused, timed out, broken off.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// Any other answer, or a 200 that is not signature lines.
    #[error("unexpected answer ({status}): {body}")]
    Unexpected { status: u16, body: String },
}

/// Submits `checkpoint_note` (its text, a blank line, the log's signature) to the witness at
/// `url`, its submission prefix (`http://host:port`; a URL already ending in `/add-checkpoint`
/// is used as it is), claiming the witness last cosigned `old` leaves and proving consistency
/// from there with `proof`. Returns the witness's signature lines.
pub async fn submit(
    client: &reqwest::Client,
    url: &str,
    old: u64,
    proof: &[Hash],
    checkpoint_note: &str,
) -> Result<Vec<SigLine>, Refusal> {
    let endpoint = if url.ends_with("/add-checkpoint") {
        url.to_owned()
    } else {
        format!("{}/add-checkpoint", url.trim_end_matches('/'))
    };
    let body = super::request::body(old, proof, checkpoint_note);
    let mut answer = client
        .post(&endpoint)
        .header(reqwest::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(body)
        .send()
        .await
        .map_err(|e| Refusal::Unreachable(describe(&e)))?;
    let status = answer.status().as_u16();
    let mut bytes = Vec::new();
    let mut over = false;
    while let Some(chunk) = answer.chunk().await.map_err(|e| Refusal::Unreachable(describe(&e)))? {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            over = true;
            break;
        }
        bytes.extend_from_slice(&chunk);
    }
    let text = String::from_utf8_lossy(&bytes);
    let unexpected =
        |body: &str| Refusal::Unexpected { status, body: clean_text(body, SHOWN_CHARS) };
    if over {
        return Err(unexpected(&format!("an answer larger than {} KiB", MAX_ANSWER_BYTES >> 10)));
    }
    let line = || clean_text(text.lines().next().unwrap_or_default(), SHOWN_CHARS);
    match status {
        200 => signature_lines(&text).ok_or_else(|| unexpected(&text)),
        409 => match text.strip_suffix('\n').and_then(tree_size) {
            Some(their_size) => Err(Refusal::Conflict { their_size }),
            None => Err(unexpected(&text)),
        },
        422 => Err(Refusal::Inconsistent(line())),
        403 => Err(Refusal::Forbidden(line())),
        404 => Err(Refusal::UnknownLog(line())),
        400 | 413 => Err(Refusal::BadRequest(line())),
        _ => Err(unexpected(&text)),
    }
}

/// A tree size in decimal without leading zeros.
fn tree_size(s: &str) -> Option<u64> {
    s.parse::<u64>().ok().filter(|v| v.to_string() == s)
}

/// One or more signature lines, each ending in a newline; `None` otherwise.
fn signature_lines(text: &str) -> Option<Vec<SigLine>> {
    if text.is_empty() || !text.ends_with('\n') {
        return None;
    }
    text.lines().map(|l| SigLine::parse(l).ok()).collect()
}

/// A transport error in one line, with its cause (reqwest's own text is "error sending request").
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "the exchange failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let text = if cause.is_empty() { what.to_owned() } else { format!("{what}: {cause}") };
    clean_text(&text, SHOWN_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_is_one_or_more_signature_lines() {
        let line = "\u{2014} w.example/w1 AAAAAQAAAAAAAAAB\n";
        let got = signature_lines(&format!("{line}{line}")).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].name, "w.example/w1");
        for bad in ["", "\n", "ok\n", line.trim_end(), &format!("{line}\n")] {
            assert_eq!(signature_lines(bad), None, "{bad:?}");
        }
    }
}
