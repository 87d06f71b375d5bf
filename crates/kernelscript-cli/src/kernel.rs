//! The kernel a compilation targets: its BTF, read from disk and handed to
//! the compiler as an owned `kernelscript::kernel::Kernel`.
//!
//! Source: `--btf-vmlinux-path PATH` (raw BTF such as
//! `/sys/kernel/btf/vmlinux`, or a `vmlinux` ELF image with a `.BTF`
//! section), else the running kernel's `/sys/kernel/btf/vmlinux`; a clear
//! error when neither exists. BTF from a user-named file is validated
//! (every reference and name) before use; the running kernel's was
//! verified by the kernel. An ELF image's `.BTF_ids` section also lists
//! the kfuncs of kernels whose BTF has no `bpf_kfunc` tags (6.1).
//!
//! Tracefs format files (`/sys/kernel/tracing/events/CAT/EVENT/format`)
//! describe the running kernel only, so the source loader reads them only
//! when the BTF is the running kernel's (`Target::is_running_kernel`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use btf::Btf;
use kernelscript::kernel::Kernel;

use crate::commands::Failure;

/// The running kernel's BTF.
pub const RUNNING_KERNEL_BTF: &str = "/sys/kernel/btf/vmlinux";

/// Where tracefs is mounted (newer kernels) or reachable (debugfs).
const TRACEFS_ROOTS: &[&str] = &["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

/// The kernel a command compiles for.
pub struct Target {
    pub kernel: Kernel,
    /// The BTF file read.
    pub path: PathBuf,
    /// Whether that is the running kernel's (tracefs describes it).
    pub is_running_kernel: bool,
    /// Time spent reading and parsing (and validating) the BTF.
    pub load_time: Duration,
}

/// Loads the BTF of `--btf-vmlinux-path PATH`, or the running kernel's.
pub fn load(path: Option<&Path>) -> Result<Target, Failure> {
    let started = Instant::now();
    let running = Path::new(RUNNING_KERNEL_BTF);
    let (path, user_supplied) = match path {
        Some(path) => (path.to_path_buf(), true),
        None if running.is_file() => (running.to_path_buf(), false),
        None => {
            return Err(Failure::Message(format!(
                "the kernel's BTF is needed, but `{RUNNING_KERNEL_BTF}` does not exist (a \
                 kernel built without CONFIG_DEBUG_INFO_BTF?); pass --btf-vmlinux-path PATH \
                 with a vmlinux image or a BTF file of the target kernel"
            )))
        }
    };
    let bytes = std::fs::read(&path).map_err(|error| {
        Failure::Message(format!(
            "cannot read the kernel BTF `{}`: {error}",
            path.display()
        ))
    })?;
    let is_running_kernel = !user_supplied
        || path
            .canonicalize()
            .ok()
            .is_some_and(|canonical| canonical == running);
    let btf_ids = if btf::elf::is_elf(&bytes) {
        btf::elf::section(&bytes, ".BTF_ids")
            .ok()
            .flatten()
            .map(<[u8]>::to_vec)
    } else {
        None
    };
    let btf = Btf::from_btf_or_elf(bytes).map_err(|error| bad_btf(&path, &error))?;
    if !is_running_kernel {
        btf.validate().map_err(|error| bad_btf(&path, &error))?;
    }
    let listed: Vec<btf::TypeId> = btf_ids
        .map(|section| {
            btf.kfuncs_in_btf_ids_section(&section)
                .into_iter()
                .map(|entry| entry.id)
                .collect()
        })
        .unwrap_or_default();
    Ok(Target {
        kernel: Kernel::new(btf).with_listed_kfuncs(listed),
        path,
        is_running_kernel,
        load_time: started.elapsed(),
    })
}

fn bad_btf(path: &Path, error: &btf::BtfError) -> Failure {
    Failure::Message(format!(
        "`{}` is not usable kernel BTF: {error} (pass a vmlinux image or a raw BTF file such \
         as {RUNNING_KERNEL_BTF})",
        path.display()
    ))
}

/// The tracefs format text of `category/event` of the running kernel.
pub fn tracepoint_format(category: &str, event: &str) -> Option<String> {
    TRACEFS_ROOTS.iter().find_map(|root| {
        let path = Path::new(root)
            .join("events")
            .join(category)
            .join(event)
            .join("format");
        std::fs::read_to_string(path).ok()
    })
}
