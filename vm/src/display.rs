//! How values print: `print`, `str` and error messages.
//!
//! Invariant: integers print as `42`, floats always with a fraction or an
//! exponent (`2.5`, `2.0`, `1e16`, `inf`, `NaN`), strings raw at top level
//! and quoted with escapes inside containers, `nil`/`true`/`false`, arrays
//! as `[1, "a"]`, maps as `{"k": 1}`, functions as `<function f>`, isolate
//! handles as `<isolate 3>`. A
//! container met again while it is being printed prints as `[...]` or
//! `{...}`. Printing walks with an explicit stack, so any depth prints,
//! and keeps the open containers in a set keyed by their bits, so printing
//! takes time linear in the output (a million nested arrays print in one
//! pass, not in a million searches of a million-long list).

use std::collections::HashSet;
use std::fmt::Write as _;

use heap::{Heap, Type, Value};

use crate::program::Program;

/// One step of the printing walk.
enum Step {
    Value {
        v: Value,
        nested: bool,
    },
    Text(&'static str),
    /// The container with these bits is printed: it may appear again.
    Leave(u64),
}

/// Appends the printed form of `v` to `out`.
pub fn write_value(out: &mut String, heap: &Heap, program: &Program, v: Value) {
    let mut steps = vec![Step::Value { v, nested: false }];
    // The containers being printed: met again inside themselves, they
    // print as `[...]` or `{...}`.
    let mut open: HashSet<u64> = HashSet::new();
    while let Some(step) = steps.pop() {
        let (v, nested) = match step {
            Step::Text(t) => {
                out.push_str(t);
                continue;
            }
            Step::Leave(bits) => {
                open.remove(&bits);
                continue;
            }
            Step::Value { v, nested } => (v, nested),
        };
        match heap.type_of(v) {
            Type::Nil => out.push_str("nil"),
            Type::Bool => out.push_str(if v == Value::TRUE { "true" } else { "false" }),
            Type::Int => {
                let _ = write!(out, "{}", v.int_unchecked());
            }
            Type::Float => write_float(out, heap.float_of(v).expect("a float")),
            Type::String => {
                let s = heap.str_of(v).expect("a string");
                if nested {
                    let _ = write!(out, "{s:?}");
                } else {
                    out.push_str(s);
                }
            }
            Type::Function => {
                let index = heap.function_of(v).expect("a function");
                let _ = write!(out, "<function {}>", program.function_name(index));
            }
            Type::Isolate => {
                let (id, _) = heap.handle_of(v).expect("a handle");
                let _ = write!(out, "<isolate {id}>");
            }
            Type::Array if open.contains(&v.bits()) => out.push_str("[...]"),
            Type::Map if open.contains(&v.bits()) => out.push_str("{...}"),
            Type::Array => {
                let elems = heap.array_of(v).expect("an array");
                open.insert(v.bits());
                out.push('[');
                steps.push(Step::Leave(v.bits()));
                steps.push(Step::Text("]"));
                for (i, &e) in elems.iter().enumerate().rev() {
                    steps.push(Step::Value { v: e, nested: true });
                    if i > 0 {
                        steps.push(Step::Text(", "));
                    }
                }
            }
            Type::Map => {
                let map = heap.map_of(v).expect("a map");
                open.insert(v.bits());
                out.push('{');
                steps.push(Step::Leave(v.bits()));
                steps.push(Step::Text("}"));
                let pairs: Vec<(Value, Value)> = map.iter().collect();
                for (i, &(k, x)) in pairs.iter().enumerate().rev() {
                    steps.push(Step::Value { v: x, nested: true });
                    steps.push(Step::Text(": "));
                    steps.push(Step::Value { v: k, nested: true });
                    if i > 0 {
                        steps.push(Step::Text(", "));
                    }
                }
            }
        }
    }
}

/// The printed form of `v`.
pub fn to_display(heap: &Heap, program: &Program, v: Value) -> String {
    let mut out = String::new();
    write_value(&mut out, heap, program, v);
    out
}

/// Shortest form that reads back as the same float, always marked as a
/// float: `2.0`, not `2`.
pub fn write_float(out: &mut String, f: f64) {
    let _ = write!(out, "{f:?}");
}
