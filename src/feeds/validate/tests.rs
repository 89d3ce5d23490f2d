use super::*;
use crate::domain::layout::{SeatState, ZoneKind};
use crate::domain::sanitize::is_unsafe_char;

fn known(ids: &[&str]) -> HashSet<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn a_bad_seat_is_rejected_and_its_neighbours_kept() {
    let body = br#"{"generated_at":"2026-11-21T10:00:00Z","floors":[
      {"id":"F0","name":"Ground\u001b[2J","level":0,"zones":[
        {"id":"F0-Z0","name":"North","kind":"quiet","seats":[
          {"id":"S1","label":"A\u001b]0;pwned\u0007-1","x":0,"y":0,"power":true,"accessible":false},
          {"id":"S2","label":"A-2","x":-1,"y":0,"power":true,"accessible":false},
          {"id":"S 3","label":"A-3","x":2,"y":0,"power":true,"accessible":false},
          {"id":"S4","label":"A-4","x":0,"y":0,"power":true,"accessible":false},
          {"id":"S5","label":"A-5","x":5,"y":0,"power":false,"accessible":true}
        ]},
        {"id":"F0-Z1","name":"Lab","kind":"lounge","seats":[]}
      ]}]}"#;
    let l = layout(body).unwrap();
    assert_eq!(l.floors.len(), 1);
    assert_eq!(l.floors[0].name, "Ground[2J");
    assert_eq!(l.zones.len(), 1);
    assert_eq!(l.zones[0].kind, ZoneKind::Quiet);
    assert_eq!(l.seats.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["S1", "S5"]);
    assert_eq!(l.seats[0].label, "A]0;pwned-1");
    assert_eq!(l.rejected.len(), 4, "{:#?}", l.rejected);
    assert!(l.rejected[0].reason.starts_with("seat: invalid value"), "{}", l.rejected[0].reason);
    assert!(l.rejected[1].reason.contains("invalid id"));
    assert!(l.rejected[2].reason.contains("another seat is at (0, 0)"));
    assert!(l.rejected[3].reason.contains("unknown variant `lounge`"));
    assert!(!l.complete());
}

#[test]
fn a_broken_envelope_is_a_failed_fetch() {
    assert!(matches!(layout(b"{\"floors\": [").unwrap_err(), FetchError::Malformed(_)));
    assert!(matches!(seats(b"[]", &known(&[])).unwrap_err(), FetchError::Malformed(_)));
}

#[test]
fn seat_states_need_a_known_seat_and_a_plausible_time() {
    let body = br#"{"generated_at":"2026-11-21T10:00:00Z","cursor":"7","full":false,"seats":[
      {"id":"S1","state":"away","since":"2026-11-21T09:00:00Z","sensor":"ok"},
      {"id":"S9","state":"free","since":"2026-11-21T09:00:00Z","sensor":"ok"},
      {"id":"S1","state":"free","since":"2026-11-21T09:00:00Z","sensor":"ok"},
      {"id":"S2","state":"free","since":"2026-11-22T09:00:00Z","sensor":"ok"},
      {"id":"S2","state":"ghost","since":"2026-11-21T09:00:00Z","sensor":"ok"}
    ]}"#;
    let u = seats(body, &known(&["S1", "S2"])).unwrap();
    assert_eq!(u.cursor, "7");
    assert_eq!(u.seats.len(), 1);
    assert_eq!(u.seats[0].state, SeatState::Away);
    let reasons: Vec<_> = u.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert!(reasons[0].contains("unknown seat S9"));
    assert!(reasons[1].contains("twice"));
    assert!(reasons[2].contains("after the report time"));
    assert!(reasons[3].contains("unknown variant `ghost`"));
}

#[test]
fn one_seat_state_passes_the_checks_of_a_page() {
    let now = DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().to_utc();
    let ids = known(&["S1", "S2"]);
    let good = br#"{"id":"S1","state":"free","since":"2026-11-21T09:59:00Z","sensor":"ok"}"#;
    let s = seat_status(good, &ids, now).unwrap();
    assert_eq!((s.id.as_str(), s.state), ("S1", SeatState::Free));
    let refused = |body: &[u8]| match seat_status(body, &ids, now) {
        Err(FetchError::Malformed(why)) => why,
        other => panic!("{other:?}"),
    };
    let unknown = br#"{"id":"S9","state":"free","since":"2026-11-21T09:00:00Z","sensor":"ok"}"#;
    assert_eq!(refused(unknown), "seat state: unknown seat S9");
    let future = br#"{"id":"S2","state":"free","since":"2026-11-22T09:00:00Z","sensor":"ok"}"#;
    assert!(refused(future).contains("after the report time"));
    let bad_id = br#"{"id":"S 1","state":"free","since":"2026-11-21T09:00:00Z","sensor":"ok"}"#;
    assert!(refused(bad_id).contains("invalid id"));
    let ghost = br#"{"id":"S1","state":"ghost","since":"2026-11-21T09:00:00Z","sensor":"ok"}"#;
    assert!(refused(ghost).contains("unknown variant `ghost`"));
    assert!(refused(b"{\"id\":").starts_with("seat state:"));
    assert!(refused(b"[]").starts_with("seat state:"));
}

#[test]
fn one_service_point_passes_the_checks_of_a_report() {
    let at = DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().to_utc();
    let good =
        br#"{"id":"W1","name":"Desk \u001b1","service":"circulation","open":true,"staff":"ana",
      "queue_length":3,"oldest_waiting_since":null,"served_today":40,"mean_service_s":180.0}"#;
    let p = service_point(good, at).unwrap();
    assert_eq!((p.id.as_str(), p.name.as_str(), p.updated_at), ("W1", "Desk 1", at));
    let slow = br#"{"id":"W1","name":"Desk","service":"circulation","open":true,"staff":null,
      "queue_length":3,"oldest_waiting_since":null,"served_today":40,"mean_service_s":-1.0}"#;
    match service_point(slow, at) {
        Err(FetchError::Malformed(why)) => assert!(why.contains("out of range"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn implausible_readings_and_unknown_zones_are_rejected() {
    let body = br#"{"generated_at":"2026-11-21T10:00:00Z","readings":[
      {"zone_id":"Z1","at":"2026-11-21T10:00:00Z","temperature_c":21.0,"co2_ppm":600,"light_lux":500,"noise_db":35},
      {"zone_id":"Z1","at":"2026-11-21T10:00:00Z","temperature_c":900.0,"co2_ppm":600,"light_lux":500,"noise_db":35},
      {"zone_id":"Z2","at":"2026-11-21T10:00:00Z","temperature_c":21.0,"co2_ppm":-5,"light_lux":500,"noise_db":35},
      {"zone_id":"Z9","at":"2026-11-21T10:00:00Z","temperature_c":21.0,"co2_ppm":600,"light_lux":500,"noise_db":35}
    ]}"#;
    let u = environment(body, &known(&["Z1", "Z2"])).unwrap();
    assert_eq!(u.samples.len(), 1);
    assert_eq!(u.rejected.len(), 3);
    assert!(u.rejected[0].reason.contains("temperature_c 900"));
    assert!(u.rejected[1].reason.contains("co2_ppm -5"));
    assert!(u.rejected[2].reason.contains("unknown zone Z9"));
}

#[test]
fn service_points_are_cleaned_and_checked() {
    let body = br#"{"generated_at":"2026-11-21T10:00:00Z","staff_on_duty":["ana","b\u001bx"],"service_points":[
      {"id":"W1","name":"Desk \u202e1","service":"circulation","open":true,"staff":"ana","queue_length":3,
       "oldest_waiting_since":"2026-11-21T09:55:00Z","served_today":40,"mean_service_s":180.0},
      {"id":"W2","name":"Desk 2","service":"circulation","open":true,"staff":"ana","queue_length":3,
       "oldest_waiting_since":null,"served_today":40,"mean_service_s":-1.0}
    ]}"#;
    let u = service_points(body).unwrap();
    assert_eq!(u.staff_on_duty, ["ana"]);
    assert_eq!(u.points.len(), 1);
    assert_eq!(u.points[0].name, "Desk 1");
    assert_eq!(u.rejected.len(), 2);
}

#[test]
fn arrival_buckets_must_be_aligned_and_known() {
    let body = br#"{"from":"2026-11-21T09:00:00Z","to":"2026-11-21T10:00:00Z","step_s":900,"buckets":[
      {"service_point_id":"W1","start":"2026-11-21T09:00:00Z","arrivals":4,"served":4,"mean_wait_s":30.0},
      {"service_point_id":"W1","start":"2026-11-21T09:07:00Z","arrivals":4,"served":4,"mean_wait_s":30.0},
      {"service_point_id":"W9","start":"2026-11-21T09:15:00Z","arrivals":4,"served":4,"mean_wait_s":null}
    ]}"#;
    let u = arrivals(body, &known(&["W1"]), 900).unwrap();
    assert_eq!(u.buckets.len(), 1);
    assert_eq!(u.rejected.len(), 2);
    assert!(
        arrivals(body, &known(&["W1"]), 3600).is_err(),
        "a different step than asked is refused"
    );
}

#[test]
fn every_kept_string_is_free_of_unsafe_characters() {
    let body = br#"{"generated_at":"2026-11-21T10:00:00Z","cursor":"c","more":false,"items":[
      {"id":"I1","title":"\u001b[31mRed\u009b\u202eTitle","subject":"Hist\u0000ory","year":1999}]}"#;
    let u = catalog(body).unwrap();
    let i = &u.items[0];
    assert!(i.title.chars().chain(i.subject.chars()).all(|c| !is_unsafe_char(c)));
    assert_eq!(i.subject, "History");
}

#[test]
fn zone_counts_are_checked_one_by_one() {
    use crate::domain::layout::ZoneOccupancy;
    let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().to_utc();
    let now = at("2026-11-21T10:00:00Z");
    let z = |id: &str, count, capacity, t| ZoneOccupancy {
        zone_id: id.into(),
        count,
        capacity,
        at: at(t),
    };
    let mut u = OccupancyUpdate::new(now);
    u.push(z("Z1", 12, Some(20), "2026-11-21T10:00:00Z"), "{}");
    u.push(z("Z1", 3, None, "2026-11-21T10:00:00Z"), r#"{"id":1}"#);
    u.push(z("Z 2", 3, None, "2026-11-21T10:00:00Z"), "{}");
    u.push(z("Z3", MAX_ZONE_COUNT + 1, None, "2026-11-21T10:00:00Z"), "{}");
    u.push(z("Z4", 1, Some(MAX_ZONE_COUNT + 1), "2026-11-21T10:00:00Z"), "{}");
    u.push(z("Z5", 1, None, "2026-11-21T11:00:00Z"), &"x".repeat(10_000));
    assert_eq!(u.zones.len(), 1);
    let reasons: Vec<_> = u.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert!(reasons[0].contains("Z1 twice"), "{reasons:?}");
    assert_eq!(u.rejected[0].record, r#"{"id":1}"#);
    assert!(reasons[1].contains("invalid zone id"), "{reasons:?}");
    assert!(reasons[2].contains("beyond"), "{reasons:?}");
    assert!(reasons[3].contains("beyond"), "{reasons:?}");
    assert!(reasons[4].contains("after the report time"), "{reasons:?}");
    assert_eq!(u.rejected[4].record.len(), 4096);
}
