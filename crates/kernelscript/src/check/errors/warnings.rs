//! The wording of the checker's warnings: things that compile but are
//! probably not what the author meant, or parts of a program this compiler
//! accepts without generating. `check` exits 0 with warnings only;
//! `--deny-warnings` makes them errors.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

pub(crate) fn unused_variable(span: Span, name: &str) -> Diagnostic {
    Diagnostic::warning(format!("unused variable `{name}`"))
        .primary(span, "declared here and never read")
        .help(format!(
            "remove it, or name it `_{name}` if it is meant to be unused"
        ))
}

pub(crate) fn map_never_read(span: Span, name: &str) -> Diagnostic {
    Diagnostic::warning(format!("map `{name}` is never read"))
        .primary(span, "no program or userspace code reads it")
        .help("read it (a lookup, a loop over it, `dispatch` for a ring buffer), pin it so other programs can, or remove it")
}

/// `new T(flag)` with a flag that may sleep, in module code an eBPF
/// program reaches (`chain`: the program, then each function called).
pub(crate) fn sleeping_allocation(
    span: Span,
    flag: &str,
    label: &str,
    chain: &[String],
) -> Diagnostic {
    let program = &chain[0];
    Diagnostic::warning(format!(
        "`{flag}` may sleep, but this allocation runs in the {label} `{program}`"
    ))
    .primary(span, format!("{flag} here"))
    .note(format!(
        "called as {}; eBPF programs run in atomic context (softirq, RCU read side), \
         where an allocation that sleeps to reclaim memory is a kernel bug",
        chain.join(" -> ")
    ))
    .help("use GFP_ATOMIC (the default of `new T()` in kernel module code) or GFP_NOWAIT")
}
