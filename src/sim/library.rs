//! The simulated library as a whole: building, seats, desks and comfort, advanced together in
//! simulated time, and the wire records the sensor API answers with. Long lists (seats, the
//! layout's floors, arrival buckets) come as a [`Listing`]: the envelope, and the records made
//! one at a time as the body is written.
//!
//! The seats and the desks run from the start's own local midnight, then follow the clock. The
//! arrivals history reaches back to midnight nine weeks before the start, so that it covers at
//! least eight weeks; the desks' past days are simulated again when asked for (see
//! [`History`](super::queues::History)). Everything is a function of the settings and the
//! times at which staff acted.
//!
//! May use: the sim's models, domain. Pure; the server holds it behind a mutex.

use chrono::Duration;

use crate::domain::api::{
    ArrivalBucketDto, ArrivalsResponse, EnvironmentResponse, FloorDto, LayoutResponse, SeatStatus,
    SeatsPage, ServicePointChange, ServicePointDto, ServicePointsResponse, ZoneReading,
};
use crate::domain::layout::SeatState;

use super::body::Listing;
use super::building::Building;
use super::calendar::{Calendar, Secs, utc};
use super::config::SimConfig;
use super::environment::reading;
use super::queues::{QueueModel, Roster, StandardSchedule, WindowChangeError, standard_services};
use super::random::{Purpose, key};
use super::seats::{SeatModel, SeatReport};

/// Days of desk history before the start.
pub const HISTORY_DAYS: i64 = 63;

/// Why a seat could not be released.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    #[error("no seat '{0}'")]
    Unknown(String),
    #[error("seat '{id}' is {state}; only an away seat can be released")]
    NotAway { id: String, state: SeatState },
}

/// Why a service window could not be changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error("no service point '{0}'")]
    Unknown(String),
    #[error(transparent)]
    Refused(#[from] WindowChangeError),
}

/// The simulated library at one moment.
#[derive(Debug, Clone)]
pub struct Library {
    seed: u64,
    cal: Calendar,
    epoch: u32,
    pub building: Building,
    pub seats: SeatModel,
    pub desks: QueueModel,
    now: Secs,
}

impl Library {
    /// The library of `config`, already simulated up to `config.start`.
    pub fn new(config: &SimConfig) -> Self {
        let cal = Calendar::new(config.timezone);
        let start = config.start.timestamp();
        let building = Building::new(config.seats);
        let seats = SeatModel::new(config.seed, cal, building.seat_kinds(), start);
        let first_day = cal.date_of(start) - Duration::days(HISTORY_DAYS);
        let mut desks = QueueModel::new(
            config.seed,
            config.timezone,
            standard_services(),
            cal.date_of(start),
            Some(Roster::standard()),
        )
        .recording_history(cal.midnight(first_day));
        desks.advance_to(start, &StandardSchedule);
        Self {
            seed: config.seed,
            cal,
            epoch: key(config.seed, Purpose::SeatDay, &[start as u64]) as u32,
            building,
            seats,
            desks,
            now: start,
        }
    }

    /// The simulated time the library has reached.
    pub fn now(&self) -> Secs {
        self.now
    }

    /// The simulated time the library has reached.
    pub fn time(&self) -> Secs {
        self.now
    }

    /// The library's calendar: its time zone and opening hours.
    pub fn calendar(&self) -> Calendar {
        self.cal
    }

    /// Simulates up to `t`; an earlier `t` changes nothing.
    pub fn advance_to(&mut self, t: Secs) {
        if t <= self.now {
            return;
        }
        self.seats.advance_to(t);
        self.desks.advance_to(t, &StandardSchedule);
        self.now = t;
    }

    /// The building's floors, with their zones and seats.
    pub fn layout(&self) -> Listing<LayoutResponse, impl Iterator<Item = FloorDto> + '_> {
        Listing {
            envelope: LayoutResponse { generated_at: utc(self.now), floors: Vec::new() },
            records: self.building.floors(),
        }
    }

    fn cursor(&self) -> String {
        format!("{:08x}.{}", self.epoch, self.seats.seq())
    }

    /// The change number a cursor stands for, if it is one of ours and not from the future.
    fn parse_cursor(&self, cursor: &str) -> Option<u64> {
        let (epoch, seq) = cursor.split_once('.')?;
        let seq: u64 = seq.parse().ok()?;
        (u32::from_str_radix(epoch, 16).ok()? == self.epoch && seq <= self.seats.seq())
            .then_some(seq)
    }

    fn seat_status(&self, r: SeatReport) -> SeatStatus {
        SeatStatus {
            id: self.building.seat_id(r.index).unwrap_or_default(),
            state: r.state,
            since: utc(r.since),
            sensor: r.sensor,
        }
    }

    /// Every seat, or with a usable cursor only the seats changed after it.
    pub fn seats(
        &self,
        since: Option<&str>,
    ) -> Listing<SeatsPage, impl Iterator<Item = SeatStatus> + '_> {
        let since = since.and_then(|c| self.parse_cursor(c));
        Listing {
            envelope: SeatsPage {
                generated_at: utc(self.now),
                cursor: self.cursor(),
                full: since.is_none(),
                seats: Vec::new(),
            },
            records: self.seats.reports(since).map(|r| self.seat_status(r)),
        }
    }

    /// [`Library::seats`] as one value.
    #[cfg(test)]
    pub fn seats_page(&self, since: Option<&str>) -> SeatsPage {
        let Listing { envelope, records } = self.seats(since);
        SeatsPage { seats: records.collect(), ..envelope }
    }

    pub fn release(&mut self, id: &str) -> Result<SeatStatus, ReleaseError> {
        let i = self.building.seat_index(id).ok_or_else(|| ReleaseError::Unknown(id.to_owned()))?;
        let report = self
            .seats
            .release(i)
            .map_err(|e| ReleaseError::NotAway { id: id.to_owned(), state: e.0 })?;
        Ok(self.seat_status(report))
    }

    pub fn environment(&self) -> EnvironmentResponse {
        let minute = self.cal.minute_of(self.now);
        let at = utc(self.now - self.now.rem_euclid(60));
        let readings = self
            .building
            .zones
            .iter()
            .enumerate()
            .map(|(z, zone)| {
                let taken = self.seats.taken_share(zone.seats.clone());
                let m = reading(self.seed, z, zone.kind, self.now, minute, taken);
                ZoneReading {
                    zone_id: zone.id.clone(),
                    at,
                    temperature_c: m.temperature_c,
                    co2_ppm: m.co2_ppm,
                    light_lux: m.light_lux,
                    noise_db: m.noise_db,
                }
            })
            .collect();
        EnvironmentResponse { generated_at: utc(self.now), readings }
    }

    fn service_point(&self, w: usize) -> Option<ServicePointDto> {
        let win = self.desks.windows().get(w)?;
        let service = self.desks.services().get(win.spec.service)?;
        Some(ServicePointDto {
            id: win.spec.id.clone(),
            name: win.spec.name.clone(),
            service: service.id.to_owned(),
            open: win.open,
            staff: win.staff.clone(),
            queue_length: win.queue_length(),
            oldest_waiting_since: win.oldest_waiting_since().map(utc),
            served_today: win.served_today,
            mean_service_s: (win.mean_service_s() * 10.0).round() / 10.0,
        })
    }

    pub fn service_points(&self) -> ServicePointsResponse {
        ServicePointsResponse {
            generated_at: utc(self.now),
            staff_on_duty: self.desks.staff_on_duty(),
            service_points: (0..self.desks.windows().len())
                .filter_map(|w| self.service_point(w))
                .collect(),
        }
    }

    pub fn change_service_point(
        &mut self,
        id: &str,
        change: ServicePointChange,
    ) -> Result<ServicePointDto, ChangeError> {
        let w = self.desks.window_index(id).ok_or_else(|| ChangeError::Unknown(id.to_owned()))?;
        self.desks.change_window(w, change.open, change.staff)?;
        self.service_point(w).ok_or_else(|| ChangeError::Unknown(id.to_owned()))
    }

    /// Arrivals per window per bucket of `step` seconds over `[from, to)`; buckets not yet
    /// begun, or begun before the history, are left out. The caller checks the arguments.
    pub fn arrivals(
        &self,
        from: Secs,
        to: Secs,
        step: Secs,
    ) -> Listing<ArrivalsResponse, impl Iterator<Item = ArrivalBucketDto> + '_> {
        let tallies = self.desks.arrival_buckets(from, to, step, &StandardSchedule);
        let records = tallies.into_iter().filter_map(|b| {
            let window = self.desks.windows().get(b.window)?;
            Some(ArrivalBucketDto {
                service_point_id: window.spec.id.clone(),
                start: utc(b.start),
                arrivals: b.arrivals,
                served: b.served,
                mean_wait_s: (b.served > 0)
                    .then(|| (b.wait_s as f64 / f64::from(b.served) * 10.0).round() / 10.0),
            })
        });
        Listing {
            envelope: ArrivalsResponse {
                from: utc(from),
                to: utc(to),
                step_s: u32::try_from(step).unwrap_or(u32::MAX),
                buckets: Vec::new(),
            },
            records,
        }
    }

    /// [`Library::arrivals`] as one value.
    #[cfg(test)]
    pub fn arrivals_response(&self, from: Secs, to: Secs, step: Secs) -> ArrivalsResponse {
        let Listing { envelope, records } = self.arrivals(from, to, step);
        ArrivalsResponse { buckets: records.collect(), ..envelope }
    }
}

#[cfg(test)]
mod tests;
