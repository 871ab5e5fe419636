//! Standard output and standard error as the `vm` program writes them:
//! every write is checked, and none panics (`print!` and `eprintln!` panic
//! when a write fails, so the program does not use them).
//!
//! Invariant: a failed write to stdout or stderr is never ignored. A broken
//! pipe (the reader went away, as in `vm dis big.bc | head -1`) ends the
//! command quietly with exit code [`BROKEN_PIPE_EXIT`], the status a shell
//! reports for a tool that SIGPIPE killed; any other error (a full disk,
//! a closed stdout) ends it with exit code [`WRITE_ERROR_EXIT`] and one line
//! on stderr, `error: writing output: No space left on device`.
//!
//! A closed stdout (`vm run prog.iv >&-`) needs care: before `main`, Rust's
//! runtime reopens a closed standard descriptor on `/dev/null`, read-write,
//! so writes would vanish without an error. On Linux, [`stdout`] recognises
//! that descriptor (`/dev/null` opened read-write, which no shell's `>`
//! redirection does) and fails every write on it with "Bad file
//! descriptor", as C programs see it. When stderr is `/dev/null` too
//! (a daemon's usual setup) no one could read the error, and stdout is
//! treated as an ordinary `/dev/null`.

use std::io::{self, Write};
use std::sync::OnceLock;

/// Exit code after a broken pipe: 128 + SIGPIPE, what a shell reports for a
/// process the signal killed (`yes | head -1` under `set -o pipefail`).
pub const BROKEN_PIPE_EXIT: u8 = 141;

/// Exit code after any other failed write to stdout or stderr.
pub const WRITE_ERROR_EXIT: u8 = 1;

/// `errno` for a closed descriptor (the same on every Unix).
const EBADF: i32 = 9;

/// True when `e` says the reader of a pipe has gone.
pub fn is_broken_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// The error's reason without Rust's ` (os error N)` suffix:
/// `No space left on device`.
pub fn describe(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

/// The one line reporting a failed write (without the newline).
pub fn failure_line(e: &io::Error) -> String {
    format!("error: writing output: {}", describe(e))
}

/// True when stdout was closed when the program started (see the module
/// documentation); always false outside Linux.
pub fn stdout_closed() -> bool {
    static CLOSED: OnceLock<bool> = OnceLock::new();
    *CLOSED.get_or_init(detect_closed_stdout)
}

#[cfg(target_os = "linux")]
fn detect_closed_stdout() -> bool {
    let is_null = |fd: u32| {
        std::fs::read_link(format!("/proc/self/fd/{fd}"))
            .is_ok_and(|target| target == std::path::Path::new("/dev/null"))
    };
    let read_write = std::fs::read_to_string("/proc/self/fdinfo/1")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("flags:"))
                .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
        })
        // O_ACCMODE is 3, O_RDWR 2.
        .is_some_and(|flags| flags & 3 == 2);
    is_null(1) && read_write && !is_null(2)
}

#[cfg(not(target_os = "linux"))]
fn detect_closed_stdout() -> bool {
    false
}

/// The error a write to a closed stdout gets.
pub fn closed_error() -> io::Error {
    io::Error::from_raw_os_error(EBADF)
}

/// A writer whose every write fails as on a closed descriptor.
struct Closed;

impl Write for Closed {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(closed_error())
    }

    /// Nothing was written, so there is nothing to lose: a program that
    /// prints nothing runs fine with stdout closed.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The process's stdout as a writer whose errors are real: a closed stdout
/// fails every write.
pub fn stdout() -> Box<dyn Write + Send> {
    if stdout_closed() {
        Box::new(Closed)
    } else {
        Box::new(io::stdout())
    }
}

/// Writes `text` to stdout and flushes it.
pub fn write_out(text: &str) -> io::Result<()> {
    let mut out = stdout();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes `text` to stderr (which is unbuffered).
pub fn write_err(text: &str) -> io::Result<()> {
    let mut err = io::stderr().lock();
    err.write_all(text.as_bytes())?;
    err.flush()
}

/// Writes `line` and a newline to stderr.
pub fn err_line(line: &str) -> io::Result<()> {
    let mut err = io::stderr().lock();
    err.write_all(line.as_bytes())?;
    err.write_all(b"\n")?;
    err.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_drop_the_os_error_number() {
        let full = io::Error::from_raw_os_error(28);
        assert_eq!(describe(&full), "No space left on device");
        assert_eq!(
            failure_line(&closed_error()),
            "error: writing output: Bad file descriptor"
        );
        let plain = io::Error::other("odd (thing)");
        assert_eq!(describe(&plain), "odd (thing)");
    }
}
