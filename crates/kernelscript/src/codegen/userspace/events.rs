//! Ring buffers seen from userspace: `rb.on_event(handler)` stores a typed
//! handler, and `dispatch(rb, ...)` polls the listed ring buffers with one
//! libbpf `ring_buffer` manager.
//!
//! Each event is copied into a zeroed local of the ring's event type
//! before the handler sees it (aligned, and writable by the handler). A
//! handler returning non-zero stops `dispatch`, which returns that value;
//! SIGINT/SIGTERM make it return 0; a polling error returns the negative
//! errno. Events of a ring without a handler are dropped, with a warning.

use crate::ir::Type;

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
        "/* ---- Ring buffers: on_event() handlers and dispatch() ---- */",
    );
    out.blank_line();
    raw(out, "enum {");
    for map in &rings {
        raw(out, format!("    KS_RING_{},", program.map(*map).name));
    }
    raw(out, "    KS_RING_COUNT_");
    raw(out, "};");
    out.blank_line();
    emit(out, generator, HANDLER_RESULT);

    for map in &rings {
        let def = program.map(*map);
        let name = &def.name;
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
            if returns_value {
                raw(
                    out,
                    format!("    return ks_handler_result({handler_var}(&event));"),
                );
            } else {
                raw(out, format!("    {handler_var}(&event);"));
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
    raw(out, "    struct bpf_map *map; /* set by ks_open() */");
    raw(out, "} ks_rings[] = {");
    for map in &rings {
        let name = &program.map(*map).name;
        raw(
            out,
            format!("    [KS_RING_{name}] = {{ .name = \"{name}\", .sample = ks_{name}_sample }},"),
        );
    }
    raw(out, "};");
    out.blank_line();
    emit(out, generator, DISPATCH);
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
/* dispatch(rings...): polls the ring buffers, calling their handlers, until
 * SIGINT/SIGTERM (returns 0), a handler returns non-zero (returns that
 * value) or polling fails (returns the negative errno). */
static int ks_dispatch(const int *rings, size_t count)
{
    struct ring_buffer *manager = NULL;
    int result = 0;
    int err;

    ks_load_object();
    for (size_t i = 0; i < count; i++) {
        struct ks_ring *ring = &ks_rings[rings[i]];
        int fd = bpf_map__fd(ring->map);

        if (!manager) {
            manager = ring_buffer__new(fd, ring->sample, NULL, NULL);
            err = manager ? 0 : -errno;
        } else {
            err = ring_buffer__add(manager, fd, ring->sample, NULL);
        }
        if (err) {
            fprintf(stderr, "@NAME@: cannot watch ring buffer '%s': %s\n", ring->name, strerror(-err));
            ring_buffer__free(manager);
            return err;
        }
    }
    ks_dispatch_result = 0;
    while (!ks_exit_signal) {
        err = ring_buffer__poll(manager, 100 /* ms */);
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
    ring_buffer__free(manager);
    return result;
}
"#;
