//! `@lsm("hook") fn NAME(args..., ret: i32) -> i32`: a BPF LSM program on
//! a security hook (`SEC("lsm/hook")`, `int BPF_PROG(NAME, args...)`).
//! The parameters are the hook's arguments, from the prototype of the
//! kernel's `bpf_lsm_HOOK` (only hooks the kernel lists as LSM hooks are
//! accepted); after all of them may come the `int` result of the previous
//! program on the hook. The program returns 0 to allow the operation or a
//! negative errno (`-EPERM`) to deny it. Userspace attaches where the
//! section says (`bpf_program__attach`, an LSM link); the kernel must have
//! `bpf` in its `lsm=` list. Failures return 0 (allow).

use super::{
    no_values, Attach, Descriptor, Entry, KernelMemory, Prototype, Signature, TargetRule, TestRun,
    Trailing, DESTROY_LINK, LINK_FIELD,
};

pub(super) const DESCRIPTOR: Descriptor = Descriptor {
    attribute: "lsm",
    label: "@lsm program",
    target: Some(TargetRule {
        optional: false,
        what: "an LSM hook",
        expected: "a hook name such as \"file_open\"",
        help: "write e.g. `@lsm(\"file_open\")` (the kernel's hooks are its `bpf_lsm_*` functions)",
        valid: super::fexit::is_function_name,
    }),
    signature: Signature::KernelFunctionArgs {
        prototype: Prototype::LsmHook,
        trailing: Trailing::HookResult,
        registers: false,
    },
    program_type: "BPF_PROG_TYPE_LSM",
    tail_calls: false,
    section: |target| format!("lsm/{target}"),
    entry: |_| Entry::BpfProg,
    failure_result: "0",
    needs_kernel_types: true,
    entry_types: &[],
    kernel_memory: KernelMemory::ProbeRead,
    own_function: super::no_own_function,
    packet_pointer_fields: &[],
    attach: Attach {
        constant: "KS_LSM",
        program_fields: &[],
        program_values: no_values,
        attachment_fields: &[LINK_FIELD],
        runtime: super::fexit::ATTACH_SECTION,
        attach: "err = ks_attach_by_section(&attachment);",
        detach: DESTROY_LINK,
        open: "",
        includes: &[],
    },
    test_run: TestRun::Unsupported,
    allocates_objects: false,
    perf_packet_bytes: false,
};
