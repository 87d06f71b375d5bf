//! C code generators: eBPF C (`ebpf`), userspace C and the Makefile.
//!
//! Generators read a checked `ir::Program` only and never report user
//! errors; output is deterministic.

pub mod arithmetic;
pub mod c_writer;
pub mod ebpf;
pub mod makefile;
pub mod userspace;
