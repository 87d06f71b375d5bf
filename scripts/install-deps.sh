#!/usr/bin/env bash
# Installs the Debian packages KernelScript builds, tests and runs with
# (Debian 12 / Ubuntu 22.04 or newer, as root), and mounts the kernel
# filesystems eBPF programs need.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
# clang/llvm: build generated eBPF C; libbpf-dev + linux-libc-dev: its headers;
# libelf-dev zlib1g-dev pkg-config make gcc: generated userspace programs and the
# vendored libbpf of the test harness; bpftool: skeletons and vmlinux.h;
# iproute2: veth/netns/tc in the demo and the tests. clang-16: BTF type tags
# (kptr map values), which Debian 12's default clang 14 does not emit.
# python3-dev: the embedded CPython (pkg-config python3-embed) of userspace
# programs that `import name from "x.py"`, and the Python modules they run.
# strace: the seed README test watches its example attach (bpf() and netlink).
apt-get install -y --no-install-recommends \
    clang clang-16 llvm libbpf-dev libelf-dev zlib1g-dev pkg-config bpftool iproute2 \
    make gcc libc6-dev linux-libc-dev ca-certificates python3 python3-dev strace

# Tracepoint attach needs tracefs (not mounted on a fresh machine); bpffs for pins.
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing || true
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || true
