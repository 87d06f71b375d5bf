//! Diagnostics of the null-safety pass (`check/nullness.rs`): a pointer
//! that may be null used where it must not be.

use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::span::Span;

/// How a maybe-null pointer was used.
#[derive(Clone, Debug)]
pub(crate) enum NullableUse {
    /// `p->f`, `*p`.
    Deref,
    /// `p[i]`.
    Index,
    /// `p + n`, `p - n`, `p += n`.
    Arithmetic,
    /// An argument of the named callee (`events.submit`, `helper`).
    Argument(String),
}

/// Where a pointer got the value that may be null.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NullableOrigin {
    /// `rb.reserve()`.
    Reserve(Span),
    /// `new T()`.
    New(Span),
    /// `m.take(k)`.
    Take(Span),
    /// `m[k]` of a map of `*T`.
    Borrowed(Span),
    /// `null`.
    Null(Span),
    /// `var p: *T` without a value (it starts out null).
    Unset(Span),
    /// `&p` passed to a function that may set `p` to null or leave it
    /// unset (the span is the argument).
    Written(Span),
    /// `&p` taken and kept (not passed straight to a call): a write
    /// through that address may have set `p` to null.
    Aliased(Span),
}

pub(crate) fn null_argument(span: Span, callee: &str) -> Diagnostic {
    Diagnostic::error(format!("`null` passed to `{callee}`"))
        .primary(span, "a function takes its pointer parameters as non-null")
        .help("pointer parameters are taken as non-null inside a function (§4.6); pass a pointer to a value")
}

pub(crate) fn may_be_null(
    span: Span,
    name: &str,
    used: &NullableUse,
    origin: NullableOrigin,
) -> Diagnostic {
    let label = match used {
        NullableUse::Deref => "dereferenced here".to_string(),
        NullableUse::Index => "indexed here".to_string(),
        NullableUse::Arithmetic => "used in pointer arithmetic here".to_string(),
        NullableUse::Argument(callee) => format!("passed to `{callee}` here"),
    };
    let diagnostic = Diagnostic::error(format!("`{name}` may be null here")).primary(span, label);
    let diagnostic = match origin {
        NullableOrigin::Reserve(at) => {
            diagnostic.secondary(at, "`reserve()` returns null when the ring buffer is full")
        }
        NullableOrigin::New(at) => {
            diagnostic.secondary(at, "`new` returns null when there is no memory")
        }
        NullableOrigin::Take(at) => diagnostic.secondary(
            at,
            "`take` returns null when the entry is absent or holds no object",
        ),
        NullableOrigin::Borrowed(at) => {
            diagnostic.secondary(at, "null when the entry is absent or holds no object")
        }
        NullableOrigin::Null(at) => {
            diagnostic.secondary(at, format!("`{name}` is set to null here"))
        }
        NullableOrigin::Unset(at) => diagnostic.secondary(
            at,
            format!("`{name}` is declared without a value here, so it starts out null"),
        ),
        NullableOrigin::Written(at) => diagnostic.secondary(
            at,
            format!("the call may set `{name}` to null through this address"),
        ),
        NullableOrigin::Aliased(at) => diagnostic.secondary(
            at,
            format!("`{name}`'s address is taken here, and a write through it may set it to null"),
        ),
    };
    diagnostic.help(format!("check it first: `if ({name} != null) {{ ... }}`"))
}

/// A deferred call uses the pointer at an exit where it may be null.
pub(crate) fn may_be_null_when_deferred(
    span: Span,
    name: &str,
    used: &NullableUse,
    origin: NullableOrigin,
    exit: Span,
) -> Diagnostic {
    may_be_null(span, name, used, origin).secondary(exit, "the deferred call runs here")
}

/// The edit for a use of a maybe-null `name` in the statement at `stmt`:
/// run that statement only when `name` is not null. `kernelscript fix`
/// takes it when `applicable` (a statement that declares nothing and
/// leaves the function only by completing: an expression, an assignment,
/// a map store): skipping such a statement is the only thing a null
/// pointer could have done without faulting.
pub(crate) fn guard_statement(
    diagnostic: Diagnostic,
    name: &str,
    stmt: Span,
    applicable: bool,
) -> Diagnostic {
    let applicability = if applicable {
        Applicability::MachineApplicable
    } else {
        Applicability::MaybeIncorrect
    };
    diagnostic.suggest(
        format!("run the statement only when `{name}` is not null"),
        vec![
            Edit::insert_before(stmt, format!("if ({name} != null) {{ ")),
            Edit::insert_after(stmt, " }"),
        ],
        applicability,
    )
}
