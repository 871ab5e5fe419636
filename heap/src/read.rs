//! Reading values: type tests and borrowed views of object contents.
//!
//! Invariant: every reader checks the value's type before touching its
//! object, so a wrong-kind value yields `None`, never a misread. Borrows are
//! tied to `&Heap`; since collecting and mutating need `&mut Heap`, no borrow
//! outlives the object state it shows. Reads work on any live object the
//! isolate can reach: its own, literals and other isolates' shareable ones.
//!
//! Contract shared by the whole crate's API: a `Value` passed in must be an
//! immediate or point to a live object, which the executor guarantees by
//! keeping every value it still uses in its roots at each safepoint. Debug
//! builds check that the object has not been freed.

use crate::heap::Heap;
use crate::map::{self, Number, ValueMap};
use crate::object::{self, FLAG_ASCII, Header, Kind};
use crate::page::{HeapId, PagePtr};
use crate::value::Value;

/// The type of a value, as a program sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Nil,
    Bool,
    Int,
    Float,
    String,
    Array,
    Map,
    Function,
    Isolate,
}

impl Type {
    /// The name `type(v)` returns and error messages use.
    pub fn name(self) -> &'static str {
        match self {
            Type::Nil => "nil",
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Float => "float",
            Type::String => "string",
            Type::Array => "array",
            Type::Map => "map",
            Type::Function => "function",
            Type::Isolate => "isolate",
        }
    }
}

impl Heap {
    /// The header of an object value, checked against use after free in
    /// debug builds.
    #[inline]
    fn header_of(&self, v: Value) -> Option<&Header> {
        if !v.is_ptr() {
            return None;
        }
        // SAFETY: crate contract: pointer values address live objects.
        let header = unsafe { object::header(v) };
        debug_assert!(header.kind != Kind::Free, "use of a freed object {v:?}");
        Some(header)
    }

    #[inline]
    fn kind_of(&self, v: Value) -> Option<Kind> {
        self.header_of(v).map(|h| h.kind)
    }

    pub fn type_of(&self, v: Value) -> Type {
        if v.is_int() {
            Type::Int
        } else if v.is_flonum() {
            Type::Float
        } else if v.is_nil() {
            Type::Nil
        } else if v.is_bool() {
            Type::Bool
        } else {
            match self.kind_of(v) {
                Some(Kind::Float) => Type::Float,
                Some(Kind::String) => Type::String,
                Some(Kind::Array) => Type::Array,
                Some(Kind::Map) => Type::Map,
                Some(Kind::Function) => Type::Function,
                Some(Kind::Handle) => Type::Isolate,
                Some(Kind::Free) | None => unreachable!("not a value: {v:?}"),
            }
        }
    }

    /// The float a value holds (immediate or boxed); `None` for other types,
    /// integers included.
    #[inline]
    pub fn float_of(&self, v: Value) -> Option<f64> {
        if v.is_flonum() {
            return Some(v.flonum_unchecked());
        }
        // SAFETY: the kind was checked.
        (self.kind_of(v) == Some(Kind::Float)).then(|| unsafe { object::boxed_float(v) })
    }

    /// The number a value holds, integer or float.
    #[inline]
    pub fn number_of(&self, v: Value) -> Option<Number> {
        if let Some(n) = v.as_int() {
            return Some(Number::Int(n));
        }
        self.float_of(v).map(Number::Float)
    }

    pub fn str_of(&self, v: Value) -> Option<&str> {
        if self.kind_of(v) != Some(Kind::String) {
            return None;
        }
        // SAFETY: the kind was checked; strings hold UTF-8 by construction.
        Some(unsafe { std::str::from_utf8_unchecked(object::string_bytes(v)) })
    }

    /// A string's length in characters.
    pub fn str_char_count(&self, v: Value) -> Option<usize> {
        let header = self.header_of(v).filter(|h| h.kind == Kind::String)?;
        if header.aux32 != u32::MAX {
            return Some(header.aux32 as usize);
        }
        self.str_of(v).map(|s| s.chars().count())
    }

    /// True for a string whose characters are all ASCII (so character
    /// positions are byte positions).
    pub fn str_is_ascii(&self, v: Value) -> bool {
        self.header_of(v)
            .is_some_and(|h| h.kind == Kind::String && h.flags & FLAG_ASCII != 0)
    }

    pub fn array_of(&self, v: Value) -> Option<&[Value]> {
        // SAFETY: the kind was checked.
        (self.kind_of(v) == Some(Kind::Array)).then(|| unsafe { object::array(v).as_slice() })
    }

    pub fn map_of(&self, v: Value) -> Option<&ValueMap> {
        // SAFETY: the kind was checked.
        (self.kind_of(v) == Some(Kind::Map)).then(|| unsafe { &object::map(v).map })
    }

    /// The value stored under `key` in map `m`; `Err` when the key cannot be
    /// hashed, `Ok(None)` when absent or when `m` is not a map.
    pub fn map_get(&self, m: Value, key: Value) -> Result<Option<Value>, map::Unhashable> {
        match self.map_of(m) {
            // SAFETY: crate contract: `key` and the map's keys are live.
            Some(map) => unsafe { map.get(key) },
            None => Ok(None),
        }
    }

    /// The function index of a function value.
    pub fn function_of(&self, v: Value) -> Option<u32> {
        self.header_of(v)
            .filter(|h| h.kind == Kind::Function)
            .map(|h| h.aux32)
    }

    /// The isolate id and target of a handle.
    pub fn handle_of(&self, v: Value) -> Option<(u64, &crate::object::HandleTarget)> {
        if self.kind_of(v) != Some(Kind::Handle) {
            return None;
        }
        // SAFETY: the kind was checked.
        let h = unsafe { object::handle(v) };
        Some((h.id, &h.target))
    }

    /// Immediates are always frozen.
    pub fn is_frozen(&self, v: Value) -> bool {
        self.header_of(v).is_none_or(Header::is_frozen)
    }

    /// Immediates are always shareable.
    pub fn is_shareable(&self, v: Value) -> bool {
        self.header_of(v).is_none_or(Header::is_shareable)
    }

    /// The heap owning the object `v` (`None` for immediates).
    pub fn owner_of(&self, v: Value) -> Option<HeapId> {
        v.is_ptr().then(|| PagePtr::of(v.ptr()).owner())
    }
}
