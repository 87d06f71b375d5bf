//! Where variable-size ring buffer records may go (`ir/records.rs`,
//! docs/design/kernel-lowering.md §4): an IR pass over each eBPF body,
//! run after lowering, which only reports.
//!
//! A dynptr reservation lives in two C variables, the record pointer and
//! its `struct bpf_dynptr`, which the generators keep side by side for the
//! local that received it. So, in eBPF code:
//! * `rb.reserve(n)` initialises a `var` (not an assignment, an
//!   `if (var r = ...)`, an argument);
//! * that local is never assigned again;
//! * `rb.submit(r)` / `rb.discard(r)` take that local itself (a copy of
//!   the pointer reaches the fixed part only);
//! * it is not used in a deferred call or a `for (k, v) in m` body (not
//!   supported yet: neither sees the dynptr);
//! * the flexible array is only indexed (`r->payload[i]` read, or written
//!   with `=`), through that local: no compound assignment, no address, no
//!   use of the array as a whole.
//!
//! Whether each reservation is submitted or discarded on every path is the
//! ownership pass's rule (`ownership/`), the same as for fixed-size
//! records; the discard a failed dynptr reservation needs is emitted by
//! the generator right after the reservation.

use std::collections::BTreeSet;

use super::{errors, Checker};
use crate::ir::records::{dynptr_reserve, flexible_field, holders, is_flexible_field};
use crate::ir::{
    visit, Block, Callee, Expr, ExprKind, LocalId, MapId, Method, StmtKind, Target, UnaryOp,
};

impl Checker<'_> {
    /// Reports the misplaced uses of variable-size records in `body`, the
    /// body being checked.
    pub(crate) fn check_records(&mut self, body: &Block) {
        // On both sides: no local holds a variable-size record by value
        // (`var s = *record`; declared types are checked where resolved).
        let mut by_value = Vec::new();
        visit::walk_stmts(body, &mut |stmt| {
            if let StmtKind::Let {
                local,
                init: Some(init),
            } = &stmt.kind
            {
                let ty = &self.fx.locals[local.index()].ty;
                if crate::ir::records::is_variable_size(&self.program, ty) {
                    by_value.push((init.span, self.type_name(ty)));
                }
            }
        });
        for (span, name) in by_value {
            self.report(errors::variable_size_by_value(span, &name));
        }
        if self.fx.target() != Some(Target::Ebpf) {
            return;
        }
        let holders = holders(&self.program, body);
        let mut reports = Vec::new();
        // The `reserve()` calls that initialise a `var`, and the flexible
        // arrays that are indexed.
        let mut declared: BTreeSet<*const Expr> = BTreeSet::new();
        let mut indexed: BTreeSet<*const Expr> = BTreeSet::new();
        let mut misplaced: BTreeSet<LocalId> = BTreeSet::new();
        visit::walk_stmts(body, &mut |stmt| match &stmt.kind {
            StmtKind::Let {
                init: Some(init), ..
            } => {
                declared.insert(init as *const Expr);
            }
            // Reported once, as misplaced (not again as a reservation
            // outside a `var`, or its release as not through the holder).
            StmtKind::IfLetPointer { binding, value, .. }
                if dynptr_reserve(&self.program, value).is_some() =>
            {
                reports.push(errors::record_reserve_not_var(value.span));
                declared.insert(value as *const Expr);
                misplaced.insert(*binding);
            }
            StmtKind::Assign { target, op, value } => match &target.kind {
                ExprKind::Local(local) if holders.contains_key(local) => {
                    declared.insert(value as *const Expr);
                    reports.push(errors::record_holder_assigned(
                        target.span,
                        &self.fx.locals[local.index()].name,
                    ));
                }
                ExprKind::Index { base, .. }
                    if op.is_some() && is_flexible_field(&self.program, base) =>
                {
                    reports.push(errors::flexible_compound_assignment(stmt.span));
                }
                _ => {}
            },
            // The dynptr is declared where the record is, and neither a
            // deferred call (run from the function's top scope) nor a map
            // iteration's callback sees it.
            StmtKind::Defer(call) => {
                if let Some(span) = holder_use(call, &holders) {
                    reports.push(errors::record_in_callback_or_defer(span, "a deferred call"));
                }
            }
            StmtKind::ForEachMap { body, .. } => {
                let mut found = None;
                visit::walk_block_exprs(body, &mut |expr| {
                    found = found.or_else(|| holder_use(expr, &holders));
                });
                if let Some(span) = found {
                    reports.push(errors::record_in_callback_or_defer(span, "a map iteration"));
                }
            }
            _ => {}
        });
        visit::walk_block_exprs(body, &mut |expr| match &expr.kind {
            ExprKind::Call {
                callee: Callee::Method { receiver, method },
                args,
            } => match method {
                Method::Reserve
                    if dynptr_reserve(&self.program, expr).is_some()
                        && !declared.contains(&(expr as *const Expr)) =>
                {
                    reports.push(errors::record_reserve_not_var(expr.span));
                }
                Method::Submit | Method::Discard
                    if crate::ir::records::is_dynptr_map(&self.program, *receiver) =>
                {
                    if let Some(arg) = args.first() {
                        let misplaced_binding = matches!(arg.kind, ExprKind::Local(local) if misplaced.contains(&local));
                        if !holds(&holders, arg, *receiver) && !misplaced_binding {
                            let map = self.program.map(*receiver).name.clone();
                            reports.push(errors::record_release_not_holder(arg.span, &map));
                        }
                    }
                }
                _ => {}
            },
            ExprKind::Index { base, .. } if is_flexible_field(&self.program, base) => {
                indexed.insert(&**base as *const Expr);
                let through_holder = flexible_field(&self.program, base)
                    .is_some_and(|local| holders.contains_key(&local));
                if !through_holder {
                    reports.push(errors::flexible_not_through_holder(base.span));
                }
            }
            ExprKind::Unary {
                op: UnaryOp::AddrOf,
                operand,
            } => {
                if let ExprKind::Index { base, .. } = &operand.kind {
                    if is_flexible_field(&self.program, base) {
                        reports.push(errors::flexible_address(expr.span));
                    }
                }
            }
            _ => {}
        });
        // Flexible arrays used whole (walked again now that `indexed` is
        // complete).
        visit::walk_block_exprs(body, &mut |expr| {
            if is_flexible_field(&self.program, expr) && !indexed.contains(&(expr as *const Expr)) {
                reports.push(errors::flexible_not_indexed(expr.span));
            }
        });
        reports.sort_by_key(|diagnostic| diagnostic.labels.first().map(|label| label.span.start));
        for report in reports {
            self.report(report);
        }
    }
}

/// Whether `arg` is a local holding a dynptr reservation of `map`.
fn holds(holders: &std::collections::BTreeMap<LocalId, MapId>, arg: &Expr, map: MapId) -> bool {
    match arg.kind {
        ExprKind::Local(local) => holders.get(&local) == Some(&map),
        _ => false,
    }
}

/// The span of a use of a holder in `expr`, if any.
fn holder_use(
    expr: &Expr,
    holders: &std::collections::BTreeMap<LocalId, MapId>,
) -> Option<crate::span::Span> {
    let mut found = None;
    visit::walk_exprs(expr, &mut |expr| {
        if let ExprKind::Local(local) = expr.kind {
            if holders.contains_key(&local) && found.is_none() {
                found = Some(expr.span);
            }
        }
    });
    found
}
