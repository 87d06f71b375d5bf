//! Proves the e2e harness itself on hand-written libbpf C programs under
//! `tests/e2e/harness_selftest/`: every `*.c` there carries directives that
//! must pass against the real kernel, and every `must_fail/*.annot` file
//! holds directives that must make the runner fail, with a message naming
//! what differed — so the harness cannot pass vacuously.
//!
//! The compile step here is "copy the C file"; these tests must not depend
//! on the KernelScript compiler. Each `must_fail/A.CASE.annot` runs against
//! the program `../A.c` (the annotations live in a sibling file).

use std::path::{Path, PathBuf};

use testkit::e2e::{copy_c_source, parse_file, run_dir, run_file};

fn selftest_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e/harness_selftest");
    dir.canonicalize().unwrap_or(dir)
}

/// Compile step for `must_fail/A.CASE.annot`: the program is `../A.c`.
fn sibling_c(annot: &Path, out_dir: &Path) -> Result<PathBuf, String> {
    let name = annot
        .file_name()
        .ok_or("no file name")?
        .to_string_lossy()
        .into_owned();
    let program = name.split('.').next().ok_or("no program prefix")?;
    let c_file = selftest_dir().join(format!("{program}.c"));
    let dest = out_dir.join(format!(
        "{}.ebpf.c",
        annot.file_stem().unwrap_or_default().to_string_lossy()
    ));
    std::fs::copy(&c_file, &dest).map_err(|e| format!("{}: {e}", c_file.display()))?;
    Ok(dest)
}

/// The number of passing selftest programs; a new one must be added here.
const PASSING_FILES: usize = 6;

#[test]
fn passing_selftests_pass() {
    let reports = run_dir(&selftest_dir(), "c", copy_c_source).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reports.len(), PASSING_FILES, "{reports:#?}");
    for r in &reports {
        if r.skipped.is_none() {
            assert!(r.checks > 0, "{} checked nothing", r.file.display());
        }
    }
}

/// (file in must_fail/, needs the kernel to reach its failure, texts the error must contain)
const MUST_FAIL: &[(&str, bool, &[&str])] = &[
    (
        "xdp_udp_filter.wrong_retval",
        true,
        &[
            ".annot:2:",
            "expected: XDP_PASS (2)",
            "actual:   XDP_DROP (1)",
            "packet in (42 bytes)",
        ],
    ),
    (
        "xdp_udp_filter.wrong_map_value",
        true,
        &[
            ".annot:5:",
            "map: drops[ipv4 10.0.0.2] == u64 2",
            "expected: u64 2",
            "actual:   u64 1",
        ],
    ),
    (
        "xdp_udp_filter.wrong_struct_field",
        true,
        &["expected: {u64 1, u32 45}", "actual:   {u64 1, u32 44}"],
    ),
    (
        "xdp_udp_filter.present_not_absent",
        true,
        &[
            "expected: absent",
            "actual:   present, hex 0100000000000000",
        ],
    ),
    (
        "xdp_udp_filter.absent_not_present",
        true,
        &["expected: u64 1", "actual:   absent"],
    ),
    (
        "xdp_udp_filter.wrong_percpu_sum",
        true,
        &["expected: sum u64 5", "actual:   sum u64 1"],
    ),
    (
        "xdp_udp_filter.percpu_without_sum",
        true,
        &["is per-CPU", "sum"],
    ),
    (
        "xdp_udp_filter.key_size",
        true,
        &["key `u64 1` is 8 bytes but map `drops` has 4-byte keys"],
    ),
    (
        "xdp_udp_filter.value_size",
        true,
        &["value `u32 1` is 4 bytes but map `drops` has 8-byte values"],
    ),
    (
        "xdp_udp_filter.unknown_map",
        true,
        &["no map `nope`", "drops", "flows", "seen"],
    ),
    (
        "xdp_udp_filter.unknown_program",
        true,
        &["no program `nope`", "filter_udp"],
    ),
    (
        "xdp_udp_filter.short_packet",
        true,
        &["packet is 2 bytes", "at least 14"],
    ),
    (
        "xdp_udp_filter.delete_absent",
        true,
        &["has no key `ipv4 10.0.0.2`"],
    ),
    (
        "xdp_udp_filter.load_succeeds",
        true,
        &["expected loading to fail", "but the object loaded"],
    ),
    (
        "xdp_udp_filter.unknown_directive",
        false,
        &[".annot:2:", "unknown directive `rnu:`"],
    ),
    (
        "xdp_udp_filter.no_checks",
        false,
        &["no checking directive"],
    ),
    (
        "xdp_udp_filter.trailing_directive",
        false,
        &[".annot:2:", "must be on a line of its own"],
    ),
    (
        "xdp_udp_filter.bad_packet",
        false,
        &["`udp` cannot follow `eth`"],
    ),
    (
        "xdp_udp_filter.value_out_of_range",
        false,
        &["256 does not fit in u8"],
    ),
    (
        "tc_classifier.wrong_family",
        true,
        &["`XDP_DROP` is not a return code of `classify`"],
    ),
    (
        "tc_classifier.wrong_tc_action",
        true,
        &["expected: TC_ACT_OK (0)", "actual:   TC_ACT_SHOT (2)"],
    ),
    (
        "globals.wrong_global",
        true,
        &["expected: u64 5", "actual:   u64 0"],
    ),
    (
        "globals.rodata_not_set",
        true,
        &["expected: XDP_DROP (1)", "actual:   XDP_PASS (2)"],
    ),
    (
        "globals.unknown_global",
        true,
        &["no global variable `nope`", "packet_count", "blocked_port"],
    ),
    (
        "xdp_tx_rewrite.wrong_out",
        true,
        &["output packet differs at byte 34"],
    ),
    (
        "xdp_tx_rewrite.out_without_run",
        true,
        &["`out:` needs a passing `run:` before it"],
    ),
    (
        "rejected.not_expected",
        true,
        &[
            "failed to load",
            "BEGIN PROG LOAD LOG",
            "invalid access to packet",
            "END PROG LOAD LOG",
        ],
    ),
    (
        "rejected.wrong_load_error",
        true,
        &[
            "its log lacks `this text is never printed",
            "invalid access to packet",
        ],
    ),
];

#[test]
fn wrong_expectations_fail() {
    let dir = selftest_dir().join("must_fail");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("must_fail directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = MUST_FAIL
        .iter()
        .map(|(n, _, _)| format!("{n}.annot"))
        .collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "every must_fail file needs a row in MUST_FAIL, and vice versa"
    );

    let mut problems = Vec::new();
    let mut failed_as_expected = 0;
    for (name, needs_kernel, needles) in MUST_FAIL {
        let path = dir.join(format!("{name}.annot"));
        match run_file(&path, sibling_c) {
            Ok(report) if report.skipped.is_some() && *needs_kernel => {}
            Ok(report) => problems.push(format!("{name}: passed, but it must fail ({report:?})")),
            Err(e) => {
                let text = e.to_string();
                println!("{text}");
                if let Some(dir) = &e.artifacts {
                    let _ = std::fs::remove_dir_all(dir);
                }
                let missing: Vec<&&str> = needles.iter().filter(|n| !text.contains(**n)).collect();
                if missing.is_empty() {
                    failed_as_expected += 1;
                } else {
                    problems.push(format!(
                        "{name}: failed, but the message lacks {missing:?}:\n{text}"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    println!(
        "{failed_as_expected} of {} must-fail files failed as expected",
        MUST_FAIL.len()
    );
}

/// Every ```ks block of tests/e2e/README.md must parse, so the doc cannot rot.
#[test]
fn readme_examples_parse() {
    let readme = selftest_dir().join("../README.md");
    let text = std::fs::read_to_string(&readme).expect("tests/e2e/README.md");
    let mut in_ks_block = false;
    let mut block = String::new();
    let mut directives = 0;
    for line in text.lines() {
        let fence = line.trim_start().strip_prefix("```");
        match fence {
            Some(lang) if !in_ks_block && lang.trim() == "ks" => in_ks_block = true,
            Some(_) if in_ks_block => {
                let parsed = parse_file(&block)
                    .unwrap_or_else(|(l, e)| panic!("README example line {l}: {e}\n{block}"));
                directives += parsed.len();
                block.clear();
                in_ks_block = false;
            }
            _ if in_ks_block => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    assert!(
        directives >= 10,
        "README examples hold only {directives} directives"
    );
}
