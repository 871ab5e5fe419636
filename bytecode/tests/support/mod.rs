//! Test support for the compiler: a small reference interpreter of compiled
//! modules, written from the instruction table's meanings and the builtins'
//! docs, so the tests can check what compiled programs *do* (the examples'
//! expected outputs included) without the `vm` crate.
//!
//! Invariant: it follows the calling convention strictly — every register at
//! or above a call's first argument is poisoned when the call returns, and a
//! frame's registers start poisoned — so code that reads a clobbered or
//! unwritten register fails here even where a real VM would happen to work.
//! It is deliberately simple (reference-counted values, maps as vectors of
//! pairs) and is not the VM: it has no heap, no GC and no isolates.

#![allow(dead_code)]

use std::cell::RefCell;
use std::fmt::Write;
use std::rc::Rc;

use bytecode::module::{MAX_INT, MIN_INT};
use bytecode::{Builtin, Constant, Instr, Module};

#[derive(Clone, Debug)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Array(Rc<RefCell<Vec<Value>>>),
    Map(Rc<RefCell<Vec<(Value, Value)>>>),
    Func(u16),
    /// A register clobbered by a call or never written.
    Poison,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub output: String,
    /// The runtime error, as `line N: message`, when the program failed.
    pub error: Option<String>,
    /// Instructions executed.
    pub steps: u64,
    /// Heap objects a real VM would allocate (strings, arrays, maps).
    pub allocations: u64,
}

type R<T> = Result<T, String>;

fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Nil | Value::Bool(false))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "nil",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) => "string",
        Value::Array(_) => "array",
        Value::Map(_) => "map",
        Value::Func(_) => "function",
        Value::Poison => "POISON",
    }
}

fn int(v: i64) -> R<Value> {
    if (MIN_INT..=MAX_INT).contains(&v) {
        Ok(Value::Int(v))
    } else {
        Err("integer overflow".into())
    }
}

fn float_text(f: f64) -> String {
    format!("{f:?}")
}

fn show(v: &Value, top: bool, out: &mut String) {
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Bool(b) => write!(out, "{b}").unwrap(),
        Value::Int(i) => write!(out, "{i}").unwrap(),
        Value::Float(f) => out.push_str(&float_text(*f)),
        Value::Str(s) if top => out.push_str(s),
        Value::Str(s) => write!(out, "{:?}", &**s).unwrap(),
        Value::Array(a) => {
            out.push('[');
            for (i, e) in a.borrow().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                show(e, false, out);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, e)) in m.borrow().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                show(k, false, out);
                out.push_str(": ");
                show(e, false, out);
            }
            out.push('}');
        }
        Value::Func(f) => write!(out, "<function f{f}>").unwrap(),
        Value::Poison => out.push_str("POISON"),
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => num(a) == num(b),
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| equal(k, k2) && equal(v, v2)))
        }
        (Value::Func(x), Value::Func(y)) => x == y,
        _ => false,
    }
}

fn less(a: &Value, b: &Value, or_equal: bool) -> R<bool> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(if or_equal { x <= y } else { x < y }),
        (Value::Str(x), Value::Str(y)) => Ok(if or_equal { x <= y } else { x < y }),
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => Ok(if or_equal { x <= y } else { x < y }),
            _ => Err(format!(
                "cannot compare {} and {}",
                type_name(a),
                type_name(b)
            )),
        },
    }
}

fn floor_div(a: i64, b: i64) -> R<Value> {
    if b == 0 {
        return Err("division by zero".into());
    }
    let q = a / b;
    int(if a % b != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    })
}

fn floor_mod(a: i64, b: i64) -> R<Value> {
    if b == 0 {
        return Err("modulo by zero".into());
    }
    let r = a % b;
    int(if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    })
}

fn arith(op: char, a: &Value, b: &Value) -> R<Value> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        let (x, y) = (*x, *y);
        return match op {
            '+' => int(x.checked_add(y).ok_or("integer overflow")?),
            '-' => int(x.checked_sub(y).ok_or("integer overflow")?),
            '*' => int(x.checked_mul(y).ok_or("integer overflow")?),
            '/' => floor_div(x, y),
            _ => floor_mod(x, y),
        };
    }
    if op == '+'
        && let (Value::Str(x), Value::Str(y)) = (a, b)
    {
        return Ok(Value::Str(format!("{x}{y}").into()));
    }
    let (Some(x), Some(y)) = (num(a), num(b)) else {
        return Err(format!(
            "cannot apply '{op}' to {} and {}",
            type_name(a),
            type_name(b)
        ));
    };
    Ok(Value::Float(match op {
        '+' => x + y,
        '-' => x - y,
        '*' => x * y,
        '/' => x / y,
        _ => {
            let r = x % y;
            if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
                r + y
            } else {
                r
            }
        }
    }))
}

fn str_arg(v: &Value) -> R<Rc<str>> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        _ => Err(format!("expected a string, got {}", type_name(v))),
    }
}

fn int_arg(v: &Value) -> R<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        _ => Err(format!("expected an integer, got {}", type_name(v))),
    }
}

fn array(items: Vec<Value>) -> Value {
    Value::Array(Rc::new(RefCell::new(items)))
}

fn string(s: impl Into<Rc<str>>) -> Value {
    Value::Str(s.into())
}

struct Frame {
    func: usize,
    pc: usize,
    base: usize,
    /// Absolute register receiving the result, and the caller's first
    /// clobbered register; `None` for the entry frame.
    ret: Option<(usize, usize)>,
}

struct Machine<'m> {
    module: &'m Module,
    regs: Vec<Value>,
    out: Outcome,
    args: Vec<String>,
}

impl Machine<'_> {
    fn builtin(&mut self, b: Builtin, args: &[Value]) -> R<Value> {
        let a = |i: usize| args[i].clone();
        Ok(match b {
            Builtin::Print => {
                let mut line = String::new();
                for (i, v) in args.iter().enumerate() {
                    if i > 0 {
                        line.push(' ');
                    }
                    show(v, true, &mut line);
                }
                self.out.output.push_str(&line);
                self.out.output.push('\n');
                Value::Nil
            }
            Builtin::Len => match &args[0] {
                Value::Array(x) => Value::Int(x.borrow().len() as i64),
                Value::Map(x) => Value::Int(x.borrow().len() as i64),
                Value::Str(s) => Value::Int(s.chars().count() as i64),
                v => return Err(format!("len of {}", type_name(v))),
            },
            Builtin::Push => match &args[0] {
                Value::Array(x) => {
                    x.borrow_mut().push(a(1));
                    a(0)
                }
                v => return Err(format!("push to {}", type_name(v))),
            },
            Builtin::Pop => match &args[0] {
                Value::Array(x) => x.borrow_mut().pop().ok_or("pop from an empty array")?,
                v => return Err(format!("pop from {}", type_name(v))),
            },
            Builtin::Str => {
                let mut s = String::new();
                show(&args[0], true, &mut s);
                self.out.allocations += 1;
                string(s)
            }
            Builtin::Int => match &args[0] {
                Value::Int(i) => Value::Int(*i),
                Value::Float(f) => int(f.trunc() as i64)?,
                Value::Str(s) => int(s
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| format!("int of {s:?}"))?)?,
                v => return Err(format!("int of {}", type_name(v))),
            },
            Builtin::Float => match &args[0] {
                Value::Int(i) => Value::Float(*i as f64),
                Value::Float(f) => Value::Float(*f),
                Value::Str(s) => Value::Float(
                    s.trim()
                        .parse::<f64>()
                        .map_err(|_| format!("float of {s:?}"))?,
                ),
                v => return Err(format!("float of {}", type_name(v))),
            },
            Builtin::Range => {
                let (lo, hi) = if args.len() == 1 {
                    (0, int_arg(&args[0])?)
                } else {
                    (int_arg(&args[0])?, int_arg(&args[1])?)
                };
                self.out.allocations += 1;
                array((lo..hi).map(Value::Int).collect())
            }
            Builtin::Keys => match &args[0] {
                Value::Map(m) => {
                    self.out.allocations += 1;
                    array(m.borrow().iter().map(|(k, _)| k.clone()).collect())
                }
                v => return Err(format!("keys of {}", type_name(v))),
            },
            Builtin::Args => {
                self.out.allocations += 1 + self.args.len() as u64;
                array(self.args.iter().map(|s| string(s.as_str())).collect())
            }
            Builtin::NowNs => Value::Int(0),
            Builtin::Gc => Value::Nil,
            Builtin::GcStats => Value::Map(Rc::default()),
            Builtin::Split => {
                let (s, sep) = (str_arg(&args[0])?, str_arg(&args[1])?);
                if sep.is_empty() {
                    return Err("split with an empty separator".into());
                }
                let parts: Vec<Value> = s.split(&*sep).map(string).collect();
                self.out.allocations += 1 + parts.len() as u64;
                array(parts)
            }
            Builtin::Join => {
                let sep = str_arg(&args[1])?;
                let Value::Array(parts) = &args[0] else {
                    return Err("join of a non-array".into());
                };
                let parts: R<Vec<Rc<str>>> = parts.borrow().iter().map(str_arg).collect();
                let parts: Vec<String> = parts?.iter().map(|s| s.to_string()).collect();
                self.out.allocations += 1;
                string(parts.join(&*sep))
            }
            Builtin::Slice => {
                let (lo, hi) = (int_arg(&args[1])?, int_arg(&args[2])?);
                let check = |len: usize| -> R<(usize, usize)> {
                    if 0 <= lo && lo <= hi && hi as usize <= len {
                        Ok((lo as usize, hi as usize))
                    } else {
                        Err(format!("slice {lo}..{hi} out of range for length {len}"))
                    }
                };
                self.out.allocations += 1;
                match &args[0] {
                    Value::Str(s) => {
                        let chars: Vec<char> = s.chars().collect();
                        let (lo, hi) = check(chars.len())?;
                        string(chars[lo..hi].iter().collect::<String>())
                    }
                    Value::Array(x) => {
                        let x = x.borrow();
                        let (lo, hi) = check(x.len())?;
                        array(x[lo..hi].to_vec())
                    }
                    v => return Err(format!("slice of {}", type_name(v))),
                }
            }
            Builtin::Find => {
                let (s, sub) = (str_arg(&args[0])?, str_arg(&args[1])?);
                match s.find(&*sub) {
                    Some(byte) => Value::Int(s[..byte].chars().count() as i64),
                    None => Value::Int(-1),
                }
            }
            Builtin::Chars => {
                let s = str_arg(&args[0])?;
                let chars: Vec<Value> = s.chars().map(|c| string(c.to_string())).collect();
                self.out.allocations += 1 + chars.len() as u64;
                array(chars)
            }
            Builtin::Type => string(type_name(&args[0])),
            Builtin::Error => {
                let mut s = String::new();
                show(&args[0], true, &mut s);
                return Err(s);
            }
            Builtin::Has => match &args[0] {
                Value::Map(m) => Value::Bool(m.borrow().iter().any(|(k, _)| equal(k, &args[1]))),
                v => return Err(format!("has on {}", type_name(v))),
            },
            Builtin::Sqrt => Value::Float(num(&args[0]).ok_or("sqrt of a non-number")?.sqrt()),
            #[allow(unreachable_patterns)]
            _ => {
                return Err(format!(
                    "builtin {} not supported by the test interpreter",
                    b.name()
                ));
            }
        })
    }

    fn get_index(&mut self, obj: &Value, key: &Value) -> R<Value> {
        match obj {
            Value::Array(x) => {
                let x = x.borrow();
                let i = int_arg(key)?;
                usize::try_from(i)
                    .ok()
                    .and_then(|i| x.get(i).cloned())
                    .ok_or_else(|| format!("index {i} out of range"))
            }
            // A missing key reads as nil.
            Value::Map(m) => Ok(m
                .borrow()
                .iter()
                .find(|(k, _)| equal(k, key))
                .map_or(Value::Nil, |(_, v)| v.clone())),
            Value::Str(s) => {
                let i = int_arg(key)?;
                self.out.allocations += 1;
                usize::try_from(i)
                    .ok()
                    .and_then(|i| s.chars().nth(i))
                    .map(|c| string(c.to_string()))
                    .ok_or_else(|| format!("index {i} out of range"))
            }
            v => Err(format!("cannot index {}", type_name(v))),
        }
    }

    fn set_index(&mut self, obj: &Value, key: &Value, val: Value) -> R<()> {
        match obj {
            Value::Array(x) => {
                let mut x = x.borrow_mut();
                let i = int_arg(key)?;
                let slot = usize::try_from(i)
                    .ok()
                    .and_then(|i| x.get_mut(i))
                    .ok_or_else(|| format!("index {i} out of range"))?;
                *slot = val;
                Ok(())
            }
            Value::Map(m) => {
                if matches!(key, Value::Array(_) | Value::Map(_) | Value::Poison) {
                    return Err("mutable map key".into());
                }
                let mut m = m.borrow_mut();
                match m.iter_mut().find(|(k, _)| equal(k, key)) {
                    Some(slot) => slot.1 = val,
                    None => m.push((key.clone(), val)),
                }
                Ok(())
            }
            v => Err(format!("cannot set an element of {}", type_name(v))),
        }
    }

    fn reg(&self, base: usize, r: u8) -> R<Value> {
        match &self.regs[base + r as usize] {
            Value::Poison => Err(format!("read of clobbered or unwritten register r{r}")),
            v => Ok(v.clone()),
        }
    }

    fn enter(&mut self, func: usize, base: usize) {
        let f = &self.module.functions[func];
        let end = base + f.frame_size as usize;
        if self.regs.len() < end {
            self.regs.resize(end, Value::Poison);
        }
        for r in &mut self.regs[base + f.arity as usize..end] {
            *r = Value::Poison;
        }
    }

    fn run(&mut self, max_steps: u64) -> R<()> {
        let module = self.module;
        let entry = module.entry as usize;
        self.enter(entry, 0);
        let mut frames = vec![Frame {
            func: entry,
            pc: 0,
            base: 0,
            ret: None,
        }];
        loop {
            self.out.steps += 1;
            if self.out.steps > max_steps {
                return Err("step limit reached".into());
            }
            let frame = frames.last_mut().unwrap();
            let base = frame.base;
            let func = &module.functions[frame.func];
            let instr = func.code[frame.pc];
            let line = func.line_at(frame.pc).unwrap_or(0);
            frame.pc += 1;
            let next_pc = frame.pc as i64;
            let at = |e: String| format!("line {line}: {e}");
            macro_rules! r {
                ($r:expr) => {
                    self.reg(base, $r).map_err(at)?
                };
            }
            macro_rules! set {
                ($r:expr, $v:expr) => {{
                    let v = $v;
                    self.regs[base + $r as usize] = v;
                }};
            }
            let mut jump: Option<i32> = None;
            match instr {
                Instr::Move { dst, src } => set!(dst, r!(src)),
                Instr::LoadNil { dst } => set!(dst, Value::Nil),
                Instr::LoadTrue { dst } => set!(dst, Value::Bool(true)),
                Instr::LoadFalse { dst } => set!(dst, Value::Bool(false)),
                Instr::LoadInt { dst, value } => set!(dst, Value::Int(value as i64)),
                Instr::LoadConst { dst, k } => set!(
                    dst,
                    match &module.constants[k as usize] {
                        Constant::Int(i) => Value::Int(*i),
                        Constant::Float(f) => Value::Float(*f),
                        Constant::Str(s) => string(&**s),
                        Constant::Func(f) => Value::Func(*f),
                    }
                ),
                Instr::Add { dst, a, b } => {
                    let v = arith('+', &r!(a), &r!(b)).map_err(at)?;
                    if matches!(v, Value::Str(_)) {
                        self.out.allocations += 1;
                    }
                    set!(dst, v)
                }
                Instr::Sub { dst, a, b } => set!(dst, arith('-', &r!(a), &r!(b)).map_err(at)?),
                Instr::Mul { dst, a, b } => set!(dst, arith('*', &r!(a), &r!(b)).map_err(at)?),
                Instr::Div { dst, a, b } => set!(dst, arith('/', &r!(a), &r!(b)).map_err(at)?),
                Instr::Mod { dst, a, b } => set!(dst, arith('%', &r!(a), &r!(b)).map_err(at)?),
                Instr::AddImm { dst, a, imm } => {
                    set!(
                        dst,
                        arith('+', &r!(a), &Value::Int(imm as i64)).map_err(at)?
                    )
                }
                Instr::SubImm { dst, a, imm } => {
                    set!(
                        dst,
                        arith('-', &r!(a), &Value::Int(imm as i64)).map_err(at)?
                    )
                }
                Instr::Neg { dst, src } => set!(
                    dst,
                    match r!(src) {
                        Value::Int(i) => int(-i).map_err(at)?,
                        Value::Float(f) => Value::Float(-f),
                        v => return Err(at(format!("cannot negate {}", type_name(&v)))),
                    }
                ),
                Instr::Not { dst, src } => set!(dst, Value::Bool(!truthy(&r!(src)))),
                Instr::Eq { dst, a, b } => set!(dst, Value::Bool(equal(&r!(a), &r!(b)))),
                Instr::Ne { dst, a, b } => set!(dst, Value::Bool(!equal(&r!(a), &r!(b)))),
                Instr::Lt { dst, a, b } => {
                    set!(dst, Value::Bool(less(&r!(a), &r!(b), false).map_err(at)?))
                }
                Instr::Le { dst, a, b } => {
                    set!(dst, Value::Bool(less(&r!(a), &r!(b), true).map_err(at)?))
                }
                Instr::Jump { offset } => jump = Some(offset),
                Instr::JumpIf { cond, offset } => jump = truthy(&r!(cond)).then_some(offset),
                Instr::JumpIfNot { cond, offset } => jump = (!truthy(&r!(cond))).then_some(offset),
                Instr::JumpIfNotLt { a, b, offset } => {
                    jump = (!less(&r!(a), &r!(b), false).map_err(at)?).then_some(offset)
                }
                Instr::JumpIfNotLe { a, b, offset } => {
                    jump = (!less(&r!(a), &r!(b), true).map_err(at)?).then_some(offset)
                }
                Instr::JumpIfNotEq { a, b, offset } => {
                    jump = (!equal(&r!(a), &r!(b))).then_some(offset)
                }
                Instr::JumpIfEq { a, b, offset } => jump = equal(&r!(a), &r!(b)).then_some(offset),
                Instr::JumpIfNotLtImm { a, imm, offset } => {
                    jump = (!less(&r!(a), &Value::Int(imm as i64), false).map_err(at)?)
                        .then_some(offset)
                }
                Instr::JumpIfNotLeImm { a, imm, offset } => {
                    jump = (!less(&r!(a), &Value::Int(imm as i64), true).map_err(at)?)
                        .then_some(offset)
                }
                Instr::JumpIfNotGtImm { a, imm, offset } => {
                    jump = (!less(&Value::Int(imm as i64), &r!(a), false).map_err(at)?)
                        .then_some(offset)
                }
                Instr::JumpIfNotGeImm { a, imm, offset } => {
                    jump = (!less(&Value::Int(imm as i64), &r!(a), true).map_err(at)?)
                        .then_some(offset)
                }
                Instr::JumpIfNotEqImm { a, imm, offset } => {
                    jump = (!equal(&r!(a), &Value::Int(imm as i64))).then_some(offset)
                }
                Instr::JumpIfEqImm { a, imm, offset } => {
                    jump = equal(&r!(a), &Value::Int(imm as i64)).then_some(offset)
                }
                Instr::JumpIfLt { a, b, offset } => {
                    jump = less(&r!(a), &r!(b), false).map_err(at)?.then_some(offset)
                }
                Instr::JumpIfLe { a, b, offset } => {
                    jump = less(&r!(a), &r!(b), true).map_err(at)?.then_some(offset)
                }
                Instr::JumpIfLtImm { a, imm, offset } => {
                    jump = less(&r!(a), &Value::Int(imm as i64), false)
                        .map_err(at)?
                        .then_some(offset)
                }
                Instr::JumpIfLeImm { a, imm, offset } => {
                    jump = less(&r!(a), &Value::Int(imm as i64), true)
                        .map_err(at)?
                        .then_some(offset)
                }
                Instr::JumpIfGtImm { a, imm, offset } => {
                    jump = less(&Value::Int(imm as i64), &r!(a), false)
                        .map_err(at)?
                        .then_some(offset)
                }
                Instr::JumpIfGeImm { a, imm, offset } => {
                    jump = less(&Value::Int(imm as i64), &r!(a), true)
                        .map_err(at)?
                        .then_some(offset)
                }
                Instr::JumpIfNil { a, offset } => {
                    jump = matches!(r!(a), Value::Nil).then_some(offset)
                }
                Instr::JumpIfNotNil { a, offset } => {
                    jump = (!matches!(r!(a), Value::Nil)).then_some(offset)
                }
                Instr::ForIntPrep { base: b, offset } => {
                    let (i, n) = (
                        int_arg(&r!(b)).map_err(at)?,
                        int_arg(&r!(b + 1)).map_err(at)?,
                    );
                    if i < n {
                        set!(b + 2, Value::Int(i));
                    } else {
                        jump = Some(offset);
                    }
                }
                Instr::ForIntLoop { base: b, offset } => {
                    let (i, n) = (
                        int_arg(&r!(b)).map_err(at)? + 1,
                        int_arg(&r!(b + 1)).map_err(at)?,
                    );
                    set!(b, Value::Int(i));
                    if i < n {
                        set!(b + 2, Value::Int(i));
                        jump = Some(offset);
                    }
                }
                Instr::ForInNext { base: b, offset } => {
                    let i = int_arg(&r!(b + 1)).map_err(at)? as usize;
                    let item = match r!(b) {
                        Value::Array(x) => x.borrow().get(i).cloned(),
                        Value::Map(m) => m.borrow().get(i).map(|(k, _)| k.clone()),
                        v => return Err(at(format!("cannot iterate over {}", type_name(&v)))),
                    };
                    match item {
                        Some(v) => {
                            set!(b + 2, v);
                            set!(b + 1, Value::Int(i as i64 + 1));
                        }
                        None => jump = Some(offset),
                    }
                }
                Instr::Call { dst, callee, nargs } => {
                    let Value::Func(f) = r!(callee) else {
                        return Err(at("call of a non-function".into()));
                    };
                    let callee_fn = &module.functions[f as usize];
                    if callee_fn.arity != nargs {
                        return Err(at(format!(
                            "{} takes {} arguments, got {nargs}",
                            callee_fn.name, callee_fn.arity
                        )));
                    }
                    for i in 1..=nargs {
                        r!(callee + i);
                    }
                    let new_base = base + callee as usize + 1;
                    self.call(
                        &mut frames,
                        f as usize,
                        new_base,
                        base + callee as usize,
                        base + dst as usize,
                    )?;
                }
                Instr::CallDirect {
                    dst,
                    func: f,
                    args,
                    nargs,
                } => {
                    for i in 0..nargs {
                        r!(args + i);
                    }
                    let new_base = base + args as usize;
                    self.call(
                        &mut frames,
                        f as usize,
                        new_base,
                        new_base,
                        base + dst as usize,
                    )?;
                }
                Instr::CallBuiltin {
                    dst,
                    builtin,
                    args,
                    nargs,
                } => {
                    let mut values = Vec::with_capacity(nargs as usize);
                    for i in 0..nargs {
                        values.push(r!(args + i));
                    }
                    let b = Builtin::from_id(builtin).ok_or("unknown builtin")?;
                    let v = self.builtin(b, &values).map_err(at)?;
                    for r in &mut self.regs[base + args as usize..] {
                        *r = Value::Poison;
                    }
                    set!(dst, v);
                }
                Instr::Return { src } => {
                    let v = r!(src);
                    let done = frames.pop().unwrap();
                    let Some((dst, clobbered)) = done.ret else {
                        return Ok(());
                    };
                    for r in &mut self.regs[clobbered..] {
                        *r = Value::Poison;
                    }
                    self.regs[dst] = v;
                }
                Instr::NewArray { dst, first, count } => {
                    let mut items = Vec::with_capacity(count as usize);
                    for i in 0..count {
                        items.push(r!(first + i));
                    }
                    self.out.allocations += 1;
                    set!(dst, array(items));
                }
                Instr::NewMap { dst, first, count } => {
                    let m = Value::Map(Rc::default());
                    for i in 0..count {
                        let (k, v) = (r!(first + 2 * i), r!(first + 2 * i + 1));
                        self.set_index(&m, &k, v).map_err(at)?;
                    }
                    self.out.allocations += 1;
                    set!(dst, m);
                }
                Instr::GetIndex { dst, obj, key } => {
                    let v = self.get_index(&r!(obj), &r!(key)).map_err(at)?;
                    set!(dst, v)
                }
                Instr::SetIndex { obj, key, val } => {
                    let (o, k, v) = (r!(obj), r!(key), r!(val));
                    self.set_index(&o, &k, v).map_err(at)?;
                }
                Instr::GetIndexImm { dst, obj, index } => {
                    let v = self
                        .get_index(&r!(obj), &Value::Int(index as i64))
                        .map_err(at)?;
                    set!(dst, v)
                }
                Instr::SetIndexImm { obj, index, val } => {
                    let (o, v) = (r!(obj), r!(val));
                    self.set_index(&o, &Value::Int(index as i64), v)
                        .map_err(at)?;
                }
            }
            if let Some(offset) = jump {
                let frame = frames.last_mut().unwrap();
                frame.pc = (next_pc + offset as i64) as usize;
            }
        }
    }

    fn call(
        &mut self,
        frames: &mut Vec<Frame>,
        func: usize,
        new_base: usize,
        clobbered: usize,
        dst: usize,
    ) -> R<()> {
        if frames.len() > 10_000 {
            return Err("stack overflow".into());
        }
        self.enter(func, new_base);
        frames.push(Frame {
            func,
            pc: 0,
            base: new_base,
            ret: Some((dst, clobbered)),
        });
        Ok(())
    }
}

/// Runs `module` with command-line arguments `args`, for at most `max_steps`
/// instructions.
pub fn run(module: &Module, args: &[&str], max_steps: u64) -> Outcome {
    let mut m = Machine {
        module,
        regs: Vec::new(),
        out: Outcome::default(),
        args: args.iter().map(|s| s.to_string()).collect(),
    };
    if let Err(e) = m.run(max_steps) {
        m.out.error = Some(e);
    }
    m.out
}

/// Compiles `source` (panicking with the rendered errors if it does not
/// compile) and runs it without arguments.
pub fn run_source(source: &str) -> Outcome {
    let module = match bytecode::compiler::compile(source, "test.iv") {
        Ok(m) => m,
        Err(e) => panic!("does not compile:\n{e}"),
    };
    run(&module, &[], 50_000_000)
}

/// The output of running `source`, which must not fail at run time.
pub fn output_of(source: &str) -> String {
    let out = run_source(source);
    if let Some(e) = out.error {
        panic!("runtime error: {e}\noutput so far:\n{}", out.output);
    }
    out.output
}
