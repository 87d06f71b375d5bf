//! `@cgroup_skb("ingress"|"egress") fn NAME(ctx: *__sk_buff) -> i32`:
//! runs for every packet a cgroup's sockets receive or send
//! (`SEC("cgroup_skb/ingress")`), returning 1 to let it through and 0 to
//! drop it.
//!
//! Userspace attaches it to the cgroup directory `attach(prog, PATH, 0)`
//! names (the root of the cgroup v2 hierarchy when empty: where
//! `/proc/self/mounts` says `cgroup2` is mounted, `/sys/fs/cgroup` on a
//! pure v2 system, `/sys/fs/cgroup/unified` on a hybrid one) with
//! `bpf_program__attach_cgroup`; the link keeps the cgroup. Context reads
//! are direct (`ctx->len`, `ctx->protocol`); packet data is read with
//! `bpf_skb_load_bytes`. Failures return 0 (drop), the kernel's default
//! for a program that cannot decide.

use super::{
    context_entry, no_values, Attach, Descriptor, KernelMemory, Returns, Signature, TargetRule,
    TestRun, DESTROY_LINK, LINK_FIELD,
};

pub(super) const DESCRIPTOR: Descriptor = Descriptor {
    attribute: "cgroup_skb",
    label: "@cgroup_skb program",
    target: Some(TargetRule {
        optional: false,
        what: "a direction",
        expected: "\"ingress\" or \"egress\"",
        help: "write `@cgroup_skb(\"ingress\")` or `@cgroup_skb(\"egress\")`",
        valid: |target| matches!(target, "ingress" | "egress"),
    }),
    signature: Signature::Context {
        context: "__sk_buff",
        returns: Returns::I32,
    },
    program_type: "BPF_PROG_TYPE_CGROUP_SKB",
    tail_calls: true,
    section: |target| format!("cgroup_skb/{target}"),
    entry: context_entry,
    failure_result: "0",
    needs_kernel_types: false,
    entry_types: &[],
    kernel_memory: KernelMemory::Direct,
    own_function: super::no_own_function,
    packet_pointer_fields: &[],
    attach: Attach {
        constant: "KS_CGROUP_SKB",
        program_fields: &[],
        program_values: no_values,
        attachment_fields: &[LINK_FIELD],
        runtime: ATTACH_CGROUP,
        attach: "err = ks_attach_cgroup(&attachment, target, &shown);",
        detach: DESTROY_LINK,
        open: "",
        includes: &["fcntl.h", "unistd.h"],
    },
    test_run: TestRun::Packet,
    allocates_objects: true,
    perf_packet_bytes: false,
};

const ATTACH_CGROUP: &str = r#"
/* The root of the cgroup v2 hierarchy: where it is mounted. */
static const char *ks_cgroup2_root(void)
{
    static char root[4096] = "/sys/fs/cgroup";
    char line[8192], mount_point[4096], type[64];
    FILE *mounts = fopen("/proc/self/mounts", "r");

    if (!mounts)
        return root;
    while (fgets(line, sizeof(line), mounts)) {
        if (sscanf(line, "%*s %4095s %63s", mount_point, type) == 2 && strcmp(type, "cgroup2") == 0) {
            snprintf(root, sizeof(root), "%s", mount_point);
            break;
        }
    }
    fclose(mounts);
    return root;
}

/* cgroup programs: on the cgroup directory the target names (the cgroup v2
 * root when empty). The link keeps the cgroup; its fd is not needed. */
static int ks_attach_cgroup(struct ks_attachment *attachment, const char *target, const char **shown)
{
    const struct ks_program *program = &ks_programs[attachment->program];
    const char *path = target && target[0] ? target : ks_cgroup2_root();

    int err = 0;
    int fd;

    *shown = path;
    fd = open(path, O_RDONLY | O_DIRECTORY);

    if (fd < 0)
        return -errno;
    attachment->link = bpf_program__attach_cgroup(program->prog, fd);
    if (!attachment->link)
        err = -errno;
    close(fd);
    return err;
}
"#;
