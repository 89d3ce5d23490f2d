//! What the plain console says of each tab: short lines, most important first, lists as a
//! title and items the session numbers and pages ("3 of 12: ..."). Pure: `&State` in, text out.
//!
//! The lines are for a screen reader and a dumb terminal: facts separated by commas, no columns,
//! no colour, and only ASCII words for what is added here (no glyphs, bars, arrows or "ε"); text
//! from the data passes as it is, since the session strips control characters from all it
//! prints. Each tab says the facts of its full-screen view, in the view's words for states and
//! refusals. A list item names the id a user types to act on it, and the items of a list come in
//! the order of the tab's own list, so that an item's number is the row it selects.
//!
//! May use: the console's state and its `update` helpers (which rows a list shows), the views'
//! text helpers that return plain strings, the domain's units; never ratatui.

use chrono::{DateTime, Duration, Timelike, Utc};

use crate::domain::comfort::Measure;
use crate::domain::governance::{DataRequest, LedgerLine, ReviewSource, Scope};
use crate::domain::layout::{SeatState, SensorHealth, ZoneKind};
use crate::domain::policy::{POLICY, Permission};
use crate::domain::quorum::RequestState;
use crate::domain::staff::Party;
use crate::domain::units::{clock_skew, count, human_bytes};
use crate::services::desk::Gate;
use crate::services::queues::{Advice, ServiceQueue, SlotPlan, WindowNow};
use crate::services::review::ReviewCase;
use crate::tui::keymap::Action;
use crate::tui::model::{ApiHealth, FloorView, SeatCell, SystemSnapshot, ZoneView};
use crate::tui::state::{GovRow, GovView, Overlay, PatronRecs, State, Tab};
use crate::tui::theme::SeatMark;
use crate::tui::update;
use crate::tui::update::governance as gov;
use crate::tui::view::day_time;

/// A list for the pager: the title says what it is and what matters most; the items are
/// numbered by the session ("3 of 12: ...") and paged with `more`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub title: String,
    pub items: Vec<String>,
}

impl Listing {
    /// A list with nothing in it, whose title says why.
    fn empty(title: impl Into<String>) -> Listing {
        Listing { title: title.into(), items: vec![] }
    }

    /// What a tab fed by the sensor API says when it has nothing from it: the first line is the
    /// title, the advice after it the items.
    fn no_sensor_data(state: &State, what: &str) -> Listing {
        let mut lines = no_sensor_data(state, what);
        let title = lines.remove(0);
        Listing { title, items: lines }
    }
}

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

// ---- Words for quantities and times ----

/// Minutes in words, on the console's breakpoints (`view::age_minutes`): `3 minutes`,
/// `2 hours 5 minutes`, `3 days`. The console's short forms (`3m`, `2h05m`) are read aloud as
/// metres and letters, so the plain console says the words.
fn minutes_words(minutes: i64) -> String {
    let m = minutes.max(0);
    match m {
        ..60 => count(m, "minute", "minutes"),
        60..1440 => {
            let hours = count(m / 60, "hour", "hours");
            match m % 60 {
                0 => hours,
                rest => format!("{hours} {}", count(rest, "minute", "minutes")),
            }
        }
        _ => count(m / 1440, "day", "days"),
    }
}

/// A duration to the second in words, for schedules: `5 seconds`, `2 minutes 30 seconds`,
/// `2 hours`; from an hour on, as [`minutes_words`].
fn duration_words(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match (s / 60, s % 60) {
        (0, sec) => count(sec, "second", "seconds"),
        (m, sec) if m < 60 && sec > 0 => {
            format!("{} {}", minutes_words(m), count(sec, "second", "seconds"))
        }
        (m, _) => minutes_words(m),
    }
}

/// How long ago, as `units::ago` says it but in words: `just now` under a minute, else
/// `12 minutes ago`.
fn ago(d: Duration) -> String {
    if d < Duration::minutes(1) {
        "just now".to_owned()
    } else {
        format!("{} ago", minutes_words(d.num_minutes()))
    }
}

/// An expected wait in words: `under a minute`, `about 6 minutes`; `overloaded` where the queue
/// grows without bound (`None`), as the Queues tab says.
fn wait(seconds: Option<f64>) -> String {
    match seconds {
        None => "overloaded".to_owned(),
        Some(s) if !s.is_finite() => "unknown".to_owned(),
        Some(s) if s < 60.0 => "under a minute".to_owned(),
        Some(s) => format!("about {}", minutes_words((s / 60.0).round() as i64)),
    }
}

/// A time of day in the library's zone, `14:02`; on another day than today with the day, as
/// `view::day_time` writes it (`03 Dec 14:02`).
fn clock(t: DateTime<Utc>, state: &State) -> String {
    let local = t.with_timezone(&state.tz);
    if local.date_naive() == state.now().with_timezone(&state.tz).date_naive() {
        local.format("%H:%M").to_string()
    } else {
        day_time(t, state)
    }
}

/// What a tab fed by the sensor API says when it has nothing from it, in the words of
/// `view::no_sensor_data`: why, and what to do.
fn no_sensor_data(state: &State, what: &str) -> Vec<String> {
    match state.health.sensor {
        ApiHealth::Off => {
            let file =
                state.config_file.clone().unwrap_or_else(|| "the configuration file".to_owned());
            vec![
                format!("{what}: this console has no sensor API to read."),
                format!(
                    "Give it one with url under [feeds.sensor] in {file} (or CARREL_SENSOR_URL, \
                     or --sensor-url) and start carrel again; `carrel config check` prints the \
                     configuration in effect."
                ),
                "Or try `carrel demo`: a simulated library on a demo database of its own."
                    .to_owned(),
            ]
        }
        ApiHealth::Waiting => vec![format!("{what}: waiting for the sensor API's first answer.")],
        ApiHealth::Down => {
            vec![format!("{what}: the sensor API does not answer (the System tab says why).")]
        }
        ApiHealth::Ok | ApiHealth::Stale { .. } => {
            vec![format!("{what}: the sensor API has not reported any.")]
        }
    }
}

/// `title`, and the `/` filter when one narrows the list.
fn filtered(state: &State, title: String) -> String {
    if state.filter.text.is_empty() {
        title
    } else {
        format!("{title}, filter: {}", state.filter.text)
    }
}

// ---- Seats ----

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
fn seat_line(state: &State, floor: &FloorView, s: &SeatCell) -> String {
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

// ---- Queues ----

/// One window: `circ-3, Circulation desk 3, open, eli, 5 waiting, wait about 13 minutes,
/// 23 served today`.
fn window_line(w: &WindowNow) -> String {
    let p = &w.point;
    let mut parts = vec![
        p.id.clone(),
        p.name.clone(),
        if p.open { "open" } else { "closed" }.to_owned(),
        p.staff.clone().unwrap_or_else(|| "no staff".to_owned()),
    ];
    if p.queue_length == 0 {
        parts.push("nobody waiting".to_owned());
    } else {
        parts.push(format!("{} waiting", p.queue_length));
        if let Some(s) = w.wait_now_s {
            parts.push(format!("wait {}", wait(Some(s))));
        }
    }
    parts.push(format!("{} served today", p.served_today));
    parts.join(", ")
}

/// The "do now" line: `open Circulation desk 4, window circ-4, expected wait about 14 minutes,
/// then about 2 minutes`.
fn advice_words(a: &Advice) -> String {
    if a.action == "short" {
        format!(
            "{} needs a window more than it has, expected wait {}, with one more {}",
            a.window_name,
            wait(a.wait_now_s),
            wait(a.wait_after_s)
        )
    } else {
        format!(
            "{} {}, window {}, expected wait {}, then {}",
            a.action,
            a.window_name,
            a.window,
            wait(a.wait_now_s),
            wait(a.wait_after_s)
        )
    }
}

/// The forecast of a service in words: arrivals per hour ahead, the peak slot with its interval,
/// and the windows needed against those open.
fn forecast(slots: &[SlotPlan], open: u32, state: &State) -> String {
    let Some(peak) = slots.iter().max_by(|a, b| a.arrivals.total_cmp(&b.arrivals)) else {
        return "no forecast yet (it needs a few weeks of arrivals)".to_owned();
    };
    let step = slots.get(1).map_or(15, |n| (n.start - slots[0].start).num_minutes());
    // Arrivals per hour of the library's clock, each from the first slot forecast in it.
    let mut hours: Vec<(u32, DateTime<Utc>, f64)> = vec![];
    for s in slots {
        let hour = s.start.with_timezone(&state.tz).hour();
        match hours.last_mut() {
            Some((h, _, sum)) if *h == hour => *sum += s.arrivals,
            _ => hours.push((hour, s.start, s.arrivals)),
        }
    }
    let hourly: Vec<String> = hours
        .iter()
        .map(|(_, from, sum)| format!("{sum:.0} from {}", clock(*from, state)))
        .collect();
    let most = slots.iter().map(|s| s.recommended).max().unwrap_or(0);
    let mut text = format!(
        "expected arrivals per hour: {}; the busiest {step} minutes from {}, {:.0} (between \
         {:.0} and {:.0}); {} needed at most, {open} open now",
        hourly.join(", "),
        clock(peak.start, state),
        peak.arrivals,
        peak.lower,
        peak.upper,
        count(most, "window", "windows"),
    );
    let mut short = slots.iter().filter(|s| s.recommended > open);
    if let Some(first) = short.next() {
        let last = short.next_back().unwrap_or(first);
        let end = last.start + Duration::minutes(step);
        text.push_str(&format!(
            ", more than open from {} to {}",
            clock(first.start, state),
            clock(end, state)
        ));
    }
    text
}

/// A service: its windows open, handling time, the wait now, and its forecast.
fn service_line(s: &ServiceQueue, state: &State) -> String {
    let mut parts = vec![
        format!("{}: {} of {} windows open", s.service, s.open, s.windows.len()),
        format!("handling takes {}", wait(Some(s.aht_s))),
    ];
    if let Some(now) = &s.now {
        parts.push(match now.expected.mean_wait_s() {
            Some(w) => format!("mean wait now {}", wait(Some(w))),
            None => "overloaded now".to_owned(),
        });
    }
    parts.push(forecast(&s.slots, s.open, state));
    parts.join(", ")
}

/// Queues tab: the title says who waits, for how long at most, and what to do now; the items
/// are the windows as the tab lists them (after the filter), then each service with its
/// forecast, then the service target.
pub fn queues(state: &State) -> Listing {
    let Some(o) = &state.queues.overview else {
        return Listing::empty("Queues: reading the queues");
    };
    if o.services.is_empty() {
        return Listing::no_sensor_data(state, "Queues: no service windows yet");
    }
    let now = state.now();
    let all: Vec<&WindowNow> = o.services.iter().flat_map(|s| s.windows.iter()).collect();
    let waiting: u32 = all.iter().map(|w| w.point.queue_length).sum();
    let mut facts = vec![];
    if waiting == 0 {
        facts.push("nobody waiting".to_owned());
    } else {
        facts.push(format!("{waiting} waiting"));
        if let Some(s) = all.iter().filter_map(|w| w.point.oldest_wait_s(now)).max() {
            facts.push(format!("the longest waiting for {}", minutes_words(s / 60)));
        }
    }
    let open = all.iter().filter(|w| w.point.open).count();
    facts.push(format!("{open} of {} windows open", all.len()));
    let mut title = format!("Queues: {}", facts.join(", "));
    for a in o.services.iter().filter_map(|s| s.advice.as_ref()) {
        title.push_str(&format!(". Do now: {}", advice_words(a)));
    }
    let shown = update::queues::windows(state);
    if shown.is_empty() && !state.filter.text.is_empty() {
        title.push_str(&format!(". No window matches the filter {}", state.filter.text));
    } else if !state.filter.text.is_empty() {
        title.push_str(&format!(". Filter: {}", state.filter.text));
    }
    let mut items: Vec<String> = shown.into_iter().map(window_line).collect();
    items.extend(o.services.iter().map(|s| service_line(s, state)));
    let t = &o.target;
    items.push(format!(
        "target: {:.0} percent served within {}, windows at most {:.0} percent busy",
        t.share * 100.0,
        minutes_words((t.within_s / 60.0).round() as i64),
        t.max_occupancy * 100.0
    ));
    Listing { title, items }
}

// ---- Alerts ----

/// A rule's name in words: `bulk access`.
fn rule_words(r: crate::domain::rules::Rule) -> String {
    r.as_str().replace('-', " ")
}

/// What an alert is about, as `alerts::subject` says it, with commas between the parts.
fn subject(key: &str, state: &State) -> String {
    let mut parts = key.split(':').map(|p| crate::domain::alerts::subject(p, state.tz));
    let head = parts.next().unwrap_or_default();
    let rest: Vec<String> = parts.collect();
    if rest.is_empty() { head } else { format!("{head} {}", rest.join(", ")) }
}

/// One alert: `alert 6, high, bulk access, acknowledged, 10:48, sam read 412 patron records`.
fn alert_line(a: &crate::domain::alerts::Alert, state: &State) -> String {
    format!(
        "alert {}, {}, {}, {}, {}, {}",
        a.id,
        a.severity,
        rule_words(a.rule),
        a.state.as_str(),
        clock(a.last_seen, state),
        a.summary
    )
}

const ALERTS_HIDDEN: &str =
    "Alerts: privacy-risk alerts are shown to sysadmins, committee members and auditors.";

/// Alerts tab: the title counts the alerts listed and the most severe; the items are the list's
/// alerts, most severe and most recent first, after the filter.
pub fn alerts(state: &State) -> Listing {
    use crate::domain::rules::Severity;
    if !state.viewer.sees_alerts() {
        return Listing::empty(ALERTS_HIDDEN);
    }
    if state.alerts.list.is_none() {
        return Listing::empty("Alerts: reading the alerts");
    }
    let shown = update::alerts::visible(state);
    let which = state.alerts.state_filter.map_or("active", |s| s.as_str());
    let title = if shown.is_empty() {
        if state.filter.text.is_empty() {
            format!("No {which} alerts: the privacy rules found nothing")
        } else {
            format!("No alert matches the filter {}", state.filter.text)
        }
    } else {
        let mut facts =
            vec![count(shown.len(), &format!("{which} alert"), &format!("{which} alerts"))];
        for severity in [Severity::Critical, Severity::High] {
            let n = shown.iter().filter(|a| a.severity == severity).count();
            if n > 0 {
                facts.push(format!("{n} {severity}"));
            }
        }
        filtered(state, facts.join(", "))
    };
    Listing { title, items: shown.into_iter().map(|a| alert_line(a, state)).collect() }
}

/// The selected alert's detail, whole: what and how severe, its history and its evidence.
pub fn alert(state: &State) -> Option<Vec<String>> {
    if !state.viewer.sees_alerts() {
        return None;
    }
    let d = state.alerts.detail.as_ref()?;
    let a = &d.alert;
    let mut lines = vec![
        format!("alert {}: {}", a.id, a.rule.title()),
        format!(
            "{}, {}, rule {}, {}",
            a.severity,
            a.state.as_str(),
            rule_words(a.rule),
            count(a.count, "occurrence", "occurrences")
        ),
        a.summary.clone(),
        format!(
            "about {}, seen from {} to {}",
            subject(&a.key, state),
            clock(a.first_seen, state),
            clock(a.last_seen, state)
        ),
    ];
    if !d.events.is_empty() {
        lines.push(format!("history, {}:", count(d.events.len(), "event", "events")));
        for e in &d.events {
            let note = if e.note.is_empty() { String::new() } else { format!(": {}", e.note) };
            lines.push(format!("{}, {} {}{note}", clock(e.at, state), e.actor, e.action));
        }
    }
    let mut evidence =
        format!("evidence: {}", count(d.evidence.len(), "audit entry", "audit entries"));
    if a.evidence.is_empty() {
        evidence.push_str(", a condition of the store, not of the log");
    }
    lines.push(evidence);
    for e in &d.evidence {
        let n = &e.entry;
        let purpose =
            if n.purpose.is_empty() { String::new() } else { format!(", for {}", n.purpose) };
        lines.push(format!(
            "entry {}, {}, {}, {}, {}{purpose}",
            e.seq,
            clock(n.at, state),
            n.actor,
            n.action,
            n.object
        ));
    }
    Some(lines)
}

// ---- Governance ----

/// A view's name, with the ledger's in words.
fn view_name(v: GovView) -> &'static str {
    match v {
        GovView::Ledger => "Epsilon ledger",
        v => v.title(),
    }
}

fn scope_word(r: &DataRequest) -> &'static str {
    match r.scope {
        Scope::RowLevel => "row-level",
        Scope::Aggregate => "aggregate",
    }
}

/// Whether request `r` waits for the viewer's own vote as party `p`.
fn waits_for_me(state: &State, r: &DataRequest, p: Party) -> bool {
    state.governance.snapshot.as_ref().is_some_and(|s| s.waiting.contains(&r.id))
        && state.viewer.party() == Some(p)
}

/// One request: `request 6, submitted, aggregate, by dana, filed 2 hours ago, votes: user
/// committee waiting for you, library approved, supplier not yet, Loan counts by subject`.
fn request_line(state: &State, r: &DataRequest) -> String {
    let votes: Vec<String> = Party::ALL
        .into_iter()
        .map(|p| {
            let word = match r.votes.iter().find(|v| v.party == Some(p)) {
                Some(v) if v.approve => "approved",
                Some(_) => "denied",
                None if r.state == RequestState::Submitted && waits_for_me(state, r, p) => {
                    "waiting for you"
                }
                None if r.state == RequestState::Submitted => "not yet",
                None => "did not vote",
            };
            format!("{} {word}", p.label())
        })
        .collect();
    format!(
        "request {}, {}, {}, by {}, filed {}, votes: {}, {}",
        r.id,
        r.state.as_str(),
        scope_word(r),
        r.requester,
        ago(state.wall - r.created),
        votes.join(", "),
        r.title
    )
}

/// One review item: `review item 12, open, sample, dana, patron.read, patron:..., for
/// circulation, 17 Nov 15:42`.
fn case_line(state: &State, c: &ReviewCase) -> String {
    let i = &c.item;
    let verdict = i.verdict.map_or("open", |v| v.as_str());
    let source = match (i.source, i.alert_id) {
        (ReviewSource::Alert, Some(a)) => format!("from alert {a}"),
        (s, _) => s.as_str().to_owned(),
    };
    let about = match &c.entry {
        Some(e) => {
            let n = &e.entry;
            let purpose =
                if n.purpose.is_empty() { String::new() } else { format!(", for {}", n.purpose) };
            format!("{}, {}, {}{purpose}, {}", n.actor, n.action, n.object, clock(n.at, state))
        }
        None => format!("audit entry {} is not in the log", i.seq),
    };
    format!("review item {}, {verdict}, {source}, {about}", i.id)
}

/// One line of the ledger: `loans 2026-10, epsilon 2 spent of 2, 100 percent, budget used up`.
fn ledger_line(l: &LedgerLine) -> String {
    let share = if l.budget.0 == 0 { 1.0 } else { l.spent.0 as f64 / l.budget.0 as f64 };
    let full = if l.spent.0 >= l.budget.0 { ", budget used up" } else { "" };
    format!(
        "{} {}, epsilon {} spent of {}, {:.0} percent{full}",
        l.dataset,
        l.month,
        l.spent,
        l.budget,
        share * 100.0
    )
}

/// The line of a Governance row.
fn gov_row_line(state: &State, row: GovRow) -> Option<String> {
    match row {
        GovRow::Request(id) => gov::request(state, id).map(|r| request_line(state, r)),
        GovRow::Review(id) => gov::review_case(state, id).map(|c| case_line(state, c)),
        GovRow::Ledger(i) => state.governance.snapshot.as_ref()?.ledger.get(i).map(ledger_line),
    }
}

/// Governance tab, one view: my queue (requests waiting for my vote, review items assigned to
/// me), all requests, the review queue, or the epsilon ledger; the items are the view's rows
/// after the filter (the review queue's recent verdicts after them).
pub fn governance(state: &State, view: GovView) -> Listing {
    if !gov::sees(state) {
        return Listing::empty(
            "Governance: data requests are shown to desk staff, sysadmins, committee members \
             and auditors.",
        );
    }
    let Some(snap) = &state.governance.snapshot else {
        return Listing::empty("Governance: reading the data requests");
    };
    if !view.offered_to(&state.viewer) {
        let yours: Vec<&str> = gov::views(state).into_iter().map(view_name).collect();
        return Listing::empty(format!(
            "{} is not among your views, which are: {}",
            view_name(view),
            yours.join(", ")
        ));
    }
    let rows = gov::rows(state, view);
    let mut items: Vec<String> = rows.iter().filter_map(|r| gov_row_line(state, *r)).collect();
    let filtering = !state.filter.text.is_empty();
    let title = match view {
        GovView::Mine => {
            let requests = rows.iter().filter(|r| matches!(r, GovRow::Request(_))).count();
            let cases = rows.len() - requests;
            let mut facts = vec![];
            if state.viewer.may(Permission::VoteRequest) {
                let party =
                    state.viewer.party().map_or(String::new(), |p| format!(" as {}", p.label()));
                facts.push(match (requests, filtering) {
                    (0, true) => "no waiting request matches the filter".to_owned(),
                    (0, false) => "no request waits for your party's vote".to_owned(),
                    (n, _) => {
                        format!("{} waiting for your vote{party}", count(n, "request", "requests"))
                    }
                });
            }
            if snap.review.is_some() {
                facts.push(match (cases, filtering) {
                    (0, true) => "no review item matches the filter".to_owned(),
                    (0, false) => "no review item is assigned to you".to_owned(),
                    (n, _) => {
                        format!("{} assigned to you", count(n, "review item", "review items"))
                    }
                });
            }
            format!("My queue: {}", facts.join(", "))
        }
        GovView::Requests => match (rows.len(), filtering) {
            (0, true) => "No request matches the filter".to_owned(),
            (0, false) => "No data request has been filed yet".to_owned(),
            (n, _) => format!("{}, newest first", count(n, "data request", "data requests")),
        },
        GovView::Review => {
            let (mine, open) = snap.review.as_ref().map_or((0, 0), |q| (q.mine.len(), q.open));
            let mut title = format!("Review: {mine} assigned to you, {open} open in all");
            if rows.is_empty() {
                title.push_str(if filtering {
                    ", no review item matches the filter"
                } else {
                    ", nothing to review: no open item is assigned to you"
                });
            }
            if let Some(q) = &snap.review {
                items.extend(
                    q.recent.iter().map(|c| format!("recent verdict: {}", case_line(state, c))),
                );
            }
            title
        }
        GovView::Ledger => {
            let mut title = format!(
                "Epsilon ledger: epsilon spent per dataset and month of data, budget {} each",
                snap.budget
            );
            if snap.ledger.is_empty() {
                title.push_str(", no transparency report has spent epsilon yet");
            }
            title
        }
    };
    let title = if filtering && !rows.is_empty() { filtered(state, title) } else { title };
    Listing { title, items }
}

/// One request whole: its state and deadline, every party's vote with its reason, the scope,
/// the data and fields asked for, retention, legal basis and purpose. `None` for an unknown id.
pub fn request(state: &State, id: u64) -> Option<Vec<String>> {
    let r = gov::request(state, id)?;
    let when = match r.state {
        RequestState::Submitted => format!(
            "decide by {}, {} left",
            clock(r.expires, state),
            minutes_words((r.expires - state.wall).num_minutes())
        ),
        RequestState::Expired => format!("expired {} undecided", clock(r.expires, state)),
        RequestState::Draft => "a draft: not yet submitted for votes".to_owned(),
        RequestState::Approved | RequestState::Denied | RequestState::Withdrawn => {
            r.decided.map_or_else(
                || r.state.as_str().to_owned(),
                |d| format!("{} {}", r.state.as_str(), clock(d, state)),
            )
        }
    };
    let mut lines = vec![
        format!("request {}: {}", r.id, r.title),
        format!(
            "{}, filed by {} {}, {when}",
            r.state.as_str(),
            r.requester,
            ago(state.wall - r.created)
        ),
        "votes:".to_owned(),
    ];
    for p in Party::ALL {
        let text = match r.votes.iter().find(|v| v.party == Some(p)) {
            Some(v) if v.approve && v.reason.is_empty() => format!("approved by {}", v.voter),
            Some(v) if v.approve => format!("approved by {}: {}", v.voter, v.reason),
            Some(v) => format!("denied by {}: {}", v.voter, v.reason),
            None if r.state == RequestState::Submitted && waits_for_me(state, r, p) => {
                "waiting for you".to_owned()
            }
            None if r.state == RequestState::Submitted => "waiting".to_owned(),
            None => "did not vote".to_owned(),
        };
        lines.push(format!("{}: {text}", p.label()));
    }
    lines.push(match (r.scope, r.epsilon) {
        (Scope::Aggregate, Some(e)) => format!("scope: aggregate, epsilon {e} asked"),
        (Scope::Aggregate, None) => "scope: aggregate".to_owned(),
        (Scope::RowLevel, _) => "scope: row-level (each patron's rows)".to_owned(),
    });
    let kinds: Vec<&str> = r.kinds.iter().map(|k| k.as_str()).collect();
    lines.push(format!("data: {}", kinds.join(", ")));
    lines.push(format!("fields: {}", r.fields.join(", ")));
    lines.push(format!("retention: {}", count(r.retention_days, "day", "days")));
    lines.push(format!("legal basis: {}", r.legal_basis.as_str().replace('-', " ")));
    lines.push(format!("purpose: {}", r.purpose));
    Some(lines)
}

/// One review item whole: where it comes from, who it is assigned to, the audit entry it is
/// about, and its verdict. `None` for an unknown id.
pub fn review_item(state: &State, id: u64) -> Option<Vec<String>> {
    let c = gov::review_case(state, id)?;
    let i = &c.item;
    let from = match (i.source, &i.day) {
        (ReviewSource::Sample, Some(day)) => format!("sampled from {day}"),
        (ReviewSource::Sample, None) => "sampled".to_owned(),
        (ReviewSource::Alert, _) => i
            .alert_id
            .map_or("evidence of an alert".to_owned(), |a| format!("evidence of alert {a}")),
    };
    let mut lines = vec![
        format!("review item {}, {from}", i.id),
        format!(
            "assigned to {}, queued {}",
            i.assignee.as_deref().unwrap_or("nobody"),
            clock(i.added, state)
        ),
    ];
    match &c.entry {
        Some(e) => {
            let n = &e.entry;
            lines.push(format!("audit entry {}:", e.seq));
            lines.push(format!("when: {}", clock(n.at, state)));
            lines.push(format!("who: {} ({})", n.actor, n.role));
            lines.push(format!("did: {}, {}", n.action, n.outcome.as_str()));
            lines.push(format!("object: {}", n.object));
            let purpose = if n.purpose.is_empty() { "none stated" } else { n.purpose.as_str() };
            lines.push(format!("purpose: {purpose}"));
        }
        None => lines.push(format!("audit entry {} is not in the log", i.seq)),
    }
    lines.push(match i.verdict {
        Some(v) => {
            let at = i.reviewed.map_or(String::new(), |t| format!(" {}", clock(t, state)));
            let note = i
                .note
                .as_deref()
                .filter(|n| !n.is_empty())
                .map_or(String::new(), |n| format!(": {n}"));
            let raised = i.raised.map_or(String::new(), |a| format!(", raised alert {a}"));
            format!(
                "{} by {}{at}{note}{raised}",
                v.as_str(),
                i.reviewer.as_deref().unwrap_or("someone"),
            )
        }
        None => "no verdict yet: justified, or unjustified with a note (which raises an alert)"
            .to_owned(),
    });
    Some(lines)
}

// ---- Patrons ----

/// A date in the library's zone, `2026-11-17`, as the Patrons tab writes it.
fn day(t: DateTime<Utc>, state: &State) -> String {
    t.with_timezone(&state.tz).format("%Y-%m-%d").to_string()
}

/// What the Patrons tab says with nobody on screen: how to look one up, and the demo's card.
fn no_patron(state: &State) -> Vec<String> {
    let look_up = Action::LookUp.entry();
    let mut lines = vec![
        format!(
            "No patron on screen. {} {} looks one up by card number, saying why: circulation, \
             account, or a data request by its number.",
            look_up.name, look_up.args
        ),
        "Every lookup is logged with its purpose; the profile and the recommendations need \
         the patron's consent to each."
            .to_owned(),
        format!(
            "A patron is cleared after {} minutes without a key or a command, or at once with {}.",
            update::patrons::IDLE_CLEAR.num_minutes(),
            Action::ClearPatron.name()
        ),
    ];
    if let Some(card) = &state.patrons.demo_card {
        lines.push(format!(
            "This is a demo database: try card {card}, a made-up patron who consents to \
             profiling and recommendations."
        ));
    }
    lines
}

/// The interest profile: the consent gate, the basis it is computed on, each subject with its
/// score and each source's share.
fn profile(state: &State, l: &crate::services::desk::Lookup) -> Vec<String> {
    use crate::domain::interest::Source;
    let names =
        [(Source::Loans, "loans"), (Source::Searches, "searches"), (Source::Visits, "visits")];
    let mut lines = vec![];
    match &l.profile_gate {
        Gate::Refused { reason } => return vec![format!("interest profile withheld: {reason}")],
        Gate::Flagged => lines.push(
            "interest profile FLAGGED: no consent to profiling; shown under the permissive \
             mode, for review"
                .to_owned(),
        ),
        Gate::Allowed => {}
    }
    let b = state.patrons.basis;
    lines.push(format!(
        "interest profile, half-life {}, weights: loans {:.2}, searches {:.2}, visits {:.2}",
        count(b.half_life_days, "day", "days"),
        b.weights.loans,
        b.weights.searches,
        b.weights.visits
    ));
    let unmapped: Vec<String> = Source::ALL
        .iter()
        .zip(l.unmapped)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| match s {
            Source::Loans => count(n, "loan", "loans"),
            Source::Searches => count(n, "search", "searches"),
            Source::Visits => count(n, "visit", "visits"),
        })
        .collect();
    if l.profile.is_empty() {
        lines.push(if unmapped.is_empty() {
            "nothing to go on yet: no loans, searches or visits".to_owned()
        } else {
            format!("nothing to go on yet: {} in no known subject", unmapped.join(", "))
        });
        return lines;
    }
    for s in &l.profile {
        let shares: Vec<String> = names
            .iter()
            .filter(|(src, _)| s.share(*src) > 0.0)
            .map(|(src, name)| format!("{name} {:.0} percent", s.share(*src) * 100.0))
            .collect();
        lines.push(format!("subject {}, score {:.2}, {}", s.subject, s.score, shares.join(", ")));
    }
    if !unmapped.is_empty() {
        lines.push(format!("in no subject: {}", unmapped.join(", ")));
    }
    lines
}

/// The recommendations: where they came from (the API or the local fallback, and why), the
/// consent flag, and each with its reasons.
fn recommendations(shown: &crate::tui::state::PatronShown) -> Vec<String> {
    let (served, flagged) = match &shown.recs {
        PatronRecs::Asking => {
            return vec![format!(
                "recommendations: asking the recommendation API (up to {} seconds, then \
                 carrel's own model)",
                crate::engine::desk::RECS_WAIT.as_secs()
            )];
        }
        PatronRecs::Withheld(reason) => return vec![format!("recommendations withheld: {reason}")],
        PatronRecs::Failed(e) => return vec![format!("recommendations not served: {e}")],
        PatronRecs::Shown { served, flagged } => (served, *flagged),
    };
    let p = &served.provenance;
    let mut lines = vec![match &served.fallback_reason {
        Some(why) => format!(
            "recommendations from the LOCAL FALLBACK, {why}; from {} over {}",
            p.model_version, p.training_mode
        ),
        None => format!(
            "recommendations from the recommendation API, model {} ({})",
            p.model_version, p.training_mode
        ),
    }];
    if flagged {
        lines.push(
            "recommendations FLAGGED: no consent to recommendations; shown under the permissive \
             mode"
                .to_owned(),
        );
    }
    if served.items.is_empty() {
        lines.push("nothing to recommend yet".to_owned());
    }
    for (i, r) in served.items.iter().enumerate() {
        let reasons: Vec<String> = r.reasons.iter().map(|x| x.replace('_', " ")).collect();
        let why =
            if reasons.is_empty() { String::new() } else { format!(", {}", reasons.join(", ")) };
        lines.push(format!("recommendation {}: {}{why}", i + 1, r.title));
    }
    lines
}

/// Patrons tab: the patron shown — card, state, consent, profile and recommendations with their
/// reasons — or what the tab says when nobody is (why lookup is unavailable, how to look one
/// up, the demo's card).
pub fn patron(state: &State) -> Vec<String> {
    use crate::domain::patron::PatronState;
    if !update::patrons::may(state) {
        let roles: Vec<&str> = POLICY
            .iter()
            .find(|(p, _, _)| *p == Permission::LookupPatron)
            .map(|(_, _, r)| r.iter().map(|r| r.as_str()).collect())
            .unwrap_or_default();
        return vec![format!(
            "Patrons are looked up by staff with the {} role.",
            roles.join(" or ")
        )];
    }
    if let Some(why) = &state.patrons.unavailable {
        return vec![
            format!("Patron lookup is unavailable: {why}"),
            "The other tabs work as ever.".to_owned(),
        ];
    }
    let Some(shown) = &state.patrons.shown else { return no_patron(state) };
    let p = &shown.lookup.patron;
    let name = if p.name.is_empty() { "name removed" } else { p.name.as_str() };
    let card = if p.card.is_empty() { "none" } else { p.card.as_str() };
    let mut facts = vec![];
    if p.state != PatronState::Active {
        facts.push(format!("warning: {}", p.state.as_str()));
    }
    facts.push(p.category.clone());
    if p.state == PatronState::Active {
        facts.push("active".to_owned());
    }
    facts.push(format!("joined {}", day(p.joined, state)));
    facts.push(format!("last active {}", day(p.last_active, state)));
    facts.push(format!("{} out", count(p.loans_out, "loan", "loans")));
    if let Some(e) = &p.email {
        facts.push(e.clone());
    }
    let consent: Vec<String> = p
        .consent
        .iter()
        .map(|c| {
            let word = match c.granted {
                Some(true) => "granted",
                Some(false) => "withdrawn",
                None => "never given",
            };
            let since = c.since.map_or(String::new(), |at| format!(" since {}", day(at, state)));
            format!("{} {word}{since}", c.purpose.as_str())
        })
        .collect();
    let mut lines = vec![
        format!(
            "{name}, card {card}, looked up for {} at {}",
            shown.purpose,
            clock(shown.at, state)
        ),
        facts.join(", "),
        if consent.is_empty() {
            "consent: none recorded".to_owned()
        } else {
            format!("consent: {}", consent.join(", "))
        },
    ];
    lines.extend(profile(state, &shown.lookup));
    lines.extend(recommendations(shown));
    lines
}

// ---- System ----

/// One feed: its health, its current error, where it comes from, its schedule and counts.
fn feed_line(state: &State, s: &SystemSnapshot, f: &crate::domain::freshness::FeedState) -> String {
    let now = state.wall;
    let h = s.staleness.judge(&f.feed, f.last_success, f.consecutive_failures, now);
    let mut parts = vec![f.feed.clone()];
    parts.push(match h.age {
        None => "never succeeded".to_owned(),
        Some(a) if h.stale => format!("stale, last success {}", ago(a)),
        Some(a) if a < Duration::minutes(1) => "ok".to_owned(),
        Some(a) => format!("ok, last success {}", ago(a)),
    });
    let error = f.last_error.as_deref().zip(f.last_error_at);
    if let Some((e, at)) = error {
        let when = format!("{}, {}", clock(at, state), ago(now - at));
        match f.consecutive_failures {
            0 => {}
            1 => parts.push(format!("the last attempt failed, at {when}: {e}")),
            n => parts.push(format!("the last {n} attempts failed, the latest at {when}: {e}")),
        }
    }
    if let Some((_, source)) = s.feed_sources.iter().find(|(feed, _)| *feed == f.feed) {
        parts.push(format!("from {source}"));
    }
    let limit = duration_words(s.staleness.limit(&f.feed));
    parts.push(match s.staleness.every(&f.feed) {
        Some(every) => format!("every {}, stale after {limit}", duration_words(every)),
        None => format!("stale after {limit}"),
    });
    let q = s.status.quarantined.get(&f.feed).copied().unwrap_or(0);
    parts.push(format!("{} stored, {q} quarantined", f.records_ok));
    if let (Some((e, at)), 0) = (error, f.consecutive_failures) {
        parts.push(format!(
            "earlier error at {}, {}, before the last success: {e}",
            clock(at, state),
            ago(now - at)
        ));
    }
    parts.join(", ")
}

/// A witness of the audit log: what went wrong first (a refusal, a failure), then what it last
/// cosigned; the facts of `WitnessFact::describe_parts`, with ages in words.
fn witness_line(w: &crate::domain::rules::WitnessFact, now: DateTime<Utc>) -> String {
    let mut parts = vec![format!("Witness {}", w.name)];
    if let (Some(at), Some(r)) = (w.refused_at, &w.refusal) {
        parts.push(format!("REFUSED {}: {r}", ago(now - at)));
    }
    if let Some(e) = &w.error {
        parts.push(format!("failing: {e}"));
    }
    parts.push(match (w.cosigned_size, w.cosigned_at) {
        (Some(n), Some(at)) => {
            format!("cosigned {} {}", count(n, "entry", "entries"), ago(now - at))
        }
        _ if w.attempt_at.is_none() => "not asked yet".to_owned(),
        _ => "never cosigned".to_owned(),
    });
    parts.join(", ")
}

/// The audit log: its size, root, last checkpoint and last verification.
fn audit_line(state: &State, s: &SystemSnapshot) -> String {
    let a = &s.status.audit;
    let root: String = a.root.chars().take(8).collect();
    let mut parts = vec![
        format!("Audit log: {}", count(a.size, "entry", "entries")),
        format!("root begins {root}"),
    ];
    parts.push(match &a.last_checkpoint {
        Some(cp) => format!("checkpoint at {} entries, {}", cp.size, clock(cp.time, state)),
        None => "no checkpoint yet".to_owned(),
    });
    parts.push(match &a.last_verification {
        Some(v) if v.ok => format!("verified {} ok", clock(v.at, state)),
        Some(v) => format!(
            "VERIFY FAILED {}{}",
            clock(v.at, state),
            v.first_bad.map(|b| format!(" at entry {b}")).unwrap_or_default()
        ),
        None => "never verified".to_owned(),
    });
    parts.join(", ")
}

/// System tab whole: the database, the ingest lease, the sources and the recommendation API,
/// the audit log and its witnesses, the sensor API's clock when it is off, every feed (after
/// the filter) with its freshness and failures, and the latest quarantined records.
pub fn system(state: &State) -> Vec<String> {
    let Some(s) = &state.system.snapshot else {
        return vec![match state.database_down {
            Some(since) => format!(
                "The database is unreachable (since {}); this tab fills in when it answers again.",
                clock(since, state)
            ),
            None => "System: reading the database".to_owned(),
        }];
    };
    let now = state.wall;
    let db = &s.status.database;
    let mut lines = vec![format!(
        "Database: {}, {}, schema version {}{}",
        db.path,
        human_bytes(db.size_bytes),
        db.schema_version,
        if db.demo { ", a demo database" } else { "" }
    )];
    lines.push(match &s.status.lease {
        Some(l) if l.is_alive(now) => {
            let who = if s.own_holder.as_deref() == Some(l.holder.as_str()) {
                " (this console)"
            } else {
                ""
            };
            format!("Ingest: {}{who}, lease until {}", l.holder, clock(l.expires, state))
        }
        Some(l) => format!(
            "Ingest: nobody ingests ({} let the lease expire at {})",
            l.holder,
            clock(l.expires, state)
        ),
        None => "Ingest: nobody holds the lease".to_owned(),
    });
    let sources: Vec<String> =
        s.sources.iter().map(|(name, url)| format!("{name} {url}")).collect();
    lines.push(if sources.is_empty() {
        "Sources: none configured".to_owned()
    } else {
        format!("Sources: {}", sources.join(", "))
    });
    lines
        .push(format!("Recommendation API: {}", s.recs_url.as_deref().unwrap_or("not configured")));
    lines.push(audit_line(state, s));
    lines.extend(s.status.audit.witnesses.iter().map(|w| witness_line(w, state.now())));
    // The sensor API's clock matters from a minute off ours (`units::clock_skew`'s rule):
    // times on screen follow it.
    let offset =
        s.status.feeds.iter().find(|f| f.feed == "sensor.seats").and_then(|f| f.server_offset_ms);
    if let Some(ms) = offset.filter(|ms| clock_skew(*ms).is_some()) {
        lines.push(format!(
            "Clock: the sensor API's clock is {} {} ours; times shown follow it",
            duration_words(Duration::milliseconds(ms.abs())),
            if ms > 0 { "ahead of" } else { "behind" }
        ));
    }
    let feeds = update::system::visible_feeds(state);
    if feeds.is_empty() {
        lines.push(if s.status.feeds.is_empty() {
            "No feed has run yet: the console runs them while it holds the ingest lease.".to_owned()
        } else {
            format!("No feed matches the filter {}", state.filter.text)
        });
    } else {
        lines.push(filtered(state, count(feeds.len(), "feed", "feeds")));
    }
    lines.extend(
        feeds.iter().filter_map(|i| s.status.feeds.get(*i)).map(|f| feed_line(state, s, f)),
    );
    if s.recent_quarantine.is_empty() {
        lines.push("Latest quarantined records: none".to_owned());
    } else {
        lines.push("Latest quarantined records:".to_owned());
        lines.extend(
            s.recent_quarantine
                .iter()
                .map(|r| format!("{}, {}, {}", clock(r.received, state), r.feed, r.reason)),
        );
    }
    lines
}

// ---- Status and selection ----

/// An API's health in words: `sensor API ok`, `sensor API stale, no new data for 4 minutes`.
fn api_health(name: &str, h: ApiHealth) -> String {
    match h {
        ApiHealth::Off => format!("{name} off"),
        ApiHealth::Waiting => format!("{name} waiting for its first answer"),
        ApiHealth::Ok => format!("{name} ok"),
        ApiHealth::Stale { minutes } => {
            format!("{name} stale, no new data for {}", minutes_words(minutes))
        }
        ApiHealth::Down => format!("{name} down"),
    }
}

/// The status line in words: the database when it does not answer, the action under way, the
/// sensor and recommendation APIs' health, and a read-only view.
pub fn health(state: &State) -> String {
    let mut parts = vec![];
    if let Some(since) = state.database_down {
        parts.push(format!(
            "database unreachable since {}, {}",
            clock(since, state),
            ago(state.wall - since)
        ));
    }
    if let Some(busy) = &state.busy {
        parts.push(format!("{busy}, under way"));
    }
    parts.push(api_health("sensor API", state.health.sensor));
    parts.push(api_health("recommendation API", state.health.recs));
    if state.viewer.read_only() {
        parts.push("read-only view".to_owned());
    }
    parts.join(", ")
}

/// The item the current tab's selection is on, as its list says it; `None` when nothing is
/// selected (or the tab has no list).
pub fn selected(state: &State) -> Option<String> {
    match state.tab {
        Tab::Seats => {
            let s = update::seats::selected_seat(state)?;
            let (fi, _) = find_seat(state, &s.id)?;
            let floor = state.seats.snapshot.as_ref()?.floors.get(fi)?;
            Some(seat_line(state, floor, s))
        }
        Tab::Queues => update::queues::windows(state).get(state.queues.sel).map(|w| window_line(w)),
        Tab::Alerts if state.viewer.sees_alerts() => {
            update::alerts::visible(state).get(state.alerts.sel).map(|a| alert_line(a, state))
        }
        Tab::Governance if gov::sees(state) => gov_row_line(state, gov::selected(state)?),
        Tab::System => {
            let s = state.system.snapshot.as_ref()?;
            let i = *update::system::visible_feeds(state).get(state.system.sel)?;
            Some(feed_line(state, s, s.status.feeds.get(i)?))
        }
        Tab::Alerts | Tab::Governance | Tab::Patrons => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::alerts::AlertState;
    use crate::domain::layout::SeatEvent;
    use crate::tui::fixtures::{self, PATRON_CARD, auditor, committee, desk, stranger};
    use crate::tui::state::{FindCriteria, Focus};

    fn state(viewer: crate::tui::state::Viewer) -> State {
        fixtures::state((80, 24), viewer)
    }

    fn shown(consent: bool, recs: PatronRecs) -> Option<Box<crate::tui::state::PatronShown>> {
        Some(Box::new(fixtures::patron_shown(consent, recs)))
    }

    fn api_recs() -> PatronRecs {
        PatronRecs::Shown { served: Box::new(fixtures::api_recommendations()), flagged: false }
    }

    fn has(lines: &[String], line: &str) -> bool {
        lines.iter().any(|l| l == line)
    }

    #[test]
    fn ages_durations_and_waits_are_words() {
        for (m, words) in [
            (-3, "0 minutes"),
            (1, "1 minute"),
            (59, "59 minutes"),
            (60, "1 hour"),
            (95, "1 hour 35 minutes"),
            (1440, "1 day"),
            (3000, "2 days"),
        ] {
            assert_eq!(minutes_words(m), words);
        }
        assert_eq!(duration_words(Duration::seconds(5)), "5 seconds");
        assert_eq!(duration_words(Duration::seconds(150)), "2 minutes 30 seconds");
        assert_eq!(duration_words(Duration::seconds(7230)), "2 hours");
        assert_eq!(ago(Duration::seconds(30)), "just now");
        assert_eq!(ago(Duration::minutes(12)), "12 minutes ago");
        assert_eq!(wait(None), "overloaded");
        assert_eq!(wait(Some(30.0)), "under a minute");
        assert_eq!(wait(Some(842.0)), "about 14 minutes");
    }

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

    #[test]
    fn queues_say_who_waits_what_to_do_now_and_each_window() {
        let mut s = state(desk());
        let l = queues(&s);
        assert_eq!(
            l.title,
            "Queues: 14 waiting, the longest waiting for 6 minutes, 5 of 7 windows open. Do now: \
             open Circulation desk 4, window circ-4, expected wait about 14 minutes, then about 2 \
             minutes"
        );
        assert_eq!(
            l.items[0],
            "circ-1, Circulation desk 1, open, ana, 4 waiting, wait about 10 minutes, 66 served \
             today"
        );
        assert_eq!(
            l.items[3],
            "circ-4, Circulation desk 4, closed, no staff, nobody waiting, 0 served today"
        );
        assert!(l.items[7].starts_with("circulation: 3 of 4 windows open, handling takes about"));
        assert!(
            l.items[7].contains(
                "4 windows needed at most, 3 open now, more than open from 11:45 to 13:30"
            ),
            "{}",
            l.items[7]
        );
        assert_eq!(
            l.items.last().map(String::as_str),
            Some("target: 80 percent served within 5 minutes, windows at most 85 percent busy")
        );
        s.filter.text = "enq".into();
        let l = queues(&s);
        assert!(l.title.ends_with(". Filter: enq"));
        assert!(l.items[0].starts_with("enq-1, ") && l.items[1].starts_with("enq-2, "));
        s.filter.text = "annex".into();
        assert!(queues(&s).title.ends_with(". No window matches the filter annex"));
        s.queues.overview = None;
        assert_eq!(queues(&s), Listing::empty("Queues: reading the queues"));
    }

    #[test]
    fn alerts_list_the_most_severe_first_and_only_for_those_who_may_see_them() {
        let mut s = state(auditor());
        let l = alerts(&s);
        assert_eq!(l.title, "5 active alerts, 1 critical, 1 high");
        assert_eq!(
            l.items[0],
            "alert 7, critical, audit verify failed, open, 10:57, the audit log does not \
             verify: entry 1204 differs from its leaf"
        );
        s.filter.text = "kai".into();
        let l = alerts(&s);
        assert_eq!(l.title, "1 active alert, filter: kai");
        assert!(l.items[0].starts_with("alert 5, medium, off hours access, open, 01:00, kai"));
        s.filter.text = "nobody".into();
        assert_eq!(alerts(&s), Listing::empty("No alert matches the filter nobody"));
        s.filter.text.clear();
        s.alerts.list = Some(vec![]);
        s.alerts.state_filter = Some(AlertState::Resolved);
        assert_eq!(
            alerts(&s),
            Listing::empty("No resolved alerts: the privacy rules found nothing")
        );
        let d = state(desk());
        assert_eq!(alerts(&d), Listing::empty(ALERTS_HIDDEN));
        assert_eq!(alert(&d), None);
    }

    #[test]
    fn an_alert_is_said_whole() {
        let s = state(auditor());
        let lines = alert(&s).unwrap_or_default();
        assert_eq!(
            lines[..4],
            [
                "alert 6: Patron records accessed far above the staff member's own baseline",
                "high, acknowledged, rule bulk access, 412 occurrences",
                "sam read 412 patron records on 2026-11-18 (baseline 9.5/day)",
                "about actor sam, seen from 10:18 to 10:48",
            ]
        );
        assert!(has(&lines, "10:40, ines acknowledge: asked sam's team lead"));
        assert!(has(&lines, "evidence: 3 audit entries"));
        assert!(lines[lines.len() - 1].starts_with("entry 1102, 10:12, sam, patron.read, patron:"));
        let about = subject("zone:F1-quiet:co2:1795000000000", &s);
        assert!(about.starts_with("zone F1-quiet, co2, 2026-"), "{about}");
    }

    #[test]
    fn governance_views_list_their_rows_in_words() {
        let s = state(committee());
        let mine = governance(&s, GovView::Mine);
        assert_eq!(
            mine.title,
            "My queue: 2 requests waiting for your vote as user committee, 2 review items \
             assigned to you"
        );
        assert_eq!(
            mine.items[0],
            "request 6, submitted, aggregate, by dana, filed 2 hours ago, votes: user committee \
             waiting for you, library approved, supplier not yet, Loan counts by subject for the \
             acquisitions plan"
        );
        assert!(mine.items[2].starts_with("review item 12, open, sample, dana, patron.read, "));
        let all = governance(&s, GovView::Requests);
        assert_eq!(all.title, "7 data requests, newest first");
        assert_eq!(
            all.items[4],
            "request 3, denied, row-level, by dana, filed 3 days ago, votes: user committee \
             approved, library did not vote, supplier denied, Search histories for \
             recommendation tuning"
        );
        let review = governance(&s, GovView::Review);
        assert_eq!(review.title, "Review: 2 assigned to you, 5 open in all");
        assert!(review.items[3].starts_with("recent verdict: review item 8, unjustified, "));
        let ledger = governance(&s, GovView::Ledger);
        assert_eq!(
            ledger.title,
            "Epsilon ledger: epsilon spent per dataset and month of data, budget 2 each"
        );
        assert_eq!(
            ledger.items[1],
            "loans 2026-10, epsilon 2 spent of 2, 100 percent, budget used up"
        );
    }

    #[test]
    fn governance_says_what_a_viewer_has_not_and_what_is_not_there() {
        let d = state(desk());
        assert_eq!(
            governance(&d, GovView::Review),
            Listing::empty("Review is not among your views, which are: Requests, Epsilon ledger")
        );
        assert!(
            governance(&state(stranger()), GovView::Requests)
                .title
                .starts_with("Governance: data requests are shown to desk staff")
        );
        let mut c = state(committee());
        c.filter.text = "zzz".into();
        assert_eq!(
            governance(&c, GovView::Mine),
            Listing::empty(
                "My queue: no waiting request matches the filter, no review item matches the filter"
            )
        );
        c.filter.text.clear();
        if let Some(snap) = c.governance.snapshot.as_mut() {
            snap.ledger.clear();
            snap.requests.clear();
        }
        assert_eq!(
            governance(&c, GovView::Requests),
            Listing::empty("No data request has been filed yet")
        );
        assert!(
            governance(&c, GovView::Ledger)
                .title
                .ends_with(", no transparency report has spent epsilon yet")
        );
    }

    #[test]
    fn a_request_and_a_review_item_are_said_whole() {
        let s = state(committee());
        let r = request(&s, 6).unwrap_or_default();
        assert_eq!(
            r[1..6],
            [
                "submitted, filed by dana 2 hours ago, decide by 02 Dec 09:00, 13 days left",
                "votes:",
                "user committee: waiting for you",
                "library: approved by leo: counts only: minimum necessary",
                "supplier: waiting",
            ]
        );
        assert!(has(&r, "scope: aggregate, epsilon 0.5 asked"));
        assert!(has(&r, "legal basis: public task"));
        let denied = request(&s, 3).unwrap_or_default();
        assert_eq!(denied[1], "denied, filed by dana 3 days ago, denied 16 Nov 23:00");
        assert!(has(
            &denied,
            "supplier: denied by sue: not minimum necessary: the federated model needs no raw \
             searches"
        ));
        assert_eq!(request(&s, 99), None);
        let item = review_item(&s, 8).unwrap_or_default();
        assert_eq!(item[0], "review item 8, sampled from 2026-11-17");
        assert_eq!(
            item[item.len() - 1],
            "unjustified by leo 09:30: no loan or hold that day, raised alert 9"
        );
        assert!(has(&review_item(&s, 13).unwrap_or_default(), "purpose: none stated"));
        assert_eq!(review_item(&s, 99), None);
    }

    #[test]
    fn the_patron_is_said_with_consent_profile_and_the_reasons_of_each_recommendation() {
        let mut s = state(desk());
        s.patrons.shown = shown(true, api_recs());
        let lines = patron(&s);
        assert_eq!(lines[0], "Chiara Wang, card 290000015341, looked up for circulation at 10:59");
        assert!(lines[2].starts_with("consent: profiling granted since "));
        assert!(has(
            &lines,
            "subject Law, score 2.25, loans 50 percent, searches 36 percent, visits 14 percent"
        ));
        assert!(has(&lines, "in no subject: 2 searches, 1 visit"));
        assert!(has(
            &lines,
            "recommendation 1: The Concept of Law, similar to loans, subject interest"
        ));
        let served = Box::new(fixtures::fallback_recommendations());
        s.patrons.shown = shown(true, PatronRecs::Shown { served, flagged: true });
        let lines = patron(&s);
        assert!(has(
            &lines,
            "recommendations from the LOCAL FALLBACK, the recommendation API: the server \
             answered 503 Service Unavailable; from carrel item-based CF over local loans"
        ));
        assert!(lines.iter().any(|l| l.starts_with("recommendations FLAGGED: no consent")));
        let why = "the patron withdrew consent to recommendations";
        s.patrons.shown = shown(false, PatronRecs::Withheld(why.into()));
        let lines = patron(&s);
        assert!(lines[2].starts_with("consent: profiling withdrawn since "));
        assert!(has(&lines, "interest profile withheld: the patron withdrew consent to profiling"));
        assert_eq!(lines[lines.len() - 1], format!("recommendations withheld: {why}"));
    }

    #[test]
    fn the_patrons_tab_says_how_to_look_up_or_why_it_cannot() {
        let mut s = state(desk());
        let lines = patron(&s);
        assert!(
            lines[0].starts_with("No patron on screen. look_up [CARD] [for PURPOSE] looks one up")
        );
        assert!(lines.iter().all(|l| !l.contains("try card")));
        s.patrons.demo_card = Some(PATRON_CARD.into());
        assert!(patron(&s)[3].contains("try card 290000015341"));
        s.patrons.unavailable = Some("no key file at /etc/carrel/keys".into());
        assert_eq!(
            patron(&s),
            [
                "Patron lookup is unavailable: no key file at /etc/carrel/keys",
                "The other tabs work as ever."
            ]
        );
        assert_eq!(
            patron(&state(auditor())),
            ["Patrons are looked up by staff with the desk role."]
        );
    }

    #[test]
    fn the_system_tab_says_each_feed_failures_first() {
        let mut s = state(desk());
        let lines = system(&s);
        assert_eq!(lines[0], "Database: /var/lib/carrel/carrel.db, 2.3 MiB, schema version 1");
        assert!(has(
            &lines,
            "Witness supplier.example/witness, failing: unreachable: connection refused, \
             cosigned 1100 entries 3 hours ago"
        ));
        assert!(has(&lines, "9 feeds"));
        let env = lines.iter().find(|l| l.starts_with("sensor.environment")).cloned();
        assert!(env.unwrap_or_default().starts_with(
            "sensor.environment, stale, last success 6 minutes ago, the last 3 attempts failed, \
             the latest at 10:59, just now: HTTP 503"
        ));
        assert!(has(
            &lines,
            "sensor.seats, ok, from carrel, every 5 seconds, stale after 1 minute, 600 stored, 0 \
             quarantined, earlier error at 10:20, 40 minutes ago, before the last success: timed \
             out"
        ));
        assert!(!lines.iter().any(|l| l.starts_with("Clock:")), "1.2 s off is no skew");
        if let Some(snap) = s.system.snapshot.as_mut() {
            for f in &mut snap.status.feeds {
                f.server_offset_ms = Some(180_000);
            }
        }
        assert!(has(
            &system(&s),
            "Clock: the sensor API's clock is 3 minutes ahead of ours; times shown follow it"
        ));
        s.filter.text = "recs".into();
        let lines = system(&s);
        assert!(has(&lines, "2 feeds, filter: recs"));
        assert_eq!(lines.iter().filter(|l| l.starts_with("recs.")).count(), 2);
        s.system.snapshot = None;
        s.database_down = Some(fixtures::now() - Duration::minutes(5));
        assert_eq!(
            system(&s),
            ["The database is unreachable (since 10:55); this tab fills in when it answers again."]
        );
    }

    #[test]
    fn the_status_line_is_said_in_words_most_important_first() {
        let mut s = state(desk());
        assert_eq!(health(&s), "sensor API ok, recommendation API off");
        s.database_down = Some(fixtures::now() - Duration::minutes(8));
        s.busy = Some("releasing 0-007".into());
        s.health.sensor = ApiHealth::Stale { minutes: 4 };
        s.health.recs = ApiHealth::Down;
        assert_eq!(
            health(&s),
            "database unreachable since 10:52, 8 minutes ago, releasing 0-007, under way, sensor \
             API stale, no new data for 4 minutes, recommendation API down"
        );
        assert_eq!(
            health(&state(stranger())),
            "sensor API ok, recommendation API off, read-only view"
        );
    }

    #[test]
    fn the_selection_is_said_as_its_list_says_it() {
        let mut s = state(auditor());
        s.seats.focus = Focus::Ghosts;
        s.seats.ghost_sel = 1;
        assert_eq!(selected(&s), ghosts(&s).items.get(1).cloned());
        s.tab = Tab::Queues;
        s.queues.sel = 2;
        assert_eq!(selected(&s), queues(&s).items.get(2).cloned());
        s.tab = Tab::Alerts;
        assert_eq!(selected(&s), alerts(&s).items.get(1).cloned());
        s.tab = Tab::Governance;
        assert_eq!(selected(&s), governance(&s, s.governance.view).items.first().cloned());
        s.tab = Tab::System;
        s.system.sel = 5;
        assert!(selected(&s).unwrap_or_default().starts_with("sensor.environment, stale"));
        s.tab = Tab::Patrons;
        assert_eq!(selected(&s), None);
        let mut d = state(desk());
        d.tab = Tab::Alerts;
        assert_eq!(selected(&d), None, "the desk does not see alerts");
    }

    fn push(out: &mut Vec<String>, l: Listing) {
        out.push(l.title);
        out.extend(l.items);
    }

    /// Everything every function says of `s`.
    fn everything(s: &State) -> Vec<String> {
        let mut out = vec![];
        push(&mut out, seats_overview(s));
        let q = SeatQuery { place: Some("room".into()), power: true, ..Default::default() };
        push(&mut out, seat_list(s, &q));
        push(&mut out, seat_list(s, &SeatQuery::default()));
        push(&mut out, ghosts(s));
        push(&mut out, found(s));
        push(&mut out, queues(s));
        push(&mut out, alerts(s));
        for v in GovView::ALL {
            push(&mut out, governance(s, v));
        }
        for id in ["0-007", "F1-S0042", "0-008"] {
            out.extend(seat(s, id).unwrap_or_default());
        }
        for id in 0..15 {
            out.extend(request(s, id).unwrap_or_default());
            out.extend(review_item(s, id).unwrap_or_default());
        }
        out.extend(alert(s).unwrap_or_default());
        out.extend(patron(s));
        out.extend(system(s));
        out.push(health(s));
        for tab in Tab::ALL {
            let mut t = s.clone();
            t.tab = tab;
            out.extend(selected(&t));
        }
        out
    }

    /// The fixtures in many states: every viewer, a patron shown every way, a find and a seat's
    /// history, nothing read yet, every API health, the database down.
    fn every_state(hostile: bool) -> Vec<State> {
        let mut states = vec![];
        for viewer in [desk(), auditor(), committee(), stranger()] {
            let mut s = state(viewer);
            s.seats.snapshot = Some(fixtures::seats_snapshot(2, 120, hostile));
            states.push(s);
        }
        let at = fixtures::now() - Duration::minutes(30);
        let event = SeatEvent {
            seat_id: "F0-S0007".into(),
            state: SeatState::Away,
            since: at,
            sensor: SensorHealth::Degraded,
            observed: at,
        };
        let recs = [
            api_recs(),
            PatronRecs::Shown {
                served: Box::new(fixtures::fallback_recommendations()),
                flagged: true,
            },
            PatronRecs::Asking,
            PatronRecs::Withheld("no consent".into()),
            PatronRecs::Failed("the log could not be written".into()),
        ];
        for (i, r) in recs.into_iter().enumerate() {
            let mut s = states[0].clone();
            s.patrons.shown = shown(i % 2 == 0, r);
            s.overlay = Some(Overlay::SeatDetail {
                seat_id: "F0-S0007".into(),
                history: Some(vec![event.clone()]),
            });
            crate::tui::update::seats::find(&mut s);
            states.push(s);
        }
        let health = [
            ApiHealth::Off,
            ApiHealth::Waiting,
            ApiHealth::Ok,
            ApiHealth::Stale { minutes: 75 },
            ApiHealth::Down,
        ];
        for h in health {
            let mut s = State::new(
                committee(),
                "Central Library".into(),
                chrono_tz::UTC,
                crate::tui::keymap::Keymap::defaults(),
                crate::tui::theme::Theme::new(crate::tui::theme::ThemeName::Mono),
                fixtures::now(),
            );
            s.health = crate::tui::state::Health { sensor: h, recs: h };
            s.database_down = Some(fixtures::now() - Duration::days(2));
            s.busy = Some("releasing 0-007".into());
            s.patrons.demo_card = Some(PATRON_CARD.into());
            states.push(s.clone());
            s.seats.snapshot = Some(fixtures::seats_snapshot(0, 0, false));
            s.queues.overview = Some(crate::services::queues::QueueOverview {
                services: vec![],
                ..fixtures::queue_overview()
            });
            states.push(s);
        }
        states
    }

    /// What the brief forbids the plain console to add: box drawing and blocks, ellipses,
    /// arrows, middle dots, dashes, epsilon and ticks.
    fn forbidden(c: char) -> bool {
        ('\u{2500}'..='\u{259F}').contains(&c) || "…→←↑↓·—ε✓✗".contains(c)
    }

    #[test]
    fn everything_said_is_plain_words() {
        for s in every_state(false) {
            for line in everything(&s) {
                assert!(!line.chars().any(forbidden), "{line}");
                assert!(!line.chars().any(char::is_control), "{line:?}");
                // The only character beyond ASCII in the fixtures' data is the en dash of an
                // alert's summary ("07:00–22:00"); nothing this file adds is.
                assert!(line.chars().all(|c| c.is_ascii() || c == '–'), "{line}");
            }
        }
    }

    #[test]
    fn hostile_data_passes_as_it_is_and_nothing_else_is_added() {
        let from_data = ['\u{1b}', '\u{7}', '\u{9b}'];
        let mut passed = false;
        for s in every_state(true) {
            for line in everything(&s) {
                assert!(!line.chars().any(forbidden), "{line:?}");
                assert!(
                    line.chars().filter(|c| c.is_control()).all(|c| from_data.contains(&c)),
                    "{line:?}"
                );
                passed |= line.contains("\u{1b}[2J\u{9b}31mEVIL");
            }
        }
        assert!(passed, "the hostile label reaches the session, which strips it");
    }
}
