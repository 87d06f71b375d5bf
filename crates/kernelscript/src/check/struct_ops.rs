//! `@struct_ops("TYPE") impl NAME { ... }` against the kernel's BTF: the
//! type must be one the kernel registers as a struct_ops type (a `struct
//! bpf_struct_ops_TYPE` wrapping `struct TYPE`: `tcp_congestion_ops`, and
//! any other in the kernel's BTF), each method a function-pointer member
//! whose prototype the method's signature matches (parameter names may
//! differ, types must match, fewer trailing parameters are allowed), each
//! field a data member. `functions.rs` walks the impl block; this file
//! knows the kernel side.

use btf::TypeId;

use crate::ir::{FunctionId, StructId, Type};
use crate::span::Span;
use crate::syntax::ast;

use super::{errors, Checker};

impl Checker<'_> {
    /// The kernel struct of struct_ops type `name`, imported; reports an
    /// unknown type (with the kernel's close matches) at `span`.
    pub(crate) fn struct_ops_struct(&mut self, name: &str, span: Span) -> Option<StructId> {
        let btf = self.kernel.btf;
        let Some(ops) = btf.struct_ops_type(name) else {
            let known: Vec<String> = btf
                .struct_ops_types()
                .iter()
                .map(|ops| ops.name.to_string())
                .collect();
            let close: Vec<String> = btf::closest_names(name, known.iter().map(String::as_str))
                .into_iter()
                .map(str::to_string)
                .collect();
            self.report(errors::unknown_struct_ops_type(span, name, &close, &known));
            return None;
        };
        match self.import_btf_type(ops.type_id, true) {
            Type::Struct(id) => Some(id),
            _ => None,
        }
    }

    /// The prototype of method member `member` of struct_ops type
    /// `ops_type`: parameter types and return type, or `None` for a data
    /// member (or an unknown one).
    fn struct_ops_prototype(&self, ops_type: &str, member: &str) -> Option<(Vec<TypeId>, TypeId)> {
        let btf = self.kernel.btf;
        let ops = btf.struct_ops_type(ops_type)?;
        // Not `struct_ops_members`: the parameter names it also finds cost
        // a pass over every kernel function.
        let found = btf
            .flattened_members(ops.type_id)
            .ok()?
            .into_iter()
            .find(|candidate| candidate.member.name == member)?;
        if !btf.is_function_pointer(found.member.type_id) {
            return None;
        }
        let prototype = btf.function_prototype(found.member.type_id).ok()?;
        Some((
            prototype
                .parameters()
                .map(|parameter| parameter.type_id)
                .collect(),
            prototype.return_type,
        ))
    }

    /// Checks method `method` of an impl of `ops_type` against the kernel
    /// member's prototype.
    pub(crate) fn check_struct_ops_method(
        &mut self,
        ops_type: &str,
        decl: &ast::FunctionDecl,
        method: FunctionId,
    ) {
        let name = &decl.name.name;
        let Some((params, ret)) = self.struct_ops_prototype(ops_type, name) else {
            self.report(errors::struct_ops_data_member_as_method(
                decl.name.span,
                ops_type,
                name,
            ));
            return;
        };
        let expected = self.kernel_signature_text(&params, ret);
        let function = self.program.function(method).clone();
        if function.params.len() > params.len() {
            let extra = &decl.params[params.len()];
            self.report(errors::struct_ops_method_mismatch(
                extra.name.span,
                ops_type,
                name,
                &format!(
                    "the kernel passes {} arguments, this takes {}",
                    params.len(),
                    function.params.len()
                ),
                &expected,
            ));
            return;
        }
        for (index, (local, kernel_type)) in function.params.iter().zip(&params).enumerate() {
            let declared = function.local(*local).ty.clone();
            let kernel = self.import_btf_type(*kernel_type, false);
            if !self.types_compatible(&declared, &kernel) {
                let found = self.type_name(&declared);
                let wanted = self.type_name(&kernel);
                self.report(errors::struct_ops_method_mismatch(
                    decl.params[index].ty.span,
                    ops_type,
                    name,
                    &format!(
                        "parameter {} is `{wanted}` in the kernel, not `{found}`",
                        index + 1
                    ),
                    &expected,
                ));
                return;
            }
        }
        let kernel_ret = self.import_btf_type(ret, false);
        if !self.types_compatible(&function.ret, &kernel_ret) {
            let found = self.type_name(&function.ret);
            let wanted = self.type_name(&kernel_ret);
            let span = decl.ret.as_ref().map_or(decl.name.span, |ret| ret.ty.span);
            self.report(errors::struct_ops_method_mismatch(
                span,
                ops_type,
                name,
                &format!("the kernel expects `{wanted}` back, not `{found}`"),
                &expected,
            ));
        }
    }

    /// A `name: value` member of an impl: it must be a data member, not a
    /// method (reported; returns false). Unknown names are reported with the
    /// value's type check.
    pub(crate) fn check_struct_ops_data_member(
        &mut self,
        ops_type: &str,
        id: StructId,
        name: &ast::Ident,
    ) -> bool {
        if self
            .program
            .struct_def(id)
            .field_index(&name.name)
            .is_none()
        {
            return true;
        }
        if self.struct_ops_prototype(ops_type, &name.name).is_some() {
            self.report(errors::struct_ops_method_as_data(
                name.span, ops_type, &name.name,
            ));
            return false;
        }
        true
    }

    /// `fn(*sock, u32) -> u32`, a kernel prototype in KernelScript types.
    pub(crate) fn kernel_signature_text(&mut self, params: &[TypeId], ret: TypeId) -> String {
        let params: Vec<String> = params
            .iter()
            .map(|param| {
                let ty = self.import_btf_type(*param, false);
                self.type_name(&ty)
            })
            .collect();
        let ret = self.import_btf_type(ret, false);
        let ret = if ret == Type::Void {
            String::new()
        } else {
            format!(" -> {}", self.type_name(&ret))
        };
        format!("fn({}){ret}", params.join(", "))
    }
}
