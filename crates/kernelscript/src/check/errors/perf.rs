//! Wording of the perf-counter diagnostics: the perf form of `attach`,
//! `read` and `detach` of a `PerfAttachment` (see `check/perf.rs`).

use crate::diagnostic::Diagnostic;
use crate::span::Span;

pub(crate) fn perf_attach_flags(span: Span) -> Diagnostic {
    Diagnostic::error("perf attach flags must be `0`")
        .primary(span, "a perf counter takes no attach flags")
        .help("pass `0`; the counter is described entirely by the `perf_options` value")
}

pub(crate) fn perf_every_process_every_cpu(cpu: Span, pid: Span) -> Diagnostic {
    Diagnostic::error("a perf counter cannot watch every process on every CPU")
        .primary(cpu, "`cpu: -1` means any CPU ...")
        .secondary(pid, "... and `pid: -1` (the default) means every process")
        .note("perf_event_open(2) refuses `pid == -1` with `cpu == -1`")
        .help("give a process (`pid: 0` is this program) or one CPU (`cpu: 0`)")
}

pub(crate) fn read_needs_perf_attachment(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error("expected a perf attachment")
        .primary(span, format!("expected `PerfAttachment`, found `{found}`"))
        .help("`read` takes the value of `attach(handle, perf_options { ... }, 0)`")
}

pub(crate) fn perf_name_outside_userspace(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` can only be used in userspace"))
        .primary(span, "not available in eBPF or kernel module code")
        .help("perf counters are attached and read from userspace (`attach(handle, perf_options { ... }, 0)`); use an integer here")
}

pub(crate) fn perf_type_in_shared_state(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` cannot hold a perf type"))
        .primary(span, "maps, globals and structs are in the eBPF object too, where `perf_type` and `perf_options` do not exist")
        .help("store the integer value (`perf_type_software as u32`) instead")
}
