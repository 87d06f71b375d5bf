#!/usr/bin/env bash
# Installs what the qemu guest test tier (crates/testkit, `testkit::qemu`)
# needs on Debian 12, as root: qemu, Debian's own 6.1 kernel image with the
# headers of exactly the same version (modules for the guest build against
# them), busybox-static for the guest's userland, dwarves (pahole, for
# module BTF) and the kernel source tarball (resolve_btfids is built from
# it). The tier boots that kernel under qemu and makes its own initrd, so
# on a machine that does not boot from /boot (no bootloader, as on CI's
# VMs) INITRD=No skips building an initramfs for it; a machine with a
# bootloader gets one, so that the newly installed kernel stays bootable.
# linux-source-6.12 and the kernel's build tools (flex, bison, bc, libelf,
# libssl headers) are for scripts/build-guest-kernel.sh, which builds the
# sched_ext guest kernel.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# The kernel ABI the meta package points at (e.g. 6.1.0-57-amd64); image
# and headers are installed at that exact version, never from two releases.
abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/^ *Depends: linux-image-\([0-9].*\)$/\1/p' | head -n 1)
if [ -z "$abi" ]; then
    apt-get update
    abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: linux-image-\([0-9].*\)$/\1/p' | head -n 1)
fi
if [ -z "$abi" ]; then
    echo "install-qemu-deps: apt knows no linux-image-amd64 kernel (Debian amd64 only)" >&2
    exit 1
fi
series=$(echo "$abi" | cut -d. -f1-2)

if [ -d /boot/grub ] || [ -d /boot/efi/EFI ] || command -v update-grub >/dev/null 2>&1; then
    unset INITRD
else
    export INITRD=No
fi

apt-get install -y --no-install-recommends \
    qemu-system-x86 busybox-static dwarves xz-utils zstd binutils python3 make gcc \
    "linux-image-$abi" "linux-headers-$abi" "linux-source-$series" \
    linux-source-6.12 flex bison bc libelf-dev libssl-dev
