//! The object's lifecycle: open at start-up, load on first use,
//! `load`/`attach`/`detach`, signals, the single cleanup path, and the C
//! `main` that ties them to the user's `main`.
//!
//! Attachment kinds are emitted only for the program kinds the object
//! loads. XDP attaches through a BPF link (it disappears with the process
//! even on a crash); TC through a clsact hook, which outlives the process,
//! so the cleanup detaches it and removes a qdisc this process created.

use crate::ir::{FunctionKind, TcDirection, Type};

use super::runtime::{emit, raw};
use super::Generator;
use crate::codegen::c_writer::CWriter;

/// Kind constants of the program table, by `FunctionKind`.
fn kind_constant(kind: &FunctionKind) -> &'static str {
    match kind {
        FunctionKind::Xdp => "KS_XDP",
        FunctionKind::Tc(_) => "KS_TC",
        FunctionKind::Tracepoint { .. } => "KS_TRACEPOINT",
        FunctionKind::Probe { .. } => "KS_PROBE",
        FunctionKind::PerfEvent => "KS_PERF_EVENT",
        other => panic!("internal error: {other:?} is not a program kind"),
    }
}

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
                "static const char ks_pin_root[] = \"/sys/fs/bpf/{}/maps\";",
                generator.project
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
        write_attachments(generator, out);
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

fn has_tc_attachments(generator: &Generator) -> bool {
    has_attachments(generator)
        && generator.programs.iter().any(|entry| {
            entry.autoload
                && matches!(
                    generator.program.function(entry.function).kind,
                    FunctionKind::Tc(_)
                )
        })
}

fn has_attachments(generator: &Generator) -> bool {
    has_program_table(generator) && (generator.needs.attach || generator.needs.detach)
}

fn write_program_table(generator: &Generator, out: &mut CWriter) {
    raw(
        out,
        "/* The programs userspace loads; a program's name is its index here. */",
    );
    raw(
        out,
        "enum ks_program_kind { KS_XDP, KS_TC, KS_TRACEPOINT, KS_PROBE, KS_PERF_EVENT };",
    );
    out.blank_line();
    raw(out, "enum {");
    for entry in generator.programs.iter().filter(|entry| entry.autoload) {
        raw(out, format!("    {},", entry.constant));
    }
    raw(out, "    KS_PROGRAM_COUNT");
    raw(out, "};");
    out.blank_line();
    raw(out, "static struct ks_program {");
    raw(out, "    const char *name;");
    raw(out, "    enum ks_program_kind kind;");
    raw(
        out,
        "    int tc_attach_point;       /* TC: BPF_TC_INGRESS or BPF_TC_EGRESS */",
    );
    raw(
        out,
        "    const char *tp_category;   /* tracepoints: from @tracepoint(\"category/event\") */",
    );
    raw(out, "    const char *tp_event;");
    raw(out, "    struct bpf_program *prog;  /* set by ks_open() */");
    raw(out, "} ks_programs[] = {");
    for entry in generator.programs.iter().filter(|entry| entry.autoload) {
        let kind = &generator.program.function(entry.function).kind;
        let mut fields = vec![
            format!(".name = \"{}\"", entry.name),
            format!(".kind = {}", kind_constant(kind)),
        ];
        match kind {
            FunctionKind::Tc(direction) => fields.push(format!(
                ".tc_attach_point = {}",
                match direction {
                    TcDirection::Ingress => "BPF_TC_INGRESS",
                    TcDirection::Egress => "BPF_TC_EGRESS",
                }
            )),
            FunctionKind::Tracepoint { category, event } => {
                fields.push(format!(
                    ".tp_category = {}",
                    super::names::c_string(category)
                ));
                fields.push(format!(".tp_event = {}", super::names::c_string(event)));
            }
            _ => {}
        }
        raw(
            out,
            format!("    [{}] = {{ {} }},", entry.constant, fields.join(", ")),
        );
    }
    raw(out, "};");
    out.blank_line();
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
    if has_tc_attachments(generator) {
        raw(out, "    libbpf_set_print(ks_libbpf_print);");
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
        let name = &generator.program.map(*map).name;
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
    if generator.has_pinned_maps() {
        emit(out, generator, PIN_ROOT);
    }
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
    raw(out, "static void ks_load_object(void)");
    raw(out, "{");
    raw(out, "    int err;");
    out.blank_line();
    raw(out, "    if (ks_loaded)");
    raw(out, "        return;");
    if generator.has_pinned_maps() {
        raw(out, "    ks_make_pin_root();");
    }
    raw(out, format!("    err = {skeleton}__load(ks_skel);"));
    raw(out, "    if (err) {");
    raw(
        out,
        format!(
            "        fprintf(stderr, \"{}: cannot load the eBPF object: %s\\n\", strerror(-err));",
            generator.project
        ),
    );
    raw(out, "        exit(1);");
    raw(out, "    }");
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
    crate::codegen::ebpf::tail_call_tables(generator.program)
        .into_iter()
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
            (!slots.is_empty()).then_some((table.map_name, slots))
        })
        .collect()
}

fn write_tail_call_setter(generator: &Generator, out: &mut CWriter) {
    if !tail_call_slots(generator).is_empty() {
        emit(out, generator, SET_TAIL_CALL);
    }
}

fn write_attachments(generator: &Generator, out: &mut CWriter) {
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

    emit(out, generator, ATTACHMENT_STATE);
    if xdp {
        emit(out, generator, ATTACH_XDP);
    }
    if tc {
        emit(out, generator, ATTACH_TC);
    }
    if tracepoint {
        emit(out, generator, ATTACH_TRACEPOINT);
    }
    if probe {
        emit(out, generator, ATTACH_PROBE);
    }
    if perf {
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
    if perf {
        attach.push_str(
            "    case KS_PERF_EVENT:\n        err = ks_attach_perf_event(&attachment, target, flags);\n        break;\n",
        );
        detach.push_str(
            "    case KS_PERF_EVENT:\n        for (int i = 0; i < attachment->link_count; i++)\n            bpf_link__destroy(attachment->links[i]);\n        free(attachment->links);\n        break;\n",
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
    emit(out, generator, &attach);
    emit(out, generator, &detach);
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
    raw(out, format!("    {skeleton}__destroy(ks_skel);"));
    raw(out, "}");
    out.blank_line();
}

/// `exec(script)`: hands the maps (and what is attached) to Python.
pub fn write_exec(generator: &Generator, out: &mut CWriter) {
    raw(
        out,
        "/* exec(script): replaces this program with `python3 script`. The maps stay",
    );
    raw(
        out,
        " * open across exec, named in the environment as KS_MAP_<name>=<fd>, and so do",
    );
    raw(
        out,
        " * the attachments that live as long as their links (XDP, tracing); TC filters",
    );
    raw(out, " * stay attached regardless. */");
    raw(out, "static _Noreturn void ks_exec(const char *script)");
    raw(out, "{");
    raw(out, "    static const struct {");
    raw(out, "        const char *variable;");
    raw(
        out,
        "        size_t offset; /* of the map pointer in the skeleton */",
    );
    raw(out, "    } maps[] = {");
    let skeleton = generator.skeleton();
    for map in &generator.program.maps {
        raw(
            out,
            format!(
                "        {{ \"KS_MAP_{0}\", offsetof(struct {skeleton}, maps.{0}) }},",
                map.name
            ),
        );
    }
    raw(out, "    };");
    raw(out, "    char fd_text[16];");
    out.blank_line();
    raw(out, "    ks_load_object();");
    raw(
        out,
        "    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {",
    );
    raw(
        out,
        "        struct bpf_map *map = *(struct bpf_map **)((char *)ks_skel + maps[i].offset);",
    );
    raw(out, "        int fd = bpf_map__fd(map);");
    out.blank_line();
    raw(out, "        fcntl(fd, F_SETFD, 0);");
    raw(
        out,
        "        snprintf(fd_text, sizeof(fd_text), \"%d\", fd);",
    );
    raw(out, "        setenv(maps[i].variable, fd_text, 1);");
    raw(out, "    }");
    if has_attachments(generator) {
        raw(
            out,
            "    for (size_t i = 0; i < ks_attachment_count; i++) {",
        );
        raw(
            out,
            "        struct ks_attachment *attachment = &ks_attachments[i];",
        );
        out.blank_line();
        raw(out, "        if (attachment->link_fd >= 0)");
        raw(out, "            fcntl(attachment->link_fd, F_SETFD, 0);");
        raw(out, "        if (attachment->link)");
        raw(
            out,
            "            fcntl(bpf_link__fd(attachment->link), F_SETFD, 0);",
        );
        raw(
            out,
            "        for (int j = 0; j < attachment->link_count; j++)",
        );
        raw(
            out,
            "            fcntl(bpf_link__fd(attachment->links[j]), F_SETFD, 0);",
        );
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
    let user_main = &generator.function_names[&generator.main];
    let args = main.params.first().map(|&param| main.local(param));
    raw(out, "int main(int argc, char **argv)");
    raw(out, "{");
    match args {
        Some(args) => {
            raw(
                out,
                format!(
                    "    {};",
                    super::types::declaration(generator.program, &args.ty, "args")
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
        format!("{user_main}(args)")
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

const PIN_ROOT: &str = r#"
/* mkdir -p the pin directory (bpffs is mounted at /sys/fs/bpf). */
static void ks_make_pin_root(void)
{
    char path[sizeof(ks_pin_root)];
    char *slash = path;

    memcpy(path, ks_pin_root, sizeof(path));
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

const ATTACHMENT_STATE: &str = r#"
/* One successful attach(); detach() and the cleanup undo it. */
struct ks_attachment {
    int program;                /* index into ks_programs */
    bool active;
    int ifindex;                /* XDP and TC */
    int link_fd;                /* XDP: the BPF link */
    struct bpf_link *link;      /* tracepoints and probes */
    struct bpf_link **links;    /* perf events: one per CPU */
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
 * the direction of the program's @tc attribute. */
static int ks_attach_tc(struct ks_attachment *attachment, const char *target)
{
    const struct ks_program *program = &ks_programs[attachment->program];
    LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = program->tc_attach_point);
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(program->prog));
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
