//! A loaded program: the verified module, its literals, and what every
//! isolate of one run shares.
//!
//! Invariant: a `Program` is immutable once built and shared by all isolates
//! (`Arc<Program>`); `constants[k]` is the value of constant `k`, an
//! immediate or a frozen, shareable object of the literal space, which lives
//! as long as the program.

use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use bytecode::{Constant, VerifiedModule};
use heap::{LiteralSpace, Value};

/// Where `print` writes: one sink shared by all isolates, a line at a time.
pub struct Output {
    sink: Mutex<Box<dyn Write + Send>>,
}

impl Output {
    pub fn new(sink: Box<dyn Write + Send>) -> Output {
        Output {
            sink: Mutex::new(sink),
        }
    }

    /// Buffered standard output.
    pub fn stdout() -> Output {
        Output::new(Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout(),
        )))
    }

    /// Writes one line (the newline is added). A closed pipe is not an
    /// error of the program: output is then dropped.
    pub fn line(&self, text: &str) {
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        let _ = sink
            .write_all(text.as_bytes())
            .and_then(|()| sink.write_all(b"\n"));
    }

    pub fn flush(&self) {
        let _ = self.sink.lock().unwrap_or_else(|e| e.into_inner()).flush();
    }
}

pub struct Program {
    pub module: VerifiedModule,
    pub constants: Vec<Value>,
    /// The command-line arguments after the program file.
    pub args: Vec<String>,
    pub output: Output,
    /// Origin of `now_ns()`.
    pub started: Instant,
    /// Owns the objects `constants` points to; never read directly.
    _literals: LiteralSpace,
}

impl Program {
    /// Materialises the module's constants in a fresh literal space.
    pub fn new(
        module: VerifiedModule,
        args: Vec<String>,
        output: Output,
    ) -> Result<Program, String> {
        let mut literals = LiteralSpace::new();
        let mut functions: Vec<Option<Value>> = vec![None; module.functions.len()];
        let mut constants = Vec::with_capacity(module.constants.len());
        for constant in &module.constants {
            let value = match constant {
                Constant::Int(n) => Value::int(*n).expect("the verifier checked the range"),
                Constant::Float(f) => literals.alloc_float(*f).map_err(|e| e.to_string())?,
                Constant::Str(s) => literals.alloc_str(s).map_err(|e| e.to_string())?,
                Constant::Func(i) => match functions[*i as usize] {
                    Some(v) => v,
                    None => {
                        let v = literals
                            .alloc_function(*i as u32)
                            .map_err(|e| e.to_string())?;
                        functions[*i as usize] = Some(v);
                        v
                    }
                },
            };
            constants.push(value);
        }
        Ok(Program {
            module,
            constants,
            args,
            output,
            started: Instant::now(),
            _literals: literals,
        })
    }

    /// The name of function `index`.
    pub fn function_name(&self, index: u32) -> &str {
        self.module
            .functions
            .get(index as usize)
            .map_or("?", |f| f.name.as_str())
    }
}
