//! What the plain console says of the Queues tab: who waits and for how long, what to do now,
//! each window, each service with its forecast, and the service target.
//!
//! May use: what `render` may; its shared lines.

use chrono::{DateTime, Duration, Timelike, Utc};

use super::{Listing, clock};
use crate::domain::units::{count, minutes_words, wait_words};
use crate::services::queues::{Advice, ServiceQueue, SlotPlan, WindowNow};
use crate::tui::state::State;
use crate::tui::update;

/// An expected wait in words, or `overloaded` where the queue grows without bound (`None`), as
/// the Queues tab says.
fn wait(seconds: Option<f64>) -> String {
    seconds.map_or_else(|| "overloaded".to_owned(), wait_words)
}

/// One window: `circ-3, Circulation desk 3, open, eli, 5 waiting, wait about 13 minutes,
/// 23 served today`.
pub(super) fn window_line(w: &WindowNow) -> String {
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
            parts.push(format!("wait {}", wait_words(s)));
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
        format!("handling takes {}", wait_words(s.aht_s)),
    ];
    if let Some(now) = &s.now {
        parts.push(match now.expected.mean_wait_s() {
            Some(w) => format!("mean wait now {}", wait_words(w)),
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

#[cfg(test)]
mod tests {

    use super::*;

    use crate::plain::render::tests::state;
    use crate::tui::fixtures::desk;

    #[test]
    fn a_queue_without_bound_is_overloaded() {
        assert_eq!(wait(None), "overloaded");
        assert_eq!(wait(Some(842.0)), "about 14 minutes");
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
}
