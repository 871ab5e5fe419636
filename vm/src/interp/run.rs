//! The dispatch loop. See the parent module for the invariants it keeps.
//!
//! Shape: an outer loop enters the current frame (finds its code, pc and
//! register window); an inner loop dispatches instructions until a call, a
//! return or a safepoint needs the frame state saved, then goes round the
//! outer loop again. Integer fast paths are inline; everything else is in
//! cold functions of `arith` and `builtins`.

use std::sync::Arc;

use bytecode::{Builtin, Instr};
use heap::{Heap, Value};
use isolate::{Context, Outcome, Task};

use super::arith::{self, ArithOp};
use super::{Frame, Interp, MAX_FRAMES, MAX_STACK_SLOTS, WINDOW, window};
use crate::builtins::{self, BuiltinError, Ctx};

impl Task for Interp {
    fn run(&mut self, ctx: &mut Context<'_, Interp>, budget: u32) -> Outcome {
        if let Some(start) = self.start.take() {
            match start.decode(&mut ctx.memory.heap) {
                Ok(args) => self.stack[..args.len()].copy_from_slice(&args),
                Err(e) => return Outcome::Failed(self.failure(e.to_string())),
            }
        }
        let program = Arc::clone(&self.program);
        let functions = &program.module.functions[..];
        let constants = &program.constants[..];
        let mut budget = budget;

        'frame: loop {
            let frame = *self.frames.last().expect("a running task has a frame");
            let code = &functions[frame.func as usize].code[..];
            let base = frame.base as usize;
            let mut pc = frame.pc as usize;
            let r = window(&mut self.stack, base);

            // Records the pc in the frame, before leaving the inner loop.
            macro_rules! save {
                () => {
                    self.frames
                        .last_mut()
                        .expect("a running task has a frame")
                        .pc = pc as u32
                };
            }
            macro_rules! fail {
                ($msg:expr) => {{
                    let message: String = $msg;
                    save!();
                    return Outcome::Failed(self.failure(message));
                }};
            }
            macro_rules! check {
                ($result:expr) => {
                    match $result {
                        Ok(v) => v,
                        Err(message) => fail!(message),
                    }
                };
            }
            // After an instruction that may have allocated, its result stored:
            // collect if due, or yield to a pending global collection.
            macro_rules! safepoint {
                () => {
                    if ctx.memory.heap.gc_due() || ctx.stop_requested() {
                        save!();
                        match ctx.safepoint(&*self) {
                            Ok(false) => continue 'frame,
                            Ok(true) => return Outcome::Yielded,
                            Err(_) => {
                                return Outcome::Failed(self.failure("heap limit exceeded".into()));
                            }
                        }
                    }
                };
            }
            // One reduction, or a yield before the current instruction acts.
            macro_rules! reduce {
                () => {
                    if budget == 0 {
                        pc -= 1;
                        save!();
                        return Outcome::Yielded;
                    }
                    budget -= 1;
                };
            }
            // Backward jumps are reductions, charged before the jump acts.
            macro_rules! loop_edge {
                ($offset:expr) => {
                    if $offset < 0 {
                        reduce!();
                    }
                };
            }
            macro_rules! jump {
                ($offset:expr) => {
                    pc = (pc as i64 + $offset as i64) as usize
                };
            }
            // Add and Sub (also with an immediate): tagged integer path,
            // flonum path, general path.
            macro_rules! add_sub {
                ($tagged:path, $op:expr, $dst:expr, $x:expr, $y:expr) => {{
                    let (x, y): (Value, Value) = ($x, $y);
                    if both_int(x, y) {
                        match $tagged(x, y) {
                            Some(v) => r[$dst as usize] = v,
                            None => fail!("integer overflow".into()),
                        }
                    } else if let Some(v) = flonum_op($op, x, y) {
                        r[$dst as usize] = v;
                    } else {
                        r[$dst as usize] = check!(arith::arith(&ctx.memory.heap, $op, x, y));
                        safepoint!();
                    }
                }};
            }
            // Mul, Div, Mod: checked integer path, flonum path, general path.
            macro_rules! arithmetic {
                ($op:expr, $dst:expr, $a:expr, $b:expr) => {{
                    let (x, y) = (r[$a as usize], r[$b as usize]);
                    let v = if both_int(x, y) {
                        check!(arith::int_arith($op, x.int_unchecked(), y.int_unchecked()))
                    } else if let Some(v) = flonum_op($op, x, y) {
                        v
                    } else {
                        r[$dst as usize] = check!(arith::arith(&ctx.memory.heap, $op, x, y));
                        safepoint!();
                        continue;
                    };
                    r[$dst as usize] = v;
                }};
            }
            // `x < y` (or `<=`) with the integer fast path.
            macro_rules! less {
                ($x:expr, $y:expr, $or_equal:expr) => {{
                    let (x, y): (Value, Value) = ($x, $y);
                    if both_int(x, y) {
                        // Tagged words order like the integers they hold.
                        let (p, q) = (x.bits() as i64, y.bits() as i64);
                        if $or_equal { p <= q } else { p < q }
                    } else {
                        check!(arith::less(&ctx.memory.heap, x, y, $or_equal))
                    }
                }};
            }
            // Enters a new frame for `func` at `new_base`; result to `ret`.
            macro_rules! call {
                ($func:expr, $new_base:expr, $nargs:expr, $ret:expr) => {{
                    save!();
                    let func: u32 = $func;
                    let size = functions[func as usize].frame_size as usize;
                    if let Err(message) = self.enter(func, size, $new_base, $nargs as usize, $ret) {
                        return Outcome::Failed(self.failure(message));
                    }
                    continue 'frame;
                }};
            }

            loop {
                let instr = code[pc];
                pc += 1;
                match instr {
                    Instr::Move { dst, src } => r[dst as usize] = r[src as usize],
                    Instr::LoadNil { dst } => r[dst as usize] = Value::NIL,
                    Instr::LoadTrue { dst } => r[dst as usize] = Value::TRUE,
                    Instr::LoadFalse { dst } => r[dst as usize] = Value::FALSE,
                    Instr::LoadInt { dst, value } => r[dst as usize] = small_int(value as i64),
                    Instr::LoadConst { dst, k } => r[dst as usize] = constants[k as usize],

                    Instr::Add { dst, a, b } => {
                        add_sub!(
                            Value::int_add,
                            ArithOp::Add,
                            dst,
                            r[a as usize],
                            r[b as usize]
                        )
                    }
                    Instr::Sub { dst, a, b } => {
                        add_sub!(
                            Value::int_sub,
                            ArithOp::Sub,
                            dst,
                            r[a as usize],
                            r[b as usize]
                        )
                    }
                    Instr::Mul { dst, a, b } => arithmetic!(ArithOp::Mul, dst, a, b),
                    Instr::Div { dst, a, b } => arithmetic!(ArithOp::Div, dst, a, b),
                    Instr::Mod { dst, a, b } => arithmetic!(ArithOp::Mod, dst, a, b),
                    Instr::AddImm { dst, a, imm } => {
                        let y = small_int(imm as i64);
                        add_sub!(Value::int_add, ArithOp::Add, dst, r[a as usize], y)
                    }
                    Instr::SubImm { dst, a, imm } => {
                        let y = small_int(imm as i64);
                        add_sub!(Value::int_sub, ArithOp::Sub, dst, r[a as usize], y)
                    }
                    Instr::Neg { dst, src } => {
                        r[dst as usize] = check!(arith::negate(&ctx.memory.heap, r[src as usize]));
                        safepoint!();
                    }
                    Instr::Not { dst, src } => {
                        r[dst as usize] = Value::from_bool(!r[src as usize].is_truthy())
                    }
                    Instr::Eq { dst, a, b } => {
                        r[dst as usize] =
                            Value::from_bool(equal(&ctx.memory.heap, r[a as usize], r[b as usize]))
                    }
                    Instr::Ne { dst, a, b } => {
                        r[dst as usize] =
                            Value::from_bool(!equal(&ctx.memory.heap, r[a as usize], r[b as usize]))
                    }
                    Instr::Lt { dst, a, b } => {
                        r[dst as usize] =
                            Value::from_bool(less!(r[a as usize], r[b as usize], false))
                    }
                    Instr::Le { dst, a, b } => {
                        r[dst as usize] =
                            Value::from_bool(less!(r[a as usize], r[b as usize], true))
                    }

                    Instr::Jump { offset } => {
                        loop_edge!(offset);
                        jump!(offset);
                    }
                    Instr::JumpIf { cond, offset } => {
                        loop_edge!(offset);
                        if r[cond as usize].is_truthy() {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfNot { cond, offset } => {
                        loop_edge!(offset);
                        if !r[cond as usize].is_truthy() {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfNotLt { a, b, offset } => {
                        loop_edge!(offset);
                        if !less!(r[a as usize], r[b as usize], false) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfNotLe { a, b, offset } => {
                        loop_edge!(offset);
                        if !less!(r[a as usize], r[b as usize], true) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfNotEq { a, b, offset } => {
                        loop_edge!(offset);
                        if !equal(&ctx.memory.heap, r[a as usize], r[b as usize]) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfEq { a, b, offset } => {
                        loop_edge!(offset);
                        if equal(&ctx.memory.heap, r[a as usize], r[b as usize]) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfNotLtImm { a, imm, offset } => {
                        loop_edge!(offset);
                        if !less!(r[a as usize], small_int(imm as i64), false) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfNotLeImm { a, imm, offset } => {
                        loop_edge!(offset);
                        if !less!(r[a as usize], small_int(imm as i64), true) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfNotGtImm { a, imm, offset } => {
                        loop_edge!(offset);
                        if !less!(small_int(imm as i64), r[a as usize], false) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfNotGeImm { a, imm, offset } => {
                        loop_edge!(offset);
                        if !less!(small_int(imm as i64), r[a as usize], true) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfNotEqImm { a, imm, offset } => {
                        loop_edge!(offset);
                        if !equal(&ctx.memory.heap, r[a as usize], small_int(imm as i64)) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfEqImm { a, imm, offset } => {
                        loop_edge!(offset);
                        if equal(&ctx.memory.heap, r[a as usize], small_int(imm as i64)) {
                            jump!(offset);
                        }
                    }

                    Instr::JumpIfLt { a, b, offset } => {
                        loop_edge!(offset);
                        if less!(r[a as usize], r[b as usize], false) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfLe { a, b, offset } => {
                        loop_edge!(offset);
                        if less!(r[a as usize], r[b as usize], true) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfLtImm { a, imm, offset } => {
                        loop_edge!(offset);
                        if less!(r[a as usize], small_int(imm as i64), false) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfLeImm { a, imm, offset } => {
                        loop_edge!(offset);
                        if less!(r[a as usize], small_int(imm as i64), true) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfGtImm { a, imm, offset } => {
                        loop_edge!(offset);
                        if less!(small_int(imm as i64), r[a as usize], false) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfGeImm { a, imm, offset } => {
                        loop_edge!(offset);
                        if less!(small_int(imm as i64), r[a as usize], true) {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfNil { a, offset } => {
                        loop_edge!(offset);
                        if r[a as usize].is_nil() {
                            jump!(offset);
                        }
                    }
                    Instr::JumpIfNotNil { a, offset } => {
                        loop_edge!(offset);
                        if !r[a as usize].is_nil() {
                            jump!(offset);
                        }
                    }

                    Instr::ForIntPrep { base: b, offset } => {
                        loop_edge!(offset);
                        let b = b as usize;
                        let (start, limit) = (r[b], r[b + 1]);
                        if !both_int(start, limit) {
                            let heap = &ctx.memory.heap;
                            fail!(format!(
                                "range expects integers, got {} and {}",
                                heap.type_of(start).name(),
                                heap.type_of(limit).name()
                            ));
                        }
                        if start.int_unchecked() < limit.int_unchecked() {
                            r[b + 2] = start;
                        } else {
                            jump!(offset);
                        }
                    }
                    Instr::ForIntLoop { base: b, offset } => {
                        loop_edge!(offset);
                        let b = b as usize;
                        // Both are integers (ForIntPrep checked), and the
                        // counter stays below the limit, so no overflow.
                        let next = r[b].int_unchecked() + 1;
                        if next < r[b + 1].int_unchecked() {
                            let v = small_int(next);
                            r[b] = v;
                            r[b + 2] = v;
                            jump!(offset);
                        }
                    }
                    Instr::ForInNext { base: b, offset } => {
                        loop_edge!(offset);
                        let b = b as usize;
                        let (coll, index) = (r[b], r[b + 1]);
                        match for_in_next(&ctx.memory.heap, coll, index) {
                            Ok(Some(v)) => {
                                r[b + 2] = v;
                                r[b + 1] = small_int(index.int_unchecked() + 1);
                            }
                            Ok(None) => jump!(offset),
                            Err(message) => fail!(message),
                        }
                    }

                    Instr::Call { dst, callee, nargs } => {
                        reduce!();
                        let f = r[callee as usize];
                        let Some(func) = ctx.memory.heap.function_of(f) else {
                            fail!(format!("cannot call {}", ctx.memory.heap.type_of(f).name()));
                        };
                        let target = &functions[func as usize];
                        if target.arity != nargs {
                            fail!(format!(
                                "function '{}' takes {} argument{} but {} were given",
                                target.name,
                                target.arity,
                                if target.arity == 1 { "" } else { "s" },
                                nargs
                            ));
                        }
                        call!(func, base + callee as usize + 1, nargs, dst);
                    }
                    Instr::CallDirect {
                        dst,
                        func,
                        args,
                        nargs,
                    } => {
                        reduce!();
                        call!(func as u32, base + args as usize, nargs, dst);
                    }
                    Instr::CallBuiltin {
                        dst,
                        builtin,
                        args,
                        nargs,
                    } => {
                        if builtin == Builtin::Gc as u8 || builtin == Builtin::GcGlobal as u8 {
                            r[dst as usize] = Value::NIL;
                            save!();
                            let yields = if builtin == Builtin::GcGlobal as u8 {
                                ctx.request_global();
                                Ok(true)
                            } else {
                                ctx.collect_now(&*self)
                            };
                            match yields {
                                Ok(false) => continue 'frame,
                                Ok(true) => return Outcome::Yielded,
                                Err(_) => {
                                    return Outcome::Failed(
                                        self.failure("heap limit exceeded".into()),
                                    );
                                }
                            }
                        }
                        let f = builtins::function(Builtin::from_id(builtin).expect("verified"));
                        let args = &r[args as usize..args as usize + nargs as usize];
                        let mut bctx = Ctx {
                            isolate: ctx,
                            program: &program,
                            receive_deadline: &mut self.receive_deadline,
                        };
                        match f(&mut bctx, args) {
                            Ok(v) => r[dst as usize] = v,
                            Err(BuiltinError::Fail(message)) => fail!(message),
                            Err(BuiltinError::Block(reason)) => {
                                // Run the call again when woken.
                                pc -= 1;
                                save!();
                                return Outcome::Blocked(reason);
                            }
                        }
                        safepoint!();
                    }
                    Instr::Return { src } => {
                        let v = r[src as usize];
                        let done = self.frames.pop().expect("a running task has a frame");
                        match self.frames.last() {
                            Some(caller) => {
                                self.stack[caller.base as usize + done.ret as usize] = v;
                                continue 'frame;
                            }
                            None => return Outcome::Finished(v),
                        }
                    }

                    Instr::NewArray { dst, first, count } => {
                        let elems = &r[first as usize..first as usize + count as usize];
                        let v = ctx
                            .memory
                            .heap
                            .alloc_array_from(elems)
                            .map_err(|e| e.to_string());
                        r[dst as usize] = check!(v);
                        safepoint!();
                    }
                    Instr::NewMap { dst, first, count } => {
                        let m = check!(
                            ctx.memory
                                .heap
                                .alloc_map(count as usize)
                                .map_err(|e| e.to_string())
                        );
                        for i in 0..count as usize {
                            let (k, v) = (r[first as usize + 2 * i], r[first as usize + 2 * i + 1]);
                            if let Err(e) = ctx.memory.heap.map_insert(m, k, v) {
                                fail!(builtins::mutate_error("map", e));
                            }
                        }
                        r[dst as usize] = m;
                        safepoint!();
                    }
                    Instr::GetIndex { dst, obj, key } => {
                        let (o, k) = (r[obj as usize], r[key as usize]);
                        if let Some(v) = array_element(&ctx.memory.heap, o, k) {
                            r[dst as usize] = v;
                        } else {
                            r[dst as usize] = check!(get_index(&ctx.memory.heap, o, k));
                            safepoint!();
                        }
                    }
                    Instr::GetIndexImm { dst, obj, index } => {
                        let (o, k) = (r[obj as usize], small_int(index as i64));
                        if let Some(v) = array_element(&ctx.memory.heap, o, k) {
                            r[dst as usize] = v;
                        } else {
                            r[dst as usize] = check!(get_index(&ctx.memory.heap, o, k));
                            safepoint!();
                        }
                    }
                    Instr::SetIndex { obj, key, val } => {
                        let (o, k, v) = (r[obj as usize], r[key as usize], r[val as usize]);
                        check!(set_index(&mut ctx.memory.heap, o, k, v));
                        safepoint!();
                    }
                    Instr::SetIndexImm { obj, index, val } => {
                        let (o, k, v) = (r[obj as usize], small_int(index as i64), r[val as usize]);
                        check!(set_index(&mut ctx.memory.heap, o, k, v));
                        safepoint!();
                    }
                }
            }
        }
    }
}

impl Interp {
    /// Pushes a frame for `func` (of `size` registers) at `new_base`, whose
    /// `nargs` arguments are already in place: grows the stack to hold its
    /// window and clears the registers past the arguments.
    #[inline]
    fn enter(
        &mut self,
        func: u32,
        size: usize,
        new_base: usize,
        nargs: usize,
        ret: u8,
    ) -> Result<(), String> {
        if self.frames.len() >= MAX_FRAMES {
            return Err(format!("stack overflow (more than {MAX_FRAMES} frames)"));
        }
        if new_base + WINDOW > MAX_STACK_SLOTS {
            return Err(format!(
                "stack overflow (the frames would use more than {MAX_STACK_SLOTS} registers)"
            ));
        }
        if self.stack.len() < new_base + WINDOW {
            self.grow_stack(new_base + WINDOW);
        }
        self.stack[new_base + nargs..new_base + size.max(nargs)].fill(Value::NIL);
        self.frames.push(Frame {
            func,
            pc: 0,
            base: new_base as u32,
            ret,
        });
        Ok(())
    }

    #[cold]
    fn grow_stack(&mut self, at_least: usize) {
        let len = at_least.max(self.stack.len() * 2).min(MAX_STACK_SLOTS);
        self.stack.resize(len, Value::NIL);
    }
}

/// Both values are integers (their tag bits are both set).
#[inline(always)]
fn both_int(x: Value, y: Value) -> bool {
    x.bits() & y.bits() & 1 == 1
}

/// An integer known to be in range.
#[inline(always)]
fn small_int(n: i64) -> Value {
    Value::int(n).expect("in the integer range")
}

/// `x op y` when both are float immediates and so is the result.
#[inline(always)]
fn flonum_op(op: ArithOp, x: Value, y: Value) -> Option<Value> {
    if x.is_flonum() && y.is_flonum() {
        Value::flonum(arith::float_arith(
            op,
            x.flonum_unchecked(),
            y.flonum_unchecked(),
        ))
    } else {
        None
    }
}

/// The language's `==`, with the identical-immediate and integer fast paths.
#[inline(always)]
fn equal(heap: &Heap, x: Value, y: Value) -> bool {
    if x == y && !x.is_ptr() {
        true
    } else if both_int(x, y) || x.is_special() || y.is_special() {
        // Distinct integers, or nil/true/false against anything else.
        false
    } else {
        heap.values_equal(x, y)
    }
}

/// The next element (array) or key (map) of a `for` loop, `None` at the end.
fn for_in_next(heap: &Heap, coll: Value, index: Value) -> Result<Option<Value>, String> {
    let i = index.int_unchecked() as usize;
    if let Some(elems) = heap.array_of(coll) {
        Ok(elems.get(i).copied())
    } else if let Some(map) = heap.map_of(coll) {
        Ok(map.entry_at(i).map(|(k, _)| k))
    } else {
        Err(format!("cannot iterate over {}", heap.type_of(coll).name()))
    }
}

/// `o[k]` for an array `o` and an integer `k` within it: the fast path.
#[inline(always)]
fn array_element(heap: &Heap, o: Value, k: Value) -> Option<Value> {
    let i = usize::try_from(k.as_int()?).ok()?;
    heap.array_of(o)?.get(i).copied()
}

/// `o[k]`: arrays by integer index, maps by key (nil when absent), strings
/// by character.
fn get_index(heap: &Heap, o: Value, k: Value) -> Result<Value, String> {
    if let Some(elems) = heap.array_of(o) {
        let i = index_of(heap, k, elems.len())?;
        return Ok(elems[i]);
    }
    if heap.map_of(o).is_some() {
        return match heap.map_get(o, k) {
            Ok(v) => Ok(v.unwrap_or(Value::NIL)),
            Err(_) => Err(format!("{} can't be a map key", heap.type_of(k).name())),
        };
    }
    if let Some(s) = heap.str_of(o) {
        let len = heap.str_char_count(o).unwrap_or(0);
        let i = index_of(heap, k, len)?;
        let ch = if heap.str_is_ascii(o) {
            &s[i..i + 1]
        } else {
            let (start, c) = s.char_indices().nth(i).expect("index below the count");
            &s[start..start + c.len_utf8()]
        };
        return heap.alloc_str(ch).map_err(|e| e.to_string());
    }
    Err(format!("cannot index {}", heap.type_of(o).name()))
}

/// `o[k] = v`: arrays by integer index, maps by key.
fn set_index(heap: &mut Heap, o: Value, k: Value, v: Value) -> Result<(), String> {
    if let Some(elems) = heap.array_of(o) {
        let i = index_of(heap, k, elems.len())?;
        return heap
            .array_set(o, i as i64, v)
            .map_err(|e| builtins::mutate_error("index", e));
    }
    if heap.map_of(o).is_some() {
        return heap
            .map_insert(o, k, v)
            .map_err(|e| builtins::mutate_error("index", e));
    }
    Err(format!(
        "cannot assign to an element of {}",
        heap.type_of(o).name()
    ))
}

/// Checks that `k` is an integer index below `len`.
fn index_of(heap: &Heap, k: Value, len: usize) -> Result<usize, String> {
    let Some(i) = k.as_int() else {
        return Err(format!(
            "index must be an integer, got {}",
            heap.type_of(k).name()
        ));
    };
    usize::try_from(i)
        .ok()
        .filter(|&i| i < len)
        .ok_or_else(|| format!("index {i} out of range for length {len}"))
}
