//! `carrel seats`, `carrel queues`: headless reads, as aligned tables or JSON (`carrel status` is
//! in `status.rs`).

use chrono::Duration;
use serde::Serialize;

use super::table::{Align, Table};
use super::time::age;
use super::{CliError, CliResult, open_store, print_json};
use crate::config::Config;
use crate::domain::layout::{Occupancy, SeatState, SeatView};
use crate::domain::service_point::ServicePoint;
use crate::services::reads;
use crate::store::seats::SeatFilter;

#[derive(Debug, clap::Args)]
pub struct JsonArgs {
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct SeatsArgs {
    /// Only seats on this floor (floor id, e.g. F1)
    #[arg(long, value_name = "F")]
    pub floor: Option<String>,
    /// Only seats in this zone (zone id, e.g. F1-Z2)
    #[arg(long, value_name = "Z")]
    pub zone: Option<String>,
    /// Only seats in this state: free, occupied, away, ghost (away for at least
    /// ghost_after_min), reserved, out_of_service
    #[arg(long, value_name = "S", value_parser = parse_state)]
    pub state: Option<StateChoice>,
    /// Print JSON (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

/// What `seats --state` selects: a seat state the sensors report, or the ghost seats — away
/// for at least `ghost_after_min` — as the console's ghost list and the README name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChoice {
    Is(SeatState),
    Ghost,
}

fn parse_state(s: &str) -> Result<StateChoice, String> {
    if s == "ghost" {
        return Ok(StateChoice::Ghost);
    }
    s.parse().map(StateChoice::Is).map_err(|e: crate::domain::layout::UnknownName| {
        format!("unknown seat state '{}' (expected one of: {}, ghost)", e.given, e.expected)
    })
}

/// One seat in `carrel seats --json`.
#[derive(Debug, Serialize)]
struct SeatJson<'a> {
    #[serde(flatten)]
    seat: &'a SeatView,
    ghost: bool,
}

pub fn seats(args: &SeatsArgs, cfg: &Config) -> CliResult {
    let store = open_store(cfg)?;
    if let Some(f) = &args.floor {
        let floors = reads::floors(&store)?;
        if !floors.iter().any(|x| &x.id == f) {
            let known: Vec<&str> = floors.iter().map(|x| x.id.as_str()).collect();
            return Err(CliError::BadInput(format!(
                "--floor: no floor '{f}' (floors: {})",
                list_or_none(&known)
            )));
        }
    }
    if let Some(z) = &args.zone {
        let zones = reads::zones(&store)?;
        if !zones.iter().any(|x| &x.id == z) {
            return Err(CliError::BadInput(format!(
                "--zone: no zone '{z}' ({} zones; see `carrel seats`)",
                zones.len()
            )));
        }
    }
    let state = match args.state {
        Some(StateChoice::Is(s)) => Some(s),
        Some(StateChoice::Ghost) => Some(SeatState::Away),
        None => None,
    };
    let filter = SeatFilter { floor: args.floor.clone(), zone: args.zone.clone(), state };
    let mut seats = reads::seats(&store, &filter)?;
    let now = reads::sensor_now(&store)?;
    let limit = Duration::minutes(i64::from(cfg.settings.seats.ghost_after_min));
    if args.state == Some(StateChoice::Ghost) {
        seats.retain(|s| s.is_ghost(now, limit));
    }
    // Zones counted rather than seated, within the floor or zone asked for (a state filter is
    // about seats, so it leaves them out).
    let zone_floor: std::collections::HashMap<String, String> =
        reads::zones(&store)?.into_iter().map(|z| (z.id, z.floor_id)).collect();
    let mut head_counts = reads::head_counts(&store)?;
    head_counts.retain(|h| {
        args.state.is_none()
            && args.zone.as_ref().is_none_or(|z| *z == h.zone_id)
            && args.floor.as_ref().is_none_or(|f| zone_floor.get(&h.zone_id) == Some(f))
    });
    if args.json {
        let list: Vec<SeatJson<'_>> =
            seats.iter().map(|s| SeatJson { seat: s, ghost: s.is_ghost(now, limit) }).collect();
        return print_json(&serde_json::json!({
            "sensor_time": now,
            "ghost_after_min": cfg.settings.seats.ghost_after_min,
            "seats": list,
            "head_counts": head_counts,
        }));
    }
    let mut t = Table::new(&[
        ("SEAT", Align::Left),
        ("LABEL", Align::Left),
        ("ZONE", Align::Left),
        ("KIND", Align::Left),
        ("STATE", Align::Left),
        ("FOR", Align::Right),
        ("SENSOR", Align::Left),
        ("POWER", Align::Left),
        ("ACCESSIBLE", Align::Left),
    ]);
    for s in &seats {
        let state = match s.state {
            Some(st) if s.is_ghost(now, limit) => format!("{st} (ghost)"),
            Some(st) => st.to_string(),
            None => "unknown".into(),
        };
        t.row(vec![
            s.id.clone(),
            s.label.clone(),
            s.zone_id.clone(),
            s.zone_kind.to_string(),
            state,
            s.since.map(|t| age(now - t)).unwrap_or_default(),
            s.sensor.map(|h| h.to_string()).unwrap_or_default(),
            yes(s.power),
            yes(s.accessible),
        ]);
    }
    print!("{}", t.render());
    let o = Occupancy::of(&seats);
    let ghosts = seats.iter().filter(|s| s.is_ghost(now, limit)).count();
    println!(
        "{}: {} occupied, {} away ({}), {} free, {} reserved, {} out of service, {} unknown; {:.0}% taken",
        crate::domain::units::count(o.total, "seat", "seats"),
        o.occupied,
        o.away,
        crate::domain::units::count(ghosts, "ghost", "ghosts"),
        o.free,
        o.reserved,
        o.out_of_service,
        o.unknown,
        o.ratio() * 100.0
    );
    for h in &head_counts {
        let of = h.capacity.map(|c| format!(" of {c}")).unwrap_or_default();
        println!(
            "zone {}: {} counted{of} at {} (a head count; no seats)",
            h.zone_id,
            crate::domain::units::count(h.count, "person", "people"),
            h.at.with_timezone(&cfg.timezone).format("%H:%M")
        );
    }
    Ok(())
}

fn yes(b: bool) -> String {
    if b { "yes".into() } else { "-".into() }
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() { "none yet; run `carrel sync`".into() } else { items.join(", ") }
}

/// One window in `carrel queues --json`.
#[derive(Debug, Serialize)]
struct WindowJson<'a> {
    #[serde(flatten)]
    point: &'a ServicePoint,
    oldest_wait_s: Option<i64>,
}

pub fn queues(args: &JsonArgs, cfg: &Config) -> CliResult {
    let store = open_store(cfg)?;
    let (points, on_duty) = reads::service_points(&store)?;
    let now = reads::sensor_now(&store)?;
    if args.json {
        let list: Vec<WindowJson<'_>> = points
            .iter()
            .map(|p| WindowJson { point: p, oldest_wait_s: p.oldest_wait_s(now) })
            .collect();
        return print_json(&serde_json::json!({
            "sensor_time": now,
            "staff_on_duty": on_duty,
            "service_points": list,
        }));
    }
    let mut t = Table::new(&[
        ("WINDOW", Align::Left),
        ("NAME", Align::Left),
        ("SERVICE", Align::Left),
        ("OPEN", Align::Left),
        ("STAFF", Align::Left),
        ("QUEUE", Align::Right),
        ("LONGEST WAIT", Align::Right),
        ("SERVED", Align::Right),
        ("MEAN SERVICE", Align::Right),
    ]);
    for p in &points {
        t.row(vec![
            p.id.clone(),
            p.name.clone(),
            p.service.clone(),
            if p.open { "open".into() } else { "closed".into() },
            p.staff.clone().unwrap_or_else(|| "-".into()),
            p.queue_length.to_string(),
            p.oldest_wait_s(now).map(|s| age(Duration::seconds(s))).unwrap_or_else(|| "-".into()),
            p.served_today.to_string(),
            age(Duration::seconds(p.mean_service_s.round() as i64)),
        ]);
    }
    print!("{}", t.render());
    println!(
        "staff on duty: {}",
        if on_duty.is_empty() { "none reported".into() } else { on_duty.join(", ") }
    );
    Ok(())
}
