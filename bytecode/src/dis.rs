//! The disassembler: [`Module`] to `.vasm` text.
//!
//! Invariant: the text is valid input for [`crate::asm::assemble`], which
//! rebuilds exactly the module that was disassembled, whatever it holds, valid
//! or not (so a malformed `.bc` can be inspected, edited and written again).
//! Everything beyond that, the instruction indices, the comments naming
//! constants, callees, builtins and jump targets, is for the reader: the
//! assembler checks the indices and ignores the comments.

use crate::asm::{float_spelling, name_spelling, quote};
use crate::builtin::Builtin;
use crate::instr::Instr;
use crate::module::{Constant, Function, Module};

/// The column at which instruction comments start.
const COMMENT_COLUMN: usize = 40;
/// Longest string constant shown in full in an instruction's comment.
const MAX_COMMENT_STRING: usize = 48;

/// The module as `.vasm` text.
pub fn disassemble(module: &Module) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "; {}, {}\n",
        count(module.constants.len(), "constant"),
        count(module.functions.len(), "function")
    ));
    out.push_str(&format!(".source {}\n", quote(&module.source_name)));
    let entry = format!(".entry f{}", module.entry);
    push_commented(
        &mut out,
        &entry,
        function_name(module, module.entry).as_deref(),
    );

    if !module.constants.is_empty() {
        out.push('\n');
    }
    for (index, constant) in module.constants.iter().enumerate() {
        let line = format!(".const k{index} {}", constant_spelling(constant));
        let comment = match constant {
            Constant::Func(f) => function_name(module, *f),
            _ => None,
        };
        push_commented(&mut out, &line, comment.as_deref());
    }

    for (index, function) in module.functions.iter().enumerate() {
        out.push('\n');
        disassemble_function(module, index, function, &mut out);
    }
    out
}

fn disassemble_function(module: &Module, index: usize, function: &Function, out: &mut String) {
    let header = format!(
        ".func {} arity={} frame={}",
        name_spelling(&function.name),
        function.arity,
        function.frame_size
    );
    push_commented(out, &header, Some(&format!("f{index}")));

    let width = function.code.len().saturating_sub(1).to_string().len();
    let mut emitted = 0;
    let emit_until = |pc: usize, emitted: &mut usize, out: &mut String| {
        while *emitted < pc {
            let instr = &function.code[*emitted];
            let line = format!("    {:>width$}: {}", *emitted, instruction_text(instr));
            push_commented(
                out,
                &line,
                instruction_comment(module, *emitted, instr).as_deref(),
            );
            *emitted += 1;
        }
    };
    // A line entry is written positionally (before its instruction) when the
    // entries so far allow it; otherwise with an explicit pc, in table order.
    for entry in &function.lines {
        let pc = entry.pc as usize;
        if pc >= emitted && pc <= function.code.len() {
            emit_until(pc, &mut emitted, out);
            out.push_str(&format!("    .line {}\n", entry.line));
        } else {
            out.push_str(&format!("    .line {} pc={}\n", entry.line, entry.pc));
        }
    }
    emit_until(function.code.len(), &mut emitted, out);
    out.push_str(".end\n");
}

/// `mnemonic op, op, ...` with operands spelled as the assembler reads them.
fn instruction_text(instr: &Instr) -> String {
    let operands: Vec<String> = instr.operands().iter().map(ToString::to_string).collect();
    if operands.is_empty() {
        instr.opcode().mnemonic().to_owned()
    } else {
        format!("{} {}", instr.opcode().mnemonic(), operands.join(", "))
    }
}

/// What a reader wants to know beside instruction `pc`: the constant it
/// loads, the function or builtin it calls, the index it jumps to.
fn instruction_comment(module: &Module, pc: usize, instr: &Instr) -> Option<String> {
    match *instr {
        Instr::LoadConst { k, .. } => Some(match module.constants.get(usize::from(k)) {
            Some(Constant::Str(s)) => {
                let quoted = quote(s);
                if quoted.chars().count() > MAX_COMMENT_STRING {
                    let head: String = quoted.chars().take(MAX_COMMENT_STRING).collect();
                    format!("str {head}...")
                } else {
                    format!("str {quoted}")
                }
            }
            Some(Constant::Func(f)) => {
                format!(
                    "func {}",
                    function_name(module, *f).unwrap_or_else(|| format!("f{f}"))
                )
            }
            Some(constant) => constant_spelling(constant),
            None => "no such constant".to_owned(),
        }),
        Instr::CallDirect { func, .. } => {
            Some(function_name(module, func).unwrap_or_else(|| "no such function".to_owned()))
        }
        Instr::CallBuiltin { builtin, .. } => Some(
            Builtin::from_id(builtin)
                .map_or_else(|| "unknown builtin".to_owned(), |b| b.name().to_owned()),
        ),
        _ => instr
            .jump_offset()
            .map(|offset| format!("-> {}", pc as i64 + 1 + i64::from(offset))),
    }
}

/// A constant as `.const` spells it, after the index.
fn constant_spelling(constant: &Constant) -> String {
    match constant {
        Constant::Int(v) => format!("int {v}"),
        Constant::Float(v) => format!("float {}", float_spelling(*v)),
        Constant::Str(s) => format!("str {}", quote(s)),
        Constant::Func(f) => format!("func f{f}"),
    }
}

/// The spelled name of function `index`, if the module has it.
fn function_name(module: &Module, index: u16) -> Option<String> {
    module
        .functions
        .get(usize::from(index))
        .map(|f| name_spelling(&f.name))
}

/// Appends `text`, then `; comment` at [`COMMENT_COLUMN`] when there is one.
fn push_commented(out: &mut String, text: &str, comment: Option<&str>) {
    out.push_str(text);
    if let Some(comment) = comment {
        let pad = COMMENT_COLUMN.saturating_sub(text.chars().count()).max(1);
        out.extend(std::iter::repeat_n(' ', pad));
        out.push_str("; ");
        out.push_str(comment);
    }
    out.push('\n');
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
