//! `kernelscript test`, `compile --test` and programs of several files,
//! against the real kernel (fixtures in `tests/test_command/`):
//!
//! * five `@test` functions, two failing on purpose (a wrong verdict on a
//!   crafted packet, a wrong map count after two runs), give exactly their
//!   lines, `3 passed, 2 failed` and exit status 1; maps, globals and
//!   configs are set before runs and read after; XDP and TC programs run
//!   on zero-filled byte arrays;
//! * `--filter` runs the matching tests only;
//! * `compile --test` writes `NAME.test.c` and Makefile targets; the
//!   runner built by `make` (with `-Werror`) runs the passing tests;
//! * a raw tracepoint program runs with `u64` arguments as its context,
//!   and a test returning non-zero fails alone;
//! * a verifier rejection shows the verifier's log at `.ks` lines;
//! * a program importing a `.ks` module (same names as the main file's)
//!   and a Python module builds, and its binary prints the Python results
//!   and reports a Python exception, caught and uncaught.
//!
//! Kernel tests run one at a time (`testkit::kernel_lock`). Without root
//! or `bpf()` they print `skipped: <reason>`, and fail instead when
//! `KS_REQUIRE_KERNEL=1`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/test_command")
        .join(name)
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("ks-test-command-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn kernelscript(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kernelscript"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kernelscript")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The lines of `stdout` that are the runner's own (`test ...`, the
/// reasons under them, the summary).
fn runner_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|line| {
            line.starts_with("test ") || line.starts_with("    ") || line.contains(" passed, ")
        })
        .collect()
}

#[test]
fn kernelscript_test_prints_each_test_the_summary_and_fails() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let scratch = Scratch::new("all");
    let source = fixture("packet_filter.ks");
    let out = scratch.0.join("out");
    let output = kernelscript(
        &[
            "test",
            source.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &scratch.0,
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        runner_lines(&stdout),
        [
            "test ok_small_packets_pass ... ok",
            "test ok_udp_to_9999_is_dropped ... ok",
            "test ok_config_and_tc ... ok",
            "test fails_wrong_verdict ... FAILED",
            "    packet_filter.ks:72: assert_eq(test(filter, packet), XDP_PASS) failed: left 1, right 2",
            "test fails_wrong_count ... FAILED",
            "    packet_filter.ks:81: assert_eq(seen[0], 3) failed: left 2, right 3",
            "3 passed, 2 failed",
        ],
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn filter_runs_only_the_matching_tests() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let scratch = Scratch::new("filter");
    let source = fixture("packet_filter.ks");
    let out = scratch.0.join("out");
    let output = kernelscript(
        &[
            "test",
            source.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--filter",
            "udp_to",
        ],
        &scratch.0,
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        runner_lines(&stdout),
        [
            "test ok_udp_to_9999_is_dropped ... ok",
            "1 passed, 0 failed"
        ],
        "{stdout}{}",
        text(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn compile_test_and_make_build_the_runner() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let scratch = Scratch::new("make");
    let source = fixture("packet_filter.ks");
    let out = scratch.0.join("out");
    let compiled = kernelscript(
        &[
            "compile",
            "--test",
            source.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &scratch.0,
    );
    assert!(compiled.status.success(), "{}", text(&compiled.stderr));
    assert!(out.join("packet_filter.test.c").is_file());
    let makefile = std::fs::read_to_string(out.join("Makefile")).unwrap();
    assert!(makefile.contains("packet_filter.test: packet_filter.test.c packet_filter.skel.h"));
    assert!(makefile.contains("test: packet_filter.test\n\t./packet_filter.test\n"));
    let made = Command::new("make")
        .args([
            "-s",
            "CFLAGS=-g -O2 -Wall -Wextra -Werror",
            "packet_filter.test",
        ])
        .current_dir(&out)
        .output()
        .expect("run make");
    assert!(
        made.status.success(),
        "{}{}",
        text(&made.stdout),
        text(&made.stderr)
    );
    let run = Command::new(out.join("packet_filter.test"))
        .args(["--filter", "ok_"])
        .current_dir(&out)
        .output()
        .expect("run the test runner");
    let stdout = text(&run.stdout);
    assert_eq!(
        runner_lines(&stdout),
        [
            "test ok_small_packets_pass ... ok",
            "test ok_udp_to_9999_is_dropped ... ok",
            "test ok_config_and_tc ... ok",
            "3 passed, 0 failed",
        ],
        "{stdout}{}",
        text(&run.stderr)
    );
    assert_eq!(run.status.code(), Some(0));
    // Without --test there is no runner and no target.
    let plain = scratch.0.join("plain");
    let compiled = kernelscript(
        &[
            "compile",
            source.to_str().unwrap(),
            "-o",
            plain.to_str().unwrap(),
        ],
        &scratch.0,
    );
    assert!(compiled.status.success());
    assert!(!plain.join("packet_filter.test.c").exists());
    let makefile = std::fs::read_to_string(plain.join("Makefile")).unwrap();
    assert!(!makefile.contains(".test"));
}

#[test]
fn raw_tracepoints_run_with_their_arguments_and_a_nonzero_result_fails_its_test() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let scratch = Scratch::new("arguments");
    let source = fixture("arguments.ks");
    let out = scratch.0.join("out");
    let output = kernelscript(
        &[
            "test",
            source.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &scratch.0,
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        runner_lines(&stdout),
        [
            "test arguments_reach_the_program ... ok",
            "test a_nonzero_result_fails_only_its_test ... FAILED",
            "    a_nonzero_result_fails_only_its_test returned 3",
            "1 passed, 1 failed",
        ],
        "{stdout}{}",
        text(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_verifier_rejection_shows_the_log_at_ks_lines() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let scratch = Scratch::new("rejected");
    let source = fixture("rejected.ks");
    let out = scratch.0.join("out");
    let output = kernelscript(
        &[
            "test",
            source.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &scratch.0,
    );
    let stdout = text(&output.stdout);
    assert!(stdout.contains("test runs_filter ... FAILED\n"), "{stdout}");
    // The statement the verifier stopped at, as the .ks file has it.
    assert!(
        stdout.contains("    ; if (data[12] == 8) { @ rejected.ks:7\n"),
        "{stdout}"
    );
    assert!(stdout.contains("invalid access to packet"), "{stdout}");
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn modules_and_python_build_and_run() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let scratch = Scratch::new("modules");
    let source = fixture("modules/main.ks");
    let out = scratch.0.join("out");
    let built = kernelscript(
        &[
            "build",
            source.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &scratch.0,
    );
    assert!(built.status.success(), "{}", text(&built.stderr));
    // The same through the generated Makefile, warnings as errors.
    let made = Command::new("make")
        .args(["-s", "-B", "CFLAGS=-g -O2 -Wall -Wextra -Werror"])
        .current_dir(&out)
        .output()
        .expect("run make");
    assert!(
        made.status.success(),
        "{}{}",
        text(&made.stdout),
        text(&made.stderr)
    );
    let run = Command::new(out.join("main"))
        .current_dir(&scratch.0)
        .output()
        .expect("run the program");
    assert_eq!(
        text(&run.stdout),
        "main.count=1 util.count=2\n\
         main.Limit=1 util.Limit=2\n\
         hits=5 util.hits=7 pair=3,4\n\
         scaled=42 name=hello eth0\n\
         caught the Python exception\n"
    );
    let stderr = text(&run.stderr);
    assert!(stderr.contains("ValueError: bad value 5"), "{stderr}");
    assert!(stderr.contains("ValueError: bad value 6"), "{stderr}");
    assert!(stderr.contains("tools.py\", line 13, in fail"), "{stderr}");
    assert_eq!(run.status.code(), Some(1), "{stderr}");
}

#[test]
fn the_examples_tests_pass() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut ran = 0;
    for entry in std::fs::read_dir(&examples).expect("examples/") {
        let path = entry.expect("directory entry").path();
        let is_ks = path.extension().is_some_and(|ext| ext == "ks");
        if !is_ks || !std::fs::read_to_string(&path).unwrap().contains("@test") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let scratch = Scratch::new(&format!("example-{stem}"));
        let out = scratch.0.join("out");
        let output = kernelscript(
            &["test", path.to_str().unwrap(), "-o", out.to_str().unwrap()],
            &scratch.0,
        );
        let stdout = text(&output.stdout);
        assert!(
            output.status.success() && stdout.contains(" passed, 0 failed"),
            "{}:\n{stdout}{}",
            path.display(),
            text(&output.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 1, "no example has @test functions");
}

#[test]
fn packet_builders_write_headers_and_checksums_programs_accept() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let scratch = Scratch::new("packets");
    let source = fixture("packets.ks");
    let out = scratch.0.join("out");
    let output = kernelscript(
        &[
            "test",
            source.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &scratch.0,
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        runner_lines(&stdout),
        [
            "test ipv4_udp_headers_and_checksums ... ok",
            "test ipv6_tcp_headers_and_checksums ... ok",
            "2 passed, 0 failed",
        ],
        "{stdout}{}",
        text(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0));
}
