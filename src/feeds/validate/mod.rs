//! Record-by-record validation of API answers.
//!
//! An answer whose envelope does not parse is a failed fetch. Inside a good envelope, each
//! record is parsed and checked on its own: a bad record becomes a [`Rejection`] with its
//! reason (for the quarantine) and the good ones are kept. Every free-text string is cleaned
//! of control characters and cut to length here, before it can reach the store; identifiers
//! must match the strict id alphabet or the record is rejected.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::value::RawValue;

use super::http::FetchError;
use crate::domain::api::{
    ArrivalBucketDto, ArrivalsResponse, CatalogItemDto, CatalogPage, EnvironmentResponse, FloorDto,
    LayoutResponse, ModelInfo, RecommendationDto, RecommendationsResponse, SeatDto, SeatStatus,
    SeatsPage, ServicePointDto, ServicePointsResponse, ZoneDto, ZoneReading,
};
use crate::domain::arrivals::{ArrivalBucket, is_aligned};
use crate::domain::comfort::{Comfort, ZoneSample, plausible};
use crate::domain::layout::{Floor, Seat, Zone};
use crate::domain::sanitize::{MAX_TEXT_CHARS, clean_text, valid_id};
use crate::domain::service_point::ServicePoint;

/// How far ahead of the report's own time a timestamp may be before it is implausible.
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// A record that failed validation, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub reason: String,
    /// The record as received (JSON), for the quarantine; cleaned and cut there.
    pub record: String,
}

fn reject(reason: impl Into<String>, record: &RawValue) -> Rejection {
    Rejection { reason: reason.into(), record: cut(record.get()) }
}

fn envelope<'a, E: serde::Deserialize<'a>>(body: &'a [u8], what: &str) -> Result<E, FetchError> {
    serde_json::from_slice(body).map_err(|e| FetchError::Malformed(format!("{what}: {e}")))
}

fn record<'a, T: serde::Deserialize<'a>>(v: &'a RawValue, what: &str) -> Result<T, Rejection> {
    serde_json::from_str(v.get()).map_err(|e| reject(format!("{what}: {e}"), v))
}

fn id(s: &str, what: &str, v: &RawValue) -> Result<String, Rejection> {
    if valid_id(s) {
        Ok(s.to_owned())
    } else {
        Err(reject(format!("{what}: invalid id {:?}", clean_text(s, 40)), v))
    }
}

fn text(s: &str) -> String {
    clean_text(s, MAX_TEXT_CHARS)
}

fn not_future(
    t: DateTime<Utc>,
    now: DateTime<Utc>,
    what: &str,
    v: &RawValue,
) -> Result<(), Rejection> {
    if t > now + CLOCK_SKEW {
        Err(reject(format!("{what}: {t} is after the report time {now}"), v))
    } else {
        Ok(())
    }
}

/// The layout, validated. `complete` is false when any record was rejected: such a layout may
/// add and update, but must not retire what it does not list.
#[derive(Debug, Clone, Default)]
pub struct LayoutUpdate {
    pub generated_at: Option<DateTime<Utc>>,
    pub floors: Vec<Floor>,
    pub zones: Vec<Zone>,
    pub seats: Vec<Seat>,
    pub rejected: Vec<Rejection>,
    /// The source knows no seat positions (LibCal, for one): the store keeps the zone and
    /// position it holds for a seat it knows (from `carrel import layout`), and places a new
    /// seat in a grid in its zone; the `x` and `y` given here mean nothing.
    pub without_positions: bool,
}

impl LayoutUpdate {
    pub fn complete(&self) -> bool {
        self.rejected.is_empty()
    }
}

/// Largest grid coordinate accepted on a floor plan (the domain's, for the feeds' checks).
pub use crate::domain::layout::MAX_COORD;

pub fn layout(body: &[u8]) -> Result<LayoutUpdate, FetchError> {
    let page: LayoutResponse<&RawValue> = envelope(body, "layout")?;
    let mut out = LayoutUpdate { generated_at: Some(page.generated_at), ..Default::default() };
    // Floors, zones and seats are separate tables: an id need only be unique among its kind.
    let (mut floor_ids, mut zone_ids, mut seat_ids) =
        (HashSet::new(), HashSet::new(), HashSet::new());
    let mut cells = HashSet::new();
    for fv in &page.floors {
        let floor = match record::<FloorDto<&RawValue>>(fv, "floor").and_then(|f| {
            let fid = id(&f.id, "floor", fv)?;
            Ok((fid, f))
        }) {
            Ok(f) => f,
            Err(r) => {
                out.rejected.push(r);
                continue;
            }
        };
        let (fid, f) = floor;
        if !floor_ids.insert(fid.clone()) {
            out.rejected.push(reject(format!("floor: duplicate id {fid}"), fv));
            continue;
        }
        out.floors.push(Floor { id: fid.clone(), name: text(&f.name), level: f.level });
        for zv in &f.zones {
            let zone = record::<ZoneDto<&RawValue>>(zv, "zone")
                .and_then(|z| Ok((id(&z.id, "zone", zv)?, z)));
            let (zid, z) = match zone {
                Ok(z) => z,
                Err(r) => {
                    out.rejected.push(r);
                    continue;
                }
            };
            if !zone_ids.insert(zid.clone()) {
                out.rejected.push(reject(format!("zone: duplicate id {zid}"), zv));
                continue;
            }
            out.zones.push(Zone {
                id: zid.clone(),
                floor_id: fid.clone(),
                name: text(&z.name),
                kind: z.kind,
            });
            for sv in &z.seats {
                let checked = record::<SeatDto>(sv, "seat").and_then(|s| {
                    let sid = id(&s.id, "seat", sv)?;
                    if s.x > MAX_COORD || s.y > MAX_COORD {
                        return Err(reject(
                            format!("seat {sid}: position ({}, {}) beyond {MAX_COORD}", s.x, s.y),
                            sv,
                        ));
                    }
                    if !seat_ids.insert(sid.clone()) {
                        return Err(reject(format!("seat: duplicate id {sid}"), sv));
                    }
                    if !cells.insert((fid.clone(), s.x, s.y)) {
                        return Err(reject(
                            format!("seat {sid}: another seat is at ({}, {}) on {fid}", s.x, s.y),
                            sv,
                        ));
                    }
                    Ok(Seat {
                        id: sid,
                        zone_id: zid.clone(),
                        label: text(&s.label),
                        x: s.x,
                        y: s.y,
                        power: s.power,
                        accessible: s.accessible,
                    })
                });
                match checked {
                    Ok(s) => out.seats.push(s),
                    Err(r) => out.rejected.push(r),
                }
            }
        }
    }
    Ok(out)
}

/// A seats page, validated against the known seats.
#[derive(Debug, Clone)]
pub struct SeatsUpdate {
    pub generated_at: DateTime<Utc>,
    pub cursor: String,
    pub full: bool,
    pub seats: Vec<SeatStatus>,
    pub rejected: Vec<Rejection>,
}

pub fn seats(body: &[u8], known: &HashSet<String>) -> Result<SeatsUpdate, FetchError> {
    let page: SeatsPage<&RawValue> = envelope(body, "seats page")?;
    if page.cursor.len() > 256 || page.cursor.chars().any(crate::domain::sanitize::is_unsafe_char) {
        return Err(FetchError::Malformed("seats page: unusable cursor".into()));
    }
    let mut out = SeatsUpdate {
        generated_at: page.generated_at,
        cursor: page.cursor,
        full: page.full,
        seats: vec![],
        rejected: vec![],
    };
    let mut seen = HashSet::new();
    for v in &page.seats {
        let checked = seat_record(v, known, out.generated_at).and_then(|s| {
            if seen.insert(s.id.clone()) {
                Ok(s)
            } else {
                Err(reject(format!("seat state: {} twice in one page", s.id), v))
            }
        });
        match checked {
            Ok(s) => out.seats.push(s),
            Err(r) => out.rejected.push(r),
        }
    }
    Ok(out)
}

/// One seat's state as the API answered an action on it (a release), with the checks every
/// record of a seats page passes; `now` stands for the page's report time. A record that fails
/// them is a malformed answer, with the reason it would have been quarantined for.
pub fn seat_status(
    body: &[u8],
    known: &HashSet<String>,
    now: DateTime<Utc>,
) -> Result<SeatStatus, FetchError> {
    let v: &RawValue = envelope(body, "seat state")?;
    seat_record(v, known, now).map_err(|r| FetchError::Malformed(r.reason))
}

/// The check of one seat state: it parses, its id is well formed and names a known seat, and
/// its `since` is not after the report time `now`.
fn seat_record(
    v: &RawValue,
    known: &HashSet<String>,
    now: DateTime<Utc>,
) -> Result<SeatStatus, Rejection> {
    let s = record::<SeatStatus>(v, "seat state")?;
    let sid = id(&s.id, "seat state", v)?;
    if !known.contains(&sid) {
        return Err(reject(format!("seat state: unknown seat {sid}"), v));
    }
    not_future(s.since, now, "seat state since", v)?;
    Ok(SeatStatus { id: sid, ..s })
}

/// Comfort readings, validated against the known zones.
#[derive(Debug, Clone)]
pub struct EnvironmentUpdate {
    pub generated_at: DateTime<Utc>,
    pub samples: Vec<ZoneSample>,
    pub rejected: Vec<Rejection>,
}

pub fn environment(
    body: &[u8],
    known_zones: &HashSet<String>,
) -> Result<EnvironmentUpdate, FetchError> {
    let page: EnvironmentResponse<&RawValue> = envelope(body, "environment")?;
    let mut out =
        EnvironmentUpdate { generated_at: page.generated_at, samples: vec![], rejected: vec![] };
    for v in &page.readings {
        let checked = record::<ZoneReading>(v, "reading").and_then(|r| {
            let zid = id(&r.zone_id, "reading", v)?;
            if !known_zones.contains(&zid) {
                return Err(reject(format!("reading: unknown zone {zid}"), v));
            }
            not_future(r.at, out.generated_at, "reading time", v)?;
            let comfort = Comfort {
                temperature_c: Some(r.temperature_c),
                co2_ppm: Some(r.co2_ppm),
                light_lux: Some(r.light_lux),
                noise_db: Some(r.noise_db),
            };
            plausible(&comfort).map_err(|m| reject(format!("reading of {zid}: {m}"), v))?;
            Ok(ZoneSample { zone_id: zid, at: r.at, comfort })
        });
        match checked {
            Ok(s) => out.samples.push(s),
            Err(r) => out.rejected.push(r),
        }
    }
    Ok(out)
}

/// Head counts per zone (for zones counted rather than seated), validated: each zone once,
/// counts and capacities within [`MAX_ZONE_COUNT`], times not after the report's own. Made by
/// the vendor adapters that count people (LibCal's utilisation; Occuspace).
#[derive(Debug, Clone)]
pub struct OccupancyUpdate {
    /// When the source made the report.
    pub generated_at: DateTime<Utc>,
    /// One head count per zone.
    pub zones: Vec<crate::domain::layout::ZoneOccupancy>,
    /// The records that failed a check, and why.
    pub rejected: Vec<Rejection>,
}

/// The most people believable in one zone.
pub const MAX_ZONE_COUNT: u32 = 100_000;

impl OccupancyUpdate {
    /// An empty update at `generated_at`, to which [`OccupancyUpdate::push`] adds zones.
    pub fn new(generated_at: DateTime<Utc>) -> Self {
        Self { generated_at, zones: Vec::new(), rejected: Vec::new() }
    }

    /// Adds the count of one zone after checking it, or a [`Rejection`] with `record` (the
    /// record as the adapter re-serialised it from its wire type) saying why not.
    pub fn push(&mut self, zone: crate::domain::layout::ZoneOccupancy, record: &str) {
        let fail = |reason: String| Rejection { reason, record: cut(record) };
        let problem = if !valid_id(&zone.zone_id) {
            Some(format!("zone count: invalid zone id {:?}", clean_text(&zone.zone_id, 40)))
        } else if self.zones.iter().any(|z| z.zone_id == zone.zone_id) {
            Some(format!("zone count: {} twice in one report", zone.zone_id))
        } else if zone.count > MAX_ZONE_COUNT || zone.capacity.is_some_and(|c| c > MAX_ZONE_COUNT) {
            Some(format!("zone count of {}: beyond {MAX_ZONE_COUNT} people", zone.zone_id))
        } else if zone.at > self.generated_at + CLOCK_SKEW {
            Some(format!(
                "zone count of {}: {} is after the report time {}",
                zone.zone_id, zone.at, self.generated_at
            ))
        } else {
            None
        };
        match problem {
            Some(reason) => self.rejected.push(fail(reason)),
            None => self.zones.push(zone),
        }
    }
}

/// A record's text cut to what the quarantine keeps (4 KiB, on a character boundary).
pub fn cut(record: &str) -> String {
    let mut text = record.to_owned();
    if text.len() > 4096 {
        let mut at = 4096;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
    }
    text
}

/// Service windows and staff on duty, validated.
#[derive(Debug, Clone)]
pub struct ServicePointsUpdate {
    pub generated_at: DateTime<Utc>,
    pub staff_on_duty: Vec<String>,
    pub points: Vec<ServicePoint>,
    pub rejected: Vec<Rejection>,
}

/// Longest plausible mean service time: a whole day.
const MAX_SERVICE_S: f64 = 86_400.0;

pub fn service_points(body: &[u8]) -> Result<ServicePointsUpdate, FetchError> {
    let page: ServicePointsResponse<&RawValue> = envelope(body, "service points")?;
    let mut out = ServicePointsUpdate {
        generated_at: page.generated_at,
        staff_on_duty: vec![],
        points: vec![],
        rejected: vec![],
    };
    for login in &page.staff_on_duty {
        if valid_id(login) {
            out.staff_on_duty.push(login.clone());
        } else {
            let quoted = serde_json::to_string(login).unwrap_or_default();
            out.rejected
                .push(Rejection { reason: "staff on duty: invalid login".into(), record: quoted });
        }
    }
    let mut seen = HashSet::new();
    for v in &page.service_points {
        let checked = service_point_record(v, out.generated_at).and_then(|p| {
            if seen.insert(p.id.clone()) {
                Ok(p)
            } else {
                Err(reject(format!("service point: duplicate id {}", p.id), v))
            }
        });
        match checked {
            Ok(p) => out.points.push(p),
            Err(r) => out.rejected.push(r),
        }
    }
    Ok(out)
}

/// One service window as the API answered a change to it, with the checks every record of a
/// service points report passes; `at` stands for the report's time. A record that fails them
/// is a malformed answer, with the reason it would have been quarantined for.
pub fn service_point(body: &[u8], at: DateTime<Utc>) -> Result<ServicePoint, FetchError> {
    let v: &RawValue = envelope(body, "service point")?;
    service_point_record(v, at).map_err(|r| FetchError::Malformed(r.reason))
}

/// The check of one service window reported at `at`: it parses, its id and staff login are
/// well formed, its mean service time is plausible and its oldest waiting time not after `at`.
/// Strings are cleaned.
fn service_point_record(v: &RawValue, at: DateTime<Utc>) -> Result<ServicePoint, Rejection> {
    let p = record::<ServicePointDto>(v, "service point")?;
    let pid = id(&p.id, "service point", v)?;
    let staff = p.staff.as_deref().map(|s| id(s, "service point staff", v)).transpose()?;
    if !(p.mean_service_s.is_finite() && (0.0..=MAX_SERVICE_S).contains(&p.mean_service_s)) {
        return Err(reject(
            format!("service point {pid}: mean_service_s {} out of range", p.mean_service_s),
            v,
        ));
    }
    if let Some(t) = p.oldest_waiting_since {
        not_future(t, at, "oldest_waiting_since", v)?;
    }
    Ok(ServicePoint {
        id: pid,
        name: text(&p.name),
        service: text(&p.service),
        open: p.open,
        staff,
        queue_length: p.queue_length,
        oldest_waiting_since: p.oldest_waiting_since,
        served_today: p.served_today,
        mean_service_s: p.mean_service_s,
        updated_at: at,
    })
}

/// Arrival buckets, validated against the known windows.
#[derive(Debug, Clone)]
pub struct ArrivalsUpdate {
    pub step_s: u32,
    pub buckets: Vec<ArrivalBucket>,
    pub rejected: Vec<Rejection>,
}

/// Most arrivals believable at one window in one bucket.
const MAX_BUCKET_ARRIVALS: u32 = 100_000;

pub fn arrivals(
    body: &[u8],
    known_windows: &HashSet<String>,
    step_s: u32,
) -> Result<ArrivalsUpdate, FetchError> {
    let page: ArrivalsResponse<&RawValue> = envelope(body, "arrivals")?;
    if page.step_s != step_s {
        return Err(FetchError::Malformed(format!(
            "arrivals: asked for step {step_s} s, got {}",
            page.step_s
        )));
    }
    let mut out = ArrivalsUpdate { step_s, buckets: vec![], rejected: vec![] };
    let mut seen = HashSet::new();
    for v in &page.buckets {
        let checked = record::<ArrivalBucketDto>(v, "arrival bucket").and_then(|b| {
            let wid = id(&b.service_point_id, "arrival bucket", v)?;
            if !known_windows.contains(&wid) {
                return Err(reject(format!("arrival bucket: unknown window {wid}"), v));
            }
            if !is_aligned(b.start, step_s) {
                return Err(reject(
                    format!("arrival bucket: start {} not aligned to {step_s} s", b.start),
                    v,
                ));
            }
            if b.arrivals > MAX_BUCKET_ARRIVALS || b.served > MAX_BUCKET_ARRIVALS {
                return Err(reject(
                    format!("arrival bucket of {wid}: counts beyond {MAX_BUCKET_ARRIVALS}"),
                    v,
                ));
            }
            if let Some(w) = b.mean_wait_s
                && !(w.is_finite() && (0.0..=MAX_SERVICE_S).contains(&w))
            {
                return Err(reject(
                    format!("arrival bucket of {wid}: mean_wait_s {w} out of range"),
                    v,
                ));
            }
            if !seen.insert((wid.clone(), b.start)) {
                return Err(reject(format!("arrival bucket: {wid} at {} twice", b.start), v));
            }
            Ok(ArrivalBucket {
                service_point_id: wid,
                step_s,
                start: b.start,
                arrivals: b.arrivals,
                served: Some(b.served),
                mean_wait_s: b.mean_wait_s,
            })
        });
        match checked {
            Ok(b) => out.buckets.push(b),
            Err(r) => out.rejected.push(r),
        }
    }
    Ok(out)
}

/// A catalogue page, validated.
#[derive(Debug, Clone)]
pub struct CatalogUpdate {
    pub cursor: String,
    pub more: bool,
    pub items: Vec<CatalogItemDto>,
    pub rejected: Vec<Rejection>,
}

pub fn catalog(body: &[u8]) -> Result<CatalogUpdate, FetchError> {
    let page: CatalogPage<&RawValue> = envelope(body, "catalogue")?;
    if page.cursor.len() > 256 || page.cursor.chars().any(crate::domain::sanitize::is_unsafe_char) {
        return Err(FetchError::Malformed("catalogue: unusable cursor".into()));
    }
    let mut out =
        CatalogUpdate { cursor: page.cursor, more: page.more, items: vec![], rejected: vec![] };
    for v in &page.items {
        let checked = record::<CatalogItemDto>(v, "catalogue item").and_then(|i| {
            let iid = id(&i.id, "catalogue item", v)?;
            if !(0..=2100).contains(&i.year) {
                return Err(reject(
                    format!("catalogue item {iid}: year {} out of range", i.year),
                    v,
                ));
            }
            Ok(CatalogItemDto {
                id: iid,
                title: text(&i.title),
                subject: text(&i.subject),
                year: i.year,
            })
        });
        match checked {
            Ok(i) => out.items.push(i),
            Err(r) => out.rejected.push(r),
        }
    }
    Ok(out)
}

pub fn model(body: &[u8]) -> Result<ModelInfo, FetchError> {
    let m: ModelInfo = envelope(body, "model")?;
    let metrics = m
        .metrics
        .into_iter()
        .filter(|(_, v)| v.is_finite())
        .map(|(k, v)| (clean_text(&k, 64), v))
        .take(32)
        .collect();
    Ok(ModelInfo {
        version: clean_text(&m.version, 64),
        trained_at: m.trained_at,
        training_mode: clean_text(&m.training_mode, 64),
        sites: m.sites,
        metrics,
    })
}

/// Recommendations for one patron, validated.
#[derive(Debug, Clone)]
pub struct RecommendationsUpdate {
    pub model_version: String,
    pub items: Vec<RecommendationDto>,
    pub rejected: Vec<Rejection>,
}

pub fn recommendations(body: &[u8]) -> Result<RecommendationsUpdate, FetchError> {
    let page: RecommendationsResponse<&RawValue> = envelope(body, "recommendations")?;
    let mut out = RecommendationsUpdate {
        model_version: clean_text(&page.model_version, 64),
        items: vec![],
        rejected: vec![],
    };
    for v in &page.items {
        let checked = record::<RecommendationDto>(v, "recommendation").and_then(|r| {
            let iid = id(&r.item_id, "recommendation", v)?;
            if !r.score.is_finite() {
                return Err(reject(format!("recommendation {iid}: score is not a number"), v));
            }
            Ok(RecommendationDto {
                item_id: iid,
                title: text(&r.title),
                score: r.score,
                reasons: r.reasons.iter().take(8).map(|c| clean_text(c, 40)).collect(),
            })
        });
        match checked {
            Ok(r) => out.items.push(r),
            Err(r) => out.rejected.push(r),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
