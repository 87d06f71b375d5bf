//! C spelling of KernelScript literals: integers with the suffixes C
//! needs for their type, negative values C can write, and string literals
//! cut to their `str(N)` buffer.

use crate::ir::Type;

use super::expressions::{CExpr, PREC_UNARY};
use crate::codegen::c_writer::string_literal_bytes;

pub(super) fn literal_expr(text: String) -> CExpr {
    if text.starts_with('-') || text.starts_with('(') {
        CExpr {
            text,
            prec: PREC_UNARY,
        }
    } else {
        CExpr::primary(text)
    }
}

/// An integer literal of type `ty` (64-bit and large unsigned values get
/// the suffix C needs; signed values stored in two's complement read back
/// as negative).
pub fn int_literal(value: u64, ty: &Type) -> String {
    let (bits, signed) = match ty {
        Type::Int(int) => (int.bits(), int.is_signed()),
        _ => (32, false),
    };
    if signed {
        let sign_bit = 1u64 << (bits - 1);
        let in_width = bits == 64 || value < (1u64 << bits);
        if in_width && value >= sign_bit {
            let magnitude = if bits == 64 {
                value.wrapping_neg()
            } else {
                (1u64 << bits) - value
            };
            return negative_literal(magnitude, ty);
        }
    }
    unsigned_text(value, bits, signed)
}

pub(super) fn unsigned_text(value: u64, bits: u32, signed: bool) -> String {
    if value > i64::MAX as u64 || (bits == 64 && !signed && value > u64::from(u32::MAX)) {
        format!("{value}ULL")
    } else if value > u64::from(u32::MAX) {
        format!("{value}LL")
    } else if value > i32::MAX as u64 {
        format!("{value}U")
    } else {
        value.to_string()
    }
}

/// `-magnitude` as a valid C literal of `ty`.
pub(super) fn negative_literal(magnitude: u64, ty: &Type) -> String {
    if magnitude == 0 {
        return "0".into();
    }
    if magnitude > i64::MAX as u64 {
        // -9223372036854775808 is not a literal in C.
        return "(-9223372036854775807LL - 1)".into();
    }
    let is_64 = matches!(ty, Type::Int(int) if int.bits() == 64);
    if magnitude > i32::MAX as u64 + 1 || (is_64 && magnitude > i32::MAX as u64) {
        format!("-{magnitude}LL")
    } else if magnitude == i32::MAX as u64 + 1 {
        "(-2147483647 - 1)".into()
    } else {
        format!("-{magnitude}")
    }
}

/// A constant's value (`i128`, as the IR stores it) as a C literal.
pub fn int_literal_i128(value: i128, ty: &Type) -> String {
    if value < 0 {
        negative_literal(value.unsigned_abs().min(u128::from(u64::MAX)) as u64, ty)
    } else {
        let bits = match ty {
            Type::Int(int) => int.bits(),
            _ => 64,
        };
        let signed = matches!(ty, Type::Int(int) if int.is_signed());
        unsigned_text(value.min(i128::from(u64::MAX)) as u64, bits, signed)
    }
}

/// A string literal fitting `str(len)`: longer text is cut to `len - 1`
/// bytes (at a byte boundary; the terminator needs the last byte).
pub fn truncated_literal(text: &str, len: u32) -> String {
    let max = (len as usize).saturating_sub(1);
    let bytes = text.as_bytes();
    string_literal_bytes(&bytes[..bytes.len().min(max)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::IntType;

    #[test]
    fn integer_literals_carry_the_suffixes_c_needs() {
        let u64_ty = Type::Int(IntType::U64);
        let i64_ty = Type::Int(IntType::I64);
        let i32_ty = Type::Int(IntType::I32);
        let u32_ty = Type::Int(IntType::U32);
        assert_eq!(int_literal(5, &u64_ty), "5");
        assert_eq!(int_literal(u64::MAX, &u64_ty), "18446744073709551615ULL");
        assert_eq!(int_literal(4_000_000_000, &u32_ty), "4000000000U");
        assert_eq!(int_literal(u64::MAX, &i64_ty), "-1");
        assert_eq!(
            int_literal(1 << 63, &i64_ty),
            "(-9223372036854775807LL - 1)"
        );
        assert_eq!(int_literal(0xffff_ffff, &i32_ty), "-1");
        assert_eq!(int_literal(0x8000_0000, &i32_ty), "(-2147483647 - 1)");
        assert_eq!(int_literal_i128(-5, &i64_ty), "-5");
        assert_eq!(int_literal_i128(-5_000_000_000, &i64_ty), "-5000000000LL");
        assert_eq!(int_literal_i128(-5, &i32_ty), "-5");
    }

    #[test]
    fn long_literals_are_cut_to_the_buffer() {
        assert_eq!(truncated_literal("toolong", 6), "\"toolo\"");
        assert_eq!(truncated_literal("exact", 6), "\"exact\"");
    }
}
