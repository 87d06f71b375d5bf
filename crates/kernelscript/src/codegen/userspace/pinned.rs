//! `pin var` globals in userspace. The eBPF object keeps them in the
//! one-entry array map the outputs plan names (`Plan::pinned_globals`, value
//! `struct pinned_globals`, `BPF_F_MMAPABLE`); this file emits the other
//! half of that convention (ARCHITECTURE.md):
//!
//! * before the object loads, the map gets the pin path
//!   `/sys/fs/bpf/NAME/globals/pinned_globals` (directories created), so
//!   libbpf reuses the map pinned there or creates and pins it; whether a
//!   pin existed is checked first, because libbpf does not say;
//! * after the load, entry 0 is mapped into memory, and a map this load
//!   created receives the declared initial values (a reused one keeps the
//!   values an earlier run left);
//! * user code reads and writes `ks_pinned_globals()->NAME` in place, the
//!   way programs use their entry pointer: the same memory, no copies;
//! * the layout of `struct pinned_globals` (field names, types, offsets)
//!   has a fingerprint (`layout_fingerprint`), kept beside the map in a
//!   one-entry array map pinned at `.../globals/layout` when the map is
//!   created. A run that finds the map pinned with another fingerprint (or
//!   none) refuses to start and keeps the data, instead of reading fields
//!   at the wrong offsets.
//!
//! Nothing here runs unless userspace loads the object. Two processes
//! creating the map at the same instant could both write the initial
//! values; one of them then loses nothing but its own first writes.

use super::runtime::raw;
use super::Generator;
use crate::codegen::c::CWriter;
use crate::ir::{GlobalId, Program, Type};

/// FNV-1a (64 bits) of a description of the pinned globals' layout: each
/// field's name, offset and type, structs and arrays described down to
/// their scalars. Two programs agree on it exactly when they lay the
/// struct out the same way under the same names.
pub fn layout_fingerprint(program: &Program) -> u64 {
    let mut description = String::new();
    let mut offset = 0u64;
    for global in program.globals.iter().filter(|global| global.pinned) {
        offset = round_up(offset, global.ty.align(program));
        description.push_str(&format!("{}@{offset}:", global.name));
        describe(program, &global.ty, &mut description);
        description.push(';');
        offset += global.ty.size(program);
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in description.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn round_up(value: u64, align: u64) -> u64 {
    value.div_ceil(align.max(1)) * align.max(1)
}

fn describe(program: &Program, ty: &Type, out: &mut String) {
    match ty {
        Type::Struct(id) => {
            let def = program.struct_def(*id);
            out.push_str(&format!("struct {}{{", def.name));
            let mut offset = 0u64;
            for field in &def.fields {
                offset = round_up(offset, field.ty.align(program));
                out.push_str(&format!("{}@{offset}:", field.name));
                describe(program, &field.ty, out);
                out.push(';');
                offset += field.ty.size(program);
            }
            out.push('}');
        }
        Type::Array(element, len) => {
            out.push('[');
            describe(program, element, out);
            out.push_str(&format!(";{len}]"));
        }
        Type::Enum(id) => out.push_str(&format!(
            "enum {}/{}",
            program.enum_def(*id).name,
            ty.size(program)
        )),
        Type::Int(int) => out.push_str(int.source_name()),
        Type::Str(len) => out.push_str(&format!("str({len})")),
        other => out.push_str(&format!(
            "{:?}/{}",
            std::mem::discriminant(other),
            other.size(program)
        )),
    }
}

/// The C accessor user code reads and writes pinned globals through.
pub const ACCESSOR: &str = "ks_pinned_globals";

/// The declared initial values: the lines (indented from column 0 in
/// steps of four spaces) that declare and fill a local `struct
/// pinned_globals initial`; fields without an initialiser are zero.
fn initial_values(generator: &Generator, map: &str) -> Vec<String> {
    let types = &generator.scope.types;
    let mut fields = Vec::new();
    for (index, global) in generator.program.globals.iter().enumerate() {
        let Some(init) = global.init.as_ref().filter(|_| global.pinned) else {
            continue;
        };
        let name = types.names.global(GlobalId(index as u32));
        let value = crate::codegen::c::constant::initializer(types, init);
        fields.push(format!(".{name} = {value}"));
    }
    let mut lines = Vec::new();
    if fields.is_empty() {
        lines.push(format!("struct {map} initial = {{0}};"));
    } else {
        lines.push(format!("struct {map} initial = {{"));
        lines.extend(fields.iter().map(|field| format!("    {field},")));
        lines.push("};".to_string());
    }
    lines
}

/// `struct pinned_globals`, exactly as the eBPF object declares it.
pub fn write_struct(generator: &Generator, out: &mut CWriter) {
    let Some(map) = &generator.pinned_globals else {
        return;
    };
    crate::codegen::c::items::write_pinned_globals_struct(out, &generator.scope.types, map);
    out.blank_line();
}

/// Whether the generated program handles the pinned globals' map: the
/// object has one and userspace loads the object.
pub fn handles_pinned_globals(generator: &Generator) -> bool {
    generator.pinned_globals.is_some() && generator.needs_object_load()
}

/// The pin path, and the two steps around the object load
/// (`ks_pin_globals` before, `ks_map_pinned_globals` after).
pub fn write_setup(generator: &Generator, out: &mut CWriter) {
    let Some(map) = &generator.pinned_globals else {
        return;
    };
    if !generator.needs_object_load() {
        return;
    }
    let project = &generator.project;
    let globals = generator.plan.pin_root.globals_dir();
    raw(
        out,
        format!("/* `pin var` globals: entry 0 of the map {map}, pinned at this path"),
    );
    raw(
        out,
        " * so that they outlive the process; mapped into memory by the load. */",
    );
    raw(
        out,
        format!(
            "static const char ks_pinned_globals_dir[] = {};",
            crate::codegen::c::string_literal(&globals)
        ),
    );
    raw(
        out,
        format!(
            "static const char ks_pinned_globals_path[] = {};",
            crate::codegen::c::string_literal(&format!("{globals}/pinned_globals"))
        ),
    );
    raw(
        out,
        format!("static struct {map} *ks_pinned_globals_entry;"),
    );
    raw(
        out,
        format!(
            "static const char ks_pinned_layout_path[] = {};",
            crate::codegen::c::string_literal(&format!("{globals}/layout"))
        ),
    );
    raw(
        out,
        "/* The fingerprint of struct pinned_globals' layout (names, types, offsets). */",
    );
    raw(
        out,
        format!(
            "static const __u64 ks_pinned_layout = {:#018x}ULL;",
            layout_fingerprint(generator.program)
        ),
    );
    out.blank_line();
    for line in LAYOUT_CHECK
        .replace("@NAME@", project)
        .trim_matches('\n')
        .lines()
    {
        raw(out, line);
    }
    out.blank_line();

    raw(
        out,
        "/* Before the load: libbpf reuses the map pinned at ks_pinned_globals_path,",
    );
    raw(
        out,
        " * or creates the map and pins it there. True when no pin existed (the load",
    );
    raw(out, " * creates the map). */");
    raw(out, "static bool ks_pin_globals(void)");
    raw(out, "{");
    raw(out, "    bool created;");
    raw(out, "    int err;");
    out.blank_line();
    raw(out, "    ks_make_dirs(ks_pinned_globals_dir);");
    raw(
        out,
        "    created = access(ks_pinned_globals_path, F_OK) != 0;",
    );
    raw(out, "    if (!created)");
    raw(out, "        ks_check_pinned_layout();");
    raw(
        out,
        format!("    err = bpf_map__set_pin_path(ks_skel->maps.{map}, ks_pinned_globals_path);"),
    );
    raw(out, "    if (err) {");
    raw(
        out,
        format!(
            "        fprintf(stderr, \"{project}: cannot pin the `pin var` globals at %s: %s\\n\", ks_pinned_globals_path, strerror(-err));"
        ),
    );
    raw(out, "        exit(1);");
    raw(out, "    }");
    raw(out, "    return created;");
    raw(out, "}");
    out.blank_line();

    raw(
        out,
        "/* After the load: maps entry 0 into memory; a map the load created gets",
    );
    raw(
        out,
        " * the declared initial values, a reused one keeps those of earlier runs. */",
    );
    raw(out, "static void ks_map_pinned_globals(bool created)");
    raw(out, "{");
    raw(
        out,
        format!("    int fd = bpf_map__fd(ks_skel->maps.{map});"),
    );
    raw(
        out,
        format!(
            "    void *entry = mmap(NULL, sizeof(struct {map}), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);"
        ),
    );
    out.blank_line();
    raw(out, "    if (entry == MAP_FAILED) {");
    raw(
        out,
        format!(
            "        fprintf(stderr, \"{project}: cannot map the `pin var` globals: %s\\n\", strerror(errno));"
        ),
    );
    raw(out, "        exit(1);");
    raw(out, "    }");
    raw(out, "    ks_pinned_globals_entry = entry;");
    raw(out, "    if (created) {");
    for line in initial_values(generator, map) {
        raw(out, format!("        {line}"));
    }
    out.blank_line();
    raw(out, "        *ks_pinned_globals_entry = initial;");
    raw(out, "        ks_pin_layout();");
    raw(out, "    }");
    raw(out, "}");
    out.blank_line();
}

/// Reads and writes the layout fingerprint pinned beside the map.
const LAYOUT_CHECK: &str = r#"
/* Refuses to use pinned globals another layout of them wrote: they are kept
 * for the program that wrote them (or until the pin is removed). */
static void ks_check_pinned_layout(void)
{
    __u32 key = 0;
    __u64 found = 0;
    int fd = bpf_obj_get(ks_pinned_layout_path);

    if (fd < 0 || bpf_map_lookup_elem(fd, &key, &found) != 0 || found != ks_pinned_layout) {
        fprintf(stderr, "@NAME@: the `pin var` globals pinned at %s have another layout than this program's (its `pin var` declarations changed); they are kept, not reused. Remove them to start from the declared values: rm -r %s\n", ks_pinned_globals_path, ks_pinned_globals_dir);
        exit(1);
    }
    close(fd);
}

/* Pins this program's layout fingerprint beside a map the load created. */
static void ks_pin_layout(void)
{
    __u32 key = 0;
    __u64 value = ks_pinned_layout;
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ks_layout", sizeof(key), sizeof(value), 1, NULL);

    unlink(ks_pinned_layout_path);
    if (fd < 0 || bpf_map_update_elem(fd, &key, &value, BPF_ANY) != 0 || bpf_obj_pin(fd, ks_pinned_layout_path) != 0) {
        fprintf(stderr, "@NAME@: cannot pin the layout of the `pin var` globals at %s: %s\n", ks_pinned_layout_path, strerror(errno));
        exit(1);
    }
    close(fd);
}
"#;

/// `ks_pinned_globals()`, when user code reads or writes a pinned global.
pub fn write_accessor(generator: &Generator, out: &mut CWriter) {
    let Some(map) = &generator.pinned_globals else {
        return;
    };
    if !generator.needs.pinned_globals {
        return;
    }
    raw(
        out,
        "/* The `pin var` globals, read and written in place (the first use loads",
    );
    raw(out, " * the object). */");
    raw(out, format!("static struct {map} *{ACCESSOR}(void)"));
    raw(out, "{");
    raw(out, "    ks_load_object();");
    raw(out, "    return ks_pinned_globals_entry;");
    raw(out, "}");
    out.blank_line();
}
