//! Measures what loading kernel BTF costs: reading the file, the
//! structural parse, building the name index, the first lookups, and the
//! heap memory held (counted by a wrapping global allocator). Run with
//! `cargo run --release -p btf --example measure [PATH]`; prints one line
//! per figure. It must stay a measurement, not a test: it asserts nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use btf::{Btf, TypeKind};

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(pointer, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn milliseconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// Runs `work` `RUNS` times on fresh copies and returns the fastest time
/// in milliseconds (the machine is shared, so the minimum is the honest
/// figure for the code itself).
fn fastest(bytes: &[u8], work: impl Fn(&Btf)) -> f64 {
    const RUNS: usize = 15;
    (0..RUNS)
        .map(|_| {
            let kernel = Btf::from_btf_or_elf(bytes.to_vec()).expect("parses");
            let start = Instant::now();
            work(&kernel);
            milliseconds(start)
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/sys/kernel/btf/vmlinux".into());
    let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let parse_min = (0..15)
        .map(|_| {
            let copy = bytes.clone();
            let start = Instant::now();
            let kernel = Btf::from_btf_or_elf(copy).expect("parses");
            let elapsed = milliseconds(start);
            drop(kernel);
            elapsed
        })
        .fold(f64::INFINITY, f64::min);
    let index_min = fastest(&bytes, |kernel| kernel.build_name_index());
    let enum_min = fastest(&bytes, |kernel| {
        kernel.enum_constant("BPF_ANY");
    });
    let validate_min = fastest(&bytes, |kernel| {
        kernel.validate().expect("valid");
    });
    println!("fastest of 15: parse {parse_min:.2} ms, name index {index_min:.2} ms, enumerator index {enum_min:.2} ms, validation {validate_min:.2} ms");
    let kernel = Btf::from_btf_or_elf(bytes.clone()).expect("parses");
    kernel.build_name_index();
    let repeat = |work: &dyn Fn()| {
        (0..15)
            .map(|_| {
                let start = Instant::now();
                work();
                milliseconds(start)
            })
            .fold(f64::INFINITY, f64::min)
    };
    let lookup_ms = repeat(&|| {
        kernel.find_by_name(TypeKind::Struct, "task_struct");
    });
    let struct_ms = repeat(&|| {
        kernel.similar_type_names(&[TypeKind::Struct], "task_strcut");
    });
    let function_ms = repeat(&|| {
        kernel.similar_type_names(&[TypeKind::Func], "do_unlinkt");
    });
    let tracepoints_ms = repeat(&|| {
        kernel.tracepoints();
    });
    let wakeup_ms = {
        let tracepoints = kernel.tracepoints();
        repeat(&|| {
            tracepoints
                .context("sched", "sched_wakeup", None)
                .expect("maps");
        })
    };
    println!(
        "fastest of 15 with indexes built: lookup {:.1} us, did you mean over structs {struct_ms:.2} ms, over functions {function_ms:.2} ms, tracepoints() {tracepoints_ms:.2} ms, context(sched/sched_wakeup) {:.1} us",
        lookup_ms * 1e3,
        wakeup_ms * 1e3
    );
    drop(bytes);
    single_run(&path);
}

fn single_run(path: &str) {
    let before = LIVE.load(Ordering::Relaxed);
    let start = Instant::now();
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let read_ms = milliseconds(start);
    let length = bytes.len();

    let start = Instant::now();
    let kernel = Btf::from_btf_or_elf(bytes).unwrap_or_else(|error| panic!("{path}: {error}"));
    let parse_ms = milliseconds(start);

    let start = Instant::now();
    kernel.build_name_index();
    let index_ms = milliseconds(start);

    let start = Instant::now();
    let task = kernel.find_by_name(TypeKind::Struct, "task_struct");
    let lookup_us = start.elapsed().as_secs_f64() * 1e6;

    let start = Instant::now();
    let pid = task.and_then(|task| kernel.find_member_path(task, "pid").ok().flatten());
    let member_us = start.elapsed().as_secs_f64() * 1e6;
    let held = LIVE.load(Ordering::Relaxed) - before;

    let start = Instant::now();
    let constant = kernel.enum_constant("BPF_ANY");
    let enum_ms = milliseconds(start);

    let start = Instant::now();
    let similar_struct = kernel.similar_type_names(&[TypeKind::Struct], "task_strcut");
    let similar_struct_ms = milliseconds(start);
    let start = Instant::now();
    let similar_function = kernel.similar_type_names(&[TypeKind::Func], "do_unlinkt");
    let similar_function_ms = milliseconds(start);
    let start = Instant::now();
    let tracepoints = kernel.tracepoints();
    let wakeup = tracepoints
        .context("sched", "sched_wakeup", None)
        .map(|c| c.struct_name);
    let tracepoints_ms = milliseconds(start);

    let start = Instant::now();
    let validation = kernel.validate();
    let validate_ms = milliseconds(start);

    println!(
        "file: {path} ({length} bytes, {} types)",
        kernel.last_type_id().0
    );
    println!("read file: {read_ms:.2} ms");
    println!("structural parse: {parse_ms:.2} ms");
    println!("name index: {index_ms:.2} ms");
    println!("first lookup (struct task_struct): {lookup_us:.1} us -> {task:?}");
    println!(
        "member task_struct.pid: {member_us:.1} us -> byte {:?}",
        pid.map(|found| found.byte_offset())
    );
    println!("heap held after index: {} KiB", held / 1024);
    println!(
        "enumerator index + BPF_ANY: {enum_ms:.2} ms -> {:?}",
        constant.map(|constant| constant.value)
    );
    println!("did you mean (structs) task_strcut: {similar_struct_ms:.2} ms -> {similar_struct:?}");
    println!(
        "did you mean (functions) do_unlinkt: {similar_function_ms:.2} ms -> {similar_function:?}"
    );
    println!("tracepoint index + sched/sched_wakeup: {tracepoints_ms:.2} ms -> {wakeup:?}");
    println!("full validation: {validate_ms:.2} ms -> {validation:?}");
    println!(
        "heap held in total: {} KiB",
        (LIVE.load(Ordering::Relaxed) - before) / 1024
    );
}
