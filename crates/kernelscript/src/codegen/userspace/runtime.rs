//! Small runtime pieces the user code may need, each emitted only when
//! used: bounded string operations, `try`/`throw` frames, `daemon()`,
//! `bpf_ktime_get_ns()` and the signal check of `while` loops.
//!
//! C snippets are written as templates; `@NAME@` stands for the project
//! name (used in messages).

use super::Generator;
use crate::codegen::c::CWriter;

/// Writes a C template line by line with `@NAME@` replaced; templates
/// indent with four spaces, written as tabs like the rest of the output.
pub fn emit(out: &mut CWriter, generator: &Generator, template: &str) {
    let text = template.replace("@NAME@", &generator.project);
    for line in text.trim_matches('\n').lines() {
        out.unindented(tabs(line));
    }
    out.blank_line();
}

/// Writes one line flush left, its four-space indentation as tabs.
pub fn raw(out: &mut CWriter, line: impl AsRef<str>) {
    out.unindented(tabs(line.as_ref()));
}

/// Leading groups of four spaces as tabs (continuation alignment kept).
pub fn tabs(line: &str) -> String {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    format!(
        "{}{}{}",
        "\t".repeat(spaces / 4),
        " ".repeat(spaces % 4),
        &line[spaces..]
    )
}

pub fn write(generator: &Generator, out: &mut CWriter) {
    let needs = &generator.needs;
    if needs.str_copy || needs.str_concat || needs.str_eq {
        out.unindented(
            "/* ---- Strings: a str(N) is a char[N] buffer, kept NUL-terminated. ---- */",
        );
        out.blank_line();
    }
    if needs.str_copy || needs.str_concat || needs.str_eq {
        emit(out, generator, STR_LEN);
    }
    if needs.str_copy {
        emit(out, generator, STR_COPY);
    }
    if needs.str_concat {
        emit(out, generator, STR_CONCAT);
    }
    if needs.str_eq {
        emit(out, generator, STR_EQ);
    }
    if needs.defined_division {
        emit(out, generator, super::arithmetic::DEFINED_DIVISION);
    }
    if needs.throw {
        emit(out, generator, THROW);
    }
    if needs.ktime {
        emit(out, generator, KTIME);
    }
    if needs.check_exit {
        emit(out, generator, CHECK_EXIT);
    }
    if needs.daemon {
        emit(out, generator, DAEMON);
    }
    if needs.sleep {
        emit(out, generator, SLEEP);
    }
}

const STR_LEN: &str = r#"
/* The text of a string of cap bytes is its bytes up to the first NUL, at
 * most cap - 1 of them (the eBPF side reads strings the same way). */
static size_t ks_str_len(const char *s, size_t cap)
{
    return cap ? strnlen(s, cap - 1) : 0;
}
"#;

const STR_COPY: &str = r#"
/* Copies the text of src (a string of src_cap bytes) into dst (cap bytes),
 * truncating to cap - 1 bytes and zero-filling the rest of dst. */
static char *ks_str_copy(char *dst, size_t cap, const char *src, size_t src_cap)
{
    size_t len = ks_str_len(src, src_cap);

    if (len > cap - 1)
        len = cap - 1;
    memmove(dst, src, len);
    memset(dst + len, 0, cap - len);
    return dst;
}
"#;

const STR_CONCAT: &str = r#"
/* a + b into the fresh buffer dst (cap bytes), truncated to cap - 1 bytes. */
static char *ks_str_concat(char *dst, size_t cap, const char *a, size_t a_cap, const char *b, size_t b_cap)
{
    size_t a_len = ks_str_len(a, a_cap);
    size_t b_len = ks_str_len(b, b_cap);

    if (a_len > cap - 1)
        a_len = cap - 1;
    if (b_len > cap - 1 - a_len)
        b_len = cap - 1 - a_len;
    memcpy(dst, a, a_len);
    memcpy(dst + a_len, b, b_len);
    memset(dst + a_len + b_len, 0, cap - a_len - b_len);
    return dst;
}
"#;

const STR_EQ: &str = r#"
static bool ks_str_eq(const char *a, size_t a_cap, const char *b, size_t b_cap)
{
    size_t a_len = ks_str_len(a, a_cap);
    size_t b_len = ks_str_len(b, b_cap);

    return a_len == b_len && memcmp(a, b, a_len) == 0;
}
"#;

const THROW: &str = r#"
/* ---- Errors: throw unwinds to the innermost try with longjmp. ---- */

struct ks_try {
    struct ks_try *prev;
    jmp_buf env;
    long long code;
};

static struct ks_try *ks_try_top;

/* Hands code to the innermost try (popping its frame); without one, the
 * program reports the error and exits with status 1. */
static _Noreturn void ks_throw(long long code)
{
    struct ks_try *frame = ks_try_top;

    if (!frame) {
        fprintf(stderr, "@NAME@: uncaught error %lld\n", code);
        exit(1);
    }
    ks_try_top = frame->prev;
    frame->code = code;
    longjmp(frame->env, 1);
}
"#;

const KTIME: &str = r#"
/* bpf_ktime_get_ns() in userspace: the kernel's clock, CLOCK_MONOTONIC. */
static __u64 ks_ktime_get_ns(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (__u64)now.tv_sec * 1000000000ULL + (__u64)now.tv_nsec;
}
"#;

const CHECK_EXIT: &str = r#"
/* Checked on every `while` iteration: after SIGINT or SIGTERM the program
 * exits (through the cleanup) instead of looping on. */
static void ks_check_exit(void)
{
    if (ks_exit_signal)
        exit(128 + ks_exit_signal);
}
"#;

const SLEEP: &str = r#"
/* sleep(ms): pauses for ms milliseconds; SIGINT or SIGTERM ends it early
 * (the loop around it then sees the stop request). */
static void ks_sleep_ms(__u32 ms)
{
    struct timespec delay = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

    while (!ks_exit_signal && nanosleep(&delay, &delay) != 0 && errno == EINTR)
        ;
}
"#;

const DAEMON: &str = r#"
/* daemon(): detaches from the terminal, then keeps the programs attached
 * until SIGINT or SIGTERM; never returns. */
static _Noreturn void ks_daemon(void)
{
    sigset_t stop_signals, old_mask;

    fflush(NULL);
    if (daemon(0, 0) != 0) {
        fprintf(stderr, "@NAME@: daemon: %s\n", strerror(errno));
        exit(1);
    }
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_signals, &old_mask);
    while (!ks_exit_signal)
        sigsuspend(&old_mask);
    exit(0);
}
"#;
