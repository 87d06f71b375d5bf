#!/usr/bin/env bash
# The whole test suite, as CI runs it: as root with no stdin on a fresh Debian 12 machine
# (kernel with BTF, bpf() allowed). Installs every system package the build
# and the kernel tests need, prepares the kernel filesystems, then runs
# format, lint and the whole test suite. Kernel tests must not skip here:
# KS_REQUIRE_KERNEL=1 turns a missing capability into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
apt-get update
# clang/llvm: build generated eBPF C; libbpf-dev + linux-libc-dev: its headers;
# libelf-dev zlib1g-dev pkg-config make gcc: libbpf-sys builds a vendored libbpf;
# bpftool: vmlinux.h and manual inspection; iproute2: veth/netns/tc tests.
apt-get install -y --no-install-recommends \
    clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config bpftool iproute2 \
    make gcc libc6-dev linux-libc-dev ca-certificates

# Tracepoint attach needs tracefs (not mounted on a fresh machine); bpffs for pins.
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing || true
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || true

export KS_REQUIRE_KERNEL=1
export CARGO_TERM_COLOR=never

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
