//! Userspace statements: declarations, assignments (including the
//! array-like `str(N)`/`T[N]` values C cannot assign), map updates,
//! control flow, `try`/`throw` and `defer`.

use crate::ir::{
    BinaryOp, Block, Builtin, Callee, Catch, Expr, ExprKind, LocalId, MapId, Stmt, StmtKind, Type,
};

use super::functions::{FunctionEmitter, Scope};
use super::types;
use super::visit;

impl FunctionEmitter<'_, '_> {
    pub fn block_statements(&mut self, block: &Block) {
        for stmt in &block.stmts {
            self.statement(stmt);
        }
    }

    /// `head {` statements `}`.
    fn braced(&mut self, head: &str, block: &Block) {
        self.out.open_block(head);
        self.block_statements(block);
        self.out.close_block();
    }

    pub fn statement(&mut self, stmt: &Stmt) {
        self.line_directive(stmt.span);
        match &stmt.kind {
            StmtKind::Let { local, init } => self.let_statement(*local, init.as_ref()),
            StmtKind::Assign { target, op, value } => self.assign(target, *op, value),
            StmtKind::MapStore { map, key, value } => {
                self.gen.map_use(*map).update = true;
                let update = self.gen.map_helper(*map, "update");
                let key = self.map_argument(&self.gen.program.map(*map).key.clone(), key);
                let value = self.map_argument(&self.gen.program.map(*map).value.clone(), value);
                self.out.line(format!("{update}({key}, {value}, BPF_ANY);"));
            }
            StmtKind::MapCompound {
                map,
                key,
                op,
                value,
            } => self.map_compound(*map, key, *op, value),
            StmtKind::MapFieldUpdate {
                map,
                key,
                path,
                op,
                value,
            } => self.map_field_update(*map, key, path, *op, value),
            StmtKind::MapDelete { map, key } => {
                self.gen.map_use(*map).delete = true;
                let delete = self.gen.map_helper(*map, "delete");
                let key = self.map_argument(&self.gen.program.map(*map).key.clone(), key);
                self.out.line(format!("{delete}({key});"));
            }
            StmtKind::Expr(expr) => self.expression_statement(expr),
            StmtKind::If {
                condition,
                then_block,
                else_block,
            } => self.if_statement(condition, then_block, else_block.as_ref(), "if"),
            StmtKind::IfLetMap {
                binding,
                map,
                key,
                then_block,
                else_block,
            } => self.if_let_map(*binding, *map, key, then_block, else_block.as_ref()),
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
            } => self.for_range(*var, start, end, body),
            StmtKind::ForEachMap {
                key,
                value,
                map,
                body,
            } => self.for_each_map(*key, *value, *map, body),
            StmtKind::While { condition, body } => {
                let condition = self.condition(condition);
                self.gen.needs.check_exit = true;
                self.out.open_block(format!("while ({condition})"));
                self.out.line("ks_check_exit();");
                self.scopes.push(Scope::Loop);
                self.block_statements(body);
                self.scopes.pop();
                self.out.close_block();
            }
            StmtKind::Break => {
                self.unwind(true);
                self.out.line("break;");
            }
            StmtKind::Continue => {
                self.unwind(true);
                self.out.line("continue;");
            }
            StmtKind::Return(value) => self.return_statement(value.as_ref()),
            StmtKind::Try { body, catches } => self.try_statement(body, catches),
            StmtKind::Throw(code) => {
                self.gen.needs.throw = true;
                let code = self.value(code);
                self.unwind_for_throw();
                self.out.line(format!("ks_throw({code});"));
            }
            StmtKind::Defer(_) => {
                // Defers are met in the order analyze() registered them.
                let flag = self.defers[self.next_defer].flag.clone();
                self.next_defer += 1;
                self.out.line(format!("{flag} = true;"));
            }
            StmtKind::Block(block) => self.braced("", block),
        }
    }

    fn let_statement(&mut self, local: LocalId, init: Option<&Expr>) {
        let ty = self.function.local(local).ty.clone();
        let name = self.local_names[local.index()].clone();
        let hoisted = self.hoisted.contains(&local);
        let Some(init) = init else {
            if hoisted {
                self.out
                    .line(format!("memset(&{name}, 0, sizeof({name}));"));
            } else {
                let zero = types::zero_initializer(&ty);
                let declaration = self.local_declaration(local);
                self.out.line(format!("{declaration} = {zero};"));
            }
            return;
        };
        if hoisted {
            self.store(&name, &ty, None, init);
            return;
        }
        let declaration = self.local_declaration(local);
        match (&ty, &init.kind) {
            (Type::Str(len), ExprKind::Str(text)) => {
                let literal = super::literals::truncated_literal(text, *len);
                self.out.line(format!("{declaration} = {literal};"));
            }
            (
                Type::Str(len),
                ExprKind::Binary {
                    op: BinaryOp::Add, ..
                },
            ) => {
                // A fresh variable cannot be an operand: concatenate into it.
                let concat = self
                    .concat_into(&name, *len, init)
                    .expect("a string concatenation");
                self.out.line(format!("{declaration};"));
                self.out.line(concat);
            }
            (Type::Str(_), _) | (Type::Array(..), _)
                if !matches!(init.kind, ExprKind::ArrayLit(_)) =>
            {
                self.out.line(format!("{declaration};"));
                self.store(&name, &ty, None, init);
            }
            (_, ExprKind::StructLit { .. }) | (_, ExprKind::ArrayLit(_)) => {
                let (initializer, post) = self.initializer(init, &name);
                self.out.line(format!("{declaration} = {initializer};"));
                for line in post {
                    self.out.line(&line);
                }
            }
            _ => {
                let value = self.value(init);
                self.out.line(format!("{declaration} = {value};"));
            }
        }
    }

    /// `place op= value` for a place of type `ty` whose C text is `place`.
    fn store(&mut self, place: &str, ty: &Type, op: Option<BinaryOp>, value: &Expr) {
        match ty {
            Type::Str(len) => {
                self.gen.needs.str_copy = true;
                let source = match op {
                    None => self.str_operand(value),
                    Some(BinaryOp::Add) => {
                        let current = super::strings::StrOperand {
                            text: place.to_string(),
                            cap: *len,
                        };
                        let added = self.str_operand(value);
                        self.concat(current, added, *len)
                    }
                    Some(other) => panic!(
                        "internal error: `{}=` on a string reached userspace codegen",
                        other.symbol()
                    ),
                };
                self.out.line(format!(
                    "ks_str_copy({place}, {len}, {}, {});",
                    source.text, source.cap
                ));
            }
            Type::Array(..) => {
                let source = self.array_source(value);
                self.out
                    .line(format!("memcpy({place}, {source}, sizeof({place}));"));
            }
            _ => {
                if let Some(op) = op {
                    if let Some(text) = self.defined_arithmetic(op, place, ty, value) {
                        self.out.line(format!("{place} = {text};"));
                        return;
                    }
                }
                let value = self.value(value);
                let operator = op.map(|op| op.symbol()).unwrap_or("");
                self.out.line(format!("{place} {operator}= {value};"));
            }
        }
    }

    fn assign(&mut self, target: &Expr, op: Option<BinaryOp>, value: &Expr) {
        let place = self.value(target);
        self.store(&place, &target.ty.clone(), op, value);
    }

    /// A map key or value argument for a generated map helper: scalars and
    /// structs by value, strings and arrays as pointers.
    pub fn map_argument(&mut self, ty: &Type, expr: &Expr) -> String {
        match ty {
            Type::Str(_) => self.str_operand(expr).text,
            Type::Array(..) => self.array_source(expr),
            _ => self.value(expr),
        }
    }

    fn map_compound(&mut self, map: MapId, key: &Expr, op: BinaryOp, value_expr: &Expr) {
        let map_use = self.gen.map_use(map);
        map_use.update = true;
        map_use.get = true;
        let get = self.gen.map_helper(map, "get");
        let update = self.gen.map_helper(map, "update");
        let map_def = self.gen.program.map(map).clone();
        let plain_value =
            (!crate::codegen::arithmetic::needs_definition(op, &map_def.value, value_expr))
                .then(|| self.value(value_expr));
        let key_text = if visit::has_side_effects(key) {
            let key_name = self.fresh("key");
            let key_text = self.map_argument(&map_def.key, key);
            self.out.open_block("");
            self.out.line(format!(
                "{} = {key_text};",
                types::declaration(self.gen.program, &map_def.key, &key_name)
            ));
            Some(key_name)
        } else {
            None
        };
        let key_arg = match &key_text {
            Some(name) => name.clone(),
            None => self.map_argument(&map_def.key, key),
        };
        let current = format!("{get}({key_arg})");
        let combined = match plain_value {
            Some(value) => format!("{current} {} {value}", op.symbol()),
            None => self
                .defined_arithmetic(op, &current, &map_def.value, value_expr)
                .expect("needs a definition"),
        };
        self.out
            .line(format!("{update}({key_arg}, {combined}, BPF_ANY);"));
        if key_text.is_some() {
            self.out.close_block();
        }
    }

    fn map_field_update(
        &mut self,
        map: MapId,
        key: &Expr,
        path: &[usize],
        op: Option<BinaryOp>,
        value: &Expr,
    ) {
        let map_use = self.gen.map_use(map);
        map_use.lookup = true;
        map_use.update = true;
        let lookup = self.gen.map_helper(map, "lookup");
        let update = self.gen.map_helper(map, "update");
        let map_def = self.gen.program.map(map).clone();
        let entry = self.fresh("entry");
        let key_text = self.map_argument(&map_def.key, key);
        self.out.open_block("");
        let key_arg = self.stable_key(&map_def.key, key, key_text, None);
        self.out.line(format!(
            "{};",
            types::declaration(self.gen.program, &map_def.value, &entry)
        ));
        self.out
            .open_block(format!("if ({lookup}({key_arg}, &{entry}))"));
        let (place, field_ty) = self.field_path(&entry, &map_def.value, path);
        self.store(&place, &field_ty, op, value);
        self.out
            .line(format!("{update}({key_arg}, {entry}, BPF_EXIST);"));
        self.out.close_block();
        self.out.close_block();
    }

    /// A key expression that can be evaluated again later with the same
    /// result: `text` itself when `key` has no side effects and (given a
    /// `block` that runs in between) no local it reads changes there;
    /// otherwise a copy in a fresh local. Array-like keys are passed as
    /// they are.
    fn stable_key(&mut self, ty: &Type, key: &Expr, text: String, block: Option<&Block>) -> String {
        let changed_in_block = block.is_some_and(|block| {
            let mut locals = Vec::new();
            let wrapper = Block {
                stmts: vec![Stmt {
                    kind: StmtKind::Expr(key.clone()),
                    span: key.span,
                }],
            };
            visit::each_expr(&wrapper, &mut |expr| {
                if let ExprKind::Local(local) = expr.kind {
                    locals.push(local);
                }
            });
            locals
                .into_iter()
                .any(|local| visit::may_modify_local(block, local))
        });
        if types::is_array_like(ty) || !(visit::has_side_effects(key) || changed_in_block) {
            return text;
        }
        let name = self.fresh("key");
        self.out.line(format!(
            "{} = {text};",
            types::declaration(self.gen.program, ty, &name)
        ));
        name
    }

    /// `base.a.b` for field indices `path` into `ty`, and the field's type.
    fn field_path(&self, base: &str, ty: &Type, path: &[usize]) -> (String, Type) {
        let mut place = base.to_string();
        let mut ty = ty.clone();
        for &index in path {
            let Type::Struct(id) = ty else {
                panic!("internal error: field path through a non-struct type {ty:?}");
            };
            let field = &self.gen.program.struct_def(id).fields[index];
            place = format!("{place}.{}", field.name);
            ty = field.ty.clone();
        }
        (place, ty)
    }

    fn expression_statement(&mut self, expr: &Expr) {
        if let ExprKind::Call {
            callee: Callee::Builtin(Builtin::Attach),
            args,
        } = &expr.kind
        {
            // The result is ignored: a failure must not go unnoticed.
            self.gen.needs.attach_or_exit |=
                !super::attach_perf::is_perf_attach(self.gen.program, args);
            let call = self.attach_call("ks_attach_or_exit", args);
            self.out.line(format!("{call};"));
            return;
        }
        let text = self.value(expr);
        if matches!(expr.kind, ExprKind::Call { .. }) {
            self.out.line(format!("{text};"));
        } else {
            self.out.line(format!("(void)({text});"));
        }
    }

    fn if_statement(
        &mut self,
        condition: &Expr,
        then_block: &Block,
        else_block: Option<&Block>,
        keyword: &str,
    ) {
        let condition = self.condition(condition);
        if keyword == "if" {
            self.out.open_block(format!("if ({condition})"));
        } else {
            self.out.reopen_block(format!("else if ({condition})"));
        }
        self.block_statements(then_block);
        match else_block {
            None => self.out.close_block(),
            Some(block) => match block.stmts.as_slice() {
                [Stmt {
                    kind:
                        StmtKind::If {
                            condition,
                            then_block,
                            else_block,
                        },
                    ..
                }] => self.if_statement(condition, then_block, else_block.as_ref(), "else if"),
                _ => {
                    self.out.reopen_block("else");
                    self.block_statements(block);
                    self.out.close_block();
                }
            },
        }
    }

    /// `if (var v = m[k])`: the value is copied out of the map; when the
    /// then-branch may change it, it is written back (with `BPF_EXIST`)
    /// whenever the branch is left.
    fn if_let_map(
        &mut self,
        binding: LocalId,
        map: MapId,
        key: &Expr,
        then_block: &Block,
        else_block: Option<&Block>,
    ) {
        self.gen.map_use(map).lookup = true;
        let lookup = self.gen.map_helper(map, "lookup");
        let map_def = self.gen.program.map(map).clone();
        let name = self.local_names[binding.index()].clone();
        let binding_ty = self.function.local(binding).ty.clone();
        let write_back = visit::may_modify_local(then_block, binding);

        let key_text = self.map_argument(&map_def.key, key);
        let key_arg = if write_back {
            self.stable_key(&map_def.key, key, key_text, Some(then_block))
        } else {
            key_text
        };
        // The storage the value is copied into.
        let value_name = if binding_ty.is_pointer() {
            let value_name = self.fresh(&format!("{name}_value"));
            self.out.line(format!(
                "{};",
                types::declaration(self.gen.program, &map_def.value, &value_name)
            ));
            self.out.line(format!(
                "{} = &{value_name};",
                self.local_declaration(binding)
            ));
            value_name
        } else {
            self.out
                .line(format!("{};", self.local_declaration(binding)));
            name
        };
        let value_ref = if types::is_array_like(&map_def.value) {
            value_name.clone()
        } else {
            format!("&{value_name}")
        };
        self.out
            .open_block(format!("if ({lookup}({key_arg}, {value_ref}))"));
        if write_back {
            self.gen.map_use(map).update = true;
            let update = self.gen.map_helper(map, "update");
            let line = format!("{update}({key_arg}, {value_name}, BPF_EXIST);");
            self.scopes.push(Scope::WriteBack(vec![line.clone()]));
            self.block_statements(then_block);
            self.scopes.pop();
            if !ends_in_jump(then_block) {
                self.out.line(&line);
            }
        } else {
            self.block_statements(then_block);
        }
        match else_block {
            None => self.out.close_block(),
            Some(block) => {
                self.out.reopen_block("else");
                self.block_statements(block);
                self.out.close_block();
            }
        }
    }

    fn if_let_pointer(
        &mut self,
        binding: LocalId,
        value: &Expr,
        then_block: &Block,
        else_block: Option<&Block>,
    ) {
        let local = self.function.local(binding);
        let name = self.local_names[binding.index()].clone();
        let pointer = self.value(value);
        if local.ty.is_pointer() {
            let declaration = self.local_declaration(binding);
            self.out.line(format!("{declaration} = {pointer};"));
        } else {
            // The binding stands for `*pointer`.
            let pointer_ty = Type::Pointer(Box::new(local.ty.clone()));
            self.local_is_pointer[binding.index()] = true;
            self.out.line(format!(
                "{} = {pointer};",
                types::declaration(self.gen.program, &pointer_ty, &name)
            ));
        }
        self.out.open_block(format!("if ({name} != NULL)"));
        self.block_statements(then_block);
        match else_block {
            None => self.out.close_block(),
            Some(block) => {
                self.out.reopen_block("else");
                self.block_statements(block);
                self.out.close_block();
            }
        }
    }

    fn for_range(&mut self, var: LocalId, start: &Expr, end: &Expr, body: &Block) {
        let name = self.local_names[var.index()].clone();
        let start = self.value(start);
        let end_is_stable = match &end.kind {
            ExprKind::Int(_) | ExprKind::Const(_) | ExprKind::EnumVariant { .. } => true,
            ExprKind::Local(local) => !visit::may_modify_local(body, *local),
            _ => false,
        };
        let end_text = if end_is_stable {
            self.value(end)
        } else {
            // The bound is evaluated once, before the first iteration.
            let end_name = self.fresh(&format!("{name}_end"));
            let end_value = self.value(end);
            let var_ty = self.function.local(var).ty.clone();
            self.out.line(format!(
                "const {} = {end_value};",
                types::declaration(self.gen.program, &var_ty, &end_name)
            ));
            end_name
        };
        let declaration = self.local_declaration(var);
        self.out.open_block(format!(
            "for ({declaration} = {start}; {name} < {end_text}; {name}++)"
        ));
        self.scopes.push(Scope::Loop);
        self.block_statements(body);
        self.scopes.pop();
        self.out.close_block();
    }

    /// `for (k, v) in m`: walks the keys with `bpf_map_get_next_key`,
    /// fetching the next key before running the body so that the body may
    /// delete the current entry.
    fn for_each_map(&mut self, key: LocalId, value: Option<LocalId>, map: MapId, body: &Block) {
        let map_use = self.gen.map_use(map);
        map_use.iterate = true;
        map_use.lookup = true;
        let next_key = self.gen.map_helper(map, "next_key");
        let lookup = self.gen.map_helper(map, "lookup");
        let map_def = self.gen.program.map(map).clone();
        let key_name = self.local_names[key.index()].clone();
        let next_name = self.fresh(&format!("next_{key_name}"));
        let more = self.fresh("more");
        let program = self.gen.program;
        self.out.open_block("");
        self.out.line(format!("{};", self.local_declaration(key)));
        self.out.line(format!(
            "{};",
            types::declaration(program, &map_def.key, &next_name)
        ));
        let key_ref = |name: &str| match map_def.key {
            Type::Str(_) | Type::Array(..) => name.to_string(),
            _ => format!("&{name}"),
        };
        self.out.line(format!(
            "bool {more} = {next_key}(NULL, {});",
            key_ref(&next_name)
        ));
        self.out.open_block(format!("while ({more})"));
        if types::is_array_like(&map_def.key) {
            self.out.line(format!(
                "memcpy({key_name}, {next_name}, sizeof({key_name}));"
            ));
        } else {
            self.out.line(format!("{key_name} = {next_name};"));
        }
        self.out.line(format!(
            "{more} = {next_key}({}, {});",
            key_ref(&key_name),
            key_ref(&next_name)
        ));
        self.scopes.push(Scope::Loop);
        let mut pushed_write_back = false;
        if let Some(value) = value {
            let value_name = self.local_names[value.index()].clone();
            self.out.line(format!("{};", self.local_declaration(value)));
            let value_ref = if types::is_array_like(&map_def.value) {
                value_name.clone()
            } else {
                format!("&{value_name}")
            };
            self.out
                .line(format!("if (!{lookup}({key_name}, {value_ref}))"));
            self.out.indent();
            self.out.line("continue;");
            self.out.dedent();
            if self.function.local(value).by_reference && visit::may_modify_local(body, value) {
                self.gen.map_use(map).update = true;
                let update = self.gen.map_helper(map, "update");
                let line = format!("{update}({key_name}, {value_name}, BPF_EXIST);");
                self.scopes.push(Scope::WriteBack(vec![line]));
                pushed_write_back = true;
            }
        }
        self.block_statements(body);
        if pushed_write_back {
            if let Some(Scope::WriteBack(lines)) = self.scopes.pop() {
                if !ends_in_jump(body) {
                    for line in lines {
                        self.out.line(&line);
                    }
                }
            }
        }
        self.scopes.pop();
        self.out.close_block();
        self.out.close_block();
    }

    fn return_statement(&mut self, value: Option<&Expr>) {
        let ret = self.function.ret.clone();
        let value_text = match value {
            Some(value) if types::is_array_like(&ret) => {
                let wrapper = self.gen.return_type(&ret);
                let Type::Str(len) = ret else {
                    panic!("internal error: returning an array from a userspace function");
                };
                self.out.open_block("");
                self.out.line(format!("{wrapper} ks_result;"));
                match self.concat_into("ks_result.data", len, value) {
                    Some(concat) => self.out.line(concat),
                    None => {
                        self.gen.needs.str_copy = true;
                        let source = self.str_operand(value);
                        self.out.line(format!(
                            "ks_str_copy(ks_result.data, {len}, {}, {});",
                            source.text, source.cap
                        ));
                    }
                }
                self.write_exit_work(true);
                self.out.line("return ks_result;");
                self.out.close_block();
                return;
            }
            Some(value) => Some(self.value(value)),
            None => self
                .function
                .named_return
                .map(|named| self.local_names[named.index()].clone()),
        };
        let value_text = value_text.or_else(|| {
            (self.function.kind == crate::ir::FunctionKind::Main && ret != Type::Void)
                .then(|| "0".to_string())
        });
        match value_text {
            Some(text) if self.has_exit_work() => {
                self.out.open_block("");
                let declaration = types::declaration(self.gen.program, &ret, "ks_result");
                self.out.line(format!("{declaration} = {text};"));
                self.write_exit_work(true);
                self.out.line("return ks_result;");
                self.out.close_block();
            }
            Some(text) => self.out.line(format!("return {text};")),
            None => {
                self.write_exit_work(true);
                self.out.line("return;");
            }
        }
    }

    fn try_statement(&mut self, body: &Block, catches: &[Catch]) {
        self.gen.needs.throw = true;
        let frame = self.fresh("ks_try_frame");
        self.out
            .line(format!("struct ks_try {frame} = {{ .prev = ks_try_top }};"));
        self.out.line(format!("ks_try_top = &{frame};"));
        self.out
            .open_block(format!("if (setjmp({frame}.env) == 0)"));
        self.scopes.push(Scope::Try {
            frame: frame.clone(),
        });
        self.block_statements(body);
        self.scopes.pop();
        if !ends_in_jump(body) {
            self.out.line(format!("ks_try_top = {frame}.prev;"));
        }
        let mut has_catch_all = false;
        for catch in catches {
            match catch.code {
                Some(code) => self
                    .out
                    .reopen_block(format!("else if ({frame}.code == {code})")),
                None => {
                    has_catch_all = true;
                    self.out.reopen_block("else");
                }
            }
            self.block_statements(&catch.body);
            if has_catch_all {
                break;
            }
        }
        if !has_catch_all {
            // Not handled here: on to the next enclosing `try`.
            self.out.reopen_block("else");
            self.out.line(format!("ks_throw({frame}.code);"));
        }
        self.out.close_block();
    }
}

/// Whether the last statement of `block` leaves it (so code after it in
/// the same block would be dead).
pub fn ends_in_jump(block: &Block) -> bool {
    matches!(
        block.stmts.last().map(|stmt| &stmt.kind),
        Some(StmtKind::Return(_) | StmtKind::Break | StmtKind::Continue | StmtKind::Throw(_))
    )
}
