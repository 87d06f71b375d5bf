//! How the userspace program reaches map entries (`codegen::c::backend::
//! Maps`): through the typed per-map helpers `maps.rs` emits (`M_get`,
//! `M_update`, ...), which copy values in and out of the kernel's map.
//!
//! * `m[k] op= v` reads (zero when absent), combines and writes back;
//!   `m[k].a.b op= v` changes a copy of an existing entry and writes it
//!   back with `BPF_EXIST` (nothing when absent).
//! * `if (var v = m[k])` copies the value out; when the branch may change
//!   it, it is written back whenever the branch is left (`Frame::Owe`).
//! * `for (k, v) in m` walks the keys with `bpf_map_get_next_key`, fetching
//!   the next key before running the body so that the body may delete the
//!   current entry.

use crate::codegen::c::backend::{Assign, Backend, Entry, EntryBinding, FieldWrite, MapLoop, Maps};
use crate::codegen::c::lower::{statement_expression, Frame, LoopKind, Spelling};
use crate::codegen::c::types::is_array_like;
use crate::codegen::c::CExpr;
use crate::ir::{visit, BinaryOp, Block, Expr, ExprKind, LocalId, Type};

use super::policy::{Cx, Userspace};
use super::{aggregates, strings};

impl<'g, 'a> Maps<'a> for Userspace<'g, 'a> {
    fn map_get(cx: &mut Cx<'g, 'a>, entry: Entry<'a>) -> CExpr {
        cx.backend.gen.map_use(entry.map).get = true;
        let get = cx.backend.gen.map_helper(entry.map, "get");
        let value_ty = cx.program.map(entry.map).value.clone();
        let key = map_key(cx, entry);
        if let Type::Array(..) = value_ty {
            // An array value is copied into storage the caller gives (a
            // compound literal living to the end of the block).
            let storage = cx.types.name(&value_ty);
            return CExpr::postfix(format!("{get}(({storage}){{0}}, {key})"));
        }
        CExpr::postfix(format!("{get}({key})"))
    }

    fn map_contains(cx: &mut Cx<'g, 'a>, entry: Entry<'a>, negated: bool) -> CExpr {
        cx.backend.gen.map_use(entry.map).contains = true;
        let contains = cx.backend.gen.map_helper(entry.map, "contains");
        let key = map_key(cx, entry);
        let call = format!("{contains}({key})");
        if negated {
            CExpr::unary(format!("!{call}"))
        } else {
            CExpr::postfix(call)
        }
    }

    /// `M_load(key, &dest)`, whether the entry existed.
    fn map_load(cx: &mut Cx<'g, 'a>, entry: Entry<'a>, dest: &'a Expr) -> CExpr {
        let map = entry.map;
        cx.backend.gen.map_use(map).load = true;
        let load = cx.backend.gen.map_helper(map, "load");
        let program = cx.program;
        let value_ty = &program.map(map).value;
        let key = map_key(cx, entry);
        let ExprKind::Unary { operand: place, .. } = &dest.kind else {
            unreachable!("MapLoad stores into `&local`")
        };
        let array_like = is_array_like(value_ty);
        let volatile = visit::place_root(place)
            .is_some_and(|local| cx.backend.volatile_locals.contains(&local));
        if volatile {
            // No `volatile` object is written through a plain pointer: load
            // into a temporary, then assign.
            let place = cx.value(place);
            let value = cx.temp("loaded");
            let found = cx.temp("found");
            let (argument, copy) = if array_like {
                let copy = format!("memcpy((void *){place}, {value}, sizeof({value}));");
                (value.clone(), copy)
            } else {
                (format!("&{value}"), format!("{place} = {value};"))
            };
            let declaration = cx.types.declaration(value_ty, &value);
            let body = format!(
                "{declaration};\nbool {found} = {load}({key}, {argument});\n{copy}\n{found};\n"
            );
            return CExpr::primary(statement_expression(&body));
        }
        // Array-like values are passed as their elements' address.
        let dest = if array_like {
            map_argument(cx, value_ty, place)
        } else {
            cx.value(dest)
        };
        CExpr::postfix(format!("{load}({key}, {dest})"))
    }

    fn map_store(cx: &mut Cx<'g, 'a>, entry: Entry<'a>, value: &'a Expr) {
        let map = entry.map;
        cx.backend.gen.map_use(map).update = true;
        let update = cx.backend.gen.map_helper(map, "update");
        let key = map_key(cx, entry);
        let program = cx.program;
        let value = map_argument(cx, &program.map(map).value, value);
        cx.out.line(format!("{update}({key}, {value}, BPF_ANY);"));
    }

    /// Read (zero when absent), combine, write.
    fn map_compound(cx: &mut Cx<'g, 'a>, entry: Entry<'a>, op: BinaryOp, value: &'a Expr) {
        let Entry { map, key } = entry;
        let map_use = cx.backend.gen.map_use(map);
        map_use.update = true;
        map_use.get = true;
        let get = cx.backend.gen.map_helper(map, "get");
        let update = cx.backend.gen.map_helper(map, "update");
        let program = cx.program;
        let map_def = program.map(map);
        let plain_value =
            (!crate::codegen::arithmetic::needs_definition(op, &map_def.value, value))
                .then(|| cx.value(value));
        let key_text = map_argument(cx, &map_def.key, key);
        let braced = visit::has_side_effects(key);
        let key_arg = if braced {
            // Evaluate the key once.
            cx.out.open_block("");
            let name = cx.temp("key");
            let declaration = cx.types.declaration(&map_def.key, &name);
            cx.out.line(format!("{declaration} = {key_text};"));
            name
        } else {
            key_text
        };
        let current = format!("{get}({key_arg})");
        let combined = match plain_value {
            Some(value) => format!("{current} {} {value}", op.symbol()),
            None => super::arithmetic::defined(cx, op, &current, &map_def.value, value)
                .expect("needs a definition"),
        };
        cx.out
            .line(format!("{update}({key_arg}, {combined}, BPF_ANY);"));
        if braced {
            cx.out.close_block();
        }
    }

    /// On a copy of an existing entry, written back with `BPF_EXIST`.
    fn map_field_update(cx: &mut Cx<'g, 'a>, entry: Entry<'a>, write: FieldWrite<'a>) {
        let Entry { map, key } = entry;
        let FieldWrite { path, op, value } = write;
        let map_use = cx.backend.gen.map_use(map);
        map_use.lookup = true;
        map_use.update = true;
        let lookup = cx.backend.gen.map_helper(map, "lookup");
        let update = cx.backend.gen.map_helper(map, "update");
        let program = cx.program;
        let map_def = program.map(map);
        let key_text = map_argument(cx, &map_def.key, key);
        cx.out.open_block("");
        let key_arg = stable_key(cx, &map_def.key, key, key_text, None);
        let entry = cx.temp("entry");
        let declaration = cx.types.declaration(&map_def.value, &entry);
        cx.out.line(format!("{declaration};"));
        cx.out
            .open_block(format!("if ({lookup}({key_arg}, &{entry}))"));
        let (place, field_ty) = field_path(cx, &entry, &map_def.value, path);
        match op {
            _ if is_array_like(&field_ty) => {
                Userspace::store_aggregate(cx, &place, &field_ty, Assign { op, value })
            }
            Some(op) if crate::codegen::arithmetic::needs_definition(op, &field_ty, value) => {
                let text = super::arithmetic::defined(cx, op, &place, &field_ty, value)
                    .expect("needs a definition");
                cx.out.line(format!("{place} = {text};"));
            }
            _ => {
                let value = cx.value(value);
                let operator = op.map(|op| op.symbol()).unwrap_or("");
                cx.out.line(format!("{place} {operator}= {value};"));
            }
        }
        cx.out
            .line(format!("{update}({key_arg}, {entry}, BPF_EXIST);"));
        cx.out.close_block();
        cx.out.close_block();
    }

    fn map_delete(cx: &mut Cx<'g, 'a>, entry: Entry<'a>) {
        let map = entry.map;
        cx.backend.gen.map_use(map).delete = true;
        let delete = cx.backend.gen.map_helper(map, "delete");
        let key = map_key(cx, entry);
        cx.out.line(format!("{delete}({key});"));
    }

    /// The value is copied out of the map; when the then-branch may change
    /// it, it is written back (with `BPF_EXIST`) whenever the branch is
    /// left.
    fn if_let_map(cx: &mut Cx<'g, 'a>, bound: EntryBinding<'a>) {
        let EntryBinding {
            binding,
            entry: Entry { map, key },
            then_block,
            else_block,
        } = bound;
        cx.backend.gen.map_use(map).lookup = true;
        let lookup = cx.backend.gen.map_helper(map, "lookup");
        let (program, function) = (cx.program, cx.function);
        let map_def = program.map(map);
        let binding_ty = &function.local(binding).ty;
        let write_back = visit::may_modify_local(then_block, binding);

        let key_text = map_argument(cx, &map_def.key, key);
        let key_arg = if write_back {
            stable_key(cx, &map_def.key, key, key_text, Some(then_block))
        } else {
            key_text
        };
        // The storage the value is copied into.
        let value_name = if binding_ty.is_pointer() {
            let base = format!("{}_value", function.local(binding).name);
            let value_name = cx.temp(&base);
            let storage = cx.types.declaration(&map_def.value, &value_name);
            cx.out.line(format!("{storage};"));
            let name = cx.declare_local(binding);
            let declaration = cx.local_declaration(binding, &name);
            cx.out.line(format!("{declaration} = &{value_name};"));
            value_name
        } else {
            let name = declare_copy(cx, binding);
            let declaration = cx.local_declaration(binding, &name);
            cx.out.line(format!("{declaration};"));
            name
        };
        let value_ref = if is_array_like(&map_def.value) {
            value_name.clone()
        } else {
            format!("&{value_name}")
        };
        cx.out
            .open_block(format!("if ({lookup}({key_arg}, {value_ref}))"));
        if write_back {
            cx.backend.gen.map_use(map).update = true;
            let update = cx.backend.gen.map_helper(map, "update");
            let line = format!("{update}({key_arg}, {value_name}, BPF_EXIST);");
            cx.frames.push(Frame::Owe(vec![line.clone()]));
            cx.block_body(then_block);
            cx.frames.pop();
            if then_block.completes {
                cx.out.line(line);
            }
        } else {
            cx.block_body(then_block);
        }
        if let Some(block) = else_block {
            cx.out.reopen_block("else");
            cx.block_body(block);
        }
        cx.out.close_block();
    }

    /// Fetches the next key before running the body, so that the body may
    /// delete the current entry.
    fn for_each_map(cx: &mut Cx<'g, 'a>, each: MapLoop<'a>) {
        let MapLoop {
            key,
            value,
            map,
            body,
            ..
        } = each;
        let map_use = cx.backend.gen.map_use(map);
        map_use.iterate = true;
        map_use.lookup = true;
        let next_key = cx.backend.gen.map_helper(map, "next_key");
        let lookup = cx.backend.gen.map_helper(map, "lookup");
        let (program, function) = (cx.program, cx.function);
        let map_def = program.map(map);
        cx.out.open_block("");
        cx.open_scope();
        let key_name = declare_copy(cx, key);
        let next_name = cx.temp(&format!("next_{}", function.local(key).name));
        let more = cx.temp("more");
        let declaration = cx.local_declaration(key, &key_name);
        cx.out.line(format!("{declaration};"));
        let next_declaration = cx.types.declaration(&map_def.key, &next_name);
        cx.out.line(format!("{next_declaration};"));
        let key_ref = |name: &str| {
            if is_array_like(&map_def.key) {
                name.to_string()
            } else {
                format!("&{name}")
            }
        };
        cx.out.line(format!(
            "bool {more} = {next_key}(NULL, {});",
            key_ref(&next_name)
        ));
        cx.out.open_block(format!("while ({more})"));
        if is_array_like(&map_def.key) {
            cx.out.line(format!(
                "memcpy({key_name}, {next_name}, sizeof({key_name}));"
            ));
        } else {
            cx.out.line(format!("{key_name} = {next_name};"));
        }
        cx.out.line(format!(
            "{more} = {next_key}({}, {});",
            key_ref(&key_name),
            key_ref(&next_name)
        ));
        cx.frames.push(Frame::Loop(LoopKind::Plain));
        let mut write_back = None;
        cx.open_scope();
        if let Some(value) = value {
            let value_name = declare_copy(cx, value);
            let declaration = cx.local_declaration(value, &value_name);
            cx.out.line(format!("{declaration};"));
            let value_ref = if is_array_like(&map_def.value) {
                value_name.clone()
            } else {
                format!("&{value_name}")
            };
            cx.out
                .line(format!("if (!{lookup}({key_name}, {value_ref}))"));
            cx.out.indent();
            cx.out.line("continue;");
            cx.out.dedent();
            if function.local(value).by_reference && visit::may_modify_local(body, value) {
                cx.backend.gen.map_use(map).update = true;
                let update = cx.backend.gen.map_helper(map, "update");
                let line = format!("{update}({key_name}, {value_name}, BPF_EXIST);");
                cx.frames.push(Frame::Owe(vec![line.clone()]));
                write_back = Some(line);
            }
        }
        cx.block_body(body);
        if let Some(line) = write_back {
            cx.frames.pop();
            if body.completes {
                cx.out.line(line);
            }
        }
        cx.close_scope();
        cx.frames.pop();
        cx.out.close_block();
        cx.close_scope();
        cx.out.close_block();
    }
}

/// A map key or value argument for a generated map helper: scalars and
/// structs by value, strings and arrays as pointers.
pub fn map_argument<'a>(cx: &mut Cx<'_, 'a>, ty: &Type, expr: &'a Expr) -> String {
    match ty {
        Type::Str(_) => strings::operand(cx, expr).text,
        Type::Array(..) => aggregates::array_source(cx, expr),
        _ => cx.value(expr),
    }
}

/// The key argument of a helper of `entry`'s map.
pub fn map_key<'a>(cx: &mut Cx<'_, 'a>, entry: Entry<'a>) -> String {
    let program = cx.program;
    map_argument(cx, &program.map(entry.map).key, entry.key)
}

/// A key expression that can be evaluated again later with the same
/// result: `text` itself when `key` has no side effects and (given a
/// `block` that runs in between) no local it reads changes there;
/// otherwise a copy in a fresh local. Array-like keys are passed as they
/// are.
fn stable_key<'a>(
    cx: &mut Cx<'_, 'a>,
    ty: &Type,
    key: &'a Expr,
    text: String,
    block: Option<&'a Block>,
) -> String {
    let mut changed_in_block = false;
    if let Some(block) = block {
        visit::walk_exprs(key, &mut |expr| {
            if let ExprKind::Local(local) = expr.kind {
                changed_in_block |= visit::may_modify_local(block, local);
            }
        });
    }
    if is_array_like(ty) || !(visit::has_side_effects(key) || changed_in_block) {
        return text;
    }
    let name = cx.temp("key");
    let declaration = cx.types.declaration(ty, &name);
    cx.out.line(format!("{declaration} = {text};"));
    name
}

/// `base.a.b` for field indices `path` into `ty`, and the field's type.
fn field_path(cx: &Cx<'_, '_>, base: &str, ty: &Type, path: &[usize]) -> (String, Type) {
    let mut place = base.to_string();
    let mut ty = ty.clone();
    for &index in path {
        let Type::Struct(id) = ty else {
            unreachable!("the checker walks field paths through structs only");
        };
        place = format!("{place}.{}", cx.names.field(id, index));
        ty = cx.program.struct_def(id).fields[index].ty.clone();
    }
    (place, ty)
}

/// Declares a binding to a map entry, which this output copies out of the
/// map (written back when changed): a value, even when the source binds it
/// by reference.
fn declare_copy(cx: &mut Cx<'_, '_>, binding: LocalId) -> String {
    let name = cx.declare_local(binding);
    cx.locals.insert(binding, Spelling::Value(name.clone()));
    name
}
