//! The assembler and disassembler: hand-written programs assemble to what
//! they say, disassembly reads back byte for byte, and every assembler error
//! names the file and line.

mod common;

use bytecode::asm::{AsmError, assemble};
use bytecode::builtin::Builtin;
use bytecode::dis::disassemble;
use bytecode::format::{load, read_module, write_module};
use bytecode::instr::Instr;
use bytecode::module::{Constant, LineEntry, Module};
use bytecode::verify::verify;
use common::*;

fn sample(name: &str) -> String {
    let path = format!("{}/tests/samples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn assembled(text: &str) -> Module {
    assemble(text, "test.vasm").unwrap_or_else(|e| panic!("{e}"))
}

/// `asm(dis(bytes)) == bytes` and `asm(dis(m)) == m`.
fn assert_round_trips(m: &Module) {
    let bytes = write_module(m);
    let text = disassemble(&read_module(&bytes).unwrap().module);
    let again = assemble(&text, "dis.vasm").unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(&again, m, "{text}");
    assert_eq!(write_module(&again), bytes, "{text}");
    assert_eq!(disassemble(&again), text);
}

fn error(text: &str) -> String {
    match assemble(text, "bad.vasm") {
        Ok(m) => panic!("assembled {m:?}"),
        Err(e) => e.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Sample programs.

#[test]
fn samples_round_trip_byte_for_byte() {
    for name in ["fib.vasm", "loops.vasm", "odd.vasm"] {
        let m = assemble(&sample(name), name).unwrap_or_else(|e| panic!("{e}"));
        assert_round_trips(&m);
    }
}

#[test]
fn fib_sample_assembles_to_the_program_it_spells() {
    let m = assemble(&sample("fib.vasm"), "fib.vasm").unwrap();
    assert_eq!(m.source_name, "fib.src");
    assert_eq!(m.entry, 1);
    assert_eq!(m.constants, vec![Constant::Str("fib(25) =".into())]);
    let fib = &m.functions[0];
    assert_eq!(
        (fib.name.as_str(), fib.arity, fib.frame_size),
        ("fib", 1, 3)
    );
    assert_eq!(
        fib.code,
        vec![
            Instr::JumpIfNotLtImm {
                a: 0,
                imm: 2,
                offset: 1
            },
            Instr::Return { src: 0 },
            Instr::AddImm {
                dst: 1,
                a: 0,
                imm: -1
            },
            Instr::CallDirect {
                dst: 1,
                func: 0,
                args: 1,
                nargs: 1
            },
            Instr::AddImm {
                dst: 2,
                a: 0,
                imm: -2
            },
            Instr::CallDirect {
                dst: 2,
                func: 0,
                args: 2,
                nargs: 1
            },
            Instr::Add { dst: 0, a: 1, b: 2 },
            Instr::Return { src: 0 },
        ]
    );
    assert_eq!(
        fib.lines,
        vec![LineEntry { pc: 0, line: 2 }, LineEntry { pc: 2, line: 3 }]
    );
    let main = &m.functions[1];
    assert_eq!(
        main.code[3],
        Instr::CallBuiltin {
            dst: 0,
            builtin: Builtin::Print as u8,
            args: 1,
            nargs: 2
        }
    );
    assert!(main.lines.is_empty());
    verify(m).unwrap();
}

#[test]
fn valid_samples_verify_and_the_odd_one_does_not() {
    for name in ["fib.vasm", "loops.vasm"] {
        let m = assemble(&sample(name), name).unwrap();
        load(&write_module(&m)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let odd = assemble(&sample("odd.vasm"), "odd.vasm").unwrap();
    assert_eq!(
        verify(odd).unwrap_err().to_string(),
        "constant 7: function f9 out of range (the module has 3 functions)"
    );
}

#[test]
fn samples_use_every_opcode() {
    let mut seen = std::collections::HashSet::new();
    for name in ["fib.vasm", "loops.vasm", "odd.vasm"] {
        for f in assemble(&sample(name), name).unwrap().functions {
            seen.extend(f.code.iter().map(Instr::opcode));
        }
    }
    let missing: Vec<_> = bytecode::instr::Opcode::ALL
        .iter()
        .filter(|op| !seen.contains(op))
        .collect();
    assert!(missing.is_empty(), "no sample uses {missing:?}");
}

#[test]
fn odd_sample_keeps_every_odd_detail() {
    let m = assemble(&sample("odd.vasm"), "odd.vasm").unwrap();
    assert_eq!(
        m.source_name,
        "tab\there \"quoted\" \\ snow\u{2603} nul\0 bell\u{7}"
    );
    assert_eq!(m.entry, 1);
    let bits: Vec<u64> = m.constants[..6]
        .iter()
        .map(|c| match c {
            Constant::Float(v) => v.to_bits(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        bits,
        vec![
            0x7ff8_0000_0000_0000,
            0x7ff0_0000_0000_0001,
            (-0.0f64).to_bits(),
            1,
            f64::NEG_INFINITY.to_bits(),
            1e300f64.to_bits()
        ]
    );
    assert_eq!(m.constants[8], Constant::Int(i64::MIN));
    assert_eq!(m.functions[0].name, "");
    assert_eq!(m.functions[1].name, "second one");
    assert_eq!(m.functions[2].name, "f2");
    assert_eq!(
        m.functions[0].lines,
        vec![
            LineEntry { pc: 5, line: 7 },
            LineEntry { pc: 0, line: 3 },
            LineEntry { pc: 1, line: 3 },
            LineEntry { pc: 0, line: 1 },
        ]
    );
    assert_eq!(
        m.functions[2].lines,
        vec![LineEntry {
            pc: 1,
            line: u32::MAX
        }]
    );
}

// ---------------------------------------------------------------------------
// What the disassembler prints.

#[test]
fn disassembly_of_fib_reads_well() {
    let m = assemble(&sample("fib.vasm"), "fib.vasm").unwrap();
    let expected = r#"; 1 constant, 2 functions
.source "fib.src"
.entry f1                               ; main

.const k0 str "fib(25) ="

.func fib arity=1 frame=3               ; f0
    .line 2
    0: jmpnlti r0, 2, +1                ; -> 2
    1: ret r0
    .line 3
    2: addi r1, r0, -1
    3: calld r1, f0, r1, 1              ; fib
    4: addi r2, r0, -2
    5: calld r2, f0, r2, 1              ; fib
    6: add r0, r1, r2
    7: ret r0
.end

.func main arity=0 frame=3              ; f1
    0: loadk r1, k0                     ; str "fib(25) ="
    1: loadint r2, 25
    2: calld r2, f0, r2, 1              ; fib
    3: callb r0, b0, r1, 2              ; print
    4: ret r0
.end
"#;
    assert_eq!(disassemble(&m), expected);
}

#[test]
fn disassembly_comments_name_constants_callees_builtins_and_targets() {
    let long = "x".repeat(100);
    let m = Module {
        constants: vec![
            Constant::Str(long.into()),
            Constant::Func(1),
            Constant::Float(0.1),
            Constant::Int(-3),
        ],
        functions: vec![
            function(
                "main",
                0,
                4,
                vec![
                    Instr::LoadConst { dst: 0, k: 0 },
                    Instr::LoadConst { dst: 0, k: 1 },
                    Instr::LoadConst { dst: 0, k: 2 },
                    Instr::LoadConst { dst: 0, k: 3 },
                    Instr::LoadConst { dst: 0, k: 9 },
                    Instr::CallBuiltin {
                        dst: 0,
                        builtin: Builtin::Len as u8,
                        args: 1,
                        nargs: 1,
                    },
                    Instr::CallBuiltin {
                        dst: 0,
                        builtin: 250,
                        args: 1,
                        nargs: 1,
                    },
                    Instr::CallDirect {
                        dst: 0,
                        func: 1,
                        args: 1,
                        nargs: 0,
                    },
                    Instr::CallDirect {
                        dst: 0,
                        func: 7,
                        args: 1,
                        nargs: 0,
                    },
                    Instr::JumpIfEq {
                        a: 0,
                        b: 1,
                        offset: -10,
                    },
                ],
            ),
            function("with space", 0, 1, vec![Instr::Return { src: 0 }]),
        ],
        entry: 0,
        source_name: String::new(),
    };
    let text = disassemble(&m);
    let comments: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
        .map(|l| l.split_once("; ").map_or("", |(_, c)| c))
        .collect();
    assert_eq!(
        comments,
        vec![
            format!("str \"{}...", "x".repeat(47)).as_str(),
            "func \"with space\"",
            "float 0.1",
            "int -3",
            "no such constant",
            "len",
            "unknown builtin",
            "\"with space\"",
            "no such function",
            "-> 0",
            "", // ret r0 of the second function needs no comment
        ]
    );
    assert!(text.contains(".const k1 func f1                       ; \"with space\"\n"));
    assert!(text.contains(".func \"with space\" arity=0 frame=1      ; f1\n"));
    assert_round_trips(&m);
}

#[test]
fn out_of_order_line_tables_use_explicit_pcs() {
    let mut m = minimal_module();
    m.functions[0].lines = vec![
        LineEntry { pc: 1, line: 10 },
        LineEntry { pc: 1, line: 11 },
        LineEntry { pc: 0, line: 9 },
        LineEntry { pc: 2, line: 12 },
        LineEntry { pc: 7, line: 13 },
    ];
    let text = disassemble(&m);
    assert!(
        text.contains(
            "    0: loadnil r0\n    .line 10\n    .line 11\n    .line 9 pc=0\n    1: ret r0\n    .line 12\n    .line 13 pc=7\n"
        ),
        "{text}"
    );
    assert_round_trips(&m);
}

#[test]
fn special_floats_and_strings_round_trip() {
    let mut m = minimal_module();
    let strings = [
        "",
        "\"",
        "\\",
        "\n\t\r\0",
        "\u{7f}\u{1b}\u{85}\u{2028}\u{feff}",
        "\u{1F600} caf\u{e9}",
        "; not a comment",
        "k0, r1: =",
        "\\u{41}",
    ];
    m.constants = strings.iter().map(|s| Constant::Str((*s).into())).collect();
    for bits in [
        0x7ff8_0000_0000_0000u64,
        0xfff8_0000_0000_0000,
        0x7ff0_0000_0000_0001,
        0x7fff_ffff_ffff_ffff,
        0x8000_0000_0000_0000,
        0,
        1,
        0x000f_ffff_ffff_ffff,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x3fb9_9999_9999_999a,
        f64::MAX.to_bits(),
        f64::MIN_POSITIVE.to_bits(),
        1e16f64.to_bits(),
        123456789.125f64.to_bits(),
    ] {
        m.constants.push(Constant::Float(f64::from_bits(bits)));
    }
    let text = disassemble(&m);
    for line in text.lines() {
        assert!(
            !line.contains('\r') && !line.contains('\u{2028}'),
            "{line:?}"
        );
    }
    assert!(text.contains(".const k9 float nan\n"));
    assert!(text.contains(".const k10 float bits=0xfff8000000000000\n"));
    assert!(text.contains(".const k13 float -0.0\n"));
    assert!(text.contains(".const k17 float inf\n"));
    assert!(text.contains(".const k18 float -inf\n"));
    assert!(text.contains(".const k19 float 0.1\n"));
    assert_round_trips(&m);
}

// ---------------------------------------------------------------------------
// Assembler conveniences.

#[test]
fn labels_names_and_numbers_assemble_alike() {
    let symbolic = assembled(
        r#"
        .entry main
        .const func helper
        .func main arity=0 frame=3
        top:
            jmpeqi r0, 0x7f, done
            calld r0, helper, r1, 0
            callb r0, len, r1, 1
            jmp top
        done: ret r0
        .end
        .func helper arity=0 frame=1
            ret r0
        .end
        "#,
    );
    let numeric = assembled(
        r#"
        .entry f0
        .const k0 func f1
        .func main arity=0 frame=3
            0: jmpeqi r0, 127, +3
            1: calld r0, f1, r1, 0
            2: callb r0, b1, r1, 1
            3: jmp -4
            4: ret r0
        .end
        .func "helper" frame=1 arity=0
            ret r0
        .end
        "#,
    );
    assert_eq!(symbolic, numeric);
    verify(symbolic).unwrap();
}

#[test]
fn defaults_entry_f0_and_the_given_source_name() {
    let m = assemble(".func main arity=0 frame=1\n ret r0\n.end\n", "hand.vasm").unwrap();
    assert_eq!(m.entry, 0);
    assert_eq!(m.source_name, "hand.vasm");
    assert_eq!(
        assemble("", "empty.vasm").unwrap(),
        Module {
            source_name: "empty.vasm".into(),
            ..Module::default()
        }
    );
}

#[test]
fn crlf_line_endings_and_comments_are_accepted() {
    let m = assembled(
        ".func main arity=0 frame=1 ; header\r\n  loadint r0, -7 ; seven\r\n ret r0\r\n.end\r\n",
    );
    assert_eq!(
        m.functions[0].code,
        vec![
            Instr::LoadInt { dst: 0, value: -7 },
            Instr::Return { src: 0 }
        ]
    );
}

#[test]
fn a_function_named_like_an_index_is_referred_to_by_quoting() {
    let m = assembled(
        ".func f1 arity=0 frame=1\n ret r0\n.end\n.func x arity=0 frame=1\n calld r0, \"f1\", r0, 0\n calld r0, f1, r0, 0\n ret r0\n.end\n",
    );
    assert_eq!(
        m.functions[1].code[0],
        Instr::CallDirect {
            dst: 0,
            func: 0,
            args: 0,
            nargs: 0
        }
    );
    assert_eq!(
        m.functions[1].code[1],
        Instr::CallDirect {
            dst: 0,
            func: 1,
            args: 0,
            nargs: 0
        }
    );
}

// ---------------------------------------------------------------------------
// Assembler errors.

#[test]
fn error_display_is_file_line_message() {
    let e = AsmError {
        source_name: "x.vasm".into(),
        line: 3,
        message: "boom".into(),
    };
    assert_eq!(e.to_string(), "x.vasm:3: boom");
}

#[test]
fn unknown_instruction_and_directive() {
    assert_eq!(
        error(".func f arity=0 frame=1\n  frob r0\n.end"),
        "bad.vasm:2: unknown instruction 'frob'"
    );
    assert_eq!(error("\n\n.fun f"), "bad.vasm:3: unknown directive .fun");
    assert_eq!(
        error(".func f arity=0 frame=1\n  .fun f\n.end"),
        "bad.vasm:2: unknown directive .fun"
    );
}

#[test]
fn wrong_operand_counts() {
    assert_eq!(
        error(".func f arity=0 frame=1\n add r0, r0\n.end"),
        "bad.vasm:2: add takes 3 operands (dst, a, b), found 2"
    );
    assert_eq!(
        error(".func f arity=0 frame=1\n ret\n.end"),
        "bad.vasm:2: ret takes 1 operand (src), found 0"
    );
    assert_eq!(
        error(".func f arity=0 frame=1\n ret r0,\n.end"),
        "bad.vasm:2: expected an operand after ','"
    );
    assert_eq!(
        error(".func f arity=0 frame=1\n add r0 r0, r0\n.end"),
        "bad.vasm:2: expected ',' between operands, found 'r0'"
    );
    assert_eq!(
        error(".func f arity=0 frame=1\n add , r0, r0\n.end"),
        "bad.vasm:2: expected an operand, found ','"
    );
}

#[test]
fn operands_of_the_wrong_kind() {
    let body = |instr: &str| error(&format!(".func f arity=0 frame=1\n {instr}\n.end"));
    assert_eq!(
        body("move r0, k1"),
        "bad.vasm:2: move operand 'src': expected a register like r3, found 'k1'"
    );
    assert_eq!(
        body("loadk r0, r1"),
        "bad.vasm:2: loadk operand 'k': expected a constant like k2, found 'r1'"
    );
    assert_eq!(
        body("loadk r0, \"s\""),
        "bad.vasm:2: loadk operand 'k': expected a constant like k2, found string \"s\""
    );
    assert_eq!(
        body("loadint r0, x"),
        "bad.vasm:2: loadint operand 'value': 'x' is not a valid immediate"
    );
    assert_eq!(
        body("calld r0, 3, r0, 0"),
        "bad.vasm:2: calld operand 'func': expected a function like f2 or a function's name, found '3'"
    );
    assert_eq!(
        body("callb r0, nosuch, r0, 0"),
        "bad.vasm:2: callb operand 'builtin': unknown builtin 'nosuch'"
    );
    assert_eq!(
        body("jmp 1.5"),
        "bad.vasm:2: jmp operand 'offset': '1.5' is not a valid jump offset"
    );
}

#[test]
fn operands_out_of_range() {
    let body = |instr: &str| error(&format!(".func f arity=0 frame=1\n {instr}\n.end"));
    assert_eq!(
        body("ret r256"),
        "bad.vasm:2: ret operand 'src': register r256 out of range (r0..=r255)"
    );
    assert_eq!(
        body("loadk r0, k65536"),
        "bad.vasm:2: loadk operand 'k': constant k65536 out of range (k0..=k65535)"
    );
    assert_eq!(
        body("calld r0, f99999999999999999999999, r0, 0"),
        "bad.vasm:2: calld operand 'func': function f99999999999999999999999 out of range (f0..=f65535)"
    );
    assert_eq!(
        body("callb r0, b256, r0, 0"),
        "bad.vasm:2: callb operand 'builtin': builtin b256 out of range (b0..=b255)"
    );
    assert_eq!(
        body("addi r0, r0, 128"),
        "bad.vasm:2: addi operand 'imm': immediate 128 out of range (-128..=127)"
    );
    assert_eq!(
        body("loadint r0, -32769"),
        "bad.vasm:2: loadint operand 'value': immediate -32769 out of range (-32768..=32767)"
    );
    assert_eq!(
        body("call r0, r1, 256"),
        "bad.vasm:2: call operand 'nargs': count 256 out of range (0..=255)"
    );
    assert_eq!(
        body("call r0, r1, -1"),
        "bad.vasm:2: call operand 'nargs': count -1 out of range (0..=255)"
    );
    assert_eq!(
        body("jmp +2147483648"),
        "bad.vasm:2: jmp operand 'offset': jump offset +2147483648 out of range (-2147483648..=2147483647)"
    );
}

#[test]
fn label_errors() {
    assert_eq!(
        error(".func f arity=0 frame=1\n jmp nowhere\n ret r0\n.end"),
        "bad.vasm:2: unknown label 'nowhere' in function f"
    );
    assert_eq!(
        error(".func f arity=0 frame=1\nagain:\nagain: ret r0\n.end"),
        "bad.vasm:3: label 'again' is already defined on line 2"
    );
    assert_eq!(
        error(".func f arity=0 frame=1\n a-b: ret r0\n.end"),
        "bad.vasm:2: 'a-b' is not a valid label (labels are identifiers)"
    );
    assert_eq!(
        error("top: \n"),
        "bad.vasm:1: 'top:' outside a function (.func ... .end)"
    );
    // Labels belong to their function.
    assert_eq!(
        error(
            ".func f arity=0 frame=1\nhere: ret r0\n.end\n.func g arity=0 frame=1\n jmp here\n.end"
        ),
        "bad.vasm:5: unknown label 'here' in function g"
    );
}

#[test]
fn instruction_index_mismatch() {
    assert_eq!(
        error(".func f arity=0 frame=1\n 0: loadnil r0\n 2: ret r0\n.end"),
        "bad.vasm:3: instruction index 2 does not match: the next instruction is 1"
    );
}

#[test]
fn function_name_errors() {
    assert_eq!(
        error(".func f arity=0 frame=1\n calld r0, g, r0, 0\n ret r0\n.end"),
        "bad.vasm:2: no function named g"
    );
    assert_eq!(
        error(
            ".func g arity=0 frame=1\n ret r0\n.end\n.func g arity=0 frame=1\n ret r0\n.end\n.entry g"
        ),
        "bad.vasm:7: function name g is ambiguous (f0, f1); refer to it by index"
    );
    assert_eq!(
        error(".const func \"no such\""),
        "bad.vasm:1: no function named \"no such\""
    );
    // Duplicate names are fine when nothing refers to them by name.
    assembled(".func g arity=0 frame=1\n ret r0\n.end\n.func g arity=0 frame=1\n ret r0\n.end\n");
}

#[test]
fn string_errors() {
    assert_eq!(
        error(".source \"open"),
        "bad.vasm:1: unterminated string (missing the closing \")"
    );
    assert_eq!(
        error(".source \"a\\qb\""),
        "bad.vasm:1: unknown escape '\\q' in string"
    );
    assert_eq!(
        error(".source \"\\u{110000}\""),
        "bad.vasm:1: bad unicode escape: 110000 is not a unicode scalar value"
    );
    assert_eq!(
        error(".source \"\\u{d800}\""),
        "bad.vasm:1: bad unicode escape: d800 is not a unicode scalar value"
    );
    assert_eq!(
        error(".source \"\\u41\""),
        "bad.vasm:1: bad unicode escape: expected \\u{HEX} with 1 to 6 hex digits"
    );
    assert_eq!(
        error(".source \"\\u{1234567}\""),
        "bad.vasm:1: bad unicode escape: expected \\u{HEX} with 1 to 6 hex digits"
    );
    assert_eq!(
        error(".source \"\\"),
        "bad.vasm:1: unterminated string (missing the closing \")"
    );
}

#[test]
fn structure_errors() {
    assert_eq!(
        error("ret r0"),
        "bad.vasm:1: instruction 'ret' outside a function (.func ... .end)"
    );
    assert_eq!(error(".end"), "bad.vasm:1: .end without .func");
    assert_eq!(
        error(".func f arity=0 frame=1\n.end x"),
        "bad.vasm:2: unexpected 'x' after .end"
    );
    assert_eq!(
        error("\n.func f arity=0 frame=1\n ret r0\n"),
        "bad.vasm:2: function f has no .end"
    );
    assert_eq!(
        error(".func f arity=0 frame=1\n.const int 1\n.end"),
        "bad.vasm:2: .const inside a function (close it with .end first)"
    );
    assert_eq!(
        error(".func f arity=0 frame=1\n.func g arity=0 frame=1"),
        "bad.vasm:2: .func inside a function (close it with .end first)"
    );
    assert_eq!(
        error(".line 3"),
        "bad.vasm:1: .line outside a function (.func ... .end)"
    );
    assert_eq!(
        error(".func f arity=0 frame=1\n.line x\n.end"),
        "bad.vasm:2: 'x' is not a valid line number"
    );
    assert_eq!(
        error(".func f arity=0 frame=1\n.line 1 at=3\n.end"),
        "bad.vasm:2: expected .line N or .line N pc=N"
    );
    assert_eq!(
        error(", r0"),
        "bad.vasm:1: expected a directive, a label or an instruction, found ','"
    );
}

#[test]
fn module_directive_errors() {
    assert_eq!(
        error(".source \"a\"\n.source \"b\""),
        "bad.vasm:2: .source given twice"
    );
    assert_eq!(error(".source a"), "bad.vasm:1: expected .source \"NAME\"");
    assert_eq!(
        error(".entry f0\n.entry f0"),
        "bad.vasm:2: .entry given twice"
    );
    assert_eq!(error(".entry"), "bad.vasm:1: expected .entry FUNCTION");
    assert_eq!(
        error(".entry f0\n.func g arity=0 frame=1\n ret r0\n.end\n.entry f70000"),
        "bad.vasm:5: .entry given twice"
    );
    assert_eq!(
        error(".entry f70000"),
        "bad.vasm:1: function f70000 out of range (f0..=f65535)"
    );
}

#[test]
fn function_header_errors() {
    assert_eq!(
        error(".func"),
        "bad.vasm:1: expected .func NAME arity=N frame=N (NAME an identifier or a quoted string)"
    );
    assert_eq!(
        error(".func 9lives arity=0 frame=1"),
        "bad.vasm:1: expected .func NAME arity=N frame=N (NAME an identifier or a quoted string)"
    );
    assert_eq!(
        error(".func f arity=0"),
        "bad.vasm:1: function f needs both arity=N and frame=N"
    );
    assert_eq!(
        error(".func f arity=0 arity=1 frame=1"),
        "bad.vasm:1: arity= given twice"
    );
    assert_eq!(
        error(".func f arity=0 frame=1 size=2"),
        "bad.vasm:1: unknown function attribute 'size' (expected arity= and frame=)"
    );
    assert_eq!(
        error(".func f arity=256 frame=1"),
        "bad.vasm:1: arity 256 out of range (0..=255)"
    );
    assert_eq!(
        error(".func f arity=0 frame=65536"),
        "bad.vasm:1: frame size 65536 out of range (0..=65535)"
    );
    assert_eq!(
        error(".func f arity=0 frame=1 extra"),
        "bad.vasm:1: expected arity=N or frame=N, found 'extra'"
    );
}

#[test]
fn constant_errors() {
    assert_eq!(
        error(".const k1 int 5"),
        "bad.vasm:1: constant k1 declared out of order: the next constant is k0"
    );
    assert_eq!(
        error(".const int 9223372036854775808"),
        "bad.vasm:1: integer 9223372036854775808 out of range (-9223372036854775808..=9223372036854775807)"
    );
    assert_eq!(
        error(".const int five"),
        "bad.vasm:1: 'five' is not a valid integer"
    );
    assert_eq!(
        error(".const float fast"),
        "bad.vasm:1: expected a float like 0.5, 1e-9, inf or nan (or bits=0x... for an exact pattern), found 'fast'"
    );
    assert_eq!(
        error(".const float -nan"),
        "bad.vasm:1: expected a float like 0.5, 1e-9, inf or nan (or bits=0x... for an exact pattern), found '-nan'"
    );
    assert_eq!(
        error(".const float bits=12"),
        "bad.vasm:1: expected a 64-bit hex pattern like 0x7ff8000000000000, found '12'"
    );
    assert_eq!(
        error(".const float bits=0x1ffffffffffffffff"),
        "bad.vasm:1: expected a 64-bit hex pattern like 0x7ff8000000000000, found '0x1ffffffffffffffff'"
    );
    assert_eq!(
        error(".const str hello"),
        "bad.vasm:1: expected .const [kN] int N | float X | str \"S\" | func FUNCTION"
    );
    assert_eq!(
        error(".const bool true"),
        "bad.vasm:1: expected .const [kN] int N | float X | str \"S\" | func FUNCTION"
    );
}

#[test]
fn numbers_in_hex_and_with_signs() {
    let m = assembled(".const int -0x10\n.const int +42\n.const float 1e-9\n.const float -1.5E3\n");
    assert_eq!(
        m.constants,
        vec![
            Constant::Int(-16),
            Constant::Int(42),
            Constant::Float(1e-9),
            Constant::Float(-1500.0)
        ]
    );
}

#[test]
fn text_lines_place_the_verifiers_refusals_at_their_line() {
    let text = "; a comment\n.func helper arity=0 frame=1\n  loadnil r0\n  ret r0\n.end\n\
                \n.func main arity=0 frame=1\n  loadint r0, 1\n\n  jmp +5\n  ret r0\n.end\n";
    let (module, lines) =
        bytecode::asm::assemble_with_lines(text, "test.vasm").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(module, assembled(text));
    assert_eq!(lines.function(0), Some(2));
    assert_eq!(lines.function(1), Some(7));
    assert_eq!(lines.instruction(0, 1), Some(4));
    assert_eq!(lines.instruction(1, 1), Some(10));
    assert_eq!(lines.instruction(1, 3), None);
    assert_eq!(lines.function(2), None);
    let refusal = verify(module).unwrap_err();
    assert_eq!(refusal.function, Some((1, "main".to_owned())));
    assert_eq!(refusal.instruction, Some(1));
    assert_eq!(lines.locate(&refusal), Some(10));
    let whole = bytecode::FormatError::new("no functions");
    assert_eq!(lines.locate(&whole), None);
    assert_eq!(
        lines.locate(&whole.clone().in_function(0, "helper")),
        Some(2)
    );
}
