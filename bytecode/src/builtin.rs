//! The builtin functions a program can call with `callb`.
//!
//! A builtin's id is part of the `.bc` format: ids are never reused or
//! renumbered, new builtins are appended. The table fixes each builtin's name
//! and how many arguments it accepts, so the verifier can refuse a call with a
//! wrong argument count before the program runs; the `vm` crate implements them.

use std::ops::RangeInclusive;

macro_rules! builtins {
    ( $( #[doc = $doc:literal] $name:ident = $id:literal, $spelling:literal, $arity:expr; )* ) => {
        /// A builtin function, as named in source and assembly.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Builtin {
            $( #[doc = $doc] $name = $id, )*
        }

        impl Builtin {
            /// Every builtin, in id order.
            pub const ALL: &'static [Builtin] = &[ $( Builtin::$name, )* ];

            pub fn from_id(id: u8) -> Option<Builtin> {
                match id {
                    $( $id => Some(Builtin::$name), )*
                    _ => None,
                }
            }

            pub fn from_name(name: &str) -> Option<Builtin> {
                match name {
                    $( $spelling => Some(Builtin::$name), )*
                    _ => None,
                }
            }

            pub fn name(self) -> &'static str {
                match self { $( Builtin::$name => $spelling, )* }
            }

            /// The accepted argument counts.
            pub fn arity(self) -> RangeInclusive<u8> {
                match self { $( Builtin::$name => $arity, )* }
            }

            /// One line saying what the builtin does.
            pub fn doc(self) -> &'static str {
                match self { $( Builtin::$name => $doc.trim(), )* }
            }
        }
    };
}

builtins! {
    /// print(v...): print the values separated by spaces, then a newline
    Print = 0, "print", 0..=255;
    /// len(x): number of elements of an array or map, or of characters of a string
    Len = 1, "len", 1..=1;
    /// push(array, v): append v to the array and return the array
    Push = 2, "push", 2..=2;
    /// pop(array): remove and return the last element (an error when empty)
    Pop = 3, "pop", 1..=1;
    /// str(v): the value as a string, as print would show it
    Str = 4, "str", 1..=1;
    /// int(x): an integer from a number (truncated toward zero) or a decimal string
    Int = 5, "int", 1..=1;
    /// float(x): a float from a number or a decimal string
    Float = 6, "float", 1..=1;
    /// range(n) or range(a, b): the array of integers from 0 (or a) up to n-1 (or b-1)
    Range = 7, "range", 1..=2;
    /// keys(map): the array of the map's keys in insertion order
    Keys = 8, "keys", 1..=1;
    /// args(): the command-line arguments after the program file, as strings
    Args = 9, "args", 0..=0;
    /// now_ns(): a monotonic clock reading in nanoseconds
    NowNs = 10, "now_ns", 0..=0;
    /// gc(): collect this isolate's heap now; returns nil
    Gc = 11, "gc", 0..=0;
    /// gc_stats(): a map of the collector's figures for this isolate
    GcStats = 12, "gc_stats", 0..=0;
    /// split(s, sep): the array of the parts of s between occurrences of sep
    Split = 13, "split", 2..=2;
    /// join(parts, sep): the strings of parts joined with sep between them
    Join = 14, "join", 2..=2;
    /// slice(x, a, b): characters (of a string) or elements (of an array) a to b-1
    Slice = 15, "slice", 3..=3;
    /// find(s, sub): the character index of the first sub in s, or -1
    Find = 16, "find", 2..=2;
    /// chars(s): the array of the characters of s, as one-character strings
    Chars = 17, "chars", 1..=1;
    /// type(v): the name of v's type: "nil", "bool", "int", "float", "string", "array", "map", "function", "isolate"
    Type = 18, "type", 1..=1;
    /// error(msg): raise a runtime error with the message msg
    Error = 19, "error", 1..=1;
    /// has(map, key): true when the map has the key
    Has = 20, "has", 2..=2;
    /// sqrt(x): the square root of a number, as a float
    Sqrt = 21, "sqrt", 1..=1;
    /// spawn(f, args...): start an isolate running function f on deep copies of args; returns its handle
    Spawn = 22, "spawn", 1..=255;
    /// send(h, v): put a deep copy of v in the mailbox of isolate h; returns v
    Send = 23, "send", 2..=2;
    /// receive() or receive(ms): the oldest message, waiting for one (at most ms milliseconds, then nil)
    Receive = 24, "receive", 0..=1;
    /// self(): the handle of the calling isolate
    SelfHandle = 25, "self", 0..=0;
    /// wait(h): wait for isolate h to end and return a deep copy of its result (h's error is raised here)
    Wait = 26, "wait", 1..=1;
    /// monitor(h): receive ["down", h, reason] when isolate h ends (reason "normal" or its error)
    Monitor = 27, "monitor", 1..=1;
    /// freeze(v): deep-freeze v's graph in place, making it shareable by reference between isolates; returns v
    Freeze = 28, "freeze", 1..=1;
    /// is_shareable(v): true when v may be shared between isolates (an immediate or a frozen graph)
    IsShareable = 29, "is_shareable", 1..=1;
    /// gc_global(): stop every isolate and collect every heap now; returns nil
    GcGlobal = 30, "gc_global", 0..=0;
    /// matches(s, pattern): the array of the non-overlapping matches of the regular expression pattern in s
    Matches = 31, "matches", 2..=2;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_round_trip() {
        for &b in Builtin::ALL {
            assert_eq!(Builtin::from_id(b as u8), Some(b));
            assert_eq!(Builtin::from_name(b.name()), Some(b));
            assert!(b.doc().starts_with(b.name()), "{:?}'s doc names it", b);
        }
    }
}
