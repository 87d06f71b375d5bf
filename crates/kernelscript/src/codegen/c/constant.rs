//! Constant expressions at file scope (global initialisers, config
//! defaults, struct_ops members): the checker proved them constant, and C
//! wants them to be constant expressions, so constants that are `static
//! const` objects are spelled by value and kernel constants as the headers
//! name them.

use super::expr::CExpr;
use super::literals::{const_literal, int_literal};
use super::types::Types;
use super::writer::{char_literal, string_literal};
use crate::ir::{Expr, ExprKind, Origin, UnaryOp};

/// `expr` as a C initialiser: braces for struct and array literals
/// (designated for structs), a constant expression otherwise.
pub fn initializer(types: &Types, expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::StructLit { struct_id, fields } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(index, value)| {
                    let name = types.names.field(*struct_id, *index);
                    format!(".{name} = {}", initializer(types, value))
                })
                .collect();
            braces(&fields, types.policy.zero_aggregate)
        }
        ExprKind::ArrayLit(elements) => {
            let elements: Vec<String> = elements
                .iter()
                .map(|element| initializer(types, element))
                .collect();
            braces(&elements, types.policy.zero_aggregate)
        }
        _ => expression(types, expr).text,
    }
}

fn braces(parts: &[String], zero: &str) -> String {
    if parts.is_empty() {
        zero.to_string()
    } else {
        format!("{{ {} }}", parts.join(", "))
    }
}

/// `expr` as a C constant expression.
pub fn expression(types: &Types, expr: &Expr) -> CExpr {
    let program = types.program;
    match &expr.kind {
        ExprKind::Int(value, radix) => int_literal(*value, &expr.ty, *radix, false),
        ExprKind::Bool(value) => CExpr::primary(if *value { "true" } else { "false" }),
        ExprKind::Char(byte) => CExpr::primary(char_literal(*byte)),
        ExprKind::Str(text) => CExpr::primary(string_literal(text)),
        ExprKind::Null => CExpr::primary("NULL"),
        ExprKind::Const(id) => {
            let def = program.const_def(*id);
            if def.origin == Origin::Source && types.names.is_enumerator_constant(program, *id) {
                CExpr::primary(types.names.constant(*id).to_string())
            } else if def.origin == Origin::Kernel && !types.policy.kernel_enums_as_int {
                CExpr::primary(def.name.clone())
            } else {
                const_literal(def.value, &def.ty, def.radix)
            }
        }
        ExprKind::EnumVariant { enum_id, variant } => {
            CExpr::primary(types.names.variant_or_kernel(program, *enum_id, *variant))
        }
        ExprKind::Sizeof(ty) => CExpr::primary(format!("sizeof({})", types.name(ty))),
        ExprKind::Cast(inner) => {
            let inner = expression(types, inner);
            CExpr::cast(&types.name(&expr.ty), &inner)
        }
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } if matches!(operand.kind, ExprKind::Int(..)) => {
            let ExprKind::Int(value, radix) = operand.kind else {
                unreachable!("matched above")
            };
            int_literal(value.wrapping_neg(), &operand.ty, radix, false)
        }
        ExprKind::Unary { op, operand } => CExpr::prefix(op.symbol(), &expression(types, operand)),
        ExprKind::Binary { op, lhs, rhs } => {
            CExpr::binary(*op, expression(types, lhs), expression(types, rhs))
        }
        ExprKind::StructLit { .. } | ExprKind::ArrayLit(_) => CExpr::postfix(format!(
            "({}){}",
            types.name(&expr.ty),
            initializer(types, expr)
        )),
        // Not constant; the checker lets only constants initialise globals.
        _ => CExpr::primary("0"),
    }
}
