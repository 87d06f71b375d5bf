//! `@tc("ingress"|"egress") fn NAME(ctx: *__sk_buff) -> i32`, or bare `@tc`
//! (as the seed README writes it): `SEC("tc") int NAME(struct __sk_buff *ctx)`
//! (a `sched_cls` program).
//!
//! A bare `@tc` program's direction is chosen when it is attached: the
//! attach target `"eth0"` means ingress, `"eth0:egress"` egress (and
//! `"eth0:ingress"` ingress). With a direction in the attribute, a target
//! suffix must agree with it (a conflicting one fails the attach with
//! `-EINVAL`).
//!
//! libbpf 1.1 only knows the plain `tc` section; the direction is applied
//! when userspace attaches the program: a filter in the interface's clsact
//! qdisc (`bpf_tc_hook_create` + `bpf_tc_attach`), created when missing.
//! The filter outlives the process, so detaching removes it, and the qdisc
//! when this process created it and no other attachment uses it. Its
//! handle (`tc_handle`) and priority are fixed per program and the attach
//! replaces an existing filter with them, so a run after a SIGKILL does not
//! add a second filter. As for
//! XDP, `data`, `data_end` and `data_meta` of `struct __sk_buff` are
//! packet pointers for the verifier. `TC_ACT_SHOT` on failure drops the
//! packet.

use super::{
    context_entry, Attach, Descriptor, FieldValue, KernelMemory, ProgramSite, Returns, Signature,
    TargetRule, TestRun,
};

pub(super) const DESCRIPTOR: Descriptor = Descriptor {
    attribute: "tc",
    label: "@tc program",
    target: Some(TargetRule {
        optional: true,
        what: "a traffic direction",
        expected: "\"ingress\" or \"egress\"",
        help: "write `@tc(\"ingress\")` for packets entering the interface, or `@tc(\"egress\")` for packets leaving it",
        valid: |target| matches!(target, "ingress" | "egress"),
    }),
    signature: Signature::Context {
        context: "__sk_buff",
        returns: Returns::I32,
    },
    program_type: "BPF_PROG_TYPE_SCHED_CLS",
    tail_calls: true,
    section: |_| "tc".to_string(),
    entry: context_entry,
    failure_result: "TC_ACT_SHOT",
    needs_kernel_types: false,
    entry_types: &[],
    kernel_memory: KernelMemory::Direct,
    own_function: super::no_own_function,
    packet_pointer_fields: &["data", "data_end", "data_meta"],
    attach: Attach {
        constant: "KS_TC",
        program_fields: &[
            (
                "int tc_attach_point;",
                "TC: BPF_TC_INGRESS, BPF_TC_EGRESS, or 0 when `attach` decides",
            ),
            (
                "__u32 tc_handle;",
                "TC: the filter's handle, fixed per program",
            ),
        ],
        program_values,
        attachment_fields: &[
            ("int ifindex;", "XDP and TC: the interface"),
            ("struct bpf_tc_hook tc_hook;", "TC: the clsact hook ..."),
            ("struct bpf_tc_opts tc_opts;", "... and the filter in it"),
            (
                "bool tc_hook_created;",
                "this process created the clsact qdisc",
            ),
        ],
        runtime: ATTACH_TC,
        attach: "err = ks_attach_tc(&attachment, target);",
        detach: "err = ks_detach_tc(attachment);",
        open: "libbpf_set_print(ks_libbpf_print);",
        includes: &["net/if.h", "linux/if_link.h"],
    },
    test_run: TestRun::Packet,
    allocates_objects: true,
    perf_packet_bytes: true,
};

fn program_values(site: &ProgramSite) -> Vec<(&'static str, FieldValue)> {
    // 0: no direction in the attribute, the attach target decides.
    let point = match site.target {
        "egress" => "BPF_TC_EGRESS",
        "ingress" => "BPF_TC_INGRESS",
        _ => "0",
    };
    vec![
        ("tc_attach_point", FieldValue::Code(point.to_string())),
        (
            "tc_handle",
            FieldValue::Code(format!("{:#010x}", tc_handle(site.project, site.name))),
        ),
    ]
}

/// The handle of `program`'s TC filter in project `project`: FNV-1a of
/// `project/program`, never 0 (0 asks the kernel to choose one). Fixed, so
/// the next run of the same program finds (and replaces) a filter a killed
/// run left behind; different programs and projects get different ones.
pub fn tc_handle(project: &str, program: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in project.bytes().chain([b'/']).chain(program.bytes()) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash.max(1)
}

const ATTACH_TC: &str = r#"
/* The priority of every KernelScript TC filter (handles tell them apart). */
#define KS_TC_PRIORITY 0x4b53

/* libbpf's messages go to stderr as usual, except while creating a clsact
 * qdisc that may already exist (the kernel's refusal is expected then). */
static bool ks_libbpf_quiet;

static int ks_libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
    if (level == LIBBPF_DEBUG || ks_libbpf_quiet)
        return 0;
    return vfprintf(stderr, format, args);
}

/* The direction an attach target names: "eth0" none (0), "eth0:egress"
 * egress, "eth0:ingress" ingress; the interface name goes to `name`.
 * -EINVAL for a suffix that is neither, or a name too long. */
static int ks_tc_target(const char *target, char name[IF_NAMESIZE])
{
    const char *colon = strrchr(target, ':');
    size_t length = colon ? (size_t)(colon - target) : strlen(target);
    int point = 0;

    if (colon && strcmp(colon + 1, "egress") == 0)
        point = BPF_TC_EGRESS;
    else if (colon && strcmp(colon + 1, "ingress") == 0)
        point = BPF_TC_INGRESS;
    else
        length = strlen(target);
    if (length == 0 || length >= IF_NAMESIZE)
        return -EINVAL;
    memcpy(name, target, length);
    name[length] = '\0';
    return point;
}

/* TC: a filter in the interface's clsact qdisc (created when missing), on
 * the direction of the program's @tc attribute, or for a bare @tc the one
 * the target names (ingress when it names none). Its handle and priority are
 * fixed per program, and it replaces a filter left with them (by a run that
 * was killed before its cleanup), so a program is attached at most once
 * and its cleanup removes exactly what it attached. */
static int ks_attach_tc(struct ks_attachment *attachment, const char *target)
{
    const struct ks_program *program = &ks_programs[attachment->program];
    LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = program->tc_attach_point);
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(program->prog),
                .handle = program->tc_handle, .priority = KS_TC_PRIORITY,
                .flags = BPF_TC_F_REPLACE);
    char interface[IF_NAMESIZE];
    int err, point = ks_tc_target(target, interface);

    if (point < 0)
        return point;
    if (point && hook.attach_point && point != (int)hook.attach_point)
        return -EINVAL;
    if (!hook.attach_point)
        hook.attach_point = point ? point : BPF_TC_INGRESS;
    attachment->ifindex = if_nametoindex(interface);
    if (!attachment->ifindex)
        return -errno;
    hook.ifindex = attachment->ifindex;
    ks_libbpf_quiet = true;
    err = bpf_tc_hook_create(&hook);
    ks_libbpf_quiet = false;
    if (err && err != -EEXIST)
        return err;
    attachment->tc_hook_created = !err;
    err = bpf_tc_attach(&hook, &opts);
    if (err) {
        if (attachment->tc_hook_created) {
            hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
            bpf_tc_hook_destroy(&hook);
        }
        return err;
    }
    attachment->tc_hook = hook;
    attachment->tc_opts = opts;
    return 0;
}

/* Removes the filter, and the clsact qdisc when this process created it
 * and no other attachment of ours still uses it. */
static int ks_detach_tc(struct ks_attachment *attachment)
{
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = attachment->tc_opts.handle, .priority = attachment->tc_opts.priority);
    int err = bpf_tc_detach(&attachment->tc_hook, &opts);

    if (!attachment->tc_hook_created)
        return err;
    for (size_t i = 0; i < ks_attachment_count; i++) {
        struct ks_attachment *other = &ks_attachments[i];

        if (other->active && other->ifindex == attachment->ifindex && ks_programs[other->program].kind == KS_TC) {
            other->tc_hook_created = true; /* the last one removes the qdisc */
            return err;
        }
    }
    attachment->tc_hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
    bpf_tc_hook_destroy(&attachment->tc_hook);
    return err;
}
"#;
