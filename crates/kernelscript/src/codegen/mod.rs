//! C code generators: eBPF C (`ebpf`), userspace C and the Makefile.
//!
//! Generators read a checked `ir::Program` only and never report user
//! errors; output is deterministic.

pub mod arithmetic;
pub mod c;
pub mod ebpf;
pub mod kernel_header;
pub mod kmod;
pub mod makefile;
pub mod plan;
pub mod readme;
pub mod userspace;
