//! `match`: a `switch` (or an `if`/`else if` chain) when the match is a
//! statement of its own, returned or assigned; a `?:` chain when it sits
//! inside another expression and its arms are plain values; otherwise a GNU
//! statement expression `({ ... })` holding the statement form.
//!
//! `switch` needs integer-like scrutinees and constant patterns, and is
//! avoided when an arm would `break` out of an enclosing loop (a `break`
//! inside a `switch` would only leave the `switch`).

use crate::ir::{Expr, ExprKind, MatchArm, Type};

use super::expressions::{CExpr, CONDITIONAL};
use super::functions::FunctionEmitter;
use super::statements::{self, is_plain_value};
use super::types::{declaration, is_array_like, zero_initializer};
use super::visit;

/// Where the value of a statement-level `match` goes.
#[derive(Clone, Debug)]
pub(super) enum Sink {
    /// `return` it from the function (arm values may be tail calls).
    Return,
    /// Assign it to this lvalue.
    Assign(String),
    /// Evaluate it for its effects only.
    Discard,
}

pub(super) fn emit_match<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    scrutinee: &'a Expr,
    arms: &'a [MatchArm],
    _ty: &Type,
    sink: Sink,
) {
    let switchable = is_switch_type(&scrutinee.ty)
        && arms
            .iter()
            .all(|arm| arm.pattern.as_ref().is_none_or(is_case_label))
        && !arms
            .iter()
            .any(|arm| visit::breaks_enclosing_loop(&arm.stmts));
    if switchable {
        emit_switch(emitter, scrutinee, arms, &sink);
    } else {
        emit_if_chain(emitter, scrutinee, arms, &sink);
    }
}

fn emit_switch<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    scrutinee: &'a Expr,
    arms: &'a [MatchArm],
    sink: &Sink,
) {
    let subject = emitter.expr(scrutinee).text;
    emitter.out.open_block(format!("switch ({subject})"));
    for arm in arms {
        let label = match &arm.pattern {
            Some(pattern) => format!("case {}:", emitter.expr(pattern).text),
            None => "default:".to_string(),
        };
        // Kernel style: labels at the `switch`'s indentation.
        emitter.out.dedent();
        if let Some(result) = one_line_result(emitter, arm, sink) {
            // `case 80: return XDP_PASS;`: a table like the source's, and
            // each arm stays on its source line.
            emitter.map_line(arm.span);
            emitter.out.line(format!("{label} {result}"));
            emitter.out.indent();
        } else if arm.stmts.is_empty() {
            emitter.out.line(label);
            emitter.out.indent();
            emit_arm_result(emitter, arm, sink, true);
        } else {
            // Braced, so the arm may declare locals.
            emitter.out.open_block(label);
            emitter.open_scope();
            statements::emit_stmts(emitter, &arm.stmts);
            emit_arm_result(emitter, arm, sink, true);
            emitter.close_scope();
            emitter.out.close_block();
            emitter.out.indent();
        }
    }
    emitter.out.close_block();
}

fn emit_if_chain<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    scrutinee: &'a Expr,
    arms: &'a [MatchArm],
    sink: &Sink,
) {
    let tests = arms.iter().filter(|arm| arm.pattern.is_some()).count();
    let subject = if tests <= 1 || is_plain_value(scrutinee) {
        emitter.expr(scrutinee)
    } else {
        // Evaluate the scrutinee once.
        let value = emitter.expr(scrutinee).text;
        let name = emitter.temp("matched");
        let decl = declaration(emitter.program, &scrutinee.ty, &name);
        emitter.out.line(format!("{decl} = {value};"));
        CExpr::primary(name)
    };
    let coded: Vec<&MatchArm> = arms.iter().filter(|arm| arm.pattern.is_some()).collect();
    let default = arms.iter().find(|arm| arm.pattern.is_none());
    for (index, arm) in coded.iter().enumerate() {
        if index > 0 {
            // The test is code of this arm; the first one shares the
            // `match` line.
            emitter.map_line(arm.span);
        }
        let pattern = arm.pattern.as_ref().expect("filtered");
        let test = pattern_test(emitter, &subject, &scrutinee.ty, pattern);
        if index == 0 {
            emitter.out.open_block(format!("if ({test})"));
        } else {
            emitter.out.reopen_block(format!("else if ({test})"));
        }
        emit_arm_body(emitter, arm, sink);
    }
    if let Some(arm) = default {
        if coded.is_empty() {
            emitter.out.open_block("");
        } else {
            emitter.out.reopen_block("else");
        }
        emit_arm_body(emitter, arm, sink);
    }
    if !coded.is_empty() || default.is_some() {
        emitter.out.close_block();
    }
}

fn emit_arm_body<'a>(emitter: &mut FunctionEmitter<'_, 'a>, arm: &'a MatchArm, sink: &Sink) {
    emitter.open_scope();
    statements::emit_stmts(emitter, &arm.stmts);
    emit_arm_result(emitter, arm, sink, false);
    emitter.close_scope();
}

/// The whole of a statement-free arm's result as one line of C, when it is
/// that short: `return X;`, `v = X; break;`, `break;`.
fn one_line_result<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    arm: &'a MatchArm,
    sink: &Sink,
) -> Option<String> {
    if !arm.stmts.is_empty() {
        return None;
    }
    let value = arm.value.as_ref()?;
    let simple = !matches!(
        value.kind,
        ExprKind::Match { .. }
            | ExprKind::Call {
                callee: crate::ir::Callee::TailCall(_),
                ..
            }
    ) && !is_array_like(&value.ty);
    if !simple {
        return None;
    }
    match sink {
        Sink::Return => {
            let plain_return = emitter.defers.is_empty()
                && emitter.function.ret != Type::Void
                && value.ty != Type::Void
                && !emitter.in_map_callback();
            plain_return.then(|| format!("return {};", emitter.expr(value).text))
        }
        Sink::Assign(target) => Some(format!("{target} = {}; break;", emitter.expr(value).text)),
        Sink::Discard if has_effects(value) => {
            Some(format!("{}; break;", emitter.expr(value).text))
        }
        Sink::Discard => Some("break;".to_string()),
    }
}

/// The arm's value delivered to `sink`, then `break;` when in a `switch`
/// and control would otherwise fall into the next case.
fn emit_arm_result<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    arm: &'a MatchArm,
    sink: &Sink,
    in_switch: bool,
) {
    if arm.stmts.is_empty() {
        emitter.map_line(arm.span);
    }
    let Some(value) = &arm.value else {
        // No value: the arm's statements end in `return`/`throw`, or the
        // match is a statement.
        if in_switch && visit::stmts_fall_through(&arm.stmts) {
            emitter.out.line("break;");
        }
        return;
    };
    match sink {
        Sink::Return => emitter.emit_return(Some(value), arm.span),
        Sink::Assign(target) => {
            match &value.kind {
                ExprKind::Match { scrutinee, arms } => {
                    emit_match(emitter, scrutinee, arms, &value.ty, sink.clone())
                }
                _ if is_array_like(&value.ty) => {
                    let source = emitter.expr(value).text;
                    // The target's type is not known here: a narrower
                    // string copies only its own capacity (folded by clang).
                    let size = match &value.ty {
                        Type::Str(capacity) => format!(
                            "({capacity} < sizeof({target}) ? {capacity} : sizeof({target}))"
                        ),
                        _ => format!("sizeof({target})"),
                    };
                    emitter
                        .out
                        .line(format!("__builtin_memcpy({target}, {source}, {size});"));
                }
                _ => {
                    let text = emitter.expr(value).text;
                    emitter.out.line(format!("{target} = {text};"));
                }
            }
            if in_switch {
                emitter.out.line("break;");
            }
        }
        Sink::Discard => {
            match &value.kind {
                ExprKind::Match { scrutinee, arms } => {
                    emit_match(emitter, scrutinee, arms, &value.ty, Sink::Discard)
                }
                _ if has_effects(value) => {
                    let text = emitter.expr(value).text;
                    emitter.out.line(format!("{text};"));
                }
                _ => {}
            }
            if in_switch {
                emitter.out.line("break;");
            }
        }
    }
}

/// A `match` inside another expression.
pub(super) fn match_expression<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    scrutinee: &'a Expr,
    arms: &'a [MatchArm],
    ty: &Type,
) -> CExpr {
    let plain_arms = arms
        .iter()
        .all(|arm| arm.stmts.is_empty() && arm.value.is_some());
    if plain_arms && is_plain_value(scrutinee) && !is_array_like(ty) {
        return conditional_chain(emitter, scrutinee, arms, ty);
    }
    // A GNU statement expression around the statement form.
    let saved_out = std::mem::take(&mut emitter.out);
    let saved_map_lines = std::mem::replace(&mut emitter.map_lines, false);
    emitter.out.indent();
    let result = emitter.temp("result");
    let decl = declaration(emitter.program, ty, &result);
    emitter
        .out
        .line(format!("{decl} = {};", zero_initializer(ty)));
    emit_match(emitter, scrutinee, arms, ty, Sink::Assign(result.clone()));
    emitter.out.line(format!("{result};"));
    emitter.out.dedent();
    let inner = std::mem::replace(&mut emitter.out, saved_out).finish();
    emitter.map_lines = saved_map_lines;
    CExpr::primary(format!("({{\n{}}})", inner))
}

/// `s == A ? a : s == B ? b : d` (zero when nothing matches and there is
/// no `default`).
fn conditional_chain<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    scrutinee: &'a Expr,
    arms: &'a [MatchArm],
    ty: &Type,
) -> CExpr {
    let subject = emitter.expr(scrutinee);
    let mut text = String::new();
    for arm in arms.iter().filter(|arm| arm.pattern.is_some()) {
        let pattern = arm.pattern.as_ref().expect("filtered");
        let test = pattern_test(emitter, &subject, &scrutinee.ty, pattern);
        let value = emitter
            .expr(arm.value.as_ref().expect("plain arm"))
            .at(CONDITIONAL + 1);
        text.push_str(&format!("{test} ? {value} : "));
    }
    let fallback = match arms.iter().find(|arm| arm.pattern.is_none()) {
        Some(arm) => emitter
            .expr(arm.value.as_ref().expect("plain arm"))
            .at(CONDITIONAL),
        None => match ty {
            Type::Struct(_) => format!("({}){{}}", super::types::type_name(emitter.program, ty)),
            other => zero_initializer(other).to_string(),
        },
    };
    if text.is_empty() {
        return CExpr::primary(format!("({fallback})"));
    }
    text.push_str(&fallback);
    CExpr {
        text,
        precedence: CONDITIONAL,
        op: None,
    }
}

/// `subject == pattern`, or a byte comparison for strings.
fn pattern_test<'a>(
    emitter: &mut FunctionEmitter<'_, 'a>,
    subject: &CExpr,
    subject_ty: &Type,
    pattern: &'a Expr,
) -> String {
    match (subject_ty, &pattern.kind) {
        (Type::Bool, ExprKind::Bool(true)) => return subject.text.clone(),
        (Type::Bool, ExprKind::Bool(false)) => return format!("!{}", subject.at(14)),
        _ => {}
    }
    if let (Type::Str(capacity), ExprKind::Str(text)) = (subject_ty, &pattern.kind) {
        let size = (text.len() as u64 + 1).min(u64::from(*capacity));
        let name = emitter.gen.support_function(super::Support::StringsEqual);
        let literal = emitter.expr(pattern).text;
        return format!("{name}({}, {literal}, {size})", subject.text);
    }
    let pattern_text = emitter.expr(pattern).at(10);
    format!("{} == {pattern_text}", subject.at(10))
}

fn is_switch_type(ty: &Type) -> bool {
    // Not `bool`: clang warns about a switch on a boolean.
    matches!(ty, Type::Int(_) | Type::Enum(_) | Type::Char)
}

/// Whether `pattern` is an integer constant expression C accepts after
/// `case`.
fn is_case_label(pattern: &Expr) -> bool {
    match &pattern.kind {
        ExprKind::Int(_)
        | ExprKind::Char(_)
        | ExprKind::Bool(_)
        | ExprKind::Const(_)
        | ExprKind::EnumVariant { .. } => true,
        ExprKind::Unary { operand, .. } | ExprKind::Cast(operand) => is_case_label(operand),
        ExprKind::Binary { lhs, rhs, .. } => is_case_label(lhs) && is_case_label(rhs),
        _ => false,
    }
}

/// Whether evaluating `expr` can do anything besides producing a value.
fn has_effects(expr: &Expr) -> bool {
    let mut effects = false;
    visit::walk_exprs(expr, &mut |expr| {
        effects |= matches!(expr.kind, ExprKind::Call { .. } | ExprKind::Match { .. });
    });
    effects
}
