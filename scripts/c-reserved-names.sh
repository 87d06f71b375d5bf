#!/usr/bin/env bash
# Regenerates crates/kernelscript/src/codegen/c/reserved_names.rs: the
# identifiers the headers of each generated C output declare (macros,
# functions and variables, enumerators, typedefs, struct/union/enum tags),
# plus the C library functions the compilers know as builtins, which a
# KernelScript name must not take in that output. The core crate reads no
# files, so the list is generated here, from the headers of this machine's
# toolchain (Debian 12: clang 14, gcc 12, libbpf 1.1, glibc 2.36), and
# committed. Names beginning with `__` or `_X` are left out: the allocator
# refuses those by rule. Run it again when the outputs include new headers.
set -euo pipefail
cd "$(dirname "$0")/.."
out=crates/kernelscript/src/codegen/c/reserved_names.rs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
multiarch=$(cc -print-multiarch)

# The eBPF object's headers (UAPI mode, every protocol header it may pull
# in, and the tracing headers of vmlinux.h mode). <linux/icmp.h> is left
# out: it includes <sys/socket.h>, which does not build for -target bpf.
printf '#include <%s>\n' linux/types.h linux/bpf.h linux/pkt_cls.h linux/if_ether.h \
    linux/ip.h linux/ipv6.h linux/udp.h linux/tcp.h linux/icmpv6.h linux/in.h stdbool.h \
    bpf/bpf_helpers.h bpf/bpf_endian.h >"$work/ebpf.c"
printf '#include <%s>\n' bpf/bpf_tracing.h bpf/bpf_core_read.h >"$work/ebpf_tracing.c"
# The userspace program's headers (codegen/userspace/mod.rs and the kinds'
# attach runtimes).
printf '#include <%s>\n' errno.h signal.h stdarg.h stdbool.h stdio.h stdlib.h string.h \
    unistd.h setjmp.h time.h fcntl.h limits.h sys/stat.h sys/mman.h net/if.h \
    linux/if_link.h linux/perf_event.h sys/syscall.h sys/ioctl.h linux/types.h bpf/bpf.h \
    bpf/libbpf.h >"$work/userspace.c"
# The C library's functions: candidates for the compilers' builtins.
printf '#include <%s>\n' assert.h complex.h ctype.h dirent.h errno.h fcntl.h fenv.h \
    inttypes.h locale.h math.h pthread.h sched.h setjmp.h signal.h stdarg.h stdio.h \
    stdlib.h string.h strings.h time.h unistd.h wchar.h wctype.h >"$work/libc.c"

bpf_flags=(-target bpf -D__TARGET_ARCH_x86 -I"/usr/include/$multiarch")
clang -E -dM "${bpf_flags[@]}" "$work/ebpf.c" >"$work/ebpf.macros"
clang -E -dM "${bpf_flags[@]}" "$work/ebpf_tracing.c" >>"$work/ebpf.macros"
clang -Xclang -ast-dump=json -fsyntax-only "${bpf_flags[@]}" "$work/ebpf.c" >"$work/ebpf.json"
cc -E -dM "$work/userspace.c" >"$work/userspace.macros"
clang -Xclang -ast-dump=json -fsyntax-only "$work/userspace.c" >"$work/userspace.json"
clang -Xclang -ast-dump=json -fsyntax-only "$work/libc.c" >"$work/libc.json"

# Define every C library function with a wrong type; the names the
# compilers complain about are their builtins.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
tree = json.load(open(f"{work}/libc.json"))
names = sorted({decl["name"] for decl in tree.get("inner", [])
                if decl.get("kind") == "FunctionDecl" and not decl.get("isImplicit")
                and decl.get("name") and not decl["name"].startswith("_")})
with open(f"{work}/libc_ebpf.c", "w") as f:
    f.write("#include <linux/types.h>\n#include <linux/bpf.h>\n")
    for name in names:
        f.write(f"int {name}(struct xdp_md *ctx) {{ return 0; }}\n")
with open(f"{work}/libc_userspace.c", "w") as f:
    f.write("struct ks_probe { int a; };\n")
    for name in names:
        f.write(f"static int {name}(struct ks_probe *p) {{ return p->a; }}\n")
PY
{ clang -Wall -fsyntax-only -ferror-limit=0 "${bpf_flags[@]}" "$work/libc_ebpf.c" 2>&1 || true; } |
    grep -o "library function '[A-Za-z0-9_]*'" | sed "s/.*'\(.*\)'/\1/" | sort -u >"$work/ebpf.builtins"
{ LC_ALL=C gcc -Wall -fsyntax-only "$work/libc_userspace.c" 2>&1 || true; } |
    grep -o "built-in function '[A-Za-z0-9_]*'" | sed "s/.*'\(.*\)'/\1/" | sort -u >"$work/userspace.builtins"

python3 - "$work" "$out" <<'PY'
import json, re, sys
work, out = sys.argv[1], sys.argv[2]
kept = lambda name: bool(name) and not name.startswith("__") and not re.match(r"_[A-Z]", name)
MACRO, SYMBOL, TYPEDEF, TAG, ENUMERATOR = 1, 2, 4, 8, 16
flags = {}
def add(name, output, kind):
    if kept(name):
        shift = 0 if output == "ebpf" else 8
        flags[name] = flags.get(name, 0) | (kind << shift)
for output in ("ebpf", "userspace"):
    for line in open(f"{work}/{output}.macros"):
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "#define":
            add(re.sub(r"\(.*", "", parts[1]), output, MACRO)
    tree = json.load(open(f"{work}/{output}.json"))
    for decl in tree.get("inner", []):
        if decl.get("isImplicit"):
            continue
        kind, name = decl.get("kind"), decl.get("name")
        if kind in ("FunctionDecl", "VarDecl"):
            add(name, output, SYMBOL)
        elif kind == "TypedefDecl":
            add(name, output, TYPEDEF)
        elif kind in ("RecordDecl", "EnumDecl"):
            add(name, output, TAG)
        if kind == "EnumDecl":
            for constant in decl.get("inner", []):
                if constant.get("kind") == "EnumConstantDecl":
                    add(constant.get("name"), output, ENUMERATOR)
    for name in open(f"{work}/{output}.builtins").read().split():
        add(name, output, SYMBOL)
with open(out, "w") as f:
    f.write("//! Generated by scripts/c-reserved-names.sh: do not edit. The identifiers\n")
    f.write("//! the headers of each C output declare, and the C library functions its\n")
    f.write("//! compiler knows as builtins, with what they are there (bits: see\n")
    f.write("//! `reserved.rs`). Sorted by name for binary search.\n\n")
    f.write("#[rustfmt::skip]\n")
    f.write("pub(super) const NAMES: &[(&str, u16)] = &[\n")
    for name in sorted(flags):
        f.write(f"    ({json.dumps(name)}, {flags[name]}),\n")
    f.write("];\n")
print(f"{out}: {len(flags)} names")
PY
