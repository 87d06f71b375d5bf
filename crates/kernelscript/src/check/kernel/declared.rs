//! Source declarations of names the kernel defines, and `extern`s.
//!
//! The kernel's types reach the generated C from BTF, so a source
//! `struct`/`enum` of a name the kernel's BTF defines (BTF-generated `.kh`
//! headers repeat `xdp_md`, `trace_event_raw_sys_enter`; users port
//! programs that declare `struct filename`) is never a second definition:
//! it is a *view* of the kernel's type, which it names from then on. A
//! struct view may name any of the kernel's fields, in any order, and omit
//! the rest; the layout and the field types are the kernel's. A field the
//! kernel's struct lacks is a located error (with the closest name); one
//! declared with a type that does not describe the kernel's
//! (`types_compatible`, same size) is a warning suggesting the kernel's
//! type, which is the one used. An enum view names some of the kernel's
//! enumerators with their values.
//!
//! `extern NAME(...)`: a BPF helper's name is an error (helpers are called
//! without declaring them); so is a kernel type's or enumerator's. A
//! kernel function in BTF must be a kfunc (when the kernel says which are:
//! `bpf_kfunc` tags or `.BTF_ids`) and be declared with its prototype; a
//! name BTF does not have (a module's kfunc) is taken as declared.

use btf::{TypeId, TypeKind};

use crate::ir::{IntType, Type};
use crate::syntax::ast;

use super::super::env::{did_you_mean, Symbol};
use super::super::{errors, Checker};

impl<'a> Checker<'a> {
    /// Makes the source declaration `item` of a kernel tag (`struct
    /// filename`, `enum xdp_action`) name the kernel's type from now on,
    /// and keeps it to be compared with BTF once types are resolved.
    pub(crate) fn declare_kernel_tag(&mut self, item: &'a ast::Item, name: &str) {
        if self.env.symbol(name, item.span).is_none() {
            if let Some(id) = self.kernel.tag_named(name) {
                let symbol = match self.import_btf_type(id, true) {
                    Type::Struct(id) => Some(Symbol::Struct(id)),
                    Type::Enum(id) => Some(Symbol::Enum(id)),
                    _ => None,
                };
                if let Some(symbol) = symbol {
                    let _ = self.env.define(name, symbol, None);
                }
            }
        }
        self.kernel_declarations.push(item);
    }

    /// Checks the source declarations of kernel types collected by
    /// `collect_items` against BTF.
    pub(crate) fn check_kernel_declarations(&mut self) {
        for item in std::mem::take(&mut self.kernel_declarations) {
            match &item.kind {
                ast::ItemKind::Struct(decl) => self.check_declared_struct(decl),
                ast::ItemKind::Enum(decl) => self.check_declared_enum(decl),
                _ => {}
            }
        }
    }

    /// Checks a view of kernel struct: each field it names must be one of
    /// the kernel's (a located error with the closest name otherwise); a
    /// field whose type does not describe the kernel's is a warning, since
    /// the kernel's type is what reads and writes use.
    fn check_declared_struct(&mut self, decl: &ast::StructDecl) {
        let name = &decl.name.name;
        let Some(Symbol::Struct(id)) = self.global_symbol(name, decl.name.span) else {
            let kind = self.kernel_kind_of(name);
            self.report(errors::kernel_name_redeclared(decl.name.span, name, kind));
            return;
        };
        self.complete_kernel_struct(id);
        let kernel_fields = self.program.struct_def(id).fields.clone();
        for field in &decl.fields {
            let ty = self.resolve_value_type(&field.ty, "struct fields");
            let Some(kernel_field) = kernel_fields
                .iter()
                .find(|kernel| kernel.name == field.name.name)
            else {
                let names: Vec<String> = kernel_fields
                    .iter()
                    .map(|kernel| kernel.name.clone())
                    .collect();
                let closest = did_you_mean(&field.name.name, names.iter().map(String::as_str));
                self.report(errors::kernel_struct_no_field(
                    field.name.span,
                    name,
                    &field.name.name,
                    closest.as_deref(),
                    &names,
                ));
                continue;
            };
            // A packet pointer field (`xdp_md.data`) is `*u8` to programs
            // and `__u32` in the kernel: either describes it.
            let packet_pointer = crate::kinds::is_packet_pointer_field(name, &field.name.name)
                && matches!(ty, Type::Int(IntType::U32) | Type::Pointer(_));
            let same = packet_pointer
                || ty.size(&self.program) == kernel_field.ty.size(&self.program)
                    && self.types_compatible(&ty, &kernel_field.ty);
            if ty != Type::Error && !same {
                let declared = self.type_name(&ty);
                let kernel_type = self.type_name(&kernel_field.ty);
                let spellable = self.spellable_type(&kernel_field.ty);
                self.report(errors::kernel_struct_field_type_differs(
                    field.ty.span,
                    name,
                    &field.name.name,
                    &declared,
                    &kernel_type,
                    spellable,
                ));
            }
        }
    }

    /// Whether `type_name(ty)` is source text that names `ty` again: no
    /// anonymous records, no zero-length (flexible) arrays.
    pub(crate) fn spellable_type(&self, ty: &Type) -> bool {
        match ty {
            Type::Pointer(inner) => self.spellable_type(inner),
            Type::Array(element, len) => *len > 0 && self.spellable_type(element),
            Type::Struct(id) => {
                let name = &self.program.struct_def(*id).name;
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            }
            Type::Enum(id) => {
                let name = &self.program.enum_def(*id).name;
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            }
            Type::Error => false,
            _ => true,
        }
    }

    fn check_declared_enum(&mut self, decl: &ast::EnumDecl) {
        let name = &decl.name.name;
        let Some(Symbol::Enum(id)) = self.global_symbol(name, decl.name.span) else {
            let kind = self.kernel_kind_of(name);
            self.report(errors::kernel_name_redeclared(decl.name.span, name, kind));
            return;
        };
        let def = self.program.enum_def(id);
        // As the kernel means them: an unsigned 64-bit value above
        // `i64::MAX` is not negative.
        let kernel_variants: Vec<(String, i128)> = (0..def.variants.len())
            .map(|index| (def.variants[index].name.clone(), def.value(index)))
            .collect();
        let mut next_value: i128 = 0;
        for variant in &decl.variants {
            let value = match &variant.value {
                Some(expr) => self.const_int(expr, None).unwrap_or(next_value),
                None => next_value,
            };
            next_value = value + 1;
            let matching = kernel_variants
                .iter()
                .find(|(kernel, _)| *kernel == variant.name.name);
            match matching {
                Some((_, kernel)) if *kernel == value => {
                    let index = kernel_variants
                        .iter()
                        .position(|(other, _)| *other == variant.name.name)
                        .unwrap_or(0);
                    if self
                        .env
                        .symbol(&variant.name.name, variant.name.span)
                        .is_none()
                    {
                        let _ =
                            self.env
                                .define(&variant.name.name, Symbol::Variant(id, index), None);
                    }
                }
                Some((_, kernel)) => {
                    self.report(errors::kernel_enum_value_differs(
                        variant.name.span,
                        name,
                        &variant.name.name,
                        value,
                        *kernel,
                    ));
                }
                None => {
                    self.report(errors::kernel_enum_extra_variant(
                        variant.name.span,
                        name,
                        &variant.name.name,
                    ));
                }
            }
        }
    }

    /// What the kernel's `name` is, for messages.
    fn kernel_kind_of(&self, name: &str) -> &'static str {
        let btf = self.kernel.btf;
        if btf.find_by_name(TypeKind::Struct, name).is_some() {
            "struct"
        } else if btf.find_by_name(TypeKind::Union, name).is_some() {
            "union"
        } else if btf.find_by_name(TypeKind::Typedef, name).is_some() {
            "typedef"
        } else if btf.find_by_name(TypeKind::Enum, name).is_some()
            || btf.find_by_name(TypeKind::Enum64, name).is_some()
        {
            "enum"
        } else {
            "type"
        }
    }

    /// Whether an `extern` declaration may define its name: not a helper,
    /// kernel type or enumerator (reported here).
    pub(crate) fn extern_allowed(&mut self, decl: &ast::ExternDecl) -> bool {
        let name = &decl.name.name;
        if let Some(helper) = btf::bpf_helper(name) {
            // A declaration of the helper's own shape is redundant (older
            // sources and the reference's headers spell them): calls use
            // the helper's real prototype. Any other shape is an error.
            if same_shape(decl, helper) {
                self.report(errors::redundant_helper_extern(decl.name.span, name));
            } else {
                self.report(errors::extern_of_helper(decl.name.span, name));
            }
            return false;
        }
        // C keeps tags apart from functions: `bpf_res_spin_lock` is both a
        // struct and a kfunc.
        if self.kernel.type_named(name).is_some() && self.kernel.btf.function(name).is_none() {
            let kind = self.kernel_kind_of(name);
            self.report(errors::extern_of_kernel_name(decl.name.span, name, kind));
            return false;
        }
        if self.kernel.btf.enum_constant(name).is_some() {
            self.report(errors::extern_of_kernel_name(
                decl.name.span,
                name,
                "enum constant",
            ));
            return false;
        }
        true
    }

    /// Checks an `extern` whose name is a kernel function against its BTF
    /// prototype (names may differ; types must match).
    pub(crate) fn check_extern_prototype(
        &mut self,
        decl: &ast::ExternDecl,
        params: &[Type],
        ret: &Type,
    ) {
        let btf = self.kernel.btf;
        let Some(function) = btf.function(&decl.name.name) else {
            return;
        };
        if self.kernel.kernel.knows_kfuncs() && !self.kernel.kernel.is_kfunc(function) {
            self.report(errors::extern_not_kfunc(decl.name.span, &decl.name.name));
            return;
        }
        let Ok(prototype) = btf.function_prototype(function) else {
            return;
        };
        let kernel_params: Vec<(String, TypeId)> = prototype
            .parameters()
            .map(|parameter| (parameter.name.to_string(), parameter.type_id))
            .collect();
        let kernel_ret = prototype.return_type;
        let c_prototype = self.kernel_prototype_text(&decl.name.name, function);
        if kernel_params.len() != params.len() {
            self.report(errors::extern_prototype_differs(
                decl.name.span,
                &decl.name.name,
                &format!(
                    "the kernel's takes {} parameters, this declares {}",
                    kernel_params.len(),
                    params.len()
                ),
                &c_prototype,
            ));
            return;
        }
        for (index, ((_, kernel_type), declared)) in kernel_params.iter().zip(params).enumerate() {
            let kernel = self.import_btf_type(*kernel_type, false);
            if *declared != Type::Error && !self.types_compatible(declared, &kernel) {
                let declared_name = self.type_name(declared);
                let kernel_name = self.type_name(&kernel);
                self.report(errors::extern_prototype_differs(
                    decl.params[index].ty.span,
                    &decl.name.name,
                    &format!(
                        "parameter {} is `{kernel_name}`, not `{declared_name}`",
                        index + 1
                    ),
                    &c_prototype,
                ));
                return;
            }
        }
        let kernel = self.import_btf_type(kernel_ret, false);
        if *ret != Type::Error && !self.types_compatible(ret, &kernel) {
            let declared_name = self.type_name(ret);
            let kernel_name = self.type_name(&kernel);
            let span = decl.ret.as_ref().map_or(decl.name.span, |ret| ret.span);
            self.report(errors::extern_prototype_differs(
                span,
                &decl.name.name,
                &format!("it returns `{kernel_name}`, not `{declared_name}`"),
                &c_prototype,
            ));
        }
    }

    /// `int bpf_x(struct task_struct *p, u32 n)`, for notes.
    pub(crate) fn kernel_prototype_text(&self, name: &str, function: TypeId) -> String {
        let btf = self.kernel.btf;
        let Ok(prototype) = btf.function_prototype(function) else {
            return name.to_string();
        };
        let parameters: Vec<String> = prototype
            .parameters()
            .map(|parameter| {
                btf.c_declaration(parameter.type_id, parameter.name)
                    .unwrap_or_else(|_| parameter.name.to_string())
            })
            .collect();
        let parameters = if parameters.is_empty() {
            "void".to_string()
        } else {
            parameters.join(", ")
        };
        btf.c_declaration(prototype.return_type, &format!("{name}({parameters})"))
            .unwrap_or_else(|_| format!("{name}({parameters})"))
    }

    /// Whether a KernelScript type describes a kernel type (both as IR
    /// types): integers of the same width and signedness (a C `char` and
    /// the 8-bit integers describe each other), `bool`, pointers to
    /// compatible types (`*void` matches any pointer, and bytes any byte),
    /// arrays of the same length, the same struct or enum; an enum and an
    /// integer of its size.
    pub(crate) fn types_compatible(&self, declared: &Type, kernel: &Type) -> bool {
        let byte_like = |ty: &Type| {
            matches!(
                ty,
                Type::Char | Type::Int(IntType::U8) | Type::Int(IntType::I8)
            )
        };
        match (declared, kernel) {
            (Type::Error, _) | (_, Type::Error) => true,
            _ if byte_like(declared) && byte_like(kernel) => true,
            (Type::Int(left), Type::Int(right)) => left == right,
            (Type::Bool, Type::Bool) | (Type::Void, Type::Void) => true,
            (Type::Pointer(left), Type::Pointer(right)) => {
                **left == Type::Void || **right == Type::Void || self.types_compatible(left, right)
            }
            (Type::Array(left, left_len), Type::Array(right, right_len)) => {
                left_len == right_len && self.types_compatible(left, right)
            }
            (Type::Str(len), Type::Array(element, kernel_len)) => {
                len == kernel_len && byte_like(element)
            }
            (Type::Struct(left), Type::Struct(right)) => {
                left == right
                    || self.program.struct_def(*left).name == self.program.struct_def(*right).name
            }
            (Type::Enum(left), Type::Enum(right)) => {
                left == right
                    || self.program.enum_def(*left).name == self.program.enum_def(*right).name
            }
            (Type::Int(_), Type::Enum(_)) | (Type::Enum(_), Type::Int(_)) => {
                declared.size(&self.program) == kernel.size(&self.program)
            }
            _ => false,
        }
    }
}

/// Whether `decl` has the shape of `helper`'s prototype: as many
/// parameters (at least as many for a variadic helper), each a pointer
/// exactly where the helper's is, and a result that is a pointer, an
/// integer or nothing where the helper's is.
fn same_shape(decl: &ast::ExternDecl, helper: &btf::BpfHelper) -> bool {
    let fixed = helper.parameters.len();
    let count_fits = if helper.is_variadic {
        decl.params.len() >= fixed
    } else {
        decl.params.len() == fixed
    };
    let is_pointer = |ty: &ast::TypeExpr| matches!(ty.kind, ast::TypeExprKind::Pointer(_));
    let params_fit = decl
        .params
        .iter()
        .zip(&helper.parameters)
        .all(|(param, expected)| is_pointer(&param.ty) == expected.c_type.is_pointer());
    let ret_fits = match (&decl.ret, &helper.return_type) {
        (None, btf::HelperType::Void) => true,
        (None, _) | (Some(_), btf::HelperType::Void) => false,
        (Some(ret), expected) => is_pointer(ret) == expected.is_pointer(),
    };
    count_fits && params_fit && ret_fits
}
