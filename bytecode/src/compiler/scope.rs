//! Locals and registers of the function being compiled.
//!
//! Registers are allocated like a stack. Invariant: local number `i` lives in
//! register `i`, so the locals occupy `R[0..locals_top]` (parameters first);
//! temporaries occupy `R[locals_top..free]` and everything from `free` up is
//! unused. Between statements `free == locals_top`. A block's locals are
//! dropped, and their registers freed, when the block ends. The frame size is
//! the highest register count ever reached.

use crate::module::MAX_FRAME_SIZE;

#[derive(Debug, Default)]
pub(crate) struct Scope<'a> {
    /// One entry per local register; `None` for registers that hold loop
    /// state and have no name.
    locals: Vec<Option<&'a str>>,
    /// For each open block, the number of locals when it was entered.
    blocks: Vec<usize>,
    free: u32,
    high_water: u32,
}

/// Clamps a register number to an operand; only reached with out-of-range
/// numbers after the overflow has been reported, when the code is discarded.
pub(crate) fn reg(r: u32) -> u8 {
    u8::try_from(r).unwrap_or(u8::MAX)
}

impl<'a> Scope<'a> {
    pub(crate) fn new() -> Scope<'a> {
        Scope {
            blocks: vec![0],
            ..Scope::default()
        }
    }

    /// The register of the innermost local called `name`.
    pub(crate) fn lookup(&self, name: &str) -> Option<u8> {
        self.locals
            .iter()
            .rposition(|l| *l == Some(name))
            .map(|i| reg(i as u32))
    }

    /// True when the innermost open block already declares `name`.
    pub(crate) fn declared_in_block(&self, name: &str) -> bool {
        let start = self.blocks.last().copied().unwrap_or(0);
        self.locals[start..].contains(&Some(name))
    }

    pub(crate) fn enter_block(&mut self) {
        self.blocks.push(self.locals.len());
    }

    /// Ends the innermost block, freeing its locals' registers.
    pub(crate) fn leave_block(&mut self) {
        let start = self.blocks.pop().unwrap_or(0);
        self.locals.truncate(start);
        self.free = start as u32;
    }

    /// Allocates the lowest free register.
    pub(crate) fn alloc(&mut self) -> u8 {
        let r = self.free;
        self.free = self.free.saturating_add(1);
        self.high_water = self.high_water.max(self.free);
        reg(r)
    }

    /// The first free register (it may be past the frame when overflowing).
    pub(crate) fn free(&self) -> u32 {
        self.free
    }

    /// Frees every temporary at or above `mark`.
    pub(crate) fn free_to(&mut self, mark: u32) {
        debug_assert!(
            mark as usize >= self.locals.len(),
            "freeing a local's register"
        );
        self.free = mark;
    }

    /// Makes sure the frame includes register `r` (for a call with no
    /// arguments, whose argument register is not otherwise allocated).
    pub(crate) fn touch(&mut self, r: u32) {
        self.high_water = self.high_water.max(r.saturating_add(1));
    }

    /// Turns the lowest temporary (register `locals_top`, which must be
    /// allocated) into a local of the innermost block.
    pub(crate) fn declare_top(&mut self, name: Option<&'a str>) {
        debug_assert!(
            self.free as usize > self.locals.len(),
            "declaring an unallocated register"
        );
        self.locals.push(name);
    }

    /// Number of registers held by locals.
    pub(crate) fn locals_top(&self) -> u32 {
        self.locals.len() as u32
    }

    pub(crate) fn overflowed(&self) -> bool {
        self.high_water > u32::from(MAX_FRAME_SIZE)
    }

    /// The frame size: the high-water mark (at least one register, so a
    /// function can always load the `nil` it returns).
    pub(crate) fn frame_size(&self) -> u16 {
        u16::try_from(self.high_water.max(1))
            .unwrap_or(MAX_FRAME_SIZE)
            .min(MAX_FRAME_SIZE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_free_their_locals_and_shadowing_finds_the_innermost() {
        let mut s = Scope::new();
        s.alloc();
        s.declare_top(Some("x"));
        s.enter_block();
        assert!(!s.declared_in_block("x"));
        s.alloc();
        s.declare_top(Some("x"));
        assert!(s.declared_in_block("x"));
        assert_eq!(s.lookup("x"), Some(1));
        s.alloc();
        s.free_to(s.locals_top());
        s.leave_block();
        assert_eq!(s.lookup("x"), Some(0));
        assert_eq!(s.free(), 1);
        assert_eq!(s.frame_size(), 3);
    }
}
