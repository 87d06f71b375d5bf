//! `@kfunc` functions compiled into a kernel module, proved in Debian 12's
//! 6.1 kernel under qemu (this machine's kernel refuses modules): the
//! generated Makefile builds `kmod/NAME_kfuncs.ko` with the program, against
//! the guest's headers (module BTF by pahole, ids by resolve_btfids, as the
//! Makefile does when the headers have no `vmlinux`). In one boot:
//!
//! * the generated program inserts the module before it loads its XDP
//!   program (which would not load without the kfunc), and removes it at
//!   exit;
//! * without the module file it stops with a clear message;
//! * the module inserted by hand, the XDP programs run with `bpftool prog
//!   run` return what the kfuncs compute: through a `@private` function,
//!   and over a buffer the program passes (a pointer and its `__sz`);
//! * the program uses this build's module loaded by hand (and leaves it),
//!   and refuses a module of the same name from another build (its
//!   `MODULE_VERSION` differs).
//!
//! A second boot proves objects in module code: an XDP program's kfunc
//! allocates with `GFP_ATOMIC | __GFP_NOWARN` (kzalloc), fills the object
//! through a `@private` function, reads it back and frees it; 100000 runs
//! leave the kmalloc caches as they were (without the kfree they grow by
//! about 100000 objects); the reference's `simple_gfp_test.ks` builds, its
//! module inserts and its userspace program runs.
//!
//! Without the guest's packages the tests print `skipped: <reason>` (and
//! fail when `KS_REQUIRE_KERNEL=1`).

use std::path::Path;
use std::process::Command;

use testkit::qemu::{skip_unless_guest, Batch, Guest, Scratch};

const SOURCE: &str = r#"
@private
fn scale(a: u32) -> u32 {
    return a * 100
}

@kfunc
fn kfm_mix(a: u32, b: u32) -> u32 {
    var total: u32 = 0
    for (i in 0..a) {
        total += 100
    }
    if (total != scale(a)) {
        return 0
    }
    return total + b
}

@kfunc
fn kfm_sum(data: *u8, len: u32) -> u32 {
    var total: u32 = 0
    for (i in 0..len) {
        total += data[i] as u32
    }
    return total
}

@xdp
fn call_mix(ctx: *xdp_md) -> xdp_action {
    return kfm_mix(4, 2) as xdp_action
}

@xdp
fn call_sum(ctx: *xdp_md) -> xdp_action {
    var buf: u8[8] = [1, 2, 3, 4, 5, 6, 7, 80]
    return kfm_sum(&buf[0], 8) as xdp_action
}

fn main() -> i32 {
    load(call_mix)
    print("loaded")
    sleep(1500)
    return 0
}
"#;

const SCRIPT: &str = r#"
./kfm/kfm > kfm.out 2>&1 &
pid=$!
ks-wait-for kfm.out loaded $pid
test -e /sys/module/kfm_kfuncs && echo "during=present" || echo "during=missing"
wait $pid
echo "status=$?"
test -e /sys/module/kfm_kfuncs && echo "after=present" || echo "after=missing"

mv kfm/kmod/kfm_kfuncs.ko kfm_kfuncs.ko
./kfm/kfm > missing.out 2>&1
echo "missing_status=$?"
echo "missing=$(sed -n 's/.*cannot open kernel module \([^:]*\): \(.*\)/\1: \2/p' missing.out)"

insmod kfm_kfuncs.ko
echo "insmod=$?"
bpftool prog loadall kfm/kfm.ebpf.o /sys/fs/bpf/kfm
echo "load=$?"
echo "retval=$(bpftool prog run pinned /sys/fs/bpf/kfm/call_mix data_in packet.bin | sed -n 's/^Return value: \([0-9]*\).*/\1/p')"
echo "sum=$(bpftool prog run pinned /sys/fs/bpf/kfm/call_sum data_in packet.bin | sed -n 's/^Return value: \([0-9]*\).*/\1/p')"
rm -rf /sys/fs/bpf/kfm

mv kfm_kfuncs.ko kfm/kmod/kfm_kfuncs.ko
./kfm/kfm > same.out 2>&1
echo "same_status=$?"
test -e /sys/module/kfm_kfuncs && echo "same_after=present" || echo "same_after=missing"

for i in 1 2 3 4 5 6 7 8 9 10; do rmmod kfm_kfuncs 2>/dev/null && break; usleep 200000; done
insmod stale/kfm_kfuncs.ko
echo "stale_insmod=$?"
./kfm/kfm > stale.out 2>&1
echo "stale_status=$?"
echo "stale=$(sed -n 's/.*kernel module kfm_kfuncs is \(already loaded from another build\).*/\1/p' stale.out)"
bpftool prog loadall stale/kfm.ebpf.o /sys/fs/bpf/stale > oversized.log 2>&1
echo "oversized_load=$?"
echo "oversized=$(grep -c "prog 'call_oversized': failed to load" oversized.log)"
"#;

/// The same program with another kfunc body: a stale module of the same
/// name, which the program built from `SOURCE` must refuse to use. Its
/// object also passes a size larger than the buffer, which the verifier
/// must refuse (it checks the memory against the `__sz` parameter).
fn stale_source() -> String {
    SOURCE.replace("return total + b", "return total + b + 1")
        + r#"
@xdp
fn call_oversized(ctx: *xdp_md) -> xdp_action {
    var buf: u8[8] = [1, 2, 3, 4, 5, 6, 7, 80]
    return kfm_sum(&buf[0], 16) as xdp_action
}
"#
}

/// `make module` in project `dir` for the guest; fails on any warning.
fn make_module(guest: &Guest, dir: &Path) {
    let resolve_btfids = guest.resolve_btfids().unwrap_or_else(|e| panic!("{e}"));
    let make = Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(dir)
        .arg("module")
        .arg(format!("KDIR={}", guest.headers_dir().display()))
        .arg(format!("BTF_BASE={}", guest.btf().display()))
        .arg(format!("RESOLVE_BTFIDS={}", resolve_btfids.display()))
        .output()
        .expect("run make module");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&make.stdout),
        String::from_utf8_lossy(&make.stderr)
    );
    assert!(make.status.success(), "make module failed:\n{log}");
    assert!(!log.contains("warning"), "make module warned:\n{log}");
}

#[test]
fn a_kfunc_module_is_built_inserted_by_the_generated_program_and_serves_xdp_in_the_guest() {
    let Some(guest) = skip_unless_guest() else {
        return;
    };
    let scratch = Scratch::new("cli-kfunc").expect("scratch directory");
    let source = scratch.path().join("kfm.ks");
    std::fs::write(&source, SOURCE).expect("write the .ks file");
    let dir = scratch.path().join("kfm");
    let built = guest
        .build_generated(Path::new(env!("CARGO_BIN_EXE_kernelscript")), &source, &dir)
        .unwrap_or_else(|e| panic!("{e}"));
    make_module(guest, &dir);
    // The generator's golden (every shape module code takes) builds
    // without warnings against the guest's headers too.
    let golden =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../kernelscript/tests/data/kmod/kfuncs.ks");
    let golden_dir = scratch.path().join("kfuncs");
    let compile = Command::new(env!("CARGO_BIN_EXE_kernelscript"))
        .arg("compile")
        .arg(&golden)
        .arg("-o")
        .arg(&golden_dir)
        .arg("--btf-vmlinux-path")
        .arg(guest.btf())
        .output()
        .expect("run kernelscript compile");
    assert!(
        compile.status.success(),
        "{}",
        String::from_utf8_lossy(&compile.stderr)
    );
    make_module(guest, &golden_dir);
    assert!(golden_dir.join("kmod/kfuncs_kfuncs.ko").is_file());
    // The stale build: same project name, another module.
    let stale_dir = scratch.path().join("stale");
    std::fs::create_dir_all(&stale_dir).expect("stale directory");
    let stale_source_path = stale_dir.join("kfm.ks");
    std::fs::write(&stale_source_path, stale_source()).expect("write the stale .ks file");
    let stale_project = stale_dir.join("kfm");
    guest
        .build_generated(
            Path::new(env!("CARGO_BIN_EXE_kernelscript")),
            &stale_source_path,
            &stale_project,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    make_module(guest, &stale_project);
    let module = dir.join("kmod/kfm_kfuncs.ko");
    let batch = Batch::new(SCRIPT)
        .file("kfm/kfm", built.binary.as_ref().expect("a main"))
        .file("kfm/kfm.ebpf.o", &built.object)
        .file("kfm/kmod/kfm_kfuncs.ko", &module)
        .file(
            "stale/kfm_kfuncs.ko",
            stale_project.join("kmod/kfm_kfuncs.ko"),
        )
        .file("stale/kfm.ebpf.o", stale_project.join("kfm.ebpf.o"))
        .bytes("packet.bin", 0o644, vec![0u8; 64]);
    let output = guest.run(&batch).unwrap_or_else(|e| panic!("{e}"));
    assert!(output.succeeded(), "{output}");
    let value = |key: &str| output.value(key).unwrap_or_default();
    assert_eq!(
        [
            value("during"),
            value("status"),
            value("after"),
            value("missing_status"),
            value("missing"),
            value("insmod"),
            value("load"),
            value("retval"),
            value("sum"),
            value("same_status"),
            value("same_after"),
            value("stale_insmod"),
            value("stale_status"),
            value("stale"),
            value("oversized_load"),
            value("oversized"),
        ],
        [
            "present",
            "0",
            "missing",
            "1",
            "/t/kfm/kmod/kfm_kfuncs.ko: No such file or directory (build it with `make module`)",
            "0",
            "0",
            // kfm_mix(4, 2) = 4 * 100 + 2.
            "402",
            // kfm_sum over the XDP program's 8-byte stack buffer.
            "108",
            // This build's module, loaded by hand: used, and left loaded.
            "0",
            "present",
            // Another build's module of the same name: refused.
            "0",
            "1",
            "already loaded from another build",
            // 16 bytes of an 8-byte buffer: the verifier refuses.
            "255",
            "1",
        ],
        "{output}"
    );
}

/// Objects in module code: kzalloc with GFP flags, fields written and read
/// (also through a `@private` function), kfree; `delete` of an unchecked
/// pointer.
const OBJECTS_SOURCE: &str = r#"
struct Sample {
    seed: u64,
    doubled: u64,
    hits: u32,
    fresh: bool,
}

@private
fn fill(s: *Sample, seed: u64) {
    s->seed = seed
    s->doubled = seed * 2
    s->hits += 1
}

@kfunc
fn gfp_roundtrip(seed: u64) -> u64 {
    var s = new Sample(GFP_ATOMIC | __GFP_NOWARN)
    if (s == null) {
        return 1
    }
    if (s->seed != 0 || s->doubled != 0 || s->hits != 0 || s->fresh) {
        delete s
        return 2
    }
    fill(s, seed)
    fill(s, seed)
    var result = s->seed + s->doubled + s->hits as u64
    delete s
    return result
}

@kfunc
fn gfp_default(x: u32) -> u32 {
    var s = new Sample()
    delete s
    return x + 1
}

@xdp
fn call_roundtrip(ctx: *xdp_md) -> xdp_action {
    return gfp_roundtrip(40) as xdp_action
}

@xdp
fn call_default(ctx: *xdp_md) -> xdp_action {
    return gfp_default(6) as xdp_action
}
"#;

/// The reference implementation's `examples/simple_gfp_test.ks` as
/// written: a kfunc allocating with GFP_ATOMIC, eBPF and userspace objects
/// deleted without a null check.
const REFERENCE_EXAMPLE: &str = r#"
include "xdp.kh"

struct TestData {
    value: u64,
}

@kfunc
fn valid_kfunc_allocation() -> i32 {
    var basic_ptr = new TestData(GFP_ATOMIC)
    delete basic_ptr
    return 0
}

@xdp
fn valid_ebpf_allocation(ctx: *xdp_md) -> xdp_action {
    var ptr = new TestData()
    delete ptr
    return XDP_PASS
}

fn valid_userspace_allocation() -> i32 {
    var ptr = new TestData()
    delete ptr
    return 0
}

fn main() -> i32 {
    return valid_userspace_allocation()
}
"#;

/// The parts of the reference's `xdp.kh` the example uses.
const XDP_KH: &str = r#"
enum xdp_action {
    XDP_ABORTED = 0,
    XDP_DROP = 1,
    XDP_PASS = 2,
    XDP_TX = 3,
    XDP_REDIRECT = 4,
}

struct xdp_md {
    data: u32,
    data_end: u32,
    data_meta: u32,
    ingress_ifindex: u32,
    rx_queue_index: u32,
    egress_ifindex: u32,
}
"#;

/// Each kmalloc object counted before and after 100000 runs of the
/// allocating kfunc: a missing kfree would add 100000.
const OBJECTS_SCRIPT: &str = r#"
insmod gfp/kmod/gfp_kfuncs.ko
echo "insmod=$?"
bpftool prog loadall gfp/gfp.ebpf.o /sys/fs/bpf/gfp
echo "load=$?"
echo "roundtrip=$(bpftool prog run pinned /sys/fs/bpf/gfp/call_roundtrip data_in packet.bin | sed -n 's/^Return value: \([0-9]*\).*/\1/p')"
echo "default=$(bpftool prog run pinned /sys/fs/bpf/gfp/call_default data_in packet.bin | sed -n 's/^Return value: \([0-9]*\).*/\1/p')"
kmalloc_objects() { awk '/^kmalloc-/ { n += $2 } END { print n + 0 }' /proc/slabinfo; }
before=$(kmalloc_objects)
echo "repeat=$(bpftool prog run pinned /sys/fs/bpf/gfp/call_roundtrip data_in packet.bin repeat 100000 | sed -n 's/^Return value: \([0-9]*\).*/\1/p')"
after=$(kmalloc_objects)
echo "counted=$([ "$before" -gt 0 ] && echo yes || echo no)"
echo "growth=$((after - before))"
rm -rf /sys/fs/bpf/gfp
# The programs holding the module go away after an RCU grace period.
for i in 1 2 3 4 5 6 7 8 9 10; do rmmod gfp_kfuncs 2>/dev/null && break; usleep 200000; done
test -e /sys/module/gfp_kfuncs && echo "removed=no" || echo "removed=yes"

insmod example/kmod/simple_gfp_test_kfuncs.ko
echo "example_insmod=$?"
rmmod simple_gfp_test_kfuncs
echo "example_rmmod=$?"
./example/simple_gfp_test > example.out 2>&1
echo "example_status=$?"
"#;

/// Builds `source` (written as `dir/NAME.ks`, with `extra` files beside
/// it) for the guest, and its module again from a touched source so that
/// `make_module` sees every compiler warning.
fn build_with_module(
    guest: &Guest,
    scratch: &Path,
    name: &str,
    source: &str,
    extra: &[(&str, &str)],
) -> testkit::qemu::GeneratedBuild {
    let path = scratch.join(format!("{name}.ks"));
    std::fs::write(&path, source).expect("write the .ks file");
    for (file, text) in extra {
        std::fs::write(scratch.join(file), text).expect("write an included file");
    }
    let dir = scratch.join(name);
    let built = guest
        .build_generated(Path::new(env!("CARGO_BIN_EXE_kernelscript")), &path, &dir)
        .unwrap_or_else(|e| panic!("{e}"));
    let module_source = dir.join(format!("{name}.mod.c"));
    let text = std::fs::read(&module_source).expect("the module source");
    std::fs::write(&module_source, text).expect("touch the module source");
    make_module(guest, &dir);
    built
}

#[test]
fn kfunc_objects_allocate_with_gfp_flags_and_are_freed_in_the_guest() {
    let Some(guest) = skip_unless_guest() else {
        return;
    };
    let scratch = Scratch::new("cli-kfunc-objects").expect("scratch directory");
    let gfp = build_with_module(guest, scratch.path(), "gfp", OBJECTS_SOURCE, &[]);
    let example = build_with_module(
        guest,
        scratch.path(),
        "simple_gfp_test",
        REFERENCE_EXAMPLE,
        &[("xdp.kh", XDP_KH)],
    );
    let module_text =
        std::fs::read_to_string(scratch.path().join("gfp/gfp.mod.c")).expect("the module source");
    assert!(module_text.contains("kzalloc(sizeof(struct ks_Sample), GFP_ATOMIC | __GFP_NOWARN)"));
    let batch = Batch::new(OBJECTS_SCRIPT)
        .file("gfp/gfp.ebpf.o", &gfp.object)
        .file(
            "gfp/kmod/gfp_kfuncs.ko",
            scratch.path().join("gfp/kmod/gfp_kfuncs.ko"),
        )
        .file(
            "example/simple_gfp_test",
            example.binary.as_ref().expect("a main"),
        )
        .file(
            "example/kmod/simple_gfp_test_kfuncs.ko",
            scratch
                .path()
                .join("simple_gfp_test/kmod/simple_gfp_test_kfuncs.ko"),
        )
        .bytes("packet.bin", 0o644, vec![0u8; 64]);
    let output = guest.run(&batch).unwrap_or_else(|e| panic!("{e}"));
    assert!(output.succeeded(), "{output}");
    let value = |key: &str| output.value(key).unwrap_or_default();
    let growth: i64 = value("growth").parse().unwrap_or(i64::MAX);
    assert!(
        growth < 20_000,
        "kmalloc objects grew by {growth} over 100000 runs: kfree is missing\n{output}"
    );
    // roundtrip: 40 + 2 * 40 + 2 hits, from a zeroed object;
    // default: gfp_default(6) + 1.
    let expected = [
        ("insmod", "0"),
        ("load", "0"),
        ("roundtrip", "122"),
        ("default", "7"),
        ("repeat", "122"),
        ("counted", "yes"),
        ("removed", "yes"),
        ("example_insmod", "0"),
        ("example_rmmod", "0"),
        ("example_status", "0"),
    ];
    let found: Vec<(&str, String)> = expected.iter().map(|(key, _)| (*key, value(key))).collect();
    let wanted: Vec<(&str, String)> = expected
        .iter()
        .map(|(key, want)| (*key, want.to_string()))
        .collect();
    assert_eq!(found, wanted, "{output}");
}
