//! Reads through kernel pointers in tracing programs: CO-RE probe reads.
//!
//! In the functions `Plan::kernel_reads` lists (tracing programs and the
//! helpers they call), a field read through a pointer to a kernel struct
//! (`task->real_parent->tgid`, `file->f_path.dentry`) is one libbpf
//! `BPF_CORE_READ(task, real_parent, tgid)`: `bpf_probe_read_kernel` of
//! each hop, each address a CO-RE relocation (the kernel header gives
//! every record `preserve_access_index`), so it works whatever the
//! pointer's origin and on any kernel whose BTF has the fields. A bitfield
//! is `BPF_CORE_READ_BITFIELD_PROBED`.
//!
//! Not probe reads: places (assignment targets and `&` operands, written
//! in place mode: `&task->comm` is address arithmetic), members that are
//! arrays (they decay to their address), and reads through the program's
//! own context parameter (the verifier rewrites context loads, which must
//! stay plain: `ctx->pid`, `ctx->sample_period`).
//!
//! Decided from IR types and the plan only; writes no statements.

use crate::codegen::c::CExpr;
use crate::ir::{Expr, ExprKind, FunctionKind, Type};

use super::expressions::POSTFIX;
use super::functions::FunctionEmitter;
use super::types::is_array_like;

/// One link of a read chain: a field reached with `->` or `.`.
struct Hop {
    name: String,
    through_pointer: bool,
}

impl<'a> FunctionEmitter<'_, 'a> {
    /// `place` as an lvalue: never a probe read.
    pub(super) fn place(&mut self, place: &'a Expr) -> CExpr {
        let saved = std::mem::replace(&mut self.place_mode, true);
        let text = self.expr(place);
        self.place_mode = saved;
        text
    }

    /// Whether `expr` (a field access) reads kernel memory through a
    /// kernel pointer: a probe read here, or a plain read of a pointer
    /// (cast, below).
    pub(super) fn is_kernel_read(&self, expr: &'a Expr) -> bool {
        (self.kernel_reads || expr.ty.is_pointer())
            && !self.place_mode
            && !is_array_like(&expr.ty)
            && self.chain(expr).is_some()
    }

    /// A read `is_kernel_read` accepts: `BPF_CORE_READ(root, hop, ...)`
    /// where reads are probe reads. A pointer read is cast to its
    /// KernelScript type (the kernel's may point to `const` data, which
    /// KernelScript types do not track).
    pub(super) fn kernel_read(&mut self, expr: &'a Expr) -> CExpr {
        let read = if self.kernel_reads {
            self.probe_read(expr)
        } else {
            match &expr.kind {
                ExprKind::Arrow { base, field } => self.arrow(base, *field),
                ExprKind::Field { base, field } => self.field(base, *field),
                _ => CExpr::primary("0"),
            }
        };
        if expr.ty.is_pointer() {
            let ty = super::types::type_name(self.program, &expr.ty);
            return CExpr::cast(&ty, &read);
        }
        read
    }

    /// `BPF_CORE_READ(root, hop, ...)`.
    fn probe_read(&mut self, expr: &'a Expr) -> CExpr {
        let Some((root, hops, bitfield)) = self.chain(expr) else {
            return CExpr::primary("0");
        };
        if bitfield {
            // The struct holding the bitfield, by address.
            let (container, field) = match &expr.kind {
                ExprKind::Arrow { base, .. } => (self.expr(base).text, last_name(&hops)),
                ExprKind::Field { base, .. } => {
                    let base = self.place(base).text;
                    (format!("&{base}"), last_name(&hops))
                }
                _ => return CExpr::primary("0"),
            };
            return CExpr::primary(format!(
                "BPF_CORE_READ_BITFIELD_PROBED({container}, {field})"
            ));
        }
        let root = self.expr(root).at(POSTFIX);
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
        CExpr::primary(format!("BPF_CORE_READ({root}, {})", accessors.join(", ")))
    }

    /// The pointer a read chain starts from, its hops from there, and
    /// whether the last hop is a bitfield; `None` when `expr` does not read
    /// through a kernel pointer (or reads the context).
    fn chain(&self, expr: &'a Expr) -> Option<(&'a Expr, Vec<Hop>, bool)> {
        match &expr.kind {
            ExprKind::Arrow { base, field } => {
                let Type::Struct(id) = base.ty.pointee()? else {
                    return None;
                };
                let def = self.program.struct_def(*id);
                def.kernel.as_ref()?;
                let hop = Hop {
                    name: def.fields.get(*field)?.name.clone(),
                    through_pointer: true,
                };
                let bitfield = def.is_bitfield(*field);
                // The pointer itself read from kernel memory: an earlier hop.
                match self.chain(base) {
                    Some((root, mut hops, false)) => {
                        hops.push(hop);
                        Some((root, hops, bitfield))
                    }
                    Some((_, _, true)) => None,
                    None if self.is_context(base) => None,
                    None => Some((base, vec![hop], bitfield)),
                }
            }
            ExprKind::Field { base, field } => {
                let Type::Struct(id) = &base.ty else {
                    return None;
                };
                let def = self.program.struct_def(*id);
                let hop = Hop {
                    name: def.fields.get(*field)?.name.clone(),
                    through_pointer: false,
                };
                let bitfield = def.is_bitfield(*field);
                let (root, mut hops, false) = self.chain(base)? else {
                    return None;
                };
                hops.push(hop);
                Some((root, hops, bitfield))
            }
            _ => None,
        }
    }

    /// Whether `pointer` is the program's context parameter (its first
    /// parameter, when the kind passes a context).
    fn is_context(&self, pointer: &Expr) -> bool {
        let ExprKind::Local(local) = &pointer.kind else {
            return false;
        };
        matches!(self.function.kind, FunctionKind::Program(ref decl)
            if decl.entry == crate::kinds::Entry::Context
                && self.function.params.first() == Some(local))
    }
}

fn last_name(hops: &[Hop]) -> String {
    hops.last().map(|hop| hop.name.clone()).unwrap_or_default()
}
