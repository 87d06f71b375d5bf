//! `@tracepoint("category/event") fn NAME(ctx: *RECORD) -> i32`:
//! `SEC("tracepoint/category/event")`.
//!
//! The context is the event's record struct, named after the event
//! (`record_struct`): `trace_event_raw_EVENT`, or the shared
//! `trace_event_raw_sys_enter`/`_sys_exit` of `syscalls/sys_enter_*` and
//! `sys_exit_*`. The kernel defines it (`vmlinux.h`), even when the source
//! declares it to name its fields. Userspace attaches with
//! `bpf_program__attach_tracepoint` to the attribute's event, or to the
//! `attach` target when one is given (`category/event` or `category:event`).

use super::{
    context_entry, Attach, Descriptor, FieldValue, KernelMemory, ProgramSite, Signature,
    TargetRule, TestRun, DESTROY_LINK, LINK_FIELD,
};

pub(super) const DESCRIPTOR: Descriptor = Descriptor {
    attribute: "tracepoint",
    label: "@tracepoint program",
    target: Some(TargetRule {
        optional: false,
        what: "a tracepoint name",
        expected: "\"category/event\"",
        help: "write e.g. `@tracepoint(\"sched/sched_switch\")`",
        valid: |target| split(target).is_some(),
    }),
    signature: Signature::TracepointRecord,
    program_type: "BPF_PROG_TYPE_TRACEPOINT",
    tail_calls: true,
    section: |target| format!("tracepoint/{target}"),
    entry: context_entry,
    failure_result: "0",
    needs_kernel_types: true,
    entry_types: &[],
    kernel_memory: KernelMemory::ProbeRead,
    own_function: super::no_own_function,
    packet_pointer_fields: &[],
    attach: Attach {
        constant: "KS_TRACEPOINT",
        program_fields: &[
            (
                "const char *tp_category;",
                "tracepoints: from @tracepoint(\"category/event\")",
            ),
            ("const char *tp_event;", ""),
        ],
        program_values,
        attachment_fields: &[LINK_FIELD],
        runtime: ATTACH_TRACEPOINT,
        attach: "err = ks_attach_tracepoint(&attachment, target);",
        detach: DESTROY_LINK,
        open: "",
        includes: &[],
    },
    test_run: TestRun::Unsupported,
    allocates_objects: true,
    perf_packet_bytes: false,
};

/// `(category, event)` of a well-formed `category/event`: both names of
/// letters, digits and `_` (they become part of a C section name).
pub(super) fn split(target: &str) -> Option<(&str, &str)> {
    target
        .split_once('/')
        .filter(|(category, event)| is_event_name(category) && is_event_name(event))
}

/// A tracepoint category or event name: letters, digits and `_`.
pub(super) fn is_event_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The record struct a tracepoint program receives.
pub fn record_struct(target: &str) -> String {
    let (category, event) = split(target).unwrap_or(("", target));
    if category == "syscalls" {
        if event.starts_with("sys_enter_") {
            return "trace_event_raw_sys_enter".to_string();
        }
        if event.starts_with("sys_exit_") {
            return "trace_event_raw_sys_exit".to_string();
        }
    }
    format!("trace_event_raw_{event}")
}

fn program_values(site: &ProgramSite) -> Vec<(&'static str, FieldValue)> {
    let target = site.target;
    let (category, event) = split(target).unwrap_or((target, ""));
    vec![
        ("tp_category", FieldValue::Text(category.to_string())),
        ("tp_event", FieldValue::Text(event.to_string())),
    ]
}

const ATTACH_TRACEPOINT: &str = r#"
/* Tracepoints: the @tracepoint("category/event") of the program, or the
 * target when one is given ("category/event" or "category:event"). */
static int ks_attach_tracepoint(struct ks_attachment *attachment, const char *target)
{
    const struct ks_program *program = &ks_programs[attachment->program];
    char category[256];
    const char *event = program->tp_event;

    snprintf(category, sizeof(category), "%s", program->tp_category);
    if (target && target[0]) {
        char *separator;

        snprintf(category, sizeof(category), "%s", target);
        separator = strpbrk(category, "/:");
        if (!separator)
            return -EINVAL;
        *separator = '\0';
        event = separator + 1;
    }
    attachment->link = bpf_program__attach_tracepoint(program->prog, category, event);
    if (!attachment->link)
        return -errno;
    return 0;
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_record_structs() {
        assert!((DESCRIPTOR.target.as_ref().unwrap().valid)(
            "sched/sched_switch"
        ));
        assert!(!(DESCRIPTOR.target.as_ref().unwrap().valid)("sched_switch"));
        assert!(!(DESCRIPTOR.target.as_ref().unwrap().valid)("a/b/c"));
        assert_eq!(
            record_struct("sched/sched_switch"),
            "trace_event_raw_sched_switch"
        );
        assert_eq!(
            record_struct("syscalls/sys_enter_openat"),
            "trace_event_raw_sys_enter"
        );
    }
}
