//! Figures about a heap's memory, as reported by `--stats` and `gc_stats()`.
//!
//! Invariant: a `HeapStats` is a snapshot; `footprint <= heap_size` (the
//! footprint counts bytes in use, the heap size counts whole pages too).

/// A snapshot of a heap's memory figures, in bytes unless named otherwise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// Bytes the program holds: `in_use + out_of_line`.
    pub footprint: usize,
    /// Bytes of allocated slots and large objects.
    pub in_use: usize,
    /// Bytes of out-of-line storage of arrays and maps.
    pub out_of_line: usize,
    /// Memory the heap takes from the system: pages (spares included), large
    /// objects and out-of-line storage.
    pub heap_size: usize,
    /// Small-object pages, spares included.
    pub pages: usize,
    pub large_objects: usize,
    /// Objects allocated and not yet swept.
    pub objects: usize,
    /// Bytes allocated since the heap was made (slots, large objects and
    /// out-of-line growth).
    pub allocated_bytes: u64,
    pub allocated_objects: u64,
    /// Bytes of the shareable objects the heap holds (their slots and
    /// out-of-line storage), live or not: only a global collection frees them.
    pub shareable_bytes: usize,
}
