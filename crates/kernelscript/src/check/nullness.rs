//! Null safety for pointers that may be null (SPEC §10.5): a
//! flow-sensitive pass over each checked body (the IR), run after lowering.
//!
//! A pointer local *may be null* when it last got its value from
//! `rb.reserve()` (null when the ring buffer is full), from `null`, from no
//! value at all (`var p: *T` starts out null), or from another local that
//! may be null at that point (also through `as`). Every other pointer is
//! taken as non-null: parameters, `if (var p = ...)` bindings, addresses,
//! packet and context pointers, results of calls.
//!
//! Such a local must be proven non-null before it is dereferenced (`p->f`,
//! `*p`, `p[i]`), used in pointer arithmetic, or passed to a call
//! (`rb.submit(p)`, `rb.discard(p)`, a function, kfunc or helper; `print`
//! takes anything). Proofs: the then-branch of `if (p != null)`, `if (p)`
//! and `if (var q = p)`; the else-branch of `if (p == null)`; the code after
//! `if (p == null) { return }` (or any branch that cannot complete); the
//! right operand of `p != null && ...` and of `p == null || ...`; the code
//! after `while (p == null) { ... }`. Assigning a local gives it the state
//! of the value assigned.
//!
//! Merges are conservative: after an `if`, a local that may be null on
//! either path may be null; at a loop head (and at the start of a `catch`)
//! a local the body may give a maybe-null value may be null. A deferred call
//! is checked where it is registered and again at every `return`.
//!
//! Without this pass the kernel verifier rejects the object (`R1
//! type=ringbuf_mem_or_null expected=ringbuf_mem`); by invariant 3 of
//! ARCHITECTURE.md that must be a checker error instead. This pass only
//! reads the IR and reports; it never changes the program.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::ir::{
    BinaryOp, Block, Builtin, Callee, Expr, ExprKind, LocalDef, LocalId, Method, Program, Stmt,
    StmtKind,
};
use crate::span::Span;

use super::errors::{self, NullableOrigin, NullableUse};
use super::flow::{local_of, Flow};
use super::Checker;

/// The locals that may be null at a program point, with where each got
/// its maybe-null value; every other local is non-null (or not a pointer).
type Facts = BTreeMap<LocalId, NullableOrigin>;

/// The facts at a point, or `None` where control cannot reach.
type State = Option<Facts>;

impl Checker<'_> {
    /// Reports every use of a maybe-null pointer in `body` (the body being
    /// checked, whose locals are in `self.fx`).
    pub(crate) fn check_nullness(&mut self, body: &Block) {
        let mut pass = Nullness {
            program: &self.program,
            locals: &self.fx.locals,
            loops: Vec::new(),
            deferred: Vec::new(),
            exit: None,
            quiet: false,
            reported: Vec::new(),
            diagnostics: Vec::new(),
        };
        if let Some(end) = pass.block(body, Facts::new()) {
            pass.check_deferred(&end, None);
        }
        let diagnostics = std::mem::take(&mut pass.diagnostics);
        for diagnostic in diagnostics {
            self.report(diagnostic);
        }
    }
}

/// The facts leaving one loop iteration early, for the enclosing loop.
#[derive(Default)]
struct LoopExits {
    breaks: State,
    continues: State,
}

/// What one pass over a loop found.
struct Iteration {
    /// Leaving from the head (the condition false).
    exit: State,
    /// At the end of the body.
    end: State,
    exits: LoopExits,
}

struct Nullness<'a> {
    program: &'a Program,
    locals: &'a [LocalDef],
    /// One per enclosing loop.
    loops: Vec<LoopExits>,
    /// Calls registered by `defer` so far.
    deferred: Vec<&'a Expr>,
    /// While checking deferred calls: the `return` where they run.
    exit: Option<Span>,
    /// Analysing only to learn the facts at a loop head: nothing is
    /// reported.
    quiet: bool,
    /// Use spans already reported (a use is analysed again for `defer`).
    reported: Vec<Span>,
    diagnostics: Vec<Diagnostic>,
}

fn merge(a: State, b: State) -> State {
    match (a, b) {
        (None, other) | (other, None) => other,
        (Some(mut a), Some(b)) => {
            for (local, origin) in b {
                a.entry(local).or_insert(origin);
            }
            Some(a)
        }
    }
}

impl<'a> Flow<'a> for Nullness<'a> {
    type Facts = Facts;

    fn join(a: State, b: State) -> State {
        merge(a, b)
    }

    fn when_non_null(local: LocalId, facts: &Facts) -> Facts {
        let mut facts = facts.clone();
        facts.remove(&local);
        facts
    }

    fn when_null(_: LocalId, facts: &Facts) -> Facts {
        facts.clone()
    }

    fn require(&mut self, expr: &Expr, used: NullableUse, facts: &Facts) {
        Nullness::require(self, expr, used, facts);
    }

    fn call(&mut self, _: &'a Expr, callee: &'a Callee, args: &'a [Expr], facts: Facts) -> State {
        Nullness::call(self, callee, args, facts)
    }

    fn stmt(&mut self, stmt: &'a Stmt, facts: Facts) -> State {
        Nullness::stmt(self, stmt, facts)
    }
}

impl<'a> Nullness<'a> {
    fn is_pointer(&self, local: LocalId) -> bool {
        let def = &self.locals[local.index()];
        !def.by_reference && def.ty.is_pointer()
    }

    /// Where `value` got a value that may be null, if it did.
    fn origin(&self, value: &Expr, facts: &Facts) -> Option<NullableOrigin> {
        match &value.kind {
            ExprKind::Null => Some(NullableOrigin::Null(value.span)),
            ExprKind::Call {
                callee:
                    Callee::Method {
                        method: Method::Reserve,
                        ..
                    },
                ..
            } => Some(NullableOrigin::Reserve(value.span)),
            ExprKind::Call {
                callee: Callee::Builtin(Builtin::New),
                ..
            } => Some(NullableOrigin::New(value.span)),
            ExprKind::Call {
                callee:
                    Callee::Method {
                        method: Method::Take,
                        ..
                    },
                ..
            } => Some(NullableOrigin::Take(value.span)),
            ExprKind::MapGet { .. } if value.ty.is_pointer() => {
                Some(NullableOrigin::Borrowed(value.span))
            }
            ExprKind::Local(local) => facts.get(local).copied(),
            ExprKind::Cast(inner) => self.origin(inner, facts),
            ExprKind::Match { arms, .. } => arms
                .iter()
                .filter_map(|arm| arm.value.as_ref())
                .find_map(|value| self.origin(value, facts)),
            _ => None,
        }
    }

    /// `local` now holds `value` (`None`: declared without one).
    fn assign(&self, local: LocalId, value: Option<&Expr>, span: Span, facts: &mut Facts) {
        if !self.is_pointer(local) {
            return;
        }
        let origin = match value {
            Some(value) => self.origin(value, facts),
            None => Some(NullableOrigin::Unset(span)),
        };
        match origin {
            Some(origin) => facts.insert(local, origin),
            None => facts.remove(&local),
        };
    }

    /// Reports `expr` (a pointer) used as `used` if it is a local that may
    /// be null.
    fn require(&mut self, expr: &Expr, used: NullableUse, facts: &Facts) {
        if let ExprKind::MapGet { map, .. } = &expr.kind {
            // `m[k]->f` on a map of objects: the entry may hold none.
            if expr.ty.is_pointer() && !self.quiet && !self.reported.contains(&expr.span) {
                self.reported.push(expr.span);
                let name = format!("{}[k]", self.program.map(*map).name);
                let origin = NullableOrigin::Borrowed(expr.span);
                self.diagnostics
                    .push(errors::may_be_null(expr.span, &name, &used, origin));
            }
            return;
        }
        let Some(local) = local_of(expr) else {
            return;
        };
        let Some(origin) = facts.get(&local).copied() else {
            return;
        };
        if self.quiet || self.reported.contains(&expr.span) {
            return;
        }
        self.reported.push(expr.span);
        let name = &self.locals[local.index()].name;
        let diagnostic = match self.exit {
            Some(exit) => errors::may_be_null_when_deferred(expr.span, name, &used, origin, exit),
            None => errors::may_be_null(expr.span, name, &used, origin),
        };
        self.diagnostics.push(diagnostic);
    }

    /// The name of a callee, for "passed to `...`".
    fn callee_name(&self, callee: &Callee) -> Option<String> {
        Some(match callee {
            Callee::Function(id) | Callee::TailCall(id) => self.program.function(*id).name.clone(),
            Callee::Extern(id) => self.program.extern_def(*id).name.clone(),
            Callee::BpfHelper(name) => name.clone(),
            Callee::Indirect(_) => "a function pointer".to_string(),
            Callee::Method { receiver, method } => {
                let method = match method {
                    Method::Reserve => "reserve",
                    Method::Submit => "submit",
                    Method::Discard => "discard",
                    Method::OnEvent => "on_event",
                    Method::Output => "output",
                    Method::Insert => "insert",
                    Method::Take => "take",
                };
                format!("{}.{method}", self.program.map(*receiver).name)
            }
            Callee::Builtin(Builtin::Delete) => "delete".to_string(),
            // `print` and the lifecycle builtins take no pointers to data,
            // and Python takes no pointers at all.
            Callee::Builtin(_) | Callee::Python { .. } => return None,
        })
    }

    fn stmt(&mut self, stmt: &'a Stmt, facts: Facts) -> State {
        match &stmt.kind {
            StmtKind::Let { local, init } => {
                let mut facts = match init {
                    Some(init) => self.expr(init, facts)?,
                    None => facts,
                };
                self.assign(*local, init.as_ref(), stmt.span, &mut facts);
                Some(facts)
            }
            StmtKind::Assign { target, op, value } => {
                let facts = self.expr(value, facts)?;
                match (&target.kind, op) {
                    (ExprKind::Local(local), None) => {
                        let mut facts = facts;
                        self.assign(*local, Some(value), stmt.span, &mut facts);
                        Some(facts)
                    }
                    (ExprKind::Local(_), Some(BinaryOp::Add | BinaryOp::Sub))
                        if target.ty.is_pointer() =>
                    {
                        self.require(target, NullableUse::Arithmetic, &facts);
                        Some(facts)
                    }
                    _ => self.expr(target, facts),
                }
            }
            StmtKind::MapStore { map, key, value } if value.ty.is_pointer() => {
                // A map of objects: a null object cannot be moved in.
                let facts = self.expr(key, facts)?;
                let facts = self.expr(value, facts)?;
                let stored = format!("{}[k] =", self.program.map(*map).name);
                self.require(value, NullableUse::Argument(stored), &facts);
                Some(facts)
            }
            StmtKind::MapStore { key, value, .. }
            | StmtKind::MapCompound { key, value, .. }
            | StmtKind::MapFieldUpdate { key, value, .. } => {
                let facts = self.expr(key, facts)?;
                self.expr(value, facts)
            }
            StmtKind::MapDelete { key, .. } => self.expr(key, facts),
            StmtKind::Expr(expr) => self.expr(expr, facts),
            StmtKind::Throw(code) => {
                // A `catch` starts from the widened state of its `try`.
                self.expr(code, facts)?;
                None
            }
            StmtKind::Defer(call) => {
                let facts = self.expr(call, facts)?;
                self.deferred.push(call);
                Some(facts)
            }
            StmtKind::Return(value) => {
                let facts = match value {
                    Some(value) => self.expr(value, facts)?,
                    None => facts,
                };
                self.check_deferred(&facts, Some(stmt.span));
                None
            }
            StmtKind::Break => {
                if let Some(exits) = self.loops.last_mut() {
                    exits.breaks = merge(exits.breaks.take(), Some(facts));
                }
                None
            }
            StmtKind::Continue => {
                if let Some(exits) = self.loops.last_mut() {
                    exits.continues = merge(exits.continues.take(), Some(facts));
                }
                None
            }
            StmtKind::If {
                condition,
                then_block,
                else_block,
            } => {
                let facts = self.expr(condition, facts)?;
                let (when_true, when_false) = Self::refine(condition, &facts);
                self.branches(then_block, else_block.as_ref(), when_true, when_false)
            }
            StmtKind::IfLetMap {
                key,
                then_block,
                else_block,
                ..
            } => {
                let facts = self.expr(key, facts)?;
                self.branches(then_block, else_block.as_ref(), facts.clone(), facts)
            }
            StmtKind::IfLetPointer {
                binding,
                value,
                then_block,
                else_block,
            } => {
                let facts = self.expr(value, facts)?;
                let mut when_bound = facts.clone();
                when_bound.remove(binding);
                if let Some(local) = local_of(value) {
                    when_bound.remove(&local);
                }
                self.branches(then_block, else_block.as_ref(), when_bound, facts)
            }
            StmtKind::ForRange {
                start, end, body, ..
            } => {
                let facts = self.expr(start, facts)?;
                let facts = self.expr(end, facts)?;
                self.loop_body(body, None, facts)
            }
            StmtKind::ForEachMap { body, .. } => self.loop_body(body, None, facts),
            StmtKind::While { condition, body } => self.loop_body(body, Some(condition), facts),
            StmtKind::Try { body, catches } => {
                let at_catch = self.widen(facts.clone(), body);
                let mut after = self.block(body, facts);
                for catch in catches {
                    let after_catch = self.block(&catch.body, at_catch.clone());
                    after = merge(after, after_catch);
                }
                after
            }
            StmtKind::Block(block) => self.block(block, facts),
        }
    }

    /// A loop. The facts at its head: `widen` gives a sound bound at once
    /// (every local the body may make maybe-null); one quiet pass of the
    /// body from that bound then narrows it to what the body's end and its
    /// `continue`s actually allow (still sound: the bound is a post-fixed
    /// point). Inside a quiet pass nested loops keep the bound, so each
    /// body is analysed at most twice per enclosing reporting pass, however
    /// deep the nesting. The loop exits from the head (with the condition
    /// false) or through a `break`.
    fn loop_body(&mut self, body: &'a Block, condition: Option<&'a Expr>, facts: Facts) -> State {
        let bound = self.widen(facts.clone(), body);
        let head = if self.quiet {
            bound
        } else {
            self.quiet = true;
            let trial = self.iteration(body, condition, bound);
            self.quiet = false;
            let back_edges = merge(trial.end, trial.exits.continues);
            merge(Some(facts), back_edges).unwrap_or_default()
        };
        let pass = self.iteration(body, condition, head);
        merge(pass.exit, pass.exits.breaks)
    }

    /// One pass over a loop from the facts at its head.
    fn iteration(
        &mut self,
        body: &'a Block,
        condition: Option<&'a Expr>,
        head: Facts,
    ) -> Iteration {
        let (in_body, at_exit) = match condition {
            Some(condition) => match self.expr(condition, head) {
                Some(after) => Self::refine(condition, &after),
                None => {
                    return Iteration {
                        exit: None,
                        end: None,
                        exits: LoopExits::default(),
                    }
                }
            },
            None => (head.clone(), head),
        };
        self.loops.push(LoopExits::default());
        let end = self.block(body, in_body);
        let exits = self.loops.pop().unwrap_or_default();
        Iteration {
            exit: Some(at_exit),
            end,
            exits,
        }
    }

    /// `facts` plus every local `body` may give a maybe-null value (to a
    /// fixed point, for copies between locals).
    fn widen(&self, mut facts: Facts, body: &Block) -> Facts {
        let mut writes: Vec<(LocalId, Option<&Expr>, Span)> = Vec::new();
        collect_writes(&body.stmts, &mut writes);
        loop {
            let mut changed = false;
            for (local, value, span) in &writes {
                if facts.contains_key(local) || !self.is_pointer(*local) {
                    continue;
                }
                let origin = match value {
                    Some(value) => self.origin(value, &facts),
                    None => Some(NullableOrigin::Unset(*span)),
                };
                if let Some(origin) = origin {
                    facts.insert(*local, origin);
                    changed = true;
                }
            }
            if !changed {
                return facts;
            }
        }
    }

    /// Checks the deferred calls registered so far against `facts`, the
    /// state at the `return` at `exit` (or the end of the body), where
    /// they run.
    fn check_deferred(&mut self, facts: &Facts, exit: Option<Span>) {
        self.exit = exit;
        for call in self.deferred.clone() {
            self.expr(call, facts.clone());
        }
        self.exit = None;
    }

    /// A call: each pointer argument must be non-null (`print` takes
    /// anything).
    fn call(&mut self, callee: &'a Callee, args: &'a [Expr], facts: Facts) -> State {
        if let Some(name) = self.callee_name(callee) {
            for arg in args.iter().filter(|arg| arg.ty.is_pointer()) {
                self.require(arg, NullableUse::Argument(name.clone()), &facts);
            }
        }
        let mut facts = facts;
        if let Callee::Indirect(target) = callee {
            facts = self.expr(target, facts)?;
        }
        self.exprs(args, facts)
    }
}

/// Every write to a local in `stmts`, at any depth (nested blocks and the
/// block arms of `match`): `(local, value, span)`, value `None` for a
/// declaration without one.
fn collect_writes<'a>(stmts: &'a [Stmt], writes: &mut Vec<(LocalId, Option<&'a Expr>, Span)>) {
    for stmt in stmts {
        match &stmt.kind {
            StmtKind::Let { local, init } => writes.push((*local, init.as_ref(), stmt.span)),
            StmtKind::Assign {
                target:
                    Expr {
                        kind: ExprKind::Local(local),
                        ..
                    },
                op: None,
                value,
            } => writes.push((*local, Some(value), stmt.span)),
            _ => {}
        }
        for block in child_blocks(stmt) {
            collect_writes(&block.stmts, writes);
        }
        for expr in stmt_exprs(stmt) {
            collect_arm_writes(expr, writes);
        }
    }
}

/// The writes in block arms of `match` expressions inside `expr`.
fn collect_arm_writes<'a>(expr: &'a Expr, writes: &mut Vec<(LocalId, Option<&'a Expr>, Span)>) {
    let mut children: Vec<&Expr> = Vec::new();
    match &expr.kind {
        ExprKind::Match { scrutinee, arms } => {
            children.push(scrutinee);
            for arm in arms {
                collect_writes(&arm.stmts, writes);
                children.extend(arm.value.iter());
            }
        }
        ExprKind::Unary { operand: inner, .. }
        | ExprKind::Cast(inner)
        | ExprKind::Field { base: inner, .. }
        | ExprKind::Arrow { base: inner, .. }
        | ExprKind::MapGet { key: inner, .. }
        | ExprKind::MapContains { key: inner, .. } => children.push(inner),
        ExprKind::Binary { lhs, rhs, .. } => children.extend([&**lhs, &**rhs]),
        ExprKind::Index { base, index } => children.extend([&**base, &**index]),
        ExprKind::MapLoad { key, dest, .. } => children.extend([&**key, &**dest]),
        ExprKind::Call { callee, args } => {
            if let Callee::Indirect(target) = callee {
                children.push(target);
            }
            children.extend(args.iter());
        }
        ExprKind::StructLit { fields, .. } => children.extend(fields.iter().map(|(_, v)| v)),
        ExprKind::ArrayLit(elements) => children.extend(elements.iter()),
        _ => {}
    }
    for child in children {
        collect_arm_writes(child, writes);
    }
}

fn child_blocks(stmt: &Stmt) -> Vec<&Block> {
    match &stmt.kind {
        StmtKind::If {
            then_block,
            else_block,
            ..
        }
        | StmtKind::IfLetMap {
            then_block,
            else_block,
            ..
        }
        | StmtKind::IfLetPointer {
            then_block,
            else_block,
            ..
        } => std::iter::once(then_block).chain(else_block).collect(),
        StmtKind::ForRange { body, .. }
        | StmtKind::ForEachMap { body, .. }
        | StmtKind::While { body, .. }
        | StmtKind::Block(body) => vec![body],
        StmtKind::Try { body, catches } => std::iter::once(body)
            .chain(catches.iter().map(|catch| &catch.body))
            .collect(),
        _ => Vec::new(),
    }
}

fn stmt_exprs(stmt: &Stmt) -> Vec<&Expr> {
    match &stmt.kind {
        StmtKind::Let { init, .. } => init.iter().collect(),
        StmtKind::Assign { target, value, .. } => vec![target, value],
        StmtKind::MapStore { key, value, .. }
        | StmtKind::MapCompound { key, value, .. }
        | StmtKind::MapFieldUpdate { key, value, .. } => vec![key, value],
        StmtKind::MapDelete { key, .. } | StmtKind::IfLetMap { key, .. } => vec![key],
        StmtKind::Expr(expr)
        | StmtKind::Throw(expr)
        | StmtKind::Defer(expr)
        | StmtKind::If {
            condition: expr, ..
        }
        | StmtKind::While {
            condition: expr, ..
        }
        | StmtKind::IfLetPointer { value: expr, .. } => vec![expr],
        StmtKind::ForRange { start, end, .. } => vec![start, end],
        StmtKind::Return(value) => value.iter().collect(),
        StmtKind::ForEachMap { .. }
        | StmtKind::Break
        | StmtKind::Continue
        | StmtKind::Try { .. }
        | StmtKind::Block(_) => Vec::new(),
    }
}
