//! The `.bc` binary format: [`write_module`] and [`read_module`].
//!
//! Invariant: the reader never panics and never allocates more than a small
//! multiple of the file's size, whatever the bytes; every refusal names the
//! absolute byte offset of the problem (and the function, when it is inside
//! one). The reader checks structure only (every byte accounted for, every
//! field decodable); what the bytes *mean* is the verifier's business, and
//! [`load`] runs both.
//!
//! All integers are little-endian.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `89 49 56 4D 0D 0A 1A 0A` (`\x89IVM\r\n\x1a\n`, see below) |
//! | 8 | 2 | format version, u16 = 1 (any other is refused) |
//! | 10 | 2 | section count `n`, u16 |
//! | 12 | 4 | entry function index, u32 (at most 65535) |
//! | 16 | 12 `n` | section directory: `n` entries, each below |
//! | 16 + 12 `n` | ... | the sections' bodies |
//!
//! A directory entry:
//!
//! | size | field |
//! |---|---|
//! | 4 | kind, u32: 1 = constants, 2 = functions, 3 = meta |
//! | 4 | absolute offset of the section's first byte, u32 |
//! | 4 | length of the section in bytes, u32 |
//!
//! The constants and functions sections appear exactly once, meta at most
//! once. Every byte of the file belongs to exactly one of the header, the
//! directory or one section: a section outside the file, overlapping another
//! or the header, a gap between sections and bytes after the last section are
//! all refused. Sections may be listed and laid out in any order; the writer
//! lays them out contiguously as constants, functions, meta, and leaves meta
//! out when the source name is empty, so its output is canonical.
//!
//! Constants section (its bytes must be consumed exactly):
//!
//! | size | field |
//! |---|---|
//! | 4 | constant count, u32 |
//! | 1 | per constant: tag, u8 |
//! | ... | payload: tag 0 Int: i64; tag 1 Float: u64 bit pattern; tag 2 Str: length u32 + UTF-8 bytes; tag 3 Func: function index u32 (at most 65535) |
//!
//! Functions section (consumed exactly):
//!
//! | size | field |
//! |---|---|
//! | 4 | function count, u32 |
//! | 4 + len | per function: name, length u32 + UTF-8 bytes |
//! | 1 | arity, u8 |
//! | 2 | frame size, u16 |
//! | 4 | code length in bytes, u32 |
//! | len | code: instructions back to back as [`Instr::encode`] writes them; a truncated last instruction is refused |
//! | 4 | line-table entry count, u32 |
//! | 8 each | line-table entries: pc u32, line u32 |
//!
//! Meta section (consumed exactly): the source file name, length u32 + UTF-8
//! bytes. Without a meta section the source name is empty.
//!
//! The magic is PNG's trick: the high byte `0x89` can never start UTF-8 text,
//! so a source file is never mistaken for bytecode; `\r\n` and `\n` expose a
//! transfer that rewrote line endings; `\x1a` stops a DOS `type`.

use crate::error::{FormatError, plural};
use crate::instr::{DecodeError, Instr, Opcode};
use crate::module::{Constant, Function, LineEntry, Module, VerifiedModule};
use crate::verify::verify_with_offsets;

/// The first 8 bytes of every `.bc` file.
pub const MAGIC: [u8; 8] = [0x89, b'I', b'V', b'M', b'\r', b'\n', 0x1a, b'\n'];
/// The only format version this crate reads and writes.
pub const FORMAT_VERSION: u16 = 1;
/// Length of the fixed header, magic included.
pub const HEADER_LEN: usize = 16;
/// Length of one section directory entry.
pub const DIRECTORY_ENTRY_LEN: usize = 12;

/// Tag byte of an integer constant.
pub const TAG_INT: u8 = 0;
/// Tag byte of a float constant.
pub const TAG_FLOAT: u8 = 1;
/// Tag byte of a string constant.
pub const TAG_STR: u8 = 2;
/// Tag byte of a function constant.
pub const TAG_FUNC: u8 = 3;

/// The fewest bytes one constant can take (a tag and a 4-byte payload).
const MIN_CONSTANT_LEN: usize = 5;
/// The fewest bytes one function can take (every length and count zero).
const MIN_FUNCTION_LEN: usize = 4 + 1 + 2 + 4 + 4;
/// The size of one line-table entry.
const LINE_ENTRY_LEN: usize = 8;

/// The kinds of section a `.bc` file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum SectionKind {
    Constants = 1,
    Functions = 2,
    Meta = 3,
}

impl SectionKind {
    /// The section kind with directory value `value`, if there is one.
    pub fn from_u32(value: u32) -> Option<SectionKind> {
        match value {
            1 => Some(SectionKind::Constants),
            2 => Some(SectionKind::Functions),
            3 => Some(SectionKind::Meta),
            _ => None,
        }
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            SectionKind::Constants => "constants",
            SectionKind::Functions => "functions",
            SectionKind::Meta => "meta",
        }
    }
}

/// A module as read from a file, with where each of its parts lay in it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadModule {
    pub module: Module,
    pub offsets: ModuleOffsets,
}

/// Absolute byte offsets of a module's fields in the file it was read from,
/// so that the verifier can say where in the file a problem is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleOffsets {
    /// The header's entry function index.
    pub entry: u64,
    /// The constants section's count field.
    pub constant_count: u64,
    /// Each constant's tag byte.
    pub constants: Vec<u64>,
    /// The functions section's count field.
    pub function_count: u64,
    pub functions: Vec<FunctionOffsets>,
}

/// Absolute byte offsets of one function's fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionOffsets {
    /// The name's length field, where the function's record starts.
    pub name: u64,
    pub arity: u64,
    pub frame_size: u64,
    pub code_length: u64,
    /// Each instruction's opcode byte.
    pub instructions: Vec<u64>,
    /// Each line-table entry.
    pub lines: Vec<u64>,
}

/// True when `bytes` starts with the `.bc` magic (the file may still be
/// malformed past it).
pub fn is_bytecode(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// Reads and verifies a `.bc` file.
pub fn load(bytes: &[u8]) -> Result<VerifiedModule, FormatError> {
    let read = read_module(bytes)?;
    verify_with_offsets(read.module, Some(&read.offsets))
}

/// Encodes `module` as a `.bc` file. The module need not be valid: the writer
/// encodes whatever it holds, so that malformed modules can be written for
/// tests of the reader and verifier.
///
/// # Panics
///
/// When a count, a length or an offset does not fit in the format's 32-bit
/// fields, that is when the file would exceed 4 GiB.
pub fn write_module(module: &Module) -> Vec<u8> {
    let mut sections = vec![
        (SectionKind::Constants, encode_constants(&module.constants)),
        (SectionKind::Functions, encode_functions(&module.functions)),
    ];
    if !module.source_name.is_empty() {
        let mut meta = Vec::new();
        put_str(&mut meta, &module.source_name);
        sections.push((SectionKind::Meta, meta));
    }

    let body_len: usize = sections.iter().map(|(_, body)| body.len()).sum();
    let directory_len = sections.len() * DIRECTORY_ENTRY_LEN;
    let mut out = Vec::with_capacity(HEADER_LEN + directory_len + body_len);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u16).to_le_bytes());
    out.extend_from_slice(&u32::from(module.entry).to_le_bytes());
    let mut offset = HEADER_LEN + directory_len;
    for (kind, body) in &sections {
        out.extend_from_slice(&(*kind as u32).to_le_bytes());
        put_len(&mut out, offset);
        put_len(&mut out, body.len());
        offset += body.len();
    }
    for (_, body) in &sections {
        out.extend_from_slice(body);
    }
    out
}

fn encode_constants(constants: &[Constant]) -> Vec<u8> {
    let mut out = Vec::new();
    put_len(&mut out, constants.len());
    for constant in constants {
        match constant {
            Constant::Int(v) => {
                out.push(TAG_INT);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Constant::Float(v) => {
                out.push(TAG_FLOAT);
                out.extend_from_slice(&v.to_bits().to_le_bytes());
            }
            Constant::Str(s) => {
                out.push(TAG_STR);
                put_str(&mut out, s);
            }
            Constant::Func(index) => {
                out.push(TAG_FUNC);
                out.extend_from_slice(&u32::from(*index).to_le_bytes());
            }
        }
    }
    out
}

fn encode_functions(functions: &[Function]) -> Vec<u8> {
    let mut out = Vec::new();
    put_len(&mut out, functions.len());
    for function in functions {
        put_str(&mut out, &function.name);
        out.push(function.arity);
        out.extend_from_slice(&function.frame_size.to_le_bytes());
        let mut code = Vec::new();
        for instr in &function.code {
            instr.encode(&mut code);
        }
        put_len(&mut out, code.len());
        out.extend_from_slice(&code);
        put_len(&mut out, function.lines.len());
        for entry in &function.lines {
            out.extend_from_slice(&entry.pc.to_le_bytes());
            out.extend_from_slice(&entry.line.to_le_bytes());
        }
    }
    out
}

/// Appends a count, length or offset as a u32.
fn put_len(out: &mut Vec<u8>, len: usize) {
    let len = u32::try_from(len).expect("a .bc file cannot hold more than 4 GiB");
    out.extend_from_slice(&len.to_le_bytes());
}

/// Appends a string as its length and UTF-8 bytes.
fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Decodes a `.bc` file into a module, without verifying it.
pub fn read_module(bytes: &[u8]) -> Result<ReadModule, FormatError> {
    check_magic(bytes)?;
    let mut header = Cursor::new(bytes, MAGIC.len(), bytes.len(), "file");
    let version_at = header.offset();
    let version = header.u16("format version")?;
    if version != FORMAT_VERSION {
        return Err(FormatError::new(format!(
            "unsupported format version {version} (this VM reads version {FORMAT_VERSION})"
        ))
        .at(Some(version_at)));
    }
    let section_count = header.u16("section count")?;
    let entry_at = header.offset();
    let entry = header.u32("entry function index")?;
    let entry = u16::try_from(entry).map_err(|_| {
        FormatError::new(format!(
            "entry function index {entry} out of range (function indices are below 65536)"
        ))
        .at(Some(entry_at))
    })?;
    let layout = read_directory(&mut header, section_count)?;

    let (constants, constant_count, constant_offsets) = read_constants(bytes, layout.constants)?;
    let (functions, function_count, function_offsets) = read_functions(bytes, layout.functions)?;
    let source_name = match layout.meta {
        Some(meta) => read_meta(bytes, meta)?,
        None => String::new(),
    };
    Ok(ReadModule {
        module: Module {
            constants,
            functions,
            entry,
            source_name,
        },
        offsets: ModuleOffsets {
            entry: entry_at,
            constant_count,
            constants: constant_offsets,
            function_count,
            functions: function_offsets,
        },
    })
}

/// Refuses a file that does not start with [`MAGIC`], naming the first byte
/// that differs.
fn check_magic(bytes: &[u8]) -> Result<(), FormatError> {
    for (at, &expected) in MAGIC.iter().enumerate() {
        match bytes.get(at) {
            None => {
                return Err(FormatError::new(format!(
                    "truncated header: the file has only {} bytes",
                    bytes.len()
                ))
                .at(Some(at as u64)));
            }
            Some(&found) if found != expected => {
                let message = if at >= 4 {
                    "bad magic number: the file starts like a .bc file but its line-ending bytes \
                     differ (was it transferred in text mode?)"
                } else {
                    "bad magic number: not a .bc file"
                };
                return Err(FormatError::new(message).at(Some(at as u64)));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Where a section lies in the file.
#[derive(Clone, Copy, Debug)]
struct Section {
    kind: SectionKind,
    /// Its position in the directory.
    index: usize,
    start: usize,
    end: usize,
}

/// The sections of a file, after the layout checks.
struct Layout {
    constants: Section,
    functions: Section,
    meta: Option<Section>,
}

/// Reads the section directory at `cursor` and checks that the header, the
/// directory and the sections tile the file exactly.
fn read_directory(cursor: &mut Cursor<'_>, count: u16) -> Result<Layout, FormatError> {
    let file_len = cursor.file.len();
    let directory_start = cursor.pos;
    let directory_len = usize::from(count) * DIRECTORY_ENTRY_LEN;
    cursor.take(directory_len, "section directory")?;
    let directory_end = directory_start + directory_len;
    let mut entries = Cursor::new(
        cursor.file,
        directory_start,
        directory_end,
        "section directory",
    );
    let mut sections: Vec<Section> = Vec::new();
    for index in 0..usize::from(count) {
        let entry_at = entries.offset();
        let kind_value = entries.u32("section kind")?;
        let offset_at = entries.offset();
        let offset = entries.u32("section offset")?;
        let length = entries.u32("section length")?;
        let kind = SectionKind::from_u32(kind_value).ok_or_else(|| {
            FormatError::new(format!("section {index} has unknown kind {kind_value}"))
                .at(Some(entry_at))
        })?;
        if let Some(first) = sections.iter().find(|s| s.kind == kind) {
            return Err(FormatError::new(format!(
                "section {index} is a second {} section (section {} is the first)",
                kind.name(),
                first.index
            ))
            .at(Some(entry_at)));
        }
        let start = offset as usize;
        let end = u64::from(offset) + u64::from(length);
        if end > file_len as u64 {
            return Err(FormatError::new(format!(
                "section {index} ({}) spans bytes {offset}..{end}, past the end of the file ({file_len} bytes)",
                kind.name()
            ))
            .at(Some(offset_at)));
        }
        if start < directory_end {
            return Err(FormatError::new(format!(
                "section {index} ({}) starts at byte {offset}, inside the header and section directory (bytes 0..{directory_end})",
                kind.name()
            ))
            .at(Some(offset_at)));
        }
        sections.push(Section {
            kind,
            index,
            start,
            end: end as usize,
        });
    }

    let find = |kind: SectionKind| sections.iter().copied().find(|s| s.kind == kind);
    let missing = |kind: SectionKind| {
        FormatError::new(format!("the file has no {} section", kind.name()))
            .at(Some(directory_start as u64))
    };
    let layout = Layout {
        constants: find(SectionKind::Constants).ok_or_else(|| missing(SectionKind::Constants))?,
        functions: find(SectionKind::Functions).ok_or_else(|| missing(SectionKind::Functions))?,
        meta: find(SectionKind::Meta),
    };

    sections.sort_by_key(|s| (s.start, s.end));
    let mut covered_to = directory_end;
    let mut previous: Option<Section> = None;
    for section in &sections {
        if section.start > covered_to {
            return Err(FormatError::new(format!(
                "bytes {covered_to}..{} belong to no section (a gap before section {} ({}))",
                section.start,
                section.index,
                section.kind.name()
            ))
            .at(Some(covered_to as u64)));
        }
        if let Some(previous) = previous.filter(|_| section.start < covered_to) {
            return Err(FormatError::new(format!(
                "section {} ({}, bytes {}..{}) overlaps section {} ({}, bytes {}..{})",
                section.index,
                section.kind.name(),
                section.start,
                section.end,
                previous.index,
                previous.kind.name(),
                previous.start,
                previous.end
            ))
            .at(Some(section.start as u64)));
        }
        covered_to = section.end;
        previous = Some(*section);
    }
    if covered_to < file_len {
        return Err(FormatError::new(format!(
            "{} after the last section (bytes {covered_to}..{file_len})",
            plural(file_len - covered_to, "trailing byte")
        ))
        .at(Some(covered_to as u64)));
    }
    Ok(layout)
}

fn read_constants(
    bytes: &[u8],
    section: Section,
) -> Result<(Vec<Constant>, u64, Vec<u64>), FormatError> {
    let mut cursor = Cursor::new(bytes, section.start, section.end, "constants section");
    let count_at = cursor.offset();
    let count = cursor.count("constant count", MIN_CONSTANT_LEN)?;
    let mut constants = Vec::with_capacity(count);
    let mut offsets = Vec::with_capacity(count);
    for index in 0..count {
        let at = cursor.offset();
        let constant = read_constant(&mut cursor)
            .map_err(|e| prefixed(e, format_args!("constant {index}")))?;
        constants.push(constant);
        offsets.push(at);
    }
    cursor.finish(format_args!("its {}", plural(count, "constant")))?;
    Ok((constants, count_at, offsets))
}

fn read_constant(cursor: &mut Cursor<'_>) -> Result<Constant, FormatError> {
    let tag_at = cursor.offset();
    Ok(match cursor.u8("constant tag")? {
        TAG_INT => Constant::Int(cursor.u64("integer")? as i64),
        TAG_FLOAT => Constant::Float(f64::from_bits(cursor.u64("float")?)),
        TAG_STR => Constant::Str(cursor.string("string")?.into_boxed_str()),
        TAG_FUNC => {
            let index_at = cursor.offset();
            let index = cursor.u32("function index")?;
            Constant::Func(u16::try_from(index).map_err(|_| {
                FormatError::new(format!(
                    "function index {index} out of range (function indices are below 65536)"
                ))
                .at(Some(index_at))
            })?)
        }
        tag => {
            return Err(FormatError::new(format!("unknown constant tag {tag}")).at(Some(tag_at)));
        }
    })
}

fn read_functions(
    bytes: &[u8],
    section: Section,
) -> Result<(Vec<Function>, u64, Vec<FunctionOffsets>), FormatError> {
    let mut cursor = Cursor::new(bytes, section.start, section.end, "functions section");
    let count_at = cursor.offset();
    let count = cursor.count("function count", MIN_FUNCTION_LEN)?;
    let mut functions = Vec::with_capacity(count);
    let mut offsets = Vec::with_capacity(count);
    for index in 0..count {
        let (function, function_offsets) = read_function(&mut cursor, index as u32)?;
        functions.push(function);
        offsets.push(function_offsets);
    }
    cursor.finish(format_args!("its {}", plural(count, "function")))?;
    Ok((functions, count_at, offsets))
}

fn read_function(
    cursor: &mut Cursor<'_>,
    index: u32,
) -> Result<(Function, FunctionOffsets), FormatError> {
    let name_at = cursor.offset();
    let name = cursor
        .string("function name")
        .map_err(|e| e.in_function(index, ""))?;
    let in_function = |e: FormatError| e.in_function(index, &name);
    let arity_at = cursor.offset();
    let arity = cursor.u8("arity").map_err(in_function)?;
    let frame_size_at = cursor.offset();
    let frame_size = cursor.u16("frame size").map_err(in_function)?;
    let code_length_at = cursor.offset();
    let code_length = cursor.u32("code length").map_err(in_function)? as usize;
    let code_start = cursor.pos;
    let code_bytes = cursor.take(code_length, "code").map_err(in_function)?;
    let (code, instructions) = decode_code(code_bytes, code_start).map_err(in_function)?;
    let line_count = cursor
        .count("line table entry count", LINE_ENTRY_LEN)
        .map_err(in_function)?;
    let mut lines = Vec::with_capacity(line_count);
    let mut line_offsets = Vec::with_capacity(line_count);
    for _ in 0..line_count {
        line_offsets.push(cursor.offset());
        let pc = cursor.u32("line table entry").map_err(in_function)?;
        let line = cursor.u32("line table entry").map_err(in_function)?;
        lines.push(LineEntry { pc, line });
    }
    let offsets = FunctionOffsets {
        name: name_at,
        arity: arity_at,
        frame_size: frame_size_at,
        code_length: code_length_at,
        instructions,
        lines: line_offsets,
    };
    Ok((
        Function {
            name,
            arity,
            frame_size,
            code,
            lines,
        },
        offsets,
    ))
}

/// Decodes a function's code, which starts at absolute offset `start`,
/// returning the instructions and each one's absolute offset.
fn decode_code(code: &[u8], start: usize) -> Result<(Vec<Instr>, Vec<u64>), FormatError> {
    let mut instrs = Vec::new();
    let mut offsets = Vec::new();
    let mut at = 0;
    while let Some(rest) = code.get(at..).filter(|rest| !rest.is_empty()) {
        let pc = instrs.len() as u32;
        let absolute = (start + at) as u64;
        match Instr::decode(rest) {
            Ok((instr, used)) => {
                instrs.push(instr);
                offsets.push(absolute);
                at += used;
            }
            Err(DecodeError::UnknownOpcode(byte)) => {
                return Err(FormatError::new(format!("unknown opcode 0x{byte:02x}"))
                    .at(Some(absolute))
                    .at_instruction(pc));
            }
            Err(DecodeError::Truncated) => {
                let needed = Opcode::from_byte(rest[0]).map_or(0, Opcode::encoded_len);
                let mnemonic = Opcode::from_byte(rest[0]).map_or("?", Opcode::mnemonic);
                return Err(FormatError::new(format!(
                    "truncated instruction: {mnemonic} needs {needed} bytes but the code has only {} left",
                    rest.len()
                ))
                .at(Some(absolute))
                .at_instruction(pc));
            }
        }
    }
    Ok((instrs, offsets))
}

fn read_meta(bytes: &[u8], section: Section) -> Result<String, FormatError> {
    let mut cursor = Cursor::new(bytes, section.start, section.end, "meta section");
    let source_name = cursor.string("source file name")?;
    cursor.finish(format_args!("the source file name"))?;
    Ok(source_name)
}

/// Puts `context: ` in front of an error's message.
fn prefixed(mut error: FormatError, context: std::fmt::Arguments<'_>) -> FormatError {
    error.message = format!("{context}: {}", error.message);
    error
}

/// A reading position inside one region of the file.
///
/// Invariant: `pos <= end <= file.len()`, so every read is bounds-checked
/// against the region before it touches the slice.
struct Cursor<'a> {
    file: &'a [u8],
    pos: usize,
    end: usize,
    /// The region's name in messages: "file", "constants section", ...
    region: &'static str,
}

impl<'a> Cursor<'a> {
    fn new(file: &'a [u8], start: usize, end: usize, region: &'static str) -> Cursor<'a> {
        let end = end.min(file.len());
        Cursor {
            file,
            pos: start.min(end),
            end,
            region,
        }
    }

    fn offset(&self) -> u64 {
        self.pos as u64
    }

    fn left(&self) -> usize {
        self.end - self.pos
    }

    /// The next `len` bytes, or a "truncated" refusal at the current offset.
    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], FormatError> {
        if len > self.left() {
            return Err(FormatError::new(format!(
                "truncated {what}: needs {len} bytes but only {} remain in the {}",
                self.left(),
                self.region
            ))
            .at(Some(self.offset())));
        }
        let bytes = &self.file[self.pos..self.pos + len];
        self.pos += len;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], FormatError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &str) -> Result<u8, FormatError> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, FormatError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    fn u32(&mut self, what: &str) -> Result<u32, FormatError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64, FormatError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// A u32 count of items each at least `min_item_len` bytes long, refused
    /// when the rest of the region could not hold that many, so that the
    /// caller may allocate for `count` items.
    fn count(&mut self, what: &str, min_item_len: usize) -> Result<usize, FormatError> {
        let at = self.offset();
        let count = self.u32(what)? as usize;
        if count > self.left() / min_item_len {
            return Err(FormatError::new(format!(
                "truncated: {what} {count} needs at least {} bytes but only {} remain in the {}",
                count as u64 * min_item_len as u64,
                self.left(),
                self.region
            ))
            .at(Some(at)));
        }
        Ok(count)
    }

    /// A string: its u32 length, then as many bytes of UTF-8.
    fn string(&mut self, what: &str) -> Result<String, FormatError> {
        let len = self.u32(what)? as usize;
        let start = self.pos;
        let bytes = self.take(len, what)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(FormatError::new(format!("{what} is not valid UTF-8"))
                .at(Some((start + e.valid_up_to()) as u64))),
        }
    }

    /// Refuses bytes left over in the region after `contents`.
    fn finish(&self, contents: std::fmt::Arguments<'_>) -> Result<(), FormatError> {
        if self.left() > 0 {
            return Err(FormatError::new(format!(
                "{} left over in the {} after {contents}",
                plural(self.left(), "byte"),
                self.region
            ))
            .at(Some(self.offset())));
        }
        Ok(())
    }
}
