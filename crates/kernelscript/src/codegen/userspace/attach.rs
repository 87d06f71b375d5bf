//! `attach` and `detach`: one attachment per successful `attach()`, kept
//! in a growing array that `detach(handle)` and the exit cleanup walk
//! newest first. Code is emitted only for the program kinds the object
//! loads:
//!
//! * XDP: a BPF link (`bpf_link_create`; only mode flags apply), which the
//!   kernel removes with the process even after a crash;
//! * TC: a filter in the interface's clsact qdisc (`bpf_tc_hook_create` +
//!   `bpf_tc_attach`, libbpf 1.1 API) on the `@tc` direction; it outlives
//!   the process, so detaching removes it, and the qdisc when this process
//!   created it. Its handle (`tc_handle`) and priority are fixed per
//!   program and the attach replaces an existing filter with them, so a
//!   run after a SIGKILL does not add a second filter;
//! * tracepoints and probes: `bpf_program__attach_tracepoint` /
//!   `bpf_program__attach`;
//! * uprobes: `bpf_program__attach_uprobe_opts` on the attribute's (or
//!   the target's) `PATH:FUNCTION`, in every process;
//! * perf events: one system-wide event per CPU, named by the target.

use crate::codegen::c_writer::CWriter;
use crate::ir::FunctionKind;

use super::runtime::emit;
use super::Generator;

pub fn write(generator: &Generator, out: &mut CWriter) {
    let kinds: Vec<&FunctionKind> = generator
        .programs
        .iter()
        .filter(|entry| entry.autoload)
        .map(|entry| &generator.program.function(entry.function).kind)
        .collect();
    let has = |pattern: fn(&FunctionKind) -> bool| kinds.iter().any(|kind| pattern(kind));
    let xdp = has(|kind| matches!(kind, FunctionKind::Xdp));
    let tc = has(|kind| matches!(kind, FunctionKind::Tc(_)));
    let tracepoint = has(|kind| matches!(kind, FunctionKind::Tracepoint { .. }));
    let probe = has(|kind| matches!(kind, FunctionKind::Probe { .. }));
    let perf = has(|kind| matches!(kind, FunctionKind::PerfEvent));
    let uprobe = has(|kind| matches!(kind, FunctionKind::Uprobe { .. }));

    // A program whose only attaches are perf counters has no use for
    // ks_attach and the per-kind attach functions it calls.
    let perf_only = generator.needs.perf_counters.any() && !generator.needs.target_attach;
    emit(out, generator, ATTACHMENT_STATE);
    if xdp && !perf_only {
        emit(out, generator, ATTACH_XDP);
    }
    if tc {
        emit(out, generator, ATTACH_TC);
    }
    if tracepoint && !perf_only {
        emit(out, generator, ATTACH_TRACEPOINT);
    }
    if probe && !perf_only {
        emit(out, generator, ATTACH_PROBE);
    }
    if uprobe && !perf_only {
        emit(out, generator, ATTACH_UPROBE);
    }
    if perf && !perf_only {
        emit(out, generator, ATTACH_PERF_EVENT);
    }

    let mut attach = String::from(ATTACH_HEAD);
    let mut detach = String::from(DETACH_HEAD);
    if xdp {
        attach.push_str("    case KS_XDP:\n        err = ks_attach_xdp(&attachment, target, flags);\n        break;\n");
        detach.push_str("    case KS_XDP:\n        if (close(attachment->link_fd) != 0)\n            err = -errno;\n        break;\n");
    }
    if tc {
        attach.push_str(
            "    case KS_TC:\n        err = ks_attach_tc(&attachment, target);\n        break;\n",
        );
        detach
            .push_str("    case KS_TC:\n        err = ks_detach_tc(attachment);\n        break;\n");
    }
    if tracepoint {
        attach.push_str("    case KS_TRACEPOINT:\n        err = ks_attach_tracepoint(&attachment, target);\n        break;\n");
    }
    if probe {
        attach.push_str(
            "    case KS_PROBE:\n        err = ks_attach_probe(&attachment);\n        break;\n",
        );
    }
    if uprobe {
        attach.push_str(
            "    case KS_UPROBE:\n        err = ks_attach_uprobe(&attachment, target);\n        break;\n",
        );
        detach.push_str("    case KS_UPROBE:\n        err = bpf_link__destroy(attachment->link);\n        break;\n");
    }
    if perf {
        attach.push_str(
            "    case KS_PERF_EVENT:\n        err = ks_attach_perf_event(&attachment, target, flags);\n        break;\n",
        );
        detach.push_str(
            "    case KS_PERF_EVENT:\n        for (int i = 0; i < attachment->link_count; i++)\n            bpf_link__destroy(attachment->links[i]);\n        free(attachment->links);\n        free(attachment->perf_fds);\n        break;\n",
        );
    }
    if tracepoint || probe {
        detach.push_str("    case KS_TRACEPOINT:\n    case KS_PROBE:\n        err = bpf_link__destroy(attachment->link);\n        break;\n");
    }
    attach.push_str(ATTACH_TAIL);
    if generator.needs.attach_or_exit {
        attach.push_str(ATTACH_OR_EXIT);
    }
    detach.push_str(DETACH_TAIL);
    if generator.needs.detach {
        detach.push_str(DETACH);
    }
    if !perf_only {
        emit(out, generator, &attach);
    }
    emit(out, generator, &detach);
    if generator.needs.perf_counters.any() {
        super::attach_perf::write(generator, out);
    }
}

/// The handle of `program`'s TC filter in project `project`: FNV-1a of
/// `project/program`, never 0 (0 asks the kernel to choose one). Fixed, so
/// the next run of the same program finds (and replaces) a filter a killed
/// run left behind; different programs and projects get different ones.
pub fn tc_handle(project: &str, program: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in project.bytes().chain([b'/']).chain(program.bytes()) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash.max(1)
}

const ATTACHMENT_STATE: &str = r#"
/* One successful attach(); detach() and the cleanup undo it. */
struct ks_attachment {
    int program;                /* index into ks_programs */
    bool active;
    int ifindex;                /* XDP and TC */
    int link_fd;                /* XDP: the BPF link */
    struct bpf_link *link;      /* tracepoints, probes, uprobes */
    struct bpf_link **links;    /* perf events: one per CPU */
    int *perf_fds;              /* perf_options counters: for read() */
    int link_count;
    struct bpf_tc_hook tc_hook; /* TC: the clsact hook ... */
    struct bpf_tc_opts tc_opts; /* ... and the filter in it */
    bool tc_hook_created;       /* this process created the clsact qdisc */
};

static struct ks_attachment *ks_attachments;
static size_t ks_attachment_count;

/* The program a handle (a program fd from load()) belongs to, or -1. */
static int ks_program_of_handle(int handle)
{
    for (int i = 0; i < KS_PROGRAM_COUNT; i++) {
        if (handle >= 0 && bpf_program__fd(ks_programs[i].prog) == handle)
            return i;
    }
    return -1;
}
"#;

const ATTACH_XDP: &str = r#"
/* XDP: a BPF link on the interface; only the mode flags of `flags`
 * (XDP_FLAGS_SKB_MODE, _DRV_MODE, _HW_MODE) apply to links. */
static int ks_attach_xdp(struct ks_attachment *attachment, const char *target, __u32 flags)
{
    LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags & XDP_FLAGS_MODES);
    int fd;

    attachment->ifindex = if_nametoindex(target);
    if (!attachment->ifindex)
        return -errno;
    fd = bpf_link_create(bpf_program__fd(ks_programs[attachment->program].prog), attachment->ifindex, BPF_XDP, &opts);
    if (fd < 0)
        return fd;
    attachment->link_fd = fd;
    return 0;
}
"#;

const ATTACH_TC: &str = r#"
/* The priority of every KernelScript TC filter (handles tell them apart). */
#define KS_TC_PRIORITY 0x4b53

/* libbpf's messages go to stderr as usual, except while creating a clsact
 * qdisc that may already exist (the kernel's refusal is expected then). */
static bool ks_libbpf_quiet;

static int ks_libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
    if (level == LIBBPF_DEBUG || ks_libbpf_quiet)
        return 0;
    return vfprintf(stderr, format, args);
}

/* TC: a filter in the interface's clsact qdisc (created when missing), on
 * the direction of the program's @tc attribute. Its handle and priority are
 * fixed per program, and it replaces a filter left with them (by a run that
 * was killed before its cleanup), so a program is attached at most once
 * and its cleanup removes exactly what it attached. */
static int ks_attach_tc(struct ks_attachment *attachment, const char *target)
{
    const struct ks_program *program = &ks_programs[attachment->program];
    LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = program->tc_attach_point);
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(program->prog),
                .handle = program->tc_handle, .priority = KS_TC_PRIORITY,
                .flags = BPF_TC_F_REPLACE);
    int err;

    attachment->ifindex = if_nametoindex(target);
    if (!attachment->ifindex)
        return -errno;
    hook.ifindex = attachment->ifindex;
    ks_libbpf_quiet = true;
    err = bpf_tc_hook_create(&hook);
    ks_libbpf_quiet = false;
    if (err && err != -EEXIST)
        return err;
    attachment->tc_hook_created = !err;
    err = bpf_tc_attach(&hook, &opts);
    if (err) {
        if (attachment->tc_hook_created) {
            hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
            bpf_tc_hook_destroy(&hook);
        }
        return err;
    }
    attachment->tc_hook = hook;
    attachment->tc_opts = opts;
    return 0;
}

/* Removes the filter, and the clsact qdisc when this process created it
 * and no other attachment of ours still uses it. */
static int ks_detach_tc(struct ks_attachment *attachment)
{
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = attachment->tc_opts.handle, .priority = attachment->tc_opts.priority);
    int err = bpf_tc_detach(&attachment->tc_hook, &opts);

    if (!attachment->tc_hook_created)
        return err;
    for (size_t i = 0; i < ks_attachment_count; i++) {
        struct ks_attachment *other = &ks_attachments[i];

        if (other->active && other->ifindex == attachment->ifindex && ks_programs[other->program].kind == KS_TC) {
            other->tc_hook_created = true; /* the last one removes the qdisc */
            return err;
        }
    }
    attachment->tc_hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
    bpf_tc_hook_destroy(&attachment->tc_hook);
    return err;
}
"#;

const ATTACH_TRACEPOINT: &str = r#"
/* Tracepoints: the @tracepoint("category/event") of the program, or the
 * target when one is given ("category/event" or "category:event"). */
static int ks_attach_tracepoint(struct ks_attachment *attachment, const char *target)
{
    const struct ks_program *program = &ks_programs[attachment->program];
    char category[256];
    const char *event = program->tp_event;

    snprintf(category, sizeof(category), "%s", program->tp_category);
    if (target && target[0]) {
        char *separator;

        snprintf(category, sizeof(category), "%s", target);
        separator = strpbrk(category, "/:");
        if (!separator)
            return -EINVAL;
        *separator = '\0';
        event = separator + 1;
    }
    attachment->link = bpf_program__attach_tracepoint(program->prog, category, event);
    if (!attachment->link)
        return -errno;
    return 0;
}
"#;

const ATTACH_PROBE: &str = r#"
/* Probes attach where their section says (the function of @probe). */
static int ks_attach_probe(struct ks_attachment *attachment)
{
    attachment->link = bpf_program__attach(ks_programs[attachment->program].prog);
    if (!attachment->link)
        return -errno;
    return 0;
}
"#;

const ATTACH_UPROBE: &str = r#"
/* Uprobes: the @uprobe("PATH:FUNCTION") of the program, or the target when
 * one is given ("PATH:FUNCTION"); in every process running that file. */
static int ks_attach_uprobe(struct ks_attachment *attachment, const char *target)
{
    const struct ks_program *program = &ks_programs[attachment->program];
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = program->up_retprobe);
    char path[4096];
    const char *function = program->up_function;

    snprintf(path, sizeof(path), "%s", program->up_path);
    if (target && target[0]) {
        char *separator;

        snprintf(path, sizeof(path), "%s", target);
        separator = strrchr(path, ':');
        if (!separator || separator == path || !separator[1])
            return -EINVAL;
        *separator = '\0';
        function = separator + 1;
    }
    opts.func_name = function;
    attachment->link = bpf_program__attach_uprobe_opts(program->prog, -1, path, 0, &opts);
    if (!attachment->link)
        return -errno;
    return 0;
}
"#;

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

const ATTACH_HEAD: &str = r#"
/* attach(handle, target, flags): 0, or a negative errno after a message. */
static int ks_attach(int handle, const char *target, __u32 flags)
{
    int id = ks_program_of_handle(handle);
    struct ks_attachment attachment = { .program = id, .link_fd = -1 };
    struct ks_attachment *grown;
    int err;

    if (id < 0) {
        fprintf(stderr, "@NAME@: attach: %d is not a handle returned by load()\n", handle);
        return -EBADF;
    }
    switch (ks_programs[id].kind) {
"#;

const ATTACH_TAIL: &str = r#"    default:
        (void)flags;
        err = -EOPNOTSUPP;
        break;
    }
    if (err) {
        fprintf(stderr, "@NAME@: cannot attach %s to '%s': %s\n", ks_programs[id].name, target, strerror(-err));
        return err;
    }
    grown = realloc(ks_attachments, (ks_attachment_count + 1) * sizeof(*grown));
    if (!grown) {
        fprintf(stderr, "@NAME@: out of memory\n");
        exit(1);
    }
    ks_attachments = grown;
    attachment.active = true;
    ks_attachments[ks_attachment_count++] = attachment;
    return 0;
}
"#;

const ATTACH_OR_EXIT: &str = r#"
/* attach() whose result the program ignores: failing is fatal. */
static void ks_attach_or_exit(int handle, const char *target, __u32 flags)
{
    if (ks_attach(handle, target, flags) != 0)
        exit(1);
}
"#;

const DETACH_HEAD: &str = r#"
static void ks_detach_attachment(struct ks_attachment *attachment)
{
    const char *name = ks_programs[attachment->program].name;
    int err = 0;

    if (!attachment->active)
        return;
    attachment->active = false;
    switch (ks_programs[attachment->program].kind) {
"#;

const DETACH_TAIL: &str = r#"    default:
        break;
    }
    if (err)
        fprintf(stderr, "@NAME@: cannot detach %s: %s\n", name, strerror(-err));
}
"#;

const DETACH: &str = r#"
/* detach(handle): undoes every attach() of the program, newest first; a
 * no-op when nothing is attached. */
static void ks_detach(int handle)
{
    for (size_t i = ks_attachment_count; i-- > 0;) {
        struct ks_attachment *attachment = &ks_attachments[i];

        if (attachment->active && bpf_program__fd(ks_programs[attachment->program].prog) == handle)
            ks_detach_attachment(attachment);
    }
}
"#;
