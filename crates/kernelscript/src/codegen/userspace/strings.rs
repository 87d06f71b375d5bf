//! `str(N)` values in userspace. A string is a C `char[N]` buffer; an
//! expression of string type becomes a [`StrOperand`]: a `const char *`
//! expression plus the capacity that bounds its length, so every copy,
//! concatenation and comparison is bounded even when a buffer filled by
//! the kernel lacks its terminator.

use crate::ir::{BinaryOp, Callee, Expr, ExprKind, Type};

use super::expressions::{PREC_POSTFIX, PREC_UNARY};
use super::functions::FunctionEmitter;
use crate::codegen::c::string_literal;
use crate::codegen::c::CExpr;

impl FunctionEmitter<'_, '_> {
    /// The string operand for an expression of type `str(N)` (or a string
    /// literal of any type).
    pub fn str_operand(&mut self, expr: &Expr) -> StrOperand {
        let declared = match expr.ty {
            Type::Str(len) => len,
            _ => 0,
        };
        match &expr.kind {
            ExprKind::Str(text) => StrOperand {
                text: string_literal(text),
                cap: text.len() as u32 + 1,
            },
            ExprKind::Binary {
                op: BinaryOp::Add,
                lhs,
                rhs,
            } => {
                let left = self.str_operand(lhs);
                let right = self.str_operand(rhs);
                let cap = if declared > 0 {
                    declared
                } else {
                    left.cap + right.cap
                };
                self.concat(left, right, cap)
            }
            ExprKind::Call { callee, args } => {
                let is_user_function = matches!(callee, Callee::Function(_));
                let text = self.call(callee, args).text;
                StrOperand {
                    // Userspace functions return strings inside a struct.
                    text: if is_user_function {
                        format!("{text}.data")
                    } else {
                        text
                    },
                    cap: declared,
                }
            }
            ExprKind::MapGet { map, key } => {
                self.gen.map_use(*map).get = true;
                let get = self.gen.map_helper(*map, "get");
                let key_ty = self.gen.program.map(*map).key.clone();
                let key = self.map_argument(&key_ty, key);
                StrOperand {
                    text: format!("{get}((char[{declared}]){{0}}, {key})"),
                    cap: declared,
                }
            }
            ExprKind::Match { scrutinee, arms } => {
                let text = self.match_expression(scrutinee, arms, &expr.ty);
                StrOperand {
                    text: format!("{text}.data"),
                    cap: declared,
                }
            }
            ExprKind::Local(local) if self.local_is_pointer[local.index()] => StrOperand {
                text: format!("*{}", self.local_names[local.index()]),
                cap: declared,
            },
            _ => {
                let mut value = self.expr_without_string_dispatch(expr);
                if value.precedence < PREC_POSTFIX {
                    value.text = format!("({})", value.text);
                }
                StrOperand {
                    text: value.text,
                    cap: declared,
                }
            }
        }
    }

    /// `expr` for string-typed places (locals, fields, globals, indexing),
    /// bypassing the string dispatch at the top of [`Self::expr`].
    fn expr_without_string_dispatch(&mut self, expr: &Expr) -> CExpr {
        let plain = Expr {
            kind: expr.kind.clone(),
            ty: Type::Void,
            span: expr.span,
        };
        self.expr(&plain)
    }

    /// `a + b` concatenated straight into `dst` (`cap` bytes), when `expr`
    /// is a string concatenation; `dst` must not be one of its operands.
    pub fn concat_into(&mut self, dst: &str, cap: u32, expr: &Expr) -> Option<String> {
        let ExprKind::Binary {
            op: BinaryOp::Add,
            lhs,
            rhs,
        } = &expr.kind
        else {
            return None;
        };
        if !matches!(expr.ty, Type::Str(_)) {
            return None;
        }
        self.gen.needs.str_concat = true;
        let left = self.str_operand(lhs);
        let right = self.str_operand(rhs);
        Some(format!(
            "ks_str_concat({dst}, {cap}, {}, {}, {}, {});",
            left.text, left.cap, right.text, right.cap
        ))
    }

    /// `a + b` for strings, into a fresh buffer of `cap` bytes.
    pub fn concat(&mut self, left: StrOperand, right: StrOperand, cap: u32) -> StrOperand {
        self.gen.needs.str_concat = true;
        StrOperand {
            text: format!(
                "ks_str_concat((char[{cap}]){{0}}, {cap}, {}, {}, {}, {})",
                left.text, left.cap, right.text, right.cap
            ),
            cap,
        }
    }
}

/// A string value: `text` is usable as `const char *`; its length is at
/// most `cap - 1`.
pub struct StrOperand {
    pub text: String,
    pub cap: u32,
}

pub(super) fn parenthesize_postfix(text: &str) -> String {
    if string_prec(text) < PREC_POSTFIX {
        format!("({text})")
    } else {
        text.to_string()
    }
}

/// Precedence of a string operand's text: calls, names and literals are
/// postfix-or-better; `*p` is unary.
pub(super) fn string_prec(text: &str) -> u8 {
    if text.starts_with('*') {
        PREC_UNARY
    } else {
        PREC_POSTFIX
    }
}
