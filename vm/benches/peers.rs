//! The interpreter side by side with peer runtimes, measured in one run:
//! each benchmark runs the same algorithm as a whole process under `vm`,
//! `lua5.4` and `ruby` (peers missing from the machine are skipped; install
//! them with `apt-get install lua5.4 ruby`). Process start-up is included for
//! every runtime alike; it is a few milliseconds against the runs' tens to
//! hundreds. Ratios in `papers/` are of the medians printed here.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// True when `program` can be started.
fn available(program: &str) -> bool {
    Command::new(program)
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Benchmarks `program args...`, checking once that it prints `expect`.
fn bench_process(c: &mut Criterion, group: &str, name: &str, cmd: &[&str], expect: &str) {
    if cmd[0] != env!("CARGO_BIN_EXE_vm") && !available(cmd[0]) {
        eprintln!("skipping {group}/{name}: {} is not installed", cmd[0]);
        return;
    }
    let run = || {
        let out = Command::new(cmd[0])
            .args(&cmd[1..])
            .current_dir(root())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let first = String::from_utf8(run()).unwrap();
    assert!(
        first.contains(expect),
        "{name} printed {first:?}, expected {expect:?}"
    );
    let mut g = c.benchmark_group(group);
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function(name, |b| b.iter(run));
    g.finish();
}

fn fib(c: &mut Criterion) {
    let vm = env!("CARGO_BIN_EXE_vm");
    let expect = "832040";
    bench_process(
        c,
        "fib(30)",
        "vm",
        &[vm, "run", "bench-scripts/fib.iv", "30"],
        expect,
    );
    bench_process(
        c,
        "fib(30)",
        "lua5.4",
        &["lua5.4", "bench-scripts/peers/fib.lua", "30"],
        expect,
    );
    bench_process(
        c,
        "fib(30)",
        "ruby",
        &["ruby", "bench-scripts/peers/fib.rb", "30"],
        expect,
    );
}

fn binary_trees(c: &mut Criterion) {
    let vm = env!("CARGO_BIN_EXE_vm");
    let expect = "long lived tree of depth 16\t check: 131071";
    let group = "binary-trees(16)";
    bench_process(
        c,
        group,
        "vm",
        &[vm, "run", "examples/binary_trees.iv", "16"],
        expect,
    );
    let lua = ["lua5.4", "bench-scripts/peers/binary_trees.lua", "16"];
    bench_process(c, group, "lua5.4", &lua, expect);
    let ruby = ["ruby", "bench-scripts/peers/binary_trees.rb", "16"];
    bench_process(c, group, "ruby", &ruby, expect);
}

criterion_group!(benches, fib, binary_trees);
criterion_main!(benches);
