//! Variable-size ring buffer records (docs/design/kernel-lowering.md §4):
//! the facts the checker (`check/records.rs`) and both generators share
//! about them. Reads the IR only.
//!
//! A struct of the source whose last field is a flexible array
//! (`payload: u8[]`, `Type::Array(T, 0)`) has a variable size. A `ringbuf`
//! of such records reserves through a dynptr: `var r = rb.reserve(n)`
//! reserves `sizeof(T) + n` bytes with `bpf_ringbuf_reserve_dynptr`, `r` is
//! the record's fixed part (a `bpf_dynptr_data` slice, null when the
//! reservation failed), and `r->payload[i]` is read and written through
//! the dynptr (`bpf_dynptr_read`, `bpf_dynptr_write`), which check the
//! bounds at run time. The local that received the reservation is its
//! *holder*; the dynptr lives beside it.

use std::collections::BTreeMap;

use super::{visit, Block, Callee, Expr, ExprKind, LocalId, MapId, Method, Origin, Program};
use super::{MapKind, StmtKind, Type};

/// Whether `ty` is a source struct ending in a flexible array.
pub fn is_variable_size(program: &Program, ty: &Type) -> bool {
    let Type::Struct(id) = ty else {
        return false;
    };
    let def = program.struct_def(*id);
    def.origin == Origin::Source
        && matches!(def.fields.last(), Some(field) if matches!(field.ty, Type::Array(_, 0)))
}

/// Whether `map` is a ring buffer of variable-size records.
pub fn is_dynptr_map(program: &Program, map: MapId) -> bool {
    let def = program.map(map);
    def.kind == MapKind::Ringbuf && is_variable_size(program, &def.value)
}

/// The map of `expr` when it is `rb.reserve(n)` on a dynptr ring buffer.
pub fn dynptr_reserve(program: &Program, expr: &Expr) -> Option<MapId> {
    match &expr.kind {
        ExprKind::Call {
            callee:
                Callee::Method {
                    receiver,
                    method: Method::Reserve,
                },
            ..
        } if is_dynptr_map(program, *receiver) => Some(*receiver),
        _ => None,
    }
}

/// The locals of `body` declared `var r = rb.reserve(n)` on a dynptr ring
/// buffer, the holders of dynptr reservations, with their maps.
pub fn holders(program: &Program, body: &Block) -> BTreeMap<LocalId, MapId> {
    let mut holders = BTreeMap::new();
    visit::walk_stmts(body, &mut |stmt| {
        if let StmtKind::Let {
            local,
            init: Some(init),
        } = &stmt.kind
        {
            if let Some(map) = dynptr_reserve(program, init) {
                holders.insert(*local, map);
            }
        }
    });
    holders
}

/// `r->payload` where `r` is a local and `payload` the flexible array of
/// its variable-size record: the local.
pub fn flexible_field(program: &Program, expr: &Expr) -> Option<LocalId> {
    let ExprKind::Arrow { base, .. } = &expr.kind else {
        return None;
    };
    if !matches!(expr.ty, Type::Array(_, 0)) {
        return None;
    }
    let Type::Pointer(pointee) = &base.ty else {
        return None;
    };
    if !is_variable_size(program, pointee) {
        return None;
    }
    match base.kind {
        ExprKind::Local(local) => Some(local),
        _ => None,
    }
}

/// Whether `expr` reaches a flexible array of a variable-size record (by
/// any route: through a local, a field, a call's result).
pub fn is_flexible_field(program: &Program, expr: &Expr) -> bool {
    let (ExprKind::Arrow { base, .. } | ExprKind::Field { base, .. }) = &expr.kind else {
        return false;
    };
    let record = match &base.ty {
        Type::Pointer(pointee) => pointee,
        other => other,
    };
    matches!(expr.ty, Type::Array(_, 0)) && is_variable_size(program, record)
}
