//! Name resolution, type checking and program rules: AST to IR.
//!
//! The checker is the only place (besides `syntax`) that produces user
//! diagnostics. It produces an `ir::Program` only for input without errors.
//!
//! It runs in passes over all files at once (included headers first, the
//! main file last; one global namespace):
//!
//! 1. `kernel.rs`: kernel-known types, constants and BPF helpers, and the
//!    language builtins, are defined (`items.rs`).
//! 2. `items.rs` collects every top-level name and gives it an id, so
//!    functions, types and constants may be used before their definition.
//! 3. Types: aliases, struct fields, enum values (`items.rs`, `types.rs`);
//!    constants (`consts.rs`, lazily, in dependency order).
//! 4. Declarations: maps (`maps.rs`), globals and configs (`items.rs`),
//!    function signatures and program kinds (`functions.rs`,
//!    `programs.rs`), struct_ops impl blocks.
//! 5. Bodies: statements (`stmts.rs`, `places.rs`), expressions
//!    (`exprs.rs`, `aggregates.rs`, `matches.rs`, `calls.rs`), lowered to
//!    the IR while recording each function's calls and locals. Once a
//!    body is lowered, map-read locals compared with `null` get their
//!    found flags (`presence.rs`), pointers that may be null are
//!    checked before use (`nullness.rs`) and ring-buffer reservations are
//!    released exactly once on every path (`ownership/`).
//! 6. Whole-program rules: one `main`, names C must carry as written
//!    (`c_names.rs`), and the eBPF call graph (recursion, stack usage) in
//!    `limits.rs`.
//!
//! All wording lives in `errors/`. Scoping state of the body being checked
//! lives in `scope.rs`, global names in `env.rs`.
//!
//! Errors never stop a pass: an expression that failed gets `Type::Error`,
//! which unifies with everything, so one mistake yields one diagnostic.

mod aggregates;
mod bridge;
mod c_names;
mod calls;
mod consts;
mod defers;
mod env;
mod errors;
mod exprs;
mod flow;
mod functions;
mod items;
mod kernel;
mod kernel_module;
mod limits;
mod maps;
mod matches;
mod modules;
mod nullness;
mod objects;
mod ownership;
mod perf;
mod perf_context;
mod places;
mod presence;
mod probes;
mod programs;
mod python;
mod reachability;
mod records;
mod scope;
mod stmts;
mod struct_ops;
mod throws;
mod types;
mod warnings;

#[cfg(test)]
mod tests;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{self, Type};
use crate::syntax::ast;
use crate::unit::{Role, Unit, UnitFile};

use env::Env;
use kernel::KernelView;
use scope::{CallEdge, FnCtx};

/// Checks the parsed files of one compilation (the main file, its headers
/// and the modules it imports) against `kernel` and lowers them to the IR.
/// `tracepoint_formats` holds the tracefs format file of each
/// `category/event` the driver could read.
///
/// Returns what could be checked together with the diagnostics: with
/// errors, the program has holes where checking failed (`Type::Error`
/// types, declarations and statements left out) and is fit for questions
/// (an editor's outline, hover types), not for code generation. Warnings
/// (`warnings.rs`) are computed only for a program without errors.
pub fn check(
    unit: &Unit,
    kernel: &crate::kernel::Kernel,
    tracepoint_formats: &std::collections::BTreeMap<String, String>,
) -> (ir::Program, Diagnostics) {
    let mut checker = Checker::new(unit, KernelView::new(kernel, tracepoint_formats));
    checker.run();
    let Checker {
        mut program,
        mut diags,
        ..
    } = checker;
    program.kernel = Some(ir::KernelBtf(kernel.btf().clone()));
    if !diags.has_errors() {
        for warning in warnings::warnings(&program) {
            diags.push(warning);
        }
    }
    (program, diags)
}

/// A type alias waiting for (or done with) resolution.
pub(crate) struct AliasSlot<'a> {
    pub name: String,
    /// The aliased type as written; `None` for a kernel typedef, imported
    /// already resolved.
    pub target: Option<&'a ast::TypeExpr>,
    pub state: Resolution<Type>,
}

/// A constant waiting for (or done with) evaluation.
pub(crate) struct ConstSlot<'a> {
    pub decl: Option<&'a ast::ConstDecl>,
    pub state: Resolution<()>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resolution<T> {
    Pending,
    InProgress,
    Done(T),
}

/// The source of a function: a top-level `fn` or a method of an impl block.
pub(crate) struct FnSource<'a> {
    pub decl: &'a ast::FunctionDecl,
    pub impl_name: Option<String>,
}

/// A `@struct_ops` impl block.
pub(crate) struct ImplSlot<'a> {
    pub decl: &'a ast::ImplDecl,
    pub ops_type: Option<String>,
    pub methods: Vec<(String, ir::FunctionId)>,
}

/// What was learned about a function while checking its body.
#[derive(Clone, Debug, Default)]
pub(crate) struct FnFacts {
    pub calls: Vec<CallEdge>,
    /// Throws that leave the function (eBPF code).
    pub throws: Vec<scope::ThrowSite>,
    /// The largest of its eBPF stack frames (its own and its loop
    /// callbacks', which hold their bodies' locals; parameters excluded).
    pub largest_frame: u64,
    /// Its own frame plus the deepest chain of loop callback frames.
    pub stack_depth: u64,
    /// A helper's hidden context local and its first `output`
    /// (`perf_context.rs`).
    pub context_local: Option<(ir::LocalId, crate::span::Span)>,
}

pub(crate) struct Checker<'a> {
    /// Globals with an index below this have their type; the others are
    /// still `Error` placeholders (their declarations come later).
    pub globals_typed: usize,
    pub unit: &'a Unit,
    /// The files in checking order: headers, modules, the main file last.
    pub files: Vec<&'a UnitFile>,
    /// By `ir::ModuleId`: the namespace of a KernelScript module.
    pub module_spaces: Vec<Option<env::Space>>,
    /// By `ir::ModuleId` of a Python module: the functions its source
    /// defines.
    pub python_functions: Vec<Vec<python::PyFunction>>,
    pub kernel: KernelView<'a>,
    /// Source declarations of kernel types, checked against BTF after the
    /// source's own types are resolved (`kernel/declared.rs`).
    pub kernel_declarations: Vec<&'a ast::Item>,
    /// The context struct of each `@tracepoint` target.
    pub kernel_tracepoints: std::collections::BTreeMap<String, kernel::TracepointContext>,
    pub program: ir::Program,
    pub diags: Diagnostics,
    pub env: Env,
    pub aliases: Vec<AliasSlot<'a>>,
    pub const_slots: Vec<ConstSlot<'a>>,
    pub struct_decls: Vec<Option<&'a ast::StructDecl>>,
    pub enum_decls: Vec<Option<&'a ast::EnumDecl>>,
    pub global_decls: Vec<&'a ast::GlobalVarDecl>,
    pub map_decls: Vec<&'a ast::GlobalVarDecl>,
    pub config_decls: Vec<&'a ast::ConfigDecl>,
    pub extern_decls: Vec<&'a ast::ExternDecl>,
    pub fn_sources: Vec<FnSource<'a>>,
    pub fn_facts: Vec<FnFacts>,
    /// Each lowered body as the null checker reads it (`nullness.rs`),
    /// checked once every body is lowered.
    pub null_bodies: Vec<(ir::FunctionId, ir::Block)>,
    pub impls: Vec<ImplSlot<'a>>,
    /// Kernel structs BTF only declares (usable behind pointers).
    pub opaque_structs: Vec<ir::StructId>,
    /// While the source's structs get their fields: a struct may still
    /// contain itself, so nothing is sized (`limit_size` waits for
    /// `check_struct_recursion`, after which every struct is sized).
    pub sizing_deferred: bool,
    /// The body (or initialiser) being checked.
    pub fx: FnCtx,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(unit: &'a Unit, kernel: KernelView<'a>) -> Checker<'a> {
        let mut files: Vec<&UnitFile> = Vec::new();
        for role in [Role::Header, Role::Module, Role::Main] {
            files.extend(unit.files.iter().filter(|file| file.role == role));
        }
        Checker {
            unit,
            files,
            module_spaces: Vec::new(),
            python_functions: Vec::new(),
            kernel,
            kernel_declarations: Vec::new(),
            kernel_tracepoints: std::collections::BTreeMap::new(),
            program: ir::Program::default(),
            diags: Diagnostics::new(),
            env: Env::default(),
            aliases: Vec::new(),
            const_slots: Vec::new(),
            struct_decls: Vec::new(),
            globals_typed: 0,
            enum_decls: Vec::new(),
            global_decls: Vec::new(),
            map_decls: Vec::new(),
            config_decls: Vec::new(),
            extern_decls: Vec::new(),
            fn_sources: Vec::new(),
            fn_facts: Vec::new(),
            null_bodies: Vec::new(),
            impls: Vec::new(),
            opaque_structs: Vec::new(),
            sizing_deferred: false,
            fx: FnCtx::global(),
        }
    }

    fn run(&mut self) {
        self.define_kernel_items();
        self.define_builtins();
        self.setup_modules();
        self.collect_items();
        self.resolve_types();
        self.evaluate_consts();
        self.check_kernel_declarations();
        self.declare_maps();
        self.declare_globals();
        self.declare_configs();
        self.declare_externs();
        self.prepare_tracepoint_contexts();
        self.declare_functions();
        self.check_module_contents();
        self.check_own_function_targets();
        self.check_impls();
        self.check_c_names();
        self.check_perf_shared_state();
        self.check_bodies();
        self.check_shared_kernel_structs();
        self.check_nullness();
        self.check_main();
        self.check_args_options();
        self.check_call_graph();
        self.check_object_callers();
        self.check_throws();
        self.pass_program_contexts();
        self.check_kernel_module_code();
    }

    pub(crate) fn report(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// Runs `f` in the global (no function) context, restoring the current
    /// body context afterwards. Used for initialisers and lazily evaluated
    /// constants, which may be reached from inside a body.
    pub(crate) fn in_global_context<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.fx, FnCtx::global());
        let result = f(self);
        self.fx = saved;
        result
    }
}
