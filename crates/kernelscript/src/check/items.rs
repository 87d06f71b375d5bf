//! Declarations: collecting every top-level name, then resolving types,
//! globals, configs and externs. Maps are in `maps.rs`, functions in
//! `functions.rs`.
//!
//! Decisions:
//! * One namespace for all files; a second definition of a name is an
//!   error pointing at the first. Enum variants are global names (C style).
//! * A `struct`/`enum` declaration of a kernel-known type (`xdp_md`,
//!   `xdp_action`, as BTF-generated headers contain) is accepted and the
//!   kernel table's definition kept; so is an `extern` of a BPF helper.
//! * A struct may not contain itself by value (directly or through other
//!   structs or arrays).
//! * Global initialisers and config defaults must be constant. `pin local
//!   var` is an error (local globals are never visible outside the kernel),
//!   and globals cannot hold pointers, functions or program handles, which
//!   mean nothing on the other side.

use crate::ir::{
    self, ConfigDef, ConfigFieldDef, ConfigId, ConstDef, ConstId, EnumDef, EnumId, EnumVariantDef,
    ExternDef, ExternId, FieldDef, Function, FunctionId, FunctionKind, GlobalDef, GlobalId, MapDef,
    MapId, MapKind, Origin, Radix, StructDef, StructId, Type,
};
use crate::span::Span;
use crate::syntax::ast;

use super::calls::BUILTINS;
use super::env::{AliasId, ImplId, Symbol, PRIMITIVE_NAMES};
use super::kernel::uapi::UAPI_CONSTS;
use super::maps::is_map_type;
use super::{errors, AliasSlot, Checker, ConstSlot, FnFacts, FnSource, ImplSlot, Resolution};

impl<'a> Checker<'a> {
    pub(crate) fn define_kernel_items(&mut self) {
        for name in PRIMITIVE_NAMES {
            let _ = self.env.define(name, Symbol::Primitive, None);
        }
        // UAPI macros (BTF has every other kernel name, imported on use).
        for constant in UAPI_CONSTS {
            let id = ConstId(self.program.consts.len() as u32);
            self.program.consts.push(ConstDef {
                name: constant.name.to_string(),
                ty: Type::Int(constant.ty),
                value: constant.value,
                radix: Radix::Decimal,
                origin: Origin::Kernel,
                span: Span::default(),
            });
            self.const_slots.push(ConstSlot {
                decl: None,
                state: Resolution::Done(()),
            });
            let _ = self.env.define(constant.name, Symbol::Const(id), None);
        }
    }

    pub(crate) fn define_builtins(&mut self) {
        for (name, builtin) in BUILTINS {
            let _ = self.env.define(name, Symbol::Builtin(*builtin), None);
        }
        for (name, function) in crate::ir::LIBRARY {
            let _ = self.env.define(
                name,
                Symbol::Builtin(crate::ir::Builtin::Library(*function)),
                None,
            );
        }
        self.define_perf_items();
    }

    /// Defines a user name; reports a duplicate (and returns false). A
    /// user definition hides a language builtin of the same name.
    pub(crate) fn define(&mut self, name: &ast::Ident, symbol: Symbol) -> bool {
        if self.env.symbol(&name.name, name.span).is_none()
            && self.is_reserved_kernel_name(&name.name)
        {
            // Imported now, so the definition below reports the clash.
            let _ = self.kernel_symbol(&name.name);
        }
        match self.env.define(&name.name, symbol, Some(name.span)) {
            Ok(()) => true,
            Err(existing)
                if matches!(existing.symbol, Symbol::Builtin(_))
                    || (existing.span.is_none() && Self::is_perf_name(&name.name)) =>
            {
                self.env.redefine(&name.name, symbol, name.span);
                true
            }
            Err(existing) => {
                let diagnostic = match existing.span {
                    Some(first) => errors::duplicate_definition(name.span, &name.name, first),
                    None => {
                        errors::reserved_name(name.span, &name.name, existing.symbol.describe())
                    }
                };
                self.report(diagnostic);
                false
            }
        }
    }

    pub(crate) fn collect_items(&mut self) {
        let files = self.files.clone();
        for file in files {
            for item in &file.ast.items {
                if self.allowed_in_file(item) {
                    self.collect_item(item);
                }
            }
        }
    }

    fn collect_item(&mut self, item: &'a ast::Item) {
        match &item.kind {
            ast::ItemKind::Error => {}
            ast::ItemKind::Include { path } => self.check_include(path),
            ast::ItemKind::Import { name, path } => self.check_import(item, name, path),
            ast::ItemKind::Config(decl) => {
                let id = ConfigId(self.program.configs.len() as u32);
                if self.define(&decl.name, Symbol::Config(id)) {
                    self.program.configs.push(ConfigDef {
                        name: decl.name.name.clone(),
                        fields: Vec::new(),
                        span: decl.name.span,
                    });
                    self.config_decls.push(decl);
                }
            }
            ast::ItemKind::GlobalVar(decl) if is_map_type(&decl.ty) => {
                let id = MapId(self.program.maps.len() as u32);
                if self.define(&decl.name, Symbol::Map(id)) {
                    self.program.maps.push(MapDef {
                        name: decl.name.name.clone(),
                        kind: MapKind::Hash,
                        key: Type::Error,
                        value: Type::Error,
                        max_entries: 1,
                        flags: Vec::new(),
                        pinned: decl.pin,
                        span: decl.name.span,
                    });
                    self.map_decls.push(decl);
                }
            }
            ast::ItemKind::GlobalVar(decl) => {
                let id = GlobalId(self.program.globals.len() as u32);
                if self.define(&decl.name, Symbol::Global(id)) {
                    self.program.globals.push(GlobalDef {
                        name: decl.name.name.clone(),
                        ty: Type::Error,
                        init: None,
                        pinned: decl.pin,
                        local: decl.local,
                        span: decl.name.span,
                    });
                    self.global_decls.push(decl);
                }
            }
            ast::ItemKind::Const(decl) => {
                let id = ConstId(self.program.consts.len() as u32);
                if self.define(&decl.name, Symbol::Const(id)) {
                    self.program.consts.push(ConstDef {
                        name: decl.name.name.clone(),
                        ty: Type::Error,
                        value: 0,
                        radix: Radix::Decimal,
                        origin: Origin::Source,
                        span: decl.name.span,
                    });
                    self.const_slots.push(ConstSlot {
                        decl: Some(decl),
                        state: Resolution::Pending,
                    });
                }
            }
            ast::ItemKind::Struct(decl) => {
                if self.kernel.tag_named(&decl.name.name).is_some() {
                    // The kernel's type, checked against the declaration
                    // (`kernel/declared.rs`).
                    self.declare_kernel_tag(item, &decl.name.name);
                    return;
                }
                let id = StructId(self.program.structs.len() as u32);
                if self.define(&decl.name, Symbol::Struct(id)) {
                    self.program.structs.push(StructDef {
                        name: decl.name.name.clone(),
                        fields: Vec::new(),
                        origin: Origin::Source,
                        struct_ops: None,
                        kernel: None,
                        span: decl.name.span,
                    });
                    self.struct_decls.push(Some(decl));
                }
            }
            ast::ItemKind::Enum(decl) => {
                if self.kernel.tag_named(&decl.name.name).is_some() {
                    self.declare_kernel_tag(item, &decl.name.name);
                    return;
                }
                let id = EnumId(self.program.enums.len() as u32);
                if self.define(&decl.name, Symbol::Enum(id)) {
                    let mut variants = Vec::new();
                    for variant in &decl.variants {
                        if self.define(&variant.name, Symbol::Variant(id, variants.len())) {
                            variants.push(EnumVariantDef {
                                name: variant.name.name.clone(),
                                value: 0,
                            });
                        }
                    }
                    self.program.enums.push(EnumDef {
                        name: decl.name.name.clone(),
                        variants,
                        origin: Origin::Source,
                        kernel: None,
                        span: decl.name.span,
                    });
                    self.enum_decls.push(Some(decl));
                }
            }
            ast::ItemKind::TypeAlias { name, ty } => {
                let id = AliasId(self.aliases.len());
                if self.define(name, Symbol::Alias(id)) {
                    self.aliases.push(AliasSlot {
                        name: name.name.clone(),
                        target: Some(ty),
                        state: Resolution::Pending,
                    });
                }
            }
            ast::ItemKind::Function(decl) => {
                let id = FunctionId(self.program.functions.len() as u32);
                if self.define(&decl.name, Symbol::Function(id)) {
                    self.push_function(decl, None);
                }
            }
            ast::ItemKind::Extern(decl) => {
                if !self.extern_allowed(decl) {
                    return;
                }
                let id = ExternId(self.program.externs.len() as u32);
                if self.define(&decl.name, Symbol::Extern(id)) {
                    self.program.externs.push(ExternDef {
                        name: decl.name.name.clone(),
                        params: Vec::new(),
                        ret: Type::Void,
                        span: decl.name.span,
                    });
                    self.extern_decls.push(decl);
                }
            }
            ast::ItemKind::Impl(decl) => {
                let id = ImplId(self.impls.len());
                if !self.define(&decl.name, Symbol::Impl(id)) {
                    return;
                }
                let mut methods: Vec<(String, FunctionId)> = Vec::new();
                for member in &decl.members {
                    if let ast::ImplMember::Function(function) = member {
                        if let Some((_, first)) =
                            methods.iter().find(|(name, _)| *name == function.name.name)
                        {
                            let first_span = self.program.function(*first).span;
                            self.report(errors::duplicate_definition(
                                function.name.span,
                                &function.name.name,
                                first_span,
                            ));
                            continue;
                        }
                        let function_id =
                            self.push_function(function, Some(decl.name.name.clone()));
                        methods.push((function.name.name.clone(), function_id));
                    }
                }
                self.program.struct_ops.push(ir::StructOpsDef {
                    name: decl.name.name.clone(),
                    ops_type: String::new(),
                    methods: methods.clone(),
                    fields: Vec::new(),
                    span: decl.name.span,
                });
                self.impls.push(ImplSlot {
                    decl,
                    ops_type: None,
                    methods,
                });
            }
        }
    }

    fn push_function(
        &mut self,
        decl: &'a ast::FunctionDecl,
        impl_name: Option<String>,
    ) -> FunctionId {
        let id = FunctionId(self.program.functions.len() as u32);
        self.program.functions.push(Function {
            name: decl.name.name.clone(),
            kind: FunctionKind::Userspace,
            params: Vec::new(),
            ret: Type::Void,
            named_return: None,
            throws: false,
            locals: Vec::new(),
            body: ir::Block::default(),
            span: decl.name.span,
        });
        self.fn_sources.push(FnSource { decl, impl_name });
        self.fn_facts.push(FnFacts::default());
        id
    }

    pub(crate) fn resolve_types(&mut self) {
        for index in 0..self.aliases.len() {
            if let Some(target) = self.aliases[index].target {
                self.resolve_alias(AliasId(index), target.span);
            }
        }
        self.sizing_deferred = true;
        for index in 0..self.struct_decls.len() {
            if let Some(decl) = self.struct_decls[index] {
                self.resolve_struct(StructId(index as u32), decl);
            }
        }
        for index in 0..self.program.structs.len() {
            self.check_struct_recursion(StructId(index as u32));
        }
        self.sizing_deferred = false;
        // A variable-size struct held by value in another struct (known
        // only now that every struct's fields are).
        for index in 0..self.struct_decls.len() {
            let Some(decl) = self.struct_decls[index] else {
                continue;
            };
            for field in &decl.fields {
                let id = StructId(index as u32);
                let Some(position) = self
                    .program
                    .struct_def(id)
                    .fields
                    .iter()
                    .position(|f| f.name == field.name.name)
                else {
                    continue;
                };
                let ty = self.program.struct_def(id).fields[position].ty.clone();
                if self.variable_size_struct(&ty).is_some() {
                    let checked = self.reject_variable_size(ty, field.ty.span);
                    self.program.structs[index].fields[position].ty = checked;
                }
            }
        }
        for index in 0..self.struct_decls.len() {
            if let Some(decl) = self.struct_decls[index] {
                // Reported here; its uses as a value type report again,
                // each at its own place.
                self.limit_size(Type::Struct(StructId(index as u32)), decl.name.span);
            }
        }
        for index in 0..self.enum_decls.len() {
            if let Some(decl) = self.enum_decls[index] {
                self.resolve_enum(EnumId(index as u32), decl);
            }
        }
    }

    fn resolve_struct(&mut self, id: StructId, decl: &ast::StructDecl) {
        let mut fields: Vec<FieldDef> = Vec::with_capacity(decl.fields.len());
        let mut spans: Vec<Span> = Vec::with_capacity(decl.fields.len());
        for (position, field) in decl.fields.iter().enumerate() {
            let last = position + 1 == decl.fields.len();
            let ty = match self.flexible_field_type(&field.ty).filter(|_| last) {
                Some(ty) => ty,
                None => self.resolve_value_type(&field.ty, "struct fields"),
            };
            if self.is_perf_type(&ty) {
                self.report(errors::perf_type_in_shared_state(
                    field.ty.span,
                    &field.name.name,
                ));
            }
            if let Some(index) = fields
                .iter()
                .position(|existing| existing.name == field.name.name)
            {
                self.report(errors::duplicate_field(
                    field.name.span,
                    &field.name.name,
                    spans[index],
                ));
                continue;
            }
            fields.push(FieldDef {
                name: field.name.name.clone(),
                ty,
            });
            spans.push(field.name.span);
        }
        let mut struct_ops = None;
        for attribute in &decl.attributes {
            match attribute.name.name.as_str() {
                "struct_ops" => match self.string_arg(attribute) {
                    // The declaration describes the kernel's type, which the
                    // generated C never defines (the kernel's headers do).
                    Some(name) if name != decl.name.name => {
                        self.report(errors::struct_ops_struct_named_otherwise(
                            attribute.span,
                            &decl.name.name,
                            &name,
                        ))
                    }
                    Some(name) => struct_ops = Some(name),
                    None => self.report(errors::struct_ops_needs_name(attribute.span)),
                },
                other => self.report(errors::unknown_attribute(
                    attribute.name.span,
                    other,
                    &["struct_ops"],
                )),
            }
        }
        let def = &mut self.program.structs[id.index()];
        def.fields = fields;
        def.struct_ops = struct_ops;
    }

    /// Reports a struct that contains itself by value, and breaks the cycle
    /// (the offending field becomes `Error`) so sizes stay computable.
    fn check_struct_recursion(&mut self, root: StructId) {
        fn contains(
            program: &ir::Program,
            ty: &Type,
            target: StructId,
            visiting: &mut Vec<StructId>,
        ) -> bool {
            match ty {
                Type::Struct(id) => {
                    if *id == target {
                        return true;
                    }
                    if visiting.contains(id) {
                        return false;
                    }
                    visiting.push(*id);
                    program
                        .struct_def(*id)
                        .fields
                        .iter()
                        .any(|field| contains(program, &field.ty, target, visiting))
                }
                Type::Array(element, _) => contains(program, element, target, visiting),
                _ => false,
            }
        }
        let field_count = self.program.struct_def(root).fields.len();
        for index in 0..field_count {
            let ty = self.program.struct_def(root).fields[index].ty.clone();
            if contains(&self.program, &ty, root, &mut Vec::new()) {
                let def = self.program.struct_def(root);
                let (name, field) = (def.name.clone(), def.fields[index].name.clone());
                let span = self.struct_decls[root.index()]
                    .and_then(|decl| decl.fields.iter().find(|f| f.name.name == field))
                    .map_or(def.span, |f| f.ty.span);
                self.report(errors::recursive_struct(span, &name, &field));
                self.program.structs[root.index()].fields[index].ty = Type::Error;
            }
        }
    }

    /// The values of a source enum: each between `i64::MIN` and
    /// `u64::MAX`, and not both negative and above `i64::MAX` in one enum
    /// (no C integer type holds both).
    fn resolve_enum(&mut self, id: EnumId, decl: &ast::EnumDecl) {
        let mut next: i128 = 0;
        let mut index = 0;
        // The first negative value and the first above `i64::MAX`.
        let mut negative: Option<(Span, i128)> = None;
        let mut above_i64: Option<(Span, i128)> = None;
        for variant in &decl.variants {
            if index >= self.program.enum_def(id).variants.len()
                || self.program.enum_def(id).variants[index].name != variant.name.name
            {
                continue;
            }
            let value = match &variant.value {
                Some(value) => self
                    .in_global_context(|checker| checker.const_int(value, None))
                    .unwrap_or(next),
                None => next,
            };
            let span = variant.name.span;
            if value < i128::from(i64::MIN) || value > i128::from(u64::MAX) {
                self.report(errors::enum_value_out_of_range(span, value));
            } else if value < 0 || value > i128::from(i64::MAX) {
                let (this, other) = if value < 0 {
                    (&mut negative, above_i64)
                } else {
                    (&mut above_i64, negative)
                };
                if this.is_none() {
                    *this = Some((span, value));
                    if let Some((other_span, other_value)) = other {
                        self.report(errors::enum_signedness_mixed(
                            span,
                            value,
                            other_span,
                            other_value,
                        ));
                    }
                }
            }
            self.program.enums[id.index()].variants[index].value = value;
            next = value + 1;
            index += 1;
        }
    }

    pub(crate) fn declare_globals(&mut self) {
        for index in 0..self.global_decls.len() {
            self.globals_typed = index;
            let decl = self.global_decls[index];
            let (ty, init) = self.in_global_context(|checker| checker.global_value(decl));
            let def = &mut self.program.globals[index];
            def.ty = ty;
            def.init = init;
        }
        self.globals_typed = usize::MAX;
    }

    fn global_value(&mut self, decl: &ast::GlobalVarDecl) -> (Type, Option<ir::Expr>) {
        for attribute in &decl.attributes {
            self.report(errors::attribute_on_global(
                attribute.span,
                &attribute.name.name,
            ));
        }
        if decl.pin && decl.local {
            self.report(errors::pin_local(decl.name.span, &decl.name.name));
        }
        let declared = decl
            .ty
            .as_ref()
            .map(|ty| self.resolve_value_type(ty, "global variables"));
        let init = decl.init.as_ref().map(|init| match &declared {
            Some(ty) => self.expr_as(init, ty),
            None => self.expr(init, None),
        });
        let ty = match (declared, &init) {
            (Some(ty), _) => ty,
            (None, Some(init)) => self.inferred_type(init, &decl.name.name),
            (None, None) => {
                self.report(errors::needs_type_annotation(
                    decl.name.span,
                    &decl.name.name,
                ));
                Type::Error
            }
        };
        if matches!(
            ty,
            Type::Pointer(_) | Type::Function(_) | Type::ProgramHandle | Type::PerfAttachment
        ) || self.holds_function(&ty)
        {
            let found = self.type_name(&ty);
            let span = decl.ty.as_ref().map_or(decl.name.span, |ty| ty.span);
            self.report(errors::unshareable_global(span, &decl.name.name, &found));
        }
        if let Some(init) = &init {
            if init.ty != Type::Error && !self.is_constant(init) {
                self.report(errors::global_init_not_constant(init.span, &decl.name.name));
            }
        }
        (ty, init)
    }

    /// Whether `expr` can be computed at compile time (initialisers).
    pub(crate) fn is_constant(&self, expr: &ir::Expr) -> bool {
        match &expr.kind {
            ir::ExprKind::Str(_) | ir::ExprKind::Null => true,
            ir::ExprKind::ArrayLit(elements) => {
                elements.iter().all(|element| self.is_constant(element))
            }
            ir::ExprKind::StructLit { fields, .. } => {
                fields.iter().all(|(_, value)| self.is_constant(value))
            }
            _ => self.eval(expr).is_some(),
        }
    }

    pub(crate) fn declare_configs(&mut self) {
        for index in 0..self.config_decls.len() {
            let decl = self.config_decls[index];
            let fields = self.in_global_context(|checker| checker.config_fields(decl));
            self.program.configs[index].fields = fields;
        }
    }

    fn config_fields(&mut self, decl: &ast::ConfigDecl) -> Vec<ConfigFieldDef> {
        let mut fields: Vec<ConfigFieldDef> = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        for field in &decl.fields {
            let ty = self.resolve_value_type(&field.ty, "config fields");
            let allowed = match &ty {
                Type::Int(_)
                | Type::Bool
                | Type::Char
                | Type::Str(_)
                | Type::Enum(_)
                | Type::Error => true,
                Type::Array(element, _) => {
                    matches!(**element, Type::Int(_) | Type::Bool | Type::Char)
                }
                _ => false,
            };
            if !allowed {
                let found = self.type_name(&ty);
                self.report(errors::bad_config_field_type(field.ty.span, &found));
            }
            let default = field
                .default
                .as_ref()
                .map(|default| self.expr_as(default, &ty));
            if let Some(default) = &default {
                if default.ty != Type::Error && !self.is_constant(default) {
                    self.report(errors::global_init_not_constant(
                        default.span,
                        &field.name.name,
                    ));
                }
            }
            if let Some(index) = fields
                .iter()
                .position(|existing| existing.name == field.name.name)
            {
                self.report(errors::duplicate_field(
                    field.name.span,
                    &field.name.name,
                    spans[index],
                ));
                continue;
            }
            fields.push(ConfigFieldDef {
                name: field.name.name.clone(),
                ty,
                default,
            });
            spans.push(field.name.span);
        }
        fields
    }

    pub(crate) fn declare_externs(&mut self) {
        for index in 0..self.extern_decls.len() {
            let decl = self.extern_decls[index];
            let params: Vec<(String, Type)> = decl
                .params
                .iter()
                .map(|param| {
                    (
                        param.name.name.clone(),
                        self.resolve_value_type(&param.ty, "parameters"),
                    )
                })
                .collect();
            let ret = match &decl.ret {
                Some(ret) => self.resolve_type(ret),
                None => Type::Void,
            };
            let types: Vec<Type> = params.iter().map(|(_, ty)| ty.clone()).collect();
            self.check_extern_prototype(decl, &types, &ret);
            let def = &mut self.program.externs[index];
            def.params = params;
            def.ret = ret;
        }
    }
}
