//! Read-only walks over IR blocks and expressions, for the few questions
//! the userspace generator asks before emitting: which programs userspace
//! refers to, whether a local is written, whether an expression has side
//! effects, whether the program throws.

use crate::ir::{visit, Block, Expr, ExprKind, LocalId, Stmt, StmtKind, UnaryOp};

/// Calls `on_stmt` for every statement of `block`, nested ones included
/// (also statements inside `match` arms).
pub fn each_stmt<'a>(block: &'a Block, on_stmt: &mut dyn FnMut(&'a Stmt)) {
    visit::walk_stmts(block, on_stmt);
}

/// Calls `on_expr` for every expression of `block`, subexpressions included.
pub fn each_expr<'a>(block: &'a Block, on_expr: &mut dyn FnMut(&'a Expr)) {
    visit::walk_block_exprs(block, on_expr);
}

/// The local a place expression (`x`, `x.a[i]`, `x->f`) is rooted in.
pub fn place_root(expr: &Expr) -> Option<LocalId> {
    match &expr.kind {
        ExprKind::Local(local) => Some(*local),
        ExprKind::Field { base, .. } | ExprKind::Arrow { base, .. } => place_root(base),
        ExprKind::Index { base, .. } => place_root(base),
        ExprKind::Unary {
            op: UnaryOp::Deref,
            operand,
        } => place_root(operand),
        _ => None,
    }
}

/// Whether `block` may change `local`: assigns to a place rooted in it,
/// takes its address, or (for pointers) hands it to a call.
pub fn may_modify_local(block: &Block, local: LocalId) -> bool {
    let mut modified = false;
    each_stmt(block, &mut |stmt| {
        if let StmtKind::Assign { target, .. } = &stmt.kind {
            if place_root(target) == Some(local) {
                modified = true;
            }
        }
    });
    each_expr(block, &mut |expr| match &expr.kind {
        ExprKind::Unary {
            op: UnaryOp::AddrOf,
            operand,
        } if place_root(operand) == Some(local) => modified = true,
        ExprKind::Call { args, .. }
            if args.iter().any(|arg| {
                matches!(arg.kind, ExprKind::Local(id) if id == local) && arg.ty.is_pointer()
            }) =>
        {
            modified = true
        }
        _ => {}
    });
    modified
}

/// Whether evaluating `expr` twice could be observed: it calls something,
/// or contains a `match` (whose arms may run statements).
pub fn has_side_effects(expr: &Expr) -> bool {
    let block = Block::new(vec![Stmt {
        kind: StmtKind::Expr(expr.clone()),
        span: expr.span,
    }]);
    let mut effects = false;
    each_expr(&block, &mut |inner| {
        if matches!(inner.kind, ExprKind::Call { .. } | ExprKind::Match { .. }) {
            effects = true;
        }
    });
    effects
}
