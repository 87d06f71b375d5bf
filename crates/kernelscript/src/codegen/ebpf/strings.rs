//! Strings built in eBPF code (`ir::strings`): `a + b`, `s += t` and
//! `bytes as str(M)` written into a `str(N)` place by the support
//! functions `ks_str_len`, `ks_str_put` and `ks_str_end` (emitted once per
//! object, `emit_support`). A built string that is not stored straight
//! into a place reaches here already in a buffer of its own (the shared
//! lowering's `hoist.rs`); this file only writes places.
//!
//! The text of a string of capacity `N` is its bytes up to the first NUL,
//! at most `N - 1` of them (docs §4.5): the same reading the userspace
//! runtime's `ks_str_copy`/`ks_str_concat` make. The support loops run
//! over the capacities, compile-time constants, and never branch on the
//! bytes, so the verifier walks each once whatever the strings hold.

use crate::codegen::c::backend::Assign;
use crate::codegen::c::{string_literal, CWriter, Precedence};
use crate::ir::{strings, BinaryOp, Expr, ExprKind, Type};

use super::policy::Cx;
use super::Support;

/// Writes `place op= value` for a `str(capacity)` place when it builds a
/// string (a concatenation, a byte conversion, `+=`); `false` for a plain
/// copy, left to the caller.
pub(super) fn store<'a>(
    cx: &mut Cx<'_, 'a>,
    place: &str,
    capacity: u32,
    assign: Assign<'a>,
) -> bool {
    let Assign { op, value } = assign;
    let appending = op == Some(BinaryOp::Add);
    if !appending && (!strings::is_built(value) || cx.hoisted_value(value).is_some()) {
        return false;
    }
    let name = cx.backend.gen.support_function(Support::Strings);
    let parts = match cx.hoisted_value(value) {
        Some(buffer) => vec![(buffer, capacity_of(&value.ty))],
        None => strings::parts(value)
            .into_iter()
            .map(|part| operand(cx, part))
            .collect(),
    };
    let mut length = if appending {
        format!("{name}_len({place}, {capacity})")
    } else {
        "0".to_string()
    };
    for (text, size) in parts {
        length = format!("{name}_put({place}, {capacity}, {length}, {text}, {size})");
    }
    cx.out
        .line(format!("{name}_end({place}, {capacity}, {length});"));
    true
}

/// One part of a built string: its C text (usable as `const char *`) and
/// the capacity that bounds its text.
fn operand<'a>(cx: &mut Cx<'_, 'a>, part: &'a Expr) -> (String, u32) {
    if let Some(buffer) = cx.hoisted_value(part) {
        return (buffer, capacity_of(&part.ty));
    }
    match &part.kind {
        ExprKind::Str(text) => (string_literal(text), text.len() as u32 + 1),
        // `bytes as str(M)`: the array itself, bounded by its length (a
        // `u8[N]` read as `char`s).
        ExprKind::Cast(inner) if strings::is_built(part) => {
            let length = match inner.ty {
                Type::Array(_, length) => length,
                _ => capacity_of(&part.ty),
            };
            let array = cx.expr(inner);
            (
                format!("(const char *){}", array.at(Precedence::UNARY)),
                length,
            )
        }
        _ => (cx.expr(part).text, capacity_of(&part.ty)),
    }
}

fn capacity_of(ty: &Type) -> u32 {
    match ty {
        Type::Str(capacity) => *capacity,
        _ => 0,
    }
}

/// `NAME_len`, `NAME_put` and `NAME_end`.
pub(super) fn emit_support(out: &mut CWriter, name: &str) {
    out.line("/* The text of a str(N) is its bytes up to the first NUL, at most N - 1 of");
    out.line(" * them. The loops run over capacities (constants once inlined) and do not");
    out.line(" * branch on the bytes, so the verifier walks each loop once. */");
    out.blank_line();
    out.line("/* The length of the text of s, a string of cap bytes. */");
    out.line(format!(
        "static __always_inline __u32 {name}_len(const char *s, __u32 cap)"
    ));
    out.open_block("");
    out.line("__u32 len = 0, in_text = 1;");
    out.blank_line();
    out.open_block("for (__u32 i = 0; i + 1 < cap; i++)");
    out.line("/* 1 while no NUL was seen: (byte + 255) >> 8 is 1 for a non-zero byte. */");
    out.line("in_text &= ((__u32)(__u8)s[i] + 255) >> 8;");
    out.line("len += in_text;");
    out.close_block();
    out.line("return len;");
    out.close_block();
    out.blank_line();
    out.line("/* Writes the text of src (a string of src_cap bytes) after the first len");
    out.line(" * bytes of dst (cap bytes), as much as fits before dst's last byte; returns");
    out.line(format!(
        " * the new length. Bytes past it are left for {name}_end to clear, so src may"
    ));
    out.line(" * be dst itself (its text is read before anything past it is written). */");
    out.line(format!(
        "static __always_inline __u32 {name}_put(char *dst, __u32 cap, __u32 len, const char *src, __u32 src_cap)"
    ));
    out.open_block("");
    out.line(format!("__u32 src_len = {name}_len(src, src_cap);"));
    out.blank_line();
    out.open_block("for (__u32 i = 0; i + 1 < src_cap; i++)");
    out.line("__u32 at = len + i;");
    out.blank_line();
    out.open_block("if (at < cap - 1)");
    out.line("dst[at] = src[i];");
    out.close_block();
    out.close_block();
    out.line("len += src_len;");
    out.line("return len < cap - 1 ? len : cap - 1;");
    out.close_block();
    out.blank_line();
    out.line("/* Clears dst (cap bytes) from len on: the NUL and the zero tail. */");
    out.line(format!(
        "static __always_inline void {name}_end(char *dst, __u32 cap, __u32 len)"
    ));
    out.open_block("");
    out.open_block("for (__u32 i = 0; i < cap; i++)");
    out.line("/* All ones before len, else zero; the asm keeps it arithmetic (a branch");
    out.line(" * on len would split the verifier's walk at every byte). */");
    out.line("__u64 before = (__u64)i - len;");
    out.blank_line();
    out.line("asm volatile(\"\" : \"+r\"(before));");
    out.line("dst[i] &= (char)((__s64)before >> 63);");
    out.close_block();
    out.close_block();
}
