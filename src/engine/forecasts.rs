//! Forecast refresh: for each window, read its arrival history, pick a model by backtest,
//! forecast the next day with intervals, and store the result for the Queues tab. The same
//! steps serve `carrel forecast` on demand.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::SharedStore;
use crate::domain::arrivals::bucket_start;
use crate::domain::forecast::{
    self, BacktestOptions, BacktestReport, Forecast, ForecastError, ModelKind, Series,
};
use crate::services::{self, ServiceError};
use crate::store;
use crate::store::forecasts::{ForecastSlot, ModelChoice};

/// What to forecast from and how far.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub step_s: u32,
    pub history_weeks: u32,
    pub horizon: Duration,
    pub tz: Tz,
}

impl Plan {
    pub fn horizon_steps(&self) -> usize {
        usize::try_from((self.horizon.num_seconds() / i64::from(self.step_s.max(1))).max(1))
            .unwrap_or(1)
    }
}

/// The history of `window` up to the bucket holding `now` (that bucket is still filling, so
/// the forecast starts with it).
pub fn history(
    store: &store::Store,
    window: &str,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<Series, ServiceError> {
    let to = bucket_start(now, plan.step_s);
    let from = to - Duration::weeks(i64::from(plan.history_weeks));
    let values = services::arrivals::series(store, window, plan.step_s, from, to)?;
    Series::new(from, plan.step_s, values).map_err(|e| ServiceError::Invalid(e.to_string()))
}

/// Backtests the models on `series` and forecasts `plan.horizon` ahead with the winner.
pub fn compute(series: &Series, plan: &Plan) -> Result<(BacktestReport, Forecast), ForecastError> {
    let report = forecast::backtest(series, &BacktestOptions::for_step(plan.step_s, plan.tz))?;
    let fc = forecast::forecast(series, plan.horizon_steps(), &report, plan.tz)?;
    Ok((report, fc))
}

/// The store's form of a forecast and its model choice.
pub fn to_rows(
    window: &str,
    report: &BacktestReport,
    fc: &Forecast,
    computed: DateTime<Utc>,
) -> (Vec<ForecastSlot>, ModelChoice) {
    let step = Duration::seconds(i64::from(fc.step_s));
    let slots = (0..fc.mean.len())
        .map(|i| ForecastSlot {
            start: fc.start + step * i32::try_from(i).unwrap_or(i32::MAX),
            mean: fc.mean[i],
            lower: fc.lower.get(i).copied().unwrap_or(fc.mean[i]),
            upper: fc.upper.get(i).copied().unwrap_or(fc.mean[i]),
        })
        .collect();
    let score = |m: ModelKind| report.scores.iter().find(|s| s.model == m);
    let chosen = score(report.chosen);
    let choice = ModelChoice {
        window: window.to_owned(),
        model: report.chosen.name().to_owned(),
        mae: chosen.map_or(f64::NAN, |s| s.mae),
        wape: chosen.map_or(f64::NAN, |s| s.wape),
        naive_mae: score(ModelKind::SeasonalNaive).map_or(f64::NAN, |s| s.mae),
        points: chosen.map_or(0, |s| s.points as u64),
        computed,
    };
    (slots, choice)
}

/// What a refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refresh {
    pub forecast: Vec<String>,
    /// Windows skipped, with why (too little history, for instance).
    pub skipped: Vec<(String, String)>,
}

/// Forecasts every window and stores the results. History is read and results are written on
/// the store's thread; the models run on the blocking pool beside it.
pub async fn refresh(
    db: &SharedStore,
    plan: Plan,
    now: DateTime<Utc>,
) -> Result<Refresh, ServiceError> {
    let windows: Vec<String> = db
        .run(|s| {
            services::reads::service_points(s).map(|(p, _)| p.into_iter().map(|w| w.id).collect())
        })
        .await?;
    let mut out = Refresh::default();
    for w in windows {
        let id = w.clone();
        let series = db.run(move |s| history(s, &id, &plan, now)).await?;
        let computed = tokio::task::spawn_blocking(move || compute(&series, &plan)).await;
        match computed {
            Ok(Ok((report, fc))) => {
                let (slots, choice) = to_rows(&w, &report, &fc, Utc::now());
                let id = w.clone();
                db.run(move |s| {
                    s.write(|tx| store::forecasts::replace(tx, &id, plan.step_s, &slots, &choice))
                })
                .await?;
                out.forecast.push(w);
            }
            Ok(Err(e)) => out.skipped.push((w, e.to_string())),
            Err(e) => out.skipped.push((w, format!("the forecast failed: {e}"))),
        }
    }
    Ok(out)
}
