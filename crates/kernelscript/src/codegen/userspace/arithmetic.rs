//! KernelScript's integer semantics in userspace C. They are the eBPF
//! instruction set's (docs/language.md §4.1), which C leaves undefined:
//! `x / 0 == 0`, `x % 0 == x`, `MIN / -1 == MIN`, `MIN % -1 == 0`, and a
//! shift amount taken modulo the operation's width (64 for 64-bit
//! operands, 32 for narrower ones, which compute in 32 bits). Operations
//! whose operands make plain C exact (a constant divisor other than 0 and
//! -1, a constant shift in range on an unsigned type of 32 or 64 bits)
//! stay plain C; the others go through small helpers (`ks_udiv`, ...) or
//! an explicit mask (`codegen::arithmetic` decides which). Nothing here
//! decides types: the checker did.

use crate::codegen::arithmetic::{masked_shift, needs_definition};
use crate::ir::{BinaryOp, Expr, Type};

use super::policy::Cx;

/// `lhs OP rhs` with KernelScript's meaning, as a C expression that binds
/// like a cast (`(T)...`), when `needs_definition`; `None` when `lhs_text
/// OP rhs` in plain C is exact. `lhs_text` is the left operand's C text at
/// any precedence; `ty` the operation's type.
pub fn defined<'a>(
    cx: &mut Cx<'_, 'a>,
    op: BinaryOp,
    lhs_text: &str,
    ty: &Type,
    rhs: &'a Expr,
) -> Option<String> {
    if !needs_definition(op, ty, rhs) {
        return None;
    }
    let Type::Int(int) = ty else {
        return None;
    };
    let c_type = cx.types.name(ty);
    let rhs_text = cx.value(rhs);
    if matches!(op, BinaryOp::Div | BinaryOp::Rem) {
        cx.backend.gen.needs.defined_division = true;
        let helper = match (op, int.is_signed()) {
            (BinaryOp::Div, false) => "ks_udiv",
            (BinaryOp::Div, true) => "ks_sdiv",
            (_, false) => "ks_umod",
            (_, true) => "ks_smod",
        };
        return Some(format!("({c_type}){helper}({lhs_text}, {rhs_text})"));
    }
    Some(masked_shift(op, lhs_text, *int, &c_type, &rhs_text))
}

/// The helpers `defined` calls, emitted when used. Operands are
/// widened to 64 bits (signed ones sign-extended), so one helper serves
/// every width; the caller's cast truncates the result.
pub const DEFINED_DIVISION: &str = r#"
/* Integer division as eBPF defines it: x / 0 == 0, x % 0 == x, and for
 * signed operands MIN / -1 == MIN (wrapping), MIN % -1 == 0. */
static inline __u64 ks_udiv(__u64 a, __u64 b)
{
    return b ? a / b : 0;
}

static inline __u64 ks_umod(__u64 a, __u64 b)
{
    return b ? a % b : a;
}

static inline __s64 ks_sdiv(__s64 a, __s64 b)
{
    if (b == 0)
        return 0;
    if (b == -1)
        return (__s64)(0 - (__u64)a);
    return a / b;
}

static inline __s64 ks_smod(__s64 a, __s64 b)
{
    if (b == 0)
        return a;
    if (b == -1)
        return 0;
    return a % b;
}
"#;
