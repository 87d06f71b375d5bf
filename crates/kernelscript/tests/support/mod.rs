//! What the core's integration tests share: the kernel they check against.
//!
//! Programs are checked against the running kernel's BTF
//! (`/sys/kernel/btf/vmlinux`), read once per test binary: every
//! development and CI machine of this project runs the same kernel, so
//! goldens that name kernel types and did-you-mean suggestions over kernel
//! names stay the same across them.

use std::sync::OnceLock;

use kernelscript::kernel::Kernel;

/// The running kernel, as the compiler sees it.
pub fn kernel() -> &'static Kernel {
    static KERNEL: OnceLock<Kernel> = OnceLock::new();
    KERNEL.get_or_init(|| {
        let bytes = std::fs::read("/sys/kernel/btf/vmlinux")
            .expect("the tests need the running kernel's BTF at /sys/kernel/btf/vmlinux");
        Kernel::new(btf::Btf::from_vec(bytes).expect("the running kernel's BTF parses"))
    })
}
