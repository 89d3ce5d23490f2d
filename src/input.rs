//! Reads of the files a user names — the CSV file of every command, a kept checkpoint, the
//! patron key file, a site key, a token file, the configuration file, a witness's state —
//! through one door, so that each is checked the same way and none can make carrel read
//! without end.
//!
//! Contract:
//! - A path must name a regular file; a symbolic link to one is fine. A directory, a device
//!   such as `/dev/zero`, a fifo or a socket is refused before a byte is read ("PATH: not a
//!   regular file"). The file is opened without blocking and checked on the open handle, so a
//!   path swapped for a fifo after a check cannot hang the reader.
//! - `-` is standard input where the [`Kind`] says so (CSV files); it is read with the same caps.
//! - Every read is capped in size per [`Kind`]. CSV files are also capped in line length,
//!   counted as the bytes arrive, so a line without end never holds more than the cap in memory.
//!
//! May use: std, libc (for the open flags). Used by config, services and cli; the domain never
//! reads files.

use std::fs::{File, Metadata};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// What a file is, and how much of it carrel will read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The file in words, for messages: "a CSV file".
    pub what: &'static str,
    /// The largest file read, in bytes.
    pub max_bytes: u64,
    /// The longest line, in bytes without its newline; `None`: not limited.
    pub max_line: Option<usize>,
    /// Whether `-` means standard input.
    pub stdin: bool,
}

/// A CSV file of any command: 1 GiB, lines of 64 KiB; `-` reads standard input.
pub const CSV: Kind =
    Kind { what: "a CSV file", max_bytes: 1 << 30, max_line: Some(64 << 10), stdin: true };

/// A checkpoint a committee party kept (`audit verify --checkpoint`): 64 KiB.
pub const CHECKPOINT: Kind =
    Kind { what: "a checkpoint", max_bytes: 64 << 10, max_line: None, stdin: false };

/// A proof that an entry was logged (`audit check-proof`): 1 MiB.
pub const PROOF: Kind =
    Kind { what: "a proof file", max_bytes: 1 << 20, max_line: None, stdin: true };

/// A key, site-key or token file: 64 KiB.
pub const SECRET: Kind =
    Kind { what: "a key or token file", max_bytes: 64 << 10, max_line: None, stdin: false };

/// A witness's state file (`carrel witness serve --state`): 1 MiB.
pub const WITNESS_STATE: Kind =
    Kind { what: "a witness state file", max_bytes: 1 << 20, max_line: None, stdin: false };

/// The configuration file: 1 MiB.
pub const CONFIG: Kind =
    Kind { what: "a configuration file", max_bytes: 1 << 20, max_line: None, stdin: false };

/// Why a file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a regular file")]
    NotRegular,
    #[error("larger than {}, the limit for {what}", bytes(*max))]
    TooLarge { max: u64, what: &'static str },
    #[error("line {line} is longer than {max} bytes")]
    LineTooLong { line: u64, max: usize },
    #[error("not UTF-8 text")]
    NotText,
}

/// A problem with the file at `path` (`-` for standard input).
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct InputError {
    pub path: PathBuf,
    pub problem: Problem,
}

impl InputError {
    fn new(path: &Path, problem: Problem) -> Self {
        InputError { path: path.to_owned(), problem }
    }

    /// Whether the file does not exist (callers with a default, or a better message, want to
    /// tell this apart).
    pub fn is_not_found(&self) -> bool {
        matches!(&self.problem, Problem::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// "64 KiB", "1 GiB": a cap in the largest whole binary unit.
fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// An input opened and checked, not yet read.
pub struct Input {
    path: PathBuf,
    kind: Kind,
    source: Source,
}

enum Source {
    Stdin,
    File(File, Metadata),
}

/// Opens `path` as a `kind` file: standard input for `-` where the kind allows it, otherwise a
/// regular file no larger than the kind's cap.
pub fn open(path: &Path, kind: &Kind) -> Result<Input, InputError> {
    if kind.stdin && path == Path::new("-") {
        return Ok(Input { path: path.to_owned(), kind: *kind, source: Source::Stdin });
    }
    let (file, meta) = open_regular(path).map_err(|p| InputError::new(path, p))?;
    if meta.len() > kind.max_bytes {
        let problem = Problem::TooLarge { max: kind.max_bytes, what: kind.what };
        return Err(InputError::new(path, problem));
    }
    Ok(Input { path: path.to_owned(), kind: *kind, source: Source::File(file, meta) })
}

fn open_regular(path: &Path) -> Result<(File, Metadata), Problem> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Without O_NONBLOCK, opening a fifo waits for a writer; with it, the open returns and
        // the check below refuses the fifo. Reads of a regular file ignore the flag.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        // A socket cannot be opened at all: say what it is rather than the system's error.
        Err(_) if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => {
            return Err(Problem::NotRegular);
        }
        Err(e) => return Err(Problem::Io(e)),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Problem::NotRegular);
    }
    Ok((file, meta))
}

impl Input {
    /// The file's metadata, taken on the open handle; `None` for standard input.
    pub fn metadata(&self) -> Option<&Metadata> {
        match &self.source {
            Source::File(_, meta) => Some(meta),
            Source::Stdin => None,
        }
    }

    /// Every byte, within the kind's caps.
    pub fn read(self) -> Result<Vec<u8>, InputError> {
        let Input { path, kind, source } = self;
        let read = match source {
            Source::Stdin => read_capped(std::io::stdin().lock(), &kind, 0),
            Source::File(file, meta) => {
                let size = usize::try_from(meta.len()).unwrap_or(0);
                read_capped(file, &kind, size)
            }
        };
        read.map_err(|p| InputError::new(&path, p))
    }

    /// Every byte as UTF-8 text, within the kind's caps.
    pub fn read_to_string(self) -> Result<String, InputError> {
        let path = self.path.clone();
        String::from_utf8(self.read()?).map_err(|_| InputError::new(&path, Problem::NotText))
    }
}

/// Reads `path` whole as a `kind` file (see [`open`]).
pub fn read(path: &Path, kind: &Kind) -> Result<Vec<u8>, InputError> {
    open(path, kind)?.read()
}

/// Reads `path` whole as UTF-8 text (see [`open`]).
pub fn read_to_string(path: &Path, kind: &Kind) -> Result<String, InputError> {
    open(path, kind)?.read_to_string()
}

/// The first line of standard input, without its line ending, refused when longer than `max`
/// bytes; the rest of the input is left unread.
pub fn stdin_line(max: usize) -> Result<String, InputError> {
    first_line(std::io::stdin().lock(), max).map_err(|p| InputError::new(Path::new("-"), p))
}

fn first_line(reader: impl BufRead, max: usize) -> Result<String, Problem> {
    let mut line = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(limit).read_until(b'\n', &mut line)?;
    let line = line.strip_suffix(b"\n").unwrap_or(&line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > max {
        return Err(Problem::LineTooLong { line: 1, max });
    }
    String::from_utf8(line.to_vec()).map_err(|_| Problem::NotText)
}

/// Reads `reader` to its end in chunks, refusing it as soon as it passes the kind's size or
/// line cap; `capacity` is the size expected.
fn read_capped(mut reader: impl Read, kind: &Kind, capacity: usize) -> Result<Vec<u8>, Problem> {
    let mut out = Vec::with_capacity(capacity);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut lines = LineCap { max: kind.max_line, line: 1, len: 0 };
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Problem::Io(e)),
        };
        if (out.len() + n) as u64 > kind.max_bytes {
            return Err(Problem::TooLarge { max: kind.max_bytes, what: kind.what });
        }
        lines.check(&chunk[..n])?;
        out.extend_from_slice(&chunk[..n]);
    }
    Ok(out)
}

/// The length of the line being read, carried from one chunk to the next.
struct LineCap {
    max: Option<usize>,
    /// The line being read, from 1.
    line: u64,
    /// Its bytes so far.
    len: usize,
}

impl LineCap {
    fn check(&mut self, mut bytes: &[u8]) -> Result<(), Problem> {
        let Some(max) = self.max else { return Ok(()) };
        let too_long = |line| Problem::LineTooLong { line, max };
        while let Some(end) = bytes.iter().position(|b| *b == b'\n') {
            if self.len + end > max {
                return Err(too_long(self.line));
            }
            self.line += 1;
            self.len = 0;
            bytes = &bytes[end + 1..];
        }
        self.len += bytes.len();
        if self.len > max {
            return Err(too_long(self.line));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes a call, to cross chunk boundaries.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    const SMALL: Kind = Kind { what: "a test file", max_bytes: 64, max_line: Some(8), stdin: true };

    fn trickle(bytes: &[u8], step: usize) -> Result<Vec<u8>, Problem> {
        read_capped(Trickle { bytes, step }, &SMALL, 0)
    }

    #[test]
    fn lines_are_capped_across_chunks_and_named() {
        for step in [1, 3, 64] {
            assert_eq!(trickle(b"12345678\nabc\n", step).unwrap(), b"12345678\nabc\n");
            let e = trickle(b"ok\n12345678\n123456789\n", step).unwrap_err();
            assert!(matches!(e, Problem::LineTooLong { line: 3, max: 8 }), "{step}: {e}");
            let e = trickle(b"123456789", step).unwrap_err();
            assert_eq!(e.to_string(), "line 1 is longer than 8 bytes");
        }
    }

    #[test]
    fn size_is_capped_and_stated() {
        let lines = b"1234567\n".repeat(8);
        assert_eq!(trickle(&lines, 5).unwrap().len(), 64);
        let e = trickle(&b"1234567\n".repeat(9), 5).unwrap_err();
        assert_eq!(e.to_string(), "larger than 64 bytes, the limit for a test file");
        assert_eq!(bytes(1 << 30), "1 GiB");
        assert_eq!(bytes(64 << 10), "64 KiB");
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let e = read(dir.path(), &CSV).unwrap_err();
        assert_eq!(e.to_string(), format!("{}: not a regular file", dir.path().display()));
        let e = read(Path::new("/dev/null"), &SECRET).unwrap_err();
        assert_eq!(e.to_string(), "/dev/null: not a regular file");
        let gone = dir.path().join("gone.csv");
        assert!(read(&gone, &CSV).unwrap_err().is_not_found());
        let file = dir.path().join("a.csv");
        std::fs::write(&file, "a,b\n").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read(&link, &CSV).unwrap(), b"a,b\n", "a link to a regular file is read");
        let big = dir.path().join("big.csv");
        std::fs::File::create(&big).unwrap().set_len(65).unwrap();
        let e = read(&big, &SMALL).unwrap_err();
        assert!(e.to_string().ends_with("larger than 64 bytes, the limit for a test file"), "{e}");
    }

    #[test]
    fn a_dash_is_a_file_where_standard_input_is_not_allowed() {
        let e = read(Path::new("-"), &SECRET).unwrap_err();
        assert!(e.is_not_found() || matches!(e.problem, Problem::NotRegular), "{e}");
    }

    #[test]
    fn the_first_line_is_capped() {
        assert_eq!(first_line(&b"2900 0001\r\nmore"[..], 20).unwrap(), "2900 0001");
        assert_eq!(first_line(&b"29000001"[..], 8).unwrap(), "29000001");
        let e = first_line(&b"123456789\n"[..], 8).unwrap_err();
        assert_eq!(e.to_string(), "line 1 is longer than 8 bytes");
    }
}
