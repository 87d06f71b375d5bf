//! Events seen from userspace: `rb.on_event(handler)` stores a typed
//! handler, and `dispatch(rb, ...)` polls the listed ring buffers (one
//! libbpf `ring_buffer` manager) and perf event arrays (one `perf_buffer`
//! each) through one epoll set.
//!
//! Each event is copied into a zeroed local of the map's event type
//! before the handler sees it (aligned, and writable by the handler; a
//! perf sample, padded to 8 bytes, is cut to the event's size). A record
//! of variable size (`ir/records.rs`) is copied whole to the heap instead,
//! and the handler gets its size in bytes as a second argument. A handler
//! returning non-zero stops `dispatch`, which returns that value;
//! SIGINT/SIGTERM make it return 0; a polling error returns the negative
//! errno. Events of a map without a handler are dropped, with a warning;
//! perf samples the kernel lost (a full per-CPU buffer) are reported on
//! stderr and do not stop `dispatch`. A perf event array's handler may
//! take the bytes that follow the event in the sample as two more
//! arguments (`bytes`, `len`): packet bytes `output(value, n)` appended.

use crate::ir::{MapKind, Type};

use super::runtime::{emit, raw};
use super::Generator;
use crate::codegen::c::CWriter;

pub fn write(generator: &Generator, out: &mut CWriter) {
    let rings: Vec<_> = generator.needs.dispatched.iter().copied().collect();
    if rings.is_empty() {
        return;
    }
    let program = generator.program;
    raw(
        out,
        "/* ---- Ring buffers and perf event arrays: on_event() handlers and dispatch() ---- */",
    );
    out.blank_line();
    raw(out, "enum {");
    for map in &rings {
        raw(
            out,
            format!("    KS_RING_{},", generator.plan.names.map(*map)),
        );
    }
    raw(out, "    KS_RING_COUNT_");
    raw(out, "};");
    out.blank_line();
    emit(out, generator, HANDLER_RESULT);

    for map in &rings {
        let def = program.map(*map);
        let name = generator.plan.names.map(*map);
        let handler_var = format!("ks_{name}_handler");
        let event = generator.scope.types.declaration(&def.value, "event");
        if let Some(handler_ty) = generator.needs.on_event.get(map) {
            let returns_value = !matches!(
                handler_ty,
                Type::Function(function) if function.ret == Type::Void
            );
            raw(out, format!("/* Set by {name}.on_event(). */"));
            raw(
                out,
                format!(
                    "static {};",
                    generator.scope.types.declaration(handler_ty, &handler_var)
                ),
            );
            out.blank_line();
            raw(
                out,
                format!(
                    "static int ks_{name}_on_event({})",
                    generator.scope.types.declaration(handler_ty, "handler")
                ),
            );
            raw(out, "{");
            raw(out, format!("    {handler_var} = handler;"));
            raw(out, "    return 0;");
            raw(out, "}");
            out.blank_line();
            if crate::ir::records::is_dynptr_map(program, *map) {
                variable_size_sample(generator, out, *map, &handler_var, returns_value);
                out.blank_line();
                continue;
            }
            raw(
                out,
                format!("/* One event of {name}: a copy goes to the handler. */"),
            );
            raw(
                out,
                format!("static int ks_{name}_sample(void *ctx, void *data, size_t size)"),
            );
            raw(out, "{");
            raw(out, format!("    {event};"));
            out.blank_line();
            raw(out, "    (void)ctx;");
            raw(out, format!("    if (!{handler_var})"));
            raw(
                out,
                format!("        return ks_unhandled_event(\"{name}\");"),
            );
            raw(out, "    memset(&event, 0, sizeof(event));");
            raw(
                out,
                "    memcpy(&event, data, size < sizeof(event) ? size : sizeof(event));",
            );
            // A perf handler may take the bytes after the event (packet
            // bytes `output(value, n)` appended, and the kernel's padding).
            let takes_bytes = matches!(
                handler_ty,
                Type::Function(function) if function.params.len() == 3
            );
            let call = match takes_bytes {
                true => format!(
                    "{handler_var}(&event, size > sizeof(event) ? (uint8_t *)data + sizeof(event) : NULL, \
                     size > sizeof(event) ? (uint32_t)(size - sizeof(event)) : 0)"
                ),
                false => format!("{handler_var}(&event)"),
            };
            if returns_value {
                raw(out, format!("    return ks_handler_result({call});"));
            } else {
                raw(out, format!("    {call};"));
                raw(out, "    return 0;");
            }
            raw(out, "}");
        } else {
            raw(out, format!("/* {name} has no on_event() handler. */"));
            raw(
                out,
                format!("static int ks_{name}_sample(void *ctx, void *data, size_t size)"),
            );
            raw(out, "{");
            raw(out, "    (void)ctx;");
            raw(out, "    (void)data;");
            raw(out, "    (void)size;");
            raw(out, format!("    return ks_unhandled_event(\"{name}\");"));
            raw(out, "}");
        }
        out.blank_line();
    }

    raw(out, "static struct ks_ring {");
    raw(out, "    const char *name;");
    raw(out, "    ring_buffer_sample_fn sample;");
    raw(out, "    bool perf; /* a perf event array */");
    raw(out, "    struct bpf_map *map; /* set by ks_open() */");
    raw(out, "} ks_rings[] = {");
    for map in &rings {
        let def = program.map(*map);
        let name = generator.plan.names.map(*map);
        let source_name = &def.name;
        let perf = if def.kind == MapKind::PerfEventArray {
            ", .perf = true"
        } else {
            ""
        };
        raw(
            out,
            format!(
                "    [KS_RING_{name}] = {{ .name = \"{source_name}\", .sample = ks_{name}_sample{perf} }},"
            ),
        );
    }
    raw(out, "};");
    out.blank_line();
    emit(out, generator, DISPATCH);
}

/// The sample callback of a ring buffer of variable-size records: the
/// handler gets a heap copy of the whole record (at least the fixed part,
/// zero-filled) and its size in bytes.
fn variable_size_sample(
    generator: &Generator,
    out: &mut CWriter,
    map: crate::ir::MapId,
    handler_var: &str,
    returns_value: bool,
) {
    let name = generator.plan.names.map(map);
    let value = &generator.program.map(map).value;
    let event = generator
        .scope
        .types
        .declaration(&Type::Pointer(Box::new(value.clone())), "event");
    raw(
        out,
        format!("/* One record of {name}, of variable size: a copy goes to the handler with its size. */"),
    );
    raw(
        out,
        format!("static int ks_{name}_sample(void *ctx, void *data, size_t size)"),
    );
    raw(out, "{");
    raw(out, format!("    {event};"));
    raw(out, "    int result = 0;");
    out.blank_line();
    raw(out, "    (void)ctx;");
    raw(out, format!("    if (!{handler_var})"));
    raw(
        out,
        format!("        return ks_unhandled_event(\"{name}\");"),
    );
    raw(
        out,
        "    event = calloc(1, size < sizeof(*event) ? sizeof(*event) : size);",
    );
    raw(out, "    if (!event)");
    raw(out, "        return -ENOMEM;");
    raw(out, "    memcpy(event, data, size);");
    if returns_value {
        raw(
            out,
            format!("    result = ks_handler_result({handler_var}(event, (__u32)size));"),
        );
    } else {
        raw(out, format!("    {handler_var}(event, (__u32)size);"));
    }
    raw(out, "    free(event);");
    raw(out, "    return result;");
    raw(out, "}");
}

const HANDLER_RESULT: &str = r#"
/* The non-zero value a handler returned, which ends dispatch(). */
static int ks_dispatch_result;

static int ks_handler_result(int result)
{
    if (result == 0)
        return 0;
    ks_dispatch_result = result;
    return -ECANCELED; /* stops ring_buffer__poll() */
}

static int ks_unhandled_event(const char *ring)
{
    static bool warned;

    if (!warned) {
        fprintf(stderr, "@NAME@: ring buffer '%s' has no on_event() handler; its events are dropped\n", ring);
        warned = true;
    }
    return 0;
}
"#;

const DISPATCH: &str = r#"
/* A perf event array's sample: handled like a ring buffer record. Samples
 * after a handler stopped dispatch() are dropped. */
static void ks_perf_sample(void *ctx, int cpu, void *data, __u32 size)
{
    struct ks_ring *ring = ctx;

    (void)cpu;
    if (ks_dispatch_result == 0)
        ring->sample(NULL, data, size);
}

/* Samples the kernel dropped because a CPU's perf buffer was full. */
static void ks_perf_lost(void *ctx, int cpu, __u64 count)
{
    struct ks_ring *ring = ctx;

    fprintf(stderr, "@NAME@: %s: lost %llu events on CPU %d\n", ring->name, (unsigned long long)count, cpu);
}

/* dispatch(maps...): polls the ring buffers and perf event arrays, calling
 * their handlers, until SIGINT/SIGTERM (returns 0), a handler returns
 * non-zero (returns that value) or polling fails (returns the negative
 * errno). The ring buffers share one manager, each perf event array has its
 * own perf buffer (8 pages per CPU); one epoll set watches them all.
 * Unused when a handler is set but nothing dispatches. */
static __attribute__((unused)) int ks_dispatch(const int *rings, size_t count)
{
    struct ring_buffer *manager = NULL;
    struct perf_buffer **perf = calloc(count, sizeof(*perf));
    int poll_fd = epoll_create1(EPOLL_CLOEXEC);
    int result = 0;
    int err = 0;

    ks_load_object();
    if (!perf || poll_fd < 0) {
        err = -errno;
        fprintf(stderr, "@NAME@: dispatch: %s\n", strerror(-err));
        result = err;
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        struct ks_ring *ring = &ks_rings[rings[i]];
        struct epoll_event watch = { .events = EPOLLIN, .data.u64 = i };
        int fd = bpf_map__fd(ring->map);

        if (ring->perf) {
            perf[i] = perf_buffer__new(fd, 8, ks_perf_sample, ks_perf_lost, ring, NULL);
            err = perf[i] ? 0 : -errno;
            if (!err && epoll_ctl(poll_fd, EPOLL_CTL_ADD, perf_buffer__epoll_fd(perf[i]), &watch) < 0)
                err = -errno;
        } else if (!manager) {
            manager = ring_buffer__new(fd, ring->sample, NULL, NULL);
            err = manager ? 0 : -errno;
            if (!err && epoll_ctl(poll_fd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(manager), &watch) < 0)
                err = -errno;
        } else {
            err = ring_buffer__add(manager, fd, ring->sample, NULL);
        }
        if (err) {
            fprintf(stderr, "@NAME@: cannot watch '%s': %s\n", ring->name, strerror(-err));
            result = err;
            goto out;
        }
    }
    ks_dispatch_result = 0;
    while (!ks_exit_signal) {
        struct epoll_event ready[8];
        int n = epoll_wait(poll_fd, ready, 8, 100 /* ms */);

        if (n < 0)
            err = errno == EINTR ? 0 : -errno;
        for (int j = 0; j < n && !err && ks_dispatch_result == 0; j++) {
            size_t i = ready[j].data.u64;

            err = perf[i] ? perf_buffer__consume(perf[i]) : ring_buffer__consume(manager);
            err = err < 0 ? err : 0;
        }
        if (ks_dispatch_result != 0) {
            result = ks_dispatch_result;
            break;
        }
        if (err < 0 && err != -EINTR) {
            fprintf(stderr, "@NAME@: dispatch: %s\n", strerror(-err));
            result = err;
            break;
        }
    }
out:
    for (size_t i = 0; perf && i < count; i++)
        perf_buffer__free(perf[i]);
    free(perf);
    ring_buffer__free(manager);
    if (poll_fd >= 0)
        close(poll_fd);
    return result;
}
"#;
