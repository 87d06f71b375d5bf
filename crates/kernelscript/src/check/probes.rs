//! Signatures of programs that take a kernel function's arguments
//! (`Signature::KernelFunctionArgs`: `@probe` fentry, `@fexit`, `@kprobe`,
//! `@lsm`) or its return value (`Signature::KernelFunctionReturn`:
//! `@kretprobe`), checked against the function's BTF prototype.
//!
//! Rules (the kinds' descriptors say which apply):
//! * the parameters are the function's, in order: names may differ, types
//!   must match (`types_compatible`: a `char *` may be `*u8`, any pointer
//!   may be `*void`), trailing ones may be left out;
//! * after all of them may come the return value (`@fexit`: typed as the
//!   function returns it) or the previous LSM program's `int` result;
//! * a lone `ctx: *pt_regs` takes the registers instead where the kind
//!   allows it (`@kprobe`, `@kretprobe`, `@probe("f+off")`), and is the
//!   only form without a target;
//! * a kernel function taking a struct by value cannot be traced this way;
//!   `BPF_KPROBE` reads at most five arguments, `BPF_PROG` twelve.
//!
//! The result is the program's `Entry` (how its C function receives the
//! arguments).

use btf::TypeId;

use crate::ir::{IntType, ProgramDecl, Type};
use crate::kinds::{Entry, Prototype, Trailing};
use crate::span::Span;
use crate::syntax::ast;

use super::programs::program_attribute_span;
use super::{errors, Checker};

/// Arguments `BPF_KPROBE` reads from registers (libbpf 1.1).
const MAX_KPROBE_ARGS: usize = 5;
/// Arguments `BPF_PROG` unpacks (the kernel passes at most twelve).
const MAX_TRAMPOLINE_ARGS: usize = 12;

/// A kernel function's prototype, as the checker compares it.
struct KernelFunction {
    /// Its name (`bpf_lsm_file_open` for an LSM hook).
    name: String,
    params: Vec<TypeId>,
    ret: TypeId,
    /// `int do_unlinkat(int dfd, struct filename *name)`, for notes.
    text: String,
}

impl Checker<'_> {
    /// Checks the parameters of a program taking a kernel function's
    /// arguments; returns its entry.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn check_kernel_function_args(
        &mut self,
        decl: &ast::FunctionDecl,
        program: &ProgramDecl,
        prototype: Prototype,
        trailing: Trailing,
        registers: bool,
        params: &[Type],
        ret: &Type,
    ) -> Entry {
        let descriptor = program.descriptor();
        let label = descriptor.label;
        self.check_program_return(decl, label, ret, &Type::Int(IntType::I32), "fn(...) -> i32");
        let takes_registers = matches!(params, [only] if self.is_registers_pointer(only));
        if program.entry == Entry::Registers {
            // A probe at an offset: registers only.
            return match decl.params.first() {
                None => Entry::Registers,
                Some(_) if takes_registers => Entry::Context,
                Some(param) => {
                    self.report(errors::probe_offset_with_params(
                        param.name.span,
                        &program.target,
                    ));
                    Entry::Registers
                }
            };
        }
        if registers && takes_registers {
            return Entry::Context;
        }
        if program.target.is_empty() {
            self.report(errors::kernel_program_without_target(
                decl.name.span,
                descriptor.attribute,
            ));
            return program.entry;
        }
        let Some(function) = self.kernel_function(decl, program, prototype) else {
            return program.entry;
        };
        let (limit, macro_name) = match program.entry {
            Entry::Kprobe => (MAX_KPROBE_ARGS, "BPF_KPROBE"),
            _ => (MAX_TRAMPOLINE_ARGS, "BPF_PROG"),
        };
        for (index, kernel_param) in function.params.iter().enumerate() {
            if self.is_struct_by_value(*kernel_param) {
                let span = program_attribute_span(decl, descriptor.attribute);
                self.report(errors::kernel_struct_argument(
                    span,
                    &function.name,
                    index + 1,
                    &function.text,
                ));
                return program.entry;
            }
        }
        for (index, (param, declared)) in decl.params.iter().zip(params).enumerate() {
            let expected = match function.params.get(index) {
                Some(kernel_param) => self.import_btf_type(*kernel_param, false),
                None => match (trailing, index == function.params.len()) {
                    (Trailing::ReturnValue, true) => {
                        let ret = self.import_btf_type(function.ret, false);
                        if ret == Type::Void {
                            self.report(errors::kernel_function_returns_nothing(
                                param.name.span,
                                &function.name,
                                &function.text,
                            ));
                            continue;
                        }
                        ret
                    }
                    (Trailing::HookResult, true) => Type::Int(IntType::I32),
                    _ => {
                        self.report(errors::too_many_kernel_params(
                            param.name.span,
                            label,
                            &function.name,
                            function.params.len(),
                            trailing != Trailing::Nothing,
                            &function.text,
                        ));
                        break;
                    }
                },
            };
            if !self.types_compatible(declared, &expected) {
                let found = self.type_name(declared);
                let wanted = self.type_name(&expected);
                self.report(errors::kernel_param_mismatch(
                    param.ty.span,
                    &param.name.name,
                    &wanted,
                    &found,
                    &function.text,
                ));
            }
        }
        if decl.params.len() > limit {
            self.report(errors::too_many_params(
                decl.params[limit].name.span,
                macro_name,
                limit,
            ));
        }
        program.entry
    }

    /// Checks a `@kretprobe`'s one parameter (the return value, or
    /// `ctx: *pt_regs`); returns its entry.
    pub(crate) fn check_kernel_function_return(
        &mut self,
        decl: &ast::FunctionDecl,
        program: &ProgramDecl,
        params: &[Type],
        ret: &Type,
    ) -> Entry {
        let descriptor = program.descriptor();
        let label = descriptor.label;
        self.check_program_return(
            decl,
            label,
            ret,
            &Type::Int(IntType::I32),
            "fn(ret: T) -> i32",
        );
        if matches!(params, [only] if self.is_registers_pointer(only)) {
            return Entry::Context;
        }
        if program.target.is_empty() {
            self.report(errors::kernel_program_without_target(
                decl.name.span,
                descriptor.attribute,
            ));
            return program.entry;
        }
        let Some(function) = self.kernel_function(decl, program, Prototype::Function) else {
            return program.entry;
        };
        if let Some(extra) = decl.params.get(1) {
            self.report(errors::too_many_kernel_params(
                extra.name.span,
                label,
                &function.name,
                0,
                true,
                &function.text,
            ));
            return program.entry;
        }
        if let (Some(param), Some(declared)) = (decl.params.first(), params.first()) {
            let expected = self.import_btf_type(function.ret, false);
            if expected == Type::Void {
                self.report(errors::kernel_function_returns_nothing(
                    param.name.span,
                    &function.name,
                    &function.text,
                ));
            } else if !self.types_compatible(declared, &expected) {
                let found = self.type_name(declared);
                let wanted = self.type_name(&expected);
                self.report(errors::kernel_param_mismatch(
                    param.ty.span,
                    &param.name.name,
                    &wanted,
                    &found,
                    &function.text,
                ));
            }
        }
        program.entry
    }

    /// The kernel function (or LSM hook) the program's target names, or a
    /// report with close matches.
    fn kernel_function(
        &mut self,
        decl: &ast::FunctionDecl,
        program: &ProgramDecl,
        prototype: Prototype,
    ) -> Option<KernelFunction> {
        let btf = self.kernel.btf;
        let span: Span = program_attribute_span(decl, program.descriptor().attribute);
        let name = program
            .target
            .split_once('+')
            .map_or(program.target.as_str(), |(name, _)| name);
        let id = match prototype {
            Prototype::Function => btf.function(name),
            Prototype::LsmHook => btf.lsm_hook(name),
        };
        let Some(id) = id else {
            match prototype {
                Prototype::Function => {
                    let close: Vec<String> = btf
                        .similar_type_names(&[btf::TypeKind::Func], name)
                        .into_iter()
                        .map(str::to_string)
                        .collect();
                    // `sys_openat`: system calls are reached through the
                    // architecture's wrapper, which takes the registers.
                    let syscall = name.strip_prefix("sys_").and_then(|call| {
                        SYSCALL_WRAPPERS
                            .iter()
                            .map(|prefix| format!("{prefix}{call}"))
                            .find(|wrapper| btf.function(wrapper).is_some())
                            .map(|wrapper| (call.to_string(), wrapper))
                    });
                    self.report(errors::unknown_kernel_function(
                        span,
                        name,
                        &close,
                        syscall
                            .as_ref()
                            .map(|(call, wrapper)| (call.as_str(), wrapper.as_str())),
                    ));
                }
                Prototype::LsmHook => {
                    let hooks: Vec<&str> = btf
                        .lsm_hooks()
                        .into_iter()
                        .filter_map(|id| btf.name_of(id).strip_prefix(btf::LSM_HOOK_PREFIX))
                        .collect();
                    let close: Vec<String> = btf::closest_names(name, hooks)
                        .into_iter()
                        .map(str::to_string)
                        .collect();
                    self.report(errors::unknown_lsm_hook(span, name, &close));
                }
            }
            return None;
        };
        let found = btf.function_prototype(id).ok()?;
        let function_name = btf.name_of(id).to_string();
        Some(KernelFunction {
            text: self.kernel_prototype_text(&function_name, id),
            name: function_name,
            params: found
                .parameters()
                .map(|parameter| parameter.type_id)
                .collect(),
            ret: found.return_type,
        })
    }

    /// Whether BTF type `id` is a struct or union (passed by value).
    fn is_struct_by_value(&self, id: TypeId) -> bool {
        matches!(
            self.kernel.btf.resolved_type(id),
            Ok((_, btf::Type::Struct(_) | btf::Type::Union(_)))
        )
    }

    /// Whether `ty` is `*pt_regs`, the registers a kprobe sees.
    pub(crate) fn is_registers_pointer(&self, ty: &Type) -> bool {
        match ty {
            Type::Pointer(inner) => match **inner {
                Type::Struct(id) => {
                    let def = self.program.struct_def(id);
                    def.kernel.is_some() && def.name == "pt_regs"
                }
                _ => false,
            },
            _ => false,
        }
    }
}

/// The prefixes of the functions through which each architecture enters
/// system call `NAME` (`__x64_sys_openat`), taking the caller's registers.
const SYSCALL_WRAPPERS: &[&str] = &[
    "__x64_sys_",
    "__arm64_sys_",
    "__riscv_sys_",
    "__s390x_sys_",
    "__ia32_sys_",
];
