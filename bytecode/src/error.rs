//! The error of loading bytecode: why the reader or the verifier refused a
//! module, and where.
//!
//! Invariant: a [`FormatError`] displays as exactly one line,
//! `byte OFFSET: function INDEX 'NAME': instruction PC: MESSAGE`, where each
//! prefix appears only when known, and without an `error:` prefix (the
//! command-line program adds that). Function names are escaped so that no
//! name can break the line.

use std::fmt;

/// A refusal of the `.bc` reader or of the verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// Absolute byte offset in the file of the field, instruction or region at
    /// fault; `None` when the module did not come from a file.
    pub offset: Option<u64>,
    /// The function the problem is in: its index and its name (empty when the
    /// name itself could not be read, or is empty).
    pub function: Option<(u32, String)>,
    /// The index of the instruction at fault within the function's code.
    pub instruction: Option<u32>,
    /// What is wrong, without location prefixes.
    pub message: String,
}

impl FormatError {
    /// A refusal with no location yet.
    pub fn new(message: impl Into<String>) -> FormatError {
        FormatError {
            offset: None,
            function: None,
            instruction: None,
            message: message.into(),
        }
    }

    /// Sets the byte offset, keeping any offset already there.
    pub fn at(mut self, offset: Option<u64>) -> FormatError {
        if self.offset.is_none() {
            self.offset = offset;
        }
        self
    }

    /// Sets the function, keeping any function already there.
    pub fn in_function(mut self, index: u32, name: &str) -> FormatError {
        if self.function.is_none() {
            self.function = Some((index, name.to_owned()));
        }
        self
    }

    /// Sets the instruction index, keeping any index already there.
    pub fn at_instruction(mut self, pc: u32) -> FormatError {
        if self.instruction.is_none() {
            self.instruction = Some(pc);
        }
        self
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(offset) = self.offset {
            write!(f, "byte {offset}: ")?;
        }
        if let Some((index, name)) = &self.function {
            write!(f, "function {index}")?;
            if !name.is_empty() {
                write!(f, " '{}'", name.escape_debug())?;
            }
            f.write_str(": ")?;
        }
        if let Some(pc) = self.instruction {
            write!(f, "instruction {pc}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for FormatError {}

/// `1 byte`, `2 bytes`: a count and its noun, for messages.
pub(crate) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_puts_every_known_location_before_the_message() {
        let e = FormatError::new("jump target 40 out of range (code has 12 instructions)")
            .at_instruction(7)
            .in_function(3, "fib")
            .at(Some(412));
        assert_eq!(
            e.to_string(),
            "byte 412: function 3 'fib': instruction 7: jump target 40 out of range (code has 12 instructions)"
        );
        assert_eq!(FormatError::new("bad").to_string(), "bad");
        assert_eq!(
            FormatError::new("bad").in_function(2, "").to_string(),
            "function 2: bad"
        );
    }

    #[test]
    fn the_innermost_location_wins() {
        let e = FormatError::new("m")
            .at(Some(5))
            .at(Some(9))
            .in_function(1, "a")
            .in_function(2, "b");
        assert_eq!(e.offset, Some(5));
        assert_eq!(e.function, Some((1, "a".to_owned())));
    }

    #[test]
    fn a_name_with_a_newline_stays_on_one_line() {
        let e = FormatError::new("m").in_function(0, "a\nb");
        assert_eq!(e.to_string(), "function 0 'a\\nb': m");
    }
}
