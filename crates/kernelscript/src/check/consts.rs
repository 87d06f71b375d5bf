//! Constant evaluation: `const` declarations, sizes, enum values, patterns.
//!
//! A constant expression is checked like any expression (so it gets the
//! same diagnostics), then its IR is evaluated here. Constant expressions
//! are integer (and `bool`/`char`) literals, constants, enum variants,
//! `sizeof`, casts and the arithmetic, bitwise, shift, comparison and
//! logical operators over them. Top-level constants are evaluated lazily on
//! first use, so they may refer to constants declared later; a constant that
//! depends on itself is an error. Values are kept as `i128` (two's
//! complement for negative signed values) and checked against their type's
//! range.

use crate::ir::{self, BinaryOp, ConstId, ExprKind, IntType, Type, UnaryOp};
use crate::syntax::ast;

use super::types::{default_int_type, fits};
use super::{errors, Checker, Resolution};

impl Checker<'_> {
    /// Checks `expr` and evaluates it as an integer constant. Reports when
    /// it is not constant.
    pub(crate) fn const_int(&mut self, expr: &ast::Expr, expected: Option<&Type>) -> Option<i128> {
        let checked = self.expr(expr, expected);
        if checked.ty == Type::Error {
            return None;
        }
        match self.eval(&checked) {
            Some(value) => Some(value),
            None => {
                self.report(errors::not_constant(expr.span));
                None
            }
        }
    }

    /// Evaluates a checked expression, or `None` if it is not constant.
    pub(crate) fn eval(&self, expr: &ir::Expr) -> Option<i128> {
        eval(&self.program, expr)
    }

    /// Evaluates every top-level constant (each at most once).
    pub(crate) fn evaluate_consts(&mut self) {
        for index in 0..self.const_slots.len() {
            self.ensure_const(ConstId(index as u32));
        }
    }

    /// Makes sure the constant `id` has its value, evaluating it now if
    /// needed. Reports a constant that depends on itself.
    pub(crate) fn ensure_const(&mut self, id: ConstId) {
        let slot = &self.const_slots[id.index()];
        let Some(decl) = slot.decl else {
            return;
        };
        match slot.state {
            Resolution::Done(()) => {}
            Resolution::InProgress => {
                let name = decl.name.name.clone();
                self.report(errors::const_cycle(decl.name.span, &name));
                self.const_slots[id.index()].state = Resolution::Done(());
                self.program.consts[id.index()].ty = Type::Error;
            }
            Resolution::Pending => {
                self.const_slots[id.index()].state = Resolution::InProgress;
                let (ty, value, radix) =
                    self.in_global_context(|checker| checker.const_decl_value(decl));
                if self.const_slots[id.index()].state == Resolution::InProgress {
                    self.const_slots[id.index()].state = Resolution::Done(());
                    let def = &mut self.program.consts[id.index()];
                    def.ty = ty;
                    def.value = value;
                    def.radix = radix;
                }
            }
        }
    }

    /// The type, value and radix of a `const` declaration (top level or
    /// local).
    pub(crate) fn const_decl_value(&mut self, decl: &ast::ConstDecl) -> (Type, i128, ir::Radix) {
        let declared = decl.ty.as_ref().map(|ty| self.resolve_type(ty));
        if let Some(ty) = &declared {
            if !matches!(
                ty,
                Type::Int(_) | Type::Bool | Type::Char | Type::Enum(_) | Type::Error
            ) {
                let name = self.type_name(ty);
                self.report(errors::bad_const_type(
                    decl.ty.as_ref().map_or(decl.name.span, |t| t.span),
                    &name,
                ));
                return (Type::Error, 0, ir::Radix::Decimal);
            }
        }
        let mut checked = self.expr(&decl.value, declared.as_ref());
        if checked.ty == Type::Error {
            return (Type::Error, 0, ir::Radix::Decimal);
        }
        let ty = match declared {
            Some(ty) => {
                checked = self.coerce(checked, &ty, decl.value.span);
                if checked.ty == Type::Error {
                    return (Type::Error, 0, ir::Radix::Decimal);
                }
                ty
            }
            None => {
                if !matches!(
                    checked.ty,
                    Type::Int(_) | Type::Bool | Type::Char | Type::Enum(_)
                ) {
                    let name = self.type_name(&checked.ty);
                    self.report(errors::bad_const_type(decl.value.span, &name));
                    return (Type::Error, 0, ir::Radix::Decimal);
                }
                checked.ty.clone()
            }
        };
        let Some(value) = self.eval(&checked) else {
            self.report(errors::not_constant(decl.value.span));
            return (Type::Error, 0, ir::Radix::Decimal);
        };
        if let Type::Int(int) = ty {
            if !fits(value, int) {
                self.report(errors::const_out_of_range(decl.value.span, value, int));
                return (Type::Error, 0, ir::Radix::Decimal);
            }
        }
        (ty, value, literal_radix(&checked))
    }

    /// An integer literal node of type `int` written in `radix` (negative
    /// values become a negated literal, as written).
    pub(crate) fn literal(
        &self,
        value: i128,
        radix: ir::Radix,
        ty: Type,
        span: crate::span::Span,
    ) -> ir::Expr {
        if value < 0 {
            let magnitude = ir::Expr {
                kind: ExprKind::Int(value.unsigned_abs() as u64, radix),
                ty: ty.clone(),
                span,
            };
            return ir::Expr {
                kind: ExprKind::Unary {
                    op: UnaryOp::Neg,
                    operand: Box::new(magnitude),
                },
                ty,
                span,
            };
        }
        ir::Expr {
            kind: ExprKind::Int(value as u64, radix),
            ty,
            span,
        }
    }

    /// The default type for an unconstrained constant value.
    pub(crate) fn default_literal_type(value: i128) -> Type {
        Type::Int(default_int_type(value))
    }
}

/// How a constant initialiser wrote its value: the radix of an integer
/// literal (under casts and negation), decimal for anything else.
fn literal_radix(expr: &ir::Expr) -> ir::Radix {
    match &expr.kind {
        ExprKind::Int(_, radix) => *radix,
        ExprKind::Cast(inner)
        | ExprKind::Unary {
            op: UnaryOp::Neg,
            operand: inner,
        } => literal_radix(inner),
        _ => ir::Radix::Decimal,
    }
}

/// `value` truncated to `int` (two's complement), as C conversion does.
/// Evaluates a checked expression of `program`, or `None` if it is not
/// constant.
pub(crate) fn eval(program: &ir::Program, expr: &ir::Expr) -> Option<i128> {
    let value = match &expr.kind {
        ExprKind::Int(value, _) => i128::from(*value),
        ExprKind::Bool(value) => i128::from(*value),
        ExprKind::Char(value) => i128::from(*value),
        ExprKind::Const(id) => program.const_def(*id).value,
        ExprKind::EnumVariant { enum_id, variant } => program.enum_def(*enum_id).value(*variant),
        ExprKind::Sizeof(ty) => i128::from(ty.size(program)),
        ExprKind::Cast(inner) => {
            let value = eval(program, inner)?;
            return Some(match &expr.ty {
                Type::Int(int) => wrap(value, *int),
                _ => value,
            });
        }
        ExprKind::Unary { op, operand } => {
            let value = eval(program, operand)?;
            match op {
                UnaryOp::Neg => -value,
                UnaryOp::Not => i128::from(value == 0),
                UnaryOp::BitNot => match &expr.ty {
                    Type::Int(int) => wrap(!value, *int),
                    _ => return None,
                },
                UnaryOp::Deref | UnaryOp::AddrOf => return None,
            }
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let lhs = eval(program, lhs)?;
            let rhs = eval(program, rhs)?;
            let value = binary(*op, lhs, rhs)?;
            return Some(match &expr.ty {
                Type::Int(int) if !op.is_comparison() && !op.is_logical() => wrap(value, *int),
                _ => value,
            });
        }
        _ => return None,
    };
    Some(value)
}

pub(crate) fn wrap(value: i128, int: IntType) -> i128 {
    let bits = int.bits();
    let mask = (1i128 << bits) - 1;
    let low = value & mask;
    if int.is_signed() && low >= 1i128 << (bits - 1) {
        low - (1i128 << bits)
    } else {
        low
    }
}

fn binary(op: BinaryOp, lhs: i128, rhs: i128) -> Option<i128> {
    Some(match op {
        BinaryOp::Add => lhs.checked_add(rhs)?,
        BinaryOp::Sub => lhs.checked_sub(rhs)?,
        BinaryOp::Mul => lhs.checked_mul(rhs)?,
        BinaryOp::Div => lhs.checked_div(rhs)?,
        BinaryOp::Rem => lhs.checked_rem(rhs)?,
        BinaryOp::BitAnd => lhs & rhs,
        BinaryOp::BitOr => lhs | rhs,
        BinaryOp::BitXor => lhs ^ rhs,
        BinaryOp::Shl => {
            if !(0..64).contains(&rhs) {
                return None;
            }
            lhs.checked_shl(rhs as u32)?
        }
        BinaryOp::Shr => {
            if !(0..64).contains(&rhs) {
                return None;
            }
            lhs >> rhs
        }
        BinaryOp::Eq => i128::from(lhs == rhs),
        BinaryOp::Ne => i128::from(lhs != rhs),
        BinaryOp::Lt => i128::from(lhs < rhs),
        BinaryOp::Le => i128::from(lhs <= rhs),
        BinaryOp::Gt => i128::from(lhs > rhs),
        BinaryOp::Ge => i128::from(lhs >= rhs),
        BinaryOp::And => i128::from(lhs != 0 && rhs != 0),
        BinaryOp::Or => i128::from(lhs != 0 || rhs != 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_truncates_like_c() {
        assert_eq!(wrap(300, IntType::U8), 44);
        assert_eq!(wrap(255, IntType::I8), -1);
        assert_eq!(wrap(-1, IntType::U32), 4294967295);
    }
}
