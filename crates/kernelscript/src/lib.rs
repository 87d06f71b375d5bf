//! The KernelScript compiler core.
//!
//! Text in, C text and diagnostics out: `syntax` parses a file into an AST,
//! `check` resolves and types the AST into the IR (`ir`), and `codegen`
//! writes the eBPF C, userspace C and Makefile from the IR. `driver` strings
//! the passes together. `kernel` is the target kernel's BTF the CLI hands
//! over; `scaffold` writes the projects of `kernelscript init`. This crate
//! does no IO of any kind: the CLI reads files (through
//! `driver::SourceLoader`), runs tools and talks to the kernel. Enforced by
//! the lints below with this crate's `clippy.toml` (no file, process,
//! environment or clock access, no `HashMap`/`HashSet`, no printing).

#![deny(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::print_stdout,
    clippy::print_stderr
)]

pub mod check;
pub mod codegen;
pub mod diagnostic;
pub mod driver;
pub mod ir;
pub mod kernel;
pub mod kinds;
pub mod printf;
pub mod scaffold;
pub mod source;
pub mod span;
pub mod syntax;
pub mod unit;
