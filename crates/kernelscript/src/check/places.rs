//! Assignments: `target = value` and `target op= value`.
//!
//! The target decides the lowering: `m[k] = v` is a `MapStore`, `m[k] op=
//! v` a `MapCompound` (an integer value, created from zero when absent),
//! `m[k].a.b = v` / `op=` a `MapFieldUpdate` (in place through the lookup,
//! a no-op when absent); anything else must be a place (a local, a global,
//! a config field from userspace, a field, an index, `*p`, `p->f`).
//! Constants, loop variables and string characters cannot be assigned,
//! and eBPF code cannot write config fields.

use crate::ir::{self, BinaryOp, ExprKind, StmtKind, Target, Type};
use crate::span::Span;
use crate::syntax::ast;

use super::aggregates::is_place;
use super::env::Symbol;
use super::scope::Binding;
use super::{errors, Checker};

impl Checker<'_> {
    pub(crate) fn assignment(
        &mut self,
        target: &ast::Expr,
        op: Option<BinaryOp>,
        value: &ast::Expr,
        span: Span,
    ) -> Option<StmtKind> {
        if let Some(op) = op {
            if op.is_comparison() || op.is_logical() {
                self.report(errors::bad_compound_operator(span, op));
                return None;
            }
        }
        if let ast::ExprKind::Index { base, index } = &target.kind {
            if let Some(map) = self.map_index_target(base) {
                return self.map_assignment(map, base, index, op, value, span);
            }
        }
        if let Some((map, base, index, fields)) = self.map_field_path(target) {
            return self.map_field_assignment(map, base, index, &fields, op, value, span);
        }
        if let Some(stmt) = self.reject_unassignable(target) {
            self.expr(value, None);
            return stmt;
        }
        let place = self.expr(target, None);
        if place.ty == Type::Error {
            self.expr(value, None);
            return None;
        }
        if !is_place(&place) {
            self.report(errors::not_assignable(target.span));
            self.expr(value, None);
            return None;
        }
        if let ExprKind::Index { base, .. } = &place.kind {
            if matches!(base.ty, Type::Str(_)) {
                self.report(errors::string_char_assignment(target.span));
                self.expr(value, None);
                return None;
            }
        }
        if let ExprKind::ConfigField { config, field } = place.kind {
            if self.fx.target() != Some(Target::Userspace) {
                let def = self.program.config(config);
                let path = format!("{}.{}", def.name, def.fields[field].name);
                let function = self.fx.name.clone();
                self.report(errors::config_write_outside_userspace(
                    target.span,
                    &path,
                    &function,
                ));
                self.expr(value, None);
                return None;
            }
        }
        let value = self.assigned_value(&place.ty, op, value, target.span)?;
        Some(StmtKind::Assign {
            target: place,
            op,
            value,
        })
    }

    /// The checked right-hand side of `place op= value` / `place = value`.
    fn assigned_value(
        &mut self,
        target_ty: &Type,
        op: Option<BinaryOp>,
        value: &ast::Expr,
        target_span: Span,
    ) -> Option<ir::Expr> {
        let Some(op) = op else {
            let value = self.expr_as(value, target_ty);
            return (value.ty != Type::Error).then_some(value);
        };
        match target_ty {
            Type::Int(_) => {
                let value = if matches!(op, BinaryOp::Shl | BinaryOp::Shr) {
                    let value = self.expr(value, Some(target_ty));
                    if !matches!(value.ty, Type::Int(_) | Type::Error) {
                        let found = self.type_name(&value.ty);
                        self.report(errors::mismatched_types(value.span, "an integer", &found));
                        return None;
                    }
                    value
                } else {
                    self.expr_as(value, target_ty)
                };
                (value.ty != Type::Error).then_some(value)
            }
            Type::Pointer(_) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
                let value = self.expr(value, None);
                if !matches!(value.ty, Type::Int(_) | Type::Error) {
                    let found = self.type_name(&value.ty);
                    self.report(errors::mismatched_types(value.span, "an integer", &found));
                    return None;
                }
                (value.ty != Type::Error).then_some(value)
            }
            // `s += t` appends: as much of `t` as fits in the `N - 1`
            // bytes of `s`.
            Type::Str(_) if op == BinaryOp::Add => {
                let value = self.expr(value, None);
                match value.ty {
                    Type::Str(_) => Some(value),
                    Type::Error => None,
                    _ => {
                        let found = self.type_name(&value.ty);
                        self.report(errors::mismatched_types(value.span, "a string", &found));
                        None
                    }
                }
            }
            other => {
                let found = self.type_name(other);
                self.report(errors::compound_on_non_integer(target_span, op, &found));
                self.expr(value, None);
                None
            }
        }
    }

    /// Targets that name something that can never be assigned.
    fn reject_unassignable(&mut self, target: &ast::Expr) -> Option<Option<StmtKind>> {
        if matches!(target.kind, ast::ExprKind::Field { .. }) {
            return match self.named(target) {
                super::modules::Named::Item { symbol, name } => {
                    self.reject_unassignable_symbol(target, symbol, &name)
                }
                _ => None,
            };
        }
        let ast::ExprKind::Ident(name) = &target.kind else {
            return None;
        };
        match self.fx.lookup(name) {
            Some(Binding::Const { .. }) => {
                self.report(errors::assign_to_const(target.span, name));
                return Some(None);
            }
            Some(Binding::Local(id)) => {
                if self.fx.facts[id.index()].loop_var {
                    self.report(errors::assign_to_loop_var(target.span, name));
                    return Some(None);
                }
                return None;
            }
            None => {}
        }
        let symbol = self.global_symbol(name, target.span)?;
        self.reject_unassignable_symbol(target, symbol, name)
    }

    fn reject_unassignable_symbol(
        &mut self,
        target: &ast::Expr,
        symbol: Symbol,
        name: &str,
    ) -> Option<Option<StmtKind>> {
        match symbol {
            Symbol::Const(_) | Symbol::Variant(..) => {
                self.report(errors::assign_to_const(target.span, name));
                Some(None)
            }
            Symbol::Map(_) => {
                self.report(errors::assign_to_map(target.span, name));
                Some(None)
            }
            Symbol::Function(_) | Symbol::Extern(_) | Symbol::Helper(_) | Symbol::Builtin(_) => {
                self.report(errors::not_assignable(target.span));
                Some(None)
            }
            _ => None,
        }
    }

    fn map_assignment(
        &mut self,
        map: ir::MapId,
        base: &ast::Expr,
        index: &ast::Expr,
        op: Option<BinaryOp>,
        value: &ast::Expr,
        span: Span,
    ) -> Option<StmtKind> {
        let key = self.map_key(map, base, index);
        self.check_map_access(map, span, true);
        self.check_object_map_side(map, span);
        let value_ty = self.program.map(map).value.clone();
        let Some(op) = op else {
            let value = self.expr_as(value, &value_ty);
            return Some(StmtKind::MapStore {
                map,
                key: key?,
                value,
            });
        };
        if !matches!(value_ty, Type::Int(_) | Type::Error) {
            let found = self.type_name(&value_ty);
            let name = self.program.map(map).name.clone();
            self.report(errors::map_compound_on_non_integer(span, &name, &found));
            self.expr(value, None);
            return None;
        }
        let value = self.assigned_value(&value_ty, Some(op), value, span)?;
        Some(StmtKind::MapCompound {
            map,
            key: key?,
            op,
            value,
        })
    }

    /// `m[k].a.b` as (map, `m`, `k`, [a, b]), if `target` has that shape.
    fn map_field_path<'e>(
        &mut self,
        target: &'e ast::Expr,
    ) -> Option<(ir::MapId, &'e ast::Expr, &'e ast::Expr, Vec<&'e ast::Ident>)> {
        let mut fields = Vec::new();
        let mut current = target;
        while let ast::ExprKind::Field { base, name } = &current.kind {
            fields.push(name);
            current = base;
        }
        if fields.is_empty() {
            return None;
        }
        let ast::ExprKind::Index { base, index } = &current.kind else {
            return None;
        };
        let map = self.map_index_target(base)?;
        fields.reverse();
        Some((map, base, index, fields))
    }

    fn map_field_assignment(
        &mut self,
        map: ir::MapId,
        base: &ast::Expr,
        index: &ast::Expr,
        fields: &[&ast::Ident],
        op: Option<BinaryOp>,
        value: &ast::Expr,
        span: Span,
    ) -> Option<StmtKind> {
        let key = self.map_key(map, base, index);
        self.check_map_access(map, span, true);
        let mut ty = self.program.map(map).value.clone();
        let mut path = Vec::with_capacity(fields.len());
        for field in fields {
            match ty {
                Type::Struct(id) => {
                    let (index, field_ty) = self.struct_field(id, field)?;
                    path.push(index);
                    ty = field_ty;
                }
                Type::Error => return None,
                other => {
                    let found = self.type_name(&other);
                    self.report(errors::no_fields(field.span, &field.name, &found));
                    self.expr(value, None);
                    return None;
                }
            }
        }
        let value = self.assigned_value(&ty, op, value, span)?;
        Some(StmtKind::MapFieldUpdate {
            map,
            key: key?,
            path,
            op,
            value,
        })
    }
}
