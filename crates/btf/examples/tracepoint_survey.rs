//! Maps every tracefs event with a format file to its context struct and
//! reports the success rate: with the format file (each field checked
//! against the struct) and from BTF alone (compared with the checked
//! answer). Run with `cargo run --release -p btf --example
//! tracepoint_survey [TRACEFS_EVENTS_DIR]`; lists the failures. It
//! measures, it does not assert.

use std::collections::BTreeMap;
use std::path::Path;

use btf::{Btf, ContextSource, TracepointFormat};

fn main() {
    let events_dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/sys/kernel/tracing/events".into());
    let kernel = Btf::from_vec(std::fs::read("/sys/kernel/btf/vmlinux").expect("vmlinux BTF"))
        .expect("parses");
    let start = std::time::Instant::now();
    let tracepoints = kernel.tracepoints();
    println!(
        "tracepoint index: {:.2} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    let mut total = 0;
    let mut by_source: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut btf_only_agrees = 0;
    let mut btf_only_compatible = 0;
    let mut btf_only_disagrees = Vec::new();
    let mut ambiguous = 0;
    let mut categories: Vec<_> = std::fs::read_dir(&events_dir)
        .expect("tracefs events")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    categories.sort();
    let start = std::time::Instant::now();
    for category_path in categories {
        let category = category_path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let mut events: Vec<_> = std::fs::read_dir(&category_path)
            .unwrap()
            .flatten()
            .map(|entry| entry.path())
            .collect();
        events.sort();
        for event_path in events {
            let Ok(text) = std::fs::read_to_string(event_path.join("format")) else {
                continue;
            };
            let event = event_path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            total += 1;
            let format = TracepointFormat::parse(&text).expect("format parses");
            match tracepoints.context(&category, &event, Some(&format)) {
                Ok(context) => {
                    *by_source
                        .entry(format!("{:?}", context.source))
                        .or_default() += 1;
                    if !context.alternatives.is_empty() {
                        ambiguous += 1;
                    }
                    match tracepoints.context(&category, &event, None) {
                        Ok(alone) if alone.struct_id == context.struct_id => btf_only_agrees += 1,
                        Ok(alone)
                            if tracepoints.matches_format(alone.struct_id, &format)
                                || alone.source == ContextSource::Syscall =>
                        {
                            btf_only_compatible += 1
                        }
                        other => btf_only_disagrees.push(format!(
                            "{category}/{event}: {} vs {:?}",
                            context.struct_name,
                            other.map(|alone| alone.struct_name)
                        )),
                    }
                }
                Err(error) => failures
                    .entry(category.clone())
                    .or_default()
                    .push(format!("{event}: {error}")),
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64() * 1e3;
    let failed: usize = failures.values().map(Vec::len).sum();
    println!("events with a format file: {total} ({elapsed:.0} ms for all)");
    println!(
        "mapped and checked against the format: {} ({:.1}%)",
        total - failed,
        100.0 * (total - failed) as f64 / total as f64
    );
    println!("  by source: {by_source:?}");
    println!("  with layout-identical alternatives: {ambiguous}");
    println!(
        "BTF alone (no format file): same struct {btf_only_agrees}, another struct with the same layout {btf_only_compatible}, wrong or none {}",
        btf_only_disagrees.len()
    );
    for line in &btf_only_disagrees {
        println!("  BTF-only mismatch: {line}");
    }
    for (category, events) in &failures {
        println!("unmapped in {category}: {}", events.len());
        for event in events.iter().take(5) {
            println!("  {event}");
        }
    }
    let _ = Path::new(&events_dir);
}
