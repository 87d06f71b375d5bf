//! Calls to helpers that can throw, inside larger expressions
//! (docs/design/kernel-lowering.md §2.2): before the statement that holds
//! them, each such call runs on its own (`__s64 thrown = f(args, &call);
//! if (thrown) <throw>`) and the expression reads its temporary.
//!
//! Order and short-circuits are kept:
//! * operands are hoisted left to right; an operand before a hoisted call
//!   that is not a plain value (a map read, another call) is evaluated into
//!   a temporary first, so it still runs before the call;
//! * `a && f()` / `a || f()` become a `bool` temporary and an `if`, so `f`
//!   runs only when the source would evaluate it;
//! * a `match` whose scrutinee or arm values hold such a call is lowered as
//!   a statement into a temporary, each arm's calls inside its own branch.
//!
//! Only helpers with `Function::throws` are hoisted (eBPF helpers); the
//! userspace output unwinds and never needs this. Strings built at run
//! time (`ir::strings`) are hoisted the same way where the backend asks
//! (`Backend::STRING_BUFFERS`, eBPF): each into a buffer of its own,
//! except one a `var` or an assignment stores straight into its place.
//! A `while` condition is hoisted inside the loop, before its test
//! (`for (;;)` or the `bpf_loop` callback), so it runs again before each
//! iteration.

use crate::codegen::c::backend::Backend;
use crate::codegen::c::types::is_array_like;
use crate::ir::{strings, visit, BinaryOp, Callee, Expr, ExprKind, Stmt, StmtKind, Type, UnaryOp};

use super::matching::Sink;
use super::stmts::is_plain_value;
use super::Lowering;

/// The identity of an expression of the IR (its address, stable while the
/// program is borrowed).
fn key(expr: &Expr) -> usize {
    expr as *const Expr as usize
}

impl<'a, B: Backend<'a>> Lowering<'a, B> {
    /// Whether `expr` itself runs before its statement: a call to a helper
    /// that can throw, or (`Backend::STRING_BUFFERS`) a built string.
    fn is_hoisted_kind(&self, expr: &Expr) -> bool {
        super::errors::throwing_call(self.program, expr).is_some()
            || (B::STRING_BUFFERS && strings::is_built(expr))
    }

    /// Whether `expr` (or any expression inside it, `match` arm values
    /// included, arm statements not) runs before its statement.
    pub fn contains_hoisted(&self, expr: &Expr) -> bool {
        let mut found = false;
        visit::walk_exprs(expr, &mut |inner| {
            found |= self.is_hoisted_kind(inner);
        });
        found
    }

    /// Whether `value`, a string built and stored by its statement, goes
    /// straight into its place (only its parts' insides are hoisted).
    fn stored_directly(&self, value: &Expr) -> bool {
        B::STRING_BUFFERS && strings::is_built(value)
    }

    /// The temporary a hoisted expression is read from, if it was hoisted.
    pub fn hoisted_value(&self, expr: &Expr) -> Option<String> {
        self.hoisted_values.get(&key(expr)).cloned()
    }

    /// Hoists the throwing calls of `stmt`'s expressions that run before
    /// the statement's own work: all of them, except a call (or `match`)
    /// at the root of a position the statement lowering handles itself.
    pub fn hoist_statement(&mut self, stmt: &'a Stmt) {
        let program = self.program;
        if !visit::stmt_exprs(stmt)
            .iter()
            .any(|expr| self.contains_hoisted(expr))
        {
            return;
        }
        // A root handled where it stands: `f(x)`, `var v = f(x)`, `p =
        // f(x)`, `return f(x)`, and `match`es (lowered as statements).
        let own_root = |expr: &Expr| {
            super::errors::throwing_call(program, expr).is_some()
                || matches!(expr.kind, ExprKind::Match { .. })
        };
        match &stmt.kind {
            StmtKind::Let {
                init: Some(init), ..
            } if self.stored_directly(init) => self.hoist_parts(init),
            StmtKind::Assign { target, value, .. } if self.stored_directly(value) => {
                self.hoist_operands(&[(target, false)]);
                self.hoist_parts(value);
            }
            StmtKind::Let {
                init: Some(init), ..
            }
            | StmtKind::Expr(init)
            | StmtKind::Return(Some(init)) => self.hoist(init, !own_root(init)),
            StmtKind::Assign {
                target,
                op: None,
                value,
            } => {
                self.hoist_operands(&[(target, false), (value, !own_root(value))]);
            }
            StmtKind::Assign { target, value, .. } => {
                self.hoist_operands(&[(target, false), (value, true)]);
            }
            StmtKind::MapStore { key, value, .. }
            | StmtKind::MapCompound { key, value, .. }
            | StmtKind::MapFieldUpdate { key, value, .. } => {
                self.hoist_operands(&[(key, true), (value, true)]);
            }
            StmtKind::ForRange { start, end, .. } => {
                self.hoist_operands(&[(start, true), (end, true)]);
            }
            StmtKind::MapDelete { key: expr, .. }
            | StmtKind::IfLetMap { key: expr, .. }
            | StmtKind::IfLetPointer { value: expr, .. }
            | StmtKind::If {
                condition: expr, ..
            }
            | StmtKind::Throw(expr) => self.hoist(expr, true),
            // A deferred call runs at the exits (`run_defers`); its
            // arguments are slots (`check/defers.rs`). A `while` condition
            // is hoisted by the loop's lowering, inside the loop.
            StmtKind::Defer(_) | StmtKind::While { .. } => {}
            StmtKind::Let { init: None, .. }
            | StmtKind::Return(None)
            | StmtKind::ForEachMap { .. }
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Try { .. }
            | StmtKind::Block(_) => {}
        }
    }

    /// Hoists the throwing calls inside `expr`, `expr` itself too when
    /// `root` (otherwise the caller lowers a root call or `match`).
    pub fn hoist(&mut self, expr: &'a Expr, root: bool) {
        if self.hoisted_values.contains_key(&key(expr)) || !self.contains_hoisted(expr) {
            return;
        }
        if B::STRING_BUFFERS && strings::is_built(expr) {
            // Into a buffer of its own, whatever its position.
            self.hoist_parts(expr);
            let temp = self.temp("text");
            let declaration = self.types.declaration(&expr.ty, &temp);
            let zero = self.types.policy.zero_aggregate;
            self.out.line(format!("{declaration} = {zero};"));
            B::store_aggregate(self, &temp, &expr.ty, super::plain(expr));
            self.hoisted_values.insert(key(expr), temp);
            return;
        }
        match &expr.kind {
            ExprKind::Call {
                callee: Callee::Function(id),
                args,
            } if self.program.function(*id).throws => {
                let operands: Vec<(&'a Expr, bool)> = args.iter().map(|arg| (arg, true)).collect();
                self.hoist_operands(&operands);
                if root {
                    let ret = self.program.function(*id).ret.clone();
                    let dest = self.zeroed_temp("call", &ret);
                    self.call_throwing(expr, dest.clone(), expr.span);
                    self.hoisted_values
                        .insert(key(expr), dest.unwrap_or_default());
                }
            }
            ExprKind::Binary {
                op: op @ (BinaryOp::And | BinaryOp::Or),
                lhs,
                rhs,
            } if self.contains_hoisted(rhs) => {
                self.hoist(lhs, true);
                let first = self.condition(lhs);
                let temp = self.temp("cond");
                let declaration = self.types.declaration(&Type::Bool, &temp);
                self.out.line(format!("{declaration} = {first};"));
                let test = match op {
                    BinaryOp::And => temp.clone(),
                    _ => format!("!{temp}"),
                };
                self.out.open_block(format!("if ({test})"));
                self.open_scope();
                self.hoist(rhs, true);
                let second = self.condition(rhs);
                self.out.line(format!("{temp} = {second};"));
                self.close_scope();
                self.out.close_block();
                self.hoisted_values.insert(key(expr), temp);
            }
            ExprKind::Match { scrutinee, arms } => {
                if !root {
                    // `lower_match` hoists its scrutinee and each arm's value.
                    return;
                }
                let ty = expr.ty.clone();
                match self.zeroed_temp("result", &ty) {
                    Some(temp) => {
                        self.lower_match(scrutinee, arms, &ty, Sink::Assign(temp.clone()));
                        self.hoisted_values.insert(key(expr), temp);
                    }
                    None => {
                        self.lower_match(scrutinee, arms, &ty, Sink::Discard);
                        self.hoisted_values.insert(key(expr), String::new());
                    }
                }
            }
            _ => {
                let operands = operands(expr);
                self.hoist_operands(&operands);
            }
        }
    }

    /// Hoists what runs before the statement inside the parts of built
    /// string `expr` (a byte conversion's array, in place).
    fn hoist_parts(&mut self, expr: &'a Expr) {
        let operands: Vec<(&'a Expr, bool)> = strings::parts(expr)
            .into_iter()
            .map(|part| match &part.kind {
                ExprKind::Cast(inner) if strings::is_built(part) => (inner.as_ref(), false),
                _ => (part, true),
            })
            .collect();
        self.hoist_operands(&operands);
    }

    /// Hoists the throwing calls of `operands`, evaluated left to right;
    /// each `(operand, may_hold)`: whether the operand is a value that may
    /// be evaluated into a temporary (not a place), and for a root call or
    /// `match` whether it is hoisted itself. An operand before the last one
    /// holding a throwing call that has effects or reads memory is
    /// evaluated first into a temporary, so it keeps its place in the order.
    fn hoist_operands(&mut self, operands: &[(&'a Expr, bool)]) {
        let Some(last) = operands
            .iter()
            .rposition(|(operand, _)| self.contains_hoisted(operand))
        else {
            return;
        };
        for (index, (operand, may_hold)) in operands.iter().enumerate() {
            if self.contains_hoisted(operand) {
                self.hoist(operand, *may_hold);
            } else if index < last
                && *may_hold
                && needs_holding(operand)
                && !self.hoisted_values.contains_key(&key(operand))
            {
                let text = self.expr(operand).text;
                let temp = self.temp("operand");
                let declaration = self.types.declaration(&operand.ty, &temp);
                self.out.line(format!("{declaration} = {text};"));
                self.hoisted_values.insert(key(operand), temp);
            }
        }
    }

    /// A zero-initialised temporary of `ty` (named from `base`), or `None`
    /// for `void`.
    fn zeroed_temp(&mut self, base: &str, ty: &Type) -> Option<String> {
        if *ty == Type::Void {
            return None;
        }
        let temp = self.temp(base);
        if is_array_like(ty) {
            let declaration = self.types.declaration(ty, &temp);
            self.out.line(format!(
                "{declaration} = {};",
                self.types.policy.zero_aggregate
            ));
        } else {
            let declaration = self.types.declaration(ty, &temp);
            let zero = self.types.zero(ty);
            self.out.line(format!("{declaration} = {zero};"));
        }
        Some(temp)
    }
}

/// The operands of `expr` in evaluation order, each with whether it is a
/// value that may be held in a temporary (places, array and struct values
/// stay where they are).
fn operands(expr: &Expr) -> Vec<(&Expr, bool)> {
    match &expr.kind {
        ExprKind::Unary {
            op: UnaryOp::AddrOf,
            operand,
        } => vec![(operand, false)],
        ExprKind::Field { base, .. } | ExprKind::Arrow { base, .. } => vec![(base, false)],
        ExprKind::Index { base, index } => vec![(base, false), (index, true)],
        ExprKind::MapLoad { key, dest, .. } => vec![(key, true), (dest, false)],
        _ => visit::child_exprs(expr)
            .into_iter()
            .map(|child| (child, true))
            .collect(),
    }
}

/// Whether an operand evaluated before a hoisted call must be held in a
/// temporary to keep its place in the order: it calls something or reads
/// memory, and its type is a scalar a temporary can hold.
fn needs_holding(expr: &Expr) -> bool {
    let scalar = matches!(
        expr.ty,
        Type::Bool | Type::Char | Type::Int(_) | Type::Enum(_)
    );
    scalar && !is_plain_value(expr)
}
