//! One userspace function: its C signature and what this output declares
//! around the shared lowering of its body.
//!
//! * Strings are passed as `const char *`; a function that writes to a
//!   string parameter works on its own copy.
//! * `main(args: Args)` receives a pointer to the struct C's `main` fills
//!   (an `Args` may be megabytes: never on the stack).
//! * In a program that throws, a function with `defer`s opens a frame that
//!   catches an error propagating out of it, runs the deferred calls that
//!   were reached (all are flagged) and rethrows. Locals changed after a
//!   `setjmp` and read after the `longjmp` are `volatile`.

use std::collections::BTreeSet;

use crate::codegen::c::lower::{Frame, Lowering, Spelling};
use crate::codegen::c::CWriter;
use crate::ir::{visit, ExprKind, Function, FunctionId, FunctionKind, LocalId, StmtKind, Type};

use super::policy::Userspace;
use super::Generator;

/// The lowered function: its prototype (the signature and `;`) and its
/// definition.
pub struct Lowered {
    pub prototype: String,
    pub definition: CWriter,
}

/// Lowers userspace function `id`.
pub fn lower(gen: &mut Generator<'_>, id: FunctionId) -> Lowered {
    let function = gen.program.function(id);
    let scope = gen.scope.clone();
    let defer_frame = gen.program_throws && has_defers(function);
    let backend = Userspace {
        gen,
        volatile_locals: volatile_locals(function, defer_frame),
        defer_frame,
    };
    let mut cx = Lowering::new(function, scope, backend);

    // The parameters; strings the body writes to are copied.
    let mut params = Vec::new();
    let mut copies = Vec::new();
    for &param in &function.params {
        let local = function.local(param);
        let name = cx.declare_local(param);
        if main_args(function) == Some(param) {
            let pointer = Type::Pointer(Box::new(local.ty.clone()));
            params.push(cx.types.declaration(&pointer, &name));
            cx.locals.insert(param, Spelling::Pointer(name));
            continue;
        }
        match local.ty {
            Type::Str(len) if visit::may_modify_local(&function.body, param) => {
                let argument = cx.temp(&format!("{name}_arg"));
                params.push(cx.types.parameter(&local.ty, &argument));
                copies.push((name, argument, len));
            }
            Type::Str(_) => params.push(cx.types.parameter(&local.ty, &name)),
            _ => params.push(cx.local_declaration(param, &name)),
        }
    }
    let params = if params.is_empty() {
        "void".to_string()
    } else {
        params.join(", ")
    };
    let ret = cx.backend.gen.return_type(&function.ret);
    let name = cx.names.function(id).to_string();
    // Not `static` when a program probes it (`@uprobe("FUNCTION")`).
    let linkage = cx.backend.gen.function_linkage(id);
    let signature = if ret.ends_with('*') {
        format!("{linkage}{ret}{name}({params})")
    } else {
        format!("{linkage}{ret} {name}({params})")
    };

    cx.map_line(function.span);
    cx.out.line(&signature);
    cx.out.open_block("");
    for (name, argument, len) in copies {
        cx.backend.gen.needs.str_copy = true;
        cx.out.line(format!("char {name}[{len}];"));
        cx.out.line(format!(
            "ks_str_copy({name}, sizeof({name}), {argument}, {len});"
        ));
    }
    cx.prologue();
    if defer_frame {
        open_defer_frame(&mut cx);
    }
    cx.statements();
    cx.out.close_block();
    let (_, definition, _) = cx.finish();
    Lowered {
        prototype: format!("{signature};"),
        definition,
    }
}

/// An error propagating out of the function runs its deferred calls
/// first, then continues to the caller's handler.
fn open_defer_frame(cx: &mut super::policy::Cx<'_, '_>) {
    cx.backend.gen.needs.throw = true;
    let frame = cx.temp("defer_frame");
    cx.out
        .line(format!("struct ks_try {frame} = {{ .prev = ks_try_top }};"));
    cx.out.line(format!("ks_try_top = &{frame};"));
    cx.out.open_block(format!("if (setjmp({frame}.env) != 0)"));
    let body = &cx.function.body;
    cx.run_all_flagged_defers(body);
    cx.out.line(format!("ks_throw({frame}.code);"));
    cx.out.close_block();
    cx.frames.push(Frame::Try {
        name: frame.clone(),
        leave: Some(format!("ks_try_top = {frame}.prev;")),
    });
}

fn has_defers(function: &Function) -> bool {
    let mut found = false;
    visit::walk_stmts(&function.body, &mut |stmt| {
        found |= matches!(stmt.kind, StmtKind::Defer(_));
    });
    found
}

/// The `args: Args` parameter of `main`, passed as a pointer.
fn main_args(function: &Function) -> Option<LocalId> {
    let param = *function.params.first()?;
    let is_struct = matches!(function.local(param).ty, Type::Struct(_));
    (function.kind == FunctionKind::Main && is_struct).then_some(param)
}

/// Locals a `longjmp` may find changed since the `setjmp`: assigned inside
/// a `try` body but declared outside it, and (with a defer frame) those
/// the deferred calls read.
fn volatile_locals(function: &Function, defer_frame: bool) -> BTreeSet<LocalId> {
    let mut volatile = BTreeSet::new();
    if defer_frame {
        // Declared at the top (the shared lowering hoists them), so set
        // after the `setjmp` unless they are parameters nothing changes.
        visit::walk_stmts(&function.body, &mut |stmt| {
            if let StmtKind::Defer(call) = &stmt.kind {
                visit::walk_exprs(call, &mut |expr| {
                    if let ExprKind::Local(local) = expr.kind {
                        let constant_parameter = function.params.contains(&local)
                            && !visit::may_modify_local(&function.body, local);
                        if !constant_parameter {
                            volatile.insert(local);
                        }
                    }
                });
            }
        });
    }
    let mut try_bodies = Vec::new();
    visit::walk_stmts(&function.body, &mut |stmt| {
        if let StmtKind::Try { body, .. } = &stmt.kind {
            try_bodies.push(body);
        }
    });
    for body in try_bodies {
        let mut declared_inside = BTreeSet::new();
        visit::walk_stmts(body, &mut |stmt| {
            if let StmtKind::Let { local, .. } = &stmt.kind {
                declared_inside.insert(*local);
            }
        });
        let mut changed = |place: &crate::ir::Expr| {
            if let Some(root) = visit::place_root(place) {
                if !declared_inside.contains(&root) {
                    volatile.insert(root);
                }
            }
        };
        visit::walk_stmts(body, &mut |stmt| {
            if let StmtKind::Assign { target, .. } = &stmt.kind {
                changed(target);
            }
        });
        // `x = m[k]` for a local that remembers its entry writes `x`
        // through `MapLoad`'s destination.
        visit::walk_block_exprs(body, &mut |expr| {
            if let ExprKind::MapLoad { dest, .. } = &expr.kind {
                if let ExprKind::Unary { operand, .. } = &dest.kind {
                    changed(operand);
                }
            }
        });
    }
    volatile
}
