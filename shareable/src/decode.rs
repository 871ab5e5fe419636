//! Materializing a message in the receiver's heap.
//!
//! Invariant: decoding reads the message only (it may be decoded again) and
//! writes the receiver's heap only through its public API, in two phases:
//! *allocate* creates every copied object, containers with their final size
//! (arrays with their final length, links still as integers; maps empty with
//! room for every entry); *fill* then stores the links of arrays and inserts
//! the entries of maps, once every object exists, so references forward,
//! backward and around cycles all resolve. Each heap call either completes or
//! fails without effect, so a failure (the heap's limit) leaves a consistent
//! heap whose partial objects are unreachable garbage. Filling allocates
//! nothing: maps were created with room for all their entries.

use std::sync::Arc;

use heap::{AllocError, Heap, MutateError, Value};

use crate::message::{Message, Record};

/// Objects whose new values the decoder keeps on the stack.
const INLINE_TABLE: usize = 16;

pub(crate) fn decode(msg: &Message, heap: &mut Heap) -> Result<Vec<Value>, AllocError> {
    // Reserved in place rather than through a `Result<Vec, _>`-returning
    // helper, whose unaligned moves stalled a third of a one-integer decode.
    let mut roots = Vec::new();
    roots.try_reserve_exact(msg.roots).map_err(oom)?;
    if msg.objects == 0 {
        // Immediates and shareable references only: nothing to build.
        roots.extend_from_slice(msg.root_run().slots());
        return Ok(roots);
    }
    let mut inline = [Value::NIL; INLINE_TABLE];
    let mut spilled;
    let table: &mut [Value] = if msg.objects <= INLINE_TABLE {
        &mut inline[..msg.objects]
    } else {
        spilled = Vec::new();
        spilled.try_reserve_exact(msg.objects).map_err(oom)?;
        spilled.resize(msg.objects, Value::NIL);
        &mut spilled
    };
    allocate(msg, heap, table)?;
    fill(msg, heap, table)?;
    roots.extend(msg.root_run().resolve(table));
    Ok(roots)
}

fn oom<E>(_: E) -> AllocError {
    AllocError::OutOfMemory
}

/// Phase 1: creates object `i` of the message as `table[i]`.
fn allocate(msg: &Message, heap: &Heap, table: &mut [Value]) -> Result<(), AllocError> {
    for (new, record) in table.iter_mut().zip(msg.records()) {
        *new = match record {
            Record::String(s) => heap.alloc_str(s)?,
            Record::Float(f) => heap.alloc_float(f)?,
            Record::Function(index) => heap.alloc_function(index)?,
            Record::Handle(id, target) => heap.alloc_handle(id, Arc::clone(target))?,
            Record::Array(run) => heap.alloc_array_from(run.slots())?,
            Record::Map(run) => heap.alloc_map(run.len() / 2)?,
        };
    }
    Ok(())
}

/// Phase 2: stores the links of arrays and the entries of maps.
fn fill(msg: &Message, heap: &mut Heap, table: &[Value]) -> Result<(), AllocError> {
    for (&obj, record) in table.iter().zip(msg.records()) {
        match record {
            Record::Array(run) => {
                for (pos, i) in run.links() {
                    filled(heap.array_set(obj, pos as i64, table[i]))?;
                }
            }
            Record::Map(run) => {
                let mut slots = run.resolve(table);
                while let (Some(key), Some(value)) = (slots.next(), slots.next()) {
                    filled(heap.map_insert(obj, key, value))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The outcome of a store into a fresh object. Only an allocation failure
/// is possible: the object is ours and not frozen, array positions lie
/// within the length it was created with, and map keys were keys of a map
/// in the sender (hashable, and copied with the same kind).
fn filled(result: Result<(), MutateError>) -> Result<(), AllocError> {
    match result {
        Ok(()) => Ok(()),
        Err(MutateError::Alloc(e)) => Err(e),
        Err(e) => unreachable!("storing into a freshly decoded object failed: {e:?}"),
    }
}
