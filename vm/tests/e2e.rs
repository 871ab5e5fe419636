//! End to end: run the `vm` binary on programs and compare what it prints.
//!
//! - `examples/NAME.iv` with `examples/NAME.out`: must print exactly that and
//!   exit 0.
//! - `vm/tests/programs/NAME.iv` with `NAME.out`, and `NAME.err` when the
//!   program must fail (then exit 1 with exactly that on stderr); optional
//!   `NAME.flags` holds extra `vm run` flags.
//!
//! Every program runs as is and with `--gc-stress` (a collection at every
//! safepoint after an allocation), and under the `global-only` policy (every
//! collection global) with and without stress; the test programs also run
//! on one and on two worker threads. Each must behave identically every time.

mod common;

use common::{root, temp_file, temp_path, vm};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `.iv` files of `dir`, sorted.
fn programs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "iv"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no programs in {}", dir.display());
    files
}

/// Runs `vm run [flags] NAME.iv` in the program's directory.
fn run(program: &Path, extra: &[&str]) -> Output {
    let dir = program.parent().unwrap();
    let mut cmd = vm();
    cmd.current_dir(dir).arg("run").args(extra);
    if let Ok(flags) = std::fs::read_to_string(program.with_extension("flags")) {
        cmd.args(flags.split_whitespace());
    }
    cmd.arg(program.file_name().unwrap()).output().unwrap()
}

/// Checks one program against its expected files; returns a description of
/// every mismatch.
fn check(program: &Path, extra: &[&str]) -> Vec<String> {
    let out = run(program, extra);
    let name = format!("{} {}", program.display(), extra.join(" "));
    let expect_out = std::fs::read_to_string(program.with_extension("out")).unwrap();
    let expect_err = std::fs::read_to_string(program.with_extension("err")).ok();
    let mut problems = Vec::new();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stdout != expect_out {
        problems.push(format!(
            "{name}: stdout\n--- got\n{stdout}--- expected\n{expect_out}"
        ));
    }
    let (want_code, want_err) = match &expect_err {
        Some(err) => (1, err.as_str()),
        None => (0, ""),
    };
    if out.status.code() != Some(want_code) {
        problems.push(format!(
            "{name}: exit {:?}, expected {want_code}\n{stderr}",
            out.status
        ));
    }
    if stderr != want_err {
        problems.push(format!(
            "{name}: stderr\n--- got\n{stderr}--- expected\n{want_err}"
        ));
    }
    problems
}

fn check_all(dir: &Path, extra: &[&str]) {
    let problems: Vec<String> = programs(dir).iter().flat_map(|p| check(p, extra)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn examples_print_their_expected_output() {
    check_all(&root().join("examples"), &[]);
}

#[test]
fn examples_under_gc_stress() {
    check_all(&root().join("examples"), &["--gc-stress"]);
}

#[test]
fn test_programs_print_and_fail_as_expected() {
    check_all(&root().join("vm/tests/programs"), &[]);
}

#[test]
fn test_programs_under_gc_stress() {
    check_all(&root().join("vm/tests/programs"), &["--gc-stress"]);
}

#[test]
fn test_programs_on_one_thread() {
    check_all(&root().join("vm/tests/programs"), &["--threads", "1"]);
}

#[test]
fn test_programs_on_two_threads() {
    check_all(&root().join("vm/tests/programs"), &["--threads", "2"]);
}

#[test]
fn test_programs_under_the_global_only_policy() {
    check_all(&root().join("vm/tests/programs"), &["--gc", "global-only"]);
}

#[test]
fn test_programs_under_global_only_and_gc_stress() {
    check_all(
        &root().join("vm/tests/programs"),
        &["--gc", "global-only", "--gc-stress"],
    );
}

#[test]
fn examples_under_global_only_and_gc_stress() {
    check_all(
        &root().join("examples"),
        &["--gc", "global-only", "--gc-stress"],
    );
}

#[test]
fn test_programs_on_one_thread_under_gc_stress() {
    check_all(
        &root().join("vm/tests/programs"),
        &["--threads", "1", "--gc-stress"],
    );
}

/// Runs `vm run FILE` and checks: exit 2, one `error:` line, no panic.
fn assert_refused(path: &Path, expect_in_message: &str) {
    let out = vm().arg("run").arg(path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "one line expected:\n{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(expect_in_message), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `examples/fib.iv` compiled to bytecode (into a file of its own: tests run
/// in parallel).
fn fib_bc() -> Vec<u8> {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = temp_path(&format!("fib{n}.bc"));
    let out = vm()
        .args(["compile", "fib.iv", "-o"])
        .arg(&path)
        .current_dir(root().join("examples"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(path).unwrap()
}

#[test]
fn flat_sums_of_a_variable_compile_and_run() {
    // A left-associative chain is not nesting: 200 or 100,000 terms alike.
    for terms in [200, 201, 100_000] {
        let sum = vec!["y"; terms].join(" + ");
        let source = format!(
            "fn main() {{\n  let y = 3\n  let s = {sum}\n  print(s)\n  if {sum} == s and y {} {{ print(\"same\") }}\n}}\n",
            " and y".repeat(terms - 1)
        );
        let path = temp_file(&format!("sum{terms}.iv"), source.as_bytes());
        let out = vm().arg("run").arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{terms} terms: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{}\nsame\n", 3 * terms),
            "{terms} terms"
        );
    }
}

#[test]
fn doubling_a_string_forty_times_fails_at_once() {
    // Without a heap limit the VM once built strings until the machine's
    // memory ran out; the string past the longest allowed is refused
    // before it is built, after 512 MiB of smaller ones at most.
    let source = "fn main() {\n  let s = \"x\"\n  for i in range(40) {\n    s = s + s\n  }\n  print(len(s))\n}\n";
    let path = temp_file("double.iv", source.as_bytes());
    let start = std::time::Instant::now();
    let out = vm().arg("run").arg(&path).output().unwrap();
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr,
        "error: out of memory: a string of 536870912 bytes (a string holds at most 268435456)\n  at main (double.iv:4)\n"
            .replace("double.iv", &path.display().to_string())
    );
    assert!(
        elapsed < std::time::Duration::from_secs(60),
        "took {elapsed:?}"
    );
}

#[test]
fn garbage_is_refused_with_one_clear_line() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert_refused(&temp_file("garbage.bin", &garbage), "not a bytecode file");
}

#[test]
fn wrong_magic_is_refused() {
    let mut bc = fib_bc();
    bc[1] = b'X';
    assert_refused(&temp_file("wrong_magic.bc", &bc), "not a bytecode file");
}

#[test]
fn every_truncation_of_a_bc_file_is_refused() {
    let bc = fib_bc();
    for len in [8, 9, 16, 20, bc.len() / 3, bc.len() / 2, bc.len() - 1] {
        let path = temp_file(&format!("truncated{len}.bc"), &bc[..len]);
        assert_refused(&path, "byte ");
    }
}

#[test]
fn a_missing_file_is_a_load_error() {
    assert_refused(Path::new("/nonexistent/prog.iv"), "cannot read");
}

#[test]
fn compiled_bytecode_runs_like_its_source() {
    let bc = temp_file("fib_run.bc", fib_bc());
    let from_bc = vm().arg("run").arg(&bc).arg("20").output().unwrap();
    let from_source = vm()
        .args(["run", "fib.iv", "20"])
        .current_dir(root().join("examples"))
        .output()
        .unwrap();
    assert!(from_bc.status.success() && from_source.status.success());
    assert!(String::from_utf8_lossy(&from_bc.stdout).contains("6765"));
    assert_eq!(from_bc.stdout, from_source.stdout);
}

#[test]
fn assembly_round_trips_byte_for_byte_through_the_cli() {
    let bc = temp_file("rt.bc", fib_bc());
    let dis = vm().arg("dis").arg(&bc).output().unwrap();
    assert!(dis.status.success());
    let vasm = temp_file("rt.vasm", &dis.stdout);
    let again = temp_path("rt2.bc");
    let out = vm()
        .arg("asm")
        .arg(&vasm)
        .arg("-o")
        .arg(&again)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&bc).unwrap());
}

#[test]
fn compile_errors_exit_2_with_location_and_caret() {
    let path = temp_file("bad.iv", b"fn main() {\n  print(y)\n}\n");
    let out = vm().arg("run").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("bad.iv:2:9: error: undefined variable 'y'"),
        "{stderr}"
    );
    assert!(stderr.contains("^"), "{stderr}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["run"][..],
        &["frobnicate"],
        &["run", "--gc", "nope", "x.iv"],
    ] {
        let out = vm().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let out = vm()
        .args(["run", "--gc-opt", "growth=0", "x.iv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: GC policy 'local': option 'growth': 0 is outside [1, 1000]\n"
    );
}

#[test]
fn help_explains_every_subcommand() {
    let out = vm().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["run", "compile", "asm", "dis", "policies"] {
        assert!(text.contains(cmd), "{cmd} missing from --help");
    }
    let out = vm().args(["run", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--gc-stress",
        "--stats",
        "--gc ",
        "--gc-opt",
        "--max-heap",
        "--budget",
    ] {
        assert!(text.contains(flag), "{flag} missing from run --help");
    }
}

#[test]
fn policies_lists_options_with_types_and_defaults() {
    let out = vm().arg("policies").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("local (default)"), "{text}");
    assert!(
        text.contains("--gc-opt min_heap=<bytes>  (default 256K)"),
        "{text}"
    );
    assert!(
        text.contains("--gc-opt growth=<float>  (default 2.0)"),
        "{text}"
    );
}

#[test]
fn stats_report_goes_to_stderr() {
    let out = vm()
        .args(["run", "--stats", "binary_trees.iv", "8"])
        .current_dir(root().join("examples"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("collections"), "{stderr}");
    assert!(stderr.contains("bytes allocated"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("long lived tree of depth 8"));
}

/// Runs `cmd` to its end, killing it (and failing) after `limit`: a test of
/// a fix for something that took minutes fails plainly instead of hanging.
fn output_within(cmd: &mut Command, limit: std::time::Duration, what: &str) -> Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_million_deep_list_and_map_print_in_one_pass() {
    // Printing once searched a list of the open containers per container:
    // quadratic, 567 ms at 40,000 levels and hours at a million. It takes
    // seconds now; the old code is killed at the limit.
    let source = "fn main() {\n  let n = 1000000\n  let l = nil\n  for i in range(n) { l = [l] }\n  print(len(str(l)))\n  let m = nil\n  for i in range(n) { m = {\"k\": m} }\n  print(len(str(m)))\n}\n";
    let path = temp_file("deep.iv", source.as_bytes());
    let out = output_within(
        vm().arg("run").arg(&path),
        std::time::Duration::from_secs(60),
        "printing a million-deep list and map",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // `[` and `]` per level around `nil`; `{"k": ` and `}` per level.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}\n{}\n", 2 * 1_000_000 + 3, 7 * 1_000_000 + 3)
    );
}

#[test]
fn cycles_print_as_ellipses_and_shared_containers_print_whole() {
    let source = "fn main() {\n  let a = [1]\n  push(a, a)\n  let m = {\"x\": a}\n  m[\"self\"] = m\n  push(a, m)\n  print(a, m)\n  let s = [1]\n  print([s, s], {\"p\": s, \"q\": [s]})\n}\n";
    let path = temp_file("cycles_print.iv", source.as_bytes());
    let out = vm().arg("run").arg(&path).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[1, [...], {\"x\": [...], \"self\": {...}}] {\"x\": [1, [...], {...}], \"self\": {...}}\n\
         [[1], [1]] {\"p\": [1], \"q\": [[1]]}\n"
    );
    assert!(out.status.success());
}

#[test]
fn everything_after_the_file_goes_to_the_program() {
    // `vm run prog.iv --stats` once printed vm's statistics and gave the
    // program `[]`, while `vm run prog.iv a --stats b` passed `--stats` on;
    // `--help` after the file printed vm's help.
    let path = temp_file("show_args.iv", b"fn main() {\n  print(args())\n}\n");
    for (after, printed) in [
        (&["--stats"][..], r#"["--stats"]"#),
        (&["a", "--stats", "b"], r#"["a", "--stats", "b"]"#),
        (&["--help"], r#"["--help"]"#),
        (&["--"], r#"["--"]"#),
        (&["--threads", "1", "-x"], r#"["--threads", "1", "-x"]"#),
    ] {
        let out = vm().arg("run").arg(&path).args(after).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{after:?}: {stderr}");
        assert_eq!(stderr, "", "{after:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{printed}\n"),
            "{after:?}"
        );
    }
    // Options before the file are vm's.
    let out = vm()
        .args(["run", "--stats"])
        .arg(&path)
        .arg("x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[\"x\"]\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("gc stats:"));
    // `--` before the file ends vm's options: the file may start with `-`.
    let out = vm()
        .args(["run", "--"])
        .arg(&path)
        .arg("-y")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[\"-y\"]\n");
}

#[test]
fn bad_heap_limits_and_policy_options_are_refused_before_running() {
    let program = temp_file("never_runs.iv", b"fn main() {\n  print(\"ran\")\n}\n");
    let refused = |flags: &[&str]| -> String {
        let out = vm().arg("run").args(flags).arg(&program).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        assert!(out.stdout.is_empty(), "{flags:?} ran the program");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // Once accepted, then failing at the program's first allocation.
    let stderr = refused(&["--max-heap", "0"]);
    assert!(
        stderr.starts_with(
            "error: invalid value '0' for '--max-heap <BYTES>': a heap limit of 0 bytes \
             leaves no room for any object; give at least 1\n"
        ),
        "{stderr}"
    );
    let stderr = refused(&["--max-heap", "99999999999G"]);
    assert!(
        stderr.contains(&format!(
            "99999999999G is too large (at most {} bytes, {}G)",
            usize::MAX,
            usize::MAX >> 30
        )),
        "{stderr}"
    );
    // Once silently kept the last value.
    assert_eq!(
        refused(&["--gc-opt", "min_heap=1M", "--gc-opt", "min_heap=2M"]),
        "error: GC policy 'local': option 'min_heap' given twice\n"
    );
    // Once "expected a byte count".
    assert_eq!(
        refused(&["--gc-opt", "min_heap=99999999999G"]),
        format!(
            "error: GC policy 'local': option 'min_heap': 99999999999G is too large \
             (at most {} bytes, {}G)\n",
            usize::MAX,
            usize::MAX >> 30
        )
    );
    let out = vm()
        .args(["run", "--max-heap", "1"])
        .arg(&program)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ran\n");
}

#[test]
fn asm_reports_a_refused_instruction_at_its_vasm_line() {
    // The verifier knows instruction indices only; `vm asm` once said
    // "instruction 1" and left the reader to count lines.
    let path = temp_file(
        "bad_jump.vasm",
        b"; jumps past its end\n.func main arity=0 frame=1\n  loadint r0, 1\n\n  jmp +5\n  ret r0\n.end\n",
    );
    let out = vm()
        .arg("asm")
        .arg(&path)
        .arg("-o")
        .arg(temp_path("bad_jump.bc"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: {}:5: function 0 'main': instruction 1: jump target 7 out of range \
             (the code has 3 instructions)\n",
            path.display()
        )
    );
}
