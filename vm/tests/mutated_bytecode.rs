//! Random byte mutations of valid `.bc` files never crash the VM: each
//! mutant is refused by the reader or the verifier, or it runs (to its end,
//! to a runtime error, or until a reduction cap stops it) without a panic.

use std::sync::Arc;

use isolate::{MemoryConfig, SchedulerConfig};
use proptest::prelude::*;
use vm::interp::Interp;
use vm::program::{Output, Program};

/// Valid bytecode of a few example programs, compiled once.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        [
            "fib.iv",
            "maps.iv",
            "strings.iv",
            "sorting.iv",
            "binary_trees.iv",
        ]
        .iter()
        .map(|name| {
            let source = std::fs::read_to_string(root.join(name)).unwrap();
            let module = bytecode::compiler::compile(&source, name).unwrap();
            bytecode::write_module(&module)
        })
        .collect()
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip { at: usize, bit: u8 },
    Set { at: usize, byte: u8 },
    Insert { at: usize, byte: u8 },
    Delete { at: usize },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        4 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Set { at, byte }),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
        1 => any::<usize>().prop_map(|at| Mutation::Delete { at }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len();
    if n == 0 {
        if let Mutation::Insert { byte, .. } = *m {
            bytes.push(byte);
        }
        return;
    }
    match *m {
        Mutation::Flip { at, bit } => bytes[at % n] ^= 1 << bit,
        Mutation::Set { at, byte } => bytes[at % n] = byte,
        Mutation::Insert { at, byte } => bytes.insert(at % (n + 1), byte),
        Mutation::Delete { at } => {
            bytes.remove(at % n);
        }
        Mutation::Truncate { at } => bytes.truncate(at % n),
    }
}

/// Loads and, if the verifier accepts it, runs the mutant for a bounded
/// number of reductions. Returns how far it got.
fn load_and_run(bytes: &[u8], stress: bool, slices: usize) -> &'static str {
    let Ok(module) = bytecode::load(bytes) else {
        return "refused";
    };
    let output = Output::new(Box::new(std::io::sink()));
    let Ok(program) = Program::new(module, vec!["7".into()], output) else {
        return "refused";
    };
    let program = Arc::new(program);
    // Under stress every allocation collects the whole heap: keep the heap
    // small so the test stays quick.
    let max_heap = if stress { 1 << 20 } else { 8 << 20 };
    let config = SchedulerConfig {
        threads: 1,
        budget: 2000,
        memory: MemoryConfig {
            max_heap: Some(max_heap),
            stress,
            ..MemoryConfig::default()
        },
        slice_limit: Some(slices as u64),
    };
    match isolate::run(config, Interp::for_entry(program)).result {
        Ok(()) => "finished",
        Err(f) if f.message.starts_with("slice limit") => "cut off",
        Err(f) if f.message.starts_with("deadlock") => "blocked",
        Err(_) => "failed",
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn mutants_are_refused_or_run_without_crashing(
        seed in 0usize..5,
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let mut bytes = seeds()[seed].clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let outcome = load_and_run(&bytes, false, 50);
        prop_assert!(["refused", "finished", "failed", "blocked", "cut off"].contains(&outcome));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutants_run_under_gc_stress_without_crashing(
        seed in 0usize..5,
        mutations in proptest::collection::vec(mutation(), 1..3),
    ) {
        let mut bytes = seeds()[seed].clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let outcome = load_and_run(&bytes, true, 10);
        prop_assert!(["refused", "finished", "failed", "blocked", "cut off"].contains(&outcome));
    }
}

#[test]
fn unmutated_seeds_run_to_completion() {
    for bytes in seeds() {
        assert_eq!(load_and_run(bytes, false, 50), "finished");
        assert_eq!(load_and_run(bytes, true, 1000), "finished");
    }
}
