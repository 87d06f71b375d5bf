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
//! defer, try/throw), `statements`, `expressions`, `matching` (`match`),
//! `maps` (map operations and accessors), one file per attach type whose
//! context needs care (`xdp`, `tc`, `tracing`), and the shared helpers
//! `types`, `names`, `visit`.
//!
//! This module reads the IR only and never reports errors: a checked
//! program is emittable by construction (see `ir`).

mod expressions;
mod functions;
mod headers;
mod items;
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
use crate::ir::{Callee, ExprKind, FunctionId, FunctionKind, Program, Target};
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

/// The program array behind `return other_program(ctx)` tail calls.
///
/// Userspace must store the fd of `targets[i]` at index `i` of the map
/// `map_name` before attaching (see ARCHITECTURE.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TailCallTable {
    /// The `BPF_MAP_TYPE_PROG_ARRAY` map's C name (`prog_array` unless a
    /// user map already has that name).
    pub map_name: String,
    /// Every program some program tail-calls, in declaration order: the
    /// index of a program in this list is its slot in the map.
    pub targets: Vec<FunctionId>,
}

/// The tail-call program array of `program`, if any program tail-calls.
pub fn tail_call_table(program: &Program) -> Option<TailCallTable> {
    let mut targets = BTreeSet::new();
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
                targets.insert(*target);
            }
        });
    }
    if targets.is_empty() {
        return None;
    }
    let map_name = names::first_free("prog_array", |name| {
        program.maps.iter().any(|map| map.name == name)
            || program.globals.iter().any(|global| global.name == name)
            || program
                .functions
                .iter()
                .any(|function| function.name == name)
    });
    Some(TailCallTable {
        map_name,
        targets: targets.into_iter().collect(),
    })
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
    tail_calls: Option<TailCallTable>,
    /// The eBPF functions in emission order: each helper before its callers.
    function_order: Vec<FunctionId>,
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
        let tail_calls = tail_call_table(program);
        if let Some(table) = &tail_calls {
            file_names.reserve(&table.map_name);
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
        }
    }

    fn generate(mut self) -> String {
        // Functions first: their bodies decide which accessors exist.
        let mut functions = Vec::new();
        for id in self.function_order.clone() {
            functions.push(functions::emit_function(&mut self, id));
        }

        let ebpf_indices: Vec<usize> = self.function_order.iter().map(|id| id.index()).collect();
        let headers = headers::headers(self.program, &ebpf_indices);
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
        items::emit_structs(&mut out, self.program);
        items::emit_maps(&mut out, self.program, self.tail_calls.as_ref());
        items::emit_globals(self.program, &mut out);
        items::emit_externs(&mut out, self.program);
        maps::emit_accessors(&mut out, self.program, &self.accessors);
        for function in functions {
            out.blank_line();
            out.append(function);
        }
        out.blank_line();
        out.unindented("char LICENSE[] SEC(\"license\") = \"GPL\";");
        out.finish()
    }
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
        self.sources.files().nth(span.file.0 as usize)?;
        self.sources
            .text(span.file)
            .get(span.start as usize..span.end as usize)
    }

    /// How C names global `id`.
    fn global_spelling(&self, id: crate::ir::GlobalId) -> String {
        self.program.global(id).name.clone()
    }
}
