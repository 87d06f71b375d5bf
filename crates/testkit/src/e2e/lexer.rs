//! Tokens of one annotation directive, and a cursor over them with the
//! small "expect this, else say what was found" helpers the parsers share.
//!
//! Words are runs of anything but whitespace, quotes and `()[]{},`; so
//! `10.0.0.1`, `->`, `==`, `flags=SYN|ACK` and `fe80::1` are single words.
//! Strings are double-quoted with C-like escapes. This file knows no
//! directive names and builds no values.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Word(String),
    Str(Vec<u8>),
    Punct(char),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Word(w) => write!(f, "`{w}`"),
            Token::Str(s) => write!(
                f,
                "string \"{}\"",
                String::from_utf8_lossy(s).escape_debug()
            ),
            Token::Punct(c) => write!(f, "`{c}`"),
        }
    }
}

const PUNCT: &[char] = &['(', ')', '[', ']', '{', '}', ','];

/// Splits directive text into tokens.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if PUNCT.contains(&c) {
            chars.next();
            out.push(Token::Punct(c));
        } else if c == '"' {
            chars.next();
            out.push(Token::Str(string_body(&mut chars)?));
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || PUNCT.contains(&c) || c == '"' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            out.push(Token::Word(word));
        }
    }
    Ok(out)
}

fn string_body(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    loop {
        let c = chars
            .next()
            .ok_or("unterminated string (missing closing `\"`)")?;
        match c {
            '"' => return Ok(bytes),
            '\\' => {
                let e = chars.next().ok_or("unterminated escape in string")?;
                match e {
                    'n' => bytes.push(b'\n'),
                    't' => bytes.push(b'\t'),
                    'r' => bytes.push(b'\r'),
                    '0' => bytes.push(0),
                    '\\' => bytes.push(b'\\'),
                    '"' => bytes.push(b'"'),
                    'x' => {
                        let hi = chars.next().and_then(|c| c.to_digit(16));
                        let lo = chars.next().and_then(|c| c.to_digit(16));
                        match (hi, lo) {
                            (Some(h), Some(l)) => bytes.push((h * 16 + l) as u8),
                            _ => return Err("`\\x` in a string needs two hex digits".into()),
                        }
                    }
                    other => return Err(format!("unknown escape `\\{other}` in string")),
                }
            }
            c => {
                let mut buf = [0u8; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// A position in a token list.
pub(crate) struct Cursor {
    tokens: Vec<Token>,
    pos: usize,
}

impl Cursor {
    pub(crate) fn new(text: &str) -> Result<Cursor, String> {
        Ok(Cursor {
            tokens: tokenize(text)?,
            pos: 0,
        })
    }

    pub(crate) fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    pub(crate) fn peek_word(&self) -> Option<&str> {
        match self.peek() {
            Some(Token::Word(w)) => Some(w),
            _ => None,
        }
    }

    pub(crate) fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// "found X" / "found the end of the line", for error messages.
    pub(crate) fn found(&self) -> String {
        match self.peek() {
            Some(t) => format!("found {t}"),
            None => "found the end of the line".into(),
        }
    }

    pub(crate) fn is_punct(&self, c: char) -> bool {
        self.peek() == Some(&Token::Punct(c))
    }

    pub(crate) fn eat_punct(&mut self, c: char) -> bool {
        if self.is_punct(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect_punct(&mut self, c: char, context: &str) -> Result<(), String> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(format!("expected `{c}` {context}, {}", self.found()))
        }
    }

    pub(crate) fn eat_word(&mut self, w: &str) -> bool {
        if self.peek_word() == Some(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect_word(&mut self, w: &str, context: &str) -> Result<(), String> {
        if self.eat_word(w) {
            Ok(())
        } else {
            Err(format!("expected `{w}` {context}, {}", self.found()))
        }
    }

    /// Any word; `what` describes it for the error message.
    pub(crate) fn word(&mut self, what: &str) -> Result<String, String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            _ => Err(format!("expected {what}, {}", self.found())),
        }
    }

    pub(crate) fn string(&mut self, what: &str) -> Result<Vec<u8>, String> {
        match self.peek() {
            Some(Token::Str(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => Err(format!(
                "expected {what} (a \"quoted string\"), {}",
                self.found()
            )),
        }
    }

    pub(crate) fn expect_end(&self, context: &str) -> Result<(), String> {
        if self.at_end() {
            Ok(())
        } else {
            Err(format!("unexpected text {context}: {}", self.found()))
        }
    }
}

/// An integer literal: decimal, `0x` hex or `0b` binary, optional `-`, `_` separators.
pub(crate) fn parse_int(word: &str) -> Result<i128, String> {
    let clean: String = word.chars().filter(|&c| c != '_').collect();
    let (neg, digits) = match clean.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, clean.as_str()),
    };
    let parsed = if let Some(h) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i128::from_str_radix(h, 16)
    } else if let Some(b) = digits.strip_prefix("0b") {
        i128::from_str_radix(b, 2)
    } else {
        digits.parse::<i128>()
    };
    match parsed {
        Ok(_) if digits.starts_with('+') => Err(format!("`{word}` is not an integer")),
        Ok(v) => Ok(if neg { -v } else { v }),
        Err(_) => Err(format!("`{word}` is not an integer")),
    }
}

/// Hex bytes from one or more words; `_`, `:` and `-` may separate digit pairs.
pub(crate) fn parse_hex(words: &[String]) -> Result<Vec<u8>, String> {
    let mut digits = String::new();
    for w in words {
        for c in w.chars() {
            if c == '_' || c == ':' || c == '-' {
                continue;
            }
            if !c.is_ascii_hexdigit() {
                return Err(format!("`{w}` is not hex bytes"));
            }
            digits.push(c);
        }
    }
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits in `{}`", words.join(" ")));
    }
    Ok((0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap_or(0))
        .collect())
}
