//! The interpreter in process, without start-up: fib(25) (calls and integer
//! arithmetic) and binary-trees(12) (allocation and collection).

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use isolate::SchedulerConfig;
use vm::interp::Interp;
use vm::program::{Output, Program};

fn program(file: &str, arg: &str) -> Arc<Program> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(file);
    let source = std::fs::read_to_string(&path).unwrap();
    let module = bytecode::verify(bytecode::compiler::compile(&source, file).unwrap()).unwrap();
    Arc::new(
        Program::new(
            module,
            vec![arg.into()],
            Output::new(Box::new(std::io::sink())),
        )
        .unwrap(),
    )
}

fn run(program: &Arc<Program>) {
    let config = SchedulerConfig {
        threads: 1,
        ..SchedulerConfig::default()
    };
    isolate::run(config, Interp::for_entry(Arc::clone(program)))
        .result
        .unwrap();
}

fn interpreter(c: &mut Criterion) {
    let fib = program("bench-scripts/fib.iv", "25");
    c.bench_function("interp fib(25)", |b| b.iter(|| run(&fib)));
    let trees = program("examples/binary_trees.iv", "12");
    c.bench_function("interp binary-trees(12)", |b| b.iter(|| run(&trees)));
}

criterion_group!(benches, interpreter);
criterion_main!(benches);
