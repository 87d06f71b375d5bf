//! Program kinds: attributes, per-kind signatures, and who may call whom.
//!
//! A function's attributes decide its `FunctionKind`: `@xdp`,
//! `@tc("ingress"|"egress")`, `@tracepoint("category/event")`,
//! `@probe("function")` / `@probe("function+offset")`,
//! `@uprobe("PATH:FUNCTION")` / `@uretprobe("PATH:FUNCTION")`, `@perf_event`,
//! `@helper`, `@kfunc`, `@private`, `@test`; none means userspace (`main` is
//! `FunctionKind::Main`). Each program kind has one signature:
//!
//! | kind | parameters | returns |
//! |---|---|---|
//! | `@xdp` | `ctx: *xdp_md` | `xdp_action` |
//! | `@tc(..)` | `ctx: *__sk_buff` | `i32` |
//! | `@tracepoint("c/e")` | `ctx: *trace_event_raw_e` (`sys_enter`/`sys_exit` for syscalls) | `i32` |
//! | `@probe("f")` | up to 6 kernel-function parameters (none with `+offset`) | `i32` |
//! | `@uprobe("p:f")`, `@uretprobe("p:f")` | `ctx: *pt_regs` | `i32` |
//! | `@perf_event` | `ctx: *bpf_perf_event_data` | `i32` |
//!
//! Call rules: programs are never called directly (only `load(prog)` from
//! userspace, or a tail call `return other(ctx)` between programs of the
//! same type); `@helper`, `@kfunc`, `extern` and BPF helpers are called from
//! eBPF code; `@private` only from `@kfunc`/`@private`; userspace functions
//! only from userspace.

use crate::ir::{FunctionId, FunctionKind, IntType, ProgramType, Target, TcDirection, Type};
use crate::span::Span;
use crate::syntax::ast;

use super::{errors, Checker};

/// Attribute names a function may carry.
pub(crate) const FUNCTION_ATTRIBUTES: &[&str] = &[
    "xdp",
    "tc",
    "tracepoint",
    "probe",
    "uprobe",
    "uretprobe",
    "perf_event",
    "helper",
    "kfunc",
    "private",
    "test",
];

/// Probe functions read at most this many kernel arguments (x86-64 ABI).
const MAX_PROBE_PARAMS: usize = 6;

/// BPF-to-BPF and kfunc calls pass at most five arguments in registers.
pub(crate) const MAX_EBPF_PARAMS: usize = 5;

pub(crate) fn program_type(kind: &FunctionKind) -> Option<ProgramType> {
    Some(match kind {
        FunctionKind::Xdp => ProgramType::Xdp,
        FunctionKind::Tc(_) => ProgramType::Tc,
        FunctionKind::Tracepoint { .. } => ProgramType::Tracepoint,
        FunctionKind::Probe { .. } => ProgramType::Probe,
        FunctionKind::Uprobe { .. } => ProgramType::Uprobe,
        FunctionKind::PerfEvent => ProgramType::PerfEvent,
        _ => return None,
    })
}

/// Program types whose programs may tail-call each other.
pub(crate) fn supports_tail_calls(program_type: Option<ProgramType>) -> bool {
    matches!(
        program_type,
        Some(ProgramType::Xdp | ProgramType::Tc | ProgramType::Tracepoint)
    )
}

/// How a kind is written, for messages (`@tc`, `userspace`).
pub(crate) fn kind_label(kind: &FunctionKind) -> &'static str {
    match kind {
        FunctionKind::Xdp => "@xdp program",
        FunctionKind::Tc(_) => "@tc program",
        FunctionKind::Tracepoint { .. } => "@tracepoint program",
        FunctionKind::Probe { .. } => "@probe program",
        FunctionKind::Uprobe { ret: false, .. } => "@uprobe program",
        FunctionKind::Uprobe { ret: true, .. } => "@uretprobe program",
        FunctionKind::PerfEvent => "@perf_event program",
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
        let kind = match name {
            "xdp" => self.no_args(attribute).then_some(FunctionKind::Xdp)?,
            "perf_event" => self.no_args(attribute).then_some(FunctionKind::PerfEvent)?,
            "helper" => self.no_args(attribute).then_some(FunctionKind::Helper)?,
            "kfunc" => self.no_args(attribute).then_some(FunctionKind::Kfunc)?,
            "private" => self.no_args(attribute).then_some(FunctionKind::Private)?,
            "test" => self.no_args(attribute).then_some(FunctionKind::Test)?,
            "tc" => match self.string_arg(attribute).as_deref() {
                Some("ingress") => FunctionKind::Tc(TcDirection::Ingress),
                Some("egress") => FunctionKind::Tc(TcDirection::Egress),
                Some(other) => {
                    self.report(errors::bad_tc_direction(attribute.args[0].span, other));
                    return None;
                }
                None => {
                    self.report(errors::tc_needs_direction(attribute.span));
                    return None;
                }
            },
            "tracepoint" => {
                let Some(target) = self.string_arg(attribute) else {
                    self.report(errors::tracepoint_needs_target(attribute.span, None));
                    return None;
                };
                match target.split_once('/') {
                    Some((category, event)) if is_event_name(category) && is_event_name(event) => {
                        FunctionKind::Tracepoint {
                            category: category.to_string(),
                            event: event.to_string(),
                        }
                    }
                    _ => {
                        self.report(errors::tracepoint_needs_target(
                            attribute.args[0].span,
                            Some(&target),
                        ));
                        return None;
                    }
                }
            }
            "probe" => {
                let Some(target) = self
                    .string_arg(attribute)
                    .filter(|target| !target.is_empty())
                else {
                    self.report(errors::probe_needs_target(attribute.span));
                    return None;
                };
                if !is_probe_target(&target) {
                    self.report(errors::invalid_probe_target(
                        attribute.args[0].span,
                        &target,
                    ));
                    return None;
                }
                FunctionKind::Probe { target }
            }
            "uprobe" | "uretprobe" => {
                let Some(target) = self.string_arg(attribute) else {
                    self.report(errors::uprobe_needs_target(attribute.span, name, None));
                    return None;
                };
                match target.rsplit_once(':') {
                    Some((path, function)) if !path.is_empty() && !function.is_empty() => {
                        FunctionKind::Uprobe {
                            path: path.to_string(),
                            function: function.to_string(),
                            ret: name == "uretprobe",
                        }
                    }
                    _ => {
                        self.report(errors::uprobe_needs_target(
                            attribute.args[0].span,
                            name,
                            Some(&target),
                        ));
                        return None;
                    }
                }
            }
            "struct_ops" => {
                self.report(errors::struct_ops_on_function(attribute.span));
                return None;
            }
            _ => {
                self.report(errors::unknown_attribute(
                    attribute.name.span,
                    name,
                    FUNCTION_ATTRIBUTES,
                ));
                return None;
            }
        };
        Some(kind)
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

    /// Checks the parameters and return type a program kind requires.
    pub(crate) fn check_program_signature(
        &mut self,
        decl: &ast::FunctionDecl,
        kind: &FunctionKind,
        params: &[Type],
        ret: &Type,
    ) {
        let i32_type = Type::Int(IntType::I32);
        let (context, expected_ret, signature) = match kind {
            FunctionKind::Xdp => (
                Some("xdp_md"),
                self.kernel_enum_type("xdp_action"),
                "fn(ctx: *xdp_md) -> xdp_action".to_string(),
            ),
            FunctionKind::Tc(_) => (
                Some("__sk_buff"),
                i32_type.clone(),
                "fn(ctx: *__sk_buff) -> i32".to_string(),
            ),
            FunctionKind::Uprobe { .. } => (
                Some("pt_regs"),
                i32_type.clone(),
                "fn(ctx: *pt_regs) -> i32".to_string(),
            ),
            FunctionKind::PerfEvent => (
                Some("bpf_perf_event_data"),
                i32_type.clone(),
                "fn(ctx: *bpf_perf_event_data) -> i32".to_string(),
            ),
            FunctionKind::Tracepoint { category, event } => {
                let context = tracepoint_context(category, event);
                self.check_tracepoint_signature(decl, &context, params, ret);
                return;
            }
            FunctionKind::Probe { target } => {
                self.check_probe_signature(decl, target, params, ret);
                return;
            }
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
        let Some(context) = context else { return };
        let label = kind_label(kind);
        let expected_param = self.context_pointer(context);
        match decl.params.as_slice() {
            [param] => {
                if params[0] != Type::Error && params[0] != expected_param {
                    let found = self.type_name(&params[0]);
                    self.report(errors::bad_program_param(
                        param.ty.span,
                        label,
                        &format!("*{context}"),
                        &found,
                        &signature,
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
                    &signature,
                ));
            }
        }
        self.check_program_return(decl, label, ret, &expected_ret, &signature);
    }

    fn check_program_return(
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

    fn check_tracepoint_signature(
        &mut self,
        decl: &ast::FunctionDecl,
        context: &str,
        params: &[Type],
        ret: &Type,
    ) {
        let signature = format!("fn(ctx: *{context}) -> i32");
        let label = "@tracepoint program";
        match (decl.params.as_slice(), params) {
            ([param], [ty]) => {
                let ok = match ty {
                    Type::Pointer(inner) => match **inner {
                        Type::Struct(id) => self.program.struct_def(id).name == context,
                        _ => false,
                    },
                    Type::Error => true,
                    _ => false,
                };
                if !ok {
                    let found = self.type_name(ty);
                    self.report(errors::bad_program_param(
                        param.ty.span,
                        label,
                        &format!("*{context}"),
                        &found,
                        &signature,
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
                    &signature,
                ));
            }
        }
        self.check_program_return(decl, label, ret, &Type::Int(IntType::I32), &signature);
    }

    fn check_probe_signature(
        &mut self,
        decl: &ast::FunctionDecl,
        target: &str,
        params: &[Type],
        ret: &Type,
    ) {
        let label = "@probe program";
        if target.contains('+') {
            if let Some(param) = decl.params.first() {
                self.report(errors::probe_offset_with_params(param.name.span, target));
            }
        } else if params.len() > MAX_PROBE_PARAMS {
            self.report(errors::too_many_params(
                decl.params[MAX_PROBE_PARAMS].name.span,
                label,
                MAX_PROBE_PARAMS,
            ));
        }
        for (param, ty) in decl.params.iter().zip(params) {
            if !matches!(
                ty,
                Type::Int(_)
                    | Type::Bool
                    | Type::Char
                    | Type::Pointer(_)
                    | Type::Enum(_)
                    | Type::Error
            ) {
                let found = self.type_name(ty);
                self.report(errors::bad_probe_param(param.ty.span, &found));
            }
        }
        self.check_program_return(decl, label, ret, &Type::Int(IntType::I32), "fn(...) -> i32");
    }

    fn check_main_signature(&mut self, decl: &ast::FunctionDecl, params: &[Type], ret: &Type) {
        match params {
            [] => {}
            [Type::Struct(id)] => {
                let id = *id;
                let fields = self.program.struct_def(id).fields.clone();
                for field in fields {
                    if !matches!(
                        field.ty,
                        Type::Int(_) | Type::Bool | Type::Str(_) | Type::Char
                    ) {
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

    /// `*S` for the kernel context struct `S`.
    fn context_pointer(&self, name: &str) -> Type {
        match self.env.symbol(name) {
            Some(super::env::Symbol::Struct(id)) => Type::Pointer(Box::new(Type::Struct(id))),
            _ => Type::Error,
        }
    }

    fn kernel_enum_type(&self, name: &str) -> Type {
        match self.env.symbol(name) {
            Some(super::env::Symbol::Enum(id)) => Type::Enum(id),
            _ => Type::Error,
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
            FunctionKind::StructOpsMethod { .. } => false,
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

/// The context struct a tracepoint program receives.
pub(crate) fn tracepoint_context(category: &str, event: &str) -> String {
    if category == "syscalls" {
        if event.starts_with("sys_enter_") {
            return "trace_event_raw_sys_enter".to_string();
        }
        if event.starts_with("sys_exit_") {
            return "trace_event_raw_sys_exit".to_string();
        }
    }
    format!("trace_event_raw_{event}")
}

/// A tracepoint category or event name: letters, digits and `_`.
fn is_event_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A kernel symbol (`do_unlinkat`, `foo.isra.0`), optionally with an
/// instruction offset (`vfs_read+16`, `vfs_read+0x10`): it becomes part of
/// a C section name, so nothing else may appear.
fn is_probe_target(target: &str) -> bool {
    let (symbol, offset) = match target.split_once('+') {
        Some((symbol, offset)) => (symbol, Some(offset)),
        None => (target, None),
    };
    let symbol_ok = symbol
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && symbol
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    let offset_ok = match offset {
        None => true,
        Some(offset) => match offset.strip_prefix("0x") {
            Some(hex) => !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()),
            None => !offset.is_empty() && offset.chars().all(|c| c.is_ascii_digit()),
        },
    };
    symbol_ok && offset_ok
}
