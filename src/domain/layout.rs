//! The library's space: floors, zones of a kind, seats, and the states a seat can be in.
//!
//! Pure types and rules; no I/O.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What a zone is for; librarians filter free seats by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// Quiet study: low voices tolerated.
    Quiet,
    /// Group study rooms and tables.
    Group,
    /// Computer workstations.
    Computer,
    /// Silent reading rooms.
    Silent,
}

impl ZoneKind {
    pub const ALL: [ZoneKind; 4] =
        [ZoneKind::Quiet, ZoneKind::Group, ZoneKind::Computer, ZoneKind::Silent];

    pub fn as_str(self) -> &'static str {
        match self {
            ZoneKind::Quiet => "quiet",
            ZoneKind::Group => "group",
            ZoneKind::Computer => "computer",
            ZoneKind::Silent => "silent",
        }
    }
}

/// A seat's state as reported by its sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatState {
    Free,
    Occupied,
    /// Belongings on the seat, nobody there. Away for too long makes a ghost seat.
    Away,
    Reserved,
    OutOfService,
}

impl SeatState {
    pub const ALL: [SeatState; 5] = [
        SeatState::Free,
        SeatState::Occupied,
        SeatState::Away,
        SeatState::Reserved,
        SeatState::OutOfService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SeatState::Free => "free",
            SeatState::Occupied => "occupied",
            SeatState::Away => "away",
            SeatState::Reserved => "reserved",
            SeatState::OutOfService => "out_of_service",
        }
    }

    /// Whether the seat counts as taken for occupancy (a patron or their belongings are there).
    pub fn is_taken(self) -> bool {
        matches!(self, SeatState::Occupied | SeatState::Away)
    }
}

/// How well the seat's sensor is reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorHealth {
    Ok,
    /// Reporting, but intermittently or with low confidence.
    Degraded,
    /// Not reporting; the state shown is the last one seen.
    Offline,
}

impl SensorHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            SensorHealth::Ok => "ok",
            SensorHealth::Degraded => "degraded",
            SensorHealth::Offline => "offline",
        }
    }
}

/// The error for a word that names no known variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{given}' (expected one of: {expected})")]
pub struct UnknownName {
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

macro_rules! impl_names {
    ($ty:ty, $what:literal, [$($v:expr),+ $(,)?]) => {
        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let all = [$($v),+];
                all.iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownName {
                        what: $what,
                        given: s.to_owned(),
                        expected: all.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

impl_names!(
    ZoneKind,
    "zone kind",
    [ZoneKind::Quiet, ZoneKind::Group, ZoneKind::Computer, ZoneKind::Silent]
);
impl_names!(
    SeatState,
    "seat state",
    [
        SeatState::Free,
        SeatState::Occupied,
        SeatState::Away,
        SeatState::Reserved,
        SeatState::OutOfService
    ]
);
impl_names!(
    SensorHealth,
    "sensor health",
    [SensorHealth::Ok, SensorHealth::Degraded, SensorHealth::Offline]
);

/// Largest grid coordinate on a floor plan, for `x` and `y` alike: a position from a feed or a
/// layout file beyond it is refused, and the seat grid never places a seat beyond it.
pub const MAX_COORD: u32 = 10_000;

/// A floor of the building.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Floor {
    pub id: String,
    pub name: String,
    /// Storey number as the library counts it (0 = ground floor).
    pub level: i32,
}

/// A zone of a floor: seats of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    pub id: String,
    pub floor_id: String,
    pub name: String,
    pub kind: ZoneKind,
}

/// A seat with where it is and what it offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub id: String,
    pub zone_id: String,
    pub label: String,
    pub x: u32,
    pub y: u32,
    pub power: bool,
    pub accessible: bool,
}

/// A seat joined with its latest known state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatView {
    pub id: String,
    pub label: String,
    pub floor_id: String,
    pub zone_id: String,
    pub zone_kind: ZoneKind,
    pub x: u32,
    pub y: u32,
    pub power: bool,
    pub accessible: bool,
    /// `None` until the sensor feed has reported this seat.
    pub state: Option<SeatState>,
    pub since: Option<DateTime<Utc>>,
    pub sensor: Option<SensorHealth>,
}

impl SeatView {
    /// A ghost seat: away (belongings, nobody there) for at least `limit`.
    pub fn is_ghost(&self, now: DateTime<Utc>, limit: Duration) -> bool {
        match (self.state, self.since) {
            (Some(SeatState::Away), Some(since)) => now - since >= limit,
            _ => false,
        }
    }
}

/// Occupancy of a set of seats: taken (occupied + away) over those that can be used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occupancy {
    pub occupied: u32,
    pub away: u32,
    pub free: u32,
    pub reserved: u32,
    pub out_of_service: u32,
    pub unknown: u32,
    pub total: u32,
}

impl Occupancy {
    pub fn of<'a>(seats: impl IntoIterator<Item = &'a SeatView>) -> Self {
        let mut o = Occupancy::default();
        for seat in seats {
            o.total += 1;
            match seat.state {
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

    /// Share of seats taken, in [0, 1]; 0 for an empty set.
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            f64::from(self.occupied + self.away) / f64::from(self.total)
        }
    }
}

/// How many people are in a zone by a head count rather than by seats: a vendor that counts
/// people in a space (LibCal's utilisation of rooms booked as a whole, Occuspace's sensors)
/// reports this for zones it has no seat states for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneOccupancy {
    /// The zone counted.
    pub zone_id: String,
    /// People counted in the zone.
    pub count: u32,
    /// How many people the zone holds, when the source says.
    pub capacity: Option<u32>,
    /// When the count was taken.
    pub at: DateTime<Utc>,
}

impl ZoneOccupancy {
    /// Share of the capacity in use, in [0, ∞) (a crowded zone is above 1); `None` without a
    /// capacity or with a capacity of 0.
    pub fn ratio(&self) -> Option<f64> {
        self.capacity.filter(|c| *c > 0).map(|c| f64::from(self.count) / f64::from(c))
    }
}

/// A zone as people know it: its name from the layout with its id, `North reading room
/// (F0-Z1)`, since names repeat from floor to floor; `zone F0-Z1` when the name is unknown.
pub fn zone_label(id: &str, name: &str) -> String {
    if name.is_empty() { format!("zone {id}") } else { format!("{name} ({id})") }
}

/// One observed seat state, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatEvent {
    pub seat_id: String,
    pub state: SeatState,
    pub since: DateTime<Utc>,
    pub sensor: SensorHealth,
    pub observed: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(state: Option<SeatState>, since: Option<DateTime<Utc>>) -> SeatView {
        SeatView {
            id: "s1".into(),
            label: "A1".into(),
            floor_id: "f1".into(),
            zone_id: "z1".into(),
            zone_kind: ZoneKind::Quiet,
            x: 0,
            y: 0,
            power: false,
            accessible: false,
            state,
            since,
            sensor: Some(SensorHealth::Ok),
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for s in SeatState::ALL {
            assert_eq!(s.as_str().parse::<SeatState>().unwrap(), s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        let err = "ghost".parse::<SeatState>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown seat state 'ghost' (expected one of: free, occupied, away, reserved, out_of_service)"
        );
    }

    #[test]
    fn ghost_needs_away_for_at_least_the_limit() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z").unwrap().to_utc();
        let limit = Duration::minutes(30);
        assert!(
            seat(Some(SeatState::Away), Some(now - Duration::minutes(30))).is_ghost(now, limit)
        );
        assert!(
            !seat(Some(SeatState::Away), Some(now - Duration::minutes(29))).is_ghost(now, limit)
        );
        assert!(
            !seat(Some(SeatState::Occupied), Some(now - Duration::hours(3))).is_ghost(now, limit)
        );
        assert!(!seat(None, None).is_ghost(now, limit));
    }

    #[test]
    fn a_head_count_has_a_ratio_only_with_a_capacity() {
        let at = DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z").unwrap().to_utc();
        let z = |count, capacity| ZoneOccupancy { zone_id: "z".into(), count, capacity, at };
        assert_eq!(z(3, Some(4)).ratio(), Some(0.75));
        assert_eq!(z(6, Some(4)).ratio(), Some(1.5));
        assert_eq!(z(3, Some(0)).ratio(), None);
        assert_eq!(z(3, None).ratio(), None);
    }

    #[test]
    fn occupancy_counts_away_as_taken() {
        let seats = [
            seat(Some(SeatState::Occupied), None),
            seat(Some(SeatState::Away), None),
            seat(Some(SeatState::Free), None),
            seat(None, None),
        ];
        let o = Occupancy::of(&seats);
        assert_eq!((o.occupied, o.away, o.free, o.unknown, o.total), (1, 1, 1, 1, 4));
        assert!((o.ratio() - 0.5).abs() < 1e-12);
        assert_eq!(Occupancy::default().ratio(), 0.0);
    }
}
