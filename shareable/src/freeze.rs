//! The deep freeze ([`make_shareable`]) and the shareability test
//! ([`is_shareable`]).
//!
//! Invariant (docs/design.md invariant 3, *Shareable closure*): a freeze either
//! makes every object reachable from its value frozen and shareable, or
//! changes nothing at all. It works in two passes:
//!
//! 1. *Discover* (`&Heap`, reads only): breadth first from the value, every
//!    object reachable without passing through a shareable one is numbered
//!    once in an [`Identity`] (whose list doubles as the work queue, as in
//!    `measure`: no recursion, cycles and shared parts met once), and each
//!    is checked to be owned by the heap. Any problem ends the freeze with an
//!    `Err` before a single flag was written.
//! 2. *Freeze* (`&mut Heap`): `Heap::set_frozen(x, true)` on each discovered
//!    object. It cannot fail, so the freeze is all or nothing.
//!
//! Shareable objects (this heap's, literals, other isolates' frozen graphs)
//! are neither traversed nor changed: by the closure invariant everything
//! they reach is shareable already. That is what makes freezing a value a
//! second time cost nothing, and what lets a frozen graph reference literals
//! and other isolates' shareables. A frozen but not shareable object
//! (`set_frozen(v, false)`) is discovered like a mutable one and becomes
//! shareable.
//!
//! During pass 2 a newly shareable object may briefly reference one whose
//! flag is not set yet; nobody can observe it: the freeze holds `&mut Heap`,
//! and no other isolate can reach the objects before the caller publishes
//! the value (invariant 1, *Containment*).

use std::fmt;

use heap::{Heap, Value};

use crate::identity::Identity;

/// What a freeze did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FreezeReport {
    /// Objects that became shareable (already-shareable ones are not counted).
    pub objects: usize,
    /// Their bytes, as the heap counts shareable bytes
    /// (`heap.shareable_bytes()` grows by this): slots and out-of-line
    /// storage.
    pub bytes: usize,
}

/// Why a freeze changed nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FreezeError {
    /// The graph reaches an object of another heap that is not shareable.
    /// This can only happen if docs/design.md invariant 1 (*Containment*) was
    /// broken; it is reported instead of corrupting anything. Carries the
    /// object's type name (`heap::Type::name`).
    ForeignObject(&'static str),
}

impl fmt::Display for FreezeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FreezeError::ForeignObject(ty) => {
                let article = if ty.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                write!(
                    f,
                    "cannot freeze: the value reaches {article} {ty} owned by another isolate"
                )
            }
        }
    }
}

impl std::error::Error for FreezeError {}

/// Deep-freezes the graph of `v` in place: every object reachable from `v`
/// becomes frozen and shareable. All or nothing: if any object cannot be
/// frozen, nothing is changed. Objects that are already shareable are neither
/// traversed nor changed (by the closure invariant, their graph is shareable
/// already). Immediates need nothing (`FreezeReport::default()`).
///
/// Allocates nothing in `heap`; the only memory it takes is its visited set
/// (a few words an object, none up to 16 objects), from the system
/// allocator. Running out of that memory panics before any object was
/// changed.
///
/// ```
/// use heap::{Heap, MutateError, Type, Value};
/// use shareable::{FreezeReport, is_shareable, make_shareable};
///
/// let mut heap = Heap::new();
/// let s = heap.alloc_str("hello").unwrap();
/// let pair = heap.alloc_array_from(&[s, s, Value::TRUE]).unwrap();
/// let before = heap.shareable_bytes();
///
/// let report = make_shareable(&mut heap, pair).unwrap();
/// assert_eq!(report.objects, 2);
/// assert_eq!(heap.shareable_bytes() - before, report.bytes);
/// assert!(is_shareable(&heap, pair) && is_shareable(&heap, s));
/// assert_eq!(
///     heap.array_push(pair, Value::NIL),
///     Err(MutateError::Frozen(Type::Array))
/// );
/// // Freezing again finds nothing to do.
/// assert_eq!(make_shareable(&mut heap, pair), Ok(FreezeReport::default()));
/// ```
pub fn make_shareable(heap: &mut Heap, v: Value) -> Result<FreezeReport, FreezeError> {
    if is_shareable(heap, v) {
        return Ok(FreezeReport::default());
    }
    let graph = discover(heap, v)?;
    let before = heap.shareable_bytes();
    for &x in graph.objects() {
        heap.set_frozen(x, true);
    }
    Ok(FreezeReport {
        objects: graph.objects().len(),
        bytes: heap.shareable_bytes() - before,
    })
}

/// True when `v` may be referenced from any isolate: an immediate, or a
/// shareable object (by the closure invariant, everything it reaches is
/// shareable too). Constant time: one header read.
#[inline]
pub fn is_shareable(heap: &Heap, v: Value) -> bool {
    heap.is_shareable(v)
}

/// Pass 1: numbers every object reachable from `root` without passing
/// through a shareable one, checking that each is `heap`'s own. Reads only.
fn discover(heap: &Heap, root: Value) -> Result<Identity, FreezeError> {
    let mut ids = Identity::new();
    admit(heap, &mut ids, root)?;
    let mut next = 0;
    while let Some(obj) = ids.get(next) {
        next += 1;
        let mut failure = None;
        heap::trace(obj, |child| {
            if failure.is_none()
                && let Err(e) = admit(heap, &mut ids, child)
            {
                failure = Some(e);
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
    }
    Ok(ids)
}

/// Numbers `v` when it is to be frozen (an object, not shareable) and was
/// not met before; refuses a non-shareable object of another heap.
#[inline]
fn admit(heap: &Heap, ids: &mut Identity, v: Value) -> Result<(), FreezeError> {
    if !v.is_ptr() || heap.is_shareable(v) {
        return Ok(());
    }
    if heap.owner_of(v) != Some(heap.id()) {
        return Err(FreezeError::ForeignObject(heap.type_of(v).name()));
    }
    if let Err(e) = ids.insert(v) {
        // Nothing was changed yet (pass 1 only reads), so unwinding leaves
        // the heap as it was.
        panic!("make_shareable: no memory for the visited set: {e}");
    }
    Ok(())
}
