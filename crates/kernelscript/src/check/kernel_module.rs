//! What the kernel module backend (`codegen/kmod/`) compiles of `@kfunc`
//! and `@private` bodies, checked after the bodies themselves: integer,
//! `bool` and `char` values, pointers to them, objects (`new T(FLAGS)`,
//! `delete p`) of structs holding such fields, calls of the program's own
//! kernel module functions and `print`. Anything else in module code
//! (strings, struct values, kernel or BPF helper calls, returned pointers)
//! is a located "not supported yet" error, so accepted input always builds.
//!
//! Module objects stay in the module: a kfunc cannot return one (eBPF code
//! cannot own kzalloc memory) nor take a struct pointer from eBPF, and
//! module code reaches no globals, so nothing else carries one out. Their
//! ownership (deleted once on every path) is `ownership/`'s, as in eBPF.
//!
//! A pointer parameter of a `@kfunc` is memory the eBPF caller passes: the
//! verifier checks the caller's buffer only when the next parameter is its
//! size in bytes (the kernel's `PARAM__sz` convention, which the module
//! backend spells), so a pointer parameter not followed by an integer one
//! is an error. Reports only; changes nothing.

use crate::ir::{self, visit, Builtin, Callee, ExprKind, Target, Type};

use super::{errors, Checker};
use crate::codegen::kmod::KERNEL_MACROS;
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// Whether module code may return a value of type `ty`.
fn supported(ty: &Type) -> bool {
    matches!(ty, Type::Int(_) | Type::Bool | Type::Char | Type::Error)
}

/// Whether module code may hold a value of type `ty`: a scalar, or a
/// pointer to one (memory a kfunc's caller passed).
fn supported_value(ty: &Type) -> bool {
    match ty {
        Type::Pointer(inner) => supported(inner) && **inner != Type::Error,
        _ => supported(ty),
    }
}

impl Checker<'_> {
    /// One error per function, at the first thing the module backend
    /// cannot compile (the rest would repeat it).
    pub(crate) fn check_kernel_module_code(&mut self) {
        let mut reports = Vec::new();
        for function in &self.program.functions {
            if function.kind.target() != Target::KernelModule
                // Arrays are refused as return types already.
                || matches!(function.ret, Type::Array(..))
            {
                continue;
            }
            if let Some(report) = self.first_unsupported(function) {
                reports.push(report);
            }
        }
        for report in reports {
            self.report(report);
        }
    }

    /// Why module code cannot hold a value of type `ty` (at `span`), if
    /// it cannot: scalars, pointers to them and objects of structs of
    /// scalar fields are fine.
    fn module_value_problem(&self, ty: &Type, span: Span) -> Option<Diagnostic> {
        if supported_value(ty) {
            return None;
        }
        if let Some(id) = self.module_object(ty) {
            let def = self.program.struct_def(id);
            for field in &def.fields {
                if !supported(&field.ty) || field.ty == Type::Error {
                    let ty = self.type_name(&field.ty);
                    return Some(errors::module_object_field(span, &def.name, &ty));
                }
                if KERNEL_MACROS.contains(&field.name.as_str()) {
                    return Some(errors::module_field_is_kernel_macro(span, &field.name));
                }
            }
            return None;
        }
        Some(errors::unsupported(
            span,
            &format!(
                "a value of type `{}` in kernel module functions",
                self.type_name(ty)
            ),
        ))
    }

    /// The struct of `ty` when it is a pointer to a struct `new` allocates.
    fn module_object(&self, ty: &Type) -> Option<ir::StructId> {
        match ty {
            Type::Pointer(inner) => match inner.as_ref() {
                Type::Struct(id) if self.is_object_pointer(ty) => Some(*id),
                _ => None,
            },
            _ => None,
        }
    }

    fn first_unsupported(&self, function: &ir::Function) -> Option<Diagnostic> {
        if function.kind == ir::FunctionKind::Kfunc && self.module_object(&function.ret).is_some() {
            let ty = self.type_name(&function.ret);
            return Some(errors::kfunc_returns_object(function.span, &ty));
        }
        if function.ret != Type::Void && !supported(&function.ret) {
            let what = format!(
                "returning `{}` from kernel module functions",
                self.type_name(&function.ret)
            );
            return Some(errors::unsupported(function.span, &what));
        }
        if function.kind == ir::FunctionKind::Kfunc {
            for param in &function.params {
                let local = function.local(*param);
                if self.module_object(&local.ty).is_some() {
                    let ty = self.type_name(&local.ty);
                    return Some(errors::kfunc_object_parameter(local.span, &ty));
                }
            }
        }
        // String literals are values only as `print` arguments.
        let mut print_args = std::collections::BTreeSet::new();
        visit::walk_block_exprs(&function.body, &mut |expr| {
            if let ExprKind::Call {
                callee: Callee::Builtin(Builtin::Print),
                args,
            } = &expr.kind
            {
                print_args.extend(args.iter().map(|arg| arg as *const ir::Expr as usize));
            }
        });
        let mut first: Option<Diagnostic> = None;
        visit::walk_block_exprs(&function.body, &mut |expr| {
            if first.is_some() {
                return;
            }
            first = match &expr.kind {
                ExprKind::Call { callee, .. } => match callee {
                    // Reported by the call rules already.
                    Callee::Function(_) | Callee::BpfHelper(_) | Callee::Extern(_) => None,
                    Callee::Builtin(Builtin::Print | Builtin::Delete) => None,
                    Callee::Builtin(Builtin::New(_)) => {
                        self.module_value_problem(&expr.ty, expr.span)
                    }
                    _ => Some(errors::unsupported(
                        expr.span,
                        "this call in kernel module functions",
                    )),
                },
                ExprKind::Str(_) if print_args.contains(&(expr as *const ir::Expr as usize)) => {
                    None
                }
                ExprKind::Const(id) if self.program.const_def(*id).origin != ir::Origin::Source => {
                    Some(errors::unsupported(
                        expr.span,
                        "a kernel constant in kernel module functions",
                    ))
                }
                _ if expr.ty != Type::Void => self.module_value_problem(&expr.ty, expr.span),
                _ => None,
            };
        });
        if first.is_some() {
            return first;
        }
        if let Some(span) = escaping_throw(&function.body, &mut Vec::new()) {
            return Some(errors::unsupported(
                span,
                "a `throw` that can leave a kernel module function",
            ));
        }
        if let Some(problem) = function
            .locals
            .iter()
            .find_map(|local| self.module_value_problem(&local.ty, local.span))
        {
            return Some(problem);
        }
        if function.kind != ir::FunctionKind::Kfunc {
            return None;
        }
        // Each pointer parameter of a kfunc: its size next.
        function
            .params
            .iter()
            .enumerate()
            .find_map(|(index, param)| {
                let local = function.local(*param);
                if !local.ty.is_pointer() {
                    return None;
                }
                let sized = function
                    .params
                    .get(index + 1)
                    .is_some_and(|next| function.local(*next).ty.is_integer());
                (!sized).then(|| errors::kfunc_pointer_without_size(local.span, &local.name))
            })
    }
}

/// The first `throw` of `block` that no enclosing `try` (`catches`, the
/// innermost last) is sure to catch: a `catch _`, or a catch of the thrown
/// literal code.
fn escaping_throw<'b>(
    block: &'b ir::Block,
    catches: &mut Vec<&'b [ir::Catch]>,
) -> Option<crate::span::Span> {
    for stmt in &block.stmts {
        match &stmt.kind {
            ir::StmtKind::Throw(code) => {
                let literal = match code.kind {
                    ExprKind::Int(value, _) => Some(value as i128),
                    _ => None,
                };
                let caught = catches.iter().any(|list| {
                    list.iter().any(|catch| {
                        catch.code.is_none() || (literal.is_some() && catch.code == literal)
                    })
                });
                if !caught {
                    return Some(stmt.span);
                }
            }
            ir::StmtKind::Try { body, catches: own } => {
                catches.push(own);
                let found = escaping_throw(body, catches);
                catches.pop();
                if found.is_some() {
                    return found;
                }
                for catch in own {
                    if let Some(span) = escaping_throw(&catch.body, catches) {
                        return Some(span);
                    }
                }
            }
            _ => {
                for child in visit::child_blocks(stmt) {
                    if let Some(span) = escaping_throw(child, catches) {
                        return Some(span);
                    }
                }
            }
        }
    }
    None
}
