//! Numeric conversions and functions: `int`, `float`, `sqrt`.
//!
//! Invariant: conversions never wrap or saturate: a value that has no exact
//! integer (NaN, infinities, out of the 63-bit range) is an error.

use heap::{Number, Value};

use super::{Ctx, alloc_error, type_error};

pub fn int(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let v = args[0];
    match heap.number_of(v) {
        Some(Number::Int(_)) => Ok(v),
        Some(Number::Float(f)) => {
            let t = f.trunc();
            if !t.is_finite() {
                return Err(format!("int: cannot convert {f:?} to an integer"));
            }
            let in_range = t >= heap::INT_MIN as f64 && t < -(heap::INT_MIN as f64);
            match Value::int(t as i64).filter(|_| in_range) {
                Some(n) => Ok(n),
                None => Err(format!("int: {f:?} is out of the integer range")),
            }
        }
        None => match heap.str_of(v) {
            Some(s) => {
                let text = s.trim();
                let n: i64 = text
                    .parse()
                    .map_err(|_| format!("int: invalid integer '{s}'"))?;
                Value::int(n).ok_or_else(|| format!("int: {n} is out of the integer range"))
            }
            None => Err(type_error(heap, "int", "a number or a string", v)),
        },
    }
}

pub fn float(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let v = args[0];
    let f = match heap.number_of(v) {
        Some(Number::Int(i)) => i as f64,
        Some(Number::Float(_)) => return Ok(v),
        None => match heap.str_of(v) {
            Some(s) => s
                .trim()
                .parse()
                .map_err(|_| format!("float: invalid number '{s}'"))?,
            None => return Err(type_error(heap, "float", "a number or a string", v)),
        },
    };
    heap.alloc_float(f).map_err(alloc_error)
}

pub fn sqrt(ctx: &mut Ctx, args: &[Value]) -> Result<Value, String> {
    let heap = ctx.heap();
    let f = match heap.number_of(args[0]) {
        Some(Number::Int(i)) => i as f64,
        Some(Number::Float(f)) => f,
        None => return Err(type_error(heap, "sqrt", "a number", args[0])),
    };
    heap.alloc_float(f.sqrt()).map_err(alloc_error)
}
