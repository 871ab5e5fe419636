//! The verifier: the only constructor of [`VerifiedModule`].
//!
//! Invariant: a module the verifier accepts cannot make the interpreter index
//! out of bounds, read a register outside its frame, run off the end of a
//! function or call with an argument count the callee cannot take; the
//! interpreter's hot loop relies on the facts below without checking them
//! again. The verifier checks the module's tables, then the constants, then each
//! function in order, and reports the first problem it finds.
//!
//! Module:
//! - there is at least one function, and at most 65536 (function operands
//!   are 16 bits wide);
//! - there are at most 65536 constants (constant operands are 16 bits wide);
//! - the entry index names a function, and that function takes no arguments.
//!
//! Constants:
//! - an integer lies in `MIN_INT..=MAX_INT` (the VM's 63-bit integers);
//! - a function constant names a function of the module;
//! - floats may be any bit pattern (NaN included); strings are UTF-8 by
//!   construction of [`Module`].
//!
//! Functions:
//! - the name is not empty (it appears in error messages and stack traces);
//!   any other UTF-8 is allowed, and two functions may share a name (the
//!   compiler may emit several anonymous functions);
//! - `arity <= frame_size <= MAX_FRAME_SIZE` (256);
//! - the code is not empty, and its last instruction is `jmp` or `ret`, so
//!   the program counter can never run off the end;
//! - every register operand is below `frame_size`, and so is every register
//!   an instruction uses implicitly: `forprep`, `forloop` and `fornext` use
//!   `base..=base+2`; `call` uses `callee..=callee+nargs`; `calld` and
//!   `callb` use `args..args+nargs`; `newarray` uses `first..first+count`;
//!   `newmap` uses `first..first+2*count` (a range of no registers only needs
//!   its first operand in the frame);
//! - every constant operand is below the pool's length (`loadk` accepts any
//!   kind of constant);
//! - every function operand names a function of the module;
//! - every jump target (the index of the next instruction plus the offset,
//!   computed without overflow) is an instruction of the same function: a
//!   target equal to the code length is refused;
//! - `calld` passes exactly the callee's arity;
//! - `callb` names a known builtin and passes a count it accepts;
//! - the line table's pcs strictly increase and each is below the code
//!   length.
//!
//! Not checked, because the interpreter checks them as it runs: the types of
//! values, the arity of an indirect `call`, division by zero, stack depth.

use crate::builtin::Builtin;
use crate::error::{FormatError, plural};
use crate::format::{FunctionOffsets, ModuleOffsets};
use crate::instr::{Instr, Operand};
use crate::module::{Constant, Function, MAX_FRAME_SIZE, MAX_INT, MIN_INT, Module, VerifiedModule};

/// The most functions or constants a module may have: indices are u16.
pub const MAX_TABLE_LEN: usize = 1 << 16;

/// Verifies a module that did not come from a file (errors carry no offset).
pub fn verify(module: Module) -> Result<VerifiedModule, FormatError> {
    verify_with_offsets(module, None)
}

/// Verifies a module; when `offsets` (from [`crate::format::read_module`]) is
/// given, every refusal names the byte offset in the file of the fault.
pub fn verify_with_offsets(
    module: Module,
    offsets: Option<&ModuleOffsets>,
) -> Result<VerifiedModule, FormatError> {
    let checker = Checker {
        module: &module,
        offsets,
    };
    checker.check_module()?;
    Ok(VerifiedModule::new_verified(module))
}

/// The module under verification and, optionally, where its parts lay in the
/// file. Offsets are looked up with `get`, so offsets that do not match the
/// module leave errors without an offset rather than panic.
struct Checker<'a> {
    module: &'a Module,
    offsets: Option<&'a ModuleOffsets>,
}

impl Checker<'_> {
    fn check_module(&self) -> Result<(), FormatError> {
        let module = self.module;
        let function_count_at = self.offsets.map(|o| o.function_count);
        let constant_count_at = self.offsets.map(|o| o.constant_count);
        if module.functions.is_empty() {
            return Err(FormatError::new(
                "the module has no functions; it needs at least its entry function",
            )
            .at(function_count_at));
        }
        if module.functions.len() > MAX_TABLE_LEN {
            return Err(FormatError::new(format!(
                "{} functions; at most {MAX_TABLE_LEN} fit the 16-bit function index",
                module.functions.len()
            ))
            .at(function_count_at));
        }
        if module.constants.len() > MAX_TABLE_LEN {
            return Err(FormatError::new(format!(
                "{} constants; at most {MAX_TABLE_LEN} fit the 16-bit constant index",
                module.constants.len()
            ))
            .at(constant_count_at));
        }
        let entry = usize::from(module.entry);
        let Some(entry_function) = module.functions.get(entry) else {
            return Err(FormatError::new(format!(
                "entry function index {entry} out of range (the module has {})",
                plural(module.functions.len(), "function")
            ))
            .at(self.offsets.map(|o| o.entry)));
        };
        if entry_function.arity != 0 {
            return Err(FormatError::new(format!(
                "the entry function must take no arguments, but it takes {}",
                entry_function.arity
            ))
            .in_function(entry as u32, &entry_function.name)
            .at(self.function_offsets(entry).map(|o| o.arity)));
        }
        for (index, constant) in module.constants.iter().enumerate() {
            self.check_constant(constant).map_err(|message| {
                FormatError::new(format!("constant {index}: {message}"))
                    .at(self.offsets.and_then(|o| o.constants.get(index).copied()))
            })?;
        }
        for (index, function) in module.functions.iter().enumerate() {
            self.check_function(function, self.function_offsets(index))
                .map_err(|e| e.in_function(index as u32, &function.name))?;
        }
        Ok(())
    }

    fn function_offsets(&self, index: usize) -> Option<&FunctionOffsets> {
        self.offsets.and_then(|o| o.functions.get(index))
    }

    fn check_constant(&self, constant: &Constant) -> Result<(), String> {
        match *constant {
            Constant::Int(value) if !(MIN_INT..=MAX_INT).contains(&value) => Err(format!(
                "integer {value} out of range (integers are 63-bit: {MIN_INT}..={MAX_INT})"
            )),
            Constant::Func(index) => self.function(index).map(|_| ()),
            Constant::Int(_) | Constant::Float(_) | Constant::Str(_) => Ok(()),
        }
    }

    /// The function `index` names, or why it names none.
    fn function(&self, index: u16) -> Result<&Function, String> {
        self.module
            .functions
            .get(usize::from(index))
            .ok_or_else(|| {
                format!(
                    "function f{index} out of range (the module has {})",
                    plural(self.module.functions.len(), "function")
                )
            })
    }

    fn check_function(
        &self,
        function: &Function,
        offsets: Option<&FunctionOffsets>,
    ) -> Result<(), FormatError> {
        if function.name.is_empty() {
            return Err(FormatError::new("the function name is empty").at(offsets.map(|o| o.name)));
        }
        if function.frame_size > MAX_FRAME_SIZE {
            return Err(FormatError::new(format!(
                "frame size {} exceeds the maximum of {MAX_FRAME_SIZE} registers",
                function.frame_size
            ))
            .at(offsets.map(|o| o.frame_size)));
        }
        if function.frame_size < u16::from(function.arity) {
            return Err(FormatError::new(format!(
                "frame size {} is smaller than the arity {}",
                function.frame_size, function.arity
            ))
            .at(offsets.map(|o| o.frame_size)));
        }
        let Some(last) = function.code.last() else {
            return Err(
                FormatError::new("the code is empty; a function needs at least a ret")
                    .at(offsets.map(|o| o.code_length)),
            );
        };
        let instruction_at = |pc: usize| offsets.and_then(|o| o.instructions.get(pc).copied());
        for (pc, instr) in function.code.iter().enumerate() {
            self.check_instruction(function, pc, instr)
                .map_err(|message| {
                    FormatError::new(message)
                        .at_instruction(pc as u32)
                        .at(instruction_at(pc))
                })?;
        }
        if !last.ends_block() {
            let pc = function.code.len() - 1;
            return Err(FormatError::new(format!(
                "the last instruction ({}) falls through the end of the code; a function must end with jmp or ret",
                last.opcode().mnemonic()
            ))
            .at_instruction(pc as u32)
            .at(instruction_at(pc)));
        }
        self.check_line_table(function, offsets)
    }

    fn check_instruction(
        &self,
        function: &Function,
        pc: usize,
        instr: &Instr,
    ) -> Result<(), String> {
        let frame_size = u32::from(function.frame_size);
        let code_len = function.code.len();
        let opcode = instr.opcode();
        for (operand, &(field, _)) in instr.operands().into_iter().zip(opcode.operands()) {
            match operand {
                Operand::Reg(reg) if u32::from(reg) >= frame_size => {
                    return Err(format!(
                        "register r{reg} ({} {field}) out of range (the frame has {})",
                        opcode.mnemonic(),
                        plural(frame_size as usize, "register")
                    ));
                }
                Operand::Const(k) if usize::from(k) >= self.module.constants.len() => {
                    return Err(format!(
                        "constant k{k} out of range (the pool has {})",
                        plural(self.module.constants.len(), "constant")
                    ));
                }
                Operand::Func(index) => {
                    self.function(index)?;
                }
                Operand::Builtin(id) if Builtin::from_id(id).is_none() => {
                    return Err(format!("unknown builtin b{id}"));
                }
                Operand::Jump(offset) => {
                    let target = pc as i64 + 1 + i64::from(offset);
                    if target < 0 || target >= code_len as i64 {
                        return Err(format!(
                            "jump target {target} out of range (the code has {})",
                            plural(code_len, "instruction")
                        ));
                    }
                }
                _ => {}
            }
        }
        let in_frame = |first: u8, len: u32, what: &str| -> Result<(), String> {
            let end = u32::from(first) + len;
            if len > 0 && end > frame_size {
                return Err(format!(
                    "{} uses registers r{first}..=r{} ({what}) but the frame has {}",
                    opcode.mnemonic(),
                    end - 1,
                    plural(frame_size as usize, "register")
                ));
            }
            Ok(())
        };
        match *instr {
            Instr::ForIntPrep { base, .. }
            | Instr::ForIntLoop { base, .. }
            | Instr::ForInNext { base, .. } => in_frame(base, 3, "the loop's three registers"),
            Instr::Call { callee, nargs, .. } => in_frame(
                callee,
                u32::from(nargs) + 1,
                &format!("the callee and {}", plural(nargs.into(), "argument")),
            ),
            Instr::CallDirect {
                func, args, nargs, ..
            } => {
                in_frame(args, nargs.into(), &plural(nargs.into(), "argument"))?;
                let callee = self.function(func)?;
                if callee.arity != nargs {
                    return Err(format!(
                        "function '{}' takes {}, call passes {nargs}",
                        callee.name.escape_debug(),
                        plural(callee.arity.into(), "argument")
                    ));
                }
                Ok(())
            }
            Instr::CallBuiltin {
                builtin,
                args,
                nargs,
                ..
            } => {
                in_frame(args, nargs.into(), &plural(nargs.into(), "argument"))?;
                let builtin = Builtin::from_id(builtin)
                    .ok_or_else(|| format!("unknown builtin b{builtin}"))?;
                let accepted = builtin.arity();
                if !accepted.contains(&nargs) {
                    let takes = if accepted.start() == accepted.end() {
                        plural((*accepted.start()).into(), "argument")
                    } else {
                        format!("{} to {} arguments", accepted.start(), accepted.end())
                    };
                    return Err(format!(
                        "builtin '{}' takes {takes}, call passes {nargs}",
                        builtin.name()
                    ));
                }
                Ok(())
            }
            Instr::NewArray { first, count, .. } => {
                in_frame(first, count.into(), &plural(count.into(), "element"))
            }
            Instr::NewMap { first, count, .. } => in_frame(
                first,
                2 * u32::from(count),
                &format!(
                    "{} key/value {}",
                    count,
                    if count == 1 { "pair" } else { "pairs" }
                ),
            ),
            _ => Ok(()),
        }
    }

    fn check_line_table(
        &self,
        function: &Function,
        offsets: Option<&FunctionOffsets>,
    ) -> Result<(), FormatError> {
        let code_len = function.code.len();
        let mut previous: Option<u32> = None;
        for (index, entry) in function.lines.iter().enumerate() {
            let at = offsets.and_then(|o| o.lines.get(index).copied());
            if entry.pc as usize >= code_len {
                return Err(FormatError::new(format!(
                    "line table entry {index}: pc {} out of range (the code has {})",
                    entry.pc,
                    plural(code_len, "instruction")
                ))
                .at(at));
            }
            if let Some(previous) = previous.filter(|&p| entry.pc <= p) {
                return Err(FormatError::new(format!(
                    "line table entry {index}: pc {} does not follow the previous entry's pc {previous} (pcs must strictly increase)",
                    entry.pc
                ))
                .at(at));
            }
            previous = Some(entry.pc);
        }
        Ok(())
    }
}
