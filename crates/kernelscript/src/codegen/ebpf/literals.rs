//! Integer literals: C spelling of a typed value, in the base the source
//! used (hex stays hex), with `U`/`ULL`/`LL` suffixes only where C would
//! otherwise read the value in another type.
//!
//! Pure text functions, shared by expressions and constant initialisers.

use crate::ir::{IntType, Type};

/// The C text of the integer literal `value` of type `ty`, written in the
/// source as `written` (empty when unknown), and whether the text is a
/// negation (a unary expression rather than a primary one).
/// `force_suffix` asks for the 64-bit suffix even when the value fits in
/// `int` (operands C would otherwise compute in 32 bits).
pub(super) fn int_literal(
    value: u64,
    ty: &Type,
    written: &str,
    force_suffix: bool,
) -> (String, bool) {
    let int = match ty {
        Type::Int(int) => *int,
        _ => IntType::U64,
    };
    let bits = int.bits();
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let truncated = value & mask;
    let negative = int.is_signed() && (truncated >> (bits - 1)) & 1 == 1;
    if negative {
        // Two's complement of a negative signed value.
        let magnitude = (!truncated).wrapping_add(1) & mask;
        if bits == 64 && magnitude == 1u64 << 63 {
            // `-9223372036854775808LL` would negate an out-of-range literal.
            return ("(-9223372036854775807LL - 1)".to_string(), false);
        }
        let wide = bits == 64 && (magnitude > i32::MAX as u64 || force_suffix);
        let suffix = if wide { "LL" } else { "" };
        return (format!("-{magnitude}{suffix}"), true);
    }
    let suffix = match (int.is_signed(), bits) {
        (false, 64) if truncated > u64::from(u32::MAX) || force_suffix => "ULL",
        (false, _) if truncated > i32::MAX as u64 => "U",
        (true, 64) if truncated > i32::MAX as u64 || force_suffix => "LL",
        _ => "",
    };
    (format!("{}{suffix}", digits(truncated, written)), false)
}

/// `value` in the base its source spelling `written` used (hex for `0x`
/// and `0b` literals, keeping the written width and letter case), decimal
/// otherwise or when `written` does not spell `value`.
fn digits(value: u64, written: &str) -> String {
    let written = written.trim();
    let plain: String = written
        .to_ascii_lowercase()
        .chars()
        .filter(|c| *c != '_')
        .collect();
    let parsed = if let Some(hex) = plain.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).ok()
    } else if let Some(binary) = plain.strip_prefix("0b") {
        u64::from_str_radix(binary, 2).ok()
    } else {
        None
    };
    match parsed {
        Some(parsed) if parsed == value => {
            let width = if plain.starts_with("0x") {
                plain.len() - 2
            } else {
                0
            };
            if written.chars().skip(2).any(|c| c.is_ascii_uppercase()) {
                format!("0x{value:0width$X}")
            } else {
                format!("0x{value:0width$x}")
            }
        }
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: u64, int: IntType, written: &str, force: bool) -> String {
        int_literal(value, &Type::Int(int), written, force).0
    }

    #[test]
    fn bases_follow_the_source() {
        assert_eq!(text(255, IntType::U32, "0xff", false), "0xff");
        assert_eq!(text(255, IntType::U32, "0x00FF", false), "0x00FF");
        assert_eq!(text(5, IntType::U8, "0b101", false), "0x5");
        assert_eq!(text(255, IntType::U32, "255", false), "255");
        // A span that does not spell the value falls back to decimal.
        assert_eq!(text(7, IntType::U32, "0x10", false), "7");
    }

    #[test]
    fn suffixes_only_where_c_needs_them() {
        assert_eq!(text(1, IntType::U64, "", false), "1");
        assert_eq!(text(1, IntType::U64, "", true), "1ULL");
        assert_eq!(text(1 << 40, IntType::U64, "", false), "1099511627776ULL");
        assert_eq!(text(3_000_000_000, IntType::U32, "", false), "3000000000U");
        assert_eq!(text(3_000_000_000, IntType::I64, "", false), "3000000000LL");
    }

    #[test]
    fn negative_values_are_negations() {
        assert_eq!(
            int_literal(u64::MAX, &Type::Int(IntType::I64), "", false),
            ("-1".to_string(), true)
        );
        assert_eq!(text(0xff, IntType::I8, "", false), "-1");
        assert_eq!(
            text(1 << 63, IntType::I64, "", false),
            "(-9223372036854775807LL - 1)"
        );
    }
}
