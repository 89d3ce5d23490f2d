//! The staffing study: the same simulated patrons served twice at equal staff-hours, once by a
//! static rota and once by forecast-driven staffing, to measure what forecasting buys (the
//! seed paper reports mean waits falling from 23 to 8.4 minutes at Shenzhen Bao'an).
//!
//! - The patrons are the simulator's own: arrivals and errands drawn from the seed, identical
//!   under both rotas.
//! - The static rota opens the same windows all day: three at circulation, one each at
//!   enquiries and returns, through opening hours.
//! - The forecast-driven rota is planned each day from the eight weeks before it only: for
//!   each service the forecasting module picks a model by backtest (retrained weekly) and
//!   forecasts the day's quarter-hours; then the static rota's staff-hours are shared out over
//!   all services and slots where Erlang C says they cut waiting most (at least one window
//!   per service while open, at most the windows the service has).
//!
//! May use: queues, calendar, domain (forecasting and queueing). No I/O.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use serde::Serialize;

use super::calendar::{Calendar, SLOT_S, Slot};
use super::queues::{
    QueueModel, QueueReport, ServiceSpec, StaffingSchedule, day_arrivals, standard_services,
};
use crate::domain::forecast::{self, BacktestOptions, BacktestReport, ForecastError, Series};
use crate::domain::queueing::{self, Slot as Demand};

/// What to study.
#[derive(Debug, Clone, Copy)]
pub struct StudyOptions {
    pub seed: u64,
    pub first_day: NaiveDate,
    pub days: u32,
    pub tz: Tz,
    /// History each day's plan may use, in weeks.
    pub history_weeks: u32,
}

/// The static rota's windows per service (circulation, enquiries, returns) while open.
pub const STATIC_WINDOWS: [u32; 3] = [3, 1, 1];

/// One rota's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arm {
    pub rota: &'static str,
    pub mean_wait_s: f64,
    pub p90_wait_s: f64,
    pub staff_hours: f64,
    pub served: usize,
    pub unserved: u32,
    /// Per service: (service, mean wait, 90th-percentile wait), seconds.
    pub services: Vec<(String, f64, f64)>,
}

impl Arm {
    fn of(rota: &'static str, r: &QueueReport) -> Arm {
        Arm {
            rota,
            mean_wait_s: r.mean_wait_s(),
            p90_wait_s: r.wait_quantile_s(0.9),
            staff_hours: r.staff_hours(),
            served: r.services.iter().map(|s| s.waits_s.len()).sum(),
            unserved: r.unserved(),
            services: r
                .services
                .iter()
                .map(|s| (s.service.clone(), s.mean_wait_s(), s.wait_quantile_s(0.9)))
                .collect(),
        }
    }
}

/// The forecasting model the first plan used per service, with its backtest MAE against
/// seasonal-naive's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelUsed {
    pub service: String,
    pub model: &'static str,
    pub mae: f64,
    pub naive_mae: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyReport {
    pub seed: u64,
    pub first_day: NaiveDate,
    pub days: u32,
    pub static_rota: Arm,
    pub forecast_rota: Arm,
    /// 1 − forecast / static, for the mean and the 90th percentile.
    pub mean_reduction: f64,
    pub p90_reduction: f64,
    pub models: Vec<ModelUsed>,
}

/// Patrons per quarter-hour for each service, from `from` for `days` days, on the simulator's
/// UTC seconds grid starting at `from`'s local midnight.
fn arrival_counts(
    seed: u64,
    cal: &Calendar,
    specs: &[ServiceSpec],
    from: NaiveDate,
    days: u32,
) -> (i64, Vec<Vec<f64>>) {
    let start = cal.midnight(from);
    let end = cal.midnight(from + Duration::days(i64::from(days)));
    let n = usize::try_from((end - start) / SLOT_S).unwrap_or(0);
    let mut counts = vec![vec![0.0; n]; specs.len()];
    for (s, spec) in specs.iter().enumerate() {
        for d in 0..days {
            let date = from + Duration::days(i64::from(d));
            for a in day_arrivals(seed, cal, s, spec, date) {
                if let Some(c) =
                    usize::try_from((a.at - start) / SLOT_S).ok().and_then(|i| counts[s].get_mut(i))
                {
                    *c += 1.0;
                }
            }
        }
    }
    (start, counts)
}

/// A schedule read from a table of (service, slot) → windows.
struct Table(HashMap<(usize, Slot), u32>);

impl StaffingSchedule for Table {
    fn open_windows(&self, service: usize, slot: Slot) -> u32 {
        self.0.get(&(service, slot)).copied().unwrap_or(0)
    }
}

fn run_model(
    seed: u64,
    tz: Tz,
    specs: &[ServiceSpec],
    first_day: NaiveDate,
    days: u32,
    rota: &dyn StaffingSchedule,
) -> QueueReport {
    let cal = Calendar::new(tz);
    let mut model = QueueModel::new(seed, tz, specs.to_vec(), first_day, None).logging_waits();
    model.advance_to(cal.midnight(first_day + Duration::days(i64::from(days))) - 1, rota);
    model.report()
}

/// Runs the study.
pub fn run(o: &StudyOptions) -> Result<StudyReport, ForecastError> {
    let specs = standard_services();
    let cal = Calendar::new(o.tz);
    let history_days = o.history_weeks * 7;
    let history_from = o.first_day - Duration::days(i64::from(history_days));
    let (start, counts) = arrival_counts(o.seed, &cal, &specs, history_from, history_days + o.days);
    let study_slots: Vec<Slot> = (0..o.days)
        .flat_map(|d| Slot::open_slots(o.first_day + Duration::days(i64::from(d))))
        .collect();

    // The static rota and its budget of window-slots.
    let mut fixed = HashMap::new();
    for (s, _) in specs.iter().enumerate() {
        for slot in &study_slots {
            fixed.insert((s, *slot), STATIC_WINDOWS[s]);
        }
    }
    let budget: u64 = fixed.values().map(|&w| u64::from(w)).sum();

    // Forecast each study day from what came before it.
    let step = u32::try_from(SLOT_S).unwrap_or(900);
    let index_of = |slot: &Slot| {
        usize::try_from((cal.at(slot.date, slot.start_minute()) - start) / SLOT_S).ok()
    };
    let mut demand: Vec<Vec<Demand>> = vec![Vec::new(); specs.len()];
    let mut models = Vec::new();
    for (s, spec) in specs.iter().enumerate() {
        let mut report: Option<BacktestReport> = None;
        let mut forecasts: HashMap<usize, f64> = HashMap::new();
        for d in 0..o.days {
            let day = o.first_day + Duration::days(i64::from(d));
            let origin = usize::try_from((cal.midnight(day) - start) / SLOT_S).unwrap_or(0);
            let from = origin.saturating_sub(history_days as usize * 96);
            let t0 = crate::sim::calendar::utc(start + (from as i64) * SLOT_S);
            let series = Series::new(t0, step, counts[s][from..origin].to_vec())?;
            if d % 7 == 0 || report.is_none() {
                let r = forecast::backtest(&series, &BacktestOptions::for_step(step, o.tz))?;
                if d == 0 {
                    let score =
                        |m| r.scores.iter().find(|x| x.model == m).map_or(f64::NAN, |x| x.mae);
                    models.push(ModelUsed {
                        service: spec.id.to_owned(),
                        model: r.chosen.name(),
                        mae: score(r.chosen),
                        naive_mae: score(forecast::ModelKind::SeasonalNaive),
                    });
                }
                report = Some(r);
            }
            let Some(r) = report.as_ref() else { continue };
            let next = usize::try_from(
                (cal.midnight(day + Duration::days(1)) - cal.midnight(day)) / SLOT_S,
            )
            .unwrap_or(96);
            let fc = forecast::forecast(&series, next, r, o.tz)?;
            for (i, v) in fc.mean.iter().enumerate() {
                forecasts.insert(origin + i, *v);
            }
        }
        for slot in &study_slots {
            let arrivals = index_of(slot).and_then(|i| forecasts.get(&i)).copied().unwrap_or(0.0);
            demand[s].push(Demand { arrivals, min_windows: 1, max_windows: spec.windows as u32 });
        }
    }
    let groups: Vec<(&[Demand], f64)> =
        demand.iter().zip(&specs).map(|(d, spec)| (d.as_slice(), spec.mean_service_s)).collect();
    let plan = queueing::allocate_services(&groups, step, budget);
    let mut planned = HashMap::new();
    for (s, windows) in plan.iter().enumerate() {
        for (slot, w) in study_slots.iter().zip(windows) {
            planned.insert((s, *slot), *w);
        }
    }

    let static_report = run_model(o.seed, o.tz, &specs, o.first_day, o.days, &Table(fixed));
    let forecast_report = run_model(o.seed, o.tz, &specs, o.first_day, o.days, &Table(planned));
    let static_rota = Arm::of("static", &static_report);
    let forecast_rota = Arm::of("forecast-driven", &forecast_report);
    let reduction = |a: f64, b: f64| if a > 0.0 { 1.0 - b / a } else { 0.0 };
    Ok(StudyReport {
        seed: o.seed,
        first_day: o.first_day,
        days: o.days,
        mean_reduction: reduction(static_rota.mean_wait_s, forecast_rota.mean_wait_s),
        p90_reduction: reduction(static_rota.p90_wait_s, forecast_rota.p90_wait_s),
        static_rota,
        forecast_rota,
        models,
    })
}
