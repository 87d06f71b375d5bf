//! The kernel in the compiler, on this machine's kernel (6.18, its BTF at
//! `/sys/kernel/btf/vmlinux`):
//!
//! * the programs issue 8 names build as written — an fentry program
//!   reading `name->name` of its `*filename` parameter, a tracepoint on
//!   `sched/sched_wakeup` reading `ctx->pid` without declaring a struct
//!   (which also runs here and counts wakeups), a perf_event program
//!   calling `bpf_get_stack` and recording stacks in a `stack_trace` map
//!   read back by userspace, and `@kprobe("do_unlinkat")` with typed
//!   parameters — each with its kernel header `NAME.vmlinux.h` from BTF,
//!   never `vmlinux.h`;
//! * `kernelscript init TYPE demo` + `kernelscript build demo/demo.ks`
//!   succeeds for every type; the kinds this kernel loads run here (XDP and
//!   TC on `lo`, the tracepoint, the uprobe, cgroup_skb with real traffic,
//!   perf_event stacks, and the `tcp_congestion_ops` one registers); the
//!   fentry, kprobe and LSM projects run in the qemu tier
//!   (`qemu_guest.rs`);
//! * unknown tracepoints, functions, hooks and struct_ops types get close
//!   matches; `init --kfuncs` lists kfuncs with prototypes;
//!   `--btf-vmlinux-path` errors are clear.
//!
//! Kernel tests run one at a time (`testkit::skip_unless_capable`); without
//! root or `bpf()` they print `skipped: <reason>`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{build, text};

const SUITE: &str = "kernel-knowledge";

fn kernelscript() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kernelscript"))
}

/// The kernel header a built project has, and that it has no `vmlinux.h`.
fn assert_minimal_header(dir: &Path, name: &str) -> usize {
    let out = dir.join("out");
    assert!(
        !out.join("vmlinux.h").exists(),
        "no vmlinux.h may be generated"
    );
    let ebpf_c = std::fs::read_to_string(out.join(format!("{name}.ebpf.c"))).expect("the eBPF C");
    assert!(
        ebpf_c.contains(&format!("#include \"{name}.vmlinux.h\""))
            && !ebpf_c.contains("\"vmlinux.h\""),
        "{ebpf_c}"
    );
    let header =
        std::fs::read_to_string(out.join(format!("{name}.vmlinux.h"))).expect("the kernel header");
    header.len()
}

const FENTRY_FILENAME: &str = r#"
var last: array<u32, u64>(1)

@probe("do_unlinkat")
fn on_unlink(dfd: i32, name: *filename) -> i32 {
    var text: str(32) = ""
    bpf_probe_read_kernel_str(&text, 32, name->name)
    last[0] = text[0] as u64
    return 0
}
"#;

const KPROBE_TYPED: &str = r#"
var unlinks: array<u32, u64>(1)

@kprobe("do_unlinkat")
fn on_unlink(dfd: i32, name: *filename) -> i32 {
    if (dfd != 0 && name != null) {
        unlinks[0] += 1
    }
    return 0
}
"#;

const PERF_STACKS: &str = r#"
var stacks : stack_trace<u32, u64[127]>(1024)
var by_stack : hash<u32, u64>(1024)
var deepest : array<u32, u64>(1)

@perf_event
fn on_sample(ctx: *bpf_perf_event_data) -> i32 {
    var frames: u64[32] = []
    var bytes = bpf_get_stack(ctx, &frames, 256, 0)
    if (bytes > 0 && bytes as u64 / 8 > deepest[0]) {
        deepest[0] = bytes as u64 / 8
    }
    var id = bpf_get_stackid(ctx, stacks, 0)
    if (id >= 0) {
        by_stack[id as u32] += 1
    }
    return 0
}

fn main() -> i32 {
    var prog = load(on_sample)
    attach(prog, "cpu-clock", 499)
    var spin: u64 = 0
    for (i in 0..3000000) {
        spin += i as u64
    }
    sleep(200)
    var read_back: u32 = 0
    for (id, count) in by_stack {
        var stack = stacks[id]
        if (stack[0] != 0) {
            read_back += 1
        }
    }
    print("stacks read back: %u, bpf_get_stack frames: %llu, spin %llu", read_back, deepest[0], spin)
    return 0
}
"#;

const WAKEUPS: &str = r#"
var wakeups : hash<u32, u64>(1024)

@tracepoint("sched/sched_wakeup")
fn on_wakeup(ctx: *trace_event_raw_sched_wakeup) -> i32 {
    wakeups[ctx->pid as u32] += 1
    return 0
}

fn main() -> i32 {
    attach(load(on_wakeup), "", 0)
    for (i in 0..20) {
        sleep(10)
    }
    var total: u64 = 0
    for (pid, count) in wakeups {
        total += count
    }
    print("wakeups: %llu", total)
    return 0
}
"#;

/// Records, for every process that calls getppid(), its parent's tgid
/// read through two kernel pointers (`task->real_parent->tgid`, CO-RE
/// probe reads), a bitfield of its task (`in_execve`, 0 outside execve),
/// and both commands: whole arrays copied out of kernel memory into a
/// local and into a struct field.
const PARENTS: &str = r#"
struct Names {
    own: char[16],
    parent: char[16],
}

var parents : hash<u32, u32>(1024)
var in_execve : hash<u32, u32>(1024)
var names : hash<u32, Names>(1024)

@tracepoint("syscalls/sys_enter_getppid")
fn on_getppid(ctx: *trace_event_raw_sys_enter) -> i32 {
    var task = bpf_get_current_task() as *task_struct
    var tgid = task->tgid as u32
    parents[tgid] = task->real_parent->tgid as u32
    in_execve[tgid] = task->in_execve
    var own = task->comm
    names[tgid] = Names { own: own, parent: task->real_parent->comm }
    return 0
}

fn main() -> i32 {
    attach(load(on_getppid), "", 0)
    print("attached")
    sleep(1500)
    for (tgid, parent) in parents {
        var n = names[tgid]
        print("%u %u %u %s %s", tgid, parent, in_execve[tgid], n.own, n.parent)
    }
    return 0
}
"#;

/// The number after `label` in `line`.
fn number_after(output: &str, label: &str) -> u64 {
    output
        .split(label)
        .nth(1)
        .and_then(|rest| {
            rest.trim_start()
                .split(|c: char| !c.is_ascii_digit())
                .next()
        })
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_else(|| panic!("no `{label}` number in {output:?}"))
}

fn mount_tracefs() {
    if !Path::new("/sys/kernel/tracing/events").exists() {
        let _ = Command::new("mount")
            .args(["-t", "tracefs", "nodev", "/sys/kernel/tracing"])
            .status();
    }
}

#[test]
fn the_programs_of_the_issue_build_as_written_with_their_own_kernel_header() {
    for (name, source) in [
        ("fentry_filename", FENTRY_FILENAME),
        ("kprobe_typed", KPROBE_TYPED),
        ("perf_stacks", PERF_STACKS),
        ("wakeups", WAKEUPS),
    ] {
        let project = build(SUITE, name, source);
        let size = assert_minimal_header(&project.dir, name);
        assert!(size < 200_000, "{name}.vmlinux.h is {size} bytes");
        let ebpf_c =
            std::fs::read_to_string(project.dir.join("out").join(format!("{name}.ebpf.c")))
                .unwrap();
        match name {
            "fentry_filename" => assert!(ebpf_c.contains("BPF_CORE_READ(name, name)"), "{ebpf_c}"),
            "kprobe_typed" => assert!(
                ebpf_c.contains("int BPF_KPROBE(on_unlink, __s32 dfd, struct filename *name)"),
                "{ebpf_c}"
            ),
            _ => {}
        }
    }
}

#[test]
fn a_tracepoint_on_sched_wakeup_reads_its_context_and_counts_wakeups() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    mount_tracefs();
    let project = build(SUITE, "wakeups_run", WAKEUPS);
    let output = Command::new(&project.binary).output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    // Twenty sleeps wake this process up twenty times at least.
    assert!(number_after(&stdout, "wakeups:") >= 20, "{stdout}");
}

#[test]
fn co_re_reads_through_kernel_pointers_give_the_kernels_values() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    mount_tracefs();
    let project = build(SUITE, "parents", PARENTS);
    let ebpf_c = std::fs::read_to_string(project.dir.join("out/parents.ebpf.c")).unwrap();
    assert!(
        ebpf_c.contains("BPF_CORE_READ(task, real_parent, tgid)")
            && ebpf_c.contains("BPF_CORE_READ_BITFIELD_PROBED(task, in_execve)")
            && ebpf_c.contains("BPF_CORE_READ_INTO(&own, task, comm)"),
        "{ebpf_c}"
    );
    let mut child = Command::new(&project.binary)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("attached") {
        let mut byte = [0u8; 1];
        use std::io::Read;
        if stdout.read(&mut byte).expect("read") == 0 {
            break;
        }
        seen.push(byte[0]);
    }
    // getppid() of this test process, while the program is attached.
    let parent = std::os::unix::process::parent_id();
    let mut rest = String::new();
    use std::io::Read;
    stdout.read_to_string(&mut rest).expect("read");
    assert!(child.wait().expect("wait").success());
    let me = std::process::id();
    let line = rest
        .lines()
        .find(|line| line.split(' ').next() == Some(&me.to_string()))
        .unwrap_or_else(|| panic!("no record of process {me}: {rest}"));
    // The command of the calling thread (the test's; the kernel keeps 15
    // bytes and a NUL), and of the parent process.
    let comm = |path: String| {
        std::fs::read_to_string(path)
            .expect("comm")
            .trim_end()
            .to_string()
    };
    let own = comm("/proc/thread-self/comm".to_string());
    let parent_comm = comm(format!("/proc/{parent}/comm"));
    assert_eq!(
        line,
        format!("{me} {parent} 0 {own} {parent_comm}"),
        "{rest}"
    );
}

#[test]
fn a_perf_event_program_records_stacks_userspace_reads_back() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "perf_stacks_run", PERF_STACKS);
    let output = Command::new(&project.binary).output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(number_after(&stdout, "stacks read back:") > 0, "{stdout}");
    assert!(
        number_after(&stdout, "bpf_get_stack frames:") > 0,
        "{stdout}"
    );
}

/// `kernelscript init TYPE NAME` in a fresh directory, then `kernelscript
/// build NAME/NAME.ks`; returns the directory and the binary.
fn init_and_build(dir: &Path, ty: &str, name: &str) -> PathBuf {
    let init = kernelscript()
        .args(["init", ty, name])
        .current_dir(dir)
        .output()
        .expect("run kernelscript init");
    assert!(init.status.success(), "init {ty}: {}", text(&init.stderr));
    let project = dir.join(name);
    assert!(project.join("README.md").is_file());
    let built = kernelscript()
        .arg("build")
        .arg(project.join(format!("{name}.ks")))
        .arg("-o")
        .arg(project.join("out"))
        .current_dir(dir)
        .output()
        .expect("run kernelscript build");
    assert!(
        built.status.success(),
        "build of init {ty}: {}",
        text(&built.stderr)
    );
    assert!(!project.join("out").join("vmlinux.h").exists());
    project.join("out").join(name)
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("ks-{SUITE}-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(binary: &Path, args: &[&str]) -> Output {
    let output = Command::new(binary).args(args).output().expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{} {args:?}: {}{}",
        binary.display(),
        text(&output.stdout),
        text(&output.stderr)
    );
    output
}

/// The count at the end of the last line a project printed.
fn last_count(output: &Output) -> u64 {
    let stdout = text(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default().to_string();
    last.split(|c: char| !c.is_ascii_digit())
        .find(|part| !part.is_empty())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_else(|| panic!("no count in {stdout:?}"))
}

#[test]
fn init_projects_of_every_type_build_and_those_this_kernel_allows_run() {
    let scratch = Scratch::new("init");
    let types = [
        ("xdp", "demo_xdp"),
        ("tc", "demo_tc"),
        ("kprobe", "demo_kprobe"),
        ("uprobe", "demo_uprobe"),
        ("tracepoint/sched/sched_wakeup", "demo_tracepoint"),
        ("lsm/file_open", "demo_lsm"),
        ("cgroup_skb", "demo_cgroup_skb"),
        ("perf_event", "demo_perf_event"),
        ("fentry/do_unlinkat", "demo_fentry"),
        ("tcp_congestion_ops", "demo_cc"),
    ];
    let mut binaries = std::collections::BTreeMap::new();
    for (ty, name) in types {
        binaries.insert(name, init_and_build(&scratch.0, ty, name));
    }
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    mount_tracefs();
    // XDP and TC on loopback (its traffic is not needed to load, attach
    // and detach).
    run(&binaries["demo_xdp"], &["--interface=lo", "--seconds=1"]);
    run(&binaries["demo_tc"], &["--interface=lo", "--seconds=1"]);
    // The tracepoint counts the wakeups of its own sleeps.
    let output = run(&binaries["demo_tracepoint"], &["--seconds=2"]);
    assert!(last_count(&output) > 0, "{}", text(&output.stdout));
    // The uprobe sees its own heartbeat calls.
    let output = run(&binaries["demo_uprobe"], &["--seconds=2"]);
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("calls: 2  seen by the uprobe: 2"),
        "{stdout}"
    );
    // Stacks of the CPU the test spins on.
    let output = run(&binaries["demo_perf_event"], &["--seconds=1"]);
    assert!(last_count(&output) > 0, "{}", text(&output.stdout));
    // cgroup_skb on the cgroup v2 root counts this process's UDP packets.
    let child = Command::new(&binaries["demo_cgroup_skb"])
        .arg("--seconds=2")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run the cgroup_skb program");
    std::thread::sleep(std::time::Duration::from_millis(700));
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("udp socket");
    for _ in 0..20 {
        socket
            .send_to(b"kernelscript", "127.0.0.1:9")
            .expect("send");
    }
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0));
    let stdout = text(&output.stdout);
    assert!(number_after(&stdout, "packets:") >= 20, "{stdout}");
    // The congestion control registers while the program runs.
    let mut child = Command::new(&binaries["demo_cc"])
        .arg("--seconds=2")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run the struct_ops program");
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let available = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_available_congestion_control")
        .unwrap_or_default();
    let status = child.wait().expect("wait");
    assert!(status.success());
    assert!(
        available.split_whitespace().any(|name| name == "demo_cc"),
        "registered: {available}"
    );
}

#[test]
fn unknown_init_names_get_close_matches() {
    let scratch = Scratch::new("init-errors");
    for (ty, expected) in [
        (
            "tracepoint/sched/sched_wakup",
            "the kernel has no tracepoint `sched/sched_wakup`; did you mean `sched_wakeup`",
        ),
        (
            "lsm/file_opn",
            "the kernel has no LSM hook `file_opn`; did you mean `file_open`",
        ),
        (
            "fentry/do_unlnkat",
            "the kernel's BTF has no function `do_unlnkat`; did you mean `do_unlinkat`",
        ),
        ("tcp_congestion_op", "did you mean `tcp_congestion_ops`"),
        ("xpd", "did you mean `xdp`"),
    ] {
        let output = kernelscript()
            .args(["init", ty, "demo"])
            .current_dir(&scratch.0)
            .output()
            .expect("run init");
        assert_eq!(output.status.code(), Some(1));
        let stderr = text(&output.stderr);
        assert!(stderr.contains(expected), "{ty}: {stderr}");
        assert!(!scratch.0.join("demo").exists(), "nothing written for {ty}");
    }
}

#[test]
fn init_kfuncs_lists_the_kernels_kfuncs_with_prototypes() {
    let output = kernelscript()
        .args(["init", "--kfuncs"])
        .output()
        .expect("run init --kfuncs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let listing = text(&output.stdout);
    assert!(
        listing.lines().any(|line| line
            == "extern bpf_task_acquire(p: *task_struct) -> *task_struct  // struct task_struct *bpf_task_acquire(struct task_struct *p)"),
        "{listing}"
    );
    // The listed declarations check against the kernel.
    let scratch = Scratch::new("kfuncs");
    let externs: String = listing
        .lines()
        .filter(|line| line.starts_with("extern "))
        .map(|line| format!("{}\n", line.split("  //").next().unwrap()))
        .collect();
    let file = scratch.0.join("kfuncs.ks");
    std::fs::write(&file, externs).unwrap();
    let checked = kernelscript().arg("check").arg(&file).output().unwrap();
    assert!(checked.status.success(), "{}", text(&checked.stderr));
}

#[test]
fn btf_paths_that_are_not_kernel_btf_are_clear_errors() {
    let scratch = Scratch::new("btf-path");
    let source = scratch.0.join("p.ks");
    std::fs::write(
        &source,
        "@xdp fn f(ctx: *xdp_md) -> xdp_action { return XDP_PASS }\n",
    )
    .unwrap();
    let garbage = scratch.0.join("garbage.btf");
    std::fs::write(&garbage, b"not btf at all").unwrap();
    for (path, expected) in [
        (
            scratch.0.join("missing").display().to_string(),
            "cannot read the kernel BTF",
        ),
        (garbage.display().to_string(), "is not usable kernel BTF"),
    ] {
        let output = kernelscript()
            .arg("check")
            .arg("--btf-vmlinux-path")
            .arg(&path)
            .arg(&source)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(
            text(&output.stderr).contains(expected),
            "{}",
            text(&output.stderr)
        );
    }
    // The running kernel's BTF, named explicitly, checks the same program.
    let output = kernelscript()
        .args(["check", "--btf-vmlinux-path", "/sys/kernel/btf/vmlinux"])
        .arg(&source)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
}
