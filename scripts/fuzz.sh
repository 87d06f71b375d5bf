#!/usr/bin/env bash
# Long fuzzing run of the compiler (crates/fuzz): mutants of the project's
# .ks corpus — and of the reference implementation's examples when its
# mirror is present — through check and compile, every distinct accepted
# output built with clang, bpftool and cc. Prints the figures and findings
# (saved under WORK/findings/) and exits 1 on any failure.
#
#   bash scripts/fuzz.sh [MINUTES] [SEED] [WORK]      defaults: 30, random, fuzz-work
#
# Needs clang, bpftool, cc and libbpf (scripts/install-deps.sh); a long run
# uses both cores (-j 2).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-30}"
seed="${2:-$RANDOM$RANDOM}"
work="${3:-fuzz-work}"

corpus_args=()
reference="/work/.mirror/multikernel+kernelscript/repo"
if [ -d "$reference" ]; then
    examples="$(mktemp -d)"
    trap 'rm -rf "$examples"' EXIT
    git -C "$reference" archive HEAD examples | tar -x -C "$examples"
    corpus_args=(--corpus "$examples/examples")
fi

cargo build --release -p kernelscript-fuzz
exec target/release/ks-fuzz --seed "$seed" --minutes "$minutes" --jobs 2 \
    --work "$work" "${corpus_args[@]}"
