//! The measurement behind the register machine: the same fib(25), written for
//! a minimal register machine and a minimal stack machine that share the
//! VM's value tagging, checked integer arithmetic and frame handling, so the
//! difference is the instruction set alone. The register version executes
//! about half the instructions (each does more) and no pushes or pops.
//! Results and ratio: `papers/report.md`, "Dispatch design".

use criterion::{Criterion, criterion_group, criterion_main};
use heap::Value;
use std::hint::black_box;

const N: i64 = 25;
const FIB_25: i64 = 75025;

#[derive(Clone, Copy)]
enum Reg {
    /// if not (r[a] < imm): pc += off
    JumpIfNotLtImm {
        a: u8,
        imm: i16,
        off: i16,
    },
    /// r[dst] = r[a] - imm
    SubImm {
        dst: u8,
        a: u8,
        imm: i8,
    },
    /// r[dst] = fib(r[args]); callee frame starts at `args`
    Call {
        dst: u8,
        args: u8,
    },
    /// r[dst] = r[a] + r[b]
    Add {
        dst: u8,
        a: u8,
        b: u8,
    },
    Return {
        src: u8,
    },
}

const REG_FIB: [Reg; 8] = [
    Reg::JumpIfNotLtImm {
        a: 0,
        imm: 2,
        off: 1,
    },
    Reg::Return { src: 0 },
    Reg::SubImm {
        dst: 1,
        a: 0,
        imm: 1,
    },
    Reg::Call { dst: 1, args: 1 },
    Reg::SubImm {
        dst: 2,
        a: 0,
        imm: 2,
    },
    Reg::Call { dst: 2, args: 2 },
    Reg::Add { dst: 1, a: 1, b: 2 },
    Reg::Return { src: 1 },
];

struct RegFrame {
    pc: usize,
    base: usize,
    ret: usize,
}

fn run_register(n: i64) -> (i64, u64) {
    let mut stack = vec![Value::NIL; 1 << 16];
    stack[0] = Value::int(n).unwrap();
    let mut frames = vec![RegFrame {
        pc: 0,
        base: 0,
        ret: 0,
    }];
    let mut executed = 0u64;
    let (mut pc, mut base) = (0usize, 0usize);
    loop {
        executed += 1;
        match REG_FIB[pc] {
            Reg::JumpIfNotLtImm { a, imm, off } => {
                let x = stack[base + a as usize];
                let lt = x.as_int().expect("int") < imm as i64;
                pc = if lt {
                    pc + 1
                } else {
                    (pc as i64 + 1 + off as i64) as usize
                };
            }
            Reg::SubImm { dst, a, imm } => {
                let x = stack[base + a as usize];
                stack[base + dst as usize] =
                    Value::int_sub(x, Value::int(imm as i64).unwrap()).expect("no overflow");
                pc += 1;
            }
            Reg::Call { dst, args } => {
                frames.last_mut().unwrap().pc = pc + 1;
                let new_base = base + args as usize;
                frames.push(RegFrame {
                    pc: 0,
                    base: new_base,
                    ret: base + dst as usize,
                });
                stack[new_base + 1..new_base + 3].fill(Value::NIL);
                (pc, base) = (0, new_base);
            }
            Reg::Add { dst, a, b } => {
                let (x, y) = (stack[base + a as usize], stack[base + b as usize]);
                stack[base + dst as usize] = Value::int_add(x, y).expect("no overflow");
                pc += 1;
            }
            Reg::Return { src } => {
                let v = stack[base + src as usize];
                let done = frames.pop().unwrap();
                match frames.last() {
                    None => return (v.as_int().unwrap(), executed),
                    Some(caller) => {
                        stack[done.ret] = v;
                        (pc, base) = (caller.pc, caller.base);
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Stk {
    /// push local `n`
    Load(u8),
    /// push an integer
    Push(i16),
    /// pop b, pop a, push a < b
    Lt,
    /// pop; if false: pc += off
    JumpIfFalse(i16),
    /// pop b, pop a, push a - b
    Sub,
    /// pop b, pop a, push a + b
    Add,
    /// call fib with the top of the stack as its argument
    Call,
    /// pop the result, drop the frame, push the result for the caller
    Return,
}

const STK_FIB: [Stk; 16] = [
    Stk::Load(0),
    Stk::Push(2),
    Stk::Lt,
    Stk::JumpIfFalse(2),
    Stk::Load(0),
    Stk::Return,
    Stk::Load(0),
    Stk::Push(1),
    Stk::Sub,
    Stk::Call,
    Stk::Load(0),
    Stk::Push(2),
    Stk::Sub,
    Stk::Call,
    Stk::Add,
    Stk::Return,
];

struct StkFrame {
    pc: usize,
    /// Index of local 0 (the argument) in the value stack.
    locals: usize,
}

fn run_stack(n: i64) -> (i64, u64) {
    let mut values: Vec<Value> = Vec::with_capacity(1 << 16);
    values.push(Value::int(n).unwrap());
    let mut frames = vec![StkFrame { pc: 0, locals: 0 }];
    let mut executed = 0u64;
    let (mut pc, mut locals) = (0usize, 0usize);
    loop {
        executed += 1;
        match STK_FIB[pc] {
            Stk::Load(i) => {
                values.push(values[locals + i as usize]);
                pc += 1;
            }
            Stk::Push(i) => {
                values.push(Value::int(i as i64).unwrap());
                pc += 1;
            }
            Stk::Lt => {
                let (b, a) = (values.pop().unwrap(), values.pop().unwrap());
                values.push(Value::from_bool(a.as_int().unwrap() < b.as_int().unwrap()));
                pc += 1;
            }
            Stk::JumpIfFalse(off) => {
                let c = values.pop().unwrap();
                pc = if c.is_truthy() {
                    pc + 1
                } else {
                    (pc as i64 + 1 + off as i64) as usize
                };
            }
            Stk::Sub => {
                let (b, a) = (values.pop().unwrap(), values.pop().unwrap());
                values.push(Value::int_sub(a, b).expect("no overflow"));
                pc += 1;
            }
            Stk::Add => {
                let (b, a) = (values.pop().unwrap(), values.pop().unwrap());
                values.push(Value::int_add(a, b).expect("no overflow"));
                pc += 1;
            }
            Stk::Call => {
                frames.last_mut().unwrap().pc = pc + 1;
                let new_locals = values.len() - 1;
                frames.push(StkFrame {
                    pc: 0,
                    locals: new_locals,
                });
                (pc, locals) = (0, new_locals);
            }
            Stk::Return => {
                let v = values.pop().unwrap();
                let done = frames.pop().unwrap();
                values.truncate(done.locals);
                match frames.last() {
                    None => return (v.as_int().unwrap(), executed),
                    Some(caller) => {
                        values.push(v);
                        (pc, locals) = (caller.pc, caller.locals);
                    }
                }
            }
        }
    }
}

fn dispatch(c: &mut Criterion) {
    let (reg, reg_count) = run_register(N);
    let (stack, stack_count) = run_stack(N);
    assert_eq!((reg, stack), (FIB_25, FIB_25));
    eprintln!("fib({N}): register machine {reg_count} instructions, stack machine {stack_count}");
    let mut group = c.benchmark_group("dispatch design fib(25)");
    group.bench_function("register machine", |b| {
        b.iter(|| run_register(black_box(N)))
    });
    group.bench_function("stack machine", |b| b.iter(|| run_stack(black_box(N))));
    group.finish();
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
