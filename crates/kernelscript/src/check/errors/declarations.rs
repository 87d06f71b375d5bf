//! Diagnostics about names and declarations: duplicates, unknown names and
//! types, structs, enums, constants, globals and configs.

use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::ir::IntType;
use crate::span::Span;

use super::list;

pub(crate) fn duplicate_definition(span: Span, name: &str, first: Span) -> Diagnostic {
    Diagnostic::error(format!("`{name}` is defined more than once"))
        .primary(span, format!("`{name}` redefined here"))
        .secondary(first, "first defined here")
        .help("rename one of them; a file shares one namespace with the headers it includes")
}

pub(crate) fn name_c_cannot_keep(span: Span, what: &str, name: &str, why: &str) -> Diagnostic {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    Diagnostic::error(format!("`{name}` cannot name {article} {what}"))
        .primary(span, format!("`{name}` is {why}"))
        .help(format!(
            "{article} {what} keeps its name in the generated C, where the kernel and the skeleton see it; choose another name"
        ))
}

pub(crate) fn reserved_name(span: Span, name: &str, what: &str) -> Diagnostic {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    Diagnostic::error(format!("`{name}` is already {article} {what}"))
        .primary(
            span,
            format!("`{name}` is defined by the language or the kernel"),
        )
        .help("choose another name")
}

pub(crate) fn undefined_name(
    span: Span,
    name: &str,
    what: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!("cannot find {what} `{name}` in this scope"))
        .primary(span, "not found");
    match suggestion {
        Some(suggestion) => diagnostic
            .help(format!("a similar name exists: `{suggestion}`"))
            .suggest(
                format!("use `{suggestion}`"),
                vec![Edit::replace(span, suggestion.as_str())],
                Applicability::MachineApplicable,
            ),
        None => diagnostic,
    }
}

pub(crate) fn unknown_type(span: Span, name: &str, suggestion: Option<String>) -> Diagnostic {
    let diagnostic =
        Diagnostic::error(format!("cannot find type `{name}`")).primary(span, "unknown type");
    match suggestion {
        Some(suggestion) => diagnostic
            .help(format!("a similar type exists: `{suggestion}`"))
            .suggest(
                format!("use `{suggestion}`"),
                vec![Edit::replace(span, suggestion.as_str())],
                Applicability::MachineApplicable,
            ),
        None => diagnostic
            .help("declare it with `struct`, `enum` or `type`, or include the header that does"),
    }
}

pub(crate) fn opaque_kernel_struct(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "kernel struct `{name}` can only be used behind a pointer"
    ))
    .primary(span, "its layout is not known here")
    .help(format!(
        "use `*{name}`, or declare `struct {name} {{ ... }}` with the fields you need"
    ))
}

pub(crate) fn not_a_type(span: Span, name: &str, what: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` is not a type"))
        .primary(span, format!("`{name}` is a {what}"))
}

pub(crate) fn alias_cycle(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("type alias `{name}` refers to itself"))
        .primary(span, "the alias cycle closes here")
}

pub(crate) fn bad_size(span: Span, what: &str, value: i128) -> Diagnostic {
    Diagnostic::error(format!("invalid {what} {value}")).primary(
        span,
        format!("the {what} must be between 1 and {}", u32::MAX),
    )
}

pub(crate) fn void_element(span: Span) -> Diagnostic {
    Diagnostic::error("arrays of `void` are not allowed").primary(span, "`void` has no values")
}

pub(crate) fn void_value(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(format!("`void` cannot be the type of {what}"))
        .primary(span, "`void` has no values")
}

pub(crate) fn map_type_outside_global(span: Span, kind: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "map type `{kind}<..>` used where a value type is expected"
    ))
    .primary(span, "maps are not values")
    .help("declare maps at top level: `var name : hash<K, V>(N)`")
}

pub(crate) fn duplicate_field(span: Span, name: &str, first: Span) -> Diagnostic {
    Diagnostic::error(format!("field `{name}` is declared more than once"))
        .primary(span, "declared again here")
        .secondary(first, "first declared here")
}

pub(crate) fn type_too_large(span: Span, name: &str, size: u64, limit: u64) -> Diagnostic {
    let shown = if size == u64::MAX {
        "more than 2^64 bytes".to_string()
    } else {
        format!("{size} bytes")
    };
    Diagnostic::error(format!("type `{name}` is too large"))
        .primary(span, shown)
        .note(format!(
            "the largest type is {} MiB ({limit} bytes)",
            limit >> 20
        ))
}

pub(crate) fn recursive_struct(span: Span, name: &str, field: &str) -> Diagnostic {
    Diagnostic::error(format!("recursive struct `{name}` has infinite size"))
        .primary(span, format!("field `{field}` contains `{name}` by value"))
        .help("use a pointer (`*T`) to refer to the struct from inside itself")
}

pub(crate) fn enum_value_out_of_range(span: Span, value: i128) -> Diagnostic {
    Diagnostic::error(format!("enum value {value} is out of range")).primary(
        span,
        format!("enum values must be between {} and {}", i64::MIN, u64::MAX),
    )
}

/// A negative value and one above `i64::MAX` in one enum: no 64-bit type
/// holds both.
pub(crate) fn enum_signedness_mixed(
    span: Span,
    value: i128,
    other_span: Span,
    other_value: i128,
) -> Diagnostic {
    Diagnostic::error(format!(
        "enum value {value} cannot share an enum with {other_value}"
    ))
    .primary(span, "no 64-bit integer type holds both values")
    .secondary(other_span, format!("{other_value} is here"))
    .help(format!(
        "an enum's values are all within `i64` ({} to {}) or all within `u64` (0 to {})",
        i64::MIN,
        i64::MAX,
        u64::MAX
    ))
}

pub(crate) fn not_constant(span: Span) -> Diagnostic {
    Diagnostic::error("expected a constant expression")
        .primary(span, "not known at compile time")
        .help("use literals, constants, enum variants and operators on them")
}

pub(crate) fn const_cycle(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("constant `{name}` depends on itself"))
        .primary(span, "cycle in constant definitions")
}

pub(crate) fn bad_const_type(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "constants must be integers, booleans, chars or enum values, not `{found}`"
    ))
    .primary(span, "unsupported constant type")
    .help("use a global `var` for other values")
}

pub(crate) fn const_out_of_range(span: Span, value: i128, int: IntType) -> Diagnostic {
    let (min, max) = int.range();
    Diagnostic::error(format!(
        "constant value {value} does not fit `{}`",
        int.source_name()
    ))
    .primary(span, format!("`{}` holds {min}..={max}", int.source_name()))
}

pub(crate) fn needs_type_annotation(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("type annotations needed for `{name}`"))
        .primary(span, "neither a type nor an initial value is given")
        .help(format!("give it a type: `var {name}: u32`"))
}

pub(crate) fn cannot_infer_null(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot infer the type of `{name}` from `null`"))
        .primary(span, "`null` could be any pointer")
        .help(format!("give it a pointer type: `var {name}: *T = null`"))
}

pub(crate) fn pin_local(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`local` global `{name}` cannot be pinned"))
        .primary(span, "`pin` and `local` conflict")
        .help("pinned globals are shared through the filesystem; drop `pin` or `local`")
}

pub(crate) fn attribute_on_global(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "attribute `@{name}` is not allowed on a global variable"
    ))
    .primary(span, "not allowed here")
    .help("only maps take an attribute: `@flags(...)`")
}

pub(crate) fn function_in_ebpf(span: Span, ty: &str) -> Diagnostic {
    Diagnostic::error(format!("eBPF code cannot hold `{ty}`"))
        .primary(span, "holds a function value")
        .help("function values exist in userspace only; call eBPF functions by name")
}

pub(crate) fn unshareable_global(span: Span, name: &str, ty: &str) -> Diagnostic {
    Diagnostic::error(format!("global `{name}` cannot have type `{ty}`"))
        .primary(span, "globals are shared between eBPF and userspace")
        .help("pointers, functions and program handles mean nothing on the other side; keep them in locals")
}

pub(crate) fn global_in_initializer(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` is not constant"))
        .primary(span, "a global's value is not known at compile time")
        .help("initial values are part of the object file; assign computed values at run time instead")
}

pub(crate) fn global_init_not_constant(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("the initial value of `{name}` must be constant"))
        .primary(span, "not known at compile time")
        .help("initial values are part of the object file; assign computed values at run time instead")
}

pub(crate) fn local_global_in_userspace(span: Span, name: &str, definition: Span) -> Diagnostic {
    Diagnostic::error(format!(
        "`local` global `{name}` is not visible to userspace"
    ))
    .primary(span, "used from a userspace function")
    .secondary(definition, "declared `local` here")
    .help("remove `local` to share the variable with userspace")
}

pub(crate) fn bad_config_field_type(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("config fields cannot have type `{found}`"))
        .primary(span, "unsupported config field type")
        .help("use integers, `bool`, `char`, `str(N)`, enums or arrays of integers")
}

pub(crate) fn struct_ops_needs_name(span: Span) -> Diagnostic {
    Diagnostic::error("`@struct_ops` needs the kernel struct it implements")
        .primary(span, "missing struct name")
        .help("write `@struct_ops(\"tcp_congestion_ops\")`")
}

pub(crate) fn struct_ops_struct_named_otherwise(
    span: Span,
    struct_name: &str,
    ops_type: &str,
) -> Diagnostic {
    Diagnostic::error(format!(
        "`@struct_ops(\"{ops_type}\")` on `struct {struct_name}`: a struct_ops struct declares the kernel's own type"
    ))
    .primary(span, format!("the kernel type is `{ops_type}`"))
    .help(format!(
        "name the struct `{ops_type}`, or remove the attribute to declare a struct of your own"
    ))
}

pub(crate) fn unknown_struct_ops_type(
    span: Span,
    name: &str,
    close: &[String],
    known: &[String],
) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!("unknown struct_ops type `{name}`")).primary(
        span,
        "the kernel's BTF registers no struct_ops type of this name",
    );
    let diagnostic = match close {
        // Not a typo: a type of another kernel (`sched_ext_ops` needs
        // CONFIG_SCHED_CLASS_EXT).
        [] => diagnostic.help(
            "to build for a kernel that has this type, check against that kernel's BTF: \
             `--btf-vmlinux-path PATH` (its vmlinux image, or its /sys/kernel/btf/vmlinux)",
        ),
        _ => diagnostic.help(format!("did you mean {}?", super::list(close))),
    };
    match known {
        [] => diagnostic.note("this kernel has no struct_ops types"),
        _ => diagnostic.note(format!(
            "this kernel's struct_ops types: {}",
            super::list(known)
        )),
    }
}

pub(crate) fn impl_needs_struct_ops(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "impl block `{name}` has no `@struct_ops` attribute"
    ))
    .primary(span, "impl blocks implement kernel struct_ops")
    .help("add `@struct_ops(\"kernel_struct_name\")` before `impl`")
}

pub(crate) fn register_needs_impl(span: Span) -> Diagnostic {
    Diagnostic::error("`register` expects a `@struct_ops` impl block")
        .primary(span, "not a struct_ops impl block")
}

pub(crate) fn impl_as_value(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("impl block `{name}` is not a value"))
        .primary(span, "used as a value")
        .help(format!("register it from userspace: `register({name})`"))
}

pub(crate) fn duplicate_param(span: Span, name: &str, first: Span) -> Diagnostic {
    Diagnostic::error(format!("parameter `{name}` is declared more than once"))
        .primary(span, "declared again here")
        .secondary(first, "first declared here")
}

pub(crate) fn redeclared_local(span: Span, name: &str, earlier: Option<Span>) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!("`{name}` is already declared in this scope"))
        .primary(span, "declared again here")
        .help("choose another name, or assign to the existing variable");
    match earlier {
        Some(earlier) => diagnostic.secondary(earlier, "previous declaration"),
        None => diagnostic,
    }
}

pub(crate) fn missing_fields(span: Span, name: &str, missing: &[String]) -> Diagnostic {
    let noun = if missing.len() == 1 {
        "field"
    } else {
        "fields"
    };
    Diagnostic::error(format!(
        "missing {noun} {} in struct `{name}`",
        list(missing)
    ))
    .primary(span, "every field must be given a value")
}

pub(crate) fn duplicate_field_init(span: Span, name: &str, first: Span) -> Diagnostic {
    Diagnostic::error(format!("field `{name}` is given more than once"))
        .primary(span, "given again here")
        .secondary(first, "first given here")
}

pub(crate) fn unknown_field(
    span: Span,
    name: &str,
    owner: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let diagnostic =
        Diagnostic::error(format!("no field `{name}` in {owner}")).primary(span, "unknown field");
    match suggestion {
        Some(suggestion) => diagnostic
            .help(format!(
                "a field with a similar name exists: `{suggestion}`"
            ))
            .suggest(
                format!("use `{suggestion}`"),
                vec![Edit::replace(span, suggestion.as_str())],
                Applicability::MachineApplicable,
            ),
        None => diagnostic,
    }
}

pub(crate) fn struct_literal_of_non_struct(span: Span, ty: &str) -> Diagnostic {
    Diagnostic::error(format!("`{ty}` is not a struct"))
        .primary(span, "struct literals need a struct type")
}

/// `fn f() -> u8[4]` (or `-> str(N)`) in eBPF or kernel-module code. `who`:
/// "a @helper"; `element`: the element type, for the out-pointer suggestion.
pub(crate) fn array_return(span: Span, who: &str, ty: &str, element: &str) -> Diagnostic {
    array_return_help(span, who, ty, element)
        .note("C functions cannot return arrays, and `str(N)` is a character array in eBPF C")
}

/// `fn f() -> u8[4]` in userspace, which may return `str(N)` only.
pub(crate) fn array_return_in_userspace(span: Span, ty: &str, element: &str) -> Diagnostic {
    array_return_help(span, "a userspace function", ty, element)
        .note("C functions cannot return arrays; userspace functions may return `str(N)`")
}

fn array_return_help(span: Span, who: &str, ty: &str, element: &str) -> Diagnostic {
    Diagnostic::error(format!("{who} cannot return an array"))
        .primary(span, format!("`{ty}` is an array type"))
        .help(format!(
            "return a struct that holds it (`struct Result {{ value: {ty} }}`), \
             or take an out-pointer parameter (`out: *{element}`) and write the elements through it"
        ))
}

pub(crate) fn flexible_array_misplaced(span: Span) -> Diagnostic {
    Diagnostic::error("a flexible array `T[]` may only be a struct's last field")
        .primary(span, "no length here")
        .help("give the array a length (`T[N]`), or make it the last field of a ring buffer record")
}

pub(crate) fn flexible_array_element(span: Span, element: &str) -> Diagnostic {
    Diagnostic::error(format!("a flexible array of `{element}`")).primary(
        span,
        "the elements of a flexible array must be integers or `char`",
    )
}

pub(crate) fn variable_size_by_value(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` has a variable size"))
        .primary(span, "held by value here")
        .note(format!(
            "`{name}` ends in a flexible array: it is a ring buffer record of variable size, \
             reached through a pointer (`*{name}`)"
        ))
}
