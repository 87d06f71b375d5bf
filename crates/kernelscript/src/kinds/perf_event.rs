//! `@perf_event fn NAME(ctx: *bpf_perf_event_data) -> i32`:
//! `SEC("perf_event")`.
//!
//! `attach(handle, "EVENT", hz)` opens one system-wide event per online
//! CPU (`perf_event_open`), named by the target (`cpu-clock` when empty),
//! sampled at `hz` (99 when 0), and attaches the program to each with
//! `bpf_program__attach_perf_event`. The perf-counter form of `attach`
//! (`perf_options`) lives in `codegen/userspace/attach_perf.rs` and shares
//! this kind's attachment fields. Failures return 0.

use super::{
    context_entry, no_values, Attach, Descriptor, KernelMemory, Returns, Signature, TestRun,
};

pub(super) const DESCRIPTOR: Descriptor = Descriptor {
    attribute: "perf_event",
    label: "@perf_event program",
    target: None,
    signature: Signature::Context {
        context: "bpf_perf_event_data",
        returns: Returns::I32,
    },
    program_type: "BPF_PROG_TYPE_PERF_EVENT",
    tail_calls: false,
    section: |_| "perf_event".to_string(),
    entry: context_entry,
    failure_result: "0",
    needs_kernel_types: true,
    entry_types: &[],
    kernel_memory: KernelMemory::ProbeRead,
    own_function: super::no_own_function,
    packet_pointer_fields: &[],
    attach: Attach {
        constant: "KS_PERF_EVENT",
        program_fields: &[],
        program_values: no_values,
        attachment_fields: &[
            ("struct bpf_link **links;", "perf events: one per CPU"),
            ("int *perf_fds;", "perf_options counters: for read()"),
            ("int link_count;", ""),
        ],
        runtime: ATTACH_PERF_EVENT,
        attach: "err = ks_attach_perf_event(&attachment, target, flags);",
        detach: "for (int i = 0; i < attachment->link_count; i++)\n    bpf_link__destroy(attachment->links[i]);\nfree(attachment->links);\nfree(attachment->perf_fds);",
        open: "",
        includes: &["linux/perf_event.h", "sys/syscall.h"],
    },
    test_run: TestRun::Unsupported,
    allocates_objects: true,
    perf_packet_bytes: false,
};

const ATTACH_PERF_EVENT: &str = r#"
/* Undoes a partly attached perf event; returns err. */
static int ks_perf_event_failed(struct ks_attachment *attachment, int err)
{
    for (int i = 0; i < attachment->link_count; i++)
        bpf_link__destroy(attachment->links[i]);
    free(attachment->links);
    attachment->links = NULL;
    attachment->link_count = 0;
    return err;
}

/* Perf events: the target names the event ("cpu-clock" when empty; also
 * task-clock, page-faults, context-switches, cpu-migrations, cycles,
 * instructions, cache-references, cache-misses, branch-misses), sampled
 * system-wide on every online CPU at `flags` Hz (99 when 0). */
static int ks_attach_perf_event(struct ks_attachment *attachment, const char *target, __u32 flags)
{
    static const struct {
        const char *name;
        __u32 type;
        __u64 config;
    } events[] = {
        { "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
        { "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
        { "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
        { "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
        { "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
        { "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
        { "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
        { "cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES },
        { "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
        { "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
    };
    const struct bpf_program *prog = ks_programs[attachment->program].prog;
    struct perf_event_attr attr;
    int cpus = libbpf_num_possible_cpus();
    size_t event = 0;

    if (target && target[0]) {
        for (event = 0; event < sizeof(events) / sizeof(events[0]); event++) {
            if (strcmp(events[event].name, target) == 0)
                break;
        }
        if (event == sizeof(events) / sizeof(events[0]))
            return -EINVAL;
    }
    if (cpus < 0)
        return cpus;
    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = events[event].type;
    attr.config = events[event].config;
    attr.freq = 1;
    attr.sample_freq = flags ? flags : 99;
    attachment->links = calloc(cpus, sizeof(*attachment->links));
    if (!attachment->links)
        return -ENOMEM;
    for (int cpu = 0; cpu < cpus; cpu++) {
        int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
        struct bpf_link *link;

        if (fd < 0 && errno == ENODEV)
            continue; /* an offline CPU */
        if (fd < 0)
            return ks_perf_event_failed(attachment, -errno);
        link = bpf_program__attach_perf_event(prog, fd);
        if (!link) {
            int err = -errno;

            close(fd);
            return ks_perf_event_failed(attachment, err);
        }
        attachment->links[attachment->link_count++] = link;
    }
    return 0;
}
"#;
