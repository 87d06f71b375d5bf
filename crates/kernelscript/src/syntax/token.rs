//! Tokens: what the lexer produces and the parser consumes.
//!
//! A token is a kind, a span, the decoded value of a literal, and whether a
//! newline came before it (the parser uses that to end statements). Type
//! words such as `u32` or `str` are plain identifiers here; only the words
//! the grammar itself needs are keywords. This file holds data and the
//! spelling of each kind for messages; it must not decide any grammar.

use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Ident,
    Int,
    Str,
    Char,

    // Keywords.
    Fn,
    Extern,
    Include,
    Import,
    From,
    Pin,
    Type,
    Struct,
    Enum,
    Impl,
    If,
    Else,
    For,
    While,
    Return,
    Break,
    Continue,
    Var,
    Const,
    Config,
    Local,
    In,
    New,
    Delete,
    Try,
    Catch,
    Throw,
    Defer,
    Match,
    Default,
    True,
    False,
    Null,
    As,
    Sizeof,

    // Delimiters and punctuation.
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Semi,
    Colon,
    Dot,
    DotDot,
    Arrow,
    At,

    // Operators.
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Amp,
    Pipe,
    Caret,
    Tilde,
    Bang,
    Eq,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Shl,
    Shr,
    AndAnd,
    OrOr,
    PlusEq,
    MinusEq,
    StarEq,
    SlashEq,
    PercentEq,
    AmpEq,
    PipeEq,
    CaretEq,
    ShlEq,
    ShrEq,

    /// A run of characters the language does not use; already reported.
    Unknown,
    Eof,
}

/// Every keyword with its spelling.
const KEYWORDS: &[(&str, TokenKind)] = &[
    ("fn", TokenKind::Fn),
    ("extern", TokenKind::Extern),
    ("include", TokenKind::Include),
    ("import", TokenKind::Import),
    ("from", TokenKind::From),
    ("pin", TokenKind::Pin),
    ("type", TokenKind::Type),
    ("struct", TokenKind::Struct),
    ("enum", TokenKind::Enum),
    ("impl", TokenKind::Impl),
    ("if", TokenKind::If),
    ("else", TokenKind::Else),
    ("for", TokenKind::For),
    ("while", TokenKind::While),
    ("return", TokenKind::Return),
    ("break", TokenKind::Break),
    ("continue", TokenKind::Continue),
    ("var", TokenKind::Var),
    ("const", TokenKind::Const),
    ("config", TokenKind::Config),
    ("local", TokenKind::Local),
    ("in", TokenKind::In),
    ("new", TokenKind::New),
    ("delete", TokenKind::Delete),
    ("try", TokenKind::Try),
    ("catch", TokenKind::Catch),
    ("throw", TokenKind::Throw),
    ("defer", TokenKind::Defer),
    ("match", TokenKind::Match),
    ("default", TokenKind::Default),
    ("true", TokenKind::True),
    ("false", TokenKind::False),
    ("null", TokenKind::Null),
    // The seed README's spelling of `null`.
    ("none", TokenKind::Null),
    ("as", TokenKind::As),
    ("sizeof", TokenKind::Sizeof),
];

impl TokenKind {
    /// The keyword spelled `word`, if it is one.
    pub fn keyword(word: &str) -> Option<TokenKind> {
        KEYWORDS
            .iter()
            .find(|(spelling, _)| *spelling == word)
            .map(|(_, kind)| *kind)
    }

    pub fn is_keyword(self) -> bool {
        KEYWORDS.iter().any(|(_, kind)| *kind == self)
    }

    /// How the token is written, for punctuation and keywords; a category
    /// name for the others.
    pub fn spelling(self) -> &'static str {
        use TokenKind::*;
        if let Some((word, _)) = KEYWORDS.iter().find(|(_, kind)| *kind == self) {
            return word;
        }
        match self {
            Ident => "identifier",
            Int => "integer literal",
            Str => "string literal",
            Char => "character literal",
            LParen => "(",
            RParen => ")",
            LBrace => "{",
            RBrace => "}",
            LBracket => "[",
            RBracket => "]",
            Comma => ",",
            Semi => ";",
            Colon => ":",
            Dot => ".",
            DotDot => "..",
            Arrow => "->",
            At => "@",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            Percent => "%",
            Amp => "&",
            Pipe => "|",
            Caret => "^",
            Tilde => "~",
            Bang => "!",
            Eq => "=",
            EqEq => "==",
            NotEq => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Shl => "<<",
            Shr => ">>",
            AndAnd => "&&",
            OrOr => "||",
            PlusEq => "+=",
            MinusEq => "-=",
            StarEq => "*=",
            SlashEq => "/=",
            PercentEq => "%=",
            AmpEq => "&=",
            PipeEq => "|=",
            CaretEq => "^=",
            ShlEq => "<<=",
            ShrEq => ">>=",
            Unknown => "unknown character",
            Eof => "end of file",
            _ => "keyword",
        }
    }

    /// `(`, `[` and `{`.
    pub fn is_opening_delimiter(self) -> bool {
        matches!(
            self,
            TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace
        )
    }

    /// `)`, `]` and `}`.
    pub fn is_closing_delimiter(self) -> bool {
        matches!(
            self,
            TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace
        )
    }
}

/// How an integer literal was written, so that generated C spells it the
/// same way (`0x0800` stays `0x0800`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Radix {
    #[default]
    Decimal,
    /// `0x...`: the number of digits written (leading zeros kept) and
    /// whether its letters were upper case.
    Hex { digits: u8, upper: bool },
    /// `0o...`
    Octal,
    /// `0b...`
    Binary,
}

/// The decoded value of a literal token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    None,
    /// Integer value and how it was written; 0 when the literal was
    /// malformed (already reported).
    Int(u64, Radix),
    Str(String),
    Char(u8),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
    /// A newline (or the start of the file) comes between the previous
    /// token and this one. Comments spanning lines count as newlines.
    pub newline_before: bool,
    pub literal: Literal,
    /// A string or character literal that ran to the end of its line
    /// without a closing quote (reported by the lexer); what should have
    /// followed it on that line is lost, so the parser stays quiet about it.
    pub unterminated: bool,
}

impl Token {
    /// A description for "found X" in messages: "`)`", "keyword `fn`",
    /// "identifier `foo`", "end of file". `text` is the source it came from.
    pub fn describe(&self, text: &str) -> String {
        let written = text
            .get(self.span.start as usize..self.span.end as usize)
            .unwrap_or("");
        match self.kind {
            TokenKind::Ident => format!("identifier `{written}`"),
            TokenKind::Int | TokenKind::Str | TokenKind::Char => {
                if written.chars().count() <= 24 {
                    format!("{} `{written}`", self.kind.spelling())
                } else {
                    self.kind.spelling().to_string()
                }
            }
            TokenKind::Eof => "end of file".to_string(),
            TokenKind::Unknown => format!("`{}`", written.escape_debug()),
            kind if kind.is_keyword() => format!("keyword `{}`", kind.spelling()),
            kind => format!("`{}`", kind.spelling()),
        }
    }
}
