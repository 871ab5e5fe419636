//! The `.bc` writer and reader agree: what is written reads back as the same
//! module, with offsets pointing at the right bytes, and the bytes are the
//! ones the format describes.

mod common;

use bytecode::format::{
    FORMAT_VERSION, HEADER_LEN, MAGIC, SectionKind, is_bytecode, load, read_module, write_module,
};
use bytecode::instr::Instr;
use bytecode::module::{Constant, LineEntry, MAX_INT, MIN_INT, Module};
use common::*;

/// Opcode bytes used in hand-built files.
const RET: u8 = bytecode::Opcode::Return as u8;
const LOADNIL: u8 = bytecode::Opcode::LoadNil as u8;

fn round_trip(m: &Module) -> Module {
    read_module(&write_module(m))
        .expect("a written module reads back")
        .module
}

#[test]
fn minimal_module_has_the_documented_bytes() {
    let bytes = write_module(&minimal_module());
    let mut expected = MAGIC.to_vec();
    expected.extend_from_slice(&[1, 0]); // version
    expected.extend_from_slice(&[2, 0]); // two sections: no meta for an empty source name
    expected.extend_from_slice(&[0, 0, 0, 0]); // entry
    expected.extend_from_slice(&u32s(&[1, 40, 4])); // constants at 40, 4 bytes
    expected.extend_from_slice(&u32s(&[2, 44, 27])); // functions at 44, 27 bytes
    expected.extend_from_slice(&u32s(&[0])); // no constants
    expected.extend_from_slice(&u32s(&[1, 4])); // one function, name of 4 bytes
    expected.extend_from_slice(b"main");
    expected.push(0); // arity
    expected.extend_from_slice(&[1, 0]); // frame size
    expected.extend_from_slice(&u32s(&[4])); // code bytes
    expected.extend_from_slice(&[LOADNIL, 0, RET, 0]); // loadnil r0; ret r0
    expected.extend_from_slice(&u32s(&[0])); // no line entries
    assert_eq!(bytes, expected);
    assert_eq!(bytes.len(), 71);
}

#[test]
fn the_writer_lays_out_constants_functions_meta_in_order() {
    let m = sample_module();
    let bytes = write_module(&m);
    assert_eq!(&bytes[..8], &MAGIC);
    assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), FORMAT_VERSION);
    assert_eq!(u16::from_le_bytes([bytes[10], bytes[11]]), 3);
    let entry = |i: usize| {
        let at = HEADER_LEN + 12 * i;
        let word = |k: usize| {
            u32::from_le_bytes(bytes[at + 4 * k..at + 4 * k + 4].try_into().unwrap()) as u64
        };
        (word(0), word(1), word(2))
    };
    let (k0, o0, l0) = entry(0);
    let (k1, o1, l1) = entry(1);
    let (k2, o2, l2) = entry(2);
    assert_eq!(
        [k0, k1, k2],
        [
            SectionKind::Constants as u64,
            SectionKind::Functions as u64,
            SectionKind::Meta as u64
        ]
    );
    assert_eq!(o0, constants_start(&m));
    assert_eq!(o1, functions_start(&m));
    assert_eq!(o2, meta_start(&m));
    assert_eq!(o0 + l0, o1);
    assert_eq!(o1 + l1, o2);
    assert_eq!(o2 + l2, bytes.len() as u64);
    assert_eq!(&bytes[o2 as usize + 4..], b"sample.src");
}

#[test]
fn sample_module_round_trips_with_offsets_at_the_right_bytes() {
    let m = sample_module();
    let bytes = write_module(&m);
    let read = read_module(&bytes).unwrap();
    assert_eq!(read.module, m);
    let offsets = &read.offsets;
    assert_eq!(offsets.entry, 12);
    assert_eq!(offsets.constant_count, constants_start(&m));
    assert_eq!(
        offsets.constants,
        vec![constant_offset(&m, 0), constant_offset(&m, 1)]
    );
    assert_eq!(offsets.function_count, functions_start(&m));
    for (index, f) in offsets.functions.iter().enumerate() {
        assert_eq!(f.name, function_offset(&m, index));
        assert_eq!(f.arity, arity_offset(&m, index));
        assert_eq!(f.frame_size, frame_size_offset(&m, index));
        assert_eq!(f.code_length, code_length_offset(&m, index));
        let expected: Vec<u64> = (0..m.functions[index].code.len())
            .map(|pc| instruction_offset(&m, index, pc))
            .collect();
        assert_eq!(f.instructions, expected);
        for (pc, &at) in f.instructions.iter().enumerate() {
            assert_eq!(
                bytes[at as usize],
                m.functions[index].code[pc].opcode() as u8
            );
        }
        let lines: Vec<u64> = (0..m.functions[index].lines.len())
            .map(|j| line_entry_offset(&m, index, j))
            .collect();
        assert_eq!(f.lines, lines);
    }
}

#[test]
fn edge_case_constants_round_trip_bit_for_bit() {
    let mut m = minimal_module();
    m.constants = vec![
        Constant::Int(i64::MIN),
        Constant::Int(i64::MAX),
        Constant::Int(MIN_INT),
        Constant::Int(MAX_INT),
        Constant::Int(0),
        Constant::Float(f64::NAN),
        Constant::Float(f64::from_bits(0x7ff0_0000_0000_0001)),
        Constant::Float(f64::from_bits(0xfff8_0000_0000_0000)),
        Constant::Float(-0.0),
        Constant::Float(0.0),
        Constant::Float(f64::INFINITY),
        Constant::Float(f64::NEG_INFINITY),
        Constant::Float(f64::from_bits(1)),
        Constant::Float(f64::MAX),
        Constant::Str("".into()),
        Constant::Str("snow \u{2603}, nul \0, newline \n, emoji \u{1F600}".into()),
        Constant::Func(0),
        Constant::Func(u16::MAX),
    ];
    let back = round_trip(&m);
    assert_eq!(back, m);
    for (a, b) in back.constants.iter().zip(&m.constants) {
        if let (Constant::Float(a), Constant::Float(b)) = (a, b) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }
}

#[test]
fn edge_case_functions_round_trip() {
    let mut m = minimal_module();
    m.functions.push(function("", 255, u16::MAX, Vec::new()));
    let mut f = function(
        "\u{1F600} with spaces",
        3,
        256,
        vec![
            Instr::Jump { offset: i32::MIN },
            Instr::JumpIfNotLtImm {
                a: 255,
                imm: i16::MIN,
                offset: i32::MAX,
            },
            Instr::CallBuiltin {
                dst: 0,
                builtin: 255,
                args: 255,
                nargs: 255,
            },
            Instr::LoadConst {
                dst: 9,
                k: u16::MAX,
            },
        ],
    );
    f.lines = vec![
        LineEntry {
            pc: 9,
            line: u32::MAX,
        },
        LineEntry { pc: 0, line: 0 },
    ];
    m.functions.push(f);
    m.entry = u16::MAX;
    m.source_name = "dir/with \"quotes\"/\u{e9}.src".to_owned();
    assert_eq!(round_trip(&m), m);
}

#[test]
fn a_module_without_functions_is_written_and_read_but_not_loaded() {
    let m = Module::default();
    let bytes = write_module(&m);
    assert_eq!(read_module(&bytes).unwrap().module, m);
    assert_eq!(
        load(&bytes).unwrap_err().to_string(),
        "byte 44: the module has no functions; it needs at least its entry function"
    );
}

#[test]
fn sections_may_be_laid_out_in_any_order() {
    let m = sample_module();
    let canonical = write_module(&m);
    let section = |i: usize| {
        let at = HEADER_LEN + 12 * i;
        let offset = u32::from_le_bytes(canonical[at + 4..at + 8].try_into().unwrap()) as usize;
        let len = u32::from_le_bytes(canonical[at + 8..at + 12].try_into().unwrap()) as usize;
        canonical[offset..offset + len].to_vec()
    };
    let (constants, functions, meta) = (section(0), section(1), section(2));
    let reordered = file_with_sections(0, &[(3, meta), (2, functions), (1, constants)]);
    assert_ne!(reordered, canonical);
    assert_eq!(read_module(&reordered).unwrap().module, m);
    assert_eq!(write_module(&load(&reordered).unwrap()), canonical);
}

#[test]
fn an_empty_meta_section_name_reads_as_no_source_name() {
    let m = minimal_module();
    let canonical = write_module(&m);
    let constants = u32s(&[0]);
    let functions = canonical[44..].to_vec();
    let with_meta = file_with_sections(0, &[(1, constants), (2, functions), (3, u32s(&[0]))]);
    assert_eq!(read_module(&with_meta).unwrap().module, m);
}

#[test]
fn load_accepts_the_sample_module() {
    let m = sample_module();
    let verified = load(&write_module(&m)).unwrap();
    assert_eq!(*verified, m);
    assert_eq!(verified.into_inner(), m);
}

#[test]
fn is_bytecode_looks_at_the_magic_only() {
    assert!(is_bytecode(&write_module(&minimal_module())));
    assert!(is_bytecode(&MAGIC));
    assert!(!is_bytecode(&MAGIC[..7]));
    assert!(!is_bytecode(b"fn main() { print(1) }"));
    assert!(!is_bytecode(b""));
    // A UTF-8 text can never start with 0x89.
    assert!(std::str::from_utf8(&MAGIC).is_err());
}
