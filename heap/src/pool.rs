//! The process-wide pool of empty small pages.
//!
//! Heaps come and go (an isolate's heap lives as long as the isolate, and a
//! global collection empties the pages dead isolates left behind), so pages
//! emptied in one heap are kept here for the next heap that needs one,
//! whatever thread it runs on. Handing them back to the system allocator
//! instead fragments its heap: a page is 16 KiB aligned to 16 KiB, which the
//! allocator carves out of a larger free block, so a freed page is rarely
//! the right shape for the next one, and the process's memory only grows
//! (measured: 141 MB resident for 64 MiB of pages at most in use).
//!
//! Invariant: a pooled page is a small page (`PAGE_SIZE` bytes, allocated by
//! `PagePtr::allocate`, never freed), owned by [`HeapId::NONE`], holding no
//! object and referenced by nothing; `PagePtr::init` rewrites its whole
//! header before it is used again. Pages are *resident* (their memory kept,
//! reused first, most recent first) or *cold*: when more than
//! `TRIM_AT x RESIDENT_POOLED_PAGES` pages are resident, the memory of all
//! but the [`RESIDENT_POOLED_PAGES`] most recent is given back to the system
//! (`madvise(MADV_DONTNEED)`: the addresses stay, the next touch maps fresh
//! zeroed memory). A burst of dead isolates thus does not keep the process's
//! resident memory up, while the steady traffic of pages between heaps pays
//! no system call (giving back every page pooled past the resident ones, as
//! it came, made a run of `dead_isolates` 2.5x slower).

use std::sync::Mutex;

use crate::page::{HeapId, PagePtr};

/// Pooled pages that keep their memory after a trim (16 MiB).
pub const RESIDENT_POOLED_PAGES: usize = 1024;

/// Resident pooled pages, as a multiple of [`RESIDENT_POOLED_PAGES`], past
/// which the pool gives memory back.
const TRIM_AT: usize = 4;

struct Pool {
    resident: Vec<PagePtr>,
    cold: Vec<PagePtr>,
}

// SAFETY: a pooled page belongs to no heap and nothing references it
// (module invariant), so whichever thread takes it out owns it alone.
unsafe impl Send for Pool {}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    resident: Vec::new(),
    cold: Vec::new(),
});

fn pool() -> std::sync::MutexGuard<'static, Pool> {
    // A panic while holding the lock leaves the vectors intact.
    POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An empty small page, if the pool has one. Its header is stale (or
/// zeroed): the caller initialises it.
pub(crate) fn take() -> Option<PagePtr> {
    let mut pool = pool();
    pool.resident.pop().or_else(|| pool.cold.pop())
}

/// Keeps an empty small page for reuse.
pub(crate) fn give(page: PagePtr) {
    page.set_owner(HeapId::NONE);
    let oldest: Vec<PagePtr> = {
        let mut pool = pool();
        pool.resident.push(page);
        if pool.resident.len() <= TRIM_AT * RESIDENT_POOLED_PAGES {
            return;
        }
        let excess = pool.resident.len() - RESIDENT_POOLED_PAGES;
        pool.resident.drain(..excess).collect()
    };
    // The system calls run outside the lock; meanwhile the pages are out
    // of the pool, owned by this call.
    for &page in &oldest {
        give_memory_back(page);
    }
    pool().cold.extend(oldest);
}

/// Returns the memory of an empty pooled page to the system, keeping its
/// addresses.
fn give_memory_back(page: PagePtr) {
    #[cfg(all(target_os = "linux", not(miri)))]
    // SAFETY: the page is `PAGE_SIZE` bytes that we own, page-aligned (16
    // KiB alignment), holding nothing (module invariant); MADV_DONTNEED on
    // private anonymous memory only replaces its contents with zeros, which
    // `init` overwrites before any use.
    unsafe {
        libc::madvise(
            page.header().cast(),
            crate::page::PAGE_SIZE,
            libc::MADV_DONTNEED,
        );
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    let _ = page;
}

/// Pages in the pool now: resident, and with their memory given back.
pub fn pooled_pages() -> (usize, usize) {
    let pool = pool();
    (pool.resident.len(), pool.cold.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore = "allocates 80 MiB of pages")]
    fn a_burst_of_empty_pages_keeps_only_the_resident_ones_in_memory() {
        let burst = TRIM_AT * RESIDENT_POOLED_PAGES + 100;
        let pages: Vec<PagePtr> = (0..burst)
            .map(|_| PagePtr::new_small(HeapId(77), 0, false).unwrap())
            .collect();
        for page in pages {
            page.release();
        }
        let (resident, cold) = pooled_pages();
        assert!(resident <= TRIM_AT * RESIDENT_POOLED_PAGES, "{resident}");
        assert!(cold > 0, "the oldest pages gave their memory back");
        // Pages come back out, usable, whichever kind they were.
        let again: Vec<PagePtr> = (0..burst)
            .map(|_| PagePtr::new_small(HeapId(78), 3, true).unwrap())
            .collect();
        for &page in &again {
            assert_eq!(page.owner(), HeapId(78));
            assert_eq!(page.slot_size(), 64);
        }
        for page in again {
            page.release();
        }
    }
}
