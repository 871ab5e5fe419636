//! Writing argument vectors as POSIX shell command lines.
//!
//! Invariant: `sh -c "$(join(argv))"` runs exactly `argv`: every word that is
//! not made only of characters the shell leaves alone is single-quoted, with
//! embedded single quotes written as `'\''`.

/// One word, quoted for the shell if it needs it.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-+=/.,:@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// An argument vector as one command line.
pub fn join<S: AsRef<str>>(argv: &[S]) -> String {
    argv.iter()
        .map(|w| quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_plain_and_others_are_quoted() {
        assert_eq!(quote("bench-scripts/a_b.iv"), "bench-scripts/a_b.iv");
        assert_eq!(quote("--gc=local"), "--gc=local");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME"), "'$HOME'");
        assert_eq!(join(&["vm", "run", "x y"]), "vm run 'x y'");
    }
}
