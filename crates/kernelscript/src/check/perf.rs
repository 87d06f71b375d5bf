//! Perf counters from userspace: the built-in `perf_options` struct, the
//! `perf_type` enum and the `perf_config` constants, and the perf form of
//! `attach(handle, perf_options { ... }, 0) -> PerfAttachment`, with
//! `read(attachment) -> i64` and `detach(attachment)`.
//!
//! `perf_options` is a language struct (not a kernel one, though it is
//! `Origin::Kernel` so the eBPF generator never defines it; userspace
//! defines it with its perf runtime). A literal may omit every field but
//! `perf_type` and `perf_config`: the checker fills the others with the
//! language defaults of `PERF_OPTION_FIELDS`, so generators always see a
//! complete literal. Rules the kernel would only report at run time are
//! checked here when the values are constant: attach flags must be 0, and
//! `pid: -1` with `cpu: -1` (every process on every CPU) is refused.
//! The perf names are language names: a user definition of the same name
//! hides them, as for builtins.

use crate::ir::{
    self, EnumDef, EnumVariantDef, ExprKind, FieldDef, IntType, Origin, StructDef, StructId, Type,
};
use crate::span::Span;
use crate::syntax::ast;

use super::consts::wrap;
use super::env::Symbol;
use super::exprs::{error_expr, node};
use super::{errors, Checker, ConstSlot, Resolution};

/// The struct name.
pub(crate) const PERF_OPTIONS: &str = "perf_options";

/// The `perf_type` enum: `perf_event_attr.type` (`PERF_TYPE_*`).
const PERF_TYPES: &[(&str, i64)] = &[
    ("perf_type_hardware", 0),
    ("perf_type_software", 1),
    ("perf_type_tracepoint", 2),
    ("perf_type_hw_cache", 3),
    ("perf_type_raw", 4),
    ("perf_type_breakpoint", 5),
];

/// `perf_event_attr.config` values (`PERF_COUNT_HW_*`, `PERF_COUNT_SW_*`).
const PERF_CONFIGS: &[(&str, i128)] = &[
    ("cpu_cycles", 0),
    ("instructions", 1),
    ("cache_references", 2),
    ("cache_misses", 3),
    ("branch_instructions", 4),
    ("branch_misses", 5),
    ("cpu_clock", 0),
    ("task_clock", 1),
    ("page_faults", 2),
    ("context_switches", 3),
    ("cpu_migrations", 4),
];

/// A field's type, resolved once the `perf_type` enum has its id.
#[derive(Clone, Copy)]
enum FieldType {
    PerfType,
    Int(IntType),
    Bool,
}

/// The fields of `perf_options` in C order, with their defaults (`None`:
/// required).
const PERF_OPTION_FIELDS: &[(&str, FieldType, Option<i128>)] = &[
    ("perf_type", FieldType::PerfType, None),
    ("perf_config", FieldType::Int(IntType::U64), None),
    ("pid", FieldType::Int(IntType::I32), Some(-1)),
    ("cpu", FieldType::Int(IntType::I32), Some(0)),
    ("period", FieldType::Int(IntType::U64), Some(1_000_000)),
    ("wakeup", FieldType::Int(IntType::U32), Some(1)),
    ("inherit", FieldType::Bool, Some(0)),
    ("exclude_kernel", FieldType::Bool, Some(0)),
    ("exclude_user", FieldType::Bool, Some(0)),
];

impl Checker<'_> {
    /// Defines `perf_options`, `perf_type`, its variants and the config
    /// constants (with the language builtins).
    pub(crate) fn define_perf_items(&mut self) {
        let enum_id = ir::EnumId(self.program.enums.len() as u32);
        self.program.enums.push(EnumDef {
            name: "perf_type".to_string(),
            variants: PERF_TYPES
                .iter()
                .map(|(name, value)| EnumVariantDef {
                    name: name.to_string(),
                    value: i128::from(*value),
                })
                .collect(),
            origin: Origin::Kernel,
            kernel: None,
            span: Span::default(),
        });
        self.enum_decls.push(None);
        let _ = self.env.define("perf_type", Symbol::Enum(enum_id), None);
        for (index, (name, _)) in PERF_TYPES.iter().enumerate() {
            let _ = self.env.define(name, Symbol::Variant(enum_id, index), None);
        }
        for (name, value) in PERF_CONFIGS {
            let id = ir::ConstId(self.program.consts.len() as u32);
            self.program.consts.push(ir::ConstDef {
                name: name.to_string(),
                ty: Type::Int(IntType::U64),
                value: *value,
                radix: ir::Radix::Decimal,
                origin: Origin::Kernel,
                span: Span::default(),
            });
            self.const_slots.push(ConstSlot {
                decl: None,
                state: Resolution::Done(()),
            });
            let _ = self.env.define(name, Symbol::Const(id), None);
        }
        let struct_id = StructId(self.program.structs.len() as u32);
        self.program.structs.push(StructDef {
            name: PERF_OPTIONS.to_string(),
            fields: PERF_OPTION_FIELDS
                .iter()
                .map(|(name, ty, _)| FieldDef {
                    name: name.to_string(),
                    ty: match ty {
                        FieldType::PerfType => Type::Enum(enum_id),
                        FieldType::Int(int) => Type::Int(*int),
                        FieldType::Bool => Type::Bool,
                    },
                })
                .collect(),
            origin: Origin::Kernel,
            struct_ops: None,
            kernel: None,
            span: Span::default(),
        });
        self.struct_decls.push(None);
        let _ = self
            .env
            .define(PERF_OPTIONS, Symbol::Struct(struct_id), None);
    }

    /// Whether `name`, already taken, is a perf name a user definition may
    /// hide.
    pub(crate) fn is_perf_name(name: &str) -> bool {
        name == PERF_OPTIONS
            || name == "perf_type"
            || PERF_TYPES.iter().any(|(perf, _)| *perf == name)
            || PERF_CONFIGS.iter().any(|(perf, _)| *perf == name)
    }

    /// Whether `ty` is (or holds in an array) one of the perf types, which
    /// exist in userspace only: the eBPF C has no definition of them.
    pub(crate) fn is_perf_type(&self, ty: &Type) -> bool {
        match ty {
            Type::Struct(id) => self.is_perf_options(*id),
            Type::Enum(id) => {
                let def = self.program.enum_def(*id);
                def.name == "perf_type" && def.origin == Origin::Kernel && def.kernel.is_none()
            }
            Type::Array(element, _) => self.is_perf_type(element),
            _ => false,
        }
    }

    /// A perf type or variant named in eBPF or kernel module code, or
    /// given to a map or global (which the eBPF object holds), is an error.
    pub(crate) fn check_perf_outside_userspace(&mut self, ty: &Type, name: &str, span: Span) {
        if self
            .fx
            .target()
            .is_some_and(|target| target != ir::Target::Userspace)
            && self.is_perf_type(ty)
        {
            self.report(errors::perf_name_outside_userspace(span, name));
        }
    }

    /// Maps and globals live in the eBPF object: perf types cannot.
    pub(crate) fn check_perf_shared_state(&mut self) {
        let mut found = Vec::new();
        for map in &self.program.maps {
            for ty in [&map.key, &map.value] {
                if self.is_perf_type(ty) {
                    found.push((map.span, map.name.clone()));
                }
            }
        }
        for global in &self.program.globals {
            if self.is_perf_type(&global.ty) {
                found.push((global.span, global.name.clone()));
            }
        }
        for (span, name) in found {
            self.report(errors::perf_type_in_shared_state(span, &name));
        }
    }

    /// Whether `id` is the built-in `perf_options`.
    pub(crate) fn is_perf_options(&self, id: StructId) -> bool {
        let def = self.program.struct_def(id);
        def.name == PERF_OPTIONS && def.origin == Origin::Kernel
    }

    /// Completes a `perf_options` literal with the defaults of the fields
    /// it omits (the required ones stay missing and are reported by the
    /// caller).
    pub(crate) fn perf_option_defaults(
        &self,
        id: StructId,
        lowered: &mut Vec<(usize, ir::Expr)>,
        span: Span,
    ) {
        if !self.is_perf_options(id) {
            return;
        }
        let def = self.program.struct_def(id);
        for (index, (_, _, default)) in PERF_OPTION_FIELDS.iter().enumerate() {
            let Some(value) = default else { continue };
            if lowered.iter().any(|(seen, _)| *seen == index) {
                continue;
            }
            let ty = def.fields[index].ty.clone();
            let value = match ty {
                Type::Bool => node(ExprKind::Bool(*value != 0), ty, span),
                ty => self.literal(*value, ir::Radix::Decimal, ty, span),
            };
            lowered.push((index, value));
        }
    }

    /// `attach(handle, opts, flags)` where `opts` is a `perf_options`:
    /// flags must be 0 and the pid/cpu pair must name something the kernel
    /// accepts.
    pub(crate) fn perf_attach_args(
        &mut self,
        handle: ir::Expr,
        options: ir::Expr,
        flags: &ast::Expr,
    ) -> Vec<ir::Expr> {
        let flags = self.expr_as(flags, &Type::Int(IntType::U32));
        if flags.ty != Type::Error && self.eval(&flags) != Some(0) {
            self.report(errors::perf_attach_flags(flags.span));
        }
        if let ExprKind::StructLit { fields, .. } = &options.kind {
            let field = |name: &str| {
                let index = PERF_OPTION_FIELDS.iter().position(|(f, ..)| *f == name)?;
                fields
                    .iter()
                    .find(|(seen, _)| *seen == index)
                    .map(|(_, e)| e)
            };
            let constant = |expr: &ir::Expr| self.eval(expr).map(|v| wrap(v, IntType::I32));
            if let (Some(pid), Some(cpu)) = (field("pid"), field("cpu")) {
                if constant(pid) == Some(-1) && constant(cpu) == Some(-1) {
                    let (cpu_span, pid_span) = (cpu.span, pid.span);
                    self.report(errors::perf_every_process_every_cpu(cpu_span, pid_span));
                }
            }
        }
        vec![handle, options, flags]
    }

    /// `read(attachment)` and `detach(attachment)`: one `PerfAttachment`.
    pub(crate) fn perf_attachment_arg(
        &mut self,
        args: &[ast::Expr],
        name: &str,
        span: Span,
    ) -> Vec<ir::Expr> {
        let [arg] = args else {
            self.report(errors::wrong_arg_count(span, name, 1, args.len()));
            self.skip_args(args);
            return Vec::new();
        };
        let value = self.expr(arg, None);
        match &value.ty {
            Type::PerfAttachment | Type::Error => vec![value],
            other => {
                let type_name = self.type_name(other);
                self.report(errors::read_needs_perf_attachment(arg.span, &type_name));
                vec![error_expr(arg.span)]
            }
        }
    }
}
