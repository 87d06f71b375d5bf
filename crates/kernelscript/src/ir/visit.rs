//! Read-only walks over IR bodies: every statement and every expression,
//! in source order, including those nested in blocks and `match` arms.
//!
//! The one structural traversal of the IR: the generators use it for the
//! questions they ask before emitting (which kernel types, helpers,
//! programs and locals are used). Passes that carry state along the control
//! flow (`check/flow.rs`) walk statements themselves.

use super::{Block, Callee, Expr, ExprKind, Function, LocalId, Stmt, StmtKind};

/// Calls `on_stmt` for every statement of `block`, outer before inner.
pub fn walk_stmts<'a>(block: &'a Block, on_stmt: &mut dyn FnMut(&'a Stmt)) {
    for stmt in &block.stmts {
        walk_stmt(stmt, on_stmt);
    }
}

fn walk_stmt<'a>(stmt: &'a Stmt, on_stmt: &mut dyn FnMut(&'a Stmt)) {
    on_stmt(stmt);
    for block in child_blocks(stmt) {
        walk_stmts(block, on_stmt);
    }
    // Statements inside `match` arms of this statement's expressions.
    for expr in stmt_exprs(stmt) {
        walk_exprs(expr, &mut |expr| {
            if let ExprKind::Match { arms, .. } = &expr.kind {
                for arm in arms {
                    for arm_stmt in &arm.stmts {
                        walk_stmt(arm_stmt, on_stmt);
                    }
                }
            }
        });
    }
}

/// Calls `on_expr` for every expression in `block` (statements' own
/// expressions and all their subexpressions, arm statements included).
pub fn walk_block_exprs<'a>(block: &'a Block, on_expr: &mut dyn FnMut(&'a Expr)) {
    walk_stmts(block, &mut |stmt| {
        for expr in stmt_exprs(stmt) {
            walk_exprs_shallow(expr, on_expr);
        }
    });
}

/// Like `walk_exprs` but does not enter statements of `match` arms (the
/// statement walk reaches those itself).
fn walk_exprs_shallow<'a>(expr: &'a Expr, on_expr: &mut dyn FnMut(&'a Expr)) {
    on_expr(expr);
    for child in child_exprs(expr) {
        walk_exprs_shallow(child, on_expr);
    }
}

/// Calls `on_expr` for `expr` and each subexpression, outer first (arm
/// statements of a `match` are not entered; arm patterns and values are).
pub fn walk_exprs<'a>(expr: &'a Expr, on_expr: &mut dyn FnMut(&'a Expr)) {
    walk_exprs_shallow(expr, on_expr);
}

/// The functions `block` calls directly (`f(x)`), in order, repeated as
/// often as called.
pub fn called_functions(block: &Block) -> Vec<super::FunctionId> {
    let mut called = Vec::new();
    walk_block_exprs(block, &mut |expr| {
        if let ExprKind::Call {
            callee: Callee::Function(callee),
            ..
        } = &expr.kind
        {
            called.push(*callee);
        }
    });
    called
}

/// The blocks directly nested in `stmt`.
pub fn child_blocks(stmt: &Stmt) -> Vec<&Block> {
    match &stmt.kind {
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
        } => {
            let mut blocks = vec![then_block];
            blocks.extend(else_block.iter());
            blocks
        }
        StmtKind::ForRange { body, .. }
        | StmtKind::ForEachMap { body, .. }
        | StmtKind::While { body, .. } => vec![body],
        StmtKind::Try { body, catches } => {
            let mut blocks = vec![body];
            blocks.extend(catches.iter().map(|catch| &catch.body));
            blocks
        }
        StmtKind::Block(block) => vec![block],
        _ => Vec::new(),
    }
}

/// The expressions directly held by `stmt` (not those of nested blocks).
pub fn stmt_exprs(stmt: &Stmt) -> Vec<&Expr> {
    match &stmt.kind {
        StmtKind::Let { init, .. } => init.iter().collect(),
        StmtKind::Assign { target, value, .. } => vec![target, value],
        StmtKind::MapStore { key, value, .. }
        | StmtKind::MapCompound { key, value, .. }
        | StmtKind::MapFieldUpdate { key, value, .. } => vec![key, value],
        StmtKind::MapDelete { key, .. } => vec![key],
        StmtKind::Expr(expr) | StmtKind::Throw(expr) | StmtKind::Defer(expr) => vec![expr],
        StmtKind::If { condition, .. } | StmtKind::While { condition, .. } => vec![condition],
        StmtKind::IfLetMap { key, .. } => vec![key],
        StmtKind::IfLetPointer { value, .. } => vec![value],
        StmtKind::ForRange { start, end, .. } => vec![start, end],
        StmtKind::Return(value) => value.iter().collect(),
        StmtKind::ForEachMap { .. }
        | StmtKind::Break
        | StmtKind::Continue
        | StmtKind::Try { .. }
        | StmtKind::Block(_) => Vec::new(),
    }
}

/// The direct subexpressions of `expr`.
pub fn child_exprs(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::Unary { operand, .. } => vec![operand],
        ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
        ExprKind::Cast(inner) => vec![inner],
        ExprKind::Call { callee, args } => {
            let mut children = Vec::new();
            if let Callee::Indirect(target) = callee {
                children.push(target.as_ref());
            }
            children.extend(args.iter());
            children
        }
        ExprKind::Field { base, .. } | ExprKind::Arrow { base, .. } => vec![base],
        ExprKind::Index { base, index } => vec![base, index],
        ExprKind::MapGet { key, .. } | ExprKind::MapContains { key, .. } => vec![key],
        ExprKind::MapLoad { key, dest, .. } => vec![key, dest],
        ExprKind::StructLit { fields, .. } => fields.iter().map(|(_, value)| value).collect(),
        ExprKind::ArrayLit(elements) => elements.iter().collect(),
        ExprKind::Match { scrutinee, arms } => {
            let mut children = vec![scrutinee.as_ref()];
            for arm in arms {
                children.extend(arm.pattern.iter());
                children.extend(arm.value.iter());
            }
            children
        }
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
        | ExprKind::Sizeof(_) => Vec::new(),
    }
}

/// Calls `on_child` for each direct subexpression of `expr`, mutably (the
/// same children, in the same order, as `child_exprs`).
pub fn for_each_child_mut(expr: &mut Expr, on_child: &mut dyn FnMut(&mut Expr)) {
    match &mut expr.kind {
        ExprKind::Unary { operand, .. } => on_child(operand),
        ExprKind::Binary { lhs, rhs, .. } => {
            on_child(lhs);
            on_child(rhs);
        }
        ExprKind::Cast(inner) => on_child(inner),
        ExprKind::Call { callee, args } => {
            if let Callee::Indirect(target) = callee {
                on_child(target);
            }
            args.iter_mut().for_each(on_child);
        }
        ExprKind::Field { base, .. } | ExprKind::Arrow { base, .. } => on_child(base),
        ExprKind::Index { base, index } => {
            on_child(base);
            on_child(index);
        }
        ExprKind::MapGet { key, .. } | ExprKind::MapContains { key, .. } => on_child(key),
        ExprKind::MapLoad { key, dest, .. } => {
            on_child(key);
            on_child(dest);
        }
        ExprKind::StructLit { fields, .. } => {
            fields.iter_mut().for_each(|(_, value)| on_child(value));
        }
        ExprKind::ArrayLit(elements) => elements.iter_mut().for_each(on_child),
        ExprKind::Match { scrutinee, arms } => {
            on_child(scrutinee);
            for arm in arms {
                arm.pattern.iter_mut().for_each(&mut *on_child);
                arm.value.iter_mut().for_each(&mut *on_child);
            }
        }
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
        | ExprKind::Sizeof(_) => {}
    }
}

/// The local a place expression (`x`, `x.a[i]`, `x->f`, `*p`) is rooted in.
pub fn place_root(expr: &Expr) -> Option<crate::ir::LocalId> {
    match &expr.kind {
        ExprKind::Local(local) => Some(*local),
        ExprKind::Field { base, .. } | ExprKind::Arrow { base, .. } => place_root(base),
        ExprKind::Index { base, .. } => place_root(base),
        ExprKind::Unary {
            op: crate::ir::UnaryOp::Deref,
            operand,
        } => place_root(operand),
        _ => None,
    }
}

/// Whether `block` may change `local`: assigns to a place rooted in it,
/// takes its address, loads a map entry into it, or (for pointers) hands
/// it to a call.
pub fn may_modify_local(block: &Block, local: crate::ir::LocalId) -> bool {
    let mut modified = false;
    walk_stmts(block, &mut |stmt| {
        if let StmtKind::Assign { target, .. } = &stmt.kind {
            if place_root(target) == Some(local) {
                modified = true;
            }
        }
    });
    walk_block_exprs(block, &mut |expr| match &expr.kind {
        ExprKind::Unary {
            op: crate::ir::UnaryOp::AddrOf,
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
/// or holds a `match` (whose arms may run statements).
pub fn has_side_effects(expr: &Expr) -> bool {
    let mut effects = false;
    walk_exprs(expr, &mut |inner| {
        effects |= matches!(inner.kind, ExprKind::Call { .. } | ExprKind::Match { .. });
    });
    effects
}

/// Calls `on_list` for every statement list of `block` (the block's own,
/// those of nested blocks, and the statements of `match` arms), innermost
/// lists first, so a rewrite of a list sees its nested lists rewritten.
pub fn for_each_stmt_list_mut(block: &mut Block, on_list: &mut dyn FnMut(&mut Vec<Stmt>)) {
    stmt_list_mut(&mut block.stmts, on_list);
}

fn stmt_list_mut(stmts: &mut Vec<Stmt>, on_list: &mut dyn FnMut(&mut Vec<Stmt>)) {
    for stmt in stmts.iter_mut() {
        for_each_child_block_mut(stmt, &mut |block| stmt_list_mut(&mut block.stmts, on_list));
        for_each_stmt_expr_mut(stmt, &mut |expr| arm_lists_mut(expr, on_list));
    }
    on_list(stmts);
}

/// The statement lists of the `match` arms inside `expr`.
fn arm_lists_mut(expr: &mut Expr, on_list: &mut dyn FnMut(&mut Vec<Stmt>)) {
    if let ExprKind::Match { arms, .. } = &mut expr.kind {
        for arm in arms.iter_mut() {
            stmt_list_mut(&mut arm.stmts, on_list);
        }
    }
    for_each_child_mut(expr, &mut |child| arm_lists_mut(child, on_list));
}

/// Calls `on_block` for each block directly nested in `stmt` (the blocks
/// of `child_blocks`, mutably, in the same order).
pub fn for_each_child_block_mut(stmt: &mut Stmt, on_block: &mut dyn FnMut(&mut Block)) {
    match &mut stmt.kind {
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
        } => {
            on_block(then_block);
            else_block.iter_mut().for_each(on_block);
        }
        StmtKind::ForRange { body, .. }
        | StmtKind::ForEachMap { body, .. }
        | StmtKind::While { body, .. } => on_block(body),
        StmtKind::Try { body, catches } => {
            on_block(body);
            catches
                .iter_mut()
                .for_each(|catch| on_block(&mut catch.body));
        }
        StmtKind::Block(block) => on_block(block),
        _ => {}
    }
}

/// Calls `on_expr` for each expression directly held by `stmt` (those of
/// `stmt_exprs`, mutably, in the same order).
pub fn for_each_stmt_expr_mut(stmt: &mut Stmt, on_expr: &mut dyn FnMut(&mut Expr)) {
    match &mut stmt.kind {
        StmtKind::Let { init, .. } => init.iter_mut().for_each(on_expr),
        StmtKind::Assign { target, value, .. } => {
            on_expr(target);
            on_expr(value);
        }
        StmtKind::MapStore { key, value, .. }
        | StmtKind::MapCompound { key, value, .. }
        | StmtKind::MapFieldUpdate { key, value, .. } => {
            on_expr(key);
            on_expr(value);
        }
        StmtKind::MapDelete { key, .. } => on_expr(key),
        StmtKind::Expr(expr) | StmtKind::Throw(expr) | StmtKind::Defer(expr) => on_expr(expr),
        StmtKind::If { condition, .. } | StmtKind::While { condition, .. } => on_expr(condition),
        StmtKind::IfLetMap { key, .. } => on_expr(key),
        StmtKind::IfLetPointer { value, .. } => on_expr(value),
        StmtKind::ForRange { start, end, .. } => {
            on_expr(start);
            on_expr(end);
        }
        StmtKind::Return(value) => value.iter_mut().for_each(on_expr),
        StmtKind::ForEachMap { .. }
        | StmtKind::Break
        | StmtKind::Continue
        | StmtKind::Try { .. }
        | StmtKind::Block(_) => {}
    }
}

/// The locals `function` declares with `var` and never reads, in
/// declaration order: an assignment to the local itself is not a read, the
/// named return value is read by the return. The checker warns about them;
/// the C generators mark them used (`-Wunused-variable`).
pub fn unread_locals(function: &Function) -> Vec<LocalId> {
    let mut reads = vec![0usize; function.locals.len()];
    walk_block_exprs(&function.body, &mut |expr| {
        if let ExprKind::Local(id) = expr.kind {
            reads[id.index()] += 1;
        }
    });
    let mut declared = Vec::new();
    walk_stmts(&function.body, &mut |stmt| match &stmt.kind {
        StmtKind::Assign { target, .. } => {
            if let ExprKind::Local(id) = target.kind {
                reads[id.index()] -= 1;
            }
        }
        StmtKind::Let { local, .. } => declared.push(*local),
        _ => {}
    });
    if let Some(named) = function.named_return {
        reads[named.index()] += 1;
    }
    declared
        .into_iter()
        .filter(|local| reads[local.index()] == 0)
        .collect()
}
