//! Loops the verifier can afford: `bpf_loop` callbacks
//! (docs/design/kernel-lowering.md §1).
//!
//! A `for (i in a..b)` whose bounds are constants at most
//! `ir::loops::PLAIN_LOOP_LIMIT` apart stays a C loop (the verifier walks
//! it cheaply, clang may unroll it); every other `for`, and every `while`,
//! becomes a callback `bpf_loop` calls once per iteration, so the verifier
//! checks the body once instead of once per iteration:
//!
//! ```c
//! static long f_loop_1(__u64 index, struct f_loop_1 *loop)
//! {
//!         __u32 i = (__u32)index;          /* start + index */
//!         ...                              /* the body */
//!         return 0;
//! }
//!         struct f_loop_1 loop = { ... };  /* the captures (callback.rs) */
//!         if (end > KS_MAX_LOOPS) { ... }  /* the failure exit */
//!         bpf_loop(end, f_loop_1, &loop, 0);
//!         ...                              /* the body's exits */
//! ```
//!
//! Bounds are evaluated once, before the first iteration. `bpf_loop` runs
//! at most `KS_MAX_LOOPS` (2^23) iterations and, asked for more, none: a
//! loop that could need more takes its failure exit first (its own
//! `-E2BIG` cannot be tested: the inlined helper returns it as a 32-bit
//! value). A `while` asks for `KS_MAX_LOOPS` iterations, tests its
//! condition first in the callback, and fails when it is still running
//! after them.

use crate::codegen::c::backend::RangeLoop;
use crate::codegen::c::int_literal;
use crate::codegen::c::lower::{is_plain_value, CallbackSpec, LoopExit, LoweredCallback};
use crate::ir::{loops, visit, BinaryOp, Block, Expr, ExprKind, LocalId, Radix, Stmt, Type};

use super::policy::Cx;
use super::Support;

/// `for (var in start..end)`: a `bpf_loop` callback, or `false` for a
/// plain C loop.
pub(super) fn range_loop<'a>(cx: &mut Cx<'_, 'a>, range: RangeLoop<'a>) -> bool {
    let RangeLoop {
        var,
        start,
        end,
        body,
        span,
        ..
    } = range;
    let (program, function) = (cx.program, cx.function);
    if !loops::is_callback_loop(program, function, range.statement) {
        return false;
    }
    let bounds = loops::constant_bounds(program, function, start, end);
    let Type::Int(int) = function.local(var).ty.clone() else {
        return false;
    };
    let ty = Type::Int(int);
    let c_type = cx.types.name(&ty);
    let start_value = loops::constant_value(program, function, start);

    // The bounds, once, left to right.
    let start_text = match start_value {
        Some(value) => int_literal(value as u64, &ty, Radix::Decimal, false).text,
        None => {
            let text = cx.expr(start).text;
            let name = cx.temp("start");
            cx.out.line(format!("{c_type} {name} = {text};"));
            name
        }
    };
    let end_text = if is_plain_value(end) {
        cx.expr(end).text
    } else {
        let text = cx.expr(end).text;
        let name = cx.temp("end");
        cx.out.line(format!("{c_type} {name} = {text};"));
        name
    };

    // The trip count.
    let count = match bounds {
        Some((0, _)) => end_text.clone(),
        Some((low, high)) => (high - low).max(0).to_string(),
        None if start_value == Some(0) && !int.is_signed() => end_text.clone(),
        None => {
            let difference = if int.is_signed() {
                format!("(__u64)((__s64){end_text} - (__s64){start_text})")
            } else {
                format!("(__u64){end_text} - (__u64){start_text}")
            };
            let name = cx.temp("count");
            cx.out.line(format!(
                "__u64 {name} = {end_text} > {start_text} ? {difference} : 0;"
            ));
            name
        }
    };
    let bounded = match bounds {
        Some((low, high)) => high - low <= loops::MAX_LOOPS,
        None => int.bits() <= 16,
    };

    let (name, number) = callback_name(cx);
    let index = cx.temp("index");
    let start_field = match start_value {
        Some(_) => None,
        None => Some(cx.temp("start")),
    };
    let mut fields = Vec::new();
    if let Some(field) = &start_field {
        fields.push((field.clone(), ty.clone(), start_text.clone()));
    }
    // The verifier sees the index as any u64: where the loop variable
    // reaches memory, a constant trip count is stated again.
    let restate = match bounds {
        Some((low, high)) if indexes_memory(body, var) => Some((high - low).max(0)),
        _ => None,
    };
    let spec = CallbackSpec {
        name: name.clone(),
        body,
        own: vec![var],
        reads: Vec::new(),
        fields,
        records_break: false,
        exit_names: exit_names(cx),
        span,
    };
    let signature = |context: &str| format!("static long {name}(__u64 {index}, {context})");
    let start_for_head = start_text.clone();
    let lowered = cx.lower_callback(spec, &signature, &mut |cx, context| {
        if let Some(count) = restate {
            cx.out.open_block(format!("if ({index} >= {count})"));
            cx.out.line("return 1;");
            cx.out.close_block();
        }
        let var_name = cx.declare_local(var);
        let declaration = cx.local_declaration(var, &var_name);
        let value = match (&start_field, start_value) {
            (Some(field), _) => format!("{context}->{field} + ({c_type}){index}"),
            (None, Some(0)) => format!("({c_type}){index}"),
            (None, _) => format!("{start_for_head} + ({c_type}){index}"),
        };
        cx.out.line(format!("{declaration} = {value};"));
    });
    request_exit_constants(cx, &lowered);
    let (local, argument) = cx.callback_context(&lowered, &format!("loop_{number}"));
    let releases = super::records::release_on_failure(cx, body);
    if !bounded {
        let max = loop_limit(cx);
        cx.out.open_block(format!("if ({count} > {max})"));
        cx.failure_exit(span);
        cx.out.close_block();
    }
    let count = match bounds {
        Some(_) => count,
        None if count == end_text && int.bits() <= 32 => count,
        None => format!("(__u32){count}"),
    };
    call_bpf_loop(cx, &count, &lowered, &argument);
    cx.callback_exits(&lowered, local.as_deref());
    cx.failure_releases.truncate(releases);
    true
}

/// `while (condition) { body }`: always a `bpf_loop` callback in eBPF.
pub(super) fn while_loop<'a>(
    cx: &mut Cx<'_, 'a>,
    statement: &'a Stmt,
    condition: &'a Expr,
    body: &'a Block,
) -> bool {
    if !loops::is_callback_loop(cx.program, cx.function, statement) {
        return false;
    }
    let span = statement.span;
    let (name, number) = callback_name(cx);
    let index = cx.temp("index");
    let spec = CallbackSpec {
        name: name.clone(),
        body,
        own: Vec::new(),
        reads: vec![condition],
        fields: Vec::new(),
        records_break: true,
        exit_names: exit_names(cx),
        span,
    };
    let signature = |context: &str| format!("static long {name}(__u64 {index}, {context})");
    let always = matches!(condition.kind, ExprKind::Bool(true))
        || matches!(condition.kind, ExprKind::Int(value, _) if value != 0);
    let lowered = cx.lower_callback(spec, &signature, &mut |cx, _context| {
        cx.out.line(format!("(void){index};"));
        if always {
            return;
        }
        cx.map_line(condition.span);
        cx.hoist(condition, true);
        let test = cx.condition(condition);
        cx.out.open_block(format!("if (!({test}))"));
        cx.leave_callback(LoopExit::Break, None);
        cx.out.close_block();
    });
    request_exit_constants(cx, &lowered);
    let (local, argument) = cx.callback_context(&lowered, &format!("loop_{number}"));
    let releases = super::records::release_on_failure(cx, body);
    let max = loop_limit(cx);
    call_bpf_loop(cx, &max, &lowered, &argument);
    if let Some(local) = &local {
        // Still running after the most iterations bpf_loop gives.
        let exit = cx.context_fields().exit;
        let next = lowered.exit_names.name(LoopExit::Next).to_string();
        cx.out.open_block(format!("if ({local}.{exit} == {next})"));
        cx.failure_exit(span);
        cx.out.close_block();
    }
    cx.callback_exits(&lowered, local.as_deref());
    cx.failure_releases.truncate(releases);
    true
}

/// `bpf_loop(count, callback, context, 0);`
fn call_bpf_loop(cx: &mut Cx<'_, '_>, count: &str, lowered: &LoweredCallback<'_>, context: &str) {
    cx.out.line(format!(
        "bpf_loop({count}, {}, {context}, 0);",
        lowered.name
    ));
}

/// `FUNCTION_loop_N`, a file-scope name (callback and context struct),
/// and `N`.
fn callback_name(cx: &mut Cx<'_, '_>) -> (String, usize) {
    cx.backend.loops += 1;
    let number = cx.backend.loops;
    let base = format!("{}_loop_{number}", cx.names.function(cx.backend.current));
    let name = cx.backend.gen.scope.names.fresh(&base);
    cx.reserve_file_name(&name);
    (name, number)
}

/// The C names of the loop exit constants.
fn exit_names(cx: &mut Cx<'_, '_>) -> crate::codegen::c::lower::LoopExitNames {
    cx.backend.gen.loop_exit_names()
}

/// Requests the definition of the loop exit constants when `lowered`
/// records an exit.
pub(super) fn request_exit_constants(cx: &mut Cx<'_, '_>, lowered: &LoweredCallback<'_>) {
    if lowered.context_has_exit {
        cx.backend.gen.support_function(Support::LoopExits);
    }
}

/// `KS_MAX_LOOPS` (requesting its definition).
fn loop_limit(cx: &mut Cx<'_, '_>) -> String {
    cx.backend.gen.support_function(Support::LoopExits);
    cx.backend.gen.max_loops_name()
}

/// Whether loop variable `var` is used as an index or in pointer
/// arithmetic in `body`.
fn indexes_memory(body: &Block, var: LocalId) -> bool {
    let uses = |expr: &Expr| {
        let mut found = false;
        visit::walk_exprs(expr, &mut |inner| {
            found |= matches!(inner.kind, ExprKind::Local(id) if id == var);
        });
        found
    };
    let mut indexes = false;
    visit::walk_block_exprs(body, &mut |expr| match &expr.kind {
        ExprKind::Index { base, index } if !matches!(base.ty, Type::Map(_)) => {
            indexes |= uses(index);
        }
        ExprKind::Binary {
            op: BinaryOp::Add | BinaryOp::Sub,
            lhs,
            rhs,
        } if expr.ty.is_pointer() => {
            indexes |= uses(lhs) || uses(rhs);
        }
        _ => {}
    });
    indexes
}
