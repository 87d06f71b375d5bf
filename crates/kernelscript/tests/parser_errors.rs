//! Error tests of the lexer and parser: malformed input yields
//! diagnostics at the right `line:column`, with their labels and help,
//! and the parser recovers so one file reports many independent errors
//! without cascades. The tree is dumped too, to show what recovery kept.
//! Bless with `UPDATE_EXPECT=1 cargo test -p kernelscript --test parser_errors`.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read their data files

use expect_test::{expect, Expect};
use kernelscript::span::{FileId, LineIndex};
use kernelscript::syntax::{dump::dump, parse};

/// Renders every diagnostic as `line:col: message`, then its labels
/// (`^` primary, `-` secondary) and help lines.
fn render_diagnostics(text: &str) -> String {
    let (_, diagnostics) = parse(FileId(0), text);
    let lines = LineIndex::new(text);
    let mut out = String::new();
    for diagnostic in diagnostics.iter() {
        let (line, column) = diagnostic
            .primary_span()
            .map_or((0, 0), |span| lines.line_col(span.start));
        out.push_str(&format!("{line}:{column}: {}\n", diagnostic.message));
        for label in &diagnostic.labels {
            let (line, column) = lines.line_col(label.span.start);
            let marker = if label.primary { '^' } else { '-' };
            out.push_str(&format!("  {marker} {line}:{column} {}\n", label.message));
        }
        for help in &diagnostic.help {
            out.push_str(&format!("  help: {help}\n"));
        }
        for note in &diagnostic.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
    }
    out
}

fn check(text: &str, expected: Expect) {
    expected.assert_eq(&render_diagnostics(text));
}

/// Like `check`, with the recovered tree before the diagnostics.
fn check_with_tree(text: &str, expected: Expect) {
    let (file, _) = parse(FileId(0), text);
    expected.assert_eq(&format!("{}{}", dump(&file), render_diagnostics(text)));
}

#[test]
fn many_errors_in_one_file() {
    check(
        r#"include "xdp.kh"

fn missing_paren(a: u32 {
    return a
}

fn bad_type(x: 42) -> u32 {
    return x
}

@xdp fn body_errors(ctx: *xdp_md) -> xdp_action {
    var = 5
    var ok = 1
    if (ok == 1 {
        ok = 2
    }
    else {
        ok = 3
    }
    ok = ok +
    u32 count = 0
    return XDP_PASS
}

struct Point {
    x: u32
    y: u32,
}

fn last() {
    5 = x
    var s = "never closed
    var t = 1
}
"#,
        expect![[r#"
            3:25: expected `)`, found `{`
              ^ 3:25 expected `)`
              - 3:17 unclosed delimiter opened here
            7:16: expected a type, found integer literal `42`
              ^ 7:16 expected a type
              help: types are written `u32`, `bool`, `str(N)`, `*T`, `T[N]`, `fn(T) -> R` or a declared name
            12:9: expected an identifier, found `=`
              ^ 12:9 expected an identifier
            14:17: expected `)` after the condition, found `{`
              ^ 14:17 the condition ends before this
              - 14:8 condition opened here
              help: a condition is one expression: is an operator missing?
            21:9: expected `;` or a newline, found identifier `count`
              ^ 21:9 expected the statement to end here
            26:11: expected `,`, found identifier `y`
              ^ 26:11 expected `,`
              help: separate the entries with `,`
            31:5: invalid left-hand side of assignment
              ^ 31:5 cannot assign to this expression
              help: assign to a variable, a field (`a.f`, `p->f`), an element (`a[i]`) or `*p`
            32:13: unterminated string literal
              ^ 32:13 missing closing `"` on this line
              help: strings cannot span lines; use `\n` for a newline
        "#]],
    );
}

#[test]
fn unclosed_block_is_reported_at_the_next_item() {
    check_with_tree(
        "fn f() {
    if (a) {
        b = 1

fn g() {}
",
        expect![[r#"
            (fn f ()
              (if a
                (then
                  (= b 1))))
            (fn g ())
            3:14: expected `}`, found keyword `fn`
              ^ 3:14 expected `}`
              - 2:12 unclosed delimiter opened here
        "#]],
    );
}

#[test]
fn unclosed_block_at_end_of_file() {
    check(
        "fn f() {\n    var a = 1\n",
        expect![[r#"
        2:14: expected `}`, found end of file
          ^ 2:14 expected `}`
          - 1:8 unclosed delimiter opened here
    "#]],
    );
}

#[test]
fn else_and_catch_without_their_statement() {
    check_with_tree(
        "fn f() {
    else { x = 1 }
    catch 1 { y = 2 }
    z = 3
}",
        expect![[r#"
            (fn f ()
              <error>
              <error>
              (= z 3))
            2:5: `else` without `if`
              ^ 2:5 no `if` before this `else`
              help: `else` must follow the closing `}` of an `if` block
            3:5: `catch` without `try`
              ^ 3:5 no `try` block before this `catch`
        "#]],
    );
}

#[test]
fn operators_at_line_start_and_c_style_declarations() {
    check(
        "fn f() {
    x = a
        + b
    y = c
        && d
    u32 count = 0
}",
        expect![[r#"
            3:9: expected an expression, found `+`
              ^ 3:9 a statement cannot start with this operator
              help: to continue the expression on the previous line, end that line with `+`
            5:9: expected an expression, found `&&`
              ^ 5:9 a statement cannot start with this operator
              help: to continue the expression on the previous line, end that line with `&&`
            6:9: expected `;` or a newline, found identifier `count`
              ^ 6:9 expected the statement to end here
              help: declare variables with `var name: u32 = value`
        "#]],
    );
}

#[test]
fn invalid_assignment_targets() {
    check(
        "fn f() {
    f() = 1
    a + b += 2
    x = y = 3
}",
        expect![[r#"
            2:5: invalid left-hand side of assignment
              ^ 2:5 cannot assign to this expression
              help: assign to a variable, a field (`a.f`, `p->f`), an element (`a[i]`) or `*p`
            3:5: invalid left-hand side of assignment
              ^ 3:5 cannot assign to this expression
              help: assign to a variable, a field (`a.f`, `p->f`), an element (`a[i]`) or `*p`
            4:11: expected `;` or a newline, found `=`
              ^ 4:11 expected the statement to end here
        "#]],
    );
}

#[test]
fn conditions_need_parentheses() {
    check_with_tree(
        "fn f() {
    if x > 0 { y = 1 }
    while x { }
    for i in 0..3 { }
    if (x = 1) { }
    if (y) return
}",
        expect![[r#"
            (fn f ()
              (if (> x 0)
                (then
                  (= y 1)))
              (while x)
              (for (i (range 0 3)))
              (if x
                (then))
              (if y
                (then)))
            2:8: expected `(` after `if`
              ^ 2:8 expected `(`
              help: the condition is written in parentheses: `if (condition) { ... }`
            3:11: expected `(` after `while`
              ^ 3:11 expected `(`
              help: the condition is written in parentheses: `while (condition) { ... }`
            4:9: expected `(` after `for`
              ^ 4:9 expected `(`
              help: the condition is written in parentheses: `for (condition) { ... }`
            5:11: expected `)`, found `=`
              ^ 5:11 assignment is not allowed in a condition
              help: to compare, use `==`; to bind a value, write `if (var name = value)`
            6:12: expected `{`, found keyword `return`
              ^ 6:12 expected `{`
              help: a body is always a block in braces, even for one statement
        "#]],
    );
}

/// Tokens left over after a complete condition are an error, never
/// skipped: `if (x y > 100)` once compiled to `if (x)`.
#[test]
fn leftover_tokens_in_conditions_are_reported() {
    check(
        "fn f() {
    if (x y > 100) { }
    if (verdict  0) { }
    while (a b) { }
    match (k 1) { _: 0 }
    for (i in 0..n m) { }
    if (a) { } else if (b c) { }
    if (var v = m[k] q) { }
}",
        expect![[r#"
            2:11: expected `)` after the condition, found identifier `y`
              ^ 2:11 the condition ends before this
              - 2:8 condition opened here
              help: a condition is one expression: is an operator missing?
            3:18: expected `)` after the condition, found integer literal `0`
              ^ 3:18 the condition ends before this
              - 3:8 condition opened here
              help: a condition is one expression: is an operator missing?
            4:14: expected `)` after the condition, found identifier `b`
              ^ 4:14 the condition ends before this
              - 4:11 condition opened here
              help: a condition is one expression: is an operator missing?
            5:14: expected `)` after the condition, found integer literal `1`
              ^ 5:14 the condition ends before this
              - 5:11 condition opened here
              help: a condition is one expression: is an operator missing?
            6:20: expected `)` after the condition, found identifier `m`
              ^ 6:20 the condition ends before this
              - 6:9 condition opened here
              help: a condition is one expression: is an operator missing?
            7:27: expected `)` after the condition, found identifier `c`
              ^ 7:27 the condition ends before this
              - 7:24 condition opened here
              help: a condition is one expression: is an operator missing?
            8:22: expected `)` after the condition, found identifier `q`
              ^ 8:22 the condition ends before this
              - 8:8 condition opened here
              help: a condition is one expression: is an operator missing?
        "#]],
    );
}

#[test]
fn item_level_errors() {
    check(
        "}
42
@xdp enum E { A }
pin fn f() {}
pin pin var x: u32
local struct S { a: u32 }
@flags(a) const C = 1
fn type() {}
var : u32
import x \"y\"
include y
",
        expect![[r#"
            1:1: unexpected closing delimiter `}`
              ^ 1:1 no matching opening delimiter
            2:1: expected an item, found integer literal `42`
              ^ 2:1 expected an item
              help: the top level holds `fn`, `var`, `const`, `config`, `struct`, `enum`, `type`, `impl`, `extern`, `include` and `import` declarations
            3:1: attributes are not allowed on an enum
              ^ 3:1 this attribute has no effect here
            4:1: `pin` is not allowed on a function
              ^ 4:1 `pin` only applies to global `var` declarations
            5:5: `pin` written twice
              ^ 5:5 repeated here
            6:1: `local` is not allowed on a struct
              ^ 6:1 `local` only applies to global `var` declarations
            7:1: attributes are not allowed on a `const`
              ^ 7:1 this attribute has no effect here
            8:4: expected an identifier, found keyword `type`
              ^ 8:4 expected an identifier
              help: this word is reserved; choose another name
            9:5: expected an identifier, found `:`
              ^ 9:5 expected an identifier
            10:10: expected `from`, found string literal `"y"`
              ^ 10:10 expected `from`
            11:9: expected a string literal, found identifier `y`
              ^ 11:9 expected a string literal
        "#]],
    );
}

#[test]
fn missing_commas_and_separators() {
    check_with_tree(
        "struct S {
    a: u32
    b: u32
}
config c { x: u32 = 1 y: u32 }
fn f() {
    var p = S { a: 1 b: 2 }
    g(1 2)
    var m = match (x) {
        1: a
        2: b,
        default: c d
    }
}",
        expect![[r#"
            (struct S
              (a u32)
              (b u32))
            (config c
              (field x u32 = 1))
            (fn f ()
              (var p = (struct S (a 1)))
              (call g 1)
              (var m =
                (match x
                  (arm 1 a)
                  (arm 2 b)
                  (arm default c))))
            2:11: expected `,`, found identifier `b`
              ^ 2:11 expected `,`
              help: separate the entries with `,`
            5:23: expected `,` or `}`, found identifier `y`
              ^ 5:23 expected `,` or `}`
            7:22: expected `,` or `}`, found identifier `b`
              ^ 7:22 expected `,` or `}`
            8:9: expected `,` or `)`, found integer literal `2`
              ^ 8:9 expected `,` or `)`
            10:13: expected `,`, found integer literal `2`
              ^ 10:13 expected `,`
              help: separate the entries with `,`
            12:20: expected `,` or `}`, found identifier `d`
              ^ 12:20 expected `,` or `}`
              help: separate match arms with `,`
        "#]],
    );
}

#[test]
fn type_errors() {
    check(
        "var a: = 1
var b: hash<u32, u64(10)
var c: fn(u32
var d: str(
type E = [u8; 4
fn f(x: 3, y: u32) {}",
        expect![[r#"
            1:8: expected a type, found `=`
              ^ 1:8 expected a type
              help: types are written `u32`, `bool`, `str(N)`, `*T`, `T[N]`, `fn(T) -> R` or a declared name
            2:21: expected `,` or `>`, found `(`
              ^ 2:21 expected `,` or `>`
            3:14: expected `)`, found keyword `var`
              ^ 3:14 expected `)`
              - 3:10 unclosed delimiter opened here
            4:12: expected an expression, found keyword `type`
              ^ 4:12 expected an expression
            5:16: expected `]`, found keyword `fn`
              ^ 5:16 expected `]`
              - 5:10 unclosed delimiter opened here
            6:9: expected a type, found integer literal `3`
              ^ 6:9 expected a type
              help: types are written `u32`, `bool`, `str(N)`, `*T`, `T[N]`, `fn(T) -> R` or a declared name
        "#]],
    );
}

#[test]
fn expression_errors() {
    check(
        "fn f() {
    var a = (1 + )
    var b = [1, 2; 3]
    var c = [0; 256]
    var d = f(,)
    var e = x.
    var g = new T(1, 2)
    var h = sizeof u32
    var i = 1 ? 2 : 3
    for (i, j in 0..3) {}
}",
        expect![[r#"
            2:18: expected an expression, found `)`
              ^ 2:18 expected an expression
            3:18: `[value; count]` array expressions are not supported
              ^ 3:18 not supported
              help: write the elements out, as in `[v, v, v, v]`; a shorter list leaves the rest zero (`[7]` for a `u32[4]` is `7, 0, 0, 0`)
            4:15: `[value; count]` array expressions are not supported
              ^ 4:15 not supported
              help: write the elements out, as in `[v, v, v, v]`; a shorter list leaves the rest zero (`[7]` for a `u32[4]` is `7, 0, 0, 0`)
            5:15: expected an expression, found `,`
              ^ 5:15 expected an expression
            6:15: expected an identifier, found keyword `var`
              ^ 6:15 expected an identifier
            7:22: `new` takes at most one argument
              ^ 7:22 unexpected argument
              help: the optional argument is the allocation flag, as in `new T(GFP_ATOMIC)`
            8:20: expected `(`, found identifier `u32`
              ^ 8:20 expected `(`
            9:15: unknown character `?`
              ^ 9:15 not part of the language
              help: there is no `?:` operator; use `if`/`else` or `match`
            10:13: a range loop binds one name
              ^ 10:13 second name here
              help: write `for (i in start..end)`, or `for (key, value) in map` to iterate a map
        "#]],
    );
}

#[test]
fn lexical_errors() {
    check(
        r#"var a = 99999999999999999999
var b = 0x
var c = 0b102
var d = 12abc
var e = 'ab'
var f = ''
var g = 'é'
var h = "bad \q escape"
var i = "\x80"
var j = "\xZZ"
var k = $ + 1
var l = 'x
var m = 1 # comment
var n = 0o777
/* never closed"#,
        expect![[r#"
            1:9: integer literal is too large
              ^ 1:9 does not fit in 64 bits
              note: the largest integer literal is 18446744073709551615 (0xffffffffffffffff)
            2:9: missing digits after the integer prefix `0x`
              ^ 2:9 no digits
            3:9: invalid digit `2` in binary literal
              ^ 3:9 `2` is not a binary digit
            4:9: invalid suffix `abc` on integer literal
              ^ 4:9 integer literals take no suffix
              help: to convert a value, write `value as u64`
            5:9: character literal may only contain one character
              ^ 5:9 more than one character
              help: use double quotes for a string: "..."
            6:9: empty character literal
              ^ 6:9 a character literal holds exactly one character
            7:10: non-ASCII character `é` in character literal
              ^ 7:10 a character literal holds one byte
              help: write the byte with an escape such as `\xe9`
            8:14: unknown character escape `\q`
              ^ 8:14 unknown escape
              help: valid escapes are `\n`, `\t`, `\r`, `\\`, `\'`, `\"`, `\0` and `\xHH`
            9:10: out of range hex escape in string literal
              ^ 9:10 must be at most `\x7f`
              help: strings hold ASCII and UTF-8 text; character literals accept `\x80` to `\xff`
            10:10: invalid `\x` escape
              ^ 10:10 expected two hexadecimal digits
              help: valid escapes are `\n`, `\t`, `\r`, `\\`, `\'`, `\"`, `\0` and `\xHH`
            11:9: unknown character `$`
              ^ 11:9 not part of the language
            12:9: unterminated character literal
              ^ 12:9 missing closing `'`
            13:11: unknown character `#`
              ^ 13:11 not part of the language
              help: there is no preprocessor; use `include "file.kh"` and `const`
            15:1: unterminated block comment
              ^ 15:1 this comment is never closed
              help: close it with `*/`
        "#]],
    );
}

#[test]
fn unterminated_string_recovers_at_end_of_line() {
    check_with_tree(
        "fn f() {
    print(\"oops)
    var fine = 1
}",
        expect![[r#"
            (fn f ()
              (call print "oops)")
              (var fine = 1))
            2:11: unterminated string literal
              ^ 2:11 missing closing `"` on this line
              help: strings cannot span lines; use `\n` for a newline
        "#]],
    );
}

#[test]
fn struct_literal_is_not_read_before_a_for_body() {
    check_with_tree(
        "fn f() {
    for (k, v) in m { x: 1 }
}",
        expect![[r#"
            (fn f ()
              (for-each (in (k v) m)
                x))
            2:24: expected `;` or a newline, found `:`
              ^ 2:24 expected the statement to end here
        "#]],
    );
}

#[test]
fn keywords_are_not_names() {
    check(
        "fn f(in: u32) {
    var match = 1
    var ok = s.type + p->in
}",
        expect![[r#"
            1:6: expected an identifier, found keyword `in`
              ^ 1:6 expected an identifier
              help: this word is reserved; choose another name
            2:9: expected an identifier, found keyword `match`
              ^ 2:9 expected an identifier
              help: this word is reserved; choose another name
        "#]],
    );
}

#[test]
fn indented_items_in_a_block_are_misplaced_not_unclosing() {
    check_with_tree(
        "fn f() {
    type T = u32
    struct S {
        a: u32,
    }
    var ok = 1
}
",
        expect![[r#"
            (fn f ()
              <error>
              <error>
              (var ok = 1))
            2:5: `type` is only allowed at the top level
              ^ 2:5 not allowed inside a function body
            3:5: `struct` is only allowed at the top level
              ^ 3:5 not allowed inside a function body
        "#]],
    );
}
