//! Pages: aligned blocks of one size class, with their header and side bitmaps.
//!
//! Invariant: a page is `PAGE_SIZE` bytes aligned to `PAGE_SIZE` (a large
//! page is longer but equally aligned, and holds one object that starts in
//! its first `PAGE_SIZE` bytes), so the header of the page holding any object
//! is found by masking the object's address: ownership is a mask and a load.
//! The header records the owning heap; mark, allocation, shareable and
//! published state live in bitmaps in the header, one bit per 16-byte granule
//! (an object's bit is the bit of its first granule), never in object headers
//! that another isolate may read.
//!
//! Who touches what: `owner` is atomic because any isolate may read it (to
//! tell its own objects from foreign ones) while the owner hands the page over.
//! `mark` is atomic so a parallel global marker can set bits of one page from
//! several threads; a local collection sets bits of its own pages only. Every
//! other field is read and written only by the owning heap, or by the global
//! collector while the owner is stopped.

use std::alloc::{self, Layout};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Bytes in a (small-object) page.
pub const PAGE_SIZE: usize = 16 * 1024;
/// Bitmap granularity: every object starts on a granule boundary.
pub const GRANULE: usize = 16;
const GRANULES: usize = PAGE_SIZE / GRANULE;
const BITMAP_WORDS: usize = GRANULES / 64;

/// The size of the largest object allocated in a size class; larger objects
/// get a large page of their own.
pub const MAX_SMALL_OBJECT: usize = 1024;

/// Slot sizes of the size classes, in bytes: one granule apart up to 128,
/// then spaced so that rounding wastes at most a fifth of a slot.
pub const SIZE_CLASSES: [usize; 20] = [
    16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
];
pub const N_CLASSES: usize = SIZE_CLASSES.len();

/// Classes that may hold objects with out-of-line storage (arrays, maps,
/// handles): the largest such object is a map of 8 inline entries.
pub const N_DROP_CLASSES: usize = 12;

/// Slots in a small page of each class.
pub(crate) const SLOTS_PER_PAGE: [usize; N_CLASSES] = {
    let mut slots = [0; N_CLASSES];
    let mut class = 0;
    while class < N_CLASSES {
        slots[class] = (PAGE_SIZE - FIRST_SLOT) / SIZE_CLASSES[class];
        class += 1;
    }
    slots
};

/// Class index used in the header of a large page.
pub const LARGE_CLASS: u8 = u8::MAX;

/// The size class for an object of `size` bytes (`size <= MAX_SMALL_OBJECT`).
#[inline]
pub fn class_for(size: usize) -> usize {
    // One table entry per granule count; built at compile time.
    const TABLE: [u8; MAX_SMALL_OBJECT / GRANULE + 1] = {
        let mut table = [0u8; MAX_SMALL_OBJECT / GRANULE + 1];
        let mut granules = 0;
        let mut class = 0;
        while granules < table.len() {
            while SIZE_CLASSES[class] < granules * GRANULE {
                class += 1;
            }
            table[granules] = class as u8;
            granules += 1;
        }
        table
    };
    TABLE[size.div_ceil(GRANULE)] as usize
}

/// An id naming a heap in page headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HeapId(pub u32);

impl HeapId {
    /// No heap: the owner of a page being built or torn down.
    pub const NONE: HeapId = HeapId(0);
    /// The module's literal space (immortal, frozen, shareable).
    pub const LITERALS: HeapId = HeapId(1);
    /// The global owner of pages handed over by dead isolates.
    pub const GLOBAL: HeapId = HeapId(2);
    /// First id handed to an isolate's heap.
    pub(crate) const FIRST_ISOLATE: u32 = 16;
}

/// A page's header, at the page's first byte.
#[repr(C)]
pub(crate) struct PageHeader {
    pub owner: AtomicU32,
    /// Size class index, or [`LARGE_CLASS`].
    pub class: u8,
    /// True when the page holds objects with out-of-line storage.
    pub needs_drop: bool,
    pub slot_size: u32,
    pub n_slots: u32,
    /// Bytes of the whole allocation (`PAGE_SIZE` unless large).
    pub alloc_size: usize,
    pub mark: [AtomicU64; BITMAP_WORDS],
    pub alloc: [u64; BITMAP_WORDS],
    pub shareable: [u64; BITMAP_WORDS],
    /// Shareable objects the owner let out of the isolate (a message it
    /// made references them): other isolates may hold them. Set only by the
    /// owner; a subset of `shareable`.
    pub published: [u64; BITMAP_WORDS],
}

/// Offset of slot 0 from the page start: the header, rounded to a granule.
pub(crate) const FIRST_SLOT: usize = std::mem::size_of::<PageHeader>().div_ceil(GRANULE) * GRANULE;

const _: () = assert!(FIRST_SLOT < PAGE_SIZE / 8, "page header must stay small");

/// A pointer to a page (its header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PagePtr(pub NonNull<PageHeader>);

impl PagePtr {
    /// The page holding the object at `ptr` (derived from it, so with its
    /// provenance: the page's allocation).
    #[inline]
    pub fn of(ptr: *mut u8) -> PagePtr {
        let page = ptr.map_addr(|a| a & !(PAGE_SIZE - 1)).cast::<PageHeader>();
        // SAFETY: object addresses are never below PAGE_SIZE (they lie past a
        // page header), so the masked address is not null.
        PagePtr(unsafe { NonNull::new_unchecked(page) })
    }

    #[inline]
    pub fn addr(self) -> usize {
        self.0.as_ptr() as usize
    }

    #[inline]
    pub fn header(self) -> *mut PageHeader {
        self.0.as_ptr()
    }

    /// The owner recorded in the header.
    #[inline]
    pub fn owner(self) -> HeapId {
        // SAFETY: the page is live (it holds a live object, or its owning heap
        // is walking its own pages); `owner` is atomic because other isolates
        // read it concurrently.
        HeapId(unsafe { (*self.header()).owner.load(Ordering::Acquire) })
    }

    /// Hands the page to `owner`. Other isolates may read the owner at the
    /// same time (to tell foreign objects from their own): they see either
    /// owner, and both are foreign to them.
    pub fn set_owner(self, owner: HeapId) {
        // SAFETY: as in `owner`.
        unsafe { (*self.header()).owner.store(owner.0, Ordering::Release) }
    }

    /// Allocates a page for slots of `class`, all free, owned by `owner`.
    /// Returns `None` when the system is out of memory.
    pub fn new_small(owner: HeapId, class: usize, needs_drop: bool) -> Option<PagePtr> {
        let slot_size = SIZE_CLASSES[class];
        let n_slots = (PAGE_SIZE - FIRST_SLOT) / slot_size;
        let page = crate::pool::take().or_else(|| Self::allocate(PAGE_SIZE))?;
        page.init(
            owner,
            class as u8,
            needs_drop,
            slot_size,
            n_slots,
            PAGE_SIZE,
        );
        Some(page)
    }

    /// Allocates a large page for one object of `size` bytes.
    pub fn new_large(owner: HeapId, size: usize) -> Option<PagePtr> {
        let alloc_size = FIRST_SLOT
            .checked_add(size)?
            .checked_next_multiple_of(GRANULE)?;
        let page = Self::allocate(alloc_size)?;
        page.init(owner, LARGE_CLASS, false, size, 1, alloc_size);
        Some(page)
    }

    fn allocate(size: usize) -> Option<PagePtr> {
        let layout = Layout::from_size_align(size, PAGE_SIZE).ok()?;
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc::alloc(layout) };
        NonNull::new(ptr as *mut PageHeader).map(PagePtr)
    }

    fn init(
        self,
        owner: HeapId,
        class: u8,
        needs_drop: bool,
        slot_size: usize,
        n_slots: usize,
        alloc_size: usize,
    ) {
        let header = PageHeader {
            owner: AtomicU32::new(owner.0),
            class,
            needs_drop,
            slot_size: slot_size as u32,
            n_slots: n_slots as u32,
            alloc_size,
            mark: [const { AtomicU64::new(0) }; BITMAP_WORDS],
            alloc: [0; BITMAP_WORDS],
            shareable: [0; BITMAP_WORDS],
            published: [0; BITMAP_WORDS],
        };
        // SAFETY: the page was just allocated with room and alignment for the
        // header, and nothing else refers to it yet.
        unsafe { self.header().write(header) }
    }

    /// Gives a page that holds no live object, and to which no reference
    /// remains, to the process-wide pool of empty pages (a page of
    /// `PAGE_SIZE` bytes) or back to the system (a larger one).
    pub fn release(self) {
        // SAFETY: the page is live; `alloc_size` is only written by `init`.
        if unsafe { (*self.header()).alloc_size } == PAGE_SIZE {
            crate::pool::give(self);
        } else {
            self.free();
        }
    }

    /// Returns the page's memory to the system allocator. The page must hold
    /// no live object and no reference to it may remain.
    fn free(self) {
        // SAFETY: the page is live and was allocated by `allocate` with this
        // size and alignment, read back from its own header.
        unsafe {
            let size = (*self.header()).alloc_size;
            let layout = Layout::from_size_align_unchecked(size, PAGE_SIZE);
            alloc::dealloc(self.header() as *mut u8, layout);
        }
    }

    /// The byte `offset` bytes into the page (at most its end).
    #[inline]
    pub fn at(self, offset: usize) -> *mut u8 {
        self.header().cast::<u8>().wrapping_add(offset)
    }

    /// Slot `i`.
    #[inline]
    pub fn slot(self, i: usize) -> *mut u8 {
        // SAFETY: the header is live; `slot_size` is only written by `init`.
        self.at(FIRST_SLOT + i * unsafe { (*self.header()).slot_size as usize })
    }

    /// The object whose first granule is granule `g`.
    #[inline]
    pub fn granule_ptr(self, g: usize) -> *mut u8 {
        self.at(g * GRANULE)
    }

    /// Granule index (bitmap bit) of the object at `addr` in this page.
    #[inline]
    pub fn granule(self, addr: usize) -> usize {
        (addr - self.addr()) / GRANULE
    }
}

/// Which bitmap word and bit hold granule `g`.
#[inline]
pub(crate) fn bit(g: usize) -> (usize, u64) {
    (g / 64, 1u64 << (g % 64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_for_picks_the_smallest_fitting_class() {
        assert_eq!(SIZE_CLASSES[class_for(1)], 16);
        assert_eq!(SIZE_CLASSES[class_for(16)], 16);
        assert_eq!(SIZE_CLASSES[class_for(17)], 32);
        assert_eq!(SIZE_CLASSES[class_for(129)], 160);
        assert_eq!(SIZE_CLASSES[class_for(MAX_SMALL_OBJECT)], MAX_SMALL_OBJECT);
        for size in 1..=MAX_SMALL_OBJECT {
            let c = class_for(size);
            assert!(SIZE_CLASSES[c] >= size);
            assert!(c == 0 || SIZE_CLASSES[c - 1] < size);
        }
    }

    #[test]
    fn every_class_is_granule_aligned_and_waste_is_bounded() {
        for (i, &s) in SIZE_CLASSES.iter().enumerate() {
            assert_eq!(s % GRANULE, 0);
            if i > 0 {
                let step = s - SIZE_CLASSES[i - 1];
                assert!(
                    step == GRANULE || step * 5 <= s,
                    "class {s} wastes more than a fifth"
                );
            }
        }
    }

    #[test]
    fn header_fits_and_masking_finds_it() {
        let page = PagePtr::new_small(HeapId(99), class_for(48), false).unwrap();
        assert_eq!(page.addr() % PAGE_SIZE, 0);
        assert_eq!(page.owner(), HeapId(99));
        // SAFETY: test-local page, header initialised by new_small.
        let n = unsafe { (*page.header()).n_slots } as usize;
        let last = page.slot(n - 1);
        assert!(last.addr() + 48 <= page.addr() + PAGE_SIZE);
        assert_eq!(PagePtr::of(last), page);
        assert_eq!(PagePtr::of(page.slot(0)), page);
        page.release();
    }

    #[test]
    fn large_page_object_is_found_by_mask() {
        let page = PagePtr::new_large(HeapId(7), 100_000).unwrap();
        let obj = page.slot(0);
        assert_eq!(PagePtr::of(obj), page);
        assert_eq!(page.owner(), HeapId(7));
        page.release();
    }
}
