//! One eBPF function: its signature and `SEC()`, the C names of its locals,
//! and every way of leaving it.
//!
//! `FunctionEmitter` carries the per-function state the statement and
//! expression emitters share: C names (unique where the IR has shadowed
//! duplicates, never shadowing a file-scope name), the registered `defer`s,
//! the enclosing `try` blocks and loops.
//!
//! Exits (`return`, an uncaught `throw`, falling off the end) all go through
//! `emit_return` / `emit_uncaught_throw`, which first run the deferred
//! calls registered so far, newest first. A `defer` directly in the function
//! body runs at every later exit; one in a nested block sets a flag when
//! reached, and exits run it only if the flag is set (so it runs at function
//! exit, as the language says, and at most once). A `throw` inside `try`
//! stores the code in the function's `error` local and jumps to that try's
//! catch dispatch (`goto catch`); an uncaught one leaves the function with
//! the program kind's failure result (its descriptor, `crate::kinds`).

use std::collections::{BTreeMap, BTreeSet};

use crate::codegen::c::CWriter;
use crate::ir::{
    Expr, ExprKind, Function, FunctionId, FunctionKind, LocalId, MapKind, Program, Stmt, StmtKind,
    Type,
};
use crate::kinds::Entry;
use crate::span::Span;

use super::names::first_free;
use super::types::{declaration, zero_initializer};
use super::{statements, visit, Generator};

/// How the C code reaches a local's object.
#[derive(Clone, Debug)]
pub(super) enum Spelling {
    /// An lvalue naming the object itself: `count`, `captures->total`.
    Value(String),
    /// An expression holding a pointer to the object: `stats` (the object
    /// is `*stats`, its fields `stats->f`). Used for `by_reference` locals.
    Pointer(String),
}

/// A `defer`red call registered at the current point of the walk.
#[derive(Clone, Debug)]
pub(super) struct Deferred<'a> {
    pub(super) call: &'a Expr,
    pub(super) span: Span,
    /// Set when the defer sits in a nested block: the flag local that
    /// records whether it was reached.
    pub(super) flag: Option<String>,
    /// The naming scope the defer was registered in: while it is open,
    /// the defer has certainly been reached and needs no flag test.
    scope: usize,
}

/// What `break` / `continue` mean in the innermost loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LoopKind {
    /// A C loop (`for`, `while`).
    Plain,
    /// The body of a `bpf_for_each_map_elem` callback: `return 1` stops the
    /// iteration, `return 0` goes on.
    MapCallback,
}

pub(super) struct FunctionEmitter<'g, 'a> {
    pub(super) gen: &'g mut Generator<'a>,
    pub(super) program: &'a Program,
    pub(super) function: &'a Function,
    /// The function's text.
    pub(super) out: CWriter,
    /// Definitions that must precede the function (loop callbacks).
    pub(super) preceding: CWriter,
    pub(super) locals: BTreeMap<LocalId, Spelling>,
    /// By-reference locals bound to a map entry, with the map's kind (for
    /// atomic updates through them).
    pub(super) map_bindings: BTreeMap<LocalId, MapKind>,
    /// C names declared in each open block, innermost last.
    scopes: Vec<BTreeSet<String>>,
    /// Identities of the open blocks, parallel to `scopes`.
    scope_ids: Vec<usize>,
    next_scope_id: usize,
    /// Generated names (temporaries, flags): unique in the whole function.
    temps: BTreeSet<String>,
    /// Every source name of the function's locals; generated names avoid
    /// them all so no later declaration can clash.
    source_names: BTreeSet<String>,
    labels: BTreeSet<String>,
    pub(super) defers: Vec<Deferred<'a>>,
    /// Flags of defers in nested blocks, by statement address.
    defer_flags: BTreeMap<usize, String>,
    /// How flags are spelled where not by their name (inside a map
    /// iteration callback: through the context struct).
    pub(super) flag_spellings: BTreeMap<String, String>,
    /// Catch labels of the enclosing `try` bodies, innermost last.
    pub(super) tries: Vec<String>,
    pub(super) loops: Vec<LoopKind>,
    /// The local holding a thrown code, when the function catches.
    pub(super) error_code: Option<String>,
    /// The local pointing at the `pin var` globals' map entry, when the
    /// function uses them.
    pub(super) pinned_entry: Option<String>,
    /// Nesting of blocks below the function body (0 = the body itself).
    pub(super) block_depth: usize,
    /// When false, no `#line` directives are written (text produced for
    /// GNU statement expressions, which sit inside one C statement).
    pub(super) map_lines: bool,
    /// Whether reads through kernel pointers are CO-RE probe reads
    /// (`Plan::kernel_reads`; `kernel_reads.rs`).
    pub(super) kernel_reads: bool,
    /// Set while a place (an assignment target, an `&` operand) is
    /// written: places are never probe reads.
    pub(super) place_mode: bool,
}

/// Emits function `id` (with any definitions it needs before it).
pub(super) fn emit_function(gen: &mut Generator<'_>, id: FunctionId) -> CWriter {
    let program = gen.program;
    let function = program.function(id);
    let kernel_reads = gen.plan.kernel_reads.contains(&id);
    let mut emitter = FunctionEmitter::new(gen, function);
    emitter.kernel_reads = kernel_reads;
    emitter.emit();
    let mut text = emitter.preceding;
    if !text.is_empty() {
        text.blank_line();
    }
    text.append(emitter.out);
    text
}

impl<'g, 'a> FunctionEmitter<'g, 'a> {
    fn new(gen: &'g mut Generator<'a>, function: &'a Function) -> Self {
        FunctionEmitter {
            program: gen.program,
            gen,
            function,
            out: CWriter::new(),
            preceding: CWriter::new(),
            locals: BTreeMap::new(),
            map_bindings: BTreeMap::new(),
            scopes: vec![BTreeSet::new()],
            scope_ids: vec![0],
            next_scope_id: 1,
            temps: BTreeSet::new(),
            source_names: function
                .locals
                .iter()
                .map(|local| local.name.clone())
                .collect(),
            labels: BTreeSet::new(),
            defers: Vec::new(),
            defer_flags: BTreeMap::new(),
            flag_spellings: BTreeMap::new(),
            tries: Vec::new(),
            loops: Vec::new(),
            error_code: None,
            pinned_entry: None,
            block_depth: 0,
            map_lines: true,
            kernel_reads: false,
            place_mode: false,
        }
    }

    fn emit(&mut self) {
        let function = self.function;
        // libbpf's BPF_PROG / BPF_KPROBE / BPF_KRETPROBE wrap the body in a
        // function whose first parameter is `ctx`: no source parameter may
        // take that name, and the body marks it used (`-Wunused-parameter`).
        let macro_entry = match &function.kind {
            FunctionKind::Program(program) => matches!(
                program.entry,
                Entry::BpfProg | Entry::Kprobe | Entry::Kretprobe
            ),
            FunctionKind::StructOpsMethod { .. } => true,
            _ => false,
        };
        if macro_entry {
            self.temps.insert("ctx".to_string());
        }
        let params: Vec<String> = function
            .params
            .iter()
            .map(|param| {
                let name = self.declare_local(*param);
                declaration(self.program, &function.locals[param.index()].ty, &name)
            })
            .collect();
        let params = if params.is_empty() {
            "void".to_string()
        } else {
            params.join(", ")
        };
        let name = &function.name;
        match &function.kind {
            FunctionKind::Program(program) => {
                let descriptor = program.descriptor();
                self.out.line(format!(
                    "SEC(\"{}\")",
                    (descriptor.section)(&program.target)
                ));
                self.map_line(function.span);
                match program.entry {
                    Entry::Context => self.out.line(format!("int {name}({params})")),
                    Entry::BpfProg => self
                        .out
                        .line(format!("int BPF_PROG({name}{})", prefixed_params(&params))),
                    Entry::Kprobe => self.out.line(format!(
                        "int BPF_KPROBE({name}{})",
                        prefixed_params(&params)
                    )),
                    Entry::Kretprobe => self.out.line(format!(
                        "int BPF_KRETPROBE({name}{})",
                        prefixed_params(&params)
                    )),
                    Entry::Registers => {
                        // The source declares no parameters: registers only.
                        let context = self.temp("ctx");
                        self.out
                            .line(format!("int {name}(struct pt_regs *{context})"));
                    }
                }
            }
            FunctionKind::StructOpsMethod { impl_name } => {
                let name = struct_ops_method_name(impl_name, name);
                self.out.line(format!("SEC(\"struct_ops/{name}\")"));
                self.map_line(function.span);
                let ret = declaration(self.program, &function.ret, "");
                self.out.line(format!(
                    "{ret} BPF_PROG({name}{})",
                    prefixed_params(&params)
                ));
            }
            _ => {
                self.map_line(function.span);
                let ret = declaration(self.program, &function.ret, name);
                self.out
                    .line(format!("static __always_inline {ret}({params})"));
            }
        }
        self.out.open_block("");
        if macro_entry {
            self.out.line("(void)ctx;");
        }
        self.emit_prologue();
        statements::emit_stmts(self, &function.body.stmts);
        if function.body.completes {
            self.emit_fall_off_end(function.span);
        }
        self.out.close_block();
        self.out.map_to_output(&self.gen.output_name);
    }

    /// Declarations every exit may need: the named return value, the
    /// thrown-code local, the flags of nested defers.
    fn emit_prologue(&mut self) {
        let function = self.function;
        if let Some(named) = function.named_return {
            let name = self.declare_local(named);
            let ty = &function.locals[named.index()].ty;
            self.out.line(format!(
                "{} = {};",
                declaration(self.program, ty, &name),
                zero_initializer(ty)
            ));
        }
        if uses_pinned_globals(self.program, &function.body) {
            let name = self.temp("pinned");
            self.emit_pinned_entry(&name);
            self.pinned_entry = Some(name);
        }
        let mut has_try = false;
        let mut nested_defers = Vec::new();
        scan_defers(&function.body.stmts, 0, &mut has_try, &mut nested_defers);
        if has_try {
            let name = self.temp("error");
            self.out.line(format!("__s64 {name} = 0;"));
            self.error_code = Some(name);
        }
        for stmt in nested_defers {
            let name = self.temp("deferred");
            self.out.line(format!("bool {name} = false;"));
            self.defer_flags.insert(stmt as *const Stmt as usize, name);
        }
    }

    /// `struct pinned_globals *name = pinned_globals_entry();` and leaving
    /// when the (one-entry array) lookup fails, which it cannot.
    pub(super) fn emit_pinned_entry(&mut self, name: &str) {
        let Some(map) = self.gen.plan.pinned_globals.clone() else {
            return;
        };
        self.out
            .line(format!("struct {map} *{name} = {map}_entry();"));
        self.out.open_block(format!("if (!{name})"));
        if self.in_map_callback() {
            self.out.line("return 1;");
        } else if self.function.ret == Type::Void {
            self.out.line("return;");
        } else {
            let failure = self.failure_result();
            self.out.line(format!("return {failure};"));
        }
        self.out.close_block();
    }

    fn emit_fall_off_end(&mut self, span: Span) {
        if self.function.ret == Type::Void {
            if !self.defers.is_empty() {
                self.emit_defers(span);
            }
        } else if let Some(named) = self.function.named_return {
            self.emit_defers(span);
            let name = self.local_lvalue(named);
            self.out.line(format!("return {name};"));
        } else {
            // The checker guarantees a value-returning function returns on
            // every path; C still wants a return after a final `if`/`else`.
            self.emit_defers(span);
            let value = self.failure_result();
            self.out.line(format!("return {value};"));
        }
    }

    // ---- names ----------------------------------------------------------

    /// Gives local `id` a C name visible from here on in the current block.
    pub(super) fn declare_local(&mut self, id: LocalId) -> String {
        let local = self.function.local(id);
        let name = first_free(&local.name, |candidate| {
            self.gen.file_names.is_taken(candidate)
                || self.temps.contains(candidate)
                || self.scopes.iter().any(|scope| scope.contains(candidate))
        });
        self.scopes
            .last_mut()
            .expect("a scope is open")
            .insert(name.clone());
        let spelling = if local.by_reference {
            Spelling::Pointer(name.clone())
        } else {
            Spelling::Value(name.clone())
        };
        self.locals.insert(id, spelling);
        name
    }

    /// A generated local's name, unique in the function: never a source
    /// name, a file-scope name or another generated name.
    pub(super) fn temp(&mut self, base: &str) -> String {
        let name = first_free(base, |candidate| {
            self.gen.file_names.is_taken(candidate)
                || self.source_names.contains(candidate)
                || self.temps.contains(candidate)
                || self.scopes.iter().any(|scope| scope.contains(candidate))
        });
        self.temps.insert(name.clone());
        name
    }

    /// A `goto` label unique in the function.
    pub(super) fn label(&mut self, base: &str) -> String {
        let name = first_free(base, |candidate| self.labels.contains(candidate));
        self.labels.insert(name.clone());
        name
    }

    pub(super) fn open_scope(&mut self) {
        self.scopes.push(BTreeSet::new());
        self.scope_ids.push(self.next_scope_id);
        self.next_scope_id += 1;
    }

    pub(super) fn close_scope(&mut self) {
        self.scopes.pop();
        self.scope_ids.pop();
    }

    /// The lvalue of local `id`: `count`, or `*stats` for a by-reference
    /// local.
    pub(super) fn local_lvalue(&self, id: LocalId) -> String {
        match self.locals.get(&id) {
            Some(Spelling::Value(name)) => name.clone(),
            Some(Spelling::Pointer(pointer)) => format!("*{pointer}"),
            None => self.function.local(id).name.clone(),
        }
    }

    // ---- lines ----------------------------------------------------------

    /// Maps the following lines to the source line of `span`.
    pub(super) fn map_line(&mut self, span: Span) {
        if !self.gen.plan.line_directives || !self.map_lines {
            return;
        }
        if let Some((file, line)) = self.gen.source_line(span) {
            self.out.map_to_source(&file, line);
        }
    }

    // ---- exits ----------------------------------------------------------

    /// Whether the code being written is the body of a map iteration
    /// callback (where `return` means something else).
    pub(super) fn in_map_callback(&self) -> bool {
        self.loops.contains(&LoopKind::MapCallback)
    }

    /// Writes the deferred calls registered so far, newest first.
    pub(super) fn emit_defers(&mut self, exit_span: Span) {
        if self.defers.is_empty() {
            return;
        }
        for deferred in self.defers.clone().into_iter().rev() {
            self.map_line(deferred.span);
            let call = self.expr(deferred.call);
            let reached = self.scope_ids.contains(&deferred.scope);
            match &deferred.flag {
                Some(flag) if !reached => {
                    self.out.open_block(format!("if ({flag})"));
                    self.out.line(format!("{};", call.text));
                    self.out.close_block();
                }
                _ => self.out.line(format!("{};", call.text)),
            }
        }
        self.map_line(exit_span);
    }

    /// The flag of the nested defer `stmt`.
    pub(super) fn defer_flag(&self, stmt: &Stmt) -> Option<String> {
        self.defer_flags
            .get(&(stmt as *const Stmt as usize))
            .cloned()
    }

    /// How the code being written spells defer flag `flag`.
    pub(super) fn flag_spelling(&self, flag: &str) -> String {
        self.flag_spellings
            .get(flag)
            .cloned()
            .unwrap_or_else(|| flag.to_string())
    }

    /// Registers `defer call` (statement `stmt`) at the current point.
    pub(super) fn register_defer(&mut self, stmt: &'a Stmt, call: &'a Expr) {
        let flag = self.defer_flag(stmt);
        if let Some(flag) = &flag {
            let spelled = self.flag_spelling(flag);
            self.out.line(format!("{spelled} = true;"));
        }
        let scope = *self.scope_ids.last().expect("a scope is open");
        self.defers.push(Deferred {
            call,
            span: stmt.span,
            flag,
            scope,
        });
    }

    /// `return value` (or a bare `return`) from the function.
    pub(super) fn emit_return(&mut self, value: Option<&'a Expr>, span: Span) {
        if self.loops.contains(&LoopKind::MapCallback) {
            // Inside a map iteration callback: the enclosing function's
            // return is not reachable from here (the checker rejects it).
            self.out.line("return 1;");
            return;
        }
        let Some(value) = value else {
            self.emit_defers(span);
            match self.function.named_return {
                Some(named) => {
                    let name = self.local_lvalue(named);
                    self.out.line(format!("return {name};"));
                }
                None if self.function.ret == Type::Void => self.out.line("return;"),
                None => {
                    let value = self.failure_result();
                    self.out.line(format!("return {value};"));
                }
            }
            return;
        };
        match &value.kind {
            ExprKind::Call {
                callee: crate::ir::Callee::TailCall(target),
                args,
            } => {
                self.emit_tail_call(*target, args, span);
                return;
            }
            ExprKind::Match { scrutinee, arms } => {
                super::matching::emit_match(
                    self,
                    scrutinee,
                    arms,
                    &value.ty,
                    super::matching::Sink::Return,
                );
                return;
            }
            _ => {}
        }
        if value.ty == Type::Void || self.function.ret == Type::Void {
            let text = self.expr(value).text;
            self.out.line(format!("{text};"));
            self.emit_defers(span);
            self.out.line("return;");
            return;
        }
        if self.defers.is_empty() || is_constant(value) {
            self.emit_defers(span);
            let text = self.expr(value).text;
            self.out.line(format!("return {text};"));
            return;
        }
        // Evaluate the value before the deferred calls run.
        let result = self.temp("result");
        let ret = self.function.ret.clone();
        let decl = declaration(self.program, &ret, &result);
        let text = self.expr(value).text;
        self.out.line(format!("{decl} = {text};"));
        self.emit_defers(span);
        self.out.line(format!("return {result};"));
    }

    /// `return target(ctx)`: jump to `target` through the program array;
    /// only if that fails does execution continue, returning the failure
    /// result. Deferred calls run first, since a tail call never returns.
    fn emit_tail_call(&mut self, target: FunctionId, args: &'a [Expr], span: Span) {
        self.emit_defers(span);
        let (map_name, index) = self.gen.tail_call_slot(target);
        let context = match args.first() {
            Some(arg) => self.expr(arg).text,
            None => "ctx".to_string(),
        };
        let target_name = &self.program.function(target).name;
        self.out.line(format!(
            "bpf_tail_call({context}, &{map_name}, {index}); /* {target_name} */"
        ));
        let failure = self.failure_result();
        self.out.line(format!("return {failure};"));
    }

    /// `throw code`: to the innermost enclosing catch, or out of the
    /// function with the failure result.
    pub(super) fn emit_throw(&mut self, code: &'a Expr, span: Span) {
        match (self.tries.last().cloned(), self.error_code.clone()) {
            (Some(label), Some(error)) => {
                let code = self.expr(code).text;
                self.out.line(format!("{error} = {code};"));
                self.out.line(format!("goto {label};"));
            }
            _ => self.emit_uncaught_throw(span),
        }
    }

    /// Passes the code in `error` on to the next enclosing catch, or leaves
    /// the function (no catch matched).
    pub(super) fn emit_rethrow(&mut self, span: Span) {
        match self.tries.last().cloned() {
            Some(label) => self.out.line(format!("goto {label};")),
            None => self.emit_uncaught_throw(span),
        }
    }

    fn emit_uncaught_throw(&mut self, span: Span) {
        if self.loops.contains(&LoopKind::MapCallback) {
            self.out.line("return 1;");
            return;
        }
        self.emit_defers(span);
        if self.function.ret == Type::Void {
            self.out.line("return;");
        } else {
            let value = self.failure_result();
            self.out.line(format!("return {value};"));
        }
    }

    /// What the function returns when it fails: the program kind's failure
    /// result for programs, zero for helpers.
    pub(super) fn failure_result(&self) -> String {
        match (&self.function.kind, &self.function.ret) {
            (FunctionKind::Program(program), _) => program.descriptor().failure_result.to_string(),
            (_, Type::Struct(_) | Type::Array(..) | Type::Str(_)) => {
                let ty = super::types::type_name(self.program, &self.function.ret);
                format!("({ty}){{}}")
            }
            (_, other) => zero_initializer(other).to_string(),
        }
    }
}

/// The C name of struct_ops method `method` of impl block `impl_name`:
/// prefixed, so members such as `init` or `release` cannot collide with C
/// library builtins. Userspace reaches these programs through the
/// struct_ops map, never by name.
pub(super) fn struct_ops_method_name(impl_name: &str, method: &str) -> String {
    format!("{impl_name}_{method}")
}

/// `, a, b` for the `BPF_PROG(name, a, b)` parameter list.
fn prefixed_params(params: &str) -> String {
    if params == "void" {
        String::new()
    } else {
        format!(", {params}")
    }
}

/// Finds `try` statements and `defer`s in nested blocks (which need flags).
fn scan_defers<'a>(
    stmts: &'a [Stmt],
    depth: usize,
    has_try: &mut bool,
    nested: &mut Vec<&'a Stmt>,
) {
    for stmt in stmts {
        match &stmt.kind {
            StmtKind::Defer(_) if depth > 0 => nested.push(stmt),
            StmtKind::Try { .. } => *has_try = true,
            _ => {}
        }
        for block in visit::child_blocks(stmt) {
            scan_defers(&block.stmts, depth + 1, has_try, nested);
        }
        for expr in visit::stmt_exprs(stmt) {
            visit::walk_exprs(expr, &mut |expr| {
                if let ExprKind::Match { arms, .. } = &expr.kind {
                    for arm in arms {
                        scan_defers(&arm.stmts, depth + 1, has_try, nested);
                    }
                }
            });
        }
    }
}

/// Whether `block` reads or writes a `pin var` global.
pub(super) fn uses_pinned_globals(program: &Program, block: &crate::ir::Block) -> bool {
    let mut uses = false;
    visit::walk_block_exprs(block, &mut |expr| {
        if let ExprKind::Global(id) = &expr.kind {
            uses |= program.global(*id).pinned;
        }
    });
    uses
}

/// Whether `expr` is a constant the deferred calls cannot change.
fn is_constant(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Int(..)
        | ExprKind::Bool(_)
        | ExprKind::Char(_)
        | ExprKind::Null
        | ExprKind::Const(_)
        | ExprKind::EnumVariant { .. }
        | ExprKind::Sizeof(_) => true,
        ExprKind::Cast(inner) => is_constant(inner),
        ExprKind::Unary { operand, .. } => is_constant(operand),
        ExprKind::Binary { lhs, rhs, .. } => is_constant(lhs) && is_constant(rhs),
        _ => false,
    }
}
