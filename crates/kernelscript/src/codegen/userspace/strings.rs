//! `str(N)` values in userspace. A string is a C `char[N]` buffer; an
//! expression of string type becomes a [`StrOperand`]: a `const char *`
//! expression plus the capacity that bounds its length, so every copy,
//! concatenation and comparison is bounded even when a buffer filled by
//! the kernel lacks its terminator.

use crate::codegen::c::{string_literal, CExpr, Precedence};
use crate::ir::{BinaryOp, Callee, Expr, ExprKind, Type};

use super::policy::Cx;
use crate::codegen::c::backend::{Assign, Entry};

/// A string value: `text` is usable as `const char *`; its length is at
/// most `cap - 1`.
pub struct StrOperand {
    pub text: String,
    pub cap: u32,
}

impl StrOperand {
    /// The operand as an expression (`*p` binds like a unary operator,
    /// everything else is postfix or better).
    pub fn expr(self) -> CExpr {
        if self.text.starts_with('*') {
            CExpr::unary(self.text)
        } else {
            CExpr::postfix(self.text)
        }
    }
}

/// The string operand for an expression of type `str(N)` (or a string
/// literal of any type).
pub fn operand<'a>(cx: &mut Cx<'_, 'a>, expr: &'a Expr) -> StrOperand {
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
            let left = operand(cx, lhs);
            let right = operand(cx, rhs);
            let cap = if declared > 0 {
                declared
            } else {
                left.cap + right.cap
            };
            concat(cx, left, right, cap)
        }
        ExprKind::Call {
            callee: Callee::Python { .. },
            ..
        } => StrOperand {
            text: super::python::call(cx, expr).text,
            cap: declared,
        },
        ExprKind::Call { callee, .. } => {
            // Userspace functions return strings inside a struct.
            let text = cx.expr_core(expr).text;
            let text = if matches!(callee, Callee::Function(_) | Callee::Indirect(_)) {
                format!("{text}.data")
            } else {
                text
            };
            StrOperand {
                text,
                cap: declared,
            }
        }
        ExprKind::MapGet { map, key } => {
            cx.backend.gen.map_use(*map).get = true;
            let get = cx.backend.gen.map_helper(*map, "get");
            let key = super::entries::map_key(cx, Entry { map: *map, key });
            StrOperand {
                text: format!("{get}((char[{declared}]){{0}}, {key})"),
                cap: declared,
            }
        }
        ExprKind::Cast(inner) if matches!(inner.ty, Type::Array(..)) => {
            // `bytes as str(M)`: read the array as text, bounded by its
            // length (its last byte is dropped when it holds no NUL).
            let len = match inner.ty {
                Type::Array(_, len) => len,
                _ => declared,
            };
            let value = cx.expr_core(inner);
            StrOperand {
                text: format!("(const char *){}", value.at(Precedence::UNARY)),
                cap: len,
            }
        }
        ExprKind::Match { .. } => {
            // A statement expression yielding the string's holder.
            let text = cx.expr_core(expr).text;
            StrOperand {
                text: format!("{text}.data"),
                cap: declared,
            }
        }
        _ => {
            let value = cx.expr_core(expr);
            StrOperand {
                text: value.at(Precedence::POSTFIX.min(value_floor(&value))),
                cap: declared,
            }
        }
    }
}

/// The loosest precedence a place may keep unparenthesised as a string
/// operand: `*p` stays as it is, anything looser gets parentheses.
fn value_floor(value: &CExpr) -> u8 {
    if value.text.starts_with('*') && value.precedence == Precedence::UNARY {
        Precedence::UNARY
    } else {
        Precedence::POSTFIX
    }
}

/// Whether string `left` equals the string `right`: `ks_str_eq`.
pub fn equal<'a>(cx: &mut Cx<'_, 'a>, left: &StrOperand, right: &'a Expr) -> String {
    cx.backend.gen.needs.str_eq = true;
    let right = operand(cx, right);
    format!(
        "ks_str_eq({}, {}, {}, {})",
        left.text, left.cap, right.text, right.cap
    )
}

/// `a + b` for strings, into a fresh buffer of `cap` bytes.
pub fn concat(cx: &mut Cx<'_, '_>, left: StrOperand, right: StrOperand, cap: u32) -> StrOperand {
    cx.backend.gen.needs.str_concat = true;
    StrOperand {
        text: format!(
            "ks_str_concat((char[{cap}]){{0}}, {cap}, {}, {}, {}, {})",
            left.text, left.cap, right.text, right.cap
        ),
        cap,
    }
}

/// `place op= value` for a `str(len)` place: a bounded copy, a
/// concatenation straight into the place when the place is not one of its
/// operands.
pub fn store<'a>(cx: &mut Cx<'_, 'a>, place: &str, len: u32, assign: Assign<'a>) {
    let Assign { op, value } = assign;
    if let (
        None,
        ExprKind::Binary {
            op: BinaryOp::Add,
            lhs,
            rhs,
        },
    ) = (op, &value.kind)
    {
        let left = operand(cx, lhs);
        let right = operand(cx, rhs);
        if !left.text.contains(place) && !right.text.contains(place) {
            cx.backend.gen.needs.str_concat = true;
            cx.out.line(format!(
                "ks_str_concat({place}, {len}, {}, {}, {}, {});",
                left.text, left.cap, right.text, right.cap
            ));
            return;
        }
        let source = concat(cx, left, right, len);
        return copy(cx, place, len, &source);
    }
    let source = match op {
        None => operand(cx, value),
        Some(BinaryOp::Add) => {
            let current = StrOperand {
                text: place.to_string(),
                cap: len,
            };
            let added = operand(cx, value);
            concat(cx, current, added, len)
        }
        Some(other) => unreachable!("`{}=` on a string passed the checker", other.symbol()),
    };
    copy(cx, place, len, &source);
}

/// `ks_str_copy(place, len, source, cap);`
fn copy(cx: &mut Cx<'_, '_>, place: &str, len: u32, source: &StrOperand) {
    cx.backend.gen.needs.str_copy = true;
    cx.out.line(format!(
        "ks_str_copy({place}, {len}, {}, {});",
        source.text, source.cap
    ));
}
