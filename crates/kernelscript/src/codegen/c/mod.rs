//! The C layer every C generator shares: the text writer, C expressions
//! with their precedence, literal spelling, and (growing) the type speller,
//! the name allocator and the lowering of functions.
//!
//! It knows C and the IR, never a particular output: what differs between
//! the eBPF object, the userspace program (and later the kernel module) is
//! the business of each generator. Nothing here reports user errors.

mod expr;
mod literals;
mod writer;

pub use expr::{binary_precedence, needs_parens, CExpr, Precedence};
pub use literals::{const_literal, int_literal};
pub use writer::{char_literal, string_literal, string_literal_bytes, CWriter};
