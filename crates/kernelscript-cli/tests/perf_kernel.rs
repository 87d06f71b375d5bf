//! Perf counters against the real kernel: a `@perf_event` program attached
//! with `attach(prog, perf_options { ... }, 0)` to a software page-fault
//! counter of the program's own process (`pid: 0`, `cpu: -1`) counts the
//! pages `main` touches, both in the counter `read()` returns and in a map
//! the program fills on every sample; a detached attachment reads -1 and
//! nothing stays loaded after exit. A hardware counter either works (a
//! machine with a PMU) or fails with the kernel's reason and status 1 (this
//! project's VMs have none).
//!
//! Each test compiles with `kernelscript compile`, builds with the
//! generated Makefile (`-Werror`) and runs the binary as root. Kernel tests
//! run one at a time (`testkit::kernel_lock`); without root or `bpf()` they
//! print `skipped: <reason>`, and fail instead when `KS_REQUIRE_KERNEL=1`.

use std::path::Path;
use std::process::Command;

mod support;
use support::{build, text};

const SUITE: &str = "perf-kernel";

/// The numbers after `label ` in `line`.
fn number_after(line: &str, label: &str) -> i64 {
    let start = line
        .find(label)
        .unwrap_or_else(|| panic!("no `{label}` in {line:?}"))
        + label.len();
    let digits: String = line[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after `{label}` in {line:?}"))
}

/// Touches 256 fresh stack pages (1 MiB) with a page-fault counter of its
/// own process attached; every fault is a sample (`period: 1`).
const PAGE_FAULTS: &str = r#"
var samples: array<u32, u64>(1)

@perf_event
fn on_fault(ctx: *bpf_perf_event_data) -> i32 {
    samples[0] += 1
    return 0
}

fn main() -> i32 {
    var prog = load(on_fault)
    var faults = attach(prog, perf_options { perf_type: perf_type_software, perf_config: page_faults, pid: 0, cpu: -1, period: 1 }, 0)
    var pages: u8[1048576]
    var touched: u64 = 0
    for (i in 0..256) {
        pages[i * 4096] = 1
    }
    for (i in 0..256) {
        touched = touched + pages[i * 4096]
    }
    sleep(10)
    var count = read(faults)
    var sampled = samples[0]
    detach(faults)
    print("touched %llu pages; counter %lld, samples %llu, after detach %lld", touched, count, sampled, read(faults))
    detach(prog)
    return 0
}
"#;

#[test]
fn a_page_fault_counter_counts_touched_pages_and_detaches() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "perf_faults", PAGE_FAULTS);
    let output = Command::new(&project.binary).output().expect("run");
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(stdout.starts_with("touched 256 pages; "), "{stdout}");
    let count = number_after(&stdout, "counter ");
    let sampled = number_after(&stdout, "samples ");
    // Most of the 256 pages are fresh; the rest of main faults a few more.
    assert!((128..100_000).contains(&count), "{stdout}");
    assert!((128..100_000).contains(&sampled), "{stdout}");
    assert_eq!(number_after(&stdout, "after detach "), -1, "{stdout}");
    let left = Command::new("bpftool")
        .args(["prog", "show", "name", "on_fault"])
        .output()
        .expect("run bpftool");
    assert_eq!(text(&left.stdout), "", "a program stayed loaded");
}

/// Allocation failure for real: a cpu-clock program runs in the timer
/// interrupt with interrupts off, where the object allocator's per-CPU
/// cache cannot be refilled (its refill is an irq_work), so a sample that
/// keeps 16 objects of 4000 bytes at once empties it and `new` returns
/// null: the program's null branch runs and counts.
const ALLOCATION_FAILURE: &str = r#"
struct Big {
    serial: u64,
    payload: u8[3992],
}

var held : hash<u32, *Big>(16)
var counts : array<u32, u64>(4)

@perf_event
fn on_tick(ctx: *bpf_perf_event_data) -> i32 {
    for (i in 0..16) {
        var object = new Big()
        if (object == null) {
            counts[1] += 1
            continue
        }
        object->serial = i + 1
        held[i] = object
        counts[0] += 1
    }
    for (i in 0..16) {
        var back = held.take(i)
        if (back != null) {
            counts[2] += back->serial
            delete back
        }
    }
    counts[3] += 1
    return 0
}

fn main() -> i32 {
    var prog = load(on_tick)
    var ticks = attach(prog, perf_options { perf_type: perf_type_software, perf_config: cpu_clock, pid: 0, cpu: -1, period: 1000000 }, 0)
    // Runs until 20 samples (1 ms of this process's CPU time each), 10 s at most.
    var start = now_ns()
    while (counts[3] < 20 && now_ns() - start < 10000000000) {
    }
    detach(ticks)
    print("samples %llu allocated %llu failed %llu serials %llu", counts[3], counts[0], counts[1], counts[2])
    return 0
}
"#;

#[test]
fn an_allocation_that_fails_runs_the_null_branch() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "allocation_failure", ALLOCATION_FAILURE);
    let output = Command::new(&project.binary).output().expect("run");
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let samples = number_after(&stdout, "samples ");
    let allocated = number_after(&stdout, "allocated ");
    let failed = number_after(&stdout, "failed ");
    let serials = number_after(&stdout, "serials ");
    assert!(samples >= 20, "{stdout}");
    // Every attempt either got an object or ran the null branch.
    assert_eq!(allocated + failed, samples * 16, "{stdout}");
    assert!(failed > 0, "no allocation failed: {stdout}");
    assert!(allocated > 0, "{stdout}");
    // Every object stored was taken back (serials 1, 2, ... per sample).
    assert!(serials >= allocated, "{stdout}");
}

/// A CPU-cycle counter of this process (hardware: needs a PMU).
const CYCLES: &str = r#"
@perf_event
fn on_cycles(ctx: *bpf_perf_event_data) -> i32 {
    return 0
}

fn main() -> i32 {
    var prog = load(on_cycles)
    var cycles = attach(prog, perf_options { perf_type: perf_type_hardware, perf_config: cpu_cycles, pid: 0, cpu: -1 }, 0)
    print("cycles counted: %d", read(cycles) > 0)
    return 0
}
"#;

#[test]
fn a_hardware_counter_works_or_fails_with_the_reason() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let project = build(SUITE, "perf_cycles", CYCLES);
    let output = Command::new(&project.binary).output().expect("run");
    if Path::new("/sys/bus/event_source/devices/cpu").exists() {
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        assert_eq!(text(&output.stdout), "cycles counted: 1\n");
    } else {
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(text(&output.stdout), "");
        assert_eq!(
            text(&output.stderr),
            "perf_cycles: cannot attach on_cycles to perf counter type 0 config 0 \
             (pid 0, cpu -1): No such file or directory\n"
        );
    }
}
