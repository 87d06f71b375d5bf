//! Opening and loading a BPF object with libbpf-rs, capturing libbpf's own
//! output (which includes the verifier log on a rejection) so that a failed
//! load reports exactly what the verifier said, `.ks` line references and all.
//!
//! Also resolves global variables to (section, offset, size) through the
//! object's BTF, so initial values can be patched before load. Running
//! programs and reading maps live in `access.rs`; this file must not grow
//! test policy (skipping, locking) — that is `kernel.rs`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::Mutex;

use libbpf_rs::btf::types::{DataSec, Var};
use libbpf_rs::libbpf_sys;
use libbpf_rs::{AsRawLibbpf, Btf, Object, ObjectBuilder, OpenMapMut, PrintLevel};

/// A failed open or load. `log` is everything libbpf printed meanwhile,
/// verbatim: on a verifier rejection it holds the `PROG LOAD LOG`.
#[derive(Debug)]
pub struct LoadError {
    pub object: PathBuf,
    /// Which step failed: `open`, `set global`, or `load`.
    pub stage: &'static str,
    /// libbpf's error (errno text).
    pub error: String,
    /// libbpf's printed output during the attempt (warnings and info).
    pub log: String,
}

/// Lines of the log shown by `Display`; the whole log stays in `LoadError::log`.
const SHOWN_LOG_LINES: usize = 400;

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} of {} failed: {}",
            self.stage,
            self.object.display(),
            self.error
        )?;
        let lines: Vec<&str> = self.log.lines().collect();
        if lines.is_empty() {
            return writeln!(f, "(libbpf printed nothing)");
        }
        writeln!(f, "libbpf / verifier log:")?;
        let skip = lines.len().saturating_sub(SHOWN_LOG_LINES);
        if skip > 0 {
            writeln!(f, "  ... {skip} earlier lines omitted ...")?;
        }
        for line in &lines[skip..] {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Where a global variable lives: its data section (`.bss`, `.data`,
/// `.rodata`, `.data.custom` ...), byte offset and size in that section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalVar {
    pub section: String,
    pub offset: usize,
    pub size: usize,
}

/// Options for [`LoadedObject::open_and_load_with`].
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Initial values for global variables (`.data`, `.rodata`, `.bss`),
    /// written into the object before load: `(name, bytes)`, bytes exactly
    /// the variable's size.
    pub globals: Vec<(String, Vec<u8>)>,
}

/// A BPF object loaded into the kernel. Dropping it unloads everything.
pub struct LoadedObject {
    pub(crate) obj: Object,
    pub(crate) path: PathBuf,
    pub(crate) globals: BTreeMap<String, GlobalVar>,
    pub(crate) log: String,
    /// Where this object's `pin` maps are pinned; removed on drop.
    pub(crate) pin_root: PathBuf,
}

impl fmt::Debug for LoadedObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedObject")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

static CAPTURE_SESSION: Mutex<()> = Mutex::new(());
static CAPTURED: Mutex<String> = Mutex::new(String::new());

fn capture_print(_level: PrintLevel, msg: String) {
    CAPTURED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push_str(&msg);
}

/// Runs `f` with libbpf's print callback redirected into a buffer, and
/// returns the buffer alongside `f`'s result. The previous callback is restored.
pub fn with_libbpf_log<T>(f: impl FnOnce() -> T) -> (T, String) {
    let _session = CAPTURE_SESSION.lock().unwrap_or_else(|p| p.into_inner());
    CAPTURED.lock().unwrap_or_else(|p| p.into_inner()).clear();
    let previous = libbpf_rs::set_print(Some((PrintLevel::Info, capture_print)));
    let result = f();
    libbpf_rs::set_print(previous);
    let log = std::mem::take(&mut *CAPTURED.lock().unwrap_or_else(|p| p.into_inner()));
    (result, log)
}

/// Every global variable described by the object's BTF data sections.
fn globals_of(obj: NonNull<libbpf_sys::bpf_object>) -> BTreeMap<String, GlobalVar> {
    let mut out = BTreeMap::new();
    // SAFETY: the pointer comes from a live OpenObject/Object owned by the caller.
    let Ok(Some(btf)) = Btf::from_bpf_object(unsafe { obj.as_ref() }) else {
        return out;
    };
    for sec in btf.type_by_kind::<DataSec<'_>>() {
        let Some(section) = sec.name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        for info in sec.iter() {
            let Some(var) = btf.type_by_id::<Var<'_>>(info.ty) else {
                continue;
            };
            let Some(name) = var.name() else { continue };
            out.insert(
                name.to_string_lossy().into_owned(),
                GlobalVar {
                    section: section.clone(),
                    offset: info.offset as usize,
                    size: info.size,
                },
            );
        }
    }
    out
}

/// Finds a map as `bpf_object__find_map_by_name` does: user maps by their
/// name, internal maps by their section name (`.bss`, `.rodata` ...).
pub(crate) fn find_map_ptr(
    obj: NonNull<libbpf_sys::bpf_object>,
    name: &str,
) -> Option<NonNull<libbpf_sys::bpf_map>> {
    let cname = std::ffi::CString::new(name).ok()?;
    // SAFETY: obj is live and cname is NUL-terminated.
    NonNull::new(unsafe { libbpf_sys::bpf_object__find_map_by_name(obj.as_ptr(), cname.as_ptr()) })
}

impl LoadedObject {
    /// Opens `o` and loads every program and map into the kernel.
    pub fn open_and_load(o: &Path) -> Result<LoadedObject, LoadError> {
        Self::open_and_load_with(o, &LoadOptions::default())
    }

    /// As [`open_and_load`](Self::open_and_load), first applying `options`.
    pub fn open_and_load_with(o: &Path, options: &LoadOptions) -> Result<LoadedObject, LoadError> {
        let fail = |stage, error: String, log: String| LoadError {
            object: o.to_path_buf(),
            stage,
            error,
            log,
        };
        // `pin` maps are pinned under a directory of this load's own, removed
        // when the object is dropped, so tests never see each other's pins.
        let pin_root = scratch_pin_root();
        type Opened = (Object, BTreeMap<String, GlobalVar>);
        let (result, log) = with_libbpf_log(|| -> Result<Opened, (&'static str, String)> {
            let mut builder = ObjectBuilder::default();
            builder
                .pin_root_path(&pin_root)
                .map_err(|e| ("open", e.to_string()))?;
            let mut open = builder.open_file(o).map_err(|e| ("open", e.to_string()))?;
            let globals = globals_of(open.as_libbpf_object());
            for (name, bytes) in &options.globals {
                set_initial_global(&mut open, &globals, name, bytes)
                    .map_err(|e| ("set global", e))?;
            }
            let obj = open.load().map_err(|e| ("load", e.to_string()))?;
            Ok((obj, globals))
        });
        match result {
            Ok((obj, globals)) => Ok(LoadedObject {
                obj,
                path: o.to_path_buf(),
                globals,
                log,
                pin_root,
            }),
            Err((stage, error)) => {
                let _ = std::fs::remove_dir_all(&pin_root);
                Err(fail(stage, error, log))
            }
        }
    }

    /// The object file this was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What libbpf printed while opening and loading (warnings, info).
    pub fn load_log(&self) -> &str {
        &self.log
    }

    /// Global variables known from BTF, by name.
    pub fn globals(&self) -> &BTreeMap<String, GlobalVar> {
        &self.globals
    }

    /// The underlying libbpf-rs object, for anything this crate does not wrap.
    pub fn object(&self) -> &Object {
        &self.obj
    }
}

/// A fresh directory name under bpffs for one object's pinned maps.
fn scratch_pin_root() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    PathBuf::from(format!("/sys/fs/bpf/testkit-{}-{n}", std::process::id()))
}

impl Drop for LoadedObject {
    fn drop(&mut self) {
        // Pins keep maps alive after the object closes: remove them.
        let _ = std::fs::remove_dir_all(&self.pin_root);
    }
}

fn set_initial_global(
    open: &mut libbpf_rs::OpenObject,
    globals: &BTreeMap<String, GlobalVar>,
    name: &str,
    bytes: &[u8],
) -> Result<(), String> {
    let var = globals.get(name).ok_or_else(|| {
        let known: Vec<&str> = globals.keys().map(String::as_str).collect();
        format!("no global variable `{name}` (known: {})", known.join(", "))
    })?;
    if bytes.len() != var.size {
        return Err(format!(
            "global `{name}` is {} bytes, {} given",
            var.size,
            bytes.len()
        ));
    }
    let ptr = find_map_ptr(open.as_libbpf_object(), &var.section)
        .ok_or_else(|| format!("no map for section {} of global `{name}`", var.section))?;
    // SAFETY: the map belongs to `open`, which we borrow mutably for this scope.
    let mut map = OpenMapMut::new_mut(unsafe { &mut *ptr.as_ptr() });
    let data = map
        .initial_value_mut()
        .ok_or_else(|| format!("section {} has no initial value buffer", var.section))?;
    let end = var.offset + var.size;
    if end > data.len() {
        return Err(format!(
            "global `{name}` lies outside section {} ({} bytes)",
            var.section,
            data.len()
        ));
    }
    data[var.offset..end].copy_from_slice(bytes);
    Ok(())
}
