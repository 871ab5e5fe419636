//! Typed, validated `key=value` options of collection policies.
//!
//! Invariant: an [`OptionValues`] holds one valid value of the declared type
//! for every option a policy declares (the default where none was given, the
//! one value given otherwise: an option given twice is refused), so a policy
//! reads its options without further checks.

use std::fmt;
use std::num::IntErrorKind;

/// The type of an option, with its bounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptionType {
    /// A byte count: `65536`, `64K`, `16M`, `1G` (binary multiples).
    Bytes,
    /// A float within `[min, max]`.
    Float { min: f64, max: f64 },
    /// An integer within `[min, max]`.
    Int { min: i64, max: i64 },
    /// `true` or `false`.
    Bool,
}

impl OptionType {
    pub fn name(self) -> &'static str {
        match self {
            OptionType::Bytes => "bytes",
            OptionType::Float { .. } => "float",
            OptionType::Int { .. } => "int",
            OptionType::Bool => "bool",
        }
    }
}

/// One option a policy declares.
#[derive(Clone, Copy, Debug)]
pub struct OptionSpec {
    pub name: &'static str,
    pub ty: OptionType,
    /// The default, written as a user would write it.
    pub default: &'static str,
    /// One line saying what the option does.
    pub doc: &'static str,
}

/// A parsed option value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptionValue {
    Bytes(usize),
    Float(f64),
    Int(i64),
    Bool(bool),
}

impl fmt::Display for OptionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionValue::Bytes(b) => write!(f, "{b}"),
            OptionValue::Float(x) => write!(f, "{x}"),
            OptionValue::Int(i) => write!(f, "{i}"),
            OptionValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl OptionSpec {
    /// Parses and validates `text` as a value of this option.
    pub fn parse(&self, text: &str) -> Result<OptionValue, String> {
        let bad = |why: &str| format!("option '{}': {why}", self.name);
        match self.ty {
            OptionType::Bytes => parse_byte_count(text)
                .map(OptionValue::Bytes)
                .map_err(|why| bad(&why)),
            OptionType::Float { min, max } => {
                let x: f64 = text
                    .parse()
                    .map_err(|_| bad(&format!("expected a number, got '{text}'")))?;
                if !(min..=max).contains(&x) {
                    return Err(bad(&format!("{x} is outside [{min}, {max}]")));
                }
                Ok(OptionValue::Float(x))
            }
            OptionType::Int { min, max } => {
                let x: i64 = text
                    .parse()
                    .map_err(|_| bad(&format!("expected an integer, got '{text}'")))?;
                if !(min..=max).contains(&x) {
                    return Err(bad(&format!("{x} is outside [{min}, {max}]")));
                }
                Ok(OptionValue::Int(x))
            }
            OptionType::Bool => match text {
                "true" => Ok(OptionValue::Bool(true)),
                "false" => Ok(OptionValue::Bool(false)),
                _ => Err(bad(&format!("expected true or false, got '{text}'"))),
            },
        }
    }
}

/// `65536`, `64K`, `64k`, `16M`, `1G`, optionally followed by `B`/`iB`.
pub fn parse_bytes(text: &str) -> Option<usize> {
    parse_byte_count(text).ok()
}

/// [`parse_bytes`], saying why a text is refused: not a byte count, or one
/// past the largest (`usize::MAX` bytes), which the message gives.
pub fn parse_byte_count(text: &str) -> Result<usize, String> {
    let malformed = || format!("expected a byte count like 65536, 64K, 16M or 1G, got '{text}'");
    let too_large = || {
        format!(
            "{text} is too large (at most {} bytes, {}G)",
            usize::MAX,
            usize::MAX >> 30
        )
    };
    let t = text.trim_end_matches("iB").trim_end_matches('B');
    let (digits, multiplier) = match t.char_indices().last().ok_or_else(malformed)? {
        (i, 'K' | 'k') => (&t[..i], 1usize << 10),
        (i, 'M' | 'm') => (&t[..i], 1 << 20),
        (i, 'G' | 'g') => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    match digits.parse::<usize>() {
        Ok(n) => n.checked_mul(multiplier).ok_or_else(too_large),
        Err(e) if *e.kind() == IntErrorKind::PosOverflow => Err(too_large()),
        Err(_) => Err(malformed()),
    }
}

/// A policy's options, every one set (to its default where not given).
#[derive(Clone, Debug, PartialEq)]
pub struct OptionValues {
    values: Vec<(&'static str, OptionValue)>,
}

impl OptionValues {
    /// Validates `assignments` (`key=value` strings) against `specs`.
    pub fn parse(specs: &[OptionSpec], assignments: &[String]) -> Result<OptionValues, String> {
        let mut values: Vec<(&'static str, OptionValue)> = specs
            .iter()
            .map(|s| Ok((s.name, s.parse(s.default)?)))
            .collect::<Result<_, String>>()?;
        let mut given: Vec<&str> = Vec::new();
        for assignment in assignments {
            let (key, text) = assignment
                .split_once('=')
                .ok_or_else(|| format!("expected key=value, got '{assignment}'"))?;
            // A second value would silently win over the first: refuse it.
            if given.contains(&key) {
                return Err(format!("option '{key}' given twice"));
            }
            given.push(key);
            let index = specs.iter().position(|s| s.name == key).ok_or_else(|| {
                let known: Vec<_> = specs.iter().map(|s| s.name).collect();
                if known.is_empty() {
                    format!("unknown option '{key}' (this policy has no options)")
                } else {
                    format!("unknown option '{key}' (known: {})", known.join(", "))
                }
            })?;
            values[index].1 = specs[index].parse(text)?;
        }
        Ok(OptionValues { values })
    }

    fn get(&self, name: &str) -> OptionValue {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("policy reads undeclared option '{name}'"))
    }

    /// The value of a declared `Bytes` option.
    pub fn bytes(&self, name: &str) -> usize {
        match self.get(name) {
            OptionValue::Bytes(b) => b,
            other => panic!("option '{name}' is {other:?}, not bytes"),
        }
    }

    /// The value of a declared `Float` option.
    pub fn float(&self, name: &str) -> f64 {
        match self.get(name) {
            OptionValue::Float(x) => x,
            other => panic!("option '{name}' is {other:?}, not a float"),
        }
    }

    /// The value of a declared `Int` option.
    pub fn int(&self, name: &str) -> i64 {
        match self.get(name) {
            OptionValue::Int(x) => x,
            other => panic!("option '{name}' is {other:?}, not an int"),
        }
    }

    /// The value of a declared `Bool` option.
    pub fn bool(&self, name: &str) -> bool {
        match self.get(name) {
            OptionValue::Bool(x) => x,
            other => panic!("option '{name}' is {other:?}, not a bool"),
        }
    }

    /// Every option with its value, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, OptionValue)> + '_ {
        self.values.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[OptionSpec] = &[
        OptionSpec {
            name: "min_heap",
            ty: OptionType::Bytes,
            default: "256K",
            doc: "",
        },
        OptionSpec {
            name: "growth",
            ty: OptionType::Float {
                min: 1.0,
                max: 100.0,
            },
            default: "2.0",
            doc: "",
        },
        OptionSpec {
            name: "on",
            ty: OptionType::Bool,
            default: "true",
            doc: "",
        },
    ];

    #[test]
    fn defaults_apply_and_assignments_override_them() {
        let v = OptionValues::parse(SPECS, &[]).unwrap();
        assert_eq!(v.bytes("min_heap"), 256 * 1024);
        assert_eq!(v.float("growth"), 2.0);
        let v = OptionValues::parse(SPECS, &["growth=1.5".into(), "min_heap=16M".into()]).unwrap();
        assert_eq!(v.float("growth"), 1.5);
        assert_eq!(v.bytes("min_heap"), 16 << 20);
        assert!(v.bool("on"));
    }

    #[test]
    fn bad_assignments_are_refused_with_a_reason() {
        let err = |a: &str| OptionValues::parse(SPECS, &[a.to_string()]).unwrap_err();
        assert_eq!(
            err("growth=0.5"),
            "option 'growth': 0.5 is outside [1, 100]"
        );
        assert_eq!(
            err("growth=fast"),
            "option 'growth': expected a number, got 'fast'"
        );
        assert_eq!(
            err("speed=3"),
            "unknown option 'speed' (known: min_heap, growth, on)"
        );
        assert_eq!(err("growth"), "expected key=value, got 'growth'");
        assert_eq!(
            err("min_heap=12Q"),
            "option 'min_heap': expected a byte count like 65536, 64K, 16M or 1G, got '12Q'"
        );
        assert_eq!(
            err("on=yes"),
            "option 'on': expected true or false, got 'yes'"
        );
    }

    #[test]
    fn byte_counts_accept_binary_suffixes() {
        assert_eq!(parse_bytes("64K"), Some(65536));
        assert_eq!(parse_bytes("64KiB"), Some(65536));
        assert_eq!(parse_bytes("1g"), Some(1 << 30));
        assert_eq!(parse_bytes("123"), Some(123));
        assert_eq!(parse_bytes(""), None);
        assert_eq!(parse_bytes("99999999999999999999G"), None);
    }

    #[test]
    fn an_option_given_twice_is_refused() {
        let err =
            OptionValues::parse(SPECS, &["min_heap=1M".into(), "min_heap=2M".into()]).unwrap_err();
        assert_eq!(err, "option 'min_heap' given twice");
        // Even with the same value: one of them is a mistake.
        let err = OptionValues::parse(SPECS, &["on=true".into(), "on=true".into()]).unwrap_err();
        assert_eq!(err, "option 'on' given twice");
    }

    #[test]
    fn a_byte_count_past_the_largest_says_too_large() {
        let err = |a: &str| OptionValues::parse(SPECS, &[a.to_string()]).unwrap_err();
        let too_large = |t: &str| {
            format!(
                "option 'min_heap': {t} is too large (at most {} bytes, {}G)",
                usize::MAX,
                usize::MAX >> 30
            )
        };
        for t in [
            "99999999999G",
            "99999999999999999999",
            "99999999999999999999K",
        ] {
            assert_eq!(err(&format!("min_heap={t}")), too_large(t));
        }
        let largest = usize::MAX.to_string();
        assert_eq!(parse_byte_count(&largest), Ok(usize::MAX));
        assert_eq!(
            parse_byte_count(&format!("{}G", usize::MAX >> 30)),
            Ok((usize::MAX >> 30) << 30)
        );
        for t in ["", "K", "-5", "5X", "1.5G"] {
            assert!(
                parse_byte_count(t)
                    .unwrap_err()
                    .starts_with("expected a byte count"),
                "{t}"
            );
        }
    }
}
