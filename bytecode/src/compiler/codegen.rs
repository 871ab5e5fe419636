//! Code generation: a checked syntax tree to a [`Module`] of register code.
//!
//! Expressions compile with a destination ([`Dst`]): either "the next free
//! register" or a given register (a local being assigned, or a register an
//! enclosing construct chose). Operands that are already in a register (a
//! local) are read in place; anything else is computed into a temporary
//! allocated above the live locals and freed as soon as the consuming
//! instruction is emitted. Conditions of `if` and `while` compile to
//! compare-and-jump instructions without materialising booleans.
//!
//! Invariants: `expr(e, Dst::Next)` leaves its value in exactly the register
//! that was free on entry and allocates nothing else; `expr(e, Dst::Reg(d))`
//! leaves the free register where it was. A call's arguments are always the
//! topmost live registers (the calling convention clobbers everything from
//! the first argument up). Name resolution is locals (innermost first), then
//! top-level functions, then builtins. Recursion follows the tree's nesting
//! (bounded by the parser), never the length of a left-leaning operator
//! chain: arithmetic chains, and chains of `and`/`or` as values and as
//! conditions, are compiled in loops, to the same code recursion would give.

use std::collections::HashMap;

use super::ast::{BinOp, Block, Expr, ExprKind, FnDecl, Program, Stmt, StmtKind, UnOp};
use super::diagnostics::{Pos, Sink};
use super::pool::ConstPool;
use super::scope::{Scope, reg};
use crate::builtin::Builtin;
use crate::instr::{Instr, Operand};
use crate::module::{Constant, Function, LineEntry, MAX_FRAME_SIZE, Module};

/// Most elements an array literal, or registers a map literal's pairs, may
/// take before the rest are added one by one; kept below the frame size so
/// the elements' own temporaries still fit.
const LITERAL_HEADROOM: u32 = 16;

/// Where an expression's value must go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dst {
    /// The register that is free on entry, which the expression allocates.
    Next,
    /// A register the caller owns.
    Reg(u8),
}

#[derive(Clone, Copy, Debug)]
struct FnInfo {
    index: u16,
    arity: usize,
    line: u32,
}

#[derive(Clone, Copy, Debug)]
enum Resolved {
    Local(u8),
    Function(FnInfo),
    Builtin(Builtin),
    Undefined,
}

#[derive(Debug, Default)]
struct LoopCtx {
    breaks: Vec<usize>,
    /// Pending `continue` jumps, when the target is not known yet.
    continues: Vec<usize>,
    /// Where `continue` goes, when it is already emitted.
    continue_target: Option<usize>,
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn given(n: usize) -> String {
    if n == 1 {
        "1 was given".to_string()
    } else {
        format!("{n} were given")
    }
}

fn builtin_arity(b: Builtin) -> String {
    let (lo, hi) = (*b.arity().start() as usize, *b.arity().end() as usize);
    if lo == hi {
        plural(lo, "argument")
    } else if hi == u8::MAX as usize {
        format!("at least {}", plural(lo, "argument"))
    } else if hi == lo + 1 {
        format!("{lo} or {hi} arguments")
    } else {
        format!("{lo} to {hi} arguments")
    }
}

fn small_int(e: &Expr<'_>) -> Option<i64> {
    match e.kind {
        ExprKind::Int(v) => Some(v),
        _ => None,
    }
}

fn imm8(e: &Expr<'_>) -> Option<i8> {
    small_int(e).and_then(|v| i8::try_from(v).ok())
}

/// A constant index small enough for `getindexi`/`setindexi`.
fn const_index(e: &Expr<'_>) -> Option<u8> {
    small_int(e).and_then(|v| u8::try_from(v).ok())
}

fn imm16(e: &Expr<'_>) -> Option<i16> {
    small_int(e).and_then(|v| i16::try_from(v).ok())
}

/// True when control cannot fall off the end of `block`.
fn terminates(block: Block<'_>) -> bool {
    matches!(
        block.last().map(|s| s.kind),
        Some(StmtKind::Return(_) | StmtKind::Break | StmtKind::Continue)
    )
}

/// The compare-and-jump that jumps when `a op b` is false.
fn jump_unless(op: BinOp, a: u8, b: u8) -> Instr {
    match op {
        BinOp::Lt => Instr::JumpIfNotLt { a, b, offset: 0 },
        BinOp::Le => Instr::JumpIfNotLe { a, b, offset: 0 },
        BinOp::Gt => Instr::JumpIfNotLt {
            a: b,
            b: a,
            offset: 0,
        },
        BinOp::Ge => Instr::JumpIfNotLe {
            a: b,
            b: a,
            offset: 0,
        },
        BinOp::Ne => Instr::JumpIfEq { a, b, offset: 0 },
        _ => Instr::JumpIfNotEq { a, b, offset: 0 },
    }
}

/// The compare-and-jump that jumps when `a op b` is true.
fn jump_if(op: BinOp, a: u8, b: u8) -> Instr {
    match op {
        BinOp::Lt => Instr::JumpIfLt { a, b, offset: 0 },
        BinOp::Le => Instr::JumpIfLe { a, b, offset: 0 },
        BinOp::Gt => Instr::JumpIfLt {
            a: b,
            b: a,
            offset: 0,
        },
        BinOp::Ge => Instr::JumpIfLe {
            a: b,
            b: a,
            offset: 0,
        },
        BinOp::Ne => Instr::JumpIfNotEq { a, b, offset: 0 },
        _ => Instr::JumpIfEq { a, b, offset: 0 },
    }
}

/// The compare-with-immediate-and-jump that jumps when `a op imm` is true.
fn jump_if_imm(op: BinOp, a: u8, imm: i16) -> Instr {
    match op {
        BinOp::Lt => Instr::JumpIfLtImm { a, imm, offset: 0 },
        BinOp::Le => Instr::JumpIfLeImm { a, imm, offset: 0 },
        BinOp::Gt => Instr::JumpIfGtImm { a, imm, offset: 0 },
        BinOp::Ge => Instr::JumpIfGeImm { a, imm, offset: 0 },
        BinOp::Ne => Instr::JumpIfNotEqImm { a, imm, offset: 0 },
        _ => Instr::JumpIfEqImm { a, imm, offset: 0 },
    }
}

/// The compare-with-immediate-and-jump that jumps when `a op imm` is false.
fn jump_unless_imm(op: BinOp, a: u8, imm: i16) -> Instr {
    match op {
        BinOp::Lt => Instr::JumpIfNotLtImm { a, imm, offset: 0 },
        BinOp::Le => Instr::JumpIfNotLeImm { a, imm, offset: 0 },
        BinOp::Gt => Instr::JumpIfNotGtImm { a, imm, offset: 0 },
        BinOp::Ge => Instr::JumpIfNotGeImm { a, imm, offset: 0 },
        BinOp::Ne => Instr::JumpIfEqImm { a, imm, offset: 0 },
        _ => Instr::JumpIfNotEqImm { a, imm, offset: 0 },
    }
}

/// `instr` with its jump offset replaced.
fn with_offset(instr: Instr, offset: i32) -> Instr {
    let operands: Vec<Operand> = instr
        .operands()
        .into_iter()
        .map(|op| match op {
            Operand::Jump(_) => Operand::Jump(offset),
            other => other,
        })
        .collect();
    Instr::from_operands(instr.opcode(), &operands).unwrap_or(instr)
}

/// State shared by the functions of one module.
struct ModuleGen<'a, 's> {
    functions: HashMap<&'a str, FnInfo>,
    pool: ConstPool,
    pool_full_reported: bool,
    sink: &'s mut Sink,
}

/// State of the function being compiled.
struct FnGen<'a, 'm, 's> {
    m: &'m mut ModuleGen<'a, 's>,
    name: &'a str,
    scope: Scope<'a>,
    code: Vec<Instr>,
    lines: Vec<LineEntry>,
    loops: Vec<LoopCtx>,
    overflow_reported: bool,
}

impl<'a> FnGen<'a, '_, '_> {
    // ---- emission -----------------------------------------------------

    fn emit(&mut self, instr: Instr, pos: Pos) -> usize {
        let pc = self.code.len();
        if self.lines.last().map(|e| e.line) != Some(pos.line) {
            self.lines.push(LineEntry {
                pc: u32::try_from(pc).unwrap_or(u32::MAX),
                line: pos.line,
            });
        }
        self.code.push(instr);
        pc
    }

    fn offset(from: usize, to: usize) -> i32 {
        let delta = to as i64 - (from as i64 + 1);
        i32::try_from(delta).unwrap_or(if delta < 0 { i32::MIN } else { i32::MAX })
    }

    /// Points the jump at `at` to instruction `target`.
    fn patch(&mut self, at: usize, target: usize) {
        self.code[at] = with_offset(self.code[at], Self::offset(at, target));
    }

    /// Points every jump of `jumps` at the next instruction to be emitted.
    fn patch_here(&mut self, jumps: Vec<usize>) {
        let target = self.code.len();
        for j in jumps {
            self.patch(j, target);
        }
    }

    fn jump_back(&mut self, target: usize, pos: Pos) {
        let offset = Self::offset(self.code.len(), target);
        self.emit(Instr::Jump { offset }, pos);
    }

    fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.m.sink.error(pos, message);
    }

    fn constant(&mut self, c: Constant, pos: Pos) -> u16 {
        match self.m.pool.add(c) {
            Some(k) => k,
            None => {
                if !self.m.pool_full_reported {
                    self.m.pool_full_reported = true;
                    self.error(pos, "too many constants (a module holds at most 65536)");
                }
                0
            }
        }
    }

    fn dst(&mut self, dst: Dst) -> u8 {
        match dst {
            Dst::Next => self.scope.alloc(),
            Dst::Reg(d) => d,
        }
    }

    // ---- names --------------------------------------------------------

    fn resolve(&self, name: &str) -> Resolved {
        if let Some(r) = self.scope.lookup(name) {
            Resolved::Local(r)
        } else if let Some(&info) = self.m.functions.get(name) {
            Resolved::Function(info)
        } else if let Some(b) = Builtin::from_name(name) {
            Resolved::Builtin(b)
        } else {
            Resolved::Undefined
        }
    }

    // ---- expressions --------------------------------------------------

    /// A register holding `e`'s value: a local's own register, or a new
    /// temporary (which the caller frees).
    fn any(&mut self, e: &Expr<'a>) -> u8 {
        if let ExprKind::Name(name) = e.kind
            && let Some(r) = self.scope.lookup(name)
        {
            return r;
        }
        self.expr(e, Dst::Next)
    }

    fn expr(&mut self, e: &Expr<'a>, dst: Dst) -> u8 {
        match e.kind {
            ExprKind::Int(v) => {
                let d = self.dst(dst);
                self.load_int(d, v, e.pos);
                d
            }
            ExprKind::Float(v) => {
                let k = self.constant(Constant::Float(v), e.pos);
                let d = self.dst(dst);
                self.emit(Instr::LoadConst { dst: d, k }, e.pos);
                d
            }
            ExprKind::Str(s) => {
                let k = self.constant(Constant::Str(s.into()), e.pos);
                let d = self.dst(dst);
                self.emit(Instr::LoadConst { dst: d, k }, e.pos);
                d
            }
            ExprKind::Nil => {
                let d = self.dst(dst);
                self.emit(Instr::LoadNil { dst: d }, e.pos);
                d
            }
            ExprKind::Bool(b) => {
                let d = self.dst(dst);
                let instr = if b {
                    Instr::LoadTrue { dst: d }
                } else {
                    Instr::LoadFalse { dst: d }
                };
                self.emit(instr, e.pos);
                d
            }
            ExprKind::Name(name) => self.name(name, e.pos, dst),
            ExprKind::Array(items) => self.array(items, e.pos, dst),
            ExprKind::Map(pairs) => self.map(pairs, e.pos, dst),
            ExprKind::Index { obj, index } => {
                let mark = self.scope.free();
                let o = self.any(obj);
                let imm = const_index(index);
                let key = if imm.is_none() { self.any(index) } else { 0 };
                self.scope.free_to(mark);
                let d = self.dst(dst);
                let instr = match imm {
                    Some(index) => Instr::GetIndexImm {
                        dst: d,
                        obj: o,
                        index,
                    },
                    None => Instr::GetIndex {
                        dst: d,
                        obj: o,
                        key,
                    },
                };
                self.emit(instr, e.pos);
                d
            }
            ExprKind::Call { callee, args } => self.call(callee, args, e.pos, dst),
            ExprKind::Unary { op, operand } => {
                let mark = self.scope.free();
                let src = self.any(operand);
                self.scope.free_to(mark);
                let d = self.dst(dst);
                let instr = match op {
                    UnOp::Neg => Instr::Neg { dst: d, src },
                    UnOp::Not => Instr::Not { dst: d, src },
                };
                self.emit(instr, e.pos);
                d
            }
            ExprKind::Binary { op, lhs, rhs } if op.is_comparison() => {
                self.comparison(op, lhs, rhs, e.pos, dst)
            }
            ExprKind::Binary { op, lhs, rhs } => self.arith(op, lhs, rhs, e.pos, dst),
            ExprKind::And(..) | ExprKind::Or(..) => self.logical(e, dst),
        }
    }

    fn load_int(&mut self, d: u8, v: i64, pos: Pos) {
        match i16::try_from(v) {
            Ok(value) => self.emit(Instr::LoadInt { dst: d, value }, pos),
            Err(_) => {
                let k = self.constant(Constant::Int(v), pos);
                self.emit(Instr::LoadConst { dst: d, k }, pos)
            }
        };
    }

    fn name(&mut self, name: &'a str, pos: Pos, dst: Dst) -> u8 {
        match self.resolve(name) {
            Resolved::Local(r) => {
                let d = self.dst(dst);
                if d != r {
                    self.emit(Instr::Move { dst: d, src: r }, pos);
                }
                d
            }
            Resolved::Function(info) => {
                let k = self.constant(Constant::Func(info.index), pos);
                let d = self.dst(dst);
                self.emit(Instr::LoadConst { dst: d, k }, pos);
                d
            }
            Resolved::Builtin(_) => {
                self.error(
                    pos,
                    format!("builtin '{name}' can only be called, it is not a value"),
                );
                self.dst(dst)
            }
            Resolved::Undefined => {
                self.error(pos, format!("undefined variable '{name}'"));
                self.dst(dst)
            }
        }
    }

    /// An arithmetic operation. A left operand that is itself arithmetic
    /// (`a + b - c * d ...` is `((a + b) - (c * d)) ...`) is not compiled by
    /// recursion: the chain is walked down to its first operand, then
    /// compiled upwards in a loop, each link leaving its value in the same
    /// temporary, exactly as the recursion would.
    fn arith(&mut self, op: BinOp, lhs: &Expr<'a>, rhs: &Expr<'a>, pos: Pos, dst: Dst) -> u8 {
        // The links below this one, outermost first.
        let mut links = Vec::new();
        let mut below = lhs;
        while let ExprKind::Binary { op, lhs, rhs } = below.kind
            && !op.is_comparison()
        {
            links.push((op, lhs, rhs, below.pos));
            below = lhs;
        }
        let Some((op0, lhs0, rhs0, pos0)) = links.pop() else {
            return self.arith_op(op, lhs, rhs, pos, dst, None);
        };
        // `Dst::Next` leaves the value in the register free on entry, which
        // is where the next link's left operand is wanted.
        let mut acc = self.arith_op(op0, lhs0, rhs0, pos0, Dst::Next, None);
        while let Some((op, lhs, rhs, pos)) = links.pop() {
            acc = self.arith_op(op, lhs, rhs, pos, Dst::Next, Some(acc));
        }
        self.arith_op(op, lhs, rhs, pos, dst, Some(acc))
    }

    /// One arithmetic operation. `computed` is the temporary that already
    /// holds `lhs`'s value, allocated as the register that was free before
    /// it (a link of a chain), or `None` to evaluate `lhs` here.
    fn arith_op(
        &mut self,
        op: BinOp,
        lhs: &Expr<'a>,
        rhs: &Expr<'a>,
        pos: Pos,
        dst: Dst,
        computed: Option<u8>,
    ) -> u8 {
        let mark = computed.map_or(self.scope.free(), u32::from);
        // `x + c` and `c + x` with a small constant use AddImm, `x - c`
        // SubImm (so a runtime error still names the source's operator).
        let imm_form = match op {
            BinOp::Add => match (imm8(rhs), imm8(lhs)) {
                (Some(c), _) => Some((lhs, c)),
                (None, Some(c)) => Some((rhs, c)),
                _ => None,
            },
            BinOp::Sub => imm8(rhs).map(|c| (lhs, c)),
            _ => None,
        };
        if let Some((operand, imm)) = imm_form {
            // A computed left operand is an operation, never a literal, so
            // the immediate form's operand is then that left operand.
            let a = match computed {
                Some(r) => r,
                None => self.any(operand),
            };
            self.scope.free_to(mark);
            let d = self.dst(dst);
            let instr = if op == BinOp::Sub {
                Instr::SubImm { dst: d, a, imm }
            } else {
                Instr::AddImm { dst: d, a, imm }
            };
            self.emit(instr, pos);
            return d;
        }
        let a = match computed {
            Some(r) => r,
            None => self.any(lhs),
        };
        let b = self.any(rhs);
        self.scope.free_to(mark);
        let d = self.dst(dst);
        let instr = match op {
            BinOp::Add => Instr::Add { dst: d, a, b },
            BinOp::Sub => Instr::Sub { dst: d, a, b },
            BinOp::Mul => Instr::Mul { dst: d, a, b },
            BinOp::Div => Instr::Div { dst: d, a, b },
            _ => Instr::Mod { dst: d, a, b },
        };
        self.emit(instr, pos);
        d
    }

    /// A comparison as a value (`true` or `false`).
    fn comparison(&mut self, op: BinOp, lhs: &Expr<'a>, rhs: &Expr<'a>, pos: Pos, dst: Dst) -> u8 {
        let mark = self.scope.free();
        let a = self.any(lhs);
        let b = self.any(rhs);
        self.scope.free_to(mark);
        let d = self.dst(dst);
        let instr = match op {
            BinOp::Eq => Instr::Eq { dst: d, a, b },
            BinOp::Ne => Instr::Ne { dst: d, a, b },
            BinOp::Lt => Instr::Lt { dst: d, a, b },
            BinOp::Le => Instr::Le { dst: d, a, b },
            BinOp::Gt => Instr::Lt { dst: d, a: b, b: a },
            _ => Instr::Le { dst: d, a: b, b: a },
        };
        self.emit(instr, pos);
        d
    }

    /// `lhs and rhs` / `lhs or rhs` (`e`) as a value: the deciding operand.
    /// A chain (`a and b or c ...`) is walked down to its first operand and
    /// compiled upwards in a loop, every link deciding into one register.
    fn logical(&mut self, e: &Expr<'a>, dst: Dst) -> u8 {
        // (is it `and`, right operand, position), outermost first.
        let mut links = Vec::new();
        let mut first = e;
        loop {
            let (is_and, lhs, rhs) = match first.kind {
                ExprKind::And(lhs, rhs) => (true, lhs, rhs),
                ExprKind::Or(lhs, rhs) => (false, lhs, rhs),
                _ => break,
            };
            links.push((is_and, rhs, first.pos));
            first = lhs;
        }
        let d = self.expr(first, dst);
        while let Some((is_and, rhs, pos)) = links.pop() {
            let skip = if is_and {
                Instr::JumpIfNot { cond: d, offset: 0 }
            } else {
                Instr::JumpIf { cond: d, offset: 0 }
            };
            let skip = self.emit(skip, pos);
            self.expr(rhs, Dst::Reg(d));
            self.patch_here(vec![skip]);
        }
        d
    }

    /// How many of `n` literal items (each taking `regs_each` registers) go
    /// into the first `NewArray`/`NewMap`, at most `max`.
    fn literal_chunk(&self, n: usize, regs_each: u32, max: usize) -> usize {
        let room = u32::from(MAX_FRAME_SIZE)
            .saturating_sub(LITERAL_HEADROOM)
            .saturating_sub(self.scope.free());
        n.min(max).min(((room / regs_each) as usize).max(1))
    }

    fn array(&mut self, items: &[&Expr<'a>], pos: Pos, dst: Dst) -> u8 {
        let chunk = self.literal_chunk(items.len(), 1, u8::MAX as usize);
        if let Dst::Reg(d) = dst
            && chunk < items.len()
        {
            // The rest is added after the array is in its register: build it
            // in a temporary so a local being assigned is not read too late.
            let mark = self.scope.free();
            let t = self.array(items, pos, Dst::Next);
            self.emit(Instr::Move { dst: d, src: t }, pos);
            self.scope.free_to(mark);
            return d;
        }
        let start = self.scope.free();
        for item in &items[..chunk] {
            self.expr(item, Dst::Next);
        }
        self.scope.free_to(start);
        let d = self.dst(dst);
        let first = if chunk == 0 { d } else { reg(start) };
        self.emit(
            Instr::NewArray {
                dst: d,
                first,
                count: chunk as u8,
            },
            pos,
        );
        for item in &items[chunk..] {
            let mark = self.scope.free();
            let base = self.scope.alloc();
            self.emit(Instr::Move { dst: base, src: d }, item.pos);
            self.expr(item, Dst::Next);
            let push = Instr::CallBuiltin {
                dst: base,
                builtin: Builtin::Push as u8,
                args: base,
                nargs: 2,
            };
            self.emit(push, item.pos);
            self.scope.free_to(mark);
        }
        d
    }

    fn map(&mut self, pairs: &[(&Expr<'a>, &Expr<'a>)], pos: Pos, dst: Dst) -> u8 {
        let chunk = self.literal_chunk(pairs.len(), 2, (u8::MAX / 2) as usize);
        if let Dst::Reg(d) = dst
            && chunk < pairs.len()
        {
            let mark = self.scope.free();
            let t = self.map(pairs, pos, Dst::Next);
            self.emit(Instr::Move { dst: d, src: t }, pos);
            self.scope.free_to(mark);
            return d;
        }
        let start = self.scope.free();
        for (k, v) in &pairs[..chunk] {
            self.expr(k, Dst::Next);
            self.expr(v, Dst::Next);
        }
        self.scope.free_to(start);
        let d = self.dst(dst);
        let first = if chunk == 0 { d } else { reg(start) };
        self.emit(
            Instr::NewMap {
                dst: d,
                first,
                count: chunk as u8,
            },
            pos,
        );
        for (k, v) in &pairs[chunk..] {
            let mark = self.scope.free();
            let key = self.any(k);
            let val = self.any(v);
            self.emit(Instr::SetIndex { obj: d, key, val }, k.pos);
            self.scope.free_to(mark);
        }
        d
    }

    fn check_call(&mut self, callee: &Expr<'a>, nargs: usize, pos: Pos) -> Resolved {
        let too_many = nargs > u8::MAX as usize;
        if too_many {
            self.error(
                pos,
                format!("a call can pass at most {} arguments", u8::MAX),
            );
        }
        let ExprKind::Name(name) = callee.kind else {
            return Resolved::Undefined;
        };
        let resolved = self.resolve(name);
        if too_many {
            return resolved;
        }
        match resolved {
            Resolved::Function(info) if info.arity != nargs => {
                let takes = plural(info.arity, "argument");
                let msg = format!("function '{name}' takes {takes} but {}", given(nargs));
                self.error(pos, msg);
            }
            Resolved::Builtin(b) if !u8::try_from(nargs).is_ok_and(|n| b.arity().contains(&n)) => {
                let msg = format!(
                    "builtin '{name}' takes {} but {}",
                    builtin_arity(b),
                    given(nargs)
                );
                self.error(pos, msg);
            }
            Resolved::Undefined => self.error(pos, format!("undefined function '{name}'")),
            _ => {}
        }
        resolved
    }

    fn call(&mut self, callee: &Expr<'a>, args: &[&Expr<'a>], pos: Pos, dst: Dst) -> u8 {
        let resolved = self.check_call(callee, args.len(), pos);
        let mark = self.scope.free();
        // A temporary destination on top of the stack can double as the base.
        let base = match dst {
            Dst::Reg(d) if u32::from(d) + 1 == mark && u32::from(d) >= self.scope.locals_top() => {
                self.scope.free_to(u32::from(d));
                u32::from(d)
            }
            _ => mark,
        };
        // A callee named by a function or builtin is not evaluated; any
        // other callee is a value computed into the base register.
        let dynamic = !matches!(
            (callee.kind, resolved),
            (
                ExprKind::Name(_),
                Resolved::Function(_) | Resolved::Builtin(_) | Resolved::Undefined
            )
        );
        if dynamic {
            self.expr(callee, Dst::Next);
        }
        for arg in args {
            self.expr(arg, Dst::Next);
        }
        self.scope.touch(base);
        self.scope.free_to(mark);
        let d = self.dst(dst);
        let nargs = u8::try_from(args.len()).unwrap_or(u8::MAX);
        let instr = match resolved {
            _ if dynamic => Instr::Call {
                dst: d,
                callee: reg(base),
                nargs,
            },
            Resolved::Function(info) => Instr::CallDirect {
                dst: d,
                func: info.index,
                args: reg(base),
                nargs,
            },
            Resolved::Builtin(b) => Instr::CallBuiltin {
                dst: d,
                builtin: b as u8,
                args: reg(base),
                nargs,
            },
            // Already reported; emit nothing.
            _ => return d,
        };
        self.emit(instr, pos);
        d
    }

    // ---- conditions ---------------------------------------------------

    /// Emits code that jumps when `e`'s truthiness equals `when` and falls
    /// through otherwise; returns the jumps to patch.
    fn cond(&mut self, e: &Expr<'a>, when: bool) -> Vec<usize> {
        if let Some(truthy) = e.kind.literal_truthiness() {
            return if truthy == when {
                vec![self.emit(Instr::Jump { offset: 0 }, e.pos)]
            } else {
                Vec::new()
            };
        }
        match e.kind {
            ExprKind::Unary {
                op: UnOp::Not,
                operand,
            } => self.cond(operand, !when),
            ExprKind::And(..) | ExprKind::Or(..) => self.cond_chain(e, when),
            ExprKind::Binary { op, lhs, rhs } if op.is_comparison() => {
                self.compare_jump(op, lhs, rhs, e.pos, when)
            }
            _ => {
                let mark = self.scope.free();
                let cond = self.any(e);
                self.scope.free_to(mark);
                let instr = if when {
                    Instr::JumpIf { cond, offset: 0 }
                } else {
                    Instr::JumpIfNot { cond, offset: 0 }
                };
                vec![self.emit(instr, e.pos)]
            }
        }
    }

    /// [`Self::cond`] of `and`/`or`. `lhs and rhs` jumps when `when` is
    /// false as soon as `lhs` is falsy, and else as `rhs` decides; when
    /// `when` is true, a falsy `lhs` skips to after `rhs`'s test. `or` is the
    /// mirror image. So `lhs`'s test always jumps on falsy under `and` and on
    /// truthy under `or`, whatever `when` is: a chain is walked down to its
    /// first operand, then compiled upwards in a loop, and each link either
    /// joins the jumps gathered so far to its own (same polarity) or points
    /// them past its right operand.
    fn cond_chain(&mut self, e: &Expr<'a>, when: bool) -> Vec<usize> {
        // (right operand, the link's polarity, its left operand's), outermost first.
        let mut links = Vec::new();
        let mut first = e;
        let mut first_when = when;
        loop {
            let (lhs, rhs, lhs_when) = match first.kind {
                ExprKind::And(lhs, rhs) => (lhs, rhs, false),
                ExprKind::Or(lhs, rhs) => (lhs, rhs, true),
                _ => break,
            };
            links.push((rhs, first_when, lhs_when));
            first = lhs;
            first_when = lhs_when;
        }
        let mut jumps = self.cond(first, first_when);
        while let Some((rhs, when, lhs_when)) = links.pop() {
            let own = self.cond(rhs, when);
            if lhs_when == when {
                jumps.extend(own);
            } else {
                self.patch_here(jumps);
                jumps = own;
            }
        }
        jumps
    }

    /// Emits the jump taken when `lhs op rhs` is `when`; returns it for
    /// patching. One instruction in every case: register and immediate
    /// compare-and-jumps of both polarities, and nil tests for `== nil`.
    fn compare_jump(
        &mut self,
        op: BinOp,
        lhs: &Expr<'a>,
        rhs: &Expr<'a>,
        pos: Pos,
        when: bool,
    ) -> Vec<usize> {
        let mark = self.scope.free();
        if matches!(op, BinOp::Eq | BinOp::Ne) {
            let other = match (lhs.kind, rhs.kind) {
                (_, ExprKind::Nil) => Some(lhs),
                (ExprKind::Nil, _) => Some(rhs),
                _ => None,
            };
            if let Some(operand) = other {
                let a = self.any(operand);
                self.scope.free_to(mark);
                let instr = if (op == BinOp::Eq) == when {
                    Instr::JumpIfNil { a, offset: 0 }
                } else {
                    Instr::JumpIfNotNil { a, offset: 0 }
                };
                return vec![self.emit(instr, pos)];
            }
        }
        // With a small integer on either side, compare against an immediate
        // (`c < x` becomes `x > c`).
        let imm = match (imm16(rhs), imm16(lhs)) {
            (Some(c), _) => Some((op, lhs, c)),
            (None, Some(c)) => Some((op.swapped(), rhs, c)),
            _ => None,
        };
        let instr = match imm {
            Some((op, operand, c)) => {
                let a = self.any(operand);
                self.scope.free_to(mark);
                if when {
                    jump_if_imm(op, a, c)
                } else {
                    jump_unless_imm(op, a, c)
                }
            }
            None => {
                let a = self.any(lhs);
                let b = self.any(rhs);
                self.scope.free_to(mark);
                if when {
                    jump_if(op, a, b)
                } else {
                    jump_unless(op, a, b)
                }
            }
        };
        vec![self.emit(instr, pos)]
    }

    // ---- statements ---------------------------------------------------

    fn block(&mut self, stmts: Block<'a>) {
        self.scope.enter_block();
        self.stmts(stmts);
        self.scope.leave_block();
    }

    fn stmts(&mut self, stmts: Block<'a>) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt<'a>) {
        debug_assert_eq!(
            self.scope.free(),
            self.scope.locals_top(),
            "temporaries leaked"
        );
        let mark = self.scope.free();
        match s.kind {
            StmtKind::Let {
                name,
                name_pos,
                value,
            } => {
                let duplicate = self.scope.declared_in_block(name);
                if duplicate {
                    self.error(
                        name_pos,
                        format!("variable '{name}' is already declared in this block"),
                    );
                }
                self.expr(value, Dst::Next);
                if duplicate {
                    self.scope.free_to(mark);
                } else {
                    self.scope.declare_top(Some(name));
                }
            }
            StmtKind::Assign {
                name,
                name_pos,
                value,
            } => self.assign(name, name_pos, value),
            StmtKind::SetIndex { obj, index, value } => {
                let o = self.any(obj);
                let instr = match const_index(index) {
                    Some(index) => {
                        let val = self.any(value);
                        Instr::SetIndexImm { obj: o, index, val }
                    }
                    None => {
                        let key = self.any(index);
                        let val = self.any(value);
                        Instr::SetIndex { obj: o, key, val }
                    }
                };
                self.emit(instr, s.pos);
                self.scope.free_to(mark);
            }
            StmtKind::If {
                branches,
                otherwise,
            } => self.if_stmt(branches, otherwise, s.pos),
            StmtKind::While { cond, body } => self.while_stmt(cond, body, s.pos),
            StmtKind::For { var, iter, body } => self.for_stmt(var, iter, body, s.pos),
            StmtKind::Break if self.loops.is_empty() => self.error(s.pos, "'break' outside a loop"),
            StmtKind::Break => {
                let j = self.emit(Instr::Jump { offset: 0 }, s.pos);
                if let Some(ctx) = self.loops.last_mut() {
                    ctx.breaks.push(j);
                }
            }
            StmtKind::Continue => match self.loops.last().map(|ctx| ctx.continue_target) {
                Some(Some(target)) => self.jump_back(target, s.pos),
                Some(None) => {
                    let j = self.emit(Instr::Jump { offset: 0 }, s.pos);
                    if let Some(ctx) = self.loops.last_mut() {
                        ctx.continues.push(j);
                    }
                }
                None => self.error(s.pos, "'continue' outside a loop"),
            },
            StmtKind::Return(value) => {
                let src = match value {
                    Some(e) => self.any(e),
                    None => {
                        // Returning ends every local's life: reuse R[0].
                        self.emit(Instr::LoadNil { dst: 0 }, s.pos);
                        0
                    }
                };
                self.emit(Instr::Return { src }, s.pos);
                self.scope.free_to(mark);
            }
            StmtKind::Expr(e) => {
                self.expr(e, Dst::Next);
                self.scope.free_to(mark);
            }
        }
        if self.scope.overflowed() && !self.overflow_reported {
            self.overflow_reported = true;
            let msg = format!(
                "function '{}' needs more than {MAX_FRAME_SIZE} registers",
                self.name
            );
            self.error(s.pos, msg);
        }
    }

    fn assign(&mut self, name: &'a str, pos: Pos, value: &Expr<'a>) {
        let mark = self.scope.free();
        match self.resolve(name) {
            Resolved::Local(r) => {
                // `and`/`or` write their destination before evaluating the
                // right operand; go through a temporary when that operand
                // may read the variable.
                let early_write = matches!(value.kind, ExprKind::And(..) | ExprKind::Or(..));
                if early_write && value.mentions(name) {
                    let t = self.expr(value, Dst::Next);
                    self.emit(Instr::Move { dst: r, src: t }, pos);
                } else {
                    self.expr(value, Dst::Reg(r));
                }
            }
            other => {
                let msg = match other {
                    Resolved::Function(_) => format!("cannot assign to function '{name}'"),
                    Resolved::Builtin(_) => format!("cannot assign to builtin '{name}'"),
                    _ => format!("undefined variable '{name}'"),
                };
                self.error(pos, msg);
                self.expr(value, Dst::Next);
            }
        }
        self.scope.free_to(mark);
    }

    fn if_stmt(
        &mut self,
        branches: &[(&Expr<'a>, Block<'a>)],
        otherwise: Option<Block<'a>>,
        pos: Pos,
    ) {
        // `if c { break }` and `if c { continue }` jump straight to the
        // loop's exit or step when c holds.
        if let (
            [
                (
                    cond,
                    [
                        Stmt {
                            kind: kind @ (StmtKind::Break | StmtKind::Continue),
                            ..
                        },
                    ],
                ),
            ],
            None,
        ) = (branches, otherwise)
            && !self.loops.is_empty()
        {
            let jumps = self.cond(cond, true);
            let target = self.loops.last().and_then(|ctx| ctx.continue_target);
            match (kind, target, self.loops.last_mut()) {
                (StmtKind::Continue, Some(target), _) => {
                    for j in jumps {
                        self.patch(j, target);
                    }
                }
                (StmtKind::Continue, None, Some(ctx)) => ctx.continues.extend(jumps),
                (_, _, Some(ctx)) => ctx.breaks.extend(jumps),
                _ => {}
            }
            return;
        }
        let mut exits = Vec::new();
        for (i, (cond, body)) in branches.iter().enumerate() {
            let skip = self.cond(cond, false);
            self.block(body);
            let last = i + 1 == branches.len() && otherwise.is_none();
            if !last && !terminates(body) {
                exits.push(self.emit(Instr::Jump { offset: 0 }, pos));
            }
            self.patch_here(skip);
        }
        if let Some(body) = otherwise {
            self.block(body);
        }
        self.patch_here(exits);
    }

    /// `while` tests at the bottom: one conditional jump per iteration.
    ///
    /// ```text
    ///       jmp test
    /// top:  body            ; continue -> test, break -> exit
    /// test: jump to top when cond holds
    /// exit:
    /// ```
    /// `while true` needs no entry jump: its test is the jump back.
    fn while_stmt(&mut self, cond: &Expr<'a>, body: Block<'a>, pos: Pos) {
        let forever = cond.kind.literal_truthiness() == Some(true);
        let entry = (!forever).then(|| self.emit(Instr::Jump { offset: 0 }, pos));
        let top = self.code.len();
        self.loops.push(LoopCtx::default());
        self.block(body);
        let ctx = self.loops.pop().unwrap_or_default();
        self.patch_here(entry.into_iter().collect());
        self.patch_here(ctx.continues);
        for j in self.cond(cond, true) {
            self.patch(j, top);
        }
        self.patch_here(ctx.breaks);
    }

    /// The arguments of `range(..)` when `iter` is a call of the builtin.
    fn range_args(&self, iter: &Expr<'a>) -> Option<&'a [&'a Expr<'a>]> {
        let ExprKind::Call { callee, args } = iter.kind else {
            return None;
        };
        let ExprKind::Name(name) = callee.kind else {
            return None;
        };
        let is_range = matches!(self.resolve(name), Resolved::Builtin(Builtin::Range));
        (is_range && (1..=2).contains(&args.len())).then_some(args)
    }

    fn for_stmt(&mut self, var: &'a str, iter: &Expr<'a>, body: Block<'a>, pos: Pos) {
        self.scope.enter_block();
        let base = self.scope.free();
        match self.range_args(iter) {
            Some(args) => {
                // R[base] = counter, R[base+1] = limit, R[base+2] = the variable.
                if let [limit] = args {
                    let r = self.scope.alloc();
                    self.emit(Instr::LoadInt { dst: r, value: 0 }, iter.pos);
                    self.expr(limit, Dst::Next);
                } else {
                    for a in args {
                        self.expr(a, Dst::Next);
                    }
                }
                self.scope.declare_top(None);
                self.scope.declare_top(None);
                let prep = self.emit(
                    Instr::ForIntPrep {
                        base: reg(base),
                        offset: 0,
                    },
                    pos,
                );
                self.scope.alloc();
                self.scope.declare_top(Some(var));
                let body_start = self.code.len();
                self.loops.push(LoopCtx::default());
                self.stmts(body);
                let ctx = self.loops.pop().unwrap_or_default();
                self.patch_here(ctx.continues);
                let step = self.code.len();
                let offset = Self::offset(step, body_start);
                self.emit(
                    Instr::ForIntLoop {
                        base: reg(base),
                        offset,
                    },
                    pos,
                );
                self.patch_here(vec![prep]);
                self.patch_here(ctx.breaks);
            }
            None => {
                // R[base] = the collection, R[base+1] = the index, R[base+2] = the variable.
                self.expr(iter, Dst::Next);
                let r = self.scope.alloc();
                self.emit(Instr::LoadInt { dst: r, value: 0 }, pos);
                self.scope.declare_top(None);
                self.scope.declare_top(None);
                self.scope.alloc();
                self.scope.declare_top(Some(var));
                let top = self.code.len();
                let next = self.emit(
                    Instr::ForInNext {
                        base: reg(base),
                        offset: 0,
                    },
                    pos,
                );
                self.loops.push(LoopCtx {
                    continue_target: Some(top),
                    ..LoopCtx::default()
                });
                self.stmts(body);
                self.jump_back(top, pos);
                let ctx = self.loops.pop().unwrap_or_default();
                self.patch_here(vec![next]);
                self.patch_here(ctx.breaks);
            }
        }
        self.scope.leave_block();
    }

    fn function(mut self, f: &FnDecl<'a>) -> Function {
        for p in f.params {
            let duplicate = self.scope.declared_in_block(p.name);
            if duplicate {
                self.error(p.pos, format!("duplicate parameter '{}'", p.name));
            }
            self.scope.alloc();
            self.scope
                .declare_top(if duplicate { None } else { Some(p.name) });
        }
        self.stmts(f.body);
        if !matches!(f.body.last().map(|s| s.kind), Some(StmtKind::Return(_))) {
            // Nothing is live any more: R[0] (every frame has one) holds the nil.
            self.emit(Instr::LoadNil { dst: 0 }, f.end);
            self.emit(Instr::Return { src: 0 }, f.end);
        }
        if self.scope.overflowed() && !self.overflow_reported {
            let msg = format!(
                "function '{}' needs more than {MAX_FRAME_SIZE} registers",
                self.name
            );
            self.error(f.pos, msg);
        }
        let arity = u8::try_from(f.params.len()).unwrap_or(u8::MAX);
        Function {
            name: f.name.to_string(),
            arity,
            frame_size: self.scope.frame_size().max(u16::from(arity)),
            code: self.code,
            lines: self.lines,
        }
    }
}

/// Compiles a parsed program. Errors go to `sink`; the module is only
/// meaningful when none was reported.
pub(crate) fn generate(program: &Program<'_>, source_name: &str, sink: &mut Sink) -> Module {
    let mut m = ModuleGen {
        functions: HashMap::new(),
        pool: ConstPool::default(),
        pool_full_reported: false,
        sink,
    };
    for (i, f) in program.functions.iter().enumerate() {
        let Ok(index) = u16::try_from(i) else {
            m.sink
                .error(f.pos, "too many functions (a module holds at most 65536)");
            break;
        };
        if f.params.len() > u8::MAX as usize {
            m.sink.error(
                f.pos,
                format!("function '{}' has more than {} parameters", f.name, u8::MAX),
            );
        }
        if Builtin::from_name(f.name).is_some() {
            m.sink.error(
                f.pos,
                format!(
                    "function '{}' has the name of a builtin; choose another name",
                    f.name
                ),
            );
        } else if let Some(prev) = m.functions.get(f.name) {
            let msg = format!(
                "function '{}' is already defined at line {}",
                f.name, prev.line
            );
            m.sink.error(f.pos, msg);
        } else {
            m.functions.insert(
                f.name,
                FnInfo {
                    index,
                    arity: f.params.len(),
                    line: f.pos.line,
                },
            );
        }
    }
    let entry = match m.functions.get("main") {
        None => {
            m.sink
                .file_error("no 'main' function: the program starts at 'fn main() { ... }'");
            0
        }
        Some(info) if info.arity != 0 => {
            let decl = &program.functions[info.index as usize];
            m.sink.error(
                decl.pos,
                "'main' must take no parameters; use args() to read the command-line arguments",
            );
            info.index
        }
        Some(info) => info.index,
    };
    let mut functions = Vec::with_capacity(program.functions.len());
    for f in program.functions {
        let fn_gen = FnGen {
            m: &mut m,
            name: f.name,
            scope: Scope::new(),
            code: Vec::new(),
            lines: Vec::new(),
            loops: Vec::new(),
            overflow_reported: false,
        };
        functions.push(fn_gen.function(f));
    }
    Module {
        constants: m.pool.into_constants(),
        functions,
        entry,
        source_name: source_name.to_string(),
    }
}
