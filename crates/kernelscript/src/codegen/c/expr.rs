//! C expressions as text with the precedence of their outermost operator,
//! and the combinators that add exactly the parentheses C needs — plus
//! those gcc's and clang's `-Wparentheses` ask for (bit operations mixed
//! with other operators, `&&` inside `||`, chained comparisons).

use crate::ir::BinaryOp;

/// C precedence levels, loosest first.
pub struct Precedence;

impl Precedence {
    pub const CONDITIONAL: u8 = 3;
    pub const OR: u8 = 4;
    pub const AND: u8 = 5;
    pub const BIT_OR: u8 = 6;
    pub const BIT_XOR: u8 = 7;
    pub const BIT_AND: u8 = 8;
    pub const EQUALITY: u8 = 9;
    pub const RELATIONAL: u8 = 10;
    pub const SHIFT: u8 = 11;
    pub const ADDITIVE: u8 = 12;
    pub const MULTIPLICATIVE: u8 = 13;
    /// Prefix operators and casts.
    pub const UNARY: u8 = 14;
    /// Calls, `a[i]`, `a.f`, `a->f`.
    pub const POSTFIX: u8 = 15;
    /// Names, literals, parenthesised text.
    pub const PRIMARY: u8 = 16;
}

/// The precedence of a binary operator.
pub fn binary_precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => Precedence::MULTIPLICATIVE,
        BinaryOp::Add | BinaryOp::Sub => Precedence::ADDITIVE,
        BinaryOp::Shl | BinaryOp::Shr => Precedence::SHIFT,
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => Precedence::RELATIONAL,
        BinaryOp::Eq | BinaryOp::Ne => Precedence::EQUALITY,
        BinaryOp::BitAnd => Precedence::BIT_AND,
        BinaryOp::BitXor => Precedence::BIT_XOR,
        BinaryOp::BitOr => Precedence::BIT_OR,
        BinaryOp::And => Precedence::AND,
        BinaryOp::Or => Precedence::OR,
    }
}

fn is_arithmetic(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem
    )
}

fn is_bit_operation(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor | BinaryOp::Shl | BinaryOp::Shr
    )
}

/// Whether the binary operand `child` of `parent` (its right operand when
/// `right`) needs parentheses: where C would group differently, and where
/// `-Wparentheses` asks for clarity.
pub fn needs_parens(parent: BinaryOp, child: BinaryOp, right: bool) -> bool {
    let (parent_prec, child_prec) = (binary_precedence(parent), binary_precedence(child));
    if child_prec < parent_prec {
        return true;
    }
    if is_bit_operation(parent) || is_bit_operation(child) {
        return !(parent == child && !right && parent != BinaryOp::Shl && parent != BinaryOp::Shr);
    }
    if parent == BinaryOp::Or && child == BinaryOp::And {
        return true;
    }
    if parent.is_comparison() && child.is_comparison() {
        return true;
    }
    if child_prec == parent_prec {
        // Left-associative: only a left operand of the same level is free.
        return right || !(is_arithmetic(parent) || parent.is_logical());
    }
    false
}

/// A C expression and how tightly it binds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CExpr {
    pub text: String,
    pub precedence: u8,
    /// The operator, when this is a binary expression (for clarity
    /// parentheses).
    pub op: Option<BinaryOp>,
}

impl CExpr {
    fn with(text: impl Into<String>, precedence: u8) -> CExpr {
        CExpr {
            text: text.into(),
            precedence,
            op: None,
        }
    }

    /// A name, literal or parenthesised expression.
    pub fn primary(text: impl Into<String>) -> CExpr {
        CExpr::with(text, Precedence::PRIMARY)
    }

    /// A call, subscript or member access.
    pub fn postfix(text: impl Into<String>) -> CExpr {
        CExpr::with(text, Precedence::POSTFIX)
    }

    /// A prefix operator or cast.
    pub fn unary(text: impl Into<String>) -> CExpr {
        CExpr::with(text, Precedence::UNARY)
    }

    /// `a ? b : c`.
    pub fn conditional(text: impl Into<String>) -> CExpr {
        CExpr::with(text, Precedence::CONDITIONAL)
    }

    /// The text, parenthesised unless it binds at least as tightly as
    /// `precedence`.
    pub fn at(&self, precedence: u8) -> String {
        if self.precedence >= precedence {
            self.text.clone()
        } else {
            format!("({})", self.text)
        }
    }

    /// `left op right`, each side parenthesised as C and `-Wparentheses`
    /// need.
    pub fn binary(op: BinaryOp, left: CExpr, right: CExpr) -> CExpr {
        let precedence = binary_precedence(op);
        let side = |operand: CExpr, right: bool| match operand.op {
            Some(child) if needs_parens(op, child, right) => format!("({})", operand.text),
            Some(_) => operand.text,
            None => operand.at(precedence + u8::from(right)),
        };
        let text = format!(
            "{} {} {}",
            side(left, false),
            op.symbol(),
            side(right, true)
        );
        CExpr {
            text,
            precedence,
            op: Some(op),
        }
    }

    /// `symbol operand` (`-x`, `!x`, `~x`, `*p`, `&x`), never merging into
    /// `--x`, `- -x` or `&&x`.
    pub fn prefix(symbol: &str, operand: &CExpr) -> CExpr {
        let inner = if operand.precedence == Precedence::UNARY
            && operand.text.starts_with(['-', '+', '&', '*'])
        {
            format!("({})", operand.text)
        } else {
            operand.at(Precedence::UNARY)
        };
        CExpr::unary(format!("{symbol}{inner}"))
    }

    /// `(type)operand`.
    pub fn cast(type_name: &str, operand: &CExpr) -> CExpr {
        CExpr::unary(format!("({type_name}){}", operand.at(Precedence::UNARY)))
    }

    /// `base.field`.
    pub fn member(base: &CExpr, field: &str) -> CExpr {
        CExpr::postfix(format!("{}.{field}", base.at(Precedence::POSTFIX)))
    }

    /// `base->field`.
    pub fn arrow(base: &CExpr, field: &str) -> CExpr {
        CExpr::postfix(format!("{}->{field}", base.at(Precedence::POSTFIX)))
    }

    /// `base[index]`.
    pub fn index(base: &CExpr, index: &str) -> CExpr {
        CExpr::postfix(format!("{}[{index}]", base.at(Precedence::POSTFIX)))
    }

    /// `callee(args...)`.
    pub fn call(callee: &str, args: &[String]) -> CExpr {
        CExpr::postfix(format!("{callee}({})", args.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BinaryOp::*;

    #[test]
    fn parentheses_follow_c_and_wparentheses() {
        assert!(!needs_parens(Add, Mul, true));
        assert!(needs_parens(Mul, Add, false));
        assert!(needs_parens(Sub, Sub, true));
        assert!(!needs_parens(Sub, Sub, false));
        assert!(needs_parens(BitAnd, Add, false));
        assert!(needs_parens(Eq, BitAnd, false));
        assert!(needs_parens(Or, And, false));
        assert!(!needs_parens(And, Eq, false));
        assert!(!needs_parens(Lt, Add, true));
        assert!(needs_parens(Eq, Lt, false));
    }

    #[test]
    fn combinators_parenthesise_only_where_needed() {
        let a = CExpr::primary("a");
        let b = CExpr::primary("b");
        let sum = CExpr::binary(Add, a.clone(), b.clone());
        assert_eq!(
            CExpr::binary(Mul, sum.clone(), b.clone()).text,
            "(a + b) * b"
        );
        assert_eq!(
            CExpr::binary(Add, a.clone(), sum.clone()).text,
            "a + (a + b)"
        );
        assert_eq!(CExpr::binary(Add, sum.clone(), a.clone()).text, "a + b + a");
        let negated = CExpr::prefix("-", &a);
        assert_eq!(CExpr::prefix("-", &negated).text, "-(-a)");
        assert_eq!(CExpr::cast("__u8", &sum).text, "(__u8)(a + b)");
        assert_eq!(CExpr::arrow(&CExpr::prefix("*", &a), "f").text, "(*a)->f");
    }
}
