//! `for (k, v) in m`: the loop body becomes a `bpf_for_each_map_elem`
//! callback emitted before the function. Locals of the function the body
//! uses, and flags of defers registered in it, travel in a context struct
//! (copied in before the call, written back after). `break` is `return 1`,
//! `continue` is `return 0`; the checker keeps `return` and uncaught
//! `throw` out of such bodies.

use std::collections::BTreeSet;

use crate::codegen::c::backend::MapLoop;
use crate::codegen::c::lower::{Frame, LoopKind, Spelling};
use crate::codegen::c::CWriter;
use crate::ir::{visit, Block, Expr, ExprKind, LocalId, Stmt, StmtKind, Type};

use super::policy::Cx;

/// A value the map iteration callback shares with the enclosing function
/// through the context struct: a captured local or a defer flag.
struct Capture {
    /// The field of the context struct.
    field: String,
    ty: Type,
    /// How the enclosing function spells it.
    outer: String,
    /// Copied back after the loop (the body may change it).
    write_back: bool,
}

/// `for (k, v) in m { body }`: `bpf_for_each_map_elem` with a callback
/// generated before the function. Locals of the function the body uses,
/// and the flags of defers registered in the body, travel in a context
/// struct, copied in before the call and back out after it.
pub(super) fn emit_for_each<'a>(emitter: &mut Cx<'_, 'a>, each: MapLoop<'a>) {
    let MapLoop {
        key,
        value,
        map,
        body,
        span,
    } = each;
    let program = emitter.program;
    let map_def = program.map(map);
    let map_name = emitter.names.map(map).to_string();
    let written = written_locals(body);
    let base = format!(
        "{}_each_{map_name}",
        emitter.names.function(emitter.backend.current)
    );
    let callback = emitter.backend.gen.scope.names.fresh(&base);
    emitter.reserve_file_name(&callback);
    let context_struct = format!("{callback}_ctx");

    let mut captures = Vec::new();
    let mut captured_locals_spelled = Vec::new();
    for id in captured_locals(body, key, value) {
        let Some(spelling) = emitter.locals.get(&id).cloned() else {
            continue;
        };
        let local_ty = emitter.function.local(id).ty.clone();
        let (ty, outer, write_back) = match &spelling {
            Spelling::Value(name) => (local_ty, name.clone(), written.contains(&id)),
            Spelling::Pointer(name) => (Type::Pointer(Box::new(local_ty)), name.clone(), false),
        };
        let field = capture_field(emitter, id);
        captures.push(Capture {
            field,
            ty,
            outer,
            write_back,
        });
        captured_locals_spelled.push((id, spelling));
    }
    let mut flags = Vec::new();
    visit::walk_stmts(body, &mut |stmt| {
        if let StmtKind::Defer(_) = stmt.kind {
            if let Some(flag) = emitter.defer_flag(stmt) {
                flags.push(flag);
            }
        }
    });
    for flag in &flags {
        let outer = emitter.flag_spelling(flag);
        captures.push(Capture {
            field: flag.clone(),
            ty: Type::Bool,
            outer,
            write_back: true,
        });
    }

    // The call, with copy-in and copy-out.
    let context_local = (!captures.is_empty()).then(|| emitter.temp("loop_ctx"));
    if let Some(context_local) = &context_local {
        let fields: Vec<String> = captures
            .iter()
            .map(|capture| format!(".{} = {}", capture.field, capture.outer))
            .collect();
        emitter.out.line(format!(
            "struct {context_struct} {context_local} = {{ {} }};",
            fields.join(", ")
        ));
    }
    let context_argument = match &context_local {
        Some(name) => format!("&{name}"),
        None => "NULL".to_string(),
    };
    emitter.out.line(format!(
        "bpf_for_each_map_elem(&{map_name}, {callback}, {context_argument}, 0);"
    ));
    if let Some(context_local) = &context_local {
        for capture in captures.iter().filter(|capture| capture.write_back) {
            emitter.out.line(format!(
                "{} = {context_local}.{};",
                capture.outer, capture.field
            ));
        }
    }

    // The callback, written to `preceding` with the body's spellings.
    let saved_out = std::mem::take(&mut emitter.out);
    let saved_frames = std::mem::take(&mut emitter.frames);
    let saved_locals = emitter.locals.clone();
    let saved_flags = emitter.flag_spellings.clone();
    let mut definition = CWriter::new();
    if context_local.is_some() {
        definition.open_block(format!("struct {context_struct}"));
        for capture in &captures {
            definition.line(format!(
                "{};",
                emitter.types.declaration(&capture.ty, &capture.field)
            ));
        }
        definition.close_block_with(";");
        definition.blank_line();
    }
    emitter.open_scope();
    let map_param = emitter.temp("map");
    let key_name = emitter.declare_local(key);
    emitter
        .locals
        .insert(key, Spelling::Pointer(key_name.clone()));
    let key_param = emitter
        .types
        .declaration(&Type::Pointer(Box::new(map_def.key.clone())), &key_name);
    let value_name = match value {
        Some(value) => {
            let name = emitter.declare_local(value);
            emitter
                .locals
                .insert(value, Spelling::Pointer(name.clone()));
            emitter.backend.map_bindings.insert(value, map_def.kind);
            name
        }
        None => emitter.temp("value"),
    };
    let value_param = emitter
        .types
        .declaration(&Type::Pointer(Box::new(map_def.value.clone())), &value_name);
    let context_param = emitter.temp("captures");
    for (id, spelling) in captured_locals_spelled {
        let field = format!("{context_param}->{}", capture_field(emitter, id));
        let spelling = match spelling {
            Spelling::Value(_) => Spelling::Value(field),
            Spelling::Pointer(_) => Spelling::Pointer(field),
        };
        emitter.locals.insert(id, spelling);
    }
    for flag in &flags {
        emitter
            .flag_spellings
            .insert(flag.clone(), format!("{context_param}->{flag}"));
    }
    let context_type = if context_local.is_some() {
        format!("struct {context_struct} *{context_param}")
    } else {
        format!("void *{context_param}")
    };
    emitter.out = definition;
    emitter.map_line(span);
    emitter.out.line(format!(
        "static long {callback}(void *{map_param}, {key_param}, {value_param}, {context_type})"
    ));
    emitter.out.open_block("");
    // The callback is a C function of its own: a `try` in the body needs
    // the error code declared here (the checker keeps uncaught throws in).
    let mut body_has_try = false;
    visit::walk_stmts(body, &mut |stmt: &Stmt| {
        body_has_try |= matches!(stmt.kind, StmtKind::Try { .. });
    });
    let saved_error_code = emitter.backend.error_code.clone();
    if body_has_try {
        let name = emitter
            .backend
            .error_code
            .clone()
            .unwrap_or_else(|| emitter.temp("error"));
        emitter.out.line(format!("__s64 {name} = 0;"));
        emitter.backend.error_code = Some(name);
    }
    emitter.frames.push(Frame::Loop(LoopKind::Callback));
    if let Some(entry) = emitter.backend.pinned_entry.clone() {
        if super::uses_pinned_globals(program, body) {
            super::emit_pinned_entry(emitter, &entry);
        }
    }
    emitter.frames.pop();
    emitter.loop_body(body, LoopKind::Callback);
    if body.completes {
        emitter.out.line("return 0;");
    }
    emitter.out.close_block();
    emitter.map_to_output();
    emitter.close_scope();
    let definition = std::mem::replace(&mut emitter.out, saved_out);
    emitter.preceding.blank_line();
    emitter.preceding.append(definition);
    emitter.frames = saved_frames;
    emitter.backend.error_code = saved_error_code;
    emitter.locals = saved_locals;
    emitter.flag_spellings = saved_flags;
}

fn capture_field(emitter: &Cx<'_, '_>, id: LocalId) -> String {
    match emitter.locals.get(&id) {
        Some(Spelling::Value(name) | Spelling::Pointer(name)) => {
            // A name that is itself a path (nested callbacks) keeps its tail.
            name.rsplit("->").next().unwrap_or(name).to_string()
        }
        None => emitter.function.local(id).name.clone(),
    }
}

/// Locals `body` uses but does not declare (besides the loop's own key and
/// value), in id order.
fn captured_locals(body: &Block, key: LocalId, value: Option<LocalId>) -> Vec<LocalId> {
    let mut declared: BTreeSet<LocalId> = [key].into_iter().chain(value).collect();
    visit::walk_stmts(body, &mut |stmt: &Stmt| match &stmt.kind {
        StmtKind::Let { local, .. } => {
            declared.insert(*local);
        }
        StmtKind::IfLetMap { binding, .. } | StmtKind::IfLetPointer { binding, .. } => {
            declared.insert(*binding);
        }
        StmtKind::ForRange { var, .. } => {
            declared.insert(*var);
        }
        StmtKind::ForEachMap { key, value, .. } => {
            declared.insert(*key);
            declared.extend(*value);
        }
        _ => {}
    });
    let mut used = BTreeSet::new();
    visit::walk_block_exprs(body, &mut |expr| {
        if let ExprKind::Local(id) = &expr.kind {
            if !declared.contains(id) {
                used.insert(*id);
            }
        }
    });
    used.into_iter().collect()
}

/// Locals `body` assigns to or takes the address of.
fn written_locals(body: &Block) -> BTreeSet<LocalId> {
    fn root_local(expr: &Expr) -> Option<LocalId> {
        match &expr.kind {
            ExprKind::Local(id) => Some(*id),
            ExprKind::Field { base, .. } | ExprKind::Index { base, .. } => root_local(base),
            _ => None,
        }
    }
    let mut written = BTreeSet::new();
    visit::walk_stmts(body, &mut |stmt: &Stmt| {
        if let StmtKind::Assign { target, .. } = &stmt.kind {
            written.extend(root_local(target));
        }
    });
    visit::walk_block_exprs(body, &mut |expr| {
        if let ExprKind::Unary {
            op: crate::ir::UnaryOp::AddrOf,
            operand,
        } = &expr.kind
        {
            written.extend(root_local(operand));
        }
    });
    written
}
