//! Expressions: C text with just the parentheses precedence (and clang's
//! `-Wparentheses` taste) requires.
//!
//! Points of care, all decided from IR types, never from names:
//! * Arithmetic on integers narrower than `int` is cast back to its type
//!   when the result feeds another operator, so it wraps as in KernelScript
//!   instead of being promoted.
//! * Packet pointer fields of a context (`ctx->data`) are `__u32` in C:
//!   reads become `(void *)(long)ctx->data`, and `(__u8 *)(long)ctx->data`
//!   where byte arithmetic follows.
//! * Integer literals keep the base they were written in (hex stays hex)
//!   and get `U`/`ULL`/`LL` suffixes only where C would otherwise compute in
//!   the wrong width.
//! * By-reference locals (map lookups, `if (var p = ...)`) are pointers:
//!   `stats->count`, `*stats`.

use crate::codegen::c::{char_literal, int_literal, string_literal, CExpr, Precedence};
use crate::ir::{BinaryOp, Builtin, Callee, Expr, ExprKind, Method, Origin, Type, UnaryOp};
use crate::kinds;

use super::functions::{FunctionEmitter, Spelling};
use super::types::{is_narrow_int, type_name};
use super::{maps, matching};

pub(super) const POSTFIX: u8 = Precedence::POSTFIX;
pub(super) const UNARY: u8 = Precedence::UNARY;

impl<'a> FunctionEmitter<'_, 'a> {
    /// `expr` as C.
    pub(super) fn expr(&mut self, expr: &'a Expr) -> CExpr {
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
            ExprKind::Global(id) => {
                let global = self.program.global(*id);
                match (&self.pinned_entry, global.pinned) {
                    (Some(entry), true) => CExpr::primary(format!("{entry}->{}", global.name)),
                    _ => CExpr::primary(global.name.clone()),
                }
            }
            ExprKind::ConfigField { config, field } => {
                let config = self.program.config(*config);
                CExpr::primary(format!("{}.{}", config.name, config.fields[*field].name))
            }
            ExprKind::Const(id) => CExpr::primary(self.program.const_def(*id).name.clone()),
            ExprKind::EnumVariant { enum_id, variant } => CExpr::primary(
                self.program.enum_def(*enum_id).variants[*variant]
                    .name
                    .clone(),
            ),
            ExprKind::FunctionRef(id) => CExpr::primary(self.program.function(*id).name.clone()),
            ExprKind::Unary { op, operand } => self.unary(*op, operand),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            ExprKind::Cast(inner) => self.cast(inner, &expr.ty),
            ExprKind::Sizeof(ty) => {
                CExpr::primary(format!("sizeof({})", type_name(self.program, ty)))
            }
            ExprKind::Call { callee, args } => self.call(callee, args),
            ExprKind::Field { .. } | ExprKind::Arrow { .. } if self.is_kernel_read(expr) => {
                self.kernel_read(expr)
            }
            ExprKind::Field { base, field } => self.field(base, *field),
            ExprKind::Arrow { base, field } => self.arrow(base, *field),
            ExprKind::Index { base, index } => {
                let base = match self.packet_pointer_field(base) {
                    Some(field) => format!("((__u8 *)(long){field})"),
                    None => self.operand(base).at(POSTFIX),
                };
                // The index is a value even inside a place.
                let place_mode = std::mem::replace(&mut self.place_mode, false);
                let index = self.operand(index).text;
                self.place_mode = place_mode;
                CExpr::primary(format!("{base}[{index}]"))
            }
            ExprKind::MapGet { map, key } => maps::get(self, *map, key),
            ExprKind::MapContains { map, key } => maps::contains(self, *map, key, false),
            ExprKind::MapLoad { map, key, dest } => maps::load(self, *map, key, dest),
            ExprKind::MapRef(map) => CExpr::unary(format!("&{}", self.program.map(*map).name)),
            ExprKind::StructOpsRef(id) => {
                CExpr::primary(self.program.struct_ops_def(*id).name.clone())
            }
            ExprKind::StructLit { .. } | ExprKind::ArrayLit(_) => {
                CExpr::primary(self.compound_literal(expr))
            }
            ExprKind::Match { scrutinee, arms } => {
                matching::match_expression(self, scrutinee, arms, &expr.ty)
            }
        }
    }

    /// `expr` as the condition of `if`/`while`.
    pub(super) fn condition(&mut self, expr: &'a Expr) -> String {
        self.expr(expr).text
    }

    /// `expr` as an operand of another operator: narrow arithmetic is cast
    /// back to its own type so it wraps instead of being promoted to `int`.
    pub(super) fn operand(&mut self, expr: &'a Expr) -> CExpr {
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
            let ty = type_name(self.program, &expr.ty);
            CExpr::unary(format!("({ty})({})", text.text))
        } else {
            text
        }
    }

    /// An initialiser: braces for struct and array literals (designated
    /// for structs), the expression otherwise.
    pub(super) fn initializer(&mut self, expr: &'a Expr) -> String {
        match &expr.kind {
            ExprKind::StructLit { struct_id, fields } => {
                if fields.is_empty() {
                    return "{}".to_string();
                }
                let def = self.program.struct_def(*struct_id);
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(index, value)| {
                        format!(".{} = {}", def.fields[*index].name, self.initializer(value))
                    })
                    .collect();
                format!("{{ {} }}", fields.join(", "))
            }
            ExprKind::ArrayLit(elements) => {
                if elements.is_empty() {
                    return "{}".to_string();
                }
                let elements: Vec<String> = elements
                    .iter()
                    .map(|element| self.initializer(element))
                    .collect();
                format!("{{ {} }}", elements.join(", "))
            }
            _ => self.expr(expr).text,
        }
    }

    /// A struct or array literal as a C99 compound literal.
    pub(super) fn compound_literal(&mut self, expr: &'a Expr) -> String {
        let ty = type_name(self.program, &expr.ty);
        let init = self.initializer(expr);
        format!("({ty}){init}")
    }

    fn unary(&mut self, op: UnaryOp, operand: &'a Expr) -> CExpr {
        match op {
            UnaryOp::AddrOf => self.address_of(operand),
            _ => {
                if let (UnaryOp::Not, ExprKind::MapContains { map, key }) = (op, &operand.kind) {
                    return maps::contains(self, *map, key, true);
                }
                if op == UnaryOp::Deref {
                    if let Some(field) = self.packet_pointer_field(operand) {
                        return CExpr::unary(format!("*(__u8 *)(long){field}"));
                    }
                }
                if let (UnaryOp::Neg, ExprKind::Int(value, radix)) = (op, &operand.kind) {
                    // `-LITERAL` as one literal: `(-2147483647 - 1)` stays valid.
                    return int_literal(value.wrapping_neg(), &operand.ty, *radix, false);
                }
                let symbol = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Not => "!",
                    UnaryOp::BitNot => "~",
                    UnaryOp::Deref => "*",
                    UnaryOp::AddrOf => "&",
                };
                let inner = self.operand(operand);
                CExpr::prefix(symbol, &inner)
            }
        }
    }

    /// `&place`, without `&*`: a by-reference local is its pointer, `*p`
    /// is `p`.
    pub(super) fn address_of(&mut self, place: &'a Expr) -> CExpr {
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
        CExpr::unary(format!("&{}", inner.at(UNARY)))
    }

    fn binary(&mut self, op: BinaryOp, lhs: &'a Expr, rhs: &'a Expr) -> CExpr {
        if matches!(op, BinaryOp::Div | BinaryOp::Rem) && is_signed_int(&lhs.ty) {
            let ty = lhs.ty.clone();
            let lhs = self.operand(lhs).text;
            let rhs = self.operand(rhs).text;
            let call = self.signed_division(op, &lhs, &rhs);
            // The helpers compute in 64 bits: a narrower result (MIN / -1)
            // wraps back to its type, as the 32-bit instruction would.
            if matches!(ty, Type::Int(int) if int.bits() < 64) {
                return CExpr::unary(format!("({}){call}", type_name(self.program, &ty)));
            }
            return CExpr::primary(call);
        }
        if matches!(op, BinaryOp::Eq | BinaryOp::Ne) && matches!(lhs.ty, Type::Str(_)) {
            return self.string_comparison(op == BinaryOp::Ne, lhs, rhs);
        }
        if matches!(op, BinaryOp::Shl | BinaryOp::Shr)
            && crate::codegen::arithmetic::needs_definition(op, &lhs.ty, rhs)
        {
            let lhs_text = self.expr(lhs).text;
            return CExpr::unary(self.masked_shift(op, &lhs_text, &lhs.ty, rhs));
        }
        // Packet pointers compared or offset must be `__u8 *` on both sides.
        let pointer_arithmetic = !op.is_logical();
        let left = self.binary_side(op, lhs, rhs, true, pointer_arithmetic);
        let right = self.binary_side(op, rhs, lhs, false, pointer_arithmetic);
        CExpr::binary(op, left, right)
    }

    /// `strings_equal(a, b, n)`: byte-wise up to the first NUL, over at
    /// most the bytes both sides can hold (a literal: its length and NUL).
    pub(super) fn string_comparison(
        &mut self,
        negated: bool,
        lhs: &'a Expr,
        rhs: &'a Expr,
    ) -> CExpr {
        let capacity = |expr: &Expr| match (&expr.kind, &expr.ty) {
            (ExprKind::Str(text), _) => text.len() as u64 + 1,
            (_, Type::Str(size)) => u64::from(*size),
            _ => u64::MAX,
        };
        let size = capacity(lhs).min(capacity(rhs));
        let name = self.gen.support_function(super::Support::StringsEqual);
        let lhs = self.expr(lhs).text;
        let rhs = self.expr(rhs).text;
        let call = format!("{name}({lhs}, {rhs}, {size})");
        if negated {
            CExpr::unary(format!("!{call}"))
        } else {
            CExpr::primary(call)
        }
    }

    /// A shift whose amount is not a constant in range, with KernelScript's
    /// meaning (`codegen::arithmetic`): the amount masked to the operation's
    /// width (clang computes 32-bit values in 64-bit registers, so the
    /// instruction alone would not), a left shift done unsigned.
    pub(super) fn masked_shift(
        &mut self,
        op: BinaryOp,
        lhs_text: &str,
        ty: &Type,
        rhs: &'a Expr,
    ) -> String {
        let Type::Int(int) = ty else {
            unreachable!("shifts are integer operations");
        };
        let width = crate::codegen::arithmetic::shift_width(*int);
        let c_type = type_name(self.program, ty);
        let amount = format!("({}) & {}", self.expr(rhs).text, width - 1);
        if op == BinaryOp::Shr {
            return format!("({c_type})(({lhs_text}) >> ({amount}))");
        }
        let unsigned = if width == 64 { "__u64" } else { "__u32" };
        format!("({c_type})(({unsigned})({lhs_text}) << ({amount}))")
    }

    /// `signed_div(a, b)` / `signed_rem(a, b)`: the BPF instruction set
    /// before v4 (clang 14's targets) has no signed division, so signed
    /// `/` and `%` go through helpers built on unsigned division.
    pub(super) fn signed_division(&mut self, op: BinaryOp, lhs: &str, rhs: &str) -> String {
        let support = if op == BinaryOp::Div {
            super::Support::SignedDiv
        } else {
            super::Support::SignedRem
        };
        let name = self.gen.support_function(support);
        format!("{name}({lhs}, {rhs})")
    }

    /// One operand of a binary operator: literals that would compute in
    /// `int` get a 64-bit suffix; packet pointers become `__u8 *`.
    fn binary_side(
        &mut self,
        op: BinaryOp,
        side: &'a Expr,
        other: &'a Expr,
        is_left: bool,
        pointer_arithmetic: bool,
    ) -> CExpr {
        if pointer_arithmetic {
            if let Some(field) = self.packet_pointer_field(side) {
                return CExpr::unary(format!("(__u8 *)(long){field}"));
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
        let target = type_name(self.program, ty);
        if let Some(field) = self.packet_pointer_field(inner) {
            return CExpr::unary(format!("({target})(long){field}"));
        }
        if &inner.ty == ty {
            return self.expr(inner);
        }
        let inner = self.operand(inner);
        CExpr::cast(&target, &inner)
    }

    pub(super) fn field(&mut self, base: &'a Expr, field: usize) -> CExpr {
        let name = field_name(self, &base.ty, field);
        if let ExprKind::Local(id) = &base.kind {
            if let Some(Spelling::Pointer(pointer)) = self.locals.get(id) {
                return CExpr::primary(format!("{pointer}->{name}"));
            }
        }
        if let ExprKind::Unary {
            op: UnaryOp::Deref,
            operand,
        } = &base.kind
        {
            let pointer = self.expr(operand).at(POSTFIX);
            return CExpr::primary(format!("{pointer}->{name}"));
        }
        let base = self.expr(base).at(POSTFIX);
        CExpr::primary(format!("{base}.{name}"))
    }

    pub(super) fn arrow(&mut self, base: &'a Expr, field: usize) -> CExpr {
        if let Some(raw) = self.packet_pointer_field_at(base, field) {
            return CExpr::unary(format!("(void *)(long){raw}"));
        }
        let pointee = base.ty.pointee().cloned().unwrap_or(Type::Error);
        let name = field_name(self, &pointee, field);
        let base = self.expr(base).at(POSTFIX);
        CExpr::primary(format!("{base}->{name}"))
    }

    /// `ctx->data` (raw, still `__u32`) when `expr` reads a packet pointer
    /// field of an XDP or TC context.
    pub(super) fn packet_pointer_field(&mut self, expr: &'a Expr) -> Option<String> {
        match &expr.kind {
            ExprKind::Arrow { base, field } => self.packet_pointer_field_at(base, *field),
            _ => None,
        }
    }

    fn packet_pointer_field_at(&mut self, base: &'a Expr, field: usize) -> Option<String> {
        let Type::Struct(id) = base.ty.pointee()? else {
            return None;
        };
        let def = self.program.struct_def(*id);
        let field_def = def.fields.get(field)?;
        let is_packet_pointer = def.origin == Origin::Kernel
            && field_def.ty.is_pointer()
            && kinds::is_packet_pointer_field(&def.name, &field_def.name);
        if !is_packet_pointer {
            return None;
        }
        let base = self.expr(base).at(POSTFIX);
        Some(format!("{base}->{}", field_def.name))
    }

    fn call(&mut self, callee: &'a Callee, args: &'a [Expr]) -> CExpr {
        let name = match callee {
            Callee::Function(id) => self.program.function(*id).name.clone(),
            Callee::Extern(id) => self.program.extern_def(*id).name.clone(),
            Callee::BpfHelper(name) => name.clone(),
            Callee::Indirect(target) => self.expr(target).at(POSTFIX),
            Callee::TailCall(target) => {
                // Outside `return` (where `emit_return` handles it) a tail
                // call is just the helper call.
                let (map_name, index) = self.gen.tail_call_slot(*target);
                let context = args
                    .first()
                    .map(|arg| self.expr(arg).text)
                    .unwrap_or_else(|| "ctx".into());
                return CExpr::primary(format!("bpf_tail_call({context}, &{map_name}, {index})"));
            }
            Callee::Builtin(Builtin::Print) => return self.print(args),
            Callee::Builtin(builtin) => format!("{builtin:?}").to_lowercase(),
            Callee::Method { receiver, method } => return self.method(*receiver, *method, args),
        };
        let args: Vec<String> = args.iter().map(|arg| self.expr(arg).text).collect();
        CExpr::primary(format!("{name}({})", args.join(", ")))
    }

    /// `print(fmt, args...)` is `bpf_printk`. A format without any `%`
    /// followed by arguments (`print("count: ", n, " of ", total)`) is
    /// printed piece by piece: string literal arguments join the format,
    /// the others get a conversion for their type.
    fn print(&mut self, args: &'a [Expr]) -> CExpr {
        let mut parts = Vec::new();
        let mut rest = args;
        if let Some((
            Expr {
                kind: ExprKind::Str(format),
                ..
            },
            tail,
        )) = args.split_first()
        {
            if format.contains('%') || tail.is_empty() {
                parts.push(string_literal(format));
                rest = tail;
            } else {
                let mut joined = format.clone();
                let mut values = Vec::new();
                // Arguments after a plain (`%`-free) first string are
                // separated by spaces, as userspace `print` does.
                for arg in tail {
                    if !joined.is_empty() && !joined.ends_with(char::is_whitespace) {
                        joined.push(' ');
                    }
                    match &arg.kind {
                        ExprKind::Str(text) => joined.push_str(&text.replace('%', "%%")),
                        _ => {
                            joined.push_str(conversion(&arg.ty));
                            values.push(self.operand(arg).text);
                        }
                    }
                }
                parts.push(string_literal(&joined));
                parts.extend(values);
                rest = &[];
            }
        }
        for arg in rest {
            parts.push(self.operand(arg).text);
        }
        CExpr::primary(format!("bpf_printk({})", parts.join(", ")))
    }

    fn method(&mut self, map: crate::ir::MapId, method: Method, args: &'a [Expr]) -> CExpr {
        let map_name = self.program.map(map).name.clone();
        match method {
            Method::Reserve => {
                let value = type_name(self.program, &self.program.map(map).value);
                CExpr::primary(format!(
                    "bpf_ringbuf_reserve(&{map_name}, sizeof({value}), 0)"
                ))
            }
            Method::Submit | Method::Discard => {
                let Some(arg) = args.first() else {
                    return CExpr::primary("0");
                };
                if !arg.ty.is_pointer() && method == Method::Submit {
                    // A value rather than a reserved pointer: copy it in.
                    return maps::output(self, map, arg);
                }
                let pointer = self.expr(arg).text;
                let helper = if method == Method::Submit {
                    "bpf_ringbuf_submit"
                } else {
                    "bpf_ringbuf_discard"
                };
                CExpr::primary(format!("{helper}({pointer}, 0)"))
            }
            Method::OnEvent => CExpr::primary("0"),
        }
    }
}

/// Whether `ty` is a signed integer type.
pub(super) fn is_signed_int(ty: &Type) -> bool {
    matches!(ty, Type::Int(int) if int.is_signed())
}

/// The `bpf_printk` conversion for an argument of type `ty`.
fn conversion(ty: &Type) -> &'static str {
    match ty {
        Type::Int(int) => match (int.is_signed(), int.bits()) {
            (true, 64) => "%lld",
            (false, 64) => "%llu",
            (true, _) => "%d",
            (false, _) => "%u",
        },
        Type::Char => "%c",
        Type::Str(_) => "%s",
        Type::Pointer(_) => "%p",
        _ => "%d",
    }
}

/// The name of field `index` of the struct type `ty`.
fn field_name(emitter: &FunctionEmitter<'_, '_>, ty: &Type, index: usize) -> String {
    match ty {
        Type::Struct(id) => emitter
            .program
            .struct_def(*id)
            .fields
            .get(index)
            .map(|field| field.name.clone())
            .unwrap_or_default(),
        _ => String::new(),
    }
}
