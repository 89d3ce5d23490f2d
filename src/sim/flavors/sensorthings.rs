//! The SensorThings flavour: the simulated library's comfort sensors as an OGC SensorThings
//! API 1.1 service shows them, under `/sensorthings/v1.1/`.
//!
//! - **Things** (`/Things`, `/Things(id)`): one per zone, id [`THING_BASE`] + the zone's number
//!   in the building, named as the zone; its `properties` name the zone id, floor and kind.
//! - **Datastreams** (`/Datastreams`, `/Datastreams(id)`, `/Things(id)/Datastreams`): one per
//!   zone and quantity, id [`datastream_id`] = 1000 + 10 × the zone's number + the quantity's
//!   (0 temperature in °C, 1 CO2 in ppm, 2 light in lx, 3 noise in dB), with its
//!   `unitOfMeasurement` and `properties` naming its zone and quantity: the mapping a
//!   configuration needs ([`datastreams`] gives it to tests; `carrel sim` prints the rule).
//! - **Observations** (`/Datastreams(id)/Observations`): one a minute for the last hour. The
//!   latest, at the current minute, is exactly the reading the own API's `/v1/environment`
//!   gives now; earlier ones are the comfort model at those minutes with the zone's present
//!   occupancy (the simulator keeps no history of its seats). Times are local with their offset
//!   (`phenomenonTime`) and in UTC (`resultTime`).
//!
//! Collections honour `$top` (default 100, at most 1000), `$skip`, `$count=true` and, for
//! observations, `$orderby=phenomenonTime [asc|desc]` (default ascending); a page with more
//! after it carries an absolute `@iot.nextLink` built from the request's `Host`. `$filter`,
//! `$expand` and `$select` are refused (400), as is any other `$orderby`. Every answer's `Date`
//! header is the simulated time, as a server living in that time would send it, so a client
//! judges freshness by the simulated clock. Errors are FROST-Server's
//! `{code, type: "error", message}`. No token is asked for: SensorThings services are commonly
//! open for reading.
//!
//! May use: server, library, the sim's models, domain, axum, serde_json.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{DATE, HOST};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use chrono::TimeZone;
use serde_json::{Value, json};

use crate::domain::comfort::Measure;
use crate::sim::calendar::{Secs, utc};
use crate::sim::environment::{Measures, reading};
use crate::sim::faults::Api;
use crate::sim::library::Library;
use crate::sim::server::{Reply, Shared, answer_unchecked, params};

/// Where the service root is mounted.
pub const ROOT: &str = "/sensorthings/v1.1";
/// Zone `n` is Thing `THING_BASE + n`.
pub const THING_BASE: u64 = 100;
/// Datastream ids begin here (see [`datastream_id`]).
pub const DATASTREAM_BASE: u64 = 1000;
/// Minutes of observations kept per datastream.
pub const HISTORY_MIN: i64 = 60;
const DEFAULT_TOP: usize = 100;
const MAX_TOP: usize = 1000;

/// The datastream of the zone numbered `zone` in the building and `measure`.
pub fn datastream_id(zone: usize, measure: Measure) -> u64 {
    DATASTREAM_BASE + 10 * zone as u64 + quantity_number(measure)
}

fn quantity_number(m: Measure) -> u64 {
    match m {
        Measure::Temperature => 0,
        Measure::Co2 => 1,
        Measure::Light => 2,
        Measure::Noise => 3,
    }
}

/// The zone number and measure of datastream `id`, if it is one of a building of `zones` zones.
fn datastream_of(id: u64, zones: usize) -> Option<(usize, Measure)> {
    let n = id.checked_sub(DATASTREAM_BASE)?;
    let zone = usize::try_from(n / 10).ok().filter(|z| *z < zones)?;
    let measure = Measure::ALL.get(usize::try_from(n % 10).ok()?).copied()?;
    Some((zone, measure))
}

/// Every datastream of the simulated library of `seats` seats: its id, zone id and measure,
/// zone by zone. A configuration's `[feeds.sensorthings.datastreams]` is this list.
pub fn datastreams(seats: u32) -> Vec<(u64, String, Measure)> {
    crate::sim::building::Building::new(seats)
        .zones
        .iter()
        .enumerate()
        .flat_map(|(z, zone)| {
            Measure::ALL.into_iter().map(move |m| (datastream_id(z, m), zone.id.clone(), m))
        })
        .collect()
}

/// The SensorThings routes.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(ROOT, get(root))
        .route(&format!("{ROOT}/"), get(root))
        .route(&format!("{ROOT}/{{*path}}"), get(resource))
}

/// A FROST-Server error.
fn error(status: StatusCode, message: impl Into<String>) -> Reply {
    let mut reply = Reply::ok(&json!({
        "code": status.as_u16(),
        "type": "error",
        "message": message.into(),
    }));
    reply.status = status;
    reply
}

/// `reply` with the simulated time `now` as its `Date`.
fn dated(mut reply: Reply, now: Secs) -> Reply {
    let text = utc(now).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    if let Ok(v) = HeaderValue::from_str(&text) {
        reply.headers.push((DATE, v));
    }
    reply
}

/// The absolute service root as the client reached it, from its `Host` header (a relative
/// root without one).
fn base(headers: &HeaderMap) -> String {
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).filter(|h| {
        h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
    });
    match host {
        Some(h) => format!("http://{h}{ROOT}"),
        None => ROOT.to_owned(),
    }
}

async fn root(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    answer_unchecked(&s, Api::Sensor, |s| {
        let base = base(&headers);
        let value: Vec<Value> = ["Things", "Datastreams"]
            .iter()
            .map(|n| json!({"name": n, "url": format!("{base}/{n}")}))
            .collect();
        let conformance = ["http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel"];
        dated(
            Reply::ok(&json!({"value": value, "serverSettings": {"conformance": conformance}})),
            s.with_library(|l| l.time()),
        )
    })
    .await
}

/// One segment of a resource path: an entity set, with an id when it names one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment<'a> {
    set: &'a str,
    id: Option<u64>,
}

/// `Things`, `Things(101)` or `Things('101')`; `None` for anything else.
fn segment(s: &str) -> Option<Segment<'_>> {
    match s.split_once('(') {
        None => Some(Segment { set: s, id: None }),
        Some((set, rest)) => {
            let inner = rest.strip_suffix(')')?;
            let inner =
                inner.strip_prefix('\'').and_then(|i| i.strip_suffix('\'')).unwrap_or(inner);
            Some(Segment { set, id: Some(inner.parse().ok()?) })
        }
    }
}

/// How a collection is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    top: usize,
    skip: usize,
    count: bool,
    /// Newest first (observations only).
    descending: bool,
    /// `$orderby` as given, repeated in next links.
    orderby: Option<String>,
}

fn options(q: &HashMap<String, String>, observations: bool) -> Result<Options, Reply> {
    for unsupported in ["$filter", "$expand", "$select"] {
        if q.contains_key(unsupported) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("{unsupported} is not supported by the simulator"),
            ));
        }
    }
    let number = |name: &str, default: usize| -> Result<usize, Reply> {
        match q.get(name) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| {
                error(StatusCode::BAD_REQUEST, format!("{name} must be a whole number, got '{v}'"))
            }),
        }
    };
    let top = number("$top", DEFAULT_TOP)?.min(MAX_TOP);
    let skip = number("$skip", 0)?;
    let count = match q.get("$count").map(|c| c.trim()) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("$count must be true or false, got '{other}'"),
            ));
        }
    };
    let orderby = q.get("$orderby").map(|o| o.split_whitespace().collect::<Vec<_>>().join(" "));
    let descending = match orderby.as_deref() {
        None => false,
        Some("phenomenonTime" | "phenomenonTime asc") if observations => false,
        Some("phenomenonTime desc") if observations => true,
        Some(other) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("$orderby '{other}' is not supported by the simulator"),
            ));
        }
    };
    Ok(Options { top, skip, count, descending, orderby })
}

/// A page of `records` for the collection at `path` under the service root `base`.
fn collection(records: Vec<Value>, o: &Options, base: &str, path: &str) -> Value {
    let total = records.len();
    let page: Vec<Value> = records.into_iter().skip(o.skip).take(o.top).collect();
    let mut out = serde_json::Map::new();
    if o.count {
        out.insert("@iot.count".into(), json!(total));
    }
    if o.top > 0 && o.skip.saturating_add(o.top) < total {
        let mut link = format!("{base}/{path}?$top={}&$skip={}", o.top, o.skip + o.top);
        if let Some(by) = &o.orderby {
            link.push_str(&format!("&$orderby={}", by.replace(' ', "%20")));
        }
        if o.count {
            link.push_str("&$count=true");
        }
        out.insert("@iot.nextLink".into(), json!(link));
    }
    out.insert("value".into(), Value::Array(page));
    Value::Object(out)
}

fn unit(m: Measure) -> Value {
    let (name, symbol, qudt) = match m {
        Measure::Temperature => ("degree Celsius", "°C", "DEG_C"),
        Measure::Co2 => ("parts per million", "ppm", "PPM"),
        Measure::Light => ("lux", "lx", "LUX"),
        Measure::Noise => ("decibel", "dB", "DeciB"),
    };
    json!({"name": name, "symbol": symbol, "definition": format!("http://qudt.org/vocab/unit/{qudt}")})
}

fn thing(l: &Library, z: usize, base: &str) -> Option<Value> {
    let zone = l.building.zones.get(z)?;
    let floor = l.building.floors.get(zone.floor)?;
    let id = THING_BASE + z as u64;
    Some(json!({
        "@iot.id": id,
        "@iot.selfLink": format!("{base}/Things({id})"),
        "name": zone.name,
        "description": format!("Comfort sensors of {} ({}), {}", zone.name, zone.id, floor.name),
        "properties": {"zone": zone.id, "floor": floor.name, "kind": zone.kind.as_str()},
        "Datastreams@iot.navigationLink": format!("{base}/Things({id})/Datastreams"),
    }))
}

fn datastream(l: &Library, z: usize, m: Measure, base: &str) -> Option<Value> {
    let zone = l.building.zones.get(z)?;
    let id = datastream_id(z, m);
    Some(json!({
        "@iot.id": id,
        "@iot.selfLink": format!("{base}/Datastreams({id})"),
        "name": format!("{} {}", zone.name, m.as_str()),
        "description": format!("{} in {} ({})", m.as_str(), zone.name, zone.id),
        "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        "unitOfMeasurement": unit(m),
        "properties": {"zone": zone.id, "quantity": m.as_str()},
        "Thing@iot.navigationLink": format!("{base}/Datastreams({id})/Thing"),
        "Observations@iot.navigationLink": format!("{base}/Datastreams({id})/Observations"),
    }))
}

fn value_of(m: &Measures, measure: Measure) -> f64 {
    match measure {
        Measure::Temperature => m.temperature_c,
        Measure::Co2 => m.co2_ppm,
        Measure::Light => m.light_lux,
        Measure::Noise => m.noise_db,
    }
}

/// The observations of zone `z`'s `measure`, oldest first: one a minute for the last hour, the
/// latest at the current minute with the reading of now.
fn observations(l: &Library, seed: u64, z: usize, measure: Measure, base: &str) -> Vec<Value> {
    let Some(zone) = l.building.zones.get(z) else { return Vec::new() };
    let cal = l.calendar();
    let tz = cal.tz();
    let now = l.time();
    let minute_start = now - now.rem_euclid(60);
    let taken = l.seats.taken_share(zone.seats.clone());
    let ds = datastream_id(z, measure);
    (0..HISTORY_MIN)
        .rev()
        .map(|k| {
            let at = minute_start - 60 * k;
            // The latest is the own API's reading of now; earlier ones, the model at that minute.
            let t = if k == 0 { now } else { at };
            let m = reading(seed, z, zone.kind, t, cal.minute_of(t), taken);
            let id = (at / 60) as u64 * 10_000 + ds % 10_000;
            let local =
                tz.timestamp_opt(at, 0).single().map(|t| t.to_rfc3339()).unwrap_or_default();
            json!({
                "@iot.id": id,
                "@iot.selfLink": format!("{base}/Observations({id})"),
                "phenomenonTime": local,
                "resultTime": utc(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "result": value_of(&m, measure),
                "Datastream@iot.navigationLink": format!("{base}/Observations({id})/Datastream"),
            })
        })
        .collect()
}

/// What a resource path asks for.
fn answer_path(
    l: &Library,
    seed: u64,
    path: &str,
    q: &HashMap<String, String>,
    base: &str,
) -> Reply {
    let zones = l.building.zones.len();
    let segments: Option<Vec<Segment<'_>>> =
        path.trim_end_matches('/').split('/').map(segment).collect();
    let Some(segments) = segments else {
        return error(StatusCode::BAD_REQUEST, format!("unreadable path '{path}'"));
    };
    let zone_of_thing = |id: u64| {
        id.checked_sub(THING_BASE).and_then(|z| usize::try_from(z).ok()).filter(|z| *z < zones)
    };
    let not_found = |set: &str, id: u64| {
        error(StatusCode::NOT_FOUND, format!("Nothing found: no {set} with id {id}"))
    };
    let listed = |records: Vec<Value>| match options(q, false) {
        Ok(o) => Reply::ok(&collection(records, &o, base, path.trim_end_matches('/'))),
        Err(r) => r,
    };
    match segments.as_slice() {
        [Segment { set: "Things", id: None }] => {
            listed((0..zones).filter_map(|z| thing(l, z, base)).collect())
        }
        [Segment { set: "Things", id: Some(id) }] => {
            match zone_of_thing(*id).and_then(|z| thing(l, z, base)) {
                Some(t) => Reply::ok(&t),
                None => not_found("Thing", *id),
            }
        }
        [Segment { set: "Things", id: Some(id) }, Segment { set: "Datastreams", id: None }] => {
            match zone_of_thing(*id) {
                Some(z) => listed(
                    Measure::ALL.into_iter().filter_map(|m| datastream(l, z, m, base)).collect(),
                ),
                None => not_found("Thing", *id),
            }
        }
        [Segment { set: "Datastreams", id: None }] => listed(
            (0..zones)
                .flat_map(|z| Measure::ALL.into_iter().map(move |m| (z, m)))
                .filter_map(|(z, m)| datastream(l, z, m, base))
                .collect(),
        ),
        [Segment { set: "Datastreams", id: Some(id) }] => {
            match datastream_of(*id, zones).and_then(|(z, m)| datastream(l, z, m, base)) {
                Some(d) => Reply::ok(&d),
                None => not_found("Datastream", *id),
            }
        }
        [
            Segment { set: "Datastreams", id: Some(id) },
            Segment { set: "Observations", id: None },
        ] => {
            let Some((z, m)) = datastream_of(*id, zones) else {
                return not_found("Datastream", *id);
            };
            let o = match options(q, true) {
                Ok(o) => o,
                Err(r) => return r,
            };
            let mut records = observations(l, seed, z, m, base);
            if o.descending {
                records.reverse();
            }
            Reply::ok(&collection(records, &o, base, path.trim_end_matches('/')))
        }
        _ => error(
            StatusCode::NOT_FOUND,
            format!(
                "the simulator serves Things, Datastreams and their Observations, not '{path}'"
            ),
        ),
    }
}

async fn resource(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    answer_unchecked(&s, Api::Sensor, |s| {
        let (Ok(Path(path)), Ok(q)) = (path, params(q)) else {
            return error(StatusCode::BAD_REQUEST, "unreadable path or query");
        };
        let base = base(&headers);
        s.with_library(|l| dated(answer_path(l, s.seed, &path, &q, &base), l.time()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datastream_ids_name_their_zone_and_quantity() {
        assert_eq!(datastream_id(0, Measure::Temperature), 1000);
        assert_eq!(datastream_id(3, Measure::Co2), 1031);
        assert_eq!(datastream_of(1031, 4), Some((3, Measure::Co2)));
        assert_eq!(datastream_of(1033, 4), Some((3, Measure::Noise)));
        assert_eq!(datastream_of(1034, 4), None);
        assert_eq!(datastream_of(1041, 4), None);
        assert_eq!(datastream_of(999, 4), None);
        let all = datastreams(600);
        assert_eq!(all.len() % 4, 0);
        assert_eq!(all[5].0, datastream_id(1, Measure::Co2));
    }

    #[test]
    fn paths_and_collection_options_are_read_as_odata_writes_them() {
        assert_eq!(segment("Things"), Some(Segment { set: "Things", id: None }));
        assert_eq!(
            segment("Datastreams(1031)"),
            Some(Segment { set: "Datastreams", id: Some(1031) })
        );
        assert_eq!(
            segment("Datastreams('1031')"),
            Some(Segment { set: "Datastreams", id: Some(1031) })
        );
        assert_eq!(segment("Datastreams(x)"), None);
        let q = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
        };
        let o = options(&q(&[("$orderby", "phenomenonTime  desc"), ("$top", "1")]), true).unwrap();
        assert_eq!((o.top, o.skip, o.descending), (1, 0, true));
        assert_eq!(options(&q(&[("$top", "5000")]), true).unwrap().top, MAX_TOP);
        for bad in [
            q(&[("$filter", "result gt 3")]),
            q(&[("$top", "-1")]),
            q(&[("$count", "yes")]),
            q(&[("$orderby", "result desc")]),
        ] {
            assert_eq!(options(&bad, true).unwrap_err().status, StatusCode::BAD_REQUEST, "{bad:?}");
        }
        assert!(options(&q(&[("$orderby", "phenomenonTime desc")]), false).is_err());
        let o = Options {
            top: 2,
            skip: 0,
            count: true,
            descending: true,
            orderby: Some("phenomenonTime desc".into()),
        };
        let page = collection(
            vec![json!(1), json!(2), json!(3)],
            &o,
            "http://h/sensorthings/v1.1",
            "Datastreams(1000)/Observations",
        );
        assert_eq!(
            page,
            json!({
                "@iot.count": 3,
                "@iot.nextLink": "http://h/sensorthings/v1.1/Datastreams(1000)/Observations?$top=2&$skip=2&$orderby=phenomenonTime%20desc&$count=true",
                "value": [1, 2],
            })
        );
        let last = Options { skip: 2, ..o };
        assert!(
            collection(vec![json!(1), json!(2), json!(3)], &last, "b", "p")
                .get("@iot.nextLink")
                .is_none()
        );
    }
}
