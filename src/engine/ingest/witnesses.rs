//! The audit log's witnessing as a scheduled job of the ingesting process: sign a checkpoint
//! when the log has grown, submit it to each witness in `[audit] witnesses` with a consistency
//! proof from the size that witness last cosigned (c2sp.org/tlog-witness), keep each valid
//! cosignature with the checkpoint, and record each witness's answer for the System tab and
//! the rules (`witness-refused`, `witness-silent`).
//!
//! A 409 names the size the witness holds: the submission is made once more from there. A
//! witness holding a larger tree than the log, or answering 422, refused the log as
//! inconsistent with what it cosigned: that is a refusal, kept for its alert.

use std::time::Duration;

use chrono::Utc;

use super::{Feed, FeedOutcome, Ingest, IngestError};
use crate::config::KeyLocation;
use crate::domain::checkpoint::SignedCheckpoint;
use crate::domain::merkle::{self, Hash};
use crate::domain::note::{SigLine, Vkey};
use crate::feeds::FetchError;
use crate::services::{audit, log_key};
use crate::store::feeds::Success;
use crate::witness::{Refusal, submit};

/// How long a witness may take to connect, and to answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const TIMEOUT: Duration = Duration::from_secs(5);

/// What the witnessing job needs from the configuration.
#[derive(Debug, Clone)]
pub struct Witnessing {
    pub keys: KeyLocation,
    pub witnesses: Vec<WitnessTarget>,
}

/// One witness: its name, where it listens, its key.
#[derive(Debug, Clone)]
pub struct WitnessTarget {
    pub name: String,
    pub url: String,
    pub key: Vkey,
}

impl Witnessing {
    /// `None` when no witness is configured.
    pub fn from_config(cfg: &crate::config::Config) -> Option<Witnessing> {
        let witnesses: Vec<WitnessTarget> = cfg
            .settings
            .audit
            .witnesses
            .iter()
            .filter_map(|w| {
                Some(WitnessTarget {
                    name: w.name.clone(),
                    url: w.url.clone(),
                    key: w.vkey().ok()?,
                })
            })
            .collect();
        (!witnesses.is_empty()).then(|| Witnessing { keys: cfg.key_location(), witnesses })
    }
}

/// What came of one submission.
enum Answer {
    Cosigned(Vec<SigLine>),
    /// Why not; `true` when the witness found the log inconsistent with what it cosigned.
    Failed(String, bool),
}

fn other(e: impl std::fmt::Display) -> IngestError {
    IngestError::Fetch(FetchError::Other(e.to_string()))
}

impl Ingest {
    pub(super) async fn witnesses(&mut self) -> Result<FeedOutcome, IngestError> {
        let Some(w) = self.opts.witnessing.clone() else {
            return Ok(FeedOutcome::skipped(Feed::Witnesses, "no witness is configured"));
        };
        let keys = w.keys.clone();
        let (id, cp) = self
            .db
            .run(move |s| {
                let file = keys.key_file(s.database_id()?.as_deref());
                let key = log_key::load_after_rotation(s, &log_key::path_beside(&file))
                    .map_err(|e| crate::services::ServiceError::Invalid(e.to_string()))?;
                audit::latest_or_new_checkpoint(s, &key)
            })
            .await
            .map_err(other)?;
        let (records, done) = self
            .db
            .run(move |s| {
                Ok::<_, crate::store::StoreError>((
                    crate::store::audit::witness_records(s.conn())?,
                    crate::store::audit::cosignatures(s.conn(), id)?,
                ))
            })
            .await?;
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(other)?;
        let size = cp.checkpoint.size;
        // Every witness is asked at once: a slow one holds the ingest up for one timeout, not
        // one per witness.
        let asked: Vec<&WitnessTarget> =
            w.witnesses.iter().filter(|t| !done.iter().any(|(name, _)| name == &t.name)).collect();
        // The checkpoint's leaves, read once for every witness's consistency proof.
        let leaves = if asked.is_empty() {
            Vec::new()
        } else {
            self.db.run(move |s| crate::store::audit::leaves_between(s.conn(), 0, size)).await?
        };
        let answers = futures_util::future::join_all(asked.iter().map(|target| {
            let held = records
                .iter()
                .find(|r| r.name == target.name)
                .and_then(|r| r.cosigned_size)
                .filter(|&n| n <= size)
                .unwrap_or(0);
            ask(&client, target, &cp, &leaves, held)
        }))
        .await;
        let mut cosigned = 0u64;
        for (target, answer) in asked.into_iter().zip(answers) {
            let answer = answer?;
            let (t, c) = (target.clone(), cp.clone());
            let kept = self
                .db
                .run(move |s| match answer {
                    Answer::Cosigned(lines) => audit::record_cosignature(s, id, &c, &t.key, &lines),
                    Answer::Failed(why, refusal) => {
                        audit::record_witness_failure(s, &t.name, &why, refusal).map(|()| false)
                    }
                })
                .await
                .map_err(other)?;
            cosigned += u64::from(kept);
        }
        let n = w.witnesses.len();
        self.db
            .run(move |s| {
                s.write(|tx| {
                    crate::store::feeds::record_success(
                        tx,
                        Feed::Witnesses.name(),
                        Utc::now(),
                        &Success { records_ok: cosigned, ..Default::default() },
                    )
                })
            })
            .await?;
        if cosigned == 0 {
            return Ok(FeedOutcome::skipped(
                Feed::Witnesses,
                &format!("nothing new cosigned of {n} witnesses"),
            ));
        }
        Ok(FeedOutcome::ok(Feed::Witnesses, cosigned, 0))
    }
}

/// Submits `cp` to `target`, proving consistency from `held` (the size it last cosigned,
/// as far as the log knows); once more from the size a 409 names.
async fn ask(
    client: &reqwest::Client,
    target: &WitnessTarget,
    cp: &SignedCheckpoint,
    leaves: &[Hash],
    held: u64,
) -> Result<Answer, IngestError> {
    let size = cp.checkpoint.size;
    let note = cp.to_note_string();
    let mut old = held;
    for attempt in 0..2 {
        let proof = merkle::consistency_proof(leaves, usize::try_from(old).unwrap_or(usize::MAX));
        let answer = match submit(client, &target.url, old, &proof, &note).await {
            Ok(lines) => Answer::Cosigned(lines),
            Err(Refusal::Conflict { their_size }) if their_size > size => Answer::Failed(
                format!(
                    "has cosigned a tree of {their_size} entries, larger than the log's {size}: the log lost entries, or the witness was shown another log under its origin"
                ),
                true,
            ),
            Err(Refusal::Conflict { their_size }) if attempt == 0 => {
                old = their_size;
                continue;
            }
            Err(Refusal::Conflict { their_size }) => {
                Answer::Failed(format!("answered 409 twice (it holds {their_size} entries)"), false)
            }
            Err(Refusal::Inconsistent(why)) => Answer::Failed(
                format!(
                    "refused the checkpoint of {size} entries as inconsistent with the {old} it cosigned: {why}"
                ),
                true,
            ),
            Err(Refusal::Forbidden(why)) => Answer::Failed(
                format!("rejects the log's key (does it have `carrel audit key`?): {why}"),
                false,
            ),
            Err(Refusal::UnknownLog(why)) => Answer::Failed(
                format!("does not witness this log ({}): {why}", cp.checkpoint.origin),
                false,
            ),
            Err(e) => Answer::Failed(e.to_string(), false),
        };
        return Ok(answer);
    }
    Ok(Answer::Failed("no answer".into(), false))
}
