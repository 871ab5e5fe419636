//! Property tests: valid modules round-trip through the format and through
//! the text syntax byte for byte and pass the verifier; arbitrary modules
//! round-trip too; and no mutation of a file or of a text makes the reader,
//! the verifier or the assembler panic.

mod common;

use bytecode::asm::assemble;
use bytecode::dis::disassemble;
use bytecode::format::{load, read_module, write_module};
use bytecode::verify::verify;
use common::*;
use proptest::prelude::*;
use proptest::sample::Index;

/// One edit of a byte string.
#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    /// Overwrites four bytes: aimed at the format's counts and lengths.
    SetWord(Index, u32),
    Insert(Index, u8),
    Delete(Index),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let word = prop_oneof![
        any::<u32>(),
        0u32..64,
        Just(u32::MAX),
        Just(0x8000_0000),
        Just(0xffff)
    ];
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte(at, byte)),
        (any::<Index>(), word).prop_map(|(at, word)| Mutation::SetWord(at, word)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert(at, byte)),
        any::<Index>().prop_map(Mutation::Delete),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    if bytes.is_empty() {
        if let Mutation::Insert(_, byte) = mutation {
            bytes.push(*byte);
        }
        return;
    }
    let len = bytes.len();
    match mutation {
        Mutation::FlipBit(at, bit) => bytes[at.index(len)] ^= 1 << bit,
        Mutation::SetByte(at, byte) => bytes[at.index(len)] = *byte,
        Mutation::SetWord(at, word) => {
            let at = at.index(len);
            for (i, byte) in word.to_le_bytes().into_iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at + i) {
                    *slot = byte;
                }
            }
        }
        Mutation::Insert(at, byte) => bytes.insert(at.index(len + 1), *byte),
        Mutation::Delete(at) => {
            bytes.remove(at.index(len));
        }
        Mutation::Truncate(at) => bytes.truncate(at.index(len)),
    }
}

/// Syntax fragments of `.vasm`, for texts that get past the tokenizer.
fn vasm_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            ".func",
            ".end",
            ".const",
            ".entry",
            ".source",
            ".line",
            "int",
            "float",
            "str",
            "func",
            "arity=1",
            "frame=4",
            "pc=",
            "bits=0x7ff8000000000000",
            "nan",
            "-inf",
            "ret",
            "jmp",
            "calld",
            "callb",
            "loadk",
            "forprep",
            "newmap",
            "add",
            "r0",
            "r255",
            "r256",
            "k0",
            "f0",
            "f1",
            "b0",
            "print",
            "len",
            "+1",
            "-1",
            "0",
            "7:",
            "top:",
            "top",
            ",",
            ":",
            "=",
            ";",
            "\"",
            "\"\\u{41}\"",
            "\"a\\n\"",
            "\\",
            "\n",
            "\r\n",
            "0x",
            "-",
            "99999999999999999999999999999999999999999",
        ])
        .prop_map(str::to_owned),
        any_text(4),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_modules_verify_and_round_trip_through_the_format(m in valid_module()) {
        if let Err(e) = verify(m.clone()) {
            panic!("the verifier refused a valid module: {e}\n{}", disassemble(&m));
        }
        let bytes = write_module(&m);
        prop_assert_eq!(&read_module(&bytes).unwrap().module, &m);
        prop_assert_eq!(&*load(&bytes).unwrap(), &m);
    }

    #[test]
    fn valid_modules_round_trip_through_the_text_syntax_byte_for_byte(m in valid_module()) {
        let bytes = write_module(&m);
        let text = disassemble(&read_module(&bytes).unwrap().module);
        let again = assemble(&text, "dis.vasm").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(write_module(&again), bytes);
        prop_assert_eq!(again, m);
    }

    #[test]
    fn arbitrary_modules_round_trip_through_the_format(m in arbitrary_module()) {
        let bytes = write_module(&m);
        prop_assert_eq!(read_module(&bytes).unwrap().module, m.clone());
        // The verifier decides without panicking, whatever the module holds.
        let _ = verify(m);
        let _ = load(&bytes);
    }

    #[test]
    fn arbitrary_modules_round_trip_through_the_text_syntax(m in arbitrary_module()) {
        let text = disassemble(&m);
        let again = assemble(&text, "dis.vasm").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(write_module(&again), write_module(&m));
        prop_assert_eq!(disassemble(&again), text);
        prop_assert_eq!(again, m);
    }

    #[test]
    fn mutated_files_are_refused_or_load_to_a_stable_module(
        m in valid_module(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut bytes = write_module(&m);
        for mutation in &mutations {
            apply(&mut bytes, mutation);
        }
        match load(&bytes) {
            Ok(verified) => {
                // Whatever was accepted is a module the writer, the reader and
                // the verifier agree on.
                let rewritten = write_module(&verified);
                prop_assert_eq!(&*load(&rewritten).unwrap(), &*verified);
            }
            Err(e) => {
                prop_assert!(e.offset.is_some_and(|at| at <= bytes.len() as u64), "{e}");
                prop_assert!(!e.to_string().contains('\n'), "{e}");
            }
        }
    }

    #[test]
    fn every_proper_prefix_of_a_file_is_refused(m in valid_module()) {
        let bytes = write_module(&m);
        for len in 0..bytes.len() {
            prop_assert!(read_module(&bytes[..len]).is_err(), "prefix of {} bytes accepted", len);
        }
    }

    #[test]
    fn the_assembler_never_panics_on_fragments(fragments in prop::collection::vec(vasm_fragment(), 0..40)) {
        let text = fragments.join(" ");
        if let Ok(m) = assemble(&text, "fuzz.vasm") {
            let _ = verify(m);
        }
    }

    #[test]
    fn the_assembler_never_panics_on_mutated_disassembly(
        m in valid_module(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut text = disassemble(&m).into_bytes();
        for mutation in &mutations {
            apply(&mut text, mutation);
        }
        let text = String::from_utf8_lossy(&text);
        match assemble(&text, "fuzz.vasm") {
            Ok(assembled) => {
                let _ = load(&write_module(&assembled));
            }
            Err(e) => prop_assert!(e.to_string().starts_with("fuzz.vasm:"), "{}", e),
        }
    }
}
