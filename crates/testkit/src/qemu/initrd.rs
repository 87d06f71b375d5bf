//! What the guest's initramfs holds. The base archive, built once and
//! cached: a static busybox, bpftool with the shared libraries `ldd`
//! lists (at the paths the dynamic loader looks in), `/dev/console`, and
//! the `/init` below. Each boot appends a second archive with the batch's
//! files under `/t` and its script as `/t/run.sh`; the kernel unpacks
//! both in turn.
//!
//! The base also has `ks-wait-for FILE LINE PID` for scripts that start
//! a loader in the background and must wait until it has attached.
//!
//! `/init` mounts the filesystems BPF work needs (proc, sysfs, devtmpfs,
//! securityfs, bpffs, tracefs, debugfs), brings `lo` up, runs `run.sh`
//! from `/t` between two marker lines, and hands the script's exit status
//! to qemu through the `isa-debug-exit` port (0xf4), which makes qemu exit
//! with `(status << 1) | 1`. If that write fails the guest powers off
//! (qemu exits 0), so a missing report is never mistaken for a result.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::cpio::Archive;
use super::GuestError;

/// The line `/init` prints before running the batch script.
pub const BEGIN_MARKER: &str = "ks-guest: begin";
/// The line `/init` prints after it, followed by the exit status.
pub const END_MARKER: &str = "ks-guest: end";

const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s
export PATH=/t:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t securityfs securityfs /sys/kernel/security
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
ip link set lo up
echo "ks-guest: kernel $(uname -r), lsm $(cat /sys/kernel/security/lsm)"
echo "ks-guest: begin"
cd /t && sh /t/run.sh </dev/null
status=$?
echo "ks-guest: end $status"
# Let the serial port drain before qemu stops.
sleep 0.1
printf "\\$(printf %03o "$status")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
"#;

/// `ks-wait-for FILE LINE PID`: waits until FILE has the line LINE, or
/// process PID has ended, or 60 s have passed (then exits 1), so a script
/// can start a loader in the background and go on once it is attached.
const WAIT_FOR: &str = r#"#!/bin/sh
waited=0
until grep -qx -- "$2" "$1" 2>/dev/null; do
    if ! kill -0 "$3" 2>/dev/null || [ $waited -ge 600 ]; then
        echo "ks-wait-for: no line '$2' in $1" >&2
        exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
done
"#;

/// The shared libraries `ldd` says `binary` needs, the dynamic loader
/// included (absolute paths as the loader resolves them).
pub fn shared_libraries(binary: &Path) -> Result<Vec<PathBuf>, GuestError> {
    let output = super::build::run_tool(Command::new("ldd").arg(binary))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut libraries: Vec<PathBuf> = text
        .lines()
        .filter_map(|line| {
            // "libelf.so.1 => /lib/x86_64-linux-gnu/libelf.so.1 (0x...)" or
            // "/lib64/ld-linux-x86-64.so.2 (0x...)"; "linux-vdso.so.1 (0x...)" has no file.
            let path = match line.split_once("=>") {
                Some((_, resolved)) => resolved.split_whitespace().next()?,
                None => line.split_whitespace().next()?,
            };
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect();
    libraries.sort();
    libraries.dedup();
    Ok(libraries)
}

/// The cached part of every initrd.
pub fn base_archive(
    busybox: &Path,
    bpftool: &Path,
    bpftool_libraries: &[PathBuf],
) -> Result<Vec<u8>, GuestError> {
    let mut archive = Archive::new();
    for dir in [
        "bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "run", "root", "t",
    ] {
        archive.directory(dir);
    }
    archive.char_device("dev/console", 0o600, 5, 1);
    archive.file("bin/busybox", 0o755, &read(busybox)?);
    archive.file("usr/sbin/bpftool", 0o755, &read(bpftool)?);
    for library in bpftool_libraries {
        // The loader opens the path ldd printed; the content is the
        // symlink's target.
        archive.file(&library.to_string_lossy(), 0o755, &read(library)?);
    }
    archive.file("init", 0o755, INIT.as_bytes());
    archive.file("usr/bin/ks-wait-for", 0o755, WAIT_FOR.as_bytes());
    Ok(archive.finish())
}

/// One file a batch places in the guest.
pub struct Payload<'a> {
    /// Absolute guest path, or relative to `/t`.
    pub guest_path: &'a str,
    pub mode: u32,
    pub contents: &'a [u8],
}

/// The per-boot archive: the payload files and `script` as `/t/run.sh`.
pub fn batch_archive(files: &[Payload<'_>], script: &str) -> Vec<u8> {
    let mut archive = Archive::new();
    for file in files {
        let path = match file.guest_path.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("t/{}", file.guest_path),
        };
        archive.file(&path, file.mode, file.contents);
    }
    archive.file("t/run.sh", 0o755, script.as_bytes());
    archive.finish()
}

fn read(path: &Path) -> Result<Vec<u8>, GuestError> {
    std::fs::read(path).map_err(|e| GuestError::io(format!("reading {}", path.display()), e))
}
