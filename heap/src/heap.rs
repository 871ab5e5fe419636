//! `Heap`: one isolate's private heap and its allocator.
//!
//! Invariants:
//! - Every page in `pages` and `large` is owned by this heap (its header says
//!   so) and every object in them was allocated by it.
//! - A slot is allocated exactly when its bit is set in its page's `alloc`
//!   bitmap; every free slot of a small page is on the free list of its class
//!   (and its header says [`Kind::Free`]).
//! - `in_use` is the bytes of allocated slots and large objects, and
//!   `out_of_line` the bytes of the out-of-line storage of live arrays and maps.
//! - Allocation never collects and never frees: a value obtained from the heap
//!   stays valid at least until the executor's next safepoint. Collections
//!   happen only there, through `&mut Heap`, so no borrow of object data
//!   (`&str`, `&[Value]`) can be alive across one.
//!
//! Allocation takes `&self` (the allocator's state is in `Cell`s) so that an
//! instruction can read a string and allocate its result in one borrow;
//! mutating an existing object takes `&mut self`, so that no borrowed slice of
//! it can be alive while it changes.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::object::{Header, Kind};
use crate::page::{self, HeapId, MAX_SMALL_OBJECT, N_CLASSES, PagePtr, SIZE_CLASSES};
use crate::stats::HeapStats;

/// Why an allocation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// The heap would grow past its configured limit.
    HeapLimit,
    /// The system refused memory.
    OutOfMemory,
}

impl std::fmt::Display for AllocError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AllocError::HeapLimit => write!(f, "heap limit exceeded"),
            AllocError::OutOfMemory => write!(f, "out of memory"),
        }
    }
}

impl std::error::Error for AllocError {}

/// A free slot: its header says `Kind::Free`, the next word links the list.
#[repr(C)]
pub(crate) struct FreeSlot {
    pub header: Header,
    pub next: *mut FreeSlot,
}

static NEXT_HEAP_ID: AtomicU32 = AtomicU32::new(HeapId::FIRST_ISOLATE);

pub struct Heap {
    pub(crate) id: HeapId,
    /// Free-list heads: `[class]` for plain objects, `[N_CLASSES + class]`
    /// for objects with out-of-line storage (kept on pages of their own so
    /// sweeping a plain page never reads a dead object).
    pub(crate) free: [Cell<*mut FreeSlot>; 2 * N_CLASSES],
    pub(crate) pages: RefCell<Vec<PagePtr>>,
    pub(crate) large: RefCell<Vec<PagePtr>>,
    /// Empty pages kept for reuse (at most a quarter of the live pages).
    pub(crate) spare: RefCell<Vec<PagePtr>>,
    pub(crate) in_use: Cell<usize>,
    pub(crate) out_of_line: Cell<usize>,
    pub(crate) objects: Cell<usize>,
    pub(crate) allocated_bytes: Cell<u64>,
    pub(crate) allocated_objects: Cell<u64>,
    /// Footprint at which the executor should collect at its next safepoint.
    trigger: Cell<usize>,
    gc_due: Cell<bool>,
    /// Footprint past which allocation fails.
    limit: Cell<usize>,
}

// SAFETY: a heap and all its pages belong to one isolate at a time; moving
// the heap moves that ownership to the thread that runs the isolate next
// (Single writer, DESIGN.md invariant 2). `Heap` is not `Sync`: its `Cell`s
// forbid sharing it between threads.
unsafe impl Send for Heap {}

impl std::fmt::Debug for Heap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Heap")
            .field("id", &self.id)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Default for Heap {
    fn default() -> Self {
        Heap::new()
    }
}

impl Heap {
    /// An empty heap with a fresh id; it holds no page until it allocates.
    pub fn new() -> Heap {
        Heap::with_id(HeapId(NEXT_HEAP_ID.fetch_add(1, Ordering::Relaxed)))
    }

    pub(crate) fn with_id(id: HeapId) -> Heap {
        Heap {
            id,
            free: [const { Cell::new(std::ptr::null_mut()) }; 2 * N_CLASSES],
            pages: RefCell::new(Vec::new()),
            large: RefCell::new(Vec::new()),
            spare: RefCell::new(Vec::new()),
            in_use: Cell::new(0),
            out_of_line: Cell::new(0),
            objects: Cell::new(0),
            allocated_bytes: Cell::new(0),
            allocated_objects: Cell::new(0),
            trigger: Cell::new(usize::MAX),
            gc_due: Cell::new(false),
            limit: Cell::new(usize::MAX),
        }
    }

    pub fn id(&self) -> HeapId {
        self.id
    }

    /// Bytes the program holds: allocated slots, large objects and the
    /// out-of-line storage of arrays and maps.
    pub fn footprint(&self) -> usize {
        self.in_use.get() + self.out_of_line.get()
    }

    /// True once the footprint has reached the trigger since the last
    /// collection: the executor should collect at its next safepoint.
    #[inline]
    pub fn gc_due(&self) -> bool {
        self.gc_due.get()
    }

    /// Sets the footprint at which `gc_due` turns true (0: after every
    /// allocation, which is GC stress). Called by the collection policy.
    /// Only allocation raises `gc_due`, so a trigger below the footprint
    /// takes effect at the next allocation.
    pub fn set_trigger(&self, bytes: usize) {
        self.trigger.set(bytes);
    }

    pub fn trigger(&self) -> usize {
        self.trigger.get()
    }

    /// Footprint past which allocation fails with [`AllocError::HeapLimit`].
    pub fn set_limit(&self, bytes: Option<usize>) {
        self.limit.set(bytes.unwrap_or(usize::MAX));
    }

    pub fn limit(&self) -> Option<usize> {
        Some(self.limit.get()).filter(|&l| l != usize::MAX)
    }

    /// True when the footprint exceeds the limit (checked after a collection).
    pub fn over_limit(&self) -> bool {
        self.footprint() > self.limit.get()
    }

    /// Checks that `bytes` more would stay within the limit, before a
    /// builtin builds a large buffer it will hand to the heap.
    #[inline]
    pub fn ensure_room(&self, bytes: usize) -> Result<(), AllocError> {
        self.check_limit(bytes)
    }

    /// Checks that `bytes` more would stay within the limit.
    #[inline]
    pub(crate) fn check_limit(&self, bytes: usize) -> Result<(), AllocError> {
        match self.footprint().checked_add(bytes) {
            Some(total) if total <= self.limit.get() => Ok(()),
            _ => Err(AllocError::HeapLimit),
        }
    }

    /// Records `bytes` of new storage and raises `gc_due` past the trigger.
    #[inline]
    fn note_growth(&self) {
        if self.footprint() >= self.trigger.get() {
            self.gc_due.set(true);
        }
    }

    /// Records out-of-line storage growing from `old` to `new` bytes.
    pub(crate) fn resize_out_of_line(&self, old: usize, new: usize) {
        self.out_of_line.set(self.out_of_line.get() + new - old);
        if new > old {
            self.allocated_bytes
                .set(self.allocated_bytes.get() + (new - old) as u64);
            self.note_growth();
        }
    }

    /// Allocates `size` bytes for an object of `kind` and writes its header.
    pub(crate) fn alloc_object(&self, kind: Kind, size: usize) -> Result<NonNull<u8>, AllocError> {
        let ptr = if size > MAX_SMALL_OBJECT {
            self.alloc_large(size)?
        } else {
            self.alloc_small(page::class_for(size), kind.needs_drop())?
        };
        // SAFETY: the slot was just taken for this object and is big enough.
        unsafe { (ptr.as_ptr() as *mut Header).write(Header::new(kind)) };
        Ok(ptr)
    }

    #[inline]
    fn alloc_small(&self, class: usize, needs_drop: bool) -> Result<NonNull<u8>, AllocError> {
        let slot_size = SIZE_CLASSES[class];
        self.check_limit(slot_size)?;
        let list = &self.free[class + if needs_drop { N_CLASSES } else { 0 }];
        let mut slot = list.get();
        if slot.is_null() {
            slot = self.add_page(class, needs_drop)?;
        }
        // SAFETY: `slot` heads this class's free list, so it is a free slot of
        // one of our pages, and its `next` link was written when it was freed.
        unsafe {
            list.set((*slot).next);
            let page = PagePtr::of(slot as usize);
            let (w, b) = page::bit(page.granule(slot as usize));
            (*page.header()).alloc[w] |= b;
            (*page.header()).live_slots += 1;
        }
        self.in_use.set(self.in_use.get() + slot_size);
        self.objects.set(self.objects.get() + 1);
        self.allocated_bytes
            .set(self.allocated_bytes.get() + slot_size as u64);
        self.allocated_objects.set(self.allocated_objects.get() + 1);
        self.note_growth();
        // SAFETY: not null, checked above.
        Ok(unsafe { NonNull::new_unchecked(slot as *mut u8) })
    }

    /// Adds a page of `class`, threads its slots onto the class's free list
    /// and returns the list's head.
    #[cold]
    fn add_page(&self, class: usize, needs_drop: bool) -> Result<*mut FreeSlot, AllocError> {
        let page = match self.spare.borrow_mut().pop() {
            Some(spare) => {
                spare.reinit(class, needs_drop);
                spare
            }
            None => {
                PagePtr::new_small(self.id, class, needs_drop).ok_or(AllocError::OutOfMemory)?
            }
        };
        self.pages.borrow_mut().push(page);
        let list = &self.free[class + if needs_drop { N_CLASSES } else { 0 }];
        // SAFETY: the page is fresh and ours, every slot in it is free.
        unsafe { self.thread_free_slots(page, list) };
        Ok(list.get())
    }

    /// Pushes every slot of `page` whose alloc bit is clear onto `list`, in
    /// reverse so that the list runs in address order.
    ///
    /// # Safety
    /// `page` must be a small page of this heap with no allocated slot
    /// outside its alloc bitmap.
    pub(crate) unsafe fn thread_free_slots(&self, page: PagePtr, list: &Cell<*mut FreeSlot>) {
        // SAFETY: per the contract; free slots are written only here.
        unsafe {
            let header = page.header();
            let n = (*header).n_slots as usize;
            let mut head = list.get();
            for i in (0..n).rev() {
                let addr = page.slot_addr(i);
                let (w, b) = page::bit(page.granule(addr));
                if (*header).alloc[w] & b == 0 {
                    let slot = addr as *mut FreeSlot;
                    slot.write(FreeSlot {
                        header: Header::new(Kind::Free),
                        next: head,
                    });
                    head = slot;
                }
            }
            list.set(head);
        }
    }

    #[cold]
    fn alloc_large(&self, size: usize) -> Result<NonNull<u8>, AllocError> {
        self.check_limit(size)?;
        let page = PagePtr::new_large(self.id, size).ok_or(AllocError::OutOfMemory)?;
        let addr = page.slot_addr(0);
        // SAFETY: the large page is fresh and ours.
        unsafe {
            let (w, b) = page::bit(page.granule(addr));
            (*page.header()).alloc[w] |= b;
            (*page.header()).live_slots = 1;
        }
        self.large.borrow_mut().push(page);
        self.in_use.set(self.in_use.get() + size);
        self.objects.set(self.objects.get() + 1);
        self.allocated_bytes
            .set(self.allocated_bytes.get() + size as u64);
        self.allocated_objects.set(self.allocated_objects.get() + 1);
        self.note_growth();
        // SAFETY: a slot address inside a live page is never null.
        Ok(unsafe { NonNull::new_unchecked(addr as *mut u8) })
    }

    /// Clears `gc_due` (a collection has just run).
    pub(crate) fn collected(&self) {
        self.gc_due.set(false);
    }

    /// Figures about the heap's memory.
    pub fn stats(&self) -> HeapStats {
        let pages = self.pages.borrow().len() + self.spare.borrow().len();
        let large_bytes: usize = self.large.borrow().iter().map(|p| p.alloc_size()).sum();
        HeapStats {
            footprint: self.footprint(),
            in_use: self.in_use.get(),
            out_of_line: self.out_of_line.get(),
            heap_size: pages * page::PAGE_SIZE + large_bytes + self.out_of_line.get(),
            pages,
            large_objects: self.large.borrow().len(),
            objects: self.objects.get(),
            allocated_bytes: self.allocated_bytes.get(),
            allocated_objects: self.allocated_objects.get(),
        }
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        for page in self.pages.get_mut().drain(..) {
            // SAFETY: the heap is going away; no value into it may be used
            // again, so its live objects' storage can be dropped.
            unsafe { crate::collect::drop_live_objects(page) };
            page.release();
        }
        for page in self
            .spare
            .get_mut()
            .drain(..)
            .chain(self.large.get_mut().drain(..))
        {
            page.release();
        }
    }
}

impl PagePtr {
    /// Bytes of the page's allocation.
    pub(crate) fn alloc_size(self) -> usize {
        // SAFETY: pages reachable from a heap's lists are live.
        unsafe { (*self.header()).alloc_size }
    }

    /// Makes an empty spare page a page of `class`.
    pub(crate) fn reinit(self, class: usize, needs_drop: bool) {
        // SAFETY: a spare page is ours, empty, and referenced by nothing.
        unsafe {
            let h = self.header();
            debug_assert_eq!((*h).live_slots, 0);
            (*h).class = class as u8;
            (*h).needs_drop = needs_drop;
            (*h).slot_size = SIZE_CLASSES[class] as u32;
            (*h).n_slots = ((page::PAGE_SIZE - page::FIRST_SLOT) / SIZE_CLASSES[class]) as u32;
        }
    }
}

/// Writes a freshly allocated object's body (header included).
///
/// # Safety
/// `ptr` must be a slot just returned by `alloc_object` for an object of
/// type `T`, not yet visible to anyone.
pub(crate) unsafe fn init_object<T>(ptr: NonNull<u8>, obj: T) {
    // SAFETY: per the contract.
    unsafe { (ptr.as_ptr() as *mut T).write(obj) }
}
