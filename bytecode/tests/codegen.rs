//! The shape of the code the compiler emits where it matters for speed
//! (immediate forms, compare-and-jump, integer loops, no redundant moves), and
//! what compiled programs do, checked by running them in the test interpreter.
//! Every module compiled here must also pass the verifier.

mod support;

use bytecode::compiler;
use bytecode::{Builtin, Constant, Function, Instr, Module};
use support::output_of;

fn compile(source: &str) -> Module {
    let module = match compiler::compile(source, "test.iv") {
        Ok(m) => m,
        Err(e) => panic!("does not compile:\n{e}"),
    };
    if let Err(e) = bytecode::verify(module.clone()) {
        panic!(
            "the verifier refuses the module: {e}\n{}",
            bytecode::disassemble(&module)
        );
    }
    module
}

fn function<'m>(module: &'m Module, name: &str) -> &'m Function {
    let index = module.function_index(name).expect("function exists");
    &module.functions[index as usize]
}

fn code_of(source: &str, name: &str) -> Vec<Instr> {
    function(&compile(source), name).code.clone()
}

fn count(code: &[Instr], pred: impl Fn(&Instr) -> bool) -> usize {
    code.iter().filter(|i| pred(i)).count()
}

const FIB: &str = "
fn fib(n) {
  if n < 2 { return n }
  return fib(n - 1) + fib(n - 2)
}
fn main() { print(fib(20)) }
";

#[test]
fn fib_compiles_to_eight_instructions_without_moves() {
    let module = compile(FIB);
    let fib = function(&module, "fib");
    assert_eq!(
        fib.code,
        [
            Instr::JumpIfNotLtImm {
                a: 0,
                imm: 2,
                offset: 1
            },
            Instr::Return { src: 0 },
            Instr::SubImm {
                dst: 1,
                a: 0,
                imm: 1
            },
            Instr::CallDirect {
                dst: 1,
                func: 0,
                args: 1,
                nargs: 1
            },
            Instr::SubImm {
                dst: 2,
                a: 0,
                imm: 2
            },
            Instr::CallDirect {
                dst: 2,
                func: 0,
                args: 2,
                nargs: 1
            },
            Instr::Add { dst: 1, a: 1, b: 2 },
            Instr::Return { src: 1 },
        ]
    );
    assert_eq!(fib.frame_size, 3);
    assert_eq!(fib.arity, 1);
    assert_eq!(output_of(FIB), "6765\n");
}

#[test]
fn module_fields_are_set() {
    let module = compile(FIB);
    assert_eq!(module.source_name, "test.iv");
    assert_eq!(module.functions[module.entry as usize].name, "main");
    assert_eq!(
        module
            .functions
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["fib", "main"]
    );
    let fib = function(&module, "fib");
    assert_eq!(fib.line_at(0), Some(3));
    assert_eq!(fib.line_at(2), Some(4));
}

#[test]
fn for_over_range_is_an_integer_loop() {
    let source = "fn main() {\n  let s = 0\n  for i in range(10) { s = s + i }\n  print(s)\n}\n";
    let code = code_of(source, "main");
    assert_eq!(
        code[..6],
        [
            Instr::LoadInt { dst: 0, value: 0 },
            Instr::LoadInt { dst: 1, value: 0 },
            Instr::LoadInt { dst: 2, value: 10 },
            Instr::ForIntPrep { base: 1, offset: 2 },
            Instr::Add { dst: 0, a: 0, b: 3 },
            Instr::ForIntLoop {
                base: 1,
                offset: -2
            },
        ]
    );
    assert_eq!(
        count(&code, |i| matches!(i, Instr::CallBuiltin { .. })),
        1,
        "only print is called"
    );
    assert_eq!(output_of(source), "45\n");

    let source = "fn main() {\n  for i in range(3, 6) { print(i) }\n  for i in range(5, 2) { print(i) }\n}\n";
    let code = code_of(source, "main");
    assert_eq!(count(&code, |i| matches!(i, Instr::ForIntPrep { .. })), 2);
    assert_eq!(count(&code, |i| matches!(i, Instr::ForIntLoop { .. })), 2);
    assert_eq!(output_of(source), "3\n4\n5\n");
}

#[test]
fn a_shadowed_range_is_an_ordinary_call_and_collection_loop() {
    let source = "
fn three(n) { return [n, n + 1, n + 2] }
fn main() {
  let range = three
  for x in range(7) { print(x) }
}
";
    let code = code_of(source, "main");
    assert_eq!(count(&code, |i| matches!(i, Instr::ForIntPrep { .. })), 0);
    assert_eq!(count(&code, |i| matches!(i, Instr::ForInNext { .. })), 1);
    assert_eq!(count(&code, |i| matches!(i, Instr::Call { .. })), 1);
    assert_eq!(output_of(source), "7\n8\n9\n");
}

#[test]
fn for_over_a_collection_uses_for_in_next() {
    let source = "fn main() {\n  let xs = [1, 2]\n  for x in xs { print(x) }\n}\n";
    let code = code_of(source, "main");
    let at = code
        .iter()
        .position(|i| matches!(i, Instr::ForInNext { .. }))
        .unwrap();
    assert_eq!(
        code[at - 2..at],
        [
            Instr::Move { dst: 1, src: 0 },
            Instr::LoadInt { dst: 2, value: 0 }
        ]
    );
    assert_eq!(code[at], Instr::ForInNext { base: 1, offset: 3 });
    assert_eq!(code[at + 3], Instr::Jump { offset: -4 });
}

#[test]
fn while_conditions_read_locals_in_place() {
    let source =
        "fn main() {\n  let i = 0\n  let n = 5\n  while i < n { i = i + 1 }\n  print(i)\n}\n";
    let code = code_of(source, "main");
    // The test sits at the bottom: one conditional jump per iteration.
    assert_eq!(
        code[2..5],
        [
            Instr::Jump { offset: 1 },
            Instr::AddImm {
                dst: 0,
                a: 0,
                imm: 1
            },
            Instr::JumpIfLt {
                a: 0,
                b: 1,
                offset: -2
            },
        ]
    );
    assert_eq!(
        count(&code, |i| matches!(i, Instr::Move { .. })),
        1,
        "only print's argument"
    );
    assert_eq!(output_of(source), "5\n");
}

#[test]
fn assignment_writes_the_local_directly() {
    let source = "fn f(a, b) {\n  let x = 0\n  x = a + b\n  x = a * b\n  x = x - a\n  return x\n}\nfn main() { print(f(3, 4)) }\n";
    let code = code_of(source, "f");
    assert_eq!(
        code,
        [
            Instr::LoadInt { dst: 2, value: 0 },
            Instr::Add { dst: 2, a: 0, b: 1 },
            Instr::Mul { dst: 2, a: 0, b: 1 },
            Instr::Sub { dst: 2, a: 2, b: 0 },
            Instr::Return { src: 2 },
        ]
    );
    assert_eq!(output_of(source), "9\n");
}

#[test]
fn small_constants_use_add_and_sub_immediate() {
    let source = "fn f(x) {\n  return [x + 1, 1 + x, x - 128, x + 127, x - -128, x + 128, x - 129]\n}\nfn main() { print(f(1000)) }\n";
    let code = code_of(source, "f");
    let imms: Vec<i8> = code
        .iter()
        .filter_map(|i| match i {
            Instr::AddImm { imm, .. } => Some(*imm),
            _ => None,
        })
        .collect();
    assert_eq!(imms, [1, 1, 127]);
    let sub_imms: Vec<i8> = code
        .iter()
        .filter_map(|i| match i {
            Instr::SubImm { imm, .. } => Some(*imm),
            _ => None,
        })
        .collect();
    assert_eq!(sub_imms, [-128], "x - -128");
    assert_eq!(
        count(&code, |i| matches!(i, Instr::Sub { .. })),
        2,
        "x - 128 and x - 129"
    );
    assert_eq!(
        count(&code, |i| matches!(i, Instr::Add { .. })),
        1,
        "x + 128"
    );
    assert_eq!(
        output_of(source),
        "[1001, 1001, 872, 1127, 1128, 1128, 871]\n"
    );
}

#[test]
fn comparisons_with_small_constants_use_immediate_jumps() {
    let source = "
fn f(x) {
  if x < 2 { return 1 }
  if 3 < x { return 2 }
  if x >= -5 { return 3 }
  if 40000 <= x { return 4 }
  if x == 7 { return 5 }
  if x != 8 { return 6 }
  return 0
}
fn main() { print(f(1), f(5), f(2), f(-9), f(8)) }
";
    let code = code_of(source, "f");
    let jumps: Vec<Instr> = code
        .iter()
        .filter(|i| i.jump_offset().is_some())
        .copied()
        .collect();
    assert!(matches!(
        jumps[0],
        Instr::JumpIfNotLtImm { a: 0, imm: 2, .. }
    ));
    assert!(matches!(
        jumps[1],
        Instr::JumpIfNotGtImm { a: 0, imm: 3, .. }
    ));
    assert!(matches!(
        jumps[2],
        Instr::JumpIfNotGeImm { a: 0, imm: -5, .. }
    ));
    // 40000 does not fit 16 bits: a register compare, operands swapped for >=.
    assert!(matches!(jumps[3], Instr::JumpIfNotLe { b: 0, .. }));
    assert!(matches!(
        jumps[4],
        Instr::JumpIfNotEqImm { a: 0, imm: 7, .. }
    ));
    assert!(matches!(jumps[5], Instr::JumpIfEqImm { a: 0, imm: 8, .. }));
    assert_eq!(output_of(source), "1 2 3 1 2\n");
}

#[test]
fn logical_conditions_compile_to_jumps_only() {
    let source = "
fn f(a, b, c, d) {
  if a < b and c or not d { return 1 }
  while not (a == b) or c and d { return 2 }
  return 0
}
fn main() {
  print(f(1, 2, true, nil), f(2, 1, nil, 1), f(2, 1, nil, nil), f(3, 3, 1, false), f(3, 3, 1, 1))
}
";
    let code = code_of(source, "f");
    let materialised = |i: &Instr| {
        matches!(
            i,
            Instr::Not { .. }
                | Instr::LoadTrue { .. }
                | Instr::LoadFalse { .. }
                | Instr::Lt { .. }
                | Instr::Le { .. }
                | Instr::Eq { .. }
                | Instr::Ne { .. }
                | Instr::Move { .. }
        )
    };
    assert_eq!(count(&code, materialised), 0, "{code:?}");
    assert_eq!(output_of(source), "1 2 1 1 2\n");
}

#[test]
fn if_break_and_if_continue_are_single_jumps() {
    let source = "
fn main() {
  let i = 0
  while true {
    i = i + 1
    if i == 3 { continue }
    if i == 6 { break }
    print(i)
  }
}
";
    let code = code_of(source, "main");
    assert_eq!(
        code[1..6],
        [
            Instr::AddImm {
                dst: 0,
                a: 0,
                imm: 1
            },
            Instr::JumpIfEqImm {
                a: 0,
                imm: 3,
                offset: 3
            },
            Instr::JumpIfEqImm {
                a: 0,
                imm: 6,
                offset: 3
            },
            Instr::Move { dst: 1, src: 0 },
            Instr::CallBuiltin {
                dst: 1,
                builtin: Builtin::Print as u8,
                args: 1,
                nargs: 1
            },
        ]
    );
    assert_eq!(output_of(source), "1\n2\n4\n5\n");
}

#[test]
fn constants_are_folded_where_the_result_is_certain() {
    let source = "
fn main() {
  let a = 2 * 3 + 1
  let b = 7 / -2
  let c = -7 % 3
  let d = \"con\" + \"cat\"
  let e = not nil
  let f = -(3)
  let g = 1.5 * 2.0
  print(a, b, c, d, e, f, g)
}
";
    let module = compile(source);
    let code = &function(&module, "main").code;
    assert_eq!(
        code[..7],
        [
            Instr::LoadInt { dst: 0, value: 7 },
            Instr::LoadInt { dst: 1, value: -4 },
            Instr::LoadInt { dst: 2, value: 2 },
            Instr::LoadConst { dst: 3, k: 0 },
            Instr::LoadTrue { dst: 4 },
            Instr::LoadInt { dst: 5, value: -3 },
            Instr::LoadConst { dst: 6, k: 1 },
        ]
    );
    assert_eq!(
        module.constants,
        [Constant::Str("concat".into()), Constant::Float(3.0)]
    );
    assert_eq!(output_of(source), "7 -4 2 concat true -3 3.0\n");
}

#[test]
fn overflow_and_division_by_zero_are_left_for_run_time() {
    let source = "fn main() {\n  print(1)\n  print(4611686018427387903 + 1)\n}\n";
    let module = compile(source);
    let code = &function(&module, "main").code;
    assert_eq!(
        count(code, |i| matches!(i, Instr::AddImm { imm: 1, .. })),
        1
    );
    assert_eq!(module.constants, [Constant::Int(4611686018427387903)]);
    let out = support::run_source(source);
    assert_eq!(out.output, "1\n");
    assert_eq!(out.error.as_deref(), Some("line 3: integer overflow"));

    let source = "fn main() {\n  print(1 / 0)\n}\n";
    assert_eq!(
        count(&code_of(source, "main"), |i| matches!(i, Instr::Div { .. })),
        1
    );
    assert_eq!(
        support::run_source(source).error.as_deref(),
        Some("line 2: division by zero")
    );
}

#[test]
fn integer_literals_use_load_int_or_the_pool() {
    let source = "fn main() {\n  print(32767, -32768, 32768, 4611686018427387903, -4611686018427387904, 32768)\n}\n";
    let module = compile(source);
    assert_eq!(
        module.constants,
        [
            Constant::Int(32768),
            Constant::Int(4611686018427387903),
            Constant::Int(-4611686018427387904)
        ]
    );
    assert_eq!(
        output_of(source),
        "32767 -32768 32768 4611686018427387903 -4611686018427387904 32768\n"
    );
}

#[test]
fn constants_are_deduplicated() {
    let module = compile("fn main() {\n  print(\"s\", \"s\", 2.5, 2.5, main, main)\n}\n");
    assert_eq!(
        module.constants,
        [
            Constant::Str("s".into()),
            Constant::Float(2.5),
            Constant::Func(0)
        ]
    );
}

#[test]
fn large_literals_are_built_in_chunks() {
    let items: Vec<String> = (0..300).map(|i| i.to_string()).collect();
    let pairs: Vec<String> = (0..200).map(|i| format!("{i}: {}", i * 2)).collect();
    let source = format!(
        "fn main() {{\n  let a = [{}]\n  let m = {{{}}}\n  print(len(a), a[0], a[254], a[255], a[299], len(m), m[0], m[126], m[127], m[199])\n  a = [{}]\n  print(len(a), a[299])\n}}\n",
        items.join(", "),
        pairs.join(", "),
        items.join(", "),
    );
    let code = code_of(&source, "main");
    assert!(
        code.iter()
            .any(|i| matches!(i, Instr::NewArray { count, .. } if *count > 200))
    );
    assert!(
        code.iter()
            .any(|i| matches!(i, Instr::NewMap { count, .. } if *count > 100))
    );
    assert!(
        count(
            &code,
            |i| matches!(i, Instr::CallBuiltin { builtin, .. } if *builtin == Builtin::Push as u8)
        ) >= 45
    );
    assert_eq!(
        output_of(&source),
        "300 0 254 255 299 200 0 252 254 398\n300 299\n"
    );
}

#[test]
fn function_values_are_constants_called_indirectly() {
    let source = "
fn twice(f, x) { return f(f(x)) }
fn inc(x) { return x + 1 }
fn main() {
  let fs = [inc, twice]
  print(twice(inc, 5), fs[0](1), fs[1](inc, 0), type(inc))
}
";
    let module = compile(source);
    let twice = function(&module, "twice");
    assert_eq!(count(&twice.code, |i| matches!(i, Instr::Call { .. })), 2);
    assert!(module.constants.contains(&Constant::Func(1)));
    assert_eq!(output_of(source), "7 2 2 function\n");
}

#[test]
fn calls_without_arguments_keep_their_register_in_the_frame() {
    let module = compile("fn zero() { return 0 }\nfn main() {\n  zero()\n  args()\n}\n");
    let main = function(&module, "main");
    assert_eq!(
        main.code[0],
        Instr::CallDirect {
            dst: 0,
            func: 0,
            args: 0,
            nargs: 0
        }
    );
    assert_eq!(
        main.code[1],
        Instr::CallBuiltin {
            dst: 0,
            builtin: Builtin::Args as u8,
            args: 0,
            nargs: 0
        }
    );
    assert!(main.frame_size >= 1);
}

#[test]
fn runtime_errors_name_the_line_of_the_failing_expression() {
    let source = "fn main() {\n  let xs = [1, 2]\n  let total = xs[0] +\n    xs[1] +\n    xs[5]\n  print(total)\n}\n";
    assert_eq!(
        support::run_source(source).error.as_deref(),
        Some("line 5: index 5 out of range")
    );
    let source = "fn f(x) {\n  return x * 2\n}\nfn main() {\n  print(f(1))\n  print(f(\"s\"))\n}\n";
    let out = support::run_source(source);
    assert_eq!(out.output, "2\n");
    assert_eq!(
        out.error.as_deref(),
        Some("line 2: cannot apply '*' to string and int")
    );
}

// ---- behaviour ----------------------------------------------------------

#[test]
fn and_or_yield_the_deciding_operand() {
    let source = "
fn noisy(v, log) { push(log, v); return v }
fn main() {
  print(nil or 3, 0 or 3, false and 1, 2 and \"two\", nil and 1, 1 or 2)
  let x = nil
  let y = 5
  x = x or y
  print(x)
  x = y and x
  print(x)
  let z = false
  z = z or z
  print(z)
  let w = 1
  w = nil or w
  print(w)
  w = w and nil or w
  print(w)
  let log = []
  let r = noisy(false, log) and noisy(1, log) or noisy(2, log)
  print(r, log)
  if noisy(0, log) or noisy(9, log) { print(log) }
}
";
    assert_eq!(
        output_of(source),
        "3 0 false two nil 1\n5\n5\nfalse\n1\n1\n2 [false, 2]\n[false, 2, 0]\n"
    );
}

#[test]
fn truthiness_only_nil_and_false_are_falsy() {
    let source = "
fn main() {
  for v in [nil, false, true, 0, 0.0, \"\", [], {}] {
    if v { print(\"truthy\") } else { print(\"falsy\") }
  }
  print(not 0, not \"\", not nil, not not nil)
}
";
    assert_eq!(
        output_of(source),
        "falsy\nfalsy\ntruthy\ntruthy\ntruthy\ntruthy\ntruthy\ntruthy\nfalse false true false\n"
    );
}

#[test]
fn break_and_continue_in_every_kind_of_loop() {
    let source = "
fn main() {
  let out = []
  for i in range(10) {
    if i % 2 == 1 { continue }
    if i > 6 { break }
    push(out, i)
  }
  for x in [\"a\", \"b\", \"c\", \"d\"] {
    if x == \"b\" { continue }
    push(out, x)
    if x == \"c\" { break }
  }
  let n = 0
  while n < 100 {
    n = n + 1
    if n < 98 { continue }
    push(out, n)
  }
  for i in range(3) {
    for j in range(3) {
      if j > i { break }
      if j == 1 { continue }
      push(out, str(i) + str(j))
    }
  }
  for k in {\"p\": 1, \"q\": 2} {
    let skip = k == \"p\"
    if skip { continue } else { push(out, k) }
  }
  print(out)
}
";
    assert_eq!(
        output_of(source),
        "[0, 2, 4, 6, \"a\", \"c\", 98, 99, 100, \"00\", \"10\", \"20\", \"22\", \"q\"]\n"
    );
}

#[test]
fn the_loop_variable_may_be_reassigned() {
    let source = "fn main() {\n  let s = []\n  for i in range(4) { i = i * 10; push(s, i) }\n  for x in [1, 2] { x = x + 1; push(s, x) }\n  print(s)\n}\n";
    assert_eq!(output_of(source), "[0, 10, 20, 30, 2, 3]\n");
}

#[test]
fn scopes_are_blocks() {
    let source = "
fn main() {
  let x = 1
  if true {
    let x = 2
    let y = x + 10
    print(x, y)
  }
  print(x)
  for i in range(2) {
    let x = i * 100
    print(x)
  }
  let y = 3
  print(x, y)
}
";
    assert_eq!(output_of(source), "2 12\n1\n0\n100\n1 3\n");
}

#[test]
fn functions_may_be_mutually_recursive_and_defined_in_any_order() {
    let source = "
fn main() { print(is_even(10), is_odd(7), is_even(3)) }
fn is_even(n) { if n == 0 { return true }; return is_odd(n - 1) }
fn is_odd(n) { if n == 0 { return false }; return is_even(n - 1) }
";
    assert_eq!(output_of(source), "true true false\n");
}

#[test]
fn missing_returns_give_nil() {
    let source = "fn a() {}\nfn b() { return }\nfn c(x) { if x { return 1 } }\nfn main() { print(a(), b(), c(false), c(true)) }\n";
    assert_eq!(output_of(source), "nil nil nil 1\n");
}

#[test]
fn arguments_and_operands_are_evaluated_left_to_right() {
    let source = "
fn note(log, v) { push(log, v); return v }
fn three(a, b, c) { return [a, b, c] }
fn main() {
  let log = []
  let r = three(note(log, 1), note(log, 2) + note(log, 3), [note(log, 4), note(log, 5)])
  let m = {note(log, \"k\"): note(log, \"v\")}
  let xs = [0, 0]
  xs[note(log, 1)] = note(log, 6)
  print(r, m, xs, log)
}
";
    assert_eq!(
        output_of(source),
        "[1, 5, [4, 5]] {\"k\": \"v\"} [0, 6] [1, 2, 3, 4, 5, \"k\", \"v\", 1, 6]\n"
    );
}

#[test]
fn nested_calls_and_many_temporaries() {
    let source = "
fn add(a, b) { return a + b }
fn main() {
  let a = 1
  let b = 2
  print(add(add(a, b), add(add(a, a), add(b, b))) * (a + b) - (b - a) * add(3, 4))
  print(((a + 1) * (b + 2) - (a + 3) * (b + 4)) / ((a - 5) * (b - 6)), [[a, [b, [a + b]]], {a: b}])
}
";
    assert_eq!(output_of(source), "20\n-1 [[1, [2, [3]]], {1: 2}]\n");
}

#[test]
fn elements_and_nested_indices_can_be_assigned() {
    let source = "
fn main() {
  let m = [[1, 2], [3, 4]]
  m[1][0] = m[0][1] * 10
  let d = {\"a\": {\"b\": 1}}
  d[\"a\"][\"c\"] = 2
  d[\"z\"] = m
  print(m, d)
}
";
    assert_eq!(
        output_of(source),
        "[[1, 2], [20, 4]] {\"a\": {\"b\": 1, \"c\": 2}, \"z\": [[1, 2], [20, 4]]}\n"
    );
}

#[test]
fn newlines_continue_inside_brackets_and_after_operators() {
    let source = "
fn f(a,
     b) {
  return a +
    b
}
fn main() {
  let xs = [
    1,
    2,
  ]
  let m = {
    \"k\": f(1,
           2),
  }
  if xs[0] == 1 and
     m[\"k\"] == 3
  {
    print(xs, m)
  }
  else { print(\"no\") }
  let n = 1; n = n + 1; print(n)
}
";
    assert_eq!(output_of(source), "[1, 2] {\"k\": 3}\n2\n");
}

#[test]
fn arithmetic_semantics_follow_the_vm() {
    let source = "
fn main() {
  let a = 7
  let b = -2
  print(a / b, a % b, -a / 2, -a % 2, a / 2.0, 2 * 0.5, \"a\" + \"b\")
  print(1 < 2.5, 2.0 == 2, \"abc\" < \"abd\", [1, [2]] == [1, [2]], {\"x\": 1} != {\"x\": 1})
  print(-4611686018427387904, - 5, --5, -(-5), 3 - -2)
}
";
    assert_eq!(
        output_of(source),
        "-4 -1 -4 1 3.5 1.0 ab\ntrue true true true false\n-4611686018427387904 -5 5 5 5\n"
    );
}

#[test]
fn constant_indices_and_nil_tests_take_one_instruction() {
    let source = "
fn check(tree) {
  if tree[0] == nil { return 1 }
  tree[1] = nil
  if nil != tree[0] { return 2 }
  return 3
}

fn main() {
  print(check([nil, 1]), check([[], []]))
}
";
    let code = code_of(source, "check");
    assert_eq!(
        code[0],
        Instr::GetIndexImm {
            dst: 1,
            obj: 0,
            index: 0
        }
    );
    assert!(
        matches!(code[1], Instr::JumpIfNotNil { a: 1, .. }),
        "{code:?}"
    );
    assert!(code.iter().any(|i| matches!(
        i,
        Instr::SetIndexImm {
            obj: 0,
            index: 1,
            ..
        }
    )));
    assert!(
        code.iter().any(|i| matches!(i, Instr::JumpIfNil { .. })),
        "{code:?}"
    );
    let general = |i: &Instr| {
        matches!(
            i,
            Instr::GetIndex { .. } | Instr::JumpIfEq { .. } | Instr::JumpIfNotEq { .. }
        )
    };
    assert_eq!(count(&code, general), 0, "{code:?}");
    // The only integer loads are the three return values.
    assert_eq!(
        count(&code, |i| matches!(i, Instr::LoadInt { .. })),
        3,
        "{code:?}"
    );
    assert_eq!(output_of(source), "1 2\n");
}

#[test]
fn loop_conditions_that_jump_when_true_are_one_instruction() {
    let source = "
fn main() {
  let i = 10
  while i > 0 { i = i - 3 }
  let j = 0
  while j <= i + 5 { j = j + 1 }
  print(i, j)
}
";
    let code = code_of(source, "main");
    assert!(
        code.iter()
            .any(|i| matches!(i, Instr::JumpIfGtImm { imm: 0, .. })),
        "{code:?}"
    );
    assert!(
        code.iter().any(|i| matches!(i, Instr::JumpIfLe { .. })),
        "{code:?}"
    );
    assert_eq!(output_of(source), "-2 4\n");
}

#[test]
fn an_arithmetic_chain_reuses_one_temporary() {
    let source = "
fn f(a, b, c, d) {
  return a + b - c * d + 1 - d
}
fn main() { print(f(1, 2, 3, 4)) }
";
    let module = compile(source);
    let f = function(&module, "f");
    assert_eq!(
        f.code,
        [
            Instr::Add { dst: 4, a: 0, b: 1 },
            Instr::Mul { dst: 5, a: 2, b: 3 },
            Instr::Sub { dst: 4, a: 4, b: 5 },
            Instr::AddImm {
                dst: 4,
                a: 4,
                imm: 1
            },
            Instr::Sub { dst: 4, a: 4, b: 3 },
            Instr::Return { src: 4 },
        ]
    );
    assert_eq!(f.frame_size, 6);
    assert_eq!(output_of(source), "-12\n");
}

/// A truth function of four booleans.
type Truth = fn(bool, bool, bool, bool) -> bool;

/// `and`/`or` on booleans, as the language defines them.
fn and(a: bool, b: bool) -> bool {
    if a { b } else { a }
}

fn or(a: bool, b: bool) -> bool {
    if a { a } else { b }
}

#[test]
fn mixed_logical_chains_decide_as_nested_operations() {
    // Each chain as a value and as a condition, over every combination.
    let chains: [(&str, Truth); 5] = [
        ("a and b or c and d", |a, b, c, d| or(and(a, b), and(c, d))),
        ("a or b and c or d", |a, b, c, d| or(or(a, and(b, c)), d)),
        ("a and b and c or d", |a, b, c, d| or(and(and(a, b), c), d)),
        ("a or b or c and not d", |a, b, c, d| {
            or(or(a, b), and(c, !d))
        }),
        ("not a and b or c or d and a", |a, b, c, d| {
            or(or(and(!a, b), c), and(d, a))
        }),
    ];
    let mut source = String::new();
    for (i, (chain, _)) in chains.iter().enumerate() {
        source.push_str(&format!(
            "fn f{i}(a, b, c, d) {{\n  let v = {chain}\n  if {chain} {{ return [v, 1] }}\n  while {chain} {{ return [v, 2] }}\n  return [v, 0]\n}}\n"
        ));
    }
    source.push_str("fn main() {\n  let bs = [false, true]\n");
    for i in 0..chains.len() {
        source.push_str(&format!(
            "  for a in bs {{ for b in bs {{ for c in bs {{ for d in bs {{ print(f{i}(a, b, c, d)) }} }} }} }}\n"
        ));
    }
    source.push_str("}\n");
    let mut expected = String::new();
    for (_, eval) in &chains {
        for bits in 0..16 {
            let [a, b, c, d] = [bits & 8 != 0, bits & 4 != 0, bits & 2 != 0, bits & 1 != 0];
            let v = eval(a, b, c, d);
            expected.push_str(&format!("[{v}, {}]\n", if v { 1 } else { 0 }));
        }
    }
    assert_eq!(output_of(&source), expected);
}
