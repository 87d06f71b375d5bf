//! `@probe("function")` and `@probe("function+offset")`.
//!
//! At a function's entry the program is an fentry program
//! (`SEC("fentry/function")`, `int BPF_PROG(NAME, args...)`): its
//! parameters are the traced function's arguments, checked against its
//! BTF prototype (trailing ones may be left out). At an offset only a
//! kprobe can reach the address (`SEC("kprobe/function+offset")`), and the
//! program sees registers only: no parameters in the source, or `ctx:
//! *pt_regs`. Both need kernel types; userspace attaches them where their
//! section says (`bpf_program__attach`). Failures return 0.

use super::{
    no_values, Attach, Descriptor, Entry, KernelMemory, Prototype, Signature, TargetRule, TestRun,
    Trailing, DESTROY_LINK, LINK_FIELD,
};

pub(super) const DESCRIPTOR: Descriptor = Descriptor {
    attribute: "probe",
    label: "@probe program",
    target: Some(TargetRule {
        optional: false,
        what: "the kernel function to probe",
        expected: "a kernel function name, optionally `+OFFSET`",
        help: "write e.g. `@probe(\"do_exit\")`, or `@probe(\"vfs_read+16\")` for an offset",
        valid: is_probe_target,
    }),
    signature: Signature::KernelFunctionArgs {
        prototype: Prototype::Function,
        trailing: Trailing::Nothing,
        registers: false,
    },
    program_type: "BPF_PROG_TYPE_TRACING",
    tail_calls: false,
    section: |target| match entry(target) {
        Entry::Registers => format!("kprobe/{target}"),
        _ => format!("fentry/{target}"),
    },
    entry,
    failure_result: "0",
    needs_kernel_types: true,
    entry_types: &["pt_regs"],
    kernel_memory: KernelMemory::ProbeRead,
    own_function: super::no_own_function,
    packet_pointer_fields: &[],
    attach: Attach {
        constant: "KS_PROBE",
        program_fields: &[],
        program_values: no_values,
        attachment_fields: &[LINK_FIELD],
        runtime: ATTACH_PROBE,
        attach: "err = ks_attach_probe(&attachment);",
        detach: DESTROY_LINK,
        open: "",
        includes: &[],
    },
    test_run: TestRun::Unsupported,
    allocates_objects: false,
    perf_packet_bytes: false,
};

/// `@probe("f")` enters a function (fentry); `@probe("f+16")` names an
/// instruction offset, which only a kprobe can reach.
fn entry(target: &str) -> Entry {
    if target.contains('+') {
        Entry::Registers
    } else {
        Entry::BpfProg
    }
}

/// A kernel symbol (`do_unlinkat`, `foo.isra.0`), optionally with an
/// instruction offset (`vfs_read+16`, `vfs_read+0x10`): it becomes part of
/// a C section name, so nothing else may appear.
pub(super) fn is_probe_target(target: &str) -> bool {
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

pub(super) const ATTACH_PROBE: &str = r#"
/* Probes attach where their section says (the function of @probe). */
static int ks_attach_probe(struct ks_attachment *attachment)
{
    attachment->link = bpf_program__attach(ks_programs[attachment->program].prog);
    if (!attachment->link)
        return -errno;
    return 0;
}
"#;
