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
use super::strings::{parenthesize_postfix, string_prec};
use super::types;
use crate::codegen::c::{
    char_literal, const_literal, int_literal, string_literal, CExpr, Precedence,
};

pub(super) const PREC_UNARY: u8 = Precedence::UNARY;
pub(super) const PREC_POSTFIX: u8 = Precedence::POSTFIX;

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
        CExpr::unary(format!("({ty})({})", value.text))
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
                    precedence: string_prec(&operand.text),
                    text: operand.text,
                    op: None,
                };
            }
        }
        match &expr.kind {
            ExprKind::Int(value, radix) => int_literal(*value, &expr.ty, *radix, false),
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
                    const_literal(def.value, &def.ty, def.radix)
                }
            },
            ExprKind::EnumVariant { enum_id, variant } => {
                let def = self.gen.program.enum_def(*enum_id);
                let variant = &def.variants[*variant];
                match def.origin {
                    Origin::Source => CExpr::primary(variant.name.clone()),
                    Origin::Kernel => const_literal(
                        i128::from(variant.value),
                        &Type::Int(crate::ir::IntType::I64),
                        crate::ir::Radix::Decimal,
                    ),
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
                let inner = self.wrapped(inner);
                CExpr::cast(&ty, &inner)
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
                let map_def = self.gen.program.map(*map);
                let (key_ty, value_ty) = (map_def.key.clone(), map_def.value.clone());
                let key = self.map_argument(&key_ty, key);
                if let Type::Array(..) = value_ty {
                    // An array value is copied into storage the caller
                    // gives (a compound literal living to the block's end).
                    let storage = types::type_name(self.gen.program, &value_ty);
                    return CExpr::postfix(format!("{get}(({storage}){{0}}, {key})"));
                }
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

    fn field_name(&self, ty: &Type, field: usize) -> String {
        match ty {
            Type::Struct(id) => self.gen.program.struct_def(*id).fields[field].name.clone(),
            other => panic!("internal error: field access on {other:?}"),
        }
    }

    fn unary(&mut self, op: UnaryOp, operand: &Expr) -> CExpr {
        if let (UnaryOp::Neg, ExprKind::Int(value, radix)) = (op, &operand.kind) {
            // `-LITERAL` as one literal: the most negative value stays valid C.
            return int_literal(value.wrapping_neg(), &operand.ty, *radix, false);
        }
        let inner = self.wrapped(operand);
        CExpr::prefix(op.symbol(), &inner)
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
                CExpr::unary(format!("!{call}"))
            };
        }
        if crate::codegen::arithmetic::needs_definition(op, &lhs.ty, rhs) {
            let lhs_text = self.value(lhs);
            if let Some(text) = self.defined_arithmetic(op, &lhs_text, &lhs.ty.clone(), rhs) {
                return CExpr::unary(text);
            }
        }
        let left = self.operand(lhs);
        let right = self.operand(rhs);
        CExpr::binary(op, left, right)
    }

    /// An operand of a binary operator: narrow arithmetic cast back to its
    /// type; string comparisons are calls, not comparisons.
    fn operand(&mut self, operand: &Expr) -> CExpr {
        if wraps_narrow(operand) {
            return self.wrapped(operand);
        }
        self.expr(operand)
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
