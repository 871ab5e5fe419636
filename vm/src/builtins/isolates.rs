//! Builtins of isolates: `spawn`, `send`, `receive`, `self`, `wait`,
//! `monitor`.
//!
//! Invariants:
//! - Values cross between isolates only as deep copies (`shareable::Message`):
//!   spawn arguments, messages and `wait` results. Shareable values
//!   (literals and graphs frozen by `freeze`) cross by reference, and making
//!   the message marks the sender's ones as published, so they outlive it.
//! - `receive` and `wait` never block inside the builtin: they return
//!   `BuiltinError::Block`, the isolate parks, and the instruction runs again
//!   when something wakes it, so a wake-up may be spurious and each re-check
//!   is complete.

use std::time::{Duration, Instant};

use heap::{HandleTarget, Value};
use isolate::{BlockReason, Envelope, HandleError, WaitState};
use shareable::Message;

use super::{BuiltinError, Ctx, alloc_error, type_error};
use crate::interp::Interp;

/// The isolate id and target of handle `v`.
fn handle(ctx: &Ctx, name: &str, v: Value) -> Result<(u64, HandleTarget), String> {
    let heap = ctx.heap();
    heap.handle_of(v)
        .map(|(id, target)| (id, target.clone()))
        .ok_or_else(|| type_error(heap, name, "an isolate", v))
}

fn handle_error(name: &str, e: HandleError) -> String {
    match e {
        HandleError::Foreign => format!("{name}: not an isolate of this program"),
        HandleError::SelfWait => "wait: an isolate cannot wait for itself".into(),
    }
}

pub fn spawn(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let f = args[0];
    let func = heap
        .function_of(f)
        .ok_or_else(|| type_error(heap, "spawn", "a function", f))?;
    let target = &ctx.program.module.functions[func as usize];
    let given = args.len() - 1;
    if target.arity as usize != given {
        return Err(format!(
            "spawn: function '{}' takes {} argument{} but {given} were given",
            target.name,
            target.arity,
            if target.arity == 1 { "" } else { "s" }
        ));
    }
    let start = Message::copy(heap, &args[1..]).map_err(alloc_error)?;
    ctx.isolate.memory.messages.bytes_copied += start.bytes() as u64;
    let task = Interp::spawned(ctx.program.clone(), func, start);
    let (id, target) = ctx.isolate.spawn(task);
    ctx.heap().alloc_handle(id, target).map_err(alloc_error)
}

pub fn send(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let (_, target) = handle(ctx, "send", args[0])?;
    let message = Message::copy(ctx.heap(), &args[1..2]).map_err(alloc_error)?;
    ctx.isolate
        .send(&target, message)
        .map_err(|e| handle_error("send", e))?;
    Ok(args[1])
}

pub fn receive(ctx: &mut Ctx, args: &[Value]) -> Result<Value, BuiltinError> {
    let timeout = match args.first() {
        Some(&ms) => match ms.as_int() {
            Some(ms) => Some(Duration::from_millis(ms.max(0) as u64)),
            None => return Err(type_error(ctx.heap(), "receive", "milliseconds", ms).into()),
        },
        None => None,
    };
    match ctx.isolate.try_receive() {
        Some(envelope) => {
            *ctx.receive_deadline = None;
            Ok(open(ctx, envelope)?)
        }
        None => {
            let Some(timeout) = timeout else {
                return Err(BuiltinError::Block(BlockReason::Receive));
            };
            let now = Instant::now();
            let deadline = match *ctx.receive_deadline {
                Some(deadline) => deadline,
                None => {
                    let deadline = now + timeout;
                    *ctx.receive_deadline = Some(deadline);
                    if deadline > now {
                        ctx.isolate.wake_at(deadline);
                    }
                    deadline
                }
            };
            if now >= deadline {
                *ctx.receive_deadline = None;
                return Ok(Value::NIL);
            }
            Err(BuiltinError::Block(BlockReason::Receive))
        }
    }
}

/// Brings an envelope into this isolate's heap.
fn open(ctx: &mut Ctx, envelope: Envelope) -> Result<Value, String> {
    match envelope {
        Envelope::Message(message) => {
            let roots = message.decode(ctx.heap_mut()).map_err(alloc_error)?;
            Ok(roots.first().copied().unwrap_or(Value::NIL))
        }
        Envelope::Down { id, target, reason } => {
            let heap = ctx.heap();
            let tag = heap.alloc_str("down").map_err(alloc_error)?;
            let who = heap.alloc_handle(id, target).map_err(alloc_error)?;
            let why = heap.alloc_str(&reason).map_err(alloc_error)?;
            heap.alloc_array_from(&[tag, who, why]).map_err(alloc_error)
        }
    }
}

pub fn self_handle(ctx: &mut Ctx, _: &[Value]) -> Result<Value, String> {
    let (id, target) = (ctx.isolate.id(), ctx.isolate.self_target());
    ctx.heap().alloc_handle(id, target).map_err(alloc_error)
}

pub fn wait(ctx: &mut Ctx, args: &[Value]) -> Result<Value, BuiltinError> {
    let (id, target) = handle(ctx, "wait", args[0])?;
    match ctx
        .isolate
        .wait(&target)
        .map_err(|e| handle_error("wait", e))?
    {
        WaitState::Pending => Err(BuiltinError::Block(BlockReason::Wait(id))),
        WaitState::Done(Ok(result)) => {
            let roots = result.decode(ctx.heap_mut()).map_err(alloc_error)?;
            Ok(roots.first().copied().unwrap_or(Value::NIL))
        }
        WaitState::Done(Err(error)) => Err(format!("isolate {id} failed: {error}").into()),
    }
}

pub fn monitor(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let (_, target) = handle(ctx, "monitor", args[0])?;
    ctx.isolate
        .monitor(&target)
        .map_err(|e| handle_error("monitor", e))?;
    Ok(Value::NIL)
}
