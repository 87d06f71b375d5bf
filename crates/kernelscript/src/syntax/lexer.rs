//! The lexer: source text to a vector of tokens ending in `Eof`.
//!
//! It skips whitespace and `//` / `/* */` comments (noting newlines on the
//! next token), decodes integer, string and character literals, and turns
//! every malformed piece of text into a diagnostic plus a token the parser
//! can keep going with: it never stops early and never panics. It knows
//! nothing of the grammar: which token may follow which is the parser's job.
//! A UTF-8 byte-order mark at the very start is skipped (spans still count
//! its three bytes, so they stay offsets into the file as read).

use crate::diagnostic::Diagnostics;
use crate::span::{FileId, Span};
use crate::syntax::errors;
use crate::syntax::token::{Literal, Radix, Token, TokenKind};

/// Splits `text` into tokens. The last token is always `Eof`.
pub fn lex(file: FileId, text: &str) -> (Vec<Token>, Diagnostics) {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: if text.starts_with('\u{feff}') { 3 } else { 0 },
        file,
        tokens: Vec::new(),
        diagnostics: Diagnostics::new(),
        newline_before: true,
    };
    lexer.run();
    (lexer.tokens, lexer.diagnostics)
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    file: FileId,
    tokens: Vec<Token>,
    diagnostics: Diagnostics,
    /// A newline was skipped since the last token.
    newline_before: bool,
}

impl Lexer<'_> {
    fn run(&mut self) {
        loop {
            self.skip_trivia();
            let start = self.pos;
            let Some(&byte) = self.bytes.get(start) else {
                self.newline_before = true;
                self.push(TokenKind::Eof, start, Literal::None);
                return;
            };
            match byte {
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.identifier(),
                b'0'..=b'9' => self.number(),
                b'"' => self.string(),
                b'\'' => self.character(),
                _ => self.punctuation(),
            }
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn push(&mut self, kind: TokenKind, start: usize, literal: Literal) {
        self.tokens.push(Token {
            kind,
            span: self.span(start, self.pos),
            newline_before: self.newline_before,
            literal,
            unterminated: false,
        });
        self.newline_before = false;
    }

    fn peek_byte(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    /// The character at the current position (the text is valid UTF-8 and
    /// `pos` is always on a character boundary).
    fn peek_char(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_trivia(&mut self) {
        while let Some(byte) = self.peek_byte(0) {
            match byte {
                b'\n' => {
                    self.newline_before = true;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'/' if self.peek_byte(1) == Some(b'/') => {
                    while self.peek_byte(0).is_some_and(|b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek_byte(1) == Some(b'*') => self.block_comment(),
                _ => return,
            }
        }
    }

    fn block_comment(&mut self) {
        let start = self.pos;
        self.pos += 2;
        loop {
            match self.peek_byte(0) {
                None => {
                    let span = self.span(start, start + 2);
                    self.diagnostics
                        .push(errors::unterminated_block_comment(span));
                    self.newline_before = true;
                    return;
                }
                Some(b'*') if self.peek_byte(1) == Some(b'/') => {
                    self.pos += 2;
                    return;
                }
                Some(b'\n') => {
                    self.newline_before = true;
                    self.pos += 1;
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn identifier(&mut self) {
        let start = self.pos;
        while self
            .peek_byte(0)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.pos += 1;
        }
        let word = &self.text[start..self.pos];
        let kind = TokenKind::keyword(word).unwrap_or(TokenKind::Ident);
        self.push(kind, start, Literal::None);
    }

    /// Decimal, `0x`, `0o` and `0b` integers. The whole alphanumeric run is
    /// one token, so `12ab` is one (reported) literal, not two tokens.
    fn number(&mut self) {
        let start = self.pos;
        let (radix, prefix) = match (self.peek_byte(0), self.peek_byte(1)) {
            (Some(b'0'), Some(b'x' | b'X')) => (16, 2),
            (Some(b'0'), Some(b'o' | b'O')) => (8, 2),
            (Some(b'0'), Some(b'b' | b'B')) => (2, 2),
            _ => (10, 0),
        };
        self.pos += prefix;
        let digits_start = self.pos;
        while self
            .peek_byte(0)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.pos += 1;
        }
        let span = self.span(start, self.pos);
        let run = &self.text[digits_start..self.pos];
        let valid_len = run
            .bytes()
            .take_while(|b| (*b as char).is_digit(radix))
            .count();
        let (digits, tail) = run.split_at(valid_len);
        let first_invalid = tail.chars().next();
        let value = if let Some(digit) = first_invalid.filter(char::is_ascii_digit) {
            self.diagnostics
                .push(errors::invalid_digit(span, digit, radix));
            0
        } else if digits.is_empty() {
            self.diagnostics.push(errors::missing_digits(
                span,
                &self.text[start..digits_start],
            ));
            0
        } else if !tail.is_empty() {
            self.diagnostics
                .push(errors::invalid_integer_suffix(span, tail));
            0
        } else {
            match u64::from_str_radix(digits, radix) {
                Ok(value) => value,
                Err(_) => {
                    self.diagnostics.push(errors::integer_too_large(span));
                    0
                }
            }
        };
        let radix = match radix {
            16 => Radix::Hex {
                digits: digits.len().min(16) as u8,
                upper: digits.bytes().any(|b| b.is_ascii_uppercase()),
            },
            8 => Radix::Octal,
            2 => Radix::Binary,
            _ => Radix::Decimal,
        };
        self.push(TokenKind::Int, start, Literal::Int(value, radix));
    }

    fn string(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            match self.peek_char() {
                None | Some('\n') => {
                    let span = self.span(start, self.pos);
                    self.diagnostics.push(errors::unterminated_string(span));
                    self.push(TokenKind::Str, start, Literal::Str(value));
                    self.mark_unterminated();
                    return;
                }
                Some('"') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    if let Some(decoded) = self.escape() {
                        if decoded > 0x7f {
                            let span = self.span(self.pos - 4, self.pos);
                            self.diagnostics
                                .push(errors::string_hex_escape_out_of_range(span));
                        } else {
                            value.push(decoded as char);
                        }
                    }
                }
                Some(c) => {
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        self.push(TokenKind::Str, start, Literal::Str(value));
    }

    /// Decodes the escape at `pos` (which is a backslash) and moves past it.
    /// Returns `None` when nothing usable was decoded (already reported) or
    /// when the backslash ends the line (the caller reports unterminated).
    fn escape(&mut self) -> Option<u8> {
        let start = self.pos;
        self.pos += 1;
        let escaped = match self.peek_char() {
            None | Some('\n') => return None,
            Some(c) => c,
        };
        self.pos += escaped.len_utf8();
        let simple = match escaped {
            'n' => Some(b'\n'),
            't' => Some(b'\t'),
            'r' => Some(b'\r'),
            '\\' => Some(b'\\'),
            '\'' => Some(b'\''),
            '"' => Some(b'"'),
            '0' => Some(0),
            _ => None,
        };
        if simple.is_some() {
            return simple;
        }
        if escaped == 'x' {
            let high = self.peek_byte(0).and_then(|b| (b as char).to_digit(16));
            let low = self.peek_byte(1).and_then(|b| (b as char).to_digit(16));
            if let (Some(high), Some(low)) = (high, low) {
                self.pos += 2;
                return Some((high * 16 + low) as u8);
            }
            let span = self.span(start, self.pos);
            self.diagnostics.push(errors::invalid_hex_escape(span));
            return None;
        }
        let span = self.span(start, self.pos);
        self.diagnostics.push(errors::unknown_escape(span, escaped));
        None
    }

    fn character(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let value = match self.peek_char() {
            None | Some('\n') => {
                let span = self.span(start, self.pos);
                self.diagnostics.push(errors::unterminated_char(span));
                self.push(TokenKind::Char, start, Literal::Char(0));
                self.mark_unterminated();
                return;
            }
            Some('\'') => {
                self.pos += 1;
                let span = self.span(start, self.pos);
                self.diagnostics.push(errors::empty_char(span));
                self.push(TokenKind::Char, start, Literal::Char(0));
                return;
            }
            Some('\\') => self.escape(),
            Some(c) if c.is_ascii() => {
                self.pos += 1;
                Some(c as u8)
            }
            Some(c) => {
                let span = self.span(self.pos, self.pos + c.len_utf8());
                self.pos += c.len_utf8();
                self.diagnostics.push(errors::non_ascii_char(span, c));
                Some(0)
            }
        };
        if self.peek_byte(0) == Some(b'\'') {
            self.pos += 1;
            self.push(TokenKind::Char, start, Literal::Char(value.unwrap_or(0)));
            return;
        }
        // No closing quote right after one character: either several
        // characters before a quote on this line, or no quote at all.
        let line_end = self.text[self.pos..]
            .find('\n')
            .map_or(self.text.len(), |offset| self.pos + offset);
        match self.text[self.pos..line_end].find('\'') {
            Some(offset) => {
                self.pos += offset + 1;
                let span = self.span(start, self.pos);
                self.diagnostics.push(errors::char_too_long(span));
            }
            None => {
                self.pos = line_end;
                let span = self.span(start, self.pos);
                self.diagnostics.push(errors::unterminated_char(span));
                self.push(TokenKind::Char, start, Literal::Char(0));
                self.mark_unterminated();
                return;
            }
        }
        self.push(TokenKind::Char, start, Literal::Char(0));
    }

    fn mark_unterminated(&mut self) {
        if let Some(token) = self.tokens.last_mut() {
            token.unterminated = true;
        }
    }

    fn punctuation(&mut self) {
        use TokenKind::*;
        let start = self.pos;
        let byte = self.bytes[start];
        let next = self.peek_byte(1);
        let third = self.peek_byte(2);
        let (kind, len) = match (byte, next, third) {
            (b'(', _, _) => (LParen, 1),
            (b')', _, _) => (RParen, 1),
            (b'{', _, _) => (LBrace, 1),
            (b'}', _, _) => (RBrace, 1),
            (b'[', _, _) => (LBracket, 1),
            (b']', _, _) => (RBracket, 1),
            (b',', _, _) => (Comma, 1),
            (b';', _, _) => (Semi, 1),
            (b':', _, _) => (Colon, 1),
            (b'@', _, _) => (At, 1),
            (b'~', _, _) => (Tilde, 1),
            (b'.', Some(b'.'), _) => (DotDot, 2),
            (b'.', _, _) => (Dot, 1),
            (b'-', Some(b'>'), _) => (Arrow, 2),
            (b'-', Some(b'='), _) => (MinusEq, 2),
            (b'-', _, _) => (Minus, 1),
            (b'+', Some(b'='), _) => (PlusEq, 2),
            (b'+', _, _) => (Plus, 1),
            (b'*', Some(b'='), _) => (StarEq, 2),
            (b'*', _, _) => (Star, 1),
            (b'/', Some(b'='), _) => (SlashEq, 2),
            (b'/', _, _) => (Slash, 1),
            (b'%', Some(b'='), _) => (PercentEq, 2),
            (b'%', _, _) => (Percent, 1),
            (b'^', Some(b'='), _) => (CaretEq, 2),
            (b'^', _, _) => (Caret, 1),
            (b'&', Some(b'&'), _) => (AndAnd, 2),
            (b'&', Some(b'='), _) => (AmpEq, 2),
            (b'&', _, _) => (Amp, 1),
            (b'|', Some(b'|'), _) => (OrOr, 2),
            (b'|', Some(b'='), _) => (PipeEq, 2),
            (b'|', _, _) => (Pipe, 1),
            (b'!', Some(b'='), _) => (NotEq, 2),
            (b'!', _, _) => (Bang, 1),
            (b'=', Some(b'='), _) => (EqEq, 2),
            (b'=', _, _) => (Eq, 1),
            (b'<', Some(b'<'), Some(b'=')) => (ShlEq, 3),
            (b'<', Some(b'<'), _) => (Shl, 2),
            (b'<', Some(b'='), _) => (Le, 2),
            (b'<', _, _) => (Lt, 1),
            (b'>', Some(b'>'), Some(b'=')) => (ShrEq, 3),
            (b'>', Some(b'>'), _) => (Shr, 2),
            (b'>', Some(b'='), _) => (Ge, 2),
            (b'>', _, _) => (Gt, 1),
            _ => return self.unknown(),
        };
        self.pos += len;
        self.push(kind, start, Literal::None);
    }

    /// A run of characters the language has no use for: one token and one
    /// diagnostic for the whole run.
    fn unknown(&mut self) {
        let start = self.pos;
        let first = self.peek_char().unwrap_or('\0');
        while let Some(c) = self.peek_char() {
            let starts_token = c.is_ascii_alphanumeric()
                || c.is_ascii_whitespace()
                || "_\"'(){}[],;:@~.-+*/%^&|!=<>".contains(c);
            if starts_token && self.pos > start {
                break;
            }
            self.pos += c.len_utf8();
        }
        let span = self.span(start, self.pos);
        self.diagnostics
            .push(errors::unknown_character(span, first));
        self.push(TokenKind::Unknown, start, Literal::None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each token as `kind` or `kind(value)`, with `\n` before tokens that
    /// follow a newline (except the first, and `Eof`, which always does).
    fn tokens(text: &str) -> String {
        let (tokens, _) = lex(FileId(0), text);
        let mut out = Vec::new();
        for (index, token) in tokens.iter().enumerate() {
            let mut piece = String::new();
            if token.newline_before && index > 0 && token.kind != TokenKind::Eof {
                piece.push_str("\\n ");
            }
            piece.push_str(&format!("{:?}", token.kind));
            match &token.literal {
                Literal::None if token.kind == TokenKind::Ident => {
                    let span = token.span;
                    piece.push_str(&format!(
                        "({})",
                        &text[span.start as usize..span.end as usize]
                    ));
                }
                Literal::None => {}
                Literal::Int(value, _) => piece.push_str(&format!("({value})")),
                Literal::Str(value) => piece.push_str(&format!("({value:?})")),
                Literal::Char(value) => piece.push_str(&format!("({value})")),
            }
            out.push(piece);
        }
        out.join(" ")
    }

    fn messages(text: &str) -> Vec<String> {
        let (_, diagnostics) = lex(FileId(0), text);
        diagnostics.iter().map(|d| d.message.clone()).collect()
    }

    #[test]
    fn keywords_and_type_words() {
        assert_eq!(
            tokens("fn u32 str as sizeof in from _x"),
            "Fn Ident(u32) Ident(str) As Sizeof In From Ident(_x) Eof"
        );
    }

    #[test]
    fn operators_take_the_longest_match() {
        assert_eq!(
            tokens("<<= << <= < >>= >> >= > -> -= - .. . && &= & || |= | == = != !"),
            "ShlEq Shl Le Lt ShrEq Shr Ge Gt Arrow MinusEq Minus DotDot Dot AndAnd AmpEq Amp \
             OrOr PipeEq Pipe EqEq Eq NotEq Bang Eof"
        );
        assert_eq!(tokens("0..10"), "Int(0) DotDot Int(10) Eof");
    }

    #[test]
    fn a_leading_byte_order_mark_is_skipped() {
        let (tokens, diagnostics) = lex(FileId(0), "\u{feff}fn f() {}\n");
        assert!(diagnostics.is_empty());
        assert_eq!(tokens[0].kind, TokenKind::Fn);
        assert_eq!(tokens[0].span.start, 3);
        let (_, diagnostics) = lex(FileId(0), "fn \u{feff}f() {}\n");
        assert!(
            !diagnostics.is_empty(),
            "a mark inside the text is still an error"
        );
    }

    #[test]
    fn newlines_are_recorded_on_the_next_token() {
        assert_eq!(
            tokens("a // c\nb /* x\ny */ c /* z */ d\n"),
            "Ident(a) \\n Ident(b) \\n Ident(c) Ident(d) Eof"
        );
    }

    #[test]
    fn integer_literals_in_every_base() {
        assert_eq!(
            tokens("0 42 0x2A 0X2a 0o52 0b101010 18446744073709551615"),
            "Int(0) Int(42) Int(42) Int(42) Int(42) Int(42) Int(18446744073709551615) Eof"
        );
        assert_eq!(tokens("18446744073709551616"), "Int(0) Eof");
        assert_eq!(
            messages("18446744073709551616"),
            ["integer literal is too large"]
        );
        assert_eq!(messages("0o8"), ["invalid digit `8` in octal literal"]);
    }

    #[test]
    fn escapes_in_strings_and_chars() {
        assert_eq!(
            tokens(r#""a\n\t\r\\\'\"\0\x41" '\n' '\xff' 'z'"#),
            r#"Str("a\n\t\r\\'\"\0A") Char(10) Char(255) Char(122) Eof"#
        );
    }

    #[test]
    fn unterminated_literals_stop_at_the_end_of_the_line() {
        assert_eq!(tokens("\"abc\nx"), "Str(\"abc\") \\n Ident(x) Eof");
        assert_eq!(tokens("'a\nx"), "Char(0) \\n Ident(x) Eof");
        let (tokens, _) = lex(FileId(0), "\"abc\n");
        assert!(tokens[0].unterminated);
        assert_eq!(messages("'a\n"), ["unterminated character literal"]);
    }

    #[test]
    fn unknown_characters_form_one_token_per_run() {
        assert_eq!(tokens("a $$é b"), "Ident(a) Unknown Ident(b) Eof");
        assert_eq!(messages("a $$é b"), ["unknown character `$`"]);
        let (tokens, _) = lex(FileId(0), "é✅");
        assert_eq!((tokens[0].span.start, tokens[0].span.end), (0, 5));
    }
}
