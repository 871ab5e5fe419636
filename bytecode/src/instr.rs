//! The instruction set: one table, each instruction with its meaning beside it.
//!
//! The VM is a register machine (see `papers/report.md`, "Dispatch design", for
//! the measurement behind that choice). Every function has a frame of at most
//! 256 registers `R[0..frame_size]`; its arguments arrive in `R[0..arity]`.
//! `K[k]` is entry `k` of the module's constant pool.
//!
//! Invariant: the table below is the single source of truth. The enum
//! [`Instr`], the byte values of [`Opcode`], the mnemonics used by the
//! assembler and disassembler, the `.bc` encoding and the operand walk used by
//! the verifier are all generated from it, so they cannot disagree.
//!
//! Encoding in a `.bc` file: one opcode byte, then each operand in table order,
//! little-endian, at its kind's width (see [`OperandKind::width`]). Jump offsets
//! count instructions, not bytes, relative to the instruction *after* the jump.
//!
//! Calling convention: a call's arguments sit in consecutive registers at the
//! top of the caller's live registers. The callee's frame starts at the first
//! argument, so every caller register at or above the first argument is
//! clobbered by the call; the result is written to `dst` on return.

use std::fmt;

/// The kinds of operand an instruction can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperandKind {
    /// A register of the current frame, `R[n]` (u8).
    Reg,
    /// An index into the module's constant pool (u16).
    Const,
    /// An index into the module's function table (u16).
    Func,
    /// A builtin function id (u8), see [`crate::builtin`].
    Builtin,
    /// A small count: of arguments, elements or pairs (u8).
    Count,
    /// A signed 8-bit immediate.
    Imm8,
    /// A signed 16-bit immediate.
    Imm16,
    /// A signed jump offset in instructions, relative to the next instruction (i32).
    Jump,
}

impl OperandKind {
    /// Width of the operand in a `.bc` file, in bytes.
    pub const fn width(self) -> usize {
        match self {
            OperandKind::Reg | OperandKind::Builtin | OperandKind::Count | OperandKind::Imm8 => 1,
            OperandKind::Const | OperandKind::Func | OperandKind::Imm16 => 2,
            OperandKind::Jump => 4,
        }
    }
}

/// One decoded operand, tagged with its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    Reg(u8),
    Const(u16),
    Func(u16),
    Builtin(u8),
    Count(u8),
    Imm8(i8),
    Imm16(i16),
    Jump(i32),
}

impl Operand {
    pub fn kind(self) -> OperandKind {
        match self {
            Operand::Reg(_) => OperandKind::Reg,
            Operand::Const(_) => OperandKind::Const,
            Operand::Func(_) => OperandKind::Func,
            Operand::Builtin(_) => OperandKind::Builtin,
            Operand::Count(_) => OperandKind::Count,
            Operand::Imm8(_) => OperandKind::Imm8,
            Operand::Imm16(_) => OperandKind::Imm16,
            Operand::Jump(_) => OperandKind::Jump,
        }
    }

    /// The operand's value widened to i64, whatever its kind.
    pub fn as_i64(self) -> i64 {
        match self {
            Operand::Reg(v) | Operand::Builtin(v) | Operand::Count(v) => v as i64,
            Operand::Const(v) | Operand::Func(v) => v as i64,
            Operand::Imm8(v) => v as i64,
            Operand::Imm16(v) => v as i64,
            Operand::Jump(v) => v as i64,
        }
    }

    /// Builds an operand of `kind` from `value`, or `None` if it does not fit.
    pub fn from_i64(kind: OperandKind, value: i64) -> Option<Operand> {
        Some(match kind {
            OperandKind::Reg => Operand::Reg(u8::try_from(value).ok()?),
            OperandKind::Const => Operand::Const(u16::try_from(value).ok()?),
            OperandKind::Func => Operand::Func(u16::try_from(value).ok()?),
            OperandKind::Builtin => Operand::Builtin(u8::try_from(value).ok()?),
            OperandKind::Count => Operand::Count(u8::try_from(value).ok()?),
            OperandKind::Imm8 => Operand::Imm8(i8::try_from(value).ok()?),
            OperandKind::Imm16 => Operand::Imm16(i16::try_from(value).ok()?),
            OperandKind::Jump => Operand::Jump(i32::try_from(value).ok()?),
        })
    }

    fn encode(self, out: &mut Vec<u8>) {
        match self {
            Operand::Reg(v) | Operand::Builtin(v) | Operand::Count(v) => out.push(v),
            Operand::Imm8(v) => out.push(v as u8),
            Operand::Const(v) | Operand::Func(v) => out.extend_from_slice(&v.to_le_bytes()),
            Operand::Imm16(v) => out.extend_from_slice(&v.to_le_bytes()),
            Operand::Jump(v) => out.extend_from_slice(&v.to_le_bytes()),
        }
    }

    /// Decodes an operand of `kind` from the start of `bytes` (which must hold
    /// at least `kind.width()` bytes).
    fn decode(kind: OperandKind, bytes: &[u8]) -> Operand {
        match kind {
            OperandKind::Reg => Operand::Reg(bytes[0]),
            OperandKind::Builtin => Operand::Builtin(bytes[0]),
            OperandKind::Count => Operand::Count(bytes[0]),
            OperandKind::Imm8 => Operand::Imm8(bytes[0] as i8),
            OperandKind::Const => Operand::Const(u16::from_le_bytes([bytes[0], bytes[1]])),
            OperandKind::Func => Operand::Func(u16::from_le_bytes([bytes[0], bytes[1]])),
            OperandKind::Imm16 => Operand::Imm16(i16::from_le_bytes([bytes[0], bytes[1]])),
            OperandKind::Jump => {
                Operand::Jump(i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
            }
        }
    }
}

impl fmt::Display for Operand {
    /// The assembler's spelling: `r3`, `k12`, `f2`, builtin names are resolved
    /// by the disassembler itself; plain numbers otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Reg(v) => write!(f, "r{v}"),
            Operand::Const(v) => write!(f, "k{v}"),
            Operand::Func(v) => write!(f, "f{v}"),
            Operand::Builtin(v) => write!(f, "b{v}"),
            Operand::Count(v) => write!(f, "{v}"),
            Operand::Imm8(v) => write!(f, "{v}"),
            Operand::Imm16(v) => write!(f, "{v}"),
            Operand::Jump(v) => write!(f, "{v:+}"),
        }
    }
}

/// Maps an operand kind token of the table to the Rust type the field has.
macro_rules! operand_type {
    (Reg) => {
        u8
    };
    (Const) => {
        u16
    };
    (Func) => {
        u16
    };
    (Builtin) => {
        u8
    };
    (Count) => {
        u8
    };
    (Imm8) => {
        i8
    };
    (Imm16) => {
        i16
    };
    (Jump) => {
        i32
    };
}

macro_rules! instructions {
    ( $(
        #[doc = $meaning:literal]
        $name:ident = $code:literal, $mnemonic:literal { $( $field:ident : $kind:ident ),* };
    )* ) => {
        /// A decoded instruction. The interpreter dispatches on this enum; the
        /// verifier has checked every operand before the interpreter sees it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Instr {
            // The meaning is code-formatted in the docs: `R[a]` is not a link.
            $( #[doc = concat!("`", $meaning, "`")] $name { $( $field: operand_type!($kind) ),* }, )*
        }

        /// The opcode byte of each instruction in a `.bc` file.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Opcode {
            $( $name = $code, )*
        }

        impl Opcode {
            /// Every opcode, in table order.
            pub const ALL: &'static [Opcode] = &[ $( Opcode::$name, )* ];

            /// The opcode with byte value `byte`, if there is one.
            pub fn from_byte(byte: u8) -> Option<Opcode> {
                match byte {
                    $( $code => Some(Opcode::$name), )*
                    _ => None,
                }
            }

            /// The opcode spelled `mnemonic` in assembly, if there is one.
            pub fn from_mnemonic(mnemonic: &str) -> Option<Opcode> {
                match mnemonic {
                    $( $mnemonic => Some(Opcode::$name), )*
                    _ => None,
                }
            }

            /// The assembly spelling.
            pub fn mnemonic(self) -> &'static str {
                match self { $( Opcode::$name => $mnemonic, )* }
            }

            /// What the instruction does, as written in the table.
            pub fn meaning(self) -> &'static str {
                match self { $( Opcode::$name => $meaning.trim(), )* }
            }

            /// The operands' names and kinds, in encoding order.
            pub fn operands(self) -> &'static [(&'static str, OperandKind)] {
                match self {
                    $( Opcode::$name => &[ $( (stringify!($field), OperandKind::$kind), )* ], )*
                }
            }

            /// Size of the encoded instruction in bytes, opcode included.
            pub fn encoded_len(self) -> usize {
                1 + self.operands().iter().map(|(_, k)| k.width()).sum::<usize>()
            }
        }

        impl Instr {
            pub fn opcode(&self) -> Opcode {
                match self { $( Instr::$name { .. } => Opcode::$name, )* }
            }

            /// The operands in encoding order, each tagged with its kind.
            pub fn operands(&self) -> Vec<Operand> {
                #[allow(unused_mut)]
                let mut out = Vec::new();
                match *self {
                    $( Instr::$name { $( $field ),* } => {
                        $( out.push(Operand::$kind($field)); )*
                    } )*
                }
                out
            }

            /// Builds an instruction from an opcode and operands of the right
            /// kinds, in table order; `None` when the operands do not match.
            pub fn from_operands(opcode: Opcode, operands: &[Operand]) -> Option<Instr> {
                if operands.len() != opcode.operands().len() {
                    return None;
                }
                #[allow(unused_mut, unused_variables)]
                let mut it = operands.iter().copied();
                match opcode {
                    $( Opcode::$name => Some(Instr::$name { $(
                        $field: match it.next()? { Operand::$kind(v) => v, _ => return None },
                    )* }), )*
                }
            }
        }
    };
}

instructions! {
    /// R[dst] = R[src]
    Move = 0x01, "move" { dst: Reg, src: Reg };
    /// R[dst] = nil
    LoadNil = 0x02, "loadnil" { dst: Reg };
    /// R[dst] = true
    LoadTrue = 0x03, "loadtrue" { dst: Reg };
    /// R[dst] = false
    LoadFalse = 0x04, "loadfalse" { dst: Reg };
    /// R[dst] = value (a small integer)
    LoadInt = 0x05, "loadint" { dst: Reg, value: Imm16 };
    /// R[dst] = K[k] (an integer, float, string or function constant)
    LoadConst = 0x06, "loadk" { dst: Reg, k: Const };

    /// R[dst] = R[a] + R[b] (numbers; concatenation when both are strings)
    Add = 0x10, "add" { dst: Reg, a: Reg, b: Reg };
    /// R[dst] = R[a] - R[b]
    Sub = 0x11, "sub" { dst: Reg, a: Reg, b: Reg };
    /// R[dst] = R[a] * R[b]
    Mul = 0x12, "mul" { dst: Reg, a: Reg, b: Reg };
    /// R[dst] = R[a] / R[b] (floor division when both are integers)
    Div = 0x13, "div" { dst: Reg, a: Reg, b: Reg };
    /// R[dst] = R[a] % R[b] (floored: the result has the sign of R[b])
    Mod = 0x14, "mod" { dst: Reg, a: Reg, b: Reg };
    /// R[dst] = R[a] + imm
    AddImm = 0x15, "addi" { dst: Reg, a: Reg, imm: Imm8 };
    /// R[dst] = R[a] - imm
    SubImm = 0x1C, "subi" { dst: Reg, a: Reg, imm: Imm8 };
    /// R[dst] = -R[src]
    Neg = 0x16, "neg" { dst: Reg, src: Reg };
    /// R[dst] = not R[src] (true exactly when R[src] is nil or false)
    Not = 0x17, "not" { dst: Reg, src: Reg };
    /// R[dst] = R[a] == R[b] (numbers by value, strings, arrays and maps structurally)
    Eq = 0x18, "eq" { dst: Reg, a: Reg, b: Reg };
    /// R[dst] = R[a] != R[b]
    Ne = 0x19, "ne" { dst: Reg, a: Reg, b: Reg };
    /// R[dst] = R[a] < R[b] (numbers, or strings by bytes)
    Lt = 0x1A, "lt" { dst: Reg, a: Reg, b: Reg };
    /// R[dst] = R[a] <= R[b]
    Le = 0x1B, "le" { dst: Reg, a: Reg, b: Reg };

    /// pc += offset
    Jump = 0x20, "jmp" { offset: Jump };
    /// if R[cond] is truthy: pc += offset
    JumpIf = 0x21, "jmpif" { cond: Reg, offset: Jump };
    /// if R[cond] is nil or false: pc += offset
    JumpIfNot = 0x22, "jmpifnot" { cond: Reg, offset: Jump };
    /// if not (R[a] < R[b]): pc += offset
    JumpIfNotLt = 0x23, "jmpnlt" { a: Reg, b: Reg, offset: Jump };
    /// if not (R[a] <= R[b]): pc += offset
    JumpIfNotLe = 0x24, "jmpnle" { a: Reg, b: Reg, offset: Jump };
    /// if not (R[a] == R[b]): pc += offset
    JumpIfNotEq = 0x25, "jmpneq" { a: Reg, b: Reg, offset: Jump };
    /// if R[a] == R[b]: pc += offset
    JumpIfEq = 0x26, "jmpeq" { a: Reg, b: Reg, offset: Jump };
    /// if not (R[a] < imm): pc += offset
    JumpIfNotLtImm = 0x27, "jmpnlti" { a: Reg, imm: Imm16, offset: Jump };
    /// if not (R[a] <= imm): pc += offset
    JumpIfNotLeImm = 0x28, "jmpnlei" { a: Reg, imm: Imm16, offset: Jump };
    /// if not (R[a] > imm): pc += offset
    JumpIfNotGtImm = 0x29, "jmpngti" { a: Reg, imm: Imm16, offset: Jump };
    /// if not (R[a] >= imm): pc += offset
    JumpIfNotGeImm = 0x2A, "jmpngei" { a: Reg, imm: Imm16, offset: Jump };
    /// if not (R[a] == imm): pc += offset
    JumpIfNotEqImm = 0x2B, "jmpneqi" { a: Reg, imm: Imm16, offset: Jump };
    /// if R[a] == imm: pc += offset
    JumpIfEqImm = 0x2C, "jmpeqi" { a: Reg, imm: Imm16, offset: Jump };

    /// if R[a] < R[b]: pc += offset
    JumpIfLt = 0x2D, "jmplt" { a: Reg, b: Reg, offset: Jump };
    /// if R[a] <= R[b]: pc += offset
    JumpIfLe = 0x2E, "jmple" { a: Reg, b: Reg, offset: Jump };
    /// if R[a] < imm: pc += offset
    JumpIfLtImm = 0x2F, "jmplti" { a: Reg, imm: Imm16, offset: Jump };
    /// if R[a] <= imm: pc += offset
    JumpIfLeImm = 0x30, "jmplei" { a: Reg, imm: Imm16, offset: Jump };
    /// if R[a] > imm: pc += offset
    JumpIfGtImm = 0x31, "jmpgti" { a: Reg, imm: Imm16, offset: Jump };
    /// if R[a] >= imm: pc += offset
    JumpIfGeImm = 0x32, "jmpgei" { a: Reg, imm: Imm16, offset: Jump };
    /// if R[a] is nil: pc += offset
    JumpIfNil = 0x33, "jmpnil" { a: Reg, offset: Jump };
    /// if R[a] is not nil: pc += offset
    JumpIfNotNil = 0x34, "jmpnnil" { a: Reg, offset: Jump };

    /// integer loop entry: R[base] and R[base+1] must be integers; if R[base] < R[base+1] then R[base+2] = R[base], else pc += offset
    ForIntPrep = 0x35, "forprep" { base: Reg, offset: Jump };
    /// integer loop step: R[base] += 1; if R[base] < R[base+1] then R[base+2] = R[base] and pc += offset
    ForIntLoop = 0x36, "forloop" { base: Reg, offset: Jump };
    /// collection loop step: R[base] is an array or map, R[base+1] an integer index; if it is in range, R[base+2] = the element (the key for maps) and R[base+1] += 1, else pc += offset
    ForInNext = 0x37, "fornext" { base: Reg, offset: Jump };

    /// R[dst] = R[callee](R[callee+1], ..., R[callee+nargs]); the arity is checked at run time
    Call = 0x38, "call" { dst: Reg, callee: Reg, nargs: Count };
    /// R[dst] = F[func](R[args], ..., R[args+nargs-1]); the verifier checks nargs against the arity
    CallDirect = 0x39, "calld" { dst: Reg, func: Func, args: Reg, nargs: Count };
    /// R[dst] = builtin(R[args], ..., R[args+nargs-1]); the verifier checks nargs against the builtin
    CallBuiltin = 0x3A, "callb" { dst: Reg, builtin: Builtin, args: Reg, nargs: Count };
    /// return R[src] to the caller (ends the isolate when the frame is its first)
    Return = 0x3B, "ret" { src: Reg };

    /// R[dst] = [R[first], ..., R[first+count-1]]
    NewArray = 0x40, "newarray" { dst: Reg, first: Reg, count: Count };
    /// R[dst] = {R[first]: R[first+1], ...} with count key/value pairs, in order
    NewMap = 0x41, "newmap" { dst: Reg, first: Reg, count: Count };
    /// R[dst] = R[obj][R[key]] (array by integer index, map by key, string by character)
    GetIndex = 0x42, "getindex" { dst: Reg, obj: Reg, key: Reg };
    /// R[obj][R[key]] = R[val] (array by integer index, map by key)
    SetIndex = 0x43, "setindex" { obj: Reg, key: Reg, val: Reg };
    /// R[dst] = R[obj][index] for a constant index 0..=255 (array element, map key, string character)
    GetIndexImm = 0x44, "getindexi" { dst: Reg, obj: Reg, index: Count };
    /// R[obj][index] = R[val] for a constant index 0..=255
    SetIndexImm = 0x45, "setindexi" { obj: Reg, index: Count, val: Reg };
}

// The interpreter's hot loop streams these; keep them one machine word.
const _: () = assert!(std::mem::size_of::<Instr>() <= 8);

impl Instr {
    /// Appends this instruction's `.bc` encoding to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.opcode() as u8);
        for operand in self.operands() {
            operand.encode(out);
        }
    }

    /// Decodes one instruction from the start of `bytes`, returning it and the
    /// number of bytes it used.
    pub fn decode(bytes: &[u8]) -> Result<(Instr, usize), DecodeError> {
        let &first = bytes.first().ok_or(DecodeError::Truncated)?;
        let opcode = Opcode::from_byte(first).ok_or(DecodeError::UnknownOpcode(first))?;
        let len = opcode.encoded_len();
        if bytes.len() < len {
            return Err(DecodeError::Truncated);
        }
        let mut at = 1;
        let mut operands = Vec::with_capacity(opcode.operands().len());
        for &(_, kind) in opcode.operands() {
            operands.push(Operand::decode(kind, &bytes[at..]));
            at += kind.width();
        }
        let instr = Instr::from_operands(opcode, &operands)
            .expect("operands decoded by the opcode's own table always fit it");
        Ok((instr, len))
    }

    /// The jump offset of a branching instruction.
    pub fn jump_offset(&self) -> Option<i32> {
        self.operands().into_iter().find_map(|op| match op {
            Operand::Jump(off) => Some(off),
            _ => None,
        })
    }

    /// True when control never falls through to the next instruction.
    pub fn ends_block(&self) -> bool {
        matches!(self, Instr::Jump { .. } | Instr::Return { .. })
    }
}

/// Why an instruction could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    Truncated,
    UnknownOpcode(u8),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated => write!(f, "truncated instruction"),
            DecodeError::UnknownOpcode(b) => write!(f, "unknown opcode 0x{b:02x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opcode_round_trips_through_its_byte_and_mnemonic() {
        for &op in Opcode::ALL {
            assert_eq!(Opcode::from_byte(op as u8), Some(op));
            assert_eq!(Opcode::from_mnemonic(op.mnemonic()), Some(op));
            assert!(!op.meaning().is_empty());
        }
    }

    #[test]
    fn encode_then_decode_is_identity() {
        let samples = [
            Instr::Move { dst: 1, src: 200 },
            Instr::LoadInt {
                dst: 3,
                value: -30000,
            },
            Instr::LoadConst { dst: 0, k: 65535 },
            Instr::AddImm {
                dst: 2,
                a: 2,
                imm: -128,
            },
            Instr::JumpIfNotLtImm {
                a: 9,
                imm: 2,
                offset: -70000,
            },
            Instr::CallDirect {
                dst: 1,
                func: 513,
                args: 4,
                nargs: 3,
            },
            Instr::CallBuiltin {
                dst: 0,
                builtin: 7,
                args: 1,
                nargs: 255,
            },
            Instr::SetIndex {
                obj: 1,
                key: 2,
                val: 3,
            },
        ];
        for instr in samples {
            let mut bytes = Vec::new();
            instr.encode(&mut bytes);
            assert_eq!(bytes.len(), instr.opcode().encoded_len());
            assert_eq!(Instr::decode(&bytes), Ok((instr, bytes.len())));
            assert_eq!(
                Instr::decode(&bytes[..bytes.len() - 1]),
                Err(DecodeError::Truncated)
            );
        }
    }

    #[test]
    fn unknown_opcode_is_reported() {
        assert_eq!(
            Instr::decode(&[0xff]),
            Err(DecodeError::UnknownOpcode(0xff))
        );
        assert_eq!(Instr::decode(&[]), Err(DecodeError::Truncated));
    }
}
