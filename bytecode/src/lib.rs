//! The isolate VM's program representation: the instruction set, the `.bc`
//! binary format with its reader, writer and verifier, the text assembler and
//! disassembler, and the compiler from the source language.
//!
//! This crate knows nothing of values or heaps; it depends on no other crate
//! of the workspace. `bumpalo` is used by the compiler as the arena of the
//! syntax tree: every node lives exactly as long as one compilation.
//!
//! Invariant: the only way to obtain a [`VerifiedModule`] is [`verify()`], so
//! any code holding one may rely on the facts the verifier checks.

#![forbid(unsafe_code)]

pub mod asm;
pub mod builtin;
pub mod compiler;
pub mod dis;
pub mod error;
pub mod format;
pub mod instr;
pub mod module;
pub mod verify;

pub use asm::{AsmError, TextLines, assemble, assemble_with_lines};
pub use builtin::Builtin;
pub use dis::disassemble;
pub use error::FormatError;
pub use format::{ReadModule, is_bytecode, load, read_module, write_module};
pub use instr::{Instr, Opcode, Operand, OperandKind};
pub use module::{Constant, Function, LineEntry, Module, VerifiedModule};
pub use verify::{verify, verify_with_offsets};
