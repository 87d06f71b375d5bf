//! `match` expressions.
//!
//! The scrutinee is an integer, enum, `char` or `bool`. Patterns are
//! constants (literals, constants, enum variants) compatible with it; an
//! enum and an integer match by value. A pattern may appear once, and
//! `default` must come last. As a value, a match must be exhaustive (a
//! `default` arm, or every enum variant / both booleans), and its arms meet
//! at one type: the expected type when the context has one, otherwise the
//! type of the typed arms (integer literal arms take it). A block arm's
//! value is its trailing expression; an arm ending in `return` or `throw`
//! has none. In `return` position each arm is in `return` position too, so
//! an arm may be a tail call. Used as a statement, arms may be anything.

use crate::ir::{self, ExprKind, MatchArm, Type};
use crate::span::Span;
use crate::syntax::ast;

use super::exprs::{error_expr, is_untyped_int, node, Position};
use super::types::common_int;
use super::{errors, Checker};

impl Checker<'_> {
    pub(crate) fn match_expr(
        &mut self,
        scrutinee: &ast::Expr,
        arms: &[ast::MatchArm],
        expected: Option<&Type>,
        position: Position,
        span: Span,
    ) -> ir::Expr {
        let scrutinee_expr = self.expr(scrutinee, None);
        let scrutinee_ty = scrutinee_expr.ty.clone();
        if !matches!(
            scrutinee_ty,
            Type::Int(_) | Type::Enum(_) | Type::Char | Type::Bool | Type::Error
        ) {
            let found = self.type_name(&scrutinee_ty);
            self.report(errors::bad_scrutinee(scrutinee.span, &found));
        }
        let arm_expected = match (position, expected) {
            (Position::Statement, _) | (_, None | Some(Type::Error)) => None,
            (_, Some(ty)) => Some(ty.clone()),
        };
        let mut seen: Vec<(i128, Span)> = Vec::new();
        let mut default_span: Option<Span> = None;
        let mut lowered = Vec::with_capacity(arms.len());
        let mut deferred = Vec::new();
        for (index, arm) in arms.iter().enumerate() {
            if let Some(default_span) = default_span {
                self.report(errors::arm_after_default(arm.span, default_span));
            }
            let pattern = match &arm.pattern {
                ast::MatchPattern::Value(pattern) => {
                    self.pattern(pattern, &scrutinee_ty, &mut seen)
                }
                ast::MatchPattern::Default(span) => {
                    default_span = Some(*span);
                    None
                }
            };
            let defer = arm_expected.is_none()
                && position != Position::Statement
                && matches!(&arm.body, ast::MatchArmBody::Expr(e) if is_untyped_int(e));
            let (stmts, value) = if defer {
                deferred.push(index);
                (Vec::new(), None)
            } else {
                self.arm_body(&arm.body, arm_expected.as_ref(), position)
            };
            lowered.push(MatchArm {
                pattern,
                stmts,
                value,
                completes: true,
                span: arm.span,
            });
        }
        if position == Position::Statement {
            let arms = lowered;
            return node(
                ExprKind::Match {
                    scrutinee: Box::new(scrutinee_expr),
                    arms,
                },
                Type::Void,
                span,
            );
        }
        let result = match arm_expected {
            Some(ty) => Some(ty),
            None => {
                let literal_spans: Vec<Option<Span>> = arms
                    .iter()
                    .enumerate()
                    .map(|(index, arm)| deferred.contains(&index).then_some(arm.span))
                    .collect();
                self.unify_arms(&lowered, &literal_spans)
            }
        };
        for index in deferred {
            let ast::MatchArmBody::Expr(e) = &arms[index].body else {
                continue;
            };
            let hint = result
                .as_ref()
                .filter(|ty| matches!(ty, Type::Int(_) | Type::Enum(_)));
            lowered[index].value = Some(self.expr(e, hint));
        }
        let result = result.or_else(|| {
            lowered
                .iter()
                .find_map(|arm| arm.value.as_ref().map(|value| value.ty.clone()))
        });
        let Some(result) = result else {
            return node(
                ExprKind::Match {
                    scrutinee: Box::new(scrutinee_expr),
                    arms: lowered,
                },
                Type::Void,
                span,
            );
        };
        for arm in &mut lowered {
            if let Some(value) = arm.value.take() {
                let value_span = value.span;
                arm.value = Some(self.coerce(value, &result, value_span));
            }
        }
        if default_span.is_none() {
            self.check_exhaustive(&scrutinee_ty, &seen, span);
        }
        if lowered.iter().any(|arm| {
            arm.value
                .as_ref()
                .is_some_and(|value| value.ty == Type::Error)
        }) || result == Type::Error
        {
            return error_expr(span);
        }
        node(
            ExprKind::Match {
                scrutinee: Box::new(scrutinee_expr),
                arms: lowered,
            },
            result,
            span,
        )
    }

    /// A constant pattern; records its value in `seen`.
    fn pattern(
        &mut self,
        pattern: &ast::Expr,
        scrutinee: &Type,
        seen: &mut Vec<(i128, Span)>,
    ) -> Option<ir::Expr> {
        let checked = self.expr(pattern, Some(scrutinee));
        if checked.ty == Type::Error || *scrutinee == Type::Error {
            return Some(checked);
        }
        let compatible = match (scrutinee, &checked.ty) {
            (Type::Int(a), Type::Int(b)) => common_int(*a, *b).is_some(),
            (Type::Int(_), Type::Enum(_)) | (Type::Enum(_), Type::Int(_)) => true,
            (Type::Char, Type::Char | Type::Int(_)) => true,
            (a, b) => a == b,
        };
        if !compatible {
            let (expected, found) = (self.type_name(scrutinee), self.type_name(&checked.ty));
            self.report(errors::pattern_type_mismatch(
                pattern.span,
                &expected,
                &found,
            ));
            return Some(error_expr(pattern.span));
        }
        let Some(value) = self.eval(&checked) else {
            self.report(errors::pattern_not_constant(pattern.span));
            return Some(error_expr(pattern.span));
        };
        if let Some((_, earlier)) = seen.iter().find(|(seen_value, _)| *seen_value == value) {
            self.report(errors::duplicate_pattern(pattern.span, value, *earlier));
        } else {
            seen.push((value, pattern.span));
        }
        Some(checked)
    }

    /// The statements and value of one arm.
    fn arm_body(
        &mut self,
        body: &ast::MatchArmBody,
        expected: Option<&Type>,
        position: Position,
    ) -> (Vec<ir::Stmt>, Option<ir::Expr>) {
        match body {
            ast::MatchArmBody::Expr(e) => (Vec::new(), Some(self.expr_at(e, expected, position))),
            ast::MatchArmBody::Block(block) => {
                self.fx.push_scope();
                let (last, rest) = match block.stmts.split_last() {
                    Some((last, rest)) => (Some(last), rest),
                    None => (None, &[][..]),
                };
                let mut stmts = self.stmts(rest);
                let mut value = None;
                match last.map(|last| (last, &last.kind)) {
                    Some((_, ast::StmtKind::Expr(e))) => {
                        value = Some(self.expr_at(e, expected, position))
                    }
                    Some((last, _)) if position != Position::Statement && if_has_value(last) => {
                        value = Some(self.if_value(last, expected, position));
                    }
                    Some((last, _)) => {
                        stmts.extend(self.stmts(std::slice::from_ref(last)));
                        let diverges = !super::reachability::stmts_complete(&stmts);
                        if position != Position::Statement && !diverges {
                            self.report(errors::arm_without_value(last.span));
                        }
                    }
                    None if position != Position::Statement => {
                        self.report(errors::arm_without_value(block.span))
                    }
                    None => {}
                }
                self.fx.pop_scope();
                (stmts, value)
            }
        }
    }

    /// `if (c) { ...; a } else { ...; b }` ending a block arm, as a value:
    /// a `match` on the condition with a `true` arm and a `default` arm.
    fn if_value(
        &mut self,
        stmt: &ast::Stmt,
        expected: Option<&Type>,
        position: Position,
    ) -> ir::Expr {
        let ast::StmtKind::If {
            condition: ast::Condition::Expr(condition),
            then_block,
            else_branch: Some(else_branch),
        } = &stmt.kind
        else {
            return error_expr(stmt.span);
        };
        let condition = self.condition(condition);
        let scrutinee = match &condition.ty {
            Type::Bool | Type::Error => condition,
            ty => {
                let zero = match ty {
                    Type::Pointer(_) => node(ExprKind::Null, ty.clone(), condition.span),
                    _ => self.literal(0, ir::Radix::Decimal, ty.clone(), condition.span),
                };
                let span = condition.span;
                let operands = (Box::new(condition), Box::new(zero));
                node(
                    ExprKind::Binary {
                        op: ast::BinaryOp::Ne,
                        lhs: operands.0,
                        rhs: operands.1,
                    },
                    Type::Bool,
                    span,
                )
            }
        };
        let (then_stmts, then_value) = self.arm_body(
            &ast::MatchArmBody::Block(then_block.clone()),
            expected,
            position,
        );
        let (else_stmts, else_value) = match &else_branch.kind {
            ast::StmtKind::Block(block) => {
                self.arm_body(&ast::MatchArmBody::Block(block.clone()), expected, position)
            }
            _ => (
                Vec::new(),
                Some(self.if_value(else_branch, expected, position)),
            ),
        };
        let true_pattern = node(ExprKind::Bool(true), Type::Bool, stmt.span);
        let mut arms = vec![
            MatchArm {
                pattern: Some(true_pattern),
                stmts: then_stmts,
                value: then_value,
                completes: true,
                span: then_block.span,
            },
            MatchArm {
                pattern: None,
                stmts: else_stmts,
                value: else_value,
                completes: true,
                span: else_branch.span,
            },
        ];
        let result = match expected {
            Some(ty) if *ty != Type::Error => Some(ty.clone()),
            _ => self.unify_arms(&arms, &[None, None]),
        };
        let Some(result) = result else {
            return node(
                ExprKind::Match {
                    scrutinee: Box::new(scrutinee),
                    arms,
                },
                Type::Void,
                stmt.span,
            );
        };
        for arm in &mut arms {
            if let Some(value) = arm.value.take() {
                let value_span = value.span;
                arm.value = Some(self.coerce(value, &result, value_span));
            }
        }
        node(
            ExprKind::Match {
                scrutinee: Box::new(scrutinee),
                arms,
            },
            result,
            stmt.span,
        )
    }

    /// The type the arms meet at, in source order: typed arms widen it,
    /// integer literal arms (`literal_spans[i]` is set, their value not yet
    /// checked) only require it to be an integer or enum. `None` if no arm
    /// has a typed value. Reports the first arm that does not fit.
    fn unify_arms(&mut self, arms: &[MatchArm], literal_spans: &[Option<Span>]) -> Option<Type> {
        let mut result: Option<Type> = None;
        let mut first_literal: Option<Span> = None;
        for (index, arm) in arms.iter().enumerate() {
            if let Some(literal) = literal_spans.get(index).copied().flatten() {
                match &result {
                    Some(ty) if !matches!(ty, Type::Int(_) | Type::Enum(_) | Type::Error) => {
                        let expected = self.type_name(ty);
                        self.report(errors::arm_type_mismatch(literal, &expected, "integer"));
                        return Some(Type::Error);
                    }
                    _ => first_literal = first_literal.or(Some(literal)),
                }
                continue;
            }
            let Some(value) = &arm.value else { continue };
            if value.ty == Type::Error {
                continue;
            }
            let Some(current) = &result else {
                if first_literal.is_some() && !matches!(value.ty, Type::Int(_) | Type::Enum(_)) {
                    let found = self.type_name(&value.ty);
                    self.report(errors::arm_type_mismatch(value.span, "integer", &found));
                    return Some(Type::Error);
                }
                result = Some(value.ty.clone());
                continue;
            };
            let next = match (current, &value.ty) {
                (Type::Int(a), Type::Int(b)) => common_int(*a, *b).map(Type::Int),
                (a, b) if self.assignable(b, a) => Some(a.clone()),
                (a, b) if self.assignable(a, b) => Some(b.clone()),
                _ => None,
            };
            match next {
                Some(next) => result = Some(next),
                None => {
                    let (expected, found) = (self.type_name(current), self.type_name(&value.ty));
                    self.report(errors::arm_type_mismatch(value.span, &expected, &found));
                    return Some(Type::Error);
                }
            }
        }
        result
    }

    fn check_exhaustive(&mut self, scrutinee: &Type, seen: &[(i128, Span)], span: Span) {
        let covered = |value: i128| seen.iter().any(|(seen_value, _)| *seen_value == value);
        let missing: Vec<String> = match scrutinee {
            Type::Enum(id) => self
                .program
                .enum_def(*id)
                .variants
                .iter()
                .filter(|variant| !covered(variant.value))
                .map(|variant| variant.name.clone())
                .collect(),
            Type::Bool => [(0, "false"), (1, "true")]
                .iter()
                .filter(|(value, _)| !covered(*value))
                .map(|(_, name)| name.to_string())
                .collect(),
            Type::Error => Vec::new(),
            _ => vec!["other values".to_string()],
        };
        if !missing.is_empty() {
            self.report(errors::non_exhaustive_match(span, &missing));
        }
    }
}

/// Whether `stmt` is an `if`/`else` whose branches all end in a value (or
/// `return`/`throw`), so it can be the value of a block arm.
fn if_has_value(stmt: &ast::Stmt) -> bool {
    let ast::StmtKind::If {
        condition: ast::Condition::Expr(_),
        then_block,
        else_branch: Some(else_branch),
    } = &stmt.kind
    else {
        return false;
    };
    let block_has_value = |block: &ast::Block| match block.stmts.last() {
        Some(last) => {
            matches!(
                last.kind,
                ast::StmtKind::Expr(_) | ast::StmtKind::Return(_) | ast::StmtKind::Throw(_)
            ) || if_has_value(last)
        }
        None => false,
    };
    block_has_value(then_block)
        && match &else_branch.kind {
            ast::StmtKind::Block(block) => block_has_value(block),
            _ => if_has_value(else_branch),
        }
}
