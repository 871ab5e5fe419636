//! Shareability and the deep copy of messages.
//!
//! An isolate's objects are private to its heap (docs/design.md invariant 1,
//! *Containment*); a value crosses to another isolate either by reference,
//! when it is deeply frozen and shareable, or as a deep copy. This crate owns
//! both sides of that boundary.
//!
//! # The deep freeze ([`make_shareable`])
//!
//! [`make_shareable`] freezes the whole graph of a value in place and makes
//! it shareable, or fails without changing anything (invariant 3,
//! *Shareable closure*). It first discovers every object reachable from the
//! value without passing through a shareable one, checking that each is owned
//! by the freezing heap (a non-shareable object of another heap can exist
//! only if containment was broken; it is reported as
//! [`FreezeError::ForeignObject`]); only then does it set the flags, with
//! `Heap::set_frozen`. Objects that are already shareable (the heap's own,
//! literals, other isolates' frozen graphs) are neither traversed nor
//! changed, so freezing a value twice costs one header read the second time.
//! [`FreezeReport`] says how many objects became shareable and their bytes,
//! exactly what `HeapStats::shareable_bytes` grew by. [`is_shareable`] is the
//! test behind it: an immediate, or a shareable object. The freeze does not
//! recurse, so a million-cell list freezes on any thread stack.
//!
//! # The deep copy ([`Message`])
//!
//! [`Message::copy`] copies values and everything reachable from them out of
//! the sender's heap into a flat buffer owned by no heap; [`Message::decode`]
//! materializes that buffer in the receiver's heap. It follows BEAM's send:
//! *measure first, then allocate once, then copy*. The properties it keeps
//! (invariant 7, *Messages*):
//!
//! - identity and cycles inside the copied graph are preserved (two
//!   references to one object come back as two references to one object);
//! - shareable objects (`Heap::is_shareable`: frozen and shareable, which
//!   includes every literal) are not copied: the message references them and
//!   decoding gives back the very same `Value`;
//! - the sender's objects are only read (`copy` takes `&Heap` and allocates
//!   nothing in it); the shareable objects of the sender's heap that the
//!   message references are marked *published* in their pages' side bitmaps
//!   (`Heap::publish`), which is how a dying isolate knows which of its
//!   shareable objects others may hold; the receiver's heap is touched only
//!   by `decode`;
//! - neither pass recurses: deep structures (a million-cell list) copy on any
//!   thread stack;
//! - decoding failure (the receiver's heap limit) is an `Err`, and what was
//!   already built is ordinary garbage for the receiver's next collection.
//!
//! Decision on freezing: a frozen but *not* shareable object is copied, and
//! its copy is **not** frozen. Frozen-ness is a property of the sender's
//! object (the sender promised not to mutate it); the receiver gets a fresh,
//! private, mutable object, as it would from any other copy. Shareable
//! objects are never copied at all, so no copy ever needs the shareable flag.
//!
//! The crate has no dependency besides `heap` and uses no `unsafe`: it works
//! through the heap's public API only. Small graphs are kept cheap without a
//! dependency: the identity map and the decoder's object table live on the
//! stack up to a few objects (see `identity` and `decode`), and a message
//! of immediates decodes without building anything. Keeping small bodies
//! inside the `Message` (`smallvec`) was measured and left out: it saved
//! about 2 ns of a 30 ns one-integer copy. `cargo bench -p shareable --bench
//! copy` measures copy, decode and round trip against the cost of building
//! the same objects directly.
//!
//! Modules, one concern each:
//!
//! | module     | concern                                                     |
//! |------------|-------------------------------------------------------------|
//! | `message`  | the [`Message`] type, its public API and its buffer layout  |
//! | `view`     | reading a sender object by kind                             |
//! | `identity` | object → index map of the objects being copied              |
//! | `measure`  | pass 1: discover the graph and size the buffer              |
//! | `encode`   | pass 2: write the buffer, allocated once                    |
//! | `decode`   | materialize a message in the receiver's heap                |
//! | `freeze`   | the deep freeze and the shareability test                   |
//!
//! The freeze reuses `identity` for its visited set.
//!
//! # Dead isolates
//!
//! When an isolate ends, `Heap::retire` frees its non-shareable objects and
//! every shareable one that was never published (directly, or through the
//! graph of a published one); what remains is handed to the run's global
//! owner (`Heap::hand_over_to`) until a global collection frees what is dead
//! (docs/design.md invariant 6). The runtime (`isolate`) drives both steps.

#![forbid(unsafe_code)]
mod decode;
mod encode;
mod freeze;
mod identity;
mod measure;
mod message;
mod view;

pub use freeze::{FreezeError, FreezeReport, is_shareable, make_shareable};
pub use message::Message;
