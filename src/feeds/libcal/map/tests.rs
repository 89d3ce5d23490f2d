use super::*;

fn raw(text: &str) -> Box<RawValue> {
    RawValue::from_string(text.to_owned()).unwrap()
}

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().to_utc()
}

fn known(ids: &[&str]) -> HashSet<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

fn booking(id: &str, seat: u64, from: &str, to: &str, check_in: &str) -> Box<RawValue> {
    raw(&format!(
        r#"{{"bookId":"{id}","seat_id":{seat},"fromDate":"{from}","toDate":"{to}",
            "status":"Confirmed","check_in_status":"{check_in}","firstName":"Ada",
            "lastName":"Lovelace","email":"ada@example.org","account":"alove"}}"#
    ))
}

fn rules(midnight: &str) -> Rules {
    Rules { no_show_after: Duration::minutes(15), day_start: at(midnight) }
}

fn state_of(u: &SeatsUpdate, id: &str) -> (SeatState, DateTime<Utc>) {
    let s = u.seats.iter().find(|s| s.id == id).unwrap();
    (s.state, s.since)
}

#[test]
fn locations_become_floors_and_zones_keep_their_seats() {
    let main = LocationRecords {
        lid: 702,
        name: "Main Library\u{1b}[2J".into(),
        seats: vec![
            raw(r#"{"id":54435,"name":"Desk 1","isAccessible":true,"isPowered":true,
                    "zone":{"id":81,"name":"Second floor"},"email":"x@example.org"}"#),
            raw(r#"{"id":54436,"name":"","zone":{"id":81,"name":"ignored"}}"#),
            raw(r#"{"id":54437,"name":"Lounge chair"}"#),
            raw(r#"{"id":54435,"name":"Desk 1 again","zone":{"id":81,"name":"x"}}"#),
            raw(r#"{"id":"54438","name":"Jane's desk"}"#),
        ],
        zones: vec![
            raw(r#"{"id":81,"name":"Second floor","spaces":[]}"#),
            raw(r#"{"id":82,"name":"Group rooms","spaces":[]}"#),
        ],
    };
    let annex = LocationRecords {
        lid: 703,
        name: String::new(),
        seats: vec![raw(r#"{"id":60001,"name":"A1","zone":{"id":81,"name":"elsewhere"}}"#)],
        zones: vec![],
    };
    let l = layout(&[main, annex], at("2026-11-21T10:00:00Z"));
    assert!(l.without_positions);
    let floors: Vec<_> =
        l.floors.iter().map(|f| (f.id.as_str(), f.name.as_str(), f.level)).collect();
    assert_eq!(floors, [("702", "Main Library[2J", 0), ("703", "Location 703", 1)]);
    let zones: Vec<_> =
        l.zones.iter().map(|z| (z.id.as_str(), z.floor_id.as_str(), z.name.as_str())).collect();
    assert_eq!(
        zones,
        [
            ("81", "702", "Second floor"),
            ("82", "702", "Group rooms"),
            ("702:none", "702", "Main Library[2J (no zone)"),
        ]
    );
    assert!(l.zones.iter().all(|z| z.kind == ZONE_KIND));
    let seats: Vec<_> = l
        .seats
        .iter()
        .map(|s| (s.id.as_str(), s.zone_id.as_str(), s.label.as_str(), s.power, s.accessible))
        .collect();
    assert_eq!(
        seats,
        [
            ("54435", "81", "Desk 1", true, true),
            ("54436", "81", "54436", false, false),
            ("54437", "702:none", "Lounge chair", false, false),
        ]
    );
    let reasons: Vec<_> = l.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].contains("duplicate id 54435"), "{reasons:?}");
    assert!(reasons[1].starts_with("seat: invalid type"), "{reasons:?}");
    assert!(!reasons[1].contains("Jane"), "{reasons:?}");
    assert!(reasons[2].contains("zone 81 is in location 702 and in location 703"), "{reasons:?}");
    assert!(!l.complete());
}

#[test]
fn bookings_become_states_by_check_in_and_time() {
    let now = at("2026-11-21T15:00:00Z"); // 10:00 in New York
    let b = [
        // Checked in at 09:30, until 12:00: occupied since 09:30.
        booking("cs_in", 1, "2026-11-21T09:30:00-05:00", "2026-11-21T12:00:00-05:00", "Checked In"),
        // Began at 09:50, not checked in: reserved (10 min of 15).
        booking("cs_res", 2, "2026-11-21T09:50:00-05:00", "2026-11-21T11:00:00-05:00", ""),
        // Began at 09:40, not checked in: a no-show (20 min), away since 09:40.
        booking(
            "cs_gone",
            3,
            "2026-11-21T09:40:00-05:00",
            "2026-11-21T11:00:00-05:00",
            "Not Checked In",
        ),
        // Checked in early for 10:30: occupied since now.
        booking(
            "cs_early",
            4,
            "2026-11-21T10:30:00-05:00",
            "2026-11-21T12:00:00-05:00",
            "checked_in",
        ),
        // Ended at 09:00: free since 09:00.
        booking(
            "cs_done",
            5,
            "2026-11-21T08:00:00-05:00",
            "2026-11-21T09:00:00-05:00",
            "Checked In",
        ),
        // Checked out: free since its start.
        booking(
            "cs_out",
            6,
            "2026-11-21T09:00:00-05:00",
            "2026-11-21T12:00:00-05:00",
            "Checked Out",
        ),
        // Later today: the seat is free until then.
        booking("cs_later", 7, "2026-11-21T14:00:00-05:00", "2026-11-21T15:00:00-05:00", ""),
    ];
    let u = seats(
        &b,
        &known(&["1", "2", "3", "4", "5", "6", "7", "8"]),
        now,
        &rules("2026-11-21T05:00:00Z"),
    );
    assert!(u.full);
    assert!(u.rejected.is_empty(), "{:?}", u.rejected);
    assert_eq!(u.seats.len(), 8);
    assert_eq!(state_of(&u, "1"), (SeatState::Occupied, at("2026-11-21T14:30:00Z")));
    assert_eq!(state_of(&u, "2"), (SeatState::Reserved, at("2026-11-21T14:50:00Z")));
    assert_eq!(state_of(&u, "3"), (SeatState::Away, at("2026-11-21T14:40:00Z")));
    assert_eq!(state_of(&u, "4"), (SeatState::Occupied, now));
    assert_eq!(state_of(&u, "5"), (SeatState::Free, at("2026-11-21T14:00:00Z")));
    assert_eq!(state_of(&u, "6"), (SeatState::Free, at("2026-11-21T14:00:00Z")));
    assert_eq!(state_of(&u, "7"), (SeatState::Free, at("2026-11-21T05:00:00Z")));
    assert_eq!(state_of(&u, "8"), (SeatState::Free, at("2026-11-21T05:00:00Z")));
    assert!(u.seats.iter().all(|s| s.sensor == SensorHealth::Ok && s.since <= now));
}

#[test]
fn a_no_show_is_listed_as_a_ghost_once_away_for_the_ghost_limit() {
    let view = |s: &SeatStatus| crate::domain::layout::SeatView {
        id: s.id.clone(),
        label: s.id.clone(),
        floor_id: "702".into(),
        zone_id: "81".into(),
        zone_kind: ZONE_KIND,
        x: 0,
        y: 0,
        power: false,
        accessible: false,
        state: Some(s.state),
        since: Some(s.since),
        sensor: Some(s.sensor),
    };
    let b = [booking("cs_1", 1, "2026-11-21T09:00:00-05:00", "2026-11-21T12:00:00-05:00", "")];
    let ghost_limit = Duration::minutes(30);
    let r = rules("2026-11-21T05:00:00Z");
    let at_minute = |m: i64| {
        let now = at("2026-11-21T14:00:00Z") + Duration::minutes(m);
        let u = seats(&b, &known(&["1"]), now, &r);
        (u.seats[0].state, view(&u.seats[0]).is_ghost(now, ghost_limit))
    };
    assert_eq!(at_minute(14), (SeatState::Reserved, false));
    assert_eq!(at_minute(15), (SeatState::Away, false));
    assert_eq!(at_minute(30), (SeatState::Away, true));
}

#[test]
fn the_hour_repeated_when_daylight_saving_ends_is_two_hours() {
    // 1 November 2026 in New York: 01:00–02:00 happens twice, first at -04:00, then at -05:00.
    let first =
        booking("cs_a", 1, "2026-11-01T01:00:00-04:00", "2026-11-01T01:59:00-04:00", "Checked In");
    let second = booking("cs_b", 2, "2026-11-01T01:00:00-05:00", "2026-11-01T01:59:00-05:00", "");
    let compact =
        booking("cs_c", 3, "2026-11-01T01:00:00-0500", "2026-11-01T01:59:00-0500", "Checked In");
    // 01:20 the second time (06:20 UTC).
    let now = at("2026-11-01T06:20:00Z");
    let u = seats(
        &[first, second, compact],
        &known(&["1", "2", "3"]),
        now,
        &rules("2026-11-01T04:00:00Z"),
    );
    assert!(u.rejected.is_empty(), "{:?}", u.rejected);
    assert_eq!(state_of(&u, "1"), (SeatState::Free, at("2026-11-01T05:59:00Z")));
    assert_eq!(state_of(&u, "2"), (SeatState::Away, at("2026-11-01T06:00:00Z")));
    assert_eq!(state_of(&u, "3"), (SeatState::Occupied, at("2026-11-01T06:00:00Z")));
}

#[test]
fn cancelled_bookings_and_bookings_of_spaces_are_ignored() {
    let now = at("2026-11-21T15:00:00Z");
    let b = [
        raw(r#"{"bookId":"cs_x","seat_id":1,"fromDate":"2026-11-21T09:30:00-05:00",
               "toDate":"2026-11-21T12:00:00-05:00","status":"Cancelled by User",
               "check_in_status":""}"#),
        raw(r#"{"bookId":"cs_y","seat_id":2,"fromDate":"2026-11-21T09:30:00-05:00",
               "toDate":"2026-11-21T12:00:00-05:00","status":"Confirmed",
               "cancelled":"2026-11-21T09:00:00-05:00","check_in_status":"Checked In"}"#),
        raw(r#"{"bookId":"cs_room","eid":469,"fromDate":"2026-11-21T09:30:00-05:00",
               "toDate":"2026-11-21T12:00:00-05:00","check_in_status":"Checked In"}"#),
        raw(r#"{"bookId":"cs_z","seat_id":3,"fromDate":"2026-11-21T09:30:00-05:00",
               "toDate":"2026-11-21T12:00:00-05:00","cancelled":null,"check_in_status":"Checked In"}"#),
    ];
    let u = seats(&b, &known(&["1", "2", "3"]), now, &rules("2026-11-21T05:00:00Z"));
    assert!(u.rejected.is_empty(), "{:?}", u.rejected);
    assert_eq!(state_of(&u, "1").0, SeatState::Free);
    assert_eq!(state_of(&u, "2").0, SeatState::Free);
    assert_eq!(state_of(&u, "3").0, SeatState::Occupied);
}

#[test]
fn bad_bookings_are_rejected_with_their_declared_fields_only() {
    let now = at("2026-11-21T15:00:00Z");
    let b = [
        booking("cs_1", 99, "2026-11-21T09:30:00-05:00", "2026-11-21T12:00:00-05:00", ""),
        booking("cs_2", 1, "2026-11-21T09:30:00", "2026-11-21T12:00:00-05:00", ""),
        booking("cs_3", 1, "2026-11-21T12:30:00-05:00", "2026-11-21T12:00:00-05:00", ""),
        booking("cs_4", 1, "2026-11-21T09:30:00-05:00", "2026-11-21T12:00:00-05:00", "Wandering"),
        raw(r#"{"bookId":7,"seat_id":1,"fromDate":"x","toDate":"y","email":"ada@example.org"}"#),
        raw(r#"{"seat_id":1,"fromDate":"x","toDate":"y","firstName":"Ada"}"#),
        booking("cs_5", 1, "2026-11-21T09:30:00-05:00", "2026-11-21T12:00:00-05:00", "Checked In"),
        booking("cs_5", 1, "2026-11-21T09:30:00-05:00", "2026-11-21T12:00:00-05:00", "Checked In"),
    ];
    let u = seats(&b, &known(&["1"]), now, &rules("2026-11-21T05:00:00Z"));
    let reasons: Vec<_> = u.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons.len(), 6, "{reasons:?}");
    assert!(reasons[0].contains("booking cs_1: unknown seat 99"), "{reasons:?}");
    assert!(reasons[1].contains("fromDate") && reasons[1].contains("UTC offset"), "{reasons:?}");
    assert!(reasons[2].contains("before it begins"), "{reasons:?}");
    assert!(reasons[3].contains("unknown check-in status \"Wandering\""), "{reasons:?}");
    assert!(reasons[4].contains("invalid type"), "{reasons:?}");
    assert!(reasons[5].contains("missing field `bookId`"), "{reasons:?}");
    for r in &u.rejected {
        for personal in ["Ada", "Lovelace", "ada@example.org", "alove"] {
            assert!(!r.record.contains(personal), "{r:?}");
            assert!(!r.reason.contains(personal), "{r:?}");
        }
    }
    assert_eq!(state_of(&u, "1").0, SeatState::Occupied);
    assert!(!format!("{u:?}").contains("Lovelace"));
}

#[test]
fn of_two_bookings_at_once_the_one_with_someone_there_wins() {
    let now = at("2026-11-21T15:00:00Z");
    let b = [
        booking("cs_1", 1, "2026-11-21T09:50:00-05:00", "2026-11-21T12:00:00-05:00", ""),
        booking("cs_2", 1, "2026-11-21T09:00:00-05:00", "2026-11-21T12:00:00-05:00", "Checked In"),
        booking("cs_3", 2, "2026-11-21T09:50:00-05:00", "2026-11-21T12:00:00-05:00", ""),
        booking("cs_4", 2, "2026-11-21T09:00:00-05:00", "2026-11-21T12:00:00-05:00", ""),
    ];
    let u = seats(&b, &known(&["1", "2"]), now, &rules("2026-11-21T05:00:00Z"));
    assert_eq!(state_of(&u, "1"), (SeatState::Occupied, at("2026-11-21T14:00:00Z")));
    assert_eq!(state_of(&u, "2"), (SeatState::Away, at("2026-11-21T14:00:00Z")));
}

#[test]
fn only_a_no_show_has_a_booking_to_cancel() {
    let now = at("2026-11-21T15:00:00Z");
    let r = rules("2026-11-21T05:00:00Z");
    let b = [
        booking("cs_gone", 1, "2026-11-21T09:00:00-05:00", "2026-11-21T12:00:00-05:00", ""),
        booking("cs_in", 2, "2026-11-21T09:00:00-05:00", "2026-11-21T12:00:00-05:00", "Checked In"),
        booking("cs_res", 3, "2026-11-21T09:55:00-05:00", "2026-11-21T12:00:00-05:00", ""),
        booking("cs_old", 4, "2026-11-21T09:00:00-05:00", "2026-11-21T12:00:00-05:00", ""),
        booking(
            "cs_new",
            4,
            "2026-11-21T09:00:00-05:00",
            "2026-11-21T12:00:00-05:00",
            "Checked In",
        ),
    ];
    assert_eq!(no_show_booking(&b, "1", now, &r).as_deref(), Some("cs_gone"));
    assert_eq!(no_show_booking(&b, "2", now, &r), None);
    assert_eq!(no_show_booking(&b, "3", now, &r), None);
    assert_eq!(no_show_booking(&b, "4", now, &r), None);
    assert_eq!(no_show_booking(&b, "5", now, &r), None);
}

#[test]
fn rooms_booked_whole_are_counted_per_zone() {
    let now = at("2026-11-21T15:00:00Z");
    let zones = [
        raw(r#"{"id":82,"name":"Group rooms","spaces":[
            {"id":469,"name":"Room 1","bookableAsWhole":true,"currentOccupancy":4,"currentCapacity":6,"maxCapacity":8},
            {"id":470,"name":"Room 2","bookableAsWhole":true,"currentOccupancy":2,"maxCapacity":4},
            {"id":471,"name":"Open seats","bookableAsWhole":false,"currentOccupancy":30,"maxCapacity":40}
        ]}"#),
        raw(r#"{"id":83,"name":"Carrels","spaces":[
            {"id":480,"name":"Carrel room","bookableAsWhole":true,"currentOccupancy":1},
            {"id":481,"name":"Bad","bookableAsWhole":true,"currentOccupancy":-3},
            {"id":482,"name":"Also bad","bookableAsWhole":true}
        ]}"#),
        raw(r#"{"id":81,"name":"Second floor","spaces":[
            {"id":490,"name":"Reading room","currentOccupancy":12,"maxCapacity":60}
        ]}"#),
        raw(r#"{"id":"84","name":"Bad zone"}"#),
        raw(r#"{"id":82,"name":"Again","spaces":[
            {"id":499,"bookableAsWhole":true,"currentOccupancy":1,"maxCapacity":2}
        ]}"#),
    ];
    let o = occupancy(&zones, now);
    let got: Vec<_> = o.zones.iter().map(|z| (z.zone_id.as_str(), z.count, z.capacity)).collect();
    assert_eq!(got, [("82", 6, Some(10)), ("83", 1, None)]);
    assert!(o.zones.iter().all(|z| z.at == now));
    let reasons: Vec<_> = o.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons[0].starts_with("space: invalid value"), "{reasons:?}");
    assert!(reasons[1].contains("missing field `currentOccupancy`"), "{reasons:?}");
    assert!(reasons[2].starts_with("zone: invalid type"), "{reasons:?}");
    assert!(reasons[3].contains("82 twice"), "{reasons:?}");
}
