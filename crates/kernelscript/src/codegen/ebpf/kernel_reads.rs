//! Reads through kernel pointers: CO-RE probe reads in tracing code.
//!
//! In the functions `Plan::kernel_reads` lists (tracing programs and the
//! helpers they call), a field read through a pointer to a kernel struct
//! (`task->real_parent->tgid`, `file->f_path.dentry`) is one libbpf
//! `BPF_CORE_READ(task, real_parent, tgid)`: `bpf_probe_read_kernel` of
//! each hop, each address a CO-RE relocation (the kernel header gives
//! every record `preserve_access_index`), so it works whatever the
//! pointer's origin and on any kernel whose BTF has the fields. A bitfield
//! is `BPF_CORE_READ_BITFIELD_PROBED`. Elsewhere (packet programs,
//! struct_ops methods) reads stay plain loads.
//!
//! Either way a pointer read is cast to its KernelScript type: the kernel's
//! may point to `const` data, which KernelScript types do not track.
//!
//! A member that is an array decays to its address where C takes one
//! (`bpf_probe_read_kernel_str(&buf, 16, task->comm)`); copied whole into a
//! local, a field or a map value (`var comm = task->comm`) it is one
//! `BPF_CORE_READ_INTO` (`array_read_into`).
//!
//! Not reads: places (assignment targets and `&` operands, written in
//! `place_mode`: `&task->comm` is address arithmetic), and reads through the program's
//! own context parameter (the verifier rewrites context loads, which must
//! stay plain: `ctx->pid`, `ctx->sample_period`).
//!
//! Decided from IR types, the entry and the plan only.

use crate::codegen::c::types::is_array_like;
use crate::codegen::c::{CExpr, Precedence};
use crate::ir::{Expr, ExprKind, FunctionKind, Type};
use crate::kinds::Entry;

use super::policy::Cx;

/// One link of a read chain: a field reached with `->` or `.`.
struct Hop {
    name: String,
    through_pointer: bool,
}

/// A read chain: the pointer it starts from, the hops from there, and
/// whether the last hop is a bitfield.
type Chain<'a> = (&'a Expr, Vec<Hop>, bool);

/// Whether `expr` (a field access) is a read through a kernel pointer this
/// file spells: a probe read, or a plain read of a pointer (cast).
pub(super) fn is_kernel_read<'a>(cx: &Cx<'_, 'a>, expr: &'a Expr) -> bool {
    matches!(expr.kind, ExprKind::Arrow { .. } | ExprKind::Field { .. })
        && (cx.backend.kernel_reads || expr.ty.is_pointer())
        && !cx.place_mode
        && !is_array_like(&expr.ty)
        && chain(cx, expr).is_some()
}

/// The C of a read `is_kernel_read` accepts.
pub(super) fn kernel_read<'a>(cx: &mut Cx<'_, 'a>, expr: &'a Expr) -> CExpr {
    let read = if cx.backend.kernel_reads {
        probe_read(cx, expr)
    } else {
        plain_read(cx, expr)
    };
    if expr.ty.is_pointer() {
        let ty = cx.types.name(&expr.ty);
        return CExpr::cast(&ty, &read);
    }
    read
}

/// `BPF_CORE_READ(root, hop, ...)`, or `BPF_CORE_READ_BITFIELD_PROBED`.
fn probe_read<'a>(cx: &mut Cx<'_, 'a>, expr: &'a Expr) -> CExpr {
    let Some((root, hops, bitfield)) = chain(cx, expr) else {
        return plain_read(cx, expr);
    };
    let field = hops.last().map(|hop| hop.name.clone()).unwrap_or_default();
    if bitfield {
        // The struct holding the bitfield, by address.
        let container = match &expr.kind {
            ExprKind::Arrow { base, .. } => cx.expr(base).text,
            ExprKind::Field { base, .. } => cx.address_of(base).text,
            _ => return plain_read(cx, expr),
        };
        return CExpr::postfix(format!(
            "BPF_CORE_READ_BITFIELD_PROBED({container}, {field})"
        ));
    }
    let arguments = core_arguments(cx, root, hops);
    CExpr::postfix(format!("BPF_CORE_READ({arguments})"))
}

/// A whole array member copied out of kernel memory into `place`
/// (`var comm = task->comm`): `BPF_CORE_READ_INTO(&place, task, comm)`, a
/// probe read of the destination's size (the checker makes it the
/// array's). `None` when `value` is not such a read, or reads the context
/// (copied directly).
pub(super) fn array_read_into<'a>(
    cx: &mut Cx<'_, 'a>,
    place: &str,
    value: &'a Expr,
) -> Option<String> {
    if !cx.backend.kernel_reads
        || !is_array_like(&value.ty)
        || !matches!(value.kind, ExprKind::Arrow { .. } | ExprKind::Field { .. })
    {
        return None;
    }
    let (root, hops, false) = chain(cx, value)? else {
        return None;
    };
    let arguments = core_arguments(cx, root, hops);
    Some(format!("BPF_CORE_READ_INTO(&{place}, {arguments});"))
}

/// The arguments of a `BPF_CORE_READ*` of `hops` from `root`: the root,
/// then one accessor per pointer hop (`a.b` for the fields inside one).
fn core_arguments<'a>(cx: &mut Cx<'_, 'a>, root: &'a Expr, hops: Vec<Hop>) -> String {
    let mut accessors: Vec<String> = Vec::new();
    for hop in hops {
        match accessors.last_mut() {
            Some(last) if !hop.through_pointer => {
                last.push('.');
                last.push_str(&hop.name);
            }
            _ => accessors.push(hop.name),
        }
    }
    let root = cx.expr(root).at(Precedence::POSTFIX);
    format!("{root}, {}", accessors.join(", "))
}

/// `base->field` / `base.field` as plain C.
fn plain_read<'a>(cx: &mut Cx<'_, 'a>, expr: &'a Expr) -> CExpr {
    match &expr.kind {
        ExprKind::Arrow { base, field } => {
            let pointee = base.ty.pointee().cloned().unwrap_or(Type::Error);
            let name = cx.field_name(&pointee, *field);
            let base = cx.expr(base);
            CExpr::arrow(&base, &name)
        }
        ExprKind::Field { base, field } => {
            let name = cx.field_name(&base.ty, *field);
            let base = cx.expr(base);
            CExpr::member(&base, &name)
        }
        _ => CExpr::primary("0"),
    }
}

/// The chain of `expr`; `None` when it does not read through a kernel
/// pointer (or reads the context).
fn chain<'a>(cx: &Cx<'_, 'a>, expr: &'a Expr) -> Option<Chain<'a>> {
    match &expr.kind {
        ExprKind::Arrow { base, field } => {
            let Type::Struct(id) = base.ty.pointee()? else {
                return None;
            };
            let def = cx.program.struct_def(*id);
            def.kernel.as_ref()?;
            let hop = Hop {
                name: cx.field_name(base.ty.pointee()?, *field),
                through_pointer: true,
            };
            let bitfield = def.is_bitfield(*field);
            // The pointer itself read from kernel memory: an earlier hop.
            match chain(cx, base) {
                Some((root, mut hops, false)) => {
                    hops.push(hop);
                    Some((root, hops, bitfield))
                }
                Some((_, _, true)) => None,
                None if is_context(cx, base) => None,
                None => Some((base, vec![hop], bitfield)),
            }
        }
        ExprKind::Field { base, field } => {
            let Type::Struct(id) = &base.ty else {
                return None;
            };
            let def = cx.program.struct_def(*id);
            let hop = Hop {
                name: cx.field_name(&base.ty, *field),
                through_pointer: false,
            };
            let bitfield = def.is_bitfield(*field);
            let (root, mut hops, false) = chain(cx, base)? else {
                return None;
            };
            hops.push(hop);
            Some((root, hops, bitfield))
        }
        _ => None,
    }
}

/// Whether `pointer` is the program's context parameter (its first
/// parameter, when its entry takes the context as declared).
fn is_context(cx: &Cx<'_, '_>, pointer: &Expr) -> bool {
    let ExprKind::Local(local) = &pointer.kind else {
        return false;
    };
    matches!(cx.function.kind, FunctionKind::Program(ref decl)
        if decl.entry == Entry::Context && cx.function.params.first() == Some(local))
}
