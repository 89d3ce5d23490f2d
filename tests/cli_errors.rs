//! Bad input to the real binary: a message naming the problem and the place, exit status 2,
//! and nothing written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn carrel(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carrel"))
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .expect("run carrel")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in walk(dir) {
        out.push(e);
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            }
            out.push(p);
        }
    }
    out
}

#[test]
fn unknown_config_key_names_file_line_and_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[feeds.sensor]\nurl = \"http://127.0.0.1:9\"\nrefresh_ms = 5\n").unwrap();
    let db = dir.path().join("x.db");
    let before = listing(dir.path());
    let o = carrel(
        dir.path(),
        &["--config", cfg.to_str().unwrap(), "init", "--db", db.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        format!(
            "carrel: {}:3: unknown key 'refresh_ms' in [feeds.sensor]; did you mean 'refresh_s'?",
            cfg.display()
        )
    );
    assert_eq!(listing(dir.path()), before, "nothing written");
}

#[test]
fn bad_flags_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = carrel(dir.path(), &["seats", "--state", "gone"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "unknown seat state 'gone' (expected one of: free, occupied, away, reserved, out_of_service, ghost)"
        ),
        "{}",
        stderr(&o)
    );
    for command in ["demo", "sim"] {
        let o = carrel(dir.path(), &[command, "--speed", "-1"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains(
                "invalid value '-1' for '--speed <X>': expected simulated seconds per real second, from 0 (frozen) to 1000000"
            ),
            "{}",
            stderr(&o)
        );
    }
    let o = carrel(dir.path(), &["seats", "--colour"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--colour"), "{}", stderr(&o));
}

#[test]
fn bad_environment_value_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_carrel"))
        .args(["status"])
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("cfg"))
        .env("CARREL_SENSOR_URL", "not a url")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("carrel: CARREL_SENSOR_URL: 'not a url' is not a URL"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn missing_and_unreadable_databases_are_refused_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    let before = listing(dir.path());
    let o = carrel(dir.path(), &["seats", "--db", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("database {}: no such file", missing.display())),
        "{}",
        stderr(&o)
    );
    assert_eq!(listing(dir.path()), before, "nothing written");

    // A directory where the database should be.
    let o = carrel(dir.path(), &["status", "--db", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));

    // A file that is not a database.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let o = carrel(dir.path(), &["queues", "--db", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("database {}", junk.display())), "{}", stderr(&o));
    assert!(std::fs::read(&junk).unwrap() == vec![b'x'; 4096], "the junk file was changed");

    // Init into a directory that does not exist.
    let nowhere = dir.path().join("no/such/dir/x.db");
    let o = carrel(dir.path(), &["init", "--db", nowhere.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    assert!(!dir.path().join("no").exists());
}

#[cfg(unix)]
#[test]
fn an_unreadable_database_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    assert!(carrel(dir.path(), &["init", "--db", db.to_str().unwrap()]).status.success());
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root can read anything; the check only means something for other users.
    if std::fs::File::open(&db).is_ok() {
        return;
    }
    let o = carrel(dir.path(), &["seats", "--db", db.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_database_from_a_newer_carrel_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    assert!(carrel(dir.path(), &["init", "--db", db.to_str().unwrap()]).status.success());
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let bytes = std::fs::read(&db).unwrap();
    for cmd in ["seats", "queues", "status", "sync"] {
        let o = carrel(
            dir.path(),
            &[cmd, "--db", db.to_str().unwrap(), "--sensor-url", "http://127.0.0.1:9"],
        );
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("schema version 999 is newer than this carrel"),
            "{cmd}: {}",
            stderr(&o)
        );
        assert!(std::fs::read(&db).unwrap() == bytes, "{cmd} changed the file");
    }
}

#[test]
fn init_creates_a_private_demo_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let o = carrel(dir.path(), &["init", "--demo", "--db", db.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let o = carrel(dir.path(), &["status", "--json", "--db", db.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["database"]["demo"], true);
    let o = carrel(dir.path(), &["init", "--db", db.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"));
}

#[test]
fn the_man_page_is_generated_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let o = carrel(dir.path(), &["man"]);
    assert!(o.status.success());
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("man/carrel.1"))
            .unwrap();
    assert!(
        String::from_utf8(o.stdout).unwrap() == committed,
        "man/carrel.1 is out of date: run `cargo run -- man > man/carrel.1`"
    );
}

#[test]
fn config_check_prints_the_effective_config_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let o = Command::new(env!("CARGO_BIN_EXE_carrel"))
        .args(["config", "check", example.to_str().unwrap()])
        .env("HOME", dir.path())
        .env("CARREL_SENSOR_TOKEN", "hunter2-token")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(!out.contains("hunter2"));
    assert!(out.contains("# feeds.sensor token: <redacted> from CARREL_SENSOR_TOKEN"), "{out}");
    assert!(out.contains("refresh_s = 5"));
}

#[test]
fn config_check_never_prints_a_password_in_a_feed_url() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(
        &file,
        "[feeds.sensor]\nurl = \"https://svc:hunter2@sensors.example.org/\"\n[feeds.recs]\nurl = \"http://me:s3cret@127.0.0.1:7878\"\n",
    )
    .unwrap();
    let o = carrel(dir.path(), &["config", "check", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all = String::from_utf8_lossy(&o.stdout).into_owned() + &stderr(&o);
    assert!(!all.contains("hunter2") && !all.contains("s3cret"), "{all}");
    assert!(all.contains("https://<redacted>@sensors.example.org/"), "{all}");
}

/// A file with a problem of every kind, one a line: (line, what config check says of it).
const MANY_PROBLEMS: &str = "[library]
timezone = \"Mars/Olympus\"
[feeds.sensor]
url = \"http://127.0.0.1:9\"
refresh_ms = 5
[seats]
ghost_after_min = 0
[ui]
theme = \"neon\"
[ui.keys]
relase = [\"x\"]
quit = [\"hyper-q\"]
release = [\"?\"]
";

#[test]
fn config_check_lists_every_problem_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, MANY_PROBLEMS).unwrap();
    let f = file.display();
    let o = carrel(dir.path(), &["config", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "nothing printed as the effective configuration");
    let expected = [
        format!(
            "carrel: {f}:2: [library] timezone: unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/London)"
        ),
        format!(
            "carrel: {f}:5: unknown key 'refresh_ms' in [feeds.sensor]; did you mean 'refresh_s'?"
        ),
        format!("carrel: {f}:7: [seats] ghost_after_min: 0 is out of range 1..=1440"),
        format!("carrel: {f}:9: [ui] theme: 'neon' is not one of auto, dark, light, 16, mono"),
        format!("carrel: {f}:11: [ui.keys] relase: no such action; did you mean 'release'?"),
        format!(
            "carrel: {f}:12: [ui.keys] quit: 'hyper-q' is not a key (try a character, enter, esc, tab, up, pgdn, f1, ctrl-x)"
        ),
        format!("carrel: {f}:13: [ui.keys] release: key '?' is also bound to 'help'"),
        "carrel: the configuration has 7 problems".to_owned(),
    ];
    let told: Vec<&str> = std::str::from_utf8(&o.stderr).unwrap().lines().collect();
    assert_eq!(told, expected);
}

#[test]
fn the_console_refuses_the_keys_that_config_check_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "[ui.keys]\nrelease = [\"q\"]\nundo = [\"f13\"]\n").unwrap();
    let (cfg, db) = (file.to_str().unwrap(), dir.path().join("x.db"));
    let db = db.to_str().unwrap();
    assert!(carrel(dir.path(), &["init", "--db", db]).status.success());
    let check = carrel(dir.path(), &["config", "check", cfg]);
    assert_eq!(check.status.code(), Some(2));
    let listed: Vec<String> = stderr(&check).lines().map(str::to_owned).collect();
    assert_eq!(
        listed,
        [
            format!("carrel: {cfg}:2: [ui.keys] release: key 'q' is also bound to 'quit'"),
            format!(
                "carrel: {cfg}:3: [ui.keys] undo: 'f13' is not a key (try a character, enter, esc, tab, up, pgdn, f1, ctrl-x)"
            ),
            "carrel: the configuration has 2 problems".to_owned(),
        ]
    );
    // The console (no command) stops on the first of the same problems, before the terminal.
    let console = carrel(dir.path(), &["--config", cfg, "--db", db]);
    assert_eq!(console.status.code(), Some(2));
    assert_eq!(
        stderr(&console).trim(),
        format!("{} (and 1 more problem; `carrel config check` lists them all)", listed[0])
    );
}
