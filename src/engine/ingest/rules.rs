//! The privacy rules as a scheduled job of the ingesting process: the whole audit log and the
//! store are read on the blocking pool, findings folded into alerts.

use chrono::Utc;

use super::{Feed, FeedOutcome, Ingest, IngestError};
use crate::feeds::FetchError;
use crate::store::feeds::Success;
use crate::store::{self};

impl Ingest {
    pub(super) async fn rules(&mut self) -> Result<FeedOutcome, IngestError> {
        let Some(settings) = self.opts.rules.clone() else {
            return Ok(FeedOutcome::skipped(Feed::Rules, "the privacy rules are off"));
        };
        let report = self
            .db
            .run(move |s| crate::services::alerts::check(s, &settings, Utc::now()))
            .await
            .map_err(|e| FetchError::Other(e.to_string()))?;
        let mut changed = (report.raised.len() + report.updated.len()) as u64;
        if let Some(review) = self.opts.review {
            let filled = self
                .db
                .run(move |s| crate::services::review::fill(s, review, Utc::now()))
                .await
                .map_err(|e| FetchError::Other(e.to_string()))?;
            changed += filled.sampled + filled.evidence;
        }
        let entries = report.entries;
        self.db
            .run(move |s| {
                s.write(|tx| {
                    store::feeds::record_success(
                        tx,
                        Feed::Rules.name(),
                        Utc::now(),
                        &Success { records_ok: entries, ..Default::default() },
                    )
                })
            })
            .await?;
        if changed == 0 {
            return Ok(FeedOutcome::skipped(Feed::Rules, "nothing new"));
        }
        Ok(FeedOutcome::ok(Feed::Rules, changed, 0))
    }
}
