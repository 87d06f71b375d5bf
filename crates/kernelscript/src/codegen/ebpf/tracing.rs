//! Tracing program sections: tracepoints, probes, uprobes and perf events.
//!
//! These programs take their context (or, for function-entry probes, the
//! traced function's arguments) as declared in the IR and return an `int`
//! the kernel ignores, so failures simply return 0. They need kernel types
//! from `vmlinux.h` (see `headers.rs`).

/// `SEC("tracepoint/CATEGORY/EVENT")`.
pub(super) fn tracepoint_section(category: &str, event: &str) -> String {
    format!("tracepoint/{category}/{event}")
}

/// How a `@probe("target")` function is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ProbeStyle {
    /// `fentry/FUNCTION`: the parameters are the traced function's
    /// arguments, unpacked by libbpf's `BPF_PROG` macro.
    Fentry,
    /// `kprobe/FUNCTION+OFFSET`: an arbitrary address, context
    /// `struct pt_regs *`.
    Kprobe,
}

/// `@probe("f")` enters a function (fentry); `@probe("f+16")` names an
/// instruction offset, which only a kprobe can reach.
pub(super) fn probe_style(target: &str) -> ProbeStyle {
    if target.contains('+') {
        ProbeStyle::Kprobe
    } else {
        ProbeStyle::Fentry
    }
}

pub(super) fn probe_section(target: &str) -> String {
    match probe_style(target) {
        ProbeStyle::Fentry => format!("fentry/{target}"),
        ProbeStyle::Kprobe => format!("kprobe/{target}"),
    }
}

/// `SEC("uprobe")` / `SEC("uretprobe")`: bare sections (libbpf 1.1 accepts
/// them without a target), context `struct pt_regs *`. Userspace attaches
/// them to the attribute's `PATH:FUNCTION` with
/// `bpf_program__attach_uprobe_opts`.
pub(super) fn uprobe_section(ret: bool) -> &'static str {
    if ret {
        "uretprobe"
    } else {
        "uprobe"
    }
}

/// `SEC("perf_event")`: context `struct bpf_perf_event_data *`.
pub(super) const PERF_EVENT_SECTION: &str = "perf_event";

/// Returned by tracing programs on an uncaught `throw`.
pub(super) const FAILURE_RESULT: &str = "0";
