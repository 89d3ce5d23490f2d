//! What the views show, prepared from the store's data off the UI thread: seats grouped by
//! floor with their map positions, zone occupancy and comfort, ghost seats, feed health.
//!
//! Pure: built from plain values, compared with `==` so an unchanged reload does not redraw.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::domain::comfort::ZoneComfort;
use crate::domain::comfort::{Comfort, ComfortLimits, OutOfRange};
use crate::domain::freshness::FeedState;
use crate::domain::freshness::Rejected;
use crate::domain::layout::{
    Floor, Occupancy, SeatState, SeatView, SensorHealth, Zone, ZoneKind, ZoneOccupancy,
};
use crate::services::reads::SystemStatus;

/// One seat as the map and lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatCell {
    pub id: String,
    pub label: String,
    pub zone: usize,
    pub x: u32,
    pub y: u32,
    pub power: bool,
    pub accessible: bool,
    pub state: Option<SeatState>,
    pub since: Option<DateTime<Utc>>,
    pub sensor: Option<SensorHealth>,
    pub ghost: bool,
}

/// A zone with its occupancy and latest comfort reading.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneView {
    pub id: String,
    pub name: String,
    pub kind: ZoneKind,
    pub occupancy: Occupancy,
    pub comfort: Option<(DateTime<Utc>, Comfort)>,
    pub out_of_range: Vec<OutOfRange>,
    /// The zone's latest head count, from a source that counts people in it (a room booked
    /// whole, an Occuspace sensor); shown where the zone has no seats to count.
    pub head_count: Option<ZoneOccupancy>,
}

impl ZoneView {
    /// Whether the zone is known by its head count alone: no seats, a count.
    pub fn counted_only(&self) -> bool {
        self.occupancy.total == 0 && self.head_count.is_some()
    }
}

/// A floor: its zones, its seats and where they are.
#[derive(Debug, Clone, PartialEq)]
pub struct FloorView {
    pub id: String,
    pub name: String,
    pub zones: Vec<ZoneView>,
    pub seats: Vec<SeatCell>,
    /// Smallest and largest grid coordinates used, for fitting the map.
    pub min: (u32, u32),
    pub max: (u32, u32),
    pub occupancy: Occupancy,
    /// Seat index by grid position.
    pub at: HashMap<(u32, u32), usize>,
}

impl FloorView {
    pub fn width(&self) -> u32 {
        if self.seats.is_empty() { 0 } else { self.max.0 - self.min.0 + 1 }
    }
    pub fn height(&self) -> u32 {
        if self.seats.is_empty() { 0 } else { self.max.1 - self.min.1 + 1 }
    }
}

/// A ghost seat, by floor and seat index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GhostRef {
    pub floor: usize,
    pub seat: usize,
}

/// Everything the Seats tab shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SeatsSnapshot {
    /// "Now" at the sensors when the snapshot was taken; ages are measured against it.
    pub sensor_now: DateTime<Utc>,
    pub floors: Vec<FloorView>,
    /// Ghost seats, longest away first.
    pub ghosts: Vec<GhostRef>,
    pub total: Occupancy,
}

/// What the sources report of each zone beside its seats, for [`SeatsSnapshot::build`].
#[derive(Debug, Clone, Copy)]
pub struct ZoneReports<'a> {
    /// Each zone's latest comfort reading.
    pub comfort: &'a [ZoneComfort],
    /// The latest head count of each zone counted rather than seated.
    pub head_counts: &'a [ZoneOccupancy],
    /// What a comfortable reading is.
    pub limits: &'a ComfortLimits,
}

impl SeatsSnapshot {
    /// Builds the snapshot. `seats` must be ordered by floor as the store returns them.
    pub fn build(
        floors: &[Floor],
        zones: &[Zone],
        seats: Vec<SeatView>,
        reports: ZoneReports<'_>,
        sensor_now: DateTime<Utc>,
        ghost_after: Duration,
    ) -> SeatsSnapshot {
        let ZoneReports { comfort, head_counts, limits } = reports;
        let readings: HashMap<&str, &ZoneComfort> =
            comfort.iter().map(|c| (c.zone_id.as_str(), c)).collect();
        let mut out: Vec<FloorView> = floors
            .iter()
            .map(|f| FloorView {
                id: f.id.clone(),
                name: f.name.clone(),
                zones: vec![],
                seats: vec![],
                min: (u32::MAX, u32::MAX),
                max: (0, 0),
                occupancy: Occupancy::default(),
                at: HashMap::new(),
            })
            .collect();
        let floor_index: HashMap<&str, usize> =
            floors.iter().enumerate().map(|(i, f)| (f.id.as_str(), i)).collect();
        let mut zone_index: HashMap<&str, (usize, usize)> = HashMap::new();
        for z in zones {
            let Some(&fi) = floor_index.get(z.floor_id.as_str()) else { continue };
            let reading = readings.get(z.id.as_str()).and_then(|r| r.latest.as_ref());
            let out_of_range =
                reading.map(|r| limits.assess(&r.comfort, z.kind)).unwrap_or_default();
            zone_index.insert(z.id.as_str(), (fi, out[fi].zones.len()));
            out[fi].zones.push(ZoneView {
                id: z.id.clone(),
                name: z.name.clone(),
                kind: z.kind,
                occupancy: Occupancy::default(),
                comfort: reading.map(|r| (r.at, r.comfort)),
                out_of_range,
                head_count: head_counts.iter().find(|h| h.zone_id == z.id).cloned(),
            });
        }
        let mut ghosts = Vec::new();
        // The rows are consumed so their strings move into the cells: a 20,000-seat reload
        // then allocates once per seat instead of twice.
        for s in seats {
            let Some(&(fi, zi)) = zone_index.get(s.zone_id.as_str()) else { continue };
            let ghost = s.is_ghost(sensor_now, ghost_after);
            let floor = &mut out[fi];
            let idx = floor.seats.len();
            // Two seats at one position (a hand-edited store): the first keeps the map cell.
            floor.at.entry((s.x, s.y)).or_insert(idx);
            floor.min = (floor.min.0.min(s.x), floor.min.1.min(s.y));
            floor.max = (floor.max.0.max(s.x), floor.max.1.max(s.y));
            if ghost {
                ghosts.push((s.since, GhostRef { floor: fi, seat: idx }));
            }
            floor.seats.push(SeatCell {
                id: s.id,
                label: s.label,
                zone: zi,
                x: s.x,
                y: s.y,
                power: s.power,
                accessible: s.accessible,
                state: s.state,
                since: s.since,
                sensor: s.sensor,
                ghost,
            });
        }
        for f in &mut out {
            if f.seats.is_empty() {
                f.min = (0, 0);
            }
            f.occupancy = Occupancy::of_cells(&f.seats);
            for (zi, z) in f.zones.iter_mut().enumerate() {
                z.occupancy = Occupancy::of_cells(f.seats.iter().filter(|s| s.zone == zi));
            }
        }
        ghosts.sort_by_key(|(since, g)| (*since, g.floor, g.seat));
        let total = Occupancy::of_cells(out.iter().flat_map(|f| f.seats.iter()));
        SeatsSnapshot {
            sensor_now,
            floors: out,
            ghosts: ghosts.into_iter().map(|(_, g)| g).collect(),
            total,
        }
    }

    pub fn seat(&self, g: GhostRef) -> Option<&SeatCell> {
        self.floors.get(g.floor).and_then(|f| f.seats.get(g.seat))
    }
}

trait OccupancyOfCells {
    fn of_cells<'a>(cells: impl IntoIterator<Item = &'a SeatCell>) -> Occupancy;
}

impl OccupancyOfCells for Occupancy {
    fn of_cells<'a>(cells: impl IntoIterator<Item = &'a SeatCell>) -> Occupancy {
        let mut o = Occupancy::default();
        for c in cells {
            o.total += 1;
            match c.state {
                Some(SeatState::Free) => o.free += 1,
                Some(SeatState::Occupied) => o.occupied += 1,
                Some(SeatState::Away) => o.away += 1,
                Some(SeatState::Reserved) => o.reserved += 1,
                Some(SeatState::OutOfService) => o.out_of_service += 1,
                None => o.unknown += 1,
            }
        }
        o
    }
}

/// Everything the System tab shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemSnapshot {
    pub status: SystemStatus,
    /// Each configured sensor source, by name, with its URL redacted.
    pub sources: Vec<(&'static str, String)>,
    /// The source each configured feed comes from, by feed name.
    pub feed_sources: Vec<(&'static str, &'static str)>,
    pub recs_url: Option<String>,
    /// This console's name in the ingest lease, when it runs the feeds itself.
    pub own_holder: Option<String>,
    /// When each feed counts as stale.
    pub staleness: crate::domain::freshness::Staleness,
    pub recent_quarantine: Vec<Rejected>,
}

/// Everything the Governance tab shows, read in one go: every data request with its votes
/// (newest first), those waiting for the viewer's vote, the viewer's review queue and the ε
/// ledger. The badge on the tab is counted from it too.
#[derive(Debug, Clone, PartialEq)]
pub struct GovernanceSnapshot {
    pub requests: Vec<crate::domain::governance::DataRequest>,
    /// Ids of the requests waiting for the viewer's party's vote that the viewer may cast.
    pub waiting: Vec<u64>,
    /// `None` when the viewer does not review accesses.
    pub review: Option<crate::services::review::ReviewQueue>,
    pub ledger: Vec<crate::domain::governance::LedgerLine>,
    /// The ε budget of each dataset and month.
    pub budget: crate::domain::governance::MilliEps,
}

/// How fresh one API's data is, coarsely, so an idle screen does not change every second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiHealth {
    /// No URL configured.
    Off,
    /// Nothing fetched yet.
    Waiting,
    Ok,
    /// No success for longer than allowed; minutes since the last success.
    Stale {
        minutes: i64,
    },
    /// Never succeeded, and failing.
    Down,
}

impl ApiHealth {
    /// The health of the API whose main feed is `feed`.
    pub fn of(
        configured: bool,
        feed: Option<&FeedState>,
        stale_after: Duration,
        now: DateTime<Utc>,
    ) -> ApiHealth {
        // Judged on the API's main feed, which is fetched often, so its own limit applies.
        if !configured {
            return ApiHealth::Off;
        }
        let Some(f) = feed else { return ApiHealth::Waiting };
        match f.age(now) {
            None if f.consecutive_failures > 0 => ApiHealth::Down,
            None => ApiHealth::Waiting,
            Some(age) if age > stale_after => {
                ApiHealth::Stale { minutes: age.num_minutes().max(1) }
            }
            Some(_) => ApiHealth::Ok,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::comfort::Comfort;
    use crate::domain::comfort::ZoneSample;
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 18, 11, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn seat(id: &str, zone: &str, x: u32, state: SeatState, since: i64) -> SeatView {
        SeatView {
            id: id.into(),
            label: id.into(),
            floor_id: "F0".into(),
            zone_id: zone.into(),
            zone_kind: ZoneKind::Quiet,
            x,
            y: 0,
            power: false,
            accessible: false,
            state: Some(state),
            since: Some(t(since)),
            sensor: Some(SensorHealth::Ok),
        }
    }

    #[test]
    fn builds_floors_zones_ghosts_and_comfort_marks() {
        let floors = [Floor { id: "F0".into(), name: "Ground".into(), level: 0 }];
        let zones = [
            Zone {
                id: "Z1".into(),
                floor_id: "F0".into(),
                name: "North".into(),
                kind: ZoneKind::Silent,
            },
            Zone {
                id: "Z2".into(),
                floor_id: "F0".into(),
                name: "South".into(),
                kind: ZoneKind::Group,
            },
        ];
        let seats = [
            seat("S1", "Z1", 2, SeatState::Away, -45),
            seat("S2", "Z1", 3, SeatState::Away, -10),
            seat("S3", "Z2", 7, SeatState::Away, -90),
            seat("S4", "Z2", 8, SeatState::Free, -5),
        ];
        let comfort = [ZoneComfort {
            zone_id: "Z1".into(),
            zone_name: "North".into(),
            floor_id: "F0".into(),
            kind: ZoneKind::Silent,
            latest: Some(ZoneSample {
                zone_id: "Z1".into(),
                at: t(0),
                comfort: Comfort {
                    temperature_c: Some(21.0),
                    co2_ppm: Some(1200.0),
                    light_lux: Some(500.0),
                    noise_db: Some(35.0),
                },
            }),
        }];
        let s = SeatsSnapshot::build(
            &floors,
            &zones,
            seats.to_vec(),
            ZoneReports { comfort: &comfort, head_counts: &[], limits: &ComfortLimits::default() },
            t(0),
            Duration::minutes(30),
        );
        let f = &s.floors[0];
        assert_eq!((f.min, f.max, f.width()), ((2, 0), (8, 0), 7));
        assert_eq!(f.zones[0].occupancy.away, 2);
        assert_eq!(f.zones[0].out_of_range.len(), 1, "CO2 1200 is over 1000");
        assert!(f.zones[1].comfort.is_none());
        let ghost_ids: Vec<&str> =
            s.ghosts.iter().map(|g| s.seat(*g).unwrap().id.as_str()).collect();
        assert_eq!(ghost_ids, ["S3", "S1"], "longest away first; S2 is not a ghost yet");
        assert_eq!(f.at[&(7, 0)], 2);
        assert_eq!(s.total.total, 4);
    }

    #[test]
    fn api_health_is_coarse() {
        let now = t(0);
        let stale = Duration::seconds(60);
        assert_eq!(ApiHealth::of(false, None, stale, now), ApiHealth::Off);
        assert_eq!(ApiHealth::of(true, None, stale, now), ApiHealth::Waiting);
        let mut f = FeedState {
            feed: "sensor.seats".into(),
            last_success: Some(now - Duration::seconds(30)),
            ..Default::default()
        };
        assert_eq!(ApiHealth::of(true, Some(&f), stale, now), ApiHealth::Ok);
        f.last_success = Some(now - Duration::seconds(250));
        assert_eq!(ApiHealth::of(true, Some(&f), stale, now), ApiHealth::Stale { minutes: 4 });
        f.last_success = None;
        f.consecutive_failures = 3;
        assert_eq!(ApiHealth::of(true, Some(&f), stale, now), ApiHealth::Down);
    }
}
