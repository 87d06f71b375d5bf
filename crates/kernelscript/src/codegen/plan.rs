//! The outputs plan: the facts every output of one compilation must agree
//! on, decided once before any C is written — the project name, the
//! tail-call program arrays, the `pin var` map, whether the eBPF object
//! needs the kernel's own types (and so its kernel header `NAME.vmlinux.h`),
//! and whether there is a userspace program.
//!
//! `driver::generate` builds it; the eBPF and userspace generators and the
//! Makefile read it instead of working these out again (or reading each
//! other's output).

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::visit::walk_block_exprs;
use crate::ir::{Callee, ExprKind, FunctionId, FunctionKind, Program, ProgramKind, Target};

/// What the outputs of one compilation share.
#[derive(Clone, Debug)]
pub struct Plan {
    /// `NAME`: the C identifier made of the `.ks` file stem. Names the
    /// outputs (`NAME.ebpf.c`, `NAME.c`), the skeleton and the pin
    /// directory.
    pub project: String,
    /// Write `#line` directives mapping statements to `.ks` lines.
    pub line_directives: bool,
    /// The program arrays behind `return other_program(ctx)`.
    pub tail_calls: Vec<TailCallTable>,
    /// The map holding the `pin var` globals, if there are any.
    pub pinned_globals: Option<String>,
    /// Whether the eBPF object needs the kernel's own types, written from
    /// BTF into its kernel header instead of UAPI includes.
    pub needs_kernel_types: bool,
    /// That header's file name (`NAME.vmlinux.h`), when it needs one.
    pub kernel_header: Option<String>,
    /// Whether there is a userspace program (a `main`).
    pub has_userspace: bool,
    /// The eBPF functions that read kernel memory through CO-RE probe
    /// reads (`BPF_CORE_READ`): programs of kinds whose descriptors say
    /// `KernelMemory::ProbeRead` (tracing), and the helpers they call.
    pub kernel_reads: BTreeSet<FunctionId>,
}

impl Plan {
    /// The plan for `program`, whose source file's stem is `stem`.
    pub fn new(program: &Program, stem: &str) -> Plan {
        let ebpf_functions: Vec<usize> = program
            .functions
            .iter()
            .enumerate()
            .filter(|(_, function)| {
                function.kind.target() == Target::Ebpf && function.kind != FunctionKind::Kfunc
            })
            .map(|(index, _)| index)
            .collect();
        let project = c_identifier(stem);
        let needs_kernel_types = super::ebpf::needs_kernel_types(program, &ebpf_functions);
        Plan {
            kernel_reads: kernel_reads(program),
            kernel_header: needs_kernel_types.then(|| format!("{project}.vmlinux.h")),
            project,
            line_directives: true,
            tail_calls: tail_call_tables(program),
            pinned_globals: pinned_globals_map(program),
            needs_kernel_types,
            has_userspace: program
                .functions
                .iter()
                .any(|function| function.kind == FunctionKind::Main),
        }
    }
}

/// The eBPF functions that read kernel memory with CO-RE probe reads: the
/// programs of tracing kinds and every helper they reach (a helper shared
/// with a packet program reads the same way; packet programs have no
/// kernel pointers to read through).
fn kernel_reads(program: &Program) -> BTreeSet<FunctionId> {
    let mut pending: Vec<FunctionId> = program
        .functions
        .iter()
        .enumerate()
        .filter(|(_, function)| {
            function.kind.program().is_some_and(|decl| {
                decl.descriptor().kernel_memory == crate::kinds::KernelMemory::ProbeRead
            })
        })
        .map(|(index, _)| FunctionId(index as u32))
        .collect();
    let mut reads = BTreeSet::new();
    while let Some(id) = pending.pop() {
        if !reads.insert(id) {
            continue;
        }
        walk_block_exprs(&program.function(id).body, &mut |expr| {
            if let ExprKind::Call {
                callee: Callee::Function(callee),
                ..
            } = &expr.kind
            {
                if program.function(*callee).kind == FunctionKind::Helper {
                    pending.push(*callee);
                }
            }
        });
    }
    reads
}

/// `text` made a C identifier: non-identifier characters become `_`, and a
/// leading digit gets a `_` prefix (for the project name).
pub fn c_identifier(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// `base` or the first of `base_2`, `base_3`, ... for which `taken` is false.
pub fn first_free(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2u32..)
        .map(|suffix| format!("{base}_{suffix}"))
        .find(|candidate| !taken(candidate))
        .expect("an unbounded range of suffixes has a free one")
}

/// A program array behind `return other_program(ctx)` tail calls.
///
/// The kernel lets one program array serve programs of one type only, so
/// there is a table per program type that tail-calls (`prog_array` when a
/// single type does, else `prog_array_xdp`, `prog_array_tc`, ...).
/// Userspace must store the fd of `targets[i]` at index `i` of the map
/// `map_name` before attaching (see ARCHITECTURE.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TailCallTable {
    /// The `BPF_MAP_TYPE_PROG_ARRAY` map's C name.
    pub map_name: String,
    /// The kernel program type of every program in the table (their
    /// descriptors' `program_type`).
    pub program_type: &'static str,
    /// Every program of that type some program tail-calls, in declaration
    /// order: the index of a program in this list is its slot in the map.
    pub targets: Vec<FunctionId>,
}

/// The tail-call program arrays of `program`, by program type.
pub fn tail_call_tables(program: &Program) -> Vec<TailCallTable> {
    // By the first kind (in table order) of each kernel program type.
    let mut targets: BTreeMap<ProgramKind, BTreeSet<FunctionId>> = BTreeMap::new();
    for function in &program.functions {
        if function.kind.target() != Target::Ebpf {
            continue;
        }
        walk_block_exprs(&function.body, &mut |expr| {
            if let ExprKind::Call {
                callee: Callee::TailCall(target),
                ..
            } = &expr.kind
            {
                if let Some(decl) = program.function(*target).kind.program() {
                    targets.entry(decl.kind).or_default().insert(*target);
                }
            }
        });
    }
    let single = targets.len() == 1;
    targets
        .into_iter()
        .map(|(kind, targets)| {
            let descriptor = kind.descriptor();
            let base = if single {
                "prog_array".to_string()
            } else {
                format!("prog_array_{}", descriptor.attribute)
            };
            let map_name = first_free(&base, |name| {
                program.maps.iter().any(|map| map.name == name)
                    || program.globals.iter().any(|global| global.name == name)
                    || program
                        .functions
                        .iter()
                        .any(|function| function.name == name)
            });
            TailCallTable {
                map_name,
                program_type: descriptor.program_type,
                targets: targets.into_iter().collect(),
            }
        })
        .collect()
}

/// The name of the one-entry array map holding the `pin var` globals
/// (`pinned_globals` unless a user item has that name), if there are any.
/// Its value is `struct pinned_globals` (same name as the map), whose
/// fields are the pinned globals in declaration order.
pub fn pinned_globals_map(program: &Program) -> Option<String> {
    if !program.globals.iter().any(|global| global.pinned) {
        return None;
    }
    Some(first_free("pinned_globals", |name| {
        program.maps.iter().any(|map| map.name == name)
            || program.globals.iter().any(|global| global.name == name)
            || program
                .functions
                .iter()
                .any(|function| function.name == name)
            || program.structs.iter().any(|def| def.name == name)
    }))
}
