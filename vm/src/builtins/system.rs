//! Builtins about the program and the VM: output, arguments, clock, errors,
//! types and collector figures.
//!
//! Invariant: none of these mutates a heap object; `print` writes one whole
//! line to the shared output at once, so lines of different isolates never
//! interleave. Once the output has failed, `print` ends the run (see
//! `crate::program::Output`).

use heap::Value;
use isolate::Failure;

use super::{Ctx, alloc_error};
use crate::display;

pub fn print(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let mut line = String::new();
    for (i, &v) in args.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        display::write_value(&mut line, ctx.heap(), ctx.program, v);
    }
    if !ctx.program.output.line(&line) {
        // Stdout is gone (a closed pipe, a full disk): like a process that
        // SIGPIPE kills, the whole run ends; the caller reports the error.
        ctx.isolate.end_run(Failure {
            message: "writing output failed".into(),
            trace: Vec::new(),
        });
    }
    Ok(Value::NIL)
}

pub fn args(ctx: &mut Ctx, _: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let strings = ctx
        .program
        .args
        .iter()
        .map(|a| heap.alloc_str(a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(alloc_error)?;
    heap.alloc_array(strings).map_err(alloc_error)
}

pub fn now_ns(ctx: &mut Ctx, _: &[Value]) -> Result<Value, String> {
    let ns = ctx.program.started.elapsed().as_nanos();
    Ok(Value::int(ns as i64).expect("146 years of nanoseconds fit in 62 bits"))
}

/// `gc()` and `gc_global()` never reach the table: the interpreter collects
/// itself (it holds the roots), or yields to the global collection.
pub fn gc_placeholder(_: &mut Ctx, _: &[Value]) -> Result<Value, String> {
    Ok(Value::NIL)
}

pub fn gc_stats(ctx: &mut Ctx, _: &[Value]) -> Result<Value, String> {
    let gc = ctx.memory().gc_stats().clone();
    let hs = ctx.memory().heap_stats();
    let rss = crate::stats::rss_kib().unwrap_or(0) * 1024;
    let figures: [(&str, u64); 14] = [
        ("collections", gc.collections),
        ("total_pause_ns", gc.total_pause.as_nanos() as u64),
        ("max_pause_ns", gc.max_pause.as_nanos() as u64),
        ("global_collections", gc.global_collections),
        ("last_live_bytes", gc.last_live_bytes as u64),
        ("freed_bytes", gc.freed_bytes),
        ("freed_objects", gc.freed_objects),
        ("bytes_allocated", hs.allocated_bytes),
        ("objects_allocated", hs.allocated_objects),
        ("footprint", hs.footprint as u64),
        ("heap_size", hs.heap_size as u64),
        ("objects", hs.objects as u64),
        ("shareable_bytes", hs.shareable_bytes as u64),
        ("process_rss_bytes", rss),
    ];
    let map = ctx
        .heap_mut()
        .alloc_map(figures.len())
        .map_err(alloc_error)?;
    for (key, n) in figures {
        let k = ctx.heap_mut().alloc_str(key).map_err(alloc_error)?;
        let v = Value::int(n.min(heap::INT_MAX as u64) as i64).expect("clamped");
        ctx.heap_mut()
            .map_insert(map, k, v)
            .map_err(|e| super::mutate_error("gc_stats", e))?;
    }
    Ok(map)
}

pub fn type_name(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let name = ctx.heap().type_of(args[0]).name();
    ctx.heap().alloc_str(name).map_err(alloc_error)
}

pub fn error(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    Err(display::to_display(ctx.heap(), ctx.program, args[0]))
}
