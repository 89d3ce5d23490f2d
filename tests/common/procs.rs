//! Child processes of the carrel binary that announce where they listen: the simulator (its
//! URL on standard output) and a witness (`witness NAME listening on ADDR for N logs` on
//! standard error). Each is killed when dropped, however the test ends.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A child process killed when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cmd` and reads the first line it writes (to standard error when `on_stderr`):
/// returns the process and that line.
pub fn announced(mut cmd: Command, on_stderr: bool) -> (Running, String) {
    let (out, err) =
        if on_stderr { (Stdio::null(), Stdio::piped()) } else { (Stdio::piped(), Stdio::null()) };
    let mut child = cmd.stdout(out).stderr(err).spawn().unwrap();
    let mut line = String::new();
    if on_stderr {
        BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
    } else {
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    }
    (Running(child), line)
}

/// `carrel sim --listen 127.0.0.1:0 ARGS` with its environment under `home`, and its URL.
pub fn sim(home: &Path, args: &[&str]) -> (Running, String) {
    let mut cmd = super::carrel_in(home);
    cmd.args(["sim", "--listen", "127.0.0.1:0"]).args(args);
    let (child, line) = announced(cmd, false);
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect(&line).to_owned();
    (child, url)
}

/// `carrel witness serve` for the log `log_vkey` with the key and state files given, on a free
/// loopback port: the process, its URL, and the line it announced itself with.
pub fn witness(home: &Path, log_vkey: &str, key: &Path, state: &Path) -> (Running, String, String) {
    let mut cmd = super::carrel_in(home);
    cmd.args(["witness", "serve", "--listen", "127.0.0.1:0", "--log", log_vkey]).args([
        "--key",
        key.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ]);
    let (child, line) = announced(cmd, true);
    let addr = line.split_whitespace().nth(4).expect(&line);
    let url = format!("http://{addr}");
    (child, url, line)
}
