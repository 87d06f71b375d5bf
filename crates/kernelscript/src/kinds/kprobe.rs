//! `@kprobe("function") fn NAME(args...) -> i32` and `@kretprobe("function")
//! fn NAME(ret: T) -> i32`, as in the seed README: kprobes at a kernel
//! function's entry and return (`SEC("kprobe/function")`,
//! `SEC("kretprobe/function")`).
//!
//! The parameters are the function's arguments, typed from its BTF
//! prototype and read from the registers by libbpf's `BPF_KPROBE` (at
//! most five; trailing ones may be left out); a kretprobe's one parameter
//! is the return value (`BPF_KRETPROBE`). Either may instead take the
//! registers, `ctx: *pt_regs` (then `int NAME(struct pt_regs *ctx)`), and
//! only that form may leave out the target (`@kprobe fn f(ctx: *pt_regs)`,
//! bare `SEC("kprobe")`): userspace then attaches to the function
//! `attach(prog, "function", 0)` names. With a target, `attach`'s may
//! still name another function. Userspace attaches with
//! `bpf_program__attach_kprobe`. Failures return 0.

use super::{
    Attach, Descriptor, Entry, FieldValue, KernelMemory, ProgramSite, Prototype, Signature,
    TargetRule, TestRun, Trailing, DESTROY_LINK, LINK_FIELD,
};

pub(super) const DESCRIPTOR: Descriptor = descriptor(false);
pub(super) const RET_DESCRIPTOR: Descriptor = descriptor(true);

const fn descriptor(ret: bool) -> Descriptor {
    Descriptor {
        attribute: if ret { "kretprobe" } else { "kprobe" },
        label: if ret {
            "@kretprobe program"
        } else {
            "@kprobe program"
        },
        target: Some(TargetRule {
            optional: true,
            what: "the kernel function to probe",
            expected: "a kernel function name",
            help: if ret {
                "write e.g. `@kretprobe(\"do_unlinkat\")`, or `@kretprobe fn f(ctx: *pt_regs)` and name the function in `attach`"
            } else {
                "write e.g. `@kprobe(\"do_unlinkat\")`, or `@kprobe fn f(ctx: *pt_regs)` and name the function in `attach`"
            },
            valid: super::fexit::is_function_name,
        }),
        signature: if ret {
            Signature::KernelFunctionReturn
        } else {
            Signature::KernelFunctionArgs {
                prototype: Prototype::Function,
                trailing: Trailing::Nothing,
                registers: true,
            }
        },
        program_type: "BPF_PROG_TYPE_KPROBE",
        tail_calls: false,
        section: if ret {
            |target| section("kretprobe", target)
        } else {
            |target| section("kprobe", target)
        },
        entry: if ret {
            |_| Entry::Kretprobe
        } else {
            |_| Entry::Kprobe
        },
        failure_result: "0",
        needs_kernel_types: true,
        entry_types: &["pt_regs"],
        kernel_memory: KernelMemory::ProbeRead,
        own_function: super::no_own_function,
        packet_pointer_fields: &[],
        attach: Attach {
            constant: "KS_KPROBE",
            program_fields: &[
                (
                    "const char *kp_function;",
                    "kprobes: from @kprobe(\"function\") (may be empty)",
                ),
                ("bool kp_retprobe;", "@kretprobe"),
            ],
            program_values: if ret { ret_values } else { entry_values },
            attachment_fields: &[LINK_FIELD],
            runtime: ATTACH_KPROBE,
            attach: "err = ks_attach_kprobe(&attachment, target, &shown);",
            detach: DESTROY_LINK,
            open: "",
            includes: &[],
        },
        test_run: TestRun::Unsupported,
        allocates_objects: false,
        perf_packet_bytes: false,
    }
}

/// `kprobe/function`, or bare `kprobe` without a target.
fn section(kind: &str, target: &str) -> String {
    if target.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}/{target}")
    }
}

fn values(site: &ProgramSite, ret: bool) -> Vec<(&'static str, FieldValue)> {
    vec![
        ("kp_function", FieldValue::Text(site.target.to_string())),
        ("kp_retprobe", FieldValue::Code(ret.to_string())),
    ]
}

fn entry_values(site: &ProgramSite) -> Vec<(&'static str, FieldValue)> {
    values(site, false)
}

fn ret_values(site: &ProgramSite) -> Vec<(&'static str, FieldValue)> {
    values(site, true)
}

const ATTACH_KPROBE: &str = r#"
/* Kprobes: at the function `attach` names, else the program's own
 * (`*shown` names it in an error). */
static int ks_attach_kprobe(struct ks_attachment *attachment, const char *target, const char **shown)
{
    const struct ks_program *program = &ks_programs[attachment->program];
    const char *function = target && target[0] ? target : program->kp_function;

    *shown = function;
    if (!function[0])
        return -EINVAL;
    attachment->link = bpf_program__attach_kprobe(program->prog, program->kp_retprobe, function);
    if (!attachment->link)
        return -errno;
    return 0;
}
"#;
