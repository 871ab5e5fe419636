//! Random arithmetic expressions, compiled and run by the VM, give the same
//! result as a reference evaluator written here in plain Rust: the same
//! value, or the same runtime error.
//!
//! Each expression runs twice: written with literals (so the compiler's
//! constant folding is exercised) and with every leaf read from an array at
//! run time (so the interpreter's arithmetic is).

use std::cmp::Ordering;
use std::io::Write;
use std::sync::{Arc, Mutex};

use isolate::SchedulerConfig;
use proptest::prelude::*;
use vm::interp::Interp;
use vm::program::{Output, Program};

const INT_MAX: i64 = (1 << 62) - 1;
const INT_MIN: i64 = -(1 << 62);

#[derive(Clone, Debug)]
enum Expr {
    Int(i64),
    Float(f64),
    Neg(Box<Expr>),
    Arith(char, Box<Expr>, Box<Expr>),
    Compare(&'static str, Box<Expr>, Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Val {
    Int(i64),
    Float(f64),
    Bool(bool),
}

fn type_name(v: Val) -> &'static str {
    match v {
        Val::Int(_) => "int",
        Val::Float(_) => "float",
        Val::Bool(_) => "bool",
    }
}

fn in_range(n: i64) -> Result<Val, String> {
    if (INT_MIN..=INT_MAX).contains(&n) {
        Ok(Val::Int(n))
    } else {
        Err("integer overflow".into())
    }
}

fn int_op(op: char, a: i64, b: i64) -> Result<Val, String> {
    let overflow = || "integer overflow".to_string();
    match op {
        '+' => in_range(a.checked_add(b).ok_or_else(overflow)?),
        '-' => in_range(a.checked_sub(b).ok_or_else(overflow)?),
        '*' => in_range(a.checked_mul(b).ok_or_else(overflow)?),
        '/' | '%' if b == 0 => Err("division by zero".into()),
        '/' => {
            let q = a / b;
            in_range(if a % b != 0 && ((a < 0) != (b < 0)) {
                q - 1
            } else {
                q
            })
        }
        _ => {
            let r = a % b;
            in_range(if r != 0 && ((r < 0) != (b < 0)) {
                r + b
            } else {
                r
            })
        }
    }
}

fn float_op(op: char, a: f64, b: f64) -> f64 {
    match op {
        '+' => a + b,
        '-' => a - b,
        '*' => a * b,
        '/' => a / b,
        _ => {
            let r = a % b;
            if r != 0.0 && ((r < 0.0) != (b < 0.0)) {
                r + b
            } else {
                r
            }
        }
    }
}

/// Exact comparison of two numbers, without rounding large integers.
fn compare(a: Val, b: Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(&y)),
        (Val::Float(x), Val::Float(y)) => x.partial_cmp(&y),
        (Val::Int(i), Val::Float(f)) => {
            if f.is_nan() {
                return None;
            }
            // Every integer here is below 2^62 in magnitude, so `f` rounded
            // to an integer compares exactly once it is known to be in range.
            if f >= 9.3e18 {
                return Some(Ordering::Less);
            }
            if f <= -9.3e18 {
                return Some(Ordering::Greater);
            }
            let whole = f.trunc();
            match i.cmp(&(whole as i64)) {
                Ordering::Equal => 0.0f64.partial_cmp(&(f - whole)),
                other => Some(other),
            }
        }
        (Val::Float(_), Val::Int(_)) => compare(b, a).map(Ordering::reverse),
        _ => None,
    }
}

fn eval(e: &Expr) -> Result<Val, String> {
    match e {
        Expr::Int(n) => Ok(Val::Int(*n)),
        Expr::Float(f) => Ok(Val::Float(*f)),
        Expr::Neg(x) => match eval(x)? {
            Val::Int(n) => in_range(n.checked_neg().ok_or("integer overflow")?),
            Val::Float(f) => Ok(Val::Float(-f)),
            v => Err(format!("cannot negate {}", type_name(v))),
        },
        Expr::Arith(op, x, y) => {
            let (a, b) = (eval(x)?, eval(y)?);
            match (a, b) {
                (Val::Int(p), Val::Int(q)) => int_op(*op, p, q),
                (Val::Bool(_), _) | (_, Val::Bool(_)) => {
                    let mut names = [type_name(a), type_name(b)];
                    names.sort_unstable();
                    Err(format!(
                        "cannot apply '{op}' to {} and {}",
                        names[0], names[1]
                    ))
                }
                _ => Ok(Val::Float(float_op(*op, as_f64(a), as_f64(b)))),
            }
        }
        Expr::Compare(op, x, y) => {
            let (a, b) = (eval(x)?, eval(y)?);
            let ord = compare(a, b);
            let numbers = !matches!(a, Val::Bool(_)) && !matches!(b, Val::Bool(_));
            Ok(Val::Bool(match *op {
                "==" => ord == Some(Ordering::Equal) || (!numbers && a == b),
                "!=" => !(ord == Some(Ordering::Equal) || (!numbers && a == b)),
                _ if !numbers => {
                    let mut names = [type_name(a), type_name(b)];
                    names.sort_unstable();
                    return Err(format!("cannot compare {} and {}", names[0], names[1]));
                }
                "<" => ord == Some(Ordering::Less),
                "<=" => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
                ">" => ord == Some(Ordering::Greater),
                _ => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
            }))
        }
    }
}

fn as_f64(v: Val) -> f64 {
    match v {
        Val::Int(n) => n as f64,
        Val::Float(f) => f,
        Val::Bool(_) => unreachable!("checked by the caller"),
    }
}

fn show(v: Val) -> String {
    match v {
        Val::Int(n) => n.to_string(),
        Val::Float(f) => format!("{f:?}"),
        Val::Bool(b) => b.to_string(),
    }
}

/// Source text of `e`; with `leaves`, every number is `v[i]` and its value
/// is pushed onto `leaves` instead.
fn render(e: &Expr, leaves: &mut Option<Vec<String>>) -> String {
    let leaf = |text: String, leaves: &mut Option<Vec<String>>| match leaves {
        Some(list) => {
            list.push(text);
            format!("v[{}]", list.len() - 1)
        }
        None => text,
    };
    match e {
        Expr::Int(n) if *n < 0 => leaf(format!("(-{})", n.unsigned_abs()), leaves),
        Expr::Int(n) => leaf(n.to_string(), leaves),
        Expr::Float(f) if *f < 0.0 => leaf(format!("(-{:?})", -f), leaves),
        Expr::Float(f) => leaf(format!("{f:?}"), leaves),
        Expr::Neg(x) => format!("(-{})", render(x, leaves)),
        Expr::Arith(op, x, y) => format!("({} {op} {})", render(x, leaves), render(y, leaves)),
        Expr::Compare(op, x, y) => format!("({} {op} {})", render(x, leaves), render(y, leaves)),
    }
}

fn program_for(e: &Expr, from_array: bool) -> String {
    let mut leaves = from_array.then(Vec::new);
    let text = render(e, &mut leaves);
    match leaves {
        Some(list) => format!(
            "fn main() {{\n  let v = [{}]\n  print({text})\n}}\n",
            list.join(", ")
        ),
        None => format!("fn main() {{\n  print({text})\n}}\n"),
    }
}

/// A `Write` whose bytes the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `source` in the VM: its output line, or its runtime error message.
fn run_vm(source: &str) -> Result<String, String> {
    let module = bytecode::compiler::compile(source, "expr.iv")
        .unwrap_or_else(|d| panic!("does not compile:\n{source}\n{d}"));
    let module = bytecode::verify(module).expect("compiled code verifies");
    let captured = Captured::default();
    let program = Program::new(module, Vec::new(), Output::new(Box::new(captured.clone())));
    let program = Arc::new(program.unwrap());
    let config = SchedulerConfig {
        threads: 1,
        ..SchedulerConfig::default()
    };
    let result = isolate::run(config, Interp::for_entry(program)).result;
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    match result {
        Ok(()) => Ok(text.trim_end().to_string()),
        Err(failure) => Err(failure.message),
    }
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        4 => (-20i64..20).prop_map(Expr::Int),
        1 => prop_oneof![
            Just(INT_MAX), Just(INT_MIN), Just(INT_MAX / 2 + 1), Just(-3037000499), Just(1 << 31)
        ].prop_map(Expr::Int),
        2 => prop_oneof![
            Just(0.5), Just(-2.25), Just(3.0), Just(0.0), Just(1e10), Just(-7.5), Just(1e300)
        ].prop_map(Expr::Float),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 32, 2, |inner| {
        prop_oneof![
            1 => inner.clone().prop_map(|x| Expr::Neg(Box::new(x))),
            6 => (prop_oneof![Just('+'), Just('-'), Just('*'), Just('/'), Just('%')], inner.clone(), inner.clone())
                .prop_map(|(op, x, y)| Expr::Arith(op, Box::new(x), Box::new(y))),
            2 => (prop_oneof![Just("=="), Just("!="), Just("<"), Just("<="), Just(">"), Just(">=")], inner.clone(), inner)
                .prop_map(|(op, x, y)| Expr::Compare(op, Box::new(x), Box::new(y))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn vm_arithmetic_matches_the_reference(e in expr()) {
        let want = eval(&e).map(show);
        for from_array in [false, true] {
            let source = program_for(&e, from_array);
            prop_assert_eq!(&run_vm(&source), &want, "program:\n{}", source);
        }
    }
}

#[test]
fn the_reference_itself_follows_the_documented_rules() {
    let e = |op, a, b| {
        eval(&Expr::Arith(
            op,
            Box::new(Expr::Int(a)),
            Box::new(Expr::Int(b)),
        ))
    };
    assert_eq!(e('/', -7, 2), Ok(Val::Int(-4)));
    assert_eq!(e('%', -7, 2), Ok(Val::Int(1)));
    assert_eq!(e('+', INT_MAX, 1), Err("integer overflow".into()));
    assert_eq!(e('%', 1, 0), Err("division by zero".into()));
    assert_eq!(
        run_vm("fn main() {\n  print(7 / 2, -7 % 3)\n}\n"),
        Ok("3 2".into())
    );
}
