//! Expressions: C text with just the parentheses C and `-Wparentheses`
//! need, the output-specific spellings asked of the backend.
//!
//! Decided here, from IR types only:
//! * Arithmetic on integers narrower than `int` is cast back to its type
//!   when its value is used as an operand (or printed), so it wraps as in
//!   KernelScript instead of being promoted (`operand`).
//! * An integer literal gets a 64-bit suffix where C would compute in 32
//!   bits (`1ULL << 40`); `-LITERAL` is one literal, so the most negative
//!   value stays valid C.
//! * Locals reached through a pointer are `*p` and `p->f`.

use crate::codegen::c::types::{is_array_like, is_narrow_int};
use crate::codegen::c::{char_literal, const_literal, int_literal, string_literal, CExpr};
use crate::ir::{BinaryOp, Callee, Expr, ExprKind, Origin, Type, UnaryOp};

use super::{entry, plain, Lowering, Spelling};
use crate::codegen::c::backend::Backend;
use crate::codegen::c::Precedence;

impl<'a, B: Backend<'a>> Lowering<'a, B> {
    /// `expr` as C.
    pub fn expr(&mut self, expr: &'a Expr) -> CExpr {
        if let Some(hoisted) = self.hoisted_value(expr) {
            return CExpr::primary(hoisted);
        }
        if let Some(special) = B::special(self, expr) {
            return special;
        }
        self.expr_core(expr)
    }

    /// `expr` as C without asking the backend's `special` first (for a
    /// backend's `special` spelling the plain form of a place).
    pub fn expr_core(&mut self, expr: &'a Expr) -> CExpr {
        match &expr.kind {
            ExprKind::Int(value, radix) => int_literal(*value, &expr.ty, *radix, false),
            ExprKind::Bool(value) => CExpr::primary(if *value { "true" } else { "false" }),
            ExprKind::Char(byte) => CExpr::primary(char_literal(*byte)),
            ExprKind::Str(text) => CExpr::primary(string_literal(text)),
            ExprKind::Null => CExpr::primary("NULL"),
            ExprKind::Local(id) => match self.locals.get(id) {
                Some(Spelling::Value(name)) => CExpr::primary(name.clone()),
                Some(Spelling::Pointer(pointer)) => CExpr::unary(format!("*{pointer}")),
                None => CExpr::primary(self.function.local(*id).name.clone()),
            },
            ExprKind::Global(id) => B::global(self, *id),
            ExprKind::ConfigField { config, field } => {
                let object = B::config(self, *config);
                CExpr::member(&object, self.names.config_field(*config, *field))
            }
            ExprKind::Const(id) => self.constant(*id),
            ExprKind::EnumVariant { enum_id, variant } => {
                match self.program.enum_def(*enum_id).origin {
                    Origin::Source => {
                        CExpr::primary(self.names.variant(*enum_id, *variant).to_string())
                    }
                    Origin::Kernel => B::kernel_variant(self, *enum_id, *variant),
                }
            }
            ExprKind::FunctionRef(id) => B::function_ref(self, *id),
            ExprKind::Unary { op, operand } => self.unary(*op, operand),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            ExprKind::Cast(inner) => self.cast(inner, &expr.ty),
            ExprKind::Sizeof(ty) => CExpr::primary(format!("sizeof({})", self.types.name(ty))),
            ExprKind::Call { callee, args } => self.call(callee, args),
            ExprKind::Field { base, field } => self.field(base, *field),
            ExprKind::Arrow { base, field } => {
                let pointee = base.ty.pointee().cloned().unwrap_or(Type::Error);
                let name = self.field_name(&pointee, *field);
                let base = self.expr(base);
                CExpr::arrow(&base, &name)
            }
            ExprKind::Index { base, index } => {
                let base = self.operand(base);
                // The index is a value even inside a place.
                let place_mode = std::mem::replace(&mut self.place_mode, false);
                let index = self.operand(index).text;
                self.place_mode = place_mode;
                CExpr::index(&base, &index)
            }
            ExprKind::MapGet { map, key } => B::map_get(self, entry(*map, key)),
            ExprKind::MapContains { map, key } => B::map_contains(self, entry(*map, key), false),
            ExprKind::MapLoad { map, key, dest } => B::map_load(self, entry(*map, key), dest),
            ExprKind::MapRef(map) => B::map_ref(self, *map),
            ExprKind::StructOpsRef(id) => B::struct_ops_ref(self, *id),
            ExprKind::StructLit { .. } | ExprKind::ArrayLit(_) => self.compound_literal(expr),
            ExprKind::Match { scrutinee, arms } => self.match_expression(scrutinee, arms, &expr.ty),
        }
    }

    /// `expr`'s C text at any precedence, narrow arithmetic cast back to its
    /// type (a value whose C type must be its own: an argument of
    /// `printf`, a condition).
    pub fn value(&mut self, expr: &'a Expr) -> String {
        self.operand(expr).text
    }

    /// `expr` as a condition of `if`/`while`.
    pub fn condition(&mut self, expr: &'a Expr) -> String {
        if let Some(hoisted) = self.hoisted_value(expr) {
            return hoisted;
        }
        if let Some(condition) = B::condition(self, expr) {
            return condition;
        }
        self.expr(expr).text
    }

    /// `expr` as an operand of another operator: narrow arithmetic is cast
    /// back to its own type so it wraps instead of being promoted to `int`.
    pub fn operand(&mut self, expr: &'a Expr) -> CExpr {
        let wraps = matches!(
            &expr.kind,
            ExprKind::Binary {
                op: BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Shl,
                ..
            } | ExprKind::Unary {
                op: UnaryOp::Neg | UnaryOp::BitNot,
                ..
            }
        ) && is_narrow_int(&expr.ty);
        let text = self.expr(expr);
        if wraps {
            let ty = self.types.name(&expr.ty);
            CExpr::unary(format!("({ty})({})", text.text))
        } else {
            text
        }
    }

    /// A constant: a user one by its C name, a kernel one as the backend
    /// spells it.
    fn constant(&mut self, id: crate::ir::ConstId) -> CExpr {
        let def = self.program.const_def(id);
        match def.origin {
            Origin::Source => CExpr::primary(self.names.constant(id).to_string()),
            Origin::Kernel => B::kernel_const(self, id),
        }
    }

    /// A constant's value in its own radix (where C wants a constant
    /// expression a `static const` cannot give).
    pub fn constant_value(&self, id: crate::ir::ConstId) -> CExpr {
        let def = self.program.const_def(id);
        const_literal(def.value, &def.ty, def.radix)
    }

    fn unary(&mut self, op: UnaryOp, operand: &'a Expr) -> CExpr {
        match (op, &operand.kind) {
            (UnaryOp::AddrOf, _) => return self.address_of(operand),
            (UnaryOp::Not, ExprKind::MapContains { map, key }) => {
                return B::map_contains(self, entry(*map, key), true)
            }
            (UnaryOp::Neg, ExprKind::Int(value, radix)) => {
                // `-LITERAL` as one literal: `(-2147483647 - 1)` stays valid.
                return int_literal(value.wrapping_neg(), &operand.ty, *radix, false);
            }
            _ => {}
        }
        let inner = self.operand(operand);
        CExpr::prefix(op.symbol(), &inner)
    }

    /// `&place`, without `&*`: a local reached through a pointer is its
    /// pointer, `*p` is `p`.
    pub fn address_of(&mut self, place: &'a Expr) -> CExpr {
        match &place.kind {
            ExprKind::Local(id) => {
                if let Some(Spelling::Pointer(pointer)) = self.locals.get(id) {
                    return CExpr::primary(pointer.clone());
                }
            }
            ExprKind::Unary {
                op: UnaryOp::Deref,
                operand,
            } => return self.expr(operand),
            _ => {}
        }
        let inner = self.place(place);
        CExpr::prefix("&", &inner)
    }

    /// `place` as an lvalue (an assignment target, an `&` operand): while
    /// it is written, `place_mode` tells the backend it is not a read.
    pub fn place(&mut self, place: &'a Expr) -> CExpr {
        let saved = std::mem::replace(&mut self.place_mode, true);
        let text = self.expr(place);
        self.place_mode = saved;
        text
    }

    fn binary(&mut self, op: BinaryOp, lhs: &'a Expr, rhs: &'a Expr) -> CExpr {
        if let Some(special) = B::binary(self, op, lhs, rhs) {
            return special;
        }
        let left = self.binary_side(op, lhs, rhs, true);
        let right = self.binary_side(op, rhs, lhs, false);
        CExpr::binary(op, left, right)
    }

    /// One operand of a binary operator: a literal that would compute in
    /// `int` gets a 64-bit suffix.
    fn binary_side(
        &mut self,
        op: BinaryOp,
        side: &'a Expr,
        other: &'a Expr,
        is_left: bool,
    ) -> CExpr {
        if !op.is_logical() {
            if let Some(special) = B::binary_operand(self, side) {
                return special;
            }
        }
        if let ExprKind::Int(value, radix) = &side.kind {
            let other_is_constant = matches!(other.kind, ExprKind::Int(..) | ExprKind::Const(_));
            let shifted = is_left && matches!(op, BinaryOp::Shl | BinaryOp::Shr);
            let arithmetic = !op.is_comparison() && !op.is_logical();
            return int_literal(
                *value,
                &side.ty,
                *radix,
                arithmetic && (other_is_constant || shifted),
            );
        }
        self.operand(side)
    }

    fn cast(&mut self, inner: &'a Expr, ty: &Type) -> CExpr {
        if &inner.ty == ty {
            return self.expr(inner);
        }
        let target = self.types.name(ty);
        let inner = self.operand(inner);
        CExpr::cast(&target, &inner)
    }

    fn field(&mut self, base: &'a Expr, field: usize) -> CExpr {
        let name = self.field_name(&base.ty, field);
        if let ExprKind::Local(id) = &base.kind {
            if let Some(Spelling::Pointer(pointer)) = self.locals.get(id) {
                return CExpr::postfix(format!("{pointer}->{name}"));
            }
        }
        if let ExprKind::Unary {
            op: UnaryOp::Deref,
            operand,
        } = &base.kind
        {
            let pointer = self.expr(operand);
            return CExpr::arrow(&pointer, &name);
        }
        let base = self.expr(base);
        CExpr::member(&base, &name)
    }

    /// The C name of field `index` of the struct type `ty`.
    pub fn field_name(&self, ty: &Type, index: usize) -> String {
        match ty {
            Type::Struct(id) => self.names.field(*id, index).to_string(),
            _ => String::new(),
        }
    }

    fn call(&mut self, callee: &'a Callee, args: &'a [Expr]) -> CExpr {
        let name = match callee {
            Callee::Function(id) => self.names.function(*id).to_string(),
            Callee::Indirect(target) => self.expr(target).at(Precedence::POSTFIX),
            _ => return B::call(self, callee, args),
        };
        let args: Vec<String> = args.iter().map(|arg| B::argument(self, arg)).collect();
        CExpr::call(&name, &args)
    }

    /// An initialiser: braces for struct and array literals (designated for
    /// structs), the expression otherwise; `base` names the object being
    /// initialised, for the copies that must follow (`post`): fields and
    /// elements of array-like type whose values are not literals.
    pub fn initializer(&mut self, expr: &'a Expr, base: &str, post: &mut Vec<String>) -> String {
        match &expr.kind {
            ExprKind::StructLit { struct_id, fields } => {
                let def = self.program.struct_def(*struct_id);
                let mut parts = Vec::new();
                for (index, value) in fields {
                    let name = self.names.field(*struct_id, *index).to_string();
                    let place = format!("{base}.{name}");
                    if let Some(text) = self.element(&def.fields[*index].ty, value, &place, post) {
                        parts.push(format!(".{name} = {text}"));
                    }
                }
                braces(&parts, self.types.policy.zero_aggregate)
            }
            ExprKind::ArrayLit(elements) => {
                let element_ty = match &expr.ty {
                    Type::Array(element, _) => (**element).clone(),
                    _ => Type::Error,
                };
                let mut parts = Vec::new();
                for (index, element) in elements.iter().enumerate() {
                    let place = format!("{base}[{index}]");
                    let text = self
                        .element(&element_ty, element, &place, post)
                        .unwrap_or_else(|| self.types.policy.zero_aggregate.to_string());
                    parts.push(text);
                }
                braces(&parts, self.types.policy.zero_aggregate)
            }
            _ => self.expr(expr).text,
        }
    }

    /// The initialiser of one field or element of type `ty` at `place`, or
    /// `None` when it is filled by a copy after the declaration.
    fn element(
        &mut self,
        ty: &Type,
        value: &'a Expr,
        place: &str,
        post: &mut Vec<String>,
    ) -> Option<String> {
        match (&value.kind, ty) {
            (ExprKind::StructLit { .. } | ExprKind::ArrayLit(_), _) => {
                Some(self.initializer(value, place, post))
            }
            (ExprKind::Str(text), Type::Str(len)) => Some(truncated_literal(text, *len)),
            (_, ty) if is_array_like(ty) => {
                let saved = std::mem::take(&mut self.out);
                let saved_lines = std::mem::replace(&mut self.map_lines, false);
                B::store_aggregate(self, place, ty, plain(value));
                self.map_lines = saved_lines;
                let copy = std::mem::replace(&mut self.out, saved);
                post.extend(copy.finish().lines().map(|line| line.trim().to_string()));
                None
            }
            _ => Some(self.expr(value).text),
        }
    }

    /// A struct or array literal as a C99 compound literal; copies into
    /// array-like members go through a GNU statement expression.
    pub fn compound_literal(&mut self, expr: &'a Expr) -> CExpr {
        let ty = self.types.name(&expr.ty);
        let mut post = Vec::new();
        let init = self.initializer(expr, PLACEHOLDER, &mut post);
        if post.is_empty() {
            return CExpr::postfix(format!("({ty}){init}"));
        }
        let temp = self.temp("literal");
        let declaration = self.types.declaration(&expr.ty, &temp);
        let mut body = format!("{declaration} = {init};\n");
        for line in post {
            body.push_str(&format!("{}\n", line.replace(PLACEHOLDER, &temp)));
        }
        body.push_str(&format!("{temp};\n"));
        CExpr::primary(statement_expression(&body))
    }
}

/// Stands for the object a compound literal builds until it has a name.
const PLACEHOLDER: &str = "\u{1}literal\u{1}";

/// `{ a, b }`, or the zero initialiser for none.
fn braces(parts: &[String], zero: &str) -> String {
    if parts.is_empty() {
        zero.to_string()
    } else {
        format!("{{ {} }}", parts.join(", "))
    }
}

/// A string literal fitting `str(len)`: longer text is cut to `len - 1`
/// bytes (the terminator needs the last byte).
pub fn truncated_literal(text: &str, len: u32) -> String {
    let max = (len as usize).saturating_sub(1);
    let bytes = text.as_bytes();
    crate::codegen::c::string_literal_bytes(&bytes[..bytes.len().min(max)])
}

/// `({ ... })` around statements, one level deeper.
pub fn statement_expression(body: &str) -> String {
    let mut text = String::from("({\n");
    for line in body.lines() {
        if !line.is_empty() {
            text.push('\t');
            text.push_str(line);
        }
        text.push('\n');
    }
    text.push_str("})");
    text
}
