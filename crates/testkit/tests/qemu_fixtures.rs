//! The qemu guest tier's own proof, with a hand-written fixture (the
//! program kinds the compiler builds — fentry, fexit, kprobe, kretprobe,
//! LSM, struct_ops — are proved with compiler-built programs in
//! kernelscript-cli's `tests/qemu_guest.rs`). One boot of the Debian 6.1
//! guest checks what this machine's kernel refuses: a kernel module built
//! out of tree by `Guest::build_kernel_module` (module BTF by pahole, ids
//! by resolve_btfids) is inserted and registers a kfunc; an XDP program
//! calling it returns the kfunc's result under `bpftool prog run`.
//!
//! Two more boots prove the runner itself: a script's exit status and
//! output come back, and a guest that outlives its timeout is killed with
//! nothing left behind.
//!
//! The fixtures live in `tests/data/qemu/`. Without the guest's packages
//! the test prints `skipped: <reason>` (and fails when
//! `KS_REQUIRE_KERNEL=1`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use std::time::Duration;

use testkit::qemu::{
    copy_kfunc_fixture_module, fixtures_dir, skip_unless_guest, Batch, GuestExit, Scratch,
};

fn fixture(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

/// Runs in the guest; every check prints `KEY=VALUE`.
const SCRIPT: &str = r#"
# The kfunc module.
insmod ks_fixture_kfunc.ko
echo "insmod=$?"
test -e /sys/kernel/btf/ks_fixture_kfunc && echo module_btf=present || echo module_btf=missing
bpftool prog load kfunc_xdp.o /sys/fs/bpf/kfunc_xdp
echo "kfunc_load=$?"
echo "kfunc_retval=$(bpftool prog run pinned /sys/fs/bpf/kfunc_xdp data_in packet.bin | sed -n 's/^Return value: \([0-9]*\).*/\1/p')"

"#;

#[test]
fn a_kfunc_module_built_out_of_tree_serves_an_xdp_program_in_the_guest() {
    let Some(guest) = skip_unless_guest() else {
        return;
    };
    let scratch = Scratch::new("fixtures").expect("scratch directory");
    let module_dir = scratch.path().join("module");
    copy_kfunc_fixture_module(&module_dir).unwrap();
    let module = guest
        .build_kernel_module(&module_dir)
        .unwrap_or_else(|e| panic!("{e}"));
    let kfunc_xdp = scratch.path().join("kfunc_xdp.o");
    guest
        .build_bpf_object(&fixture("kfunc_xdp.bpf.c"), &kfunc_xdp)
        .unwrap_or_else(|e| panic!("{e}"));

    let batch = Batch::new(SCRIPT)
        .file("ks_fixture_kfunc.ko", &module)
        .file("kfunc_xdp.o", &kfunc_xdp)
        .bytes("packet.bin", 0o644, vec![0u8; 64]);
    let output = guest.run(&batch).unwrap_or_else(|e| panic!("{e}"));
    assert!(output.succeeded(), "{output}");

    let expected = [
        ("insmod", "0"),
        ("module_btf", "present"),
        ("kfunc_load", "0"),
        // ks_fixture_mix(4, 2) = 4 * 100 + 2.
        ("kfunc_retval", "402"),
    ];
    let actual: BTreeMap<&str, Option<String>> = expected
        .iter()
        .map(|(key, _)| (*key, output.value(key)))
        .collect();
    let expected: BTreeMap<&str, Option<String>> = expected
        .iter()
        .map(|(key, value)| (*key, Some(value.to_string())))
        .collect();
    assert_eq!(actual, expected, "{output}");
}

/// The initrd paths of the running qemu processes this test process started.
fn initrds_of_our_qemu_processes() -> Vec<PathBuf> {
    let marker = format!("ks-qemu-{}-", std::process::id());
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| std::fs::read(entry.ok()?.path().join("cmdline")).ok())
        .filter_map(|cmdline| {
            let args: Vec<String> = cmdline
                .split(|&b| b == 0)
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect();
            let initrd = args.iter().skip_while(|arg| *arg != "-initrd").nth(1)?;
            (args[0].contains("qemu-system") && initrd.contains(&marker))
                .then(|| PathBuf::from(initrd))
        })
        .collect()
}

#[test]
fn the_scripts_status_files_and_output_come_back() {
    let Some(guest) = skip_unless_guest() else {
        return;
    };
    let batch = Batch::new("cat /t/dir/note.txt\nls -l /t/tool | cut -c1-10\nuname -r\nexit 7\n")
        .bytes("dir/note.txt", 0o644, "a note\n")
        .bytes("tool", 0o755, "#!/bin/sh\n");
    let output = guest.run(&batch).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.exit, GuestExit::Script(7), "{output}");
    assert!(!output.succeeded());
    assert_eq!(
        output.script_output(),
        format!("a note\n-rwxr-xr-x\n{}\n", guest.kernel_version()),
        "{output}"
    );
}

#[test]
fn a_guest_past_its_timeout_is_killed_and_leaves_nothing_behind() {
    let Some(guest) = skip_unless_guest() else {
        return;
    };
    let batch = Batch::new("echo sleeping\nsleep 1000\n").timeout(Duration::from_secs(12));
    let output = guest.run(&batch).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.exit, GuestExit::TimedOut, "{output}");
    assert!(output.elapsed < Duration::from_secs(20), "{output}");
    // Other tests of this process may be booting meanwhile, each with its
    // initrd in place until its qemu has been reaped; a qemu that outlived
    // its run would name an initrd already deleted.
    for initrd in initrds_of_our_qemu_processes() {
        assert!(
            initrd.exists(),
            "a qemu outlived its run: {}",
            initrd.display()
        );
    }
    assert_eq!(output.script_output(), "sleeping\n", "{output}");
}
