//! The audit log witnessed by the three committee parties, end to end through the real binary:
//! three `carrel witness serve` processes on loopback (user committee, library, supplier), the
//! library's ingest (`carrel sync --follow`) submitting each new checkpoint to them,
//! `audit verify --witness-policy 2-of-3` passing on what they cosigned. Then a forked copy of
//! the log (history rewritten, the local checkpoints deleted) is given to one witness, which
//! refuses it, and the copy raises the `witness-refused` alert; a witness stopped is seen in
//! `status --json` and on the console's System tab.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/pty.rs"]
mod pty;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const WAIT: Duration = Duration::from_secs(90);

use common::procs::Running;

struct Site {
    home: tempfile::TempDir,
}

impl Site {
    fn carrel(&self) -> Command {
        common::carrel_in(self.home.path())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.carrel().args(args).output().unwrap()
    }

    /// `carrel ARGS` on `db` with `config`, as sam (the demo's sysadmin).
    fn on(&self, config: &Path, db: &Path, args: &[&str]) -> Output {
        self.carrel()
            .args(["--config", config.to_str().unwrap(), "--db", db.to_str().unwrap()])
            .args(["--as", "sam"])
            .args(args)
            .output()
            .unwrap()
    }

    /// Starts a witness named `name` for the log `log_key`; returns it, its URL and its key.
    fn witness(&self, name: &str, log_key: &str) -> (Running, String, String) {
        let key = self.path(&format!("{}.key", name.replace('/', "_")));
        let state = self.path(&format!("{}.state", name.replace('/', "_")));
        let o = self.run(&["witness", "new-key", name, "--key", key.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        let vkey = String::from_utf8(o.stdout).unwrap().trim().to_owned();
        let (process, url, _) = common::procs::witness(self.home.path(), log_key, &key, &state);
        (process, url, vkey)
    }

    /// `carrel sync --follow` on `db` with `config`, until dropped.
    fn ingest(&self, config: &Path, db: &Path) -> Running {
        Running(
            self.carrel()
                .args(["--config", config.to_str().unwrap(), "--db", db.to_str().unwrap()])
                .args(["--as", "sam", "sync", "--follow"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    }

    fn status(&self, config: &Path, db: &Path) -> Value {
        let o = self.on(config, db, &["status", "--json"]);
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)))
    }
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout)
}

/// Polls `f` until it gives `Some`, failing with `what` after [`WAIT`].
fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < WAIT, "waited {WAIT:?} for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The configuration of a site whose ingest reads the simulator at `sim` and submits a
/// checkpoint every second to `witnesses` (name, URL, key).
fn config(path: &Path, sim: &str, witnesses: &[(&str, &str, &str)]) {
    let mut c = format!(
        "[feeds.sensor]\nurl = \"{sim}\"\n[alerts]\nevery_s = 10\n[audit]\ncheckpoint_every_s = 1\nwitness_silent_after_s = 2\n"
    );
    for (name, url, key) in witnesses {
        c.push_str(&format!(
            "[[audit.witnesses]]\nname = \"{name}\"\nurl = \"{url}\"\nkey = \"{key}\"\n"
        ));
    }
    std::fs::write(path, c).unwrap();
}

fn witness<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["audit"]["witnesses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == name)
        .unwrap_or_else(|| panic!("no witness {name} in {status}"))
}

const PARTIES: [&str; 3] = ["user-committee.example/w", "library.example/w", "supplier.example/w"];

#[test]
fn three_parties_witness_the_log_and_a_fork_or_a_silence_is_seen() {
    let site = Site { home: tempfile::tempdir().unwrap() };
    let db = site.path("library.db");
    let o = site.run(&["init", "--demo", "--db", db.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let bare = site.path("bare.toml");
    std::fs::write(&bare, "").unwrap();
    let o = site.on(&bare, &db, &["audit", "key"]);
    assert!(o.status.success(), "{}", text(&o));
    let log_key = String::from_utf8(o.stdout).unwrap().trim().to_owned();

    let (_sim, sim_url) = common::procs::sim(site.home.path(), &["--speed", "0"]);

    let mut witnesses: Vec<(Running, String, String)> =
        PARTIES.iter().map(|p| site.witness(p, &log_key)).collect();
    let all: Vec<(&str, &str, &str)> = PARTIES
        .iter()
        .zip(&witnesses)
        .map(|(p, (_, url, key))| (*p, url.as_str(), key.as_str()))
        .collect();
    let cfg = site.path("library.toml");
    config(&cfg, &sim_url, &all);

    // The ingest signs checkpoints and every party cosigns them.
    let ingest = site.ingest(&cfg, &db);
    let size = until("three cosignatures", || {
        let s = site.status(&cfg, &db);
        let sizes: Vec<u64> =
            PARTIES.iter().filter_map(|p| witness(&s, p)["cosigned_size"].as_u64()).collect();
        (sizes.len() == 3).then(|| sizes.into_iter().min().unwrap())
    });
    assert!(size > 0);
    // The log grows (each verification is an entry) and the witnesses follow it.
    let o = site.on(&cfg, &db, &["audit", "note", "a backup was taken"]);
    assert!(o.status.success(), "{}", text(&o));
    until("the witnesses to follow the log", || {
        let s = site.status(&cfg, &db);
        PARTIES
            .iter()
            .all(|p| witness(&s, p)["cosigned_size"].as_u64().is_some_and(|n| n > size))
            .then_some(())
    });
    let o = site.on(&cfg, &db, &["audit", "verify", "--witness-policy", "2-of-3"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("cosigned by 3 of 3 witnesses (2 needed)"), "{}", text(&o));
    // A proof of entry 3 that a regulator checks with no database, trusting the log's key and
    // the three parties' keys.
    let o = site.on(&cfg, &db, &["audit", "prove", "3", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let proof = site.path("entry-3.json");
    std::fs::write(&proof, &o.stdout).unwrap();
    let mut check = vec!["audit", "check-proof", proof.to_str().unwrap(), "--log-key", &log_key];
    for (_, _, key) in &all {
        check.extend(["--witness", key]);
    }
    check.extend(["--witness-policy", "2-of-3"]);
    let o = site.carrel().args(&check).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("3 of 3 witnesses cosigned the checkpoint"), "{}", text(&o));
    let o = site.on(&cfg, &db, &["audit", "verify", "--witness-policy", "2-of-2"]);
    assert_eq!(o.status.code(), Some(2), "the policy names as many witnesses as are configured");
    drop(ingest);

    // A copy of the log with its history rewritten and its own checkpoints gone, as an owner
    // would leave it, given to the supplier's witness only: it refuses it.
    let fork = site.path("fork.db");
    std::fs::copy(&db, &fork).unwrap();
    common::tamper::rewrite_consistently(&fork, 3);
    common::backend::as_owner(
        &fork,
        "DELETE FROM audit_cosignatures; DELETE FROM audit_checkpoints; DELETE FROM audit_witnesses;",
    );
    let fork_cfg = site.path("fork.toml");
    config(&fork_cfg, &sim_url, &all[2..]);
    let forked = site.ingest(&fork_cfg, &fork);
    let refusal = until("the refusal", || {
        let s = site.status(&fork_cfg, &fork);
        witness(&s, PARTIES[2])["refusal"].as_str().map(str::to_owned)
    });
    assert!(refusal.contains("inconsistent"), "{refusal}");
    let alert = until("the witness-refused alert", || {
        let o = site.on(&fork_cfg, &fork, &["alerts", "--json"]);
        let list: Value = serde_json::from_slice(&o.stdout).ok()?;
        list.as_array()?.iter().find(|a| a["rule"] == "witness-refused").cloned()
    });
    assert_eq!(alert["severity"], "critical", "{alert}");
    assert!(alert["summary"].as_str().unwrap().contains(PARTIES[2]), "{alert}");
    drop(forked);
    // The witness still holds the library's true history.
    let o = site.on(&cfg, &db, &["audit", "verify", "--witness-policy", "3-of-3"]);
    assert!(o.status.success(), "{}", text(&o));

    // The library's witness stops: the ingest says so in status --json, the rules raise
    // witness-silent, and the console's System tab shows it.
    drop(witnesses.remove(1));
    let ingest = site.ingest(&cfg, &db);
    let o = site.on(&cfg, &db, &["audit", "note", "after the library's witness stopped"]);
    assert!(o.status.success(), "{}", text(&o));
    let error = until("the stopped witness's error", || {
        let s = site.status(&cfg, &db);
        witness(&s, PARTIES[1])["error"].as_str().map(str::to_owned)
    });
    assert!(error.contains("nreachable") || error.contains("connect"), "{error}");
    let silent = until("the witness-silent alert", || {
        let o = site.on(&cfg, &db, &["alerts", "--json"]);
        let list: Value = serde_json::from_slice(&o.stdout).ok()?;
        list.as_array()?.iter().find(|a| a["rule"] == "witness-silent").cloned()
    });
    assert!(silent["summary"].as_str().unwrap().contains(PARTIES[1]), "{silent}");
    drop(ingest);

    let env = [("CARREL_CONFIG", cfg.to_str().unwrap()), ("TERM", "xterm"), ("NO_COLOR", "1")];
    let args = ["--db", db.to_str().unwrap(), "--as", "sam"];
    let mut p =
        pty::Pty::spawn(env!("CARGO_BIN_EXE_carrel"), &args, 100, 30, site.home.path(), &env);
    p.wait_for("6 System", WAIT);
    p.send("6");
    let screen = p.wait_for("Witness   library.example/w", WAIT);
    assert!(screen.contains("failing:"), "{screen}");
    assert!(screen.contains("Witness   user-committee.example/w  cosigned"), "{screen}");
    p.send("q");
}

/// A server on loopback that answers every connection with `answer` (after reading the
/// request), or never answers when `answer` is `None`.
fn fake_witness(answer: Option<&'static str>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut buf = [0u8; 65536];
            let _ = conn.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = conn.read(&mut buf);
            match answer {
                Some(a) => {
                    let _ = conn.write_all(a.as_bytes());
                }
                None => held.push(conn),
            }
        }
    });
    url
}

/// Witnesses that hang, answer nonsense, or cosign with a key that is not theirs: the ingest
/// records each as failing, says why, keeps no cosignature, and is not held up for longer
/// than its timeout.
#[test]
fn hostile_witnesses_are_recorded_as_failing_and_do_not_hold_the_ingest() {
    let site = Site { home: tempfile::tempdir().unwrap() };
    let db = site.path("library.db");
    assert!(site.run(&["init", "--demo", "--db", db.to_str().unwrap()]).status.success());
    let (_sim, sim_url) = common::procs::sim(site.home.path(), &["--speed", "0"]);
    // Keys of the right form whose private halves nobody here holds.
    let key = |name: &str, seed: u8| {
        carrel::domain::note::Signer::from_seed(
            name,
            carrel::domain::note::Alg::Cosignature,
            [seed; 32],
        )
        .unwrap()
        .vkey()
        .to_string()
    };
    let impostor = carrel::domain::note::Signer::from_seed(
        "forger.example/w",
        carrel::domain::note::Alg::Cosignature,
        [99; 32],
    )
    .unwrap();
    let forged_line: &'static str = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}",
            impostor.sign("x\n", 1).line().len(),
            impostor.sign("x\n", 1).line()
        )
        .into_boxed_str(),
    );
    let hanging = fake_witness(None);
    let nonsense = fake_witness(Some("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
    let forger = fake_witness(Some(forged_line));
    let (k1, k2, k3) =
        (key("hang.example/w", 1), key("nonsense.example/w", 2), key("forger.example/w", 3));
    let cfg = site.path("hostile.toml");
    config(
        &cfg,
        &sim_url,
        &[
            ("hang.example/w", &hanging, &k1),
            ("nonsense.example/w", &nonsense, &k2),
            ("forger.example/w", &forger, &k3),
        ],
    );
    let start = Instant::now();
    let o = site.on(&cfg, &db, &["sync", "--once", "--json"]);
    let took = start.elapsed();
    assert!(o.status.code().is_some(), "{}", text(&o));
    assert!(took < Duration::from_secs(60), "the ingest was held up {took:?}");
    let s = site.status(&cfg, &db);
    let error = |name: &str| witness(&s, name)["error"].as_str().unwrap_or_default().to_owned();
    assert!(error("hang.example/w").contains("unreachable"), "{s}");
    assert!(error("nonsense.example/w").contains("unexpected"), "{}", error("nonsense.example/w"));
    assert!(error("forger.example/w").contains("without a valid cosignature"), "{s}");
    for name in ["hang.example/w", "nonsense.example/w", "forger.example/w"] {
        assert!(witness(&s, name)["cosigned_size"].is_null(), "{s}");
        assert!(witness(&s, name)["refusal"].is_null(), "not an inconsistency: {s}");
    }
}
