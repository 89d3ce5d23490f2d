//! `carrel witness` end to end: a key made and shown by the binary, `witness serve` as a
//! process on a loopback port, checkpoints of a log made here submitted through
//! `carrel::witness::submit`, each status of the protocol, and the state surviving a kill.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::procs::Running;

use carrel::domain::checkpoint::Checkpoint;
use carrel::domain::merkle::{Hash, consistency_proof, leaf_hash, root};
use carrel::domain::note::{Alg, Note, SigLine, Signer, Vkey};
use carrel::witness::{Refusal, submit};
use chrono::TimeZone;

const ORIGIN: &str = "library.example/audit";

fn log_key() -> Signer {
    Signer::from_seed(ORIGIN, Alg::Ed25519, [7; 32]).unwrap()
}

fn leaves(n: u64, salt: &str) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(format!("{salt}{i}").as_bytes())).collect()
}

fn note_by(origin: &str, leaves: &[Hash], key: &Signer) -> String {
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 15, 4, 5).unwrap();
    Checkpoint::new(origin, leaves.len() as u64, root(leaves), at).sign(key).to_note_string()
}

fn note(leaves: &[Hash]) -> String {
    note_by(ORIGIN, leaves, &log_key())
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A witness home: the binary with its own environment, the key and state in `home/state`.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home { dir: tempfile::tempdir().unwrap() }
    }

    fn carrel(&self) -> Command {
        common::carrel_in(self.dir.path())
    }

    fn run(&self, args: &[&str]) -> Output {
        self.carrel().args(args).output().unwrap()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts `witness serve` for the test's log on a free port; returns it and its URL.
    fn serve(&self, extra: &[&str]) -> (Running, String) {
        let log = log_key().vkey().to_string();
        let mut cmd = self.carrel();
        cmd.args(["witness", "serve", "--listen", "127.0.0.1:0", "--log", &log]).args(extra);
        let (child, line) = common::procs::announced(cmd, true);
        assert!(line.starts_with("witness committee.example/alice listening on "), "{line}");
        assert!(line.ends_with(" for 1 log\n"), "{line}");
        let addr = line.split_whitespace().nth(4).unwrap();
        (child, format!("http://{addr}"))
    }
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn stop(Running(child): &mut Running) {
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_witness_cosigns_what_extends_its_state_and_refuses_the_rest() {
    let home = Home::new();
    let made = home.run(&["witness", "new-key", "committee.example/alice"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let key_file = home.path("state/carrel/witness.key");
    assert_eq!(mode(&key_file), 0o600);
    let again = home.run(&["witness", "new-key", "committee.example/alice"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists; a witness key is never overwritten"));
    let shown = home.run(&["witness", "key"]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert_eq!(shown.stdout, made.stdout, "key prints what new-key made");
    let witness = Vkey::parse(String::from_utf8(shown.stdout).unwrap().trim()).unwrap();
    assert_eq!(witness.name(), "committee.example/alice");

    let (mut server, url) = home.serve(&[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let send =
        |old: u64, proof: &[Hash], note: &str| rt.block_on(submit(&http, &url, old, proof, note));
    let cosigned = |lines: Vec<SigLine>, note: &str| {
        let text = Note::parse(note).unwrap().text;
        let line = lines.iter().find(|l| l.is_by(&witness)).expect("a line by the witness");
        assert!(witness.verify(&text, line).unwrap().unwrap() > 1_700_000_000, "dated now");
    };

    let first = leaves(12, "a");
    cosigned(send(0, &[], &note(&first)).unwrap(), &note(&first));
    let mut tree = first.clone();
    tree.extend(leaves(8, "b"));
    cosigned(send(12, &consistency_proof(&tree, 12), &note(&tree)).unwrap(), &note(&tree));

    // A stale old size: 409 with the size the witness holds, in its content type.
    let bigger: Vec<Hash> = tree.iter().copied().chain(leaves(10, "c")).collect();
    let stale = send(12, &consistency_proof(&bigger, 12), &note(&bigger));
    assert_eq!(stale, Err(Refusal::Conflict { their_size: 20 }));
    let raw = rt.block_on(async {
        let body = format!("old 0\n\n{}", note(&bigger));
        http.post(format!("{url}/add-checkpoint")).body(body).send().await.unwrap()
    });
    assert_eq!(raw.status(), 409);
    assert_eq!(raw.headers()["content-type"], "text/x.tlog.size");
    assert_eq!(rt.block_on(raw.text()).unwrap(), "20\n");

    // Forks: the same size with other leaves, and a larger tree that rewrote an old leaf.
    let same_size = leaves(20, "f");
    let r = send(20, &[], &note(&same_size));
    assert!(matches!(&r, Err(Refusal::Inconsistent(why)) if why.contains("differs")), "{r:?}");
    let mut rewritten = bigger.clone();
    rewritten[5] = leaf_hash(b"changed");
    let r = send(20, &consistency_proof(&rewritten, 20), &note(&rewritten));
    let want = "consistency proof from 20 to 30 does not verify against the root cosigned at 20";
    assert_eq!(r, Err(Refusal::Inconsistent(want.into())));

    // Another key under the log's name, and a log the witness was not given.
    let impostor = Signer::from_seed(ORIGIN, Alg::Ed25519, [8; 32]).unwrap();
    let r = send(20, &consistency_proof(&bigger, 20), &note_by(ORIGIN, &bigger, &impostor));
    assert!(matches!(&r, Err(Refusal::Forbidden(why)) if why.contains("not signed")), "{r:?}");
    let stranger = Signer::from_seed("other.example/log", Alg::Ed25519, [7; 32]).unwrap();
    let r = send(0, &[], &note_by("other.example/log", &bigger, &stranger));
    assert!(matches!(&r, Err(Refusal::UnknownLog(why)) if why.contains("other.example/log")));
    // A body past the limit.
    let r = send(0, &[], &"x".repeat(70 << 10));
    assert!(matches!(&r, Err(Refusal::BadRequest(why)) if why.contains("64 KiB")), "{r:?}");

    // Each refusal is one line in the log file (written behind: waited for), a 422 a warning.
    let log_file = home.path("state/carrel/carrel.log");
    let refusals = || {
        let log = std::fs::read_to_string(&log_file).unwrap_or_default();
        log.lines().filter(|l| l.contains("witness refused")).map(str::to_owned).collect::<Vec<_>>()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while refusals().len() < 7 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let logged = refusals();
    assert_eq!(logged.len(), 7, "{logged:#?}");
    assert!(logged.iter().any(|l| l.contains("WARN") && l.contains(want)), "{logged:#?}");

    // Killed without warning and started again: it remembers size 20.
    server.0.kill().unwrap();
    let _ = server.0.wait();
    let r = send(20, &[], &note(&tree));
    assert!(matches!(&r, Err(Refusal::Unreachable(why)) if why.contains("connect")), "{r:?}");
    let (mut server, url) = home.serve(&[]);
    let send =
        |old: u64, proof: &[Hash], note: &str| rt.block_on(submit(&http, &url, old, proof, note));
    assert_eq!(send(12, &[], &note(&first)), Err(Refusal::Conflict { their_size: 20 }));
    cosigned(send(20, &consistency_proof(&bigger, 20), &note(&bigger)).unwrap(), &note(&bigger));
    stop(&mut server);

    let state = home.path("state/carrel/witness-state.json");
    assert_eq!(mode(&state), 0o600);
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved["format"], "carrel-witness-state/1");
    assert_eq!(saved["logs"][ORIGIN]["size"], 30);
    for entry in std::fs::read_dir(home.path("state/carrel")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(!name.ends_with(".tmp"), "a temporary file was left: {name}");
    }
}

#[test]
fn a_witness_refuses_to_start_on_a_bad_key_or_state() {
    let home = Home::new();
    let key = home.path("w.key");
    let key_arg = key.to_str().unwrap();
    let missing = home.run(&["witness", "key", "--key", key_arg]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("`carrel witness new-key NAME"), "{}", stderr(&missing));
    let made = home.run(&["witness", "new-key", "committee.example/alice", "--key", key_arg]);
    assert!(made.status.success(), "{}", stderr(&made));
    let bad_name = home.run(&["witness", "new-key", "two words", "--key", key_arg]);
    assert_eq!(bad_name.status.code(), Some(2));
    assert!(stderr(&bad_name).contains("'two words' is not a key name"), "{}", stderr(&bad_name));

    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let exposed = home.run(&["witness", "key", "--key", key_arg]);
    assert_eq!(exposed.status.code(), Some(2));
    let want = format!("{key_arg}: mode 0644; refusing to use it. Run: chmod 600 {key_arg}");
    assert!(stderr(&exposed).contains(&want), "{}", stderr(&exposed));
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let log = log_key().vkey().to_string();
    let serve = |state: &str| {
        home.run(&[
            "witness",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log",
            &log,
            "--key",
            key_arg,
            "--state",
            state,
        ])
    };
    let garbage = home.path("state.json");
    std::fs::write(&garbage, "{\"format\": 1").unwrap();
    for state in ["/dev/zero", garbage.to_str().unwrap()] {
        let out = serve(state);
        assert_eq!(out.status.code(), Some(2), "{state}: {}", stderr(&out));
        assert!(stderr(&out).contains(&format!("carrel: {state}: ")), "{}", stderr(&out));
    }
    // A log key must be a log's: the witness's own key is refused.
    let own = String::from_utf8(made.stdout).unwrap();
    let out = home.run(&["witness", "serve", "--listen", "127.0.0.1:0", "--log", own.trim()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cosignature key"), "{}", stderr(&out));
}
