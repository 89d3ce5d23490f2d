//! The queue model's event loop: midnight, closing, slot boundaries, service completions and
//! arrivals, processed strictly in (time, kind, index) order. Staffing decisions live in
//! [`staffing`](super::staffing).
//!
//! Because events are taken one at a time in a total order, the state at time T is the same
//! however the advance to T was cut into steps. Manual window changes happen at the model's
//! current time, between events.
//!
//! May use: the rest of `queues`, calendar. Pure.

use std::collections::VecDeque;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::history::DayTallies;
use super::{
    Arrival, BucketTally, Buckets, History, QueueReport, Roster, ServiceReport, ServiceSpec,
    StaffingSchedule, WindowSpec, day_arrivals, windows_of,
};
use crate::sim::calendar::{CLOSES_MIN, Calendar, Secs};

/// A window as the model holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowState {
    pub spec: WindowSpec,
    pub open: bool,
    pub staff: Option<String>,
    queue: VecDeque<Arrival>,
    busy_until: Option<Secs>,
    /// Patrons whose service started at this window since local midnight.
    pub served_today: u32,
    service_s_today: f64,
}

impl WindowState {
    fn new(spec: WindowSpec) -> Self {
        Self {
            spec,
            open: false,
            staff: None,
            queue: VecDeque::new(),
            busy_until: None,
            served_today: 0,
            service_s_today: 0.0,
        }
    }

    /// Patrons waiting (not counting the one being served).
    pub fn queue_length(&self) -> u32 {
        u32::try_from(self.queue.len()).unwrap_or(u32::MAX)
    }

    /// The patrons waiting, head of the queue first.
    pub fn waiting(&self) -> impl Iterator<Item = &Arrival> {
        self.queue.iter()
    }

    /// Arrival time of the patron at the head of the queue.
    pub fn oldest_waiting_since(&self) -> Option<Secs> {
        self.queue.front().map(|a| a.at)
    }

    /// Mean service time today, or the window's usual mean before anyone was served.
    pub fn mean_service_s(&self) -> f64 {
        if self.served_today == 0 {
            self.spec.mean_service_s
        } else {
            self.service_s_today / f64::from(self.served_today)
        }
    }

    fn load(&self) -> usize {
        self.queue.len() + usize::from(self.busy_until.is_some())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Midnight,
    Closing,
    Slot,
    Completion(usize),
    Arrival(usize),
}

#[derive(Debug, Clone, PartialEq)]
struct Day {
    date: NaiveDate,
    arrivals: Vec<Vec<Arrival>>,
    next: Vec<usize>,
    closing: Option<Secs>,
    next_slot: Option<Secs>,
}

/// The desks of the library, simulated event by event.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueModel {
    seed: u64,
    pub(super) cal: Calendar,
    services: Vec<ServiceSpec>,
    pub(super) windows: Vec<WindowState>,
    pub(super) roster: Option<Roster>,
    pub(super) now: Secs,
    next_midnight: Secs,
    day: Option<Day>,
    last_wanted: Vec<Option<u32>>,
    history: Option<History>,
    reports: Vec<ServiceReport>,
    /// Seconds of open windows per service; whole seconds so that sums never depend on how
    /// time was cut.
    open_s: Vec<i64>,
    logging: bool,
}

impl QueueModel {
    /// A model of `services` whose first day is `first_day`, at that day's local midnight.
    /// With a roster, windows open only with staff on duty; without, every window the
    /// schedule asks for opens.
    pub fn new(
        seed: u64,
        tz: Tz,
        services: Vec<ServiceSpec>,
        first_day: NaiveDate,
        roster: Option<Roster>,
    ) -> Self {
        let cal = Calendar::new(tz);
        let windows = windows_of(&services).into_iter().map(WindowState::new).collect();
        let reports: Vec<ServiceReport> = services
            .iter()
            .map(|s| ServiceReport { service: s.id.to_owned(), ..ServiceReport::default() })
            .collect();
        let midnight = cal.midnight(first_day);
        Self {
            seed,
            cal,
            last_wanted: vec![None; services.len()],
            services,
            windows,
            roster,
            now: midnight,
            next_midnight: midnight,
            day: None,
            history: None,
            open_s: vec![0; reports.len()],
            reports,
            logging: false,
        }
    }

    /// Records per-minute arrivals for the arrivals API, whose history reaches back to
    /// `origin` (at or before the model's first midnight).
    pub fn recording_history(mut self, origin: Secs) -> Self {
        self.history = Some(History::new(origin, self.windows.len()));
        self
    }

    /// Keeps every day of the history, as a reference for tests of the replay.
    #[cfg(test)]
    pub fn keeping_every_day(mut self) -> Self {
        self.history = self.history.map(History::keeping_every_day);
        self
    }

    /// Keeps every arrival time and wait for [`QueueModel::report`].
    pub fn logging_waits(mut self) -> Self {
        self.logging = true;
        self
    }

    pub fn now(&self) -> Secs {
        self.now
    }

    pub fn calendar(&self) -> &Calendar {
        &self.cal
    }

    pub fn services(&self) -> &[ServiceSpec] {
        &self.services
    }

    pub fn windows(&self) -> &[WindowState] {
        &self.windows
    }

    pub fn history(&self) -> Option<&History> {
        self.history.as_ref()
    }

    /// Notes in the history that staff changed a window today.
    pub(super) fn touch_history(&mut self) {
        if let Some(h) = &mut self.history {
            h.touch();
        }
    }

    /// Arrivals per window per bucket of `step` seconds over `[from, to)`, from the history's
    /// origin up to now (see [`Buckets`]). `schedule` must be the schedule the model runs
    /// under.
    ///
    /// Days the history did not keep are simulated again, each on its own. That gives what the
    /// model saw on such a day: every day starts from the same state (by the end of the day
    /// before, every window is closed, nobody waits and the last service has ended, long
    /// before the next opening), and the arrivals depend only on the seed and the date.
    pub fn arrival_buckets(
        &self,
        from: Secs,
        to: Secs,
        step: Secs,
        schedule: &dyn StaffingSchedule,
    ) -> Vec<BucketTally> {
        let Some(history) = &self.history else {
            return Vec::new();
        };
        let origin = history.origin();
        let mut buckets = Buckets::new(origin, self.windows.len(), from, to, step, self.now);
        let Some((start, end)) = buckets.span() else {
            return buckets.into_tallies();
        };
        let today = history.today().map(|d| d.date);
        let last = self.cal.date_of((end - 1).min(self.now));
        let mut date = self.cal.date_of(start.max(origin));
        while date <= last {
            match history.day(date) {
                Some(day) => buckets.add(day),
                None if today.is_none_or(|t| date < t) => {
                    if let Some(day) = self.replay(origin, date, schedule) {
                        buckets.add(&day);
                    }
                }
                None => {}
            }
            let Some(next) = date.succ_opt() else {
                break;
            };
            date = next;
        }
        buckets.into_tallies()
    }

    /// The tallies of `date` from a fresh model of that day alone.
    fn replay(
        &self,
        origin: Secs,
        date: NaiveDate,
        schedule: &dyn StaffingSchedule,
    ) -> Option<DayTallies> {
        let mut day = QueueModel::new(
            self.seed,
            self.cal.tz(),
            self.services.clone(),
            date,
            self.roster.clone(),
        )
        .recording_history(origin);
        day.advance_to(self.cal.next_midnight(date) - 1, schedule);
        day.history.as_mut()?.take_today()
    }

    /// The index of the window with id `id`.
    pub fn window_index(&self, id: &str) -> Option<usize> {
        self.windows.iter().position(|w| w.spec.id == id)
    }

    /// Staff on duty now, in roster order; nobody while the library is closed.
    pub fn staff_on_duty(&self) -> Vec<String> {
        match &self.roster {
            Some(r) if self.cal.is_open(self.now) => {
                r.on_duty(self.cal.minute_of(self.now)).into_iter().map(str::to_owned).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Totals so far, per service.
    pub fn report(&self) -> QueueReport {
        let mut services = self.reports.clone();
        for (r, &s) in services.iter_mut().zip(&self.open_s) {
            r.staff_hours = s as f64 / 3600.0;
        }
        QueueReport { services }
    }

    /// Processes every event up to and including `t`, in order.
    pub fn advance_to(&mut self, t: Secs, schedule: &dyn StaffingSchedule) {
        while let Some((at, event)) = self.next_event() {
            if at > t {
                break;
            }
            self.accrue_open_time(at);
            self.now = at;
            self.handle(event, schedule);
        }
        if t > self.now {
            self.accrue_open_time(t);
            self.now = t;
        }
    }

    fn next_event(&self) -> Option<(Secs, Event)> {
        let mut best = (self.next_midnight, Event::Midnight);
        let mut consider = |at: Secs, e: Event| {
            if (at, e) < best {
                best = (at, e);
            }
        };
        if let Some(day) = &self.day {
            if let Some(at) = day.closing {
                consider(at, Event::Closing);
            }
            if let Some(at) = day.next_slot {
                consider(at, Event::Slot);
            }
            for (s, list) in day.arrivals.iter().enumerate() {
                if let Some(a) = day.next.get(s).and_then(|&i| list.get(i)) {
                    consider(a.at, Event::Arrival(s));
                }
            }
        }
        for (w, win) in self.windows.iter().enumerate() {
            if let Some(at) = win.busy_until {
                consider(at, Event::Completion(w));
            }
        }
        Some(best)
    }

    fn accrue_open_time(&mut self, until: Secs) {
        let dt = (until - self.now).max(0);
        for win in &self.windows {
            if win.open
                && let Some(s) = self.open_s.get_mut(win.spec.service)
            {
                *s += dt;
            }
        }
    }

    fn handle(&mut self, event: Event, schedule: &dyn StaffingSchedule) {
        match event {
            Event::Midnight => self.start_day(),
            Event::Closing => self.close_day(),
            Event::Slot => self.slot_boundary(schedule),
            Event::Completion(w) => {
                if let Some(win) = self.windows.get_mut(w) {
                    win.busy_until = None;
                    if win.open {
                        self.start_service(w);
                    }
                }
            }
            Event::Arrival(s) => self.arrive(s),
        }
    }

    fn start_day(&mut self) {
        let date = self.cal.date_of(self.now);
        for win in &mut self.windows {
            win.served_today = 0;
            win.service_s_today = 0.0;
        }
        let arrivals: Vec<Vec<Arrival>> = self
            .services
            .iter()
            .enumerate()
            .map(|(s, spec)| day_arrivals(self.seed, &self.cal, s, spec, date))
            .collect();
        self.day = Some(Day {
            date,
            next: vec![0; arrivals.len()],
            arrivals,
            closing: Some(self.cal.closing(date)),
            next_slot: Some(self.cal.opening(date)),
        });
        self.last_wanted = vec![None; self.services.len()];
        self.next_midnight = self.cal.next_midnight(date);
        if let Some(h) = &mut self.history {
            h.start_day(date, self.now);
        }
    }

    fn close_day(&mut self) {
        for win in &mut self.windows {
            win.open = false;
            win.staff = None;
            let left = win.queue_length();
            win.queue.clear();
            if let Some(r) = self.reports.get_mut(win.spec.service) {
                r.unserved += left;
            }
        }
        if let Some(day) = &mut self.day {
            day.closing = None;
            day.next_slot = None;
        }
    }

    fn slot_boundary(&mut self, schedule: &dyn StaffingSchedule) {
        let Some(date) = self.day.as_ref().map(|d| d.date) else {
            return;
        };
        let slot = self.cal.slot_of(self.now);
        let mut changed = vec![false; self.services.len()];
        self.hand_over_shifts(&mut changed);
        for (s, service_changed) in changed.iter_mut().enumerate() {
            let count = self.windows.iter().filter(|w| w.spec.service == s).count();
            let wanted =
                schedule.open_windows(s, slot).min(u32::try_from(count).unwrap_or(u32::MAX));
            if self.last_wanted.get(s).copied().flatten() != Some(wanted) {
                *service_changed |= self.staff_to(s, wanted);
                if let Some(w) = self.last_wanted.get_mut(s) {
                    *w = Some(wanted);
                }
            }
        }
        for (s, c) in changed.into_iter().enumerate() {
            if c {
                self.rebalance(s);
            }
        }
        let next_minute = slot.start_minute() + 15;
        if let Some(day) = &mut self.day {
            day.next_slot = (next_minute < CLOSES_MIN).then(|| self.cal.at(date, next_minute));
        }
    }

    /// Lines the waiting patrons of service `s` up again, in order of arrival, at the shortest
    /// open queues, and starts service at idle open windows. With no window open, they stay.
    pub(super) fn rebalance(&mut self, s: usize) {
        let ids: Vec<usize> =
            (0..self.windows.len()).filter(|&w| self.windows[w].spec.service == s).collect();
        if !ids.iter().any(|&w| self.windows[w].open) {
            return;
        }
        let mut waiting: Vec<Arrival> = Vec::new();
        for &w in &ids {
            waiting.extend(self.windows[w].queue.drain(..));
        }
        waiting.sort_by_key(|a| a.at);
        for patron in waiting {
            if let Some(w) = self.shortest_open(&ids) {
                self.windows[w].queue.push_back(patron);
            }
        }
        for &w in &ids {
            if self.windows[w].open && self.windows[w].busy_until.is_none() {
                self.start_service(w);
            }
        }
    }

    fn shortest_open(&self, ids: &[usize]) -> Option<usize> {
        ids.iter()
            .copied()
            .filter(|&w| self.windows[w].open)
            .min_by_key(|&w| (self.windows[w].load(), w))
    }

    fn arrive(&mut self, s: usize) {
        let Some(day) = &mut self.day else {
            return;
        };
        let Some(next) = day.next.get_mut(s) else {
            return;
        };
        let Some(patron) = day.arrivals.get(s).and_then(|l| l.get(*next)).copied() else {
            return;
        };
        *next += 1;
        let ids: Vec<usize> =
            (0..self.windows.len()).filter(|&w| self.windows[w].spec.service == s).collect();
        let target = self
            .shortest_open(&ids)
            .or_else(|| ids.iter().copied().min_by_key(|&w| (self.windows[w].queue.len(), w)));
        let Some(w) = target else {
            return;
        };
        self.windows[w].queue.push_back(patron);
        if let Some(h) = &mut self.history {
            h.record_arrival(w, self.now);
        }
        if self.logging
            && let Some(r) = self.reports.get_mut(s)
        {
            r.arrivals.push(patron.at);
        }
        if self.windows[w].open && self.windows[w].busy_until.is_none() {
            self.start_service(w);
        }
    }

    fn start_service(&mut self, w: usize) {
        let now = self.now;
        let Some(win) = self.windows.get_mut(w) else {
            return;
        };
        let Some(patron) = win.queue.pop_front() else {
            return;
        };
        let wait = now - patron.at;
        let service_s = (patron.work * win.spec.mean_service_s).round().max(1.0);
        win.busy_until = Some(now + service_s as Secs);
        win.served_today += 1;
        win.service_s_today += service_s;
        let service = win.spec.service;
        if let Some(h) = &mut self.history {
            h.record_served(w, now, wait);
        }
        if self.logging
            && let Some(r) = self.reports.get_mut(service)
        {
            r.waits_s.push(u32::try_from(wait.max(0)).unwrap_or(u32::MAX));
        }
    }
}
