//! Constant folding of operators applied to literals, done as the parser
//! builds each node (children are already folded, so folding is bottom-up).
//!
//! Invariant: a fold happens only when its result is exactly what the VM
//! would compute at run time. Anything the VM would reject or might compute
//! differently is left alone for the run time: integer overflow past the
//! 63-bit range, division or modulo by zero, float modulo, mixed int/float
//! arithmetic and non-finite float results.

use bumpalo::Bump;

use super::ast::{BinOp, ExprKind, UnOp};
use crate::module::{MAX_INT, MIN_INT};

fn int_in_range(v: i64) -> Option<ExprKind<'static>> {
    (MIN_INT..=MAX_INT).contains(&v).then_some(ExprKind::Int(v))
}

/// Floor division, as the VM does it for integers; `None` for a zero divisor.
pub fn floor_div(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    let q = a.checked_div(b)?;
    if a % b != 0 && ((a < 0) != (b < 0)) {
        Some(q - 1)
    } else {
        Some(q)
    }
}

/// Floored modulo (the result has the sign of `b`); `None` for a zero divisor.
pub fn floor_mod(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    let r = a.checked_rem(b)?;
    if r != 0 && ((r < 0) != (b < 0)) {
        Some(r + b)
    } else {
        Some(r)
    }
}

fn finite(v: f64) -> Option<ExprKind<'static>> {
    v.is_finite().then_some(ExprKind::Float(v))
}

/// `lhs op rhs` when both are literals and the result is certain.
pub fn binary<'a>(
    bump: &'a Bump,
    op: BinOp,
    lhs: &ExprKind<'a>,
    rhs: &ExprKind<'a>,
) -> Option<ExprKind<'a>> {
    match (*lhs, *rhs) {
        (ExprKind::Int(a), ExprKind::Int(b)) => match op {
            BinOp::Add => int_in_range(a.checked_add(b)?),
            BinOp::Sub => int_in_range(a.checked_sub(b)?),
            BinOp::Mul => int_in_range(a.checked_mul(b)?),
            BinOp::Div => int_in_range(floor_div(a, b)?),
            BinOp::Mod => int_in_range(floor_mod(a, b)?),
            _ => None,
        },
        (ExprKind::Float(a), ExprKind::Float(b)) => match op {
            BinOp::Add => finite(a + b),
            BinOp::Sub => finite(a - b),
            BinOp::Mul => finite(a * b),
            BinOp::Div if b != 0.0 => finite(a / b),
            _ => None,
        },
        (ExprKind::Str(a), ExprKind::Str(b)) if op == BinOp::Add => {
            let mut joined = String::with_capacity(a.len() + b.len());
            joined.push_str(a);
            joined.push_str(b);
            Some(ExprKind::Str(bump.alloc_str(&joined)))
        }
        _ => None,
    }
}

/// `op operand` when the operand is a literal and the result is certain.
pub fn unary<'a>(op: UnOp, operand: &ExprKind<'a>) -> Option<ExprKind<'a>> {
    match op {
        UnOp::Not => operand.literal_truthiness().map(|t| ExprKind::Bool(!t)),
        UnOp::Neg => match *operand {
            ExprKind::Int(v) => int_in_range(v.checked_neg()?),
            ExprKind::Float(v) => Some(ExprKind::Float(-v)),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_division_floors_like_python() {
        assert_eq!(floor_div(7, 2), Some(3));
        assert_eq!(floor_div(-7, 2), Some(-4));
        assert_eq!(floor_div(7, -2), Some(-4));
        assert_eq!(floor_div(-7, -2), Some(3));
        assert_eq!(floor_mod(-7, 2), Some(1));
        assert_eq!(floor_mod(7, -2), Some(-1));
        assert_eq!(floor_mod(-6, 3), Some(0));
        assert_eq!(floor_div(1, 0), None);
        assert_eq!(floor_mod(1, 0), None);
    }

    #[test]
    fn overflow_and_zero_division_are_left_for_run_time() {
        let bump = Bump::new();
        let max = ExprKind::Int(MAX_INT);
        assert!(binary(&bump, BinOp::Add, &max, &ExprKind::Int(1)).is_none());
        assert!(
            binary(
                &bump,
                BinOp::Div,
                &ExprKind::Int(MIN_INT),
                &ExprKind::Int(-1)
            )
            .is_none()
        );
        assert!(binary(&bump, BinOp::Mod, &ExprKind::Int(3), &ExprKind::Int(0)).is_none());
        assert!(unary(UnOp::Neg, &ExprKind::Int(MIN_INT)).is_none());
        assert!(binary(&bump, BinOp::Add, &ExprKind::Int(1), &ExprKind::Float(1.0)).is_none());
        assert!(matches!(
            binary(&bump, BinOp::Sub, &ExprKind::Int(3), &ExprKind::Int(5)),
            Some(ExprKind::Int(-2))
        ));
        assert!(matches!(
            binary(&bump, BinOp::Add, &ExprKind::Str("ab"), &ExprKind::Str("c")),
            Some(ExprKind::Str("abc"))
        ));
        assert!(matches!(
            unary(UnOp::Not, &ExprKind::Int(0)),
            Some(ExprKind::Bool(false))
        ));
    }
}
