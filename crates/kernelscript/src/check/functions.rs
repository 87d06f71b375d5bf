//! Functions: signatures, bodies, `main`, and `@struct_ops` impl blocks.
//!
//! Signatures are resolved before any body is checked, so calls may precede
//! definitions. A body's parameters and its top-level statements share one
//! scope (redeclaring a parameter is an error). A named return `-> name: T`
//! is a local initialised to zero; a bare `return` returns it, and so does
//! falling off the end.
//!
//! Decision: in a function returning a value, a trailing expression
//! statement is the returned value (as in a `match` block arm), so
//! `fn f() -> u32 { match (x) { ... } }` needs no `return`. Any other body
//! that can reach its closing brace without returning is an error there.

use crate::ir::{
    self, loops, ExprKind, FunctionId, FunctionKind, IntType, LocalDef, StmtKind, Target, Type,
};
use crate::span::Span;
use crate::syntax::ast;

use super::exprs::{node, Position};
use super::reachability::{completes, mark_reachability};
use super::scope::{Binding, FnCtx};
use super::{errors, Checker};

impl Checker<'_> {
    pub(crate) fn declare_functions(&mut self) {
        for index in 0..self.fn_sources.len() {
            let decl = self.fn_sources[index].decl;
            let mut kind = match self.fn_sources[index].impl_name.clone() {
                Some(impl_name) => {
                    for attribute in &decl.attributes {
                        self.report(errors::attribute_on_method(attribute.span));
                    }
                    FunctionKind::StructOpsMethod { impl_name }
                }
                None => self.function_kind(decl),
            };
            let mut locals: Vec<LocalDef> = Vec::with_capacity(decl.params.len() + 1);
            for param in &decl.params {
                let ty = self.resolve_value_type(&param.ty, "parameters");
                match kind.target() {
                    ir::Target::Ebpf => self.reject_function_in_ebpf(&ty, param.ty.span),
                    ir::Target::Userspace => {
                        self.reject_undefined_kernel_struct(&ty, param.ty.span)
                    }
                    _ => {}
                }
                if kind.target() != ir::Target::Userspace && self.is_perf_type(&ty) {
                    self.report(errors::perf_name_outside_userspace(
                        param.ty.span,
                        &self.type_name(&ty),
                    ));
                }
                if let Some(first) = locals.iter().find(|local| local.name == param.name.name) {
                    self.report(errors::duplicate_param(
                        param.name.span,
                        &param.name.name,
                        first.span,
                    ));
                }
                locals.push(LocalDef {
                    name: param.name.name.clone(),
                    ty,
                    by_reference: false,
                    span: param.name.span,
                });
            }
            let params: Vec<ir::LocalId> = (0..locals.len())
                .map(|index| ir::LocalId(index as u32))
                .collect();
            let param_types: Vec<Type> = locals.iter().map(|local| local.ty.clone()).collect();
            let ret = match &decl.ret {
                Some(ret) => self.resolve_type(&ret.ty),
                None => Type::Void,
            };
            if let (Some(written), ir::Target::Userspace) = (&decl.ret, kind.target()) {
                self.reject_undefined_kernel_struct(&ret, written.ty.span);
            }
            if let Some(written) = decl
                .ret
                .as_ref()
                .filter(|_| kind.target() != ir::Target::Userspace && self.is_perf_type(&ret))
            {
                self.report(errors::perf_name_outside_userspace(
                    written.ty.span,
                    &self.type_name(&ret),
                ));
            }
            let mut named_return = None;
            if let Some(ast::ReturnType {
                name: Some(name),
                ty,
            }) = &decl.ret
            {
                if ret == Type::Void {
                    self.report(errors::void_value(ty.span, "named return values"));
                }
                named_return = Some(ir::LocalId(locals.len() as u32));
                locals.push(LocalDef {
                    name: name.name.clone(),
                    ty: ret.clone(),
                    by_reference: false,
                    span: name.span,
                });
            }
            self.check_program_signature(decl, &mut kind, &param_types, &ret);
            self.check_returned_type(decl, &kind, &ret);
            let function = &mut self.program.functions[index];
            function.kind = kind;
            function.params = params;
            function.ret = ret;
            function.named_return = named_return;
            function.locals = locals;
        }
    }

    /// C cannot return arrays. The eBPF (and kernel-module) generators
    /// return types as they are, so an array or `str(N)` (a `char[N]`
    /// there) cannot be returned; the userspace generator wraps `str(N)`
    /// in a struct, but not other arrays. Programs have fixed return types
    /// (`programs.rs`).
    fn check_returned_type(&mut self, decl: &ast::FunctionDecl, kind: &FunctionKind, ret: &Type) {
        // `None`: userspace.
        let ebpf_side = match kind {
            FunctionKind::Helper => Some("a @helper"),
            FunctionKind::StructOpsMethod { .. } => Some("a struct_ops method"),
            FunctionKind::Kfunc => Some("a @kfunc"),
            FunctionKind::Private => Some("a @private function"),
            FunctionKind::Userspace | FunctionKind::Test => None,
            _ => return,
        };
        let element = match ret {
            Type::Array(element, _) => self.type_name(element),
            Type::Str(_) if ebpf_side.is_some() => "char".to_string(),
            _ => return,
        };
        let Some(returned) = &decl.ret else {
            return;
        };
        let (span, ty) = (returned.ty.span, self.type_name(ret));
        let diagnostic = match ebpf_side {
            Some(who) => errors::array_return(span, who, &ty, &element),
            None => errors::array_return_in_userspace(span, &ty, &element),
        };
        self.report(diagnostic);
    }

    pub(crate) fn check_bodies(&mut self) {
        for index in 0..self.fn_sources.len() {
            self.check_body(FunctionId(index as u32));
        }
    }

    fn check_body(&mut self, id: FunctionId) {
        let decl = self.fn_sources[id.index()].decl;
        let function = self.program.function(id);
        let mut fx = FnCtx::function(&function.name, function.kind.clone(), function.ret.clone());
        fx.named_return = function.named_return;
        fx.params = function.params.len();
        for local in &function.locals {
            let local_id = fx.new_local(&local.name, local.ty.clone(), false, local.span);
            let _ = fx.bind(&local.name, Binding::Local(local_id));
        }
        self.fx = fx;
        let ret = self.fx.ret.clone();
        let mut stmts;
        let trailing_value = ret != Type::Void && self.fx.named_return.is_none();
        match decl.body.stmts.split_last() {
            Some((
                ast::Stmt {
                    kind: ast::StmtKind::Expr(e),
                    span,
                },
                rest,
            )) if trailing_value => {
                stmts = self.stmts(rest);
                let value = self.expr_at(e, Some(&ret), Position::Return);
                let kind = if value.ty == Type::Void {
                    StmtKind::Expr(value)
                } else {
                    let value_span = value.span;
                    let value = self.coerce(value, &ret, value_span);
                    StmtKind::Return(Some(value))
                };
                stmts.push(ir::Stmt { kind, span: *span });
            }
            _ => stmts = self.stmts(&decl.body.stmts),
        }
        let mut body = ir::Block::new(stmts);
        self.add_presence_flags(&mut body);
        self.null_bodies.push((id, body.clone()));
        self.check_ownership(&body, closing_brace(decl.body.span));
        self.check_records(&body);
        self.slot_deferred_arguments(&mut body);
        if completes(&body) {
            if self.fx.named_return.is_some() {
                body.stmts.push(ir::Stmt {
                    kind: StmtKind::Return(None),
                    span: closing_brace(decl.body.span),
                });
            } else if ret != Type::Void && ret != Type::Error {
                let ret_name = self.type_name(&ret);
                let name = self.fx.name.clone();
                self.report(errors::missing_return(
                    closing_brace(decl.body.span),
                    &name,
                    &ret_name,
                ));
            }
        }
        mark_reachability(&mut body);
        let fx = std::mem::replace(&mut self.fx, FnCtx::global());
        let function = &mut self.program.functions[id.index()];
        function.locals = fx.locals;
        function.body = body;
        let function = self.program.function(id);
        let (largest_frame, stack_depth) = if function.kind.target() == Target::Ebpf {
            // Loop callbacks are frames of their own (`ir::loops`).
            let frames = loops::stack_frames(&self.program, function);
            let largest = frames.iter().map(|frame| frame.bytes).max().unwrap_or(0);
            (largest, loops::stack_depth(&frames, 0))
        } else {
            let params = function.params.len();
            let size = function
                .locals
                .iter()
                .skip(params)
                .map(|local| {
                    if local.by_reference {
                        8
                    } else {
                        local.ty.size(&self.program)
                    }
                })
                .sum();
            (size, size)
        };
        let facts = &mut self.fn_facts[id.index()];
        facts.calls = fx.calls;
        facts.throws = fx.throws;
        facts.context_local = fx.context_local;
        facts.largest_frame = largest_frame;
        facts.stack_depth = stack_depth;
    }

    /// At most one `main`.
    pub(crate) fn check_main(&mut self) {
        let mut first: Option<Span> = None;
        for function in &self.program.functions {
            // A module's `main` is reported by `check_module_contents`.
            if function.kind != FunctionKind::Main
                || self.program.module_of(function.span).is_some()
            {
                continue;
            }
            match first {
                None => first = Some(function.span),
                Some(first) => {
                    self.diags
                        .push(errors::duplicate_definition(function.span, "main", first))
                }
            }
        }
    }

    /// `@struct_ops("kernel_type")` impl blocks: the attribute, and the
    /// members against the kernel struct when the program declares it.
    pub(crate) fn check_impls(&mut self) {
        for index in 0..self.impls.len() {
            let decl = self.impls[index].decl;
            let mut ops_type = None;
            for attribute in &decl.attributes {
                match attribute.name.name.as_str() {
                    "struct_ops" => match self.string_arg(attribute) {
                        Some(name) => ops_type = Some(name),
                        None => self.report(errors::struct_ops_needs_name(attribute.span)),
                    },
                    other => self.report(errors::unknown_attribute(
                        attribute.name.span,
                        other,
                        &["struct_ops"],
                    )),
                }
            }
            let Some(ops_type) = ops_type else {
                if decl.attributes.is_empty() {
                    self.report(errors::impl_needs_struct_ops(
                        decl.name.span,
                        &decl.name.name,
                    ));
                }
                continue;
            };
            let attribute_span = decl
                .attributes
                .iter()
                .find(|attribute| attribute.name.name == "struct_ops")
                .map_or(decl.name.span, |attribute| attribute.span);
            let Some(ops_struct) = self.struct_ops_struct(&ops_type, attribute_span) else {
                continue;
            };
            let ops_struct = Some(ops_struct);
            // `name: value` members that are methods (reported once).
            let mut misplaced_methods: Vec<String> = Vec::new();
            for member in &decl.members {
                match member {
                    ast::ImplMember::Function(function) => {
                        if let Some(id) = ops_struct {
                            if self.struct_ops_member(id, &function.name).is_some() {
                                let method = self.impls[index]
                                    .methods
                                    .iter()
                                    .find(|(name, _)| *name == function.name.name)
                                    .map(|(_, method)| *method);
                                if let Some(method) = method {
                                    self.check_struct_ops_method(&ops_type, function, method);
                                }
                            }
                        }
                    }
                    ast::ImplMember::Field { name, .. } => {
                        if let Some(id) = ops_struct {
                            if !self.check_struct_ops_data_member(&ops_type, id, name) {
                                misplaced_methods.push(name.name.clone());
                            }
                        }
                    }
                }
            }
            let fields = self.in_global_context(|checker| {
                let mut fields = Vec::new();
                for member in &decl.members {
                    let ast::ImplMember::Field { name, value } = member else {
                        continue;
                    };
                    if misplaced_methods.contains(&name.name) {
                        checker.expr(value, None);
                        continue;
                    }
                    let ty = ops_struct.and_then(|id| checker.struct_ops_member(id, name));
                    let checked = match (&value.kind, &ty) {
                        (ast::ExprKind::Str(text), Some(Type::Array(element, len)))
                            if matches!(
                                **element,
                                Type::Int(IntType::U8 | IntType::I8) | Type::Char
                            ) =>
                        {
                            if text.len() >= *len as usize {
                                checker.report(errors::string_too_long(
                                    value.span,
                                    text.len(),
                                    *len,
                                ));
                            }
                            let ty = ty.clone().unwrap_or(Type::Error);
                            node(ExprKind::Str(text.clone()), ty, value.span)
                        }
                        (_, Some(ty)) => checker.expr_as(value, ty),
                        (_, None) => checker.expr(value, None),
                    };
                    if checked.ty != Type::Error && !checker.is_constant(&checked) {
                        checker.report(errors::global_init_not_constant(value.span, &name.name));
                    }
                    fields.push((name.name.clone(), checked));
                }
                fields
            });
            let def = &mut self.program.struct_ops[index];
            def.ops_type = ops_type.clone();
            def.fields = fields;
            self.impls[index].ops_type = Some(ops_type);
        }
    }

    /// The type of member `name` of the struct_ops struct `id`, or a report.
    fn struct_ops_member(&mut self, id: ir::StructId, name: &ast::Ident) -> Option<Type> {
        self.struct_field(id, name).map(|(_, ty)| ty)
    }
}

/// The span of a block's closing brace.
fn closing_brace(block: Span) -> Span {
    Span {
        file: block.file,
        start: block.end.saturating_sub(1).max(block.start),
        end: block.end,
    }
}
