//! Unit tests of decisions that are easier to pin here than in a golden
//! file (the goldens under `tests/data/userspace` cover whole programs and
//! are compiled and run).

use super::generate;
use crate::codegen::plan::Plan;
use crate::driver::{analyze, NoIncludes};

fn userspace_c(source: &str) -> Option<String> {
    let analysis = analyze(
        "test.ks",
        source,
        &mut NoIncludes,
        crate::kernel::test_kernel(),
    );
    let program = analysis.program().unwrap_or_else(|| {
        let messages: Vec<&str> = analysis
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.message.as_str())
            .collect();
        panic!("does not check: {messages:?}")
    });
    generate(program, &analysis.sources, &Plan::new(program, "test"))
}

/// The body of the C function whose definition line starts with `head`.
fn function_body<'a>(c: &'a str, head: &str) -> &'a str {
    let start = c
        .find(&format!("\n{head}\n{{"))
        .unwrap_or_else(|| panic!("no `{head}` in:\n{c}"));
    let end = c[start..].find("\n}\n").expect("function end") + start;
    &c[start..end + 2]
}

#[test]
fn a_program_without_main_has_no_userspace_program() {
    let source = "@xdp fn pass(ctx: *xdp_md) -> xdp_action { return XDP_PASS }";
    assert!(userspace_c(source).is_none());
}

#[test]
fn names_that_c_or_libc_own_are_renamed_consistently() {
    let source = "
        fn printf(value: u32) -> u32 {
            var int: u32 = value + 1
            return int
        }
        fn main() -> i32 {
            var index: u32 = printf(1)
            return index as i32
        }";
    let c = userspace_c(source).expect("has main");
    assert!(c.contains("\nstatic __u32 printf_(__u32 value);\n"));
    let printf = function_body(&c, "static __u32 printf_(__u32 value)");
    assert!(
        printf.contains("\t__u32 int_ = value + 1;\n\treturn int_;\n"),
        "{printf}"
    );
    // A local may shadow libc's index(): nothing generated calls it.
    let main = function_body(&c, "static __s32 ks_main(void)");
    assert!(main.contains("\t__u32 index = printf_(1);\n\treturn (__s32)index;\n"));
}

#[test]
fn only_programs_userspace_names_are_loaded() {
    let source = "
        @xdp fn used(ctx: *xdp_md) -> xdp_action { return XDP_PASS }
        @xdp fn unused(ctx: *xdp_md) -> xdp_action { return XDP_DROP }
        fn main() -> i32 {
            var handle = load(used)
            return 0
        }";
    let c = userspace_c(source).expect("has main");
    let open = function_body(&c, "static void ks_open(void)");
    assert!(open.contains("\tbpf_program__set_autoload(ks_skel->progs.unused, false);\n"));
    assert!(!open.contains("progs.used, false"));
}
