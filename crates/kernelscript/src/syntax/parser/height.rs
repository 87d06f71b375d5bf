//! Heights of finished trees, for the few places where a subtree parsed
//! by another part of the grammar joins a tree whose height is bounded
//! (a `match` arm's block, a `match` scrutinee).
//!
//! The trees measured here were built by the parser within `MAX_DEPTH`,
//! so the recursion is bounded. This file must not be used on trees from
//! anywhere else, and it never reports anything.

use crate::syntax::ast::*;

fn block_height(block: &Block) -> u32 {
    1 + block.stmts.iter().map(stmt_height).max().unwrap_or(0)
}

fn stmt_height(stmt: &Stmt) -> u32 {
    let children = match &stmt.kind {
        StmtKind::Var { ty, init, .. } => option_type(ty).max(option_expr(init)),
        StmtKind::Const(decl) => option_type(&decl.ty).max(expr_height(&decl.value)),
        StmtKind::Assign { target, value, .. } => expr_height(target).max(expr_height(value)),
        StmtKind::Expr(expr)
        | StmtKind::Delete(expr)
        | StmtKind::Throw(expr)
        | StmtKind::Defer(expr) => expr_height(expr),
        StmtKind::Return(value) => option_expr(value),
        StmtKind::If {
            condition,
            then_block,
            else_branch,
        } => {
            let condition = match condition {
                Condition::Expr(expr) | Condition::Let { value: expr, .. } => expr_height(expr),
            };
            let else_height = else_branch.as_deref().map_or(0, stmt_height);
            condition.max(block_height(then_block)).max(else_height)
        }
        StmtKind::ForRange {
            start, end, body, ..
        } => expr_height(start)
            .max(expr_height(end))
            .max(block_height(body)),
        StmtKind::ForEach { iterable, body, .. } => expr_height(iterable).max(block_height(body)),
        StmtKind::While { condition, body } => expr_height(condition).max(block_height(body)),
        StmtKind::Try { body, catches } => catches
            .iter()
            .map(|clause| {
                let pattern = match &clause.pattern {
                    CatchPattern::Value(expr) => expr_height(expr),
                    CatchPattern::Wildcard(_) => 0,
                };
                pattern.max(block_height(&clause.body))
            })
            .fold(block_height(body), u32::max),
        StmtKind::Block(block) => block_height(block),
        StmtKind::Break | StmtKind::Continue | StmtKind::Error => 0,
    };
    children + 1
}

pub(super) fn expr_height(expr: &Expr) -> u32 {
    let children = match &expr.kind {
        ExprKind::Int(..)
        | ExprKind::Bool(_)
        | ExprKind::Char(_)
        | ExprKind::Str(_)
        | ExprKind::Null
        | ExprKind::Ident(_)
        | ExprKind::Error => 0,
        ExprKind::Unary { operand, .. } => expr_height(operand),
        ExprKind::Binary { lhs, rhs, .. } => expr_height(lhs).max(expr_height(rhs)),
        ExprKind::Cast { expr, ty } => expr_height(expr).max(type_height(ty)),
        ExprKind::Sizeof(ty) => type_height(ty),
        ExprKind::Call { callee, args } => args
            .iter()
            .map(expr_height)
            .fold(expr_height(callee), u32::max),
        ExprKind::Field { base, .. } | ExprKind::Arrow { base, .. } => expr_height(base),
        ExprKind::Index { base, index } => expr_height(base).max(expr_height(index)),
        ExprKind::StructLit { fields, .. } => fields
            .iter()
            .map(|field| expr_height(&field.value))
            .max()
            .unwrap_or(0),
        ExprKind::ArrayLit(elements) => elements.iter().map(expr_height).max().unwrap_or(0),
        ExprKind::Match { scrutinee, arms } => arms
            .iter()
            .map(|arm| {
                let pattern = match &arm.pattern {
                    MatchPattern::Value(expr) => expr_height(expr),
                    MatchPattern::Default(_) => 0,
                };
                let body = match &arm.body {
                    MatchArmBody::Expr(expr) => expr_height(expr),
                    MatchArmBody::Block(block) => block_height(block),
                };
                pattern.max(body)
            })
            .fold(expr_height(scrutinee), u32::max),
        ExprKind::New { ty, arg } => type_height(ty).max(arg.as_deref().map_or(0, expr_height)),
    };
    children + 1
}

fn type_height(ty: &TypeExpr) -> u32 {
    let children = match &ty.kind {
        TypeExprKind::Named(_) | TypeExprKind::Qualified { .. } | TypeExprKind::Error => 0,
        TypeExprKind::Str(size) => expr_height(size),
        TypeExprKind::Array { element, size } => {
            type_height(element).max(size.as_deref().map_or(0, expr_height))
        }
        TypeExprKind::Pointer(pointee) => type_height(pointee),
        TypeExprKind::Function { params, ret } => params
            .iter()
            .map(type_height)
            .fold(ret.as_deref().map_or(0, type_height), u32::max),
        TypeExprKind::Generic { args, size, .. } => args
            .iter()
            .map(type_height)
            .fold(size.as_deref().map_or(0, expr_height), u32::max),
    };
    children + 1
}

fn option_expr(expr: &Option<Expr>) -> u32 {
    expr.as_ref().map_or(0, expr_height)
}

fn option_type(ty: &Option<TypeExpr>) -> u32 {
    ty.as_ref().map_or(0, type_height)
}
