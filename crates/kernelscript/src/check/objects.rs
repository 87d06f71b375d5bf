//! Objects allocated with `new`: `new T()` and `delete p`, and maps of
//! objects (`hash<K, *T>`: `m[k]` borrows, `m[k] = p` moves in,
//! `m.take(k)` moves out; docs §4.8, docs/design/kernel-lowering.md §3).
//! Type rules only; that each object is deleted or moved into a map
//! exactly once on every path is `ownership/`'s, and the null check before
//! use is `nullness.rs`'s.
//!
//! Decisions: `new` allocates a struct declared in the program (a kernel
//! struct has no local BTF type for `bpf_obj_new`; a struct_ops struct is
//! the kernel's). In eBPF it may appear in the program types whose
//! descriptor says `allocates_objects` and in `@helper`s (checked below
//! for the programs that reach them), never in struct_ops methods; it takes
//! no arguments there, nor in userspace. In kernel module code it takes
//! the allocation flags (`new T(GFP_KERNEL)`, `ir::Gfp`; `GFP_ATOMIC` by
//! default, since a kfunc runs where its eBPF caller does); what module
//! objects may hold is `kernel_module.rs`'s.

use crate::ir::{self, visit, Builtin, Callee, ExprKind, FunctionKind, Gfp, Target, Type};
use crate::span::Span;
use crate::syntax::ast;

use super::exprs::{error_expr, node};
use super::{errors, Checker};

/// The largest object `bpf_obj_new` serves (kernel 6.18 refuses 4089:
/// "bpf_obj_new type size (4089) is more than the allocator serves"); the
/// same limit holds in userspace, so a program means the same on both.
const MAX_OBJECT_BYTES: u64 = 4088;

impl Checker<'_> {
    /// Whether `ty` is `*T` for a struct `new` may allocate.
    pub(crate) fn is_object_pointer(&self, ty: &Type) -> bool {
        match ty {
            Type::Pointer(pointee) => match pointee.as_ref() {
                Type::Struct(id) => {
                    let def = self.program.struct_def(*id);
                    def.origin == ir::Origin::Source && def.struct_ops.is_none()
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// A map of objects is read and written by eBPF code only: userspace
    /// sees its values without their pointers (the kernel copies map
    /// values without kptr fields). `delete m[k]` stays possible.
    pub(crate) fn check_object_map_side(&mut self, map: ir::MapId, span: Span) {
        let def = self.program.map(map);
        if def.holds_objects() && self.fx.target() == Some(Target::Userspace) {
            let name = def.name.clone();
            self.report(errors::object_map_in_userspace(span, &name));
        }
    }

    /// `m.take(key)` on a map of objects: eBPF only; the object (or null)
    /// the function now owns.
    pub(crate) fn map_take(&mut self, map: ir::MapId, args: &[ast::Expr], span: Span) -> ir::Expr {
        let def = self.program.map(map);
        let (name, key_ty, value) = (def.name.clone(), def.key.clone(), def.value.clone());
        if self.fx.target() != Some(Target::Ebpf) {
            self.report(errors::object_map_in_userspace(span, &name));
            self.skip_args(args);
            return error_expr(span);
        }
        self.check_map_access(map, span, true);
        let args = self.call_args(&[key_ty], args, &format!("{name}.take"), span);
        if args.iter().any(|arg| arg.ty == Type::Error) {
            return error_expr(span);
        }
        node(
            ExprKind::Call {
                callee: Callee::Method {
                    receiver: map,
                    method: ir::Method::Take,
                },
                args,
            },
            value,
            span,
        )
    }

    /// `new T()` / `new T(arg)`: `arg` is the allocation flags in kernel
    /// module code (`GFP_ATOMIC` when absent), an error elsewhere.
    pub(crate) fn new_object(
        &mut self,
        ty: &ast::TypeExpr,
        arg: Option<&ast::Expr>,
        span: Span,
    ) -> ir::Expr {
        let resolved = self.resolve_type(ty);
        let module = self.fx.target() == Some(Target::KernelModule);
        let flags = match (arg, module) {
            (None, true) => Gfp::ATOMIC,
            (None, false) => Gfp::NONE,
            (Some(arg), true) => match self.gfp_flags(arg) {
                Some(flags) => flags,
                None => return error_expr(span),
            },
            (Some(arg), false) => {
                if names_gfp_flag(arg) {
                    let ebpf = self.fx.target() == Some(Target::Ebpf);
                    self.report(errors::gfp_outside_kernel_module(arg.span, ebpf));
                } else {
                    self.expr(arg, None);
                    self.report(errors::new_takes_no_argument(arg.span));
                }
                return error_expr(span);
            }
        };
        let allocatable = match &resolved {
            Type::Struct(id) => {
                let def = self.program.struct_def(*id);
                def.origin == ir::Origin::Source && def.struct_ops.is_none()
            }
            Type::Error => return error_expr(span),
            _ => false,
        };
        if !allocatable {
            let name = self.type_name(&resolved);
            self.report(errors::new_needs_struct(ty.span, &name));
            return error_expr(span);
        }
        let size = resolved.size(&self.program);
        if size > MAX_OBJECT_BYTES {
            let name = self.type_name(&resolved);
            self.report(errors::object_too_large(
                ty.span,
                &name,
                size,
                MAX_OBJECT_BYTES,
            ));
            return error_expr(span);
        }
        match &self.fx.kind {
            Some(FunctionKind::Program(decl)) if !decl.kind.descriptor().allocates_objects => {
                let label = decl.kind.descriptor().label;
                self.report(errors::new_in_program_kind(span, label));
                return error_expr(span);
            }
            Some(FunctionKind::StructOpsMethod { .. }) => {
                self.report(errors::new_in_program_kind(span, "struct_ops method"));
                return error_expr(span);
            }
            _ => {}
        }
        node(
            ExprKind::Call {
                callee: Callee::Builtin(Builtin::New(flags)),
                args: Vec::new(),
            },
            Type::Pointer(Box::new(resolved)),
            span,
        )
    }

    /// The allocation flags `arg` names: `GFP_X`, or flags joined with
    /// `|`, exactly one of them a base flag.
    fn gfp_flags(&mut self, arg: &ast::Expr) -> Option<Gfp> {
        fn collect(expr: &ast::Expr, into: &mut Gfp) -> Result<(), Span> {
            match &expr.kind {
                ast::ExprKind::Ident(name) => match Gfp::named(name) {
                    Some(flag) => {
                        *into = into.union(flag);
                        Ok(())
                    }
                    None => Err(expr.span),
                },
                ast::ExprKind::Binary {
                    op: ast::BinaryOp::BitOr,
                    lhs,
                    rhs,
                } => {
                    collect(lhs, into)?;
                    collect(rhs, into)
                }
                _ => Err(expr.span),
            }
        }
        let mut flags = Gfp::NONE;
        if let Err(span) = collect(arg, &mut flags) {
            self.report(errors::new_needs_gfp_flags(span));
            return None;
        }
        let bases = flags.base_count();
        if bases != 1 {
            self.report(errors::gfp_needs_one_base(arg.span, bases));
            return None;
        }
        Some(flags)
    }

    /// `delete p` where `p` is not a map entry: the object must come from
    /// `new` (or `m.take(k)`), which `ownership/` checks.
    pub(crate) fn delete_object(&mut self, target: &ast::Expr, span: Span) -> Option<ir::StmtKind> {
        let object = self.expr(target, None);
        if object.ty == Type::Error {
            return None;
        }
        let is_object = self.is_object_pointer(&object.ty);
        if !is_object {
            self.report(errors::delete_needs_map_entry(target.span));
            return None;
        }
        Some(ir::StmtKind::Expr(node(
            ExprKind::Call {
                callee: Callee::Builtin(Builtin::Delete),
                args: vec![object],
            },
            Type::Void,
            span,
        )))
    }
}

impl Checker<'_> {
    /// `new` in a `@helper` reached from a program whose type may not call
    /// `bpf_obj_new`: an error at the `new`, naming the program (once per
    /// helper). Programs' own bodies are checked at the `new`.
    pub(crate) fn check_object_callers(&mut self) {
        let allocations: Vec<Option<Span>> = self
            .program
            .functions
            .iter()
            .map(|function| {
                // Module code allocates with kzalloc, wherever it runs.
                if function.kind.target() == Target::KernelModule {
                    return None;
                }
                let mut found = None;
                visit::walk_block_exprs(&function.body, &mut |expr| {
                    if let ExprKind::Call {
                        callee: Callee::Builtin(Builtin::New(_)),
                        ..
                    } = &expr.kind
                    {
                        found = found.or(Some(expr.span));
                    }
                });
                found
            })
            .collect();
        if allocations.iter().all(Option::is_none) {
            return;
        }
        let mut reported = vec![false; allocations.len()];
        let mut diagnostics = Vec::new();
        for (index, function) in self.program.functions.iter().enumerate() {
            let label = match &function.kind {
                FunctionKind::Program(decl) if !decl.kind.descriptor().allocates_objects => {
                    decl.kind.descriptor().label
                }
                FunctionKind::StructOpsMethod { .. } => "struct_ops method",
                _ => continue,
            };
            let mut seen = vec![false; allocations.len()];
            let mut stack = vec![index];
            while let Some(caller) = stack.pop() {
                for edge in &self.fn_facts[caller].calls {
                    let callee = edge.callee.index();
                    if std::mem::replace(&mut seen[callee], true) {
                        continue;
                    }
                    stack.push(callee);
                    if let (Some(span), false) = (allocations[callee], reported[callee]) {
                        reported[callee] = true;
                        let helper = &self.program.functions[callee].name;
                        let diagnostic =
                            errors::new_in_helper_of(span, helper, &function.name, label);
                        diagnostics.push(diagnostic);
                    }
                }
            }
        }
        for diagnostic in diagnostics {
            self.report(diagnostic);
        }
    }
}

/// Whether `expr` names a GFP flag anywhere (`new T(GFP_KERNEL)` outside
/// module code gets the allocator's explanation rather than "no arguments").
fn names_gfp_flag(expr: &ast::Expr) -> bool {
    match &expr.kind {
        ast::ExprKind::Ident(name) => Gfp::named(name).is_some(),
        ast::ExprKind::Binary { lhs, rhs, .. } => names_gfp_flag(lhs) || names_gfp_flag(rhs),
        _ => false,
    }
}
