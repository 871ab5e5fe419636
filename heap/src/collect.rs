//! The heap's side of collection: mark bits, tracing an object's children,
//! and sweeping. The `gc` crate decides when to collect and drives marking;
//! this module owns the bits and the memory.
//!
//! Invariants:
//! - A local collection marks only objects of this heap, and never a
//!   shareable one: shareable objects are kept by their `shareable` bit, so
//!   the local sweep never frees them and the local marker never traces them.
//!   It writes no bit of a page another heap owns.
//! - Between collections every mark bit is clear (sweep clears them).
//! - Sweep frees exactly the allocated, unmarked objects (unmarked and not
//!   shareable, for a local sweep), drops their out-of-line storage, rebuilds
//!   every free list, and gives back pages left empty.
//! - A heap whose isolate ends keeps only what other isolates can reach: the
//!   objects a message published and the shareable graph beneath them.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::heap::{FreeSlot, Heap};
use crate::object::{self, ArrayObj, HandleObj, Kind, MapObj};
use crate::page::{self, HeapId, PagePtr};
use crate::value::Value;

/// Which objects a sweep may free.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepMode {
    /// A local collection: shareable objects survive whether marked or not.
    Local,
    /// A global collection: every unmarked object is freed.
    Global,
}

/// What a sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub freed_objects: usize,
    /// Slot and large-object bytes freed, plus out-of-line storage dropped.
    pub freed_bytes: usize,
    pub live_objects: usize,
    /// The heap's footprint after the sweep.
    pub live_bytes: usize,
    pub released_pages: usize,
    /// Of `freed_bytes`, the bytes of shareable objects (a global sweep's
    /// "dead but held until now").
    pub freed_shareable_bytes: usize,
}

impl Heap {
    /// Marks `v` for a local collection of this heap. Returns true exactly
    /// when `v` is a non-shareable object of this heap that was not yet
    /// marked, which the caller must then trace.
    #[inline]
    pub fn mark_local(&self, v: Value) -> bool {
        self.mark_own(v, false)
    }

    /// Sets the mark bit of `v` when it is an object of this heap, not yet
    /// marked, and (unless `shareable_too`) not shareable; returns whether
    /// it did.
    #[inline]
    fn mark_own(&self, v: Value, shareable_too: bool) -> bool {
        if !v.is_ptr() {
            return false;
        }
        let page = PagePtr::of(v.ptr());
        // SAFETY: `v` is a live object (collector contract: values come from
        // roots or from live objects), so its page is live. Only the owner
        // field may be written by another thread, and it is atomic.
        unsafe {
            let header = page.header();
            if (*header).owner.load(Ordering::Relaxed) != self.id.0 {
                return false;
            }
            let (w, b) = page::bit(page.granule(v.addr()));
            let marks = &(*header).mark[w];
            let current = marks.load(Ordering::Relaxed);
            if current & b != 0 || (!shareable_too && (*header).shareable[w] & b != 0) {
                return false;
            }
            marks.store(current | b, Ordering::Relaxed);
        }
        true
    }

    /// Records that the shareable value `v` leaves the isolate: a message
    /// made from this heap references it, so other isolates may hold it from
    /// now on, and [`Heap::retire`] keeps it. Immediates and other heaps'
    /// objects are left alone (they were published by their owner when they
    /// first left it). Only the owner calls this, like every allocation.
    #[inline]
    pub fn publish(&self, v: Value) {
        if !v.is_ptr() {
            return;
        }
        let page = PagePtr::of(v.ptr());
        // SAFETY: `v` is a live object (crate contract), so its page is live;
        // the published bitmap of our own pages is written only by us, on the
        // thread that owns the heap (`Heap` is not `Sync`).
        unsafe {
            let header = page.header();
            if (*header).owner.load(Ordering::Relaxed) != self.id.0 {
                return;
            }
            let (w, b) = page::bit(page.granule(v.addr()));
            debug_assert!(
                (*header).shareable[w] & b != 0,
                "only shareable objects leave an isolate by reference"
            );
            (*header).published[w] |= b;
        }
    }

    /// Calls `f` on every value held by the object `v`; nothing for
    /// immediates and objects without fields.
    #[inline]
    pub fn for_each_child(&self, v: Value, f: impl FnMut(Value)) {
        trace(v, f)
    }

    /// Ends this heap's life: [`Heap::retire`], then [`Heap::hand_over_to`]
    /// `global` whatever is left. Leaves this heap empty.
    pub fn retire_into(&mut self, global: &mut Heap) {
        self.retire();
        self.hand_over_to(global);
    }

    /// Ends this heap's life, first step: frees every object that no other
    /// isolate can reach. Those are all of its non-shareable objects (their
    /// isolate is gone) and every shareable object that never left the
    /// isolate: only a message moves a reference between isolates, and a
    /// message marks what it references as published ([`Heap::publish`]);
    /// a shareable graph references only shareable objects, so what other
    /// isolates can reach is what is reachable from the published objects.
    /// Returns true when objects remain (the caller then hands them over,
    /// docs/design.md invariant 6; either way the heap's empty pages go back
    /// to the pool, by the hand-over or when the heap is dropped).
    pub fn retire(&mut self) -> bool {
        if self.shareable_bytes.get() > 0 {
            self.mark_published();
        }
        self.sweep(SweepMode::Global).live_objects > 0
    }

    /// Marks the published objects of this heap and every object of this
    /// heap reachable from them.
    fn mark_published(&self) {
        let mut stack: Vec<Value> = Vec::new();
        for &page in self.pages.borrow().iter().chain(self.large.borrow().iter()) {
            // SAFETY: our pages are live; only we write their bitmaps.
            unsafe {
                let h = page.header();
                for w in 0..(*h).published.len() {
                    let mut bits = (*h).published[w] & (*h).alloc[w];
                    while bits != 0 {
                        let g = w * 64 + bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        let v = Value::from_ptr(page.granule_ptr(g));
                        if self.mark_own(v, true) {
                            stack.push(v);
                        }
                    }
                }
            }
        }
        while let Some(v) = stack.pop() {
            trace(v, |child| {
                if self.mark_own(child, true) {
                    stack.push(child);
                }
            });
        }
    }

    /// Ends this heap's life, second step: hands every page to `global` (the
    /// run's global owner), so that other isolates may keep reading the
    /// objects that [`Heap::retire`] kept until a global collection frees
    /// what is dead. Leaves this heap empty.
    pub fn hand_over_to(&mut self, global: &mut Heap) {
        debug_assert_eq!(
            global.id,
            HeapId::GLOBAL,
            "hand-over goes to the global owner"
        );
        let pages = std::mem::take(self.pages.get_mut());
        let large = std::mem::take(self.large.get_mut());
        for &page in pages.iter().chain(&large) {
            page.set_owner(global.id);
        }
        global.pages.get_mut().extend(pages);
        global.large.get_mut().extend(large);
        for page in self.spare.get_mut().drain(..) {
            page.release();
        }
        let (in_use, objects) = (self.in_use.get(), self.objects());
        let add = |cell: &std::cell::Cell<usize>, n: usize| cell.set(cell.get() + n);
        add(&global.in_use, in_use);
        add(&global.swept_in_use, in_use);
        add(&global.out_of_line, self.out_of_line.get());
        add(&global.shareable_bytes, self.shareable_bytes.get());
        add(&global.large_bytes, self.large_bytes.take());
        add(&global.swept_objects, objects);
        for cell in [
            &self.in_use,
            &self.swept_in_use,
            &self.out_of_line,
            &self.shareable_bytes,
        ] {
            cell.set(0);
        }
        self.swept_objects.set(0);
        self.new_objects.set(0);
        for list in &self.free {
            list.set(std::ptr::null_mut());
        }
        self.clear_bump_regions();
    }

    /// True when `v` is an allocated object of this heap: for heap
    /// verification and tests.
    pub fn is_allocated(&self, v: Value) -> bool {
        if !v.is_ptr() {
            return false;
        }
        let page = PagePtr::of(v.ptr());
        let ours = self.pages.borrow().contains(&page) || self.large.borrow().contains(&page);
        if !ours {
            return false;
        }
        // SAFETY: the page is one of ours, hence live.
        unsafe {
            let (w, b) = page::bit(page.granule(v.addr()));
            (*page.header()).alloc[w] & b != 0
        }
    }

    /// Frees every allocated object that the marking phase did not mark
    /// (see [`SweepMode`]), clears the marks and rebuilds the free lists.
    pub fn sweep(&mut self, mode: SweepMode) -> SweepReport {
        let mut report = SweepReport::default();
        let before = self.footprint();
        let objects_before = self.objects();
        self.close_cycle();
        self.clear_bump_regions();
        let mut tally = Tally::default();
        let mut in_use = 0;
        let mut objects = 0;

        let mut pages = std::mem::take(self.pages.get_mut());
        let mut empty = Vec::new();
        pages.retain(|&page| {
            // SAFETY: our pages are live and only we touch their bitmaps.
            let live = unsafe { sweep_page(page, mode, &mut tally) };
            if live == 0 {
                empty.push(page);
                return false;
            }
            // SAFETY: as above.
            in_use += live * unsafe { (*page.header()).slot_size } as usize;
            objects += live;
            true
        });

        // Keep at most a quarter of the live pages as spares; give back the
        // rest, so that a heap shrinks after a burst. The global owner never
        // allocates, so it keeps none.
        let max_spare = if self.id == HeapId::GLOBAL {
            0
        } else {
            pages.len() / 4
        };
        let spare = self.spare.get_mut();
        spare.append(&mut empty);
        while spare.len() > max_spare {
            spare.pop().expect("longer than max_spare").release();
            report.released_pages += 1;
        }

        let large = self.large.get_mut();
        let large_bytes = self.large_bytes.get_mut();
        large.retain(|&page| {
            // SAFETY: as above; a large page holds one plain object.
            let live = unsafe { sweep_page(page, mode, &mut tally) };
            if live == 0 {
                *large_bytes -= page.alloc_size();
                page.release();
                report.released_pages += 1;
                false
            } else {
                in_use += page.slot_size();
                objects += 1;
                true
            }
        });

        for list in &self.free {
            list.set(std::ptr::null_mut());
        }
        for &page in pages.iter().rev() {
            // SAFETY: sweep_page left the alloc bitmap exact.
            unsafe {
                let h = page.header();
                let list = self.free_list((*h).class as usize, (*h).needs_drop);
                self.thread_free_slots(page, list);
            }
        }
        *self.pages.get_mut() = pages;

        self.in_use.set(in_use);
        self.out_of_line.set(self.out_of_line.get() - tally.dropped);
        self.shareable_bytes
            .set(self.shareable_bytes.get() - tally.shareable);
        report.freed_shareable_bytes = tally.shareable;
        report.freed_objects = objects_before - objects;
        report.live_objects = objects;
        report.live_bytes = self.footprint();
        report.freed_bytes = before - report.live_bytes;
        self.open_cycle(objects);
        report
    }

    fn free_list(&self, class: usize, needs_drop: bool) -> &Cell<*mut FreeSlot> {
        &self.free[crate::heap::list_index(class, needs_drop)]
    }
}

/// The mark word and bit of `v` for a global collection: `None` for
/// immediates and literals (immortal, never marked).
///
/// # Safety
/// `v` must be a live object (collector contract: values come from roots or
/// from live objects) and its page must stay live for `'a`, which holds
/// while every isolate is stopped for the collection.
#[inline]
unsafe fn global_mark_bit<'a>(v: Value) -> Option<(&'a AtomicU64, u64)> {
    if !v.is_ptr() {
        return None;
    }
    let page = PagePtr::of(v.ptr());
    // SAFETY: the page is live for 'a (caller contract); the owner and the
    // mark words are atomics, so reading them races with no one.
    unsafe {
        let header = page.header();
        if (*header).owner.load(Ordering::Relaxed) == HeapId::LITERALS.0 {
            return None;
        }
        let (w, b) = page::bit(page.granule(v.addr()));
        Some((&(*header).mark[w], b))
    }
}

/// Marks `v` for a global collection: an object of any heap but the literal
/// space (literals are immortal). Returns true exactly when this call marked
/// it, so that one thread traces it. Mark bits are set atomically, so any
/// number of threads may mark at once; every isolate must be stopped. The
/// bit is read before the atomic read-modify-write, which an object reached
/// again then skips.
#[inline]
pub fn mark_global(v: Value) -> bool {
    // SAFETY: `v` is live and every isolate is stopped (collector contract).
    let Some((word, b)) = (unsafe { global_mark_bit(v) }) else {
        return false;
    };
    word.load(Ordering::Relaxed) & b == 0 && word.fetch_or(b, Ordering::Relaxed) & b == 0
}

/// [`mark_global`] for a collection marking on one thread only: the bit is
/// set with a plain load and store, without the atomic read-modify-write
/// (a locked instruction, which made a serial global mark about half as
/// slow again as a local one).
#[inline]
pub fn mark_global_alone(v: Value) -> bool {
    // SAFETY: `v` is live and every isolate is stopped (collector contract).
    let Some((word, b)) = (unsafe { global_mark_bit(v) }) else {
        return false;
    };
    let current = word.load(Ordering::Relaxed);
    if current & b != 0 {
        return false;
    }
    word.store(current | b, Ordering::Relaxed);
    true
}

/// Calls `f` on every value held by the object `v`, whatever heap owns it;
/// nothing for immediates and objects without fields.
#[inline]
pub fn trace(v: Value, mut f: impl FnMut(Value)) {
    if !v.is_ptr() {
        return;
    }
    // SAFETY: `v` is a live object (collector contract); objects are not
    // written while a collector traces them.
    unsafe {
        match object::header(v).kind {
            Kind::Array => object::array(v).as_slice().iter().for_each(|&e| f(e)),
            Kind::Map => object::map(v).map.iter().for_each(|(k, x)| {
                f(k);
                f(x)
            }),
            _ => {}
        }
    }
}

impl PagePtr {
    /// Slot size (the object size, for a large page).
    pub(crate) fn slot_size(self) -> usize {
        // SAFETY: pages reachable from a heap's lists are live.
        unsafe { (*self.header()).slot_size as usize }
    }
}

/// What sweeping pages adds up.
#[derive(Default)]
struct Tally {
    /// Out-of-line bytes dropped.
    dropped: usize,
    /// Bytes of shareable objects freed (slots and out-of-line storage).
    shareable: usize,
}

/// Sweeps one page: frees its dead objects, clears its marks, and returns
/// how many objects remain.
///
/// # Safety
/// The page must be live and owned by the caller's heap, with no marking in
/// progress.
unsafe fn sweep_page(page: PagePtr, mode: SweepMode, tally: &mut Tally) -> usize {
    // SAFETY: per the contract.
    unsafe {
        let h = page.header();
        let slot_size = page.slot_size();
        let mut live = 0;
        for w in 0..(*h).alloc.len() {
            let alloc = (*h).alloc[w];
            if alloc == 0 {
                continue;
            }
            let marked = (*h).mark[w].swap(0, Ordering::Relaxed);
            let shared = (*h).shareable[w];
            let keep = match mode {
                SweepMode::Local => marked | shared,
                SweepMode::Global => marked,
            };
            let dead = alloc & !keep;
            if dead != 0 {
                let mut bits = dead;
                while bits != 0 {
                    let bit = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let dropped = free_object(page, page.granule_ptr(w * 64 + bit));
                    tally.dropped += dropped;
                    if shared & (1 << bit) != 0 {
                        tally.shareable += slot_size + dropped;
                    }
                }
                (*h).alloc[w] = alloc & keep;
                (*h).shareable[w] &= keep;
                (*h).published[w] &= keep;
            }
            live += (alloc & keep).count_ones() as usize;
        }
        live
    }
}

/// Drops the out-of-line storage of the dead object at `addr` and poisons it
/// (in debug builds) so that a use after free fails loudly. Returns the
/// out-of-line bytes dropped.
///
/// # Safety
/// `addr` must be an allocated object of `page` that nothing will use again.
unsafe fn free_object(page: PagePtr, addr: *mut u8) -> usize {
    // SAFETY: per the contract.
    unsafe {
        let dropped = if (*page.header()).needs_drop {
            drop_object_storage(addr)
        } else {
            0
        };
        if cfg!(debug_assertions) {
            let size = page.slot_size();
            std::ptr::write_bytes(addr, 0xdb, size);
        }
        addr.cast::<object::Header>()
            .write(object::Header::new(Kind::Free));
        dropped
    }
}

/// Bytes an object takes: its slot (or large object) and its out-of-line
/// storage.
///
/// # Safety
/// `addr` must be a live object of `page`.
pub(crate) unsafe fn object_bytes(page: PagePtr, addr: *mut u8) -> usize {
    let v = Value::from_ptr(addr);
    // SAFETY: per the contract.
    let out_of_line = unsafe {
        match object::header(v).kind {
            Kind::Array => object::array(v).out_of_line_bytes(),
            Kind::Map => object::map(v).map.heap_bytes(),
            _ => 0,
        }
    };
    page.slot_size() + out_of_line
}

/// Drops the out-of-line storage of the object at `addr`, returning its bytes.
///
/// # Safety
/// `addr` must be a live object whose storage nothing will use again.
unsafe fn drop_object_storage(addr: *mut u8) -> usize {
    let v = Value::from_ptr(addr);
    // SAFETY: per the contract.
    unsafe {
        match object::header(v).kind {
            Kind::Array => (*addr.cast::<ArrayObj>()).release(),
            Kind::Handle => {
                std::ptr::drop_in_place(addr.cast::<HandleObj>());
                0
            }
            Kind::Map => (*addr.cast::<MapObj>()).map.release(),
            _ => 0,
        }
    }
}

/// Drops the storage of every live object of a page that is going away.
///
/// # Safety
/// The page must be live and nothing may use its objects again.
pub(crate) unsafe fn drop_live_objects(page: PagePtr) {
    // SAFETY: per the contract.
    unsafe {
        let h = page.header();
        if !(*h).needs_drop {
            return;
        }
        for w in 0..(*h).alloc.len() {
            let mut bits = (*h).alloc[w];
            while bits != 0 {
                let g = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                drop_object_storage(page.granule_ptr(g));
            }
            (*h).alloc[w] = 0;
        }
    }
}
