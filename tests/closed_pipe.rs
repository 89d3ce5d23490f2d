//! Output into a pipe whose reader has gone (`carrel seats | head -c 1`): every command ends
//! quietly — exit status 0 (or death by SIGPIPE, as other tools do), never a panic report.
#![allow(clippy::unwrap_used)]

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn carrel(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_carrel"));
    cmd.env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"));
    cmd
}

/// Runs `carrel args` with stdout a pipe whose read end was closed before the command started,
/// so its very first write fails with EPIPE, whatever the timing.
fn into_closed_pipe(home: &Path, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    carrel(home).args(args).stdout(Stdio::from(writer)).output().unwrap()
}

const COMMANDS: &[&[&str]] = &[
    &["forecast"],
    &["forecast", "--json"],
    &["completions", "bash"],
    &["status"],
    &["staffing", "plan"],
    &["staff", "policy"],
    &["man"],
    &["seats"],
    &["seats", "--json"],
    &["config", "check"],
    &["--as", "ada", "audit", "log"],
];

#[test]
fn every_command_ends_quietly_when_its_reader_has_gone() {
    let home = tempfile::tempdir().unwrap();
    let init = carrel(home.path()).args(["init", "--demo"]).output().unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    for args in COMMANDS {
        // The command does write something when someone reads it, so the closed pipe is met.
        let open = carrel(home.path()).args(*args).output().unwrap();
        assert!(open.status.success(), "{args:?}: {}", String::from_utf8_lossy(&open.stderr));
        assert!(!open.stdout.is_empty(), "{args:?} printed nothing");

        let closed = into_closed_pipe(home.path(), args);
        let stderr = String::from_utf8_lossy(&closed.stderr);
        assert!(
            closed.status.code() == Some(0) || closed.status.signal() == Some(libc::SIGPIPE),
            "{args:?} ended with {:?}: {stderr}",
            closed.status
        );
        assert!(
            !stderr.contains("panicked") && !stderr.contains("BACKTRACE"),
            "{args:?} reported a panic: {stderr}"
        );
    }
}
