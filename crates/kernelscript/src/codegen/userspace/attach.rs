//! `attach` and `detach`: one attachment per successful `attach()`, kept
//! in a growing array that `detach(handle)` and the exit cleanup walk
//! newest first. Code is emitted only for the program kinds the object
//! loads: each kind's descriptor (`crate::kinds`) supplies its attach and
//! detach functions, its `case`s in `ks_attach` and
//! `ks_detach_attachment`, and the fields of `struct ks_attachment` it
//! uses; this file puts them together.

use crate::codegen::c::CWriter;
use crate::kinds::DESTROY_LINK;

use super::lifecycle::write_fields;
use super::runtime::{emit, raw};
use super::Generator;

/// The fields of `struct ks_attachment`: the common ones, then those of
/// the loaded kinds (each once).
pub fn attachment_fields(generator: &Generator) -> Vec<(&'static str, &'static str)> {
    let mut fields = vec![
        ("int program;", "index into ks_programs"),
        ("bool active;", ""),
    ];
    for descriptor in generator.loaded_kinds() {
        for field in descriptor.attach.attachment_fields {
            if !fields
                .iter()
                .any(|(declaration, _)| *declaration == field.0)
            {
                fields.push(*field);
            }
        }
    }
    fields
}

/// The initialiser of a new `struct ks_attachment` for program `id`.
pub fn initializer(fields: &[(&str, &str)]) -> &'static str {
    if has_field(fields, "link_fd") {
        "{ .program = id, .link_fd = -1 }"
    } else {
        "{ .program = id }"
    }
}

/// Whether `fields` declares a member named `name`.
pub fn has_field(fields: &[(&str, &str)], name: &str) -> bool {
    fields.iter().any(|(declaration, _)| {
        declaration.trim_end_matches(';').rsplit([' ', '*']).next() == Some(name)
    })
}

pub fn write(generator: &Generator, out: &mut CWriter) {
    let kinds = generator.loaded_kinds();
    let fields = attachment_fields(generator);

    raw(
        out,
        "/* One successful attach(); detach() and the cleanup undo it. */",
    );
    raw(out, "struct ks_attachment {");
    write_fields(out, &fields);
    raw(out, "};");
    out.blank_line();
    emit(out, generator, ATTACHMENT_STATE);
    // A program whose only attaches are perf counters has no use for
    // ks_attach, nor for the kinds' attach functions: nothing else is
    // ever attached, so detaching needs no kind's runtime either.
    let perf_counters_only = generator.needs.perf_counters.any() && !generator.needs.target_attach;
    if !perf_counters_only {
        // Kinds may share a runtime (fexit and LSM attach by section).
        let mut emitted: Vec<&str> = Vec::new();
        for descriptor in &kinds {
            if !emitted.contains(&descriptor.attach.runtime) {
                emit(out, generator, descriptor.attach.runtime);
                emitted.push(descriptor.attach.runtime);
            }
        }
    }
    let mut attach = ATTACH_HEAD.replace("@INITIALIZER@", initializer(&fields));
    let mut detach = String::from(DETACH_HEAD);
    for descriptor in kinds.iter().copied() {
        attach.push_str(&case(descriptor.attach.constant, descriptor.attach.attach));
        let needs_runtime = descriptor.attach.detach.contains("ks_");
        if descriptor.attach.detach != DESTROY_LINK && !(perf_counters_only && needs_runtime) {
            detach.push_str(&case(descriptor.attach.constant, descriptor.attach.detach));
        }
    }
    let link_kinds: Vec<&str> = kinds
        .iter()
        .filter(|descriptor| descriptor.attach.detach == DESTROY_LINK)
        .map(|descriptor| descriptor.attach.constant)
        .collect();
    if !link_kinds.is_empty() {
        for constant in &link_kinds {
            detach.push_str(&format!("    case {constant}:\n"));
        }
        detach.push_str(&format!("        {DESTROY_LINK}\n        break;\n"));
    }
    attach.push_str(ATTACH_TAIL);
    if generator.needs.attach_or_exit {
        attach.push_str(ATTACH_OR_EXIT);
    }
    detach.push_str(DETACH_TAIL);
    if generator.needs.detach {
        detach.push_str(DETACH);
    }
    if !perf_counters_only {
        emit(out, generator, &attach);
    }
    emit(out, generator, &detach);
    if generator.needs.perf_counters.any() {
        super::attach_perf::write(generator, out);
    }
}

/// `case CONSTANT:` with `statements` and `break;`, indented as in the
/// runtime's `switch`.
fn case(constant: &str, statements: &str) -> String {
    let mut text = format!("    case {constant}:\n");
    for line in statements.lines() {
        text.push_str(&format!("        {line}\n"));
    }
    text.push_str("        break;\n");
    text
}

const ATTACHMENT_STATE: &str = r#"
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

const ATTACH_HEAD: &str = r#"
/* attach(handle, target, flags): 0, or a negative errno after a message. */
static int ks_attach(int handle, const char *target, __u32 flags)
{
    int id = ks_program_of_handle(handle);
    struct ks_attachment attachment = @INITIALIZER@;
    struct ks_attachment *grown;
    /* What the program was attached to, for the error message: the
     * target, or what a kind resolved it to. */
    const char *shown = target;
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
        fprintf(stderr, "@NAME@: cannot attach %s to '%s': %s\n", ks_programs[id].name, shown, strerror(-err));
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
