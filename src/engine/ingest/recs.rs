//! The recommendation API's feeds: model provenance and the catalogue.

use chrono::Utc;

use super::{Feed, FeedOutcome, Ingest, IngestError};
use crate::feeds::FetchError;
use crate::store::feeds::Success;
use crate::store::{self};

/// Most catalogue pages fetched in one run; the rest follow on the next.
const CATALOG_PAGES_PER_RUN: usize = 50;

impl Ingest {
    fn recs(&self) -> Result<crate::feeds::recs::RecsClient, IngestError> {
        self.sources.recs().cloned().ok_or_else(|| {
            FetchError::Other("the recommendation API is not configured".into()).into()
        })
    }

    pub(super) async fn model(&mut self) -> Result<FeedOutcome, IngestError> {
        let model = self.recs()?.model().await?;
        self.db
            .run(move |s| {
                s.write(|tx| {
                    store::catalog::set_model(tx, &model, Utc::now())?;
                    Ingest::record(
                        tx,
                        Feed::Model,
                        &[],
                        &Success { records_ok: 1, ..Default::default() },
                    )
                })
            })
            .await?;
        Ok(FeedOutcome::ok(Feed::Model, 1, 0))
    }

    pub(super) async fn catalog(&mut self) -> Result<FeedOutcome, IngestError> {
        let recs = self.recs()?;
        let (mut stored, mut quarantined) = (0u64, 0u64);
        for _ in 0..CATALOG_PAGES_PER_RUN {
            let cursor = self
                .db
                .run(|s| store::feeds::get(s.conn(), Feed::Catalog.name()))
                .await?
                .and_then(|f| f.cursor);
            let page = recs.catalog(cursor.as_deref()).await?;
            let (n, q, more) = (page.items.len() as u64, page.rejected.len() as u64, page.more);
            self.db
                .run(move |s| {
                    s.write(|tx| {
                        store::catalog::upsert_items(tx, &page.items)?;
                        let success = Success {
                            cursor: Some(&page.cursor),
                            records_ok: n,
                            records_quarantined: q,
                            ..Default::default()
                        };
                        Ingest::record(tx, Feed::Catalog, &page.rejected, &success)
                    })
                })
                .await?;
            stored += n;
            quarantined += q;
            if !more {
                break;
            }
        }
        Ok(FeedOutcome::ok(Feed::Catalog, stored, quarantined))
    }
}
