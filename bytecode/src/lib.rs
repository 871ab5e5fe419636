//! The isolate VM's program representation: the instruction set, the `.bc`
//! binary format with its reader, writer and verifier, the text assembler and
//! disassembler, and the compiler from the source language.
//!
//! This crate knows nothing of values or heaps; it depends on no other crate
//! of the workspace. `bumpalo` is used by the compiler as the arena of the
//! syntax tree: every node lives exactly as long as one compilation.
//!
//! Invariant: the only way to obtain a [`VerifiedModule`] is [`verify`], so
//! any code holding one may rely on the facts the verifier checks.

#![forbid(unsafe_code)]

pub mod builtin;
pub mod instr;
pub mod module;

pub use builtin::Builtin;
pub use instr::{Instr, Opcode, Operand, OperandKind};
pub use module::{Constant, Function, LineEntry, Module, VerifiedModule};
