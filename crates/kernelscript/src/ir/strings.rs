//! Strings built at run time: concatenations (`a + b` of `str(N)` values)
//! and byte conversions (`bytes as str(M)`), as the IR holds them. The
//! facts the checker's stack estimate and the eBPF generator share: what
//! the parts of a concatenation are, and which built strings need a
//! buffer of their own on the eBPF stack. Reads the IR only.
//!
//! In eBPF code a built string is written straight into its destination
//! when it is the whole initialiser of a `var` or the whole value of an
//! assignment (`=` or `+=`) to a string; anywhere else (a comparison, an
//! argument, a map key or value, a struct field, a `match` arm) it is
//! first written into a buffer of its capacity, which the generator
//! declares before the statement (`codegen/c/lower/hoist.rs`) and the
//! stack estimate counts (`ir/loops.rs`).

use super::{BinaryOp, Expr, ExprKind, Stmt, StmtKind, Type};
use crate::span::Span;

/// Whether `expr` builds a string: a concatenation or a byte conversion.
pub fn is_built(expr: &Expr) -> bool {
    match (&expr.kind, &expr.ty) {
        (
            ExprKind::Binary {
                op: BinaryOp::Add, ..
            },
            Type::Str(_),
        ) => true,
        (ExprKind::Cast(inner), Type::Str(_)) => matches!(inner.ty, Type::Array(..)),
        _ => false,
    }
}

/// The operands of a concatenation in order, nested concatenations
/// flattened (`a + b + c` is `[a, b, c]`); anything else is its own one
/// part. A part may be a byte conversion (`comm as str(16)`).
pub fn parts(expr: &Expr) -> Vec<&Expr> {
    let mut parts = Vec::new();
    collect_parts(expr, &mut parts);
    parts
}

fn collect_parts<'a>(expr: &'a Expr, parts: &mut Vec<&'a Expr>) {
    match (&expr.kind, &expr.ty) {
        (
            ExprKind::Binary {
                op: BinaryOp::Add,
                lhs,
                rhs,
            },
            Type::Str(_),
        ) => {
            collect_parts(lhs, parts);
            collect_parts(rhs, parts);
        }
        _ => parts.push(expr),
    }
}

/// Whether `stmt` writes built string `value` straight into its
/// destination (a `var`'s initialiser, an assignment's value).
pub fn is_stored_directly(stmt: &Stmt, value: &Expr) -> bool {
    let root = match &stmt.kind {
        StmtKind::Let {
            init: Some(init), ..
        } => init,
        StmtKind::Assign { value, .. } => value,
        _ => return false,
    };
    std::ptr::eq(root, value) && is_built(value)
}

/// The buffers the built strings among `stmt`'s own expressions (not
/// those of nested blocks) need in eBPF code: each one's span and size.
pub fn buffers(stmt: &Stmt) -> Vec<(Span, u64)> {
    let mut buffers = Vec::new();
    for expr in super::visit::stmt_exprs(stmt) {
        if is_stored_directly(stmt, expr) {
            collect_inside(expr, &mut buffers);
        } else {
            collect(expr, &mut buffers);
        }
    }
    buffers
}

fn collect(expr: &Expr, buffers: &mut Vec<(Span, u64)>) {
    if is_built(expr) {
        if let Type::Str(capacity) = expr.ty {
            buffers.push((expr.span, u64::from(capacity)));
        }
        collect_inside(expr, buffers);
        return;
    }
    for child in super::visit::child_exprs(expr) {
        collect(child, buffers);
    }
}

/// The buffers inside the parts of built string `expr` (the parts
/// themselves are read where they are).
fn collect_inside(expr: &Expr, buffers: &mut Vec<(Span, u64)>) {
    for part in parts(expr) {
        match &part.kind {
            ExprKind::Cast(inner) if is_built(part) => collect(inner, buffers),
            _ => collect(part, buffers),
        }
    }
}
