//! `@uprobe("PATH:FUNCTION")` / `@uretprobe("PATH:FUNCTION") fn
//! NAME(ctx: *pt_regs) -> i32`: bare `SEC("uprobe")` / `SEC("uretprobe")`
//! (libbpf 1.1 accepts them without a target).
//!
//! Userspace attaches with `bpf_program__attach_uprobe_opts` to the
//! attribute's `PATH:FUNCTION`, or to the `attach` target when one is
//! given, in every process running that file. Failures return 0.

use super::{
    context_entry, Attach, Descriptor, FieldValue, KernelMemory, ProgramSite, Returns, Signature,
    TargetRule, DESTROY_LINK, LINK_FIELD,
};

pub(super) const DESCRIPTOR: Descriptor = descriptor("uprobe", "@uprobe program", false);
pub(super) const RET_DESCRIPTOR: Descriptor = descriptor("uretprobe", "@uretprobe program", true);

const fn descriptor(attribute: &'static str, label: &'static str, ret: bool) -> Descriptor {
    Descriptor {
        attribute,
        label,
        target: Some(TargetRule {
            optional: false,
            what: "the user-space function to probe",
            expected: "\"PATH:FUNCTION\"",
            help: "write the binary or library, a colon, and the function's symbol, e.g. \"/lib/x86_64-linux-gnu/libc.so.6:malloc\"",
            valid: |target| split(target).is_some(),
        }),
        signature: Signature::Context {
            context: "pt_regs",
            returns: Returns::I32,
        },
        program_type: "BPF_PROG_TYPE_KPROBE",
        tail_calls: false,
        section: if ret {
            |_| "uretprobe".to_string()
        } else {
            |_| "uprobe".to_string()
        },
        entry: context_entry,
        failure_result: "0",
        needs_kernel_types: true,
        entry_types: &[],
        kernel_memory: KernelMemory::ProbeRead,
        packet_pointer_fields: &[],
        attach: Attach {
            constant: "KS_UPROBE",
            program_fields: &[
                (
                    "const char *up_path;",
                    "uprobes: from @uprobe(\"PATH:FUNCTION\")",
                ),
                ("const char *up_function;", ""),
                ("bool up_retprobe;", "@uretprobe"),
            ],
            program_values: if ret { ret_values } else { entry_values },
            attachment_fields: &[LINK_FIELD],
            runtime: ATTACH_UPROBE,
            attach: "err = ks_attach_uprobe(&attachment, target);",
            detach: DESTROY_LINK,
            open: "",
            includes: &[],
        },
    }
}

/// `(path, function)` of a well-formed `PATH:FUNCTION`.
fn split(target: &str) -> Option<(&str, &str)> {
    target
        .rsplit_once(':')
        .filter(|(path, function)| !path.is_empty() && !function.is_empty())
}

fn values(target: &str, ret: bool) -> Vec<(&'static str, FieldValue)> {
    let (path, function) = split(target).unwrap_or((target, ""));
    vec![
        ("up_path", FieldValue::Text(path.to_string())),
        ("up_function", FieldValue::Text(function.to_string())),
        ("up_retprobe", FieldValue::Code(ret.to_string())),
    ]
}

fn entry_values(site: &ProgramSite) -> Vec<(&'static str, FieldValue)> {
    values(site.target, false)
}

fn ret_values(site: &ProgramSite) -> Vec<(&'static str, FieldValue)> {
    values(site.target, true)
}

const ATTACH_UPROBE: &str = r#"
/* Uprobes: the @uprobe("PATH:FUNCTION") of the program, or the target when
 * one is given ("PATH:FUNCTION"); in every process running that file. */
static int ks_attach_uprobe(struct ks_attachment *attachment, const char *target)
{
    const struct ks_program *program = &ks_programs[attachment->program];
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = program->up_retprobe);
    char path[4096];
    const char *function = program->up_function;

    snprintf(path, sizeof(path), "%s", program->up_path);
    if (target && target[0]) {
        char *separator;

        snprintf(path, sizeof(path), "%s", target);
        separator = strrchr(path, ':');
        if (!separator || separator == path || !separator[1])
            return -EINVAL;
        *separator = '\0';
        function = separator + 1;
    }
    opts.func_name = function;
    attachment->link = bpf_program__attach_uprobe_opts(program->prog, -1, path, 0, &opts);
    if (!attachment->link)
        return -errno;
    return 0;
}
"#;
