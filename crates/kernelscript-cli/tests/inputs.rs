//! Hostile inputs and output failures at the command line: what the
//! `kernelscript` binary reads (device files, FIFOs, huge or non-UTF-8
//! text, a byte-order mark, headers reached twice), what it prints for a
//! file full of errors (bounded), and what it leaves behind when a write
//! fails (nothing partial). Each test runs the real binary in a scratch
//! directory with a time limit, so a hang fails instead of blocking.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("ks-inputs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
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

/// Runs `kernelscript ARGS` in `dir` through `sh -c 'PREFIX exec timeout
/// 20 ...'` (`PREFIX` for `ulimit`/`trap`); a run killed at the limit fails.
fn kernelscript_with(dir: &Path, prefix: &str, args: &[&str]) -> Output {
    let mut script = format!("{prefix} exec timeout 20 \"$0\"");
    for index in 1..=args.len() {
        script.push_str(&format!(" \"${index}\""));
    }
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_kernelscript"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("kernelscript runs");
    assert_ne!(
        output.status.code(),
        Some(124),
        "kernelscript {args:?} did not finish within 20 s"
    );
    output
}

fn kernelscript(dir: &Path, args: &[&str]) -> Output {
    kernelscript_with(dir, "", args)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const PROGRAM: &str = "@xdp fn pass(ctx: *xdp_md) -> xdp_action {\n    return XDP_PASS\n}\n";

#[test]
fn including_a_device_or_a_fifo_is_an_error_not_a_hang() {
    let scratch = Scratch::new("devices");
    let fifo = scratch.0.join("pipe.kh");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // Headers are `.kh` files: the device is reached through a link.
    std::os::unix::fs::symlink("/dev/zero", scratch.0.join("zero.kh")).unwrap();
    scratch.write(
        "main.ks",
        format!("include \"zero.kh\"\ninclude \"pipe.kh\"\n{PROGRAM}"),
    );
    let output = kernelscript(&scratch.0, &["check", "main.ks"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("main.ks:1:9") && text.contains("main.ks:2:9"),
        "{text}"
    );
    assert_eq!(text.matches("not a regular file").count(), 2, "{text}");
}

#[test]
fn a_header_reached_twice_is_included_once() {
    let scratch = Scratch::new("diamond");
    std::fs::create_dir_all(scratch.0.join("sub")).unwrap();
    scratch.write("common.kh", "struct Pair {\n    a: u32,\n    b: u32,\n}\n");
    scratch.write("left.kh", "include \"common.kh\"\n");
    scratch.write("sub/right.kh", "include \"../common.kh\"\n");
    scratch.write(
        "main.ks",
        format!(
            "include \"left.kh\"\ninclude \"sub/right.kh\"\ninclude \"./common.kh\"\n{PROGRAM}"
        ),
    );
    let output = kernelscript(&scratch.0, &["check", "main.ks"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let scratch = Scratch::new("bom");
    scratch.write("main.ks", format!("\u{feff}{PROGRAM}"));
    let output = kernelscript(&scratch.0, &["check", "main.ks"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn invalid_utf8_is_reported_with_its_position() {
    let scratch = Scratch::new("utf8");
    let mut bytes = b"// \xc3\xa9t\xc3\xa9\nfn f() {}\n// ab\xff\n".to_vec();
    bytes.extend_from_slice(PROGRAM.as_bytes());
    scratch.write("main.ks", &bytes);
    scratch.write("bad.kh", b"\xfe");
    scratch.write("other.ks", format!("include \"bad.kh\"\n{PROGRAM}"));
    let output = kernelscript(&scratch.0, &["check", "main.ks"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: cannot read `main.ks`: invalid UTF-8 at line 3, column 6\n"
    );
    let output = kernelscript(&scratch.0, &["check", "other.ks"]);
    assert!(
        stderr(&output).contains("invalid UTF-8 at line 1, column 1"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn error_output_is_bounded() {
    let scratch = Scratch::new("errors");
    // 2,000 broken statements on one long line: every error would repeat it.
    let body = "x y ; ".repeat(2000);
    scratch.write("main.ks", format!("fn f() {{ {body} }}\n"));
    let output = kernelscript(&scratch.0, &["check", "main.ks"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1));
    let rendered = text
        .lines()
        .filter(|line| line.starts_with("error"))
        .count();
    assert_eq!(rendered, 51, "50 errors and the summary");
    assert!(
        text.ends_with("error: could not compile due to 4000 errors; the first 50 are shown\n"),
        "{}",
        &text[text.len().saturating_sub(200)..]
    );
    assert!(text.len() < 50 * 2 * 12_500, "{} bytes", text.len());
}

#[test]
fn a_failed_write_leaves_no_partial_output() {
    let scratch = Scratch::new("write");
    scratch.write("prog.ks", PROGRAM);
    // Files may grow to 1 KiB: the eBPF C fits, the Makefile does not.
    // SIGXFSZ is ignored, so the write fails with EFBIG instead of killing
    // the process; the eBPF C already written must not be left either.
    let output = kernelscript_with(
        &scratch.0,
        "trap '' XFSZ; ulimit -f 1;",
        &["compile", "prog.ks", "-o", "out"],
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("cannot write `out/Makefile`"), "{text}");
    let left: Vec<_> = std::fs::read_dir(scratch.0.join("out"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn file_names_the_makefile_uses_are_refused() {
    let scratch = Scratch::new("names");
    for name in ["Makefile", "clean", "all"] {
        scratch.write(&format!("{name}.ks"), PROGRAM);
        let output = kernelscript(&scratch.0, &["compile", &format!("{name}.ks")]);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{text}");
        assert!(
            text.contains(&format!("would build a program named `{name}`")),
            "{text}"
        );
        assert!(!scratch.0.join(name).exists());
    }
}
