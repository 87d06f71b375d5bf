//! Userspace expressions, with only the parentheses C (and gcc's
//! `-Wparentheses`) needs: names, fields, operators, casts, map reads.
//!
//! The rest lives beside it: `calls` (functions and builtins), `strings`
//! (`str(N)` operands), `aggregates` (struct and array literals, `match`
//! as a GCC statement expression), `literals` (integer and string
//! literal spelling).

use crate::ir::{BinaryOp, Expr, ExprKind, Origin, Type, UnaryOp};

use super::aggregates::statement_expression;
use super::functions::FunctionEmitter;
use super::literals::{
    int_literal, int_literal_i128, literal_expr, negative_literal, unsigned_text,
};
use super::strings::{parenthesize_postfix, string_prec};
use super::types;
use crate::codegen::c_writer::{char_literal, string_literal};

/// C precedence levels, loosest first.
pub(super) const PREC_OR: u8 = 4;
pub(super) const PREC_AND: u8 = 5;
pub(super) const PREC_BITOR: u8 = 6;
pub(super) const PREC_BITXOR: u8 = 7;
pub(super) const PREC_BITAND: u8 = 8;
pub(super) const PREC_EQUALITY: u8 = 9;
pub(super) const PREC_RELATIONAL: u8 = 10;
pub(super) const PREC_SHIFT: u8 = 11;
pub(super) const PREC_ADDITIVE: u8 = 12;
pub(super) const PREC_MULTIPLICATIVE: u8 = 13;
pub(super) const PREC_UNARY: u8 = 14;
pub(super) const PREC_POSTFIX: u8 = 15;
pub(super) const PREC_PRIMARY: u8 = 16;

/// C expression text and the precedence of its outermost operator.
pub struct CExpr {
    pub text: String,
    pub prec: u8,
}

impl CExpr {
    pub(super) fn primary(text: impl Into<String>) -> CExpr {
        CExpr {
            text: text.into(),
            prec: PREC_PRIMARY,
        }
    }

    pub(super) fn postfix(text: impl Into<String>) -> CExpr {
        CExpr {
            text: text.into(),
            prec: PREC_POSTFIX,
        }
    }

    /// The text, parenthesised when it binds looser than `min`.
    pub(super) fn at(self, min: u8) -> String {
        if self.prec < min {
            format!("({})", self.text)
        } else {
            self.text
        }
    }
}

fn binary_prec(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => PREC_MULTIPLICATIVE,
        BinaryOp::Add | BinaryOp::Sub => PREC_ADDITIVE,
        BinaryOp::Shl | BinaryOp::Shr => PREC_SHIFT,
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => PREC_RELATIONAL,
        BinaryOp::Eq | BinaryOp::Ne => PREC_EQUALITY,
        BinaryOp::BitAnd => PREC_BITAND,
        BinaryOp::BitXor => PREC_BITXOR,
        BinaryOp::BitOr => PREC_BITOR,
        BinaryOp::And => PREC_AND,
        BinaryOp::Or => PREC_OR,
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

/// Whether a binary operand `child` of `parent` must be parenthesised:
/// when C would group it differently, and wherever gcc's `-Wparentheses`
/// asks for clarity (bit operations mixed with anything, `&&` in `||`,
/// chained comparisons).
fn operand_needs_parens(parent: BinaryOp, child: BinaryOp, right: bool) -> bool {
    let (parent_prec, child_prec) = (binary_prec(parent), binary_prec(child));
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

impl FunctionEmitter<'_, '_> {
    /// The expression's C text, at any precedence (for arguments,
    /// initialisers and statement positions).
    pub fn value(&mut self, expr: &Expr) -> String {
        self.wrapped(expr).text
    }

    /// `expr`, cast back to its type when it is arithmetic on an integer
    /// narrower than `int`: C promotes `u8 + u8` to `int`, KernelScript
    /// computes in `u8` (as the eBPF generator's `operand` does).
    fn wrapped(&mut self, expr: &Expr) -> CExpr {
        let value = self.expr(expr);
        if !wraps_narrow(expr) {
            return value;
        }
        let ty = types::type_name(self.gen.program, &expr.ty);
        CExpr {
            text: format!("({ty})({})", value.text),
            prec: PREC_UNARY,
        }
    }

    /// A condition: strings are true when non-empty.
    pub fn condition(&mut self, expr: &Expr) -> String {
        if let Type::Str(_) = expr.ty {
            let operand = self.str_operand(expr);
            return format!("{}[0] != '\\0'", parenthesize_postfix(&operand.text));
        }
        self.value(expr)
    }

    pub fn expr(&mut self, expr: &Expr) -> CExpr {
        if let Type::Str(_) = expr.ty {
            if !matches!(expr.kind, ExprKind::Char(_)) {
                let operand = self.str_operand(expr);
                return CExpr {
                    prec: string_prec(&operand.text),
                    text: operand.text,
                };
            }
        }
        match &expr.kind {
            ExprKind::Int(value) => match self.hex_spelling(expr, *value) {
                Some(hex) => CExpr::primary(hex),
                None => literal_expr(int_literal(*value, &expr.ty)),
            },
            ExprKind::Bool(value) => CExpr::primary(if *value { "true" } else { "false" }),
            ExprKind::Char(byte) => CExpr::primary(char_literal(*byte)),
            ExprKind::Str(text) => CExpr::primary(string_literal(text)),
            ExprKind::Null => CExpr::primary("NULL"),
            ExprKind::Local(local) => {
                let name = self.local_names[local.index()].clone();
                if self.local_is_pointer[local.index()] {
                    CExpr::primary(format!("(*{name})"))
                } else {
                    CExpr::primary(name)
                }
            }
            ExprKind::Global(global) => {
                let global = self.gen.program.global(*global);
                if global.pinned {
                    self.gen.needs.pinned_globals = true;
                    CExpr::postfix(format!("{}()->{}", super::pinned::ACCESSOR, global.name))
                } else {
                    CExpr::postfix(format!("ks_skel->data->{}", global.name))
                }
            }
            ExprKind::ConfigField { config, field } => {
                let def = self.gen.program.config(*config);
                CExpr::postfix(format!(
                    "ks_skel->data->{}.{}",
                    def.name, def.fields[*field].name
                ))
            }
            ExprKind::Const(id) => match self.gen.const_names.get(id) {
                Some(name) => {
                    self.gen.needs.consts.insert(*id);
                    CExpr::primary(name.clone())
                }
                None => {
                    let def = self.gen.program.const_def(*id);
                    literal_expr(int_literal_i128(def.value, &def.ty))
                }
            },
            ExprKind::EnumVariant { enum_id, variant } => {
                let def = self.gen.program.enum_def(*enum_id);
                let variant = &def.variants[*variant];
                match def.origin {
                    Origin::Source => CExpr::primary(variant.name.clone()),
                    Origin::Kernel => literal_expr(variant.value.to_string()),
                }
            }
            ExprKind::FunctionRef(id) => {
                let function = self.gen.program.function(*id);
                if function.kind.is_program() {
                    self.gen.needs.program_table = true;
                    CExpr::primary(format!("KS_PROG_{}", function.name))
                } else {
                    CExpr::primary(self.gen.function_names[id].clone())
                }
            }
            ExprKind::Unary { op, operand } => self.unary(*op, operand),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            ExprKind::Cast(inner) => {
                let ty = types::type_name(self.gen.program, &expr.ty);
                let inner = self.wrapped(inner).at(PREC_UNARY);
                CExpr {
                    text: format!("({ty}){inner}"),
                    prec: PREC_UNARY,
                }
            }
            ExprKind::Sizeof(ty) => CExpr::primary(format!(
                "sizeof({})",
                types::type_name(self.gen.program, ty)
            )),
            ExprKind::Call { callee, args } => self.call(callee, args),
            ExprKind::Field { base, field } => {
                let name = self.field_name(&base.ty, *field);
                if let ExprKind::Local(local) = base.kind {
                    if self.local_is_pointer[local.index()] {
                        let pointer = self.local_names[local.index()].clone();
                        return CExpr::postfix(format!("{pointer}->{name}"));
                    }
                }
                if let ExprKind::Unary {
                    op: UnaryOp::Deref,
                    operand,
                } = &base.kind
                {
                    let pointer = self.expr(operand).at(PREC_POSTFIX);
                    return CExpr::postfix(format!("{pointer}->{name}"));
                }
                let base = self.expr(base).at(PREC_POSTFIX);
                CExpr::postfix(format!("{base}.{name}"))
            }
            ExprKind::Arrow { base, field } => {
                let pointee = base.ty.pointee().cloned().unwrap_or(Type::Error);
                let name = self.field_name(&pointee, *field);
                let base = self.expr(base).at(PREC_POSTFIX);
                CExpr::postfix(format!("{base}->{name}"))
            }
            ExprKind::Index { base, index } => {
                let base = self.expr(base).at(PREC_POSTFIX);
                let index = self.value(index);
                CExpr::postfix(format!("{base}[{index}]"))
            }
            ExprKind::MapGet { map, key } => {
                self.gen.map_use(*map).get = true;
                let get = self.gen.map_helper(*map, "get");
                let key_ty = self.gen.program.map(*map).key.clone();
                let key = self.map_argument(&key_ty, key);
                CExpr::postfix(format!("{get}({key})"))
            }
            ExprKind::MapContains { map, key } => {
                self.gen.map_use(*map).contains = true;
                let contains = self.gen.map_helper(*map, "contains");
                let key_ty = self.gen.program.map(*map).key.clone();
                let key = self.map_argument(&key_ty, key);
                CExpr::postfix(format!("{contains}({key})"))
            }
            ExprKind::MapLoad { map, key, dest } => {
                self.gen.map_use(*map).load = true;
                let load = self.gen.map_helper(*map, "load");
                let map_def = self.gen.program.map(*map);
                let (key_ty, value_ty) = (map_def.key.clone(), map_def.value.clone());
                let key = self.map_argument(&key_ty, key);
                let ExprKind::Unary { operand: place, .. } = &dest.kind else {
                    panic!("internal error: MapLoad into something other than `&local`")
                };
                let array_like = types::is_array_like(&value_ty);
                let volatile = super::visit::place_root(place)
                    .is_some_and(|local| self.volatile_locals.contains(&local));
                if volatile {
                    // No `volatile` object is written through a plain
                    // pointer: load into a temporary, then assign.
                    let place = self.value(place);
                    let (argument, copy) = if array_like {
                        let copy = format!("memcpy((void *){place}, ks_value, sizeof(ks_value));");
                        ("ks_value", copy)
                    } else {
                        ("&ks_value", format!("{place} = ks_value;"))
                    };
                    let declaration = types::declaration(self.gen.program, &value_ty, "ks_value");
                    let body = format!(
                        "{declaration};\nbool ks_found = {load}({key}, {argument});\n{copy}\nks_found;\n"
                    );
                    return CExpr::primary(statement_expression(&body));
                }
                // Array-like values are passed as their elements' address.
                let dest = if array_like {
                    self.map_argument(&value_ty, place)
                } else {
                    self.value(dest)
                };
                CExpr::postfix(format!("{load}({key}, {dest})"))
            }
            ExprKind::MapRef(_) | ExprKind::StructOpsRef(_) => {
                panic!("internal error: a map or impl block used as a userspace value")
            }
            ExprKind::StructLit { .. } => {
                let ty = types::type_name(self.gen.program, &expr.ty);
                let (initializer, post) = self.initializer(expr, "ks_value");
                if post.is_empty() {
                    CExpr::postfix(format!("({ty}){initializer}"))
                } else {
                    let mut body = format!("{ty} ks_value = {initializer};\n");
                    for line in post {
                        body.push_str(&format!("{line}\n"));
                    }
                    body.push_str("ks_value;\n");
                    CExpr::primary(statement_expression(&body))
                }
            }
            ExprKind::ArrayLit(_) => CExpr::postfix(self.array_source(expr)),
            ExprKind::Match { scrutinee, arms } => {
                CExpr::primary(self.match_expression(scrutinee, arms, &expr.ty))
            }
        }
    }

    /// A literal the source wrote in hexadecimal keeps that spelling
    /// (with the suffix its value needs).
    fn hex_spelling(&self, expr: &Expr, value: u64) -> Option<String> {
        let span = expr.span;
        self.gen.sources.files().nth(span.file.0 as usize)?;
        let text = self
            .gen
            .sources
            .text(span.file)
            .get(span.start as usize..span.end as usize)?;
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))?
            .replace('_', "");
        if u64::from_str_radix(&digits, 16).ok()? != value {
            return None;
        }
        let (bits, signed) = match &expr.ty {
            Type::Int(int) => (int.bits(), int.is_signed()),
            _ => (32, false),
        };
        let decimal = unsigned_text(value, bits, signed);
        let suffix = decimal.trim_start_matches(|c: char| c.is_ascii_digit());
        Some(format!("0x{}{suffix}", digits.to_ascii_lowercase()))
    }

    fn field_name(&self, ty: &Type, field: usize) -> String {
        match ty {
            Type::Struct(id) => self.gen.program.struct_def(*id).fields[field].name.clone(),
            other => panic!("internal error: field access on {other:?}"),
        }
    }

    fn unary(&mut self, op: UnaryOp, operand: &Expr) -> CExpr {
        if op == UnaryOp::Neg {
            // Fold `-LITERAL` so that the most negative value stays valid C.
            if let ExprKind::Int(value) = operand.kind {
                return literal_expr(negative_literal(value, &operand.ty));
            }
        }
        let inner = self.wrapped(operand).at(PREC_UNARY);
        let symbol = op.symbol();
        // `- -x` and `& &x` must not merge into `--x` / `&&x`.
        let inner = if inner.starts_with(symbol) && matches!(op, UnaryOp::Neg | UnaryOp::AddrOf) {
            format!("({inner})")
        } else {
            inner
        };
        CExpr {
            text: format!("{symbol}{inner}"),
            prec: PREC_UNARY,
        }
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> CExpr {
        if matches!(lhs.ty, Type::Str(_)) && matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
            self.gen.needs.str_eq = true;
            let left = self.str_operand(lhs);
            let right = self.str_operand(rhs);
            let call = format!(
                "ks_str_eq({}, {}, {}, {})",
                left.text, left.cap, right.text, right.cap
            );
            return if op == BinaryOp::Eq {
                CExpr::postfix(call)
            } else {
                CExpr {
                    text: format!("!{call}"),
                    prec: PREC_UNARY,
                }
            };
        }
        if crate::codegen::arithmetic::needs_definition(op, &lhs.ty, rhs) {
            let lhs_text = self.value(lhs);
            if let Some(text) = self.defined_arithmetic(op, &lhs_text, &lhs.ty.clone(), rhs) {
                return CExpr {
                    text,
                    prec: PREC_UNARY,
                };
            }
        }
        let prec = binary_prec(op);
        let left = self.operand(op, lhs, false);
        let right = self.operand(op, rhs, true);
        CExpr {
            text: format!("{left} {} {right}", op.symbol()),
            prec,
        }
    }

    fn operand(&mut self, parent: BinaryOp, operand: &Expr, right: bool) -> String {
        let child_op = match &operand.kind {
            ExprKind::Binary { op, lhs, .. }
                if !(matches!(lhs.ty, Type::Str(_))
                    && matches!(op, BinaryOp::Eq | BinaryOp::Ne)) =>
            {
                Some(*op)
            }
            _ => None,
        };
        if wraps_narrow(operand) {
            return self.wrapped(operand).text;
        }
        let value = self.expr(operand);
        match child_op {
            Some(child) if operand_needs_parens(parent, child, right) => {
                format!("({})", value.text)
            }
            Some(_) => value.text,
            None => {
                let min = binary_prec(parent) + u8::from(right);
                value.at(min)
            }
        }
    }
}

/// Whether `expr` is arithmetic that C would compute wider than its
/// KernelScript type (`u8`, `u16`, `char` and signed kinds: promoted to
/// `int`), so its value must be cast back before it is used.
fn wraps_narrow(expr: &Expr) -> bool {
    let narrow =
        matches!(&expr.ty, Type::Int(int) if int.bits() < 32) || matches!(expr.ty, Type::Char);
    narrow
        && matches!(
            &expr.kind,
            ExprKind::Binary {
                op: BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Shl,
                ..
            } | ExprKind::Unary {
                op: UnaryOp::Neg | UnaryOp::BitNot,
                ..
            }
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parentheses_follow_c_and_wparentheses() {
        use BinaryOp::*;
        assert!(!operand_needs_parens(Add, Mul, true));
        assert!(operand_needs_parens(Mul, Add, false));
        assert!(operand_needs_parens(Sub, Sub, true));
        assert!(!operand_needs_parens(Sub, Sub, false));
        assert!(operand_needs_parens(BitAnd, Add, false));
        assert!(operand_needs_parens(Eq, BitAnd, false));
        assert!(operand_needs_parens(Or, And, false));
        assert!(!operand_needs_parens(And, Eq, false));
        assert!(!operand_needs_parens(Lt, Add, true));
        assert!(operand_needs_parens(Eq, Lt, false));
    }
}
