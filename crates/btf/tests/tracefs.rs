//! Tracepoint contexts on the running kernel: the struct each event's
//! program reads, checked field by field against the event's tracefs
//! format file, for chosen events and for every event tracefs lists.
//! Reading tracefs takes the shared kernel lock; without tracefs or
//! vmlinux BTF the tests print `skipped: <reason>` (or fail when
//! `KS_REQUIRE_KERNEL=1`). They must not load programs.

use std::path::{Path, PathBuf};

use btf::{Btf, ContextSource, TracepointFormat};

const EVENTS: &str = "/sys/kernel/tracing/events";

/// The kernel's BTF and the lock, or `None` after printing why not.
fn setup() -> Option<(Btf, testkit::KernelGuard)> {
    let reason = if !Path::new(EVENTS).is_dir() {
        format!("{EVENTS} is not mounted (scripts/install-deps.sh mounts tracefs)")
    } else {
        match std::fs::read("/sys/kernel/btf/vmlinux") {
            Ok(bytes) => {
                let kernel = Btf::from_vec(bytes).expect("vmlinux BTF parses");
                return Some((kernel, testkit::kernel_lock()));
            }
            Err(error) => format!("no /sys/kernel/btf/vmlinux: {error}"),
        }
    };
    assert!(
        !testkit::kernel_required(),
        "{}=1 but: {reason}",
        testkit::REQUIRE_KERNEL_ENV
    );
    println!("skipped: {reason}");
    None
}

fn format_of(category: &str, event: &str) -> TracepointFormat {
    let path = Path::new(EVENTS).join(category).join(event).join("format");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    TracepointFormat::parse(&text).expect("tracefs format parses")
}

#[test]
fn well_known_events_map_to_their_structs() {
    let Some((kernel, _lock)) = setup() else {
        return;
    };
    let tracepoints = kernel.tracepoints();
    for (category, event, expected, source) in [
        (
            "sched",
            "sched_wakeup",
            "trace_event_raw_sched_wakeup_template",
            ContextSource::EventClass,
        ),
        (
            "sched",
            "sched_wakeup_new",
            "trace_event_raw_sched_wakeup_template",
            ContextSource::EventClass,
        ),
        (
            "sched",
            "sched_switch",
            "trace_event_raw_sched_switch",
            ContextSource::Event,
        ),
        (
            "sched",
            "sched_process_exec",
            "trace_event_raw_sched_process_exec",
            ContextSource::Event,
        ),
        (
            "sched",
            "sched_process_free",
            "trace_event_raw_sched_process_template",
            ContextSource::EventClass,
        ),
        (
            "syscalls",
            "sys_enter_openat",
            "trace_event_raw_sys_enter",
            ContextSource::Syscall,
        ),
        (
            "syscalls",
            "sys_exit_openat",
            "trace_event_raw_sys_exit",
            ContextSource::Syscall,
        ),
        (
            "raw_syscalls",
            "sys_enter",
            "trace_event_raw_sys_enter",
            ContextSource::Event,
        ),
        (
            "net",
            "netif_receive_skb",
            "trace_event_raw_net_dev_template",
            ContextSource::EventClass,
        ),
        (
            "block",
            "block_rq_issue",
            "trace_event_raw_block_rq",
            ContextSource::EventClass,
        ),
        (
            "irq",
            "irq_handler_entry",
            "trace_event_raw_irq_handler_entry",
            ContextSource::Event,
        ),
        (
            "irq",
            "softirq_entry",
            "trace_event_raw_softirq",
            ContextSource::EventClass,
        ),
        (
            "skb",
            "kfree_skb",
            "trace_event_raw_kfree_skb",
            ContextSource::Event,
        ),
        (
            "tcp",
            "tcp_destroy_sock",
            "trace_event_raw_tcp_event_sk",
            ContextSource::EventClass,
        ),
    ] {
        let format = format_of(category, event);
        let checked = tracepoints
            .context(category, event, Some(&format))
            .unwrap_or_else(|error| panic!("{category}/{event}: {error}"));
        assert_eq!(checked.struct_name, expected, "{category}/{event}");
        assert_eq!(checked.source, source, "{category}/{event}");
        assert!(checked.checked_against_format, "{category}/{event}");
        let alone = tracepoints
            .context(category, event, None)
            .unwrap_or_else(|error| panic!("{category}/{event} from BTF alone: {error}"));
        assert_eq!(
            alone.struct_id, checked.struct_id,
            "{category}/{event} from BTF alone"
        );
    }
}

#[test]
fn sched_wakeup_fields_sit_where_tracefs_says() {
    let Some((kernel, _lock)) = setup() else {
        return;
    };
    let format = format_of("sched", "sched_wakeup");
    let context = kernel
        .tracepoints()
        .context("sched", "sched_wakeup", Some(&format))
        .expect("maps");
    for field in &format.fields {
        let member = kernel
            .find_member_path(context.struct_id, &field.name)
            .expect("query")
            .unwrap_or_else(|| panic!("member {}", field.name));
        assert_eq!(member.byte_offset(), field.offset, "{}", field.name);
        assert_eq!(member.bit_size, 8 * field.size, "{}", field.name);
    }
    let pid = format
        .fields
        .iter()
        .find(|field| field.name == "pid")
        .expect("pid");
    assert_eq!((pid.offset, pid.size), (24, 4));
}

fn all_events() -> Vec<(String, String, PathBuf)> {
    let mut events = Vec::new();
    let mut categories: Vec<PathBuf> = std::fs::read_dir(EVENTS)
        .expect("tracefs")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    categories.sort();
    for category in categories {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&category)
            .expect("category")
            .flatten()
            .map(|entry| entry.path().join("format"))
            .filter(|path| path.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let name = |path: &Path| {
                path.file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned()
            };
            let event = path.parent().expect("event dir");
            events.push((name(&category), name(event), path.clone()));
        }
    }
    events
}

/// Every event with a format file maps to a struct whose fields match it,
/// except the `ftrace` category: ftrace's own records (function, print,
/// ...) are not tracepoints, BPF cannot attach to them, and BTF has no
/// struct for them.
#[test]
fn every_attachable_tracefs_event_maps_to_a_checked_struct() {
    let Some((kernel, _lock)) = setup() else {
        return;
    };
    let tracepoints = kernel.tracepoints();
    let events = all_events();
    let mut failures = Vec::new();
    let mut btf_alone_differs = 0;
    let mut mapped = 0;
    for (category, event, path) in &events {
        if category == "ftrace" {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("format");
        let format = TracepointFormat::parse(&text).expect("format parses");
        match tracepoints.context(category, event, Some(&format)) {
            Ok(context) => {
                assert!(context.checked_against_format);
                mapped += 1;
                let alone = tracepoints.context(category, event, None);
                if alone.map(|alone| alone.struct_id) != Ok(context.struct_id) {
                    btf_alone_differs += 1;
                }
            }
            Err(error) => failures.push(format!("{category}/{event}: {error}")),
        }
    }
    println!(
        "{mapped} events mapped and checked; from BTF alone {btf_alone_differs} would differ \
         (layout-ambiguous classes); ftrace records skipped"
    );
    assert!(
        failures.is_empty(),
        "unmapped events:\n{}",
        failures.join("\n")
    );
    assert!(mapped > 500, "only {mapped} events: is tracefs complete?");
    // BTF alone is right for the overwhelming majority.
    assert!(
        btf_alone_differs * 20 < mapped,
        "{btf_alone_differs} of {mapped}"
    );
}

#[test]
fn raw_tracepoint_arguments_of_sched_switch() {
    let Some((kernel, _lock)) = setup() else {
        return;
    };
    let raw = kernel
        .tracepoints()
        .raw_tracepoint("sched_switch")
        .expect("btf_trace_sched_switch");
    let arguments: Vec<String> = raw
        .arguments
        .iter()
        .map(|(name, id)| kernel.c_declaration(*id, name).expect("spellable"))
        .collect();
    assert_eq!(
        arguments,
        [
            "bool preempt",
            "struct task_struct *prev",
            "struct task_struct *next",
            "unsigned int prev_state"
        ]
    );
}
