//! Machine-applicable fixes at the command line: `kernelscript fix FILE.ks`
//! rewrites the file with the unambiguous suggestions (casts, misspelt
//! names, `!= null`), leaves the rest, re-checks and exits by what remains;
//! `check --message-format json` prints one rustc-shaped JSON object per
//! diagnostic and line, with spans and suggestions. Runs the real binary
//! (the running kernel's BTF; nothing is loaded).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("ks-fixes-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn kernelscript(dir: &Path, args: &[&str]) -> Output {
    Command::new("timeout")
        .arg("30")
        .arg(env!("CARGO_BIN_EXE_kernelscript"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

const NEEDS_FIXES: &str = "\
const HEADER: u64 = 14

struct Seen { len: u32, total: u16 }

var seen : hash<u32, Seen>(4)

@helper
fn first(p: *u8) -> bool {
    return p && true
}

@xdp fn classify(ctx: *xdp_md) -> xdp_action {
    var length: i64 = ctx->data_end - ctx->data
    var wide: u64 = 3
    var s = Seen { len: length, totl: wide + 1 }
    seen[1] = s
    if (lenght > HEADER) {
        return XDP_DROP
    }
    return XDP_PASS
}
";

const FIXED: &str = "\
const HEADER: u64 = 14

struct Seen { len: u32, total: u16 }

var seen : hash<u32, Seen>(4)

@helper
fn first(p: *u8) -> bool {
    return (p != null) && true
}

@xdp fn classify(ctx: *xdp_md) -> xdp_action {
    var length: i64 = ctx->data_end - ctx->data
    var wide: u64 = 3
    var s = Seen { len: length as u32, total: (wide + 1) as u16 }
    seen[1] = s
    if (length > HEADER) {
        return XDP_DROP
    }
    return XDP_PASS
}
";

#[test]
fn fix_applies_the_unambiguous_suggestions_and_the_result_checks() {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        eprintln!("skipped: no kernel BTF");
        return;
    }
    let scratch = Scratch::new("apply");
    let file = scratch.write("needs_fixes.ks", NEEDS_FIXES);
    let before = kernelscript(&scratch.0, &["check", "needs_fixes.ks"]);
    assert!(!before.status.success());
    let fixed = kernelscript(&scratch.0, &["fix", "needs_fixes.ks"]);
    let stderr = String::from_utf8_lossy(&fixed.stderr);
    // `totl` -> `total` (a field), then rounds until nothing changes.
    assert!(fixed.status.success(), "{stderr}");
    assert!(stderr.contains("applied 5 fixes"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), FIXED);
    let after = kernelscript(&scratch.0, &["check", "needs_fixes.ks"]);
    assert!(
        after.status.success(),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
    // A second fix has nothing to do and leaves the file alone.
    let again = kernelscript(&scratch.0, &["fix", "needs_fixes.ks"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("applied 0 fixes"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), FIXED);
}

#[test]
fn fix_leaves_what_needs_a_person_and_fails() {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        eprintln!("skipped: no kernel BTF");
        return;
    }
    let scratch = Scratch::new("partial");
    // The stack frame is a genuine bug: no suggestion; the cast is fixed.
    let source = "\
@helper
fn big(x: u64) -> u32 {
    var buf: u8[600]
    buf[0] = 1
    return x
}

@xdp fn p(ctx: *xdp_md) -> xdp_action {
    var n = big(1)
    return XDP_PASS
}
";
    let file = scratch.write("partial.ks", source);
    let fixed = kernelscript(&scratch.0, &["fix", "partial.ks"]);
    let stderr = String::from_utf8_lossy(&fixed.stderr);
    assert!(!fixed.status.success());
    assert!(stderr.contains("applied 1 fix\n"), "{stderr}");
    assert!(stderr.contains("600 bytes of stack"), "{stderr}");
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("return x as u32\n"));
}

#[test]
fn check_prints_one_json_object_per_diagnostic_with_spans_and_suggestions() {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        eprintln!("skipped: no kernel BTF");
        return;
    }
    let scratch = Scratch::new("json");
    scratch.write("needs_fixes.ks", NEEDS_FIXES);
    let output = kernelscript(
        &scratch.0,
        &["check", "--message-format", "json", "needs_fixes.ks"],
    );
    assert!(!output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let diagnostics: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let messages: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "`&&` needs `bool` operands, found `*u8`",
            "mismatched types",
            "no field `totl` in struct `Seen`",
            "cannot find value `lenght` in this scope",
        ]
    );
    let cast = &diagnostics[1];
    assert_eq!(cast["level"], "error");
    assert_eq!(cast["$message_type"], "diagnostic");
    let span = &cast["spans"][0];
    assert_eq!(span["file_name"], "needs_fixes.ks");
    assert_eq!(span["is_primary"], true);
    assert_eq!(
        (span["line_start"].as_u64(), span["column_start"].as_u64()),
        (Some(15), Some(25))
    );
    assert_eq!(span["column_end"], 31);
    assert_eq!(
        span["byte_end"].as_u64().unwrap() - span["byte_start"].as_u64().unwrap(),
        6
    );
    assert_eq!(span["label"], "expected `u32`, found `i64`");
    let suggestion = cast["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|child| !child["spans"].as_array().unwrap().is_empty())
        .unwrap();
    assert_eq!(suggestion["level"], "help");
    let edit = &suggestion["spans"][0];
    assert_eq!(edit["suggested_replacement"], " as u32");
    assert_eq!(edit["suggestion_applicability"], "MachineApplicable");
    assert_eq!(edit["byte_start"], span["byte_end"]);
    assert!(cast["rendered"]
        .as_str()
        .unwrap()
        .contains("needs_fixes.ks:15:25"));
}

#[test]
fn fix_writes_the_kernels_field_names_and_types_into_a_view_of_a_kernel_struct() {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        eprintln!("skipped: no kernel BTF");
        return;
    }
    let scratch = Scratch::new("view");
    // A misspelt field is an error, a type that is not the kernel's a
    // warning; both carry the kernel's spelling.
    let source = "\
struct trace_entry {
    pid: u32,
    flgs: u8,
}

struct trace_event_raw_sched_switch {
    prev_comm: u32,
    next_pid: i32,
}

@tracepoint(\"sched/sched_switch\")
fn on_switch(ctx: *trace_event_raw_sched_switch) -> i32 {
    return ctx->next_pid
}
";
    let file = scratch.write("view.ks", source);
    let fixed = kernelscript(&scratch.0, &["fix", "view.ks"]);
    let stderr = String::from_utf8_lossy(&fixed.stderr);
    assert!(fixed.status.success(), "{stderr}");
    assert!(stderr.contains("applied 3 fixes"), "{stderr}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with(
            "struct trace_entry {\n    pid: i32,\n    flags: u8,\n}\n\n\
             struct trace_event_raw_sched_switch {\n    prev_comm: char[16],\n"
        ),
        "{text}"
    );
    let after = kernelscript(&scratch.0, &["check", "--deny-warnings", "view.ks"]);
    assert!(
        after.status.success(),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
}

#[test]
fn fix_writes_the_kernels_types_into_a_struct_ops_method() {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        eprintln!("skipped: no kernel BTF");
        return;
    }
    let scratch = Scratch::new("struct_ops");
    // `*u8` for the `struct sock *` stays (a byte pointer stands for any
    // kernel pointer); the enum and the result take the kernel's types.
    let source = "\
@struct_ops(\"tcp_congestion_ops\")
impl c {
    fn cwnd_event(sk: *u8, ev: *u8) {
    }
    fn ssthresh(sk: *sock) -> u64 {
        return 1
    }
}
";
    let file = scratch.write("ops.ks", source);
    let fixed = kernelscript(&scratch.0, &["fix", "ops.ks"]);
    let stderr = String::from_utf8_lossy(&fixed.stderr);
    assert!(fixed.status.success(), "{stderr}");
    assert!(stderr.contains("applied 2 fixes"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        source
            .replace("ev: *u8", "ev: tcp_ca_event")
            .replace("-> u64", "-> u32")
    );
}

const NEEDS_GUARDS: &str = "\
struct Event { pid: u32, size: u64 }

var events : ringbuf<Event>(4096)
var hits : hash<u32, u64>(16)

@helper
fn bump(key: u32) -> u32 {
    if (key > 10) {
        throw 7
    }
    hits[key] += 1
    return key
}

@xdp fn watch(ctx: *xdp_md) -> xdp_action {
    bump(3)
    var e = events.reserve()
    e->pid = 1
    events.submit(e)
    return XDP_PASS
}

fn main() -> i32 {
    var handle = load(watch)
    if (handle == null || handle != null) {
        return 1
    }
    return attach(handle, \"lo\", 0)
}
";

const GUARDED: &str = "\
struct Event { pid: u32, size: u64 }

var events : ringbuf<Event>(4096)
var hits : hash<u32, u64>(16)

@helper
fn bump(key: u32) -> u32 {
    if (key > 10) {
        throw 7
    }
    hits[key] += 1
    return key
}

@xdp fn watch(ctx: *xdp_md) -> xdp_action {
    try { bump(3) } catch _ { }
    var e = events.reserve()
    if (e != null) { e->pid = 1 }
    if (e != null) { events.submit(e) }
    return XDP_PASS
}

fn main() -> i32 {
    var handle = load(watch)
    if (false || true) {
        return 1
    }
    return attach(handle, \"lo\", 0)
}
";

#[test]
fn fix_guards_null_uses_catches_throws_and_folds_handle_comparisons() {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        eprintln!("skipped: no kernel BTF");
        return;
    }
    let scratch = Scratch::new("guards");
    let file = scratch.write("guards.ks", NEEDS_GUARDS);
    let fixed = kernelscript(&scratch.0, &["fix", "guards.ks"]);
    let stderr = String::from_utf8_lossy(&fixed.stderr);
    assert!(fixed.status.success(), "{stderr}");
    assert!(stderr.contains("applied 5 fixes"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), GUARDED);
    let after = kernelscript(&scratch.0, &["check", "guards.ks"]);
    let stderr = String::from_utf8_lossy(&after.stderr);
    assert!(after.status.success(), "{stderr}");
    assert!(!stderr.contains("never null"), "{stderr}");
}

#[test]
fn null_guards_that_could_change_meaning_are_only_offered() {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        eprintln!("skipped: no kernel BTF");
        return;
    }
    let scratch = Scratch::new("offered");
    // A declaration would leave its scope, and the right of `||` is not
    // always evaluated: the guard is `MaybeIncorrect`, and `fix` leaves
    // the file as it is.
    let source = "\
struct Event { pid: u32, size: u64 }

var events : ringbuf<Event>(4096)

@xdp fn watch(ctx: *xdp_md) -> xdp_action {
    var e = events.reserve()
    var pid = e->pid
    var big = pid > 3 || e->size > 10
    if (e != null) {
        events.discard(e)
    }
    return XDP_PASS
}
";
    let file = scratch.write("offered.ks", source);
    let output = kernelscript(
        &scratch.0,
        &["check", "--message-format", "json", "offered.ks"],
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let diagnostics: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(diagnostics.len(), 2, "{stdout}");
    for diagnostic in &diagnostics {
        assert_eq!(diagnostic["message"], "`e` may be null here");
        let edits: Vec<(&str, &str)> = diagnostic["children"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|child| child["spans"].as_array().unwrap())
            .map(|edit| {
                (
                    edit["suggested_replacement"].as_str().unwrap(),
                    edit["suggestion_applicability"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            edits,
            [
                ("if (e != null) { ", "MaybeIncorrect"),
                (" }", "MaybeIncorrect")
            ]
        );
    }
    let fixed = kernelscript(&scratch.0, &["fix", "offered.ks"]);
    assert!(!fixed.status.success());
    assert!(String::from_utf8_lossy(&fixed.stderr).contains("applied 0 fixes"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), source);
}
