//! C spelling of KernelScript types in the userspace program, and the
//! definitions of the structs, enums and config blocks it shares with the
//! eBPF object.
//!
//! Shared types are spelled exactly as in the eBPF C (`__u32`, `struct S`,
//! `char name[N]` for `str(N)`) because the skeleton header names them and
//! map values cross the boundary byte for byte. These definitions come
//! before `#include "NAME.skel.h"`, which uses them.

use std::collections::BTreeSet;

use crate::ir::{self, FunctionType, Origin, Program, StructId, Type};

use crate::codegen::c::CWriter;

/// Structs that `<linux/bpf.h>` (pulled in by libbpf's headers) already
/// defines. A kernel struct (`Origin::Kernel`) in this list is never
/// defined here, whoever declared its fields (a BTF-generated `.kh`
/// header, say). A kernel struct outside it that userspace uses by value
/// (a tracepoint record in a ring buffer) is in no header userspace
/// includes, so it is defined from its declared fields.
const UAPI_STRUCTS: &[&str] = &[
    "xdp_md",
    "__sk_buff",
    "bpf_sock",
    "bpf_sock_tuple",
    "bpf_sock_ops",
    "bpf_sock_addr",
    "bpf_sockopt",
    "bpf_sk_lookup",
    "bpf_sysctl",
    "bpf_flow_keys",
    "bpf_fib_lookup",
    "bpf_tunnel_key",
    "bpf_xfrm_state",
    "bpf_spin_lock",
    "bpf_timer",
    "bpf_dynptr",
    "bpf_list_head",
    "bpf_list_node",
    "bpf_rb_root",
    "bpf_rb_node",
    "bpf_perf_event_value",
    "bpf_pidns_info",
    "bpf_redir_neigh",
    "bpf_devmap_val",
    "bpf_cpumap_val",
    "bpf_raw_tracepoint_args",
    "sk_msg_md",
    "sk_reuseport_md",
];

/// The initializer that zeroes a `ty` object.
pub fn zero_initializer(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "false",
        Type::Pointer(_) | Type::Null | Type::Function(_) => "NULL",
        Type::Str(_) => "\"\"",
        Type::Struct(_) | Type::Array(..) => "{0}",
        _ => "0",
    }
}

/// `str(N)` and `T[N]`: values C cannot assign, pass or return by value.
pub fn is_array_like(ty: &Type) -> bool {
    matches!(ty, Type::Str(_) | Type::Array(..))
}

/// The C type name without declarator parts, for types that have one.
fn base_name(program: &Program, ty: &Type) -> String {
    match ty {
        Type::Void => "void".into(),
        Type::Bool => "bool".into(),
        Type::Char => "char".into(),
        Type::Int(int) => int.c_name().into(),
        Type::Struct(id) => format!("struct {}", program.struct_def(*id).name),
        Type::Enum(id) => {
            let def = program.enum_def(*id);
            match def.origin {
                Origin::Source => format!("enum {}", def.name),
                // Kernel enums may not exist in userspace headers; an int has
                // the same size and holds every value.
                Origin::Kernel => "int".into(),
            }
        }
        // Program references are indices into the generated program table;
        // handles are program file descriptors.
        // Perf attachments are indices into the attachment array.
        Type::ProgramRef(_) | Type::ProgramHandle | Type::PerfAttachment => "int".into(),
        Type::Null => "void *".into(),
        Type::Map(_) | Type::StructOps(_) | Type::Error => {
            panic!("internal error: userspace codegen met a value of type {ty:?}")
        }
        Type::Str(_) | Type::Array(..) | Type::Pointer(_) | Type::Function(_) => {
            unreachable!("declarator types have no base name")
        }
    }
}

/// `ty name` as a C declaration (`__u8 buf[16]`, `int (*cb)(void *)`).
/// An empty `name` gives an abstract declarator (for casts and `sizeof`).
pub fn declaration(program: &Program, ty: &Type, name: &str) -> String {
    let text = declarator(program, ty, name.to_string());
    text.trim_end().to_string()
}

/// The type alone, as in a cast: `(__u32)`, `(struct S *)`.
pub fn type_name(program: &Program, ty: &Type) -> String {
    declaration(program, ty, "")
}

fn declarator(program: &Program, ty: &Type, inner: String) -> String {
    match ty {
        Type::Pointer(pointee) => {
            let inner = format!("*{inner}");
            match pointee.as_ref() {
                Type::Array(..) | Type::Str(_) | Type::Function(_) => {
                    declarator(program, pointee, format!("({inner})"))
                }
                _ => declarator(program, pointee, inner),
            }
        }
        Type::Array(element, len) => declarator(program, element, format!("{inner}[{len}]")),
        Type::Str(len) => join("char", &format!("{inner}[{len}]")),
        // A KernelScript function type is a function pointer in C.
        Type::Function(function) => {
            let params = parameter_types(program, function);
            declarator(program, &function.ret, format!("(*{inner})({params})"))
        }
        Type::Null => join("void", &format!("*{inner}")),
        _ => join(&base_name(program, ty), &inner),
    }
}

fn join(base: &str, inner: &str) -> String {
    if inner.is_empty() {
        base.to_string()
    } else if inner.starts_with('*') && base.ends_with('*') {
        format!("{base}{inner}")
    } else {
        format!("{base} {inner}")
    }
}

fn parameter_types(program: &Program, function: &FunctionType) -> String {
    if function.params.is_empty() {
        return "void".into();
    }
    function
        .params
        .iter()
        .map(|param| parameter_declaration(program, param, ""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A parameter declaration. Strings are passed as `const char *` (the
/// callee copies one before writing to it).
pub fn parameter_declaration(program: &Program, ty: &Type, name: &str) -> String {
    match ty {
        Type::Str(_) => join("const char", &format!("*{name}"))
            .trim_end()
            .to_string(),
        _ => declaration(program, ty, name),
    }
}

/// The `#include`-free definition order of the structs userspace needs:
/// every source struct, plus kernel structs outside `UAPI_STRUCTS` used by
/// value by those (or by `extra_roots`), dependencies first.
pub fn structs_to_define(program: &Program, extra_roots: &[Type]) -> Vec<StructId> {
    let mut order = Vec::new();
    let mut visited = BTreeSet::new();
    for (index, def) in program.structs.iter().enumerate() {
        if def.origin == Origin::Source && def.struct_ops.is_none() {
            visit_struct(program, StructId(index as u32), &mut visited, &mut order);
        }
    }
    for root in extra_roots {
        visit_type(program, root, &mut visited, &mut order);
    }
    order
}

/// Kernel structs that userspace functions point to (parameters, results,
/// locals) but that no header userspace includes declares and that are not
/// in `defined`: declared up front, so a pointer parameter does not declare
/// a new struct scoped to its prototype.
pub fn structs_to_forward_declare<'p>(program: &'p Program, defined: &[StructId]) -> Vec<&'p str> {
    let mut pointed = BTreeSet::new();
    for function in &program.functions {
        if function.kind.target() != ir::Target::Userspace {
            continue;
        }
        let types = function
            .locals
            .iter()
            .map(|local| &local.ty)
            .chain(std::iter::once(&function.ret));
        for ty in types {
            collect_pointees(ty, &mut pointed);
        }
    }
    pointed
        .into_iter()
        .filter(|id| !defined.contains(id))
        .map(|id| program.struct_def(id))
        .filter(|def| def.origin == Origin::Kernel && !provided_by_headers(def))
        .map(|def| def.name.as_str())
        .collect()
}

fn collect_pointees(ty: &Type, pointed: &mut BTreeSet<StructId>) {
    match ty {
        Type::Pointer(inner) => match &**inner {
            Type::Struct(id) => {
                pointed.insert(*id);
            }
            other => collect_pointees(other, pointed),
        },
        Type::Array(element, _) => collect_pointees(element, pointed),
        Type::Function(function) => {
            for param in &function.params {
                collect_pointees(param, pointed);
            }
            collect_pointees(&function.ret, pointed);
        }
        _ => {}
    }
}

fn visit_struct(
    program: &Program,
    id: StructId,
    visited: &mut BTreeSet<StructId>,
    order: &mut Vec<StructId>,
) {
    if !visited.insert(id) {
        return;
    }
    let def = program.struct_def(id);
    // The header defines its field types too.
    if provided_by_headers(def) {
        return;
    }
    for field in &def.fields {
        visit_type(program, &field.ty, visited, order);
    }
    if def.struct_ops.is_none() {
        order.push(id);
    }
}

/// Whether the headers userspace includes define `def`.
fn provided_by_headers(def: &ir::StructDef) -> bool {
    def.origin == Origin::Kernel && UAPI_STRUCTS.contains(&def.name.as_str())
}

/// Follows by-value uses only: a pointer to a struct needs no definition.
fn visit_type(
    program: &Program,
    ty: &Type,
    visited: &mut BTreeSet<StructId>,
    order: &mut Vec<StructId>,
) {
    match ty {
        Type::Struct(id) => visit_struct(program, *id, visited, order),
        Type::Array(element, _) => visit_type(program, element, visited, order),
        _ => {}
    }
}

pub fn write_struct(writer: &mut CWriter, program: &Program, id: StructId) {
    let def = program.struct_def(id);
    writer.open_block(format!("struct {}", def.name));
    for field in &def.fields {
        writer.line(format!("{};", declaration(program, &field.ty, &field.name)));
    }
    writer.close_block_with(";");
}

pub fn write_enum(writer: &mut CWriter, def: &ir::EnumDef) {
    writer.open_block(format!("enum {}", def.name));
    for variant in &def.variants {
        writer.line(format!("{} = {},", variant.name, variant.value));
    }
    writer.close_block_with(";");
}

/// `struct NAME_config { ... };`: the layout of a `config NAME` block, as
/// the eBPF object declares it.
pub fn write_config_struct(writer: &mut CWriter, program: &Program, config: &ir::ConfigDef) {
    writer.open_block(format!("struct {}", config_struct_name(config)));
    for field in &config.fields {
        writer.line(format!("{};", declaration(program, &field.ty, &field.name)));
    }
    writer.close_block_with(";");
}

pub fn config_struct_name(config: &ir::ConfigDef) -> String {
    format!("{}_config", config.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{FieldDef, IntType, StructDef};
    use crate::span::Span;

    fn program_with_struct() -> Program {
        let mut program = Program::default();
        program.structs.push(StructDef {
            name: "Event".into(),
            fields: vec![FieldDef {
                name: "pid".into(),
                ty: Type::Int(IntType::U32),
            }],
            origin: Origin::Source,
            struct_ops: None,
            kernel: None,
            span: Span::default(),
        });
        program
    }

    #[test]
    fn declarators_nest_like_c() {
        let program = program_with_struct();
        let u8_ty = Type::Int(IntType::U8);
        assert_eq!(
            declaration(&program, &Type::Array(Box::new(u8_ty.clone()), 4), "buf"),
            "__u8 buf[4]"
        );
        assert_eq!(
            declaration(&program, &Type::Str(16), "name"),
            "char name[16]"
        );
        assert_eq!(
            declaration(
                &program,
                &Type::Pointer(Box::new(Type::Struct(StructId(0)))),
                "event"
            ),
            "struct Event *event"
        );
        let callback = Type::Function(Box::new(FunctionType {
            params: vec![Type::Pointer(Box::new(Type::Struct(StructId(0))))],
            ret: Type::Int(IntType::I32),
            function: None,
        }));
        assert_eq!(
            declaration(&program, &callback, "handler"),
            "__s32 (*handler)(struct Event *)"
        );
        assert_eq!(
            declaration(
                &program,
                &Type::Pointer(Box::new(Type::Array(Box::new(u8_ty), 4))),
                ""
            ),
            "__u8 (*)[4]"
        );
        assert_eq!(
            parameter_declaration(&program, &Type::Str(8), "text"),
            "const char *text"
        );
    }
}
