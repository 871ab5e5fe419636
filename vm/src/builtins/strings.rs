//! Builtins on strings: `str`, `split`, `join`, `find`, `chars`, `matches`.
//!
//! Invariant: positions are in characters, not bytes, so programs never see
//! UTF-8 encoding; ASCII strings take byte-indexed fast paths. `matches`
//! runs a native regular-expression matcher (the `regex` crate: linear time,
//! no backtracking blow-ups on hostile patterns) and allocates its results
//! in the calling isolate's heap.

use heap::Value;

use super::{Ctx, alloc_error, str_arg, string_room, type_error};
use crate::display;

pub fn str(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    if heap.str_of(args[0]).is_some() {
        return Ok(args[0]);
    }
    let text = display::to_display(heap, ctx.program, args[0]);
    heap.alloc_str(&text).map_err(alloc_error)
}

pub fn split(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let s = str_arg(heap, "split", args[0])?;
    let sep = str_arg(heap, "split", args[1])?;
    if sep.is_empty() {
        return Err("split: empty separator (use chars to split into characters)".into());
    }
    let parts = s
        .split(sep)
        .map(|p| heap.alloc_str(p))
        .collect::<Result<Vec<_>, _>>();
    heap.alloc_array(parts.map_err(alloc_error)?)
        .map_err(alloc_error)
}

pub fn join(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let parts = heap
        .array_of(args[0])
        .ok_or_else(|| type_error(heap, "join", "an array of strings", args[0]))?;
    let sep = str_arg(heap, "join", args[1])?;
    let mut pieces: Vec<&str> = Vec::with_capacity(parts.len() * 2);
    let mut len = 0usize;
    for (i, &p) in parts.iter().enumerate() {
        if i > 0 {
            pieces.push(sep);
        }
        let piece = heap.str_of(p).ok_or_else(|| {
            format!(
                "join: element {i} is {}, not a string",
                heap.type_of(p).name()
            )
        })?;
        len = len
            .saturating_add(piece.len())
            .saturating_add(if i > 0 { sep.len() } else { 0 });
        pieces.push(piece);
    }
    string_room(heap, len)?;
    heap.alloc_str_parts(&pieces).map_err(alloc_error)
}

pub fn find(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let s = str_arg(heap, "find", args[0])?;
    let sub = str_arg(heap, "find", args[1])?;
    let index = match s.find(sub) {
        Some(byte) if heap.str_is_ascii(args[0]) => byte as i64,
        Some(byte) => s[..byte].chars().count() as i64,
        None => -1,
    };
    Ok(Value::int(index).expect("string positions fit"))
}

pub fn chars(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let s = str_arg(heap, "chars", args[0])?;
    let mut buf = [0u8; 4];
    let chars: Result<Vec<_>, _> = s
        .chars()
        .map(|c| heap.alloc_str(c.encode_utf8(&mut buf)))
        .collect();
    heap.alloc_array(chars.map_err(alloc_error)?)
        .map_err(alloc_error)
}

/// Most compiled patterns a worker thread keeps.
const PATTERN_CACHE: usize = 64;

thread_local! {
    /// Compiled patterns, per worker thread: isolates never contend on it.
    static PATTERNS: std::cell::RefCell<Vec<(String, regex::Regex)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` on `pattern` compiled, from this thread's cache when it was
/// seen before. The matcher runs on the cached `Regex` itself: a clone would
/// start with empty scratch space, which costs more than the match.
fn with_compiled<R>(pattern: &str, f: impl FnOnce(&regex::Regex) -> R) -> Result<R, String> {
    PATTERNS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let index = match cache.iter().position(|(p, _)| p == pattern) {
            Some(index) => index,
            None => {
                let re = regex::Regex::new(pattern).map_err(|e| {
                    let text = e.to_string();
                    let reason = text
                        .lines()
                        .last()
                        .unwrap_or("")
                        .trim()
                        .trim_start_matches("error: ");
                    format!("matches: invalid pattern '{pattern}': {reason}")
                })?;
                if cache.len() == PATTERN_CACHE {
                    cache.remove(0);
                }
                cache.push((pattern.to_string(), re));
                cache.len() - 1
            }
        };
        Ok(f(&cache[index].1))
    })
}

pub fn matches(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let s = str_arg(heap, "matches", args[0])?;
    let pattern = str_arg(heap, "matches", args[1])?;
    let found: Result<Vec<_>, _> = with_compiled(pattern, |re| {
        re.find_iter(s)
            .map(|m| heap.alloc_str(m.as_str()))
            .collect()
    })?;
    heap.alloc_array(found.map_err(alloc_error)?)
        .map_err(alloc_error)
}
