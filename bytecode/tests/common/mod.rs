//! Helpers shared by the integration tests: small modules, a `.bc` layout
//! computed independently of the reader (so tests can name expected byte
//! offsets), hand-built files, and proptest strategies for valid and
//! arbitrary modules.
//!
//! Each test binary uses a different subset, hence the `dead_code` allowance.

#![allow(dead_code)]

use bytecode::builtin::Builtin;
use bytecode::instr::{Instr, Opcode, Operand, OperandKind};
use bytecode::module::{Constant, Function, LineEntry, MAX_INT, MIN_INT, Module};
use proptest::prelude::*;
use proptest::sample::Index;

// ---------------------------------------------------------------------------
// Small modules.

pub fn function(name: &str, arity: u8, frame_size: u16, code: Vec<Instr>) -> Function {
    Function {
        name: name.to_owned(),
        arity,
        frame_size,
        code,
        lines: Vec::new(),
    }
}

/// `main` returning nil, as a module with no constants and no source name.
pub fn minimal_module() -> Module {
    Module {
        constants: Vec::new(),
        functions: vec![function(
            "main",
            0,
            1,
            vec![Instr::LoadNil { dst: 0 }, Instr::Return { src: 0 }],
        )],
        entry: 0,
        source_name: String::new(),
    }
}

/// A valid module touching every section: two constants, two functions with
/// line tables, a source name.
pub fn sample_module() -> Module {
    let mut main = function(
        "main",
        0,
        4,
        vec![
            Instr::LoadConst { dst: 0, k: 0 },
            Instr::LoadInt { dst: 1, value: 41 },
            Instr::CallDirect {
                dst: 1,
                func: 1,
                args: 1,
                nargs: 1,
            },
            Instr::CallBuiltin {
                dst: 2,
                builtin: Builtin::Print as u8,
                args: 0,
                nargs: 2,
            },
            Instr::Return { src: 1 },
        ],
    );
    main.lines = vec![LineEntry { pc: 0, line: 1 }, LineEntry { pc: 3, line: 2 }];
    let mut inc = function(
        "inc",
        1,
        2,
        vec![
            Instr::AddImm {
                dst: 1,
                a: 0,
                imm: 1,
            },
            Instr::Return { src: 1 },
        ],
    );
    inc.lines = vec![LineEntry { pc: 0, line: 5 }];
    Module {
        constants: vec![Constant::Str("answer".into()), Constant::Int(7)],
        functions: vec![main, inc],
        entry: 0,
        source_name: "sample.src".to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Byte layout of a written module, computed from the format's description.

pub fn section_count(m: &Module) -> u64 {
    if m.source_name.is_empty() { 2 } else { 3 }
}

pub fn constants_start(m: &Module) -> u64 {
    16 + 12 * section_count(m)
}

pub fn constant_len(c: &Constant) -> u64 {
    1 + match c {
        Constant::Int(_) | Constant::Float(_) => 8,
        Constant::Str(s) => 4 + s.len() as u64,
        Constant::Func(_) => 4,
    }
}

/// Offset of constant `k`'s tag byte.
pub fn constant_offset(m: &Module, k: usize) -> u64 {
    constants_start(m) + 4 + m.constants[..k].iter().map(constant_len).sum::<u64>()
}

pub fn functions_start(m: &Module) -> u64 {
    constant_offset(m, m.constants.len())
}

pub fn code_len(f: &Function) -> u64 {
    f.code.iter().map(|i| i.opcode().encoded_len() as u64).sum()
}

pub fn function_len(f: &Function) -> u64 {
    4 + f.name.len() as u64 + 1 + 2 + 4 + code_len(f) + 4 + 8 * f.lines.len() as u64
}

/// Offset of function `index`'s name length field.
pub fn function_offset(m: &Module, index: usize) -> u64 {
    functions_start(m) + 4 + m.functions[..index].iter().map(function_len).sum::<u64>()
}

pub fn arity_offset(m: &Module, index: usize) -> u64 {
    function_offset(m, index) + 4 + m.functions[index].name.len() as u64
}

pub fn frame_size_offset(m: &Module, index: usize) -> u64 {
    arity_offset(m, index) + 1
}

pub fn code_length_offset(m: &Module, index: usize) -> u64 {
    arity_offset(m, index) + 3
}

pub fn instruction_offset(m: &Module, index: usize, pc: usize) -> u64 {
    let f = &m.functions[index];
    code_length_offset(m, index)
        + 4
        + f.code[..pc]
            .iter()
            .map(|i| i.opcode().encoded_len() as u64)
            .sum::<u64>()
}

pub fn line_count_offset(m: &Module, index: usize) -> u64 {
    code_length_offset(m, index) + 4 + code_len(&m.functions[index])
}

pub fn line_entry_offset(m: &Module, index: usize, entry: usize) -> u64 {
    line_count_offset(m, index) + 4 + 8 * entry as u64
}

pub fn meta_start(m: &Module) -> u64 {
    function_offset(m, m.functions.len())
}

// ---------------------------------------------------------------------------
// Hand-built files.

pub const MAGIC: [u8; 8] = [0x89, b'I', b'V', b'M', b'\r', b'\n', 0x1a, b'\n'];

/// A file with the given sections (kind, body), laid out contiguously after
/// the directory in the order given.
pub fn file_with_sections(entry: u32, sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u16).to_le_bytes());
    out.extend_from_slice(&entry.to_le_bytes());
    let mut offset = 16 + 12 * sections.len();
    for (kind, body) in sections {
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&(offset as u32).to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        offset += body.len();
    }
    for (_, body) in sections {
        out.extend_from_slice(body);
    }
    out
}

/// Little-endian bytes of the concatenated u32 values.
pub fn u32s(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A function record for a functions section body.
pub fn function_record(
    name: &[u8],
    arity: u8,
    frame_size: u16,
    code: &[u8],
    lines: &[(u32, u32)],
) -> Vec<u8> {
    let mut out = u32s(&[name.len() as u32]);
    out.extend_from_slice(name);
    out.push(arity);
    out.extend_from_slice(&frame_size.to_le_bytes());
    out.extend_from_slice(&u32s(&[code.len() as u32]));
    out.extend_from_slice(code);
    out.extend_from_slice(&u32s(&[lines.len() as u32]));
    for &(pc, line) in lines {
        out.extend_from_slice(&u32s(&[pc, line]));
    }
    out
}

/// The encoding of `instrs`, back to back.
pub fn encode(instrs: &[Instr]) -> Vec<u8> {
    let mut out = Vec::new();
    for instr in instrs {
        instr.encode(&mut out);
    }
    out
}

pub fn put_u32(bytes: &mut [u8], at: u64, value: u32) {
    let at = at as usize;
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

pub fn put_u16(bytes: &mut [u8], at: u64, value: u16) {
    let at = at as usize;
    bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

// ---------------------------------------------------------------------------
// Strategies.

/// Names the verifier accepts: identifiers, or any non-empty run of printable
/// characters (which the disassembler must quote).
pub fn valid_name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z_][a-z0-9_]{0,6}", "\\PC{1,6}"]
}

/// Any string at all, control characters and newlines included.
pub fn any_text(max_len: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..=max_len).prop_map(String::from_iter)
}

pub fn valid_constant_seed() -> impl Strategy<Value = (u8, i64, u64, String)> {
    (0u8..4, MIN_INT..=MAX_INT, any::<u64>(), any_text(6))
}

/// One instruction's seed: an opcode selector and raw operand material.
type InstrSeed = (Index, [u32; 4]);

/// A function's seed: name, arity, registers beyond the arity, body seeds,
/// line-table seeds.
type FunctionSeed = (String, u8, u16, Vec<InstrSeed>, Vec<(bool, u32)>);

fn function_seed() -> impl Strategy<Value = FunctionSeed> {
    (
        valid_name(),
        0u8..4,
        0u16..12,
        prop::collection::vec((any::<Index>(), any::<[u32; 4]>()), 0..20),
        prop::collection::vec((any::<bool>(), 0u32..5000), 0..24),
    )
}

/// Modules the verifier must accept: every operand is drawn inside the range
/// the verifier allows, by construction rather than by asking the verifier.
pub fn valid_module() -> impl Strategy<Value = Module> {
    (
        prop::collection::vec(valid_constant_seed(), 0..6),
        prop::collection::vec(function_seed(), 1..5),
        any::<Index>(),
        prop_oneof![Just(String::new()), any_text(10)],
    )
        .prop_map(|(constant_seeds, function_seeds, entry, source_name)| {
            build_valid_module(constant_seeds, function_seeds, entry, source_name)
        })
}

fn build_valid_module(
    constant_seeds: Vec<(u8, i64, u64, String)>,
    mut function_seeds: Vec<FunctionSeed>,
    entry: Index,
    source_name: String,
) -> Module {
    let entry = entry.index(function_seeds.len());
    function_seeds[entry].1 = 0;
    let function_count = function_seeds.len();
    let constants: Vec<Constant> = constant_seeds
        .into_iter()
        .map(|(tag, int, bits, text)| match tag {
            0 => Constant::Int(int),
            1 => Constant::Float(f64::from_bits(bits)),
            2 => Constant::Str(text.into()),
            _ => Constant::Func((bits % function_count as u64) as u16),
        })
        .collect();
    let arities: Vec<u8> = function_seeds.iter().map(|seed| seed.1).collect();
    let context = Context {
        constant_count: constants.len(),
        arities: &arities,
    };
    let functions = function_seeds
        .into_iter()
        .map(|(name, arity, extra, body, line_seeds)| {
            let frame_size = u16::from(arity) + extra;
            let len = body.len() + 1;
            let mut code: Vec<Instr> = body
                .iter()
                .enumerate()
                .map(|(pc, seed)| context.instr(seed, pc, len, frame_size))
                .collect();
            code.push(if frame_size > 0 {
                Instr::Return { src: 0 }
            } else {
                Instr::Jump { offset: -1 }
            });
            let lines = line_seeds
                .iter()
                .take(len)
                .enumerate()
                .filter(|(_, (present, _))| *present)
                .map(|(pc, &(_, line))| LineEntry {
                    pc: pc as u32,
                    line,
                })
                .collect();
            Function {
                name,
                arity,
                frame_size,
                code,
                lines,
            }
        })
        .collect();
    Module {
        constants,
        functions,
        entry: entry as u16,
        source_name,
    }
}

/// What a valid instruction's operands may refer to.
struct Context<'a> {
    constant_count: usize,
    arities: &'a [u8],
}

impl Context<'_> {
    /// A valid instruction at `pc` of a function with `len` instructions and
    /// `frame_size` registers, or a fallback when the seed's opcode cannot
    /// be valid there.
    fn instr(&self, (selector, raw): &InstrSeed, pc: usize, len: usize, frame_size: u16) -> Instr {
        let opcode = Opcode::ALL[selector.index(Opcode::ALL.len())];
        self.try_instr(opcode, raw, pc, len, u32::from(frame_size))
            .unwrap_or(if frame_size > 0 {
                Instr::LoadNil {
                    dst: (raw[0] % u32::from(frame_size)) as u8,
                }
            } else {
                Instr::Jump { offset: 0 }
            })
    }

    fn try_instr(
        &self,
        opcode: Opcode,
        raw: &[u32; 4],
        pc: usize,
        len: usize,
        fs: u32,
    ) -> Option<Instr> {
        // Registers r[first..first+count] with first < fs also when count is 0.
        let range = |seed: u32, count: u32| -> Option<u8> {
            if fs == 0 || count > fs {
                return None;
            }
            let slots = (fs - count + 1).min(fs);
            Some((seed % slots) as u8)
        };
        let reg = |seed: u32| range(seed, 1);
        match opcode {
            Opcode::ForIntPrep | Opcode::ForIntLoop | Opcode::ForInNext => {
                let base = range(raw[0], 3)?;
                let offset = jump(raw[1], pc, len);
                Instr::from_operands(opcode, &[Operand::Reg(base), Operand::Jump(offset)])
            }
            Opcode::Call => {
                let nargs = raw[2] % 3;
                Some(Instr::Call {
                    dst: reg(raw[0])?,
                    callee: range(raw[1], nargs + 1)?,
                    nargs: nargs as u8,
                })
            }
            Opcode::CallDirect => {
                let func = raw[1] as usize % self.arities.len();
                let nargs = self.arities[func];
                Some(Instr::CallDirect {
                    dst: reg(raw[0])?,
                    func: func as u16,
                    args: range(raw[2], nargs.into())?,
                    nargs,
                })
            }
            Opcode::CallBuiltin => {
                let builtin = Builtin::ALL[raw[1] as usize % Builtin::ALL.len()];
                let accepted = builtin.arity();
                let choices = u32::from(accepted.end() - accepted.start()) + 1;
                let nargs = accepted.start() + (raw[3] % choices.min(4)) as u8;
                Some(Instr::CallBuiltin {
                    dst: reg(raw[0])?,
                    builtin: builtin as u8,
                    args: range(raw[2], nargs.into())?,
                    nargs,
                })
            }
            Opcode::NewArray => {
                let count = raw[2] % 4;
                Some(Instr::NewArray {
                    dst: reg(raw[0])?,
                    first: range(raw[1], count)?,
                    count: count as u8,
                })
            }
            Opcode::NewMap => {
                let count = raw[2] % 3;
                Some(Instr::NewMap {
                    dst: reg(raw[0])?,
                    first: range(raw[1], 2 * count)?,
                    count: count as u8,
                })
            }
            _ => {
                let mut operands = Vec::new();
                for (&(_, kind), &seed) in opcode.operands().iter().zip(raw) {
                    operands.push(match kind {
                        OperandKind::Reg => Operand::Reg(reg(seed)?),
                        OperandKind::Const if self.constant_count == 0 => return None,
                        OperandKind::Const => {
                            Operand::Const((seed as usize % self.constant_count) as u16)
                        }
                        OperandKind::Func => {
                            Operand::Func((seed as usize % self.arities.len()) as u16)
                        }
                        OperandKind::Jump => Operand::Jump(jump(seed, pc, len)),
                        _ => raw_operand(kind, seed),
                    });
                }
                Instr::from_operands(opcode, &operands)
            }
        }
    }
}

/// The offset from `pc` to a target drawn from `0..len`.
fn jump(seed: u32, pc: usize, len: usize) -> i32 {
    let target = seed as usize % len;
    (target as i64 - pc as i64 - 1) as i32
}

/// An operand of `kind` made from raw bits, in or out of any range.
pub fn raw_operand(kind: OperandKind, seed: u32) -> Operand {
    match kind {
        OperandKind::Reg => Operand::Reg(seed as u8),
        OperandKind::Const => Operand::Const(seed as u16),
        OperandKind::Func => Operand::Func(seed as u16),
        OperandKind::Builtin => Operand::Builtin(seed as u8),
        OperandKind::Count => Operand::Count(seed as u8),
        OperandKind::Imm8 => Operand::Imm8(seed as i8),
        OperandKind::Imm16 => Operand::Imm16(seed as i16),
        OperandKind::Jump => Operand::Jump(seed as i32),
    }
}

/// Any instruction, operands unconstrained.
pub fn arbitrary_instr() -> impl Strategy<Value = Instr> {
    (any::<Index>(), any::<[u32; 4]>()).prop_map(|(selector, raw)| {
        let opcode = Opcode::ALL[selector.index(Opcode::ALL.len())];
        let operands: Vec<Operand> = opcode
            .operands()
            .iter()
            .zip(raw)
            .map(|(&(_, kind), seed)| raw_operand(kind, seed))
            .collect();
        Instr::from_operands(opcode, &operands).expect("operands built from the opcode's kinds")
    })
}

pub fn arbitrary_constant() -> impl Strategy<Value = Constant> {
    prop_oneof![
        any::<i64>().prop_map(Constant::Int),
        any::<u64>().prop_map(|bits| Constant::Float(f64::from_bits(bits))),
        prop_oneof![
            Just(f64::NAN),
            Just(-0.0),
            Just(f64::INFINITY),
            Just(f64::MIN_POSITIVE / 3.0)
        ]
        .prop_map(Constant::Float),
        any_text(8).prop_map(|s| Constant::Str(s.into())),
        any::<u16>().prop_map(Constant::Func),
    ]
}

pub fn arbitrary_function() -> impl Strategy<Value = Function> {
    (
        any_text(6),
        any::<u8>(),
        any::<u16>(),
        prop::collection::vec(arbitrary_instr(), 0..12),
        prop::collection::vec((0u32..16, any::<u32>()), 0..6),
    )
        .prop_map(|(name, arity, frame_size, code, lines)| Function {
            name,
            arity,
            frame_size,
            code,
            lines: lines
                .into_iter()
                .map(|(pc, line)| LineEntry { pc, line })
                .collect(),
        })
}

/// Any module the `Module` type can hold (within small sizes), valid or not.
pub fn arbitrary_module() -> impl Strategy<Value = Module> {
    (
        prop::collection::vec(arbitrary_constant(), 0..6),
        prop::collection::vec(arbitrary_function(), 0..4),
        any::<u16>(),
        any_text(10),
    )
        .prop_map(|(constants, functions, entry, source_name)| Module {
            constants,
            functions,
            entry,
            source_name,
        })
}
