//! Perf counters: `attach(handle, perf_options { ... }, 0)`, `read` and
//! `detach` of the `PerfAttachment` it returns.
//!
//! A perf attachment is an ordinary entry of the attachment array
//! (`attach.rs`), so `detach` and the exit cleanup undo it like any other;
//! the C value of a `PerfAttachment` is its index there. Entries are never
//! reused, so a copy of a detached attachment is recognised (inactive) and
//! `read` returns -1 for it. The attach sequence is `perf_event_open(2)`
//! disabled, `PERF_EVENT_IOC_RESET`, `bpf_program__attach_perf_event`
//! (libbpf 1.1 API; it enables the event, and destroying the link disables
//! and closes it). The counter fd stays in the entry for `read(2)`. A
//! failed perf attach is fatal: the program prints the reason and exits 1,
//! so `attach` always returns a live counter.
//!
//! The C definition of `struct perf_options` is written here (the checker
//! fills every field, defaults included, so literals are complete).

use crate::codegen::c::CWriter;
use crate::ir::{Expr, Origin, Program, StructId, Type};

use super::runtime::emit;
use super::Generator;

/// The program-table constant of `@perf_event` programs, whose attachment
/// fields perf counters share (`crate::kinds`).
pub const PERF_EVENT_CONSTANT: &str = "KS_PERF_EVENT";

/// Which perf builtins the user code calls.
#[derive(Clone, Copy, Debug, Default)]
pub struct PerfUse {
    pub attach: bool,
    pub read: bool,
    pub detach: bool,
}

impl PerfUse {
    pub fn any(self) -> bool {
        self.attach || self.read || self.detach
    }
}

/// The built-in `perf_options` struct, when `ty` is it.
pub fn perf_options_struct(program: &Program, ty: &Type) -> Option<StructId> {
    match ty {
        Type::Struct(id)
            if program.struct_def(*id).origin == Origin::Kernel
                && program.struct_def(*id).name == "perf_options" =>
        {
            Some(*id)
        }
        _ => None,
    }
}

/// Whether `attach(args...)` is the perf form.
pub fn is_perf_attach(program: &Program, args: &[Expr]) -> bool {
    args.get(1)
        .is_some_and(|options| perf_options_struct(program, &options.ty).is_some())
}

/// `struct perf_options` and the perf runtime; after the attachment array.
pub fn write(generator: &Generator, out: &mut CWriter) {
    let program = generator.program;
    if let Some(id) = (0..program.structs.len() as u32)
        .map(StructId)
        .find(|id| perf_options_struct(program, &Type::Struct(*id)).is_some())
    {
        out.line("/* perf_options: the counter attach(handle, perf_options { ... }, 0) opens. */");
        crate::codegen::c::items::write_struct(out, &generator.scope.types, id);
        out.blank_line();
    }
    let used = generator.needs.perf_counters;
    if used.attach {
        let fields = super::attach::attachment_fields(generator);
        let template = PERF_ATTACH.replace("@INITIALIZER@", super::attach::initializer(&fields));
        emit(out, generator, &template);
    }
    if used.read || used.detach {
        emit(out, generator, PERF_ATTACHMENT);
    }
    if used.read {
        emit(out, generator, PERF_READ);
    }
    if used.detach {
        emit(out, generator, PERF_DETACH);
    }
}

const PERF_ATTACH: &str = r#"
/* attach(handle, perf_options { ... }, 0): opens the counter (disabled),
 * zeroes it, attaches the program (which starts it) and returns the
 * attachment's index. Failing is fatal: the program cannot go on without
 * the counter it asked for. */
static int ks_attach_perf(int handle, struct perf_options options)
{
    int id = ks_program_of_handle(handle);
    struct ks_attachment attachment = @INITIALIZER@;
    struct ks_attachment *grown;
    struct perf_event_attr attr;
    struct bpf_link *link;
    int fd, err;

    if (id < 0) {
        fprintf(stderr, "@NAME@: attach: %d is not a handle returned by load()\n", handle);
        exit(1);
    }
    if (ks_programs[id].kind != KS_PERF_EVENT) {
        fprintf(stderr, "@NAME@: cannot attach %s to a perf counter: it is not a @perf_event program\n", ks_programs[id].name);
        exit(1);
    }
    if (options.pid < -1 || options.cpu < -1 || (options.pid == -1 && options.cpu == -1)) {
        fprintf(stderr, "@NAME@: cannot attach %s to a perf counter: pid %d with cpu %d (pid -1 needs a cpu, cpu -1 needs a pid)\n",
                ks_programs[id].name, (int)options.pid, (int)options.cpu);
        exit(1);
    }
    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = options.perf_type;
    attr.config = options.perf_config;
    attr.sample_period = options.period;
    attr.wakeup_events = options.wakeup;
    attr.inherit = options.inherit;
    attr.exclude_kernel = options.exclude_kernel;
    attr.exclude_user = options.exclude_user;
    attr.disabled = 1;
    fd = syscall(__NR_perf_event_open, &attr, options.pid, options.cpu, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
        err = -errno;
        goto failed;
    }
    if (ioctl(fd, PERF_EVENT_IOC_RESET, 0) != 0) {
        err = -errno;
        close(fd);
        goto failed;
    }
    link = bpf_program__attach_perf_event(ks_programs[id].prog, fd);
    if (!link) {
        err = -errno;
        close(fd);
        goto failed;
    }
    attachment.links = malloc(sizeof(*attachment.links));
    attachment.perf_fds = malloc(sizeof(*attachment.perf_fds));
    grown = realloc(ks_attachments, (ks_attachment_count + 1) * sizeof(*grown));
    if (!attachment.links || !attachment.perf_fds || !grown) {
        fprintf(stderr, "@NAME@: out of memory\n");
        exit(1);
    }
    attachment.links[0] = link;
    attachment.perf_fds[0] = fd;
    attachment.link_count = 1;
    attachment.active = true;
    ks_attachments = grown;
    ks_attachments[ks_attachment_count] = attachment;
    return (int)ks_attachment_count++;

failed:
    fprintf(stderr, "@NAME@: cannot attach %s to perf counter type %u config %llu (pid %d, cpu %d): %s\n",
            ks_programs[id].name, (unsigned)options.perf_type, (unsigned long long)options.perf_config,
            (int)options.pid, (int)options.cpu, strerror(-err));
    exit(1);
}
"#;

const PERF_ATTACHMENT: &str = r#"
/* The live perf attachment `attachment` names, or NULL (detached, or not
 * a perf attachment). */
static struct ks_attachment *ks_perf_attachment(int attachment)
{
    if (attachment < 0 || (size_t)attachment >= ks_attachment_count)
        return NULL;
    if (!ks_attachments[attachment].active || !ks_attachments[attachment].perf_fds)
        return NULL;
    return &ks_attachments[attachment];
}
"#;

const PERF_READ: &str = r#"
/* read(attachment): the counter's value, summed over its events; -1 for a
 * detached attachment or a failed read. */
static __s64 ks_perf_read(int attachment)
{
    struct ks_attachment *live = ks_perf_attachment(attachment);
    __s64 total = 0;

    if (!live)
        return -1;
    for (int i = 0; i < live->link_count; i++) {
        __u64 value;

        if (read(live->perf_fds[i], &value, sizeof(value)) != (ssize_t)sizeof(value))
            return -1;
        total += (__s64)value;
    }
    return total;
}
"#;

const PERF_DETACH: &str = r#"
/* detach(attachment): stops the counter and detaches the program from it;
 * a no-op when already detached. */
static void ks_perf_detach(int attachment)
{
    struct ks_attachment *live = ks_perf_attachment(attachment);

    if (live)
        ks_detach_attachment(live);
}
"#;
