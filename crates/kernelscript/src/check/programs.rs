//! Program kinds: attributes, per-kind signatures, and who may call whom.
//!
//! A function's attributes decide its `FunctionKind`: a program kind's
//! attribute (`@xdp`, `@tc("ingress")`, ...: the table in `crate::kinds`,
//! whose descriptors give each kind's argument rule and signature),
//! `@helper`, `@kfunc`, `@private`, `@test`; none means userspace (`main`
//! is `FunctionKind::Main`). Signatures follow the descriptor:
//!
//! * `Signature::Context`: one parameter, a pointer to the kind's context
//!   struct, and the kind's return type (`fn(ctx: *xdp_md) -> xdp_action`);
//! * `Signature::TracepointRecord`: a pointer to the event's context
//!   struct from BTF (`kernel/tracepoints.rs`; also named
//!   `trace_event_raw_EVENT`), returning `i32`;
//! * `Signature::KernelFunctionArgs`: up to six integer or pointer
//!   parameters (none when the program sees registers only), `i32`.
//!
//! Call rules: programs are never called directly (only `load(prog)` from
//! userspace, or a tail call `return other(ctx)` between programs of the
//! same kernel program type); `@helper`, `@kfunc`, `extern` and BPF helpers
//! are called from eBPF code; `@private` only from `@kfunc`/`@private`;
//! userspace functions only from userspace.

use crate::ir::{FunctionId, FunctionKind, IntType, ProgramDecl, ProgramKind, Target, Type};
use crate::kinds::{self, Returns, Signature};
use crate::span::Span;
use crate::syntax::ast;

use super::{errors, Checker};

/// Attributes of functions that are not programs.
const OTHER_ATTRIBUTES: &[&str] = &["helper", "kfunc", "private", "test"];

/// Attribute names a function may carry: every program kind's, then the
/// others.
fn function_attributes() -> Vec<&'static str> {
    kinds::KINDS
        .iter()
        .map(|kind| kind.descriptor().attribute)
        .chain(OTHER_ATTRIBUTES.iter().copied())
        .collect()
}

/// BPF-to-BPF and kfunc calls pass at most five arguments in registers.
pub(crate) const MAX_EBPF_PARAMS: usize = 5;

/// The span of a function's `@attribute(...)` (its argument when it has
/// one), or of its name.
pub(crate) fn program_attribute_span(decl: &ast::FunctionDecl, attribute: &str) -> Span {
    decl.attributes
        .iter()
        .find(|candidate| candidate.name.name == attribute)
        .map_or(decl.name.span, |found| {
            found.args.first().map_or(found.span, |arg| arg.span)
        })
}

/// The kind of a program function.
pub(crate) fn program_kind(kind: &FunctionKind) -> Option<ProgramKind> {
    kind.program().map(|decl| decl.kind)
}

/// How a kind is written, for messages (`@tc program`, `userspace function`).
pub(crate) fn kind_label(kind: &FunctionKind) -> &'static str {
    match kind {
        FunctionKind::Program(decl) => decl.descriptor().label,
        FunctionKind::Helper => "@helper function",
        FunctionKind::StructOpsMethod { .. } => "struct_ops method",
        FunctionKind::Kfunc => "@kfunc function",
        FunctionKind::Private => "@private function",
        FunctionKind::Test => "@test function",
        FunctionKind::Userspace => "userspace function",
        FunctionKind::Main => "userspace function",
    }
}

impl Checker<'_> {
    /// The kind a function's attributes give it. Reports unknown,
    /// conflicting and malformed attributes.
    pub(crate) fn function_kind(&mut self, decl: &ast::FunctionDecl) -> FunctionKind {
        let mut kind: Option<(FunctionKind, Span)> = None;
        for attribute in &decl.attributes {
            let Some(this) = self.attribute_kind(attribute) else {
                continue;
            };
            if let Some((_, first)) = &kind {
                self.report(errors::conflicting_attributes(attribute.span, *first));
                continue;
            }
            kind = Some((this, attribute.span));
        }
        match kind {
            Some((kind, _)) => {
                if decl.name.name == "main" {
                    self.report(errors::attribute_on_main(decl.attributes[0].span));
                }
                kind
            }
            None if decl.name.name == "main" => FunctionKind::Main,
            None => FunctionKind::Userspace,
        }
    }

    fn attribute_kind(&mut self, attribute: &ast::Attribute) -> Option<FunctionKind> {
        let name = attribute.name.name.as_str();
        if let Some(kind) = kinds::by_attribute(name) {
            return self.program_attribute(attribute, kind);
        }
        let kind = match name {
            "helper" => FunctionKind::Helper,
            "kfunc" | "private" => {
                if name == "kfunc" {
                    FunctionKind::Kfunc
                } else {
                    FunctionKind::Private
                }
            }
            "test" => FunctionKind::Test,
            "struct_ops" => {
                self.report(errors::struct_ops_on_function(attribute.span));
                return None;
            }
            _ => {
                self.report(errors::unknown_attribute(
                    attribute.name.span,
                    name,
                    &function_attributes(),
                ));
                return None;
            }
        };
        self.no_args(attribute).then_some(kind)
    }

    /// `@KIND` or `@KIND("target")`, checked against the kind's rule.
    fn program_attribute(
        &mut self,
        attribute: &ast::Attribute,
        kind: ProgramKind,
    ) -> Option<FunctionKind> {
        let descriptor = kind.descriptor();
        let program = |target: String| {
            FunctionKind::Program(ProgramDecl {
                kind,
                entry: (descriptor.entry)(&target),
                target,
            })
        };
        let Some(rule) = &descriptor.target else {
            return self.no_args(attribute).then(|| program(String::new()));
        };
        if rule.optional && attribute.args.is_empty() {
            return Some(program(String::new()));
        }
        let Some(target) = self
            .string_arg(attribute)
            .filter(|target| !target.is_empty())
        else {
            self.report(errors::program_needs_target(
                attribute.span,
                descriptor.attribute,
                rule,
            ));
            return None;
        };
        if !(rule.valid)(&target) {
            self.report(errors::bad_program_target(
                attribute.args[0].span,
                descriptor.attribute,
                &target,
                rule,
            ));
            return None;
        }
        Some(program(target))
    }

    fn no_args(&mut self, attribute: &ast::Attribute) -> bool {
        if attribute.args.is_empty() {
            return true;
        }
        self.report(errors::attribute_takes_no_args(
            attribute.span,
            &attribute.name.name,
        ));
        false
    }

    /// The command-line attributes and defaults of struct fields: only the
    /// fields of `main`'s `Args` struct may have them (`@short("x")`, one
    /// ASCII letter or digit other than `h`, unique; `@help("text")`; `=
    /// default`, a constant of the field's type); the result goes to
    /// `Program::args_options`.
    pub(crate) fn check_args_options(&mut self) {
        let args = self
            .program
            .functions
            .iter()
            .find(|function| function.kind == FunctionKind::Main)
            .and_then(
                |main| match main.params.first().map(|&param| &main.local(param).ty) {
                    Some(Type::Struct(id)) => Some(*id),
                    _ => None,
                },
            );
        let args_name = args.map(|id| self.program.struct_def(id).name.clone());
        let files = self.files.clone();
        let mut options = Vec::new();
        let mut shorts: Vec<(char, Span)> = Vec::new();
        for file in files {
            for item in &file.ast.items {
                let ast::ItemKind::Struct(decl) = &item.kind else {
                    continue;
                };
                let is_args = args_name.as_deref() == Some(decl.name.name.as_str());
                for field in &decl.fields {
                    if !is_args {
                        for attribute in &field.attributes {
                            self.report(errors::option_outside_args(attribute.span));
                        }
                        if let Some(default) = &field.default {
                            self.report(errors::option_outside_args(default.span));
                        }
                        continue;
                    }
                    let ty = self
                        .program
                        .struct_def(args.expect("is_args"))
                        .fields
                        .iter()
                        .find(|def| def.name == field.name.name)
                        .map(|def| def.ty.clone());
                    let Some(ty) = ty else { continue };
                    let option = self.arg_option(field, &ty, &mut shorts);
                    options.push((field.name.name.clone(), option));
                }
            }
        }
        self.program.args_options = options;
    }

    fn arg_option(
        &mut self,
        field: &ast::StructField,
        ty: &Type,
        shorts: &mut Vec<(char, Span)>,
    ) -> crate::ir::ArgOption {
        let mut option = crate::ir::ArgOption::default();
        for attribute in &field.attributes {
            let value = self.string_arg(attribute);
            match (attribute.name.name.as_str(), value) {
                ("short", Some(text)) => {
                    let mut chars = text.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) if c.is_ascii_alphanumeric() && c != 'h' => {
                            if let Some((_, first)) = shorts.iter().find(|(other, _)| *other == c) {
                                self.report(errors::duplicate_short_option(
                                    attribute.span,
                                    c,
                                    *first,
                                ));
                            } else {
                                shorts.push((c, attribute.span));
                                option.short = Some(c);
                            }
                        }
                        _ => self.report(errors::bad_short_option(attribute.span, &text)),
                    }
                }
                ("help", Some(text)) => option.help = Some(text),
                ("ipv4", _) if attribute.args.is_empty() => {
                    if *ty == Type::Int(crate::ir::IntType::U32) {
                        option.ipv4 = true;
                    } else if *ty != Type::Error {
                        let type_name = self.type_name(ty);
                        self.report(errors::ipv4_option_type(attribute.span, &type_name));
                    }
                }
                ("ipv6", _) if attribute.args.is_empty() => {
                    if is_ipv6_bytes(ty) {
                        option.ipv6 = true;
                    } else if *ty != Type::Error {
                        let type_name = self.type_name(ty);
                        self.report(errors::ipv6_option_type(attribute.span, &type_name));
                    }
                }
                ("short" | "help", None) => self.report(errors::option_attribute_needs_string(
                    attribute.span,
                    &attribute.name.name,
                )),
                (other, _) => self.report(errors::unknown_option_attribute(attribute.span, other)),
            }
        }
        if is_ipv6_bytes(ty) && !option.ipv6 {
            let type_name = self.type_name(ty);
            self.report(errors::bad_args_field(
                field.name.span,
                &field.name.name,
                &type_name,
            ));
        }
        let address = |name: &str| {
            field
                .attributes
                .iter()
                .any(|attribute| attribute.name.name == name && attribute.args.is_empty())
        };
        if address("ipv4") || address("ipv6") {
            option.default = self.address_default(field, !address("ipv4"));
            return option;
        }
        if let Some(default) = &field.default {
            let checked = self.in_global_context(|checker| checker.expr_as(default, ty));
            option.default = match (&checked.kind, ty) {
                _ if checked.ty == Type::Error => None,
                (crate::ir::ExprKind::Str(text), Type::Str(_)) => {
                    Some(crate::ir::OptionDefault::Str(text.clone()))
                }
                (_, Type::Bool) => match self.eval(&checked) {
                    Some(value) => Some(crate::ir::OptionDefault::Bool(value != 0)),
                    None => {
                        self.report(errors::option_default_not_constant(default.span));
                        None
                    }
                },
                (_, Type::Char) => match self.eval(&checked) {
                    Some(value) => Some(crate::ir::OptionDefault::Char(value as u8)),
                    None => {
                        self.report(errors::option_default_not_constant(default.span));
                        None
                    }
                },
                (_, Type::Int(_)) => match self.eval(&checked) {
                    Some(value) => Some(crate::ir::OptionDefault::Int(value)),
                    None => {
                        self.report(errors::option_default_not_constant(default.span));
                        None
                    }
                },
                _ => {
                    self.report(errors::option_default_not_constant(default.span));
                    None
                }
            };
        }
        option
    }

    /// The default of an `@ipv4` (`ipv6`: `@ipv6`) option: a string
    /// literal holding an address, kept as its bytes in network order.
    fn address_default(
        &mut self,
        field: &ast::StructField,
        ipv6: bool,
    ) -> Option<crate::ir::OptionDefault> {
        let default = field.default.as_ref()?;
        let ast::ExprKind::Str(text) = &default.kind else {
            self.report(errors::address_option_default(default.span, ipv6, None));
            return None;
        };
        let parsed = if ipv6 {
            text.parse::<std::net::Ipv6Addr>()
                .ok()
                .map(|addr| (addr.octets().to_vec(), addr.to_string()))
        } else {
            // Only the dotted quad, as `inet_pton` takes it at run time.
            text.parse::<std::net::Ipv4Addr>()
                .ok()
                .map(|addr| (addr.octets().to_vec(), addr.to_string()))
        };
        match parsed {
            Some((bytes, shown)) => Some(crate::ir::OptionDefault::Address(bytes, shown)),
            None => {
                self.report(errors::address_option_default(
                    default.span,
                    ipv6,
                    Some(text),
                ));
                None
            }
        }
    }

    /// The single string argument of an attribute, if it has one.
    pub(crate) fn string_arg(&mut self, attribute: &ast::Attribute) -> Option<String> {
        match attribute.args.as_slice() {
            [ast::Expr {
                kind: ast::ExprKind::Str(value),
                ..
            }] => Some(value.clone()),
            [ast::Expr {
                kind: ast::ExprKind::Ident(value),
                ..
            }] => Some(value.clone()),
            _ => None,
        }
    }

    /// Checks the parameters and return type a function's kind requires.
    pub(crate) fn check_program_signature(
        &mut self,
        decl: &ast::FunctionDecl,
        kind: &mut FunctionKind,
        params: &[Type],
        ret: &Type,
    ) {
        let program = match kind {
            FunctionKind::Program(program) => program,
            FunctionKind::Helper
            | FunctionKind::Kfunc
            | FunctionKind::Private
            | FunctionKind::StructOpsMethod { .. } => {
                if params.len() > MAX_EBPF_PARAMS {
                    self.report(errors::too_many_params(
                        decl.params[MAX_EBPF_PARAMS].name.span,
                        kind_label(kind),
                        MAX_EBPF_PARAMS,
                    ));
                }
                return;
            }
            FunctionKind::Main => {
                self.check_main_signature(decl, params, ret);
                return;
            }
            FunctionKind::Test | FunctionKind::Userspace => return,
        };
        let descriptor = program.descriptor();
        let label = descriptor.label;
        let i32_type = Type::Int(IntType::I32);
        match descriptor.signature {
            Signature::Context { context, returns } => {
                let expected_ret = match returns {
                    Returns::I32 => i32_type,
                    Returns::KernelEnum(name) => self.kernel_enum_type(name),
                };
                let ret_name = match returns {
                    Returns::I32 => "i32",
                    Returns::KernelEnum(name) => name,
                };
                let signature = format!("fn(ctx: *{context}) -> {ret_name}");
                let expected_param = self.context_pointer(context);
                let matches = params.first() == Some(&expected_param);
                self.check_context_param(decl, label, context, params, &signature, matches);
                self.check_program_return(decl, label, ret, &expected_ret, &signature);
            }
            Signature::TracepointRecord => {
                let context = match self.tracepoint_context(&program.target) {
                    Some(Ok(id)) => *id,
                    Some(Err(error)) => {
                        let error = error.clone();
                        let span = program_attribute_span(decl, descriptor.attribute);
                        self.report(errors::unknown_tracepoint(span, &program.target, &error));
                        return;
                    }
                    None => return,
                };
                let context_name = self.program.struct_def(context).name.clone();
                let signature = format!("fn(ctx: *{context_name}) -> i32");
                let matches =
                    params.first() == Some(&Type::Pointer(Box::new(Type::Struct(context))));
                self.check_context_param(decl, label, &context_name, params, &signature, matches);
                self.check_program_return(decl, label, ret, &i32_type, &signature);
            }
            Signature::KernelFunctionArgs {
                prototype,
                trailing,
                registers,
            } => {
                let entry = self.check_kernel_function_args(
                    decl, program, prototype, trailing, registers, params, ret,
                );
                program.entry = entry;
            }
            Signature::KernelFunctionReturn => {
                program.entry = self.check_kernel_function_return(decl, program, params, ret);
            }
        }
    }

    /// The one context parameter of a program; `matches` says whether its
    /// type is the expected one.
    pub(crate) fn check_context_param(
        &mut self,
        decl: &ast::FunctionDecl,
        label: &str,
        context: &str,
        params: &[Type],
        signature: &str,
        matches: bool,
    ) {
        match decl.params.as_slice() {
            [param] => {
                if params[0] != Type::Error && !matches {
                    let found = self.type_name(&params[0]);
                    self.report(errors::bad_program_param(
                        param.ty.span,
                        label,
                        &format!("*{context}"),
                        &found,
                        signature,
                    ));
                }
            }
            _ => {
                let span = decl
                    .params
                    .get(1)
                    .map_or(decl.name.span, |param| param.name.span);
                self.report(errors::bad_program_param_count(
                    span,
                    label,
                    decl.params.len(),
                    signature,
                ));
            }
        }
    }

    pub(crate) fn check_program_return(
        &mut self,
        decl: &ast::FunctionDecl,
        label: &str,
        ret: &Type,
        expected: &Type,
        signature: &str,
    ) {
        if *ret == Type::Error || ret == expected {
            return;
        }
        let expected_name = self.type_name(expected);
        let found = self.type_name(ret);
        let span = decl.ret.as_ref().map_or(decl.name.span, |ret| ret.ty.span);
        self.report(errors::bad_program_return(
            span,
            label,
            &expected_name,
            &found,
            signature,
        ));
    }

    fn check_main_signature(&mut self, decl: &ast::FunctionDecl, params: &[Type], ret: &Type) {
        match params {
            [] => {}
            [Type::Struct(id)] => {
                let id = *id;
                let fields = self.program.struct_def(id).fields.clone();
                for field in fields {
                    // `u8[16]` is an `@ipv6` option (`arg_option` checks
                    // that it is one).
                    if !matches!(
                        field.ty,
                        Type::Int(_) | Type::Bool | Type::Str(_) | Type::Char
                    ) && !is_ipv6_bytes(&field.ty)
                    {
                        let found = self.type_name(&field.ty);
                        self.report(errors::bad_args_field(
                            decl.params[0].ty.span,
                            &field.name,
                            &found,
                        ));
                    }
                }
            }
            [Type::Error] => {}
            _ => self.report(errors::bad_main_params(
                decl.params
                    .first()
                    .map_or(decl.name.span, |param| param.ty.span),
            )),
        }
        if !matches!(ret, Type::Int(IntType::I32) | Type::Void | Type::Error) {
            let found = self.type_name(ret);
            let span = decl.ret.as_ref().map_or(decl.name.span, |ret| ret.ty.span);
            self.report(errors::bad_main_return(span, &found));
        }
    }

    /// `*S` for the kernel context struct `S` (as the main namespace knows
    /// it: programs are in the main file).
    fn context_pointer(&mut self, name: &str) -> Type {
        match self.global_symbol(name, Span::default()) {
            Some(super::env::Symbol::Struct(id)) => Type::Pointer(Box::new(Type::Struct(id))),
            _ => Type::Error,
        }
    }

    fn kernel_enum_type(&mut self, name: &str) -> Type {
        match self.global_symbol(name, Span::default()) {
            Some(super::env::Symbol::Enum(id)) => Type::Enum(id),
            _ => Type::Error,
        }
    }

    /// A program whose target names one of the program's own functions
    /// (`@uprobe("heartbeat")`) needs that function to be a userspace
    /// function of the source.
    pub(crate) fn check_own_function_targets(&mut self) {
        for index in 0..self.program.functions.len() {
            let FunctionKind::Program(decl) = &self.program.functions[index].kind else {
                continue;
            };
            let Some(name) = (decl.descriptor().own_function)(&decl.target) else {
                continue;
            };
            let name = name.to_string();
            let attribute = decl.descriptor().attribute;
            let found = self.program.functions.iter().any(|function| {
                function.name == name
                    && matches!(function.kind, FunctionKind::Userspace | FunctionKind::Main)
            });
            if !found {
                let source = self.fn_sources[index].decl;
                let span = program_attribute_span(source, attribute);
                self.report(errors::own_function_target_missing(span, attribute, &name));
            }
        }
    }

    /// Reports a call the kernel/userspace boundary forbids.
    pub(crate) fn check_call_allowed(&mut self, callee: FunctionId, span: Span) {
        let Some(caller_kind) = self.fx.kind.clone() else {
            return;
        };
        let callee_def = self.program.function(callee);
        let callee_kind = callee_def.kind.clone();
        let callee_name = callee_def.name.clone();
        let caller_name = self.fx.name.clone();
        let allowed = match &callee_kind {
            FunctionKind::Helper => caller_kind.target() == Target::Ebpf,
            FunctionKind::Kfunc => {
                matches!(caller_kind.target(), Target::Ebpf | Target::KernelModule)
            }
            FunctionKind::Private => {
                matches!(caller_kind, FunctionKind::Kfunc | FunctionKind::Private)
            }
            // A sibling method may call it: its body is then also a plain
            // function (codegen/ebpf/mod.rs).
            FunctionKind::StructOpsMethod { impl_name } => matches!(
                &caller_kind,
                FunctionKind::StructOpsMethod { impl_name: caller } if caller == impl_name
            ),
            FunctionKind::Userspace | FunctionKind::Main => {
                caller_kind.target() == Target::Userspace
            }
            // `@test` functions are not emitted (docs §11): only other
            // tests may name them.
            FunctionKind::Test => caller_kind == FunctionKind::Test,
            _ => true,
        };
        if !allowed {
            let definition = self.program.function(callee).span;
            self.report(errors::call_across_boundary(
                span,
                &callee_name,
                kind_label(&callee_kind),
                &caller_name,
                kind_label(&caller_kind),
                definition,
            ));
        }
    }
}

/// `u8[16]`: what an `@ipv6` option holds.
fn is_ipv6_bytes(ty: &Type) -> bool {
    matches!(ty, Type::Array(element, 16) if **element == Type::Int(IntType::U8))
}
