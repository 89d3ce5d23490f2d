//! From LibCal's records to carrel's updates. Pure: the client fetches the pages, these
//! functions decide what they mean, so every rule here is tested with plain values.
//!
//! **Layout.** LibCal has no floors and no seat positions. Each configured location (`lid`)
//! is one floor, id the location id, name the location's, level its place in `location_ids`
//! (the first is level 0). Each LibCal zone is a zone, id the zone id, on the floor of the
//! location it was found in; seats without a zone go to the zone `{lid}:none` ("… (no
//! zone)"). Zones from the utilisation answer are listed too, so rooms counted without seats
//! have a zone to be counted in. LibCal says nothing of what a zone is for: every zone is
//! [`ZONE_KIND`] (a layout file can say otherwise). Seat ids are LibCal's seat ids, labels
//! its seat names, `isPowered` and `isAccessible` kept (absent: no); the update says it has
//! no positions, so the store keeps the ones a layout file gave.
//!
//! **Seat states**, from today's bookings at `now` (LibCal has no change cursor: each update
//! is a full one):
//!
//! | booking at `now` | seat state | since |
//! | --- | --- | --- |
//! | checked in, not yet ended | occupied | the booking's start (or `now`, if checked in early) |
//! | started, not checked in, less than `no_show_after_min` ago | reserved | the booking's start |
//! | started, not checked in, `no_show_after_min` or more ago | away (a ghost candidate) | the booking's start |
//! | none of the above | free | the end of the seat's last booking today, else local midnight |
//!
//! A cancelled booking is ignored; a checked-out one has ended (free from its start, the
//! check-out time being unknown). A no-show is away since its booking began: nobody has
//! been there since, while the seat was held. The console lists it as a ghost seat once that
//! is `[seats] ghost_after_min` ago, like any other away seat; with `no_show_after_min` at or
//! above `ghost_after_min`, a no-show is listed the moment it counts as one. Times are
//! instants: a booking's local time is read with its offset, so the hour repeated when
//! daylight saving ends is two different hours. Of two bookings of one seat at once (LibCal
//! should not allow it), the one with someone there wins: occupied over away over reserved.
//!
//! **Head counts**: per utilisation zone, the rooms booked as a whole (`bookableAsWhole`):
//! their `currentOccupancy` summed, and their capacity (`currentCapacity`, else
//! `maxCapacity`) summed when every one gives it. Zones without such rooms are left out: their
//! seats say how full they are.
//!
//! May use: domain, feeds::validate, the adapter's wire types.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::value::RawValue;

use super::wire::{
    self, BOOKING_FIELDS, Booking, SEAT_FIELDS, SPACE_FIELDS, Seat, UTILIZATION_ZONE_FIELDS,
    UtilizationSpace, UtilizationZone,
};
use crate::domain::api::SeatStatus;
use crate::domain::layout::{Floor, SeatState, SensorHealth, Zone, ZoneKind, ZoneOccupancy};
use crate::domain::sanitize::{MAX_TEXT_CHARS, clean_text};
use crate::feeds::validate::{LayoutUpdate, OccupancyUpdate, Rejection, SeatsUpdate};

/// The kind every LibCal zone is given: LibCal does not say what a zone is for.
pub const ZONE_KIND: ZoneKind = ZoneKind::Quiet;

/// The zone of a location's seats that LibCal puts in no zone.
pub fn unzoned(lid: u64) -> String {
    format!("{lid}:none")
}

fn text(s: &str) -> String {
    clean_text(s, MAX_TEXT_CHARS)
}

/// One configured location as fetched: its name (if LibCal listed it), its seats and the
/// zones of its utilisation answer.
#[derive(Debug, Default)]
pub struct LocationRecords {
    /// The location id.
    pub lid: u64,
    /// Its name as LibCal lists it (not yet cleaned).
    pub name: String,
    /// Its seats, every page.
    pub seats: Vec<Box<RawValue>>,
    /// The zones of its utilisation answer.
    pub zones: Vec<Box<RawValue>>,
}

/// The floors, zones and seats of `locations`, in their order.
pub fn layout(locations: &[LocationRecords], now: DateTime<Utc>) -> LayoutUpdate {
    let mut out = LayoutUpdate {
        generated_at: Some(now),
        without_positions: true,
        ..LayoutUpdate::default()
    };
    // Zone id → index in out.zones, to find a zone's floor.
    let mut zones: HashMap<String, usize> = HashMap::new();
    let mut seat_ids = HashSet::new();
    for (level, loc) in locations.iter().enumerate() {
        let floor_id = loc.lid.to_string();
        let floor_name = match text(&loc.name) {
            n if n.is_empty() => format!("Location {}", loc.lid),
            n => n,
        };
        out.floors.push(Floor {
            id: floor_id.clone(),
            name: floor_name.clone(),
            level: i32::try_from(level).unwrap_or(i32::MAX),
        });
        let mut add_zone = |out: &mut LayoutUpdate, id: String, name: &str| -> Result<(), String> {
            match zones.get(&id) {
                Some(&i) if out.zones[i].floor_id == floor_id => Ok(()),
                Some(&i) => Err(format!(
                    "zone {id} is in location {} and in location {floor_id}",
                    out.zones[i].floor_id
                )),
                None => {
                    zones.insert(id.clone(), out.zones.len());
                    let name = match text(name) {
                        n if n.is_empty() => format!("Zone {id}"),
                        n => n,
                    };
                    out.zones.push(Zone { id, floor_id: floor_id.clone(), name, kind: ZONE_KIND });
                    Ok(())
                }
            }
        };
        for raw in &loc.zones {
            match wire::record::<UtilizationZone>(raw, "zone", UTILIZATION_ZONE_FIELDS) {
                Ok(z) => {
                    if let Err(reason) = add_zone(&mut out, z.id.to_string(), &z.name) {
                        let record = serde_json::json!({"id": z.id, "name": z.name});
                        out.rejected.push(wire::rejection(reason, &record));
                    }
                }
                Err(r) => out.rejected.push(r),
            }
        }
        for raw in &loc.seats {
            let seat = match wire::record::<Seat>(raw, "seat", SEAT_FIELDS) {
                Ok(s) => s,
                Err(r) => {
                    out.rejected.push(r);
                    continue;
                }
            };
            let id = seat.id.to_string();
            if !seat_ids.insert(id.clone()) {
                out.rejected.push(wire::rejection(format!("seat: duplicate id {id}"), &seat));
                continue;
            }
            let zone_id = match &seat.zone {
                Some(z) => z.id.to_string(),
                None => unzoned(loc.lid),
            };
            let zone_name = match &seat.zone {
                Some(z) => z.name.clone(),
                None => format!("{floor_name} (no zone)"),
            };
            if let Err(reason) = add_zone(&mut out, zone_id.clone(), &zone_name) {
                out.rejected.push(wire::rejection(format!("seat {id}: {reason}"), &seat));
                continue;
            }
            let label = match text(&seat.name) {
                l if l.is_empty() => id.clone(),
                l => l,
            };
            out.seats.push(crate::domain::layout::Seat {
                id,
                zone_id,
                label,
                x: 0,
                y: 0,
                power: seat.is_powered.unwrap_or(false),
                accessible: seat.is_accessible.unwrap_or(false),
            });
        }
    }
    out
}

/// How bookings become seat states.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// A booking not checked in this long after it began is a no-show.
    pub no_show_after: Duration,
    /// The start of the library's day (local midnight): a seat with no booking today has been
    /// free since then.
    pub day_start: DateTime<Utc>,
}

/// Someone's claim on a seat at a moment; later variants win over earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Hold {
    Reserved,
    NoShow,
    CheckedIn,
}

impl Hold {
    fn state(self) -> SeatState {
        match self {
            Hold::Reserved => SeatState::Reserved,
            Hold::NoShow => SeatState::Away,
            Hold::CheckedIn => SeatState::Occupied,
        }
    }
}

/// What one booking says about its seat at `now`.
#[derive(Debug, Clone)]
struct Reading {
    seat: String,
    book_id: String,
    /// The claim it makes now, and since when.
    hold: Option<(Hold, DateTime<Utc>)>,
    /// When it stopped claiming the seat, if it has.
    ended: Option<DateTime<Utc>>,
}

/// Whether a patron has checked in for a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckIn {
    NotYet,
    In,
    Out,
}

/// `check_in_status` in any of the spellings seen (`Checked In`, `checked_in`, `In`, …);
/// absent or empty: not checked in.
fn check_in(status: Option<&str>) -> Result<CheckIn, String> {
    let word: String = status
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match word.as_str() {
        "" | "notcheckedin" | "notcheckin" | "no" | "pending" => Ok(CheckIn::NotYet),
        "checkedin" | "checkin" | "in" => Ok(CheckIn::In),
        "checkedout" | "checkout" | "out" => Ok(CheckIn::Out),
        _ => Err(format!(
            "unknown check-in status {:?} (expected Checked In, Checked Out or Not Checked In)",
            clean_text(status.unwrap_or(""), 40)
        )),
    }
}

/// A booking time: local with a UTC offset, as RFC 3339 (`2026-11-21T09:00:00-05:00`) or
/// without the colon in the offset (`-0500`). A time without an offset is refused: which
/// instant it means would be a guess.
pub fn booking_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::<FixedOffset>::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z"))
        .map(|t| t.to_utc())
        .map_err(|_| {
            format!(
                "{:?} is not a time with a UTC offset (2026-11-21T09:00:00-05:00)",
                clean_text(s, 40)
            )
        })
}

fn cancelled(b: &Booking) -> bool {
    let by_time = match &b.cancelled {
        None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => false,
        Some(serde_json::Value::String(s)) => !s.trim().is_empty(),
        Some(_) => true,
    };
    by_time
        || b.status.as_deref().is_some_and(|s| s.trim().to_ascii_lowercase().starts_with("cancel"))
}

/// What `b` says at `now`; `None` for a booking of no seat, or a cancelled one.
fn read(b: &Booking, now: DateTime<Utc>, rules: &Rules) -> Result<Option<Reading>, String> {
    let Some(seat) = b.seat_id else { return Ok(None) };
    if cancelled(b) {
        return Ok(None);
    }
    let from = booking_time(&b.from_date).map_err(|e| format!("fromDate: {e}"))?;
    let to = booking_time(&b.to_date).map_err(|e| format!("toDate: {e}"))?;
    if to <= from {
        return Err(format!("ends ({to}) before it begins ({from})"));
    }
    let status = check_in(b.check_in_status.as_deref())?;
    let mut r =
        Reading { seat: seat.to_string(), book_id: b.book_id.clone(), hold: None, ended: None };
    match status {
        CheckIn::In if now < to => r.hold = Some((Hold::CheckedIn, from.min(now))),
        CheckIn::Out => r.ended = Some(from.min(now)),
        _ if now >= to => r.ended = Some(to),
        CheckIn::NotYet if now >= from => {
            let hold =
                if now - from >= rules.no_show_after { Hold::NoShow } else { Hold::Reserved };
            r.hold = Some((hold, from));
        }
        // Not begun yet: the seat is someone else's to use until then.
        _ => {}
    }
    Ok(Some(r))
}

/// Every booking's reading, with a rejection for each booking that cannot be read or names a
/// seat not in `known`. A booking listed twice (pages that shifted) counts once.
fn readings(
    bookings: &[Box<RawValue>],
    known: &HashSet<String>,
    now: DateTime<Utc>,
    rules: &Rules,
) -> (Vec<Reading>, Vec<Rejection>) {
    let (mut out, mut rejected) = (Vec::new(), Vec::new());
    let mut seen = HashSet::new();
    for raw in bookings {
        let b = match wire::record::<Booking>(raw, "booking", BOOKING_FIELDS) {
            Ok(b) => b,
            Err(r) => {
                rejected.push(r);
                continue;
            }
        };
        let name = clean_text(&b.book_id, 40);
        match read(&b, now, rules) {
            Ok(Some(r)) if !known.contains(&r.seat) => rejected
                .push(wire::rejection(format!("booking {name}: unknown seat {}", r.seat), &b)),
            Ok(Some(r)) if seen.insert(b.book_id.clone()) => out.push(r),
            Ok(_) => {}
            Err(reason) => rejected.push(wire::rejection(format!("booking {name}: {reason}"), &b)),
        }
    }
    (out, rejected)
}

/// The state of every seat in `known` at `now`, from the day's `bookings`.
pub fn seats(
    bookings: &[Box<RawValue>],
    known: &HashSet<String>,
    now: DateTime<Utc>,
    rules: &Rules,
) -> SeatsUpdate {
    let (readings, rejected) = readings(bookings, known, now, rules);
    let mut held: HashMap<&str, (Hold, DateTime<Utc>)> = HashMap::new();
    let mut free_since: HashMap<&str, DateTime<Utc>> = HashMap::new();
    for r in &readings {
        if let Some((hold, since)) = r.hold {
            let slot = held.entry(r.seat.as_str()).or_insert((hold, since));
            // The stronger claim; of two equal ones, the earlier.
            if hold > slot.0 || (hold == slot.0 && since < slot.1) {
                *slot = (hold, since);
            }
        }
        if let Some(end) = r.ended {
            let slot = free_since.entry(r.seat.as_str()).or_insert(end);
            *slot = (*slot).max(end);
        }
    }
    let ordered: BTreeMap<&str, ()> = known.iter().map(|s| (s.as_str(), ())).collect();
    let seats = ordered
        .keys()
        .map(|&id| {
            let (state, since) = match held.get(id) {
                Some(&(hold, since)) => (hold.state(), since),
                None => (
                    SeatState::Free,
                    free_since.get(id).copied().unwrap_or(rules.day_start).max(rules.day_start),
                ),
            };
            SeatStatus { id: id.to_owned(), state, since: since.min(now), sensor: SensorHealth::Ok }
        })
        .collect();
    SeatsUpdate { generated_at: now, cursor: String::new(), full: true, seats, rejected }
}

/// The booking that makes `seat` a no-show at `now`, if one does: the one to cancel to
/// release it.
pub fn no_show_booking(
    bookings: &[Box<RawValue>],
    seat: &str,
    now: DateTime<Utc>,
    rules: &Rules,
) -> Option<String> {
    let known: HashSet<String> = [seat.to_owned()].into();
    let (readings, _) = readings(bookings, &known, now, rules);
    let holds: Vec<&Reading> = readings.iter().filter(|r| r.hold.is_some()).collect();
    // Someone there, or a reservation still in its grace time: not a no-show.
    if holds.iter().any(|r| r.hold.is_some_and(|(h, _)| h != Hold::NoShow)) {
        return None;
    }
    holds.first().map(|r| r.book_id.clone())
}

/// Head counts of the rooms booked as a whole, per utilisation zone of every location.
pub fn occupancy(zones: &[Box<RawValue>], now: DateTime<Utc>) -> OccupancyUpdate {
    let mut out = OccupancyUpdate::new(now);
    for raw in zones {
        let zone = match wire::record::<UtilizationZone>(raw, "zone", UTILIZATION_ZONE_FIELDS) {
            Ok(z) => z,
            Err(r) => {
                out.rejected.push(r);
                continue;
            }
        };
        let (mut count, mut capacity, mut rooms) = (0u32, Some(0u32), 0);
        for raw in &zone.spaces {
            let space = match wire::record::<UtilizationSpace>(raw, "space", SPACE_FIELDS) {
                Ok(s) => s,
                Err(r) => {
                    out.rejected.push(r);
                    continue;
                }
            };
            if space.bookable_as_whole != Some(true) {
                continue;
            }
            rooms += 1;
            count = count.saturating_add(space.current_occupancy);
            let room = space.current_capacity.or(space.max_capacity);
            capacity = capacity.zip(room).map(|(a, b)| a.saturating_add(b));
        }
        if rooms == 0 {
            continue;
        }
        let record = serde_json::json!({"id": zone.id, "name": zone.name}).to_string();
        out.push(ZoneOccupancy { zone_id: zone.id.to_string(), count, capacity, at: now }, &record);
    }
    out
}

#[cfg(test)]
mod tests;
