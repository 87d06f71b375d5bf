//! Generated userspace programs, run without the kernel: integer
//! arithmetic has the language's (eBPF's) meaning — the same values the
//! eBPF program of `tests/e2e/defined_arithmetic.ks` computes in the
//! kernel — and a multi-megabyte `Args` struct never lives on the stack,
//! so `--help` and a normal run work. Built with the generated Makefile
//! under `-Werror` (clang, bpftool, cc and libbpf needed).

mod support;

use std::process::Command;

const ARITHMETIC: &str = r#"
@xdp fn unused(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

struct Args {
    len: u32,
}

fn compute(len: u32) -> u32 {
    var zero = len - 42
    var minus_one = (zero as i32) - 1
    var big: u64 = len as u64
    print("%llu", big / (zero as u64))
    print("%llu", big % (zero as u64))
    var min32: i32 = (len as i32) - 2147483647 - 43
    print("%d", min32 / minus_one)
    print("%d", min32 % minus_one)
    print("%lld", (min32 as i64) / (zero as i64))
    print("%lld", (min32 as i64) % (zero as i64))
    var one: u32 = len - 41
    print("%u", one << (len - 2))
    var one64 = one as u64
    print("%llu", one64 << (len + 28))
    var negative: i32 = 0 - (len as i32)
    print("%d", negative >> (len - 9))
    var small: u8 = one as u8
    print("%u", (small << (len - 33)) as u32)
    var shifted: u32 = one
    shifted <<= len
    print("%u", shifted)
    var quotient: u64 = big
    quotient /= zero as u64
    print("%llu", quotient)
    var remainder: i64 = min32 as i64
    remainder %= zero as i64
    print("%lld", remainder)
    return 0
}

fn main(args: Args) -> i32 {
    return compute(args.len) as i32
}
"#;

#[test]
fn userspace_division_and_shifts_follow_ebpf() {
    let project = support::build("semantics", "arithmetic", ARITHMETIC);
    let output = Command::new(&project.binary)
        .args(["--len", "42"])
        .output()
        .expect("run the program");
    assert!(
        output.status.success(),
        "{:?}: {}",
        output.status,
        support::text(&output.stderr)
    );
    assert_eq!(
        support::text(&output.stdout),
        "0\n42\n-2147483648\n0\n0\n-2147483648\n256\n64\n-21\n0\n1024\n0\n-2147483648\n"
    );
}

const HUGE_ARGS: &str = r#"
@xdp fn unused(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

struct Args {
    blob: str(16777212),
    count: u32,
}

fn main(args: Args) -> i32 {
    print("count %u, blob %s", args.count, args.blob)
    return 0
}
"#;

#[test]
fn a_sixteen_megabyte_args_struct_is_not_on_the_stack() {
    let project = support::build("semantics", "huge_args", HUGE_ARGS);
    let help = Command::new(&project.binary)
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success(), "--help: {:?}", help.status);
    assert!(support::text(&help.stdout).contains("--blob"));
    let run = Command::new(&project.binary)
        .args(["--count", "3", "--blob", "xyz"])
        .output()
        .unwrap();
    assert!(run.status.success(), "run: {:?}", run.status);
    assert_eq!(support::text(&run.stdout), "count 3, blob xyz\n");
}

const PRINTING: &str = r#"
@xdp fn unused(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

struct Event {
    pid: u32,
    comm: u8[8],
    args: u8[16],
}

fn main() -> i32 {
    var e = Event { pid: 7, comm: [107, 115, 0, 120], args: [97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112] }
    print("%s %u", e.comm, e.pid)
    var arg: *u8 = &e.args[2]
    print("arg=%.3s", arg)
    print("all", e.args)
    printf("no newline %d", 1)
    printf("|")
    print("")
    eprint("to stderr %s", e.comm)
    eprintf("and %d", 2)
    return 0
}
"#;

#[test]
fn byte_arrays_and_byte_pointers_print_as_text_on_the_chosen_stream() {
    let project = support::build("semantics", "printing", PRINTING);
    let output = Command::new(&project.binary).output().unwrap();
    assert!(output.status.success(), "{:?}", output.status);
    // `comm` stops at its NUL; `args` has none and stops at its 16 bytes.
    assert_eq!(
        support::text(&output.stdout),
        "ks 7\narg=cde\nall abcdefghijklmnop\nno newline 1|\n"
    );
    assert_eq!(support::text(&output.stderr), "to stderr ks\nand 2");
}

const OPTIONS: &str = r#"
@xdp fn unused(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

struct Args {
    @short("x") @help("only failed opens")
    failed: bool = false,
    @short("d") @help("seconds to run")
    duration: u32 = 100,
    interface: str(16) = "lo",
    offset: i32 = -5,
}

fn main(args: Args) -> i32 {
    print("%d %u %s %d", args.failed, args.duration, args.interface, args.offset)
    return 0
}
"#;

#[test]
fn options_have_defaults_short_forms_and_help_text() {
    let project = support::build("semantics", "options", OPTIONS);
    let run = |args: &[&str]| Command::new(&project.binary).args(args).output().unwrap();
    let defaults = run(&[]);
    assert_eq!(support::text(&defaults.stdout), "0 100 lo -5\n");
    let short = run(&["-x", "-d", "5", "--interface", "eth0"]);
    assert_eq!(support::text(&short.stdout), "1 5 eth0 -5\n");
    let joined = run(&["-d7", "--failed=false", "--offset=-9"]);
    assert_eq!(support::text(&joined.stdout), "0 7 lo -9\n");
    let help = run(&["--help"]);
    let help = support::text(&help.stdout);
    assert!(
        help.contains("  -x, --failed[=BOOL]  only failed opens (true or false (alone: true); default: false)\n"),
        "{help}"
    );
    assert!(
        help.contains("  -d, --duration=U32   seconds to run"),
        "{help}"
    );
    assert!(
        help.contains("      --interface=STR  text of at most 15 bytes; default: \"lo\"\n"),
        "{help}"
    );
    let unknown = run(&["-q"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(support::text(&unknown.stderr).starts_with("options: unknown option '-q'\n"));
    let missing = run(&["-d"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(support::text(&missing.stderr).contains("option '--duration' needs a value"));
}

const LIBRARY: &str = r#"
@xdp fn unused(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

struct Args {
    @ipv4 @short("b")
    block: u32,
    text: str(32),
    needle: str(8),
    six: str(46),
}

fn main(args: Args) -> i32 {
    print("pid %u", getpid())
    var start = now_ns()
    var wall = time_ns()
    print("wall %llu %s", wall / 1000000000, format_time(wall))
    var bytes = args.block
    print("block %s %u", format_ipv4(args.block), bytes)
    var addr: u32 = 7
    var parsed = parse_ipv4("10.0.0.256", &addr)
    print("bad4 %d %u", parsed, addr)
    parsed = parse_ipv4("10.0.0.1", &addr)
    print("good4 %d %u %s", parsed, addr, format_ipv4(addr))
    var six: u8[16]
    if (parse_ipv6(args.six, &six)) {
        print("six %s %u %u", format_ipv6(six), six[0], six[15])
    } else {
        print("six rejected")
    }
    print("find %d contains %d starts %d", str_find(args.text, args.needle), str_contains(args.text, args.needle), str_starts_with(args.text, args.needle))
    print("cmp %d %d %d", str_cmp("abc", "abd"), str_cmp(args.needle, args.needle), str_cmp("ab", "a"))
    print("elapsed %d", now_ns() >= start)
    return 0
}
"#;

#[test]
fn the_standard_library_reads_clocks_addresses_and_strings() {
    let project = support::build("semantics", "library", LIBRARY);
    let run = |args: &[&str]| Command::new(&project.binary).args(args).output().unwrap();
    let output = run(&[
        "-b",
        "192.168.1.7",
        "--text",
        "/usr/bin/python3",
        "--needle",
        "bin",
        "--six",
        "2001:DB8:0:0:0:0:0:1",
    ]);
    assert!(output.status.success(), "{}", support::text(&output.stderr));
    let stdout = support::text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("pid {}", output_pid(&lines)));
    // The wall clock agrees with the test's own, to the second.
    let wall: Vec<&str> = lines[1].split(' ').collect();
    let seconds: u64 = wall[1].parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now.abs_diff(seconds) <= 5, "{seconds} vs {now}");
    let clock = wall[2].as_bytes();
    assert!(
        clock.len() == 8 && clock[2] == b':' && clock[5] == b':',
        "{}",
        wall[2]
    );
    // Network order: the first octet is the lowest-addressed byte, as in
    // `iph->saddr` (7.1.168.192 read as a little-endian u32).
    let block = u32::from_ne_bytes([192, 168, 1, 7]);
    assert_eq!(lines[2], format!("block 192.168.1.7 {block}"));
    assert_eq!(lines[3], "bad4 0 7");
    let ten = u32::from_ne_bytes([10, 0, 0, 1]);
    assert_eq!(lines[4], format!("good4 1 {ten} 10.0.0.1"));
    assert_eq!(lines[5], "six 2001:db8::1 32 1");
    assert_eq!(lines[6], "find 5 contains 1 starts 0");
    assert_eq!(lines[7], "cmp -1 0 1");
    assert_eq!(lines[8], "elapsed 1");

    let other = run(&["--text", "abc", "--needle", "", "--six", "1.2.3.4"]);
    let stdout = support::text(&other.stdout);
    assert!(stdout.contains("block 0.0.0.0 0\n"), "{stdout}");
    assert!(stdout.contains("six rejected\n"), "{stdout}");
    assert!(stdout.contains("find 0 contains 1 starts 1\n"), "{stdout}");

    let bad = run(&["--block", "10.0.0"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        support::text(&bad.stderr).contains(
            "invalid value '10.0.0' for --block: expected an IPv4 address such as 10.0.0.1"
        ),
        "{}",
        support::text(&bad.stderr)
    );
    let help = support::text(&run(&["--help"]).stdout);
    assert!(
        help.contains("  -b, --block=ADDR  a dotted IPv4 address\n"),
        "{help}"
    );
}

/// The pid the program printed, checked to be a plausible live pid.
fn output_pid(lines: &[&str]) -> u32 {
    let pid: u32 = lines[0].trim_start_matches("pid ").parse().unwrap();
    assert!(pid > 1);
    pid
}

const OBJECTS: &str = r#"
@xdp fn unused(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

struct Note {
    value: u64,
    count: u32,
    tag: u8,
}

fn fill(note: *Note, value: u64) {
    note->value = value
    note->count += 1
}

fn main() -> i32 {
    var total: u64 = 0
    for (i in 0..1000) {
        var note = new Note()
        if (note == null) {
            return 1
        }
        total += note->value + note->count + note->tag
        fill(note, i)
        total += note->value
        delete note
    }
    print("%llu", total)
    return 0
}
"#;

/// `new`/`delete` in userspace: zeroed heap objects (a dirtied object is
/// freed before the next one is allocated, so calloc's zeroing is what the
/// sum of the fresh fields, 0, proves), freed by `delete`.
#[test]
fn userspace_objects_start_zeroed() {
    let project = support::build("semantics", "objects", OBJECTS);
    let output = Command::new(&project.binary)
        .output()
        .expect("run the program");
    assert!(
        output.status.success(),
        "{:?}: {}",
        output.status,
        support::text(&output.stderr)
    );
    // 0 + 1 + ... + 999: only the values written; every fresh field was 0.
    assert_eq!(support::text(&output.stdout), "499500\n");
}

/// A deferred call that throws: the code leaves the function for the
/// caller's `try`, and the deferred calls registered before it do not run
/// (the eBPF lowering does the same: `tests/e2e/throw_in_expressions.ks`).
const DEFERRED_THROW: &str = r#"
@xdp fn unused(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

const E: i32 = 5

fn mark(n: u32) {
    print("mark", n)
}

fn release(x: u32) {
    print("release")
    if (x == 0) {
        throw E
    }
}

fn guarded(x: u32) -> u32 {
    defer mark(7)
    defer release(x)
    return x + 5
}

fn main() -> i32 {
    try {
        print("r", guarded(0))
    } catch E {
        print("caught")
    }
    try {
        print("r", guarded(1))
    } catch E {
        print("caught")
    }
    return 0
}
"#;

#[test]
fn a_throw_from_a_deferred_call_leaves_for_the_callers_try() {
    let project = support::build("semantics", "deferred_throw", DEFERRED_THROW);
    let output = Command::new(&project.binary).output().unwrap();
    assert!(output.status.success(), "{:?}", output.status);
    assert_eq!(
        support::text(&output.stdout),
        "release\ncaught\nrelease\nmark 7\nr 6\n"
    );
}

const ADDRESS_OPTIONS: &str = r#"
@xdp fn unused(ctx: *xdp_md) -> xdp_action {
    return XDP_PASS
}

struct Event {
    comm: u8[16],
    tag: char[4],
}

struct Args {
    @ipv4 @short("b") @help("address to block")
    block: u32 = "10.0.0.1",
    @ipv6
    six: u8[16] = "fd00::1",
    @ipv6 @short("s")
    peer: u8[16],
}

fn main(args: Args) -> i32 {
    print("%s %u %s %s", format_ipv4(args.block), args.block, format_ipv6(args.six), format_ipv6(args.peer))
    var e = Event { comm: [98, 97, 115, 104], tag: ['w', 'x', 'y', 'z'] }
    var name = e.comm as str(16)
    var tag = e.tag as str(4)
    var path: str(12) = "/sys"
    path += "/fs"
    path += tag
    path += name
    print("%s|%s|%s|%d", name, tag, path, e.comm as str(16) == "bash")
    return 0
}
"#;

#[test]
fn address_options_take_defaults_and_byte_arrays_become_strings() {
    let project = support::build("semantics", "addresses", ADDRESS_OPTIONS);
    let run = |args: &[&str]| Command::new(&project.binary).args(args).output().unwrap();
    let defaults = run(&[]);
    assert!(
        defaults.status.success(),
        "{}",
        support::text(&defaults.stderr)
    );
    // 10.0.0.1 in network order read as a little-endian u32; the last
    // byte of `tag` (no NUL) is dropped; `path` keeps 11 bytes.
    assert_eq!(
        support::text(&defaults.stdout),
        format!(
            "10.0.0.1 {} fd00::1 ::\nbash|wxy|/sys/fswxyb|1\n",
            u32::from_ne_bytes([10, 0, 0, 1])
        )
    );
    let given = run(&[
        "-b",
        "192.168.1.7",
        "--six=2001:DB8:0:0::1",
        "-s",
        "::ffff:10.1.2.3",
    ]);
    assert!(given.status.success(), "{}", support::text(&given.stderr));
    assert!(
        support::text(&given.stdout).starts_with(&format!(
            "192.168.1.7 {} 2001:db8::1 ::ffff:10.1.2.3\n",
            u32::from_ne_bytes([192, 168, 1, 7])
        )),
        "{}",
        support::text(&given.stdout)
    );
    let help = support::text(&run(&["--help"]).stdout);
    assert!(
        help.contains(
            "  -b, --block=ADDR  address to block (a dotted IPv4 address; default: 10.0.0.1)\n"
        ),
        "{help}"
    );
    assert!(
        help.contains("      --six=ADDR6   an IPv6 address; default: fd00::1\n"),
        "{help}"
    );
    let bad_six = run(&["--six", "10.0.0.1"]);
    assert_eq!(bad_six.status.code(), Some(2));
    assert!(
        support::text(&bad_six.stderr).contains(
            "invalid value '10.0.0.1' for --six: expected an IPv6 address such as fd00::1"
        ),
        "{}",
        support::text(&bad_six.stderr)
    );
    let bad_four = run(&["-b", "10.0.0.256"]);
    assert_eq!(bad_four.status.code(), Some(2));
    assert!(support::text(&bad_four.stderr)
        .contains("invalid value '10.0.0.256' for --block: expected an IPv4 address"));
    let missing = run(&["-s"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(support::text(&missing.stderr).contains("option '--peer' needs a value"));
}
