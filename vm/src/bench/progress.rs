//! What a running sweep tells the researcher on stderr: a progress bar
//! (indicatif) when stderr is a terminal, and always each configuration's
//! shell command as it starts and its result when it ends.
//!
//! Invariant: stdout is never written during a sweep, and every line goes
//! through the bar's `suspend`, so lines and bar never overwrite each other;
//! with stderr not a terminal the bar draws nothing and the lines alone
//! remain, one per event, suitable for a CI log.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::matrix::Config;

/// The progress display of one sweep.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `total` runs on stderr.
    pub fn new(total: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{elapsed_precise} [{bar:25}] {pos}/{len} runs, eta {eta} {wide_msg}",
        )
        .expect("the template is valid")
        .progress_chars("=> ");
        bar.set_style(style);
        Progress { bar }
    }

    /// Prints `line` on stderr above the bar.
    pub fn say(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    /// A configuration starts: its command is printed.
    pub fn start(&self, config: &Config) {
        self.bar.set_message(config.id.clone());
        self.say(&format!("$ {}", config.command));
    }

    /// One run (warm-up or repeat) of the current configuration ended.
    pub fn run_done(&self) {
        self.bar.inc(1);
    }

    /// A configuration ended early: its remaining runs count as done.
    pub fn skip_runs(&self, runs: u64) {
        self.bar.inc(runs);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
