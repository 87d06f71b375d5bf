//! What the checker knows about the kernel without being told.
//!
//! Program context structs (`xdp_md`, `__sk_buff`, `bpf_perf_event_data`),
//! `enum xdp_action`, the `TC_ACT_*` constants and the BPF helpers with
//! their signatures. Everything here is `Origin::Kernel`: generators name
//! these types and constants but never define them (the kernel headers do).
//! The tables sit behind `KernelInfo` so a BTF-backed implementation can
//! replace `BuiltinKernel` later without touching the checker.
//!
//! Decision: the packet pointer fields `data`, `data_end` and `data_meta`
//! of the context structs are typed `*u8` (in the kernel they are `__u32`
//! holding a pointer). So `ctx->data_end - ctx->data` is the packet length
//! (`i64`), `ctx->data + 14` is a pointer, and `ctx->data as *EthHdr` is a
//! pointer cast. Generators read them as `(void *)(long)ctx->data`. Every
//! other context field is a plain integer.
//!
//! Headers generated from BTF (`xdp.kh`, `tc.kh`) declare `struct xdp_md`
//! and `enum xdp_action` again; a declaration of a kernel-known type is
//! accepted and the table's definition is kept (see `items.rs`).

use crate::ir::IntType;

/// A type in a kernel table, resolved to an `ir::Type` by the checker.
#[derive(Clone, Copy, Debug)]
pub(crate) enum KType {
    Int(IntType),
    /// `*u8` pointing into packet data.
    BytePtr,
    /// `*void`: any pointer is accepted.
    AnyPtr,
    /// `*S` for the kernel struct `S`.
    StructPtr(&'static str),
    Array(IntType, u32),
}

pub(crate) struct KernelStruct {
    pub name: &'static str,
    pub fields: &'static [(&'static str, KType)],
}

pub(crate) struct KernelEnum {
    pub name: &'static str,
    pub variants: &'static [(&'static str, i64)],
}

pub(crate) struct KernelConst {
    pub name: &'static str,
    pub ty: IntType,
    pub value: i128,
}

pub(crate) struct HelperSig {
    pub name: &'static str,
    pub params: &'static [KType],
    pub ret: KType,
}

/// The kernel knowledge the checker consults.
pub(crate) trait KernelInfo {
    fn structs(&self) -> &[KernelStruct];
    fn enums(&self) -> &[KernelEnum];
    fn consts(&self) -> &[KernelConst];
    fn helpers(&self) -> &[HelperSig];
    /// Whether the kernel defines a struct named `name` that the tables
    /// above do not describe field by field. A source declaration of such a
    /// struct (as BTF-generated headers contain) describes the kernel's
    /// type: it is checked with the declared fields but never emitted.
    fn defines_struct(&self, name: &str) -> bool;
}

/// The built-in tables (no BTF).
pub(crate) struct BuiltinKernel;

use IntType::{I32, I64, U16, U32, U64};
use KType::{AnyPtr, Array, BytePtr, Int, StructPtr};

const XDP_MD: &[(&str, KType)] = &[
    ("data", BytePtr),
    ("data_end", BytePtr),
    ("data_meta", BytePtr),
    ("ingress_ifindex", Int(U32)),
    ("rx_queue_index", Int(U32)),
    ("egress_ifindex", Int(U32)),
];

const SK_BUFF: &[(&str, KType)] = &[
    ("len", Int(U32)),
    ("pkt_type", Int(U32)),
    ("mark", Int(U32)),
    ("queue_mapping", Int(U32)),
    ("protocol", Int(U32)),
    ("vlan_present", Int(U32)),
    ("vlan_tci", Int(U32)),
    ("vlan_proto", Int(U32)),
    ("priority", Int(U32)),
    ("ingress_ifindex", Int(U32)),
    ("ifindex", Int(U32)),
    ("tc_index", Int(U32)),
    ("cb", Array(U32, 5)),
    ("hash", Int(U32)),
    ("tc_classid", Int(U32)),
    ("data", BytePtr),
    ("data_end", BytePtr),
    ("napi_id", Int(U32)),
    ("family", Int(U32)),
    ("remote_ip4", Int(U32)),
    ("local_ip4", Int(U32)),
    ("remote_ip6", Array(U32, 4)),
    ("local_ip6", Array(U32, 4)),
    ("remote_port", Int(U32)),
    ("local_port", Int(U32)),
    ("data_meta", BytePtr),
    ("tstamp", Int(U64)),
    ("wire_len", Int(U32)),
    ("gso_segs", Int(U32)),
    ("gso_size", Int(U32)),
    ("hwtstamp", Int(U64)),
];

const PERF_EVENT_DATA: &[(&str, KType)] = &[("sample_period", Int(U64)), ("addr", Int(U64))];

const STRUCTS: &[KernelStruct] = &[
    KernelStruct {
        name: "xdp_md",
        fields: XDP_MD,
    },
    KernelStruct {
        name: "__sk_buff",
        fields: SK_BUFF,
    },
    KernelStruct {
        name: "bpf_perf_event_data",
        fields: PERF_EVENT_DATA,
    },
];

/// Kernel-internal structs programs commonly name (tracing contexts and
/// struct_ops types); they come from `vmlinux.h`.
const KERNEL_STRUCT_NAMES: &[&str] = &[
    "trace_entry",
    "pt_regs",
    "task_struct",
    "file",
    "inode",
    "dentry",
    "sock",
    "sk_buff",
    "tcp_sock",
    "tcp_congestion_ops",
    "sched_ext_ops",
    "scx_exit_info",
];

/// Structs of the UAPI header `<linux/bpf.h>` (helper arguments, program
/// contexts) that BTF-generated headers such as `tc.kh` declare again; the
/// header defines them for eBPF and userspace C alike.
#[rustfmt::skip]
const UAPI_STRUCT_NAMES: &[&str] = &[
    "bpf_sock", "bpf_sock_tuple", "bpf_sock_ops", "bpf_sock_addr", "bpf_sockopt",
    "bpf_sk_lookup", "bpf_sysctl", "bpf_flow_keys", "bpf_fib_lookup", "bpf_tunnel_key",
    "bpf_xfrm_state", "bpf_spin_lock", "bpf_timer", "bpf_dynptr", "bpf_list_head",
    "bpf_list_node", "bpf_rb_root", "bpf_rb_node", "bpf_perf_event_value", "bpf_pidns_info",
    "bpf_redir_neigh", "bpf_devmap_val", "bpf_cpumap_val", "bpf_raw_tracepoint_args",
    "sk_msg_md", "sk_reuseport_md",
];

const ENUMS: &[KernelEnum] = &[KernelEnum {
    name: "xdp_action",
    variants: &[
        ("XDP_ABORTED", 0),
        ("XDP_DROP", 1),
        ("XDP_PASS", 2),
        ("XDP_TX", 3),
        ("XDP_REDIRECT", 4),
    ],
}];

const CONSTS: &[KernelConst] = &[
    KernelConst {
        name: "TC_ACT_UNSPEC",
        ty: I32,
        value: -1,
    },
    KernelConst {
        name: "TC_ACT_OK",
        ty: I32,
        value: 0,
    },
    KernelConst {
        name: "TC_ACT_RECLASSIFY",
        ty: I32,
        value: 1,
    },
    KernelConst {
        name: "TC_ACT_SHOT",
        ty: I32,
        value: 2,
    },
    KernelConst {
        name: "TC_ACT_PIPE",
        ty: I32,
        value: 3,
    },
    KernelConst {
        name: "TC_ACT_STOLEN",
        ty: I32,
        value: 4,
    },
    KernelConst {
        name: "TC_ACT_QUEUED",
        ty: I32,
        value: 5,
    },
    KernelConst {
        name: "TC_ACT_REPEAT",
        ty: I32,
        value: 6,
    },
    KernelConst {
        name: "TC_ACT_REDIRECT",
        ty: I32,
        value: 7,
    },
];

macro_rules! helpers {
    ($($name:ident($($param:expr),*) -> $ret:expr;)*) => {
        &[$(HelperSig { name: stringify!($name), params: &[$($param),*], ret: $ret }),*]
    };
}

const HELPERS: &[HelperSig] = helpers! {
    bpf_ktime_get_ns() -> Int(U64);
    bpf_ktime_get_boot_ns() -> Int(U64);
    bpf_ktime_get_coarse_ns() -> Int(U64);
    bpf_jiffies64() -> Int(U64);
    bpf_get_smp_processor_id() -> Int(U32);
    bpf_get_numa_node_id() -> Int(I64);
    bpf_get_prandom_u32() -> Int(U32);
    bpf_get_current_pid_tgid() -> Int(U64);
    bpf_get_current_uid_gid() -> Int(U64);
    bpf_get_current_task() -> Int(U64);
    bpf_get_current_cgroup_id() -> Int(U64);
    bpf_get_current_comm(AnyPtr, Int(U32)) -> Int(I64);
    bpf_ntohs(Int(U16)) -> Int(U16);
    bpf_htons(Int(U16)) -> Int(U16);
    bpf_ntohl(Int(U32)) -> Int(U32);
    bpf_htonl(Int(U32)) -> Int(U32);
    bpf_xdp_adjust_head(StructPtr("xdp_md"), Int(I32)) -> Int(I32);
    bpf_xdp_adjust_tail(StructPtr("xdp_md"), Int(I32)) -> Int(I32);
    bpf_xdp_adjust_meta(StructPtr("xdp_md"), Int(I32)) -> Int(I32);
    bpf_redirect(Int(U32), Int(U64)) -> Int(I64);
    bpf_skb_load_bytes(StructPtr("__sk_buff"), Int(U32), AnyPtr, Int(U32)) -> Int(I64);
    bpf_skb_store_bytes(StructPtr("__sk_buff"), Int(U32), AnyPtr, Int(U32), Int(U64)) -> Int(I64);
    bpf_skb_pull_data(StructPtr("__sk_buff"), Int(U32)) -> Int(I64);
    bpf_get_hash_recalc(StructPtr("__sk_buff")) -> Int(U32);
    bpf_probe_read_kernel(AnyPtr, Int(U32), AnyPtr) -> Int(I64);
    bpf_probe_read_user(AnyPtr, Int(U32), AnyPtr) -> Int(I64);
    bpf_probe_read_kernel_str(AnyPtr, Int(U32), AnyPtr) -> Int(I64);
    bpf_probe_read_user_str(AnyPtr, Int(U32), AnyPtr) -> Int(I64);
    bpf_trace_printk(AnyPtr, Int(U32)) -> Int(I64);
    bpf_send_signal(Int(U32)) -> Int(I64);
    bpf_get_func_ip(AnyPtr) -> Int(U64);
    bpf_set_hash(StructPtr("__sk_buff"), Int(U32)) -> Int(I64);
    bpf_csum_diff(AnyPtr, Int(U32), AnyPtr, Int(U32), Int(U32)) -> Int(I64);
    bpf_get_cgroup_classid(StructPtr("__sk_buff")) -> Int(U32);
    bpf_skb_vlan_push(StructPtr("__sk_buff"), Int(U16), Int(U16)) -> Int(I64);
    bpf_skb_vlan_pop(StructPtr("__sk_buff")) -> Int(I64);
    bpf_clone_redirect(StructPtr("__sk_buff"), Int(U32), Int(U64)) -> Int(I64);
    bpf_skb_change_type(StructPtr("__sk_buff"), Int(U32)) -> Int(I64);
    bpf_get_socket_cookie(AnyPtr) -> Int(U64);
    bpf_ktime_get_tai_ns() -> Int(U64);
    bpf_get_attach_cookie(AnyPtr) -> Int(U64);
    bpf_get_current_task_btf() -> AnyPtr;
    bpf_get_stackid(AnyPtr, AnyPtr, Int(U64)) -> Int(I64);
    bpf_strncmp(AnyPtr, Int(U32), AnyPtr) -> Int(I64);
};

impl KernelInfo for BuiltinKernel {
    fn structs(&self) -> &[KernelStruct] {
        STRUCTS
    }

    fn enums(&self) -> &[KernelEnum] {
        ENUMS
    }

    fn consts(&self) -> &[KernelConst] {
        CONSTS
    }

    fn helpers(&self) -> &[HelperSig] {
        HELPERS
    }

    fn defines_struct(&self, name: &str) -> bool {
        name.starts_with("trace_event_raw_")
            || KERNEL_STRUCT_NAMES.contains(&name)
            || UAPI_STRUCT_NAMES.contains(&name)
    }
}

/// The members of the struct_ops types the built-in tables know only by
/// name (their layout comes from `vmlinux.h`): an impl block of such a
/// type may only set these. Kernel 6.x names.
pub(crate) fn struct_ops_members(ops_type: &str) -> Option<&'static [&'static str]> {
    match ops_type {
        "tcp_congestion_ops" => Some(&[
            "list",
            "key",
            "flags",
            "init",
            "release",
            "ssthresh",
            "cong_avoid",
            "set_state",
            "cwnd_event",
            "in_ack_event",
            "pkts_acked",
            "min_tso_segs",
            "cong_control",
            "undo_cwnd",
            "sndbuf_expand",
            "get_info",
            "name",
            "owner",
        ]),
        "sched_ext_ops" => Some(&[
            "select_cpu",
            "enqueue",
            "dequeue",
            "dispatch",
            "tick",
            "runnable",
            "running",
            "stopping",
            "quiescent",
            "yield",
            "core_sched_before",
            "set_weight",
            "set_cpumask",
            "update_idle",
            "cpu_acquire",
            "cpu_release",
            "init_task",
            "exit_task",
            "enable",
            "disable",
            "dump",
            "dump_cpu",
            "dump_task",
            "cgroup_init",
            "cgroup_exit",
            "cgroup_prep_move",
            "cgroup_move",
            "cgroup_cancel_move",
            "cgroup_set_weight",
            "cpu_online",
            "cpu_offline",
            "init",
            "exit",
            "dispatch_max_batch",
            "flags",
            "timeout_ms",
            "exit_dump_len",
            "hotplug_seq",
            "name",
        ]),
        _ => None,
    }
}
