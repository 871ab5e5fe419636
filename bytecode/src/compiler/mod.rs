//! The compiler from the source language (`.iv` files, see
//! `docs/language.md`) to a bytecode [`Module`].
//!
//! The pipeline is lexer → parser (building a syntax tree in a
//! `bumpalo::Bump` arena, folding constants on the way) → code generation
//! (name resolution, checks and register allocation in one walk). Each stage
//! reports errors to a shared sink and carries on, so one run reports several
//! independent errors; code generation only runs on a tree without syntax
//! errors.
//!
//! Invariant: [`compile`] never panics and terminates on every input; it
//! returns `Ok` only when no error was reported, and then the module names
//! `source_name`, has `main` as its entry, and every function's frame fits in
//! 256 registers.

mod ast;
mod codegen;
mod diagnostics;
mod fold;
mod lexer;
mod parser;
mod pool;
mod scope;

pub use diagnostics::{Diagnostic, Diagnostics, MAX_ERRORS, Pos};
pub use parser::MAX_NESTING;

use bumpalo::Bump;

use crate::module::Module;

/// The file extension of source programs, without the dot.
pub const SOURCE_EXTENSION: &str = "iv";

/// Compiles the program `source`; `source_name` (usually the file's path) is
/// recorded in the module and prefixes every error message.
///
/// ```
/// let module = bytecode::compiler::compile("fn main() { print(1 + 2) }", "demo.iv").unwrap();
/// assert_eq!(module.functions[module.entry as usize].name, "main");
///
/// let err = bytecode::compiler::compile("fn main() { print(y) }", "demo.iv").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "demo.iv:1:19: error: undefined variable 'y'\n    1 | fn main() { print(y) }\n      |                   ^\n"
/// );
/// ```
pub fn compile(source: &str, source_name: &str) -> Result<Module, Diagnostics> {
    let bump = Bump::new();
    let mut sink = diagnostics::Sink::default();
    let tokens = lexer::lex(source, &bump, &mut sink);
    let program = parser::parse(&tokens, &bump, &mut sink);
    if !sink.is_empty() {
        return Err(Diagnostics::new(source_name, source, sink));
    }
    let module = codegen::generate(&program, source_name, &mut sink);
    if sink.is_empty() {
        Ok(module)
    } else {
        Err(Diagnostics::new(source_name, source, sink))
    }
}
