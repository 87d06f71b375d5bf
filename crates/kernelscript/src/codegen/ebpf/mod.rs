//! The eBPF C generator: `ir::Program` in, `NAME.ebpf.c` text out.
//!
//! The output reads like hand-written libbpf C: UAPI (or `vmlinux.h`)
//! includes, user types, BTF-defined maps, shared globals in `.data`, small
//! per-map accessor functions where a map operation needs addressable keys,
//! then helpers (callees first) and programs, each in its `SEC()`, with
//! `#line` directives pointing at the `.ks` source.
//!
//! Files by concern: `headers` (includes, kernel constants), `items`
//! (types, maps, globals, configs), `functions` (signatures, locals, exits,
//! defer, try/throw), `statements`, `expressions`, `literals`, `matching`
//! (`match`), `maps` (map operations and accessors), `iteration` (`for
//! (k, v) in m`), one file per attach type whose
//! context needs care (`xdp`, `tc`, `tracing`), and the shared helpers
//! `types`, `names`, `visit`.
//!
//! This module reads the IR only and never reports errors: a checked
//! program is emittable by construction (see `ir`).

mod expressions;
mod functions;
mod headers;
mod items;
mod iteration;
mod literals;
mod maps;
mod matching;
mod names;
mod statements;
mod tc;
mod tracing;
mod types;
mod visit;
mod xdp;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use crate::codegen::c_writer::CWriter;
use crate::ir::{Callee, ExprKind, FunctionId, FunctionKind, Program, ProgramType, Target};
use crate::source::SourceMap;

use maps::Accessor;
use names::Namer;

/// How to generate the eBPF C of one compilation.
#[derive(Clone, Debug)]
pub struct EbpfOptions {
    /// The project name (the `.ks` file stem); the output is
    /// `PROJECT.ebpf.c`.
    pub project_name: String,
    /// Write `#line` directives mapping statements to `.ks` lines.
    pub line_directives: bool,
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
    /// The type of every program in the table.
    pub program_type: ProgramType,
    /// Every program of that type some program tail-calls, in declaration
    /// order: the index of a program in this list is its slot in the map.
    pub targets: Vec<FunctionId>,
}

/// The tail-call program arrays of `program`, by program type.
pub fn tail_call_tables(program: &Program) -> Vec<TailCallTable> {
    let mut targets: BTreeMap<u8, (ProgramType, BTreeSet<FunctionId>)> = BTreeMap::new();
    for function in &program.functions {
        if function.kind.target() != Target::Ebpf {
            continue;
        }
        visit::walk_block_exprs(&function.body, &mut |expr| {
            if let ExprKind::Call {
                callee: Callee::TailCall(target),
                ..
            } = &expr.kind
            {
                if let Some((rank, program_type)) = program_type(&program.function(*target).kind) {
                    targets
                        .entry(rank)
                        .or_insert_with(|| (program_type, BTreeSet::new()))
                        .1
                        .insert(*target);
                }
            }
        });
    }
    let single = targets.len() == 1;
    targets
        .into_values()
        .map(|(program_type, targets)| {
            let base = if single {
                "prog_array".to_string()
            } else {
                format!("prog_array_{}", program_type_name(program_type))
            };
            let map_name = names::first_free(&base, |name| {
                program.maps.iter().any(|map| map.name == name)
                    || program.globals.iter().any(|global| global.name == name)
                    || program
                        .functions
                        .iter()
                        .any(|function| function.name == name)
            });
            TailCallTable {
                map_name,
                program_type,
                targets: targets.into_iter().collect(),
            }
        })
        .collect()
}

/// The program type of a program function, with a rank for ordering.
fn program_type(kind: &FunctionKind) -> Option<(u8, ProgramType)> {
    Some(match kind {
        FunctionKind::Xdp => (0, ProgramType::Xdp),
        FunctionKind::Tc(_) => (1, ProgramType::Tc),
        FunctionKind::Tracepoint { .. } => (2, ProgramType::Tracepoint),
        FunctionKind::Probe { .. } => (3, ProgramType::Probe),
        FunctionKind::PerfEvent => (4, ProgramType::PerfEvent),
        FunctionKind::Uprobe { .. } => (5, ProgramType::Uprobe),
        _ => return None,
    })
}

fn program_type_name(program_type: ProgramType) -> &'static str {
    match program_type {
        ProgramType::Xdp => "xdp",
        ProgramType::Tc => "tc",
        ProgramType::Tracepoint => "tracepoint",
        ProgramType::Probe => "probe",
        ProgramType::Uprobe => "uprobe",
        ProgramType::PerfEvent => "perf_event",
    }
}

/// The name of the one-entry array map holding the `pin var` globals
/// (`pinned_globals` unless a user item has that name), if there are any.
/// Its value is `struct pinned_globals` (same name as the map), whose
/// fields are the pinned globals in declaration order.
pub fn pinned_globals_map(program: &Program) -> Option<String> {
    if !program.globals.iter().any(|global| global.pinned) {
        return None;
    }
    Some(names::first_free("pinned_globals", |name| {
        program.maps.iter().any(|map| map.name == name)
            || program.globals.iter().any(|global| global.name == name)
            || program
                .functions
                .iter()
                .any(|function| function.name == name)
            || program.structs.iter().any(|def| def.name == name)
    }))
}

/// Generates the eBPF C of `program`.
pub fn generate(program: &Program, sources: &SourceMap, options: &EbpfOptions) -> String {
    Generator::new(program, sources, options).generate()
}

/// State shared by the emission of all functions of one object.
pub(super) struct Generator<'a> {
    program: &'a Program,
    sources: &'a SourceMap,
    options: &'a EbpfOptions,
    /// `PROJECT.ebpf.c`, the name `#line` directives use for generated text.
    output_name: String,
    /// File-scope C names: every item's name is reserved before any local
    /// or generated name is chosen.
    file_names: Namer,
    /// Map accessor functions requested by function bodies, with their
    /// C names.
    accessors: BTreeMap<Accessor, String>,
    tail_calls: Vec<TailCallTable>,
    /// The eBPF functions in emission order: each helper before its callers.
    function_order: Vec<FunctionId>,
    /// Support functions some body needs, with their C names.
    support: BTreeMap<Support, String>,
    /// The map holding the `pin var` globals.
    pinned_globals: Option<String>,
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
}

impl<'a> Generator<'a> {
    fn new(program: &'a Program, sources: &'a SourceMap, options: &'a EbpfOptions) -> Self {
        let mut file_names = Namer::with_reserved_words();
        for name in program
            .maps
            .iter()
            .map(|map| &map.name)
            .chain(program.globals.iter().map(|global| &global.name))
            .chain(program.configs.iter().map(|config| &config.name))
            .chain(program.consts.iter().map(|def| &def.name))
            .chain(program.functions.iter().map(|function| &function.name))
            .chain(program.externs.iter().map(|def| &def.name))
            .chain(
                program
                    .enums
                    .iter()
                    .flat_map(|def| def.variants.iter().map(|v| &v.name)),
            )
        {
            file_names.reserve(name);
        }
        let tail_calls = tail_call_tables(program);
        for table in &tail_calls {
            file_names.reserve(&table.map_name);
        }
        let pinned_globals = pinned_globals_map(program);
        if let Some(name) = &pinned_globals {
            file_names.reserve(name);
            file_names.reserve(&format!("{name}_entry"));
        }
        Generator {
            program,
            sources,
            options,
            output_name: format!("{}.ebpf.c", names::c_identifier(&options.project_name)),
            file_names,
            accessors: BTreeMap::new(),
            tail_calls,
            function_order: function_order(program),
            support: BTreeMap::new(),
            pinned_globals,
        }
    }

    fn generate(mut self) -> String {
        // Functions first: their bodies decide which accessors exist.
        let mut functions = Vec::new();
        for id in self.function_order.clone() {
            functions.push(functions::emit_function(&mut self, id));
        }

        let ebpf_indices: Vec<usize> = self.function_order.iter().map(|id| id.index()).collect();
        let generated_bool = self.support.contains_key(&Support::StringsEqual);
        let headers = headers::headers(self.program, &ebpf_indices, generated_bool);
        let mut out = CWriter::new();
        out.line(format!(
            "/* {}: eBPF programs generated by KernelScript from {}.ks. Do not edit. */",
            self.output_name, self.options.project_name
        ));
        out.blank_line();
        if headers.vmlinux {
            out.unindented("#include \"vmlinux.h\"");
        }
        for include in &headers.includes {
            out.unindented(format!("#include <{include}>"));
        }
        items::emit_kernel_consts(&mut out, self.program, &headers.guarded_consts);
        items::emit_user_consts(&mut out, self.program);
        items::emit_enums(&mut out, self.program);
        items::emit_structs(&mut out, self.program, &headers.user_structs);
        items::emit_maps(&mut out, self.program, &self.tail_calls);
        items::emit_globals(self.program, self.sources, &mut out);
        if let Some(name) = &self.pinned_globals {
            items::emit_pinned_globals(&mut out, self.program, name);
        }
        let kfuncs = called_kfuncs(self.program, &self.function_order);
        items::emit_externs(&mut out, self.program, &kfuncs);
        emit_support_functions(&mut out, &self.support);
        maps::emit_accessors(&mut out, self.program, &self.accessors);
        for function in functions {
            out.blank_line();
            out.append(function);
        }
        items::emit_struct_ops(&mut out, self.program, self.sources);
        out.blank_line();
        out.unindented("char LICENSE[] SEC(\"license\") = \"GPL\";");
        out.finish()
    }
}

/// The text `span` covers, when its file is in `sources`.
fn span_text(sources: &SourceMap, span: crate::span::Span) -> Option<&str> {
    sources.files().nth(span.file.0 as usize)?;
    sources
        .text(span.file)
        .get(span.start as usize..span.end as usize)
}

/// Writes the requested support functions.
fn emit_support_functions(out: &mut CWriter, support: &BTreeMap<Support, String>) {
    for (support, name) in support {
        out.blank_line();
        match support {
            Support::SignedDiv => emit_signed_division(out, name, "division", "/"),
            Support::SignedRem => emit_signed_division(out, name, "remainder", "%"),
            Support::StringsEqual => emit_strings_equal(out, name),
        }
    }
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
    let mut kfuncs = BTreeSet::new();
    for id in ebpf_functions {
        visit::walk_block_exprs(&program.function(*id).body, &mut |expr| {
            if let ExprKind::Call {
                callee: Callee::Function(callee),
                ..
            } = &expr.kind
            {
                if program.function(*callee).kind == FunctionKind::Kfunc {
                    kfuncs.insert(*callee);
                }
            }
        });
    }
    kfuncs.into_iter().collect()
}

/// eBPF functions in source order, except that a helper comes before its
/// first caller (C needs a definition or prototype before a call; eBPF has
/// no recursion, so a depth-first order always exists).
fn function_order(program: &Program) -> Vec<FunctionId> {
    fn place(
        program: &Program,
        id: FunctionId,
        done: &mut BTreeSet<FunctionId>,
        order: &mut Vec<FunctionId>,
    ) {
        if !done.insert(id) {
            return;
        }
        let mut callees = Vec::new();
        visit::walk_block_exprs(&program.function(id).body, &mut |expr| {
            if let ExprKind::Call {
                callee: Callee::Function(callee),
                ..
            }
            | ExprKind::FunctionRef(callee) = &expr.kind
            {
                callees.push(*callee);
            }
        });
        for callee in callees {
            if program.function(callee).kind.target() == Target::Ebpf
                && !program.function(callee).kind.is_program()
            {
                place(program, callee, done, order);
            }
        }
        order.push(id);
    }
    let mut done = BTreeSet::new();
    let mut order = Vec::new();
    for (index, function) in program.functions.iter().enumerate() {
        if function.kind.target() == Target::Ebpf && function.kind != FunctionKind::Kfunc {
            place(program, FunctionId(index as u32), &mut done, &mut order);
        }
    }
    order
}

impl<'a> Generator<'a> {
    /// The source file name and 1-based line of `span`, when the span
    /// belongs to a file of the source map.
    fn source_line(&self, span: crate::span::Span) -> Option<(String, u32)> {
        self.sources.files().nth(span.file.0 as usize)?;
        Some((
            self.sources.name(span.file).to_string(),
            self.sources.line(span),
        ))
    }

    /// The source text `span` covers, when available.
    fn source_text(&self, span: crate::span::Span) -> Option<&'a str> {
        span_text(self.sources, span)
    }

    /// The C name of support function `support`, requesting its emission.
    fn support_function(&mut self, support: Support) -> String {
        let base = match support {
            Support::SignedDiv => "signed_div",
            Support::SignedRem => "signed_rem",
            Support::StringsEqual => "strings_equal",
        };
        let file_names = &mut self.file_names;
        self.support
            .entry(support)
            .or_insert_with(|| file_names.fresh(base))
            .clone()
    }

    /// The program array and slot of tail-call target `target`.
    fn tail_call_slot(&self, target: FunctionId) -> (String, usize) {
        for table in &self.tail_calls {
            if let Some(index) = table.targets.iter().position(|id| *id == target) {
                return (table.map_name.clone(), index);
            }
        }
        // Every target is in a table (`tail_call_tables` found them all).
        ("prog_array".to_string(), 0)
    }
}
