//! File-scope items: kernel constants the headers lack, the user types and
//! constants the eBPF side uses (`codegen::c::items`), BTF-defined maps,
//! shared globals, config blocks, struct_ops instances, `extern` kfunc
//! declarations.
//!
//! Only user-origin types and constants are defined here; kernel-origin ones
//! come from the included headers (see `headers.rs`). Layout conventions
//! userspace relies on (global and config placement, pinning) are the ones
//! in ARCHITECTURE.md.

use std::collections::{BTreeMap, BTreeSet};

use crate::codegen::c::constant::initializer;
use crate::codegen::c::items::{
    config_struct_tag, write_config_struct, write_constants, write_enum, write_structs,
};
use crate::codegen::c::names::{clash, Names, Output, Place};
use crate::codegen::c::types::Types;
use crate::codegen::c::{const_literal, CWriter, Precedence};
use crate::codegen::plan::TailCallTable;
use crate::ir::{
    ConfigId, ConstId, EnumId, ExprKind, FunctionId, MapFlag, MapId, MapKind, Origin, Program,
    StructId, StructOpsId, Type,
};

/// `#ifndef NAME / #define NAME VALUE / #endif` for kernel constants no
/// included header provides.
pub(super) fn emit_kernel_consts(out: &mut CWriter, program: &Program, consts: &[ConstId]) {
    if consts.is_empty() {
        return;
    }
    out.blank_line();
    out.line("/* Kernel constants the included headers do not define. */");
    for id in consts {
        let def = program.const_def(*id);
        let literal = const_literal(def.value, &def.ty, def.radix);
        // A macro body: keep `-5` one operand wherever it lands.
        let value = literal.at(Precedence::POSTFIX);
        out.unindented(format!("#ifndef {}", def.name));
        out.unindented(format!("#define {} {value}", def.name));
        out.unindented("#endif");
    }
}

/// The user constants, enums and structs the object uses, and the structs
/// of its config blocks.
pub(super) fn emit_user_items(
    out: &mut CWriter,
    types: &Types,
    user_structs: &BTreeSet<StructId>,
    ebpf_functions: &[usize],
) {
    let program = types.program;
    let consts = used_consts(program, ebpf_functions);
    write_constants(out, types, &consts);
    for (index, def) in program.enums.iter().enumerate() {
        if def.origin == Origin::Source {
            write_enum(out, types, EnumId(index as u32));
        }
    }
    let ids: Vec<StructId> = user_structs.iter().copied().collect();
    write_structs(out, types, &ids, &mut BTreeSet::new());
    for index in 0..program.configs.len() {
        write_config_struct(out, types, ConfigId(index as u32));
    }
}

/// The user constants the eBPF functions and file-scope initialisers name.
fn used_consts(program: &Program, ebpf_functions: &[usize]) -> Vec<ConstId> {
    let mut used = BTreeSet::new();
    let mut note = |expr: &crate::ir::Expr| {
        if let ExprKind::Const(id) = expr.kind {
            if program.const_def(id).origin == Origin::Source {
                used.insert(id);
            }
        }
    };
    for index in ebpf_functions {
        crate::ir::visit::walk_block_exprs(&program.functions[*index].body, &mut note);
    }
    let initialisers = program
        .globals
        .iter()
        .filter_map(|global| global.init.as_ref())
        .chain(program.configs.iter().flat_map(|config| {
            config
                .fields
                .iter()
                .filter_map(|field| field.default.as_ref())
        }))
        .chain(
            program
                .struct_ops
                .iter()
                .flat_map(|def| def.fields.iter().map(|(_, value)| value)),
        );
    for init in initialisers {
        crate::ir::visit::walk_exprs(init, &mut note);
    }
    used.into_iter().collect()
}

/// BTF-defined maps in `SEC(".maps")`, then the tail-call program array.
pub(super) fn emit_maps(
    out: &mut CWriter,
    types: &Types,
    tail_calls: &[TailCallTable],
    object_values: &BTreeMap<MapId, String>,
) {
    let program = types.program;
    for (index, map) in program.maps.iter().enumerate() {
        let name = types.names.map(MapId(index as u32));
        let object_value = object_values.get(&MapId(index as u32));
        if let (Some(value), Type::Pointer(object)) = (object_value, &map.value) {
            // A referenced kptr: BTF type tag "kptr" (kernel >= 6.3 reads
            // it so; clang >= 15 writes it to BTF), spelled out rather than
            // libbpf's version-dependent `__kptr`.
            out.blank_line();
            out.line(format!(
                "/* The value of `{}`, a map of objects. */",
                map.name
            ));
            out.open_block(format!("struct {value}"));
            out.line(format!(
                "{} __attribute__((btf_type_tag(\"kptr\"))) *object;",
                types.name(object)
            ));
            out.close_block_with(";");
        }
        out.blank_line();
        out.open_block("struct");
        out.line(format!("__uint(type, {});", map.kind.bpf_map_type()));
        // 0: libbpf sizes a perf event array to the possible CPUs.
        if map.max_entries != 0 {
            out.line(format!("__uint(max_entries, {});", map.max_entries));
        }
        match map.kind {
            MapKind::Ringbuf => {}
            MapKind::ProgArray | MapKind::PerfEventArray => {
                out.line("__uint(key_size, sizeof(__u32));");
                out.line("__uint(value_size, sizeof(__u32));");
            }
            // By size: the kernel takes no BTF types for stack maps.
            MapKind::StackTrace => {
                out.line("__uint(key_size, sizeof(__u32));");
                out.line(format!(
                    "__uint(value_size, sizeof({}));",
                    types.name(&map.value)
                ));
            }
            _ => {
                out.line(format!("__type(key, {});", types.name(&map.key)));
                match object_value {
                    Some(value) => out.line(format!("__type(value, struct {value});")),
                    None => out.line(format!("__type(value, {});", types.name(&map.value))),
                }
            }
        }
        let mut flags: Vec<&str> = map.flags.iter().map(|flag| flag_name(*flag)).collect();
        // The kernel refuses an LPM trie without this flag.
        if map.kind == MapKind::LpmTrie && !flags.contains(&"BPF_F_NO_PREALLOC") {
            flags.insert(0, "BPF_F_NO_PREALLOC");
        }
        if !flags.is_empty() {
            out.line(format!("__uint(map_flags, {});", flags.join(" | ")));
        }
        for flag in &map.flags {
            if let MapFlag::NumaNode(node) = flag {
                out.line(format!("__uint(numa_node, {node});"));
            }
        }
        if map.pinned {
            out.line("__uint(pinning, LIBBPF_PIN_BY_NAME);");
        }
        out.close_block_with(format!(" {name} SEC(\".maps\");"));
    }
    for table in tail_calls {
        out.blank_line();
        out.line(format!(
            "/* Tail-call targets; userspace stores each program's fd at its index: {}. */",
            table
                .targets
                .iter()
                .enumerate()
                .map(|(index, id)| format!("{index} = {}", types.names.function(*id)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        out.open_block("struct");
        out.line("__uint(type, BPF_MAP_TYPE_PROG_ARRAY);");
        out.line(format!("__uint(max_entries, {});", table.targets.len()));
        out.line("__uint(key_size, sizeof(__u32));");
        out.line("__uint(value_size, sizeof(__u32));");
        out.close_block_with(format!(" {} SEC(\".maps\");", table.map_name));
    }
}

fn flag_name(flag: MapFlag) -> &'static str {
    match flag {
        MapFlag::NoPrealloc => "BPF_F_NO_PREALLOC",
        MapFlag::NoCommonLru => "BPF_F_NO_COMMON_LRU",
        MapFlag::NumaNode(_) => "BPF_F_NUMA_NODE",
        MapFlag::Rdonly => "BPF_F_RDONLY",
        MapFlag::Wronly => "BPF_F_WRONLY",
        MapFlag::RdonlyProg => "BPF_F_RDONLY_PROG",
        MapFlag::WronlyProg => "BPF_F_WRONLY_PROG",
        MapFlag::Mmapable => "BPF_F_MMAPABLE",
    }
}

/// `pin var` globals: one `struct pinned_globals` (fields in declaration
/// order) held by a one-entry array map named `map_name`. Userspace pins
/// the map at `/sys/fs/bpf/PROJECT/globals/pinned_globals`, writes the
/// declared initial values when it creates it, and reads and writes the
/// entry in place through `mmap` (hence `BPF_F_MMAPABLE`; see
/// ARCHITECTURE.md).
/// The `pin var` globals' struct and map; with `accessor`, the function
/// returning the entry (when some eBPF function uses a pinned global).
pub(super) fn emit_pinned_globals(
    out: &mut CWriter,
    types: &Types,
    map_name: &str,
    accessor: bool,
) {
    out.blank_line();
    out.line("/* `pin var` globals, kept in a one-entry map userspace pins (and maps into");
    out.line(" * its memory: BPF_F_MMAPABLE). */");
    crate::codegen::c::items::write_pinned_globals_struct(out, types, map_name);
    out.blank_line();
    out.open_block("struct");
    out.line("__uint(type, BPF_MAP_TYPE_ARRAY);");
    out.line("__uint(max_entries, 1);");
    out.line("__type(key, __u32);");
    out.line(format!("__type(value, struct {map_name});"));
    out.line("__uint(map_flags, BPF_F_MMAPABLE);");
    out.close_block_with(format!(" {map_name} SEC(\".maps\");"));
    if !accessor {
        return;
    }
    out.blank_line();
    out.line(format!(
        "static __always_inline struct {map_name} *{map_name}_entry(void)"
    ));
    out.open_block("");
    out.line("__u32 key = 0;");
    out.blank_line();
    out.line(format!("return bpf_map_lookup_elem(&{map_name}, &key);"));
    out.close_block();
}

/// Globals and config instances. Shared ones are plain globals in `.data`
/// (the skeleton's `skel->data`), `local` ones are `static`.
pub(super) fn emit_globals(out: &mut CWriter, types: &Types) {
    let program = types.program;
    let mut first = true;
    for (index, global) in program.globals.iter().enumerate() {
        if global.pinned {
            continue;
        }
        if first {
            out.blank_line();
            first = false;
        }
        let init = match &global.init {
            Some(init) => initializer(types, init),
            None => types.zero(&global.ty).to_string(),
        };
        let name = types.names.global(crate::ir::GlobalId(index as u32));
        let declaration = types.declaration(&global.ty, name);
        if global.local {
            out.line(format!("static {declaration} = {init};"));
        } else {
            out.line(format!("{declaration} SEC(\".data\") = {init};"));
        }
    }
    for (index, config) in program.configs.iter().enumerate() {
        let id = ConfigId(index as u32);
        out.blank_line();
        let fields: Vec<String> = config
            .fields
            .iter()
            .enumerate()
            .filter_map(|(field, def)| {
                let default = def.default.as_ref()?;
                Some(format!(
                    ".{} = {},",
                    types.names.config_field(id, field),
                    initializer(types, default)
                ))
            })
            .collect();
        let head = format!(
            "struct {} {} SEC(\".data\") =",
            config_struct_tag(types, id),
            types.names.config(id)
        );
        if fields.is_empty() {
            out.line(format!("{head} {{}};"));
        } else {
            out.open_block(head);
            for field in fields {
                out.line(field);
            }
            out.close_block_with(";");
        }
    }
}

/// `SEC(".struct_ops") struct KERNEL_TYPE NAME = { .member = (void *)method,
/// .field = value }`: one per `@struct_ops` impl block, after its methods.
/// The map takes the impl block's name (userspace attaches it).
pub(super) fn emit_struct_ops(out: &mut CWriter, types: &Types) {
    let program = types.program;
    for (index, def) in program.struct_ops.iter().enumerate() {
        let name = types.names.struct_ops(StructOpsId(index as u32));
        out.blank_line();
        out.line("SEC(\".struct_ops\")");
        out.open_block(format!("struct {} {name} =", def.ops_type));
        for (member, method) in &def.methods {
            let function = program.function(*method);
            let method_name = match &function.kind {
                crate::ir::FunctionKind::StructOpsMethod { impl_name } => {
                    super::struct_ops_method_name(impl_name, &function.name)
                }
                _ => types.names.function(*method).to_string(),
            };
            out.line(format!(".{member} = (void *){method_name},"));
        }
        for (field, value) in &def.fields {
            out.line(format!(".{field} = {},", initializer(types, value)));
        }
        out.close_block_with(";");
    }
}

/// `extern ... __ksym` declarations: the user's `extern` kernel functions,
/// and the `@kfunc` functions of the generated kernel module that eBPF code
/// calls (`kfuncs`). Parameter names are C-safe spellings of the source's.
pub(super) fn emit_externs(out: &mut CWriter, types: &Types, kfuncs: &[FunctionId]) {
    let program = types.program;
    let parameters = |params: &mut dyn Iterator<Item = (&str, &crate::ir::Type)>| {
        let mut names = Names::new();
        let params: Vec<String> = params
            .map(|(name, ty)| {
                let clashes = clash(name, Place::Local, Output::Ebpf).is_some();
                types.declaration(ty, &names.user(name, clashes))
            })
            .collect();
        if params.is_empty() {
            "void".to_string()
        } else {
            params.join(", ")
        }
    };
    let mut declarations = Vec::new();
    for (index, def) in program.externs.iter().enumerate() {
        let name = types.names.extern_name(crate::ir::ExternId(index as u32));
        let params = parameters(&mut def.params.iter().map(|(name, ty)| (name.as_str(), ty)));
        declarations.push((types.declaration(&def.ret, name), params));
    }
    for id in kfuncs {
        let function = program.function(*id);
        let params = parameters(&mut function.params.iter().map(|param| {
            let local = function.local(*param);
            (local.name.as_str(), &local.ty)
        }));
        declarations.push((
            types.declaration(&function.ret, types.names.function(*id)),
            params,
        ));
    }
    if !declarations.is_empty() {
        out.blank_line();
    }
    for (declaration, params) in declarations {
        out.line(format!("extern {declaration}({params}) __ksym;"));
    }
}
