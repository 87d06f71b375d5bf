//! Calls into imported Python modules: `net.get_default_mtu()`.
//!
//! Decisions (docs/language.md §3, Python modules):
//! * Python runs in the userspace program only.
//! * The function must be a top-level `def` of the module; the number of
//!   arguments must fit its parameters (defaults count as optional,
//!   `*args` takes any number more).
//! * Arguments cross as Python objects: integers and enums as `int`,
//!   `bool` as `bool`, `char` and `str(N)` as `str`, `u8[N]` as `bytes`.
//! * The result takes the type the context expects (`var x: u32 = ...`,
//!   an `if` condition, an argument), converted and range-checked at run
//!   time; without one it follows the `def`'s return annotation (`-> bool`
//!   is `bool`, `-> None` nothing), else it is an `i64`. A `str`/`bytes`
//!   result needs a context that gives its size. A call whose value is not
//!   used takes any result.

use crate::ir::{self, Callee, ExprKind, IntType, ModuleId, Target, Type};
use crate::span::Span;
use crate::syntax::ast;

use super::env::did_you_mean;
use super::exprs::{error_expr, node, Position};
use super::python::PyType;
use super::{errors, Checker};

impl Checker<'_> {
    pub(crate) fn python_call(
        &mut self,
        module: ModuleId,
        function: &ast::Ident,
        args: &[ast::Expr],
        expected: Option<&Type>,
        position: Position,
        span: Span,
    ) -> ir::Expr {
        let module_name = self.program.module(module).name.clone();
        if self.fx.target() != Some(Target::Userspace) {
            let here = self.fx.name.clone();
            self.report(errors::python_outside_userspace(span, &module_name, &here));
            self.skip_args(args);
            return error_expr(span);
        }
        let functions = &self.python_functions[module.index()];
        let Some(def) = functions
            .iter()
            .find(|def| def.name == function.name)
            .cloned()
        else {
            let suggestion = did_you_mean(
                &function.name,
                functions.iter().map(|def| def.name.as_str()),
            );
            self.report(errors::no_python_function(
                function.span,
                &module_name,
                &function.name,
                suggestion,
            ));
            self.skip_args(args);
            return error_expr(span);
        };
        let written = format!("{module_name}.{}", function.name);
        if args.len() < def.required || def.max.is_some_and(|max| args.len() > max) {
            self.report(errors::python_arg_count(
                span,
                &written,
                def.required,
                def.max,
                args.len(),
            ));
            self.skip_args(args);
            return error_expr(span);
        }
        let mut lowered = Vec::with_capacity(args.len());
        for arg in args {
            let value = self.expr(arg, None);
            if !crosses_to_python(&value.ty) {
                let type_name = self.type_name(&value.ty);
                self.report(errors::python_arg_type(arg.span, &type_name));
                lowered.push(error_expr(arg.span));
                continue;
            }
            lowered.push(value);
        }
        let Some(result) = self.python_result(def.returns, expected, position, span) else {
            return error_expr(span);
        };
        if lowered.iter().any(|arg| arg.ty == Type::Error) {
            return error_expr(span);
        }
        node(
            ExprKind::Call {
                callee: Callee::Python {
                    module,
                    function: function.name.clone(),
                },
                args: lowered,
            },
            result,
            span,
        )
    }

    /// The type of a Python call's result, or `None` after a report.
    fn python_result(
        &mut self,
        annotation: Option<PyType>,
        expected: Option<&Type>,
        position: Position,
        span: Span,
    ) -> Option<Type> {
        if position == Position::Statement {
            return Some(Type::Void);
        }
        match expected {
            Some(ty) if crosses_from_python(ty) => return Some(ty.clone()),
            Some(Type::Error) => return None,
            Some(ty) if !matches!(ty, Type::Void) => {
                let type_name = self.type_name(ty);
                self.report(errors::python_result_type(span, &type_name));
                return None;
            }
            _ => {}
        }
        match annotation {
            Some(PyType::Bool) => Some(Type::Bool),
            Some(PyType::None) => Some(Type::Void),
            Some(PyType::Str) => {
                self.report(errors::python_result_needs_type(span, "str"));
                None
            }
            Some(PyType::Bytes) => {
                self.report(errors::python_result_needs_type(span, "bytes"));
                None
            }
            Some(PyType::Int) | None => Some(Type::Int(IntType::I64)),
        }
    }
}

/// Whether a value of type `ty` can be passed to Python.
fn crosses_to_python(ty: &Type) -> bool {
    match ty {
        Type::Int(_) | Type::Enum(_) | Type::Bool | Type::Char | Type::Str(_) | Type::Error => true,
        Type::Array(element, _) => **element == Type::Int(IntType::U8),
        _ => false,
    }
}

/// Whether a Python result can become a value of type `ty`.
fn crosses_from_python(ty: &Type) -> bool {
    match ty {
        Type::Int(_) | Type::Enum(_) | Type::Bool | Type::Str(_) => true,
        Type::Array(element, _) => **element == Type::Int(IntType::U8),
        _ => false,
    }
}
