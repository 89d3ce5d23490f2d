//! The three models behind one interface: train up to a cutoff, then predict from an origin.
//!
//! May use: the baselines, the features and the boosted trees. Contract: `train` reads only
//! buckets before its cutoff (the baselines need no training), `predict` reads only through the
//! origin's `Past` view, and predictions are never negative.
//!
//! The boosted model learns from past forecast situations: each training row is one target
//! bucket before the cutoff, seen from an origin a few buckets earlier (0 to horizon − 1, picked
//! by a fixed hash of the bucket so that every horizon and every time of day occurs), with the
//! features that origin would have had. Targets come from the last `train_weeks` weeks, sampled
//! evenly down to `max_rows` with a stride that does not keep hitting the same slots. Targets on
//! a day that was closed although the profile expected it open (a holiday, an outage) are left
//! out: no feature can announce them, so learning from them would only pull other days down.
//! Days that are always closed stay in, so the trees learn to keep them at zero.

use super::ModelKind;
use super::baseline::{seasonal_naive, seasonal_profile};
use super::features::{Context, FEATURES};
use super::gbt::{BoostParams, Booster};

/// What every model is set up with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setup {
    pub(crate) horizon_steps: usize,
    pub(crate) profile_weeks: usize,
    pub(crate) boost: BoostParams,
}

/// A model ready to predict.
pub(crate) struct Fitted {
    kind: ModelKind,
    setup: Setup,
    booster: Option<Booster>,
}

impl Fitted {
    /// An untrained model of `kind`.
    pub(crate) fn new(kind: ModelKind, setup: &Setup) -> Fitted {
        Fitted { kind, setup: *setup, booster: None }
    }

    /// Trains on the buckets before `cutoff`; only the boosted model learns anything.
    pub(crate) fn train(&mut self, context: &Context<'_>, cutoff: usize) {
        if self.kind == ModelKind::Boosted {
            let (x, y, base) = training_rows(context, cutoff, &self.setup);
            self.booster = Booster::fit(&x, FEATURES, &y, &base, &self.setup.boost);
        }
    }

    /// Forecasts `horizon` buckets from bucket `origin`, reading only what lies before it.
    pub(crate) fn predict(&self, context: &Context<'_>, origin: usize, horizon: usize) -> Vec<f64> {
        let weeks = self.setup.profile_weeks;
        let past = &context.history().before(origin);
        let targets = origin..origin + horizon;
        let values: Vec<f64> = match self.kind {
            ModelKind::SeasonalNaive => targets.map(|t| seasonal_naive(past, t, weeks)).collect(),
            ModelKind::SeasonalProfile => targets
                .map(|t| {
                    seasonal_profile(past, t, weeks)
                        .unwrap_or_else(|| seasonal_naive(past, t, weeks))
                })
                .collect(),
            ModelKind::Boosted => {
                let state = context.origin(origin);
                let mut row = [0.0; FEATURES];
                targets
                    .map(|t| {
                        let base = state.fill(t, weeks, &mut row);
                        let correction = self.booster.as_ref().map_or(0.0, |b| b.predict(&row));
                        (base + correction) * state.scale
                    })
                    .collect()
            }
        };
        values.into_iter().map(|v| if v.is_finite() { v.max(0.0) } else { 0.0 }).collect()
    }
}

/// Rows of features, targets and base predictions, all in units of each row's origin scale.
fn training_rows(
    context: &Context<'_>,
    cutoff: usize,
    setup: &Setup,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let history = context.history();
    let cal = history.calendar();
    let (spd, spw) = (cal.steps_per_day(), cal.steps_per_week());
    let cutoff = cutoff.min(history.len());
    let horizon = setup.horizon_steps.max(1);
    let params = &setup.boost;
    // An origin needs a week behind it for its lags and its scale.
    let lo = cutoff.saturating_sub(params.train_weeks.max(1) * spw).max(spw + 1);
    let span = cutoff.saturating_sub(lo);
    let mut stride = span.div_ceil(params.max_rows.max(1)).max(1);
    while stride > 1 && gcd(stride, spd) != 1 {
        stride += 1;
    }
    let capacity = span / stride + 1;
    let (mut x, mut y, mut base) = (
        Vec::with_capacity(capacity * FEATURES),
        Vec::with_capacity(capacity),
        Vec::with_capacity(capacity),
    );
    let known = history.before(cutoff);
    let mut row = [0.0; FEATURES];
    for t in (lo..cutoff).rev().step_by(stride) {
        let ahead = (splitmix64(t as u64) % horizon as u64) as usize;
        let Some(origin) = t.checked_sub(ahead).filter(|&o| o >= spw) else { continue };
        let actual = known.get(t);
        if actual.is_nan() {
            continue;
        }
        let state = context.origin(origin);
        let expected = state.fill(t, setup.profile_weeks, &mut row);
        if expected > 0.0 && known.day_closed(cal.day(t)) == Some(true) {
            continue;
        }
        base.push(expected);
        y.push(actual / state.scale);
        x.extend_from_slice(&row);
    }
    (x, y, base)
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A fixed hash that spreads consecutive buckets over the horizon (SplitMix64's finaliser).
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
