//! Lines in and out of the plain console.
//!
//! On a terminal that can take it, keys are read one by one (raw mode) so Tab can complete a
//! word; the line is edited by appending and by backspace-space-backspace only, never by
//! moving the cursor, and a list of completions is printed as lines. Elsewhere (`TERM=dumb`,
//! an Emacs shell, a pipe) the terminal's own line editing is used and nothing is completed.
//! A line is at most [`MAX_LINE`] bytes: a longer one (a file of zeros given as input) ends
//! the session with an error instead of filling the memory.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

/// The longest line read.
pub const MAX_LINE: usize = 4096;

/// What came from the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Line(String),
    /// The input ended (ctrl-d on an empty line, the end of a pipe).
    End,
    /// Ctrl-c on an empty line.
    Interrupt,
    /// A line longer than [`MAX_LINE`].
    TooLong,
}

/// The terminal as both threads share it: what is written, and the line being typed.
pub struct Screen {
    out: Box<dyn Write + Send>,
    /// Keys are read one by one: lines end in CR LF, since the terminal adds no CR.
    pub raw: bool,
    /// The prompt or question last written and not yet answered.
    pub prompt: Option<String>,
    /// What has been typed after it (raw mode only).
    pub typed: String,
    /// A line was entered and not yet taken by the session: no prompt is written meanwhile,
    /// or it would come twice.
    pub entered: bool,
    /// Writing failed (the terminal or pipe went away).
    pub broken: bool,
}

impl Screen {
    pub fn new(out: Box<dyn Write + Send>, raw: bool) -> Screen {
        Screen { out, raw, prompt: None, typed: String::new(), entered: false, broken: false }
    }

    fn newline(&self) -> &'static str {
        if self.raw { "\r\n" } else { "\n" }
    }

    /// Writes lines (already made safe to say). A prompt on screen is ended first and
    /// written again after them, with what was typed so far.
    pub fn lines(&mut self, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        let nl = self.newline();
        let mut text = String::new();
        if self.prompt.is_some() {
            text.push_str(nl);
        }
        for l in lines {
            text.push_str(l);
            text.push_str(nl);
        }
        if let Some(p) = &self.prompt {
            text.push_str(p);
            text.push_str(&self.typed);
        }
        self.write(&text);
    }

    /// Writes a prompt or a question and waits for its answer; what was typed before it came
    /// is written after it, to go on with.
    pub fn ask(&mut self, prompt: &str) {
        self.prompt = Some(prompt.to_owned());
        let text = format!("{prompt}{}", self.typed);
        self.write(&text);
    }

    /// Whether a prompt is wanted: none is on screen and no line waits to be taken.
    pub fn wants_prompt(&self) -> bool {
        self.prompt.is_none() && !self.entered
    }

    /// Something is being typed after the prompt: announcements wait for the line.
    pub fn typing(&self) -> bool {
        self.prompt.is_some() && !self.typed.is_empty()
    }

    fn write(&mut self, text: &str) {
        if self.broken {
            return;
        }
        if self.out.write_all(text.as_bytes()).and_then(|()| self.out.flush()).is_err() {
            self.broken = true;
        }
    }
}

/// The words Tab completes: the first word from `commands`, later ones from `words`.
#[derive(Debug, Clone, Default)]
pub struct Completions {
    pub commands: Vec<String>,
    pub words: Vec<String>,
}

impl Completions {
    /// The candidates for the last word of `line`.
    pub fn candidates(&self, line: &str) -> Vec<String> {
        let first = !line.trim_start().contains(' ');
        let word = line.rsplit(' ').next().unwrap_or("");
        let from = if first { &self.commands } else { &self.words };
        let lower = word.to_lowercase();
        let mut out: Vec<String> =
            from.iter().filter(|c| c.to_lowercase().starts_with(&lower)).cloned().collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Completes the last word of `line`: the text to add, and the candidates to list when more
/// than one fits and nothing could be added.
pub fn complete(c: &Completions, line: &str) -> (String, Vec<String>) {
    let word = line.rsplit(' ').next().unwrap_or("");
    let found = c.candidates(line);
    match found.as_slice() {
        [] => (String::new(), vec![]),
        [one] => (format!("{} ", &one[word.len().min(one.len())..]), vec![]),
        many => {
            let common = many.iter().skip(1).fold(many[0].clone(), |acc, s| {
                acc.chars().zip(s.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect()
            });
            if common.chars().count() > word.chars().count() {
                (common[word.len().min(common.len())..].to_owned(), vec![])
            } else {
                (String::new(), found)
            }
        }
    }
}

/// Reads the user's lines on a thread of its own, until the input ends.
pub fn start(
    raw: bool,
    screen: Arc<Mutex<Screen>>,
    completions: Arc<Mutex<Completions>>,
) -> mpsc::UnboundedReceiver<Input> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut bytes = stdin.lock().bytes();
        if raw {
            read_keys(&mut bytes, &tx, &screen, &completions);
        } else {
            read_lines(&mut bytes, &tx);
        }
    });
    rx
}

type Bytes<'a> = io::Bytes<io::StdinLock<'a>>;

fn read_lines(bytes: &mut Bytes<'_>, tx: &mpsc::UnboundedSender<Input>) {
    let mut line = Vec::new();
    loop {
        match bytes.next() {
            Some(Ok(b'\n')) => {
                let text = String::from_utf8_lossy(&line).trim_end_matches('\r').to_owned();
                line.clear();
                if tx.send(Input::Line(text)).is_err() {
                    return;
                }
            }
            Some(Ok(b)) if line.len() < MAX_LINE => line.push(b),
            Some(Ok(_)) => {
                let _ = tx.send(Input::TooLong);
                return;
            }
            Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Some(Err(_)) | None => {
                if !line.is_empty() {
                    let _ = tx.send(Input::Line(String::from_utf8_lossy(&line).into_owned()));
                }
                let _ = tx.send(Input::End);
                return;
            }
        }
    }
}

fn read_keys(
    bytes: &mut Bytes<'_>,
    tx: &mpsc::UnboundedSender<Input>,
    screen: &Arc<Mutex<Screen>>,
    completions: &Arc<Mutex<Completions>>,
) {
    let mut pending_utf8: Vec<u8> = Vec::new();
    loop {
        let b = match bytes.next() {
            Some(Ok(b)) => b,
            Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Some(Err(_)) | None => {
                let _ = tx.send(Input::End);
                return;
            }
        };
        let mut s = screen.lock().unwrap_or_else(|p| p.into_inner());
        match b {
            b'\r' | b'\n' => {
                let line = std::mem::take(&mut s.typed);
                s.prompt = None;
                s.entered = true;
                s.write("\r\n");
                drop(s);
                if tx.send(Input::Line(line)).is_err() {
                    return;
                }
            }
            // ctrl-c: clears a line being typed; on an empty line it leaves.
            0x03 if !s.typed.is_empty() => {
                s.typed.clear();
                let prompt = s.prompt.clone().unwrap_or_default();
                s.write(&format!("\r\n{prompt}"));
            }
            0x03 => {
                s.write("\r\n");
                drop(s);
                let _ = tx.send(Input::Interrupt);
                return;
            }
            // ctrl-d on an empty line ends the input, as in a shell.
            0x04 if s.typed.is_empty() => {
                s.write("\r\n");
                drop(s);
                let _ = tx.send(Input::End);
                return;
            }
            // ctrl-u: the line is dropped and the prompt written again below.
            0x15 => {
                s.typed.clear();
                let prompt = s.prompt.clone().unwrap_or_default();
                s.write(&format!("\r\n{prompt}"));
            }
            0x7f | 0x08 => {
                if s.typed.pop().is_some() {
                    s.write("\u{8} \u{8}");
                }
            }
            b'\t' => {
                let c = completions.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let typed = s.typed.clone();
                let (add, list) = complete(&c, &typed);
                if !add.is_empty() && typed.len() + add.len() <= MAX_LINE {
                    s.typed.push_str(&add);
                    s.write(&add);
                } else if !list.is_empty() {
                    let shown: Vec<String> = list.iter().take(30).cloned().collect();
                    let more = list.len().saturating_sub(shown.len());
                    let mut text = format!("\r\n{}", shown.join(" "));
                    if more > 0 {
                        text.push_str(&format!(" and {more} more"));
                    }
                    let prompt = s.prompt.clone().unwrap_or_default();
                    text.push_str(&format!("\r\n{prompt}{typed}"));
                    s.write(&text);
                }
            }
            // An escape sequence (an arrow or function key): read to its end and drop it.
            0x1b => {
                drop(s);
                skip_escape(bytes);
            }
            b if b < 0x20 => {}
            b => {
                pending_utf8.push(b);
                match std::str::from_utf8(&pending_utf8) {
                    // A control character typed as UTF-8 (a C1 such as U+009B, which some
                    // terminals take for CSI) is not echoed or kept.
                    Ok(text) if text.chars().any(char::is_control) => pending_utf8.clear(),
                    Ok(text) => {
                        if s.typed.len() + text.len() > MAX_LINE {
                            drop(s);
                            let _ = tx.send(Input::TooLong);
                            return;
                        }
                        let text = text.to_owned();
                        s.typed.push_str(&text);
                        s.write(&text);
                        pending_utf8.clear();
                    }
                    Err(e) if e.error_len().is_some() || pending_utf8.len() >= 4 => {
                        pending_utf8.clear()
                    }
                    Err(_) => {}
                }
            }
        }
    }
}

/// Reads the rest of an escape sequence: `ESC [ params final` or `ESC O x`, or one byte.
fn skip_escape(bytes: &mut Bytes<'_>) {
    match bytes.next() {
        Some(Ok(b'[')) => {
            for b in bytes.by_ref() {
                if matches!(b, Ok(0x40..=0x7e) | Err(_)) {
                    break;
                }
            }
        }
        Some(Ok(b'O')) => {
            let _ = bytes.next();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c() -> Completions {
        Completions {
            commands: ["release", "resolve", "requests", "queues"].map(String::from).to_vec(),
            words: ["1N-014", "1N-015", "2S-003"].map(String::from).to_vec(),
        }
    }

    #[test]
    fn tab_completes_a_unique_word_and_lists_the_rest() {
        assert_eq!(complete(&c(), "qu"), ("eues ".into(), vec![]));
        assert_eq!(complete(&c(), "rel"), ("ease ".into(), vec![]));
        assert_eq!(complete(&c(), "re"), (String::new(), c().candidates("re")));
        assert_eq!(complete(&c(), "release 1n"), ("-01".into(), vec![]));
        assert_eq!(complete(&c(), "release 2"), ("S-003 ".into(), vec![]));
        assert_eq!(complete(&c(), "release 9"), (String::new(), vec![]));
    }

    #[test]
    fn a_prompt_is_written_again_after_lines_said_under_it() {
        let buf = Arc::new(Mutex::new(Vec::new()));
        struct W(Arc<Mutex<Vec<u8>>>);
        impl Write for W {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut s = Screen::new(Box::new(W(Arc::clone(&buf))), false);
        s.ask("carrel> ");
        s.lines(&["request 7 approved".into()]);
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "carrel> \nrequest 7 approved\ncarrel> ");
    }
}
