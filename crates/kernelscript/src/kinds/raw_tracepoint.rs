//! `@raw_tracepoint("event") fn NAME(ctx: *bpf_raw_tracepoint_args) ->
//! i32`: `SEC("raw_tracepoint/event")`.
//!
//! A raw tracepoint sees the tracepoint's arguments as they are passed to
//! the kernel's trace function, unformatted: `ctx->args[i]` is the `i`-th
//! argument as a `u64` (for `sys_enter`: `args[0]` points at the
//! `pt_regs`, `args[1]` is the syscall number). The context struct is in
//! `<linux/bpf.h>`, so the object needs no kernel types. Userspace
//! attaches with `bpf_program__attach_raw_tracepoint` to the attribute's
//! event, or to the `attach` target when one is given. Failures return 0.

use super::{
    context_entry, Attach, Descriptor, FieldValue, KernelMemory, ProgramSite, Returns, Signature,
    TargetRule, TestRun, DESTROY_LINK, LINK_FIELD,
};

pub(super) const DESCRIPTOR: Descriptor = Descriptor {
    attribute: "raw_tracepoint",
    label: "@raw_tracepoint program",
    target: Some(TargetRule {
        optional: false,
        what: "a tracepoint event",
        expected: "\"event\"",
        help:
            "write e.g. `@raw_tracepoint(\"sched_switch\")`: the event's name, without its category",
        valid: super::tracepoint::is_event_name,
    }),
    signature: Signature::Context {
        context: "bpf_raw_tracepoint_args",
        returns: Returns::I32,
    },
    program_type: "BPF_PROG_TYPE_RAW_TRACEPOINT",
    tail_calls: false,
    section: |target| format!("raw_tracepoint/{target}"),
    entry: context_entry,
    failure_result: "0",
    needs_kernel_types: false,
    entry_types: &[],
    kernel_memory: KernelMemory::ProbeRead,
    own_function: super::no_own_function,
    packet_pointer_fields: &[],
    attach: Attach {
        constant: "KS_RAW_TRACEPOINT",
        program_fields: &[(
            "const char *raw_tp_event;",
            "raw tracepoints: from @raw_tracepoint(\"event\")",
        )],
        program_values,
        attachment_fields: &[LINK_FIELD],
        runtime: ATTACH_RAW_TRACEPOINT,
        attach: "err = ks_attach_raw_tracepoint(&attachment, target);",
        detach: DESTROY_LINK,
        open: "",
        includes: &[],
    },
    test_run: TestRun::Arguments,
    allocates_objects: false,
    perf_packet_bytes: false,
};

fn program_values(site: &ProgramSite) -> Vec<(&'static str, FieldValue)> {
    let target = site.target;
    vec![("raw_tp_event", FieldValue::Text(target.to_string()))]
}

const ATTACH_RAW_TRACEPOINT: &str = r#"
/* Raw tracepoints: the @raw_tracepoint("event") of the program, or the
 * target when one is given. */
static int ks_attach_raw_tracepoint(struct ks_attachment *attachment, const char *target)
{
    const struct ks_program *program = &ks_programs[attachment->program];
    const char *event = target && target[0] ? target : program->raw_tp_event;

    attachment->link = bpf_program__attach_raw_tracepoint(program->prog, event);
    if (!attachment->link)
        return -errno;
    return 0;
}
"#;
