//! Finding and preparing the guest: which kernel to boot (a Debian
//! `linux-image` in `/boot` with the `linux-headers` of the same version,
//! one extracted under a directory by `scripts/fetch-backports-kernel.sh`,
//! or a kernel ELF `scripts/build-guest-kernel.sh` built, with sched_ext),
//! and the artefacts made from it once, cached under
//! `target/qemu-guest/<version>/` and reused while their inputs are
//! unchanged:
//!
//! * `vmlinux`: the uncompressed kernel ELF, cut out of `vmlinuz-*` (the
//!   xz or zstd stream in it). qemu boots it directly
//!   (PVH), and it carries the guest's BTF;
//! * `vmlinux.btf`: its raw `.BTF` section (what `/sys/kernel/btf/vmlinux`
//!   is in the guest), and `include/vmlinux.h` dumped from it by bpftool;
//! * `base.cpio`: the initrd every boot starts from (see `initrd.rs`).
//!
//! Preparation runs once per process and, across processes (several test
//! binaries), under a file lock on the cache directory. Missing packages
//! are a skip reason, never a failure, unless `KS_REQUIRE_KERNEL=1`; a
//! preparation step that fails with the packages present is a failure.
//! Nothing here boots the guest (`run.rs`) or builds test code (`build.rs`).

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use super::{elf, initrd, GuestError};

/// Changing what preparation produces (the `/init` script, the initrd's
/// contents) must bump this, so that stale caches are rebuilt.
const PREPARATION_FORMAT: u32 = 2;

/// What preparation leaves in the version's cache directory.
const ARTEFACTS: [&str; 4] = ["vmlinux", "vmlinux.btf", "include/vmlinux.h", "base.cpio"];

/// Selects the guest kernel version (`6.1.0-57-amd64`) instead of the
/// newest one that has both an image and headers installed.
pub const GUEST_KERNEL_ENV: &str = "KS_GUEST_KERNEL";

/// Overrides the cache directory (default: `<cargo target dir>/qemu-guest`).
pub const CACHE_ENV: &str = "KS_QEMU_CACHE";

/// A prepared guest kernel and its initrd, shared by every test of a process.
#[derive(Debug)]
pub struct Guest {
    pub(super) version: String,
    pub(super) cache: PathBuf,
    pub(super) dir: PathBuf,
    pub(super) headers: PathBuf,
    /// The kernel source, for building `resolve_btfids` when the headers
    /// do not ship it (Debian 12's 6.1 headers do not).
    pub(super) source_tarball: Option<PathBuf>,
    pub(super) qemu: PathBuf,
    pub(super) base_initrd: Vec<u8>,
    /// How long preparation took in this process (near zero when cached).
    pub(super) prepared_in: std::time::Duration,
}

impl Guest {
    /// Prepares the guest once per process (later calls return the same
    /// guest or the same reason). `Err` is a reason to skip: a package the
    /// tier needs is missing (scripts/install-qemu-deps.sh installs them).
    /// Panics instead when `KS_REQUIRE_KERNEL=1`, and whenever preparation
    /// itself fails with everything installed.
    pub fn prepare() -> Result<&'static Guest, String> {
        static GUEST: OnceLock<Result<Guest, Unavailable>> = OnceLock::new();
        settle(GUEST.get_or_init(|| prepare_guest(Path::new("/"))))
    }

    /// As [`Guest::prepare`], for a kernel extracted under `root` rather
    /// than installed: `root/boot/vmlinuz-V` with
    /// `root/usr/src/linux-headers-V`, as `scripts/fetch-backports-kernel.sh`
    /// lays out Debian's backports kernel (6.12 on Debian 12) without
    /// installing it. Once per process and root.
    pub fn prepare_extracted(root: &Path) -> Result<&'static Guest, String> {
        type Prepared = BTreeMap<PathBuf, &'static Result<Guest, Unavailable>>;
        static GUESTS: Mutex<Prepared> = Mutex::new(BTreeMap::new());
        let mut guests = GUESTS.lock().unwrap_or_else(|p| p.into_inner());
        let prepared = *guests
            .entry(root.to_path_buf())
            .or_insert_with(|| Box::leak(Box::new(prepare_guest(root))));
        drop(guests);
        settle(prepared)
    }

    /// The guest kernel's release, as `uname -r` prints it in the guest.
    pub fn kernel_version(&self) -> &str {
        &self.version
    }

    /// The uncompressed guest kernel (an ELF file with a `.BTF` section).
    pub fn vmlinux(&self) -> PathBuf {
        self.dir.join("vmlinux")
    }

    /// The guest kernel's raw BTF, as the guest's `/sys/kernel/btf/vmlinux`
    /// holds it: what `--btf-vmlinux-path` takes.
    pub fn btf(&self) -> PathBuf {
        self.dir.join("vmlinux.btf")
    }

    /// `vmlinux.h` of the guest kernel (`bpftool btf dump ... format c`).
    pub fn vmlinux_h(&self) -> PathBuf {
        self.include_dir().join("vmlinux.h")
    }

    /// The directory holding [`Guest::vmlinux_h`], for `-I`.
    pub fn include_dir(&self) -> PathBuf {
        self.dir.join("include")
    }

    /// The kbuild tree modules for the guest build against
    /// (`/usr/src/linux-headers-<version>`; for a kernel
    /// [`Guest::prepare_built`] prepared, the directory of its `vmlinux`,
    /// which holds none).
    pub fn headers_dir(&self) -> &Path {
        &self.headers
    }

    /// As [`Guest::prepare`], for the uncompressed kernel ELF `vmlinux`
    /// that `scripts/build-guest-kernel.sh` built (6.12 with sched_ext;
    /// its `release` file beside it says `uname -r`). That kernel has no
    /// module support and no kbuild tree: [`Guest::build_kernel_module`]
    /// refuses. Once per process and path.
    pub fn prepare_built(vmlinux: &Path) -> Result<&'static Guest, String> {
        type Prepared = BTreeMap<PathBuf, &'static Result<Guest, Unavailable>>;
        static GUESTS: Mutex<Prepared> = Mutex::new(BTreeMap::new());
        let mut guests = GUESTS.lock().unwrap_or_else(|p| p.into_inner());
        let prepared = *guests.entry(vmlinux.to_path_buf()).or_insert_with(|| {
            Box::leak(Box::new(
                find_built_inputs(vmlinux)
                    .map_err(Unavailable::Missing)
                    .and_then(prepare_from),
            ))
        });
        drop(guests);
        settle(prepared)
    }

    /// How long [`Guest::prepare`] took in this process.
    pub fn preparation_time(&self) -> std::time::Duration {
        self.prepared_in
    }
}

enum Unavailable {
    Missing(String),
    Failed(GuestError),
}

/// A preparation's outcome as [`Guest::prepare`] reports it.
fn settle(prepared: &'static Result<Guest, Unavailable>) -> Result<&'static Guest, String> {
    match prepared {
        Ok(guest) => Ok(guest),
        Err(Unavailable::Missing(reason)) if crate::kernel_required() => panic!(
            "{}=1 but the qemu guest tier cannot run: {reason}",
            crate::REQUIRE_KERNEL_ENV
        ),
        Err(Unavailable::Missing(reason)) => Err(reason.clone()),
        Err(Unavailable::Failed(error)) => panic!("preparing the qemu guest failed: {error}"),
    }
}

impl From<GuestError> for Unavailable {
    fn from(error: GuestError) -> Self {
        Unavailable::Failed(error)
    }
}

/// The kernel to boot, as the system holds it.
enum KernelFile {
    /// A bzImage (`/boot/vmlinuz-V`), the ELF cut out of it.
    Compressed(PathBuf),
    /// The uncompressed ELF itself (a kernel this project built).
    Elf(PathBuf),
}

impl KernelFile {
    fn path(&self) -> &Path {
        match self {
            KernelFile::Compressed(path) | KernelFile::Elf(path) => path,
        }
    }
}

/// The inputs preparation needs from the system.
struct Inputs {
    version: String,
    /// The cache directory's name (`version` unless two kernels share it).
    cache_name: String,
    kernel: KernelFile,
    headers: PathBuf,
    source_tarball: Option<PathBuf>,
    qemu: PathBuf,
    bpftool: PathBuf,
    busybox: PathBuf,
}

fn prepare_guest(root: &Path) -> Result<Guest, Unavailable> {
    prepare_from(find_inputs(root).map_err(Unavailable::Missing)?)
}

fn prepare_from(inputs: Inputs) -> Result<Guest, Unavailable> {
    let started = Instant::now();
    let cache = cache_dir();
    let dir = cache.join(&inputs.cache_name);
    fs::create_dir_all(dir.join("include"))
        .map_err(|e| GuestError::io(format!("creating {}", dir.display()), e))?;
    let _lock = lock(&cache)?;
    let bpftool_libraries = initrd::shared_libraries(&inputs.bpftool)?;
    let stamp = stamp(&inputs, &bpftool_libraries);
    let stamp_path = dir.join("stamp");
    let cached = fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str())
        && ARTEFACTS
            .iter()
            .all(|artefact| dir.join(artefact).is_file());
    if !cached {
        let _ = fs::remove_file(&stamp_path);
        build_artefacts(&inputs, &bpftool_libraries, &dir)?;
        write_atomically(&stamp_path, stamp.as_bytes())?;
    }
    let base_initrd = fs::read(dir.join("base.cpio"))
        .map_err(|e| GuestError::io("reading the cached base initrd", e))?;
    Ok(Guest {
        version: inputs.version,
        cache,
        dir,
        headers: inputs.headers,
        source_tarball: inputs.source_tarball,
        qemu: inputs.qemu,
        base_initrd,
        prepared_in: started.elapsed(),
    })
}

fn build_artefacts(
    inputs: &Inputs,
    bpftool_libraries: &[PathBuf],
    dir: &Path,
) -> Result<(), GuestError> {
    let vmlinux = match &inputs.kernel {
        KernelFile::Compressed(vmlinuz) => extract_vmlinux(vmlinuz)?,
        KernelFile::Elf(vmlinux) => fs::read(vmlinux)
            .map_err(|e| GuestError::io(format!("reading {}", vmlinux.display()), e))?,
    };
    let btf = elf::section(&vmlinux, ".BTF").ok_or_else(|| {
        GuestError::new(format!(
            "the kernel in {} has no .BTF section (CONFIG_DEBUG_INFO_BTF is off)",
            inputs.kernel.path().display()
        ))
    })?;
    write_atomically(&dir.join("vmlinux.btf"), btf)?;
    write_atomically(&dir.join("vmlinux"), &vmlinux)?;
    let header = super::build::run_tool(
        Command::new(&inputs.bpftool)
            .args(["btf", "dump", "file"])
            .arg(dir.join("vmlinux.btf"))
            .args(["format", "c"]),
    )?;
    write_atomically(&dir.join("include").join("vmlinux.h"), &header.stdout)?;
    let base = initrd::base_archive(&inputs.busybox, &inputs.bpftool, bpftool_libraries)?;
    write_atomically(&dir.join("base.cpio"), &base)
}

/// The uncompressed kernel: the first xz (Debian's 6.1) or zstd (its
/// 6.12) stream in the bzImage that decompresses to an ELF file.
fn extract_vmlinux(vmlinuz: &Path) -> Result<Vec<u8>, GuestError> {
    const DECOMPRESSORS: [(&[u8], &str, &[&str]); 2] = [
        (
            b"\xfd7zXZ\x00",
            "xz",
            &["--decompress", "--stdout", "--single-stream"],
        ),
        (b"\x28\xb5\x2f\xfd", "zstd", &["--decompress", "--stdout"]),
    ];
    let image = fs::read(vmlinuz)
        .map_err(|e| GuestError::io(format!("reading {}", vmlinuz.display()), e))?;
    for (magic, tool, args) in DECOMPRESSORS {
        let starts = image
            .windows(magic.len())
            .enumerate()
            .filter(|(_, window)| *window == magic)
            .map(|(at, _)| at);
        for start in starts {
            let mut child = Command::new(tool)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| GuestError::io(format!("running {tool}"), e))?;
            let mut stdin = child.stdin.take().expect("piped stdin");
            let compressed = image[start..].to_vec();
            // Feed from a thread: the output pipe would fill while we write.
            let feeder = std::thread::spawn(move || {
                let _ = stdin.write_all(&compressed);
            });
            let output = child
                .wait_with_output()
                .map_err(|e| GuestError::io(format!("running {tool}"), e))?;
            let _ = feeder.join();
            // zstd fails on the bytes after its frame, having written the
            // kernel: the ELF header is what counts.
            if output.stdout.starts_with(b"\x7fELF") {
                return Ok(output.stdout);
            }
        }
    }
    Err(GuestError::new(format!(
        "{} holds no xz- or zstd-compressed ELF kernel",
        vmlinuz.display()
    )))
}

/// The tools every guest needs.
struct Tools {
    qemu: PathBuf,
    bpftool: PathBuf,
    busybox: PathBuf,
}

fn find_tools(install: &str) -> Result<Tools, String> {
    let mut missing = Vec::new();
    let mut tool = |name: &str, package: &str| {
        let found = find_executable(name);
        if found.is_none() {
            missing.push(format!("`{name}` ({package})"));
        }
        found.unwrap_or_default()
    };
    let qemu = tool("qemu-system-x86_64", "qemu-system-x86");
    let bpftool = tool("bpftool", "bpftool");
    let _ = tool("xz", "xz-utils");
    let _ = tool("pahole", "dwarves");
    let _ = tool("make", "make");
    let _ = tool("gcc", "gcc");
    let _ = tool("objcopy", "binutils");
    let busybox = tool("busybox", "busybox-static");
    if !missing.is_empty() {
        return Err(format!("missing {} ({install})", missing.join(", ")));
    }
    let busybox_elf = fs::read(&busybox).unwrap_or_default();
    if !elf::is_static_executable(&busybox_elf) {
        return Err(format!(
            "{} is not statically linked (install busybox-static: {install})",
            busybox.display()
        ));
    }
    Ok(Tools {
        qemu,
        bpftool,
        busybox,
    })
}

fn find_inputs(root: &Path) -> Result<Inputs, String> {
    let system = root == Path::new("/");
    let install = if system {
        "run scripts/install-qemu-deps.sh".to_string()
    } else {
        format!(
            "run scripts/install-qemu-deps.sh and scripts/fetch-backports-kernel.sh {}",
            root.display()
        )
    };
    let Tools {
        qemu,
        bpftool,
        busybox,
    } = find_tools(&install)?;
    let version = guest_kernel_version(root, system).ok_or_else(|| {
        format!(
            "no guest kernel: {} has no boot/vmlinuz-VERSION with a matching \
             usr/src/linux-headers-VERSION ({install})",
            root.display()
        )
    })?;
    let headers = root.join(format!("usr/src/linux-headers-{version}"));
    let source_tarball = kernel_source_tarball(&version);
    if source_tarball.is_none() && !shipped_resolve_btfids(&headers).is_file() {
        return Err(format!(
            "no /usr/src/linux-source-*.tar.xz for building resolve_btfids ({install})"
        ));
    }
    Ok(Inputs {
        kernel: KernelFile::Compressed(root.join(format!("boot/vmlinuz-{version}"))),
        headers,
        cache_name: version.clone(),
        version,
        source_tarball,
        qemu,
        bpftool,
        busybox,
    })
}

/// The inputs for a kernel ELF `scripts/build-guest-kernel.sh` built: its
/// release from the `release` file beside it, cached under the name of
/// its directory (`6.12.118-HASH`: one per configuration).
fn find_built_inputs(vmlinux: &Path) -> Result<Inputs, String> {
    let install = "run scripts/install-qemu-deps.sh and scripts/build-guest-kernel.sh";
    let tools = find_tools(install)?;
    if !vmlinux.is_file() {
        return Err(format!(
            "no guest kernel at {} ({install})",
            vmlinux.display()
        ));
    }
    let dir = vmlinux.parent().unwrap_or(Path::new("/"));
    let version = fs::read_to_string(dir.join("release"))
        .map_err(|e| format!("{}: {e}", dir.join("release").display()))?
        .trim()
        .to_string();
    let cache_name = dir.file_name().map_or_else(
        || version.clone(),
        |name| name.to_string_lossy().into_owned(),
    );
    Ok(Inputs {
        version,
        cache_name,
        kernel: KernelFile::Elf(vmlinux.to_path_buf()),
        headers: dir.to_path_buf(),
        source_tarball: None,
        qemu: tools.qemu,
        bpftool: tools.bpftool,
        busybox: tools.busybox,
    })
}

/// For the system (`root` is `/`): `$KS_GUEST_KERNEL`, or else the newest
/// version with both `ROOT/boot/vmlinuz-V` and
/// `ROOT/usr/src/linux-headers-V/Makefile`.
fn guest_kernel_version(root: &Path, system: bool) -> Option<String> {
    let usable = |version: &str| {
        root.join(format!("boot/vmlinuz-{version}")).is_file()
            && root
                .join(format!("usr/src/linux-headers-{version}/Makefile"))
                .is_file()
    };
    if let Some(wanted) = std::env::var(GUEST_KERNEL_ENV)
        .ok()
        .filter(|v| system && !v.is_empty())
    {
        return usable(&wanted).then_some(wanted);
    }
    fs::read_dir(root.join("boot"))
        .ok()?
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            Some(name.strip_prefix("vmlinuz-")?.to_string())
        })
        .filter(|version| usable(version))
        .max_by(|a, b| version_key(a).cmp(&version_key(b)))
}

/// Orders `6.1.0-57-amd64` after `6.1.0-9-amd64`: numbers compare as numbers.
fn version_key(version: &str) -> Vec<(u64, String)> {
    version
        .split(['.', '-'])
        .map(|part| (part.parse().unwrap_or(0), part.to_string()))
        .collect()
}

/// `resolve_btfids` as newer Debian kbuild packages ship it, through the
/// headers' `tools` link (6.12's do; 6.1's do not).
pub(super) fn shipped_resolve_btfids(headers: &Path) -> PathBuf {
    headers.join("tools/bpf/resolve_btfids/resolve_btfids")
}

/// `/usr/src/linux-source-MAJOR.MINOR.tar.xz` for the guest's version.
fn kernel_source_tarball(version: &str) -> Option<PathBuf> {
    let mut parts = version.split(['.', '-']);
    let series = format!("{}.{}", parts.next()?, parts.next()?);
    let tarball = PathBuf::from(format!("/usr/src/linux-source-{series}.tar.xz"));
    tarball.is_file().then_some(tarball)
}

/// `name` on `$PATH`, or in the sbin directories (bpftool lives in
/// /usr/sbin, which a non-login PATH may lack).
pub(super) fn find_executable(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| {
            use std::os::unix::fs::PermissionsExt;
            fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// `$KS_QEMU_CACHE`, or `qemu-guest` in the cargo target directory this
/// test binary was built in (`target/debug/deps/NAME` -> `target`).
fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let from_exe = std::env::current_exe().ok().and_then(|exe| {
        let deps = exe.parent()?;
        (deps.file_name()? == "deps").then(|| deps.parent()?.parent().map(Path::to_path_buf))?
    });
    from_exe
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("qemu-guest")
}

/// Describes every input, so that a changed package rebuilds the cache.
fn stamp(inputs: &Inputs, bpftool_libraries: &[PathBuf]) -> String {
    let mut text = format!("format {PREPARATION_FORMAT}\n");
    let files = [inputs.kernel.path(), &inputs.busybox, &inputs.bpftool];
    for file in files
        .into_iter()
        .chain(bpftool_libraries.iter().map(PathBuf::as_path))
    {
        let (size, modified) = fs::metadata(file)
            .map(|m| {
                let modified = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                (m.len(), modified)
            })
            .unwrap_or_default();
        text.push_str(&format!("{} {size} {modified}\n", file.display()));
    }
    text
}

/// An exclusive lock on the cache directory, held while preparing (other
/// test processes wait instead of building the same files).
pub(super) fn lock(cache: &Path) -> Result<File, GuestError> {
    fs::create_dir_all(cache)
        .map_err(|e| GuestError::io(format!("creating {}", cache.display()), e))?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(cache.join(".lock"))
        .map_err(|e| GuestError::io("opening the cache lock", e))?;
    file.lock()
        .map_err(|e| GuestError::io("locking the cache", e))?;
    Ok(file)
}

/// Writes `path` through a temporary file and a rename, so that a reader
/// (or a run that was killed midway) never sees a partial file.
pub(super) fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), GuestError> {
    let partial = path.with_extension("partial");
    fs::write(&partial, contents)
        .and_then(|()| fs::rename(&partial, path))
        .map_err(|e| GuestError::io(format!("writing {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::version_key;

    #[test]
    fn kernel_versions_compare_numerically() {
        let mut versions = ["6.1.0-9-amd64", "6.1.0-57-amd64", "6.1.0-10-amd64"];
        versions.sort_by_key(|v| version_key(v));
        assert_eq!(
            versions,
            ["6.1.0-9-amd64", "6.1.0-10-amd64", "6.1.0-57-amd64"]
        );
    }
}
