use super::*;

fn client() -> QmaticClient {
    let endpoint = crate::config::Endpoint {
        url: "http://127.0.0.1:9/".parse().unwrap(),
        token: None,
        token_origin: None,
        connect_timeout: std::time::Duration::from_secs(1),
        timeout: std::time::Duration::from_secs(1),
        max_body_bytes: 1 << 20,
    };
    let api = ApiClient::new(&endpoint).unwrap();
    QmaticClient::new(api, 1, chrono_tz::Europe::London)
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn waiting(id: i64, created: &str) -> Waiting {
    Waiting { id, created: t(created), waiting_since: t(created) }
}

fn queue(id: i64, name: &str, waiting: u32, longest_s: u32) -> QueueNow {
    QueueNow { id, name: name.into(), waiting, longest_s }
}

fn point(id: i64, staff: Option<&str>, profile: Option<i64>) -> PointNow {
    let open = staff.is_some();
    PointNow { id, name: format!("Desk {id}"), open, staff: staff.map(str::to_owned), profile }
}

/// Two open points calling from one queue, a closed one, at `at`, with `pool` in point 1's pool.
fn snapshot(at: &str, pool: Vec<Waiting>) -> Snapshot {
    let mut snap = Snapshot { at: Some(t(at)), ..Default::default() };
    snap.points = vec![
        point(1, Some("ana"), Some(10)),
        point(2, Some("ben"), Some(10)),
        point(3, None, None),
    ];
    snap.profiles.insert(10, vec![queue(100, "circulation", 3, 240), queue(101, "returns", 0, 0)]);
    snap.pools.insert(1, pool);
    snap.pools.insert(2, vec![]);
    snap.pools.insert(3, vec![waiting(9, "2026-11-18T10:58:00Z")]);
    snap
}

#[test]
fn branch_clocks_with_and_without_an_offset_and_across_daylight_saving() {
    let tz = chrono_tz::Europe::London;
    assert_eq!(branch_time("2026-03-29T02:10:00+01:00", tz).unwrap(), t("2026-03-29T01:10:00Z"));
    // Winter: local is UTC; summer: UTC+1.
    assert_eq!(branch_time("2026-01-10T09:00:00", tz).unwrap(), t("2026-01-10T09:00:00Z"));
    assert_eq!(branch_time("2026-07-10 09:00:00.250", tz).unwrap(), t("2026-07-10T08:00:00.250Z"));
    // The hour skipped on 29 March 2026 does not exist.
    let e = branch_time("2026-03-29T01:30:00", tz).unwrap_err();
    assert!(e.contains("does not exist in Europe/London"), "{e}");
    // The hour repeated on 25 October 2026 is read as its first (summer-time) instance.
    assert_eq!(branch_time("2026-10-25T01:30:00", tz).unwrap(), t("2026-10-25T00:30:00Z"));
    assert!(branch_time("yesterday\u{1b}[2J", tz).unwrap_err().contains("not a date"));
}

#[test]
fn a_shared_queue_is_split_among_the_open_points_and_every_visit_counted_once() {
    let c = client();
    let snap = snapshot("2026-11-18T11:00:00Z", vec![waiting(1, "2026-11-18T10:55:00Z")]);
    let at = snap.at.unwrap();
    let w = c.windows(&snap, at);
    let got: Vec<(&str, bool, Option<&str>, &str, u32)> = w
        .iter()
        .map(|p| (p.id.as_str(), p.open, p.staff.as_deref(), p.service.as_str(), p.queue_length))
        .collect();
    assert_eq!(
        got,
        [
            ("1", true, Some("ana"), "circulation", 1 + 2),
            ("2", true, Some("ben"), "circulation", 1),
            ("3", false, None, UNASSIGNED, 1),
        ]
    );
    let total: u32 = w.iter().map(|p| p.queue_length).sum();
    assert_eq!(total, 1 + 3 + 1, "pools and the shared queue, each visit once");
    // The oldest wait is the longer of the pool's and the queue's.
    assert_eq!(w[0].oldest_waiting_since, Some(t("2026-11-18T10:55:00Z")), "its pool's");
    assert_eq!(w[1].oldest_waiting_since, Some(t("2026-11-18T10:56:00Z")), "the queue's 240 s");
    assert_eq!((w[0].served_today, w[0].mean_service_s), (0, 0.0), "unknown to Orchestra");

    // Closed later, point 2 keeps the service it was seen serving.
    let mut later = snapshot("2026-11-18T11:05:00Z", vec![]);
    later.points[1] = point(2, None, None);
    let w = c.windows(&later, later.at.unwrap());
    assert_eq!((w[1].open, w[1].service.as_str(), w[1].queue_length), (false, "circulation", 0));
    assert_eq!(w[0].queue_length, 3, "the open point calls the whole shared queue");
}

#[test]
fn arrivals_count_each_visit_once_and_a_repeated_report_is_the_same() {
    let c = client();
    let windows: BTreeSet<String> = ["1", "2", "3"].map(String::from).into();
    // First look at 11:05: the 11:00 bucket began before it and is never reported.
    c.remember(&snapshot("2026-11-18T11:05:00Z", vec![waiting(1, "2026-11-18T11:01:00Z")]));
    let from = t("2026-11-18T10:00:00Z");
    let to = t("2026-11-18T12:00:00Z");
    assert!(c.counts(from, to, 900, t("2026-11-18T11:05:00Z"), &windows).is_empty());
    // Later looks: two new visits in the 11:15 bucket, one seen twice; visit 1 still waits.
    let second = vec![
        waiting(1, "2026-11-18T11:01:00Z"),
        waiting(2, "2026-11-18T11:16:00Z"),
        waiting(3, "2026-11-18T11:20:00Z"),
    ];
    c.remember(&snapshot("2026-11-18T11:21:00Z", second.clone()));
    let first = c.counts(from, to, 900, t("2026-11-18T11:21:00Z"), &windows);
    c.remember(&snapshot("2026-11-18T11:22:00Z", second));
    let again = c.counts(from, to, 900, t("2026-11-18T11:22:00Z"), &windows);
    assert_eq!(first, again, "re-reporting gives the same count");
    let at = |w: &str| {
        first.iter().find(|b| b.service_point_id == w && b.start == t("2026-11-18T11:15:00Z"))
    };
    assert_eq!(at("1").map(|b| b.arrivals), Some(2));
    assert_eq!(at("2").map(|b| b.arrivals), Some(0), "a watched bucket without arrivals is 0");
    assert_eq!(first.len(), 3, "only the 11:15 bucket has begun since the first look");
    assert!(first.iter().all(|b| b.served.is_none() && b.mean_wait_s.is_none()));
    // Once served, visits are gone from the answers, and their bucket keeps its count.
    c.remember(&snapshot("2026-11-18T11:40:00Z", vec![]));
    let after = c.counts(from, to, 900, t("2026-11-18T11:40:00Z"), &windows);
    assert_eq!(after.iter().find(|b| b.service_point_id == "1").map(|b| b.arrivals), Some(2));

    // A restarted adapter sees only what still waits: it reports no bucket begun before its
    // first look, so the fuller count stored before the restart stands.
    let restarted = client();
    restarted.remember(&snapshot("2026-11-18T11:40:00Z", vec![waiting(3, "2026-11-18T11:20:00Z")]));
    let counts = restarted.counts(from, to, 900, t("2026-11-18T11:40:00Z"), &windows);
    assert!(counts.is_empty(), "{counts:?}");
}

#[test]
fn visits_in_a_shared_queue_go_to_the_first_open_point_calling_from_it() {
    let c = client();
    let windows: BTreeSet<String> = ["1", "2", "3"].map(String::from).into();
    c.remember(&snapshot("2026-11-18T11:00:00Z", vec![]));
    let mut snap = snapshot("2026-11-18T11:20:00Z", vec![]);
    snap.queue_visits.insert(100, vec![waiting(7, "2026-11-18T11:16:00Z")]);
    snap.queue_visits.insert(555, vec![waiting(8, "2026-11-18T11:17:00Z")]);
    c.remember(&snap);
    let counts = c.counts(
        t("2026-11-18T11:15:00Z"),
        t("2026-11-18T11:30:00Z"),
        900,
        t("2026-11-18T11:20:00Z"),
        &windows,
    );
    let n: Vec<(String, u32)> =
        counts.iter().map(|b| (b.service_point_id.clone(), b.arrivals)).collect();
    assert_eq!(
        n,
        [("1".into(), 1), ("2".into(), 0), ("3".into(), 0)],
        "no caller: not counted yet"
    );
}
