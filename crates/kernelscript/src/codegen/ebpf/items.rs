//! File-scope items: kernel constants the headers lack, user constants,
//! enums and structs, BTF-defined maps, shared globals, config blocks,
//! `extern` kfunc declarations.
//!
//! Only user-origin types and constants are defined here; kernel-origin ones
//! come from the included headers (see `headers.rs`). Layout conventions
//! userspace relies on (global and config placement, pinning) are the ones
//! in ARCHITECTURE.md.

use std::collections::BTreeSet;

use crate::codegen::c::{char_literal, const_literal, int_literal, CWriter, Precedence};
use crate::ir::{
    ConstDef, ConstId, Expr, ExprKind, FunctionId, MapFlag, MapKind, Origin, Program, StructId,
    Type,
};

use super::types::{declaration, zero_initializer};
use crate::codegen::plan::TailCallTable;
use crate::source::SourceMap;

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
        out.unindented(format!("#ifndef {}", def.name));
        out.unindented(format!("#define {} {}", def.name, const_value(def)));
        out.unindented("#endif");
    }
}

/// User `const`s as `#define`s (usable as `case` labels and array sizes).
pub(super) fn emit_user_consts(out: &mut CWriter, program: &Program) {
    let mut first = true;
    for def in program
        .consts
        .iter()
        .filter(|def| def.origin == Origin::Source)
    {
        if first {
            out.blank_line();
            first = false;
        }
        out.unindented(format!("#define {} {}", def.name, const_value(def)));
    }
}

/// A constant's value in C, in the radix its declaration used.
fn const_value(def: &ConstDef) -> String {
    let literal = const_literal(def.value, &def.ty, def.radix);
    if literal.precedence < Precedence::POSTFIX {
        // A macro body: keep `-5` one operand wherever it lands.
        format!("({})", literal.text)
    } else {
        literal.text
    }
}

pub(super) fn emit_enums(out: &mut CWriter, program: &Program) {
    for def in program
        .enums
        .iter()
        .filter(|def| def.origin == Origin::Source)
    {
        out.blank_line();
        out.open_block(format!("enum {}", def.name));
        for variant in &def.variants {
            out.line(format!("{} = {},", variant.name, variant.value));
        }
        out.close_block_with(";");
    }
}

/// User structs, each after the structs it contains by value.
pub(super) fn emit_structs(out: &mut CWriter, program: &Program, used: &BTreeSet<StructId>) {
    let mut done = BTreeSet::new();
    for id in used {
        emit_struct_after_dependencies(out, program, *id, &mut done);
    }
    for config in &program.configs {
        out.blank_line();
        out.open_block(format!("struct {}_config", config.name));
        for field in &config.fields {
            out.line(format!("{};", declaration(program, &field.ty, &field.name)));
        }
        out.close_block_with(";");
    }
}

fn emit_struct_after_dependencies(
    out: &mut CWriter,
    program: &Program,
    id: StructId,
    done: &mut BTreeSet<StructId>,
) {
    let def = program.struct_def(id);
    if def.origin == Origin::Kernel || def.struct_ops.is_some() || !done.insert(id) {
        return;
    }
    for field in &def.fields {
        let mut ty = &field.ty;
        while let Type::Array(element, _) = ty {
            ty = element;
        }
        if let Type::Struct(dependency) = ty {
            emit_struct_after_dependencies(out, program, *dependency, done);
        }
    }
    out.blank_line();
    out.open_block(format!("struct {}", def.name));
    for field in &def.fields {
        out.line(format!("{};", declaration(program, &field.ty, &field.name)));
    }
    out.close_block_with(";");
}

/// BTF-defined maps in `SEC(".maps")`, then the tail-call program array.
pub(super) fn emit_maps(out: &mut CWriter, program: &Program, tail_calls: &[TailCallTable]) {
    for map in &program.maps {
        out.blank_line();
        out.open_block("struct");
        out.line(format!("__uint(type, {});", map.kind.bpf_map_type()));
        out.line(format!("__uint(max_entries, {});", map.max_entries));
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
                    super::types::type_name(program, &map.value)
                ));
            }
            _ => {
                out.line(format!(
                    "__type(key, {});",
                    super::types::type_name(program, &map.key)
                ));
                out.line(format!(
                    "__type(value, {});",
                    super::types::type_name(program, &map.value)
                ));
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
        out.close_block_with(format!(" {} SEC(\".maps\");", map.name));
    }
    for table in tail_calls {
        out.blank_line();
        out.line(format!(
            "/* Tail-call targets; userspace stores each program's fd at its index: {}. */",
            table
                .targets
                .iter()
                .enumerate()
                .map(|(index, id)| format!("{index} = {}", program.function(*id).name))
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
pub(super) fn emit_pinned_globals(out: &mut CWriter, program: &Program, map_name: &str) {
    out.blank_line();
    out.line("/* `pin var` globals, kept in a one-entry map userspace pins (and maps into");
    out.line(" * its memory: BPF_F_MMAPABLE). */");
    out.open_block(format!("struct {map_name}"));
    for global in program.globals.iter().filter(|global| global.pinned) {
        out.line(format!(
            "{};",
            declaration(program, &global.ty, &global.name)
        ));
    }
    out.close_block_with(";");
    out.blank_line();
    out.open_block("struct");
    out.line("__uint(type, BPF_MAP_TYPE_ARRAY);");
    out.line("__uint(max_entries, 1);");
    out.line("__type(key, __u32);");
    out.line(format!("__type(value, struct {map_name});"));
    out.line("__uint(map_flags, BPF_F_MMAPABLE);");
    out.close_block_with(format!(" {map_name} SEC(\".maps\");"));
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
pub(super) fn emit_globals(program: &Program, sources: &SourceMap, out: &mut CWriter) {
    let mut first = true;
    let mut separate = |out: &mut CWriter| {
        if first {
            out.blank_line();
            first = false;
        }
    };
    for global in program.globals.iter().filter(|global| !global.pinned) {
        separate(out);
        let init = match &global.init {
            Some(init) => constant_initializer(program, sources, init),
            None => zero_initializer(&global.ty).to_string(),
        };
        let decl = declaration(program, &global.ty, &global.name);
        if global.local {
            out.line(format!("static {decl} = {init};"));
        } else {
            out.line(format!("{decl} SEC(\".data\") = {init};"));
        }
    }
    for config in &program.configs {
        out.blank_line();
        let fields: Vec<String> = config
            .fields
            .iter()
            .filter_map(|field| {
                let default = field.default.as_ref()?;
                Some(format!(
                    ".{} = {},",
                    field.name,
                    constant_initializer(program, sources, default)
                ))
            })
            .collect();
        let head = format!(
            "struct {}_config {} SEC(\".data\") =",
            config.name, config.name
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

/// A constant expression (checked constant by the checker) as a C
/// initialiser.
pub(super) fn constant_initializer(program: &Program, sources: &SourceMap, expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::StructLit { struct_id, fields } => {
            if fields.is_empty() {
                return "{}".to_string();
            }
            let def = program.struct_def(*struct_id);
            let fields: Vec<String> = fields
                .iter()
                .map(|(index, value)| {
                    format!(
                        ".{} = {}",
                        def.fields[*index].name,
                        constant_initializer(program, sources, value)
                    )
                })
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        ExprKind::ArrayLit(elements) => {
            if elements.is_empty() {
                return "{}".to_string();
            }
            let elements: Vec<String> = elements
                .iter()
                .map(|element| constant_initializer(program, sources, element))
                .collect();
            format!("{{ {} }}", elements.join(", "))
        }
        _ => constant_expression(program, sources, expr),
    }
}

fn constant_expression(program: &Program, sources: &SourceMap, expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Int(value, radix) => int_literal(*value, &expr.ty, *radix, false).text,
        ExprKind::Bool(value) => (if *value { "true" } else { "false" }).to_string(),
        ExprKind::Char(byte) => char_literal(*byte),
        ExprKind::Str(text) => crate::codegen::c::string_literal(text),
        ExprKind::Null => "NULL".to_string(),
        ExprKind::Const(id) => program.const_def(*id).name.clone(),
        ExprKind::EnumVariant { enum_id, variant } => {
            program.enum_def(*enum_id).variants[*variant].name.clone()
        }
        ExprKind::Sizeof(ty) => format!("sizeof({})", super::types::type_name(program, ty)),
        ExprKind::Cast(inner) => {
            format!(
                "({})({})",
                super::types::type_name(program, &expr.ty),
                constant_expression(program, sources, inner)
            )
        }
        ExprKind::Unary {
            op: crate::ir::UnaryOp::Neg,
            operand,
        } if matches!(operand.kind, ExprKind::Int(..)) => {
            let ExprKind::Int(value, radix) = operand.kind else {
                unreachable!()
            };
            int_literal(value.wrapping_neg(), &operand.ty, radix, false).text
        }
        ExprKind::Unary { op, operand } => {
            let symbol = match op {
                crate::ir::UnaryOp::Neg => "-",
                crate::ir::UnaryOp::Not => "!",
                crate::ir::UnaryOp::BitNot => "~",
                crate::ir::UnaryOp::Deref => "*",
                crate::ir::UnaryOp::AddrOf => "&",
            };
            let operand_text = constant_expression(program, sources, operand);
            let plain = matches!(
                operand.kind,
                ExprKind::Const(_) | ExprKind::EnumVariant { .. }
            ) || (matches!(operand.kind, ExprKind::Int(..))
                && !operand_text.starts_with(['-', '(']));
            if plain {
                format!("{symbol}{operand_text}")
            } else {
                format!("{symbol}({operand_text})")
            }
        }
        ExprKind::Binary { op, lhs, rhs } => format!(
            "({} {} {})",
            constant_expression(program, sources, lhs),
            op.symbol(),
            constant_expression(program, sources, rhs)
        ),
        ExprKind::StructLit { .. } | ExprKind::ArrayLit(_) => {
            format!(
                "({}){}",
                super::types::type_name(program, &expr.ty),
                constant_initializer(program, sources, expr)
            )
        }
        // Not constant; the checker only lets constants initialise globals.
        _ => "0".to_string(),
    }
}

/// `SEC(".struct_ops") struct KERNEL_TYPE NAME = { .member = (void *)method,
/// .field = value }`: one per `@struct_ops` impl block, after its methods.
/// The map takes the impl block's name (userspace attaches it).
pub(super) fn emit_struct_ops(out: &mut CWriter, program: &Program, sources: &SourceMap) {
    for def in &program.struct_ops {
        out.blank_line();
        out.line("SEC(\".struct_ops\")");
        out.open_block(format!("struct {} {} =", def.ops_type, def.name));
        for (member, method) in &def.methods {
            let function = program.function(*method);
            let name = match &function.kind {
                crate::ir::FunctionKind::StructOpsMethod { impl_name } => {
                    super::functions::struct_ops_method_name(impl_name, &function.name)
                }
                _ => function.name.clone(),
            };
            out.line(format!(".{member} = (void *){name},"));
        }
        for (field, value) in &def.fields {
            out.line(format!(
                ".{field} = {},",
                constant_initializer(program, sources, value)
            ));
        }
        out.close_block_with(";");
    }
}

/// `extern ... __ksym` declarations: the user's `extern` kernel functions,
/// and the `@kfunc` functions of the generated kernel module that eBPF code
/// calls (`kfuncs`).
pub(super) fn emit_externs(out: &mut CWriter, program: &Program, kfuncs: &[FunctionId]) {
    let mut declarations = Vec::new();
    for def in &program.externs {
        let params: Vec<String> = def
            .params
            .iter()
            .map(|(name, ty)| declaration(program, ty, name))
            .collect();
        declarations.push((declaration(program, &def.ret, &def.name), params));
    }
    for id in kfuncs {
        let function = program.function(*id);
        let params: Vec<String> = function
            .params
            .iter()
            .map(|param| {
                let local = function.local(*param);
                declaration(program, &local.ty, &local.name)
            })
            .collect();
        declarations.push((declaration(program, &function.ret, &function.name), params));
    }
    if !declarations.is_empty() {
        out.blank_line();
    }
    for (decl, params) in declarations {
        let params = if params.is_empty() {
            "void".to_string()
        } else {
            params.join(", ")
        };
        out.line(format!("extern {decl}({params}) __ksym;"));
    }
}
