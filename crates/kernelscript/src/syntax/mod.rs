//! Lexing and parsing: source text to `ast::SourceFile` plus diagnostics.
//!
//! `lexer` turns text into `token`s, `parser` builds the `ast` from them,
//! `errors` holds the wording of every diagnostic both report, and `dump`
//! prints a tree as compact S-expressions for tests. Parsing never fails:
//! malformed input yields `Error` nodes and diagnostics, and the parser
//! recovers to report many errors per run. No input may panic, hang or
//! overflow the stack here. This module resolves no names and checks no
//! types; that is `check`'s job.

pub mod ast;
pub mod dump;
pub mod errors;
pub mod lexer;
mod parser;
pub mod token;

pub use parser::MAX_DEPTH;

use crate::diagnostic::Diagnostics;
use crate::span::FileId;

/// Parses one file. Spans in the tree and the diagnostics carry `file`.
pub fn parse(file: FileId, text: &str) -> (ast::SourceFile, Diagnostics) {
    let (tokens, diagnostics) = lexer::lex(file, text);
    parser::parse_tokens(file, text, tokens, diagnostics)
}
