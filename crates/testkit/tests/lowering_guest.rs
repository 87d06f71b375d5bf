//! The lowering proofs that need a kernel other than this host's 6.18
//! (docs/design/kernel-lowering.md), in one boot each of Debian 12's own
//! 6.1 kernel and of its backports kernel, 6.12 (`testkit::qemu`;
//! `scripts/fetch-backports-kernel.sh` extracts the latter without
//! installing it):
//!
//! * the `@kfunc` kernel module in the proposed project layout
//!   (`NAME.mod.c` beside a `kmod/` kbuild directory, so kbuild's own
//!   `*.mod.c` and `make clean` never touch it), one source for both
//!   kernels through feature tests of the headers, built by
//!   `Guest::build_kernel_module`, loaded by the sequence generated
//!   userspace is to follow (`kmod_loader.c`: finit_module or
//!   init_module before the BPF object, delete_module at exit only when
//!   it loaded the module), its kfunc called from XDP and TC; every
//!   failure with its message: module missing, already loaded by someone
//!   else, still held at exit, a program calling a kfunc with no module,
//!   a program calling the `@private` function; the program types each
//!   kernel lets a module register kfuncs for; and a 6.1-style id set
//!   (no BTF_SET8_KFUNCS flag) refused by 6.12;
//! * each kernel's verdict on the eBPF shapes, with verified instruction
//!   counts: the bpf_loop lowerings load and run on both, the open-coded
//!   iterator and bpf_obj_new need 6.4+ (6.1 cannot resolve their
//!   kfuncs), dynptr records and the cross-function throw convention
//!   load on both.
//!
//! The guests never touch the host kernel: no kernel lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::qemu::{
    copy_kfunc_fixture_module, skip_unless_guest, Batch, BatchOutput, Guest, Scratch,
};

fn lowering(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lowering")
        .join(rel)
}

/// Where `scripts/fetch-backports-kernel.sh` extracts the 6.12 kernel.
const BACKPORTS_KERNEL: &str = "/var/cache/kernelscript/backports-kernel";
/// Overrides [`BACKPORTS_KERNEL`].
const BACKPORTS_KERNEL_ENV: &str = "KS_BACKPORTS_KERNEL";

/// Lays out a project's module as the compiler is to generate it:
/// `DIR/ks_fixture.mod.c` (the fixture module's source) and `DIR/kmod/`
/// with the Kbuild file and the wrapper that includes it. Returns the
/// kbuild directory.
fn module_project(dir: &Path) -> PathBuf {
    let fixture = dir.join("fixture");
    copy_kfunc_fixture_module(&fixture).unwrap();
    std::fs::rename(
        fixture.join("ks_fixture_kfunc.c"),
        dir.join("ks_fixture.mod.c"),
    )
    .unwrap();
    let kmod = dir.join("kmod");
    std::fs::create_dir_all(&kmod).unwrap();
    for file in ["Kbuild", "ks_fixture_kfunc.c"] {
        std::fs::copy(lowering("kmod").join(file), kmod.join(file)).unwrap();
    }
    kmod
}

/// The registration probe module in `dir`; with `set8_only`, a variant
/// built as a 6.1-era module would be (`-DKS_SET8_ONLY`), named
/// `ks_kfunc_hooks_set8`.
fn hooks_module(dir: &Path, set8_only: bool) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let source = lowering("kmod/kfunc_hooks/ks_kfunc_hooks.c");
    if set8_only {
        std::fs::write(
            dir.join("Kbuild"),
            "obj-m := ks_kfunc_hooks_set8.o\nccflags-y := -DKS_SET8_ONLY\n",
        )
        .unwrap();
        std::fs::copy(&source, dir.join("ks_kfunc_hooks_set8.c")).unwrap();
    } else {
        std::fs::copy(lowering("kmod/kfunc_hooks/Kbuild"), dir.join("Kbuild")).unwrap();
        std::fs::copy(&source, dir.join("ks_kfunc_hooks.c")).unwrap();
    }
    dir.to_path_buf()
}

/// A clang that writes BTF type tags (kptrs), if one is installed.
fn type_tag_clang() -> Option<&'static str> {
    ["clang-16", "clang-17", "clang-18", "clang-19"]
        .into_iter()
        .find(|clang| Command::new(clang).arg("--version").output().is_ok())
}

/// Builds everything the script uses for `guest` and runs it.
fn run_in(guest: &Guest, purpose: &str) -> BatchOutput {
    let scratch = Scratch::new(purpose).expect("scratch directory");
    let dir = scratch.path();
    let build_module = |kbuild_dir: &Path| {
        guest
            .build_kernel_module(kbuild_dir)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let module = build_module(&module_project(&dir.join("project")));
    let hooks = build_module(&hooks_module(&dir.join("hooks"), false));
    let hooks_set8 = build_module(&hooks_module(&dir.join("hooks_set8"), true));
    let loader = dir.join("kmod_loader");
    guest
        .build_static_program(&lowering("kmod/kmod_loader.c"), &loader)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut batch = Batch::new(SCRIPT)
        .file("ks_fixture_kfunc.ko", &module)
        .file("ks_kfunc_hooks.ko", &hooks)
        .file("ks_kfunc_hooks_set8.ko", &hooks_set8)
        .file("kmod_loader", &loader);

    let tags = type_tag_clang();
    assert!(
        tags.is_some() || !testkit::kernel_required(),
        "no clang >= 15 for kptr fixtures: install clang-16"
    );
    let fixtures = testkit::qemu::fixtures_dir();
    let objects = [
        ("kfunc_xdp.o", fixtures.join("kfunc_xdp.bpf.c"), None),
        ("kfunc_tc.o", lowering("kmod/kfunc_tc.bpf.c"), None),
        (
            "kfunc_private.o",
            lowering("kmod/kfunc_private.bpf.c"),
            None,
        ),
        (
            "bcu_loop.o",
            lowering("loops/break_continue_bpf_loop.bpf.c"),
            None,
        ),
        (
            "bcu_iter.o",
            lowering("loops/break_continue_iter.bpf.c"),
            None,
        ),
        (
            "sum_loop.o",
            lowering("loops/loop_sum_bpf_loop.bpf.c"),
            None,
        ),
        ("sum_iter.o", lowering("loops/loop_sum_iter.bpf.c"), None),
        (
            "exits_loop.o",
            lowering("loops/loop_exits_bpf_loop.bpf.c"),
            None,
        ),
        (
            "exits_iter.o",
            lowering("loops/loop_exits_iter.bpf.c"),
            None,
        ),
        (
            "collatz_loop.o",
            lowering("loops/while_bpf_loop.bpf.c"),
            None,
        ),
        (
            "packet_loop.o",
            lowering("loops/packet_bpf_loop.bpf.c"),
            None,
        ),
        ("objects.o", lowering("objects/conn_tracker.bpf.c"), tags),
        ("records.o", lowering("dynptr/records.bpf.c"), None),
        ("chain.o", lowering("errors/chain.bpf.c"), None),
    ];
    for (name, source, clang) in objects {
        if source.ends_with("conn_tracker.bpf.c") && clang.is_none() {
            continue;
        }
        let object = dir.join(name);
        match clang {
            None => guest
                .build_bpf_object(&source, &object)
                .unwrap_or_else(|e| panic!("{e}")),
            Some(clang) => {
                let args = testkit::bpf_clang_args(&source, &object, &["-Wall", "-Werror"]);
                let status = Command::new(clang).args(&args).status().unwrap();
                assert!(status.success(), "{clang} {}", args.join(" "));
            }
        }
        batch = batch.file(name, &object);
    }
    for (name, section) in [
        ("hooks_tp.o", "tracepoint/syscalls/sys_enter_getpid"),
        ("hooks_xdp.o", "xdp"),
    ] {
        let object = dir.join(name);
        let define = format!("-DKS_SEC=\"{section}\"");
        let include = format!("-I{}", guest.include_dir().display());
        let source = lowering("kmod/kfunc_hooks/hooks_caller.bpf.c");
        testkit::build_bpf_object_with(&source, &object, &[&include, &define])
            .unwrap_or_else(|e| panic!("{e}"));
        batch = batch.file(name, &object);
    }
    let output = guest.run(&batch).unwrap_or_else(|e| panic!("{e}"));
    assert!(output.succeeded(), "{output}");
    output
}

const SCRIPT: &str = r#"
head -c 64 /dev/zero > packet.bin
# loadall NAME: loads every program of NAME.o with verifier stats, pinned
# under /sys/fs/bpf/NAME (maps under /sys/fs/bpf/NAME_maps); prints
# NAME_load=STATUS, NAME_insns=N,N,... in program order, and NAME_error=
# the first libbpf or verifier error line.
loadall() {
    bpftool -d prog loadall $1.o /sys/fs/bpf/$1 pinmaps /sys/fs/bpf/$1_maps > $1.log 2>&1
    echo "$1_load=$?"
    echo "$1_insns=$(sed -n 's/^processed \([0-9]*\) insns.*/\1/p' $1.log | tr '\n' ',' | sed 's/,$//')"
    echo "$1_error=$(grep -m1 -E 'not found in kernel|is not allowed|invalid|unknown func' $1.log)"
}
# run NAME PROG: runs a pinned program on packet.bin.
run() {
    echo "$1_$2_ret=$(bpftool prog run pinned /sys/fs/bpf/$1/$2 data_in packet.bin | sed -n 's/^Return value: \([0-9]*\).*/\1/p')"
}
# lookup NAME MAP LABEL KEY...: a map value as hex bytes.
lookup() {
    name=$1 map=$2 label=$3
    shift 3
    echo "${name}_${label}=$(bpftool -j map lookup pinned /sys/fs/bpf/${name}_maps/$map key "$@" | sed -n 's/.*"value":\[\([^]]*\)\].*/\1/p' | tr -d '" ')"
}
module() { test -e /sys/module/$1 && echo loaded || echo absent; }

echo "kernel=$(uname -r)"

# --- eBPF shapes ---
for shape in loop iter; do
    loadall bcu_$shape
    run bcu_$shape packet_filter
    run bcu_$shape packet_filter
    lookup bcu_$shape counter_map counted 0 0 0 0
    loadall sum_$shape
    run sum_$shape sum_const
    lookup sum_$shape totals total 0 0 0 0
    loadall exits_$shape
done
loadall collatz_loop
run collatz_loop collatz
loadall packet_loop
run packet_loop byte_sum
loadall objects
loadall records
loadall chain

# --- the kfunc module ---
# A program calling a kfunc whose module is not loaded.
cp kfunc_xdp.o nomodule.o
loadall nomodule
# The loader: a missing module file.
./kmod_loader file missing.ko ks_fixture_kfunc kfunc_xdp.o call_kfunc > missing.out 2> missing.err
echo "missing_status=$?"
echo "missing_err=$(cat missing.err)"
# Loaded and unloaded by the loader, with finit_module (XDP caller) and
# init_module (TC caller).
./kmod_loader file ks_fixture_kfunc.ko ks_fixture_kfunc kfunc_xdp.o call_kfunc > xdp.out 2>&1
echo "xdp_status=$?"
echo "xdp_out=$(tr '\n' ';' < xdp.out)"
echo "after_xdp=$(module ks_fixture_kfunc)"
./kmod_loader memory ks_fixture_kfunc.ko ks_fixture_kfunc kfunc_tc.o call_kfunc_tc > tc.out 2>&1
echo "tc_status=$?"
echo "tc_out=$(tr '\n' ';' < tc.out)"
echo "after_tc=$(module ks_fixture_kfunc)"
# Loaded by someone else: used, never unloaded.
insmod ks_fixture_kfunc.ko
echo "insmod_status=$?"
echo "module_btf=$(test -e /sys/kernel/btf/ks_fixture_kfunc && echo present || echo absent)"
./kmod_loader file ks_fixture_kfunc.ko ks_fixture_kfunc kfunc_xdp.o call_kfunc > theirs.out 2>&1
echo "theirs_status=$?"
echo "theirs_out=$(tr '\n' ';' < theirs.out)"
echo "after_theirs=$(module ks_fixture_kfunc)"
# The @private function is no kfunc.
cp kfunc_private.o private.o
loadall private
rmmod ks_fixture_kfunc
echo "rmmod_status=$?"
# Still held at exit: a pinned program keeps the module.
./kmod_loader file ks_fixture_kfunc.ko ks_fixture_kfunc kfunc_xdp.o call_kfunc /sys/fs/bpf/held > held.out 2> held.err
echo "held_status=$?"
echo "held_out=$(tr '\n' ';' < held.out)"
echo "held_err=$(cat held.err)"
rm /sys/fs/bpf/held
sleep 1
rmmod ks_fixture_kfunc
echo "held_rmmod_status=$?"

# The program types a module may register kfuncs for.
for type in 0 2 3 5 6 7 8 26 27 29 31; do
    insmod ks_kfunc_hooks.ko prog_type=$type 2> hooks.err
    echo "hooks_$type=$?"
    rmmod ks_kfunc_hooks 2> /dev/null
done
# A kfunc set without the BTF_SET8_KFUNCS flag.
insmod ks_kfunc_hooks_set8.ko prog_type=6 2> set8.err
echo "set8=$? $(cat set8.err)"
rmmod ks_kfunc_hooks_set8 2> /dev/null
# Who may call a set registered for XDP (6), or for UNSPEC (0) where the
# kernel takes that: a tracepoint program and an XDP program.
for type in 6 0; do
    if insmod ks_kfunc_hooks.ko prog_type=$type 2> /dev/null; then
        for caller in tp xdp; do
            cp hooks_$caller.o callers_${type}_$caller.o
            loadall callers_${type}_$caller
            rm -rf /sys/fs/bpf/callers_${type}_$caller /sys/fs/bpf/callers_${type}_${caller}_maps
        done
        sleep 1
        rmmod ks_kfunc_hooks
    fi
done
exit 0
"#;

/// Checks `expected` (key, value) against the script's `KEY=VALUE` lines,
/// all at once.
fn check(output: &BatchOutput, expected: &[(&str, String)]) {
    let actual: BTreeMap<&str, Option<String>> = expected
        .iter()
        .map(|(key, _)| (*key, output.value(key)))
        .collect();
    let expected: BTreeMap<&str, Option<String>> = expected
        .iter()
        .map(|(key, value)| (*key, Some(value.clone())))
        .collect();
    assert_eq!(actual, expected, "{output}");
}

/// Prints the verified instruction counts the script measured.
fn report(output: &BatchOutput, kernel: &str) {
    for line in output.script_output().lines() {
        if let Some((name, insns)) = line.split_once("_insns=") {
            println!("verified_insns {kernel} {name:<14} {insns}");
        }
    }
}

/// The verified instruction count of a loaded one-program object.
fn insns(output: &BatchOutput, name: &str) -> u32 {
    let value = output.value(&format!("{name}_insns")).unwrap_or_default();
    value
        .parse()
        .unwrap_or_else(|_| panic!("{name}_insns={value:?}\n{output}"))
}

/// What both kernels answer alike.
fn common_expectations() -> Vec<(&'static str, String)> {
    let s = |v: &str| v.to_string();
    vec![
        ("bcu_loop_load", s("0")),
        ("bcu_loop_packet_filter_ret", s("2")),
        // 25 odd numbers below 51 per run, two runs.
        ("bcu_loop_counted", s("0x32,0x00,0x00,0x00")),
        ("sum_loop_load", s("0")),
        ("sum_loop_sum_const_ret", s("2")),
        // 4999950000 = 0x1_2A05_2EB0.
        (
            "sum_loop_total",
            s("0xb0,0x2e,0x05,0x2a,0x01,0x00,0x00,0x00"),
        ),
        ("exits_loop_load", s("0")),
        ("collatz_loop_load", s("0")),
        ("collatz_loop_collatz_ret", s("2")),
        ("packet_loop_load", s("0")),
        ("packet_loop_byte_sum_ret", s("2")),
        ("records_load", s("0")),
        ("chain_load", s("0")),
        ("nomodule_load", s("255")),
        (
            "nomodule_error",
            s("libbpf: extern (func ksym) 'ks_fixture_mix': not found in kernel or module BTFs"),
        ),
        ("missing_status", s("1")),
        (
            "missing_err",
            s("kmod_loader: cannot open kernel module missing.ko: No such file or directory"),
        ),
        ("xdp_status", s("0")),
        (
            "xdp_out",
            s("module ks_fixture_kfunc: loaded;run call_kfunc 402;\
               module ks_fixture_kfunc: unloaded (1 retries);"),
        ),
        ("after_xdp", s("absent")),
        ("tc_status", s("0")),
        (
            "tc_out",
            s("module ks_fixture_kfunc: loaded;run call_kfunc_tc 307;\
               module ks_fixture_kfunc: unloaded (1 retries);"),
        ),
        ("after_tc", s("absent")),
        ("insmod_status", s("0")),
        ("module_btf", s("present")),
        ("theirs_status", s("0")),
        (
            "theirs_out",
            s("module ks_fixture_kfunc: already loaded, not ours;run call_kfunc 402;"),
        ),
        ("after_theirs", s("loaded")),
        ("private_load", s("255")),
        (
            "private_error",
            s("libbpf: extern (func ksym) 'ks_fixture_scale': not found in kernel or module BTFs"),
        ),
        ("rmmod_status", s("0")),
        ("held_status", s("0")),
        (
            "held_out",
            s("module ks_fixture_kfunc: loaded;run call_kfunc 402;\
               module ks_fixture_kfunc: stays loaded;"),
        ),
        (
            "held_err",
            s("kmod_loader: kernel module ks_fixture_kfunc stays loaded: \
               Resource temporarily unavailable"),
        ),
        ("held_rmmod_status", s("0")),
    ]
}

#[test]
fn kfunc_modules_and_lowered_shapes_in_the_6_1_guest() {
    let Some(guest) = skip_unless_guest() else {
        return;
    };
    let output = run_in(guest, "lowering-6.1");
    report(&output, guest.kernel_version());
    let s = |v: &str| v.to_string();
    let mut expected = common_expectations();
    expected.extend([
        ("kernel", s(guest.kernel_version())),
        // No open-coded iterators (6.4) and no bpf_obj_new (6.2) on 6.1:
        // libbpf cannot resolve the kfuncs, the object does not load.
        ("bcu_iter_load", s("255")),
        (
            "bcu_iter_error",
            s("libbpf: extern (func ksym) 'bpf_iter_num_destroy': not found in kernel or module BTFs"),
        ),
        ("objects_load", s("255")),
        (
            "objects_error",
            s("libbpf: extern (func ksym) 'bpf_obj_drop_impl': not found in kernel or module BTFs"),
        ),
        // 6.1 has kfunc hooks for XDP (6), SCHED_CLS (3), TRACING (26),
        // STRUCT_OPS (27), LSM (29) and SYSCALL (31) only: UNSPEC (0),
        // KPROBE (2), TRACEPOINT (5), PERF_EVENT (7) and CGROUP_SKB (8) are
        // EINVAL (22), and insmod fails.
        ("hooks_0", s("22")),
        ("hooks_2", s("22")),
        ("hooks_3", s("0")),
        ("hooks_5", s("22")),
        ("hooks_6", s("0")),
        ("hooks_7", s("22")),
        ("hooks_8", s("22")),
        ("hooks_26", s("0")),
        ("hooks_27", s("0")),
        ("hooks_29", s("0")),
        ("hooks_31", s("0")),
        // A set without the BTF_SET8_KFUNCS flag is what 6.1 knows.
        ("set8", s("0")),
        // Registered for XDP: a tracepoint program may not call it.
        ("callers_6_tp_load", s("255")),
        (
            "callers_6_tp_error",
            s("calling kernel function ks_hooks_answer is not allowed"),
        ),
        ("callers_6_xdp_load", s("0")),
    ]);
    check(&output, &expected);
    // Issue 9: break_continue_unbound in no more than the reference's 53.
    assert!(insns(&output, "bcu_loop") <= 53, "{output}");
}

#[test]
fn kfunc_modules_and_lowered_shapes_in_the_6_12_guest() {
    let root = std::env::var_os(BACKPORTS_KERNEL_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(BACKPORTS_KERNEL));
    let guest = match Guest::prepare_extracted(&root) {
        Ok(guest) => guest,
        Err(reason) => return println!("skipped: {reason}"),
    };
    let output = run_in(guest, "lowering-6.12");
    report(&output, guest.kernel_version());
    let s = |v: &str| v.to_string();
    let mut expected = common_expectations();
    expected.extend([
        ("kernel", s(guest.kernel_version())),
        ("bcu_iter_load", s("0")),
        ("bcu_iter_packet_filter_ret", s("2")),
        ("bcu_iter_counted", s("0x32,0x00,0x00,0x00")),
        ("sum_iter_load", s("0")),
        (
            "sum_iter_total",
            s("0xb0,0x2e,0x05,0x2a,0x01,0x00,0x00,0x00"),
        ),
        ("exits_iter_load", s("0")),
        ("objects_load", s("0")),
        // 6.12 accepts a kfunc set for every program type probed,
        // BPF_PROG_TYPE_UNSPEC (every type at once) included.
        ("hooks_0", s("0")),
        ("hooks_2", s("0")),
        ("hooks_3", s("0")),
        ("hooks_5", s("0")),
        ("hooks_6", s("0")),
        ("hooks_7", s("0")),
        ("hooks_8", s("0")),
        ("hooks_26", s("0")),
        ("hooks_27", s("0")),
        ("hooks_29", s("0")),
        ("hooks_31", s("0")),
        // A set without the BTF_SET8_KFUNCS flag: refused since 6.9, so a
        // module written for 6.1 does not load.
        (
            "set8",
            s("22 insmod: can't insert 'ks_kfunc_hooks_set8.ko': Invalid argument"),
        ),
        ("callers_6_tp_load", s("255")),
        (
            "callers_6_tp_error",
            s("calling kernel function ks_hooks_answer is not allowed"),
        ),
        ("callers_6_xdp_load", s("0")),
        // Registered for UNSPEC: callable from both.
        ("callers_0_tp_load", s("0")),
        ("callers_0_xdp_load", s("0")),
    ]);
    check(&output, &expected);
    assert!(insns(&output, "bcu_loop") <= 53, "{output}");
}

/// kbuild and the seed's `NAME.mod.c`: building a module from it in the
/// project directory works (`obj-m := NAME_kfuncs.o` with
/// `NAME_kfuncs-y := NAME.mod.o`; kbuild's own file is
/// `NAME_kfuncs.mod.c`), but kbuild's `make clean` deletes every `*.mod.c`
/// under `M`, the compiler's source included. In the `kmod/` layout,
/// `clean` leaves it alone. Builds on the host against the guest's
/// headers; no boot.
#[test]
fn kbuild_clean_deletes_mod_c_files_so_the_module_builds_in_a_kmod_directory() {
    let Some(guest) = skip_unless_guest() else {
        return;
    };
    let scratch = Scratch::new("kbuild-names").expect("scratch directory");
    let make = |dir: &Path, target: &str| {
        let output = Command::new("make")
            .arg("-s")
            .arg("-C")
            .arg(guest.headers_dir())
            .arg(format!("M={}", dir.display()))
            .arg(target)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "make {target} in {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    };

    // The flat layout: the module builds...
    let flat = scratch.path().join("flat");
    let kmod = module_project(&flat);
    std::fs::remove_dir_all(&kmod).unwrap();
    std::fs::write(
        flat.join("Kbuild"),
        "obj-m := ks_fixture_kfuncs.o\nks_fixture_kfuncs-y := ks_fixture.mod.o\n",
    )
    .unwrap();
    make(&flat, "modules");
    assert!(flat.join("ks_fixture_kfuncs.ko").is_file());
    assert!(
        flat.join("ks_fixture_kfuncs.mod.c").is_file(),
        "kbuild's own"
    );
    // ...and `make clean` deletes the compiler's source with kbuild's.
    make(&flat, "clean");
    assert!(!flat.join("ks_fixture_kfuncs.mod.c").exists());
    assert!(!flat.join("ks_fixture.mod.c").exists());

    // The kmod/ layout: clean leaves NAME.mod.c one directory up.
    let project = scratch.path().join("project");
    let kmod = module_project(&project);
    make(&kmod, "modules");
    assert!(kmod.join("ks_fixture_kfunc.ko").is_file());
    make(&kmod, "clean");
    assert!(!kmod.join("ks_fixture_kfunc.ko").exists());
    assert!(project.join("ks_fixture.mod.c").is_file());
}
