//! Userspace expressions, with only the parentheses C (and gcc's
//! `-Wparentheses`) needs.
//!
//! Strings (`str(N)`) are C `char[N]` buffers; an expression of string type
//! becomes a [`StrOperand`]: a `const char *` expression plus the capacity
//! that bounds its length, so every copy, concatenation and comparison is
//! bounded even when a buffer filled by the kernel lacks its terminator.
//! Values that need statements (`match`, struct literals with string
//! fields) use GCC statement expressions, which gcc and clang both accept.

use crate::ir::{
    BinaryOp, Builtin, Callee, Expr, ExprKind, MatchArm, Method, Origin, Type, UnaryOp,
};

use super::functions::FunctionEmitter;
use super::names::{c_char, c_string, c_string_bytes};
use super::types;
use crate::codegen::c_writer::CWriter;

/// C precedence levels, loosest first.
const PREC_OR: u8 = 4;
const PREC_AND: u8 = 5;
const PREC_BITOR: u8 = 6;
const PREC_BITXOR: u8 = 7;
const PREC_BITAND: u8 = 8;
const PREC_EQUALITY: u8 = 9;
const PREC_RELATIONAL: u8 = 10;
const PREC_SHIFT: u8 = 11;
const PREC_ADDITIVE: u8 = 12;
const PREC_MULTIPLICATIVE: u8 = 13;
const PREC_UNARY: u8 = 14;
const PREC_POSTFIX: u8 = 15;
const PREC_PRIMARY: u8 = 16;

/// C expression text and the precedence of its outermost operator.
pub struct CExpr {
    pub text: String,
    pub prec: u8,
}

impl CExpr {
    fn primary(text: impl Into<String>) -> CExpr {
        CExpr {
            text: text.into(),
            prec: PREC_PRIMARY,
        }
    }

    fn postfix(text: impl Into<String>) -> CExpr {
        CExpr {
            text: text.into(),
            prec: PREC_POSTFIX,
        }
    }

    /// The text, parenthesised when it binds looser than `min`.
    fn at(self, min: u8) -> String {
        if self.prec < min {
            format!("({})", self.text)
        } else {
            self.text
        }
    }
}

/// A string value: `text` is usable as `const char *`; its length is at
/// most `cap - 1`.
pub struct StrOperand {
    pub text: String,
    pub cap: u32,
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
        self.expr(expr).text
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
            ExprKind::Char(byte) => CExpr::primary(c_char(*byte)),
            ExprKind::Str(text) => CExpr::primary(c_string(text)),
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
                let name = &self.gen.program.global(*global).name;
                CExpr::postfix(format!("ks_skel->data->{name}"))
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
                let inner = self.expr(inner).at(PREC_UNARY);
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
        let inner = self.expr(operand).at(PREC_UNARY);
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

    fn call(&mut self, callee: &Callee, args: &[Expr]) -> CExpr {
        match callee {
            Callee::Function(id) => {
                let name = self.gen.function_names.get(id).cloned().unwrap_or_else(|| {
                    panic!(
                        "internal error: userspace calls `{}`, which is not a userspace function",
                        self.gen.program.function(*id).name
                    )
                });
                let args = self.arguments(args);
                CExpr::postfix(format!("{name}({args})"))
            }
            Callee::Indirect(target) => {
                let target = self.expr(target).at(PREC_POSTFIX);
                let args = self.arguments(args);
                CExpr::postfix(format!("{target}({args})"))
            }
            Callee::Builtin(builtin) => self.builtin_call(*builtin, args),
            Callee::BpfHelper(name) if name == "bpf_ktime_get_ns" => {
                self.gen.needs.ktime = true;
                CExpr::postfix("ks_ktime_get_ns()")
            }
            Callee::Method {
                receiver,
                method: Method::OnEvent,
            } => {
                let handler = args
                    .first()
                    .expect("on_event takes the handler as its argument");
                self.gen
                    .needs
                    .on_event
                    .entry(*receiver)
                    .or_insert_with(|| handler.ty.clone());
                let name = &self.gen.program.map(*receiver).name;
                let setter = format!("ks_{name}_on_event");
                let handler = self.value(handler);
                CExpr::postfix(format!("{setter}({handler})"))
            }
            Callee::BpfHelper(_)
            | Callee::TailCall(_)
            | Callee::Extern(_)
            | Callee::Method { .. } => {
                panic!("internal error: {callee:?} is not callable from userspace")
            }
        }
    }

    fn arguments(&mut self, args: &[Expr]) -> String {
        args.iter()
            .map(|arg| match &arg.ty {
                Type::Str(_) => self.str_operand(arg).text,
                Type::Array(..) => self.array_source(arg),
                _ => self.value(arg),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn builtin_call(&mut self, builtin: Builtin, args: &[Expr]) -> CExpr {
        match builtin {
            Builtin::Print => CExpr::postfix(super::print::printf_call(self, args)),
            Builtin::Load => {
                self.gen.needs.load = true;
                let program = self.value(&args[0]);
                CExpr::postfix(format!("ks_load({program})"))
            }
            Builtin::Attach => CExpr::postfix(self.attach_call("ks_attach", args)),
            Builtin::Detach => {
                self.gen.needs.detach = true;
                let handle = self.value(&args[0]);
                CExpr::postfix(format!("ks_detach({handle})"))
            }
            Builtin::Dispatch => {
                let mut rings = Vec::new();
                for arg in args {
                    let Type::Map(map) = arg.ty else {
                        panic!("internal error: dispatch() of a non-map {:?}", arg.ty);
                    };
                    self.gen.needs.dispatched.insert(map);
                    rings.push(format!("KS_RING_{}", self.gen.program.map(map).name));
                }
                CExpr::postfix(format!(
                    "ks_dispatch((const int[]){{ {} }}, {})",
                    rings.join(", "),
                    rings.len()
                ))
            }
            Builtin::Daemon => {
                self.gen.needs.daemon = true;
                CExpr::postfix("ks_daemon()")
            }
            Builtin::Register => {
                let ExprKind::StructOpsRef(id) = args[0].kind else {
                    panic!("internal error: register() of {:?}", args[0].kind);
                };
                self.gen.needs.registered.insert(id);
                let name = &self.gen.program.struct_ops_def(id).name;
                CExpr::postfix(format!("ks_register(KS_OPS_{name})"))
            }
            Builtin::Exec => {
                self.gen.needs.exec = true;
                let script = self.str_operand(&args[0]).text;
                CExpr::postfix(format!("ks_exec({script})"))
            }
            Builtin::Read | Builtin::Test => {
                panic!(
                    "internal error: `{builtin:?}` is not supported by the userspace generator yet"
                )
            }
        }
    }

    /// `FUNCTION(handle, target, flags)` for `attach`.
    pub fn attach_call(&mut self, function: &str, args: &[Expr]) -> String {
        self.gen.needs.attach = true;
        let handle = self.value(&args[0]);
        let target = self.str_operand(&args[1]).text;
        let flags = args
            .get(2)
            .map(|flags| self.value(flags))
            .unwrap_or_else(|| "0".into());
        format!("{function}({handle}, {target}, {flags})")
    }

    /// The string operand for an expression of type `str(N)` (or a string
    /// literal of any type).
    pub fn str_operand(&mut self, expr: &Expr) -> StrOperand {
        let declared = match expr.ty {
            Type::Str(len) => len,
            _ => 0,
        };
        match &expr.kind {
            ExprKind::Str(text) => StrOperand {
                text: c_string(text),
                cap: text.len() as u32 + 1,
            },
            ExprKind::Binary {
                op: BinaryOp::Add,
                lhs,
                rhs,
            } => {
                let left = self.str_operand(lhs);
                let right = self.str_operand(rhs);
                let cap = if declared > 0 {
                    declared
                } else {
                    left.cap + right.cap
                };
                self.concat(left, right, cap)
            }
            ExprKind::Call { callee, args } => {
                let is_user_function = matches!(callee, Callee::Function(_));
                let text = self.call(callee, args).text;
                StrOperand {
                    // Userspace functions return strings inside a struct.
                    text: if is_user_function {
                        format!("{text}.data")
                    } else {
                        text
                    },
                    cap: declared,
                }
            }
            ExprKind::MapGet { map, key } => {
                self.gen.map_use(*map).get = true;
                let get = self.gen.map_helper(*map, "get");
                let key_ty = self.gen.program.map(*map).key.clone();
                let key = self.map_argument(&key_ty, key);
                StrOperand {
                    text: format!("{get}((char[{declared}]){{0}}, {key})"),
                    cap: declared,
                }
            }
            ExprKind::Match { scrutinee, arms } => {
                let text = self.match_expression(scrutinee, arms, &expr.ty);
                StrOperand {
                    text: format!("{text}.data"),
                    cap: declared,
                }
            }
            ExprKind::Local(local) if self.local_is_pointer[local.index()] => StrOperand {
                text: format!("*{}", self.local_names[local.index()]),
                cap: declared,
            },
            _ => {
                let mut value = self.expr_without_string_dispatch(expr);
                if value.prec < PREC_POSTFIX {
                    value.text = format!("({})", value.text);
                }
                StrOperand {
                    text: value.text,
                    cap: declared,
                }
            }
        }
    }

    /// `expr` for string-typed places (locals, fields, globals, indexing),
    /// bypassing the string dispatch at the top of [`Self::expr`].
    fn expr_without_string_dispatch(&mut self, expr: &Expr) -> CExpr {
        let plain = Expr {
            kind: expr.kind.clone(),
            ty: Type::Void,
            span: expr.span,
        };
        self.expr(&plain)
    }

    /// `a + b` concatenated straight into `dst` (`cap` bytes), when `expr`
    /// is a string concatenation; `dst` must not be one of its operands.
    pub fn concat_into(&mut self, dst: &str, cap: u32, expr: &Expr) -> Option<String> {
        let ExprKind::Binary {
            op: BinaryOp::Add,
            lhs,
            rhs,
        } = &expr.kind
        else {
            return None;
        };
        if !matches!(expr.ty, Type::Str(_)) {
            return None;
        }
        self.gen.needs.str_concat = true;
        let left = self.str_operand(lhs);
        let right = self.str_operand(rhs);
        Some(format!(
            "ks_str_concat({dst}, {cap}, {}, {}, {}, {});",
            left.text, left.cap, right.text, right.cap
        ))
    }

    /// `a + b` for strings, into a fresh buffer of `cap` bytes.
    pub fn concat(&mut self, left: StrOperand, right: StrOperand, cap: u32) -> StrOperand {
        self.gen.needs.str_concat = true;
        StrOperand {
            text: format!(
                "ks_str_concat((char[{cap}]){{0}}, {cap}, {}, {}, {}, {})",
                left.text, left.cap, right.text, right.cap
            ),
            cap,
        }
    }

    /// An array value as a pointer to its elements (a compound literal for
    /// array literals).
    pub fn array_source(&mut self, expr: &Expr) -> String {
        if let ExprKind::ArrayLit(_) = expr.kind {
            let ty = types::type_name(self.gen.program, &expr.ty);
            let (initializer, post) = self.initializer(expr, "ks_value");
            if post.is_empty() {
                return format!("({ty}){initializer}");
            }
            let data = types::declaration(self.gen.program, &expr.ty, "ks_value");
            let mut body = format!("struct {{ {data}; }} ks_wrapper;\n");
            body.push_str(&format!(
                "memcpy(ks_wrapper.ks_value, ({ty}){initializer}, sizeof(ks_wrapper.ks_value));\n"
            ));
            for line in post {
                body.push_str(&format!(
                    "{}\n",
                    line.replace("ks_value", "ks_wrapper.ks_value")
                ));
            }
            body.push_str("ks_wrapper;\n");
            return format!("{}.ks_value", statement_expression(&body));
        }
        self.expr(expr).at(PREC_POSTFIX)
    }

    /// A brace initializer for a struct or array literal, and the copies
    /// that must follow the declaration of `base` (string or array fields
    /// whose values are not literals).
    pub fn initializer(&mut self, expr: &Expr, base: &str) -> (String, Vec<String>) {
        let mut post = Vec::new();
        let text = self.initializer_into(expr, base, &mut post);
        (text, post)
    }

    fn initializer_into(&mut self, expr: &Expr, base: &str, post: &mut Vec<String>) -> String {
        match &expr.kind {
            ExprKind::StructLit { struct_id, fields } => {
                if fields.is_empty() {
                    return "{0}".into();
                }
                let def = self.gen.program.struct_def(*struct_id);
                let mut parts = Vec::new();
                for (index, value) in fields {
                    let field = &def.fields[*index];
                    let place = format!("{base}.{}", field.name);
                    if let Some(text) = self.element_initializer(&field.ty, value, &place, post) {
                        parts.push(format!(".{} = {text}", field.name));
                    }
                }
                if parts.is_empty() {
                    "{0}".into()
                } else {
                    format!("{{ {} }}", parts.join(", "))
                }
            }
            ExprKind::ArrayLit(elements) => {
                let element_ty = match &expr.ty {
                    Type::Array(element, _) => (**element).clone(),
                    _ => Type::Error,
                };
                if elements.is_empty() {
                    return "{0}".into();
                }
                let mut parts = Vec::new();
                for (index, element) in elements.iter().enumerate() {
                    let place = format!("{base}[{index}]");
                    let text = self
                        .element_initializer(&element_ty, element, &place, post)
                        .unwrap_or_else(|| "{0}".into());
                    parts.push(text);
                }
                format!("{{ {} }}", parts.join(", "))
            }
            _ => self.value(expr),
        }
    }

    /// The initializer of one field or element of type `ty`, or `None`
    /// when it is filled by a copy after the declaration.
    fn element_initializer(
        &mut self,
        ty: &Type,
        value: &Expr,
        place: &str,
        post: &mut Vec<String>,
    ) -> Option<String> {
        match (ty, &value.kind) {
            (_, ExprKind::StructLit { .. }) | (_, ExprKind::ArrayLit(_)) => {
                Some(self.initializer_into(value, place, post))
            }
            (Type::Str(len), ExprKind::Str(text)) => Some(truncated_literal(text, *len)),
            (Type::Str(len), _) => {
                self.gen.needs.str_copy = true;
                let source = self.str_operand(value);
                post.push(format!(
                    "ks_str_copy({place}, {len}, {}, {});",
                    source.text, source.cap
                ));
                None
            }
            (Type::Array(..), _) => {
                let source = self.array_source(value);
                post.push(format!("memcpy({place}, {source}, sizeof({place}));"));
                None
            }
            _ => Some(self.value(value)),
        }
    }

    /// A `match` as a GCC statement expression: the scrutinee is evaluated
    /// once, arms are tried in order, `default` last; an unmatched value
    /// without `default` yields zero.
    fn match_expression(&mut self, scrutinee: &Expr, arms: &[MatchArm], ty: &Type) -> String {
        let mut body = CWriter::new();
        std::mem::swap(&mut body, &mut self.out);
        self.embedded += 1;

        let subject = self.fresh("ks_match_value");
        let is_string = matches!(scrutinee.ty, Type::Str(_));
        let subject_cap;
        if is_string {
            let operand = self.str_operand(scrutinee);
            subject_cap = operand.cap;
            self.out
                .line(format!("const char *{subject} = {};", operand.text));
        } else {
            subject_cap = 0;
            let value = self.value(scrutinee);
            let declaration = types::declaration(self.gen.program, &scrutinee.ty, &subject);
            self.out.line(format!("{declaration} = {value};"));
        }
        let result = (*ty != Type::Void).then(|| self.fresh("ks_match_result"));
        let result_type = if types::is_array_like(ty) {
            self.gen.return_type(ty)
        } else {
            types::type_name(self.gen.program, ty)
        };
        if let Some(result) = &result {
            let zero = if types::is_array_like(ty) {
                "{0}"
            } else {
                types::zero_initializer(ty)
            };
            self.out.line(format!("{result_type} {result} = {zero};"));
        }
        let mut first = true;
        let ordered: Vec<&MatchArm> = arms
            .iter()
            .filter(|arm| arm.pattern.is_some())
            .chain(arms.iter().filter(|arm| arm.pattern.is_none()))
            .collect();
        for arm in ordered {
            let test = arm.pattern.as_ref().map(|pattern| {
                if is_string {
                    self.gen.needs.str_eq = true;
                    let pattern = self.str_operand(pattern);
                    format!(
                        "ks_str_eq({subject}, {subject_cap}, {}, {})",
                        pattern.text, pattern.cap
                    )
                } else {
                    let pattern = self.value(pattern);
                    format!("{subject} == {pattern}")
                }
            });
            match (first, test) {
                (true, Some(test)) => self.out.open_block(format!("if ({test})")),
                (true, None) => self.out.open_block(""),
                (false, Some(test)) => self.out.reopen_block(format!("else if ({test})")),
                (false, None) => self.out.reopen_block("else"),
            }
            first = false;
            for stmt in &arm.stmts {
                self.statement(stmt);
            }
            if let (Some(result), Some(value)) = (&result, &arm.value) {
                match ty {
                    Type::Str(len) => {
                        self.gen.needs.str_copy = true;
                        let source = self.str_operand(value);
                        self.out.line(format!(
                            "ks_str_copy({result}.data, {len}, {}, {});",
                            source.text, source.cap
                        ));
                    }
                    _ => {
                        let value = self.value(value);
                        self.out.line(format!("{result} = {value};"));
                    }
                }
            } else if let Some(value) = &arm.value {
                let value = self.value(value);
                self.out.line(format!("(void)({value});"));
            }
        }
        if !first {
            self.out.close_block();
        }
        if let Some(result) = &result {
            self.out.line(format!("{result};"));
        }

        std::mem::swap(&mut body, &mut self.out);
        self.embedded -= 1;
        statement_expression(&body.finish())
    }
}

/// `({ ... })` around statements (one level deeper).
fn statement_expression(body: &str) -> String {
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

fn parenthesize_postfix(text: &str) -> String {
    if string_prec(text) < PREC_POSTFIX {
        format!("({text})")
    } else {
        text.to_string()
    }
}

/// Precedence of a string operand's text: calls, names and literals are
/// postfix-or-better; `*p` is unary.
fn string_prec(text: &str) -> u8 {
    if text.starts_with('*') {
        PREC_UNARY
    } else {
        PREC_POSTFIX
    }
}

fn literal_expr(text: String) -> CExpr {
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

fn unsigned_text(value: u64, bits: u32, signed: bool) -> String {
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
fn negative_literal(magnitude: u64, ty: &Type) -> String {
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
    c_string_bytes(&bytes[..bytes.len().min(max)])
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

    #[test]
    fn long_literals_are_cut_to_the_buffer() {
        assert_eq!(truncated_literal("toolong", 6), "\"toolo\"");
        assert_eq!(truncated_literal("exact", 6), "\"exact\"");
    }
}
