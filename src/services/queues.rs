//! The queue picture the Queues tab and `carrel staffing plan` show: per service, its windows
//! now, the forecast arrivals of the next slots with their intervals, the windows Erlang C
//! recommends for each slot against those open, and what to do now.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::ServiceError;
use crate::domain::arrivals::bucket_start;
use crate::domain::queueing::{Outlook, Queue, ServiceTarget, per_hour, recommend};
use crate::domain::service_point::ServicePoint;
use crate::store::forecasts::{self, ModelChoice};
use crate::store::{self, Store};

/// Handling time assumed before any window has reported one, in seconds.
const DEFAULT_AHT_S: f64 = 180.0;

/// A window as it is now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowNow {
    #[serde(flatten)]
    pub point: ServicePoint,
    /// How long someone joining this window's queue now would wait: the queue times the
    /// window's mean service time.
    pub wait_now_s: Option<f64>,
}

/// One slot of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotPlan {
    pub start: DateTime<Utc>,
    /// Forecast arrivals in the slot, summed over the service's windows, with the interval.
    pub arrivals: f64,
    pub lower: f64,
    pub upper: f64,
    /// The fewest windows meeting the target, capped by staff on duty.
    pub recommended: u32,
    pub meets_target: bool,
    /// Windows open now (the plan until someone changes it).
    pub planned: u32,
    /// Expected mean wait with the planned windows; `None` when overloaded.
    pub planned_wait_s: Option<f64>,
}

/// What to do now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    /// `open`, `close`, or `short` (more windows are needed than the service has).
    pub action: &'static str,
    pub window: String,
    pub window_name: String,
    /// Expected mean wait now and after, in seconds; `None` when overloaded.
    pub wait_now_s: Option<f64>,
    pub wait_after_s: Option<f64>,
}

/// One service (windows sharing a queue).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceQueue {
    pub service: String,
    pub windows: Vec<WindowNow>,
    pub open: u32,
    pub aht_s: f64,
    pub slots: Vec<SlotPlan>,
    /// Erlang C for the current slot with the windows open now.
    pub now: Option<Outlook>,
    pub advice: Option<Advice>,
}

/// The whole picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueOverview {
    pub now: DateTime<Utc>,
    pub step_s: u32,
    pub target: ServiceTarget,
    pub staff_on_duty: Vec<String>,
    pub services: Vec<ServiceQueue>,
    pub models: Vec<ModelChoice>,
}

/// Mean handling time of a service: its windows' mean service times weighted by how many each
/// served today.
fn aht(windows: &[ServicePoint]) -> f64 {
    let served: u32 = windows.iter().map(|w| w.served_today).sum();
    let valid = |w: &&ServicePoint| w.mean_service_s.is_finite() && w.mean_service_s > 0.0;
    if served > 0 {
        let sum: f64 = windows
            .iter()
            .filter(valid)
            .map(|w| w.mean_service_s * f64::from(w.served_today))
            .sum();
        let weight: u32 = windows.iter().filter(valid).map(|w| w.served_today).sum();
        if weight > 0 {
            return sum / f64::from(weight);
        }
    }
    let known: Vec<f64> = windows.iter().filter(valid).map(|w| w.mean_service_s).collect();
    if known.is_empty() { DEFAULT_AHT_S } else { known.iter().sum::<f64>() / known.len() as f64 }
}

/// The overview at `now` for the next `horizon`, from stored forecasts of `step_s` buckets.
pub fn overview(
    store: &Store,
    target: ServiceTarget,
    step_s: u32,
    horizon: Duration,
    now: DateTime<Utc>,
) -> Result<QueueOverview, ServiceError> {
    let c = store.conn();
    let points = store::service_points::list(c)?;
    let staff_on_duty = store::service_points::staff_on_duty(c)?;
    let from = bucket_start(now, step_s);
    let to = from + horizon;
    let mut services: Vec<ServiceQueue> = Vec::new();
    let mut names: Vec<String> = points.iter().map(|p| p.service.clone()).collect();
    names.dedup();
    for name in names {
        let windows: Vec<ServicePoint> =
            points.iter().filter(|p| p.service == name).cloned().collect();
        let open = windows.iter().filter(|w| w.open).count() as u32;
        let open_elsewhere = points.iter().filter(|p| p.service != name && p.open).count() as u32;
        let cap = (staff_on_duty.len() as u32).saturating_sub(open_elsewhere).max(open);
        let aht_s = aht(&windows);
        // Sum the windows' forecasts slot by slot.
        let mut slots: Vec<SlotPlan> = Vec::new();
        for w in &windows {
            for f in forecasts::slots(c, &w.id, step_s, from, to)? {
                match slots.iter_mut().find(|s| s.start == f.start) {
                    Some(s) => {
                        s.arrivals += f.mean;
                        s.lower += f.lower;
                        s.upper += f.upper;
                    }
                    None => slots.push(SlotPlan {
                        start: f.start,
                        arrivals: f.mean,
                        lower: f.lower,
                        upper: f.upper,
                        recommended: 0,
                        meets_target: true,
                        planned: open,
                        planned_wait_s: None,
                    }),
                }
            }
        }
        slots.sort_by_key(|s| s.start);
        for s in &mut slots {
            let rate = per_hour(s.arrivals, step_s);
            let r = recommend(rate, aht_s, &target, cap);
            s.recommended = r.windows;
            s.meets_target = r.meets_target;
            s.planned_wait_s =
                Queue { arrivals_per_hour: rate, aht_s, servers: open }.waiting().mean_wait_s();
        }
        let current = slots.first().filter(|s| s.start == from);
        let now_queue = current.map(|s| Queue {
            arrivals_per_hour: per_hour(s.arrivals, step_s),
            aht_s,
            servers: open,
        });
        let advice = match (current, now_queue) {
            (Some(s), Some(q)) if s.recommended > open => {
                let what = q.what_if(open + 1, target.within_s);
                Some(match windows.iter().find(|w| !w.open) {
                    Some(w) => Advice {
                        action: "open",
                        window: w.id.clone(),
                        window_name: w.name.clone(),
                        wait_now_s: what.now.expected.mean_wait_s(),
                        wait_after_s: what.proposed.expected.mean_wait_s(),
                    },
                    // Every window is open and it is not enough: say so, with what one more
                    // window would give, so staff can lend one from another service.
                    None => Advice {
                        action: "short",
                        window: String::new(),
                        window_name: name.clone(),
                        wait_now_s: what.now.expected.mean_wait_s(),
                        wait_after_s: what.proposed.expected.mean_wait_s(),
                    },
                })
            }
            (Some(s), Some(q)) if s.recommended < open && open > 1 => windows
                .iter()
                .filter(|w| w.open)
                .min_by_key(|w| (w.queue_length, std::cmp::Reverse(w.id.clone())))
                .map(|w| {
                    let what = q.what_if(open - 1, target.within_s);
                    Advice {
                        action: "close",
                        window: w.id.clone(),
                        window_name: w.name.clone(),
                        wait_now_s: what.now.expected.mean_wait_s(),
                        wait_after_s: what.proposed.expected.mean_wait_s(),
                    }
                }),
            _ => None,
        };
        services.push(ServiceQueue {
            service: name,
            windows: windows
                .into_iter()
                .map(|p| {
                    let wait =
                        (p.queue_length > 0).then(|| f64::from(p.queue_length) * p.mean_service_s);
                    WindowNow { point: p, wait_now_s: wait }
                })
                .collect(),
            open,
            aht_s,
            slots,
            now: now_queue.map(|q| q.outlook(target.within_s)),
            advice,
        });
    }
    Ok(QueueOverview {
        now,
        step_s,
        target,
        staff_on_duty,
        services,
        models: forecasts::models(c)?,
    })
}
