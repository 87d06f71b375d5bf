//! Integer literals as C spells them: in the radix the source used (the
//! IR carries it; binary becomes hex, which C before C23 lacks), with a
//! suffix only where C would otherwise give the literal a type too narrow
//! for its value or for the KernelScript type it computes in, and negative
//! values as C can write them (`(-2147483647 - 1)`).

use super::expr::CExpr;
use super::writer::char_literal;
use crate::ir::{IntType, Radix, Type};

/// The integer type a literal of type `ty` computes in (`u64` for
/// anything that is not an integer type).
fn int_type(ty: &Type) -> IntType {
    match ty {
        Type::Int(int) => *int,
        Type::Char => IntType::U8,
        _ => IntType::U64,
    }
}

/// The literal `value` of type `ty` written in `radix`. `value` is taken
/// modulo the type's width; a signed type's values with the sign bit set
/// are negative. `wide` asks for the 64-bit suffix of a 64-bit type even
/// when the value fits in `int` (an operand C would otherwise compute in 32
/// bits: `1ULL << 40`).
pub fn int_literal(value: u64, ty: &Type, radix: Radix, wide: bool) -> CExpr {
    let int = int_type(ty);
    let bits = int.bits();
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let truncated = value & mask;
    if int.is_signed() && (truncated >> (bits - 1)) & 1 == 1 {
        let magnitude = (!truncated).wrapping_add(1) & mask;
        return negative(magnitude, bits, radix, wide);
    }
    let suffix = match (int.is_signed(), bits) {
        (false, 64) if truncated > u64::from(u32::MAX) || wide => "ULL",
        (false, _) if truncated > i32::MAX as u64 => "U",
        (true, 64) if truncated > i32::MAX as u64 || wide => "LL",
        _ => "",
    };
    CExpr::primary(format!("{}{suffix}", digits(truncated, radix)))
}

/// A constant's value (`i128`, as the IR stores it) as a C literal of its
/// type: `true`/`false` for `bool`, a character literal for `char`.
pub fn const_literal(value: i128, ty: &Type, radix: Radix) -> CExpr {
    match ty {
        Type::Bool => CExpr::primary(if value != 0 { "true" } else { "false" }),
        Type::Char => CExpr::primary(char_literal(value as u8)),
        _ if value < 0 => {
            let magnitude = value.unsigned_abs().min(u128::from(u64::MAX)) as u64;
            negative(magnitude, int_type(ty).bits().max(32), radix, false)
        }
        _ => int_literal(value.min(i128::from(u64::MAX)) as u64, ty, radix, false),
    }
}

/// `-magnitude` in a type of `bits` bits.
fn negative(magnitude: u64, bits: u32, radix: Radix, wide: bool) -> CExpr {
    if magnitude == 0 {
        return CExpr::primary("0");
    }
    if magnitude > i64::MAX as u64 {
        // `-9223372036854775808LL` negates an out-of-range literal.
        return CExpr::primary("(-9223372036854775807LL - 1)");
    }
    if bits <= 32 && magnitude == 1 << 31 {
        // `-2147483648` is a `long`: keep the value an `int`.
        return CExpr::primary("(-2147483647 - 1)");
    }
    let suffix = if magnitude > 1 << 31 || (bits == 64 && (magnitude > i32::MAX as u64 || wide)) {
        "LL"
    } else {
        ""
    };
    CExpr::unary(format!("-{}{suffix}", digits(magnitude, radix)))
}

/// `value`'s digits in `radix`, hexadecimal keeping the written width and
/// letter case.
fn digits(value: u64, radix: Radix) -> String {
    match radix {
        Radix::Decimal => value.to_string(),
        Radix::Hex { digits, upper } => {
            let width = usize::from(digits);
            if upper {
                format!("0x{value:0width$X}")
            } else {
                format!("0x{value:0width$x}")
            }
        }
        Radix::Octal if value == 0 => "0".to_string(),
        Radix::Octal => format!("0{value:o}"),
        Radix::Binary => format!("0x{value:x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: u64, int: IntType, radix: Radix, wide: bool) -> String {
        int_literal(value, &Type::Int(int), radix, wide).text
    }

    const HEX4: Radix = Radix::Hex {
        digits: 4,
        upper: false,
    };

    #[test]
    fn radix_follows_the_source() {
        assert_eq!(text(0x800, IntType::U16, HEX4, false), "0x0800");
        let upper = Radix::Hex {
            digits: 2,
            upper: true,
        };
        assert_eq!(text(0xab, IntType::U32, upper, false), "0xAB");
        assert_eq!(text(5, IntType::U8, Radix::Binary, false), "0x5");
        assert_eq!(text(8, IntType::U8, Radix::Octal, false), "010");
        assert_eq!(text(255, IntType::U32, Radix::Decimal, false), "255");
    }

    #[test]
    fn suffixes_only_where_c_needs_them() {
        let d = Radix::Decimal;
        assert_eq!(text(1, IntType::U64, d, false), "1");
        assert_eq!(text(1, IntType::U64, d, true), "1ULL");
        assert_eq!(text(1 << 40, IntType::U64, d, false), "1099511627776ULL");
        assert_eq!(text(3_000_000_000, IntType::U32, d, false), "3000000000U");
        assert_eq!(text(3_000_000_000, IntType::I64, d, false), "3000000000LL");
        assert_eq!(
            text(u64::MAX, IntType::U64, d, false),
            "18446744073709551615ULL"
        );
    }

    #[test]
    fn negative_values_are_valid_c() {
        let d = Radix::Decimal;
        let negative = int_literal(u64::MAX, &Type::Int(IntType::I64), d, false);
        assert_eq!((negative.text.as_str(), negative.precedence), ("-1", 14));
        assert_eq!(text(0xff, IntType::I8, d, false), "-1");
        assert_eq!(
            text(1 << 63, IntType::I64, d, false),
            "(-9223372036854775807LL - 1)"
        );
        assert_eq!(
            text(0x8000_0000, IntType::I32, d, false),
            "(-2147483647 - 1)"
        );
        let i64_ty = Type::Int(IntType::I64);
        assert_eq!(const_literal(-5, &i64_ty, d).text, "-5");
        assert_eq!(
            const_literal(-5_000_000_000, &i64_ty, d).text,
            "-5000000000LL"
        );
        assert_eq!(const_literal(-16, &i64_ty, HEX4).text, "-0x0010");
        assert_eq!(const_literal(1, &Type::Bool, d).text, "true");
    }
}
