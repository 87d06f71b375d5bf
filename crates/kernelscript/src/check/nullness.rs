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
//! takes anything, and `delete p` of a null `p` does nothing). Proofs: the then-branch of `if (p != null)`, `if (p)`
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
//! Out-parameters: `f(&p)` lets `f` write `p`. Each function gets a
//! summary, per parameter it *follows* (a `**T` or `*void` parameter used
//! only as `*param = value`, `*param`, `param == null`, or passed on to a
//! function): for each way it returns, the returned value when it is a
//! constant and what `*param` then holds (non-null, untouched, or maybe
//! null). After `f(&p)` `p` is non-null when every return wrote it a
//! non-null value, keeps its state when `f` only ever leaves it alone, and
//! may be null otherwise (also after any call that does not follow the
//! parameter: an `extern`, a helper, a function pointer). A result compared
//! with a constant (`f(&p) != -1`, or `r` of `var r = f(&p)` until `r` or
//! `p` changes) keeps only the returns that agree with the comparison, so
//! the xdp-tutorial helpers that return -1 before setting `*hdr` prove
//! `hdr` on the other branch. A pointer local whose address is taken other
//! than as a call argument may be null after any call or store through
//! memory. Summaries are computed callees first, over the bodies of all
//! functions, before any body is checked; while summarising, the
//! function's pointer parameters may be null (a caller may pass `null`),
//! so writing one proves nothing until it is checked.
//!
//! Without this pass the kernel verifier rejects the object (`R1
//! type=ringbuf_mem_or_null expected=ringbuf_mem`); by invariant 3 of
//! ARCHITECTURE.md that must be a checker error instead. This pass only
//! reads the IR and reports; it never changes the program.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::Diagnostic;
use crate::ir::{
    visit, BinaryOp, Block, Builtin, Callee, Expr, ExprKind, FunctionId, LocalDef, LocalId, Method,
    Program, Stmt, StmtKind, Type, UnaryOp,
};
use crate::span::Span;

use super::consts::eval;
use super::errors::{self, NullableOrigin, NullableUse};
use super::flow::{local_of, Flow};
use super::Checker;

/// What a pointer written through its address holds after a call (or, in
/// a function being summarised, what `*param` holds now), as a set of
/// possibilities; the empty set is "non-null".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Out(u8);

impl Out {
    const NON_NULL: Out = Out(0);
    /// Not written: the caller's value.
    const UNTOUCHED: Out = Out(1);
    const MAY_NULL: Out = Out(2);
    const UNKNOWN: Out = Out(3);

    fn join(self, other: Out) -> Out {
        Out(self.0 | other.0)
    }

    fn has(self, other: Out) -> bool {
        self.0 & other.0 != 0
    }

    /// The state after a callee with this effect ran on a pointer that
    /// was `before`.
    fn after(self, before: Out) -> Out {
        let kept = if self.has(Out::UNTOUCHED) {
            before
        } else {
            Out::NON_NULL
        };
        Out((self.0 & Out::MAY_NULL.0) | kept.0)
    }
}

/// The ways a function returns, for one followed parameter: the returned
/// value when it is a constant, and what `*param` holds then.
type Effects = Vec<(Option<i128>, Out)>;

/// One way a function being summarised returns: its value when constant,
/// and what each followed parameter points to holds then.
type Return = (Option<i128>, BTreeMap<LocalId, Out>);

/// Per function, per parameter: its effects when followed (`None`: the
/// function may do anything with what the parameter points to).
type Summaries = Vec<Vec<Option<Effects>>>;

/// A local holding the result of a call that wrote `target` through its
/// address, with that parameter's effects: comparing `result` with a
/// constant tells which returns are possible.
#[derive(Clone, Debug, PartialEq)]
struct Link {
    result: LocalId,
    target: LocalId,
    effects: Effects,
}

/// The facts at a reachable program point.
#[derive(Clone, Debug, Default)]
struct Facts {
    /// The locals that may be null, with where each got its maybe-null
    /// value; every other local is non-null (or not a pointer).
    maybe_null: BTreeMap<LocalId, NullableOrigin>,
    /// While summarising a function: what each followed parameter points
    /// to holds now.
    out: BTreeMap<LocalId, Out>,
    links: Vec<Link>,
}

/// The facts at a point, or `None` where control cannot reach.
type State = Option<Facts>;

impl Checker<'_> {
    /// Reports every use of a maybe-null pointer in the bodies kept by
    /// `check_body` (as they were before deferred arguments were slotted),
    /// once every body is lowered so that callees can be summarised.
    pub(crate) fn check_nullness(&mut self) {
        let kept = std::mem::take(&mut self.null_bodies);
        let mut bodies: Vec<Option<&Block>> = vec![None; self.program.functions.len()];
        for (id, body) in &kept {
            bodies[id.index()] = Some(body);
        }
        let summaries = summarize(&self.program, &bodies);
        let mut diagnostics = Vec::new();
        for (id, body) in &kept {
            let function = self.program.function(*id);
            let mut pass = Nullness::new(&self.program, &function.locals, &summaries, body);
            if let Some(end) = pass.block(body, Facts::default()) {
                pass.check_deferred(&end, None);
            }
            diagnostics.append(&mut pass.diagnostics);
        }
        for diagnostic in diagnostics {
            self.report(diagnostic);
        }
    }
}

/// The summaries of every function with a followed parameter, callees
/// first (a function reached again while being summarised, by recursion,
/// counts as unknown).
fn summarize(program: &Program, bodies: &[Option<&Block>]) -> Summaries {
    let mut summaries: Summaries = program
        .functions
        .iter()
        .map(|function| vec![None; function.params.len()])
        .collect();
    let mut started = vec![false; bodies.len()];
    for index in 0..bodies.len() {
        summarize_function(
            program,
            bodies,
            FunctionId(index as u32),
            &mut summaries,
            &mut started,
        );
    }
    summaries
}

fn summarize_function(
    program: &Program,
    bodies: &[Option<&Block>],
    id: FunctionId,
    summaries: &mut Summaries,
    started: &mut [bool],
) {
    if started[id.index()] {
        return;
    }
    started[id.index()] = true;
    let Some(body) = bodies[id.index()] else {
        return;
    };
    let function = program.function(id);
    let followed = followed_params(&function.locals, &function.params, body);
    if followed.is_empty() {
        return;
    }
    let mut callees = Vec::new();
    visit::walk_block_exprs(body, &mut |expr| {
        if let ExprKind::Call {
            callee: Callee::Function(callee),
            ..
        } = &expr.kind
        {
            callees.push(*callee);
        }
    });
    for callee in callees {
        if callee.index() < bodies.len() {
            summarize_function(program, bodies, callee, summaries, started);
        }
    }
    let returns = {
        let mut pass = Nullness::new(program, &function.locals, summaries, body);
        pass.returns = Some(Vec::new());
        let mut facts = Facts::default();
        for param in &followed {
            facts.out.insert(*param, Out::UNTOUCHED);
        }
        // A caller may pass `null` for a pointer parameter: what the
        // function writes from one counts as non-null only once checked.
        for param in &function.params {
            let def = function.local(*param);
            if def.ty.is_pointer() && !def.by_reference && !followed.contains(param) {
                facts
                    .maybe_null
                    .insert(*param, NullableOrigin::Null(function.span));
            }
        }
        if let Some(end) = pass.block(body, facts) {
            pass.record_return(None, &end);
        }
        pass.returns.take().unwrap_or_default()
    };
    for (index, param) in function.params.iter().enumerate() {
        if !followed.contains(param) {
            continue;
        }
        let mut effects: Effects = Vec::new();
        for (value, outs) in &returns {
            let effect = (*value, outs.get(param).copied().unwrap_or(Out::UNKNOWN));
            if !effects.contains(&effect) {
                effects.push(effect);
            }
        }
        summaries[id.index()][index] = Some(effects);
    }
}

/// The parameters of a function whose writes the summary follows: `**T`
/// and `*void` parameters used only as `*param = value`, `*param`,
/// `param == null` / `param != null`, or a direct argument of a function
/// (and never in a `defer` or a compound assignment).
fn followed_params(locals: &[LocalDef], params: &[LocalId], body: &Block) -> Vec<LocalId> {
    let is_param =
        |expr: &Expr, param: LocalId| matches!(expr.kind, ExprKind::Local(l) if l == param);
    params
        .iter()
        .copied()
        .filter(|param| {
            let def = &locals[param.index()];
            !def.by_reference
                && matches!(&def.ty, Type::Pointer(inner) if matches!(**inner, Type::Pointer(_) | Type::Void))
        })
        .filter(|&param| {
            let (mut total, mut allowed) = (0usize, 0usize);
            visit::walk_block_exprs(body, &mut |expr| match &expr.kind {
                ExprKind::Local(local) if *local == param => total += 1,
                ExprKind::Unary {
                    op: UnaryOp::Deref,
                    operand,
                } if is_param(operand, param) => allowed += 1,
                ExprKind::Call {
                    callee: Callee::Function(_),
                    args,
                } => allowed += args.iter().filter(|arg| is_param(arg, param)).count(),
                ExprKind::Binary {
                    op: BinaryOp::Eq | BinaryOp::Ne,
                    lhs,
                    rhs,
                } if (is_param(lhs, param) && matches!(rhs.kind, ExprKind::Null))
                    || (is_param(rhs, param) && matches!(lhs.kind, ExprKind::Null)) =>
                {
                    allowed += 1
                }
                _ => {}
            });
            let mut misused = false;
            // `&*param` is `param` again, under another name.
            visit::walk_block_exprs(body, &mut |expr| {
                if let ExprKind::Unary {
                    op: UnaryOp::AddrOf,
                    operand,
                } = &expr.kind
                {
                    misused |= mentions(operand, param);
                }
            });
            visit::walk_stmts(body, &mut |stmt| match &stmt.kind {
                StmtKind::Assign {
                    target, op: Some(_), ..
                } if mentions(target, param) => misused = true,
                StmtKind::Defer(call) if mentions(call, param) => misused = true,
                _ => {}
            });
            total == allowed && !misused
        })
        .collect()
}

/// Whether `expr` reads `local` anywhere.
fn mentions(expr: &Expr, local: LocalId) -> bool {
    let mut found = false;
    visit::walk_exprs(expr, &mut |expr| {
        found |= matches!(expr.kind, ExprKind::Local(l) if l == local);
    });
    found
}

/// Whether running `stmt` always evaluates `target` (one of its
/// expressions): not only on the right of `&&`/`||` or in a `match` arm.
fn always_evaluated(stmt: &Stmt, target: &Expr) -> bool {
    fn search(expr: &Expr, target: &Expr, conditional: bool) -> Option<bool> {
        if std::ptr::eq(expr, target) {
            return Some(!conditional);
        }
        match &expr.kind {
            ExprKind::Binary {
                op: BinaryOp::And | BinaryOp::Or,
                lhs,
                rhs,
            } => search(lhs, target, conditional).or_else(|| search(rhs, target, true)),
            ExprKind::Match { scrutinee, .. } => {
                search(scrutinee, target, conditional).or_else(|| {
                    visit::child_exprs(expr)
                        .into_iter()
                        .find_map(|child| search(child, target, true))
                })
            }
            _ => visit::child_exprs(expr)
                .into_iter()
                .find_map(|child| search(child, target, conditional)),
        }
    }
    stmt_exprs(stmt)
        .into_iter()
        .find_map(|expr| search(expr, target, false))
        .unwrap_or(false)
}

/// The local whose address `expr` is (`&p`, through casts).
fn addressed(expr: &Expr) -> Option<LocalId> {
    match &expr.kind {
        ExprKind::Cast(inner) => addressed(inner),
        ExprKind::Unary {
            op: UnaryOp::AddrOf,
            operand,
        } => match operand.kind {
            ExprKind::Local(local) => Some(local),
            _ => None,
        },
        _ => None,
    }
}

/// `expr` without casts that keep every value (`i32` to `i64`).
fn without_widening(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Cast(inner) => match (&inner.ty, &expr.ty) {
            (Type::Int(from), Type::Int(to)) => {
                let ((from_min, from_max), (to_min, to_max)) = (from.range(), to.range());
                if to_min <= from_min && from_max <= to_max {
                    without_widening(inner)
                } else {
                    expr
                }
            }
            _ => expr,
        },
        _ => expr,
    }
}

/// `value op constant`.
fn holds(op: BinaryOp, value: i128, constant: i128) -> bool {
    match op {
        BinaryOp::Eq => value == constant,
        BinaryOp::Ne => value != constant,
        BinaryOp::Lt => value < constant,
        BinaryOp::Le => value <= constant,
        BinaryOp::Gt => value > constant,
        BinaryOp::Ge => value >= constant,
        _ => true,
    }
}

/// `a op b` as `b op' a`.
fn flipped(op: BinaryOp) -> BinaryOp {
    match op {
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::Le => BinaryOp::Ge,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::Ge => BinaryOp::Le,
        other => other,
    }
}

/// Every local whose address `body` takes.
fn address_taken(body: &Block) -> BTreeSet<LocalId> {
    let mut taken = BTreeSet::new();
    visit::walk_block_exprs(body, &mut |expr| {
        if let ExprKind::Unary {
            op: UnaryOp::AddrOf,
            operand,
        } = &expr.kind
        {
            if let ExprKind::Local(local) = operand.kind {
                taken.insert(local);
            }
        }
    });
    taken
}

/// The pointer locals whose address `body` takes other than as a call
/// argument, with where.
fn escaped_locals(locals: &[LocalDef], body: &Block) -> BTreeMap<LocalId, Span> {
    let mut passed: BTreeSet<*const Expr> = BTreeSet::new();
    visit::walk_block_exprs(body, &mut |expr| {
        if let ExprKind::Call { args, .. } = &expr.kind {
            for arg in args {
                let mut arg = arg;
                while let ExprKind::Cast(inner) = &arg.kind {
                    arg = inner;
                }
                passed.insert(arg as *const Expr);
            }
        }
    });
    let mut escaped = BTreeMap::new();
    visit::walk_block_exprs(body, &mut |expr| {
        if let ExprKind::Unary {
            op: UnaryOp::AddrOf,
            operand,
        } = &expr.kind
        {
            if let ExprKind::Local(local) = operand.kind {
                let def = &locals[local.index()];
                if !def.by_reference
                    && def.ty.is_pointer()
                    && !passed.contains(&(expr as *const Expr))
                {
                    escaped.entry(local).or_insert(expr.span);
                }
            }
        }
    });
    escaped
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
    summaries: &'a Summaries,
    /// Pointer locals whose address is kept somewhere (`escaped_locals`).
    escaped: BTreeMap<LocalId, Span>,
    /// Every local whose address the body takes (`&x` anywhere, a map
    /// read's destination included): such a local never holds a result
    /// the pass links to pointers, since it can change unseen.
    address_taken: BTreeSet<LocalId>,
    /// While summarising: each way the function returns, with its value
    /// when constant and what each followed parameter points to holds.
    returns: Option<Vec<Return>>,
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
    /// The innermost statement being analysed, and whether wrapping it in
    /// `if (p != null) { ... }` is a fix `kernelscript fix` may apply
    /// (`None`: no such edit, as for a `return`).
    statement: Option<(&'a Stmt, bool)>,
    diagnostics: Vec<Diagnostic>,
}

fn merge(a: State, b: State) -> State {
    match (a, b) {
        (None, other) | (other, None) => other,
        (Some(mut a), Some(b)) => {
            for (local, origin) in b.maybe_null {
                a.maybe_null.entry(local).or_insert(origin);
            }
            for (param, out) in b.out {
                let joined = a.out.get(&param).copied().unwrap_or_default().join(out);
                a.out.insert(param, joined);
            }
            a.links.retain(|link| b.links.contains(link));
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
        facts.maybe_null.remove(&local);
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

    /// A call result (or a local holding one) compared with a constant:
    /// on each side, the pointers written on every return that agrees
    /// with the comparison are non-null.
    fn compared(
        &self,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        facts: &Facts,
    ) -> Option<(Facts, Facts)> {
        if lhs.ty != rhs.ty || !lhs.ty.is_integer() {
            return None;
        }
        let (side, constant, op) = match (eval(self.program, rhs), eval(self.program, lhs)) {
            (Some(constant), _) => (lhs, constant, op),
            (None, Some(constant)) => (rhs, constant, flipped(op)),
            (None, None) => return None,
        };
        let side = without_widening(side);
        let targets: Vec<(LocalId, &Effects)> = match &side.kind {
            ExprKind::Local(result) => facts
                .links
                .iter()
                .filter(|link| link.result == *result)
                .map(|link| (link.target, &link.effects))
                .collect(),
            ExprKind::Call {
                callee: Callee::Function(id),
                args,
            } => self.written(*id, args),
            _ => return None,
        };
        if targets.is_empty() {
            return None;
        }
        let (mut when_true, mut when_false) = (facts.clone(), facts.clone());
        for (target, effects) in targets {
            let effect = |outcome: bool| {
                effects
                    .iter()
                    .filter(|(value, _)| {
                        value.is_none_or(|value| holds(op, value, constant) == outcome)
                    })
                    .fold(Out::NON_NULL, |joined, (_, out)| joined.join(*out))
            };
            if effect(true) == Out::NON_NULL {
                when_true.maybe_null.remove(&target);
            }
            if effect(false) == Out::NON_NULL {
                when_false.maybe_null.remove(&target);
            }
        }
        Some((when_true, when_false))
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
                callee: Callee::Builtin(Builtin::New(_)),
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
            ExprKind::Local(local) => facts.maybe_null.get(local).copied(),
            ExprKind::Cast(inner) => self.origin(inner, facts),
            ExprKind::Match { arms, .. } => arms
                .iter()
                .filter_map(|arm| arm.value.as_ref())
                .find_map(|value| self.origin(value, facts)),
            _ => None,
        }
    }

    fn new(
        program: &'a Program,
        locals: &'a [LocalDef],
        summaries: &'a Summaries,
        body: &Block,
    ) -> Self {
        Nullness {
            program,
            locals,
            summaries,
            escaped: escaped_locals(locals, body),
            address_taken: address_taken(body),
            returns: None,
            loops: Vec::new(),
            deferred: Vec::new(),
            exit: None,
            quiet: false,
            reported: Vec::new(),
            statement: None,
            diagnostics: Vec::new(),
        }
    }

    /// `local` now holds `value` (`None`: declared without one).
    fn assign(&self, local: LocalId, value: Option<&Expr>, span: Span, facts: &mut Facts) {
        facts
            .links
            .retain(|link| link.result != local && link.target != local);
        if !self.is_pointer(local) {
            if let Some(value) = value {
                self.link(local, value, facts);
            }
            return;
        }
        let origin = match value {
            Some(value) => self.origin(value, facts),
            None => Some(NullableOrigin::Unset(span)),
        };
        match origin {
            Some(origin) => facts.maybe_null.insert(local, origin),
            None => facts.maybe_null.remove(&local),
        };
    }

    /// `result` now holds `value`: when that is a call writing pointers
    /// whose effects depend on the returned value, remember them.
    fn link(&self, result: LocalId, value: &Expr, facts: &mut Facts) {
        if self.locals[result.index()].by_reference || self.address_taken.contains(&result) {
            return;
        }
        let ExprKind::Call {
            callee: Callee::Function(id),
            args,
        } = &without_widening(value).kind
        else {
            return;
        };
        for (target, effects) in self.written(*id, args) {
            if effects.iter().any(|(value, _)| value.is_some()) {
                facts.links.push(Link {
                    result,
                    target,
                    effects: effects.clone(),
                });
            }
        }
    }

    /// The pointer locals a call of function `id` writes through their
    /// addresses (each passed once) with the followed effects.
    fn written(&self, id: FunctionId, args: &[Expr]) -> Vec<(LocalId, &'a Effects)> {
        let summaries = self.summaries;
        let mut written = Vec::new();
        for (index, arg) in args.iter().enumerate() {
            let Some(local) = addressed(arg) else {
                continue;
            };
            let once = args.iter().filter(|a| addressed(a) == Some(local)).count() == 1;
            let effects = summaries
                .get(id.index())
                .and_then(|params| params.get(index))
                .and_then(Option::as_ref);
            if let (true, Some(effects)) = (once && self.is_pointer(local), effects) {
                written.push((local, effects));
            }
        }
        written
    }

    /// What a call does to what its argument `index` points to.
    fn effect(&self, callee: &Callee, index: usize) -> Out {
        match callee {
            Callee::Function(id) => self
                .summaries
                .get(id.index())
                .and_then(|params| params.get(index))
                .and_then(Option::as_ref)
                .map_or(Out::UNKNOWN, |effects| {
                    effects
                        .iter()
                        .fold(Out::NON_NULL, |joined, (_, out)| joined.join(*out))
                }),
            Callee::Builtin(Builtin::Print | Builtin::Output { .. }) => Out::UNTOUCHED,
            _ => Out::UNKNOWN,
        }
    }

    /// A call or a store through memory may have written every pointer
    /// local whose address was kept.
    fn clobber_escaped(&self, facts: &mut Facts) {
        for (local, span) in &self.escaped {
            facts
                .maybe_null
                .entry(*local)
                .or_insert(NullableOrigin::Aliased(*span));
        }
        facts.links.retain(|link| {
            !self.escaped.contains_key(&link.result) && !self.escaped.contains_key(&link.target)
        });
    }

    /// While summarising: one way the function returns.
    fn record_return(&mut self, value: Option<&Expr>, facts: &Facts) {
        let value = value.and_then(|value| eval(self.program, value));
        if let Some(returns) = &mut self.returns {
            returns.push((value, facts.out.clone()));
        }
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
        let Some(origin) = facts.maybe_null.get(&local).copied() else {
            return;
        };
        if self.quiet || self.returns.is_some() || self.reported.contains(&expr.span) {
            return;
        }
        self.reported.push(expr.span);
        let name = &self.locals[local.index()].name;
        let diagnostic = match (self.exit, self.statement) {
            (Some(exit), _) => {
                errors::may_be_null_when_deferred(expr.span, name, &used, origin, exit)
            }
            (None, Some((stmt, applicable))) => errors::guard_statement(
                errors::may_be_null(expr.span, name, &used, origin),
                name,
                stmt.span,
                applicable && always_evaluated(stmt, expr),
            ),
            (None, None) => errors::may_be_null(expr.span, name, &used, origin),
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
            // `delete p` of a null `p` does nothing (docs §4.8), `print`
            // and the lifecycle builtins take no pointers to data, and
            // Python takes no pointers at all.
            Callee::Builtin(_) | Callee::Python { .. } => return None,
        })
    }

    fn stmt(&mut self, stmt: &'a Stmt, facts: Facts) -> State {
        let guardable = match &stmt.kind {
            // A `match` may hold arms that leave the function.
            StmtKind::Expr(Expr {
                kind: ExprKind::Match { .. },
                ..
            }) => Some((stmt, false)),
            StmtKind::Expr(_)
            | StmtKind::Assign { .. }
            | StmtKind::MapStore { .. }
            | StmtKind::MapCompound { .. }
            | StmtKind::MapFieldUpdate { .. }
            | StmtKind::MapDelete { .. } => Some((stmt, true)),
            StmtKind::Let { .. }
            | StmtKind::If { .. }
            | StmtKind::IfLetMap { .. }
            | StmtKind::IfLetPointer { .. }
            | StmtKind::ForRange { .. }
            | StmtKind::ForEachMap { .. }
            | StmtKind::While { .. } => Some((stmt, false)),
            _ => None,
        };
        let outer = std::mem::replace(&mut self.statement, guardable);
        let after = self.stmt_facts(stmt, facts);
        self.statement = outer;
        after
    }

    fn stmt_facts(&mut self, stmt: &'a Stmt, facts: Facts) -> State {
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
                    (ExprKind::Local(local), Some(BinaryOp::Add | BinaryOp::Sub))
                        if target.ty.is_pointer() =>
                    {
                        self.require(target, NullableUse::Arithmetic, &facts);
                        let mut facts = facts;
                        facts
                            .links
                            .retain(|link| link.result != *local && link.target != *local);
                        Some(facts)
                    }
                    (ExprKind::Local(local), Some(_)) => {
                        let mut facts = self.expr(target, facts)?;
                        facts.links.retain(|link| link.result != *local);
                        Some(facts)
                    }
                    _ => {
                        let written = self
                            .origin(value, &facts)
                            .map_or(Out::NON_NULL, |_| Out::MAY_NULL);
                        let mut facts = self.expr(target, facts)?;
                        if let (
                            ExprKind::Unary {
                                op: UnaryOp::Deref,
                                operand,
                            },
                            None,
                        ) = (&target.kind, op)
                        {
                            if let ExprKind::Local(param) = operand.kind {
                                if let Some(out) = facts.out.get_mut(&param) {
                                    *out = written;
                                }
                            }
                        }
                        self.clobber_escaped(&mut facts);
                        Some(facts)
                    }
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
                self.record_return(value.as_ref(), &facts);
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
                let (when_true, when_false) = self.refine(condition, &facts);
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
                when_bound.maybe_null.remove(binding);
                if let Some(local) = local_of(value) {
                    when_bound.maybe_null.remove(&local);
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
                Some(after) => self.refine(condition, &after),
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
    /// fixed point, for copies between locals), including through its
    /// address; the links and followed parameters the body may change are
    /// dropped or unknown.
    fn widen(&self, mut facts: Facts, body: &Block) -> Facts {
        let mut writes: Vec<(LocalId, Option<&Expr>, Span)> = Vec::new();
        collect_writes(&body.stmts, &mut writes);
        let mut changed_locals: BTreeSet<LocalId> =
            writes.iter().map(|(local, _, _)| *local).collect();
        visit::walk_stmts(body, &mut |stmt| {
            if let StmtKind::Assign {
                target:
                    Expr {
                        kind: ExprKind::Local(local),
                        ..
                    },
                ..
            } = &stmt.kind
            {
                changed_locals.insert(*local);
            }
        });
        visit::walk_block_exprs(body, &mut |expr| {
            if let ExprKind::Call { args, .. } = &expr.kind {
                for arg in args {
                    if let Some(local) = addressed(arg) {
                        changed_locals.insert(local);
                        if self.is_pointer(local) {
                            facts
                                .maybe_null
                                .entry(local)
                                .or_insert(NullableOrigin::Written(arg.span));
                        }
                    }
                }
            }
        });
        self.clobber_escaped(&mut facts);
        facts.links.retain(|link| {
            !changed_locals.contains(&link.result) && !changed_locals.contains(&link.target)
        });
        let mut mentioned: BTreeSet<LocalId> = BTreeSet::new();
        if !facts.out.is_empty() {
            visit::walk_block_exprs(body, &mut |expr| {
                if let ExprKind::Local(local) = expr.kind {
                    mentioned.insert(local);
                }
            });
        }
        for (param, out) in facts.out.iter_mut() {
            if mentioned.contains(param) {
                *out = Out::UNKNOWN;
            }
        }
        loop {
            let mut changed = false;
            for (local, value, span) in &writes {
                if facts.maybe_null.contains_key(local) || !self.is_pointer(*local) {
                    continue;
                }
                let origin = match value {
                    Some(value) => self.origin(value, &facts),
                    None => Some(NullableOrigin::Unset(*span)),
                };
                if let Some(origin) = origin {
                    facts.maybe_null.insert(*local, origin);
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
    /// anything); then what it writes through the addresses it is given
    /// (`f(&p)`) and, in a function being summarised, through a followed
    /// parameter passed on.
    fn call(&mut self, callee: &'a Callee, args: &'a [Expr], facts: Facts) -> State {
        if let Some(name) = self.callee_name(callee) {
            for arg in args.iter().filter(|arg| arg.ty.is_pointer()) {
                self.require(arg, NullableUse::Argument(name.clone()), &facts);
            }
            // Own functions take their pointer parameters as non-null, so
            // the `null` literal cannot be passed to one either (helpers
            // and kfuncs speak for themselves; the verifier checks them).
            let own = match callee {
                Callee::Function(id) => !self.program.function(*id).kind.is_program(),
                _ => false,
            };
            if own && !self.quiet && self.returns.is_none() {
                for arg in args.iter().filter(|arg| is_null_literal(arg)) {
                    if !self.reported.contains(&arg.span) {
                        self.reported.push(arg.span);
                        self.diagnostics
                            .push(errors::null_argument(arg.span, &name));
                    }
                }
            }
        }
        let mut facts = facts;
        if let Callee::Indirect(target) = callee {
            facts = self.expr(target, facts)?;
        }
        let mut facts = self.exprs(args, facts)?;
        for (index, arg) in args.iter().enumerate() {
            let once = |local: LocalId, of: fn(&Expr) -> Option<LocalId>| {
                args.iter().filter(|arg| of(arg) == Some(local)).count() == 1
            };
            if let Some(local) = addressed(arg) {
                facts
                    .links
                    .retain(|link| link.result != local && link.target != local);
                if self.is_pointer(local) {
                    let effect = if once(local, addressed) {
                        self.effect(callee, index)
                    } else {
                        Out::UNKNOWN
                    };
                    if effect.has(Out::MAY_NULL) {
                        facts
                            .maybe_null
                            .insert(local, NullableOrigin::Written(arg.span));
                    } else if !effect.has(Out::UNTOUCHED) {
                        facts.maybe_null.remove(&local);
                    }
                }
            }
            if let ExprKind::Local(param) = arg.kind {
                if let Some(before) = facts.out.get(&param).copied() {
                    let effect = if once(param, |arg| match arg.kind {
                        ExprKind::Local(local) => Some(local),
                        _ => None,
                    }) {
                        self.effect(callee, index)
                    } else {
                        Out::UNKNOWN
                    };
                    facts.out.insert(param, effect.after(before));
                }
            }
        }
        if !matches!(
            callee,
            Callee::Builtin(Builtin::Print | Builtin::Output { .. })
        ) {
            self.clobber_escaped(&mut facts);
        }
        Some(facts)
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

/// Whether `expr` is the `null` literal (possibly cast).
fn is_null_literal(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Null => true,
        ExprKind::Cast(inner) => is_null_literal(inner),
        _ => false,
    }
}
