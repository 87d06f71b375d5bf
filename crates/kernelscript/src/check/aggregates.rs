//! Field access, indexing and aggregate literals: `s.f`, `cfg.f`,
//! `p->f`, `a[i]` (arrays, strings, pointers; map entries are in
//! `maps.rs`), `S { f: v }` and `[a, b]`.
//!
//! Decisions: `.` reaches fields of struct values and `->` fields through
//! pointers; mixing them up is an error with the right spelling as help.
//! A constant index into an array is bounds-checked. A struct literal gives
//! every field exactly once. An array literal may be shorter than its array
//! (the rest is zero).

use crate::ir::{self, ExprKind, Type, UnaryOp};
use crate::span::Span;
use crate::syntax::ast;

use super::env::{did_you_mean, Symbol};
use super::exprs::{error_expr, node};
use super::modules::Named;
use super::{errors, Checker};

impl Checker<'_> {
    pub(crate) fn field(&mut self, base: &ast::Expr, name: &ast::Ident, span: Span) -> ir::Expr {
        if let Some(module) = self.module_named(base) {
            return self.module_member_value(module, name, span);
        }
        match self.named(base) {
            Named::Item {
                symbol: Symbol::Config(config),
                ..
            } => return self.config_field(config, name, span),
            Named::Item {
                symbol: Symbol::Map(_),
                name: map_name,
            } => {
                self.report(errors::map_method_not_called(span, &map_name, &name.name));
                return error_expr(span);
            }
            _ => {}
        }
        let inner = self.expr(base, None);
        match &inner.ty {
            Type::Struct(id) => {
                let id = *id;
                match self.struct_field(id, name) {
                    Some((field, ty)) => node(
                        ExprKind::Field {
                            base: Box::new(inner),
                            field,
                        },
                        ty,
                        span,
                    ),
                    None => error_expr(span),
                }
            }
            Type::Pointer(pointee) if matches!(**pointee, Type::Struct(_)) => {
                let name_of = self.type_name(&inner.ty);
                self.report(errors::dot_on_pointer(name.span, &name.name, &name_of));
                error_expr(span)
            }
            Type::Error => error_expr(span),
            other => {
                let name_of = self.type_name(other);
                self.report(errors::no_fields(name.span, &name.name, &name_of));
                error_expr(span)
            }
        }
    }

    /// `module.name` used as a value.
    fn module_member_value(
        &mut self,
        module: ir::ModuleId,
        name: &ast::Ident,
        span: Span,
    ) -> ir::Expr {
        let Some(space) = self.module_spaces[module.index()] else {
            let module_name = self.program.module(module).name.clone();
            self.report(errors::python_member_not_called(
                span,
                &module_name,
                &name.name,
            ));
            return error_expr(span);
        };
        match self.env.member(space, &name.name) {
            Some(entry) => {
                let written = format!("{}.{}", self.program.module(module).name, name.name);
                self.symbol_value(entry.symbol, &written, span)
            }
            None => {
                self.report_missing_member(module, name);
                error_expr(span)
            }
        }
    }

    fn config_field(&mut self, config: ir::ConfigId, name: &ast::Ident, span: Span) -> ir::Expr {
        if self.fx.target() == Some(ir::Target::KernelModule) {
            let config_name = self.program.config(config).name.clone();
            self.report(errors::shared_state_in_kernel_module(
                span,
                "config",
                &config_name,
            ));
            return error_expr(span);
        }
        let def = self.program.config(config);
        match def.fields.iter().position(|field| field.name == name.name) {
            Some(field) => {
                let ty = def.fields[field].ty.clone();
                node(ExprKind::ConfigField { config, field }, ty, span)
            }
            None => {
                let suggestion = did_you_mean(
                    &name.name,
                    def.fields.iter().map(|field| field.name.as_str()),
                );
                let config_name = def.name.clone();
                self.report(errors::unknown_field(
                    name.span,
                    &name.name,
                    &format!("config `{config_name}`"),
                    suggestion,
                ));
                error_expr(span)
            }
        }
    }

    /// The index and type of field `name` of struct `id`, or a report.
    pub(crate) fn struct_field(
        &mut self,
        id: ir::StructId,
        name: &ast::Ident,
    ) -> Option<(usize, Type)> {
        self.complete_kernel_struct(id);
        let def = self.program.struct_def(id);
        if let Some(index) = def.field_index(&name.name) {
            return Some((index, def.fields[index].ty.clone()));
        }
        let suggestion = did_you_mean(
            &name.name,
            def.fields.iter().map(|field| field.name.as_str()),
        );
        let owner = format!("struct `{}`", def.name);
        self.report(errors::unknown_field(
            name.span, &name.name, &owner, suggestion,
        ));
        None
    }

    pub(crate) fn arrow(&mut self, base: &ast::Expr, name: &ast::Ident, span: Span) -> ir::Expr {
        let inner = self.expr(base, None);
        match &inner.ty {
            Type::Pointer(pointee) => match **pointee {
                Type::Struct(id) if !self.userspace_can_read(id) => {
                    let struct_name = self.program.struct_def(id).name.clone();
                    self.report(errors::kernel_struct_in_userspace(
                        name.span,
                        &name.name,
                        &struct_name,
                    ));
                    error_expr(span)
                }
                Type::Struct(id) => match self.struct_field(id, name) {
                    Some((field, ty)) => node(
                        ExprKind::Arrow {
                            base: Box::new(inner),
                            field,
                        },
                        ty,
                        span,
                    ),
                    None => error_expr(span),
                },
                _ => {
                    let name_of = self.type_name(&inner.ty);
                    self.report(errors::no_fields(name.span, &name.name, &name_of));
                    error_expr(span)
                }
            },
            Type::Struct(_) => {
                let name_of = self.type_name(&inner.ty);
                self.report(errors::arrow_on_value(name.span, &name.name, &name_of));
                error_expr(span)
            }
            Type::Error => error_expr(span),
            other => {
                let name_of = self.type_name(other);
                self.report(errors::no_fields(name.span, &name.name, &name_of));
                error_expr(span)
            }
        }
    }

    pub(crate) fn index(&mut self, base: &ast::Expr, index: &ast::Expr, span: Span) -> ir::Expr {
        if let Some(map) = self.map_index_target(base) {
            return self.map_get(map, base, index, span);
        }
        let inner = self.expr(base, None);
        let position = self.expr(index, None);
        if inner.ty == Type::Error || position.ty == Type::Error {
            return error_expr(span);
        }
        if !position.ty.is_integer() {
            let name = self.type_name(&position.ty);
            self.report(errors::bad_index_type(index.span, &name));
            return error_expr(span);
        }
        let element = match &inner.ty {
            Type::Array(element, len) => {
                // A kernel struct's flexible array member (`__u64 args[]`,
                // length 0) is as long as the kernel made it.
                let flexible = *len == 0;
                if let Some(value) = self.eval(&position).filter(|_| !flexible) {
                    if value < 0 || value >= i128::from(*len) {
                        self.report(errors::index_out_of_bounds(index.span, value, *len));
                        return error_expr(span);
                    }
                }
                (**element).clone()
            }
            Type::Str(_) => Type::Char,
            Type::Pointer(pointee) if **pointee != Type::Void => (**pointee).clone(),
            other => {
                let name = self.type_name(other);
                self.report(errors::not_indexable(base.span, &name));
                return error_expr(span);
            }
        };
        node(
            ExprKind::Index {
                base: Box::new(inner),
                index: Box::new(position),
            },
            element,
            span,
        )
    }

    pub(crate) fn struct_literal(
        &mut self,
        module: Option<&ast::Ident>,
        name: &ast::Ident,
        fields: &[ast::FieldInit],
        span: Span,
    ) -> ir::Expr {
        let struct_ty = self.resolve_named_struct(module, name);
        let variable_size =
            struct_ty.is_some_and(|id| self.variable_size_struct(&Type::Struct(id)).is_some());
        if variable_size {
            self.report(errors::variable_size_by_value(span, &name.name));
        }
        let Some(id) = struct_ty.filter(|_| !variable_size) else {
            for field in fields {
                self.expr(&field.value, None);
            }
            return error_expr(span);
        };
        let mut lowered: Vec<(usize, ir::Expr)> = Vec::new();
        let mut failed = false;
        for init in fields {
            let Some((index, ty)) = self.struct_field(id, &init.name) else {
                self.expr(&init.value, None);
                failed = true;
                continue;
            };
            if let Some((_, earlier)) = lowered.iter().find(|(seen, _)| *seen == index) {
                self.report(errors::duplicate_field_init(
                    init.name.span,
                    &init.name.name,
                    earlier.span,
                ));
                failed = true;
                continue;
            }
            let value = self.expr_as(&init.value, &ty);
            lowered.push((index, value));
        }
        self.perf_option_defaults(id, &mut lowered, span);
        let def = self.program.struct_def(id);
        let missing: Vec<String> = def
            .fields
            .iter()
            .enumerate()
            .filter(|(index, _)| !lowered.iter().any(|(seen, _)| seen == index))
            .map(|(_, field)| field.name.clone())
            .collect();
        if !missing.is_empty() && !failed {
            let struct_name = def.name.clone();
            self.report(errors::missing_fields(span, &struct_name, &missing));
            failed = true;
        }
        if failed {
            return error_expr(span);
        }
        node(
            ExprKind::StructLit {
                struct_id: id,
                fields: lowered,
            },
            Type::Struct(id),
            span,
        )
    }

    /// The struct a struct literal names (directly or through an alias).
    fn resolve_named_struct(
        &mut self,
        module: Option<&ast::Ident>,
        name: &ast::Ident,
    ) -> Option<ir::StructId> {
        let written = ast::TypeExpr {
            kind: match module {
                Some(module) => ast::TypeExprKind::Qualified {
                    module: module.clone(),
                    name: name.clone(),
                },
                None => ast::TypeExprKind::Named(name.name.clone()),
            },
            span: module.map_or(name.span, |module| module.span.to(name.span)),
        };
        match self.resolve_type(&written) {
            Type::Struct(id) => Some(id),
            Type::Error => None,
            other => {
                let type_name = self.type_name(&other);
                self.report(errors::struct_literal_of_non_struct(name.span, &type_name));
                None
            }
        }
    }

    pub(crate) fn array_literal(
        &mut self,
        elements: &[ast::Expr],
        expected: Option<&Type>,
        span: Span,
    ) -> ir::Expr {
        if let Some(Type::Array(element, len)) = expected {
            let lowered: Vec<ir::Expr> =
                elements.iter().map(|e| self.expr_as(e, element)).collect();
            if lowered.len() > *len as usize {
                self.report(errors::too_many_elements(span, lowered.len(), *len));
                return error_expr(span);
            }
            let ty = Type::Array(element.clone(), *len);
            return node(ExprKind::ArrayLit(lowered), ty, span);
        }
        if expected == Some(&Type::Error) {
            for element in elements {
                self.expr(element, None);
            }
            return error_expr(span);
        }
        let Some(first) = elements.first() else {
            self.report(errors::empty_array_literal(span));
            return error_expr(span);
        };
        let first = self.expr(first, None);
        let element = first.ty.clone();
        let mut lowered = vec![first];
        for e in &elements[1..] {
            lowered.push(self.expr_as(e, &element));
        }
        if element == Type::Error {
            return error_expr(span);
        }
        let ty = Type::Array(Box::new(element), lowered.len() as u32);
        node(ExprKind::ArrayLit(lowered), ty, span)
    }
}

/// Whether `expr` denotes a memory location (can be assigned, or have its
/// address taken).
pub(crate) fn is_place(expr: &ir::Expr) -> bool {
    match &expr.kind {
        ExprKind::Local(_)
        | ExprKind::Global(_)
        | ExprKind::ConfigField { .. }
        | ExprKind::Arrow { .. } => true,
        ExprKind::Field { base, .. } => is_place(base),
        ExprKind::Index { base, .. } => match &base.ty {
            Type::Pointer(_) => true,
            _ => is_place(base),
        },
        ExprKind::Unary {
            op: UnaryOp::Deref, ..
        } => true,
        _ => false,
    }
}

impl Checker<'_> {
    /// The kernel struct `ty` holds by value (itself, or an array's
    /// element) that userspace C has no definition of: userspace code
    /// cannot hold one (`fn f(s: sock)` would not compile).
    pub(crate) fn kernel_struct_without_definition(&self, ty: &Type) -> Option<ir::StructId> {
        let id = crate::codegen::c::order::held_struct(ty)?;
        let def = self.program.struct_def(id);
        (def.origin == ir::Origin::Kernel
            && !crate::codegen::userspace::types::userspace_has_definition(&self.program, id))
        .then_some(id)
    }

    /// Reports `ty` at `span` in userspace code when it holds a kernel
    /// struct by value that userspace C does not define.
    pub(crate) fn reject_undefined_kernel_struct(&mut self, ty: &Type, span: Span) {
        if let Some(id) = self.kernel_struct_without_definition(ty) {
            let name = self.program.struct_def(id).name.clone();
            self.report(errors::kernel_struct_by_value_in_userspace(span, &name));
        }
    }

    /// Kernel structs userspace defines because a map, global or config
    /// holds them by value must be spelled with their kernel layout, and
    /// the userspace C spells only plain structs: no unions, anonymous
    /// members or bitfields, fields laid out one after another as BTF says
    /// (`dentry` is none of these). Each root holding another is an error.
    pub(crate) fn check_shared_kernel_structs(&mut self) {
        let has_userspace = self
            .program
            .functions
            .iter()
            .any(|function| function.kind.target() == ir::Target::Userspace);
        if !has_userspace {
            return;
        }
        let mut roots: Vec<(Type, Span, String)> = Vec::new();
        for map in &self.program.maps {
            roots.push((map.key.clone(), map.span, format!("map `{}`", map.name)));
            roots.push((map.value.clone(), map.span, format!("map `{}`", map.name)));
        }
        for global in self.program.globals.iter().filter(|global| !global.local) {
            roots.push((
                global.ty.clone(),
                global.span,
                format!("global `{}`", global.name),
            ));
        }
        for config in &self.program.configs {
            for field in &config.fields {
                roots.push((
                    field.ty.clone(),
                    config.span,
                    format!("config `{}`", config.name),
                ));
            }
        }
        let mut reported = std::collections::BTreeSet::new();
        for (ty, span, holder) in roots {
            let defined = crate::codegen::userspace::types::structs_to_define(
                &self.program,
                std::slice::from_ref(&ty),
            );
            let bad = defined.into_iter().find(|id| {
                let def = self.program.struct_def(*id);
                def.origin == ir::Origin::Kernel && !plainly_laid_out(&self.program, def)
            });
            let root = crate::codegen::c::order::held_struct(&ty);
            if let (Some(id), Some(root)) = (bad, root) {
                if reported.insert((span.start, span.file)) {
                    let name = self.program.struct_def(root).name.clone();
                    let part = self.program.struct_def(id).name.clone();
                    self.report(errors::kernel_struct_not_shareable(
                        span, &holder, &name, &part,
                    ));
                }
            }
        }
    }

    /// Whether the code being checked may read the fields of struct `id`
    /// through a pointer: eBPF code always; userspace code unless it is a
    /// kernel struct userspace C has no definition of (the generator's own
    /// rule, `userspace_has_definition`): a pointer to one points into the
    /// kernel.
    fn userspace_can_read(&self, id: ir::StructId) -> bool {
        self.fx.target() != Some(ir::Target::Userspace)
            || self.program.struct_def(id).origin != ir::Origin::Kernel
            || crate::codegen::userspace::types::userspace_has_definition(&self.program, id)
    }
}

/// Whether kernel struct `def` is a plain struct whose fields, one after
/// another with C's alignment, give BTF's size: what the userspace C can
/// define exactly.
fn plainly_laid_out(program: &ir::Program, def: &ir::StructDef) -> bool {
    let Some(kernel) = &def.kernel else {
        return true;
    };
    kernel.spelling == ir::KernelSpelling::Struct
        && kernel.bitfields.is_empty()
        && ir::sequential_size(program, &def.fields) == kernel.size
}
