//! A program as the VM loads it: constant pool, function table, entry point.
//!
//! Invariant: a [`Module`] is plain data and may be malformed (it comes from a
//! file, the assembler or the compiler). Only [`VerifiedModule`], which the
//! verifier alone constructs, promises the facts the interpreter relies on:
//! every register, constant, function and jump target in range, every direct
//! call with the callee's arity, every function ending in a jump or return.

use std::fmt;
use std::ops::Deref;

use crate::instr::Instr;

/// Most registers a frame may have (register operands are one byte).
pub const MAX_FRAME_SIZE: u16 = 256;

/// Largest integer the VM can hold (63-bit signed, see `heap::Value`).
pub const MAX_INT: i64 = (1 << 62) - 1;
/// Smallest integer the VM can hold.
pub const MIN_INT: i64 = -(1 << 62);

/// An entry of the constant pool.
#[derive(Clone, Debug)]
pub enum Constant {
    /// An integer in `MIN_INT..=MAX_INT`.
    Int(i64),
    Float(f64),
    Str(Box<str>),
    /// A reference to a function of the module's function table.
    Func(u16),
}

impl PartialEq for Constant {
    /// Floats compare by bit pattern, so that a module equals its round trip
    /// through the `.bc` format even when it holds a NaN.
    fn eq(&self, other: &Constant) -> bool {
        match (self, other) {
            (Constant::Int(a), Constant::Int(b)) => a == b,
            (Constant::Float(a), Constant::Float(b)) => a.to_bits() == b.to_bits(),
            (Constant::Str(a), Constant::Str(b)) => a == b,
            (Constant::Func(a), Constant::Func(b)) => a == b,
            _ => false,
        }
    }
}

/// One run of the line table: instructions from `pc` up to the next entry's
/// `pc` come from source line `line`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineEntry {
    pub pc: u32,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: String,
    /// Number of parameters; they arrive in `R[0..arity]`.
    pub arity: u8,
    /// Number of registers, at least `arity`, at most [`MAX_FRAME_SIZE`].
    pub frame_size: u16,
    pub code: Vec<Instr>,
    /// Sorted by `pc`, each `pc` below `code.len()`; may be empty.
    pub lines: Vec<LineEntry>,
}

impl Function {
    /// The source line of instruction `pc`, when the line table knows it.
    pub fn line_at(&self, pc: usize) -> Option<u32> {
        let idx = self.lines.partition_point(|e| e.pc as usize <= pc);
        idx.checked_sub(1).map(|i| self.lines[i].line)
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Module {
    pub constants: Vec<Constant>,
    pub functions: Vec<Function>,
    /// Index of the function that runs first; it takes no arguments.
    pub entry: u16,
    /// The source file the module was compiled from ("" when unknown), used
    /// in error messages as `file:line`.
    pub source_name: String,
}

impl Module {
    /// The index of the function called `name` (`None` also when that index
    /// does not fit a function operand).
    pub fn function_index(&self, name: &str) -> Option<u16> {
        let index = self.functions.iter().position(|f| f.name == name)?;
        u16::try_from(index).ok()
    }
}

/// A module the verifier has accepted. Immutable: shared by every isolate.
#[derive(Debug, PartialEq)]
pub struct VerifiedModule(Module);

impl VerifiedModule {
    /// Wraps a module the verifier has just checked. Only `verify` calls this.
    pub(crate) fn new_verified(module: Module) -> VerifiedModule {
        VerifiedModule(module)
    }

    pub fn into_inner(self) -> Module {
        self.0
    }
}

impl Deref for VerifiedModule {
    type Target = Module;
    fn deref(&self) -> &Module {
        &self.0
    }
}

impl fmt::Display for Constant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constant::Int(v) => write!(f, "int {v}"),
            Constant::Float(v) => write!(f, "float {v:?}"),
            Constant::Str(s) => write!(f, "str {s:?}"),
            Constant::Func(i) => write!(f, "func f{i}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_at_finds_the_run_containing_pc() {
        let f = Function {
            name: "f".into(),
            arity: 0,
            frame_size: 1,
            code: vec![Instr::LoadNil { dst: 0 }; 6],
            lines: vec![LineEntry { pc: 0, line: 3 }, LineEntry { pc: 4, line: 7 }],
        };
        assert_eq!(f.line_at(0), Some(3));
        assert_eq!(f.line_at(3), Some(3));
        assert_eq!(f.line_at(4), Some(7));
        assert_eq!(f.line_at(5), Some(7));
        let empty = Function { lines: vec![], ..f };
        assert_eq!(empty.line_at(2), None);
    }
}
