//! The kernel a program is compiled for, as the CLI hands it to the
//! compiler: its BTF (owned, indexed lazily by the `btf` crate) and, for
//! kernels whose BTF carries no kfunc tags (6.1), the kfuncs found in the
//! image's `.BTF_ids` section.
//!
//! The checker looks kernel types, enum constants, functions, kfuncs,
//! LSM hooks, struct_ops types and tracepoint contexts up here on first
//! use (`check/kernel/`); the eBPF generator writes the kernel types a
//! program uses from it (`codegen/kernel_header.rs`). This file reads no
//! files: the caller passes the bytes (and the tracefs format files,
//! through `driver::SourceLoader`).

use std::collections::BTreeSet;

use btf::{Btf, TypeId};

/// Structs that `<linux/bpf.h>` (pulled in by libbpf's headers) already
/// defines. A kernel struct (`Origin::Kernel`) in this list is never
/// defined here, whoever declared its fields (a BTF-generated `.kh`
/// header, say). A kernel struct outside it that userspace uses by value
/// (a tracepoint record in a ring buffer) is in no header userspace
/// includes, so it is defined from its declared fields.
pub const USERSPACE_HEADER_STRUCTS: &[&str] = &[
    // <linux/bpf_perf_event.h>, included when userspace names it.
    "bpf_perf_event_data",
    "xdp_md",
    "__sk_buff",
    "bpf_sock",
    "bpf_sock_tuple",
    "bpf_sock_ops",
    "bpf_sock_addr",
    "bpf_sockopt",
    "bpf_sk_lookup",
    "bpf_sysctl",
    "bpf_flow_keys",
    "bpf_fib_lookup",
    "bpf_tunnel_key",
    "bpf_xfrm_state",
    "bpf_spin_lock",
    "bpf_timer",
    "bpf_dynptr",
    "bpf_list_head",
    "bpf_list_node",
    "bpf_rb_root",
    "bpf_rb_node",
    "bpf_perf_event_value",
    "bpf_pidns_info",
    "bpf_redir_neigh",
    "bpf_devmap_val",
    "bpf_cpumap_val",
    "bpf_raw_tracepoint_args",
    "sk_msg_md",
    "sk_reuseport_md",
];

/// The kernel's BTF and what the compiler learns from it.
#[derive(Clone)]
pub struct Kernel {
    btf: Btf,
    /// kfuncs listed in the image's `.BTF_ids` (kernels without
    /// `bpf_kfunc` declaration tags).
    listed_kfuncs: BTreeSet<TypeId>,
}

impl Kernel {
    /// The kernel described by `btf` (vmlinux BTF, or a module's split BTF
    /// on it).
    pub fn new(btf: Btf) -> Kernel {
        Kernel {
            btf,
            listed_kfuncs: BTreeSet::new(),
        }
    }

    /// Adds the kfuncs of a `.BTF_ids` section (`Btf::kfuncs_in_btf_ids_section`),
    /// for kernels whose BTF has no `bpf_kfunc` tags.
    pub fn with_listed_kfuncs(mut self, kfuncs: impl IntoIterator<Item = TypeId>) -> Kernel {
        self.listed_kfuncs.extend(kfuncs);
        self
    }

    /// The BTF.
    pub fn btf(&self) -> &Btf {
        &self.btf
    }

    /// Whether `id` (a `FUNC`) is a kfunc: tagged `bpf_kfunc`, or listed.
    pub fn is_kfunc(&self, id: TypeId) -> bool {
        self.listed_kfuncs.contains(&id) || self.btf.is_kfunc(id)
    }

    /// Whether the kernel says which functions are kfuncs (`bpf_kfunc`
    /// tags, 6.8+, or a `.BTF_ids` listing); without it any BTF function
    /// may be one.
    pub fn knows_kfuncs(&self) -> bool {
        !self.listed_kfuncs.is_empty() || self.btf.has_kfunc_tags()
    }

    /// Every kfunc the kernel exposes, sorted by name.
    pub fn kfuncs(&self) -> Vec<TypeId> {
        let mut all: Vec<TypeId> = self.btf.kfuncs();
        all.extend(self.listed_kfuncs.iter().copied());
        all.sort_by(|left, right| {
            self.btf
                .name_of(*left)
                .cmp(self.btf.name_of(*right))
                .then(left.cmp(right))
        });
        all.dedup_by(|left, right| self.btf.name_of(*left) == self.btf.name_of(*right));
        all
    }

    /// The kfunc called `name`, if the kernel exposes one.
    pub fn kfunc(&self, name: &str) -> Option<TypeId> {
        let id = self.btf.function(name)?;
        self.is_kfunc(id).then_some(id)
    }
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "Kernel({} types, {} listed kfuncs)",
            self.btf.last_type_id().0,
            self.listed_kfuncs.len()
        )
    }
}

/// The running kernel's BTF, for this crate's own tests (read once). The
/// tests of this crate check programs against the kernel of the machine
/// they run on (every development and CI machine has the same kernel);
/// only tests read files.
#[cfg(test)]
#[allow(clippy::disallowed_methods)] // only tests read files
pub(crate) fn test_kernel() -> &'static Kernel {
    use std::sync::OnceLock;
    static KERNEL: OnceLock<Kernel> = OnceLock::new();
    KERNEL.get_or_init(|| {
        let bytes = std::fs::read("/sys/kernel/btf/vmlinux")
            .expect("the tests need the running kernel's BTF at /sys/kernel/btf/vmlinux");
        Kernel::new(Btf::from_vec(bytes).expect("the running kernel's BTF parses"))
    })
}
