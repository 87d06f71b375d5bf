//! Control-flow questions the eBPF emitters ask (does a block fall
//! through, does a `match` arm break its loop), plus the IR walks of
//! `ir::visit`, re-exported for the emitters.

pub(super) use crate::ir::visit::{
    child_blocks, stmt_exprs, walk_block_exprs, walk_exprs, walk_stmts,
};
use crate::ir::{Block, Expr, ExprKind, Stmt, StmtKind};

/// Whether control can reach the end of `block` (it does not always end in
/// `return`, `throw`, `break` or `continue`). Conservative: `true` unless
/// the last statement certainly leaves.
pub(super) fn falls_through(block: &Block) -> bool {
    stmts_fall_through(&block.stmts)
}

/// `falls_through` for a statement list.
pub(super) fn stmts_fall_through(stmts: &[Stmt]) -> bool {
    match stmts.last() {
        None => true,
        Some(stmt) => stmt_falls_through(stmt),
    }
}

fn stmt_falls_through(stmt: &Stmt) -> bool {
    match &stmt.kind {
        StmtKind::Return(_) | StmtKind::Throw(_) | StmtKind::Break | StmtKind::Continue => false,
        StmtKind::If {
            then_block,
            else_block: Some(else_block),
            ..
        }
        | StmtKind::IfLetMap {
            then_block,
            else_block: Some(else_block),
            ..
        }
        | StmtKind::IfLetPointer {
            then_block,
            else_block: Some(else_block),
            ..
        } => falls_through(then_block) || falls_through(else_block),
        StmtKind::Block(block) => falls_through(block),
        // A code no catch matches leaves the function (or goes to an outer
        // catch), so only the body and the catches can fall through.
        StmtKind::Try { body, catches } => {
            falls_through(body) || catches.iter().any(|catch| falls_through(&catch.body))
        }
        _ => true,
    }
}

/// Whether `stmts` contain a `break` that would leave a loop enclosing
/// them (one not nested in a loop of their own).
pub(super) fn breaks_enclosing_loop(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|stmt| match &stmt.kind {
        StmtKind::Break => true,
        StmtKind::ForRange { .. } | StmtKind::While { .. } | StmtKind::ForEachMap { .. } => false,
        _ => {
            child_blocks(stmt)
                .iter()
                .any(|block| breaks_enclosing_loop(&block.stmts))
                || stmt_exprs(stmt).into_iter().any(match_arms_break)
        }
    })
}

fn match_arms_break(expr: &Expr) -> bool {
    let mut found = false;
    walk_exprs(expr, &mut |expr| {
        if let ExprKind::Match { arms, .. } = &expr.kind {
            found |= arms.iter().any(|arm| breaks_enclosing_loop(&arm.stmts));
        }
    });
    found
}
