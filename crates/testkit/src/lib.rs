//! Test support for KernelScript's end-to-end tier: proves generated eBPF C
//! against the real kernel. It builds C with clang as a user's Makefile
//! would, loads the object with libbpf-rs (reporting the verifier log on a
//! rejection), runs XDP/TC programs on crafted packets with
//! `BPF_PROG_TEST_RUN`, and reads maps and globals back. The [`e2e`] module
//! runs `.ks` files whose `//` comments say what to run and what to expect.
//!
//! This is a dev-only crate: it must never become a dependency of the
//! compiler itself, and it must not skip a kernel test silently when
//! `KS_REQUIRE_KERNEL=1` (CI) is set.
//!
//! A typical hand-written kernel test:
//!
//! ```no_run
//! use std::path::Path;
//! use testkit::{build_bpf_object, LoadedObject, Packet, XDP_DROP};
//!
//! let Some(_kernel) = testkit::skip_unless_capable() else { return };
//! build_bpf_object(Path::new("prog.bpf.c"), Path::new("/tmp/prog.o")).unwrap();
//! let obj = LoadedObject::open_and_load(Path::new("/tmp/prog.o")).unwrap_or_else(|e| panic!("{e}"));
//! let pkt = Packet::eth().ipv4([10, 0, 0, 1], [10, 0, 0, 2]).udp(1234, 53).payload(b"hi").build();
//! assert_eq!(obj.run_xdp("filter", &pkt).unwrap().retval, XDP_DROP);
//! ```

mod access;
mod clang;
pub mod e2e;
mod kernel;
mod load;
pub mod packet;
pub mod qemu;

pub use access::{AccessError, MapMeta, RunResult};
pub use clang::{
    bpf_clang_args, build_bpf_object, build_bpf_object_with, clang_binary, multiarch_include_dir,
    target_arch_define, write_vmlinux_h, BuildError,
};
pub use kernel::{
    check_capable, kernel_capability, kernel_lock, kernel_required, skip_unless_capable,
    KernelGuard, LOCK_FILE, REQUIRE_KERNEL_ENV,
};
/// The libbpf-rs version testkit uses, for what it does not wrap.
pub use libbpf_rs;
pub use libbpf_rs::{MapType, ProgramType};
pub use load::{with_libbpf_log, GlobalVar, LoadError, LoadOptions, LoadedObject};
pub use packet::{Packet, PacketBuilder, TcpFlags};

/// XDP action codes (`enum xdp_action`).
pub const XDP_ABORTED: u32 = 0;
pub const XDP_DROP: u32 = 1;
pub const XDP_PASS: u32 = 2;
pub const XDP_TX: u32 = 3;
pub const XDP_REDIRECT: u32 = 4;

/// TC action codes (`TC_ACT_*` from `linux/pkt_cls.h`), as the u32 a test run returns.
pub const TC_ACT_UNSPEC: u32 = -1i32 as u32;
pub const TC_ACT_OK: u32 = 0;
pub const TC_ACT_RECLASSIFY: u32 = 1;
pub const TC_ACT_SHOT: u32 = 2;
pub const TC_ACT_PIPE: u32 = 3;
pub const TC_ACT_STOLEN: u32 = 4;
pub const TC_ACT_QUEUED: u32 = 5;
pub const TC_ACT_REPEAT: u32 = 6;
pub const TC_ACT_REDIRECT: u32 = 7;

/// Every named return code the annotation format accepts, with its value.
pub const ACTION_NAMES: &[(&str, u32)] = &[
    ("XDP_ABORTED", XDP_ABORTED),
    ("XDP_DROP", XDP_DROP),
    ("XDP_PASS", XDP_PASS),
    ("XDP_TX", XDP_TX),
    ("XDP_REDIRECT", XDP_REDIRECT),
    ("TC_ACT_UNSPEC", TC_ACT_UNSPEC),
    ("TC_ACT_OK", TC_ACT_OK),
    ("TC_ACT_RECLASSIFY", TC_ACT_RECLASSIFY),
    ("TC_ACT_SHOT", TC_ACT_SHOT),
    ("TC_ACT_PIPE", TC_ACT_PIPE),
    ("TC_ACT_STOLEN", TC_ACT_STOLEN),
    ("TC_ACT_QUEUED", TC_ACT_QUEUED),
    ("TC_ACT_REPEAT", TC_ACT_REPEAT),
    ("TC_ACT_REDIRECT", TC_ACT_REDIRECT),
];
