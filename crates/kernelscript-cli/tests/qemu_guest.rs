//! Programs this compiler built, proved in a second kernel: this machine's
//! kernel refuses fentry, fexit and LSM programs and has no kprobes, so
//! these tests boot Debian's 6.1 kernel under qemu (`testkit::qemu`). Each
//! `.ks` source is compiled with `kernelscript compile --btf-vmlinux-path`
//! (the guest's BTF: the program is checked against the guest kernel and
//! its kernel header written from it), built with its generated Makefile
//! with the userspace program linked statically, and the generated program
//! itself runs in the guest: it loads, attaches, waits for the counts the
//! script's actions cause and prints them. One boot runs every program:
//!
//! * an LSM program on `file_open` denies opening one file and allows
//!   another; fentry and fexit programs on `do_sys_openat2` count opens
//!   (reading the user's file name), a kprobe and a kretprobe on
//!   `do_unlinkat` with typed parameters count unlinks (reading the kernel's
//!   `filename`) and the successful ones;
//! * `@probe("do_unlinkat")` (fentry) and `@probe("do_unlinkat+0")`
//!   (kprobe at an offset) count five unlinks;
//! * the projects `kernelscript init` writes for `fentry/do_unlinkat`,
//!   `kprobe` and `lsm/file_open` (built against the guest's BTF) attach
//!   and count;
//! * a `@struct_ops("tcp_congestion_ops")` implementation is registered,
//!   made the default congestion control, and its `init` runs for both
//!   ends of a loopback TCP connection;
//! * an `@xdp` program calling an `extern` kfunc of testkit's fixture
//!   module (built by `Guest::build_kernel_module`, inserted with insmod)
//!   stores the kfunc's result in a map; bpftool loads the object, runs the
//!   program and reads the map.
//!
//! Without the guest's packages the test prints `skipped: <reason>` (and
//! fails when `KS_REQUIRE_KERNEL=1`).

use std::path::{Path, PathBuf};

use testkit::qemu::{
    copy_kfunc_fixture_module, skip_unless_guest, Batch, GeneratedBuild, Guest, Scratch,
};

/// fentry and kprobe on the same function; main waits until both have
/// counted `--calls` calls (at most 10 s), then prints the counts.
const UNLINKS: &str = r#"
var counts : hash<u32, u64>(4)

@probe("do_unlinkat")
fn on_unlink(dfd: i32) -> i32 {
    counts[0] += 1
    return 0
}

@probe("do_unlinkat+0")
fn on_unlink_kprobe() -> i32 {
    counts[1] += 1
    return 0
}

struct Args {
    calls: u64,
}

fn main(args: Args) -> i32 {
    var fentry = load(on_unlink)
    var kprobe = load(on_unlink_kprobe)
    attach(fentry, "", 0)
    attach(kprobe, "", 0)
    print("attached")
    var waited: u32 = 0
    while (waited < 200 && (counts[0] < args.calls || counts[1] < args.calls)) {
        sleep(50)
        waited += 1
    }
    print("fentry:", counts[0], "kprobe:", counts[1])
    return 0
}
"#;

/// LSM, fentry, fexit, kprobe and kretprobe with the kernel's types: main
/// waits until the counts the script causes are in (at most 20 s), then
/// prints them.
const TRACING: &str = r#"
var counts : array<u32, u64>(5)

// Whether the user's file name starts with "ks-open".
@helper
fn counted_open(filename: *char) -> bool {
    var name: str(8) = ""
    bpf_probe_read_user_str(&name, 8, filename)
    return name == "ks-open"
}

@lsm("file_open")
fn deny_marked_open(file: *file) -> i32 {
    var name: str(16) = ""
    bpf_probe_read_kernel_str(&name, 16, file->f_path.dentry->d_name.name)
    if (name == "ks-lsm-denied") {
        counts[0] += 1
        return -1
    }
    return 0
}

@probe("do_sys_openat2")
fn count_open(dfd: i32, filename: *char) -> i32 {
    if (counted_open(filename)) {
        counts[1] += 1
    }
    return 0
}

@fexit("do_sys_openat2")
fn count_open_exit(dfd: i32, filename: *char, how: *open_how, ret: i64) -> i32 {
    if (ret >= 0 && counted_open(filename)) {
        counts[2] += 1
    }
    return 0
}

@kprobe("do_unlinkat")
fn count_unlink(dfd: i32, name: *filename) -> i32 {
    var text: str(10) = ""
    bpf_probe_read_kernel_str(&text, 10, name->name)
    if (text == "ks-unlink") {
        counts[3] += 1
    }
    return 0
}

@kretprobe("do_unlinkat")
fn count_unlink_return(ret: i32) -> i32 {
    if (ret == 0) {
        counts[4] += 1
    }
    return 0
}

struct Args {
    opens: u64,
    unlinks: u64,
    unlinked: u64,
}

fn main(args: Args) -> i32 {
    attach(load(deny_marked_open), "", 0)
    attach(load(count_open), "", 0)
    attach(load(count_open_exit), "", 0)
    attach(load(count_unlink), "", 0)
    attach(load(count_unlink_return), "", 0)
    print("attached")
    var waited: u32 = 0
    while (waited < 400 && (counts[0] < 1 || counts[1] < args.opens || counts[2] < args.opens || counts[3] < args.unlinks || counts[4] < args.unlinked)) {
        sleep(50)
        waited += 1
    }
    print("lsm_denied=%llu fentry=%llu fexit=%llu kprobe=%llu kretprobe=%llu", counts[0], counts[1], counts[2], counts[3], counts[4])
    return 0
}
"#;

/// A congestion control counting the sockets it is initialised for; main
/// keeps it registered until `--sockets` sockets used it (at most 20 s).
const CONGESTION: &str = r#"
var inits: u64 = 0

@struct_ops("tcp_congestion_ops")
impl ks_guest_cc {
    fn init(sk: *sock) {
        inits += 1
    }
    fn ssthresh(sk: *sock) -> u32 {
        return 16
    }
    fn undo_cwnd(sk: *sock) -> u32 {
        return 10
    }
    fn cong_avoid(sk: *sock, ack: u32, acked: u32) {
    }
    name: "ks_guest_cc",
}

struct Args {
    sockets: u64,
}

fn main(args: Args) -> i32 {
    var result = register(ks_guest_cc)
    print("register:", result)
    var waited: u32 = 0
    while (waited < 400 && inits < args.sockets) {
        sleep(50)
        waited += 1
    }
    print("inits:", inits)
    return 0
}
"#;

/// An XDP program storing what the fixture module's kfunc returns
/// (`ks_fixture_mix(a, b) = a * 100 + b`).
const KFUNC_CALL: &str = r#"
extern ks_fixture_mix(a: u32, b: u32) -> u32

var results : array<u32, u32>(1)

@xdp
fn call_mix(ctx: *xdp_md) -> xdp_action {
    results[0] = ks_fixture_mix(4, 2)
    return XDP_PASS
}
"#;

/// Each program's output lines are prefixed with its name.
const SCRIPT: &str = r#"
echo secret > ks-lsm-denied
echo allowed > ks-lsm-allowed
./tracing --opens=5 --unlinks=4 --unlinked=3 > tracing.out 2>&1 &
pid=$!
ks-wait-for tracing.out attached $pid
cat ks-lsm-denied > /dev/null 2> denied.err
echo "tracing: denied status $? $(cat denied.err | sed 's/.*: //')"
echo "tracing: allowed $(cat ks-lsm-allowed)"
# Five opens of ks-open-* files: three creations, two reads.
for n in 1 2 3; do echo x > ks-open-$n; done
cat ks-open-1 ks-open-2 > /dev/null
# Four unlinks of ks-unlink-* names, three of which succeed.
for n in 1 2 3; do echo x > ks-unlink-$n; unlink ks-unlink-$n; done
unlink ks-unlink-none 2> /dev/null
wait $pid
echo "tracing: status $?"
sed 's/^/tracing: /' tracing.out

./init_fentry --seconds=3 > init_fentry.out 2>&1 &
f=$!
./init_kprobe --seconds=3 > init_kprobe.out 2>&1 &
k=$!
./init_lsm --seconds=3 > init_lsm.out 2>&1 &
l=$!
ks-wait-for init_fentry.out attached $f
ks-wait-for init_kprobe.out attached $k
ks-wait-for init_lsm.out attached $l
for n in 1 2 3 4 5 6 7 8; do echo x > ks-init-$n; unlink ks-init-$n; sleep 0.4; done
wait $f
echo "init_fentry: status $? $(tail -n 1 init_fentry.out)"
wait $k
echo "init_kprobe: status $? $(tail -n 1 init_kprobe.out)"
wait $l
echo "init_lsm: status $? $(tail -n 1 init_lsm.out)"

./unlinks --calls=5 > unlinks.out 2>&1 &
pid=$!
ks-wait-for unlinks.out attached $pid
for n in 1 2 3 4 5; do
    touch ks-unlink-$n
    unlink ks-unlink-$n
done
wait $pid
echo "unlinks: status $?"
sed 's/^/unlinks: /' unlinks.out

./congestion --sockets=2 > congestion.out 2>&1 &
pid=$!
ks-wait-for congestion.out "register: 0" $pid
grep -qw ks_guest_cc /proc/sys/net/ipv4/tcp_available_congestion_control && echo "congestion: available"
echo ks_guest_cc > /proc/sys/net/ipv4/tcp_congestion_control
mkdir www
echo page > www/index.html
httpd -p 127.0.0.1:8080 -h /t/www
# One connection: the client's socket and the server's accepted one.
echo "congestion: fetched $(wget -q -O - http://127.0.0.1:8080/index.html)"
wait $pid
echo "congestion: status $?"
echo cubic > /proc/sys/net/ipv4/tcp_congestion_control
sed 's/^/congestion: /' congestion.out

insmod ks_fixture_kfunc.ko && echo "kfunc: module inserted"
bpftool prog loadall kfunc_call.ebpf.o /sys/fs/bpf/kfunc_call pinmaps /sys/fs/bpf/kfunc_call_maps &&
    echo "kfunc: loaded"
bpftool prog run pinned /sys/fs/bpf/kfunc_call/call_mix data_in packet.bin |
    sed -n 's/^Return value: \([0-9]*\).*/kfunc: returned \1/p'
echo "kfunc: $(bpftool map lookup pinned /sys/fs/bpf/kfunc_call_maps/results key 0 0 0 0 | tr -d ' \n')"
"#;

fn build(guest: &Guest, scratch: &Path, name: &str, source: &str) -> GeneratedBuild {
    let source_path = scratch.join(format!("{name}.ks"));
    std::fs::write(&source_path, source).expect("write the .ks file");
    guest
        .build_generated(
            Path::new(env!("CARGO_BIN_EXE_kernelscript")),
            &source_path,
            &scratch.join(name),
        )
        .unwrap_or_else(|e| panic!("{e}"))
}

fn program(built: GeneratedBuild) -> PathBuf {
    built.binary.expect("the program has a main")
}

/// `kernelscript init --btf-vmlinux-path GUEST TYPE NAME` in `scratch`,
/// built for the guest.
fn init_project(guest: &Guest, scratch: &Path, ty: &str, name: &str) -> PathBuf {
    let compiler = Path::new(env!("CARGO_BIN_EXE_kernelscript"));
    let output = std::process::Command::new(compiler)
        .arg("init")
        .arg("--btf-vmlinux-path")
        .arg(guest.btf())
        .arg(ty)
        .arg(name)
        .current_dir(scratch)
        .output()
        .expect("run kernelscript init");
    assert!(
        output.status.success(),
        "kernelscript init {ty} {name} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = scratch.join(name);
    let built = guest
        .build_generated(compiler, &dir.join(format!("{name}.ks")), &dir)
        .unwrap_or_else(|e| panic!("{e}"));
    program(built)
}

/// The count at the end of an init project's last line (`calls: 7`).
fn last_count(line: &str) -> u64 {
    line.rsplit(' ')
        .next()
        .and_then(|count| count.parse().ok())
        .unwrap_or(0)
}

fn lines_of<'a>(output: &'a str, program: &str) -> Vec<&'a str> {
    let prefix = format!("{program}: ");
    output
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .collect()
}

#[test]
fn tracing_lsm_struct_ops_kfunc_and_init_programs_built_by_the_compiler_run_in_the_guest() {
    let Some(guest) = skip_unless_guest() else {
        return;
    };
    let scratch = Scratch::new("cli-guest").expect("scratch directory");
    let tracing = program(build(guest, scratch.path(), "tracing", TRACING));
    let init_fentry = init_project(guest, scratch.path(), "fentry/do_unlinkat", "init_fentry");
    let init_kprobe = init_project(guest, scratch.path(), "kprobe", "init_kprobe");
    let init_lsm = init_project(guest, scratch.path(), "lsm/file_open", "init_lsm");
    let unlinks = program(build(guest, scratch.path(), "unlinks", UNLINKS));
    let congestion = program(build(guest, scratch.path(), "congestion", CONGESTION));
    let kfunc_call = build(guest, scratch.path(), "kfunc_call", KFUNC_CALL);
    assert!(kfunc_call.binary.is_none(), "no main, no program");
    let module_dir = scratch.path().join("module");
    copy_kfunc_fixture_module(&module_dir).unwrap_or_else(|e| panic!("{e}"));
    let module = guest
        .build_kernel_module(&module_dir)
        .unwrap_or_else(|e| panic!("{e}"));

    let batch = Batch::new(SCRIPT)
        .file("tracing", &tracing)
        .file("init_fentry", &init_fentry)
        .file("init_kprobe", &init_kprobe)
        .file("init_lsm", &init_lsm)
        .file("unlinks", &unlinks)
        .file("congestion", &congestion)
        .file("kfunc_call.ebpf.o", &kfunc_call.object)
        .file("ks_fixture_kfunc.ko", &module)
        .bytes("packet.bin", 0o644, vec![0u8; 64]);
    let output = guest.run(&batch).unwrap_or_else(|e| panic!("{e}"));
    assert!(output.succeeded(), "{output}");
    let script_output = output.script_output();
    assert_eq!(
        lines_of(&script_output, "tracing"),
        [
            "denied status 1 Operation not permitted",
            "allowed allowed",
            "status 0",
            "attached",
            "lsm_denied=1 fentry=5 fexit=5 kprobe=4 kretprobe=3"
        ],
        "{output}"
    );
    for project in ["init_fentry", "init_kprobe", "init_lsm"] {
        let lines = lines_of(&script_output, project);
        assert!(
            lines.len() == 1 && lines[0].starts_with("status 0 ") && last_count(lines[0]) > 0,
            "{project} attached and counted: {lines:?}\n{output}"
        );
    }
    assert_eq!(
        lines_of(&script_output, "unlinks"),
        ["status 0", "attached", "fentry: 5 kprobe: 5"],
        "{output}"
    );
    assert_eq!(
        lines_of(&script_output, "congestion"),
        [
            "available",
            "fetched page",
            "status 0",
            "register: 0",
            "inits: 2"
        ],
        "{output}"
    );
    // XDP_PASS is 2; the map holds ks_fixture_mix(4, 2).
    assert_eq!(
        lines_of(&script_output, "kfunc"),
        [
            "module inserted",
            "loaded",
            "returned 2",
            r#"{"key":0,"value":402}"#
        ],
        "{output}"
    );
}
