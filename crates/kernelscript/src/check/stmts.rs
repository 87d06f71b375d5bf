//! Statements: declarations, control flow, error handling; and the flow
//! facts other passes need (does a block fall off its end, can a loop
//! exit).
//!
//! Decisions:
//! * A condition (`if`, `while`) is a `bool`, an integer or a pointer.
//! * `if (var x = m[k])` binds `x` by reference to the stored value (writes
//!   through `x` update the map); `if (var p = ptr)` binds the non-null
//!   pointer. Either name is visible in the then-branch only.
//! * `var x = m[k]` copies the value (zero when absent); `x == null` then
//!   asks whether the entry existed (`presence.rs`).
//! * `for (i in a..b)` is half-open; `i` has the type the bounds meet at
//!   and cannot be assigned in the body.
//! * In eBPF code a `throw` not caught in its function is recorded; the
//!   nearest `try` of a caller must catch it (`throws.rs`). A `while`
//!   whose condition is constant true needs a way out (`break`, `return`
//!   or `throw`). Userspace may loop forever.
//! * `throw` takes a nonzero integer (or enum) code; `defer` takes a call.

use crate::ir::{self, Catch, ExprKind, IntType, MapKind, StmtKind, Type};
use crate::span::Span;
use crate::syntax::ast;

use super::exprs::{error_expr, node, Position};
use super::scope::{Binding, CatchSet};
use super::types::common_int;
use super::{errors, Checker};

impl Checker<'_> {
    /// A nested block: its names are visible inside it only.
    pub(crate) fn block(&mut self, block: &ast::Block) -> ir::Block {
        self.fx.push_scope();
        let stmts = self.stmts(&block.stmts);
        self.fx.pop_scope();
        ir::Block::new(stmts)
    }

    /// Statements in the current scope.
    pub(crate) fn stmts(&mut self, stmts: &[ast::Stmt]) -> Vec<ir::Stmt> {
        let mut lowered = Vec::with_capacity(stmts.len());
        for stmt in stmts {
            if let Some(kind) = self.stmt(stmt) {
                lowered.push(ir::Stmt {
                    kind,
                    span: stmt.span,
                });
            }
        }
        lowered
    }

    fn stmt(&mut self, stmt: &ast::Stmt) -> Option<StmtKind> {
        let span = stmt.span;
        match &stmt.kind {
            ast::StmtKind::Var { name, ty, init } => {
                self.var_decl(name, ty.as_ref(), init.as_ref())
            }
            ast::StmtKind::Const(decl) => {
                let (ty, value, radix) = self.const_decl_value(decl);
                let binding = Binding::Const { value, ty, radix };
                if let Err(earlier) = self.fx.bind(&decl.name.name, binding) {
                    self.report(errors::redeclared_local(
                        decl.name.span,
                        &decl.name.name,
                        earlier,
                    ));
                }
                None
            }
            ast::StmtKind::Assign { target, op, value } => {
                self.assignment(target, *op, value, span)
            }
            ast::StmtKind::Expr(e) => {
                let position = match e.kind {
                    ast::ExprKind::Match { .. } | ast::ExprKind::Call { .. } => Position::Statement,
                    _ => Position::Value,
                };
                Some(StmtKind::Expr(self.expr_at(e, None, position)))
            }
            ast::StmtKind::If {
                condition,
                then_block,
                else_branch,
            } => match condition {
                ast::Condition::Expr(e) => {
                    let condition = self.condition(e);
                    let then_block = self.block(then_block);
                    let else_block = self.else_branch(else_branch.as_deref());
                    Some(StmtKind::If {
                        condition,
                        then_block,
                        else_block,
                    })
                }
                ast::Condition::Let { name, value } => {
                    self.if_let(name, value, then_block, else_branch.as_deref())
                }
            },
            ast::StmtKind::ForRange {
                var,
                start,
                end,
                body,
            } => self.for_range(var, start, end, body),
            ast::StmtKind::ForEach {
                key,
                value,
                iterable,
                body,
            } => self.for_each(key, value.as_ref(), iterable, body),
            ast::StmtKind::While { condition, body } => {
                let condition = self.condition(condition);
                let body = self.loop_body(body);
                if self.fx.is_ebpf()
                    && self.eval(&condition).is_some_and(|value| value != 0)
                    && !has_exit(&body)
                {
                    self.report(errors::unbounded_loop(span));
                }
                Some(StmtKind::While { condition, body })
            }
            ast::StmtKind::Break | ast::StmtKind::Continue => {
                let is_break = matches!(stmt.kind, ast::StmtKind::Break);
                if self.fx.loop_depth == 0 {
                    self.report(errors::outside_loop(
                        span,
                        if is_break { "break" } else { "continue" },
                    ));
                    return None;
                }
                Some(if is_break {
                    StmtKind::Break
                } else {
                    StmtKind::Continue
                })
            }
            ast::StmtKind::Return(value) => self.return_stmt(value.as_ref(), span),
            ast::StmtKind::Delete(target) => self.delete(target, span),
            ast::StmtKind::Try { body, catches } => self.try_stmt(body, catches),
            ast::StmtKind::Throw(code) => self.throw(code),
            ast::StmtKind::Defer(e) => {
                if !matches!(e.kind, ast::ExprKind::Call { .. }) {
                    self.report(errors::defer_needs_call(e.span));
                    self.expr(e, None);
                    return None;
                }
                let edges = self.fx.calls.len();
                let call = self.expr_at(e, None, Position::Statement);
                // The deferred call itself runs at the function's exits,
                // outside every `try` of the function (its arguments run
                // here): its edge, pushed after its arguments', is caught
                // by no `try` of this function.
                if let ir::ExprKind::Call {
                    callee: ir::Callee::Function(id),
                    ..
                } = &call.kind
                {
                    let pushed = self.fx.calls.len() > edges;
                    if let Some(edge) = self.fx.calls.last_mut().filter(|_| pushed) {
                        if edge.callee == *id {
                            edge.catches.clear();
                        }
                    }
                }
                Some(StmtKind::Defer(call))
            }
            ast::StmtKind::Block(block) => Some(StmtKind::Block(self.block(block))),
            ast::StmtKind::Error => None,
        }
    }

    fn var_decl(
        &mut self,
        name: &ast::Ident,
        ty: Option<&ast::TypeExpr>,
        init: Option<&ast::Expr>,
    ) -> Option<StmtKind> {
        let declared = ty.map(|ty| self.resolve_value_type(ty, "variables"));
        let init = init.map(|init| match &declared {
            Some(ty) => self.expr_as(init, ty),
            None => self.expr(init, None),
        });
        let ty = match (declared, &init) {
            (Some(ty), _) => ty,
            (None, Some(init)) => self.inferred_type(init, &name.name),
            (None, None) => {
                self.report(errors::needs_type_annotation(name.span, &name.name));
                Type::Error
            }
        };
        if self.fx.is_ebpf() {
            self.reject_function_in_ebpf(&ty, name.span);
        } else if self.fx.target() == Some(ir::Target::Userspace) {
            self.reject_undefined_kernel_struct(&ty, name.span);
        }
        let (local, bound) = self.fx.declare(&name.name, ty, name.span);
        if let Some(ir::Expr {
            kind: ExprKind::MapGet { .. },
            ty: value_ty,
            ..
        }) = &init
        {
            // A map of objects gives a pointer, compared with null itself.
            if !value_ty.is_pointer() {
                let same_type = *value_ty != Type::Error && *value_ty == self.fx.local(local).ty;
                let facts = &mut self.fx.facts[local.index()];
                facts.copied_from_map = true;
                facts.may_track_presence = same_type;
            }
        }
        if let Err(earlier) = bound {
            self.report(errors::redeclared_local(name.span, &name.name, earlier));
        }
        Some(StmtKind::Let { local, init })
    }

    /// The type of a variable declared without one, from its initialiser.
    pub(crate) fn inferred_type(&mut self, init: &ir::Expr, name: &str) -> Type {
        match &init.ty {
            Type::Null => {
                self.report(errors::cannot_infer_null(init.span, name));
                Type::Error
            }
            Type::Void => {
                self.report(errors::void_used_as_value(init.span, "a value"));
                Type::Error
            }
            Type::ProgramRef(_) => {
                self.report(errors::program_in_variable(init.span, name));
                Type::Error
            }
            Type::Function(function) => Type::Function(Box::new(ir::FunctionType {
                function: None,
                ..(**function).clone()
            })),
            other => other.clone(),
        }
    }

    /// A condition: `bool`, an integer or a pointer.
    pub(crate) fn condition(&mut self, e: &ast::Expr) -> ir::Expr {
        let condition = self.expr(e, Some(&Type::Bool));
        match condition.ty {
            Type::Bool | Type::Int(_) | Type::Pointer(_) | Type::Error => condition,
            _ => {
                let found = self.type_name(&condition.ty);
                self.report(errors::bad_condition(e.span, &found));
                error_expr(e.span)
            }
        }
    }

    fn else_branch(&mut self, branch: Option<&ast::Stmt>) -> Option<ir::Block> {
        let branch = branch?;
        match &branch.kind {
            ast::StmtKind::Block(block) => Some(self.block(block)),
            _ => {
                self.fx.push_scope();
                let stmts = self.stmts(std::slice::from_ref(branch));
                self.fx.pop_scope();
                Some(ir::Block::new(stmts))
            }
        }
    }

    fn if_let(
        &mut self,
        name: &ast::Ident,
        value: &ast::Expr,
        then_block: &ast::Block,
        else_branch: Option<&ast::Stmt>,
    ) -> Option<StmtKind> {
        if let ast::ExprKind::Index { base, index } = &value.kind {
            let map = self
                .map_index_target(base)
                .filter(|map| !self.program.map(*map).holds_objects());
            if let Some(map) = map {
                let key = self.map_key(map, base, index);
                self.check_map_access(map, value.span, false);
                let value_ty = self.program.map(map).value.clone();
                self.fx.push_scope();
                let binding = self.fx.new_local(&name.name, value_ty, true, name.span);
                let _ = self.fx.bind(&name.name, Binding::Local(binding));
                let then_block = self.block(then_block);
                self.fx.pop_scope();
                let else_block = self.else_branch(else_branch);
                return Some(StmtKind::IfLetMap {
                    binding,
                    map,
                    key: key?,
                    then_block,
                    else_block,
                });
            }
        }
        let checked = self.expr(value, None);
        let ty = match &checked.ty {
            Type::Pointer(_) | Type::Error => checked.ty.clone(),
            other => {
                let found = self.type_name(other);
                self.report(errors::bad_if_let(value.span, &found));
                Type::Error
            }
        };
        self.fx.push_scope();
        let binding = self.fx.new_local(&name.name, ty, false, name.span);
        let _ = self.fx.bind(&name.name, Binding::Local(binding));
        let then_block = self.block(then_block);
        self.fx.pop_scope();
        let else_block = self.else_branch(else_branch);
        Some(StmtKind::IfLetPointer {
            binding,
            value: checked,
            then_block,
            else_block,
        })
    }

    fn loop_body(&mut self, body: &ast::Block) -> ir::Block {
        self.fx.loop_depth += 1;
        let body = self.block(body);
        self.fx.loop_depth -= 1;
        body
    }

    fn for_range(
        &mut self,
        var: &ast::Ident,
        start: &ast::Expr,
        end: &ast::Expr,
        body: &ast::Block,
    ) -> Option<StmtKind> {
        let (start, end) = self.operands(start, end, None);
        let ty = match (&start.ty, &end.ty) {
            (Type::Int(a), Type::Int(b)) => match common_int(*a, *b) {
                Some(int) => Type::Int(int),
                None => {
                    let (a, b) = (self.type_name(&start.ty), self.type_name(&end.ty));
                    self.report(errors::bad_binary_operands(
                        start.span.to(end.span),
                        ast::BinaryOp::Lt,
                        &a,
                        &b,
                        true,
                    ));
                    Type::Error
                }
            },
            (Type::Error, _) | (_, Type::Error) => Type::Error,
            (other, Type::Int(_)) | (_, other) => {
                let found = self.type_name(other);
                let span = if start.ty.is_integer() {
                    end.span
                } else {
                    start.span
                };
                self.report(errors::mismatched_types(span, "an integer", &found));
                Type::Error
            }
        };
        self.fx.push_scope();
        let (local, _) = self.fx.declare(&var.name, ty, var.span);
        self.fx.facts[local.index()].loop_var = true;
        let body = self.loop_body(body);
        self.fx.pop_scope();
        Some(StmtKind::ForRange {
            var: local,
            start,
            end,
            body,
        })
    }

    fn for_each(
        &mut self,
        key: &ast::Ident,
        value: Option<&ast::Ident>,
        iterable: &ast::Expr,
        body: &ast::Block,
    ) -> Option<StmtKind> {
        let Some(map) = self.map_index_target(iterable) else {
            let checked = self.expr(iterable, None);
            if checked.ty != Type::Error {
                let found = self.type_name(&checked.ty);
                self.report(errors::not_iterable(iterable.span, &found));
            }
            // Bind the loop names (untyped) so the body reports no cascade.
            self.fx.push_scope();
            for name in std::iter::once(key).chain(value) {
                let _ = self.fx.declare(&name.name, Type::Error, name.span);
            }
            self.loop_body(body);
            self.fx.pop_scope();
            return None;
        };
        let def = self.program.map(map);
        let (kind, key_ty, value_ty) = (def.kind, def.key.clone(), def.value.clone());
        if matches!(
            kind,
            MapKind::Ringbuf | MapKind::ProgArray | MapKind::PerfEventArray
        ) {
            let found = self.type_name(&Type::Map(map));
            self.report(errors::not_iterable(iterable.span, &found));
        } else if self.program.map(map).holds_objects() {
            let name = self.program.map(map).name.clone();
            self.report(errors::object_map_operation(
                iterable.span,
                &name,
                "iteration",
            ));
        } else if matches!(kind, MapKind::LpmTrie | MapKind::StackTrace) && self.fx.is_ebpf() {
            self.report(errors::not_iterable_in_ebpf(
                iterable.span,
                kind.source_name(),
            ));
        }
        self.check_map_access(map, iterable.span, false);
        self.fx.push_scope();
        let (key, _) = self.fx.declare(&key.name, key_ty, key.span);
        // `v` is bound by reference, like `if (var v = m[k])`: eBPF gets the
        // entry's pointer, userspace a copy written back after the body.
        let value = value.map(|value| {
            let local = self.fx.new_local(&value.name, value_ty, true, value.span);
            let bound = self.fx.bind(&value.name, Binding::Local(local));
            if let Err(earlier) = bound {
                self.report(errors::redeclared_local(value.span, &value.name, earlier));
            }
            local
        });
        let body = self.loop_body(body);
        self.fx.pop_scope();
        Some(StmtKind::ForEachMap {
            key,
            value,
            map,
            body,
        })
    }

    fn return_stmt(&mut self, value: Option<&ast::Expr>, span: Span) -> Option<StmtKind> {
        let ret = self.fx.ret.clone();
        match value {
            None => {
                if ret != Type::Void && ret != Type::Error && self.fx.named_return.is_none() {
                    let name = self.type_name(&ret);
                    self.report(errors::return_without_value(span, &name));
                }
                Some(StmtKind::Return(None))
            }
            Some(e) if ret == Type::Void => {
                let checked = self.expr(e, None);
                if checked.ty != Type::Error && checked.ty != Type::Void {
                    self.report(errors::return_value_in_void(e.span, &self.fx.name.clone()));
                }
                Some(StmtKind::Return(None))
            }
            Some(e) => Some(StmtKind::Return(Some(self.return_value(e)))),
        }
    }

    /// A program's result given as an integer of at most 32 bits where its
    /// kind returns a kernel enum (`return action` with `action: u32` in
    /// an `@xdp` program): the kernel reads the result as an integer, so
    /// it is converted as if written `action as xdp_action`.
    fn program_result_from_integer(&self, value: &ir::Expr, ret: &Type) -> Option<ir::Expr> {
        let Some(ir::FunctionKind::Program(_)) = &self.fx.kind else {
            return None;
        };
        let Type::Enum(id) = ret else {
            return None;
        };
        let Type::Int(int) = value.ty else {
            return None;
        };
        if self.program.enum_def(*id).origin != ir::Origin::Kernel || int.bits() > 32 {
            return None;
        }
        Some(ir::Expr {
            span: value.span,
            ty: ret.clone(),
            kind: ir::ExprKind::Cast(Box::new(value.clone())),
        })
    }

    /// The operand of `return` (or a body's trailing expression).
    pub(crate) fn return_value(&mut self, e: &ast::Expr) -> ir::Expr {
        let ret = self.fx.ret.clone();
        let value = self.expr_at(e, Some(&ret), Position::Return);
        if let Some(result) = self.program_result_from_integer(&value, &ret) {
            return result;
        }
        let value = self.coerce(value, &ret, e.span);
        if let Some(local) = address_of_local(&value) {
            let local = self.fx.local(local);
            if !local.by_reference {
                let (name, span) = (local.name.clone(), local.span);
                self.report(errors::returns_local_address(e.span, &name, span));
            }
        }
        value
    }

    fn delete(&mut self, target: &ast::Expr, span: Span) -> Option<StmtKind> {
        if let ast::ExprKind::Index { base, index } = &target.kind {
            if let Some(map) = self.map_index_target(base) {
                let key = self.map_key(map, base, index);
                self.check_map_access(map, span, true);
                let def = self.program.map(map);
                if def.kind.is_array() {
                    let (name, kind) = (def.name.clone(), def.kind.source_name());
                    self.report(errors::delete_from_array(span, &name, kind));
                    return None;
                }
                return Some(StmtKind::MapDelete { map, key: key? });
            }
        }
        self.delete_object(target, span)
    }

    fn try_stmt(&mut self, body: &ast::Block, catches: &[ast::CatchClause]) -> Option<StmtKind> {
        let mut set = CatchSet::default();
        let mut codes = Vec::with_capacity(catches.len());
        for clause in catches {
            if set.wildcard {
                self.report(errors::unreachable_catch(clause.span));
            }
            match &clause.pattern {
                ast::CatchPattern::Value(e) => {
                    let code = self.const_int(e, Some(&Type::Int(IntType::I32)));
                    if let Some(code) = code {
                        if set.codes.contains(&code) {
                            self.report(errors::duplicate_catch(e.span, code));
                        }
                        set.codes.push(code);
                    }
                    codes.push(code);
                }
                ast::CatchPattern::Wildcard(_) => {
                    set.wildcard = true;
                    codes.push(None);
                }
            }
        }
        self.fx.try_stack.push(set);
        let body = self.block(body);
        self.fx.try_stack.pop();
        let catches = catches
            .iter()
            .zip(codes)
            .map(|(clause, code)| Catch {
                code,
                body: self.block(&clause.body),
                span: clause.span,
            })
            .collect();
        Some(StmtKind::Try { body, catches })
    }

    fn throw(&mut self, code: &ast::Expr) -> Option<StmtKind> {
        let checked = self.expr(code, Some(&Type::Int(IntType::I32)));
        let checked = match &checked.ty {
            Type::Int(_) => checked,
            Type::Enum(_) => {
                let span = checked.span;
                node(
                    ExprKind::Cast(Box::new(checked)),
                    Type::Int(IntType::I32),
                    span,
                )
            }
            Type::Error => return None,
            other => {
                let found = self.type_name(other);
                self.report(errors::bad_throw_code(code.span, &found));
                return None;
            }
        };
        let value = self.eval(&checked);
        if value == Some(0) {
            self.report(errors::throw_zero(code.span));
            return None;
        }
        if self.fx.is_ebpf() && !self.fx.try_stack.iter().any(|set| set.catches(value)) {
            // It leaves the function: whether a caller catches it is
            // decided over the call graph (`throws.rs`).
            self.fx.throws.push(super::scope::ThrowSite {
                code: value,
                span: code.span,
            });
        }
        Some(StmtKind::Throw(checked))
    }
}

/// The local whose address `expr` is (`&x`, `&x.f`, `&x[i]`), if any.
fn address_of_local(expr: &ir::Expr) -> Option<ir::LocalId> {
    let ExprKind::Unary {
        op: ast::UnaryOp::AddrOf,
        operand,
    } = &expr.kind
    else {
        return None;
    };
    let mut place = &**operand;
    loop {
        match &place.kind {
            ExprKind::Local(id) => return Some(*id),
            ExprKind::Field { base, .. } => place = base,
            ExprKind::Index { base, .. } if matches!(base.ty, Type::Array(..) | Type::Str(_)) => {
                place = base
            }
            _ => return None,
        }
    }
}

pub(super) fn is_constant_true(condition: &ir::Expr) -> bool {
    matches!(condition.kind, ExprKind::Bool(true))
        || matches!(condition.kind, ExprKind::Int(value, _) if value != 0)
}

/// Whether `body` contains a `break` of its own loop.
pub(super) fn has_break(body: &ir::Block) -> bool {
    body.stmts.iter().any(|stmt| {
        visit(stmt, &mut |stmt, nested_loop| {
            !nested_loop && matches!(stmt.kind, StmtKind::Break)
        })
    })
}

/// Whether a loop `body` can leave the loop (`break`, `return`, `throw`).
pub(crate) fn has_exit(body: &ir::Block) -> bool {
    body.stmts.iter().any(|stmt| {
        visit(stmt, &mut |stmt, nested_loop| match stmt.kind {
            StmtKind::Break => !nested_loop,
            StmtKind::Return(_) | StmtKind::Throw(_) => true,
            _ => false,
        })
    })
}

/// Whether `found` holds for `stmt` or a statement nested in it; the flag
/// tells whether the statement is inside a loop nested in `stmt`.
fn visit(stmt: &ir::Stmt, found: &mut dyn FnMut(&ir::Stmt, bool) -> bool) -> bool {
    fn walk(
        stmt: &ir::Stmt,
        nested_loop: bool,
        found: &mut dyn FnMut(&ir::Stmt, bool) -> bool,
    ) -> bool {
        if found(stmt, nested_loop) {
            return true;
        }
        let mut blocks: Vec<(&ir::Block, bool)> = Vec::new();
        match &stmt.kind {
            StmtKind::If {
                then_block,
                else_block,
                ..
            }
            | StmtKind::IfLetMap {
                then_block,
                else_block,
                ..
            }
            | StmtKind::IfLetPointer {
                then_block,
                else_block,
                ..
            } => {
                blocks.push((then_block, nested_loop));
                if let Some(else_block) = else_block {
                    blocks.push((else_block, nested_loop));
                }
            }
            StmtKind::ForRange { body, .. }
            | StmtKind::ForEachMap { body, .. }
            | StmtKind::While { body, .. } => {
                blocks.push((body, true));
            }
            StmtKind::Try { body, catches } => {
                blocks.push((body, nested_loop));
                blocks.extend(catches.iter().map(|catch| (&catch.body, nested_loop)));
            }
            StmtKind::Block(block) => blocks.push((block, nested_loop)),
            _ => {}
        }
        blocks
            .into_iter()
            .any(|(block, nested)| block.stmts.iter().any(|stmt| walk(stmt, nested, found)))
    }
    walk(stmt, false, found)
}
