//! The service-desk queue model: patrons arriving at circulation, enquiries and returns, joining
//! the shortest queue among the open windows of their service, and being served by staff.
//!
//! The model is pure and runs without HTTP: the live simulator drives it to the present, and
//! [`simulate`] runs it offline over any number of days under any staffing schedule, to compare
//! schedules (for example two schedules of equal staff-hours) by mean and 90th-percentile wait.
//!
//! - Arrivals per service are a Poisson process whose rate follows the hour of day, the
//!   weekday and the exam weeks ([`demand`](super::demand)). Each patron also carries the work
//!   their errand needs (a unit-mean draw, 0.25 + Exp(0.75)); a window serves it in
//!   work × the window's mean service time. Arrivals and work are drawn from their own streams
//!   keyed by (seed, service, day), so the same seed gives the same patrons on the same day
//!   under every schedule.
//! - A staffing schedule says how many windows of each service are open in each quarter-hour
//!   slot ([`StaffingSchedule`]). At a slot where the schedule's number changes, windows are
//!   opened (lowest number first) or closed (highest number first) to match; between changes,
//!   windows keep whatever state they were put in, so a manual change (the API's POST) holds
//!   until the schedule next changes for that service, or until closing.
//! - When the set of open windows of a service changes, the waiting patrons of that service
//!   line up again, in order of arrival, at the shortest open queues. With no window of their
//!   service open, patrons wait at the shortest closed window until one opens. At closing
//!   (22:00) those still waiting leave unserved.
//!
//! May use: calendar, demand, random, std. No I/O, no async.

mod history;
mod model;
mod staffing;

pub use history::{BucketTally, Buckets, History};
pub use model::{QueueModel, WindowState};
pub use staffing::WindowChangeError;

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;

use super::calendar::{Calendar, DayKind, OPENS_MIN, Secs, Slot, day_number};
use super::demand::arrivals_per_hour;
use super::random::{Purpose, Stream};

/// A service the library gives at one or more windows.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSpec {
    /// Stable name, e.g. `circulation`.
    pub id: &'static str,
    /// Prefix of the window ids, e.g. `circ` for `circ-1`.
    pub window_prefix: &'static str,
    /// Display name of a window, e.g. `Circulation desk`.
    pub window_name: &'static str,
    pub windows: usize,
    /// Mean service time of the service's windows, in seconds.
    pub mean_service_s: f64,
    /// Weekday arrivals per hour for each opening hour, 08:00 first.
    pub hourly_arrivals: [f64; 14],
}

/// The three services of the simulated library: circulation ×4, enquiries ×2, returns ×1. The
/// second enquiries desk stays closed under the standing schedule; it is there for staff to
/// open when the queue builds (what the console's staffing advice is about).
pub fn standard_services() -> Vec<ServiceSpec> {
    vec![
        ServiceSpec {
            id: "circulation",
            window_prefix: "circ",
            window_name: "Circulation desk",
            windows: 4,
            mean_service_s: 150.0,
            hourly_arrivals: [
                20.0, 45.0, 60.0, 70.0, 85.0, 80.0, 65.0, 60.0, 55.0, 50.0, 40.0, 30.0, 20.0, 10.0,
            ],
        },
        ServiceSpec {
            id: "enquiries",
            window_prefix: "enq",
            window_name: "Enquiries desk",
            windows: 2,
            mean_service_s: 300.0,
            hourly_arrivals: [
                3.0, 6.0, 8.0, 9.0, 10.0, 9.0, 9.0, 8.0, 8.0, 7.0, 6.0, 5.0, 4.0, 2.0,
            ],
        },
        ServiceSpec {
            id: "returns",
            window_prefix: "ret",
            window_name: "Returns desk",
            windows: 1,
            mean_service_s: 60.0,
            hourly_arrivals: [
                25.0, 35.0, 30.0, 25.0, 30.0, 30.0, 25.0, 25.0, 30.0, 40.0, 35.0, 25.0, 15.0, 10.0,
            ],
        },
    ]
}

/// One window of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSpec {
    pub id: String,
    pub name: String,
    /// Index of the window's service in the service list.
    pub service: usize,
    pub mean_service_s: f64,
}

/// The windows of `services`, in service order. Windows of one service differ a little in
/// speed, as clerks do.
pub fn windows_of(services: &[ServiceSpec]) -> Vec<WindowSpec> {
    const SPEED: [f64; 4] = [1.0, 0.95, 1.05, 1.1];
    let mut out = Vec::new();
    for (s, spec) in services.iter().enumerate() {
        for i in 0..spec.windows {
            let name = if spec.windows == 1 {
                spec.window_name.to_owned()
            } else {
                format!("{} {}", spec.window_name, i + 1)
            };
            out.push(WindowSpec {
                id: format!("{}-{}", spec.window_prefix, i + 1),
                name,
                service: s,
                mean_service_s: spec.mean_service_s * SPEED[i % SPEED.len()],
            });
        }
    }
    out
}

/// A patron arriving at a service: when, and how much work their errand is (unit mean).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrival {
    pub at: Secs,
    pub work: f64,
}

/// The patrons arriving at service `service` on local day `date`, in time order. Depends only
/// on the seed, the service and the date, never on staffing.
pub fn day_arrivals(
    seed: u64,
    cal: &Calendar,
    service: usize,
    spec: &ServiceSpec,
    date: NaiveDate,
) -> Vec<Arrival> {
    let key = [service as u64, day_number(date)];
    let mut times = Stream::new(seed, Purpose::Arrivals, &key);
    let mut work = Stream::new(seed, Purpose::ServiceWork, &key);
    let day = DayKind::of(date);
    let mut out = Vec::new();
    for slot in Slot::open_slots(date) {
        let start = cal.at(date, slot.start_minute());
        let end = cal.at(date, slot.start_minute() + 15);
        let per_hour = arrivals_per_hour(&spec.hourly_arrivals, day, slot.start_minute() + 7);
        if per_hour <= 0.0 || end <= start {
            continue;
        }
        // Rates are constant within a slot; a Poisson process may restart at its boundary.
        let mut t = start as f64;
        loop {
            t += times.exp(3600.0 / per_hour);
            if t >= end as f64 {
                break;
            }
            out.push(Arrival { at: t.floor() as Secs, work: 0.25 + work.exp(0.75) });
        }
    }
    out
}

/// How many windows of each service should be open in each quarter-hour slot.
pub trait StaffingSchedule {
    /// Open windows wanted for service `service` (an index into the service list) in `slot`.
    fn open_windows(&self, service: usize, slot: Slot) -> u32;
}

impl<F: Fn(usize, Slot) -> u32> StaffingSchedule for F {
    fn open_windows(&self, service: usize, slot: Slot) -> u32 {
        self(service, slot)
    }
}

/// The library's standing schedule for [`standard_services`], by hour of day. Weekdays run up
/// to 4 circulation windows, with fewer over the staff lunch (12:00–14:00) and in the evening;
/// the enquiries desk is staffed all day; returns always. Weekends run at most 2 circulation
/// windows and staff enquiries 10:00–18:00. The schedule does not change in exam weeks: that is
/// what the console's staffing advice is for.
#[derive(Debug, Clone, Copy, Default)]
pub struct StandardSchedule;

impl StaffingSchedule for StandardSchedule {
    fn open_windows(&self, service: usize, slot: Slot) -> u32 {
        const WEEKDAY_CIRC: [u32; 14] = [2, 3, 3, 4, 3, 3, 4, 4, 4, 3, 3, 2, 2, 1];
        const WEEKEND_CIRC: [u32; 14] = [1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1];
        let Some(h) = slot.hour().checked_sub(OPENS_MIN / 60) else {
            return 0;
        };
        let h = h as usize;
        if h >= WEEKDAY_CIRC.len() {
            return 0;
        }
        let weekend = matches!(slot.weekday(), Weekday::Sat | Weekday::Sun);
        match (service, weekend) {
            (0, false) => WEEKDAY_CIRC[h],
            (0, true) => WEEKEND_CIRC[h],
            (1, false) => 1,
            (1, true) => u32::from((2..10).contains(&h)),
            _ => 1,
        }
    }
}

/// Staff shifts: who is on duty when. Windows can be staffed only by staff on duty.
#[derive(Debug, Clone, PartialEq)]
pub struct Roster {
    shifts: Vec<(String, u32, u32)>,
}

impl Roster {
    /// Twelve desk staff: an early shift 08:00–15:00 (ana, ben, chloe, dev, eli), a late shift
    /// 15:00–22:00 (fay, gus, hana, ivo, jon) and a middle shift 11:00–19:00 (kai, lea), every
    /// day. At most six windows are open at once under [`StandardSchedule`], so there is
    /// usually someone free to open another.
    pub fn standard() -> Self {
        let shift = |names: &[&str], from: u32, to: u32| {
            names.iter().map(move |n| ((*n).to_owned(), from * 60, to * 60)).collect::<Vec<_>>()
        };
        let mut shifts = shift(&["ana", "ben", "chloe", "dev", "eli"], 8, 15);
        shifts.extend(shift(&["fay", "gus", "hana", "ivo", "jon"], 15, 22));
        shifts.extend(shift(&["kai", "lea"], 11, 19));
        Self { shifts }
    }

    /// Logins on duty at `minute` after local midnight, in roster order.
    pub fn on_duty(&self, minute: u32) -> Vec<&str> {
        self.shifts
            .iter()
            .filter(|(_, from, to)| (*from..*to).contains(&minute))
            .map(|(login, _, _)| login.as_str())
            .collect()
    }

    /// Every login on the roster, in roster order.
    pub fn logins(&self) -> impl Iterator<Item = &str> {
        self.shifts.iter().map(|(login, _, _)| login.as_str())
    }
}

/// What one service saw over an offline run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceReport {
    pub service: String,
    /// Arrival times of every patron, in order.
    pub arrivals: Vec<Secs>,
    /// Wait of every patron served, in seconds, in order of service.
    pub waits_s: Vec<u32>,
    /// Patrons still waiting at closing, who left unserved.
    pub unserved: u32,
    /// Hours of open windows: staff-hours at the desk.
    pub staff_hours: f64,
}

impl ServiceReport {
    pub fn mean_wait_s(&self) -> f64 {
        mean(&self.waits_s)
    }

    /// The `q`-quantile of the waits (nearest rank), e.g. `q = 0.9`.
    pub fn wait_quantile_s(&self, q: f64) -> f64 {
        quantile(&self.waits_s, q)
    }
}

/// What an offline run of the queue model saw, per service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueReport {
    pub services: Vec<ServiceReport>,
}

impl QueueReport {
    fn all_waits(&self) -> Vec<u32> {
        self.services.iter().flat_map(|s| s.waits_s.iter().copied()).collect()
    }

    pub fn mean_wait_s(&self) -> f64 {
        mean(&self.all_waits())
    }

    pub fn wait_quantile_s(&self, q: f64) -> f64 {
        quantile(&self.all_waits(), q)
    }

    pub fn staff_hours(&self) -> f64 {
        self.services.iter().map(|s| s.staff_hours).sum()
    }

    pub fn unserved(&self) -> u32 {
        self.services.iter().map(|s| s.unserved).sum()
    }
}

fn mean(xs: &[u32]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.iter().map(|&x| f64::from(x)).sum::<f64>() / xs.len() as f64
}

fn quantile(xs: &[u32], q: f64) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut sorted = xs.to_vec();
    sorted.sort_unstable();
    let rank = (q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Runs the queue model offline over `days` local days from `first_day` under `schedule`, with
/// the standard services and no staff roster (every window the schedule asks for opens).
/// The same seed gives the same arrivals whatever the schedule.
pub fn simulate(
    seed: u64,
    tz: Tz,
    first_day: NaiveDate,
    days: u32,
    schedule: &dyn StaffingSchedule,
) -> QueueReport {
    let cal = Calendar::new(tz);
    let mut model = QueueModel::new(seed, tz, standard_services(), first_day, None).logging_waits();
    let end_day = first_day + chrono::Duration::days(i64::from(days));
    model.advance_to(cal.midnight(end_day) - 1, schedule);
    model.report()
}

#[cfg(test)]
mod tests;
