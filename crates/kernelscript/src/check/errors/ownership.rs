//! Diagnostics of the reservation pass (`check/ownership.rs`): a ring-buffer
//! reservation kept past an exit, used after it was released, or released
//! by a function that did not reserve it.

use crate::diagnostic::Diagnostic;
use crate::ir::MapId;
use crate::span::Span;

use super::NullableUse;

/// How a reservation was given back to its ring buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReleaseKind {
    Submit,
    Discard,
    /// `delete p` of an object.
    Delete,
    /// `m[k] = p`: an object moved into a map of pointers.
    Store,
}

impl ReleaseKind {
    pub(crate) fn method(self) -> &'static str {
        match self {
            ReleaseKind::Submit => "submit",
            ReleaseKind::Discard => "discard",
            ReleaseKind::Delete => "delete",
            ReleaseKind::Store => "store",
        }
    }

    pub(crate) fn past(self) -> &'static str {
        match self {
            ReleaseKind::Submit => "submitted",
            ReleaseKind::Discard => "discarded",
            ReleaseKind::Delete => "deleted",
            ReleaseKind::Store => "moved into a map",
        }
    }
}

/// Where a reservation was given back: `rb.submit(e)` at `span`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Release {
    pub span: Span,
    pub kind: ReleaseKind,
    /// `ReleaseKind::Store`: the map of objects the object moved into.
    pub into: Option<MapId>,
}

/// A way of leaving code that must not hold a reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReservationExit {
    /// `return` (whose value does not involve the reservation).
    Return,
    /// `return e`: the reservation itself is returned.
    ReturnsIt,
    /// Falling off the end of the function.
    End,
    /// `return other_program(ctx)`.
    TailCall,
    /// A `throw` no enclosing `try` of the function catches.
    Throw,
    /// The end of a loop body: the next iteration reserves again while
    /// the earlier reservation may still be owned.
    LoopRepeats,
}

/// The reservation a leak or misuse is about.
pub(crate) struct Reserved<'a> {
    /// The local that received it.
    pub name: &'a str,
    /// The ring buffer.
    pub map: &'a str,
    /// The `reserve()` call.
    pub at: Span,
}

/// A reservation still held at `exit`. `partial`: the release that only
/// some of the paths to the exit pass.
pub(crate) fn reservation_leaked(
    span: Span,
    exit: ReservationExit,
    reserved: &Reserved,
    partial: Option<Release>,
) -> Diagnostic {
    let name = reserved.name;
    let (message, label) = match exit {
        ReservationExit::LoopRepeats => (
            format!("`{name}` is not submitted or discarded before the loop repeats"),
            format!("the next iteration starts here with `{name}` still reserved"),
        ),
        exit => {
            let label = match exit {
                ReservationExit::Return => format!("`{name}` is still reserved at this `return`"),
                ReservationExit::ReturnsIt => format!("`{name}` is returned here, still reserved"),
                ReservationExit::End => {
                    format!("`{name}` is still reserved when the function ends here")
                }
                ReservationExit::TailCall => {
                    format!("`{name}` is still reserved at this tail call")
                }
                _ => format!("`{name}` is still reserved when this error leaves the function"),
            };
            (
                format!("`{name}` is not submitted or discarded on every path"),
                label,
            )
        }
    };
    let mut diagnostic = Diagnostic::error(message)
        .primary(span, label)
        .secondary(reserved.at, format!("`{name}` is reserved here"));
    if let Some(release) = partial {
        diagnostic = diagnostic.secondary(
            release.span,
            format!(
                "`{name}` is {} here, but not on every path that reaches the {}",
                release.kind.past(),
                match exit {
                    ReservationExit::LoopRepeats => "next iteration",
                    _ => "exit",
                }
            ),
        );
    }
    let map = reserved.map;
    diagnostic = diagnostic.help(format!(
        "call `{map}.submit({name})` or `{map}.discard({name})` before {}",
        match exit {
            ReservationExit::LoopRepeats => "the iteration ends",
            _ => "leaving",
        }
    ));
    match exit {
        ReservationExit::LoopRepeats => diagnostic.note(
            "the next iteration's `reserve()` replaces the reservation, so it can never be released",
        ),
        ReservationExit::ReturnsIt => diagnostic.note(
            "a reservation cannot leave the function that made it: \
             the function that calls `reserve()` submits or discards it",
        ),
        ReservationExit::TailCall => diagnostic.note(
            "a tail call never returns, so nothing after it can release the reservation",
        ),
        _ => diagnostic.note(
            "the kernel verifier rejects a program that can exit holding a reservation \
             (`Unreleased reference`)",
        ),
    }
}

/// `e` used (or released again) after `release`. `on_some_paths`: only
/// some of the paths reaching the use pass the release.
pub(crate) fn used_after_release(
    span: Span,
    name: &str,
    used: &NullableUse,
    release: Release,
    on_some_paths: bool,
    moved_into: Option<&str>,
) -> Diagnostic {
    let past = match moved_into {
        Some(map) => format!("moved into `{map}`"),
        None => release.kind.past().to_string(),
    };
    let (message, label) = match used {
        NullableUse::Argument(callee) if is_release(callee) => (
            match on_some_paths {
                true => format!("`{name}` may already be {past}"),
                false => format!("`{name}` is already {past}"),
            },
            format!("passed to `{callee}` again here"),
        ),
        used => (
            match on_some_paths {
                true => format!("`{name}` may be used after it was {past}"),
                false => format!("`{name}` is used after it was {past}"),
            },
            match used {
                NullableUse::Deref => "dereferenced here".to_string(),
                NullableUse::Index => "indexed here".to_string(),
                NullableUse::Arithmetic => "used in pointer arithmetic here".to_string(),
                NullableUse::Argument(callee) => format!("passed to `{callee}` here"),
            },
        ),
    };
    // Not named: the release may go through another copy of the pointer.
    let secondary = match on_some_paths {
        true => format!("{past} here on some paths"),
        false => format!("{past} here"),
    };
    let diagnostic = Diagnostic::error(message)
        .primary(span, label)
        .secondary(release.span, secondary);
    match release.kind {
        ReleaseKind::Submit | ReleaseKind::Discard => diagnostic.help(
            "submit or discard a reservation exactly once, after its last use; \
             afterwards the memory belongs to the ring buffer",
        ),
        ReleaseKind::Delete => diagnostic.help(
            "delete an object exactly once, after its last use; \
             afterwards its memory is freed",
        ),
        ReleaseKind::Store => diagnostic
            .help(format!(
                "`{map}` owns the object now: read it back with `{map}[key]` \
                 (a borrowed pointer), or store it after its last use",
                map = moved_into.unwrap_or("the map")
            ))
            .note("the verifier rejects any use of a pointer after `bpf_kptr_xchg` moved it"),
    }
}

/// A use after release found while checking a deferred call at `exit`.
pub(crate) fn used_after_release_when_deferred(
    span: Span,
    name: &str,
    used: &NullableUse,
    release: Release,
    on_some_paths: bool,
    exit: Span,
    moved_into: Option<&str>,
) -> Diagnostic {
    used_after_release(span, name, used, release, on_some_paths, moved_into)
        .secondary(exit, "the deferred call runs here")
}

fn is_release(callee: &str) -> bool {
    callee.ends_with(".submit")
        || callee.ends_with(".discard")
        || callee == "delete"
        || callee.ends_with("[k] =")
}

/// `rb.submit(x)` where `x` does not hold a reservation of this function.
pub(crate) fn release_needs_reservation(
    span: Span,
    map: &str,
    kind: ReleaseKind,
    name: Option<&str>,
) -> Diagnostic {
    let method = kind.method();
    let label = match name {
        Some(name) => format!("`{name}` does not hold a reservation made in this function"),
        None => "not a local holding a reservation".to_string(),
    };
    Diagnostic::error(format!(
        "`{map}.{method}` needs a reservation made by this function"
    ))
    .primary(span, label)
    .help(format!(
        "pass the local that received `{map}.reserve()` in this function"
    ))
    .note(
        "a function that receives a reserved pointer may fill it; \
         the function that called `reserve()` submits or discards it",
    )
}

/// `rb.reserve()` whose result is not kept in a local, so it can never be
/// released.
pub(crate) fn reservation_not_kept(span: Span, map: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "the reservation from `{map}.reserve()` is never submitted or discarded"
    ))
    .primary(span, "not stored in a local")
    .help(format!(
        "store it first: `var e = {map}.reserve()`, check `e != null`, \
         then call `{map}.submit(e)` or `{map}.discard(e)`"
    ))
}
