//! Integer operations whose C meaning is undefined for some operands,
//! shared by both generators: KernelScript gives them the eBPF instruction
//! set's meaning (docs/language.md §4.1): `x / 0 == 0`, `x % 0 == x`,
//! `MIN / -1 == MIN`, `MIN % -1 == 0`, and shift amounts taken modulo the
//! operation's width (64 bits for 64-bit operands, 32 for narrower ones,
//! which compute in 32 bits as the BPF ALU's 32-bit instructions do).
//! `needs_definition` says when plain C is not exact; each generator then
//! spells the defined form of division (`userspace::arithmetic`,
//! `ebpf::policy`); shifts are `masked_shift` in both.

use crate::ir::{BinaryOp, Expr, ExprKind, IntType, Type};

/// Whether `lhs OP rhs` of type `ty` needs a defined form: plain C
/// would leave some operands undefined (a constant divisor other than 0
/// and -1, or a constant shift in range, needs none).
pub fn needs_definition(op: BinaryOp, ty: &Type, rhs: &Expr) -> bool {
    let Type::Int(int) = ty else {
        return false;
    };
    let constant = match rhs.kind {
        ExprKind::Int(value, _) => Some(value),
        _ => None,
    };
    match op {
        BinaryOp::Div | BinaryOp::Rem => {
            let all_ones = u64::MAX >> (64 - int.bits());
            !constant.is_some_and(|value| {
                value != 0 && !(int.is_signed() && value & all_ones == all_ones)
            })
        }
        BinaryOp::Shl | BinaryOp::Shr => !constant.is_some_and(|value| {
            value < u64::from(shift_width(*int))
                && (op == BinaryOp::Shr || (!int.is_signed() && int.bits() >= 32))
        }),
        _ => false,
    }
}

/// The width a shift of `int` operates at (the BPF ALU's: 64 or 32 bits).
pub fn shift_width(int: IntType) -> u32 {
    if int.bits() == 64 {
        64
    } else {
        32
    }
}

/// `lhs << rhs` / `lhs >> rhs` of integer type `int` (spelled `c_type`)
/// with the amount masked to the operation's width (the BPF instruction's),
/// a left shift in the unsigned type of that width (no signed overflow),
/// the result cast back to the type. Operands are C text at any
/// precedence; the result binds like a cast.
pub fn masked_shift(op: BinaryOp, lhs: &str, int: IntType, c_type: &str, rhs: &str) -> String {
    let width = shift_width(int);
    let amount = format!("({rhs}) & {}", width - 1);
    if op == BinaryOp::Shr {
        // Narrow operands promote to `int` with their value; a signed right
        // shift is arithmetic in gcc and clang.
        return format!("({c_type})(({lhs}) >> ({amount}))");
    }
    let unsigned = if width == 64 { "__u64" } else { "__u32" };
    format!("({c_type})(({unsigned})({lhs}) << ({amount}))")
}
