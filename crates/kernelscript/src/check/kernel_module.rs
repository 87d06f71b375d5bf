//! What the kernel module backend (`codegen/kmod/`) compiles of `@kfunc`
//! and `@private` bodies, checked after the bodies themselves: integer,
//! `bool` and `char` values, calls of the program's own kernel module
//! functions and `print`. Anything else in module code (strings, structs,
//! pointers, kernel or BPF helper calls) is a located "not supported yet"
//! error, so accepted input always builds. Reports only; changes nothing.

use crate::ir::{self, visit, Builtin, Callee, ExprKind, Target, Type};

use super::{errors, Checker};

/// Whether module code may hold a value of type `ty`.
fn supported(ty: &Type) -> bool {
    matches!(ty, Type::Int(_) | Type::Bool | Type::Char | Type::Error)
}

impl Checker<'_> {
    pub(crate) fn check_kernel_module_code(&mut self) {
        let mut reports = Vec::new();
        for function in &self.program.functions {
            if function.kind.target() != Target::KernelModule {
                continue;
            }
            if function.ret != Type::Void && !supported(&function.ret) {
                let what = format!(
                    "returning `{}` from kernel module functions",
                    self.type_name(&function.ret)
                );
                reports.push(errors::unsupported(function.span, &what));
            }
            for local in &function.locals {
                if !supported(&local.ty) {
                    let what = format!(
                        "a value of type `{}` in kernel module functions",
                        self.type_name(&local.ty)
                    );
                    reports.push(errors::unsupported(local.span, &what));
                }
            }
            visit::walk_block_exprs(&function.body, &mut |expr| {
                let print_format = |args: &[ir::Expr]| args.iter().all(|arg| arg.ty != Type::Error);
                match &expr.kind {
                    ExprKind::Call { callee, args } => match callee {
                        Callee::Function(_) => {}
                        Callee::Builtin(Builtin::Print) if print_format(args) => {}
                        _ => reports.push(errors::unsupported(
                            expr.span,
                            "calling anything but the program's own `@kfunc`/`@private` functions and `print` in kernel module functions",
                        )),
                    },
                    ExprKind::Str(_) => {}
                    _ if expr.ty != Type::Void && !supported(&expr.ty) => {
                        let what = format!(
                            "a value of type `{}` in kernel module functions",
                            self.type_name(&expr.ty)
                        );
                        reports.push(errors::unsupported(expr.span, &what));
                    }
                    _ => {}
                }
            });
        }
        for report in reports {
            self.report(report);
        }
    }
}
