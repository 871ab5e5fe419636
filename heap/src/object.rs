//! Object headers and the layout of every object kind.
//!
//! Invariant: every object starts with an 8-byte [`Header`] holding its kind
//! and the `frozen` and `shareable` flags. The header is written when the
//! object is allocated and when it is frozen, both by the owner's thread and
//! both before any other isolate can see the object; collectors never write
//! it (mark state lives in the page's side bitmap). A slot on a free list has
//! kind [`Kind::Free`], so a use of a freed object is recognisable.
//!
//! Layouts (`#[repr(C)]`, all 8-byte aligned):
//!
//! | kind     | bytes | fields after the header                            |
//! |----------|-------|----------------------------------------------------|
//! | Float    | 16    | `f64`                                              |
//! | Function | 16    | function index in `aux32`                          |
//! | String   | 24+n  | byte length, hash, then the UTF-8 bytes inline     |
//! | Array    | 32+8n | length, capacity, pointer; up to 16 elements inline |
//! | Map      | 64+24n| [`ValueMap`]: up to 8 entries inline, then out of line |
//! | Handle   | 32    | isolate id, reference-counted isolate record       |
//!
//! Strings are immutable, so their bytes live inline and need no drop. Arrays
//! start with their elements inline and move them out of line when they grow
//! (see `array`); so do maps (see `map`). Out-of-line storage is
//! counted in the heap's accounting and freed by the sweeper.

use crate::map::ValueMap;
use crate::value::Value;

/// What an object is. The byte values are stable (heap dumps print them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// A slot on a free list, not an object.
    Free = 0,
    Float = 1,
    String = 2,
    Array = 3,
    Map = 4,
    Function = 5,
    /// A reference to an isolate.
    Handle = 6,
}

impl Kind {
    /// The name a program sees from `type(v)`.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Free => "freed object",
            Kind::Float => "float",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Map => "map",
            Kind::Function => "function",
            Kind::Handle => "isolate",
        }
    }

    /// True for kinds owning storage (or a reference count) that the
    /// sweeper must drop.
    pub fn needs_drop(self) -> bool {
        matches!(self, Kind::Array | Kind::Map | Kind::Handle)
    }
}

/// Header flag: the object may not be mutated.
pub const FLAG_FROZEN: u8 = 0b01;
/// Header flag: the object and everything it references is frozen and may be
/// referenced from any isolate.
pub const FLAG_SHAREABLE: u8 = 0b10;
/// Header flag (strings): every byte is ASCII, so characters index as bytes.
pub const FLAG_ASCII: u8 = 0b100;

#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Header {
    pub kind: Kind,
    pub flags: u8,
    pub aux16: u16,
    /// Kind-specific: the character count of a string (saturating at
    /// `u32::MAX`), the function index of a function.
    pub aux32: u32,
}

impl Header {
    pub fn new(kind: Kind) -> Header {
        Header {
            kind,
            flags: 0,
            aux16: 0,
            aux32: 0,
        }
    }

    pub fn is_frozen(&self) -> bool {
        self.flags & FLAG_FROZEN != 0
    }

    pub fn is_shareable(&self) -> bool {
        self.flags & FLAG_SHAREABLE != 0
    }
}

#[repr(C)]
pub struct FloatObj {
    pub header: Header,
    pub value: f64,
}

#[repr(C)]
pub struct FunctionObj {
    pub header: Header,
    /// Unused; keeps the object at the 16-byte minimum slot.
    pub _pad: u64,
}

/// A string's fixed part; `len` UTF-8 bytes follow it inline.
#[repr(C)]
pub struct StringObj {
    pub header: Header,
    pub len: usize,
    pub hash: u64,
}

pub use crate::array::ArrayObj;

/// What a handle refers to: the runtime's record of an isolate, opaque to
/// the heap (which only keeps it alive while the handle lives).
pub type HandleTarget = std::sync::Arc<dyn std::any::Any + Send + Sync>;

#[repr(C)]
pub struct HandleObj {
    pub header: Header,
    /// The isolate's id: handles compare, hash and print by it.
    pub id: u64,
    pub target: HandleTarget,
}

#[repr(C)]
pub struct MapObj {
    pub header: Header,
    pub map: ValueMap,
}

/// The bytes a string of `len` bytes occupies.
pub const fn string_size(len: usize) -> usize {
    std::mem::size_of::<StringObj>() + len
}

const _: () = {
    assert!(std::mem::size_of::<Header>() == 8);
    assert!(std::mem::size_of::<FloatObj>() == 16);
    assert!(std::mem::size_of::<FunctionObj>() == 16);
    assert!(std::mem::size_of::<StringObj>() == 24);
    assert!(std::mem::size_of::<ArrayObj>() == 32);
    assert!(std::mem::align_of::<MapObj>() == 8);
};

// Raw access to object fields. Every function below requires that `v` be a
// pointer value to a live object of the kind it names; the heap's public API
// checks the kind before calling them.

/// The header of the object `v` points to.
///
/// # Safety
/// `v` must point to a live object (or a free slot, whose header says so).
#[inline]
pub(crate) unsafe fn header<'a>(v: Value) -> &'a Header {
    // SAFETY: per the contract, `v` addresses a live, initialised header.
    unsafe { &*(v.ptr().cast_const().cast::<Header>()) }
}

/// The UTF-8 bytes of a string.
///
/// # Safety
/// `v` must point to a live string object.
#[inline]
pub(crate) unsafe fn string_bytes<'a>(v: Value) -> &'a [u8] {
    // SAFETY: per the contract; a string's `len` bytes follow its fixed part
    // inside the same slot and are never written after allocation.
    unsafe {
        let obj = v.ptr().cast_const().cast::<StringObj>();
        let data = (obj as *const u8).add(std::mem::size_of::<StringObj>());
        std::slice::from_raw_parts(data, (*obj).len)
    }
}

/// The fixed part of a string.
///
/// # Safety
/// `v` must point to a live string object.
#[inline]
pub(crate) unsafe fn string_obj<'a>(v: Value) -> &'a StringObj {
    // SAFETY: per the contract.
    unsafe { &*(v.ptr().cast_const().cast::<StringObj>()) }
}

/// # Safety
/// `v` must point to a live array object.
#[inline]
pub(crate) unsafe fn array<'a>(v: Value) -> &'a ArrayObj {
    // SAFETY: per the contract.
    unsafe { &*(v.ptr().cast_const().cast::<ArrayObj>()) }
}

/// # Safety
/// `v` must point to a live array object that nothing else borrows, and the
/// caller must be its owner's thread.
#[inline]
pub(crate) unsafe fn array_mut<'a>(v: Value) -> &'a mut ArrayObj {
    // SAFETY: per the contract.
    unsafe { &mut *(v.ptr().cast::<ArrayObj>()) }
}

/// # Safety
/// `v` must point to a live map object.
#[inline]
pub(crate) unsafe fn map<'a>(v: Value) -> &'a MapObj {
    // SAFETY: per the contract.
    unsafe { &*(v.ptr().cast_const().cast::<MapObj>()) }
}

/// # Safety
/// `v` must point to a live map object that nothing else borrows, and the
/// caller must be its owner's thread.
#[inline]
pub(crate) unsafe fn map_mut<'a>(v: Value) -> &'a mut MapObj {
    // SAFETY: per the contract.
    unsafe { &mut *(v.ptr().cast::<MapObj>()) }
}

/// # Safety
/// `v` must point to a live handle object.
#[inline]
pub(crate) unsafe fn handle<'a>(v: Value) -> &'a HandleObj {
    // SAFETY: per the contract.
    unsafe { &*(v.ptr().cast_const().cast::<HandleObj>()) }
}

/// # Safety
/// `v` must point to a live float object.
#[inline]
pub(crate) unsafe fn boxed_float(v: Value) -> f64 {
    // SAFETY: per the contract.
    unsafe { (*(v.ptr().cast_const().cast::<FloatObj>())).value }
}
