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
mod errors;
pub mod lexer;
mod parser;
pub mod token;

pub use parser::MAX_DEPTH;

use crate::diagnostic::Diagnostics;
use crate::span::FileId;

/// Parses one file. Spans in the tree and the diagnostics carry `file`.
/// Diagnostics come in source order (the lexer's and the parser's merged).
pub fn parse(file: FileId, text: &str) -> (ast::SourceFile, Diagnostics) {
    let (tokens, lexer_diagnostics) = lexer::lex(file, text);
    let (source_file, parser_diagnostics) = parser::parse_tokens(file, text, tokens);
    let mut all = lexer_diagnostics.into_vec();
    all.extend(parser_diagnostics.into_vec());
    all.sort_by_key(|diagnostic| diagnostic.primary_span().map_or(0, |span| span.start));
    let mut diagnostics = Diagnostics::new();
    for diagnostic in all {
        diagnostics.push(diagnostic);
    }
    (source_file, diagnostics)
}
