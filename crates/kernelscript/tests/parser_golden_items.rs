//! Golden tests of the parser for declarations and types, checked against
//! the S-expression dump of the tree (`syntax::dump`), and a check that
//! spans cover exactly the text they stand for. Snippets that parse must
//! produce no diagnostics; any diagnostic is printed after the tree.
//! Bless with `UPDATE_EXPECT=1 cargo test -p kernelscript --test parser_golden_items`.

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

#[test]
fn types() {
    check(
        "type A = str(16)
type B = u8[4]
type C = [u8; 4]
type D = [u8 4]
type E = *u8[4]
type F = **T
type G = fn(i32, b: u32) -> u64
type H = fn()
type I = hash<u32, array<u32, u8>>(10)
type J = u8[2][3]
type K = *[u8; 4]
type L = fn(*u8, u32) -> hash: u64
var rb : ringbuf<Event>(4096)
var x: hash<u32, u64>",
        expect![[r#"
            (type A (str 16))
            (type B (arr u8 4))
            (type C (arr u8 4))
            (type D (arr u8 4))
            (type E (arr (ptr u8) 4))
            (type F (ptr (ptr T)))
            (type G (fn (i32 u32) u64))
            (type H (fn ()))
            (type I (generic hash u32 (generic array u32 u8) (size 10)))
            (type J (arr (arr u8 2) 3))
            (type K (ptr (arr u8 4)))
            (type L (fn ((ptr u8) u32) u64))
            (global rb : (generic ringbuf Event (size 4096)))
            (global x : (generic hash u32 u64))
        "#]],
    );
}

#[test]
fn top_level_items() {
    check(
        r#"include "xdp.kh"
import utils from "./utils.ks"
config network {
    enable: bool = false,
    limit: u32,
    offset: i32 = -1,
    ports: u16[4] = [22, 23, 135, 445],
}
var counter: u64 = 0
local var secret: u64 = 0xdeadbeef
pin var persisted: u32 = 1
pin local var rejected_by_checker: u32
const MAX = 100
pin var m1 : hash<u32, u64>(1024)
@flags(rdonly) pin var m2 : lru_hash<u32, Stats>(16)
pin @flags(no_prealloc | numa_node(3)) var m3 : percpu_hash<u32, u64>(8)
@struct_ops("tcp_congestion_ops")
struct ops {
    ssthresh: *u8,
    type: u32
}
enum E { A = 1, B = -2, C, }
type Handler = fn(*xdp_md) -> xdp_action
extern bpf_ktime_get_ns() -> u64
extern consume(p: *u8, n: u32)
@xdp fn prog(ctx: *xdp_md) -> xdp_action { return XDP_PASS }
@tc("ingress")
@helper
fn named(a: i32, b: i32,) -> sum: i32 {
    sum = a + b
    return
}
fn no_return() {}
@struct_ops("sched_ext_ops")
impl sched {
    fn init() -> i32 { return 0 }
    @helper fn exit(info: *u8) -> void {}
    name: "simple",
    timeout_ms: 0,
}"#,
        expect![[r#"
            (include "xdp.kh")
            (import utils "./utils.ks")
            (config network
              (field enable bool = false)
              (field limit u32)
              (field offset i32 = (neg 1))
              (field ports (arr u16 4) = (array 22 23 135 445)))
            (global counter : u64 = 0)
            (global local secret : u64 = 3735928559)
            (global pin persisted : u32 = 1)
            (global pin local rejected_by_checker : u32)
            (const MAX = 100)
            (global pin m1 : (generic hash u32 u64 (size 1024)))
            (global (@flags rdonly) pin m2 : (generic lru_hash u32 Stats (size 16)))
            (global (@flags (| no_prealloc (call numa_node 3))) pin m3 : (generic percpu_hash u32 u64 (size 8)))
            (struct ops (@struct_ops "tcp_congestion_ops")
              (ssthresh (ptr u8))
              (type u32))
            (enum E
              (A 1)
              (B (neg 2))
              C)
            (type Handler (fn ((ptr xdp_md)) xdp_action))
            (extern bpf_ktime_get_ns () (-> u64))
            (extern consume ((p (ptr u8)) (n u32)))
            (fn prog @xdp ((ctx (ptr xdp_md))) (-> xdp_action)
              (return XDP_PASS))
            (fn named (@tc "ingress") @helper ((a i32) (b i32)) (-> sum i32)
              (= sum (+ a b))
              (return))
            (fn no_return ())
            (impl sched (@struct_ops "sched_ext_ops")
              (fn init () (-> i32)
                (return 0))
              (fn exit @helper ((info (ptr u8))) (-> void))
              (field name "simple")
              (field timeout_ms 0))
        "#]],
    );
}

/// The source text under `span`.
fn slice(text: &str, span: kernelscript::span::Span) -> &str {
    &text[span.start as usize..span.end as usize]
}

#[test]
fn spans_cover_exactly_the_written_text() {
    use kernelscript::syntax::ast::{ExprKind, ItemKind, StmtKind};
    let text = "@xdp fn f(ctx: *xdp_md) -> u32 {
    var y = x & 3 // comment
    m[k].f += (a + b) * c
    if (var v = m[k]) { return v } else { return 0 }
}
var g : hash<u32, u64>(16)
";
    let (file, diagnostics) = parse(FileId(0), text);
    assert!(diagnostics.is_empty());
    let mut out = String::new();
    for item in &file.items {
        out.push_str(&format!("item: {}\n", slice(text, item.span)));
        if let ItemKind::Function(function) = &item.kind {
            for param in &function.params {
                out.push_str(&format!("param type: {}\n", slice(text, param.ty.span)));
            }
            for stmt in &function.body.stmts {
                out.push_str(&format!("stmt: {}\n", slice(text, stmt.span)));
                match &stmt.kind {
                    StmtKind::Var {
                        init: Some(init), ..
                    } => {
                        out.push_str(&format!("  init: {}\n", slice(text, init.span)));
                    }
                    StmtKind::Assign { target, value, .. } => {
                        out.push_str(&format!("  target: {}\n", slice(text, target.span)));
                        out.push_str(&format!("  value: {}\n", slice(text, value.span)));
                        if let ExprKind::Binary { lhs, .. } = &value.kind {
                            out.push_str(&format!("  lhs: {}\n", slice(text, lhs.span)));
                        }
                    }
                    StmtKind::If {
                        else_branch: Some(else_branch),
                        ..
                    } => {
                        out.push_str(&format!("  else: {}\n", slice(text, else_branch.span)));
                    }
                    _ => {}
                }
            }
        }
        if let ItemKind::GlobalVar(var) = &item.kind {
            let ty = var.ty.as_ref().expect("typed");
            out.push_str(&format!("type: {}\n", slice(text, ty.span)));
        }
    }
    expect![[r#"
        item: @xdp fn f(ctx: *xdp_md) -> u32 {
            var y = x & 3 // comment
            m[k].f += (a + b) * c
            if (var v = m[k]) { return v } else { return 0 }
        }
        param type: *xdp_md
        stmt: var y = x & 3
          init: x & 3
        stmt: m[k].f += (a + b) * c
          target: m[k].f
          value: (a + b) * c
          lhs: (a + b)
        stmt: if (var v = m[k]) { return v } else { return 0 }
          else: { return 0 }
        item: var g : hash<u32, u64>(16)
        type: hash<u32, u64>(16)
    "#]]
    .assert_eq(&out);
}
