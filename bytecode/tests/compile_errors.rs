//! Compile errors, with their exact rendered text: `file:line:col: error:
//! message`, the source line and a caret under the column (see
//! `docs/language.md`, "Compile errors").

use bytecode::compiler::{self, MAX_ERRORS};

/// The rendered errors of compiling `source` as `prog.iv`.
fn errors(source: &str) -> String {
    match compiler::compile(source, "prog.iv") {
        Ok(_) => panic!("compiled without errors:\n{source}"),
        Err(e) => e.to_string(),
    }
}

fn lines(lines: &[&str]) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// Compiles the source made of `source` lines and compares the rendered
/// errors with `expected`, line by line.
fn check(source: &[&str], expected: &[&str]) {
    assert_eq!(errors(&lines(source)), lines(expected));
}

/// As [`check`], for a source given as one string.
fn check_text(source: &str, expected: &[&str]) {
    assert_eq!(errors(source), lines(expected));
}

#[test]
fn undefined_variable_is_reported_at_its_use() {
    check(
        &["fn main() {", "  let x = y + 1", "  print(x)", "}"],
        &[
            "prog.iv:2:11: error: undefined variable 'y'",
            "    2 |   let x = y + 1",
            "      |           ^",
        ],
    );
}

#[test]
fn missing_operand_at_end_of_line() {
    check(
        &["fn main() {", "  let x = 1 +", "}"],
        &[
            "prog.iv:3:1: error: expected an expression, found '}'",
            "    3 | }",
            "      | ^",
        ],
    );
}

#[test]
fn unclosed_block_at_end_of_file() {
    check(
        &["fn main() {", "  if true {", "    print(1)", "}"],
        &[
            "prog.iv:5:1: error: expected '}' to close the block opened at line 1, found end of file",
            "    5 |",
            "      | ^",
        ],
    );
}

#[test]
fn missing_closing_parenthesis() {
    check(
        &["fn main() {", "  print((1 + 2)", "}"],
        &[
            "prog.iv:3:1: error: expected ')' or ',' after the call's arguments, found '}'",
            "    3 | }",
            "      | ^",
        ],
    );
}

#[test]
fn two_expressions_on_one_line() {
    check(
        &["fn main() {", "  let x = 1 2", "}"],
        &[
            "prog.iv:2:13: error: expected end of line or ';' after the statement, found number 2",
            "    2 |   let x = 1 2",
            "      |             ^",
        ],
    );
}

#[test]
fn chained_comparison() {
    check(
        &["fn main() {", "  let a = 1", "  print(a < 2 < 3)", "}"],
        &[
            "prog.iv:3:15: error: comparison operators cannot be chained; combine the comparisons with 'and'",
            "    3 |   print(a < 2 < 3)",
            "      |               ^",
        ],
    );
}

#[test]
fn statement_at_top_level() {
    check(
        &["let x = 1", "fn main() {}"],
        &[
            "prog.iv:1:1: error: statements must be inside a function; the program starts at 'fn main() { ... }'",
            "    1 | let x = 1",
            "      | ^",
        ],
    );
}

#[test]
fn invalid_assignment_target() {
    check(
        &["fn main() {", "  f() = 3", "}", "fn f() {}"],
        &[
            "prog.iv:2:7: error: cannot assign to this expression (only to a variable or an element 'a[i]')",
            "    2 |   f() = 3",
            "      |       ^",
        ],
    );
}

#[test]
fn else_without_if() {
    check(
        &["fn main() {", "  else { print(1) }", "}"],
        &[
            "prog.iv:2:3: error: 'else' without a matching 'if'",
            "    2 |   else { print(1) }",
            "      |   ^",
        ],
    );
}

#[test]
fn unexpected_character() {
    check(
        &["fn main() {", "  let x = 1 $ 2", "}"],
        &[
            "prog.iv:2:13: error: unexpected character '$'",
            "    2 |   let x = 1 $ 2",
            "      |             ^",
        ],
    );
}

#[test]
fn bang_suggests_not() {
    check(
        &["fn main() {", "  if !true { }", "}"],
        &[
            "prog.iv:2:6: error: unexpected character '!'; use 'not' for negation",
            "    2 |   if !true { }",
            "      |      ^",
        ],
    );
}

#[test]
fn malformed_number() {
    check(
        &["fn main() {", "  let x = 12abc", "}"],
        &[
            "prog.iv:2:11: error: malformed number '12abc'",
            "    2 |   let x = 12abc",
            "      |           ^",
        ],
    );
}

#[test]
fn function_inside_function() {
    check(
        &["fn main() {", "  print(1)", "fn helper() {}"],
        &[
            "prog.iv:3:1: error: functions can only be defined at the top level (is a '}' missing above?)",
            "    3 | fn helper() {}",
            "      | ^",
        ],
    );
}

#[test]
fn missing_block_after_if() {
    check(
        &["fn main() {", "  if true print(1)", "}"],
        &[
            "prog.iv:2:11: error: expected '{' to start the body of 'if', found identifier 'print'",
            "    2 |   if true print(1)",
            "      |           ^",
        ],
    );
}

#[test]
fn assignment_to_undeclared_variable() {
    check(
        &["fn main() {", "  count = 0", "}"],
        &[
            "prog.iv:2:3: error: undefined variable 'count'",
            "    2 |   count = 0",
            "      |   ^",
        ],
    );
}

#[test]
fn assignment_to_function() {
    check(
        &["fn main() {", "  f = 1", "}", "fn f() {}"],
        &[
            "prog.iv:2:3: error: cannot assign to function 'f'",
            "    2 |   f = 1",
            "      |   ^",
        ],
    );
}

#[test]
fn duplicate_let_in_same_block() {
    check(
        &["fn main() {", "  let a = 1", "  let a = 2", "}"],
        &[
            "prog.iv:3:7: error: variable 'a' is already declared in this block",
            "    3 |   let a = 2",
            "      |       ^",
        ],
    );
}

#[test]
fn duplicate_parameter() {
    check(
        &["fn f(a, a) {}", "fn main() {}"],
        &[
            "prog.iv:1:9: error: duplicate parameter 'a'",
            "    1 | fn f(a, a) {}",
            "      |         ^",
        ],
    );
}

#[test]
fn let_shadowing_a_parameter() {
    check(
        &["fn f(n) {", "  let n = 2", "}", "fn main() {}"],
        &[
            "prog.iv:2:7: error: variable 'n' is already declared in this block",
            "    2 |   let n = 2",
            "      |       ^",
        ],
    );
}

#[test]
fn wrong_arity_direct_call() {
    check(
        &[
            "fn f(a, b) { return a + b }",
            "fn main() {",
            "  print(f(1, 2, 3))",
            "}",
        ],
        &[
            "prog.iv:3:9: error: function 'f' takes 2 arguments but 3 were given",
            "    3 |   print(f(1, 2, 3))",
            "      |         ^",
        ],
    );
}

#[test]
fn wrong_arity_one_argument() {
    check(
        &["fn g(a) { return a }", "fn main() {", "  g()", "}"],
        &[
            "prog.iv:3:3: error: function 'g' takes 1 argument but 0 were given",
            "    3 |   g()",
            "      |   ^",
        ],
    );
}

#[test]
fn wrong_arity_builtin() {
    check(
        &["fn main() {", "  print(len(\"a\", \"b\"))", "}"],
        &[
            "prog.iv:2:9: error: builtin 'len' takes 1 argument but 2 were given",
            "    2 |   print(len(\"a\", \"b\"))",
            "      |         ^",
        ],
    );
}

#[test]
fn wrong_arity_builtin_range() {
    check(
        &["fn main() {", "  for i in range(1, 2, 3) {}", "}"],
        &[
            "prog.iv:2:12: error: builtin 'range' takes 1 or 2 arguments but 3 were given",
            "    2 |   for i in range(1, 2, 3) {}",
            "      |            ^",
        ],
    );
}

#[test]
fn builtin_used_as_value() {
    check(
        &["fn main() {", "  let p = print", "}"],
        &[
            "prog.iv:2:11: error: builtin 'print' can only be called, it is not a value",
            "    2 |   let p = print",
            "      |           ^",
        ],
    );
}

#[test]
fn function_named_like_builtin() {
    check(
        &["fn len(x) { return 0 }", "fn main() {}"],
        &[
            "prog.iv:1:4: error: function 'len' has the name of a builtin; choose another name",
            "    1 | fn len(x) { return 0 }",
            "      |    ^",
        ],
    );
}

#[test]
fn duplicate_function() {
    check(
        &["fn main() {}", "fn helper() {}", "fn helper() {}"],
        &[
            "prog.iv:3:4: error: function 'helper' is already defined at line 2",
            "    3 | fn helper() {}",
            "      |    ^",
        ],
    );
}

#[test]
fn undefined_function() {
    check(
        &["fn main() {", "  frobnicate(1)", "}"],
        &[
            "prog.iv:2:3: error: undefined function 'frobnicate'",
            "    2 |   frobnicate(1)",
            "      |   ^",
        ],
    );
}

#[test]
fn main_with_parameters() {
    check(
        &["fn main(argv) {", "  print(argv)", "}"],
        &[
            "prog.iv:1:4: error: 'main' must take no parameters; use args() to read the command-line arguments",
            "    1 | fn main(argv) {",
            "      |    ^",
        ],
    );
}

#[test]
fn missing_main() {
    check(
        &["fn helper() {}"],
        &["prog.iv: error: no 'main' function: the program starts at 'fn main() { ... }'"],
    );
}

#[test]
fn empty_file() {
    check_text(
        "",
        &["prog.iv: error: no 'main' function: the program starts at 'fn main() { ... }'"],
    );
}

#[test]
fn integer_literal_out_of_range() {
    check(
        &["fn main() {", "  print(4611686018427387904)", "}"],
        &[
            "prog.iv:2:9: error: integer literal 4611686018427387904 is out of range (integers are 63-bit: -4611686018427387904 to 4611686018427387903)",
            "    2 |   print(4611686018427387904)",
            "      |         ^",
        ],
    );
}

#[test]
fn negative_integer_literal_out_of_range() {
    check(
        &["fn main() {", "  print(-4611686018427387905)", "}"],
        &[
            "prog.iv:2:9: error: integer literal -4611686018427387905 is out of range (integers are 63-bit: -4611686018427387904 to 4611686018427387903)",
            "    2 |   print(-4611686018427387905)",
            "      |         ^",
        ],
    );
}

#[test]
fn huge_integer_literal() {
    check(
        &[
            "fn main() {",
            "  print(123456789012345678901234567890)",
            "}",
        ],
        &[
            "prog.iv:2:9: error: integer literal 123456789012345678901234567890 is out of range (integers are 63-bit: -4611686018427387904 to 4611686018427387903)",
            "    2 |   print(123456789012345678901234567890)",
            "      |         ^",
        ],
    );
}

#[test]
fn float_literal_out_of_range() {
    check(
        &["fn main() {", "  print(1e400)", "}"],
        &[
            "prog.iv:2:9: error: float literal 1e400 is out of range",
            "    2 |   print(1e400)",
            "      |         ^",
        ],
    );
}

#[test]
fn bad_escape() {
    check(
        &["fn main() {", "  print(\"a\\qb\")", "}"],
        &[
            "prog.iv:2:11: error: invalid escape '\\q' in string (allowed: \\n \\t \\\" \\\\)",
            "    2 |   print(\"a\\qb\")",
            "      |           ^",
        ],
    );
}

#[test]
fn unterminated_string() {
    check(
        &["fn main() {", "  print(\"abc)", "}"],
        &[
            "prog.iv:2:9: error: unterminated string (a string must end on the line it starts)",
            "    2 |   print(\"abc)",
            "      |         ^",
        ],
    );
}

#[test]
fn break_outside_loop() {
    check(
        &["fn main() {", "  break", "}"],
        &[
            "prog.iv:2:3: error: 'break' outside a loop",
            "    2 |   break",
            "      |   ^",
        ],
    );
}

#[test]
fn continue_outside_loop() {
    check(
        &["fn main() {", "  if true { continue }", "}"],
        &[
            "prog.iv:2:13: error: 'continue' outside a loop",
            "    2 |   if true { continue }",
            "      |             ^",
        ],
    );
}

#[test]
fn several_errors_in_one_run() {
    check(
        &[
            "fn main() {",
            "  let a = b",
            "  c = 1",
            "  let a = 2",
            "  print(len())",
            "}",
        ],
        &[
            "prog.iv:2:11: error: undefined variable 'b'",
            "    2 |   let a = b",
            "      |           ^",
            "prog.iv:3:3: error: undefined variable 'c'",
            "    3 |   c = 1",
            "      |   ^",
            "prog.iv:4:7: error: variable 'a' is already declared in this block",
            "    4 |   let a = 2",
            "      |       ^",
            "prog.iv:5:9: error: builtin 'len' takes 1 argument but 0 were given",
            "    5 |   print(len())",
            "      |         ^",
        ],
    );
}

#[test]
fn several_syntax_errors_in_one_run() {
    check(
        &[
            "fn main() {",
            "  let = 1",
            "  print(2 +)",
            "  let ok = 3",
            "  while { }",
            "}",
            "fn f(,) {}",
        ],
        &[
            "prog.iv:2:7: error: expected a variable name after 'let', found '='",
            "    2 |   let = 1",
            "      |       ^",
            "prog.iv:3:12: error: expected an expression, found ')'",
            "    3 |   print(2 +)",
            "      |            ^",
            "prog.iv:5:9: error: expected an expression after 'while' before its block",
            "    5 |   while { }",
            "      |         ^",
            "prog.iv:7:6: error: expected a parameter name or ')', found ','",
            "    7 | fn f(,) {}",
            "      |      ^",
        ],
    );
}

#[test]
fn caret_follows_tabs() {
    check(
        &["fn main() {", "\tlet x =\tnope", "}"],
        &[
            "prog.iv:2:10: error: undefined variable 'nope'",
            "    2 | \tlet x =\tnope",
            "      | \t       \t^",
        ],
    );
}

#[test]
fn windows_line_endings() {
    check_text(
        "fn main() {\r\n  print(zzz)\r\n}\r\n",
        &[
            "prog.iv:2:9: error: undefined variable 'zzz'",
            "    2 |   print(zzz)",
            "      |         ^",
        ],
    );
}

#[test]
fn missing_condition() {
    check(
        &["fn main() {", "  while { }", "}"],
        &[
            "prog.iv:2:9: error: expected an expression after 'while' before its block",
            "    2 |   while { }",
            "      |         ^",
        ],
    );
}

#[test]
fn too_many_registers() {
    let mut source = String::from("fn main() {\n");
    for i in 0..300 {
        source.push_str(&format!("  let v{i} = {i}\n"));
    }
    source.push_str("}\n");
    // main's 257th local is declared on line 258.
    assert_eq!(
        errors(&source),
        lines(&[
            "prog.iv:258:3: error: function 'main' needs more than 256 registers",
            "  258 |   let v256 = 256",
            "      |   ^",
        ])
    );
}

#[test]
fn two_hundred_fifty_six_registers_are_fine() {
    let mut source = String::from("fn main() {\n");
    for i in 0..256 {
        source.push_str(&format!("  let v{i} = {i}\n"));
    }
    source.push_str("}\n");
    let module = compiler::compile(&source, "prog.iv").unwrap();
    assert_eq!(module.functions[0].frame_size, 256);
    bytecode::verify(module).unwrap();
}

#[test]
fn errors_are_capped_and_the_cap_is_announced() {
    let mut source = String::from("fn main() {\n");
    for i in 0..25 {
        source.push_str(&format!("  print(u{i})\n"));
    }
    source.push_str("}\n");
    let err = compiler::compile(&source, "prog.iv").unwrap_err();
    assert_eq!(err.errors.len(), MAX_ERRORS);
    assert!(err.truncated);
    let text = err.to_string();
    assert!(text.starts_with("prog.iv:2:9: error: undefined variable 'u0'\n"));
    assert!(text.contains("prog.iv:21:9: error: undefined variable 'u19'\n"));
    assert!(!text.contains("'u20'"));
    assert!(
        text.ends_with(
            "      |         ^\nprog.iv: too many errors; only the first 20 are shown\n"
        )
    );
}

#[test]
fn expression_nested_too_deeply() {
    let source = format!(
        "fn main() {{\n  print({}1{})\n}}\n",
        "(".repeat(250),
        ")".repeat(250)
    );
    let err = compiler::compile(&source, "prog.iv").unwrap_err();
    assert_eq!(
        err.messages(),
        ["expression nested too deeply (more than 200 levels)"]
    );
    // The statement is level 1, print's argument level 2: the 200th '('
    // would open level 201.
    assert_eq!(err.errors[0].pos, Some(compiler::Pos::new(2, 208)));
    // 200 levels are fine.
    let source = format!(
        "fn main() {{\n  print({}1{})\n}}\n",
        "(".repeat(198),
        ")".repeat(198)
    );
    assert!(compiler::compile(&source, "prog.iv").is_ok());
}

/// `depth` nested `if` blocks in `main`, the innermost holding `inner`.
fn nested_ifs(depth: usize, inner: &str) -> String {
    format!(
        "fn main() {{\n{}{inner}\n{}}}\n",
        "if true {\n".repeat(depth),
        "}\n".repeat(depth)
    )
}

#[test]
fn blocks_nested_too_deeply_have_their_own_message() {
    let err = compiler::compile(&nested_ifs(201, "print(1)"), "prog.iv").unwrap_err();
    assert_eq!(
        err.messages(),
        ["blocks nested too deeply (more than 200 levels)"]
    );
    // The '{' of the 201st 'if', on line 202.
    assert_eq!(err.errors[0].pos, Some(compiler::Pos::new(202, 9)));
    // 200 blocks in a function's body are fine, and so is a deep expression
    // inside them: the two are counted apart.
    let deep = format!("print({}1{})", "(".repeat(190), ")".repeat(190));
    assert!(compiler::compile(&nested_ifs(200, &deep), "prog.iv").is_ok());
    // Too deep an expression there is an expression's error.
    let deeper = format!("print({}1{})", "(".repeat(250), ")".repeat(250));
    let err = compiler::compile(&nested_ifs(200, &deeper), "prog.iv").unwrap_err();
    assert_eq!(
        err.messages(),
        ["expression nested too deeply (more than 200 levels)"]
    );
}

#[test]
fn operator_chains_are_not_nesting() {
    // A flat chain of any length is one level, whatever its operators; only
    // parentheses (and calls, indexing, unary operators) nest.
    for chain in [
        vec!["y"; 201].join(" + "),
        vec!["y"; 5000].join(" - "),
        vec!["y"; 5000].join(" * "),
        vec!["y"; 5000].join(" and "),
        vec!["y"; 5000].join(" or "),
        vec!["y < 2"; 5000].join(" and "),
        vec!["y * y + y / y - y % y"; 1000].join(" + "),
    ] {
        let source = format!(
            "fn main() {{\n  let y = 1\n  let z = {chain}\n  if {chain} {{ print(z) }}\n}}\n"
        );
        if let Err(e) = compiler::compile(&source, "prog.iv") {
            panic!("{}: {e}", &chain[..40]);
        }
    }
    // Right-nested through parentheses, the same sum is 200 levels deep.
    let right = format!("y{}", " + (y".repeat(200)) + &")".repeat(200);
    let source = format!("fn main() {{\n  let y = 1\n  print({right})\n}}\n");
    let err = compiler::compile(&source, "prog.iv").unwrap_err();
    assert_eq!(
        err.messages(),
        ["expression nested too deeply (more than 200 levels)"]
    );
}

#[test]
fn call_with_too_many_arguments() {
    let source = format!("fn main() {{\n  print({})\n}}\n", vec!["1"; 256].join(", "));
    let err = compiler::compile(&source, "prog.iv").unwrap_err();
    assert_eq!(err.messages(), ["a call can pass at most 255 arguments"]);
    assert_eq!(err.errors[0].pos, Some(compiler::Pos::new(2, 3)));
}

#[test]
fn diagnostics_carry_positions_and_the_source_name() {
    let err = compiler::compile("fn main() {\n  print(q)\n}\n", "dir/file.iv").unwrap_err();
    assert_eq!(err.source_name, "dir/file.iv");
    assert_eq!(err.errors.len(), 1);
    assert_eq!(
        err.errors[0].pos,
        Some(compiler::Pos { line: 2, column: 9 })
    );
    assert_eq!(err.errors[0].message, "undefined variable 'q'");
    assert!(err.to_string().starts_with("dir/file.iv:2:9: error: "));
}

#[test]
fn columns_count_characters_not_bytes() {
    check(
        &["fn main() {", "  print(\"héllo\", ünknown)", "}"],
        &[
            "prog.iv:2:18: error: unexpected character 'ü'",
            "    2 |   print(\"héllo\", ünknown)",
            "      |                  ^",
        ],
    );
}

#[test]
fn the_smallest_integer_can_be_written() {
    let ok = "fn main() {\n  print(-4611686018427387904, 4611686018427387903)\n}\n";
    bytecode::verify(compiler::compile(ok, "prog.iv").unwrap()).unwrap();
}

#[test]
fn names_that_are_fine() {
    // A local may shadow a function or a builtin; an inner block may shadow
    // an outer local; functions may be used before they are defined.
    let ok = "fn main() {\n  let len = 3\n  let f = helper\n  let x = 1\n  if true {\n    let x = 2\n    print(x, len, f())\n  }\n}\nfn helper() { return main }\n";
    bytecode::verify(compiler::compile(ok, "prog.iv").unwrap()).unwrap();
}
