//! One userspace function: its C signature, local names, and the exit
//! bookkeeping that `return`, `break`, `continue` and `throw` need.
//!
//! Leaving a block early may owe work: writing a map value bound by
//! `if (var v = m[k])` back to the map, popping a `try` frame, running
//! `defer`red calls. `FunctionEmitter::scopes` records what each enclosing
//! construct owes, and the jump statements pay it before jumping.
//! Statements and expressions are emitted by the `impl FunctionEmitter`
//! blocks in `statements.rs` and `expressions.rs`.

use std::collections::BTreeSet;

use crate::ir::{ExprKind, Function, FunctionId, FunctionKind, LocalId, StmtKind, Type};
use crate::span::Span;

use super::names::Namer;
use super::types;
use super::visit;
use super::Generator;
use crate::codegen::c::CWriter;

/// What an enclosing construct needs done when control leaves it early.
pub(crate) enum Scope {
    /// A loop: `break` and `continue` stop unwinding here.
    Loop,
    /// Statements that write a by-reference binding back to its map.
    WriteBack(Vec<String>),
    /// A `try` body: its frame must be popped when leaving it by a jump.
    Try { frame: String },
}

/// A `defer` statement of the function: its flag (set when the statement
/// runs) and its call, run at function exit in reverse order.
pub(crate) struct DeferSlot {
    pub flag: String,
    pub call: crate::ir::Expr,
}

pub(crate) struct FunctionEmitter<'g, 'a> {
    pub gen: &'g mut Generator<'a>,
    pub function: &'a Function,
    pub out: CWriter,
    /// Function-scope names (seeded with every file-scope name, so a local
    /// never shadows a function or helper).
    pub namer: Namer,
    pub local_names: Vec<String>,
    /// Locals that are C pointers standing for a by-reference value.
    pub local_is_pointer: Vec<bool>,
    pub scopes: Vec<Scope>,
    pub defers: Vec<DeferSlot>,
    /// The next `defer` statement to be emitted (an index into `defers`).
    pub next_defer: usize,
    /// Locals declared at the top of the function (a deferred call uses
    /// them, so they must be in scope at every exit).
    pub hoisted: BTreeSet<LocalId>,
    /// Locals that must be `volatile` (changed inside a `try` body and
    /// read after a `throw` returned control through `longjmp`).
    pub volatile_locals: BTreeSet<LocalId>,
    /// The frame of the catch-all that runs deferred calls when an error
    /// propagates out of the function.
    pub defer_frame: Option<String>,
    /// Depth of statement expressions being written (no `#line` inside).
    pub embedded: usize,
}

/// `static RET NAME(PARAMS)` for a userspace function (not `static` when a
/// program probes it).
pub fn signature(gen: &mut Generator, id: FunctionId) -> String {
    let function = gen.program.function(id);
    let name = gen.function_names[&id].clone();
    let ret = gen.return_type(&function.ret);
    let params = parameter_list(gen, function, &|local| function.local(local).name.clone());
    let linkage = gen.function_linkage(id);
    format!("{linkage}{}{name}({params})", with_space(&ret))
}

fn with_space(ty: &str) -> String {
    if ty.ends_with('*') {
        ty.to_string()
    } else {
        format!("{ty} ")
    }
}

fn parameter_list(
    gen: &Generator,
    function: &Function,
    name_of: &dyn Fn(LocalId) -> String,
) -> String {
    if function.params.is_empty() {
        return "void".into();
    }
    function
        .params
        .iter()
        .map(|&param| {
            let ty = &function.local(param).ty;
            if main_args(function) == Some(param) {
                let pointer = Type::Pointer(Box::new(ty.clone()));
                return types::parameter_declaration(gen.program, &pointer, &name_of(param));
            }
            types::parameter_declaration(gen.program, ty, &name_of(param))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `args: Args` parameter of `main`. It is passed as a pointer to the
/// static struct C's `main` fills (an `Args` may be megabytes: never on
/// the stack, not even to print `--help`), and spelled `(*args)` inside.
fn main_args(function: &Function) -> Option<LocalId> {
    let param = *function.params.first()?;
    let is_struct = matches!(function.local(param).ty, Type::Struct(_));
    (function.kind == FunctionKind::Main && is_struct).then_some(param)
}

pub fn write_function(gen: &mut Generator, out: &mut CWriter, id: FunctionId) {
    let function: &Function = gen.program.function(id);
    let mut emitter = FunctionEmitter::new(gen, function);
    emitter.write(id);
    out.append(emitter.out);
}

impl<'g, 'a> FunctionEmitter<'g, 'a> {
    pub(super) fn new(
        gen: &'g mut Generator<'a>,
        function: &'a Function,
    ) -> FunctionEmitter<'g, 'a> {
        let mut namer = gen.namer.clone();
        let local_names = function
            .locals
            .iter()
            .map(|local| namer.local_name(&local.name))
            .collect();
        let local_is_pointer = vec![false; function.locals.len()];
        FunctionEmitter {
            gen,
            function,
            out: CWriter::new(),
            namer,
            local_names,
            local_is_pointer,
            scopes: Vec::new(),
            defers: Vec::new(),
            next_defer: 0,
            hoisted: BTreeSet::new(),
            volatile_locals: BTreeSet::new(),
            defer_frame: None,
            embedded: 0,
        }
    }

    fn write(&mut self, id: FunctionId) {
        let function = self.function;
        self.analyze();
        self.line_directive(function.span);

        // Strings are passed as `const char *`; a function that writes to a
        // string parameter works on its own copy.
        let mut copied_params = Vec::new();
        let mut param_names = Vec::new();
        let args = main_args(function);
        for &param in &function.params {
            let local = function.local(param);
            let name = self.local_names[param.index()].clone();
            if args == Some(param) {
                self.local_names[param.index()] = format!("(*{name})");
                param_names.push((param, name));
                continue;
            }
            if matches!(local.ty, Type::Str(_)) && visit::may_modify_local(&function.body, param) {
                let arg = self.namer.fresh(&format!("{name}_arg"));
                copied_params.push((param, arg.clone()));
                param_names.push((param, arg));
            } else {
                param_names.push((param, name));
            }
        }
        let ret = self.gen.return_type(&function.ret);
        let params = parameter_list(self.gen, function, &|local| {
            param_names
                .iter()
                .find(|(id, _)| *id == local)
                .map(|(_, name)| name.clone())
                .expect("every parameter is named")
        });
        let name = self.gen.function_names[&id].clone();
        let linkage = self.gen.function_linkage(id);
        self.out
            .line(format!("{linkage}{}{name}({params})", with_space(&ret)));
        self.out.open_block("");

        for (param, arg) in &copied_params {
            let Type::Str(len) = function.local(*param).ty else {
                unreachable!()
            };
            let name = self.local_names[param.index()].clone();
            self.gen.needs.str_copy = true;
            self.out.line(format!("char {name}[{len}];"));
            self.out.line(format!(
                "ks_str_copy({name}, sizeof({name}), {arg}, {len});"
            ));
        }
        if let Some(named) = function.named_return {
            let declaration = self.local_declaration(named);
            let zero = types::zero_initializer(&function.local(named).ty);
            self.out.line(format!("{declaration} = {zero};"));
        }
        let hoisted: Vec<LocalId> = self.hoisted.iter().copied().collect();
        for local in hoisted {
            if function.params.contains(&local) || function.named_return == Some(local) {
                continue;
            }
            let declaration = self.local_declaration(local);
            let zero = types::zero_initializer(&function.local(local).ty);
            self.out.line(format!("{declaration} = {zero};"));
        }
        let flags: Vec<String> = self.defers.iter().map(|slot| slot.flag.clone()).collect();
        for flag in &flags {
            let qualifier = if self.defer_frame.is_some() {
                "volatile "
            } else {
                ""
            };
            self.out.line(format!("{qualifier}bool {flag} = false;"));
        }
        if let Some(frame) = self.defer_frame.clone() {
            // An error propagating out of this function runs its deferred
            // calls first, then continues to the caller's handler.
            self.out
                .line(format!("struct ks_try {frame} = {{ .prev = ks_try_top }};"));
            self.out.line(format!("ks_try_top = &{frame};"));
            self.out
                .open_block(format!("if (setjmp({frame}.env) != 0)"));
            self.write_deferred_calls();
            self.out.line(format!("ks_throw({frame}.code);"));
            self.out.close_block();
            self.scopes.push(Scope::Try { frame });
        }

        self.block_statements(&function.body);

        // Falling off the end.
        if function.body.completes {
            self.write_exit_work(true);
            if let Some(named) = function.named_return {
                let name = self.local_names[named.index()].clone();
                self.out.line(format!("return {name};"));
            } else if function.kind == FunctionKind::Main && function.ret != Type::Void {
                self.out.line("return 0;");
            }
        }
        self.out.close_block();
    }

    /// Decides hoisting, defers and `volatile` before emitting anything.
    fn analyze(&mut self) {
        let function = self.function;
        let mut defer_calls = Vec::new();
        visit::each_stmt(&function.body, &mut |stmt| {
            if let StmtKind::Defer(call) = &stmt.kind {
                defer_calls.push(call.clone());
            }
        });
        for call in defer_calls {
            let flag = self.namer.fresh("ks_deferred");
            let wrapped = crate::ir::Block::new(vec![crate::ir::Stmt {
                kind: StmtKind::Expr(call.clone()),
                span: call.span,
            }]);
            let mut used = BTreeSet::new();
            visit::each_expr(&wrapped, &mut |expr| {
                if let ExprKind::Local(local) = expr.kind {
                    used.insert(local);
                }
            });
            self.hoisted.extend(used);
            self.defers.push(DeferSlot { flag, call });
        }
        if !self.defers.is_empty() && self.gen.program_throws {
            self.gen.needs.throw = true;
            self.defer_frame = Some(self.namer.fresh("ks_defer_frame"));
            // Changed after setjmp, read after longjmp.
            let hoisted: Vec<LocalId> = self.hoisted.iter().copied().collect();
            self.volatile_locals.extend(hoisted);
        }
        // Locals assigned inside a `try` body but declared outside it.
        let mut try_bodies = Vec::new();
        visit::each_stmt(&function.body, &mut |stmt| {
            if let StmtKind::Try { body, .. } = &stmt.kind {
                try_bodies.push(body);
            }
        });
        for body in try_bodies {
            let mut declared_inside = BTreeSet::new();
            visit::each_stmt(body, &mut |stmt| {
                if let StmtKind::Let { local, .. } = &stmt.kind {
                    declared_inside.insert(*local);
                }
            });
            visit::each_stmt(body, &mut |stmt| {
                if let StmtKind::Assign { target, .. } = &stmt.kind {
                    if let Some(root) = visit::place_root(target) {
                        if !declared_inside.contains(&root) {
                            self.volatile_locals.insert(root);
                        }
                    }
                }
            });
            // `x = m[k]` for a local that remembers its entry writes `x`
            // through `MapLoad`'s destination.
            visit::each_expr(body, &mut |expr| {
                if let ExprKind::MapLoad { dest, .. } = &expr.kind {
                    if let ExprKind::Unary { operand, .. } = &dest.kind {
                        if let Some(root) = visit::place_root(operand) {
                            if !declared_inside.contains(&root) {
                                self.volatile_locals.insert(root);
                            }
                        }
                    }
                }
            });
        }
    }

    /// `T name` (with `volatile` when needed) for a local.
    pub fn local_declaration(&self, local: LocalId) -> String {
        let def = self.function.local(local);
        let name = &self.local_names[local.index()];
        let declaration = types::declaration(self.gen.program, &def.ty, name);
        if self.volatile_locals.contains(&local) {
            format!("volatile {declaration}")
        } else {
            declaration
        }
    }

    /// Maps the following lines to the `.ks` line of `span` (not inside a
    /// statement expression, which sits within one C line's context).
    pub fn line_directive(&mut self, span: Span) {
        if self.embedded > 0 || self.gen.sources.files().nth(span.file.0 as usize).is_none() {
            return;
        }
        let file = self.gen.sources.name(span.file).to_string();
        let line = self.gen.sources.line(span);
        self.out.map_to_source(&file, line);
    }

    /// Pays what enclosing scopes owe before a jump. `Loop` stops the
    /// unwinding for `break`/`continue` (`to_loop`); a `return`
    /// (`to_loop == false`) unwinds everything.
    pub fn unwind(&mut self, to_loop: bool) {
        let mut lines = Vec::new();
        for scope in self.scopes.iter().rev() {
            match scope {
                Scope::Loop if to_loop => break,
                Scope::Loop => {}
                Scope::WriteBack(code) => lines.extend(code.iter().cloned()),
                Scope::Try { frame } => lines.push(format!("ks_try_top = {frame}.prev;")),
            }
        }
        for line in lines {
            self.out.line(&line);
        }
    }

    /// Before a `throw`: write-backs up to the innermost `try` of this
    /// function (its frame is popped by `ks_throw` itself).
    pub fn unwind_for_throw(&mut self) {
        let mut lines = Vec::new();
        for scope in self.scopes.iter().rev() {
            match scope {
                Scope::Try { .. } => break,
                Scope::WriteBack(code) => lines.extend(code.iter().cloned()),
                Scope::Loop => {}
            }
        }
        for line in lines {
            self.out.line(&line);
        }
    }

    /// At a function exit: unwind (when `unwind_scopes`) and run the
    /// deferred calls.
    pub fn write_exit_work(&mut self, unwind_scopes: bool) {
        if unwind_scopes {
            self.unwind(false);
        }
        self.write_deferred_calls();
    }

    fn write_deferred_calls(&mut self) {
        let slots: Vec<(String, crate::ir::Expr)> = self
            .defers
            .iter()
            .rev()
            .map(|slot| (slot.flag.clone(), slot.call.clone()))
            .collect();
        for (flag, call) in slots {
            let text = self.expr(&call).text;
            self.out.line(format!("if ({flag})"));
            self.out.indent();
            self.out.line(format!("{text};"));
            self.out.dedent();
        }
    }

    /// Whether a `return` needs its value computed before exit work runs.
    pub fn has_exit_work(&self) -> bool {
        !self.defers.is_empty()
            || self
                .scopes
                .iter()
                .any(|scope| !matches!(scope, Scope::Loop))
    }

    /// A fresh function-scope name.
    pub fn fresh(&mut self, base: &str) -> String {
        self.namer.fresh(base)
    }
}
