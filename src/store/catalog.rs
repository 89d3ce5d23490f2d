//! The recommendation API's catalogue and model provenance, kept locally for the fallback
//! recommender and for showing where recommendations come from.

use super::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Utc};

use super::StoreResult;
use super::{from_ms, to_ms};
use crate::domain::api::{CatalogItemDto, ModelInfo};

pub fn upsert_items(conn: &Connection, items: &[CatalogItemDto]) -> StoreResult<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO catalog_items(id, title, subject, year) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, subject = excluded.subject, year = excluded.year",
    )?;
    for i in items {
        stmt.execute(params![i.id, i.title, i.subject, i.year])?;
    }
    Ok(items.len())
}

pub fn item_count(conn: &Connection) -> StoreResult<u64> {
    conn.query_row("SELECT count(*) FROM catalog_items", (), |r| r.get::<_, i64>(0))
        .map(|n| n.unsigned_abs())
}

pub fn set_model(conn: &Connection, model: &ModelInfo, now: DateTime<Utc>) -> StoreResult<()> {
    let metrics = serde_json::to_string(&model.metrics).unwrap_or_else(|_| "{}".into());
    conn.prepare_cached(
        "INSERT INTO recs_model(id, version, trained_ms, training_mode, sites, metrics_json, seen_ms)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET version = excluded.version, trained_ms = excluded.trained_ms,
             training_mode = excluded.training_mode, sites = excluded.sites,
             metrics_json = excluded.metrics_json, seen_ms = excluded.seen_ms",
    )?
    .execute(params![model.version, to_ms(model.trained_at), model.training_mode, model.sites, metrics, to_ms(now)])?;
    Ok(())
}

pub fn model(conn: &Connection) -> StoreResult<Option<ModelInfo>> {
    conn.prepare_cached("SELECT version, trained_ms, training_mode, sites, metrics_json FROM recs_model WHERE id = 1")?
        .query_row((), |r| {
            let metrics: String = r.get(4)?;
            Ok(ModelInfo {
                version: r.get(0)?,
                trained_at: from_ms(r.get(1)?),
                training_mode: r.get(2)?,
                sites: r.get(3)?,
                metrics: serde_json::from_str(&metrics).unwrap_or_default(),
            })
        })
        .optional()
}
