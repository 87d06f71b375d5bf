//! Facts about loops that both the checker (stack frames of loop
//! callbacks) and the eBPF generator (how a loop is lowered) need.
//!
//! In eBPF code a loop the verifier would walk iteration by iteration is
//! lowered as a `bpf_loop` callback (docs/design/kernel-lowering.md §1):
//! every `while`, and every `for (i in a..b)` unless both bounds are
//! compile-time constants at most `PLAIN_LOOP_LIMIT` apart. Constant here
//! means a literal, a `const`, an enum value, or a local never changed after
//! a constant initialiser, possibly cast.
//!
//! A loop whose body uses a reference the verifier tracks that lives outside
//! the body (a ring buffer reservation of the function, an object from
//! `new` or `m.take(k)`, a borrowed object of a map of objects) stays a C
//! loop: the verifier does not let a callback use or release references
//! its caller holds. The elements of a variable-size record are the
//! exception: they are reached through the reservation's dynptr, passed by
//! address.

use super::{visit, Block, Expr, ExprKind, Function, LocalId, Program, Stmt, StmtKind, Type};
use crate::span::Span;

/// The most iterations a `for` with constant bounds may have and still be a
/// plain C loop in eBPF (the verifier walks it: trip count times body).
pub const PLAIN_LOOP_LIMIT: i128 = 64;

/// The most iterations `bpf_loop` runs (`BPF_MAX_LOOPS`); asked for more,
/// it runs none.
pub const MAX_LOOPS: i128 = 1 << 23;

/// Whether eBPF statement `stmt` (a `for` or `while`) becomes a `bpf_loop`
/// callback.
pub fn is_callback_loop(program: &Program, function: &Function, stmt: &Stmt) -> bool {
    match &stmt.kind {
        StmtKind::While { condition, body } => {
            !uses_outer_reference(program, function, body, Some(condition))
        }
        StmtKind::ForRange {
            start, end, body, ..
        } => {
            let long = match constant_bounds(program, function, start, end) {
                Some((start, end)) => end - start > PLAIN_LOOP_LIMIT,
                None => true,
            };
            long && !uses_outer_reference(program, function, body, None)
        }
        _ => false,
    }
}

/// Whether `body` (or `condition`) uses a local declared outside it that
/// holds a reference the verifier tracks: a ring buffer reservation or an
/// object (owned or borrowed).
///
/// Elements of a variable-size record (`r->payload[i]`, `ir/records.rs`)
/// are reached through the reservation's dynptr, which a callback may use
/// by address: those uses do not count.
fn uses_outer_reference(
    program: &Program,
    function: &Function,
    body: &Block,
    condition: Option<&Expr>,
) -> bool {
    let mut references = std::collections::BTreeSet::new();
    visit::walk_stmts(&function.body, &mut |stmt| {
        let (local, value) = match &stmt.kind {
            StmtKind::Let {
                local,
                init: Some(value),
            } => (*local, value),
            StmtKind::Assign { target, value, .. } => match target.kind {
                ExprKind::Local(local) => (local, value),
                _ => return,
            },
            StmtKind::IfLetPointer { binding, value, .. } => (*binding, value),
            _ => return,
        };
        if is_reference(value) {
            references.insert(local);
        }
    });
    if references.is_empty() {
        return false;
    }
    let mut declared = std::collections::BTreeSet::new();
    visit::walk_stmts(body, &mut |stmt| {
        if let StmtKind::Let { local, .. } = &stmt.kind {
            declared.insert(*local);
        }
    });
    let mut through_dynptr: std::collections::BTreeSet<*const Expr> =
        std::collections::BTreeSet::new();
    visit::walk_block_exprs(body, &mut |expr| {
        if let ExprKind::Index { base, .. } = &expr.kind {
            if let (Some(_), ExprKind::Arrow { base: record, .. }) =
                (super::records::flexible_field(program, base), &base.kind)
            {
                through_dynptr.insert(&**record as *const Expr);
            }
        }
    });
    let mut uses = false;
    let mut note = |expr: &Expr| {
        if let ExprKind::Local(local) = expr.kind {
            uses |= references.contains(&local)
                && !declared.contains(&local)
                && !through_dynptr.contains(&(expr as *const Expr));
        }
    };
    visit::walk_block_exprs(body, &mut note);
    if let Some(condition) = condition {
        visit::walk_exprs(condition, &mut note);
    }
    uses
}

/// Whether `value` makes a reference the verifier tracks.
fn is_reference(value: &Expr) -> bool {
    match &value.kind {
        ExprKind::Call {
            callee:
                super::Callee::Method {
                    method: super::Method::Reserve | super::Method::Take,
                    ..
                }
                | super::Callee::Builtin(super::Builtin::New(_)),
            ..
        } => true,
        ExprKind::MapGet { .. } => value.ty.is_pointer(),
        ExprKind::Cast(inner) => is_reference(inner),
        _ => false,
    }
}

/// The values of both bounds of `for (i in start..end)` when they are
/// compile-time constants.
pub fn constant_bounds(
    program: &Program,
    function: &Function,
    start: &Expr,
    end: &Expr,
) -> Option<(i128, i128)> {
    Some((
        constant_value(program, function, start)?,
        constant_value(program, function, end)?,
    ))
}

/// The value of `expr` when it is a compile-time constant (see the module
/// documentation).
pub fn constant_value(program: &Program, function: &Function, expr: &Expr) -> Option<i128> {
    let value = match &expr.kind {
        ExprKind::Int(value, _) => i128::from(*value),
        ExprKind::Const(id) => program.const_def(*id).value,
        ExprKind::EnumVariant { enum_id, variant } => program.enum_def(*enum_id).value(*variant),
        ExprKind::Cast(inner) => constant_value(program, function, inner)?,
        ExprKind::Local(local) => constant_local(program, function, *local)?,
        _ => return None,
    };
    match &expr.ty {
        Type::Int(int) => {
            let bits = int.bits();
            let masked = value & ((1i128 << bits) - 1);
            Some(if int.is_signed() && masked >= 1i128 << (bits - 1) {
                masked - (1i128 << bits)
            } else {
                masked
            })
        }
        Type::Enum(_) => Some(value),
        _ => None,
    }
}

/// The value of a local declared `var x = CONSTANT` and never changed.
fn constant_local(program: &Program, function: &Function, local: LocalId) -> Option<i128> {
    if function.params.contains(&local) || function.named_return == Some(local) {
        return None;
    }
    let mut init = None;
    let mut declarations = 0;
    visit::walk_stmts(&function.body, &mut |stmt| {
        if let StmtKind::Let {
            local: declared,
            init: value,
        } = &stmt.kind
        {
            if *declared == local {
                declarations += 1;
                init = value.as_ref();
            }
        }
    });
    if declarations != 1 || visit::may_modify_local(&function.body, local) {
        return None;
    }
    let init = init?;
    // `var x = x_source` chains are fine, but never through `x` itself.
    if matches!(init.kind, ExprKind::Local(source) if source == local) {
        return None;
    }
    constant_value(program, function, init)
}

/// Whether `block` holds a loop lowered as a callback (at any depth).
pub fn has_callback_loop(program: &Program, function: &Function, block: &Block) -> bool {
    let mut found = false;
    visit::walk_stmts(block, &mut |stmt| {
        found |= is_callback_loop(program, function, stmt);
    });
    found
}

/// One stack frame of an eBPF function: the function's own (index 0) or
/// a loop callback's, with the frames of the callbacks it calls.
#[derive(Clone, Debug, Default)]
pub struct StackFrame {
    /// Bytes of its locals (a by-reference binding is a pointer), plus the
    /// context structs of the callbacks it calls (estimated: a pointer per
    /// local the body reaches, and the exit fields).
    pub bytes: u64,
    /// The locals it holds.
    pub locals: Vec<LocalId>,
    /// The buffers of built strings its statements need
    /// (`ir::strings::buffers`): each one's span and size.
    pub buffers: Vec<(Span, u64)>,
    /// The callbacks it calls (indices into the frames).
    pub children: Vec<usize>,
}

/// The stack frames of eBPF function `function`: `[0]` is the function's
/// own, the others its loop callbacks (`bpf_loop` bodies and
/// `for (k, v) in m` bodies), so that a loop counts as a call.
pub fn stack_frames(program: &Program, function: &Function) -> Vec<StackFrame> {
    let mut frames = vec![StackFrame::default()];
    let param_count = function.params.len();
    let mut placed = std::collections::BTreeSet::new();
    place_block(
        program,
        function,
        &function.body,
        0,
        &mut frames,
        &mut placed,
    );
    // Locals no statement declares (found flags, named returns) live in
    // the function's own frame.
    for index in param_count..function.locals.len() {
        let local = LocalId(index as u32);
        if !placed.contains(&local) {
            frames[0].locals.push(local);
        }
    }
    for frame in &mut frames {
        frame.bytes += frame
            .locals
            .iter()
            .map(|local| {
                let def = function.local(*local);
                if def.by_reference {
                    8
                } else {
                    def.ty.size(program)
                }
            })
            .sum::<u64>();
        frame.bytes += frame.buffers.iter().map(|(_, size)| size).sum::<u64>();
    }
    frames
}

/// The most bytes a chain of frames starting at `frames[index]` holds.
pub fn stack_depth(frames: &[StackFrame], index: usize) -> u64 {
    let deepest = frames[index]
        .children
        .iter()
        .map(|child| stack_depth(frames, *child))
        .max()
        .unwrap_or(0);
    frames[index].bytes + deepest
}

fn place_block(
    program: &Program,
    function: &Function,
    block: &Block,
    frame: usize,
    frames: &mut Vec<StackFrame>,
    placed: &mut std::collections::BTreeSet<LocalId>,
) {
    for stmt in &block.stmts {
        place_stmt(program, function, stmt, frame, frames, placed);
    }
}

fn place_stmt(
    program: &Program,
    function: &Function,
    stmt: &Stmt,
    frame: usize,
    frames: &mut Vec<StackFrame>,
    placed: &mut std::collections::BTreeSet<LocalId>,
) {
    let mut place = |local: LocalId, frames: &mut Vec<StackFrame>, frame: usize| {
        if placed.insert(local) {
            frames[frame].locals.push(local);
        }
    };
    let callback = is_callback_loop(program, function, stmt)
        || matches!(stmt.kind, StmtKind::ForEachMap { .. });
    let inner = if callback {
        frames.push(StackFrame::default());
        let child = frames.len() - 1;
        frames[frame].children.push(child);
        // The context struct, in the caller's frame.
        let mut reached = std::collections::BTreeSet::new();
        for block in visit::child_blocks(stmt) {
            visit::walk_block_exprs(block, &mut |expr| {
                if let ExprKind::Local(local) = expr.kind {
                    reached.insert(local);
                }
            });
        }
        frames[frame].bytes += 8 * reached.len() as u64 + 24;
        child
    } else {
        frame
    };
    frames[frame].buffers.extend(super::strings::buffers(stmt));
    match &stmt.kind {
        StmtKind::Let { local, .. } => place(*local, frames, frame),
        StmtKind::IfLetMap { binding, .. } | StmtKind::IfLetPointer { binding, .. } => {
            place(*binding, frames, frame)
        }
        StmtKind::ForRange { var, .. } => place(*var, frames, inner),
        StmtKind::ForEachMap { key, value, .. } => {
            // Pointer parameters of the callback: no stack.
            placed.insert(*key);
            placed.extend(*value);
        }
        _ => {}
    }
    for block in visit::child_blocks(stmt) {
        let target = match &stmt.kind {
            StmtKind::ForRange { .. } | StmtKind::While { .. } | StmtKind::ForEachMap { .. } => {
                inner
            }
            _ => frame,
        };
        place_block(program, function, block, target, frames, placed);
    }
    // Statements of `match` arms run where their expression does.
    let mut arm_stmts = Vec::new();
    for expr in visit::stmt_exprs(stmt) {
        visit::walk_exprs(expr, &mut |expr| {
            if let ExprKind::Match { arms, .. } = &expr.kind {
                for arm in arms {
                    arm_stmts.extend(arm.stmts.iter());
                }
            }
        });
    }
    for arm_stmt in arm_stmts {
        place_stmt(program, function, arm_stmt, frame, frames, placed);
    }
}
