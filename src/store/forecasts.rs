//! Arrival forecasts per window and slot, with their intervals, and the model chosen per window.

use super::db::{Connection, params};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreResult;
use super::{from_ms, to_ms};

/// One forecast slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastSlot {
    pub start: DateTime<Utc>,
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Which model forecasts a window, and how it scored in its backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelChoice {
    pub window: String,
    pub model: String,
    pub mae: f64,
    pub wape: f64,
    /// Seasonal-naive's MAE on the same backtest, for comparison.
    pub naive_mae: f64,
    pub points: u64,
    pub computed: DateTime<Utc>,
}

/// Replaces a window's forecasts from `slots[0].start` on, and its model choice.
pub fn replace(
    conn: &Connection,
    window: &str,
    step_s: u32,
    slots: &[ForecastSlot],
    choice: &ModelChoice,
) -> StoreResult<()> {
    if let Some(first) = slots.first() {
        conn.prepare_cached(
            "DELETE FROM forecasts WHERE service_point_id = ?1 AND step_s = ?2 AND start_ms >= ?3",
        )?
        .execute(params![window, step_s, to_ms(first.start)])?;
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO forecasts(service_point_id, step_s, start_ms, mean, lower, upper) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(service_point_id, step_s, start_ms)
         DO UPDATE SET mean = excluded.mean, lower = excluded.lower, upper = excluded.upper",
    )?;
    for s in slots {
        stmt.execute(params![window, step_s, to_ms(s.start), s.mean, s.lower, s.upper])?;
    }
    conn.prepare_cached(
        "INSERT INTO forecast_models(service_point_id, model, mae, wape, naive_mae, points, computed_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(service_point_id) DO UPDATE SET model = excluded.model, mae = excluded.mae,
           wape = excluded.wape, naive_mae = excluded.naive_mae, points = excluded.points,
           computed_ms = excluded.computed_ms",
    )?
    .execute(params![
        window,
        choice.model,
        choice.mae,
        choice.wape,
        choice.naive_mae,
        i64::try_from(choice.points).unwrap_or(i64::MAX),
        to_ms(choice.computed)
    ])?;
    Ok(())
}

/// A window's forecasts in `[from, to)`.
pub fn slots(
    conn: &Connection,
    window: &str,
    step_s: u32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<ForecastSlot>> {
    conn.prepare_cached(
        "SELECT start_ms, mean, lower, upper FROM forecasts
         WHERE service_point_id = ?1 AND step_s = ?2 AND start_ms >= ?3 AND start_ms < ?4 ORDER BY start_ms",
    )?
    .query_map(params![window, step_s, to_ms(from), to_ms(to)], |r| {
        Ok(ForecastSlot { start: from_ms(r.get(0)?), mean: r.get(1)?, lower: r.get(2)?, upper: r.get(3)? })
    })?
    .collect::<super::db::Result<_>>()
}

pub fn models(conn: &Connection) -> StoreResult<Vec<ModelChoice>> {
    conn.prepare_cached(
        "SELECT service_point_id, model, mae, wape, naive_mae, points, computed_ms FROM forecast_models ORDER BY service_point_id",
    )?
    .query_map((), |r| {
        Ok(ModelChoice {
            window: r.get(0)?,
            model: r.get(1)?,
            mae: r.get(2)?,
            wape: r.get(3)?,
            naive_mae: r.get(4)?,
            points: r.get::<_, i64>(5)?.max(0).unsigned_abs(),
            computed: from_ms(r.get(6)?),
        })
    })?
    .collect::<super::db::Result<_>>()
}
