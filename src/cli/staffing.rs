//! `carrel staffing plan` (windows needed per slot of a day, from the forecasts) and
//! `carrel staffing simulate` (static against forecast-driven staffing at equal staff-hours,
//! in the simulated library).

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use super::table::{Align, Table};
use super::{CliError, CliResult, open_store, print_json, queue_target};
use crate::config::Config;
use crate::domain::queueing::{SlotForecast, day_plan};
use crate::domain::units::{count, short_age};
use crate::engine::forecasts::{Plan, compute, history};
use crate::services::reads;
use crate::sim::study::{self, StudyOptions};

#[derive(Debug, clap::Subcommand)]
pub enum StaffingCommand {
    /// Windows each service needs per slot of a day, from the arrival forecasts and Erlang C
    Plan {
        /// The day [default: today, in the library's time zone]
        #[arg(long, value_name = "DATE")]
        date: Option<NaiveDate>,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Serve the same simulated patrons twice at equal staff-hours: a static rota, then
    /// forecast-driven staffing; print mean and 90th-percentile waits and the reduction
    Simulate {
        /// Days to simulate, 1 to 56
        #[arg(long, value_name = "N", default_value_t = 14)]
        days: u32,
        /// Seed of the simulated library: the same seed, the same patrons and the same study
        #[arg(long, value_name = "S", default_value_t = 1)]
        seed: u64,
        /// First day of the study (any date works; a fixed default keeps runs comparable)
        #[arg(long, value_name = "DATE", default_value = "2026-11-02")]
        from: NaiveDate,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: &StaffingCommand, cfg: &Config) -> CliResult {
    match command {
        StaffingCommand::Plan { date, json } => plan(cfg, *date, *json),
        StaffingCommand::Simulate { days, seed, from, json } => {
            simulate(cfg, *days, *seed, *from, *json)
        }
    }
}

fn plan(cfg: &Config, date: Option<NaiveDate>, json: bool) -> CliResult {
    let store = open_store(cfg)?;
    let now = reads::sensor_now(&store)?;
    let tz = cfg.timezone;
    let day = date.unwrap_or_else(|| now.with_timezone(&tz).date_naive());
    let midnight = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    let (Some(start), Some(end)) = (midnight(day), midnight(day + Duration::days(1))) else {
        return Err(CliError::BadInput(format!("--date {day}: no such day in {tz}")));
    };
    if end <= now {
        return Err(CliError::BadInput(format!(
            "--date {day} is over: plans are for today and the next two days"
        )));
    }
    if end - now > Duration::days(3) {
        return Err(CliError::BadInput(format!(
            "--date {day} is too far ahead: plans reach two days"
        )));
    }
    let step = cfg.settings.feeds.sensor.arrivals_step_s;
    let fplan = Plan {
        step_s: step,
        history_weeks: cfg.settings.queues.history_weeks,
        horizon: end - now,
        tz,
    };
    let target = queue_target(cfg);
    let (opening, closing) = cfg.settings.library.hours().map_err(|e| {
        CliError::BadInput(format!("{}: {e}", cfg.place("library", "opening_hours")))
    })?;
    // The shortest shift in slots, rounded up: 60 minutes of 15-minute slots is 4.
    let min_shift = (cfg.settings.queues.min_shift_min * 60).div_ceil(step.max(1)).max(1) as usize;
    let (windows, _) = reads::service_points(&store)?;
    let mut services: Vec<String> = windows.iter().map(|w| w.service.clone()).collect();
    services.sort();
    services.dedup();
    let mut out = Vec::new();
    for service in services {
        let mine: Vec<_> = windows.iter().filter(|w| w.service == service).collect();
        let aht = {
            let known: Vec<f64> =
                mine.iter().map(|w| w.mean_service_s).filter(|s| *s > 0.0).collect();
            if known.is_empty() { 180.0 } else { known.iter().sum::<f64>() / known.len() as f64 }
        };
        let mut slots: Vec<(chrono::DateTime<Utc>, f64, f64, f64)> = Vec::new();
        let mut problems = Vec::new();
        for w in &mine {
            let series = history(&store, &w.id, &fplan, now)?;
            match compute(&series, &fplan) {
                Ok((_, fc)) => {
                    for i in 0..fc.mean.len() {
                        let at = fc.start + Duration::seconds(i64::from(fc.step_s) * i as i64);
                        if at < start || at >= end {
                            continue;
                        }
                        match slots.iter_mut().find(|s| s.0 == at) {
                            Some(s) => {
                                s.1 += fc.mean[i];
                                s.2 += fc.lower[i];
                                s.3 += fc.upper[i];
                            }
                            None => slots.push((at, fc.mean[i], fc.lower[i], fc.upper[i])),
                        }
                    }
                }
                Err(e) => problems.push(format!("{}: {e}", w.id)),
            }
        }
        slots.sort_by_key(|s| s.0);
        let forecasts: Vec<SlotForecast> = slots
            .iter()
            .map(|(at, mean, lower, upper)| {
                let local = at.with_timezone(&tz).time();
                SlotForecast {
                    start: *at,
                    arrivals: *mean,
                    lower: *lower,
                    upper: *upper,
                    open: local >= opening && local < closing,
                }
            })
            .collect();
        let plan = day_plan(&forecasts, aht, &target, step, mine.len() as u32, min_shift);
        let rows: Vec<serde_json::Value> = plan
            .iter()
            .map(|p| {
                serde_json::json!({ "start": p.start, "arrivals": p.arrivals, "lower": p.lower,
                    "upper": p.upper, "open": p.open, "needed": p.needed, "windows": p.windows,
                    "meets_target": p.meets_target })
            })
            .collect();
        out.push(serde_json::json!({ "service": service, "windows": mine.len(), "aht_s": aht, "slots": rows, "problems": problems }));
    }
    if json {
        return print_json(&serde_json::json!({ "date": day, "target": target,
            "opening_hours": cfg.settings.library.opening_hours,
            "min_shift_min": cfg.settings.queues.min_shift_min, "services": out }));
    }
    println!(
        "staffing plan for {day}: {:.0}% of patrons served within {}, windows at most {:.0}% busy; open {}–{}, shifts of at least {} min",
        target.share * 100.0,
        short_age(Duration::seconds(target.within_s as i64)),
        target.max_occupancy * 100.0,
        opening.format("%H:%M"),
        closing.format("%H:%M"),
        cfg.settings.queues.min_shift_min
    );
    if out.is_empty() {
        println!("{}", super::forecast::NO_WINDOWS);
    }
    for s in &out {
        println!(
            "\n{} ({}, handling {})",
            s["service"].as_str().unwrap_or("?"),
            count(s["windows"].as_u64().unwrap_or(0), "window", "windows"),
            short_age(Duration::seconds(s["aht_s"].as_f64().unwrap_or(0.0).round() as i64))
        );
        for p in s["problems"].as_array().into_iter().flatten() {
            println!("  no forecast: {}", p.as_str().unwrap_or(""));
        }
        let rows: Vec<&serde_json::Value> =
            s["slots"].as_array().into_iter().flatten().filter(|r| r["open"] == true).collect();
        let mut t = Table::new(&[
            ("FROM", Align::Left),
            ("TO", Align::Left),
            ("WINDOWS", Align::Right),
            ("ARRIVALS PER SLOT", Align::Left),
            ("NOTE", Align::Left),
        ]);
        let time = |v: &serde_json::Value| {
            v.as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&tz))
        };
        let key = |r: &serde_json::Value| (r["windows"].as_u64(), r["needed"].as_u64());
        let mut i = 0;
        while i < rows.len() {
            let mut j = i;
            while j + 1 < rows.len() && key(rows[j + 1]) == key(rows[i]) {
                j += 1;
            }
            let (w, needed) = (key(rows[i]).0.unwrap_or(0), key(rows[i]).1.unwrap_or(0));
            let from = time(&rows[i]["start"]);
            let to = time(&rows[j]["start"]).map(|t| t + Duration::seconds(i64::from(step)));
            let hhmm = |t: Option<chrono::DateTime<chrono_tz::Tz>>| {
                t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
            };
            let arrivals: Vec<f64> =
                rows[i..=j].iter().filter_map(|r| r["arrivals"].as_f64()).collect();
            let lo = arrivals.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = arrivals.iter().copied().fold(0.0_f64, f64::max);
            let note = if needed > w {
                format!("needs {needed}, only {w} can be staffed")
            } else if rows[i..=j].iter().any(|r| r["meets_target"] == false) {
                "short of the target".to_owned()
            } else {
                String::new()
            };
            t.row(vec![hhmm(from), hhmm(to), w.to_string(), format!("{lo:.1}–{hi:.1}"), note]);
            i = j + 1;
        }
        print!("{}", t.render());
    }
    Ok(())
}

fn simulate(cfg: &Config, days: u32, seed: u64, from: NaiveDate, json: bool) -> CliResult {
    if !(1..=56).contains(&days) {
        return Err(CliError::BadInput(format!("--days {days}: between 1 and 56")));
    }
    let options = StudyOptions {
        seed,
        first_day: from,
        days,
        tz: cfg.timezone,
        history_weeks: cfg.settings.queues.history_weeks,
    };
    let r = study::run(&options).map_err(|e| CliError::Failed(e.to_string()))?;
    if json {
        return print_json(&r);
    }
    let m = crate::domain::units::wait;
    println!(
        "staffing study: seed {seed}, {days} days from {from}, the same patrons under two rotas of equal staff-hours"
    );
    let mut t = Table::new(&[
        ("ROTA", Align::Left),
        ("MEAN WAIT", Align::Right),
        ("90% WAIT", Align::Right),
        ("STAFF-HOURS", Align::Right),
        ("SERVED", Align::Right),
        ("UNSERVED", Align::Right),
    ]);
    for a in [&r.static_rota, &r.forecast_rota] {
        t.row(vec![
            a.rota.into(),
            m(a.mean_wait_s),
            m(a.p90_wait_s),
            format!("{:.0}", a.staff_hours),
            a.served.to_string(),
            a.unserved.to_string(),
        ]);
    }
    print!("{}", t.render());
    println!(
        "reduction: mean wait {:.1}%, 90th-percentile wait {:.1}%",
        r.mean_reduction * 100.0,
        r.p90_reduction * 100.0
    );
    for u in &r.models {
        println!(
            "  {} forecast with {} (backtest MAE {:.2}, seasonal-naive {:.2})",
            u.service, u.model, u.mae, u.naive_mae
        );
    }
    Ok(())
}
