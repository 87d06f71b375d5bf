//! Command-line parsing for `fn main(args: Args)`: every field of the
//! `Args` struct is an option named exactly like the field (`--limit`;
//! `--interface-id` is accepted for `interface_id`).
//!
//! * integers: `--limit=10` or `--limit 10`, decimal or `0x` hex, checked
//!   against the field's range;
//! * `bool`: `--debug` (true), `--debug=true|false|1|0`;
//! * `str(N)`: at most N-1 bytes, never truncated silently;
//! * `char`: exactly one byte.
//!
//! Unset options are zero, false or empty, or the field's default (`= value`);
//! `@short("x")` adds `-x` (`-d 100`, `-d100`) and `@help("...")` a line of
//! help (`Program::args_options`); `@ipv4` (a `u32`) and `@ipv6` (a
//! `u8[16]`) take an address, stored in network order. `--help` (`-h`) prints the
//! options with their types and exits 0. An unknown option, a missing or
//! invalid value, or a stray argument prints a message naming the option
//! on stderr and exits with status 2. `fn main()` accepts only `--help`.

use crate::ir::{ArgOption, FieldDef, Function, IntType, OptionDefault, Program, Type};

use super::runtime::{emit, raw};
use super::Generator;
use crate::codegen::c::CWriter;

/// How one field is parsed and shown in `--help`.
struct Option_<'f> {
    field: &'f FieldDef,
    /// The field's C name.
    member: String,
    /// `--limit=U32`
    usage: String,
    /// `an integer from 0 to 4294967295`
    description: String,
    settings: ArgOption,
}

fn describe<'f>(program: &Program, field: &'f FieldDef, member: String) -> Option<Option_<'f>> {
    let name = &field.name;
    let settings = program.arg_option(name).cloned().unwrap_or_default();
    let (usage, description) = match &field.ty {
        Type::Int(_) if settings.ipv4 => (
            format!("--{name}=ADDR"),
            "a dotted IPv4 address".to_string(),
        ),
        Type::Array(..) if settings.ipv6 => {
            (format!("--{name}=ADDR6"), "an IPv6 address".to_string())
        }
        Type::Int(int) => {
            let (min, max) = int.range();
            (
                format!("--{name}={}", int.source_name().to_uppercase()),
                format!("an integer from {min} to {max}"),
            )
        }
        Type::Bool => (
            format!("--{name}[=BOOL]"),
            "true or false (alone: true)".to_string(),
        ),
        Type::Str(len) => (
            format!("--{name}=STR"),
            format!("text of at most {} bytes", len.saturating_sub(1)),
        ),
        Type::Char => (format!("--{name}=CHAR"), "a single character".to_string()),
        _ => return None,
    };
    let usage = match settings.short {
        Some(short) => format!("-{short}, {usage}"),
        None => format!("    {usage}"),
    };
    let description = match (&settings.help, &settings.default) {
        (Some(help), _) => format!("{help} ({description}{})", default_text(&settings)),
        (None, _) => format!("{description}{}", default_text(&settings)),
    };
    Some(Option_ {
        field,
        member,
        usage,
        description,
        settings,
    })
}

/// `; default: 100` for `--help`.
fn default_text(settings: &ArgOption) -> String {
    match &settings.default {
        None => String::new(),
        Some(OptionDefault::Int(value)) => format!("; default: {value}"),
        Some(OptionDefault::Bool(value)) => format!("; default: {value}"),
        Some(OptionDefault::Char(value)) => format!("; default: '{}'", char::from(*value)),
        Some(OptionDefault::Str(text)) => format!("; default: \"{text}\""),
        Some(OptionDefault::Address(_, shown)) => format!("; default: {shown}"),
    }
}

/// An option of the generated program, as `--help` and the project's
/// README show it.
pub struct CommandLineOption {
    /// `--limit=U32`
    pub usage: String,
    /// `an integer from 0 to 4294967295`
    pub description: String,
}

/// The `Args` struct of `main(args: Args)`, if `main` takes one.
fn args_struct(program: &crate::ir::Program) -> Option<crate::ir::StructId> {
    let main = program
        .functions
        .iter()
        .find(|function| function.kind == crate::ir::FunctionKind::Main)?;
    match main.params.first().map(|&param| &main.local(param).ty) {
        Some(Type::Struct(id)) => Some(*id),
        _ => None,
    }
}

/// The options of the generated program (without `--help`).
pub fn command_line_options(program: &crate::ir::Program) -> Vec<CommandLineOption> {
    let Some(id) = args_struct(program) else {
        return Vec::new();
    };
    program
        .struct_def(id)
        .fields
        .iter()
        .filter_map(|field| describe(program, field, String::new()))
        .map(|option| CommandLineOption {
            usage: option.usage.trim_start().to_string(),
            description: option.description,
        })
        .collect()
}

pub fn write(generator: &Generator, out: &mut CWriter) {
    let program = generator.program;
    let main: &Function = program.function(generator.main);
    let args_struct = main
        .params
        .first()
        .map(|&param| &main.local(param).ty)
        .and_then(|ty| match ty {
            Type::Struct(id) => Some(*id),
            _ => None,
        });
    let names = &generator.plan.names;
    let options: Vec<Option_> = args_struct
        .map(|id| {
            let fields = program.struct_def(id).fields.iter().enumerate();
            fields
                .filter_map(|(index, field)| {
                    describe(program, field, names.field(id, index).to_string())
                })
                .collect()
        })
        .unwrap_or_default();

    raw(out, "/* ---- Command line ---- */");
    out.blank_line();
    write_usage(generator, out, &options);
    emit(out, generator, ARGUMENT_ERROR);
    let Some(args_id) = args_struct else {
        emit(out, generator, PARSE_NO_ARGS);
        return;
    };
    let uses = |pattern: fn(&Type) -> bool| options.iter().any(|option| pattern(&option.field.ty));
    emit(out, generator, OPTION_HELPERS);
    if uses(|ty| matches!(ty, Type::Int(int) if int.is_signed())) {
        emit(out, generator, PARSE_SIGNED);
    }
    if options.iter().any(|option| option.settings.ipv4) {
        emit(out, generator, PARSE_IPV4_OPTION);
    }
    if options.iter().any(|option| option.settings.ipv6) {
        emit(out, generator, PARSE_IPV6_OPTION);
    }
    if options.iter().any(|option| {
        matches!(option.field.ty, Type::Int(int) if !int.is_signed()) && !option.settings.ipv4
    }) {
        emit(out, generator, PARSE_UNSIGNED);
    }
    if uses(|ty| matches!(ty, Type::Bool)) {
        emit(out, generator, PARSE_BOOL);
    }

    raw(
        out,
        format!(
            "/* Fills *args from --FIELD=VALUE / --FIELD VALUE options ({}). */",
            generator.scope.types.struct_name(args_id)
        ),
    );
    raw(
        out,
        format!(
            "static void ks_parse_args(int argc, char **argv, {} *args)",
            generator.scope.types.struct_name(args_id)
        ),
    );
    raw(out, "{");
    raw(out, "    memset(args, 0, sizeof(*args));");
    for option in &options {
        write_default(out, option);
    }
    raw(out, "    for (int i = 1; i < argc; i++) {");
    raw(out, "        const char *arg = argv[i];");
    raw(out, "        const char *name;");
    raw(out, "        const char *value;");
    raw(out, "        size_t name_len;");
    out.blank_line();
    raw(
        out,
        "        if (strcmp(arg, \"--help\") == 0 || strcmp(arg, \"-h\") == 0) {",
    );
    raw(out, "            ks_usage(stdout);");
    raw(out, "            exit(0);");
    raw(out, "        }");
    let shorts: Vec<(char, &str)> = options
        .iter()
        .filter_map(|option| Some((option.settings.short?, option.field.name.as_str())))
        .collect();
    if !shorts.is_empty() {
        // `-x`, `-d 100`, `-d100`: the short form names the long option.
        raw(
            out,
            "        if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\\0') {",
        );
        raw(out, "            switch (arg[1]) {");
        for (short, name) in &shorts {
            raw(
                out,
                format!("            case '{short}': name = \"{name}\"; break;"),
            );
        }
        raw(out, "            default:");
        raw(
            out,
            "                ks_argument_error(\"unknown option '%s'\", arg);",
        );
        raw(out, "            }");
        raw(out, "            name_len = strlen(name);");
        raw(out, "            value = arg[2] != '\\0' ? arg + 2 : NULL;");
        raw(out, "        } else {");
    } else {
        raw(out, "        {");
    }
    raw(
        out,
        "            if (strncmp(arg, \"--\", 2) != 0 || arg[2] == '\\0')",
    );
    raw(
        out,
        "                ks_argument_error(\"unexpected argument '%s'\", arg);",
    );
    raw(out, "            name = arg + 2;");
    raw(out, "            value = strchr(name, '=');");
    raw(
        out,
        "            name_len = value ? (size_t)(value - name) : strlen(name);",
    );
    raw(out, "            if (value)");
    raw(out, "                value++;");
    raw(out, "        }");
    let mut first = true;
    for option in &options {
        let field = &option.field.name;
        let member = &option.member;
        let keyword = if first { "if" } else { "} else if" };
        first = false;
        raw(
            out,
            format!("        {keyword} (ks_option_is(name, name_len, \"{field}\")) {{"),
        );
        let flag = format!("\"--{field}\"");
        match &option.field.ty {
            Type::Int(_) if option.settings.ipv4 => {
                raw(
                    out,
                    format!("            value = ks_option_value(argc, argv, &i, value, {flag});"),
                );
                raw(
                    out,
                    format!("            ks_parse_ipv4_option(value, &args->{member}, {flag});"),
                );
            }
            Type::Array(..) if option.settings.ipv6 => {
                raw(
                    out,
                    format!("            value = ks_option_value(argc, argv, &i, value, {flag});"),
                );
                raw(
                    out,
                    format!("            ks_parse_ipv6_option(value, args->{member}, {flag});"),
                );
            }
            Type::Int(int) => write_int_option(out, member, &flag, *int),
            Type::Bool => {
                raw(
                    out,
                    format!(
                        "            args->{member} = value ? ks_parse_bool(value, {flag}) : true;"
                    ),
                );
            }
            Type::Str(len) => {
                raw(
                    out,
                    format!("            value = ks_option_value(argc, argv, &i, value, {flag});"),
                );
                raw(out, format!("            if (strlen(value) > {})", len - 1));
                raw(out, format!(
                    "                ks_argument_error(\"value of %s is longer than {} bytes\", {flag});",
                    len - 1
                ));
                raw(
                    out,
                    format!("            memcpy(args->{member}, value, strlen(value) + 1);"),
                );
            }
            Type::Char => {
                raw(
                    out,
                    format!("            value = ks_option_value(argc, argv, &i, value, {flag});"),
                );
                raw(out, "            if (strlen(value) != 1)");
                raw(out, format!(
                    "                ks_argument_error(\"%s takes a single character, not '%s'\", {flag}, value);"
                ));
                raw(out, format!("            args->{member} = value[0];"));
            }
            _ => unreachable!("describe() keeps supported types only"),
        }
    }
    if options.is_empty() {
        raw(out, "        (void)value;");
        raw(out, "        ks_unknown_option(name, name_len);");
    } else {
        raw(out, "        } else {");
        raw(out, "            ks_unknown_option(name, name_len);");
        raw(out, "        }");
    }
    raw(out, "    }");
    raw(out, "}");
    out.blank_line();
}

/// Sets the option's default before the arguments are read.
fn write_default(out: &mut CWriter, option: &Option_) {
    let member = &option.member;
    match (&option.settings.default, &option.field.ty) {
        (Some(OptionDefault::Int(value)), Type::Int(int)) => {
            let literal = if int.is_signed() {
                signed_literal(*value)
            } else {
                unsigned_literal(*value)
            };
            raw(out, format!("    args->{member} = {literal};"));
        }
        (Some(OptionDefault::Bool(value)), _) => {
            raw(out, format!("    args->{member} = {value};"));
        }
        (Some(OptionDefault::Char(value)), _) => {
            raw(out, format!("    args->{member} = (char){value};"));
        }
        (Some(OptionDefault::Address(bytes, _)), _) => {
            let bytes: Vec<String> = bytes.iter().map(u8::to_string).collect();
            raw(
                out,
                format!(
                    "    memcpy(&args->{member}, (const unsigned char[]){{{}}}, {});",
                    bytes.join(", "),
                    bytes.len()
                ),
            );
        }
        (Some(OptionDefault::Str(text)), _) => raw(
            out,
            format!(
                "    memcpy(args->{member}, {}, {});",
                crate::codegen::c::string_literal(text),
                text.len() + 1
            ),
        ),
        _ => {}
    }
}

fn write_int_option(out: &mut CWriter, member: &str, flag: &str, int: IntType) {
    let (min, max) = int.range();
    raw(
        out,
        format!("            value = ks_option_value(argc, argv, &i, value, {flag});"),
    );
    if int.is_signed() {
        raw(
            out,
            format!(
                "            args->{member} = ks_parse_signed(value, {}, {}, {flag});",
                signed_literal(min),
                signed_literal(max)
            ),
        );
    } else {
        raw(
            out,
            format!(
                "            args->{member} = ks_parse_unsigned(value, {}, {flag});",
                unsigned_literal(max)
            ),
        );
    }
}

fn signed_literal(value: i128) -> String {
    if value == i128::from(i64::MIN) {
        "(-9223372036854775807LL - 1)".into()
    } else {
        format!("{value}LL")
    }
}

fn unsigned_literal(value: i128) -> String {
    format!("{value}ULL")
}

fn write_usage(generator: &Generator, out: &mut CWriter, options: &[Option_]) {
    let project = &generator.project;
    let help = (
        "-h, --help".to_string(),
        "show this help and exit".to_string(),
    );
    let rows: Vec<(String, String)> = options
        .iter()
        .map(|option| (option.usage.clone(), option.description.clone()))
        .chain(std::iter::once(help))
        .collect();
    let width = rows.iter().map(|(usage, _)| usage.len()).max().unwrap_or(0) + 2;
    raw(out, "static void ks_usage(FILE *out)");
    raw(out, "{");
    let usage = if options.is_empty() { "" } else { " [OPTIONS]" };
    let mut text = vec![
        format!("Usage: {project}{usage}"),
        String::new(),
        "Options:".to_string(),
    ];
    for (option, description) in &rows {
        text.push(format!("  {option:<width$}{description}"));
    }
    for line in text {
        raw(
            out,
            format!(
                "    fputs({}, out);",
                crate::codegen::c::string_literal(&format!("{line}\n"))
            ),
        );
    }
    raw(out, "}");
    out.blank_line();
}

const ARGUMENT_ERROR: &str = r#"
/* A command-line error: the message on stderr, then exit status 2. */
static _Noreturn void ks_argument_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void ks_argument_error(const char *format, ...)
{
    va_list args;

    fprintf(stderr, "@NAME@: ");
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\nTry '@NAME@ --help' for more information.\n");
    exit(2);
}
"#;

const PARSE_NO_ARGS: &str = r#"
/* main() takes no arguments: only --help. */
static void ks_parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            ks_usage(stdout);
            exit(0);
        }
        if (strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0')
            ks_argument_error("unknown option '%s'", argv[i]);
        ks_argument_error("unexpected argument '%s'", argv[i]);
    }
}
"#;

const OPTION_HELPERS: &str = r#"
/* Whether the option name (name_len bytes) spells field; '-' may stand for '_'. */
static bool ks_option_is(const char *name, size_t name_len, const char *field)
{
    if (strlen(field) != name_len)
        return false;
    for (size_t i = 0; i < name_len; i++) {
        if ((name[i] == '-' ? '_' : name[i]) != field[i])
            return false;
    }
    return true;
}

static void ks_unknown_option(const char *name, size_t name_len)
{
    char option[256];

    snprintf(option, sizeof(option), "--%.*s", (int)name_len, name);
    ks_argument_error("unknown option '%s'", option);
}

/* The value of an option: after '=', or the next argument. */
static const char *ks_option_value(int argc, char **argv, int *index, const char *value, const char *option)
{
    if (value)
        return value;
    if (*index + 1 >= argc)
        ks_argument_error("option '%s' needs a value", option);
    return argv[++*index];
}
"#;

const PARSE_SIGNED: &str = r#"
/* A decimal or 0x-hexadecimal integer in [min, max], else an error. */
static long long ks_parse_signed(const char *text, long long min, long long max, const char *option)
{
    const char *digits = text[0] == '-' ? text + 1 : text;
    int base = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') ? 16 : 10;
    char *end;
    long long value;

    errno = 0;
    value = strtoll(text, &end, base);
    if (!(digits[0] >= '0' && digits[0] <= '9') || *end != '\0' || errno != 0 || value < min || value > max) {
        char range[96];

        snprintf(range, sizeof(range), "%lld to %lld", min, max);
        ks_argument_error("invalid value '%s' for %s: expected an integer from %s", text, option, range);
    }
    return value;
}
"#;

const PARSE_UNSIGNED: &str = r#"
/* A decimal or 0x-hexadecimal integer in [0, max], else an error. */
static unsigned long long ks_parse_unsigned(const char *text, unsigned long long max, const char *option)
{
    int base = text[0] == '0' && (text[1] == 'x' || text[1] == 'X') ? 16 : 10;
    char *end;
    unsigned long long value;

    errno = 0;
    value = strtoull(text, &end, base);
    if (!(text[0] >= '0' && text[0] <= '9') || *end != '\0' || errno != 0 || value > max) {
        char range[96];

        snprintf(range, sizeof(range), "0 to %llu", max);
        ks_argument_error("invalid value '%s' for %s: expected an integer from %s", text, option, range);
    }
    return value;
}
"#;

const PARSE_IPV4_OPTION: &str = r#"
/* A dotted IPv4 address into *out in network order, else an error. */
static void ks_parse_ipv4_option(const char *text, __u32 *out, const char *option)
{
    struct in_addr addr;

    if (inet_pton(AF_INET, text, &addr) != 1)
        ks_argument_error("invalid value '%s' for %s: expected an IPv4 address such as 10.0.0.1", text, option);
    memcpy(out, &addr, sizeof(*out));
}
"#;

const PARSE_IPV6_OPTION: &str = r#"
/* An IPv6 address into out[16] in network order, else an error. */
static void ks_parse_ipv6_option(const char *text, __u8 *out, const char *option)
{
    struct in6_addr addr;

    if (inet_pton(AF_INET6, text, &addr) != 1)
        ks_argument_error("invalid value '%s' for %s: expected an IPv6 address such as fd00::1", text, option);
    memcpy(out, &addr, sizeof(addr));
}
"#;

const PARSE_BOOL: &str = r#"
static bool ks_parse_bool(const char *text, const char *option)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
        return true;
    if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
        return false;
    ks_argument_error("invalid value '%s' for %s: expected true or false", text, option);
}
"#;
