//! The parser never panics, hangs or overflows the stack, whatever the input.
//!
//! Deep nesting (100,000 levels of every nesting construct), long operator
//! chains, huge literals, unterminated strings and comments, every prefix
//! of a realistic program, random bytes and random token soups from a
//! small deterministic xorshift generator (no extra dependency; the seed is
//! fixed so a failure reproduces). Each input is parsed on a thread with a
//! 2 MiB stack, like cargo's test threads, and then dumped (the dump
//! recurses over the tree, so it also proves the tree's depth is bounded).
//! Every diagnostic must point inside the text, on character boundaries.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read their data files

use std::time::{Duration, Instant};

use kernelscript::span::FileId;
use kernelscript::syntax::{dump::dump, parse};

const STACK_SIZE: usize = 2 << 20;

/// Parses and dumps `text`, checks the diagnostics' spans, and returns the
/// diagnostic messages.
fn parse_checked(text: &str) -> Vec<String> {
    let (file, diagnostics) = parse(FileId(0), text);
    let _ = dump(&file);
    let mut messages = Vec::new();
    for diagnostic in diagnostics.iter() {
        for label in &diagnostic.labels {
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            assert!(
                start <= end && end <= text.len(),
                "span {start}..{end} outside text of {} bytes: {}",
                text.len(),
                diagnostic.message
            );
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "span {start}..{end} not on char boundaries: {}",
                diagnostic.message
            );
        }
        assert!(!diagnostic.message.is_empty());
        messages.push(diagnostic.message.clone());
    }
    messages
}

/// Runs `test` on a thread with a 2 MiB stack and fails if it takes longer
/// than `limit`.
fn on_small_stack(limit: Duration, test: impl FnOnce() + Send + 'static) {
    let start = Instant::now();
    std::thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(test)
        .expect("spawn test thread")
        .join()
        .expect("parser thread panicked");
    let elapsed = start.elapsed();
    assert!(elapsed < limit, "took {elapsed:?}");
}

fn repeat(piece: &str, count: usize) -> String {
    piece.repeat(count)
}

const DEEP: usize = 100_000;

/// Inputs nesting some construct 100,000 levels deep, with and without
/// the closing halves.
fn deep_inputs() -> Vec<(String, String)> {
    let in_body = |inner: String| format!("fn f() {{\n    x = {inner}\n}}\n");
    let mut inputs = vec![
        ("open parens".into(), in_body(repeat("(", DEEP))),
        (
            "balanced parens".into(),
            in_body(format!("{}1{}", repeat("(", DEEP), repeat(")", DEEP))),
        ),
        ("open brackets".into(), in_body(repeat("[", DEEP))),
        (
            "balanced brackets".into(),
            in_body(format!("{}1{}", repeat("[", DEEP), repeat("]", DEEP))),
        ),
        ("minus".into(), in_body(repeat("-", DEEP) + "1")),
        ("stars".into(), in_body(repeat("*", DEEP) + "p")),
        (
            "bangs and tildes".into(),
            in_body(repeat("!~&", DEEP / 3) + "p"),
        ),
        ("open braces at top level".into(), repeat("{", DEEP)),
        (
            "open braces in a body".into(),
            format!("fn f() {}", repeat("{", DEEP)),
        ),
        (
            "balanced braces in a body".into(),
            format!("fn f() {}{}", repeat("{", DEEP), repeat("}", DEEP)),
        ),
        (
            "pointer types".into(),
            format!("var x: {}u8\n", repeat("*", DEEP)),
        ),
        (
            "array types".into(),
            format!("type T = {}u8\n", repeat("[", DEEP)),
        ),
        (
            "array suffixes".into(),
            format!("type T = u8{}\n", repeat("[1]", DEEP)),
        ),
        (
            "generic types".into(),
            format!("var m: {}u8\n", repeat("hash<", DEEP)),
        ),
        (
            "function types".into(),
            format!("type F = {}u8\n", repeat("fn(", DEEP)),
        ),
        ("binary chain".into(), in_body(repeat("a + ", DEEP) + "a")),
        ("nested calls".into(), in_body(repeat("f(", DEEP))),
        (
            "field chain".into(),
            in_body(String::from("a") + &repeat(".b", DEEP)),
        ),
        (
            "call chain".into(),
            in_body(String::from("f") + &repeat("()", DEEP)),
        ),
        (
            "index chain".into(),
            in_body(String::from("a") + &repeat("[0]", DEEP)),
        ),
        (
            "cast chain".into(),
            in_body(String::from("a") + &repeat(" as u8", DEEP)),
        ),
        (
            "else-if chain".into(),
            format!(
                "fn f() {{\n if (a) {{}}{}\n}}\n",
                repeat(" else if (a) {}", DEEP)
            ),
        ),
        (
            "nested matches".into(),
            in_body(repeat("match (x) { 1: ", DEEP) + "2"),
        ),
        (
            "nested struct literals".into(),
            in_body(repeat("S { f: ", DEEP) + "1"),
        ),
        (
            "attribute args".into(),
            format!("@a{}\nfn f() {{}}", repeat("(", DEEP)),
        ),
    ];
    // Parentheses each holding a long chain whose first operand is the
    // next parenthesis: tree height grows with the product of the two.
    let mut quadratic = String::new();
    for _ in 0..300 {
        quadratic.push('(');
    }
    quadratic.push('1');
    for _ in 0..300 {
        quadratic.push_str(&repeat(" + 1", 300));
        quadratic.push(')');
    }
    inputs.push(("parenthesized chains".into(), in_body(quadratic)));
    let mut match_blocks = String::new();
    for _ in 0..300 {
        match_blocks.push_str("match (x) { 1: { ");
    }
    match_blocks.push_str(&repeat("} } + 1 ", 300));
    inputs.push(("chains over match blocks".into(), in_body(match_blocks)));
    inputs
}

#[test]
fn deep_nesting_reports_once_and_returns() {
    for (name, text) in deep_inputs() {
        on_small_stack(Duration::from_secs(20), move || {
            let messages = parse_checked(&text);
            eprintln!("{name}: {messages:?}");
            let too_deep = messages.iter().filter(|m| *m == "nesting too deep").count();
            let flat = name.contains("top level");
            assert!(
                flat || too_deep >= 1,
                "{name}: expected a nesting error, got {messages:?}"
            );
            assert!(
                messages.len() <= 6,
                "{name}: {} diagnostics, first {:?}",
                messages.len(),
                &messages[..6]
            );
        });
    }
}

#[test]
fn moderate_nesting_is_accepted() {
    let text = format!(
        "fn f() {{\n x = {}1{}\n var t: {}u8 = 0\n {}{}\n}}\n",
        repeat("(", 100),
        repeat(")", 100),
        repeat("*", 100),
        repeat("{", 100),
        repeat("}", 100),
    );
    on_small_stack(Duration::from_secs(10), move || {
        assert_eq!(parse_checked(&text), Vec::<String>::new());
    });
}

#[test]
fn huge_literals_and_unterminated_input() {
    let inputs = [
        format!("var x = {}\n", repeat("9", 10_000)),
        format!("var x = 0x{}\n", repeat("f", 10_000)),
        format!("var s = \"{}\"\n", repeat("a", 1_000_000)),
        format!("var s = \"{}", repeat("\\x41", 10_000)),
        "var s = \"unterminated\nvar t = 1".into(),
        "var c = 'x\nvar d = 'xy'\nvar e = ''".into(),
        "fn f() { /* never closed ".into(),
        format!("{}x", repeat("/* a */", 10_000)),
        "var x = '\\".into(),
        "var x = \"\\".into(),
        "var x = 0x".into(),
        "@".into(),
        "fn".into(),
        "\u{0}\u{1}\u{7f}\u{feff}é✅".into(),
    ];
    for text in inputs {
        on_small_stack(Duration::from_secs(10), move || {
            parse_checked(&text);
        });
    }
}

/// A program touching most of the grammar; every prefix must parse.
const PROGRAM: &str = r#"include "xdp.kh"
config cfg { limit: u32 = 10, on: bool = true, }
pin @flags(no_prealloc | numa_node(1)) var stats : hash<u32, Stats>(64)
struct Stats { hits: u64, name: str(16), raw: u8[4], }
enum Kind { A = 1, B = -1 }
const LIMIT: u32 = 1 << 4
extern helper(p: *u8, n: u32) -> i32
@struct_ops("ops") impl my_ops { fn init() -> i32 { return 0 } name: "x", }
@xdp fn prog(ctx: *xdp_md) -> action: xdp_action {
    var key = ctx->ingress_ifindex & 0xff; var y = key | 3
    if (var s = stats[key]) { s.hits += 1 } else if (key > 2) { stats[key] = Stats { hits: 1, name: "n", raw: [1, 2] } } else {}
    for (i in 0..LIMIT - 1) { if (i % 2 == 0) { continue } break }
    for (k, v) in stats { print("%d", k) }
    while (y < 10) { y = y * 2 + (y >> 1) as u32 }
    try { throw 2 } catch 2 { defer cleanup() } catch _ {}
    var p = new Stats(); delete p; delete stats[key]
    var r = match (key) { 1: 'a', default: { sizeof(Stats) } }
    *(&y) = -~y
    action = XDP_PASS
    return
}
"#;

#[test]
fn every_prefix_of_a_program_parses() {
    on_small_stack(Duration::from_secs(30), || {
        assert_eq!(parse_checked(PROGRAM), Vec::<String>::new());
        for (end, _) in PROGRAM.char_indices() {
            parse_checked(&PROGRAM[..end]);
            // Also with the rest of the program after a cut-out piece.
            parse_checked(&format!("{}{}", &PROGRAM[..end / 2], &PROGRAM[end..]));
        }
    });
}

/// xorshift64*: small, deterministic, good enough to shake a parser.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

#[test]
fn random_bytes_never_break_the_parser() {
    on_small_stack(Duration::from_secs(60), || {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3_000 {
            let len = rng.below(200);
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            parse_checked(&String::from_utf8_lossy(&bytes));
            // Mostly ASCII punctuation and letters, the interesting part.
            let ascii: String = (0..len)
                .map(|_| (b' ' + rng.below(95) as u8) as char)
                .collect();
            parse_checked(&ascii);
        }
    });
}

const TOKENS: &[&str] = &[
    "fn", "extern", "include", "import", "from", "pin", "type", "struct", "enum", "impl", "if",
    "else", "for", "while", "return", "break", "continue", "var", "const", "config", "local", "in",
    "new", "delete", "try", "catch", "throw", "defer", "match", "default", "true", "false", "null",
    "as", "sizeof", "x", "_", "u32", "str", "hash", "1", "0x10", "\"s\"", "'c'", "(", ")", "{",
    "}", "[", "]", ",", ";", ":", ".", "..", "->", "@", "+", "-", "*", "/", "%", "&", "|", "^",
    "~", "!", "=", "==", "!=", "<", "<=", ">", ">=", "<<", ">>", "&&", "||", "+=", ">>=", "\n",
    "\n", "\n", "?", "#", "/*", "*/", "//",
];

#[test]
fn random_token_soups_never_break_the_parser() {
    on_small_stack(Duration::from_secs(60), || {
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        for _ in 0..5_000 {
            let count = rng.below(120);
            let mut text = String::new();
            for _ in 0..count {
                text.push_str(TOKENS[rng.below(TOKENS.len())]);
                text.push(' ');
            }
            parse_checked(&text);
        }
        // Mutations of the realistic program: delete, duplicate or swap a slice.
        let program: Vec<char> = PROGRAM.chars().collect();
        for _ in 0..3_000 {
            let a = rng.below(program.len());
            let b = (a + rng.below(40)).min(program.len());
            let mutated: String = match rng.below(3) {
                0 => program[..a].iter().chain(&program[b..]).collect(),
                1 => program[..b].iter().chain(&program[a..]).collect(),
                _ => {
                    let token = TOKENS[rng.below(TOKENS.len())];
                    let mut text: String = program[..a].iter().collect();
                    text.push_str(token);
                    text.extend(&program[a..]);
                    text
                }
            };
            parse_checked(&mutated);
        }
    });
}
