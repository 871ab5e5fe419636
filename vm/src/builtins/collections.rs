//! Builtins on arrays and maps: `len`, `push`, `pop`, `range`, `keys`,
//! `has`, and `slice` (which also takes strings).
//!
//! Invariant: `slice` clamps its bounds to `[0, len]` and yields an empty
//! result when they cross, so it never fails on numbers; everything else
//! that is out of range is an error naming the builtin.

use heap::{Type, Value};

use super::{Ctx, alloc_error, int_arg, mutate_error, type_error};

pub fn len(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let v = args[0];
    let n = match heap.type_of(v) {
        Type::String => heap.str_char_count(v),
        Type::Array => heap.array_of(v).map(<[Value]>::len),
        Type::Map => heap.map_of(v).map(heap::ValueMap::len),
        _ => None,
    }
    .ok_or_else(|| type_error(heap, "len", "a string, array or map", v))?;
    Ok(Value::int(n as i64).expect("lengths fit"))
}

pub fn push(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    ctx.heap_mut()
        .array_push(args[0], args[1])
        .map_err(|e| mutate_error("push", e))?;
    Ok(args[0])
}

pub fn pop(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    match ctx
        .heap_mut()
        .array_pop(args[0])
        .map_err(|e| mutate_error("pop", e))?
    {
        Some(v) => Ok(v),
        None => Err("pop: empty array".into()),
    }
}

pub fn range(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let (start, end) = match *args {
        [n] => (0, int_arg(heap, "range", n)?),
        [a, b] => (int_arg(heap, "range", a)?, int_arg(heap, "range", b)?),
        _ => unreachable!("the verifier checks range's arity"),
    };
    let len = usize::try_from(end.saturating_sub(start)).unwrap_or(0);
    heap.ensure_room(len.saturating_mul(std::mem::size_of::<Value>()))
        .map_err(alloc_error)?;
    let mut elems = heap::try_vec_with_capacity(len).map_err(alloc_error)?;
    elems.extend((start..end).map(|i| Value::int(i).expect("between two integers")));
    heap.alloc_array(elems).map_err(alloc_error)
}

pub fn keys(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let map = heap
        .map_of(args[0])
        .ok_or_else(|| type_error(heap, "keys", "a map", args[0]))?;
    let keys: Vec<Value> = map.iter().map(|(k, _)| k).collect();
    heap.alloc_array(keys).map_err(alloc_error)
}

pub fn has(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    if heap.map_of(args[0]).is_none() {
        return Err(type_error(heap, "has", "a map", args[0]));
    }
    match heap.map_get(args[0], args[1]) {
        Ok(found) => Ok(Value::from_bool(found.is_some())),
        // An unhashable key is in no map.
        Err(_) => Ok(Value::FALSE),
    }
}

/// `[a, b)` clamped to `[0, len]`.
fn clamp(a: i64, b: i64, len: usize) -> (usize, usize) {
    let clamp1 = |x: i64| x.clamp(0, len as i64) as usize;
    let (a, b) = (clamp1(a), clamp1(b));
    (a, b.max(a))
}

pub fn slice(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let (a, b) = (
        int_arg(heap, "slice", args[1])?,
        int_arg(heap, "slice", args[2])?,
    );
    if let Some(elems) = heap.array_of(args[0]) {
        let (a, b) = clamp(a, b, elems.len());
        return heap.alloc_array_from(&elems[a..b]).map_err(alloc_error);
    }
    let s = heap
        .str_of(args[0])
        .ok_or_else(|| type_error(heap, "slice", "a string or an array", args[0]))?;
    let part = if heap.str_is_ascii(args[0]) {
        let (a, b) = clamp(a, b, s.len());
        &s[a..b]
    } else {
        let (a, b) = clamp(a, b, heap.str_char_count(args[0]).unwrap_or(0));
        let mut bounds = s
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(s.len()));
        let start = bounds.nth(a).unwrap_or(s.len());
        let end = if b > a {
            bounds.nth(b - a - 1).unwrap_or(s.len())
        } else {
            start
        };
        &s[start..end]
    };
    heap.alloc_str(part).map_err(alloc_error)
}

#[cfg(test)]
mod tests {
    use super::clamp;

    #[test]
    fn slice_bounds_clamp() {
        assert_eq!(clamp(1, 3, 5), (1, 3));
        assert_eq!(clamp(-4, 99, 5), (0, 5));
        assert_eq!(clamp(4, 2, 5), (4, 4));
    }
}
