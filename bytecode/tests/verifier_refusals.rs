//! Every refusal of the reader and of the verifier, one test each, asserting
//! the exact one-line message and the byte offset it names.

mod common;

use bytecode::builtin::Builtin;
use bytecode::error::FormatError;
use bytecode::format::{ModuleOffsets, load, read_module, write_module};
use bytecode::instr::Instr;
use bytecode::module::{Constant, Function, LineEntry, MAX_INT, MIN_INT, Module};
use bytecode::verify::{verify, verify_with_offsets};
use common::*;

/// Opcode bytes used in hand-built files.
const RET: u8 = bytecode::Opcode::Return as u8;
const LOADNIL: u8 = bytecode::Opcode::LoadNil as u8;

/// The reader refuses `bytes` at `offset` with `message`.
fn reader_refuses(bytes: &[u8], offset: u64, message: &str) {
    let error = read_module(bytes).expect_err("the reader must refuse");
    assert_eq!(error.offset, Some(offset), "{error}");
    assert_eq!(error.to_string(), format!("byte {offset}: {message}"));
    assert_eq!(load(bytes).expect_err("load must refuse too"), error);
}

/// The verifier refuses `m`, written to a file, at `offset` with `message`;
/// verified directly (no file), it says the same without an offset.
fn verifier_refuses(m: &Module, offset: u64, message: &str) {
    let bytes = write_module(m);
    read_module(&bytes).expect("the reader accepts what the writer wrote");
    let error = load(&bytes).expect_err("the verifier must refuse");
    assert_eq!(error.offset, Some(offset), "{error}");
    assert_eq!(error.to_string(), format!("byte {offset}: {message}"));
    let direct = verify(m.clone()).expect_err("verify must refuse too");
    assert_eq!(
        direct,
        FormatError {
            offset: None,
            ..error
        }
    );
}

fn accepted(m: &Module) {
    if let Err(e) = load(&write_module(m)) {
        panic!("refused a valid module: {e}");
    }
}

/// The sample module with one instruction of `main` (4 registers, 5
/// instructions) replaced.
fn with_main_instr(pc: usize, instr: Instr) -> Module {
    let mut m = sample_module();
    m.functions[0].code[pc] = instr;
    m
}

/// `main` (frame of 4) holding `instr` then `ret r0`, and `two` taking 2
/// arguments.
fn with_instr(instr: Instr) -> Module {
    Module {
        constants: vec![Constant::Int(1)],
        functions: vec![
            function("main", 0, 4, vec![instr, Instr::Return { src: 0 }]),
            function("two", 2, 2, vec![Instr::Return { src: 0 }]),
        ],
        entry: 0,
        source_name: String::new(),
    }
}

fn refused_instr(instr: Instr, message: &str) {
    let m = with_instr(instr);
    verifier_refuses(
        &m,
        instruction_offset(&m, 0, 0),
        &format!("function 0 'main': instruction 0: {message}"),
    );
}

fn minimal_functions_body() -> Vec<u8> {
    write_module(&minimal_module())[44..].to_vec()
}

/// A file with the given constants section body (at byte 40) and the
/// minimal module's functions.
fn with_constants_body(body: Vec<u8>) -> Vec<u8> {
    file_with_sections(0, &[(1, body), (2, minimal_functions_body())])
}

/// A file with no constants and the given functions section body (at byte 44).
fn with_functions_body(body: Vec<u8>) -> Vec<u8> {
    file_with_sections(0, &[(1, u32s(&[0])), (2, body)])
}

/// `count` then the records, as a functions section body.
fn functions_body(count: u32, records: &[Vec<u8>]) -> Vec<u8> {
    let mut body = u32s(&[count]);
    for record in records {
        body.extend_from_slice(record);
    }
    body
}

fn main_record(code: &[u8]) -> Vec<u8> {
    function_record(b"main", 0, 1, code, &[])
}

// ---------------------------------------------------------------------------
// Header.

#[test]
fn empty_file() {
    reader_refuses(b"", 0, "truncated header: the file has only 0 bytes");
}

#[test]
fn file_shorter_than_the_magic() {
    reader_refuses(
        &MAGIC[..5],
        5,
        "truncated header: the file has only 5 bytes",
    );
}

#[test]
fn bad_magic() {
    reader_refuses(b"print(1)\n", 0, "bad magic number: not a .bc file");
    reader_refuses(
        &[0x89, b'P', b'N', b'G'],
        1,
        "bad magic number: not a .bc file",
    );
}

#[test]
fn magic_mangled_by_a_text_mode_transfer() {
    let mut bytes = write_module(&minimal_module());
    bytes.remove(4); // "\r\n" became "\n"
    reader_refuses(
        &bytes,
        4,
        "bad magic number: the file starts like a .bc file but its line-ending bytes differ (was it transferred in text mode?)",
    );
}

#[test]
fn truncated_header_fields() {
    let bytes = write_module(&minimal_module());
    reader_refuses(
        &bytes[..9],
        8,
        "truncated format version: needs 2 bytes but only 1 remain in the file",
    );
    reader_refuses(
        &bytes[..10],
        10,
        "truncated section count: needs 2 bytes but only 0 remain in the file",
    );
    reader_refuses(
        &bytes[..14],
        12,
        "truncated entry function index: needs 4 bytes but only 2 remain in the file",
    );
}

#[test]
fn unsupported_format_version() {
    let mut bytes = write_module(&minimal_module());
    put_u16(&mut bytes, 8, 2);
    reader_refuses(
        &bytes,
        8,
        "unsupported format version 2 (this VM reads version 1)",
    );
    put_u16(&mut bytes, 8, 0);
    reader_refuses(
        &bytes,
        8,
        "unsupported format version 0 (this VM reads version 1)",
    );
}

#[test]
fn entry_index_beyond_sixteen_bits() {
    let mut bytes = write_module(&minimal_module());
    put_u32(&mut bytes, 12, 65536);
    reader_refuses(
        &bytes,
        12,
        "entry function index 65536 out of range (function indices are below 65536)",
    );
}

// ---------------------------------------------------------------------------
// Section directory and layout.

#[test]
fn truncated_section_directory() {
    let bytes = write_module(&minimal_module());
    reader_refuses(
        &bytes[..33],
        16,
        "truncated section directory: needs 24 bytes but only 17 remain in the file",
    );
    reader_refuses(
        &bytes[..16],
        16,
        "truncated section directory: needs 24 bytes but only 0 remain in the file",
    );
}

#[test]
fn unknown_section_kind() {
    let mut bytes = write_module(&minimal_module());
    put_u32(&mut bytes, 16, 9);
    reader_refuses(&bytes, 16, "section 0 has unknown kind 9");
    put_u32(&mut bytes, 16, 0);
    reader_refuses(&bytes, 16, "section 0 has unknown kind 0");
}

#[test]
fn duplicate_section_kind() {
    let mut bytes = write_module(&minimal_module());
    put_u32(&mut bytes, 28, 1);
    reader_refuses(
        &bytes,
        28,
        "section 1 is a second constants section (section 0 is the first)",
    );
}

#[test]
fn missing_sections() {
    let mut bytes = write_module(&minimal_module());
    put_u32(&mut bytes, 16, 3); // the constants section now claims to be meta
    reader_refuses(&bytes, 16, "the file has no constants section");
    let mut bytes = write_module(&minimal_module());
    put_u16(&mut bytes, 10, 1); // only the constants section is listed
    reader_refuses(&bytes, 16, "the file has no functions section");
}

#[test]
fn section_past_the_end_of_the_file() {
    let m = sample_module();
    let mut bytes = write_module(&m);
    let meta = meta_start(&m);
    put_u32(&mut bytes, 48, 1000); // meta's length
    reader_refuses(
        &bytes,
        44,
        &format!(
            "section 2 (meta) spans bytes {meta}..{}, past the end of the file ({} bytes)",
            meta + 1000,
            bytes.len()
        ),
    );
    let mut bytes = write_module(&m);
    put_u32(&mut bytes, 44, u32::MAX); // meta's offset
    reader_refuses(
        &bytes,
        44,
        &format!(
            "section 2 (meta) spans bytes {}..{}, past the end of the file ({} bytes)",
            u32::MAX,
            u64::from(u32::MAX) + 14,
            bytes.len()
        ),
    );
}

#[test]
fn section_overlapping_the_header() {
    let mut bytes = write_module(&sample_module());
    put_u32(&mut bytes, 20, 20);
    reader_refuses(
        &bytes,
        20,
        "section 0 (constants) starts at byte 20, inside the header and section directory (bytes 0..52)",
    );
}

#[test]
fn overlapping_sections() {
    let m = sample_module();
    let mut bytes = write_module(&m);
    let constants = constants_start(&m);
    let functions = functions_start(&m);
    let functions_len = meta_start(&m) - functions;
    put_u32(&mut bytes, 32, (constants + 2) as u32);
    reader_refuses(
        &bytes,
        constants + 2,
        &format!(
            "section 1 (functions, bytes {}..{}) overlaps section 0 (constants, bytes {constants}..{functions})",
            constants + 2,
            constants + 2 + functions_len
        ),
    );
}

#[test]
fn gap_between_sections() {
    let m = sample_module();
    let mut bytes = write_module(&m);
    let meta = meta_start(&m);
    let meta_len = bytes.len() as u64 - meta;
    put_u32(&mut bytes, 44, (meta + 1) as u32);
    put_u32(&mut bytes, 48, (meta_len - 1) as u32);
    reader_refuses(
        &bytes,
        meta,
        &format!(
            "bytes {meta}..{} belong to no section (a gap before section 2 (meta))",
            meta + 1
        ),
    );
}

#[test]
fn gap_after_the_directory() {
    let mut bytes = write_module(&minimal_module());
    put_u32(&mut bytes, 20, 41);
    put_u32(&mut bytes, 24, 3);
    reader_refuses(
        &bytes,
        40,
        "bytes 40..41 belong to no section (a gap before section 0 (constants))",
    );
}

#[test]
fn trailing_bytes() {
    let mut bytes = write_module(&minimal_module());
    bytes.push(0);
    reader_refuses(
        &bytes,
        71,
        "1 trailing byte after the last section (bytes 71..72)",
    );
    bytes.extend_from_slice(b"junk");
    reader_refuses(
        &bytes,
        71,
        "5 trailing bytes after the last section (bytes 71..76)",
    );
}

// ---------------------------------------------------------------------------
// Constants section.

#[test]
fn constant_count_larger_than_the_section() {
    reader_refuses(
        &with_constants_body(u32s(&[1000])),
        40,
        "truncated: constant count 1000 needs at least 5000 bytes but only 0 remain in the constants section",
    );
    // A huge count is refused before anything is allocated for it.
    reader_refuses(
        &with_constants_body(u32s(&[u32::MAX])),
        40,
        "truncated: constant count 4294967295 needs at least 21474836475 bytes but only 0 remain in the constants section",
    );
}

#[test]
fn unknown_constant_tag() {
    let mut body = u32s(&[1]);
    body.extend_from_slice(&[7, 0, 0, 0, 0]);
    reader_refuses(
        &with_constants_body(body),
        44,
        "constant 0: unknown constant tag 7",
    );
}

#[test]
fn truncated_numeric_constants() {
    let mut int = u32s(&[1]);
    int.extend_from_slice(&[0, 1, 2, 3, 4]);
    reader_refuses(
        &with_constants_body(int),
        45,
        "constant 0: truncated integer: needs 8 bytes but only 4 remain in the constants section",
    );
    let mut float = u32s(&[1]);
    float.extend_from_slice(&[1, 1, 2, 3, 4, 5, 6]);
    reader_refuses(
        &with_constants_body(float),
        45,
        "constant 0: truncated float: needs 8 bytes but only 6 remain in the constants section",
    );
}

#[test]
fn truncated_string_constant() {
    let mut body = u32s(&[1]);
    body.push(2);
    body.extend_from_slice(&u32s(&[10]));
    body.extend_from_slice(b"abc");
    reader_refuses(
        &with_constants_body(body),
        49,
        "constant 0: truncated string: needs 10 bytes but only 3 remain in the constants section",
    );
}

#[test]
fn string_constant_with_bad_utf8() {
    let mut body = u32s(&[1]);
    body.push(2);
    body.extend_from_slice(&u32s(&[3]));
    body.extend_from_slice(&[b'a', 0xff, b'b']);
    reader_refuses(
        &with_constants_body(body),
        50,
        "constant 0: string is not valid UTF-8",
    );
}

#[test]
fn function_constant_beyond_sixteen_bits() {
    let mut body = u32s(&[1]);
    body.push(3);
    body.extend_from_slice(&u32s(&[70000]));
    reader_refuses(
        &with_constants_body(body),
        45,
        "constant 0: function index 70000 out of range (function indices are below 65536)",
    );
}

#[test]
fn bytes_left_over_in_the_constants_section() {
    let mut body = u32s(&[0]);
    body.push(0);
    reader_refuses(
        &with_constants_body(body),
        44,
        "1 byte left over in the constants section after its 0 constants",
    );
}

// ---------------------------------------------------------------------------
// Functions section.

#[test]
fn function_count_larger_than_the_section() {
    let body = functions_body(2, &[main_record(&[RET, 0])]);
    reader_refuses(
        &with_functions_body(body),
        44,
        "truncated: function count 2 needs at least 30 bytes but only 21 remain in the functions section",
    );
}

#[test]
fn function_name_with_bad_utf8() {
    let body = functions_body(1, &[function_record(b"a\xffb", 0, 1, &[RET, 0], &[])]);
    reader_refuses(
        &with_functions_body(body),
        53,
        "function 0: function name is not valid UTF-8",
    );
}

#[test]
fn truncated_function_name() {
    let mut body = functions_body(1, &[main_record(&[RET, 0])]);
    body[4..8].copy_from_slice(&100u32.to_le_bytes());
    reader_refuses(
        &with_functions_body(body),
        52,
        "function 0: truncated function name: needs 100 bytes but only 17 remain in the functions section",
    );
}

#[test]
fn truncated_frame_size() {
    let mut body = functions_body(1, &[]);
    body.extend_from_slice(&u32s(&[12]));
    body.extend_from_slice(b"twelve_bytes");
    body.extend_from_slice(&[0, 1]); // arity, then one byte of the frame size
    reader_refuses(
        &with_functions_body(body),
        65,
        "function 0 'twelve_bytes': truncated frame size: needs 2 bytes but only 1 remain in the functions section",
    );
}

#[test]
fn truncated_code() {
    let mut body = functions_body(1, &[main_record(&[RET, 0])]);
    body[15..19].copy_from_slice(&100u32.to_le_bytes());
    reader_refuses(
        &with_functions_body(body),
        63,
        "function 0 'main': truncated code: needs 100 bytes but only 6 remain in the functions section",
    );
}

#[test]
fn unknown_opcode() {
    let body = functions_body(1, &[main_record(&[0xff, 0])]);
    reader_refuses(
        &with_functions_body(body),
        63,
        "function 0 'main': instruction 0: unknown opcode 0xff",
    );
    let body = functions_body(1, &[main_record(&[0x02, 0, 0x00, 0])]);
    reader_refuses(
        &with_functions_body(body),
        65,
        "function 0 'main': instruction 1: unknown opcode 0x00",
    );
}

#[test]
fn truncated_instruction_at_the_end_of_the_code() {
    let body = functions_body(1, &[main_record(&[LOADNIL, 0, RET])]);
    reader_refuses(
        &with_functions_body(body),
        65,
        "function 0 'main': instruction 1: truncated instruction: ret needs 2 bytes but the code has only 1 left",
    );
    let body = functions_body(1, &[main_record(&[0x20, 1, 0, 0])]);
    reader_refuses(
        &with_functions_body(body),
        63,
        "function 0 'main': instruction 0: truncated instruction: jmp needs 5 bytes but the code has only 4 left",
    );
}

#[test]
fn line_count_larger_than_the_section() {
    let mut body = functions_body(1, &[main_record(&[RET, 0])]);
    let len = body.len();
    body[len - 4..].copy_from_slice(&5u32.to_le_bytes());
    reader_refuses(
        &with_functions_body(body),
        65,
        "function 0 'main': truncated: line table entry count 5 needs at least 40 bytes but only 0 remain in the functions section",
    );
}

#[test]
fn bytes_left_over_in_the_functions_section() {
    let mut body = functions_body(1, &[main_record(&[RET, 0])]);
    body.extend_from_slice(&[0, 0]);
    reader_refuses(
        &with_functions_body(body),
        69,
        "2 bytes left over in the functions section after its 1 function",
    );
}

// ---------------------------------------------------------------------------
// Meta section.

fn with_meta_body(body: Vec<u8>) -> Vec<u8> {
    file_with_sections(
        0,
        &[(1, u32s(&[0])), (2, minimal_functions_body()), (3, body)],
    )
}

#[test]
fn source_name_with_bad_utf8() {
    let mut body = u32s(&[2]);
    body.extend_from_slice(&[0xc3, 0x28]);
    reader_refuses(
        &with_meta_body(body),
        87,
        "source file name is not valid UTF-8",
    );
}

#[test]
fn truncated_source_name() {
    let mut body = u32s(&[5]);
    body.extend_from_slice(b"ab");
    reader_refuses(
        &with_meta_body(body),
        87,
        "truncated source file name: needs 5 bytes but only 2 remain in the meta section",
    );
    reader_refuses(
        &with_meta_body(vec![1, 0]),
        83,
        "truncated source file name: needs 4 bytes but only 2 remain in the meta section",
    );
}

#[test]
fn bytes_left_over_in_the_meta_section() {
    let mut body = u32s(&[1]);
    body.extend_from_slice(b"ab");
    reader_refuses(
        &with_meta_body(body),
        88,
        "1 byte left over in the meta section after the source file name",
    );
}

// ---------------------------------------------------------------------------
// Verifier: the module's tables and entry.

#[test]
fn no_functions() {
    let m = Module {
        functions: Vec::new(),
        ..sample_module()
    };
    verifier_refuses(
        &m,
        functions_start(&m),
        "the module has no functions; it needs at least its entry function",
    );
}

#[test]
fn too_many_functions() {
    let mut m = minimal_module();
    let copy = m.functions[0].clone();
    m.functions.resize(65537, copy);
    m.functions[65536].name = "last".to_owned();
    assert_eq!(
        m.function_index("last"),
        None,
        "index 65536 does not fit a function operand"
    );
    verifier_refuses(
        &m,
        functions_start(&m),
        "65537 functions; at most 65536 fit the 16-bit function index",
    );
    m.functions.truncate(65536);
    accepted(&m);
}

#[test]
fn too_many_constants() {
    let mut m = minimal_module();
    m.constants = vec![Constant::Int(0); 65537];
    verifier_refuses(
        &m,
        constants_start(&m),
        "65537 constants; at most 65536 fit the 16-bit constant index",
    );
    m.constants.truncate(65536);
    accepted(&m);
}

#[test]
fn entry_out_of_range() {
    let m = Module {
        entry: 2,
        ..sample_module()
    };
    verifier_refuses(
        &m,
        12,
        "entry function index 2 out of range (the module has 2 functions)",
    );
}

#[test]
fn entry_function_with_arguments() {
    let m = Module {
        entry: 1,
        ..sample_module()
    };
    verifier_refuses(
        &m,
        arity_offset(&m, 1),
        "function 1 'inc': the entry function must take no arguments, but it takes 1",
    );
}

// ---------------------------------------------------------------------------
// Verifier: constants.

#[test]
fn integer_constant_outside_63_bits() {
    for value in [MAX_INT + 1, MIN_INT - 1, i64::MAX, i64::MIN] {
        let mut m = sample_module();
        m.constants[1] = Constant::Int(value);
        verifier_refuses(
            &m,
            constant_offset(&m, 1),
            &format!(
                "constant 1: integer {value} out of range (integers are 63-bit: -4611686018427387904..=4611686018427387903)"
            ),
        );
    }
}

#[test]
fn function_constant_out_of_range() {
    let mut m = sample_module();
    m.constants[1] = Constant::Func(2);
    verifier_refuses(
        &m,
        constant_offset(&m, 1),
        "constant 1: function f2 out of range (the module has 2 functions)",
    );
}

// ---------------------------------------------------------------------------
// Verifier: functions.

#[test]
fn empty_function_name() {
    let mut m = sample_module();
    m.functions[1].name = String::new();
    verifier_refuses(
        &m,
        function_offset(&m, 1),
        "function 1: the function name is empty",
    );
}

#[test]
fn frame_size_above_the_maximum() {
    let mut m = sample_module();
    m.functions[0].frame_size = 257;
    verifier_refuses(
        &m,
        frame_size_offset(&m, 0),
        "function 0 'main': frame size 257 exceeds the maximum of 256 registers",
    );
}

#[test]
fn frame_size_below_the_arity() {
    let mut m = sample_module();
    m.functions[1].frame_size = 0;
    verifier_refuses(
        &m,
        frame_size_offset(&m, 1),
        "function 1 'inc': frame size 0 is smaller than the arity 1",
    );
}

#[test]
fn empty_code() {
    let mut m = sample_module();
    m.functions[1].code.clear();
    verifier_refuses(
        &m,
        code_length_offset(&m, 1),
        "function 1 'inc': the code is empty; a function needs at least a ret",
    );
}

#[test]
fn last_instruction_falls_through() {
    let mut m = sample_module();
    m.functions[1].code[1] = Instr::JumpIfNot {
        cond: 0,
        offset: -2,
    };
    verifier_refuses(
        &m,
        instruction_offset(&m, 1, 1),
        "function 1 'inc': instruction 1: the last instruction (jmpifnot) falls through the end of the code; a function must end with jmp or ret",
    );
}

#[test]
fn register_operand_outside_the_frame() {
    let m = with_main_instr(1, Instr::LoadInt { dst: 4, value: 1 });
    verifier_refuses(
        &m,
        instruction_offset(&m, 0, 1),
        "function 0 'main': instruction 1: register r4 (loadint dst) out of range (the frame has 4 registers)",
    );
    refused_instr(
        Instr::SetIndex {
            obj: 0,
            key: 1,
            val: 200,
        },
        "register r200 (setindex val) out of range (the frame has 4 registers)",
    );
}

#[test]
fn loop_registers_outside_the_frame() {
    refused_instr(
        Instr::ForIntPrep { base: 2, offset: 0 },
        "forprep uses registers r2..=r4 (the loop's three registers) but the frame has 4 registers",
    );
    refused_instr(
        Instr::ForIntLoop {
            base: 3,
            offset: -1,
        },
        "forloop uses registers r3..=r5 (the loop's three registers) but the frame has 4 registers",
    );
    refused_instr(
        Instr::ForInNext { base: 2, offset: 0 },
        "fornext uses registers r2..=r4 (the loop's three registers) but the frame has 4 registers",
    );
    accepted(&with_instr(Instr::ForIntPrep { base: 1, offset: 0 }));
}

#[test]
fn call_registers_outside_the_frame() {
    refused_instr(
        Instr::Call {
            dst: 0,
            callee: 2,
            nargs: 2,
        },
        "call uses registers r2..=r4 (the callee and 2 arguments) but the frame has 4 registers",
    );
    accepted(&with_instr(Instr::Call {
        dst: 0,
        callee: 1,
        nargs: 2,
    }));
    accepted(&with_instr(Instr::Call {
        dst: 0,
        callee: 3,
        nargs: 0,
    }));
}

#[test]
fn direct_call_arguments_outside_the_frame() {
    refused_instr(
        Instr::CallDirect {
            dst: 0,
            func: 1,
            args: 3,
            nargs: 2,
        },
        "calld uses registers r3..=r4 (2 arguments) but the frame has 4 registers",
    );
    accepted(&with_instr(Instr::CallDirect {
        dst: 0,
        func: 1,
        args: 2,
        nargs: 2,
    }));
}

#[test]
fn builtin_call_arguments_outside_the_frame() {
    refused_instr(
        Instr::CallBuiltin {
            dst: 0,
            builtin: Builtin::Print as u8,
            args: 3,
            nargs: 2,
        },
        "callb uses registers r3..=r4 (2 arguments) but the frame has 4 registers",
    );
    accepted(&with_instr(Instr::CallBuiltin {
        dst: 0,
        builtin: Builtin::Print as u8,
        args: 2,
        nargs: 2,
    }));
}

#[test]
fn collection_registers_outside_the_frame() {
    refused_instr(
        Instr::NewArray {
            dst: 0,
            first: 2,
            count: 3,
        },
        "newarray uses registers r2..=r4 (3 elements) but the frame has 4 registers",
    );
    refused_instr(
        Instr::NewMap {
            dst: 0,
            first: 1,
            count: 2,
        },
        "newmap uses registers r1..=r4 (2 key/value pairs) but the frame has 4 registers",
    );
    refused_instr(
        Instr::NewMap {
            dst: 0,
            first: 3,
            count: 1,
        },
        "newmap uses registers r3..=r4 (1 key/value pair) but the frame has 4 registers",
    );
    accepted(&with_instr(Instr::NewArray {
        dst: 0,
        first: 1,
        count: 3,
    }));
    accepted(&with_instr(Instr::NewMap {
        dst: 0,
        first: 0,
        count: 2,
    }));
}

#[test]
fn empty_register_ranges_still_need_their_first_register_in_the_frame() {
    accepted(&with_instr(Instr::NewArray {
        dst: 0,
        first: 3,
        count: 0,
    }));
    accepted(&with_instr(Instr::CallBuiltin {
        dst: 0,
        builtin: Builtin::Args as u8,
        args: 3,
        nargs: 0,
    }));
    refused_instr(
        Instr::NewArray {
            dst: 0,
            first: 4,
            count: 0,
        },
        "register r4 (newarray first) out of range (the frame has 4 registers)",
    );
    refused_instr(
        Instr::CallBuiltin {
            dst: 0,
            builtin: Builtin::Args as u8,
            args: 4,
            nargs: 0,
        },
        "register r4 (callb args) out of range (the frame has 4 registers)",
    );
}

#[test]
fn constant_operand_out_of_range() {
    let m = with_main_instr(0, Instr::LoadConst { dst: 0, k: 2 });
    verifier_refuses(
        &m,
        instruction_offset(&m, 0, 0),
        "function 0 'main': instruction 0: constant k2 out of range (the pool has 2 constants)",
    );
}

#[test]
fn function_operand_out_of_range() {
    refused_instr(
        Instr::CallDirect {
            dst: 0,
            func: 5,
            args: 0,
            nargs: 0,
        },
        "function f5 out of range (the module has 2 functions)",
    );
}

#[test]
fn jump_target_out_of_range() {
    let m = with_main_instr(0, Instr::Jump { offset: 4 });
    verifier_refuses(
        &m,
        instruction_offset(&m, 0, 0),
        "function 0 'main': instruction 0: jump target 5 out of range (the code has 5 instructions)",
    );
    let m = with_main_instr(
        2,
        Instr::JumpIfNotEqImm {
            a: 0,
            imm: 3,
            offset: -4,
        },
    );
    verifier_refuses(
        &m,
        instruction_offset(&m, 0, 2),
        "function 0 'main': instruction 2: jump target -1 out of range (the code has 5 instructions)",
    );
    refused_instr(
        Instr::Jump { offset: i32::MIN },
        "jump target -2147483647 out of range (the code has 2 instructions)",
    );
    refused_instr(
        Instr::ForIntLoop {
            base: 0,
            offset: i32::MAX,
        },
        "jump target 2147483648 out of range (the code has 2 instructions)",
    );
    accepted(&with_main_instr(0, Instr::Jump { offset: 3 }));
    accepted(&with_main_instr(3, Instr::Jump { offset: -1 }));
}

#[test]
fn direct_call_with_the_wrong_argument_count() {
    refused_instr(
        Instr::CallDirect {
            dst: 0,
            func: 1,
            args: 0,
            nargs: 3,
        },
        "function 'two' takes 2 arguments, call passes 3",
    );
    let m = with_main_instr(
        2,
        Instr::CallDirect {
            dst: 1,
            func: 1,
            args: 1,
            nargs: 0,
        },
    );
    verifier_refuses(
        &m,
        instruction_offset(&m, 0, 2),
        "function 0 'main': instruction 2: function 'inc' takes 1 argument, call passes 0",
    );
}

#[test]
fn unknown_builtin() {
    refused_instr(
        Instr::CallBuiltin {
            dst: 0,
            builtin: 200,
            args: 0,
            nargs: 1,
        },
        "unknown builtin b200",
    );
    let first_unknown = Builtin::ALL.len() as u8;
    refused_instr(
        Instr::CallBuiltin {
            dst: 0,
            builtin: first_unknown,
            args: 0,
            nargs: 0,
        },
        &format!("unknown builtin b{first_unknown}"),
    );
}

#[test]
fn builtin_call_with_the_wrong_argument_count() {
    let call = |builtin: Builtin, nargs: u8| Instr::CallBuiltin {
        dst: 0,
        builtin: builtin as u8,
        args: 0,
        nargs,
    };
    refused_instr(
        call(Builtin::Len, 2),
        "builtin 'len' takes 1 argument, call passes 2",
    );
    refused_instr(
        call(Builtin::Range, 3),
        "builtin 'range' takes 1 to 2 arguments, call passes 3",
    );
    refused_instr(
        call(Builtin::Range, 0),
        "builtin 'range' takes 1 to 2 arguments, call passes 0",
    );
    refused_instr(
        call(Builtin::Args, 1),
        "builtin 'args' takes 0 arguments, call passes 1",
    );
    accepted(&with_instr(call(Builtin::Range, 2)));
    accepted(&with_instr(call(Builtin::Print, 0)));
}

#[test]
fn line_table_pc_out_of_range() {
    let mut m = sample_module();
    m.functions[0].lines.push(LineEntry { pc: 5, line: 9 });
    verifier_refuses(
        &m,
        line_entry_offset(&m, 0, 2),
        "function 0 'main': line table entry 2: pc 5 out of range (the code has 5 instructions)",
    );
}

#[test]
fn line_table_pcs_not_increasing() {
    let mut m = sample_module();
    m.functions[0].lines = vec![LineEntry { pc: 0, line: 1 }, LineEntry { pc: 0, line: 2 }];
    verifier_refuses(
        &m,
        line_entry_offset(&m, 0, 1),
        "function 0 'main': line table entry 1: pc 0 does not follow the previous entry's pc 0 (pcs must strictly increase)",
    );
    m.functions[0].lines = vec![LineEntry { pc: 3, line: 1 }, LineEntry { pc: 1, line: 2 }];
    verifier_refuses(
        &m,
        line_entry_offset(&m, 0, 1),
        "function 0 'main': line table entry 1: pc 1 does not follow the previous entry's pc 3 (pcs must strictly increase)",
    );
}

// ---------------------------------------------------------------------------
// What the verifier accepts, and how it copes with odd offsets.

#[test]
fn boundary_values_are_accepted() {
    let mut print_all = vec![Instr::LoadNil { dst: 255 }];
    print_all.push(Instr::CallBuiltin {
        dst: 0,
        builtin: Builtin::Print as u8,
        args: 1,
        nargs: 255,
    });
    print_all.push(Instr::Return { src: 255 });
    let m = Module {
        constants: vec![
            Constant::Int(MIN_INT),
            Constant::Int(MAX_INT),
            Constant::Float(f64::NAN),
            Constant::Str("".into()),
            Constant::Func(2),
        ],
        functions: vec![
            function("main", 0, 256, print_all),
            function("main", 0, 0, vec![Instr::Jump { offset: -1 }]),
            function("full", 255, 255, vec![Instr::Return { src: 254 }]),
        ],
        entry: 1,
        source_name: String::new(),
    };
    accepted(&m);
}

#[test]
fn offsets_that_do_not_match_the_module_give_no_offset_rather_than_a_panic() {
    let mut m = sample_module();
    m.functions[1].frame_size = 0;
    let error = verify_with_offsets(m.clone(), Some(&ModuleOffsets::default())).unwrap_err();
    assert_eq!(error.offset, None);
    assert_eq!(
        error.to_string(),
        "function 1 'inc': frame size 0 is smaller than the arity 1"
    );
    let good = sample_module();
    assert!(verify_with_offsets(good, Some(&ModuleOffsets::default())).is_ok());
}

#[test]
fn verify_without_a_file_accepts_the_samples() {
    let m = sample_module();
    let verified = verify(m.clone()).unwrap();
    assert_eq!(*verified, m);
    let _: &Function = &verified.functions[0];
}
