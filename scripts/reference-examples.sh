#!/usr/bin/env bash
# Measures the compiler against a directory of KernelScript programs (such
# as the reference project's examples/): for each .ks file, does it check,
# does its eBPF C build with clang, does the kernel load it, and does the
# userspace program build? Prints one line per file and the totals.
#
#   scripts/reference-examples.sh DIR [KERNELSCRIPT_BINARY]
#
# Loading needs root and bpffs; objects are pinned under a scratch
# directory of /sys/fs/bpf and removed again.
set -uo pipefail
dir=${1:?usage: reference-examples.sh DIR [KERNELSCRIPT_BINARY]}
ks=${2:-target/debug/kernelscript}
out=$(mktemp -d)
pins=/sys/fs/bpf/ks-reference-$$
# `pin` maps are pinned by name under /sys/fs/bpf by bpftool: remove every
# pin that was not there before.
before=$(ls /sys/fs/bpf 2>/dev/null)
cleanup() {
    rm -rf "$out" "$pins"
    for entry in $(ls /sys/fs/bpf 2>/dev/null); do
        grep -qxF "$entry" <<<"$before" || rm -rf "/sys/fs/bpf/$entry"
    done
}
trap cleanup EXIT

total=0 checked=0 built=0 loaded=0 userspace=0 with_main=0
for file in "$dir"/*.ks; do
    name=$(basename "$file" .ks)
    total=$((total + 1))
    status="check-failed"
    if "$ks" check "$file" >"$out/$name.check" 2>&1; then
        checked=$((checked + 1))
        status="checked"
        proj="$out/$name"
        if "$ks" compile "$file" -o "$proj" >/dev/null 2>&1 &&
            (cd "$proj" && { ! grep -q '^#include "vmlinux.h"' "$name.ebpf.c" ||
                bpftool btf dump file /sys/kernel/btf/vmlinux format c >vmlinux.h; } && clang -g -O2 -target bpf -D__TARGET_ARCH_x86 \
                -I/usr/include/"$(uname -m)"-linux-gnu -c "$name.ebpf.c" -o "$name.ebpf.o") >"$out/$name.clang" 2>&1; then
            built=$((built + 1))
            status="built"
            if bpftool prog loadall "$proj/$name.ebpf.o" "$pins-$name" >"$out/$name.load" 2>&1; then
                loaded=$((loaded + 1))
                status="loaded"
            else
                status="load-failed"
            fi
            rm -rf "$pins-$name"
            if [ -f "$proj/$name.c" ]; then
                with_main=$((with_main + 1))
                # The generated Makefile's own rule: it knows the flags a
                # program needs (CPython's for an imported Python module).
                if make -s -C "$proj" "$name" >"$out/$name.cc" 2>&1; then
                    userspace=$((userspace + 1))
                    status="$status+userspace"
                else
                    status="$status+userspace-failed"
                fi
            fi
        else
            status="build-failed"
        fi
    fi
    printf '%-32s %s\n' "$name" "$status"
    if [ -n "${VERBOSE:-}" ]; then
        case $status in
            check-failed) head -12 "$out/$name.check" ;;
            build-failed) head -12 "$out/$name.clang" ;;
            load-failed*) grep -v '^libbpf: \|^$' "$out/$name.load" | tail -6 ;;
        esac
        case $status in *userspace-failed) grep -m5 error "$out/$name.cc" ;; esac
    fi
done
echo "total $total, checked $checked, built $built, loaded $loaded, userspace $userspace of $with_main with main()"
