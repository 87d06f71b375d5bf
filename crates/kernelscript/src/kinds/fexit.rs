//! `@fexit("function") fn NAME(args..., ret: T) -> i32`: runs when the
//! kernel function returns (`SEC("fexit/function")`, `int BPF_PROG(NAME,
//! args..., ret)`). The parameters are the function's arguments, checked
//! against its BTF prototype, and after all of them its return value
//! (typed as the function returns it); trailing ones may be left out, as
//! for `@probe` (fentry), but the return value only follows every
//! argument. Userspace attaches where the section says
//! (`bpf_program__attach`). Failures return 0.

use super::{
    no_values, Attach, Descriptor, Entry, KernelMemory, Prototype, Signature, TargetRule, TestRun,
    Trailing, DESTROY_LINK, LINK_FIELD,
};

pub(super) const DESCRIPTOR: Descriptor = Descriptor {
    attribute: "fexit",
    label: "@fexit program",
    target: Some(TargetRule {
        optional: false,
        what: "the kernel function to trace",
        expected: "a kernel function name",
        help: "write e.g. `@fexit(\"do_unlinkat\")`",
        valid: is_function_name,
    }),
    signature: Signature::KernelFunctionArgs {
        prototype: Prototype::Function,
        trailing: Trailing::ReturnValue,
        registers: false,
    },
    program_type: "BPF_PROG_TYPE_TRACING",
    tail_calls: false,
    section: |target| format!("fexit/{target}"),
    entry: |_| Entry::BpfProg,
    failure_result: "0",
    needs_kernel_types: true,
    entry_types: &[],
    kernel_memory: KernelMemory::ProbeRead,
    own_function: super::no_own_function,
    packet_pointer_fields: &[],
    attach: Attach {
        constant: "KS_FEXIT",
        program_fields: &[],
        program_values: no_values,
        attachment_fields: &[LINK_FIELD],
        runtime: ATTACH_SECTION,
        attach: "err = ks_attach_by_section(&attachment);",
        detach: DESTROY_LINK,
        open: "",
        includes: &[],
    },
    test_run: TestRun::Unsupported,
    allocates_objects: false,
    perf_packet_bytes: false,
};

/// A kernel symbol (`do_unlinkat`, `foo.isra.0`): part of a section name.
pub(super) fn is_function_name(target: &str) -> bool {
    target
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && target
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// Programs whose section names their attach point (fexit, LSM).
pub(super) const ATTACH_SECTION: &str = r#"
/* Programs attached where their section says (fexit/FUNCTION, lsm/HOOK). */
static int ks_attach_by_section(struct ks_attachment *attachment)
{
    attachment->link = bpf_program__attach(ks_programs[attachment->program].prog);
    if (!attachment->link)
        return -errno;
    return 0;
}
"#;
