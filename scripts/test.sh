#!/usr/bin/env bash
# The whole test suite, as CI runs it: as root on a Debian 12 machine with
# a BTF-enabled kernel that allows bpf(). Installs the system packages, then
# runs format, lint and every test. Kernel tests must not skip here:
# KS_REQUIRE_KERNEL=1 turns a missing capability into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The qemu guest tier (fentry, LSM, kprobes, kernel modules in a 6.1 guest),
# and Debian's backports kernel (6.12) for a second guest, extracted under
# /var/cache/kernelscript without being installed.
bash scripts/install-qemu-deps.sh
bash scripts/fetch-backports-kernel.sh
# The sched_ext guest kernel (none of Debian's has sched_ext): built once
# (a few minutes on 2 cores) and cached under /var/cache/kernelscript-guest.
bash scripts/build-guest-kernel.sh

export KS_REQUIRE_KERNEL=1
export CARGO_TERM_COLOR=never

# The README's main job, end to end: build, load, attach, real packets.
bash scripts/demo.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
