//! Arrival forecasting for service windows: three models, a rolling-origin backtest that chooses
//! between them per series, and forecasts with prediction intervals.
//!
//! Role: turn a regular series of arrival counts (one window, fixed buckets of 60 s or more) into
//! the expected arrivals of the next hours, which the queueing code turns into waits and staffing.
//! The models are seasonal-naive (the same local slot one week before), a seasonal profile (the
//! median of the same weekday and slot over the last weeks, ignoring closed days) and gradient-
//! boosted regression trees on calendar features and lags known at the forecast origin.
//!
//! May use: std, serde, chrono, chrono-tz and thiserror. No I/O, no async, no threads, no
//! randomness: the same series and options give the same report and forecast, bit for bit.
//!
//! Contract:
//! - Day of week and slot of day are those of the library's time zone, so a Monday 09:00 slot
//!   stays the Monday 09:00 slot across daylight-saving changes.
//! - A model forecasting from an origin reads no value at or after the origin; the backtest
//!   trains and scores with that rule, and a test corrupts the future to check it.
//! - [`backtest`] scores every model on the same points and chooses the lowest mean absolute
//!   error; [`forecast`] uses the chosen model and the interval bands measured on its errors.
//! - Forecasts are never negative.
//!
//! The boosted trees are written here (`gbt.rs`, about 300 lines without its tests) rather than
//! taken from a crate: LightGBM and XGBoost come as bindings to C++, and of the pure-Rust crates
//! `nanogbm` does binary classification only while `gbdt` brings file input and regex handling
//! along; none is at once pure Rust, deterministic, small and a squared-loss regressor on
//! histograms, which is all this needs.

mod backtest;
mod baseline;
mod calendar;
mod features;
mod gbt;
mod history;
mod intervals;
mod models;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use backtest::{BacktestOptions, BacktestReport, ModelScore, backtest};
pub use gbt::BoostParams;
pub use intervals::{IntervalBand, Intervals};

use calendar::Calendar;
use features::Context;
use history::History;

/// Seconds in a day; a step must divide it so that every day has the same slots.
pub const DAY_S: u32 = 86_400;

/// The shortest step that can be forecast.
pub const MIN_STEP_S: u32 = 60;

/// A regular series of arrival counts: `values[i]` counts arrivals in
/// `[start + i·step, start + (i + 1)·step)`, and `f64::NAN` marks a bucket with no data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub start: DateTime<Utc>,
    pub step_s: u32,
    pub values: Vec<f64>,
}

impl Series {
    /// Checks the step and the values and builds the series.
    pub fn new(
        start: DateTime<Utc>,
        step_s: u32,
        values: Vec<f64>,
    ) -> Result<Series, ForecastError> {
        let series = Series { start, step_s, values };
        series.check()?;
        Ok(series)
    }

    /// The end of the last bucket, which is where a forecast from this series starts.
    pub fn end(&self) -> DateTime<Utc> {
        self.time_at(self.values.len())
    }

    /// The start of bucket `i`, which may lie past the end of the series.
    pub fn time_at(&self, i: usize) -> DateTime<Utc> {
        let offset = i64::from(self.step_s).saturating_mul(i64::try_from(i).unwrap_or(i64::MAX));
        Duration::try_seconds(offset)
            .and_then(|d| self.start.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// The number of buckets, observed or missing.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the series has no buckets at all.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The number of buckets with a count.
    pub fn observed(&self) -> usize {
        self.values.iter().filter(|v| !v.is_nan()).count()
    }

    /// Buckets per day.
    pub fn steps_per_day(&self) -> usize {
        steps_per_day(self.step_s)
    }

    /// Buckets per week, the season of every model here.
    pub fn steps_per_week(&self) -> usize {
        7 * self.steps_per_day()
    }

    /// The first `n` buckets (all of them when `n` is larger), as a forecast origin sees them.
    pub fn head(&self, n: usize) -> Series {
        let n = n.min(self.values.len());
        Series { start: self.start, step_s: self.step_s, values: self.values[..n].to_vec() }
    }

    /// Checks what [`Series::new`] checks, for a series built field by field.
    pub fn check(&self) -> Result<(), ForecastError> {
        check_step(self.step_s)?;
        if let Some((index, &value)) =
            self.values.iter().enumerate().find(|(_, v)| v.is_infinite() || **v < 0.0)
        {
            return Err(ForecastError::BadValue { index, value });
        }
        if self.time_at(self.values.len().saturating_add(steps_per_week(self.step_s)))
            == DateTime::<Utc>::MAX_UTC
        {
            return Err(ForecastError::OutOfRange);
        }
        Ok(())
    }
}

/// The models compared by the backtest.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    SeasonalNaive,
    SeasonalProfile,
    Boosted,
}

impl ModelKind {
    /// Every model, simplest first; the backtest keeps the simpler model on a tie.
    pub const ALL: [ModelKind; 3] =
        [ModelKind::SeasonalNaive, ModelKind::SeasonalProfile, ModelKind::Boosted];

    /// The name shown to staff and in reports.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::SeasonalNaive => "seasonal-naive",
            ModelKind::SeasonalProfile => "seasonal-profile",
            ModelKind::Boosted => "gradient-boosting",
        }
    }
}

/// Expected arrivals per bucket from `start`, with an interval around each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub start: DateTime<Utc>,
    pub step_s: u32,
    pub model: ModelKind,
    pub mean: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

/// Why a series cannot be backtested or forecast.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    #[error(
        "a step of {step_s} s cannot be forecast: the step must be at least 60 s and divide a day \
         (86,400 s) evenly"
    )]
    BadStep { step_s: u32 },
    #[error(
        "the value {value} in bucket {index} is not an arrival count: counts are finite and not \
         negative, and a missing count is NaN"
    )]
    BadValue { index: usize, value: f64 },
    #[error("the series reaches past the last date the calendar can hold")]
    OutOfRange,
    #[error(
        "the series holds {have} buckets ({have_days:.1} days) but {purpose} needs at least {need} \
         buckets ({need_days:.1} days)",
        have_days = days(*have, *step_s),
        need_days = days(*need, *step_s)
    )]
    TooLittleHistory { have: usize, need: usize, step_s: u32, purpose: String },
    #[error("the series has no observed count in the buckets the backtest scores")]
    NothingToScore,
    #[error("a horizon of 0 buckets asks for no forecast; ask for at least one bucket")]
    EmptyHorizon,
    #[error("the backtest options are not usable: {0}")]
    BadOptions(String),
    #[error(
        "the backtest report is for {report_step_s} s buckets but the series has {series_step_s} s \
         buckets; backtest this series first"
    )]
    StepMismatch { report_step_s: u32, series_step_s: u32 },
}

fn days(buckets: usize, step_s: u32) -> f64 {
    buckets as f64 * f64::from(step_s) / f64::from(DAY_S)
}

fn check_step(step_s: u32) -> Result<(), ForecastError> {
    if step_s < MIN_STEP_S || !DAY_S.is_multiple_of(step_s) {
        return Err(ForecastError::BadStep { step_s });
    }
    Ok(())
}

fn steps_per_day(step_s: u32) -> usize {
    (DAY_S / step_s.max(1)) as usize
}

fn steps_per_week(step_s: u32) -> usize {
    7 * steps_per_day(step_s)
}

/// Forecasts `horizon_steps` buckets from the end of `series` with the model the backtest chose,
/// and puts the interval bands measured on that model's backtest errors around each value.
///
/// The series needs at least a week of history. The boosted model is trained afresh on the
/// series here (tens of milliseconds for a year of hourly counts in a release build); the
/// baselines need no training.
pub fn forecast(
    series: &Series,
    horizon_steps: usize,
    report: &BacktestReport,
    tz: Tz,
) -> Result<Forecast, ForecastError> {
    series.check()?;
    if report.step_s != series.step_s {
        return Err(ForecastError::StepMismatch {
            report_step_s: report.step_s,
            series_step_s: series.step_s,
        });
    }
    if horizon_steps == 0 {
        return Err(ForecastError::EmptyHorizon);
    }
    let origin = series.len();
    if origin < series.steps_per_week() {
        return Err(ForecastError::TooLittleHistory {
            have: origin,
            need: series.steps_per_week(),
            step_s: series.step_s,
            purpose: "a forecast".to_string(),
        });
    }
    let calendar = Calendar::new(series.start, series.step_s, origin + horizon_steps, tz)?;
    let history = History::new(&calendar, &series.values);
    let context = Context::new(&history, report.profile_weeks);
    let setup =
        models::Setup { horizon_steps, profile_weeks: report.profile_weeks, boost: report.boost };
    let mut model = models::Fitted::new(report.chosen, &setup);
    model.train(&context, origin);
    let mean = model.predict(&context, origin, horizon_steps);
    let (lower, upper) = mean.iter().map(|&m| report.intervals.bounds(m)).unzip();
    Ok(Forecast {
        start: series.end(),
        step_s: series.step_s,
        model: report.chosen,
        mean,
        lower,
        upper,
    })
}
