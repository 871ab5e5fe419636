//! The order of the runtime's locks, checked in debug builds.
//!
//! Invariant: a thread takes the runtime's mutexes in increasing [`Rank`];
//! the one exception is `Rank::CellState`, which a thread may hold several
//! of (a global collection locks every live isolate's state, in registry
//! order, and nothing else takes two). A debug build keeps, per thread, the
//! ranks it holds and panics on a lock taken out of order, naming both
//! locks, before it can deadlock; a release build keeps nothing and a lock
//! costs what a `parking_lot` lock costs.
//!
//! The order (outermost first) is the one `docs/design.md` writes down.

use std::ops::{Deref, DerefMut};

use parking_lot::{Mutex, MutexGuard};

/// A lock's place in the order, outermost first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    /// The stop-the-world barrier.
    Stop,
    /// When the pending global collection was requested.
    RequestedAt,
    Stats,
    Timers,
    Registry,
    /// An isolate's state (several may be held, see the module doc).
    CellState,
    /// The run-wide state of global collection.
    Global,
    /// The lock sleeping workers wait on.
    SleepLock,
    /// How the run ended.
    End,
    Failures,
}

/// A mutex with a rank.
pub(crate) struct Ordered<T> {
    rank: Rank,
    mutex: Mutex<T>,
}

/// The guard of an [`Ordered`] lock; derefs to the data.
pub(crate) struct OrderedGuard<'a, T> {
    guard: MutexGuard<'a, T>,
    #[cfg_attr(not(debug_assertions), allow(dead_code))]
    rank: Rank,
}

impl<T> Ordered<T> {
    pub const fn new(rank: Rank, value: T) -> Ordered<T> {
        Ordered {
            rank,
            mutex: Mutex::new(value),
        }
    }

    /// Locks it; in a debug build, first checks the order.
    pub fn lock(&self) -> OrderedGuard<'_, T> {
        #[cfg(debug_assertions)]
        held::push(self.rank);
        OrderedGuard {
            guard: self.mutex.lock(),
            rank: self.rank,
        }
    }
}

impl<'a, T> OrderedGuard<'a, T> {
    /// The underlying guard, for a condition variable's wait (which releases
    /// and retakes the same lock: the order is unchanged).
    pub fn inner(&mut self) -> &mut MutexGuard<'a, T> {
        &mut self.guard
    }
}

impl<T> Deref for OrderedGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for OrderedGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for OrderedGuard<'_, T> {
    fn drop(&mut self) {
        #[cfg(debug_assertions)]
        held::remove(self.rank);
    }
}

/// The ranks each thread holds (debug builds).
#[cfg(debug_assertions)]
mod held {
    use std::cell::RefCell;

    use super::Rank;

    thread_local! {
        static HELD: RefCell<Vec<Rank>> = const { RefCell::new(Vec::new()) };
    }

    /// Records `rank` as taken, after checking that it comes after every
    /// rank the thread holds.
    pub fn push(rank: Rank) {
        HELD.with_borrow_mut(|held| {
            // Ranks are pushed in order and removing keeps the order, so
            // the last is the highest held (constant time, even with the
            // state of every isolate held by a global collection).
            if let Some(&last) = held.last() {
                let allowed = rank > last || (rank == last && rank == Rank::CellState);
                assert!(
                    allowed,
                    "lock order: taking {rank:?} while holding {last:?} (docs/design.md, lock order)"
                );
            }
            held.push(rank);
        })
    }

    /// Forgets one hold of `rank` (guards may drop in any order).
    pub fn remove(rank: Rank) {
        HELD.with_borrow_mut(|held| {
            if let Some(i) = held.iter().rposition(|&r| r == rank) {
                held.remove(i);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_in_order_and_cell_states_together_are_fine() {
        let stop = Ordered::new(Rank::Stop, 1);
        let a = Ordered::new(Rank::CellState, 2);
        let b = Ordered::new(Rank::CellState, 3);
        let global = Ordered::new(Rank::Global, 4);
        let s = stop.lock();
        let (x, y) = (a.lock(), b.lock());
        let g = global.lock();
        assert_eq!(*s + *x + *y + *g, 10);
        drop(x);
        drop(s);
        drop((y, g));
        // Everything released: any lock may be taken again.
        let _again = stop.lock();
    }

    #[test]
    #[cfg(debug_assertions)]
    fn a_lock_out_of_order_panics_before_it_can_deadlock() {
        let result = std::thread::spawn(|| {
            let global = Ordered::new(Rank::Global, ());
            let stop = Ordered::new(Rank::Stop, ());
            let _g = global.lock();
            let _s = stop.lock();
        })
        .join();
        let message = *result.unwrap_err().downcast::<String>().unwrap();
        assert!(
            message.contains("taking Stop while holding Global"),
            "{message}"
        );
    }
}
