//! The compiler never panics and never overflows the stack, whatever it is
//! given: random text, random soups of the language's tokens, mangled
//! example programs and pathologically deep nesting. Whenever it does accept
//! a program, the verifier accepts the module.

use std::path::Path;

use bytecode::compiler::{self, MAX_ERRORS};
use proptest::prelude::*;

/// Compiles `source`; checks the invariants that hold for every outcome.
fn compile_checked(source: &str) -> bool {
    match compiler::compile(source, "fuzz.iv") {
        Ok(module) => {
            if let Err(e) = bytecode::verify(module) {
                panic!("compiled module refused by the verifier: {e}\nsource:\n{source}");
            }
            true
        }
        Err(e) => {
            assert!(!e.errors.is_empty());
            assert!(e.errors.len() <= MAX_ERRORS);
            // Rendering never fails either.
            assert!(e.to_string().contains("error"));
            false
        }
    }
}

const TOKENS: &[&str] = &[
    "fn",
    "main",
    "f",
    "g",
    "x",
    "y",
    "n",
    "let",
    "if",
    "else",
    "while",
    "for",
    "in",
    "break",
    "continue",
    "return",
    "nil",
    "true",
    "false",
    "and",
    "or",
    "not",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ";",
    "=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "\n",
    "\n",
    "\n",
    "0",
    "1",
    "2",
    "-1",
    "127",
    "128",
    "32768",
    "4611686018427387903",
    "4611686018427387904",
    "99999999999999999999",
    "2.5",
    "1e9",
    "1e999",
    "\"s\"",
    "\"a\\nb\"",
    "\"bad\\q\"",
    "\"open",
    "print",
    "len",
    "range",
    "push",
    "args",
    "# comment\n",
    "@",
    "!",
    "é",
    "\t",
    "\r\n",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..120).prop_map(|tokens| tokens.join(" "))
}

/// Programs that start as valid code: a main calling a function, with
/// random statements inside.
fn program_shaped() -> impl Strategy<Value = String> {
    (token_soup(), token_soup())
        .prop_map(|(a, b)| format!("fn f(x, y) {{\n{a}\n}}\nfn main() {{\n{b}\n}}\n"))
}

fn examples() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("examples");
    let mut sources: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "iv"))
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect()
        })
        .unwrap_or_default();
    sources.sort();
    if sources.is_empty() {
        sources.push("fn main() { print(1) }\n".to_string());
    }
    sources
}

/// An example with a random range of characters replaced by random tokens.
fn mangled_example() -> impl Strategy<Value = String> {
    let sources = examples();
    (
        0..sources.len(),
        any::<prop::sample::Index>(),
        0usize..40,
        token_soup(),
    )
        .prop_map(move |(which, at, len, insert)| {
            let chars: Vec<char> = sources[which].chars().collect();
            let start = at.index(chars.len() + 1);
            let end = (start + len).min(chars.len());
            let mut out: String = chars[..start].iter().collect();
            out.push_str(&insert);
            out.extend(&chars[end..]);
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(source in "\\PC*") {
        compile_checked(&source);
    }

    #[test]
    fn random_characters_never_panic(chars in prop::collection::vec(any::<char>(), 0..200)) {
        compile_checked(&chars.into_iter().collect::<String>());
    }

    #[test]
    fn token_soups_never_panic(source in token_soup()) {
        compile_checked(&source);
    }

    #[test]
    fn program_shaped_soups_never_panic(source in program_shaped()) {
        compile_checked(&source);
    }

    #[test]
    fn mangled_examples_never_panic(source in mangled_example()) {
        compile_checked(&source);
    }
}

#[test]
fn every_example_compiles_unmangled() {
    for source in examples() {
        assert!(compile_checked(&source));
    }
}

#[test]
fn pathological_nesting_is_refused_without_exhausting_the_stack() {
    let deep = 100_000;
    let cases = [
        format!(
            "fn main() {{ print({}1{}) }}",
            "(".repeat(deep),
            ")".repeat(deep)
        ),
        format!("fn main() {{ print({}1) }}", "(".repeat(deep)),
        format!(
            "fn main() {{ let x = {}1{} }}",
            "[".repeat(deep),
            "]".repeat(deep)
        ),
        format!("fn main() {{ let x = {}1 }}", "- ".repeat(deep)),
        format!("fn main() {{ let x = {}1 }}", "not ".repeat(deep)),
        format!("fn main() {{ let x = f{} }}", "(1)".repeat(deep)),
        format!("fn main() {{ let x = a{} }}", "[0]".repeat(deep)),
        format!(
            "fn main() {{ {}{} }}",
            "if true { ".repeat(deep),
            "}".repeat(deep)
        ),
        format!("fn main() {{ {} }}", "{".repeat(deep)),
        format!(
            "fn main() {{ let m = {}1{} }}",
            "{1: ".repeat(deep),
            "}".repeat(deep)
        ),
        "fn main() {".repeat(deep),
        "}".repeat(deep),
    ];
    for source in &cases {
        assert!(!compile_checked(source));
    }
}

#[test]
fn long_flat_programs_compile() {
    // Long but shallow: many statements, a long string, a long argument list.
    let mut source = String::from("fn main() {\n  let s = 0\n");
    for i in 0..5000 {
        source.push_str(&format!("  s = s + {i}\n"));
    }
    source.push_str(&format!(
        "  print(\"{}\", {})\n}}\n",
        "x".repeat(100_000),
        vec!["s"; 200].join(", ")
    ));
    assert!(compile_checked(&source));
}

#[test]
fn the_deepest_accepted_nesting_fits_a_small_stack() {
    let depth = compiler::MAX_NESTING as usize - 10;
    let cases = [
        format!(
            "fn main() {{\n  let x = 1\n  print({}x{})\n}}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        ),
        format!(
            "fn main() {{\n  let x = 1\n  print({}x)\n}}\n",
            "- ".repeat(depth)
        ),
        format!(
            "fn main() {{\n  let x = 1\n  print({}x)\n}}\n",
            "not ".repeat(depth)
        ),
        format!(
            "fn main() {{\n  let x = 1\n  print({}x{})\n}}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        format!(
            "fn main() {{\n  let x = 1\n  print(x{})\n}}\n",
            " + x".repeat(depth)
        ),
        format!(
            "fn main() {{\n  let x = 1\n  print(x{})\n}}\n",
            " and x".repeat(depth)
        ),
        format!(
            "fn main() {{\n  let x = [1]\n  print(x{})\n}}\n",
            "[0]".repeat(depth)
        ),
        format!(
            "fn f(v) {{ return v }}\nfn main() {{\n  print({}1{})\n}}\n",
            "f(".repeat(depth),
            ")".repeat(depth)
        ),
        format!(
            "fn main() {{\n  {}print(1){}\n}}\n",
            "if true { ".repeat(depth),
            " }".repeat(depth)
        ),
        format!(
            "fn main() {{\n  {}print(1){}\n}}\n",
            "while true { ".repeat(depth),
            " }".repeat(depth)
        ),
        // Blocks and expressions are counted apart: both at once.
        format!(
            "fn main() {{\n  let x = 1\n  {}print({}x{}){}\n}}\n",
            "if true { ".repeat(depth),
            "(".repeat(depth),
            ")".repeat(depth),
            " }".repeat(depth)
        ),
        format!(
            "fn main() {{\n  let x = 1\n  {}print({}x){}\n}}\n",
            "while true { ".repeat(depth),
            "- ".repeat(depth),
            " }".repeat(depth)
        ),
    ];
    for source in cases {
        assert!(compiles_on_a_small_stack(source));
    }
}

#[test]
fn million_term_operator_chains_compile_within_a_small_stack() {
    // Left-associative chains are built and compiled in loops: neither the
    // parser, nor code generation, nor freeing the tree recurses on their
    // length.
    let terms = 1_000_000;
    let chains = [
        vec!["y"; terms].join(" + "),
        vec!["y"; terms].join(" - "),
        vec!["y"; terms].join(" * "),
        vec!["y + 1"; terms / 2].join(" - "),
        vec!["y"; terms].join(" and "),
        vec!["y"; terms].join(" or "),
        vec!["y < 3 and y"; terms / 2].join(" or "),
    ];
    for chain in chains {
        let source = format!(
            "fn main() {{\n  let y = 1\n  y = {chain}\n  if {chain} {{ print(y) }}\n  print({chain})\n}}\n"
        );
        assert!(compiles_on_a_small_stack(source));
    }
}

/// Compiles `source` (checked) on a thread with a 1 MiB stack.
fn compiles_on_a_small_stack(source: String) -> bool {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || compile_checked(&source))
        .unwrap()
        .join()
        .expect("compiling within a 1 MiB stack")
}
