//! The KernelScript compiler core.
//!
//! Text in, C text and diagnostics out: `syntax` parses a file into an AST,
//! `check` resolves and types the AST into the IR (`ir`), and `codegen`
//! writes the eBPF C, userspace C and Makefile from the IR. `driver` strings
//! the passes together. This crate does no IO of any kind: the CLI reads
//! files (through `driver::SourceLoader`), runs tools and talks to the kernel.

pub mod check;
pub mod codegen;
pub mod diagnostic;
pub mod driver;
pub mod ir;
pub mod kernel;
pub mod kinds;
pub mod source;
pub mod span;
pub mod syntax;
