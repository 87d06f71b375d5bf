//! Reachability: whether control can reach the end of a block or leave a
//! `match` arm normally. The checker asks while checking (a missing
//! `return`, an arm that must produce a value), and `mark_reachability`
//! records the answer in every `ir::Block::completes` and
//! `ir::MatchArm::completes` of a lowered body, so the generators read the
//! fact instead of working it out again.

use crate::ir::{self, Builtin, Callee, ExprKind, StmtKind};

use super::stmts::{has_break, is_constant_true};

/// Whether control can reach the end of `block`.
pub(crate) fn completes(block: &ir::Block) -> bool {
    stmts_complete(&block.stmts)
}

/// Whether control can reach the end of `stmts`.
pub(crate) fn stmts_complete(stmts: &[ir::Stmt]) -> bool {
    stmts.iter().all(stmt_completes)
}

fn stmt_completes(stmt: &ir::Stmt) -> bool {
    match &stmt.kind {
        StmtKind::Return(_) | StmtKind::Throw(_) | StmtKind::Break | StmtKind::Continue => false,
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
        } => match else_block {
            Some(else_block) => completes(then_block) || completes(else_block),
            None => true,
        },
        StmtKind::While { condition, body } => !is_constant_true(condition) || has_break(body),
        StmtKind::Try { body, catches } => {
            completes(body) || catches.iter().any(|catch| completes(&catch.body))
        }
        StmtKind::Block(block) => completes(block),
        StmtKind::Expr(expr) => expr_completes(expr),
        StmtKind::Let {
            init: Some(value), ..
        }
        | StmtKind::Assign { value, .. } => expr_completes(value),
        _ => true,
    }
}

/// Whether evaluating `expr` (a statement's own expression) can finish:
/// not an `exec`, nor a `match` whose every arm leaves.
fn expr_completes(expr: &ir::Expr) -> bool {
    match &expr.kind {
        ExprKind::Call {
            callee: Callee::Builtin(Builtin::Exec),
            ..
        } => false,
        ExprKind::Match { arms, .. } => arms.iter().any(arm_completes),
        _ => true,
    }
}

fn arm_completes(arm: &ir::MatchArm) -> bool {
    stmts_complete(&arm.stmts) && arm.value.as_ref().is_none_or(expr_completes)
}

/// Records `completes` in every block and `match` arm of `block`, itself
/// included.
pub(crate) fn mark_reachability(block: &mut ir::Block) {
    for stmt in &mut block.stmts {
        mark_stmt(stmt);
    }
    block.completes = completes(block);
}

fn mark_stmt(stmt: &mut ir::Stmt) {
    match &mut stmt.kind {
        StmtKind::If {
            condition,
            then_block,
            else_block,
        } => {
            mark_expr(condition);
            mark_reachability(then_block);
            if let Some(else_block) = else_block {
                mark_reachability(else_block);
            }
        }
        StmtKind::IfLetMap {
            key,
            then_block,
            else_block,
            ..
        } => {
            mark_expr(key);
            mark_reachability(then_block);
            if let Some(else_block) = else_block {
                mark_reachability(else_block);
            }
        }
        StmtKind::IfLetPointer {
            value,
            then_block,
            else_block,
            ..
        } => {
            mark_expr(value);
            mark_reachability(then_block);
            if let Some(else_block) = else_block {
                mark_reachability(else_block);
            }
        }
        StmtKind::ForRange {
            start, end, body, ..
        } => {
            mark_expr(start);
            mark_expr(end);
            mark_reachability(body);
        }
        StmtKind::ForEachMap { body, .. } => mark_reachability(body),
        StmtKind::While { condition, body } => {
            mark_expr(condition);
            mark_reachability(body);
        }
        StmtKind::Try { body, catches } => {
            mark_reachability(body);
            for catch in catches {
                mark_reachability(&mut catch.body);
            }
        }
        StmtKind::Block(block) => mark_reachability(block),
        StmtKind::Let { init, .. } => {
            if let Some(init) = init {
                mark_expr(init);
            }
        }
        StmtKind::Assign { target, value, .. } => {
            mark_expr(target);
            mark_expr(value);
        }
        StmtKind::MapStore { key, value, .. }
        | StmtKind::MapCompound { key, value, .. }
        | StmtKind::MapFieldUpdate { key, value, .. } => {
            mark_expr(key);
            mark_expr(value);
        }
        StmtKind::MapDelete { key, .. } => mark_expr(key),
        StmtKind::Expr(expr) | StmtKind::Throw(expr) | StmtKind::Defer(expr) => mark_expr(expr),
        StmtKind::Return(value) => {
            if let Some(value) = value {
                mark_expr(value);
            }
        }
        StmtKind::Break | StmtKind::Continue => {}
    }
}

/// Marks the arms of every `match` in `expr`.
fn mark_expr(expr: &mut ir::Expr) {
    if let ExprKind::Match { scrutinee, arms } = &mut expr.kind {
        mark_expr(scrutinee);
        for arm in arms {
            for stmt in &mut arm.stmts {
                mark_stmt(stmt);
            }
            if let Some(pattern) = &mut arm.pattern {
                mark_expr(pattern);
            }
            if let Some(value) = &mut arm.value {
                mark_expr(value);
            }
            arm.completes = arm_completes(arm);
        }
        return;
    }
    ir::visit::for_each_child_mut(expr, &mut mark_expr);
}
