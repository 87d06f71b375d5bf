//! Calls: functions, tail calls, externs, BPF helpers, function pointers
//! and the language builtins.
//!
//! Who may call whom is decided in `programs.rs`; this file resolves the
//! callee, checks the arguments against the parameters, and picks the
//! `Callee`. Builtins are typed here:
//!
//! * `print(fmt, args...)` everywhere; `fmt` is a string (a literal in
//!   eBPF, where `bpf_printk` takes at most 3 values).
//! * Userspace only: `load(prog) -> ProgramHandle` (`prog` names a program
//!   function), `attach(handle, target: str, flags: u32) -> i32` (`handle`
//!   comes from `load`), `detach(handle)`, the perf counter form
//!   `attach(handle, perf_options { ... }, 0) -> PerfAttachment` with
//!   `read(attachment) -> i64` and `detach(attachment)` (rules in
//!   `perf.rs`), `dispatch(rb, ...) -> i32` (ring
//!   buffers), `exec(path: str)` (never returns), `daemon()`,
//!   `register(impl) -> i32` (a `@struct_ops` impl block), `sleep(ms: u32)`,
//!   the standard library of `ir::LIBRARY` (`getpid`, `now_ns`,
//!   `format_ipv4`, `str_contains`, ...), and
//!   `test(prog, data) -> i32` (in `@test` functions only).

use crate::ir::{
    self, Builtin, Callee, ExprKind, FunctionKind, FunctionType, IntType, Target, Type,
};
use crate::span::Span;
use crate::syntax::ast;

use super::env::{did_you_mean, Symbol};
use super::exprs::{error_expr, node, Position};
use super::kernel::{helper_signature, BYTE_ORDER_MACROS};
use super::modules::Named;
use super::scope::Binding;
use super::{errors, Checker};
use crate::kinds::TestRun;

/// The language builtins by name.
pub(crate) const BUILTINS: &[(&str, Builtin)] = &[
    ("print", Builtin::Print),
    (
        "eprint",
        Builtin::Output {
            stderr: true,
            newline: true,
        },
    ),
    (
        "printf",
        Builtin::Output {
            stderr: false,
            newline: false,
        },
    ),
    (
        "eprintf",
        Builtin::Output {
            stderr: true,
            newline: false,
        },
    ),
    ("load", Builtin::Load),
    ("attach", Builtin::Attach),
    ("detach", Builtin::Detach),
    ("register", Builtin::Register),
    ("dispatch", Builtin::Dispatch),
    ("read", Builtin::Read),
    ("exec", Builtin::Exec),
    ("daemon", Builtin::Daemon),
    ("sleep", Builtin::Sleep),
    ("test", Builtin::Test),
    ("assert", Builtin::Assert),
    ("assert_eq", Builtin::AssertEq),
    (
        "udp_packet",
        Builtin::Packet(ir::PacketBuilder {
            ipv6: false,
            tcp: false,
        }),
    ),
    (
        "tcp_packet",
        Builtin::Packet(ir::PacketBuilder {
            ipv6: false,
            tcp: true,
        }),
    ),
    (
        "udp6_packet",
        Builtin::Packet(ir::PacketBuilder {
            ipv6: true,
            tcp: false,
        }),
    ),
    (
        "tcp6_packet",
        Builtin::Packet(ir::PacketBuilder {
            ipv6: true,
            tcp: true,
        }),
    ),
];

/// The shortest packet `test()` hands the kernel: an Ethernet header (the
/// kernel refuses XDP and TC test runs with less).
const MIN_TEST_PACKET: u32 = 14;

/// `bpf_printk` takes a format and at most this many values.
const EBPF_PRINT_MAX_VALUES: usize = 3;

impl Checker<'_> {
    pub(crate) fn call(
        &mut self,
        whole: &ast::Expr,
        callee: &ast::Expr,
        args: &[ast::Expr],
        expected: Option<&Type>,
        position: Position,
    ) -> ir::Expr {
        let span = whole.span;
        let mut value_callee = false;
        if let ast::ExprKind::Field { base, name } = &callee.kind {
            match self.named(callee) {
                Named::Item { symbol, name } => {
                    match self.call_symbol(symbol, &name, callee.span, args, position, span) {
                        Some(call) => return call,
                        None => value_callee = true,
                    }
                }
                Named::Python { module, function } => {
                    return self.python_call(module, function, args, expected, position, span);
                }
                Named::Missing { module, member } => {
                    self.report_missing_member(module, member);
                    self.skip_args(args);
                    return error_expr(span);
                }
                Named::NotGlobal | Named::Unknown => {}
            }
            if !value_callee {
                if let Some(Symbol::Map(map)) = self.item_symbol(base) {
                    return self.map_method(map, name, args, span);
                }
                let receiver = self.expr(base, None);
                if receiver.ty != Type::Error {
                    let type_name = self.type_name(&receiver.ty);
                    self.report(errors::no_method(name.span, &name.name, &type_name));
                }
                self.skip_args(args);
                return error_expr(span);
            }
        }
        if let ast::ExprKind::Ident(name) = &callee.kind {
            if self.fx.lookup(name).is_none() {
                match self.global_symbol(name, callee.span) {
                    Some(symbol) => {
                        if let Some(call) =
                            self.call_symbol(symbol, name, callee.span, args, position, span)
                        {
                            return call;
                        }
                    }
                    // Another method of the same impl block.
                    None if self.sibling_method(name).is_some() => {
                        let method = self.sibling_method(name).expect("checked above");
                        return self.call_function(method, callee.span, args, position, span);
                    }
                    None => {
                        let mut candidates = self.env.names_where(callee.span, |symbol| {
                            matches!(
                                symbol,
                                Symbol::Function(_)
                                    | Symbol::Extern(_)
                                    | Symbol::Helper(_)
                                    | Symbol::Builtin(_)
                            )
                        });
                        candidates.extend(self.fx.visible_names());
                        candidates.extend(btf::bpf_helpers().iter().map(|helper| helper.name));
                        candidates.extend(BYTE_ORDER_MACROS.iter().map(|(name, _)| *name));
                        let suggestion = did_you_mean(name, candidates);
                        self.report(errors::undefined_name(
                            callee.span,
                            name,
                            "function",
                            suggestion,
                        ));
                        self.skip_args(args);
                        return error_expr(span);
                    }
                }
            } else if let Some(Binding::Const { .. }) = self.fx.lookup(name) {
                self.report(errors::not_callable(callee.span, name, "constant"));
                self.skip_args(args);
                return error_expr(span);
            }
        }
        let target = self.expr(callee, None);
        let Type::Function(function) = target.ty.clone() else {
            if target.ty != Type::Error {
                let type_name = self.type_name(&target.ty);
                self.report(errors::not_a_function_value(callee.span, &type_name));
            }
            self.skip_args(args);
            return error_expr(span);
        };
        if self.fx.is_ebpf() {
            self.report(errors::indirect_call_in_ebpf(span));
        }
        let args = self.call_args(&function.params, args, "function pointer", span);
        let ret = function.ret.clone();
        node(
            ExprKind::Call {
                callee: Callee::Indirect(Box::new(target)),
                args,
            },
            ret,
            span,
        )
    }

    /// A call of the global item `name` (as written) denoting `symbol`;
    /// `None` when the item is a value that may hold a function (a global
    /// or constant), which the caller checks as an expression.
    fn call_symbol(
        &mut self,
        symbol: Symbol,
        name: &str,
        callee_span: Span,
        args: &[ast::Expr],
        position: Position,
        span: Span,
    ) -> Option<ir::Expr> {
        Some(match symbol {
            Symbol::Function(id) => self.call_function(id, callee_span, args, position, span),
            Symbol::Extern(id) => self.call_extern(id, name, args, span),
            Symbol::Helper(index) => self.call_helper(index, args, span),
            Symbol::Builtin(builtin) => self.call_builtin(builtin, name, args, span),
            Symbol::Global(_) | Symbol::Const(_) | Symbol::Variant(..) => return None,
            other => {
                self.report(errors::not_callable(callee_span, name, other.describe()));
                self.skip_args(args);
                error_expr(span)
            }
        })
    }

    /// A method of the struct_ops impl block the current function belongs
    /// to, named `name`.
    fn sibling_method(&self, name: &str) -> Option<ir::FunctionId> {
        let Some(ir::FunctionKind::StructOpsMethod { impl_name }) = &self.fx.kind else {
            return None;
        };
        let slot = self
            .impls
            .iter()
            .find(|slot| slot.decl.name.name == *impl_name)?;
        slot.methods
            .iter()
            .find(|(method, _)| method == name)
            .map(|(_, id)| *id)
    }

    /// Checks arguments that cannot be matched to parameters, for their
    /// own diagnostics.
    pub(crate) fn skip_args(&mut self, args: &[ast::Expr]) {
        for arg in args {
            if !matches!(arg.kind, ast::ExprKind::Ident(_)) {
                self.expr(arg, None);
            }
        }
    }

    /// Whether `args` are as many as `params`; if not, reports it and
    /// checks the arguments alone.
    fn arg_count_matches(
        &mut self,
        params: &[Type],
        args: &[ast::Expr],
        callee: &str,
        span: Span,
    ) -> bool {
        if params.len() == args.len() {
            return true;
        }
        self.report(errors::wrong_arg_count(
            span,
            callee,
            params.len(),
            args.len(),
        ));
        self.skip_args(args);
        false
    }

    /// Checks `args` against `params` (count, then each type).
    pub(crate) fn call_args(
        &mut self,
        params: &[Type],
        args: &[ast::Expr],
        callee: &str,
        span: Span,
    ) -> Vec<ir::Expr> {
        if !self.arg_count_matches(params, args, callee, span) {
            return Vec::new();
        }
        params
            .iter()
            .zip(args)
            .map(|(param, arg)| self.expr_as(arg, param))
            .collect()
    }

    /// The arguments of a standard library function: a text parameter
    /// (`str` of any length) also takes a byte array (`u8[N]`, `char[N]`),
    /// read up to its first NUL or its end.
    fn library_args(
        &mut self,
        params: &[Type],
        args: &[ast::Expr],
        callee: &str,
        span: Span,
    ) -> Vec<ir::Expr> {
        if !self.arg_count_matches(params, args, callee, span) {
            return Vec::new();
        }
        params
            .iter()
            .zip(args)
            .map(|(param, arg)| {
                if *param == Type::Str(u32::MAX) && !matches!(arg.kind, ast::ExprKind::Str(_)) {
                    let value = self.expr(arg, None);
                    if matches!(value.ty, Type::Array(..)) && value.ty.is_byte_string() {
                        return value;
                    }
                    return self.coerce(value, param, arg.span);
                }
                self.expr_as(arg, param)
            })
            .collect()
    }

    /// A function named as a value: a program reference (for `load`) or a
    /// function pointer.
    pub(crate) fn function_value(&mut self, id: ir::FunctionId, span: Span) -> ir::Expr {
        let function = self.program.function(id);
        if let Some(program_kind) = super::programs::program_kind(&function.kind) {
            return node(
                ExprKind::FunctionRef(id),
                Type::ProgramRef(program_kind),
                span,
            );
        }
        let test_outside_tests =
            function.kind == ir::FunctionKind::Test && self.fx.kind != Some(ir::FunctionKind::Test);
        if let Some(target) = self.fx.target() {
            if function.kind.target() != target || test_outside_tests {
                let name = function.name.clone();
                let kind = super::programs::kind_label(&function.kind);
                let here = self.fx.name.clone();
                self.report(errors::function_value_across_boundary(
                    span, &name, kind, &here,
                ));
                return error_expr(span);
            }
        }
        let function = self.program.function(id);
        let params = function
            .params
            .iter()
            .map(|param| function.local(*param).ty.clone())
            .collect();
        let ty = Type::Function(Box::new(FunctionType {
            params,
            ret: function.ret.clone(),
            function: Some(id),
        }));
        node(ExprKind::FunctionRef(id), ty, span)
    }

    fn call_function(
        &mut self,
        id: ir::FunctionId,
        callee_span: Span,
        args: &[ast::Expr],
        position: Position,
        span: Span,
    ) -> ir::Expr {
        let function = self.program.function(id);
        let name = function.name.clone();
        let params: Vec<Type> = function
            .params
            .iter()
            .map(|param| function.local(*param).ty.clone())
            .collect();
        let ret = function.ret.clone();
        if function.kind.is_program() {
            return self.tail_call(id, callee_span, args, position, span);
        }
        self.check_call_allowed(id, callee_span);
        let args = self.call_args(&params, args, &name, span);
        if self.fx.is_ebpf() && self.program.function(id).kind.target() == Target::Ebpf {
            let catches = self.fx.try_stack.clone();
            self.fx.calls.push(super::scope::CallEdge {
                callee: id,
                span: callee_span,
                catches,
            });
        }
        node(
            ExprKind::Call {
                callee: Callee::Function(id),
                args,
            },
            ret,
            span,
        )
    }

    fn tail_call(
        &mut self,
        id: ir::FunctionId,
        callee_span: Span,
        args: &[ast::Expr],
        position: Position,
        span: Span,
    ) -> ir::Expr {
        let callee = self.program.function(id);
        let callee_name = callee.name.clone();
        let ret = callee.ret.clone();
        let program_type = |kind: &FunctionKind| kind.program().map(|decl| decl.descriptor());
        let callee_type = program_type(&callee.kind);
        let caller_type = self.fx.kind.as_ref().and_then(program_type);
        if position != Position::Return || caller_type.is_none() {
            let definition = self.program.function(id).span;
            self.report(errors::program_called_directly(
                callee_span,
                &callee_name,
                definition,
            ));
            self.skip_args(args);
            return error_expr(span);
        }
        if caller_type.map(|d| d.program_type) != callee_type.map(|d| d.program_type) {
            let caller = self.fx.name.clone();
            let callee_kind = super::programs::kind_label(&self.program.function(id).kind);
            let caller_kind = self
                .fx
                .kind
                .as_ref()
                .map_or("function", super::programs::kind_label);
            self.report(errors::tail_call_kind_mismatch(
                callee_span,
                &callee_name,
                callee_kind,
                &caller,
                caller_kind,
            ));
            self.skip_args(args);
            return error_expr(span);
        }
        if !caller_type.is_some_and(|descriptor| descriptor.tail_calls) {
            self.report(errors::tail_call_unsupported(
                callee_span,
                &self.fx.name.clone(),
            ));
            self.skip_args(args);
            return error_expr(span);
        }
        let callee_context = self
            .program
            .function(id)
            .locals
            .first()
            .map(|local| local.ty.clone());
        let caller_context = self.fx.locals.first().map(|local| local.ty.clone());
        if callee_context != caller_context {
            let context =
                callee_context.map_or_else(|| "no context".to_string(), |ty| self.type_name(&ty));
            self.report(errors::tail_call_context_mismatch(
                callee_span,
                &callee_name,
                &context,
            ));
            self.skip_args(args);
            return error_expr(span);
        }
        let passes_context = matches!(args, [arg] if matches!(&arg.kind, ast::ExprKind::Ident(name)
            if matches!(self.fx.lookup(name), Some(Binding::Local(local)) if local.index() == 0)));
        if !passes_context {
            self.report(errors::tail_call_needs_context(span, &callee_name));
            self.skip_args(args);
            return error_expr(span);
        }
        let context = self.expr(&args[0], None);
        node(
            ExprKind::Call {
                callee: Callee::TailCall(id),
                args: vec![context],
            },
            ret,
            span,
        )
    }

    fn call_extern(
        &mut self,
        id: ir::ExternId,
        name: &str,
        args: &[ast::Expr],
        span: Span,
    ) -> ir::Expr {
        if !self.fx.is_ebpf() {
            self.report(errors::kernel_callee_outside_ebpf(
                span,
                name,
                "extern kernel function",
                &self.fx.name.clone(),
            ));
        }
        let def = self.program.extern_def(id);
        let params: Vec<Type> = def.params.iter().map(|(_, ty)| ty.clone()).collect();
        let ret = def.ret.clone();
        let args = self.call_args(&params, args, name, span);
        node(
            ExprKind::Call {
                callee: Callee::Extern(id),
                args,
            },
            ret,
            span,
        )
    }

    fn call_helper(&mut self, index: usize, args: &[ast::Expr], span: Span) -> ir::Expr {
        let signature = helper_signature(self, index);
        let name = signature.name;
        if !self.fx.is_ebpf() {
            self.report(errors::kernel_callee_outside_ebpf(
                span,
                name,
                "BPF helper",
                &self.fx.name.clone(),
            ));
        }
        let fixed = signature.params.len();
        let count_ok = if signature.is_variadic {
            args.len() >= fixed
        } else {
            args.len() == fixed
        };
        if !count_ok {
            self.report(errors::wrong_arg_count(span, name, fixed, args.len()));
            self.skip_args(args);
            return node(
                ExprKind::Call {
                    callee: Callee::BpfHelper(name.to_string()),
                    args: Vec::new(),
                },
                Type::Error,
                span,
            );
        }
        let mut lowered = Vec::with_capacity(args.len());
        for (index, arg) in args.iter().enumerate() {
            let map = signature
                .map_params
                .get(index)
                .copied()
                .unwrap_or(false)
                .then(|| self.map_index_target(arg))
                .flatten();
            let value = match (map, signature.params.get(index)) {
                // `bpf_get_stackid(ctx, stacks, 0)`: the map itself.
                (Some(map), _) => node(
                    ExprKind::MapRef(map),
                    Type::Pointer(Box::new(Type::Void)),
                    arg.span,
                ),
                (None, Some(param)) => self.expr_as(arg, param),
                (None, None) => self.expr(arg, None),
            };
            lowered.push(value);
        }
        node(
            ExprKind::Call {
                callee: Callee::BpfHelper(name.to_string()),
                args: lowered,
            },
            signature.ret,
            span,
        )
    }

    fn call_builtin(
        &mut self,
        builtin: Builtin,
        name: &str,
        args: &[ast::Expr],
        span: Span,
    ) -> ir::Expr {
        if builtin != Builtin::Print && self.fx.target() != Some(Target::Userspace) {
            self.report(errors::userspace_builtin_outside_userspace(span, name));
            self.skip_args(args);
            return error_expr(span);
        }
        let u32_type = Type::Int(IntType::U32);
        let i32_type = Type::Int(IntType::I32);
        let (args, ret) = match builtin {
            Builtin::Print | Builtin::Output { .. } => (self.print_args(args, span), Type::Void),
            Builtin::Load => (self.load_args(args, span), Type::ProgramHandle),
            Builtin::Attach => {
                let args = self.attach_args(args, span);
                let perf = matches!(args.get(1).map(|options| &options.ty),
                    Some(Type::Struct(id)) if self.is_perf_options(*id));
                (args, if perf { Type::PerfAttachment } else { i32_type })
            }
            Builtin::Detach => {
                let args = self.detach_args(args, span);
                (args, Type::Void)
            }
            Builtin::Dispatch => (self.dispatch_args(args, span), i32_type),
            Builtin::Exec => (
                self.call_args(&[Type::Str(u32::MAX)], args, name, span),
                Type::Void,
            ),
            Builtin::Daemon => (self.call_args(&[], args, name, span), Type::Void),
            Builtin::Sleep => (
                self.call_args(std::slice::from_ref(&u32_type), args, name, span),
                Type::Void,
            ),
            Builtin::Register => (self.register_args(args, span), i32_type),
            Builtin::Test => {
                if self.fx.kind != Some(ir::FunctionKind::Test) {
                    self.report(errors::test_outside_test_function(span));
                }
                let args = self.test_args(args, span);
                // The program's own result type when it is an integer
                // (`i32` for TC: TC_ACT_* compare as written); else the
                // kernel's `u32` (an `xdp_action` compares with it).
                let ret = match args.first().map(|program| &program.kind) {
                    Some(ExprKind::FunctionRef(id)) => match &self.program.function(*id).ret {
                        Type::Int(int) => Type::Int(*int),
                        _ => u32_type,
                    },
                    _ => u32_type,
                };
                (args, ret)
            }
            Builtin::Assert | Builtin::AssertEq => {
                if self.fx.kind != Some(ir::FunctionKind::Test) {
                    self.report(errors::assert_outside_test_function(span, name));
                }
                (self.assert_args(builtin, args, name, span), Type::Void)
            }
            Builtin::Packet(builder) => {
                if self.fx.kind != Some(ir::FunctionKind::Test) {
                    self.report(errors::assert_outside_test_function(span, name));
                }
                (self.packet_args(builder, args, name, span), Type::Void)
            }
            Builtin::Read => (
                self.perf_attachment_arg(args, name, span),
                Type::Int(IntType::I64),
            ),
            Builtin::Library(function) => {
                let (params, ret) = function.signature();
                (self.library_args(&params, args, name, span), ret)
            }
            Builtin::New(_) | Builtin::Delete => {
                unreachable!("`new`/`delete` are syntax, not names")
            }
        };
        if args.iter().any(|arg| arg.ty == Type::Error) {
            return error_expr(span);
        }
        node(
            ExprKind::Call {
                callee: Callee::Builtin(builtin),
                args,
            },
            ret,
            span,
        )
    }

    fn print_args(&mut self, args: &[ast::Expr], span: Span) -> Vec<ir::Expr> {
        let Some((format, values)) = args.split_first() else {
            self.report(errors::print_needs_format(span));
            return Vec::new();
        };
        let format = self.expr(format, None);
        let mut lowered = Vec::with_capacity(args.len());
        match (&format.kind, &format.ty) {
            (ExprKind::Str(_), _) => {}
            (_, Type::Str(_)) if !self.fx.is_ebpf() => {}
            (_, Type::Error) => {}
            (_, other) => {
                let type_name = self.type_name(other);
                self.report(errors::print_format_not_literal(
                    format.span,
                    &type_name,
                    self.fx.is_ebpf(),
                ));
            }
        }
        lowered.push(format);
        for value in values {
            let value = self.expr(value, None);
            if !matches!(
                value.ty,
                Type::Int(_)
                    | Type::Bool
                    | Type::Char
                    | Type::Str(_)
                    | Type::Pointer(_)
                    | Type::Enum(_)
                    | Type::Error
            ) && !value.ty.is_byte_string()
            {
                let type_name = self.type_name(&value.ty);
                self.report(errors::not_printable(value.span, &type_name));
            }
            lowered.push(value);
        }
        self.check_format(&lowered[0], &lowered[1..]);
        // After a `%`-free first string, string literals are folded into
        // bpf_printk's format; only the other values count.
        let folds_literals = matches!(&lowered[0].kind, ExprKind::Str(text) if !text.contains('%'));
        let counted: Vec<&ast::Expr> = values
            .iter()
            .zip(&lowered[1..])
            .filter(|(_, value)| !(folds_literals && matches!(value.kind, ExprKind::Str(_))))
            .map(|(written, _)| written)
            .collect();
        if self.fx.is_ebpf() && counted.len() > EBPF_PRINT_MAX_VALUES {
            self.report(errors::too_many_print_values(
                counted[EBPF_PRINT_MAX_VALUES].span,
                counted.len(),
            ));
        }
        lowered
    }

    /// Pairs the conversions of a literal format with the values: each
    /// needs a value of a type it prints (`%s` a string, a byte array or a
    /// `*u8`; `%d` an integer; `%p` a pointer), never a silent reinterpretation.
    fn check_format(&mut self, format: &ir::Expr, values: &[ir::Expr]) {
        let ExprKind::Str(text) = &format.kind else {
            return;
        };
        let specs = crate::printf::conversions(text);
        if specs.len() > values.len() {
            self.report(errors::print_missing_values(
                format.span,
                specs.len(),
                values.len(),
            ));
        }
        for ((_, spec), value) in specs.iter().zip(values) {
            let ty = &value.ty;
            let fits = match spec.conversion {
                's' => matches!(ty, Type::Str(_) | Type::Bool) || ty.is_byte_string(),
                'c' => matches!(ty, Type::Char | Type::Int(_)),
                'p' => matches!(ty, Type::Pointer(_) | Type::Null | Type::Function(_)),
                _ => matches!(ty, Type::Int(_) | Type::Bool | Type::Char | Type::Enum(_)),
            };
            if !fits && *ty != Type::Error {
                let type_name = self.type_name(ty);
                self.report(errors::print_conversion_mismatch(
                    value.span,
                    format.span,
                    spec.conversion,
                    &type_name,
                ));
            }
        }
    }

    fn load_args(&mut self, args: &[ast::Expr], span: Span) -> Vec<ir::Expr> {
        let [arg] = args else {
            self.report(errors::wrong_arg_count(span, "load", 1, args.len()));
            self.skip_args(args);
            return Vec::new();
        };
        let value = self.expr(arg, None);
        match value.ty {
            Type::ProgramRef(_) => vec![value],
            Type::Error => vec![value],
            _ => {
                let type_name = self.type_name(&value.ty);
                self.report(errors::load_needs_program(arg.span, &type_name));
                vec![error_expr(arg.span)]
            }
        }
    }

    fn attach_args(&mut self, args: &[ast::Expr], span: Span) -> Vec<ir::Expr> {
        if args.len() != 3 {
            self.report(errors::wrong_arg_count(span, "attach", 3, args.len()));
            self.skip_args(args);
            return Vec::new();
        }
        let handle = self.handle_arg(&args[0], "attach");
        let target = self.expr(&args[1], None);
        if matches!(target.ty, Type::Struct(id) if self.is_perf_options(id)) {
            return self.perf_attach_args(handle, target, &args[2]);
        }
        let target = match target.ty {
            Type::Str(_) | Type::Error => target,
            _ => {
                let type_name = self.type_name(&target.ty);
                self.report(errors::mismatched_types(args[1].span, "str", &type_name));
                error_expr(args[1].span)
            }
        };
        let flags = self.expr_as(&args[2], &Type::Int(IntType::U32));
        vec![handle, target, flags]
    }

    /// A `ProgramHandle` argument; a program passed directly is the
    /// classic "attach before load" mistake.
    fn handle_arg(&mut self, arg: &ast::Expr, builtin: &str) -> ir::Expr {
        let value = self.expr(arg, None);
        self.handle_value(value, arg, builtin)
    }

    /// `detach(handle)` or `detach(perf_attachment)`.
    fn detach_args(&mut self, args: &[ast::Expr], span: Span) -> Vec<ir::Expr> {
        let [arg] = args else {
            self.report(errors::wrong_arg_count(span, "detach", 1, args.len()));
            self.skip_args(args);
            return Vec::new();
        };
        let value = self.expr(arg, None);
        if value.ty == Type::PerfAttachment {
            return vec![value];
        }
        vec![self.handle_value(value, arg, "detach")]
    }

    fn handle_value(&mut self, value: ir::Expr, arg: &ast::Expr, builtin: &str) -> ir::Expr {
        match &value.ty {
            Type::ProgramHandle | Type::Error => value,
            Type::ProgramRef(_) => {
                let program = match &arg.kind {
                    ast::ExprKind::Ident(name) => name.clone(),
                    _ => "prog".to_string(),
                };
                self.report(errors::handle_before_load(arg.span, builtin, &program));
                error_expr(arg.span)
            }
            other => {
                let type_name = self.type_name(other);
                self.report(errors::mismatched_types(
                    arg.span,
                    "ProgramHandle",
                    &type_name,
                ));
                error_expr(arg.span)
            }
        }
    }

    fn dispatch_args(&mut self, args: &[ast::Expr], span: Span) -> Vec<ir::Expr> {
        if args.is_empty() {
            self.report(errors::dispatch_needs_ring_buffer(span));
            return Vec::new();
        }
        let mut lowered = Vec::new();
        for arg in args {
            match self.map_index_target(arg) {
                Some(map) if self.program.map(map).is_event_source() => {
                    lowered.push(node(ExprKind::MapRef(map), Type::Map(map), arg.span));
                }
                _ => {
                    self.report(errors::dispatch_needs_ring_buffer(arg.span));
                    lowered.push(error_expr(arg.span));
                }
            }
        }
        lowered
    }

    fn register_args(&mut self, args: &[ast::Expr], span: Span) -> Vec<ir::Expr> {
        let [arg] = args else {
            self.report(errors::wrong_arg_count(span, "register", 1, args.len()));
            self.skip_args(args);
            return Vec::new();
        };
        let target = match &arg.kind {
            ast::ExprKind::Ident(_) => self.item_symbol(arg),
            _ => None,
        };
        match target {
            Some(Symbol::Impl(id)) if self.impls[id.0].ops_type.is_some() => {
                let id = ir::StructOpsId(id.0 as u32);
                vec![node(
                    ExprKind::StructOpsRef(id),
                    Type::StructOps(id),
                    arg.span,
                )]
            }
            // An impl whose `@struct_ops` type is unknown: already reported.
            Some(Symbol::Impl(id))
                if self.impls[id.0]
                    .decl
                    .attributes
                    .iter()
                    .any(|attribute| attribute.name.name == "struct_ops") =>
            {
                vec![error_expr(arg.span)]
            }
            _ => {
                self.report(errors::register_needs_impl(arg.span));
                vec![error_expr(arg.span)]
            }
        }
    }

    fn test_args(&mut self, args: &[ast::Expr], span: Span) -> Vec<ir::Expr> {
        let [program, data] = args else {
            self.report(errors::wrong_arg_count(span, "test", 2, args.len()));
            self.skip_args(args);
            return Vec::new();
        };
        let program = self.expr(program, None);
        if !matches!(program.ty, Type::ProgramRef(_) | Type::Error) {
            let type_name = self.type_name(&program.ty);
            self.report(errors::load_needs_program(program.span, &type_name));
        }
        let data = self.expr(data, None);
        if let (ExprKind::FunctionRef(id), false) = (&program.kind, data.ty == Type::Error) {
            if let Some(decl) = self.program.function(*id).kind.program() {
                let descriptor = decl.descriptor();
                let fits = match descriptor.test_run {
                    TestRun::Packet => match &data.ty {
                        Type::Array(element, len) if **element == Type::Int(IntType::U8) => {
                            if *len < MIN_TEST_PACKET {
                                self.report(errors::test_packet_too_short(
                                    data.span,
                                    *len,
                                    MIN_TEST_PACKET,
                                ));
                            }
                            true
                        }
                        _ => false,
                    },
                    TestRun::Arguments => matches!(&data.ty,
                        Type::Array(element, _) if **element == Type::Int(IntType::U64)),
                    TestRun::Unsupported => {
                        self.report(errors::test_run_unsupported(program.span, descriptor.label));
                        true
                    }
                };
                if !fits {
                    let type_name = self.type_name(&data.ty);
                    self.report(errors::test_input_mismatch(
                        data.span,
                        descriptor.label,
                        descriptor.test_run,
                        &type_name,
                    ));
                    return vec![program, error_expr(data.span)];
                }
            }
        }
        vec![program, data]
    }

    /// A packet builder's arguments: the `u8[N]` array it fills (long
    /// enough for the headers), the addresses (`u32` for IPv4, `u8[16]`
    /// for IPv6), the ports, and TCP's flags byte.
    fn packet_args(
        &mut self,
        builder: ir::PacketBuilder,
        args: &[ast::Expr],
        name: &str,
        span: Span,
    ) -> Vec<ir::Expr> {
        let address = if builder.ipv6 {
            Type::Array(Box::new(Type::Int(IntType::U8)), 16)
        } else {
            Type::Int(IntType::U32)
        };
        let port = Type::Int(IntType::U16);
        let mut params = vec![address.clone(), address, port.clone(), port];
        if builder.tcp {
            params.push(Type::Int(IntType::U8));
        }
        let Some((packet, rest)) = args.split_first() else {
            self.report(errors::wrong_arg_count(span, name, params.len() + 1, 0));
            return Vec::new();
        };
        if rest.len() != params.len() {
            self.report(errors::wrong_arg_count(
                span,
                name,
                params.len() + 1,
                args.len(),
            ));
            self.skip_args(args);
            return Vec::new();
        }
        let packet = self.expr(packet, None);
        let fits = match &packet.ty {
            Type::Array(element, len) if **element == Type::Int(IntType::U8) => {
                if *len < builder.header_len() {
                    self.report(errors::packet_too_short_for(
                        packet.span,
                        name,
                        *len,
                        builder.header_len(),
                    ));
                }
                true
            }
            Type::Error => true,
            _ => false,
        };
        if !fits {
            let type_name = self.type_name(&packet.ty);
            self.report(errors::packet_builder_needs_array(
                packet.span,
                name,
                &type_name,
            ));
        }
        let mut lowered = vec![packet];
        lowered.extend(self.call_args(&params, rest, name, span));
        if !fits {
            lowered[0] = error_expr(lowered[0].span);
        }
        lowered
    }

    /// `assert(cond)` and `assert_eq(a, b)`: a `bool`, or two values of
    /// one integer, bool or enum type.
    fn assert_args(
        &mut self,
        builtin: Builtin,
        args: &[ast::Expr],
        name: &str,
        span: Span,
    ) -> Vec<ir::Expr> {
        if builtin == Builtin::Assert {
            return self.call_args(&[Type::Bool], args, name, span);
        }
        let [left, right] = args else {
            self.report(errors::wrong_arg_count(span, name, 2, args.len()));
            self.skip_args(args);
            return Vec::new();
        };
        let left = self.expr(left, None);
        let right = self.expr(right, Some(&left.ty));
        if left.ty == Type::Error || right.ty == Type::Error {
            return vec![left, right];
        }
        let comparable = |ty: &Type| matches!(ty, Type::Int(_) | Type::Bool | Type::Enum(_));
        if !comparable(&left.ty) || !comparable(&right.ty) {
            let bad = if comparable(&left.ty) { &right } else { &left };
            let type_name = self.type_name(&bad.ty);
            self.report(errors::assert_eq_operand(bad.span, &type_name));
            return vec![left, error_expr(right.span)];
        }
        // An enum compares with an integer by value (`assert_eq(result,
        // XDP_PASS)` where `test()` gives a `u32`).
        let mixed = matches!(
            (&left.ty, &right.ty),
            (Type::Enum(_), Type::Int(_)) | (Type::Int(_), Type::Enum(_))
        );
        if mixed || self.assignable(&right.ty, &left.ty) {
            return vec![left, right];
        }
        if self.assignable(&left.ty, &right.ty) {
            return vec![left, right];
        }
        let right_span = right.span;
        let right = self.coerce(right, &left.ty, right_span);
        vec![left, right]
    }
}
