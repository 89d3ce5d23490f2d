//! The real binary end to end: `carrel sim`, `init`, `sync`, `seats`, `queues`; and the ingest
//! lease between two `sync --follow` processes.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use carrel::sim::Api;
use carrel::store::{Store, StoreOptions, lease};
use serde_json::Value;

fn carrel(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_carrel"));
    c.env_clear()
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_STATE_HOME", dir.join("state"));
    c
}

fn json(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Starts `carrel sim` on a free port and returns it with its base URL (read from its first
/// line of output).
fn spawn_sim(dir: &Path) -> (Child, String) {
    let mut child = carrel(dir)
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--speed",
            "0",
            "--seed",
            "4",
            "--start",
            "2026-11-18T11:00:00Z",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect(&line).to_owned();
    (child, url)
}

#[test]
fn headless_reads_match_the_simulators_own_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut sim, url) = spawn_sim(dir.path());
    let db = dir.path().join("x.db");
    let db = db.to_str().unwrap();
    let with_apis = |c: &mut Command| {
        c.env("CARREL_SENSOR_URL", &url).env("CARREL_RECS_URL", &url);
    };
    let mut init = carrel(dir.path());
    with_apis(&mut init);
    assert!(init.args(["init", "--db", db]).status().unwrap().success());
    let mut sync = carrel(dir.path());
    with_apis(&mut sync);
    let out = sync.args(["sync", "--once", "--json", "--db", db]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Each feed was fetched from the source that serves it: carrel's own APIs here.
    let synced: Value = serde_json::from_slice(&out.stdout).unwrap();
    for f in synced["feeds"].as_array().unwrap() {
        let want = match f["feed"].as_str().unwrap() {
            n if n.starts_with("sensor.") => Value::from("carrel"),
            n if n.starts_with("recs.") => Value::from("recs"),
            _ => Value::Null,
        };
        assert_eq!(f["source"], want, "{f}");
    }

    let seats = json(carrel(dir.path()).args(["seats", "--json", "--db", db]));
    let queues = json(carrel(dir.path()).args(["queues", "--json", "--db", db]));
    // `--state ghost` lists exactly the seats that the full list marks as ghosts.
    let ghosts = json(carrel(dir.path()).args(["seats", "--json", "--state", "ghost", "--db", db]));
    let id = |s: &Value| s["id"].as_str().unwrap().to_owned();
    let marked: Vec<String> =
        seats["seats"].as_array().unwrap().iter().filter(|s| s["ghost"] == true).map(id).collect();
    let listed: Vec<String> = ghosts["seats"].as_array().unwrap().iter().map(id).collect();
    assert!(!marked.is_empty(), "the simulated morning has ghost seats");
    assert_eq!(listed, marked);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim_seats = rt.block_on(common::get_json(&url, "/v1/seats"));
    let sim_windows = rt.block_on(common::get_json(&url, "/v1/service-points"));
    sim.kill().unwrap();
    let _ = sim.wait();

    let ours: Vec<(String, String, String)> = seats["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().into(),
                s["state"].as_str().unwrap().into(),
                s["since"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut theirs: Vec<(String, String, String)> = sim_seats["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let since = chrono::DateTime::parse_from_rfc3339(s["since"].as_str().unwrap())
                .unwrap()
                .to_utc();
            (
                s["id"].as_str().unwrap().into(),
                s["state"].as_str().unwrap().into(),
                since.to_rfc3339(),
            )
        })
        .collect();
    let mut ours_sorted: Vec<_> = ours
        .iter()
        .map(|(i, s, t)| {
            (
                i.clone(),
                s.clone(),
                chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc().to_rfc3339(),
            )
        })
        .collect();
    ours_sorted.sort();
    theirs.sort();
    assert_eq!(ours_sorted.len(), 600);
    assert!(ours_sorted == theirs, "carrel seats --json differs from GET /v1/seats");

    let key = |w: &Value| {
        (
            w["id"].as_str().unwrap().to_owned(),
            w["open"].as_bool().unwrap(),
            w["staff"].as_str().map(str::to_owned),
            w["queue_length"].as_u64().unwrap(),
            w["served_today"].as_u64().unwrap(),
        )
    };
    let mut ours: Vec<_> = queues["service_points"].as_array().unwrap().iter().map(key).collect();
    let mut theirs: Vec<_> =
        sim_windows["service_points"].as_array().unwrap().iter().map(key).collect();
    ours.sort();
    theirs.sort();
    assert!(!ours.is_empty());
    assert_eq!(ours, theirs);
    assert_eq!(queues["staff_on_duty"], sim_windows["staff_on_duty"]);
}

/// A `sync --follow` with a short lease, against its own simulator, logging to its own dir.
fn follower(dir: &Path, name: &str, db: &str, url: &str) -> Child {
    follower_to(dir, name, db, url, Stdio::null())
}

/// What a child writes to its terminal (stderr), gathered as it comes.
struct Terminal(std::sync::Arc<std::sync::Mutex<String>>);

impl Terminal {
    fn of(child: &mut Child) -> Terminal {
        let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = text.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut t = sink.lock().unwrap();
                t.push_str(&line);
                t.push('\n');
            }
        });
        Terminal(text)
    }

    fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }

    fn wait_for(&self, what: &str, needle: &str) {
        wait_for(what, Duration::from_secs(20), || self.text().contains(needle));
    }
}

fn follower_to(dir: &Path, name: &str, db: &str, url: &str, stderr: Stdio) -> Child {
    let cfg = dir.join(format!("{name}.toml"));
    let state = dir.join(format!("{name}-state"));
    std::fs::write(
        &cfg,
        format!(
            "[feeds.sensor]\nrefresh_s = 1\n[ingest]\nlease_ttl_s = 2\nbackoff_max_s = 1\n[logging]\ndir = \"{}\"\nlevel = \"debug\"\n",
            state.display()
        ),
    )
    .unwrap();
    carrel(dir)
        .args(["--config", cfg.to_str().unwrap(), "sync", "--follow", "--db", db])
        .env("CARREL_SENSOR_URL", url)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

fn holder(db: &Path) -> Option<String> {
    let store = Store::open(db, StoreOptions::default()).ok()?;
    lease::current(store.conn())
        .ok()
        .flatten()
        .filter(|l| l.is_alive(chrono::Utc::now()))
        .map(|l| l.holder)
}

fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn exactly_one_syncer_ingests_and_the_other_takes_over_when_it_dies() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("x.db");
    let db = db_path.to_str().unwrap().to_owned();
    assert!(carrel(dir.path()).args(["init", "--db", &db]).status().unwrap().success());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim_a = rt.block_on(common::frozen_sim(1, "none"));
    let sim_b = rt.block_on(common::frozen_sim(1, "none"));

    let mut a = follower(dir.path(), "a", &db, &sim_a.base_url());
    let a_pid = format!(":{}:", a.id());
    wait_for("the first syncer to take the lease", Duration::from_secs(20), || {
        holder(&db_path).is_some_and(|h| h.contains(&a_pid))
    });
    let a_holder = holder(&db_path).unwrap();
    let mut b = follower_to(dir.path(), "b", &db, &sim_b.base_url(), Stdio::piped());
    let b_pid = format!(":{}:", b.id());
    // The second says it waits, and for whom; not that it syncs.
    let b_says = Terminal::of(&mut b);
    b_says.wait_for("the second to say it waits", "waiting for the ingest lease");
    let said = b_says.text();
    assert!(said.contains(&format!("{a_holder} holds it")), "{said}");
    assert!(!said.contains("syncing as"), "{said}");
    let a_before = sim_a.requests(Api::Sensor);
    std::thread::sleep(Duration::from_secs(4));
    assert!(holder(&db_path).is_some_and(|h| h.contains(&a_pid)), "the lease stays with the first");
    assert!(sim_a.requests(Api::Sensor) > a_before, "the holder keeps ingesting");
    assert_eq!(
        sim_b.requests(Api::Sensor),
        0,
        "the second syncer must not poll while the first lives"
    );

    a.kill().unwrap(); // SIGKILL: no chance to release the lease
    let _ = a.wait();
    wait_for("the second syncer to take over", Duration::from_secs(20), || {
        holder(&db_path).is_some_and(|h| h.contains(&b_pid))
    });
    wait_for("the second syncer to ingest", Duration::from_secs(10), || {
        sim_b.requests(Api::Sensor) > 0
    });
    b_says.wait_for("the second to say it took over", "took over the ingest lease");
    let said = b_says.text();
    assert!(
        said.contains(&format!("took over the ingest lease from {a_holder}; syncing as")),
        "{said}"
    );

    // A clean stop gives the lease up at once.
    let pid = b.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = b.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(holder(&db_path), None);
    rt.block_on(async {
        sim_a.shutdown().await;
        sim_b.shutdown().await;
    });
}

/// Feed failures reach the terminal of `sync --follow` as they happen, once each however often
/// they repeat; the log file has every one.
#[test]
fn follow_tells_its_terminal_of_failures_without_repeating_them() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("x.db");
    let db = db_path.to_str().unwrap().to_owned();
    assert!(carrel(dir.path()).args(["init", "--db", &db]).status().unwrap().success());
    // Nothing listens on port 9 of loopback: every fetch fails to connect.
    let mut f = follower_to(dir.path(), "f", &db, "http://127.0.0.1:9", Stdio::piped());
    let says = Terminal::of(&mut f);
    says.wait_for("the first failure", "sensor.layout failed: cannot connect");
    let log = dir.path().join("f-state").join("carrel.log");
    wait_for("three failures of the layout in the log", Duration::from_secs(30), || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.lines().filter(|l| l.contains("feed failed") && l.contains("sensor.layout")).count()
            >= 3
    });
    let pid = f.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(f.wait().unwrap().success());
    let said = says.text();
    assert_eq!(said.matches("sensor.layout failed").count(), 1, "{said}");
    assert!(!said.contains("sensor.layout still failing"), "{said}");
    assert!(said.contains("syncing as"), "{said}");
}

/// Releasing a seat headless: refused for a sysadmin (and logged), done for the desk (and
/// logged), on a demo database with `--as`; `--as` refused on a real database.
#[test]
fn release_is_permitted_to_the_desk_only_and_always_logged() {
    let dir = tempfile::tempdir().unwrap();
    let (mut sim, url) = spawn_sim(dir.path());
    let db = dir.path().join("demo.db");
    let db = db.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut c = carrel(dir.path());
        c.env("CARREL_SENSOR_URL", &url).env("CARREL_RECS_URL", &url).args(args).args(["--db", db]);
        c.output().unwrap()
    };
    assert!(run(&["init", "--demo"]).status.success());
    assert!(run(&["sync", "--once"]).status.success());
    let seats = json(carrel(dir.path()).args(["seats", "--json", "--state", "away", "--db", db]));
    let seat = seats["seats"][0]["id"].as_str().expect("an away seat").to_owned();

    let denied = run(&["--as", "sam", "seat", "release", &seat, "--yes"]);
    assert_eq!(denied.status.code(), Some(1), "{}", String::from_utf8_lossy(&denied.stderr));
    assert!(String::from_utf8_lossy(&denied.stderr).contains("needs the desk role"));
    let done = run(&["--as", "dana", "seat", "release", &seat, "--yes", "--json"]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));

    let log = json(carrel(dir.path()).args([
        "--as",
        "ada",
        "audit",
        "log",
        "--action",
        "seat.release",
        "--json",
        "--db",
        db,
    ]));
    let entries: Vec<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (e["actor"].as_str().unwrap().to_owned(), e["outcome"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        entries,
        vec![("sam".to_owned(), "denied".to_owned()), ("dana".to_owned(), "allowed".to_owned())]
    );
    let verify = run(&["--as", "ada", "audit", "verify"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    // With no source that releases seats, the release is refused as bad input, naming what
    // is missing, before anything is checked or logged.
    let nowhere = carrel(dir.path())
        .args(["--as", "dana", "seat", "release", &seat, "--yes", "--db", db])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&nowhere.stderr);
    assert_eq!(nowhere.status.code(), Some(2), "{said}");
    assert!(said.contains("no configured source gives seat releases"), "{said}");
    sim.kill().unwrap();
    let _ = sim.wait();

    let real = dir.path().join("real.db");
    assert!(
        carrel(dir.path())
            .args(["init", "--db", real.to_str().unwrap()])
            .status()
            .unwrap()
            .success()
    );
    let o = carrel(dir.path())
        .args(["--as", "dana", "staff", "list", "--db", real.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("accepted only on demo databases"));
}
