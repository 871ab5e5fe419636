//! Every example program under `examples/` compiles, passes the verifier and,
//! run by the test interpreter without arguments, prints exactly its `.out`
//! file. Also checks the examples stay cheap enough for GC-stress runs.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use bytecode::compiler::{self, SOURCE_EXTENSION};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("examples")
}

fn examples() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(examples_dir())
        .expect("examples/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == SOURCE_EXTENSION))
        .collect();
    paths.sort();
    paths
}

#[test]
fn there_are_at_least_twelve_examples_each_with_its_output() {
    let paths = examples();
    assert!(paths.len() >= 12, "only {} examples", paths.len());
    for p in &paths {
        assert!(
            p.with_extension("out").is_file(),
            "{} has no .out file",
            p.display()
        );
    }
}

#[test]
fn every_example_verifies_and_prints_its_expected_output() {
    let (mut ran, mut isolate_examples) = (0, 0);
    for path in examples() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let source = fs::read_to_string(&path).unwrap();
        let module = match compiler::compile(&source, &format!("examples/{name}")) {
            Ok(m) => m,
            Err(e) => panic!("{name} does not compile:\n{e}"),
        };
        assert_eq!(module.source_name, format!("examples/{name}"));
        if let Err(e) = bytecode::verify(module.clone()) {
            panic!("{name}: the verifier refuses the compiled module: {e}");
        }
        let outcome = support::run(&module, &[], 20_000_000);
        if outcome
            .error
            .as_deref()
            .is_some_and(|e| e.contains("not supported by the test interpreter"))
        {
            // Examples of isolates (spawn, freeze, monitor): the test
            // interpreter has one isolate; vm/tests/e2e.rs runs them.
            isolate_examples += 1;
            continue;
        }
        ran += 1;
        assert_eq!(
            outcome.error, None,
            "{name} failed at run time; output:\n{}",
            outcome.output
        );
        let expected = fs::read_to_string(path.with_extension("out")).unwrap();
        assert_eq!(
            outcome.output, expected,
            "{name}: output differs from its .out file"
        );
        // Short runs, modest allocation: fit for a collect-at-every-allocation mode.
        assert!(
            outcome.steps < 3_000_000,
            "{name} runs {} instructions",
            outcome.steps
        );
        assert!(
            outcome.allocations < 40_000,
            "{name} allocates {} objects",
            outcome.allocations
        );
    }
    assert!(ran >= 12, "only {ran} examples ran here");
    assert!(
        isolate_examples <= 3,
        "{isolate_examples} examples need isolates"
    );
}

#[test]
fn examples_taking_arguments_use_them() {
    let run = |name: &str, args: &[&str]| {
        let path = examples_dir().join(name);
        let source = fs::read_to_string(&path).unwrap();
        let module = compiler::compile(&source, name).unwrap();
        let outcome = support::run(&module, args, 50_000_000);
        assert_eq!(outcome.error, None);
        outcome.output
    };
    assert!(run("fib.iv", &["10"]).starts_with("fib(10) = 55\n"));
    assert!(run("primes.iv", &["100"]).starts_with("primes up to 100 : 25\n"));
    assert!(run("binary_trees.iv", &["4"]).starts_with("stretch tree of depth 7\t check: 255\n"));
    assert!(run("linked_list.iv", &["10"]).starts_with("length 10 sum 55\n"));
}
