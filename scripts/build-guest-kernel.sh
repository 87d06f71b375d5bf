#!/usr/bin/env bash
# Builds (once) the minimal x86_64 kernel with sched_ext that the qemu guest
# tier boots for what neither this machine's kernel nor Debian's own guest
# kernels have (CONFIG_SCHED_CLASS_EXT is off in Debian 12's 6.1 and 6.12
# images). Source: Debian's linux-source-6.12 tarball. Config: tinyconfig
# plus the options below (BPF with JIT and BTF, sched_ext, PVH for qemu's
# `-kernel`, a serial console, initramfs, and the filesystems the guest's
# /init mounts).
#
# The result is cached OUTSIDE any repository clone, under
#   CACHE/<kernel version>-<hash of the options and patches>/vmlinux
# (CACHE defaults to /var/cache/kernelscript-guest; KS_GUEST_KERNEL_CACHE
# overrides it): the uncompressed kernel ELF, DWARF stripped, `.BTF` kept,
# which qemu boots directly (PVH) and which `--btf-vmlinux-path` reads,
# with `release` (its `uname -r`), `config` and `build-seconds` beside it.
# An existing build is reused; only a missing one is built (`nice`d).
# Prints the vmlinux path as its last line.
#
# Usage: scripts/build-guest-kernel.sh [--print-path]
#   --print-path  print where the vmlinux is (or would be) and exit.
# Needs: linux-source-6.12 gcc make flex bison bc libelf-dev libssl-dev
# dwarves (scripts/install-qemu-deps.sh installs them).
set -euo pipefail
export LC_ALL=C

cache=${KS_GUEST_KERNEL_CACHE:-/var/cache/kernelscript-guest}
series=6.12
tarball=/usr/src/linux-source-$series.tar.xz

# Options on top of tinyconfig (SMP: 6.12's sched_ext does not link
# without it, it names stop_sched_class; the cgroup options give
# sched_ext_ops its cgroup_* members, as distribution kernels have them;
# KALLSYMS: registering a struct_ops type looks its stub functions up by
# name, sched_ext's registration fails with ENOENT without it).
# Changing this list, FORMAT or a patch
# changes the hash, so a new kernel is built beside the old one.
FORMAT=1
options=(
    64BIT PRINTK BUG TTY SERIAL_8250 SERIAL_8250_CONSOLE
    BLK_DEV_INITRD BINFMT_ELF BINFMT_SCRIPT PROC_FS SYSFS DEVTMPFS DEVPORT
    SMP HYPERVISOR_GUEST PVH
    MULTIUSER FUTEX EPOLL SIGNALFD TIMERFD EVENTFD SHMEM POSIX_TIMERS
    FILE_LOCKING ADVISE_SYSCALLS
    BPF_SYSCALL BPF_JIT KALLSYMS
    DEBUG_KERNEL DEBUG_INFO_DWARF4 DEBUG_INFO_BTF
    SCHED_CLASS_EXT CGROUPS CGROUP_SCHED EXT_GROUP_SCHED
    SECURITY SECURITYFS DEBUG_FS FTRACE ENABLE_DEFAULT_TRACERS
)

patches_dir=$(cd "$(dirname "$0")/guest-kernel" && pwd)
config_hash=$({
    echo "format $FORMAT" "${options[@]}"
    cat "$patches_dir"/*.patch
} | sha256sum | cut -c1-12)
# The upstream version of the installed source package (6.12.118-1~deb12u1
# holds 6.12.118): cheap to ask, unlike reading the tarball's Makefile.
package_version=$(dpkg-query -W -f='${Version}' "linux-source-$series" 2>/dev/null || true)
if [ ! -f "$tarball" ] || [ -z "$package_version" ]; then
    echo "build-guest-kernel: $tarball is missing (apt-get install linux-source-$series)" >&2
    exit 1
fi
version=${package_version%%-*}
out="$cache/$version-$config_hash"
if [ "${1:-}" = --print-path ]; then
    echo "$out/vmlinux"
    exit 0
fi
if [ -f "$out/vmlinux" ]; then
    echo "$out/vmlinux"
    exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -f "$out/vmlinux" ]; then
    echo "$out/vmlinux"
    exit 0
fi

build=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$build" "$out.tmp"' EXIT
trap 'exit 1' INT TERM HUP
started=$(date +%s)
echo "build-guest-kernel: building $version ($config_hash) in $build" >&2
tar -xf "$tarball" -C "$build"
src="$build/linux-source-$series"
for patch in "$patches_dir"/*.patch; do
    patch -s -d "$src" -p1 <"$patch"
done
jobs=$(nproc)
make_quiet=(nice -n 10 make -C "$src" -s "-j$jobs")
"${make_quiet[@]}" tinyconfig >/dev/null
enable=()
for option in "${options[@]}"; do
    enable+=(--enable "$option")
done
"$src/scripts/config" --file "$src/.config" "${enable[@]}"
"${make_quiet[@]}" olddefconfig >/dev/null
missing=()
for option in "${options[@]}"; do
    grep -qx "CONFIG_$option=y" "$src/.config" || missing+=("$option")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "build-guest-kernel: the config lacks: ${missing[*]}" >&2
    exit 1
fi
if ! "${make_quiet[@]}" vmlinux >"$build/build.log" 2>&1; then
    tail -n 40 "$build/build.log" >&2
    echo "build-guest-kernel: the kernel build failed" >&2
    exit 1
fi
mkdir -p "$out.tmp"
# DWARF is only the input of BTF: strip it (the kernel boots the same).
objcopy --strip-debug "$src/vmlinux" "$out.tmp/vmlinux"
cp "$src/.config" "$out.tmp/config"
make -C "$src" -s kernelrelease >"$out.tmp/release"
echo $(($(date +%s) - started)) >"$out.tmp/build-seconds"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "build-guest-kernel: built in $(cat "$out/build-seconds") s" >&2
echo "$out/vmlinux"
