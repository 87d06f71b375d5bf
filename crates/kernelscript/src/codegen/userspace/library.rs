//! The userspace standard library's C (`ir::Library`): each call and the
//! helper it needs, emitted only when used. Text arguments (strings and
//! byte arrays) arrive as bounded operands (pointer and capacity), so a
//! buffer without its terminator is never read past its end. Addresses are in network order,
//! as eBPF reads them from packet headers (`iph->saddr`).

use std::collections::BTreeSet;

use crate::codegen::c::CExpr;
use crate::codegen::c::CWriter;
use crate::ir::{Expr, Library, Type};

use super::policy::Cx;
use super::runtime::emit;
use super::{strings, Generator};

/// The C call for `function(args)`.
pub fn call<'a>(cx: &mut Cx<'_, 'a>, function: Library, args: &'a [Expr]) -> CExpr {
    if function == Library::NowNs {
        // One monotonic clock for `now_ns()` and `bpf_ktime_get_ns()`.
        cx.backend.gen.needs.ktime = true;
        return CExpr::postfix("ks_ktime_get_ns()");
    }
    cx.backend.gen.needs.library.insert(function);
    let text = match function {
        Library::GetPid => "((__u32)getpid())".to_string(),
        Library::NowNs => unreachable!("handled above"),
        Library::TimeNs => "ks_time_ns()".to_string(),
        Library::FormatTime => {
            let ns = cx.value(&args[0]);
            format!("ks_format_time((char[16]){{0}}, {ns})")
        }
        Library::ParseIpv4 | Library::ParseIpv6 => {
            let text = text_operand(cx, &args[0]);
            let out = cx.value(&args[1]);
            let name = if function == Library::ParseIpv4 {
                "ks_parse_ipv4"
            } else {
                "ks_parse_ipv6"
            };
            format!("{name}({}, {}, {out})", text.text, cap(text.cap))
        }
        Library::FormatIpv4 => {
            let addr = cx.value(&args[0]);
            format!("ks_format_ipv4((char[16]){{0}}, {addr})")
        }
        Library::FormatIpv6 => {
            let addr = cx.value(&args[0]);
            format!("ks_format_ipv6((char[46]){{0}}, {addr})")
        }
        Library::StrFind | Library::StrContains | Library::StrStartsWith | Library::StrCmp => {
            let left = text_operand(cx, &args[0]);
            let right = text_operand(cx, &args[1]);
            let name = match function {
                Library::StrFind => "ks_str_find",
                Library::StrContains => "ks_str_contains",
                Library::StrStartsWith => "ks_str_starts_with",
                _ => "ks_str_cmp",
            };
            format!(
                "{name}({}, {}, {}, {})",
                left.text,
                cap(left.cap),
                right.text,
                cap(right.cap)
            )
        }
    };
    CExpr::postfix(text)
}

/// A text argument: a string, or a byte array bounded by its length.
fn text_operand<'a>(cx: &mut Cx<'_, 'a>, expr: &'a Expr) -> strings::StrOperand {
    match &expr.ty {
        Type::Array(_, len) => strings::StrOperand {
            text: format!("(const char *){}", cx.value(expr)),
            cap: *len,
        },
        _ => strings::operand(cx, expr),
    }
}

/// A string operand's bound as C.
fn cap(cap: u32) -> String {
    if cap == 0 || cap == u32::MAX {
        "SIZE_MAX".to_string()
    } else {
        cap.to_string()
    }
}

/// The headers the used functions need.
pub fn includes(used: &BTreeSet<Library>) -> Vec<&'static str> {
    let mut includes = Vec::new();
    if used.contains(&Library::TimeNs) || used.contains(&Library::FormatTime) {
        includes.push("time.h");
    }
    if used.iter().any(|function| {
        matches!(
            function,
            Library::ParseIpv4 | Library::ParseIpv6 | Library::FormatIpv4 | Library::FormatIpv6
        )
    }) {
        includes.push("arpa/inet.h");
    }
    if used.iter().any(|function| {
        matches!(
            function,
            Library::StrFind | Library::StrContains | Library::StrStartsWith | Library::StrCmp
        )
    }) {
        includes.push("stdint.h");
    }
    includes
}

pub fn write(generator: &Generator, out: &mut CWriter) {
    let used = &generator.needs.library;
    if used.is_empty() {
        return;
    }
    out.unindented("/* ---- Standard library ---- */");
    out.blank_line();
    for function in used {
        let template = match function {
            Library::GetPid | Library::NowNs => continue,
            Library::TimeNs => TIME_NS,
            Library::FormatTime => FORMAT_TIME,
            Library::ParseIpv4 => PARSE_IPV4,
            Library::FormatIpv4 => FORMAT_IPV4,
            Library::ParseIpv6 => PARSE_IPV6,
            Library::FormatIpv6 => FORMAT_IPV6,
            Library::StrFind => STR_FIND,
            Library::StrContains => STR_CONTAINS,
            Library::StrStartsWith => STR_STARTS_WITH,
            Library::StrCmp => STR_CMP,
        };
        if matches!(function, Library::StrContains) && !used.contains(&Library::StrFind) {
            emit(out, generator, STR_FIND);
        }
        emit(out, generator, template);
    }
}

const TIME_NS: &str = r#"
/* The wall clock: nanoseconds since the epoch. */
static __u64 ks_time_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}
"#;

const FORMAT_TIME: &str = r#"
/* HH:MM:SS in local time of a wall-clock time in nanoseconds. */
static char *ks_format_time(char *dst, __u64 ns)
{
    time_t seconds = (time_t)(ns / 1000000000ull);
    struct tm tm;

    if (!localtime_r(&seconds, &tm) || strftime(dst, 16, "%H:%M:%S", &tm) == 0)
        snprintf(dst, 16, "??:??:??");
    return dst;
}
"#;

const PARSE_IPV4: &str = r#"
/* Dotted IPv4 text into *out in network order; false (and *out left
 * alone) for anything else. */
static bool ks_parse_ipv4(const char *text, size_t cap, __u32 *out)
{
    char buf[INET_ADDRSTRLEN];
    size_t len = strnlen(text, cap);
    struct in_addr addr;

    if (len >= sizeof(buf))
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, &addr) != 1)
        return false;
    memcpy(out, &addr, sizeof(*out));
    return true;
}
"#;

const FORMAT_IPV4: &str = r#"
/* A network-order IPv4 address as dotted text. */
static char *ks_format_ipv4(char *dst, __u32 addr)
{
    struct in_addr in;

    memcpy(&in, &addr, sizeof(in));
    if (!inet_ntop(AF_INET, &in, dst, INET_ADDRSTRLEN))
        dst[0] = '\0';
    return dst;
}
"#;

const PARSE_IPV6: &str = r#"
/* IPv6 text into the 16 bytes at *out (network order); false (and *out
 * left alone) for anything else. */
static bool ks_parse_ipv6(const char *text, size_t cap, __u8 (*out)[16])
{
    char buf[INET6_ADDRSTRLEN];
    size_t len = strnlen(text, cap);
    struct in6_addr addr;

    if (len >= sizeof(buf))
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET6, buf, &addr) != 1)
        return false;
    memcpy(*out, &addr, 16);
    return true;
}
"#;

const FORMAT_IPV6: &str = r#"
/* 16 network-order bytes as IPv6 text (RFC 5952 form). */
static char *ks_format_ipv6(char *dst, const __u8 *addr)
{
    struct in6_addr in;

    memcpy(&in, addr, sizeof(in));
    if (!inet_ntop(AF_INET6, &in, dst, INET6_ADDRSTRLEN))
        dst[0] = '\0';
    return dst;
}
"#;

const STR_FIND: &str = r#"
/* The index of the first needle in text, or -1 (an empty needle is at 0). */
static __s32 ks_str_find(const char *text, size_t text_cap, const char *needle, size_t needle_cap)
{
    size_t len = strnlen(text, text_cap);
    size_t needle_len = strnlen(needle, needle_cap);

    if (needle_len > len)
        return -1;
    for (size_t i = 0; i + needle_len <= len && i <= INT32_MAX; i++) {
        if (memcmp(text + i, needle, needle_len) == 0)
            return (__s32)i;
    }
    return -1;
}
"#;

const STR_CONTAINS: &str = r#"
static bool ks_str_contains(const char *text, size_t text_cap, const char *needle, size_t needle_cap)
{
    return ks_str_find(text, text_cap, needle, needle_cap) >= 0;
}
"#;

const STR_STARTS_WITH: &str = r#"
static bool ks_str_starts_with(const char *text, size_t text_cap, const char *prefix, size_t prefix_cap)
{
    size_t len = strnlen(text, text_cap);
    size_t prefix_len = strnlen(prefix, prefix_cap);

    return prefix_len <= len && memcmp(text, prefix, prefix_len) == 0;
}
"#;

const STR_CMP: &str = r#"
/* Byte-wise comparison: -1, 0 or 1. */
static __s32 ks_str_cmp(const char *a, size_t a_cap, const char *b, size_t b_cap)
{
    size_t a_len = strnlen(a, a_cap);
    size_t b_len = strnlen(b, b_cap);
    size_t len = a_len < b_len ? a_len : b_len;
    int order = memcmp(a, b, len);

    if (order != 0)
        return order < 0 ? -1 : 1;
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}
"#;
