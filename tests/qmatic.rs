//! Qmatic Orchestra: the adapter against answers recorded from the public shapes
//! (`tests/fixtures/vendors/qmatic/`, served on loopback by a small fixture server), and the
//! real binary against the simulator's Qmatic flavour: `sync --once` with `[feeds.qmatic]` and
//! `[feeds.sensor]`, then `queues --json` agrees with the simulator's own API, and
//! `window set` through Qmatic changes the simulated desks.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/pty.rs"]
mod pty;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use carrel::config::{QmaticEndpoint, Secret};
use carrel::domain::api::ServicePointChange;
use carrel::domain::sanitize::is_unsafe_char;
use carrel::feeds::{FetchError, SensorSource, Sources};
use chrono::{DateTime, Utc};
use serde_json::Value;

const USER: &str = "carrel-api";
const PASSWORD: &str = "orchestra pass:word";

fn fixture(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vendors/qmatic");
    std::fs::read(dir.join(name)).unwrap()
}

/// What the fixture server answers: "METHOD /path" → (status, content type, body).
type Answers = Arc<Mutex<HashMap<String, (u16, &'static str, Vec<u8>)>>>;

async fn serve_fixture(
    State(answers): State<Answers>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(format!("Basic {expected}").as_str()) {
        return (StatusCode::UNAUTHORIZED, [("www-authenticate", "Basic realm=\"Orchestra\"")], "")
            .into_response();
    }
    let key = format!("{method} {}", uri.path());
    let found = answers.lock().unwrap().get(&key).cloned();
    match found {
        Some((status, kind, body)) => {
            (StatusCode::from_u16(status).unwrap(), [("content-type", kind)], body).into_response()
        }
        None => (StatusCode::NOT_FOUND, format!("no fixture for {key}")).into_response(),
    }
}

/// The branch as the fixtures tell it, before (`pool-1-before.json`) or after.
fn branch(answers: &Answers, after: bool) {
    let json = "application/json";
    let sp = "/rest/servicepoint/branches/1";
    let mut a = answers.lock().unwrap();
    let mut put = |path: String, file: &str| {
        a.insert(format!("GET {path}"), (200, json, fixture(file)));
    };
    put("/rest/managementinformation/v2/branches/1/servicePoints".into(), "servicePoints.json");
    put(format!("{sp}/workProfiles/10/queues/"), "workProfile-10-queues.json");
    put(format!("{sp}/queues/"), "queues.json");
    put(format!("{sp}/queues/100/visits/"), "queue-100-visits.json");
    put(
        format!("{sp}/servicePoints/1/pool/visits"),
        if after { "pool-1-after.json" } else { "pool-1-before.json" },
    );
    put(format!("{sp}/servicePoints/2/pool/visits"), "pool-empty.json");
    put(format!("{sp}/servicePoints/3/pool/visits"), "pool-3.json");
    put(format!("{sp}/servicePoints/4/pool/visits"), "pool-empty.json");
}

struct Orchestra {
    answers: Answers,
    url: String,
    _rt: tokio::runtime::Runtime,
}

impl Orchestra {
    fn start() -> Self {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let answers: Answers = Arc::default();
        let app = Router::new().fallback(serve_fixture).with_state(Arc::clone(&answers));
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
        branch(&answers, false);
        Self { answers, url, _rt: rt }
    }

    fn source(&self, password: &str) -> SensorSource {
        let q = QmaticEndpoint {
            endpoint: common::endpoint(&self.url, Duration::from_secs(5), 1 << 20),
            user: USER.into(),
            password: Secret::new(password),
            password_origin: "test".into(),
            branch_id: 1,
        };
        Sources::qmatic(&q, chrono_tz::Europe::London).unwrap()
    }

    fn answer(&self, path: &str, status: u16, kind: &'static str, body: Vec<u8>) {
        self.answers.lock().unwrap().insert(format!("GET {path}"), (status, kind, body));
    }
}

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

const PERSONAL: [&str; 5] = ["Dana", "Whitfield", "7700", "c-778", "A012"];

#[test]
fn service_points_map_sessions_pools_and_shared_queues_and_drop_what_they_must() {
    let orchestra = Orchestra::start();
    let source = orchestra.source(PASSWORD);
    let u = run(source.service_points()).unwrap();
    // The branch clock of the visits dates the report: 02:10 BST on the day clocks go forward.
    assert_eq!(u.generated_at, t("2026-03-29T01:10:00Z"));
    let got: Vec<(&str, bool, Option<&str>, u32)> = u
        .points
        .iter()
        .map(|p| (p.id.as_str(), p.open, p.staff.as_deref(), p.queue_length))
        .collect();
    // Point 1: two in its pool and 2 of the shared queue's 3; point 2 the third.
    assert_eq!(
        got,
        [
            ("1", true, Some("ana"), 4),
            ("2", true, Some("ben"), 1),
            ("3", false, None, 1),
            ("4", false, None, 0),
        ]
    );
    assert_eq!(u.staff_on_duty, ["ana", "ben"]);
    assert_eq!(u.points[0].oldest_waiting_since, Some(t("2026-03-29T01:05:00Z")));
    assert_eq!(u.points[1].oldest_waiting_since, Some(t("2026-03-29T01:06:00Z")));
    assert!(u.points[0].service.starts_with("Circulation"), "{}", u.points[0].service);
    assert_eq!(u.points[2].service, "unassigned");
    assert_eq!(u.points[3].name, "Service point 4", "a point with only an id");
    assert_eq!((u.points[0].served_today, u.points[0].mean_service_s), (0, 0.0));
    // Hostile strings arrive clean.
    for p in &u.points {
        for text in [&p.name, &p.service] {
            assert!(!text.chars().any(is_unsafe_char), "{text:?}");
        }
    }
    assert!(u.points[2].name.starts_with("Desk") && u.points[2].name.contains('3'));
    // Rejected: a login with a space, an id that is no number, a local time that does not
    // exist (01:30 on 29 March in London), a wait of 31 years.
    let reasons: Vec<&str> = u.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("invalid staff login")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("does not exist in Europe/London")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("visit 3002: wait")), "{reasons:?}");
    // Personal fields were never read: nothing handed on holds them.
    let kept = format!("{:?}", (&u.points, &u.staff_on_duty));
    for p in PERSONAL {
        assert!(!kept.contains(p), "{p} in {kept}");
    }
}

#[test]
fn arrivals_are_counted_once_from_new_visits_and_a_restart_reports_nothing_half_seen() {
    let orchestra = Orchestra::start();
    let source = orchestra.source(PASSWORD);
    let known: HashSet<String> = ["1", "2", "3", "4"].map(String::from).into();
    let (from, to) = (t("2026-03-29T00:00:00Z"), t("2026-03-29T03:00:00Z"));
    let first = run(source.arrivals(from, to, 900, &known)).unwrap();
    assert!(first.buckets.is_empty(), "nothing whole is known at the first look");

    branch(&orchestra.answers, true);
    let later = run(source.arrivals(from, to, 900, &known)).unwrap();
    let counts: Vec<(String, String, u32)> = later
        .buckets
        .iter()
        .map(|b| (b.service_point_id.clone(), b.start.format("%H:%M").to_string(), b.arrivals))
        .collect();
    let of = |w: &str, at: &str| counts.iter().find(|c| c.0 == w && c.1 == at).map(|c| c.2);
    assert_eq!(of("1", "01:30"), Some(2), "visits 1004 and 1005: {counts:?}");
    assert_eq!(of("1", "01:15"), Some(0), "{counts:?}");
    assert_eq!(of("2", "01:30"), Some(0));
    assert_eq!(counts.len(), 8, "two whole buckets begun, four windows: {counts:?}");
    assert!(later.buckets.iter().all(|b| b.served.is_none() && b.mean_wait_s.is_none()));
    let again = run(source.arrivals(from, to, 900, &known)).unwrap();
    assert_eq!(again.buckets, later.buckets, "the same report again");

    let restarted = orchestra.source(PASSWORD);
    let after_restart = run(restarted.arrivals(from, to, 900, &known)).unwrap();
    assert!(after_restart.buckets.is_empty(), "{:?}", after_restart.buckets);
}

#[test]
fn errors_are_said_in_a_sentence_and_a_wrong_password_is_refused() {
    let orchestra = Orchestra::start();
    let wrong = run(orchestra.source("not it").service_points()).unwrap_err();
    assert_eq!(wrong.status(), Some(401), "{wrong}");
    assert!(!wrong.to_string().contains("not it"));

    let source = orchestra.source(PASSWORD);
    let mi = "/rest/managementinformation/v2/branches/1/servicePoints";
    orchestra.answer(mi, 503, "application/problem+json", fixture("error-problem.json"));
    let e = run(source.service_points()).unwrap_err();
    // A problem's title says what, its detail which.
    assert_eq!(e.to_string(), "HTTP 503: Branch offline: Branch 1 is not connected to central[5m");
    assert!(
        matches!(&e, FetchError::Status { code: Some(c), .. } if c.ends_with("branch-offline"))
    );
    orchestra.answer(mi, 500, "text/html", fixture("error-plain.html"));
    let e = run(source.service_points()).unwrap_err();
    assert_eq!(e.to_string(), "HTTP 500: Internal Server Error");
    orchestra.answer(mi, 200, "application/json", b"{\"servicePoints\": [".to_vec());
    assert!(matches!(run(source.service_points()), Err(FetchError::Malformed(_))));
    orchestra.answer(mi, 200, "application/json", b"{\"not\": \"a list\"}".to_vec());
    assert!(matches!(run(source.service_points()), Err(FetchError::Malformed(_))));
}

#[test]
fn what_orchestra_cannot_do_is_refused_naming_it_and_the_other_feeds_are_not_given() {
    let orchestra = Orchestra::start();
    let source = orchestra.source(PASSWORD);
    assert_eq!(source.name(), "qmatic");
    let change = |open: Option<bool>, staff: Option<Option<&str>>| ServicePointChange {
        open,
        staff: staff.map(|s| s.map(str::to_owned)),
    };
    let now = Utc::now();
    let said = |id: &str, c: ServicePointChange| {
        run(source.change_service_point(id, &c, now)).unwrap_err().to_string()
    };
    assert!(said("circ-1", change(Some(true), None)).contains("numbers its service points"));
    assert!(said("9", change(Some(true), None)).contains("has no service point 9"));
    // Point 4 is closed: opening it needs someone whose session opens it.
    let e = said("4", change(Some(true), None));
    assert!(e.starts_with("Qmatic Orchestra opens a service point only by starting"), "{e}");
    // Point 1 is open with ana: taking her off without closing has no Orchestra state.
    let e = said("1", change(None, Some(None)));
    assert!(e.contains("to take the staff off, close the window"), "{e}");
    let e = said("4", change(Some(false), Some(Some("ana"))));
    assert!(e.contains("no staff at a closed service point"), "{e}");
    // Nothing was sent for any of those: the fixture server has no PUT or DELETE answers, and
    // a request would have been an HTTP error, not these sentences.
    let layout = run(source.layout()).unwrap_err();
    assert_eq!(layout.to_string(), "source 'qmatic' does not give the layout");
    let known = HashSet::new();
    assert!(matches!(run(source.release_seat("s1", &known)), Err(FetchError::NotGiven { .. })));
}

#[test]
fn the_simulators_flavour_wants_basic_auth_and_is_served_only_when_switched_on() {
    run(async {
        let mut cfg = carrel::sim::SimConfig::new(4);
        cfg.speed = 0.0;
        cfg.start = common::busy_morning();
        cfg.flavors = vec![carrel::sim::Flavor::Qmatic];
        cfg.qmatic_user = USER.into();
        cfg.qmatic_password = PASSWORD.into();
        let sim = carrel::sim::start(cfg, "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let url = format!(
            "{}/qmatic/rest/managementinformation/v2/branches/1/servicePoints",
            sim.base_url()
        );
        let http = reqwest::Client::new();
        let bare = http.get(&url).send().await.unwrap();
        assert_eq!(bare.status(), 401);
        assert_eq!(bare.headers()["www-authenticate"], "Basic realm=\"Orchestra\"");
        let wrong = http.get(&url).basic_auth(USER, Some("nope")).send().await.unwrap();
        assert_eq!(wrong.status(), 401);
        let good = http.get(&url).basic_auth(USER, Some(PASSWORD)).send().await.unwrap();
        assert_eq!(good.status(), 200);
        let points: Value = serde_json::from_slice(&good.bytes().await.unwrap()).unwrap();
        assert_eq!(points.as_array().unwrap().len(), 7);
        let other = url.replace("branches/1/", "branches/2/");
        let missing = http.get(&other).basic_auth(USER, Some(PASSWORD)).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        sim.shutdown().await;

        let plain = common::frozen_sim(4, "none").await;
        let url = format!(
            "{}/qmatic/rest/managementinformation/v2/branches/1/servicePoints",
            plain.base_url()
        );
        let off = http.get(&url).basic_auth(USER, Some(PASSWORD)).send().await.unwrap();
        assert_eq!(off.status(), 404, "no flavour, no Qmatic routes");
        plain.shutdown().await;
    });
}

// ---- against the simulator's Qmatic flavour, with the real binary ----

fn carrel(dir: &Path) -> Command {
    let mut c = common::carrel_in(dir);
    c.env("CARREL_CONFIG", dir.join("carrel.toml"));
    c
}

fn json(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn spawn_sim(dir: &Path) -> (Child, String) {
    let mut child = common::carrel_in(dir)
        .args(["sim", "--listen", "127.0.0.1:0", "--speed", "0", "--seed", "4"])
        .args(["--start", "2026-11-18T11:00:00Z", "--flavor", "qmatic"])
        .env("CARREL_QMATIC_USER", USER)
        .env("CARREL_QMATIC_PASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.contains("flavours qmatic"), "{line}");
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect(&line).to_owned();
    (child, url)
}

fn configure(dir: &Path, url: &str) -> PathBuf {
    let pw = dir.join("orchestra.password");
    std::fs::write(&pw, format!("{PASSWORD}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cfg = dir.join("carrel.toml");
    std::fs::write(
        &cfg,
        format!(
            "[feeds.sensor]\nurl = \"{url}\"\n\n[feeds.qmatic]\nurl = \"{url}/qmatic/\"\n\
             user = \"{USER}\"\npassword_file = \"orchestra.password\"\nbranch_id = 1\n"
        ),
    )
    .unwrap();
    cfg
}

#[test]
fn synced_through_qmatic_the_windows_agree_with_the_simulator_and_change_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mut sim, url) = spawn_sim(dir.path());
    configure(dir.path(), &url);
    let db = dir.path().join("x.db");
    let db = db.to_str().unwrap();
    let run_ok = |args: &[&str]| json(carrel(dir.path()).args(args).args(["--db", db]));
    let out = carrel(dir.path()).args(["init", "--demo", "--db", db]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let synced = run_ok(&["sync", "--once", "--json"]);
    for f in synced["feeds"].as_array().unwrap() {
        let want = match f["feed"].as_str().unwrap() {
            "sensor.service_points" | "sensor.arrivals" => "qmatic",
            n if n.starts_with("sensor.") => "carrel",
            _ => continue,
        };
        assert_eq!(f["source"], want, "{f}");
        assert!(f["error"].is_null(), "{f}");
    }
    let status = json(carrel(dir.path()).args(["status", "--json", "--db", db]));
    let sources = &status["sources"];
    for (what, who) in [
        ("service_points", "qmatic"),
        ("arrivals", "qmatic"),
        ("change_window", "qmatic"),
        ("layout", "carrel"),
        ("seats", "carrel"),
        ("environment", "carrel"),
        ("release_seat", "carrel"),
    ] {
        assert_eq!(sources[what], who, "{what}: {sources}");
    }

    // Windows as carrel holds them, keyed by name, against the simulator's own API.
    let own = |url: &str| {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(common::get_json(url, "/v1/service-points"))
    };
    let key = |w: &Value| {
        (
            w["name"].as_str().unwrap().to_owned(),
            w["open"].as_bool().unwrap(),
            if w["open"] == true { w["staff"].as_str().map(str::to_owned) } else { None },
            w["queue_length"].as_u64().unwrap(),
        )
    };
    let sim_windows = own(&url);
    let queues = run_ok(&["queues", "--json"]);
    let mut ours: Vec<_> = queues["service_points"].as_array().unwrap().iter().map(key).collect();
    let mut theirs: Vec<_> =
        sim_windows["service_points"].as_array().unwrap().iter().map(key).collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours.len(), 7);
    assert!(ours.iter().any(|w| w.3 > 0), "a busy morning has queues: {ours:?}");
    assert_eq!(ours, theirs);

    // Open the closed second enquiries desk with someone on duty and free, through Qmatic.
    let enq2 = queues["service_points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "Enquiries desk 2")
        .unwrap();
    assert_eq!(enq2["open"], false);
    let qid = enq2["id"].as_str().unwrap().to_owned();
    let busy: HashSet<&str> = sim_windows["service_points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["open"] == true)
        .filter_map(|w| w["staff"].as_str())
        .collect();
    let free = sim_windows["staff_on_duty"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|s| !busy.contains(s))
        .expect("someone free on duty")
        .to_owned();
    let refused = carrel(dir.path())
        .args(["--as", "dana", "window", "set", &qid, "--open", "--yes", "--db", db])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("source 'qmatic' refused") && said.contains("Qmatic Orchestra"),
        "{said}"
    );

    let opened = run_ok(&[
        "--as", "dana", "window", "set", &qid, "--open", "--staff", &free, "--yes", "--json",
    ]);
    assert_eq!(
        (opened["open"].as_bool(), opened["staff"].as_str()),
        (Some(true), Some(free.as_str()))
    );
    let enq2_now = |url: &str| {
        own(url)["service_points"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["id"] == "enq-2")
            .cloned()
            .unwrap()
    };
    let w = enq2_now(&url);
    assert_eq!((w["open"].as_bool(), w["staff"].as_str()), (Some(true), Some(free.as_str())));

    let closed = run_ok(&["--as", "dana", "window", "set", &qid, "--close", "--yes", "--json"]);
    assert_eq!(closed["open"], false);
    assert_eq!(enq2_now(&url)["open"], false);
    sim.kill().unwrap();
    let _ = sim.wait();
}

/// `carrel demo --flavor qmatic` in a terminal: the windows come from Orchestra (the System tab
/// says so), closing one ends its session there, and undoing it opens it again with the same
/// staff.
#[test]
fn the_demo_fed_by_qmatic_closes_and_reopens_a_window_through_orchestra() {
    let wait = Duration::from_secs(30);
    let home = tempfile::tempdir().unwrap();
    let args = [
        "demo",
        "--flavor",
        "qmatic",
        "--seed",
        "4",
        "--speed",
        "0",
        "--start",
        "2026-11-18T11:00:00Z",
    ];
    let mut p = pty::Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &args, 100, 30, home.path(), &[]);
    p.wait_for("Ghost seats", wait);
    p.send("6");
    let screen = p.wait_for("sensor.service_points", wait);
    let feed = screen.lines().find(|l| l.contains("sensor.service_points")).unwrap().to_owned();
    assert!(feed.contains("qmatic"), "{feed}");
    p.send("2");
    let screen = p.wait_for("Circulation desk 1", wait);
    let before = row(&screen);
    assert!(before.contains("open"), "{before}");
    let staff = before.split_whitespace().nth(5).unwrap().to_owned();
    p.send("c");
    p.wait_for("close Circulation desk 1?", wait);
    p.send("y");
    p.wait_for("Circulation desk 1: done", wait);
    row_until(&p, wait, |r| r.contains("closed"));
    p.send("u");
    p.wait_for("y confirm", wait);
    p.send("y");
    let after = row_until(&p, wait, |r| r.contains("open"));
    assert!(after.contains(&staff), "reopened with {staff}: {after}");
    p.send("q");
    assert!(p.wait_exit(wait));
}

/// The row of Circulation desk 1 on screen.
fn row(screen: &str) -> String {
    screen.lines().find(|l| l.contains("Circulation desk 1")).unwrap_or_default().to_owned()
}

/// Waits up to `wait` for the row of Circulation desk 1 to be as `want` says; returns it.
fn row_until(p: &pty::Pty, wait: Duration, want: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + wait;
    loop {
        let r = row(&p.screen());
        if want(&r) {
            return r;
        }
        assert!(std::time::Instant::now() < deadline, "the window row stays {r}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
