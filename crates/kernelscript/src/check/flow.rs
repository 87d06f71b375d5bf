//! The flow-walking skeleton shared by the IR passes `nullness.rs` and
//! `ownership/`: a forward walk over statements and expressions that
//! threads the facts of a program point (`None` where control cannot
//! reach), joins the two sides of an `if`, evaluates `&&`/`||` with what
//! the left operand teaches, walks the arms of a `match`, and refines the
//! facts on each branch of a condition that compares a pointer local with
//! `null`. A pass implements `Flow`: how its facts join, what a local known
//! to be null or non-null changes, what a use of a pointer reports, and its
//! statements and calls (where the passes differ: assignments, exits,
//! loops, `try`).

use crate::ir::{BinaryOp, Block, Callee, Expr, ExprKind, LocalId, Stmt, UnaryOp};

use super::errors::NullableUse;

/// The local `expr` reads, through casts.
pub(super) fn local_of(expr: &Expr) -> Option<LocalId> {
    match &expr.kind {
        ExprKind::Local(id) => Some(*id),
        ExprKind::Cast(inner) => local_of(inner),
        _ => None,
    }
}

/// The local compared with `null` by `lhs == rhs` / `lhs != rhs`.
fn compared_with_null(lhs: &Expr, rhs: &Expr) -> Option<LocalId> {
    match (&lhs.kind, &rhs.kind) {
        (_, ExprKind::Null) => local_of(lhs),
        (ExprKind::Null, _) => local_of(rhs),
        _ => None,
    }
}

/// A forward flow-sensitive pass over a checked body.
pub(super) trait Flow<'a> {
    /// The facts at a reachable program point.
    type Facts: Clone + Default;

    /// The facts where two paths meet (`None`: that path cannot reach).
    fn join(a: Option<Self::Facts>, b: Option<Self::Facts>) -> Option<Self::Facts>;

    /// `facts` on a path where `local` is known not to be null.
    fn when_non_null(local: LocalId, facts: &Self::Facts) -> Self::Facts;

    /// `facts` on a path where `local` is known to be null.
    fn when_null(local: LocalId, facts: &Self::Facts) -> Self::Facts;

    /// Reports `expr` used as `used` (dereferenced, indexed, in pointer
    /// arithmetic, passed to a call) if the facts forbid it.
    fn require(&mut self, expr: &Expr, used: NullableUse, facts: &Self::Facts);

    /// A call `expr` (not in a position that stores its result).
    fn call(
        &mut self,
        expr: &'a Expr,
        callee: &'a Callee,
        args: &'a [Expr],
        facts: Self::Facts,
    ) -> Option<Self::Facts>;

    fn stmt(&mut self, stmt: &'a Stmt, facts: Self::Facts) -> Option<Self::Facts>;

    /// What a comparison other than with `null` teaches, if anything:
    /// `(facts when true, facts when false)` (the null checker's
    /// out-parameter results, `check/nullness.rs`).
    fn compared(
        &self,
        _op: BinaryOp,
        _lhs: &Expr,
        _rhs: &Expr,
        _facts: &Self::Facts,
    ) -> Option<(Self::Facts, Self::Facts)> {
        None
    }

    /// `(facts when condition is true, facts when it is false)`.
    fn refine(&self, condition: &Expr, facts: &Self::Facts) -> (Self::Facts, Self::Facts) {
        match &condition.kind {
            ExprKind::Binary { op, lhs, rhs } if op.is_comparison() => {
                match compared_with_null(lhs, rhs) {
                    Some(local) if *op == BinaryOp::Ne => (
                        Self::when_non_null(local, facts),
                        Self::when_null(local, facts),
                    ),
                    Some(local) if *op == BinaryOp::Eq => (
                        Self::when_null(local, facts),
                        Self::when_non_null(local, facts),
                    ),
                    _ => self
                        .compared(*op, lhs, rhs, facts)
                        .unwrap_or_else(|| (facts.clone(), facts.clone())),
                }
            }
            ExprKind::Binary {
                op: BinaryOp::And,
                lhs,
                rhs,
            } => {
                let (lhs_true, lhs_false) = self.refine(lhs, facts);
                let (both, rhs_false) = self.refine(rhs, &lhs_true);
                let either_false = Self::join(Some(lhs_false), Some(rhs_false)).unwrap_or_default();
                (both, either_false)
            }
            ExprKind::Binary {
                op: BinaryOp::Or,
                lhs,
                rhs,
            } => {
                let (lhs_true, lhs_false) = self.refine(lhs, facts);
                let (rhs_true, neither) = self.refine(rhs, &lhs_false);
                let either_true = Self::join(Some(lhs_true), Some(rhs_true)).unwrap_or_default();
                (either_true, neither)
            }
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => {
                let (when_true, when_false) = self.refine(operand, facts);
                (when_false, when_true)
            }
            _ if condition.ty.is_pointer() => match local_of(condition) {
                Some(local) => (
                    Self::when_non_null(local, facts),
                    Self::when_null(local, facts),
                ),
                None => (facts.clone(), facts.clone()),
            },
            _ => (facts.clone(), facts.clone()),
        }
    }

    fn block(&mut self, block: &'a Block, facts: Self::Facts) -> Option<Self::Facts> {
        self.stmts(&block.stmts, facts)
    }

    fn stmts(&mut self, stmts: &'a [Stmt], facts: Self::Facts) -> Option<Self::Facts> {
        let mut state = Some(facts);
        for stmt in stmts {
            // Code after a `return` is never reached: nothing to check.
            state = self.stmt(stmt, state?);
        }
        state
    }

    /// The two sides of an `if`: `then_block` from `when_true`, the else
    /// block (or nothing) from `when_false`, joined.
    fn branches(
        &mut self,
        then_block: &'a Block,
        else_block: Option<&'a Block>,
        when_true: Self::Facts,
        when_false: Self::Facts,
    ) -> Option<Self::Facts> {
        let after_then = self.block(then_block, when_true);
        let after_else = match else_block {
            Some(else_block) => self.block(else_block, when_false),
            None => Some(when_false),
        };
        Self::join(after_then, after_else)
    }

    /// Each of `exprs` in order.
    fn exprs(
        &mut self,
        exprs: impl IntoIterator<Item = &'a Expr>,
        facts: Self::Facts,
    ) -> Option<Self::Facts> {
        let mut facts = facts;
        for expr in exprs {
            facts = self.expr(expr, facts)?;
        }
        Some(facts)
    }

    fn expr(&mut self, expr: &'a Expr, facts: Self::Facts) -> Option<Self::Facts> {
        match &expr.kind {
            ExprKind::Arrow { base, .. } => {
                self.require(base, NullableUse::Deref, &facts);
                self.expr(base, facts)
            }
            ExprKind::Unary { op, operand } => {
                if *op == UnaryOp::Deref {
                    self.require(operand, NullableUse::Deref, &facts);
                }
                self.expr(operand, facts)
            }
            ExprKind::Index { base, index } => {
                if base.ty.is_pointer() {
                    self.require(base, NullableUse::Index, &facts);
                }
                let facts = self.expr(base, facts)?;
                self.expr(index, facts)
            }
            ExprKind::Binary {
                op: op @ (BinaryOp::And | BinaryOp::Or),
                lhs,
                rhs,
            } => {
                let after_lhs = self.expr(lhs, facts)?;
                let (when_true, when_false) = self.refine(lhs, &after_lhs);
                let rhs_start = if *op == BinaryOp::And {
                    when_true
                } else {
                    when_false
                };
                let after_rhs = self.expr(rhs, rhs_start);
                Self::join(Some(after_lhs), after_rhs)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                if matches!(op, BinaryOp::Add | BinaryOp::Sub) {
                    for side in [lhs, rhs] {
                        if side.ty.is_pointer() {
                            self.require(side, NullableUse::Arithmetic, &facts);
                        }
                    }
                }
                let facts = self.expr(lhs, facts)?;
                self.expr(rhs, facts)
            }
            ExprKind::Call { callee, args } => self.call(expr, callee, args, facts),
            ExprKind::Match { scrutinee, arms } => {
                let facts = self.expr(scrutinee, facts)?;
                let mut after = None;
                for arm in arms {
                    let mut arm_facts = Some(facts.clone());
                    if let Some(pattern) = &arm.pattern {
                        arm_facts = self.expr(pattern, facts.clone());
                    }
                    let arm_facts = arm_facts.and_then(|facts| self.stmts(&arm.stmts, facts));
                    let arm_facts = match (&arm.value, arm_facts) {
                        (Some(value), Some(facts)) => self.expr(value, facts),
                        (_, arm_facts) => arm_facts,
                    };
                    after = Self::join(after, arm_facts);
                }
                after
            }
            ExprKind::Cast(inner) => self.expr(inner, facts),
            ExprKind::Field { base, .. } => self.expr(base, facts),
            ExprKind::MapGet { key, .. } | ExprKind::MapContains { key, .. } => {
                self.expr(key, facts)
            }
            ExprKind::MapLoad { key, dest, .. } => {
                let facts = self.expr(key, facts)?;
                self.expr(dest, facts)
            }
            ExprKind::StructLit { fields, .. } => {
                self.exprs(fields.iter().map(|(_, value)| value), facts)
            }
            ExprKind::ArrayLit(elements) => self.exprs(elements, facts),
            ExprKind::Int(..)
            | ExprKind::Bool(_)
            | ExprKind::Char(_)
            | ExprKind::Str(_)
            | ExprKind::Null
            | ExprKind::Local(_)
            | ExprKind::Global(_)
            | ExprKind::ConfigField { .. }
            | ExprKind::Const(_)
            | ExprKind::EnumVariant { .. }
            | ExprKind::FunctionRef(_)
            | ExprKind::MapRef(_)
            | ExprKind::StructOpsRef(_)
            | ExprKind::Sizeof(_) => Some(facts),
        }
    }
}
