//! The lexer: source text to a vector of tokens.
//!
//! Invariant: the token vector always ends with exactly one [`TokenKind::Eof`];
//! every token carries the position of its first character; runs of newlines
//! (and of comment-only or blank lines) become a single [`TokenKind::Newline`].
//! Malformed input is reported to the sink once and becomes a
//! [`TokenKind::Error`] token (or, for a bad escape, a string token with the
//! escape kept literally), so the parser can go on without repeating it.

use bumpalo::Bump;

use super::diagnostics::{Pos, Sink};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum TokenKind<'a> {
    /// An integer literal's value, saturated at `u64::MAX`; the parser checks
    /// the range (it knows whether a minus sign precedes the literal).
    Int(u64),
    Float(f64),
    /// A string literal with its escapes resolved.
    Str(&'a str),
    Ident(&'a str),
    // Keywords.
    Fn,
    Let,
    If,
    Else,
    While,
    For,
    In,
    Break,
    Continue,
    Return,
    Nil,
    True,
    False,
    And,
    Or,
    Not,
    // Punctuation.
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Semicolon,
    Assign,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Newline,
    /// Something malformed, already reported.
    Error,
    Eof,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token<'a> {
    pub kind: TokenKind<'a>,
    pub pos: Pos,
    /// The token's source text (empty for `Eof`).
    pub text: &'a str,
}

impl TokenKind<'_> {
    /// How the token is named in "expected X, found Y" messages.
    pub(crate) fn describe(&self, text: &str) -> String {
        match self {
            TokenKind::Int(_) | TokenKind::Float(_) => format!("number {text}"),
            TokenKind::Str(_) => "a string".to_string(),
            TokenKind::Ident(name) => format!("identifier '{name}'"),
            TokenKind::Newline => "end of line".to_string(),
            TokenKind::Eof => "end of file".to_string(),
            TokenKind::Error => "an invalid token".to_string(),
            _ => format!("'{text}'"),
        }
    }
}

fn keyword(word: &str) -> Option<TokenKind<'static>> {
    Some(match word {
        "fn" => TokenKind::Fn,
        "let" => TokenKind::Let,
        "if" => TokenKind::If,
        "else" => TokenKind::Else,
        "while" => TokenKind::While,
        "for" => TokenKind::For,
        "in" => TokenKind::In,
        "break" => TokenKind::Break,
        "continue" => TokenKind::Continue,
        "return" => TokenKind::Return,
        "nil" => TokenKind::Nil,
        "true" => TokenKind::True,
        "false" => TokenKind::False,
        "and" => TokenKind::And,
        "or" => TokenKind::Or,
        "not" => TokenKind::Not,
        _ => return None,
    })
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

struct Lexer<'a, 's> {
    src: &'a str,
    /// Byte offset of the next character.
    at: usize,
    line: u32,
    column: u32,
    bump: &'a Bump,
    sink: &'s mut Sink,
    tokens: Vec<Token<'a>>,
}

impl<'a> Lexer<'a, '_> {
    fn peek(&self) -> Option<char> {
        self.src[self.at..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.at..].chars();
        it.next();
        it.next()
    }

    fn bump_char(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else {
            self.column = self.column.saturating_add(1);
        }
        Some(c)
    }

    fn pos(&self) -> Pos {
        Pos::new(self.line, self.column)
    }

    fn push(&mut self, kind: TokenKind<'a>, pos: Pos, start: usize) {
        let text = &self.src[start..self.at];
        self.tokens.push(Token { kind, pos, text });
    }

    fn run(mut self) -> Vec<Token<'a>> {
        if self.peek() == Some('\u{feff}') {
            self.at += '\u{feff}'.len_utf8();
        }
        while let Some(c) = self.peek() {
            let pos = self.pos();
            let start = self.at;
            match c {
                ' ' | '\t' | '\r' => {
                    self.bump_char();
                }
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump_char();
                    }
                }
                '\n' => {
                    self.bump_char();
                    let after_newline = matches!(
                        self.tokens.last(),
                        None | Some(Token {
                            kind: TokenKind::Newline,
                            ..
                        })
                    );
                    if !after_newline {
                        self.push(TokenKind::Newline, pos, start);
                    }
                }
                '"' => self.string(pos, start),
                c if c.is_ascii_digit() => self.number(pos, start),
                c if is_ident_start(c) => {
                    while self.peek().is_some_and(is_ident_continue) {
                        self.bump_char();
                    }
                    let word = &self.src[start..self.at];
                    let kind = keyword(word).unwrap_or(TokenKind::Ident(word));
                    self.push(kind, pos, start);
                }
                _ => self.punctuation(c, pos, start),
            }
        }
        let pos = self.pos();
        self.tokens.push(Token {
            kind: TokenKind::Eof,
            pos,
            text: "",
        });
        self.tokens
    }

    fn punctuation(&mut self, c: char, pos: Pos, start: usize) {
        self.bump_char();
        let two = |lexer: &mut Self, next: char, yes: TokenKind<'a>, no: TokenKind<'a>| {
            if lexer.peek() == Some(next) {
                lexer.bump_char();
                yes
            } else {
                no
            }
        };
        let kind = match c {
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            '[' => TokenKind::LBracket,
            ']' => TokenKind::RBracket,
            '{' => TokenKind::LBrace,
            '}' => TokenKind::RBrace,
            ',' => TokenKind::Comma,
            ':' => TokenKind::Colon,
            ';' => TokenKind::Semicolon,
            '+' => TokenKind::Plus,
            '-' => TokenKind::Minus,
            '*' => TokenKind::Star,
            '/' => TokenKind::Slash,
            '%' => TokenKind::Percent,
            '=' => two(self, '=', TokenKind::EqEq, TokenKind::Assign),
            '<' => two(self, '=', TokenKind::Le, TokenKind::Lt),
            '>' => two(self, '=', TokenKind::Ge, TokenKind::Gt),
            '!' if self.peek() == Some('=') => {
                self.bump_char();
                TokenKind::NotEq
            }
            '!' => {
                self.sink
                    .error(pos, "unexpected character '!'; use 'not' for negation");
                TokenKind::Error
            }
            '&' | '|' => {
                let word = if c == '&' { "and" } else { "or" };
                if self.peek() == Some(c) {
                    self.bump_char();
                }
                self.sink
                    .error(pos, format!("unexpected character '{c}'; use '{word}'"));
                TokenKind::Error
            }
            _ => {
                let shown = if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                };
                self.sink
                    .error(pos, format!("unexpected character '{shown}'"));
                TokenKind::Error
            }
        };
        self.push(kind, pos, start);
    }

    fn number(&mut self, pos: Pos, start: usize) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump_char();
        }
        let mut is_float = false;
        if self.peek() == Some('.') && self.peek2().is_some_and(|c| c.is_ascii_digit()) {
            is_float = true;
            self.bump_char();
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.bump_char();
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let rest = &self.src[self.at + 1..];
            let mut it = rest.chars();
            let exponent_ok = match it.next() {
                Some('+' | '-') => it.next().is_some_and(|c| c.is_ascii_digit()),
                Some(c) => c.is_ascii_digit(),
                None => false,
            };
            if exponent_ok {
                is_float = true;
                self.bump_char();
                if matches!(self.peek(), Some('+' | '-')) {
                    self.bump_char();
                }
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.bump_char();
                }
            }
        }
        if self.peek().is_some_and(is_ident_continue) {
            while self.peek().is_some_and(is_ident_continue) {
                self.bump_char();
            }
            let text = &self.src[start..self.at];
            self.sink.error(pos, format!("malformed number '{text}'"));
            self.push(TokenKind::Error, pos, start);
            return;
        }
        let text = &self.src[start..self.at];
        let kind = if is_float {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => TokenKind::Float(v),
                _ => {
                    self.sink
                        .error(pos, format!("float literal {text} is out of range"));
                    TokenKind::Error
                }
            }
        } else {
            let value = text.bytes().fold(0u64, |acc, d| {
                acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
            });
            TokenKind::Int(value)
        };
        self.push(kind, pos, start);
    }

    fn string(&mut self, pos: Pos, start: usize) {
        self.bump_char(); // the opening quote
        let mut value = String::new();
        loop {
            let here = self.pos();
            match self.peek() {
                None | Some('\n') => {
                    self.sink.error(
                        pos,
                        "unterminated string (a string must end on the line it starts)",
                    );
                    self.push(TokenKind::Error, pos, start);
                    return;
                }
                Some('"') => {
                    self.bump_char();
                    break;
                }
                Some('\\') => {
                    self.bump_char();
                    match self.peek() {
                        Some('n') => value.push('\n'),
                        Some('t') => value.push('\t'),
                        Some('"') => value.push('"'),
                        Some('\\') => value.push('\\'),
                        // The unterminated-string check above reports these.
                        None | Some('\n') => continue,
                        Some(c) => {
                            let shown = if c.is_control() {
                                c.escape_default().to_string()
                            } else {
                                c.to_string()
                            };
                            self.sink.error(
                                here,
                                format!("invalid escape '\\{shown}' in string (allowed: \\n \\t \\\" \\\\)"),
                            );
                            value.push('\\');
                            value.push(c);
                        }
                    }
                    self.bump_char();
                }
                Some(c) => {
                    value.push(c);
                    self.bump_char();
                }
            }
        }
        let text = self.bump.alloc_str(&value);
        self.push(TokenKind::Str(text), pos, start);
    }
}

/// Splits `src` into tokens, reporting malformed ones to `sink`.
pub(crate) fn lex<'a>(src: &'a str, bump: &'a Bump, sink: &mut Sink) -> Vec<Token<'a>> {
    Lexer {
        src,
        at: 0,
        line: 1,
        column: 1,
        bump,
        sink,
        tokens: Vec::new(),
    }
    .run()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<String> {
        let bump = Bump::new();
        let mut sink = Sink::default();
        lex(src, &bump, &mut sink)
            .iter()
            .map(|t| format!("{:?}", t.kind))
            .collect()
    }

    #[test]
    fn numbers_and_operators() {
        assert_eq!(
            kinds("1 2.5 1e9 3.0e-2 a<=b != c"),
            [
                "Int(1)",
                "Float(2.5)",
                "Float(1000000000.0)",
                "Float(0.03)",
                "Ident(\"a\")",
                "Le",
                "Ident(\"b\")",
                "NotEq",
                "Ident(\"c\")",
                "Eof"
            ]
        );
    }

    #[test]
    fn newlines_collapse_and_comments_vanish() {
        assert_eq!(
            kinds("\n\n# c\nx # y\n\n\ny"),
            ["Ident(\"x\")", "Newline", "Ident(\"y\")", "Eof"]
        );
    }

    #[test]
    fn escapes_resolve_and_positions_count_characters() {
        let bump = Bump::new();
        let mut sink = Sink::default();
        let toks = lex("\"é\\n\\\"b\" x", &bump, &mut sink);
        assert!(sink.is_empty());
        assert_eq!(toks[0].kind, TokenKind::Str("é\n\"b"));
        assert_eq!(toks[0].pos, Pos::new(1, 1));
        assert_eq!(toks[1].pos, Pos::new(1, 10));
    }

    #[test]
    fn huge_integers_saturate() {
        assert_eq!(
            kinds("99999999999999999999999"),
            ["Int(18446744073709551615)", "Eof"]
        );
    }
}
