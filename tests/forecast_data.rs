//! The forecasting backtest on real hourly counts: Capital Bikeshare trips, 2010–2019, as a
//! stand-in for service-desk arrivals (see `../shared/data/README.md`).
//!
//! The chosen model must beat seasonal-naive's mean absolute error by at least 15% with the
//! default options for an hourly step. The file is read with a small parser here; the test
//! skips, saying so, when the shared data folder is absent.
//!
//! Run with `cargo test --release --test forecast_data -- --nocapture` to see the score table.

use std::path::PathBuf;
use std::time::Instant;

use carrel::domain::forecast::{BacktestOptions, ModelKind, Series, backtest, forecast};
use chrono::{NaiveDateTime, TimeZone, Utc};

fn data_file(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(name);
    path.exists().then_some(path)
}

/// Reads the `ts` and `count` columns into an hourly series; hours not in the file are gaps.
fn read_hourly(text: &str) -> Series {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_string())
        .collect();
    let column = |name: &str| {
        header.iter().position(|c| c == name).unwrap_or_else(|| panic!("no column {name:?}"))
    };
    let (ts_col, count_col) = (column("ts"), column("count"));
    let mut rows = Vec::new();
    for (n, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(',').map(|c| c.trim().trim_matches('"')).collect();
        let ts = NaiveDateTime::parse_from_str(cells[ts_col], "%Y-%m-%d %H:%M:%S")
            .unwrap_or_else(|e| panic!("line {}: bad ts {:?}: {e}", n + 2, cells[ts_col]));
        let count: f64 = cells[count_col]
            .parse()
            .unwrap_or_else(|e| panic!("line {}: bad count {:?}: {e}", n + 2, cells[count_col]));
        rows.push((Utc.from_utc_datetime(&ts), count));
    }
    let start = rows[0].0;
    let last = (rows[rows.len() - 1].0 - start).num_hours() as usize;
    let mut values = vec![f64::NAN; last + 1];
    for (t, count) in rows {
        values[(t - start).num_hours() as usize] = count;
    }
    Series::new(start, 3600, values).expect("the counts make a valid hourly series")
}

#[test]
fn bikeshare_hourly_beats_seasonal_naive_by_15_percent() {
    let Some(path) = data_file("bikeshare_hourly.csv") else {
        eprintln!(
            "skipped: ../shared/data/bikeshare_hourly.csv is absent (the shared data folder)"
        );
        return;
    };
    let series = read_hourly(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(series.observed(), series.len(), "the file should have no gaps");
    let opts = BacktestOptions::for_step(series.step_s, chrono_tz::UTC);

    let began = Instant::now();
    let report = backtest(&series, &opts).unwrap();
    let took = began.elapsed();

    println!(
        "bikeshare hourly: {} hours, {} origins from {} to {}, horizon {} h, backtest {:.2} s",
        series.len(),
        report.origins,
        report.first_origin,
        report.last_origin,
        report.horizon_steps,
        took.as_secs_f64()
    );
    println!("{:<20} {:>9} {:>7} {:>7}", "model", "MAE", "WAPE", "points");
    for s in &report.scores {
        let mark = if s.model == report.chosen { "  <- chosen" } else { "" };
        println!(
            "{:<20} {:>9.2} {:>6.1}% {:>7}{mark}",
            s.model.name(),
            s.mae,
            100.0 * s.wape,
            s.points
        );
    }
    let gain = report.gain_over_naive().unwrap();
    println!(
        "chosen MAE is {:.1}% below seasonal-naive; intervals {:.0}%–{:.0}% cover {:.1}% of backtest points",
        100.0 * gain,
        100.0 * report.intervals.lower_quantile,
        100.0 * report.intervals.upper_quantile,
        100.0 * report.intervals.coverage
    );
    assert_ne!(report.chosen, ModelKind::SeasonalNaive);
    assert!(
        gain >= 0.15,
        "the chosen model is only {:.1}% better than seasonal-naive",
        100.0 * gain
    );

    let began = Instant::now();
    let next = forecast(&series, 24, &report, chrono_tz::UTC).unwrap();
    println!("forecast of the next 24 h: {:.2} s", began.elapsed().as_secs_f64());
    assert_eq!(next.start, series.end());
    assert_eq!(next.mean.len(), 24);
    assert!(
        next.mean
            .iter()
            .zip(&next.lower)
            .zip(&next.upper)
            .all(|((m, l), u)| { 0.0 <= *l && l <= m && m <= u })
    );
}
