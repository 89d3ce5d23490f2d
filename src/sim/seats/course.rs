//! A seat's course through the day (free → occupied ⇄ away → free, with reservations and
//! ghosts), the release staff can make, and what the seats report.
//!
//! May use: the rest of `seats`.

use std::ops::Range;

use super::{
    Kind, LUNCH_SLOTS, MIN, NotAway, P_GHOST, P_RESERVE, P_SHOW, Phase, SESSION_EXTRA_MEAN_S,
    SESSION_MIN_S, SeatModel, SeatReport, Today,
};
use crate::domain::layout::SeatState;
use crate::sim::calendar::Secs;

impl SeatModel {
    pub(super) fn state_event(&mut self, i: usize) {
        let Some(today) = self.today.take() else {
            return;
        };
        let t = self.now;
        let Some(seat) = self.seats.get(i) else {
            self.today = Some(today);
            return;
        };
        let (phase, truth, session_end) = (seat.phase, seat.truth, seat.session_end);
        if t >= today.closing {
            if truth != SeatState::Free && truth != SeatState::OutOfService {
                self.set_truth(i, SeatState::Free);
            }
            self.set_phase(i, Phase::Idle);
        } else {
            match phase {
                Phase::Idle if truth == SeatState::Free => {
                    if self.draw(i, |r| r.chance(P_RESERVE)) {
                        let shows = self.draw(i, |r| r.chance(P_SHOW));
                        let hold = self.draw(i, |r| r.between(10.0, 30.0));
                        self.set_truth(i, SeatState::Reserved);
                        self.set_phase(i, Phase::Reserved { shows });
                        self.schedule(i, Kind::State, t + hold as Secs * MIN);
                    } else {
                        self.start_session(&today, i);
                    }
                }
                Phase::Idle => {}
                Phase::Reserved { shows: true } => self.start_session(&today, i),
                Phase::Reserved { shows: false } | Phase::Abandoned => {
                    self.set_truth(i, SeatState::Free);
                    self.set_phase(i, Phase::Idle);
                    self.take_later(&today, i);
                }
                Phase::Seated if t >= session_end => self.leave(&today, i),
                Phase::Seated => {
                    let lunch = Self::is_lunch(&today, t);
                    let minutes = if lunch {
                        8.0 + self.draw(i, |r| r.exp(10.0))
                    } else {
                        3.0 + self.draw(i, |r| r.exp(8.0))
                    };
                    self.set_truth(i, SeatState::Away);
                    self.set_phase(i, Phase::Break);
                    self.schedule(i, Kind::State, t + (minutes * 60.0) as Secs);
                }
                Phase::Break => {
                    self.set_truth(i, SeatState::Occupied);
                    self.set_phase(i, Phase::Seated);
                    self.plan_seated(&today, i);
                }
            }
        }
        self.today = Some(today);
    }

    fn draw<T>(&mut self, i: usize, f: impl FnOnce(&mut crate::sim::random::Stream) -> T) -> T
    where
        T: Default,
    {
        self.seats.get_mut(i).map(|s| f(&mut s.rng)).unwrap_or_default()
    }

    fn set_phase(&mut self, i: usize, phase: Phase) {
        if let Some(seat) = self.seats.get_mut(i) {
            seat.phase = phase;
        }
    }

    fn is_lunch(today: &Today, t: Secs) -> bool {
        Self::slot_at(today, t).is_some_and(|k| LUNCH_SLOTS.contains(&k))
    }

    fn start_session(&mut self, today: &Today, i: usize) {
        let length = SESSION_MIN_S + self.draw(i, |r| r.exp(SESSION_EXTRA_MEAN_S));
        let end = self.now + length as Secs;
        if let Some(seat) = self.seats.get_mut(i) {
            seat.session_end = end;
        }
        self.set_truth(i, SeatState::Occupied);
        self.set_phase(i, Phase::Seated);
        self.plan_seated(today, i);
    }

    /// Queues the next event of a seated patron: a break, or the end of their session.
    fn plan_seated(&mut self, today: &Today, i: usize) {
        let mean_gap_min = if Self::is_lunch(today, self.now) { 40.0 } else { 55.0 };
        let gap = self.draw(i, |r| r.exp(mean_gap_min * 60.0)) as Secs;
        let end = self.seats.get(i).map_or(self.now, |s| s.session_end);
        self.schedule(i, Kind::State, (self.now + gap.max(1)).min(end.max(self.now + 1)));
    }

    fn leave(&mut self, today: &Today, i: usize) {
        if self.draw(i, |r| r.chance(P_GHOST)) {
            let minutes = self.draw(i, |r| r.between(40.0, 180.0));
            self.set_truth(i, SeatState::Away);
            self.set_phase(i, Phase::Abandoned);
            self.schedule(i, Kind::State, self.now + minutes as Secs * MIN);
        } else {
            self.set_truth(i, SeatState::Free);
            self.set_phase(i, Phase::Idle);
            self.take_later(today, i);
        }
    }

    fn take_later(&mut self, today: &Today, i: usize) {
        if let Some(at) = self.next_take(today, i, self.now) {
            self.schedule(i, Kind::State, at);
        }
    }

    /// Staff release an away seat (belongings cleared): it becomes free now. Any other state
    /// is refused.
    pub fn release(&mut self, i: usize) -> Result<SeatReport, NotAway> {
        let now = self.now;
        let Some(seat) = self.seats.get_mut(i) else {
            return Err(NotAway(SeatState::Free));
        };
        if seat.shown != SeatState::Away {
            return Err(NotAway(seat.shown));
        }
        seat.generation = seat.generation.wrapping_add(1);
        seat.phase = Phase::Idle;
        seat.truth = SeatState::Free;
        seat.truth_since = now;
        seat.shown = SeatState::Free;
        seat.shown_since = now;
        self.bump(i);
        if let Some(today) = self.today.take() {
            self.take_later(&today, i);
            self.today = Some(today);
        }
        self.report(i).ok_or(NotAway(SeatState::Free))
    }

    /// What seat `i` reports now.
    pub fn report(&self, i: usize) -> Option<SeatReport> {
        self.seats.get(i).map(|s| SeatReport {
            index: i,
            state: s.shown,
            since: s.shown_since,
            sensor: s.sensor,
        })
    }

    /// Every seat whose report changed after change number `since`, or every seat.
    pub fn reports(&self, since: Option<u64>) -> impl Iterator<Item = SeatReport> + '_ {
        (0..self.seats.len())
            .filter(move |&i| since.is_none_or(|n| self.seats[i].changed > n))
            .filter_map(|i| self.report(i))
    }

    /// Share of the seats in `range` really taken (occupied or away), whatever the sensors say.
    pub fn taken_share(&self, range: Range<usize>) -> f64 {
        let seats = self.seats.get(range).unwrap_or_default();
        if seats.is_empty() {
            return 0.0;
        }
        let taken = seats.iter().filter(|s| s.truth.is_taken()).count();
        taken as f64 / seats.len() as f64
    }

    /// Seats reported away for at least `limit_s` seconds.
    #[cfg(test)]
    pub fn ghosts(&self, limit_s: Secs) -> usize {
        self.seats
            .iter()
            .filter(|s| s.shown == SeatState::Away && self.now - s.shown_since >= limit_s)
            .count()
    }
}
