//! The eBPF C generator: `ir::Program` in, `NAME.ebpf.c` text out.
//!
//! The output reads like hand-written libbpf C: UAPI (or its own kernel header)
//! includes, user types, BTF-defined maps, shared globals in `.data`, small
//! per-map accessor functions where a map operation needs addressable keys,
//! then helpers (callees first) and programs, each in its `SEC()`, with
//! `#line` directives pointing at the `.ks` source.
//!
//! Function bodies are lowered by the shared `codegen::c::lower`; this
//! output's answers to it are in `policy` (names, operators, packet
//! pointers, `print`, tail calls, `try`/`throw`), `maps` (map operations and
//! their accessors), `iteration` (`for (k, v) in m` callbacks) and
//! `kernel_reads` (CO-RE probe reads through kernel pointers in tracing
//! code). Also
//! here: `headers` (includes, kernel constants), `items` (maps, globals,
//! configs, struct_ops, externs), and below, the signatures and prologues
//! of functions and the support functions bodies ask for. What differs
//! per program kind comes from its descriptor (`crate::kinds`).
//!
//! This module reads the IR only and never reports errors: a checked
//! program is emittable by construction (see `ir`).

mod headers;

pub use headers::{kernel_type_roots, needs_kernel_types};
mod items;
mod iteration;
mod kernel_reads;
mod loops;
mod maps;
mod policy;
mod records;
mod strings;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use crate::codegen::c::lower::{FileScope, LoopExit, LoopExitNames, Lowering};
use crate::codegen::c::order::dependencies_first;
use crate::codegen::c::types::{TypePolicy, Types};
use crate::codegen::c::CWriter;
use crate::codegen::plan::Plan;
use crate::ir::{
    Callee, ExprKind, FunctionId, FunctionKind, MapId, Origin, Program, StructId, Target, Type,
};
use crate::kinds::Entry;
use crate::source::SourceMap;

use maps::Accessor;
use policy::{Cx, Ebpf};

/// How the eBPF object spells types: kernel enums by name, aggregates
/// zeroed with `{}`.
const TYPE_POLICY: TypePolicy = TypePolicy {
    kernel_enums_as_int: false,
    zero_aggregate: "{}",
    string_parameters: false,
    user_struct_prefix: "",
};

/// Generates the eBPF C of `program` for the outputs `plan`.
pub fn generate(program: &Program, sources: &SourceMap, plan: &Plan) -> String {
    Generator::new(program, sources, plan).generate()
}

/// State shared by the emission of all functions of one object.
pub(super) struct Generator<'a> {
    program: &'a Program,
    plan: &'a Plan,
    /// The types, the file-scope C names (the plan's, then generated ones)
    /// and the `#line` targets of `PROJECT.ebpf.c`.
    scope: FileScope<'a>,
    /// The C name of every accessor a body may ask for, allocated up front
    /// so that no local chosen before the request takes it.
    accessor_names: BTreeMap<Accessor, String>,
    /// The accessors function bodies asked for.
    accessors: BTreeMap<Accessor, String>,
    /// The eBPF functions in emission order: each helper before its callers.
    function_order: Vec<FunctionId>,
    /// Support functions some body needs, with their C names (allocated up
    /// front, like accessors).
    support_names: BTreeMap<Support, String>,
    support: BTreeMap<Support, String>,
    /// The C names of the loop exit constants and of `KS_MAX_LOOPS`.
    loop_constants: (LoopExitNames, String),
    /// `NAME_new()` of each source struct `new` may allocate (allocated up
    /// front), and those some body uses.
    object_new_names: BTreeMap<StructId, String>,
    object_new: BTreeMap<StructId, String>,
    /// The value struct (one kptr field) of each map of objects.
    object_values: BTreeMap<MapId, String>,
}

/// A generated function the C text needs besides map accessors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Support {
    /// Signed 64-bit division on unsigned instructions.
    SignedDiv,
    /// Signed 64-bit remainder on unsigned instructions.
    SignedRem,
    /// Equality of NUL-terminated strings.
    StringsEqual,
    /// Building strings: `NAME_len`, `NAME_put`, `NAME_end` (`strings.rs`).
    Strings,
    /// The constants of loop callbacks: how a body left the loop
    /// (`KS_LOOP_*`) and the most iterations (`KS_MAX_LOOPS`).
    LoopExits,
    /// `new`/`delete`: the `bpf_obj_new`/`bpf_obj_drop` kfuncs and the
    /// macros `NAME_new(type)` (zeroed after the null test) and
    /// `NAME_drop(object)`.
    Objects,
}

impl Support {
    const ALL: [Support; 6] = [
        Support::SignedDiv,
        Support::SignedRem,
        Support::StringsEqual,
        Support::Strings,
        Support::LoopExits,
        Support::Objects,
    ];

    fn base_name(self) -> &'static str {
        match self {
            Support::SignedDiv => "signed_div",
            Support::SignedRem => "signed_rem",
            Support::StringsEqual => "strings_equal",
            Support::Strings => "ks_str",
            Support::LoopExits => "ks_loop_exit",
            Support::Objects => "ks_obj",
        }
    }
}

impl<'a> Generator<'a> {
    fn new(program: &'a Program, sources: &'a SourceMap, plan: &'a Plan) -> Self {
        let mut file_names = plan.names.file.clone();
        let mut accessor_names = BTreeMap::new();
        for index in 0..program.maps.len() {
            let map = crate::ir::MapId(index as u32);
            for kind in maps::AccessorKind::all() {
                let base = format!("{}_{}", plan.names.map(map), kind.suffix());
                accessor_names.insert(Accessor { map, kind }, file_names.fresh(&base));
            }
        }
        let support_names = Support::ALL
            .into_iter()
            .map(|kind| (kind, file_names.fresh(kind.base_name())))
            .collect();
        let exit_names = LoopExit::ALL
            .iter()
            .map(|exit| file_names.fresh(exit.base_name()))
            .collect();
        let loop_constants = (LoopExitNames(exit_names), file_names.fresh("KS_MAX_LOOPS"));
        let object_values = (0..program.maps.len())
            .map(|index| MapId(index as u32))
            .filter(|id| program.map(*id).holds_objects())
            .map(|id| {
                (
                    id,
                    file_names.fresh(&format!("{}_value", plan.names.map(id))),
                )
            })
            .collect();
        let object_new_names = (0..program.structs.len())
            .map(|index| StructId(index as u32))
            .filter(|id| program.struct_def(*id).origin == Origin::Source)
            .map(|id| {
                let name = file_names.fresh(&format!("ks_new_{}", program.struct_def(id).name));
                (id, name)
            })
            .collect();
        let scope = FileScope::new(program, sources, plan, TYPE_POLICY, file_names, "ebpf.c");
        Generator {
            program,
            plan,
            scope,
            accessor_names,
            accessors: BTreeMap::new(),
            function_order: function_order(program),
            support_names,
            support: BTreeMap::new(),
            loop_constants,
            object_new_names,
            object_new: BTreeMap::new(),
            object_values,
        }
    }

    fn generate(mut self) -> String {
        // Functions first: their bodies decide which accessors exist.
        let mut functions = Vec::new();
        for id in self.function_order.clone() {
            functions.push(emit_function(&mut self, id));
        }

        let ebpf_indices: Vec<usize> = self.function_order.iter().map(|id| id.index()).collect();
        // `strings_equal` and the `insert` accessors return `bool`.
        let generated_bool = self.support.contains_key(&Support::StringsEqual)
            || self
                .accessors
                .keys()
                .any(|accessor| accessor.kind == maps::AccessorKind::Insert);
        let headers = headers::headers(
            self.program,
            &ebpf_indices,
            self.plan.needs_kernel_types,
            generated_bool,
        );
        let types = self.scope.types;
        let mut out = CWriter::new();
        out.line(format!(
            "/* {}: eBPF programs generated by KernelScript from {}.ks. Do not edit. */",
            self.scope.lines.output, self.plan.project
        ));
        out.blank_line();
        if let (true, Some(header)) = (headers.vmlinux, &self.plan.kernel_header) {
            out.unindented(format!("#include \"{header}\""));
        }
        for include in &headers.includes {
            out.unindented(format!("#include <{include}>"));
        }
        items::emit_kernel_consts(&mut out, self.program, &headers.guarded_consts);
        items::emit_user_items(&mut out, &types, &headers.user_structs, &ebpf_indices);
        items::emit_maps(&mut out, &types, &self.plan.tail_calls, &self.object_values);
        items::emit_globals(&mut out, &types);
        if let Some(name) = &self.plan.pinned_globals {
            let program = self.program;
            let accessor = self
                .function_order
                .iter()
                .any(|id| uses_pinned_globals(program, &program.function(*id).body));
            items::emit_pinned_globals(&mut out, &types, name, accessor);
        }
        let kfuncs = called_kfuncs(self.program, &self.function_order);
        items::emit_externs(&mut out, &types, &kfuncs);
        emit_support_functions(&mut out, &self.support, &self.loop_constants);
        if let Some(objects) = self.support.get(&Support::Objects) {
            for (id, name) in &self.object_new {
                out.blank_line();
                emit_object_new(&mut out, &types, *id, name, objects);
            }
        }
        let objects = maps::ObjectNames {
            values: &self.object_values,
            drop: self
                .support
                .get(&Support::Objects)
                .map(|name| format!("{name}_drop")),
        };
        maps::emit_accessors(&mut out, &types, &self.accessors, &objects);
        for function in functions {
            out.blank_line();
            out.append(function);
        }
        items::emit_struct_ops(&mut out, &types);
        out.blank_line();
        out.unindented("char LICENSE[] SEC(\"license\") = \"GPL\";");
        out.finish()
    }

    /// The C name of support function `support`, requesting its emission.
    fn support_function(&mut self, support: Support) -> String {
        let name = self.support_names[&support].clone();
        self.support.insert(support, name.clone());
        name
    }

    /// The C name of `struct_id`'s allocation function (`new T()`),
    /// requesting its emission.
    fn object_new(&mut self, struct_id: StructId) -> String {
        self.support_function(Support::Objects);
        let name = self.object_new_names[&struct_id].clone();
        self.object_new.insert(struct_id, name.clone());
        name
    }

    /// The C names of the loop exit constants.
    fn loop_exit_names(&self) -> LoopExitNames {
        self.loop_constants.0.clone()
    }

    /// The C name of `KS_MAX_LOOPS`.
    fn max_loops_name(&self) -> String {
        self.loop_constants.1.clone()
    }

    /// The C name of an accessor, requesting its emission.
    fn accessor(&mut self, accessor: Accessor) -> String {
        let name = self.accessor_names[&accessor].clone();
        self.accessors.insert(accessor, name.clone());
        name
    }

    /// The program array and slot of tail-call target `target`.
    fn tail_call_slot(&self, target: FunctionId) -> (String, usize) {
        for table in &self.plan.tail_calls {
            if let Some(index) = table.targets.iter().position(|id| *id == target) {
                return (table.map_name.clone(), index);
            }
        }
        // Every target is in a table (`tail_call_tables` found them all).
        ("prog_array".to_string(), 0)
    }
}

/// Emits function `id` (with any definitions it needs before it).
fn emit_function(gen: &mut Generator<'_>, id: FunctionId) -> CWriter {
    let function = gen.program.function(id);
    let scope = gen.scope.clone();
    let kernel_reads = gen.plan.kernel_reads.contains(&id);
    let backend = Ebpf {
        gen,
        current: id,
        map_bindings: BTreeMap::new(),
        pinned_entry: None,
        loops: 0,
        kernel_reads,
    };
    let mut cx = Lowering::new(function, scope, backend);
    // A struct_ops method another method calls is a plain function too:
    // its body is a static function, which the kernel's entry calls.
    let called_method = matches!(function.kind, FunctionKind::StructOpsMethod { .. })
        && called_by_sibling(cx.program, id);
    // libbpf's BPF_PROG / BPF_KPROBE / BPF_KRETPROBE wrap the body in a
    // function whose first parameter is `ctx`: no source parameter may take
    // that name, and the body marks it used (`-Wunused-parameter`).
    let macro_entry = match &function.kind {
        FunctionKind::Program(program) => matches!(
            program.entry,
            Entry::BpfProg | Entry::Kprobe | Entry::Kretprobe
        ),
        FunctionKind::StructOpsMethod { .. } => !called_method,
        _ => false,
    };
    if macro_entry {
        cx.reserve_file_name("ctx");
    }
    let params = cx.parameters();
    let params = if params.is_empty() {
        "void".to_string()
    } else {
        params.join(", ")
    };
    let name = cx.names.function(id).to_string();
    match &function.kind {
        FunctionKind::Program(program) => {
            let descriptor = program.descriptor();
            cx.out.line(format!(
                "SEC(\"{}\")",
                (descriptor.section)(&program.target)
            ));
            cx.map_line(function.span);
            match program.entry {
                Entry::Context => cx.out.line(format!("int {name}({params})")),
                Entry::BpfProg => cx
                    .out
                    .line(format!("int BPF_PROG({name}{})", prefixed(&params))),
                Entry::Kprobe => cx
                    .out
                    .line(format!("int BPF_KPROBE({name}{})", prefixed(&params))),
                Entry::Kretprobe => cx
                    .out
                    .line(format!("int BPF_KRETPROBE({name}{})", prefixed(&params))),
                Entry::Registers => {
                    // The source declares no parameters: registers only.
                    let context = cx.temp("ctx");
                    cx.out
                        .line(format!("int {name}(struct pt_regs *{context})"));
                }
            }
        }
        FunctionKind::StructOpsMethod { .. } if called_method => {
            cx.map_line(function.span);
            let ret = cx.types.declaration(&function.ret, &name);
            cx.out
                .line(format!("static __always_inline {ret}({params})"));
        }
        FunctionKind::StructOpsMethod { impl_name } => {
            let name = struct_ops_method_name(impl_name, &function.name);
            cx.out.line(format!("SEC(\"struct_ops/{name}\")"));
            cx.map_line(function.span);
            let ret = cx.types.declaration(&function.ret, "");
            cx.out
                .line(format!("{ret} BPF_PROG({name}{})", prefixed(&params)));
        }
        _ if function.throws => {
            // The code it lets escape is its C result; its value goes
            // through a last pointer parameter (check/throws.rs).
            cx.map_line(function.span);
            let mut params = params.clone();
            if function.ret != crate::ir::Type::Void {
                let result = cx.temp("result");
                let declaration = cx.types.declaration(&function.ret, &format!("*{result}"));
                params = if function.params.is_empty() {
                    declaration
                } else {
                    format!("{params}, {declaration}")
                };
                cx.result_param = Some(result);
            }
            cx.out
                .line(format!("static __always_inline __s64 {name}({params})"));
        }
        _ => {
            cx.map_line(function.span);
            let ret = cx.types.declaration(&function.ret, &name);
            cx.out
                .line(format!("static __always_inline {ret}({params})"));
        }
    }
    cx.out.open_block("");
    if macro_entry {
        cx.out.line("(void)ctx;");
    }
    prologue(&mut cx);
    cx.body();
    cx.out.close_block();
    if let (true, FunctionKind::StructOpsMethod { impl_name }) = (called_method, &function.kind) {
        let arguments: Vec<String> = function
            .params
            .iter()
            .map(|param| match cx.locals.get(param) {
                Some(crate::codegen::c::lower::Spelling::Value(name)) => name.clone(),
                _ => "0".to_string(),
            })
            .collect();
        let entry = struct_ops_method_name(impl_name, &function.name);
        let ret = cx.types.declaration(&function.ret, "");
        let call = format!("{name}({})", arguments.join(", "));
        cx.out.blank_line();
        cx.out.line(format!("SEC(\"struct_ops/{entry}\")"));
        cx.map_line(function.span);
        cx.out
            .line(format!("{ret} BPF_PROG({entry}{})", prefixed(&params)));
        cx.out.open_block("");
        cx.out.line("(void)ctx;");
        match function.ret {
            crate::ir::Type::Void => cx.out.line(format!("{call};")),
            _ => cx.out.line(format!("return {call};")),
        }
        cx.out.close_block();
    }
    let (mut text, body, _) = cx.finish();
    if !text.is_empty() {
        text.blank_line();
    }
    text.append(body);
    text
}

/// Whether another function calls struct_ops method `id` (a sibling
/// method: the checker allows no other caller).
fn called_by_sibling(program: &crate::ir::Program, id: FunctionId) -> bool {
    program
        .functions
        .iter()
        .any(|function| crate::ir::visit::called_functions(&function.body).contains(&id))
}

/// What this output declares first in a function: the pointer to the `pin
/// var` globals' entry, the local holding a thrown code.
fn prologue(cx: &mut Cx<'_, '_>) {
    let function = cx.function;
    if uses_pinned_globals(cx.program, &function.body) {
        let name = cx.temp("pinned");
        emit_pinned_entry(cx, &name);
        cx.backend.pinned_entry = Some(name);
    }
    if crate::codegen::c::lower::needs_error_code(cx, &function.body) {
        let name = cx.temp("error");
        cx.out.line(format!("__s64 {name} = 0;"));
        if crate::codegen::c::lower::error_code_unread(&function.body) {
            cx.out.line(format!("(void){name};"));
        }
        cx.error_code = Some(name);
    }
}

/// `struct pinned_globals *name = pinned_globals_entry();` and leaving when
/// the (one-entry array) lookup fails, which it cannot.
fn emit_pinned_entry(cx: &mut Cx<'_, '_>, name: &str) {
    let Some(map) = cx.backend.gen.plan.pinned_globals.clone() else {
        return;
    };
    cx.out
        .line(format!("struct {map} *{name} = {map}_entry();"));
    cx.out.open_block(format!("if (!{name})"));
    cx.failure_exit(cx.function.span);
    cx.out.close_block();
}

/// Whether `block` reads or writes a `pin var` global.
fn uses_pinned_globals(program: &Program, block: &crate::ir::Block) -> bool {
    let mut uses = false;
    crate::ir::visit::walk_block_exprs(block, &mut |expr| {
        if let ExprKind::Global(id) = &expr.kind {
            uses |= program.global(*id).pinned;
        }
    });
    uses
}

/// The C name of struct_ops method `method` of impl block `impl_name`:
/// prefixed, so members such as `init` or `release` cannot collide with C
/// library builtins. Userspace reaches these programs through the
/// struct_ops map, never by name.
pub(super) fn struct_ops_method_name(impl_name: &str, method: &str) -> String {
    format!("{impl_name}_{method}")
}

/// `, a, b` for the `BPF_PROG(name, a, b)` parameter list.
fn prefixed(params: &str) -> String {
    if params == "void" {
        String::new()
    } else {
        format!(", {params}")
    }
}

/// Writes the requested support functions.
fn emit_support_functions(
    out: &mut CWriter,
    support: &BTreeMap<Support, String>,
    loop_constants: &(LoopExitNames, String),
) {
    for (support, name) in support {
        out.blank_line();
        match support {
            Support::SignedDiv => emit_signed_division(out, name, "division", "/"),
            Support::SignedRem => emit_signed_division(out, name, "remainder", "%"),
            Support::StringsEqual => emit_strings_equal(out, name),
            Support::Strings => strings::emit_support(out, name),
            Support::LoopExits => emit_loop_constants(out, name, loop_constants),
            Support::Objects => emit_object_macros(out, name),
        }
    }
}

/// The kfuncs behind `new`/`delete` (kernel >= 6.2), `NAME_new(type)`,
/// `NAME_drop(object)` and `delete`'s `NAME_delete(object)`, which does
/// nothing for a null object (the verifier then releases the null
/// pointer's reference on that branch; docs/design/kernel-lowering.md
/// §3.2). The local type id is `bpf_core_type_id_local` spelled out, so
/// no CO-RE header is needed.
fn emit_object_macros(out: &mut CWriter, name: &str) {
    out.line("extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;");
    out.line("extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;");
    out.unindented(format!(
        "#define {name}_new(type) ((type *)bpf_obj_new_impl(__builtin_btf_type_id(*(type *)0, 0), (void *)0))"
    ));
    out.unindented(format!(
        "#define {name}_drop(object) bpf_obj_drop_impl(object, (void *)0)"
    ));
    out.unindented(format!(
        "#define {name}_delete(object) do {{ if (object) {name}_drop(object); }} while (0)"
    ));
}

/// `struct T *NAME(void)`: `new T()`. bpf_obj_new does not zero (the
/// allocator recycles objects), so each field is zeroed after the null
/// test, one by one: the verifier refuses stores that reach into padding
/// (`access beyond the end of member`), which a whole-struct `memset`
/// makes.
fn emit_object_new(
    out: &mut CWriter,
    types: &Types<'_>,
    struct_id: StructId,
    name: &str,
    objects: &str,
) {
    let ty = types.name(&Type::Struct(struct_id));
    out.line(format!(
        "/* `new {}()` */",
        types.program.struct_def(struct_id).name
    ));
    out.line(format!("static __always_inline {ty} *{name}(void)"));
    out.open_block("");
    out.line(format!("{ty} *object = {objects}_new({ty});"));
    out.blank_line();
    out.open_block("if (object)");
    zero_fields(out, types, struct_id, "object->");
    out.close_block();
    out.line("return object;");
    out.close_block();
}

/// The largest `memset` clang inlines whatever the alignment.
const MEMSET_CHUNK: u64 = 128;

/// Zeroes every field of the struct `struct_id` at `place` (`object->`,
/// `object->inner.`) with stores that stay inside their member.
fn zero_fields(out: &mut CWriter, types: &Types<'_>, struct_id: StructId, place: &str) {
    let def = types.program.struct_def(struct_id);
    for (index, field) in def.fields.iter().enumerate() {
        let member = format!("{place}{}", types.names.field(struct_id, index));
        match &field.ty {
            Type::Struct(inner) if types.program.struct_def(*inner).kernel.is_none() => {
                zero_fields(out, types, *inner, &format!("{member}."));
            }
            Type::Array(..) | Type::Str(_) | Type::Struct(_) => {
                let size = field.ty.size(types.program);
                if size <= MEMSET_CHUNK {
                    out.line(format!("__builtin_memset(&{member}, 0, sizeof({member}));"));
                    continue;
                }
                // clang inlines a memset of at most 128 stores (of one byte
                // when the member's alignment is one), cannot call one, and
                // merges adjacent ones: larger members get volatile stores,
                // eight bytes at a time, that it keeps apart.
                let base = format!("(volatile __u8 *)&{member}");
                for offset in (0..size - size % 8).step_by(8) {
                    out.line(format!("*(volatile __u64 *)({base} + {offset}) = 0;"));
                }
                for offset in size - size % 8..size {
                    out.line(format!("*({base} + {offset}) = 0;"));
                }
            }
            _ => out.line(format!("{member} = 0;")),
        }
    }
}

/// `enum ks_loop_exit { KS_LOOP_NEXT, ... }` and `KS_MAX_LOOPS`.
fn emit_loop_constants(out: &mut CWriter, name: &str, constants: &(LoopExitNames, String)) {
    out.line("/* How a loop callback left the loop (its context's exit). */");
    out.open_block(format!("enum {name}"));
    for (value, exit) in constants.0 .0.iter().enumerate() {
        out.line(format!("{exit} = {value},"));
    }
    out.close_block_with(";");
    out.blank_line();
    out.line("/* The most iterations bpf_loop runs (BPF_MAX_LOOPS). */");
    out.line(format!("enum {{ {} = 1 << 23 }};", constants.1));
}

/// `__s64 signed_div(a, b)` / `signed_rem`: on magnitudes, then signed as
/// C's truncating division would; by zero, the unsigned instructions give
/// `x / 0 == 0` and `x % 0 == x` (docs §4.1).
fn emit_signed_division(out: &mut CWriter, name: &str, what: &str, operator: &str) {
    out.line(format!(
        "/* Signed {what} (truncating, as in C) with unsigned BPF instructions. */"
    ));
    out.line(format!(
        "static __always_inline __s64 {name}(__s64 a, __s64 b)"
    ));
    out.open_block("");
    out.line("__u64 magnitude_a = a < 0 ? -(__u64)a : (__u64)a;");
    out.line("__u64 magnitude_b = b < 0 ? -(__u64)b : (__u64)b;");
    out.line(format!(
        "__u64 {what} = magnitude_a {operator} magnitude_b;"
    ));
    out.blank_line();
    // Negated in unsigned arithmetic: MIN / -1 gives MIN back, defined.
    if operator == "/" {
        out.line(format!(
            "return (__s64)((a < 0) != (b < 0) ? 0 - {what} : {what});"
        ));
    } else {
        out.line(format!("return (__s64)(a < 0 ? 0 - {what} : {what});"));
    }
    out.close_block();
}

/// `bool strings_equal(a, b, size)`: a bounded loop (unrolled for the
/// constant sizes the callers pass).
fn emit_strings_equal(out: &mut CWriter, name: &str) {
    out.line("/* Whether two NUL-terminated strings, of at most `size` bytes, are equal. */");
    out.line(format!(
        "static __always_inline bool {name}(const char *a, const char *b, __u32 size)"
    ));
    out.open_block("");
    out.open_block("for (__u32 i = 0; i < size; i++)");
    out.open_block("if (a[i] != b[i])");
    out.line("return false;");
    out.close_block();
    out.open_block("if (a[i] == '\\0')");
    out.line("return true;");
    out.close_block();
    out.close_block();
    out.line("return true;");
    out.close_block();
}

/// The `@kfunc` functions the eBPF functions call, in declaration order.
fn called_kfuncs(program: &Program, ebpf_functions: &[FunctionId]) -> Vec<FunctionId> {
    let kfuncs: BTreeSet<FunctionId> = ebpf_functions
        .iter()
        .flat_map(|id| crate::ir::visit::called_functions(&program.function(*id).body))
        .filter(|callee| program.function(*callee).kind == FunctionKind::Kfunc)
        .collect();
    kfuncs.into_iter().collect()
}

/// The eBPF functions to emit (helpers only when some program reaches
/// them), in source order, except that a helper comes before its
/// first caller (C needs a definition or prototype before a call; eBPF has
/// no recursion, so a depth-first order always exists).
fn function_order(program: &Program) -> Vec<FunctionId> {
    let is_ebpf_helper = |id: FunctionId| {
        let kind = &program.function(id).kind;
        kind.target() == Target::Ebpf && !kind.is_program()
    };
    // Programs and struct_ops methods, then the helpers they reach: a
    // helper no program calls is left out (`-Wunused-function`).
    let roots = (0..program.functions.len() as u32)
        .map(FunctionId)
        .filter(|id| {
            let kind = &program.function(*id).kind;
            kind.target() == Target::Ebpf
                && !matches!(kind, FunctionKind::Kfunc | FunctionKind::Helper)
        });
    dependencies_first(roots, |id| {
        let mut callees = Vec::new();
        crate::ir::visit::walk_block_exprs(&program.function(id).body, &mut |expr| {
            if let ExprKind::Call {
                callee: Callee::Function(callee),
                ..
            }
            | ExprKind::FunctionRef(callee) = &expr.kind
            {
                if is_ebpf_helper(*callee) {
                    callees.push(*callee);
                }
            }
        });
        callees
    })
}
