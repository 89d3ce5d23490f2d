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
            return self
                .local_recs_skipped(mark, "no change in the loans since the last choice")
                .await;
        }
        if mark.0 == 0 {
            return self.local_recs_skipped(mark, "no loans are linked to patrons yet").await;
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
            // No patron with two items: nothing to choose from; the desk goes on as it was.
            Err(e) => return self.local_recs_skipped(mark, &e.to_string()).await,
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

    /// A round with nothing to choose from `mark`'s loans, for `why`: like the forecasts' with too
    /// little history, a success with nothing stored (the engine is not stale), not tried again
    /// until the loans change.
    async fn local_recs_skipped(
        &mut self,
        mark: (u64, i64),
        why: &str,
    ) -> Result<FeedOutcome, IngestError> {
        self.local_recs_input = Some(mark);
        self.local_recs_done(0).await?;
        Ok(FeedOutcome::skipped(Feed::LocalRecs, why))
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
