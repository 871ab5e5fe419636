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
///
/// The first failed write (or flush) is kept, and every later line is
/// dropped: the run's output is then lost, and the caller reports why
/// ([`Output::take_error`]) instead of exiting as if all went well.
pub struct Output {
    sink: Mutex<Sink>,
}

struct Sink {
    writer: Box<dyn Write + Send>,
    /// The first write error; the writer is a `std::io::sink()` since.
    error: Option<std::io::Error>,
}

impl Sink {
    fn check(&mut self, result: std::io::Result<()>) -> bool {
        match result {
            Ok(()) => true,
            Err(e) => {
                self.error.get_or_insert(e);
                self.writer = Box::new(std::io::sink());
                false
            }
        }
    }
}

impl Output {
    pub fn new(writer: Box<dyn Write + Send>) -> Output {
        Output {
            sink: Mutex::new(Sink {
                writer,
                error: None,
            }),
        }
    }

    /// Buffered standard output (a closed one fails, see [`crate::stdio`]).
    pub fn stdout() -> Output {
        Output::new(Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            crate::stdio::stdout(),
        )))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sink> {
        self.sink.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes one line (the newline is added). Returns false when the
    /// output has failed, by this write or an earlier one: the line is lost.
    pub fn line(&self, text: &str) -> bool {
        let mut sink = self.lock();
        if sink.error.is_some() {
            return false;
        }
        let result = sink
            .writer
            .write_all(text.as_bytes())
            .and_then(|()| sink.writer.write_all(b"\n"));
        sink.check(result)
    }

    /// Writes out what is buffered. Returns false when the output has failed.
    pub fn flush(&self) -> bool {
        let mut sink = self.lock();
        if sink.error.is_some() {
            return false;
        }
        let result = sink.writer.flush();
        sink.check(result)
    }

    /// The error that made the output fail, if it did.
    pub fn take_error(&self) -> Option<std::io::Error> {
        self.lock().error.take()
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
