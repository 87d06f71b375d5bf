//! Access to the shared kernel for tests: a capability probe, the
//! skip-or-fail policy, and the lock that makes kernel tests run one at a time.
//!
//! Every test that loads programs must hold a [`KernelGuard`] (from
//! [`skip_unless_capable`] or [`kernel_lock`]) for as long as it touches the
//! kernel. This module decides whether a test may run; it must not load test
//! objects itself or hide a missing capability when `KS_REQUIRE_KERNEL=1`.

use std::cell::Cell;
use std::fs::{File, OpenOptions};
use std::sync::{Mutex, MutexGuard, OnceLock};

use libbpf_rs::{MapHandle, MapType, ProgramType};

/// Set to `1` (CI does) to turn "skipped: no kernel access" into a failure.
pub const REQUIRE_KERNEL_ENV: &str = "KS_REQUIRE_KERNEL";

/// The file whose `flock` serialises kernel tests across processes (e.g.
/// several test binaries under `cargo nextest`).
pub const LOCK_FILE: &str = "/tmp/kernelscript-testkit.lock";

static IN_PROCESS: Mutex<()> = Mutex::new(());

thread_local! {
    /// How many guards this thread holds: the lock is re-entrant per thread,
    /// so a test holding a guard may call helpers that take it again.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Exclusive use of the kernel for BPF tests, held until dropped.
#[must_use = "the kernel is only reserved while the guard is alive"]
pub struct KernelGuard {
    // Field order matters: the file lock is released before the mutex.
    _file: Option<File>,
    _mutex: Option<MutexGuard<'static, ()>>,
}

impl Drop for KernelGuard {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

impl std::fmt::Debug for KernelGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KernelGuard")
    }
}

/// Takes the kernel lock (in-process mutex, then the cross-process file
/// lock), waiting for other kernel tests to finish. A test that panicked
/// while holding it does not poison it for the others. Re-entrant: a thread
/// that already holds a guard gets another at once.
pub fn kernel_lock() -> KernelGuard {
    let depth = DEPTH.with(|d| {
        d.set(d.get() + 1);
        d.get()
    });
    if depth > 1 {
        return KernelGuard {
            _file: None,
            _mutex: None,
        };
    }
    let mutex = IN_PROCESS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(LOCK_FILE)
        .ok()
        .and_then(|f| f.lock().ok().map(|()| f));
    KernelGuard {
        _file: file,
        _mutex: Some(mutex),
    }
}

/// Whether this environment demands kernel tests run (`KS_REQUIRE_KERNEL=1`).
pub fn kernel_required() -> bool {
    std::env::var(REQUIRE_KERNEL_ENV)
        .map(|v| v == "1")
        .unwrap_or(false)
}

/// Probes, once per process, whether BPF programs can be loaded and run:
/// creates an array map and loads trivial XDP and TC programs.
/// `Err` carries a human-readable reason.
pub fn kernel_capability() -> Result<(), String> {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    PROBE.get_or_init(probe).clone()
}

fn probe() -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        return Err("not Linux".into());
    }
    // SAFETY: bpf_map_create_opts is a plain C struct; all-zero with `sz` set is its documented default.
    let mut opts: libbpf_rs::libbpf_sys::bpf_map_create_opts = unsafe { std::mem::zeroed() };
    opts.sz = std::mem::size_of_val(&opts) as _;
    MapHandle::create(MapType::Array, Some("ks_probe"), 4, 8, 1, &opts).map_err(|e| {
        format!("bpf(BPF_MAP_CREATE) failed: {e} (kernel tests need root, or CAP_BPF and CAP_NET_ADMIN)")
    })?;
    for (ty, name) in [
        (ProgramType::Xdp, "XDP"),
        (ProgramType::SchedCls, "TC (sched_cls)"),
    ] {
        match ty.is_supported() {
            Ok(true) => {}
            Ok(false) => {
                return Err(format!(
                    "the kernel refused to load a trivial {name} program"
                ))
            }
            Err(e) => return Err(format!("probing {name} programs failed: {e}")),
        }
    }
    Ok(())
}

/// Entry point of every kernel test:
///
/// ```no_run
/// let Some(_kernel) = testkit::skip_unless_capable() else { return };
/// // ... load, run, assert ...
/// ```
///
/// Returns the lock when the kernel can be used. Otherwise prints
/// `skipped: <reason>` and returns `None` — unless `KS_REQUIRE_KERNEL=1`,
/// in which case it panics so that the test fails instead of skipping.
pub fn skip_unless_capable() -> Option<KernelGuard> {
    match check_capable() {
        Ok(guard) => Some(guard),
        Err(reason) => {
            println!("skipped: {reason}");
            eprintln!("skipped: {reason}");
            None
        }
    }
}

/// As [`skip_unless_capable`], but hands the decision back to the caller:
/// `Err(reason)` means "skip"; with `KS_REQUIRE_KERNEL=1` it panics instead.
pub fn check_capable() -> Result<KernelGuard, String> {
    match kernel_capability() {
        Ok(()) => Ok(kernel_lock()),
        Err(reason) if kernel_required() => {
            panic!("{REQUIRE_KERNEL_ENV}=1 but kernel tests cannot run here: {reason}")
        }
        Err(reason) => Err(reason),
    }
}
