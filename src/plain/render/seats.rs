//! What the plain console says of the Seats tab: the zones of every floor, the seats a query
//! narrows to, the ghost list, the seats the last find found, and one seat whole with its
//! history.
//!
//! May use: what `render` may; its shared lines.

use super::{Listing, clock, filtered};
use crate::domain::comfort::Measure;
use crate::domain::layout::{SeatState, SensorHealth, ZoneKind};
use crate::domain::units::{count, minutes_words};
use crate::tui::model::{ApiHealth, FloorView, SeatCell, ZoneView};
use crate::tui::state::{Overlay, State};
use crate::tui::theme::SeatMark;
use crate::tui::update;

/// What the seat list is narrowed to: `seats zone quiet free power` etc.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeatQuery {
    pub kind: Option<ZoneKind>,
    /// Zone or floor name contains this (case-insensitive).
    pub place: Option<String>,
    pub state: Option<SeatState>,
    pub power: bool,
    pub accessible: bool,
}

impl SeatQuery {
    /// The query in words, in the order of the find form: `quiet zone, in north, free, power`;
    /// `all seats` when it narrows nothing.
    pub fn describe(&self) -> String {
        let mut parts = vec![];
        if let Some(k) = self.kind {
            parts.push(format!("{k} zone"));
        }
        if let Some(place) = &self.place {
            parts.push(format!("in {place}"));
        }
        if let Some(s) = self.state {
            parts.push(SeatMark::of(Some(s), false).label().to_owned());
        }
        if self.power {
            parts.push("power".to_owned());
        }
        if self.accessible {
            parts.push("accessible".to_owned());
        }
        if parts.is_empty() { "all seats".to_owned() } else { parts.join(", ") }
    }

    fn matches(&self, floor: &FloorView, seat: &SeatCell) -> bool {
        let zone = floor.zones.get(seat.zone);
        let place_ok = self.place.as_ref().is_none_or(|p| {
            let p = p.to_lowercase();
            floor.name.to_lowercase().contains(&p)
                || zone.is_some_and(|z| z.name.to_lowercase().contains(&p))
        });
        self.kind.is_none_or(|k| zone.is_some_and(|z| z.kind == k))
            && place_ok
            && self.state.is_none_or(|s| seat.state == Some(s))
            && (!self.power || seat.power)
            && (!self.accessible || seat.accessible)
    }
}

/// A floor as said in a sentence: `floor Ground`, or its name alone when it says floor already.
fn floor_name(f: &FloorView) -> String {
    if f.name.is_empty() {
        format!("floor {}", f.id)
    } else if f.name.to_lowercase().contains("floor") {
        f.name.clone()
    } else {
        format!("floor {}", f.name)
    }
}

fn zone_name(z: Option<&ZoneView>) -> String {
    match z {
        Some(z) if z.name.is_empty() => format!("zone {}", z.id),
        Some(z) => z.name.clone(),
        None => "no zone".to_owned(),
    }
}

/// A seat by its label, and its id when that is different: what a user types is either.
fn seat_name(s: &SeatCell) -> String {
    if s.label.is_empty() || s.label == s.id {
        s.id.clone()
    } else {
        format!("{}, id {}", s.label, s.id)
    }
}

/// The seat's state and for how long: `free for 12 minutes`, `ghost seat, away for 95 minutes`.
fn seat_state(state: &State, s: &SeatCell) -> String {
    let word = if s.ghost { "ghost seat, away" } else { SeatMark::of(s.state, false).label() };
    match (s.state, s.since) {
        (Some(_), Some(since)) => {
            format!("{word} for {}", minutes_words((state.now() - since).num_minutes()))
        }
        _ => word.to_owned(),
    }
}

/// One seat: `1N-014, Reading room North, floor Ground, free for 12 minutes, power, accessible`.
pub(super) fn seat_line(state: &State, floor: &FloorView, s: &SeatCell) -> String {
    let mut parts = vec![
        seat_name(s),
        zone_name(floor.zones.get(s.zone)),
        floor_name(floor),
        seat_state(state, s),
    ];
    match s.sensor {
        Some(SensorHealth::Offline) => parts.push("sensor offline".to_owned()),
        Some(SensorHealth::Degraded) => parts.push("sensor degraded".to_owned()),
        _ => {}
    }
    if s.power {
        parts.push("power".to_owned());
    }
    if s.accessible {
        parts.push("accessible".to_owned());
    }
    parts.join(", ")
}

/// A measure's value with its unit: `21.0 degrees`, `1250 ppm`, `500 lux`, `38 dB`.
fn measured(m: Measure, v: f64) -> String {
    match m {
        Measure::Temperature => format!("{v:.1} degrees"),
        Measure::Co2 => format!("{v:.0} ppm"),
        Measure::Light => format!("{v:.0} lux"),
        Measure::Noise => format!("{v:.0} dB"),
    }
}

fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::Temperature => "temperature",
        Measure::Co2 => "CO2",
        Measure::Light => "light",
        Measure::Noise => "noise",
    }
}

/// A zone's comfort: what is out of range first (`CO2 high (1250 ppm)`), then the other
/// readings; a measure the source does not take is left out, as on the Seats tab.
fn comfort(z: &ZoneView) -> String {
    let Some((_, reading)) = z.comfort else { return "no comfort reading".to_owned() };
    let out: Vec<String> = z
        .out_of_range
        .iter()
        .map(|o| {
            let side = if o.value > o.high { "high" } else { "low" };
            format!("{} {side} ({})", measure_name(o.measure), measured(o.measure, o.value))
        })
        .collect();
    let rest: Vec<String> = reading
        .measures()
        .into_iter()
        .filter(|(m, _)| !z.out_of_range.iter().any(|o| o.measure == *m))
        .filter_map(|(m, v)| {
            let v = v?;
            Some(if m == Measure::Co2 { format!("CO2 {}", measured(m, v)) } else { measured(m, v) })
        })
        .collect();
    match (out.is_empty(), rest.is_empty()) {
        (true, _) => format!("comfort ok, {}", rest.join(", ")),
        (false, true) => out.join(", "),
        (false, false) => format!("{}, {}", out.join(", "), rest.join(", ")),
    }
}

/// How full a zone is, from its seats or, for a zone counted rather than seated, its head count.
fn fullness(z: &ZoneView) -> f64 {
    match &z.head_count {
        Some(h) if z.counted_only() => h.ratio().unwrap_or(0.0),
        _ => z.occupancy.ratio(),
    }
}

/// One zone: `Reading room North, floor Ground, quiet, 41 of 60 taken, CO2 high (1200 ppm)`.
fn zone_line(floor: &FloorView, z: &ZoneView) -> String {
    let mut parts = vec![zone_name(Some(z)), floor_name(floor)];
    match &z.head_count {
        Some(h) if z.counted_only() => {
            parts.push("counted".to_owned());
            parts.push(match h.capacity {
                Some(c) => format!("{} of {c} people", h.count),
                None => count(h.count, "person", "people"),
            });
        }
        _ => {
            let o = z.occupancy;
            parts.push(z.kind.as_str().to_owned());
            parts.push(format!("{} of {} taken", o.occupied + o.away, o.total));
        }
    }
    parts.push(comfort(z));
    parts.join(", ")
}

/// What the Seats tab says before the seats have been read.
const NO_SEATS_YET: &str = "Seats: waiting for the first seat data from the sensor feed";

/// Seats tab overview: the title counts seats taken, free, ghosts and sensor problems; the items
/// are the zones of every floor, those that need attention first (comfort out of range, then
/// the fullest).
pub fn seats_overview(state: &State) -> Listing {
    let Some(snap) = &state.seats.snapshot else { return Listing::empty(NO_SEATS_YET) };
    if snap.floors.is_empty() {
        return Listing::no_sensor_data(state, "Seats: no floors in the layout yet");
    }
    let t = snap.total;
    let mut facts = vec![];
    if t.total > 0 {
        facts.push(format!("{} of {} taken", t.occupied + t.away, t.total));
        facts.push(format!("{} free", t.free));
        facts.push(count(snap.ghosts.len(), "ghost seat", "ghost seats"));
    }
    let counted: Vec<u32> = snap
        .floors
        .iter()
        .flat_map(|f| f.zones.iter())
        .filter(|z| z.counted_only())
        .filter_map(|z| z.head_count.as_ref().map(|h| h.count))
        .collect();
    if !counted.is_empty() {
        facts.push(format!(
            "{} counted in zones without seats",
            count(counted.iter().sum::<u32>(), "person", "people")
        ));
    }
    let sensors = |h: SensorHealth| {
        snap.floors.iter().flat_map(|f| f.seats.iter()).filter(|s| s.sensor == Some(h)).count()
    };
    let offline = sensors(SensorHealth::Offline);
    if offline > 0 {
        facts.push(count(offline, "seat sensor offline", "seat sensors offline"));
    }
    let degraded = sensors(SensorHealth::Degraded);
    if degraded > 0 {
        facts.push(count(degraded, "seat sensor degraded", "seat sensors degraded"));
    }
    match state.health.sensor {
        ApiHealth::Stale { minutes } => {
            facts.push(format!("no new data from the sensors for {}", minutes_words(minutes)))
        }
        ApiHealth::Down => facts.push("the sensor API does not answer".to_owned()),
        _ => {}
    }
    let mut zones: Vec<(&FloorView, &ZoneView)> =
        snap.floors.iter().flat_map(|f| f.zones.iter().map(move |z| (f, z))).collect();
    // Stable: zones alike keep the layout's order.
    zones.sort_by(|(_, a), (_, b)| {
        a.out_of_range
            .is_empty()
            .cmp(&b.out_of_range.is_empty())
            .then(fullness(b).total_cmp(&fullness(a)))
    });
    let items: Vec<String> = zones.into_iter().map(|(f, z)| zone_line(f, z)).collect();
    if facts.is_empty() {
        facts.push("no seats in the layout".to_owned());
    }
    let mut title = format!("Seats: {}", facts.join(", "));
    if items.is_empty() {
        title.push_str(", and no zones");
    }
    Listing { title, items }
}

/// The seats matching `q`, in floor and zone order: `1N-014, Reading room North, floor Ground,
/// free for 12 minutes, power, accessible`.
pub fn seat_list(state: &State, q: &SeatQuery) -> Listing {
    let Some(snap) = &state.seats.snapshot else { return Listing::empty(NO_SEATS_YET) };
    let mut found: Vec<(usize, usize, &FloorView, &SeatCell)> = snap
        .floors
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| f.seats.iter().map(move |s| (fi, s.zone, f, s)))
        .filter(|(_, _, f, s)| q.matches(f, s))
        .collect();
    found.sort_by_key(|(fi, zi, _, _)| (*fi, *zi));
    let items: Vec<String> = found.iter().map(|(_, _, f, s)| seat_line(state, f, s)).collect();
    let title = if items.is_empty() {
        format!("No seat matches: {}", q.describe())
    } else if *q == SeatQuery::default() {
        format!("All {}", count(items.len(), "seat", "seats"))
    } else {
        format!("{}: {}", count(items.len(), "seat", "seats"), q.describe())
    };
    Listing { title, items }
}

/// The ghost seats as the ghost list shows them, longest away first, after the `/` filter.
pub fn ghosts(state: &State) -> Listing {
    let Some(snap) = &state.seats.snapshot else { return Listing::empty(NO_SEATS_YET) };
    let items: Vec<String> = update::seats::visible_ghosts(state)
        .into_iter()
        .filter_map(|g| {
            let floor = snap.floors.get(g.floor)?;
            Some(seat_line(state, floor, floor.seats.get(g.seat)?))
        })
        .collect();
    let title = match (items.is_empty(), state.filter.text.is_empty()) {
        (true, true) => "No ghost seats".to_owned(),
        (true, false) => format!("No ghost seat matches the filter {}", state.filter.text),
        (false, _) => filtered(
            state,
            format!(
                "{}: away for over {}, belongings left",
                count(items.len(), "ghost seat", "ghost seats"),
                minutes_words(i64::from(state.ghost_after_min))
            ),
        ),
    };
    Listing { title, items }
}

/// The free seats the last find found, in the order `next` goes through them.
pub fn found(state: &State) -> Listing {
    let criteria = state.seats.find.describe();
    let Some(snap) = &state.seats.snapshot else { return Listing::empty(NO_SEATS_YET) };
    let items: Vec<String> = state
        .seats
        .matches
        .iter()
        .filter_map(|&(fi, si)| {
            let floor = snap.floors.get(fi)?;
            Some(seat_line(state, floor, floor.seats.get(si)?))
        })
        .collect();
    let title = if items.is_empty() {
        format!("No free seats found for {criteria}")
    } else {
        format!("{} found: {criteria}", count(items.len(), "free seat", "free seats"))
    };
    Listing { title, items }
}

/// One seat's details, and its history when the seat-detail overlay holds it; `None` when no
/// seat has that id or label.
pub fn seat(state: &State, id: &str) -> Option<Vec<String>> {
    let (fi, si) = find_seat(state, id)?;
    let floor = state.seats.snapshot.as_ref()?.floors.get(fi)?;
    let s = floor.seats.get(si)?;
    let zone = floor.zones.get(s.zone);
    let name = if s.label == s.id {
        format!("seat {}", s.id)
    } else {
        format!("seat {}, id {}", s.label, s.id)
    };
    let kind = zone.map_or(String::new(), |z| format!(", {} zone", z.kind));
    let extras: Vec<&str> = [(s.power, "power socket"), (s.accessible, "wheelchair accessible")]
        .into_iter()
        .filter_map(|(has, what)| has.then_some(what))
        .collect();
    let state_now = match (s.state, s.since) {
        (Some(st), Some(since)) => format!(
            "now {} for {}{}, sensor {}",
            SeatMark::of(Some(st), false).label(),
            minutes_words((state.now() - since).num_minutes()),
            if s.ghost { ", a ghost seat" } else { "" },
            s.sensor.map_or("unknown", SensorHealth::as_str)
        ),
        _ => "no report yet".to_owned(),
    };
    let mut lines = vec![
        name,
        format!("{}, {}{kind}", floor_name(floor), zone_name(zone)),
        if extras.is_empty() { "no socket, not step-free".to_owned() } else { extras.join(", ") },
        state_now,
    ];
    if let Some(Overlay::SeatDetail { seat_id, history }) = &state.overlay
        && *seat_id == s.id
    {
        match history.as_deref() {
            None => lines.push("recent history: being read".to_owned()),
            Some([]) => lines.push("recent history: none stored".to_owned()),
            Some(events) => {
                lines
                    .push(format!("recent history, {}:", count(events.len(), "report", "reports")));
                lines.extend(events.iter().map(|e| {
                    format!(
                        "{}, {}, sensor {}",
                        clock(e.since, state),
                        SeatMark::of(Some(e.state), false).label(),
                        e.sensor.as_str()
                    )
                }));
            }
        }
    }
    Some(lines)
}

/// Finds a seat by its id, or by id or label whatever the case: (floor index, seat index).
pub fn find_seat(state: &State, id: &str) -> Option<(usize, usize)> {
    let snap = state.seats.snapshot.as_ref()?;
    let find = |hit: &dyn Fn(&SeatCell) -> bool| {
        snap.floors
            .iter()
            .enumerate()
            .find_map(|(fi, f)| f.seats.iter().position(hit).map(|si| (fi, si)))
    };
    let wanted = id.to_lowercase();
    find(&|s| s.id == id)
        .or_else(|| find(&|s| s.id.to_lowercase() == wanted || s.label.to_lowercase() == wanted))
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    use crate::domain::layout::SeatEvent;
    use crate::plain::render::tests::{has, state};
    use crate::tui::fixtures::{self, desk};
    use crate::tui::state::FindCriteria;

    #[test]
    fn the_seats_overview_counts_seats_and_puts_zones_out_of_comfort_first() {
        let s = state(desk());
        let t = s.seats.snapshot.as_ref().map(|x| x.total).unwrap_or_default();
        let l = seats_overview(&s);
        assert_eq!(
            l.title,
            format!(
                "Seats: {} of 240 taken, {} free, 12 ghost seats, 8 seat sensors offline",
                t.occupied + t.away,
                t.free
            )
        );
        assert_eq!(l.items.len(), 8, "every zone of both floors");
        assert_eq!(
            l.items[0],
            "group room 01, Floor 0, group, 17 of 30 taken, CO2 high (1250 ppm), 22.0 degrees, \
             500 lux, 38 dB"
        );
        assert!(l.items[1].starts_with("group room 11, Floor 1, group, 17 of 30 taken, CO2 high"));
        assert!(l.items[2].starts_with("silent room 03, Floor 0, silent, 17 of 30 taken"));
        assert!(l.items[7].contains("16 of 30 taken, comfort ok, 23.0 degrees, CO2 650 ppm"));
    }

    #[test]
    fn seats_say_in_words_when_there_is_nothing_to_say() {
        let mut s = state(desk());
        s.seats.snapshot = None;
        for l in [seats_overview(&s), ghosts(&s), found(&s), seat_list(&s, &SeatQuery::default())] {
            assert_eq!(l, Listing::empty(NO_SEATS_YET));
        }
        s.seats.snapshot = Some(fixtures::seats_snapshot(0, 0, false));
        s.health.sensor = ApiHealth::Off;
        let l = seats_overview(&s);
        assert_eq!(
            l.title,
            "Seats: no floors in the layout yet: this console has no sensor API to read."
        );
        assert!(l.items[0].contains("url under [feeds.sensor] in the configuration file"));
        s.health.sensor = ApiHealth::Waiting;
        assert_eq!(
            seats_overview(&s),
            Listing::empty(
                "Seats: no floors in the layout yet: waiting for the sensor API's first answer."
            )
        );
        s.seats.snapshot = Some(fixtures::seats_snapshot(1, 5, false));
        assert_eq!(ghosts(&s), Listing::empty("No ghost seats"));
    }

    #[test]
    fn the_seat_list_narrows_by_kind_place_state_and_extras_in_floor_order() {
        let s = state(desk());
        let q = SeatQuery {
            kind: Some(ZoneKind::Quiet),
            state: Some(SeatState::Free),
            power: true,
            ..Default::default()
        };
        let l = seat_list(&s, &q);
        assert_eq!(l.title, "4 seats: quiet zone, free, power");
        assert_eq!(
            l.items[0],
            "0-000, id F0-S0000, quiet room 00, Floor 0, free for 40 minutes, power, accessible"
        );
        assert!(l.items[2].starts_with("1-000, id F1-S0000, quiet room 10, Floor 1, free"));
        let q = SeatQuery {
            place: Some("ROOM 1".into()),
            state: Some(SeatState::OutOfService),
            ..Default::default()
        };
        assert_eq!(q.describe(), "in ROOM 1, out of service");
        let l = seat_list(&s, &q);
        assert!(!l.items.is_empty());
        assert!(l.items.iter().all(|i| i.contains(", Floor 1, out of service for 40 minutes")));
        assert_eq!(seat_list(&s, &SeatQuery::default()).title, "All 240 seats");
        let nowhere = SeatQuery { place: Some("annex".into()), ..Default::default() };
        assert_eq!(seat_list(&s, &nowhere), Listing::empty("No seat matches: in annex"));
        assert_eq!(SeatQuery::default().describe(), "all seats");
    }

    #[test]
    fn ghosts_are_listed_as_the_ghost_list_shows_them_after_the_filter() {
        let mut s = state(desk());
        let l = ghosts(&s);
        assert_eq!(l.title, "12 ghost seats: away for over 30 minutes, belongings left");
        assert_eq!(
            l.items[0],
            "0-007, id F0-S0007, group room 01, Floor 0, ghost seat, away for 1 hour 35 minutes, \
             accessible"
        );
        s.filter.text = "floor 1".into();
        let l = ghosts(&s);
        assert_eq!(l.items.len(), 6);
        assert!(l.title.ends_with("belongings left, filter: floor 1"));
        s.filter.text = "annex".into();
        assert_eq!(ghosts(&s), Listing::empty("No ghost seat matches the filter annex"));
    }

    #[test]
    fn found_lists_what_the_last_find_found() {
        let mut s = state(desk());
        assert_eq!(found(&s), Listing::empty("No free seats found for any zone"));
        s.seats.find =
            FindCriteria { kind: Some(ZoneKind::Silent), power: false, accessible: true };
        crate::tui::update::seats::find(&mut s);
        let l = found(&s);
        let n = s.seats.matches.len();
        assert!(n > 0);
        assert_eq!(
            l.title,
            format!("{} found: silent zone, accessible", count(n, "free seat", "free seats"))
        );
        assert!(l.items.iter().all(|i| i.contains(", silent room ")
            && i.contains(", free for ")
            && i.ends_with(", accessible")));
    }

    #[test]
    fn a_seat_is_found_by_id_or_label_and_said_with_its_history() {
        let mut s = state(desk());
        assert_eq!(find_seat(&s, "F1-S0007"), Some((1, 7)));
        assert_eq!(find_seat(&s, "f1-s0007"), Some((1, 7)));
        assert_eq!(find_seat(&s, "1-007"), Some((1, 7)));
        assert_eq!(find_seat(&s, "nowhere"), None);
        assert_eq!(seat(&s, "nowhere"), None);
        let base = [
            "seat 0-007, id F0-S0007",
            "Floor 0, group room 01, group zone",
            "wheelchair accessible",
            "now away for 1 hour 35 minutes, a ghost seat, sensor ok",
        ];
        assert_eq!(seat(&s, "0-007").unwrap_or_default(), base);
        s.overlay = Some(Overlay::SeatDetail { seat_id: "F0-S0007".into(), history: None });
        assert!(has(&seat(&s, "0-007").unwrap_or_default(), "recent history: being read"));
        let at = fixtures::now() - Duration::minutes(95);
        let event = SeatEvent {
            seat_id: "F0-S0007".into(),
            state: SeatState::Away,
            since: at,
            sensor: SensorHealth::Ok,
            observed: at,
        };
        s.overlay =
            Some(Overlay::SeatDetail { seat_id: "F0-S0007".into(), history: Some(vec![event]) });
        let lines = seat(&s, "0-007").unwrap_or_default();
        assert_eq!(lines[4..], ["recent history, 1 report:", "09:25, away, sensor ok"]);
        assert_eq!(seat(&s, "0-008").map(|l| l.len()), Some(4), "the history is 0-007's");
    }
}
