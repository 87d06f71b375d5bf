//! Loop bodies lowered as C functions of their own: callbacks the kernel
//! calls once per iteration (`bpf_loop`) or per map entry
//! (`bpf_for_each_map_elem`). The backend decides when a loop becomes a
//! callback and writes the call; this file lowers the body and the exits
//! (docs/design/kernel-lowering.md §1.4, §1.5).
//!
//! The callback reaches the enclosing function's locals through a context
//! struct (`struct NAME`, on the enclosing frame's stack):
//!
//! * a local the body assigns, or whose address is taken anywhere in the
//!   function, or that is an array, by address (`T *x`, spelled `*loop->x`),
//!   so every local keeps a single home;
//! * a local the body only reads, by value (`T x`, spelled `loop->x`);
//! * a local that is itself a pointer to its object (a by-reference
//!   binding), that pointer;
//! * flags of defers registered in the body, by address;
//! * for a local holding a variable-size ring buffer reservation, whose
//!   elements alone the body reaches (`ir/loops.rs`), the reservation's
//!   `struct bpf_dynptr *`.
//!
//! Leaving the loop: `continue` is `return 0;`, `break` `return 1;` (a loop
//! that must tell a `break` from running out first records
//! `LoopExit::Break`). Anything that leaves the function records how in the
//! context (`exit`, and `result` or `code`) and returns 1; after the call,
//! `callback_exits` finishes the job in the enclosing code: deferred calls
//! and the return, a jump to the enclosing `try`, or, in an enclosing
//! callback, the same record one level up. Deferred calls never run inside
//! a callback.

use std::collections::BTreeSet;

use super::{Frame, LoopKind, Lowering, Spelling};
use crate::codegen::c::backend::Backend;
use crate::codegen::c::types::is_array_like;
use crate::codegen::c::CWriter;
use crate::ir::{visit, Block, Expr, ExprKind, FunctionId, LocalId, Stmt, StmtKind, Type};
use crate::span::Span;

/// How a callback body left the loop (the context's `exit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoopExit {
    /// Ran to the end of the body (or `continue`d): the next iteration.
    Next,
    Break,
    Return,
    Throw,
    TailCall,
    /// A failure exit the compiler added (an inner loop that would run too
    /// long, an impossible lookup).
    Fail,
}

impl LoopExit {
    pub const ALL: [LoopExit; 6] = [
        LoopExit::Next,
        LoopExit::Break,
        LoopExit::Return,
        LoopExit::Throw,
        LoopExit::TailCall,
        LoopExit::Fail,
    ];

    /// The name of its C constant, before the name allocator.
    pub fn base_name(self) -> &'static str {
        match self {
            LoopExit::Next => "KS_LOOP_NEXT",
            LoopExit::Break => "KS_LOOP_BREAK",
            LoopExit::Return => "KS_LOOP_RETURN",
            LoopExit::Throw => "KS_LOOP_THROW",
            LoopExit::TailCall => "KS_LOOP_TAIL_CALL",
            LoopExit::Fail => "KS_LOOP_FAIL",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The C names of the `LoopExit` constants, in `LoopExit::ALL` order.
#[derive(Clone, Debug)]
pub struct LoopExitNames(pub Vec<String>);

impl LoopExitNames {
    pub fn name(&self, exit: LoopExit) -> &str {
        &self.0[exit.index()]
    }
}

/// A callback being lowered: its context parameter and the exits its body
/// took so far.
#[derive(Clone, Debug)]
pub struct CallbackState<'a> {
    /// The context parameter (`loop`).
    pub context: String,
    /// Whether a `break` must record `LoopExit::Break` (a `while`, which
    /// tells a `break` from running out of iterations).
    pub records_break: bool,
    pub exits: BTreeSet<LoopExit>,
    /// A tail call the body makes, done after the loop (the slot index
    /// travels in `code`).
    pub tail_call: Option<(FunctionId, &'a [Expr], Span)>,
    pub exit_names: LoopExitNames,
}

/// The generated fields of loop contexts: one name each per function.
#[derive(Clone, Debug)]
pub struct ContextFields {
    pub exit: String,
    pub result: String,
    pub code: String,
}

/// What the backend asks to be lowered as a callback.
pub struct CallbackSpec<'a> {
    /// The callback's C name, also its context struct's tag.
    pub name: String,
    pub body: &'a Block,
    /// Locals the callback binds itself (the loop variable, key, value).
    pub own: Vec<LocalId>,
    /// Expressions the callback evaluates besides the body (a `while`
    /// condition).
    pub reads: Vec<&'a Expr>,
    /// Fields the caller fills besides the captures: `(field, type,
    /// initial value)`.
    pub fields: Vec<(String, Type, String)>,
    pub records_break: bool,
    pub exit_names: LoopExitNames,
    pub span: Span,
}

/// A lowered callback: what the enclosing code needs to call it.
pub struct LoweredCallback<'a> {
    pub name: String,
    /// The context struct's tag, when the callback has a context (else the
    /// call passes `NULL`).
    pub context_struct: Option<String>,
    /// `.field = value` initialisers of the context.
    pub initializers: Vec<String>,
    pub exits: BTreeSet<LoopExit>,
    pub tail_call: Option<(FunctionId, &'a [Expr], Span)>,
    pub exit_names: LoopExitNames,
    /// Whether a `return` recorded a value in `result`.
    pub returns_value: bool,
    /// Whether the context has an `exit` field (the exit constants are
    /// used).
    pub context_has_exit: bool,
    pub span: Span,
}

/// One local the callback reaches through its context.
struct Capture {
    local: LocalId,
    field: String,
    /// The field's type.
    ty: Type,
    /// Its initial value in the enclosing code.
    init: String,
    /// Whether the callback reaches the local through a pointer field.
    through_pointer: bool,
    /// For a local holding a variable-size reservation: the field is the
    /// reservation's `struct bpf_dynptr *` instead (the body reaches only
    /// the record's elements, through the dynptr).
    dynptr: bool,
}

impl<'a, B: Backend<'a>> Lowering<'a, B> {
    /// Lowers `spec.body` as a callback, written to `preceding`. `signature`
    /// gets the context parameter's declaration (`struct NAME *loop` or
    /// `void *loop`) and returns the function's head; `head` writes the
    /// callback's first statements (declaring `spec.own`) given the context
    /// parameter's name.
    pub fn lower_callback(
        &mut self,
        spec: CallbackSpec<'a>,
        signature: &dyn Fn(&str) -> String,
        head: &mut dyn FnMut(&mut Self, &str),
    ) -> LoweredCallback<'a> {
        let context = self.temp("loop");
        let fields = self.context_fields();
        let captures = self.captures(spec.body, &spec.own, &spec.reads);
        let mut flags = Vec::new();
        visit::walk_stmts(spec.body, &mut |stmt| {
            if let StmtKind::Defer(_) = stmt.kind {
                if let Some(flag) = self.defer_flag(stmt) {
                    flags.push(flag);
                }
            }
        });

        // The body, with the callback's spellings and frames.
        let saved_out = std::mem::take(&mut self.out);
        let saved_frames = std::mem::take(&mut self.frames);
        let saved_locals = self.locals.clone();
        let saved_flags = self.flag_spellings.clone();
        let saved_error = self.error_code.take();
        let saved_map_lines = std::mem::replace(&mut self.map_lines, true);
        self.out.indent();
        self.open_scope();
        let saved_dynptrs = self.dynptrs.clone();
        let saved_releases = std::mem::take(&mut self.failure_releases);
        for capture in &captures {
            let spelled = format!("{context}->{}", capture.field);
            if capture.dynptr {
                self.dynptrs.insert(capture.local, spelled);
                continue;
            }
            let spelling = if capture.through_pointer {
                Spelling::Pointer(spelled)
            } else {
                Spelling::Value(spelled)
            };
            self.locals.insert(capture.local, spelling);
        }
        let mut flag_fields = Vec::new();
        for flag in &flags {
            let outer = self.flag_spelling(flag);
            let field = flag.clone();
            self.flag_spellings
                .insert(flag.clone(), format!("*{context}->{field}"));
            flag_fields.push((field, format!("&{outer}")));
        }
        self.callbacks.push(CallbackState {
            context: context.clone(),
            records_break: spec.records_break,
            exits: BTreeSet::new(),
            tail_call: None,
            exit_names: spec.exit_names.clone(),
        });
        self.frames.push(Frame::Loop(LoopKind::Callback));
        head(self, &context);
        B::callback_prologue(self, spec.body);
        if super::errors::needs_error_code(self, spec.body) {
            let name = self.temp("error");
            self.out.line(format!("__s64 {name} = 0;"));
            if super::errors::error_code_unread(spec.body) {
                self.out.line(format!("(void){name};"));
            }
            self.error_code = Some(name);
        }
        self.loop_body(spec.body, LoopKind::Callback);
        if spec.body.completes {
            self.out.line("return 0;");
        }
        self.frames.pop();
        let state = self.callbacks.pop().expect("pushed above");
        self.close_scope();
        self.out.dedent();
        let body = std::mem::replace(&mut self.out, saved_out);
        self.frames = saved_frames;
        self.locals = saved_locals;
        self.dynptrs = saved_dynptrs;
        self.failure_releases = saved_releases;
        self.flag_spellings = saved_flags;
        self.error_code = saved_error;
        self.map_lines = saved_map_lines;

        // The context struct: captures, the caller's fields, the exits.
        let returns_value = state.exits.contains(&LoopExit::Return) && self.returns_value();
        let mut declarations = Vec::new();
        let mut initializers = Vec::new();
        for capture in &captures {
            if capture.dynptr {
                declarations.push(format!("struct bpf_dynptr *{}", capture.field));
                initializers.push(format!(".{} = {}", capture.field, capture.init));
                continue;
            }
            declarations.push(self.types.declaration(&capture.ty, &capture.field));
            initializers.push(format!(".{} = {}", capture.field, capture.init));
        }
        for (field, init) in &flag_fields {
            declarations.push(format!("bool *{field}"));
            initializers.push(format!(".{field} = {init}"));
        }
        for (field, ty, init) in &spec.fields {
            declarations.push(self.types.declaration(ty, field));
            initializers.push(format!(".{field} = {init}"));
        }
        let context_has_exit = !state.exits.is_empty() || spec.records_break;
        if context_has_exit {
            declarations.push(format!("__u32 {}", fields.exit));
        }
        if returns_value {
            let ret = self.return_type();
            declarations.push(self.types.declaration(&ret, &fields.result));
        }
        if state.exits.contains(&LoopExit::Throw) || state.exits.contains(&LoopExit::TailCall) {
            declarations.push(format!("__s64 {}", fields.code));
        }
        let context_struct = (!declarations.is_empty()).then(|| spec.name.clone());

        let mut definition = CWriter::new();
        if let Some(tag) = &context_struct {
            definition.open_block(format!("struct {tag}"));
            for declaration in &declarations {
                definition.line(format!("{declaration};"));
            }
            definition.close_block_with(";");
            definition.blank_line();
        }
        let context_type = match &context_struct {
            Some(tag) => format!("struct {tag} *{context}"),
            None => format!("void *{context}"),
        };
        let saved_out = std::mem::replace(&mut self.out, definition);
        self.map_line(spec.span);
        self.out.line(signature(&context_type));
        self.out.line("{");
        if context_struct.is_none() {
            self.out.line(format!("\t(void){context};"));
        }
        self.out.append(body);
        self.out.line("}");
        self.map_to_output();
        let definition = std::mem::replace(&mut self.out, saved_out);
        self.preceding.blank_line();
        self.preceding.append(definition);

        LoweredCallback {
            name: spec.name,
            context_struct,
            initializers,
            exits: state.exits,
            tail_call: state.tail_call,
            exit_names: spec.exit_names,
            returns_value,
            context_has_exit,
            span: spec.span,
        }
    }

    /// `struct NAME local = { ... };` (nothing when the callback has no
    /// context), and the call's context argument (`&local` or `NULL`); the
    /// local's name is `base` unless taken.
    pub fn callback_context(
        &mut self,
        lowered: &LoweredCallback<'a>,
        base: &str,
    ) -> (Option<String>, String) {
        let Some(tag) = &lowered.context_struct else {
            return (None, "NULL".to_string());
        };
        let local = self.temp(base);
        let init = if lowered.initializers.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", lowered.initializers.join(", "))
        };
        self.out.line(format!("struct {tag} {local} = {init};"));
        (Some(local.clone()), format!("&{local}"))
    }

    /// After the call of a callback whose context is `local`: what its
    /// recorded exits mean here (see the module documentation).
    pub fn callback_exits(&mut self, lowered: &LoweredCallback<'a>, local: Option<&str>) {
        let Some(local) = local else {
            return;
        };
        let fields = self.context_fields();
        let names = &lowered.exit_names;
        for exit in &lowered.exits {
            let condition = format!("{local}.{} == {}", fields.exit, names.name(*exit));
            match exit {
                LoopExit::Next | LoopExit::Break => {}
                LoopExit::Return => {
                    self.out.open_block(format!("if ({condition})"));
                    let value = lowered
                        .returns_value
                        .then(|| format!("{local}.{}", fields.result));
                    self.return_computed(value, lowered.span);
                    self.out.close_block();
                }
                LoopExit::Throw => {
                    self.out.open_block(format!("if ({condition})"));
                    B::throw(self, format!("{local}.{}", fields.code), lowered.span);
                    self.out.close_block();
                }
                LoopExit::TailCall => {
                    let Some((target, args, span)) = lowered.tail_call else {
                        continue;
                    };
                    self.out.open_block(format!("if ({condition})"));
                    let slot = format!("{local}.{}", fields.code);
                    B::tail_call_at(self, target, args, slot, span);
                    self.out.close_block();
                }
                LoopExit::Fail => {
                    self.out.open_block(format!("if ({condition})"));
                    self.failure_exit(lowered.span);
                    self.out.close_block();
                }
            }
        }
    }

    /// Leaves the innermost callback recording `exit`, with `value` in
    /// `field` of the context.
    pub fn leave_callback(&mut self, exit: LoopExit, value: Option<(&str, String)>) {
        let state = self.callbacks.last_mut().expect("in a callback");
        state.exits.insert(exit);
        let context = state.context.clone();
        let name = state.exit_names.name(exit).to_string();
        let fields = self.context_fields();
        self.out
            .line(format!("{context}->{} = {name};", fields.exit));
        if let Some((field, value)) = value {
            self.out.line(format!("{context}->{field} = {value};"));
        }
        self.out.line("return 1;");
    }

    /// `break` (`continue` when `!is_break`) out of a callback loop.
    pub fn callback_jump(&mut self, is_break: bool) {
        let records = self
            .callbacks
            .last()
            .is_some_and(|state| state.records_break);
        if is_break && records {
            self.leave_callback(LoopExit::Break, None);
        } else {
            self.out
                .line(if is_break { "return 1;" } else { "return 0;" });
        }
    }

    /// `return value` inside a callback: the value goes to the context.
    pub fn return_in_callback(&mut self, value: Option<&'a Expr>) {
        let Some(value) = value.filter(|_| self.returns_value()) else {
            if let Some(value) = value {
                // A void call returned as the function's (void) value.
                let text = self.expr(value).text;
                self.out.line(format!("{text};"));
            }
            self.leave_callback(LoopExit::Return, None);
            return;
        };
        let fields = self.context_fields();
        let context = self
            .callbacks
            .last()
            .expect("in a callback")
            .context
            .clone();
        if let ExprKind::Match { scrutinee, arms } = &value.kind {
            let place = format!("{context}->{}", fields.result);
            self.lower_match(scrutinee, arms, &value.ty, super::Sink::Assign(place));
            self.leave_callback(LoopExit::Return, None);
            return;
        }
        let text = self.expr(value).text;
        self.leave_callback(LoopExit::Return, Some((&fields.result, text)));
    }

    /// A tail call from inside a callback: recorded, made after the loop.
    pub fn tail_call_in_callback(
        &mut self,
        target: FunctionId,
        args: &'a [Expr],
        slot: String,
        span: Span,
    ) {
        let state = self.callbacks.last_mut().expect("in a callback");
        state.tail_call.get_or_insert((target, args, span));
        let fields = self.context_fields();
        self.leave_callback(LoopExit::TailCall, Some((&fields.code, slot)));
    }

    /// The names of the generated context fields (allocated on first use).
    pub fn context_fields(&mut self) -> ContextFields {
        if let Some(fields) = &self.context_field_names {
            return fields.clone();
        }
        let fields = ContextFields {
            exit: self.temp("exit"),
            result: self.temp("result"),
            code: self.temp("code"),
        };
        self.context_field_names = Some(fields.clone());
        fields
    }

    /// Whether a `return` of this function carries a value.
    fn returns_value(&self) -> bool {
        self.function.ret != Type::Void
    }

    fn return_type(&self) -> Type {
        self.function.ret.clone()
    }

    /// The locals `body` (and `reads`) use that the callback does not bind
    /// itself, with how the callback reaches them.
    fn captures(&mut self, body: &'a Block, own: &[LocalId], reads: &[&'a Expr]) -> Vec<Capture> {
        let mut declared: BTreeSet<LocalId> = own.iter().copied().collect();
        visit::walk_stmts(body, &mut |stmt: &Stmt| match &stmt.kind {
            StmtKind::Let { local, .. } => {
                declared.insert(*local);
            }
            StmtKind::IfLetMap { binding, .. } | StmtKind::IfLetPointer { binding, .. } => {
                declared.insert(*binding);
            }
            StmtKind::ForRange { var, .. } => {
                declared.insert(*var);
            }
            StmtKind::ForEachMap { key, value, .. } => {
                declared.insert(*key);
                declared.extend(*value);
            }
            _ => {}
        });
        for hoisted in &self.hoisted {
            declared.remove(hoisted);
        }
        let mut used = BTreeSet::new();
        let mut note = |expr: &Expr| {
            if let ExprKind::Local(id) = &expr.kind {
                if !declared.contains(id) {
                    used.insert(*id);
                }
            }
        };
        visit::walk_block_exprs(body, &mut note);
        for read in reads {
            visit::walk_exprs(read, &mut note);
        }
        let assigned_hoisted: BTreeSet<LocalId> = {
            let mut set = BTreeSet::new();
            visit::walk_stmts(body, &mut |stmt| {
                if let StmtKind::Let { local, .. } = &stmt.kind {
                    set.insert(*local);
                }
            });
            set
        };
        let mut captures = Vec::new();
        for id in used {
            if let Some(dynptr) = self.dynptrs.get(&id).cloned() {
                let field = dynptr.rsplit("->").next().unwrap_or(&dynptr);
                captures.push(Capture {
                    local: id,
                    field: field.trim_start_matches('&').to_string(),
                    ty: Type::Void,
                    init: dynptr,
                    through_pointer: true,
                    dynptr: true,
                });
                continue;
            }
            let Some(spelling) = self.locals.get(&id).cloned() else {
                continue;
            };
            let ty = self.function.local(id).ty.clone();
            let field = match &spelling {
                Spelling::Value(name) | Spelling::Pointer(name) => {
                    // A name that is itself a path (nested callbacks) keeps
                    // its tail.
                    name.rsplit("->").next().unwrap_or(name).to_string()
                }
            };
            let capture = match spelling {
                Spelling::Pointer(pointer) => Capture {
                    local: id,
                    field,
                    ty: Type::Pointer(Box::new(ty)),
                    init: pointer,
                    through_pointer: true,
                    dynptr: false,
                },
                Spelling::Value(name) => {
                    let by_address = visit::may_modify_local(body, id)
                        || address_taken(&self.function.body, id)
                        || is_array_like(&ty)
                        || (self.hoisted.contains(&id) && assigned_hoisted.contains(&id));
                    if by_address {
                        Capture {
                            local: id,
                            field,
                            ty: Type::Pointer(Box::new(ty)),
                            init: format!("&{name}"),
                            through_pointer: true,
                            dynptr: false,
                        }
                    } else {
                        Capture {
                            local: id,
                            field,
                            ty,
                            init: name,
                            through_pointer: false,
                            dynptr: false,
                        }
                    }
                }
            };
            captures.push(capture);
        }
        captures
    }
}

/// Whether `&local` (or `&local.f`, `&local[i]`) appears in `block`.
fn address_taken(block: &Block, local: LocalId) -> bool {
    let mut taken = false;
    visit::walk_block_exprs(block, &mut |expr| {
        if let ExprKind::Unary {
            op: crate::ir::UnaryOp::AddrOf,
            operand,
        } = &expr.kind
        {
            taken |= visit::place_root(operand) == Some(local);
        }
    });
    taken
}
