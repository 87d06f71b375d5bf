//! The test runner `NAME.test.c`: `test(program, input)`, `assert` and
//! `assert_eq` in `@test` functions, and the C `main` that runs the tests.
//!
//! Each test runs in a child process of its own, which opens and loads a
//! fresh copy of the object: maps, globals and configs start from their
//! declared values in every test, and a crash, an `exit` or a failed load
//! fails that one test. The child's stderr goes to a pipe; a failing
//! test's reason is what the child wrote there (an assertion's message,
//! `test()`'s error, the loader's verifier log). The parent prints
//! `test NAME ... ok` or `test NAME ... FAILED` with the reason indented,
//! then `N passed, M failed`, and exits 1 when any test failed.
//! `--filter TEXT` runs the tests whose name contains TEXT.
//!
//! `test()` calls `bpf_prog_test_run_opts` once: packet kinds get the
//! array as `data_in` (all of it), argument kinds as `ctx_in`. Reads the
//! IR only and never reports user errors.

use crate::codegen::c::{CExpr, CWriter};
use crate::ir::{Builtin, Expr, ExprKind, FunctionKind, PacketBuilder, Type};
use crate::kinds::TestRun;
use crate::span::{LineIndex, Span};

use super::policy::Cx;
use super::runtime::{emit, raw};
use super::Generator;

/// `test(program, input)`: the program's return value.
pub fn test_call<'a>(cx: &mut Cx<'_, 'a>, args: &'a [Expr]) -> CExpr {
    let [program, input] = args else {
        unreachable!("the checker gives test() two arguments")
    };
    let ExprKind::FunctionRef(id) = program.kind else {
        unreachable!("the checker lets test() take a program by name")
    };
    let Type::Array(_, len) = &input.ty else {
        unreachable!("the checker lets test() take an array")
    };
    let len = *len;
    let test_run = cx
        .program
        .function(id)
        .kind
        .program()
        .map(|decl| decl.descriptor().test_run);
    let context = match test_run {
        Some(TestRun::Arguments) => "true",
        _ => "false",
    };
    let name = cx.program.function(id).name.clone();
    cx.backend.gen.needs.load = true;
    cx.backend.gen.needs.test_run = true;
    let handle = cx.value(program);
    let data = cx.value(input);
    let size = if context == "true" {
        format!("{len} * sizeof(__u64)")
    } else {
        len.to_string()
    };
    let run = format!("ks_test_run(ks_load({handle}), \"{name}\", {context}, {data}, {size})");
    match cx.program.function(id).ret {
        // The kernel's u32 read as the program's own result type.
        Type::Int(int) if int.c_name() != "__u32" => {
            CExpr::postfix(format!("(({}){run})", int.c_name()))
        }
        _ => CExpr::postfix(run),
    }
}

/// `assert(cond)` and `assert_eq(a, b)`: a failure ends the test with the
/// assertion's place, its text and (for `assert_eq`) both values.
pub fn assert_call<'a>(cx: &mut Cx<'_, 'a>, builtin: Builtin, args: &'a [Expr]) -> CExpr {
    let first = args.first().map_or(Span::default(), |arg| arg.span);
    let last = args.last().map_or(first, |arg| arg.span);
    let (place, text) = describe(cx.backend.gen, first, last);
    let place = c_string(&place);
    if builtin == Builtin::Assert {
        let text = c_string(&format!("assert({text})"));
        let cond = cx.value(&args[0]);
        return CExpr::postfix(format!("ks_assert({cond}, {place}, {text})"));
    }
    let text = c_string(&format!("assert_eq({text})"));
    let (left, right) = (&args[0], &args[1]);
    let unsigned = |ty: &Type| matches!(ty, Type::Int(int) if !int.is_signed());
    let (function, cast) = if left.ty == Type::Bool && right.ty == Type::Bool {
        ("ks_assert_eq_bool", "bool")
    } else if unsigned(&left.ty) && unsigned(&right.ty) {
        ("ks_assert_eq_unsigned", "unsigned long long")
    } else {
        ("ks_assert_eq_signed", "long long")
    };
    let left = cx.value(left);
    let right = cx.value(right);
    CExpr::postfix(format!(
        "{function}(({cast})({left}), ({cast})({right}), {place}, {text})"
    ))
}

/// `udp_packet(packet, src, dst, sport, dport)` and the others.
pub fn packet_call<'a>(cx: &mut Cx<'_, 'a>, builder: PacketBuilder, args: &'a [Expr]) -> CExpr {
    let Type::Array(_, len) = &args[0].ty else {
        unreachable!("the checker lets packet builders fill arrays")
    };
    let len = *len;
    cx.backend.gen.needs.packets = true;
    let values: Vec<String> = args.iter().map(|arg| cx.value(arg)).collect();
    let protocol = if builder.tcp { 6 } else { 17 };
    let flags = values.get(5).cloned().unwrap_or_else(|| "0".to_string());
    let function = if builder.ipv6 {
        "ks_packet_ipv6"
    } else {
        "ks_packet_ipv4"
    };
    CExpr::postfix(format!(
        "{function}({}, {len}, {protocol}, {}, {}, {}, {}, {flags})",
        values[0], values[1], values[2], values[3], values[4]
    ))
}

/// `FILE:LINE` of `first` (the file's base name) and the source text from
/// `first` to `last`, on one line.
fn describe(generator: &Generator, first: Span, last: Span) -> (String, String) {
    let Some((_, source)) = generator.sources.files().find(|(id, _)| *id == first.file) else {
        return (String::from("?"), String::new());
    };
    let name = source.name.rsplit('/').next().unwrap_or(&source.name);
    let line = LineIndex::new(&source.text).line(first.start);
    let end = if last.file == first.file && last.end >= first.start {
        last.end
    } else {
        first.end
    };
    let text = source
        .text
        .get(first.start as usize..end as usize)
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (format!("{name}:{line}"), text)
}

/// `text` as a C string literal.
fn c_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '?' => out.push_str("\\?"),
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c => {
                let mut bytes = [0; 4];
                for byte in c.encode_utf8(&mut bytes).bytes() {
                    out.push_str(&format!("\\{byte:03o}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// The failure path, the assertions and `ks_test_run`.
pub fn write_runtime(generator: &Generator, out: &mut CWriter) {
    raw(out, "/* ---- Tests ---- */");
    out.blank_line();
    emit(out, generator, FAIL);
    if generator.needs.test_run {
        emit(out, generator, TEST_RUN);
    }
    if generator.needs.packets {
        emit(out, generator, PACKETS);
    }
}

const FAIL: &str = r#"
/* Ends the running test (this child process) as failed: the reason goes
 * to stderr, which the runner shows under the test's name. */
static _Noreturn void ks_test_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void ks_test_fail(const char *format, ...)
{
    va_list args;

    fflush(stdout);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(1);
}

static __attribute__((unused)) void ks_assert(bool cond, const char *place, const char *text)
{
    if (!cond)
        ks_test_fail("%s: %s failed", place, text);
}

static __attribute__((unused)) void ks_assert_eq_signed(long long left, long long right, const char *place, const char *text)
{
    if (left != right)
        ks_test_fail("%s: %s failed: left %lld, right %lld", place, text, left, right);
}

static __attribute__((unused)) void ks_assert_eq_unsigned(unsigned long long left, unsigned long long right, const char *place, const char *text)
{
    if (left != right)
        ks_test_fail("%s: %s failed: left %llu, right %llu", place, text, left, right);
}

static __attribute__((unused)) void ks_assert_eq_bool(bool left, bool right, const char *place, const char *text)
{
    if (left != right)
        ks_test_fail("%s: %s failed: left %s, right %s", place, text, left ? "true" : "false", right ? "true" : "false");
}
"#;

const TEST_RUN: &str = r#"
/* test(program, input): runs the loaded program once in the kernel
 * (BPF_PROG_TEST_RUN) with `input` as its packet (data_in) or, for
 * argument kinds, its context (ctx_in); gives the program's return value.
 * A run the kernel refuses fails the test. */
static __u32 ks_test_run(int fd, const char *name, bool context, const void *input, __u32 size)
{
    LIBBPF_OPTS(bpf_test_run_opts, opts);
    int err;

    /* Raw tracepoints take no repeat count (the kernel refuses one). */
    if (context) {
        opts.ctx_in = input;
        opts.ctx_size_in = size;
    } else {
        opts.data_in = input;
        opts.data_size_in = size;
        opts.repeat = 1;
    }
    err = bpf_prog_test_run_opts(fd, &opts);
    if (err)
        ks_test_fail("test(%s): the kernel refused the test run: %s", name, strerror(errno));
    return opts.retval;
}
"#;

const PACKETS: &str = r#"
/* ---- Packet builders: Ethernet + IPv4/IPv6 + UDP/TCP, with checksums.
 * The Ethernet addresses (bytes 0-11) and the payload (the bytes past the
 * headers) stay as the array holds them; the checksums cover the payload. */

static void ks_put16(__u8 *at, __u16 value)
{
    at[0] = (__u8)(value >> 8);
    at[1] = (__u8)value;
}

/* The ones' complement sum of `len` bytes (big-endian 16-bit words). */
static __u32 ks_sum16(__u32 sum, const __u8 *data, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (__u32)(data[i] << 8 | data[i + 1]);
    if (len & 1)
        sum += (__u32)data[len - 1] << 8;
    return sum;
}

static __u16 ks_fold16(__u32 sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (__u16)~sum;
}

/* The UDP or TCP header at `l4` (`len` bytes with the payload); `sum` is
 * the IP pseudo-header's sum. */
static void ks_packet_l4(__u8 *l4, __u32 len, __u8 protocol, __u16 sport, __u16 dport, __u8 flags, __u32 sum)
{
    size_t check = protocol == 17 ? 6 : 16;
    __u16 folded;

    ks_put16(l4, sport);
    ks_put16(l4 + 2, dport);
    if (protocol == 17) {
        ks_put16(l4 + 4, (__u16)len);
        ks_put16(l4 + 6, 0);
    } else {
        memset(l4 + 4, 0, 16);
        l4[12] = 5 << 4; /* data offset: 5 words, no options */
        l4[13] = flags;
        ks_put16(l4 + 14, 65535); /* window */
    }
    folded = ks_fold16(ks_sum16(sum, l4, len));
    if (protocol == 17 && folded == 0)
        folded = 0xffff; /* UDP: 0 means "no checksum" */
    ks_put16(l4 + check, folded);
}

static __attribute__((unused)) void ks_packet_ipv4(__u8 *packet, __u32 len, __u8 protocol, __u32 src, __u32 dst, __u16 sport, __u16 dport, __u8 flags)
{
    __u8 *ip = packet + 14;
    __u32 l4_len = len - 34;
    __u32 sum;

    ks_put16(packet + 12, 0x0800);
    memset(ip, 0, 20);
    ip[0] = 0x45; /* version 4, 5 words */
    ks_put16(ip + 2, (__u16)(len - 14));
    ks_put16(ip + 6, 0x4000); /* don't fragment */
    ip[8] = 64; /* TTL */
    ip[9] = protocol;
    ks_put16(ip + 12, (__u16)(src >> 16));
    ks_put16(ip + 14, (__u16)src);
    ks_put16(ip + 16, (__u16)(dst >> 16));
    ks_put16(ip + 18, (__u16)dst);
    ks_put16(ip + 10, ks_fold16(ks_sum16(0, ip, 20)));
    sum = ks_sum16(0, ip + 12, 8) + protocol + l4_len;
    ks_packet_l4(ip + 20, l4_len, protocol, sport, dport, flags, sum);
}

static __attribute__((unused)) void ks_packet_ipv6(__u8 *packet, __u32 len, __u8 protocol, const __u8 *src, const __u8 *dst, __u16 sport, __u16 dport, __u8 flags)
{
    __u8 *ip = packet + 14;
    __u32 l4_len = len - 54;
    __u32 sum;

    ks_put16(packet + 12, 0x86dd);
    memset(ip, 0, 8);
    ip[0] = 0x60; /* version 6 */
    ks_put16(ip + 4, (__u16)l4_len);
    ip[6] = protocol;
    ip[7] = 64; /* hop limit */
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, dst, 16);
    sum = ks_sum16(0, ip + 8, 32) + protocol + l4_len;
    ks_packet_l4(ip + 40, l4_len, protocol, sport, dport, flags, sum);
}
"#;

/// The C `main` of the runner: every `@test` function in source order.
pub fn write_main(generator: &Generator, out: &mut CWriter) {
    let program = generator.program;
    let tests: Vec<(String, String)> = program
        .functions
        .iter()
        .enumerate()
        .filter(|(_, function)| function.kind == FunctionKind::Test)
        .map(|(index, function)| {
            let id = crate::ir::FunctionId(index as u32);
            (
                function.name.clone(),
                generator.plan.names.function(id).to_string(),
            )
        })
        .collect();
    raw(out, "/* The @test functions, in source order. */");
    raw(out, "static const struct ks_test {");
    raw(out, "    const char *name;");
    raw(out, "    __s32 (*run)(void);");
    raw(out, "} ks_tests[] = {");
    for (name, function) in &tests {
        raw(out, format!("    {{ \"{name}\", {function} }},"));
    }
    raw(out, "};");
    out.blank_line();
    emit(out, generator, RUNNER);
}

const RUNNER: &str = r#"
/* Runs test `test` in a child process; returns whether it passed and
 * prints its line (with the reason when it failed). */
static bool ks_run_test(const struct ks_test *test)
{
    char reason[65536];
    size_t length = 0;
    int pipe_fds[2];
    int status;
    pid_t child;
    bool passed;

    fflush(stdout);
    fflush(stderr);
    if (pipe(pipe_fds) != 0) {
        fprintf(stderr, "@NAME@.test: pipe: %s\n", strerror(errno));
        exit(2);
    }
    child = fork();
    if (child < 0) {
        fprintf(stderr, "@NAME@.test: fork: %s\n", strerror(errno));
        exit(2);
    }
    if (child == 0) {
        __s32 result;

        close(pipe_fds[0]);
        dup2(pipe_fds[1], STDERR_FILENO);
        close(pipe_fds[1]);
        setvbuf(stdout, NULL, _IOLBF, 0);
        ks_handle_signals();
        ks_open();
        atexit(ks_cleanup);
        result = test->run();
        if (result != 0)
            ks_test_fail("%s returned %d", test->name, result);
        exit(0);
    }
    close(pipe_fds[1]);
    for (;;) {
        ssize_t got = read(pipe_fds[0], reason + length, sizeof(reason) - 1 - length);

        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        length += (size_t)got;
        if (length == sizeof(reason) - 1) {
            char rest[4096];

            while (read(pipe_fds[0], rest, sizeof(rest)) > 0)
                ;
            break;
        }
    }
    close(pipe_fds[0]);
    reason[length] = '\0';
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    passed = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (passed) {
        printf("test %s ... ok\n", test->name);
        if (length)
            fputs(reason, stderr);
        return true;
    }
    printf("test %s ... FAILED\n", test->name);
    if (WIFSIGNALED(status))
        printf("    killed by signal %d (%s)\n", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (!length)
        printf("    exited with status %d\n", WEXITSTATUS(status));
    for (char *line = strtok(reason, "\n"); line; line = strtok(NULL, "\n"))
        printf("    %s\n", line);
    return false;
}

/* NAME.test [--filter TEXT]: runs the tests whose name contains TEXT (all
 * without --filter); exit status 1 when one failed, 2 on bad arguments. */
int main(int argc, char **argv)
{
    const char *filter = NULL;
    int passed = 0, failed = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: %s [--filter TEXT]\n\nRuns the @test functions of @NAME@ (those whose name contains TEXT).\n", argv[0]);
            return 0;
        }
        if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) {
            filter = argv[++i];
            continue;
        }
        fprintf(stderr, "@NAME@.test: unexpected argument '%s'\nUsage: %s [--filter TEXT]\n", argv[i], argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof(ks_tests) / sizeof(ks_tests[0]); i++) {
        if (filter && !strstr(ks_tests[i].name, filter))
            continue;
        if (ks_run_test(&ks_tests[i]))
            passed++;
        else
            failed++;
    }
    printf("\n%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
"#;
