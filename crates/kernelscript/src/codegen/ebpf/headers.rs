//! Which headers the object includes, which kernel types its kernel
//! header must define, and which kernel constants it must define itself.
//!
//! Objects whose program kinds need no kernel types (XDP, TC, raw
//! tracepoints, helpers) use the UAPI headers listed in ARCHITECTURE.md,
//! plus the protocol headers (`linux/ip.h`, ...) of the kernel structs
//! they use. Objects with tracing programs, or using kernel types no UAPI
//! header declares, include their kernel header `NAME.vmlinux.h` instead
//! (written from BTF by `codegen::kernel_header` with the roots
//! `kernel_type_roots` lists; the two must never be mixed). Kernel
//! constants are only named; those no included header defines (UAPI
//! macros such as `TC_ACT_OK`, which BTF cannot hold) get a guarded
//! `#define` with the value the checker knows.

use std::collections::BTreeSet;

use crate::ir::{ConstId, EnumId, ExprKind, FunctionKind, Origin, Program, StructId, Type};
use crate::kinds::Signature;

use crate::ir::visit;

/// The includes every object starts with in UAPI mode (ARCHITECTURE.md).
const UAPI_BASE: &[&str] = &[
    "linux/types.h",
    "linux/bpf.h",
    "linux/pkt_cls.h",
    "bpf/bpf_helpers.h",
    "bpf/bpf_endian.h",
];

/// The includes of an object with a kernel header (after it).
const VMLINUX_BASE: &[&str] = &[
    "bpf/bpf_helpers.h",
    "bpf/bpf_tracing.h",
    "bpf/bpf_core_read.h",
    "bpf/bpf_endian.h",
];

/// UAPI header declaring a kernel struct, for the structs networking
/// programs commonly parse. `None`: only `vmlinux.h` has it.
fn uapi_header_of_struct(name: &str) -> Option<&'static str> {
    Some(match name {
        "ethhdr" => "linux/if_ether.h",
        "iphdr" => "linux/ip.h",
        "ipv6hdr" => "linux/ipv6.h",
        "udphdr" => "linux/udp.h",
        "tcphdr" => "linux/tcp.h",
        "icmphdr" => "linux/icmp.h",
        "icmp6hdr" => "linux/icmpv6.h",
        "bpf_perf_event_data" => "linux/bpf_perf_event.h",
        // Only the structs the UAPI header defines: a kernel-internal
        // `bpf_*` struct (`bpf_link`, `bpf_map`) comes from the kernel
        // header, or a map of it would hold an incomplete type.
        _ if crate::kernel::USERSPACE_HEADER_STRUCTS.contains(&name) => "linux/bpf.h",
        _ => return None,
    })
}

/// UAPI header defining a kernel enum.
fn uapi_header_of_enum(name: &str) -> Option<&'static str> {
    (name == "xdp_action" || name.starts_with("bpf_")).then_some("linux/bpf.h")
}

/// UAPI header defining a kernel constant (macro or enumerator).
fn uapi_header_of_const(name: &str) -> Option<&'static str> {
    let prefixed = |prefix: &str| name.starts_with(prefix);
    if prefixed("TC_ACT_") {
        Some("linux/pkt_cls.h")
    } else if prefixed("XDP_") || prefixed("BPF_") {
        Some("linux/bpf.h")
    } else if prefixed("ETH_P_") || matches!(name, "ETH_ALEN" | "ETH_HLEN" | "ETH_DATA_LEN") {
        Some("linux/if_ether.h")
    } else if prefixed("IPPROTO_") {
        Some("linux/in.h")
    } else {
        None
    }
}

/// Enumerators of the kernel's BTF that generated code names (map types,
/// update flags, map flags): their enums are always in the kernel header.
const GENERATED_CONSTANTS: &[&str] = &["BPF_MAP_TYPE_HASH", "BPF_ANY", "BPF_F_NO_PREALLOC"];

/// Whether the kernel header defines kernel constant `name`: it does for
/// the enumerators of the kernel's BTF (their enums are roots), never for
/// UAPI macros (`TC_ACT_*`).
fn kernel_header_has_const(program: &Program, name: &str) -> bool {
    program
        .kernel
        .as_ref()
        .is_some_and(|kernel| kernel.0.enum_constant(name).is_some())
}

/// The BTF types the kernel header of `program`'s object must define: the
/// kernel structs, unions, typedefs and enums its eBPF side uses, the
/// enums of the kernel constants it names, the struct_ops types it
/// implements, and the types its program kinds' entry macros read
/// (`pt_regs`). Sorted, without duplicates.
pub fn kernel_type_roots(program: &Program, btf: &btf::Btf) -> Vec<btf::TypeId> {
    let ebpf_functions: Vec<usize> = program
        .functions
        .iter()
        .enumerate()
        .filter(|(_, function)| {
            function.kind.target() == crate::ir::Target::Ebpf
                && function.kind != FunctionKind::Kfunc
        })
        .map(|(index, _)| index)
        .collect();
    let usage = usage(program, &ebpf_functions);
    let mut roots = Vec::new();
    for id in &usage.structs {
        if let Some(kernel) = &program.struct_def(*id).kernel {
            if kernel.spelling != crate::ir::KernelSpelling::Anonymous {
                roots.push(btf::TypeId(kernel.btf_id));
            }
        }
    }
    for id in &usage.enums {
        if let Some(kernel) = &program.enum_def(*id).kernel {
            roots.push(btf::TypeId(kernel.btf_id));
        }
    }
    for id in &usage.consts {
        if let Some(constant) = btf.enum_constant(&program.const_def(*id).name) {
            roots.push(constant.enum_id);
        }
    }
    for name in GENERATED_CONSTANTS {
        if let Some(constant) = btf.enum_constant(name) {
            roots.push(constant.enum_id);
        }
    }
    for ops in &program.struct_ops {
        if let Some(id) = btf.find_by_name(btf::TypeKind::Struct, &ops.ops_type) {
            roots.push(id);
        }
    }
    for name in &usage.entry_types {
        if let Some(id) = btf.find_by_name(btf::TypeKind::Struct, name) {
            roots.push(id);
        }
    }
    roots.sort_unstable();
    roots.dedup();
    roots
}

#[derive(Clone, Debug, Default)]
pub(super) struct Headers {
    /// `#include "NAME.vmlinux.h"` instead of UAPI headers.
    pub(super) vmlinux: bool,
    /// `<...>` includes, in order.
    pub(super) includes: Vec<&'static str>,
    /// Kernel constants to define under `#ifndef`.
    pub(super) guarded_consts: Vec<ConstId>,
    /// The user structs the eBPF side uses (others are userspace-only and
    /// not emitted).
    pub(super) user_structs: BTreeSet<StructId>,
}

/// Kernel items and features an object's eBPF side uses.
#[derive(Default)]
struct Usage {
    structs: BTreeSet<StructId>,
    user_structs: BTreeSet<StructId>,
    kernel_provided: BTreeSet<StructId>,
    enums: BTreeSet<EnumId>,
    consts: BTreeSet<ConstId>,
    bool_type: bool,
    tracing: bool,
    /// Kernel structs the entry macros of the object's program kinds read
    /// (`pt_regs`).
    entry_types: BTreeSet<&'static str>,
}

/// Whether an object made of the eBPF functions `ebpf_functions` needs
/// the kernel's own types (`vmlinux.h`): a program kind that needs them, or
/// a kernel struct or enum no UAPI header declares. Decided once, for the
/// outputs plan (`codegen::plan`).
pub fn needs_kernel_types(program: &Program, ebpf_functions: &[usize]) -> bool {
    let usage = usage(program, ebpf_functions);
    usage.tracing
        || usage
            .structs
            .iter()
            .any(|id| uapi_header_of_struct(&program.struct_def(*id).name).is_none())
        || usage
            .enums
            .iter()
            .any(|id| uapi_header_of_enum(&program.enum_def(*id).name).is_none())
}

/// The headers of an object made of `ebpf_functions`; `vmlinux` is the
/// plan's `needs_kernel_types`; `generated_bool` says whether generated
/// code (not the program's own) spells `bool`.
pub(super) fn headers(
    program: &Program,
    ebpf_functions: &[usize],
    vmlinux: bool,
    generated_bool: bool,
) -> Headers {
    let mut usage = usage(program, ebpf_functions);
    usage.bool_type |= generated_bool;
    let mut extra = BTreeSet::new();
    for id in &usage.structs {
        if let Some(header) = uapi_header_of_struct(&program.struct_def(*id).name) {
            extra.insert(header);
        }
    }
    let mut guarded_consts = Vec::new();
    for id in &usage.consts {
        let name = &program.const_def(*id).name;
        if vmlinux {
            if !kernel_header_has_const(program, name) {
                guarded_consts.push(*id);
            }
        } else {
            match uapi_header_of_const(name) {
                Some(header) => {
                    extra.insert(header);
                }
                None => guarded_consts.push(*id),
            }
        }
    }
    let includes = if vmlinux {
        let mut includes = VMLINUX_BASE.to_vec();
        if usage.bool_type {
            // After the kernel header, whose `typedef _Bool bool` it
            // would otherwise break.
            includes.push("stdbool.h");
        }
        includes
    } else {
        let mut includes: Vec<&'static str> = UAPI_BASE[..3].to_vec();
        includes.extend(
            extra
                .into_iter()
                .filter(|header| !UAPI_BASE.contains(header)),
        );
        if usage.bool_type {
            includes.push("stdbool.h");
        }
        includes.extend(&UAPI_BASE[3..]);
        includes
    };
    Headers {
        vmlinux,
        includes,
        guarded_consts,
        user_structs: usage.user_structs,
    }
}

fn usage(program: &Program, ebpf_functions: &[usize]) -> Usage {
    let mut usage = Usage::default();
    // Types spelled in the C text; `bool` only matters among these.
    let mut types: Vec<&Type> = Vec::new();
    // Types of expressions, which only matter for the kernel types they use.
    let mut expr_types: Vec<&Type> = Vec::new();
    for map in &program.maps {
        types.push(&map.key);
        types.push(&map.value);
    }
    types.extend(program.globals.iter().map(|global| &global.ty));
    for config in &program.configs {
        types.extend(config.fields.iter().map(|field| &field.ty));
    }
    // `extern` and `@kfunc` declarations spell their signatures.
    for def in &program.externs {
        types.push(&def.ret);
        types.extend(def.params.iter().map(|(_, ty)| ty));
    }
    for function in &program.functions {
        if function.kind == FunctionKind::Kfunc {
            types.push(&function.ret);
            types.extend(
                function
                    .params
                    .iter()
                    .map(|param| &function.local(*param).ty),
            );
        }
    }
    // A struct_ops impl defines a variable of the kernel's type, methods
    // or none.
    usage.tracing |= !program.struct_ops.is_empty();
    for function in ebpf_functions
        .iter()
        .map(|index| &program.functions[*index])
    {
        let descriptor = function.kind.program().map(|decl| decl.descriptor());
        usage.tracing |= descriptor.is_some_and(|descriptor| descriptor.needs_kernel_types)
            || matches!(function.kind, FunctionKind::StructOpsMethod { .. });
        if let Some(decl) = function.kind.program() {
            usage
                .entry_types
                .extend(decl.descriptor().entry_types.iter().copied());
        }
        if descriptor.is_some_and(|descriptor| descriptor.signature == Signature::TracepointRecord)
        {
            // The trace event struct a tracepoint program receives is the
            // kernel's (`vmlinux.h` defines it), even when the source
            // declares it to name its fields.
            for param in &function.params {
                if let Some(Type::Struct(id)) = function.local(*param).ty.pointee() {
                    usage.kernel_provided.insert(*id);
                }
            }
        }
        usage.bool_type |= has_nested_defer(&function.body.stmts, 0);
        types.push(&function.ret);
        types.extend(function.locals.iter().map(|local| &local.ty));
        visit::walk_block_exprs(&function.body, &mut |expr| {
            expr_types.push(&expr.ty);
            match &expr.kind {
                ExprKind::Cast(_)
                | ExprKind::StructLit { .. }
                | ExprKind::ArrayLit(_)
                | ExprKind::Match { .. } => types.push(&expr.ty),
                _ => {}
            }
            match &expr.kind {
                ExprKind::Const(id) if program.const_def(*id).origin == Origin::Kernel => {
                    usage.consts.insert(*id);
                }
                ExprKind::Sizeof(ty) => types.push(ty),
                ExprKind::Bool(_) => usage.bool_type = true,
                _ => {}
            }
        });
    }
    // (type, whether the C text spells it)
    let mut pending: Vec<(&Type, bool)> = types.into_iter().map(|ty| (ty, true)).collect();
    pending.extend(expr_types.into_iter().map(|ty| (ty, false)));
    while let Some((ty, spelled)) = pending.pop() {
        match ty {
            Type::Bool => usage.bool_type |= spelled,
            Type::Array(inner, _) | Type::Pointer(inner) => pending.push((inner, spelled)),
            Type::Function(function) => {
                pending.push((&function.ret, spelled));
                pending.extend(function.params.iter().map(|param| (param, spelled)));
            }
            Type::Struct(id) => {
                let def = program.struct_def(*id);
                if def.origin == Origin::Kernel || usage.kernel_provided.contains(id) {
                    usage.structs.insert(*id);
                } else if usage.user_structs.insert(*id) {
                    // User structs are defined in the C text.
                    pending.extend(def.fields.iter().map(|field| (&field.ty, true)));
                }
            }
            Type::Enum(id) if program.enum_def(*id).origin == Origin::Kernel => {
                usage.enums.insert(*id);
            }
            _ => {}
        }
    }
    // Global initialisers and config defaults may name kernel constants too.
    let initialisers = program
        .globals
        .iter()
        .filter_map(|global| global.init.as_ref())
        .chain(program.configs.iter().flat_map(|config| {
            config
                .fields
                .iter()
                .filter_map(|field| field.default.as_ref())
        }));
    for init in initialisers {
        visit::walk_exprs(init, &mut |expr| match &expr.kind {
            ExprKind::Const(id) if program.const_def(*id).origin == Origin::Kernel => {
                usage.consts.insert(*id);
            }
            ExprKind::Bool(_) => usage.bool_type = true,
            _ => {}
        });
    }
    usage
}

/// Whether a `defer` sits in a nested block (its flag is a `bool`).
fn has_nested_defer(stmts: &[crate::ir::Stmt], depth: usize) -> bool {
    stmts.iter().any(|stmt| {
        (depth > 0 && matches!(stmt.kind, crate::ir::StmtKind::Defer(_)))
            || visit::child_blocks(stmt)
                .iter()
                .any(|block| has_nested_defer(&block.stmts, depth + 1))
    })
}
