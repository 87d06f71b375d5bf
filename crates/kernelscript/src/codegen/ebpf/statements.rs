//! Statements: declarations, assignments, control flow, `try`/`throw`,
//! `defer`. Map statements are in `maps.rs`, `match` in `matching.rs`.
//!
//! Every statement is preceded by a `#line` directive when the C text has
//! drifted from its source line. Blocks are always braced; `else if`
//! chains stay flat.

use crate::ir::{BinaryOp, Block, Catch, Expr, ExprKind, LocalId, Stmt, StmtKind, Type};

use super::expressions::is_signed_int;
use super::functions::{FunctionEmitter, LoopKind};
use super::matching::{self, Sink};
use super::types::{declaration, is_array_like, zero_initializer};
use super::{iteration, maps, visit};

pub(super) fn emit_stmts<'a>(emitter: &mut FunctionEmitter<'_, 'a>, stmts: &'a [Stmt]) {
    for stmt in stmts {
        emit_stmt(emitter, stmt);
    }
}

/// Emits `block`'s statements inside the `{` `}` the caller opened, in a
/// new naming scope.
pub(super) fn emit_block_body<'a>(emitter: &mut FunctionEmitter<'_, 'a>, block: &'a Block) {
    emitter.open_scope();
    emitter.block_depth += 1;
    emit_stmts(emitter, &block.stmts);
    emitter.block_depth -= 1;
    emitter.close_scope();
}

pub(super) fn emit_stmt<'a>(emitter: &mut FunctionEmitter<'_, 'a>, stmt: &'a Stmt) {
    emitter.map_line(stmt.span);
    match &stmt.kind {
        StmtKind::Let { local, init } => emit_let(emitter, *local, init.as_ref()),
        StmtKind::Assign { target, op, value } => match op {
            Some(op @ (BinaryOp::Div | BinaryOp::Rem)) if is_signed_int(&target.ty) => {
                let target = emitter.place(target).text;
                let value = emitter.operand(value).text;
                let quotient = emitter.signed_division(*op, &target, &value);
                emitter.out.line(format!("{target} = {quotient};"));
            }
            Some(op) if maps::atomic_assignment(emitter, target, *op).is_some() => {
                let builtin = maps::atomic_assignment(emitter, target, *op).expect("checked");
                let target = emitter.address_of(target).text;
                let value = emitter.expr(value).text;
                emitter.out.line(format!("{builtin}({target}, {value});"));
            }
            Some(op @ (BinaryOp::Shl | BinaryOp::Shr))
                if crate::codegen::arithmetic::needs_definition(*op, &target.ty, value) =>
            {
                let target_text = emitter.place(target).text;
                let shifted = emitter.masked_shift(*op, &target_text, &target.ty, value);
                emitter.out.line(format!("{target_text} = {shifted};"));
            }
            Some(op) => {
                let target = emitter.place(target).text;
                let value = emitter.expr(value).text;
                emitter
                    .out
                    .line(format!("{target} {}= {value};", op.symbol()));
            }
            None => emit_assign(emitter, target, value),
        },
        StmtKind::MapStore { map, key, value } => maps::emit_store(emitter, *map, key, value),
        StmtKind::MapCompound {
            map,
            key,
            op,
            value,
        } => maps::emit_compound(emitter, *map, key, *op, value),
        StmtKind::MapFieldUpdate {
            map,
            key,
            path,
            op,
            value,
        } => maps::emit_field_update(emitter, *map, key, path, *op, value),
        StmtKind::MapDelete { map, key } => maps::emit_delete(emitter, *map, key),
        StmtKind::Expr(expr) => match &expr.kind {
            ExprKind::Match { scrutinee, arms } => {
                matching::emit_match(emitter, scrutinee, arms, &expr.ty, Sink::Discard)
            }
            _ => {
                let text = emitter.expr(expr).text;
                emitter.out.line(format!("{text};"));
            }
        },
        StmtKind::If {
            condition,
            then_block,
            else_block,
        } => emit_if(emitter, condition, then_block, else_block.as_ref()),
        StmtKind::IfLetMap {
            binding,
            map,
            key,
            then_block,
            else_block,
        } => maps::emit_if_let(
            emitter,
            *binding,
            *map,
            key,
            then_block,
            else_block.as_ref(),
        ),
        StmtKind::IfLetPointer {
            binding,
            value,
            then_block,
            else_block,
        } => emit_if_let_pointer(emitter, *binding, value, then_block, else_block.as_ref()),
        StmtKind::ForRange {
            var,
            start,
            end,
            body,
        } => emit_for_range(emitter, *var, start, end, body),
        StmtKind::ForEachMap {
            key,
            value,
            map,
            body,
        } => iteration::emit_for_each(emitter, *key, *value, *map, body, stmt.span),
        StmtKind::While { condition, body } => {
            let condition = emitter.expr(condition).text;
            emitter.out.open_block(format!("while ({condition})"));
            emit_loop_body(emitter, body, LoopKind::Plain);
            emitter.out.close_block();
        }
        StmtKind::Break => match emitter.loops.last() {
            Some(LoopKind::MapCallback) => emitter.out.line("return 1;"),
            _ => emitter.out.line("break;"),
        },
        StmtKind::Continue => match emitter.loops.last() {
            Some(LoopKind::MapCallback) => emitter.out.line("return 0;"),
            _ => emitter.out.line("continue;"),
        },
        StmtKind::Return(value) => emitter.emit_return(value.as_ref(), stmt.span),
        StmtKind::Try { body, catches } => emit_try(emitter, body, catches, stmt),
        StmtKind::Throw(code) => emitter.emit_throw(code, stmt.span),
        StmtKind::Defer(call) => emitter.register_defer(stmt, call),
        StmtKind::Block(block) => {
            emitter.out.open_block("");
            emit_block_body(emitter, block);
            emitter.out.close_block();
        }
    }
}

/// `var x [= init]`: declared where introduced, always initialised (zero
/// when the source gives no value, so the verifier never sees an
/// uninitialised read).
fn emit_let<'a>(emitter: &mut FunctionEmitter<'_, 'a>, local: LocalId, init: Option<&'a Expr>) {
    let ty = emitter.function.local(local).ty.clone();
    if let Some(
        init @ Expr {
            kind: ExprKind::Match { scrutinee, arms },
            ..
        },
    ) = init
    {
        let has_default = arms.iter().any(|arm| arm.pattern.is_none());
        let name = emitter.declare_local(local);
        let decl = declaration(emitter.program, &ty, &name);
        if has_default {
            emitter.out.line(format!("{decl};"));
        } else {
            emitter
                .out
                .line(format!("{decl} = {};", zero_initializer(&ty)));
        }
        return matching::emit_match(emitter, scrutinee, arms, &init.ty, Sink::Assign(name));
    }
    // The initialiser is evaluated before the name is declared: it cannot
    // see the new local, only an outer one it may shadow.
    let value = init.map(|init| {
        if is_array_like(&ty) && !matches!(init.kind, ExprKind::ArrayLit(_) | ExprKind::Str(_)) {
            Err(emitter.expr(init).text)
        } else {
            Ok(emitter.initializer(init))
        }
    });
    let name = emitter.declare_local(local);
    let decl = declaration(emitter.program, &ty, &name);
    match value {
        None => emitter
            .out
            .line(format!("{decl} = {};", zero_initializer(&ty))),
        Some(Ok(value)) => emitter.out.line(format!("{decl} = {value};")),
        Some(Err(source)) => {
            // Arrays cannot be initialised from another array in C; a
            // narrower string leaves the tail, which starts zeroed.
            let size = copy_size(&ty, &init.expect("has an initialiser").ty, &name);
            if size.starts_with("sizeof") {
                emitter.out.line(format!("{decl};"));
            } else {
                emitter
                    .out
                    .line(format!("{decl} = {};", zero_initializer(&ty)));
            }
            emitter
                .out
                .line(format!("__builtin_memcpy({name}, {source}, {size});"));
        }
    }
}

/// How many bytes copying a `source`-typed array or string into the C
/// object `target_text` of type `target` takes: a narrower string (its
/// capacity includes the NUL) copies only its own bytes, never past them.
pub(super) fn copy_size(target: &Type, source: &Type, target_text: &str) -> String {
    match (target, source) {
        (Type::Str(to), Type::Str(from)) if from < to => from.to_string(),
        _ => format!("sizeof({target_text})"),
    }
}

/// `target = value`: arrays and strings are copied, a `match` assigns in
/// each arm.
fn emit_assign<'a>(emitter: &mut FunctionEmitter<'_, 'a>, target: &'a Expr, value: &'a Expr) {
    if let ExprKind::Match { scrutinee, arms } = &value.kind {
        let target = emitter.place(target).text;
        return matching::emit_match(emitter, scrutinee, arms, &value.ty, Sink::Assign(target));
    }
    let target_text = emitter.place(target).text;
    if is_array_like(&target.ty) {
        let size = match (&target.ty, &value.kind) {
            // Copy the literal's bytes and its NUL, but never past the end.
            (Type::Str(capacity), ExprKind::Str(text)) => (text.len() as u64 + 1)
                .min(u64::from(*capacity))
                .to_string(),
            _ => copy_size(&target.ty, &value.ty, &target_text),
        };
        let source = match &value.kind {
            ExprKind::ArrayLit(_) => emitter.compound_literal(value),
            _ => emitter.expr(value).text,
        };
        emitter.out.line(format!(
            "__builtin_memcpy({target_text}, {source}, {size});"
        ));
        return;
    }
    let value = emitter.expr(value).text;
    emitter.out.line(format!("{target_text} = {value};"));
}

fn emit_if<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    condition: &'a Expr,
    then_block: &'a Block,
    else_block: Option<&'a Block>,
) {
    let condition = emitter.condition(condition);
    emitter.out.open_block(format!("if ({condition})"));
    emit_block_body(emitter, then_block);
    let mut else_block = else_block;
    while let Some(block) = else_block {
        match block.stmts.as_slice() {
            [Stmt {
                kind:
                    StmtKind::If {
                        condition,
                        then_block,
                        else_block: next,
                    },
                span,
            }] => {
                emitter.map_line(*span);
                let condition = emitter.condition(condition);
                emitter.out.reopen_block(format!("else if ({condition})"));
                emit_block_body(emitter, then_block);
                else_block = next.as_ref();
            }
            _ => {
                emitter.out.reopen_block("else");
                emit_block_body(emitter, block);
                else_block = None;
            }
        }
    }
    emitter.out.close_block();
}

/// `if (var p = pointer_expr) { } else { }`: one evaluation, a null check.
fn emit_if_let_pointer<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    binding: LocalId,
    value: &'a Expr,
    then_block: &'a Block,
    else_block: Option<&'a Block>,
) {
    let value_text = emitter.expr(value).text;
    let local = emitter.function.local(binding);
    // A by-reference binding has the pointee's type; the C local is the
    // pointer either way.
    let pointer_ty = if local.by_reference {
        Type::Pointer(Box::new(local.ty.clone()))
    } else {
        local.ty.clone()
    };
    let name = emitter.declare_local(binding);
    let decl = declaration(emitter.program, &pointer_ty, &name);
    emitter.out.line(format!("{decl} = {value_text};"));
    emit_if_present(emitter, &name, then_block, else_block);
}

/// `if (name) { then } else { else }`, shared by the `if (var ...)` forms.
pub(super) fn emit_if_present<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    pointer: &str,
    then_block: &'a Block,
    else_block: Option<&'a Block>,
) {
    emitter.out.open_block(format!("if ({pointer})"));
    emit_block_body(emitter, then_block);
    if let Some(else_block) = else_block {
        emitter.out.reopen_block("else");
        emit_block_body(emitter, else_block);
    }
    emitter.out.close_block();
}

/// `for (i in start..end)`: a C `for` loop over the half-open range. An end
/// bound that is not a plain value is computed once, before the loop.
fn emit_for_range<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    var: LocalId,
    start: &'a Expr,
    end: &'a Expr,
    body: &'a Block,
) {
    let start = emitter.expr(start).text;
    let ty = emitter.function.local(var).ty.clone();
    let end_text = if is_plain_value(end) {
        emitter.expr(end).text
    } else {
        let end_value = emitter.expr(end).text;
        let base = format!("{}_end", emitter.function.local(var).name);
        let name = emitter.temp(&base);
        let decl = declaration(emitter.program, &ty, &name);
        emitter.out.line(format!("{decl} = {end_value};"));
        name
    };
    emitter.open_scope();
    let name = emitter.declare_local(var);
    let decl = declaration(emitter.program, &ty, &name);
    emitter.out.open_block(format!(
        "for ({decl} = {start}; {name} < {end_text}; {name}++)"
    ));
    emit_loop_body(emitter, body, LoopKind::Plain);
    emitter.out.close_block();
    emitter.close_scope();
}

pub(super) fn emit_loop_body<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    body: &'a Block,
    kind: LoopKind,
) {
    emitter.loops.push(kind);
    emit_block_body(emitter, body);
    emitter.loops.pop();
}

/// `try { } catch N { } ...`:
///
/// ```c
/// {
///     ... error = N; goto catch; ...
/// }
/// goto try_end;          (when the body can finish normally)
/// catch:
/// if (error == N) { } else { goto outer_catch / return failure; }
/// try_end:;
/// ```
fn emit_try<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    body: &'a Block,
    catches: &'a [Catch],
    stmt: &'a Stmt,
) {
    let mut throws = false;
    visit::walk_stmts(body, &mut |inner| {
        throws |= matches!(inner.kind, StmtKind::Throw(_))
    });
    if !throws || emitter.error_code.is_none() {
        // Nothing can be caught: the body is all there is.
        emitter.out.open_block("");
        emit_block_body(emitter, body);
        emitter.out.close_block();
        return;
    }
    let catch_label = emitter.label("catch");
    let error = emitter.error_code.clone().expect("checked above");
    emitter.tries.push(catch_label.clone());
    emitter.out.line("/* try */");
    emitter.out.open_block("");
    emit_block_body(emitter, body);
    emitter.out.close_block();
    emitter.tries.pop();

    let catches_complete = catches.iter().any(|catch| catch.body.completes);
    let end_label = (body.completes || catches_complete).then(|| emitter.label("try_end"));
    if let (Some(end_label), true) = (&end_label, body.completes) {
        emitter.out.line(format!("goto {end_label};"));
    }
    emitter.out.unindented(format!("{catch_label}:"));
    let catch_all = catches.iter().find(|catch| catch.code.is_none());
    let coded: Vec<&Catch> = catches
        .iter()
        .filter(|catch| catch.code.is_some())
        .collect();
    if coded.is_empty() {
        match catch_all {
            Some(catch) => {
                emitter.map_line(catch.span);
                emitter.out.open_block("");
                emit_block_body(emitter, &catch.body);
                emitter.out.close_block();
            }
            None => emitter.emit_rethrow(stmt.span),
        }
    } else {
        for (index, catch) in coded.iter().enumerate() {
            emitter.map_line(catch.span);
            let code = catch.code.expect("filtered");
            let condition = format!("{error} == {code}");
            if index == 0 {
                emitter.out.open_block(format!("if ({condition})"));
            } else {
                emitter.out.reopen_block(format!("else if ({condition})"));
            }
            emit_block_body(emitter, &catch.body);
        }
        match catch_all {
            Some(catch) => {
                emitter.map_line(catch.span);
                emitter.out.reopen_block("else");
                emit_block_body(emitter, &catch.body);
            }
            None => {
                emitter.out.reopen_block("else");
                emitter.emit_rethrow(stmt.span);
            }
        }
        emitter.out.close_block();
    }
    if let Some(end_label) = end_label {
        emitter.out.unindented(format!("{end_label}:;"));
    }
}

/// Whether `expr` can be evaluated again at no cost and without effects
/// (a literal, constant or variable, possibly cast or combined).
pub(super) fn is_plain_value(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Int(..)
        | ExprKind::Bool(_)
        | ExprKind::Char(_)
        | ExprKind::Const(_)
        | ExprKind::EnumVariant { .. }
        | ExprKind::Local(_)
        | ExprKind::Global(_)
        | ExprKind::ConfigField { .. }
        | ExprKind::Sizeof(_) => true,
        ExprKind::Cast(inner) => is_plain_value(inner),
        ExprKind::Field { base, .. } => is_plain_value(base),
        ExprKind::Unary { operand, .. } => is_plain_value(operand),
        ExprKind::Binary { lhs, rhs, .. } => is_plain_value(lhs) && is_plain_value(rhs),
        _ => false,
    }
}
