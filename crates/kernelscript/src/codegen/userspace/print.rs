//! `print(...)` in userspace: one `printf` call ending in a newline
//! (`eprint`: `fprintf(stderr, ...)`; `printf`/`eprintf`: no newline).
//!
//! When the first argument is a string literal it is the format: each
//! `%` conversion takes the next argument, and its length and signedness
//! are rewritten from that argument's type (so `%d` prints a `u64`
//! correctly; flags, width and precision are kept). Arguments left over
//! after the format, and all arguments when there is no literal format,
//! are appended with their natural conversion, separated by a space
//! (none after text that already ends in whitespace). Booleans print as
//! `true`/`false`, strings are bounded by their capacity (`%.16s`), and so
//! are byte arrays; a `*u8` prints as a C string when `%s` asks for it.
//! A `%` without an argument to take prints literally.

use crate::ir::{Expr, ExprKind, Type};

use super::policy::Cx;
use super::strings;
use crate::codegen::c::string_literal;
use crate::printf::{parse_spec, Spec};

/// `stderr`: `fprintf(stderr, ...)` (`eprint`, `eprintf`); `newline`:
/// end with `\n` (`print`, `eprint`).
pub fn printf_call<'a>(
    cx: &mut Cx<'_, 'a>,
    args: &'a [Expr],
    stderr: bool,
    newline: bool,
) -> String {
    let (format, rest) = match args.first() {
        Some(Expr {
            kind: ExprKind::Str(text),
            ..
        }) => (Some(text.as_str()), &args[1..]),
        _ => (None, args),
    };
    let mut out = String::new();
    let mut c_args = Vec::new();
    let mut pending = rest.iter();
    if let Some(format) = format {
        let mut chars = format.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            if let Some((_, '%')) = chars.peek() {
                chars.next();
                out.push_str("%%");
                continue;
            }
            let (spec, consumed) = parse_spec(&format[start + 1..]);
            match (spec, pending.clone().next()) {
                (Some(spec), Some(arg)) => {
                    pending.next();
                    for _ in 0..consumed {
                        chars.next();
                    }
                    convert(cx, Some(&spec), arg, &mut out, &mut c_args);
                }
                // Nothing to print here: keep the text as written.
                _ => out.push_str("%%"),
            }
        }
    }
    for arg in pending {
        if !out.is_empty() && !out.ends_with(char::is_whitespace) {
            out.push(' ');
        }
        convert(cx, None, arg, &mut out, &mut c_args);
    }
    if newline {
        out.push('\n');
    }
    let mut call = if stderr {
        format!("fprintf(stderr, {}", string_literal(&out))
    } else {
        format!("printf({}", string_literal(&out))
    };
    for arg in c_args {
        call.push_str(", ");
        call.push_str(&arg);
    }
    call.push(')');
    call
}

/// Appends the conversion for `arg` (following `spec` where it fits the
/// type) to `out`, and its C argument to `c_args`.
fn convert<'a>(
    cx: &mut Cx<'_, 'a>,
    spec: Option<&Spec>,
    arg: &'a Expr,
    out: &mut String,
    c_args: &mut Vec<String>,
) {
    let prefix = spec
        .map(|spec| format!("%{}{}", spec.flags, spec.width))
        .unwrap_or_else(|| "%".into());
    let asked = spec.map(|spec| spec.conversion);
    // A literal string argument becomes part of the format text.
    if let ExprKind::Str(text) = &arg.kind {
        let plain = spec.is_none_or(|spec| {
            spec.conversion == 's'
                && spec.flags.is_empty()
                && spec.width.is_empty()
                && spec.precision.is_none()
        });
        if plain {
            out.push_str(&text.replace('%', "%%"));
            return;
        }
    }
    match &arg.ty {
        Type::Int(int) => {
            let value = cx.value(arg);
            let wide = int.bits() == 64;
            let length = if wide { "ll" } else { "" };
            let conversion = match asked {
                Some(c @ ('x' | 'X' | 'o')) => c,
                Some('c') if !wide => 'c',
                _ if int.is_signed() => 'd',
                _ => 'u',
            };
            let needs_unsigned_cast = int.is_signed() && matches!(conversion, 'x' | 'X' | 'o');
            let argument = if let ExprKind::Sizeof(_) = arg.kind {
                // C's `sizeof` is a `size_t`, not the `__u64` it is here.
                format!("(unsigned long long){value}")
            } else if needs_unsigned_cast {
                let unsigned = if wide {
                    "unsigned long long".to_string()
                } else {
                    format!("__u{}", int.bits())
                };
                format!("({unsigned})({value})")
            } else {
                value
            };
            let precision = spec
                .and_then(|spec| spec.precision.as_ref())
                .map(|digits| format!(".{digits}"))
                .unwrap_or_default();
            out.push_str(&format!("{prefix}{precision}{length}{conversion}"));
            c_args.push(argument);
        }
        Type::Bool => {
            let value = cx.value(arg);
            if matches!(asked, Some('d' | 'i' | 'u' | 'x' | 'X' | 'o')) {
                out.push_str(&format!("{prefix}d"));
                c_args.push(value);
            } else {
                out.push_str(&format!("{prefix}s"));
                c_args.push(format!("({value}) ? \"true\" : \"false\""));
            }
        }
        Type::Char => {
            let value = cx.value(arg);
            match asked {
                Some(c @ ('d' | 'i' | 'u' | 'x' | 'X' | 'o')) => {
                    out.push_str(&format!("{prefix}{}", if c == 'i' { 'd' } else { c }))
                }
                _ => out.push_str(&format!("{prefix}c")),
            }
            c_args.push(value);
        }
        Type::Str(len) => {
            let operand = strings::operand(cx, arg);
            let precision = spec
                .and_then(|spec| spec.precision.as_ref())
                .and_then(|digits| digits.parse::<u32>().ok())
                .map_or(*len, |asked| asked.min(*len));
            out.push_str(&format!("{prefix}.{precision}s"));
            c_args.push(operand.text);
        }
        Type::Array(_, len) if arg.ty.is_byte_string() => {
            // Up to the NUL or the array's end, whichever comes first.
            let value = cx.value(arg);
            let precision = spec
                .and_then(|spec| spec.precision.as_ref())
                .and_then(|digits| digits.parse::<u32>().ok())
                .map_or(*len, |asked| asked.min(*len));
            out.push_str(&format!("{prefix}.{precision}s"));
            c_args.push(format!("(const char *)({value})"));
        }
        Type::Pointer(_) if asked == Some('s') && arg.ty.is_byte_string() => {
            let value = cx.value(arg);
            let precision = spec
                .and_then(|spec| spec.precision.as_ref())
                .map(|digits| format!(".{digits}"))
                .unwrap_or_default();
            out.push_str(&format!("{prefix}{precision}s"));
            c_args.push(format!("(const char *)({value})"));
        }
        Type::Enum(id) if arg.ty.size(cx.program) == 8 => {
            let value = cx.value(arg);
            let (conversion, c_type) = if cx.program.enum_def(*id).is_unsigned_64() {
                ("llu", "unsigned long long")
            } else {
                ("lld", "long long")
            };
            out.push_str(&format!("{prefix}{conversion}"));
            c_args.push(format!("({c_type})({value})"));
        }
        Type::Enum(_) | Type::ProgramHandle | Type::PerfAttachment | Type::ProgramRef(_) => {
            let value = cx.value(arg);
            out.push_str(&format!("{prefix}d"));
            c_args.push(format!("(int)({value})"));
        }
        Type::Pointer(_) | Type::Null | Type::Function(_) => {
            let value = cx.value(arg);
            out.push_str(&format!("{prefix}p"));
            c_args.push(format!("(void *)({value})"));
        }
        other => {
            // Aggregates have no printf conversion: name the type instead.
            let name = cx.types.name(other);
            out.push_str(&format!("<{}>", name.replace('%', "%%")));
        }
    }
}
