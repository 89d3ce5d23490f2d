//! The seat model: every seat's day, event by event, as its occupancy sensor reports it.
//!
//! A seat is free until a patron takes it; the chance of that follows the zone's demand
//! ([`seat_demand`]) as a time-varying hazard, drawn exactly over quarter-hour slots. A patron
//! stays 20 min + Exp(130 min), stepping away now and then (every Exp(55 min), for 3 min + Exp(8 min);
//! more often and longer over lunch, 12:00–13:30: every Exp(40 min), for 8 min + Exp(10 min)). One patron in fourteen leaves belongings
//! behind at the end: the seat stays `away` for 40–180 minutes with nobody there, a ghost
//! seat. One take in 25 is a reservation held 10–30 minutes (one in five never shows up).
//! At closing every seat is cleared. A seat is out of service for a whole ISO week with
//! probability 0.6%, and its sensor drops out once on 8% of days for 10–120 minutes, half the
//! time `offline` (the reported state freezes while the seat goes on living) and half the time
//! `degraded`.
//!
//! Each seat draws from its own stream per day, so seats never influence one another, and a
//! day's course depends only on the seed, the seat and the date (and on releases staff make).
//! Events sit in one priority queue ordered by (time, seat, kind), so a large building costs
//! work only when something happens, and the state at T is the same however T was reached.
//! Every visible change takes the next change number; `GET /v1/seats?since=` returns the seats
//! changed after a number.
//!
//! May use: building, calendar, demand, random, domain. Pure.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{Datelike, NaiveDate};

use super::calendar::{Calendar, DayKind, Secs, day_number};
use super::demand::seat_demand;
use super::random::{Purpose, Stream, unit_at};
use crate::domain::layout::{SeatState, SensorHealth, ZoneKind};

const MIN: Secs = 60;
const SESSION_MIN_S: f64 = 20.0 * 60.0;
const SESSION_EXTRA_MEAN_S: f64 = 130.0 * 60.0;
/// Turns demand into a take hazard: demand p gives p / ((1 − p) · this). Shorter than a real
/// visit (about 170 min with breaks) so that occupancy keeps up with the morning ramp.
const TAKEN_MEAN_S: f64 = 120.0 * 60.0;
const P_GHOST: f64 = 0.07;
const P_RESERVE: f64 = 0.04;
const P_SHOW: f64 = 0.8;
const P_OUT_OF_SERVICE: f64 = 0.006;
const P_DROPOUT: f64 = 0.08;
/// Lunch runs over the open slots 16–21 (12:00–13:30).
const LUNCH_SLOTS: std::ops::Range<usize> = 16..22;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Reserved { shows: bool },
    Seated,
    Break,
    Abandoned,
}

#[derive(Debug, Clone, PartialEq)]
struct SimSeat {
    truth: SeatState,
    truth_since: Secs,
    shown: SeatState,
    shown_since: Secs,
    sensor: SensorHealth,
    dropout: Option<(SensorHealth, Secs)>,
    changed: u64,
    rng: Stream,
    phase: Phase,
    session_end: Secs,
    /// Bumped to cancel queued state events (at day start and on release).
    generation: u32,
    /// Bumped to cancel queued sensor events (at day start).
    sensor_generation: u32,
}

/// What a seat reports now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatReport {
    pub index: usize,
    pub state: SeatState,
    pub since: Secs,
    pub sensor: SensorHealth,
}

/// Why a release was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("only an away seat can be released; this one is {0}")]
pub struct NotAway(pub SeatState);

#[derive(Debug, Clone, PartialEq)]
struct Today {
    kind: DayKind,
    day: u64,
    opening: Secs,
    closing: Secs,
    /// Start of each open slot, then closing.
    bounds: Vec<Secs>,
    /// Take hazard per second, per zone kind, per open slot.
    hazard: [Vec<f64>; 4],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Sensor,
    State,
}

/// Every seat of the building over time.
#[derive(Debug, Clone)]
pub struct SeatModel {
    seed: u64,
    cal: Calendar,
    kinds: Vec<ZoneKind>,
    seats: Vec<SimSeat>,
    queue: BinaryHeap<Reverse<(Secs, u32, Kind, u32)>>,
    seq: u64,
    now: Secs,
    next_midnight: Secs,
    /// Closing time of the current day: no seat event is queued past it.
    closing: Secs,
    today: Option<Today>,
}

fn kind_index(kind: ZoneKind) -> usize {
    match kind {
        ZoneKind::Quiet => 0,
        ZoneKind::Group => 1,
        ZoneKind::Computer => 2,
        ZoneKind::Silent => 3,
    }
}

impl SeatModel {
    /// Seats whose zones are of `kinds` (one entry per seat), simulated up to `start`. The
    /// model runs from the local midnight of `start`'s day, so the library is already busy when
    /// it starts at 11:00.
    pub fn new(seed: u64, cal: Calendar, kinds: Vec<ZoneKind>, start: Secs) -> Self {
        let date = cal.date_of(start);
        let midnight = cal.midnight(date);
        let last_closing = cal.closing(date.pred_opt().unwrap_or(date));
        let seats = (0..kinds.len())
            .map(|_| SimSeat {
                truth: SeatState::Free,
                truth_since: last_closing,
                shown: SeatState::Free,
                shown_since: last_closing,
                sensor: SensorHealth::Ok,
                dropout: None,
                changed: 0,
                rng: Stream::new(seed, Purpose::SeatDay, &[]),
                phase: Phase::Idle,
                session_end: midnight,
                generation: 0,
                sensor_generation: 0,
            })
            .collect();
        let mut model = Self {
            seed,
            cal,
            kinds,
            seats,
            queue: BinaryHeap::new(),
            seq: 0,
            now: midnight,
            next_midnight: midnight,
            closing: midnight,
            today: None,
        };
        model.advance_to(start);
        model
    }

    #[cfg(test)]
    pub fn now(&self) -> Secs {
        self.now
    }

    /// The latest change number.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Processes every event up to and including `t`, in order.
    pub fn advance_to(&mut self, t: Secs) {
        loop {
            let next = self.queue.peek().map(|Reverse(e)| e.0);
            if self.next_midnight <= t && next.is_none_or(|n| n >= self.next_midnight) {
                self.now = self.next_midnight;
                self.start_day();
                continue;
            }
            match self.queue.peek() {
                Some(Reverse((at, _, _, _))) if *at <= t => {}
                _ => break,
            }
            if let Some(Reverse((at, seat, kind, generation))) = self.queue.pop() {
                self.now = at;
                let i = seat as usize;
                let current = self.seats.get(i).map(|s| match kind {
                    Kind::Sensor => s.sensor_generation,
                    Kind::State => s.generation,
                });
                if current == Some(generation) {
                    match kind {
                        Kind::Sensor => self.sensor_event(i),
                        Kind::State => self.state_event(i),
                    }
                }
            }
        }
        self.now = self.now.max(t);
    }

    fn start_day(&mut self) {
        let date = self.cal.date_of(self.now);
        self.next_midnight = self.cal.next_midnight(date);
        let today = self.plan_day(date);
        self.closing = today.closing;
        let week = {
            let w = date.iso_week();
            (i64::from(w.year()) * 100 + i64::from(w.week())) as u64
        };
        let midnight = self.now;
        for i in 0..self.seats.len() {
            let seed = self.seed;
            let seat = &mut self.seats[i];
            seat.generation = seat.generation.wrapping_add(1);
            seat.sensor_generation = seat.sensor_generation.wrapping_add(1);
            seat.rng = Stream::new(seed, Purpose::SeatDay, &[i as u64, today.day]);
            seat.phase = Phase::Idle;
            seat.dropout = None;
            if seat.sensor != SensorHealth::Ok {
                seat.sensor = SensorHealth::Ok;
                self.sync_shown(i, midnight);
            }
            let broken = unit_at(seed, Purpose::OutOfService, &[i as u64, week]) < P_OUT_OF_SERVICE;
            let truth = self.seats[i].truth;
            if broken {
                if truth != SeatState::OutOfService {
                    self.set_truth(i, SeatState::OutOfService);
                }
                continue;
            }
            if truth != SeatState::Free {
                self.set_truth(i, SeatState::Free);
            }
            let mut sensor = Stream::new(seed, Purpose::SensorDay, &[i as u64, today.day]);
            if sensor.chance(P_DROPOUT) {
                let down = today.opening
                    + sensor.between(0.0, (today.closing - today.opening) as f64) as Secs;
                let up = (down + sensor.between(10.0, 120.0) as Secs * MIN).min(today.closing);
                let health =
                    if sensor.chance(0.5) { SensorHealth::Offline } else { SensorHealth::Degraded };
                self.seats[i].dropout = Some((health, up));
                self.schedule(i, Kind::Sensor, down);
            }
            if let Some(at) = self.next_take(&today, i, today.opening) {
                self.schedule(i, Kind::State, at);
            }
        }
        self.today = Some(today);
    }

    fn plan_day(&self, date: NaiveDate) -> Today {
        let kind = DayKind::of(date);
        let slots: Vec<u32> =
            super::calendar::Slot::open_slots(date).map(|s| s.start_minute()).collect();
        let mut bounds: Vec<Secs> = slots.iter().map(|&m| self.cal.at(date, m)).collect();
        let closing = self.cal.closing(date);
        bounds.push(closing);
        let hazard = ZoneKind::ALL.map(|_| Vec::new());
        let mut hazard: [Vec<f64>; 4] = hazard;
        for zk in ZoneKind::ALL {
            hazard[kind_index(zk)] = slots
                .iter()
                .map(|&m| {
                    let p = seat_demand(kind, zk, m + 7);
                    if p <= 0.0 { 0.0 } else { p / ((1.0 - p) * TAKEN_MEAN_S) }
                })
                .collect();
        }
        Today {
            kind,
            day: day_number(date),
            opening: self.cal.opening(date),
            closing,
            bounds,
            hazard,
        }
    }

    fn slot_at(today: &Today, t: Secs) -> Option<usize> {
        if t < today.opening || t >= today.closing {
            return None;
        }
        today.bounds.partition_point(|&b| b <= t).checked_sub(1)
    }

    /// When a free seat is next taken, drawing over the day's piecewise-constant hazard;
    /// `None` when it stays free until closing.
    fn next_take(&mut self, today: &Today, i: usize, from: Secs) -> Option<Secs> {
        let hazard = &today.hazard[kind_index(*self.kinds.get(i)?)];
        let mut e = self.seats.get_mut(i)?.rng.exp(1.0);
        let mut t = from.max(today.opening);
        while let Some(k) = Self::slot_at(today, t) {
            let end = *today.bounds.get(k + 1)?;
            let rate = hazard.get(k).copied().unwrap_or(0.0);
            let span = (end - t) as f64;
            if rate > 0.0 && rate * span >= e {
                let at = t + (e / rate).ceil() as Secs;
                return Some(at.max(from + 1).min(end));
            }
            e -= rate * span;
            t = end;
        }
        None
    }

    fn schedule(&mut self, i: usize, kind: Kind, at: Secs) {
        if let Some(seat) = self.seats.get(i) {
            let at = at.min(self.closing.max(self.now));
            let generation = match kind {
                Kind::Sensor => seat.sensor_generation,
                Kind::State => seat.generation,
            };
            self.queue.push(Reverse((at, i as u32, kind, generation)));
        }
    }

    fn bump(&mut self, i: usize) {
        self.seq += 1;
        if let Some(seat) = self.seats.get_mut(i) {
            seat.changed = self.seq;
        }
    }

    /// Sets what is really happening at seat `i`; the sensor reports it unless offline.
    fn set_truth(&mut self, i: usize, state: SeatState) {
        let now = self.now;
        if let Some(seat) = self.seats.get_mut(i) {
            seat.truth = state;
            seat.truth_since = now;
        }
        self.sync_shown(i, now);
    }

    fn sync_shown(&mut self, i: usize, _now: Secs) {
        let Some(seat) = self.seats.get_mut(i) else {
            return;
        };
        if seat.sensor == SensorHealth::Offline || seat.shown == seat.truth {
            return;
        }
        seat.shown = seat.truth;
        seat.shown_since = seat.truth_since;
        self.bump(i);
    }

    fn sensor_event(&mut self, i: usize) {
        let Some(seat) = self.seats.get_mut(i) else {
            return;
        };
        match (seat.sensor, seat.dropout) {
            (SensorHealth::Ok, Some((health, up))) => {
                seat.sensor = health;
                self.bump(i);
                self.schedule(i, Kind::Sensor, up);
            }
            (SensorHealth::Ok, None) => {}
            _ => {
                seat.sensor = SensorHealth::Ok;
                seat.dropout = None;
                self.bump(i);
                let now = self.now;
                self.sync_shown(i, now);
            }
        }
    }
}

mod course;

#[cfg(test)]
mod tests;
