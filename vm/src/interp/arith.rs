//! Arithmetic and comparison beyond the integer fast paths of the loop.
//!
//! Invariant: integer results stay in the 63-bit range or the operation fails
//! with `integer overflow` (never a silent wrap); integer `/` and `%` floor
//! (Python's and Ruby's rule: `-7 / 2 == -4`, `-7 % 2 == 1`) and fail with
//! `division by zero`; a float operand makes the operation float (IEEE:
//! `1.0 / 0` is `inf`); `+` on two strings concatenates, unless the result
//! would be longer than a string may be (refused before it is built).
//! Errors name the operator and the operand types.

use std::cmp::Ordering;

use heap::{Heap, Number, Value};

/// A binary arithmetic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl ArithOp {
    fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
        }
    }
}

/// `x op y` for any operands; allocates for strings and boxed floats.
#[cold]
pub fn arith(heap: &Heap, op: ArithOp, x: Value, y: Value) -> Result<Value, String> {
    match (heap.number_of(x), heap.number_of(y)) {
        (Some(Number::Int(a)), Some(Number::Int(b))) => int_arith(op, a, b),
        (Some(a), Some(b)) => {
            let r = float_arith(op, to_f64(a), to_f64(b));
            heap.alloc_float(r).map_err(|e| e.to_string())
        }
        _ => match (op, heap.str_of(x), heap.str_of(y)) {
            (ArithOp::Add, Some(a), Some(b)) => {
                crate::builtins::string_room(heap, a.len().saturating_add(b.len()))?;
                heap.alloc_str_parts(&[a, b]).map_err(|e| e.to_string())
            }
            _ => {
                // Alphabetical: the compiler may commute `c + x` to `x + c`.
                let mut names = [heap.type_of(x).name(), heap.type_of(y).name()];
                names.sort_unstable();
                Err(format!(
                    "cannot apply '{}' to {} and {}",
                    op.symbol(),
                    names[0],
                    names[1]
                ))
            }
        },
    }
}

fn to_f64(n: Number) -> f64 {
    match n {
        Number::Int(i) => i as f64,
        Number::Float(f) => f,
    }
}

/// Integer arithmetic with the VM's rules.
pub fn int_arith(op: ArithOp, a: i64, b: i64) -> Result<Value, String> {
    let result = match op {
        ArithOp::Add => a.checked_add(b),
        ArithOp::Sub => a.checked_sub(b),
        ArithOp::Mul => a.checked_mul(b),
        ArithOp::Div => {
            if b == 0 {
                return Err("division by zero".into());
            }
            a.checked_div(b).map(|q| {
                if (a % b != 0) && ((a < 0) != (b < 0)) {
                    q - 1
                } else {
                    q
                }
            })
        }
        ArithOp::Mod => {
            if b == 0 {
                return Err("division by zero".into());
            }
            a.checked_rem(b).map(|r| {
                if r != 0 && ((r < 0) != (b < 0)) {
                    r + b
                } else {
                    r
                }
            })
        }
    };
    result
        .and_then(Value::int)
        .ok_or_else(|| "integer overflow".to_string())
}

/// Float arithmetic; `%` floors like the integer one.
pub fn float_arith(op: ArithOp, a: f64, b: f64) -> f64 {
    match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div => a / b,
        ArithOp::Mod => {
            let r = a % b;
            if r != 0.0 && ((r < 0.0) != (b < 0.0)) {
                r + b
            } else {
                r
            }
        }
    }
}

/// `-x`.
#[cold]
pub fn negate(heap: &Heap, x: Value) -> Result<Value, String> {
    match heap.number_of(x) {
        Some(Number::Int(i)) => int_arith(ArithOp::Sub, 0, i),
        Some(Number::Float(f)) => heap.alloc_float(-f).map_err(|e| e.to_string()),
        None => Err(format!("cannot negate {}", heap.type_of(x).name())),
    }
}

/// The ordering of `x` and `y` for `<` and `<=`. The error names the two
/// types in alphabetical order: the compiler writes `a > b` as `b < a`, so
/// the operand order the VM sees is not the source's.
#[cold]
pub fn compare(heap: &Heap, x: Value, y: Value) -> Result<Ordering, String> {
    heap.compare(x, y).ok_or_else(|| {
        let mut names = [heap.type_of(x).name(), heap.type_of(y).name()];
        names.sort_unstable();
        format!("cannot compare {} and {}", names[0], names[1])
    })
}

/// `x < y`, or `x <= y` when `or_equal`: false for a NaN, like IEEE.
#[cold]
pub fn less(heap: &Heap, x: Value, y: Value, or_equal: bool) -> Result<bool, String> {
    if let (Some(a), Some(b)) = (heap.number_of(x), heap.number_of(y)) {
        return Ok(match heap::compare_numbers(a, b) {
            Some(Ordering::Less) => true,
            Some(Ordering::Equal) => or_equal,
            Some(Ordering::Greater) | None => false,
        });
    }
    let ord = compare(heap, x, y)?;
    Ok(ord == Ordering::Less || (or_equal && ord == Ordering::Equal))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(op: ArithOp, a: i64, b: i64) -> Result<i64, String> {
        int_arith(op, a, b).map(|v| v.as_int().unwrap())
    }

    #[test]
    fn integer_division_and_modulo_floor() {
        assert_eq!(int(ArithOp::Div, 7, 2), Ok(3));
        assert_eq!(int(ArithOp::Div, -7, 2), Ok(-4));
        assert_eq!(int(ArithOp::Div, 7, -2), Ok(-4));
        assert_eq!(int(ArithOp::Mod, -7, 2), Ok(1));
        assert_eq!(int(ArithOp::Mod, 7, -2), Ok(-1));
        assert_eq!(int(ArithOp::Mod, -6, 3), Ok(0));
        assert_eq!(int(ArithOp::Div, 1, 0), Err("division by zero".into()));
        assert_eq!(int(ArithOp::Mod, 1, 0), Err("division by zero".into()));
    }

    #[test]
    fn overflow_of_the_63_bit_range_is_an_error() {
        let max = heap::INT_MAX;
        assert_eq!(int(ArithOp::Add, max, 1), Err("integer overflow".into()));
        assert_eq!(int(ArithOp::Mul, max, 2), Err("integer overflow".into()));
        assert_eq!(
            int(ArithOp::Div, heap::INT_MIN, -1),
            Err("integer overflow".into())
        );
        assert_eq!(
            int(ArithOp::Sub, heap::INT_MIN, 1),
            Err("integer overflow".into())
        );
        assert_eq!(int(ArithOp::Add, max - 1, 1), Ok(max));
    }

    #[test]
    fn float_modulo_floors() {
        assert_eq!(float_arith(ArithOp::Mod, -1.0, 3.0), 2.0);
        assert_eq!(float_arith(ArithOp::Mod, 5.5, 2.0), 1.5);
        assert!(float_arith(ArithOp::Div, 1.0, 0.0).is_infinite());
    }

    #[test]
    fn mixed_and_string_operands() {
        let heap = Heap::new();
        let two = Value::int(2).unwrap();
        let half = heap.alloc_float(0.5).unwrap();
        let r = arith(&heap, ArithOp::Add, two, half).unwrap();
        assert_eq!(heap.float_of(r), Some(2.5));
        let a = heap.alloc_str("ab").unwrap();
        let b = heap.alloc_str("cd").unwrap();
        let ab = arith(&heap, ArithOp::Add, a, b).unwrap();
        assert_eq!(heap.str_of(ab), Some("abcd"));
        assert_eq!(
            arith(&heap, ArithOp::Add, a, two),
            Err("cannot apply '+' to int and string".into())
        );
        assert_eq!(
            compare(&heap, a, two),
            Err("cannot compare int and string".into())
        );
        assert_eq!(less(&heap, two, half, false), Ok(false));
    }
}
