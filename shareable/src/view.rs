//! Reading a sender's object by kind, for the two copying passes.
//!
//! Invariant: [`view`] is called only on pointer values (objects), which the
//! heap's contract makes live; it borrows the object's contents from `&Heap`,
//! so nothing can change them while the copy reads them.

use heap::{HandleTarget, Heap, Type, Value, ValueMap};

/// An object's contents.
pub(crate) enum Obj<'h> {
    Str(&'h str),
    Float(f64),
    Function(u32),
    Handle(u64, &'h HandleTarget),
    Array(&'h [Value]),
    Map(&'h ValueMap),
}

/// The contents of the object `v` (a pointer value).
#[inline]
pub(crate) fn view(heap: &Heap, v: Value) -> Obj<'_> {
    debug_assert!(v.is_ptr(), "view of an immediate {v:?}");
    let obj = match heap.type_of(v) {
        Type::String => heap.str_of(v).map(Obj::Str),
        Type::Array => heap.array_of(v).map(Obj::Array),
        Type::Map => heap.map_of(v).map(Obj::Map),
        Type::Float => heap.float_of(v).map(Obj::Float),
        Type::Function => heap.function_of(v).map(Obj::Function),
        Type::Isolate => heap
            .handle_of(v)
            .map(|(id, target)| Obj::Handle(id, target)),
        Type::Nil | Type::Bool | Type::Int => None,
    };
    obj.unwrap_or_else(|| unreachable!("{v:?} is an object and its reader agrees with type_of"))
}
