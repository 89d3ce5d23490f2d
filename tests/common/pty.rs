//! The real binary in a pseudo-terminal: send keys, read the screen through a VT100 parser,
//! and see what the program wrote. Used by the end-to-end tests and the idle-bytes
//! measurement (`examples/pty_measure.rs`).
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub struct Pty {
    pub child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    /// Starts `program args` in a `cols`×`rows` terminal with `env` added to a clean
    /// environment (HOME and XDG dirs under `home`).
    pub fn spawn(
        program: &str,
        args: &[&str],
        cols: u16,
        rows: u16,
        home: &std::path::Path,
        env: &[(&str, &str)],
    ) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
            .unwrap();
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env_clear();
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("cfg"));
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let nz = |n: u16| std::num::NonZero::new(n.max(1)).unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(nz(rows), nz(cols), 0)));
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let (p, b) = (Arc::clone(&parser), Arc::clone(&bytes));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        p.lock().unwrap().process(&buf[..n]);
                        b.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        Pty { child, master: pair.master, writer, parser, bytes }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Everything the program wrote so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }

    /// Everything the program wrote so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Waits until what the program wrote after byte `from` holds `text`; returns where the
    /// match ends, to look on from. Panics with the output after `limit`. For programs that
    /// write lines (the plain console), whose output scrolls off any screen.
    pub fn wait_text(&self, text: &str, from: usize, limit: Duration) -> usize {
        let start = Instant::now();
        loop {
            let bytes = self.bytes();
            let after = &bytes[from.min(bytes.len())..];
            if let Some(i) = after.windows(text.len().max(1)).position(|w| w == text.as_bytes()) {
                return from + i + text.len();
            }
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {text:?}; the output after byte {from}:\n{}",
                String::from_utf8_lossy(after)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn byte_count(&self) -> usize {
        self.bytes.lock().unwrap().len()
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// On the Seats tab: focuses the ghost list, releases its first seat with `r` and `y`,
    /// waits until the console says it was released, and returns that seat as listed.
    pub fn release_first_ghost(&mut self, wait: Duration) -> String {
        self.send("g");
        let screen = self.wait_for("▸ Ghost seats", wait);
        let first = screen
            .lines()
            .skip_while(|l| !l.contains("▸ Ghost seats"))
            .nth(1)
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap()
            .to_owned();
        self.send("r");
        self.wait_for("Release seat", wait);
        self.send("y");
        self.wait_for(&format!("released {first}"), wait);
        first
    }

    /// Waits until the screen contains `text`; panics with the screen after `limit`.
    pub fn wait_for(&self, text: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {text:?}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_gone(&self, text: &str, limit: Duration) {
        let start = Instant::now();
        while self.screen().contains(text) {
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {text:?} to go; the screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the program to exit and returns whether it succeeded.
    pub fn wait_exit(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("the program did not exit within {limit:?}; the screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the terminal is back in canonical, echoing mode (raw mode off).
    pub fn cooked(&self) -> bool {
        use nix::sys::termios::LocalFlags;
        let t = self.master.get_termios().expect("termios of the pty");
        t.local_flags.contains(LocalFlags::ICANON | LocalFlags::ECHO)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }
}
