//! Wording of diagnostics about the kernel's own names: declarations that
//! disagree with BTF, `extern`s of helpers and kernel functions.

use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::span::Span;

pub(crate) fn kernel_name_redeclared(span: Span, name: &str, kind: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` is a kernel {kind}"))
        .primary(span, "the kernel's BTF defines this name differently")
        .help(format!(
            "remove this declaration and use the kernel's `{name}`, or choose another name"
        ))
}

/// The `help:` of a declaration of a kernel type that differs from BTF.
fn redeclaration_help(name: &str) -> String {
    format!(
        "the kernel defines `{name}`: remove this declaration to use the kernel's, \
         or rename yours"
    )
}

/// A field of a view of a kernel struct that the kernel's struct lacks.
pub(crate) fn kernel_struct_no_field(
    span: Span,
    name: &str,
    field: &str,
    closest: Option<&str>,
    fields: &[String],
) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!("the kernel's `{name}` has no field `{field}`"))
        .primary(span, format!("not a field of the kernel's `{name}`"));
    match closest {
        Some(closest) => diagnostic
            .help(format!("did you mean `{closest}`?"))
            .suggest(
                format!("rename to `{closest}`"),
                vec![Edit::replace(span, closest)],
                Applicability::MachineApplicable,
            ),
        None => {
            let shown: Vec<String> = fields
                .iter()
                .take(8)
                .map(|field| format!("`{field}`"))
                .collect();
            let more = if fields.len() > shown.len() {
                ", ..."
            } else {
                ""
            };
            diagnostic
                .help("remove this field: a declaration of a kernel struct may name only the kernel's fields")
                .note(format!("the kernel's `{name}` has {}{more}", shown.join(", ")))
        }
    }
}

/// A field of a view of a kernel struct declared with a type that is not
/// the kernel's: the kernel's type is used (the declaration is a view).
pub(crate) fn kernel_struct_field_type_differs(
    span: Span,
    name: &str,
    field: &str,
    declared: &str,
    kernel_type: &str,
    spellable: bool,
) -> Diagnostic {
    let diagnostic = Diagnostic::warning(format!(
        "field `{field}` of kernel type `{name}` is `{kernel_type}`, not `{declared}`"
    ))
    .primary(span, format!("the kernel's `{kernel_type}` is used"))
    .note(format!(
        "a declaration of a kernel struct is a view of it: reads and writes of \
         `{field}` use the kernel's type and layout"
    ));
    if spellable {
        diagnostic
            .help(format!("write the kernel's type `{kernel_type}`"))
            .suggest(
                format!("write `{kernel_type}`"),
                vec![Edit::replace(span, kernel_type)],
                Applicability::MachineApplicable,
            )
    } else {
        diagnostic.help("remove this field, or write the kernel's type")
    }
}

pub(crate) fn kernel_enum_value_differs(
    span: Span,
    name: &str,
    variant: &str,
    declared: i128,
    kernel: i128,
) -> Diagnostic {
    Diagnostic::error(format!(
        "declaration of kernel enum `{name}` does not match the kernel's"
    ))
    .primary(span, format!("`{variant}` is {declared} here"))
    .note(format!("the kernel's `{variant}` is {kernel}"))
    .help(redeclaration_help(name))
}

pub(crate) fn kernel_enum_extra_variant(span: Span, name: &str, variant: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "declaration of kernel enum `{name}` does not match the kernel's"
    ))
    .primary(span, format!("the kernel's `{name}` has no `{variant}`"))
    .help(redeclaration_help(name))
}

pub(crate) fn extern_of_helper(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` is a BPF helper"))
        .primary(
            span,
            "helpers are known to the compiler with their prototypes",
        )
        .help(format!("remove this `extern` and call `{name}` directly"))
}

pub(crate) fn redundant_helper_extern(span: Span, name: &str) -> Diagnostic {
    Diagnostic::warning(format!(
        "`{name}` is a BPF helper; this `extern` is redundant"
    ))
    .primary(
        span,
        "calls use the helper's own prototype from the kernel's UAPI",
    )
    .help("remove this `extern`")
}

pub(crate) fn extern_of_kernel_name(span: Span, name: &str, kind: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` is a kernel {kind}, not a function"))
        .primary(span, "an `extern` declares a kernel function (kfunc)")
        .help("choose the name of a kfunc, or remove this declaration")
}

pub(crate) fn extern_not_kfunc(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` is a kernel function but not a kfunc"))
        .primary(
            span,
            "BPF programs may only call the kernel functions it exports as kfuncs",
        )
        .help("list the kernel's kfuncs with `kernelscript init --kfuncs`")
}

pub(crate) fn extern_prototype_differs(
    span: Span,
    name: &str,
    difference: &str,
    prototype: &str,
) -> Diagnostic {
    Diagnostic::error(format!(
        "`extern {name}` does not match the kernel's prototype"
    ))
    .primary(span, difference.to_string())
    .note(format!("the kernel declares `{prototype}`"))
}

pub(crate) fn struct_ops_data_member_as_method(span: Span, ops: &str, member: &str) -> Diagnostic {
    Diagnostic::error(format!("`{member}` of `{ops}` is not a method"))
        .primary(span, "the kernel's member is data")
        .help(format!("set it as a field: `{member}: value`"))
}

pub(crate) fn struct_ops_method_as_data(span: Span, ops: &str, member: &str) -> Diagnostic {
    Diagnostic::error(format!("`{member}` of `{ops}` is a method"))
        .primary(span, "the kernel calls this member")
        .help(format!("implement it with `fn {member}(...)`"))
}

pub(crate) fn struct_ops_method_mismatch(
    span: Span,
    ops: &str,
    member: &str,
    difference: &str,
    expected: &str,
) -> Diagnostic {
    Diagnostic::error(format!(
        "method `{member}` does not match `{ops}`'s `{member}`"
    ))
    .primary(span, difference.to_string())
    .note(format!("the kernel's `{member}` is `{expected}`"))
    .help("parameter names may differ; their types must be the kernel's (trailing parameters may be left out)")
}

pub(crate) fn unknown_tracepoint(
    span: Span,
    target: &str,
    error: &btf::TracepointError,
) -> Diagnostic {
    match error {
        btf::TracepointError::UnknownEvent { event, suggestions } => {
            let diagnostic = Diagnostic::error(format!("unknown tracepoint `{target}`"))
                .primary(span, format!("the kernel's BTF has no event `{event}`"));
            match suggestions.as_slice() {
                [] => diagnostic
                    .help("list the kernel's events with `ls /sys/kernel/tracing/events/*`"),
                close => diagnostic.help(format!("did you mean {}?", super::list(close))),
            }
        }
        btf::TracepointError::NoContextStruct { event, reason } => Diagnostic::error(format!(
            "tracepoint `{target}` has no context struct in the kernel's BTF"
        ))
        .primary(span, format!("event `{event}`: {reason}"))
        .help("use `@raw_tracepoint` for this event"),
    }
}

/// `syscall`: for a `sys_NAME` the kernel has as a syscall wrapper, the
/// call's name and the wrapper's.
pub(crate) fn unknown_kernel_function(
    span: Span,
    name: &str,
    close: &[String],
    syscall: Option<(&str, &str)>,
) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!("unknown kernel function `{name}`"))
        .primary(span, "the kernel's BTF has no function of this name");
    if let Some((call, wrapper)) = syscall {
        return diagnostic
            .note(format!(
                "system call `{call}` enters the kernel through `{wrapper}`, which takes the \
                 caller's registers (`ctx: *pt_regs`), not the call's arguments"
            ))
            .help(format!(
                "to read the arguments by name, use `@tracepoint(\"syscalls/sys_enter_{call}\")`; \
                 to probe the entry itself, `@probe(\"{wrapper}\")` with `ctx: *pt_regs`"
            ))
            .suggest(
                format!("probe `{wrapper}`"),
                vec![Edit::replace(span, format!("\"{wrapper}\""))],
                Applicability::MaybeIncorrect,
            );
    }
    match close {
        [] => diagnostic.help("the kernel's traceable functions are its BTF `FUNC`s (`bpftool btf dump file /sys/kernel/btf/vmlinux`)"),
        _ => diagnostic.help(format!("did you mean {}?", super::list(close))),
    }
}

pub(crate) fn unknown_lsm_hook(span: Span, hook: &str, close: &[String]) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!("unknown LSM hook `{hook}`"))
        .primary(span, "the kernel has no `bpf_lsm_` hook of this name");
    match close {
        [] => {
            diagnostic.help("the kernel's hooks are its `bpf_lsm_*` functions (e.g. `file_open`)")
        }
        _ => diagnostic.help(format!("did you mean {}?", super::list(close))),
    }
}

pub(crate) fn kernel_program_without_target(span: Span, attribute: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`@{attribute}` without a function takes the registers only"
    ))
    .primary(span, "declare `ctx: *pt_regs` as its one parameter")
    .help(format!(
        "or name the function: `@{attribute}(\"do_unlinkat\")`, whose arguments it then takes"
    ))
}

pub(crate) fn kernel_param_mismatch(
    span: Span,
    name: &str,
    expected: &str,
    found: &str,
    prototype: &str,
) -> Diagnostic {
    Diagnostic::error(format!(
        "parameter `{name}` does not match the kernel's argument"
    ))
    .primary(
        span,
        format!("the kernel passes `{expected}`, not `{found}`"),
    )
    .note(format!("the kernel declares `{prototype}`"))
    .help("parameter names may differ; their types must be the kernel's")
}

pub(crate) fn too_many_kernel_params(
    span: Span,
    kind: &str,
    function: &str,
    count: usize,
    trailing: bool,
    prototype: &str,
) -> Diagnostic {
    let what = if trailing {
        format!("its {count} arguments and one more value")
    } else {
        format!("{count} arguments")
    };
    Diagnostic::error(format!("too many parameters for a {kind} on `{function}`"))
        .primary(span, format!("`{function}` gives {what}"))
        .note(format!("the kernel declares `{prototype}`"))
}

pub(crate) fn kernel_function_returns_nothing(
    span: Span,
    function: &str,
    prototype: &str,
) -> Diagnostic {
    Diagnostic::error(format!("`{function}` returns no value"))
        .primary(span, "there is no return value to take")
        .note(format!("the kernel declares `{prototype}`"))
}

pub(crate) fn kernel_struct_argument(
    span: Span,
    function: &str,
    position: usize,
    prototype: &str,
) -> Diagnostic {
    Diagnostic::error(format!(
        "`{function}` takes a struct by value (argument {position})"
    ))
    .primary(span, "its arguments cannot be read as declared parameters")
    .note(format!("the kernel declares `{prototype}`"))
    .help("probe another function, or take the registers (`@kprobe` with `ctx: *pt_regs`)")
}

pub(crate) fn own_function_target_missing(span: Span, attribute: &str, name: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`@{attribute}(\"{name}\")` names no userspace function of this program"
    ))
    .primary(
        span,
        "a target without a path probes the program's own function",
    )
    .help(format!(
        "define `fn {name}(...)` in this file, or write \"PATH:FUNCTION\" for another binary"
    ))
}
