//! The builtin functions (`callb`): the table from id to implementation.
//!
//! Invariant: every builtin of `bytecode::Builtin` has exactly one
//! implementation here (the match in [`function`] is exhaustive, so adding a
//! builtin to the table without implementing it does not compile), and the
//! verifier has already checked the argument count against
//! `Builtin::arity()`. A builtin may allocate as much as it likes (the heap
//! never collects during an instruction) and reports failure as a one-line
//! message, prefixed with its name when the message is about its arguments.
//! A string longer than [`MAX_STRING_BYTES`] (or than the heap limit) is
//! refused before any of it is built ([`string_room`]).

mod collections;
mod isolates;
mod numbers;
mod sharing;
mod strings;
mod system;

use std::sync::Arc;
use std::time::Instant;

use bytecode::Builtin;
use heap::{AllocError, Heap, MutateError, Value};
use isolate::{BlockReason, Context, Memory};

use crate::interp::Interp;
use crate::program::Program;

/// What a builtin sees: the running isolate (its memory, its mailbox, the
/// scheduler) and the shared program.
pub struct Ctx<'a, 'b> {
    pub isolate: &'a mut Context<'b, Interp>,
    pub program: &'a Arc<Program>,
    /// Deadline of the `receive(ms)` the isolate is blocked in, kept across
    /// the re-executions of the instruction.
    pub receive_deadline: &'a mut Option<Instant>,
}

impl Ctx<'_, '_> {
    pub fn heap(&self) -> &Heap {
        &self.isolate.memory.heap
    }

    pub fn heap_mut(&mut self) -> &mut Heap {
        &mut self.isolate.memory.heap
    }

    pub fn memory(&self) -> &Memory {
        self.isolate.memory
    }
}

/// Why a builtin did not return a value.
#[derive(Debug, PartialEq, Eq)]
pub enum BuiltinError {
    /// The isolate fails with this message.
    Fail(String),
    /// The isolate waits; the instruction runs again when it is woken.
    Block(BlockReason),
}

impl From<String> for BuiltinError {
    fn from(message: String) -> BuiltinError {
        BuiltinError::Fail(message)
    }
}

pub type BuiltinFn = fn(&mut Ctx, &[Value]) -> Result<Value, BuiltinError>;

/// Adapts a builtin that never blocks.
macro_rules! plain {
    ($f:path) => {
        |ctx, args| $f(ctx, args).map_err(BuiltinError::Fail)
    };
}

/// The implementation of `builtin`. `gc` is handled by the interpreter
/// itself, which owns the roots a collection needs.
pub fn function(builtin: Builtin) -> BuiltinFn {
    match builtin {
        Builtin::Print => plain!(system::print),
        Builtin::Len => plain!(collections::len),
        Builtin::Push => plain!(collections::push),
        Builtin::Pop => plain!(collections::pop),
        Builtin::Str => plain!(strings::str),
        Builtin::Int => plain!(numbers::int),
        Builtin::Float => plain!(numbers::float),
        Builtin::Range => plain!(collections::range),
        Builtin::Keys => plain!(collections::keys),
        Builtin::Args => plain!(system::args),
        Builtin::NowNs => plain!(system::now_ns),
        Builtin::Gc => plain!(system::gc_placeholder),
        Builtin::GcStats => plain!(system::gc_stats),
        Builtin::Split => plain!(strings::split),
        Builtin::Join => plain!(strings::join),
        Builtin::Slice => plain!(collections::slice),
        Builtin::Find => plain!(strings::find),
        Builtin::Chars => plain!(strings::chars),
        Builtin::Type => plain!(system::type_name),
        Builtin::Error => plain!(system::error),
        Builtin::Has => plain!(collections::has),
        Builtin::Sqrt => plain!(numbers::sqrt),
        Builtin::Spawn => plain!(isolates::spawn),
        Builtin::Send => plain!(isolates::send),
        Builtin::Receive => isolates::receive,
        Builtin::SelfHandle => plain!(isolates::self_handle),
        Builtin::Wait => isolates::wait,
        Builtin::Monitor => plain!(isolates::monitor),
        Builtin::Freeze => plain!(sharing::freeze),
        Builtin::IsShareable => plain!(sharing::is_shareable),
        Builtin::GcGlobal => plain!(system::gc_placeholder),
        Builtin::Matches => plain!(strings::matches),
    }
}

/// The longest string a program may build, in bytes: 256 MiB (V8 allows
/// 512 MiB, SpiderMonkey 1 GiB). Asking for more is a runaway rather than a
/// workload of this VM, and building it would take the machine's memory
/// and minutes (doubling a string forty times asks for a terabyte), so it
/// is refused at once, before anything is built.
pub const MAX_STRING_BYTES: usize = 1 << 28;

/// Checks, before anything is built, that a string of `len` bytes may
/// exist: at most [`MAX_STRING_BYTES`], and no larger than the whole heap
/// limit when there is one (such a string could never fit).
pub fn string_room(heap: &Heap, len: usize) -> Result<(), String> {
    if len > MAX_STRING_BYTES {
        return Err(format!(
            "out of memory: a string of {len} bytes (a string holds at most {MAX_STRING_BYTES})"
        ));
    }
    if let Some(limit) = heap.limit()
        && len > limit
    {
        return Err(format!(
            "out of memory: a string of {len} bytes (the heap limit is {limit})"
        ));
    }
    Ok(())
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
