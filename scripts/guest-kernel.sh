#!/usr/bin/env bash
# Provides the Debian 12 (6.1) guest kernel the second test tier runs, and
# prints the path of the requested piece on stdout (progress goes to stderr):
#
#   scripts/guest-kernel.sh [vmlinux]   uncompressed vmlinux ELF (has .BTF)
#   scripts/guest-kernel.sh vmlinuz     the bootable compressed image
#   scripts/guest-kernel.sh modules     its /lib/modules/<version> directory
#
# It uses /boot/vmlinuz-6.1.* when the machine has one (Debian 12 hosts do),
# otherwise downloads the linux-image-amd64 package's kernel with
# `apt-get download` (needs `apt-get update` first) and unpacks it. The
# vmlinux is the xz stream inside the bzImage (it starts with the bytes
# FD 37 7A 58 5A 00), decompressed with python3's lzma. Results are cached
# in $KS_GUEST_KERNEL_DIR (default /var/cache/kernelscript/guest-kernel).
set -euo pipefail

what="${1:-vmlinux}"
case "$what" in
vmlinux | vmlinuz | modules) ;;
*)
    echo "usage: $0 [vmlinux|vmlinuz|modules]" >&2
    exit 2
    ;;
esac

cache="${KS_GUEST_KERNEL_DIR:-/var/cache/kernelscript/guest-kernel}"
mkdir -p "$cache"

# The installed 6.1 kernel, if any (newest first).
vmlinuz="$(ls -1 /boot/vmlinuz-6.1.* 2>/dev/null | sort -V | tail -n 1 || true)"
if [[ -n "$vmlinuz" ]]; then
    version="${vmlinuz#/boot/vmlinuz-}"
    modules="/lib/modules/$version"
else
    package="$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-6\.1/ { print $2; exit }')"
    if [[ -z "$package" ]]; then
        echo "guest-kernel: no /boot/vmlinuz-6.1.* and apt knows no linux-image-6.1 package" \
            "(run apt-get update on Debian 12)" >&2
        exit 1
    fi
    version="${package#linux-image-}"
    root="$cache/root-$version"
    if [[ ! -f "$root/boot/vmlinuz-$version" ]]; then
        echo "guest-kernel: downloading $package" >&2
        download="$(mktemp -d)"
        trap 'rm -rf "$download"' EXIT
        chown _apt "$download" 2>/dev/null || true # apt downloads as its _apt user
        (cd "$download" && apt-get download "$package" >&2)
        mkdir -p "$root"
        dpkg-deb -x "$download"/"$package"_*.deb "$root"
    fi
    vmlinuz="$root/boot/vmlinuz-$version"
    modules="$root/lib/modules/$version"
fi

case "$what" in
vmlinuz)
    echo "$vmlinuz"
    exit 0
    ;;
modules)
    echo "$modules"
    exit 0
    ;;
esac

vmlinux="$cache/vmlinux-$version"
if [[ ! -s "$vmlinux" || "$vmlinux" -ot "$vmlinuz" ]]; then
    echo "guest-kernel: extracting $vmlinux from $vmlinuz" >&2
    python3 - "$vmlinuz" "$vmlinux.tmp" <<'PYTHON'
import lzma
import sys

image = open(sys.argv[1], "rb").read()
start = image.find(b"\xfd7zXZ\x00")
if start < 0:
    sys.exit(f"guest-kernel: no xz stream in {sys.argv[1]}")
# The decompressor stops at the end of the stream and ignores what follows.
elf = lzma.LZMADecompressor().decompress(image[start:])
if not elf.startswith(b"\x7fELF"):
    sys.exit(f"guest-kernel: the xz stream in {sys.argv[1]} is not an ELF image")
open(sys.argv[2], "wb").write(elf)
PYTHON
    mv "$vmlinux.tmp" "$vmlinux"
fi
echo "$vmlinux"
