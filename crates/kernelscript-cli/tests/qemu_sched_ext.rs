//! sched_ext schedulers this compiler built, proved in a kernel that has
//! sched_ext: neither this machine's kernel nor Debian's own guest kernels
//! have `CONFIG_SCHED_CLASS_EXT`, so this test boots the minimal 6.12
//! kernel `scripts/build-guest-kernel.sh` builds (and caches outside the
//! repository) under qemu. Each program is compiled with
//! `kernelscript compile --btf-vmlinux-path` (that kernel's BTF) and built
//! with its generated Makefile, the loader linked statically; the
//! generated loader itself registers the scheduler in the guest. One boot:
//!
//! * `examples/sched_fifo_counter.ks` registers; while it runs the kernel
//!   says sched_ext is `enabled` with `fifo_counter` as the root scheduler
//!   and every task switched to it; forked processes make its `enqueue`
//!   and `running` methods count into a map main reads back; once it exits
//!   sched_ext is `disabled` again;
//! * with `KS_REFERENCE_EXAMPLES` set (the reference implementation's
//!   examples are not part of this repository), its
//!   `sched_ext_simple.ks`, as written with its `sched_ext_ops.kh`,
//!   registers and unregisters `simple_fifo`.
//!
//! Without the guest kernel the test prints `skipped: <reason>` (and fails
//! when `KS_REQUIRE_KERNEL=1`).

use std::path::{Path, PathBuf};

use testkit::qemu::{skip_unless_sched_ext_guest, Batch, Guest, Scratch};

const SCRIPT: &str = r#"
state() { cat /sys/kernel/sched_ext/state; }
echo "scx: kernel $(uname -r) state $(state)"

./counter --enqueues=300 --seconds=30 > counter.out 2>&1 &
pid=$!
ks-wait-for counter.out "registered fifo_counter" $pid
echo "counter: state $(state) ops $(cat /sys/kernel/sched_ext/root/ops) switch_all $(cat /sys/kernel/sched_ext/switch_all)"
# Work for the scheduler: processes that fork and spin.
workers=""
for n in 1 2 3 4 5 6 7 8; do
    (i=0; while [ $i -lt 300 ]; do i=$((i + 1)); done; ls / > /dev/null) &
    workers="$workers $!"
done
wait $workers
wait $pid
echo "counter: status $?"
sed 's/^/counter: /' counter.out
echo "counter: state after $(state)"

if [ -x ./simple ]; then
    before=$(cat /sys/kernel/sched_ext/enable_seq)
    ./simple > simple.out 2>&1
    echo "simple: status $?"
    sed 's/^/simple: /' simple.out
    echo "simple: enabled $(( $(cat /sys/kernel/sched_ext/enable_seq) - before )) times, state after $(state)"
fi
dmesg | sed -n 's/^[^a-z]*sched_ext: \(BPF scheduler ".*\|[a-z_]*: .*\)/kernel: \1/p'
"#;

fn lines_of<'a>(output: &'a str, prefix: &str) -> Vec<&'a str> {
    let prefix = format!("{prefix}: ");
    output
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .collect()
}

fn build(guest: &Guest, source: &Path, out_dir: &Path) -> PathBuf {
    guest
        .build_generated(
            Path::new(env!("CARGO_BIN_EXE_kernelscript")),
            source,
            out_dir,
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .binary
        .expect("the program has a main")
}

#[test]
fn sched_ext_schedulers_built_by_the_compiler_register_and_schedule_in_the_guest() {
    let Some(guest) = skip_unless_sched_ext_guest() else {
        return;
    };
    let scratch = Scratch::new("cli-sched-ext").expect("scratch directory");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let counter = build(
        guest,
        &examples.join("sched_fifo_counter.ks"),
        &scratch.path().join("counter"),
    );
    let mut batch = Batch::new(SCRIPT).file("counter", &counter);
    let reference = std::env::var_os("KS_REFERENCE_EXAMPLES").map(PathBuf::from);
    if let Some(dir) = &reference {
        let simple = build(
            guest,
            &dir.join("sched_ext_simple.ks"),
            &scratch.path().join("simple"),
        );
        batch = batch.file("simple", &simple);
    } else {
        println!("sched_ext_simple.ks skipped: KS_REFERENCE_EXAMPLES not set");
    }
    let output = guest.run(&batch).unwrap_or_else(|e| panic!("{e}"));
    assert!(output.succeeded(), "{output}");
    let script_output = output.script_output();
    assert_eq!(
        lines_of(&script_output, "scx"),
        [format!("kernel {} state disabled", guest.kernel_version())],
        "{output}"
    );
    let counter_lines = lines_of(&script_output, "counter");
    assert!(counter_lines.len() == 5, "{output}");
    assert_eq!(
        counter_lines[..3],
        [
            "state enabled ops fifo_counter switch_all 1",
            "status 0",
            "registered fifo_counter",
        ],
        "{output}"
    );
    // `enqueued: N started: M`: at least what main waited for.
    let counts: Vec<u64> = counter_lines[3]
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    assert!(
        counter_lines[3].starts_with("enqueued: ")
            && counts.len() == 2
            && counts[0] >= 300
            && counts[1] > 0,
        "{output}"
    );
    assert_eq!(counter_lines[4..], ["state after disabled"], "{output}");
    let kernel = lines_of(&script_output, "kernel");
    assert!(kernel.len() >= 2, "{output}");
    assert_eq!(
        kernel[..2],
        [
            r#"BPF scheduler "fifo_counter" enabled"#,
            r#"BPF scheduler "fifo_counter" disabled (unregistered from user space)"#,
        ],
        "{output}"
    );
    if reference.is_none() {
        assert_eq!(kernel.len(), 2, "{output}");
    } else {
        assert_eq!(
            lines_of(&script_output, "simple"),
            [
                "status 0",
                "Simple FIFO scheduler registered successfully",
                "enabled 1 times, state after disabled",
            ],
            "{output}"
        );
        assert!(
            kernel.len() >= 4 && kernel[2] == r#"BPF scheduler "simple_fifo" enabled"#,
            "{output}"
        );
        // Its dispatch consumes SCX_DSQ_GLOBAL, which 6.12 refuses (the
        // kernel hands that queue to CPUs itself): the first time a CPU
        // has nothing queued, the kernel ends the scheduler, naming the
        // queue id the program passed (`SCX_DSQ_GLOBAL`, a constant of an
        // unsigned 64-bit enum). If the loader exits before, it is
        // unregistered instead.
        let ended = &kernel[3..];
        assert!(
            ended == [r#"BPF scheduler "simple_fifo" disabled (unregistered from user space)"#]
                || (ended.len() == 2
                    && ended[0] == r#"BPF scheduler "simple_fifo" disabled (runtime error)"#
                    && ended[1].starts_with("simple_fifo: ")
                    && ended[1].contains("invalid DSQ ID 0x8000000000000001")),
            "{output}"
        );
    }
    println!(
        "guest kernel {} prepared in {:?}; boot and run took {:?}",
        guest.kernel_version(),
        guest.preparation_time(),
        output.elapsed
    );
}
