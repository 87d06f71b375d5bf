//! Ring-buffer reservations are released exactly once, on every path: a
//! flow-sensitive pass over each checked body (the IR), run after lowering
//! and after `nullness.rs`.
//!
//! `var e = rb.reserve()` makes a reservation the function owns until
//! `rb.submit(e)` or `rb.discard(e)` gives it back. A reservation is named
//! by its `reserve()` call; each local knows which reservations it may
//! hold (copies and `as` share them), and each reservation is *owned*,
//! *released* (where), or, after a join, *owned on some paths and released
//! on others*. The null branch of a check (`if (e == null) { return }`,
//! the else of `if (var k = rb.reserve())`) owns nothing: the kernel drops
//! the reference of a null reservation there. `rb.submit(e)` of a null
//! local is left to `nullness.rs`, which demands the check first; `delete
//! p` needs none (nothing happens when `p` is null), and releases the
//! object on both paths.
//!
//! Rules:
//! * no exit may be reached while a reservation is owned on some path:
//!   `return` (a tail call included), the end of the function, a `throw`
//!   no `try` of the function catches. Deferred calls run first, so
//!   `defer rb.submit(e)` releases at every later exit. Reported at the
//!   exit, with the `reserve()` as secondary label.
//! * a released reservation is not used again: dereferenced, indexed,
//!   used in arithmetic, passed to a call, or released a second time.
//!   Comparing it with `null` or copying it is harmless.
//! * loops, conservatively: the facts at a loop head join the entry with
//!   every way back (body end, `continue`), so a reservation made before
//!   the loop and released in it may already be released in a later
//!   iteration. A `reserve()` that runs again while the reservation it
//!   made in an earlier iteration may still be owned loses that one: it is
//!   reported at the loop's closing brace. Handing a fresh reservation to
//!   the next iteration, which releases it before reserving again, is fine.
//! * `rb.reserve()` must be stored in a local (`var`, assignment,
//!   `if (var k = ...)`): any other use loses it.
//!
//! Decision: a reservation never changes owner. A function that receives a
//! reserved pointer (a `@helper` taking `*T`) may read and fill it but
//! cannot submit or discard it: `rb.submit(p)` and `rb.discard(p)` take
//! only a local holding a reservation made by the same function, and a
//! function cannot return a reservation it still owns. The caller submits
//! or discards after the call. This keeps the check local to one body; it
//! is stricter than the verifier, which sees `@helper`s inlined into their
//! program and would let one release its caller's reservation.
//!
//! Without this pass the kernel verifier rejects the object (`Unreleased
//! reference id=N`; after a release `invalid mem access 'scalar'` or `R1
//! type=scalar expected=ringbuf_mem`); by invariant 3 of ARCHITECTURE.md
//! that must be a checker error instead. This pass only reads the IR and
//! reports; it never changes the program.
//!
//! Here: statements, joins at branches, `try`/`throw` and loops;
//! `facts.rs`: the facts and how they join and refine; `uses.rs`:
//! expressions (uses, releases, `reserve()` calls) and the reports at
//! exits.

mod facts;
mod uses;

use std::collections::BTreeSet;

use crate::diagnostic::Diagnostic;
use crate::ir::{
    BinaryOp, Block, Builtin, Callee, Catch, Expr, ExprKind, LocalDef, LocalId, Method, Program,
    Stmt, StmtKind,
};
use crate::span::Span;

use super::errors::{NullableUse, ReleaseKind, ReservationExit};
use super::flow::{local_of, Flow};
use super::Checker;

use facts::{
    forget_null, forget_unreachable, merge, site, thrown_code, when_null, Deferred, Facts, Owner,
    Reservation, Site, State, Status,
};

/// Bounds the rounds of the fixed point at a loop head (each round can
/// only raise a reservation's state, so a handful always suffices).
const MAX_LOOP_ROUNDS: usize = 8;

impl Checker<'_> {
    /// Reports every reservation of `body` (the body being checked, whose
    /// locals are in `self.fx`) that is kept past an exit or used after it
    /// was released. `end` is the body's closing brace.
    pub(crate) fn check_ownership(&mut self, body: &Block, end: Span) {
        let mut pass = Ownership {
            program: &self.program,
            locals: &self.fx.locals,
            loops: Vec::new(),
            tries: Vec::new(),
            exit: None,
            quiet: false,
            leaked: BTreeSet::new(),
            reported: Vec::new(),
            diagnostics: Vec::new(),
        };
        if let Some(facts) = pass.block(body, Facts::default()) {
            pass.leave(facts, end, ReservationExit::End);
        }
        let diagnostics = std::mem::take(&mut pass.diagnostics);
        for diagnostic in diagnostics {
            self.report(diagnostic);
        }
    }
}

/// The facts leaving one loop iteration early, for the enclosing loop.
#[derive(Default)]
struct LoopExits<'a> {
    breaks: State<'a>,
    continues: State<'a>,
    /// The loop statement (empty for the default value).
    span: Span,
}

/// What one pass over a loop found.
struct Iteration<'a> {
    /// Leaving from the head (the condition false).
    exit: State<'a>,
    /// At the end of the body.
    end: State<'a>,
    exits: LoopExits<'a>,
}

/// An enclosing `try`: its catch codes (`None`: `catch _`) and the facts
/// at the throws each catch receives.
struct TryFrame<'a> {
    codes: Vec<Option<i128>>,
    thrown: Vec<State<'a>>,
}

impl TryFrame<'_> {
    /// The catches that may receive a throw of `code` (`None`: not
    /// constant), and whether the throw may also go past this `try`.
    fn receivers(&self, code: Option<i128>) -> (Vec<usize>, bool) {
        let wildcard = self.codes.iter().position(Option::is_none);
        match code {
            Some(code) => match self.codes.iter().position(|c| *c == Some(code)) {
                Some(index) => (vec![index], false),
                None => (wildcard.into_iter().collect(), wildcard.is_none()),
            },
            None => ((0..self.codes.len()).collect(), wildcard.is_none()),
        }
    }
}

struct Ownership<'a> {
    program: &'a Program,
    locals: &'a [LocalDef],
    /// One per enclosing loop.
    loops: Vec<LoopExits<'a>>,
    /// One per enclosing `try` body, innermost last.
    tries: Vec<TryFrame<'a>>,
    /// While checking deferred calls: the exit where they run.
    exit: Option<Span>,
    /// Analysing only to learn the facts at a loop head: nothing is
    /// reported.
    quiet: bool,
    /// Reservations already reported as leaked (once each).
    leaked: BTreeSet<Site>,
    /// Use spans already reported (deferred calls are analysed at every
    /// exit).
    reported: Vec<Span>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Flow<'a> for Ownership<'a> {
    type Facts = Facts<'a>;

    fn join(a: State<'a>, b: State<'a>) -> State<'a> {
        merge(a, b)
    }

    fn when_non_null(_: LocalId, facts: &Facts<'a>) -> Facts<'a> {
        facts.clone()
    }

    fn when_null(local: LocalId, facts: &Facts<'a>) -> Facts<'a> {
        when_null(local, facts)
    }

    fn require(&mut self, expr: &Expr, used: NullableUse, facts: &Facts<'a>) {
        Ownership::require(self, expr, used, facts);
    }

    fn call(
        &mut self,
        expr: &'a Expr,
        callee: &'a Callee,
        args: &'a [Expr],
        facts: Facts<'a>,
    ) -> State<'a> {
        Ownership::call(self, expr, callee, args, facts)
    }

    fn stmt(&mut self, stmt: &'a Stmt, facts: Facts<'a>) -> State<'a> {
        Ownership::stmt(self, stmt, facts)
    }
}

impl<'a> Ownership<'a> {
    /// `local` now holds what `value` evaluates to.
    fn assign(&mut self, local: LocalId, value: &'a Expr, facts: Facts<'a>) -> State<'a> {
        let (mut facts, sites) = self.value(value, facts, local)?;
        let earlier = match sites.is_empty() {
            true => facts.holders.remove(&local),
            false => facts.holders.insert(local, sites),
        };
        forget_unreachable(&mut facts, earlier.unwrap_or_default());
        Some(facts)
    }

    /// Evaluates `value`, which is being stored in `local`: the facts after
    /// it and the reservations it may be. Only here may `reserve()` occur
    /// (directly, through `as`, or as the value of a `match` arm).
    fn value(
        &mut self,
        value: &'a Expr,
        facts: Facts<'a>,
        local: LocalId,
    ) -> Option<(Facts<'a>, BTreeSet<Site>)> {
        let owner = match &value.kind {
            ExprKind::Call {
                callee:
                    Callee::Method {
                        receiver,
                        method: Method::Reserve,
                    },
                ..
            } => Some(Owner::Ring(*receiver)),
            ExprKind::Call {
                callee:
                    Callee::Builtin(Builtin::New(_))
                    | Callee::Method {
                        method: Method::Take,
                        ..
                    },
                ..
            } => Some(Owner::Object),
            _ => None,
        };
        let facts = match (owner, &value.kind) {
            (Some(_), ExprKind::Call { args, .. }) => self.exprs(args, facts)?,
            _ => facts,
        };
        match &value.kind {
            ExprKind::Call { .. } if owner.is_some() => {
                let mut facts = facts;
                if let Some(earlier) = facts.reservations.get(&site(value.span)) {
                    self.reserved_again(earlier.clone());
                }
                facts.reservations.insert(
                    site(value.span),
                    Reservation {
                        status: Status::Owned,
                        name: self.name(local).to_string(),
                        owner: owner.unwrap_or(Owner::Object),
                        span: value.span,
                    },
                );
                Some((facts, BTreeSet::from([site(value.span)])))
            }
            ExprKind::Local(source) => {
                let sites = facts.holders.get(source).cloned().unwrap_or_default();
                Some((facts, sites))
            }
            ExprKind::Cast(inner) => self.value(inner, facts, local),
            ExprKind::Match { scrutinee, arms } => {
                let facts = self.expr(scrutinee, facts)?;
                let mut after = None;
                let mut sites = BTreeSet::new();
                for arm in arms {
                    let mut arm_facts = Some(facts.clone());
                    if let Some(pattern) = &arm.pattern {
                        arm_facts = self.expr(pattern, facts.clone());
                    }
                    let arm_facts = arm_facts.and_then(|facts| self.stmts(&arm.stmts, facts));
                    let arm_facts = match (&arm.value, arm_facts) {
                        (Some(value), Some(facts)) => match self.value(value, facts, local) {
                            Some((facts, arm_sites)) => {
                                sites.extend(arm_sites);
                                Some(facts)
                            }
                            None => None,
                        },
                        (_, arm_facts) => arm_facts,
                    };
                    after = merge(after, arm_facts);
                }
                Some((after?, sites))
            }
            _ => Some((self.expr(value, facts)?, BTreeSet::new())),
        }
    }

    fn stmt(&mut self, stmt: &'a Stmt, facts: Facts<'a>) -> State<'a> {
        match &stmt.kind {
            StmtKind::Let { local, init } => match init {
                Some(init) => self.assign(*local, init, facts),
                None => {
                    let mut facts = facts;
                    facts.holders.remove(local);
                    Some(facts)
                }
            },
            StmtKind::Assign { target, op, value } => match (&target.kind, op) {
                (ExprKind::Local(local), None) => self.assign(*local, value, facts),
                (ExprKind::Local(_), Some(BinaryOp::Add | BinaryOp::Sub))
                    if target.ty.is_pointer() =>
                {
                    let facts = self.expr(value, facts)?;
                    self.require(target, NullableUse::Arithmetic, &facts);
                    Some(facts)
                }
                _ => {
                    let facts = self.expr(value, facts)?;
                    self.expr(target, facts)
                }
            },
            StmtKind::MapStore { map, key, value } if value.ty.is_pointer() => {
                // A map of pointers: `m[k] = p` moves the object in.
                let facts = self.expr(key, facts)?;
                let mut facts = self.expr(value, facts)?;
                let callee = format!("{}[k] =", self.program.map(*map).name);
                let release = (ReleaseKind::Store, Some(*map));
                self.release(value, release, callee, stmt.span, &mut facts);
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
                let facts = self.expr(code, facts)?;
                self.throw(thrown_code(self.program, code), facts, stmt.span);
                None
            }
            StmtKind::Defer(call) => {
                let mut facts = facts;
                match facts.deferred.iter_mut().find(|d| d.span == stmt.span) {
                    Some(deferred) => deferred.certain = true,
                    None => facts.deferred.push(Deferred {
                        call,
                        span: stmt.span,
                        certain: true,
                    }),
                }
                Some(facts)
            }
            StmtKind::Return(value) => {
                let Some(value) = value else {
                    self.leave(facts, stmt.span, ReservationExit::Return);
                    return None;
                };
                let facts = self.expr(value, facts)?;
                if let ExprKind::Call {
                    callee: Callee::TailCall(_),
                    ..
                } = &value.kind
                {
                    self.leave(facts, stmt.span, ReservationExit::TailCall);
                    return None;
                }
                let returned = local_of(value)
                    .and_then(|local| facts.holders.get(&local))
                    .cloned()
                    .unwrap_or_default();
                let facts = self.run_deferred(facts, stmt.span);
                self.report_owned(&facts, stmt.span, |site| match returned.contains(&site) {
                    true => ReservationExit::ReturnsIt,
                    false => ReservationExit::Return,
                });
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
                let (facts, sites) = self.value(value, facts, *binding)?;
                let mut when_bound = facts.clone();
                when_bound.holders.insert(*binding, sites.clone());
                let mut when_null = facts;
                forget_null(&mut when_null, &sites);
                self.branches(then_block, else_block.as_ref(), when_bound, when_null)
            }
            StmtKind::ForRange {
                start, end, body, ..
            } => {
                let facts = self.expr(start, facts)?;
                let facts = self.expr(end, facts)?;
                self.loop_stmt(stmt.span, body, None, facts)
            }
            StmtKind::ForEachMap { body, .. } => {
                // The body is a callback: its throws are caught inside it.
                let enclosing_tries = std::mem::take(&mut self.tries);
                let after = self.loop_stmt(stmt.span, body, None, facts);
                self.tries = enclosing_tries;
                after
            }
            StmtKind::While { condition, body } => {
                self.loop_stmt(stmt.span, body, Some(condition), facts)
            }
            StmtKind::Try { body, catches } => self.try_stmt(body, catches, facts),
            StmtKind::Block(block) => self.block(block, facts),
        }
    }

    /// `throw` with `code` (when constant) from `facts`: to the catches
    /// that may receive it, or out of the function.
    fn throw(&mut self, code: Option<i128>, facts: Facts<'a>, span: Span) {
        for frame in self.tries.iter_mut().rev() {
            let (receivers, goes_on) = frame.receivers(code);
            for index in receivers {
                frame.thrown[index] = merge(frame.thrown[index].take(), Some(facts.clone()));
            }
            if !goes_on {
                return;
            }
        }
        self.leave(facts, span, ReservationExit::Throw);
    }

    fn try_stmt(&mut self, body: &'a Block, catches: &'a [Catch], facts: Facts<'a>) -> State<'a> {
        self.tries.push(TryFrame {
            codes: catches.iter().map(|catch| catch.code).collect(),
            thrown: catches.iter().map(|_| None).collect(),
        });
        let mut after = self.block(body, facts);
        let frame = self.tries.pop().expect("pushed above");
        for (catch, thrown) in catches.iter().zip(frame.thrown) {
            let after_catch = thrown.and_then(|facts| self.block(&catch.body, facts));
            after = merge(after, after_catch);
        }
        after
    }

    /// A loop (statement `span`). The facts at its head are a fixed point:
    /// quiet passes of the body from the entry facts, joined with what the
    /// body's end and its `continue`s leave, until nothing changes. Inside
    /// a quiet pass a nested loop makes one pass and takes its end as a
    /// possible exit too, so each body is analysed a bounded number of
    /// times per enclosing reporting pass, however deep the nesting. The
    /// loop exits from the head (with the condition false) or through a
    /// `break`.
    fn loop_stmt(
        &mut self,
        span: Span,
        body: &'a Block,
        condition: Option<&'a Expr>,
        facts: Facts<'a>,
    ) -> State<'a> {
        if self.quiet {
            let pass = self.iteration(span, body, condition, facts);
            let leaving = merge(pass.exit, pass.exits.breaks);
            return merge(leaving, merge(pass.end, pass.exits.continues));
        }
        let mut head = facts.clone();
        self.quiet = true;
        for _ in 0..MAX_LOOP_ROUNDS {
            let trial = self.iteration(span, body, condition, head.clone());
            let back_edges = merge(trial.end, trial.exits.continues);
            let next = merge(Some(facts.clone()), back_edges).unwrap_or_default();
            if next == head {
                break;
            }
            head = next;
        }
        self.quiet = false;
        let pass = self.iteration(span, body, condition, head);
        merge(pass.exit, pass.exits.breaks)
    }

    /// One pass over a loop from the facts at its head.
    fn iteration(
        &mut self,
        span: Span,
        body: &'a Block,
        condition: Option<&'a Expr>,
        head: Facts<'a>,
    ) -> Iteration<'a> {
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
        self.loops.push(LoopExits {
            span,
            ..LoopExits::default()
        });
        let end = self.block(body, in_body);
        let exits = self.loops.pop().unwrap_or_default();
        Iteration {
            exit: Some(at_exit),
            end,
            exits,
        }
    }
}
