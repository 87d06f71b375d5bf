//! Control-flow questions the eBPF emitters ask (does a `match` arm break
//! its loop), plus the IR walks of `ir::visit`, re-exported for the
//! emitters. Whether a block completes is a fact the checker records
//! (`ir::Block::completes`).

pub(super) use crate::ir::visit::{
    child_blocks, stmt_exprs, walk_block_exprs, walk_exprs, walk_stmts,
};
use crate::ir::{Expr, ExprKind, Stmt, StmtKind};

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
