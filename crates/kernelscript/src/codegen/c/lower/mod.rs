//! The lowering of one KernelScript function to C, shared by every C
//! output: the C names of its locals, its statements (`stmts.rs`),
//! expressions (`exprs.rs`), `match` (`matching.rs`), and every way of
//! leaving it, generic over a `Backend` for what differs.
//!
//! Names: a local gets its C name where it is declared, avoiding the
//! output's reserved words, the file-scope names and the names visible in
//! enclosing blocks (shadowed locals of the IR get `_2` ...); generated
//! temporaries avoid every source name of the function too.
//!
//! Exits: `return`, an uncaught `throw` and falling off the end run the
//! deferred calls registered so far, newest first, after paying what the
//! enclosing constructs owe (`Frame::Owe`, the `leave` of `Frame::Try`).
//! A `defer` directly in the body runs at every later exit; one in a nested
//! block sets a flag when reached, and exits run it only if the flag is set.
//! Locals a nested deferred call reads are declared at the top of the
//! function, so they are in scope at every exit.

mod callback;
mod errors;
mod exprs;
mod hoist;
mod matching;
mod stmts;

use std::collections::{BTreeMap, BTreeSet};

use super::backend::Backend;
use super::names::{clash, first_free, Names, Place};
use super::types::{TypePolicy, Types};
use super::writer::CWriter;
use crate::codegen::plan::{CNames, Plan};
use crate::ir::{visit, Expr, ExprKind, Function, LocalId, Program, Stmt, StmtKind, Type};
use crate::source::SourceMap;
use crate::span::Span;

pub use callback::{CallbackSpec, LoopExit, LoopExitNames, LoweredCallback};
pub use errors::{error_code_unread, needs_error_code};
pub use exprs::{statement_expression, truncated_literal};
pub use matching::Sink;
pub use stmts::is_plain_value;

/// How the C code reaches a local's object.
#[derive(Clone, Debug)]
pub enum Spelling {
    /// An lvalue naming the object itself: `count`, `captures->total`.
    Value(String),
    /// An expression holding a pointer to the object: `stats` (the object
    /// is `*stats`, its fields `stats->f`).
    Pointer(String),
}

/// What `break` and `continue` mean in a loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopKind {
    /// A C loop.
    Plain,
    /// A loop the backend lowered itself (a callback per element):
    /// `Backend::callback_jump` spells the jumps.
    Callback,
}

/// What an enclosing construct means for a jump out of it.
#[derive(Clone, Debug)]
pub enum Frame {
    Loop(LoopKind),
    /// Statements owed when control leaves the construct by a jump (a map
    /// value written back).
    Owe(Vec<String>),
    /// A `try` body: the backend's name for it (a catch label, a frame)
    /// and the statement a jump out of it owes.
    Try {
        name: String,
        leave: Option<String>,
    },
}

/// A `defer`red call registered at the current point.
#[derive(Clone, Debug)]
pub struct Deferred<'a> {
    pub call: &'a Expr,
    pub span: Span,
    /// The flag recording that the defer was reached, when it needs one.
    pub flag: Option<String>,
    /// The naming scope the defer was registered in: while it is open,
    /// the defer has certainly been reached.
    scope: usize,
}

/// Where `#line` directives point.
#[derive(Clone)]
pub struct Lines<'a> {
    pub sources: &'a SourceMap,
    /// The generated file's name, for directives back to it.
    pub output: String,
    pub enabled: bool,
}

/// What every function of one C file is lowered against: the output's
/// type speller, the file-scope names taken (the plan's and the output's
/// own), and where `#line` directives point.
#[derive(Clone)]
pub struct FileScope<'a> {
    pub types: Types<'a>,
    pub names: Names,
    pub lines: Lines<'a>,
}

impl<'a> FileScope<'a> {
    /// The scope of the C file `NAME.EXTENSION` (`NAME.c`, `NAME.ebpf.c`;
    /// NAME the plan's project) of `program`, spelling types by `policy`;
    /// `names` holds every file-scope name taken.
    pub fn new(
        program: &'a Program,
        sources: &'a SourceMap,
        plan: &'a Plan,
        policy: TypePolicy,
        names: Names,
        extension: &str,
    ) -> FileScope<'a> {
        let output = format!("{}.{extension}", plan.project);
        FileScope {
            types: Types::new(program, &plan.names, policy),
            names,
            lines: Lines {
                sources,
                output,
                enabled: plan.line_directives,
            },
        }
    }
}

/// The lowering of one function (see the module documentation).
pub struct Lowering<'a, B> {
    pub program: &'a Program,
    pub function: &'a Function,
    pub names: &'a CNames,
    pub types: Types<'a>,
    pub out: CWriter,
    /// Definitions that must precede the function (loop callbacks).
    pub preceding: CWriter,
    pub locals: BTreeMap<LocalId, Spelling>,
    /// File-scope names the function must not shadow.
    file_names: Names,
    /// C names declared in each open block, innermost last.
    scopes: Vec<BTreeSet<String>>,
    /// Identities of the open blocks, parallel to `scopes`.
    scope_ids: Vec<usize>,
    next_scope_id: usize,
    /// Generated names (temporaries, flags): unique in the function.
    temps: BTreeSet<String>,
    /// Every source name of the function's locals; temporaries avoid them.
    source_names: BTreeSet<String>,
    labels: BTreeSet<String>,
    pub frames: Vec<Frame>,
    pub defers: Vec<Deferred<'a>>,
    /// Flags of defers, by statement address.
    defer_flags: BTreeMap<usize, String>,
    /// How flags are spelled where not by their name (through a callback's
    /// context).
    pub flag_spellings: BTreeMap<String, String>,
    /// Locals declared at the top of the function (deferred calls read
    /// them).
    pub hoisted: BTreeSet<LocalId>,
    /// The `struct bpf_dynptr *` beside each local holding a variable-size
    /// ring buffer reservation (eBPF; `ir/records.rs`), as C spells it here.
    pub dynptrs: BTreeMap<LocalId, String>,
    /// Statements a failure exit the compiler adds must run first
    /// (releases of reservations of the function, or of the callback being
    /// written, live there; innermost last).
    pub failure_releases: Vec<String>,
    /// Locals declared and never read (`ir::visit::unread_locals`): marked
    /// used after their declaration, for `-Wunused-variable`.
    pub unread: BTreeSet<LocalId>,
    /// Nesting of blocks below the function body (0 = the body itself).
    pub block_depth: usize,
    /// When false, no `#line` directives are written (text inside one C
    /// statement: GNU statement expressions).
    pub map_lines: bool,
    /// Set while a place (an assignment target, an `&` operand) is
    /// written, so a backend spells reads and places apart (`place`).
    pub place_mode: bool,
    pub lines: Lines<'a>,
    /// The local holding a thrown code (the goto convention of `errors`),
    /// when the function (or the callback being written) has one.
    pub error_code: Option<String>,
    /// The callbacks being written, innermost last.
    pub callbacks: Vec<callback::CallbackState<'a>>,
    context_field_names: Option<callback::ContextFields>,
    /// In a helper that can throw (`Function::throws`) returning a value:
    /// the pointer parameter its value goes through.
    pub result_param: Option<String>,
    /// Expressions already evaluated into temporaries before their
    /// statement (`hoist.rs`), by address: the temporary's name.
    hoisted_values: BTreeMap<usize, String>,
    pub backend: B,
}

impl<'a, B: Backend<'a>> Lowering<'a, B> {
    pub fn new(function: &'a Function, scope: FileScope<'a>, backend: B) -> Self {
        let FileScope {
            types,
            names: file_names,
            lines,
        } = scope;
        Lowering {
            program: types.program,
            function,
            names: types.names,
            types,
            out: CWriter::new(),
            preceding: CWriter::new(),
            locals: BTreeMap::new(),
            file_names,
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
            frames: Vec::new(),
            defers: Vec::new(),
            defer_flags: BTreeMap::new(),
            flag_spellings: BTreeMap::new(),
            hoisted: BTreeSet::new(),
            dynptrs: BTreeMap::new(),
            failure_releases: Vec::new(),
            unread: crate::ir::visit::unread_locals(function)
                .into_iter()
                .collect(),
            block_depth: 0,
            map_lines: true,
            place_mode: false,
            lines,
            error_code: None,
            callbacks: Vec::new(),
            context_field_names: None,
            result_param: None,
            hoisted_values: BTreeMap::new(),
            backend,
        }
    }

    // ---- names ----------------------------------------------------------

    /// Records a file-scope name the backend chose while lowering (a
    /// callback), so no local takes it.
    pub fn reserve_file_name(&mut self, name: &str) {
        self.file_names.reserve(name);
    }

    fn visible(&self, candidate: &str) -> bool {
        self.file_names.is_taken(candidate)
            || self.temps.contains(candidate)
            || self.scopes.iter().any(|scope| scope.contains(candidate))
    }

    /// Gives local `id` a C name visible from here on in the current block.
    pub fn declare_local(&mut self, id: LocalId) -> String {
        let local = self.function.local(id);
        let base = if clash(&local.name, Place::Local, B::OUTPUT).is_some() {
            format!("{}_", local.name)
        } else {
            local.name.clone()
        };
        let name = first_free(&base, |candidate| self.visible(candidate));
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
    pub fn temp(&mut self, base: &str) -> String {
        let name = first_free(base, |candidate| {
            self.visible(candidate) || self.source_names.contains(candidate)
        });
        self.temps.insert(name.clone());
        name
    }

    /// A `goto` label unique in the function.
    pub fn label(&mut self, base: &str) -> String {
        let name = first_free(base, |candidate| self.labels.contains(candidate));
        self.labels.insert(name.clone());
        name
    }

    pub fn open_scope(&mut self) {
        self.scopes.push(BTreeSet::new());
        self.scope_ids.push(self.next_scope_id);
        self.next_scope_id += 1;
    }

    pub fn close_scope(&mut self) {
        self.scopes.pop();
        self.scope_ids.pop();
    }

    /// The lvalue of local `id`: `count`, or `*stats` for a local reached
    /// through a pointer.
    pub fn local_lvalue(&self, id: LocalId) -> String {
        match self.locals.get(&id) {
            Some(Spelling::Value(name)) => name.clone(),
            Some(Spelling::Pointer(pointer)) => format!("*{pointer}"),
            None => self.function.local(id).name.clone(),
        }
    }

    /// `T name` (with the backend's qualifier) declaring local `id` under
    /// the C name it was given.
    pub fn local_declaration(&self, id: LocalId, name: &str) -> String {
        let declaration = self.types.declaration(&self.function.local(id).ty, name);
        format!("{}{declaration}", B::local_qualifier(self, id))
    }

    // ---- lines ----------------------------------------------------------

    /// Maps the following lines to the source line of `span`.
    pub fn map_line(&mut self, span: Span) {
        if !self.lines.enabled || !self.map_lines {
            return;
        }
        let sources = self.lines.sources;
        if sources.files().nth(span.file.0 as usize).is_none() {
            return;
        }
        let file = sources.name(span.file).to_string();
        self.out.map_to_source(&file, sources.line(span));
    }

    /// Makes the following lines count as the generated file's own.
    pub fn map_to_output(&mut self) {
        self.out.map_to_output(&self.lines.output);
    }

    // ---- the function ---------------------------------------------------

    /// Declares the parameters; returns each one's `T name`.
    pub fn parameters(&mut self) -> Vec<String> {
        let function = self.function;
        function
            .params
            .iter()
            .map(|param| {
                let name = self.declare_local(*param);
                self.local_declaration(*param, &name)
            })
            .collect()
    }

    /// Gives parameter `id` the C name `name` (or the first free name
    /// after it) instead of its source name, for conventions the kernel
    /// reads from parameter names (a kfunc's `PARAM__sz`).
    pub fn declare_local_named(&mut self, id: LocalId, name: &str) -> String {
        let name = first_free(name, |candidate| self.visible(candidate));
        self.scopes
            .last_mut()
            .expect("a scope is open")
            .insert(name.clone());
        self.locals.insert(id, Spelling::Value(name.clone()));
        name
    }

    /// The body after the signature (and its `{`): declarations every exit
    /// may need, the statements, the fall off the end.
    pub fn body(&mut self) {
        self.prologue();
        self.statements();
    }

    /// The body's statements and the fall off its end (after `prologue`
    /// and whatever the backend declares between them).
    pub fn statements(&mut self) {
        let function = self.function;
        self.stmts(&function.body.stmts);
        if function.body.completes {
            self.fall_off_end(function.span);
        }
    }

    /// The named return value, the hoisted locals and the flags of defers.
    pub fn prologue(&mut self) {
        let function = self.function;
        // `-Wunused-parameter`: a parameter the body never reads is
        // marked used.
        for &param in &function.params {
            let mut read = false;
            crate::ir::visit::walk_block_exprs(&function.body, &mut |expr| {
                read |= matches!(expr.kind, crate::ir::ExprKind::Local(id) if id == param);
            });
            if !read {
                if let Some(Spelling::Value(name)) = self.locals.get(&param) {
                    self.out.line(format!("(void){name};"));
                }
            }
        }
        if let Some(named) = function.named_return {
            let name = self.declare_local(named);
            let ty = &function.locals[named.index()].ty;
            let declaration = self.local_declaration(named, &name);
            self.out
                .line(format!("{declaration} = {};", self.types.zero(ty)));
        }
        let flag_all = B::flag_every_defer(self);
        let mut flagged = Vec::new();
        let mut hoisted = BTreeSet::new();
        scan_defers(
            &function.body.stmts,
            0,
            flag_all,
            &mut flagged,
            &mut hoisted,
        );
        for local in hoisted {
            if function.params.contains(&local) || function.named_return == Some(local) {
                continue;
            }
            let name = self.declare_local(local);
            let ty = &function.locals[local.index()].ty;
            let declaration = self.local_declaration(local, &name);
            self.out
                .line(format!("{declaration} = {};", self.types.zero(ty)));
            self.hoisted.insert(local);
        }
        for stmt in flagged {
            let name = self.temp("deferred");
            let qualifier = if flag_all { "volatile " } else { "" };
            self.out.line(format!("{qualifier}bool {name} = false;"));
            self.defer_flags.insert(stmt as *const Stmt as usize, name);
        }
    }

    fn fall_off_end(&mut self, span: Span) {
        if self.function.throws {
            return self.return_computed(None, span);
        }
        if self.function.ret == Type::Void {
            self.exit_work(span);
        } else if let Some(named) = self.function.named_return {
            self.exit_work(span);
            let name = self.local_lvalue(named);
            self.out.line(format!("return {name};"));
        } else {
            // The checker sees to a value on every path; C may still want
            // a return after a final `if`/`else`.
            self.exit_work(span);
            let value = B::failure_result(self);
            self.out.line(format!("return {value};"));
        }
    }

    /// The lowered function: what must precede it, its text, the backend.
    pub fn finish(mut self) -> (CWriter, CWriter, B) {
        self.map_to_output();
        (self.preceding, self.out, self.backend)
    }

    // ---- exits ----------------------------------------------------------

    /// Whether the code being written lies in a loop the backend lowered as
    /// a callback (where `return` means something else).
    pub fn in_callback(&self) -> bool {
        self.frames
            .iter()
            .any(|frame| matches!(frame, Frame::Loop(LoopKind::Callback)))
    }

    /// What a jump out to the innermost loop (`to_loop`) or out of the
    /// function owes, innermost first.
    fn owed(&self, to_loop: bool) -> Vec<String> {
        let mut lines = Vec::new();
        for frame in self.frames.iter().rev() {
            match frame {
                Frame::Loop(_) if to_loop => break,
                Frame::Loop(_) => {}
                Frame::Owe(owed) => lines.extend(owed.iter().cloned()),
                Frame::Try { leave, .. } => lines.extend(leave.iter().cloned()),
            }
        }
        lines
    }

    /// Writes what a jump to the innermost loop owes.
    pub fn pay_to_loop(&mut self) {
        for line in self.owed(true) {
            self.out.line(line);
        }
    }

    /// Before a `throw`: what is owed up to the innermost `try` (whose own
    /// frame the throw itself leaves).
    pub fn pay_to_try(&mut self) {
        let mut lines = Vec::new();
        for frame in self.frames.iter().rev() {
            match frame {
                Frame::Try { .. } => break,
                Frame::Owe(owed) => lines.extend(owed.iter().cloned()),
                Frame::Loop(_) => {}
            }
        }
        for line in lines {
            self.out.line(line);
        }
    }

    /// Whether leaving the function owes anything (so a returned value is
    /// computed first).
    pub fn has_exit_work(&self) -> bool {
        !self.defers.is_empty() || !self.owed(false).is_empty()
    }

    /// At a function exit: what enclosing constructs owe, then the deferred
    /// calls registered so far, newest first.
    pub fn exit_work(&mut self, exit_span: Span) {
        for line in self.owed(false) {
            self.out.line(line);
        }
        self.run_defers(exit_span);
    }

    /// The deferred calls registered so far, newest first (those certainly
    /// reached unconditionally, the others behind their flags).
    pub fn run_defers(&mut self, exit_span: Span) {
        if self.defers.is_empty() {
            return;
        }
        for deferred in self.defers.clone().into_iter().rev() {
            self.map_line(deferred.span);
            let reached = self.scope_ids.contains(&deferred.scope);
            let flag = deferred.flag.as_ref().filter(|_| !reached);
            if let Some(flag) = flag {
                let flag = self.flag_spelling(flag);
                self.out.open_block(format!("if ({flag})"));
            }
            if errors::throwing_call(self.program, deferred.call).is_some() {
                self.deferred_throwing_call(deferred.call);
            } else {
                let call = self.expr(deferred.call).text;
                self.out.line(format!("{call};"));
            }
            if flag.is_some() {
                self.out.close_block();
            }
        }
        self.map_line(exit_span);
    }

    /// Every deferred call of the function behind its flag, newest first
    /// (for an exit that cannot know which were reached).
    pub fn run_all_flagged_defers(&mut self, body: &'a crate::ir::Block) {
        let mut all = Vec::new();
        visit::walk_stmts(body, &mut |stmt| {
            if let StmtKind::Defer(call) = &stmt.kind {
                all.push((stmt, call));
            }
        });
        for (stmt, call) in all.into_iter().rev() {
            let Some(flag) = self.defer_flag(stmt) else {
                continue;
            };
            let call = self.expr(call).text;
            self.out.open_block(format!("if ({flag})"));
            self.out.line(format!("{call};"));
            self.out.close_block();
        }
    }

    /// The flag of defer statement `stmt`, if it has one.
    pub fn defer_flag(&self, stmt: &Stmt) -> Option<String> {
        self.defer_flags
            .get(&(stmt as *const Stmt as usize))
            .cloned()
    }

    /// How the code being written spells defer flag `flag`.
    pub fn flag_spelling(&self, flag: &str) -> String {
        self.flag_spellings
            .get(flag)
            .cloned()
            .unwrap_or_else(|| flag.to_string())
    }

    /// Registers `defer call` (statement `stmt`) at the current point.
    pub fn register_defer(&mut self, stmt: &'a Stmt, call: &'a Expr) {
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
    pub fn lower_return(&mut self, value: Option<&'a Expr>, span: Span) {
        if let Some(Expr {
            kind:
                ExprKind::Call {
                    callee: crate::ir::Callee::TailCall(target),
                    args,
                },
            ..
        }) = value
        {
            if B::tail_call(self, *target, args, span) {
                return;
            }
        }
        if let Some(value) = value {
            // Calls that can throw inside the value run first; a root call
            // is this exit's own below (in a callback, a value like others).
            let own_root = (!self.in_callback()
                && errors::throwing_call(self.program, value).is_some())
                || matches!(value.kind, ExprKind::Match { .. });
            self.hoist(value, !own_root);
        }
        if self.in_callback() {
            return self.return_in_callback(value);
        }
        let Some(value) = value else {
            return self.return_computed(None, span);
        };
        if let ExprKind::Match { scrutinee, arms } = &value.kind {
            self.lower_match(scrutinee, arms, &value.ty, Sink::Return);
            return;
        }
        if let Some(call) = errors::throwing_call(self.program, value) {
            // Its value (if any) first, then this function's exit.
            let callee = self.program.function(call);
            let dest = (callee.ret != Type::Void).then(|| {
                let temp = self.temp("call");
                let declaration = self.types.declaration(&callee.ret, &temp);
                let zero = self.types.zero(&callee.ret);
                self.out.line(format!("{declaration} = {zero};"));
                temp
            });
            self.call_throwing(value, dest.clone(), span);
            let dest = dest.filter(|_| self.function.ret != Type::Void);
            return self.return_computed(dest, span);
        }
        if value.ty == Type::Void || self.function.ret == Type::Void {
            let text = self.expr(value).text;
            self.out.line(format!("{text};"));
            if self.function.throws {
                return self.return_computed(None, span);
            }
            self.exit_work(span);
            self.out.line("return;");
            return;
        }
        if super::types::is_array_like(&value.ty) && B::return_aggregate(self, value) {
            return;
        }
        if !self.has_exit_work() || is_constant(value) {
            let text = self.expr(value).text;
            return self.return_computed(Some(text), span);
        }
        // Evaluate the value before what the exit owes runs.
        let result = self.temp("result");
        let ret = self.function.ret.clone();
        let declaration = self.types.declaration(&ret, &result);
        let text = self.expr(value).text;
        self.out.line(format!("{declaration} = {text};"));
        self.return_computed(Some(result), span);
    }

    /// Returns `value`, already computed (C text that what the exit owes
    /// cannot change), or returns without a value (the named return value,
    /// if any); from inside a callback, records the return in its context.
    pub fn return_computed(&mut self, value: Option<String>, span: Span) {
        if self.in_callback() {
            let fields = self.context_fields();
            let value = value.map(|value| (fields.result.as_str(), value));
            return self.leave_callback(LoopExit::Return, value);
        }
        if self.function.throws {
            // The code is the C result (0: none), the value goes through
            // the result pointer.
            let value = match (value, self.function.named_return) {
                (Some(value), _) => Some(value),
                (None, Some(named)) => Some(self.local_lvalue(named)),
                (None, None) if self.function.ret == Type::Void => None,
                (None, None) => Some(B::failure_result(self)),
            };
            if let (Some(value), Some(result)) = (value, self.result_param.clone()) {
                if self.function.named_return.is_some() || !self.has_exit_work() {
                    self.exit_work(span);
                    self.out.line(format!("*{result} = {value};"));
                } else {
                    self.out.line(format!("*{result} = {value};"));
                    self.exit_work(span);
                }
            } else {
                self.exit_work(span);
            }
            self.out.line("return 0;");
            return;
        }
        self.exit_work(span);
        match (value, self.function.named_return) {
            (Some(value), _) => self.out.line(format!("return {value};")),
            (None, Some(named)) => {
                let name = self.local_lvalue(named);
                self.out.line(format!("return {name};"));
            }
            (None, None) if self.function.ret == Type::Void => self.out.line("return;"),
            (None, None) => {
                let value = B::failure_result(self);
                self.out.line(format!("return {value};"));
            }
        }
    }

    /// Leaves the function as a failure (an uncaught `throw` in a program,
    /// a loop that would run too long, an impossible lookup): the deferred
    /// calls, then the failure result; from inside a callback, records the
    /// failure in its context.
    pub fn failure_exit(&mut self, span: Span) {
        for line in self.failure_releases.clone().iter().rev() {
            self.out.line(line);
        }
        if self.in_callback() {
            return self.leave_callback(LoopExit::Fail, None);
        }
        if self.function.throws {
            return self.return_computed(None, span);
        }
        self.exit_work(span);
        if self.function.ret == Type::Void {
            self.out.line("return;");
        } else {
            let value = B::failure_result(self);
            self.out.line(format!("return {value};"));
        }
    }

    /// Leaves the function as a failure: an uncaught `throw`.
    pub fn uncaught_throw(&mut self, span: Span) {
        self.failure_exit(span);
    }
}

/// `= value`.
fn plain(value: &Expr) -> super::backend::Assign<'_> {
    super::backend::Assign { op: None, value }
}

/// `map[key]`.
fn entry(map: crate::ir::MapId, key: &Expr) -> super::backend::Entry<'_> {
    super::backend::Entry { map, key }
}

/// Finds the `defer`s that need flags (nested ones, or all) and the locals
/// their calls read (to be declared at the top).
fn scan_defers<'a>(
    stmts: &'a [Stmt],
    depth: usize,
    flag_all: bool,
    flagged: &mut Vec<&'a Stmt>,
    hoisted: &mut BTreeSet<LocalId>,
) {
    for stmt in stmts {
        if let StmtKind::Defer(call) = &stmt.kind {
            if depth > 0 || flag_all {
                flagged.push(stmt);
                visit::walk_exprs(call, &mut |expr| {
                    if let ExprKind::Local(id) = expr.kind {
                        hoisted.insert(id);
                    }
                });
            }
        }
        for block in visit::child_blocks(stmt) {
            scan_defers(&block.stmts, depth + 1, flag_all, flagged, hoisted);
        }
        for expr in visit::stmt_exprs(stmt) {
            visit::walk_exprs(expr, &mut |expr| {
                if let ExprKind::Match { arms, .. } = &expr.kind {
                    for arm in arms {
                        scan_defers(&arm.stmts, depth + 1, flag_all, flagged, hoisted);
                    }
                }
            });
        }
    }
}

/// Whether `expr` is a constant that deferred calls cannot change.
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
