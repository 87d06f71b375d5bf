//! The qemu guest tier: tests for what this machine's kernel refuses
//! (fentry/fexit, BPF LSM, kprobes, kernel modules with kfuncs) run in
//! Debian 12's own 6.1 kernel booted under qemu (TCG, no KVM).
//!
//! * [`Guest::prepare`] finds the installed guest kernel (and
//!   [`Guest::prepare_extracted`] one extracted, not installed, by
//!   `scripts/fetch-backports-kernel.sh`) and builds, once
//!   and cached under `target/qemu-guest/<version>/`, its uncompressed
//!   `vmlinux` (booted directly, PVH), its BTF and `vmlinux.h`, and a base
//!   initrd (static busybox, bpftool, an `/init` that mounts what BPF needs
//!   and reports the result through `isa-debug-exit`). Missing packages
//!   are a skip reason; `KS_REQUIRE_KERNEL=1` turns them into a failure.
//! * [`Guest::run`] boots the guest for one [`Batch`]: files to place in
//!   it and a shell script to run, under a timeout; it returns the script's
//!   exit status and the console. Each boot costs a few seconds, so tests
//!   put many checks into one batch.
//! * [`Guest::build_generated`] builds a `kernelscript compile` project for
//!   the guest (its BTF, static userspace program); [`Guest::build_bpf_object`]
//!   and [`Guest::build_static_program`] build hand-written fixtures;
//!   [`Guest::build_kernel_module`] builds a module with its BTF.
//!
//! ```no_run
//! use testkit::qemu::{skip_unless_guest, Batch};
//!
//! let Some(guest) = skip_unless_guest() else { return };
//! let output = guest
//!     .run(&Batch::new("echo lsm=$(cat /sys/kernel/security/lsm)"))
//!     .unwrap();
//! assert!(output.succeeded(), "{output}");
//! assert_eq!(output.value("lsm").as_deref(), Some("lockdown,capability,yama,bpf"));
//! ```
//!
//! The guest does not touch the host's kernel, so its tests need no
//! [`crate::kernel_lock`]. This module never leaves a qemu process or a
//! scratch directory behind.

mod build;
mod cpio;
mod elf;
mod guest;
mod initrd;
mod run;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub use build::GeneratedBuild;
pub use guest::{Guest, CACHE_ENV, GUEST_KERNEL_ENV};
pub use initrd::{BEGIN_MARKER, END_MARKER};
pub use run::{Batch, BatchOutput, GuestExit, DEFAULT_TIMEOUT, KERNEL_COMMAND_LINE};

/// Entry point of guest tests: the prepared guest, or `None` after printing
/// `skipped: <reason>` (panics instead when `KS_REQUIRE_KERNEL=1`).
pub fn skip_unless_guest() -> Option<&'static Guest> {
    match Guest::prepare() {
        Ok(guest) => Some(guest),
        Err(reason) => {
            println!("skipped: {reason}");
            eprintln!("skipped: {reason}");
            None
        }
    }
}

/// Entry point of sched_ext guest tests: the kernel
/// `scripts/build-guest-kernel.sh` built (6.12 with `CONFIG_SCHED_CLASS_EXT`,
/// cached outside the repository; the script says where), prepared as a
/// guest; or `None` after printing `skipped: <reason>` when it has not been
/// built (panics instead when `KS_REQUIRE_KERNEL=1`). Tests never build
/// it themselves: a build takes minutes (`scripts/test.sh` runs the script
/// first).
pub fn skip_unless_sched_ext_guest() -> Option<&'static Guest> {
    let prepared = sched_ext_kernel().and_then(|vmlinux| Guest::prepare_built(&vmlinux));
    match prepared {
        Ok(guest) => Some(guest),
        Err(reason) if crate::kernel_required() => panic!(
            "{}=1 but the sched_ext guest cannot run: {reason}",
            crate::REQUIRE_KERNEL_ENV
        ),
        Err(reason) => {
            println!("skipped: {reason}");
            eprintln!("skipped: {reason}");
            None
        }
    }
}

/// Boots this kernel ELF (with a `release` file beside it) in the sched_ext
/// tests instead of the one `scripts/build-guest-kernel.sh` built.
pub const SCHED_EXT_KERNEL_ENV: &str = "KS_SCHED_EXT_KERNEL";

/// Where `scripts/build-guest-kernel.sh` keeps (or would keep) the
/// sched_ext kernel for the installed kernel source, or `$KS_SCHED_EXT_KERNEL`.
fn sched_ext_kernel() -> Result<PathBuf, String> {
    if let Some(vmlinux) = std::env::var_os(SCHED_EXT_KERNEL_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(vmlinux));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-guest-kernel.sh");
    let output = std::process::Command::new("bash")
        .arg(&script)
        .arg("--print-path")
        .output()
        .map_err(|e| format!("running {}: {e}", script.display()))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    let vmlinux = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if vmlinux.is_file() {
        Ok(vmlinux)
    } else {
        Err(format!(
            "no sched_ext guest kernel at {} (run scripts/build-guest-kernel.sh)",
            vmlinux.display()
        ))
    }
}

/// testkit's hand-written guest fixtures (`tests/data/qemu`): the kfunc
/// module `kfunc_module/` and an eBPF C object calling its kfunc. Guest
/// tests of any crate may use them.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/qemu")
}

/// Copies the fixture module's sources into `dir` (created if needed),
/// ready for [`Guest::build_kernel_module`]: a module `ks_fixture_kfunc`
/// registering the kfunc `u32 ks_fixture_mix(u32 a, u32 b)` (`a * 100 +
/// b`) for XDP and TC programs. It builds against 6.1 and current
/// headers alike (feature tests, see docs/design/kernel-lowering.md).
pub fn copy_kfunc_fixture_module(dir: &Path) -> Result<(), GuestError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| GuestError::io(format!("creating {}", dir.display()), e))?;
    for file in ["ks_fixture_kfunc.c", "Kbuild"] {
        std::fs::copy(
            fixtures_dir().join("kfunc_module").join(file),
            dir.join(file),
        )
        .map_err(|e| GuestError::io(format!("copying the fixture module's {file}"), e))?;
    }
    Ok(())
}

/// Why preparing, building for or booting the guest failed.
#[derive(Debug, Clone)]
pub struct GuestError(String);

impl GuestError {
    pub(crate) fn new(message: impl Into<String>) -> GuestError {
        GuestError(message.into())
    }

    pub(crate) fn io(doing: impl fmt::Display, error: std::io::Error) -> GuestError {
        GuestError(format!("{doing}: {error}"))
    }
}

impl fmt::Display for GuestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GuestError {}

/// A scratch directory under the system's temporary directory, removed
/// (with everything in it) on drop.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new empty directory `$TMP/ks-qemu-PID-N-PURPOSE`.
    pub fn new(purpose: &str) -> Result<Scratch, GuestError> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ks-qemu-{}-{}-{purpose}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| GuestError::io(format!("creating {}", dir.display()), e))?;
        Ok(Scratch(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
