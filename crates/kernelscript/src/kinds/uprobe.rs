//! `@uprobe("PATH:FUNCTION")` / `@uretprobe("PATH:FUNCTION") fn
//! NAME(ctx: *pt_regs) -> i32`: bare `SEC("uprobe")` / `SEC("uretprobe")`
//! (libbpf 1.1 accepts them without a target).
//!
//! `@uprobe("FUNCTION")` (no path) probes a userspace function of the
//! program itself (`own_function`): the checker makes sure the source
//! defines it, the userspace generator keeps it a real symbol (not
//! `static`, never inlined), and userspace attaches to it in its own
//! binary (`/proc/self/exe`).
//!
//! Userspace attaches with `bpf_program__attach_uprobe_opts` to the
//! attribute's target, or to the `attach` target when one is given, in
//! every process running that file; an error names the binary and
//! function it tried. Failures return 0.

use super::{
    context_entry, Attach, Descriptor, FieldValue, KernelMemory, ProgramSite, Returns, Signature,
    TargetRule, TestRun, DESTROY_LINK, LINK_FIELD,
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
            expected: "\"PATH:FUNCTION\", or a function of this program",
            help: "write the binary or library, a colon, and the function's symbol, e.g. \"/lib/x86_64-linux-gnu/libc.so.6:malloc\", or the name of one of this program's own functions",
            valid: |target| split(target).is_some() || own_function(target).is_some(),
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
        own_function,
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
            attach: "err = ks_attach_uprobe(&attachment, target, &shown);",
            detach: DESTROY_LINK,
            open: "",
            includes: &["unistd.h"],
        },
        test_run: TestRun::Unsupported,
        allocates_objects: false,
        perf_packet_bytes: false,
    }
}

/// The program's own function `@uprobe("FUNCTION")` names: a target
/// without a path that is an identifier.
fn own_function(target: &str) -> Option<&str> {
    let identifier = target
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && target
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    identifier.then_some(target)
}

/// `(path, function)` of a well-formed `PATH:FUNCTION`.
fn split(target: &str) -> Option<(&str, &str)> {
    target
        .rsplit_once(':')
        .filter(|(path, function)| !path.is_empty() && !function.is_empty())
}

fn values(site: &ProgramSite, ret: bool) -> Vec<(&'static str, FieldValue)> {
    let (path, function) = match (site.own_symbol, split(site.target)) {
        (Some(symbol), _) => ("/proc/self/exe", symbol),
        (None, Some(split)) => split,
        (None, None) => (site.target, ""),
    };
    vec![
        ("up_path", FieldValue::Text(path.to_string())),
        ("up_function", FieldValue::Text(function.to_string())),
        ("up_retprobe", FieldValue::Code(ret.to_string())),
    ]
}

fn entry_values(site: &ProgramSite) -> Vec<(&'static str, FieldValue)> {
    values(site, false)
}

fn ret_values(site: &ProgramSite) -> Vec<(&'static str, FieldValue)> {
    values(site, true)
}

const ATTACH_UPROBE: &str = r#"
/* Uprobes: the @uprobe("PATH:FUNCTION") of the program, or the target when
 * one is given ("PATH:FUNCTION"); in every process running that file.
 * `*shown` names the binary (resolved) and function tried. */
static int ks_attach_uprobe(struct ks_attachment *attachment, const char *target, const char **shown)
{
    static char tried[4096 + 256];
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
    if (!attachment->link) {
        int err = -errno;
        char resolved[4096];
        ssize_t length = readlink(path, resolved, sizeof(resolved) - 1);

        if (length > 0) {
            resolved[length] = '\0';
            snprintf(tried, sizeof(tried), "%s:%s", resolved, function);
        } else {
            snprintf(tried, sizeof(tried), "%s:%s", path, function);
        }
        *shown = tried;
        return err;
    }
    return 0;
}
"#;
