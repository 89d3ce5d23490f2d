//! The local recommenders' choice as a scheduled job of the ingesting process: when the loans
//! linked to patrons changed, they are read on the store's thread, every model is backtested on
//! the blocking pool beside it (`carrel recs backtest`'s protocol), and the one with the highest
//! nDCG@10 is recorded for the desk's fallback, as the forecasts choose a model per window.

use chrono::Utc;

use super::{Feed, FeedOutcome, Ingest, IngestError};
use crate::domain::recs::{self, BacktestOptions};
use crate::feeds::FetchError;
use crate::services::recs as local;
use crate::store::feeds::Success;
use crate::store::{self};

impl Ingest {
    pub(super) async fn local_recs(&mut self) -> Result<FeedOutcome, IngestError> {
        let mark = self
            .db
            .run(|s| local::loans_mark(s))
            .await
            .map_err(|e| FetchError::Other(e.to_string()))?;
        if self.local_recs_input == Some(mark) {
            self.local_recs_done(0).await?;
            return Ok(FeedOutcome::skipped(
                Feed::LocalRecs,
                "no change in the loans since the last choice",
            ));
        }
        if mark.0 == 0 {
            self.local_recs_input = Some(mark);
            self.local_recs_done(0).await?;
            return Ok(FeedOutcome::skipped(Feed::LocalRecs, "no loans are linked to patrons yet"));
        }
        let log = self
            .db
            .run(|s| local::loan_log(s))
            .await
            .map_err(|e| FetchError::Other(e.to_string()))?;
        let loans = log.events.len() as u64;
        let report =
            tokio::task::spawn_blocking(move || recs::backtest(&log, &BacktestOptions::default()))
                .await
                .map_err(|e| FetchError::Other(format!("the backtest failed: {e}")))?;
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                // Too few loans (none yet, or no patron with two items) is the job doing its
                // work, as for the forecasts: a success with nothing stored; the desk goes on
                // with item-based CF.
                self.local_recs_input = Some(mark);
                self.local_recs_done(0).await?;
                return Ok(FeedOutcome::skipped(Feed::LocalRecs, &e.to_string()));
            }
        };
        let choice = self
            .db
            .run(move |s| local::record_choice(s, &report, loans, Utc::now()))
            .await
            .map_err(|e| FetchError::Other(e.to_string()))?;
        tracing::info!(model = %choice.model, ndcg = choice.ndcg, loans, "local recommender chosen");
        self.local_recs_input = Some(mark);
        self.local_recs_done(1).await?;
        Ok(FeedOutcome::ok(Feed::LocalRecs, 1, 0))
    }

    /// Records a round that ran (a choice stored or not: the engine is not stale).
    async fn local_recs_done(&self, stored: u64) -> Result<(), IngestError> {
        let done = Success { records_ok: stored, ..Default::default() };
        self.db
            .run(move |s| {
                s.write(|tx| {
                    store::feeds::record_success(tx, Feed::LocalRecs.name(), Utc::now(), &done)
                })
            })
            .await?;
        Ok(())
    }
}
