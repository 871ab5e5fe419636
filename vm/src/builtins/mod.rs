//! The builtin functions (`callb`): the table from id to implementation.
//!
//! Invariant: every builtin of `bytecode::Builtin` has exactly one
//! implementation here (the match in [`function`] is exhaustive, so adding a
//! builtin to the table without implementing it does not compile), and the
//! verifier has already checked the argument count against
//! `Builtin::arity()`. A builtin may allocate as much as it likes (the heap
//! never collects during an instruction) and reports failure as a one-line
//! message, prefixed with its name when the message is about its arguments.

mod collections;
mod numbers;
mod strings;
mod system;

use bytecode::Builtin;
use heap::{AllocError, Heap, MutateError, Value};
use isolate::Memory;

use crate::program::Program;

/// What a builtin sees: the isolate's memory and the shared program.
pub struct Ctx<'a> {
    pub memory: &'a mut Memory,
    pub program: &'a Program,
}

impl Ctx<'_> {
    pub fn heap(&self) -> &Heap {
        &self.memory.heap
    }
}

pub type BuiltinFn = fn(&mut Ctx, &[Value]) -> Result<Value, String>;

/// The implementation of `builtin`. `gc` is handled by the interpreter
/// itself, which owns the roots a collection needs.
pub fn function(builtin: Builtin) -> BuiltinFn {
    match builtin {
        Builtin::Print => system::print,
        Builtin::Len => collections::len,
        Builtin::Push => collections::push,
        Builtin::Pop => collections::pop,
        Builtin::Str => strings::str,
        Builtin::Int => numbers::int,
        Builtin::Float => numbers::float,
        Builtin::Range => collections::range,
        Builtin::Keys => collections::keys,
        Builtin::Args => system::args,
        Builtin::NowNs => system::now_ns,
        Builtin::Gc => system::gc_placeholder,
        Builtin::GcStats => system::gc_stats,
        Builtin::Split => strings::split,
        Builtin::Join => strings::join,
        Builtin::Slice => collections::slice,
        Builtin::Find => strings::find,
        Builtin::Chars => strings::chars,
        Builtin::Type => system::type_name,
        Builtin::Error => system::error,
        Builtin::Has => collections::has,
        Builtin::Sqrt => numbers::sqrt,
    }
}

/// The message for a failed allocation.
pub fn alloc_error(e: AllocError) -> String {
    e.to_string()
}

/// The message for a refused mutation by builtin `name`.
pub fn mutate_error(name: &str, e: MutateError) -> String {
    match e {
        MutateError::Frozen(t) => format!("can't modify frozen {}", t.name()),
        MutateError::WrongType(t) => format!("{name}: expected an array, got {}", t.name()),
        MutateError::Unhashable(t) => format!("{} can't be a map key", t.name()),
        MutateError::IndexOutOfRange { index, len } => {
            format!("index {index} out of range for array of length {len}")
        }
        MutateError::Alloc(a) => alloc_error(a),
    }
}

/// `name: expected <what>, got <type of v>`.
pub fn type_error(heap: &Heap, name: &str, what: &str, v: Value) -> String {
    format!("{name}: expected {what}, got {}", heap.type_of(v).name())
}

/// The integer argument `v` of builtin `name`.
pub fn int_arg(heap: &Heap, name: &str, v: Value) -> Result<i64, String> {
    v.as_int()
        .ok_or_else(|| type_error(heap, name, "an integer", v))
}

/// The string argument `v` of builtin `name`.
pub fn str_arg<'h>(heap: &'h Heap, name: &str, v: Value) -> Result<&'h str, String> {
    heap.str_of(v)
        .ok_or_else(|| type_error(heap, name, "a string", v))
}
