//! Variable-size ring buffer records through dynptrs
//! (docs/design/kernel-lowering.md §4, `ir/records.rs`): the reservation,
//! its release, and the flexible array's elements. Only the eBPF object has
//! them; the checker (`check/records.rs`) has placed every use where these
//! spellings apply.
//!
//! `var r = rb.reserve(n)` becomes
//!
//! ```c
//! struct bpf_dynptr r_dynptr;
//!
//! bpf_ringbuf_reserve_dynptr(&rb, sizeof(struct T) + n, 0, &r_dynptr);
//! struct T *r = bpf_dynptr_data(&r_dynptr, 0, sizeof(struct T));
//! if (r == NULL) {
//!     bpf_ringbuf_discard_dynptr(&r_dynptr, 0);
//! }
//! ```
//!
//! The discard on the null path is the compiler's: the verifier wants even
//! a failed dynptr reservation released, and the ownership pass treats the
//! null path as owning nothing, as it does for fixed-size records.

use super::policy::Cx;
use crate::codegen::c::lower::statement_expression;
use crate::codegen::c::CExpr;
use crate::ir::records::{dynptr_reserve, flexible_field};
use crate::ir::{Expr, ExprKind, LocalId, MapId, Method, Type};

/// `var local = rb.reserve(n)` on a dynptr ring buffer; false for any
/// other declaration.
pub(super) fn declare_holder<'a>(cx: &mut Cx<'_, 'a>, local: LocalId, init: &'a Expr) -> bool {
    let Some(map) = dynptr_reserve(cx.program, init) else {
        return false;
    };
    let ExprKind::Call { args, .. } = &init.kind else {
        return false;
    };
    let Some(extra) = args.first() else {
        return false;
    };
    let map_name = cx.names.map(map).to_string();
    let record = cx.types.name(&cx.program.map(map).value);
    let extra = cx.operand(extra).text;
    let base = format!("{}_dynptr", cx.function.local(local).name);
    let dynptr = cx.temp(&base);
    cx.out.line(format!("struct bpf_dynptr {dynptr};"));
    cx.out.line(format!(
        "bpf_ringbuf_reserve_dynptr(&{map_name}, sizeof({record}) + {extra}, 0, &{dynptr});"
    ));
    let name = cx.declare_local(local);
    let declaration = cx.local_declaration(local, &name);
    cx.out.line(format!(
        "{declaration} = bpf_dynptr_data(&{dynptr}, 0, sizeof({record}));"
    ));
    cx.out.open_block(format!("if ({name} == NULL)"));
    cx.out
        .line(format!("bpf_ringbuf_discard_dynptr(&{dynptr}, 0);"));
    cx.out.close_block();
    if cx.unread.contains(&local) {
        cx.out.line(format!("(void){name};"));
    }
    cx.dynptrs.insert(local, format!("&{dynptr}"));
    true
}

/// `rb.submit(r)` / `rb.discard(r)` on a dynptr ring buffer.
pub(super) fn release(
    cx: &mut Cx<'_, '_>,
    map: MapId,
    method: Method,
    arg: &Expr,
) -> Option<CExpr> {
    if !crate::ir::records::is_dynptr_map(cx.program, map) {
        return None;
    }
    let ExprKind::Local(local) = arg.kind else {
        return None;
    };
    let dynptr = cx.dynptrs.get(&local)?.clone();
    let helper = match method {
        Method::Submit => "bpf_ringbuf_submit_dynptr",
        _ => "bpf_ringbuf_discard_dynptr",
    };
    Some(CExpr::postfix(format!("{helper}({dynptr}, 0)")))
}

/// The dynptr and byte offset of `r->payload[i]` (`expr` being the
/// `Index`), when `r` holds a dynptr reservation.
fn element<'a>(cx: &mut Cx<'_, 'a>, expr: &'a Expr) -> Option<(String, String)> {
    let ExprKind::Index { base, index } = &expr.kind else {
        return None;
    };
    let local = flexible_field(cx.program, base)?;
    let dynptr = cx.dynptrs.get(&local)?.clone();
    let ExprKind::Arrow {
        base: record,
        field,
    } = &base.kind
    else {
        return None;
    };
    let record_ty = record.ty.pointee().cloned().unwrap_or(Type::Error);
    let record_name = cx.types.name(&record_ty);
    let field_name = cx.field_name(&record_ty, *field);
    let element = cx.types.name(&expr.ty);
    let place_mode = std::mem::replace(&mut cx.place_mode, false);
    let index = cx.operand(index).text;
    cx.place_mode = place_mode;
    let offset =
        format!("__builtin_offsetof({record_name}, {field_name}) + ({index}) * sizeof({element})");
    Some((dynptr, offset))
}

/// `r->payload[i] = value`: `bpf_dynptr_write`, which writes nothing out
/// of range; false when `target` is not such an element.
pub(super) fn write_element<'a>(cx: &mut Cx<'_, 'a>, target: &'a Expr, value: &'a Expr) -> bool {
    let Some((dynptr, offset)) = element(cx, target) else {
        return false;
    };
    let element = cx.types.name(&target.ty);
    let value = cx.expr(value).text;
    let temp = cx.temp("element");
    cx.out.open_block("");
    cx.out.line(format!("{element} {temp} = {value};"));
    cx.out.line(format!(
        "bpf_dynptr_write({dynptr}, {offset}, &{temp}, sizeof({temp}), 0);"
    ));
    cx.out.close_block();
    true
}

/// `r->payload[i]` read: `bpf_dynptr_read`, zero out of range.
pub(super) fn read_element<'a>(cx: &mut Cx<'_, 'a>, expr: &'a Expr) -> Option<CExpr> {
    let (dynptr, offset) = element(cx, expr)?;
    let element = cx.types.name(&expr.ty);
    let temp = cx.temp("element");
    let body = format!(
        "{element} {temp} = 0;\n\
         bpf_dynptr_read(&{temp}, sizeof({temp}), {dynptr}, {offset}, 0);\n\
         {temp};"
    );
    Some(CExpr::primary(statement_expression(&body)))
}

/// Before a callback loop over `body`: the dynptr reservations the body
/// writes through are live, so a failure exit of the loop (too many
/// iterations, a nested loop's) discards them first, those of the frame
/// being written (the function, or the callback that reserved them; an
/// enclosing frame's are discarded by that frame's loop). Returns the
/// length of `failure_releases` to restore after the loop.
pub(super) fn release_on_failure(cx: &mut Cx<'_, '_>, body: &crate::ir::Block) -> usize {
    let before = cx.failure_releases.len();
    let mut used = std::collections::BTreeSet::new();
    crate::ir::visit::walk_block_exprs(body, &mut |expr| {
        if let ExprKind::Local(local) = expr.kind {
            let own_frame = cx
                .dynptrs
                .get(&local)
                .is_some_and(|dynptr| dynptr.starts_with('&'));
            if own_frame {
                used.insert(local);
            }
        }
    });
    for local in used {
        let record = cx.local_lvalue(local);
        let dynptr = cx.dynptrs[&local].clone();
        cx.failure_releases.push(format!(
            "if ({record} != NULL) bpf_ringbuf_discard_dynptr({dynptr}, 0);"
        ));
    }
    before
}
