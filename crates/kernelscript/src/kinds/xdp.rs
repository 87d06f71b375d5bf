//! `@xdp fn NAME(ctx: *xdp_md) -> xdp_action`: `SEC("xdp") int
//! NAME(struct xdp_md *ctx)`.
//!
//! `struct xdp_md` declares `data`, `data_end` and `data_meta` as `__u32`;
//! the verifier turns loads of them into packet pointers (the eBPF
//! generator reads them as `(void *)(long)ctx->data`). Userspace attaches
//! through a BPF link on the interface (`bpf_link_create`: only the mode
//! flags of `flags` apply to links), which the kernel removes with the
//! process even after a crash. `XDP_ABORTED` on failure drops the packet
//! and fires the `xdp_exception` tracepoint, so failures are visible.

use super::{
    context_entry, no_values, Attach, Descriptor, KernelMemory, Returns, Signature, TestRun,
};

pub(super) const DESCRIPTOR: Descriptor = Descriptor {
    attribute: "xdp",
    label: "@xdp program",
    target: None,
    signature: Signature::Context {
        context: "xdp_md",
        returns: Returns::KernelEnum("xdp_action"),
    },
    program_type: "BPF_PROG_TYPE_XDP",
    tail_calls: true,
    section: |_| "xdp".to_string(),
    entry: context_entry,
    failure_result: "XDP_ABORTED",
    needs_kernel_types: false,
    entry_types: &[],
    kernel_memory: KernelMemory::Direct,
    own_function: super::no_own_function,
    packet_pointer_fields: &["data", "data_end", "data_meta"],
    attach: Attach {
        constant: "KS_XDP",
        program_fields: &[],
        program_values: no_values,
        attachment_fields: &[
            ("int ifindex;", "XDP and TC: the interface"),
            ("int link_fd;", "XDP: the BPF link"),
        ],
        runtime: ATTACH_XDP,
        attach: "err = ks_attach_xdp(&attachment, target, flags);",
        detach: "if (close(attachment->link_fd) != 0)\n    err = -errno;",
        open: "",
        includes: &["net/if.h", "linux/if_link.h"],
    },
    test_run: TestRun::Packet,
    allocates_objects: true,
    perf_packet_bytes: true,
};

const ATTACH_XDP: &str = r#"
/* XDP: a BPF link on the interface; only the mode flags of `flags`
 * (XDP_FLAGS_SKB_MODE, _DRV_MODE, _HW_MODE) apply to links. */
static int ks_attach_xdp(struct ks_attachment *attachment, const char *target, __u32 flags)
{
    LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags & XDP_FLAGS_MODES);
    int fd;

    attachment->ifindex = if_nametoindex(target);
    if (!attachment->ifindex)
        return -errno;
    fd = bpf_link_create(bpf_program__fd(ks_programs[attachment->program].prog), attachment->ifindex, BPF_XDP, &opts);
    if (fd < 0)
        return fd;
    attachment->link_fd = fd;
    return 0;
}
"#;
