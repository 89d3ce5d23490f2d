//! Scenario tests of the forecasting models on synthetic series with a known answer.

use chrono::{Datelike, TimeZone, Timelike};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

/// Expected arrivals of a library open 09:00–21:00 on weekdays, 10:00–17:00 on Saturdays and
/// closed on Sundays, with a late-morning and an early-evening peak, per hour.
fn library_rate(local: DateTime<Tz>) -> f64 {
    let hour = f64::from(local.hour()) + f64::from(local.minute()) / 60.0;
    let (open, close) = match local.weekday().num_days_from_monday() {
        0..=4 => (9.0, 21.0),
        5 => (10.0, 17.0),
        _ => return 0.0,
    };
    if hour < open || hour >= close {
        return 0.0;
    }
    let bump = |at: f64, width: f64| (-((hour - at) / width).powi(2)).exp();
    let weekday = f64::from(local.weekday().num_days_from_monday());
    10.0 + 25.0 * bump(11.0, 1.5) + 18.0 * bump(18.0, 1.5) + 2.0 * weekday
}

/// A series of `days` days of `step_s` buckets from Monday 2024-01-01 00:00 local (or the given
/// start), with each bucket's count made by `count` from its local start time and index.
fn series(
    tz: Tz,
    start: (i32, u32, u32),
    step_s: u32,
    days: usize,
    mut count: impl FnMut(DateTime<Tz>, usize) -> f64,
) -> Series {
    let start =
        tz.with_ymd_and_hms(start.0, start.1, start.2, 0, 0, 0).unwrap().with_timezone(&Utc);
    let n = days * steps_per_day(step_s);
    let values = (0..n)
        .map(|i| {
            let t = start + Duration::seconds(i64::from(step_s) * i as i64);
            count(t.with_timezone(&tz), i)
        })
        .collect();
    Series::new(start, step_s, values).unwrap()
}

/// A Poisson draw, by Knuth's product of uniforms below 30 and a rounded normal above.
fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    if mean <= 0.0 {
        return 0.0;
    }
    if mean < 30.0 {
        let (limit, mut product, mut k) = ((-mean).exp(), rng.r#gen::<f64>(), 0.0);
        while product > limit {
            product *= rng.r#gen::<f64>();
            k += 1.0;
        }
        return k;
    }
    let (u, v): (f64, f64) = (rng.r#gen::<f64>().max(1e-300), rng.r#gen());
    let normal = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
    (mean + mean.sqrt() * normal).round().max(0.0)
}

fn quick(step_s: u32, tz: Tz) -> BacktestOptions {
    BacktestOptions { origins: 21, ..BacktestOptions::for_step(step_s, tz) }
}

fn mae(report: &BacktestReport, model: ModelKind) -> f64 {
    report.score(model).unwrap().mae
}

/// Forecasts from `origin` the way the backtest does: one history over the whole series, the
/// model trained up to the origin, so that anything the cut at the origin misses would show.
fn forecast_inside(series: &Series, origin: usize, horizon: usize, kind: ModelKind) -> Vec<f64> {
    let tz = chrono_tz::UTC;
    let len = series.len().max(origin + horizon);
    let calendar = Calendar::new(series.start, series.step_s, len, tz).unwrap();
    let history = History::new(&calendar, &series.values);
    let context = Context::new(&history, 6);
    let setup =
        models::Setup { horizon_steps: horizon, profile_weeks: 6, boost: BoostParams::default() };
    let mut model = models::Fitted::new(kind, &setup);
    model.train(&context, origin);
    model.predict(&context, origin, horizon)
}

#[test]
fn a_pure_weekly_pattern_is_forecast_exactly_by_every_model_across_daylight_saving() {
    // Berlin, quarter-hour buckets, 7 weeks over the change to summer time on 31 March 2024.
    let tz: Tz = chrono_tz::Europe::Berlin;
    let s = series(tz, (2024, 2, 19), 900, 49, |local, _| (library_rate(local) / 4.0).round());
    let report = backtest(&s, &quick(900, tz)).unwrap();
    assert_eq!(report.origins, 21);
    for score in &report.scores {
        assert!(score.mae < 1e-9, "{} misses by {}", score.model.name(), score.mae);
    }
    assert_eq!(report.chosen, ModelKind::SeasonalNaive, "a tie keeps the simplest model");
    // In UTC slots the pattern would move by an hour at the change; in local slots it does not.
    let f = forecast(&s, 96, &report, tz).unwrap();
    let expected: Vec<f64> = (0..96)
        .map(|i| (library_rate(s.time_at(s.len() + i).with_timezone(&tz)) / 4.0).round())
        .collect();
    assert_eq!(f.mean, expected);
    assert_eq!(f.start, s.end());
}

#[test]
fn level_changes_are_caught_by_the_boosted_model_sooner_than_by_seasonal_naive() {
    // Term and break periods: the level changes every 17 days between four values.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let levels = [1.0, 1.8, 0.6, 1.3];
    let s = series(chrono_tz::UTC, (2024, 1, 1), 3600, 7 * 30, |local, i| {
        poisson(&mut rng, library_rate(local) * levels[(i / (24 * 17)) % levels.len()])
    });
    let report = backtest(&s, &BacktestOptions::for_step(3600, chrono_tz::UTC)).unwrap();
    let (naive, profile, boosted) = (
        mae(&report, ModelKind::SeasonalNaive),
        mae(&report, ModelKind::SeasonalProfile),
        mae(&report, ModelKind::Boosted),
    );
    assert!(boosted < 0.85 * naive, "boosted {boosted} against naive {naive}");
    assert!(boosted < profile, "boosted {boosted} against profile {profile}");
    assert_eq!(report.chosen, ModelKind::Boosted);
}

#[test]
fn closed_days_and_gaps_do_not_poison_the_profile() {
    let rate = |local: DateTime<Tz>| library_rate(local).round();
    let mut s = series(chrono_tz::UTC, (2024, 1, 1), 3600, 42, |local, _| rate(local));
    // A holiday on the last Wednesday and a sensor outage on the last Tuesday afternoon.
    let wednesday = (7 * 5 + 2) * 24;
    (wednesday..wednesday + 24).for_each(|i| s.values[i] = 0.0);
    (wednesday - 10..wednesday - 4).for_each(|i| s.values[i] = f64::NAN);
    let next_week = |kind| forecast_inside(&s, s.len(), 7 * 24, kind);
    let truth: Vec<f64> =
        (0..7 * 24).map(|i| rate(s.time_at(s.len() + i).with_timezone(&chrono_tz::UTC))).collect();
    assert_eq!(next_week(ModelKind::SeasonalProfile), truth);
    let naive = next_week(ModelKind::SeasonalNaive);
    assert_eq!(naive[2 * 24..3 * 24], [0.0; 24], "the naive model repeats the holiday");
    let boosted = next_week(ModelKind::Boosted);
    let worst = boosted.iter().zip(&truth).map(|(b, t)| (b - t).abs()).fold(0.0, f64::max);
    assert!(worst < 1.0, "the boosted model is {worst} off somewhere");
}

#[test]
fn no_model_reads_past_the_origin() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let s = series(chrono_tz::UTC, (2024, 1, 1), 3600, 7 * 12, |local, _| {
        poisson(&mut rng, library_rate(local))
    });
    let origin = 7 * 24 * 10 + 13;
    let mut corrupted = s.clone();
    corrupted.values[origin..].iter_mut().enumerate().for_each(|(i, v)| {
        *v = if i % 3 == 0 { f64::NAN } else { 1e6 + i as f64 };
    });
    for kind in ModelKind::ALL {
        let honest = forecast_inside(&s, origin, 48, kind);
        assert_eq!(honest, forecast_inside(&corrupted, origin, 48, kind), "{}", kind.name());
        assert!(honest.iter().all(|v| *v < 200.0));
    }
}

#[test]
fn intervals_hold_about_the_nominal_share_in_and_out_of_the_backtest() {
    // A service open day and night (a returns machine), so no bucket is trivially certain.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let rate = |local: DateTime<Tz>| 3.0 + library_rate(local);
    let s = series(chrono_tz::UTC, (2024, 1, 1), 3600, 7 * 16, |local, _| {
        poisson(&mut rng, rate(local))
    });
    let test_weeks = 3 * 7 * 24;
    let known = s.head(s.len() - test_weeks);
    let report = backtest(&known, &BacktestOptions::for_step(3600, chrono_tz::UTC)).unwrap();
    // Counts are whole numbers, so some backtest points sit exactly on a band's quantile and
    // count as inside: coverage comes out a little above nominal.
    let nominal = report.intervals.upper_quantile - report.intervals.lower_quantile;
    assert!((report.intervals.coverage - nominal).abs() < 0.05, "{}", report.intervals.coverage);

    // Then forecast the next three weeks a day at a time with the same report.
    let (mut inside, mut total) = (0, 0);
    for day in 0..21 {
        let origin = known.len() + day * 24;
        let f = forecast(&s.head(origin), 24, &report, chrono_tz::UTC).unwrap();
        for (h, &actual) in s.values[origin..origin + 24].iter().enumerate() {
            total += 1;
            if f.lower[h] <= actual && actual <= f.upper[h] {
                inside += 1;
            }
        }
    }
    let share = f64::from(inside) / f64::from(total);
    assert!((share - nominal).abs() < 0.1, "{inside} of {total} inside");
}

#[test]
fn the_backtest_is_deterministic_and_serialisable() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let s = series(chrono_tz::UTC, (2024, 1, 1), 1800, 7 * 6, |local, _| {
        poisson(&mut rng, library_rate(local) / 2.0)
    });
    let opts = quick(1800, chrono_tz::UTC);
    let (a, b) = (backtest(&s, &opts).unwrap(), backtest(&s, &opts).unwrap());
    assert_eq!(a, b);
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["scores"][0]["model"], "seasonal_naive");
    assert_eq!(json["step_s"], 1800);
    let f = forecast(&s, 10, &a, chrono_tz::UTC).unwrap();
    assert!(f.mean.iter().chain(&f.lower).all(|v| *v >= 0.0));
    assert_eq!(f, forecast(&s, 10, &a, chrono_tz::UTC).unwrap());
}

#[test]
fn model_names_are_the_ones_staff_see() {
    let names: Vec<&str> = ModelKind::ALL.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["seasonal-naive", "seasonal-profile", "gradient-boosting"]);
    assert_eq!(serde_json::to_string(&ModelKind::Boosted).unwrap(), "\"boosted\"");
}

#[test]
fn bad_input_is_named() {
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(Series::new(start, 30, vec![]), Err(ForecastError::BadStep { step_s: 30 }));
    assert_eq!(Series::new(start, 7000, vec![]), Err(ForecastError::BadStep { step_s: 7000 }));
    assert!(matches!(
        Series::new(start, 3600, vec![1.0, -2.0]),
        Err(ForecastError::BadValue { index: 1, .. })
    ));
    assert!(Series::new(start, 3600, vec![f64::INFINITY]).is_err());

    let short = Series::new(start, 3600, vec![1.0; 24 * 14]).unwrap();
    let err = backtest(&short, &BacktestOptions::for_step(3600, chrono_tz::UTC)).unwrap_err();
    assert!(matches!(err, ForecastError::TooLittleHistory { have: 336, .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("336 buckets (14.0 days)") && message.contains("7 origins"),
        "{message}"
    );

    let s = series(chrono_tz::UTC, (2024, 1, 1), 3600, 35, |local, _| library_rate(local));
    let report = backtest(&s, &quick(3600, chrono_tz::UTC)).unwrap();
    let quarter = Series::new(start, 900, vec![1.0; 96 * 35]).unwrap();
    assert!(matches!(
        forecast(&quarter, 4, &report, chrono_tz::UTC),
        Err(ForecastError::StepMismatch { report_step_s: 3600, series_step_s: 900 })
    ));
    assert_eq!(forecast(&s, 0, &report, chrono_tz::UTC), Err(ForecastError::EmptyHorizon));
    let err = forecast(&s.head(100), 4, &report, chrono_tz::UTC).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the series holds 100 buckets (4.2 days) but a forecast needs at least 168 buckets (7.0 days)"
    );
    let bad =
        BacktestOptions { lower_quantile: 0.9, upper_quantile: 0.1, ..quick(3600, chrono_tz::UTC) };
    assert!(matches!(backtest(&s, &bad), Err(ForecastError::BadOptions(_))));
}
