//! The C layer every C generator shares: the text writer (`writer`), C
//! expressions with their precedence (`expr`), literal spelling
//! (`literals`), the type speller (`types`), the one name allocator
//! (`names`, `reserved`), the definitions of user types and constants
//! (`items`), and the lowering of functions (`lower`), generic over a
//! `backend::Backend` for what differs between outputs.
//!
//! It knows C and the IR, never a particular output: what differs between
//! the eBPF object, the userspace program (and later the kernel module) is
//! the business of each generator. Nothing here reports user errors.

pub mod backend;
pub mod constant;
mod expr;
pub mod items;
mod literals;
pub mod lower;
pub mod names;
pub mod order;
mod reserved;
mod reserved_names;
pub mod types;
mod writer;

pub use expr::{binary_precedence, needs_parens, CExpr, Precedence};
pub use literals::{const_literal, int_literal};
pub use writer::{char_literal, string_literal, string_literal_bytes, CWriter};
