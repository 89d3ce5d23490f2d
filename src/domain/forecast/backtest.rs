//! The rolling-origin backtest: forecast from many past origins as if each were now, score every
//! model on what happened, choose the best per series and measure its interval bands.
//!
//! May use: the models and the interval fitting. Contract: origins are `origin_every_steps`
//! apart and end where the last horizon ends with the series; every model forecasts the same
//! buckets from the same origins and reads nothing at or after an origin. The boosted model is
//! retrained on the data before an origin once every `retrain_every_steps` (a week by default),
//! not at every origin, which keeps nine years of hourly counts under a second in a release
//! build. The first origin has at least three weeks of history before it. Buckets without a
//! count are not scored. The chosen model has the lowest mean absolute error; on a tie the
//! simpler model is kept.
//!
//! The default origins are a day and an hour apart (a day and one bucket for steps longer than
//! an hour), so that every hour of the day is an origin at least twice (the console refreshes
//! its forecast at any hour), and 56 of them cover the last eight weeks or so.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::calendar::Calendar;
use super::features::Context;
use super::gbt::BoostParams;
use super::history::History;
use super::intervals::Intervals;
use super::models::{Fitted, Setup};
use super::{ForecastError, ModelKind, Series, steps_per_day};

/// Whole weeks of history before the first origin, for the lags, the profile and training.
const WARMUP_WEEKS: usize = 3;

/// How a backtest is run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BacktestOptions {
    /// Buckets forecast from each origin.
    pub horizon_steps: usize,
    /// The most origins; fewer are used when the history is shorter.
    pub origins: usize,
    /// Buckets between consecutive origins.
    pub origin_every_steps: usize,
    /// The library's time zone, which sets days and slots.
    pub tz: Tz,
    /// The fewest origins worth a backtest; a shorter history is an error.
    pub min_origins: usize,
    /// Weeks of the same weekday the profile takes its median over.
    pub profile_weeks: usize,
    /// Buckets between retrainings of the boosted model.
    pub retrain_every_steps: usize,
    /// The quantiles of the backtest errors that bound the prediction intervals.
    pub lower_quantile: f64,
    pub upper_quantile: f64,
    /// Settings of the boosted model.
    pub boost: BoostParams,
}

impl BacktestOptions {
    /// Defaults for a step: a one-day horizon, 56 origins a day and an hour apart, at least 7 of
    /// them, a six-week profile, weekly retraining and 10%–90% intervals.
    pub fn for_step(step_s: u32, tz: Tz) -> Self {
        let spd = steps_per_day(step_s).max(1);
        BacktestOptions {
            horizon_steps: spd,
            origins: 56,
            origin_every_steps: spd + (spd / 24).max(1),
            tz,
            min_origins: 7,
            profile_weeks: 6,
            retrain_every_steps: 7 * spd,
            lower_quantile: 0.1,
            upper_quantile: 0.9,
            boost: BoostParams::default(),
        }
    }

    fn check(&self) -> Result<(), ForecastError> {
        let bad = |what: &str| Err(ForecastError::BadOptions(what.to_string()));
        if self.horizon_steps == 0 {
            return Err(ForecastError::EmptyHorizon);
        }
        if self.origins == 0 || self.origin_every_steps == 0 || self.retrain_every_steps == 0 {
            return bad("the number of origins and the buckets between origins and between \
                        retrainings must be at least 1");
        }
        if self.profile_weeks == 0 {
            return bad("the profile needs at least one week");
        }
        if !(0.0..self.upper_quantile).contains(&self.lower_quantile) || self.upper_quantile > 1.0 {
            return bad("the interval quantiles must satisfy 0 ≤ lower < upper ≤ 1");
        }
        if self.boost.trees == 0
            || self.boost.learning_rate.is_nan()
            || self.boost.learning_rate <= 0.0
        {
            return bad("the boosted model needs at least one tree and a positive learning rate");
        }
        Ok(())
    }
}

/// The accuracy of one model over the backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScore {
    pub model: ModelKind,
    /// Mean absolute error per bucket, in arrivals.
    pub mae: f64,
    /// Weighted absolute percentage error: Σ|error| / Σ|actual|; infinite when nothing arrived
    /// and the model expected something (null in JSON).
    pub wape: f64,
    /// Buckets scored.
    pub points: usize,
}

/// What a backtest found, and what [`super::forecast`] needs to forecast with the chosen model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    pub step_s: u32,
    pub horizon_steps: usize,
    pub origins: usize,
    pub first_origin: DateTime<Utc>,
    pub last_origin: DateTime<Utc>,
    /// One score per model, simplest model first.
    pub scores: Vec<ModelScore>,
    pub chosen: ModelKind,
    /// The interval bands of the chosen model.
    pub intervals: Intervals,
    pub profile_weeks: usize,
    pub boost: BoostParams,
}

impl BacktestReport {
    /// The score of `model`.
    pub fn score(&self, model: ModelKind) -> Option<&ModelScore> {
        self.scores.iter().find(|s| s.model == model)
    }

    /// How much lower the chosen model's MAE is than seasonal-naive's, as a share of the latter.
    pub fn gain_over_naive(&self) -> Option<f64> {
        let naive = self.score(ModelKind::SeasonalNaive)?.mae;
        let chosen = self.score(self.chosen)?.mae;
        (naive > 0.0).then(|| 1.0 - chosen / naive)
    }
}

/// Runs the rolling-origin backtest of every model on `series`.
pub fn backtest(series: &Series, opts: &BacktestOptions) -> Result<BacktestReport, ForecastError> {
    series.check()?;
    opts.check()?;
    let origins = origins(series, opts)?;
    let calendar = Calendar::new(series.start, series.step_s, series.len(), opts.tz)?;
    let history = History::new(&calendar, &series.values);
    let context = Context::new(&history, opts.profile_weeks);
    let setup = Setup {
        horizon_steps: opts.horizon_steps,
        profile_weeks: opts.profile_weeks,
        boost: opts.boost,
    };
    let mut results: Vec<(ModelKind, Vec<(f64, f64)>)> = Vec::new();
    for kind in ModelKind::ALL {
        let mut model = Fitted::new(kind, &setup);
        let mut trained_at: Option<usize> = None;
        let mut points = Vec::with_capacity(origins.len() * opts.horizon_steps);
        for &origin in &origins {
            if trained_at.is_none_or(|t| origin >= t + opts.retrain_every_steps) {
                model.train(&context, origin);
                trained_at = Some(origin);
            }
            let predicted = model.predict(&context, origin, opts.horizon_steps);
            for (f, &actual) in predicted.into_iter().zip(&series.values[origin..]) {
                if !actual.is_nan() {
                    points.push((f, actual));
                }
            }
        }
        results.push((kind, points));
    }

    let scores: Vec<ModelScore> =
        results.iter().map(|(kind, points)| score(*kind, points)).collect();
    if scores.iter().any(|s| s.points == 0) {
        return Err(ForecastError::NothingToScore);
    }
    let mut best = 0;
    for (i, s) in scores.iter().enumerate() {
        if s.mae < scores[best].mae {
            best = i;
        }
    }
    let chosen = scores[best].model;
    let intervals = Intervals::fit(&results[best].1, opts.lower_quantile, opts.upper_quantile);
    Ok(BacktestReport {
        step_s: series.step_s,
        horizon_steps: opts.horizon_steps,
        origins: origins.len(),
        first_origin: series.time_at(origins[0]),
        last_origin: series.time_at(origins[origins.len() - 1]),
        scores,
        chosen,
        intervals,
        profile_weeks: opts.profile_weeks,
        boost: opts.boost,
    })
}

/// The origins of the backtest, earliest first.
fn origins(series: &Series, opts: &BacktestOptions) -> Result<Vec<usize>, ForecastError> {
    let (n, every, horizon) = (series.len(), opts.origin_every_steps, opts.horizon_steps);
    let warmup = WARMUP_WEEKS * series.steps_per_week();
    let fit = match n.checked_sub(horizon) {
        Some(last) if last >= warmup => (last - warmup) / every + 1,
        _ => 0,
    };
    let count = fit.min(opts.origins);
    let min = opts.min_origins.clamp(1, opts.origins);
    if count < min {
        return Err(ForecastError::TooLittleHistory {
            have: n,
            need: warmup + (min - 1) * every + horizon,
            step_s: series.step_s,
            purpose: format!(
                "a backtest ({WARMUP_WEEKS} weeks of history, then {min} origins \
                 {every} buckets apart, each forecasting {horizon} buckets)"
            ),
        });
    }
    let last = n - horizon;
    Ok((0..count).rev().map(|j| last - j * every).collect())
}

fn score(model: ModelKind, points: &[(f64, f64)]) -> ModelScore {
    let abs_error: f64 = points.iter().map(|(f, a)| (f - a).abs()).sum();
    let actual: f64 = points.iter().map(|(_, a)| a.abs()).sum();
    let n = points.len();
    ModelScore {
        model,
        mae: if n == 0 { f64::NAN } else { abs_error / n as f64 },
        wape: if actual > 0.0 {
            abs_error / actual
        } else if abs_error == 0.0 {
            0.0
        } else {
            f64::INFINITY
        },
        points: n,
    }
}
