//! Compile errors: their positions, their collection during a compilation and
//! their rendering as `file:line:col: error: message` plus the source line and
//! a caret.
//!
//! Invariant: positions are 1-based, the column counts characters (not bytes)
//! from the start of the line, and rendering never fails, whatever the
//! position: a line past the end of the source renders without a snippet.

use std::fmt;

/// Most errors one compilation reports; the rest are dropped.
pub const MAX_ERRORS: usize = 20;

/// A position in the source: 1-based line and 1-based column in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const fn new(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }
}

/// One compile error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the error is; `None` for an error about the whole file (such as a
    /// missing `main`).
    pub pos: Option<Pos>,
    pub message: String,
}

/// Every error of one failed compilation, with what is needed to render them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics {
    /// The file name given to the compiler, the prefix of every rendered error.
    pub source_name: String,
    /// The errors, sorted by position (whole-file errors last).
    pub errors: Vec<Diagnostic>,
    /// True when more than [`MAX_ERRORS`] errors were found and the rest dropped.
    pub truncated: bool,
    source: String,
}

impl Diagnostics {
    pub(crate) fn new(source_name: &str, source: &str, sink: Sink) -> Diagnostics {
        let mut errors = sink.errors;
        // Whole-file errors sort after every positioned one.
        errors.sort_by_key(|d| d.pos.map_or((1, Pos::new(0, 0)), |p| (0, p)));
        Diagnostics {
            source_name: source_name.to_string(),
            errors,
            truncated: sink.truncated,
            source: source.to_string(),
        }
    }

    /// The messages alone, in order; convenient in tests.
    pub fn messages(&self) -> Vec<&str> {
        self.errors.iter().map(|d| d.message.as_str()).collect()
    }

    /// Line `line` (1-based) of the source, without its line terminator.
    fn source_line(&self, line: u32) -> Option<&str> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.source
            .split('\n')
            .nth(index)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }

    fn render_one(&self, d: &Diagnostic, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(pos) = d.pos else {
            return writeln!(f, "{}: error: {}", self.source_name, d.message);
        };
        writeln!(
            f,
            "{}:{}:{}: error: {}",
            self.source_name, pos.line, pos.column, d.message
        )?;
        let Some(text) = self.source_line(pos.line) else {
            return Ok(());
        };
        if text.is_empty() {
            writeln!(f, "{:>5} |", pos.line)?;
        } else {
            writeln!(f, "{:>5} | {}", pos.line, text)?;
        }
        // Keep tabs in the padding so the caret lines up under tabbed text.
        let pad: String = text
            .chars()
            .chain(std::iter::repeat(' '))
            .take(pos.column.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(f, "{:>5} | {}^", "", pad)
    }
}

impl fmt::Display for Diagnostics {
    /// Each error as
    ///
    /// ```text
    /// prog.iv:3:11: error: undefined variable 'y'
    ///     3 |   let x = y + 1
    ///       |           ^
    /// ```
    ///
    /// whole-file errors as `prog.iv: error: message`, and a last line when
    /// errors were dropped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.errors {
            self.render_one(d, f)?;
        }
        if self.truncated {
            writeln!(
                f,
                "{}: too many errors; only the first {} are shown",
                self.source_name, MAX_ERRORS
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Collects errors during one compilation, keeping at most [`MAX_ERRORS`].
#[derive(Debug, Default)]
pub(crate) struct Sink {
    errors: Vec<Diagnostic>,
    truncated: bool,
}

impl Sink {
    pub(crate) fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.push(Diagnostic {
            pos: Some(pos),
            message: message.into(),
        });
    }

    pub(crate) fn file_error(&mut self, message: impl Into<String>) {
        self.push(Diagnostic {
            pos: None,
            message: message.into(),
        });
    }

    fn push(&mut self, d: Diagnostic) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(d);
        } else {
            self.truncated = true;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}
