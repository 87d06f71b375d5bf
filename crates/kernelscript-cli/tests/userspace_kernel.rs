//! The generated userspace programs against the real kernel: each test
//! compiles a `.ks` program with `kernelscript compile`, builds it with the
//! generated Makefile (clang, `bpftool gen skeleton`, cc with the system
//! libbpf) and runs the binary as a user would, as root:
//!
//! * XDP and TC programs attached to a veth pair whose other end sits in a
//!   network namespace the test creates (10.x addresses only inside it);
//!   UDP datagrams sent from the namespace are counted by the programs
//!   and reported through a ring buffer to a userspace handler, and the
//!   binary prints the counters (map, global, per-CPU map) it reads back;
//! * SIGINT ends `dispatch`, SIGTERM ends a `while` loop; after any exit
//!   nothing stays attached to the interface; a run after a SIGKILL
//!   replaces the TC filter the killed run left (one filter, not two) and
//!   its cleanup removes it;
//! * a `pin` map keeps its value across two runs, and so do `pin var`
//!   globals, which an attached XDP program reads and writes meanwhile;
//!   pinned globals of another layout are refused and kept;
//! * tracepoint events reach a handler;
//! * events output to a `perf_event_array` from XDP, TC and a tracepoint
//!   reach a handler through a perf buffer, and samples lost to a full
//!   buffer are reported;
//! * `@uprobe`/`@uretprobe` programs count calls into a function of a
//!   helper program the test builds, and are gone after exit;
//! * a `@raw_tracepoint("sys_enter")` program counts the syscalls of one
//!   helper process by number, exactly, and is gone after exit;
//! * a tail call reaches a program userspace put in the program array;
//! * `register` adds a TCP congestion control until the program exits;
//! * a failed attach names the program, the target and the reason;
//! * a program whose names are C keywords, header macros and libc
//!   functions builds without warnings and runs;
//! * examples: opensnoop shows opens (all, or failed ones); the XDP
//!   firewall, given `--block ADDR`, keeps that source's datagrams from a
//!   socket behind it (two namespaces) and lets others through.
//!
//! Kernel tests run one at a time (`testkit::kernel_lock`) and clean up
//! (namespace, interfaces, pins, child processes) even when they fail.
//! Without root or `bpf()` they print `skipped: <reason>`, and fail
//! instead when `KS_REQUIRE_KERNEL=1`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{build, text};

const SUITE: &str = "userspace-kernel";

fn sh(program: &str, args: &[&str]) -> Output {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {program}: {error}"));
    assert!(
        output.status.success(),
        "{program} {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A veth pair: `host` stays in this namespace (no address: XDP and TC
/// see frames without one); its peer lives in a namespace of its own with
/// 10.201.0.2/24 and a static neighbour entry for 10.201.0.1 pointing at
/// `host`, so datagrams sent from the namespace reach `host`. Dropping it
/// deletes the namespace, which deletes the pair.
struct Veth {
    namespace: String,
    host: String,
}

impl Veth {
    fn new() -> Veth {
        let id = std::process::id() % 100_000;
        let veth = Veth {
            namespace: format!("ks-userspace-{id}"),
            host: format!("ksu{id}h"),
        };
        let peer = format!("ksu{id}n");
        let _ = Command::new("ip")
            .args(["netns", "del", &veth.namespace])
            .output();
        let _ = Command::new("ip")
            .args(["link", "del", &veth.host])
            .output();
        sh("ip", &["netns", "add", &veth.namespace]);
        sh(
            "ip",
            &[
                "link", "add", &veth.host, "type", "veth", "peer", "name", &peer,
            ],
        );
        sh("ip", &["link", "set", &peer, "netns", &veth.namespace]);
        sh("ip", &["link", "set", &veth.host, "up"]);
        let mac = std::fs::read_to_string(format!("/sys/class/net/{}/address", veth.host))
            .expect("host interface MAC address");
        veth.exec(&["ip", "addr", "add", "10.201.0.2/24", "dev", &peer]);
        veth.exec(&["ip", "link", "set", &peer, "up"]);
        veth.exec(&[
            "ip",
            "neigh",
            "add",
            "10.201.0.1",
            "lladdr",
            mac.trim(),
            "dev",
            &peer,
        ]);
        veth
    }

    /// Runs a command inside the namespace.
    fn exec(&self, command: &[&str]) -> Output {
        let mut args = vec!["netns", "exec", self.namespace.as_str()];
        args.extend_from_slice(command);
        sh("ip", &args)
    }

    /// Sends `count` UDP datagrams of `payload` bytes to 10.201.0.1:`port`.
    fn send_udp(&self, count: usize, payload: usize, port: u16) {
        let script = format!(
            "import socket, time\n\
             s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
             for _ in range({count}):\n    s.sendto(b'x' * {payload}, ('10.201.0.1', {port}))\n    time.sleep(0.01)\n"
        );
        self.exec(&["python3", "-c", &script]);
    }

    /// Panics when an XDP program or a clsact qdisc is left on `host`.
    fn assert_nothing_attached(&self) {
        let link = text(&sh("ip", &["-d", "link", "show", "dev", &self.host]).stdout);
        assert!(
            !link.contains("xdp"),
            "an XDP program is still attached:\n{link}"
        );
        let qdiscs = text(&sh("tc", &["qdisc", "show", "dev", &self.host]).stdout);
        assert!(
            !qdiscs.contains("clsact"),
            "the clsact qdisc is still there:\n{qdiscs}"
        );
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.namespace])
            .output();
        let _ = Command::new("ip")
            .args(["link", "del", &self.host])
            .output();
    }
}

/// A running binary: killed on drop if it is still running.
struct Running {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
    lines: Vec<String>,
}

impl Running {
    fn start(binary: &Path, args: &[&str]) -> Running {
        let mut child = Command::new(binary)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the program");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Running {
            child,
            stdout,
            lines: Vec::new(),
        }
    }

    /// Reads stdout until a line equal to `line` (the program prints it
    /// once everything is attached).
    fn wait_for_line(&mut self, line: &str) {
        loop {
            let mut next = String::new();
            let read = self.stdout.read_line(&mut next).expect("read stdout");
            if read == 0 {
                let stderr = self.stderr();
                panic!(
                    "the program ended before printing `{line}`; stdout: {:?}\nstderr: {stderr}",
                    self.lines
                );
            }
            let next = next.trim_end().to_string();
            self.lines.push(next.clone());
            if next == line {
                return;
            }
        }
    }

    fn signal(&self, signal: &str) {
        sh(
            "kill",
            &[&format!("-{signal}"), &self.child.id().to_string()],
        );
    }

    /// Waits (at most 20 s) for the exit; returns the status code, all of
    /// stdout and stderr.
    fn finish(mut self) -> (Option<i32>, Vec<String>, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                let mut rest = String::new();
                std::io::Read::read_to_string(&mut self.stdout, &mut rest).expect("read stdout");
                let mut lines = std::mem::take(&mut self.lines);
                lines.extend(rest.lines().map(str::to_string));
                return (status.code(), lines, self.stderr());
            }
            assert!(
                Instant::now() < deadline,
                "the program did not exit within 20 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stderr(&mut self) -> String {
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        }
        stderr
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The Ethernet, IPv4 and UDP header structs the packet-parsing test
/// programs share (a macro, so `concat!` can prepend them to a source).
macro_rules! packet_headers {
    () => {
        r#"
struct EthHdr {
    dst: u8[6],
    src: u8[6],
    proto: u16,
}

struct Ipv4Hdr {
    version_ihl: u8,
    tos: u8,
    total_len: u16,
    id: u16,
    frag_off: u16,
    ttl: u8,
    protocol: u8,
    check: u16,
    saddr: u32,
    daddr: u32,
}

struct UdpHdr {
    source: u16,
    dest: u16,
    len: u16,
    check: u16,
}
"#
    };
}

/// Counts UDP datagrams to a port (from a config block) of at least a
/// minimum length in XDP (global, map, per-CPU map) and TC ingress
/// (global); TC reports each one through a ring buffer, whose handler
/// stops `dispatch` after the expected number.
const UDP_WATCH: &str = concat!(
    packet_headers!(),
    r#"
struct Event {
    len: u32,
}

const ETH_P_IP: u16 = 0x0800
const IPPROTO_UDP: u8 = 17

config filter {
    port: u16 = 0,
    min_len: u32 = 0,
}

var events : ringbuf<Event>(4096)
var by_port : hash<u16, u64>(64)
var per_cpu : percpu_array<u32, u64>(1)
var xdp_udp: u64 = 0
var tc_udp: u64 = 0
var expected: u32 = 0
var received: u32 = 0

@xdp
fn watch_udp(ctx: *xdp_md) -> xdp_action {
    var data = ctx->data
    var data_end = ctx->data_end
    if (data + sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(UdpHdr) > data_end) {
        return XDP_PASS
    }
    var eth = data as *EthHdr
    var ip = (data + sizeof(EthHdr)) as *Ipv4Hdr
    var udp = (data + sizeof(EthHdr) + sizeof(Ipv4Hdr)) as *UdpHdr
    if (bpf_ntohs(eth->proto) != ETH_P_IP || ip->version_ihl != 0x45 || ip->protocol != IPPROTO_UDP) {
        return XDP_PASS
    }
    if (bpf_ntohs(udp->dest) != filter.port || (data_end - data) as u32 < filter.min_len) {
        return XDP_PASS
    }
    xdp_udp += 1
    by_port[filter.port] += 1
    per_cpu[0] += 1
    return XDP_PASS
}

@tc("ingress")
fn tc_udp_counter(ctx: *__sk_buff) -> i32 {
    var data = ctx->data
    var data_end = ctx->data_end
    if (data + sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(UdpHdr) > data_end) {
        return TC_ACT_OK
    }
    var eth = data as *EthHdr
    var ip = (data + sizeof(EthHdr)) as *Ipv4Hdr
    var udp = (data + sizeof(EthHdr) + sizeof(Ipv4Hdr)) as *UdpHdr
    if (bpf_ntohs(eth->proto) != ETH_P_IP || ip->version_ihl != 0x45 || ip->protocol != IPPROTO_UDP) {
        return TC_ACT_OK
    }
    if (bpf_ntohs(udp->dest) != filter.port || ctx->len < filter.min_len) {
        return TC_ACT_OK
    }
    tc_udp += 1
    var event = events.reserve()
    if (event != null) {
        event->len = ctx->len
        events.submit(event)
    }
    return TC_ACT_OK
}

fn on_packet(event: *Event) -> i32 {
    received += 1
    if (received >= expected) {
        return 1
    }
    return 0
}

struct Args {
    interface: str(16),
    port: u16,
    min_len: u32,
    packets: u32,
}

fn main(args: Args) -> i32 {
    filter.port = args.port
    filter.min_len = args.min_len
    expected = args.packets
    events.on_event(on_packet)
    var xdp = load(watch_udp)
    var tc = load(tc_udp_counter)
    attach(xdp, args.interface, 0)
    attach(tc, args.interface, 0)
    print("attached to", args.interface)
    var result = dispatch(events)
    print("dispatch:", result)
    print("events:", received)
    print("xdp udp:", xdp_udp)
    print("tc udp:", tc_udp)
    print("port", args.port, "count:", by_port[args.port])
    print("per-cpu total:", per_cpu[0])
    return 0
}
"#
);

#[test]
fn xdp_and_tc_count_udp_datagrams_on_a_veth_and_detach_at_exit() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "udp_watch", UDP_WATCH);
    let veth = Veth::new();
    let mut running = Running::start(
        &project.binary,
        &[
            &format!("--interface={}", veth.host),
            "--port=9999",
            "--min-len=60",
            "--packets=5",
        ],
    );
    running.wait_for_line(&format!("attached to {}", veth.host));
    // Short datagrams (43-byte frames) and other ports are not counted.
    veth.send_udp(3, 1, 9999);
    veth.send_udp(2, 100, 7777);
    veth.send_udp(5, 100, 9999);
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(0), "stderr: {stderr}");
    assert_eq!(
        stdout,
        [
            format!("attached to {}", veth.host),
            "dispatch: 1".to_string(),
            "events: 5".to_string(),
            "xdp udp: 5".to_string(),
            "tc udp: 5".to_string(),
            "port 9999 count: 5".to_string(),
            "per-cpu total: 5".to_string(),
        ]
    );
    assert_eq!(stderr, "");
    veth.assert_nothing_attached();
}

/// Variable-size ring buffer records (dynptr): each UDP datagram to the
/// port becomes a record of its payload's length, reserved at run time
/// (`samples.reserve(n)`), filled byte by byte in a `bpf_loop` callback
/// through the dynptr. Odd lengths are discarded; a payload of 1200 bytes
/// or more asks for four times its length, more than the 4 KiB ring holds,
/// and takes the null branch. The handler gets each record with its size.
const DYNPTR_RECORDS: &str = concat!(
    packet_headers!(),
    r#"
struct Sample {
    seq: u32,
    n: u32,
    payload: u8[],
}

config filter {
    port: u16 = 0,
}

var samples : ringbuf<Sample>(4096)
var next_seq: u32 = 0
var failed: u32 = 0
var discarded: u32 = 0
var expected: u32 = 0
var received: u32 = 0

@xdp
fn sample_payloads(ctx: *xdp_md) -> xdp_action {
    var data = ctx->data
    var data_end = ctx->data_end
    if (data + sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(UdpHdr) > data_end) {
        return XDP_PASS
    }
    var ip = (data + sizeof(EthHdr)) as *Ipv4Hdr
    var udp = (data + sizeof(EthHdr) + sizeof(Ipv4Hdr)) as *UdpHdr
    if (ip->version_ihl != 0x45 || ip->protocol != 17 || bpf_ntohs(udp->dest) != filter.port) {
        return XDP_PASS
    }
    var n = (data_end - data) as u32 - 42
    var seq = next_seq
    next_seq = seq + 1
    var size = n
    if (n >= 1200) {
        size = n * 4
    }
    var record = samples.reserve(size)
    if (record == null) {
        failed += 1
        return XDP_PASS
    }
    record->seq = seq
    record->n = n
    for (i in 0..n) {
        record->payload[i] = (seq + i) as u8
    }
    if (n % 2 == 1) {
        samples.discard(record)
        discarded += 1
        return XDP_PASS
    }
    samples.submit(record)
    return XDP_PASS
}

fn on_sample(sample: *Sample, size: u32) -> i32 {
    var ok: u32 = 1
    for (i in 0..sample->n) {
        if (sample->payload[i] != (sample->seq + i) as u8) {
            ok = 0
        }
    }
    print("record", sample->seq, sample->n, size, ok)
    received += 1
    if (received >= expected) {
        return 1
    }
    return 0
}

struct Args {
    interface: str(16),
    port: u16,
    records: u32,
}

fn main(args: Args) -> i32 {
    filter.port = args.port
    expected = args.records
    samples.on_event(on_sample)
    var xdp = load(sample_payloads)
    attach(xdp, args.interface, 0)
    print("attached to", args.interface)
    var result = dispatch(samples)
    print("dispatch:", result)
    print("failed:", failed)
    print("discarded:", discarded)
    return 0
}
"#
);

#[test]
fn variable_size_records_arrive_with_their_sizes_and_discarded_or_failed_ones_do_not() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "dynptr_records", DYNPTR_RECORDS);
    let veth = Veth::new();
    let mut running = Running::start(
        &project.binary,
        &[
            &format!("--interface={}", veth.host),
            "--port=9997",
            "--records=4",
        ],
    );
    running.wait_for_line(&format!("attached to {}", veth.host));
    for payload in [10, 100, 1000, 13, 1300, 20] {
        veth.send_udp(1, payload, 9997);
    }
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(0), "stderr: {stderr}");
    // size = sizeof(Sample) (8) + n; seq 3 was discarded, seq 4 too big.
    assert_eq!(
        stdout,
        [
            format!("attached to {}", veth.host),
            "record 0 10 18 1".to_string(),
            "record 1 100 108 1".to_string(),
            "record 2 1000 1008 1".to_string(),
            "record 5 20 28 1".to_string(),
            "dispatch: 1".to_string(),
            "failed: 1".to_string(),
            "discarded: 1".to_string(),
        ]
    );
    assert_eq!(stderr, "");
    veth.assert_nothing_attached();
}

#[test]
fn sigint_ends_dispatch_and_the_cleanup_detaches_everything() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "udp_watch", UDP_WATCH);
    let veth = Veth::new();
    let mut running = Running::start(
        &project.binary,
        &[
            &format!("--interface={}", veth.host),
            "--port=9999",
            "--packets=1000",
        ],
    );
    running.wait_for_line(&format!("attached to {}", veth.host));
    veth.send_udp(2, 10, 9999);
    // The handler has not asked to stop: only the signal ends dispatch().
    std::thread::sleep(Duration::from_millis(300));
    running.signal("INT");
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(0), "stderr: {stderr}");
    assert_eq!(stdout[1], "dispatch: 0");
    assert_eq!(stdout[2], "events: 2");
    veth.assert_nothing_attached();
}

/// Attaches XDP and TC egress, then loops until a signal.
const SPIN: &str = r#"
@xdp
fn pass_all(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

@tc("egress")
fn pass_out(ctx: *__sk_buff) -> i32 {
    return TC_ACT_OK
}

struct Args {
    interface: str(16),
}

fn main(args: Args) -> i32 {
    var xdp = load(pass_all)
    attach(xdp, args.interface, 0)
    var tc = load(pass_out)
    attach(tc, args.interface, 0)
    print("attached")
    var spins: u64 = 0
    while (spins >= 0) {
        spins += 1
    }
    return 0
}
"#;

#[test]
fn sigterm_ends_a_while_loop_with_status_143_and_nothing_stays_attached() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "spin", SPIN);
    let veth = Veth::new();
    let mut running = Running::start(&project.binary, &[&format!("--interface={}", veth.host)]);
    running.wait_for_line("attached");
    let link = text(&sh("ip", &["-d", "link", "show", "dev", &veth.host]).stdout);
    assert!(
        link.contains("xdp"),
        "XDP is attached while the program runs:\n{link}"
    );
    let filters = text(&sh("tc", &["filter", "show", "dev", &veth.host, "egress"]).stdout);
    assert!(
        filters.contains("pass_out"),
        "TC egress is attached:\n{filters}"
    );
    running.signal("TERM");
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(128 + 15), "stderr: {stderr}");
    assert_eq!(stdout, ["attached"]);
    veth.assert_nothing_attached();
}

/// Attaches one TC ingress program and spins until a signal.
const TC_SPIN: &str = r#"
@tc("ingress")
fn tc_keep(ctx: *__sk_buff) -> i32 {
    return TC_ACT_OK
}

struct Args {
    interface: str(16),
}

fn main(args: Args) -> i32 {
    var tc = load(tc_keep)
    attach(tc, args.interface, 0)
    print("attached")
    var spins: u64 = 0
    while (spins >= 0) {
        spins += 1
    }
    return 0
}
"#;

/// The TC ingress filters on `interface` that run program `name`.
fn tc_filters_named(interface: &str, name: &str) -> usize {
    let filters = text(&sh("tc", &["filter", "show", "dev", interface, "ingress"]).stdout);
    filters
        .lines()
        .filter(|line| {
            line.contains(&format!(" {name}:")) || line.contains(&format!("name {name}"))
        })
        .count()
}

#[test]
fn a_run_after_sigkill_replaces_the_tc_filter_left_behind_and_removes_it() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "tc_spin", TC_SPIN);
    let veth = Veth::new();
    let interface = format!("--interface={}", veth.host);
    let mut first = Running::start(&project.binary, &[&interface]);
    first.wait_for_line("attached");
    assert_eq!(tc_filters_named(&veth.host, "tc_keep"), 1);
    // SIGKILL: no cleanup runs, the filter stays.
    first.signal("KILL");
    let (status, _, _) = first.finish();
    assert_eq!(status, None, "killed by a signal");
    assert_eq!(tc_filters_named(&veth.host, "tc_keep"), 1);
    let mut second = Running::start(&project.binary, &[&interface]);
    second.wait_for_line("attached");
    assert_eq!(
        tc_filters_named(&veth.host, "tc_keep"),
        1,
        "the second run replaced the stale filter instead of adding one"
    );
    second.signal("TERM");
    let (status, _, stderr) = second.finish();
    assert_eq!(status, Some(128 + 15), "stderr: {stderr}");
    assert_eq!(
        tc_filters_named(&veth.host, "tc_keep"),
        0,
        "the cleanup removed the filter it attached"
    );
}

/// Counts its runs in a pinned map (and, for contrast, in a plain one).
const PIN_RESTART: &str = r#"
pin var runs : hash<u32, u64>(4)
var plain : hash<u32, u64>(4)

@xdp
fn unused(ctx: *xdp_md) -> xdp_action {
    runs[1] += 1
    plain[1] += 1
    return XDP_PASS
}

fn main() -> i32 {
    runs[0] += 1
    plain[0] += 1
    print("runs:", runs[0], "plain:", plain[0])
    return 0
}
"#;

/// Removes `/sys/fs/bpf/NAME` before and after a test.
struct PinDir(PathBuf);

impl PinDir {
    fn new(name: &str) -> PinDir {
        let dir = PinDir(Path::new("/sys/fs/bpf").join(name));
        dir.remove();
        dir
    }

    fn remove(&self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for PinDir {
    fn drop(&mut self) {
        self.remove();
    }
}

#[test]
fn a_pinned_map_keeps_its_value_across_runs() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let name = "ks_userspace_pin_restart";
    let pins = PinDir::new(name);
    let project = build(SUITE, name, PIN_RESTART);
    for expected in ["runs: 1 plain: 1", "runs: 2 plain: 1", "runs: 3 plain: 1"] {
        let output = Command::new(&project.binary).output().expect("run");
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        assert_eq!(text(&output.stdout), format!("{expected}\n"));
    }
    assert!(
        pins.0.join("maps/runs").exists(),
        "the map is pinned by name"
    );
    assert!(
        !pins.0.join("maps/plain").exists(),
        "only `pin` maps are pinned"
    );
}

/// Counts its runs in `pin var` globals and a pinned map. With
/// `--packets=N` it also attaches an XDP program that counts 142-byte
/// frames (100-byte UDP payloads) in a pinned global and copies the run
/// count (written by userspace) into another, and waits until it has seen
/// N of them: userspace watches the kernel's writes as they happen.
const PINNED_GLOBALS: &str = r#"
struct Args {
    interface: str(16),
    packets: u64,
}

pin var runs: u64 = 0
pin var packets: u64 = 0
pin var runs_seen: u64 = 0
pin var greeting: str(16) = "hello"
pin var run_log : hash<u32, u64>(4)

@xdp
fn count_frames(ctx: *xdp_md) -> xdp_action {
    if (ctx->data_end - ctx->data == 142) {
        packets += 1
        runs_seen = runs
    }
    return XDP_PASS
}

fn main(args: Args) -> i32 {
    runs += 1
    run_log[0] += 1
    if (args.packets > 0) {
        var counter = load(count_frames)
        attach(counter, args.interface, 0)
        var goal = packets + args.packets
        print("attached")
        while (packets < goal) {
            sleep(10)
        }
    }
    print("runs:", runs, "map:", run_log[0], "packets:", packets, "seen:", runs_seen, "greeting:", greeting)
    greeting = "again"
    return 0
}
"#;

#[test]
fn pinned_globals_keep_their_values_across_runs_and_are_shared_with_xdp() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let name = "ks_userspace_pinned_globals";
    let pins = PinDir::new(name);
    let project = build(SUITE, name, PINNED_GLOBALS);
    let run = || {
        let output = Command::new(&project.binary).output().expect("run");
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        text(&output.stdout)
    };
    // The declared initial value ("hello") is written when the map is
    // created, never over what an earlier run left.
    assert_eq!(run(), "runs: 1 map: 1 packets: 0 seen: 0 greeting: hello\n");
    assert_eq!(run(), "runs: 2 map: 2 packets: 0 seen: 0 greeting: again\n");
    assert_eq!(run(), "runs: 3 map: 3 packets: 0 seen: 0 greeting: again\n");
    assert!(
        pins.0.join("globals/pinned_globals").exists(),
        "the globals' map is pinned at /sys/fs/bpf/NAME/globals/pinned_globals"
    );
    assert!(pins.0.join("maps/run_log").exists(), "the `pin` map too");

    // The XDP program writes the same entry (through its pointer) while
    // userspace reads it, and reads what userspace wrote.
    let veth = Veth::new();
    let mut running = Running::start(
        &project.binary,
        &[&format!("--interface={}", veth.host), "--packets=5"],
    );
    running.wait_for_line("attached");
    veth.send_udp(5, 100, 9999);
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(0), "stderr: {stderr}");
    assert_eq!(
        stdout,
        [
            "attached",
            "runs: 4 map: 4 packets: 5 seen: 4 greeting: again"
        ]
    );
    veth.assert_nothing_attached();
    drop(veth);
    // What the kernel wrote outlives both processes.
    assert_eq!(run(), "runs: 5 map: 5 packets: 5 seen: 4 greeting: again\n");

    // Without the pins, the next run starts over from the initial values.
    pins.remove();
    assert_eq!(run(), "runs: 1 map: 1 packets: 0 seen: 0 greeting: hello\n");
}

/// Two versions of one program (same project name, so the same pins):
/// the second changes the layout of its `pin var` globals but not their
/// size.
const LAYOUT_BEFORE: &str = r#"
pin var first: u32 = 5
pin var second: u32 = 7

@xdp fn unused(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

fn main() -> i32 {
    print("first %u second %u", first, second)
    first += 1
    return 0
}
"#;

const LAYOUT_AFTER: &str = r#"
pin var first: u32 = 5
pin var added: u32 = 77

@xdp fn unused(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

fn main() -> i32 {
    print("first %u added %u", first, added)
    return 0
}
"#;

#[test]
fn pinned_globals_of_another_layout_are_refused_and_kept() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let name = "ks_userspace_pinned_layout";
    let pins = PinDir::new(name);
    let before = build(SUITE, name, LAYOUT_BEFORE);
    let after = build("userspace-kernel-after", name, LAYOUT_AFTER);
    let run = |binary: &Path| Command::new(binary).output().expect("run");
    let output = run(&before.binary);
    assert_eq!(
        text(&output.stdout),
        "first 5 second 7\n",
        "{}",
        text(&output.stderr)
    );
    let output = run(&after.binary);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "");
    assert!(
        text(&output.stderr).contains("have another layout than this program's"),
        "{}",
        text(&output.stderr)
    );
    // The data is kept for the program that wrote it.
    let output = run(&before.binary);
    assert_eq!(
        text(&output.stdout),
        "first 6 second 7\n",
        "{}",
        text(&output.stderr)
    );
    // Without the pins, the new layout starts from its declared values.
    pins.remove();
    let output = run(&after.binary);
    assert_eq!(
        text(&output.stdout),
        "first 5 added 77\n",
        "{}",
        text(&output.stderr)
    );
}

/// Reports scheduler switches through a ring buffer.
const SWITCHES: &str = r#"
struct Switch {
    pid: u32,
}

var switches : ringbuf<Switch>(8192)
var seen: u32 = 0

@tracepoint("sched/sched_switch")
fn on_switch(ctx: *trace_event_raw_sched_switch) -> i32 {
    var event = switches.reserve()
    if (event != null) {
        event->pid = (bpf_get_current_pid_tgid() >> 32) as u32
        switches.submit(event)
    }
    return 0
}

fn on_event(event: *Switch) -> i32 {
    seen += 1
    if (seen == 3) {
        return 7
    }
    return 0
}

fn main() -> i32 {
    switches.on_event(on_event)
    var tracer = load(on_switch)
    attach(tracer, "", 0)
    var result = dispatch(switches)
    print("dispatch returned", result, "after", seen, "events")
    return 0
}
"#;

#[test]
fn tracepoint_events_reach_the_handler() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    if !Path::new("/sys/kernel/tracing/events").exists() {
        // Tracepoints attach through tracefs (not mounted on a fresh machine).
        sh("mount", &["-t", "tracefs", "nodev", "/sys/kernel/tracing"]);
    }
    let project = build(SUITE, "switches", SWITCHES);
    let output = Command::new(&project.binary).output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "dispatch returned 7 after 3 events\n");
}

/// A partial view of the kernel's `trace_event_raw_sys_enter` (the
/// reference's `{ id: i64 }`) reads the kernel's fields at the kernel's
/// offsets: the `write` this process makes for its first `print` is seen
/// with syscall number 1 and its first argument, fd 1 (a layout built from
/// the view would read `id` at byte 0, the common header).
const SYS_ENTER_VIEW: &str = r#"
struct trace_event_raw_sys_enter {
    id: i64,
}

var target: u32 = 0
var writes: u32 = 0
var write_fd: u64 = 99

@tracepoint("raw_syscalls/sys_enter")
fn on_enter(ctx: *trace_event_raw_sys_enter) -> i32 {
    if ((bpf_get_current_pid_tgid() >> 32) as u32 != target) {
        return 0
    }
    if (ctx->id == 1 && writes == 0) {
        write_fd = ctx->args[0]
        writes = 1
    }
    return 0
}

fn main() -> i32 {
    target = getpid()
    var tracer = load(on_enter)
    attach(tracer, "", 0)
    print("traced")
    sleep(10)
    print("write to fd", write_fd, "seen", writes)
    return 0
}
"#;

#[test]
fn a_partial_view_of_a_tracepoint_context_reads_the_kernels_fields() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    if !Path::new("/sys/kernel/tracing/events").exists() {
        sh("mount", &["-t", "tracefs", "nodev", "/sys/kernel/tracing"]);
    }
    let project = build(SUITE, "sys_enter_view", SYS_ENTER_VIEW);
    let output = Command::new(&project.binary).output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "traced\nwrite to fd 1 seen 1\n");
}

/// XDP and TC report UDP datagrams to port 9999 through one perf event
/// array, each with the packet's first 42 bytes (Ethernet, IPv4 and UDP
/// headers) appended: XDP passing the event from a local, TC as a struct
/// literal (through the map's accessor). The handler reads the UDP
/// destination port out of those bytes, prints each event and stops
/// `dispatch` after both programs reported every datagram. `failed`
/// counts outputs the kernel refused.
const PERF_WATCH: &str = concat!(
    packet_headers!(),
    r#"
struct Packet {
    source: u32,
    seq: u32,
    len: u32,
}

const ETH_P_IP: u16 = 0x0800
const IPPROTO_UDP: u8 = 17

var packets : perf_event_array<Packet>
var xdp_seq: u32 = 0
var tc_seq: u32 = 0
var failed: u32 = 0
var expected: u32 = 0
var received: u32 = 0

@xdp
fn xdp_report(ctx: *xdp_md) -> xdp_action {
    var data = ctx->data
    var data_end = ctx->data_end
    if (data + sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(UdpHdr) > data_end) {
        return XDP_PASS
    }
    var eth = data as *EthHdr
    var ip = (data + sizeof(EthHdr)) as *Ipv4Hdr
    var udp = (data + sizeof(EthHdr) + sizeof(Ipv4Hdr)) as *UdpHdr
    if (bpf_ntohs(eth->proto) != ETH_P_IP || ip->protocol != IPPROTO_UDP || bpf_ntohs(udp->dest) != 9999) {
        return XDP_PASS
    }
    xdp_seq += 1
    var event = Packet { source: 1, seq: xdp_seq, len: (data_end - data) as u32 }
    if (packets.output(event, 42) != 0) {
        failed += 1
    }
    return XDP_PASS
}

@tc("ingress")
fn tc_report(ctx: *__sk_buff) -> i32 {
    var data = ctx->data
    var data_end = ctx->data_end
    if (data + sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(UdpHdr) > data_end) {
        return TC_ACT_OK
    }
    var eth = data as *EthHdr
    var ip = (data + sizeof(EthHdr)) as *Ipv4Hdr
    var udp = (data + sizeof(EthHdr) + sizeof(Ipv4Hdr)) as *UdpHdr
    if (bpf_ntohs(eth->proto) != ETH_P_IP || ip->protocol != IPPROTO_UDP || bpf_ntohs(udp->dest) != 9999) {
        return TC_ACT_OK
    }
    tc_seq += 1
    if (packets.output(Packet { source: 2, seq: tc_seq, len: ctx->len }, 42) != 0) {
        failed += 1
    }
    return TC_ACT_OK
}

// `len` counts the bytes after the event: the 42 appended and the
// kernel's padding of the sample to 8 bytes.
fn on_packet(event: *Packet, bytes: *u8, len: u32) -> i32 {
    var port = (bytes[36] as u32) * 256 + (bytes[37] as u32)
    var appended: u32 = 0
    if (len >= 42 && len < 50) {
        appended = 42
    }
    print("packet source", event->source, "seq", event->seq, "len", event->len, "port", port, "appended", appended)
    received += 1
    if (received >= expected) {
        return 1
    }
    return 0
}

struct Args {
    interface: str(16),
    packets: u32,
}

fn main(args: Args) -> i32 {
    expected = args.packets * 2
    packets.on_event(on_packet)
    attach(load(xdp_report), args.interface, 0)
    attach(load(tc_report), args.interface, 0)
    print("attached to", args.interface)
    var result = dispatch(packets)
    print("dispatch:", result)
    print("failed:", failed)
    return 0
}
"#
);

#[test]
fn perf_event_array_events_from_xdp_and_tc_reach_the_handler() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "perf_watch", PERF_WATCH);
    let veth = Veth::new();
    let mut running = Running::start(
        &project.binary,
        &[&format!("--interface={}", veth.host), "--packets=4"],
    );
    running.wait_for_line(&format!("attached to {}", veth.host));
    // Other ports are not reported.
    veth.send_udp(2, 100, 7777);
    veth.send_udp(4, 100, 9999);
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
    let (events, rest) = stdout.split_at(stdout.len() - 2);
    assert_eq!(rest, ["dispatch: 1", "failed: 0"], "stdout: {stdout:?}");
    // Samples come per CPU buffer: their order across CPUs is not the
    // order they were sent.
    let mut events = events.to_vec();
    events.sort();
    let mut expected = vec![format!("attached to {}", veth.host)];
    for source in [1, 2] {
        for seq in 1..=4 {
            // 14 + 20 + 8 header bytes and 100 bytes of payload.
            expected.push(format!(
                "packet source {source} seq {seq} len 142 port 9999 appended 42"
            ));
        }
    }
    expected.sort();
    assert_eq!(events, expected);
    veth.assert_nothing_attached();
}

/// `output` from a `@helper`, two calls below the programs: XDP and TC call
/// the same `report`, which calls `emit`, which writes the event; each
/// helper receives its caller's context (an `xdp_md`, an `__sk_buff`) as a
/// hidden parameter. The handler prints each event.
const PERF_HELPER: &str = concat!(
    packet_headers!(),
    r#"
struct Packet {
    source: u32,
    seq: u32,
    len: u32,
}

const ETH_P_IP: u16 = 0x0800
const IPPROTO_UDP: u8 = 17

var packets : perf_event_array<Packet>
var xdp_seq: u32 = 0
var tc_seq: u32 = 0
var failed: u32 = 0
var expected: u32 = 0
var received: u32 = 0

@helper
fn emit(source: u32, seq: u32, len: u32) -> i64 {
    var event = Packet { source: source, seq: seq, len: len }
    return packets.output(event)
}

@helper
fn report(source: u32, seq: u32, len: u32) {
    if (emit(source, seq, len) != 0) {
        failed += 1
    }
}

@xdp
fn xdp_report(ctx: *xdp_md) -> xdp_action {
    var data = ctx->data
    var data_end = ctx->data_end
    if (data + sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(UdpHdr) > data_end) {
        return XDP_PASS
    }
    var eth = data as *EthHdr
    var ip = (data + sizeof(EthHdr)) as *Ipv4Hdr
    var udp = (data + sizeof(EthHdr) + sizeof(Ipv4Hdr)) as *UdpHdr
    if (bpf_ntohs(eth->proto) != ETH_P_IP || ip->protocol != IPPROTO_UDP || bpf_ntohs(udp->dest) != 9999) {
        return XDP_PASS
    }
    xdp_seq += 1
    report(1, xdp_seq, (data_end - data) as u32)
    return XDP_PASS
}

@tc("ingress")
fn tc_report(ctx: *__sk_buff) -> i32 {
    var data = ctx->data
    var data_end = ctx->data_end
    if (data + sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(UdpHdr) > data_end) {
        return TC_ACT_OK
    }
    var eth = data as *EthHdr
    var ip = (data + sizeof(EthHdr)) as *Ipv4Hdr
    var udp = (data + sizeof(EthHdr) + sizeof(Ipv4Hdr)) as *UdpHdr
    if (bpf_ntohs(eth->proto) != ETH_P_IP || ip->protocol != IPPROTO_UDP || bpf_ntohs(udp->dest) != 9999) {
        return TC_ACT_OK
    }
    tc_seq += 1
    report(2, tc_seq, ctx->len)
    return TC_ACT_OK
}

fn on_packet(event: *Packet) -> i32 {
    print("packet source", event->source, "seq", event->seq, "len", event->len)
    received += 1
    if (received >= expected) {
        return 1
    }
    return 0
}

struct Args {
    interface: str(16),
    packets: u32,
}

fn main(args: Args) -> i32 {
    expected = args.packets * 2
    packets.on_event(on_packet)
    attach(load(xdp_report), args.interface, 0)
    attach(load(tc_report), args.interface, 0)
    print("attached to", args.interface)
    var result = dispatch(packets)
    print("dispatch:", result)
    print("failed:", failed)
    return 0
}
"#
);

#[test]
fn perf_event_array_output_from_a_helper_reaches_the_handler() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "perf_helper", PERF_HELPER);
    let veth = Veth::new();
    let mut running = Running::start(
        &project.binary,
        &[&format!("--interface={}", veth.host), "--packets=3"],
    );
    running.wait_for_line(&format!("attached to {}", veth.host));
    veth.send_udp(3, 60, 9999);
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
    let (events, rest) = stdout.split_at(stdout.len() - 2);
    assert_eq!(rest, ["dispatch: 1", "failed: 0"], "stdout: {stdout:?}");
    let mut events = events.to_vec();
    events.sort();
    let mut expected = vec![format!("attached to {}", veth.host)];
    for source in [1, 2] {
        for seq in 1..=3 {
            // 14 + 20 + 8 header bytes and 60 bytes of payload.
            expected.push(format!("packet source {source} seq {seq} len 102"));
        }
    }
    expected.sort();
    assert_eq!(events, expected);
    veth.assert_nothing_attached();
}

/// Floods a perf event array while the handler sleeps on the first event:
/// the per-CPU buffers (8 pages) overflow, `output` fails in XDP (counted)
/// and userspace reports the lost samples once later ones get through;
/// datagrams to port 7777 end `dispatch`.
const PERF_FLOOD: &str = concat!(
    packet_headers!(),
    r#"
struct Big {
    port: u32,
    seq: u32,
    pad: u64[40],
}

const ETH_P_IP: u16 = 0x0800
const IPPROTO_UDP: u8 = 17

var bigs : perf_event_array<Big>
var sent: u32 = 0
var failed: u32 = 0
var received: u32 = 0

@xdp
fn flood(ctx: *xdp_md) -> xdp_action {
    var data = ctx->data
    var data_end = ctx->data_end
    if (data + sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(UdpHdr) > data_end) {
        return XDP_PASS
    }
    var eth = data as *EthHdr
    var ip = (data + sizeof(EthHdr)) as *Ipv4Hdr
    var udp = (data + sizeof(EthHdr) + sizeof(Ipv4Hdr)) as *UdpHdr
    if (bpf_ntohs(eth->proto) != ETH_P_IP || ip->protocol != IPPROTO_UDP) {
        return XDP_PASS
    }
    sent += 1
    var event = Big { port: bpf_ntohs(udp->dest) as u32, seq: sent, pad: [0] }
    if (bigs.output(&event) != 0) {
        failed += 1
    }
    return XDP_PASS
}

fn on_big(event: *Big) -> i32 {
    received += 1
    if (received == 1) {
        print("first")
        sleep(2000)
    }
    if (event->port == 7777) {
        return 1
    }
    return 0
}

struct Args {
    interface: str(16),
}

fn main(args: Args) -> i32 {
    bigs.on_event(on_big)
    attach(load(flood), args.interface, 0)
    print("attached to", args.interface)
    var result = dispatch(bigs)
    print("dispatch:", result, sent, received, failed)
    if (failed > 0 && received < sent) {
        print("lost some")
    }
    return 0
}
"#
);

#[test]
fn perf_event_array_lost_events_are_reported() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "perf_flood", PERF_FLOOD);
    let veth = Veth::new();
    let mut running = Running::start(&project.binary, &[&format!("--interface={}", veth.host)]);
    running.wait_for_line(&format!("attached to {}", veth.host));
    let script = "import socket, time\n\
         s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
         s.sendto(b'x', ('10.201.0.1', 9999))\n\
         time.sleep(0.3)\n\
         for _ in range(400): s.sendto(b'x', ('10.201.0.1', 9999))\n\
         time.sleep(2.5)\n\
         for _ in range(5): s.sendto(b'x', ('10.201.0.1', 9999))\n\
         time.sleep(0.5)\n\
         s.sendto(b'x', ('10.201.0.1', 7777))\n";
    veth.exec(&["python3", "-c", script]);
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(0), "stderr: {stderr}");
    // dispatch: RESULT SENT RECEIVED FAILED
    let counts: Vec<u64> = stdout[2]
        .strip_prefix("dispatch: 1 ")
        .unwrap_or_else(|| panic!("stdout: {stdout:?}"))
        .split(' ')
        .map(|count| count.parse().expect("a count"))
        .collect();
    let [sent, received, failed] = counts[..] else {
        panic!("stdout: {stdout:?}");
    };
    assert_eq!(sent, 407, "stdout: {stdout:?}");
    assert!(failed > 0, "the buffers never overflowed: {stdout:?}");
    assert_eq!(received + failed, sent, "stdout: {stdout:?}");
    assert_eq!(stdout[3], "lost some");
    let mut lost = 0;
    for line in stderr.lines() {
        let rest = line
            .strip_prefix("perf_flood: bigs: lost ")
            .unwrap_or_else(|| panic!("stderr: {stderr}"));
        let (count, cpu) = rest.split_once(" events on CPU ").expect("a lost line");
        cpu.parse::<u32>().expect("a CPU");
        lost += count.parse::<u64>().expect("a count");
    }
    assert_eq!(lost, failed, "stderr: {stderr}");
}

/// Reports scheduler switches through a perf event array from a
/// tracepoint (a record context, not a packet).
const PERF_SWITCHES: &str = r#"
struct Switch {
    pid: u32,
    seq: u64,
}

var switches : perf_event_array<Switch>
var sent: u64 = 0
var seen: u32 = 0

@tracepoint("sched/sched_switch")
fn on_switch(ctx: *trace_event_raw_sched_switch) -> i32 {
    sent += 1
    var event = Switch { pid: ctx->next_pid as u32, seq: sent }
    switches.output(event)
    return 0
}

fn on_event(event: *Switch) -> i32 {
    if (event->seq == 0) {
        return 2
    }
    seen += 1
    if (seen == 5) {
        return 7
    }
    return 0
}

fn main() -> i32 {
    switches.on_event(on_event)
    attach(load(on_switch), "", 0)
    var result = dispatch(switches)
    print("dispatch returned", result, "after", seen, "events")
    return 0
}
"#;

#[test]
fn perf_event_array_events_from_a_tracepoint_reach_the_handler() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    if !Path::new("/sys/kernel/tracing/events").exists() {
        sh("mount", &["-t", "tracefs", "nodev", "/sys/kernel/tracing"]);
    }
    let project = build(SUITE, "perf_switches", PERF_SWITCHES);
    let output = Command::new(&project.binary).output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "dispatch returned 7 after 5 events\n");
}

/// Attaches to an interface that does not exist, checked and unchecked.
const BAD_TARGET: &str = r#"
@xdp
fn nowhere(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

fn main() -> i32 {
    var prog = load(nowhere)
    var result = attach(prog, "ks-no-such-if", 0)
    print("attach returned", result)
    attach(prog, "ks-no-such-if", 0)
    print("not reached")
    return 0
}
"#;

#[test]
fn a_failed_attach_is_reported_and_an_unchecked_one_exits() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "bad_target", BAD_TARGET);
    let output = Command::new(&project.binary).output().expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "attach returned -19\n");
    assert_eq!(
        text(&output.stderr),
        "bad_target: cannot attach nowhere to 'ks-no-such-if': No such device\n\
         bad_target: cannot attach nowhere to 'ks-no-such-if': No such device\n"
    );
}

/// `entry` hands UDP datagrams to port 9999 to `counter` by a tail call;
/// only `entry` is loaded by name, `counter` comes with it.
const TAIL_CALL: &str = concat!(
    packet_headers!(),
    r#"
struct Hit {
    len: u32,
}

var hits : ringbuf<Hit>(4096)
var counted: u64 = 0
var seen: u32 = 0

@xdp
fn counter(ctx: *xdp_md) -> xdp_action {
    counted += 1
    var hit = hits.reserve()
    if (hit != null) {
        hit->len = (ctx->data_end - ctx->data) as u32
        hits.submit(hit)
    }
    return XDP_PASS
}

@xdp
fn entry(ctx: *xdp_md) -> xdp_action {
    var data = ctx->data
    var data_end = ctx->data_end
    if (data + sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(UdpHdr) > data_end) {
        return XDP_PASS
    }
    var eth = data as *EthHdr
    var ip = (data + sizeof(EthHdr)) as *Ipv4Hdr
    var udp = (data + sizeof(EthHdr) + sizeof(Ipv4Hdr)) as *UdpHdr
    if (bpf_ntohs(eth->proto) != 0x0800 || ip->version_ihl != 0x45 || ip->protocol != 17) {
        return XDP_PASS
    }
    if (bpf_ntohs(udp->dest) != 9999) {
        return XDP_PASS
    }
    return counter(ctx)
}

fn on_hit(hit: *Hit) -> i32 {
    seen += 1
    if (seen == 4) {
        return 1
    }
    return 0
}

struct Args {
    interface: str(16),
}

fn main(args: Args) -> i32 {
    hits.on_event(on_hit)
    var prog = load(entry)
    attach(prog, args.interface, 0)
    print("attached")
    dispatch(hits)
    print("hits:", seen, "counted:", counted)
    return 0
}
"#
);

#[test]
fn a_tail_call_reaches_the_target_userspace_installed() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "tail_call", TAIL_CALL);
    let veth = Veth::new();
    let mut running = Running::start(&project.binary, &[&format!("--interface={}", veth.host)]);
    running.wait_for_line("attached");
    veth.send_udp(4, 50, 9999);
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(0), "stderr: {stderr}");
    assert_eq!(stdout, ["attached", "hits: 4 counted: 4"]);
    veth.assert_nothing_attached();
}

/// Registers a TCP congestion control and keeps it until a signal.
/// `undo_cwnd` takes its `struct sock *` as a byte pointer, the
/// reference's spelling of an opaque pointer: the kernel verifies and
/// registers it all the same. `cong_avoid` calls the `ssthresh` method
/// (whose body is then a plain function as well as its entry).
const CONGESTION_CONTROL: &str = r#"
@struct_ops("tcp_congestion_ops")
impl ks_cc {
    fn ssthresh(sk: *sock) -> u32 {
        return 16
    }
    fn undo_cwnd(sk: *u8) -> u32 {
        return 10
    }
    fn cong_avoid(sk: *sock, ack: u32, acked: u32) {
        var floor = ssthresh(sk)
        if (floor == 0) {
            return
        }
    }
    name: "ks_userspace_cc",
}

fn main() -> i32 {
    var result = register(ks_cc)
    print("register:", result)
    var spins: u64 = 0
    while (spins >= 0) {
        spins += 1
    }
    return 0
}
"#;

fn available_congestion_controls() -> String {
    std::fs::read_to_string("/proc/sys/net/ipv4/tcp_available_congestion_control")
        .expect("read the available congestion controls")
}

#[test]
fn register_adds_a_congestion_control_until_exit() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "congestion", CONGESTION_CONTROL);
    assert!(!available_congestion_controls().contains("ks_userspace_cc"));
    let mut running = Running::start(&project.binary, &[]);
    running.wait_for_line("register: 0");
    let listed = available_congestion_controls();
    assert!(
        listed
            .split_whitespace()
            .any(|name| name == "ks_userspace_cc"),
        "registered while running: {listed}"
    );
    running.signal("TERM");
    let (status, _, stderr) = running.finish();
    assert_eq!(status, Some(143), "stderr: {stderr}");
    assert!(!available_congestion_controls().contains("ks_userspace_cc"));
}

/// Writes map entries through the value of `for (k, v) in m`.
const ITERATION_WRITES: &str = r#"
var totals : hash<u32, u64>(4)

@xdp
fn unused(ctx: *xdp_md) -> xdp_action {
    for (k, v) in totals {
        v += 1
    }
    return XDP_PASS
}

fn main() -> i32 {
    totals[1] = 5
    totals[2] = 7
    for (k, v) in totals {
        v += 10
    }
    print("totals:", totals[1], totals[2])
    return 0
}
"#;

#[test]
fn the_value_of_a_map_iteration_writes_the_entry_as_in_ebpf() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "ks_userspace_iteration_writes", ITERATION_WRITES);
    let output = Command::new(&project.binary).output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "totals: 15 17\n");
}

/// Arithmetic on `u8`/`u16` wraps in the narrow type, as in eBPF.
const NARROW_ARITHMETIC: &str = r#"
@xdp
fn unused(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

fn main() -> i32 {
    var a: u8 = 250
    var b: u8 = 10
    var c: u16 = 3
    var d: u16 = 5
    print("%u %u %u", (a + b) as u32, (c - d) as u32, (a + b) / 2)
    return 0
}
"#;

#[test]
fn narrow_arithmetic_wraps_in_userspace() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "ks_userspace_narrow_arithmetic", NARROW_ARITHMETIC);
    let output = Command::new(&project.binary).output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "4 65534 2\n");
}

/// A C program calling its `ks_uprobe_target` function as many times as
/// its argument says; nothing else on the machine runs that function.
const UPROBE_HELPER_C: &str = r#"
#include <stdlib.h>

__attribute__((noinline)) int ks_uprobe_target(int x)
{
    __asm__ volatile("");
    return x + 1;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1, s = 0;

    for (int i = 0; i < n; i++)
        s = ks_uprobe_target(s);
    return s == n ? 0 : 1;
}
"#;

/// Counts entries into and returns from the helper's function: the
/// `@uprobe` attaches where its attribute says (`attach(h, "", 0)`), the
/// `@uretprobe` where `--target` says; main polls until both counts reach
/// `--calls` (or 5 s pass).
const UPROBE_COUNT: &str = r#"
var calls : hash<u32, u64>(4)

@uprobe("HELPER:ks_uprobe_target")
fn count_entry(ctx: *pt_regs) -> i32 {
    calls[0] += 1
    return 0
}

@uretprobe("/no/such/file:not_this_one")
fn count_return(ctx: *pt_regs) -> i32 {
    calls[1] += 1
    return 0
}

struct Args {
    target: str(256),
    calls: u64,
}

fn main(args: Args) -> i32 {
    var entry = load(count_entry)
    var exit = load(count_return)
    attach(entry, "", 0)
    attach(exit, args.target, 0)
    print("attached")
    var waited: u32 = 0
    while (waited < 100 && (calls[0] < args.calls || calls[1] < args.calls)) {
        sleep(50)
        waited += 1
    }
    print("entries:", calls[0], "returns:", calls[1])
    return 0
}
"#;

/// Removes a scratch directory on drop.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn loaded_program_names() -> String {
    text(&sh("bpftool", &["prog", "show"]).stdout)
}

#[test]
fn uprobes_count_calls_into_a_user_space_function_and_detach_at_exit() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let scratch = ScratchDir(
        std::env::temp_dir().join(format!("ks-{SUITE}-{}-uprobe-helper", std::process::id())),
    );
    let _ = std::fs::remove_dir_all(&scratch.0);
    std::fs::create_dir_all(&scratch.0).expect("helper directory");
    let source = scratch.0.join("helper.c");
    let helper = scratch.0.join("helper");
    std::fs::write(&source, UPROBE_HELPER_C).expect("write helper.c");
    let helper_path = helper.to_str().expect("utf-8 path");
    sh("cc", &["-O2", "-o", helper_path, source.to_str().unwrap()]);

    let project = build(
        SUITE,
        "uprobe_count",
        &UPROBE_COUNT.replace("HELPER", helper_path),
    );
    let mut running = Running::start(
        &project.binary,
        &[
            &format!("--target={helper_path}:ks_uprobe_target"),
            "--calls=9",
        ],
    );
    running.wait_for_line("attached");
    // 2 + 3 + 4 calls from three processes.
    for calls in ["2", "3", "4"] {
        sh(helper_path, &[calls]);
    }
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(0), "stderr: {stderr}");
    assert_eq!(stdout, ["attached", "entries: 9 returns: 9"]);
    assert_eq!(stderr, "");
    // The programs (and with them their uprobe links) are gone.
    let loaded = loaded_program_names();
    assert!(
        !loaded.contains("count_entry") && !loaded.contains("count_return"),
        "still loaded after exit:\n{loaded}"
    );
}

/// A C program that waits for a line on stdin, then makes the `getppid`
/// syscall as many times as its argument says.
const GETPPID_HELPER_C: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1;
    char line[8];

    if (!fgets(line, sizeof(line), stdin))
        return 1;
    for (int i = 0; i < n; i++)
        syscall(SYS_getppid);
    return 0;
}
"#;

/// Counts the `getppid` syscalls (number 110 on x86-64, `args[1]` of
/// `sys_enter`) of the process `--pid` names, until `--calls` are seen or
/// 5 s pass; then waits a little longer, so extra counts would show.
const RAW_TRACEPOINT_COUNT: &str = r#"
config watch {
    pid: u32 = 0,
}

var calls : array<u32, u64>(1)

@raw_tracepoint("sys_enter")
fn on_sys_enter(ctx: *bpf_raw_tracepoint_args) -> i32 {
    var tgid = (bpf_get_current_pid_tgid() >> 32) as u32
    if (tgid == watch.pid && ctx->args[1] == 110) {
        calls[0] += 1
    }
    return 0
}

struct Args {
    pid: u32,
    calls: u64,
}

fn main(args: Args) -> i32 {
    watch.pid = args.pid
    var prog = load(on_sys_enter)
    attach(prog, "sys_enter", 0)
    print("attached")
    var waited: u32 = 0
    while (waited < 100 && calls[0] < args.calls) {
        sleep(50)
        waited += 1
    }
    sleep(100)
    print("getppid calls:", calls[0])
    return 0
}
"#;

#[test]
fn a_raw_tracepoint_counts_one_process_syscalls_and_detaches_at_exit() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let scratch = ScratchDir(
        std::env::temp_dir().join(format!("ks-{SUITE}-{}-getppid-helper", std::process::id())),
    );
    let _ = std::fs::remove_dir_all(&scratch.0);
    std::fs::create_dir_all(&scratch.0).expect("helper directory");
    let source = scratch.0.join("helper.c");
    let helper = scratch.0.join("helper");
    std::fs::write(&source, GETPPID_HELPER_C).expect("write helper.c");
    sh(
        "cc",
        &[
            "-O2",
            "-o",
            helper.to_str().unwrap(),
            source.to_str().unwrap(),
        ],
    );
    let mut helper_process = Command::new(&helper)
        .arg("7")
        .stdin(Stdio::piped())
        .spawn()
        .expect("start the helper");
    let project = build(SUITE, "raw_tp_count", RAW_TRACEPOINT_COUNT);
    let mut running = Running::start(
        &project.binary,
        &[&format!("--pid={}", helper_process.id()), "--calls=7"],
    );
    running.wait_for_line("attached");
    {
        use std::io::Write;
        let mut stdin = helper_process.stdin.take().expect("helper stdin");
        stdin.write_all(b"go\n").expect("wake the helper");
    }
    assert!(helper_process.wait().expect("helper").success());
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(0), "stderr: {stderr}");
    assert_eq!(stdout, ["attached", "getppid calls: 7"]);
    assert_eq!(stderr, "");
    // The kernel frees a program once its last reference is gone, which
    // for a raw tracepoint link may take a moment after the exit.
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let loaded = loaded_program_names();
        if !loaded.contains("on_sys_enter") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still loaded 3 s after exit:\n{loaded}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every user name a C keyword, a macro, typedef or enumerator of the
/// headers either output includes, a C library or libbpf function, or a
/// name the generated code uses itself (`ks_skel`, `ks_main`, `result`,
/// `deferred`, `flags`): structs, fields, enums and their values,
/// constants, globals, a config block, helpers, userspace functions,
/// parameters and locals. Renamed where C needs it, the same way in both
/// outputs; the build has `-Wall -Werror`.
const C_NAMES: &str = r#"
// Every user name below is a C keyword, a macro, typedef or enumerator of
// the headers the outputs include, a libc/libbpf function, or a name the
// generated code uses itself.

const ETH_P_IP: u16 = 0x0800
const SEC: u32 = 7
const link: u64 = 0x10
const index: u8 = 2
const LIBBPF_PIN_BY_NAME: u64 = 1 << 40

struct typedef {
    dst: u8[6],
    src: u8[6],
    ETH_P_IP: u16,
}

struct union {
    BPF_ANY: u8,
    TC_ACT_OK: u8,
    unsigned: u16,
    int: u16,
    memset: u16,
    printf: u8,
    exit: u8,
    flags: u16,
    errno: u32,
    stdout: u32,
}

struct long {
    short: u16,
    double: u16,
    float: u16,
    errno: u16,
}

struct float {
    unsigned: u32,
    signed: u64,
    index: u16,
    printf: u8,
}

enum switch {
    strcpy = 1,
    LIBBPF_PERF_EVENT_ERROR = 2,
    abs = 3,
    EOF = 4,
}

var stdout: u64 = 0
var errno: u32 = 0
var flags: u32 = 0
var counts : hash<u32, float>(16)

config static {
    register: u16 = 9999,
    volatile: u32 = 3,
}

@helper
fn abort(signed: u32, short: u32) -> u32 {
    var double = signed + short
    var free = double * 2
    return free - double
}

@helper
fn strlen(inline: u64, goto: u8) -> u64 {
    return inline + goto as u64
}

@xdp
fn count_udp(ctx: *xdp_md) -> xdp_action {
    var data = ctx->data
    var data_end = ctx->data_end
    if (data + sizeof(typedef) + sizeof(union) + sizeof(long) > data_end) {
        return XDP_PASS
    }
    var eth = data as *typedef
    var ip = (data + sizeof(typedef)) as *union
    var udp = (data + sizeof(typedef) + sizeof(union)) as *long
    if (bpf_ntohs(eth->ETH_P_IP) != ETH_P_IP || ip->BPF_ANY != 0x45 || ip->exit != 17) {
        return XDP_PASS
    }
    if (bpf_ntohs(udp->double) != static.register) {
        return XDP_PASS
    }
    var auto: u32 = abort(static.volatile, 1)
    var case = strlen(link, index)
    stdout += case
    errno = auto
    var key: u32 = SEC
    if (var entry = counts[key]) {
        entry.unsigned += 1
        entry.signed += LIBBPF_PIN_BY_NAME
    } else {
        counts[key] = float { unsigned: 1, signed: LIBBPF_PIN_BY_NAME, index: 3, printf: 4 }
    }
    return XDP_PASS
}

fn memset(float: u32, printf: u32) -> u32 {
    var exit = float + printf
    var main = exit * 2
    var result = main - exit
    return result
}

fn index_of(do: switch) -> u32 {
    return match (do) {
        strcpy: 10,
        abs: 30,
        EOF: 40,
        default: 0,
    }
}

fn link_name(asm: u32) -> str(16) {
    var typeof: str(16) = "link"
    if (asm > 1) {
        typeof = "links"
    }
    return typeof
}

struct Args {
    interface: str(16),
    packets: u32,
    unsigned: u16,
}

fn main(args: Args) -> i32 {
    static.register = args.unsigned
    var NULL = load(count_udp)
    attach(NULL, args.interface, 0)
    print("attached to", args.interface)
    var ks_skel: u32 = 0
    var ks_main: u32 = 0
    while (ks_skel < 200) {
        if (var float = counts[SEC]) {
            if (float.unsigned >= args.packets) {
                break
            }
        }
        sleep(50)
        ks_skel += 1
        ks_main = ks_skel
    }
    var value: float = counts[SEC]
    var deferred = memset(value.unsigned, 0)
    print("packets:", deferred, "in time:", ks_main < 200)
    print("signed:", value.signed >> 40)
    print("stdout:", stdout, "errno:", errno, "flags:", flags)
    print("switch:", index_of(strcpy), index_of(abs), index_of(EOF))
    print("name:", link_name(2), link_name(0))
    detach(NULL)
    return 0
}
"#;

#[test]
fn a_program_named_after_c_keywords_macros_and_libc_builds_and_runs() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "c_names", C_NAMES);
    let veth = Veth::new();
    let mut running = Running::start(
        &project.binary,
        &[
            &format!("--interface={}", veth.host),
            "--packets=5",
            "--unsigned=9999",
        ],
    );
    running.wait_for_line(&format!("attached to {}", veth.host));
    veth.send_udp(2, 10, 7777);
    veth.send_udp(5, 10, 9999);
    let (status, stdout, stderr) = running.finish();
    assert_eq!(status, Some(0), "stderr: {stderr}");
    assert_eq!(
        stdout,
        [
            format!("attached to {}", veth.host),
            "packets: 5 in time: true".to_string(),
            "signed: 5".to_string(),
            "stdout: 90 errno: 4 flags: 0".to_string(),
            "switch: 10 30 40".to_string(),
            "name: links link".to_string(),
        ]
    );
    assert_eq!(stderr, "");
    veth.assert_nothing_attached();
}

const USERSPACE_INSERT: &str = r#"
var seen : hash<u32, u64>(2)

@xdp
fn unused_insert(ctx: *xdp_md) -> xdp_action {
    seen[9] += 1
    return XDP_PASS
}

fn main() -> i32 {
    var first = seen.insert(1, 10)
    var again = seen.insert(1, 20)
    var second = seen.insert(2, 30)
    var full = seen.insert(3, 40)
    print("first:", first, "again:", again, "second:", second, "full:", full, "value:", seen[1])
    return 0
}
"#;

/// `m.insert(k, v)` from userspace: stored only when absent, false for a
/// present key (value unchanged) and for a full map, with no error message.
#[test]
fn userspace_insert_stores_only_absent_keys() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "ks_userspace_insert", USERSPACE_INSERT);
    let output = Command::new(&project.binary).output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "first: true again: false second: true full: false value: 10\n"
    );
    assert_eq!(text(&output.stderr), "");
}

/// Reads the running program's stdout until a line satisfies `wanted`
/// (at most 20 s, enforced by a helper that kills the program); returns
/// the lines read.
fn lines_until(running: &mut Running, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let pid = running.child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(20));
        let _ = Command::new("kill").arg(pid.to_string()).status();
    });
    drop(watchdog);
    let mut lines = Vec::new();
    loop {
        let mut next = String::new();
        let read = running.stdout.read_line(&mut next).expect("read stdout");
        assert!(
            read > 0,
            "ended before the expected line; stdout: {lines:?}\nstderr: {}",
            running.stderr()
        );
        let next = next.trim_end().to_string();
        lines.push(next.clone());
        if wanted(&next) {
            return lines;
        }
    }
}

/// `examples/opensnoop.ks`: the file names and results of openat(2) calls,
/// all of them or (`-x`, `--failed`) only the failed ones.
#[test]
fn the_opensnoop_example_shows_opens_and_with_x_only_failed_ones() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    if !Path::new("/sys/kernel/tracing/events").exists() {
        sh("mount", &["-t", "tracefs", "nodev", "/sys/kernel/tracing"]);
    }
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/opensnoop.ks"),
    )
    .unwrap();
    let project = build(SUITE, "opensnoop", &source);
    let missing = format!("/ks-opensnoop-missing-{}", std::process::id());
    // Opens a file that exists and one that does not, every 50 ms.
    let opener = Command::new("sh")
        .args([
            "-c",
            &format!(
                "while true; do cat /etc/hostname {missing} >/dev/null 2>&1; sleep 0.05; done"
            ),
        ])
        .spawn()
        .unwrap();
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _opener = Kill(opener);
    let result = |line: &str| -> Option<i64> { line.split_whitespace().nth(2)?.parse().ok() };

    let mut all = Running::start(&project.binary, &[]);
    let lines = lines_until(&mut all, |line| {
        line.ends_with(" /etc/hostname") && result(line).is_some_and(|ret| ret >= 0)
    });
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["PID", "COMM", "RET", "PATH"]
    );
    all.signal("INT");
    let (status, _, stderr) = all.finish();
    assert_eq!(status, Some(0), "{stderr}");

    let mut failed = Running::start(&project.binary, &["-x", "-c", "400"]);
    let lines = lines_until(&mut failed, |line| line.ends_with(&format!(" {missing}")));
    assert_eq!(result(lines.last().unwrap()), Some(-2), "{lines:?}");
    for line in &lines[1..] {
        assert!(
            result(line).is_some_and(|ret| ret < 0),
            "a successful open with -x: {line}"
        );
    }
    failed.signal("INT");
    let (status, _, stderr) = failed.finish();
    assert_eq!(status, Some(0), "{stderr}");
}

/// Two network namespaces joined by a veth pair: `guard` (10.202.0.1, the
/// firewall's side) and `outside` (10.202.0.2 and 10.202.0.3). Dropping it
/// deletes both namespaces, and with them the pair.
struct TwoNamespaces {
    guard: String,
    outside: String,
    guard_link: String,
}

impl TwoNamespaces {
    fn new() -> TwoNamespaces {
        let id = std::process::id() % 100_000;
        let pair = TwoNamespaces {
            guard: format!("ks-fw-guard-{id}"),
            outside: format!("ks-fw-outside-{id}"),
            guard_link: format!("kfw{id}g"),
        };
        let outside_link = format!("kfw{id}o");
        for namespace in [&pair.guard, &pair.outside] {
            let _ = Command::new("ip")
                .args(["netns", "del", namespace])
                .output();
            sh("ip", &["netns", "add", namespace]);
        }
        sh(
            "ip",
            &[
                "link",
                "add",
                &pair.guard_link,
                "netns",
                &pair.guard,
                "type",
                "veth",
                "peer",
                "name",
                &outside_link,
                "netns",
                &pair.outside,
            ],
        );
        let guard = |args: &[&str]| pair.exec(&pair.guard, args);
        guard(&[
            "ip",
            "addr",
            "add",
            "10.202.0.1/24",
            "dev",
            &pair.guard_link,
        ]);
        guard(&["ip", "link", "set", &pair.guard_link, "up"]);
        let outside = |args: &[&str]| pair.exec(&pair.outside, args);
        outside(&["ip", "addr", "add", "10.202.0.2/24", "dev", &outside_link]);
        outside(&["ip", "addr", "add", "10.202.0.3/24", "dev", &outside_link]);
        outside(&["ip", "link", "set", &outside_link, "up"]);
        pair
    }

    fn exec(&self, namespace: &str, command: &[&str]) -> Output {
        let mut args = vec!["netns", "exec", namespace];
        args.extend_from_slice(command);
        sh("ip", &args)
    }
}

impl Drop for TwoNamespaces {
    fn drop(&mut self) {
        for namespace in [&self.guard, &self.outside] {
            let _ = Command::new("ip")
                .args(["netns", "del", namespace])
                .output();
        }
    }
}

/// `examples/firewall.ks`: with `--block 10.202.0.2` (a dotted address on
/// the command line), UDP datagrams from 10.202.0.2 never reach a socket
/// behind the XDP program, those from 10.202.0.3 do, and the program's
/// counters agree.
#[test]
fn the_firewall_example_drops_the_blocked_source_and_passes_others() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/firewall.ks"),
    )
    .unwrap();
    let project = build(SUITE, "firewall", &source);
    let net = TwoNamespaces::new();
    let binary = project.binary.to_str().unwrap();
    let mut firewall = Running::start(
        Path::new("ip"),
        &[
            "netns",
            "exec",
            &net.guard,
            binary,
            "-i",
            &net.guard_link,
            "-b",
            "10.202.0.2",
            "-s",
            "4",
        ],
    );
    firewall.wait_for_line(&format!("blocking 10.202.0.2 on {}", net.guard_link));

    // A receiver behind the firewall counts datagrams by source until
    // nothing arrives for a second.
    let receiver_script = "import socket, sys\n\
         s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
         s.bind(('10.202.0.1', 9999))\n\
         print('ready', flush=True)\n\
         s.settimeout(1.0)\n\
         counts = {}\n\
         try:\n    while True:\n        _, (src, _) = s.recvfrom(64)\n        counts[src] = counts.get(src, 0) + 1\n\
         except socket.timeout:\n    pass\n\
         for src in sorted(counts):\n    print(src, counts[src])\n";
    let mut receiver = Running::start(
        Path::new("ip"),
        &[
            "netns",
            "exec",
            &net.guard,
            "python3",
            "-c",
            receiver_script,
        ],
    );
    receiver.wait_for_line("ready");
    let sender_script = "import socket, time\n\
         for src in ('10.202.0.2', '10.202.0.3'):\n    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n    s.bind((src, 0))\n    for _ in range(5):\n        s.sendto(b'x' * 32, ('10.202.0.1', 9999))\n        time.sleep(0.01)\n";
    net.exec(&net.outside, &["python3", "-c", sender_script]);
    let (status, received, stderr) = receiver.finish();
    assert_eq!(status, Some(0), "receiver: {stderr}");
    assert_eq!(received, ["ready", "10.202.0.3 5"]);

    let (status, stdout, stderr) = firewall.finish();
    assert_eq!(status, Some(0), "firewall: {stderr}");
    let last = stdout.last().unwrap();
    let passed: u64 = last
        .strip_prefix("dropped 5 from 10.202.0.2, passed ")
        .unwrap_or_else(|| panic!("{stdout:?}"))
        .parse()
        .unwrap();
    // The five datagrams from 10.202.0.3 (and nothing else IPv4 is sent).
    assert_eq!(passed, 5, "{stdout:?}");

    // A malformed address is refused before anything is loaded.
    let bad = Command::new(&project.binary)
        .args(["-i", "lo", "-b", "10.202.0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("invalid value '10.202.0' for --block"),
        "{}",
        text(&bad.stderr)
    );
}

/// `examples/execsnoop.ks`: a command run after the tracer started shows
/// up with its argv (read from user memory, arguments with spaces intact),
/// `-n` keeps only command lines containing the text, `-c 1` stops after
/// it.
#[test]
fn the_execsnoop_example_shows_the_argv_of_a_command() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    if !Path::new("/sys/kernel/tracing/events").exists() {
        sh("mount", &["-t", "tracefs", "nodev", "/sys/kernel/tracing"]);
    }
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/execsnoop.ks"),
    )
    .unwrap();
    let project = build(SUITE, "execsnoop", &source);
    let marker = format!("ks-execsnoop-{}", std::process::id());
    let mut tracer = Running::start(&project.binary, &["-n", &marker, "-c", "1", "-t"]);
    let header = "TIME     PID     COMM             ARGS";
    tracer.wait_for_line(header);
    // A command that does not match comes first; the tracer must skip it.
    sh("/bin/true", &["unrelated"]);
    let child = Command::new("/bin/echo")
        .args([marker.as_str(), "second", "a third argument"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let _ = child.wait_with_output();
    let (status, lines, stderr) = tracer.finish();
    assert_eq!(status, Some(0), "{stderr}");
    assert_eq!(lines.len(), 2, "{lines:?}");
    let fields: Vec<&str> = lines[1].split_whitespace().collect();
    let clock = fields[0].as_bytes();
    assert!(clock.len() == 8 && clock[2] == b':', "{lines:?}");
    assert_eq!(fields[1], pid.to_string(), "{lines:?}");
    assert!(
        lines[1].ends_with(&format!(" /bin/echo {marker} second a third argument")),
        "{lines:?}"
    );
}
