//! The userspace C program (`NAME.c`): the user's `main` and plain
//! functions, plus the runtime that loads, attaches and talks to the eBPF
//! object through its bpftool skeleton (`NAME.skel.h`, `struct NAME_ebpf`).
//!
//! Reads the IR only and never reports user errors. Output is
//! deterministic and only contains the runtime pieces the program uses.
//! The concerns live in their own files:
//!
//! * User code is lowered by the shared `codegen::c::lower`; this output's
//!   answers to it are in `policy`, with `functions` (signatures, the
//!   frame that runs deferred calls on an error), `statements` (maps,
//!   `try`), `strings`, `aggregates`, `arithmetic`, `calls` and `print`.
//! * `args`: `main(args: Args)` command-line parsing and `--help`.
//! * `lifecycle`: open/load of the object, `load`/`attach`/`detach`,
//!   signals and the single cleanup path.
//! * `maps`: typed map helpers (read, write, delete, iterate, per-CPU).
//! * `events`: ring-buffer handlers and `dispatch`.
//! * `pinned`: `pin var` globals (pin path, initial values, `mmap`).
//! * `runtime`: strings, `try`/`throw`, `daemon`.
//!
//! Runtime decisions (documented here once, and in the generated C):
//!
//! * **Object and `load`.** The skeleton is opened at start-up (after the
//!   arguments parse) and loaded once, at the first `load(prog)` or the
//!   first map access. libbpf loads an object in one go, so every program
//!   that userspace can ever `load` (any program it names) and the tail-call
//!   targets reachable from them are loaded then; the other programs get
//!   `bpf_program__set_autoload(false)` and never reach the verifier.
//!   `load(prog)` returns the program's file descriptor as its handle.
//! * **Pinning.** With any `pin` map, the object is opened with
//!   `pin_root_path = /sys/fs/bpf/NAME/maps` (created before the load), so
//!   libbpf reuses a pinned map or creates and pins it before the programs
//!   load: programs and userspace share one map, across runs. `pin var`
//!   globals live in their own pinned map, mapped into memory (`pinned`).
//! * **Attach.** XDP uses a BPF link (`bpf_link_create`, mode flags only),
//!   TC a clsact hook (`bpf_tc_hook_create` + `bpf_tc_attach`), tracepoints
//!   and probes `bpf_program__attach*`. `attach` returns 0 or a negative
//!   errno after printing the reason; an `attach` whose result is ignored
//!   exits the program (status 1) on failure. `detach` is idempotent.
//! * **Exit.** SIGINT/SIGTERM only set a flag; `dispatch` returns 0 when it
//!   sees it, and `while` loops exit the program (status 128 + signal).
//!   Every exit path (return from `main`, `exit`, errors) runs one
//!   `atexit` cleanup that detaches everything and destroys the skeleton.
//! * **Per-CPU maps.** Reading gives the sum over CPUs (integers, and
//!   integer fields of structs; other fields come from CPU 0); writing
//!   stores the value on CPU 0 and zero on the others, so a read after a
//!   write returns the written value.
//! * **Events.** `rb.on_event(f)` sets the handler; `dispatch(rbs...)`
//!   polls the ring buffers until a signal (returns 0), a handler returning
//!   non-zero (returns that value) or a polling error (negative errno).

mod aggregates;
pub(crate) mod args;
mod arithmetic;
mod attach;
mod attach_perf;
mod calls;
mod entries;
mod events;
mod functions;
mod kmod;
mod library;
mod lifecycle;
mod maps;
mod pinned;
mod policy;
mod print;
mod python;
mod runtime;
mod statements;
mod strings;
mod test_runner;
pub(crate) mod types;

use std::collections::{BTreeMap, BTreeSet};

use crate::codegen::c::lower::FileScope;
use crate::codegen::c::names::{clash, Output, Place};
use crate::codegen::c::types::{is_array_like, TypePolicy};
use crate::codegen::plan::Plan;
use crate::ir::{
    visit, Callee, ConfigId, ConstId, EnumId, ExprKind, FunctionId, FunctionKind, MapId, Origin,
    Program, StructOpsId, Target, Type,
};
use crate::kinds::Descriptor;
use crate::source::SourceMap;
use attach_perf::PERF_EVENT_CONSTANT;

use crate::codegen::c::CWriter;
use runtime::raw;

/// How the userspace program spells types: kernel enums as `int` (its
/// headers may lack them), aggregates zeroed with `{0}`, strings passed as
/// `const char *`.
const TYPE_POLICY: TypePolicy = TypePolicy {
    kernel_enums_as_int: true,
    zero_aggregate: "{0}",
    string_parameters: true,
    user_struct_prefix: "",
};

/// The userspace program for `program`, or `None` when it has no `main`
/// (an eBPF-only project).
pub fn generate(program: &Program, sources: &SourceMap, plan: &Plan) -> Option<String> {
    let main = program
        .functions
        .iter()
        .position(|function| function.kind == FunctionKind::Main)?;
    let generator = Generator::new(program, sources, plan, FunctionId(main as u32), false);
    Some(generator.run())
}

/// The test runner (`NAME.test.c`) for `program`: its `@test` functions,
/// the userspace functions they call and the runtime, with a C `main`
/// that runs each test in a child process (`test_runner`). `None` when
/// the program has no `@test` function.
pub fn generate_tests(program: &Program, sources: &SourceMap, plan: &Plan) -> Option<String> {
    let first = program
        .functions
        .iter()
        .position(|function| function.kind == FunctionKind::Test)?;
    let generator = Generator::new(program, sources, plan, FunctionId(first as u32), true);
    Some(generator.run())
}

/// How userspace uses one map; decides which helpers are emitted.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct MapUse {
    pub lookup: bool,
    pub get: bool,
    pub update: bool,
    pub delete: bool,
    pub iterate: bool,
    pub contains: bool,
    pub load: bool,
}

/// The runtime pieces the user code turned out to need.
#[derive(Default)]
pub(crate) struct Needs {
    pub load: bool,
    pub attach: bool,
    /// An `attach` whose result is ignored (failure exits).
    pub attach_or_exit: bool,
    /// `attach(handle, target, flags)` (the interface/tracepoint form).
    pub target_attach: bool,
    /// `attach(handle, perf_options { ... }, 0)`, `read` or `detach` of a
    /// perf attachment.
    pub perf_counters: attach_perf::PerfUse,
    pub detach: bool,
    pub program_table: bool,
    pub maps: BTreeMap<MapId, MapUse>,
    /// Ring buffers and perf event arrays with an `on_event`, with the
    /// handler's type.
    pub on_event: BTreeMap<MapId, Type>,
    /// Ring buffers named in a `dispatch`.
    pub dispatched: BTreeSet<MapId>,
    pub str_copy: bool,
    pub str_concat: bool,
    pub str_eq: bool,
    /// `ks_udiv`, `ks_sdiv`, ...: division with eBPF's meaning.
    pub defined_division: bool,
    pub throw: bool,
    pub daemon: bool,
    pub sleep: bool,
    pub exec: bool,
    pub ktime: bool,
    pub check_exit: bool,
    /// User code reads or writes a `pin var` global.
    pub pinned_globals: bool,
    /// struct_ops impl blocks passed to `register`.
    pub registered: BTreeSet<StructOpsId>,
    /// Struct wrappers for array-like return values: data declarator →
    /// typedef name.
    pub result_types: BTreeMap<String, String>,
    /// Python modules the code calls, with the C name of each one's
    /// runtime object.
    pub python: BTreeMap<crate::ir::ModuleId, String>,
    /// The Python result conversions the calls use.
    pub python_results: BTreeSet<python::Conversion>,
    /// `test(program, input)`: `BPF_PROG_TEST_RUN`.
    pub test_run: bool,
    /// The packet builders.
    pub packets: bool,
    /// Standard library functions called (`library.rs`).
    pub library: BTreeSet<crate::ir::Library>,
}

/// One eBPF program of the object, as userspace knows it.
pub(crate) struct ProgramEntry {
    pub function: FunctionId,
    /// The program's name: its skeleton member and `bpftool` name.
    pub name: String,
    /// Its index constant in the generated program table.
    pub constant: String,
    /// Loaded with the object (userspace names it, or a loaded program
    /// tail-calls it).
    pub autoload: bool,
}

/// The userspace function of `program` a program's target names, when its
/// kind probes the program's own functions.
fn own_function(program: &Program, decl: &crate::ir::ProgramDecl) -> Option<FunctionId> {
    let name = (decl.descriptor().own_function)(&decl.target)?;
    program
        .functions
        .iter()
        .position(|function| {
            function.name == name
                && matches!(function.kind, FunctionKind::Userspace | FunctionKind::Main)
        })
        .map(|index| FunctionId(index as u32))
}

pub(crate) struct Generator<'a> {
    pub program: &'a Program,
    pub sources: &'a SourceMap,
    /// `NAME`.
    pub project: String,
    /// The outputs plan.
    pub plan: &'a Plan,
    /// The user's `main`; in the test runner, the first `@test` function
    /// (its file names the runner).
    pub main: FunctionId,
    /// Generating the test runner (`NAME.test.c`): the `@test` functions
    /// instead of `main`.
    pub tests: bool,
    /// The types, the file-scope C names (the plan's, then this output's
    /// own) and the `#line` targets of `NAME.c`.
    pub scope: FileScope<'a>,
    pub programs: Vec<ProgramEntry>,
    pub needs: Needs,
    /// Whether the program throws anywhere (functions with `defer` then
    /// catch and rethrow to run their deferred calls).
    pub program_throws: bool,
    /// Names of generated per-map helpers, by map and operation.
    pub map_helper_names: BTreeMap<(MapId, &'static str), String>,
    /// The map (and struct) holding the `pin var` globals, if any
    /// (the plan's).
    pub pinned_globals: Option<String>,
    /// Userspace functions a program probes (`@uprobe("FUNCTION")`): real
    /// symbols of the binary, never `static` or inlined.
    pub probed_functions: BTreeSet<FunctionId>,
    /// Functions something calls or takes as a value; the others are
    /// marked unused (an uncalled `static` function is a -Wall warning).
    pub referenced_functions: BTreeSet<FunctionId>,
}

impl<'a> Generator<'a> {
    fn new(
        program: &'a Program,
        sources: &'a SourceMap,
        plan: &'a Plan,
        main: FunctionId,
        tests: bool,
    ) -> Generator<'a> {
        let mut file_names = plan.names.file.clone();
        // Map helpers are named up front so that no local can shadow one.
        let mut map_helper_names = BTreeMap::new();
        for index in 0..program.maps.len() {
            let map = MapId(index as u32);
            for operation in maps::OPERATIONS {
                let base = format!("{}_{operation}", plan.names.map(map));
                let clashes = clash(&base, Place::File, Output::Userspace).is_some();
                map_helper_names.insert((map, *operation), file_names.user(&base, clashes));
            }
        }
        let programs = program_entries(program, tests);
        let program_throws = program_throws(program);
        let probed_functions = program
            .functions
            .iter()
            .filter_map(|function| function.kind.program())
            .filter_map(|decl| own_function(program, decl))
            .collect();
        let mut referenced_functions = BTreeSet::new();
        for function in &program.functions {
            crate::ir::visit::walk_block_exprs(&function.body, &mut |expr| match &expr.kind {
                ExprKind::Call {
                    callee: Callee::Function(id),
                    ..
                }
                | ExprKind::FunctionRef(id) => {
                    referenced_functions.insert(*id);
                }
                _ => {}
            });
        }
        let extension = if tests { "test.c" } else { "c" };
        let scope = FileScope::new(program, sources, plan, TYPE_POLICY, file_names, extension);
        Generator {
            program,
            sources,
            project: plan.project.clone(),
            plan,
            main,
            tests,
            scope,
            programs,
            needs: Needs::default(),
            program_throws,
            map_helper_names,
            pinned_globals: plan.pinned_globals.clone(),
            probed_functions,
            referenced_functions,
        }
    }

    /// `struct NAME_ebpf`'s prefix: `NAME_ebpf`.
    pub fn skeleton(&self) -> String {
        format!("{}_ebpf", self.project)
    }

    /// Whether anything loads the object (a `load`, a map or pinned
    /// global access, a `dispatch`).
    pub fn needs_object_load(&self) -> bool {
        let needs = &self.needs;
        (needs.load && self.programs.iter().any(|entry| entry.autoload))
            || !needs.maps.is_empty()
            || needs.pinned_globals
            || !needs.dispatched.is_empty()
            || !needs.registered.is_empty()
            || needs.exec
    }

    pub fn has_pinned_maps(&self) -> bool {
        self.program.maps.iter().any(|map| map.pinned)
    }

    /// The name of the per-map helper `operation` (one of
    /// `maps::OPERATIONS`).
    pub fn map_helper(&self, map: MapId, operation: &'static str) -> String {
        self.map_helper_names[&(map, operation)].clone()
    }

    pub fn map_use(&mut self, map: MapId) -> &mut MapUse {
        self.needs.maps.entry(map).or_default()
    }

    /// Whether this output holds `function` (of a userspace kind): the
    /// program holds `main`, the test runner the `@test` functions; both
    /// hold the plain userspace functions.
    fn holds(&self, kind: &FunctionKind) -> bool {
        match kind {
            FunctionKind::Userspace => true,
            FunctionKind::Main => !self.tests,
            FunctionKind::Test => self.tests,
            _ => false,
        }
    }

    fn run(mut self) -> String {
        let userspace: Vec<FunctionId> = self
            .program
            .functions
            .iter()
            .enumerate()
            .filter(|(_, function)| self.holds(&function.kind))
            .map(|(index, _)| FunctionId(index as u32))
            .collect();

        // User code first: it decides which runtime pieces are needed.
        let mut prototypes = Vec::new();
        let mut bodies = CWriter::new();
        for &id in &userspace {
            let lowered = functions::lower(&mut self, id);
            prototypes.push(lowered.prototype);
            bodies.blank_line();
            bodies.append(lowered.definition);
        }
        self.settle_needs();

        let mut out = CWriter::new();
        self.write_header(&mut out);
        self.write_types(&mut out);
        raw(&mut out, format!("#include \"{}.skel.h\"", self.project));
        out.blank_line();
        self.write_consts(&mut out);
        lifecycle::write_state(&self, &mut out);
        runtime::write(&self, &mut out);
        python::write(&self, &mut out);
        library::write(&self, &mut out);
        lifecycle::write_runtime(&self, &mut out);
        pinned::write_accessor(&self, &mut out);
        maps::write(&self, &mut out);
        events::write(&self, &mut out);
        lifecycle::write_setup(&self, &mut out);
        if self.tests {
            test_runner::write_runtime(&self, &mut out);
        }
        if self.needs.exec {
            lifecycle::write_exec(&self, &mut out);
        }
        if !prototypes.is_empty() {
            raw(
                &mut out,
                "/* The program's own functions (defined at the end of this file). */",
            );
            for prototype in &prototypes {
                raw(&mut out, prototype);
            }
            out.blank_line();
        }
        if self.tests {
            test_runner::write_main(&self, &mut out);
        } else {
            args::write(&self, &mut out);
            lifecycle::write_main(&self, &mut out);
        }
        raw(
            &mut out,
            format!(
                "/* ---- The functions of {}, in source order. ---- */",
                self.source_file_name()
            ),
        );
        out.append(bodies);
        out.finish()
    }

    /// This output's file name (`NAME.c` or `NAME.test.c`).
    fn scope_output_name(&self) -> String {
        if self.tests {
            format!("{}.test.c", self.project)
        } else {
            format!("{}.c", self.project)
        }
    }

    /// Needs implied by other needs.
    fn settle_needs(&mut self) {
        let needs = &mut self.needs;
        if needs.load || needs.attach || needs.detach {
            needs.program_table = true;
        }
        for map in needs.on_event.keys() {
            needs.dispatched.insert(*map);
        }
        let map_ids: Vec<MapId> = needs.maps.keys().copied().collect();
        // Map helpers zero-fill string keys and values with ks_str_copy.
        if map_ids.iter().any(|map| {
            let def = self.program.map(*map);
            matches!(def.key, Type::Str(_)) || matches!(def.value, Type::Str(_))
        }) {
            self.needs.str_copy = true;
        }
        for map in map_ids {
            let map_use = self.needs.maps.get_mut(&map).expect("present");
            if map_use.get || map_use.iterate || map_use.contains || map_use.load {
                map_use.lookup = true;
            }
        }
    }

    /// The file name of the main `.ks` file (without directories), for
    /// comments.
    pub fn source_file_name(&self) -> String {
        let span = self.program.function(self.main).span;
        self.sources
            .files()
            .find(|(id, _)| *id == span.file)
            .map(|(_, text)| {
                let name = text.name.rsplit('/').next().unwrap_or(&text.name);
                name.to_string()
            })
            .unwrap_or_else(|| format!("{}.ks", self.project))
    }

    fn write_header(&self, out: &mut CWriter) {
        raw(
            out,
            format!(
                "/* {}: {} generated by kernelscript from {}. */",
                self.scope_output_name(),
                if self.tests {
                    "the test runner of its @test functions"
                } else {
                    "userspace program"
                },
                self.source_file_name()
            ),
        );
        raw(out, "/*");
        raw(
            out,
            format!(
                " * Build with the generated Makefile: it compiles {0}.ebpf.c to {0}.ebpf.o,",
                self.project
            ),
        );
        raw(
            out,
            format!(
            " * generates the skeleton {0}.skel.h with bpftool and links this file with libbpf.",
            self.project
        ),
        );
        raw(out, " */");
        out.blank_line();
        if !self.needs.python.is_empty() {
            raw(
                out,
                "/* Python.h comes first: it sets feature macros the C library reads. */",
            );
            raw(out, "#define PY_SSIZE_T_CLEAN");
            raw(out, "#include <Python.h>");
            out.blank_line();
        }
        let mut includes = vec![
            "errno.h",
            "signal.h",
            "stdarg.h",
            "stdbool.h",
            "stdio.h",
            "stdlib.h",
            "string.h",
            "unistd.h",
        ];
        if self.needs.throw {
            includes.push("setjmp.h");
        }
        if self.tests {
            includes.push("sys/wait.h");
        }
        if self.needs.ktime || self.needs.sleep {
            includes.push("time.h");
        }
        let ipv4_option = self
            .program
            .args_options
            .iter()
            .any(|(_, option)| option.ipv4 || option.ipv6);
        for include in library::includes(&self.needs.library)
            .into_iter()
            .chain(ipv4_option.then_some("arpa/inet.h"))
        {
            if !includes.contains(&include) {
                includes.push(include);
            }
        }
        if self.needs.exec {
            includes.push("fcntl.h");
        }
        if !self.needs.dispatched.is_empty() {
            includes.push("sys/epoll.h");
        }
        if self.has_pinned_maps()
            || pinned::handles_pinned_globals(self)
            || !self.needs.python.is_empty()
        {
            includes.push("limits.h");
            includes.push("sys/stat.h");
        }
        if pinned::handles_pinned_globals(self) {
            includes.push("sys/mman.h");
        }
        if lifecycle::has_attachments(self) {
            for descriptor in self.loaded_kinds() {
                for include in descriptor.attach.includes {
                    if !includes.contains(include) {
                        includes.push(include);
                    }
                }
            }
        }
        if self.needs.perf_counters.any() {
            for include in ["linux/perf_event.h", "sys/syscall.h"] {
                if !includes.contains(&include) {
                    includes.push(include);
                }
            }
        }
        if self.needs.perf_counters.any() {
            includes.push("sys/ioctl.h");
        }
        if types::userspace_names(self.program, "bpf_perf_event_data") {
            includes.push("linux/bpf_perf_event.h");
        }
        if self.plan.kernel_module.is_some() {
            for include in kmod::INCLUDES {
                if !includes.contains(include) {
                    includes.push(include);
                }
            }
        }
        includes.push("linux/types.h");
        includes.push("bpf/bpf.h");
        includes.push("bpf/libbpf.h");
        includes.sort();
        for include in includes {
            raw(out, format!("#include <{include}>"));
        }
        out.blank_line();
        raw(
            out,
            "/* gcc predefines these in GNU mode; KernelScript names may use them. */",
        );
        raw(out, "#undef linux");
        raw(out, "#undef unix");
        out.blank_line();
    }

    /// The descriptors of the program kinds the object loads (programs
    /// userspace names and their tail-call targets), in table order, one
    /// per program-table constant (`@uprobe` and `@uretprobe` share one).
    pub fn loaded_kinds(&self) -> Vec<&'static Descriptor> {
        let mut kinds: Vec<&'static Descriptor> = Vec::new();
        for kind in crate::kinds::KINDS {
            let descriptor = kind.descriptor();
            // Perf counters (`attach(h, perf_options {..}, 0)`) attach any
            // loaded program the way @perf_event programs are attached.
            let perf_counter =
                self.needs.perf_counters.any() && descriptor.attach.constant == PERF_EVENT_CONSTANT;
            let loaded = perf_counter
                || self.programs.iter().any(|entry| {
                    entry.autoload
                        && self
                            .program
                            .function(entry.function)
                            .kind
                            .program()
                            .map(|p| p.kind)
                            == Some(*kind)
                });
            let constant = descriptor.attach.constant;
            if loaded && !kinds.iter().any(|seen| seen.attach.constant == constant) {
                kinds.push(descriptor);
            }
        }
        kinds
    }

    /// Enums, structs and config blocks, before the skeleton header that
    /// refers to them; then wrappers for array-like return values.
    fn write_types(&self, out: &mut CWriter) {
        let types = &self.scope.types;
        let mut wrote = false;
        for (index, def) in self.program.enums.iter().enumerate() {
            if def.origin == Origin::Source {
                crate::codegen::c::items::write_enum(out, types, EnumId(index as u32));
                wrote = true;
            }
        }
        let roots = types::shared_roots(self.program);
        let defined = types::structs_to_define(self.program, &roots);
        // Kernel structs userspace only points to: declared, so a pointer
        // parameter does not declare a new struct scoped to its prototype.
        let forward = types::structs_to_forward_declare(self.program, &defined);
        if !forward.is_empty() {
            out.blank_line();
        }
        for name in forward {
            raw(out, format!("struct {name};"));
            wrote = true;
        }
        for id in defined {
            crate::codegen::c::items::write_struct(out, types, id);
            wrote = true;
        }
        if pinned::handles_pinned_globals(self) {
            out.blank_line();
            pinned::write_struct(self, out);
            wrote = true;
        }
        for index in 0..self.program.configs.len() {
            crate::codegen::c::items::write_config_struct(out, types, ConfigId(index as u32));
            wrote = true;
        }
        if !self.needs.result_types.is_empty() {
            out.blank_line();
        }
        for (data, name) in &self.needs.result_types {
            raw(out, format!("typedef struct {{ {data}; }} {name};"));
            wrote = true;
        }
        if wrote {
            out.blank_line();
        }
    }

    /// The user constants the userspace code names (in its functions and
    /// the `pin var` initial values it writes).
    fn write_consts(&self, out: &mut CWriter) {
        let mut used = BTreeSet::new();
        let mut note = |expr: &crate::ir::Expr| {
            if let ExprKind::Const(id) = expr.kind {
                if self.program.const_def(id).origin == Origin::Source {
                    used.insert(id);
                }
            }
        };
        for function in &self.program.functions {
            if function.kind.target() == Target::Userspace {
                visit::walk_block_exprs(&function.body, &mut note);
            }
        }
        if pinned::handles_pinned_globals(self) {
            for global in self.program.globals.iter().filter(|global| global.pinned) {
                if let Some(init) = &global.init {
                    visit::walk_exprs(init, &mut note);
                }
            }
        }
        let used: Vec<ConstId> = used.into_iter().collect();
        if used.is_empty() {
            return;
        }
        crate::codegen::c::items::write_constants(out, &self.scope.types, &used);
        out.blank_line();
    }

    /// The C spelling of a function's return type: array-like values are
    /// returned inside a one-member struct (`ks_str16_t`).
    /// The C symbol of the program's own function `program`'s target names
    /// (`@uprobe("FUNCTION")`).
    pub fn own_function_symbol(&self, program: &crate::ir::ProgramDecl) -> Option<String> {
        own_function(self.program, program).map(|id| self.plan.names.function(id).to_string())
    }

    /// `static ` for a userspace function, or what keeps a probed one a
    /// real symbol of the binary.
    pub fn function_linkage(&self, id: FunctionId) -> &'static str {
        if self.probed_functions.contains(&id) {
            "__attribute__((noinline, used)) "
        } else if id == self.main || self.referenced_functions.contains(&id) {
            "static "
        } else {
            "static __attribute__((unused)) "
        }
    }

    pub fn return_type(&mut self, ty: &Type) -> String {
        if !is_array_like(ty) {
            return self.scope.types.name(ty);
        }
        let data = self.scope.types.declaration(ty, "data");
        if let Some(name) = self.needs.result_types.get(&data) {
            return name.clone();
        }
        let base = match ty {
            Type::Str(len) => format!("ks_str{len}_t"),
            _ => "ks_array_t".to_string(),
        };
        let name = self.scope.names.fresh(&base);
        self.needs.result_types.insert(data, name.clone());
        name
    }
}

/// `KS_PROG_name`: the index of program `id` in the program table.
pub(crate) fn program_constant(program: &Program, id: FunctionId) -> String {
    format!("KS_PROG_{}", program.function(id).name)
}

/// Every program entry point of the object with its autoload decision:
/// the programs the output's userspace functions name (the test runner's
/// are its `@test` functions', the program's its `main`'s).
fn program_entries(program: &Program, tests: bool) -> Vec<ProgramEntry> {
    let mut named = BTreeSet::new();
    for function in &program.functions {
        let held = match function.kind {
            FunctionKind::Main => !tests,
            FunctionKind::Test => tests,
            _ => function.kind.target() == Target::Userspace,
        };
        if !held {
            continue;
        }
        visit::walk_block_exprs(&function.body, &mut |expr| {
            if let ExprKind::FunctionRef(id) = expr.kind {
                if program.function(id).kind.is_program() {
                    named.insert(id);
                }
            }
        });
    }
    // Tail-call targets of loaded programs are loaded with them.
    let mut autoload = BTreeSet::new();
    let mut pending: Vec<FunctionId> = named.into_iter().collect();
    while let Some(id) = pending.pop() {
        if !autoload.insert(id) {
            continue;
        }
        visit::walk_block_exprs(&program.function(id).body, &mut |expr| {
            if let ExprKind::Call {
                callee: Callee::TailCall(target),
                ..
            } = &expr.kind
            {
                pending.push(*target);
            }
        });
    }
    program
        .functions
        .iter()
        .enumerate()
        .filter(|(_, function)| function.kind.is_program())
        .map(|(index, function)| {
            let id = FunctionId(index as u32);
            ProgramEntry {
                function: id,
                name: function.name.clone(),
                constant: program_constant(program, id),
                autoload: autoload.contains(&id),
            }
        })
        .collect()
}

/// Whether anything in the program throws: a `throw`, or a Python call
/// (a Python exception is thrown as `PYTHON_ERROR`).
fn program_throws(program: &Program) -> bool {
    program.functions.iter().any(|function| {
        let mut throws = false;
        visit::walk_stmts(&function.body, &mut |stmt| {
            if matches!(stmt.kind, crate::ir::StmtKind::Throw(_)) {
                throws = true;
            }
        });
        visit::walk_block_exprs(&function.body, &mut |expr| {
            if python::is_python_call(expr) {
                throws = true;
            }
        });
        throws
    })
}

#[cfg(test)]
mod tests;
