//! Diagnostics about expressions: literals, conversions, operators, fields,
//! indexing and `match`.

use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::ir::IntType;
use crate::span::Span;
use crate::syntax::ast::{BinaryOp, UnaryOp};

use super::list;

pub(crate) fn literal_out_of_range(span: Span, value: i128, int: IntType) -> Diagnostic {
    let (min, max) = int.range();
    let name = int.source_name();
    Diagnostic::error(format!("literal out of range for `{name}`"))
        .primary(
            span,
            format!("{value} does not fit `{name}`, which holds {min}..={max}"),
        )
        .help("use a wider type, or convert explicitly with `as` to truncate")
}

/// `parenthesize`: the expression binds looser than `as` (`a + b`), so
/// the suggested edit wraps it.
pub(crate) fn needs_cast(
    span: Span,
    expected: &str,
    found: &str,
    parenthesize: bool,
) -> Diagnostic {
    let edits = if parenthesize {
        vec![
            Edit::insert_before(span, "("),
            Edit::insert_after(span, format!(") as {expected}")),
        ]
    } else {
        vec![Edit::insert_after(span, format!(" as {expected}"))]
    };
    Diagnostic::error("mismatched types")
        .primary(span, format!("expected `{expected}`, found `{found}`"))
        .help(format!(
            "only lossless integer widening is implicit; convert explicitly with `as {expected}`"
        ))
        .suggest(
            format!("convert with `as {expected}`"),
            edits,
            Applicability::MachineApplicable,
        )
}

pub(crate) fn string_too_long(span: Span, length: usize, capacity: u32) -> Diagnostic {
    Diagnostic::error(format!(
        "string literal of {length} bytes does not fit `str({capacity})`"
    ))
    .primary(
        span,
        format!(
            "`str({capacity})` holds at most {} characters plus the terminating NUL",
            capacity.saturating_sub(1)
        ),
    )
    .help(format!(
        "use a larger string type, such as `str({})`",
        length + 1
    ))
}

pub(crate) fn void_used_as_value(span: Span, expected: &str) -> Diagnostic {
    Diagnostic::error("expression has no value")
        .primary(span, "this returns nothing")
        .note(format!("expected {expected}"))
}

pub(crate) fn map_as_value(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("map `{name}` cannot be used as a value"))
        .primary(span, "maps are not values")
        .help(format!("read an entry with `{name}[key]`"))
}

pub(crate) fn config_as_value(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("config `{name}` cannot be used as a value"))
        .primary(span, "configs are not values")
        .help(format!("read a field with `{name}.field`"))
}

pub(crate) fn callable_as_value(span: Span, name: &str, what: &str) -> Diagnostic {
    Diagnostic::error(format!("{what} `{name}` can only be called"))
        .primary(span, "not a value")
        .help(format!("call it: `{name}(...)`"))
}

pub(crate) fn type_as_value(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("expected a value, found type `{name}`"))
        .primary(span, "this is a type")
}

pub(crate) fn program_in_variable(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("a program cannot be stored in variable `{name}`"))
        .primary(span, "program references are not values")
        .help("pass the program to `load()` directly: `var handle = load(program)`")
}

pub(crate) fn bad_unary_operand(span: Span, op: UnaryOp, found: &str) -> Diagnostic {
    let diagnostic =
        Diagnostic::error(format!("cannot apply unary `{}` to `{found}`", op.symbol()))
            .primary(span, "unsupported operand");
    if op == UnaryOp::Neg {
        diagnostic.help("only signed integers can be negated; convert with `as` first")
    } else {
        diagnostic
    }
}

pub(crate) fn not_on_non_bool(span: Span, found: &str, pointer: bool) -> Diagnostic {
    Diagnostic::error(format!("`!` needs a `bool`, found `{found}`"))
        .primary(span, "not a `bool`")
        .help(if pointer {
            "compare with null: `p == null`"
        } else {
            "compare with 0: `x == 0`"
        })
}

pub(crate) fn logical_on_non_bool(
    span: Span,
    op: BinaryOp,
    found: &str,
    pointer: bool,
) -> Diagnostic {
    Diagnostic::error(format!(
        "`{}` needs `bool` operands, found `{found}`",
        op.symbol()
    ))
    .primary(span, "not a `bool`")
    .help(if pointer {
        "compare with null: `p != null`"
    } else {
        "compare with 0: `x != 0`"
    })
    .suggest(
        if pointer {
            "compare with null"
        } else {
            "compare with 0"
        },
        vec![
            Edit::insert_before(span, "("),
            Edit::insert_after(span, if pointer { " != null)" } else { " != 0)" }),
        ],
        Applicability::MachineApplicable,
    )
}

pub(crate) fn bad_binary_operands(
    span: Span,
    op: BinaryOp,
    left: &str,
    right: &str,
    both_ints: bool,
) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!(
        "cannot apply `{}` to `{left}` and `{right}`",
        op.symbol()
    ))
    .primary(span, "unsupported operand types");
    if both_ints {
        diagnostic.help("integers of different signedness or width meet only when one widens losslessly to the other; convert one side with `as`")
    } else {
        diagnostic
    }
}

pub(crate) fn bytes_to_short_string(span: Span, from: &str, to: &str, len: u32) -> Diagnostic {
    Diagnostic::error(format!("`{to}` is too small for `{from}`"))
        .primary(span, format!("converts to `str({len})` or larger"))
        .help(format!(
            "write `as str({len})`: it holds the bytes up to the first NUL, at most {} of them",
            len.saturating_sub(1)
        ))
}

pub(crate) fn division_by_zero(span: Span, op: BinaryOp) -> Diagnostic {
    let what = if op == BinaryOp::Div {
        "division"
    } else {
        "remainder"
    };
    Diagnostic::error(format!("{what} by zero")).primary(span, "this is always 0")
}

pub(crate) fn shift_too_large(span: Span, amount: i128, ty: &str, bits: u32) -> Diagnostic {
    Diagnostic::error(format!("cannot shift a `{ty}` by {amount} bits"))
        .primary(
            span,
            format!("the shift amount must be between 0 and {}", bits - 1),
        )
        .help("widen the value first, e.g. `(x as u64) << 40`")
}

pub(crate) fn bad_comparison(
    span: Span,
    op: BinaryOp,
    left: &str,
    right: &str,
    both_ints: bool,
) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!(
        "cannot compare `{left}` with `{right}` using `{}`",
        op.symbol()
    ))
    .primary(span, "incompatible operands");
    if both_ints {
        diagnostic.help(
            "comparing signed with unsigned integers is error-prone; convert one side with `as`",
        )
    } else {
        diagnostic
    }
}

/// Why a value compared with `null` can never be null, when there is more
/// to say than its type.
#[derive(Clone, Copy, Debug)]
pub(crate) enum NeverNull<'a> {
    /// Nothing more.
    Value,
    /// A local declared from a map read but converted to another type.
    ConvertedMapCopy { name: &'a str },
    /// A handle returned by `load`.
    ProgramHandle,
}

/// `handle == null` / `handle != null` on a `ProgramHandle`: accepted as
/// the constant it always is, with the edit that writes that constant.
pub(crate) fn program_handle_compared_with_null(span: Span, always: bool) -> Diagnostic {
    let value = if always { "true" } else { "false" };
    Diagnostic::warning(format!(
        "a `ProgramHandle` is never null: this comparison is always {value}"
    ))
    .primary(span, format!("always `{value}`"))
    .help(
        "`load` never returns null: when a program fails to load, the generated program prints the error and exits",
    )
    .suggest(
        format!("write `{value}`"),
        vec![Edit::replace(span, value)],
        Applicability::MachineApplicable,
    )
}

pub(crate) fn value_compared_with_null(span: Span, ty: &str, why: NeverNull<'_>) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!("a `{ty}` value is never null")).primary(
        span,
        "only pointers and map entries can be compared with `null`",
    );
    match why {
        NeverNull::Value => diagnostic,
        NeverNull::ConvertedMapCopy { name } => diagnostic.help(format!(
            "`{name}` holds the map value converted to `{ty}`; only a local declared as `var {name} = map[key]` (without a type, or with the map's value type) remembers whether the entry existed"
        )),
        NeverNull::ProgramHandle => diagnostic.help(
            "`load` never returns null: when a program fails to load, the generated program prints the error and exits",
        ),
    }
}

pub(crate) fn bad_cast(span: Span, from: &str, to: &str) -> Diagnostic {
    let diagnostic =
        Diagnostic::error(format!("cannot cast `{from}` to `{to}`")).primary(span, "invalid cast");
    if to == "bool" {
        diagnostic.help("compare with 0 instead: `x != 0`")
    } else if from.starts_with('*') || to.starts_with('*') {
        diagnostic.help("pointers convert to and from 64-bit integers (`u64`) and other pointers")
    } else {
        diagnostic.help("`as` converts between integers, chars, enums and pointers")
    }
}

pub(crate) fn sizeof_non_value(span: Span, ty: &str) -> Diagnostic {
    Diagnostic::error(format!("`{ty}` has no size")).primary(span, "not a data type")
}

pub(crate) fn bad_deref(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot dereference `{found}`"))
        .primary(span, "not a pointer to data")
        .help("only typed pointers can be dereferenced; cast `*void` to a typed pointer first")
}

pub(crate) fn address_of_value(span: Span) -> Diagnostic {
    Diagnostic::error("cannot take the address of a temporary value")
        .primary(span, "not a variable, field or element")
        .help("store the value in a variable first")
}

pub(crate) fn address_of_map_entry(span: Span) -> Diagnostic {
    Diagnostic::error("cannot take the address of a map entry")
        .primary(span, "map entries are not variables")
        .help("use `if (var entry = m[key]) { ... }` to work on the stored value in place")
}

pub(crate) fn no_fields(span: Span, name: &str, ty: &str) -> Diagnostic {
    Diagnostic::error(format!("no field `{name}` on type `{ty}`"))
        .primary(span, "only structs have fields")
}

pub(crate) fn dot_on_pointer(span: Span, name: &str, ty: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`{ty}` is a pointer; its fields are reached with `->`"
    ))
    .primary(span, format!("field `{name}` accessed with `.`"))
    .help(format!("write `->{name}`"))
}

pub(crate) fn arrow_on_value(span: Span, name: &str, ty: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`{ty}` is not a pointer; its fields are reached with `.`"
    ))
    .primary(span, format!("field `{name}` accessed with `->`"))
    .help(format!("write `.{name}`"))
}

pub(crate) fn map_method_not_called(span: Span, map: &str, method: &str) -> Diagnostic {
    Diagnostic::error(format!("map `{map}` has no fields"))
        .primary(span, format!("`{method}` is not a field"))
        .help(format!(
            "read an entry with `{map}[key]`, or call a method: `{map}.{method}(...)`"
        ))
}

pub(crate) fn bad_index_type(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("index must be an integer, found `{found}`"))
        .primary(span, "not an integer")
}

pub(crate) fn index_out_of_bounds(span: Span, index: i128, len: u32) -> Diagnostic {
    Diagnostic::error(format!(
        "index {index} is out of bounds for an array of length {len}"
    ))
    .primary(span, format!("valid indices are 0..{len}"))
}

pub(crate) fn not_indexable(span: Span, ty: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot index into a value of type `{ty}`")).primary(
        span,
        "only arrays, strings, pointers and maps can be indexed",
    )
}

pub(crate) fn too_many_elements(span: Span, count: usize, len: u32) -> Diagnostic {
    Diagnostic::error(format!(
        "array literal has {count} elements, but the array holds {len}"
    ))
    .primary(span, "too many elements")
}

pub(crate) fn empty_array_literal(span: Span) -> Diagnostic {
    Diagnostic::error("cannot infer the type of an empty array literal")
        .primary(span, "no elements to infer from")
        .help("give the variable a type: `var a: u8[16] = []`")
}

pub(crate) fn bad_scrutinee(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot match on a value of type `{found}`"))
        .primary(span, "match on integers, enums, chars or booleans")
        .help("compare strings and other values with `if`/`else` and `==`")
}

pub(crate) fn pattern_type_mismatch(span: Span, expected: &str, found: &str) -> Diagnostic {
    Diagnostic::error("mismatched types in pattern")
        .primary(span, format!("expected `{expected}`, found `{found}`"))
}

pub(crate) fn pattern_not_constant(span: Span) -> Diagnostic {
    Diagnostic::error("match patterns must be constants")
        .primary(span, "not known at compile time")
        .help("use a literal, a constant or an enum variant; compare other values with `if`")
}

pub(crate) fn duplicate_pattern(span: Span, value: i128, first: Span) -> Diagnostic {
    Diagnostic::error(format!("unreachable pattern: {value} is already matched"))
        .primary(span, "never taken")
        .secondary(first, "matched here first")
}

pub(crate) fn arm_after_default(span: Span, default: Span) -> Diagnostic {
    Diagnostic::error("unreachable match arm")
        .primary(span, "never taken")
        .secondary(default, "`default` matches everything")
        .help("move `default` to the end")
}

pub(crate) fn arm_type_mismatch(span: Span, expected: &str, found: &str) -> Diagnostic {
    Diagnostic::error("match arms have incompatible types").primary(
        span,
        format!("expected `{expected}` like the earlier arms, found `{found}`"),
    )
}

pub(crate) fn arm_without_value(span: Span) -> Diagnostic {
    Diagnostic::error("match arm block has no value").primary(
        span,
        "the block must end with an expression, `return` or `throw`",
    )
}

pub(crate) fn non_exhaustive_match(span: Span, missing: &[String]) -> Diagnostic {
    let diagnostic =
        Diagnostic::error("non-exhaustive match").primary(span, "some values are not covered");
    if missing == ["other values"] {
        diagnostic.help("add a `default` arm")
    } else {
        diagnostic.help(format!("cover {}, or add a `default` arm", list(missing)))
    }
}
