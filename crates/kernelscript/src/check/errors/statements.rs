//! Diagnostics about statements: assignments, conditions, loops, returns,
//! `delete`, `try`/`throw`/`defer`.

use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::span::Span;
use crate::syntax::ast::BinaryOp;

pub(crate) fn not_assignable(span: Span) -> Diagnostic {
    Diagnostic::error("invalid assignment target")
        .primary(span, "cannot be assigned to")
        .help("assign to a variable, a field, an array element, `*pointer` or a map entry")
}

pub(crate) fn assign_to_const(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot assign to constant `{name}`"))
        .primary(span, "constants cannot change")
}

pub(crate) fn assign_to_loop_var(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot assign to loop variable `{name}`"))
        .primary(span, "the loop bound depends on it")
        .help("copy it into another variable first")
}

pub(crate) fn assign_to_map(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot assign to map `{name}`"))
        .primary(span, "maps are not values")
        .help(format!("store an entry with `{name}[key] = value`"))
}

pub(crate) fn string_char_assignment(span: Span) -> Diagnostic {
    Diagnostic::error("characters of a string cannot be assigned")
        .primary(span, "strings are read-only by index")
        .help("assign a whole new string instead")
}

pub(crate) fn config_write_outside_userspace(span: Span, path: &str, function: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot assign to config field `{path}` in eBPF function `{function}`"
    ))
    .primary(span, "configs are read-only in the kernel")
    .help(
        "set config fields from userspace; use a global `var` or a map for state the kernel writes",
    )
}

pub(crate) fn bad_compound_operator(span: Span, op: BinaryOp) -> Diagnostic {
    Diagnostic::error(format!("`{}=` is not an assignment operator", op.symbol()))
        .primary(span, "unsupported compound assignment")
}

pub(crate) fn compound_on_non_integer(span: Span, op: BinaryOp, found: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot use `{}=` on a value of type `{found}`",
        op.symbol()
    ))
    .primary(
        span,
        "compound assignment needs an integer (or a pointer for `+=`/`-=`)",
    )
}

pub(crate) fn bad_condition(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "a condition must be a `bool`, an integer or a pointer, found `{found}`"
    ))
    .primary(span, "not a condition")
}

pub(crate) fn bad_if_let(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("`if (var ...)` needs a map entry or a pointer, found `{found}`"))
        .primary(span, "cannot be absent")
        .help("bind a map lookup (`if (var v = m[key])`) or a pointer that may be null; use a plain `var` otherwise")
}

pub(crate) fn not_iterable(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot iterate over `{found}`"))
        .primary(
            span,
            "`for (k, v) in ...` iterates over hash and array maps",
        )
        .help("use `for (i in 0..n)` for a range")
}

pub(crate) fn not_iterable_in_ebpf(span: Span, kind: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot iterate over an `{kind}` map in eBPF code"))
        .primary(
            span,
            "`bpf_for_each_map_elem` does not support this map type",
        )
        .help("iterate it from userspace, or look entries up by key")
        .note(
            "in eBPF, `for (k, v) in m` works on hash, LRU and array maps (per-CPU kinds included)",
        )
}

pub(crate) fn unbounded_loop(span: Span) -> Diagnostic {
    Diagnostic::error("infinite loop in eBPF code")
        .primary(span, "this loop never exits")
        .help("add a `break`, or bound it: `for (i in 0..N)`")
        .note("the verifier rejects programs that may not terminate")
}

pub(crate) fn outside_loop(span: Span, keyword: &str) -> Diagnostic {
    Diagnostic::error(format!("`{keyword}` outside of a loop"))
        .primary(span, format!("cannot `{keyword}` here"))
}

pub(crate) fn return_without_value(span: Span, ty: &str) -> Diagnostic {
    Diagnostic::error("`return` without a value in a function returning a value")
        .primary(span, format!("expected a `{ty}` value"))
        .help("return a value, or name the result: `-> result: T` makes a bare `return` return `result`")
}

pub(crate) fn return_value_in_void(span: Span, function: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "function `{function}` returns nothing, but a value is returned"
    ))
    .primary(span, "unexpected return value")
    .help("declare a return type: `-> T`")
}

pub(crate) fn missing_return(span: Span, function: &str, ty: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "function `{function}` may end without returning a `{ty}`"
    ))
    .primary(span, "control reaches the end of the function here")
    .help("add a `return` on every path")
}

pub(crate) fn returns_local_address(span: Span, name: &str, declared: Span) -> Diagnostic {
    Diagnostic::error(format!("returning a pointer to local variable `{name}`"))
        .primary(span, "the pointer outlives the variable")
        .secondary(declared, "declared here, gone when the function returns")
        .help("return the value itself, or store it in a map or global")
}

pub(crate) fn delete_needs_map_entry(span: Span) -> Diagnostic {
    Diagnostic::error("`delete` expects a map entry or an object from `new`")
        .primary(span, "not a map entry or an object")
        .help("write `delete map[key]`, or `delete p` where `p = new T()`")
}

pub(crate) fn delete_from_array(span: Span, name: &str, kind: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot delete entries of {kind} map `{name}`"))
        .primary(span, "array maps always hold every index")
        .help(format!(
            "store a zero value instead: `{name}[key] = 0`, or use a hash map"
        ))
}

pub(crate) fn duplicate_catch(span: Span, code: i128) -> Diagnostic {
    Diagnostic::error(format!("error code {code} is caught more than once"))
        .primary(span, "never reached")
}

pub(crate) fn unreachable_catch(span: Span) -> Diagnostic {
    Diagnostic::error("unreachable `catch` clause")
        .primary(span, "an earlier `catch _` catches everything")
        .help("move `catch _` to the end")
}

pub(crate) fn bad_throw_code(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`throw` needs an integer error code, found `{found}`"
    ))
    .primary(span, "not an integer")
}

pub(crate) fn throw_zero(span: Span) -> Diagnostic {
    Diagnostic::error("cannot throw error code 0")
        .primary(span, "0 means \"no error\"")
        .help("use a nonzero code")
}

pub(crate) fn uncaught_throw_in_ebpf(
    span: Span,
    entry: &str,
    code: Option<&str>,
    label: &str,
    chain: &[(Span, String)],
    call_statement: Option<Span>,
) -> Diagnostic {
    let what = code.unwrap_or("an error code that is not a constant");
    let mut diagnostic = Diagnostic::error(format!(
        "`{entry}` can end with an uncaught throw of {what}"
    ))
    .primary(span, label);
    for (span, step) in chain {
        diagnostic = diagnostic.secondary(*span, step.clone());
    }
    let diagnostic = diagnostic
        .help(match code {
            Some(_) => "catch it with a `try` around the call or the throw (`catch CODE` or `catch _`), here or in a function on the way".to_string(),
            None => "catch it with `catch _` in a `try` around the call or the throw".to_string(),
        })
        .note("an eBPF program, or struct_ops method, cannot pass a throw to the kernel");
    // A call standing alone whose value is unused: catching every code
    // and carrying on is what the statement already does when nothing is
    // thrown, and it declares nothing a later statement could lose.
    match call_statement {
        Some(statement) => diagnostic.suggest(
            "catch every code and carry on: `try { ... } catch _ { }`",
            vec![
                Edit::insert_before(statement, "try { "),
                Edit::insert_after(statement, " } catch _ { }"),
            ],
            Applicability::MachineApplicable,
        ),
        None => diagnostic,
    }
}

pub(crate) fn defer_needs_call(span: Span) -> Diagnostic {
    Diagnostic::error("`defer` expects a function call")
        .primary(span, "not a call")
        .help("write `defer cleanup(resource)`")
}

pub(crate) fn deferred_loop_variable_address(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "a deferred call cannot take the address of loop variable `{name}`"
    ))
    .primary(span, "the loop variable does not outlive its iteration")
    .help(format!(
        "pass `{name}` by value, or copy it into a local declared before the loop"
    ))
}
