//! Statements: declarations, assignments, `if`/`else if` chains, loops,
//! jumps, blocks; map statements, `try`/`throw` and map iteration are the
//! backend's. Every statement is preceded by a `#line` directive when the C
//! text has drifted from its source line; blocks are always braced.

use crate::codegen::c::backend::{Assign, Backend, EntryBinding, FieldWrite, MapLoop, RangeLoop};
use crate::codegen::c::types::is_array_like;
use crate::ir::{visit, BinaryOp, Block, Expr, ExprKind, LocalId, Stmt, StmtKind, Type};

use super::exprs::truncated_literal;
use super::matching::Sink;
use super::{entry, plain, Frame, LoopKind, Lowering};

impl<'a, B: Backend<'a>> Lowering<'a, B> {
    pub fn stmts(&mut self, stmts: &'a [Stmt]) {
        for stmt in stmts {
            self.stmt(stmt);
        }
    }

    /// `block`'s statements inside the `{` `}` the caller opened, in a new
    /// naming scope.
    pub fn block_body(&mut self, block: &'a Block) {
        self.open_scope();
        self.block_depth += 1;
        self.stmts(&block.stmts);
        self.block_depth -= 1;
        self.close_scope();
    }

    pub fn stmt(&mut self, stmt: &'a Stmt) {
        self.map_line(stmt.span);
        self.hoist_statement(stmt);
        match &stmt.kind {
            StmtKind::Let { local, init } => self.lower_let(*local, init.as_ref()),
            StmtKind::Assign { target, op, value } => self.lower_assign(target, *op, value),
            StmtKind::MapStore { map, key, value } => B::map_store(self, entry(*map, key), value),
            StmtKind::MapCompound {
                map,
                key,
                op,
                value,
            } => B::map_compound(self, entry(*map, key), *op, value),
            StmtKind::MapFieldUpdate {
                map,
                key,
                path,
                op,
                value,
            } => {
                let write = FieldWrite {
                    path,
                    op: *op,
                    value,
                };
                B::map_field_update(self, entry(*map, key), write)
            }
            StmtKind::MapDelete { map, key } => B::map_delete(self, entry(*map, key)),
            StmtKind::Expr(expr) => self.expression_statement(expr),
            StmtKind::If {
                condition,
                then_block,
                else_block,
            } => self.lower_if(condition, then_block, else_block.as_ref()),
            StmtKind::IfLetMap {
                binding,
                map,
                key,
                then_block,
                else_block,
            } => {
                let bound = EntryBinding {
                    binding: *binding,
                    entry: entry(*map, key),
                    then_block,
                    else_block: else_block.as_ref(),
                };
                B::if_let_map(self, bound)
            }
            StmtKind::IfLetPointer {
                binding,
                value,
                then_block,
                else_block,
            } => self.if_let_pointer(*binding, value, then_block, else_block.as_ref()),
            StmtKind::ForRange {
                var,
                start,
                end,
                body,
            } => {
                let range = RangeLoop {
                    statement: stmt,
                    var: *var,
                    start,
                    end,
                    body,
                    span: stmt.span,
                };
                if !B::range_loop(self, range) {
                    self.for_range(*var, start, end, body);
                }
            }
            StmtKind::ForEachMap {
                key,
                value,
                map,
                body,
            } => {
                let each = MapLoop {
                    key: *key,
                    value: *value,
                    map: *map,
                    body,
                    span: stmt.span,
                };
                B::for_each_map(self, each)
            }
            StmtKind::While { condition, body } => {
                if B::while_loop(self, stmt, condition, body) {
                    return;
                }
                // `for (;;)` with the test inside, not `while (cond)`: C lets
                // a compiler assume that a loop with a non-constant condition
                // ends, and clang deletes one that provably cannot (leaving
                // an empty, unloadable program). This way the loop stays, and
                // the verifier reports it at load time (docs §10.2).
                self.out.open_block("for (;;)");
                // Calls that can throw run again on each test (hoist.rs).
                self.hoist(condition, true);
                let condition = self.condition(condition);
                self.out.line(format!("if (!({condition}))"));
                self.out.indent();
                self.out.line("break;");
                self.out.dedent();
                B::loop_prologue(self);
                self.loop_body(body, LoopKind::Plain);
                self.out.close_block();
            }
            StmtKind::Break => self.jump(true),
            StmtKind::Continue => self.jump(false),
            StmtKind::Return(value) => self.lower_return(value.as_ref(), stmt.span),
            StmtKind::Try { body, catches } => B::try_catch(self, body, catches, stmt),
            StmtKind::Throw(code) => {
                let code = self.value(code);
                B::throw(self, code, stmt.span)
            }
            StmtKind::Defer(call) => self.register_defer(stmt, call),
            StmtKind::Block(block) => {
                self.out.open_block("");
                self.block_body(block);
                self.out.close_block();
            }
        }
    }

    fn expression_statement(&mut self, expr: &'a Expr) {
        if let ExprKind::Match { scrutinee, arms } = &expr.kind {
            return self.lower_match(scrutinee, arms, &expr.ty, Sink::Discard);
        }
        if super::errors::throwing_call(self.program, expr).is_some() {
            return self.call_throwing(expr, None, expr.span);
        }
        if B::expression_statement(self, expr) {
            return;
        }
        let text = self.expr(expr).text;
        if matches!(expr.kind, ExprKind::Call { .. }) {
            self.out.line(format!("{text};"));
        } else {
            self.out.line(format!("(void)({text});"));
        }
    }

    /// `break` (`is_break`) or `continue`: what the enclosing constructs up
    /// to the loop owe, then the jump.
    fn jump(&mut self, is_break: bool) {
        self.pay_to_loop();
        let kind = self.frames.iter().rev().find_map(|frame| match frame {
            Frame::Loop(kind) => Some(*kind),
            _ => None,
        });
        match kind {
            Some(LoopKind::Callback) => self.callback_jump(is_break),
            _ => self.out.line(if is_break { "break;" } else { "continue;" }),
        }
    }

    /// `var x [= init]`: declared where introduced, always initialised
    /// (zero when the source gives no value).
    fn lower_let(&mut self, local: LocalId, init: Option<&'a Expr>) {
        if let Some(init) = init {
            if !self.hoisted.contains(&local) && B::declare_special(self, local, init) {
                return;
            }
        }
        self.declare_let(local, init);
        if self.unread.contains(&local) {
            if let Some(super::Spelling::Value(name)) = self.locals.get(&local) {
                self.out.line(format!("(void){name};"));
            }
        }
    }

    fn declare_let(&mut self, local: LocalId, init: Option<&'a Expr>) {
        let ty = self.function.local(local).ty.clone();
        if self.hoisted.contains(&local) {
            // Declared at the top: the declaration is an assignment.
            let name = self.local_lvalue(local);
            match init {
                Some(init) => self.assign_value(&name, &ty, init),
                None if is_array_like(&ty) || matches!(ty, Type::Struct(_)) => self
                    .out
                    .line(format!("__builtin_memset(&{name}, 0, sizeof({name}));")),
                None => self.out.line(format!("{name} = {};", self.types.zero(&ty))),
            }
            return;
        }
        let Some(init) = init else {
            let name = self.declare_local(local);
            let declaration = self.local_declaration(local, &name);
            self.out
                .line(format!("{declaration} = {};", self.types.zero(&ty)));
            return;
        };
        match (&init.kind, &ty) {
            _ if super::errors::throwing_call(self.program, init).is_some() => {
                let name = self.declare_local(local);
                let declaration = self.local_declaration(local, &name);
                self.out
                    .line(format!("{declaration} = {};", self.types.zero(&ty)));
                self.call_throwing(init, Some(name), init.span);
            }
            (ExprKind::Match { scrutinee, arms }, _) => {
                let has_default = arms.iter().any(|arm| arm.pattern.is_none());
                let name = self.declare_local(local);
                let declaration = self.local_declaration(local, &name);
                if has_default {
                    self.out.line(format!("{declaration};"));
                } else {
                    self.out
                        .line(format!("{declaration} = {};", self.types.zero(&ty)));
                }
                self.lower_match(scrutinee, arms, &init.ty, Sink::Assign(name));
            }
            (ExprKind::Str(text), Type::Str(len)) => {
                let literal = truncated_literal(text, *len);
                let name = self.declare_local(local);
                let declaration = self.local_declaration(local, &name);
                self.out.line(format!("{declaration} = {literal};"));
            }
            (ExprKind::StructLit { .. } | ExprKind::ArrayLit(_), _) => {
                let mut post = Vec::new();
                let placeholder = "\u{1}local\u{1}";
                let initializer = self.initializer(init, placeholder, &mut post);
                let name = self.declare_local(local);
                let declaration = self.local_declaration(local, &name);
                self.out.line(format!("{declaration} = {initializer};"));
                for line in post {
                    self.out.line(line.replace(placeholder, &name));
                }
            }
            _ if is_array_like(&ty) => {
                // C cannot initialise an array from another array: zeroed,
                // then copied (a narrower string leaves the tail zero).
                let name = self.declare_local(local);
                let declaration = self.local_declaration(local, &name);
                self.out
                    .line(format!("{declaration} = {};", self.types.zero(&ty)));
                B::store_aggregate(self, &name, &ty, plain(init));
            }
            _ => {
                let value = self.expr(init).text;
                let name = self.declare_local(local);
                let declaration = self.local_declaration(local, &name);
                self.out.line(format!("{declaration} = {value};"));
            }
        }
    }

    /// `place = value` for a place of type `ty` spelled `place`.
    fn assign_value(&mut self, place: &str, ty: &Type, value: &'a Expr) {
        if super::errors::throwing_call(self.program, value).is_some() {
            return self.call_throwing(value, Some(place.to_string()), value.span);
        }
        if let ExprKind::Match { scrutinee, arms } = &value.kind {
            return self.lower_match(scrutinee, arms, &value.ty, Sink::Assign(place.to_string()));
        }
        if is_array_like(ty) {
            return B::store_aggregate(self, place, ty, plain(value));
        }
        let value = self.expr(value).text;
        self.out.line(format!("{place} = {value};"));
    }

    fn lower_assign(&mut self, target: &'a Expr, op: Option<BinaryOp>, value: &'a Expr) {
        let Some(op) = op else {
            if B::assign_special(self, target, value) {
                return;
            }
            let place = self.place(target).text;
            return self.assign_value(&place, &target.ty, value);
        };
        let assign = Assign {
            op: Some(op),
            value,
        };
        if B::compound_assign(self, target, assign) {
            return;
        }
        let place = self.place(target).text;
        if is_array_like(&target.ty) {
            return B::store_aggregate(self, &place, &target.ty, assign);
        }
        let value = self.expr(value).text;
        self.out.line(format!("{place} {}= {value};", op.symbol()));
    }

    fn lower_if(
        &mut self,
        condition: &'a Expr,
        then_block: &'a Block,
        else_block: Option<&'a Block>,
    ) {
        let condition = self.condition(condition);
        self.out.open_block(format!("if ({condition})"));
        self.block_body(then_block);
        let mut else_block = else_block;
        while let Some(block) = else_block {
            match block.stmts.as_slice() {
                [Stmt {
                    kind:
                        StmtKind::If {
                            condition,
                            then_block,
                            else_block: next,
                        },
                    span,
                }] if !self.contains_hoisted(condition) => {
                    self.map_line(*span);
                    let condition = self.condition(condition);
                    self.out.reopen_block(format!("else if ({condition})"));
                    self.block_body(then_block);
                    else_block = next.as_ref();
                }
                _ => {
                    self.out.reopen_block("else");
                    self.block_body(block);
                    else_block = None;
                }
            }
        }
        self.out.close_block();
    }

    /// `if (var p = pointer_expr)`: one evaluation, a null test.
    fn if_let_pointer(
        &mut self,
        binding: LocalId,
        value: &'a Expr,
        then_block: &'a Block,
        else_block: Option<&'a Block>,
    ) {
        let value_text = self.expr(value).text;
        let local = self.function.local(binding);
        // A by-reference binding has the pointee's type; the C local is the
        // pointer either way.
        let pointer_ty = if local.by_reference {
            Type::Pointer(Box::new(local.ty.clone()))
        } else {
            local.ty.clone()
        };
        let name = self.declare_local(binding);
        let declaration = self.types.declaration(&pointer_ty, &name);
        self.out.line(format!("{declaration} = {value_text};"));
        self.if_present(&name, then_block, else_block);
    }

    /// `if (pointer) { then } else { else }`, for the `if (var ...)` forms.
    pub fn if_present(
        &mut self,
        pointer: &str,
        then_block: &'a Block,
        else_block: Option<&'a Block>,
    ) {
        self.out.open_block(format!("if ({pointer})"));
        self.block_body(then_block);
        if let Some(else_block) = else_block {
            self.out.reopen_block("else");
            self.block_body(else_block);
        }
        self.out.close_block();
    }

    /// `for (i in start..end)`: a C `for` over the half-open range. An end
    /// bound the body could change, or that costs to evaluate, is computed
    /// once, before the loop.
    fn for_range(&mut self, var: LocalId, start: &'a Expr, end: &'a Expr, body: &'a Block) {
        let start = self.expr(start).text;
        let ty = self.function.local(var).ty.clone();
        let mut stable = is_plain_value(end);
        visit::walk_exprs(end, &mut |expr| {
            if let ExprKind::Local(local) = expr.kind {
                stable &= !visit::may_modify_local(body, local);
            }
        });
        let end_text = if stable {
            self.expr(end).text
        } else {
            let end_value = self.expr(end).text;
            let base = format!("{}_end", self.function.local(var).name);
            let name = self.temp(&base);
            let declaration = self.types.declaration(&ty, &name);
            self.out.line(format!("{declaration} = {end_value};"));
            name
        };
        self.open_scope();
        let name = self.declare_local(var);
        let declaration = self.local_declaration(var, &name);
        self.out.open_block(format!(
            "for ({declaration} = {start}; {name} < {end_text}; {name}++)"
        ));
        self.loop_body(body, LoopKind::Plain);
        self.out.close_block();
        self.close_scope();
    }

    /// A loop's body, with `break` and `continue` meaning `kind`'s.
    pub fn loop_body(&mut self, body: &'a Block, kind: LoopKind) {
        self.frames.push(Frame::Loop(kind));
        self.block_body(body);
        self.frames.pop();
    }
}

/// Whether `expr` can be evaluated again at no cost and without effects (a
/// literal, constant or variable, possibly cast or combined).
pub fn is_plain_value(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Int(..)
        | ExprKind::Bool(_)
        | ExprKind::Char(_)
        | ExprKind::Const(_)
        | ExprKind::EnumVariant { .. }
        | ExprKind::Local(_)
        | ExprKind::Global(_)
        | ExprKind::ConfigField { .. }
        | ExprKind::Sizeof(_) => true,
        ExprKind::Cast(inner) => is_plain_value(inner),
        ExprKind::Field { base, .. } => is_plain_value(base),
        ExprKind::Unary { operand, .. } => is_plain_value(operand),
        ExprKind::Binary { lhs, rhs, .. } => is_plain_value(lhs) && is_plain_value(rhs),
        _ => false,
    }
}
