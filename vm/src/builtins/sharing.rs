//! Builtins of shareable values: `freeze` and `is_shareable`.
//!
//! Invariant: `freeze` changes the whole graph or nothing (docs/design.md
//! invariant 3), and reports the bytes it made shareable to the run, whose
//! policy may then request a global collection.

use heap::Value;

use super::Ctx;

pub fn freeze(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let report =
        shareable::make_shareable(ctx.heap_mut(), args[0]).map_err(|e| format!("freeze: {e}"))?;
    if report.bytes > 0 {
        ctx.isolate.note_shareable(report.bytes);
    }
    Ok(args[0])
}

pub fn is_shareable(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    Ok(Value::from_bool(shareable::is_shareable(
        ctx.heap(),
        args[0],
    )))
}
