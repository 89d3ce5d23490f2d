//! A reader that stops early (`carrel seats | head -1`) is not a failure: the command ends
//! quietly with exit status 0, whichever command it was, in this one place.
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with `BrokenPipe` and `println!`
//! panics on it. Restoring the default SIGPIPE action would need `unsafe` (forbidden here) and
//! would also kill the process on a write to a closed socket — hyper writes responses with
//! `writev`, which raises SIGPIPE, so `carrel sim` and the console's built-in simulator would
//! die whenever a client gave up on an answer. Instead [`install_hook`] keeps that one panic
//! silent, and [`super::main`] catches it (after the stack has unwound, so leases and
//! transactions are released as on any other way out) and exits 0, as ripgrep does: under
//! `set -o pipefail`, `carrel audit log | head` is not an error. The console is not concerned:
//! it writes to the terminal with fallible writes, never with `println!`.
//!
//! May use: std only.

use std::any::Any;

/// Whether a panic payload is the standard library's "failed printing to stdout" for a pipe
/// whose reader has gone.
pub fn is_closed_stdout(payload: &(dyn Any + Send)) -> bool {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied());
    message.is_some_and(is_closed_stdout_message)
}

fn is_closed_stdout_message(message: &str) -> bool {
    // std's words (library/std/src/io/stdio.rs): "failed printing to stdout: {error}", the error
    // shown as the operating system's "Broken pipe (os error 32)".
    let broken_pipe = std::io::Error::from_raw_os_error(libc::EPIPE).to_string();
    message.starts_with("failed printing to stdout") && message.ends_with(&broken_pipe)
}

/// Wraps the installed panic hook so a print to a closed stdout reports nothing; every other
/// panic reaches the previous hook as before. Install it after the error-report hook.
pub fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.payload_as_str().is_some_and(is_closed_stdout_message) {
            previous(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_closed_stdout_is_quiet() {
        let epipe = std::io::Error::from_raw_os_error(libc::EPIPE);
        let closed: Box<dyn Any + Send> = Box::new(format!("failed printing to stdout: {epipe}"));
        assert!(is_closed_stdout(closed.as_ref()));
        let full = std::io::Error::from_raw_os_error(libc::ENOSPC);
        let other: Box<dyn Any + Send> = Box::new(format!("failed printing to stdout: {full}"));
        assert!(!is_closed_stdout(other.as_ref()));
        let stderr: Box<dyn Any + Send> = Box::new(format!("failed printing to stderr: {epipe}"));
        assert!(!is_closed_stdout(stderr.as_ref()));
        let bug: Box<dyn Any + Send> = Box::new("index out of bounds");
        assert!(!is_closed_stdout(bug.as_ref()));
    }
}
