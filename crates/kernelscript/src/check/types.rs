//! Types: resolving written types, naming them, and the conversion rules.
//!
//! Decisions (where the spec is vague):
//! * Implicit conversions only widen: `u8 → u16 → u32 → u64`,
//!   `i8 → … → i64`, and unsigned to a strictly wider signed type
//!   (`u32 → i64`). Narrowing, sign changes, `int ↔ enum` and `int ↔ bool`
//!   need `as`.
//! * An integer literal has no type of its own: it takes the expected type
//!   (and must fit its range). With nothing expected it is `u32` if it fits,
//!   else `u64`; a negated literal is `i32`, else `i64`. An integer literal
//!   also converts to an enum type when its value is one of the enum's
//!   variants (`return 2` in an `xdp_action` function).
//! * `str(N)` is an N-byte buffer holding at most N-1 characters and a NUL:
//!   a string literal of length L has type `str(L+1)` and fits `str(N)` when
//!   `L < N`; `str(N)` converts to `str(M)` when `N <= M`. Concatenation of
//!   `str(N)` and `str(M)` is `str(N+M-1)`.
//! * `*void` (the parameter type of helpers taking any pointer) accepts
//!   every pointer; `null` converts to every pointer and function type.
//! * Two integers of different types in one arithmetic operation meet at
//!   the wider type when one widens to the other; otherwise (`i32 + u32`,
//!   `u64 + i64`) it is an error asking for `as`.

use crate::ir::{FunctionType, IntType, StructId, Type};
use crate::span::Span;
use crate::syntax::ast;

use super::env::{did_you_mean, primitive_type, Symbol, PRIMITIVE_NAMES};
use super::{errors, Checker, Resolution};

/// The largest size of any type, in bytes (16 MiB): far above what a
/// program's stack, a map entry or a message needs, small enough that
/// sums and products of sizes never overflow and a global of that type
/// still builds. Larger types are a checker error, never wrapped.
pub(crate) const MAX_TYPE_SIZE: u64 = 16 << 20;

impl Checker<'_> {
    /// Resolves a written type. Reports unknown names and bad sizes; map
    /// types are rejected here (only global declarations may use them).
    pub(crate) fn resolve_type(&mut self, written: &ast::TypeExpr) -> Type {
        match &written.kind {
            ast::TypeExprKind::Named(name) => self.resolve_named_type(name, written.span),
            ast::TypeExprKind::Qualified { module, name } => self.qualified_type(module, name),
            ast::TypeExprKind::Str(size) => match self.const_size(size, "string capacity") {
                Some(size) => self.limit_size(Type::Str(size), written.span),
                None => Type::Error,
            },
            ast::TypeExprKind::Array {
                element,
                size: None,
            } => {
                self.report(errors::flexible_array_misplaced(written.span));
                self.resolve_type(element);
                Type::Error
            }
            ast::TypeExprKind::Array {
                element,
                size: Some(size),
            } => {
                let element = self.resolve_type(element);
                if element == Type::Void {
                    self.report(errors::void_element(written.span));
                    return Type::Error;
                }
                let element = self.reject_opaque(element, written.span);
                match self.const_size(size, "array length") {
                    Some(size) if element != Type::Error => {
                        self.limit_size(Type::Array(Box::new(element), size), written.span)
                    }
                    _ => Type::Error,
                }
            }
            ast::TypeExprKind::Pointer(inner) => {
                let inner = self.resolve_type(inner);
                if inner == Type::Error {
                    Type::Error
                } else {
                    Type::Pointer(Box::new(inner))
                }
            }
            ast::TypeExprKind::Function { params, ret } => {
                let params = params
                    .iter()
                    .map(|param| self.resolve_type(param))
                    .collect();
                let ret = match ret {
                    Some(ret) => self.resolve_type(ret),
                    None => Type::Void,
                };
                Type::Function(Box::new(FunctionType {
                    params,
                    ret,
                    function: None,
                }))
            }
            ast::TypeExprKind::Generic { name, .. } => {
                self.report(errors::map_type_outside_global(written.span, &name.name));
                Type::Error
            }
            ast::TypeExprKind::Error => Type::Error,
        }
    }

    /// The type of a struct's last field written `T[]`: a flexible array
    /// (`Type::Array(T, 0)`, as BTF gives kernel structs' flexible
    /// members), of integers; `None` when the field is not written so.
    pub(crate) fn flexible_field_type(&mut self, written: &ast::TypeExpr) -> Option<Type> {
        let ast::TypeExprKind::Array {
            element,
            size: None,
        } = &written.kind
        else {
            return None;
        };
        let element = self.resolve_type(element);
        if element == Type::Error {
            return Some(Type::Error);
        }
        if !matches!(element, Type::Int(_) | Type::Char) {
            let name = self.type_name(&element);
            self.report(errors::flexible_array_element(written.span, &name));
            return Some(Type::Error);
        }
        Some(Type::Array(Box::new(element), 0))
    }

    /// The struct `ty` is, or holds by value (as an array's element), when
    /// that struct ends in a flexible array (`payload: u8[]`): a record of
    /// variable size, which exists only behind a pointer or as a ring
    /// buffer's record type.
    pub(crate) fn variable_size_struct(&self, ty: &Type) -> Option<StructId> {
        match ty {
            Type::Array(element, _) => self.variable_size_struct(element),
            Type::Struct(id) => {
                let def = self.program.struct_def(*id);
                let flexible = matches!(def.fields.last(), Some(field) if matches!(field.ty, Type::Array(_, 0)));
                (def.origin == crate::ir::Origin::Source && flexible).then_some(*id)
            }
            _ => None,
        }
    }

    /// Reports a variable-size struct (`variable_size_struct`) used by
    /// value at `span`; `Type::Error` then.
    pub(crate) fn reject_variable_size(&mut self, ty: Type, span: Span) -> Type {
        match self.variable_size_struct(&ty) {
            Some(id) => {
                let name = self.program.struct_def(id).name.clone();
                self.report(errors::variable_size_by_value(span, &name));
                Type::Error
            }
            None => ty,
        }
    }

    /// Resolves a value type: like `resolve_type`, but `void` is an error,
    /// and so is a variable-size struct (only ring buffer records, `what`
    /// `"ring buffer records"`, may be one).
    pub(crate) fn resolve_value_type(&mut self, written: &ast::TypeExpr, what: &str) -> Type {
        let ty = self.resolve_type(written);
        if ty == Type::Void {
            self.report(errors::void_value(written.span, what));
            return Type::Error;
        }
        let ty = match what {
            "ring buffer records" => ty,
            _ => self.reject_variable_size(ty, written.span),
        };
        let ty = self.reject_opaque(ty, written.span);
        self.limit_size(ty, written.span)
    }

    /// Whether a value of `ty` holds a function value (a `fn(...)` type,
    /// also inside structs, arrays or behind pointers): such values exist
    /// in userspace only.
    pub(crate) fn holds_function(&self, ty: &Type) -> bool {
        fn walk(program: &crate::ir::Program, ty: &Type, seen: &mut Vec<StructId>) -> bool {
            match ty {
                Type::Function(_) => true,
                Type::Array(inner, _) | Type::Pointer(inner) => walk(program, inner, seen),
                Type::Struct(id) if !seen.contains(id) => {
                    seen.push(*id);
                    program
                        .struct_def(*id)
                        .fields
                        .iter()
                        .any(|field| walk(program, &field.ty, seen))
                }
                _ => false,
            }
        }
        walk(&self.program, ty, &mut Vec::new())
    }

    /// Reports `ty` at `span` when it holds a function value in eBPF code.
    pub(crate) fn reject_function_in_ebpf(&mut self, ty: &Type, span: Span) {
        if self.holds_function(ty) {
            let name = self.type_name(ty);
            self.report(errors::function_in_ebpf(span, &name));
        }
    }

    /// `ty`, or `Error` (reported at `span`) when it is larger than
    /// `MAX_TYPE_SIZE`. Sizes are computed in saturating 64-bit arithmetic
    /// from parts that passed this check, so they never wrap.
    pub(crate) fn limit_size(&mut self, ty: Type, span: Span) -> Type {
        if self.sizing_deferred {
            return ty;
        }
        let size = ty.size(&self.program);
        if size > MAX_TYPE_SIZE {
            let name = self.type_name(&ty);
            self.report(errors::type_too_large(span, &name, size, MAX_TYPE_SIZE));
            return Type::Error;
        }
        ty
    }

    /// Reports an opaque kernel struct used by value (it has no known
    /// layout); pointers to it are fine.
    fn reject_opaque(&mut self, ty: Type, span: Span) -> Type {
        if let Type::Struct(id) = ty {
            if self.opaque_structs.contains(&id) {
                let name = self.program.struct_def(id).name.clone();
                self.report(errors::opaque_kernel_struct(span, &name));
                return Type::Error;
            }
        }
        ty
    }

    fn resolve_named_type(&mut self, name: &str, span: Span) -> Type {
        if let Some(ty) = primitive_type(name) {
            return ty;
        }
        match self.global_symbol(name, span) {
            Some(symbol) => self.type_of_symbol(symbol, name, span),
            None => {
                let mut candidates = self.env.names_where(span, Symbol::is_type);
                candidates.extend(PRIMITIVE_NAMES);
                let kernel = self.kernel_type_suggestions(name);
                candidates.extend(kernel.iter().map(String::as_str));
                let suggestion = did_you_mean(name, candidates);
                self.report(errors::unknown_type(span, name, suggestion));
                Type::Error
            }
        }
    }

    /// The type a name (`name` as written, for messages) denoting `symbol`
    /// stands for.
    pub(crate) fn type_of_symbol(&mut self, symbol: Symbol, name: &str, span: Span) -> Type {
        match symbol {
            Symbol::Struct(id) => {
                self.complete_kernel_struct(id);
                self.check_perf_outside_userspace(&Type::Struct(id), name, span);
                Type::Struct(id)
            }
            Symbol::Enum(id) => {
                self.check_perf_outside_userspace(&Type::Enum(id), name, span);
                Type::Enum(id)
            }
            Symbol::Alias(id) => self.resolve_alias(id, span),
            Symbol::Primitive => primitive_type(name).unwrap_or(Type::Error),
            // A kernel tag of the same name as a value (`bpf_res_spin_lock`
            // is a struct and a kfunc): C keeps them apart.
            other => match self.resolve_kernel_type(name) {
                Some(Symbol::Struct(id)) => {
                    self.complete_kernel_struct(id);
                    Type::Struct(id)
                }
                Some(Symbol::Enum(id)) => Type::Enum(id),
                Some(Symbol::Alias(id)) => self.resolve_alias(id, span),
                _ => {
                    self.report(errors::not_a_type(span, name, other.describe()));
                    Type::Error
                }
            },
        }
    }

    /// Resolves an alias on first use; a cycle is reported at the use that
    /// closes it.
    pub(crate) fn resolve_alias(&mut self, id: super::env::AliasId, span: Span) -> Type {
        match &self.aliases[id.0].state {
            Resolution::Done(ty) => ty.clone(),
            Resolution::InProgress => {
                let name = self.aliases[id.0].name.clone();
                self.report(errors::alias_cycle(span, &name));
                self.aliases[id.0].state = Resolution::Done(Type::Error);
                Type::Error
            }
            Resolution::Pending => {
                self.aliases[id.0].state = Resolution::InProgress;
                let ty = match self.aliases[id.0].target {
                    Some(target) => self.resolve_type(target),
                    None => Type::Error,
                };
                if self.aliases[id.0].state == Resolution::InProgress {
                    self.aliases[id.0].state = Resolution::Done(ty.clone());
                }
                match &self.aliases[id.0].state {
                    Resolution::Done(ty) => ty.clone(),
                    _ => ty,
                }
            }
        }
    }

    /// A positive constant size (`str(N)`, `T[N]`, map sizes).
    pub(crate) fn const_size(&mut self, size: &ast::Expr, what: &str) -> Option<u32> {
        let value = self.const_int(size, Some(&Type::Int(IntType::U32)))?;
        if value <= 0 || value > i128::from(u32::MAX) {
            self.report(errors::bad_size(size.span, what, value));
            return None;
        }
        Some(value as u32)
    }

    /// The type as written in KernelScript, for messages.
    pub(crate) fn type_name(&self, ty: &Type) -> String {
        match ty {
            Type::Void => "void".to_string(),
            Type::Bool => "bool".to_string(),
            Type::Char => "char".to_string(),
            Type::Int(int) => int.source_name().to_string(),
            Type::Str(size) => format!("str({size})"),
            Type::Array(element, size) => format!("{}[{size}]", self.type_name(element)),
            Type::Pointer(inner) => format!("*{}", self.type_name(inner)),
            Type::Struct(id) => self.program.struct_def(*id).name.clone(),
            Type::Enum(id) => self.program.enum_def(*id).name.clone(),
            Type::Function(function) => {
                let params: Vec<String> =
                    function.params.iter().map(|p| self.type_name(p)).collect();
                format!(
                    "fn({}) -> {}",
                    params.join(", "),
                    self.type_name(&function.ret)
                )
            }
            Type::Map(id) => {
                let map = self.program.map(*id);
                match map.kind {
                    crate::ir::MapKind::Ringbuf => {
                        format!("ringbuf<{}>", self.type_name(&map.value))
                    }
                    kind => format!(
                        "{}<{}, {}>",
                        kind.source_name(),
                        self.type_name(&map.key),
                        self.type_name(&map.value)
                    ),
                }
            }
            Type::ProgramRef(_) => "program".to_string(),
            Type::ProgramHandle => "ProgramHandle".to_string(),
            Type::PerfAttachment => "PerfAttachment".to_string(),
            Type::StructOps(id) => format!("impl {}", self.program.struct_ops_def(*id).name),
            Type::Null => "null".to_string(),
            Type::Error => "{error}".to_string(),
        }
    }

    /// Whether a value of type `from` may be used where `to` is expected
    /// without `as`.
    pub(crate) fn assignable(&self, from: &Type, to: &Type) -> bool {
        if from == to || *from == Type::Error || *to == Type::Error {
            return true;
        }
        match (from, to) {
            (Type::Int(from), Type::Int(to)) => int_widens(*from, *to),
            (Type::Null, Type::Pointer(_) | Type::Function(_)) => true,
            (Type::Pointer(_), Type::Pointer(target)) if **target == Type::Void => true,
            (Type::Str(from), Type::Str(to)) => from <= to,
            (Type::Function(from), Type::Function(to)) => {
                from.params == to.params && from.ret == to.ret
            }
            _ => false,
        }
    }

    /// Whether `ty` is a data type a variable can hold.
    pub(crate) fn is_value_type(ty: &Type) -> bool {
        !matches!(
            ty,
            Type::Void | Type::Map(_) | Type::ProgramRef(_) | Type::StructOps(_) | Type::Null
        )
    }
}

/// Implicit integer widening.
pub(crate) fn int_widens(from: IntType, to: IntType) -> bool {
    if from == to {
        return true;
    }
    match (from.is_signed(), to.is_signed()) {
        (false, false) | (true, true) => from.bits() <= to.bits(),
        (false, true) => from.bits() < to.bits(),
        (true, false) => false,
    }
}

/// The type two integer operands meet at, if one widens to the other.
pub(crate) fn common_int(a: IntType, b: IntType) -> Option<IntType> {
    if int_widens(a, b) {
        Some(b)
    } else if int_widens(b, a) {
        Some(a)
    } else {
        None
    }
}

/// The default type of an unconstrained integer literal.
pub(crate) fn default_int_type(value: i128) -> IntType {
    if value < 0 {
        if value >= i128::from(i32::MIN) {
            IntType::I32
        } else {
            IntType::I64
        }
    } else if value <= i128::from(u32::MAX) {
        IntType::U32
    } else {
        IntType::U64
    }
}

/// Whether `value` fits `int`.
pub(crate) fn fits(value: i128, int: IntType) -> bool {
    let (min, max) = int.range();
    value >= min && value <= max
}

#[cfg(test)]
mod tests {
    use super::*;
    use IntType::*;

    #[test]
    fn widening_is_lossless_only() {
        assert!(int_widens(U8, U64));
        assert!(int_widens(U32, I64));
        assert!(!int_widens(U32, I32));
        assert!(!int_widens(I8, U64));
        assert!(!int_widens(U64, U32));
        assert_eq!(common_int(U16, U64), Some(U64));
        assert_eq!(common_int(I32, U32), None);
    }

    #[test]
    fn unconstrained_literals_default_to_u32_or_i32() {
        assert_eq!(default_int_type(7), U32);
        assert_eq!(default_int_type(1 << 40), U64);
        assert_eq!(default_int_type(-1), I32);
        assert_eq!(default_int_type(-(1 << 40)), I64);
    }
}
