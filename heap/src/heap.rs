//! `Heap`: one isolate's private heap and its allocator.
//!
//! Invariants:
//! - Every page in `pages` and `large` is owned by this heap (its header says
//!   so) and every object in them was allocated by it.
//! - A slot is allocated exactly when its bit is set in its page's `alloc`
//!   bitmap. Every free slot of a small page is either on the free list of its
//!   class (its header then says [`Kind::Free`]) or in the bump region of its
//!   class, which covers the never-used tail of the newest page.
//! - `in_use` is the bytes of allocated slots and large objects, and
//!   `out_of_line` the bytes of the out-of-line storage of live arrays and
//!   maps; their sum is the footprint.
//! - `threshold` is `min(trigger, limit)`: an allocation that brings the
//!   footprint to it takes the slow path, which raises `gc_due` past the
//!   trigger and refuses to pass the limit. The fast path touches one
//!   threshold, two counters and the page's alloc bit.
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

use crate::array::{ArrayObj, INLINE_MAX};
use crate::object::{HandleObj, Header, Kind, MapObj};
use crate::page::{
    self, HeapId, MAX_SMALL_OBJECT, N_CLASSES, N_DROP_CLASSES, PagePtr, SIZE_CLASSES,
};
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

/// Allocation lists: one per class for plain objects, then one per class
/// that objects with out-of-line storage can use.
const N_LISTS: usize = N_CLASSES + N_DROP_CLASSES;

const _: () = {
    let largest = SIZE_CLASSES[N_DROP_CLASSES - 1];
    assert!(ArrayObj::inline_size(INLINE_MAX) <= largest);
    let map =
        crate::map::ValueMap::inline_size(std::mem::size_of::<MapObj>(), crate::map::INLINE_MAX);
    assert!(map <= largest);
    assert!(std::mem::size_of::<HandleObj>() <= largest);
};

static NEXT_HEAP_ID: AtomicU32 = AtomicU32::new(HeapId::FIRST_ISOLATE);

/// Index of the allocation state of `class` for plain objects or objects
/// with out-of-line storage (kept on pages of their own, so sweeping a plain
/// page never reads a dead object).
#[inline]
pub(crate) fn list_index(class: usize, needs_drop: bool) -> usize {
    debug_assert!(!needs_drop || class < N_DROP_CLASSES);
    class + if needs_drop { N_CLASSES } else { 0 }
}

/// The end address of the slots of the page holding bump address `next`
/// (which may be one past its last slot).
#[inline]
fn page_end(next: usize, class: usize) -> usize {
    let page = (next - 1) & !(page::PAGE_SIZE - 1);
    page + page::FIRST_SLOT + page::SLOTS_PER_PAGE[class] * SIZE_CLASSES[class]
}

pub struct Heap {
    pub(crate) id: HeapId,
    pub(crate) free: [Cell<*mut FreeSlot>; N_LISTS],
    /// Next never-used slot of each list's newest page (null: none): the bump
    /// region runs from it to the end of that page's slots.
    pub(crate) bump: [Cell<*mut u8>; N_LISTS],
    pub(crate) pages: RefCell<Vec<PagePtr>>,
    pub(crate) large: RefCell<Vec<PagePtr>>,
    /// Bytes of the allocations of the pages in `large`, kept so that
    /// `held_bytes` is constant time (the run asks it at every freeze).
    pub(crate) large_bytes: Cell<usize>,
    /// Empty pages kept for reuse (at most a quarter of the live pages).
    pub(crate) spare: RefCell<Vec<PagePtr>>,
    pub(crate) in_use: Cell<usize>,
    pub(crate) out_of_line: Cell<usize>,
    /// Objects allocated since the last sweep, and alive after it.
    pub(crate) new_objects: Cell<usize>,
    pub(crate) swept_objects: Cell<usize>,
    /// `in_use` just after the last sweep: what allocation adds is above it.
    pub(crate) swept_in_use: Cell<usize>,
    /// Totals of earlier cycles: bytes (slots and out-of-line growth) and
    /// objects allocated before the last sweep.
    pub(crate) earlier_bytes: Cell<u64>,
    pub(crate) earlier_objects: Cell<u64>,
    /// Bytes of shareable objects held (see `HeapStats::shareable_bytes`).
    pub(crate) shareable_bytes: Cell<usize>,
    /// Footprint at which the executor should collect at its next safepoint.
    trigger: Cell<usize>,
    /// Footprint past which allocation fails.
    limit: Cell<usize>,
    threshold: Cell<usize>,
    gc_due: Cell<bool>,
}

// SAFETY: a heap and all its pages belong to one isolate at a time; moving
// the heap moves that ownership to the thread that runs the isolate next
// (Single writer, docs/design.md invariant 2). `Heap` is not `Sync`: its `Cell`s
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
    /// The global owner of the pages dead isolates hand over (see
    /// [`Heap::retire_into`]). It never allocates; only a global collection
    /// frees what it holds.
    pub fn new_global() -> Heap {
        Heap::with_id(HeapId::GLOBAL)
    }

    /// An empty heap with a fresh id; it holds no page until it allocates.
    pub fn new() -> Heap {
        Heap::with_id(HeapId(NEXT_HEAP_ID.fetch_add(1, Ordering::Relaxed)))
    }

    pub(crate) fn with_id(id: HeapId) -> Heap {
        Heap {
            id,
            free: [const { Cell::new(std::ptr::null_mut()) }; N_LISTS],
            bump: [const { Cell::new(std::ptr::null_mut()) }; N_LISTS],
            pages: RefCell::new(Vec::new()),
            large: RefCell::new(Vec::new()),
            large_bytes: Cell::new(0),
            spare: RefCell::new(Vec::new()),
            in_use: Cell::new(0),
            out_of_line: Cell::new(0),
            new_objects: Cell::new(0),
            swept_objects: Cell::new(0),
            swept_in_use: Cell::new(0),
            earlier_bytes: Cell::new(0),
            earlier_objects: Cell::new(0),
            shareable_bytes: Cell::new(0),
            trigger: Cell::new(usize::MAX),
            limit: Cell::new(usize::MAX),
            threshold: Cell::new(usize::MAX),
            gc_due: Cell::new(false),
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

    /// Bytes of memory the heap holds: its pages (spares included), its
    /// large objects' allocations and the out-of-line storage of its arrays
    /// and maps. This is what the heap costs the process, whatever share of
    /// it live objects fill (also `HeapStats::heap_size`).
    pub fn held_bytes(&self) -> usize {
        let pages = self.pages.borrow().len() + self.spare.borrow().len();
        debug_assert_eq!(
            self.large_bytes.get(),
            self.large
                .borrow()
                .iter()
                .map(|p| p.alloc_size())
                .sum::<usize>(),
            "large_bytes counts the large pages"
        );
        pages * page::PAGE_SIZE + self.large_bytes.get() + self.out_of_line.get()
    }

    /// Bytes of the shareable objects this heap holds (constant time; also
    /// in [`Heap::stats`]).
    pub fn shareable_bytes(&self) -> usize {
        self.shareable_bytes.get()
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
        self.threshold.set(bytes.min(self.limit.get()));
    }

    pub fn trigger(&self) -> usize {
        self.trigger.get()
    }

    /// Footprint past which allocation fails with [`AllocError::HeapLimit`].
    pub fn set_limit(&self, bytes: Option<usize>) {
        self.limit.set(bytes.unwrap_or(usize::MAX));
        self.threshold.set(self.trigger.get().min(self.limit.get()));
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

    /// The slow path of growth by `bytes`: refuses to pass the limit, raises
    /// `gc_due` at the trigger.
    #[cold]
    fn grow_past_threshold(&self, bytes: usize) -> Result<(), AllocError> {
        self.check_limit(bytes)?;
        if self.footprint() + bytes >= self.trigger.get() {
            self.gc_due.set(true);
        }
        Ok(())
    }

    /// Records out-of-line storage growing from `old` to `new` bytes.
    pub(crate) fn resize_out_of_line(&self, old: usize, new: usize) {
        self.out_of_line.set(self.out_of_line.get() + new - old);
        if new > old {
            self.earlier_bytes
                .set(self.earlier_bytes.get() + (new - old) as u64);
            if self.footprint() >= self.trigger.get() {
                self.gc_due.set(true);
            }
        }
    }

    /// Allocates `size` bytes for an object of `kind` and writes its header.
    #[inline]
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
        if self.footprint() + slot_size >= self.threshold.get() {
            self.grow_past_threshold(slot_size)?;
        }
        let index = list_index(class, needs_drop);
        let list = &self.free[index];
        let head = list.get();
        let slot = if !head.is_null() {
            // SAFETY: `head` heads this class's free list, so it is a free
            // slot of one of our pages whose link was written when it was freed.
            list.set(unsafe { (*head).next });
            head.cast::<u8>()
        } else {
            self.bump_slot(index, class, needs_drop)?
        };
        let page = PagePtr::of(slot);
        let (w, b) = page::bit(page.granule(slot.addr()));
        // SAFETY: the slot lies in one of our pages; only we touch its bitmap.
        unsafe { (*page.header()).alloc[w] |= b };
        self.in_use.set(self.in_use.get() + slot_size);
        self.new_objects.set(self.new_objects.get() + 1);
        // SAFETY: a slot address inside a live page is never null.
        Ok(unsafe { NonNull::new_unchecked(slot) })
    }

    /// The next never-used slot of `class`, adding a page when the bump
    /// region is spent.
    #[inline]
    fn bump_slot(
        &self,
        index: usize,
        class: usize,
        needs_drop: bool,
    ) -> Result<*mut u8, AllocError> {
        let next = self.bump[index].get();
        let slot = if !next.is_null() && next.addr() < page_end(next.addr(), class) {
            next
        } else {
            self.add_page(class, needs_drop)?
        };
        // At most one past the page's last slot: still inside the page.
        self.bump[index].set(slot.wrapping_add(SIZE_CLASSES[class]));
        Ok(slot)
    }

    /// Adds a page of `class` and returns its first slot.
    #[cold]
    fn add_page(&self, class: usize, needs_drop: bool) -> Result<*mut u8, AllocError> {
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
        Ok(page.slot(0))
    }

    /// Forgets every bump region (their slots stay free in the bitmaps, and
    /// the sweep threads them onto the free lists).
    pub(crate) fn clear_bump_regions(&self) {
        for region in &self.bump {
            region.set(std::ptr::null_mut());
        }
    }

    /// Pushes every slot of `page` whose alloc bit is clear onto `list`, in
    /// reverse so that the list runs in address order.
    ///
    /// # Safety
    /// `page` must be a small page of this heap with no allocated slot
    /// outside its alloc bitmap and no slot in a bump region.
    pub(crate) unsafe fn thread_free_slots(&self, page: PagePtr, list: &Cell<*mut FreeSlot>) {
        // SAFETY: per the contract; free slots are written only here.
        unsafe {
            let header = page.header();
            let n = (*header).n_slots as usize;
            let mut head = list.get();
            for i in (0..n).rev() {
                let addr = page.slot(i);
                let (w, b) = page::bit(page.granule(addr.addr()));
                if (*header).alloc[w] & b == 0 {
                    let slot = addr.cast::<FreeSlot>();
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
        self.grow_past_threshold(size)?;
        let page = PagePtr::new_large(self.id, size).ok_or(AllocError::OutOfMemory)?;
        let slot = page.slot(0);
        let (w, b) = page::bit(page.granule(slot.addr()));
        // SAFETY: the large page is fresh and ours.
        unsafe { (*page.header()).alloc[w] |= b };
        self.large.borrow_mut().push(page);
        self.large_bytes
            .set(self.large_bytes.get() + page.alloc_size());
        self.in_use.set(self.in_use.get() + size);
        self.new_objects.set(self.new_objects.get() + 1);
        // SAFETY: a slot address inside a live page is never null.
        Ok(unsafe { NonNull::new_unchecked(slot) })
    }

    /// Folds this cycle's allocation into the totals, before a sweep.
    pub(crate) fn close_cycle(&self) {
        let allocated = self.in_use.get().saturating_sub(self.swept_in_use.get());
        self.earlier_bytes
            .set(self.earlier_bytes.get() + allocated as u64);
        self.earlier_objects
            .set(self.earlier_objects.get() + self.new_objects.get() as u64);
    }

    /// Records the state a sweep left: `objects` live, and clears `gc_due`.
    pub(crate) fn open_cycle(&self, objects: usize) {
        self.swept_objects.set(objects);
        self.new_objects.set(0);
        self.swept_in_use.set(self.in_use.get());
        self.gc_due.set(false);
    }

    /// Objects allocated and not yet swept.
    pub(crate) fn objects(&self) -> usize {
        self.swept_objects.get() + self.new_objects.get()
    }

    /// Figures about the heap's memory.
    pub fn stats(&self) -> HeapStats {
        let pages = self.pages.borrow().len() + self.spare.borrow().len();
        let this_cycle = self.in_use.get().saturating_sub(self.swept_in_use.get());
        HeapStats {
            footprint: self.footprint(),
            in_use: self.in_use.get(),
            out_of_line: self.out_of_line.get(),
            heap_size: self.held_bytes(),
            pages,
            large_objects: self.large.borrow().len(),
            objects: self.objects(),
            allocated_bytes: self.earlier_bytes.get() + this_cycle as u64,
            allocated_objects: self.earlier_objects.get() + self.new_objects.get() as u64,
            shareable_bytes: self.shareable_bytes.get(),
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
            debug_assert!((*h).alloc.iter().all(|&w| w == 0), "a spare page is empty");
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
