//! The text assembler: `.vasm` source to [`Module`].
//!
//! Invariant: [`assemble`] never panics, whatever the text, and it accepts
//! everything [`crate::dis::disassemble`] prints, rebuilding the very module
//! that was disassembled (so `write(assemble(disassemble(m)))` is
//! `write(m)` byte for byte). The assembler checks syntax and resolves names
//! only; it does not verify, so that malformed modules can be written on
//! purpose. Run [`crate::verify::verify`] on the result.
//!
//! # The `.vasm` syntax
//!
//! A file is a sequence of lines. `;` starts a comment that runs to the end
//! of the line (outside string literals). Tokens are separated by blanks.
//!
//! Module directives (outside functions, each at most once):
//!
//! - `.source "name"`: the module's source file name. Without it the source
//!   name is the name the assembler was given for the file.
//! - `.entry FUNC`: the entry function. Without it, `f0`.
//!
//! Constants, outside functions, in pool order:
//!
//! - `.const k3 int -12` (any i64, decimal or `0x` hex)
//! - `.const k4 float 0.1` (`inf`, `-inf`, `nan` for the canonical quiet NaN,
//!   or `bits=0x7ff0000000000001` for an exact bit pattern)
//! - `.const k5 str "text\n"`
//! - `.const k6 func FUNC`
//!
//! The index `kN` is optional; when present it must be the next index.
//!
//! Functions:
//!
//! ```text
//! .func NAME arity=N frame=N
//!     instructions, labels and .line directives
//! .end
//! ```
//!
//! `NAME` is an identifier (`[A-Za-z_][A-Za-z0-9_.]*`) or a quoted string.
//! Functions are numbered `f0`, `f1`, ... in the order they appear.
//!
//! An instruction is a mnemonic ([`crate::instr::Opcode::mnemonic`]) and its
//! operands in table order, separated by commas. Operands:
//!
//! | kind | spelling |
//! |---|---|
//! | register | `r0` .. `r255` |
//! | constant | `k0` .. `k65535` |
//! | function | `f0` .. `f65535`, or a function's name (`fib`, `"my fn"`); `f` followed by digits is always an index |
//! | builtin | `b0` .. `b255`, or a builtin's name (`print`) |
//! | count | `0` .. `255` |
//! | immediate | a signed decimal (or `0x` hex) number in the operand's range |
//! | jump | a signed offset in instructions from the next instruction (`+3`, `-2`, `0`), or a label of the same function |
//!
//! Before an instruction (or alone on a line) a line may carry prefixes
//! ending in `:`. An identifier prefix (`loop:`) defines a label at the next
//! instruction. A number prefix (`7:`, as the disassembler prints) states the
//! index of the instruction that follows, and the assembler checks it.
//!
//! Line table: `.line 12` inside a function maps the next instruction (and
//! those after it, up to the next `.line`) to source line 12.
//! `.line 12 pc=40` adds an entry for pc 40 wherever it is written; the
//! disassembler uses it only for line tables the positional form cannot
//! express (out of order or out of range, which the verifier refuses).
//!
//! Strings are in double quotes with the escapes `\"`, `\\`, `\n`, `\t`, `\r`,
//! `\0`, `\'` and `\u{1F600}` (one to six hex digits).
//!
//! # Example
//!
//! ```text
//! ; fib.vasm: prints fib(25)
//! .source "fib.src"
//! .entry main
//!
//! .const k0 str "fib(25) ="
//!
//! .func fib arity=1 frame=3
//!     .line 2
//!     jmpnlti r0, 2, recurse    ; if not (n < 2) goto recurse
//!     ret r0
//! recurse:
//!     .line 3
//!     addi r1, r0, -1
//!     calld r1, fib, r1, 1      ; r1 = fib(n - 1)
//!     addi r2, r0, -2
//!     calld r2, fib, r2, 1      ; r2 = fib(n - 2)
//!     add r0, r1, r2
//!     ret r0
//! .end
//!
//! .func main arity=0 frame=3
//!     loadk r1, k0
//!     loadint r2, 25
//!     calld r2, fib, r2, 1
//!     callb r0, print, r1, 2    ; print("fib(25) =", fib(25))
//!     ret r0
//! .end
//! ```
//!
//! Errors read `FILE:LINE: message`, with the file name the caller gives.

use std::collections::HashMap;
use std::fmt;

use crate::builtin::Builtin;
use crate::error::FormatError;
use crate::instr::{Instr, Opcode, Operand, OperandKind};
use crate::module::{Constant, Function, LineEntry, Module};

/// Why a `.vasm` text could not be assembled, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmError {
    /// The file name the caller gave to [`assemble`].
    pub source_name: String,
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.source_name, self.line, self.message)
    }
}

impl std::error::Error for AsmError {}

/// Assembles `.vasm` text into a module; `source_name` names the text in
/// error messages and is the module's source name unless `.source` says
/// otherwise.
pub fn assemble(text: &str, source_name: &str) -> Result<Module, AsmError> {
    assemble_with_lines(text, source_name).map(|(module, _)| module)
}

/// Where the instructions of an assembled module were written: the `.vasm`
/// line of each function's `.func` and of each of its instructions, so that
/// what the verifier refuses (it knows only function and instruction
/// indices) can be reported at its line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextLines {
    /// Per function, in order: the `.func` line and each instruction's line.
    functions: Vec<(usize, Vec<usize>)>,
}

impl TextLines {
    /// The line of instruction `pc` of function `function`.
    pub fn instruction(&self, function: u32, pc: u32) -> Option<usize> {
        let (_, code) = self.functions.get(function as usize)?;
        code.get(pc as usize).copied()
    }

    /// The line of function `function`'s `.func` directive.
    pub fn function(&self, function: u32) -> Option<usize> {
        self.functions.get(function as usize).map(|&(line, _)| line)
    }

    /// The line a verifier's refusal points at: its instruction's when it
    /// names one, else its function's; `None` for the module as a whole.
    pub fn locate(&self, error: &FormatError) -> Option<usize> {
        let (function, _) = error.function.as_ref()?;
        match error.instruction {
            Some(pc) => self.instruction(*function, pc),
            None => self.function(*function),
        }
    }
}

/// [`assemble`], also returning where each instruction was written.
pub fn assemble_with_lines(text: &str, source_name: &str) -> Result<(Module, TextLines), AsmError> {
    let error = |line: usize, message: String| AsmError {
        source_name: source_name.to_owned(),
        line,
        message,
    };
    let mut assembler = Assembler::default();
    for (index, raw) in text.split('\n').enumerate() {
        let line = index + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let tokens = tokenize(raw).map_err(|m| error(line, m))?;
        assembler.line(line, &tokens).map_err(|m| error(line, m))?;
    }
    assembler
        .finish(source_name)
        .map_err(|(line, m)| error(line, m))
}

// ---------------------------------------------------------------------------
// Spellings shared with the disassembler: what it prints, the assembler reads.

/// Bit pattern of the NaN spelled `nan`.
const CANONICAL_NAN_BITS: u64 = 0x7ff8_0000_0000_0000;

/// True when `s` may be written bare as a function name or label.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// A function name as the disassembler prints it: bare when an identifier,
/// quoted otherwise.
pub(crate) fn name_spelling(name: &str) -> String {
    if is_identifier(name) {
        name.to_owned()
    } else {
        quote(name)
    }
}

/// `s` as a string literal, escaped so that it stays on one line and reads
/// back exactly.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A float constant's value as the disassembler prints it; reads back to
/// the same bit pattern.
pub(crate) fn float_spelling(value: f64) -> String {
    if value.is_nan() {
        if value.to_bits() == CANONICAL_NAN_BITS {
            "nan".to_owned()
        } else {
            format!("bits=0x{:016x}", value.to_bits())
        }
    } else if value.is_infinite() {
        if value > 0.0 {
            "inf".to_owned()
        } else {
            "-inf".to_owned()
        }
    } else {
        // Debug prints the shortest decimal that parses back to the same
        // value, with a sign for -0.0.
        format!("{value:?}")
    }
}

// ---------------------------------------------------------------------------
// Tokens.

#[derive(Clone, Debug, PartialEq)]
enum Token {
    /// A run of characters other than blanks and `;,:="`.
    Word(String),
    /// A string literal, unescaped.
    Str(String),
    Comma,
    Colon,
    Equals,
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("'{w}'"),
        Token::Str(s) => format!("string {}", quote(s)),
        Token::Comma => "','".to_owned(),
        Token::Colon => "':'".to_owned(),
        Token::Equals => "'='".to_owned(),
    }
}

fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, ';' | ',' | ':' | '=' | '"')
}

fn tokenize(line: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ';' => break,
            ',' | ':' | '=' => {
                chars.next();
                tokens.push(match c {
                    ',' => Token::Comma,
                    ':' => Token::Colon,
                    _ => Token::Equals,
                });
            }
            '"' => {
                chars.next();
                tokens.push(Token::Str(string_literal(&mut chars)?));
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek().filter(|&&c| is_word_char(c)) {
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

/// Reads the rest of a string literal whose opening quote was consumed.
fn string_literal(chars: &mut impl Iterator<Item = char>) -> Result<String, String> {
    let mut out = String::new();
    loop {
        match chars.next() {
            None => return Err("unterminated string (missing the closing \")".to_owned()),
            Some('"') => return Ok(out),
            Some('\\') => out.push(match chars.next() {
                Some('"') => '"',
                Some('\\') => '\\',
                Some('\'') => '\'',
                Some('n') => '\n',
                Some('t') => '\t',
                Some('r') => '\r',
                Some('0') => '\0',
                Some('u') => unicode_escape(chars)?,
                Some(c) => return Err(format!("unknown escape '\\{c}' in string")),
                None => return Err("unterminated string (missing the closing \")".to_owned()),
            }),
            Some(c) => out.push(c),
        }
    }
}

/// Reads `{HEX}` after `\u`.
fn unicode_escape(chars: &mut impl Iterator<Item = char>) -> Result<char, String> {
    let bad = || "bad unicode escape: expected \\u{HEX} with 1 to 6 hex digits".to_owned();
    if chars.next() != Some('{') {
        return Err(bad());
    }
    let mut digits = String::new();
    loop {
        match chars.next() {
            Some('}') => break,
            Some(c) if c.is_ascii_hexdigit() && digits.len() < 6 => digits.push(c),
            _ => return Err(bad()),
        }
    }
    let value = u32::from_str_radix(&digits, 16).map_err(|_| bad())?;
    char::from_u32(value)
        .ok_or_else(|| format!("bad unicode escape: {value:x} is not a unicode scalar value"))
}

// ---------------------------------------------------------------------------
// Numbers and operands.

/// Parses a decimal or `0x` hex integer with an optional sign.
fn parse_int(word: &str) -> Option<i128> {
    let (negative, unsigned) = match word.as_bytes().first() {
        Some(b'-') => (true, &word[1..]),
        Some(b'+') => (false, &word[1..]),
        _ => (false, word),
    };
    let (radix, digits) = match unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        Some(hex) => (16, hex),
        None => (10, unsigned),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) || digits.len() > 40 {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// An integer `word` in `min..=max`, or why not.
fn int_in_range(word: &str, min: i128, max: i128, what: &str) -> Result<i128, String> {
    let value = parse_int(word).ok_or_else(|| format!("'{word}' is not a valid {what}"))?;
    if value < min || value > max {
        return Err(format!("{what} {word} out of range ({min}..={max})"));
    }
    Ok(value)
}

/// The digits after `prefix` when `word` is `prefix` followed by digits only.
fn numbered(word: &str, prefix: char) -> Option<&str> {
    word.strip_prefix(prefix)
        .filter(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

/// The index in `prefixN` when it is at most `max`.
fn index_operand(word: &str, prefix: char, max: u64, what: &str) -> Option<Result<u64, String>> {
    let digits = numbered(word, prefix)?;
    Some(match digits.parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!(
            "{what} {word} out of range ({prefix}0..={prefix}{max})"
        )),
    })
}

/// A reference to a function, resolved once every function is known.
#[derive(Clone, Debug)]
enum FunctionRef {
    Index(u16),
    Name(String),
}

fn function_ref(token: &Token) -> Result<FunctionRef, String> {
    match token {
        Token::Word(w) => match index_operand(w, 'f', u16::MAX.into(), "function") {
            Some(index) => Ok(FunctionRef::Index(index? as u16)),
            None if is_identifier(w) => Ok(FunctionRef::Name(w.clone())),
            None => Err(format!(
                "expected a function like f2 or a function's name, found '{w}'"
            )),
        },
        Token::Str(name) => Ok(FunctionRef::Name(name.clone())),
        other => Err(format!(
            "expected a function like f2 or a function's name, found {}",
            describe(other)
        )),
    }
}

/// An operand as written, some of which wait for names to be resolved.
#[derive(Clone, Debug)]
enum PendingOperand {
    Ready(Operand),
    Label(String),
    Function(String),
}

fn operand(token: &Token, kind: OperandKind) -> Result<PendingOperand, String> {
    let word = match token {
        Token::Word(word) => word,
        Token::Str(name) if kind == OperandKind::Func => {
            return Ok(PendingOperand::Function(name.clone()));
        }
        other => {
            return Err(format!(
                "expected {}, found {}",
                kind_description(kind),
                describe(other)
            ));
        }
    };
    let expected = || format!("expected {}, found '{word}'", kind_description(kind));
    let ready = PendingOperand::Ready;
    // Every number below is range-checked before it is narrowed.
    Ok(match kind {
        OperandKind::Reg => {
            let n = index_operand(word, 'r', u8::MAX.into(), "register").ok_or_else(expected)??;
            ready(Operand::Reg(n as u8))
        }
        OperandKind::Const => {
            let n =
                index_operand(word, 'k', u16::MAX.into(), "constant").ok_or_else(expected)??;
            ready(Operand::Const(n as u16))
        }
        OperandKind::Func => match function_ref(token)? {
            FunctionRef::Index(index) => ready(Operand::Func(index)),
            FunctionRef::Name(name) => PendingOperand::Function(name),
        },
        OperandKind::Builtin => match index_operand(word, 'b', u8::MAX.into(), "builtin") {
            Some(id) => ready(Operand::Builtin(id? as u8)),
            None => match Builtin::from_name(word) {
                Some(builtin) => ready(Operand::Builtin(builtin as u8)),
                None if is_identifier(word) => return Err(format!("unknown builtin '{word}'")),
                None => return Err(expected()),
            },
        },
        OperandKind::Count => ready(Operand::Count(
            int_in_range(word, 0, u8::MAX.into(), "count")? as u8,
        )),
        OperandKind::Imm8 => {
            ready(Operand::Imm8(
                int_in_range(word, i8::MIN.into(), i8::MAX.into(), "immediate")? as i8,
            ))
        }
        OperandKind::Imm16 => {
            ready(Operand::Imm16(
                int_in_range(word, i16::MIN.into(), i16::MAX.into(), "immediate")? as i16,
            ))
        }
        OperandKind::Jump if is_identifier(word) => PendingOperand::Label(word.clone()),
        OperandKind::Jump => {
            ready(Operand::Jump(
                int_in_range(word, i32::MIN.into(), i32::MAX.into(), "jump offset")? as i32,
            ))
        }
    })
}

fn kind_description(kind: OperandKind) -> &'static str {
    match kind {
        OperandKind::Reg => "a register like r3",
        OperandKind::Const => "a constant like k2",
        OperandKind::Func => "a function like f2 or a function's name",
        OperandKind::Builtin => "a builtin like print or b0",
        OperandKind::Count => "a count (0..=255)",
        OperandKind::Imm8 | OperandKind::Imm16 => "an integer",
        OperandKind::Jump => "a jump offset like +3 or a label",
    }
}

// ---------------------------------------------------------------------------
// The assembler proper.

#[derive(Debug)]
enum PendingConstant {
    Ready(Constant),
    Function(FunctionRef),
}

#[derive(Debug)]
struct PendingInstr {
    opcode: Opcode,
    operands: Vec<PendingOperand>,
    /// The text line, for errors found when names are resolved.
    line: usize,
}

#[derive(Debug)]
struct PendingFunction {
    name: String,
    arity: u8,
    frame_size: u16,
    /// The line of the `.func` directive.
    line: usize,
    code: Vec<PendingInstr>,
    lines: Vec<LineEntry>,
    /// Label name to (instruction index, line defined on).
    labels: HashMap<String, (usize, usize)>,
}

/// The module being assembled, line by line.
#[derive(Default)]
struct Assembler {
    source: Option<String>,
    /// The entry function and the line that named it.
    entry: Option<(FunctionRef, usize)>,
    /// Each constant and the line that declared it.
    constants: Vec<(PendingConstant, usize)>,
    /// The closed functions, in order.
    functions: Vec<PendingFunction>,
    /// The function between `.func` and `.end`.
    open: Option<PendingFunction>,
}

impl Assembler {
    fn line(&mut self, line: usize, tokens: &[Token]) -> Result<(), String> {
        let mut rest = tokens;
        while let [Token::Word(prefix), Token::Colon, tail @ ..] = rest {
            self.prefix(prefix, line)?;
            rest = tail;
        }
        match rest {
            [] => Ok(()),
            [Token::Word(word), args @ ..] if word.starts_with('.') => {
                self.directive(word, args, line)
            }
            [Token::Word(word), args @ ..] => self.instruction(word, args, line),
            [other, ..] => Err(format!(
                "expected a directive, a label or an instruction, found {}",
                describe(other)
            )),
        }
    }

    fn open_function(&mut self, what: &str) -> Result<&mut PendingFunction, String> {
        self.open
            .as_mut()
            .ok_or_else(|| format!("{what} outside a function (.func ... .end)"))
    }

    fn prefix(&mut self, prefix: &str, line: usize) -> Result<(), String> {
        let function = self.open_function(&format!("'{prefix}:'"))?;
        let here = function.code.len();
        if prefix.bytes().all(|b| b.is_ascii_digit()) {
            return match prefix.parse::<usize>() {
                Ok(index) if index == here => Ok(()),
                _ => Err(format!(
                    "instruction index {prefix} does not match: the next instruction is {here}"
                )),
            };
        }
        if !is_identifier(prefix) {
            return Err(format!(
                "'{prefix}' is not a valid label (labels are identifiers)"
            ));
        }
        if let Some(&(_, first)) = function.labels.get(prefix) {
            return Err(format!(
                "label '{prefix}' is already defined on line {first}"
            ));
        }
        function.labels.insert(prefix.to_owned(), (here, line));
        Ok(())
    }

    fn directive(&mut self, directive: &str, args: &[Token], line: usize) -> Result<(), String> {
        let module_level = matches!(directive, ".source" | ".entry" | ".const" | ".func");
        if self.open.is_some() && module_level {
            return Err(format!(
                "{directive} inside a function (close it with .end first)"
            ));
        }
        match directive {
            ".source" => {
                let [Token::Str(name)] = args else {
                    return Err("expected .source \"NAME\"".to_owned());
                };
                if self.source.is_some() {
                    return Err(".source given twice".to_owned());
                }
                self.source = Some(name.clone());
                Ok(())
            }
            ".entry" => {
                let [function] = args else {
                    return Err("expected .entry FUNCTION".to_owned());
                };
                if self.entry.is_some() {
                    return Err(".entry given twice".to_owned());
                }
                self.entry = Some((function_ref(function)?, line));
                Ok(())
            }
            ".const" => self.constant(args, line),
            ".func" => self.func(args, line),
            ".end" => self.end(args),
            ".line" => self.line_directive(args),
            _ => Err(format!("unknown directive {directive}")),
        }
    }

    fn constant(&mut self, args: &[Token], line: usize) -> Result<(), String> {
        let next = self.constants.len();
        let args = match args {
            [Token::Word(word), rest @ ..] if numbered(word, 'k').is_some() => {
                if word[1..].parse::<usize>().ok() != Some(next) {
                    return Err(format!(
                        "constant {word} declared out of order: the next constant is k{next}"
                    ));
                }
                rest
            }
            _ => args,
        };
        let constant = match args {
            [Token::Word(kind), Token::Word(value)] if kind == "int" => {
                let value = int_in_range(value, i64::MIN.into(), i64::MAX.into(), "integer")?;
                PendingConstant::Ready(Constant::Int(value as i64))
            }
            [Token::Word(kind), Token::Word(value)] if kind == "float" => {
                PendingConstant::Ready(Constant::Float(float_value(value)?))
            }
            [
                Token::Word(kind),
                Token::Word(bits),
                Token::Equals,
                Token::Word(value),
            ] if kind == "float" && bits == "bits" => {
                let bits = match parse_int(value) {
                    Some(bits)
                        if value.starts_with("0x") && (0..=u64::MAX.into()).contains(&bits) =>
                    {
                        bits as u64
                    }
                    _ => {
                        return Err(format!(
                            "expected a 64-bit hex pattern like 0x7ff8000000000000, found '{value}'"
                        ));
                    }
                };
                PendingConstant::Ready(Constant::Float(f64::from_bits(bits)))
            }
            [Token::Word(kind), Token::Str(value)] if kind == "str" => {
                PendingConstant::Ready(Constant::Str(value.as_str().into()))
            }
            [Token::Word(kind), function] if kind == "func" => {
                PendingConstant::Function(function_ref(function)?)
            }
            _ => {
                return Err(
                    "expected .const [kN] int N | float X | str \"S\" | func FUNCTION".to_owned(),
                );
            }
        };
        self.constants.push((constant, line));
        Ok(())
    }

    fn func(&mut self, args: &[Token], line: usize) -> Result<(), String> {
        let (name, mut attributes) =
            match args {
                [Token::Str(name), rest @ ..] => (name.clone(), rest),
                [Token::Word(name), rest @ ..] if is_identifier(name) => (name.clone(), rest),
                _ => return Err(
                    "expected .func NAME arity=N frame=N (NAME an identifier or a quoted string)"
                        .to_owned(),
                ),
            };
        let (mut arity, mut frame_size) = (None, None);
        while let [
            Token::Word(key),
            Token::Equals,
            Token::Word(value),
            tail @ ..,
        ] = attributes
        {
            match key.as_str() {
                "arity" if arity.is_none() => {
                    arity = Some(int_in_range(value, 0, u8::MAX.into(), "arity")? as u8)
                }
                "frame" if frame_size.is_none() => {
                    frame_size = Some(int_in_range(value, 0, u16::MAX.into(), "frame size")? as u16)
                }
                "arity" | "frame" => return Err(format!("{key}= given twice")),
                _ => {
                    return Err(format!(
                        "unknown function attribute '{key}' (expected arity= and frame=)"
                    ));
                }
            }
            attributes = tail;
        }
        if let Some(extra) = attributes.first() {
            return Err(format!(
                "expected arity=N or frame=N, found {}",
                describe(extra)
            ));
        }
        let (Some(arity), Some(frame_size)) = (arity, frame_size) else {
            return Err(format!(
                "function {} needs both arity=N and frame=N",
                name_spelling(&name)
            ));
        };
        self.open = Some(PendingFunction {
            name,
            arity,
            frame_size,
            line,
            code: Vec::new(),
            lines: Vec::new(),
            labels: HashMap::new(),
        });
        Ok(())
    }

    /// Closes the open function; its labels are resolved with the names.
    fn end(&mut self, args: &[Token]) -> Result<(), String> {
        if let Some(extra) = args.first() {
            return Err(format!("unexpected {} after .end", describe(extra)));
        }
        let function = self.open.take().ok_or(".end without .func")?;
        self.functions.push(function);
        Ok(())
    }

    fn line_directive(&mut self, args: &[Token]) -> Result<(), String> {
        let function = self.open_function(".line")?;
        let entry = match args {
            [Token::Word(line)] => LineEntry {
                pc: u32::try_from(function.code.len())
                    .map_err(|_| "too many instructions".to_owned())?,
                line: int_in_range(line, 0, u32::MAX.into(), "line number")? as u32,
            },
            [
                Token::Word(line),
                Token::Word(pc_key),
                Token::Equals,
                Token::Word(pc),
            ] if pc_key == "pc" => LineEntry {
                pc: int_in_range(pc, 0, u32::MAX.into(), "pc")? as u32,
                line: int_in_range(line, 0, u32::MAX.into(), "line number")? as u32,
            },
            _ => return Err("expected .line N or .line N pc=N".to_owned()),
        };
        function.lines.push(entry);
        Ok(())
    }

    fn instruction(&mut self, mnemonic: &str, args: &[Token], line: usize) -> Result<(), String> {
        let opcode = Opcode::from_mnemonic(mnemonic)
            .ok_or_else(|| format!("unknown instruction '{mnemonic}'"))?;
        let function = self.open_function(&format!("instruction '{mnemonic}'"))?;
        let fields = opcode.operands();
        let tokens = split_operands(args)?;
        if tokens.len() != fields.len() {
            let names: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
            return Err(format!(
                "{mnemonic} takes {} operand{} ({}), found {}",
                fields.len(),
                if fields.len() == 1 { "" } else { "s" },
                names.join(", "),
                tokens.len()
            ));
        }
        let operands = tokens
            .iter()
            .zip(fields)
            .map(|(token, &(field, kind))| {
                operand(token, kind).map_err(|m| format!("{mnemonic} operand '{field}': {m}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        function.code.push(PendingInstr {
            opcode,
            operands,
            line,
        });
        Ok(())
    }

    /// Resolves function names and builds the module.
    fn finish(self, default_source: &str) -> Result<(Module, TextLines), (usize, String)> {
        if let Some(open) = &self.open {
            return Err((
                open.line,
                format!("function {} has no .end", name_spelling(&open.name)),
            ));
        }
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, function) in self.functions.iter().enumerate() {
            by_name
                .entry(function.name.as_str())
                .or_default()
                .push(index);
        }
        let resolve_name = |name: &str| -> Result<u16, String> {
            match by_name.get(name).map(Vec::as_slice) {
                Some(&[index]) => u16::try_from(index).map_err(|_| {
                    format!(
                        "function {} is f{index}, beyond f65535",
                        name_spelling(name)
                    )
                }),
                Some(many) if many.len() > 1 => {
                    let indices: Vec<String> = many.iter().map(|i| format!("f{i}")).collect();
                    Err(format!(
                        "function name {} is ambiguous ({}); refer to it by index",
                        name_spelling(name),
                        indices.join(", ")
                    ))
                }
                _ => Err(format!("no function named {}", name_spelling(name))),
            }
        };
        let resolve = |reference: &FunctionRef| match reference {
            FunctionRef::Index(index) => Ok(*index),
            FunctionRef::Name(name) => resolve_name(name),
        };

        let entry = match &self.entry {
            Some((reference, line)) => resolve(reference).map_err(|m| (*line, m))?,
            None => 0,
        };
        let mut constants = Vec::with_capacity(self.constants.len());
        for (constant, line) in &self.constants {
            constants.push(match constant {
                PendingConstant::Ready(c) => c.clone(),
                PendingConstant::Function(reference) => {
                    Constant::Func(resolve(reference).map_err(|m| (*line, m))?)
                }
            });
        }
        let mut functions = Vec::with_capacity(self.functions.len());
        for function in &self.functions {
            let mut code = Vec::with_capacity(function.code.len());
            for (pc, instr) in function.code.iter().enumerate() {
                let mut operands = Vec::with_capacity(instr.operands.len());
                for operand in &instr.operands {
                    let resolved = match operand {
                        PendingOperand::Ready(operand) => Ok(*operand),
                        PendingOperand::Function(name) => resolve_name(name).map(Operand::Func),
                        PendingOperand::Label(label) => jump_to_label(function, pc, label),
                    };
                    operands.push(resolved.map_err(|m| (instr.line, m))?);
                }
                code.push(
                    Instr::from_operands(instr.opcode, &operands)
                        .expect("operands were parsed by the opcode's own kinds"),
                );
            }
            functions.push(Function {
                name: function.name.clone(),
                arity: function.arity,
                frame_size: function.frame_size,
                code,
                lines: function.lines.clone(),
            });
        }
        let lines = TextLines {
            functions: self
                .functions
                .iter()
                .map(|f| (f.line, f.code.iter().map(|i| i.line).collect()))
                .collect(),
        };
        let module = Module {
            constants,
            functions,
            entry,
            source_name: self.source.unwrap_or_else(|| default_source.to_owned()),
        };
        Ok((module, lines))
    }
}

/// The jump operand from instruction `pc` of `function` to `label`.
fn jump_to_label(function: &PendingFunction, pc: usize, label: &str) -> Result<Operand, String> {
    let Some(&(target, _)) = function.labels.get(label) else {
        return Err(format!(
            "unknown label '{label}' in function {}",
            name_spelling(&function.name)
        ));
    };
    i32::try_from(target as i64 - pc as i64 - 1)
        .map(Operand::Jump)
        .map_err(|_| format!("label '{label}' is too far away for a jump"))
}

/// Splits `a, b, c` into its operand tokens.
fn split_operands(args: &[Token]) -> Result<Vec<&Token>, String> {
    let mut operands = Vec::new();
    let mut rest = args;
    while let Some((first, tail)) = rest.split_first() {
        if matches!(first, Token::Comma | Token::Colon | Token::Equals) {
            return Err(format!("expected an operand, found {}", describe(first)));
        }
        operands.push(first);
        rest = match tail.split_first() {
            None => tail,
            Some((Token::Comma, after)) if !after.is_empty() => after,
            Some((Token::Comma, _)) => return Err("expected an operand after ','".to_owned()),
            Some((other, _)) => {
                return Err(format!(
                    "expected ',' between operands, found {}",
                    describe(other)
                ));
            }
        };
    }
    Ok(operands)
}

/// A decimal float, `inf`, `-inf` or `nan`.
fn float_value(word: &str) -> Result<f64, String> {
    if matches!(word, "nan" | "NaN" | "+nan" | "+NaN") {
        return Ok(f64::from_bits(CANONICAL_NAN_BITS));
    }
    match word.parse::<f64>() {
        Ok(value) if !value.is_nan() => Ok(value),
        _ => Err(format!(
            "expected a float like 0.5, 1e-9, inf or nan (or bits=0x... for an exact pattern), found '{word}'"
        )),
    }
}
