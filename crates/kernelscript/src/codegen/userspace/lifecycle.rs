//! The object's lifecycle: open at start-up, load on first use,
//! `load`/`attach`/`detach`, signals, the single cleanup path, and the C
//! `main` that ties them to the user's `main`.
//!
//! Attachment kinds are emitted only for the program kinds the object
//! loads. XDP attaches through a BPF link (it disappears with the process
//! even on a crash); TC through a clsact hook, which outlives the process,
//! so the cleanup detaches it and removes a qdisc this process created.

use crate::ir::Type;
use crate::kinds::FieldValue;

use super::runtime::{emit, raw};
use super::Generator;
use crate::codegen::c::CWriter;

/// The skeleton pointer, the load flag and the exit signal.
pub fn write_state(generator: &Generator, out: &mut CWriter) {
    let skeleton = generator.skeleton();
    raw(out, "/* ---- The eBPF object ---- */");
    out.blank_line();
    raw(
        out,
        format!(
            "/* The skeleton of {0}.ebpf.o: opened at start-up, loaded by the first",
            generator.project
        ),
    );
    raw(out, " * load() or map access. */");
    raw(out, format!("static struct {skeleton} *ks_skel;"));
    if generator.needs_object_load() {
        raw(out, "static bool ks_loaded;");
    }
    raw(
        out,
        "/* SIGINT or SIGTERM once one has arrived: the program should stop. */",
    );
    raw(out, "static volatile sig_atomic_t ks_exit_signal;");
    if generator.has_pinned_maps() {
        raw(
            out,
            "/* libbpf pins `pin` maps here, and reuses them from here. */",
        );
        raw(
            out,
            format!(
                "static const char ks_pin_root[] = {};",
                crate::codegen::c::string_literal(&generator.plan.pin_root.maps_dir())
            ),
        );
    }
    out.blank_line();
}

/// The program table, the object load, `load`, `attach` and `detach`.
pub fn write_runtime(generator: &Generator, out: &mut CWriter) {
    let needs = &generator.needs;
    if has_program_table(generator) {
        write_program_table(generator, out);
    }
    if generator.needs_object_load() {
        write_tail_call_setter(generator, out);
        write_load(generator, out);
    }
    if has_program_table(generator) && needs.load {
        emit(out, generator, LOAD);
    }
    if has_attachments(generator) {
        super::attach::write(generator, out);
    } else if has_program_table(generator) && generator.needs.detach {
        emit(out, generator, DETACH_ONLY);
    }
    if !generator.needs.registered.is_empty() {
        write_struct_ops(generator, out);
    }
}

/// The struct_ops table and `register()`.
fn write_struct_ops(generator: &Generator, out: &mut CWriter) {
    raw(
        out,
        "/* The struct_ops impl blocks register() attaches; a name is its index here. */",
    );
    raw(out, "enum {");
    for id in &generator.needs.registered {
        raw(
            out,
            format!("    KS_OPS_{},", generator.program.struct_ops_def(*id).name),
        );
    }
    raw(out, "    KS_OPS_COUNT_");
    raw(out, "};");
    out.blank_line();
    raw(out, "static struct ks_struct_ops {");
    raw(out, "    const char *name;");
    raw(out, "    struct bpf_map *map;   /* set by ks_open() */");
    raw(out, "    struct bpf_link *link; /* while registered */");
    raw(out, "} ks_struct_ops[] = {");
    for id in &generator.needs.registered {
        let name = &generator.program.struct_ops_def(*id).name;
        raw(
            out,
            format!("    [KS_OPS_{name}] = {{ .name = \"{name}\" }},"),
        );
    }
    raw(out, "};");
    out.blank_line();
    emit(out, generator, REGISTER);
}

/// Opening the object, the cleanup and the signal handlers (after the
/// map and ring-buffer runtime, whose tables `ks_open` fills).
pub fn write_setup(generator: &Generator, out: &mut CWriter) {
    write_open(generator, out, has_program_table(generator));
    write_cleanup(generator, out, has_attachments(generator));
    emit(out, generator, SIGNALS);
}

fn has_program_table(generator: &Generator) -> bool {
    generator.needs.program_table && generator.programs.iter().any(|entry| entry.autoload)
}

/// Whether the attachment runtime is emitted: only for programs that
/// attach (one that only detaches can have nothing attached).
pub(super) fn has_attachments(generator: &Generator) -> bool {
    has_program_table(generator) && generator.needs.attach
}

const DETACH_ONLY: &str = r#"
/* detach(handle): this program never attaches, so nothing is attached. */
static void ks_detach(int handle)
{
    (void)handle;
}
"#;

fn write_program_table(generator: &Generator, out: &mut CWriter) {
    let kinds = generator.loaded_kinds();
    raw(
        out,
        "/* The programs userspace loads; a program's name is its index here. */",
    );
    let constants: Vec<&str> = kinds.iter().map(|d| d.attach.constant).collect();
    raw(
        out,
        format!("enum ks_program_kind {{ {} }};", constants.join(", ")),
    );
    out.blank_line();
    raw(out, "enum {");
    for entry in generator.programs.iter().filter(|entry| entry.autoload) {
        raw(out, format!("    {},", entry.constant));
    }
    raw(out, "    KS_PROGRAM_COUNT");
    raw(out, "};");
    out.blank_line();
    let mut fields: Vec<(&str, &str)> = vec![
        ("const char *name;", ""),
        ("enum ks_program_kind kind;", ""),
    ];
    for descriptor in &kinds {
        for field in descriptor.attach.program_fields {
            if !fields
                .iter()
                .any(|(declaration, _)| *declaration == field.0)
            {
                fields.push(*field);
            }
        }
    }
    fields.push(("struct bpf_program *prog;", "set by ks_open()"));
    raw(out, "static struct ks_program {");
    write_fields(out, &fields);
    raw(out, "} ks_programs[] = {");
    for entry in generator.programs.iter().filter(|entry| entry.autoload) {
        let program = generator
            .program
            .function(entry.function)
            .kind
            .program()
            .expect("program entries are programs");
        let descriptor = program.descriptor();
        let mut values = vec![
            format!(".name = \"{}\"", entry.name),
            format!(".kind = {}", descriptor.attach.constant),
        ];
        let own_symbol = generator.own_function_symbol(program);
        let site = crate::kinds::ProgramSite {
            target: &program.target,
            own_symbol: own_symbol.as_deref(),
            name: &entry.name,
            project: &generator.project,
        };
        for (field, value) in (descriptor.attach.program_values)(&site) {
            let value = match value {
                FieldValue::Code(code) => code,
                FieldValue::Text(text) => crate::codegen::c::string_literal(&text),
            };
            values.push(format!(".{field} = {value}"));
        }
        raw(
            out,
            format!("    [{}] = {{ {} }},", entry.constant, values.join(", ")),
        );
    }
    raw(out, "};");
    out.blank_line();
}

/// Struct members `(declaration, comment)`, comments aligned one column
/// after the longest commented declaration.
pub(super) fn write_fields(out: &mut CWriter, fields: &[(&str, &str)]) {
    let width = fields
        .iter()
        .filter(|(_, comment)| !comment.is_empty())
        .map(|(declaration, _)| declaration.len())
        .max()
        .unwrap_or(0)
        + 1;
    for (declaration, comment) in fields {
        if comment.is_empty() {
            raw(out, format!("    {declaration}"));
        } else {
            raw(out, format!("    {declaration:<width$}/* {comment} */"));
        }
    }
}

fn write_open(generator: &Generator, out: &mut CWriter, table: bool) {
    let skeleton = generator.skeleton();
    let project = &generator.project;
    raw(
        out,
        "/* Opens the object. Programs userspace never loads are left out of the",
    );
    raw(out, " * load, so they never reach the verifier. */");
    raw(out, "static void ks_open(void)");
    raw(out, "{");
    if generator.has_pinned_maps() {
        raw(
            out,
            "    LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = ks_pin_root);",
        );
        out.blank_line();
        raw(out, format!("    ks_skel = {skeleton}__open_opts(&opts);"));
    } else {
        raw(out, format!("    ks_skel = {skeleton}__open();"));
    }
    raw(out, "    if (!ks_skel) {");
    raw(out, format!(
        "        fprintf(stderr, \"{project}: cannot open the eBPF object: %s\\n\", strerror(errno));"
    ));
    raw(out, "        exit(1);");
    raw(out, "    }");
    if has_attachments(generator) {
        let mut opened = Vec::new();
        for descriptor in generator.loaded_kinds() {
            let open = descriptor.attach.open;
            if !open.is_empty() && !opened.contains(&open) {
                raw(out, format!("    {open}"));
                opened.push(open);
            }
        }
    }
    for entry in &generator.programs {
        if !entry.autoload {
            raw(
                out,
                format!(
                    "    bpf_program__set_autoload(ks_skel->progs.{}, false);",
                    entry.name
                ),
            );
        }
    }
    // struct_ops impl blocks nothing registers are neither created nor loaded.
    for (index, def) in generator.program.struct_ops.iter().enumerate() {
        if generator
            .needs
            .registered
            .contains(&crate::ir::StructOpsId(index as u32))
        {
            raw(
                out,
                format!(
                    "    ks_struct_ops[KS_OPS_{0}].map = ks_skel->maps.{0};",
                    def.name
                ),
            );
            continue;
        }
        raw(
            out,
            format!(
                "    bpf_map__set_autocreate(ks_skel->maps.{}, false);",
                def.name
            ),
        );
        for (_, method) in &def.methods {
            let method = generator.program.function(*method);
            raw(
                out,
                format!(
                    "    bpf_program__set_autoload(ks_skel->progs.{}_{}, false);",
                    def.name, method.name
                ),
            );
        }
    }
    if table {
        for entry in generator.programs.iter().filter(|entry| entry.autoload) {
            raw(
                out,
                format!(
                    "    ks_programs[{}].prog = ks_skel->progs.{};",
                    entry.constant, entry.name
                ),
            );
        }
    }
    for map in &generator.needs.dispatched {
        let name = generator.plan.names.map(*map);
        raw(
            out,
            format!("    ks_rings[KS_RING_{name}].map = ks_skel->maps.{name};"),
        );
    }
    raw(out, "}");
    out.blank_line();
}

fn write_load(generator: &Generator, out: &mut CWriter) {
    let skeleton = generator.skeleton();
    let pinned_globals = super::pinned::handles_pinned_globals(generator);
    if generator.has_pinned_maps() || pinned_globals {
        emit(out, generator, MAKE_DIRS);
    }
    super::pinned::write_setup(generator, out);
    let loaded: Vec<&str> = generator
        .programs
        .iter()
        .filter(|entry| entry.autoload)
        .map(|entry| entry.name.as_str())
        .collect();
    raw(
        out,
        "/* Loads the object once: creates (or reuses pinned) maps and loads the",
    );
    if loaded.is_empty() {
        raw(out, " * maps only: userspace loads no program. */");
    } else {
        raw(out, format!(" * programs {}. */", loaded.join(", ")));
    }
    super::kmod::write_loader(generator, out);
    raw(out, "static void ks_load_object(void)");
    raw(out, "{");
    if pinned_globals {
        raw(out, "    bool pinned_globals_created;");
    }
    raw(out, "    int err;");
    out.blank_line();
    raw(out, "    if (ks_loaded)");
    raw(out, "        return;");
    if let Some(call) = super::kmod::load_call(generator) {
        raw(out, call);
    }
    if generator.has_pinned_maps() {
        raw(out, "    ks_make_dirs(ks_pin_root);");
    }
    if pinned_globals {
        raw(out, "    pinned_globals_created = ks_pin_globals();");
    }
    raw(out, format!("    err = {skeleton}__load(ks_skel);"));
    raw(out, "    if (err) {");
    // libbpf has logged the details (the verifier's log, the program).
    let what = if loaded.is_empty() {
        "maps only".to_string()
    } else {
        loaded.join(", ")
    };
    raw(
        out,
        format!(
            "        fprintf(stderr, \"{}: cannot load the eBPF object ({what}): %s\\n\", strerror(-err));",
            generator.project
        ),
    );
    raw(out, "        exit(1);");
    raw(out, "    }");
    if pinned_globals {
        raw(out, "    ks_map_pinned_globals(pinned_globals_created);");
    }
    let tables = tail_call_slots(generator);
    if !tables.is_empty() {
        raw(
            out,
            "    /* Tail-call targets go to their slots before anything is attached. */",
        );
    }
    for (map, slots) in &tables {
        for (slot, name) in slots {
            raw(
                out,
                format!(
                    "    ks_set_tail_call(ks_skel->maps.{map}, {slot}, ks_skel->progs.{name}, \"{name}\");"
                ),
            );
        }
    }
    raw(out, "    ks_loaded = true;");
    raw(out, "}");
    out.blank_line();
}

/// The prog_arrays of `return other_program(ctx)` tail calls with the
/// `(slot, program)` pairs userspace fills: every target that is loaded.
fn tail_call_slots(generator: &Generator) -> Vec<(String, Vec<(usize, String)>)> {
    generator
        .plan
        .tail_calls
        .iter()
        .filter_map(|table| {
            let slots: Vec<(usize, String)> = table
                .targets
                .iter()
                .enumerate()
                .filter(|(_, target)| {
                    generator
                        .programs
                        .iter()
                        .any(|entry| entry.function == **target && entry.autoload)
                })
                .map(|(slot, target)| (slot, generator.program.function(*target).name.clone()))
                .collect();
            (!slots.is_empty()).then(|| (table.map_name.clone(), slots))
        })
        .collect()
}

fn write_tail_call_setter(generator: &Generator, out: &mut CWriter) {
    if !tail_call_slots(generator).is_empty() {
        emit(out, generator, SET_TAIL_CALL);
    }
}

fn write_cleanup(generator: &Generator, out: &mut CWriter, attachments: bool) {
    let skeleton = generator.skeleton();
    raw(
        out,
        "/* The single cleanup path, registered with atexit(): however the program",
    );
    raw(
        out,
        " * ends (return from main, exit, an error), everything attached is",
    );
    raw(
        out,
        " * detached and the object is closed. Pinned maps stay pinned. */",
    );
    raw(out, "static void ks_cleanup(void)");
    raw(out, "{");
    if attachments {
        raw(out, "    for (size_t i = ks_attachment_count; i-- > 0;)");
        raw(out, "        ks_detach_attachment(&ks_attachments[i]);");
        raw(out, "    free(ks_attachments);");
    }
    if !generator.needs.registered.is_empty() {
        raw(out, "    for (int i = 0; i < KS_OPS_COUNT_; i++)");
        raw(out, "        bpf_link__destroy(ks_struct_ops[i].link);");
    }
    if let (Some(map), true) = (
        &generator.pinned_globals,
        super::pinned::handles_pinned_globals(generator),
    ) {
        raw(out, "    if (ks_pinned_globals_entry)");
        raw(
            out,
            format!("        munmap(ks_pinned_globals_entry, sizeof(struct {map}));"),
        );
    }
    raw(out, format!("    {skeleton}__destroy(ks_skel);"));
    // Only a program that loads the object inserts the module.
    if let (Some(call), true) = (
        super::kmod::unload_call(generator),
        generator.needs_object_load(),
    ) {
        raw(out, call);
    }
    raw(out, "}");
    out.blank_line();
}

/// `exec(script)`: hands the maps (and what is attached) to Python.
pub fn write_exec(generator: &Generator, out: &mut CWriter) {
    if !generator.program.maps.is_empty() {
        emit(out, generator, EXPORT_MAP);
    }
    raw(
        out,
        "/* exec(script): replaces this program with `python3 script`. The maps stay",
    );
    raw(
        out,
        " * open across exec, named in the environment as KS_MAP_<name>=<fd>, and so",
    );
    raw(
        out,
        " * do the attachments that live as long as their links (XDP, tracing); TC",
    );
    raw(out, " * filters stay attached regardless. */");
    raw(out, "static _Noreturn void ks_exec(const char *script)");
    raw(out, "{");
    raw(out, "    ks_load_object();");
    for index in 0..generator.program.maps.len() {
        let name = generator.plan.names.map(crate::ir::MapId(index as u32));
        raw(
            out,
            format!("    ks_export_map(\"KS_MAP_{name}\", ks_skel->maps.{name});"),
        );
    }
    // The fds that keep attachments alive stay open across exec.
    let mut keep_open = Vec::new();
    if has_attachments(generator) {
        let fields = super::attach::attachment_fields(generator);
        let has = |name: &str| super::attach::has_field(&fields, name);
        if has("link_fd") {
            keep_open.push("if (attachment->link_fd >= 0)");
            keep_open.push("    fcntl(attachment->link_fd, F_SETFD, 0);");
        }
        if has("link") {
            keep_open.push("if (attachment->link)");
            keep_open.push("    fcntl(bpf_link__fd(attachment->link), F_SETFD, 0);");
        }
        if has("links") {
            keep_open.push("for (int j = 0; j < attachment->link_count; j++)");
            keep_open.push("    fcntl(bpf_link__fd(attachment->links[j]), F_SETFD, 0);");
        }
    }
    if !keep_open.is_empty() {
        raw(
            out,
            "    for (size_t i = 0; i < ks_attachment_count; i++) {",
        );
        raw(
            out,
            "        struct ks_attachment *attachment = &ks_attachments[i];",
        );
        out.blank_line();
        for line in keep_open {
            raw(out, format!("        {line}"));
        }
        raw(out, "    }");
    }
    raw(out, "    fflush(NULL);");
    raw(
        out,
        "    execlp(\"python3\", \"python3\", script, (char *)NULL);",
    );
    raw(
        out,
        format!(
            "    fprintf(stderr, \"{}: cannot run python3 %s: %s\\n\", script, strerror(errno));",
            generator.project
        ),
    );
    raw(out, "    exit(1);");
    raw(out, "}");
    out.blank_line();
}

/// The C `main`: arguments, stdout line buffering, signals, the object,
/// then the user's `main`, whose result is the exit status.
pub fn write_main(generator: &Generator, out: &mut CWriter) {
    let main = generator.program.function(generator.main);
    let user_main = generator.plan.names.function(generator.main);
    let args = main.params.first().map(|&param| main.local(param));
    raw(out, "int main(int argc, char **argv)");
    raw(out, "{");
    match args {
        Some(args) => {
            raw(
                out,
                format!(
                    "    static {};",
                    generator.scope.types.declaration(&args.ty, "args")
                ),
            );
            out.blank_line();
            raw(out, "    ks_parse_args(argc, argv, &args);");
        }
        None => raw(out, "    ks_parse_args(argc, argv);"),
    }
    raw(out, "    setvbuf(stdout, NULL, _IOLBF, 0);");
    raw(out, "    ks_handle_signals();");
    raw(out, "    ks_open();");
    raw(out, "    atexit(ks_cleanup);");
    let call = if args.is_some() {
        format!("{user_main}(&args)")
    } else {
        format!("{user_main}()")
    };
    if main.ret == Type::Void {
        raw(out, format!("    {call};"));
        raw(out, "    return 0;");
    } else {
        raw(out, format!("    return {call};"));
    }
    raw(out, "}");
    out.blank_line();
}

const MAKE_DIRS: &str = r#"
/* mkdir -p a pin directory (bpffs is mounted at /sys/fs/bpf). */
static void ks_make_dirs(const char *dir)
{
    char path[PATH_MAX];
    char *slash = path;

    snprintf(path, sizeof(path), "%s", dir);
    while ((slash = strchr(slash + 1, '/')) != NULL) {
        *slash = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            break;
        *slash = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "@NAME@: cannot create %s: %s (is bpffs mounted at /sys/fs/bpf?)\n", path, strerror(errno));
        exit(1);
    }
}
"#;

const SET_TAIL_CALL: &str = r#"
/* Stores a loaded program in slot `slot` of a program array, where
 * `return program(ctx)` tail calls find it. */
static void ks_set_tail_call(struct bpf_map *map, __u32 slot, const struct bpf_program *prog, const char *name)
{
    int fd = bpf_program__fd(prog);
    int err = bpf_map__update_elem(map, &slot, sizeof(slot), &fd, sizeof(fd), BPF_ANY);

    if (err) {
        fprintf(stderr, "@NAME@: cannot install the tail-call target %s: %s\n", name, strerror(-err));
        exit(1);
    }
}
"#;

const EXPORT_MAP: &str = r#"
/* Keeps a map's fd open across exec and names it in the environment. */
static void ks_export_map(const char *variable, const struct bpf_map *map)
{
    char fd_text[16];
    int fd = bpf_map__fd(map);

    fcntl(fd, F_SETFD, 0);
    snprintf(fd_text, sizeof(fd_text), "%d", fd);
    setenv(variable, fd_text, 1);
}
"#;

const REGISTER: &str = r#"
/* register(impl): attaches the struct_ops map of the impl block (until
 * exit); 0, or a negative errno after a message. */
static int ks_register(int ops)
{
    struct ks_struct_ops *impl = &ks_struct_ops[ops];
    int err;

    ks_load_object();
    if (impl->link)
        return 0;
    impl->link = bpf_map__attach_struct_ops(impl->map);
    if (!impl->link) {
        err = -errno;
        fprintf(stderr, "@NAME@: cannot register %s: %s\n", impl->name, strerror(-err));
        return err;
    }
    return 0;
}
"#;

const LOAD: &str = r#"
/* load(prog): the handle is the program's file descriptor. */
static int ks_load(int program)
{
    int fd;

    ks_load_object();
    fd = bpf_program__fd(ks_programs[program].prog);
    if (fd < 0) {
        fprintf(stderr, "@NAME@: load(%s): the program is not loaded\n", ks_programs[program].name);
        exit(1);
    }
    return fd;
}
"#;

const SIGNALS: &str = r#"
static void ks_on_signal(int signo)
{
    ks_exit_signal = signo;
}

/* SIGINT and SIGTERM only set ks_exit_signal: dispatch() returns and while
 * loops exit, so that the cleanup runs in normal context. */
static void ks_handle_signals(void)
{
    struct sigaction action;

    memset(&action, 0, sizeof(action));
    action.sa_handler = ks_on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}
"#;
