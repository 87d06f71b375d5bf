//! The wording of every lexer and parser diagnostic, one constructor each.
//!
//! Messages are short and lowercase; the primary label says what is wrong
//! at that exact span; `help:` says what to write instead when we can tell.
//! Callers pass spans and the descriptions of what they found (from
//! `Token::describe`). This file builds `Diagnostic` values only: it must
//! not look at tokens or decide when an error happens.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

const ESCAPES: &str =
    "valid escapes are `\\n`, `\\t`, `\\r`, `\\\\`, `\\'`, `\\\"`, `\\0` and `\\xHH`";

// ---- Lexer ----------------------------------------------------------------

pub fn unknown_character(span: Span, first: char) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!("unknown character `{}`", first.escape_debug()))
        .primary(span, "not part of the language");
    match first {
        '?' => diagnostic.help("there is no `?:` operator; use `if`/`else` or `match`"),
        '#' => diagnostic.help("there is no preprocessor; use `include \"file.kh\"` and `const`"),
        _ => diagnostic,
    }
}

pub fn unterminated_block_comment(span: Span) -> Diagnostic {
    Diagnostic::error("unterminated block comment")
        .primary(span, "this comment is never closed")
        .help("close it with `*/`")
}

pub fn unterminated_string(span: Span) -> Diagnostic {
    Diagnostic::error("unterminated string literal")
        .primary(span, "missing closing `\"` on this line")
        .help("strings cannot span lines; use `\\n` for a newline")
}

pub fn unterminated_char(span: Span) -> Diagnostic {
    Diagnostic::error("unterminated character literal").primary(span, "missing closing `'`")
}

pub fn empty_char(span: Span) -> Diagnostic {
    Diagnostic::error("empty character literal")
        .primary(span, "a character literal holds exactly one character")
}

pub fn char_too_long(span: Span) -> Diagnostic {
    Diagnostic::error("character literal may only contain one character")
        .primary(span, "more than one character")
        .help("use double quotes for a string: \"...\"")
}

pub fn non_ascii_char(span: Span, found: char) -> Diagnostic {
    Diagnostic::error(format!(
        "non-ASCII character `{found}` in character literal"
    ))
    .primary(span, "a character literal holds one byte")
    .help("write the byte with an escape such as `\\xe9`")
}

pub fn unknown_escape(span: Span, escaped: char) -> Diagnostic {
    Diagnostic::error(format!(
        "unknown character escape `\\{}`",
        escaped.escape_debug()
    ))
    .primary(span, "unknown escape")
    .help(ESCAPES)
}

pub fn invalid_hex_escape(span: Span) -> Diagnostic {
    Diagnostic::error("invalid `\\x` escape")
        .primary(span, "expected two hexadecimal digits")
        .help(ESCAPES)
}

pub fn string_hex_escape_out_of_range(span: Span) -> Diagnostic {
    Diagnostic::error("out of range hex escape in string literal")
        .primary(span, "must be at most `\\x7f`")
        .help("strings hold ASCII and UTF-8 text; character literals accept `\\x80` to `\\xff`")
}

pub fn missing_digits(span: Span, prefix: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "missing digits after the integer prefix `{prefix}`"
    ))
    .primary(span, "no digits")
}

pub fn invalid_digit(span: Span, digit: char, radix: u32) -> Diagnostic {
    let base = match radix {
        2 => "binary",
        8 => "octal",
        16 => "hexadecimal",
        _ => "decimal",
    };
    Diagnostic::error(format!("invalid digit `{digit}` in {base} literal"))
        .primary(span, format!("`{digit}` is not a {base} digit"))
}

pub fn invalid_integer_suffix(span: Span, suffix: &str) -> Diagnostic {
    Diagnostic::error(format!("invalid suffix `{suffix}` on integer literal"))
        .primary(span, "integer literals take no suffix")
        .help("to convert a value, write `value as u64`")
}

pub fn integer_too_large(span: Span) -> Diagnostic {
    Diagnostic::error("integer literal is too large")
        .primary(span, "does not fit in 64 bits")
        .note("the largest integer literal is 18446744073709551615 (0xffffffffffffffff)")
}

// ---- Parser: general ------------------------------------------------------

/// "expected `)`, found `{`"; `expected` is already formatted (with its
/// backquotes when it is a token).
pub fn expected(span: Span, expected: &str, found: &str) -> Diagnostic {
    Diagnostic::error(format!("expected {expected}, found {found}"))
        .primary(span, format!("expected {expected}"))
}

/// A closing delimiter is missing: label where it was expected and where
/// the delimiter was opened.
pub fn unclosed_delimiter(span: Span, close: &str, found: &str, open: Span) -> Diagnostic {
    Diagnostic::error(format!("expected `{close}`, found {found}"))
        .primary(span, format!("expected `{close}`"))
        .secondary(open, "unclosed delimiter opened here")
}

/// Tokens left after a complete condition (`if (x y > 100)`): the
/// condition is one expression, so what follows it is an error.
pub fn leftover_after_condition(span: Span, found: &str, open: Span) -> Diagnostic {
    Diagnostic::error(format!("expected `)` after the condition, found {found}"))
        .primary(span, "the condition ends before this")
        .secondary(open, "condition opened here")
        .help("a condition is one expression: is an operator missing?")
}

pub fn unexpected_closing_delimiter(span: Span, delimiter: &str) -> Diagnostic {
    Diagnostic::error(format!("unexpected closing delimiter `{delimiter}`"))
        .primary(span, "no matching opening delimiter")
}

pub fn nesting_too_deep(span: Span, limit: u32) -> Diagnostic {
    Diagnostic::error("nesting too deep")
        .primary(span, format!("more than {limit} nested levels"))
        .help("split this into smaller functions or intermediate variables")
}

pub fn expected_name(span: Span, found: &str, found_keyword: bool) -> Diagnostic {
    let diagnostic = expected(span, "an identifier", found);
    if found_keyword {
        diagnostic.help("this word is reserved; choose another name")
    } else {
        diagnostic
    }
}

// ---- Parser: items --------------------------------------------------------

pub fn expected_item(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("expected an item, found {found}"))
        .primary(span, "expected an item")
        .help("the top level holds `fn`, `var`, `const`, `config`, `struct`, `enum`, `type`, `impl`, `extern`, `include` and `import` declarations")
}

pub fn attributes_not_allowed(span: Span, item: &str) -> Diagnostic {
    Diagnostic::error(format!("attributes are not allowed on {item}"))
        .primary(span, "this attribute has no effect here")
}

pub fn modifier_not_allowed(span: Span, modifier: &str, item: &str) -> Diagnostic {
    Diagnostic::error(format!("`{modifier}` is not allowed on {item}")).primary(
        span,
        format!("`{modifier}` only applies to global `var` declarations"),
    )
}

pub fn duplicate_modifier(span: Span, modifier: &str) -> Diagnostic {
    Diagnostic::error(format!("`{modifier}` written twice")).primary(span, "repeated here")
}

pub fn item_in_block(span: Span, keyword: &str) -> Diagnostic {
    Diagnostic::error(format!("`{keyword}` is only allowed at the top level"))
        .primary(span, "not allowed inside a function body")
}

// ---- Parser: statements ---------------------------------------------------

pub fn expected_statement_end(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("expected `;` or a newline, found {found}"))
        .primary(span, "expected the statement to end here")
}

/// `u32 x = 5`: a C-style declaration.
pub fn c_style_declaration(span: Span, found: &str, type_name: &str) -> Diagnostic {
    expected_statement_end(span, found).help(format!(
        "declare variables with `var name: {type_name} = value`"
    ))
}

pub fn statement_starts_with_operator(span: Span, operator: &str) -> Diagnostic {
    Diagnostic::error(format!("expected an expression, found `{operator}`"))
        .primary(span, "a statement cannot start with this operator")
        .help(format!(
            "to continue the expression on the previous line, end that line with `{operator}`"
        ))
}

pub fn expected_block(span: Span, found: &str) -> Diagnostic {
    expected(span, "`{`", found).help("a body is always a block in braces, even for one statement")
}

pub fn else_without_if(span: Span) -> Diagnostic {
    Diagnostic::error("`else` without `if`")
        .primary(span, "no `if` before this `else`")
        .help("`else` must follow the closing `}` of an `if` block")
}

pub fn catch_without_try(span: Span) -> Diagnostic {
    Diagnostic::error("`catch` without `try`").primary(span, "no `try` block before this `catch`")
}

pub fn invalid_assignment_target(span: Span) -> Diagnostic {
    Diagnostic::error("invalid left-hand side of assignment")
        .primary(span, "cannot assign to this expression")
        .help("assign to a variable, a field (`a.f`, `p->f`), an element (`a[i]`) or `*p`")
}

pub fn missing_condition_parens(span: Span, keyword: &str) -> Diagnostic {
    Diagnostic::error(format!("expected `(` after `{keyword}`"))
        .primary(span, "expected `(`")
        .help(format!(
            "the condition is written in parentheses: `{keyword} (condition) {{ ... }}`"
        ))
}

pub fn assignment_in_condition(span: Span) -> Diagnostic {
    Diagnostic::error("expected `)`, found `=`")
        .primary(span, "assignment is not allowed in a condition")
        .help("to compare, use `==`; to bind a value, write `if (var name = value)`")
}

pub fn range_needs_one_name(span: Span) -> Diagnostic {
    Diagnostic::error("a range loop binds one name")
        .primary(span, "second name here")
        .help("write `for (i in start..end)`, or `for (key, value) in map` to iterate a map")
}

// ---- Parser: expressions and types ----------------------------------------

pub fn expected_expression(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("expected an expression, found {found}"))
        .primary(span, "expected an expression")
}

pub fn expected_type(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("expected a type, found {found}"))
        .primary(span, "expected a type")
        .help("types are written `u32`, `bool`, `str(N)`, `*T`, `T[N]`, `fn(T) -> R` or a declared name")
}

pub fn expected_match_arm_separator(span: Span, found: &str) -> Diagnostic {
    expected(span, "`,` or `}`", found).help("separate match arms with `,`")
}

pub fn missing_comma(span: Span, found: &str) -> Diagnostic {
    expected(span, "`,`", found).help("separate the entries with `,`")
}

pub fn new_takes_one_argument(span: Span) -> Diagnostic {
    Diagnostic::error("`new` takes at most one argument")
        .primary(span, "unexpected argument")
        .help("the optional argument is the allocation flag, as in `new T(GFP_ATOMIC)`")
}

pub fn array_repeat_unsupported(span: Span) -> Diagnostic {
    Diagnostic::error("`[value; count]` array expressions are not supported")
        .primary(span, "not supported")
        .help(
            "write the elements out, as in `[v, v, v, v]`; a shorter list leaves the rest zero \
             (`[7]` for a `u32[4]` is `7, 0, 0, 0`)",
        )
}
