//! Read-only walks over IR blocks and expressions, for the few questions
//! the userspace generator asks before emitting: which programs userspace
//! refers to, whether a local is written, whether an expression has side
//! effects, whether the program throws.

use crate::ir::{Block, Callee, Expr, ExprKind, LocalId, Stmt, StmtKind, UnaryOp};

/// Calls `on_stmt` for every statement of `block`, nested ones included
/// (also statements inside `match` arms).
pub fn each_stmt<'a>(block: &'a Block, on_stmt: &mut dyn FnMut(&'a Stmt)) {
    for stmt in &block.stmts {
        walk_stmt(stmt, on_stmt, &mut |_| {});
    }
}

/// Calls `on_expr` for every expression of `block`, subexpressions included.
pub fn each_expr<'a>(block: &'a Block, on_expr: &mut dyn FnMut(&'a Expr)) {
    for stmt in &block.stmts {
        walk_stmt(stmt, &mut |_| {}, on_expr);
    }
}

fn walk_block<'a>(
    block: &'a Block,
    on_stmt: &mut dyn FnMut(&'a Stmt),
    on_expr: &mut dyn FnMut(&'a Expr),
) {
    for stmt in &block.stmts {
        walk_stmt(stmt, on_stmt, on_expr);
    }
}

fn walk_stmt<'a>(
    stmt: &'a Stmt,
    on_stmt: &mut dyn FnMut(&'a Stmt),
    on_expr: &mut dyn FnMut(&'a Expr),
) {
    on_stmt(stmt);
    match &stmt.kind {
        StmtKind::Let { init, .. } => {
            if let Some(init) = init {
                walk_expr(init, on_stmt, on_expr);
            }
        }
        StmtKind::Assign { target, value, .. } => {
            walk_expr(target, on_stmt, on_expr);
            walk_expr(value, on_stmt, on_expr);
        }
        StmtKind::MapStore { key, value, .. }
        | StmtKind::MapCompound { key, value, .. }
        | StmtKind::MapFieldUpdate { key, value, .. } => {
            walk_expr(key, on_stmt, on_expr);
            walk_expr(value, on_stmt, on_expr);
        }
        StmtKind::MapDelete { key, .. } => walk_expr(key, on_stmt, on_expr),
        StmtKind::Expr(expr) | StmtKind::Throw(expr) | StmtKind::Defer(expr) => {
            walk_expr(expr, on_stmt, on_expr)
        }
        StmtKind::Return(value) => {
            if let Some(value) = value {
                walk_expr(value, on_stmt, on_expr);
            }
        }
        StmtKind::If {
            condition,
            then_block,
            else_block,
        } => {
            walk_expr(condition, on_stmt, on_expr);
            walk_block(then_block, on_stmt, on_expr);
            if let Some(else_block) = else_block {
                walk_block(else_block, on_stmt, on_expr);
            }
        }
        StmtKind::IfLetMap {
            key,
            then_block,
            else_block,
            ..
        } => {
            walk_expr(key, on_stmt, on_expr);
            walk_block(then_block, on_stmt, on_expr);
            if let Some(else_block) = else_block {
                walk_block(else_block, on_stmt, on_expr);
            }
        }
        StmtKind::IfLetPointer {
            value,
            then_block,
            else_block,
            ..
        } => {
            walk_expr(value, on_stmt, on_expr);
            walk_block(then_block, on_stmt, on_expr);
            if let Some(else_block) = else_block {
                walk_block(else_block, on_stmt, on_expr);
            }
        }
        StmtKind::ForRange {
            start, end, body, ..
        } => {
            walk_expr(start, on_stmt, on_expr);
            walk_expr(end, on_stmt, on_expr);
            walk_block(body, on_stmt, on_expr);
        }
        StmtKind::ForEachMap { body, .. } => walk_block(body, on_stmt, on_expr),
        StmtKind::While { condition, body } => {
            walk_expr(condition, on_stmt, on_expr);
            walk_block(body, on_stmt, on_expr);
        }
        StmtKind::Try { body, catches } => {
            walk_block(body, on_stmt, on_expr);
            for catch in catches {
                walk_block(&catch.body, on_stmt, on_expr);
            }
        }
        StmtKind::Block(block) => walk_block(block, on_stmt, on_expr),
        StmtKind::Break | StmtKind::Continue => {}
    }
}

fn walk_expr<'a>(
    expr: &'a Expr,
    on_stmt: &mut dyn FnMut(&'a Stmt),
    on_expr: &mut dyn FnMut(&'a Expr),
) {
    on_expr(expr);
    match &expr.kind {
        ExprKind::Unary { operand, .. } => walk_expr(operand, on_stmt, on_expr),
        ExprKind::Binary { lhs, rhs, .. } => {
            walk_expr(lhs, on_stmt, on_expr);
            walk_expr(rhs, on_stmt, on_expr);
        }
        ExprKind::Cast(inner) => walk_expr(inner, on_stmt, on_expr),
        ExprKind::Call { callee, args } => {
            if let Callee::Indirect(target) = callee {
                walk_expr(target, on_stmt, on_expr);
            }
            for arg in args {
                walk_expr(arg, on_stmt, on_expr);
            }
        }
        ExprKind::Field { base, .. } | ExprKind::Arrow { base, .. } => {
            walk_expr(base, on_stmt, on_expr)
        }
        ExprKind::Index { base, index } => {
            walk_expr(base, on_stmt, on_expr);
            walk_expr(index, on_stmt, on_expr);
        }
        ExprKind::MapGet { key, .. } | ExprKind::MapContains { key, .. } => {
            walk_expr(key, on_stmt, on_expr)
        }
        ExprKind::MapLoad { key, dest, .. } => {
            walk_expr(key, on_stmt, on_expr);
            walk_expr(dest, on_stmt, on_expr);
        }
        ExprKind::StructLit { fields, .. } => {
            for (_, value) in fields {
                walk_expr(value, on_stmt, on_expr);
            }
        }
        ExprKind::ArrayLit(elements) => {
            for element in elements {
                walk_expr(element, on_stmt, on_expr);
            }
        }
        ExprKind::Match { scrutinee, arms } => {
            walk_expr(scrutinee, on_stmt, on_expr);
            for arm in arms {
                if let Some(pattern) = &arm.pattern {
                    walk_expr(pattern, on_stmt, on_expr);
                }
                for stmt in &arm.stmts {
                    walk_stmt(stmt, on_stmt, on_expr);
                }
                if let Some(value) = &arm.value {
                    walk_expr(value, on_stmt, on_expr);
                }
            }
        }
        ExprKind::Int(_)
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
        | ExprKind::Sizeof(_) => {}
    }
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
    let block = Block {
        stmts: vec![Stmt {
            kind: StmtKind::Expr(expr.clone()),
            span: expr.span,
        }],
    };
    let mut effects = false;
    each_expr(&block, &mut |inner| {
        if matches!(inner.kind, ExprKind::Call { .. } | ExprKind::Match { .. }) {
            effects = true;
        }
    });
    effects
}
