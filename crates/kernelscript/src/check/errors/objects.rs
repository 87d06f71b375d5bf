//! Diagnostics about objects allocated with `new` (`check/objects.rs`,
//! and the object rules of `check/ownership/`).

use crate::diagnostic::Diagnostic;
use crate::span::Span;

use super::{unsupported, Release, ReservationExit};

pub(crate) fn new_takes_no_argument(span: Span) -> Diagnostic {
    Diagnostic::error("`new` takes no arguments")
        .primary(span, "remove this argument")
        .help("write `new T()`: the object starts zeroed; set its fields afterwards")
}

pub(crate) fn new_needs_struct(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("`new` cannot allocate `{found}`"))
        .primary(span, "not a struct declared in this program")
        .help("declare a struct (`struct Stats { count: u64 }`) and write `new Stats()`")
}

pub(crate) fn new_in_program_kind(span: Span, label: &str) -> Diagnostic {
    Diagnostic::error(format!("objects cannot be allocated in a {label}"))
        .primary(span, "`new` here")
        .note(
            "the kernel lets XDP, TC, cgroup_skb, tracepoint and perf_event programs \
             call bpf_obj_new; it refuses the others (\"calling kernel function \
             bpf_obj_new_impl is not allowed\")",
        )
}

/// A GFP flag argument to `new` outside kernel module code (`ebpf`:
/// eBPF code, else userspace).
pub(crate) fn gfp_outside_kernel_module(span: Span, ebpf: bool) -> Diagnostic {
    let (label, help) = if ebpf {
        (
            "eBPF objects come from bpf_obj_new, which takes no allocation flags",
            "write `new T()`: the verifier's allocator never sleeps",
        )
    } else {
        (
            "userspace objects come from calloc, which takes no allocation flags",
            "write `new T()`",
        )
    };
    Diagnostic::error("allocation flags are for kernel module code only")
        .primary(span, label)
        .help(format!(
            "{help}; GFP flags select the kernel allocator (kzalloc) in `@kfunc` and `@private` functions"
        ))
}

/// `new T(x)` in module code where `x` is not a set of GFP flags.
pub(crate) fn new_needs_gfp_flags(span: Span) -> Diagnostic {
    Diagnostic::error("`new` in kernel module code takes allocation flags")
        .primary(span, "not a GFP flag")
        .help(format!(
            "write one of {} (the default is GFP_ATOMIC), optionally `| __GFP_NOWARN`",
            crate::ir::Gfp::all_names()
                .filter(|name| !name.starts_with("__"))
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
}

/// GFP flags with no base flag, or two (`GFP_ATOMIC | GFP_KERNEL`).
pub(crate) fn gfp_needs_one_base(span: Span, count: usize) -> Diagnostic {
    let label = if count == 0 {
        "no base flag (`GFP_ATOMIC`, `GFP_KERNEL`, ...)"
    } else {
        "more than one base flag"
    };
    Diagnostic::error("allocation flags need exactly one base flag")
        .primary(span, label)
        .help("write one `GFP_*` flag, plus `__GFP_*` modifiers if needed: `GFP_ATOMIC | __GFP_NOWARN`")
}

/// A GFP flag anywhere but the argument of `new` in module code.
pub(crate) fn gfp_outside_new(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` is an allocation flag"))
        .primary(span, "only the argument of `new` may name it")
        .help(format!(
            "write `new T({name})` in a `@kfunc` or `@private` function"
        ))
}

/// A kfunc returning a module object: eBPF code would own kernel-module
/// memory it cannot free.
pub(crate) fn kfunc_returns_object(span: Span, ty: &str) -> Diagnostic {
    Diagnostic::error(format!("a @kfunc cannot return an object (`{ty}`)"))
        .primary(span, "the object would escape to eBPF code")
        .note(
            "objects made with `new` in kernel module code come from kzalloc; eBPF code cannot free or own them",
        )
        .help("return the values the caller needs, and `delete` the object in the kfunc")
}

/// A kfunc parameter that points to a struct (from eBPF code).
pub(crate) fn kfunc_object_parameter(span: Span, ty: &str) -> Diagnostic {
    unsupported(span, &format!("a @kfunc parameter of type `{ty}`")).help(
        "pass integers (or a byte buffer and its size); objects made with `new` stay on their side (eBPF or kernel module)",
    )
}

/// A field of a struct used in module code named like a kernel macro.
pub(crate) fn module_field_is_kernel_macro(span: Span, field: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "field `{field}` cannot be used in kernel module code"
    ))
    .primary(span, "a macro of the kernel headers has this name")
    .help(format!("rename the field (`{field}_value`)"))
}

/// A struct used in module code with a field module code cannot hold.
pub(crate) fn module_object_field(span: Span, name: &str, ty: &str) -> Diagnostic {
    unsupported(
        span,
        &format!("an object of `{name}` in kernel module code"),
    )
    .note(format!(
        "its field of type `{ty}`: module objects hold integers, `bool` and `char`"
    ))
}

pub(crate) fn new_in_helper_of(span: Span, helper: &str, program: &str, label: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`{helper}` allocates an object but is called from the {label} `{program}`"
    ))
    .primary(span, "`new` here")
    .note(
        "the kernel lets XDP, TC, cgroup_skb, tracepoint and perf_event programs \
         call bpf_obj_new; it refuses the others",
    )
}

/// An object still owned at `exit`. `partial`: the release only some of
/// the paths to the exit pass.
pub(crate) fn object_leaked(
    span: Span,
    exit: ReservationExit,
    name: &str,
    at: Span,
    partial: Option<Release>,
) -> Diagnostic {
    let (message, label) = match exit {
        ReservationExit::LoopRepeats => (
            format!("`{name}` is not deleted or stored before the loop repeats"),
            format!("the next iteration starts here with `{name}` still owned"),
        ),
        exit => (
            format!("`{name}` is not deleted or stored on every path"),
            match exit {
                ReservationExit::Return => format!("`{name}` is still owned at this `return`"),
                ReservationExit::ReturnsIt => format!("`{name}` is returned here, still owned"),
                ReservationExit::End => {
                    format!("`{name}` is still owned when the function ends here")
                }
                ReservationExit::TailCall => format!("`{name}` is still owned at this tail call"),
                _ => format!("`{name}` is still owned when this error leaves the function"),
            },
        ),
    };
    let mut diagnostic = Diagnostic::error(message)
        .primary(span, label)
        .secondary(at, format!("`{name}` is allocated here"));
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
    diagnostic = diagnostic.help(format!(
        "`delete {name}`, or move it into a map (`m[k] = {name}`), before {}",
        match exit {
            ReservationExit::LoopRepeats => "the iteration ends",
            _ => "leaving",
        }
    ));
    match exit {
        ReservationExit::ReturnsIt => diagnostic.note(
            "an object cannot leave the function that owns it: \
             that function deletes it or moves it into a map",
        ),
        ReservationExit::LoopRepeats => {
            diagnostic.note("the next iteration's allocation replaces it, so it can never be freed")
        }
        _ => diagnostic.note(
            "the kernel verifier rejects a program that can exit owning an object \
             (`Unreleased reference`); in userspace it would leak",
        ),
    }
}

/// `new T()` or `m.take(k)` whose result is not kept in a local.
pub(crate) fn object_not_kept(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "the object from `{what}` is never deleted or stored"
    ))
    .primary(span, "not stored in a local")
    .help("store it first: `var p = ...`, check `p != null`, then `delete p` or `m[k] = p`")
}

/// `delete x` / `m[k] = x` where `x` holds no object this function owns.
pub(crate) fn release_needs_object(span: Span, what: &str, name: Option<&str>) -> Diagnostic {
    let label = match name {
        Some(name) => format!("`{name}` does not hold an object this function allocated or took"),
        None => "not a local holding an object".to_string(),
    };
    Diagnostic::error(format!("{what} needs an object owned by this function"))
        .primary(span, label)
        .help("pass the local that received `new T()` or `m.take(k)` in this function")
        .note(
            "a function that receives a pointer to an object may read and fill it; \
             the function that allocated or took it deletes or stores it",
        )
}

pub(crate) fn objects_in_map_kind(span: Span, kind: &str) -> Diagnostic {
    Diagnostic::error(format!("a `{kind}` map cannot hold objects"))
        .primary(span, "a pointer value")
        .help("hold objects in a `hash`, `lru_hash` or `array` map")
}

pub(crate) fn object_map_operation(span: Span, map: &str, what: &str) -> Diagnostic {
    Diagnostic::error(format!("`{map}` holds objects: {what} is not available"))
        .primary(span, format!("{what} of a map of objects"))
        .help(format!(
            "read an object in place with `var p = {map}[k]` (borrowed), move one in with \
             `{map}[k] = p`, out with `{map}.take(k)`, or remove the entry with `delete {map}[k]`"
        ))
}

pub(crate) fn object_map_in_userspace(span: Span, map: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "userspace cannot read or write the objects in `{map}`"
    ))
    .primary(span, "in userspace code")
    .note("the kernel copies map values to userspace without their object pointers")
    .help(format!(
        "userspace may remove an entry (`delete {map}[k]`), which frees its object"
    ))
}

pub(crate) fn object_too_large(span: Span, name: &str, size: u64, max: u64) -> Diagnostic {
    Diagnostic::error(format!("`{name}` is too large to allocate with `new`"))
        .primary(span, format!("{size} bytes; objects hold at most {max}"))
        .note("the kernel's object allocator (bpf_obj_new) serves objects of up to 4088 bytes")
        .help("split the struct, or keep the data in a map entry")
}
