//! Golden tests of the parser for statements and expressions:
//! representative snippets of every form, checked against the S-expression
//! dump of the tree (`syntax::dump`); declarations and types are in
//! `parser_golden_items.rs`. Snippets that parse must produce no
//! diagnostics; any diagnostic is printed after the tree.
//! Bless with `UPDATE_EXPECT=1 cargo test -p kernelscript --test parser_golden`.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read their data files

use expect_test::{expect, Expect};
use kernelscript::span::{FileId, LineIndex};
use kernelscript::syntax::{dump::dump, parse};

fn check(text: &str, expected: Expect) {
    let (file, diagnostics) = parse(FileId(0), text);
    let mut out = dump(&file);
    let lines = LineIndex::new(text);
    for diagnostic in diagnostics.iter() {
        let (line, column) = diagnostic
            .primary_span()
            .map_or((0, 0), |span| lines.line_col(span.start));
        out.push_str(&format!("error {line}:{column}: {}\n", diagnostic.message));
    }
    expected.assert_eq(&out);
}

/// Checks the body of a function `f` written around `body`.
fn check_body(body: &str, expected: Expect) {
    check(&format!("fn f() {{\n{body}\n}}\n"), expected);
}

#[test]
fn binary_precedence_follows_c() {
    check_body(
        "var a = 1 + 2 * 3 - 4 / 5 % 6
var b = a | b ^ c & d == e < f << g + h * i
var c = a || b && c || !d
var d = a == b != c
var e = a < b && b <= c || c > d && d >= e
var f = -a * ~b - *p + &q",
        expect![[r#"
            (fn f ()
              (var a = (- (+ 1 (* 2 3)) (% (/ 4 5) 6)))
              (var b = (| a (^ b (& c (== d (< e (<< f (+ g (* h i)))))))))
              (var c = (|| (|| a (&& b c)) (not d)))
              (var d = (!= (== a b) c))
              (var e = (|| (&& (< a b) (<= b c)) (&& (> c d) (>= d e))))
              (var f = (+ (- (* (neg a) (bitnot b)) (deref p)) (addr q))))
        "#]],
    );
}

#[test]
fn bitwise_operators_stay_in_one_statement() {
    // The reference grammar splits these into `var y = x` and `&3`.
    check_body(
        "var y = x & 3
var z = a | b
var w = x ^ 0xff
y = z & ~w",
        expect![[r#"
            (fn f ()
              (var y = (& x 3))
              (var z = (| a b))
              (var w = (^ x 255))
              (= y (& z (bitnot w))))
        "#]],
    );
}

#[test]
fn casts_bind_tighter_than_binary_and_looser_than_prefix() {
    check_body(
        "var a = -x as u32
var b = a * b as u64
var c = x as u32 < y
var d = (pid >> 32) as u32
var e = p as *u8
var f = x as u8 as u64",
        expect![[r#"
            (fn f ()
              (var a = (as (neg x) u32))
              (var b = (* a (as b u64)))
              (var c = (< (as x u32) y))
              (var d = (as (>> pid 32) u32))
              (var e = (as p (ptr u8)))
              (var f = (as (as x u8) u64)))
        "#]],
    );
}

#[test]
fn prefix_operators_apply_after_postfix() {
    check_body(
        "var a = *ctx->data
var b = &arr[1]
var c = -f(x).y
var d = !*p
var e = m[k].field->next(1, 2)[0]",
        expect![[r#"
            (fn f ()
              (var a = (deref (-> ctx data)))
              (var b = (addr (index arr 1)))
              (var c = (neg (. (call f x) y)))
              (var d = (not (deref p)))
              (var e = (index (call (-> (. (index m k) field) next) 1 2) 0)))
        "#]],
    );
}

#[test]
fn newlines_end_statements_before_operators() {
    check_body(
        "x = a
*p = 3
y = b
-y
var q = a +
    b
var r = obj
    .field
    ->next
var s = f(a,
    b)
var t = x
(y)",
        expect![[r#"
            (fn f ()
              (= x a)
              (= (deref p) 3)
              (= y b)
              (neg y)
              (var q = (+ a b))
              (var r = (-> (. obj field) next))
              (var s = (call f a b))
              (var t = x)
              y)
        "#]],
    );
}

#[test]
fn semicolons_separate_statements_on_one_line() {
    check_body(
        "var a = 1; var b = 2;; a += b; if (a) { b = 1 } c = 2",
        expect![[r#"
            (fn f ()
              (var a = 1)
              (var b = 2)
              (+= a b)
              (if a
                (then
                  (= b 1)))
              (= c 2))
        "#]],
    );
}

#[test]
fn assignments_to_places() {
    check_body(
        "x = 1
s.f += 2
p->g -= 3
m[k] *= 4
*p /= 5
a[i].f %= 6
x &= 1
x |= 2
x ^= 3
x <<= 4
x >>= 5",
        expect![[r#"
            (fn f ()
              (= x 1)
              (+= (. s f) 2)
              (-= (-> p g) 3)
              (*= (index m k) 4)
              (/= (deref p) 5)
              (%= (. (index a i) f) 6)
              (&= x 1)
              (|= x 2)
              (^= x 3)
              (<<= x 4)
              (>>= x 5))
        "#]],
    );
}

#[test]
fn literals() {
    check_body(
        r#"var a = [10, 0x1F, 0o17, 0b101, 18446744073709551615]
var b = ['a', '\n', '\t', '\r', '\\', '\'', '"', '\0', '\x7f', '\xff']
var c = "tab\there \"quoted\" \x41 \\ \0 ✅"
var d = [true, false, null]
var e = []"#,
        expect![[r#"
            (fn f ()
              (var a = (array 10 31 15 5 18446744073709551615))
              (var b = (array 'a' '\n' '\t' '\r' '\\' '\'' '\"' '\x00' '\x7f' '\xff'))
              (var c = "tab\there \"quoted\" A \\ \0 ✅")
              (var d = (array true false null))
              (var e = (array)))
        "#]],
    );
}

#[test]
fn comments_are_trivia_and_block_comments_can_end_lines() {
    check(
        "// line comment
fn f() { // after brace
    var a = 1 /* inline */ + 2
    var b = a /* spans
    lines */ var c = b
}",
        expect![[r#"
            (fn f ()
              (var a = (+ 1 2))
              (var b = a)
              (var c = b))
        "#]],
    );
}

#[test]
fn struct_array_new_sizeof_and_delete() {
    check_body(
        "var p = Point { x: 1, y: f(2), }
var e = Empty {}
var n = new ConnStats()
var g = new TestData(GFP_ATOMIC)
var s = sizeof(EthHeader) + sizeof(u32[4])
delete m[k]
delete n
var k = Key { type: 1, in: 2 }",
        expect![[r#"
            (fn f ()
              (var p = (struct Point (x 1) (y (call f 2))))
              (var e = (struct Empty))
              (var n = (new ConnStats))
              (var g = (new TestData GFP_ATOMIC))
              (var s = (+ (sizeof EthHeader) (sizeof (arr u32 4))))
              (delete (index m k))
              (delete n)
              (var k = (struct Key (type 1) (in 2))))
        "#]],
    );
}

#[test]
fn match_expressions_with_every_pattern_kind() {
    check_body(
        r#"var r = match (x) {
    1: a,
    -2: b,
    'c': c,
    "s": d,
    true: e,
    TCP: f(x),
    _: g,
    default: h
}
match (y) {
    HTTP: {
        print("web")
        XDP_PASS
    },
    default: { XDP_DROP }
}"#,
        expect![[r#"
            (fn f ()
              (var r =
                (match x
                  (arm 1 a)
                  (arm (neg 2) b)
                  (arm 'c' c)
                  (arm "s" d)
                  (arm true e)
                  (arm TCP (call f x))
                  (arm default g)
                  (arm default h)))
              (match y
                (arm HTTP
                  (block
                    (call print "web")
                    XDP_PASS))
                (arm default
                  (block
                    XDP_DROP))))
        "#]],
    );
}

#[test]
fn if_forms() {
    check_body(
        "if (a) { x = 1 } else if (b) { x = 2 } else { x = 3 }
if (var v = m[k]) {
    v.count += 1
} else {
    m[k] = 1
}
if (Point { x: 1, y: 2 }.x == 1) {}
if (a)
{
    b()
}
else
{
}",
        expect![[r#"
            (fn f ()
              (if a
                (then
                  (= x 1))
                (else
                  (if b
                    (then
                      (= x 2))
                    (else
                      (= x 3)))))
              (if (let v (index m k))
                (then
                  (+= (. v count) 1))
                (else
                  (= (index m k) 1)))
              (if (== (. (struct Point (x 1) (y 2)) x) 1)
                (then))
              (if a
                (then
                  (call b))
                (else)))
        "#]],
    );
}

#[test]
fn loops() {
    check_body(
        "for (i in 0..n) { continue }
for (i in start + 1..len / 2) { break }
for (k, v) in m { print(k, v) }
for (k, v in counters) {}
for (k in keys) {}
while (i < 10) { i += 1 }",
        expect![[r#"
            (fn f ()
              (for (i (range 0 n))
                (continue))
              (for (i (range (+ start 1) (/ len 2)))
                (break))
              (for-each (in (k v) m)
                (call print k v))
              (for-each (in (k v) counters))
              (for-each (in (k) keys))
              (while (< i 10)
                (+= i 1)))
        "#]],
    );
}

#[test]
fn struct_literals_are_not_read_before_a_block() {
    check_body(
        "for (k, v) in m {}
try { throw ERR } catch ERR {}
for (k, v) in (Pair { a: 1 }) {}",
        expect![[r#"
            (fn f ()
              (for-each (in (k v) m))
              (try
                (body
                  (throw ERR))
                (catch ERR))
              (for-each (in (k v) (struct Pair (a 1)))))
        "#]],
    );
}

#[test]
fn other_statements() {
    check_body(
        "var a: u32
var b: u64 = 1
var c = 2
const N = 5
const M: i32 = -1
return
}
fn g() -> u32 {
    defer cleanup(lock)
    try {
        throw 1
    } catch 1 {
        return 0
    }
    catch _ {
        return 1
    }
    {
        var inner = 1
    }
    return a + b",
        expect![[r#"
            (fn f ()
              (var a : u32)
              (var b : u64 = 1)
              (var c = 2)
              (const N = 5)
              (const M : i32 = (neg 1))
              (return))
            (fn g () (-> u32)
              (defer (call cleanup lock))
              (try
                (body
                  (throw 1))
                (catch 1
                  (return 0))
                (catch _
                  (return 1)))
              (block
                (var inner = 1))
              (return (+ a b)))
        "#]],
    );
}
